//! SQL Server, through tiberius (TDS over TCP, TLS with rustls): everything
//! SQL Server in one place.
//!
//! - [`options`]: `mssql://` URLs and ADO.NET strings → tiberius `Config`;
//! - [`batch`]: the `GO` splitter, shared by online runs and offline scripts;
//! - [`transaction`]: the requests that run a revision, with its history
//!   writes, atomically;
//! - [`lock`]: the migration lock, `sp_getapplock` owned by the session;
//! - [`history`]: the history tables' DDL and reads;
//! - [`catalog`] and [`snapshot`]: introspection into the schema model;
//! - [`offline`]: T-SQL offline scripts for `sqlcmd`;
//! - [`errors`]: server errors as messages.

mod batch;
mod catalog;
mod errors;
mod history;
mod lock;
mod offline;
mod options;
mod snapshot;
mod transaction;

use std::time::{Duration, Instant};

use tiberius::Query;
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use self::errors::{database_error, Failure};
use self::options::ConnectOptions;
use self::transaction::{Request, COMMIT, ELAPSED_MS, ROLLBACK_IF_OPEN};
use super::{Backend, BackendError, RunError, StatementError, Unit};
use crate::database_url::DatabaseUrl;
use crate::history::{
    self as history_writes, AppliedRevision, HistoryTable, HistoryWrite, Placeholders, Rendered,
    Status, Value,
};
use crate::schema::SchemaSnapshot;
use crate::Dialect;

pub(crate) use self::history::{history_ddl, offline_context};
pub(crate) use self::offline::{render as render_offline, OfflineStep};

/// The `mssql://` URL equivalent to an ADO.NET connection string: what
/// `DatabaseUrl` keeps, so that host and database are read one way.
pub(crate) fn ado_to_url(ado: &str) -> Result<String, BackendError> {
    ConnectOptions::parse(ado)
        .map(|options| options.to_url())
        .map_err(|error| BackendError::Url {
            url: options::ado_for_messages(ado),
            reason: error.to_string(),
        })
}

/// The `mssql://` URL of database `name` on the server of `maintenance_url`
/// (a URL or an ADO.NET string), for the test fixture.
#[cfg(feature = "testing")]
pub(crate) fn test_database_url(maintenance_url: &str, name: &str) -> Result<String, String> {
    let options = ConnectOptions::parse(maintenance_url).map_err(|error| error.to_string())?;
    Ok(options.url_for_database(name))
}

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
pub struct MssqlBackend {
    // Boxed: the client holds its buffers inline (about 1.5 kB), and
    // `AnyBackend` should not be that large for every backend.
    client: Box<MssqlClient>,
    description: String,
    /// How many times this session holds the migration lock: application
    /// locks count, and each grant needs its own release.
    locks_held: u32,
}

impl MssqlBackend {
    /// Connects with a `mssql://` URL or an ADO.NET connection string (see
    /// the `options` module for every setting). Encryption is required and
    /// the server certificate verified unless the URL says otherwise.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, BackendError> {
        let options = ConnectOptions::parse(url.expose()).map_err(|error| BackendError::Url {
            url: url.to_string(),
            reason: error.to_string(),
        })?;
        let client = open(&options).await?;
        let database = options
            .database
            .as_deref()
            .unwrap_or("(the login's default database)");
        Ok(Self {
            client: Box::new(client),
            description: format!(
                "SQL Server database {database} on {} as {}",
                options.address(),
                options.user
            ),
            locks_held: 0,
        })
    }

    /// Drops and creates the database a URL names, from `master` (for
    /// `db reset`; the caller checks that it looks local).
    pub async fn recreate_database(url: &DatabaseUrl) -> Result<(), BackendError> {
        let options = ConnectOptions::parse(url.expose()).map_err(|error| BackendError::Url {
            url: url.to_string(),
            reason: error.to_string(),
        })?;
        let name = options.database.clone().ok_or_else(|| BackendError::Url {
            url: url.to_string(),
            reason: "name the database to reset (mssql://…/DevDB or Database=DevDB)".to_owned(),
        })?;
        let master = DatabaseUrl::parse(&options.url_for_database("master"))?;
        let mut admin = Self::connect(&master).await?;
        let quoted = Dialect::Mssql.quote_ident(&name);
        let sql = format!(
            "IF DB_ID({literal}) IS NOT NULL\nBEGIN\n    ALTER DATABASE {quoted} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n    \
             DROP DATABASE {quoted};\nEND;\nCREATE DATABASE {quoted};",
            literal = Dialect::Mssql.quote_literal(&name),
        );
        admin.batch(&sql).await.map_err(|error| BackendError::Database {
            context: "recreating the database",
            message: error.to_string(),
        })?;
        Ok(())
    }

    /// The tiberius client, for tests and seed code.
    pub fn client(&mut self) -> &mut MssqlClient {
        &mut self.client
    }

    /// Runs one SQL batch and collects its result sets.
    async fn batch(
        &mut self,
        sql: &str,
    ) -> Result<Vec<Vec<tiberius::Row>>, tiberius::error::Error> {
        self.client.simple_query(sql).await?.into_results().await
    }

    /// Runs `sql` as a parameterised request and returns its first result.
    async fn query(
        &mut self,
        sql: &str,
        values: &[Value],
    ) -> Result<Vec<tiberius::Row>, tiberius::error::Error> {
        let mut query = Query::new(sql);
        bind_all(&mut query, values);
        query
            .query(&mut self.client)
            .await?
            .into_first_result()
            .await
    }

    /// Leaves no transaction open after a failure. Its own failure (a broken
    /// connection) is not reported: the failure that led here is what
    /// matters, and the server rolls back a dead session's transaction.
    async fn rollback_if_open(&mut self) {
        if let Err(error) = self.batch(ROLLBACK_IF_OPEN).await {
            tracing::debug!(%error, "rolling back after a failure failed");
        }
    }

    /// Sends parameterised statements in as few requests as the 2100
    /// parameter limit allows. With `own_transaction` they commit together:
    /// one request opens and commits its own transaction, several are
    /// wrapped in one opened by an SQL batch. On failure, returns the index
    /// of the failing statement when the server's line tells it.
    async fn send(
        &mut self,
        statements: &[Rendered],
        own_transaction: bool,
    ) -> Result<(), (Option<usize>, Failure)> {
        if statements.is_empty() {
            return Ok(());
        }
        let mut groups = transaction::group(statements, own_transaction);
        let wrap = own_transaction && groups.len() > 1;
        if wrap {
            groups = transaction::group(statements, false);
            self.batch("SET XACT_ABORT ON; BEGIN TRANSACTION;")
                .await
                .map_err(|e| (None, Failure::from(&e)))?;
        }
        for group in &groups {
            let mut query = Query::new(group.sql.as_str());
            bind_all(&mut query, &group.values);
            if let Err(error) = query.execute(&mut self.client).await {
                let failure = Failure::from(&error);
                let statement = match &failure {
                    Failure::Server(server) if server.line > 0 => group.statement_at(server.line),
                    _ => None,
                };
                return Err((statement, failure));
            }
        }
        if wrap {
            self.batch(COMMIT)
                .await
                .map_err(|e| (None, Failure::from(&e)))?;
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

/// Opens the TCP connection and signs in, following one redirection (Azure
/// SQL's gateway sends clients to the node that serves the database).
async fn open(options: &ConnectOptions) -> Result<MssqlClient, BackendError> {
    let failed = |message: String| BackendError::Connect {
        url: options.display_url(),
        message,
    };
    let mut config = options.to_config();
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
                    &options.user,
                    options.database.as_deref(),
                )));
            }
        }
    }
    Err(failed(format!(
        "the server redirected the connection more than once (last to {address})"
    )))
}

impl Backend for MssqlBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Mssql
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        let started = Instant::now();
        // `@LockTimeout` is an int: bound as one (the history values bind
        // numbers as bigint).
        let mut query = Query::new(lock::LOCK_SQL);
        query.bind(lock::RESOURCE);
        query.bind(lock::timeout_ms(timeout));
        let rows = match query.query(&mut self.client).await {
            Ok(stream) => stream.into_first_result().await,
            Err(error) => Err(error),
        }
        .map_err(database_error("taking the migration lock"))?;
        let code = first_int(&rows).ok_or_else(|| BackendError::Database {
            context: "taking the migration lock",
            message: "sp_getapplock's return code did not come back".to_owned(),
        })?;
        match lock::outcome(code) {
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
                .query(lock::UNLOCK_SQL, &[Value::Text(lock::RESOURCE.to_owned())])
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

    async fn ensure_history(&mut self, table: &HistoryTable) -> Result<(), BackendError> {
        self.batch(&history_ddl(table))
            .await
            .map(drop)
            .map_err(database_error("creating the history tables"))
    }

    async fn read_history(
        &mut self,
        table: &HistoryTable,
    ) -> Result<Option<Vec<AppliedRevision>>, BackendError> {
        let results = self
            .batch(&history::read_sql(table))
            .await
            .map_err(database_error("reading the history"))?;
        // No result set at all: the table does not exist (a fresh database).
        let Some(rows) = results.into_iter().next() else {
            return Ok(None);
        };
        let unreadable = |what: &str| BackendError::Database {
            context: "reading the history",
            message: format!("a history row has no readable {what}"),
        };
        let mut applied = Vec::with_capacity(rows.len());
        for row in rows {
            let text = |index: usize, what: &str| {
                row.try_get::<&str, _>(index)
                    .ok()
                    .flatten()
                    .map(str::to_owned)
                    .ok_or_else(|| unreadable(what))
            };
            let id = text(0, "revision_id")?;
            let status = text(3, "status")?;
            let status = Status::parse(&status).ok_or_else(|| BackendError::Database {
                context: "reading the history",
                message: format!("revision {id} has an unknown status {status:?}"),
            })?;
            applied.push(AppliedRevision {
                checksum: text(1, "checksum")?,
                message: text(2, "message")?,
                status,
                applied_at: text(4, "applied_at")?,
                execution_ms: row
                    .try_get::<i64, _>(5)
                    .ok()
                    .flatten()
                    .ok_or_else(|| unreadable("execution_ms"))?,
                applied_by: text(6, "applied_by")?,
                id,
            });
        }
        Ok(Some(applied))
    }

    async fn run(
        &mut self,
        units: &[Unit],
        writes: &[HistoryWrite],
        table: &HistoryTable,
        transactional: bool,
    ) -> Result<(), RunError> {
        let table = history::resolved(table);
        let requests = transaction::plan(units, transactional, !writes.is_empty());
        let runs_batches = requests
            .iter()
            .any(|request| matches!(request, Request::Batch { .. }));
        // Writes that run nothing (stamp, resolve) took no time; after
        // batches, the server measures from the prologue's clock.
        let cx = history::context(&table, if runs_batches { ELAPSED_MS } else { "0" });
        let rendered: Vec<Rendered> = writes
            .iter()
            .flat_map(|write| {
                history_writes::render_write(
                    write,
                    &cx,
                    Placeholders::Numbered(|n| format!("@P{n}")),
                )
            })
            .collect();
        for request in &requests {
            let outcome = match request {
                Request::Batch { text, origin } => match self.batch(text).await {
                    Ok(_) => Ok(()),
                    Err(error) => {
                        let failure = Failure::from(&error);
                        Err(match (origin, &failure) {
                            (Some(origin), Failure::Server(_)) => RunError::Statement(
                                errors::statement_error(origin, &units[origin.unit], &failure),
                            ),
                            (Some(origin), _) => RunError::Backend(BackendError::Database {
                                context: "running a batch",
                                message: format!(
                                    "batch {} of {}: {failure}",
                                    origin.batch, units[origin.unit].label
                                ),
                            }),
                            (None, _) => {
                                RunError::Backend(database_error("starting a transaction")(error))
                            }
                        })
                    }
                },
                Request::Writes { own_transaction } => self
                    .send(&rendered, *own_transaction)
                    .await
                    .map_err(|(_, failure)| {
                        RunError::Backend(BackendError::Database {
                            context: "writing the history",
                            message: failure.to_string(),
                        })
                    }),
                Request::Commit => self
                    .batch(COMMIT)
                    .await
                    .map(drop)
                    .map_err(|e| RunError::Backend(database_error("committing")(e))),
            };
            if let Err(error) = outcome {
                self.rollback_if_open().await;
                return Err(error);
            }
        }
        Ok(())
    }

    async fn execute(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        match self.send(statements, true).await {
            Ok(()) => Ok(()),
            Err((index, failure)) => {
                self.rollback_if_open().await;
                let Failure::Server(server) = &failure else {
                    return Err(RunError::Backend(BackendError::Database {
                        context: "running seed statements",
                        message: failure.to_string(),
                    }));
                };
                let index = index.unwrap_or(0);
                Err(RunError::Statement(StatementError {
                    unit: index,
                    statement: Some(1),
                    line: None,
                    sql: statements
                        .get(index)
                        .map(|s| s.sql.trim().to_owned())
                        .unwrap_or_default(),
                    code: Some(server.code.to_string()),
                    message: format!(
                        "{} (state {}, severity {})",
                        server.message.trim_end(),
                        server.state,
                        server.class
                    ),
                }))
            }
        }
    }

    async fn introspect(&mut self, history: &HistoryTable) -> Result<SchemaSnapshot, BackendError> {
        let results = self
            .batch(catalog::QUERY)
            .await
            .map_err(database_error("reading the catalog"))?;
        let catalog = catalog::decode(&results).map_err(|message| BackendError::Database {
            context: "reading the catalog",
            message,
        })?;
        Ok(snapshot::snapshot(&catalog, &history::resolved(history)))
    }
}
