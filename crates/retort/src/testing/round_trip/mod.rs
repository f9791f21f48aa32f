//! The round-trip harness: every revision upgraded, downgraded and upgraded
//! again on a throwaway database, with the schema compared at each step.
//!
//! For each revision, in table order, on a database holding exactly the
//! revision's ancestors:
//!
//! 1. snapshot the schema (S0), run the revision's `before` data hooks;
//! 2. upgrade to the revision; snapshot (S1), check S1 against the reviewed
//!    snapshot file, run the `after_upgrade` hooks;
//! 3. downgrade that revision alone; the schema must equal S0 — otherwise
//!    the error names what the downgrade left behind or lost; run the
//!    `after_downgrade` hooks;
//! 4. upgrade it again; the schema must equal S1.
//!
//! An irreversible revision is upgraded and snapshotted but not downgraded,
//! with a printed note. Then the whole graph goes down to base in one run
//! (leaving only retort's history tables, with no revision recorded) and up
//! to heads in one run (giving the same schema as the revision-by-revision walk).
//!
//! On a graph with branches, "exactly the revision's ancestors" means other
//! branches are downgraded before the revision and upgraded again later, so
//! each snapshot file shows the schema of one revision and its ancestors,
//! whatever the table order.
//!
//! [`RoundTrip::run`] returns a [`Report`] or the first [`RoundTripError`];
//! [`RoundTrip::check`] is the panicking form for tests, with the
//! [`test_database!`](crate::test_database) rules for unavailable databases.
//! The [`round_trip!`](crate::round_trip) macro adds insta snapshots stored
//! in the calling crate's `snapshots/<backend>/`.

use std::collections::BTreeSet;
use std::io::Write;
use std::num::NonZeroI32;
use std::time::Instant;

mod data;
mod error;
mod report;
mod snapshot;

pub use data::{DataCheck, DataConnection, DataError, DataPhase, HookFuture};
pub use error::RoundTripError;
pub use report::{Report, RevisionOutcome, RevisionReport};
// Hidden because only `insta_snapshots!` calls it, from the user's crate.
#[doc(hidden)]
pub use snapshot::__catch_snapshot_failure;
pub use snapshot::{snapshot_name, Snapshot};

use snapshot::SnapshotCheck;

use super::BackendKind;
use crate::backend::Backend;
use crate::graph::Candidate;
use crate::schema::{Difference, SchemaSnapshot};
use crate::{
    DatabaseUrl, Dialect, Direction, Migrations, Migrator, MigratorConfig, Revision, RevisionGraph,
    Target,
};

/// One step down, as a constant: `NonZeroI32::new` is not usable in patterns.
const ONE_DOWN: NonZeroI32 = match NonZeroI32::new(-1) {
    Some(step) => step,
    None => unreachable!(),
};

/// Round-trips every revision of a project on a throwaway database of
/// `kind`, checking each schema against `snapshots/<backend>/` with insta.
/// Use inside an `async` test; the crate needs `insta` as a dev-dependency.
///
/// ```no_run
/// # static MIGRATIONS: retort::Migrations = retort::Migrations::new(&[]);
/// use retort::testing::BackendKind;
///
/// #[tokio::test]
/// async fn round_trip_sqlite() {
///     retort::round_trip!(&MIGRATIONS, BackendKind::Sqlite);
/// }
/// ```
#[macro_export]
macro_rules! round_trip {
    ($migrations:expr, $kind:expr $(,)?) => {
        $crate::testing::RoundTrip::new($migrations)
            .snapshots($crate::insta_snapshots!())
            .check($kind)
            .await
    };
}

// ---------------------------------------------------------------------------
// The harness.

/// A configured round trip over one project's revisions.
pub struct RoundTrip {
    migrations: &'static Migrations,
    config: MigratorConfig,
    strict_column_order: bool,
    checks: Vec<(String, DataCheck)>,
    snapshots: Option<SnapshotCheck>,
}

/// Round-trips every revision on a throwaway database of `kind`, without
/// snapshot files (see [`round_trip!`](crate::round_trip) for those). Skips
/// loudly when the database is unavailable, or panics when it is required
/// (see [`test_database!`](crate::test_database)); panics when the round trip fails.
pub async fn round_trip(migrations: &'static Migrations, kind: BackendKind) -> Option<Report> {
    RoundTrip::new(migrations).check(kind).await
}

impl RoundTrip {
    pub fn new(migrations: &'static Migrations) -> Self {
        Self {
            migrations,
            config: MigratorConfig::default(),
            strict_column_order: false,
            checks: Vec::new(),
            snapshots: None,
        }
    }

    /// Migrator settings (the history table's place, the lock timeout).
    pub fn config(mut self, config: MigratorConfig) -> Self {
        self.config = config;
        self
    }

    /// Fails when a table's column order differs, instead of printing a note.
    ///
    /// By default a difference in column order alone is a note, not a
    /// failure: a downgrade that re-adds a dropped column can only put it
    /// last on PostgreSQL and SQL Server (short of rebuilding the table),
    /// which is harmless unless something relies on the order (`SELECT *`,
    /// `INSERT` without a column list, positional bulk loads).
    pub fn strict_column_order(mut self) -> Self {
        self.strict_column_order = true;
        self
    }

    /// Adds data hooks for the revision with this id (or unique prefix).
    pub fn data_check(mut self, revision: &str, check: DataCheck) -> Self {
        self.checks.push((revision.to_owned(), check));
        self
    }

    /// Checks each revision's schema with `check`; usually
    /// [`insta_snapshots!()`](crate::insta_snapshots).
    pub fn snapshots(
        mut self,
        check: impl Fn(&Snapshot<'_>) -> Result<(), String> + 'static,
    ) -> Self {
        self.snapshots = Some(Box::new(check));
        self
    }

    /// The round trip on a throwaway database of `kind`: skips with a loud
    /// banner when there is none, or panics when `kind` is required
    /// (the [`test_database!`](crate::test_database) rules); panics with
    /// the error when the round trip fails; prints the report otherwise.
    pub async fn check(&self, kind: BackendKind) -> Option<Report> {
        let database = super::__test_database_or_report(kind)?;
        let url = match DatabaseUrl::parse(database.url()) {
            Ok(url) => url,
            Err(error) => panic!("the test database's URL does not parse: {error}"),
        };
        match self.run(&url).await {
            Ok(report) => {
                println!("{report}");
                Some(report)
            }
            Err(error) => panic!("round trip on {} failed: {error}", kind.product()),
        }
    }

    /// The round trip on the database at `url`, which must have nothing
    /// applied; it is left at heads.
    pub async fn run(&self, url: &DatabaseUrl) -> Result<Report, RoundTripError> {
        let started = Instant::now();
        let graph = RevisionGraph::new(self.migrations);
        check_heads(&graph)?;
        let checks = data::resolve(&graph, &self.checks)?;
        let backend = crate::connect(url)
            .await
            .map_err(|error| RoundTripError::Backend {
                doing: "connecting".to_owned(),
                error,
            })?;
        let kind = kind_of(backend.dialect());
        let mut walk = Walk {
            harness: self,
            db: DataConnection::new(backend),
            migrator: Migrator::with_config(self.migrations, self.config.clone()),
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

fn kind_of(dialect: Dialect) -> BackendKind {
    match dialect {
        Dialect::Sqlite => BackendKind::Sqlite,
        Dialect::Postgres => BackendKind::Postgres,
        Dialect::Mssql => BackendKind::Mssql,
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

impl Walk<'_> {
    async fn read_history(&mut self) -> Result<Vec<String>, RoundTripError> {
        let rows = crate::read_history(self.db.backend(), &self.harness.config.history)
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

    fn check_snapshot(&mut self, revision: &'static Revision, schema: &SchemaSnapshot) {
        let Some(check) = &self.harness.snapshots else {
            return;
        };
        if let Some(name) = snapshot::outdated(check, self.report.backend, revision, schema) {
            self.outdated.push(name);
        }
    }

    fn finish(&mut self, revision: &'static Revision, outcome: RevisionOutcome, started: Instant) {
        self.report.revisions.push(RevisionReport {
            id: revision.id,
            file: revision.source,
            outcome,
            elapsed: started.elapsed(),
        });
    }

    async fn revision(
        &mut self,
        graph: &RevisionGraph,
        revision: &'static Revision,
        check: Option<&DataCheck>,
    ) -> Result<(), RoundTripError> {
        let started = Instant::now();
        let id = revision.id;
        let target = Target::Revision {
            prefix: id.to_owned(),
        };
        let ancestors: BTreeSet<&'static str> = graph.ancestors(id).iter().map(|r| r.id).collect();
        if !self.reach(revision, &ancestors).await? {
            self.note(format!(
                "revision {id} ({}) is not round-tripped: the database cannot be brought to exactly its \
                 ancestors, because an irreversible revision of another branch is applied",
                revision.source
            ));
            self.upgrade(&target, || {
                format!("upgrading to revision {id} ({})", revision.source)
            })
            .await?;
            self.finish(revision, RevisionOutcome::NotIsolated, started);
            return Ok(());
        }
        let before = self.current("before the upgrade").await?;
        self.hooks(revision, check, DataPhase::Before).await?;
        let applied = self
            .upgrade(&target, || {
                format!("upgrading to revision {id} ({})", revision.source)
            })
            .await?;
        debug_assert_eq!(applied, [id], "every ancestor was applied first");
        let after = self.snapshot("after the upgrade").await?;
        self.check_snapshot(revision, &after);
        self.hooks(revision, check, DataPhase::AfterUpgrade).await?;
        if let Some(reason) = revision.irreversible {
            self.note(format!(
                "revision {id} ({}) is irreversible ({reason}): its downgrade is not checked",
                revision.source
            ));
            self.current = Some(after);
            self.finish(revision, RevisionOutcome::Irreversible, started);
            return Ok(());
        }
        let Some(down) = self.isolating_downgrade(revision).await else {
            self.note(format!(
                "revision {id} ({}): no downgrade target unapplies it alone, so its downgrade is not checked",
                revision.source
            ));
            self.current = Some(after);
            self.finish(revision, RevisionOutcome::NotIsolated, started);
            return Ok(());
        };
        self.downgrade(&down, || {
            format!("downgrading revision {id} ({})", revision.source)
        })
        .await?;
        let reverted = self.snapshot("after the downgrade").await?;
        let differences = self.compare(
            &before,
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
        self.hooks(revision, check, DataPhase::AfterDowngrade)
            .await?;
        self.upgrade(&target, || {
            format!(
                "upgrading revision {id} ({}) again after its downgrade",
                revision.source
            )
        })
        .await?;
        let again = self.snapshot("after the second upgrade").await?;
        let differences = self.compare(
            &after,
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
        self.current = Some(after);
        self.finish(revision, RevisionOutcome::RoundTripped, started);
        Ok(())
    }

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
            let mut candidates: Vec<Target> = revision
                .parents
                .iter()
                .map(|parent| Target::Revision {
                    prefix: (*parent).to_owned(),
                })
                .collect();
            candidates.push(Target::Base);
            let mut chosen = None;
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
                    chosen = Some(target);
                    break;
                }
            }
            let Some(target) = chosen else {
                return Ok(false);
            };
            self.downgrade(&target, || {
                format!("downgrading other branches before revision {}", revision.id)
            })
            .await?;
        }
        for needed in revision.parents.iter().chain(revision.depends_on) {
            if !self.applied.contains(needed) {
                let target = Target::Revision {
                    prefix: (*needed).to_owned(),
                };
                self.upgrade(&target, || {
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
}
