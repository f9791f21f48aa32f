//! `bulk_insert`: reference rows as typed values.

use super::literal::IntoRow;
use crate::dialect::Literal;
use super::table::names;

/// Rows to insert, as `bulk_insert` records them.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkInsert {
    /// The table the rows go into.
    pub table: String,
    /// The columns each row gives, in order.
    pub columns: Vec<String>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Literal>>,
}

impl BulkInsert {
    /// No rows yet for `columns` of `table`; [`row`](Self::row) adds them.
    pub fn new<S: Into<String>>(
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            table: table.into(),
            columns: names(columns),
            rows: Vec::new(),
        }
    }

    /// Adds one row: a tuple such as `(1, "admin", true)` or a `Vec<Literal>`,
    /// one value per column.
    pub fn row(&mut self, values: impl IntoRow) -> &mut Self {
        self.rows.push(values.into_row());
        self
    }
}
