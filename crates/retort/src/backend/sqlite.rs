//! SQLite, through rusqlite with the bundled library: the embedded default.
//!
//! The migration lock is an exclusive OS file lock on `<database>.retort-lock`
//! beside the database file: unlike a write transaction it can be held while
//! each revision commits on its own, and the OS releases it when the process
//! dies, so a killed migrator never leaves it held.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::{Batch, Connection, OptionalExtension};

use super::{Backend, BackendError, RunError, StatementError, Unit};
use crate::database_url::DatabaseUrl;
use crate::history::{
    self, AppliedRevision, HistoryTable, HistoryWrite, Placeholders, Rendered, Status, Value, WriteContext,
};
use crate::Dialect;

/// SQL for the current UTC time with milliseconds, in ISO 8601.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// A connection to one SQLite database file (or an in-memory database).
pub struct SqliteBackend {
    conn: Connection,
    path: Option<PathBuf>,
    lock: Option<File>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database a `sqlite:` URL names, and its
    /// parent folder.
    pub fn open(url: &DatabaseUrl) -> Result<Self, BackendError> {
        let path = url.sqlite_path();
        let connect_error = |message: String| BackendError::Connect {
            url: url.to_string(),
            message,
        };
        let conn = match &path {
            Some(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        connect_error(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
                Connection::open(path).map_err(|e| connect_error(e.to_string()))?
            }
            None => Connection::open_in_memory().map_err(|e| connect_error(e.to_string()))?,
        };
        // Another connection (the application, a second migrator before it
        // reaches the lock) may hold a write transaction briefly: wait for it.
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(|e| connect_error(e.to_string()))?;
        Ok(Self {
            conn,
            path,
            lock: None,
        })
    }

    /// Deletes the database file and its sidecars (journal, WAL, lock file).
    pub fn delete_database(url: &DatabaseUrl) -> Result<(), BackendError> {
        let Some(path) = url.sqlite_path() else { return Ok(()) };
        for suffix in ["", "-journal", "-wal", "-shm", ".retort-lock"] {
            let mut name = path.as_os_str().to_os_string();
            name.push(suffix);
            match std::fs::remove_file(&name) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(BackendError::Database {
                        context: "deleting the database",
                        message: format!("{}: {error}", PathBuf::from(name).display()),
                    })
                }
            }
        }
        Ok(())
    }

    /// The underlying connection, for tests and seed code.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn lock_path(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        let mut name = path.file_name()?.to_os_string();
        name.push(".retort-lock");
        Some(path.with_file_name(name))
    }

    fn context<'a>(
        &self,
        table: &'a HistoryTable,
        user: &'a str,
        elapsed_ms: &'a str,
    ) -> WriteContext<'a> {
        WriteContext {
            table,
            dialect: Dialect::Sqlite,
            now: NOW,
            user,
            elapsed_ms,
        }
    }

    /// Runs one unit statement by statement, so that a failure can name the
    /// statement and its line.
    fn run_unit(&self, index: usize, unit: &Unit) -> Result<(), StatementError> {
        let mut batch = Batch::new(&self.conn, &unit.sql);
        let mut searched_to = 0usize;
        let mut number = 0u32;
        loop {
            let statement = match batch.next() {
                Ok(Some(statement)) => statement,
                Ok(None) => return Ok(()),
                Err(error) => {
                    // A statement that does not even prepare (a syntax error):
                    // it starts at the first non-blank text after the last one.
                    let start = next_text(&unit.sql, searched_to);
                    return Err(statement_error(index, number + 1, unit, start, error));
                }
            };
            number += 1;
            let text = statement.expanded_sql().unwrap_or_default();
            let start = unit.sql[searched_to..]
                .find(text.trim())
                .map_or(searched_to, |at| searched_to + at);
            searched_to = start + text.trim().len();
            let result = step_to_end(statement);
            if let Err(error) = result {
                return Err(statement_error(index, number, unit, start, error));
            }
        }
    }

    fn run_writes(
        &self,
        writes: &[HistoryWrite],
        table: &HistoryTable,
        elapsed: Duration,
    ) -> Result<(), BackendError> {
        let user = Dialect::Sqlite.quote_literal(&os_user());
        let elapsed = elapsed.as_millis().to_string();
        let cx = self.context(table, &user, &elapsed);
        let rendered = writes.iter().flat_map(|write| {
            history::render_write(write, &cx, Placeholders::Numbered(|n| format!("?{n}")))
        });
        for write in rendered {
            let mut statement = self
                .conn
                .prepare_cached(&write.sql)
                .map_err(db_error("preparing a history write"))?;
            for (i, value) in write.values.iter().enumerate() {
                bind(&mut statement, i + 1, value).map_err(db_error("binding a history value"))?;
            }
            statement
                .raw_execute()
                .map_err(db_error("writing the history"))?;
        }
        Ok(())
    }

    fn rollback(&self) {
        if !self.conn.is_autocommit() {
            // The error that brought us here is what the user needs; a failed
            // rollback only means there was nothing left to roll back.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn catalog(&self) -> Option<&dyn crate::op::CatalogSource> {
        Some(&self.conn)
    }

    fn describe(&self) -> String {
        match &self.path {
            Some(path) => format!("SQLite database {}", path.display()),
            None => "in-memory SQLite database".to_owned(),
        }
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        let Some(lock_path) = self.lock_path() else {
            return Ok(()); // An in-memory database is private to this connection.
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| BackendError::Database {
                context: "opening the lock file",
                message: format!("{}: {e}", lock_path.display()),
            })?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(BackendError::LockTimeout {
                        database: self.describe(),
                        holder: format!("a process holding {}", lock_path.display()),
                        waited: started.elapsed(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(BackendError::Database {
                        context: "locking the lock file",
                        message: e.to_string(),
                    })
                }
            }
        }
        self.lock = Some(file);
        Ok(())
    }

    async fn execute(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error("starting a transaction"))?;
        for (index, rendered) in statements.iter().enumerate() {
            let result = self.conn.prepare(&rendered.sql).and_then(|mut statement| {
                for (i, value) in rendered.values.iter().enumerate() {
                    bind(&mut statement, i + 1, value)?;
                }
                let mut rows = statement.raw_query();
                while rows.next()?.is_some() {}
                Ok(())
            });
            if let Err(error) = result {
                self.rollback();
                let unit = Unit { sql: rendered.sql.clone(), first_line: None, label: format!("statement {}", index + 1) };
                return Err(RunError::Statement(statement_error(index, 1, &unit, 0, error)));
            }
        }
        self.conn.execute_batch("COMMIT").map_err(|e| {
            self.rollback();
            RunError::Backend(db_error("committing")(e))
        })
    }

    async fn unlock(&mut self) -> Result<(), BackendError> {
        // Dropping the file releases the OS lock.
        self.lock = None;
        Ok(())
    }

    async fn ensure_history(&mut self, table: &HistoryTable) -> Result<(), BackendError> {
        if let Some(schema) = &table.schema {
            return Err(BackendError::Database {
                context: "creating the history tables",
                message: format!(
                    "SQLite has no schemas, so the history cannot go in `{schema}`: drop --history-schema \
                     (or MigratorConfig::history.schema) for SQLite databases"
                ),
            });
        }
        self.conn
            .execute_batch(&history_ddl(table))
            .map_err(db_error("creating the history tables"))
    }

    async fn read_history(
        &mut self,
        table: &HistoryTable,
    ) -> Result<Option<Vec<AppliedRevision>>, BackendError> {
        let exists = self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [&table.name],
                |_| Ok(()),
            )
            .optional()
            .map_err(db_error("looking for the history table"))?;
        if exists.is_none() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT revision_id, checksum, message, status, applied_at, execution_ms, applied_by FROM {} ORDER BY applied_at, revision_id",
            table.state(Dialect::Sqlite)
        );
        let mut statement = self
            .conn
            .prepare(&sql)
            .map_err(db_error("reading the history"))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })
            .map_err(db_error("reading the history"))?;
        let mut applied = Vec::new();
        for row in rows {
            let (id, checksum, message, status, applied_at, execution_ms, applied_by) =
                row.map_err(db_error("reading the history"))?;
            let status = Status::parse(&status).ok_or_else(|| BackendError::Database {
                context: "reading the history",
                message: format!("revision {id} has an unknown status {status:?}"),
            })?;
            applied.push(AppliedRevision {
                id,
                checksum,
                message,
                status,
                applied_at,
                execution_ms,
                applied_by,
            });
        }
        Ok(Some(applied))
    }

    async fn introspect(&mut self, history: &HistoryTable) -> Result<crate::schema::SchemaSnapshot, BackendError> {
        super::sqlite_introspect::introspect(&self.conn, history)
    }

    async fn run(
        &mut self,
        units: &[Unit],
        writes: &[HistoryWrite],
        table: &HistoryTable,
        transactional: bool,
    ) -> Result<(), RunError> {
        let started = Instant::now();
        // Table rebuilds drop and recreate tables: with foreign keys enforced,
        // dropping `users` would cascade-delete every todo. The pragma cannot
        // change inside a transaction, so it goes off around the run, and
        // `run_inner` checks the keys before committing instead.
        let enforced = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |row| row.get::<_, bool>(0))
            .map_err(db_error("reading PRAGMA foreign_keys"))?;
        if enforced {
            self.conn.execute_batch("PRAGMA foreign_keys = OFF").map_err(db_error("pausing foreign keys"))?;
        }
        let result = self.run_inner(units, writes, table, transactional, started, enforced);
        if enforced {
            self.conn.execute_batch("PRAGMA foreign_keys = ON").map_err(db_error("restoring foreign keys"))?;
        }
        result
    }
}

impl SqliteBackend {
    /// The first row that breaks a foreign key, described, if any.
    fn foreign_key_violation(&self) -> Result<Option<String>, BackendError> {
        let mut statement = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(db_error("checking foreign keys"))?;
        let mut rows = statement.query([]).map_err(db_error("checking foreign keys"))?;
        let Some(row) = rows.next().map_err(db_error("checking foreign keys"))? else {
            return Ok(None);
        };
        let table: String = row.get(0).map_err(db_error("checking foreign keys"))?;
        let rowid: Option<i64> = row.get(1).map_err(db_error("checking foreign keys"))?;
        let parent: String = row.get(2).map_err(db_error("checking foreign keys"))?;
        Ok(Some(format!(
            "table {table}, rowid {}, references a missing row of {parent}",
            rowid.map_or("?".to_owned(), |r| r.to_string())
        )))
    }

    fn run_inner(
        &mut self,
        units: &[Unit],
        writes: &[HistoryWrite],
        table: &HistoryTable,
        transactional: bool,
        started: Instant,
        check_foreign_keys: bool,
    ) -> Result<(), RunError> {
        if transactional {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(db_error("starting a transaction"))?;
        }
        for (index, unit) in units.iter().enumerate() {
            if let Err(error) = self.run_unit(index, unit) {
                if transactional {
                    self.rollback();
                }
                return Err(RunError::Statement(error));
            }
        }
        if transactional && check_foreign_keys {
            if let Some(violation) = self.foreign_key_violation().map_err(RunError::Backend)? {
                self.rollback();
                let last = units.len().saturating_sub(1);
                return Err(RunError::Statement(StatementError {
                    unit: last,
                    statement: None,
                    line: None,
                    sql: units.get(last).map(|u| u.sql.clone()).unwrap_or_default(),
                    code: None,
                    message: format!("the revision leaves rows that break a foreign key: {violation}"),
                }));
            }
        }
        if !transactional && !writes.is_empty() {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(db_error("starting a transaction"))?;
        }
        if !writes.is_empty() || transactional {
            if let Err(error) = self.run_writes(writes, table, started.elapsed()) {
                self.rollback();
                return Err(error.into());
            }
            if let Err(error) = self.conn.execute_batch("COMMIT") {
                self.rollback();
                return Err(db_error("committing")(error).into());
            }
        }
        Ok(())
    }
}

/// The history tables' DDL, idempotent.
pub(crate) fn history_ddl(table: &HistoryTable) -> String {
    let state = table.state(Dialect::Sqlite);
    let log = table.log(Dialect::Sqlite);
    format!(
        "CREATE TABLE IF NOT EXISTS {state} (
    revision_id TEXT NOT NULL PRIMARY KEY,
    checksum TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    execution_ms INTEGER NOT NULL,
    applied_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {log} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    revision_id TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL,
    execution_ms INTEGER NOT NULL,
    run_by TEXT NOT NULL
);
"
    )
}

/// SQL for the current UTC time, exposed for offline scripts.
pub(crate) const NOW_SQL: &str = NOW;

/// Steps a statement until it is done, discarding any rows (a script may
/// contain a `SELECT` or a row-returning `PRAGMA`).
fn step_to_end(mut statement: rusqlite::Statement<'_>) -> rusqlite::Result<()> {
    let mut rows = statement.raw_query();
    while rows.next()?.is_some() {}
    Ok(())
}

fn bind(
    statement: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &Value,
) -> rusqlite::Result<()> {
    match value {
        Value::Text(text) => statement.raw_bind_parameter(index, text),
        Value::Int(number) => statement.raw_bind_parameter(index, number),
        Value::Bool(flag) => statement.raw_bind_parameter(index, flag),
        Value::Null => statement.raw_bind_parameter(index, rusqlite::types::Null),
    }
}

/// The byte offset of the first non-whitespace character at or after `from`.
fn next_text(sql: &str, from: usize) -> usize {
    sql[from..]
        .find(|c: char| !c.is_whitespace())
        .map_or(from, |at| from + at)
}

fn statement_error(
    index: usize,
    number: u32,
    unit: &Unit,
    start: usize,
    error: rusqlite::Error,
) -> StatementError {
    let line = u32::try_from(unit.sql[..start].matches('\n').count() + 1).unwrap_or(u32::MAX);
    let rest = &unit.sql[start..];
    let end = rest.find(';').map_or(rest.len(), |at| at + 1);
    let code = error.sqlite_error().map(|e| e.extended_code.to_string());
    let message = match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    };
    StatementError {
        unit: index,
        statement: Some(number),
        line: Some(line),
        sql: rest[..end].trim().to_owned(),
        code,
        message,
    }
}

fn db_error(context: &'static str) -> impl Fn(rusqlite::Error) -> BackendError {
    move |error| BackendError::Database {
        context,
        message: error.to_string(),
    }
}

/// The OS user running the migration, for `applied_by`.
pub(crate) fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}
