//! PostgreSQL, through tokio-postgres.
//!
//! The migration lock is a session-level advisory lock, released by the
//! server when the session ends, so a killed migrator never leaves it held.
//! A transactional revision is sent as one pipelined flight — `BEGIN`, its
//! units, its history writes, `COMMIT` — so it costs one round trip; if any
//! part fails the server turns the `COMMIT` into a rollback.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::join_all;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, SimpleQueryMessage};

use super::postgres_tls::describe_pg_error;
use super::split;
use super::{Attach, Backend, BackendError, Batched, Commits, Row, RunError, Session, StatementError, StepWork, Unit};
use crate::framing::{self, Frame};
use crate::database_url::{DatabaseUrl, UrlError};
use crate::history::{self, HistoryTable, HistoryWrite, Placeholders, Rendered, Value, WriteContext};
use crate::Dialect;

/// The label of the row each revision of a batched message returns last.
const DONE_LABEL: &str = "retort revision done";

/// How many revisions one batched message carries at most.
const MESSAGE_REVISIONS: usize = 250;

/// In a batched message every transaction shares the message's start time
/// (`now()`), so each revision keeps its own start in a transaction-local
/// setting, taken right after its `BEGIN`.
const START_CLOCK: &str = "SELECT set_config('retort.started', clock_timestamp()::text, true)";
const STARTED: &str = "current_setting('retort.started')::timestamptz";

/// A session on one PostgreSQL database: over retort's own connection
/// (`C` = [`Client`]), or the application's, borrowed ([`Attach`] for
/// `tokio_postgres::Client`).
pub struct PostgresBackend<C = Client> {
    client: C,
    description: String,
    lock_key: Option<i64>,
    /// Statements prepared once per session (history writes, seed rows):
    /// parsed and planned once instead of once per revision.
    prepared: HashMap<(String, Vec<Type>), tokio_postgres::Statement>,
    /// History writes `PREPARE`d by name for batched messages, which cannot
    /// use the protocol's prepared statements: their SQL and name. Parsed
    /// and planned once per session, where an inline statement would be on
    /// every revision (`cargo xtask bench` measures the difference).
    named: HashMap<String, String>,
    /// Whether `standard_conforming_strings` is on (asked once): only then do
    /// quoted literals mean exactly their text, which batched runs rely on.
    standard_strings: Option<bool>,
    /// Whether `begin` opened a transaction that is still open.
    in_transaction: bool,
    /// Opened read-only ([`PostgresBackend::connect_read_only`]): its
    /// transactions are read-only snapshots.
    read_only: bool,
    /// On the application's connection: the settings retort changes, as
    /// they were, to put back on detach.
    attached: Option<Settings>,
}

/// Every setting a session may change (`SET`, `set_config`) as the
/// application had it, by name: those retort changes (`lock_timeout`,
/// `client_connection_check_interval`) and those a revision may (a
/// `search_path`, a `statement_timeout`, a `ROLE`).
type Settings = std::collections::BTreeMap<String, String>;

impl PostgresBackend {
    /// Connects with the driver's reading of the URL that
    /// [`DatabaseUrl::parse`] made, and its TLS settings as libpq reads them
    /// (`sslmode`, default `prefer`; `sslrootcert`, `sslcert`, `sslkey`: see
    /// `postgres_tls`).
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, BackendError> {
        let config = url.postgres_config().ok_or_else(|| UrlError::invalid(url, "it is not a postgres:// URL"))?;
        let client = super::postgres_tls::connect(config, url.postgres_tls())
            .await
            .map_err(|message| BackendError::Connect { url: url.to_string(), message })?;
        Ok(Self::over(client, format!("PostgreSQL database {url}")))
    }

    /// Connects as [`connect`](Self::connect) does, then makes every
    /// transaction of the session read-only (`SET SESSION CHARACTERISTICS
    /// AS TRANSACTION READ ONLY`, i.e. `default_transaction_read_only`), so
    /// the server itself refuses any write. Its `begin` opens a `REPEATABLE
    /// READ READ ONLY` transaction: one consistent snapshot of every table
    /// read until `commit`, as `pg_dump` reads.
    pub async fn connect_read_only(url: &DatabaseUrl) -> Result<Self, BackendError> {
        let mut backend = Self::connect(url).await?;
        backend
            .client
            .batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .await
            .map_err(pg_error("making the session read-only"))?;
        backend.read_only = true;
        backend.description = format!("{} (read-only)", backend.description);
        Ok(backend)
    }

    /// Drops and creates the database a URL names, from the server's
    /// `postgres` maintenance database (`template1` when the database to
    /// reset is `postgres` itself, which cannot be dropped while connected
    /// to). The maintenance session is the URL's own driver reading with
    /// only the database changed, so it reaches the same server as the
    /// URL however its password is written.
    pub async fn recreate_database(url: &DatabaseUrl) -> Result<(), BackendError> {
        let config = url.postgres_config().ok_or_else(|| UrlError::invalid(url, "it is not a postgres:// URL"))?;
        let name = config
            .get_dbname()
            .ok_or_else(|| UrlError::invalid(url, "name the database in the URL's path (postgres://…/dbname)"))?;
        let maintenance = if name == "postgres" {
            "template1"
        } else {
            "postgres"
        };
        let admin = super::postgres_tls::connect(config.clone().dbname(maintenance), url.postgres_tls())
            .await
            .map_err(|message| BackendError::Connect {
                url: format!("the maintenance database {maintenance} of {url}"),
                message,
            })?;
        let quoted = Dialect::Postgres.quote_ident(name);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            .await
            .map_err(pg_error("dropping the database"))?;
        admin
            .batch_execute(&format!("CREATE DATABASE {quoted}"))
            .await
            .map_err(pg_error("creating the database"))
    }

}

impl<C: Borrow<Client>> PostgresBackend<C> {
    /// A session over `client`, as it starts: no transaction, no lock,
    /// nothing prepared, nothing to put back.
    fn over(client: C, description: String) -> Self {
        Self {
            client,
            description,
            lock_key: None,
            prepared: HashMap::new(),
            named: HashMap::new(),
            standard_strings: None,
            in_transaction: false,
            read_only: false,
            attached: None,
        }
    }

    /// The client, for tests and seed code.
    pub fn client(&self) -> &Client {
        self.pg()
    }

    fn pg(&self) -> &Client {
        Borrow::<Client>::borrow(&self.client)
    }

    /// The prepared form of `sql` with parameters of `types`.
    async fn prepare(&mut self, sql: &str, types: Vec<Type>) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        let key = (sql.to_owned(), types);
        if let Some(statement) = self.prepared.get(&key) {
            return Ok(statement.clone());
        }
        let statement = self.pg().prepare_typed(sql, &key.1).await?;
        self.prepared.insert(key, statement.clone());
        Ok(statement)
    }

    /// Asked once per session: whether batched messages can be used. Their
    /// history values are quoted literals, which mean exactly their text
    /// only while `standard_conforming_strings` is on, and their progress
    /// notices need PL/pgSQL. It also makes the server check the client
    /// every second while a message runs (PostgreSQL 14 and later), so that a
    /// message whose client died is rolled back instead of finished.
    async fn batches_allowed(&mut self) -> Result<bool, BackendError> {
        if let Some(on) = self.standard_strings {
            return Ok(on);
        }
        let check = "SELECT current_setting('standard_conforming_strings') = 'on' \
                     AND EXISTS (SELECT 1 FROM pg_language WHERE lanname = 'plpgsql')";
        let row = match self.pg()
            .query_one(&format!("{check}, set_config('client_connection_check_interval', '1000', false)"), &[])
            .await
        {
            Ok(row) => row,
            Err(_) => self.pg().query_one(check, &[]).await.map_err(pg_error("reading standard_conforming_strings"))?,
        };
        let on = row.get::<_, bool>(0);
        self.standard_strings = Some(on);
        Ok(on)
    }

    /// Sends revisions in ONE simple-query message: each revision's frames
    /// (`framing::revision`) as text, `BEGIN; <clock>; <units>; EXECUTE
    /// <history writes>; COMMIT; [<notice>]`, after the `PREPARE`s of
    /// writes not named yet. PostgreSQL runs the explicit transactions in
    /// order and, at the first error, skips the rest of the message, rolling
    /// the failed one back. Calls `done` as each revision's `COMMIT`
    /// completes (at once when `followed`, else when the server sends it);
    /// returns how many committed and, when the message stopped early, why.
    async fn send_batch(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        followed: bool,
        done: &mut (dyn FnMut(usize, Duration) + Send),
    ) -> (usize, Option<tokio_postgres::Error>) {
        let elapsed = format!("(EXTRACT(EPOCH FROM clock_timestamp() - {STARTED}) * 1000)::bigint");
        let table = table.resolved(Dialect::Postgres);
        let cx = WriteContext { now: STARTED.to_owned(), elapsed_ms: elapsed.clone(), ..WriteContext::offline(Dialect::Postgres, &table) };
        // The PREPAREs of writes this session has not named yet come first.
        let mut prepare = String::new();
        let mut script = String::new();
        for step in steps {
            // Each revision reports one labelled row, from the last statement
            // before its COMMIT, with its elapsed time. The label keeps a
            // revision's own SELECTs from being mistaken for it.
            let mut reported = false;
            for frame in framing::revision(&step.units, &step.writes, true, step.lock_timeout) {
                match frame {
                    // Around the transaction, each completing with nothing
                    // the reading below counts.
                    Frame::LockTimeout(timeout) => {
                        script.push_str(&Dialect::Postgres.set_lock_timeout(timeout));
                        script.push_str(";\n");
                    }
                    Frame::ResetLockTimeout => {
                        script.push_str(Dialect::Postgres.reset_lock_timeout());
                        script.push_str(";\n");
                    }
                    Frame::Begin => script.push_str("BEGIN;\n"),
                    Frame::Clock => {
                        script.push_str(START_CLOCK);
                        script.push_str(";\n");
                    }
                    Frame::Unit(_, unit) => {
                        script.push_str(&unit.sql);
                        // On its own line: a unit ending in a `--` comment must
                        // not swallow the separator.
                        script.push_str("\n;\n");
                    }
                    Frame::Writes(writes) => {
                        let mut rendered: Vec<Rendered> = writes
                            .iter()
                            .flat_map(|write| history::render_write(write, &cx, Placeholders::of(Dialect::Postgres)))
                            .collect();
                        reported = matches!(writes.last(), Some(HistoryWrite::Log { .. }));
                        if let (true, Some(last)) = (reported, rendered.last_mut()) {
                            last.sql.push_str(&format!(" RETURNING '{DONE_LABEL}', execution_ms"));
                        }
                        for write in rendered {
                            script.push_str(&self.execute_named(write, &mut prepare));
                            script.push_str(";\n");
                        }
                    }
                    Frame::Commit => {
                        if !reported {
                            script.push_str(&format!("SELECT '{DONE_LABEL}', {elapsed};\n"));
                        }
                        script.push_str("COMMIT;\n");
                        if followed {
                            script.push_str(FLUSH);
                        }
                    }
                }
            }
        }
        let script = prepare + &script;
        let mut committed = 0usize;
        let mut seen = Seen::Nothing;
        let outcome: Result<(), tokio_postgres::Error> = async {
            let stream = self.pg().simple_query_raw(&script).await?;
            futures_util::pin_mut!(stream);
            while let Some(message) = futures_util::StreamExt::next(&mut stream).await {
                seen = match (message?, seen) {
                    (SimpleQueryMessage::Row(row), _) if row.columns().len() == 2 && row.get(0) == Some(DONE_LABEL) => {
                        Seen::Label(Duration::from_millis(row.get(1).and_then(|ms| ms.parse().ok()).unwrap_or(0)))
                    }
                    // The labelled row's own statement ends…
                    (SimpleQueryMessage::CommandComplete(_), Seen::Label(elapsed)) => Seen::Written(elapsed),
                    // …and the next statement to complete is the COMMIT.
                    (SimpleQueryMessage::CommandComplete(_), Seen::Written(elapsed)) => {
                        done(committed, elapsed);
                        committed += 1;
                        Seen::Nothing
                    }
                    (_, seen) => seen,
                };
            }
            Ok(())
        }
        .await;
        (committed, outcome.err())
    }

    /// `EXECUTE` of `write`'s named statement with its values as literals;
    /// adds the statement's `PREPARE` to `prepare` when it has no name yet.
    fn execute_named(&mut self, write: Rendered, prepare: &mut String) -> String {
        let next = self.named.len();
        let name = self.named.entry(write.sql).or_insert_with_key(|sql| {
            let name = format!("retort_write_{next}");
            prepare.push_str(&format!("PREPARE {name} AS {sql};\n"));
            name
        });
        if write.values.is_empty() {
            return format!("EXECUTE {name}");
        }
        let values: Vec<String> = write.values.iter().map(|value| value.literal(Dialect::Postgres)).collect();
        format!("EXECUTE {name}({})", values.join(", "))
    }

    /// After a message failed (and its transaction ended), which of its
    /// `PREPARE`s ran is unknown: the names are dropped (a missing one is no
    /// harm) and prepared again by the next message.
    async fn forget_named(&mut self) {
        for name in std::mem::take(&mut self.named).into_values() {
            let _ = self.pg().batch_execute(&format!("DEALLOCATE {name}")).await;
        }
    }

    /// Runs statements one message each, awaiting each before sending the
    /// next: outside a transaction a failure must stop what follows.
    async fn execute_one_by_one(&mut self, unit: &Unit, pieces: &[split::Piece]) -> Result<(), RunError> {
        for (index, piece) in pieces.iter().enumerate() {
            if let Err(error) = self.pg().batch_execute(piece.text(&unit.sql)).await {
                return Err(statement_failure(unit, pieces, index, &error));
            }
        }
        Ok(())
    }
}

/// Where a batched message's stream is within the current revision.
#[derive(Debug, Clone, Copy)]
enum Seen {
    Nothing,
    /// The labelled row came, with the revision's elapsed time.
    Label(Duration),
    /// The statement that returned it completed.
    Written(Duration),
}

/// Sent after each revision of a followed batched message: the server holds its
/// answers until its output buffer fills, but sends a notice at once, and
/// the answers before it with it; so each revision is reported as it
/// commits, not when the message ends. PL/pgSQL rather than a no-op DDL
/// statement, which would fire event triggers.
const FLUSH: &str = "DO $retort$BEGIN RAISE NOTICE 'retort: revision committed'; END$retort$;\n";

impl<C: Borrow<Client>> Session for PostgresBackend<C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        // One key per database: two projects sharing a database take turns,
        // which is safe. FNV-1a keeps the key stable across builds.
        let key = "retort migration lock"
            .bytes()
            .fold(0xcbf29ce484222325u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3)
            }) as i64;
        let client = self.pg();
        let try_once = || async move {
            let row = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .await
                .map_err(pg_error("taking the migration lock"))?;
            Ok(row.get::<_, bool>(0))
        };
        let holder = || async move {
            client
                .query_opt(
                    "SELECT pid, coalesce(application_name, '') FROM pg_locks JOIN pg_stat_activity USING (pid) \
                     WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid LIMIT 1",
                    &[&key],
                )
                .await
                .ok()
                .flatten()
                .map_or_else(
                    || "another session".to_owned(),
                    |row| format!("server process {} {}", row.get::<_, i32>(0), row.get::<_, String>(1)),
                )
        };
        super::lock::poll(self.describe(), timeout, try_once, holder).await?;
        self.lock_key = Some(key);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), BackendError> {
        if let Some(key) = self.lock_key.take() {
            self.pg()
                .execute("SELECT pg_advisory_unlock($1)", &[&key])
                .await
                .map_err(pg_error("releasing the migration lock"))?;
        }
        Ok(())
    }

    async fn begin(&mut self) -> Result<(), BackendError> {
        let begin = if self.read_only { "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" } else { Dialect::Postgres.begin() };
        self.pg().batch_execute(begin).await.map_err(pg_error("starting a transaction"))?;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), RunError> {
        self.in_transaction = false;
        // A deferred constraint fails here: the revision's fault, so a statement error.
        let commit = Dialect::Postgres.commit();
        self.pg().batch_execute(commit).await.map_err(|error| {
            let unit = Unit::sql(commit, "commit");
            statement_failure(&unit, &split::split(Dialect::Postgres, commit), 0, &error)
        })
    }

    async fn rollback(&mut self) {
        self.in_transaction = false;
        // A warning, not an error, when no transaction is open.
        if let Err(error) = self.pg().batch_execute(Dialect::Postgres.rollback()).await {
            tracing::debug!(%error, "rolling back after a failure failed");
        }
    }

    /// Each statement of the unit goes in a message of its own: in a
    /// transaction they are pipelined (sent together, one round trip; after
    /// a failure the server refuses the rest), outside one they are sent one
    /// at a time, since each commits on its own and a failure must stop
    /// what follows. A multi-statement message would be one implicit
    /// transaction, which `CREATE INDEX CONCURRENTLY` refuses.
    async fn execute(&mut self, unit: &Unit) -> Result<(), RunError> {
        let pieces = split::split(Dialect::Postgres, &unit.sql);
        if !self.in_transaction {
            return self.execute_one_by_one(unit, &pieces).await;
        }
        let client = self.pg();
        let results = join_all(pieces.iter().map(|piece| client.batch_execute(piece.text(&unit.sql)))).await;
        match results.iter().position(Result::is_err) {
            None => Ok(()),
            Some(index) => {
                let Err(error) = &results[index] else { return Ok(()) };
                Err(statement_failure(unit, &pieces, index, error))
            }
        }
    }

    async fn execute_bound(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        let mut prepared = Vec::with_capacity(statements.len());
        for rendered in statements {
            let types = rendered.values.iter().map(param_type).collect();
            let statement = self.prepare(&rendered.sql, types).await.map_err(pg_error("preparing a statement"))?;
            prepared.push(statement);
        }
        let params: Vec<Vec<Param>> = statements.iter().map(|r| r.values.iter().map(Param::from).collect()).collect();
        let client = self.pg();
        let run = |index: usize| {
            let values: Vec<&(dyn ToSql + Sync)> = params[index].iter().map(Param::as_sql).collect();
            let statement = &prepared[index];
            async move { client.execute(statement, &values).await }
        };
        // Pipelined in a transaction (one round trip); one by one outside.
        let results = if self.in_transaction {
            join_all((0..statements.len()).map(run)).await
        } else {
            let mut results = Vec::with_capacity(statements.len());
            for index in 0..statements.len() {
                let result = run(index).await;
                let failed = result.is_err();
                results.push(result);
                if failed {
                    break;
                }
            }
            results
        };
        for (index, result) in results.into_iter().enumerate() {
            if let Err(error) = result {
                let unit = Unit::sql(statements[index].sql.clone(), format!("statement {}", index + 1));
                let pieces = split::split(Dialect::Postgres, &unit.sql);
                return Err(statement_failure(&unit, &pieces, 0, &error).in_unit(index));
            }
        }
        Ok(())
    }

    /// Without parameters, through the simple protocol: every value comes
    /// back as the server prints it, whatever its type. With parameters,
    /// prepared: integers and booleans come back typed, text as text, and
    /// other types must be cast to text in the query.
    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Option<Vec<Row>>, BackendError> {
        let missing = |error: &tokio_postgres::Error| error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE);
        if values.is_empty() {
            let messages = match self.pg().simple_query(sql).await {
                Ok(messages) => messages,
                // A fresh database: the history table is not there yet.
                Err(error) if missing(&error) => return Ok(None),
                Err(error) => return Err(pg_error("querying")(error)),
            };
            let rows = messages
                .iter()
                .filter_map(|message| match message {
                    SimpleQueryMessage::Row(row) => Some(
                        (0..row.len()).map(|i| row.get(i).map_or(Value::Null, |text| Value::Text(text.to_owned()))).collect(),
                    ),
                    _ => None,
                })
                .collect();
            return Ok(Some(rows));
        }
        let types = values.iter().map(param_type).collect();
        let statement = match self.prepare(sql, types).await {
            Ok(statement) => statement,
            Err(error) if missing(&error) => return Ok(None),
            Err(error) => return Err(pg_error("querying")(error)),
        };
        let params: Vec<Param> = values.iter().map(Param::from).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
        let rows = self.pg().query(&statement, &refs).await.map_err(pg_error("querying"))?;
        rows.iter().map(row_values).collect::<Result<Vec<_>, _>>().map(Some).map_err(pg_error("reading a row"))
    }


    /// Up to `MESSAGE_REVISIONS` revisions go in one message (see
    /// `send_batch`), message after message, until one stops early: then
    /// the revisions of that message that did not commit are left to the
    /// plain path. PostgreSQL parses a whole message before running any of
    /// it, so a syntax error in one revision stops the revisions before it
    /// too, and only the plain path can say which revision, statement and
    /// line failed, and keep the good ones before it.
    async fn run_batched(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
        commits: &mut Commits<'_>,
    ) -> Result<Batched, BackendError> {
        if steps.len() < 2 || !self.batches_allowed().await? {
            return Ok(Batched::default());
        }
        // Bounded messages: a bounded amount of work the server finishes (or
        // rolls back) after a client dies.
        let mut start = 0;
        while start < steps.len() {
            let chunk = &steps[start..(start + MESSAGE_REVISIONS).min(steps.len())];
            let (committed, error) =
                self.send_batch(chunk, table, commits.followed, &mut |index, elapsed| (commits.done)(start + index, elapsed)).await;
            if let Some(error) = error {
                // The failed revision's transaction is aborted: end it.
                self.rollback().await;
                self.forget_named().await;
                tracing::debug!(%error, revision = start + committed, "a batched message stopped; running the rest one by one");
                return Ok(Batched { sent: start + chunk.len(), committed: start + committed, failed: None });
            }
            start += chunk.len();
        }
        Ok(Batched { sent: start, committed: start, failed: None })
    }
}

impl<C: Borrow<Client>> Backend for PostgresBackend<C> {
    async fn introspect(&mut self, history: &HistoryTable) -> Result<crate::schema::SchemaSnapshot, BackendError> {
        super::postgres_introspect::introspect(self.pg(), history).await
    }
}

/// What `attach` reads of the application's session: the database's name
/// for messages, and whether a transaction block is open. Sent through the
/// simple protocol, one message: outside a transaction block the statement
/// starts the transaction, so `now()` is its own start time.
const ATTACH_SQL: &str = "SELECT current_database(), now() <> statement_timestamp()";

/// The session's [`Settings`]: every one a session may set, but those that
/// describe the transaction rather than the session (`transaction_*`) and
/// the session's identity (`session_authorization`, `is_superuser`).
const SETTINGS_SQL: &str = "SELECT name, setting FROM pg_settings WHERE context IN ('user', 'superuser') \
                            AND name NOT LIKE 'transaction\\_%' AND name NOT IN ('session_authorization', 'is_superuser')";

impl<'c> PostgresBackend<&'c Client> {
    /// A session over the application's client, noting the settings it
    /// will change to put them back. Refused when a transaction is open.
    async fn attach(client: &'c Client) -> Result<Self, BackendError> {
        let messages = client.simple_query(ATTACH_SQL).await.map_err(pg_error("reading the session's settings"))?;
        let row = messages.iter().find_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        });
        let text = |index| row.and_then(|row| row.get(index)).map(str::to_owned);
        let description = format!("PostgreSQL database {} (the application's connection)", text(0).unwrap_or_default());
        let mut backend = Self::over(client, description);
        if text(1).as_deref() == Some("t") {
            return Err(BackendError::TransactionOpen { database: backend.describe() });
        }
        backend.attached = Some(backend.settings().await?);
        Ok(backend)
    }

    /// The session's [`Settings`] now.
    async fn settings(&self) -> Result<Settings, BackendError> {
        let rows = self.pg().query(SETTINGS_SQL, &[]).await.map_err(pg_error("reading the session's settings"))?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<Settings, tokio_postgres::Error>>()
            .map_err(pg_error("reading the session's settings"))
    }

    /// Gives the client back: no transaction of retort's open, the lock
    /// released, the named statements of batched messages deallocated, and
    /// every setting as `attach` read it, whether retort or a revision
    /// changed it. Every step is tried; the first failure is returned.
    async fn detach(mut self) -> Result<(), BackendError> {
        if self.in_transaction {
            self.rollback().await;
        }
        let unlocked = self.unlock().await;
        self.forget_named().await;
        let restored = match self.attached.take() {
            Some(attached) => self.restore(&attached).await,
            None => Ok(()),
        };
        unlocked.and(restored)
    }

    /// Sets back every setting that differs from `attached`, in one
    /// statement.
    async fn restore(&self, attached: &Settings) -> Result<(), BackendError> {
        let now = self.settings().await?;
        let (names, values): (Vec<&String>, Vec<&String>) =
            attached.iter().filter(|(name, value)| now.get(*name) != Some(*value)).unzip();
        if names.is_empty() {
            return Ok(());
        }
        self.pg()
            .execute("SELECT set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS s(name, value)", &[&names, &values])
            .await
            .map(drop)
            .map_err(pg_error("restoring the session's settings"))
    }
}

/// The application's `tokio_postgres::Client` (a pooled one dereferenced):
/// revisions run on its session, under the session's advisory lock.
impl<'c> Attach for &'c mut Client {
    type Session = PostgresBackend<&'c Client>;

    async fn attach(self) -> Result<Self::Session, BackendError> {
        PostgresBackend::attach(self).await
    }

    async fn detach(session: Self::Session) -> Result<(), BackendError> {
        session.detach().await
    }
}

/// A parameter's type: text for text and NULL (the server casts it as it
/// would a literal), `int8` and `bool` for the others.
fn param_type(value: &Value) -> Type {
    match value {
        Value::Int(_) => Type::INT8,
        Value::Bool(_) => Type::BOOL,
        Value::Text(_) => Type::TEXT,
        // Unknown: inferred from where the parameter goes, as an untyped NULL literal is.
        Value::Null => Type::UNKNOWN,
    }
}

/// A value ready to bind.
enum Param {
    Text(String),
    Int(i64),
    Bool(bool),
    Null(AnyNull),
}

impl Param {
    fn from(value: &Value) -> Self {
        match value {
            Value::Text(text) => Param::Text(text.clone()),
            Value::Null => Param::Null(AnyNull),
            Value::Int(number) => Param::Int(*number),
            Value::Bool(flag) => Param::Bool(*flag),
        }
    }

    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Text(text) => text,
            Param::Int(number) => number,
            Param::Bool(flag) => flag,
            Param::Null(null) => null,
        }
    }
}

/// NULL for a parameter of whatever type the server inferred for it.
#[derive(Debug)]
struct AnyNull;

impl ToSql for AnyNull {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(tokio_postgres::types::IsNull::Yes)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A row's columns as values: integers and booleans as themselves,
/// everything else as text (history columns are text and bigint).
fn row_values(row: &tokio_postgres::Row) -> Result<Row, tokio_postgres::Error> {
    (0..row.len())
        .map(|index| {
            Ok(match *row.columns()[index].type_() {
                Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map_or(Value::Null, Value::Int),
                Type::INT4 => row.try_get::<_, Option<i32>>(index)?.map_or(Value::Null, |n| Value::Int(n.into())),
                Type::INT2 => row.try_get::<_, Option<i16>>(index)?.map_or(Value::Null, |n| Value::Int(n.into())),
                Type::BOOL => row.try_get::<_, Option<bool>>(index)?.map_or(Value::Null, Value::Bool),
                _ => row.try_get::<_, Option<String>>(index)?.map_or(Value::Null, Value::Text),
            })
        })
        .collect()
}

/// The error of statement `index` (0-based) of `unit`, split into `pieces`.
fn statement_failure(unit: &Unit, pieces: &[split::Piece], index: usize, error: &tokio_postgres::Error) -> RunError {
    let Some(db) = error.as_db_error() else {
        // Not the server's answer to the statement: the connection broke.
        return RunError::Backend(BackendError::Database {
            context: "running a statement",
            message: describe_pg_error(error),
        });
    };
    let (line, sql) = match pieces.get(index) {
        Some(piece) => (Some(piece.line), piece.text(&unit.sql).trim().to_owned()),
        None => (None, unit.sql.trim().to_owned()),
    };
    RunError::Statement(StatementError {
        unit: 0,
        statement: u32::try_from(index + 1).ok(),
        line,
        sql,
        code: Some(db.code().code().to_owned()),
        message: describe_pg_error(error),
    })
}

fn pg_error(context: &'static str) -> impl Fn(tokio_postgres::Error) -> BackendError {
    move |error| BackendError::Database {
        context,
        message: describe_pg_error(&error),
    }
}
