//! The migration engine against a real SQL Server: the scenarios of
//! `engine.rs` (every target kind, drift, a failure mid-revision,
//! concurrent migrators, a killed migrator, offline script = online result),
//! plus what only SQL Server has: `GO` batches, the session-owned
//! application lock, history in a schema, introspection and connection
//! errors.
//!
//! The server comes from `RETORT_TEST_MSSQL_URL` or a container (see
//! `retort::testing`); without one every test here prints `NOT TESTED` and
//! returns, and fails where `RETORT_REQUIRE_BACKENDS` lists `mssql`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{applied, connect, events, strings, tables, texts, GRAPH};
use retort::testing::{BackendKind, TestDatabase};
use retort::{
    AnyBackend, Backend, Body, Checksum, DatabaseUrl, HistoryTable, MigrateError, Migrations,
    Migrator, MigratorConfig, Resolution, Revision, ScriptOptions, Target,
};

const MSSQL: BackendKind = BackendKind::Mssql;

fn target(text: &str) -> Target {
    Target::parse(text).expect("test targets parse")
}

async fn upgrade(
    db: &TestDatabase,
    migrations: &'static Migrations,
    to: &str,
) -> Result<Vec<&'static str>, MigrateError> {
    let mut backend = connect(db).await;
    let steps = Migrator::new(migrations)
        .upgrade(&mut backend, &target(to))
        .await?;
    Ok(steps.iter().map(|s| s.id).collect())
}

async fn downgrade(db: &TestDatabase, to: &str) -> Result<Vec<&'static str>, MigrateError> {
    let mut backend = connect(db).await;
    let steps = Migrator::new(&GRAPH)
        .downgrade(&mut backend, &target(to))
        .await?;
    Ok(steps.iter().map(|s| s.id).collect())
}

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

#[tokio::test]
async fn upgrade_and_downgrade_follow_every_target_kind() {
    let db = retort::test_database!(MSSQL);
    assert_eq!(upgrade(&db, &GRAPH, "+1").await.unwrap(), ["a0a0"]);
    assert_eq!(upgrade(&db, &GRAPH, "a0a0+1").await.unwrap(), ["b0b0"]);
    assert_eq!(
        upgrade(&db, &GRAPH, "c2c2").await.unwrap(),
        ["c1c1", "c2c2"]
    );
    assert_eq!(
        tables(&db).await,
        strings(&["accounts", "invoices", "items", "payments"])
    );
    assert_eq!(downgrade(&db, "billing@-1").await.unwrap(), ["c2c2"]);
    assert_eq!(upgrade(&db, &GRAPH, "d1d1").await.unwrap(), ["d1d1"]);
    assert_eq!(
        upgrade(&db, &GRAPH, "billing@head").await.unwrap(),
        ["c2c2", "m0m0"]
    );
    assert_eq!(applied(&db).await.len(), 6);
    assert_eq!(downgrade(&db, "c1c1").await.unwrap(), ["m0m0", "c2c2"]);
    assert_eq!(
        applied(&db).await,
        strings(&["a0a0", "b0b0", "c1c1", "d1d1"])
    );
    let ambiguous = downgrade(&db, "-1").await.unwrap_err().to_string();
    assert!(
        ambiguous.contains("c1c1") && ambiguous.contains("d1d1"),
        "{ambiguous}"
    );
    assert_eq!(
        upgrade(&db, &GRAPH, "heads").await.unwrap(),
        ["c2c2", "m0m0"]
    );
    assert_eq!(downgrade(&db, "-1").await.unwrap(), ["m0m0"]);
    assert_eq!(upgrade(&db, &GRAPH, "m0m0").await.unwrap(), ["m0m0"]);
    assert_eq!(
        downgrade(&db, "b0b0").await.unwrap(),
        ["m0m0", "d1d1", "c2c2", "c1c1"]
    );
    assert_eq!(downgrade(&db, "base").await.unwrap(), ["b0b0", "a0a0"]);
    assert!(tables(&db).await.is_empty());
    assert_eq!(upgrade(&db, &GRAPH, "head").await.unwrap().len(), 6);
    assert!(upgrade(&db, &GRAPH, "head").await.unwrap().is_empty());
    let log = events(&db).await;
    assert_eq!(log.first().map(String::as_str), Some("a0a0 upgrade ok"));
    assert_eq!(
        log.iter().filter(|e| e.ends_with("downgrade ok")).count(),
        10
    );
    // The server measured each revision and recorded who ran it.
    let mut backend = connect(&db).await;
    let rows = backend
        .read_history(&HistoryTable::default())
        .await
        .unwrap()
        .unwrap();
    assert!(
        rows.iter()
            .all(|row| row.execution_ms >= 0 && !row.applied_by.is_empty()),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|row| row.applied_at.ends_with('Z') && row.applied_at.len() == 24),
        "{rows:?}"
    );
}

#[tokio::test]
async fn stamp_records_without_running_and_base_clears() {
    let db = retort::test_database!(MSSQL);
    let mut backend = connect(&db).await;
    let migrator = Migrator::new(&GRAPH);
    let stamped = migrator.stamp(&mut backend, &target("c2c2")).await.unwrap();
    assert_eq!(
        stamped.iter().map(|s| s.id).collect::<Vec<_>>(),
        ["a0a0", "b0b0", "c1c1", "c2c2"]
    );
    assert!(tables(&db).await.is_empty(), "stamp must not run revisions");
    assert_eq!(
        applied(&db).await,
        strings(&["a0a0", "b0b0", "c1c1", "c2c2"])
    );
    migrator.stamp(&mut backend, &target("base")).await.unwrap();
    assert!(applied(&db).await.is_empty());
    let log = events(&db).await;
    assert_eq!(
        log.iter().filter(|e| e.contains(" unstamp ok")).count(),
        4,
        "{log:?}"
    );
}

static EDITED: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    Revision {
        checksum: Checksum([2; 32]),
        ..common::sql(
            "b0b0",
            &["a0a0"],
            "CREATE TABLE items (id INTEGER PRIMARY KEY, x INTEGER);",
            "DROP TABLE items;",
        )
    },
    common::sql(
        "c1c1",
        &["b0b0"],
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY);",
        "DROP TABLE invoices;",
    ),
]);

#[tokio::test]
async fn drift_stops_the_run_before_anything_runs() {
    let db = retort::test_database!(MSSQL);
    upgrade(&db, &GRAPH, "b0b0").await.unwrap();
    let error = upgrade(&db, &EDITED, "c1c1").await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, MigrateError::Drift { .. }), "{text}");
    assert!(
        text.contains(&"02".repeat(6)) && text.contains(&"01".repeat(6)),
        "both checksums: {text}"
    );
    assert_eq!(
        applied(&db).await,
        strings(&["a0a0", "b0b0"]),
        "nothing ran"
    );
}

static FAILING: Migrations = Migrations::new(&[
    common::sql("a0a0", &[], "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE accounts;"),
    common::sql(
        "bad0",
        &["a0a0"],
        "-- revision: bad0\nCREATE TABLE half (id INTEGER PRIMARY KEY);\nINSERT INTO half (id) VALUES (1);\nINSERT INTO no_such_table (id) VALUES (1);\n",
        "DROP TABLE half;",
    ),
]);

#[tokio::test]
async fn failing_statement_leaves_previous_revision_and_history() {
    let db = retort::test_database!(MSSQL);
    let error = upgrade(&db, &FAILING, "heads").await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("upgrade of revision bad0 failed at migrations/fixture.sql:4, statement 1"),
        "{text}"
    );
    assert!(
        text.contains("no_such_table") && text.contains("(code 208)"),
        "{text}"
    );
    assert!(text.contains("rolled back"), "{text}");
    assert_eq!(
        tables(&db).await,
        strings(&["accounts"]),
        "the half-run revision left nothing"
    );
    assert_eq!(applied(&db).await, strings(&["a0a0"]));
    assert_eq!(
        events(&db).await,
        strings(&["a0a0 upgrade ok", "bad0 upgrade failed"])
    );
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
    assert!(text.contains("(code 102)"), "{text}");
    // A syntax error does not end the transaction by itself (XACT_ABORT
    // only acts on run-time errors): the backend rolled it back.
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

static NON_TRANSACTIONAL: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    Revision {
        transactional: false,
        body: Body::Sql {
            up: "CREATE TABLE loose (id INTEGER PRIMARY KEY);",
            down: Some("DROP TABLE loose;"),
        },
        ..common::sql("nt00", &["a0a0"], "", "")
    },
    Revision {
        transactional: false,
        body: Body::Rust {
            upgrade: loose_then_fail,
            downgrade: Some(drop_loose2),
        },
        ..common::sql("nt01", &["nt00"], "", "")
    },
    common::sql(
        "z0z0",
        &["nt01"],
        "CREATE TABLE later (id INTEGER PRIMARY KEY);",
        "DROP TABLE later;",
    ),
]);

fn loose_then_fail(op: &mut retort::Operations) {
    op.execute("CREATE TABLE loose2 (id INTEGER PRIMARY KEY)");
    op.execute("INSERT INTO no_such_table (id) VALUES (1)");
}

fn drop_loose2(op: &mut retort::Operations) {
    op.execute("DROP TABLE loose2");
}

#[tokio::test]
async fn failed_non_transactional_revision_blocks_until_resolved() {
    let db = retort::test_database!(MSSQL);
    let error = upgrade(&db, &NON_TRANSACTIONAL, "heads")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("operation 2 (execute)") && error.contains("recorded as failed"),
        "{error}"
    );
    assert_eq!(tables(&db).await, strings(&["accounts", "loose", "loose2"]));
    let refused = upgrade(&db, &NON_TRANSACTIONAL, "heads").await.unwrap_err();
    assert!(
        matches!(refused, MigrateError::Unresolved { .. }),
        "{refused}"
    );
    let mut backend = connect(&db).await;
    let cleanup = [retort::Unit {
        sql: "DROP TABLE loose2".into(),
        first_line: None,
        label: "cleanup".into(),
    }];
    backend
        .run(&cleanup, &[], &HistoryTable::default(), true)
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    Migrator::new(&NON_TRANSACTIONAL)
        .resolve(&mut backend, "nt01", Resolution::RolledBack)
        .await
        .unwrap();
    assert_eq!(applied(&db).await, strings(&["a0a0", "nt00"]));
    let log = events(&db).await;
    assert!(
        log.contains(&"nt01 upgrade failed".to_owned())
            && log.contains(&"nt01 resolve ok".to_owned()),
        "{log:?}"
    );
}

static NEWER: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    common::sql(
        "b0b0",
        &["a0a0"],
        "CREATE TABLE items (id INTEGER PRIMARY KEY);",
        "DROP TABLE items;",
    ),
    common::sql(
        "f0f0",
        &["b0b0"],
        "CREATE TABLE future (id INTEGER PRIMARY KEY);",
        "DROP TABLE future;",
    ),
]);

static OLDER: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    common::sql(
        "b0b0",
        &["a0a0"],
        "CREATE TABLE items (id INTEGER PRIMARY KEY);",
        "DROP TABLE items;",
    ),
]);

#[tokio::test]
async fn unknown_applied_revisions_refuse_unless_ignored() {
    let db = retort::test_database!(MSSQL);
    upgrade(&db, &NEWER, "heads").await.unwrap();
    let error = upgrade(&db, &OLDER, "heads").await.unwrap_err();
    assert!(
        matches!(&error, MigrateError::UnknownApplied { ids } if ids == &["f0f0"]),
        "{error}"
    );
    let mut backend = connect(&db).await;
    let config = MigratorConfig {
        ignore_unknown: true,
        ..MigratorConfig::default()
    };
    let steps = Migrator::with_config(&OLDER, config)
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap();
    assert!(steps.is_empty());
}

static MANY: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE t0 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t0;",
    ),
    common::sql(
        "a1a1",
        &["a0a0"],
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t1;",
    ),
    common::sql(
        "a2a2",
        &["a1a1"],
        "CREATE TABLE t2 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t2;",
    ),
    common::sql(
        "a3a3",
        &["a2a2"],
        "CREATE TABLE t3 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t3;",
    ),
    common::sql(
        "a4a4",
        &["a3a3"],
        "CREATE TABLE t4 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t4;",
    ),
    common::sql(
        "a5a5",
        &["a4a4"],
        "CREATE TABLE t5 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t5;",
    ),
    common::sql(
        "a6a6",
        &["a5a5"],
        "CREATE TABLE t6 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t6;",
    ),
    common::sql(
        "a7a7",
        &["a6a6"],
        "CREATE TABLE t7 (id INTEGER PRIMARY KEY);",
        "DROP TABLE t7;",
    ),
]);

#[tokio::test]
async fn concurrent_migrators_apply_each_revision_once() {
    let db = retort::test_database!(MSSQL);
    let url = common::url(&db);
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<Result<usize, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let url = url.clone();
                let barrier = &barrier;
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let mut backend = retort::connect(&url).await.map_err(|e| e.to_string())?;
                        barrier.wait();
                        let steps = Migrator::new(&MANY)
                            .upgrade(&mut backend, &target("heads"))
                            .await;
                        steps.map(|s| s.len()).map_err(|e| e.to_string())
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("migrator thread"))
            .collect()
    });
    let counts: Vec<usize> = results
        .into_iter()
        .map(|r| r.expect("both migrators succeed"))
        .collect();
    assert_eq!(
        counts.iter().sum::<usize>(),
        8,
        "together they applied each revision once: {counts:?}"
    );
    assert_eq!(events(&db).await.len(), 8);
    assert_eq!(applied(&db).await.len(), 8);
}

static SLOW: Migrations = Migrations::new(&[
    common::sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    common::sql(
        "s10w",
        &["a0a0"],
        "CREATE TABLE slow (id INTEGER PRIMARY KEY);\nWAITFOR DELAY '00:00:03';\n",
        "DROP TABLE slow;",
    ),
]);

/// Not a test of its own: the child process that
/// `killed_migrator_leaves_previous_state_and_next_run_completes` starts and kills.
#[tokio::test]
#[ignore = "run only as the child of the kill test"]
async fn mssql_kill_test_child() {
    let url = std::env::var("RETORT_KILL_CHILD_URL").expect("started by the kill test");
    let url = DatabaseUrl::parse(&url).unwrap();
    let mut backend = retort::connect(&url).await.unwrap();
    Migrator::new(&SLOW)
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap();
}

#[tokio::test]
async fn killed_migrator_leaves_previous_state_and_next_run_completes() {
    let db = retort::test_database!(MSSQL);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "mssql_kill_test_child",
            "--ignored",
            "--nocapture",
        ])
        .env("RETORT_KILL_CHILD_URL", db.url())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut backend = connect(&db).await;
        let rows = backend
            .read_history(&HistoryTable::default())
            .await
            .unwrap()
            .unwrap_or_default();
        if rows.iter().any(|row| row.id == "a0a0") {
            break;
        }
        assert!(Instant::now() < deadline, "the child never applied a0a0");
        assert!(child.try_wait().unwrap().is_none(), "the child ended early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    child.kill().unwrap();
    assert!(
        !child.wait().unwrap().success(),
        "the child was killed mid-revision, not finished"
    );
    // The server rolls back a dead session's transaction and frees its lock;
    // the next migrator may have to wait for the server to notice.
    let mut backend = connect(&db).await;
    let config = MigratorConfig {
        lock_timeout: Duration::from_secs(30),
        ..MigratorConfig::default()
    };
    let steps = Migrator::with_config(&SLOW, config)
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap();
    assert_eq!(steps.iter().map(|s| s.id).collect::<Vec<_>>(), ["s10w"]);
    assert_eq!(tables(&db).await, strings(&["accounts", "slow"]));
}

/// Host, port, user, password and database of a fixture URL, for sqlcmd.
fn sqlcmd_args(db: &TestDatabase) -> Vec<String> {
    let url = url::Url::parse(db.url()).expect("the fixture gives mssql:// URLs");
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'%' {
                if let Some(byte) = text
                    .get(at + 1..at + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(byte);
                    at += 3;
                    continue;
                }
            }
            out.push(bytes[at]);
            at += 1;
        }
        String::from_utf8(out).expect("UTF-8")
    };
    vec![
        "-b".into(),
        "-C".into(), // trust the server's certificate: test servers have self-signed ones
        "-S".into(),
        format!(
            "tcp:{},{}",
            url.host_str().unwrap_or("localhost"),
            url.port().unwrap_or(1433)
        ),
        "-U".into(),
        decode(url.username()),
        "-P".into(),
        decode(url.password().unwrap_or_default()),
        "-d".into(),
        decode(url.path().trim_start_matches('/')),
    ]
}

/// Runs an offline script with sqlcmd, which CI installs (mssql-tools18).
fn run_with_sqlcmd(db: &TestDatabase, script: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.sql");
    std::fs::write(&file, script).unwrap();
    let output = Command::new("sqlcmd")
        .args(sqlcmd_args(db))
        .arg("-i")
        .arg(&file)
        .output()
        .expect("sqlcmd is installed (mssql-tools18; the CI workflow installs it)");
    assert!(
        output.status.success(),
        "sqlcmd ran the script cleanly:\n{}\n{}\n{script}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn offline_script_builds_the_same_schema_as_online_upgrade() {
    for options in [ScriptOptions::default(), ScriptOptions::idempotent()] {
        let online = retort::test_database!(MSSQL);
        let offline = retort::test_database!(MSSQL);
        upgrade(&online, &GO_BATCHES, "heads").await.unwrap();
        upgrade(&online, &GRAPH, "heads").await.unwrap();
        for migrations in [&GO_BATCHES, &GRAPH] {
            let plan = retort::RevisionGraph::new(migrations)
                .plan_upgrade(&Default::default(), &target("heads"))
                .unwrap();
            let script = retort::render_script_with(
                &plan,
                retort::Dialect::Mssql,
                &HistoryTable::default(),
                &options,
            )
            .unwrap();
            run_with_sqlcmd(&offline, &script);
            if options.idempotent {
                // Run again: every revision is skipped.
                run_with_sqlcmd(&offline, &script);
            }
        }
        assert_eq!(tables(&offline).await, tables(&online).await);
        assert_eq!(applied(&offline).await, applied(&online).await);
        let history = HistoryTable::default();
        let (mut a, mut b) = (connect(&online).await, connect(&offline).await);
        assert_eq!(
            a.introspect(&history).await.unwrap(),
            b.introspect(&history).await.unwrap()
        );
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

#[tokio::test]
async fn upgrade_at_head_takes_no_lock_and_a_timeout_names_the_holder() {
    let db = retort::test_database!(MSSQL);
    upgrade(&db, &GRAPH, "heads").await.unwrap();
    let mut holder = connect(&db).await;
    holder.lock(Duration::from_secs(5)).await.unwrap();
    let mut backend = connect(&db).await;
    let config = MigratorConfig {
        lock_timeout: Duration::from_millis(300),
        ..MigratorConfig::default()
    };
    let steps = Migrator::with_config(&GRAPH, config.clone())
        .upgrade(&mut backend, &target("heads"))
        .await
        .unwrap();
    assert!(steps.is_empty());
    let error = Migrator::with_config(&GRAPH, config)
        .downgrade(&mut backend, &target("-1"))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("held by another migrator"),
        "{error}"
    );
    holder.unlock().await.unwrap();
    // Released: the other session takes it at once; unlocking twice is harmless.
    backend.lock(Duration::from_millis(300)).await.unwrap();
    backend.unlock().await.unwrap();
    backend.unlock().await.unwrap();
}

#[tokio::test]
async fn application_start_up_api_upgrades_to_head() {
    let db = retort::test_database!(MSSQL);
    assert_eq!(GRAPH.upgrade(db.url()).await.unwrap().len(), 6);
    assert!(GRAPH.upgrade(db.url()).await.unwrap().is_empty());
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
     CREATE TABLE users (id int IDENTITY(10, 5) NOT NULL CONSTRAINT PK_users PRIMARY KEY,\n\
       email nvarchar(100) NOT NULL CONSTRAINT UQ_users_email UNIQUE,\n\
       bio nvarchar(max) COLLATE Latin1_General_BIN2 NULL,\n\
       balance decimal(10, 2) NOT NULL CONSTRAINT DF_users_balance DEFAULT 0,\n\
       created datetime2(3) NOT NULL CONSTRAINT DF_users_created DEFAULT SYSUTCDATETIME(),\n\
       label AS UPPER(email) PERSISTED);\n\
     CREATE TABLE billing.invoices (id bigint NOT NULL CONSTRAINT PK_invoices PRIMARY KEY NONCLUSTERED,\n\
       user_id int NOT NULL CONSTRAINT FK_invoices_users REFERENCES users (id) ON DELETE CASCADE,\n\
       total numeric(12, 3) NOT NULL CONSTRAINT CK_invoices_total CHECK (total >= 0),\n\
       paid bit NOT NULL);\n\
     CREATE CLUSTERED INDEX IX_invoices_user ON billing.invoices (user_id, id DESC);\n\
     CREATE UNIQUE NONCLUSTERED INDEX IX_invoices_open ON billing.invoices (total) INCLUDE (paid) WHERE paid = 0;\n\
     CREATE SEQUENCE billing.numbers AS bigint START WITH 1000 INCREMENT BY 10;\n\
     GO\nCREATE VIEW billing.unpaid AS SELECT id, total FROM billing.invoices WHERE paid = 0;\n\
     GO\nCREATE OR ALTER PROCEDURE billing.pay @id bigint AS BEGIN UPDATE billing.invoices SET paid = 1 WHERE id = @id; END\n",
    "DROP PROCEDURE billing.pay;\nDROP VIEW billing.unpaid;\nDROP SEQUENCE billing.numbers;\nDROP TABLE billing.invoices;\nDROP TABLE users;\nGO\nDROP SCHEMA billing;\n",
)]);

#[tokio::test]
async fn introspection_reads_what_the_migrations_built() {
    let db = retort::test_database!(MSSQL);
    upgrade(&db, &RICH, "heads").await.unwrap();
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
    assert_eq!(
        columns,
        [
            ("id".into(), "int".into(), false),
            ("email".into(), "nvarchar(100)".into(), false),
            ("bio".into(), "nvarchar(max)".into(), true),
            ("balance".into(), "decimal(10,2)".into(), false),
            ("created".into(), "datetime2(3)".into(), false),
            ("label".into(), "nvarchar(100)".into(), true),
        ]
    );
    let identity = users.columns[0].identity.clone().expect("identity");
    assert_eq!((identity.seed, identity.increment), (Some(10), Some(5)));
    assert_eq!(
        users.columns[2].collation.as_deref(),
        Some("Latin1_General_BIN2")
    );
    assert_eq!(users.columns[3].default.as_deref(), Some("0"));
    assert_eq!(
        users.columns[3].default_name.as_deref(),
        Some("DF_users_balance")
    );
    assert_eq!(
        users.columns[5].computed.as_deref(),
        Some("upper([email]) PERSISTED")
    );
    assert_eq!(users.uniques[0].name.as_deref(), Some("UQ_users_email"));
    let invoices = &snapshot.tables["billing.invoices"];
    assert_eq!(invoices.foreign_keys[0].referenced_table, "users");
    assert_eq!(invoices.foreign_keys[0].on_delete, "CASCADE");
    assert_eq!(invoices.checks[0].expression, "[total]>=(0)");
    let names: Vec<(&str, bool, bool)> = invoices
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique, i.clustered))
        .collect();
    assert_eq!(
        names,
        [
            ("IX_invoices_open", true, false),
            ("IX_invoices_user", false, true)
        ]
    );
    assert_eq!(invoices.indexes[0].included, ["paid"]);
    assert_eq!(invoices.indexes[0].filter.as_deref(), Some("[paid]=(0)"));
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
    assert!(
        text.contains("error 4060") && text.contains("retort_no_such_database"),
        "{text}"
    );
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
