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
    SeveralHeads { heads: Vec<Candidate> },
    #[error("a data check names revision `{revision}`: {error}")]
    UnknownRevision { revision: String, error: GraphError },
    #[error(
        "{database} already has {} applied revision(s) ({}); a round trip needs a database with nothing \
         applied, such as one from retort::test_database!",
        applied.len(),
        applied.join(", ")
    )]
    NotEmpty {
        database: String,
        applied: Vec<String>,
    },
    #[error("{doing} failed: {error}")]
    Backend { doing: String, error: BackendError },
    #[error("{action} failed: {error}")]
    Migrate {
        action: String,
        error: Box<MigrateError>,
    },
    #[error(
        "downgrading revision {id} ({file}) did not restore the schema from before its upgrade:\n{}\n\
         Make its downgrade undo exactly what its upgrade does.",
        list(differences, "lost", "left behind")
    )]
    NotReverted {
        id: String,
        file: String,
        differences: Vec<Difference>,
    },
    #[error(
        "upgrading revision {id} ({file}) again after its downgrade gave another schema than its first upgrade \
         (expected → actual):\n{}\nIts upgrade depends on something its downgrade changed.",
        list(differences, "missing", "extra")
    )]
    NotReapplied {
        id: String,
        file: String,
        differences: Vec<Difference>,
    },
    #[error(
        "downgrading every revision to base did not leave an empty schema:\n{}{}",
        list(differences, "lost", "left behind"),
        if history.is_empty() { String::new() } else { format!("\n  the history still records {}", history.join(", ")) }
    )]
    FullDowngrade {
        differences: Vec<Difference>,
        history: Vec<String>,
    },
    #[error(
        "upgrading from base to heads in one run gave another schema than applying the revisions one by one \
         (expected → actual):\n{}",
        list(differences, "missing", "extra")
    )]
    FullUpgrade { differences: Vec<Difference> },
    #[error("data check {phase} revision {id} failed: {message}")]
    DataCheck {
        id: String,
        phase: DataPhase,
        message: String,
    },
    #[error(
        "schema snapshots are missing or out of date: {}; review them with `cargo insta review` \
         (or accept them with INSTA_UPDATE=always) and commit them with the revision",
        names.join(", ")
    )]
    Snapshots { names: Vec<String> },
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
