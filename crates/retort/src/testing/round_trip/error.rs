//! Why a round trip failed: one error type for the whole harness.

use super::DataPhase;
use crate::backend::BackendError;
use crate::graph::{join_candidates, Candidate, GraphError};
use crate::schema::Difference;
use crate::MigrateError;

/// Why a round trip failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoundTripError {
    #[error(
        "the revision graph has {} heads: {}; merge them with `{}`, or give every intended branch a branch label",
        heads.len(),
        join_candidates(heads),
        crate::hint::MERGE_HEADS
    )]
    /// The graph has several heads that no branch label declares.
    SeveralHeads {
        /// Each head, with its message.
        heads: Vec<Candidate>,
    },
    #[error("a data check names revision `{revision}`: {error}")]
    /// A data check names a revision the graph does not resolve.
    UnknownRevision {
        /// The revision as the check names it.
        revision: String,
        /// Why the graph could not resolve it.
        error: GraphError,
    },
    #[error(
        "{database} already has {} applied revision(s) ({}); a round trip needs a database with nothing \
         applied, such as one from retort::test_database!",
        applied.len(),
        applied.join(", ")
    )]
    /// The database already has applied revisions; a round trip needs an
    /// empty one.
    NotEmpty {
        /// The database, without its password.
        database: String,
        /// The ids recorded as applied.
        applied: Vec<String>,
    },
    #[error("{doing} failed: {error}")]
    /// The database failed outside a migration step.
    Backend {
        /// What the harness was doing.
        doing: String,
        /// The backend's error.
        error: BackendError,
    },
    #[error("{action} failed: {error}")]
    /// A migration step of the walk failed.
    Migrate {
        /// The step (`upgrade to 3f2a…`).
        action: String,
        /// The migrator's error.
        error: Box<MigrateError>,
    },
    #[error(
        "downgrading revision {id} ({file}) did not restore the schema from before its upgrade:\n{}\n\
         Make its downgrade undo exactly what its upgrade does.",
        list(differences, "lost", "left behind")
    )]
    /// A revision's downgrade did not restore the schema from before its
    /// upgrade.
    NotReverted {
        /// The revision's id.
        id: String,
        /// The revision's source file.
        file: String,
        /// What differs from the schema before the upgrade.
        differences: Vec<Difference>,
    },
    #[error(
        "upgrading revision {id} ({file}) again after its downgrade gave another schema than its first upgrade \
         (expected → actual):\n{}\nIts upgrade depends on something its downgrade changed.",
        list(differences, "missing", "extra")
    )]
    /// Upgrading a revision again after its downgrade gave another schema
    /// than its first upgrade.
    NotReapplied {
        /// The revision's id.
        id: String,
        /// The revision's source file.
        file: String,
        /// What differs from the first upgrade's schema.
        differences: Vec<Difference>,
    },
    #[error(
        "downgrading every revision to base did not leave an empty schema:\n{}{}",
        list(differences, "lost", "left behind"),
        if history.is_empty() { String::new() } else { format!("\n  the history still records {}", history.join(", ")) }
    )]
    /// Downgrading every revision to base left objects or history behind.
    FullDowngrade {
        /// What is left of the schema.
        differences: Vec<Difference>,
        /// The revisions the history still records.
        history: Vec<String>,
    },
    #[error(
        "upgrading from base to heads in one run gave another schema than applying the revisions one by one \
         (expected → actual):\n{}",
        list(differences, "missing", "extra")
    )]
    /// Upgrading from base to heads in one run gave another schema than
    /// applying the revisions one by one.
    FullUpgrade {
        /// What differs (expected → actual).
        differences: Vec<Difference>,
    },
    #[error("data check {phase} revision {id} failed: {message}")]
    /// A data check of a revision failed.
    DataCheck {
        /// The revision's id.
        id: String,
        /// When it ran: before the first upgrade, after it, or after the
        /// downgrade.
        phase: DataPhase,
        /// What the check said.
        message: String,
    },
    #[error(
        "schema snapshots are missing or out of date: {}; review them with `cargo insta review` \
         (or accept them with INSTA_UPDATE=always) and commit them with the revision",
        names.join(", ")
    )]
    /// Schema snapshots are missing or out of date: review and commit them.
    Snapshots {
        /// The snapshots' names.
        names: Vec<String>,
    },
}

/// The differences one a line, indented under the message. `missing` names
/// what only the expected schema has and `extra` what only the actual one
/// has, in the words that fit the step ("lost" and "left behind" after a
/// downgrade).
fn list(differences: &[Difference], missing: &str, extra: &str) -> String {
    differences
        .iter()
        .map(|d| format!("  {}", d.describe(missing, extra)))
        .collect::<Vec<_>>()
        .join("\n")
}
