//! The schema the application declares: its tables, written with the
//! builder or derived from its row structs (`#[derive(retort::Table)]`).
//!
//! `cargo xtask new-revision --autogenerate -m "…"` writes the revision that
//! takes what `migrations/` builds to this; `tests/schema.rs` checks on every
//! backend that the two agree.

use retort::declare::{Schema, Table};
use retort::op::Type;

/// The declared schema.
pub fn schema() -> Schema {
    Schema::new().table(users()).table(todos()).table_of::<Comment>()
}

fn users() -> Table {
    Table::new("users", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("email", Type::String(100)).not_null().unique();
        t.column("username", Type::String(100)).not_null().unique();
        t.column("first_name", Type::String(50));
        t.column("last_name", Type::String(50));
        t.column("hashed_password", Type::String(200)).not_null();
        t.column("role", Type::String(20)).not_null().default("user");
        t.column("phone_number", Type::String(20));
        t.column("status", Type::String(20));
    })
}

fn todos() -> Table {
    Table::new("todos", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("title", Type::String(200)).not_null();
        t.column("description", Type::String(1000));
        t.column("priority", Type::Int).not_null();
        t.column("complete", Type::Bool).not_null().default(false);
        t.column("owner_id", Type::Int).not_null().references("users", "id");
    })
    .index("ix_todos_owner_id", ["owner_id"], |_| {})
}

/// A comment on a todo, as the application reads it. The derive declares
/// the same table a builder would: either spelling feeds one model.
#[derive(retort::Table)]
#[retort(table = "comments", index(name = "ix_comments_todo_id", columns("todo_id")))]
pub struct Comment {
    #[retort(identity, primary_key)]
    pub id: i32,
    #[retort(length = 500)]
    pub content: Option<String>,
    #[retort(references = "todos.id", on_delete = "cascade")]
    pub todo_id: Option<i32>,
}
