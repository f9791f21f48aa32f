//! SQL Server, through tiberius (TDS over TCP, TLS with rustls): everything
//! SQL Server in one place.
//!
//! - [`config`]: a parsed `mssql://` URL or ADO.NET string (`database_url`
//!   reads both) → tiberius `Config`;
//! - [`batch`]: the `GO` splitter, shared by online runs and offline scripts;
//! - [`bulk`]: bulk load (`db clone`'s rows), values sent as their columns' types;
//! - [`transaction`]: the requests that run a revision, with its history
//!   writes, atomically;
//! - [`lock`]: the migration lock, `sp_getapplock` owned by the session;
//! - [`catalog`] and [`snapshot`]: introspection into the schema model;
//! - [`offline`]: T-SQL offline scripts for `sqlcmd`;
//! - [`errors`]: server errors as messages;
//! - [`flavour`]: SQL Server or Babelfish, and what differs.

mod batch;
mod bulk;
mod catalog;
mod config;
mod errors;
pub(crate) mod extras;
mod flavour;
mod lock;
mod offline;
mod postgres_form;
mod snapshot;
mod transaction;

use std::borrow::BorrowMut;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use futures_util::io::{AsyncRead, AsyncWrite};
use futures_util::TryStreamExt as _;
use tiberius::Query;
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use self::errors::{database_error, Failure};
use self::transaction::{Request, BEGIN, COMMIT, ROLLBACK_IF_OPEN};
use super::{Attach, Backend, BackendError, Batched, BulkError, BulkInsert, Commits, Row, RunError, Session, StatementError, StepWork, Unit};
use crate::framing;
use crate::database_url::{DatabaseUrl, MssqlOptions, UrlError};
use crate::history::{HistoryTable, Rendered, Value};
use crate::schema::SchemaSnapshot;
use crate::{Dialect, Flavour};

pub(crate) use self::offline::{render as render_offline, OfflineStep};
pub(crate) use self::snapshot::{babelfish_expression, babelfish_index_name, IndexName};
#[cfg(feature = "testing")]
pub(crate) use self::flavour::drop_database_sql;
pub(crate) use self::batch::split_batches;

/// The tiberius client over a Tokio TCP stream.
pub type MssqlClient = tiberius::Client<Compat<TcpStream>>;

/// A session on one SQL Server database.
///
/// ```no_run
/// # async fn run() -> Result<(), retort::BackendError> {
/// let url = retort::DatabaseUrl::parse(
///     "mssql://sa:DevPassword123!@localhost:1433/app?trust_server_certificate=true",
/// )?;
/// let backend = retort::MssqlBackend::connect(&url).await?;
/// # Ok(()) }
/// ```
///
/// The session runs over retort's own client (the defaults: a Tokio TCP
/// stream, the client boxed) or over the application's, borrowed, on any
/// stream ([`Attach`] for `tiberius::Client<S>`).
pub struct MssqlBackend<S: AsyncRead + AsyncWrite + Unpin + Send = Compat<TcpStream>, C = Box<tiberius::Client<S>>> {
    // Boxed when owned: the client holds its buffers inline (about 1.5 kB),
    // and `AnyBackend` should not be that large for every backend.
    client: C,
    stream: PhantomData<fn() -> S>,
    description: String,
    /// How many times this session holds the migration lock: application
    /// locks count, and each grant needs its own release.
    locks_held: u32,
    /// A transaction `begin` asked for and no request has opened yet: the
    /// next batch carries its `BEGIN TRANSACTION` (see `transaction`).
    begin_pending: bool,
    /// Whether a transaction is open (or about to be).
    in_transaction: bool,
    /// SQL Server or Babelfish, once asked.
    flavour: Option<Flavour>,
    /// Opened read-only ([`MssqlBackend::connect_read_only`]): its
    /// transactions only read, from a snapshot where the database allows one.
    read_only: bool,
    /// Requests sent so far (see [`MssqlBackend::requests_sent`]).
    requests: u64,
    /// The wire types of the last table and columns bulk-loaded (see `bulk`).
    bulk_columns: Option<(String, Vec<bulk::Wire>)>,
    /// On the application's connection: its settings as `attach` read them.
    attached: Option<Settings>,
}

/// The session's state as the application had it, put back when retort
/// gives the client back: what retort changes (`XACT_ABORT`, which every
/// transaction of retort's turns on; `LOCK_TIMEOUT`, which a revision's
/// lock timeout sets) and what a revision may change (the `SET` options of
/// `@@OPTIONS`, `DATEFIRST`, the database a `USE` switches to).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    options: i32,
    lock_timeout_ms: i32,
    datefirst: i32,
    database: Option<String>,
}

/// The `SET` options `@@OPTIONS` reports, by bit (`DISABLE_DEF_CNST_CHK`,
/// bit 1, has no `SET`).
const OPTIONS: [(i32, &str); 14] = [
    (2, "IMPLICIT_TRANSACTIONS"),
    (4, "CURSOR_CLOSE_ON_COMMIT"),
    (8, "ANSI_WARNINGS"),
    (16, "ANSI_PADDING"),
    (32, "ANSI_NULLS"),
    (64, "ARITHABORT"),
    (128, "ARITHIGNORE"),
    (256, "QUOTED_IDENTIFIER"),
    (512, "NOCOUNT"),
    (1024, "ANSI_NULL_DFLT_ON"),
    (2048, "ANSI_NULL_DFLT_OFF"),
    (4096, "CONCAT_NULL_YIELDS_NULL"),
    (8192, "NUMERIC_ROUNDABORT"),
    (16384, "XACT_ABORT"),
];

impl Settings {
    /// The statements that take the session from `now` back to `self`:
    /// only what differs, the options turned off before those turned on
    /// (`ANSI_NULL_DFLT_ON` and `_OFF` exclude each other).
    fn restore_from(&self, now: &Settings) -> String {
        let mut sql = String::new();
        if let Some(database) = self.database.as_deref().filter(|database| now.database.as_deref() != Some(database)) {
            sql.push_str(&format!(" USE {};", Dialect::Mssql.quote_ident(database)));
        }
        for on in [false, true] {
            for (bit, name) in OPTIONS {
                let (was, is) = (self.options & bit != 0, now.options & bit != 0);
                if was != is && was == on {
                    sql.push_str(&format!(" SET {name} {};", if on { "ON" } else { "OFF" }));
                }
            }
        }
        if self.lock_timeout_ms != now.lock_timeout_ms {
            sql.push_str(&format!(" SET LOCK_TIMEOUT {};", self.lock_timeout_ms));
        }
        if self.datefirst != now.datefirst {
            sql.push_str(&format!(" SET DATEFIRST {};", self.datefirst));
        }
        sql
    }
}

impl MssqlBackend {
    /// Connects with a `mssql://` URL or an ADO.NET connection string (see
    /// `database_url`'s `mssql` module for every setting). Encryption is required and
    /// the server certificate verified unless the URL says otherwise.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, BackendError> {
        Self::open_session(url, false).await
    }

    /// Connects with `ApplicationIntent=ReadOnly` in the login, as a
    /// read-only client of an availability group does (the listener may
    /// route it to a readable secondary). The server does not enforce it on
    /// a primary, so `retort::connect_read_only` also refuses every write
    /// before it is sent. Its `begin` opens a `SNAPSHOT` transaction when
    /// the database allows snapshot isolation (one consistent view of every
    /// table read until `commit`), else a `READ COMMITTED` one.
    pub async fn connect_read_only(url: &DatabaseUrl) -> Result<Self, BackendError> {
        Self::open_session(url, true).await
    }

    async fn open_session(url: &DatabaseUrl, read_only: bool) -> Result<Self, BackendError> {
        let options = mssql_options(url)?;
        let client = open(options, read_only).await?;
        let database = options
            .database
            .as_deref()
            .unwrap_or("(the login's default database)");
        let description = format!(
            "SQL Server database {database} on {} as {}{}",
            options.address(),
            options.user,
            if read_only { " (read-only)" } else { "" }
        );
        Ok(Self { read_only, ..Self::over(Box::new(client), description) })
    }

    /// Drops and creates the database a URL names, from `master` (for
    /// `db reset`; the caller checks that it looks local).
    pub async fn recreate_database(url: &DatabaseUrl) -> Result<(), BackendError> {
        let options = mssql_options(url)?;
        let name = options
            .database
            .clone()
            .ok_or_else(|| UrlError::invalid(url, "name the database to reset (mssql://…/DevDB or Database=DevDB)"))?;
        let master = DatabaseUrl::parse(&options.url_for_database("master"))?;
        let mut admin = MssqlBackend::connect(&master).await?;
        let flavour = admin.flavour().await?;
        let sql = format!(
            "{}\nCREATE DATABASE {};",
            flavour::drop_database_sql(flavour, &name),
            Dialect::Mssql.quote_ident(&name)
        );
        // Babelfish refuses a CREATE DATABASE that races another session's
        // ("tuple concurrently updated": nothing was made); the batch drops
        // only what exists, so running it again is safe. SQL Server never
        // says that.
        let mut attempts = 0;
        loop {
            match admin.batch(&sql).await {
                Ok(_) => return Ok(()),
                Err(error) if attempts < 5 && error.to_string().contains("tuple concurrently updated") => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempts)).await;
                }
                Err(error) => {
                    return Err(BackendError::Database { context: "recreating the database", message: error.to_string() })
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send, C: BorrowMut<tiberius::Client<S>>> MssqlBackend<S, C> {
    /// A session over `client`, as it starts: no transaction, no lock, no
    /// request sent yet, nothing to put back.
    fn over(client: C, description: String) -> Self {
        Self {
            client,
            stream: PhantomData,
            description,
            locks_held: 0,
            begin_pending: false,
            in_transaction: false,
            flavour: None,
            read_only: false,
            requests: 0,
            bulk_columns: None,
            attached: None,
        }
    }

    /// Starts a read-only session's transaction at once (not deferred to
    /// the first batch as writes are): snapshot isolation where the
    /// database has it on, since a copy read table by table must see one
    /// state of the database.
    async fn begin_reading(&mut self) -> Result<(), BackendError> {
        let rows = self
            .query_rows(SNAPSHOT_ALLOWED_SQL, &[])
            .await
            .map_err(database_error("asking whether snapshot isolation is allowed"))?;
        let isolation = if first_int(&rows) == Some(1) {
            "SNAPSHOT"
        } else {
            tracing::warn!(
                "snapshot isolation is off on the source database: tables are read at READ COMMITTED, \
                 so rows written while the copy runs may be seen in one table and not in another"
            );
            "READ COMMITTED"
        };
        self.batch(&format!("SET TRANSACTION ISOLATION LEVEL {isolation}; BEGIN TRANSACTION;"))
            .await
            .map_err(database_error("starting a read transaction"))?;
        self.in_transaction = true;
        Ok(())
    }

    /// The tiberius client, for tests and seed code. What is sent through
    /// it is not counted by [`requests_sent`](Self::requests_sent).
    pub fn client(&mut self) -> &mut tiberius::Client<S> {
        self.tds()
    }

    fn tds(&mut self) -> &mut tiberius::Client<S> {
        BorrowMut::<tiberius::Client<S>>::borrow_mut(&mut self.client)
    }

    /// How many requests (SQL batches, RPCs, bulk loads) this session has
    /// sent to the server since it connected, each a round trip: a
    /// measurement aid for benchmarks and tests (`cargo xtask bench` shows
    /// it), not something a migration depends on. The login is not counted.
    pub fn requests_sent(&self) -> u64 {
        self.requests
    }

    /// Runs one SQL batch and collects its result sets.
    async fn batch(
        &mut self,
        sql: &str,
    ) -> Result<Vec<Vec<tiberius::Row>>, tiberius::error::Error> {
        self.requests += 1;
        self.tds().simple_query(sql).await?.into_results().await
    }

    /// Runs one request of [`transaction::requests`] or
    /// [`transaction::revision_requests`], dropping its rows but the one
    /// that says the revision committed: returns its time in milliseconds
    /// ([`transaction::DONE_COLUMN`]), if the request sent it. When it
    /// fails, the failure carries the line and module that the `CATCH` block
    /// of [`transaction::stop_at_first_error`] reported, if it ran: Babelfish
    /// raises the error again with the line of its `THROW`.
    async fn user_batch(&mut self, sql: &str) -> Result<Option<u64>, Failure> {
        let mut done = None;
        self.user_batch_each(sql, &mut |ms| done = Some(ms)).await?;
        Ok(done)
    }

    /// [`Self::user_batch`] for a request that may commit several revisions
    /// ([`transaction::shared_request`]): `done` is told each revision's time
    /// as its row arrives.
    async fn user_batch_each(&mut self, sql: &str, done: &mut (dyn FnMut(u64) + Send)) -> Result<(), Failure> {
        self.requests += 1;
        let mut stream = self.tds().simple_query(sql).await.map_err(|error| Failure::from(&error))?;
        let mut reported = None;
        loop {
            match stream.try_next().await {
                Ok(Some(tiberius::QueryItem::Row(row))) => match row.columns().first().map(tiberius::Column::name) {
                    Some(transaction::ERROR_LINE_COLUMN) => {
                        let line = row.try_get::<i32, _>(0).ok().flatten().and_then(|line| u32::try_from(line).ok());
                        let procedure = row.try_get::<&str, _>(1).ok().flatten().unwrap_or_default().to_owned();
                        reported = line.map(|line| (line, procedure));
                    }
                    Some(transaction::DONE_COLUMN) => {
                        let ms = row.try_get::<i64, _>(0).ok().flatten().map_or(0, |ms| u64::try_from(ms).unwrap_or(0));
                        done(ms);
                    }
                    _ => {}
                },
                Ok(Some(tiberius::QueryItem::Metadata(_))) => {}
                Ok(None) => return Ok(()),
                Err(error) => {
                    let mut failure = Failure::from(&error);
                    if let (Failure::Server(server), Some((line, procedure))) = (&mut failure, reported) {
                        server.line = line;
                        server.procedure = procedure;
                    }
                    return Err(failure);
                }
            }
        }
    }

    /// Runs one transactional revision as [`transaction::revision_requests`]
    /// joins it, and returns its own time as the server measured it. On a
    /// failure nothing of it stays (the backend rolls back), and the error
    /// is the one the primitives would give when this path can tell it:
    /// the statement of a user batch that failed. `Err(None)`: it failed
    /// elsewhere (its history writes, the connection), and the primitives
    /// should run it again to say why.
    ///
    /// `carried` and `next` are [`transaction::revision_requests`]'s: what
    /// the joined revision before it left set, and the lock timeout of the
    /// one after it.
    async fn run_joined(
        &mut self,
        step: &StepWork,
        table: &HistoryTable,
        carried: &mut transaction::Carried,
        next: Option<Duration>,
    ) -> Result<Duration, Option<StatementError>> {
        let frames = framing::revision(&step.units, &step.writes, true, step.lock_timeout);
        let requests = transaction::revision_requests(&frames, table, carried, next);
        let started = Instant::now();
        let mut elapsed = None;
        for request in &requests {
            match self.user_batch(&request.text).await {
                Ok(None) => {}
                Ok(done) => elapsed = done,
                Err(failure) => {
                    self.undo(std::slice::from_ref(step)).await;
                    return Err(match (&request.origin, &failure) {
                        (Some((index, origin)), Failure::Server(server))
                            if !server.procedure.is_empty() || request.in_batch(server.line) =>
                        {
                            let unit = &step.units[*index];
                            Some(StatementError { unit: *index, ..errors::statement_error(origin, unit, &failure) })
                        }
                        _ => None,
                    });
                }
            }
            // The batch ended before its COMMIT (a `RETURN`): the primitives
            // would have gone on with the writes, in a request of their own.
            let ending = elapsed.is_none().then(|| request.ending(started.elapsed().as_millis())).flatten();
            if let Some(ending) = ending {
                match self.user_batch(&ending).await {
                    Ok(done) => elapsed = done,
                    Err(_) => {
                        self.undo(std::slice::from_ref(step)).await;
                        return Err(None);
                    }
                }
            }
        }
        match elapsed {
            Some(ms) => Ok(Duration::from_millis(ms)),
            // No COMMIT confirmed: leave nothing open, and let the
            // primitives say what is wrong.
            None => {
                self.undo(std::slice::from_ref(step)).await;
                Err(None)
            }
        }
    }

    /// Runs a request that carries `steps` ([`transaction::shared_request`]),
    /// telling `done` of each as it commits, and returns how many committed.
    /// When fewer than all did, the request stopped at the one after them:
    /// it is rolled back, and nothing after it ran (under `XACT_ABORT` any
    /// error ends the request, and a compile error of the whole batch runs
    /// none of it). Which revision failed and why is not said here: the
    /// server's message may be the sharing's (a column a revision before it
    /// added, unknown when the batch compiled), so `run_batched` runs it,
    /// and the rest of its group, alone again, which tells.
    async fn run_shared(&mut self, text: &str, steps: &[StepWork], done: &mut (dyn FnMut(usize, Duration) + Send)) -> usize {
        let mut committed = 0;
        let outcome = self
            .user_batch_each(text, &mut |ms| {
                if committed < steps.len() {
                    done(committed, Duration::from_millis(ms));
                }
                committed += 1;
            })
            .await;
        if let Err(failure) = &outcome {
            tracing::debug!(revision = committed, error = ?failure, "a shared request stopped; the revision runs alone");
        }
        if outcome.is_err() || committed < steps.len() {
            self.undo(steps).await;
        }
        committed.min(steps.len())
    }

    /// After joined revisions (`steps`) failed: nothing of them left open,
    /// and the session's own lock timeout again (the reset after their
    /// COMMIT did not run), as the primitives' path leaves the session.
    async fn undo(&mut self, steps: &[StepWork]) {
        self.rollback().await;
        if steps.iter().any(|step| step.lock_timeout.is_some()) {
            if let Err(error) = self.batch(Dialect::Mssql.reset_lock_timeout()).await {
                tracing::debug!(%error, "resetting the lock timeout after a failure failed");
            }
        }
    }

    /// Runs `sql` as a parameterised request and returns its first result.
    async fn query_rows(
        &mut self,
        sql: &str,
        values: &[Value],
    ) -> Result<Vec<tiberius::Row>, tiberius::error::Error> {
        let mut query = Query::new(sql);
        bind_all(&mut query, values);
        self.requests += 1;
        query
            .query(self.tds())
            .await?
            .into_first_result()
            .await
    }

    /// Sends the `BEGIN TRANSACTION` that `begin` deferred, when no batch
    /// carried it (a transaction of history writes only).
    async fn open_pending(&mut self) -> Result<(), BackendError> {
        if std::mem::take(&mut self.begin_pending) {
            self.batch(BEGIN).await.map_err(database_error("starting a transaction"))?;
        }
        Ok(())
    }

    /// Who holds the migration lock, as far as this login may see.
    async fn lock_holder(&mut self) -> String {
        match self.batch(lock::HOLDER_SQL).await {
            Ok(results) => results
                .first()
                .and_then(|rows| rows.first())
                .and_then(|row| row.try_get::<&str, _>(0).ok().flatten().map(str::to_owned))
                .unwrap_or_else(|| "another session".to_owned()),
            Err(_) => "another session (VIEW SERVER STATE would tell which)".to_owned(),
        }
    }
}

/// Whether the connection's database allows `SNAPSHOT` transactions
/// (`ALLOW_SNAPSHOT_ISOLATION ON`; Babelfish reports 1).
const SNAPSHOT_ALLOWED_SQL: &str =
    "SELECT CAST(snapshot_isolation_state AS int) AS snapshot_allowed FROM sys.databases WHERE database_id = DB_ID()";

/// The flavour that [`flavour::DETECT_SQL`]'s answer in `results` says.
fn flavour_of(results: &[Vec<tiberius::Row>]) -> Flavour {
    match first_int(named(results, flavour::DETECT_COLUMN)) {
        Some(1) => Flavour::Babelfish,
        _ => Flavour::Standard,
    }
}

/// The rows of the result in `results` whose first column is `column`
/// (none when no result has it).
fn named<'r>(results: &'r [Vec<tiberius::Row>], column: &str) -> &'r [tiberius::Row] {
    results
        .iter()
        .find(|rows| rows.first().and_then(|row| row.columns().first()).is_some_and(|first| first.name() == column))
        .map_or(&[], Vec::as_slice)
}

/// The first column of the first row as an integer, whatever integer type
/// the server chose for it.
fn first_int(rows: &[tiberius::Row]) -> Option<i64> {
    match rows.first()?.get_column_data(0).ok()? {
        tiberius::ColumnData::U8(n) => n.map(i64::from),
        tiberius::ColumnData::I16(n) => n.map(i64::from),
        tiberius::ColumnData::I32(n) => n.map(i64::from),
        tiberius::ColumnData::I64(n) => *n,
        _ => None,
    }
}

/// Binds history and seed values: text as `nvarchar`, numbers as `bigint`,
/// flags as `bit`, NULL as an `nvarchar` NULL (which converts to any type).
fn bind_all<'a>(query: &mut Query<'a>, values: &'a [Value]) {
    for value in values {
        match value {
            Value::Text(text) => query.bind(text.as_str()),
            Value::Int(number) => query.bind(*number),
            Value::Bool(flag) => query.bind(*flag),
            Value::Null => query.bind(Option::<&str>::None),
        }
    }
}

/// What a URL says about its SQL Server, or why it names none.
fn mssql_options(url: &DatabaseUrl) -> Result<&MssqlOptions, UrlError> {
    url.mssql_options()
        .ok_or_else(|| UrlError::invalid(url, "it is not a mssql:// URL or an ADO.NET connection string"))
}

/// Opens the TCP connection and signs in, following one redirection (Azure
/// SQL's gateway sends clients to the node that serves the database).
async fn open(options: &MssqlOptions, read_only: bool) -> Result<MssqlClient, BackendError> {
    let failed = |message: String| BackendError::Connect {
        url: options.display_url(),
        message,
    };
    let mut config = config::tiberius_config(options).map_err(failed)?;
    // Who signs in, for messages: never the token itself.
    let login = match options.access_token {
        true => format!("(the Entra ID access token of {})", crate::database_url::ACCESS_TOKEN_ENV),
        false => options.user.clone(),
    };
    // ApplicationIntent=ReadOnly in the login packet.
    config.readonly(read_only);
    let mut address = options.address();
    for _ in 0..2 {
        let tcp = match tokio::time::timeout(
            options.connect_timeout,
            TcpStream::connect(config.get_addr()),
        )
        .await
        {
            Err(_) => {
                let waited = format!("no answer within {} s", options.connect_timeout.as_secs());
                return Err(failed(errors::unreachable_message(&address, &waited)));
            }
            Ok(Err(error)) => {
                return Err(failed(errors::unreachable_message(
                    &address,
                    &error.to_string(),
                )))
            }
            Ok(Ok(tcp)) => tcp,
        };
        // Requests are small and answered one at a time: no Nagle delay.
        let _ = tcp.set_nodelay(true);
        config::notice_trusted_certificate(options);
        match tiberius::Client::connect(config.clone(), tcp.compat_write()).await {
            Ok(client) => return Ok(client),
            Err(tiberius::error::Error::Routing { host, port }) => {
                address = format!("{host}:{port}");
                config.host(&host);
                config.port(port);
            }
            Err(error) => {
                let failure = Failure::from(&error);
                return Err(failed(errors::connect_message(
                    &failure,
                    &address,
                    &login,
                    options.database.as_deref(),
                )));
            }
        }
    }
    Err(failed(format!(
        "the server redirected the connection more than once (last to {address})"
    )))
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send, C: BorrowMut<tiberius::Client<S>>> Session for MssqlBackend<S, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Mssql
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn flavour(&mut self) -> Result<Flavour, BackendError> {
        if let Some(flavour) = self.flavour {
            return Ok(flavour);
        }
        let results = self.batch(flavour::DETECT_SQL).await.map_err(database_error("asking which server this is"))?;
        let flavour = flavour_of(&results);
        self.flavour = Some(flavour);
        Ok(flavour)
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        let started = Instant::now();
        // A session's first lock also asks which server this is, in the
        // same request: the lock's outcome and the run's fingerprints
        // depend on it.
        let known = self.flavour;
        let lock = lock::lock_sql(lock::timeout_ms(timeout));
        let (sql, context) = match known {
            Some(_) => (lock, "taking the migration lock"),
            None => (format!("{};\n{lock}", flavour::DETECT_SQL), "asking which server this is and taking the migration lock"),
        };
        let results = self.batch(&sql).await.map_err(database_error(context))?;
        let flavour = known.unwrap_or_else(|| flavour_of(&results));
        self.flavour = Some(flavour);
        let code = first_int(named(&results, lock::RESULT_COLUMN)).ok_or_else(|| BackendError::Database {
            context: "taking the migration lock",
            message: "sp_getapplock's return code did not come back".to_owned(),
        })?;
        match lock::outcome(code, flavour) {
            lock::Outcome::Granted => {
                self.locks_held += 1;
                Ok(())
            }
            lock::Outcome::TimedOut => {
                let holder = self.lock_holder().await;
                Err(BackendError::LockTimeout {
                    database: self.describe(),
                    holder,
                    waited: started.elapsed(),
                })
            }
            lock::Outcome::Failed(message) => Err(BackendError::Database {
                context: "taking the migration lock",
                message,
            }),
        }
    }

    async fn unlock(&mut self) -> Result<(), BackendError> {
        while self.locks_held > 0 {
            let rows = self
                .query_rows(lock::UNLOCK_SQL, &[Value::Text(lock::RESOURCE.to_owned())])
                .await
                .map_err(database_error("releasing the migration lock"))?;
            self.locks_held -= 1;
            let code = first_int(&rows);
            if code != Some(0) {
                return Err(BackendError::Database {
                    context: "releasing the migration lock",
                    message: format!("sp_releaseapplock returned {code:?} instead of 0"),
                });
            }
        }
        Ok(())
    }

    async fn begin(&mut self) -> Result<(), BackendError> {
        if self.read_only {
            return self.begin_reading().await;
        }
        self.begin_pending = true;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), RunError> {
        self.in_transaction = false;
        if std::mem::take(&mut self.begin_pending) {
            return Ok(()); // Nothing was sent: nothing to commit.
        }
        self.batch(COMMIT).await.map(drop).map_err(|e| RunError::Backend(database_error("committing")(e)))
    }

    async fn rollback(&mut self) {
        self.in_transaction = false;
        if std::mem::take(&mut self.begin_pending) {
            return;
        }
        // Its own failure (a broken connection) is not reported: the failure
        // that led here is what matters, and the server rolls back a dead
        // session's transaction.
        if let Err(error) = self.batch(ROLLBACK_IF_OPEN).await {
            tracing::debug!(%error, "rolling back after a failure failed");
        }
    }

    async fn execute(&mut self, unit: &Unit) -> Result<(), RunError> {
        let begin = self.begin_pending.then_some(BEGIN);
        for Request { text, origin } in transaction::requests(unit, begin, self.in_transaction) {
            // Sent from here on, even if it fails.
            self.begin_pending = false;
            if let Err(failure) = self.user_batch(&text).await {
                // sqlcmd's `:on error ignore`: the failure is told, and the
                // next batch runs (only outside a transaction: the migrator
                // refuses it in one, see `MigrateError::IgnoreInTransaction`).
                if let (Some(origin), Failure::Server(_)) = (&origin, &failure) {
                    if origin.on_error == retort_sql::OnError::Ignore && !self.in_transaction {
                        tracing::warn!(
                            "batch {} of {} (line {}) failed and `:on error ignore` goes on: {failure}",
                            origin.batch,
                            unit.label,
                            origin.first_line
                        );
                        continue;
                    }
                }
                return Err(match (origin, &failure) {
                    (Some(origin), Failure::Server(_)) => RunError::Statement(errors::statement_error(&origin, unit, &failure)),
                    (Some(origin), _) => RunError::Backend(BackendError::Database {
                        context: "running a batch",
                        message: format!("batch {} of {}: {failure}", origin.batch, unit.label),
                    }),
                    (None, _) => RunError::Backend(BackendError::Database {
                        context: "starting a transaction",
                        message: failure.to_string(),
                    }),
                });
            }
        }
        Ok(())
    }

    async fn execute_bound(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        self.open_pending().await?;
        for group in transaction::group(statements, false) {
            let mut query = Query::new(group.sql.as_str());
            bind_all(&mut query, &group.values);
            self.requests += 1;
            if let Err(error) = query.execute(self.tds()).await {
                let failure = Failure::from(&error);
                let Failure::Server(server) = &failure else {
                    return Err(RunError::Backend(BackendError::Database {
                        context: "running parameterised statements",
                        message: failure.to_string(),
                    }));
                };
                let index = (server.line > 0).then(|| group.statement_at(server.line)).flatten().unwrap_or(0);
                return Err(RunError::Statement(StatementError {
                    unit: index,
                    statement: Some(1),
                    line: None,
                    sql: statements.get(index).map(|s| s.sql.trim().to_owned()).unwrap_or_default(),
                    code: Some(server.code.to_string()),
                    message: format!("{} (state {}, severity {})", server.message.trim_end(), server.state, server.class),
                }));
            }
        }
        Ok(())
    }

    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Option<Vec<Row>>, BackendError> {
        let mut query = Query::new(sql);
        bind_all(&mut query, values);
        self.requests += 1;
        let results = match query.query(self.tds()).await {
            Ok(stream) => stream.into_results().await,
            Err(error) => Err(error),
        };
        let results = match results {
            Ok(results) => results,
            // A fresh database: the history table is not there yet.
            Err(error) if errors::is_missing_table(&Failure::from(&error)) => return Ok(None),
            Err(error) => return Err(database_error("querying")(error)),
        };
        // No result set at all: nothing it reads is there.
        let Some(rows) = results.into_iter().next() else { return Ok(None) };
        Ok(Some(rows.iter().map(row_values).collect()))
    }

    /// Each revision in one request per batch (`transaction::revision_requests`):
    /// a revision of one batch is one round trip, where the primitives take
    /// three. Consecutive revisions that may share a request
    /// ([`transaction::may_share`]) go up to [`transaction::SHARED_REVISIONS`]
    /// a request ([`Self::run_shared`]). It reports each revision as it
    /// commits.
    async fn run_batched(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        commits: &mut Commits<'_>,
    ) -> Result<Batched, BackendError> {
        if self.read_only || self.in_transaction {
            return Ok(Batched::default());
        }
        let frames: Vec<_> =
            steps.iter().map(|step| framing::revision(&step.units, &step.writes, true, step.lock_timeout)).collect();
        // What each revision leaves set for the next: nothing after a failure,
        // which ends this run of joined revisions.
        let mut carried = transaction::Carried::default();
        let mut index = 0;
        // After a shared request stopped, the rest of its group goes alone.
        let mut alone_until = 0;
        while index < steps.len() {
            let shareable = match index < alone_until {
                true => 0,
                false => frames[index..]
                    .iter()
                    .take(transaction::SHARED_REVISIONS)
                    .take_while(|frames| transaction::may_share(frames))
                    .count(),
            };
            let (text, count) = match shareable {
                0 | 1 => (String::new(), 0),
                _ => {
                    let next = steps.get(index + shareable).and_then(|next| next.lock_timeout);
                    transaction::shared_request(&frames[index..index + shareable], table, &mut carried, next, commits.followed)
                }
            };
            // Nothing shared (a revision alone, or none that is one request):
            // `carried` is as it was, and the revision goes joined.
            if count > 0 {
                let done = &mut *commits.done;
                let committed = self.run_shared(&text, &steps[index..index + count], &mut |at, elapsed| done(index + at, elapsed)).await;
                if committed < count {
                    // The one that stopped it, and those after it in the
                    // group, run alone: the failure may be the sharing's
                    // (SQL Server compiles a batch whole), and sharing them
                    // again would meet it again, once per revision before
                    // it. Alone, the one that fails says why. Nothing is
                    // carried past the rollback.
                    carried = transaction::Carried::default();
                    alone_until = index + count;
                }
                index += committed;
                continue;
            }
            let next = steps.get(index + 1).and_then(|next| next.lock_timeout);
            match self.run_joined(&steps[index], table, &mut carried, next).await {
                Ok(elapsed) => (commits.done)(index, elapsed),
                Err(failed) => return Ok(Batched { sent: index + 1, committed: index, failed }),
            }
            index += 1;
        }
        Ok(Batched { sent: steps.len(), committed: steps.len(), failed: None })
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send, C: BorrowMut<tiberius::Client<S>>> Backend for MssqlBackend<S, C> {
    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        let flavour = self.flavour().await?;
        let query = catalog::query(flavour);
        let mut attempts = 0;
        let results = loop {
            match self.batch(&query).await {
                // Babelfish's catalog views read every database of the
                // server, and a database another session drops meanwhile
                // breaks the read; a moment later it is gone.
                Err(error) if flavour == Flavour::Babelfish && attempts < 5 && flavour::is_concurrent_drop(&error) => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempts)).await;
                }
                result => break result.map_err(database_error("reading the catalog"))?,
            }
        };
        let catalog = catalog::decode(&results).map_err(|message| BackendError::Database {
            context: "reading the catalog",
            message,
        })?;
        Ok(snapshot::snapshot(&catalog, &history.resolved(Dialect::Mssql), flavour))
    }

    async fn bulk_insert(&mut self, load: &BulkInsert<'_>) -> Result<u64, BulkError> {
        self.bulk_load(load).await
    }
}

/// What `attach` reads of the application's session, and `detach` again:
/// whether a transaction is open, then [`Settings`].
const SESSION_SQL: &str = "SELECT CAST(@@TRANCOUNT AS int), CAST(@@OPTIONS AS int), CAST(@@LOCK_TIMEOUT AS int), \
                           CAST(@@DATEFIRST AS int), DB_NAME()";

impl<'c, S: AsyncRead + AsyncWrite + Unpin + Send> MssqlBackend<S, &'c mut tiberius::Client<S>> {
    /// A session over the application's client, noting the settings it
    /// will change to put them back. Refused when a transaction is open.
    async fn attach(client: &'c mut tiberius::Client<S>) -> Result<Self, BackendError> {
        let mut backend = Self::over(client, "SQL Server database (the application's connection)".to_owned());
        let (transactions, settings) = backend.session_state().await?;
        if let Some(database) = &settings.database {
            backend.description = format!("SQL Server database {database} (the application's connection)");
        }
        if transactions > 0 {
            return Err(BackendError::TransactionOpen { database: backend.describe() });
        }
        backend.attached = Some(settings);
        Ok(backend)
    }

    /// The session's open transactions and [`Settings`].
    async fn session_state(&mut self) -> Result<(i32, Settings), BackendError> {
        let failed = |message: &str| BackendError::Database { context: "reading the session's settings", message: message.to_owned() };
        let rows = self.query_rows(SESSION_SQL, &[]).await.map_err(database_error("reading the session's settings"))?;
        let row = rows.first().ok_or_else(|| failed("no row came back"))?;
        let int = |index| row.try_get::<i32, _>(index).ok().flatten().ok_or_else(|| failed("a setting came back empty"));
        let settings = Settings {
            options: int(1)?,
            lock_timeout_ms: int(2)?,
            datefirst: int(3)?,
            database: row.try_get::<&str, _>(4).ok().flatten().map(str::to_owned),
        };
        Ok((int(0)?, settings))
    }

    /// Gives the client back: no transaction open, the migration lock
    /// released, and the [`Settings`] as `attach` read them, whether retort
    /// or a revision changed them. Every step is tried; the first failure
    /// is returned.
    async fn detach(mut self) -> Result<(), BackendError> {
        self.begin_pending = false;
        self.in_transaction = false;
        let unlocked = self.unlock().await;
        let rolled_back = self.batch(ROLLBACK_IF_OPEN).await.map(drop).map_err(database_error("rolling back"));
        let restored = match self.attached.take() {
            Some(attached) => match self.session_state().await {
                Ok((_, now)) => match attached.restore_from(&now) {
                    restore if restore.is_empty() => Ok(()),
                    restore => {
                        self.batch(&restore).await.map(drop).map_err(database_error("restoring the session's settings"))
                    }
                },
                Err(error) => Err(error),
            },
            None => Ok(()),
        };
        unlocked.and(rolled_back).and(restored)
    }
}

/// The application's `tiberius::Client` over any stream (its own TLS, an
/// Entra ID token, a pooled connection dereferenced): revisions run on
/// its session, under the session's application lock (`sp_getapplock`).
impl<'c, S: AsyncRead + AsyncWrite + Unpin + Send> Attach for &'c mut tiberius::Client<S> {
    type Session = MssqlBackend<S, &'c mut tiberius::Client<S>>;

    async fn attach(self) -> Result<Self::Session, BackendError> {
        MssqlBackend::attach(self).await
    }

    async fn detach(session: Self::Session) -> Result<(), BackendError> {
        session.detach().await
    }
}

/// A `datetime2` as the history's timestamps read on every dialect,
/// `2026-01-31T12:34:56.789Z`: retort writes them with `SYSUTCDATETIME()`,
/// and the milliseconds are cut, not rounded, as `DATEPART` would.
fn utc_text(at: tiberius::time::DateTime2) -> String {
    // Days since 0001-01-01, increments of 10^-scale seconds since midnight.
    let days = i64::from(at.date().days()) - 719_162;
    let (year, month, day) = crate::calendar::civil_from_days(days);
    let (increments, scale) = (at.time().increments(), u32::from(at.time().scale()));
    let millis = match scale.checked_sub(3) {
        Some(finer) => increments / 10u64.pow(finer),
        None => increments * 10u64.pow(3 - scale),
    };
    let (seconds, millis) = (millis / 1000, millis % 1000);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// A row's columns as values: integers and bits as themselves, text as
/// text, bytes as hex, a `datetime2` as [`utc_text`], anything else as its
/// text form.
fn row_values(row: &tiberius::Row) -> Row {
    row.cells()
        .map(|(_, data)| match data {
            tiberius::ColumnData::U8(n) => n.map_or(Value::Null, |n| Value::Int(n.into())),
            tiberius::ColumnData::I16(n) => n.map_or(Value::Null, |n| Value::Int(n.into())),
            tiberius::ColumnData::I32(n) => n.map_or(Value::Null, |n| Value::Int(n.into())),
            tiberius::ColumnData::I64(n) => n.map_or(Value::Null, Value::Int),
            tiberius::ColumnData::Bit(b) => b.map_or(Value::Null, Value::Bool),
            tiberius::ColumnData::String(text) => text.as_ref().map_or(Value::Null, |t| Value::Text(t.to_string())),
            tiberius::ColumnData::F64(x) => x.map_or(Value::Null, |x| Value::Text(x.to_string())),
            tiberius::ColumnData::Numeric(n) => n.map_or(Value::Null, |n| Value::Text(n.to_string())),
            tiberius::ColumnData::Guid(g) => g.map_or(Value::Null, |g| Value::Text(g.to_string())),
            // Bytes as lowercase hex, `db clone`'s portable form.
            tiberius::ColumnData::Binary(bytes) => bytes.as_ref().map_or(Value::Null, |bytes| {
                Value::Text(bytes.iter().map(|b| format!("{b:02x}")).collect())
            }),
            tiberius::ColumnData::DateTime2(at) => at.map_or(Value::Null, |at| Value::Text(utc_text(at))),
            // Other dates and the rest: cast them to nvarchar in the query
            // to compare them as text.
            other => Value::Text(format!("{other:?}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiberius::time::{Date, DateTime2, Time};

    #[test]
    fn restore_from_sets_back_only_what_differs_turning_options_off_first() {
        let attached = Settings { options: 1024 | 32, lock_timeout_ms: 7000, datefirst: 7, database: Some("app".into()) };
        assert_eq!(attached.restore_from(&attached), "");
        let now = Settings { options: 2048 | 16384 | 512, lock_timeout_ms: 500, datefirst: 1, database: Some("master".into()) };
        assert_eq!(
            attached.restore_from(&now),
            " USE [app]; SET NOCOUNT OFF; SET ANSI_NULL_DFLT_OFF OFF; SET XACT_ABORT OFF; SET ANSI_NULLS ON; \
             SET ANSI_NULL_DFLT_ON ON; SET LOCK_TIMEOUT 7000; SET DATEFIRST 7;"
        );
    }

    #[test]
    fn utc_text_reads_a_datetime2_as_the_history_writes_it_on_every_dialect() {
        // 2026-01-31 is day 739,646 from 0001-01-01; 12:34:56.789 at scale 3 and 7.
        let seconds = 12 * 3600 + 34 * 60 + 56;
        let at = |increments, scale| utc_text(DateTime2::new(Date::new(739_646), Time::new(increments, scale)));
        assert_eq!(at(seconds * 1000 + 789, 3), "2026-01-31T12:34:56.789Z");
        assert_eq!(at(seconds * 10_000_000 + 7_899_999, 7), "2026-01-31T12:34:56.789Z");
        assert_eq!(at(seconds * 10, 1), "2026-01-31T12:34:56.000Z");
        assert_eq!(utc_text(DateTime2::new(Date::new(0), Time::new(0, 3))), "0001-01-01T00:00:00.000Z");
    }
}
