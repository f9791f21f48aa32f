//! The schema the revisions declare, read from their operations, for
//! `db clone --check` when they do not render for SQLite (a baseline of
//! SQL Server or PostgreSQL, whose column types and modules are that
//! server's own): the check then needs no server and no rendering.
//!
//! Only what the masking file is checked against is kept: each table's
//! columns (name, type as the revisions' dialect spells it, nullability,
//! identity, computed or not), its keys and foreign keys, and its unique
//! indexes. Raw SQL (`execute`) is not read: a table that only raw SQL
//! creates is unknown here, and `db clone` still refuses it against the
//! real source's schema.

use super::error::CloneError;
use crate::op::{Constraint, Type};
use crate::schema::{Column, ForeignKey, Identity, Index, IndexColumn, Key, SchemaSnapshot, Table};
use crate::{Body, Dialect, Migrations, Operation, Operations, RevisionGraph};

/// The schema that applying every revision declares, in the dialect the
/// revisions spell their native types in (the first of PostgreSQL, SQL
/// Server and SQLite that spells them all).
pub(crate) fn schema(migrations: &'static Migrations) -> Result<(SchemaSnapshot, Dialect), CloneError> {
    let graph = RevisionGraph::new(migrations);
    let mut recorded = Vec::new();
    for revision in graph.revisions() {
        match revision.body {
            Body::Rust { upgrade, .. } => recorded.push(Operations::record(upgrade)),
            Body::Sql { .. } => {
                return Err(CloneError::Declared(format!(
                    "revision {} ({}) is SQL, which only a database of its dialect reads; and the revisions do not \
                     render for SQLite either, so their schema cannot be read here. Check the masking file against \
                     a real database with `db clone` (it checks before it copies anything)",
                    revision.id, revision.source
                )))
            }
        }
    }
    let operations: Vec<&Operation> = recorded.iter().flatten().collect();
    let dialect = [Dialect::Postgres, Dialect::Mssql, Dialect::Sqlite]
        .into_iter()
        .find(|dialect| operations.iter().all(|op| types(op).iter().all(|ty| ty.sql(*dialect).is_some())))
        .ok_or_else(|| {
            CloneError::Declared(
                "the revisions' native types have no dialect they are all spelled in, so their schema cannot be \
                 read without a database: give each native type a spelling for the database you clone"
                    .to_owned(),
            )
        })?;
    let mut schema = SchemaSnapshot::default();
    for operation in operations {
        apply(&mut schema, operation, dialect);
    }
    schema.sort_parts();
    Ok((schema, dialect))
}

/// The column types an operation names.
fn types(operation: &Operation) -> Vec<&Type> {
    match operation {
        Operation::CreateTable(table) => table.columns.iter().map(|c| &c.ty).collect(),
        Operation::AddColumn { column, .. } => vec![&column.ty],
        Operation::AlterColumn(alter) => alter.set_type.iter().collect(),
        _ => Vec::new(),
    }
}

fn apply(schema: &mut SchemaSnapshot, operation: &Operation, dialect: Dialect) {
    match operation {
        Operation::CreateTable(created) => {
            let mut table = Table::default();
            for column in &created.columns {
                table.columns.push(column_of(column, dialect));
            }
            let constraints = created
                .primary_key
                .iter()
                .cloned()
                .map(Constraint::PrimaryKey)
                .chain(created.uniques.iter().cloned().map(Constraint::Unique))
                .chain(created.foreign_keys.iter().cloned().map(Constraint::ForeignKey))
                .chain(created.columns.iter().flat_map(|c| c.implied_constraints()));
            for constraint in constraints {
                add_constraint(&mut table, &created.name, &constraint);
            }
            schema.tables.insert(created.name.clone(), table);
        }
        Operation::DropTable { table, .. } => {
            schema.tables.remove(table);
        }
        Operation::RenameTable { from, to } => {
            if let Some(table) = schema.tables.remove(from) {
                schema.tables.insert(to.clone(), table);
            }
            for table in schema.tables.values_mut() {
                for key in table.foreign_keys.iter_mut().filter(|k| k.referenced_table == *from) {
                    key.referenced_table = to.clone();
                }
            }
        }
        Operation::AddColumn { table, column } => {
            if let Some(existing) = schema.tables.get_mut(table) {
                existing.columns.push(column_of(column, dialect));
                for constraint in column.implied_constraints() {
                    add_constraint(existing, table, &constraint);
                }
            }
        }
        Operation::DropColumn { table, column, .. } => {
            if let Some(existing) = schema.tables.get_mut(table) {
                existing.columns.retain(|c| c.name != *column);
                let names_it = |columns: &[String]| columns.iter().any(|c| c == column);
                existing.uniques.retain(|k| !names_it(&k.columns));
                existing.foreign_keys.retain(|k| !names_it(&k.columns));
                existing.indexes.retain(|i| !i.columns.iter().any(|c| c.name == *column));
            }
        }
        Operation::AlterColumn(alter) => {
            let column = schema.tables.get_mut(&alter.table).and_then(|t| t.columns.iter_mut().find(|c| c.name == alter.column));
            if let Some(column) = column {
                if let Some(ty) = alter.set_type.as_ref().and_then(|ty| ty.sql(dialect)) {
                    column.data_type = ty.to_lowercase();
                }
                if let Some(nullable) = alter.set_nullable {
                    column.nullable = nullable;
                }
            }
        }
        Operation::RenameColumn { table, from, to } => {
            let rename = |columns: &mut Vec<String>| columns.iter_mut().filter(|c| *c == from).for_each(|c| *c = to.clone());
            for (name, other) in &mut schema.tables {
                for key in &mut other.foreign_keys {
                    if name == table {
                        rename(&mut key.columns);
                    }
                    if key.referenced_table == *table {
                        rename(&mut key.referenced_columns);
                    }
                }
            }
            if let Some(existing) = schema.tables.get_mut(table) {
                rename_column(existing, from, to);
            }
        }
        Operation::CreateIndex(index) => {
            if let Some(table) = schema.tables.get_mut(&index.table) {
                table.indexes.push(Index {
                    name: index.name.clone(),
                    unique: index.unique,
                    clustered: false,
                    columns: index.columns.iter().map(|c| IndexColumn { name: c.name.clone(), descending: c.descending }).collect(),
                    included: index.include.clone(),
                    filter: None,
                });
            }
        }
        Operation::DropIndex { table, name, .. } => {
            if let Some(table) = schema.tables.get_mut(table) {
                table.indexes.retain(|i| i.name != *name);
            }
        }
        Operation::AddConstraint { table, constraint } => {
            if let Some(existing) = schema.tables.get_mut(table) {
                add_constraint(existing, table, constraint);
            }
        }
        Operation::DropConstraint { table, name, .. } => {
            if let Some(existing) = schema.tables.get_mut(table) {
                let named = |key: &Option<String>| key.as_deref() == Some(name.as_str());
                if existing.primary_key.as_ref().is_some_and(|k| named(&k.name)) {
                    existing.primary_key = None;
                }
                existing.uniques.retain(|k| !named(&k.name));
                existing.foreign_keys.retain(|k| !named(&k.name));
            }
        }
        // Views, raw SQL and rows declare no table.
        _ => {}
    }
}

fn column_of(column: &crate::op::Column, dialect: Dialect) -> Column {
    Column {
        name: column.name.clone(),
        data_type: column.ty.sql(dialect).unwrap_or_default().to_lowercase(),
        nullable: column.nullable && !column.primary_key,
        identity: column.identity.then_some(Identity { seed: None, increment: None }),
        computed: column.computed.as_ref().map(|c| c.expression.text(dialect).unwrap_or_default().to_owned()),
        ..Column::default()
    }
}

/// A constraint with the name the database gives it (retort's own when
/// the revision gives none), so that `drop_constraint` finds it.
fn add_constraint(table: &mut Table, table_name: &str, constraint: &Constraint) {
    let name = Some(constraint.name(table_name));
    match constraint {
        Constraint::PrimaryKey(key) => table.primary_key = Some(Key { name, columns: key.columns.clone() }),
        Constraint::Unique(key) => table.uniques.push(Key { name, columns: key.columns.clone() }),
        Constraint::ForeignKey(key) => table.foreign_keys.push(ForeignKey {
            name,
            columns: key.columns.clone(),
            referenced_table: key.ref_table.clone(),
            referenced_columns: key.ref_columns.clone(),
            on_delete: String::new(),
            on_update: String::new(),
        }),
        Constraint::Check(_) => {}
    }
}

fn rename_column(table: &mut Table, from: &str, to: &str) {
    let rename = |name: &mut String| {
        if name == from {
            *name = to.to_owned();
        }
    };
    table.columns.iter_mut().for_each(|c| rename(&mut c.name));
    for key in table.primary_key.iter_mut().chain(table.uniques.iter_mut()) {
        key.columns.iter_mut().for_each(rename);
    }
    for index in &mut table.indexes {
        index.columns.iter_mut().for_each(|c| rename(&mut c.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Checksum, Revision};

    fn baseline(op: &mut Operations) {
        let varchar = || Type::native([(Dialect::Mssql, "varchar(40)")]);
        op.create_table("Customer Accounts", |t| {
            t.column("AccountID", Type::Int).identity().primary_key();
            t.column("FirstName", varchar()).not_null();
            t.column("Email", Type::String(100)).unique();
        });
        op.execute_per_dialect([(Dialect::Mssql, "CREATE VIEW [Sales by Region] AS SELECT 1 AS a")]);
        op.create_table("orders", |t| {
            t.column("id", Type::BigInt).primary_key();
            t.column("account_id", Type::Int).references("Customer Accounts", "AccountID");
        });
    }

    fn later(op: &mut Operations) {
        op.rename_column("Customer Accounts", "FirstName", "GivenName");
        op.add_column("orders", "note", Type::native([(Dialect::Mssql, "nvarchar(max)")]));
        op.drop_column("orders", "account_id");
    }

    static REVISIONS: [Revision; 2] = [
        Revision {
            id: "ba5e11e00001",
            parents: &[],
            depends_on: &[],
            branch_labels: &[],
            message: "baseline",
            checksum: Checksum([0; 32]),
            transactional: true,
            irreversible: None,
            lock_timeout: None,
            source: "migrations/ba5e11e00001_baseline.rs",
            body: Body::Rust { upgrade: baseline, downgrade: None },
        },
        Revision {
            id: "1a7e00000002",
            parents: &["ba5e11e00001"],
            depends_on: &[],
            branch_labels: &[],
            message: "later",
            checksum: Checksum([0; 32]),
            transactional: true,
            irreversible: None,
            lock_timeout: None,
            source: "migrations/1a7e00000002_later.rs",
            body: Body::Rust { upgrade: later, downgrade: None },
        },
    ];
    static MIGRATIONS: Migrations = Migrations::new(&REVISIONS);

    #[test]
    fn schema_reads_the_tables_operations_declare_in_the_dialect_their_types_are_spelled_in() {
        let (schema, dialect) = schema(&MIGRATIONS).unwrap();
        assert_eq!(dialect, Dialect::Mssql);
        let accounts = &schema.tables["Customer Accounts"];
        let columns: Vec<(&str, &str)> = accounts.columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str())).collect();
        assert_eq!(columns, [("AccountID", "int"), ("GivenName", "varchar(40)"), ("Email", "nvarchar(100)")]);
        assert_eq!(accounts.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["AccountID".to_owned()]));
        assert_eq!(accounts.uniques.len(), 1);
        let orders: Vec<&str> = schema.tables["orders"].columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(orders, ["id", "note"]);
        assert!(schema.tables["orders"].foreign_keys.is_empty());
    }
}
