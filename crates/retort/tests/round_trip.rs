//! The round-trip harness catches what it claims: each fixture set below has
//! one mistake in a downgrade (or a graph the harness must refuse), and the
//! harness must fail naming the object; the correct sets must pass. On
//! SQLite, PostgreSQL and SQL Server, each set in the dialect's own SQL
//! where the SQL to make the same mistake differs.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use retort::testing::{
    BackendKind, DataCheck, RevisionOutcome, RoundTrip, RoundTripError, TestDatabase,
};
use retort::{Body, Migrations, Revision};

/// A revision with SQL bodies whose file is `migrations/<id>_<slug>.up.sql`.
const fn rev(
    id: &'static str,
    parents: &'static [&'static str],
    source: &'static str,
    up: &'static str,
    down: &'static str,
) -> Revision {
    common::revision(id, parents, source, Body::Sql { up, down: Some(down), sources: retort::ScriptSources::NONE })
}

const ITEMS: Revision = rev(
    "a1a1",
    &[],
    "migrations/a1a1_create_items.up.sql",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INTEGER NOT NULL);",
    "DROP TABLE items;",
);

/// A fixture set written in each dialect: the SQL differs where the
/// dialects do (SQLite and PostgreSQL often share theirs; SQL Server's
/// `ALTER TABLE … ADD` has no `COLUMN`, its `DROP INDEX` names the table,
/// and its defaults are constraints), the planted mistake does not.
struct PerDialect {
    sqlite: Migrations,
    postgres: Migrations,
    mssql: Migrations,
}

impl PerDialect {
    fn on(&'static self, kind: BackendKind) -> &'static Migrations {
        match kind {
            BackendKind::Sqlite => &self.sqlite,
            BackendKind::Postgres => &self.postgres,
            BackendKind::Mssql => &self.mssql,
        }
    }
}

const TAGS: Revision = rev(
    "c1c1",
    &["b1b1"],
    "migrations/c1c1_create_tags.up.sql",
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE, \
     label VARCHAR(20) NOT NULL CHECK (label <> ''));",
    "DROP TABLE tags;",
);

/// Three revisions whose downgrades undo exactly their upgrades.
static CORRECT: PerDialect = {
    const SQLITE_POSTGRES: &[Revision] = &[
        ITEMS,
        rev(
            "b1b1",
            &["a1a1"],
            "migrations/b1b1_add_note_and_index.up.sql",
            "ALTER TABLE items ADD COLUMN note VARCHAR(100);\nCREATE INDEX ix_items_name ON items (name);",
            "DROP INDEX ix_items_name;\nALTER TABLE items DROP COLUMN note;",
        ),
        TAGS,
    ];
    PerDialect {
        sqlite: Migrations::new(SQLITE_POSTGRES),
        postgres: Migrations::new(SQLITE_POSTGRES),
        mssql: Migrations::new(&[
            ITEMS,
            rev(
                "b1b1",
                &["a1a1"],
                "migrations/b1b1_add_note_and_index.up.sql",
                "ALTER TABLE items ADD note VARCHAR(100);\nCREATE INDEX ix_items_name ON items (name);",
                "DROP INDEX ix_items_name ON items;\nALTER TABLE items DROP COLUMN note;",
            ),
            TAGS,
        ]),
    }
};

static FORGOT_INDEX: Migrations = Migrations::new(&[
    ITEMS,
    rev(
        "b2b2",
        &["a1a1"],
        "migrations/b2b2_index_names.up.sql",
        "CREATE INDEX ix_items_name ON items (name);",
        "-- nothing: the index stays\nSELECT 1;",
    ),
]);

static WRONG_COLUMN: PerDialect = {
    const SQLITE_POSTGRES: &[Revision] = &[
        ITEMS,
        rev(
            "b3b3",
            &["a1a1"],
            "migrations/b3b3_add_price.up.sql",
            "ALTER TABLE items ADD COLUMN price INTEGER;",
            "ALTER TABLE items DROP COLUMN name;",
        ),
    ];
    PerDialect {
        sqlite: Migrations::new(SQLITE_POSTGRES),
        postgres: Migrations::new(SQLITE_POSTGRES),
        mssql: Migrations::new(&[
            ITEMS,
            rev(
                "b3b3",
                &["a1a1"],
                "migrations/b3b3_add_price.up.sql",
                "ALTER TABLE items ADD price INTEGER;",
                "ALTER TABLE items DROP COLUMN name;",
            ),
        ]),
    }
};

/// SQLite cannot alter a column: its revisions rebuild the table.
const SQLITE_REBUILD_WITH_DEFAULT: &str =
    "CREATE TABLE items_new (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INTEGER NOT NULL DEFAULT 0);
     INSERT INTO items_new SELECT id, name, qty FROM items; DROP TABLE items; ALTER TABLE items_new RENAME TO items;";
const SQLITE_REBUILD_WITH_CHECK: &str =
    "CREATE TABLE items_new (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INTEGER NOT NULL,
                             CONSTRAINT ck_items_qty CHECK (qty >= 0));
     INSERT INTO items_new SELECT id, name, qty FROM items; DROP TABLE items; ALTER TABLE items_new RENAME TO items;";

static DEFAULT_LEFT: PerDialect = PerDialect {
    sqlite: Migrations::new(&[
        ITEMS,
        rev(
            "b4b4",
            &["a1a1"],
            "migrations/b4b4_default_qty.up.sql",
            SQLITE_REBUILD_WITH_DEFAULT,
            "SELECT 1;",
        ),
    ]),
    postgres: Migrations::new(&[
        ITEMS,
        rev(
            "b4b4",
            &["a1a1"],
            "migrations/b4b4_default_qty.up.sql",
            "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 0;",
            "SELECT 1;",
        ),
    ]),
    // A default is a constraint on SQL Server (Babelfish forgets its name,
    // which the snapshot does not show for either: it is retort's own).
    mssql: Migrations::new(&[
        ITEMS,
        rev(
            "b4b4",
            &["a1a1"],
            "migrations/b4b4_default_qty.up.sql",
            "ALTER TABLE items ADD CONSTRAINT df_items_qty DEFAULT 0 FOR qty;",
            "SELECT 1;",
        ),
    ]),
};

static CHECK_LEFT: PerDialect = PerDialect {
    sqlite: Migrations::new(&[
        ITEMS,
        // The downgrade rebuilds the table but copies the constraint along.
        rev(
            "b5b5",
            &["a1a1"],
            "migrations/b5b5_check_qty.up.sql",
            SQLITE_REBUILD_WITH_CHECK,
            SQLITE_REBUILD_WITH_CHECK,
        ),
    ]),
    postgres: Migrations::new(&[
        ITEMS,
        rev(
            "b5b5",
            &["a1a1"],
            "migrations/b5b5_check_qty.up.sql",
            "ALTER TABLE items ADD CONSTRAINT ck_items_qty CHECK (qty >= 0);",
            "ALTER TABLE items ALTER COLUMN qty DROP DEFAULT;",
        ),
    ]),
    mssql: Migrations::new(&[
        ITEMS,
        // The downgrade drops a constraint by a name nobody gave.
        rev(
            "b5b5",
            &["a1a1"],
            "migrations/b5b5_check_qty.up.sql",
            "ALTER TABLE items ADD CONSTRAINT ck_items_qty CHECK (qty >= 0);",
            "ALTER TABLE items DROP CONSTRAINT IF EXISTS ck_items_quantity;",
        ),
    ]),
};

static TYPE_CHANGED: PerDialect = PerDialect {
    sqlite: Migrations::new(&[
        ITEMS,
        rev(
            "b6b6",
            &["a1a1"],
            "migrations/b6b6_widen_qty.up.sql",
            "CREATE TABLE items_new (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty BIGINT NOT NULL);
             INSERT INTO items_new SELECT * FROM items; DROP TABLE items; ALTER TABLE items_new RENAME TO items;",
            "CREATE TABLE items_new (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty REAL NOT NULL);
             INSERT INTO items_new SELECT * FROM items; DROP TABLE items; ALTER TABLE items_new RENAME TO items;",
        ),
    ]),
    postgres: Migrations::new(&[
        ITEMS,
        rev(
            "b6b6",
            &["a1a1"],
            "migrations/b6b6_widen_qty.up.sql",
            "ALTER TABLE items ALTER COLUMN qty TYPE bigint;",
            "ALTER TABLE items ALTER COLUMN qty TYPE numeric(12,0);",
        ),
    ]),
    // SQL Server's ALTER COLUMN makes the column nullable unless it says
    // NOT NULL; Babelfish keeps the nullability and refuses to be told it.
    // Each server gets its own statement (inside EXEC, which the other
    // server then only parses as a string), so that only the type changes.
    mssql: Migrations::new(&[
        ITEMS,
        rev(
            "b6b6",
            &["a1a1"],
            "migrations/b6b6_widen_qty.up.sql",
            "IF CAST(SERVERPROPERTY('Babelfish') AS nvarchar(10)) = N'1'
                 EXEC(N'ALTER TABLE items ALTER COLUMN qty BIGINT');
             ELSE
                 EXEC(N'ALTER TABLE items ALTER COLUMN qty BIGINT NOT NULL');",
            "IF CAST(SERVERPROPERTY('Babelfish') AS nvarchar(10)) = N'1'
                 EXEC(N'ALTER TABLE items ALTER COLUMN qty NUMERIC(12,0)');
             ELSE
                 EXEC(N'ALTER TABLE items ALTER COLUMN qty NUMERIC(12,0) NOT NULL');",
        ),
    ]),
};

/// A module created, then replaced with another body whose downgrade
/// restores not the old text but one a character away: the kind of
/// mistake a hand-copied old body makes. SQLite has no routines: its
/// module is a view.
static BODY_NOT_RESTORED: PerDialect = PerDialect {
    sqlite: Migrations::new(&[
        ITEMS,
        rev(
            "b7b7",
            &["a1a1"],
            "migrations/b7b7_big_items.up.sql",
            "CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 10;",
            "DROP VIEW big_items;",
        ),
        rev(
            "c7c7",
            &["b7b7"],
            "migrations/c7c7_bigger_items.up.sql",
            "DROP VIEW big_items;\nCREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 100;",
            "DROP VIEW big_items;\nCREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 1;",
        ),
    ]),
    postgres: Migrations::new(&[
        ITEMS,
        rev(
            "b7b7",
            &["a1a1"],
            "migrations/b7b7_close_items.up.sql",
            "CREATE PROCEDURE close_items() LANGUAGE sql AS $$ DELETE FROM items WHERE qty = 0 $$;",
            "DROP PROCEDURE close_items();",
        ),
        rev(
            "c7c7",
            &["b7b7"],
            "migrations/c7c7_close_negative_items.up.sql",
            "CREATE OR REPLACE PROCEDURE close_items() LANGUAGE sql AS $$ DELETE FROM items WHERE qty < 0 $$;",
            "CREATE OR REPLACE PROCEDURE close_items() LANGUAGE sql AS $$ DELETE FROM items WHERE qty <= 0 $$;",
        ),
    ]),
    mssql: Migrations::new(&[
        ITEMS,
        rev(
            "b7b7",
            &["a1a1"],
            "migrations/b7b7_close_items.up.sql",
            "CREATE PROCEDURE close_items AS DELETE FROM items WHERE qty = 0;",
            "DROP PROCEDURE close_items;",
        ),
        rev(
            "c7c7",
            &["b7b7"],
            "migrations/c7c7_close_negative_items.up.sql",
            "DROP PROCEDURE close_items;\nGO\nCREATE PROCEDURE close_items AS DELETE FROM items WHERE qty < 0;",
            "DROP PROCEDURE close_items;\nGO\nCREATE PROCEDURE close_items AS DELETE FROM items WHERE qty <= 0;",
        ),
    ]),
};

/// The downgrade recreates the table: same schema, rows gone.
static LOSES_ROWS: PerDialect = {
    const RECREATE: &str =
        "DROP TABLE items;\nCREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INTEGER NOT NULL);";
    const SQLITE_POSTGRES: &[Revision] = &[
        ITEMS,
        rev(
            "b7b7",
            &["a1a1"],
            "migrations/b7b7_add_note.up.sql",
            "ALTER TABLE items ADD COLUMN note VARCHAR(100);",
            RECREATE,
        ),
    ];
    PerDialect {
        sqlite: Migrations::new(SQLITE_POSTGRES),
        postgres: Migrations::new(SQLITE_POSTGRES),
        mssql: Migrations::new(&[
            ITEMS,
            rev(
                "b7b7",
                &["a1a1"],
                "migrations/b7b7_add_note.up.sql",
                "ALTER TABLE items ADD note VARCHAR(100);",
                RECREATE,
            ),
        ]),
    }
};

static IRREVERSIBLE: Migrations = Migrations::new(&[
    ITEMS,
    Revision {
        irreversible: Some("it drops the legacy table for good"),
        lock_timeout: None,
        body: Body::Sql {
            up: "CREATE TABLE legacy_copy (id INTEGER PRIMARY KEY);",
            down: None,
            sources: retort::ScriptSources::NONE,
        },
        ..rev(
            "b8b8",
            &["a1a1"],
            "migrations/b8b8_copy_legacy.up.sql",
            "",
            "",
        )
    },
    rev(
        "c8c8",
        &["b8b8"],
        "migrations/c8c8_more.up.sql",
        "CREATE TABLE more_items (id INTEGER PRIMARY KEY);",
        "DROP TABLE more_items;",
    ),
]);

/// The downgrade re-adds a dropped column, which puts it last.
static COLUMN_MOVES: PerDialect = {
    const SQLITE_POSTGRES: &[Revision] = &[
        rev(
            "n1n1",
            &[],
            "migrations/n1n1_create_notes.up.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, author TEXT);",
            "DROP TABLE notes;",
        ),
        rev(
            "n2n2",
            &["n1n1"],
            "migrations/n2n2_drop_body.up.sql",
            "ALTER TABLE notes DROP COLUMN body;",
            "ALTER TABLE notes ADD COLUMN body TEXT;",
        ),
    ];
    PerDialect {
        sqlite: Migrations::new(SQLITE_POSTGRES),
        postgres: Migrations::new(SQLITE_POSTGRES),
        mssql: Migrations::new(&[
            rev(
                "n1n1",
                &[],
                "migrations/n1n1_create_notes.up.sql",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, body NVARCHAR(MAX), author NVARCHAR(MAX));",
                "DROP TABLE notes;",
            ),
            rev(
                "n2n2",
                &["n1n1"],
                "migrations/n2n2_drop_body.up.sql",
                "ALTER TABLE notes DROP COLUMN body;",
                "ALTER TABLE notes ADD body NVARCHAR(MAX);",
            ),
        ]),
    }
};

static TWO_HEADS: Migrations = Migrations::new(&[
    ITEMS,
    rev(
        "x1x1",
        &["a1a1"],
        "migrations/x1x1_left.up.sql",
        "CREATE TABLE lefts (id INTEGER PRIMARY KEY);",
        "DROP TABLE lefts;",
    ),
    rev(
        "y1y1",
        &["a1a1"],
        "migrations/y1y1_right.up.sql",
        "CREATE TABLE rights (id INTEGER PRIMARY KEY);",
        "DROP TABLE rights;",
    ),
]);

/// A declared branch (`billing`) beside the trunk, merged at the end.
static BRANCHED: PerDialect = {
    /// The revisions around the one whose SQL differs (`y3y3`, at 3).
    const fn branched(index_audit: Revision) -> [Revision; 5] {
        [
            ITEMS,
            Revision {
                branch_labels: &["billing"],
                ..rev(
                    "x2x2",
                    &["a1a1"],
                    "migrations/x2x2_create_invoices.up.sql",
                    "CREATE TABLE invoices (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id));",
                    "DROP TABLE invoices;",
                )
            },
            rev("y2y2", &["a1a1"], "migrations/y2y2_create_audit.up.sql", "CREATE TABLE audit (id INTEGER PRIMARY KEY);", "DROP TABLE audit;"),
            index_audit,
            rev(
                "m2m2",
                &["x2x2", "y3y3"],
                "migrations/m2m2_merge.up.sql",
                "CREATE TABLE merged (id INTEGER PRIMARY KEY);",
                "DROP TABLE merged;",
            ),
        ]
    }
    const SQLITE_POSTGRES: &[Revision] = &branched(rev(
        "y3y3",
        &["y2y2"],
        "migrations/y3y3_index_audit.up.sql",
        "CREATE INDEX ix_audit_id ON audit (id);",
        "DROP INDEX ix_audit_id;",
    ));
    PerDialect {
        sqlite: Migrations::new(SQLITE_POSTGRES),
        postgres: Migrations::new(SQLITE_POSTGRES),
        mssql: Migrations::new(&branched(rev(
            "y3y3",
            &["y2y2"],
            "migrations/y3y3_index_audit.up.sql",
            "CREATE INDEX ix_audit_id ON audit (id);",
            "DROP INDEX ix_audit_id ON audit;",
        ))),
    }
};

async fn run(
    db: &TestDatabase,
    round_trip: &RoundTrip,
) -> Result<retort::testing::Report, RoundTripError> {
    round_trip.run(&common::url(db)).await
}

/// The error's message, failing the test when the round trip passed.
async fn failure(db: &TestDatabase, round_trip: RoundTrip) -> (RoundTripError, String) {
    match run(db, &round_trip).await {
        Ok(report) => panic!("the round trip should fail, but passed:\n{report}"),
        Err(error) => {
            let text = error.to_string();
            (error, text)
        }
    }
}

on_every_backend!(
    correct_revisions_round_trip,
    forgotten_index_is_named_as_left_behind,
    wrong_column_dropped_is_named_as_lost_and_left_behind,
    default_left_behind_is_named,
    constraint_left_behind_is_named,
    changed_type_is_named_with_both_types,
    module_body_not_restored_is_named_and_its_text_is_in_the_snapshot,
    data_lost_by_a_downgrade_fails_its_data_check,
    irreversible_revision_is_skipped_with_a_note,
    declared_branches_round_trip_each_revision_with_only_its_ancestors,
    column_order_is_a_note_unless_strict,
    database_with_applied_revisions_is_refused,
    missing_snapshot_fails_and_accepted_snapshot_passes,
);

async fn correct_revisions_round_trip(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let names = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&names);
    let round_trip = RoundTrip::new(CORRECT.on(kind))
        .snapshots(move |snapshot| {
            seen.borrow_mut()
                .push((snapshot.name.to_owned(), snapshot.contents.to_owned()));
            Ok(())
        })
        .data_check(
            "b1b1",
            DataCheck::new()
                .before_sql("INSERT INTO items (id, name, qty) VALUES (1, 'apple', 3)")
                .expect_after_upgrade("SELECT name, qty, note FROM items", &["apple | 3 | NULL"])
                .after_downgrade(|db| {
                    Box::pin(async move {
                        db.expect_rows("SELECT id, name FROM items", &["1 | apple"])
                            .await
                    })
                }),
        );
    let report = run(&db, &round_trip)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        report
            .revisions
            .iter()
            .map(|r| (r.id, r.outcome))
            .collect::<Vec<_>>(),
        [
            ("a1a1", RevisionOutcome::RoundTripped),
            ("b1b1", RevisionOutcome::RoundTripped),
            ("c1c1", RevisionOutcome::RoundTripped)
        ]
    );
    assert!(
        report.full_cycle.is_some() && report.notes.is_empty(),
        "{report}"
    );
    let names = names.borrow();
    assert_eq!(
        names
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        [
            "a1a1_create_items",
            "b1b1_add_note_and_index",
            "c1c1_create_tags"
        ]
    );
    assert!(
        names[1].1.contains("index ix_items_name (name)"),
        "{}",
        names[1].1
    );
}

async fn forgotten_index_is_named_as_left_behind(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let (error, text) = failure(&db, RoundTrip::new(&FORGOT_INDEX)).await;
    assert!(
        matches!(&error, RoundTripError::NotReverted { id, .. } if id == "b2b2"),
        "{text}"
    );
    assert!(
        text.contains("downgrading revision b2b2 (migrations/b2b2_index_names.up.sql)"),
        "{text}"
    );
    assert!(
        text.contains("  table items: index ix_items_name left behind"),
        "{text}"
    );
}

async fn wrong_column_dropped_is_named_as_lost_and_left_behind(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let (_, text) = failure(&db, RoundTrip::new(WRONG_COLUMN.on(kind))).await;
    assert!(text.contains("  table items: column name lost"), "{text}");
    assert!(
        text.contains("  table items: column price left behind"),
        "{text}"
    );
}

async fn default_left_behind_is_named(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let (_, text) = failure(&db, RoundTrip::new(DEFAULT_LEFT.on(kind))).await;
    assert!(
        text.contains("  table items: column qty: none → default 0"),
        "{text}"
    );
}

async fn constraint_left_behind_is_named(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let (_, text) = failure(&db, RoundTrip::new(CHECK_LEFT.on(kind))).await;
    assert!(
        text.contains("  table items: check ck_items_qty (qty >= 0) left behind"),
        "{text}"
    );
}

async fn changed_type_is_named_with_both_types(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let (_, text) = failure(&db, RoundTrip::new(TYPE_CHANGED.on(kind))).await;
    let expected = match kind {
        BackendKind::Sqlite => "  table items: column qty: type integer → real",
        BackendKind::Postgres => "  table items: column qty: type integer → numeric(12,0)",
        BackendKind::Mssql => "  table items: column qty: type int → numeric(12,0)",
    };
    assert!(text.contains(expected), "{text}");
}

/// A snapshot shows each module with its normalised text, and a
/// downgrade that restores another body than the one it replaced fails the
/// round trip, naming the module and the first line that differs.
async fn module_body_not_restored_is_named_and_its_text_is_in_the_snapshot(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let snapshots = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&snapshots);
    let round_trip = RoundTrip::new(BODY_NOT_RESTORED.on(kind)).snapshots(move |snapshot| {
        seen.borrow_mut().push((snapshot.revision.id, snapshot.contents.to_owned()));
        Ok(())
    });
    let (error, text) = failure(&db, round_trip).await;
    assert!(matches!(&error, RoundTripError::NotReverted { id, .. } if id == "c7c7"), "{text}");
    let (expected, shown) = match kind {
        BackendKind::Sqlite => (
            "  view big_items: definition `CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 10` \
             → `CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 1`",
            "view big_items\n    CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 10\n",
        ),
        BackendKind::Postgres => (
            "  routine close_items(): definition line 3 `AS $procedure$ DELETE FROM items WHERE qty = 0 $procedure$` \
             → `AS $procedure$ DELETE FROM items WHERE qty <= 0 $procedure$`",
            "procedure close_items()\n    CREATE OR REPLACE PROCEDURE public.close_items()\n     LANGUAGE sql\n    \
             AS $procedure$ DELETE FROM items WHERE qty = 0 $procedure$\n",
        ),
        BackendKind::Mssql => (
            "  routine close_items: definition `CREATE PROCEDURE close_items AS DELETE FROM items WHERE qty = 0;` \
             → `CREATE PROCEDURE close_items AS DELETE FROM items WHERE qty <= 0;`",
            "procedure close_items\n    CREATE PROCEDURE close_items AS DELETE FROM items WHERE qty = 0;\n",
        ),
    };
    assert!(text.contains(expected), "{text}");
    let snapshots = snapshots.borrow();
    let after_b7b7 = snapshots.iter().find(|(id, _)| *id == "b7b7").map(|(_, contents)| contents.as_str());
    assert!(after_b7b7.is_some_and(|contents| contents.contains(shown)), "{after_b7b7:?}");
}

async fn data_lost_by_a_downgrade_fails_its_data_check(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let round_trip = RoundTrip::new(LOSES_ROWS.on(kind)).data_check(
        "b7b7",
        DataCheck::new()
            .before_sql("INSERT INTO items (id, name, qty) VALUES (1, 'apple', 3)")
            .expect_after_downgrade("SELECT name FROM items", &["apple"]),
    );
    let (error, text) = failure(&db, round_trip).await;
    assert!(matches!(error, RoundTripError::DataCheck { .. }), "{text}");
    assert!(
        text.contains("data check after the downgrade of revision b7b7 failed: `SELECT name FROM items` returned [], expected [\"apple\"]"),
        "{text}"
    );
}

async fn irreversible_revision_is_skipped_with_a_note(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let report = run(&db, &RoundTrip::new(&IRREVERSIBLE))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let outcomes: Vec<_> = report.revisions.iter().map(|r| (r.id, r.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            ("a1a1", RevisionOutcome::RoundTripped),
            ("b8b8", RevisionOutcome::Irreversible),
            ("c8c8", RevisionOutcome::RoundTripped)
        ]
    );
    assert_eq!(report.full_cycle, None);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("b8b8") && n.contains("it drops the legacy table for good")),
        "{report}"
    );
}

async fn declared_branches_round_trip_each_revision_with_only_its_ancestors(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let snapshots = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&snapshots);
    let round_trip = RoundTrip::new(BRANCHED.on(kind)).snapshots(move |snapshot| {
        seen.borrow_mut()
            .push((snapshot.revision.id, snapshot.contents.to_owned()));
        Ok(())
    });
    let report = run(&db, &round_trip)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        report
            .revisions
            .iter()
            .all(|r| r.outcome == RevisionOutcome::RoundTripped),
        "{report}"
    );
    let snapshots = snapshots.borrow();
    let of = |id: &str| {
        snapshots
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    };
    // y2y2 is checked without the billing branch, whatever the table order.
    assert!(
        !of("y2y2").contains("table invoices") && of("y2y2").contains("table audit"),
        "{}",
        of("y2y2")
    );
    assert!(
        of("m2m2").contains("table invoices") && of("m2m2").contains("ix_audit_id"),
        "{}",
        of("m2m2")
    );
}

async fn column_order_is_a_note_unless_strict(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let report = run(&db, &RoundTrip::new(COLUMN_MOVES.on(kind)))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        report.notes.iter().any(|n| n.contains("after downgrading revision n2n2, table notes: column order id, body, author → id, author, body")),
        "{report}"
    );
    let db = retort::test_database!(kind);
    let (_, text) = failure(
        &db,
        RoundTrip::new(COLUMN_MOVES.on(kind)).strict_column_order(),
    )
    .await;
    assert!(
        text.contains("  table notes: column order id, body, author → id, author, body"),
        "{text}"
    );
}

async fn database_with_applied_revisions_is_refused(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let mut backend = common::connect(&db).await;
    retort::Migrator::new(CORRECT.on(kind))
        .upgrade(&mut backend, &retort::Target::Head)
        .await
        .expect("upgrade works");
    let (error, text) = failure(&db, RoundTrip::new(CORRECT.on(kind))).await;
    assert!(matches!(error, RoundTripError::NotEmpty { .. }), "{text}");
    assert!(
        text.contains("3 applied revision(s) (a1a1, b1b1, c1c1)"),
        "{text}"
    );
}

/// Through insta itself: a revision without a reviewed snapshot fails the
/// round trip (after writing every `.snap.new`); accepted, it passes.
async fn missing_snapshot_fails_and_accepted_snapshot_passes(kind: BackendKind) {
    for variable in ["INSTA_UPDATE", "INSTA_FORCE_PASS", "CI"] {
        if std::env::var_os(variable).is_some() {
            eprintln!("NOT TESTED: {variable} is set, which changes whether insta fails or writes snapshots");
            return;
        }
    }
    let db = retort::test_database!(kind);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let round_trip =
        RoundTrip::new(CORRECT.on(kind)).snapshots(retort::insta_snapshots!(dir.path()));
    let (error, text) = failure(&db, round_trip).await;
    let RoundTripError::Snapshots { names } = error else {
        panic!("{text}")
    };
    assert_eq!(
        names,
        [
            "a1a1_create_items",
            "b1b1_add_note_and_index",
            "c1c1_create_tags"
        ]
    );
    assert!(text.contains("cargo insta review"), "{text}");
    // Accepting is what `cargo insta review` does: the new file replaces the old.
    let folder = dir.path().join(kind.name());
    for name in &names {
        let pending = folder.join(format!("{name}.snap.new"));
        std::fs::rename(&pending, folder.join(format!("{name}.snap")))
            .expect("insta wrote the pending snapshot");
    }
    let db = retort::test_database!(kind);
    let round_trip =
        RoundTrip::new(CORRECT.on(kind)).snapshots(retort::insta_snapshots!(dir.path()));
    run(&db, &round_trip)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
}

#[tokio::test]
async fn several_heads_are_refused_with_the_command_that_merges_them() {
    // The graph is checked before any connection: no database is needed.
    let url = retort::DatabaseUrl::parse("sqlite://unused.db").expect("a valid URL");
    let error = RoundTrip::new(&TWO_HEADS)
        .run(&url)
        .await
        .expect_err("two undeclared heads are refused");
    let text = error.to_string();
    assert!(
        matches!(error, RoundTripError::SeveralHeads { .. }),
        "{text}"
    );
    assert!(text.contains("x1x1 (x1x1), y1y1 (y1y1)"), "{text}");
    assert!(
        text.contains("cargo xtask merge -m \"merge heads\""),
        "{text}"
    );
}

/// Times the harness on a generated chain of 100 revisions (each a table
/// with a foreign key to the previous one and an index). Not a timed
/// assertion: run with `cargo test -p retort --test round_trip -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn harness_time_on_a_chain_of_100_revisions() {
    let chain = generated_chain(100);
    for kind in BackendKind::ALL {
        let db = retort::test_database!(kind);
        let started = Instant::now();
        let report = run(&db, &RoundTrip::new(chain))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let total = started.elapsed();
        let mut backend = common::connect(&db).await;
        let started = Instant::now();
        let schema = retort::Backend::introspect(&mut backend, &retort::HistoryTable::default())
            .await
            .expect("introspection works");
        let introspection = started.elapsed();
        println!(
            "{}: 100 revisions in {total:.2?} ({:.1?} per revision; heads → base → heads {:.2?}); \
             one snapshot of the {} tables at heads {introspection:.2?}",
            kind.product(),
            total / 100,
            report.full_cycle.unwrap_or_default(),
            schema.tables.len()
        );
    }
}

fn generated_chain(count: usize) -> &'static Migrations {
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let ids: Vec<&'static str> = (0..count).map(|i| leak(format!("g{i:05}"))).collect();
    let revisions: Vec<Revision> = (0..count)
        .map(|i| {
            let reference = if i == 0 { String::new() } else { format!(", prev_id INTEGER REFERENCES t{} (id)", i - 1) };
            let parents: &'static [&'static str] = if i == 0 { &[] } else { Box::leak(vec![ids[i - 1]].into_boxed_slice()) };
            rev(
                ids[i],
                parents,
                leak(format!("migrations/{}_table_{i}.up.sql", ids[i])),
                leak(format!(
                    "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL DEFAULT 'x'{reference});\n\
                     CREATE INDEX ix_t{i}_name ON t{i} (name);"
                )),
                leak(format!("DROP TABLE t{i};")),
            )
        })
        .collect();
    Box::leak(Box::new(Migrations::new(Box::leak(
        revisions.into_boxed_slice(),
    ))))
}
