//! The online executor: the frames of a run ([`framing`]) turned into a
//! backend's primitives, the plain path of consecutive revisions that a
//! batching backend must match, and the history's reads and DDL. Backends
//! provide the primitives ([`Backend`]); nothing here knows a dialect beyond
//! its placeholders and history SQL.

use std::time::{Duration, Instant};

use crate::backend::{Backend, Batched, Commits, RunError};
use crate::framing::{self, Frame};
use crate::history::{self, AppliedRevision, HistoryTable, Placeholders, WriteContext};
use crate::work::{HistoryWrite, Rendered, StepWork, Unit};

/// Runs one transactional revision: its units and history writes commit
/// together or not at all, and no transaction is left open whatever
/// happens. Returns how long it took.
pub async fn run_step<B: Backend + ?Sized>(
    db: &mut B,
    work: &StepWork,
    table: &HistoryTable,
) -> Result<Duration, RunError> {
    run(db, &framing::revision(&work.units, &work.writes, true), table).await
}

/// Runs a revision that opted out of the transaction: each statement
/// commits on its own, and the history writes commit together afterwards,
/// only when every unit succeeded.
pub async fn run_outside_transaction<B: Backend + ?Sized>(
    db: &mut B,
    work: &StepWork,
    table: &HistoryTable,
) -> Result<Duration, RunError> {
    run(db, &framing::revision(&work.units, &work.writes, false), table).await
}

/// Commits history writes that run nothing else (stamp, resolve, the
/// `running` mark of a non-transactional revision).
pub async fn record<B: Backend + ?Sized>(db: &mut B, writes: &[HistoryWrite], table: &HistoryTable) -> Result<(), RunError> {
    run(db, &framing::record(writes), table).await.map(drop)
}

/// Runs parameterised statements (seed rows) in one transaction.
pub async fn execute_in_transaction<B: Backend + ?Sized>(db: &mut B, statements: &[Rendered]) -> Result<(), RunError> {
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

/// Runs consecutive transactional revisions, each in its own transaction
/// with its history writes, telling `commits` as each one commits; stops at
/// the first failure, returning the index of the failed revision and why.
/// Revisions before it stay committed.
///
/// A backend that batches ([`Backend::run_batched`]) is offered the
/// revisions first; those it sent and did not commit run again one by one
/// on the plain path, which says which revision, statement and line failed
/// and keeps the good ones before it (unless the backend said which
/// statement failed itself), and the rest are offered again.
pub async fn run_steps<B: Backend + ?Sized>(
    db: &mut B,
    steps: &[StepWork],
    table: &HistoryTable,
    commits: &mut Commits<'_>,
) -> Result<(), (usize, RunError)> {
    let mut start = 0;
    while start < steps.len() {
        let rest = &steps[start..];
        let Batched { sent, committed, failed } = {
            let mut offered = Commits { followed: commits.followed, done: &mut |index, elapsed| (commits.done)(start + index, elapsed) };
            db.run_batched(rest, table, &mut offered).await.map_err(|error| (start, error.into()))?
        };
        if let Some(error) = failed {
            return Err((start + committed.min(rest.len().saturating_sub(1)), RunError::Statement(error)));
        }
        // Nothing sent: the plain path runs them all.
        let decided = if sent == 0 { rest.len() } else { sent.min(rest.len()) };
        let from = start + committed.min(decided);
        run_each(db, &steps[from..start + decided], table, &mut |index, elapsed| (commits.done)(from + index, elapsed))
            .await
            .map_err(|(index, error)| (from + index, error))?;
        start += decided;
    }
    Ok(())
}

/// Transactional revisions one at a time: the plain path, which batching
/// backends must match.
async fn run_each<B: Backend + ?Sized>(
    db: &mut B,
    steps: &[StepWork],
    table: &HistoryTable,
    done: &mut dyn FnMut(usize, Duration),
) -> Result<(), (usize, RunError)> {
    for (index, step) in steps.iter().enumerate() {
        let elapsed = run_step(db, step, table).await.map_err(|error| (index, error))?;
        done(index, elapsed);
    }
    Ok(())
}

/// Takes `frames` in order on `db`. A failure after `Begin` rolls the
/// transaction back, so none is left open; a unit's failure names the unit.
/// Returns the time since `Clock` (zero without one).
async fn run<B: Backend + ?Sized>(db: &mut B, frames: &[Frame<'_>], table: &HistoryTable) -> Result<Duration, RunError> {
    let mut started = None;
    let mut open = false;
    for frame in frames {
        let taken = match *frame {
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
            return Err(error);
        }
    }
    Ok(started.map_or(Duration::ZERO, |at| at.elapsed()))
}

/// Creates the history tables when they do not exist, and adds what an
/// older retort's tables lack.
pub async fn ensure_history<B: Backend + ?Sized>(db: &mut B, table: &HistoryTable) -> Result<(), crate::BackendError> {
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

/// Whether the state table has the `fingerprint` column that retort
/// records since `migrate repair` (false when the table does not exist).
pub(crate) async fn has_fingerprint_column<B: Backend + ?Sized>(
    db: &mut B,
    table: &HistoryTable,
) -> Result<bool, crate::BackendError> {
    let rows = db.query(&history::fingerprint_probe(db.dialect(), table), &[]).await?;
    Ok(rows.is_some_and(|rows| !rows.is_empty()))
}

/// Reads every history row, or `None` when the history table does not
/// exist yet (a fresh database): one round trip.
pub async fn read_history<B: Backend + ?Sized>(
    db: &mut B,
    table: &HistoryTable,
) -> Result<Option<Vec<AppliedRevision>>, crate::BackendError> {
    match db.query(&history::read_sql(db.dialect(), table), &[]).await? {
        Some(rows) => Ok(Some(history::parse_rows(rows)?)),
        None => Ok(None),
    }
}

async fn write<B: Backend + ?Sized>(
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
