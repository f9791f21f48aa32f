//! Step 1 of the guide's workflows: a new nullable column on an existing table.
use retort::op::*;

pub const REVISION: &str = "e2c91c86cdd1";
pub const PARENTS: &[&str] = &["ca2061f1a411"];
pub const MESSAGE: &str = "add phone number to users";

pub fn upgrade(op: &mut Operations) {
    op.add_column("users", "phone_number", Type::String(20));
}
