//! The migration engine against a real SQL Server, for what only SQL Server
//! has: `GO` batches (repeat counts, a failure in a later batch, offline
//! scripts with batches and idempotent guards), errors of every kind in the
//! middle of a batch stopping offline scripts in any client and online runs,
//! history in a configured schema, introspection, connection errors and the
//! throwaway-database fixture. The scenarios every backend shares (every target kind, drift,
//! failures, locking, a killed migrator, offline script = online result)
//! are in `engine.rs`, which runs them on SQL Server too.
//!
//! The server comes from `RETORT_TEST_MSSQL_URL` or a container (see
//! `retort::testing`); without one every test here prints `NOT TESTED` and
//! returns, and fails where `RETORT_REQUIRE_BACKENDS` lists `mssql`.

mod common;

use common::{connect, strings, tables, target, texts, upgrade, GRAPH};
use retort::testing::BackendKind;
use retort::engine::Unit;
use retort::{
    AnyBackend, Backend, DatabaseUrl, HistoryTable, Migrations, Migrator, MigratorConfig, Session,
    ScriptOptions,
};

const MSSQL: BackendKind = BackendKind::Mssql;

/// Runs one query returning one integer on an open backend's session.
async fn session_int(backend: &mut AnyBackend, sql: &str) -> i64 {
    let AnyBackend::Mssql(backend) = backend else {
        panic!("an SQL Server backend")
    };
    let row = backend
        .client()
        .simple_query(sql)
        .await
        .expect("query runs")
        .into_row()
        .await
        .expect("query runs")
        .expect("one row");
    row.get::<i32, _>(0).map(i64::from).expect("an int column")
}

static FAILING_IN_BATCH_TWO: Migrations = Migrations::new(&[common::sql(
    "go00",
    &[],
    "-- revision: go00\nCREATE TABLE first_batch (id int);\nGO\n\nINSERT INTO first_batch (id) VALUES (1);\nSELECT 1 +;\n",
    "DROP TABLE first_batch;",
)]);

#[tokio::test]
async fn syntax_error_in_a_later_batch_names_it_and_leaves_no_transaction_open() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let error = Migrator::new(&FAILING_IN_BATCH_TWO)
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap_err();
    let text = error.to_string();
    // Batch 2 starts on line 4 of the file; the server reports its line 3.
    assert!(
        text.contains("failed at migrations/fixture.sql:6, statement 2"),
        "{text}"
    );
    assert!(text.contains("batch 2 starting at line 4"), "{text}");
    let code = match common::flavour(&db).await {
        retort::Flavour::Standard => "(code 102)",
        retort::Flavour::Babelfish => "(code 33557097)",
    };
    assert!(text.contains(code), "{text}");
    // On SQL Server a syntax error does not end the transaction by itself
    // (XACT_ABORT only acts on run-time errors): the backend rolled it back.
    assert_eq!(session_int(&mut backend, "SELECT @@TRANCOUNT").await, 0);
    assert!(tables(&db).await.is_empty(), "batch 1 was rolled back too");
}

static GO_BATCHES: Migrations = Migrations::new(&[common::sql(
    "go01",
    &[],
    "CREATE TABLE counted (id int IDENTITY(1, 1) PRIMARY KEY, note nvarchar(100) NULL);\nGO\nINSERT INTO counted DEFAULT VALUES;\ngo 3 -- three rows\nINSERT INTO counted (note) VALUES (N'a literal with\nGO\ninside');\nGO\nCREATE VIEW counted_view AS SELECT id FROM counted;\nGO\nCREATE PROCEDURE count_rows @minimum int AS BEGIN SELECT COUNT(*) FROM counted WHERE id >= @minimum; END\n",
    "DROP PROCEDURE count_rows;\nGO\nDROP VIEW counted_view;\nDROP TABLE counted;\n",
)]);

#[tokio::test]
async fn go_batches_repeat_counts_and_batch_first_statements_run() {
    let db = retort::test_database!(MSSQL);
    upgrade(&db, &GO_BATCHES, "heads").await.unwrap();
    assert_eq!(
        texts(&db, "SELECT CAST(COUNT(*) AS nvarchar(10)) FROM counted").await,
        ["4"]
    );
    assert_eq!(
        texts(&db, "SELECT note FROM counted WHERE note IS NOT NULL").await,
        ["a literal with\nGO\ninside"]
    );
    let mut backend = connect(&db).await;
    Migrator::new(&GO_BATCHES)
        .downgrade(&mut backend, &target("base"))
        .await
        .unwrap();
    assert!(tables(&db).await.is_empty());
}

static COUNTED: Migrations = Migrations::new(&[
    common::sql("c001", &[], "CREATE TABLE c1 (id int);", "DROP TABLE c1;"),
    // Takes 250 ms of the server's time (Babelfish has no WAITFOR).
    common::sql(
        "c002",
        &["c001"],
        "DECLARE @until datetime2(7) = DATEADD(millisecond, 250, SYSUTCDATETIME());\n\
         WHILE SYSUTCDATETIME() < @until SET @until = @until;\nCREATE TABLE c2 (id int);",
        "DROP TABLE c2;",
    ),
    common::sql("c003", &["c002"], "CREATE TABLE c3 (id int);", "DROP TABLE c3;"),
    common::sql("c004", &["c003"], "CREATE TABLE c4 (id int);", "DROP TABLE c4;"),
    common::sql(
        "c005",
        &["c004"],
        "CREATE TABLE c5 (id int);\nGO\nINSERT INTO c5 (id) VALUES (1);\nGO\nINSERT INTO c5 (id) VALUES (2);\n",
        "DROP TABLE c5;",
    ),
    // The batch ends at RETURN: what ran before it commits, as on a
    // session that sent the batch by itself.
    common::sql("c006", &["c005"], "INSERT INTO c5 (id) VALUES (3);\nIF 1 = 1 RETURN;\nINSERT INTO c5 (id) VALUES (4);", "SELECT 1;"),
    // RAISERROR does not end the batch: the row after it must not commit.
    common::sql(
        "c007",
        &["c006"],
        "INSERT INTO c5 (id) VALUES (5);\nRAISERROR(N'stop here', 16, 1);\nINSERT INTO c5 (id) VALUES (6);\n",
        "SELECT 1;",
    ),
]);

/// Upgrades to `to` on `backend` and returns how many requests it sent.
async fn requests_to(backend: &mut AnyBackend, to: &str) -> u64 {
    let AnyBackend::Mssql(mssql) = backend else { panic!("an SQL Server backend") };
    let before = mssql.requests_sent();
    Migrator::new(&COUNTED).upgrade(&mut *mssql, &target(to)).await.unwrap();
    mssql.requests_sent() - before
}

#[tokio::test]
async fn a_transactional_revision_costs_one_request_per_batch_with_the_same_answers() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let first = requests_to(&mut backend, "c001").await; // Also creates the history tables.
    // Each run costs the same constant besides its revisions' requests.
    let one = requests_to(&mut backend, "c002").await;
    // The first run creates the history, and asks which server this is in
    // the request that takes the lock; it has no applied row to look for
    // missing fingerprints in, as the runs after it do.
    assert_eq!(first + 1, one, "the first run skips the fingerprint query and sends no detection of its own");
    let two = requests_to(&mut backend, "c004").await;
    let three_batches = requests_to(&mut backend, "c005").await;
    assert_eq!(two, one, "two revisions of one batch each share one request");
    assert_eq!(three_batches - (one - 1), 3, "a revision of three batches costs three requests");
    // Its own time, measured by the server, is recorded and reported.
    let recorded = texts(&db, "SELECT CAST(execution_ms AS nvarchar(20)) FROM retort_history WHERE revision_id = N'c002'").await;
    assert!(recorded[0].parse::<u64>().unwrap() >= 250, "{recorded:?}");
    // A batch that ends early still commits with its history row.
    let returned = requests_to(&mut backend, "c006").await;
    assert_eq!(returned, one + 1, "the history writes go again after the batch ended early");
    assert_eq!(texts(&db, "SELECT CAST(id AS nvarchar(10)) FROM c5 ORDER BY id").await, ["1", "2", "3"]);
    // A failure names its statement and line, and nothing of it stays.
    let error = Migrator::new(&COUNTED).upgrade(&mut backend, &target("heads")).await.unwrap_err().to_string();
    assert!(error.contains("revision c007 failed at migrations/fixture.sql:2, statement 1"), "{error}");
    assert!(error.contains("stop here") && error.contains("(code 50000)"), "{error}");
    assert_eq!(session_int(&mut backend, "SELECT @@TRANCOUNT").await, 0);
    assert_eq!(texts(&db, "SELECT CAST(id AS nvarchar(10)) FROM c5 ORDER BY id").await, ["1", "2", "3"]);
    assert_eq!(
        texts(&db, "SELECT revision_id FROM retort_history ORDER BY revision_id").await,
        ["c001", "c002", "c003", "c004", "c005", "c006"]
    );
}

/// `count` revisions of one table each, `{prefix}001` on, each on the one
/// before.
fn chain(prefix: &str, count: usize) -> &'static Migrations {
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let ids: Vec<&'static str> = (1..=count).map(|n| leak(format!("{prefix}{n:03}"))).collect();
    let revisions: Vec<retort::Revision> = ids
        .iter()
        .enumerate()
        .map(|(at, id)| {
            let parents: &'static [&'static str] = match at {
                0 => &[],
                _ => Box::leak(Box::new([ids[at - 1]])),
            };
            common::sql(id, parents, leak(format!("CREATE TABLE {id} (id int);")), leak(format!("DROP TABLE {id};")))
        })
        .collect();
    Box::leak(Box::new(Migrations::new(Box::leak(revisions.into_boxed_slice()))))
}

/// Upgrades (`up`) or downgrades to `to`, and returns how many requests it
/// sent and the revisions it reported.
async fn counted(backend: &mut AnyBackend, migrator: Migrator, up: bool, to: &str) -> (u64, Vec<String>) {
    let AnyBackend::Mssql(mssql) = backend else { panic!("an SQL Server backend") };
    let before = mssql.requests_sent();
    let steps = match up {
        true => migrator.upgrade(&mut *mssql, &target(to)).await,
        false => migrator.downgrade(&mut *mssql, &target(to)).await,
    };
    let ids = steps.unwrap().iter().map(|step| step.id.to_owned()).collect();
    (mssql.requests_sent() - before, ids)
}

#[tokio::test]
async fn revisions_of_one_batch_share_requests_twenty_at_a_time_each_committing_and_timed_on_its_own() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let migrations = chain("q", 45);
    counted(&mut backend, Migrator::new(migrations), true, "q001").await; // Creates the history.
    let (alone, _) = counted(&mut backend, Migrator::new(migrations), true, "q002").await;
    // 43 revisions: requests of 20, 20 and 3, where one revision took one.
    let (shared, reported) = counted(&mut backend, Migrator::new(migrations), true, "heads").await;
    assert_eq!(shared - alone, 2, "43 revisions in 3 requests");
    assert_eq!(reported, (3..=45).map(|n| format!("q{n:03}")).collect::<Vec<_>>(), "each reported, in order");
    let recorded = texts(&db, "SELECT CAST(execution_ms AS nvarchar(20)) FROM retort_history ORDER BY revision_id").await;
    assert_eq!(recorded.len(), 45);
    assert!(recorded.iter().all(|ms| ms.parse::<u64>().is_ok()), "each its own time: {recorded:?}");
    assert_eq!(
        texts(&db, "SELECT CAST(COUNT(*) AS nvarchar(10)) FROM retort_history_log WHERE outcome = N'ok'").await,
        ["45"]
    );
    // Down as well, and followed: each reported as its row arrives.
    let (down_one, _) = counted(&mut backend, Migrator::new(migrations), false, "q044").await;
    let (down, reported) = counted(&mut backend, Migrator::new(migrations), false, "q002").await;
    assert_eq!((down - down_one, reported.len()), (2, 42), "42 revisions in 3 requests");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress = {
        let seen = seen.clone();
        move |step: &retort::StepReport, _: usize, _: usize| seen.lock().unwrap().push(step.id.to_owned())
    };
    let (followed, reported) = counted(&mut backend, Migrator::new(migrations).with_progress(progress), true, "heads").await;
    assert_eq!(followed - alone, 2, "the flush after each revision costs no request");
    assert_eq!(*seen.lock().unwrap(), reported);
    assert_eq!(tables(&db).await.len(), 45);
}

static TIMED: Migrations = Migrations::new(&[
    common::sql("t001", &[], "CREATE TABLE t1 (id int);", "DROP TABLE t1;"),
    common::sql("t002", &["t001"], "CREATE TABLE t2 (id int);", "DROP TABLE t2;"),
    // Takes 250 ms of the server's time, without a variable (which would
    // make it run alone) and without WAITFOR (which Babelfish lacks).
    common::sql(
        "t003",
        &["t002"],
        "CREATE TABLE t3 (until datetime2(7));\n\
         INSERT INTO t3 (until) SELECT DATEADD(millisecond, 250, SYSUTCDATETIME());\n\
         WHILE SYSUTCDATETIME() < (SELECT until FROM t3) UPDATE t3 SET until = until;",
        "DROP TABLE t3;",
    ),
    common::sql("t004", &["t003"], "CREATE TABLE t4 (id int);", "DROP TABLE t4;"),
]);

#[tokio::test]
async fn a_slow_revision_in_a_shared_request_records_its_own_time_and_not_the_next_one() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    counted(&mut backend, Migrator::new(&TIMED), true, "t001").await; // Creates the history.
    let (alone, _) = counted(&mut backend, Migrator::new(&TIMED), true, "t002").await;
    let (shared, reported) = counted(&mut backend, Migrator::new(&TIMED), true, "heads").await;
    assert_eq!((shared, reported.len()), (alone, 2), "t003 and t004 in one request");
    let recorded = texts(&db, "SELECT CAST(execution_ms AS nvarchar(20)) FROM retort_history ORDER BY revision_id").await;
    let ms: Vec<u64> = recorded.iter().map(|ms| ms.parse().expect("a number of milliseconds")).collect();
    assert!(ms[2] >= 250, "t003 spent 250 ms: {recorded:?}");
    assert!(ms[3] < 250, "t004's clock starts at t004, not at t003: {recorded:?}");
}

/// Revisions that may share a request around one that fails: `r003` uses
/// the column `r002` adds (SQL Server compiles a batch whole, and refuses
/// a column its table does not have yet), `r004` raises an error that does
/// not end its batch after creating a table.
static SHARED_FAILING: Migrations = Migrations::new(&[
    common::sql("r001", &[], "CREATE TABLE r1 (id int);", "DROP TABLE r1;"),
    common::sql("r002", &["r001"], "ALTER TABLE r1 ADD flag int NULL;", "ALTER TABLE r1 DROP COLUMN flag;"),
    common::sql("r003", &["r002"], "INSERT INTO r1 (id, flag) VALUES (1, 7);", "DELETE FROM r1;"),
    common::sql("r004", &["r003"], "CREATE TABLE r4 (id int);\nRAISERROR(N'r004 stops here', 16, 1);", "DROP TABLE r4;"),
    common::sql("r005", &["r004"], "CREATE TABLE r5 (id int);", "DROP TABLE r5;"),
]);

#[tokio::test]
async fn a_shared_request_that_fails_keeps_the_revisions_before_and_the_failed_one_is_told_as_alone() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let migrator = Migrator::new(&SHARED_FAILING);
    migrator.upgrade(&mut backend, &target("r001")).await.unwrap();
    let shared = migrator.upgrade(&mut backend, &target("heads")).await.unwrap_err().to_string();
    assert!(shared.contains("revision r004 failed at migrations/fixture.sql:2") && shared.contains("r004 stops here"), "{shared}");
    assert_eq!(session_int(&mut backend, "SELECT @@TRANCOUNT").await, 0);
    assert_eq!(texts(&db, "SELECT revision_id FROM retort_history ORDER BY revision_id").await, ["r001", "r002", "r003"]);
    assert_eq!(texts(&db, "SELECT CAST(id * 10 + flag AS nvarchar(10)) FROM r1").await, ["17"]);
    assert_eq!(tables(&db).await, ["r1"], "nothing of r004 or r005");
    // The same words as when it runs by itself.
    let alone = migrator.upgrade(&mut backend, &target("r004")).await.unwrap_err().to_string();
    assert_eq!(shared, format!("{alone} (2 revision(s) of this run were applied)"));
}

/// A syntax error in the third of four revisions that may share a request:
/// the server refuses the whole batch before any of it runs.
static SHARED_SYNTAX: Migrations = Migrations::new(&[
    common::sql("t001", &[], "CREATE TABLE t1 (id int);", "DROP TABLE t1;"),
    common::sql("t002", &["t001"], "CREATE TABLE t2 (id int);", "DROP TABLE t2;"),
    common::sql("t003", &["t002"], "CREATE TABLE t3 (id int;", "DROP TABLE t3;"),
    common::sql("t004", &["t003"], "CREATE TABLE t4 (id int);", "DROP TABLE t4;"),
]);

#[tokio::test]
async fn a_shared_request_refused_whole_blames_the_revision_that_fails_alone() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let AnyBackend::Mssql(mssql) = &mut backend else { panic!("an SQL Server backend") };
    let error = Migrator::new(&SHARED_SYNTAX).upgrade(&mut *mssql, &target("heads")).await.unwrap_err().to_string();
    // One shared attempt, then each revision of the group alone: 19
    // requests. Sharing the rest again after each revision that ran alone
    // met the same refusal once per revision before t003 (34 requests).
    let requests = mssql.requests_sent();
    assert!(requests <= 19, "{requests} requests");
    assert!(error.starts_with("upgrade of revision t003 failed at migrations/fixture.sql:1"), "{error}");
    assert!(error.ends_with("(2 revision(s) of this run were applied)"), "{error}");
    assert_eq!(texts(&db, "SELECT revision_id FROM retort_history ORDER BY revision_id").await, ["t001", "t002"]);
    assert_eq!(tables(&db).await, ["t1", "t2"]);
}

/// Joined revisions back to back: the second and the fourth check the
/// settings they run with, after one that turned `XACT_ABORT` off and one
/// that set its own lock timeout.
static SETTINGS_CARRIED: Migrations = Migrations::new(&[
    common::sql("s001", &[], "SET XACT_ABORT OFF;\nCREATE TABLE s1 (id int);", "DROP TABLE s1;"),
    common::sql(
        "s002",
        &["s001"],
        "IF (@@OPTIONS & 16384) = 0 RAISERROR(N'XACT_ABORT is off', 16, 1);\n\
         IF @@LOCK_TIMEOUT <> 5000 RAISERROR(N'not the revision''s lock timeout', 16, 1);\nCREATE TABLE s2 (id int);",
        "DROP TABLE s2;",
    ),
    common::sql("s003", &["s002"], "SET LOCK_TIMEOUT 10;\nCREATE TABLE s3 (id int);", "DROP TABLE s3;"),
    common::sql(
        "s004",
        &["s003"],
        "IF @@LOCK_TIMEOUT <> 5000 RAISERROR(N'not the revision''s lock timeout', 16, 1);\nCREATE TABLE s4 (id int);",
        "DROP TABLE s4;",
    ),
]);

#[tokio::test]
async fn joined_revisions_send_a_setting_again_only_after_one_that_may_have_changed_it() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let config = retort::MigratorConfig {
        lock_wait: retort::LockWait { timeout: std::time::Duration::from_secs(5), ..Default::default() },
        ..Default::default()
    };
    Migrator::with_config(&SETTINGS_CARRIED, config).upgrade(&mut backend, &target("heads")).await.unwrap();
    assert_eq!(
        texts(&db, "SELECT revision_id FROM retort_history ORDER BY revision_id").await,
        ["s001", "s002", "s003", "s004"]
    );
    // The last one puts the session's own lock timeout back.
    assert_eq!(session_int(&mut backend, "SELECT @@LOCK_TIMEOUT").await, -1);
}

/// GO_BATCHES without a `GO` line inside a literal: sqlcmd and retort
/// read that as part of the literal, but tsql cuts the batch there.
static GO_BATCHES_FOR_ANY_CLIENT: Migrations = Migrations::new(&[common::sql(
    "go01",
    &[],
    "CREATE TABLE counted (id int IDENTITY(1, 1) PRIMARY KEY, note nvarchar(100) NULL);\nGO\nINSERT INTO counted DEFAULT VALUES;\ngo 3 -- three rows\nINSERT INTO counted (note) VALUES (N'a literal with\n-- a comment\ninside');\nGO\nCREATE VIEW counted_view AS SELECT id FROM counted;\nGO\nCREATE PROCEDURE count_rows @minimum int AS BEGIN SELECT COUNT(*) FROM counted WHERE id >= @minimum; END\n",
    "DROP PROCEDURE count_rows;\nGO\nDROP VIEW counted_view;\nDROP TABLE counted;\n",
)]);

#[tokio::test]
async fn offline_scripts_with_batches_and_idempotent_guards_build_the_online_schema() {
    for options in [ScriptOptions::default(), ScriptOptions::idempotent()] {
        let online = retort::test_database!(MSSQL);
        let offline = retort::test_database!(MSSQL);
        // Two revision tables in one database: each sees the other's revisions.
        let config = retort::MigratorConfig { ignore_unknown: true, ..Default::default() };
        for migrations in [&GO_BATCHES_FOR_ANY_CLIENT, &GRAPH] {
            let mut backend = connect(&online).await;
            Migrator::with_config(migrations, config.clone()).upgrade(&mut backend, &target("heads")).await.unwrap();
        }
        for migrations in [&GO_BATCHES_FOR_ANY_CLIENT, &GRAPH] {
            let plan = retort::Plan::upgrade(&retort::RevisionGraph::new(migrations), &Default::default(), &target("heads"))
                .unwrap();
            let rendered = retort::render_plan(&plan, retort::Dialect::Mssql, common::flavour(&online).await, retort::Start::Replay(&[])).unwrap();
            let script = retort::render_script_with(
                &rendered,
                &HistoryTable::default(),
                &options,
            )
            .unwrap();
            common::run_script(&offline, &script);
            if options.idempotent {
                // Run again: every revision is skipped.
                common::run_script(&offline, &script);
            }
        }
        common::assert_same_schema(&offline, &online).await;
        assert_eq!(
            texts(
                &offline,
                "SELECT CAST(COUNT(*) AS nvarchar(10)) FROM counted"
            )
            .await,
            ["4"]
        );
    }
}

/// The history's tables and the `fingerprint` column, as the server has
/// them.
async fn history_parts(db: &retort::testing::TestDatabase) -> Vec<String> {
    let column = "SELECT N'fingerprint' WHERE COL_LENGTH(N'dbo.retort_history', N'fingerprint') IS NOT NULL";
    let mut parts = texts(db, column).await;
    parts.extend(texts(db, "SELECT name FROM sys.tables WHERE name LIKE N'retort%' ORDER BY name").await);
    parts
}

/// A run that finds the history whole sends no DDL (a look at the catalog
/// instead), and a fresh database gets plain `CREATE TABLE`s: each must
/// still make whole what a person or an older retort left partial.
#[tokio::test]
async fn history_tables_missing_a_part_are_made_whole_by_the_next_run() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let migrations = chain("h", 4);
    let whole = ["fingerprint", "retort_history", "retort_history_log"];
    counted(&mut backend, Migrator::new(migrations), true, "h001").await;
    assert_eq!(history_parts(&db).await, whole, "a fresh database gets both tables and the column");
    let by_hand = |sql: &str| Unit::sql(sql, "by hand");
    backend.execute(&by_hand("DROP TABLE dbo.retort_history_log;")).await.unwrap();
    counted(&mut backend, Migrator::new(migrations), true, "h002").await;
    assert_eq!(history_parts(&db).await, whole, "the log is made again");
    let log = "SELECT revision_id + N' ' + action FROM dbo.retort_history_log ORDER BY id";
    assert_eq!(texts(&db, log).await, ["h002 upgrade"]);
    backend.execute(&by_hand("ALTER TABLE dbo.retort_history DROP COLUMN fingerprint;")).await.unwrap();
    counted(&mut backend, Migrator::new(migrations), true, "h003").await;
    assert_eq!(history_parts(&db).await, whole, "the column is added again");
    let fingerprinted = "SELECT revision_id FROM dbo.retort_history WHERE fingerprint IS NOT NULL ORDER BY revision_id";
    assert_eq!(texts(&db, fingerprinted).await, ["h001", "h002", "h003"]);
    // Only the log left: the plain `CREATE`s stop at it, and the idempotent
    // DDL makes the state table.
    backend.execute(&by_hand("DROP TABLE dbo.retort_history;")).await.unwrap();
    let (_, applied) = counted(&mut backend, Migrator::new(chain("k", 1)), true, "heads").await;
    assert_eq!(applied, ["k001"]);
    assert_eq!(history_parts(&db).await, whole);
    assert_eq!(texts(&db, "SELECT revision_id FROM dbo.retort_history").await, ["k001"]);
    assert_eq!(texts(&db, log).await, ["h002 upgrade", "h003 upgrade", "k001 upgrade"]);
}

#[tokio::test]
async fn history_lives_in_a_configured_schema_created_on_demand() {
    let db = retort::test_database!(MSSQL);
    let history = HistoryTable {
        schema: Some("ops".into()),
        name: "migrations".into(),
    };
    let config = MigratorConfig {
        history: history.clone(),
        ..MigratorConfig::default()
    };
    let mut backend = connect(&db).await;
    Migrator::with_config(&GRAPH, config)
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap();
    let ops = texts(
        &db,
        "SELECT name FROM sys.tables WHERE SCHEMA_NAME(schema_id) = N'ops' ORDER BY name",
    )
    .await;
    assert_eq!(ops, strings(&["migrations", "migrations_log"]));
    let snapshot = backend.introspect(&history).await.unwrap();
    assert!(!snapshot.schemas.contains("ops"), "{:?}", snapshot.schemas);
    assert!(
        snapshot.tables.keys().all(|name| !name.starts_with("ops.")),
        "{:?}",
        snapshot.tables.keys()
    );
    assert_eq!(snapshot.tables.len(), 6);
}

static RICH: Migrations = Migrations::new(&[common::sql(
    "r1r1",
    &[],
    "CREATE SCHEMA billing;\nGO\n\
     CREATE TABLE users (id int IDENTITY(10, 5) NOT NULL CONSTRAINT pk_users PRIMARY KEY,\n\
       email nvarchar(100) NOT NULL CONSTRAINT uq_users_email UNIQUE,\n\
       bio nvarchar(max) COLLATE Latin1_General_BIN2 NULL,\n\
       balance decimal(10, 2) NOT NULL CONSTRAINT df_balance_zero DEFAULT 0,\n\
       created datetime2(3) NOT NULL CONSTRAINT df_users_created DEFAULT SYSUTCDATETIME(),\n\
       label AS UPPER(email) PERSISTED);\n\
     CREATE TABLE billing.invoices (id bigint NOT NULL CONSTRAINT pk_invoices PRIMARY KEY NONCLUSTERED,\n\
       user_id int NOT NULL CONSTRAINT fk_invoices_users REFERENCES users (id) ON DELETE CASCADE,\n\
       total numeric(12, 3) NOT NULL CONSTRAINT ck_invoices_total CHECK (total >= 0),\n\
       paid bit NOT NULL);\n\
     CREATE CLUSTERED INDEX ix_invoices_user ON billing.invoices (user_id, id DESC);\n\
     CREATE UNIQUE NONCLUSTERED INDEX ix_invoices_open ON billing.invoices (total) INCLUDE (paid) WHERE paid = 0;\n\
     CREATE SEQUENCE billing.numbers AS bigint START WITH 1000 INCREMENT BY 10;\n\
     GO\nCREATE VIEW billing.unpaid AS SELECT id, total FROM billing.invoices WHERE paid = 0;\n\
     GO\nCREATE PROCEDURE billing.pay @id bigint AS BEGIN UPDATE billing.invoices SET paid = 1 WHERE id = @id; END\n",
    "DROP PROCEDURE billing.pay;\nDROP VIEW billing.unpaid;\nDROP SEQUENCE billing.numbers;\nDROP TABLE billing.invoices;\nDROP TABLE users;\nGO\nDROP SCHEMA billing;\n",
)]);

#[tokio::test]
async fn introspection_reads_what_the_migrations_built() {
    let db = retort::test_database!(MSSQL);
    upgrade(&db, &RICH, "heads").await.unwrap();
    let babelfish = common::flavour(&db).await == retort::Flavour::Babelfish;
    let mut backend = connect(&db).await;
    let snapshot = backend.introspect(&HistoryTable::default()).await.unwrap();
    assert_eq!(snapshot.schemas.iter().collect::<Vec<_>>(), ["billing"]);
    assert_eq!(
        snapshot.tables.keys().collect::<Vec<_>>(),
        ["billing.invoices", "users"]
    );
    let users = &snapshot.tables["users"];
    let columns: Vec<(String, String, bool)> = users
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.data_type.clone(), c.nullable))
        .collect();
    // Babelfish gives a computed column the type of PostgreSQL's expression.
    let label_type = if babelfish { "text" } else { "nvarchar(100)" };
    assert_eq!(
        columns,
        [
            ("id".into(), "int".into(), false),
            ("email".into(), "nvarchar(100)".into(), false),
            ("bio".into(), "nvarchar(max)".into(), true),
            ("balance".into(), "decimal(10,2)".into(), false),
            ("created".into(), "datetime2(3)".into(), false),
            ("label".into(), label_type.into(), true),
        ]
    );
    let identity = users.columns[0].identity.clone().expect("identity");
    assert_eq!((identity.seed, identity.increment), (Some(10), Some(5)));
    // Only the explicit collation shows; Babelfish spells it its own way.
    assert_eq!(users.columns[1].collation, None);
    let bin2 = if babelfish { "bbf_unicode_bin2" } else { "Latin1_General_BIN2" };
    assert_eq!(users.columns[2].collation.as_deref(), Some(bin2));
    assert_eq!(users.columns[3].default.as_deref(), Some("0"));
    assert_eq!(users.columns[4].default.as_deref(), Some("sysutcdatetime()"));
    // Babelfish keeps no default's name; retort's own name is no name.
    let balance_default = if babelfish { None } else { Some("df_balance_zero") };
    assert_eq!(users.columns[3].default_name.as_deref(), balance_default);
    assert_eq!(users.columns[4].default_name, None);
    assert_eq!(users.columns[5].computed.as_deref(), Some("upper(email) stored"));
    assert_eq!(users.primary_key.as_ref().and_then(|k| k.name.as_deref()), Some("pk_users"));
    assert_eq!(users.uniques[0].name.as_deref(), Some("uq_users_email"));
    let invoices = &snapshot.tables["billing.invoices"];
    assert_eq!(invoices.foreign_keys[0].referenced_table, "users");
    assert_eq!(invoices.foreign_keys[0].on_delete, "CASCADE");
    assert_eq!(invoices.checks[0].name.as_deref(), Some("ck_invoices_total"));
    assert_eq!(invoices.checks[0].expression, "total >= 0");
    let names: Vec<(&str, bool, bool)> = invoices
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique, i.clustered))
        .collect();
    // Babelfish accepts CLUSTERED and ignores it.
    assert_eq!(
        names,
        [
            ("ix_invoices_open", true, false),
            ("ix_invoices_user", false, !babelfish)
        ]
    );
    assert_eq!(invoices.indexes[0].included, ["paid"]);
    assert_eq!(invoices.indexes[0].filter.as_deref(), Some("paid = 0"));
    assert!(invoices.indexes[1].columns[1].descending);
    assert!(snapshot.views["billing.unpaid"]
        .definition
        .starts_with("CREATE VIEW billing.unpaid AS"));
    assert!(snapshot.routines["billing.pay"]
        .definition
        .starts_with("CREATE PROCEDURE billing.pay"));
    assert_eq!(snapshot.sequences["billing.numbers"].start, 1000);
    assert_eq!(snapshot.sequences["billing.numbers"].increment, 10);
}

#[tokio::test]
async fn connection_errors_name_the_cause_without_the_password() {
    let db = retort::test_database!(MSSQL);
    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_password(Some("Wrong-Password-1")).unwrap();
    let error = retort::connect(&DatabaseUrl::parse(url.as_str()).unwrap())
        .await
        .err()
        .expect("login fails");
    let text = error.to_string();
    assert!(
        text.contains("error 18456") && !text.contains("Wrong-Password-1"),
        "{text}"
    );
    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_path("/retort_no_such_database");
    let error = retort::connect(&DatabaseUrl::parse(url.as_str()).unwrap())
        .await
        .err()
        .expect("no database");
    let text = error.to_string();
    // SQL Server refuses the database with 4060, Babelfish with 911.
    assert!(
        (text.contains("error 4060") || text.contains("error 911")) && text.contains("retort_no_such_database"),
        "{text}"
    );
    assert!(text.contains("it does not exist, or"), "{text}");
}

#[tokio::test]
async fn fixture_gives_isolated_databases_that_are_dropped() {
    let first = retort::test_database!(MSSQL);
    let second = retort::test_database!(MSSQL);
    assert_ne!(first.database_name(), second.database_name());
    assert!(!format!("{first:?}").contains(
        url::Url::parse(first.url())
            .unwrap()
            .password()
            .unwrap_or("\u{0}")
    ));
    upgrade(&first, &GRAPH, "a0a0").await.unwrap();
    assert!(tables(&second).await.is_empty(), "databases are isolated");
    let name = first
        .database_name()
        .expect("a server database has a name")
        .to_owned();
    let maintenance =
        DatabaseUrl::parse(first.__maintenance_url().expect("a maintenance URL")).unwrap();
    drop(first);
    let AnyBackend::Mssql(mut admin) = retort::connect(&maintenance).await.unwrap() else {
        panic!("SQL Server")
    };
    let mut query = tiberius::Query::new("SELECT COUNT(*) FROM sys.databases WHERE name = @P1");
    query.bind(name.as_str());
    let row = query
        .query(admin.client())
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>(0), Some(0), "{name} is dropped");
}

/// Five revisions, the third of which fails in its second batch.
static FAILS_AT_THREE: Migrations = Migrations::new(&[
    common::sql("f1f1", &[], "CREATE TABLE one (id int PRIMARY KEY);", "DROP TABLE one;"),
    common::sql("f2f2", &["f1f1"], "CREATE TABLE two (id int PRIMARY KEY);", "DROP TABLE two;"),
    common::sql(
        "f3f3",
        &["f2f2"],
        "CREATE TABLE three (id int PRIMARY KEY);\nGO\nINSERT INTO no_such_table (id) VALUES (1);\n",
        "DROP TABLE three;",
    ),
    common::sql("f4f4", &["f3f3"], "ALTER TABLE one ADD extra int NULL;", "ALTER TABLE one DROP COLUMN extra;"),
    common::sql("f5f5", &["f4f4"], "CREATE TABLE five (id int PRIMARY KEY);", "DROP TABLE five;"),
]);

#[tokio::test]
async fn offline_script_stops_at_the_first_failed_batch_in_any_client() {
    for options in [ScriptOptions::default(), ScriptOptions::idempotent()] {
        let offline = retort::test_database!(MSSQL);
        let expected = retort::test_database!(MSSQL);
        upgrade(&expected, &FAILS_AT_THREE, "f2f2").await.unwrap();
        let plan = retort::Plan::upgrade(&retort::RevisionGraph::new(&FAILS_AT_THREE), &Default::default(), &target("heads"))
            .unwrap();
        let flavour = common::flavour(&offline).await;
        let rendered = retort::render_plan(&plan, retort::Dialect::Mssql, flavour, retort::Start::Replay(&[])).unwrap();
        let script = retort::render_script_with(&rendered, &HistoryTable::default(), &options).unwrap();
        let outcome = common::run_script_allowing_errors(&offline, &script);
        assert!(
            outcome.errors.iter().any(|line| line.starts_with("Msg ")),
            "{}: the failure is reported\n{}\n{}",
            outcome.client,
            outcome.stdout,
            outcome.stderr
        );
        // Revisions 1 and 2 applied and recorded, 3 to 5 neither: nothing
        // ran in autocommit after the failed batch rolled revision 3 back.
        assert_eq!(common::applied(&offline).await, strings(&["f1f1", "f2f2"]), "{options:?}");
        assert_eq!(tables(&offline).await, strings(&["one", "two"]), "{options:?}");
        common::assert_same_schema(&offline, &expected).await;
        assert!(
            !common::events(&offline).await.iter().any(|event| event.starts_with("f3f3")),
            "the failed revision is not in the log"
        );
    }
}

/// A statement that fails in the middle of revision 3's second batch of
/// [`stopping_fixture`], and the error number each server reports for it.
struct ErrorKind {
    name: &'static str,
    statement: &'static str,
    sql_server: u32,
    babelfish: u32,
}

/// Errors of severity 11 or more, of every way a server handles them:
/// `RAISERROR` does not end the batch even under `XACT_ABORT`, a missing
/// object is a (re)compile error that `TRY … CATCH` does not catch at its
/// own level, and the others end the batch and the transaction under
/// `XACT_ABORT`; but on Babelfish (4.2.0) a `DROP` of a missing table does
/// not: under `XACT_ABORT` alone the revision went on and committed, and
/// only the `TRY` around its batch stops it.
static ERROR_KINDS: [ErrorKind; 8] = [
    ErrorKind { name: "RAISERROR 16", statement: "RAISERROR(N'boom', 16, 1);", sql_server: 50000, babelfish: 50000 },
    ErrorKind { name: "THROW", statement: "THROW 50001, N'thrown', 1;", sql_server: 50001, babelfish: 50001 },
    ErrorKind {
        name: "primary key violation",
        statement: "INSERT INTO three (id, v) VALUES (1, 5);",
        sql_server: 2627,
        babelfish: 2627,
    },
    ErrorKind {
        name: "missing object",
        statement: "INSERT INTO no_such_table (id) VALUES (1);",
        sql_server: 208,
        babelfish: 33557097,
    },
    ErrorKind {
        name: "DROP of a missing table",
        statement: "DROP TABLE no_such_table;",
        sql_server: 3701,
        babelfish: 3701,
    },
    ErrorKind { name: "1/0", statement: "UPDATE three SET v = v / 0 WHERE id = 1;", sql_server: 8134, babelfish: 8134 },
    ErrorKind {
        name: "arithmetic overflow",
        statement: "UPDATE three SET v = v + 2147483647 WHERE id = 2;",
        sql_server: 8115,
        babelfish: 8115,
    },
    ErrorKind {
        name: "CHECK violation",
        statement: "INSERT INTO three (id, v) VALUES (4, -1);",
        sql_server: 547,
        babelfish: 547,
    },
];

impl ErrorKind {
    fn code(&self, server: retort::Flavour) -> u32 {
        match server {
            retort::Flavour::Standard => self.sql_server,
            retort::Flavour::Babelfish => self.babelfish,
        }
    }
}

fn create_four(op: &mut retort::Operations) {
    use retort::op::Type;
    op.create_table("four", |t| {
        t.column("id", Type::Int).primary_key();
    });
}

/// Five revisions; the third (transactional or not) runs `error` on line 5,
/// in the middle of its second batch, between rows inserted before and after
/// it. The fourth is a Rust revision, rendered for the script's flavour.
fn stopping_fixture(error: &str, transactional: bool) -> &'static Migrations {
    let three: &'static str = Box::leak(
        format!(
            "CREATE TABLE three (id int PRIMARY KEY, v int NOT NULL CONSTRAINT ck_three_v CHECK (v >= 0));\n\
             INSERT INTO three (id, v) VALUES (1, 1);\nGO\nINSERT INTO three (id, v) VALUES (2, 2);\n{error}\n\
             INSERT INTO three (id, v) VALUES (3, 3);\nINSERT INTO one (id) VALUES (3);\n"
        )
        .into_boxed_str(),
    );
    let revisions: &'static [retort::Revision] = Box::leak(Box::new([
        common::sql("f1f1", &[], "CREATE TABLE one (id int PRIMARY KEY);", "DROP TABLE one;"),
        common::sql("f2f2", &["f1f1"], "CREATE TABLE two (id int PRIMARY KEY);", "DROP TABLE two;"),
        retort::Revision { transactional, ..common::sql("f3f3", &["f2f2"], three, "DROP TABLE three;") },
        retort::Revision {
            body: retort::Body::Rust { upgrade: create_four, downgrade: None },
            ..common::sql("f4f4", &["f3f3"], "", "")
        },
        common::sql("f5f5", &["f4f4"], "CREATE TABLE five (id int PRIMARY KEY);", "DROP TABLE five;"),
    ]));
    Box::leak(Box::new(Migrations::new(revisions)))
}

/// Empties a database [`stopping_fixture`] ran on, for the next run.
async fn reset(db: &retort::testing::TestDatabase) {
    connect(db)
        .await
        .execute(&retort::engine::Unit::sql(
            "DROP TABLE IF EXISTS five, four, three, two, one, retort_history_log, retort_history;",
            "reset",
        ))
        .await
        .expect("the fixture's tables drop");
}

/// A query's one text column, on an open session (one session for all the
/// checks of a run: signing in to the server is what takes time).
async fn column(backend: &mut AnyBackend, sql: &str) -> Vec<String> {
    let rows = backend.query(sql, &[]).await.expect("the query runs").unwrap_or_default();
    rows.into_iter()
        .map(|row| match row.into_iter().next() {
            Some(retort::Value::Text(text)) => text,
            other => panic!("a text column, not {other:?}"),
        })
        .collect()
}

/// What is wrong with `db` after [`stopping_fixture`] stopped at revision 3:
/// revisions 1 and 2 applied, nothing of revision 3 recorded as applied,
/// nothing after the error run (the rows inserted after it, revisions 4 and
/// 5), and, when revision 3 is transactional, nothing of it left: the
/// schema is `expected`, revision 2's.
async fn left_behind(db: &retort::testing::TestDatabase, expected: &retort::schema::SchemaSnapshot, transactional: bool) -> Vec<String> {
    let mut backend = connect(db).await;
    let mut problems = Vec::new();
    let mut check = |what: &str, actual: Vec<String>, wanted: &[&str]| {
        if actual != strings(wanted) {
            problems.push(format!("{what}: {actual:?}, expected {wanted:?}"));
        }
    };
    let applied = "SELECT revision_id FROM retort_history WHERE status = 'applied' ORDER BY revision_id";
    check("applied", column(&mut backend, applied).await, &["f1f1", "f2f2"]);
    // Online, a failed revision logs its failure; nothing else of 3 to 5.
    let later = "SELECT CONCAT(revision_id, N' ', action, N' ', outcome) FROM dbo.retort_history_log \
                 WHERE revision_id NOT IN (N'f1f1', N'f2f2') AND outcome <> N'failed' ORDER BY id";
    check("events of revisions 3 to 5", column(&mut backend, later).await, &[]);
    let one = "SELECT CAST(id AS nvarchar(10)) FROM one";
    check("rows of one (inserted after the error)", column(&mut backend, one).await, &[]);
    let tables = "SELECT name FROM sys.tables WHERE SCHEMA_NAME(schema_id) = N'dbo' AND name NOT LIKE 'retort%' ORDER BY name";
    if transactional {
        check("tables", column(&mut backend, tables).await, &["one", "two"]);
        match backend.introspect(&HistoryTable::default()).await {
            Ok(actual) if actual == *expected => {}
            actual => problems.push(format!("the schema is not revision 2's: {actual:?}")),
        }
    } else {
        // Batch 1 and the statement before the error committed on their own.
        check("tables", column(&mut backend, tables).await, &["one", "three", "two"]);
        let three = "SELECT CAST(id AS nvarchar(10)) FROM three ORDER BY id";
        check("rows of three", column(&mut backend, three).await, &["1", "2"]);
    }
    problems
}

/// Revision 2's schema, as an online upgrade builds it on `db`.
async fn schema_at_revision_two(db: &retort::testing::TestDatabase) -> retort::schema::SchemaSnapshot {
    upgrade(db, stopping_fixture("", true), "f2f2").await.unwrap();
    connect(db).await.introspect(&HistoryTable::default()).await.unwrap()
}

/// One database per error kind, for the kinds to run side by side (each run
/// signs in to the server several times, which is what takes time).
macro_rules! database_per_kind {
    () => {{
        let mut databases = Vec::new();
        for _ in &ERROR_KINDS {
            databases.push(retort::test_database!(MSSQL));
        }
        databases
    }};
}

/// Runs `runs` for each error kind on its own database, side by side, and
/// asserts that none found a problem.
async fn for_every_kind<'a, F, R>(databases: &'a [retort::testing::TestDatabase], runs: R)
where
    R: Fn(&'static ErrorKind, &'a retort::testing::TestDatabase) -> F,
    F: std::future::Future<Output = (usize, Vec<String>)>,
{
    let all = futures_util::future::join_all(ERROR_KINDS.iter().zip(databases).map(|(kind, db)| runs(kind, db))).await;
    let (mut count, mut failures) = (0, Vec::new());
    for (runs, problems) in all {
        count += runs;
        failures.extend(problems);
    }
    assert!(failures.is_empty(), "{} of {count} runs did not stop:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{count} runs stopped at their error");
}

/// The offline scripts of [`stopping_fixture`] with `kind`'s error, for
/// both flavours (once when they are the same text), plain and idempotent,
/// run by the client on `db`; returns how many ran and their problems.
async fn offline_runs(
    kind: &'static ErrorKind,
    db: &retort::testing::TestDatabase,
    expected: &retort::schema::SchemaSnapshot,
    server: retort::Flavour,
) -> (usize, Vec<String>) {
    let (mut runs, mut failures) = (0, Vec::new());
    for transactional in [true, false] {
        let migrations = stopping_fixture(kind.statement, transactional);
        let plan =
            retort::Plan::upgrade(&retort::RevisionGraph::new(migrations), &Default::default(), &target("heads")).unwrap();
        for options in [ScriptOptions::default(), ScriptOptions::idempotent()] {
            let mut scripts: Vec<(String, String)> = Vec::new();
            for flavour in [retort::Flavour::Standard, retort::Flavour::Babelfish] {
                let rendered = retort::render_plan(&plan, retort::Dialect::Mssql, flavour, retort::Start::Replay(&[])).unwrap();
                let script = retort::render_script_with(&rendered, &HistoryTable::default(), &options).unwrap();
                match scripts.iter_mut().find(|(_, text)| *text == script) {
                    Some((flavours, _)) => flavours.push_str(&format!(" and {flavour:?}")),
                    None => scripts.push((format!("{flavour:?}"), script)),
                }
            }
            for (flavours, script) in scripts {
                reset(db).await;
                let url = db.url().to_owned();
                let outcome = tokio::task::spawn_blocking(move || common::run_script_on(MSSQL, &url, &script))
                    .await
                    .expect("the client ran");
                let run = format!(
                    "{} in a {}transactional revision, {} script for {flavours}",
                    kind.name,
                    if transactional { "" } else { "non-" },
                    if options.idempotent { "idempotent" } else { "--sql" },
                );
                runs += 1;
                let mut problems = left_behind(db, expected, transactional).await;
                let output = format!("{}\n{}", outcome.stdout, outcome.stderr);
                let code = format!("Msg {}", kind.code(server));
                if !outcome.errors.iter().any(|line| line.trim_start().starts_with(&code)) {
                    problems.push(format!("{} did not report {code}: {:?}", outcome.client, outcome.errors));
                }
                // tsql runs the guard after the failed batch, which names the
                // revision and the batch whatever the error was.
                if outcome.client == "tsql"
                    && !output.contains("retort: batch 2 of upgrade f3f3 (migrations/fixture.sql:4) failed")
                {
                    problems.push(format!("no notice naming revision f3f3 and its batch 2:\n{output}"));
                }
                if !problems.is_empty() {
                    failures.push(format!("{run}:\n  {}", problems.join("\n  ")));
                }
            }
        }
    }
    (runs, failures)
}

#[tokio::test]
async fn offline_scripts_stop_at_any_error_of_any_statement_in_any_client() {
    let expected = schema_at_revision_two(&retort::test_database!(MSSQL)).await;
    let databases = database_per_kind!();
    let server = common::flavour(&databases[0]).await;
    for_every_kind(&databases, |kind, db| offline_runs(kind, db, &expected, server)).await;
}

/// An online upgrade of [`stopping_fixture`] with `kind`'s error, its third
/// revision transactional and not, on `db`; returns how many ran and their
/// problems.
async fn online_runs(
    kind: &'static ErrorKind,
    db: &retort::testing::TestDatabase,
    expected: &retort::schema::SchemaSnapshot,
    server: retort::Flavour,
) -> (usize, Vec<String>) {
    let (mut runs, mut failures) = (0, Vec::new());
    for transactional in [true, false] {
        reset(db).await;
        let result = upgrade(db, stopping_fixture(kind.statement, transactional), "heads").await;
        let run = format!("{} in a {}transactional revision", kind.name, if transactional { "" } else { "non-" });
        runs += 1;
        let mut problems = left_behind(db, expected, transactional).await;
        match result {
            Ok(ids) => problems.push(format!("the upgrade succeeded: {ids:?}")),
            Err(error) => {
                let text = error.to_string();
                // The error's own line, even where the server reports the
                // line that raised it again.
                let wanted = "revision f3f3 failed at migrations/fixture.sql:5, statement 2";
                let code = format!("(code {})", kind.code(server));
                if !text.contains(wanted) || !text.contains(&code) {
                    problems.push(format!("the error does not say `{wanted}` and `{code}`: {text}"));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{run}:\n  {}", problems.join("\n  ")));
        }
    }
    (runs, failures)
}

#[tokio::test]
async fn online_upgrade_stops_at_any_error_of_any_statement() {
    let expected = schema_at_revision_two(&retort::test_database!(MSSQL)).await;
    let databases = database_per_kind!();
    let server = common::flavour(&databases[0]).await;
    for_every_kind(&databases, |kind, db| online_runs(kind, db, &expected, server)).await;
}

/// The fixture revision of `tests/sqlcmd/migrations`, read by retort-build as
/// a project's build script reads it (its `:r` files included), with the
/// project's `[variables]` as the build embeds them.
fn sqlcmd_fixture() -> &'static Migrations {
    sqlcmd_fixture_with(&[("", "Nested", "every profile"), ("prod", "Nested", "prod only")])
}

/// [`sqlcmd_fixture`] with these project `[variables]`.
fn sqlcmd_fixture_with(variables: &'static [(&'static str, &'static str, &'static str)]) -> &'static Migrations {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sqlcmd");
    let table = retort_build::validate(retort_build::scan(&root, std::path::Path::new("migrations"))).expect("the fixture builds");
    let parsed = &table.revisions[0];
    let retort_build::RevisionKind::Sql { up_expanded: Some(up), down: Some(down), up_lines, .. } = &parsed.kind else {
        panic!("the fixture is an SQL revision that includes files: {:?}", parsed.kind)
    };
    let down = std::fs::read_to_string(down).expect("the fixture's down script");
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    // Where the expanded lines were written, as the generated table says.
    let up_runs: Vec<(u32, &'static str, u32)> = up_lines.iter().map(|(at, file, line)| (*at, leak(file.clone()), *line)).collect();
    let sources = retort::ScriptSources { up: Box::leak(up_runs.into_boxed_slice()), down: &[] };
    let revision = retort::Revision {
        transactional: parsed.transactional,
        source: leak(parsed.source.clone()),
        body: retort::Body::Sql { up: leak(up.clone()), down: Some(leak(down)), sources },
        ..common::sql("5c3d00000001", &[], "", "")
    };
    let revisions: &'static [retort::Revision] = Box::leak(Box::new([revision]));
    Box::leak(Box::new(Migrations::new(revisions).with_variables(variables)))
}

/// `ViewName` from the command line, `Origin` from the environment, `Nested`
/// from the project's profile, the rest from the scripts' `:setvar`.
fn sqlcmd_config() -> MigratorConfig {
    std::env::set_var("RETORT_VAR_Origin", "from the environment");
    MigratorConfig {
        variables: retort::Variables::new().with_value("ViewName", "sq_people_view").with_profile("prod"),
        ..Default::default()
    }
}

#[tokio::test]
async fn sqlcmd_revision_with_every_command_applies_round_trips_and_runs_offline_in_tsql() {
    let migrations = sqlcmd_fixture();
    let online = retort::test_database!(MSSQL);
    let mut backend = connect(&online).await;
    Migrator::with_config(migrations, sqlcmd_config()).upgrade(&mut backend, &target("heads")).await.unwrap();
    // `GO 2` ran the batch of the two included INSERTs twice; the batch
    // after `:on error ignore` failed and the run went on to the view.
    assert_eq!(
        texts(&online, "SELECT CONCAT(v.note, N' | ', p.origin) FROM sq_people_view v JOIN sq_people p ON p.id = v.id ORDER BY p.id").await,
        ["hello \"world\" | from the environment", "prod only | ", "hello \"world\" | from the environment", "prod only | "]
    );
    // The event log says which values ran.
    assert_eq!(
        texts(&online, "SELECT detail FROM dbo.retort_history_log WHERE action = N'upgrade'").await,
        ["sqlcmd variables: TableName=sq_people, Greeting=hello \"world\", Origin=from the environment, Nested=prod only, ViewName=sq_people_view"]
    );
    Migrator::with_config(migrations, sqlcmd_config()).downgrade(&mut backend, &target("base")).await.unwrap();
    assert!(tables(&online).await.is_empty());

    retort::testing::RoundTrip::new(migrations).config(sqlcmd_config()).check(MSSQL).await;

    // Offline: the same substitution, and the script runs in tsql to the
    // same schema as online.
    Migrator::with_config(migrations, sqlcmd_config()).upgrade(&mut backend, &target("heads")).await.unwrap();
    let offline = retort::test_database!(MSSQL);
    let plan = retort::Plan::upgrade(&retort::RevisionGraph::new(migrations), &Default::default(), &target("heads")).unwrap();
    let mut rendered = retort::render_plan(&plan, retort::Dialect::Mssql, common::flavour(&offline).await, retort::Start::Replay(&[])).unwrap();
    sqlcmd_config().variables.apply(migrations.variables(), &mut rendered, Some(retort::Keep::Secrets)).unwrap();
    let script = retort::render_script_with(&rendered, &HistoryTable::default(), &ScriptOptions::default()).unwrap();
    assert!(!script.replace("$(NotAVariable)", "").contains("$(") && script.contains("$(NotAVariable)"), "{script}");
    let outcome = common::run_script_allowing_errors(&offline, &script);
    assert!(outcome.success, "{}\n{}\n{script}", outcome.stdout, outcome.stderr);
    // The one failure is the batch `:on error ignore` lets through.
    assert!(outcome.errors.iter().all(|e| !e.contains("Msg ") || e.contains("50001")), "{:?}", outcome.errors);
    common::assert_same_schema(&offline, &online).await;
    assert_eq!(texts(&offline, "SELECT CAST(COUNT(*) AS nvarchar(10)) FROM sq_people").await, ["4"]);
}

#[tokio::test]
async fn sqlcmd_variable_without_a_value_stops_the_run_before_anything_runs() {
    let migrations = sqlcmd_fixture();
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let config = MigratorConfig { variables: retort::Variables::new(), ..sqlcmd_config() };
    let error = Migrator::with_config(migrations, config).upgrade(&mut backend, &target("heads")).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "revision 5c3d00000001: sqlcmd variable `$(ViewName)` at migrations/5c3d00000001_every_sqlcmd_command.up.sql:17 has no value"
        ) && message.contains("--var ViewName="),
        "{message}"
    );
    assert!(tables(&db).await.is_empty(), "nothing ran: the table of the first batch is not there");
}

#[tokio::test]
async fn sqlcmd_variable_without_a_value_in_an_included_file_names_that_file_and_its_line() {
    // No project `[variables]`: `Nested`, used by the file that
    // `include/rows.sql` includes, has no value.
    let migrations = sqlcmd_fixture_with(&[]);
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let error = Migrator::with_config(migrations, sqlcmd_config()).upgrade(&mut backend, &target("heads")).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "revision 5c3d00000001: sqlcmd variable `$(Nested)` at migrations/include/nested/more.sql:1 has no value, so \
         nothing was run: give it with `--var Nested=…`, the environment variable `RETORT_VAR_Nested`, the project's \
         [variables], or `:setvar Nested …` in the script"
    );
    assert!(tables(&db).await.is_empty(), "nothing ran");
}

#[tokio::test]
async fn sqlcmd_failing_statement_in_an_included_file_names_that_file_and_its_line() {
    // A value that keeps the quotes balanced but gives the INSERT of
    // `include/rows.sql` one value too many.
    let migrations = sqlcmd_fixture();
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let config = MigratorConfig { variables: sqlcmd_config().variables.with_value("Greeting", "x', N'y"), ..sqlcmd_config() };
    let error = Migrator::with_config(migrations, config).upgrade(&mut backend, &target("heads")).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("upgrade of revision 5c3d00000001 failed at migrations/include/rows.sql:1"),
        "{message}"
    );
}

#[tokio::test]
async fn sqlcmd_values_a_revision_ran_with_are_read_back_for_history_with_secrets_hidden() {
    let up = "CREATE TABLE $(Tbl) (note nvarchar(50));\nGO\nINSERT INTO $(Tbl) VALUES (N'$(AppPassword)');\n";
    let revisions: &'static [retort::Revision] = Box::leak(Box::new([common::sql("5c3d000000a1", &[], up, "DROP TABLE $(Tbl);")]));
    let migrations: &'static Migrations = Box::leak(Box::new(Migrations::new(revisions)));
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let config = || MigratorConfig {
        variables: retort::Variables::new().with_value("Tbl", "sq_history").with_value("AppPassword", "hunter2-zz9"),
        ..Default::default()
    };
    let migrator = Migrator::with_config(migrations, config());
    assert!(migrator.recorded_variables(&mut backend).await.unwrap().is_empty(), "no history table yet");
    migrator.upgrade(&mut backend, &target("heads")).await.unwrap();
    let recorded = migrator.recorded_variables(&mut backend).await.unwrap();
    assert_eq!(
        recorded.into_iter().collect::<Vec<_>>(),
        [("5c3d000000a1".to_owned(), "Tbl=sq_history, AppPassword=<secret>".to_owned())]
    );
    // After a downgrade the log keeps the row; `migrate history` shows
    // values only under an applied revision.
    migrator.downgrade(&mut backend, &target("base")).await.unwrap();
    assert_eq!(migrator.recorded_variables(&mut backend).await.unwrap().len(), 1);
}

#[test]
fn sqlcmd_include_cycle_and_unsupported_command_fail_the_build_with_file_and_line() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sqlcmd");
    let errors = |folder: &str| -> Vec<String> {
        let scan = retort_build::scan(&root.join(folder), std::path::Path::new("migrations"));
        scan.errors.iter().map(ToString::to_string).collect()
    };
    assert_eq!(
        errors("cycle"),
        ["migrations/cycle.sql:2:1: `:r` includes a file that is already being included: migrations/5c3d00000002_cycle.up.sql:5:1 includes migrations/cycle.sql, migrations/cycle.sql:2:1 includes migrations/5c3d00000002_cycle.up.sql; remove one of these `:r` lines"]
    );
    let unsupported = errors("unsupported");
    assert_eq!(unsupported.len(), 1, "{unsupported:?}");
    assert!(
        unsupported[0].starts_with("migrations/5c3d00000003_unsupported.up.sql:6:1: sqlcmd command `:connect` is not supported"),
        "{}",
        unsupported[0]
    );
}
