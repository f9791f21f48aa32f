//! The walk: each revision upgraded, downgraded and upgraded again on a
//! database holding exactly its ancestors, then the whole graph down to base
//! and up to heads in one run each (the steps are in the module doc of
//! `round_trip`).

use std::collections::BTreeSet;
use std::io::Write;
use std::num::NonZeroI32;
use std::time::Instant;

use super::{
    data, snapshot, DataCheck, DataConnection, DataPhase, Report, RevisionOutcome, RevisionReport,
    RoundTrip, RoundTripError,
};
use crate::backend::{Backend, Session};
use crate::graph::Candidate;
use crate::schema::{Difference, SchemaSnapshot};
use crate::testing::BackendKind;
use crate::{DatabaseUrl, Direction, Migrator, Revision, RevisionGraph, Target};

/// One step down, as a constant: `NonZeroI32::new` is not usable in patterns.
const ONE_DOWN: NonZeroI32 = match NonZeroI32::new(-1) {
    Some(step) => step,
    None => unreachable!(),
};

/// The round trip of `harness` on the database at `url`: the graph and the
/// data checks are checked before it connects, the snapshot files after
/// the whole walk (so that every outdated one is written in one run).
pub(super) async fn run(harness: &RoundTrip, url: &DatabaseUrl) -> Result<Report, RoundTripError> {
    let started = Instant::now();
    let graph = RevisionGraph::new(harness.migrations);
    check_heads(&graph)?;
    let checks = data::resolve(&graph, &harness.checks)?;
    let mut walk = Walk::connect(harness, url).await?;
    let empty = walk.snapshot("before any revision").await?;
    walk.current = Some(empty.clone());
    for revision in graph.revisions() {
        let check = checks
            .iter()
            .find(|(id, _)| *id == revision.id)
            .map(|(_, check)| *check);
        walk.revision(&graph, revision, check).await?;
    }
    walk.full_cycle(&graph, &empty).await?;
    if !walk.outdated.is_empty() {
        return Err(RoundTripError::Snapshots {
            names: walk.outdated,
        });
    }
    walk.report.elapsed = started.elapsed();
    Ok(walk.report)
}

/// Several heads are refused unless all but one lie on labelled branches.
fn check_heads(graph: &RevisionGraph) -> Result<(), RoundTripError> {
    let heads = graph.heads();
    let labels = graph.branch_labels();
    let undeclared: Vec<&Revision> = heads
        .iter()
        .copied()
        .filter(|head| {
            !labels
                .iter()
                .any(|label| graph.on_branch(label).iter().any(|r| r.id == head.id))
        })
        .collect();
    if heads.len() > 1 && undeclared.len() > 1 {
        return Err(RoundTripError::SeveralHeads {
            heads: Candidate::list(&heads),
        });
    }
    Ok(())
}

/// The kind of database the URL led to, for the report and the snapshot folder.
/// The target naming one revision by its full id.
fn revision_target(id: &str) -> Target {
    Target::Revision {
        prefix: id.to_owned(),
    }
}

/// The state of one run.
struct Walk<'h> {
    harness: &'h RoundTrip,
    db: DataConnection,
    migrator: Migrator,
    /// What is applied now, kept from the step reports.
    applied: BTreeSet<&'static str>,
    /// The schema now, when known without asking.
    current: Option<SchemaSnapshot>,
    report: Report,
    /// Snapshot files that are missing or differ.
    outdated: Vec<String>,
}

impl<'h> Walk<'h> {
    /// Connects to `url`, which must have no revision applied.
    async fn connect(harness: &'h RoundTrip, url: &DatabaseUrl) -> Result<Self, RoundTripError> {
        let backend = crate::connect(url)
            .await
            .map_err(|error| RoundTripError::Backend {
                doing: "connecting".to_owned(),
                error,
            })?;
        let kind = BackendKind::from(backend.dialect());
        let mut walk = Walk {
            harness,
            db: DataConnection::new(backend),
            migrator: Migrator::with_config(harness.migrations, harness.config.clone()),
            applied: BTreeSet::new(),
            current: None,
            report: Report::new(kind),
            outdated: Vec::new(),
        };
        let history = walk.read_history().await?;
        if !history.is_empty() {
            return Err(RoundTripError::NotEmpty {
                database: walk.db.backend().describe(),
                applied: history,
            });
        }
        Ok(walk)
    }

    // -- One revision --------------------------------------------------------

    /// One revision, on a database brought to exactly its ancestors first;
    /// when it cannot be, the revision is only upgraded, with a note.
    async fn revision(
        &mut self,
        graph: &RevisionGraph,
        revision: &'static Revision,
        check: Option<&DataCheck>,
    ) -> Result<(), RoundTripError> {
        let started = Instant::now();
        let id = revision.id;
        let ancestors: BTreeSet<&'static str> = graph.ancestors(id).iter().map(|r| r.id).collect();
        let outcome = if self.reach(revision, &ancestors).await? {
            self.up_down_up(revision, check).await?
        } else {
            self.note(format!(
                "revision {id} ({}) is not round-tripped: the database cannot be brought to exactly its \
                 ancestors, because an irreversible revision of another branch is applied",
                revision.source
            ));
            self.upgrade_to(revision).await?;
            RevisionOutcome::NotIsolated
        };
        self.finish(revision, outcome, started);
        Ok(())
    }

    /// Steps 1 to 4, or 1 and 2 when the revision cannot be downgraded
    /// alone (irreversible, or no target unapplies only it).
    async fn up_down_up(
        &mut self,
        revision: &'static Revision,
        check: Option<&DataCheck>,
    ) -> Result<RevisionOutcome, RoundTripError> {
        let id = revision.id;
        let before = self.current("before the upgrade").await?;
        let after = self.first_upgrade(revision, check).await?;
        if let Some(reason) = revision.irreversible {
            self.note(format!(
                "revision {id} ({}) is irreversible ({reason}): its downgrade is not checked",
                revision.source
            ));
            self.current = Some(after);
            return Ok(RevisionOutcome::Irreversible);
        }
        let Some(down) = self.isolating_downgrade(revision).await else {
            self.note(format!(
                "revision {id} ({}): no downgrade target unapplies it alone, so its downgrade is not checked",
                revision.source
            ));
            self.current = Some(after);
            return Ok(RevisionOutcome::NotIsolated);
        };
        self.downgrade_alone(revision, &down, &before, check)
            .await?;
        self.upgrade_again(revision, &after).await?;
        self.current = Some(after);
        Ok(RevisionOutcome::RoundTripped)
    }

    /// Steps 1 and 2: the `before` hooks, the upgrade, its snapshot checked
    /// against the reviewed file, the `after_upgrade` hooks. Returns the
    /// schema after the upgrade (S1).
    async fn first_upgrade(
        &mut self,
        revision: &'static Revision,
        check: Option<&DataCheck>,
    ) -> Result<SchemaSnapshot, RoundTripError> {
        self.hooks(revision, check, DataPhase::Before).await?;
        let applied = self.upgrade_to(revision).await?;
        debug_assert_eq!(applied, [revision.id], "every ancestor was applied first");
        let after = self.snapshot("after the upgrade").await?;
        self.check_snapshot(revision, &after);
        self.hooks(revision, check, DataPhase::AfterUpgrade).await?;
        Ok(after)
    }

    /// Step 3: downgrading through `down` must give back the schema from
    /// `before` the upgrade (S0); then the `after_downgrade` hooks.
    async fn downgrade_alone(
        &mut self,
        revision: &'static Revision,
        down: &Target,
        before: &SchemaSnapshot,
        check: Option<&DataCheck>,
    ) -> Result<(), RoundTripError> {
        let id = revision.id;
        self.downgrade(down, || {
            format!("downgrading revision {id} ({})", revision.source)
        })
        .await?;
        let reverted = self.snapshot("after the downgrade").await?;
        let differences = self.compare(
            before,
            &reverted,
            &format!("after downgrading revision {id}"),
        );
        if !differences.is_empty() {
            return Err(RoundTripError::NotReverted {
                id: id.to_owned(),
                file: revision.source.to_owned(),
                differences,
            });
        }
        self.hooks(revision, check, DataPhase::AfterDowngrade).await
    }

    /// Step 4: upgrading again must give the schema of the first upgrade (S1).
    async fn upgrade_again(
        &mut self,
        revision: &'static Revision,
        after: &SchemaSnapshot,
    ) -> Result<(), RoundTripError> {
        let id = revision.id;
        self.upgrade(&revision_target(id), || {
            format!(
                "upgrading revision {id} ({}) again after its downgrade",
                revision.source
            )
        })
        .await?;
        let again = self.snapshot("after the second upgrade").await?;
        let differences = self.compare(
            after,
            &again,
            &format!("after upgrading revision {id} again"),
        );
        if !differences.is_empty() {
            return Err(RoundTripError::NotReapplied {
                id: id.to_owned(),
                file: revision.source.to_owned(),
                differences,
            });
        }
        Ok(())
    }

    // -- Getting to a revision's ancestors -----------------------------------

    /// Brings the database to exactly `ancestors` applied: other branches
    /// go down, missing ancestors come up. `false` when no downgrade can do
    /// it (an irreversible revision is in the way).
    async fn reach(
        &mut self,
        revision: &'static Revision,
        ancestors: &BTreeSet<&'static str>,
    ) -> Result<bool, RoundTripError> {
        if self.applied == *ancestors {
            return Ok(true);
        }
        if !self.applied.is_subset(ancestors) {
            let Some(target) = self.downgrade_to_ancestors(revision, ancestors).await else {
                return Ok(false);
            };
            self.downgrade(&target, || {
                format!("downgrading other branches before revision {}", revision.id)
            })
            .await?;
        }
        for needed in revision.parents.iter().chain(revision.depends_on) {
            if !self.applied.contains(needed) {
                self.upgrade(&revision_target(needed), || {
                    format!(
                        "upgrading to {needed}, which revision {} needs",
                        revision.id
                    )
                })
                .await?;
            }
        }
        Ok(self.applied == *ancestors)
    }

    /// The first downgrade target, a parent of `revision` or else base,
    /// after which only `ancestors` of it stay applied; `None` when no such
    /// target can be planned (an irreversible revision is in the way).
    async fn downgrade_to_ancestors(
        &mut self,
        revision: &'static Revision,
        ancestors: &BTreeSet<&'static str>,
    ) -> Option<Target> {
        let mut candidates: Vec<Target> = revision
            .parents
            .iter()
            .map(|parent| revision_target(parent))
            .collect();
        candidates.push(Target::Base);
        for target in candidates {
            let Some(plan) = self.plan_down(&target).await else {
                continue;
            };
            if self
                .applied
                .iter()
                .filter(|id| !plan.contains(id))
                .all(|id| ancestors.contains(id))
            {
                return Some(target);
            }
        }
        None
    }

    /// A downgrade target whose plan is this revision alone.
    async fn isolating_downgrade(&mut self, revision: &'static Revision) -> Option<Target> {
        let mut candidates = vec![Target::RelativeTo {
            prefix: revision.id.to_owned(),
            steps: ONE_DOWN,
        }];
        candidates.extend(
            revision
                .branch_labels
                .iter()
                .map(|label| Target::BranchBase {
                    branch: (*label).to_owned(),
                }),
        );
        for target in candidates {
            if self
                .plan_down(&target)
                .await
                .is_some_and(|plan| plan == [revision.id])
            {
                return Some(target);
            }
        }
        None
    }

    // -- The whole graph -----------------------------------------------------

    /// Everything down to base in one run, then up to heads in one run.
    async fn full_cycle(
        &mut self,
        graph: &RevisionGraph,
        empty: &SchemaSnapshot,
    ) -> Result<(), RoundTripError> {
        self.upgrade(&Target::Heads, || "upgrading to heads".to_owned())
            .await?;
        let heads = self.current("at heads").await?;
        if let Some(irreversible) = graph.revisions().iter().find(|r| r.irreversible.is_some()) {
            self.note(format!(
                "the full downgrade to base and upgrade to heads are not checked: revision {} ({}) is irreversible",
                irreversible.id, irreversible.source
            ));
            self.current = Some(heads);
            return Ok(());
        }
        let started = Instant::now();
        self.downgrade(&Target::Base, || "downgrading to base".to_owned())
            .await?;
        let base = self.snapshot("after downgrading to base").await?;
        let differences = self.compare(empty, &base, "after downgrading to base");
        let history = self.read_history().await?;
        if !differences.is_empty() || !history.is_empty() {
            return Err(RoundTripError::FullDowngrade {
                differences,
                history,
            });
        }
        self.upgrade(&Target::Heads, || "upgrading from base to heads".to_owned())
            .await?;
        let again = self.snapshot("after upgrading from base to heads").await?;
        let differences = self.compare(&heads, &again, "after upgrading from base to heads");
        if !differences.is_empty() {
            return Err(RoundTripError::FullUpgrade { differences });
        }
        self.current = Some(again);
        self.report.full_cycle = Some(started.elapsed());
        Ok(())
    }

    // -- Steps and bookkeeping -----------------------------------------------

    /// Upgrades to `revision`; the ids of the revisions it applied.
    async fn upgrade_to(
        &mut self,
        revision: &'static Revision,
    ) -> Result<Vec<&'static str>, RoundTripError> {
        self.upgrade(&revision_target(revision.id), || {
            format!(
                "upgrading to revision {} ({})",
                revision.id, revision.source
            )
        })
        .await
    }

    /// The ids the history table records as applied.
    async fn read_history(&mut self) -> Result<Vec<String>, RoundTripError> {
        let rows = crate::sequence::read_history(self.db.backend(), &self.harness.config.history)
            .await
            .map_err(|error| RoundTripError::Backend {
                doing: "reading the history".to_owned(),
                error,
            })?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|row| row.id)
            .collect())
    }

    /// A fresh snapshot of the schema; `when` says which in the error.
    async fn snapshot(&mut self, when: &str) -> Result<SchemaSnapshot, RoundTripError> {
        self.db
            .backend()
            .introspect(&self.harness.config.history)
            .await
            .map_err(|error| RoundTripError::Backend {
                doing: format!("introspecting the schema {when}"),
                error,
            })
    }

    /// The schema now: the known one, or a fresh snapshot.
    async fn current(&mut self, when: &str) -> Result<SchemaSnapshot, RoundTripError> {
        match self.current.take() {
            Some(schema) => Ok(schema),
            None => self.snapshot(when).await,
        }
    }

    /// Upgrades to `target`, keeping `applied` and `current` true; `action`
    /// names the step in the error. The ids of the revisions it applied.
    async fn upgrade(
        &mut self,
        target: &Target,
        action: impl FnOnce() -> String,
    ) -> Result<Vec<&'static str>, RoundTripError> {
        let steps = self
            .migrator
            .upgrade(self.db.backend(), target)
            .await
            .map_err(|error| RoundTripError::Migrate {
                action: action(),
                error: Box::new(error),
            })?;
        if !steps.is_empty() {
            self.current = None;
        }
        self.applied.extend(steps.iter().map(|step| step.id));
        Ok(steps.iter().map(|step| step.id).collect())
    }

    /// Downgrades to `target`, keeping `applied` and `current` true;
    /// `action` names the step in the error.
    async fn downgrade(
        &mut self,
        target: &Target,
        action: impl FnOnce() -> String,
    ) -> Result<(), RoundTripError> {
        let steps = self
            .migrator
            .downgrade(self.db.backend(), target)
            .await
            .map_err(|error| RoundTripError::Migrate {
                action: action(),
                error: Box::new(error),
            })?;
        if !steps.is_empty() {
            self.current = None;
        }
        for step in steps {
            self.applied.remove(step.id);
        }
        Ok(())
    }

    /// The downgrade plan `target` would run now, if it can be planned.
    async fn plan_down(&mut self, target: &Target) -> Option<Vec<&'static str>> {
        self.migrator
            .plan(self.db.backend(), Direction::Down, target)
            .await
            .ok()
            .map(|plan| plan.ids())
    }

    /// The data hooks of `phase`, when the revision has a data check.
    async fn hooks(
        &mut self,
        revision: &Revision,
        check: Option<&DataCheck>,
        phase: DataPhase,
    ) -> Result<(), RoundTripError> {
        match check {
            Some(check) => check.run(&mut self.db, revision, phase).await,
            None => Ok(()),
        }
    }

    /// The differences that fail the round trip; the others become notes.
    fn compare(
        &mut self,
        expected: &SchemaSnapshot,
        actual: &SchemaSnapshot,
        after: &str,
    ) -> Vec<Difference> {
        let comparison =
            snapshot::compare(expected, actual, self.harness.strict_column_order, after);
        for note in comparison.notes {
            self.note(note);
        }
        comparison.failures
    }

    /// Prints a note past the test harness's capture (a skipped check must
    /// be seen even when the test passes) and keeps it in the report.
    fn note(&mut self, text: String) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "retort round trip ({}): {text}",
            self.report.backend
        );
        self.report.notes.push(text);
    }

    /// Checks the schema after `revision`'s upgrade against its reviewed
    /// file, keeping the name when it is outdated: the walk goes on, so that
    /// one run writes every outdated file.
    fn check_snapshot(&mut self, revision: &'static Revision, schema: &SchemaSnapshot) {
        let Some(check) = &self.harness.snapshots else {
            return;
        };
        if let Some(name) = snapshot::outdated(check, self.report.backend, revision, schema) {
            self.outdated.push(name);
        }
    }

    /// Records how far `revision` was checked, and how long it took.
    fn finish(&mut self, revision: &'static Revision, outcome: RevisionOutcome, started: Instant) {
        self.report.revisions.push(RevisionReport {
            id: revision.id,
            file: revision.source,
            outcome,
            elapsed: started.elapsed(),
        });
    }
}
