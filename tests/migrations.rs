//! The sample project's revisions: compiled as the files say, and applied,
//! reverted and re-applied on every backend that runs here.

use retort::testing::BackendKind;
use retort::{Body, Migrator, Target};
use todo_db::MIGRATIONS;

#[test]
fn revision_table_matches_the_migration_files() {
    let root = env!("CARGO_MANIFEST_DIR");
    let ids: Vec<&str> = MIGRATIONS.revisions().iter().map(|r| r.id).collect();
    // The same list as `sample_revisions` in retort's tests/op_fixtures,
    // which renders these files for SQL Server.
    assert_eq!(
        ids,
        [
            "ca2061f1a411",
            "e2c91c86cdd1",
            "43c3cd585949",
            "bfdc4dc1aa2c",
            "e9d9fee31ee0"
        ]
    );
    for revision in MIGRATIONS.revisions() {
        // The compiled checksum is the contract documented in retort-build:
        // recompute it from the file as it is now.
        let read =
            |path: &str| std::fs::read(format!("{root}/{path}")).expect("migration file exists");
        let expected = match revision.body {
            Body::Rust { .. } => retort_build::rust_checksum(&read(revision.source)),
            Body::Sql { down, .. } => {
                let down_path = revision.source.replace(".up.sql", ".down.sql");
                retort_build::sql_checksum(
                    &read(revision.source),
                    down.map(|_| read(&down_path)).as_deref(),
                )
            }
        };
        assert_eq!(revision.checksum.0, expected, "{}", revision.source);
    }
}

async fn upgrade_downgrade_upgrade(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let url = retort::DatabaseUrl::parse(db.url()).unwrap();
    let mut backend = retort::connect(&url).await.unwrap();
    let migrator = Migrator::new(&MIGRATIONS);
    let up = migrator.upgrade(&mut backend, &Target::Head).await.unwrap();
    assert_eq!(up.len(), MIGRATIONS.revisions().len());
    let down = migrator
        .downgrade(&mut backend, &Target::Base)
        .await
        .unwrap();
    assert_eq!(down.len(), up.len());
    let again = migrator.upgrade(&mut backend, &Target::Head).await.unwrap();
    assert_eq!(again.len(), up.len());
    let status = migrator.status(&mut backend).await.unwrap();
    assert!(status.is_clean(), "{status:?}");
}

#[tokio::test]
async fn sample_round_trips_on_sqlite() {
    upgrade_downgrade_upgrade(BackendKind::Sqlite).await;
}

#[tokio::test]
async fn sample_round_trips_on_postgres() {
    upgrade_downgrade_upgrade(BackendKind::Postgres).await;
}
