//! SQLite test databases: a file in a fresh temporary directory.

use std::path::PathBuf;

use tempfile::TempDir;

use super::{BackendKind, Unavailable};

/// The database file's name inside its directory.
const FILE_NAME: &str = "test.db";

/// A SQLite database file path in its own temporary directory.
///
/// The file itself is not created: SQLite creates it on first open. Dropping
/// this removes the directory with the file and any `-wal`/`-journal`
/// companions SQLite left next to it, which is why each database gets a
/// directory rather than just a temporary file.
pub(super) struct SqliteFile {
    pub(super) path: PathBuf,
    _dir: TempDir,
}

impl SqliteFile {
    pub(super) fn create() -> Result<Self, Unavailable> {
        let dir = tempfile::Builder::new().prefix("retort-sqlite-").tempdir().map_err(|err| {
            Unavailable::new(
                BackendKind::Sqlite,
                format!("could not create a temporary directory in {}: {err}", std::env::temp_dir().display()),
            )
        })?;
        Ok(SqliteFile { path: dir.path().join(FILE_NAME), _dir: dir })
    }

    /// The URL form retort reads: `sqlite://` followed by the absolute path.
    pub(super) fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}
