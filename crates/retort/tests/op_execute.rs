//! Every operation run for real on SQLite and PostgreSQL: the upgrade, then
//! the derived downgrade, with the schema compared before and after and the
//! rows of rebuilt tables kept. Also the sample project's revisions with
//! their history, up and down, through the same rendering the migrator uses.

mod common;
mod op_fixtures;

use common::{connect, texts};
use op_fixtures::{base, base_rows, revision, SCENARIOS};
use retort::op::*;
use retort::testing::{BackendKind, TestDatabase};
use retort::{AnyBackend, Backend, Direction, HistoryTable, Revision};

/// Renders `revision` for the test database (SQLite reads its catalog) and
/// runs it in one transaction.
async fn apply(db: &TestDatabase, revision: &Revision, direction: Direction) -> Result<(), String> {
    let mut backend = connect(db).await;
    let units = match &backend {
        AnyBackend::Sqlite(sqlite) => retort::render_units_with_catalog(
            revision,
            direction,
            Dialect::Sqlite,
            Some(sqlite.connection() as &dyn CatalogSource),
        ),
        other => retort::render_units(revision, direction, other.dialect()),
    }
    .map_err(|error| error.to_string())?;
    // What the SQLite backend does around a revision that rebuilds tables
    // (see `op::render`'s SQLite notes): enforcement off before the
    // transaction, checked before it ends, back on after.
    let sqlite = |backend: &AnyBackend, sql: &str| {
        if let AnyBackend::Sqlite(sqlite) = backend {
            sqlite
                .connection()
                .execute_batch(sql)
                .expect("the pragma runs");
        }
    };
    sqlite(&backend, "PRAGMA foreign_keys = OFF");
    let result = retort::run_step(&mut backend, &retort::StepWork { units, writes: vec![] }, &HistoryTable::default())
        .await
        .map_err(|error| format!("{error:?}"));
    sqlite(&backend, "PRAGMA foreign_keys = ON");
    result.map(drop)
}

/// The schema as comparable lines: columns (by name: a column dropped and
/// added back comes back last, which no operation can avoid), constraints,
/// indexes, views and triggers.
async fn schema(db: &TestDatabase) -> Vec<String> {
    let queries: &[&str] = match db.kind() {
        BackendKind::Sqlite => &[
            "SELECT m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p.\"notnull\" || ' default=' \
             || coalesce(p.dflt_value, '') || ' pk=' || p.pk \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'retort%' ORDER BY 1",
            "SELECT m.name || ' fk ' || f.\"from\" || ' -> ' || f.\"table\" || '.' || f.\"to\" || ' ' || f.on_delete \
             || ' ' || f.on_update \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND m.name NOT LIKE 'retort%' ORDER BY 1",
            "SELECT m.name || ' index ' || i.name || ' unique=' || i.\"unique\" || ' ' || i.origin || ' partial=' || i.partial \
             FROM sqlite_master m JOIN pragma_index_list(m.name) i \
             WHERE m.type = 'table' AND m.name NOT LIKE 'retort%' ORDER BY 1",
            // Checks appear in no pragma: the table text has them.
            "SELECT m.name || ' ' || substr(m.sql, instr(m.sql, 'CONSTRAINT \"ck_')) FROM sqlite_master m \
             WHERE m.type = 'table' AND m.sql LIKE '%CONSTRAINT \"ck_%' ORDER BY 1",
            "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master \
             WHERE type IN ('index', 'view', 'trigger') AND sql IS NOT NULL ORDER BY 1",
        ],
        _ => &[
            "SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') \
             || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '') || ' identity=' || is_identity \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'retort%' ORDER BY 1",
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'retort%' ORDER BY 1",
            "SELECT viewname || ': ' || definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
        ],
    };
    let mut lines = Vec::new();
    for query in queries {
        lines.extend(texts(db, query).await);
    }
    lines
}

async fn count(db: &TestDatabase, table: &str) -> String {
    texts(
        db,
        &format!("SELECT CAST(COUNT(*) AS VARCHAR(10)) FROM {table}"),
    )
    .await
    .concat()
}

fn new_user(op: &mut Operations) {
    op.bulk_insert("users", ["email", "username"])
        .row(("new@example.com", "new"));
}

/// Runs one scenario on a fresh database; `Err` says what went wrong.
async fn scenario(kind: BackendKind, scenario: &op_fixtures::Scenario) -> Result<(), String> {
    let db = retort::test_database!(kind, Ok(()));
    apply(&db, &revision("base0001", base, None), Direction::Up).await?;
    apply(&db, &revision("base0002", base_rows, None), Direction::Up).await?;
    let before = schema(&db).await;
    let revision = revision("scenario", scenario.upgrade, None);
    apply(&db, &revision, Direction::Up)
        .await
        .map_err(|e| format!("upgrade: {e}"))?;
    if count(&db, "users").await != "2" {
        return Err("the upgrade lost users".to_owned());
    }
    if !scenario.reversible {
        return Ok(());
    }
    let during = schema(&db).await;
    if during == before {
        return Err("the upgrade changed nothing in the schema".to_owned());
    }
    apply(&db, &revision, Direction::Down)
        .await
        .map_err(|e| format!("derived downgrade: {e}"))?;
    let after = schema(&db).await;
    if after != before {
        let gone: Vec<_> = before.iter().filter(|line| !after.contains(line)).collect();
        let new: Vec<_> = after.iter().filter(|line| !before.contains(line)).collect();
        return Err(format!("the schema differs after the downgrade:\n  before only: {gone:#?}\n  after only: {new:#?}"));
    }
    let todos = if scenario.name == "drop_table_with" {
        "0"
    } else {
        "2"
    };
    if count(&db, "users").await != "2" || count(&db, "todos").await != todos {
        return Err("rows were lost".to_owned());
    }
    let names = texts(&db, "SELECT username FROM users ORDER BY id").await;
    if names != ["ada", "o'brien"] {
        return Err(format!("the rows changed: {names:?}"));
    }
    // Generated ids continue after the kept rows (SQLite's AUTOINCREMENT
    // sequence survives a rebuild).
    apply(
        &db,
        &op_fixtures::revision("newuser1", new_user, None),
        Direction::Up,
    )
    .await?;
    let id = texts(
        &db,
        "SELECT CAST(id AS VARCHAR(10)) FROM users WHERE username = 'new'",
    )
    .await;
    if id != ["3"] {
        return Err(format!("the next generated id is {id:?}, not 3"));
    }
    Ok(())
}

async fn every_operation_round_trips(kind: BackendKind) {
    // Skips loudly (or fails when required) without the database.
    drop(retort::test_database!(kind));
    let mut failures = Vec::new();
    for s in SCENARIOS {
        if let Err(error) = scenario(kind, s).await {
            failures.push(format!("{}: {error}", s.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn every_operation_round_trips_on_sqlite() {
    every_operation_round_trips(BackendKind::Sqlite).await;
}

#[tokio::test]
async fn every_operation_round_trips_on_postgres() {
    every_operation_round_trips(BackendKind::Postgres).await;
}

#[tokio::test]
async fn sqlite_rebuild_keeps_rows_and_foreign_keys_of_other_tables() {
    let db = retort::test_database!(BackendKind::Sqlite);
    apply(&db, &revision("base0001", base, None), Direction::Up)
        .await
        .unwrap();
    apply(&db, &revision("base0002", base_rows, None), Direction::Up)
        .await
        .unwrap();
    // Rebuild the referenced table; the referencing rows stay valid.
    let revision = revision(
        "rebuild1",
        |op| {
            op.alter_column("users", "username")
                .existing_type(Type::String(50))
                .existing_nullable(false)
                .set_type(Type::String(100));
        },
        None,
    );
    apply(&db, &revision, Direction::Up).await.unwrap();
    assert_eq!(
        texts(&db, "SELECT t.title || ' by ' || u.username FROM todos t JOIN users u ON u.id = t.owner_id ORDER BY t.id").await,
        ["write the guide by ada", "review it by o'brien"]
    );
    assert!(texts(&db, "SELECT \"table\" FROM pragma_foreign_key_check")
        .await
        .is_empty());
    assert!(
        texts(
            &db,
            "SELECT name FROM sqlite_master WHERE name LIKE '_retort_new%'"
        )
        .await
        .is_empty(),
        "the temporary table is gone"
    );
}

#[tokio::test]
async fn sqlite_rebuild_keeps_rows_when_foreign_keys_are_enforced() {
    let db = retort::test_database!(BackendKind::Sqlite);
    apply(&db, &revision("base0001", base, None), Direction::Up)
        .await
        .unwrap();
    apply(&db, &revision("base0002", base_rows, None), Direction::Up)
        .await
        .unwrap();
    let revision = revision(
        "rebuild1",
        |op| {
            op.create_unique_constraint("users", ["username"]);
        },
        None,
    );
    let mut backend = connect(&db).await;
    let AnyBackend::Sqlite(sqlite) = &backend else {
        unreachable!("a SQLite database")
    };
    sqlite
        .connection()
        .execute_batch("PRAGMA foreign_keys = ON")
        .unwrap();
    let units = retort::render_units_with_catalog(
        &revision,
        Direction::Up,
        Dialect::Sqlite,
        Some(sqlite.connection() as &dyn CatalogSource),
    )
    .unwrap();
    // The backend pauses enforcement around the run (the rebuild's own guard
    // refuses to run with it on) and checks the keys before committing.
    retort::run_step(&mut backend, &retort::StepWork { units, writes: vec![] }, &HistoryTable::default())
        .await
        .expect("the rebuild runs with foreign keys paused");
    // Nothing was lost: with enforcement on, dropping `users` would have
    // deleted every todo (ON DELETE CASCADE).
    assert_eq!(count(&db, "todos").await, "2");
    let AnyBackend::Sqlite(sqlite) = &backend else {
        unreachable!("a SQLite database")
    };
    let enforced: bool = sqlite.connection().query_row("PRAGMA foreign_keys", [], |row| row.get(0)).unwrap();
    assert!(enforced, "enforcement is restored after the run");
}

/// The sample project's revisions, up to head and back to base, through
/// the rendering the migrator uses, keeping and converting their rows.
async fn sample_round_trips(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let revisions = op_fixtures::sample_revisions();
    for revision in &revisions {
        apply(&db, revision, Direction::Up)
            .await
            .unwrap_or_else(|e| panic!("{} up: {e}", revision.id));
        if revision.id == "ca2061f1a411" {
            apply(
                &db,
                &op_fixtures::revision("rows0001", sample_rows, None),
                Direction::Up,
            )
            .await
            .unwrap();
        }
    }
    assert_eq!(
        texts(
            &db,
            "SELECT username || ' ' || status FROM users ORDER BY id"
        )
        .await,
        ["ada active", "bob inactive"]
    );
    for revision in revisions.iter().rev() {
        apply(&db, revision, Direction::Down)
            .await
            .unwrap_or_else(|e| panic!("{} down: {e}", revision.id));
        if revision.id == "e9d9fee31ee0" {
            let active = match kind {
                BackendKind::Postgres => {
                    "SELECT username || ' ' || is_active::text FROM users ORDER BY id"
                }
                _ => "SELECT username || ' ' || is_active FROM users ORDER BY id",
            };
            let expected = match kind {
                BackendKind::Postgres => ["ada true", "bob false"],
                _ => ["ada 1", "bob 0"],
            };
            assert_eq!(texts(&db, active).await, expected);
        }
    }
    assert!(common::tables(&db).await.is_empty());
}

fn sample_rows(op: &mut Operations) {
    op.bulk_insert(
        "users",
        ["email", "username", "hashed_password", "is_active"],
    )
    .row(("ada@example.com", "ada", "x", true))
    .row(("bob@example.com", "bob", "y", false));
    op.bulk_insert("todos", ["title", "priority", "owner_id"])
        .row(("try retort", 1, 1));
}

#[tokio::test]
async fn sample_round_trips_on_sqlite() {
    sample_round_trips(BackendKind::Sqlite).await;
}

#[tokio::test]
async fn sample_round_trips_on_postgres() {
    sample_round_trips(BackendKind::Postgres).await;
}
