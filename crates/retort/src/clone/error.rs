//! Why a clone refused or failed. No message ever holds a value read from
//! the source: errors name tables and columns, and a server's own message is
//! cut before the part where servers quote row values (see [`scrub`]).

use std::path::PathBuf;

use super::coverage::Coverage;
use crate::{BackendError, MigrateError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloneError {
    #[error("the masking file {}: {message}", path.display())]
    MaskFile { path: PathBuf, message: String },
    #[error("{0}")]
    Key(String),
    #[error(
        "{file} does not classify {count} column(s), and a clone does not start until it does:\n{list}\n\nAdd them to {file} \
         (check each suggestion):\n\n{snippet}",
        count = coverage.unclassified.len(),
        list = coverage.unclassified.iter().map(|c| format!("  {c}")).collect::<Vec<_>>().join("\n"),
        snippet = coverage.snippet().trim_end()
    )]
    Unclassified { file: String, coverage: Coverage },
    #[error("{file} cannot mask the schema as written, so nothing was copied:\n{}", .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Rules { file: String, problems: Vec<String> },
    #[error(
        "refusing to clone into {database}: {reason}. Point --database-url (or DATABASE_URL) at a local \
         database, or pass --allow-remote if you are sure"
    )]
    NotLocal { database: String, reason: String },
    #[error("the source and the destination are the same database ({database}): cloning would replace the source")]
    SameDatabase { database: String },
    #[error("refusing to clone {database}: {reason}")]
    Source { database: String, reason: String },
    #[error(
        "the revisions cannot build {database}: {reason}. Nothing was changed in it; give what the message names a \
         form for its dialect, or clone into a database of the source's dialect"
    )]
    Unbuildable { database: String, reason: String },
    #[error("reading the source: {0}")]
    Read(BackendError),
    #[error("building the destination: {0}")]
    Migrate(#[from] MigrateError),
    #[error("copying {table}: {message}")]
    Copy { table: String, message: String },
    #[error("copying {table}.{column}: a value {why}; nothing of the table was written")]
    Value { table: String, column: String, why: String },
    #[error("{0}")]
    Subset(String),
    #[error("{0}")]
    Order(String),
    #[error("replaying the revisions on an in-memory SQLite database to read the schema: {0}")]
    Replay(String),
    #[error("reading the schema the revisions declare: {0}")]
    Declared(String),
}

impl CloneError {
    /// A source read error, with the server's words scrubbed.
    pub(crate) fn read(error: BackendError) -> CloneError {
        CloneError::Read(match error {
            BackendError::Database { context, message } => BackendError::Database { context, message: scrub(&message) },
            other => other,
        })
    }
}

/// A server message without the parts where servers quote values:
/// PostgreSQL's detail (`Key (email)=(…) already exists`, `Failing row
/// contains (…)`), SQL Server's `The duplicate key value is (…)`, and any
/// value a conversion error quotes.
pub(crate) fn scrub(message: &str) -> String {
    const MARKERS: &[&str] = &[
        " (Key (",
        " (Failing row contains",
        "Failing row contains",
        "The duplicate key value is",
        "Key (",
        " (DETAIL",
        "DETAIL:",
        "; hint:",
    ];
    let mut cut = message.len();
    for marker in MARKERS {
        if let Some(at) = message.find(marker) {
            cut = cut.min(at);
        }
    }
    let mut text = message[..cut].trim_end().to_owned();
    // `invalid input syntax for type integer: "abc"`, `Conversion failed
    // when converting the nvarchar value 'abc' to data type int`.
    for marker in [": \"", " value '", " value \"", ": '"] {
        if let Some(at) = text.find(marker) {
            text.truncate(at + marker.len() - 1);
            text.push_str("(value not shown)");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_drops_the_values_servers_quote() {
        assert_eq!(
            scrub("duplicate key value violates unique constraint \"users_email_key\" (Key (email)=(ada@x.org) already exists.)"),
            "duplicate key value violates unique constraint \"users_email_key\""
        );
        let mssql = "Violation of UNIQUE KEY constraint 'uq'. Cannot insert duplicate key in object 'dbo.users'. The duplicate key value is (ada@x.org).";
        assert!(!scrub(mssql).contains("ada"));
        assert!(!scrub("invalid input syntax for type integer: \"ada\"").contains("ada"));
        assert!(!scrub("Conversion failed when converting the nvarchar value 'ada' to data type int.").contains("ada"));
        assert_eq!(scrub("value too long for type character varying(20)"), "value too long for type character varying(20)");
    }
}
