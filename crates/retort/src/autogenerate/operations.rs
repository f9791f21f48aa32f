//! The changes as op DSL operations, in an order that is safe to run.
//!
//! What is created comes from the declaration, in the op DSL's own types
//! (so that the revision reads as a person would write it); what is
//! dropped or altered away comes from the current schema, kept in full
//! (`drop_table_with`, `existing_type`, …) so that retort derives the
//! downgrade. The order: views that go or change first (they depend on
//! tables), then constraints and indexes that go, renames, columns and
//! tables that go (tables in reverse foreign-key order), tables that come
//! (in foreign-key order), columns that come or change, keys, checks and
//! foreign keys that come, indexes, and views.

use super::adopt::{column_written_back, convert_table, snapshot_default, snapshot_type, table_written_back, written_back};
use crate::declare;
use crate::op::{self, AlterColumn, Constraint, Operation, Sql};
use crate::schema::{self, SchemaSnapshot};
use crate::{Dialect, Flavour};

use super::compare::Change;
use super::AutogenerateError;

/// Everything the translation reads.
pub(crate) struct Sides<'a> {
    pub current: &'a SchemaSnapshot,
    pub declared: &'a declare::Schema,
    pub dialect: Dialect,
    pub flavour: Flavour,
}

/// The ordered operations for `changes`.
pub(crate) fn operations(changes: &[Change], sides: &Sides<'_>) -> Result<Vec<Operation>, AutogenerateError> {
    let mut phases: [Vec<Operation>; 10] = Default::default();
    for change in changes {
        place(change, sides, &mut phases)?;
    }
    // Tables that go: a table before the tables it references.
    order_drops(&mut phases[4], sides.current);
    // Tables that come: after the tables they reference.
    order_creates(&mut phases[5], sides.declared);
    Ok(phases.into_iter().flatten().collect())
}

/// Puts the operations of one change in their phase:
/// 0 views that go, 1 constraints that go, 2 indexes that go, 3 renames and
/// columns that go, 4 tables that go, 5 tables that come, 6 columns that
/// come or change, 7 keys and checks that come, 8 foreign keys and indexes
/// that come, 9 views that come.
fn place(change: &Change, sides: &Sides<'_>, phases: &mut [Vec<Operation>; 10]) -> Result<(), AutogenerateError> {
    match change {
        Change::DropView(name) => phases[0].push(drop_view(name, sides)),
        Change::ReplaceView(name) => {
            phases[0].push(drop_view(name, sides));
            phases[9].push(create_view(name, sides)?);
        }
        Change::AddView(name) => phases[9].push(create_view(name, sides)?),
        Change::DropUnique { table, key } => phases[1].push(drop_constraint(table, Constraint::Unique(key_of(key)))),
        Change::DropForeignKey { table, key } => phases[1].push(drop_constraint(table, Constraint::ForeignKey(foreign_key_of(key)))),
        Change::DropCheck { table, check } => {
            let check_name = check.name.as_deref().unwrap_or("(unnamed)");
            written_back(|| format!("check {check_name} of table {table}"), &check.expression, sides.dialect, sides.flavour)?;
            phases[1].push(drop_constraint(table, Constraint::Check(check_of(check, sides.dialect))));
        }
        Change::SetPrimaryKey { table, was, now } => {
            if let Some(was) = was {
                phases[1].push(drop_constraint(table, Constraint::PrimaryKey(key_of(was))));
            }
            if let Some(now) = now {
                phases[7].push(add_constraint(table, Constraint::PrimaryKey(key_of(now))));
            }
        }
        Change::DropIndex { table, index } => {
            if let Some(filter) = &index.filter {
                written_back(|| format!("index {} of table {table}", index.name), filter, sides.dialect, sides.flavour)?;
            }
            phases[2].push(drop_index(table, index));
        }
        Change::RenameTable { from, to } => phases[3].push(Operation::RenameTable { from: from.clone(), to: to.clone() }),
        Change::RenameColumn { table, from, to } => {
            phases[3].push(Operation::RenameColumn { table: table.clone(), from: from.clone(), to: to.clone() })
        }
        Change::DropColumn { table, column } => phases[3].push(drop_column(table, column, sides)?),
        Change::DropTable(name) => {
            // Its indexes first, kept, so that the downgrade rebuilds them.
            let table = current_table(name, sides)?;
            phases[2].extend(table.indexes.iter().map(|index| drop_index(name, index)));
            phases[4].push(drop_table(name, sides)?);
        }
        Change::AddTable(name) => {
            let declared = declared_table(name, sides)?;
            phases[5].push(Operation::CreateTable(declared.definition.clone()));
            phases[8].extend(declared.indexes.iter().cloned().map(Operation::CreateIndex));
        }
        Change::AddColumn { table, column } => phases[6].push(add_column(table, column, sides)?),
        Change::AlterColumn { table, column, was, now } => phases[6].push(alter_column(table, column, was, now, sides)?),
        Change::RecreateColumn { table, column } => {
            return Err(AutogenerateError::Unsupported {
                what: format!("the identity or computation of column {table}.{column}"),
                how: "no database changes either in place: write the revision by hand (add a new column, copy, \
                      drop the old one, rename)",
            })
        }
        Change::AddUnique { table, key } => phases[7].push(add_constraint(table, Constraint::Unique(key_of(key)))),
        Change::AddCheck { table, check } => phases[7].push(add_constraint(table, Constraint::Check(declared_check(table, check, sides)))),
        Change::AddForeignKey { table, key } => phases[8].push(add_constraint(table, Constraint::ForeignKey(foreign_key_of(key)))),
        Change::AddIndex { table, index } => phases[8].push(Operation::CreateIndex(declared_index(table, index, sides))),
    }
    Ok(())
}

fn declared_table<'a>(name: &str, sides: &'a Sides<'_>) -> Result<&'a declare::Table, AutogenerateError> {
    sides.declared.get(name).ok_or_else(|| AutogenerateError::Internal(format!("table {name} is in the declared schema's snapshot but not declared")))
}

fn current_table<'a>(name: &str, sides: &'a Sides<'_>) -> Result<&'a schema::Table, AutogenerateError> {
    sides.current.tables.get(name).ok_or_else(|| AutogenerateError::Internal(format!("table {name} is not in the current schema")))
}

/// The current definition of a table, in the op DSL, with the names it has.
fn current_definition(name: &str, sides: &Sides<'_>) -> Result<op::Table, AutogenerateError> {
    let table = current_table(name, sides)?;
    Ok(convert_table(name, table, sides.dialect, sides.flavour))
}

fn drop_table(name: &str, sides: &Sides<'_>) -> Result<Operation, AutogenerateError> {
    table_written_back(name, current_table(name, sides)?, sides.dialect, sides.flavour)?;
    Ok(Operation::DropTable { table: name.to_owned(), definition: Some(current_definition(name, sides)?) })
}

fn drop_column(table: &str, column: &str, sides: &Sides<'_>) -> Result<Operation, AutogenerateError> {
    if let Some(current) = current_table(table, sides)?.columns.iter().find(|c| c.name == column) {
        column_written_back(table, current, sides.dialect, sides.flavour)?;
    }
    let definition = current_definition(table, sides)?;
    let mut kept = definition.columns.into_iter().find(|c| c.name == column);
    // Its keys and references go as constraints of their own, before it.
    if let Some(kept) = &mut kept {
        kept.primary_key = false;
        kept.unique = false;
        kept.references = None;
    }
    Ok(Operation::DropColumn { table: table.to_owned(), column: column.to_owned(), definition: kept })
}

fn add_column(table: &str, column: &str, sides: &Sides<'_>) -> Result<Operation, AutogenerateError> {
    let declared = declared_table(table, sides)?;
    let mut definition = declared
        .definition
        .columns
        .iter()
        .find(|c| c.name == column)
        .cloned()
        .ok_or_else(|| AutogenerateError::Internal(format!("column {table}.{column} is not declared")))?;
    // Its keys and references are added as constraints of their own.
    definition.primary_key = false;
    definition.unique = false;
    definition.references = None;
    Ok(Operation::AddColumn { table: table.to_owned(), column: definition })
}

fn alter_column(
    table: &str,
    column: &str,
    was: &schema::Column,
    now: &schema::Column,
    sides: &Sides<'_>,
) -> Result<Operation, AutogenerateError> {
    let declared = declared_table(table, sides)?
        .definition
        .columns
        .iter()
        .find(|c| c.name == column)
        .ok_or_else(|| AutogenerateError::Internal(format!("column {table}.{column} is not declared")))?;
    column_written_back(table, was, sides.dialect, sides.flavour)?;
    let mut alter = AlterColumn::new(table, column);
    let existing_type = snapshot_type(&was.data_type, was.collation.as_deref(), sides.dialect, sides.flavour);
    alter.existing_type(existing_type.clone());
    alter.existing_nullable(was.nullable);
    match &was.default {
        Some(default) => alter.existing_default(snapshot_default(default, &existing_type, sides.dialect)),
        None => alter.existing_no_default(),
    };
    if was.data_type != now.data_type {
        alter.set_type(declared.ty.clone());
    }
    if was.nullable != now.nullable {
        alter.set_nullable(now.nullable);
    }
    if was.default != now.default {
        match &declared.default {
            Some(default) => alter.set_default(default.clone()),
            None => alter.drop_default(),
        };
    }
    Ok(Operation::AlterColumn(alter))
}

fn drop_index(table: &str, index: &schema::Index) -> Operation {
    let mut definition = op::Index::new(index.name.clone(), table, index.columns.iter().map(|c| c.name.clone()));
    definition.descending(index.columns.iter().filter(|c| c.descending).map(|c| c.name.clone()));
    definition.include(index.included.clone());
    definition.unique = index.unique;
    definition.filter = index.filter.clone().map(Sql::Portable);
    Operation::DropIndex { table: table.to_owned(), name: index.name.clone(), definition: Some(definition) }
}

fn declared_index(table: &str, index: &schema::Index, sides: &Sides<'_>) -> op::Index {
    sides
        .declared
        .get(table)
        .and_then(|t| t.indexes.iter().find(|i| i.name == index.name))
        .cloned()
        .unwrap_or_else(|| match drop_index(table, index) {
            Operation::DropIndex { definition: Some(definition), .. } => definition,
            _ => op::Index::new(index.name.clone(), table, index.columns.iter().map(|c| c.name.clone())),
        })
}

fn key_of(key: &schema::Key) -> op::Key {
    op::Key { name: key.name.clone(), columns: key.columns.clone() }
}

fn foreign_key_of(key: &schema::ForeignKey) -> op::ForeignKey {
    op::ForeignKey {
        name: key.name.clone(),
        columns: key.columns.clone(),
        ref_table: key.referenced_table.clone(),
        ref_columns: key.referenced_columns.clone(),
        on_delete: action(&key.on_delete),
        on_update: action(&key.on_update),
        not_validated: false,
    }
}

/// The snapshot's action words back to the op DSL's (none for the default).
fn action(text: &str) -> Option<op::ReferentialAction> {
    match text.to_ascii_uppercase().as_str() {
        "CASCADE" => Some(op::ReferentialAction::Cascade),
        "SET NULL" => Some(op::ReferentialAction::SetNull),
        "SET DEFAULT" => Some(op::ReferentialAction::SetDefault),
        "RESTRICT" => Some(op::ReferentialAction::Restrict),
        _ => None,
    }
}

/// A check the current schema has, by its whole name and its text there.
fn check_of(check: &schema::Check, dialect: Dialect) -> op::Check {
    op::Check {
        name: check.name.clone().unwrap_or_default(),
        condition: Sql::per_dialect([(dialect, check.expression.clone())]),
        exact_name: true,
        not_validated: false,
    }
}

/// The declared check that the wanted snapshot's `check` comes from.
fn declared_check(table: &str, check: &schema::Check, sides: &Sides<'_>) -> op::Check {
    let declared = sides.declared.get(table).map(|t| t.definition.checks.clone()).unwrap_or_default();
    declared
        .into_iter()
        .find(|candidate| {
            let full = if candidate.exact_name { candidate.name.clone() } else { op::naming::constraint_name("ck", &[table, &candidate.name]) };
            Some(full.to_ascii_lowercase()) == check.name.as_ref().map(|n| n.to_ascii_lowercase())
        })
        .unwrap_or_else(|| check_of(check, sides.dialect))
}

fn add_constraint(table: &str, constraint: Constraint) -> Operation {
    Operation::AddConstraint { table: table.to_owned(), constraint }
}

fn drop_constraint(table: &str, constraint: Constraint) -> Operation {
    Operation::DropConstraint { table: table.to_owned(), name: constraint.name(table), definition: Some(constraint) }
}

fn create_view(name: &str, sides: &Sides<'_>) -> Result<Operation, AutogenerateError> {
    let view = sides
        .declared
        .views()
        .iter()
        .find(|view| view.name == name)
        .ok_or_else(|| AutogenerateError::Internal(format!("view {name} is not declared")))?;
    Ok(Operation::CreateView { name: name.to_owned(), definition: view.definition.clone() })
}

fn drop_view(name: &str, sides: &Sides<'_>) -> Operation {
    let definition = sides
        .current
        .views
        .get(name)
        .map(|view| Sql::per_dialect([(sides.dialect, select_of(&view.definition))]));
    Operation::DropView { name: name.to_owned(), definition }
}

/// The `SELECT` of a view's definition (SQL Server keeps the whole
/// `CREATE VIEW … AS`, PostgreSQL and SQLite… the query or the statement).
fn select_of(definition: &str) -> String {
    let upper = definition.to_ascii_uppercase();
    match (upper.trim_start().starts_with("CREATE"), upper.find(" AS ")) {
        (true, Some(at)) => definition[at + 4..].trim().trim_end_matches(';').to_owned(),
        _ => definition.trim().trim_end_matches(';').to_owned(),
    }
}

/// Tables that go, each before the tables it references (a cycle's tables
/// in name order: their foreign keys go with the first one dropped).
fn order_drops(drops: &mut Vec<Operation>, current: &SchemaSnapshot) {
    let name = |operation: &Operation| match operation {
        Operation::DropTable { table, .. } => table.clone(),
        _ => String::new(),
    };
    let mut left: Vec<Operation> = std::mem::take(drops);
    left.sort_by_key(name);
    while !left.is_empty() {
        let names: Vec<String> = left.iter().map(name).collect();
        let referenced = |table: &str| {
            names.iter().any(|other| {
                other != table
                    && current.tables.get(other).is_some_and(|t| t.foreign_keys.iter().any(|k| k.referenced_table == table))
            })
        };
        let next = left.iter().position(|operation| !referenced(&name(operation))).unwrap_or(0);
        drops.push(left.remove(next));
    }
}

/// Tables that come, each after the tables it references (the declared
/// schema's own order for them).
fn order_creates(creates: &mut [Operation], declared: &declare::Schema) {
    let order: Vec<String> = declared
        .operations()
        .into_iter()
        .filter_map(|operation| match operation {
            Operation::CreateTable(table) => Some(table.name),
            _ => None,
        })
        .collect();
    creates.sort_by_key(|operation| match operation {
        Operation::CreateTable(table) => order.iter().position(|name| *name == table.name).unwrap_or(usize::MAX),
        _ => usize::MAX,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Check, Column};

    /// A table whose check Babelfish printed in PostgreSQL's form (T-SQL's
    /// `LIKE '[0-9]%'` reads back as a regular expression).
    fn current() -> SchemaSnapshot {
        let mut current = SchemaSnapshot::default();
        current.tables.insert(
            "codes".into(),
            schema::Table {
                columns: vec![Column { name: "code".into(), data_type: "varchar(10)".into(), ..Column::default() }],
                checks: vec![Check { name: Some("ck_code_digits".into()), expression: "code :: text ~ '^[0-9]' :: text".into() }],
                ..schema::Table::default()
            },
        );
        current
    }

    fn run(change: Change, flavour: Flavour) -> Result<Vec<Operation>, AutogenerateError> {
        let current = current();
        let declared = declare::Schema::default();
        operations(&[change], &Sides { current: &current, declared: &declared, dialect: Dialect::Mssql, flavour })
    }

    #[test]
    fn an_expression_babelfish_cannot_write_back_stops_autogenerate() {
        let check = current().tables["codes"].checks[0].clone();
        for change in [Change::DropTable("codes".into()), Change::DropCheck { table: "codes".into(), check }] {
            match run(change.clone(), Flavour::Babelfish) {
                Err(error @ AutogenerateError::NotWrittenBack { .. }) => {
                    let message = error.to_string();
                    assert!(message.contains("check ck_code_digits of table codes"), "{message}");
                    assert!(message.contains("`::` has no T-SQL translation"), "{message}");
                }
                other => panic!("{change:?} on Babelfish: {other:?}"),
            }
            // SQL Server keeps T-SQL: the same change is written.
            assert!(run(change, Flavour::Standard).is_ok());
        }
    }
}
