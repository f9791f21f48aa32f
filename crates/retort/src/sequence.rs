//! The online executor: the frames of a run ([`framing`]) turned into a
//! backend's primitives, the plain path of consecutive revisions that a
//! batching backend must match, and the history's reads and DDL. Backends
//! provide the primitives ([`Session`]); nothing here knows a dialect beyond
//! its placeholders and history SQL.

use std::time::{Duration, Instant};

use crate::backend::{BackendError, Batched, Commits, RunError, Session};
use crate::framing::{self, Frame};
use crate::history::{self, AppliedRevision, HistoryTable, Placeholders, WriteContext};
use crate::work::{HistoryWrite, LockWait, Rendered, Row, StepWork, Unit, Value};
use crate::Dialect;

/// Runs one transactional revision: its units and history writes commit
/// together or not at all, and no transaction is left open whatever
/// happens. Returns how long it took.
pub async fn run_step<B: Session + ?Sized>(
    db: &mut B,
    work: &StepWork,
    table: &HistoryTable,
) -> Result<Duration, RunError> {
    run(db, &framing::revision(&work.units, &work.writes, true, work.lock_timeout), table).await
}

/// Runs a revision that opted out of the transaction: each statement
/// commits on its own, and the history writes commit together afterwards,
/// only when every unit succeeded.
pub async fn run_outside_transaction<B: Session + ?Sized>(
    db: &mut B,
    work: &StepWork,
    table: &HistoryTable,
) -> Result<Duration, RunError> {
    run(db, &framing::revision(&work.units, &work.writes, false, work.lock_timeout), table).await
}

/// Commits history writes that run nothing else (stamp, resolve, the
/// `running` mark of a non-transactional revision).
pub async fn record<B: Session + ?Sized>(db: &mut B, writes: &[HistoryWrite], table: &HistoryTable) -> Result<(), RunError> {
    record_within(db, writes, table, None).await
}

/// [`record`], giving up waiting for another session's lock after
/// `lock_timeout` when there is one.
pub(crate) async fn record_within<B: Session + ?Sized>(
    db: &mut B,
    writes: &[HistoryWrite],
    table: &HistoryTable,
    lock_timeout: Option<Duration>,
) -> Result<(), RunError> {
    run(db, &framing::record(writes, lock_timeout), table).await.map(drop)
}

/// Runs parameterised statements (seed rows) in one transaction.
pub async fn execute_in_transaction<B: Session + ?Sized>(db: &mut B, statements: &[Rendered]) -> Result<(), RunError> {
    db.begin().await?;
    let result = async {
        db.execute_bound(statements).await?;
        db.commit().await
    }
    .await;
    if result.is_err() {
        db.rollback().await;
    }
    result
}

/// How [`run_steps`] runs again a transactional revision that gave up
/// waiting for another session's lock.
pub(crate) struct Retry<'a> {
    pub policy: LockWait,
    /// Told of each attempt that gave up and is to be made again: the
    /// revision's index, the attempt (from 1), the pause before the next
    /// one and the error.
    pub waited: &'a mut (dyn FnMut(usize, u32, Duration, &RunError) + Send),
}

/// Whether `error` says a statement gave up waiting for a lock another
/// session holds (SQLite's at `BEGIN IMMEDIATE` included).
pub(crate) fn gave_up_waiting(error: &RunError, dialect: Dialect) -> bool {
    match error {
        RunError::Statement(error) => error.code.as_deref().is_some_and(|code| dialect.gave_up_waiting(code, &error.message)),
        RunError::Backend(BackendError::LockNotAvailable { .. }) => true,
        RunError::Backend(_) => false,
    }
}

/// Runs consecutive transactional revisions, each in its own transaction
/// with its history writes, telling `commits` as each one commits; stops at
/// the first failure, returning the index of the failed revision and why.
/// Revisions before it stay committed. A revision that gave up waiting for
/// a lock rolled back, and runs again as `retry` says.
///
/// A session that batches ([`Session::run_batched`]) is offered the
/// revisions first; those it sent and did not commit run again one by one
/// on the plain path, which says which revision, statement and line failed
/// and keeps the good ones before it (unless the backend said which
/// statement failed itself), and the rest are offered again.
pub(crate) async fn run_steps<B: Session + ?Sized>(
    db: &mut B,
    steps: &[StepWork],
    table: &HistoryTable,
    commits: &mut Commits<'_>,
    retry: &mut Retry<'_>,
) -> Result<(), (usize, RunError)> {
    let mut start = 0;
    while start < steps.len() {
        let rest = &steps[start..];
        let Batched { sent, committed, failed } = {
            let mut offered = Commits { followed: commits.followed, done: &mut |index, elapsed| (commits.done)(start + index, elapsed) };
            db.run_batched(rest, table, &mut offered).await.map_err(|error| (start, error.into()))?
        };
        // A revision that gave up waiting for a lock rolled back: the plain
        // path below runs it again, as `retry` says.
        if let Some(error) = failed.filter(|error| !gave_up_waiting(&RunError::Statement(error.clone()), db.dialect())) {
            return Err((start + committed.min(rest.len().saturating_sub(1)), RunError::Statement(error)));
        }
        // Nothing sent: the plain path runs them all.
        let decided = if sent == 0 { rest.len() } else { sent.min(rest.len()) };
        let from = start + committed.min(decided);
        let mut offset = Retry {
            policy: retry.policy,
            waited: &mut |index, attempt, pause, error| (retry.waited)(from + index, attempt, pause, error),
        };
        run_each(db, &steps[from..start + decided], table, &mut |index, elapsed| (commits.done)(from + index, elapsed), &mut offset)
            .await
            .map_err(|(index, error)| (from + index, error))?;
        start += decided;
    }
    Ok(())
}

/// Transactional revisions one at a time: the plain path, which batching
/// backends must match. One that gave up waiting for a lock was rolled
/// back whole, so it runs again, after a pause, up to `retry.policy.retries`
/// times.
async fn run_each<B: Session + ?Sized>(
    db: &mut B,
    steps: &[StepWork],
    table: &HistoryTable,
    done: &mut (dyn FnMut(usize, Duration) + Send),
    retry: &mut Retry<'_>,
) -> Result<(), (usize, RunError)> {
    for (index, step) in steps.iter().enumerate() {
        let mut attempt = 1;
        let elapsed = loop {
            match run_step(db, step, table).await {
                Ok(elapsed) => break elapsed,
                Err(error) if attempt <= retry.policy.retries && gave_up_waiting(&error, db.dialect()) => {
                    let pause = retry.policy.pause(attempt);
                    (retry.waited)(index, attempt, pause, &error);
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                Err(error) => return Err((index, error)),
            }
        };
        done(index, elapsed);
    }
    Ok(())
}

/// Takes `frames` in order on `db`. A failure after `Begin` rolls the
/// transaction back, so none is left open, and one after `LockTimeout`
/// resets the lock timeout; a unit's failure names the unit. Returns the
/// time since `Clock` (zero without one).
async fn run<B: Session + ?Sized>(db: &mut B, frames: &[Frame<'_>], table: &HistoryTable) -> Result<Duration, RunError> {
    let mut started = None;
    let mut open = false;
    let mut timeout_set = false;
    let setting = |sql: String| Unit::sql(sql, "lock timeout");
    // The setting is no statement of the revision's: its failure is the session's.
    let set_failed = |error| match error {
        RunError::Statement(error) => RunError::Backend(BackendError::Database {
            context: "setting the lock timeout",
            message: error.message,
        }),
        other => other,
    };
    for frame in frames {
        let taken = match *frame {
            Frame::LockTimeout(timeout) => {
                timeout_set = true;
                db.execute(&setting(db.dialect().set_lock_timeout(timeout))).await.map_err(set_failed)
            }
            Frame::ResetLockTimeout => {
                timeout_set = false;
                db.execute(&setting(db.dialect().reset_lock_timeout().to_owned())).await.map_err(set_failed)
            }
            Frame::Begin => {
                // A transaction that did not open needs no rollback.
                db.begin().await?;
                open = true;
                Ok(())
            }
            Frame::Clock => {
                started = Some(Instant::now());
                Ok(())
            }
            Frame::Unit(index, unit) => db.execute(unit).await.map_err(|error| error.in_unit(index)),
            Frame::Writes(writes) => write(db, writes, table, started.map_or(Duration::ZERO, |at| at.elapsed())).await,
            Frame::Commit => db.commit().await.map(|()| open = false),
        };
        if let Err(error) = taken {
            if open {
                db.rollback().await;
            }
            // Best effort, as the rollback: the failure is what matters.
            if timeout_set {
                let _ = db.execute(&setting(db.dialect().reset_lock_timeout().to_owned())).await;
            }
            return Err(error);
        }
    }
    Ok(started.map_or(Duration::ZERO, |at| at.elapsed()))
}

/// Creates the history tables when they do not exist, and adds what an
/// older retort's tables lack.
pub async fn ensure_history<B: Session + ?Sized>(db: &mut B, table: &HistoryTable) -> Result<(), crate::BackendError> {
    let dialect = db.dialect();
    let ddl = history::ddl(dialect, table)?;
    let failed = |error| match error {
        RunError::Backend(error) => error,
        RunError::Statement(error) => crate::BackendError::Database {
            context: "creating the history tables",
            message: error.message,
        },
    };
    db.execute(&Unit::sql(ddl, "history tables")).await.map_err(failed)?;
    // The DDL adds the column itself where SQL can say "if missing".
    if dialect == crate::Dialect::Sqlite && !has_fingerprint_column(db, table).await? {
        db.execute(&Unit::sql(history::sqlite_added_column(table), "history tables")).await.map_err(failed)?;
    }
    Ok(())
}

/// With the lock held and the history just read (`found`: whether the
/// state table was there), makes the history tables whole as
/// [`ensure_history`] does, sending no more than is missing where the
/// dialect's idempotent DDL costs more than a look
/// ([`history::history_probe`]): nothing when the look finds both tables
/// whole, and plain `CREATE TABLE`s for a database without them. Anything
/// else, and a plain `CREATE` that fails, goes to [`ensure_history`], which
/// says what failed.
pub async fn complete_history<B: Session + ?Sized>(
    db: &mut B,
    table: &HistoryTable,
    found: bool,
) -> Result<(), crate::BackendError> {
    let dialect = db.dialect();
    let Some(probe) = history::history_probe(dialect, table) else {
        return ensure_history(db, table).await;
    };
    if found {
        let rows = db.query(&probe, &[]).await?.unwrap_or_default();
        let whole = |row: &Row| !row.is_empty() && row.iter().all(|value| *value != Value::Null);
        if rows.first().is_some_and(whole) {
            return Ok(());
        }
    } else {
        let fresh = history::fresh_ddl(dialect, table)?;
        match db.execute_bound(&[Rendered { sql: fresh, values: Vec::new() }]).await {
            Ok(()) => return Ok(()),
            Err(error) => tracing::debug!(?error, "creating the history tables plainly failed; the idempotent DDL runs"),
        }
    }
    ensure_history(db, table).await
}

/// Whether the state table has the `fingerprint` column that retort
/// records since `migrate repair` (false when the table does not exist).
pub(crate) async fn has_fingerprint_column<B: Session + ?Sized>(
    db: &mut B,
    table: &HistoryTable,
) -> Result<bool, crate::BackendError> {
    let rows = db.query(&history::fingerprint_probe(db.dialect(), table), &[]).await?;
    Ok(rows.is_some_and(|rows| !rows.is_empty()))
}

/// The `detail` the event log recorded for each revision's last upgrade
/// that went through (see [`history::last_upgrade_details`]); empty when
/// there is no log yet.
pub(crate) async fn read_upgrade_details<B: Session + ?Sized>(
    db: &mut B,
    table: &HistoryTable,
) -> Result<std::collections::BTreeMap<String, Option<String>>, crate::BackendError> {
    let rows = db.query(&history::log_read_sql(db.dialect(), table), &[]).await?;
    Ok(history::last_upgrade_details(rows.unwrap_or_default()))
}

/// Reads every history row, or `None` when the history table does not
/// exist yet (a fresh database): one round trip.
pub async fn read_history<B: Session + ?Sized>(
    db: &mut B,
    table: &HistoryTable,
) -> Result<Option<Vec<AppliedRevision>>, crate::BackendError> {
    match db.query(&history::read_sql(db.dialect(), table), &[]).await? {
        Some(rows) => Ok(Some(history::parse_rows(rows)?)),
        None => Ok(None),
    }
}

async fn write<B: Session + ?Sized>(
    db: &mut B,
    writes: &[HistoryWrite],
    table: &HistoryTable,
    elapsed: Duration,
) -> Result<(), RunError> {
    if writes.is_empty() {
        return Ok(());
    }
    let dialect = db.dialect();
    let table = table.resolved(dialect);
    let cx = WriteContext::online(dialect, &table, elapsed);
    let rendered: Vec<Rendered> = writes
        .iter()
        .flat_map(|write| history::render_write(write, &cx, Placeholders::of(dialect)))
        .collect();
    db.execute_bound(&rendered).await.map_err(|error| match error {
        // A history write the server refuses is the history's problem, not
        // the revision's statement.
        RunError::Statement(error) => RunError::Backend(crate::BackendError::Database {
            context: "writing the history",
            message: error.message,
        }),
        other => other,
    })
}
