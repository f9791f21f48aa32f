//! A column default as the catalog prints it, back to a [`DefaultValue`].
//!
//! A typed literal (`.default(0)`, `.default("user")`) is used only where
//! retort renders it to exactly the catalog's text on that dialect; any
//! other default is kept as the SQL it is (`DefaultValue::Sql`), which
//! every dialect stores as it was given (retort adds the parentheses that
//! SQLite requires; the catalogs drop or normalise them).

use crate::op::{DefaultValue, Literal};
use crate::{Dialect, Sql};

/// The default whose rendering on `dialect` is `text`.
pub(crate) fn default_value(text: &str, dialect: Dialect) -> DefaultValue {
    let text = text.trim();
    if text == "CURRENT_TIMESTAMP" {
        return DefaultValue::CurrentTimestamp;
    }
    let candidates = [integer(text), string(text), Some(Literal::Null).filter(|_| text.eq_ignore_ascii_case("NULL"))];
    for literal in candidates.into_iter().flatten() {
        if literal.sql(dialect).as_deref() == Ok(text) {
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

    #[test]
    fn default_value_is_a_typed_literal_only_when_it_renders_to_the_same_text() {
        assert_eq!(default_value("0", Dialect::Mssql), DefaultValue::Literal(Literal::Int(0)));
        assert_eq!(default_value("N'it''s'", Dialect::Mssql), DefaultValue::Literal(Literal::Text("it's".into())));
        // A non-Unicode literal on SQL Server is not what `.default("x")` renders.
        assert_eq!(default_value("'x'", Dialect::Mssql), DefaultValue::Sql(Sql::Portable("'x'".into())));
        assert_eq!(default_value("'x'", Dialect::Sqlite), DefaultValue::Literal(Literal::Text("x".into())));
        assert_eq!(
            default_value("'active'::character varying", Dialect::Postgres),
            DefaultValue::Sql(Sql::Portable("'active'::character varying".into()))
        );
        assert_eq!(default_value("false", Dialect::Postgres), DefaultValue::Sql(Sql::Portable("false".into())));
        assert_eq!(default_value("CURRENT_TIMESTAMP", Dialect::Sqlite), DefaultValue::CurrentTimestamp);
    }
}
