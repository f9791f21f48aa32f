//! Operations to SQL statements, per dialect.
//!
//! Every statement is one string and becomes one [`Unit`](crate::engine::Unit): on
//! SQL Server a unit is a batch, so the statements that must start a batch
//! (`CREATE VIEW`, `CREATE PROCEDURE`, ...) get one of their own without
//! any splitting. The shared shapes (column and constraint definitions,
//! `CREATE TABLE`, `CREATE INDEX`, `INSERT`) live here with small dialect
//! hooks; what differs per dialect (renames, `ALTER COLUMN`, SQLite's table
//! rebuilds, SQL Server's default constraints) lives in one file each.

mod module;
mod mssql;
mod postgres;
mod sqlite;

use super::catalog::CatalogSource;
use super::error::Problem;
use super::index::Index;
use super::insert::BulkInsert;
use super::literal::DefaultValue;
use super::table::{Column, Constraint, Table};
use crate::dialect::Type;
use crate::{Dialect, Flavour, Operation, Sql};

/// SQL Server takes at most 1000 rows in one `VALUES` list.
const ROWS_PER_INSERT: usize = 1000;

/// Renders the operations of one revision in order, for one dialect.
///
/// It keeps state between operations: on SQLite, the tables the revision has
/// changed so far, which a later table rebuild starts from.
pub(crate) struct Renderer<'a> {
    dialect: Dialect,
    flavour: Flavour,
    sqlite: sqlite::Schema<'a>,
    /// Whether the revision being rendered runs in a transaction, which an
    /// online index build refuses.
    transactional: bool,
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(dialect: Dialect, flavour: Flavour, catalog: Option<&'a dyn CatalogSource>) -> Self {
        Self {
            dialect,
            flavour,
            sqlite: sqlite::Schema::new(catalog),
            transactional: true,
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// Starts the next revision, which runs in a transaction or not: state
    /// that lives in one transaction resets.
    pub(crate) fn begin_revision(&mut self, transactional: bool) {
        self.transactional = transactional;
        self.sqlite.begin_revision();
    }

    /// Raw SQL (`what` says where it comes from) runs at this point: a
    /// later SQLite rebuild starts from the tables it leaves.
    pub(crate) fn note_raw_sql(&mut self, what: String, sql: &str) {
        if self.dialect == Dialect::Sqlite {
            self.sqlite.ran(&what, sql);
        }
    }

    /// The statements of one operation other than raw SQL (`what` says
    /// which, for messages).
    pub(crate) fn render(&mut self, operation: &Operation, what: &str) -> Result<Vec<String>, Problem> {
        self.refuse_online_in_transaction(operation)?;
        if let Operation::Module { kind, name, old, new } = operation {
            let statements = module::statements(self, *kind, name, old.as_ref(), new.as_ref())?;
            for sql in &statements {
                self.note_raw_sql(what.to_owned(), sql);
            }
            return Ok(statements);
        }
        match self.dialect {
            Dialect::Sqlite => {
                let statements = sqlite::render(self, operation)?;
                for sql in &statements {
                    self.sqlite.ran(what, sql);
                }
                Ok(statements)
            }
            Dialect::Postgres => postgres::render(self, operation),
            Dialect::Mssql => mssql::render(self, operation),
        }
    }

    /// An index built or dropped online in a transactional revision fails
    /// here, before anything runs, on every dialect: a revision runs on
    /// any of them, and PostgreSQL's `CONCURRENTLY` (SQL Server's
    /// `RESUMABLE` too) cannot run in a transaction. The build script
    /// refuses the same revision when it can see the call (`.online()` in
    /// `upgrade` or `downgrade`); this catches one made by a helper.
    fn refuse_online_in_transaction(&self, operation: &Operation) -> Result<(), Problem> {
        let index = match operation {
            Operation::CreateIndex(index) | Operation::DropIndex { definition: Some(index), .. } => index,
            _ => return Ok(()),
        };
        if index.online.is_none() || !self.transactional {
            return Ok(());
        }
        Err(Problem::Invalid(format!(
            "index {} is built online (`.online()`), which cannot run inside a transaction (PostgreSQL refuses \
             CREATE/DROP INDEX CONCURRENTLY there, SQL Server RESUMABLE): declare the revision non-transactional \
             (`pub const TRANSACTIONAL: bool = false;`), best with the index alone in it",
            index.name
        )))
    }

    fn q(&self, name: &str) -> String {
        self.dialect.quote_ident(name)
    }

    /// `"a", "b"`.
    fn list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.q(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn type_sql(&self, ty: &Type) -> Result<String, Problem> {
        self.dialect.type_sql(ty).ok_or_else(|| self.no_spelling(ty))
    }

    fn no_spelling(&self, ty: &Type) -> Problem {
        Problem::Unsupported(format!(
            "the native type {ty:?} has no spelling for {0}: add one for Dialect::{0:?}",
            self.dialect
        ))
    }

    fn default_sql(&self, default: &DefaultValue) -> Result<String, Problem> {
        default.render(self.dialect).map_err(Problem::Invalid)
    }

    fn sql_text<'s>(&self, sql: &'s Sql, what: &str) -> Result<&'s str, Problem> {
        sql.text(self.dialect).ok_or_else(|| {
            Problem::Unsupported(format!(
                "the {what} has no SQL for {0}: add it for Dialect::{0:?}",
                self.dialect
            ))
        })
    }

    /// A column definition: name, type, identity, nullability, default.
    /// Constraints the column declares are rendered as table constraints.
    fn column_sql(&self, table: &str, column: &Column) -> Result<String, Problem> {
        if let Some(computed) = &column.computed {
            return self.computed_column_sql(column, computed);
        }
        let mut sql = format!("{} {}", self.q(&column.name), self.type_sql(&column.ty)?);
        if column.identity {
            sql.push_str(&self.dialect.identity(column.identity_start).map_err(Problem::Unsupported)?);
        }
        sql.push_str(self.dialect.nullability(column.nullable));
        if let Some(default) = &column.default {
            let value = self.default_sql(default)?;
            let name = column.default_name.clone().unwrap_or_else(|| default_name(table, &column.name));
            sql.push_str(&self.dialect.default_clause(&self.q(&name), &value));
        }
        Ok(sql)
    }

    /// A computed column: SQL Server's `name AS (expr) [PERSISTED]`, whose
    /// type and nullability follow from the expression (only a persisted
    /// one may say NOT NULL), or the standard `name type GENERATED ALWAYS
    /// AS (expr) STORED|VIRTUAL`.
    fn computed_column_sql(&self, column: &Column, computed: &super::table::Computed) -> Result<String, Problem> {
        if column.default.is_some() || column.identity {
            return Err(Problem::Invalid(format!(
                "computed column {} cannot also have a default or be an identity",
                column.name
            )));
        }
        let expression = self.sql_text(&computed.expression, "computed column")?;
        self.dialect
            .computed_column(&column.name, &column.ty, expression, computed.stored, column.nullable)
            .ok_or_else(|| self.no_spelling(&column.ty))
    }

    /// `CONSTRAINT name PRIMARY KEY (...)` and the like.
    fn constraint_sql(&self, table: &str, constraint: &Constraint) -> Result<String, Problem> {
        let name = self.q(&constraint.name(table));
        Ok(match constraint {
            Constraint::PrimaryKey(key) => format!(
                "CONSTRAINT {name} PRIMARY KEY ({})",
                self.list(&key.columns)
            ),
            Constraint::Unique(key) => {
                format!("CONSTRAINT {name} UNIQUE ({})", self.list(&key.columns))
            }
            Constraint::ForeignKey(key) => {
                if key.columns.len() != key.ref_columns.len() || key.columns.is_empty() {
                    return Err(Problem::Invalid(format!(
                        "foreign key {} has {} column(s) referencing {} column(s)",
                        constraint.name(table),
                        key.columns.len(),
                        key.ref_columns.len()
                    )));
                }
                let mut sql = format!(
                    "CONSTRAINT {name} FOREIGN KEY ({}) REFERENCES {} ({})",
                    self.list(&key.columns),
                    self.q(&key.ref_table),
                    self.list(&key.ref_columns)
                );
                for (event, action) in [("DELETE", key.on_delete), ("UPDATE", key.on_update)] {
                    if let Some(action) = action {
                        if !self.dialect.has_restrict() && action == super::ReferentialAction::Restrict {
                            return Err(Problem::Unsupported(
                                "SQL Server has no ON DELETE/UPDATE RESTRICT: use NoAction, which also refuses".to_owned(),
                            ));
                        }
                        sql.push_str(&format!(" ON {event} {}", action.sql()));
                    }
                }
                sql
            }
            Constraint::Check(check) => {
                format!(
                    "CONSTRAINT {name} CHECK ({})",
                    self.sql_text(&check.condition, "check condition")?
                )
            }
        })
    }

    /// `CREATE TABLE` with every column and constraint.
    fn create_table_sql(&self, table: &Table) -> Result<String, Problem> {
        if table.columns.is_empty() {
            return Err(Problem::Invalid(format!(
                "table {} has no columns",
                table.name
            )));
        }
        let constraints = table.constraints();
        let identity = table
            .columns
            .iter()
            .filter(|c| c.identity)
            .collect::<Vec<_>>();
        // SQLite: an identity column is `INTEGER PRIMARY KEY AUTOINCREMENT`,
        // which must sit on the column, so the primary key moves there.
        let sqlite_key = match identity.as_slice() {
            _ if !self.dialect.identity_is_key() => None,
            [] => None,
            [column] => {
                let key = constraints
                    .iter()
                    .find(|c| matches!(c, Constraint::PrimaryKey(_)));
                match key {
                    Some(key) if key.columns().len() == 1 && key.columns()[0].eq_ignore_ascii_case(&column.name) => {
                        Some(key.clone())
                    }
                    _ => {
                        return Err(Problem::Unsupported(format!(
                            "an identity column must be the table's one-column primary key on SQLite, and {} is not",
                            column.name
                        )))
                    }
                }
            }
            _ => {
                return Err(Problem::Unsupported(
                    "a table has at most one identity column on SQLite".to_owned(),
                ))
            }
        };
        let mut items = Vec::new();
        for column in &table.columns {
            let mut sql = self.column_sql(&table.name, column)?;
            if let (true, Some(key)) = (column.identity, &sqlite_key) {
                // INTEGER, exactly: only that spelling makes the rowid alias.
                let typed = format!("{} {}", self.q(&column.name), self.type_sql(&column.ty)?);
                sql = sql.replacen(&typed, &format!("{} INTEGER", self.q(&column.name)), 1);
                sql.push_str(&format!(
                    " CONSTRAINT {} PRIMARY KEY AUTOINCREMENT",
                    self.q(&key.name(&table.name))
                ));
            }
            items.push(sql);
        }
        for constraint in &constraints {
            if sqlite_key.as_ref() == Some(constraint) {
                continue;
            }
            items.push(self.constraint_sql(&table.name, constraint)?);
        }
        Ok(format!(
            "CREATE TABLE {} (\n    {}\n)",
            self.q(&table.name),
            items.join(",\n    ")
        ))
    }

    fn create_index_sql(&self, index: &Index) -> Result<String, Problem> {
        if index.columns.is_empty() {
            return Err(Problem::Invalid(format!(
                "index {} has no columns",
                index.name
            )));
        }
        let columns = index
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{}{}",
                    self.q(&c.name),
                    if c.descending { " DESC" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        // Online: PostgreSQL's word after INDEX, SQL Server's options last;
        // SQLite has no concurrent writers to keep going.
        let (concurrently, options) = match (&index.online, self.dialect) {
            (Some(_), Dialect::Postgres) => (" CONCURRENTLY", String::new()),
            (Some(online), Dialect::Mssql) => ("", mssql::online_options(self, online)),
            (Some(_), Dialect::Sqlite) | (None, _) => ("", String::new()),
        };
        let mut sql = format!(
            "CREATE {}INDEX{concurrently} {} ON {} ({columns})",
            if index.unique { "UNIQUE " } else { "" },
            self.q(&index.name),
            self.q(&index.table),
        );
        // SQLite has no INCLUDE: see `Index`.
        if !index.include.is_empty() && self.dialect.has_index_include() {
            sql.push_str(&format!(" INCLUDE ({})", self.list(&index.include)));
        }
        if let Some(filter) = &index.filter {
            sql.push_str(&format!(
                " WHERE {}",
                self.sql_text(filter, "index filter")?
            ));
        }
        sql.push_str(&options);
        Ok(sql)
    }

    fn insert_sql(&self, insert: &BulkInsert) -> Result<Vec<String>, Problem> {
        let mut statements = Vec::new();
        for chunk in insert.rows.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for row in chunk {
                if row.len() != insert.columns.len() {
                    return Err(Problem::Invalid(format!(
                        "a row of {} value(s) for {} column(s) ({})",
                        row.len(),
                        insert.columns.len(),
                        insert.columns.join(", ")
                    )));
                }
                let values = row
                    .iter()
                    .map(|value| self.dialect.literal(value))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(Problem::Invalid)?;
                rows.push(format!("({})", values.join(", ")));
            }
            statements.push(format!(
                "INSERT INTO {} ({}) VALUES\n    {}",
                self.q(&insert.table),
                self.list(&insert.columns),
                rows.join(",\n    ")
            ));
        }
        Ok(statements)
    }

    /// `ALTER TABLE … ADD CONSTRAINT …`, validated: the shape the dialects
    /// share. PostgreSQL and SQL Server add an unvalidated one their own way.
    fn add_constraint_sql(&self, table: &str, constraint: &Constraint) -> Result<String, Problem> {
        Ok(format!(
            "ALTER TABLE {} ADD {}",
            self.q(table),
            self.constraint_sql(table, constraint)?
        ))
    }

    fn drop_constraint_sql(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.q(table),
            self.q(name)
        )
    }

    fn create_view_sql(&self, name: &str, definition: &Sql) -> Result<String, Problem> {
        Ok(format!(
            "CREATE VIEW {} AS\n{}",
            self.q(name),
            self.sql_text(definition, "view")?
        ))
    }
}

/// SQL Server's default constraint of a column: `df_<table>_<column>`.
fn default_name(table: &str, column: &str) -> String {
    super::naming::default_name(table, column)
}

/// Statements that only the shared shapes need: the same for PostgreSQL and
/// SQL Server, and for SQLite where it can.
fn common(r: &Renderer<'_>, operation: &Operation) -> Option<Result<Vec<String>, Problem>> {
    Some(match operation {
        Operation::CreateTable(table) => r.create_table_sql(table).map(|sql| vec![sql]),
        Operation::DropTable { table, .. } => Ok(vec![format!("DROP TABLE {}", r.q(table))]),
        Operation::CreateIndex(index) => r.create_index_sql(index).map(|sql| vec![sql]),
        Operation::CreateView { name, definition } => {
            r.create_view_sql(name, definition).map(|sql| vec![sql])
        }
        Operation::DropView { name, .. } => Ok(vec![format!("DROP VIEW {}", r.q(name))]),
        Operation::BulkInsert(insert) => r.insert_sql(insert),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Table;

    /// A table with what an adopted database declares: an identity that
    /// starts elsewhere, a computed column, a named default and a check
    /// with a name of its own.
    fn adopted() -> Operation {
        let mut table = Table::new("orders");
        table.column("id", Type::Int).identity_from(100, 5).primary_key();
        table.column("qty", Type::Int).not_null().default(1).default_constraint("DF_orders_qty");
        table.column("total", Type::Int).computed_stored("qty * 2");
        table.check("CK_orders_qty", "qty > 0").exact_name();
        Operation::CreateTable(table)
    }

    fn create_sql(dialect: Dialect) -> String {
        Renderer::new(dialect, Flavour::Standard, None)
            .render(&adopted(), "test")
            .map(|statements| statements.join(";\n"))
            .unwrap_or_else(|problem| format!("{problem:?}"))
    }

    #[test]
    fn create_table_keeps_adopted_names_start_and_computed_columns_when_given() {
        assert_eq!(
            create_sql(Dialect::Mssql),
            "CREATE TABLE [orders] (\n    [id] INT IDENTITY(100,5) NOT NULL,\n    \
             [qty] INT NOT NULL CONSTRAINT [DF_orders_qty] DEFAULT 1,\n    [total] AS (qty * 2) PERSISTED,\n    \
             CONSTRAINT [pk_orders] PRIMARY KEY ([id]),\n    CONSTRAINT [CK_orders_qty] CHECK (qty > 0)\n)"
        );
        assert_eq!(
            create_sql(Dialect::Postgres),
            "CREATE TABLE \"orders\" (\n    \"id\" INTEGER GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 5) NOT NULL,\n    \
             \"qty\" INTEGER NOT NULL DEFAULT 1,\n    \"total\" INTEGER GENERATED ALWAYS AS (qty * 2) STORED,\n    \
             CONSTRAINT \"pk_orders\" PRIMARY KEY (\"id\"),\n    CONSTRAINT \"CK_orders_qty\" CHECK (qty > 0)\n)"
        );
    }

    #[test]
    fn create_table_fails_when_sqlite_identity_has_a_start() {
        assert!(create_sql(Dialect::Sqlite).contains("AUTOINCREMENT has no first value"), "{}", create_sql(Dialect::Sqlite));
    }
}
