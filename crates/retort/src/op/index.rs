//! Index definitions.

use super::table::names;
use crate::Sql;

/// An index, as `create_index` records it.
///
/// Included columns (`INCLUDE`) exist on SQL Server and PostgreSQL; SQLite
/// has no such clause and builds the index without them, which changes how
/// fast a query runs but never what it returns. Filtered (partial) indexes
/// exist on every dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub columns: Vec<IndexColumn>,
    pub unique: bool,
    pub include: Vec<String>,
    /// The `WHERE` condition of a filtered index, in the dialect's SQL.
    pub filter: Option<Sql>,
}

/// One key column of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexColumn {
    pub name: String,
    pub descending: bool,
}

impl Index {
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            name: name.into(),
            table: table.into(),
            columns: names(columns)
                .into_iter()
                .map(|name| IndexColumn {
                    name,
                    descending: false,
                })
                .collect(),
            unique: false,
            include: Vec::new(),
            filter: None,
        }
    }

    pub fn unique(&mut self) -> &mut Self {
        self.unique = true;
        self
    }

    /// Sorts the named key columns in descending order.
    pub fn descending<S: Into<String>>(
        &mut self,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        for name in names(columns) {
            for column in &mut self.columns {
                if column.name == name {
                    column.descending = true;
                }
            }
        }
        self
    }

    /// Non-key columns stored in the index (`INCLUDE`).
    pub fn include<S: Into<String>>(&mut self, columns: impl IntoIterator<Item = S>) -> &mut Self {
        self.include.extend(names(columns));
        self
    }

    /// Indexes only the rows matching `condition` (`WHERE`).
    pub fn filter(&mut self, condition: impl Into<Sql>) -> &mut Self {
        self.filter = Some(condition.into());
        self
    }
}
