//! Where the SQLite renderer reads a table's current definition.
//!
//! SQLite's `ALTER TABLE` cannot change a column, add or drop a constraint:
//! such operations rebuild the table (create the new shape, copy the rows,
//! drop the old table, rename the new one), which needs the table's
//! definition as it is *at that point of the plan*. The renderer gets it
//! from a [`Shadow`]: the schema the plan starts from (the live database's,
//! or an empty one) with every statement rendered so far replayed on an
//! in-memory SQLite database. Replaying, rather than following each change
//! by hand, is what lets a rebuild come after raw SQL, a rename or another
//! revision's rebuild in the same run.

pub use super::sqlite_table::SqliteTableSql;

/// Reads table definitions from a live database's catalog.
///
/// The SQLite backend implements it over its connection (the
/// `rusqlite::Connection` implementation below).
pub trait CatalogSource {
    /// The catalog text of table `name` (matched case-insensitively), or
    /// `None` when there is no such table. An `Err` carries the database's
    /// message.
    fn sqlite_table(&self, name: &str) -> Result<Option<SqliteTableSql>, String>;

    /// Every `CREATE` statement of the schema (tables, then indexes, views
    /// and triggers), in an order that recreates it on an empty database.
    fn sqlite_schema(&self) -> Result<Vec<String>, String>;
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

    fn sqlite_schema(&self) -> Result<Vec<String>, String> {
        // Tables first (a view or trigger may name a table created after
        // it, once a rebuild gave the table a new catalog row), then the
        // rest in creation order. SQLite's own tables and the shadow tables
        // of virtual tables are made by the statements that need them.
        let mut statement = self
            .prepare(
                "SELECT m.sql FROM sqlite_master AS m \
                 LEFT JOIN pragma_table_list AS t ON t.schema = 'main' AND t.name = m.name \
                 WHERE m.sql IS NOT NULL AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                   AND coalesce(t.type, '') <> 'shadow' \
                 ORDER BY CASE m.type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, m.rowid",
            )
            .map_err(|e| e.to_string())?;
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
}

/// The schema at the current point of a plan being rendered for SQLite.
///
/// Statements are queued as they are rendered and replayed only when a
/// rebuild asks for a table, so a plan that never rebuilds costs nothing;
/// until the first statement is queued, tables are read from the source
/// directly.
pub(crate) struct Shadow<'a> {
    source: Option<&'a dyn CatalogSource>,
    #[cfg(feature = "sqlite")]
    database: Option<rusqlite::Connection>,
    /// Rendered statements not replayed yet, each with where it comes from.
    pending: Vec<(String, String)>,
    /// Whether anything was ever queued: from then on the source is stale.
    diverged: bool,
}

impl<'a> Shadow<'a> {
    /// A shadow of `source`, or of an empty database.
    pub(crate) fn new(source: Option<&'a dyn CatalogSource>) -> Self {
        Self {
            source,
            #[cfg(feature = "sqlite")]
            database: None,
            pending: Vec::new(),
            diverged: false,
        }
    }

    /// Records that `sql` (from `what`, for messages) runs at this point.
    pub(crate) fn queue(&mut self, what: impl Into<String>, sql: &str) {
        self.pending.push((what.into(), sql.to_owned()));
        self.diverged = true;
    }

    /// Table `name` as the statements queued so far leave it.
    pub(crate) fn table(&mut self, name: &str) -> Result<Option<SqliteTableSql>, String> {
        if !self.diverged {
            return match self.source {
                Some(source) => source.sqlite_table(name),
                None => Ok(None),
            };
        }
        self.replay()?.sqlite_table(name)
    }

    #[cfg(feature = "sqlite")]
    fn replay(&mut self) -> Result<&rusqlite::Connection, String> {
        let database = match self.database.take() {
            Some(database) => database,
            None => copy_of(self.source)?,
        };
        for (what, sql) in self.pending.drain(..) {
            database.execute_batch(&sql).map_err(|e| {
                format!(
                    "replaying {what} on a copy of the schema failed ({e}); statement: {}",
                    crate::excerpt::shorten(&sql)
                )
            })?;
        }
        Ok(self.database.insert(database))
    }

    #[cfg(not(feature = "sqlite"))]
    fn replay(&mut self) -> Result<&dyn CatalogSource, String> {
        Err("reading a table that earlier statements changed needs retort's `sqlite` feature".to_owned())
    }
}

/// An in-memory database holding `source`'s schema (no rows), or empty.
#[cfg(feature = "sqlite")]
fn copy_of(source: Option<&dyn CatalogSource>) -> Result<rusqlite::Connection, String> {
    let database = rusqlite::Connection::open_in_memory()
        .map_err(|e| format!("cannot open an in-memory SQLite database: {e}"))?;
    // As on the real database while a run rebuilds tables (the backend
    // pauses enforcement; rusqlite's bundled SQLite enforces by default).
    database
        .execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(|e| format!("cannot pause foreign keys on the schema copy: {e}"))?;
    if let Some(source) = source {
        let schema = source
            .sqlite_schema()
            .map_err(|e| format!("reading the database's schema failed: {e}"))?;
        for sql in schema {
            database.execute_batch(&sql).map_err(|e| {
                format!("copying the database's schema failed at `{}`: {e}", crate::excerpt::shorten(&sql))
            })?;
        }
    }
    Ok(database)
}
