//! The narrow boundary between the migrator and a database.
//!
//! A backend connects, owns its history-table DDL, takes and releases the
//! migration lock, reads the history, and runs one revision's statements
//! together with its history writes — atomically unless the revision opts
//! out. Everything else (planning, checksum verification, reporting) lives once
//! in the migrator. SQL Server shaped this boundary: its scripts are batches,
//! its lock is session-scoped (`sp_getapplock`) and tiberius has no transaction
//! API, so the backend, not the migrator, drives `BEGIN`/`COMMIT`.

// Without any backend feature the dispatch functions ignore their arguments.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mssql")), allow(unused_variables))]

#[cfg(feature = "mssql")]
mod mssql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_introspect;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_introspect;

use std::time::Duration;

use crate::database_url::DatabaseUrl;
use crate::history::{AppliedRevision, HistoryTable, HistoryWrite, Rendered, WriteContext};
use crate::schema::SchemaSnapshot;
use crate::Dialect;

#[cfg(feature = "mssql")]
pub(crate) use self::mssql::{render_offline as render_mssql_script, OfflineStep};
#[cfg(feature = "mssql")]
pub use self::mssql::{MssqlBackend, MssqlClient};
#[cfg(all(feature = "mssql", feature = "testing"))]
pub(crate) use self::mssql::test_database_url as mssql_test_database_url;
#[cfg(feature = "mssql")]
pub(crate) use self::mssql::ado_to_url as mssql_ado_to_url;
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresBackend;
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteBackend;

/// One unit of SQL sent to the database: a whole SQL script, one GO batch on
/// SQL Server, or the SQL of one recorded operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// The SQL text.
    pub sql: String,
    /// The 1-based line in the revision's source file where `sql` starts, when
    /// the unit comes from an SQL file (so errors can point at the file).
    pub first_line: Option<u32>,
    /// A short label: "script", "batch 3", "operation 2 (execute)".
    pub label: String,
}

/// One transactional revision's work for [`Backend::run_steps`]: its SQL
/// units and the history writes that commit with them.
#[derive(Debug, Clone)]
pub struct StepWork {
    pub units: Vec<Unit>,
    pub writes: Vec<HistoryWrite>,
}

/// How a unit failed on the server.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct StatementError {
    /// Index of the failing unit in the slice given to [`Backend::run`].
    pub unit: usize,
    /// 1-based statement number inside the unit, when the backend can tell.
    pub statement: Option<u32>,
    /// 1-based line inside the unit's SQL, when the server reports a position.
    pub line: Option<u32>,
    /// The failing statement (or unit) text.
    pub sql: String,
    /// The server's error code (SQLSTATE, SQLite extended code, SQL Server number).
    pub code: Option<String>,
    /// The server's message.
    pub message: String,
}

/// Errors a backend reports about its connection, lock or history table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{url} is not a database URL retort understands: {reason}")]
    Url { url: String, reason: String },
    #[error(
        "the migration lock on {database} is held by another migrator ({holder}); waited {waited:?}. \
         Wait for it to finish, or raise --lock-timeout"
    )]
    LockTimeout {
        database: String,
        holder: String,
        waited: Duration,
    },
    #[error("{context}: {message}")]
    Database {
        context: &'static str,
        message: String,
    },
    #[error("the {backend} backend is not compiled in: enable retort's `{backend}` feature")]
    NotCompiled { backend: &'static str },
}

/// Why [`Backend::run`] or [`Backend::execute`] failed: a statement the
/// server rejected, or the connection, lock or history. Nothing of a failed
/// transactional run remains.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{which} failed: {message}\n  statement: {sql}",
        which = .0.statement.map_or("a statement".to_owned(), |n| format!("statement {n}")),
        message = .0.message,
        sql = crate::error::shorten(&.0.sql))]
    Statement(StatementError),
    #[error(transparent)]
    Backend(BackendError),
}

impl From<BackendError> for RunError {
    fn from(error: BackendError) -> Self {
        RunError::Backend(error)
    }
}

/// A database the migrator can drive.
///
/// Implementations keep one session for the whole run: the lock is
/// session-scoped on PostgreSQL and SQL Server.
#[allow(async_fn_in_trait)] // The migrator is generic over backends; no dyn, no Send needed.
pub trait Backend {
    /// The SQL dialect this backend speaks.
    fn dialect(&self) -> Dialect;

    /// Where operations that rebuild a table read its current definition
    /// (SQLite's batch-mode alters); `None` where the dialect alters in place.
    fn catalog(&self) -> Option<&dyn crate::op::CatalogSource> {
        None
    }

    /// A description of the database for messages, without any password.
    fn describe(&self) -> String;

    /// Takes the exclusive migration lock, waiting up to `timeout`.
    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError>;

    /// Releases the migration lock. Safe to call when the lock is not held.
    async fn unlock(&mut self) -> Result<(), BackendError>;

    /// Creates the history and event-log tables when they do not exist.
    async fn ensure_history(&mut self, table: &HistoryTable) -> Result<(), BackendError>;

    /// Reads every history row, or `None` when the history table does not
    /// exist yet (a fresh database): one round trip.
    async fn read_history(
        &mut self,
        table: &HistoryTable,
    ) -> Result<Option<Vec<AppliedRevision>>, BackendError>;

    /// Runs `units` and then `writes`.
    ///
    /// When `transactional`, everything runs in one transaction: either all
    /// of it is committed or none of it, and no transaction is left open
    /// whatever happens. Otherwise each unit runs on its own and the writes run
    /// in one transaction afterwards (only when every unit succeeded).
    /// History writes measure the elapsed time of the whole run.
    async fn run(
        &mut self,
        units: &[Unit],
        writes: &[HistoryWrite],
        table: &HistoryTable,
        transactional: bool,
    ) -> Result<(), RunError>;

    /// Runs consecutive transactional revisions, each in its own transaction
    /// with its history writes, stopping at the first failure; returns each
    /// revision's elapsed time, or the index of the failed one and why.
    /// Revisions before the failed one stay committed.
    ///
    /// The default runs them one by one; a backend may send them together
    /// (PostgreSQL: one message for all).
    async fn run_steps(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
    ) -> Result<Vec<Duration>, (usize, RunError)> {
        run_each(self, steps, table).await
    }

    /// Runs parameterised statements (seed data) in one transaction: all or
    /// nothing.
    async fn execute(&mut self, statements: &[Rendered]) -> Result<(), RunError>;

    /// Reads the schema from the catalog, leaving out the history tables.
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        let _ = history;
        Err(BackendError::Database {
            context: "introspecting the schema",
            message: format!("schema introspection is not implemented for {} yet", self.dialect()),
        })
    }
}

/// [`Backend::run_steps`] one revision at a time: the default, and the
/// fallback of backends that batch.
pub(crate) async fn run_each<B: Backend + ?Sized>(
    backend: &mut B,
    steps: &[StepWork],
    table: &HistoryTable,
) -> Result<Vec<Duration>, (usize, RunError)> {
    let mut elapsed = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let started = std::time::Instant::now();
        backend.run(&step.units, &step.writes, table, true).await.map_err(|error| (index, error))?;
        elapsed.push(started.elapsed());
    }
    Ok(elapsed)
}

/// The dialect's history-table DDL (idempotent), for offline scripts.
pub(crate) fn history_ddl(dialect: Dialect, table: &HistoryTable) -> Result<String, BackendError> {
    match dialect {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Ok(sqlite::history_ddl(table)),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Ok(postgres::history_ddl(table)),
        #[cfg(feature = "mssql")]
        Dialect::Mssql => Ok(mssql::history_ddl(table)),
        #[allow(unreachable_patterns)] // Reached only when a backend feature is off.
        other => Err(BackendError::NotCompiled {
            backend: other.name(),
        }),
    }
}

/// How offline scripts fill the history columns the backend fills online.
pub(crate) fn offline_context(
    dialect: Dialect,
    table: &HistoryTable,
) -> Result<WriteContext<'_>, BackendError> {
    match dialect {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Ok(WriteContext {
            table,
            dialect,
            now: sqlite::NOW_SQL,
            user: "'offline script'",
            elapsed_ms: "0",
        }),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Ok(WriteContext {
            table,
            dialect,
            now: "now()",
            user: "current_user",
            elapsed_ms: postgres::ELAPSED_IN_TRANSACTION,
        }),
        #[cfg(feature = "mssql")]
        Dialect::Mssql => Ok(mssql::offline_context(table)),
        #[allow(unreachable_patterns)] // Reached only when a backend feature is off.
        other => Err(BackendError::NotCompiled {
            backend: other.name(),
        }),
    }
}

/// Drops the database a URL names and creates it empty (SQLite: deletes the
/// file and its sidecars). For `db reset`; callers check it looks local.
pub async fn recreate_database(url: &DatabaseUrl) -> Result<(), BackendError> {
    match url.dialect() {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => SqliteBackend::delete_database(url),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => PostgresBackend::recreate_database(url).await,
        #[cfg(feature = "mssql")]
        Dialect::Mssql => MssqlBackend::recreate_database(url).await,
        #[allow(unreachable_patterns)] // Reached only when a backend feature is off.
        other => Err(BackendError::NotCompiled { backend: other.name() }),
    }
}

/// A connection to any compiled-in backend, chosen by the URL's scheme.
#[non_exhaustive]
pub enum AnyBackend {
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteBackend),
    #[cfg(feature = "postgres")]
    Postgres(PostgresBackend),
    #[cfg(feature = "mssql")]
    Mssql(MssqlBackend),
}

/// Connects to the database a URL names.
pub async fn connect(url: &DatabaseUrl) -> Result<AnyBackend, BackendError> {
    match url.dialect() {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Ok(AnyBackend::Sqlite(SqliteBackend::open(url)?)),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Ok(AnyBackend::Postgres(PostgresBackend::connect(url).await?)),
        #[cfg(feature = "mssql")]
        Dialect::Mssql => Ok(AnyBackend::Mssql(MssqlBackend::connect(url).await?)),
        #[allow(unreachable_patterns)] // Reached only when a backend feature is off.
        other => Err(BackendError::NotCompiled {
            backend: other.name(),
        }),
    }
}

macro_rules! delegate {
    ($self:ident, $backend:ident => $call:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            AnyBackend::Sqlite($backend) => $call,
            #[cfg(feature = "postgres")]
            AnyBackend::Postgres($backend) => $call,
            #[cfg(feature = "mssql")]
            AnyBackend::Mssql($backend) => $call,
            // With no backend compiled in the enum is empty and this arm is
            // the whole (never reached) match.
            #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mssql")))]
            _ => unreachable!("AnyBackend has no variants without a backend feature"),
        }
    };
}

impl Backend for AnyBackend {
    fn dialect(&self) -> Dialect {
        delegate!(self, b => b.dialect())
    }
    fn catalog(&self) -> Option<&dyn crate::op::CatalogSource> {
        delegate!(self, b => b.catalog())
    }
    fn describe(&self) -> String {
        delegate!(self, b => b.describe())
    }
    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        delegate!(self, b => b.lock(timeout).await)
    }
    async fn unlock(&mut self) -> Result<(), BackendError> {
        delegate!(self, b => b.unlock().await)
    }
    async fn ensure_history(&mut self, table: &HistoryTable) -> Result<(), BackendError> {
        delegate!(self, b => b.ensure_history(table).await)
    }
    async fn read_history(
        &mut self,
        table: &HistoryTable,
    ) -> Result<Option<Vec<AppliedRevision>>, BackendError> {
        delegate!(self, b => b.read_history(table).await)
    }
    async fn run(
        &mut self,
        units: &[Unit],
        writes: &[HistoryWrite],
        table: &HistoryTable,
        transactional: bool,
    ) -> Result<(), RunError> {
        delegate!(self, b => b.run(units, writes, table, transactional).await)
    }
    async fn run_steps(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
    ) -> Result<Vec<Duration>, (usize, RunError)> {
        delegate!(self, b => b.run_steps(steps, table).await)
    }
    async fn execute(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        delegate!(self, b => b.execute(statements).await)
    }
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        delegate!(self, b => b.introspect(history).await)
    }
}
