//! Where the SQLite renderer reads a table's current definition.
//!
//! SQLite's `ALTER TABLE` cannot change a column, add or drop a constraint:
//! such operations rebuild the table (create the new shape, copy the rows,
//! drop the old table, rename the new one), which needs the table's
//! definition as it is *now*. Within one revision the renderer tracks the
//! changes of the revision's earlier operations itself; what the database
//! held when the revision started comes from a `CatalogSource`.

pub use super::sqlite_table::SqliteTableSql;

/// Reads table definitions from a live database's catalog.
///
/// The SQLite backend implements it over its connection (the
/// `rusqlite::Connection` implementation below); offline scripts have none,
/// so they cannot rebuild tables that earlier revisions created.
pub trait CatalogSource {
    /// The catalog text of table `name` (matched case-insensitively), or
    /// `None` when there is no such table. An `Err` carries the database's
    /// message.
    fn sqlite_table(&self, name: &str) -> Result<Option<SqliteTableSql>, String>;
}

#[cfg(feature = "sqlite")]
impl CatalogSource for rusqlite::Connection {
    fn sqlite_table(&self, name: &str) -> Result<Option<SqliteTableSql>, String> {
        let mut statement = self
            .prepare(
                "SELECT type, sql FROM sqlite_master \
                 WHERE tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL AND type IN ('table', 'index', 'trigger') \
                 ORDER BY type = 'table' DESC, rowid",
            )
            .map_err(|e| e.to_string())?;
        let rows = statement
            .query_map([name], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| e.to_string())?;
        let mut table: Option<SqliteTableSql> = None;
        for row in rows {
            let (kind, sql) = row.map_err(|e| e.to_string())?;
            match (kind.as_str(), &mut table) {
                ("table", None) => {
                    table = Some(SqliteTableSql {
                        create: sql,
                        ..SqliteTableSql::default()
                    })
                }
                ("index", Some(table)) => table.indexes.push(sql),
                ("trigger", Some(table)) => table.triggers.push(sql),
                _ => {}
            }
        }
        Ok(table)
    }
}
