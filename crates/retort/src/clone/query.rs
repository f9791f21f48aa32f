//! The SQL a clone sends: reads of the source (pages in key order, rows by
//! key) and writes of the destination, every value a bound parameter and
//! every name quoted by the dialect.

use super::kind::{bound_placeholder, normalise, select_expr};
use super::plan::{ColumnPlan, TableName};
use crate::history::Value;
use crate::{Dialect, Flavour};

/// Parameters one read may bind: well under SQL Server's 2,100.
pub(crate) const MAX_PARAMETERS: usize = 900;

/// A key value, comparable and hashable (NULL never is one: a NULL
/// reference references nothing).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Cell {
    Int(i64),
    Bool(bool),
    Text(String),
}

impl Cell {
    /// The cell of a normalised value; `None` for NULL.
    pub fn of(value: &Value) -> Option<Cell> {
        match value {
            Value::Int(n) => Some(Cell::Int(*n)),
            Value::Bool(b) => Some(Cell::Bool(*b)),
            Value::Text(t) => Some(Cell::Text(t.clone())),
            Value::Null => None,
        }
    }

    pub fn value(&self) -> Value {
        match self {
            Cell::Int(n) => Value::Int(*n),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Text(t) => Value::Text(t.clone()),
        }
    }
}

/// Binds `value` for a comparison with `column` on the source, read as the
/// source's flavour reads it (bytes too, on Babelfish): NULL is never bound
/// (Babelfish refuses an untyped NULL parameter).
fn bind_source(dialect: Dialect, flavour: Flavour, column: &ColumnPlan, value: Value, values: &mut Vec<Value>) -> String {
    values.push(value);
    bound_placeholder(dialect, flavour, column.source_kind, &column.source_type, &dialect.placeholder(values.len()))
}

/// The columns, each in its canonical form, for a `SELECT` list.
pub(crate) fn select_list(dialect: Dialect, columns: &[&ColumnPlan]) -> String {
    let list: Vec<String> = columns.iter().map(|c| select_expr(dialect, &c.source_name, c.source_kind)).collect();
    list.join(", ")
}

/// `SELECT <columns> FROM <table>`.
pub(crate) fn select_from(dialect: Dialect, table: &TableName, columns: &[&ColumnPlan]) -> String {
    format!("SELECT {} FROM {}", select_list(dialect, columns), table.quoted(dialect))
}

/// `ORDER BY` the key columns.
pub(crate) fn order_by(dialect: Dialect, key: &[&ColumnPlan]) -> String {
    let list: Vec<String> = key.iter().map(|c| dialect.quote_ident(&c.source_name)).collect();
    format!(" ORDER BY {}", list.join(", "))
}

/// `WHERE` the key is after `last` in key order: `a > ?` or
/// `a > ? OR (a = ? AND b > ?)` (row-value comparison is not portable).
pub(crate) fn after(dialect: Dialect, flavour: Flavour, key: &[&ColumnPlan], last: &[Cell], values: &mut Vec<Value>) -> String {
    let mut alternatives = Vec::new();
    for (at, column) in key.iter().enumerate() {
        let mut terms = Vec::new();
        for (equal, cell) in key[..at].iter().zip(last) {
            let p = bind_source(dialect, flavour, equal, cell.value(), values);
            terms.push(format!("{} = {p}", dialect.quote_ident(&equal.source_name)));
        }
        let p = bind_source(dialect, flavour, column, last[at].value(), values);
        terms.push(format!("{} > {p}", dialect.quote_ident(&column.source_name)));
        alternatives.push(format!("({})", terms.join(" AND ")));
    }
    format!(" WHERE {}", alternatives.join(" OR "))
}

/// A condition true for rows whose `columns` equal one of `tuples`.
pub(crate) fn matching(dialect: Dialect, flavour: Flavour, columns: &[&ColumnPlan], tuples: &[Vec<Cell>], values: &mut Vec<Value>) -> String {
    if let [column] = columns {
        let list: Vec<String> =
            tuples.iter().map(|tuple| bind_source(dialect, flavour, column, tuple[0].value(), values)).collect();
        return format!("{} IN ({})", dialect.quote_ident(&column.source_name), list.join(", "));
    }
    let alternatives: Vec<String> = tuples
        .iter()
        .map(|tuple| {
            let terms: Vec<String> = columns
                .iter()
                .zip(tuple)
                .map(|(column, cell)| {
                    let p = bind_source(dialect, flavour, column, cell.value(), values);
                    format!("{} = {p}", dialect.quote_ident(&column.source_name))
                })
                .collect();
            format!("({})", terms.join(" AND "))
        })
        .collect();
    format!("({})", alternatives.join(" OR "))
}

/// How many tuples of `width` columns fit in one read.
pub(crate) fn tuples_per_read(width: usize) -> usize {
    (MAX_PARAMETERS / width.max(1)).max(1)
}

/// A row's value for `column`, normalised for its source kind.
pub(crate) fn read_value(row: &mut [Value], at: usize, column: &ColumnPlan) -> Result<Value, &'static str> {
    let raw = std::mem::replace(row.get_mut(at).ok_or("is missing from the row the source returned")?, Value::Null);
    normalise(raw, column.source_kind)
}
