//! A column type as the catalog spells it, back to an op DSL [`Type`].
//!
//! A portable type is used only where retort renders it to exactly the
//! source's type on that dialect and server, that is where a column
//! created with it reads back from the catalog with the same spelling (SQL
//! Server's `DATETIME2` reads back as `datetime2(7)`, Babelfish's as
//! `datetime2(6)`). Everything else — `varchar(20)` on SQL Server (the
//! portable `String` is Unicode there), `money`, `citext`, an enum — is
//! `Type::native` with the catalog's own spelling, which renders to itself.
//! The round trip in `tests/baseline.rs` is the judge of this table.

use crate::op::Type;
use crate::{Dialect, Flavour};

/// The op DSL type for a column whose catalog type is `data_type`, with
/// its collation (when not the database's) kept in the native spelling.
pub(crate) fn column_type(data_type: &str, collation: Option<&str>, dialect: Dialect, flavour: Flavour) -> Type {
    match collation {
        Some(collation) => Type::native([(dialect, format!("{data_type} COLLATE {}", collation_name(collation, dialect)))]),
        None => portable(data_type, dialect, flavour).unwrap_or_else(|| Type::native([(dialect, data_type)])),
    }
}

/// PostgreSQL names a collation as an identifier (`"C"`, `"de-DE-x-icu"`);
/// SQL Server and SQLite take a bare name.
fn collation_name(collation: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => dialect.quote_ident(collation),
        Dialect::Mssql | Dialect::Sqlite => collation.to_owned(),
    }
}

/// The portable type that reads back as `data_type`, if there is one.
pub(crate) fn portable(data_type: &str, dialect: Dialect, flavour: Flavour) -> Option<Type> {
    let spelled = data_type.trim().to_ascii_lowercase();
    if let Some(fixed) = fixed(&spelled, dialect, flavour) {
        return Some(fixed);
    }
    let (name, arguments) = spelled.split_once('(')?;
    let arguments: Vec<u32> = arguments
        .strip_suffix(')')?
        .split(',')
        .map(|n| n.trim().parse().ok())
        .collect::<Option<_>>()?;
    match (dialect, name.trim(), arguments.as_slice()) {
        (Dialect::Mssql, "nvarchar", [n]) if *n <= 4000 => Some(Type::String(*n)),
        (Dialect::Mssql, "varbinary", [n]) if *n <= 8000 => Some(Type::Binary(*n)),
        (Dialect::Mssql, "decimal", [p, s]) | (Dialect::Postgres | Dialect::Sqlite, "numeric", [p, s]) => {
            Some(Type::Decimal(u8::try_from(*p).ok()?, u8::try_from(*s).ok()?))
        }
        (Dialect::Postgres, "character varying", [n]) | (Dialect::Sqlite, "varchar", [n]) => Some(Type::String(*n)),
        _ => None,
    }
}

/// The portable types without arguments, by their catalog spelling.
fn fixed(spelled: &str, dialect: Dialect, flavour: Flavour) -> Option<Type> {
    // Babelfish keeps at most microseconds: what SQL Server spells (7)
    // comes back (6).
    let fraction = match flavour {
        Flavour::Standard => "7",
        Flavour::Babelfish => "6",
    };
    Some(match (dialect, spelled) {
        (_, "smallint") => Type::SmallInt,
        (_, "bigint") => Type::BigInt,
        (_, "date") => Type::Date,
        (Dialect::Mssql, "int") | (Dialect::Postgres | Dialect::Sqlite, "integer") => Type::Int,
        (Dialect::Mssql, "bit") | (Dialect::Postgres | Dialect::Sqlite, "boolean") => Type::Bool,
        (Dialect::Mssql, "float") | (Dialect::Postgres, "double precision") | (Dialect::Sqlite, "real") => Type::Float,
        (Dialect::Mssql, "nvarchar(max)") | (Dialect::Postgres | Dialect::Sqlite, "text") => Type::Text,
        (Dialect::Mssql, "varbinary(max)") | (Dialect::Postgres, "bytea") | (Dialect::Sqlite, "blob") => Type::Bytes,
        (Dialect::Mssql, "uniqueidentifier") | (Dialect::Postgres, "uuid") => Type::Uuid,
        (Dialect::Postgres, "jsonb") => Type::Json,
        (Dialect::Postgres, "time without time zone") | (Dialect::Sqlite, "time") => Type::Time,
        (Dialect::Postgres, "timestamp without time zone") | (Dialect::Sqlite, "datetime") => Type::DateTime,
        (Dialect::Postgres, "timestamp with time zone") => Type::DateTimeOffset,
        (Dialect::Mssql, other) => match other.strip_suffix(&format!("({fraction})")) {
            Some("time") => Type::Time,
            Some("datetime2") => Type::DateTime,
            Some("datetimeoffset") => Type::DateTimeOffset,
            _ => return None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_types_render_to_the_source_spelling_when_the_dialect_spells_them_so() {
        // Where the catalog spells a type as retort renders it, the two agree.
        for (dialect, spelled) in [
            (Dialect::Mssql, "int"),
            (Dialect::Mssql, "nvarchar(100)"),
            (Dialect::Mssql, "decimal(10,2)"),
            (Dialect::Mssql, "nvarchar(max)"),
            (Dialect::Sqlite, "integer"),
            (Dialect::Sqlite, "varchar(20)"),
            (Dialect::Sqlite, "numeric(10,2)"),
            (Dialect::Postgres, "bigint"),
        ] {
            let ty = portable(spelled, dialect, Flavour::Standard).unwrap_or_else(|| panic!("{spelled}"));
            assert_eq!(ty.sql(dialect).map(|s| s.to_ascii_lowercase()).as_deref(), Some(spelled), "{dialect} {spelled}");
        }
    }

    #[test]
    fn column_type_is_native_when_the_portable_type_would_change_it() {
        // SQL Server's portable strings are Unicode: varchar stays varchar.
        assert_eq!(column_type("varchar(20)", None, Dialect::Mssql, Flavour::Standard), Type::native([(Dialect::Mssql, "varchar(20)")]));
        assert_eq!(portable("datetime2(7)", Dialect::Mssql, Flavour::Standard), Some(Type::DateTime));
        assert_eq!(portable("datetime2(7)", Dialect::Mssql, Flavour::Babelfish), None);
        assert_eq!(portable("datetime2(6)", Dialect::Mssql, Flavour::Babelfish), Some(Type::DateTime));
        assert_eq!(portable("character varying(100)", Dialect::Postgres, Flavour::Standard), Some(Type::String(100)));
        assert_eq!(
            column_type("text", Some("C"), Dialect::Postgres, Flavour::Standard),
            Type::native([(Dialect::Postgres, "text COLLATE \"C\"")])
        );
    }
}
