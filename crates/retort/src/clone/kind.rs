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

pub use crate::dialect::Kind;
use crate::history::Value;
use crate::schema::UserType;
use crate::{Dialect, Flavour};

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
    dialect.value_kind(lower.split('(').next().unwrap_or("").trim())
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
    dialect.select_canonical(dialect.quote_ident(column), kind)
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

/// The placeholder `ph` as a database of known flavour should read it for
/// a column of `kind` and `data_type` (`cast_parameter` of the dialect): a
/// value the destination stores, or a key the source compares. Babelfish
/// ignores `CONVERT`'s style and would take the hex digits' own bytes, so
/// there bytes are decoded with its `decode`, cast back to `varbinary`:
/// Babelfish compares a `varbinary` column with `decode`'s own type wrongly
/// (`>` is true of every row, `=` of none).
pub fn bound_placeholder(dialect: Dialect, flavour: Flavour, kind: Kind, data_type: &str, ph: &str) -> String {
    match (dialect, flavour, kind) {
        (Dialect::Mssql, Flavour::Babelfish, Kind::Binary) => format!("CAST(decode({ph}, 'hex') AS varbinary(max))"),
        _ => dialect.cast_parameter(kind, data_type, ph),
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
        assert_eq!(Dialect::Postgres.cast_parameter(Kind::Text, "character varying(10)", "$1"), "$1");
        assert_eq!(Dialect::Postgres.cast_parameter(Kind::Timestamp, "timestamp without time zone", "$1"), "CAST($1 AS timestamp without time zone)");
        assert_eq!(Dialect::Mssql.cast_parameter(Kind::Binary, "varbinary(32)", "@P1"), "CONVERT(varbinary(max), @P1, 2)");
        assert_eq!(Dialect::Sqlite.cast_parameter(Kind::Binary, "BLOB", "?1"), "unhex(?1)");
        assert_eq!(bound_placeholder(Dialect::Mssql, Flavour::Babelfish, Kind::Binary, "varbinary(32)", "@P1"), "CAST(decode(@P1, 'hex') AS varbinary(max))");
        assert_eq!(
            bound_placeholder(Dialect::Mssql, Flavour::Standard, Kind::Binary, "varbinary(32)", "@P1"),
            "CONVERT(varbinary(max), @P1, 2)"
        );
    }
}
