//! retort: build-time database migrations for SQL Server, PostgreSQL and SQLite.
//!
//! `retort-build` compiles a project's `migrations/` folder into a static
//! [`Migrations`] table; this crate plans and applies it against a database.
//! See `ARCHITECTURE.md` at the repository root for the map.
//!
//! An application needs only the start-up call,
//! [`Migrations::upgrade`] (or a [`Migrator`] for other targets and
//! commands), on a table that `include_migrations!` embeds. The rest of the
//! crate root is what those take and return: URLs, backends, targets, plans,
//! reports and errors. The primitives the migrator is built from are in
//! [`engine`]; the command line (`cli`), the test harness (`testing`), the
//! operation DSL ([`op`]), the declared schema ([`declare`]) and schema
//! snapshots ([`schema`]) are modules of their own.
//!
//! # Features
//!
//! - `sqlite`, `postgres`, `mssql` (default): the backends.
//! - `derive` (default): `#[derive(retort::Table)]`.
//! - `cli`: the command line's library, for the project's `cargo xtask`.
//! - `testing`: throwaway databases and the round-trip harness, for tests.
//!
//! An application with one backend builds the least with
//! `default-features = false, features = ["postgres"]` (or `mssql`,
//! `sqlite`).

// Every public item says what it is for; `cargo doc` and every build warn
// about one that does not.
#![warn(missing_docs)]

pub mod autogenerate;
mod backend;
pub mod baseline;
mod calendar;
#[cfg(feature = "cli")]
pub mod cli;
// `db clone` is the command line's; without it, only `testing`'s masking
// check reaches into it. An application builds none of it (nor toml, hmac).
#[cfg(any(feature = "cli", feature = "testing"))]
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub mod clone;
#[cfg(feature = "cli")]
pub mod codegen;
mod database_url;
pub mod declare;
mod dialect;
pub mod engine;
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
pub use backend::{connect, connect_existing, connect_read_only, recreate_database, AnyBackend, Attach, Backend, BackendError, BulkError, BulkInsert, ReadOnlyBackend, Row, RunError, Session, StatementError};
pub use database_url::{DatabaseUrl, UrlError};
pub use redact::redact;
pub use dialect::{Dialect, Flavour};
/// `#[derive(retort::Table)]`: a row struct declares its table by
/// implementing [`declare::TableDefinition`], returning a
/// [`declare::Table`] (feature `derive`, on by default). `retort::Table` is
/// only this macro; the table types are [`declare::Table`] (declared),
/// [`op::Table`] (an operation's definition) and [`schema::Table`] (read
/// from a database).
#[cfg(feature = "derive")]
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
pub use retort_sql::ModuleKind;
pub use op::{Operation, Operations, Sql};
pub use plan::{Direction, Plan, PlanError, Step};
pub use render::{render_plan, render_revision, RenderedPlan, RenderedStep, Start};
pub use revision::{Body, Checksum, DeclaredObject, Migrations, Revision, ScriptSources};
pub use scratch::{ScratchDatabase, ScratchError};
pub use target::{Fork, Target, TargetError};
pub use variables::{Keep, Variables};
