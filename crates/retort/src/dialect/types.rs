//! The portable column types. Each dialect's file spells them (and reads
//! its catalog's spellings back): `sqlite.rs`, `postgres.rs`, `mssql.rs`.

use super::Dialect;

/// A column type: a portable one that every dialect maps explicitly, or a
/// dialect-specific escape hatch.
///
/// Text types are Unicode everywhere (`NVARCHAR` on SQL Server), because an
/// application that stores a name today stores a name in any script tomorrow.
///
/// | type | SQL Server | PostgreSQL | SQLite |
/// |---|---|---|---|
/// | `SmallInt` | `SMALLINT` | `SMALLINT` | `SMALLINT` |
/// | `Int` | `INT` | `INTEGER` | `INTEGER` |
/// | `BigInt` | `BIGINT` | `BIGINT` | `BIGINT` |
/// | `Bool` | `BIT` | `BOOLEAN` | `BOOLEAN` |
/// | `Decimal(p, s)` | `DECIMAL(p,s)` | `NUMERIC(p,s)` | `NUMERIC(p,s)` |
/// | `Float` | `FLOAT` | `DOUBLE PRECISION` | `REAL` |
/// | `String(n)` | `NVARCHAR(n)` (`NVARCHAR(MAX)` above 4000) | `VARCHAR(n)` | `VARCHAR(n)` |
/// | `Text` | `NVARCHAR(MAX)` | `TEXT` | `TEXT` |
/// | `Binary(n)` | `VARBINARY(n)` (`VARBINARY(MAX)` above 8000) | `BYTEA` | `BLOB` |
/// | `Bytes` | `VARBINARY(MAX)` | `BYTEA` | `BLOB` |
/// | `Date` | `DATE` | `DATE` | `DATE` |
/// | `Time` | `TIME` | `TIME` | `TIME` |
/// | `DateTime` | `DATETIME2` | `TIMESTAMP` | `DATETIME` |
/// | `DateTimeOffset` | `DATETIMEOFFSET` | `TIMESTAMPTZ` | `DATETIME` |
/// | `Uuid` | `UNIQUEIDENTIFIER` | `UUID` | `CHAR(36)` |
/// | `Json` | `NVARCHAR(MAX)` | `JSONB` | `TEXT` |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Type {
    /// A 16-bit integer.
    SmallInt,
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    BigInt,
    /// A true/false flag.
    Bool,
    /// Exact decimal with `precision` digits, `scale` of them after the point.
    Decimal(u8, u8),
    /// Double-precision floating point.
    Float,
    /// Text of at most `n` characters.
    String(u32),
    /// Text of any length.
    Text,
    /// Bytes, at most `n` of them.
    Binary(u32),
    /// Bytes of any length.
    Bytes,
    /// A calendar date.
    Date,
    /// A time of day without a date.
    Time,
    /// A date and time without a time zone.
    DateTime,
    /// A date and time with its offset from UTC.
    DateTimeOffset,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// A type spelled per dialect, for what the portable set lacks
    /// (`GEOGRAPHY`, `CITEXT`, `INTERVAL`, ...). A dialect missing from the
    /// list cannot run an operation that uses it.
    Native(Vec<(Dialect, String)>),
}

impl Type {
    /// A dialect-specific type: `Type::native([(Dialect::Postgres, "CITEXT"), (Dialect::Sqlite, "TEXT")])`.
    pub fn native<S: Into<String>>(names: impl IntoIterator<Item = (Dialect, S)>) -> Self {
        Type::Native(names.into_iter().map(|(d, s)| (d, s.into())).collect())
    }

    /// The type's name in `dialect`, or `None` for a native type the dialect
    /// has no spelling for.
    pub fn sql(&self, dialect: Dialect) -> Option<String> {
        dialect.type_sql(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_maps_text_to_unicode_max_when_dialect_is_mssql() {
        assert_eq!(
            Type::Text.sql(Dialect::Mssql).as_deref(),
            Some("NVARCHAR(MAX)")
        );
        assert_eq!(
            Type::String(5000).sql(Dialect::Mssql).as_deref(),
            Some("NVARCHAR(MAX)")
        );
        assert_eq!(
            Type::String(20).sql(Dialect::Postgres).as_deref(),
            Some("VARCHAR(20)")
        );
    }

    #[test]
    fn sql_is_none_when_native_type_lacks_the_dialect() {
        let ty = Type::native([(Dialect::Postgres, "CITEXT")]);
        assert_eq!(ty.sql(Dialect::Postgres).as_deref(), Some("CITEXT"));
        assert_eq!(ty.sql(Dialect::Mssql), None);
    }
}
