//! Every operation run for real on SQLite, PostgreSQL and SQL Server: the
//! upgrade, then the derived downgrade, with the schema compared before and
//! after and the rows of rebuilt tables kept. Also the sample project's
//! revisions with their history, up and down, through the same rendering
//! the migrator uses.

mod common;
mod op_fixtures;

use common::{connect, texts};
use op_fixtures::{base, base_rows, online_indexes, online_revision, revision, SCENARIOS};
use retort::op::*;
use retort::testing::{BackendKind, TestDatabase};
use retort::{AnyBackend, Direction, Flavour, HistoryTable, Revision, Session};

/// Renders `revision` for the test database as the migrator does (for its
/// flavour; SQLite reads its catalog) and runs it in one transaction.
async fn apply(db: &TestDatabase, revision: &Revision, direction: Direction) -> Result<(), String> {
    let mut backend = connect(db).await;
    let flavour = backend.flavour().await.map_err(|error| error.to_string())?;
    let units = op_fixtures::render_step(
        revision,
        direction,
        backend.dialect(),
        flavour,
        backend.catalog(),
    )
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
    let result = retort::engine::run_step(
        &mut backend,
        &retort::engine::StepWork {
            units,
            writes: vec![],
            lock_timeout: None,
        },
        &HistoryTable::default(),
    )
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
        // One line per column, key column, foreign key column, check, index
        // column and view. Babelfish gives the same lines for the same
        // schema too: it mangles an index name the same way each time, its
        // default names are system names (left out, as SQL Server's are),
        // and key constraints are joined to their index by name, since its
        // `unique_index_id` is no index id.
        BackendKind::Mssql => &[
            "SELECT CONCAT(t.name, N'.', c.name, N' ', TYPE_NAME(c.user_type_id), N'(', c.max_length, N',', c.precision, \
             N',', c.scale, N') nullable=', CAST(c.is_nullable AS int), N' default=', dc.definition, N' ', \
             CASE WHEN dc.is_system_named = 0 THEN dc.name END, N' identity=', CAST(c.is_identity AS int)) \
             FROM sys.tables AS t JOIN sys.columns AS c ON c.object_id = t.object_id \
             LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id AND dc.parent_object_id = t.object_id \
             WHERE t.name NOT LIKE N'retort%' ORDER BY 1",
            "SELECT CONCAT(t.name, N' ', kc.name, N' ', kc.type, N' ', ic.key_ordinal, N' ', c.name) \
             FROM sys.key_constraints AS kc JOIN sys.tables AS t ON t.object_id = kc.parent_object_id \
             JOIN sys.indexes AS i ON i.object_id = kc.parent_object_id AND i.name = kc.name \
             JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id \
             JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
             WHERE t.name NOT LIKE N'retort%' ORDER BY 1",
            "SELECT CONCAT(t.name, N' ', fk.name, N' fk ', pc.name, N' -> ', rt.name, N'.', rc.name, N' ', \
             fk.delete_referential_action_desc, N' ', fk.update_referential_action_desc) \
             FROM sys.foreign_keys AS fk JOIN sys.tables AS t ON t.object_id = fk.parent_object_id \
             JOIN sys.tables AS rt ON rt.object_id = fk.referenced_object_id \
             JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id \
             JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id \
             JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id \
             ORDER BY 1",
            "SELECT CONCAT(t.name, N' ', ck.name, N' ', ck.definition) \
             FROM sys.check_constraints AS ck JOIN sys.tables AS t ON t.object_id = ck.parent_object_id ORDER BY 1",
            "SELECT CONCAT(t.name, N' index ', i.name, N' unique=', CAST(i.is_unique AS int), N' ', ic.key_ordinal, N' ', \
             c.name, N' desc=', CAST(ic.is_descending_key AS int), N' included=', CAST(ic.is_included_column AS int), \
             N' filter=', i.filter_definition) \
             FROM sys.indexes AS i JOIN sys.tables AS t ON t.object_id = i.object_id \
             JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id \
             JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
             WHERE i.type > 0 AND i.is_primary_key = 0 AND i.is_unique_constraint = 0 AND t.name NOT LIKE N'retort%' \
             ORDER BY 1",
            "SELECT CONCAT(v.name, N': ', m.definition) FROM sys.views AS v \
             JOIN sys.sql_modules AS m ON m.object_id = v.object_id ORDER BY 1",
        ],
        BackendKind::Postgres => &[
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

/// What a scenario fails with, in its place, where the server cannot run
/// it: every part of the message (`None`: it round-trips).
fn refusal(kind: BackendKind, flavour: Flavour, scenario: &str) -> Option<&'static [&'static str]> {
    match (kind, flavour, scenario) {
        // A UNIQUE constraint on SQL Server admits one NULL, so it cannot
        // be added to a new column of a table with two rows (error 1505 on
        // both servers); PostgreSQL and SQLite admit any number.
        (BackendKind::Mssql, _, "add_column_unique_reference") => Some(&["code: Some(\"1505\")", "uq_todos_reviewer_id"]),
        // Babelfish cannot change a column's nullability; retort says so
        // before anything runs.
        (BackendKind::Mssql, Flavour::Babelfish, "alter_column_nullable") => Some(&[
            "operation 1 (alter_column)",
            "Babelfish cannot make a column nullable: it does not support NULL or NOT NULL in ALTER TABLE … ALTER COLUMN",
        ]),
        _ => None,
    }
}

async fn every_operation_round_trips(kind: BackendKind) {
    // Skips loudly (or fails when required) without the database.
    let db = retort::test_database!(kind);
    let flavour = common::flavour(&db).await;
    drop(db);
    let mut failures = Vec::new();
    for s in SCENARIOS {
        match (scenario(kind, s).await, refusal(kind, flavour, s.name)) {
            (Ok(()), None) => {}
            (Err(error), None) => failures.push(format!("{}: {error}", s.name)),
            (Ok(()), Some(expected)) => failures.push(format!(
                "{}: ran, but should fail with {expected:?}",
                s.name
            )),
            (Err(error), Some(expected)) => {
                if !expected.iter().all(|part| error.contains(part)) {
                    failures.push(format!(
                        "{}: should fail with {expected:?}, but failed with: {error}",
                        s.name
                    ));
                }
            }
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
async fn every_operation_round_trips_on_mssql() {
    every_operation_round_trips(BackendKind::Mssql).await;
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
    // This test is about SQLite's own enforcement switch.
    let AnyBackend::Sqlite(mut sqlite) = connect(&db).await else {
        panic!("test_database!(BackendKind::Sqlite) connects to a SQLite database")
    };
    sqlite
        .connection()
        .execute_batch("PRAGMA foreign_keys = ON")
        .unwrap();
    let units = retort::engine::render_units_with_catalog(
        &revision,
        Direction::Up,
        Dialect::Sqlite,
        Some(sqlite.connection() as &dyn CatalogSource),
    )
    .unwrap();
    // The backend pauses enforcement around the run (the rebuild's own guard
    // refuses to run with it on) and checks the keys before committing.
    retort::engine::run_step(
        &mut sqlite,
        &retort::engine::StepWork {
            units,
            writes: vec![],
            lock_timeout: None,
        },
        &HistoryTable::default(),
    )
    .await
    .expect("the rebuild runs with foreign keys paused");
    // Nothing was lost: with enforcement on, dropping `users` would have
    // deleted every todo (ON DELETE CASCADE).
    assert_eq!(count(&db, "todos").await, "2");
    let enforced: bool = sqlite
        .connection()
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .unwrap();
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
    let statuses = match kind {
        BackendKind::Mssql => "SELECT CONCAT(username, N' ', status) FROM users ORDER BY id",
        BackendKind::Sqlite | BackendKind::Postgres => {
            "SELECT username || ' ' || status FROM users ORDER BY id"
        }
    };
    assert_eq!(texts(&db, statuses).await, ["ada active", "bob inactive"]);
    for revision in revisions.iter().rev() {
        apply(&db, revision, Direction::Down)
            .await
            .unwrap_or_else(|e| panic!("{} down: {e}", revision.id));
        if revision.id == "e9d9fee31ee0" {
            let active = match kind {
                BackendKind::Sqlite => "SELECT username || ' ' || is_active FROM users ORDER BY id",
                BackendKind::Postgres => {
                    "SELECT username || ' ' || is_active::text FROM users ORDER BY id"
                }
                BackendKind::Mssql => {
                    "SELECT CONCAT(username, N' ', is_active) FROM users ORDER BY id"
                }
            };
            let expected = match kind {
                BackendKind::Postgres => ["ada true", "bob false"],
                BackendKind::Sqlite | BackendKind::Mssql => ["ada 1", "bob 0"],
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

#[tokio::test]
async fn sample_round_trips_on_mssql() {
    sample_round_trips(BackendKind::Mssql).await;
}

/// Renders `revision` as the migrator does and runs it as the migrator
/// runs it: in one transaction, or statement by statement when it opted
/// out. Unlike [`apply`], SQLite's backend pauses foreign keys itself and
/// checks them before the commit, as in a real run.
async fn run(db: &TestDatabase, revision: &Revision, direction: Direction) -> Result<(), String> {
    let mut backend = connect(db).await;
    let flavour = backend.flavour().await.map_err(|error| error.to_string())?;
    let units = op_fixtures::render_step(revision, direction, backend.dialect(), flavour, backend.catalog())
        .map_err(|error| error.to_string())?;
    // With the lock timeout a real run sets (`LockWait`'s default), so that an
    // online build is checked with the statements that frame it.
    let work = retort::engine::StepWork { units, writes: vec![], lock_timeout: Some(std::time::Duration::from_secs(5)) };
    let result = match revision.transactional {
        true => retort::engine::run_step(&mut backend, &work, &HistoryTable::default()).await,
        false => retort::engine::run_outside_transaction(&mut backend, &work, &HistoryTable::default()).await,
    };
    result.map(drop).map_err(|error| format!("{error:?}"))
}

async fn base_with_rows(db: &TestDatabase) {
    run(db, &revision("base0001", base, None), Direction::Up).await.expect("the base applies");
    run(db, &revision("base0002", base_rows, None), Direction::Up).await.expect("the base rows go in");
}

/// The lines of `schema` that name an index of [`online_indexes`].
fn online_index_lines(schema: &[String]) -> Vec<&String> {
    schema.iter().filter(|line| ["ix_todos_title", "ix_todos_owner_priority", "ix_todos_priority"].iter().any(|name| line.contains(name))).collect()
}

/// Indexes built online in a non-transactional revision (PostgreSQL's
/// `CONCURRENTLY`, SQL Server's `ONLINE = ON`, `RESUMABLE`,
/// `WAIT_AT_LOW_PRIORITY`) exist and are usable after the upgrade, and the
/// derived downgrade (`DROP INDEX CONCURRENTLY` on PostgreSQL) leaves the
/// schema as it was.
async fn online_index_is_built_and_dropped_outside_a_transaction(kind: BackendKind) {
    let db = retort::test_database!(kind);
    base_with_rows(&db).await;
    let before = schema(&db).await;
    let online = online_revision("online01", online_indexes);
    run(&db, &online, Direction::Up).await.expect("the online build runs");
    let during = schema(&db).await;
    let built = online_index_lines(&during);
    for name in ["ix_todos_title", "ix_todos_owner_priority", "ix_todos_priority"] {
        assert!(built.iter().any(|line| line.contains(name)), "no {name} in {during:#?}");
    }
    if kind == BackendKind::Postgres {
        // A concurrent build that failed halfway leaves an invalid index.
        assert_eq!(texts(&db, "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid").await, Vec::<String>::new());
    }
    run(&db, &online, Direction::Down).await.expect("the derived downgrade runs");
    assert_eq!(schema(&db).await, before);
}

/// The same revision declared transactional fails before anything runs,
/// saying how to fix it: PostgreSQL would refuse `CONCURRENTLY` inside it.
async fn online_index_fails_clearly_in_a_transactional_revision(kind: BackendKind) {
    let db = retort::test_database!(kind);
    base_with_rows(&db).await;
    let before = schema(&db).await;
    let error = run(&db, &revision("online02", online_indexes, None), Direction::Up).await.unwrap_err();
    for part in ["revision online02", "operation 1 (create_index)", "cannot run inside a transaction", "pub const TRANSACTIONAL: bool = false;"] {
        assert!(error.contains(part), "no {part:?} in: {error}");
    }
    assert_eq!(schema(&db).await, before, "nothing ran");
}

fn reviewers_unknown(op: &mut Operations) {
    op.add_column("todos", "reviewer_id", Type::Int);
    op.execute("UPDATE todos SET reviewer_id = 99");
}

fn reviewer_key(op: &mut Operations) {
    op.create_foreign_key("todos", ["reviewer_id"], "users", ["id"]).not_validated();
}

fn validate_reviewer_key(op: &mut Operations) {
    op.validate_constraint("todos", "fk_todos_reviewer_id");
}

fn reviewers_known(op: &mut Operations) {
    op.execute("UPDATE todos SET reviewer_id = 1");
}

/// A foreign key added unvalidated over rows that break it: PostgreSQL
/// (`NOT VALID`) and SQL Server (`WITH NOCHECK`) add it, and
/// `validate_constraint` then fails naming it; once the rows are fixed it
/// succeeds (and SQL Server trusts the key). SQLite (its rebuild's
/// foreign key check) and Babelfish (no `WITH NOCHECK`) validate it as
/// they add it, so there the add fails instead and validating is a no-op.
async fn unvalidated_foreign_key_is_added_over_bad_rows_and_validated_once_they_are_fixed(kind: BackendKind) {
    let db = retort::test_database!(kind);
    base_with_rows(&db).await;
    let flavour = common::flavour(&db).await;
    run(&db, &revision("fk000001", reviewers_unknown, None), Direction::Up).await.expect("the column and its values go in");
    let add = run(&db, &revision("fk000002", reviewer_key, None), Direction::Up).await;
    let validate = revision("fk000003", validate_reviewer_key, None);
    let validated_at_once = kind == BackendKind::Sqlite || flavour == Flavour::Babelfish;
    if validated_at_once {
        let error = add.unwrap_err();
        let names = if kind == BackendKind::Sqlite { "references a missing row of users" } else { "fk_todos_reviewer_id" };
        assert!(error.contains(names), "{error}");
    } else {
        add.expect("the key is added without reading the rows");
        let error = run(&db, &validate, Direction::Up).await.unwrap_err();
        // The server's message names the key (PostgreSQL 23503, SQL Server 547).
        assert!(error.contains("VALIDATE CONSTRAINT") || error.contains("WITH CHECK CHECK CONSTRAINT"), "{error}");
        assert!(error.contains("fk_todos_reviewer_id") && (error.contains("23503") || error.contains("547")), "{error}");
    }
    run(&db, &revision("fk000004", reviewers_known, None), Direction::Up).await.expect("the rows are fixed");
    if validated_at_once {
        run(&db, &revision("fk000002", reviewer_key, None), Direction::Up).await.expect("the key is added over good rows");
    }
    run(&db, &validate, Direction::Up).await.expect("the key validates over good rows");
    run(&db, &validate, Direction::Down).await.expect("its derived downgrade runs nothing");
    match (kind, flavour) {
        (BackendKind::Postgres, _) => assert_eq!(
            texts(&db, "SELECT conname || ' ' || convalidated FROM pg_constraint WHERE conname = 'fk_todos_reviewer_id'").await,
            ["fk_todos_reviewer_id true"]
        ),
        (BackendKind::Mssql, Flavour::Standard) => assert_eq!(
            texts(&db, "SELECT CONCAT(name, N' ', is_not_trusted) FROM sys.foreign_keys WHERE name = N'fk_todos_reviewer_id'").await,
            ["fk_todos_reviewer_id 0"]
        ),
        _ => {}
    }
    // The key holds: a row that breaks it is refused.
    let bad = |op: &mut Operations| {
        op.execute("UPDATE todos SET reviewer_id = 99");
    };
    assert!(run(&db, &revision("fk000005", bad, None), Direction::Up).await.is_err(), "a row that breaks the key went in");
}

on_every_backend!(
    online_index_is_built_and_dropped_outside_a_transaction,
    online_index_fails_clearly_in_a_transactional_revision,
    unvalidated_foreign_key_is_added_over_bad_rows_and_validated_once_they_are_fixed,
);
