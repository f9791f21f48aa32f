//! What the database looks like when a revision runs, as far as the rules
//! need it: which tables exist, and for each its columns (type, nullability,
//! default), the indexes and keys over them and the schema-bound views that
//! read them, and which revision created it.
//!
//! The linter updates it from every statement it reads, so each revision
//! meets what the earlier ones built. `migrate lint` with a database seeds it
//! from the database's own catalog first (`retort::lint`), which makes the
//! tables that existed before the linted revisions facts, not guesses.
//! Names are matched without their schema and case-insensitively, as
//! SQL Server's default collation and unquoted PostgreSQL names do.

use std::collections::BTreeMap;

/// The tables the rules can ask about.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, TableFacts>,
}

/// One table.
#[derive(Debug, Clone, Default)]
pub struct TableFacts {
    pub name: String,
    /// By lowercase name.
    pub columns: BTreeMap<String, ColumnFacts>,
    /// The revision that created it, when a linted revision did: such a
    /// table holds no rows while that revision runs.
    pub created_in: Option<String>,
    /// Indexes and keys: name, lowercase columns, and whether it is the
    /// primary key.
    pub indexes: Vec<(String, Vec<String>, bool)>,
    /// Schema-bound views that read the table: view name and the lowercase
    /// words of its definition (the columns it may name).
    pub bound_views: Vec<(String, Vec<String>)>,
}

/// One column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    pub name: String,
    /// The type as written (`nvarchar(50)`), when known.
    pub data_type: Option<String>,
    pub nullable: bool,
    /// Whether a default constraint is bound to it.
    pub has_default: bool,
}

/// Matches names the way the rules do: the last part, lowercase, without quotes.
pub(crate) fn key(name: &str) -> String {
    name.rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_matches(|c| c == '[' || c == ']' || c == '"' || c == '`')
        .to_ascii_lowercase()
}

impl Catalog {
    /// Records a table that exists (from a database, or created by a
    /// revision when `created_in` is set). An existing one is replaced.
    pub fn add_table(&mut self, name: &str, columns: Vec<ColumnFacts>, created_in: Option<&str>) {
        let table = TableFacts {
            name: name.to_owned(),
            columns: columns.into_iter().map(|c| (key(&c.name), c)).collect(),
            created_in: created_in.map(str::to_owned),
            indexes: Vec::new(),
            bound_views: Vec::new(),
        };
        self.tables.insert(key(name), table);
    }

    /// Records an index or key over `columns` of `table`.
    pub fn add_index(&mut self, table: &str, name: &str, columns: &[String], primary_key: bool) {
        if let Some(table) = self.tables.get_mut(&key(table)) {
            table.indexes.push((name.to_owned(), columns.iter().map(|c| key(c)).collect(), primary_key));
        }
    }

    /// Records a schema-bound view over `table` whose definition has `words`.
    pub fn add_bound_view(&mut self, table: &str, view: &str, words: Vec<String>) {
        if let Some(table) = self.tables.get_mut(&key(table)) {
            table.bound_views.push((view.to_owned(), words));
        }
    }

    pub fn table(&self, name: &str) -> Option<&TableFacts> {
        self.tables.get(&key(name))
    }

    pub(crate) fn table_mut(&mut self, name: &str) -> Option<&mut TableFacts> {
        self.tables.get_mut(&key(name))
    }

    pub(crate) fn drop_table(&mut self, name: &str) {
        self.tables.remove(&key(name));
        for table in self.tables.values_mut() {
            table.bound_views.retain(|(view, _)| key(view) != key(name));
        }
    }

    pub(crate) fn drop_index(&mut self, name: &str) {
        for table in self.tables.values_mut() {
            table.indexes.retain(|(index, _, _)| key(index) != key(name));
        }
    }

    pub(crate) fn rename_table(&mut self, from: &str, to: &str) {
        if let Some(mut table) = self.tables.remove(&key(from)) {
            table.name = to.to_owned();
            self.tables.insert(key(to), table);
        }
    }

    /// Whether `revision` created `table` (so it is empty while it runs).
    pub fn created_in(&self, table: &str, revision: &str) -> bool {
        self.table(table).and_then(|t| t.created_in.as_deref()) == Some(revision)
    }

    /// The table names, for tests and messages.
    pub fn table_names(&self) -> Vec<String> {
        self.tables.values().map(|t| t.name.clone()).collect()
    }
}

impl TableFacts {
    pub fn column(&self, name: &str) -> Option<&ColumnFacts> {
        self.columns.get(&key(name))
    }
}
