//! Why a database URL was refused.

use std::fmt;

/// Why a database URL (or an ADO.NET connection string) was refused: what
/// is wrong with it and how to write it instead.
///
/// No variant holds the password. `url` is the string as a message may show
/// one that could not be read: a login's `:password@` hidden up to its last
/// `@`, and everything after a password key cut (where a malformed password
/// ends cannot be known). No reason quotes a value from it, and a reason
/// quotes a key only where that `url` shows it too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The URL is blank: an unset variable in a script, `DATABASE_URL=`.
    #[error(
        "the database URL is empty (was DATABASE_URL set to an empty value?): set it to a URL such as \
         sqlite://path/to/file.db or postgres://user:password@localhost/dbname, or unset it to use the \
         project's embedded SQLite database"
    )]
    Empty,
    /// Neither a scheme retort has a backend for nor an ADO.NET string.
    #[error(
        "{url} is not a database URL retort understands: expected sqlite://, postgres://, mssql:// or an \
         ADO.NET connection string (Server=tcp:host,1433;Database=…;User Id=…;Password=…)"
    )]
    UnknownScheme {
        /// The URL, without its password.
        url: String,
    },
    /// A URL of a form retort knows that cannot be used as written; the
    /// reason says which part is wrong and how to write it.
    #[error("{url} is not a database URL retort understands: {reason}")]
    Invalid {
        /// The URL, without its password.
        url: String,
        /// Which part is wrong, and how to write it.
        reason: String,
    },
}

impl UrlError {
    /// A URL that parsed but cannot serve what it was asked for (another
    /// backend's URL, no database named where one must be).
    pub(crate) fn invalid(url: &super::DatabaseUrl, reason: impl Into<String>) -> Self {
        UrlError::Invalid { url: url.to_string(), reason: reason.into() }
    }
}

/// Why a connection string was refused: the reason of a
/// [`UrlError::Invalid`], which the caller places
/// with the string as a message may show it. A reason quotes text from the
/// string only through [`OptionsError::quoting`], so that the caller can
/// leave out a quote that may be part of the password (a setting after a
/// password whose `;` was not quoted, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptionsError {
    pub reason: String,
    /// The text of the string that `reason` quotes, as `` `text` ``.
    pub quoted: Option<String>,
}

impl OptionsError {
    pub fn new(reason: impl Into<String>) -> Self {
        OptionsError { reason: reason.into(), quoted: None }
    }

    /// A reason that quotes `text` of the string: `reason` gets it as
    /// `` `text` ``.
    pub fn quoting(text: &str, reason: impl FnOnce(&str) -> String) -> Self {
        OptionsError { reason: reason(&format!("`{text}`")), quoted: Some(text.to_owned()) }
    }
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}
