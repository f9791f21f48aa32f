//! The snapshot model. Every collection is ordered deterministically
//! (`BTreeMap` by name, or catalog order where order matters, like columns),
//! so equal schemas give equal values and equal renderings on every machine.

use std::collections::{BTreeMap, BTreeSet};

/// Everything a schema holds, except retort's own history tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SchemaSnapshot {
    /// Schemas other than the connection's default (`public`, `dbo`, `main`);
    /// the schema holding retort's history tables only when it also holds
    /// something else.
    pub schemas: BTreeSet<String>,
    /// Installed extensions (PostgreSQL; `plpgsql`, always there, is left out).
    pub extensions: BTreeSet<String>,
    /// User-defined types by qualified name: PostgreSQL enums, domains,
    /// composite and range types; SQL Server alias and table types.
    pub types: BTreeMap<String, UserType>,
    /// Tables by qualified name (`name`, or `schema.name` outside the default schema).
    pub tables: BTreeMap<String, Table>,
    /// Views by qualified name.
    pub views: BTreeMap<String, View>,
    /// Materialized views by qualified name (PostgreSQL).
    pub materialized_views: BTreeMap<String, View>,
    /// Procedures and functions by qualified name.
    pub routines: BTreeMap<String, Routine>,
    /// Triggers by qualified name.
    pub triggers: BTreeMap<String, Trigger>,
    /// Sequences by qualified name.
    pub sequences: BTreeMap<String, Sequence>,
}

impl SchemaSnapshot {
    /// Whether the schema holds nothing at all (a fresh database, or one
    /// fully downgraded: retort's history tables are never part of it).
    pub fn is_empty(&self) -> bool {
        *self == SchemaSnapshot::default()
    }

    /// Puts every table's parts in their documented order (see
    /// [`Table::sort_parts`]).
    pub fn sort_parts(&mut self) {
        self.tables.values_mut().for_each(Table::sort_parts);
    }
}

impl Table {
    /// Sorts the constraints and indexes as the fields document. Catalogs
    /// return them in no promised order; every backend's introspection ends
    /// here, so two snapshots of the same schema are equal.
    pub fn sort_parts(&mut self) {
        self.uniques.sort();
        self.foreign_keys.sort();
        self.checks.sort();
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// A table as a database's catalog describes it, with everything attached
/// to it: what introspection reads and what snapshots and schema diffs
/// compare.
///
/// Not to be confused with [`crate::op::Table`] (a definition an operation
/// creates) or [`crate::declare::Table`] (a table the application declares);
/// `retort::Table` is the derive macro.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Table {
    /// Columns in their catalog order (order is part of the schema).
    pub columns: Vec<Column>,
    /// The primary key, if the table has one.
    pub primary_key: Option<Key>,
    /// Unique constraints, sorted by name then columns.
    pub uniques: Vec<Key>,
    /// Foreign keys, sorted by name then columns.
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints, sorted by name then expression.
    pub checks: Vec<Check>,
    /// Indexes that do not back a primary key or unique constraint, sorted by name.
    pub indexes: Vec<Index>,
}

/// A column as the database reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The type as the database spells it, with length/precision:
    /// `nvarchar(100)`, `nvarchar(max)`, `numeric(10,2)`, `integer`.
    pub data_type: String,
    /// Whether it accepts `NULL`.
    pub nullable: bool,
    /// The default expression, normalised by the backend.
    pub default: Option<String>,
    /// The name of the default constraint (SQL Server names them).
    pub default_name: Option<String>,
    /// Identity / auto-increment.
    pub identity: Option<Identity>,
    /// The collation, only when it differs from the database default.
    pub collation: Option<String>,
    /// The expression of a computed (generated) column, followed by
    /// ` stored` when the value is stored (PostgreSQL and SQLite `STORED`,
    /// SQL Server `PERSISTED`) or ` virtual` when it is computed on read.
    pub computed: Option<String>,
}

/// Identity or auto-increment settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    /// `None` where the database has no such setting (SQLite's AUTOINCREMENT).
    pub seed: Option<i64>,
    /// The step between values; `None` where the database has no such
    /// setting (SQLite).
    pub increment: Option<i64>,
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Key {
    /// The constraint name; `None` where the database does not keep one (SQLite).
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ForeignKey {
    /// The constraint name; `None` where the database does not keep one
    /// (SQLite).
    pub name: Option<String>,
    /// The referencing columns, in order.
    pub columns: Vec<String>,
    /// Qualified like the keys of [`SchemaSnapshot::tables`].
    pub referenced_table: String,
    /// The referenced columns, in the same order as `columns`.
    pub referenced_columns: Vec<String>,
    /// `NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`.
    pub on_delete: String,
    /// `NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`.
    pub on_update: String,
}

/// A check constraint.
///
/// The expression has no enclosing parentheses: `qty >= 0`, not `(qty >= 0)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Check {
    /// The constraint name; `None` where the database does not keep one
    /// (SQLite).
    pub name: Option<String>,
    /// The expression, normalised by the backend, without the parentheses
    /// that enclose all of it.
    pub expression: String,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Index {
    /// The index's name.
    pub name: String,
    /// Whether it is a unique index.
    pub unique: bool,
    /// SQL Server's clustered indexes; `false` elsewhere.
    pub clustered: bool,
    /// Its key columns (or expressions), in order.
    pub columns: Vec<IndexColumn>,
    /// Included (covering) columns.
    pub included: Vec<String>,
    /// The predicate of a partial/filtered index, without `WHERE`.
    pub filter: Option<String>,
}

/// One key column (or expression) of an index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct IndexColumn {
    /// A column name, or an expression for expression indexes.
    pub name: String,
    /// Whether the column is sorted descending.
    pub descending: bool,
}

/// A view with its normalised definition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct View {
    /// The view's `SELECT` (or `CREATE VIEW`) text, as the catalog keeps it,
    /// normalised.
    pub definition: String,
}

/// What kind of routine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutineKind {
    /// A stored procedure.
    Procedure,
    /// A function.
    Function,
}

/// A stored procedure or function.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Routine {
    /// Procedure or function.
    pub kind: RoutineKind,
    /// Its source text, as the catalog keeps it, normalised.
    pub definition: String,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trigger {
    /// The qualified table the trigger is on.
    pub table: String,
    /// Its source text, as the catalog keeps it, normalised.
    pub definition: String,
}

/// A user-defined type: its definition in one normalised line,
/// e.g. `enum ('low', 'high')` or `domain integer not null CHECK (VALUE > 0)`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserType {
    /// The definition in one normalised line.
    pub definition: String,
}

/// A sequence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sequence {
    /// The sequence's value type, as the database spells it.
    pub data_type: String,
    /// Its first value.
    pub start: i64,
    /// The step between values.
    pub increment: i64,
}
