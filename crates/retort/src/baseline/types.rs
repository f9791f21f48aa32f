//! A column type as the catalog spells it, back to an op DSL [`Type`].
//!
//! A portable type is used only where retort renders it to exactly the
//! source's type on that dialect and server, that is where a column
//! created with it reads back from the catalog with the same spelling (SQL
//! Server's `DATETIME2` reads back as `datetime2(7)`, Babelfish's as
//! `datetime2(6)`): the dialect says which ([`Dialect::portable_type`]).
//! Everything else — `varchar(20)` on SQL Server (the portable `String` is
//! Unicode there), `money`, `citext`, an enum — is `Type::native` with the
//! catalog's own spelling, which renders to itself. The round trip in
//! `tests/baseline.rs` is the judge of this.

use crate::op::Type;
use crate::{Dialect, Flavour};

/// The op DSL type for a column whose catalog type is `data_type`, with
/// its collation (when not the database's) kept in the native spelling.
pub(crate) fn column_type(data_type: &str, collation: Option<&str>, dialect: Dialect, flavour: Flavour) -> Type {
    match collation {
        Some(collation) => Type::native([(dialect, format!("{data_type} COLLATE {}", dialect.collation(collation)))]),
        None => dialect.portable_type(data_type, flavour).unwrap_or_else(|| Type::native([(dialect, data_type)])),
    }
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
            let ty = dialect.portable_type(spelled, Flavour::Standard).unwrap_or_else(|| panic!("{spelled}"));
            assert_eq!(ty.sql(dialect).map(|s| s.to_ascii_lowercase()).as_deref(), Some(spelled), "{dialect} {spelled}");
        }
    }

    #[test]
    fn column_type_is_native_when_the_portable_type_would_change_it() {
        // SQL Server's portable strings are Unicode: varchar stays varchar.
        assert_eq!(column_type("varchar(20)", None, Dialect::Mssql, Flavour::Standard), Type::native([(Dialect::Mssql, "varchar(20)")]));
        let portable = |spelled: &str, dialect: Dialect, flavour| dialect.portable_type(spelled, flavour);
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
