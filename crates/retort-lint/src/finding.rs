//! What a rule reports: the finding model every output format prints.

use std::fmt;

use serde::Serialize;

/// The SQL dialect a revision is linted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mssql,
}

impl Dialect {
    /// `sqlite`, `postgres`, `mssql` (also `postgresql`, `sqlserver`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mssql" | "sqlserver" | "sql-server" => Some(Dialect::Mssql),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mssql => "mssql",
        }
    }
}

/// How bad a finding is. `migrate lint` exits non-zero when any finding is
/// an error; warnings and notes are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing (a statement read by tokens, not parsed).
    Note,
    /// Risky on a large or busy table, depending on its size and traffic.
    Warning,
    /// Blocks a busy table for a time that grows with its size, loses data
    /// or permissions, or fails on the server.
    Error,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing a rule found in one statement of one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id (`mssql-create-index-offline`, `pg-adding-required-field`).
    pub rule: String,
    pub severity: Severity,
    /// The revision id.
    pub revision: String,
    /// The revision's file, relative to the project root.
    pub file: String,
    /// The 1-based line of the statement in `file` (for a Rust revision, of
    /// the operation's call, found by reading the file).
    pub line: u32,
    /// For a Rust revision: which operation (`operation 3 (create_index)`).
    pub operation: Option<String>,
    /// The statement, cut to one line.
    pub statement: String,
    /// Why the statement is risky.
    pub why: String,
    /// The safe alternative.
    pub fix: String,
}

impl Finding {
    /// Why and the fix in one sentence pair, as JSON's `message` and the
    /// GitHub annotations carry it.
    pub fn message(&self) -> String {
        if self.fix.is_empty() {
            self.why.clone()
        } else {
            format!("{} Instead: {}", self.why, self.fix)
        }
    }
}
