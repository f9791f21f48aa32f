//! The migrator's errors: each says what happened, where, and how to fix it.

use std::fmt;

use crate::backend::BackendError;
use crate::database_url::UrlError;
use crate::hint;
use crate::{Dialect, Direction, PlanError, TargetError};

/// A revision whose recorded checksum differs from the compiled one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Drifted {
    /// The revision's id.
    pub id: String,
    /// The revision's source file, relative to the crate root.
    pub file: &'static str,
    /// The SHA-256 of the file this build compiled (hex).
    pub compiled: String,
    /// The SHA-256 the history recorded when the revision was applied (hex).
    pub recorded: String,
    /// When it was applied, as the history records it.
    pub applied_at: String,
}

impl fmt::Display for Drifted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "revision {} ({}) applied at {} has changed since: compiled sha256 {}…, recorded {}…",
            self.id,
            self.file,
            self.applied_at,
            short(&self.compiled),
            short(&self.recorded),
        )
    }
}

/// Errors of planning and applying revisions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    #[error(transparent)]
    /// The connection, the migration lock or the history tables failed.
    Backend(#[from] BackendError),
    #[error(transparent)]
    /// The database URL cannot be used as written.
    Url(#[from] UrlError),
    #[error(transparent)]
    /// The target (`head`, an id prefix, `-1`…) does not parse or resolve
    /// against the revision graph.
    Target(#[from] TargetError),
    #[error(transparent)]
    /// No plan reaches the target from the applied revisions.
    Plan(#[from] PlanError),
    #[error(
        "{}; nothing was run. If only comments or whitespace changed, record the file(s) as they are now with {}; \
         otherwise restore the file(s) from version control, or put the change in a new revision (`{}`)",
        drifted.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        drifted.iter().map(|d| format!("`{}`", hint::MIGRATE_REPAIR.revision(&d.id))).collect::<Vec<_>>().join(", "),
        hint::NEW_REVISION
    )]
    /// Applied revisions whose files changed since; nothing was run.
    Drift {
        /// Each changed revision with both checksums.
        drifted: Vec<Drifted>,
    },
    #[error(
        "the database has revisions this build does not know: {} (applied by a newer build?); nothing was run. \
         Update this checkout, or pass --ignore-unknown to proceed anyway",
        ids.join(", ")
    )]
    /// The history records revisions this build does not have (applied by
    /// a newer build); nothing was run.
    UnknownApplied {
        /// Their ids, as recorded.
        ids: Vec<String>,
    },
    #[error(
        "revision {id} ({file}) is recorded as {status}: a non-transactional revision did not finish, so the schema \
         may be half-changed; nothing was run. Inspect the database, then run `{}` if its changes are in place, or \
         `{}` if they are not",
        hint::MIGRATE_RESOLVE_APPLIED.revision(id),
        hint::MIGRATE_RESOLVE_ROLLED_BACK.revision(id)
    )]
    /// A non-transactional revision is recorded as running or failed: every
    /// run refuses until `migrate resolve` settles it.
    Unresolved {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// `running` or `failed`, as recorded.
        status: &'static str,
    },
    #[error(transparent)]
    /// A statement of a revision failed; the revisions before it stay
    /// committed, and the failing one was rolled back where it ran in a
    /// transaction.
    Statement(Box<StatementFailure>),
    #[error(
        "revision {id} ({file}), operation {operation}, has no SQL for {dialect}: give it with \
         `op.execute_per_dialect([...])` including Dialect::{dialect_variant}"
    )]
    /// A raw SQL operation of a Rust revision (`op.execute_per_dialect`) gives
    /// no SQL for the database's dialect; nothing of the revision was run.
    NoSqlForDialect {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The operation's 1-based number among those the revision records.
        operation: usize,
        /// The database's dialect.
        dialect: Dialect,
        /// The dialect's `Dialect` variant name, as the fix spells it.
        dialect_variant: String,
    },
    #[error("revision {id} ({file}) has no downgrade: add one, or declare it irreversible")]
    /// A downgrade passes a revision that has no downgrade and is not
    /// declared irreversible; nothing was run.
    NoDowngrade {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
    },
    #[error(
        "revision {id}: sqlcmd variable `$({name})` at {file}:{line} has no value, so nothing was run: give it \
         with `--var {name}=…`, the environment variable `RETORT_VAR_{name}`, the project's [variables], or \
         `:setvar {name} …` in the script"
    )]
    /// An sqlcmd variable of a SQL Server revision has no value from any
    /// source; nothing was run.
    UndefinedVariable {
        /// The revision's id.
        id: String,
        /// The file the variable is written in, relative to the crate root:
        /// the revision's, or a file its script includes (`:r`).
        file: &'static str,
        /// The line in that file.
        line: u32,
        /// The variable's name.
        name: String,
    },
    #[error(
        "revision {id}: `:on error ignore` before the batch at {file}:{line} cannot go on past a failing batch \
         inside the revision's transaction (SQL Server rolls it back); nothing was run: add \
         `-- transactional: false` to the revision's header, or remove the `:on error ignore` line"
    )]
    /// `:on error ignore` in a revision that runs in a transaction, where
    /// a failing batch rolls everything back; nothing was run.
    IgnoreInTransaction {
        /// The revision's id.
        id: String,
        /// The file the batch is written in: the revision's, or a file its
        /// script includes (`:r`).
        file: &'static str,
        /// The batch's first line in that file.
        line: u32,
    },
    #[error(
        "revision {id} ({file}): an sqlcmd variable's value changes how the script is cut into batches (it holds a \
         `GO` line, or starts a line with `:`); nothing was run: batches and commands are read before values are \
         put in, so give a value without them"
    )]
    /// A variable's value would add a `GO` line or an sqlcmd command to the
    /// script; nothing was run.
    VariableChangesBatches {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
    },
    #[error("no revision {id} in this build: check the id with `{}`", hint::MIGRATE_HISTORY)]
    /// An id (or prefix) names no revision of this build.
    UnknownRevision {
        /// The id as given.
        id: String,
    },
    #[error(
        "revision {id} ({file}) is {state}, not recorded as running or failed: resolve only settles a \
         non-transactional revision that did not finish; nothing was changed. {advice}"
    )]
    /// `migrate resolve` was asked to settle a revision that is not recorded
    /// as running or failed; nothing was changed.
    NotResolvable {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// "applied", or "not applied".
        state: &'static str,
        /// What to run instead.
        advice: String,
    },
    #[error(
        "revision {id} ({file}) is {state}: repair records the changed file of an applied revision; nothing was \
         changed. {advice}"
    )]
    /// `migrate repair` was asked to record the file of a revision that is
    /// not applied, or not finished; nothing was changed.
    NotRepairable {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// "not applied", "recorded as running" or "recorded as failed".
        state: &'static str,
        /// What to run instead.
        advice: String,
    },
    /// `migrate repair` found more than comments and whitespace changed.
    #[error(
        "revision {id} ({file}) changed more than comments and whitespace since it was applied (compiled sha256 \
         {}…, recorded {}…): {difference}; nothing was recorded. Restore the file from version control, or put the \
         change in a new revision (`{}`)",
        short(compiled),
        short(recorded),
        hint::NEW_REVISION
    )]
    Changed {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The SHA-256 of the file this build compiled (hex).
        compiled: String,
        /// The SHA-256 the history recorded (hex).
        recorded: String,
        /// The first difference: a statement as the file has it now, or a
        /// setting of the revision.
        difference: String,
    },
    /// `migrate repair` has no fingerprint of what was applied to compare
    /// the file with.
    #[error(
        "revision {id} ({file}) changed since it was applied (compiled sha256 {}…, recorded {}…), and {reason}, so \
         retort cannot tell whether only comments and whitespace changed; nothing was recorded. Compare the file \
         with the version that was applied (`git log -p -- {file}`): if only comments or whitespace changed, run \
         `{}`; otherwise restore the file, or put the change in a new revision (`{}`)",
        short(compiled),
        short(recorded),
        hint::MIGRATE_REPAIR_UNVERIFIED.revision(id),
        hint::NEW_REVISION
    )]
    Unverifiable {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The SHA-256 of the file this build compiled (hex).
        compiled: String,
        /// The SHA-256 the history recorded (hex).
        recorded: String,
        /// Why there is nothing to compare with.
        reason: &'static str,
    },
    #[error("{0}")]
    /// A command's argument that no plan can use (an unknown revision for an
    /// offline script or `migrate lint`, a range the command cannot write);
    /// the text says which and why.
    Offline(String),
    #[error(transparent)]
    /// A revision's recorded operations cannot be rendered (an unknown
    /// table, a column without a type…).
    Op(#[from] crate::op::OpError),
}

impl From<crate::history::HistoryError> for MigrateError {
    fn from(error: crate::history::HistoryError) -> Self {
        MigrateError::Backend(error.into())
    }
}

/// The first 12 characters of a checksum, enough to tell two apart.
fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// A statement that failed while a revision ran: where, what, and the state left behind.
#[derive(Debug, thiserror::Error)]
#[error(
    "{direction} of revision {id} failed at {location}{statement}: {message}{code}\n  statement: {sql}\n  \
     {aftermath}"
    , location = location.as_deref().unwrap_or(file),
      statement = statement.map(|n| format!(", statement {n}")).unwrap_or_default(),
      code = code.as_ref().map(|c| format!(" (code {c})")).unwrap_or_default())]
pub struct StatementFailure {
    /// Whether the revision was being applied or reverted.
    pub direction: Direction,
    /// The revision's id.
    pub id: String,
    /// The revision's source file, relative to the crate root.
    pub file: &'static str,
    /// `file:line` when known.
    pub location: Option<String>,
    /// The failing statement's 1-based number in its unit, when known.
    pub statement: Option<u32>,
    /// The failing statement's text.
    pub sql: String,
    /// The server's error code (SQLSTATE, SQLite extended code, SQL Server
    /// error number), when it gave one.
    pub code: Option<String>,
    /// The server's message.
    pub message: String,
    /// What state the database is in now.
    pub aftermath: String,
}
