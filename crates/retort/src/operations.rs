//! The operation builder that Rust revisions record into.
//!
//! A revision's `upgrade` and `downgrade` functions do not touch the database:
//! they record [`Operation`]s, which a dialect renders to SQL later. That is
//! what lets one revision run on every backend, and what lets offline scripts
//! and dry runs show exactly what would run.

use crate::Dialect;

/// The recorder handed to a Rust revision's `upgrade` and `downgrade`.
///
/// ```
/// fn upgrade(op: &mut retort::Operations) {
///     op.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)");
/// }
/// let mut op = retort::Operations::default();
/// upgrade(&mut op);
/// assert_eq!(op.operations().len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Operations {
    recorded: Vec<Operation>,
}

/// One recorded operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// Raw SQL, either the same for every dialect or given per dialect.
    Execute(Sql),
}

/// Raw SQL text, portable or per dialect.
#[derive(Debug, Clone, PartialEq)]
pub enum Sql {
    /// The same text for every dialect.
    Portable(String),
    /// Text per dialect; a dialect missing from the list cannot run the revision.
    PerDialect(Vec<(Dialect, String)>),
}

impl Operations {
    /// Records raw SQL that every dialect runs as is.
    pub fn execute(&mut self, sql: impl Into<String>) -> &mut Self {
        self.recorded
            .push(Operation::Execute(Sql::Portable(sql.into())));
        self
    }

    /// Records raw SQL given separately per dialect, for the statements whose
    /// syntax differs (`[dialect, sql]` pairs).
    pub fn execute_per_dialect<S: Into<String>>(
        &mut self,
        texts: impl IntoIterator<Item = (Dialect, S)>,
    ) -> &mut Self {
        let texts = texts.into_iter().map(|(d, s)| (d, s.into())).collect();
        self.recorded
            .push(Operation::Execute(Sql::PerDialect(texts)));
        self
    }

    /// The operations recorded so far, in order.
    pub fn operations(&self) -> &[Operation] {
        &self.recorded
    }

    /// Runs a revision function and returns what it recorded.
    pub fn record(function: fn(&mut Operations)) -> Vec<Operation> {
        let mut op = Operations::default();
        function(&mut op);
        op.recorded
    }
}
