//! Step 3 of the guide's workflows: a longer `username`.
//!
//! The `existing_*` values say what the column is now. SQL Server needs
//! them (its `ALTER COLUMN` restates the type and nullability), and they
//! make the downgrade derivable: back to `String(50)`. On SQLite, which
//! cannot alter a column, retort rebuilds the table and keeps its rows.
use retort::op::*;

pub const REVISION: &str = "bfdc4dc1aa2c";
pub const PARENTS: &[&str] = &["43c3cd585949"];
pub const MESSAGE: &str = "change username to longer string";

pub fn upgrade(op: &mut Operations) {
    // `cargo xtask migrate lint` flags these; they are safe here.
    op.allow("pg-changing-column-type", "widening a varchar is metadata-only on PostgreSQL (no rewrite since 9.2)");
    op.allow("sqlite-table-rebuild", "the sample's users table is small");
    op.alter_column("users", "username")
        .existing_type(Type::String(50))
        .existing_nullable(false)
        .set_type(Type::String(100));
}
