//! The algorithm, once for every backend: verify, plan, apply, report.
//!
//! Order of work for a run that changes the database: take the migration
//! lock → ensure the history tables → read the history once → verify every
//! applied revision (checksum drift, unknown ids, unfinished revisions) →
//! plan → apply each step with its history writes → release the lock.
//! `upgrade` first tries a lock-free read: an application starting against a
//! database already at head pays one round trip.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::backend::{Attach, Backend, BackendError, Commits, RunError, Session, StatementError, StepWork};
use crate::sequence::{self, read_history, Retry};
use crate::work::LockWait;
use crate::error::{Drifted, MigrateError};
use crate::excerpt::shorten;
use crate::hint;
use crate::history::{Action, AppliedRevision, HistoryTable, HistoryWrite, Outcome, Status};
use crate::render::{self, RenderedStep, Start};
use crate::variables::Variables;
use crate::schema::SchemaSnapshot;
use crate::{Checksum, Direction, Fingerprint, Migrations, Plan, Revision, RevisionGraph, Target};

/// Settings of a [`Migrator`].
#[derive(Debug, Clone)]
pub struct MigratorConfig {
    /// Where the history lives.
    pub history: HistoryTable,
    /// How long to wait for another migrator to finish.
    pub lock_timeout: Duration,
    /// Proceed although the database has revisions this build does not know.
    pub ignore_unknown: bool,
    /// How revisions wait for the locks other sessions hold on the tables
    /// they change, and run again when they gave up.
    pub lock_wait: LockWait,
    /// The sqlcmd variables given to SQL Server's SQL revisions besides the
    /// environment's, the project's and the scripts' own.
    pub variables: Variables,
}

impl Default for MigratorConfig {
    fn default() -> Self {
        Self {
            history: HistoryTable::default(),
            lock_timeout: Duration::from_secs(60),
            ignore_unknown: false,
            lock_wait: LockWait::default(),
            variables: Variables::default(),
        }
    }
}

/// A transactional revision that gave up waiting for a lock another
/// session holds: it was rolled back, and runs again after `pause`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LockWaited {
    /// The revision's id.
    pub id: &'static str,
    /// The revision's source file, relative to the crate root.
    pub file: &'static str,
    /// The attempt that gave up, from 1.
    pub attempt: u32,
    /// How many attempts it may have in all.
    pub attempts: u32,
    /// How long its statement waited.
    #[serde(serialize_with = "millis")]
    pub timeout: Duration,
    /// The pause before the next attempt.
    #[serde(serialize_with = "millis")]
    pub pause: Duration,
    /// The statement that waited and the server's message.
    pub reason: String,
}

impl std::fmt::Display for LockWaited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "revision {} ({}) gave up waiting for a lock after {:?} (attempt {} of {}) and was rolled back; running it \
             again in {:?}: {}",
            self.id, self.file, self.timeout, self.attempt, self.attempts, self.pause, self.reason
        )
    }
}

/// One revision run (or stamped) by a command.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// The revision's id.
    pub id: &'static str,
    /// Its one-line message.
    pub message: &'static str,
    /// Whether it was applied, reverted or only recorded (stamp).
    pub direction: Direction,
    #[serde(serialize_with = "millis")]
    /// How long it took, its history write included.
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// What the database holds, compared with the compiled table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatabaseStatus {
    /// The history rows, oldest first (empty when the history table is missing).
    pub applied: Vec<AppliedRevision>,
    /// Applied revisions with no applied child: Alembic's `current`.
    pub current: Vec<&'static str>,
    /// The compiled table's heads.
    pub heads: Vec<&'static str>,
    /// Compiled revisions not applied yet (what `upgrade heads` would run).
    pub pending: Vec<&'static str>,
    /// Applied revisions whose source changed since.
    pub drifted: Vec<Drifted>,
    /// Applied revisions the compiled table does not have.
    pub unknown: Vec<String>,
    /// Revisions recorded as running or failed.
    pub unresolved: Vec<String>,
}

impl DatabaseStatus {
    /// Whether the database is exactly at the compiled heads with nothing wrong.
    pub fn is_clean(&self) -> bool {
        self.pending.is_empty()
            && self.drifted.is_empty()
            && self.unknown.is_empty()
            && self.unresolved.is_empty()
    }
}

/// What [`Migrator::stamp_verified`] did.
#[derive(Debug, Clone)]
pub enum StampCheck {
    /// The schemas are the same: the database is stamped.
    Stamped(Vec<StepReport>),
    /// They differ, as these lines say from the database's side; nothing
    /// was written.
    Differs(Vec<String>),
}

/// How [`Migrator::repair`] goes about it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepairOptions {
    /// Say what would be recorded, and write nothing (not even the history
    /// tables' own upgrade).
    pub dry_run: bool,
    /// Record the changed file although the database holds no fingerprint of
    /// what was applied to check it against (a revision applied by an older
    /// retort): the person has compared the file with what was applied. A
    /// recorded fingerprint that differs is refused all the same.
    pub accept_unverified: bool,
}

/// What [`Migrator::repair`] found, and recorded unless it was a dry run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RepairReport {
    /// The revision's id.
    pub id: &'static str,
    /// The revision's source file, relative to the crate root.
    pub file: &'static str,
    /// The checksum the database had recorded.
    pub recorded: String,
    /// The checksum of the file as it is now, which is recorded.
    pub compiled: String,
    /// What the comparison found.
    pub outcome: RepairOutcome,
    /// How many statements were compared.
    pub statements: usize,
    /// Nothing was written.
    pub dry_run: bool,
}

/// What [`Migrator::repair`] does with a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairOutcome {
    /// The file is what the database recorded: nothing to do.
    Unchanged,
    /// The file is what the database recorded, which held no fingerprint of
    /// it (or an older one): the fingerprint is recorded.
    Fingerprinted,
    /// Only comments and whitespace changed: the new checksum is recorded.
    Repaired,
    /// The database held no fingerprint to check the file against; its
    /// checksum is recorded as [`RepairOptions::accept_unverified`] said.
    AcceptedUnverified,
}

/// How `resolve` settles a revision left running or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Its changes are in place: record it as applied.
    Applied,
    /// Its changes are not in place: forget it.
    RolledBack,
}

/// Applies a compiled [`Migrations`] table to databases.
///
/// ```no_run
/// # async fn start(migrations: &'static retort::Migrations) -> Result<(), retort::MigrateError> {
/// let url = retort::DatabaseUrl::parse("sqlite://app.db")?;
/// let mut db = retort::connect(&url).await?;
/// retort::Migrator::new(migrations).upgrade(&mut db, &retort::Target::Heads).await?;
/// # Ok(()) }
/// ```
pub struct Migrator {
    migrations: &'static Migrations,
    graph: RevisionGraph,
    config: MigratorConfig,
    progress: Option<Box<Progress>>,
    lock_waits: Option<Box<LockWaits>>,
}

/// Called each time a revision gave up waiting for a lock and runs again.
type LockWaits = dyn Fn(&LockWaited) + Send + Sync;

/// Called after each revision a run applies or reverts: the step, how many
/// are done, and how many the plan has. Send and Sync, so that the
/// migrator's futures are Send (an application may spawn them).
pub type Progress = dyn Fn(&StepReport, usize, usize) + Send + Sync;

impl std::fmt::Debug for Migrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("revisions", &self.migrations.revisions().len())
            .field("config", &self.config)
            .field("progress", &self.progress.is_some())
            .field("lock_waits", &self.lock_waits.is_some())
            .finish()
    }
}

impl Migrator {
    /// A migrator with the default settings, and the project's own lock
    /// settings ([`Migrations::lock_wait`]).
    pub fn new(migrations: &'static Migrations) -> Self {
        Self::with_config(migrations, MigratorConfig { lock_wait: migrations.lock_wait(), ..MigratorConfig::default() })
    }

    /// A migrator with `config` as given: the project's lock settings
    /// (`Migrations::lock_wait`) apply only if `config` carries them.
    pub fn with_config(migrations: &'static Migrations, config: MigratorConfig) -> Self {
        Self {
            migrations,
            graph: RevisionGraph::new(migrations),
            config,
            progress: None,
            lock_waits: None,
        }
    }

    /// Reports each finished revision as the run goes (for progress bars and
    /// per-revision lines), instead of only in the returned list.
    pub fn with_progress(mut self, progress: impl Fn(&StepReport, usize, usize) + Send + Sync + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Reports each time a revision gave up waiting for another session's
    /// lock and is run again (they are also logged as `tracing` warnings).
    pub fn with_lock_waits(mut self, waited: impl Fn(&LockWaited) + Send + Sync + 'static) -> Self {
        self.lock_waits = Some(Box::new(waited));
        self
    }

    /// How long `revision`'s statements wait for another session's lock.
    fn lock_timeout(&self, revision: &Revision) -> Duration {
        revision.lock_timeout.unwrap_or(self.config.lock_wait.timeout)
    }

    /// The revision graph of the compiled revisions.
    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    /// The project's sqlcmd variables, as the build embedded them.
    #[cfg(feature = "cli")]
    pub(crate) fn project_variables(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        self.migrations.variables()
    }

    /// The settings this migrator runs with.
    pub fn config(&self) -> &MigratorConfig {
        &self.config
    }

    /// Applies every revision up to `target`.
    pub async fn upgrade<B: Session>(
        &self,
        db: &mut B,
        target: &Target,
    ) -> Result<Vec<StepReport>, MigrateError> {
        // Lock-free fast path: at head with nothing wrong, one read is all.
        if let Some(rows) = read_history(db, &self.config.history).await? {
            let applied = self.verify(&rows)?;
            if Plan::upgrade(&self.graph, &applied, target)?.is_empty() {
                return Ok(Vec::new());
            }
        }
        db.lock(self.config.lock_timeout).await?;
        let result = async {
            let applied = self.prepare(db).await?;
            let plan = Plan::upgrade(&self.graph, &applied, target)?;
            self.apply(db, &plan).await
        }
        .await;
        release(db, result).await
    }

    /// Unapplies revisions down to `target`.
    pub async fn downgrade<B: Session>(
        &self,
        db: &mut B,
        target: &Target,
    ) -> Result<Vec<StepReport>, MigrateError> {
        db.lock(self.config.lock_timeout).await?;
        let result = async {
            let applied = self.prepare(db).await?;
            let plan = Plan::downgrade(&self.graph, &applied, target)?;
            self.apply(db, &plan).await
        }
        .await;
        release(db, result).await
    }

    /// Records the database as being at `target` without running anything.
    pub async fn stamp<B: Session>(
        &self,
        db: &mut B,
        target: &Target,
    ) -> Result<Vec<StepReport>, MigrateError> {
        db.lock(self.config.lock_timeout).await?;
        let result = async {
            let applied = self.prepare(db).await?;
            self.stamp_locked(db, &applied, target).await
        }
        .await;
        release(db, result).await
    }

    /// [`stamp`](Self::stamp), but only when `db`'s schema is the one the
    /// revisions up to `target` build: they are replayed on `scratch` (an
    /// empty database of the same dialect and server, see
    /// [`ScratchDatabase`](crate::ScratchDatabase)), both schemas are read,
    /// and `differences(live, built)` must find nothing. Otherwise nothing
    /// is written, not even the history tables, and the differences are
    /// returned. The comparison is the caller's: `migrate stamp --verify`
    /// passes [`baseline::differences`](crate::baseline::differences), which
    /// leaves out what retort does not manage and does not count made-up
    /// constraint names.
    pub async fn stamp_verified<B: Backend, S: Backend>(
        &self,
        db: &mut B,
        scratch: &mut S,
        target: &Target,
        differences: impl FnOnce(&SchemaSnapshot, &SchemaSnapshot) -> Vec<String>,
    ) -> Result<StampCheck, MigrateError> {
        db.lock(self.config.lock_timeout).await?;
        let result = async {
            // Read, not ensured: a refused stamp leaves no history tables behind.
            let rows = read_history(db, &self.config.history).await?.unwrap_or_default();
            let applied = self.verify(&rows)?;
            let wanted = Plan::stamp(&self.graph, &applied, target)?;
            // Its heads, each upgraded to, build exactly that set.
            let heads = wanted
                .iter()
                .filter(|id| !wanted.iter().any(|other| self.graph.get(other).is_some_and(|r| r.parents.contains(id))));
            for head in heads {
                self.upgrade(scratch, &Target::Revision { prefix: (*head).to_owned() }).await?;
            }
            let built = scratch.introspect(&self.config.history).await?;
            let live = db.introspect(&self.config.history).await?;
            let differences = differences(&live, &built);
            if !differences.is_empty() {
                return Ok(StampCheck::Differs(differences));
            }
            sequence::ensure_history(db, &self.config.history).await?;
            self.stamp_locked(db, &applied, target).await.map(StampCheck::Stamped)
        }
        .await;
        release(db, result).await
    }

    /// [`upgrade`](Self::upgrade) through the application's own connection
    /// (see [`Attach`]), which comes back as it was, whether the upgrade
    /// succeeded or not: no transaction open, the lock released, the
    /// session settings retort changed put back.
    pub async fn upgrade_with<C: Attach>(&self, conn: C, target: &Target) -> Result<Vec<StepReport>, MigrateError> {
        let mut session = conn.attach().await?;
        let result = self.upgrade(&mut session, target).await;
        detach::<C, _>(session, result).await
    }

    /// [`downgrade`](Self::downgrade) through the application's own
    /// connection, given back as [`upgrade_with`](Self::upgrade_with) does.
    pub async fn downgrade_with<C: Attach>(&self, conn: C, target: &Target) -> Result<Vec<StepReport>, MigrateError> {
        let mut session = conn.attach().await?;
        let result = self.downgrade(&mut session, target).await;
        detach::<C, _>(session, result).await
    }

    /// [`stamp`](Self::stamp) through the application's own connection,
    /// given back as [`upgrade_with`](Self::upgrade_with) does.
    pub async fn stamp_with<C: Attach>(&self, conn: C, target: &Target) -> Result<Vec<StepReport>, MigrateError> {
        let mut session = conn.attach().await?;
        let result = self.stamp(&mut session, target).await;
        detach::<C, _>(session, result).await
    }

    /// [`status`](Self::status) through the application's own connection
    /// (a health check that the database is at head), given back as
    /// [`upgrade_with`](Self::upgrade_with) does.
    pub async fn status_with<C: Attach>(&self, conn: C) -> Result<DatabaseStatus, MigrateError> {
        let mut session = conn.attach().await?;
        let result = self.status(&mut session).await;
        detach::<C, _>(session, result).await
    }

    /// With the lock held and the history read: the history writes that
    /// put the database at `target`.
    async fn stamp_locked<B: Session>(
        &self,
        db: &mut B,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Vec<StepReport>, MigrateError> {
        let wanted = Plan::stamp(&self.graph, applied, target)?;
        let (dialect, flavour) = (db.dialect(), db.flavour().await?);
        let mut writes = Vec::new();
        let mut steps = Vec::new();
        for revision in self.migrations.revisions() {
            let was = applied.contains(revision.id);
            let now = wanted.contains(revision.id);
            if now && !was {
                writes.push(HistoryWrite::applied(revision, Fingerprint::of(revision, dialect, flavour).to_text()));
                writes.push(HistoryWrite::log(revision.id, Action::Stamp, Outcome::Ok, None));
                steps.push(report(revision, Direction::Up, Duration::ZERO));
            }
        }
        for revision in self.migrations.revisions().iter().rev() {
            if applied.contains(revision.id) && !wanted.contains(revision.id) {
                writes.push(HistoryWrite::Remove {
                    id: revision.id.to_owned(),
                });
                writes.push(HistoryWrite::log(revision.id, Action::Unstamp, Outcome::Ok, None));
                steps.push(report(revision, Direction::Down, Duration::ZERO));
            }
        }
        if !writes.is_empty() {
            sequence::record(db, &writes, &self.config.history)
                .await
                .map_err(run_error_to_backend)?;
        }
        Ok(steps)
    }

    /// Settles a revision that a failed non-transactional run left recorded
    /// as running or failed.
    pub async fn resolve<B: Session>(
        &self,
        db: &mut B,
        id: &str,
        resolution: Resolution,
    ) -> Result<(), MigrateError> {
        let revision = self
            .migrations
            .get(id)
            .ok_or_else(|| MigrateError::UnknownRevision { id: id.to_owned() })?;
        db.lock(self.config.lock_timeout).await?;
        let result = async {
            sequence::ensure_history(db, &self.config.history).await?;
            let rows = read_history(db, &self.config.history).await?.unwrap_or_default();
            let recorded = rows.iter().find(|row| row.id == revision.id).map(|row| row.status);
            let refused = |state, advice| MigrateError::NotResolvable {
                id: revision.id.to_owned(),
                file: revision.source,
                state,
                advice,
            };
            match recorded {
                Some(Status::Running | Status::Failed) => {}
                Some(Status::Applied) => {
                    return Err(refused(
                        "applied",
                        format!(
                            "To undo an applied revision, downgrade to the revision before it: `{}`.",
                            hint::MIGRATE_DOWNGRADE_BELOW.revision(revision.id)
                        ),
                    ))
                }
                None => {
                    return Err(refused(
                        "not applied",
                        format!(
                            "To apply it, run `{}`; to record it without running it, `{}`.",
                            hint::MIGRATE_UPGRADE_TO.revision(revision.id),
                            hint::MIGRATE_STAMP.revision(revision.id)
                        ),
                    ))
                }
            }
            let write = match resolution {
                Resolution::Applied => {
                    let fingerprint = Fingerprint::of(revision, db.dialect(), db.flavour().await?);
                    HistoryWrite::applied(revision, fingerprint.to_text())
                }
                Resolution::RolledBack => HistoryWrite::Remove {
                    id: revision.id.to_owned(),
                },
            };
            let detail = match resolution {
                Resolution::Applied => "resolved as applied",
                Resolution::RolledBack => "resolved as rolled back",
            };
            let writes = [
                write,
                HistoryWrite::log(
                    revision.id,
                    Action::Resolve,
                    Outcome::Ok,
                    Some(detail.to_owned()),
                ),
            ];
            sequence::record(db, &writes, &self.config.history)
                .await
                .map_err(run_error_to_backend)?;
            Ok(())
        }
        .await;
        release(db, result).await
    }

    /// Records the file of applied revision `id` as it is now, when only its
    /// comments and whitespace changed since it was applied: its statements
    /// (for a Rust revision, the SQL it renders) must be token for token
    /// the ones of the [`Fingerprint`] recorded when it was applied, and its
    /// parents, `depends_on`, branch labels, transactional and irreversible
    /// settings the same. The new checksum and fingerprint are recorded,
    /// with a `repair` event in the log that gives both checksums; any
    /// other change is refused ([`MigrateError::Changed`], naming the first
    /// statement that differs), and so is a revision whose fingerprint was
    /// never recorded ([`MigrateError::Unverifiable`]) unless
    /// [`RepairOptions::accept_unverified`] says so.
    pub async fn repair<B: Session>(
        &self,
        db: &mut B,
        id: &str,
        options: RepairOptions,
    ) -> Result<RepairReport, MigrateError> {
        let revision = self
            .migrations
            .get(id)
            .ok_or_else(|| MigrateError::UnknownRevision { id: id.to_owned() })?;
        if options.dry_run {
            return self.repair_writes(db, revision, options).await.map(|(report, _)| report);
        }
        db.lock(self.config.lock_timeout).await?;
        let result = async {
            sequence::ensure_history(db, &self.config.history).await?;
            let (report, writes) = self.repair_writes(db, revision, options).await?;
            if !writes.is_empty() {
                sequence::record(db, &writes, &self.config.history)
                    .await
                    .map_err(run_error_to_backend)?;
            }
            Ok(report)
        }
        .await;
        release(db, result).await
    }

    /// What [`repair`](Self::repair) finds, and the writes that record it.
    async fn repair_writes<B: Session>(
        &self,
        db: &mut B,
        revision: &'static Revision,
        options: RepairOptions,
    ) -> Result<(RepairReport, Vec<HistoryWrite>), MigrateError> {
        let table = &self.config.history;
        let rows = read_history(db, table).await?.unwrap_or_default();
        let refused = |state, advice| MigrateError::NotRepairable {
            id: revision.id.to_owned(),
            file: revision.source,
            state,
            advice,
        };
        let row = match rows.iter().find(|row| row.id == revision.id) {
            Some(row) if row.status == Status::Applied => row,
            Some(row) => {
                let state = if row.status == Status::Running { "recorded as running" } else { "recorded as failed" };
                return Err(refused(
                    state,
                    format!(
                        "Settle it first: `{}` or `{}`.",
                        hint::MIGRATE_RESOLVE_APPLIED.revision(revision.id),
                        hint::MIGRATE_RESOLVE_ROLLED_BACK.revision(revision.id)
                    ),
                ));
            }
            None => {
                return Err(refused(
                    "not applied",
                    "A revision that is not applied anywhere can be edited freely.".to_owned(),
                ))
            }
        };
        let recorded_fingerprint = if sequence::has_fingerprint_column(db, table).await? {
            let rows = db.query(&crate::history::fingerprint_sql(db.dialect(), table), &[crate::Value::Text(revision.id.to_owned())]).await?;
            match rows.unwrap_or_default().first().and_then(|row| row.first()) {
                Some(crate::Value::Text(text)) => Some(text.clone()),
                _ => None,
            }
        } else {
            None
        };
        let fingerprint = Fingerprint::of(revision, db.dialect(), db.flavour().await?);
        let compared = recorded_fingerprint.as_deref().map(|recorded| fingerprint.difference(recorded));
        let unchanged_file = Checksum::from_hex(&row.checksum) == Some(revision.checksum);
        let outcome = match (unchanged_file, compared) {
            (true, Some(Ok(None))) => RepairOutcome::Unchanged,
            // The checksum says the file is the one applied: its fingerprint
            // is what was applied, whatever was recorded (or not) before.
            (true, _) => RepairOutcome::Fingerprinted,
            (false, Some(Ok(None))) => RepairOutcome::Repaired,
            (false, Some(Ok(Some(difference)))) => {
                return Err(MigrateError::Changed {
                    id: revision.id.to_owned(),
                    file: revision.source,
                    compiled: revision.checksum.to_hex(),
                    recorded: row.checksum.clone(),
                    difference,
                })
            }
            (false, None | Some(Err(_))) if options.accept_unverified => RepairOutcome::AcceptedUnverified,
            (false, unreadable) => {
                return Err(MigrateError::Unverifiable {
                    id: revision.id.to_owned(),
                    file: revision.source,
                    compiled: revision.checksum.to_hex(),
                    recorded: row.checksum.clone(),
                    reason: match unreadable {
                        Some(_) => "the fingerprint of its statements that the database recorded is in a form this \
                                    retort does not read (written by a newer retort?)",
                        None => "the database recorded no fingerprint of its statements (it was applied by a retort \
                                 older than `migrate repair`, or by an offline script for SQLite)",
                    },
                })
            }
        };
        let compiled = revision.checksum.to_hex();
        let detail = match outcome {
            RepairOutcome::Unchanged => None,
            RepairOutcome::Fingerprinted => {
                Some(format!("sha256 {compiled} unchanged: recorded the fingerprint of its {} statement(s)", fingerprint.statements()))
            }
            RepairOutcome::Repaired => Some(format!(
                "sha256 {} -> {compiled}: only comments and whitespace changed ({} statement(s) compared)",
                row.checksum,
                fingerprint.statements()
            )),
            RepairOutcome::AcceptedUnverified => Some(format!(
                "sha256 {} -> {compiled}: accepted unverified, with no recorded fingerprint to compare with",
                row.checksum
            )),
        };
        let writes = match detail {
            None => Vec::new(),
            Some(detail) => vec![
                HistoryWrite::Update {
                    id: revision.id.to_owned(),
                    checksum: compiled.clone(),
                    message: revision.message.to_owned(),
                    fingerprint: Some(fingerprint.to_text()),
                },
                HistoryWrite::log(revision.id, Action::Repair, Outcome::Ok, Some(detail)),
            ],
        };
        let report = RepairReport {
            id: revision.id,
            file: revision.source,
            recorded: row.checksum.clone(),
            compiled,
            outcome,
            statements: fingerprint.statements(),
            dry_run: options.dry_run,
        };
        Ok((report, writes))
    }

    /// The sqlcmd variables each revision's last upgrade ran with, by id,
    /// as its event-log row recorded them (`NAME=value, …`, secrets as
    /// `<secret>`): only revisions whose last upgrade recorded some, which
    /// are SQL Server's SQL revisions that use variables.
    pub async fn recorded_variables<B: Session>(&self, db: &mut B) -> Result<BTreeMap<String, String>, MigrateError> {
        let details = sequence::read_upgrade_details(db, &self.config.history).await?;
        Ok(details
            .into_iter()
            .filter_map(|(id, detail)| Some((id, Variables::recorded(detail.as_deref()?)?.to_owned())))
            .collect())
    }

    /// Reads the history and compares it with the compiled table. Never fails
    /// on drift or unknown revisions: it reports them.
    pub async fn status<B: Session>(&self, db: &mut B) -> Result<DatabaseStatus, MigrateError> {
        let applied = read_history(db, &self.config.history)
            .await?
            .unwrap_or_default();
        let (drifted, unknown, unresolved) = self.inspect(&applied);
        let ids: BTreeSet<String> = applied.iter().map(|row| row.id.clone()).collect();
        let current = self
            .graph
            .current_heads(&ids)
            .iter()
            .map(|revision| revision.id)
            .collect();
        let pending = self
            .migrations
            .revisions()
            .iter()
            .filter(|revision| !ids.contains(revision.id))
            .map(|revision| revision.id)
            .collect();
        let heads = self
            .graph
            .heads()
            .iter()
            .map(|revision| revision.id)
            .collect();
        Ok(DatabaseStatus {
            applied,
            current,
            heads,
            pending,
            drifted,
            unknown,
            unresolved,
        })
    }

    /// The plan a command would run, without running it (a dry run).
    pub async fn plan<B: Session>(
        &self,
        db: &mut B,
        direction: Direction,
        target: &Target,
    ) -> Result<Plan, MigrateError> {
        let rows = read_history(db, &self.config.history)
            .await?
            .unwrap_or_default();
        let applied = self.verify(&rows)?;
        Ok(match direction {
            Direction::Up => Plan::upgrade(&self.graph, &applied, target)?,
            Direction::Down => Plan::downgrade(&self.graph, &applied, target)?,
        })
    }

    /// With the lock held: reads the history once and verifies it, makes
    /// sure the history tables are whole (what the read found tells how,
    /// [`sequence::complete_history`]), and records the fingerprints an
    /// older retort did not.
    async fn prepare<B: Session>(&self, db: &mut B) -> Result<BTreeSet<String>, MigrateError> {
        let rows = read_history(db, &self.config.history).await?;
        sequence::complete_history(db, &self.config.history, rows.is_some()).await?;
        let rows = rows.unwrap_or_default();
        let applied = self.verify(&rows)?;
        // Without an applied row there is nothing to look for: a first run
        // saves a query (on Babelfish, its first use in the session).
        if rows.iter().any(|row| row.status == Status::Applied) {
            self.record_missing_fingerprints(db, rows.len()).await?;
        }
        Ok(applied)
    }

    /// Records the fingerprint of each applied revision whose row has none
    /// (applied by a retort from before fingerprints) and whose file is the
    /// one applied, as its checksum says: its fingerprint is then what was
    /// applied, and a later comment edit can be repaired without the
    /// person's word. One query when there is nothing to record; `recorded`
    /// is how many rows the history has.
    async fn record_missing_fingerprints<B: Session>(&self, db: &mut B, recorded: usize) -> Result<(), MigrateError> {
        let (dialect, flavour) = (db.dialect(), db.flavour().await?);
        let sql = crate::history::missing_fingerprints_sql(dialect, flavour, &self.config.history, recorded);
        let rows = db.query(&sql, &[]).await?.unwrap_or_default();
        let writes: Vec<HistoryWrite> = rows
            .iter()
            .filter(|row| crate::history::is_missing_fingerprint(row))
            .filter_map(|row| match (row.first(), row.get(1)) {
                (Some(crate::Value::Text(id)), Some(crate::Value::Text(checksum))) => self
                    .graph
                    .get(id)
                    .filter(|revision| Checksum::from_hex(checksum) == Some(revision.checksum)),
                _ => None,
            })
            .map(|revision| HistoryWrite::Update {
                id: revision.id.to_owned(),
                checksum: revision.checksum.to_hex(),
                message: revision.message.to_owned(),
                fingerprint: Some(Fingerprint::of(revision, dialect, flavour).to_text()),
            })
            .collect();
        if !writes.is_empty() {
            sequence::record(db, &writes, &self.config.history)
                .await
                .map_err(run_error_to_backend)?;
        }
        Ok(())
    }

    /// Checks the history rows and returns the applied set, or the first
    /// problem that must stop a run.
    fn verify(&self, rows: &[AppliedRevision]) -> Result<BTreeSet<String>, MigrateError> {
        let (drifted, unknown, unresolved) = self.inspect(rows);
        if let Some(id) = unresolved.first() {
            let row = rows.iter().find(|row| &row.id == id);
            let status = row.map_or("failed", |row| row.status.as_str());
            let file = self
                .migrations
                .get(id)
                .map_or("(unknown file)", |r| r.source);
            return Err(MigrateError::Unresolved {
                id: id.clone(),
                file,
                status,
            });
        }
        if !drifted.is_empty() {
            return Err(MigrateError::Drift { drifted });
        }
        if !unknown.is_empty() && !self.config.ignore_unknown {
            return Err(MigrateError::UnknownApplied { ids: unknown });
        }
        Ok(rows
            .iter()
            .filter(|row| self.graph.get(&row.id).is_some())
            .map(|row| row.id.clone())
            .collect())
    }

    fn inspect(&self, rows: &[AppliedRevision]) -> (Vec<Drifted>, Vec<String>, Vec<String>) {
        let mut drifted = Vec::new();
        let mut unknown = Vec::new();
        let mut unresolved = Vec::new();
        for row in rows {
            if row.status != Status::Applied {
                unresolved.push(row.id.clone());
            }
            // The graph's index, not a scan of the table: this runs for every
            // history row on every start-up.
            match self.graph.get(&row.id) {
                None => unknown.push(row.id.clone()),
                Some(revision) => {
                    // Bytes, not hex text: the hex is only built for a message.
                    let matches = Checksum::from_hex(&row.checksum) == Some(revision.checksum);
                    if row.status == Status::Applied && !matches {
                        drifted.push(Drifted {
                            id: row.id.clone(),
                            file: revision.source,
                            compiled: revision.checksum.to_hex(),
                            recorded: row.checksum.clone(),
                            applied_at: row.applied_at.clone(),
                        });
                    }
                }
            }
        }
        (drifted, unknown, unresolved)
    }

    /// [`Self::apply_plan`], with the values of secret sqlcmd variables
    /// hidden in the statement a failure shows.
    async fn apply<B: Session>(&self, db: &mut B, plan: &Plan) -> Result<Vec<StepReport>, MigrateError> {
        let dialect = db.dialect();
        let result = self.apply_plan(db, plan).await;
        result.map_err(|error| {
            let revisions = plan.steps().iter().map(|step| step.revision);
            self.config.variables.hide_secrets(self.migrations.variables(), dialect, revisions, error)
        })
    }

    async fn apply_plan<B: Session>(
        &self,
        db: &mut B,
        plan: &Plan,
    ) -> Result<Vec<StepReport>, MigrateError> {
        // The whole plan is rendered before anything runs, against the
        // schema it starts from: the same rendering as dry runs, `show` and
        // offline scripts.
        let flavour = db.flavour().await?;
        let mut rendered = render::render_plan(plan, db.dialect(), flavour, Start::Database(db.catalog()))?;
        self.config.variables.apply(self.migrations.variables(), &mut rendered, None)?;
        let steps = &rendered.steps;
        let mut done = Vec::with_capacity(steps.len());
        let mut next = 0;
        while next < steps.len() {
            let step = &steps[next];
            if !step.revision().transactional {
                let started = Instant::now();
                self.apply_outside_transaction(db, step).await?;
                done.push(self.finished(step.step, started.elapsed(), done.len() + 1, steps.len()));
                next += 1;
                continue;
            }
            // A run of transactional revisions goes to the backend at once, so
            // it can send them together; each still commits on its own, and
            // is reported as it commits.
            let end = steps[next..]
                .iter()
                .position(|s| !s.revision().transactional)
                .map_or(steps.len(), |offset| next + offset);
            let batch = &steps[next..end];
            let work = batch
                .iter()
                .map(|step| StepWork {
                    units: step.units.clone(),
                    writes: step.writes.clone(),
                    lock_timeout: Some(self.lock_timeout(step.revision())),
                })
                .collect::<Vec<_>>();
            let total = steps.len();
            let followed = self.progress.is_some() || tracing::enabled!(tracing::Level::INFO);
            let mut commits = Commits {
                followed,
                done: &mut |index, elapsed| {
                    let report = self.finished(batch[index].step, elapsed, done.len() + 1, total);
                    done.push(report);
                },
            };
            let policy = self.config.lock_wait;
            let mut waits = Vec::new();
            let mut retry = Retry {
                policy,
                waited: &mut |index, attempt, pause, error| {
                    let revision = batch[index].revision();
                    let waited = LockWaited {
                        id: revision.id,
                        file: revision.source,
                        attempt,
                        attempts: policy.retries + 1,
                        timeout: self.lock_timeout(revision),
                        pause,
                        reason: error.to_string(),
                    };
                    tracing::warn!(revision = revision.id, attempt, ?pause, "{waited}");
                    if let Some(report) = &self.lock_waits {
                        report(&waited);
                    }
                    waits.push(index);
                },
            };
            let outcome = sequence::run_steps(db, &work, &self.config.history, &mut commits, &mut retry).await;
            if let Err((failed, error)) = outcome {
                // What committed before the failure is reported; the
                // failed revision rolled back.
                let failed_step = &batch[failed.min(batch.len() - 1)];
                let applied = if failed > 0 { format!(" ({failed} revision(s) of this run were applied)") } else { String::new() };
                let rolled_back =
                    format!("the database is at the revision before {}{applied}", failed_step.revision().id);
                if sequence::gave_up_waiting(&error, db.dialect()) {
                    let attempts = waits.iter().filter(|&&index| index == failed).count() + 1;
                    let aftermath = format!(
                        "it gave up waiting for a lock {attempts} time(s), after {timeout:?} each, and was rolled back \
                         each time: {rolled_back}. {holders}. Run the command again when that session has finished, \
                         or give the revision more time: `-- lock-timeout: 30s` in an SQL revision's header, \
                         `pub const LOCK_TIMEOUT: &str = \"30s\";` in a Rust revision, or --revision-lock-timeout \
                         and --lock-retries",
                        timeout = self.lock_timeout(failed_step.revision()),
                        holders = lock_holders(db).await,
                    );
                    return Err(self.statement_failed(db, failed_step, waited_statement(error), aftermath).await);
                }
                return Err(match error {
                    RunError::Backend(error) => error.into(),
                    RunError::Statement(error) => {
                        let aftermath = format!("the revision was rolled back: {rolled_back}");
                        self.statement_failed(db, failed_step, error, aftermath).await
                    }
                });
            }
            next = end;
        }
        Ok(done)
    }

    fn finished(&self, step: crate::Step, elapsed: Duration, done: usize, total: usize) -> StepReport {
        tracing::info!(revision = step.revision.id, direction = %step.direction, ?elapsed, "{}", step.revision.message);
        let report = report(step.revision, step.direction, elapsed);
        if let Some(progress) = &self.progress {
            progress(&report, done, total);
        }
        report
    }

    /// Runs a revision that opted out of transactions. A failure can leave
    /// the schema half-changed, so the attempt is recorded first: a crash or
    /// an error stays visible to every later run until someone resolves it.
    async fn apply_outside_transaction<B: Session>(
        &self,
        db: &mut B,
        step: &RenderedStep,
    ) -> Result<(), MigrateError> {
        let revision = step.revision();
        let table = &self.config.history;
        let running = [HistoryWrite::put(revision, Status::Running)];
        let lock_timeout = Some(self.lock_timeout(revision));
        match sequence::record_within(db, &running, table, lock_timeout).await {
            Ok(()) => {}
            // SQLite's lock is the whole database's: the mark waits for it.
            Err(error) if sequence::gave_up_waiting(&error, db.dialect()) => {
                let aftermath = format!(
                    "recording it as running gave up waiting for a lock after {timeout:?}, so nothing of it ran and \
                     nothing was recorded. {holders}. Run the command again when that session has finished",
                    timeout = self.lock_timeout(revision),
                    holders = lock_holders(db).await,
                );
                return Err(self.statement_failed(db, step, waited_statement(error), aftermath).await);
            }
            Err(error) => return Err(run_error_to_backend(error)),
        }
        let work = StepWork {
            units: step.units.clone(),
            writes: step.writes.clone(),
            lock_timeout: Some(self.lock_timeout(revision)),
        };
        match sequence::run_outside_transaction(db, &work, table).await {
            Ok(_) => Ok(()),
            Err(RunError::Backend(error)) => Err(error.into()),
            Err(RunError::Statement(error)) => {
                // Never run again blindly: its statements before this one
                // may have committed, and a second run would meet them.
                let waited = error.code.as_deref().is_some_and(|code| db.dialect().gave_up_waiting(code, &error.message));
                let failed = [HistoryWrite::put(revision, Status::Failed)];
                if let Err(write_error) = sequence::record_within(db, &failed, table, lock_timeout).await {
                    tracing::warn!(
                        ?write_error,
                        "could not record revision {} as failed",
                        revision.id
                    );
                }
                let mut aftermath = format!(
                    "revision {id} is not transactional, so what ran before the failure stayed applied ({ran}); it is \
                     recorded as failed and later runs will refuse until you run `{applied}` or `--rolled-back`",
                    id = revision.id,
                    ran = stayed_applied(&step.units, &error, db.dialect()),
                    applied = hint::MIGRATE_RESOLVE_APPLIED.revision(revision.id),
                );
                if waited {
                    aftermath = format!(
                        "the statement gave up waiting for a lock after {timeout:?}, and a revision that is not \
                         transactional is not run again: {aftermath}. {holders}. When that session has finished, \
                         check what of the revision is in place, resolve it, and upgrade again",
                        timeout = self.lock_timeout(revision),
                        holders = lock_holders(db).await,
                    );
                }
                Err(self.statement_failed(db, step, error, aftermath).await)
            }
        }
    }

    /// Logs a failed step (best effort: the failure itself is what matters)
    /// and builds the error that names the file, line and statement.
    async fn statement_failed<B: Session>(
        &self,
        db: &mut B,
        step: &RenderedStep,
        error: StatementError,
        aftermath: String,
    ) -> MigrateError {
        let (revision, direction, units) = (step.revision(), step.direction(), &step.units);
        let action = match direction {
            Direction::Up => Action::Upgrade,
            Direction::Down => Action::Downgrade,
        };
        let entry = [HistoryWrite::log(
            revision.id,
            action,
            Outcome::Failed,
            Some(shorten(&error.message)),
        )];
        // Within the revision's lock timeout: on SQLite, a session that
        // made the revision give up waiting holds the history's lock too.
        let lock_timeout = Some(self.lock_timeout(revision));
        if let Err(log_error) = sequence::record_within(db, &entry, &self.config.history, lock_timeout).await {
            tracing::warn!(
                ?log_error,
                "could not log the failure of revision {}",
                revision.id
            );
        }
        let unit = units.get(error.unit);
        let location = match (unit.and_then(|u| u.first_line), error.line) {
            (Some(first), Some(line)) => {
                let (file, line) = crate::variables::written_at(revision, direction, first + line - 1);
                Some(format!("{file}:{line}"))
            }
            (None, _) => unit.map(|u| format!("{} ({})", revision.source, u.label)),
            (Some(_), None) => None,
        };
        MigrateError::Statement(Box::new(crate::error::StatementFailure {
            direction,
            id: revision.id.to_owned(),
            file: revision.source,
            location,
            statement: error.statement,
            sql: shorten(&error.sql),
            code: error.code,
            message: error.message,
            aftermath,
        }))
    }
}

/// Releases the migration lock after a locked section, whatever it returned.
///
/// This is the lock's guard: an async `Drop` cannot release a lock over the
/// network, so every locked section ends here instead, and an early `?` inside
/// it cannot skip the release. If the process dies, the database releases
/// session locks itself (and the OS releases SQLite's file lock). The
/// section's own error wins over a failed release.
async fn release<B: Session, T>(
    db: &mut B,
    result: Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    let released = db.unlock().await;
    let value = result?;
    released?;
    Ok(value)
}

/// Gives the application's connection back after a command, whatever it
/// returned; the command's own error wins over a failed detach.
async fn detach<C: Attach, T>(session: C::Session, result: Result<T, MigrateError>) -> Result<T, MigrateError> {
    let detached = C::detach(session).await;
    let value = result?;
    detached?;
    Ok(value)
}

fn report(revision: &'static Revision, direction: Direction, elapsed: Duration) -> StepReport {
    StepReport {
        id: revision.id,
        message: revision.message,
        direction,
        elapsed,
    }
}

/// What of a non-transactional revision ran before `error`: the units
/// before the failing one, and what ran of the failing one. On SQL Server a
/// unit's parts are batches, and a failed batch ran its statements before
/// the failing line.
fn stayed_applied(units: &[crate::work::Unit], error: &StatementError, dialect: crate::Dialect) -> String {
    let mut ran: Vec<String> = units.iter().take(error.unit).map(|unit| unit.label.clone()).collect();
    if let (Some(unit), Some(number)) = (units.get(error.unit), error.statement) {
        let (one, many) = dialect.statement_noun();
        match number {
            0 | 1 => {}
            2 => ran.push(format!("{one} 1 of {}", unit.label)),
            n => ran.push(format!("{many} 1–{} of {}", n - 1, unit.label)),
        }
        if let (crate::Dialect::Mssql, Some(line)) = (dialect, error.line) {
            ran.push(format!("the statements of batch {number} of {} before line {line}", unit.label));
        }
    }
    if ran.is_empty() {
        "nothing of it had run".to_owned()
    } else {
        ran.join(", ")
    }
}

/// Who holds locks on the tables of `db`'s database, as its server tells
/// (asked after the rollback, on the same session: nothing of the
/// revision's is waiting or held any more).
async fn lock_holders<B: Session>(db: &mut B) -> String {
    let Some(sql) = db.dialect().lock_holders() else {
        return "The database does not say which connection holds the lock".to_owned();
    };
    match db.query(sql, &[]).await {
        Ok(Some(rows)) if !rows.is_empty() => {
            let sessions: Vec<String> = rows
                .iter()
                .filter_map(|row| match row.first() {
                    Some(crate::Value::Text(text)) => Some(text.clone()),
                    _ => None,
                })
                .collect();
            format!("Sessions holding locks on tables of this database: {}", sessions.join("; "))
        }
        Ok(Some(_)) => "No other session holds a lock on a table of this database any more".to_owned(),
        // The view it reads is missing (Babelfish has no sys.dm_tran_locks).
        Ok(None) => "The server cannot tell which session holds the lock (it has no view of its locks)".to_owned(),
        Err(error) => format!("The server cannot tell which session holds the lock ({})", shorten(&error.to_string())),
    }
}

/// The statement error of a revision that gave up waiting: SQLite's, at
/// `BEGIN IMMEDIATE`, is the transaction's and no unit's.
fn waited_statement(error: RunError) -> StatementError {
    match error {
        RunError::Statement(error) => error,
        RunError::Backend(BackendError::LockNotAvailable { statement, code, message }) => StatementError {
            unit: usize::MAX,
            statement: None,
            line: None,
            sql: statement.to_owned(),
            code: Some(code),
            message,
        },
        RunError::Backend(other) => StatementError {
            unit: usize::MAX,
            statement: None,
            line: None,
            sql: String::new(),
            code: None,
            message: other.to_string(),
        },
    }
}

fn run_error_to_backend(error: RunError) -> MigrateError {
    match error {
        RunError::Backend(error) => error.into(),
        RunError::Statement(error) => crate::backend::BackendError::Database {
            context: "writing the history",
            message: error.message,
        }
        .into(),
    }
}

impl Migrations {
    /// Brings the database at `url` to the compiled head: the call an
    /// application makes at start-up. When the database is already there it
    /// costs one query (no lock, no DDL); otherwise it runs like
    /// `cargo xtask migrate upgrade`. Several unmerged heads are refused;
    /// for intended branches use [`Migrator::upgrade`] with [`Target::Heads`].
    ///
    /// ```no_run
    /// # static MIGRATIONS: retort::Migrations = retort::Migrations::new(&[]);
    /// # async fn start() -> Result<(), retort::MigrateError> {
    /// MIGRATIONS.upgrade("sqlite://app.db").await?;
    /// # Ok(()) }
    /// ```
    pub async fn upgrade(&'static self, url: &str) -> Result<Vec<StepReport>, MigrateError> {
        let url = crate::DatabaseUrl::parse(url)?;
        let mut db = crate::connect(&url).await?;
        Migrator::new(self).upgrade(&mut db, &Target::Head).await
    }

    /// [`upgrade`](Self::upgrade) through a connection the application
    /// already has — a `tokio_postgres::Client`, a `rusqlite::Connection`,
    /// a `tiberius::Client<S>` over any stream, or what a pool hands out,
    /// dereferenced — with its own TLS, credentials and settings. The
    /// connection comes back as it was, on success and on every error: no
    /// transaction open, the migration lock released, and the session
    /// settings retort changes (the lock timeout; `XACT_ABORT` on SQL
    /// Server; SQLite's busy timeout) at their earlier values. A
    /// connection with a transaction open is refused
    /// ([`BackendError::TransactionOpen`](crate::BackendError::TransactionOpen)):
    /// retort commits each revision on its own.
    ///
    /// ```no_run
    /// # static MIGRATIONS: retort::Migrations = retort::Migrations::new(&[]);
    /// # #[cfg(feature = "postgres")]
    /// # async fn start(mut client: tokio_postgres::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// // `client`: the application's, with its own TLS and credentials.
    /// MIGRATIONS.upgrade_with(&mut client).await?;
    /// // The same client serves the application from here on.
    /// client.execute("UPDATE todos SET done = true WHERE id = $1", &[&1_i64]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upgrade_with<C: Attach>(&'static self, conn: C) -> Result<Vec<StepReport>, MigrateError> {
        Migrator::new(self).upgrade_with(conn, &Target::Head).await
    }
}
