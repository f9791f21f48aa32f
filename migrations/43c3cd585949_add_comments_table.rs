//! Step 2 of the guide's workflows: a new table, with comments deleted
//! along with their todo.
use retort::op::*;

pub const REVISION: &str = "43c3cd585949";
pub const PARENTS: &[&str] = &["e2c91c86cdd1"];
pub const MESSAGE: &str = "add comments table";

pub fn upgrade(op: &mut Operations) {
    op.create_table("comments", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("content", Type::String(500));
        t.column("todo_id", Type::Int)
            .references("todos", "id")
            .on_delete(ReferentialAction::Cascade);
    });
    op.create_index("ix_comments_todo_id", "comments", ["todo_id"]);
}
