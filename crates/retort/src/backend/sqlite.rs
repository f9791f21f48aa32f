//! SQLite, through rusqlite with the bundled library: the embedded default.
//!
//! The migration lock is an exclusive OS file lock on `<database>.retort-lock`
//! beside the database file: unlike a write transaction it can be held while
//! each revision commits on its own, and the OS releases it when the process
//! dies, so a killed migrator never leaves it held.

use std::borrow::Borrow;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::ValueRef;
use rusqlite::{Batch, Connection, OpenFlags};

use super::split;
use super::{Attach, Backend, BackendError, Row, RunError, Session, StatementError, Unit};
use crate::database_url::DatabaseUrl;
use crate::history::{HistoryTable, Rendered, Value};
use crate::Dialect;

/// A connection to one SQLite database file (or an in-memory database):
/// retort's own (`C` = [`Connection`]), or the application's, borrowed
/// ([`Attach`] for `rusqlite::Connection`).
pub struct SqliteBackend<C = Connection> {
    conn: C,
    path: Option<PathBuf>,
    lock: Option<File>,
    /// Whether `begin` paused foreign key enforcement, to restore it after.
    paused_foreign_keys: bool,
    /// Opened read-only ([`SqliteBackend::open_read_only`]): transactions
    /// only read, and foreign keys are never paused.
    read_only: bool,
    /// The application's connection's busy timeout, to put back on detach
    /// (`None`: retort's own connection).
    attached_busy_timeout: Option<i64>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database a `sqlite:` URL names, and its
    /// parent folder.
    pub fn open(url: &DatabaseUrl) -> Result<Self, BackendError> {
        Self::open_with(url, true)
    }

    /// Opens the database a `sqlite:` URL names for reading and writing
    /// only if its file exists: what a command that inspects or reverts a
    /// database uses, so that a mistyped path is an error instead of a
    /// new, empty database (and folders) at that path.
    pub fn open_existing(url: &DatabaseUrl) -> Result<Self, BackendError> {
        Self::open_with(url, false)
    }

    fn open_with(url: &DatabaseUrl, create: bool) -> Result<Self, BackendError> {
        let path = url.sqlite_path();
        let connect_error = |message: String| BackendError::Connect {
            url: url.to_string(),
            message,
        };
        let conn = match &path {
            Some(path) if create => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        connect_error(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
                Connection::open(path).map_err(|e| connect_error(e.to_string()))?
            }
            Some(path) => {
                if !path.is_file() {
                    return Err(connect_error(format!(
                        "{} does not exist, and nothing was created: check the path, or create the database with \
                         `migrate upgrade` first",
                        path.display()
                    )));
                }
                // Connection::open's flags without SQLITE_OPEN_CREATE: a file
                // removed since the check above is an error, not a new file.
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                Connection::open_with_flags(path, flags).map_err(|e| connect_error(e.to_string()))?
            }
            None => Connection::open_in_memory().map_err(|e| connect_error(e.to_string()))?,
        };
        // Another connection (the application, a second migrator before it
        // reaches the lock) may hold a write transaction briefly: wait for it.
        // A revision's lock timeout resets to this (`Facts::reset_lock_timeout`).
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(|e| connect_error(e.to_string()))?;
        Ok(Self {
            conn,
            path,
            lock: None,
            paused_foreign_keys: false,
            read_only: false,
            attached_busy_timeout: None,
        })
    }

    /// Opens an existing database file read-only: SQLite's `mode=ro` (the
    /// `SQLITE_OPEN_READ_ONLY` flag, which is what the URI parameter sets,
    /// without percent-encoding the path into a URI), and `query_only` on
    /// top, so that no statement on this connection can write. Nothing is
    /// created: not the file, not its folder.
    pub fn open_read_only(url: &DatabaseUrl) -> Result<Self, BackendError> {
        let connect_error = |message: String| BackendError::Connect { url: url.to_string(), message };
        let path = url
            .sqlite_path()
            .ok_or_else(|| connect_error("an in-memory database is empty: there is nothing to read".to_owned()))?;
        if !path.is_file() {
            return Err(connect_error(format!("{} does not exist", path.display())));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| connect_error(e.to_string()))?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(|e| connect_error(e.to_string()))?;
        conn.execute_batch("PRAGMA query_only = ON").map_err(|e| connect_error(e.to_string()))?;
        Ok(Self {
            conn,
            path: Some(path),
            lock: None,
            paused_foreign_keys: false,
            read_only: true,
            attached_busy_timeout: None,
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
}

impl<C: Borrow<Connection>> SqliteBackend<C> {
    /// The underlying connection, for tests and seed code.
    pub fn connection(&self) -> &Connection {
        self.conn()
    }

    fn conn(&self) -> &Connection {
        Borrow::<Connection>::borrow(&self.conn)
    }

    fn lock_path(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        let mut name = path.file_name()?.to_os_string();
        name.push(".retort-lock");
        Some(path.with_file_name(name))
    }

    /// Runs one unit statement by statement, so that a failure can name the
    /// statement and its line.
    fn run_unit(&self, unit: &Unit) -> Result<(), StatementError> {
        let mut batch = Batch::new(self.conn(), &unit.sql);
        let mut searched_to = 0usize;
        let mut number = 0u32;
        loop {
            let statement = match batch.next() {
                Ok(Some(statement)) => statement,
                Ok(None) => return Ok(()),
                Err(error) => {
                    // A statement that does not even prepare (a syntax
                    // error): it is the next one the tokenizer finds.
                    let rest = &unit.sql[searched_to..];
                    let (start, end) = split::split(Dialect::Sqlite, rest)
                        .first()
                        .map_or((rest.len(), rest.len()), |piece| (piece.start, piece.end));
                    return Err(statement_error(number + 1, unit, searched_to + start, searched_to + end, error));
                }
            };
            number += 1;
            // SQLite's text of a statement starts where the previous one
            // ended: comments before it included.
            let text = statement.expanded_sql().unwrap_or_default();
            let found = unit.sql[searched_to..].find(text.as_str()).map_or(searched_to, |at| searched_to + at);
            let end = (found + text.len()).min(unit.sql.len());
            let start = split::skip_trivia(Dialect::Sqlite, &unit.sql, found).min(end);
            searched_to = end;
            if let Err(error) = step_to_end(statement) {
                return Err(statement_error(number, unit, start, end, error));
            }
        }
    }

    fn rollback_open(&self) {
        if !self.conn().is_autocommit() {
            // The error that brought us here is what the user needs; a failed
            // rollback only means there was nothing left to roll back.
            let _ = self.conn().execute_batch(Dialect::Sqlite.rollback());
        }
    }

    fn restore_foreign_keys(&mut self) -> Result<(), BackendError> {
        if std::mem::take(&mut self.paused_foreign_keys) {
            self.conn().execute_batch("PRAGMA foreign_keys = ON").map_err(db_error("restoring foreign keys"))?;
        }
        Ok(())
    }

    /// Pauses foreign key enforcement when it is on. Table rebuilds drop and
    /// recreate tables: with foreign keys enforced, dropping `users` would
    /// cascade-delete every todo. The pragma cannot change inside a
    /// transaction, so it goes off before `BEGIN`, and `commit` checks the
    /// keys instead.
    fn pause_foreign_keys(&mut self) -> Result<(), BackendError> {
        let enforced = self
            .conn()
            .query_row("PRAGMA foreign_keys", [], |row| row.get::<_, bool>(0))
            .map_err(db_error("reading PRAGMA foreign_keys"))?;
        if enforced {
            self.conn().execute_batch("PRAGMA foreign_keys = OFF").map_err(db_error("pausing foreign keys"))?;
            self.paused_foreign_keys = true;
        }
        Ok(())
    }

    /// The first row that breaks a foreign key, described, if any.
    fn foreign_key_violation(&self) -> Result<Option<String>, BackendError> {
        let mut statement = self
            .conn()
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

    fn prepared(&self, rendered: &Rendered) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        let mut statement = self.conn().prepare_cached(&rendered.sql)?;
        for (i, value) in rendered.values.iter().enumerate() {
            bind(&mut statement, i + 1, value)?;
        }
        Ok(statement)
    }
}

impl<C: Borrow<Connection>> Session for SqliteBackend<C> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn catalog(&self) -> Option<&dyn crate::op::CatalogSource> {
        Some(self.conn())
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
        let try_once = || {
            std::future::ready(match file.try_lock() {
                Ok(()) => Ok(true),
                Err(std::fs::TryLockError::WouldBlock) => Ok(false),
                Err(std::fs::TryLockError::Error(e)) => Err(BackendError::Database {
                    context: "locking the lock file",
                    message: e.to_string(),
                }),
            })
        };
        let holder = || std::future::ready(format!("a process holding {}", lock_path.display()));
        super::lock::poll(self.describe(), timeout, try_once, holder).await?;
        self.lock = Some(file);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), BackendError> {
        // Dropping the file releases the OS lock.
        self.lock = None;
        Ok(())
    }

    async fn begin(&mut self) -> Result<(), BackendError> {
        if self.read_only {
            // A deferred transaction that only reads: one snapshot of the
            // file for everything read until `commit`.
            return self.conn().execute_batch("BEGIN DEFERRED").map_err(db_error("starting a read transaction"));
        }
        self.pause_foreign_keys()?;
        if let Err(error) = self.conn().execute_batch("BEGIN IMMEDIATE") {
            self.restore_foreign_keys()?;
            // Another connection writes: the busy timeout (the revision's
            // lock timeout) ran out, and the revision can be run again.
            if let Some(code) = error.sqlite_error().filter(|e| e.code == rusqlite::ErrorCode::DatabaseBusy) {
                return Err(BackendError::LockNotAvailable {
                    statement: "BEGIN IMMEDIATE",
                    code: code.extended_code.to_string(),
                    message: error.to_string(),
                });
            }
            return Err(db_error("starting a transaction")(error));
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), RunError> {
        if self.paused_foreign_keys {
            if let Some(violation) = self.foreign_key_violation()? {
                return Err(RunError::Statement(StatementError {
                    unit: 0,
                    statement: None,
                    line: None,
                    sql: "PRAGMA foreign_key_check".to_owned(),
                    code: None,
                    message: format!("the revision leaves rows that break a foreign key: {violation}"),
                }));
            }
        }
        self.conn().execute_batch(Dialect::Sqlite.commit()).map_err(db_error("committing"))?;
        self.restore_foreign_keys()?;
        Ok(())
    }

    async fn rollback(&mut self) {
        self.rollback_open();
        if let Err(error) = self.restore_foreign_keys() {
            tracing::warn!(%error, "could not turn foreign keys back on after a rollback");
        }
    }

    async fn execute(&mut self, unit: &Unit) -> Result<(), RunError> {
        // Outside a transaction (a revision that opted out) enforcement is
        // paused around the unit, as `begin` does around a transaction.
        let outside = self.conn().is_autocommit();
        if outside {
            self.pause_foreign_keys()?;
        }
        let result = self.run_unit(unit).map_err(RunError::Statement);
        if outside {
            self.restore_foreign_keys()?;
        }
        result
    }

    async fn execute_bound(&mut self, statements: &[Rendered]) -> Result<(), RunError> {
        for (index, rendered) in statements.iter().enumerate() {
            let result = self.prepared(rendered).and_then(|mut statement| {
                let mut rows = statement.raw_query();
                while rows.next()?.is_some() {}
                Ok(())
            });
            if let Err(error) = result {
                let unit = Unit::sql(rendered.sql.clone(), format!("statement {}", index + 1));
                let end = unit.sql.len();
                return Err(RunError::Statement(statement_error(1, &unit, 0, end, error)).in_unit(index));
            }
        }
        Ok(())
    }

    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Option<Vec<Row>>, BackendError> {
        let rendered = Rendered { sql: sql.to_owned(), values: values.to_vec() };
        let mut statement = match self.prepared(&rendered) {
            Ok(statement) => statement,
            // A fresh database: the history table is not there yet.
            Err(rusqlite::Error::SqliteFailure(_, Some(message))) if message.starts_with("no such table") => return Ok(None),
            Err(error) => return Err(db_error("querying")(error)),
        };
        let columns = statement.column_count();
        let mut rows = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_error("querying"))? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(match row.get_ref(index).map_err(db_error("querying"))? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Real(x) => Value::Text(x.to_string()),
                    ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
                    ValueRef::Blob(bytes) => Value::Text(bytes.iter().map(|b| format!("{b:02x}")).collect()),
                });
            }
            out.push(values);
        }
        Ok(Some(out))
    }
}

impl<C: Borrow<Connection>> Backend for SqliteBackend<C> {
    async fn introspect(&mut self, history: &HistoryTable) -> Result<crate::schema::SchemaSnapshot, BackendError> {
        super::sqlite_introspect::introspect(self.conn(), history)
    }
}

impl<'c> SqliteBackend<&'c mut Connection> {
    /// A session over the application's connection, noting its busy
    /// timeout (which revisions' lock timeouts change) to put it back.
    /// Refused when the connection has a transaction open.
    async fn attach(conn: &'c mut Connection) -> Result<Self, BackendError> {
        let path = conn.path().filter(|path| !path.is_empty()).map(PathBuf::from);
        let busy = conn.query_row("PRAGMA busy_timeout", [], |row| row.get::<_, i64>(0)).map_err(db_error("reading PRAGMA busy_timeout"))?;
        let backend = Self { conn, path, lock: None, paused_foreign_keys: false, read_only: false, attached_busy_timeout: Some(busy) };
        if !backend.conn().is_autocommit() {
            return Err(BackendError::TransactionOpen { database: backend.describe() });
        }
        Ok(backend)
    }

    /// Gives the connection back: no transaction open, foreign keys as
    /// they were, the lock file released, the busy timeout the
    /// application had.
    async fn detach(mut self) -> Result<(), BackendError> {
        self.rollback().await;
        self.unlock().await?;
        if let Some(busy) = self.attached_busy_timeout {
            let busy = Duration::from_millis(u64::try_from(busy).unwrap_or(0));
            self.conn().busy_timeout(busy).map_err(db_error("restoring the busy timeout"))?;
        }
        Ok(())
    }
}

/// The application's `rusqlite::Connection`: revisions run on it, under
/// the lock file beside its database (none for an in-memory database).
impl<'c> Attach for &'c mut Connection {
    type Session = SqliteBackend<&'c mut Connection>;

    async fn attach(self) -> Result<Self::Session, BackendError> {
        SqliteBackend::attach(self).await
    }

    async fn detach(session: Self::Session) -> Result<(), BackendError> {
        session.detach().await
    }
}

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

/// The error of statement `number` of `unit`, which spans bytes
/// `start..end` of its text.
fn statement_error(number: u32, unit: &Unit, start: usize, end: usize, error: rusqlite::Error) -> StatementError {
    let code = error.sqlite_error().map(|e| e.extended_code.to_string());
    let message = match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    };
    StatementError {
        unit: 0,
        statement: Some(number),
        line: Some(split::line_at(&unit.sql, start)),
        sql: unit.sql[start..end.max(start)].trim().to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_existing_fails_without_creating_anything_when_the_file_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ghost/sub/typo.db");
        let url = DatabaseUrl::sqlite_file(&path);
        let error = SqliteBackend::open_existing(&url).err().expect("a missing file is an error").to_string();
        assert!(error.contains("typo.db does not exist") && error.contains("nothing was created"), "{error}");
        assert!(!dir.path().join("ghost").exists(), "no folder was created");
        // The same URL opens once the file exists, and writes.
        SqliteBackend::open(&url).unwrap();
        let existing = SqliteBackend::open_existing(&url).unwrap();
        existing.connection().execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
    }
}
