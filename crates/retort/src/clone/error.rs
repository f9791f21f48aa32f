//! Why a clone refused or failed. No message ever holds a value read from
//! the source: errors name tables and columns, and a server's own message is
//! cut before the part where servers quote row values (see [`scrub`]).

use std::path::PathBuf;

use super::coverage::Coverage;
use crate::{BackendError, MigrateError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
/// Why `db clone` refused or failed. Nothing here holds a value read from
/// the source.
pub enum CloneError {
    #[error("the masking file {}: {message}", path.display())]
    /// The masking file cannot be read or parsed.
    MaskFile {
        /// The masking file.
        path: PathBuf,
        /// What is wrong, with its line where known.
        message: String,
    },
    #[error("{0}")]
    /// The masking key is missing, unreadable or too short; the text says
    /// which and how to make one.
    Key(String),
    #[error(
        "{file} does not classify {count} column(s), and a clone does not start until it does:\n{list}\n\nAdd them to {file} \
         (check each suggestion):\n\n{snippet}",
        count = coverage.unclassified.len(),
        list = coverage.unclassified.iter().map(|c| format!("  {c}")).collect::<Vec<_>>().join("\n"),
        snippet = coverage.snippet().trim_end()
    )]
    /// The masking file leaves columns unclassified; nothing was copied.
    Unclassified {
        /// The masking file.
        file: String,
        /// The columns it leaves out, with suggested entries.
        coverage: Coverage,
    },
    #[error("{file} cannot mask the schema as written, so nothing was copied:\n{}", .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    /// The masking file's rules cannot mask the schema as written; nothing
    /// was copied.
    Rules {
        /// The masking file.
        file: String,
        /// One line per problem.
        problems: Vec<String>,
    },
    #[error(
        "refusing to clone into {database}: {reason}. Point --database-url (or DATABASE_URL) at a local \
         database, or pass --allow-remote if you are sure"
    )]
    /// The destination does not look local, and `--allow-remote` was not
    /// given.
    NotLocal {
        /// The database, without its password.
        database: String,
        /// Why it does not look local.
        reason: String,
    },
    #[error("the source and the destination are the same database ({database}): cloning would replace the source")]
    /// The source and the destination are the same database.
    SameDatabase {
        /// The database, without its password.
        database: String,
    },
    #[error("refusing to clone {database}: {reason}")]
    /// The source cannot be cloned as it is: it has no history table, or
    /// revisions that drifted or that this build does not know.
    Source {
        /// The database, without its password.
        database: String,
        /// What is wrong with it, and how to fix it.
        reason: String,
    },
    #[error(
        "the revisions cannot build {database}: {reason}. Nothing was changed in it; give what the message names a \
         form for its dialect, or clone into a database of the source's dialect"
    )]
    /// The revisions cannot build the destination's schema in its dialect;
    /// nothing was changed in it.
    Unbuildable {
        /// The database, without its password.
        database: String,
        /// What has no form for the dialect.
        reason: String,
    },
    #[error("reading the source: {0}")]
    /// Reading the source failed (the server's words cut before any value).
    Read(BackendError),
    #[error("building the destination: {0}")]
    /// Building the destination with the revisions failed.
    Migrate(#[from] MigrateError),
    #[error("copying {table}: {message}")]
    /// Writing a table's rows into the destination failed.
    Copy {
        /// The table.
        table: String,
        /// The server's message, cut before any value.
        message: String,
    },
    #[error("copying {table}.{column}: a value {why}; nothing of the table was written")]
    /// A value could not be written in the destination's form; nothing of
    /// the table was written.
    Value {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong with the value (never the value itself).
        why: String,
    },
    #[error("{0}")]
    /// The `--subset` cannot be applied as given; the text says why.
    Subset(String),
    #[error("{0}")]
    /// The tables cannot be copied in an order their foreign keys allow;
    /// the text names the cycle.
    Order(String),
    #[error("replaying the revisions on an in-memory SQLite database to read the schema: {0}")]
    /// Replaying the revisions on an in-memory SQLite database, to read the
    /// schema they build, failed.
    Replay(String),
    #[error("reading the schema the revisions declare: {0}")]
    /// Reading the schema the revisions' operations declare failed.
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
