//! retort: build-time database migrations for SQL Server, PostgreSQL and SQLite.
//!
//! `retort-build` compiles a project's `migrations/` folder into a static
//! [`Migrations`] table; this crate plans and applies it against a database.
//! See `ARCHITECTURE.md` at the repository root for the map.

pub mod autogenerate;
mod backend;
pub mod baseline;
mod calendar;
#[cfg(feature = "cli")]
pub mod cli;
// Without the CLI, only `testing`'s masking check reaches into it.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub mod clone;
#[cfg(feature = "cli")]
pub mod codegen;
mod database_url;
pub mod declare;
mod dialect;
mod error;
mod excerpt;
mod fingerprint;
mod framing;
mod graph;
mod history;
#[cfg(feature = "cli")]
pub mod lint;
pub mod hint;
mod migrator;
pub mod op;
#[cfg(any(feature = "postgres", feature = "mssql"))]
mod own_thread;
mod plan;
mod redact;
mod render;
mod revision;
mod scratch;
pub mod schema;
mod script;
mod sequence;
pub mod seed;
mod sqlite_ddl;
mod target;
mod variables;
mod work;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "mssql")]
pub use backend::{MssqlBackend, MssqlClient};
#[cfg(feature = "postgres")]
pub use backend::PostgresBackend;
#[cfg(feature = "sqlite")]
pub use backend::SqliteBackend;
pub use backend::{connect, connect_existing, connect_read_only, recreate_database, AnyBackend, Attach, Backend, BackendError, BulkError, BulkInsert, Commits, ReadOnlyBackend, Row, RunError, Session, StatementError, StepWork, Unit};
pub use sequence::{ensure_history, execute_in_transaction, read_history, record, run_outside_transaction, run_step};
pub use database_url::{DatabaseUrl, UrlError};
pub use redact::redact;
pub use dialect::{Dialect, Flavour};
/// `#[derive(retort::Table)]`: a row struct declares its table (see [`declare`]).
pub use retort_derive::Table;
pub use error::{Drifted, MigrateError, StatementFailure};
pub use fingerprint::{Fingerprint, UnreadableFingerprint};
pub use history::{Action, HistoryError, AppliedRevision, HistoryTable, HistoryWrite, Outcome, Rendered, Status, Value};
pub use migrator::{
    DatabaseStatus, LockWaited, Migrator, MigratorConfig, Progress, RepairOptions, RepairOutcome, RepairReport, Resolution,
    StampCheck, StepReport,
};
pub use work::LockWait;
pub use script::{assumed_applied, render_script};
pub use script::{render_script_with, ScriptOptions};
pub use graph::{Candidate, GraphError, RevisionGraph};
pub use op::{Operation, Operations, Sql};
pub use plan::{Direction, Plan, PlanError, Step};
pub use render::{render_plan, render_revision, RenderedPlan, RenderedStep, Start};
pub use render::{units as render_units, units_after as render_units_after, units_with_catalog as render_units_with_catalog};
pub use revision::{Body, Checksum, Migrations, Revision};
pub use scratch::{ScratchDatabase, ScratchError};
pub use target::{Fork, Target, TargetError};
pub use variables::{Keep, Variables};
