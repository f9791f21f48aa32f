//! The migrator's errors: each says what happened, where, and how to fix it.

use std::fmt;

use crate::backend::BackendError;
use crate::database_url::UrlError;
use crate::hint;
use crate::{Dialect, Direction, PlanError, TargetError};

/// A revision whose recorded checksum differs from the compiled one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Drifted {
    pub id: String,
    pub file: &'static str,
    pub compiled: String,
    pub recorded: String,
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
    Backend(#[from] BackendError),
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(
        "{}; nothing was run. If only comments or whitespace changed, record the file(s) as they are now with {}; \
         otherwise restore the file(s) from version control, or put the change in a new revision (`{}`)",
        drifted.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        drifted.iter().map(|d| format!("`{}`", hint::MIGRATE_REPAIR.revision(&d.id))).collect::<Vec<_>>().join(", "),
        hint::NEW_REVISION
    )]
    Drift { drifted: Vec<Drifted> },
    #[error(
        "the database has revisions this build does not know: {} (applied by a newer build?); nothing was run. \
         Update this checkout, or pass --ignore-unknown to proceed anyway",
        ids.join(", ")
    )]
    UnknownApplied { ids: Vec<String> },
    #[error(
        "revision {id} ({file}) is recorded as {status}: a non-transactional revision did not finish, so the schema \
         may be half-changed; nothing was run. Inspect the database, then run `{}` if its changes are in place, or \
         `{}` if they are not",
        hint::MIGRATE_RESOLVE_APPLIED.revision(id),
        hint::MIGRATE_RESOLVE_ROLLED_BACK.revision(id)
    )]
    Unresolved {
        id: String,
        file: &'static str,
        status: &'static str,
    },
    #[error(transparent)]
    Statement(Box<StatementFailure>),
    #[error(
        "revision {id} ({file}), operation {operation}, has no SQL for {dialect}: give it with \
         `op.execute_per_dialect([...])` including Dialect::{dialect_variant}"
    )]
    NoSqlForDialect {
        id: String,
        file: &'static str,
        operation: usize,
        dialect: Dialect,
        dialect_variant: String,
    },
    #[error("revision {id} ({file}) has no downgrade: add one, or declare it irreversible")]
    NoDowngrade { id: String, file: &'static str },
    #[error(
        "revision {id} ({file}): sqlcmd variable `$({name})` on line {line} of the script (as built, its `:r` files \
         included) has no value, so nothing was run: give it with `--var {name}=…`, the environment variable \
         `RETORT_VAR_{name}`, the project's [variables], or `:setvar {name} …` in the script"
    )]
    UndefinedVariable { id: String, file: &'static str, line: u32, name: String },
    #[error(
        "revision {id} ({file}): `:on error ignore` before the batch on line {line} of the script cannot go on past a \
         failing batch inside the revision's transaction (SQL Server rolls it back); nothing was run: add \
         `-- transactional: false` to the revision's header, or remove the `:on error ignore` line"
    )]
    IgnoreInTransaction { id: String, file: &'static str, line: u32 },
    #[error(
        "revision {id} ({file}): an sqlcmd variable's value changes how the script is cut into batches (it holds a \
         `GO` line, or starts a line with `:`); nothing was run: batches and commands are read before values are \
         put in, so give a value without them"
    )]
    VariableChangesBatches { id: String, file: &'static str },
    #[error("no revision {id} in this build: check the id with `{}`", hint::MIGRATE_HISTORY)]
    UnknownRevision { id: String },
    #[error(
        "revision {id} ({file}) is {state}, not recorded as running or failed: resolve only settles a \
         non-transactional revision that did not finish; nothing was changed. {advice}"
    )]
    NotResolvable {
        id: String,
        file: &'static str,
        /// "applied", or "not applied".
        state: &'static str,
        advice: String,
    },
    #[error(
        "revision {id} ({file}) is {state}: repair records the changed file of an applied revision; nothing was \
         changed. {advice}"
    )]
    NotRepairable {
        id: String,
        file: &'static str,
        /// "not applied", "recorded as running" or "recorded as failed".
        state: &'static str,
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
        id: String,
        file: &'static str,
        compiled: String,
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
        id: String,
        file: &'static str,
        compiled: String,
        recorded: String,
        /// Why there is nothing to compare with.
        reason: &'static str,
    },
    #[error("{0}")]
    Offline(String),
    #[error(transparent)]
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
    pub direction: Direction,
    pub id: String,
    pub file: &'static str,
    /// `file:line` when known.
    pub location: Option<String>,
    pub statement: Option<u32>,
    pub sql: String,
    pub code: Option<String>,
    pub message: String,
    /// What state the database is in now.
    pub aftermath: String,
}
