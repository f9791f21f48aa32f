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
use retort::engine::Unit;
use retort::{Body, HistoryTable, Migrations, Session, Variables};

/// Revision 1 does nothing worth a finding; revision 2 (pending) changes
/// the table made by hand.
macro_rules! migrations {
    ($name:ident, $change:expr) => {
        static $name: Migrations = Migrations::new(&[
            common::revision(
                "11110000aaaa",
                &[],
                "migrations/11110000aaaa_base.up.sql",
                Body::Sql { up: "CREATE TABLE lint_other (id int NOT NULL PRIMARY KEY);", down: None, sources: retort::ScriptSources::NONE },
            ),
            common::revision(
                "22220000bbbb",
                &["11110000aaaa"],
                "migrations/22220000bbbb_change.up.sql",
                Body::Sql { up: $change, down: None, sources: retort::ScriptSources::NONE },
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
    let report = lint::lint_pending(migrations, &mut backend, &HistoryTable::default(), Config::default(), Path::new("."), &Variables::new())
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
        &Variables::new(),
    )
    .expect("lint runs");
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).filter(|r| *r != "retort-parser-fallback").collect();
    assert_eq!(rules, ["mssql-alter-column-unknown"]);
}

/// An SQL Server revision that shrinks `$(Table)`'s column, the table
/// named by its `:setvar` (or `--var`): the rules judge the table the
/// script will alter, which the catalog knows from revision 1.
static SQLCMD: Migrations = Migrations::new(&[
    common::revision(
        "44440000aaaa",
        &[],
        "migrations/44440000aaaa_base.up.sql",
        Body::Sql {
            up: "CREATE TABLE lint_items (id int NOT NULL PRIMARY KEY, name nvarchar(50) NOT NULL);\nCREATE INDEX ix_lint_items_name ON lint_items (name);",
            down: None,
            sources: retort::ScriptSources::NONE,
        },
    ),
    common::revision(
        "55550000bbbb",
        &["44440000aaaa"],
        "migrations/55550000bbbb_shrink.up.sql",
        Body::Sql {
            up: "-- message: shrink\n:setvar Table lint_elsewhere\nALTER TABLE $(Table) ALTER COLUMN name nvarchar(20) NOT NULL;\nDROP TABLE $(Nowhere);",
            down: None,
            sources: retort::ScriptSources::NONE,
        },
    ),
]);

#[test]
fn mssql_sql_revision_is_linted_with_its_sqlcmd_values_put_in() {
    let findings = |variables: &Variables| -> Vec<String> {
        let report =
            lint::lint(&SQLCMD, &lint::Selection::All, retort::Dialect::Mssql, retort::Flavour::Standard, Config::default(), None, Path::new("."), variables)
                .expect("lint runs");
        report.findings.iter().map(|f| format!("{}:{} {}", f.file, f.line, f.rule)).collect()
    };
    // `--var` names the table revision 1 made: its column and index are known.
    assert_eq!(
        findings(&Variables::new().with_value("Table", "lint_items")),
        [
            "migrations/55550000bbbb_shrink.up.sql:3 mssql-alter-column-size-of-data",
            "migrations/55550000bbbb_shrink.up.sql:3 mssql-alter-column-with-dependents",
            // sqlparser reads no ALTER COLUMN. It cannot read the
            // `DROP TABLE $(Nowhere)` of line 4 either, which runs with a
            // value: no note for it.
            "migrations/55550000bbbb_shrink.up.sql:3 retort-parser-fallback",
        ]
    );
    // The script's `:setvar` names a table no revision made.
    assert_eq!(
        findings(&Variables::new()),
        ["migrations/55550000bbbb_shrink.up.sql:3 mssql-alter-column-unknown", "migrations/55550000bbbb_shrink.up.sql:3 retort-parser-fallback"]
    );
}

// The online forms of the op DSL, as `migrate lint` reads a Rust
// revision: rendered for the dialect, one source per operation.
fn lint_tables(op: &mut retort::op::Operations) {
    use retort::op::Type;
    op.create_table("lint_owners", |t| {
        t.column("id", Type::Int).primary_key();
    });
    op.create_table("lint_items", |t| {
        t.column("id", Type::Int).primary_key();
        t.column("owner_id", Type::Int);
        t.column("name", Type::String(50));
    });
}

fn lint_online_index(op: &mut retort::op::Operations) {
    op.create_index("ix_lint_items_name", "lint_items", ["name"]).online();
}

fn lint_offline_index(op: &mut retort::op::Operations) {
    op.create_index("ix_lint_items_owner", "lint_items", ["owner_id"]);
}

fn lint_unvalidated_key(op: &mut retort::op::Operations) {
    op.create_foreign_key("lint_items", ["owner_id"], "lint_owners", ["id"]).not_validated();
}

fn lint_validate_key(op: &mut retort::op::Operations) {
    op.validate_constraint("lint_items", "fk_lint_items_owner_id");
}

static ONLINE_REVISIONS: [retort::Revision; 5] = [
    common::revision("3333000000a1", &[], "migrations/3333000000a1_tables.rs", Body::Rust { upgrade: lint_tables, downgrade: None }),
    retort::Revision {
        transactional: false,
        ..common::revision("3333000000a2", &["3333000000a1"], "migrations/3333000000a2_online.rs", Body::Rust { upgrade: lint_online_index, downgrade: None })
    },
    common::revision("3333000000a3", &["3333000000a2"], "migrations/3333000000a3_offline.rs", Body::Rust { upgrade: lint_offline_index, downgrade: None }),
    common::revision("3333000000a4", &["3333000000a3"], "migrations/3333000000a4_key.rs", Body::Rust { upgrade: lint_unvalidated_key, downgrade: None }),
    common::revision("3333000000a5", &["3333000000a4"], "migrations/3333000000a5_validate.rs", Body::Rust { upgrade: lint_validate_key, downgrade: None }),
];
static ONLINE: Migrations = Migrations::new(&ONLINE_REVISIONS);
/// The same without the revision that validates the key.
static ONLINE_UNVALIDATED: Migrations = Migrations::new(ONLINE_REVISIONS.split_at(4).0);

/// The rules each revision of `migrations` draws on `dialect`.
fn online_findings_of(migrations: &'static Migrations, dialect: retort::Dialect) -> Vec<(String, String)> {
    let report = lint::lint(migrations, &lint::Selection::All, dialect, retort::Flavour::Standard, Config::default(), None, Path::new("."), &Variables::new())
        .expect("lint runs");
    report.findings.iter().map(|f| (f.revision.clone(), f.rule.clone())).collect()
}

/// An index built `.online()` is not "built offline", while the same index
/// without it is; a foreign key added `.not_validated()` is not "validated
/// by a full scan under a schema lock", and with the later
/// `validate_constraint` (a note: the safe second step) in the same run it
/// is not "untrusted" either; without it, it is.
#[test]
fn online_operations_are_not_flagged_where_the_rust_revision_uses_the_online_form() {
    let has = |findings: &[(String, String)], revision: &str, rule: &str| findings.iter().any(|(r, f)| r == revision && f == rule);
    let online_findings = |dialect| online_findings_of(&ONLINE, dialect);

    let mssql = online_findings(retort::Dialect::Mssql);
    assert!(!has(&mssql, "3333000000a2", "mssql-create-index-offline"), "{mssql:#?}");
    assert!(has(&mssql, "3333000000a3", "mssql-create-index-offline"), "{mssql:#?}");
    assert!(!has(&mssql, "3333000000a4", "mssql-add-constraint-with-check"), "{mssql:#?}");
    assert!(!has(&mssql, "3333000000a4", "mssql-add-constraint-nocheck"), "validated by a5: {mssql:#?}");
    assert!(has(&mssql, "3333000000a5", "mssql-validate-constraint"), "{mssql:#?}");
    let alone = online_findings_of(&ONLINE_UNVALIDATED, retort::Dialect::Mssql);
    assert!(has(&alone, "3333000000a4", "mssql-add-constraint-nocheck"), "nothing validates it: {alone:#?}");

    let postgres = online_findings(retort::Dialect::Postgres);
    assert!(!has(&postgres, "3333000000a2", "pg-require-concurrent-index-creation"), "{postgres:#?}");
    assert!(has(&postgres, "3333000000a3", "pg-require-concurrent-index-creation"), "{postgres:#?}");
    assert!(!has(&postgres, "3333000000a4", "pg-adding-foreign-key-constraint"), "{postgres:#?}");
    assert!(postgres.iter().all(|(revision, _)| revision != "3333000000a5"), "validating is PostgreSQL's safe step: {postgres:#?}");
}
