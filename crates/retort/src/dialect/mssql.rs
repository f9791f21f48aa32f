//! SQL Server's facts (T-SQL, as Babelfish speaks it too): bracketed names,
//! Unicode `N'…'` text, `@P1` parameters, defaults that are named
//! constraints, no `IF NOT EXISTS` (the catalog is asked instead), and a
//! catalog that counts `nvarchar` lengths in bytes.

use super::{arguments, hex_bytes, native, number, Dialect, Facts, Flavour, HistoryKind, Literal, Type};
#[cfg(any(feature = "cli", feature = "testing"))]
use super::Kind;

pub(super) struct Mssql;

/// The schema an unqualified name resolves to for a login without another
/// default, which retort names explicitly.
pub(crate) const DEFAULT_SCHEMA: &str = "dbo";

/// Milliseconds since the revision's clock started: the revision's
/// prologue stores its start in the session context, which (unlike a
/// variable) outlives the batch (0 if it never started).
pub(crate) const ELAPSED_MS: &str = "COALESCE(DATEDIFF_BIG(millisecond, \
     CAST(SESSION_CONTEXT(N'retort.started') AS datetime2(7)), SYSUTCDATETIME()), 0)";

/// A base type with its length, as DDL spells it, from the catalog's
/// `sys.types` name and `max_length` (in bytes: `nvarchar` counts two a
/// character), `precision` and `scale`.
#[cfg(any(feature = "mssql", test))]
pub(crate) fn catalog_type(name: &str, max_length: i64, precision: i64, scale: i64) -> String {
    let length = |per_char: i64| if max_length == -1 { "max".to_owned() } else { (max_length / per_char).to_string() };
    match name {
        "nvarchar" | "nchar" => format!("{name}({})", length(2)),
        "varchar" | "char" | "varbinary" | "binary" => format!("{name}({})", length(1)),
        "decimal" | "numeric" => format!("{name}({precision},{scale})"),
        "datetime2" | "datetimeoffset" | "time" => format!("{name}({scale})"),
        "float" if precision != 53 => format!("float({precision})"),
        other => other.to_owned(),
    }
}

impl Facts for Mssql {
    fn name(&self) -> &'static str {
        "mssql"
    }

    fn lexer(&self) -> retort_sql::Dialect {
        retort_sql::Dialect::Mssql
    }

    fn quote_ident(&self, name: &str) -> String {
        format!("[{}]", name.replace(']', "]]"))
    }

    /// Unicode text survives only in an `N` literal.
    fn quote_text(&self, text: &str) -> String {
        format!("N'{}'", text.replace('\'', "''"))
    }

    fn bytes_literal(&self, hex: &str) -> String {
        format!("0x{hex}")
    }

    fn placeholder(&self, n: usize) -> String {
        format!("@P{n}")
    }

    /// Text is Unicode (`NVARCHAR`); `NVARCHAR(n)` stops at 4000
    /// characters and `VARBINARY(n)` at 8000 bytes, longer is `MAX`.
    fn type_sql(&self, ty: &Type) -> Option<String> {
        Some(match ty {
            Type::SmallInt => "SMALLINT".to_owned(),
            Type::Int => "INT".to_owned(),
            Type::BigInt => "BIGINT".to_owned(),
            Type::Bool => "BIT".to_owned(),
            Type::Decimal(p, s) => format!("DECIMAL({p},{s})"),
            Type::Float => "FLOAT".to_owned(),
            Type::String(n) if *n > 4000 => "NVARCHAR(MAX)".to_owned(),
            Type::String(n) => format!("NVARCHAR({n})"),
            Type::Text | Type::Json => "NVARCHAR(MAX)".to_owned(),
            Type::Binary(n) if *n > 8000 => "VARBINARY(MAX)".to_owned(),
            Type::Binary(n) => format!("VARBINARY({n})"),
            Type::Bytes => "VARBINARY(MAX)".to_owned(),
            Type::Date => "DATE".to_owned(),
            Type::Time => "TIME".to_owned(),
            Type::DateTime => "DATETIME2".to_owned(),
            Type::DateTimeOffset => "DATETIMEOFFSET".to_owned(),
            Type::Uuid => "UNIQUEIDENTIFIER".to_owned(),
            Type::Native(names) => return native(names, Dialect::Mssql),
        })
    }

    /// `datetime2(7)` is `DateTime` on SQL Server; Babelfish keeps at most
    /// microseconds, so there it is `datetime2(6)`. `varchar(20)` is no
    /// portable type: those are Unicode here.
    fn portable_type(&self, spelled: &str, flavour: Flavour) -> Option<Type> {
        let fraction = match flavour {
            Flavour::Standard => 7,
            Flavour::Babelfish => 6,
        };
        Some(match spelled {
            "smallint" => Type::SmallInt,
            "int" => Type::Int,
            "bigint" => Type::BigInt,
            "bit" => Type::Bool,
            "float" => Type::Float,
            "nvarchar(max)" => Type::Text,
            "varbinary(max)" => Type::Bytes,
            "date" => Type::Date,
            "uniqueidentifier" => Type::Uuid,
            _ => {
                let (name, arguments) = arguments(spelled)?;
                match (name, arguments.as_slice()) {
                    ("time", [f]) if *f == fraction => Type::Time,
                    ("datetime2", [f]) if *f == fraction => Type::DateTime,
                    ("datetimeoffset", [f]) if *f == fraction => Type::DateTimeOffset,
                    ("nvarchar", [n]) if *n <= 4000 => Type::String(*n),
                    ("varbinary", [n]) if *n <= 8000 => Type::Binary(*n),
                    ("decimal", [p, s]) => Type::Decimal(u8::try_from(*p).ok()?, u8::try_from(*s).ok()?),
                    _ => return None,
                }
            }
        })
    }

    /// A default as the snapshot prints it, without SQL Server's
    /// parentheses (`((1))` is `1`): `1`, `- 12.50`, `N'it''s'`, `X'AB01'`,
    /// `NULL`. Text without its `N` is another literal than retort writes.
    fn read_literal(&self, text: &str, ty: &Type) -> Option<Literal> {
        match ty {
            _ if text == "NULL" => Some(Literal::Null),
            Type::Native(_) => None,
            Type::Bool => match text {
                "1" => Some(Literal::Bool(true)),
                "0" => Some(Literal::Bool(false)),
                _ => None,
            },
            // The snapshot spaces a sign from its number: `((-5))` is `- 5`.
            Type::SmallInt | Type::Int | Type::BigInt | Type::Decimal(..) | Type::Float => match text.strip_prefix("- ") {
                Some(magnitude) => number(&format!("-{magnitude}"), ty),
                None => number(text, ty),
            },
            // The snapshot's tokenizer spells `0xAB01` as `X'AB01'`.
            Type::Binary(_) | Type::Bytes => {
                let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("X'")?.strip_suffix('\''))?;
                hex_bytes(hex).filter(|_| !hex.bytes().any(|b| b.is_ascii_lowercase())).map(Literal::Bytes)
            }
            _ => super::unquote(text.strip_prefix('N')?).map(Literal::Text),
        }
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn value_kind(&self, base: &str) -> Kind {
        match base {
            "tinyint" | "smallint" | "int" | "bigint" => Kind::Integer,
            "bit" => Kind::Bool,
            "decimal" | "numeric" | "money" | "smallmoney" => Kind::Decimal,
            "float" | "real" => Kind::Float,
            "nvarchar" | "varchar" | "nchar" | "char" | "ntext" | "text" | "sysname" => Kind::Text,
            "varbinary" | "binary" | "image" => Kind::Binary,
            "date" => Kind::Date,
            "time" => Kind::Time,
            "datetime" | "datetime2" | "smalldatetime" => Kind::Timestamp,
            "datetimeoffset" => Kind::TimestampTz,
            "uniqueidentifier" => Kind::Uuid,
            _ => Kind::Other,
        }
    }

    fn identity(&self, start: Option<(i64, i64)>) -> Result<String, String> {
        let (seed, increment) = start.unwrap_or((1, 1));
        Ok(format!(" IDENTITY({seed},{increment})"))
    }

    /// The default nullability depends on session settings: say it.
    fn nullability(&self, nullable: bool) -> &'static str {
        if nullable {
            " NULL"
        } else {
            " NOT NULL"
        }
    }

    /// A default is a constraint, named so that it can be dropped.
    fn default_clause(&self, constraint: &str, value: &str) -> String {
        format!(" CONSTRAINT {constraint} DEFAULT {value}")
    }

    /// `name AS (expression) [PERSISTED]`: the type and nullability follow
    /// from the expression, and only a persisted column may say NOT NULL.
    fn computed_column(&self, column: &str, _: &Type, expression: &str, stored: bool, nullable: bool) -> Option<String> {
        Some(format!(
            "{} AS ({expression}){}",
            self.quote_ident(column),
            match (stored, nullable) {
                (true, false) => " PERSISTED NOT NULL",
                (true, true) => " PERSISTED",
                (false, _) => "",
            }
        ))
    }

    /// NO ACTION refuses as well.
    fn has_restrict(&self) -> bool {
        false
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn limit(&self, rows: u64) -> String {
        format!(" OFFSET 0 ROWS FETCH NEXT {rows} ROWS ONLY")
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn page(&self, offset: u64, rows: u64) -> String {
        format!(" OFFSET {offset} ROWS FETCH NEXT {rows} ROWS ONLY")
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn select_canonical(&self, column: String, kind: Kind) -> String {
        let c = column;
        match kind {
            // Bytes come as they are and the backend writes them as hex:
            // Babelfish's CONVERT(varchar(max), c, 2) returns the raw bytes.
            Kind::Integer | Kind::Bool | Kind::Text | Kind::Binary => c,
            // A date's own text is ISO whatever the language; CONVERT with a
            // style costs Babelfish a function call per row (200 µs: 20 s
            // for 100,000 rows).
            Kind::Date => format!("CAST({c} AS nvarchar(10))"),
            // Babelfish ignores the style of datetime2 and gives this form anyway.
            Kind::Timestamp => format!("CONVERT(nvarchar(27), CAST({c} AS datetime2(7)), 121)"),
            Kind::Float => format!("CAST({c} AS float)"),
            Kind::Decimal => format!("CAST({c} AS nvarchar(60))"),
            Kind::Time | Kind::TimestampTz | Kind::Uuid => format!("CAST({c} AS nvarchar(48))"),
            Kind::Json | Kind::Other => format!("CAST({c} AS nvarchar(max))"),
        }
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn cast_parameter(&self, kind: Kind, data_type: &str, placeholder: &str) -> String {
        match kind {
            Kind::Integer | Kind::Bool | Kind::Text => placeholder.to_owned(),
            Kind::Binary => format!("CONVERT(varbinary(max), {placeholder}, 2)"),
            // Through datetime2, which reads six or seven fractional digits
            // that `datetime` refuses.
            Kind::Timestamp => format!("CAST({placeholder} AS datetime2(7))"),
            Kind::Json => format!("CAST({placeholder} AS nvarchar(max))"),
            _ => format!("CAST({placeholder} AS {data_type})"),
        }
    }

    /// The large-object types and the ones a copy does not know cannot be ordered by.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn orderable(&self, data_type: &str, kind: Kind) -> bool {
        let lower = data_type.to_ascii_lowercase();
        !(matches!(lower.as_str(), "ntext" | "text" | "image" | "xml") || kind == Kind::Other)
    }

    fn begin(&self) -> &'static str {
        "BEGIN TRANSACTION"
    }

    fn commit(&self) -> &'static str {
        "COMMIT TRANSACTION"
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", test))]
    fn rollback(&self) -> &'static str {
        "ROLLBACK TRANSACTION"
    }

    fn script_client(&self) -> &'static str {
        "sqlcmd -b -i script.sql"
    }

    fn set_lock_timeout(&self, timeout: std::time::Duration) -> String {
        format!("SET LOCK_TIMEOUT {}", timeout.as_millis())
    }

    /// -1, SQL Server's default: wait as long as it takes.
    fn reset_lock_timeout(&self) -> &'static str {
        "SET LOCK_TIMEOUT -1"
    }

    /// 1222, "Lock request time out period exceeded". Babelfish raises
    /// PostgreSQL's lock timeout under its catch-all number (measured on
    /// Babelfish 4.2: 33557097, "canceling statement due to lock timeout",
    /// and the transaction is over).
    fn gave_up_waiting(&self, code: &str, message: &str) -> bool {
        code == "1222" || (code == "33557097" && message.contains("due to lock timeout"))
    }

    /// Other sessions' granted locks on objects of this database, from
    /// `sys.dm_tran_locks` (which needs `VIEW SERVER STATE`; Babelfish has
    /// no such view, and the caller then says the server cannot tell).
    fn lock_holders(&self) -> Option<&'static str> {
        Some(
            "SELECT DISTINCT CONCAT('session ', l.request_session_id, ' (login ', s.login_name, ', ', \
             COALESCE(NULLIF(s.program_name, ''), 'no program name'), ', ', s.status, ', last request at ', \
             CONVERT(varchar(19), s.last_request_start_time, 120), ')') \
             FROM sys.dm_tran_locks AS l JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id \
             WHERE l.resource_database_id = DB_ID() AND l.request_session_id <> @@SPID \
             AND l.request_status = 'GRANT' AND l.resource_type = 'OBJECT'",
        )
    }

    /// A unit's parts are batches, and a failed batch ran its statements
    /// before the failing line.
    fn statement_noun(&self) -> (&'static str, &'static str) {
        ("batch", "batches")
    }

    fn default_schema(&self) -> &'static str {
        DEFAULT_SCHEMA
    }

    fn version_query(&self) -> &'static str {
        "SELECT @@VERSION AS version"
    }

    fn history_type(&self, kind: HistoryKind) -> &'static str {
        match kind {
            HistoryKind::Id | HistoryKind::User => "nvarchar(128)",
            HistoryKind::Checksum => "nvarchar(64)",
            HistoryKind::Word => "nvarchar(16)",
            HistoryKind::Text => "nvarchar(max)",
            HistoryKind::Time => "datetime2(3)",
            HistoryKind::Millis => "bigint",
            HistoryKind::Serial => "bigint IDENTITY(1, 1)",
        }
    }

    fn history_defaults(&self) -> bool {
        true
    }

    /// Named, so that diffs see stable names.
    fn history_key(&self, constraint: &str) -> String {
        format!(" CONSTRAINT {} PRIMARY KEY", self.quote_ident(constraint))
    }

    /// `dbo` rather than the login's default schema, so that every login
    /// finds the same tables.
    fn history_schema(&self) -> Option<&'static str> {
        Some(DEFAULT_SCHEMA)
    }

    fn now(&self) -> &'static str {
        "SYSUTCDATETIME()"
    }

    fn current_user(&self) -> Option<&'static str> {
        Some("SUSER_SNAME()")
    }

    fn offline_elapsed_ms(&self) -> &'static str {
        ELAPSED_MS
    }

    /// `CREATE SCHEMA` must be alone in its batch, hence `EXEC`; `dbo`
    /// always exists.
    fn create_schema(&self, schema: &str) -> Result<String, String> {
        if schema == DEFAULT_SCHEMA {
            return Ok(String::new());
        }
        let create = format!("CREATE SCHEMA {}", self.quote_ident(schema));
        Ok(format!("IF SCHEMA_ID({}) IS NULL EXEC({});\n", self.quote_text(schema), self.quote_text(&create)))
    }

    fn create_table_if_missing(&self, name: &str, body: &str) -> String {
        format!("IF OBJECT_ID({}, N'U') IS NULL\nCREATE TABLE {name} (\n{body}\n);\n", self.quote_text(name))
    }

    /// In `EXEC`: the `ALTER` is compiled only when it runs, after a
    /// `CREATE TABLE` above it in the batch.
    fn add_column_if_missing(&self, table: &str, definition: &str, probe: &str) -> String {
        format!("IF NOT EXISTS ({probe}) EXEC({});\n", self.quote_text(&format!("ALTER TABLE {table} ADD {definition}")))
    }

    fn column_probe(&self, table: &str, _: &str, column: &str) -> String {
        format!(
            "SELECT 1 AS present WHERE COL_LENGTH({}, {}) IS NOT NULL",
            self.quote_text(table),
            self.quote_text(column)
        )
    }

    /// Babelfish compiles the idempotent DDL (its `IF`s, `EXEC` and the
    /// `TRY … CATCH` around it) for about 360 ms in a new session, whether
    /// or not it creates anything; this look takes about 40 ms there. No
    /// aliases: each costs Babelfish's parser a few milliseconds more.
    fn history_probe(&self, state: &str, column: &str, log: &str) -> Option<String> {
        Some(format!(
            "SELECT COL_LENGTH({}, {}), OBJECT_ID({}, N'U')",
            self.quote_text(state),
            self.quote_text(column),
            self.quote_text(log)
        ))
    }

    /// The select as it is, as on the other dialects: the backend answers
    /// a missing table with no rows (`MssqlBackend::query`). Babelfish takes
    /// about 200 ms to compile an `IF` in a new session, and the history is
    /// read by every start-up.
    fn if_table_exists(&self, table: &str, select: &str) -> String {
        let _ = table;
        select.to_owned()
    }

    /// The column as it is: the backend reads a `datetime2` as
    /// `2026-01-31T12:34:56.789Z` (`row_values`). Formatting it in SQL takes
    /// functions that Babelfish compiles for hundreds of milliseconds in a
    /// new session (`CONVERT`'s styles also drop a zero fraction there).
    fn timestamp_text(&self, column: &str) -> String {
        column.to_owned()
    }

    /// Delete, then insert, in the run's transaction.
    fn has_upsert(&self) -> bool {
        false
    }
}
