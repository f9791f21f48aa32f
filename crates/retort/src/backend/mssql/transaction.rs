//! The requests that run a unit, decided without a connection.
//!
//! tiberius has two ways to send SQL, and they differ in what matters here:
//!
//! - an **SQL batch** (`simple_query`) runs text as `sqlcmd` would send it.
//!   User batches go this way, unchanged, and so does everything that opens
//!   or closes a transaction spanning several requests;
//! - an **RPC** of `sp_executesql` (`Query`) carries parameters. History
//!   writes go this way, since values are never pasted into SQL. SQL Server
//!   checks that an RPC leaves `@@TRANCOUNT` as it found it (error 266), so an
//!   RPC runs inside a transaction opened before it.
//!
//! `Backend::begin` sends nothing: the `BEGIN TRANSACTION` goes in front of
//! the revision's first batch, on the same line, so that the server's line
//! numbers still match the file; on the primitives' path a transactional
//! revision costs one round trip per batch plus two (its history writes, one
//! RPC, and `COMMIT TRANSACTION`). A batch that must be first in its batch
//! (`CREATE VIEW` …) gets the `BEGIN` as a request of its own. After any
//! error the backend sends [`ROLLBACK_IF_OPEN`]: `XACT_ABORT` rolls back on
//! most errors, but not on compile errors such as a missing table under
//! deferred name resolution, and no transaction may outlive a failed run.
//!
//! A migration's run of transactional revisions takes a shorter path
//! ([`revision_requests`]): one request per batch and nothing more. The
//! `BEGIN` and the revision's clock join its first batch, and its history
//! writes (values as literals, through the one quoting function that offline
//! scripts use) and `COMMIT` join its last, which runs inside `TRY … CATCH`
//! so that no error of the batch, not even one that does not end it
//! (`RAISERROR`), reaches the `COMMIT`. Revisions joined back to back do
//! not send again a setting the one before left in place (`XACT_ABORT`,
//! the lock timeout; [`Carried`]). Consecutive revisions of one batch each
//! share requests, up to [`SHARED_REVISIONS`] a request, each as it would
//! go alone ([`shared_request`]), unless something in one would run
//! differently in a batch shared with others ([`may_share`]): a failure
//! there is told by running the failed revision (and the rest of its group)
//! alone again, since a batch compiled whole may fail where its revisions
//! alone would not.
//!
//! Inside a revision's transaction, statements that run after an error in
//! the same batch are rolled back with it, so a batch goes as it is: tiberius
//! keeps the first error token of a batch, whatever follows it. Outside a
//! transaction (a revision that opted out), what runs after an error
//! commits, and not every error ends a batch: `RAISERROR` never does, and
//! without `XACT_ABORT` a constraint violation ends only its statement. There
//! each user batch runs inside `TRY … CATCH` ([`stop_at_first_error`]), so
//! that the server itself stops at the first error of severity 11 or more.

use super::batch::{self, starts_with_batch_first_statement};
use crate::backend::Unit;
use crate::framing::Frame;
use crate::history::{self, HistoryTable, Rendered, Value, WriteContext};
use crate::Dialect;
use std::time::Duration;

/// Opens a revision's transaction, in front of its first batch: stops each
/// batch at its first error and rolls the transaction back (`XACT_ABORT`),
/// and opens the transaction. One line, ending with a blank, so that it can
/// precede a batch's first line; offline scripts write it a statement a
/// line.
pub(crate) const BEGIN: &str = "SET XACT_ABORT ON; BEGIN TRANSACTION; ";

/// [`BEGIN`] on a session that has `XACT_ABORT` on already ([`Carried`]).
const BEGIN_TRANSACTION: &str = "BEGIN TRANSACTION; ";

/// What a joined revision leaves set on the session for the next one, so
/// that the next one need not send it again: each `SET` is a statement
/// Babelfish compiles (together about a tenth of the floor's revision).
/// Only the revision's own text can change them in between: a `SET` inside
/// a procedure or dynamic SQL ends with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Carried {
    /// `XACT_ABORT` is on.
    pub xact_abort: bool,
    /// The lock timeout in force, when a joined revision left it for the next.
    pub lock_timeout: Option<Duration>,
}

impl Carried {
    /// What a revision framed as `frames` leaves, followed by one that wants
    /// lock timeout `next`: nothing of what its text may change (a word of
    /// the setting anywhere in it, a comment included, is enough to send it
    /// again), and its lock timeout only when `next` is the same.
    fn after(frames: &[Frame<'_>], next: Option<Duration>) -> Carried {
        let mentions = |word: &str| {
            frames.iter().any(|frame| matches!(frame, Frame::Unit(_, unit) if unit.sql.to_ascii_uppercase().contains(word)))
        };
        let lock_timeout = lock_timeout(frames);
        Carried {
            xact_abort: frames.iter().any(|frame| matches!(frame, Frame::Begin)) && !mentions("XACT_ABORT"),
            lock_timeout: lock_timeout.filter(|timeout| next == Some(*timeout) && !mentions("LOCK_TIMEOUT")),
        }
    }
}

/// The lock timeout a revision framed as `frames` sets, if any.
fn lock_timeout(frames: &[Frame<'_>]) -> Option<Duration> {
    frames.iter().find_map(|frame| match *frame {
        Frame::LockTimeout(timeout) => Some(timeout),
        _ => None,
    })
}

/// Starts a revision's clock in offline scripts (online, the migrator
/// measures it): in the session context, which, unlike a variable,
/// outlives the batch: the history writes of an offline script,
/// in a later batch, measure the revision's time with
/// [`Dialect::offline_elapsed_ms`](crate::Dialect::offline_elapsed_ms).
pub(crate) const START_CLOCK: &str = concat!(
    "DECLARE @retort_started datetime2(7) = SYSUTCDATETIME(); ",
    "EXEC sys.sp_set_session_context @key = N'retort.started', @value = @retort_started;"
);

/// Sent after any failure: leaves no transaction open, whatever failed.
pub(crate) const ROLLBACK_IF_OPEN: &str = "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;";

/// Ends a transactional revision.
pub(crate) const COMMIT: &str = "COMMIT TRANSACTION;";

/// The first column of the row the `CATCH` block of [`stop_at_first_error`]
/// sends before raising the error again: the line of the error, then the
/// module it was raised in (NULL in the batch itself). SQL Server keeps both
/// in the raised error; Babelfish reports the line of `THROW` instead.
pub(crate) const ERROR_LINE_COLUMN: &str = "retort_error_line";

/// Runs a user batch so that the server stops at its first error: the
/// batch inside `TRY`, and a `CATCH` that rolls back what the batch opened,
/// says where the error was ([`ERROR_LINE_COLUMN`]) and raises it again with
/// its own number, message and severity (`THROW`). `BEGIN TRY` shares the
/// batch's first line so that the server's line numbers still match the
/// file. A batch that must be first in its batch goes as it is: it is one
/// statement, so nothing runs after its error anyway.
///
/// A compile error (a syntax error, or a missing table under deferred name
/// resolution) ends the batch without entering `CATCH`; the server then
/// reports it as it is.
pub(crate) fn stop_at_first_error(sql: &str) -> String {
    caught(sql, "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; ")
}

/// [`stop_at_first_error`] for the last batch of a joined revision
/// ([`revision_requests`]), whose transaction `BEGIN` opened with
/// `XACT_ABORT` on: there `THROW` itself rolls the transaction back, and
/// ends the batch before the history writes and `COMMIT` whatever the
/// batch set (with `XACT_ABORT` turned off, the transaction stays open and
/// the backend rolls it back, as after any failure). Babelfish compiles
/// every statement of a request, run or not, and an `IF` costs it about a
/// third of a millisecond a revision.
fn stop_at_first_error_in_transaction(sql: &str) -> String {
    caught(sql, "")
}

/// `sql` inside `TRY`, and a `CATCH` that runs `rollback`, says where the
/// error was ([`WHERE_IT_FAILED`]) and raises it again.
fn caught(sql: &str, rollback: &str) -> String {
    if starts_with_batch_first_statement(sql) {
        return sql.to_owned();
    }
    let line_break = closing_break(sql);
    format!("BEGIN TRY {sql}{line_break}END TRY BEGIN CATCH {rollback}{WHERE_IT_FAILED} THROW; END CATCH;")
}

/// The line break to put after `sql` before anything follows it on the
/// same request: none when it ends with one, else one, since a last line
/// without a break may be a `--` comment, which would swallow what follows.
fn closing_break(sql: &str) -> &'static str {
    if sql.ends_with('\n') { "" } else { "\n" }
}

/// The `CATCH` block's row of where the error was ([`ERROR_LINE_COLUMN`]).
/// The error functions answer anywhere in the scope of a `CATCH` block,
/// dynamic SQL included, and in dynamic SQL the server compiles them only
/// when an error happened: Babelfish compiles every statement of a request,
/// run or not, and the two functions cost it about 80 ms in a new session
/// (the `EXEC` about 25) and more text to parse in every revision after.
const WHERE_IT_FAILED: &str =
    "EXEC(N'SELECT ERROR_LINE() AS retort_error_line, ERROR_PROCEDURE() AS retort_error_procedure');";

/// SQL Server accepts at most 2100 parameters in one request.
pub(crate) const MAX_PARAMETERS: usize = 2100;

/// Which user batch a request carries, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    /// 1-based number of the batch within its unit.
    pub batch: u32,
    /// 1-based line within the unit where the batch starts.
    pub first_line: u32,
    /// The batch text as in the unit.
    pub sql: String,
    /// What sqlcmd's `:on error` says to do when it fails.
    pub on_error: retort_sql::OnError,
}

/// One SQL batch to send; `origin` is the user batch it carries, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub text: String,
    pub origin: Option<Origin>,
}

/// The SQL batches that run `unit`, split on its `GO` lines (a batch with a
/// repeat count, `GO 3`, is sent that many times), with `begin` in front of
/// the first one when a transaction is still to open. Outside a transaction
/// (`in_transaction` false) each batch is [`stop_at_first_error`]'s.
pub(crate) fn requests(unit: &Unit, mut begin: Option<&str>, in_transaction: bool) -> Vec<Request> {
    let mut requests = Vec::new();
    for origin in batches_of(unit) {
        let text = match begin.take() {
            Some(begin) if !starts_with_batch_first_statement(&origin.sql) => format!("{begin}{}", origin.sql),
            Some(begin) => {
                requests.push(Request { text: begin.trim_end().to_owned(), origin: None });
                origin.sql.clone()
            }
            None if in_transaction => origin.sql.clone(),
            None => stop_at_first_error(&origin.sql),
        };
        requests.push(Request { text, origin: Some(origin) });
    }
    requests
}

/// The first column of the row a revision's last request sends after its
/// `COMMIT` ([`revision_requests`]): the revision's own time in
/// milliseconds, measured by the server from its clock to its history
/// writes. Its absence from a request that did not fail means the request
/// ended before its `COMMIT` (a `RETURN` in the batch).
pub(crate) const DONE_COLUMN: &str = "retort_done_ms";

/// One request of a revision sent joined ([`revision_requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Joined {
    pub text: String,
    /// The user batch it carries: the index of its unit in the revision, and
    /// where it is in the unit.
    pub origin: Option<(usize, Origin)>,
    /// Where the revision's history writes and `COMMIT` start in `text`,
    /// when the request carries them: the rest of `text` from there is a
    /// request of its own that ends the revision (sent when the batch before
    /// it ended early), and a failure on a line after the user batch's is
    /// not the batch's.
    pub commit_at: Option<usize>,
}

impl Joined {
    /// Whether the server's `line` (in a failure of this request) is in the
    /// user batch it carries; `false` past its end (the `CATCH`, the writes).
    pub fn in_batch(&self, line: u32) -> bool {
        let Some((_, origin)) = &self.origin else { return false };
        let lines = u32::try_from(origin.sql.lines().count()).unwrap_or(u32::MAX);
        line >= 1 && (self.commit_at.is_none() || line <= lines)
    }
}

/// Declares the variables of a revision's clock in its request: where it
/// started, and its time (for its history writes, then for
/// [`DONE_COLUMN`]). Once a request: the revisions of a shared request
/// ([`shared_request`]) set them in turn: on the TDS server, declaring
/// them with a value in each revision cost about a tenth of the floor's
/// revision, where a `SET` costs next to nothing.
const DECLARE_CLOCK: &str = "DECLARE @retort_started datetime2(7), @retort_elapsed bigint; ";

/// Starts the clock of a revision sent as one request: a variable of the
/// request is enough, where [`START_CLOCK`] also keeps the start in the
/// session for later requests (which costs Babelfish a few milliseconds).
const SET_CLOCK: &str = "SET @retort_started = SYSUTCDATETIME(); ";

/// The revision's time so far, read from [`SET_CLOCK`].
const CLOCK_ELAPSED_MS: &str = "DATEDIFF_BIG(millisecond, @retort_started, SYSUTCDATETIME())";

/// The variable that holds the revision's time for its history writes.
const ELAPSED: &str = "@retort_elapsed";

/// How a revision's request is sent: alone, or as one of a shared request
/// ([`shared_request`]), which declares the clock's variables once and runs
/// all its revisions inside one `TRY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Alone,
    Shared,
}

impl Joined {
    /// The history writes and `COMMIT` of this request as a request of
    /// their own, recording `elapsed_ms` (the revision's time as the client
    /// measured it): for a batch that ended before them.
    pub fn ending(&self, elapsed_ms: u128) -> Option<String> {
        let end = &self.text[self.commit_at?..];
        let (_, writes) = end.split_once('\n')?;
        Some(format!("DECLARE {ELAPSED} bigint = {elapsed_ms};\n{writes}"))
    }
}

/// The requests of one transactional revision's frames, as few as its
/// batches allow: one per batch when it has any, and else one. `BEGIN` and
/// the clock go in front of the first batch on its first line; the history
/// writes and `COMMIT` after the last batch, which then runs inside `TRY`:
/// its `CATCH` raises the error again, which under `XACT_ABORT` rolls back
/// ([`stop_at_first_error_in_transaction`]), so that nothing after an error
/// commits. A put inserts its row without a delete: the run found none.
/// A batch that must be first in its batch takes nothing in front of it or
/// after it: what would have joined it is a request of its own.
///
/// The revision's time is the server's, from the clock to the writes: in a
/// variable when the revision is one request, else in the session
/// ([`START_CLOCK`], read back as an offline script's writes do).
///
/// `carried` is what the joined revision before it left set on the session
/// (run back to back, nothing runs between them): a `SET` it already made
/// is left out, and on return `carried` is what this one leaves. Its lock
/// timeout stays set, without the reset after `COMMIT`, when the revision
/// sent after it (`next`, its lock timeout) wants the same one.
pub(crate) fn revision_requests(
    frames: &[Frame<'_>],
    table: &HistoryTable,
    carried: &mut Carried,
    next: Option<Duration>,
) -> Vec<Joined> {
    shaped_requests(frames, table, carried, next, Shape::Alone)
}

/// [`revision_requests`], sent in `shape`: as one of a shared request, a
/// revision of one request neither declares its clock's variables nor runs
/// its batch inside a `TRY` of its own.
fn shaped_requests(
    frames: &[Frame<'_>],
    table: &HistoryTable,
    carried: &mut Carried,
    next: Option<Duration>,
    shape: Shape,
) -> Vec<Joined> {
    let before = *carried;
    *carried = Carried::after(frames, next);
    let units: Vec<(usize, Origin)> = frames
        .iter()
        .filter_map(|frame| match *frame {
            Frame::Unit(index, unit) => Some(batches_of(unit).into_iter().map(move |origin| (index, origin))),
            _ => None,
        })
        .flatten()
        .collect();
    let one_request = match units.as_slice() {
        [] => true,
        [(_, only)] => !starts_with_batch_first_statement(&only.sql),
        _ => false,
    };
    // One request sets the variables declared in front of it; else the
    // clock is kept in the session, and the request that ends the revision
    // declares its own.
    let (clock, elapsed) = match one_request {
        true => (SET_CLOCK.to_owned(), CLOCK_ELAPSED_MS),
        false => (format!("{START_CLOCK} "), Dialect::Mssql.offline_elapsed_ms()),
    };
    // Each batch with what goes in front of it.
    let mut batches: Vec<(String, Option<(usize, Origin)>)> = Vec::new();
    let mut units = units.into_iter().peekable();
    let mut front = match (one_request, shape) {
        (true, Shape::Alone) => DECLARE_CLOCK.to_owned(),
        _ => String::new(),
    };
    let mut clocked = false;
    let mut end = String::new();
    for frame in frames {
        match *frame {
            // A session setting, on the first batch's first line as BEGIN
            // is, so that the server's line numbers stay the user's.
            Frame::LockTimeout(timeout) if before.lock_timeout != Some(timeout) => {
                front.push_str(&Dialect::Mssql.set_lock_timeout(timeout));
                front.push_str("; ");
            }
            Frame::ResetLockTimeout if carried.lock_timeout.is_none() => {
                end.push_str(Dialect::Mssql.reset_lock_timeout());
                end.push_str(";\n");
            }
            Frame::LockTimeout(_) | Frame::ResetLockTimeout => {}
            Frame::Begin if before.xact_abort => front.push_str(BEGIN_TRANSACTION),
            Frame::Begin => front.push_str(BEGIN),
            Frame::Clock => {
                front.push_str(&clock);
                clocked = true;
            }
            Frame::Unit(index, _) => {
                while let Some((unit, origin)) = units.next_if(|(unit, _)| *unit == index) {
                    if !front.is_empty() && starts_with_batch_first_statement(&origin.sql) {
                        batches.push((std::mem::take(&mut front), None));
                    }
                    batches.push((std::mem::take(&mut front), Some((unit, origin))));
                }
            }
            Frame::Writes(writes) => {
                let table = table.resolved(Dialect::Mssql);
                // Joined revisions are an upgrade's or a downgrade's, whose
                // run found no unsettled row under the lock.
                let cx = WriteContext {
                    elapsed_ms: ELAPSED.to_owned(),
                    new_rows: true,
                    ..WriteContext::online(Dialect::Mssql, &table, std::time::Duration::ZERO)
                };
                for write in history::render_inline(writes, &cx) {
                    end.push_str(&write);
                    end.push_str(";\n");
                }
            }
            Frame::Commit => {
                end.push_str(COMMIT);
                end.push('\n');
            }
        }
    }
    let end = (!end.is_empty()).then(|| {
        let elapsed = if clocked { elapsed } else { "0" };
        let elapsed = match one_request {
            true => format!("SET {ELAPSED} = {elapsed};"),
            false => format!("DECLARE {ELAPSED} bigint = {elapsed};"),
        };
        format!("{elapsed}\n{end}SELECT {ELAPSED} AS {DONE_COLUMN};")
    });
    let joins_last = end.is_some()
        && front.is_empty()
        && batches.last().is_some_and(|(_, origin)| origin.as_ref().is_some_and(|(_, o)| !starts_with_batch_first_statement(&o.sql)));
    let count = batches.len();
    let mut requests: Vec<Joined> = batches
        .into_iter()
        .enumerate()
        .map(|(at, (front, origin))| match (&origin, &end) {
            (Some((_, batch)), Some(end)) if joins_last && at + 1 == count => {
                let text = match shape {
                    Shape::Alone => format!("{front}{}\n", stop_at_first_error_in_transaction(&batch.sql)),
                    Shape::Shared => format!("{front}{}{}", batch.sql, closing_break(&batch.sql)),
                };
                Joined { commit_at: Some(text.len()), text: text + end, origin }
            }
            (Some((_, batch)), _) => Joined { text: front + &batch.sql, origin, commit_at: None },
            (None, _) => Joined { text: front.trim_end().to_owned(), origin, commit_at: None },
        })
        .collect();
    if let (false, Some(end)) = (joins_last, end) {
        requests.push(Joined { commit_at: Some(front.len()), text: front + &end, origin: None });
    }
    requests
}

/// At most this many revisions share one request ([`shared_request`]): a
/// bounded amount of work for the server to finish or roll back after the
/// client is gone, in a batch quick to compile (on the TDS server here,
/// 50 a request ran slower than 20).
pub(crate) const SHARED_REVISIONS: usize = 20;

/// And at most this much text, the history writes included.
const SHARED_TEXT: usize = 256 * 1024;

/// Words that make a revision run alone, whatever they stand in (a
/// comment, a name): in a batch shared with other revisions it could run
/// differently from how it runs alone, without failing. `RETURN` would end
/// the revisions after it; `GOTO` could jump into another revision's label;
/// `SCOPE_IDENTITY()` would see another revision's insert (its scope is the
/// batch), and so would a local cursor; `QUOTED_IDENTIFIER`, `PARSEONLY`,
/// `FIPS_FLAGGER` and `OFFSETS` are set when a batch is parsed, so the
/// revisions after one that sets them would be parsed without it. Every
/// other `SET` takes effect as it runs, as it would across requests.
const RUNS_ALONE: [&str; 8] =
    ["RETURN", "GOTO", "SCOPE_IDENTITY", "CURSOR", "QUOTED_IDENTIFIER", "PARSEONLY", "FIPS_FLAGGER", "OFFSETS"];

/// Whether a transactional revision framed as `frames` may share a request
/// with the revisions around it ([`shared_request`]): it is one batch, not
/// one that must be first in its batch, it names none of [`RUNS_ALONE`],
/// and it has no local variable (an `@` but in `@@`): a batch declares a
/// name once, and a revision that used a variable another one declared
/// would run shared and fail alone.
pub(crate) fn may_share(frames: &[Frame<'_>]) -> bool {
    let mut batches = 0;
    for frame in frames {
        let Frame::Unit(_, unit) = frame else { continue };
        let words = unit.sql.to_ascii_uppercase();
        if RUNS_ALONE.iter().any(|word| words.contains(word)) || words.replace("@@", "").contains('@') {
            return false;
        }
        for origin in batches_of(unit) {
            batches += 1;
            if batches > 1 || starts_with_batch_first_statement(&origin.sql) {
                return false;
            }
        }
    }
    true
}

/// Sent after each revision of a shared request when someone follows the
/// run: SQL Server holds a batch's rows until its output buffer fills, but
/// sends a message raised `WITH NOWAIT` at once, and the rows before it
/// with it; so each revision is reported as it commits, not when the
/// request ends. Severity 0: a message, not an error.
pub(crate) const FLUSH: &str = "RAISERROR(N'retort: revision committed', 0, 1) WITH NOWAIT;";

/// Several transactional revisions, each framed as `frames` allows
/// ([`may_share`]), as one request: each as [`revision_requests`] would
/// send it alone, one after the other, but for two things. The request
/// declares the clock's variables once ([`DECLARE_CLOCK`]), and each
/// revision sets them in turn; and one `TRY` holds them all, whose `CATCH`
/// says where the error was and raises it again ([`WHERE_IT_FAILED`]), as
/// the `TRY` around a revision's batch does when it goes alone. Babelfish
/// compiles every statement of a request, and a `TRY … CATCH` a revision
/// cost it about 5% of the floor's revision, the variables declared with a
/// value each 10%.
///
/// Each revision still commits on its own and sends its [`DONE_COLUMN`]
/// row after its `COMMIT` (with [`FLUSH`] after it when `followed`). Under
/// `XACT_ABORT` any error ends the whole request (`THROW` in the `CATCH`
/// rolls back the revision it stopped): the revisions after the failed one
/// do not run.
///
/// Takes as many revisions from the front of `revisions` as
/// [`SHARED_REVISIONS`] and the text's bound allow, at least one that is
/// one request, up to the first that is not; returns the request and how
/// many it carries (none, an empty text, and `carried` untouched, when the
/// first is not). `carried` and `next` are [`revision_requests`]'s, `next`
/// for the revision after the last of `revisions`.
pub(crate) fn shared_request(
    revisions: &[Vec<Frame<'_>>],
    table: &HistoryTable,
    carried: &mut Carried,
    next: Option<Duration>,
    followed: bool,
) -> (String, usize) {
    let mut text = String::new();
    let mut count = 0;
    for (index, frames) in revisions.iter().enumerate().take(SHARED_REVISIONS) {
        let after = revisions.get(index + 1).map_or(next, |frames| lock_timeout(frames));
        let mut leaves = *carried;
        // One request, as `may_share` makes sure; else it goes alone, next.
        let Ok([request]) = <[Joined; 1]>::try_from(shaped_requests(frames, table, &mut leaves, after, Shape::Shared)) else {
            break;
        };
        if count > 0 && text.len() + request.text.len() > SHARED_TEXT {
            break;
        }
        *carried = leaves;
        text.push_str(&request.text);
        text.push('\n');
        if followed {
            text.push_str(FLUSH);
            text.push('\n');
        }
        count += 1;
    }
    if count == 0 {
        return (text, 0);
    }
    (format!("{DECLARE_CLOCK}BEGIN TRY {text}END TRY BEGIN CATCH {WHERE_IT_FAILED} THROW; END CATCH;"), count)
}

/// The batches of `unit`, split on its `GO` lines, a batch with a repeat
/// count (`GO 3`) that many times, each numbered within the unit.
fn batches_of(unit: &Unit) -> Vec<Origin> {
    let mut batches = Vec::new();
    for (number, piece) in batch::split_batches(&unit.sql).into_iter().enumerate() {
        let origin = Origin {
            batch: u32::try_from(number + 1).unwrap_or(u32::MAX),
            first_line: piece.first_line,
            sql: piece.sql,
            on_error: piece.on_error,
        };
        batches.extend(std::iter::repeat_n(origin, piece.repeat as usize));
    }
    batches
}

/// Rendered statements, each numbering its `@Pn` from 1, joined into
/// parameterised requests of at most [`MAX_PARAMETERS`] parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub sql: String,
    pub values: Vec<Value>,
    /// For each statement: its index in the input and the 1-based line of
    /// `sql` it starts on, so that a server line maps back to a statement.
    pub starts: Vec<(usize, u32)>,
}

/// Groups statements into requests. With `own_transaction`, a single group
/// opens and commits its own transaction; the caller checks
/// `groups.len() == 1` before asking for that (several groups need a
/// transaction around them, opened by an SQL batch).
pub(crate) fn group(statements: &[Rendered], own_transaction: bool) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut current = Group {
        sql: String::new(),
        values: Vec::new(),
        starts: Vec::new(),
    };
    for (index, statement) in statements.iter().enumerate() {
        if !current.starts.is_empty()
            && current.values.len() + statement.values.len() > MAX_PARAMETERS
        {
            groups.push(std::mem::replace(
                &mut current,
                Group {
                    sql: String::new(),
                    values: Vec::new(),
                    starts: Vec::new(),
                },
            ));
        }
        let line = u32::try_from(current.sql.matches('\n').count() + 1).unwrap_or(u32::MAX);
        current.starts.push((index, line));
        current.sql.push_str(
            batch::renumber_parameters(
                statement.sql.trim_end().trim_end_matches(';'),
                current.values.len(),
            )
            .as_str(),
        );
        current.sql.push_str(";\n");
        current.values.extend(statement.values.iter().cloned());
    }
    if !current.starts.is_empty() {
        groups.push(current);
    }
    if own_transaction {
        for group in &mut groups {
            group.sql = format!(
                "SET XACT_ABORT ON; BEGIN TRANSACTION;\n{}COMMIT TRANSACTION;",
                group.sql
            );
            for start in &mut group.starts {
                start.1 += 1;
            }
        }
    }
    groups
}

impl Group {
    /// The input index of the statement on `line` of `sql`.
    pub fn statement_at(&self, line: u32) -> Option<usize> {
        self.starts
            .iter()
            .rev()
            .find(|(_, start)| *start <= line)
            .map(|(index, _)| *index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catch_row_is_named_as_the_backend_reads_it() {
        assert!(WHERE_IT_FAILED.contains(&format!("ERROR_LINE() AS {ERROR_LINE_COLUMN},")), "{WHERE_IT_FAILED}");
    }

    use crate::framing;
    use crate::work::{Action, HistoryWrite, Outcome, Status};

    fn unit(sql: &str) -> Unit {
        Unit {
            sql: sql.into(),
            first_line: Some(1),
            label: "script".into(),
        }
    }

    fn texts(requests: &[Request]) -> Vec<&str> {
        requests.iter().map(|request| request.text.as_str()).collect()
    }

    #[test]
    fn requests_put_begin_on_the_first_line_and_number_the_batches() {
        let requests = requests(&unit("-- revision: a1\nCREATE TABLE a (id int);\nGO\nINSERT a VALUES (1);\n"), Some(BEGIN), true);
        assert_eq!(
            texts(&requests),
            [format!("{BEGIN}-- revision: a1\nCREATE TABLE a (id int);\n").as_str(), "INSERT a VALUES (1);\n"]
        );
        let origin = requests[1].origin.as_ref().expect("a user batch");
        assert_eq!((origin.batch, origin.first_line), (2, 4));
    }

    #[test]
    fn requests_send_begin_alone_before_a_batch_first_statement() {
        let requests = requests(&unit("CREATE VIEW v AS SELECT 1 AS one\n"), Some(BEGIN), true);
        assert_eq!(texts(&requests), [BEGIN.trim_end(), "CREATE VIEW v AS SELECT 1 AS one\n"]);
        assert_eq!(requests[0].origin, None);
    }

    #[test]
    fn requests_repeat_a_batch_with_a_count_and_skip_empty_ones() {
        assert_eq!(
            texts(&requests(&unit("INSERT t DEFAULT VALUES\nGO 2\n"), None, true)),
            ["INSERT t DEFAULT VALUES\n", "INSERT t DEFAULT VALUES\n"]
        );
        assert!(requests(&unit("-- nothing\n\nGO\n"), Some(BEGIN), true).is_empty());
    }

    #[test]
    fn requests_outside_a_transaction_stop_at_the_first_error_on_the_same_lines() {
        let requests = requests(&unit("INSERT a VALUES (1); -- one\nGO\nCREATE VIEW v AS SELECT 1 AS one"), None, false);
        assert_eq!(
            texts(&requests),
            [
                "BEGIN TRY INSERT a VALUES (1); -- one\nEND TRY BEGIN CATCH IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; \
                 EXEC(N'SELECT ERROR_LINE() AS retort_error_line, ERROR_PROCEDURE() AS retort_error_procedure'); THROW; END CATCH;",
                "CREATE VIEW v AS SELECT 1 AS one",
            ]
        );
    }

    fn applied(id: &str) -> Vec<HistoryWrite> {
        vec![
            HistoryWrite::Put {
                id: id.into(),
                checksum: "c0ffee".into(),
                message: "it's new".into(),
                status: Status::Applied,
                fingerprint: None,
            },
            HistoryWrite::Log { id: id.into(), action: Action::Upgrade, outcome: Outcome::Ok, detail: None },
        ]
    }

    fn joined(sql: &str) -> Vec<Joined> {
        let units = [unit(sql)];
        let writes = applied("a1");
        revision_requests(&framing::revision(&units, &writes, true, None), &HistoryTable::default(), &mut Carried::default(), None)
    }

    #[test]
    fn revision_requests_send_a_single_batch_revision_as_one_request_on_the_files_lines() {
        let requests = joined("CREATE TABLE a (id int);\nINSERT a VALUES (1);");
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        let (first, rest) = request.text.split_once('\n').expect("several lines");
        // The clock's variables, BEGIN, the clock and TRY share the batch's first line.
        assert_eq!(first, format!("{DECLARE_CLOCK}{BEGIN}{SET_CLOCK}BEGIN TRY CREATE TABLE a (id int);"));
        let mut lines = rest.lines();
        assert_eq!(lines.next(), Some("INSERT a VALUES (1);"));
        // XACT_ABORT is on: THROW rolls back, with no IF for Babelfish to compile.
        assert_eq!(
            lines.next(),
            Some("END TRY BEGIN CATCH EXEC(N'SELECT ERROR_LINE() AS retort_error_line, ERROR_PROCEDURE() AS retort_error_procedure'); THROW; END CATCH;")
        );
        let end = &request.text[request.commit_at.expect("it commits")..];
        // The run found no row of the revision under the lock: an insert, no delete.
        assert!(!end.contains("DELETE"), "{end}");
        assert!(end.starts_with(&format!("SET @retort_elapsed = {CLOCK_ELAPSED_MS};\n")), "{end}");
        // Values as literals through the one quoting function; the time from the variable.
        assert!(end.contains("N'a1', N'c0ffee', N'it''s new', N'applied', SYSUTCDATETIME(), @retort_elapsed"), "{end}");
        assert!(end.ends_with("COMMIT TRANSACTION;\nSELECT @retort_elapsed AS retort_done_ms;"), "{end}");
        assert_eq!(request.origin.as_ref().map(|(unit, origin)| (*unit, origin.batch, origin.first_line)), Some((0, 1, 1)));
        // Lines 1 and 2 are the batch's; 3 is the CATCH, 4 on the writes.
        assert!(request.in_batch(2) && !request.in_batch(3) && !request.in_batch(4));
        // After a batch that ended early, the writes go alone with the client's time.
        let ending = request.ending(12).expect("it commits");
        assert!(ending.starts_with("DECLARE @retort_elapsed bigint = 12;\nINSERT INTO [dbo].[retort_history] ("), "{ending}");
        assert!(ending.ends_with(&end[end.find('\n').expect("two lines")..]));
    }

    #[test]
    fn revision_requests_set_the_lock_timeout_on_the_first_line_and_reset_it_after_the_commit() {
        let units = [unit("CREATE TABLE a (id int);\nINSERT a VALUES (1);")];
        let writes = applied("a1");
        let frames = framing::revision(&units, &writes, true, Some(std::time::Duration::from_millis(1500)));
        let requests = revision_requests(&frames, &HistoryTable::default(), &mut Carried::default(), None);
        assert_eq!(requests.len(), 1, "still one request");
        let first = requests[0].text.lines().next().expect("a line");
        assert!(first.starts_with(&format!("{DECLARE_CLOCK}SET LOCK_TIMEOUT 1500; {BEGIN}{SET_CLOCK}BEGIN TRY CREATE TABLE a")), "{first}");
        let end = &requests[0].text[requests[0].commit_at.expect("it commits")..];
        assert!(end.ends_with("COMMIT TRANSACTION;\nSET LOCK_TIMEOUT -1;\nSELECT @retort_elapsed AS retort_done_ms;"), "{end}");
        assert!(requests[0].in_batch(2) && !requests[0].in_batch(3), "the file's lines stay the server's");
    }

    #[test]
    fn revision_requests_leave_out_the_settings_the_revision_before_left() {
        let timeout = Some(Duration::from_millis(1500));
        let writes = applied("a1");
        let plain = [unit("CREATE TABLE a (id int);")];
        let frames = framing::revision(&plain, &writes, true, timeout);
        let table = HistoryTable::default();
        let mut carried = Carried::default();
        // The first sets both, and keeps the lock timeout for a next that wants it.
        let first = &revision_requests(&frames, &table, &mut carried, timeout)[0].text;
        assert!(first.starts_with(&format!("{DECLARE_CLOCK}SET LOCK_TIMEOUT 1500; {BEGIN}{SET_CLOCK}BEGIN TRY")), "{first}");
        assert!(!first.contains("SET LOCK_TIMEOUT -1"), "{first}");
        assert_eq!(carried, Carried { xact_abort: true, lock_timeout: timeout });
        // The last sets neither, and puts the session's lock timeout back.
        let last = &revision_requests(&frames, &table, &mut carried, None)[0].text;
        assert!(last.starts_with(&format!("{DECLARE_CLOCK}{BEGIN_TRANSACTION}{SET_CLOCK}BEGIN TRY CREATE TABLE a")), "{last}");
        assert!(last.contains("COMMIT TRANSACTION;\nSET LOCK_TIMEOUT -1;\n"), "{last}");
        assert_eq!(carried, Carried { xact_abort: true, lock_timeout: None });
        // One whose text names a setting may change it: the next sends it again.
        let own = [unit("SET XACT_ABORT OFF; set lock_timeout 10;\nCREATE TABLE b (id int);")];
        let frames = framing::revision(&own, &writes, true, timeout);
        let mut carried = Carried { xact_abort: true, lock_timeout: timeout };
        let changing = &revision_requests(&frames, &table, &mut carried, timeout)[0].text;
        assert!(changing.starts_with(&format!("{DECLARE_CLOCK}{BEGIN_TRANSACTION}{SET_CLOCK}BEGIN TRY SET XACT_ABORT OFF")), "{changing}");
        assert!(changing.contains("COMMIT TRANSACTION;\nSET LOCK_TIMEOUT -1;\n"), "{changing}");
        assert_eq!(carried, Carried::default());
    }

    #[test]
    fn may_share_only_one_batch_without_variables_or_words_that_run_differently_in_a_shared_batch() {
        let writes = applied("a1");
        let shares = |sql: &str| may_share(&framing::revision(&[unit(sql)], &writes, true, None));
        assert!(shares("CREATE TABLE a (id int);\nINSERT a VALUES (1);"));
        assert!(shares("IF @@ROWCOUNT = 0 RAISERROR(N'none', 16, 1);"), "a global is not a variable");
        assert!(shares("SET XACT_ABORT OFF; SET LOCK_TIMEOUT 10;"), "set as they run, sent again after");
        assert!(!shares("CREATE TABLE a (id int);\nGO\nINSERT a VALUES (1);"), "two batches");
        assert!(!shares("INSERT a VALUES (1);\nGO 2"), "a batch sent twice");
        assert!(!shares("CREATE VIEW v AS SELECT 1 AS one"), "first in its batch");
        assert!(!shares("DECLARE @n int = 1;"), "a variable");
        assert!(!shares("INSERT a (mail) VALUES (N'me@example.com');"), "an @ in a literal, to be safe");
        assert!(!shares("IF 1 = 1 RETURN;"));
        assert!(!shares("-- set quoted_identifier off\nCREATE TABLE a (id int);"), "in a comment too");
        assert!(!shares("INSERT a DEFAULT VALUES; SELECT SCOPE_IDENTITY();"));
        // No batch at all (history writes only) shares too.
        assert!(may_share(&framing::revision(&[], &writes, true, None)));
    }

    #[test]
    fn a_last_line_that_is_a_comment_ends_before_what_follows_it_alone_and_shared() {
        let units = [unit("CREATE TABLE a (id int); -- the end, no line break")];
        let writes = applied("a1");
        let revision = framing::revision(&units, &writes, true, None);
        let table = HistoryTable::default();
        let alone = revision_requests(&revision, &table, &mut Carried::default(), None).remove(0).text;
        assert!(alone.contains("-- the end, no line break\nEND TRY BEGIN CATCH"), "{alone}");
        let (shared, count) = shared_request(&[revision.clone(), revision], &table, &mut Carried::default(), None, false);
        assert_eq!(count, 2);
        assert_eq!(shared.matches("-- the end, no line break\nSET @retort_elapsed").count(), 2, "{shared}");
    }

    #[test]
    fn shared_request_sends_each_revision_as_alone_inside_one_try_with_one_clock() {
        let units = [unit("CREATE TABLE a (id int);")];
        let writes: Vec<_> = (0..25).map(|n| applied(&format!("a{n}"))).collect();
        let timeout = Some(Duration::from_millis(1500));
        let revisions: Vec<_> = writes.iter().map(|writes| framing::revision(&units, writes, true, timeout)).collect();
        let table = HistoryTable::default();
        let mut carried = Carried::default();
        let (text, count) = shared_request(&revisions[..3], &table, &mut carried, None, false);
        assert_eq!(count, 3);
        // Each as it would go alone after the one before, without the
        // declarations and its own TRY: those are the request's.
        let mut alone = Carried::default();
        let expected: Vec<String> = (0..3)
            .map(|at| {
                let next = if at < 2 { timeout } else { None };
                let text = revision_requests(&revisions[at], &table, &mut alone, next).remove(0).text;
                let text = text.strip_prefix(DECLARE_CLOCK).expect("declared in front").replacen("BEGIN TRY ", "", 1);
                let (batch, end) = text.split_once("END TRY BEGIN CATCH ").expect("a CATCH");
                let (_, end) = end.split_once('\n').expect("the writes after the CATCH");
                format!("{batch}{end}\n")
            })
            .collect();
        assert_eq!(text, format!("{DECLARE_CLOCK}BEGIN TRY {}END TRY BEGIN CATCH {WHERE_IT_FAILED} THROW; END CATCH;", expected.concat()));
        assert_eq!(carried, alone);
        assert!(text.starts_with(&format!("{DECLARE_CLOCK}BEGIN TRY SET LOCK_TIMEOUT 1500; {BEGIN}{SET_CLOCK}CREATE TABLE a")), "{text}");
        assert_eq!(text.matches("DECLARE").count(), 1, "{text}");
        assert_eq!(text.matches(SET_CLOCK).count(), 3, "{text}");
        assert_eq!(text.matches("SELECT @retort_elapsed AS retort_done_ms;").count(), 3, "{text}");
        assert_eq!(text.matches("SET XACT_ABORT ON").count(), 1, "carried from the first");
        assert_eq!(text.matches("SET LOCK_TIMEOUT -1").count(), 1, "reset after the last");
        assert_eq!(text.matches(DONE_COLUMN).count(), 3);
        // Followed: a flush after each revision's row.
        let (followed, _) = shared_request(&revisions[..3], &table, &mut Carried::default(), None, true);
        assert_eq!(followed.matches(&format!("AS {DONE_COLUMN};\n{FLUSH}\n")).count(), 3, "{followed}");
        // At most SHARED_REVISIONS, and within the text's bound.
        assert_eq!(shared_request(&revisions, &table, &mut Carried::default(), None, false).1, SHARED_REVISIONS);
        let big = [unit(&format!("CREATE TABLE a (id int); -- {}", "x".repeat(SHARED_TEXT / 3)))];
        let revisions: Vec<_> = writes.iter().map(|writes| framing::revision(&big, writes, true, None)).collect();
        assert_eq!(shared_request(&revisions, &table, &mut Carried::default(), None, false).1, 2);
        let huge = [unit(&format!("CREATE TABLE a (id int); -- {}", "x".repeat(SHARED_TEXT)))];
        let revisions: Vec<_> = writes.iter().map(|writes| framing::revision(&huge, writes, true, None)).collect();
        assert_eq!(shared_request(&revisions, &table, &mut Carried::default(), None, false).1, 1, "at least one");
        // A revision of two requests ends the group before it.
        let two = [unit("CREATE TABLE a (id int);\nGO\nINSERT a VALUES (1);")];
        let mixed = [framing::revision(&units, &writes[0], true, None), framing::revision(&two, &writes[1], true, None)];
        assert_eq!(shared_request(&mixed, &table, &mut Carried::default(), None, false).1, 1);
        let mut untouched = Carried::default();
        let (text, count) = shared_request(&[mixed[1].clone()], &table, &mut untouched, None, false);
        assert_eq!((text.as_str(), count, untouched), ("", 0, Carried::default()), "none, and nothing carried");
    }

    #[test]
    fn revision_requests_put_begin_on_the_first_batch_and_the_commit_on_the_last() {
        let requests = joined("CREATE TABLE a (id int);\nGO\nINSERT a VALUES (1);\nGO 2\nINSERT a VALUES (2);\n");
        assert_eq!(requests.len(), 4);
        assert_eq!(requests[0].text, format!("{BEGIN}{START_CLOCK} CREATE TABLE a (id int);\n"));
        let end = &requests[3].text[requests[3].commit_at.expect("it commits")..];
        assert!(end.starts_with(&format!("DECLARE @retort_elapsed bigint = {};\n", Dialect::Mssql.offline_elapsed_ms())));
        assert_eq!([requests[1].text.as_str(), requests[2].text.as_str()], ["INSERT a VALUES (1);\n"; 2]);
        assert!(requests[3].text.starts_with("BEGIN TRY INSERT a VALUES (2);\nEND TRY BEGIN CATCH"));
        let batches: Vec<_> = requests.iter().map(|r| r.origin.as_ref().map(|(_, o)| (o.batch, o.first_line))).collect();
        assert_eq!(batches, [Some((1, 1)), Some((2, 3)), Some((2, 3)), Some((3, 5))]);
        assert_eq!(requests.iter().map(|r| r.commit_at.is_some()).collect::<Vec<_>>(), [false, false, false, true]);
        // A failure anywhere in a batch that does not commit is the batch's.
        assert!(requests[0].in_batch(7));
    }

    #[test]
    fn revision_requests_add_nothing_to_a_batch_that_must_be_first() {
        let requests = joined("CREATE VIEW v AS SELECT 1 AS one\n");
        let texts: Vec<&str> = requests.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert_eq!(texts[0], format!("{BEGIN}{START_CLOCK}"));
        assert_eq!(texts[1], "CREATE VIEW v AS SELECT 1 AS one\n");
        assert!(texts[2].starts_with("DECLARE @retort_elapsed") && requests[2].commit_at == Some(0), "{}", texts[2]);
        // Without batches, one request opens, writes and commits.
        let requests = joined("-- nothing to run\n");
        assert_eq!(requests.len(), 1);
        assert!(requests[0].text.starts_with(&format!("{DECLARE_CLOCK}{BEGIN}")), "{}", requests[0].text);
        assert!(requests[0].text.contains(&format!("{SET_CLOCK}SET @retort_elapsed = {CLOCK_ELAPSED_MS};\n")), "{}", requests[0].text);
        assert!(requests[0].text.contains("COMMIT TRANSACTION;"));
        assert_eq!(requests[0].origin, None);
    }

    #[test]
    fn group_renumbers_parameters_and_wraps_its_own_transaction() {
        let statements = [
            Rendered {
                sql: "DELETE FROM [h] WHERE revision_id = @P1".into(),
                values: vec![Value::Text("a".into())],
            },
            Rendered {
                sql: "INSERT INTO [h] (a, b)\nVALUES (@P1, @P2);".into(),
                values: vec![Value::Text("a".into()), Value::Int(3)],
            },
        ];
        let groups = group(&statements, true);
        assert_eq!(groups.len(), 1);
        assert_eq!(
            groups[0].sql,
            "SET XACT_ABORT ON; BEGIN TRANSACTION;\nDELETE FROM [h] WHERE revision_id = @P1;\n\
             INSERT INTO [h] (a, b)\nVALUES (@P2, @P3);\nCOMMIT TRANSACTION;"
        );
        assert_eq!(groups[0].values.len(), 3);
        assert_eq!(groups[0].statement_at(2), Some(0));
        assert_eq!(groups[0].statement_at(4), Some(1));
    }

    #[test]
    fn group_splits_at_the_parameter_limit() {
        let statement = Rendered {
            sql: "INSERT t VALUES (@P1)".into(),
            values: vec![Value::Int(1)],
        };
        let groups = group(&vec![statement; MAX_PARAMETERS + 1], false);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].values.len(), MAX_PARAMETERS);
        assert!(groups[1].sql.starts_with("INSERT t VALUES (@P1)"));
        assert_eq!(groups[1].starts, [(MAX_PARAMETERS, 1)]);
    }
}
