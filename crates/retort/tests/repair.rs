//! `migrate repair` on every backend: an applied revision whose file changed
//! only in comments and whitespace is recorded as it is now (its new
//! checksum, a `repair` event with both checksums) and no longer drifts; a
//! change of its statements is refused, naming the first one that differs;
//! a dry run writes nothing; and a revision applied before retort recorded
//! fingerprints (a history table without the column) needs the person's
//! word, unless a run that writes records its fingerprint first.

mod common;

use common::{connect, events, texts, upgrade};
use retort::testing::{BackendKind, TestDatabase};
use retort::engine::Unit;
use retort::{Body, Checksum, MigrateError, Migrations, Migrator, RepairOptions, RepairOutcome, Revision, Session};

on_every_backend!(
    repair_records_a_comment_edit_and_refuses_a_token_change,
    repair_needs_the_persons_word_for_a_revision_applied_without_a_fingerprint,
    an_older_history_gains_fingerprints_on_the_next_run_that_writes,
);

fn create_notes(op: &mut retort::Operations) {
    use retort::op::Type;
    op.create_table("notes", |t| {
        t.column("id", Type::Int).primary_key();
        t.column("body", Type::String(200));
    });
}

/// `r0r0` with the checksum its file would have after `edit` (0 as built).
const fn notes(edit: u8) -> Revision {
    Revision {
        checksum: Checksum([edit + 1; 32]),
        ..common::revision("r0r0", &["a0a0"], "migrations/r0r0_notes.rs", Body::Rust { upgrade: create_notes, downgrade: None })
    }
}

/// As first applied.
static BUILT: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    notes(0),
]);

/// The same revisions after comment and whitespace edits: new checksums,
/// the same statements (the Rust file's edit is outside what it records).
static COMMENTED: Migrations = Migrations::new(&[
    Revision {
        checksum: Checksum([2; 32]),
        ..common::sql(
            "a0a0",
            &[],
            "-- The accounts.\nCREATE TABLE accounts (\n    id INTEGER PRIMARY KEY,\n    name VARCHAR(50) /* a display name */\n);\n",
            "DROP   TABLE accounts;  -- and its rows",
        )
    },
    notes(1),
]);

/// `a0a0` with a statement changed.
static CHANGED: Migrations = Migrations::new(&[
    Revision {
        checksum: Checksum([3; 32]),
        ..common::sql(
            "a0a0",
            &[],
            "-- The accounts.\nCREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(80));",
            "DROP TABLE accounts;",
        )
    },
    notes(1),
]);

const DRY_RUN: RepairOptions = RepairOptions { dry_run: true, accept_unverified: false };

fn history_table(kind: BackendKind, table: &str) -> String {
    match kind {
        BackendKind::Mssql => format!("dbo.{table}"),
        _ => table.to_owned(),
    }
}

/// The checksum recorded for `id`.
async fn recorded_checksum(db: &TestDatabase, id: &str) -> Vec<String> {
    let table = history_table(db.kind(), "retort_history");
    texts(db, &format!("SELECT checksum FROM {table} WHERE revision_id = '{id}'")).await
}

/// The detail of each `repair` event, oldest first.
async fn repair_details(db: &TestDatabase) -> Vec<String> {
    let log = history_table(db.kind(), "retort_history_log");
    texts(db, &format!("SELECT detail FROM {log} WHERE action = 'repair' ORDER BY id")).await
}

async fn repair(
    migrations: &'static Migrations,
    db: &TestDatabase,
    id: &str,
    options: RepairOptions,
) -> Result<retort::RepairReport, MigrateError> {
    let mut backend = connect(db).await;
    Migrator::new(migrations).repair(&mut backend, id, options).await
}

async fn repair_records_a_comment_edit_and_refuses_a_token_change(kind: BackendKind) {
    let db = retort::test_database!(kind);
    upgrade(&db, &BUILT, "heads").await.unwrap_or_else(|e| panic!("{e}"));
    let drift = upgrade(&db, &COMMENTED, "heads").await.unwrap_err();
    assert!(matches!(drift, MigrateError::Drift { .. }), "{drift}");
    assert!(
        drift.to_string().contains(
            "If only comments or whitespace changed, record the file(s) as they are now with \
             `cargo xtask migrate repair a0a0`, `cargo xtask migrate repair r0r0`"
        ),
        "{drift}"
    );

    // A dry run says what it would record, and records nothing.
    let planned = repair(&COMMENTED, &db, "a0a0", DRY_RUN).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((planned.outcome, planned.dry_run, planned.statements), (RepairOutcome::Repaired, true, 2));
    assert_eq!((planned.recorded.as_str(), planned.compiled.as_str()), ("01".repeat(32).as_str(), "02".repeat(32).as_str()));
    assert_eq!(recorded_checksum(&db, "a0a0").await, ["01".repeat(32)]);
    assert!(repair_details(&db).await.is_empty());

    for id in ["a0a0", "r0r0"] {
        let report = repair(&COMMENTED, &db, id, RepairOptions::default()).await.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!((report.outcome, report.dry_run), (RepairOutcome::Repaired, false), "{id}");
        assert_eq!(recorded_checksum(&db, id).await, ["02".repeat(32)], "{id}");
    }
    // Both checksums, in full, for each revision.
    let details = repair_details(&db).await;
    assert_eq!(details.len(), 2, "{details:?}");
    let both = format!("sha256 {} -> {}: only comments and whitespace changed (", "01".repeat(32), "02".repeat(32));
    assert!(details.iter().all(|detail| detail.starts_with(&both)), "{details:?}");
    assert!(events(&db).await.ends_with(&["a0a0 repair ok".to_owned(), "r0r0 repair ok".to_owned()]));

    // No drift any more: at head, nothing to do.
    assert_eq!(upgrade(&db, &COMMENTED, "heads").await.unwrap_or_else(|e| panic!("{e}")), Vec::<&str>::new());
    let mut backend = connect(&db).await;
    assert!(Migrator::new(&COMMENTED).status(&mut backend).await.unwrap().is_clean());
    // Repairing it again finds nothing to do.
    let again = repair(&COMMENTED, &db, "a0a0", RepairOptions::default()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.outcome, RepairOutcome::Unchanged);

    // A changed statement is refused, and nothing is written.
    let refused = repair(&CHANGED, &db, "a0a0", RepairOptions::default()).await.unwrap_err();
    let text = refused.to_string();
    assert!(matches!(refused, MigrateError::Changed { .. }), "{text}");
    assert!(
        text.contains(
            "revision a0a0 (migrations/fixture.sql) changed more than comments and whitespace since it was applied \
             (compiled sha256 030303030303…, recorded 020202020202…): statement 1 of its upgrade \
             (migrations/fixture.sql:2) is not the one that was applied: `CREATE TABLE accounts (id INTEGER PRIMARY \
             KEY, name VARCHAR(80));`; nothing was recorded"
        ),
        "{text}"
    );
    assert_eq!(recorded_checksum(&db, "a0a0").await, ["02".repeat(32)]);
    assert_eq!(repair_details(&db).await.len(), 2);
}

/// Applies `a0a0`, then leaves the history table as a retort from before
/// fingerprints made it: without the column.
async fn applied_by_an_older_retort(db: &TestDatabase) {
    upgrade(db, &BUILT, "a0a0").await.unwrap_or_else(|e| panic!("{e}"));
    let state = history_table(db.kind(), "retort_history");
    let mut backend = connect(db).await;
    backend
        .execute(&Unit::sql(format!("ALTER TABLE {state} DROP COLUMN fingerprint"), "older history"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Each revision's fingerprint as `v1 ` (recorded) or `none`, by id.
async fn fingerprints(db: &TestDatabase) -> Vec<String> {
    let state = history_table(db.kind(), "retort_history");
    texts(db, &format!("SELECT COALESCE(SUBSTRING(fingerprint, 1, 3), 'none') FROM {state} ORDER BY revision_id")).await
}

async fn repair_needs_the_persons_word_for_a_revision_applied_without_a_fingerprint(kind: BackendKind) {
    let db = retort::test_database!(kind);
    applied_by_an_older_retort(&db).await;

    // A dry run reads that table as it is, and cannot verify.
    let unverified = repair(&COMMENTED, &db, "a0a0", DRY_RUN).await.unwrap_err();
    assert!(matches!(unverified, MigrateError::Unverifiable { .. }), "{unverified}");
    assert!(
        unverified.to_string().contains("run `cargo xtask migrate repair a0a0 --accept-unverified`"),
        "{unverified}"
    );
    // A run that writes adds the column, and still cannot verify.
    let refused = repair(&COMMENTED, &db, "a0a0", RepairOptions::default()).await.unwrap_err();
    assert!(matches!(refused, MigrateError::Unverifiable { .. }), "{refused}");
    assert_eq!(fingerprints(&db).await, ["none"]);
    assert_eq!(recorded_checksum(&db, "a0a0").await, ["01".repeat(32)]);

    let accept = RepairOptions { dry_run: false, accept_unverified: true };
    let report = repair(&COMMENTED, &db, "a0a0", accept).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.outcome, RepairOutcome::AcceptedUnverified);
    assert_eq!(recorded_checksum(&db, "a0a0").await, ["02".repeat(32)]);
    assert_eq!(fingerprints(&db).await, ["v1 "]);
    assert_eq!(
        repair_details(&db).await,
        [format!(
            "sha256 {} -> {}: accepted unverified, with no recorded fingerprint to compare with",
            "01".repeat(32),
            "02".repeat(32)
        )]
    );
    // From now on it is verified: a changed statement is refused even so.
    let changed = repair(&CHANGED, &db, "a0a0", accept).await.unwrap_err();
    assert!(matches!(changed, MigrateError::Changed { .. }), "{changed}");
}

async fn an_older_history_gains_fingerprints_on_the_next_run_that_writes(kind: BackendKind) {
    let db = retort::test_database!(kind);
    applied_by_an_older_retort(&db).await;
    // The next upgrade adds the column, records the fingerprint of the
    // revision it applies, and of the one applied before, whose file is
    // unchanged.
    upgrade(&db, &BUILT, "heads").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fingerprints(&db).await, ["v1 ", "v1 "]);
    assert_eq!(events(&db).await, ["a0a0 upgrade ok", "r0r0 upgrade ok"], "recording a fingerprint is not an event");
    // So a comment edit of it is verified.
    let report = repair(&COMMENTED, &db, "a0a0", RepairOptions::default()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.outcome, RepairOutcome::Repaired);
}
