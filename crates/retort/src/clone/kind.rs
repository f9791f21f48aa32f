//! What a column holds, across dialects: how its values are read as
//! portable text or numbers, and how they are written back.
//!
//! Every value crosses as a [`Value`] — an integer, a flag, text or NULL —
//! so a copy between two dialects needs no type of its own. The source's
//! `SELECT` renders each column in one canonical text form per kind (ISO
//! dates, lowercase hex for bytes), and the destination's `INSERT` casts
//! each placeholder back to the column's type where the server will not
//! convert text by itself.

use std::collections::BTreeMap;

use crate::history::Value;
use crate::schema::UserType;
use crate::{Dialect, Flavour};

/// The portable kinds of column a copy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Bool,
    Decimal,
    Float,
    Text,
    Binary,
    Date,
    Time,
    /// A date and time without a zone.
    Timestamp,
    /// A date and time with a zone or offset.
    TimestampTz,
    Uuid,
    Json,
    /// Anything else (enums, arrays, XML…): read as text and cast back to the
    /// same type, which works between two databases of one dialect.
    Other,
}

impl Kind {
    /// Whether the kind holds text a person may have written (the masking
    /// strategies that make up text apply to it).
    pub fn is_textual(self) -> bool {
        matches!(self, Kind::Text | Kind::Other | Kind::Json | Kind::Uuid)
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Decimal | Kind::Float)
    }

    pub fn is_temporal(self) -> bool {
        matches!(self, Kind::Date | Kind::Timestamp | Kind::TimestampTz)
    }
}

/// The kind of a column of `data_type` (as introspection spells it), looking
/// through PostgreSQL domains and SQL Server alias types.
pub fn kind_of(dialect: Dialect, data_type: &str, types: &BTreeMap<String, UserType>) -> Kind {
    let lower = data_type.trim().to_ascii_lowercase();
    if let Some(user) = types.get(data_type).or_else(|| types.get(&lower)) {
        let definition = user.definition.to_ascii_lowercase();
        let mut words = definition.split_whitespace();
        return match (words.next(), words.next()) {
            (Some("domain" | "alias"), Some(base)) => kind_of(dialect, base, &BTreeMap::new()),
            _ => Kind::Other,
        };
    }
    let base = lower.split('(').next().unwrap_or("").trim();
    match dialect {
        Dialect::Sqlite => sqlite_kind(base),
        Dialect::Postgres => match base {
            "smallint" | "integer" | "bigint" | "int" | "int2" | "int4" | "int8" | "smallserial" | "serial"
            | "bigserial" => Kind::Integer,
            "boolean" | "bool" => Kind::Bool,
            "numeric" | "decimal" | "money" => Kind::Decimal,
            "real" | "double precision" | "float4" | "float8" => Kind::Float,
            "text" | "character varying" | "varchar" | "character" | "char" | "bpchar" | "citext" | "name" => Kind::Text,
            "bytea" => Kind::Binary,
            "date" => Kind::Date,
            "time" | "time without time zone" | "time with time zone" | "timetz" => Kind::Time,
            "timestamp" | "timestamp without time zone" => Kind::Timestamp,
            "timestamp with time zone" | "timestamptz" => Kind::TimestampTz,
            "uuid" => Kind::Uuid,
            "json" | "jsonb" => Kind::Json,
            _ => Kind::Other,
        },
        Dialect::Mssql => match base {
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
        },
    }
}

/// SQLite's declared types follow its affinity rules, with the names the
/// op renderer and common ORMs write read first.
fn sqlite_kind(base: &str) -> Kind {
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
    } else if base.contains("blob") || base.contains("binary") || base.is_empty() {
        if base.is_empty() {
            Kind::Other
        } else {
            Kind::Binary
        }
    } else if base.contains("real") || base.contains("floa") || base.contains("doub") {
        Kind::Float
    } else if base.contains("dec") || base.contains("num") {
        Kind::Decimal
    } else {
        Kind::Other
    }
}

/// The most characters a column of `data_type` holds, when it says
/// (`varchar(100)`, `nvarchar(20)`, `character varying(50)`, `char(36)`).
pub fn max_chars(data_type: &str) -> Option<usize> {
    let lower = data_type.to_ascii_lowercase();
    if !(lower.contains("char") || lower.contains("text")) {
        return None;
    }
    let inner = lower.split_once('(')?.1.split(')').next()?;
    inner.split(',').next()?.trim().parse().ok()
}

/// The source `SELECT` expression of a column: the quoted column, rendered
/// in the kind's canonical form where the dialect's own would differ.
pub fn select_expr(dialect: Dialect, column: &str, kind: Kind) -> String {
    let c = dialect.quote_ident(column);
    match dialect {
        // SQLite hands back what it stores; blobs come back as hex.
        Dialect::Sqlite => c,
        Dialect::Postgres => match kind {
            Kind::Integer | Kind::Bool => c,
            Kind::Binary => format!("encode({c}, 'hex')"),
            Kind::Date => format!("to_char({c}, 'YYYY-MM-DD')"),
            Kind::Timestamp => format!("to_char({c}, 'YYYY-MM-DD HH24:MI:SS.US')"),
            Kind::TimestampTz => format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00:00'"),
            _ => format!("CAST({c} AS text)"),
        },
        Dialect::Mssql => match kind {
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
        },
    }
}

/// Whether a column of `kind` can be ordered on SQL Server (pagination of
/// tables without a primary key orders by every column it can).
pub fn orderable(dialect: Dialect, data_type: &str, kind: Kind) -> bool {
    let lower = data_type.to_ascii_lowercase();
    !(dialect == Dialect::Mssql && (matches!(lower.as_str(), "ntext" | "text" | "image" | "xml") || kind == Kind::Other))
        && !(dialect == Dialect::Postgres && matches!(kind, Kind::Json | Kind::Other))
}

/// The value in its canonical form for its kind: integers as integers,
/// flags as flags, dates as `YYYY-MM-DD[ HH:MM:SS[.f]][+hh:mm]`, bytes as
/// lowercase hex. `Err` when it cannot be one (never quoting the value).
pub fn normalise(value: Value, kind: Kind) -> Result<Value, &'static str> {
    Ok(match (kind, value) {
        (_, Value::Null) => Value::Null,
        (Kind::Integer, Value::Int(n)) => Value::Int(n),
        (Kind::Integer, Value::Bool(b)) => Value::Int(i64::from(b)),
        (Kind::Integer, Value::Text(t)) => {
            let trimmed = t.trim();
            let whole = trimmed.strip_suffix(".0").unwrap_or(trimmed);
            Value::Int(whole.parse().map_err(|_| "is not a whole number")?)
        }
        (Kind::Bool, Value::Bool(b)) => Value::Bool(b),
        (Kind::Bool, Value::Int(n)) => Value::Bool(n != 0),
        (Kind::Bool, Value::Text(t)) => Value::Bool(match t.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "1" | "y" | "yes" | "on" => true,
            "f" | "false" | "0" | "n" | "no" | "off" => false,
            _ => return Err("is not a true/false value"),
        }),
        (Kind::Binary, Value::Text(t)) => Value::Text(t.to_ascii_lowercase()),
        (Kind::Uuid, Value::Text(t)) => Value::Text(t.trim().to_ascii_lowercase()),
        (Kind::Timestamp | Kind::TimestampTz, Value::Text(t)) => Value::Text(canonical_timestamp(&t)),
        (Kind::Time, Value::Text(t)) => Value::Text(trim_fraction(t.trim())),
        (_, Value::Int(n)) => Value::Text(n.to_string()),
        (_, Value::Bool(b)) => Value::Text(if b { "1" } else { "0" }.to_owned()),
        (_, text) => text,
    })
}

/// `2024-01-02T03:04:05.120000 +02:00` → `2024-01-02 03:04:05.12+02:00`.
fn canonical_timestamp(text: &str) -> String {
    let text = text.trim();
    let (body, offset) = match text.rfind(['+', '-']).filter(|at| *at > 10) {
        Some(at) => (text[..at].trim_end(), text[at..].trim()),
        None => match text.strip_suffix('Z') {
            Some(body) => (body, "+00:00"),
            None => (text, ""),
        },
    };
    let body = body.replacen('T', " ", 1);
    format!("{}{offset}", trim_fraction(&body))
}

/// Drops trailing zeros of a fraction of seconds, and the dot when none are left.
fn trim_fraction(text: &str) -> String {
    match text.rsplit_once('.') {
        Some((whole, fraction)) if fraction.chars().all(|c| c.is_ascii_digit()) && whole.contains(':') => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                whole.to_owned()
            } else {
                format!("{whole}.{fraction}")
            }
        }
        _ => text.to_owned(),
    }
}

/// The placeholder `ph` as the destination should read it for a column of
/// `kind` and `data_type`: cast where the server does not convert a text
/// parameter into the column's type by itself.
pub fn placeholder(dialect: Dialect, kind: Kind, data_type: &str, ph: &str) -> String {
    match (dialect, kind) {
        (_, Kind::Integer | Kind::Bool) => ph.to_owned(),
        (Dialect::Sqlite, Kind::Binary) => format!("unhex({ph})"),
        (Dialect::Sqlite, _) => ph.to_owned(),
        (Dialect::Postgres, Kind::Text) => ph.to_owned(),
        (Dialect::Postgres, Kind::Binary) => format!("decode({ph}, 'hex')"),
        (Dialect::Postgres, _) => format!("CAST({ph} AS {data_type})"),
        (Dialect::Mssql, Kind::Text) => ph.to_owned(),
        (Dialect::Mssql, Kind::Binary) => format!("CONVERT(varbinary(max), {ph}, 2)"),
        // Through datetime2, which reads six or seven fractional digits that
        // `datetime` refuses.
        (Dialect::Mssql, Kind::Timestamp) => format!("CAST({ph} AS datetime2(7))"),
        (Dialect::Mssql, Kind::Json) => format!("CAST({ph} AS nvarchar(max))"),
        (Dialect::Mssql, _) => format!("CAST({ph} AS {data_type})"),
    }
}

/// [`placeholder`] for a value written to the destination, whose flavour
/// is known: Babelfish ignores `CONVERT`'s style and would store the hex
/// digits' own bytes, so there bytes are decoded with its `decode`.
pub fn write_placeholder(dialect: Dialect, flavour: Flavour, kind: Kind, data_type: &str, ph: &str) -> String {
    match (dialect, flavour, kind) {
        (Dialect::Mssql, Flavour::Babelfish, Kind::Binary) => format!("decode({ph}, 'hex')"),
        _ => placeholder(dialect, kind, data_type, ph),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_of_reads_each_dialects_spelling() {
        let none = BTreeMap::new();
        assert_eq!(kind_of(Dialect::Postgres, "character varying(100)", &none), Kind::Text);
        assert_eq!(kind_of(Dialect::Postgres, "timestamp with time zone", &none), Kind::TimestampTz);
        assert_eq!(kind_of(Dialect::Mssql, "nvarchar(max)", &none), Kind::Text);
        assert_eq!(kind_of(Dialect::Mssql, "datetime2(3)", &none), Kind::Timestamp);
        assert_eq!(kind_of(Dialect::Sqlite, "BOOLEAN", &none), Kind::Bool);
        assert_eq!(kind_of(Dialect::Sqlite, "varchar(20)", &none), Kind::Text);
        assert_eq!(kind_of(Dialect::Sqlite, "CHAR(36)", &none), Kind::Text);
        assert_eq!(kind_of(Dialect::Sqlite, "NUMERIC(10,2)", &none), Kind::Decimal);
        let types = BTreeMap::from([(
            "positive".to_owned(),
            UserType { definition: "domain integer CHECK (VALUE > 0)".to_owned() },
        )]);
        assert_eq!(kind_of(Dialect::Postgres, "positive", &types), Kind::Integer);
    }

    #[test]
    fn max_chars_reads_the_length_when_the_type_has_one() {
        assert_eq!(max_chars("character varying(100)"), Some(100));
        assert_eq!(max_chars("nvarchar(20)"), Some(20));
        assert_eq!(max_chars("nvarchar(max)"), None);
        assert_eq!(max_chars("numeric(10,2)"), None);
        assert_eq!(max_chars("text"), None);
    }

    #[test]
    fn normalise_gives_one_form_whatever_the_source_dialect() {
        let text = |t: &str| Value::Text(t.to_owned());
        assert_eq!(normalise(text("2024-01-02T03:04:05.1200000"), Kind::Timestamp), Ok(text("2024-01-02 03:04:05.12")));
        assert_eq!(normalise(text("2024-01-02 03:04:05.000000"), Kind::Timestamp), Ok(text("2024-01-02 03:04:05")));
        assert_eq!(
            normalise(text("2024-01-02 03:04:05.5000000 +02:00"), Kind::TimestampTz),
            Ok(text("2024-01-02 03:04:05.5+02:00"))
        );
        assert_eq!(normalise(text("2024-01-02"), Kind::Date), Ok(text("2024-01-02")));
        assert_eq!(normalise(text("t"), Kind::Bool), Ok(Value::Bool(true)));
        assert_eq!(normalise(Value::Int(0), Kind::Bool), Ok(Value::Bool(false)));
        assert_eq!(normalise(text("42"), Kind::Integer), Ok(Value::Int(42)));
        assert_eq!(normalise(text("0102FF"), Kind::Binary), Ok(text("0102ff")));
        assert!(normalise(text("secret"), Kind::Integer).is_err());
    }

    #[test]
    fn placeholder_casts_only_where_the_server_needs_it() {
        assert_eq!(placeholder(Dialect::Postgres, Kind::Text, "character varying(10)", "$1"), "$1");
        assert_eq!(placeholder(Dialect::Postgres, Kind::Timestamp, "timestamp without time zone", "$1"), "CAST($1 AS timestamp without time zone)");
        assert_eq!(placeholder(Dialect::Mssql, Kind::Binary, "varbinary(32)", "@P1"), "CONVERT(varbinary(max), @P1, 2)");
        assert_eq!(placeholder(Dialect::Sqlite, Kind::Binary, "BLOB", "?1"), "unhex(?1)");
        assert_eq!(write_placeholder(Dialect::Mssql, Flavour::Babelfish, Kind::Binary, "varbinary(32)", "@P1"), "decode(@P1, 'hex')");
        assert_eq!(
            write_placeholder(Dialect::Mssql, Flavour::Standard, Kind::Binary, "varbinary(32)", "@P1"),
            "CONVERT(varbinary(max), @P1, 2)"
        );
    }
}
