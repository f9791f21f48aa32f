//! Revisions that meet a lock another session holds on their table (issue
//! 22, safe execution): each gives up waiting after its lock timeout
//! rather than queue behind the other transaction (and make every reader
//! of the table queue behind itself); a transactional one is rolled back
//! and run again with a pause, each wait reported; one that opted out of
//! the transaction is never run again. On every backend: SQL Server's
//! `SET LOCK_TIMEOUT` (error 1222), PostgreSQL's `lock_timeout` (`55P03`)
//! and SQLite's busy timeout (`SQLITE_BUSY`, the database's one lock).
//!
//! The other session holds its lock in an open transaction that updated
//! the table; where it lets go, it does so when the migrator reports its
//! first wait, not after a fixed sleep.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{applied, connect, sql, tables, target, upgrade};
use retort::testing::{BackendKind, TestDatabase};
use retort::engine::Unit;
use retort::{AnyBackend, LockWait, LockWaited, Migrations, Migrator, MigratorConfig, Revision, Session, Value};

/// A table with a row; a transactional revision whose second statement
/// needs the table's lock (its first, a new table, must not stay when it
/// gives up); a revision that opted out of the transaction and needs it.
static LOCKS: Migrations = Migrations::new(&[
    sql(
        "lw01",
        &[],
        "CREATE TABLE lw_items (id INTEGER PRIMARY KEY);\nINSERT INTO lw_items (id) VALUES (1);",
        "DROP TABLE lw_items;",
    ),
    sql(
        "lw02",
        &["lw01"],
        "CREATE TABLE lw_side (id INTEGER PRIMARY KEY);\nALTER TABLE lw_items ADD note VARCHAR(20);",
        "DROP TABLE lw_side;",
    ),
    Revision {
        transactional: false,
        ..sql("lw03", &["lw02"], "ALTER TABLE lw_items ADD other VARCHAR(20);", "SELECT 1;")
    },
]);

/// Tight timeouts, so that the tests stay quick.
fn config(retries: u32) -> MigratorConfig {
    MigratorConfig {
        lock_wait: LockWait { timeout: Duration::from_millis(200), retries, backoff: Duration::from_millis(50) },
        ..MigratorConfig::default()
    }
}

/// A second session that holds a lock on `lw_items`: an open transaction
/// that updated it (on SQLite, the database's write lock).
async fn hold(db: &TestDatabase) -> AnyBackend {
    let mut holder = connect(db).await;
    holder.begin().await.expect("the holder opens a transaction");
    holder.execute(&Unit::sql("UPDATE lw_items SET id = id", "hold")).await.expect("the holder updates the table");
    holder
}

/// The holder's session id as the server's views name it, where they do.
async fn session_id(holder: &mut AnyBackend, kind: BackendKind) -> Option<String> {
    let sql = match kind {
        BackendKind::Postgres => "SELECT pg_backend_pid()::text",
        BackendKind::Mssql => "SELECT CAST(@@SPID AS varchar(10))",
        _ => return None,
    };
    match holder.query(sql, &[]).await.expect("the holder answers").as_deref() {
        Some([row]) => match row.first() {
            Some(Value::Text(id)) => Some(id.clone()),
            other => panic!("a session id as text, not {other:?}"),
        },
        other => panic!("one row, not {other:?}"),
    }
}

/// Collects the reported waits.
fn recorder(migrator: Migrator) -> (Migrator, Arc<Mutex<Vec<LockWaited>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&waits);
    (migrator.with_lock_waits(move |waited| seen.lock().expect("not poisoned").push(waited.clone())), waits)
}

on_every_backend!(
    upgrade_retries_a_revision_that_gave_up_waiting_and_succeeds_when_the_lock_goes,
    upgrade_fails_after_the_last_retry_naming_the_revision_the_statement_and_the_holder,
    revision_that_opted_out_of_the_transaction_is_not_run_again_when_it_gave_up_waiting,
);

async fn upgrade_retries_a_revision_that_gave_up_waiting_and_succeeds_when_the_lock_goes(kind: BackendKind) {
    let db = retort::test_database!(kind);
    upgrade(&db, &LOCKS, "lw01").await.unwrap();
    let mut holder = hold(&db).await;
    let reported = Arc::new(AtomicU32::new(0));
    let migrator = {
        let reported = Arc::clone(&reported);
        Migrator::with_config(&LOCKS, config(3)).with_lock_waits(move |waited| {
            assert_eq!(waited.id, "lw02");
            reported.fetch_add(1, Ordering::SeqCst);
        })
    };
    let mut backend = connect(&db).await;
    // The holder lets go once the first wait is reported (while the
    // migrator pauses before its next attempt).
    let to = target("lw02");
    let started = std::time::Instant::now();
    let (result, ()) = tokio::join!(migrator.upgrade(&mut backend, &to), async {
        // Bounded: a wait never reported fails below rather than hangs.
        for _ in 0..2_000 {
            if reported.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        holder.rollback().await;
    });
    assert_eq!(result.unwrap().iter().map(|step| step.id).collect::<Vec<_>>(), ["lw02"]);
    assert!(reported.load(Ordering::SeqCst) >= 1, "at least one wait was reported");
    // Its statements gave up after the revision's 200 ms, not the
    // session's own timeout (SQLite's 30 s, the servers' forever).
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    assert_eq!(applied(&db).await, ["lw01", "lw02"]);
    assert_eq!(tables(&db).await, ["lw_items", "lw_side"]);
}

async fn upgrade_fails_after_the_last_retry_naming_the_revision_the_statement_and_the_holder(kind: BackendKind) {
    let db = retort::test_database!(kind);
    upgrade(&db, &LOCKS, "lw01").await.unwrap();
    let mut holder = hold(&db).await;
    let holder_id = session_id(&mut holder, kind).await;
    let babelfish = kind == BackendKind::Mssql && common::flavour(&db).await == retort::Flavour::Babelfish;
    let (migrator, waits) = recorder(Migrator::with_config(&LOCKS, config(2)));
    let mut backend = connect(&db).await;
    let error = migrator.upgrade(&mut backend, &target("lw02")).await.unwrap_err().to_string();
    // Two retries: three attempts, two reported waits.
    let waits = waits.lock().expect("not poisoned").clone();
    assert_eq!(waits.iter().map(|waited| waited.attempt).collect::<Vec<_>>(), [1, 2], "{waits:?}");
    assert!(error.contains("revision lw02"), "{error}");
    assert!(error.contains("gave up waiting for a lock 3 time(s)"), "{error}");
    let statement = if kind == BackendKind::Sqlite { "BEGIN IMMEDIATE" } else { "ALTER TABLE lw_items ADD note" };
    assert!(error.contains(statement), "{error}");
    match (holder_id, babelfish) {
        (Some(_), true) => assert!(error.contains("The server cannot tell which session holds the lock"), "{error}"),
        (Some(id), false) => assert!(error.contains(&format!("session {id} (")), "the holder is named: {error}"),
        (None, _) => assert!(error.contains("The database does not say which connection holds the lock"), "{error}"),
    }
    // Nothing of the revision stayed, and the history is as it was.
    holder.rollback().await;
    assert_eq!(applied(&db).await, ["lw01"]);
    assert_eq!(tables(&db).await, ["lw_items"]);
    // The session's lock timeout was put back: the same session runs the
    // revision once the lock is gone.
    let steps = Migrator::with_config(&LOCKS, config(0)).upgrade(&mut backend, &target("lw02")).await.unwrap();
    assert_eq!(steps.len(), 1);
}

async fn revision_that_opted_out_of_the_transaction_is_not_run_again_when_it_gave_up_waiting(kind: BackendKind) {
    let db = retort::test_database!(kind);
    upgrade(&db, &LOCKS, "lw02").await.unwrap();
    let mut holder = hold(&db).await;
    let (migrator, waits) = recorder(Migrator::with_config(&LOCKS, config(3)));
    let mut backend = connect(&db).await;
    let started = std::time::Instant::now();
    let error = migrator.upgrade(&mut backend, &target("lw03")).await.unwrap_err().to_string();
    assert!(waits.lock().expect("not poisoned").is_empty(), "no retry was announced");
    assert!(started.elapsed() < Duration::from_secs(10), "it did not wait for the session's own timeout");
    assert!(error.contains("revision lw03"), "{error}");
    if kind == BackendKind::Sqlite {
        // SQLite's lock is the database's: the mark that it is running,
        // its first write, is what waits, and nothing of it ran.
        assert!(error.contains("nothing of it ran and nothing was recorded"), "{error}");
    } else {
        assert!(error.contains("ALTER TABLE lw_items ADD other"), "{error}");
        assert!(error.contains("is not transactional is not run again"), "{error}");
    }
    holder.rollback().await;
    assert_eq!(applied(&db).await, ["lw01", "lw02"]);
}
