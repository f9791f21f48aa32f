//! The narrow boundary between the migrator and a database.
//!
//! A backend connects, owns its history-table DDL, takes and releases the
//! migration lock, reads the history, and runs one revision's statements
//! together with its history writes — atomically unless the revision opts
//! out. Everything else (planning, checksum verification, reporting) lives once
//! in the migrator. SQL Server shaped this boundary: its scripts are batches,
//! its lock is session-scoped (`sp_getapplock`) and tiberius has no transaction
//! API, so the backend, not the migrator, drives `BEGIN`/`COMMIT`.
//!
//! Three traits: [`Session`], the primitives a run needs (all that applying
//! revisions asks for); [`Backend`], a session that also reads the schema;
//! [`Attach`], the application's own connection lent as a session and given
//! back as it was.

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
#[cfg(feature = "postgres")]
pub(crate) mod postgres_tls;
pub(crate) mod split;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_introspect;

use std::time::Duration;

use crate::database_url::{DatabaseUrl, UrlError};
use crate::history::{HistoryError, HistoryTable, Rendered, Value};
pub use crate::work::{Row, StepWork, Unit};
use crate::schema::SchemaSnapshot;
use crate::{Dialect, Flavour};

#[cfg(feature = "mssql")]
pub(crate) use self::mssql::{render_offline as render_mssql_script, split_batches, OfflineStep};
#[cfg(feature = "mssql")]
pub use self::mssql::{MssqlBackend, MssqlClient};
#[cfg(feature = "mssql")]
pub(crate) use self::mssql::{babelfish_expression, babelfish_index_name, extras as mssql_extras, IndexName};
#[cfg(all(feature = "mssql", feature = "testing"))]
pub(crate) use self::mssql::drop_database_sql as mssql_drop_database_sql;
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresBackend;
#[cfg(feature = "postgres")]
pub(crate) use self::postgres_introspect::DEPENDENCIES as POSTGRES_DEPENDENCIES;
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteBackend;
#[cfg(feature = "sqlite")]
pub(crate) use self::sqlite_introspect::DEFINITIONS as SQLITE_DEFINITIONS;

/// Hears each revision of a run of transactional revisions commit.
pub struct Commits<'a> {
    /// Whether someone follows the run as it goes (a progress bar, log
    /// lines). A batching backend then makes the server report each commit
    /// as it happens, which costs a little on every revision; unfollowed,
    /// the reports may come when the server's output buffer fills.
    pub followed: bool,
    /// Called with the revision's index and its own duration.
    pub done: &'a mut (dyn FnMut(usize, Duration) + Send),
}

/// What [`Session::run_batched`] did with the revisions it was offered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batched {
    /// How many revisions, from the first, it sent.
    pub sent: usize,
    /// How many of those committed, from the first.
    pub committed: usize,
    /// Why the revision after those committed failed, when the backend can
    /// say it as the plain path would (the statement of a unit: its index,
    /// number, line and the server's message); it was rolled back and is not
    /// run again. `None`: the caller runs those sent and not committed on the
    /// plain path.
    pub failed: Option<StatementError>,
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
    /// The database could not be reached, or refused the login or the TLS
    /// handshake.
    Connect {
        /// The URL, without its password.
        url: String,
        /// The driver's or server's reason.
        message: String,
    },
    /// The URL cannot be used as written (see [`UrlError`]).
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(
        "the migration lock on {database} is held by another migrator ({holder}); waited {waited:?}. \
         Wait for it to finish, or raise --lock-timeout"
    )]
    /// Another migrator held the migration lock for longer than the lock
    /// timeout; nothing was run.
    LockTimeout {
        /// The database, for the message (no password).
        database: String,
        /// Who holds the lock, as the server tells (session, host, program), or
        /// that it cannot tell.
        holder: String,
        /// How long this migrator waited.
        waited: Duration,
    },
    #[error("{context}: {message}")]
    /// A query or statement of retort's own (the history, the lock, the
    /// catalog) failed.
    Database {
        /// What retort was doing.
        context: &'static str,
        /// The server's message.
        message: String,
    },
    /// The database gave up waiting for a lock another session holds
    /// before anything of the revision ran (SQLite's write lock, which
    /// `BEGIN IMMEDIATE` takes); `statement` is what waited.
    #[error("{statement} gave up waiting for a lock another connection holds: {message}")]
    LockNotAvailable {
        /// The statement that waited.
        statement: &'static str,
        /// The server's error code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The history tables cannot be made as configured, or hold a row
    /// retort cannot read.
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("the {backend} backend is not compiled in: enable retort's `{backend}` feature")]
    /// The URL names a database whose backend this build leaves out.
    NotCompiled {
        /// The feature to enable: `sqlite`, `postgres` or `mssql`.
        backend: &'static str,
    },
    /// An application's connection handed to retort with a transaction
    /// open ([`Attach::attach`]): retort runs each revision in a
    /// transaction of its own, and would commit or roll back the
    /// application's work with it.
    #[error(
        "{database} has a transaction open: commit or roll it back before migrating through this connection \
         (retort runs each revision in its own transaction)"
    )]
    TransactionOpen {
        /// The database, as [`Session::describe`] says it.
        database: String,
    },
    /// A write, or a query that is not a plain read, asked of a session
    /// opened with [`connect_read_only`]; nothing was sent.
    #[error("{database} was opened read-only: refusing to {attempted} (nothing was sent)")]
    ReadOnly {
        /// The database, for the message (no password).
        database: String,
        /// What was refused (`run SQL`, `take the migration lock`…).
        attempted: &'static str,
    },
}

/// Why running SQL failed: a statement the server rejected, or the
/// connection, lock or history.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{which} failed: {message}\n  statement: {sql}",
        which = .0.statement.map_or("a statement".to_owned(), |n| format!("statement {n}")),
        message = .0.message,
        sql = crate::excerpt::shorten(&.0.sql))]
    /// A statement the server rejected, with its position in the unit.
    Statement(StatementError),
    #[error(transparent)]
    /// The connection, the lock or the history failed around the
    /// statements.
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

/// Rows for [`Backend::bulk_insert`]: one table's, every row with a value
/// for each of `columns`, in that order.
#[derive(Debug, Clone, Copy)]
pub struct BulkInsert<'a> {
    /// The table's schema (`None`: the connection's default) and name, unquoted.
    pub schema: Option<&'a str>,
    /// The table's name.
    pub table: &'a str,
    /// Column names, unquoted.
    pub columns: &'a [String],
    /// Values in `db clone`'s portable forms: integers, flags, and text
    /// (`YYYY-MM-DD[ HH:MM:SS[.f]][+hh:mm]` for dates and times, lowercase
    /// hex for bytes).
    pub rows: &'a [Row],
    /// The table's identity column, when it has one (it is among
    /// `columns`): its values are kept, and the identity goes on after them.
    pub identity: Option<&'a str>,
}

/// Why [`Backend::bulk_insert`] did not load the rows.
#[derive(Debug)]
#[non_exhaustive]
pub enum BulkError {
    /// The backend has no bulk load: insert with statements.
    NotAvailable,
    /// It has one, but not for these rows: a column type it does not send,
    /// or a value not in its portable form (the reason names the column).
    /// Nothing was written; insert these rows with statements.
    Unsupported(String),
    /// The load failed on the server; roll back the open transaction.
    Failed(RunError),
}

/// A session the migrator can drive: the primitives of a run and its dialect.
///
/// This is all that applying revisions needs (`upgrade`, `downgrade`,
/// `stamp`, `resolve`, `repair`, `status`): nine required methods. The
/// order that composes them — begin, a revision's units, its history
/// writes, commit — is decided once, in `framing.rs`; a session only says
/// how each primitive reaches its database. The capabilities below the
/// primitives (the server's flavour, SQLite's catalog for table rebuilds,
/// batching) have defaults. Reading the schema is [`Backend`]'s.
///
/// Implementations keep one session for the whole run: the lock is
/// session-scoped on PostgreSQL and SQL Server.
#[allow(async_fn_in_trait)] // The migrator is generic over sessions; no dyn, no Send needed.
pub trait Session {
    /// The SQL dialect this session speaks.
    fn dialect(&self) -> Dialect;

    /// A description of the database for messages, without any password.
    fn describe(&self) -> String {
        format!("a {} database", self.dialect().name())
    }

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

    /// Batching, a capability a session may have: runs consecutive
    /// transactional revisions faster than one at a time (PostgreSQL sends
    /// many in one message, SQL Server joins each revision's frames into
    /// one request per batch, and revisions of one batch several to a
    /// request), each still in its own transaction with its
    /// history writes, and tells `commits` as each one commits (at once
    /// when `commits.followed`). Returns how many of `steps`, from the
    /// first, it sent and how many of those committed; the caller runs
    /// those sent and not committed again on the plain path (which says
    /// which revision failed and why) unless it says why itself
    /// ([`Batched::failed`]), then offers the rest again. It must
    /// give the plain path's answers: which revision failed, what stayed
    /// committed, each revision's own time.
    ///
    /// The default sends nothing: every revision takes the plain path.
    async fn run_batched(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        commits: &mut Commits<'_>,
    ) -> Result<Batched, BackendError> {
        let _ = (steps, table, commits);
        Ok(Batched::default())
    }
}

/// A database the commands that read its schema can drive: a [`Session`]
/// that also introspects (`stamp --verify`, `baseline`, autogenerate,
/// `db clone`, the round-trip harness), and may bulk-load rows.
#[allow(async_fn_in_trait)] // As `Session`: generic, no dyn.
pub trait Backend: Session {
    /// Reads the schema from the catalog, leaving out the history tables.
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError>;

    /// A capability: loads many rows into one table inside the open
    /// transaction, faster than INSERT statements can (SQL Server's bulk
    /// load, the protocol `bcp` uses), with what INSERTs guarantee: NULLs
    /// kept, constraints checked, triggers fired, identity values kept. The
    /// default has none; `db clone` falls back to statements when it is
    /// [`NotAvailable`](BulkError::NotAvailable) or
    /// [`Unsupported`](BulkError::Unsupported) for the rows. Returns how many
    /// rows were loaded.
    async fn bulk_insert(&mut self, load: &BulkInsert<'_>) -> Result<u64, BulkError> {
        let _ = load;
        Err(BulkError::NotAvailable)
    }
}

/// An application's own connection that retort can migrate through
/// ([`Migrations::upgrade_with`](crate::Migrations::upgrade_with), the
/// `*_with` commands of [`Migrator`](crate::Migrator)), lent for the
/// command: `&mut` a `tokio_postgres::Client`, a `rusqlite::Connection`,
/// or a `tiberius::Client<S>` over any stream — and so what a pool hands
/// out, dereferenced (`&mut *pooled`).
///
/// [`attach`](Self::attach) reads what retort will change on the session
/// and refuses a connection with a transaction open (SQL Server, SQLite);
/// [`detach`](Self::detach) gives the connection back as it was: no
/// transaction open, the migration lock released, and the settings retort
/// changes (the lock timeout, `XACT_ABORT`, …) at their earlier values.
#[allow(async_fn_in_trait)] // Generic, as `Session`.
pub trait Attach {
    /// The session retort runs over the lent connection.
    type Session: Session;

    /// Starts a session over the connection, noting what to restore.
    async fn attach(self) -> Result<Self::Session, BackendError>;

    /// Ends the session, putting the connection back as `attach` found it.
    /// Call it after every command, whether it succeeded or not.
    async fn detach(session: Self::Session) -> Result<(), BackendError>;
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
    /// An SQLite database file.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteBackend),
    /// A PostgreSQL session.
    #[cfg(feature = "postgres")]
    Postgres(PostgresBackend),
    #[cfg(feature = "mssql")]
    /// A SQL Server (or Babelfish) session.
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

impl Session for ReadOnlyBackend {
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
    async fn run_batched(
        &mut self,
        _steps: &[StepWork],
        _table: &HistoryTable,
        _commits: &mut Commits<'_>,
    ) -> Result<Batched, BackendError> {
        Err(self.refuse("apply revisions"))
    }
}

impl Backend for ReadOnlyBackend {
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        self.inner.introspect(history).await
    }
    async fn bulk_insert(&mut self, _load: &BulkInsert<'_>) -> Result<u64, BulkError> {
        Err(BulkError::Failed(self.refuse("load rows").into()))
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

impl Session for AnyBackend {
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
    async fn run_batched(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        commits: &mut Commits<'_>,
    ) -> Result<Batched, BackendError> {
        delegate!(self, b => b.run_batched(steps, table, commits).await)
    }
}

impl Backend for AnyBackend {
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        delegate!(self, b => b.introspect(history).await)
    }
    async fn bulk_insert(&mut self, load: &BulkInsert<'_>) -> Result<u64, BulkError> {
        delegate!(self, b => b.bulk_insert(load).await)
    }
}
