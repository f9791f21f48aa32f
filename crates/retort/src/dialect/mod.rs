//! The SQL dialects retort speaks, and every fact that differs between them.
//!
//! [`Dialect`] and [`Flavour`] are the public face. Each dialect's facts
//! live in one file, `sqlite.rs`, `postgres.rs` and `mssql.rs`, as an
//! implementation of [`Facts`], whose provided methods say what standard
//! SQL says and which a dialect overrides where it differs (Alembic's
//! `DefaultImpl` and its per-dialect subclasses). The rest of the crate asks
//! the [`Dialect`] (`dialect.quote_ident(..)`, `dialect.placeholder(n)`,
//! `dialect.literal(..)`, `dialect.type_sql(..)`, `dialect.portable_type(..)`,
//! `dialect.begin()`, ...) and does not match on it for a fact;
//! ARCHITECTURE.md lists the few places that still match, and why. A new
//! dialect is one file here, its operation renderer (`op/render/`) and its
//! backend.
//!
//! The values the facts speak of live here too, so that this module
//! depends on no other: the portable column [`Type`]s (`types.rs`), typed
//! [`Literal`]s (`literal.rs`) and the [`Kind`]s of value a copy moves
//! (`kind.rs`).

#[cfg(any(feature = "cli", feature = "testing"))]
mod kind;
mod literal;
mod mssql;
pub(crate) mod naming;
mod postgres;
mod sqlite;
mod types;

use std::fmt;

#[cfg(any(feature = "cli", feature = "testing"))]
pub use kind::Kind;
use literal::is_decimal;
pub use literal::Literal;
// SQL Server's catalog reading (its backend, and baseline's module list)
// shares these with its dialect facts.
#[cfg(any(feature = "mssql", test))]
pub(crate) use mssql::catalog_type as mssql_catalog_type;
#[cfg(feature = "mssql")]
pub(crate) use mssql::DEFAULT_SCHEMA as MSSQL_DEFAULT_SCHEMA;
pub use types::Type;

/// A database family with its own SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// SQLite 3.35 or later (the bundled library, through rusqlite).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// SQL Server, and Babelfish for PostgreSQL, which speaks its protocol
    /// and T-SQL ([`Flavour`] tells them apart).
    Mssql,
}

impl Dialect {
    /// Every dialect, in a fixed order (for tests and snapshots).
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mssql];

    /// The dialect's facts: the one place that tells the dialects apart.
    fn facts(self) -> &'static dyn Facts {
        match self {
            Dialect::Sqlite => &sqlite::Sqlite,
            Dialect::Postgres => &postgres::Postgres,
            Dialect::Mssql => &mssql::Mssql,
        }
    }

    /// The short lowercase name used in URLs, snapshot suffixes and messages.
    pub fn name(self) -> &'static str {
        self.facts().name()
    }

    /// Quotes an identifier: `[name]` with `]]` escaping on SQL Server,
    /// `"name"` with `""` escaping on PostgreSQL and SQLite. This is the only
    /// way identifiers enter generated SQL.
    pub fn quote_ident(self, name: &str) -> String {
        self.facts().quote_ident(name)
    }

    /// Quotes a possibly schema-qualified name (`schema.table`), each part on its own.
    pub fn quote_qualified(self, schema: Option<&str>, name: &str) -> String {
        match schema {
            Some(schema) => format!("{}.{}", self.quote_ident(schema), self.quote_ident(name)),
            None => self.quote_ident(name),
        }
    }

    /// Renders a string literal for offline scripts, where there is no
    /// connection to carry parameters. Single quotes are doubled; SQL Server
    /// gets an `N` prefix so Unicode survives. Online execution never uses
    /// this: values go in as parameters there.
    pub fn quote_literal(self, value: &str) -> String {
        self.facts().quote_text(value)
    }

    /// The placeholder of a statement's `n`th (1-based) parameter: `?1`,
    /// `$1` or `@P1`.
    pub fn placeholder(self, n: usize) -> String {
        self.facts().placeholder(n)
    }

    /// The SQL text of a typed value, or why it has none (a float that is
    /// not a number, a decimal that is not digits).
    pub fn literal(self, value: &Literal) -> Result<String, String> {
        Ok(match value {
            Literal::Null => "NULL".to_owned(),
            Literal::Bool(value) => self.facts().bool_literal(*value).to_owned(),
            Literal::Int(value) => value.to_string(),
            Literal::Float(value) if value.is_finite() => format!("{value:?}"),
            Literal::Float(value) => return Err(format!("{value} is not a number SQL can store")),
            Literal::Decimal(text) if is_decimal(text) => text.clone(),
            Literal::Decimal(text) => {
                return Err(format!(
                    "{text:?} is not a decimal: use digits with an optional sign and point, like \"-12.50\""
                ))
            }
            Literal::Text(text) => self.quote_literal(text),
            Literal::Bytes(bytes) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                self.facts().bytes_literal(&hex)
            }
        })
    }

    /// The type's name in this dialect, or `None` for a native type the
    /// dialect has no spelling for.
    pub fn type_sql(self, ty: &Type) -> Option<String> {
        self.facts().type_sql(ty)
    }

    /// The portable type that a column the catalog spells `spelled` has:
    /// one that renders (on this dialect and server) to a column the
    /// catalog spells the same way, or `None` where no portable type does
    /// (`varchar(20)` on SQL Server, whose portable strings are Unicode).
    pub fn portable_type(self, spelled: &str, flavour: Flavour) -> Option<Type> {
        self.facts().portable_type(&spelled.trim().to_ascii_lowercase(), flavour)
    }
}

/// Forwards each listed method of [`Dialect`] to its [`Facts`]: the facts
/// that only the crate asks for, documented on the trait.
macro_rules! ask_the_facts {
    ($($(#[$meta:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl Dialect {
            $(
                $(#[$meta])*
                #[doc = concat!("See [`Facts::", stringify!($name), "`].")]
                pub(crate) fn $name(self $(, $arg: $ty)*) -> $ret {
                    self.facts().$name($($arg),*)
                }
            )*
        }
    };
}

ask_the_facts! {
    bool_literal(value: bool) -> &'static str;
    read_literal(text: &str, ty: &Type) -> Option<Literal>;
    collation(name: &str) -> String;
    #[cfg(any(feature = "cli", feature = "testing"))]
    value_kind(base: &str) -> Kind;
    identity(start: Option<(i64, i64)>) -> Result<String, String>;
    nullability(nullable: bool) -> &'static str;
    default_clause(constraint: &str, value: &str) -> String;
    computed_column(column: &str, ty: &Type, expression: &str, stored: bool, nullable: bool) -> Option<String>;
    has_restrict() -> bool;
    has_index_include() -> bool;
    #[cfg(any(feature = "cli", feature = "testing"))]
    limit(rows: u64) -> String;
    #[cfg(any(feature = "cli", feature = "testing"))]
    page(offset: u64, rows: u64) -> String;
    #[cfg(any(feature = "cli", feature = "testing"))]
    select_canonical(column: String, kind: Kind) -> String;
    #[cfg(any(feature = "cli", feature = "testing"))]
    cast_parameter(kind: Kind, data_type: &str, placeholder: &str) -> String;
    #[cfg(any(feature = "cli", feature = "testing"))]
    orderable(data_type: &str, kind: Kind) -> bool;
    begin() -> &'static str;
    commit() -> &'static str;
    #[cfg(any(feature = "sqlite", feature = "postgres", test))]
    rollback() -> &'static str;
    script_client() -> &'static str;
    stop_on_error() -> Option<&'static str>;
    set_lock_timeout(timeout: std::time::Duration) -> String;
    reset_lock_timeout() -> &'static str;
    gave_up_waiting(code: &str, message: &str) -> bool;
    lock_holders() -> Option<&'static str>;
    statement_noun() -> (&'static str, &'static str);
    lexer() -> retort_sql::Dialect;
    default_schema() -> &'static str;
    version_query() -> &'static str;
    drop_database(quoted: &str) -> String;
    drop_trigger(name: &str, table: &str) -> String;
    history_type(kind: HistoryKind) -> &'static str;
    identity_is_key() -> bool;
    history_defaults() -> bool;
    history_key(constraint: &str) -> String;
    history_schema() -> Option<&'static str>;
    now() -> &'static str;
    current_user() -> Option<&'static str>;
    offline_elapsed_ms() -> &'static str;
    create_schema(schema: &str) -> Result<String, String>;
    create_table_if_missing(name: &str, body: &str) -> String;
    add_column_if_missing(table: &str, definition: &str, probe: &str) -> String;
    column_probe(table: &str, table_name: &str, column: &str) -> String;
    history_probe(state: &str, column: &str, log: &str) -> Option<String>;
    if_table_exists(table: &str, select: &str) -> String;
    timestamp_text(column: &str) -> String;
    insertion_order() -> &'static str;
    has_upsert() -> bool;
}

/// What a column of retort's history tables holds; each dialect names its
/// own type for it ([`Facts::history_type`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryKind {
    /// A revision id: the state table's key.
    Id,
    /// A SHA-256 in hex.
    Checksum,
    /// A status, action or outcome word.
    Word,
    /// A message or detail of any length.
    Text,
    /// A timestamp.
    Time,
    /// Milliseconds.
    Millis,
    /// A login or OS user name.
    User,
    /// The event log's generated key.
    Serial,
}

/// What one dialect says about itself. A provided method is standard SQL
/// (or what two of the three dialects share); a dialect's file overrides
/// it where the dialect differs.
pub(crate) trait Facts: Sync {
    /// The short lowercase name.
    fn name(&self) -> &'static str;

    // -- Names and values --------------------------------------------------

    /// An identifier, quoted.
    fn quote_ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// A string literal, quotes doubled.
    fn quote_text(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    /// A boolean literal: `1` and `0` suit a `BIT` and SQLite's `BOOLEAN`.
    fn bool_literal(&self, value: bool) -> &'static str {
        if value {
            "1"
        } else {
            "0"
        }
    }

    /// A bytes literal from its uppercase hex digits.
    fn bytes_literal(&self, hex: &str) -> String;

    /// The placeholder of a statement's `n`th (1-based) parameter.
    fn placeholder(&self, n: usize) -> String;

    // -- Types -------------------------------------------------------------

    /// A type's name in DDL; a native type's from its list, if the list
    /// has this dialect.
    fn type_sql(&self, ty: &Type) -> Option<String>;

    /// The portable type that reads back as `spelled` (lowercase), if there
    /// is one (see [`Dialect::portable_type`]).
    fn portable_type(&self, spelled: &str, flavour: Flavour) -> Option<Type>;

    /// A collation's name after `COLLATE`.
    fn collation(&self, name: &str) -> String {
        name.to_owned()
    }

    /// The value a column of `ty` defaults to, when its catalog prints the
    /// default as `text` and `text` is how this catalog prints that value
    /// of that type: it is the column's type that says `1` is `true` in a
    /// boolean column. `None` where `text` is not such a literal (an
    /// expression, a literal of another type); the caller keeps it as SQL.
    /// Each value read renders (with [`Dialect::literal`]) to a default
    /// this catalog prints as `text` again, so a baseline reads back the
    /// same, and to the same value on every other dialect.
    fn read_literal(&self, text: &str, ty: &Type) -> Option<Literal>;

    /// The kind of value a column holds, from its catalog type's name
    /// without arguments (lowercase): the copy of `db clone` reads and
    /// writes each kind in one portable form.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn value_kind(&self, base: &str) -> Kind;

    // -- DDL ---------------------------------------------------------------

    /// An identity column's clause after its type, starting at `start`
    /// (seed, increment) when given, or why the dialect has none.
    fn identity(&self, start: Option<(i64, i64)>) -> Result<String, String>;

    /// A column's nullability clause.
    fn nullability(&self, nullable: bool) -> &'static str {
        if nullable {
            ""
        } else {
            " NOT NULL"
        }
    }

    /// A column's default clause; `constraint` is the quoted name that
    /// dialects naming their defaults give it.
    fn default_clause(&self, constraint: &str, value: &str) -> String {
        let _ = constraint;
        format!(" DEFAULT {value}")
    }

    /// A computed column's definition (standard SQL: `name type GENERATED
    /// ALWAYS AS (expression) STORED`), or `None` when `ty` has no
    /// spelling here.
    fn computed_column(&self, column: &str, ty: &Type, expression: &str, stored: bool, nullable: bool) -> Option<String> {
        Some(format!(
            "{} {} GENERATED ALWAYS AS ({expression}) {}{}",
            self.quote_ident(column),
            self.type_sql(ty)?,
            if stored { "STORED" } else { "VIRTUAL" },
            if nullable { "" } else { " NOT NULL" }
        ))
    }

    /// Whether an identity column is its table's key, declared on the
    /// column itself (SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT`, and the
    /// history log's [`HistoryKind::Serial`] type): not null, and keyed,
    /// already.
    fn identity_is_key(&self) -> bool {
        false
    }

    /// Whether `ON DELETE RESTRICT` (and `ON UPDATE`) exists.
    fn has_restrict(&self) -> bool {
        true
    }

    /// Whether an index can `INCLUDE` columns.
    fn has_index_include(&self) -> bool {
        true
    }

    // -- Queries -----------------------------------------------------------

    /// At most `rows` rows, after an `ORDER BY`.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn limit(&self, rows: u64) -> String {
        format!(" LIMIT {rows}")
    }

    /// `rows` rows from `offset`, after an `ORDER BY`.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn page(&self, offset: u64, rows: u64) -> String {
        format!(" LIMIT {rows} OFFSET {offset}")
    }

    /// A copy's `SELECT` expression for the quoted `column` of `kind`: the
    /// value in its kind's portable text form where the dialect's own
    /// would differ (ISO dates, lowercase hex for bytes).
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn select_canonical(&self, column: String, kind: Kind) -> String {
        let _ = kind;
        column
    }

    /// A copy's `placeholder` as the destination reads it for a column of
    /// `kind` and `data_type`: cast where the server does not convert a
    /// text parameter to the column's type by itself.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn cast_parameter(&self, kind: Kind, data_type: &str, placeholder: &str) -> String;

    /// Whether a column of `data_type` and `kind` can be ordered by (a copy
    /// pages a table without a primary key by every column it can).
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn orderable(&self, data_type: &str, kind: Kind) -> bool {
        let _ = (data_type, kind);
        true
    }

    // -- Transactions and scripts -----------------------------------------

    /// The statement that starts a transaction.
    fn begin(&self) -> &'static str {
        "BEGIN"
    }

    /// The statement that commits it.
    fn commit(&self) -> &'static str {
        "COMMIT"
    }

    /// The statement that rolls it back (the SQLite and PostgreSQL backends
    /// send it; SQL Server's sends `IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION`).
    #[cfg(any(feature = "sqlite", feature = "postgres", test))]
    fn rollback(&self) -> &'static str {
        "ROLLBACK"
    }

    /// How an offline script is run, for its header.
    fn script_client(&self) -> &'static str;

    /// The offline script's line that makes its client stop at the first
    /// error, as the online migrator does.
    fn stop_on_error(&self) -> Option<&'static str> {
        None
    }

    // -- Waiting for locks another session holds ----------------------------

    /// The session setting that makes a statement give up waiting for a
    /// lock after `timeout` (not retort's migration lock: the locks of the
    /// tables it changes). Set before a revision's transaction opens, so
    /// that SQLite's, whose lock is taken as it opens, waits no longer.
    fn set_lock_timeout(&self, timeout: std::time::Duration) -> String;

    /// The statement that puts the setting back to the session's own.
    fn reset_lock_timeout(&self) -> &'static str;

    /// Whether a statement's error (its `code` and `message`) says it gave
    /// up waiting for a lock, so that a transactional revision can be run
    /// again.
    fn gave_up_waiting(&self, code: &str, message: &str) -> bool;

    /// A query, of one text column, describing each other session that
    /// holds a lock on a table of this database (the likely blockers of a
    /// revision that gave up waiting), asked after its rollback; `None`
    /// where the database cannot tell.
    fn lock_holders(&self) -> Option<&'static str> {
        None
    }

    /// What the parts of a unit that fails are called in messages
    /// (singular, plural).
    fn statement_noun(&self) -> (&'static str, &'static str) {
        ("statement", "statements")
    }

    /// The dialect retort-sql's lexer reads this dialect's SQL in (quoted
    /// names, comments, dollar-quoted bodies, `GO` batches).
    fn lexer(&self) -> retort_sql::Dialect;

    // -- Catalog and server ------------------------------------------------

    /// The default schema's name.
    fn default_schema(&self) -> &'static str;

    /// A query whose one row and column is the server's version.
    fn version_query(&self) -> &'static str;

    /// Drops the database whose quoted name is `quoted`.
    fn drop_database(&self, quoted: &str) -> String {
        format!("DROP DATABASE {quoted}")
    }

    /// Drops trigger `name` of `table` (both unquoted).
    fn drop_trigger(&self, name: &str, table: &str) -> String {
        let _ = table;
        format!("DROP TRIGGER {}", self.quote_ident(name))
    }

    // -- History tables ----------------------------------------------------

    /// The type of a history column holding `kind`.
    fn history_type(&self, kind: HistoryKind) -> &'static str;


    /// Whether the state table gives `applied_at` and `applied_by`
    /// defaults, for rows written by hand.
    fn history_defaults(&self) -> bool {
        false
    }

    /// A history table's key clause; `constraint` is the (unquoted) name
    /// that dialects naming their constraints give it.
    fn history_key(&self, constraint: &str) -> String {
        let _ = constraint;
        " PRIMARY KEY".to_owned()
    }

    /// The schema the history tables are in when none is configured, where
    /// it must be named.
    fn history_schema(&self) -> Option<&'static str> {
        None
    }

    /// SQL for the current time (UTC where the column has no time zone).
    fn now(&self) -> &'static str;

    /// SQL for the database user running the migration; `None` where the
    /// database has no users.
    fn current_user(&self) -> Option<&'static str>;

    /// SQL for the milliseconds a revision has run, in an offline script.
    fn offline_elapsed_ms(&self) -> &'static str {
        "0"
    }

    /// Creates `schema` (quoted here) when it does not exist, or says why
    /// it cannot be.
    fn create_schema(&self, schema: &str) -> Result<String, String> {
        Ok(format!("CREATE SCHEMA IF NOT EXISTS {};\n", self.quote_ident(schema)))
    }

    /// Creates table `name` (quoted) with the column definitions `body`
    /// when it does not exist.
    fn create_table_if_missing(&self, name: &str, body: &str) -> String {
        format!("CREATE TABLE IF NOT EXISTS {name} (\n{body}\n);\n")
    }

    /// Adds a column defined as `definition` to table `table` (quoted)
    /// when `probe` returns no row; empty where the dialect has no
    /// conditional DDL (the caller asks `probe` first).
    fn add_column_if_missing(&self, table: &str, definition: &str, probe: &str) -> String;

    /// A query that returns a row when `table` (quoted; `table_name`
    /// unquoted) has `column`, and none when it, or the table, does not
    /// exist.
    fn column_probe(&self, table: &str, table_name: &str, column: &str) -> String;

    /// Where the idempotent history DDL costs more than a look at the
    /// catalog: a query of one row whose values are all non-NULL when state
    /// table `state` (quoted) has `column` and log table `log` (quoted)
    /// exists. `None` where the DDL is cheap: it then runs before every run
    /// that writes.
    fn history_probe(&self, state: &str, column: &str, log: &str) -> Option<String> {
        let _ = (state, column, log);
        None
    }

    /// `select` from `table` (quoted), returning no result set at all where
    /// the dialect would fail on a missing table.
    fn if_table_exists(&self, table: &str, select: &str) -> String {
        let _ = table;
        select.to_owned()
    }

    /// A timestamp column as `2026-01-31T12:34:56.789Z`.
    fn timestamp_text(&self, column: &str) -> String;

    /// What orders history rows written within one timestamp.
    fn insertion_order(&self) -> &'static str {
        "revision_id"
    }

    /// Whether `INSERT … ON CONFLICT … DO UPDATE` exists.
    fn has_upsert(&self) -> bool {
        true
    }
}

/// A native type's name for `dialect`, from its list.
fn native(names: &[(Dialect, String)], dialect: Dialect) -> Option<String> {
    names.iter().find(|(d, _)| *d == dialect).map(|(_, name)| name.clone())
}

/// Text in single quotes (`'it''s'`), unquoted; `None` for anything else,
/// including a quote that ends the literal early.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

/// A number as [`Dialect::literal`] writes it, read back: an integer, a
/// finite float or an exact decimal, whichever renders to exactly `text`.
/// An integer stays an integer in a decimal or float column, where every
/// dialect takes it.
fn number(text: &str, ty: &Type) -> Option<Literal> {
    let literal = match (text.parse::<i64>(), ty) {
        (Ok(value), _) => Literal::Int(value),
        (Err(_), Type::Float) => Literal::Float(text.parse().ok()?),
        (Err(_), Type::Decimal(..)) => Literal::Decimal(text.to_owned()),
        (Err(_), _) => return None,
    };
    let canonical = match &literal {
        Literal::Int(value) => value.to_string() == text,
        Literal::Float(value) => value.is_finite() && format!("{value:?}") == text,
        _ => is_decimal(text),
    };
    canonical.then_some(literal)
}

/// Hex digits as bytes; `None` unless they are an even number of hex digits.
fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|at| u8::from_str_radix(&hex[at..at + 2], 16).ok()).collect()
}

/// `name(1, 2)` as `name` and its numbers; `None` without numeric arguments.
fn arguments(spelled: &str) -> Option<(&str, Vec<u32>)> {
    let (name, arguments) = spelled.split_once('(')?;
    let arguments = arguments
        .strip_suffix(')')?
        .split(',')
        .map(|n| n.trim().parse().ok())
        .collect::<Option<_>>()?;
    Some((name.trim(), arguments))
}

/// Which server speaks a dialect, where servers of one dialect differ in
/// what they accept: Babelfish for PostgreSQL speaks SQL Server's protocol
/// and T-SQL, but lacks some of it (see `backend/mssql/flavour.rs`).
/// Rendering follows the flavour; what is right on SQL Server never changes
/// to suit Babelfish.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// The dialect's own server: SQLite, PostgreSQL, Microsoft SQL Server.
    #[default]
    Standard,
    /// Babelfish for PostgreSQL, speaking T-SQL.
    Babelfish,
}

impl Flavour {
    /// Parses `--target-flavour` and the `flavour` URL parameter.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "standard" | "sqlserver" | "sql-server" | "mssql" => Some(Flavour::Standard),
            "babelfish" => Some(Flavour::Babelfish),
            _ => None,
        }
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavour::Standard => "standard",
            Flavour::Babelfish => "babelfish",
        })
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
