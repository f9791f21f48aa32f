//! The error a test gets when it cannot have the database it asked for.

use super::BackendKind;

/// No throwaway database of this kind can be had on this machine.
///
/// `reason` says everything that was tried and why each failed, so the person
/// reading a skipped or failed test knows what to install or set. It never
/// contains a password: URLs in it have theirs replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} unavailable: {reason}", backend.product())]
#[non_exhaustive]
pub struct Unavailable {
    /// The kind of database that was asked for.
    pub backend: BackendKind,
    /// What was tried and why it failed, one clause per source.
    pub reason: String,
}

impl Unavailable {
    pub(crate) fn new(backend: BackendKind, reason: impl Into<String>) -> Self {
        Unavailable { backend, reason: reason.into() }
    }
}
