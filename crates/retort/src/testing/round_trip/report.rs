//! What a round trip did, and how it is printed at the end of a passing test.

use std::fmt;
use std::time::Duration;

use crate::testing::BackendKind;

/// What a round trip did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The backend the round trip ran on.
    pub backend: BackendKind,
    /// One entry per revision, in table order.
    pub revisions: Vec<RevisionReport>,
    /// How long the full downgrade to base and upgrade to heads took;
    /// `None` when skipped (an irreversible revision).
    pub full_cycle: Option<Duration>,
    /// Everything that was not checked, and why (also printed as it happens).
    pub notes: Vec<String>,
    /// How long the whole round trip took.
    pub elapsed: Duration,
}

/// What happened to one revision.
#[derive(Debug, Clone)]
pub struct RevisionReport {
    /// The revision's id.
    pub id: &'static str,
    /// The revision's source file.
    pub file: &'static str,
    /// What the harness did with it, or why it skipped it.
    pub outcome: RevisionOutcome,
    /// Upgrade, downgrade, upgrade and the snapshots between them.
    pub elapsed: Duration,
}

/// How far a revision was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevisionOutcome {
    /// Upgraded, downgraded and upgraded again, with equal schemas.
    RoundTripped,
    /// Upgraded only: it declares itself irreversible.
    Irreversible,
    /// Upgraded only: it could not be downgraded on its own.
    NotIsolated,
}

impl Report {
    /// The report before anything has run.
    pub(super) fn new(backend: BackendKind) -> Self {
        Self {
            backend,
            revisions: Vec::new(),
            full_cycle: None,
            notes: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let checked = self
            .revisions
            .iter()
            .filter(|r| r.outcome == RevisionOutcome::RoundTripped)
            .count();
        writeln!(
            f,
            "round trip on {}: {checked} of {} revisions up/down/up, {:.2?}",
            self.backend.product(),
            self.revisions.len(),
            self.elapsed
        )?;
        for revision in &self.revisions {
            let outcome = match revision.outcome {
                RevisionOutcome::RoundTripped => "ok",
                RevisionOutcome::Irreversible => "irreversible: upgrade only",
                RevisionOutcome::NotIsolated => "upgrade only",
            };
            writeln!(
                f,
                "  {} {} {outcome} ({:.2?})",
                revision.id, revision.file, revision.elapsed
            )?;
        }
        match self.full_cycle {
            Some(elapsed) => writeln!(f, "  heads → base → heads ok ({elapsed:.2?})")?,
            None => writeln!(f, "  heads → base → heads not checked")?,
        }
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_every_revision_and_note_when_some_were_not_round_tripped() {
        let report = Report {
            backend: BackendKind::Postgres,
            revisions: vec![
                RevisionReport {
                    id: "ca2061f1a411",
                    file: "migrations/ca2061f1a411_initial.sql",
                    outcome: RevisionOutcome::RoundTripped,
                    elapsed: Duration::ZERO,
                },
                RevisionReport {
                    id: "e2c91c86cdd1",
                    file: "migrations/e2c91c86cdd1_drop_legacy.sql",
                    outcome: RevisionOutcome::Irreversible,
                    elapsed: Duration::ZERO,
                },
            ],
            full_cycle: None,
            notes: vec!["revision e2c91c86cdd1 is irreversible".to_owned()],
            elapsed: Duration::ZERO,
        };
        assert_eq!(
            report.to_string().lines().collect::<Vec<_>>(),
            [
                "round trip on PostgreSQL: 1 of 2 revisions up/down/up, 0.00ns",
                "  ca2061f1a411 migrations/ca2061f1a411_initial.sql ok (0.00ns)",
                "  e2c91c86cdd1 migrations/e2c91c86cdd1_drop_legacy.sql irreversible: upgrade only (0.00ns)",
                "  heads → base → heads not checked",
                "  note: revision e2c91c86cdd1 is irreversible",
            ]
        );
    }
}
