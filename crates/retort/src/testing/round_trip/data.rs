//! Data checks: hooks that write rows before a revision and check them after
//! its upgrade and after its downgrade, and the connection they get.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::RoundTripError;
use crate::backend::{AnyBackend, Session};
use crate::{Dialect, Revision, RevisionGraph};

/// A failed data check, or a statement a data check ran that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DataError {
    /// What failed, for the round trip's error.
    pub message: String,
}

impl DataError {
    /// A failed check that says `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl From<String> for DataError {
    fn from(message: String) -> Self {
        Self { message }
    }
}

impl From<&str> for DataError {
    fn from(message: &str) -> Self {
        Self {
            message: message.to_owned(),
        }
    }
}

/// The connection a data hook gets: run SQL and read results as text on
/// whichever backend the round trip runs on.
pub struct DataConnection {
    backend: AnyBackend,
}

impl DataConnection {
    /// The walk migrates through this connection too, so that the hooks see
    /// the database exactly as the revisions left it.
    pub(super) fn new(backend: AnyBackend) -> Self {
        Self { backend }
    }

    /// The dialect, for hooks that need backend-specific SQL.
    pub fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    /// The backend itself (for `SqliteBackend::connection` or
    /// `PostgresBackend::client`).
    pub fn backend(&mut self) -> &mut AnyBackend {
        &mut self.backend
    }

    /// Runs one or more statements (no parameters, no results).
    pub async fn execute(&mut self, sql: &str) -> Result<(), DataError> {
        self.backend
            .execute(&crate::work::Unit::sql(sql, "data check"))
            .await
            .map_err(|error| DataError::new(format!("`{}` failed: {error}", sql.trim())))
    }

    /// Runs a query and returns its rows, each value as text (`None` for
    /// NULL): integers in decimal, booleans as PostgreSQL prints them (`t`,
    /// `f`) or as `true`/`false` where the server sends a bit, blobs in hex.
    pub async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DataError> {
        let rows = self
            .backend
            .query(sql, &[])
            .await
            .map_err(|error| DataError::new(format!("`{}` failed: {error}", sql.trim())))?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|value| match value {
                        crate::Value::Null => None,
                        crate::Value::Text(text) => Some(text),
                        crate::Value::Int(n) => Some(n.to_string()),
                        crate::Value::Bool(b) => Some(b.to_string()),
                    })
                    .collect()
            })
            .collect())
    }

    /// Runs a query and returns each row as one line: values joined by
    /// ` | `, NULL as `NULL`.
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<String>, DataError> {
        Ok(self
            .query(sql)
            .await?
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|v| v.unwrap_or_else(|| "NULL".to_owned()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect())
    }

    /// Fails unless the query returns exactly `expected`, in order, in the
    /// form of [`rows`](Self::rows).
    pub async fn expect_rows(&mut self, sql: &str, expected: &[&str]) -> Result<(), DataError> {
        let rows = self.rows(sql).await?;
        if rows.iter().map(String::as_str).eq(expected.iter().copied()) {
            Ok(())
        } else {
            Err(DataError::new(format!(
                "`{}` returned {rows:?}, expected {expected:?}",
                sql.trim()
            )))
        }
    }
}

/// What a data hook returns: a boxed future borrowing the connection.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DataError>> + 'a>>;

type Hook = Box<dyn for<'a> Fn(&'a mut DataConnection) -> HookFuture<'a>>;

/// When a data hook runs, relative to its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPhase {
    /// Before the revision's first upgrade: put rows in for it to migrate.
    Before,
    /// After its first upgrade: check the rows survived, in their new shape.
    AfterUpgrade,
    /// After its downgrade: check the rows survived the way back.
    AfterDowngrade,
}

impl fmt::Display for DataPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataPhase::Before => "before the upgrade of",
            DataPhase::AfterUpgrade => "after the upgrade of",
            DataPhase::AfterDowngrade => "after the downgrade of",
        })
    }
}

/// Data hooks for one revision, in the spirit of pytest-alembic's
/// `at_revision_data`: rows written before the revision runs, checked after
/// its upgrade and after its downgrade.
///
/// ```no_run
/// use retort::testing::{BackendKind, DataCheck, RoundTrip};
/// # static MIGRATIONS: retort::Migrations = retort::Migrations::new(&[]);
/// # async fn test() {
/// RoundTrip::new(&MIGRATIONS)
///     .data_check(
///         "e2c91c86cdd1",
///         DataCheck::new()
///             .before_sql("INSERT INTO users (email) VALUES ('ada@example.com')")
///             .expect_after_upgrade("SELECT email, phone_number FROM users", &["ada@example.com | NULL"])
///             .after_downgrade(|db| Box::pin(async move {
///                 db.expect_rows("SELECT count(*) FROM users", &["1"]).await
///             })),
///     )
///     .check(BackendKind::Sqlite)
///     .await;
/// # }
/// ```
#[derive(Default)]
pub struct DataCheck {
    before: Vec<Hook>,
    after_upgrade: Vec<Hook>,
    after_downgrade: Vec<Hook>,
}

impl DataCheck {
    /// A data check with no hooks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a hook run before the revision's upgrade.
    pub fn before<F>(mut self, hook: F) -> Self
    where
        F: for<'a> Fn(&'a mut DataConnection) -> HookFuture<'a> + 'static,
    {
        self.before.push(Box::new(hook));
        self
    }

    /// Adds a hook run after the revision's first upgrade.
    pub fn after_upgrade<F>(mut self, hook: F) -> Self
    where
        F: for<'a> Fn(&'a mut DataConnection) -> HookFuture<'a> + 'static,
    {
        self.after_upgrade.push(Box::new(hook));
        self
    }

    /// Adds a hook run after the revision's downgrade.
    pub fn after_downgrade<F>(mut self, hook: F) -> Self
    where
        F: for<'a> Fn(&'a mut DataConnection) -> HookFuture<'a> + 'static,
    {
        self.after_downgrade.push(Box::new(hook));
        self
    }

    /// Runs `sql` before the revision's upgrade.
    pub fn before_sql(self, sql: impl Into<String>) -> Self {
        let sql = sql.into();
        self.before(move |db| {
            let sql = sql.clone();
            Box::pin(async move { db.execute(&sql).await })
        })
    }

    /// After the upgrade, `sql` must return `rows` (see [`DataConnection::rows`]).
    pub fn expect_after_upgrade(self, sql: impl Into<String>, rows: &[&str]) -> Self {
        let (sql, rows) = expectation(sql, rows);
        self.after_upgrade(move |db| {
            let (sql, rows) = (sql.clone(), rows.clone());
            Box::pin(async move {
                db.expect_rows(&sql, &rows.iter().map(String::as_str).collect::<Vec<_>>())
                    .await
            })
        })
    }

    /// After the downgrade, `sql` must return `rows` (see [`DataConnection::rows`]).
    pub fn expect_after_downgrade(self, sql: impl Into<String>, rows: &[&str]) -> Self {
        let (sql, rows) = expectation(sql, rows);
        self.after_downgrade(move |db| {
            let (sql, rows) = (sql.clone(), rows.clone());
            Box::pin(async move {
                db.expect_rows(&sql, &rows.iter().map(String::as_str).collect::<Vec<_>>())
                    .await
            })
        })
    }

    /// Runs the hooks of `phase` in the order they were added; the first
    /// that fails stops the round trip, named with its revision and phase.
    pub(super) async fn run(
        &self,
        db: &mut DataConnection,
        revision: &Revision,
        phase: DataPhase,
    ) -> Result<(), RoundTripError> {
        for hook in self.hooks(phase) {
            hook(db).await.map_err(|error| RoundTripError::DataCheck {
                id: revision.id.to_owned(),
                phase,
                message: error.message,
            })?;
        }
        Ok(())
    }

    fn hooks(&self, phase: DataPhase) -> &[Hook] {
        match phase {
            DataPhase::Before => &self.before,
            DataPhase::AfterUpgrade => &self.after_upgrade,
            DataPhase::AfterDowngrade => &self.after_downgrade,
        }
    }
}

fn expectation(sql: impl Into<String>, rows: &[&str]) -> (String, Vec<String>) {
    (sql.into(), rows.iter().map(|r| (*r).to_owned()).collect())
}

/// The data checks with each revision prefix resolved to its id, in the
/// order they were added; the first prefix that names no single revision
/// fails the round trip before it connects.
pub(super) fn resolve<'c>(
    graph: &RevisionGraph,
    checks: &'c [(String, DataCheck)],
) -> Result<Vec<(&'static str, &'c DataCheck)>, RoundTripError> {
    checks
        .iter()
        .map(|(prefix, check)| {
            let revision = graph
                .find(prefix)
                .map_err(|error| RoundTripError::UnknownRevision {
                    revision: prefix.clone(),
                    error,
                })?;
            Ok((revision.id, check))
        })
        .collect()
}
