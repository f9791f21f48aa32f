//! The framing of a run, decided once: in which order a revision's
//! transaction opens and commits, its clock starts, its units run and its
//! history writes are made. Alembic runs online and offline through one loop
//! with an `as_sql` switch; here [`revision`] and [`record`] give the frames
//! of one revision or of history writes alone, and every consumer acts on
//! them in that order:
//!
//! - the online executor (`sequence.rs`) turns each frame into a backend
//!   primitive (`begin`, `execute`, `execute_bound`, `commit`);
//! - the offline script writers turn them into text: `script.rs` for
//!   `sqlite3` and `psql`, `backend/mssql/offline.rs` for T-SQL, with its
//!   hooks around them (`GO`, the guard after every batch, `TRY … CATCH`,
//!   the idempotent checks);
//! - PostgreSQL's batched messages (`backend/postgres.rs`) write them as
//!   the text of one message;
//! - SQL Server's joined requests (`backend/mssql/transaction.rs`,
//!   `revision_requests`) send a revision in one request per batch, and
//!   revisions of one batch several to a request (`shared_request`).
//!
//! A consumer may join frames into fewer requests (SQL Server's primitives
//! send the `BEGIN` in front of the first batch; its joined requests send a
//! revision of one batch, with its clock, writes and `COMMIT`, as one), but
//! never reorders them.
//!
//! A revision that opted out of the transaction runs its units first, each
//! statement committing on its own, and only then opens a transaction for
//! its history writes, so that they commit only when every unit succeeded.
//!
//! A revision with a lock timeout sets it before anything of it runs, its
//! transaction's `BEGIN` included (SQLite takes its lock there), and resets
//! it after its last statement: after the `COMMIT`, or for one that opted
//! out after its units, so that its history writes wait as before.

use std::time::Duration;

use crate::work::{HistoryWrite, Unit};

/// One step of the framing of a revision, in the order it is taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Frame<'a> {
    /// Statements give up waiting for another session's lock after this
    /// long ([`crate::LockWait`]), until [`Frame::ResetLockTimeout`].
    LockTimeout(Duration),
    /// Opens a transaction: what follows until [`Frame::Commit`] commits
    /// together or not at all.
    Begin,
    /// The revision's own time starts: its history writes record the time
    /// since. Inside the transaction for a transactional revision (what a
    /// session waited for before `BEGIN` is not the revision's time), before
    /// its units for one that opted out.
    Clock,
    /// A unit of the revision, with its index among the revision's units.
    Unit(usize, &'a Unit),
    /// The history writes that record the revision, inside the transaction.
    Writes(&'a [HistoryWrite]),
    /// Commits the transaction.
    Commit,
    /// The session's own lock timeout again.
    ResetLockTimeout,
}

/// The frames of one revision. Transactional: `Begin`, `Clock`, its units,
/// its writes, `Commit`. Opted out: `Clock`, its units, then `Begin`, its
/// writes, `Commit`. Without writes there is no `Writes` frame, and a
/// revision that opted out has no transaction at all. With a
/// `lock_timeout`, `LockTimeout` comes first and `ResetLockTimeout` after
/// the `Commit` (opted out: after the units).
pub(crate) fn revision<'a>(
    units: &'a [Unit],
    writes: &'a [HistoryWrite],
    transactional: bool,
    lock_timeout: Option<Duration>,
) -> Vec<Frame<'a>> {
    let unit_frames = units.iter().enumerate().map(|(index, unit)| Frame::Unit(index, unit));
    let reset = lock_timeout.map(|_| Frame::ResetLockTimeout);
    let mut frames = Vec::with_capacity(units.len() + 7);
    frames.extend(lock_timeout.map(Frame::LockTimeout));
    if transactional {
        frames.extend([Frame::Begin, Frame::Clock]);
        frames.extend(unit_frames);
        frames.extend((!writes.is_empty()).then_some(Frame::Writes(writes)));
        frames.push(Frame::Commit);
        frames.extend(reset);
    } else {
        frames.push(Frame::Clock);
        frames.extend(unit_frames);
        frames.extend(reset);
        frames.extend(record(writes, None));
    }
    frames
}

/// The frames of history writes that run nothing else (stamp, resolve, the
/// `running` mark of a revision that opted out): `Begin`, the writes,
/// `Commit`; nothing when there are no writes. No `Clock`: they record no
/// time. With a `lock_timeout` (the marks and the failure log of a
/// revision that is waiting for locks: on SQLite the history's lock is the
/// revision's), between `LockTimeout` and `ResetLockTimeout`.
pub(crate) fn record(writes: &[HistoryWrite], lock_timeout: Option<Duration>) -> Vec<Frame<'_>> {
    if writes.is_empty() {
        return Vec::new();
    }
    let mut frames = Vec::with_capacity(5);
    frames.extend(lock_timeout.map(Frame::LockTimeout));
    frames.extend([Frame::Begin, Frame::Writes(writes), Frame::Commit]);
    frames.extend(lock_timeout.map(|_| Frame::ResetLockTimeout));
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::work::{Action, Outcome, StepWork};

    fn work() -> StepWork {
        StepWork {
            units: vec![Unit::sql("CREATE TABLE a (x int)", "one"), Unit::sql("CREATE TABLE b (x int)", "two")],
            writes: vec![HistoryWrite::Remove { id: "a1".into() }, HistoryWrite::Log {
                id: "a1".into(),
                action: Action::Downgrade,
                outcome: Outcome::Ok,
                detail: None,
            }],
            lock_timeout: None,
        }
    }

    /// The frames as words, to compare orders.
    fn names(frames: &[Frame<'_>]) -> Vec<String> {
        frames
            .iter()
            .map(|frame| match frame {
                Frame::Begin => "begin".to_owned(),
                Frame::Clock => "clock".to_owned(),
                Frame::Unit(index, unit) => format!("unit {index} {}", unit.label),
                Frame::Writes(writes) => format!("{} writes", writes.len()),
                Frame::Commit => "commit".to_owned(),
                Frame::LockTimeout(timeout) => format!("lock timeout {timeout:?}"),
                Frame::ResetLockTimeout => "reset lock timeout".to_owned(),
            })
            .collect()
    }

    #[test]
    fn revision_runs_its_units_inside_the_transaction_when_transactional() {
        let work = work();
        assert_eq!(
            names(&revision(&work.units, &work.writes, true, None)),
            ["begin", "clock", "unit 0 one", "unit 1 two", "2 writes", "commit"]
        );
    }

    #[test]
    fn revision_runs_its_units_before_the_transaction_of_its_writes_when_it_opted_out() {
        let work = work();
        assert_eq!(
            names(&revision(&work.units, &work.writes, false, None)),
            ["clock", "unit 0 one", "unit 1 two", "begin", "2 writes", "commit"]
        );
    }

    #[test]
    fn revision_without_writes_opens_no_transaction_only_when_it_opted_out() {
        let work = StepWork { writes: Vec::new(), ..work() };
        assert_eq!(names(&revision(&work.units, &work.writes, true, None)), ["begin", "clock", "unit 0 one", "unit 1 two", "commit"]);
        assert_eq!(names(&revision(&work.units, &work.writes, false, None)), ["clock", "unit 0 one", "unit 1 two"]);
    }

    #[test]
    fn revision_sets_its_lock_timeout_before_its_transaction_and_resets_it_after_its_statements() {
        let work = work();
        let timeout = Some(Duration::from_millis(200));
        assert_eq!(
            names(&revision(&work.units, &work.writes, true, timeout)),
            ["lock timeout 200ms", "begin", "clock", "unit 0 one", "unit 1 two", "2 writes", "commit", "reset lock timeout"]
        );
        // Opted out: its history writes do not wait under the revision's timeout.
        assert_eq!(
            names(&revision(&work.units, &work.writes, false, timeout)),
            ["lock timeout 200ms", "clock", "unit 0 one", "unit 1 two", "reset lock timeout", "begin", "2 writes", "commit"]
        );
    }

    #[test]
    fn record_frames_writes_alone_without_a_clock() {
        let work = work();
        assert_eq!(names(&record(&work.writes, None)), ["begin", "2 writes", "commit"]);
        assert!(record(&[], None).is_empty());
        assert_eq!(
            names(&record(&work.writes, Some(Duration::from_secs(1)))),
            ["lock timeout 1s", "begin", "2 writes", "commit", "reset lock timeout"]
        );
    }
}
