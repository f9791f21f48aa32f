//! The revisions build exactly the schema `src/schema.rs` declares, on every
//! backend that runs here. When this fails, `cargo xtask new-revision
//! --autogenerate -m "…"` writes the revision that closes the gap.

use retort::testing::BackendKind;

#[tokio::test]
async fn revisions_build_the_declared_schema_on_sqlite() {
    retort::assert_schema_matches!(&todo_db::MIGRATIONS, &todo_db::schema(), BackendKind::Sqlite);
}

#[tokio::test]
async fn revisions_build_the_declared_schema_on_postgres() {
    retort::assert_schema_matches!(&todo_db::MIGRATIONS, &todo_db::schema(), BackendKind::Postgres);
}

#[tokio::test]
async fn revisions_build_the_declared_schema_on_mssql() {
    retort::assert_schema_matches!(&todo_db::MIGRATIONS, &todo_db::schema(), BackendKind::Mssql);
}
