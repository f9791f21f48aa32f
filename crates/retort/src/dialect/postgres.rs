//! PostgreSQL's facts. Its catalog spells types in full (`character
//! varying(20)`, `timestamp without time zone`) and prints a default with
//! the type of its literal (`'-5'::integer`, `'x'::character varying`).

use super::{arguments, hex_bytes, native, number, unquote, Dialect, Facts, Flavour, HistoryKind, Literal, Type};
#[cfg(any(feature = "cli", feature = "testing"))]
use super::Kind;

pub(super) struct Postgres;

/// The portable types without arguments, as the catalog (`format_type`)
/// spells them, which is also the type a literal default is cast to.
const CATALOG_NAMES: [(&str, Type); 13] = [
    ("smallint", Type::SmallInt),
    ("integer", Type::Int),
    ("bigint", Type::BigInt),
    ("boolean", Type::Bool),
    ("double precision", Type::Float),
    ("text", Type::Text),
    ("bytea", Type::Bytes),
    ("date", Type::Date),
    ("time without time zone", Type::Time),
    ("timestamp without time zone", Type::DateTime),
    ("timestamp with time zone", Type::DateTimeOffset),
    ("uuid", Type::Uuid),
    ("jsonb", Type::Json),
];

/// The catalog's name of a portable type, without its arguments.
fn catalog_name(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::String(_) => Some("character varying"),
        Type::Decimal(..) => Some("numeric"),
        _ => CATALOG_NAMES.iter().find(|(_, t)| t == ty).map(|(name, _)| *name),
    }
}

/// `'…'::cast` as the quoted text and the cast; `None` without a cast.
fn cast(text: &str) -> Option<(&str, &str)> {
    let (literal, cast) = text.rsplit_once("::")?;
    literal.starts_with('\'').then_some((literal, cast))
}

impl Facts for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn lexer(&self) -> retort_sql::Dialect {
        retort_sql::Dialect::Postgres
    }

    fn bool_literal(&self, value: bool) -> &'static str {
        if value {
            "TRUE"
        } else {
            "FALSE"
        }
    }

    fn bytes_literal(&self, hex: &str) -> String {
        format!("'\\x{hex}'::bytea")
    }

    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn type_sql(&self, ty: &Type) -> Option<String> {
        Some(match ty {
            Type::SmallInt => "SMALLINT".to_owned(),
            Type::Int => "INTEGER".to_owned(),
            Type::BigInt => "BIGINT".to_owned(),
            Type::Bool => "BOOLEAN".to_owned(),
            Type::Decimal(p, s) => format!("NUMERIC({p},{s})"),
            Type::Float => "DOUBLE PRECISION".to_owned(),
            Type::String(n) => format!("VARCHAR({n})"),
            Type::Text => "TEXT".to_owned(),
            Type::Binary(_) | Type::Bytes => "BYTEA".to_owned(),
            Type::Date => "DATE".to_owned(),
            Type::Time => "TIME".to_owned(),
            Type::DateTime => "TIMESTAMP".to_owned(),
            Type::DateTimeOffset => "TIMESTAMPTZ".to_owned(),
            Type::Uuid => "UUID".to_owned(),
            Type::Json => "JSONB".to_owned(),
            Type::Native(names) => return native(names, Dialect::Postgres),
        })
    }

    fn portable_type(&self, spelled: &str, _: Flavour) -> Option<Type> {
        if let Some((_, ty)) = CATALOG_NAMES.iter().find(|(name, _)| *name == spelled) {
            return Some(ty.clone());
        }
        let (name, arguments) = arguments(spelled)?;
        match (name, arguments.as_slice()) {
            ("numeric", [p, s]) => Some(Type::Decimal(u8::try_from(*p).ok()?, u8::try_from(*s).ok()?)),
            ("character varying", [n]) => Some(Type::String(*n)),
            _ => None,
        }
    }

    /// A collation is an identifier (`"C"`, `"de-DE-x-icu"`).
    fn collation(&self, name: &str) -> String {
        self.quote_ident(name)
    }

    /// `false`; `5` but `'-5'::integer` and `'5000000000'::bigint`;
    /// `12.50` but `'-12.50'::numeric`; `'\xab01'::bytea`; `'it''s'::text`
    /// and `'x'::character varying` (cast to the column's type);
    /// `NULL::character varying`.
    fn read_literal(&self, text: &str, ty: &Type) -> Option<Literal> {
        if text.split("::").next() == Some("NULL") {
            return Some(Literal::Null);
        }
        match ty {
            Type::Native(_) => None,
            Type::Bool => match text {
                "true" => Some(Literal::Bool(true)),
                "false" => Some(Literal::Bool(false)),
                _ => None,
            },
            Type::SmallInt | Type::Int | Type::BigInt | Type::Decimal(..) | Type::Float => match cast(text) {
                Some((quoted, "integer" | "bigint" | "numeric")) => number(&unquote(quoted)?, ty),
                Some(_) => None,
                None => number(text, ty),
            },
            Type::Binary(_) | Type::Bytes => {
                let hex = cast(text).filter(|(_, cast)| *cast == "bytea")?.0;
                let hex = unquote(hex)?;
                let hex = hex.strip_prefix("\\x")?;
                hex_bytes(hex).filter(|_| !hex.bytes().any(|b| b.is_ascii_uppercase())).map(Literal::Bytes)
            }
            _ => {
                let (quoted, cast) = cast(text)?;
                if Some(cast) != catalog_name(ty) {
                    return None;
                }
                unquote(quoted).map(Literal::Text)
            }
        }
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn value_kind(&self, base: &str) -> Kind {
        match base {
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
        }
    }

    fn identity(&self, start: Option<(i64, i64)>) -> Result<String, String> {
        Ok(match start {
            Some((seed, increment)) => {
                format!(" GENERATED BY DEFAULT AS IDENTITY (START WITH {seed} INCREMENT BY {increment})")
            }
            None => " GENERATED BY DEFAULT AS IDENTITY".to_owned(),
        })
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn select_canonical(&self, column: String, kind: Kind) -> String {
        let c = column;
        match kind {
            Kind::Integer | Kind::Bool => c,
            Kind::Binary => format!("encode({c}, 'hex')"),
            Kind::Date => format!("to_char({c}, 'YYYY-MM-DD')"),
            Kind::Timestamp => format!("to_char({c}, 'YYYY-MM-DD HH24:MI:SS.US')"),
            Kind::TimestampTz => format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00:00'"),
            _ => format!("CAST({c} AS text)"),
        }
    }

    #[cfg(any(feature = "cli", feature = "testing"))]
    fn cast_parameter(&self, kind: Kind, data_type: &str, placeholder: &str) -> String {
        match kind {
            Kind::Integer | Kind::Bool | Kind::Text => placeholder.to_owned(),
            Kind::Binary => format!("decode({placeholder}, 'hex')"),
            _ => format!("CAST({placeholder} AS {data_type})"),
        }
    }

    /// JSON and the types a copy does not know have no ordering it can rely on.
    #[cfg(any(feature = "cli", feature = "testing"))]
    fn orderable(&self, _: &str, kind: Kind) -> bool {
        !matches!(kind, Kind::Json | Kind::Other)
    }

    fn script_client(&self) -> &'static str {
        "psql -f script.sql"
    }

    /// A session `SET`, not `SET LOCAL`: it comes before the revision's
    /// `BEGIN` (see [`Facts::set_lock_timeout`]) and is reset after it.
    fn set_lock_timeout(&self, timeout: std::time::Duration) -> String {
        format!("SET lock_timeout = '{}ms'", timeout.as_millis())
    }

    fn reset_lock_timeout(&self) -> &'static str {
        "RESET lock_timeout"
    }

    /// `lock_not_available`, which `lock_timeout` raises.
    fn gave_up_waiting(&self, code: &str, _message: &str) -> bool {
        code == "55P03"
    }

    /// Other sessions' granted locks on relations of this database, from
    /// `pg_locks`: after the rollback nothing waits any more, so
    /// `pg_blocking_pids` has nothing to say; what holds a lock on a table
    /// is what a DDL statement queued behind.
    fn lock_holders(&self) -> Option<&'static str> {
        Some(
            "SELECT DISTINCT format('session %s (user %s, %s, %s since %s): %s', a.pid, a.usename, \
             coalesce(nullif(a.application_name, ''), 'no application name'), a.state, \
             to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS'), left(a.query, 200)) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid() \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
    }

    fn stop_on_error(&self) -> Option<&'static str> {
        Some("\\set ON_ERROR_STOP on")
    }

    fn default_schema(&self) -> &'static str {
        "public"
    }

    fn version_query(&self) -> &'static str {
        "SELECT version() AS version"
    }

    /// Ends the sessions left open (PostgreSQL 13 and later).
    fn drop_database(&self, quoted: &str) -> String {
        format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    }

    /// A trigger's name is unique within its table only.
    fn drop_trigger(&self, name: &str, table: &str) -> String {
        format!("DROP TRIGGER {} ON {}", self.quote_ident(name), self.quote_ident(table))
    }

    fn history_type(&self, kind: HistoryKind) -> &'static str {
        match kind {
            HistoryKind::Time => "timestamptz",
            HistoryKind::Millis => "bigint",
            HistoryKind::Serial => "bigint GENERATED ALWAYS AS IDENTITY",
            _ => "text",
        }
    }

    fn now(&self) -> &'static str {
        "now()"
    }

    fn current_user(&self) -> Option<&'static str> {
        Some("current_user")
    }

    /// From the transaction's start.
    fn offline_elapsed_ms(&self) -> &'static str {
        "(EXTRACT(EPOCH FROM clock_timestamp() - now()) * 1000)::bigint"
    }

    /// In a `DO` block that asks the catalog first: `ADD COLUMN IF NOT
    /// EXISTS` would still lock the table against every reader on each run.
    fn add_column_if_missing(&self, table: &str, definition: &str, probe: &str) -> String {
        let body = format!("BEGIN IF NOT EXISTS ({probe}) THEN ALTER TABLE {table} ADD COLUMN {definition}; END IF; END");
        // A dollar quote that the body does not contain.
        let mut tag = "$retort$".to_owned();
        while body.contains(&tag) {
            tag.insert(tag.len() - 1, '_');
        }
        format!("DO {tag} {body} {tag};\n")
    }

    fn column_probe(&self, table: &str, _: &str, column: &str) -> String {
        format!(
            "SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass({}) \
             AND attname = {} AND NOT attisdropped",
            self.quote_text(table),
            self.quote_text(column)
        )
    }

    fn timestamp_text(&self, column: &str) -> String {
        format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    }
}
