//! The Users/Todos app's first schema: users and the todos they own.
//!
//! No `downgrade`: every operation here is reversible, so retort derives it
//! (drop the index, then `todos`, then `users`).
use retort::op::*;

pub const REVISION: &str = "ca2061f1a411";
pub const PARENTS: &[&str] = &[];
pub const MESSAGE: &str = "initial users and todos";

pub fn upgrade(op: &mut Operations) {
    op.create_table("users", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("email", Type::String(100)).not_null().unique();
        t.column("username", Type::String(50)).not_null().unique();
        t.column("first_name", Type::String(50));
        t.column("last_name", Type::String(50));
        t.column("hashed_password", Type::String(200)).not_null();
        t.column("is_active", Type::Bool).not_null().default(true);
        t.column("role", Type::String(20))
            .not_null()
            .default("user");
    });
    op.create_table("todos", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("title", Type::String(200)).not_null();
        t.column("description", Type::String(1000));
        t.column("priority", Type::Int).not_null();
        t.column("complete", Type::Bool).not_null().default(false);
        t.column("owner_id", Type::Int)
            .not_null()
            .references("users", "id");
    });
    op.create_index("ix_todos_owner_id", "todos", ["owner_id"]);
}
