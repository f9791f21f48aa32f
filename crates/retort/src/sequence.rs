//! The one sequencing algorithm every backend runs: begin → a revision's
//! units → its history writes → commit, or the same without the
//! transaction for a revision that opted out. Backends provide the
//! primitives ([`Backend`]); nothing here knows a dialect beyond its
//! placeholders and history SQL.

use std::time::{Duration, Instant};

use crate::backend::{Backend, RunError, StepWork, Unit};
use crate::history::{self, AppliedRevision, HistoryTable, HistoryWrite, Placeholders, Rendered, WriteContext};

/// Runs one transactional revision: its units and history writes commit
/// together or not at all, and no transaction is left open whatever
/// happens. Returns how long it took.
pub async fn run_step<B: Backend + ?Sized>(
    db: &mut B,
    work: &StepWork,
    table: &HistoryTable,
) -> Result<Duration, RunError> {
    let started = Instant::now();
    db.begin().await?;
    let result = async {
        run_units(db, &work.units).await?;
        write(db, &work.writes, table, started.elapsed()).await?;
        db.commit().await
    }
    .await;
    match result {
        Ok(()) => Ok(started.elapsed()),
        Err(error) => {
            db.rollback().await;
            Err(error)
        }
    }
}

/// Runs a revision that opted out of the transaction: each statement
/// commits on its own, and the history writes commit together afterwards,
/// only when every unit succeeded.
pub async fn run_outside_transaction<B: Backend + ?Sized>(
    db: &mut B,
    work: &StepWork,
    table: &HistoryTable,
) -> Result<Duration, RunError> {
    let started = Instant::now();
    run_units(db, &work.units).await?;
    record_after(db, &work.writes, table, started.elapsed()).await?;
    Ok(started.elapsed())
}

/// Commits history writes that run nothing else (stamp, resolve, the
/// `running` mark of a non-transactional revision).
pub async fn record<B: Backend + ?Sized>(db: &mut B, writes: &[HistoryWrite], table: &HistoryTable) -> Result<(), RunError> {
    record_after(db, writes, table, Duration::ZERO).await
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

/// [`Backend::run_steps`] one revision at a time: the plain path, which
/// batching backends must match.
pub(crate) async fn run_each<B: Backend + ?Sized>(
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
        Some(rows) => history::parse_rows(rows).map(Some),
        None => Ok(None),
    }
}

async fn run_units<B: Backend + ?Sized>(db: &mut B, units: &[Unit]) -> Result<(), RunError> {
    for (index, unit) in units.iter().enumerate() {
        db.execute(unit).await.map_err(|error| error.in_unit(index))?;
    }
    Ok(())
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

/// History writes in a transaction of their own.
async fn record_after<B: Backend + ?Sized>(
    db: &mut B,
    writes: &[HistoryWrite],
    table: &HistoryTable,
    elapsed: Duration,
) -> Result<(), RunError> {
    if writes.is_empty() {
        return Ok(());
    }
    db.begin().await?;
    let result = async {
        write(db, writes, table, elapsed).await?;
        db.commit().await
    }
    .await;
    if result.is_err() {
        db.rollback().await;
    }
    result
}
