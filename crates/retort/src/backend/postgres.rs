//! PostgreSQL, through tokio-postgres.
//!
//! The migration lock is a session-level advisory lock, released by the
//! server when the session ends, so a killed migrator never leaves it held.
//! A transactional revision is sent as one pipelined flight — `BEGIN`, its
//! units, its history writes, `COMMIT` — so it costs one round trip; if any
//! part fails the server turns the `COMMIT` into a rollback.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};

use super::{Backend, BackendError, RunError, StatementError, StepWork, Unit};
use crate::database_url::DatabaseUrl;
use crate::history::{
    self, AppliedRevision, HistoryTable, HistoryWrite, Placeholders, Rendered, Status, Value,
    WriteContext,
};
use crate::Dialect;

/// Elapsed milliseconds since the transaction started (`now()` is the
/// transaction's start time, `clock_timestamp()` the real time).
pub(crate) const ELAPSED_IN_TRANSACTION: &str =
    "(EXTRACT(EPOCH FROM clock_timestamp() - now()) * 1000)::bigint";

/// The label of the row each revision of a batched message returns last.
const DONE_LABEL: &str = "retort revision done";

/// How many revisions one batched message carries at most.
const MESSAGE_REVISIONS: usize = 250;

/// A session on one PostgreSQL database.
pub struct PostgresBackend {
    client: Client,
    description: String,
    lock_key: Option<i64>,
    /// History statements prepared once per session: parsed and planned once
    /// instead of once per revision.
    prepared: std::collections::HashMap<String, tokio_postgres::Statement>,
    /// Whether `standard_conforming_strings` is on (asked once): only then do
    /// quoted literals mean exactly their text, which batched runs rely on.
    standard_strings: Option<bool>,
}

impl PostgresBackend {
    /// Connects without TLS (TLS to PostgreSQL is not supported yet; see the README),
    /// with the driver's reading of the URL that [`DatabaseUrl::parse`] made.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, BackendError> {
        let config = url.postgres_config().ok_or_else(|| BackendError::Url {
            url: url.to_string(),
            reason: "it is not a postgres:// URL".to_owned(),
        })?;
        let (client, connection) =
            config
                .connect(NoTls)
                .await
                .map_err(|error| BackendError::Connect {
                    url: url.to_string(),
                    message: describe_pg_error(&error),
                })?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "PostgreSQL connection ended");
            }
        });
        Ok(Self {
            client,
            description: format!("PostgreSQL database {url}"),
            lock_key: None,
            prepared: std::collections::HashMap::new(),
            standard_strings: None,
        })
    }

    /// Drops and creates the database a URL names, from the server's
    /// `postgres` maintenance database (`template1` when the database to
    /// reset is `postgres` itself, which cannot be dropped while connected
    /// to). The maintenance session is the URL's own driver reading with
    /// only the database changed, so it reaches the same server as the
    /// URL however its password is written.
    pub async fn recreate_database(url: &DatabaseUrl) -> Result<(), BackendError> {
        let config = url.postgres_config().ok_or_else(|| BackendError::Url {
            url: url.to_string(),
            reason: "it is not a postgres:// URL".to_owned(),
        })?;
        let name = config.get_dbname().ok_or_else(|| BackendError::Url {
            url: url.to_string(),
            reason: "name the database in the URL's path (postgres://…/dbname)".to_owned(),
        })?;
        let maintenance = if name == "postgres" {
            "template1"
        } else {
            "postgres"
        };
        let (admin, connection) = config
            .clone()
            .dbname(maintenance)
            .connect(NoTls)
            .await
            .map_err(|error| BackendError::Connect {
                url: format!("the maintenance database {maintenance} of {url}"),
                message: describe_pg_error(&error),
            })?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "PostgreSQL maintenance connection ended");
            }
        });
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

    /// The client, for tests and seed code.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn context<'a>(&self, table: &'a HistoryTable, elapsed_ms: &'a str) -> WriteContext<'a> {
        WriteContext {
            table,
            dialect: Dialect::Postgres,
            now: "now()",
            user: "current_user",
            elapsed_ms,
        }
    }

    /// Renders history writes with `$n` placeholders.
    fn render_writes(&self, writes: &[HistoryWrite], cx: &WriteContext<'_>) -> Vec<Rendered> {
        writes
            .iter()
            .flat_map(|write| {
                history::render_write(write, cx, Placeholders::Numbered(|n| format!("${n}")))
            })
            .collect()
    }

    /// Whether a step's history write is in the database (after a batched
    /// message failed): its state row exists for an upgrade, is gone for a
    /// downgrade. An unreadable history counts as not committed.
    async fn committed(&mut self, step: &StepWork, table: &HistoryTable) -> bool {
        let Ok(Some(rows)) = self.read_history(table).await else { return false };
        step.writes.iter().all(|write| match write {
            HistoryWrite::Put { id, .. } => rows.iter().any(|row| &row.id == id),
            HistoryWrite::Remove { id } => rows.iter().all(|row| &row.id != id),
            HistoryWrite::Log { .. } => true,
        })
    }

    /// Prepares the history statements not prepared yet in this session (one
    /// round trip, on the first revision of a run only).
    async fn prepare_history(&mut self, rendered: &[Rendered]) -> Result<(), BackendError> {
        for write in rendered {
            if !self.prepared.contains_key(&write.sql) {
                let types = vec![Type::TEXT; write.values.len()];
                let statement = self
                    .client
                    .prepare_typed(&write.sql, &types)
                    .await
                    .map_err(pg_error("preparing the history statements"))?;
                self.prepared.insert(write.sql.clone(), statement);
            }
        }
        Ok(())
    }

    async fn execute_write(&self, sql: &str, values: &[Value]) -> Result<u64, tokio_postgres::Error> {
        // Each value keeps its own type so the server casts it as in a literal.
        let texts: Vec<Option<&str>> =
            values.iter().map(|v| if let Value::Text(t) = v { Some(t.as_str()) } else { None }).collect();
        let ints: Vec<i64> = values.iter().map(|v| if let Value::Int(n) = v { *n } else { 0 }).collect();
        let bools: Vec<bool> = values.iter().map(|v| matches!(v, Value::Bool(true))).collect();
        let params: Vec<(&(dyn ToSql + Sync), Type)> = values
            .iter()
            .enumerate()
            .map(|(i, value)| match value {
                Value::Int(_) => (&ints[i] as &(dyn ToSql + Sync), Type::INT8),
                Value::Bool(_) => (&bools[i] as &(dyn ToSql + Sync), Type::BOOL),
                Value::Text(_) | Value::Null => (&texts[i] as &(dyn ToSql + Sync), Type::TEXT),
            })
            .collect();
        self.client.execute_typed(sql, &params).await
    }
}

impl Backend for PostgresBackend {
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
        let started = Instant::now();
        loop {
            let row = self
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .await
                .map_err(pg_error("taking the migration lock"))?;
            if row.get::<_, bool>(0) {
                self.lock_key = Some(key);
                return Ok(());
            }
            if started.elapsed() >= timeout {
                let holder = self
                    .client
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
                    );
                return Err(BackendError::LockTimeout {
                    database: self.describe(),
                    holder,
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends every revision in ONE simple-query message:
    /// `BEGIN; SELECT 'step'; <units>; <history>; SELECT <elapsed>; COMMIT;` per
    /// revision. PostgreSQL runs the explicit transactions in order and, at
    /// the first error, skips the rest of the message: the revisions before
    /// stay committed and the failed one is rolled back — the semantics of
    /// one round trip per revision at the cost of one round trip in all.
    /// History values go in as literals through `Dialect::quote_literal` (the
    /// simple protocol has no parameters), the same rendering as offline
    /// scripts, and only while `standard_conforming_strings` is on.
    async fn run_steps(
        &mut self,
        steps: &[StepWork],
        table: &HistoryTable,
    ) -> Result<Vec<Duration>, (usize, RunError)> {
        let literal_safe = match self.standard_strings {
            Some(on) => on,
            None => {
                // A server keeps executing a received message after its client
                // dies; from PostgreSQL 14 on, this makes it check the client
                // every second and roll back instead. Older servers lack the
                // setting, and then only the first query below answers.
                let checked = self
                    .client
                    .query_one(
                        "SELECT current_setting('standard_conforming_strings') = 'on', \
                         set_config('client_connection_check_interval', '1000', false)",
                        &[],
                    )
                    .await;
                let row = match checked {
                    Ok(row) => row,
                    Err(_) => self
                        .client
                        .query_one("SELECT current_setting('standard_conforming_strings') = 'on'", &[])
                        .await
                        .map_err(|e| (0, pg_error("reading standard_conforming_strings")(e).into()))?,
                };
                let on = row.get::<_, bool>(0);
                self.standard_strings = Some(on);
                on
            }
        };
        if steps.len() > MESSAGE_REVISIONS {
            // Bounded messages: a bounded amount of work the server finishes
            // (or rolls back) after a client dies, and steady progress output.
            let mut elapsed = Vec::with_capacity(steps.len());
            for (chunk_index, chunk) in steps.chunks(MESSAGE_REVISIONS).enumerate() {
                let done = Box::pin(self.run_steps(chunk, table))
                    .await
                    .map_err(|(failed, error)| (chunk_index * MESSAGE_REVISIONS + failed, error))?;
                elapsed.extend(done);
            }
            return Ok(elapsed);
        }
        if steps.len() < 2 || !literal_safe {
            return super::run_each(self, steps, table).await;
        }
        let cx = self.context(table, ELAPSED_IN_TRANSACTION);
        // Where each unit starts in the message, to map an error position back.
        let mut starts: Vec<(usize, usize, usize)> = Vec::new();
        let mut script = String::new();
        for (step_index, step) in steps.iter().enumerate() {
            script.push_str("BEGIN;\n");
            for (unit_index, unit) in step.units.iter().enumerate() {
                starts.push((script.len(), step_index, unit_index));
                script.push_str(&unit.sql);
                // On its own line: a unit ending in a `--` comment must not
                // swallow the separator.
                script.push_str("\n;\n");
            }
            // Each revision reports one labelled row just before COMMIT: how
            // far the message got, and the revision's elapsed time. The label
            // keeps a revision's own SELECTs from being mistaken for it. The
            // event-log insert, the last write, returns it; a step without
            // one gets a SELECT.
            let mut writes = history::render_inline(&step.writes, &cx);
            let reports = matches!(step.writes.last(), Some(HistoryWrite::Log { .. }));
            if let (true, Some(last)) = (reports, writes.last_mut()) {
                last.push_str(&format!(" RETURNING '{DONE_LABEL}', execution_ms"));
            }
            for sql in writes {
                script.push_str(&sql);
                script.push_str(";\n");
            }
            if !reports {
                script.push_str(&format!("SELECT '{DONE_LABEL}', {ELAPSED_IN_TRANSACTION};\n"));
            }
            script.push_str("COMMIT;\n");
        }
        let mut elapsed = Vec::with_capacity(steps.len());
        let outcome: Result<(), tokio_postgres::Error> = async {
            let stream = self.client.simple_query_raw(&script).await?;
            futures_util::pin_mut!(stream);
            while let Some(message) = futures_util::StreamExt::next(&mut stream).await {
                if let tokio_postgres::SimpleQueryMessage::Row(row) = message? {
                    if row.columns().len() == 2 && row.get(0) == Some(DONE_LABEL) {
                        let ms = row.get(1).and_then(|ms| ms.parse().ok()).unwrap_or(0);
                        elapsed.push(Duration::from_millis(ms));
                    }
                }
            }
            Ok(())
        }
        .await;
        let Err(error) = outcome else { return Ok(elapsed) };
        // The message stopped inside the revision after the last one that
        // reported; its transaction is aborted: end it.
        let _ = self.client.batch_execute("ROLLBACK").await;
        let mut failed = elapsed.len().min(steps.len() - 1);
        // The one exception: a COMMIT that fails after its row (a deferred
        // constraint). The history says whether that revision committed.
        if failed > 0 && !self.committed(&steps[failed - 1], table).await {
            failed -= 1;
        }
        let position = error.as_db_error().and_then(|db| match db.position() {
            Some(tokio_postgres::error::ErrorPosition::Original(at)) => Some(*at as usize),
            _ => None,
        });
        let in_unit = position.and_then(|at| {
            let byte = script.char_indices().nth(at.saturating_sub(1)).map_or(script.len(), |(b, _)| b);
            starts.iter().rev().find(|(start, step, _)| *start <= byte && *step == failed).map(|(start, _, unit)| (*unit, byte - start))
        });
        let step = &steps[failed];
        let error = match (in_unit, step.units.first()) {
            (Some((unit, offset)), _) => RunError::Statement(statement_error_at(unit, &step.units[unit], &error, Some(offset))),
            // No position (a runtime error): the revision, not the line.
            (None, Some(first)) => RunError::Statement(statement_error_at(0, first, &error, None)),
            (None, None) => RunError::Backend(pg_error("writing the history")(error)),
        };
        Err((failed, error))
    }

    async fn execute(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        self.client.batch_execute("BEGIN").await.map_err(pg_error("starting a transaction"))?;
        for (index, rendered) in statements.iter().enumerate() {
            if let Err(error) = self.execute_write(&rendered.sql, &rendered.values).await {
                let _ = self.client.batch_execute("ROLLBACK").await;
                let unit = Unit { sql: rendered.sql.clone(), first_line: None, label: format!("statement {}", index + 1) };
                return Err(RunError::Statement(statement_error(index, &unit, &error)));
            }
        }
        if let Err(error) = self.client.batch_execute("COMMIT").await {
            let _ = self.client.batch_execute("ROLLBACK").await;
            return Err(pg_error("committing")(error).into());
        }
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), BackendError> {
        if let Some(key) = self.lock_key.take() {
            self.client
                .execute("SELECT pg_advisory_unlock($1)", &[&key])
                .await
                .map_err(pg_error("releasing the migration lock"))?;
        }
        Ok(())
    }

    async fn ensure_history(&mut self, table: &HistoryTable) -> Result<(), BackendError> {
        self.client
            .batch_execute(&history_ddl(table))
            .await
            .map_err(pg_error("creating the history tables"))
    }

    async fn read_history(
        &mut self,
        table: &HistoryTable,
    ) -> Result<Option<Vec<AppliedRevision>>, BackendError> {
        let sql = format!(
            "SELECT revision_id, checksum, message, status, \
             to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), execution_ms, applied_by \
             FROM {} ORDER BY applied_at, revision_id",
            table.state(Dialect::Postgres)
        );
        // One round trip: a missing table (SQLSTATE 42P01) means a fresh database.
        let rows = match self.client.query(&sql, &[]).await {
            Ok(rows) => rows,
            Err(error)
                if error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) =>
            {
                return Ok(None)
            }
            Err(error) => return Err(pg_error("reading the history")(error)),
        };
        let mut applied = Vec::with_capacity(rows.len());
        for row in rows {
            let read = |error: tokio_postgres::Error| pg_error("reading the history")(error);
            let id: String = row.try_get(0).map_err(read)?;
            let status: String = row.try_get(3).map_err(read)?;
            let status = Status::parse(&status).ok_or_else(|| BackendError::Database {
                context: "reading the history",
                message: format!("revision {id} has an unknown status {status:?}"),
            })?;
            applied.push(AppliedRevision {
                checksum: row.try_get(1).map_err(read)?,
                message: row.try_get(2).map_err(read)?,
                status,
                applied_at: row.try_get(4).map_err(read)?,
                execution_ms: row.try_get(5).map_err(read)?,
                applied_by: row.try_get(6).map_err(read)?,
                id,
            });
        }
        Ok(Some(applied))
    }

    async fn introspect(&mut self, history: &HistoryTable) -> Result<crate::schema::SchemaSnapshot, BackendError> {
        super::postgres_introspect::introspect(&self.client, history).await
    }

    async fn run(
        &mut self,
        units: &[Unit],
        writes: &[HistoryWrite],
        table: &HistoryTable,
        transactional: bool,
    ) -> Result<(), RunError> {
        if transactional {
            let cx = self.context(table, ELAPSED_IN_TRANSACTION);
            let rendered = self.render_writes(writes, &cx);
            self.prepare_history(&rendered).await?;
            // Polled together, these requests leave in this order before any
            // answer is read: one round trip for the whole revision.
            let client = &self.client;
            let begin = client.batch_execute("BEGIN");
            let unit_futures = join_all(units.iter().map(|unit| client.batch_execute(&unit.sql)));
            let texts: Vec<Vec<Option<String>>> = rendered.iter().map(|r| history_params(&r.values)).collect();
            let write_futures = join_all(rendered.iter().zip(&texts).map(|(r, texts)| {
                let params: Vec<&(dyn ToSql + Sync)> = texts.iter().map(|t| t as &(dyn ToSql + Sync)).collect();
                let statement = &self.prepared[&r.sql];
                async move { client.execute(statement, &params).await }
            }));
            let commit = client.batch_execute("COMMIT");
            let (begun, unit_results, write_results, committed) =
                tokio::join!(begin, unit_futures, write_futures, commit);
            let failure = begun
                .err()
                .map(|e| RunError::Backend(pg_error("starting a transaction")(e)))
                .or_else(|| {
                    unit_results.into_iter().enumerate().find_map(|(i, r)| {
                        r.err()
                            .map(|e| RunError::Statement(statement_error(i, &units[i], &e)))
                    })
                })
                .or_else(|| {
                    write_results.into_iter().find_map(|r| {
                        r.err()
                            .map(|e| RunError::Backend(pg_error("writing the history")(e)))
                    })
                })
                .or_else(|| {
                    committed
                        .err()
                        .map(|e| RunError::Backend(pg_error("committing")(e)))
                });
            if let Some(failure) = failure {
                // COMMIT after an error already rolled back; this makes sure no
                // transaction survives whatever failed (a warning if none is open).
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(failure);
            }
            return Ok(());
        }
        let started = Instant::now();
        for (index, unit) in units.iter().enumerate() {
            self.client
                .batch_execute(&unit.sql)
                .await
                .map_err(|e| RunError::Statement(statement_error(index, unit, &e)))?;
        }
        if !writes.is_empty() {
            let elapsed = started.elapsed().as_millis().to_string();
            let cx = self.context(table, &elapsed);
            let rendered = self.render_writes(writes, &cx);
            self.client
                .batch_execute("BEGIN")
                .await
                .map_err(pg_error("starting a transaction"))?;
            for write in &rendered {
                if let Err(error) = self.execute_write(&write.sql, &write.values).await {
                    let _ = self.client.batch_execute("ROLLBACK").await;
                    return Err(pg_error("writing the history")(error).into());
                }
            }
            self.client
                .batch_execute("COMMIT")
                .await
                .map_err(pg_error("committing"))?;
        }
        Ok(())
    }
}

/// History values as text parameters: every history column a write binds is
/// text, so the prepared statements take text only.
fn history_params(values: &[Value]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|value| match value {
            Value::Text(text) => Some(text.clone()),
            Value::Int(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null => None,
        })
        .collect()
}

/// The history tables' DDL, idempotent.
pub(crate) fn history_ddl(table: &HistoryTable) -> String {
    let state = table.state(Dialect::Postgres);
    let log = table.log(Dialect::Postgres);
    let schema = table
        .schema
        .as_deref()
        .map(|schema| {
            format!(
                "CREATE SCHEMA IF NOT EXISTS {};\n",
                Dialect::Postgres.quote_ident(schema)
            )
        })
        .unwrap_or_default();
    format!(
        "{schema}CREATE TABLE IF NOT EXISTS {state} (
    revision_id text PRIMARY KEY,
    checksum text NOT NULL,
    message text NOT NULL,
    status text NOT NULL,
    applied_at timestamptz NOT NULL,
    execution_ms bigint NOT NULL,
    applied_by text NOT NULL
);
CREATE TABLE IF NOT EXISTS {log} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision_id text NOT NULL,
    action text NOT NULL,
    outcome text NOT NULL,
    detail text,
    at timestamptz NOT NULL,
    execution_ms bigint NOT NULL,
    run_by text NOT NULL
);
"
    )
}

fn statement_error(index: usize, unit: &Unit, error: &tokio_postgres::Error) -> StatementError {
    // The server reports a 1-based character position in the unit's text.
    let byte = error.as_db_error().and_then(|db| match db.position() {
        Some(tokio_postgres::error::ErrorPosition::Original(at)) => {
            Some(unit.sql.char_indices().nth((*at as usize).saturating_sub(1)).map_or(unit.sql.len(), |(b, _)| b))
        }
        _ => None,
    });
    statement_error_at(index, unit, error, byte)
}

/// The error of `unit`, failing at byte `at` of its text when known: the line
/// and the statement around that point.
fn statement_error_at(index: usize, unit: &Unit, error: &tokio_postgres::Error, at: Option<usize>) -> StatementError {
    let (line, sql) = match at.map(|at| at.min(unit.sql.len())) {
        Some(byte) => {
            let start = unit.sql[..byte].rfind(';').map_or(0, |s| s + 1);
            let end = unit.sql[byte..].find(';').map_or(unit.sql.len(), |e| byte + e + 1);
            let start = start + unit.sql[start..].len() - unit.sql[start..].trim_start().len();
            let line = u32::try_from(unit.sql[..start].matches('\n').count() + 1).unwrap_or(u32::MAX);
            (Some(line), unit.sql[start..end.max(start)].trim().to_owned())
        }
        None => (None, unit.sql.trim().to_owned()),
    };
    StatementError {
        unit: index,
        statement: None,
        line,
        sql,
        code: error.as_db_error().map(|db| db.code().code().to_owned()),
        message: describe_pg_error(error),
    }
}

/// The server's message (with detail and hint) or the client error.
fn describe_pg_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            text
        }
    }
}

fn pg_error(context: &'static str) -> impl Fn(tokio_postgres::Error) -> BackendError {
    move |error| BackendError::Database {
        context,
        message: describe_pg_error(&error),
    }
}
