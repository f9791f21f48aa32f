//! A column default as the catalog prints it, back to a [`DefaultValue`].
//!
//! A default is a typed literal (`.default(true)`, `.default("user")`)
//! where the catalog's text is a value of the column's type as that
//! dialect prints it ([`Dialect::read_literal`]): the literal renders to
//! that value on every dialect, and on this one to a default its catalog
//! prints the same way. So SQLite's `1` in a boolean column is `true`
//! (PostgreSQL refuses the integer `1` there), and its `X'AB01'` is bytes.
//! A column of a native type, which only this dialect runs, keeps the
//! untyped reading: a number or text, where it renders to exactly the
//! catalog's text. Any other default is kept as the SQL it is
//! (`DefaultValue::Sql`), which every dialect stores as it was given
//! (retort adds the parentheses that SQLite requires; the catalogs drop or
//! normalise them).

use crate::op::{DefaultValue, Literal, Type};
use crate::{Dialect, Sql};

/// The default of a column of type `ty` whose catalog text on `dialect` is `text`.
pub(crate) fn default_value(text: &str, ty: &Type, dialect: Dialect) -> DefaultValue {
    let text = text.trim();
    if text == "CURRENT_TIMESTAMP" {
        return DefaultValue::CurrentTimestamp;
    }
    if let Some(literal) = dialect.read_literal(text, ty) {
        return DefaultValue::Literal(literal);
    }
    let candidates = [integer(text), string(text), Some(Literal::Null).filter(|_| text.eq_ignore_ascii_case("NULL"))];
    for literal in candidates.into_iter().flatten() {
        if dialect.literal(&literal).as_deref() == Ok(text) {
            return DefaultValue::Literal(literal);
        }
    }
    DefaultValue::Sql(Sql::Portable(text.to_owned()))
}

fn integer(text: &str) -> Option<Literal> {
    text.parse::<i64>().ok().map(Literal::Int)
}

/// `'it''s'` or `N'it''s'` as the text it quotes.
fn string(text: &str) -> Option<Literal> {
    let quoted = text.strip_prefix('N').unwrap_or(text);
    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    // A quote inside must be doubled, or the literal ended earlier.
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(Literal::Text(inner.replace("''", "'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn native(dialect: Dialect) -> Type {
        Type::native([(dialect, "money")])
    }

    #[test]
    fn default_value_is_a_typed_literal_only_when_it_renders_to_the_same_text() {
        let default = |text: &str, dialect: Dialect| default_value(text, &native(dialect), dialect);
        assert_eq!(default("0", Dialect::Mssql), DefaultValue::Literal(Literal::Int(0)));
        assert_eq!(default("N'it''s'", Dialect::Mssql), DefaultValue::Literal(Literal::Text("it's".into())));
        // A non-Unicode literal on SQL Server is not what `.default("x")` renders.
        assert_eq!(default("'x'", Dialect::Mssql), DefaultValue::Sql(Sql::Portable("'x'".into())));
        assert_eq!(default("'x'", Dialect::Sqlite), DefaultValue::Literal(Literal::Text("x".into())));
        assert_eq!(
            default("'active'::character varying", Dialect::Postgres),
            DefaultValue::Sql(Sql::Portable("'active'::character varying".into()))
        );
        assert_eq!(default("false", Dialect::Postgres), DefaultValue::Sql(Sql::Portable("false".into())));
        assert_eq!(default("CURRENT_TIMESTAMP", Dialect::Sqlite), DefaultValue::CurrentTimestamp);
    }

    #[test]
    fn default_value_is_a_value_of_the_column_type_when_the_catalog_prints_one() {
        let typed = |text: &str, ty: Type, dialect: Dialect| match default_value(text, &ty, dialect) {
            DefaultValue::Literal(literal) => Some(literal),
            _ => None,
        };
        // A boolean column's 1 is true: PostgreSQL refuses an integer there.
        assert_eq!(typed("1", Type::Bool, Dialect::Sqlite), Some(Literal::Bool(true)));
        assert_eq!(typed("0", Type::Bool, Dialect::Mssql), Some(Literal::Bool(false)));
        assert_eq!(typed("false", Type::Bool, Dialect::Postgres), Some(Literal::Bool(false)));
        assert_eq!(typed("X'AB01'", Type::Bytes, Dialect::Sqlite), Some(Literal::Bytes(vec![0xAB, 0x01])));
        assert_eq!(typed("'\\xab01'::bytea", Type::Bytes, Dialect::Postgres), Some(Literal::Bytes(vec![0xAB, 0x01])));
        assert_eq!(typed("-12.50", Type::Decimal(10, 2), Dialect::Sqlite), Some(Literal::decimal("-12.50")));
        assert_eq!(typed("'-12.50'::numeric", Type::Decimal(10, 2), Dialect::Postgres), Some(Literal::decimal("-12.50")));
        assert_eq!(typed("'-5'::integer", Type::Int, Dialect::Postgres), Some(Literal::Int(-5)));
        assert_eq!(typed("-1.5", Type::Float, Dialect::Sqlite), Some(Literal::Float(-1.5)));
        assert_eq!(typed("'2024-01-01'::date", Type::Date, Dialect::Postgres), Some(Literal::Text("2024-01-01".into())));
        assert_eq!(typed("'it''s'::character varying", Type::String(9), Dialect::Postgres), Some(Literal::Text("it's".into())));
        assert_eq!(typed("NULL::character varying", Type::String(9), Dialect::Postgres), Some(Literal::Null));
        // Cast to another type than the column's, it is not what retort writes.
        assert_eq!(typed("'x'::text", Type::String(9), Dialect::Postgres), None);
        // Not a value: kept as the SQL it is.
        assert_eq!(default_value("CURRENT_DATE", &Type::Date, Dialect::Postgres), DefaultValue::Sql(Sql::Portable("CURRENT_DATE".into())));
        assert_eq!(typed("(datetime('now'))", Type::DateTime, Dialect::Sqlite), None);
        // A number spelled otherwise than retort writes it reads back otherwise.
        assert_eq!(typed("1.50", Type::Float, Dialect::Sqlite), None);
    }
}
