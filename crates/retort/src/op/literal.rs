//! Typed values written into SQL text: column defaults and the rows of
//! `bulk_insert`.
//!
//! A revision is rendered to SQL text (offline scripts must be able to show
//! it), so values cannot travel as parameters here. Instead every value is
//! typed and rendered by one function per kind: text only through
//! [`Dialect::quote_literal`], numbers only from Rust numbers, bytes as hex.

use crate::{Dialect, Sql};

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    /// A finite floating-point number (NaN and infinities are refused when rendered).
    Float(f64),
    /// An exact decimal, as text: an optional `-`, digits, optionally `.` and digits.
    Decimal(String),
    Text(String),
    Bytes(Vec<u8>),
}

impl Literal {
    /// An exact decimal such as `"12.50"`; checked when rendered.
    pub fn decimal(text: impl Into<String>) -> Self {
        Literal::Decimal(text.into())
    }

    /// The literal's SQL text in `dialect`, or why it has none.
    pub(crate) fn sql(&self, dialect: Dialect) -> Result<String, String> {
        Ok(match self {
            Literal::Null => "NULL".to_owned(),
            Literal::Bool(value) => match (dialect, value) {
                (Dialect::Postgres, true) => "TRUE".to_owned(),
                (Dialect::Postgres, false) => "FALSE".to_owned(),
                // SQL Server's BIT and SQLite's BOOLEAN affinity take 1 and 0.
                (Dialect::Mssql | Dialect::Sqlite, true) => "1".to_owned(),
                (Dialect::Mssql | Dialect::Sqlite, false) => "0".to_owned(),
            },
            Literal::Int(value) => value.to_string(),
            Literal::Float(value) if value.is_finite() => format!("{value:?}"),
            Literal::Float(value) => return Err(format!("{value} is not a number SQL can store")),
            Literal::Decimal(text) if is_decimal(text) => text.clone(),
            Literal::Decimal(text) => {
                return Err(format!(
                    "{text:?} is not a decimal: use digits with an optional sign and point, like \"-12.50\""
                ))
            }
            Literal::Text(text) => dialect.quote_literal(text),
            Literal::Bytes(bytes) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                match dialect {
                    Dialect::Mssql => format!("0x{hex}"),
                    Dialect::Postgres => format!("'\\x{hex}'::bytea"),
                    Dialect::Sqlite => format!("X'{hex}'"),
                }
            }
        })
    }
}

fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! literal_from {
    ($($ty:ty => $variant:ident via $convert:expr),* $(,)?) => {
        $(impl From<$ty> for Literal {
            fn from(value: $ty) -> Self {
                Literal::$variant($convert(value))
            }
        })*
    };
}

literal_from!(
    bool => Bool via |v| v,
    i8 => Int via i64::from,
    i16 => Int via i64::from,
    i32 => Int via i64::from,
    i64 => Int via |v| v,
    u8 => Int via i64::from,
    u16 => Int via i64::from,
    u32 => Int via i64::from,
    f32 => Float via f64::from,
    f64 => Float via |v| v,
    &str => Text via str::to_owned,
    String => Text via |v| v,
    Vec<u8> => Bytes via |v| v,
);

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(value: Option<T>) -> Self {
        value.map_or(Literal::Null, Into::into)
    }
}

/// A column's default: a typed value, the current time, or SQL per dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    Literal(Literal),
    /// `CURRENT_TIMESTAMP`, which every dialect has.
    CurrentTimestamp,
    /// An SQL expression, for what the other forms cannot say (`gen_random_uuid()`).
    Sql(Sql),
}

impl DefaultValue {
    /// An SQL expression given per dialect, e.g.
    /// `DefaultValue::sql([(Dialect::Postgres, "gen_random_uuid()"), (Dialect::Mssql, "NEWID()")])`.
    pub fn sql<S: Into<String>>(texts: impl IntoIterator<Item = (Dialect, S)>) -> Self {
        DefaultValue::Sql(Sql::PerDialect(
            texts.into_iter().map(|(d, s)| (d, s.into())).collect(),
        ))
    }

    /// The expression after `DEFAULT`, or why `dialect` has none.
    pub(crate) fn render(&self, dialect: Dialect) -> Result<String, String> {
        match self {
            DefaultValue::Literal(literal) => literal.sql(dialect),
            DefaultValue::CurrentTimestamp => Ok("CURRENT_TIMESTAMP".to_owned()),
            // Parenthesised: SQLite accepts an expression default only so,
            // and the others accept it as well.
            DefaultValue::Sql(sql) => sql
                .text(dialect)
                .map(|text| format!("({text})"))
                .ok_or_else(|| format!("the default has no SQL for {dialect}")),
        }
    }
}

impl<T: Into<Literal>> From<T> for DefaultValue {
    fn from(value: T) -> Self {
        DefaultValue::Literal(value.into())
    }
}

/// One row of values for `bulk_insert`: a tuple of values of any literal
/// type, or a `Vec<Literal>`.
pub trait IntoRow {
    fn into_row(self) -> Vec<Literal>;
}

impl IntoRow for Vec<Literal> {
    fn into_row(self) -> Vec<Literal> {
        self
    }
}

impl<const N: usize> IntoRow for [Literal; N] {
    fn into_row(self) -> Vec<Literal> {
        self.into()
    }
}

macro_rules! tuple_row {
    ($($name:ident),+) => {
        impl<$($name: Into<Literal>),+> IntoRow for ($($name,)+) {
            #[allow(non_snake_case)] // The type parameters double as the bindings.
            fn into_row(self) -> Vec<Literal> {
                let ($($name,)+) = self;
                vec![$($name.into()),+]
            }
        }
    };
}

tuple_row!(A);
tuple_row!(A, B);
tuple_row!(A, B, C);
tuple_row!(A, B, C, D);
tuple_row!(A, B, C, D, E);
tuple_row!(A, B, C, D, E, F);
tuple_row!(A, B, C, D, E, F, G);
tuple_row!(A, B, C, D, E, F, G, H);
tuple_row!(A, B, C, D, E, F, G, H, I);
tuple_row!(A, B, C, D, E, F, G, H, I, J);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_quotes_text_through_the_dialect_when_it_holds_quotes() {
        let text = Literal::from("it's; DROP TABLE users; --");
        assert_eq!(
            text.sql(Dialect::Mssql).unwrap(),
            "N'it''s; DROP TABLE users; --'"
        );
        assert_eq!(
            text.sql(Dialect::Sqlite).unwrap(),
            "'it''s; DROP TABLE users; --'"
        );
    }

    #[test]
    fn sql_refuses_when_decimal_or_float_is_not_a_number() {
        assert!(Literal::decimal("1; DROP").sql(Dialect::Postgres).is_err());
        assert!(Literal::decimal("1.").sql(Dialect::Postgres).is_err());
        assert_eq!(
            Literal::decimal("-12.50").sql(Dialect::Postgres).unwrap(),
            "-12.50"
        );
        assert!(Literal::Float(f64::NAN).sql(Dialect::Postgres).is_err());
    }

    #[test]
    fn sql_renders_booleans_and_bytes_per_dialect() {
        assert_eq!(Literal::Bool(true).sql(Dialect::Postgres).unwrap(), "TRUE");
        assert_eq!(Literal::Bool(true).sql(Dialect::Mssql).unwrap(), "1");
        assert_eq!(
            Literal::Bytes(vec![0xab, 1]).sql(Dialect::Mssql).unwrap(),
            "0xAB01"
        );
        assert_eq!(
            Literal::Bytes(vec![0xab]).sql(Dialect::Sqlite).unwrap(),
            "X'AB'"
        );
    }
}
