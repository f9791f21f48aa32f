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

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod lock;
#[cfg(feature = "mssql")]
mod mssql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_introspect;
pub(crate) mod split;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_introspect;

use std::time::Duration;

use crate::database_url::{DatabaseUrl, UrlError};
use crate::history::{HistoryTable, HistoryWrite, Rendered, Value};
use crate::schema::SchemaSnapshot;
use crate::{Dialect, Flavour};

#[cfg(feature = "mssql")]
pub(crate) use self::mssql::{render_offline as render_mssql_script, split_batches, OfflineStep};
#[cfg(feature = "mssql")]
pub use self::mssql::{MssqlBackend, MssqlClient};
#[cfg(feature = "mssql")]
pub(crate) use self::mssql::{babelfish_expression, babelfish_index_name, IndexName};
#[cfg(all(feature = "mssql", feature = "testing"))]
pub(crate) use self::mssql::drop_database_sql as mssql_drop_database_sql;
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

impl Unit {
    /// A unit of SQL that comes from no file (a fixture, a cleanup).
    pub fn sql(sql: impl Into<String>, label: impl Into<String>) -> Self {
        Self { sql: sql.into(), first_line: None, label: label.into() }
    }
}

/// One transactional revision's work: its SQL units and the history writes
/// that commit with them.
#[derive(Debug, Clone, Default)]
pub struct StepWork {
    pub units: Vec<Unit>,
    pub writes: Vec<HistoryWrite>,
}

/// Hears each revision of [`Backend::run_steps`] commit.
pub struct Commits<'a> {
    /// Whether someone follows the run as it goes (a progress bar, log
    /// lines). A batching backend then makes the server report each commit
    /// as it happens, which costs a little on every revision; unfollowed,
    /// the reports may come when the server's output buffer fills.
    pub followed: bool,
    /// Called with the revision's index and its own duration.
    pub done: &'a mut dyn FnMut(usize, Duration),
}

/// How a unit failed on the server.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct StatementError {
    /// Index of the failing unit among those the caller ran.
    pub unit: usize,
    /// 1-based statement number inside the unit, when the backend can tell.
    pub statement: Option<u32>,
    /// 1-based line inside the unit's SQL where the failing statement starts.
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
    /// The URL cannot be used as written (see [`UrlError`]).
    #[error(transparent)]
    Url(#[from] UrlError),
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
    /// A write, or a query that is not a plain read, asked of a session
    /// opened with [`connect_read_only`]; nothing was sent.
    #[error("{database} was opened read-only: refusing to {attempted} (nothing was sent)")]
    ReadOnly { database: String, attempted: &'static str },
}

/// Why running SQL failed: a statement the server rejected, or the
/// connection, lock or history.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{which} failed: {message}\n  statement: {sql}",
        which = .0.statement.map_or("a statement".to_owned(), |n| format!("statement {n}")),
        message = .0.message,
        sql = crate::excerpt::shorten(&.0.sql))]
    Statement(StatementError),
    #[error(transparent)]
    Backend(BackendError),
}

impl From<BackendError> for RunError {
    fn from(error: BackendError) -> Self {
        RunError::Backend(error)
    }
}

impl RunError {
    /// The error with the failing unit's index set to `unit` (a caller that
    /// runs units one at a time knows which one it sent).
    pub(crate) fn in_unit(self, unit: usize) -> Self {
        match self {
            RunError::Statement(error) => RunError::Statement(StatementError { unit, ..error }),
            other => other,
        }
    }
}

/// One row a query returned, each column as a [`Value`].
pub type Row = Vec<Value>;

/// A database the migrator can drive: its primitives and its dialect.
///
/// The algorithm that composes them — begin, a revision's units, its
/// history writes, commit — lives once, in `sequence.rs`; a backend only
/// says how each primitive reaches its database. Implementations keep one
/// session for the whole run: the lock is session-scoped on PostgreSQL and
/// SQL Server.
#[allow(async_fn_in_trait)] // The migrator is generic over backends; no dyn, no Send needed.
pub trait Backend {
    /// The SQL dialect this backend speaks.
    fn dialect(&self) -> Dialect;

    /// A description of the database for messages, without any password.
    fn describe(&self) -> String;

    /// Where SQLite's table rebuilds read a table's current definition;
    /// `None` where the dialect alters tables in place.
    fn catalog(&self) -> Option<&dyn crate::op::CatalogSource> {
        None
    }

    /// Which server speaks the dialect (asked of the server once, when it
    /// matters: SQL Server or Babelfish).
    async fn flavour(&mut self) -> Result<Flavour, BackendError> {
        Ok(Flavour::Standard)
    }

    /// Takes the exclusive migration lock, waiting up to `timeout`.
    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError>;

    /// Releases the migration lock. Safe to call when the lock is not held.
    async fn unlock(&mut self) -> Result<(), BackendError>;

    /// Opens a transaction: what runs until [`commit`](Self::commit) or
    /// [`rollback`](Self::rollback) commits together or not at all.
    async fn begin(&mut self) -> Result<(), BackendError>;

    /// Commits the open transaction. A check that runs at commit (a deferred
    /// constraint, SQLite's foreign key check) fails as a statement.
    async fn commit(&mut self) -> Result<(), RunError>;

    /// Leaves no transaction open, whatever state the session is in. Its own
    /// failure (a broken connection) is not reported: the failure that led
    /// here is what matters, and the server rolls back a dead session's work.
    async fn rollback(&mut self);

    /// Runs the SQL of one unit, statement by statement or batch by batch as
    /// the dialect splits it, inside the open transaction if there is one
    /// (outside one, each statement commits on its own). A failure names
    /// the statement: its number, its line in the unit and its text.
    async fn execute(&mut self, unit: &Unit) -> Result<(), RunError>;

    /// Runs statements rendered with this dialect's placeholders, binding
    /// their values as parameters.
    async fn execute_bound(&mut self, statements: &[Rendered]) -> Result<(), RunError>;

    /// Runs a query and returns its rows, or `None` when what it reads does
    /// not exist (the history table of a fresh database).
    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Option<Vec<Row>>, BackendError>;

    /// Reads the schema from the catalog, leaving out the history tables.
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError>;

    /// Runs consecutive transactional revisions, each in its own transaction
    /// with its history writes, telling `commits` as each one commits; stops at
    /// the first failure, returning the index of the failed revision and
    /// why. Revisions before it stay committed.
    ///
    /// The default runs `sequence::run_step` for each. A
    /// backend may override it only to execute the same work faster
    /// (PostgreSQL sends many revisions in one message), with the same
    /// answers: which revision failed, what stayed committed, each
    /// revision's own time, and, when followed, `commits` told as each commits.
    async fn run_steps(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        commits: &mut Commits<'_>,
    ) -> Result<(), (usize, RunError)> {
        crate::sequence::run_each(self, steps, table, commits.done).await
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

/// Connects to the database a URL names if it exists: an SQLite file that
/// does not exist is an error, where [`connect`] would create it (and its
/// folder). For commands that read or revert a database, so that a
/// mistyped path is not answered by a new, empty database. A server's
/// database is never created by connecting, so this is [`connect`] there.
pub async fn connect_existing(url: &DatabaseUrl) -> Result<AnyBackend, BackendError> {
    match url.dialect() {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Ok(AnyBackend::Sqlite(SqliteBackend::open_existing(url)?)),
        _ => connect(url).await,
    }
}

/// Connects to the database a URL names for reading only, as a tool that
/// must never change it does (`db clone` reading production, `baseline`).
///
/// The database refuses writes itself where it can: SQLite opens the file
/// with `mode=ro` and `query_only`; PostgreSQL makes every transaction of
/// the session `READ ONLY`; SQL Server logs in with
/// `ApplicationIntent=ReadOnly`, which a primary does not enforce. So the
/// session also refuses, before anything is sent, every primitive that
/// writes (`execute`, `execute_bound`, the migration lock) and any query
/// that is not a `SELECT`. Its transactions are read snapshots: `begin`
/// opens one (PostgreSQL `REPEATABLE READ READ ONLY`, SQL Server `SNAPSHOT`
/// where the database allows it, SQLite a deferred read transaction).
///
/// ```no_run
/// # async fn run() -> Result<(), retort::BackendError> {
/// use retort::Backend;
/// let url = retort::DatabaseUrl::parse("postgres://reader@db.example.com/app")?;
/// let mut source = retort::connect_read_only(&url).await?;
/// let schema = source.introspect(&retort::HistoryTable::default()).await?;
/// # Ok(()) }
/// ```
pub async fn connect_read_only(url: &DatabaseUrl) -> Result<ReadOnlyBackend, BackendError> {
    let inner = match url.dialect() {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => AnyBackend::Sqlite(SqliteBackend::open_read_only(url)?),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => AnyBackend::Postgres(PostgresBackend::connect_read_only(url).await?),
        #[cfg(feature = "mssql")]
        Dialect::Mssql => AnyBackend::Mssql(MssqlBackend::connect_read_only(url).await?),
        #[allow(unreachable_patterns)] // Reached only when a backend feature is off.
        other => return Err(BackendError::NotCompiled { backend: other.name() }),
    };
    Ok(ReadOnlyBackend { inner })
}

/// A session that only reads; see [`connect_read_only`].
pub struct ReadOnlyBackend {
    inner: AnyBackend,
}

impl ReadOnlyBackend {
    fn refuse(&self, attempted: &'static str) -> BackendError {
        BackendError::ReadOnly { database: self.inner.describe(), attempted }
    }
}

impl Backend for ReadOnlyBackend {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    async fn flavour(&mut self) -> Result<Flavour, BackendError> {
        self.inner.flavour().await
    }
    async fn lock(&mut self, _timeout: Duration) -> Result<(), BackendError> {
        Err(self.refuse("take the migration lock"))
    }
    async fn unlock(&mut self) -> Result<(), BackendError> {
        Ok(()) // Never taken.
    }
    async fn begin(&mut self) -> Result<(), BackendError> {
        self.inner.begin().await
    }
    async fn commit(&mut self) -> Result<(), RunError> {
        self.inner.commit().await
    }
    async fn rollback(&mut self) {
        self.inner.rollback().await
    }
    async fn execute(&mut self, _unit: &Unit) -> Result<(), RunError> {
        Err(self.refuse("run SQL").into())
    }
    async fn execute_bound(&mut self, _statements: &[Rendered]) -> Result<(), RunError> {
        Err(self.refuse("run statements").into())
    }
    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Option<Vec<Row>>, BackendError> {
        // A net under the server's own refusal, which SQL Server does not
        // give; our own queries are far simpler than what it refuses.
        if !retort_sql::reads_only(self.dialect().into(), sql) {
            return Err(self.refuse("run a query that is not a plain SELECT"));
        }
        self.inner.query(sql, values).await
    }
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        self.inner.introspect(history).await
    }
    async fn run_steps(
        &mut self,
        _steps: &[StepWork],
        _table: &HistoryTable,
        _commits: &mut Commits<'_>,
    ) -> Result<(), (usize, RunError)> {
        Err((0, self.refuse("apply revisions").into()))
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
    async fn flavour(&mut self) -> Result<Flavour, BackendError> {
        delegate!(self, b => b.flavour().await)
    }
    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        delegate!(self, b => b.lock(timeout).await)
    }
    async fn unlock(&mut self) -> Result<(), BackendError> {
        delegate!(self, b => b.unlock().await)
    }
    async fn begin(&mut self) -> Result<(), BackendError> {
        delegate!(self, b => b.begin().await)
    }
    async fn commit(&mut self) -> Result<(), RunError> {
        delegate!(self, b => b.commit().await)
    }
    async fn rollback(&mut self) {
        delegate!(self, b => b.rollback().await)
    }
    async fn execute(&mut self, unit: &Unit) -> Result<(), RunError> {
        delegate!(self, b => b.execute(unit).await)
    }
    async fn execute_bound(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        delegate!(self, b => b.execute_bound(statements).await)
    }
    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Option<Vec<Row>>, BackendError> {
        delegate!(self, b => b.query(sql, values).await)
    }
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        delegate!(self, b => b.introspect(history).await)
    }
    async fn run_steps(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        commits: &mut Commits<'_>,
    ) -> Result<(), (usize, RunError)> {
        delegate!(self, b => b.run_steps(steps, table, commits).await)
    }
}
