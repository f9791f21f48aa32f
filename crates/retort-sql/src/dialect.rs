//! The three dialects the lexer reads, each with sqlparser's tokenizer
//! flavour.

use sqlparser::dialect::{Dialect as Flavour, MsSqlDialect, PostgreSqlDialect, SQLiteDialect};

/// Whose quoting, literals and comments the text follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `"…"`, `[…]` and `` `…` `` names, `x'…'` blobs, comments that do not nest.
    Sqlite,
    /// `"…"` names, `E'…'` and `$tag$…$tag$` strings, comments that nest.
    Postgres,
    /// T-SQL: `[…]` and `"…"` names, `N'…'` strings, comments that nest,
    /// `GO` batches.
    Mssql,
}

impl Dialect {
    /// sqlparser's tokenizer flavour for the dialect.
    ///
    /// T-SQL is read with `MsSqlDialect`, which also reads `$$…$$` and
    /// `$tag$…$tag$` as strings, as PostgreSQL does. SQL Server has no such
    /// strings; `$` starts only money literals (`$12.50`) and pseudo-columns
    /// (`$action`, `$identity`), which it reads as SQL Server does.
    pub fn tokenizer(self) -> &'static dyn Flavour {
        match self {
            Dialect::Sqlite => &SQLiteDialect {},
            Dialect::Postgres => &PostgreSqlDialect {},
            Dialect::Mssql => &MsSqlDialect {},
        }
    }
}
