//! Seed data: a project's seed code records rows on a [`Seeder`], and retort
//! runs them in one transaction, with every value as a parameter.
//!
//! Rows are inserted only when no row with the same key exists, so seeding is
//! idempotent: running it twice gives the same rows, not twice as many.

use crate::history::{Rendered, Value};
use crate::Dialect;

/// A value in a seed row: a literal value, or the result of looking up
/// another seeded row (a foreign key by natural key).
#[derive(Debug, Clone, PartialEq)]
pub enum SeedValue {
    /// A value bound as a parameter.
    Value(Value),
    /// `(SELECT <column> FROM <table> WHERE <key_column> = <key>)`.
    Lookup {
        /// The table to look in.
        table: String,
        /// The column whose value is used.
        column: String,
        /// The column that identifies the row (a natural key).
        key_column: String,
        /// The natural key's value.
        key: Value,
    },
}

impl From<&str> for SeedValue {
    fn from(text: &str) -> Self {
        SeedValue::Value(Value::Text(text.to_owned()))
    }
}

impl From<String> for SeedValue {
    fn from(text: String) -> Self {
        SeedValue::Value(Value::Text(text))
    }
}

impl From<i64> for SeedValue {
    fn from(number: i64) -> Self {
        SeedValue::Value(Value::Int(number))
    }
}

impl From<bool> for SeedValue {
    fn from(flag: bool) -> Self {
        SeedValue::Value(Value::Bool(flag))
    }
}

impl<T: Into<SeedValue>> From<Option<T>> for SeedValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SeedValue::Value(Value::Null), Into::into)
    }
}

/// The id (or another column) of the row of `table` whose `key_column` is `key`.
pub fn lookup(table: &str, column: &str, key_column: &str, key: impl Into<SeedValue>) -> SeedValue {
    let key = match key.into() {
        SeedValue::Value(value) => value,
        SeedValue::Lookup { .. } => Value::Null,
    };
    SeedValue::Lookup { table: table.to_owned(), column: column.to_owned(), key_column: key_column.to_owned(), key }
}

/// Records seed rows for one dialect.
#[derive(Debug)]
pub struct Seeder {
    dialect: Dialect,
    statements: Vec<Rendered>,
}

impl Seeder {
    /// A seeder writing statements for `dialect`, with no rows yet.
    pub fn new(dialect: Dialect) -> Self {
        Self { dialect, statements: Vec::new() }
    }

    /// The dialect the rows are for, when seed code must differ.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Inserts `row` into `table` unless a row with the same values in the
    /// `key` columns exists.
    ///
    /// ```
    /// use retort::seed::{lookup, Seeder};
    /// let mut seeder = Seeder::new(retort::Dialect::Postgres);
    /// seeder.insert_unless_exists("users", &["email"], &[("email", "a@example.com".into()), ("is_admin", true.into())]);
    /// seeder.insert_unless_exists(
    ///     "todos",
    ///     &["owner_id", "title"],
    ///     &[("owner_id", lookup("users", "id", "email", "a@example.com")), ("title", "Buy milk".into())],
    /// );
    /// assert_eq!(seeder.statements().len(), 2);
    /// ```
    pub fn insert_unless_exists(&mut self, table: &str, key: &[&str], row: &[(&str, SeedValue)]) -> &mut Self {
        let d = self.dialect;
        let mut values = Vec::new();
        let bind = |value: &SeedValue, values: &mut Vec<Value>| -> String {
            let push = |value: &Value, values: &mut Vec<Value>| {
                values.push(value.clone());
                d.placeholder(values.len())
            };
            match value {
                // A keyword rather than a parameter: see `history::Binder`.
                SeedValue::Value(Value::Null) => "NULL".to_owned(),
                SeedValue::Value(value) => push(value, values),
                SeedValue::Lookup { table, column, key_column, key } => format!(
                    "(SELECT {} FROM {} WHERE {} = {})",
                    d.quote_ident(column),
                    d.quote_ident(table),
                    d.quote_ident(key_column),
                    push(key, values)
                ),
            }
        };
        let columns: Vec<String> = row.iter().map(|(name, _)| d.quote_ident(name)).collect();
        let selected: Vec<String> = row.iter().map(|(_, value)| bind(value, &mut values)).collect();
        let conditions: Vec<String> = key
            .iter()
            .map(|column| {
                let value = row.iter().find(|(name, _)| name == column).map_or(SeedValue::Value(Value::Null), |(_, v)| v.clone());
                format!("{} = {}", d.quote_ident(column), bind(&value, &mut values))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({columns}) SELECT {selected} WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {conditions})",
            table = d.quote_ident(table),
            columns = columns.join(", "),
            selected = selected.join(", "),
            conditions = conditions.join(" AND "),
        );
        self.statements.push(Rendered { sql, values });
        self
    }

    /// Records a raw statement with parameters written as this dialect's
    /// placeholders (`?1`, `$1`, `@P1`).
    pub fn execute(&mut self, sql: impl Into<String>, values: Vec<Value>) -> &mut Self {
        self.statements.push(Rendered { sql: sql.into(), values });
        self
    }

    /// What will run, in order.
    pub fn statements(&self) -> &[Rendered] {
        &self.statements
    }
}

/// The dialect's placeholder for the `n`th parameter (as
/// [`Dialect::placeholder`]).
pub fn placeholder(dialect: Dialect, n: usize) -> String {
    dialect.placeholder(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_unless_exists_binds_values_and_key_when_rendered() {
        let mut seeder = Seeder::new(Dialect::Sqlite);
        seeder.insert_unless_exists("users", &["email"], &[("email", "o'neil@example.com".into()), ("age", 3i64.into())]);
        let rendered = &seeder.statements()[0];
        assert_eq!(
            rendered.sql,
            "INSERT INTO \"users\" (\"email\", \"age\") SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM \"users\" WHERE \"email\" = ?3)"
        );
        assert_eq!(rendered.values.len(), 3);
        assert!(!rendered.sql.contains("o'neil"));
    }
}
