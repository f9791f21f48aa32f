//! One migration file (or SQL pair) as read from disk, before graph checks.

use crate::checksum::Digest32;
use crate::error::Located;

/// A revision read from `migrations/`, with where each value was written so
/// that graph errors can point at the exact parent that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedRevision {
    /// The declared id (`REVISION` / `-- revision:`).
    pub id: Located<String>,
    /// The revisions this one follows.
    pub parents: Vec<Located<String>>,
    /// Revisions that must be applied first without being parents.
    pub depends_on: Vec<Located<String>>,
    /// Branch labels this revision declares.
    pub branch_labels: Vec<Located<String>>,
    /// The one-line message.
    pub message: String,
    /// `false` when the revision must run outside a transaction.
    pub transactional: bool,
    /// Why the revision cannot be undone, when it declares so.
    pub irreversible: Option<String>,
    /// SHA-256 as defined in the `checksum` module.
    pub checksum: Digest32,
    /// The source path relative to the crate root, with `/` separators
    /// (the up file for an SQL revision).
    pub source: String,
    /// What the revision runs, with absolute paths for the generated code.
    pub kind: RevisionKind,
}

/// The executable part of a parsed revision.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevisionKind {
    /// A Rust module with `upgrade` and maybe `downgrade`.
    Rust {
        /// Absolute path of the `.rs` file.
        file: String,
        /// Whether it defines `downgrade`.
        has_downgrade: bool,
    },
    /// An up script and, unless irreversible, a down script.
    Sql {
        /// Absolute path of the `.up.sql` file.
        up: String,
        /// Absolute path of the `.down.sql` file.
        down: Option<String>,
    },
}
