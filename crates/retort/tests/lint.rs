//! `migrate lint` against a real database: the applied revisions come from
//! its history and the tables from its own catalog, so a pending revision
//! is judged on facts no revision shows — here a table made before retort
//! (by hand, as in a database adopted with `baseline`). The rules
//! themselves are tested without a server in retort-lint's corpus.

mod common;

use std::path::Path;

use common::{connect, upgrade};
use retort::lint::{self, Config};
use retort::testing::BackendKind;
use retort::{Backend, Body, HistoryTable, Migrations, Unit};

/// Revision 1 does nothing worth a finding; revision 2 (pending) changes
/// the table made by hand.
macro_rules! migrations {
    ($name:ident, $change:expr) => {
        static $name: Migrations = Migrations::new(&[
            common::revision(
                "11110000aaaa",
                &[],
                "migrations/11110000aaaa_base.up.sql",
                Body::Sql { up: "CREATE TABLE lint_other (id int NOT NULL PRIMARY KEY);", down: None },
            ),
            common::revision(
                "22220000bbbb",
                &["11110000aaaa"],
                "migrations/22220000bbbb_change.up.sql",
                Body::Sql { up: $change, down: None },
            ),
        ]);
    };
}

migrations!(SQLITE, "ALTER TABLE lint_items DROP COLUMN name;");
migrations!(POSTGRES, "CREATE INDEX ix_lint_items_name ON lint_items (name);");
// Shrinks a column an index uses: only the database's catalog shows the
// column's type and the index.
migrations!(MSSQL, "ALTER TABLE lint_items ALTER COLUMN name nvarchar(20) NOT NULL;");

const LEGACY_MSSQL: &str = "CREATE TABLE lint_items (id int NOT NULL PRIMARY KEY, name nvarchar(50) NOT NULL, code nvarchar(10) NULL);\nCREATE INDEX ix_lint_items_name ON lint_items (name);";
const LEGACY_OTHER: &str = "CREATE TABLE lint_items (id int NOT NULL PRIMARY KEY, name varchar(50) NOT NULL, code varchar(10) NULL)";

async fn pending_revision_is_linted_on_the_database_catalog(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let (migrations, legacy, expected): (&'static Migrations, &str, &[&str]) = match kind {
        BackendKind::Sqlite => (&SQLITE, LEGACY_OTHER, &["sqlite-drop-column"]),
        BackendKind::Postgres => (&POSTGRES, LEGACY_OTHER, &["pg-require-concurrent-index-creation"]),
        BackendKind::Mssql => (&MSSQL, LEGACY_MSSQL, &["mssql-alter-column-size-of-data", "mssql-alter-column-with-dependents"]),
    };
    let mut backend = connect(&db).await;
    backend.execute(&Unit::sql(legacy, "legacy table")).await.expect("the legacy table is made");
    upgrade(&db, migrations, "11110000aaaa").await.expect("the base applies");
    let report = lint::lint_pending(migrations, &mut backend, &HistoryTable::default(), Config::default(), Path::new("."))
        .await
        .expect("lint runs");
    assert_eq!(report.revisions, 1, "only the pending revision is reviewed: {report:#?}");
    let rules: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|rule| *rule != "retort-parser-fallback")
        .collect();
    assert_eq!(rules, expected, "{report:#?}");
    assert!(report.findings.iter().all(|f| f.revision == "22220000bbbb"));
}

on_every_backend!(pending_revision_is_linted_on_the_database_catalog);

/// Without the database, the same change cannot be judged: the linter says
/// so instead of guessing.
#[test]
fn mssql_change_without_catalog_is_reported_unknown() {
    let report = lint::lint(
        &MSSQL,
        &lint::Selection::All,
        retort::Dialect::Mssql,
        retort::Flavour::Standard,
        Config::default(),
        None,
        Path::new("."),
    )
    .expect("lint runs");
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).filter(|r| *r != "retort-parser-fallback").collect();
    assert_eq!(rules, ["mssql-alter-column-unknown"]);
}
