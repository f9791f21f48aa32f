//! The schema an application declares: the truth that `new-revision
//! --autogenerate` compares the migrations with (Alembic's `target_metadata`).
//!
//! It is written with the op DSL's own types, in either of two spellings
//! that feed one model: a builder,
//!
//! ```
//! use retort::declare::{Schema, Table};
//! use retort::op::{ReferentialAction, Type};
//!
//! let schema = Schema::new()
//!     .table(Table::new("users", |t| {
//!         t.column("id", Type::Int).identity().primary_key();
//!         t.column("email", Type::String(100)).not_null().unique();
//!     }))
//!     .table(
//!         Table::new("todos", |t| {
//!             t.column("id", Type::Int).identity().primary_key();
//!             t.column("owner_id", Type::Int).not_null().references("users", "id").on_delete(ReferentialAction::Cascade);
//!         })
//!         .index("ix_todos_owner_id", ["owner_id"], |_| {}),
//!     );
//! assert_eq!(schema.tables().len(), 2);
//! ```
//!
//! or `#[derive(retort::Table)]` on the application's row structs (see
//! [`TableDefinition`]). A rename is declared, never guessed:
//! [`Table::renamed_from`] and [`Table::column_renamed_from`] say which old
//! table or column a new name continues, so that autogenerate renames it
//! (keeping its rows) instead of dropping one and adding another.

use std::collections::{BTreeMap, BTreeSet};

use crate::op::{self, Index, Operation, Sql};

/// A declared schema: tables with their indexes, and views.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    tables: Vec<Table>,
    views: Vec<View>,
}

/// A declared table: its definition (columns, keys, foreign keys, checks),
/// its indexes, and the names it and its columns had before, if any.
///
/// Written by hand with [`Table::new`] or by `#[derive(retort::Table)]` (the
/// derive macro, which implements [`TableDefinition`] to return one of
/// these). Its `definition` is a [`crate::op::Table`], what `create_table`
/// records; a table read back from a database is a [`crate::schema::Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's columns and constraints, as `create_table` records them.
    pub definition: op::Table,
    /// Its indexes.
    pub indexes: Vec<Index>,
    /// The table's previous name, when this declaration renames it.
    pub renamed_from: Option<String>,
    /// `(new, old)` names of renamed columns.
    pub renamed_columns: Vec<(String, String)>,
}

/// A declared view: its name and its `SELECT`, portable or per dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The view's name.
    pub name: String,
    /// Its `SELECT`, portable or per dialect.
    pub definition: Sql,
}

/// A type that declares a table: what `#[derive(retort::Table)]` implements
/// for a row struct.
pub trait TableDefinition {
    /// The table the row struct declares.
    fn table() -> Table;
}

impl Schema {
    /// A schema with no tables or views yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a table.
    pub fn table(mut self, table: Table) -> Self {
        self.tables.push(table);
        self
    }

    /// Adds the table a row struct declares with `#[derive(retort::Table)]`.
    pub fn table_of<T: TableDefinition>(self) -> Self {
        self.table(T::table())
    }

    /// Adds a view.
    pub fn view(mut self, name: impl Into<String>, select: impl Into<Sql>) -> Self {
        self.views.push(View { name: name.into(), definition: select.into() });
        self
    }

    /// The declared tables, in the order they were added.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The declared views, in the order they were added.
    pub fn views(&self) -> &[View] {
        &self.views
    }

    /// The declared table named `name`.
    pub fn get(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|table| table.name() == name)
    }

    /// The operations that create this schema on an empty database: tables
    /// in foreign-key order (a table after the tables it references; a
    /// cycle's remaining references become foreign keys added after the
    /// tables), then indexes, then views.
    pub fn operations(&self) -> Vec<Operation> {
        let ordered = foreign_key_order(&self.tables);
        let created: BTreeSet<&str> = BTreeSet::new();
        let mut operations = Vec::new();
        let mut deferred = Vec::new();
        let mut done = created;
        for table in ordered {
            let (definition, later) = without_references_to_later(&table.definition, &done, &self.tables);
            operations.push(Operation::CreateTable(definition));
            deferred.extend(later.into_iter().map(|key| Operation::AddConstraint {
                table: table.name().to_owned(),
                constraint: op::Constraint::ForeignKey(key),
            }));
            done.insert(table.name());
        }
        operations.extend(deferred);
        for table in &self.tables {
            operations.extend(table.indexes.iter().cloned().map(Operation::CreateIndex));
        }
        operations.extend(
            self.views
                .iter()
                .map(|view| Operation::CreateView { name: view.name.clone(), definition: view.definition.clone() }),
        );
        operations
    }
}

impl Table {
    /// A table defined as `create_table` defines one.
    pub fn new(name: impl Into<String>, define: impl FnOnce(&mut op::Table)) -> Self {
        let mut definition = op::Table::new(name);
        define(&mut definition);
        Self::from_definition(definition)
    }

    /// A table from a ready definition.
    pub fn from_definition(definition: op::Table) -> Self {
        Self { definition, indexes: Vec::new(), renamed_from: None, renamed_columns: Vec::new() }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// Adds an index on `columns`, shaped further by `define` (`unique`,
    /// `descending`, `include`, `filter`).
    pub fn index<S: Into<String>>(
        mut self,
        name: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
        define: impl FnOnce(&mut Index),
    ) -> Self {
        let mut index = Index::new(name, self.definition.name.clone(), columns);
        define(&mut index);
        self.indexes.push(index);
        self
    }

    /// Says that this table was called `old` before: autogenerate renames
    /// it, keeping its rows.
    pub fn renamed_from(mut self, old: impl Into<String>) -> Self {
        self.renamed_from = Some(old.into());
        self
    }

    /// Says that column `column` was called `old` before.
    pub fn column_renamed_from(mut self, column: impl Into<String>, old: impl Into<String>) -> Self {
        self.renamed_columns.push((column.into(), old.into()));
        self
    }

    /// The column's previous name, when this declaration renames it.
    pub fn old_name_of(&self, column: &str) -> Option<&str> {
        self.renamed_columns.iter().find(|(new, _)| new == column).map(|(_, old)| old.as_str())
    }
}

/// The tables in an order where each comes after the tables it references
/// (names sorted within a level, so the order is stable); tables in a cycle
/// keep their declared order.
fn foreign_key_order(tables: &[Table]) -> Vec<&Table> {
    let by_name: BTreeMap<&str, &Table> = tables.iter().map(|table| (table.name(), table)).collect();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(tables.len());
    while ordered.len() < tables.len() {
        let ready: Vec<&Table> = tables
            .iter()
            .filter(|table| !placed.contains(table.name()))
            .filter(|table| {
                references(&table.definition)
                    .iter()
                    .all(|target| target == table.name() || placed.contains(target.as_str()) || !by_name.contains_key(target.as_str()))
            })
            .collect();
        // A cycle: the first unplaced table goes, its references later.
        let next = match ready.is_empty() {
            true => tables.iter().filter(|table| !placed.contains(table.name())).take(1).collect(),
            false => ready,
        };
        for table in next {
            placed.insert(table.name());
            ordered.push(table);
        }
    }
    ordered
}

/// The tables a definition's foreign keys reference.
fn references(table: &op::Table) -> Vec<String> {
    table
        .constraints()
        .into_iter()
        .filter_map(|constraint| match constraint {
            op::Constraint::ForeignKey(key) => Some(key.ref_table),
            _ => None,
        })
        .collect()
}

/// `table` with its references to tables created after it taken out, and
/// those references as foreign keys to add once every table exists.
fn without_references_to_later(
    table: &op::Table,
    created: &BTreeSet<&str>,
    tables: &[Table],
) -> (op::Table, Vec<op::ForeignKey>) {
    let later = |target: &str| target != table.name && !created.contains(target) && tables.iter().any(|t| t.name() == target);
    let mut definition = table.clone();
    let mut deferred = Vec::new();
    for column in &mut definition.columns {
        if let Some(reference) = column.references.take_if(|reference| later(&reference.table)) {
            deferred.push(op::ForeignKey {
                name: None,
                columns: vec![column.name.clone()],
                ref_table: reference.table,
                ref_columns: vec![reference.column],
                on_delete: reference.on_delete,
                on_update: reference.on_update,
                not_validated: false,
            });
        }
    }
    let (kept, moved): (Vec<_>, Vec<_>) = definition.foreign_keys.drain(..).partition(|key| !later(&key.ref_table));
    definition.foreign_keys = kept;
    deferred.extend(moved);
    (definition, deferred)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Type;

    fn names(operations: &[Operation]) -> Vec<String> {
        operations
            .iter()
            .map(|operation| match operation {
                Operation::CreateTable(table) => format!("create {}", table.name),
                Operation::AddConstraint { table, .. } => format!("constrain {table}"),
                Operation::CreateIndex(index) => format!("index {}", index.name),
                Operation::CreateView { name, .. } => format!("view {name}"),
                other => other.name().to_owned(),
            })
            .collect()
    }

    #[test]
    fn operations_create_referenced_tables_first_when_declared_after() {
        let schema = Schema::new()
            .table(
                Table::new("todos", |t| {
                    t.column("id", Type::Int).primary_key();
                    t.column("owner_id", Type::Int).references("users", "id");
                })
                .index("ix_todos_owner_id", ["owner_id"], |_| {}),
            )
            .table(Table::new("users", |t| {
                t.column("id", Type::Int).primary_key();
            }))
            .view("open_todos", "SELECT id FROM todos");
        assert_eq!(
            names(&schema.operations()),
            ["create users", "create todos", "index ix_todos_owner_id", "view open_todos"]
        );
    }

    #[test]
    fn operations_add_a_cycles_last_reference_after_both_tables_when_tables_reference_each_other() {
        let schema = Schema::new()
            .table(Table::new("a", |t| {
                t.column("id", Type::Int).primary_key();
                t.column("b_id", Type::Int).references("b", "id");
            }))
            .table(Table::new("b", |t| {
                t.column("id", Type::Int).primary_key();
                t.column("a_id", Type::Int).references("a", "id");
                t.column("parent_id", Type::Int).references("b", "id");
            }));
        let operations = schema.operations();
        assert_eq!(names(&operations), ["create a", "create b", "constrain a"]);
        let Operation::CreateTable(b) = &operations[1] else { panic!("{operations:?}") };
        assert!(b.columns.iter().any(|c| c.name == "parent_id" && c.references.is_some()), "a self-reference stays");
    }

    #[test]
    fn renamed_columns_are_found_by_their_new_name() {
        let table = Table::new("users", |t| {
            t.column("email_address", Type::Text);
        })
        .renamed_from("people")
        .column_renamed_from("email_address", "email");
        assert_eq!(table.old_name_of("email_address"), Some("email"));
        assert_eq!(table.old_name_of("name"), None);
        assert_eq!(table.renamed_from.as_deref(), Some("people"));
    }
}
