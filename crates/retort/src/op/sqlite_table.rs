//! A SQLite table as its catalog holds it: the `CREATE TABLE` text read
//! into the one model of it (`crate::sqlite_ddl`, which introspection reads
//! too), plus the text of its indexes and triggers. The table-rebuild recipe
//! edits this model and writes it back.
//!
//! The model stays text on purpose. SQLite keeps each table's original
//! `CREATE TABLE` statement and nothing more structured (checks, collations
//! and generated columns appear in no pragma), so the faithful way to copy a
//! table with one change is to edit that text: replace or remove one item,
//! keep every other byte.

use crate::sqlite_ddl::{tokens, Clause, CreateTable, ItemKind, Kind};
use crate::Dialect;

/// A table's catalog text, as a [`CatalogSource`](super::CatalogSource) reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqliteTableSql {
    /// The `sql` of the table's `sqlite_master` row.
    pub create: String,
    /// The `sql` of its explicit indexes (automatic ones have none and come
    /// back with the constraints that made them).
    pub indexes: Vec<String>,
    /// The `sql` of its triggers.
    pub triggers: Vec<String>,
}

/// A table's definition, read into items.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SqliteTable {
    pub name: String,
    pub definition: CreateTable,
    pub indexes: Vec<String>,
    pub triggers: Vec<String>,
}

impl SqliteTable {
    /// Parses the catalog text of table `name`.
    pub(crate) fn parse(name: &str, sql: &SqliteTableSql) -> Result<Self, String> {
        Ok(Self {
            name: name.to_owned(),
            definition: CreateTable::parse(&sql.create)?,
            indexes: sql.indexes.clone(),
            triggers: sql.triggers.clone(),
        })
    }

    /// The `CREATE TABLE` statement for this definition under `name`.
    pub(crate) fn create_sql(&self, name: &str) -> String {
        let items: Vec<&str> = self.definition.items.iter().map(|item| item.text.as_str()).collect();
        let mut sql = format!("CREATE TABLE {} (\n    {}\n)", Dialect::Sqlite.quote_ident(name), items.join(",\n    "));
        if !self.definition.options.is_empty() {
            sql.push(' ');
            sql.push_str(&self.definition.options);
        }
        sql
    }

    /// The names of the columns whose values are stored (generated columns
    /// are computed, so a copy leaves them out).
    pub(crate) fn stored_columns(&self) -> Vec<String> {
        self.definition.columns().filter(|c| !c.is_generated()).map(|c| c.name.clone()).collect()
    }

    fn column_position(&self, column: &str) -> Result<usize, String> {
        self.definition
            .column_position(column)
            .ok_or_else(|| format!("table {} has no column {column}", self.name))
    }

    /// Adds a column definition after the last column.
    pub(crate) fn add_column(&mut self, definition: String) {
        self.definition.add_column(definition);
    }

    pub(crate) fn add_constraint(&mut self, definition: String) {
        self.definition.add_constraint(definition);
    }

    /// Removes a column and the indexes on it.
    pub(crate) fn drop_column(&mut self, column: &str) -> Result<(), String> {
        let at = self.column_position(column)?;
        self.definition.items.remove(at);
        self.indexes.retain(|index| !mentions_after_open(index, column));
        Ok(())
    }

    /// Removes a named table constraint, or a named column constraint clause.
    pub(crate) fn drop_constraint(&mut self, name: &str) -> Result<(), String> {
        match self.definition.drop_constraint(name) {
            true => Ok(()),
            false => Err(format!("table {} has no constraint named {name}", self.name)),
        }
    }

    /// Changes a column's type, nullability or default in place, keeping
    /// every other clause of its definition.
    pub(crate) fn alter_column(
        &mut self,
        column: &str,
        ty: Option<&str>,
        nullable: Option<bool>,
        default: Option<Option<String>>,
    ) -> Result<(), String> {
        let at = self.column_position(column)?;
        let item = &mut self.definition.items[at];
        let ItemKind::Column(definition) = &mut item.kind else {
            return Err(format!("cannot read the definition of column {column}"));
        };
        if let Some(ty) = ty {
            definition.ty = ty.to_owned();
        }
        if let Some(nullable) = nullable {
            definition.clauses.retain(|c| c.kind != "NOT" && c.kind != "NULL");
            if !nullable {
                definition.clauses.push(Clause { kind: "NOT".to_owned(), name: None, text: "NOT NULL".to_owned() });
            }
        }
        if let Some(default) = default {
            definition.clauses.retain(|c| c.kind != "DEFAULT");
            if let Some(default) = default {
                definition.clauses.push(Clause {
                    kind: "DEFAULT".to_owned(),
                    name: None,
                    text: format!("DEFAULT {default}"),
                });
            }
        }
        item.text = definition.to_sql();
        Ok(())
    }
}

/// Whether `name` appears as an identifier after the first parenthesis
/// (an index's column list and condition).
fn mentions_after_open(sql: &str, name: &str) -> bool {
    tokens(sql)
        .iter()
        .skip_while(|t| !t.is_punct("("))
        .any(|t| matches!(t.kind, Kind::Word | Kind::Quoted) && t.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(create: &str) -> SqliteTable {
        SqliteTable::parse(
            "t",
            &SqliteTableSql {
                create: create.to_owned(),
                indexes: vec!["CREATE INDEX \"ix_t_b\" ON \"t\" (\"b\")".to_owned()],
                triggers: Vec::new(),
            },
        )
        .unwrap()
    }

    fn items(table: &SqliteTable) -> Vec<&str> {
        table.definition.items.iter().map(|item| item.text.as_str()).collect()
    }

    #[test]
    fn parse_splits_items_at_top_level_commas_only() {
        let t = table("CREATE TABLE t (a NUMERIC(10, 2) DEFAULT (1, 2), b TEXT, -- note, here\n CONSTRAINT \"ck\" CHECK (a > 0)) STRICT");
        assert_eq!(
            items(&t),
            [
                "a NUMERIC(10, 2) DEFAULT (1, 2)",
                "b TEXT",
                "CONSTRAINT \"ck\" CHECK (a > 0)"
            ]
        );
        assert_eq!(t.definition.options, "STRICT");
        assert_eq!(t.stored_columns(), ["a", "b"]);
    }

    #[test]
    fn alter_column_keeps_other_clauses_when_type_and_nullability_change() {
        let mut t = table("CREATE TABLE t (a VARCHAR(5) NOT NULL DEFAULT 'x' REFERENCES p (id) ON DELETE SET NULL, b INT)");
        t.alter_column("a", Some("VARCHAR(10)"), Some(true), None)
            .unwrap();
        assert_eq!(
            items(&t)[0],
            "a VARCHAR(10) DEFAULT 'x' REFERENCES p (id) ON DELETE SET NULL"
        );
        t.alter_column("A", None, Some(false), Some(None)).unwrap();
        assert_eq!(
            items(&t)[0],
            "a VARCHAR(10) REFERENCES p (id) ON DELETE SET NULL NOT NULL"
        );
    }

    #[test]
    fn drop_constraint_removes_named_table_and_column_constraints() {
        let mut t = table("CREATE TABLE t (a INT CONSTRAINT \"uq_a\" UNIQUE, b INT, CONSTRAINT \"fk\" FOREIGN KEY (b) REFERENCES p (id))");
        t.drop_constraint("FK").unwrap();
        t.drop_constraint("uq_a").unwrap();
        assert_eq!(items(&t), ["a INT", "b INT"]);
        assert!(t.drop_constraint("nope").is_err());
    }

    #[test]
    fn stored_columns_include_a_column_named_by_a_string() {
        // SQLite takes a string where a name is due; left out, the column's
        // values would not be copied into the rebuilt table.
        let t = table("CREATE TABLE t ('g' TEXT, b INT)");
        assert_eq!(t.stored_columns(), ["g", "b"]);
    }

    #[test]
    fn drop_column_drops_indexes_on_it() {
        let mut t = table("CREATE TABLE t (a INT, b INT)");
        t.drop_column("b").unwrap();
        assert_eq!(items(&t), ["a INT"]);
        assert!(t.indexes.is_empty());
    }
}
