//! Throwaway databases for tests: retort's own, and its users'.
//!
//! Each test gets its own empty database and a URL to it, and the database
//! is deleted when the [`TestDatabase`] is dropped:
//!
//! - **SQLite**: a file in a new temporary directory.
//! - **PostgreSQL**: a new database (`retort_t_<pid>_<n>`) on a server shared
//!   by every test in the process. The server is, in this order: the one
//!   named by `RETORT_TEST_POSTGRES_URL` (its database is used to create and
//!   drop test databases, so its user needs `CREATEDB`); a testcontainers
//!   container when a Docker engine is reachable (`DOCKER_HOST` or
//!   `/var/run/docker.sock`); or a throwaway cluster made with the local
//!   `initdb` and `postgres` (found through `RETORT_TEST_POSTGRES_BINDIR`,
//!   `PATH`, `pg_config --bindir` or the distributions' usual folders; run as
//!   the `postgres` OS user when the tests run as root). Local clusters run
//!   with `fsync=off`: the data is thrown away.
//! - **SQL Server**: a new database (`retort_t_<pid>_<n>`) on the server
//!   named by `RETORT_TEST_MSSQL_URL` (a `mssql://` URL or an ADO.NET string
//!   whose login may create databases), or on a testcontainers container when
//!   a Docker engine is reachable and `RETORT_ACCEPT_MSSQL_EULA=1` accepts
//!   the image's EULA (see `mssql.rs`).
//!
//! Servers started here do not outlive the test process: a watchdog process
//! stops them and deletes their files once the test process has ended, even
//! when it was killed (see `watchdog.rs`).
//!
//! A test that cannot have its database must not pass silently. Use
//! [`test_database!`](crate::test_database): it skips the test with a loud
//! `NOT TESTED` banner, or fails it when the backend is listed in
//! `RETORT_REQUIRE_BACKENDS` (as CI does):
//!
//! ```no_run
//! use retort::testing::BackendKind;
//!
//! #[test]
//! fn creates_the_history_table() {
//!     let db = retort::test_database!(BackendKind::Postgres);
//!     println!("testing against {db:?}"); // the password is redacted
//!     // ... connect to db.url() ...
//! }
//! ```
//!
//! On those databases, the project's own tests use two harnesses:
//! [`RoundTrip`] (`round_trip!`) applies, reverts and re-applies every
//! revision and compares schema snapshots reviewed with insta, and
//! [`assert_schema_matches!`](crate::assert_schema_matches) checks that head
//! builds exactly the schema the application declares.

mod database;
mod kind;
mod mssql;
// Shared with `scratch`, which drops its databases from `Drop` too.
#[cfg(any(feature = "postgres", feature = "mssql"))]
use crate::own_thread;
#[cfg(feature = "postgres")]
mod postgres;
mod require;
mod round_trip;
mod schema_match;
mod sqlite;
mod unavailable;
#[cfg(all(unix, any(feature = "postgres", feature = "mssql")))]
mod watchdog;

pub use database::TestDatabase;
pub use kind::{BackendKind, UnknownBackend};
pub use mssql::{ACCEPT_MSSQL_EULA_ENV, MSSQL_URL_ENV};
#[cfg(feature = "postgres")]
pub use postgres::{POSTGRES_BINDIR_ENV, POSTGRES_URL_ENV};
#[cfg(all(unix, feature = "postgres"))]
pub use postgres::TlsCluster;
#[doc(hidden)]
pub use require::{__available_or_report, __test_database_or_report};
pub use require::{is_required, REQUIRE_BACKENDS_ENV};
#[doc(hidden)]
pub use round_trip::__catch_snapshot_failure;
pub use round_trip::{
    round_trip, snapshot_name, DataCheck, DataConnection, DataError, DataPhase, HookFuture, Report, RevisionOutcome,
    RevisionReport, RoundTrip, RoundTripError, Snapshot,
};
pub use schema_match::assert_schema_matches;
pub use unavailable::Unavailable;
/// Fails a project's test when its masking file does not classify every
/// column its revisions create (see `retort::clone`).
pub use crate::clone::assert_masking_covers;
