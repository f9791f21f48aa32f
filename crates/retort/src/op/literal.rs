//! What a column's default and a `bulk_insert` row hold: typed
//! [`Literal`]s (their rendering is the dialect's, see
//! `dialect/literal.rs`), the current time, or SQL per dialect.

use crate::dialect::Literal;
use crate::{Dialect, Sql};

/// A column's default: a typed value, the current time, or SQL per dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// A typed value, rendered as each dialect's literal.
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
            DefaultValue::Literal(literal) => dialect.literal(literal),
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
    /// The row's values, one per column, in order.
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
