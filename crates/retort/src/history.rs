//! What the database remembers: the state table (one row per applied
//! revision) and the append-only event log, and the writes the migrator asks a
//! backend to make to them.
//!
//! The SQL for these writes is built once per dialect by [`render_write`],
//! with a placeholder callback: online runs bind the values as parameters,
//! offline scripts inline them as quoted literals. The SQL text is the same.

use std::fmt;

use crate::dialect::HistoryKind as Kind;
use crate::Dialect;

pub use crate::work::{Action, HistoryWrite, Outcome, Rendered, Status, Value};
use crate::work::Row;

/// What is wrong with the history tables' settings or with what they hold.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// A history schema was configured for a database without schemas
    /// (SQLite).
    #[error(
        "creating the history tables: {reason}, so the history cannot go in `{schema}`: drop \
         --history-schema (or MigratorConfig::history.schema) for this database"
    )]
    NoSchemas {
        /// The schema asked for.
        schema: String,
        /// Why the database cannot hold it.
        reason: String,
    },
    /// A history row lacks a value retort needs, or holds one it does not read.
    #[error("reading the history: {problem}")]
    Unreadable {
        /// What is wrong, naming the revision.
        problem: String,
    },
}

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

impl Status {
    /// The status as the state table stores it: `applied`, `running` or
    /// `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Running => "running",
            Status::Failed => "failed",
        }
    }

    /// Reads a stored status back; `None` for any other text.
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
    /// The revision's id.
    pub id: String,
    /// The recorded checksum in hex (kept as text: a row written by a buggy
    /// or foreign tool must still be reportable).
    pub checksum: String,
    /// Its one-line message when it was applied.
    pub message: String,
    /// Whether it is applied, or a non-transactional revision still
    /// running or failed.
    pub status: Status,
    /// When the row was written, as the database renders its timestamp.
    pub applied_at: String,
    /// How long it took to apply, in milliseconds.
    pub execution_ms: i64,
    /// The database user that applied it.
    pub applied_by: String,
}

impl Action {
    /// The action as the event log stores it (`upgrade`, `stamp`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Upgrade => "upgrade",
            Action::Downgrade => "downgrade",
            Action::Stamp => "stamp",
            Action::Unstamp => "unstamp",
            Action::Resolve => "resolve",
            Action::Repair => "repair",
        }
    }
}

impl HistoryWrite {
    /// The state row of `revision` in `status`, without a fingerprint
    /// (a row that is not `applied` needs none).
    pub fn put(revision: &crate::Revision, status: Status) -> Self {
        HistoryWrite::Put {
            id: revision.id.to_owned(),
            checksum: revision.checksum.to_hex(),
            message: revision.message.to_owned(),
            status,
            fingerprint: None,
        }
    }

    /// The state row of `revision` applied, with its fingerprint in its
    /// stored form (`Fingerprint::to_text`).
    pub fn applied(revision: &crate::Revision, fingerprint: String) -> Self {
        HistoryWrite::Put {
            id: revision.id.to_owned(),
            checksum: revision.checksum.to_hex(),
            message: revision.message.to_owned(),
            status: Status::Applied,
            fingerprint: Some(fingerprint),
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

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
        })
    }
}

impl Value {
    /// The value as an SQL literal, for offline scripts.
    pub fn literal(&self, dialect: Dialect) -> String {
        match self {
            Value::Text(text) => dialect.quote_literal(text),
            Value::Int(number) => number.to_string(),
            Value::Bool(flag) => dialect.bool_literal(*flag).to_owned(),
            Value::Null => "NULL".to_owned(),
        }
    }
}

/// The values every history statement needs besides the write itself, as
/// SQL expressions: when, who, and how long the revision took.
#[derive(Debug, Clone)]
pub struct WriteContext<'a> {
    pub table: &'a HistoryTable,
    pub dialect: Dialect,
    /// SQL for the current timestamp.
    pub now: String,
    /// SQL for the user running the migration.
    pub user: String,
    /// SQL for the elapsed milliseconds of the revision.
    pub elapsed_ms: String,
    /// Whether the state table is known to have its `fingerprint` column:
    /// online it is (the history is ensured first), and in an offline
    /// script except SQLite's, which cannot add the column to a table an
    /// older retort made (see [`ddl`]), so it leaves it out.
    pub fingerprints: bool,
    /// Whether no revision a put writes has a state row yet, so that the
    /// put is one insert without the delete that clears a row left
    /// `running` or `failed` (SQL Server has no upsert). Only a run that
    /// read the history under the migration lock knows it: it stops at any
    /// unsettled row, and the plan applies only revisions without one.
    pub new_rows: bool,
}

impl<'a> WriteContext<'a> {
    /// Writes made online after a revision ran for `elapsed` (measured by
    /// the migrator around the revision's statements).
    pub fn online(dialect: Dialect, table: &'a HistoryTable, elapsed: std::time::Duration) -> Self {
        Self {
            table,
            dialect,
            now: dialect.now().to_owned(),
            // Without database users: the OS account that ran the command.
            user: dialect.current_user().map_or_else(|| dialect.quote_literal(&os_user()), str::to_owned),
            elapsed_ms: elapsed.as_millis().to_string(),
            fingerprints: true,
            new_rows: false,
        }
    }

    /// Writes in an offline script: the server measures the revision where
    /// it can (from the transaction's start on PostgreSQL, from the clock
    /// the revision's prologue starts on SQL Server).
    pub fn offline(dialect: Dialect, table: &'a HistoryTable) -> Self {
        Self {
            table,
            dialect,
            now: dialect.now().to_owned(),
            user: dialect.current_user().map_or_else(|| dialect.quote_literal("offline script"), str::to_owned),
            elapsed_ms: dialect.offline_elapsed_ms().to_owned(),
            fingerprints: !add_fingerprint(dialect, &table.resolved(dialect)).is_empty(),
            new_rows: false,
        }
    }
}

/// The OS user running the migration, for `applied_by` on SQLite.
pub(crate) fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

// ---------------------------------------------------------------------------
// The tables, described once.

struct HistoryColumn {
    name: &'static str,
    kind: Kind,
    nullable: bool,
}

const fn column(name: &'static str, kind: Kind) -> HistoryColumn {
    HistoryColumn { name, kind, nullable: false }
}

/// The state table: one row per applied (or unfinished) revision.
const STATE_COLUMNS: [HistoryColumn; 8] = [
    column("revision_id", Kind::Id),
    column("checksum", Kind::Checksum),
    column("message", Kind::Text),
    column("status", Kind::Word),
    column("applied_at", Kind::Time),
    column("execution_ms", Kind::Millis),
    column("applied_by", Kind::User),
    FINGERPRINT,
];

/// The state table's column that an older retort did not make: [`ddl`]
/// adds it to such a table (SQLite's, [`sqlite_added_column`]).
const FINGERPRINT: HistoryColumn = HistoryColumn { name: "fingerprint", kind: Kind::Text, nullable: true };

/// The append-only event log.
const LOG_COLUMNS: [HistoryColumn; 8] = [
    column("id", Kind::Serial),
    column("revision_id", Kind::Id),
    column("action", Kind::Word),
    column("outcome", Kind::Word),
    HistoryColumn { name: "detail", kind: Kind::Text, nullable: true },
    column("at", Kind::Time),
    column("execution_ms", Kind::Millis),
    column("run_by", Kind::User),
];

/// One column's definition. The key is the state table's `revision_id` and
/// the log's `id`; SQL Server names its constraints (and keeps defaults on
/// the state table for rows written by hand) so that diffs see stable names.
fn column_sql(dialect: Dialect, table_name: &str, column: &HistoryColumn, log: bool) -> String {
    let mut sql = format!("    {} {}", column.name, dialect.history_type(column.kind));
    let serial = column.kind == Kind::Serial;
    // SQLite's INTEGER PRIMARY KEY is the key, and not null, in the type.
    let key_in_type = serial && dialect.identity_is_key();
    if !key_in_type {
        sql.push_str(dialect.nullability(column.nullable));
    }
    if !key_in_type && (serial || (!log && column.kind == Kind::Id)) {
        let suffix = if log { "_log" } else { "" };
        sql.push_str(&dialect.history_key(&format!("PK_{table_name}{suffix}")));
    }
    let default = match column.name {
        "applied_at" => Some(dialect.now()),
        "applied_by" => dialect.current_user(),
        _ => None,
    };
    if let Some(default) = default.filter(|_| dialect.history_defaults() && !log) {
        let name = dialect.quote_ident(&format!("DF_{table_name}_{}", column.name));
        sql.push_str(&dialect.default_clause(&name, default));
    }
    sql
}

impl HistoryTable {
    /// The table with the dialect's default schema made explicit: `dbo` on
    /// SQL Server rather than the login's default schema, so that every
    /// login finds the same tables.
    pub(crate) fn resolved(&self, dialect: Dialect) -> HistoryTable {
        match (dialect.history_schema(), &self.schema) {
            (Some(schema), None) => HistoryTable { schema: Some(schema.to_owned()), name: self.name.clone() },
            _ => self.clone(),
        }
    }
}

/// The history tables' DDL for `dialect`, idempotent: run before every
/// run that writes (on SQL Server only when [`history_probe`] finds
/// something missing), and at the top of every offline script.
pub fn ddl(dialect: Dialect, table: &HistoryTable) -> Result<String, HistoryError> {
    tables_ddl(dialect, table, true)
}

/// The history tables' DDL for a database that has neither table: plain
/// `CREATE TABLE`s, which a server compiles faster than [`ddl`]'s
/// conditions (Babelfish: about 150 ms against 360 ms in a new session).
/// It fails where a table exists; the caller then runs [`ddl`].
pub(crate) fn fresh_ddl(dialect: Dialect, table: &HistoryTable) -> Result<String, HistoryError> {
    tables_ddl(dialect, table, false)
}

fn tables_ddl(dialect: Dialect, table: &HistoryTable, idempotent: bool) -> Result<String, HistoryError> {
    let table = table.resolved(dialect);
    let create = |log: bool| {
        let (name, columns): (String, &[HistoryColumn]) = if log {
            (table.log(dialect), &LOG_COLUMNS)
        } else {
            (table.state(dialect), &STATE_COLUMNS)
        };
        let body = columns
            .iter()
            .map(|column| column_sql(dialect, &table.name, column, log))
            .collect::<Vec<_>>()
            .join(",\n");
        match idempotent {
            true => dialect.create_table_if_missing(&name, &body),
            false => format!("CREATE TABLE {name} (\n{body}\n);\n"),
        }
    };
    let schema = match table.schema.as_deref() {
        None => String::new(),
        Some(schema) => dialect
            .create_schema(schema)
            .map_err(|reason| HistoryError::NoSchemas { schema: schema.to_owned(), reason })?,
    };
    let fingerprint = match idempotent {
        true => add_fingerprint(dialect, &table),
        false => String::new(),
    };
    Ok(format!("{schema}{}{fingerprint}{}", create(false), create(true)))
}

/// Where the dialect has one (SQL Server), a query of one row whose values
/// are all non-NULL when both history tables exist and the state table has
/// every column: then [`ddl`] has nothing to do and need not be sent.
pub(crate) fn history_probe(dialect: Dialect, table: &HistoryTable) -> Option<String> {
    let table = table.resolved(dialect);
    dialect.history_probe(&table.state(dialect), FINGERPRINT.name, &table.log(dialect))
}

/// Adds the `fingerprint` column to a state table that an older retort
/// made, when it has none: a nullable column with no default, which every
/// dialect adds without rewriting the table. The catalog is asked first,
/// since PostgreSQL's `ADD COLUMN IF NOT EXISTS` would still lock the table
/// against every reader on each run. SQLite has no conditional DDL: there
/// the caller asks ([`sqlite_added_column`]), and an offline script for
/// SQLite leaves the column alone.
fn add_fingerprint(dialect: Dialect, table: &HistoryTable) -> String {
    let definition = column_sql(dialect, &table.name, &FINGERPRINT, false);
    dialect.add_column_if_missing(&table.state(dialect), definition.trim(), &fingerprint_probe(dialect, table))
}

/// A query that returns a row when the state table has its `fingerprint`
/// column (and none when it, or the table, does not exist).
pub(crate) fn fingerprint_probe(dialect: Dialect, table: &HistoryTable) -> String {
    let table = table.resolved(dialect);
    dialect.column_probe(&table.state(dialect), &table.name, FINGERPRINT.name)
}

/// SQLite's `ALTER TABLE` that adds the `fingerprint` column, for a table
/// whose [`fingerprint_probe`] found none.
pub(crate) fn sqlite_added_column(table: &HistoryTable) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {}",
        table.state(Dialect::Sqlite),
        column_sql(Dialect::Sqlite, &table.name, &FINGERPRINT, false).trim()
    )
}

/// The most history rows for which Babelfish reads the whole table to find
/// the revisions recorded without a fingerprint ([`missing_fingerprints_sql`]):
/// about half a kilobyte a row, so at most about a megabyte.
pub(crate) const BABELFISH_UNFILTERED_ROWS: usize = 2_000;

/// Rows of `revision_id`, `checksum`, `status` and `fingerprint` that
/// include every applied revision whose row has no fingerprint; the caller
/// keeps those ([`is_missing_fingerprint`]). Every run with work on a
/// database with history sends it. The server filters, except on Babelfish
/// when the history has at most [`BABELFISH_UNFILTERED_ROWS`] rows
/// (`rows`): there a new session compiles any `WHERE` clause for about
/// 100 ms, and the whole table came faster: 2.5 ms against 104 ms filtered
/// with 100 rows, 11 ms against 106–112 ms with 990 (means of 11 new
/// sessions, in a deploy's order of requests). Names quoted as in [`read_sql`]: bare, Babelfish took 139 ms
/// against 97 ms quoted.
pub(crate) fn missing_fingerprints_sql(
    dialect: Dialect,
    flavour: crate::Flavour,
    table: &HistoryTable,
    rows: usize,
) -> String {
    let table = table.resolved(dialect);
    let column = |name: &str| dialect.quote_ident(name);
    let select = format!(
        "SELECT {}, {}, {}, {} FROM {}",
        column("revision_id"),
        column("checksum"),
        column("status"),
        column(FINGERPRINT.name),
        table.state(dialect),
    );
    match flavour == crate::Flavour::Babelfish && rows <= BABELFISH_UNFILTERED_ROWS {
        true => select,
        false => format!(
            "{select} WHERE {} IS NULL AND {} = {}",
            column(FINGERPRINT.name),
            column("status"),
            dialect.quote_literal(Status::Applied.as_str())
        ),
    }
}

/// Whether a row of [`missing_fingerprints_sql`] is an applied revision
/// recorded without a fingerprint.
pub(crate) fn is_missing_fingerprint(row: &Row) -> bool {
    matches!(row.get(2), Some(Value::Text(status)) if status == Status::Applied.as_str())
        && matches!(row.get(3), Some(Value::Null))
}

/// Reads one revision's recorded fingerprint: one row, whose value is
/// NULL when none was recorded, or no row when the revision has none.
pub(crate) fn fingerprint_sql(dialect: Dialect, table: &HistoryTable) -> String {
    let table = table.resolved(dialect);
    format!("SELECT fingerprint FROM {} WHERE revision_id = {}", table.state(dialect), dialect.placeholder(1))
}

/// Reads the state table, oldest first, with `applied_at` as
/// `2026-01-31T12:34:56.789Z` on every dialect (SQL Server's backend reads
/// its `datetime2` so). Every backend answers it with no rows at all when
/// the table does not exist.
pub fn read_sql(dialect: Dialect, table: &HistoryTable) -> String {
    let table = table.resolved(dialect);
    let state = table.state(dialect);
    let column = |name: &str| dialect.quote_ident(name);
    // Quoted names, and an alias only where the column is formatted: a bare
    // name in a select list, and each alias, cost Babelfish's parser about
    // 15 ms in a new session (the read takes 150 ms there unquoted, 70 ms
    // so), and every start-up sends it.
    let applied_at = match dialect.timestamp_text("applied_at") {
        text if text == "applied_at" => column("applied_at"),
        text => format!("{text} AS applied_at_text"),
    };
    // Revisions applied within one millisecond share `applied_at` (SQLite
    // and SQL Server keep milliseconds): SQLite's rowid still says which row
    // was written first; elsewhere the id decides.
    let tie = match dialect.insertion_order() {
        "revision_id" => column("revision_id"),
        other => other.to_owned(),
    };
    let select = format!(
        "SELECT {}, {}, {}, {}, {applied_at}, {}, {} FROM {state} ORDER BY {}, {tie}",
        column("revision_id"),
        column("checksum"),
        column("message"),
        column("status"),
        column("execution_ms"),
        column("applied_by"),
        column("applied_at"),
    );
    dialect.if_table_exists(&state, &select)
}

/// The event log's rows, in the order written: `revision_id`, `action`,
/// `outcome`, `detail` (what `migrate history` reads the sqlcmd variables
/// a revision last ran with from).
pub(crate) fn log_read_sql(dialect: Dialect, table: &HistoryTable) -> String {
    let table = table.resolved(dialect);
    let log = table.log(dialect);
    dialect.if_table_exists(&log, &format!("SELECT revision_id, action, outcome, detail FROM {log} ORDER BY id"))
}

/// From the rows of [`log_read_sql`], the `detail` of each revision's last
/// upgrade that went through (`None` when it recorded none).
pub(crate) fn last_upgrade_details(rows: Vec<Row>) -> std::collections::BTreeMap<String, Option<String>> {
    let mut details = std::collections::BTreeMap::new();
    for row in rows {
        let text = |index: usize| match row.get(index) {
            Some(Value::Text(text)) => Some(text.as_str()),
            _ => None,
        };
        if let (Some(id), Some(action), Some(outcome)) = (text(0), text(1), text(2)) {
            if action == Action::Upgrade.as_str() && outcome == Outcome::Ok.to_string() {
                details.insert(id.to_owned(), text(3).map(str::to_owned));
            }
        }
    }
    details
}

/// The rows of [`read_sql`] as history records.
pub(crate) fn parse_rows(rows: Vec<Row>) -> Result<Vec<AppliedRevision>, HistoryError> {
    let unreadable = |what: &str, id: &str| HistoryError::Unreadable {
        problem: format!("history row {id:?} has no readable {what}"),
    };
    rows.into_iter()
        .map(|row| {
            let text = |index: usize, what: &str| match row.get(index) {
                Some(Value::Text(text)) => Ok(text.clone()),
                _ => Err(unreadable(what, &row.first().map(|v| format!("{v:?}")).unwrap_or_default())),
            };
            let id = text(0, "revision_id")?;
            let status = text(3, "status")?;
            let status = Status::parse(&status).ok_or_else(|| HistoryError::Unreadable {
                problem: format!("revision {id} has an unknown status {status:?}"),
            })?;
            // Typed where the backend read it typed, text where it read text.
            let execution_ms = match row.get(5) {
                Some(Value::Int(ms)) => *ms,
                Some(Value::Text(ms)) => ms.parse().map_err(|_| unreadable("execution_ms", &id))?,
                _ => return Err(unreadable("execution_ms", &id)),
            };
            Ok(AppliedRevision {
                checksum: text(1, "checksum")?,
                message: text(2, "message")?,
                status,
                applied_at: text(4, "applied_at")?,
                execution_ms,
                applied_by: text(6, "applied_by")?,
                id,
            })
        })
        .collect()
}

/// How values appear in rendered history SQL.
#[derive(Debug, Clone, Copy)]
pub enum Placeholders {
    /// The dialect's numbered placeholders, each statement counting from 1
    /// (`?1`, `$1`, `@P1`).
    Numbered(Dialect),
    /// Values inlined as quoted literals, for offline scripts.
    Inline,
}

impl Placeholders {
    /// The dialect's own numbered placeholders, for online writes.
    pub fn of(dialect: Dialect) -> Self {
        Placeholders::Numbered(dialect)
    }
}

struct Binder {
    placeholders: Placeholders,
    dialect: Dialect,
    values: Vec<Value>,
}

impl Binder {
    fn bind(&mut self, value: Value) -> String {
        match self.placeholders {
            // NULL is a keyword, not a value: no parameter carries it, so no
            // server has to guess a NULL parameter's type (Babelfish refuses
            // tiberius's untyped NULL, TDS type 0x1F).
            _ if value == Value::Null => "NULL".to_owned(),
            Placeholders::Inline => value.literal(self.dialect),
            Placeholders::Numbered(dialect) => {
                self.values.push(value);
                dialect.placeholder(self.values.len())
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
            fingerprint,
        } => {
            // Where the table may lack the column (see WriteContext), the
            // row goes without it.
            let (columns, fingerprint_update) = if cx.fingerprints {
                (
                    "revision_id, checksum, message, status, applied_at, execution_ms, applied_by, fingerprint",
                    ", fingerprint = excluded.fingerprint",
                )
            } else {
                ("revision_id, checksum, message, status, applied_at, execution_ms, applied_by", "")
            };
            // Bound last, so that it takes the last placeholder.
            let bind_fingerprint = |b: &mut Binder| match cx.fingerprints {
                true => format!(", {}", b.bind(fingerprint.clone().map_or(Value::Null, Value::Text))),
                false => String::new(),
            };
            if !cx.dialect.has_upsert() {
                // No ON CONFLICT: delete, then insert, in the run's
                // transaction; the insert alone where no row can be there.
                let delete = (!cx.new_rows).then(|| {
                    let delete = format!("DELETE FROM {state} WHERE revision_id = {}", b.bind(Value::Text(id.clone())));
                    b.finish(delete)
                });
                let insert = format!(
                    "INSERT INTO {state} ({columns}) VALUES ({}, {}, {}, {}, {}, {}, {}{})",
                    b.bind(Value::Text(id.clone())),
                    b.bind(Value::Text(checksum.clone())),
                    b.bind(Value::Text(message.clone())),
                    b.bind(Value::Text(status.as_str().to_owned())),
                    cx.now,
                    cx.elapsed_ms,
                    cx.user,
                    bind_fingerprint(&mut b),
                );
                return delete.into_iter().chain([b.finish(insert)]).collect();
            }
            // One statement on PostgreSQL and SQLite (>= 3.24): a row left
            // `running` by a non-transactional revision is updated in place.
            let upsert = format!(
                "INSERT INTO {state} ({columns}) VALUES ({}, {}, {}, {}, {}, {}, {}{}) \
                 ON CONFLICT (revision_id) DO UPDATE SET checksum = excluded.checksum, \
                 message = excluded.message, status = excluded.status, \
                 applied_at = excluded.applied_at, execution_ms = excluded.execution_ms, \
                 applied_by = excluded.applied_by{fingerprint_update}",
                b.bind(Value::Text(id.clone())),
                b.bind(Value::Text(checksum.clone())),
                b.bind(Value::Text(message.clone())),
                b.bind(Value::Text(status.as_str().to_owned())),
                cx.now,
                cx.elapsed_ms,
                cx.user,
                bind_fingerprint(&mut b),
            );
            vec![b.finish(upsert)]
        }
        HistoryWrite::Update {
            id,
            checksum,
            message,
            fingerprint,
        } => {
            let update = format!(
                "UPDATE {state} SET checksum = {}, message = {}, fingerprint = {} WHERE revision_id = {}",
                b.bind(Value::Text(checksum.clone())),
                b.bind(Value::Text(message.clone())),
                b.bind(fingerprint.clone().map_or(Value::Null, Value::Text)),
                b.bind(Value::Text(id.clone())),
            );
            vec![b.finish(update)]
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

    #[test]
    fn babelfish_reads_a_small_history_whole_to_find_missing_fingerprints() {
        let table = HistoryTable::default();
        let sql = |flavour, rows| missing_fingerprints_sql(Dialect::Mssql, flavour, &table, rows);
        let limit = BABELFISH_UNFILTERED_ROWS;
        assert!(!sql(crate::Flavour::Babelfish, limit).contains("WHERE"), "{}", sql(crate::Flavour::Babelfish, limit));
        assert!(sql(crate::Flavour::Babelfish, limit + 1).contains("WHERE [fingerprint] IS NULL"));
        assert!(sql(crate::Flavour::Standard, 1).contains("WHERE [fingerprint] IS NULL AND [status] = N'applied'"));
        let postgres = missing_fingerprints_sql(Dialect::Postgres, crate::Flavour::Standard, &table, 1);
        assert!(postgres.contains("WHERE \"fingerprint\" IS NULL"), "{postgres}");
    }

    #[test]
    fn only_an_applied_row_without_a_fingerprint_is_missing_one() {
        let row = |status: &str, fingerprint: Value| -> Row {
            vec![Value::Text("a1b2".into()), Value::Text("00".into()), Value::Text(status.into()), fingerprint]
        };
        assert!(is_missing_fingerprint(&row("applied", Value::Null)));
        assert!(!is_missing_fingerprint(&row("applied", Value::Text("v1 …".into()))));
        assert!(!is_missing_fingerprint(&row("failed", Value::Null)));
        assert!(!is_missing_fingerprint(&row("applied", Value::Null)[..2].to_vec()));
    }

    fn context(table: &HistoryTable) -> WriteContext<'_> {
        WriteContext::online(Dialect::Postgres, table, std::time::Duration::ZERO)
    }

    /// Revision `a1b2` applied, with `message`.
    fn applied(message: &str) -> HistoryWrite {
        HistoryWrite::Put {
            id: "a1b2".into(),
            checksum: "00".into(),
            message: message.into(),
            status: Status::Applied,
            fingerprint: None,
        }
    }

    #[test]
    fn render_write_binds_every_value_when_online() {
        let table = HistoryTable::default();
        let write = applied("it's");
        let rendered = render_write(
            &write,
            &context(&table),
            Placeholders::of(Dialect::Postgres),
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
    fn a_put_on_sql_server_deletes_first_unless_no_row_can_be_there() {
        let table = HistoryTable::default();
        let write = applied("m");
        let online = WriteContext::online(Dialect::Mssql, &table, std::time::Duration::ZERO);
        let statements = |cx: &WriteContext<'_>| -> Vec<String> {
            render_write(&write, cx, Placeholders::of(Dialect::Mssql)).into_iter().map(|r| r.sql).collect()
        };
        let replacing = statements(&online);
        assert_eq!(replacing.len(), 2, "{replacing:?}");
        assert!(replacing[0].starts_with("DELETE FROM [retort_history] WHERE revision_id = @P1"), "{replacing:?}");
        let inserting = statements(&WriteContext { new_rows: true, ..online.clone() });
        assert_eq!(inserting.len(), 1, "{inserting:?}");
        assert!(inserting[0].starts_with("INSERT INTO [retort_history] ("), "{inserting:?}");
        assert!(inserting[0].contains("VALUES (@P1, @P2, @P3, @P4,"), "numbered from 1 without the delete: {inserting:?}");
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
    #[cfg(feature = "sqlite")]
    #[test]
    fn read_sql_lists_rows_in_the_order_written_when_sqlite_times_tie() {
        let table = HistoryTable::default();
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(&ddl(Dialect::Sqlite, &table).unwrap()).unwrap();
        for id in ["e2c9", "43c3"] {
            db.execute(
                &format!(
                    "INSERT INTO {} (revision_id, checksum, message, status, applied_at, execution_ms, applied_by) \
                     VALUES (?1, '00', 'm', 'applied', '2026-12-01T12:00:00.000Z', 0, 'me')",
                    table.state(Dialect::Sqlite)
                ),
                [id],
            )
            .unwrap();
        }
        let mut statement = db.prepare(&read_sql(Dialect::Sqlite, &table)).unwrap();
        let ids: Vec<String> = statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(ids, ["e2c9", "43c3"]);
    }

    #[test]
    fn ddl_defaults_to_dbo_without_creating_it() {
        let ddl = ddl(Dialect::Mssql, &HistoryTable::default()).unwrap();
        assert!(!ddl.contains("CREATE SCHEMA"), "{ddl}");
        assert!(ddl.starts_with("IF OBJECT_ID(N'[dbo].[retort_history]', N'U') IS NULL\nCREATE TABLE [dbo].[retort_history] ("));
        assert!(ddl.contains("IF OBJECT_ID(N'[dbo].[retort_history_log]', N'U') IS NULL\nCREATE TABLE [dbo].[retort_history_log] ("));
        assert!(ddl.contains("applied_at datetime2(3) NOT NULL CONSTRAINT [DF_retort_history_applied_at] DEFAULT SYSUTCDATETIME()"));
        assert!(ddl.contains("applied_by nvarchar(128) NOT NULL CONSTRAINT [DF_retort_history_applied_by] DEFAULT SUSER_SNAME()"));
    }

    #[test]
    fn ddl_creates_a_configured_schema_through_exec_and_quotes_names() {
        let table = HistoryTable {
            schema: Some("o'ps]".into()),
            name: "hist".into(),
        };
        let ddl = ddl(Dialect::Mssql, &table).unwrap();
        assert!(
            ddl.starts_with("IF SCHEMA_ID(N'o''ps]') IS NULL EXEC(N'CREATE SCHEMA [o''ps]]]');\n"),
            "{ddl}"
        );
        assert!(
            ddl.contains(
                "IF OBJECT_ID(N'[o''ps]]].[hist]', N'U') IS NULL\nCREATE TABLE [o'ps]]].[hist] ("
            ),
            "{ddl}"
        );
        assert!(
            ddl.contains("CONSTRAINT [PK_hist_log] PRIMARY KEY"),
            "{ddl}"
        );
    }

    #[test]
    fn last_upgrade_details_keeps_each_revisions_last_upgrade_that_went_through() {
        let row = |id: &str, action: &str, outcome: &str, detail: Option<&str>| {
            vec![
                Value::Text(id.into()),
                Value::Text(action.into()),
                Value::Text(outcome.into()),
                detail.map_or(Value::Null, |detail| Value::Text(detail.into())),
            ]
        };
        let details = last_upgrade_details(vec![
            row("a1a1", "upgrade", "ok", Some("sqlcmd variables: Env=dev")),
            row("b2b2", "upgrade", "ok", Some("sqlcmd variables: Env=dev")),
            row("a1a1", "downgrade", "ok", None),
            row("a1a1", "upgrade", "ok", Some("sqlcmd variables: Env=prod")),
            row("a1a1", "upgrade", "failed", Some("deadlock")),
            row("b2b2", "upgrade", "ok", None),
        ]);
        assert_eq!(details.get("a1a1"), Some(&Some("sqlcmd variables: Env=prod".to_owned())));
        assert_eq!(details.get("b2b2"), Some(&None));
        assert_eq!(details.len(), 2);
    }

    #[test]
    fn read_sql_is_one_plain_select_on_sql_server() {
        let sql = read_sql(Dialect::Mssql, &HistoryTable::default());
        assert_eq!(
            sql,
            "SELECT [revision_id], [checksum], [message], [status], [applied_at], [execution_ms], [applied_by] \
             FROM [dbo].[retort_history] ORDER BY [applied_at], [revision_id]"
        );
    }

    #[test]
    fn ddl_describes_the_same_columns_on_every_dialect() {
        for dialect in Dialect::ALL {
            let ddl = ddl(dialect, &HistoryTable::default()).unwrap();
            for column in STATE_COLUMNS.iter().chain(&LOG_COLUMNS) {
                assert!(ddl.contains(&format!("    {} ", column.name)), "{dialect}: {}\n{ddl}", column.name);
            }
        }
        let sqlite = ddl(Dialect::Sqlite, &HistoryTable::default()).unwrap();
        assert!(sqlite.contains("    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"), "{sqlite}");
        assert!(sqlite.contains("    revision_id TEXT NOT NULL PRIMARY KEY,\n"), "{sqlite}");
        assert!(sqlite.contains("    detail TEXT,\n"), "{sqlite}");
        let postgres = ddl(Dialect::Postgres, &HistoryTable { schema: Some("ops".into()), name: "h".into() }).unwrap();
        assert!(postgres.starts_with("CREATE SCHEMA IF NOT EXISTS \"ops\";\nCREATE TABLE IF NOT EXISTS \"ops\".\"h\" (\n"), "{postgres}");
        assert!(postgres.contains("    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL PRIMARY KEY,\n"), "{postgres}");
    }

    #[test]
    fn ddl_refuses_a_schema_on_sqlite() {
        let error = ddl(Dialect::Sqlite, &HistoryTable { schema: Some("ops".into()), name: "h".into() }).unwrap_err();
        assert!(error.to_string().contains("SQLite has no schemas"), "{error}");
    }
}
