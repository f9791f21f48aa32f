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
//!
//! # Where the parts are
//!
//! - here: [`RoundTrip`] (its settings, [`check`](RoundTrip::check) and
//!   [`run`](RoundTrip::run)), [`round_trip`] and the
//!   [`round_trip!`](crate::round_trip) macro;
//! - `walk.rs`: the steps above, bringing the database to a revision's
//!   ancestors, and the full cycle to base and back;
//! - `snapshot.rs`: [`Snapshot`], [`snapshot_name`], the
//!   [`insta_snapshots!`](crate::insta_snapshots) macro, and the schema
//!   comparison that makes a column order difference a note;
//! - `data.rs`: [`DataCheck`] and its hooks, [`DataConnection`],
//!   [`DataPhase`], [`DataError`];
//! - `report.rs`: [`Report`] and how it prints;
//! - `error.rs`: [`RoundTripError`].

mod data;
mod error;
mod report;
mod snapshot;
mod walk;

pub use data::{DataCheck, DataConnection, DataError, DataPhase, HookFuture};
pub use error::RoundTripError;
pub use report::{Report, RevisionOutcome, RevisionReport};
// Hidden because only `insta_snapshots!` calls it, from the user's crate.
#[doc(hidden)]
pub use snapshot::__catch_snapshot_failure;
pub use snapshot::{snapshot_name, Snapshot};

use snapshot::SnapshotCheck;

use super::BackendKind;
use crate::{DatabaseUrl, Migrations, MigratorConfig};

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
    /// A round trip of `migrations` with the migrator's default settings,
    /// no data checks, no snapshots, and column order differences as notes.
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
        walk::run(self, url).await
    }
}
