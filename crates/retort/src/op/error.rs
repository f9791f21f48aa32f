//! Errors of rendering and reversing operations.

use crate::Dialect;

/// An operation that cannot be rendered for a dialect, or reversed.
///
/// Every variant names the revision, its file, the operation's 1-based
/// number in the revision and the operation as the revision calls it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    #[error("revision {id} ({file}), operation {number} ({operation}): {dialect} cannot run it: {reason}")]
    /// The dialect has no form of the operation (a type without its
    /// spelling, an option the server lacks).
    Unsupported {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The operation's 1-based number in the revision.
        number: usize,
        /// The operation as the revision calls it (`create_index`…).
        operation: &'static str,
        /// The dialect that cannot run it.
        dialect: Dialect,
        /// Why, and what to write instead.
        reason: String,
    },
    #[error("revision {id} ({file}), operation {number} ({operation}): {reason}")]
    /// The operation is wrong whatever the dialect (a column named twice, an
    /// empty key).
    Invalid {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The operation's 1-based number in the revision.
        number: usize,
        /// The operation as the revision calls it (`create_index`…).
        operation: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    #[error(
        "revision {id} ({file}) has no downgrade function, and operation {number} ({operation}) of its upgrade \
         cannot be reversed: {reason}; add a downgrade function (`pub fn downgrade(op: &mut Operations)`)"
    )]
    /// A downgrade derived from the upgrade meets an operation it cannot
    /// reverse (a drop recorded without its definition, raw SQL).
    Irreversible {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The operation's 1-based number in the revision.
        number: usize,
        /// The operation as the revision calls it (`create_index`…).
        operation: &'static str,
        /// Why it cannot be reversed.
        reason: String,
    },
    #[error(
        "revision {id} ({file}), operation {number} ({operation}) rebuilds table {table} on SQLite, which needs \
         the table's current definition: {reason}"
    )]
    /// An SQLite table rebuild cannot read the table's current definition.
    SqliteRebuild {
        /// The revision's id.
        id: String,
        /// The revision's source file, relative to the crate root.
        file: &'static str,
        /// The operation's 1-based number in the revision.
        number: usize,
        /// The operation as the revision calls it (`create_index`…).
        operation: &'static str,
        /// The table to rebuild.
        table: String,
        /// Why its definition could not be read.
        reason: String,
    },
}

/// What went wrong with one operation, before the revision's context is added.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// The dialect has no way to say it.
    Unsupported(String),
    /// The operation contradicts itself or lacks something.
    Invalid(String),
    /// A SQLite rebuild without the table's definition.
    Rebuild { table: String, reason: String },
}

/// Where a problem happened: enough to turn it into an [`OpError`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub id: &'a str,
    pub file: &'static str,
    pub number: usize,
    pub operation: &'static str,
    pub dialect: Dialect,
}

impl Problem {
    pub(crate) fn at(self, at: At<'_>) -> OpError {
        let id = at.id.to_owned();
        let (file, number, operation) = (at.file, at.number, at.operation);
        match self {
            Problem::Unsupported(reason) => OpError::Unsupported {
                id,
                file,
                number,
                operation,
                dialect: at.dialect,
                reason,
            },
            Problem::Invalid(reason) => OpError::Invalid {
                id,
                file,
                number,
                operation,
                reason,
            },
            Problem::Rebuild { table, reason } => OpError::SqliteRebuild {
                id,
                file,
                number,
                operation,
                table,
                reason,
            },
        }
    }
}
