//! The SQL dialects retort renders for, and the one identifier-quoting
//! function per dialect that every generated statement goes through.

use std::fmt;

/// A database family with its own SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mssql,
}

impl Dialect {
    /// Every dialect, in a fixed order (for tests and snapshots).
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mssql];

    /// The short lowercase name used in URLs, snapshot suffixes and messages.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mssql => "mssql",
        }
    }

    /// Quotes an identifier: `[name]` with `]]` escaping on SQL Server,
    /// `"name"` with `""` escaping on PostgreSQL and SQLite. This is the only
    /// way identifiers enter generated SQL.
    pub fn quote_ident(self, name: &str) -> String {
        match self {
            Dialect::Mssql => format!("[{}]", name.replace(']', "]]")),
            Dialect::Sqlite | Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// Quotes a possibly schema-qualified name (`schema.table`), each part on its own.
    pub fn quote_qualified(self, schema: Option<&str>, name: &str) -> String {
        match schema {
            Some(schema) => format!("{}.{}", self.quote_ident(schema), self.quote_ident(name)),
            None => self.quote_ident(name),
        }
    }

    /// Renders a string literal for offline scripts, where there is no
    /// connection to carry parameters. Single quotes are doubled; SQL Server
    /// gets an `N` prefix so Unicode survives. Online execution never uses
    /// this: values go in as parameters there.
    pub fn quote_literal(self, value: &str) -> String {
        let body = value.replace('\'', "''");
        match self {
            Dialect::Mssql => format!("N'{body}'"),
            Dialect::Sqlite | Dialect::Postgres => format!("'{body}'"),
        }
    }
}

/// Which server speaks a dialect, where servers of one dialect differ in
/// what they accept: Babelfish for PostgreSQL speaks SQL Server's protocol
/// and T-SQL, but lacks some of it (see `backend/mssql/flavour.rs`).
/// Rendering follows the flavour; what is right on SQL Server never changes
/// to suit Babelfish.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// The dialect's own server: SQLite, PostgreSQL, Microsoft SQL Server.
    #[default]
    Standard,
    /// Babelfish for PostgreSQL, speaking T-SQL.
    Babelfish,
}

impl Flavour {
    /// Parses `--target-flavour` and the `flavour` URL parameter.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "standard" | "sqlserver" | "sql-server" | "mssql" => Some(Flavour::Standard),
            "babelfish" => Some(Flavour::Babelfish),
            _ => None,
        }
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavour::Standard => "standard",
            Flavour::Babelfish => "babelfish",
        })
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_ident_escapes_closing_delimiters_per_dialect() {
        assert_eq!(Dialect::Mssql.quote_ident("a]b"), "[a]]b]");
        assert_eq!(Dialect::Postgres.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            Dialect::Sqlite.quote_qualified(Some("s"), "t"),
            "\"s\".\"t\""
        );
    }

    #[test]
    fn quote_literal_doubles_single_quotes() {
        assert_eq!(Dialect::Postgres.quote_literal("it's"), "'it''s'");
        assert_eq!(Dialect::Mssql.quote_literal("it's"), "N'it''s'");
    }
}
