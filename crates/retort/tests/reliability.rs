//! The trials of a demanding user, kept in the suite: migrators killed at
//! random points, eight migrator processes at once, a syntax error deep in a
//! long run, revisions that take time, and revisions that opted out of
//! transactions. Each runs on every backend: a backend that executes many
//! revisions at once (PostgreSQL) must give the answers of the plain path.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{applied, connect, events, strings, tables, target, url};
use retort::testing::{BackendKind, TestDatabase};
use retort::{Body, Checksum, HistoryTable, MigrateError, Migrations, Migrator, Revision};

on_every_backend!(
    syntax_error_deep_in_a_run_is_blamed_on_its_own_revision,
    one_connection_runs_again_after_a_failed_run,
    each_revision_records_its_own_start_and_duration,
    each_revision_is_reported_as_it_commits,
    non_transactional_revision_runs_statement_by_statement,
    killed_migrators_leave_tables_and_history_in_step,
    eight_migrator_processes_apply_each_revision_once,
    failing_first_statement_is_located_on_its_own_line,
);

/// A chain of `count` SQL revisions `r000`, `r001`, … whose bodies `body`
/// writes for revision `n`, built at run time (the table is `'static` like a
/// compiled one).
fn chain(count: usize, body: impl Fn(usize) -> (String, String)) -> &'static Migrations {
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let ids: Vec<&'static str> = (0..count).map(|n| leak(format!("r{n:03}"))).collect();
    let revisions: Vec<Revision> = (0..count)
        .map(|n| {
            let (up, down) = body(n);
            let parents: &'static [&'static str] = match n {
                0 => &[],
                _ => Box::leak(vec![ids[n - 1]].into_boxed_slice()),
            };
            Revision {
                id: ids[n],
                parents,
                depends_on: &[],
                branch_labels: &[],
                message: ids[n],
                checksum: Checksum([1; 32]),
                transactional: true,
                irreversible: None,
                lock_timeout: None,
                source: leak(format!("migrations/{}_step.up.sql", ids[n])),
                body: Body::Sql { up: leak(up), down: Some(leak(down)), sources: retort::ScriptSources::NONE },
            }
        })
        .collect();
    Box::leak(Box::new(Migrations::new(Box::leak(revisions.into_boxed_slice()))))
}

/// SQL that takes about `millis` milliseconds on `kind`.
fn pause(kind: BackendKind, millis: u32) -> String {
    match kind {
        BackendKind::Postgres => format!("SELECT pg_sleep({});", f64::from(millis) / 1000.0),
        // Babelfish has no WAITFOR; each server's sleep sits in EXEC.
        BackendKind::Mssql => format!(
            "IF CAST(SERVERPROPERTY('Babelfish') AS nvarchar(10)) = N'1' \
             EXEC(N'DECLARE @slept nvarchar(10) = CAST(pg_sleep({}) AS nvarchar(10))') \
             ELSE EXEC(N'WAITFOR DELAY ''00:00:{:02}.{:03}''');",
            f64::from(millis) / 1000.0,
            millis / 1000,
            millis % 1000
        ),
        // SQLite has no sleep: the tests' connections have one (`common::connect`).
        BackendKind::Sqlite => format!("SELECT {}({millis});", common::SQLITE_SLEEP),
    }
}

fn create_table(n: usize) -> (String, String) {
    (format!("CREATE TABLE t{n:03} (id INTEGER PRIMARY KEY);"), format!("DROP TABLE t{n:03};"))
}

async fn upgrade(db: &TestDatabase, migrations: &'static Migrations) -> Result<Vec<&'static str>, MigrateError> {
    let mut backend = connect(db).await;
    let steps = Migrator::new(migrations).upgrade(&mut backend, &target("heads")).await?;
    Ok(steps.iter().map(|step| step.id).collect())
}

async fn syntax_error_deep_in_a_run_is_blamed_on_its_own_revision(kind: BackendKind) {
    let db = retort::test_database!(kind);
    // Fifteen revisions, the tenth with a typo: PostgreSQL parses a whole
    // message before running any of it.
    let migrations = chain(15, |n| match n {
        9 => (
            format!("CREATE TABLE t{n:03} (id INTEGER PRIMARY KEY);\nINSRT INTO t{n:03} (id) VALUES (1);"),
            format!("DROP TABLE t{n:03};"),
        ),
        n => create_table(n),
    });
    let error = upgrade(&db, migrations).await.unwrap_err();
    let MigrateError::Statement(failure) = &error else { panic!("a statement failure: {error}") };
    assert_eq!(failure.id, "r009", "{error}");
    assert_eq!(failure.file, "migrations/r009_step.up.sql");
    assert_eq!(failure.location.as_deref(), Some("migrations/r009_step.up.sql:2"), "{error}");
    assert!(failure.sql.starts_with("INSRT INTO t009"), "the statement alone: {error}");
    // The nine before it stay committed, and the log says the truth.
    let before: Vec<String> = (0..9).map(|n| format!("r{n:03}")).collect();
    assert_eq!(applied(&db).await, before);
    let log = events(&db).await;
    let failed: Vec<&String> = log.iter().filter(|event| event.ends_with("failed")).collect();
    assert_eq!(failed, [&"r009 upgrade failed".to_owned()], "{log:?}");
    assert_eq!(log.len(), 10, "{log:?}");
}

async fn one_connection_runs_again_after_a_failed_run(kind: BackendKind) {
    let db = retort::test_database!(kind);
    // The sixth revision fails while it runs (not when it is parsed).
    let migrations = chain(8, |n| match n {
        5 => (format!("CREATE TABLE t{n:03} (id INTEGER PRIMARY KEY);\nINSERT INTO missing (id) VALUES (1);"), format!("DROP TABLE t{n:03};")),
        n => create_table(n),
    });
    let migrator = Migrator::new(migrations);
    // One connection throughout: whatever a failed run left in its session
    // (on PostgreSQL, the history writes it prepared) must not break the next.
    let mut backend = connect(&db).await;
    let error = migrator.upgrade(&mut backend, &target("heads")).await.unwrap_err();
    assert!(matches!(&error, MigrateError::Statement(failure) if failure.id == "r005"), "{error}");
    let ran = migrator.downgrade(&mut backend, &target("base")).await.unwrap();
    assert_eq!(ran.len(), 5);
    let ran = migrator.upgrade(&mut backend, &target("r004")).await.unwrap();
    let ids: Vec<&str> = ran.iter().map(|step| step.id).collect();
    assert_eq!(ids, ["r000", "r001", "r002", "r003", "r004"]);
    let five: Vec<String> = (0..5).map(|n| format!("r{n:03}")).collect();
    assert_eq!(applied(&db).await, five);
    assert_eq!(tables(&db).await, (0..5).map(|n| format!("t{n:03}")).collect::<Vec<_>>());
    let log = events(&db).await;
    let expected: Vec<String> = (0..5)
        .map(|n| format!("r{n:03} upgrade ok"))
        .chain(["r005 upgrade failed".to_owned()])
        .chain((0..5).rev().map(|n| format!("r{n:03} downgrade ok")))
        .chain((0..5).map(|n| format!("r{n:03} upgrade ok")))
        .collect();
    assert_eq!(log, expected);
}

async fn each_revision_records_its_own_start_and_duration(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let migrations = chain(4, |n| {
        let (up, down) = create_table(n);
        (format!("{up}\n{}", pause(kind, 300)), down)
    });
    upgrade(&db, migrations).await.unwrap();
    let mut backend = connect(&db).await;
    let rows = retort::engine::read_history(&mut backend, &HistoryTable::default()).await.unwrap().unwrap();
    assert_eq!(rows.len(), 4);
    // Not cumulative: the four equal revisions took about the same time
    // each (the fourth would count four times the first's if it counted
    // from the start of the run). Each sleeps 300 ms.
    let times: Vec<i64> = rows.iter().map(|row| row.execution_ms).collect();
    let (fastest, slowest) = (times.iter().min().copied().unwrap_or(0), times.iter().max().copied().unwrap_or(0));
    assert!(fastest > 0 && slowest < fastest * 5 / 2, "{times:?}");
    assert!(times.iter().all(|ms| (250..900).contains(ms)), "{times:?}");
    let started: Vec<&str> = rows.iter().map(|row| row.applied_at.as_str()).collect();
    assert!(started.windows(2).all(|pair| pair[0] < pair[1]), "each its own time: {started:?}");
}

async fn each_revision_is_reported_as_it_commits(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let migrations = chain(3, |n| match n {
        2 => {
            let (up, down) = create_table(n);
            (format!("{up}\n{}", pause(kind, 2500)), down)
        }
        n => create_table(n),
    });
    let started = Instant::now();
    let reported: Arc<Mutex<Vec<(String, Duration)>>> = Arc::default();
    let sink = Arc::clone(&reported);
    let migrator = Migrator::new(migrations).with_progress(move |step, _, _| {
        sink.lock().unwrap().push((step.id.to_owned(), started.elapsed()));
    });
    let mut backend = connect(&db).await;
    migrator.upgrade(&mut backend, &target("heads")).await.unwrap();
    let reported = reported.lock().unwrap().clone();
    assert_eq!(reported.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["r000", "r001", "r002"]);
    // The first two before the slow third one ends, not all at the end: the
    // third sleeps 2.5 s after the second commits, so reported as each
    // commits, it comes at least that long after the second (2 s leaves
    // half a second of margin for clocks); reported at the end of the run,
    // all three would come together. No bound on when the run starts: a
    // loaded server can take seconds to create the history tables.
    let gap = reported[2].1.saturating_sub(reported[1].1);
    assert!(gap >= Duration::from_millis(2000), "{reported:?}");
}

async fn non_transactional_revision_runs_statement_by_statement(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let loose: &'static [Revision] = Box::leak(Box::new([Revision {
        transactional: false,
        body: Body::Sql {
            up: "-- revision: l0l0\n-- transactional: false\nCREATE TABLE first_one (id INTEGER PRIMARY KEY);\n\
                 CREATE TABLE second_one (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table (id) VALUES (1);\n",
            down: Some("DROP TABLE second_one;\nDROP TABLE first_one;"),
            sources: retort::ScriptSources::NONE,
        },
        ..common::sql("l0l0", &[], "", "")
    }]));
    let migrations: &'static Migrations = Box::leak(Box::new(Migrations::new(loose)));
    let error = upgrade(&db, migrations).await.unwrap_err().to_string();
    // What ran before the failure stayed, and the message says exactly that.
    assert_eq!(tables(&db).await, strings(&["first_one", "second_one"]), "{error}");
    match kind {
        // SQL Server numbers batches, and its server names the failing line.
        BackendKind::Mssql => {
            assert!(error.contains("stayed applied (the statements of batch 1 of script before line 5)"), "{error}");
            assert!(error.contains("migrations/fixture.sql:5, statement 1"), "{error}");
        }
        _ => {
            assert!(error.contains("stayed applied (statements 1–2 of script)"), "{error}");
            assert!(error.contains("migrations/fixture.sql:5, statement 3"), "{error}");
        }
    }
    if kind == BackendKind::Postgres {
        // The reason to opt out: statements that refuse a transaction block.
        let concurrent: &'static [Revision] = Box::leak(Box::new([Revision {
            transactional: false,
            body: Body::Sql {
                up: "CREATE TABLE indexed (a INTEGER, b INTEGER);\nCREATE INDEX CONCURRENTLY ix_a ON indexed (a);\n\
                     CREATE INDEX CONCURRENTLY ix_b ON indexed (b);\n",
                down: Some("DROP TABLE indexed;"),
                sources: retort::ScriptSources::NONE,
            },
            ..common::sql("c0c0", &[], "", "")
        }]));
        let db = retort::test_database!(kind);
        let migrations: &'static Migrations = Box::leak(Box::new(Migrations::new(concurrent)));
        upgrade(&db, migrations).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(applied(&db).await, strings(&["c0c0"]));
    }
}

/// The revisions the kill and concurrency trials run: each creates a table
/// and fills a row, taking a little time.
fn trial(kind: BackendKind, count: usize) -> &'static Migrations {
    chain(count, move |n| {
        (
            format!(
                "CREATE TABLE t{n:03} (id INTEGER PRIMARY KEY);\nINSERT INTO t{n:03} (id) VALUES ({n});\n{}",
                pause(kind, 30)
            ),
            format!("DROP TABLE t{n:03};"),
        )
    })
}

const TRIAL_REVISIONS: usize = 40;

/// Not a test of its own: the migrator process the kill and concurrency
/// trials start (and kill). Ignored so that a normal run skips it.
#[tokio::test]
#[ignore = "run only as a child of the reliability trials"]
async fn trial_migrator_child() {
    let url = std::env::var("RETORT_TRIAL_URL").expect("started by a trial");
    let url = retort::DatabaseUrl::parse(&url).unwrap();
    let kind = match url.dialect() {
        retort::Dialect::Sqlite => BackendKind::Sqlite,
        retort::Dialect::Postgres => BackendKind::Postgres,
        retort::Dialect::Mssql => BackendKind::Mssql,
    };
    let mut backend = common::connect_to(&url).await;
    let config = retort::MigratorConfig { lock_timeout: Duration::from_secs(120), ..Default::default() };
    Migrator::with_config(trial(kind, TRIAL_REVISIONS), config)
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap();
}

fn start_child(db: &TestDatabase) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "trial_migrator_child", "--ignored", "--quiet"])
        .env("RETORT_TRIAL_URL", db.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Every applied revision's table exists with its row, no other table
/// does, and nothing is left running or failed.
async fn assert_in_step(db: &TestDatabase, context: &str) {
    // Once the lock can be had, the server has rolled back the dead
    // session's transaction: the state below is final.
    let mut waiter = connect(db).await;
    retort::Session::lock(&mut waiter, Duration::from_secs(60)).await.unwrap();
    retort::Session::unlock(&mut waiter).await.unwrap();
    let history = retort::engine::read_history(&mut waiter, &HistoryTable::default()).await.unwrap().unwrap_or_default();
    assert!(history.iter().all(|row| row.status == retort::Status::Applied), "{context}: {history:?}");
    let mut expected: Vec<String> = history.iter().map(|row| format!("t{}", &row.id[1..])).collect();
    expected.sort();
    assert_eq!(tables(db).await, expected, "{context}: tables and history rows");
}

async fn killed_migrators_leave_tables_and_history_in_step(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let mut kills = 0;
    // Kill points spread over a run, shifted by the clock so that runs
    // differ; each later attempt resumes where the last one stopped.
    let shift = u64::from(Instant::now().elapsed().subsec_nanos() % 97)
        + std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| u64::from(d.subsec_millis()));
    for delay in [40u64, 150, 320, 500, 700, 1000] {
        let mut child = start_child(&db);
        std::thread::sleep(Duration::from_millis(delay + shift % 60));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        assert_in_step(&db, &format!("after a kill at {delay} ms")).await;
    }
    // The next run completes what the killed ones left.
    let finished = start_child(&db).wait_with_output().unwrap();
    assert!(finished.status.success(), "the last run completes");
    assert_in_step(&db, "after the last run").await;
    assert_eq!(applied(&db).await.len(), TRIAL_REVISIONS);
    assert!(kills > 0, "at least one migrator was killed mid-run");
}

async fn eight_migrator_processes_apply_each_revision_once(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let children: Vec<_> = (0..8).map(|_| start_child(&db)).collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "every migrator succeeds");
    }
    assert_eq!(applied(&db).await.len(), TRIAL_REVISIONS);
    let log = events(&db).await;
    assert_eq!(log.len(), TRIAL_REVISIONS, "one upgrade event per revision: {log:?}");
    assert!(log.iter().all(|event| event.ends_with("upgrade ok")), "{log:?}");
    assert_in_step(&db, "after eight migrators").await;
    let _ = url(&db);
}

async fn failing_first_statement_is_located_on_its_own_line(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let migrations = chain(1, |_| {
        (
            "-- revision: r000\n-- message: a header comment\n\nINSERT INTO no_such_table (id) VALUES (1);\nSELECT 1;\n".to_owned(),
            "SELECT 1;".to_owned(),
        )
    });
    let error = upgrade(&db, migrations).await.unwrap_err();
    let MigrateError::Statement(failure) = &error else { panic!("a statement failure: {error}") };
    // Not line 1 (the header), and the statement alone, not the script.
    assert_eq!(failure.location.as_deref(), Some("migrations/r000_step.up.sql:4"), "{error}");
    assert_eq!(failure.statement, Some(1), "{error}");
    assert!(failure.sql.starts_with("INSERT INTO no_such_table"), "{error}");
    assert!(!failure.sql.contains("SELECT 1") && !failure.sql.contains("header"), "{error}");
}
