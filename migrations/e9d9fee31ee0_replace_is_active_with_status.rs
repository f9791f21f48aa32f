//! Step 5 of the guide: a data migration. `is_active` becomes a `status`
//! text, the rows are converted, and the old column goes.
//!
//! Raw SQL cannot be reversed automatically, so this revision has its own
//! downgrade, which converts the statuses back.
use retort::op::*;

pub const REVISION: &str = "e9d9fee31ee0";
pub const PARENTS: &[&str] = &["bfdc4dc1aa2c"];
pub const MESSAGE: &str = "replace is_active with status";

pub fn upgrade(op: &mut Operations) {
    op.add_column("users", "status", Type::String(20));
    // PostgreSQL's BOOLEAN does not compare with 1 and 0.
    op.allow("mssql-dml-without-where", "the sample's users table is small: one statement is fine");
    op.execute_per_dialect([
        (
            Dialect::Sqlite,
            "UPDATE users SET status = CASE WHEN is_active = 1 THEN 'active' ELSE 'inactive' END",
        ),
        (
            Dialect::Postgres,
            "UPDATE users SET status = CASE WHEN is_active THEN 'active' ELSE 'inactive' END",
        ),
        (
            Dialect::Mssql,
            "UPDATE users SET status = CASE WHEN is_active = 1 THEN 'active' ELSE 'inactive' END",
        ),
    ]);
    let released = "the application stopped reading is_active a release before";
    op.allow("mssql-drop-column", released);
    op.allow("pg-ban-drop-column", released);
    op.allow("sqlite-drop-column", released);
    op.drop_column("users", "is_active");
}

pub fn downgrade(op: &mut Operations) {
    op.add_column("users", "is_active", Type::Bool)
        .not_null()
        .default(true);
    op.execute_per_dialect([
        (
            Dialect::Sqlite,
            "UPDATE users SET is_active = CASE WHEN status = 'inactive' THEN 0 ELSE 1 END",
        ),
        (
            Dialect::Postgres,
            "UPDATE users SET is_active = (status IS DISTINCT FROM 'inactive')",
        ),
        (
            Dialect::Mssql,
            "UPDATE users SET is_active = CASE WHEN status = 'inactive' THEN 0 ELSE 1 END",
        ),
    ]);
    op.drop_column("users", "status");
}
