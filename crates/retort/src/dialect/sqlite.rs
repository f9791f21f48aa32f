//! SQLite's facts. A column's declared type is kept as written and read
//! by affinity, values are few (NULL, integer, real, text, blob), and
//! there are no schemas, users or conditional DDL.

use super::{arguments, hex_bytes, native, number, unquote, Dialect, Facts, Flavour, HistoryKind, Literal, Type};
#[cfg(any(feature = "cli", feature = "testing"))]
use super::Kind;

pub(super) struct Sqlite;

impl Facts for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn lexer(&self) -> retort_sql::Dialect {
        retort_sql::Dialect::Sqlite
    }

    fn bytes_literal(&self, hex: &str) -> String {
        format!("X'{hex}'")
    }

    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn type_sql(&self, ty: &Type) -> Option<String> {
        Some(match ty {
            Type::SmallInt => "SMALLINT".to_owned(),
            Type::Int => "INTEGER".to_owned(),
            Type::BigInt => "BIGINT".to_owned(),
            Type::Bool => "BOOLEAN".to_owned(),
            Type::Decimal(p, s) => format!("NUMERIC({p},{s})"),
            Type::Float => "REAL".to_owned(),
            Type::String(n) => format!("VARCHAR({n})"),
            Type::Text | Type::Json => "TEXT".to_owned(),
            Type::Binary(_) | Type::Bytes => "BLOB".to_owned(),
            Type::Date => "DATE".to_owned(),
            Type::Time => "TIME".to_owned(),
            Type::DateTime | Type::DateTimeOffset => "DATETIME".to_owned(),
            Type::Uuid => "CHAR(36)".to_owned(),
            Type::Native(names) => return native(names, Dialect::Sqlite),
        })
    }

    /// The declared type as written: only the spellings retort writes for
    /// one portable type (`DATETIME` is `DateTime`, never `DateTimeOffset`;
    /// `CHAR(36)` is any 36 characters, not a `Uuid`).
    fn portable_type(&self, spelled: &str, _: Flavour) -> Option<Type> {
        Some(match spelled {
            "smallint" => Type::SmallInt,
            "integer" => Type::Int,
            "bigint" => Type::BigInt,
            "boolean" => Type::Bool,
            "real" => Type::Float,
            "text" => Type::Text,
            "blob" => Type::Bytes,
            "date" => Type::Date,
            "time" => Type::Time,
            "datetime" => Type::DateTime,
            _ => {
                let (name, arguments) = arguments(spelled)?;
                match (name, arguments.as_slice()) {
                    ("numeric", [p, s]) => Type::Decimal(u8::try_from(*p).ok()?, u8::try_from(*s).ok()?),
                    ("varchar", [n]) => Type::String(*n),
                    _ => return None,
                }
            }
        })
    }

    /// A default as written (`1`, `-12.50`, `'it''s'`, `X'AB01'`, `NULL`).
    fn read_literal(&self, text: &str, ty: &Type) -> Option<Literal> {
        match ty {
            _ if text == "NULL" => Some(Literal::Null),
            Type::Native(_) => None,
            Type::Bool => match text {
                "1" => Some(Literal::Bool(true)),
                "0" => Some(Literal::Bool(false)),
                _ => None,
            },
            Type::SmallInt | Type::Int | Type::BigInt | Type::Decimal(..) | Type::Float => number(text, ty),
            Type::Binary(_) | Type::Bytes => {
                let hex = text.strip_prefix("X'")?.strip_suffix('\'')?;
                hex_bytes(hex).filter(|_| !hex.bytes().any(|b| b.is_ascii_lowercase())).map(Literal::Bytes)
            }
            _ => unquote(text).map(Literal::Text),
        }
    }

    /// Affinity, with the names the op renderer and common ORMs write read first.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn value_kind(&self, base: &str) -> Kind {
        match base {
            "boolean" | "bool" => return Kind::Bool,
            "date" => return Kind::Date,
            "time" => return Kind::Time,
            "datetime" | "timestamp" => return Kind::Timestamp,
            "timestamptz" | "datetimeoffset" => return Kind::TimestampTz,
            "uuid" | "uniqueidentifier" => return Kind::Uuid,
            "json" | "jsonb" => return Kind::Json,
            _ => {}
        }
        if base.contains("int") {
            Kind::Integer
        } else if base.contains("char") || base.contains("clob") || base.contains("text") {
            Kind::Text
        } else if base.is_empty() {
            Kind::Other
        } else if base.contains("blob") || base.contains("binary") {
            Kind::Binary
        } else if base.contains("real") || base.contains("floa") || base.contains("doub") {
            Kind::Float
        } else if base.contains("dec") || base.contains("num") {
            Kind::Decimal
        } else {
            Kind::Other
        }
    }

    /// Identity is the `INTEGER PRIMARY KEY AUTOINCREMENT` clause that
    /// `create_table` puts on the column itself.
    fn identity(&self, start: Option<(i64, i64)>) -> Result<String, String> {
        match start {
            Some(start) if start != (1, 1) => {
                Err("SQLite's AUTOINCREMENT has no first value or step: leave out identity_from".to_owned())
            }
            _ => Ok(String::new()),
        }
    }

    /// See `Index`: SQLite has no covering columns.
    fn has_index_include(&self) -> bool {
        false
    }

    /// SQLite hands back what it stores; blobs go in as hex.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn cast_parameter(&self, kind: Kind, _: &str, placeholder: &str) -> String {
        match kind {
            Kind::Binary => format!("unhex({placeholder})"),
            _ => placeholder.to_owned(),
        }
    }

    fn script_client(&self) -> &'static str {
        "sqlite3 DATABASE < script.sql"
    }

    /// The busy timeout: SQLite's one lock is the database's, taken by
    /// `BEGIN IMMEDIATE` (or a statement outside a transaction), which
    /// waits this long for another connection's write to end.
    fn set_lock_timeout(&self, timeout: std::time::Duration) -> String {
        format!("PRAGMA busy_timeout = {}", timeout.as_millis())
    }

    /// The busy timeout the backend opens its connections with.
    fn reset_lock_timeout(&self) -> &'static str {
        "PRAGMA busy_timeout = 30000"
    }

    /// `SQLITE_BUSY` and its extended codes (the primary code is the low byte).
    fn gave_up_waiting(&self, code: &str, _message: &str) -> bool {
        code.parse::<i32>().is_ok_and(|code| code & 0xff == 5)
    }

    fn stop_on_error(&self) -> Option<&'static str> {
        Some(".bail on")
    }

    fn default_schema(&self) -> &'static str {
        "main"
    }

    fn version_query(&self) -> &'static str {
        "SELECT 'SQLite ' || sqlite_version() AS version"
    }

    fn history_type(&self, kind: HistoryKind) -> &'static str {
        match kind {
            HistoryKind::Millis => "INTEGER",
            HistoryKind::Serial => "INTEGER PRIMARY KEY AUTOINCREMENT",
            _ => "TEXT",
        }
    }

    fn identity_is_key(&self) -> bool {
        true
    }

    fn now(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    }

    fn current_user(&self) -> Option<&'static str> {
        None
    }

    fn create_schema(&self, _: &str) -> Result<String, String> {
        Err("SQLite has no schemas".to_owned())
    }

    fn add_column_if_missing(&self, _: &str, _: &str, _: &str) -> String {
        String::new()
    }

    fn column_probe(&self, _: &str, table_name: &str, column: &str) -> String {
        format!(
            "SELECT 1 FROM pragma_table_info({}) WHERE name = {}",
            self.quote_text(table_name),
            self.quote_text(column)
        )
    }

    /// Stored as that text already.
    fn timestamp_text(&self, column: &str) -> String {
        column.to_owned()
    }

    /// The rowid says which row was written first.
    fn insertion_order(&self) -> &'static str {
        "rowid"
    }
}
