//! The rows of the catalog queries a baseline makes, read whatever type the
//! driver decoded each column as: the one reading shared by the source and
//! by the system names.

use crate::backend::{Backend, BackendError, Row};
use crate::history::Value;

/// The rows of a catalog query (none when what it reads is missing).
pub(super) async fn rows<B: Backend>(db: &mut B, sql: &str) -> Result<Vec<Row>, BackendError> {
    Ok(db.query(sql, &[]).await?.unwrap_or_default())
}

/// A column as text, whatever the driver decoded it as.
pub(super) fn text(row: &Row, at: usize) -> String {
    match row.get(at) {
        Some(Value::Text(text)) => text.clone(),
        Some(Value::Int(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// A column as a number, whatever the driver decoded it as.
#[cfg(feature = "mssql")]
pub(super) fn int(row: &Row, at: usize) -> i64 {
    match row.get(at) {
        Some(Value::Int(number)) => *number,
        Some(Value::Text(text)) => text.trim().parse().unwrap_or_default(),
        Some(Value::Bool(flag)) => i64::from(*flag),
        _ => 0,
    }
}
