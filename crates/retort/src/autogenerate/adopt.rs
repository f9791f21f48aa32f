//! The current schema back in the op DSL, for what autogenerate drops or
//! alters away: the conversions `baseline` makes, with the names the
//! objects have (not replaced by retort's).

use super::AutogenerateError;
use crate::baseline::{self, SystemNames};
use crate::op::{self, DefaultValue, Type};
use crate::schema;
use crate::{Dialect, Flavour};

/// Table `name` of a snapshot as `create_table` would define it.
pub(crate) fn convert_table(name: &str, table: &schema::Table, dialect: Dialect, flavour: Flavour) -> op::Table {
    let system = SystemNames::default();
    let cx = baseline::Context { dialect, flavour, keep_names: true, system: &system };
    baseline::convert(name, table, &cx).table
}

/// A snapshot's type in the op DSL.
pub(crate) fn snapshot_type(data_type: &str, collation: Option<&str>, dialect: Dialect, flavour: Flavour) -> Type {
    baseline::column_type(data_type, collation, dialect, flavour)
}

/// A snapshot's default, of a column of type `ty`, in the op DSL.
pub(crate) fn snapshot_default(text: &str, ty: &Type, dialect: Dialect) -> DefaultValue {
    baseline::default_value(text, ty, dialect)
}

/// Refuses an expression of the current schema that a revision could not
/// write back. Babelfish keeps some expressions in PostgreSQL's form with no
/// T-SQL translation (`backend/mssql/postgres_form.rs`); a revision that
/// drops or alters what holds one would rebuild it without it on downgrade,
/// so autogenerate stops instead of leaving it out unsaid. `what` names the
/// holder, for the message.
pub(crate) fn written_back(
    what: impl FnOnce() -> String,
    expression: &str,
    dialect: Dialect,
    flavour: Flavour,
) -> Result<(), AutogenerateError> {
    if dialect != Dialect::Mssql || flavour != Flavour::Babelfish {
        return Ok(());
    }
    match baseline::postgres_only(expression) {
        Some(form) => Err(AutogenerateError::NotWrittenBack { what: what(), expression: expression.to_owned(), form }),
        None => Ok(()),
    }
}

/// [`written_back`] for a column's default and computation.
pub(crate) fn column_written_back(table: &str, column: &schema::Column, dialect: Dialect, flavour: Flavour) -> Result<(), AutogenerateError> {
    if let Some(default) = &column.default {
        written_back(|| format!("the default of column {table}.{}", column.name), default, dialect, flavour)?;
    }
    if let Some(computed) = &column.computed {
        written_back(|| format!("computed column {table}.{}", column.name), computed, dialect, flavour)?;
    }
    Ok(())
}

/// [`written_back`] for everything a table holds: what dropping it would
/// have to rebuild.
pub(crate) fn table_written_back(name: &str, table: &schema::Table, dialect: Dialect, flavour: Flavour) -> Result<(), AutogenerateError> {
    for column in &table.columns {
        column_written_back(name, column, dialect, flavour)?;
    }
    for check in &table.checks {
        let check_name = check.name.as_deref().unwrap_or("(unnamed)");
        written_back(|| format!("check {check_name} of table {name}"), &check.expression, dialect, flavour)?;
    }
    for index in &table.indexes {
        if let Some(filter) = &index.filter {
            written_back(|| format!("index {} of table {name}", index.name), filter, dialect, flavour)?;
        }
    }
    Ok(())
}
