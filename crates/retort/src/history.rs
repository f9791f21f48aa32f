//! What the database remembers: the state table (one row per applied
//! revision) and the append-only event log, and the writes the migrator asks a
//! backend to make to them.
//!
//! The SQL for these writes is built once per dialect by [`render_write`],
//! with a placeholder callback: online runs bind the values as parameters,
//! offline scripts inline them as quoted literals. The SQL text is the same.

use std::fmt;

use crate::Dialect;

/// Where the history lives: `<schema>.<name>` for the state table and
/// `<schema>.<name>_log` for the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    /// The schema, or `None` for the connection's default (SQLite has none).
    pub schema: Option<String>,
    /// The state table's name; the log is this name with `_log` appended.
    pub name: String,
}

impl Default for HistoryTable {
    fn default() -> Self {
        Self {
            schema: None,
            name: "retort_history".to_owned(),
        }
    }
}

impl HistoryTable {
    /// The quoted, schema-qualified state table.
    pub fn state(&self, dialect: Dialect) -> String {
        dialect.quote_qualified(self.schema.as_deref(), &self.name)
    }

    /// The quoted, schema-qualified event log.
    pub fn log(&self, dialect: Dialect) -> String {
        dialect.quote_qualified(self.schema.as_deref(), &format!("{}_log", self.name))
    }

    /// The unquoted state table name, for messages.
    pub fn display_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

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

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Running => "running",
            Status::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "applied" => Some(Status::Applied),
            "running" => Some(Status::Running),
            "failed" => Some(Status::Failed),
            _ => None,
        }
    }
}

/// One row of the state table as read back.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AppliedRevision {
    pub id: String,
    /// The recorded checksum in hex (kept as text: a row written by a buggy
    /// or foreign tool must still be reportable).
    pub checksum: String,
    pub message: String,
    pub status: Status,
    /// When the row was written, as the database renders its timestamp.
    pub applied_at: String,
    pub execution_ms: i64,
    pub applied_by: String,
}

/// What a history write does to the event log's `action` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Upgrade,
    Downgrade,
    Stamp,
    Unstamp,
    Resolve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Upgrade => "upgrade",
            Action::Downgrade => "downgrade",
            Action::Stamp => "stamp",
            Action::Unstamp => "unstamp",
            Action::Resolve => "resolve",
        }
    }
}

/// One change to the history tables.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryWrite {
    /// Replace the revision's state row with one in `status`.
    Put {
        id: String,
        checksum: String,
        message: String,
        status: Status,
    },
    /// Delete the revision's state row.
    Remove { id: String },
    /// Append to the event log.
    Log {
        id: String,
        action: Action,
        outcome: Outcome,
        detail: Option<String>,
    },
}

impl HistoryWrite {
    /// The state row of `revision` in `status`.
    pub fn put(revision: &crate::Revision, status: Status) -> Self {
        HistoryWrite::Put {
            id: revision.id.to_owned(),
            checksum: revision.checksum.to_hex(),
            message: revision.message.to_owned(),
            status,
        }
    }

    /// An event-log entry.
    pub fn log(id: &str, action: Action, outcome: Outcome, detail: Option<String>) -> Self {
        HistoryWrite::Log {
            id: id.to_owned(),
            action,
            outcome,
            detail,
        }
    }
}

/// The history writes that record a revision run in `direction` as done:
/// its state row (put or removed) and its event-log entry. Online runs
/// commit them with the revision; offline scripts inline them.
pub fn step_writes(revision: &crate::Revision, direction: crate::Direction) -> [HistoryWrite; 2] {
    let (action, done) = match direction {
        crate::Direction::Up => (Action::Upgrade, HistoryWrite::put(revision, Status::Applied)),
        crate::Direction::Down => (Action::Downgrade, HistoryWrite::Remove { id: revision.id.to_owned() }),
    };
    [done, HistoryWrite::log(revision.id, action, Outcome::Ok, None)]
}

/// How a step ended, for the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
        })
    }
}

/// A value bound to a history statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Bool(bool),
    Null,
}

impl Value {
    /// The value as an SQL literal, for offline scripts.
    pub fn literal(&self, dialect: Dialect) -> String {
        match self {
            Value::Text(text) => dialect.quote_literal(text),
            Value::Int(number) => number.to_string(),
            Value::Bool(flag) => match (dialect, flag) {
                (Dialect::Postgres, true) => "TRUE".to_owned(),
                (Dialect::Postgres, false) => "FALSE".to_owned(),
                (_, true) => "1".to_owned(),
                (_, false) => "0".to_owned(),
            },
            Value::Null => "NULL".to_owned(),
        }
    }
}

/// The values every history statement needs besides the write itself, and
/// which the backend knows: who is running, and how long the run took when
/// the client measured it (PostgreSQL measures it server-side instead).
#[derive(Debug, Clone)]
pub struct WriteContext<'a> {
    pub table: &'a HistoryTable,
    pub dialect: Dialect,
    /// SQL for the current timestamp.
    pub now: &'a str,
    /// SQL for the user running the migration.
    pub user: &'a str,
    /// SQL for the elapsed milliseconds of the run.
    pub elapsed_ms: &'a str,
}

/// How values appear in rendered history SQL.
#[derive(Debug, Clone, Copy)]
pub enum Placeholders {
    /// Numbered placeholders, each statement counting from 1 (`?1`, `$1`, `@P1`).
    Numbered(fn(usize) -> String),
    /// Values inlined as quoted literals, for offline scripts.
    Inline,
}

/// One rendered statement and the values its placeholders stand for.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub sql: String,
    pub values: Vec<Value>,
}

struct Binder {
    placeholders: Placeholders,
    dialect: Dialect,
    values: Vec<Value>,
}

impl Binder {
    fn bind(&mut self, value: Value) -> String {
        match self.placeholders {
            Placeholders::Inline => value.literal(self.dialect),
            Placeholders::Numbered(placeholder) => {
                self.values.push(value);
                placeholder(self.values.len())
            }
        }
    }

    fn finish(&mut self, sql: String) -> Rendered {
        Rendered {
            sql,
            values: std::mem::take(&mut self.values),
        }
    }
}

/// Renders one history write as SQL statements.
pub fn render_write(
    write: &HistoryWrite,
    cx: &WriteContext<'_>,
    placeholders: Placeholders,
) -> Vec<Rendered> {
    let mut b = Binder {
        placeholders,
        dialect: cx.dialect,
        values: Vec::new(),
    };
    let state = cx.table.state(cx.dialect);
    match write {
        HistoryWrite::Put {
            id,
            checksum,
            message,
            status,
        } => {
            let columns =
                "revision_id, checksum, message, status, applied_at, execution_ms, applied_by";
            if cx.dialect == Dialect::Mssql {
                // SQL Server has no ON CONFLICT: delete, then insert, in the
                // run's transaction.
                let delete = format!(
                    "DELETE FROM {state} WHERE revision_id = {}",
                    b.bind(Value::Text(id.clone()))
                );
                let delete = b.finish(delete);
                let insert = format!(
                    "INSERT INTO {state} ({columns}) VALUES ({}, {}, {}, {}, {}, {}, {})",
                    b.bind(Value::Text(id.clone())),
                    b.bind(Value::Text(checksum.clone())),
                    b.bind(Value::Text(message.clone())),
                    b.bind(Value::Text(status.as_str().to_owned())),
                    cx.now,
                    cx.elapsed_ms,
                    cx.user,
                );
                return vec![delete, b.finish(insert)];
            }
            // One statement on PostgreSQL and SQLite (>= 3.24): a row left
            // `running` by a non-transactional revision is updated in place.
            let upsert = format!(
                "INSERT INTO {state} ({columns}) VALUES ({}, {}, {}, {}, {}, {}, {}) \
                 ON CONFLICT (revision_id) DO UPDATE SET checksum = excluded.checksum, \
                 message = excluded.message, status = excluded.status, \
                 applied_at = excluded.applied_at, execution_ms = excluded.execution_ms, \
                 applied_by = excluded.applied_by",
                b.bind(Value::Text(id.clone())),
                b.bind(Value::Text(checksum.clone())),
                b.bind(Value::Text(message.clone())),
                b.bind(Value::Text(status.as_str().to_owned())),
                cx.now,
                cx.elapsed_ms,
                cx.user,
            );
            vec![b.finish(upsert)]
        }
        HistoryWrite::Remove { id } => {
            let delete = format!(
                "DELETE FROM {state} WHERE revision_id = {}",
                b.bind(Value::Text(id.clone()))
            );
            vec![b.finish(delete)]
        }
        HistoryWrite::Log {
            id,
            action,
            outcome,
            detail,
        } => {
            let log = cx.table.log(cx.dialect);
            let insert = format!(
                "INSERT INTO {log} (revision_id, action, outcome, detail, at, execution_ms, run_by) \
                 VALUES ({}, {}, {}, {}, {}, {}, {})",
                b.bind(Value::Text(id.clone())),
                b.bind(Value::Text(action.as_str().to_owned())),
                b.bind(Value::Text(outcome.to_string())),
                b.bind(detail.clone().map_or(Value::Null, Value::Text)),
                cx.now,
                cx.elapsed_ms,
                cx.user,
            );
            vec![b.finish(insert)]
        }
    }
}

/// Renders writes with every value inlined as a literal, for offline scripts.
pub fn render_inline(writes: &[HistoryWrite], cx: &WriteContext<'_>) -> Vec<String> {
    writes
        .iter()
        .flat_map(|write| render_write(write, cx, Placeholders::Inline))
        .map(|rendered| rendered.sql)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(table: &HistoryTable) -> WriteContext<'_> {
        WriteContext {
            table,
            dialect: Dialect::Postgres,
            now: "now()",
            user: "current_user",
            elapsed_ms: "0",
        }
    }

    #[test]
    fn render_write_binds_every_value_when_online() {
        let table = HistoryTable::default();
        let write = HistoryWrite::Put {
            id: "a1b2".into(),
            checksum: "00".into(),
            message: "it's".into(),
            status: Status::Applied,
        };
        let rendered = render_write(
            &write,
            &context(&table),
            Placeholders::Numbered(|n| format!("${n}")),
        );
        assert_eq!(rendered.len(), 1, "one upsert on PostgreSQL");
        assert_eq!(rendered[0].values.len(), 4);
        assert!(
            rendered[0].sql.contains("VALUES ($1, $2, $3, $4, now()"),
            "{}",
            rendered[0].sql
        );
        assert!(
            !rendered[0].sql.contains("it's"),
            "values must not be pasted: {}",
            rendered[0].sql
        );
    }

    #[test]
    fn render_inline_quotes_literals_when_offline() {
        let table = HistoryTable {
            schema: Some("ops".into()),
            name: "hist".into(),
        };
        let write = HistoryWrite::Log {
            id: "a1b2".into(),
            action: Action::Upgrade,
            outcome: Outcome::Ok,
            detail: Some("it's".into()),
        };
        let sql = render_inline(&[write], &context(&table));
        assert_eq!(
            sql,
            ["INSERT INTO \"ops\".\"hist_log\" (revision_id, action, outcome, detail, at, execution_ms, run_by) \
              VALUES ('a1b2', 'upgrade', 'ok', 'it''s', now(), 0, current_user)"]
        );
    }
}
