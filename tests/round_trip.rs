//! Every revision round-trips on every backend that runs here: upgraded,
//! downgraded and upgraded again with the schema compared at each step, and
//! each revision's schema checked against its reviewed snapshot in
//! `snapshots/<backend>/`.
//!
//! A new or changed revision fails here until its snapshot is reviewed:
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test`), then commit
//! the `.snap` files with the revision.

use retort::testing::BackendKind;

#[tokio::test]
async fn round_trip_sqlite() {
    retort::round_trip!(&todo_db::MIGRATIONS, BackendKind::Sqlite);
}

#[tokio::test]
async fn round_trip_postgres() {
    retort::round_trip!(&todo_db::MIGRATIONS, BackendKind::Postgres);
}

#[tokio::test]
async fn round_trip_mssql() {
    retort::round_trip!(&todo_db::MIGRATIONS, BackendKind::Mssql);
}
