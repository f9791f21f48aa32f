//! The plain values the engine hands between its layers: units of SQL and
//! the statements that bind values, the rows that come back, and the
//! history writes that record a revision. Data only, with no dependency on
//! the backends, the history tables or the sequencing that use them, so
//! that those can depend on it and not on each other. How the history
//! tables spell these values (`Status::as_str`, `Value::literal`) is
//! `history`'s business, beside the rest of their SQL.

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

/// One revision's work: its SQL units and the history writes that record
/// it (in the revision's transaction, or after its units for a revision
/// that opted out).
#[derive(Debug, Clone, Default)]
pub struct StepWork {
    /// Its SQL, in order.
    pub units: Vec<Unit>,
    /// Its history writes, committed with its units or, for a revision that
    /// opted out of the transaction, after them.
    pub writes: Vec<HistoryWrite>,
    /// How long its statements wait for a lock another session holds;
    /// `None` leaves the session's setting as it is.
    pub lock_timeout: Option<std::time::Duration>,
}

/// How revisions wait for the locks of the tables they change, held by
/// other sessions (the application's transactions): not retort's own
/// migration lock, which [`MigratorConfig::lock_timeout`] is about.
///
/// A statement that waited `timeout` gives up (SQL Server error 1222,
/// PostgreSQL `55P03`, SQLite `SQLITE_BUSY`) rather than queue behind a
/// long transaction while every reader of the table queues behind it. A
/// transactional revision is then rolled back and run again after a pause,
/// up to `retries` times; one that opted out of the transaction is not,
/// since what ran before the statement stayed.
///
/// [`MigratorConfig::lock_timeout`]: crate::MigratorConfig::lock_timeout
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockWait {
    /// How long a statement waits, unless its revision says
    /// (`-- lock-timeout: 10s`, `LOCK_TIMEOUT`). Default 5 s.
    pub timeout: std::time::Duration,
    /// How many times a transactional revision that gave up is run again.
    /// Default 3.
    pub retries: u32,
    /// The pause before the first retry, doubled before each next one.
    /// Default 1 s.
    pub backoff: std::time::Duration,
}

impl Default for LockWait {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(5),
            retries: 3,
            backoff: std::time::Duration::from_secs(1),
        }
    }
}

impl LockWait {
    /// The pause after the `attempt`-th (1-based) attempt gave up.
    pub fn pause(&self, attempt: u32) -> std::time::Duration {
        self.backoff.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
    }
}

/// One row a query returned, each column as a [`Value`].
pub type Row = Vec<Value>;

/// The state of a row in the state table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Applied and committed.
    Applied,
    /// A non-transactional revision started and has not finished: either it is
    /// running now (impossible while we hold the lock) or its run died.
    Running,
    /// A non-transactional revision failed part-way.
    Failed,
}

/// What a history write does to the event log's `action` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Revisions were applied.
    Upgrade,
    /// Revisions were reverted.
    Downgrade,
    /// Revisions were recorded as applied without running them (`stamp`).
    Stamp,
    /// Revisions were recorded as not applied without running them
    /// (`stamp` to an ancestor).
    Unstamp,
    /// A running or failed non-transactional revision was settled
    /// (`migrate resolve`).
    Resolve,
    /// `migrate repair` recorded a changed file's checksum.
    Repair,
}

/// One change to the history tables.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryWrite {
    /// Replace the revision's state row with one in `status`.
    Put {
        /// The revision's id.
        id: String,
        /// Its compiled checksum (hex SHA-256).
        checksum: String,
        /// Its one-line message.
        message: String,
        /// The state to record.
        status: Status,
        /// The revision's [`Fingerprint`](crate::Fingerprint) in its stored
        /// form, when the write knows the dialect it is for.
        fingerprint: Option<String>,
    },
    /// Record the revision's file as it is now (`migrate repair`): its
    /// checksum, message and fingerprint, keeping when and by whom it was
    /// applied.
    Update {
        /// The revision's id.
        id: String,
        /// Its compiled checksum (hex SHA-256).
        checksum: String,
        /// Its one-line message.
        message: String,
        /// The fingerprint of its statements, in its stored form, when known.
        fingerprint: Option<String>,
    },
    /// Delete the revision's state row.
    Remove {
        /// The revision's id.
        id: String,
    },
    /// Append to the event log.
    Log {
        /// The revision the event is about.
        id: String,
        /// What happened.
        action: Action,
        /// How it ended.
        outcome: Outcome,
        /// A note for people reading the log (the error, the reason given).
        detail: Option<String>,
    },
}

/// How a step ended, for the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It completed.
    Ok,
    /// It failed.
    Failed,
}

/// A value bound to a history statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (also dates and times in their portable forms, and numbers too
    /// large for `i64`).
    Text(String),
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// SQL `NULL`.
    Null,
}

/// One rendered statement and the values its placeholders stand for.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The SQL, with the dialect's placeholders (`?1`, `$1`, `@P1`).
    pub sql: String,
    /// One value per placeholder, in order.
    pub values: Vec<Value>,
}
