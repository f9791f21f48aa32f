//! Throwaway databases beside a live one, of the same dialect and server:
//! where `migrate stamp --verify` replays the revisions to see the schema
//! they build.
//!
//! - **SQLite**: a file in a new temporary folder, deleted with it.
//! - **PostgreSQL, SQL Server**: `CREATE DATABASE retort_scratch_<pid>_<n>`
//!   on the server the live URL names, through the live URL's own login
//!   (which must be allowed to create databases), dropped afterwards —
//!   by [`ScratchDatabase::remove`], or, should the caller not get there
//!   (an error, a panic), when the value is dropped.
//!
//! The server is the live one, not any server of the dialect, because the
//! schema a revision builds depends on it: Babelfish and SQL Server, or
//! two PostgreSQL versions, print the same DDL back differently.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::backend::{connect, BackendError, Session, Unit};
use crate::{DatabaseUrl, Dialect, UrlError};

/// Numbers this process's scratch databases, so that names never repeat.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Why a scratch database could not be made or removed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScratchError {
    #[error(
        "cannot create the scratch database {name} on {server}, where the revisions would be replayed: {message}. \
         The login needs to be allowed to create databases (PostgreSQL: ALTER ROLE … CREATEDB; SQL Server: \
         ALTER SERVER ROLE dbcreator ADD MEMBER …), or verify with a login that is"
    )]
    /// The scratch database could not be created (most often: the login
    /// may not create databases).
    Create {
        /// The scratch database's name.
        name: String,
        /// The server's host, without the password.
        server: String,
        /// The server's message.
        message: String,
    },
    #[error("cannot drop the scratch database {name} on {server}: {message}; drop it by hand")]
    /// The scratch database stayed on the server: drop it by hand.
    Drop {
        /// The scratch database's name.
        name: String,
        /// The server's host, without the password.
        server: String,
        /// The server's message.
        message: String,
    },
    #[error("cannot make a temporary SQLite database: {0}")]
    /// The temporary folder of a scratch SQLite database could not be made;
    /// the text is the operating system's reason.
    Temporary(String),
    #[error(transparent)]
    /// Connecting to the live server, or to the scratch database, failed.
    Backend(#[from] BackendError),
    #[error(transparent)]
    /// The live URL cannot name another database on its server.
    Url(#[from] UrlError),
}

/// An empty database that exists until it is removed or dropped.
#[derive(Debug)]
pub struct ScratchDatabase {
    url: DatabaseUrl,
    place: Place,
}

#[derive(Debug)]
enum Place {
    /// Held to be removed on drop: the folder goes with the file and
    /// SQLite's journals.
    #[cfg(feature = "sqlite")]
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A database on the live server, made through `admin` (the live URL).
    Server { admin: DatabaseUrl, name: String, removed: bool },
}

impl ScratchDatabase {
    /// A new, empty database of `live`'s dialect, on `live`'s server.
    pub async fn beside(live: &DatabaseUrl) -> Result<ScratchDatabase, ScratchError> {
        #[cfg(not(feature = "sqlite"))]
        if live.dialect() == Dialect::Sqlite {
            return Err(ScratchError::Backend(BackendError::NotCompiled { backend: "sqlite" }));
        }
        #[cfg(feature = "sqlite")]
        if live.dialect() == Dialect::Sqlite {
            let dir = tempfile::Builder::new()
                .prefix("retort-scratch-")
                .tempdir()
                .map_err(|error| ScratchError::Temporary(error.to_string()))?;
            let url = DatabaseUrl::sqlite_file(&dir.path().join("scratch.db"));
            return Ok(ScratchDatabase { url, place: Place::Sqlite(dir) });
        }
        let name = format!("retort_scratch_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let url = live.with_database(&name)?;
        let create = format!("CREATE DATABASE {}", live.dialect().quote_ident(&name));
        create_database(live, &create).await.map_err(|message| ScratchError::Create {
            name: name.clone(),
            server: server(live),
            message,
        })?;
        tracing::debug!(database = %name, server = %server(live), "created a scratch database");
        Ok(ScratchDatabase { url, place: Place::Server { admin: live.clone(), name, removed: false } })
    }

    /// Where the scratch database is (its `Display` hides the password).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Drops the database. Close every connection to it first: a server
    /// refuses to drop a database in use (this retries for two seconds
    /// while a closed session ends).
    pub async fn remove(mut self) -> Result<(), ScratchError> {
        match &mut self.place {
            #[cfg(feature = "sqlite")]
            Place::Sqlite(_) => Ok(()),
            Place::Server { admin, name, removed } => {
                *removed = true;
                drop_database(admin, name).await
            }
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let Place::Server { admin, name, removed: false } = &self.place else { return };
        // From `Drop`, inside a runtime or not: on a thread of its own.
        #[cfg(any(feature = "postgres", feature = "mssql"))]
        if let Err(error) = crate::own_thread::block_on_own_thread(|| async {
            drop_database(admin, name).await.map_err(|error| error.to_string())
        }) {
            tracing::warn!(%error, "a scratch database was left behind");
        }
        #[cfg(not(any(feature = "postgres", feature = "mssql")))]
        let _ = (admin, name);
    }
}

/// `CREATE DATABASE`, tried again when Babelfish refuses it because another
/// session created a database at the same moment ("tuple concurrently
/// updated": nothing was made). SQL Server never says that.
async fn create_database(live: &DatabaseUrl, create: &str) -> Result<(), String> {
    let mut attempts = 0;
    loop {
        match run(live, create).await {
            Err(message) if attempts < 5 && message.contains("tuple concurrently updated") => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempts)).await;
            }
            outcome => return outcome,
        }
    }
}

/// `DROP DATABASE`, retried while the server still counts a session that
/// just closed (SQL Server and Babelfish end one asynchronously).
async fn drop_database(admin: &DatabaseUrl, name: &str) -> Result<(), ScratchError> {
    let quoted = admin.dialect().quote_ident(name);
    let sql = admin.dialect().drop_database(&quoted);
    let mut attempts = 0;
    loop {
        match run(admin, &sql).await {
            Ok(()) => {
                tracing::debug!(database = %name, "dropped the scratch database");
                return Ok(());
            }
            Err(_) if attempts < 20 => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(message) => return Err(ScratchError::Drop { name: name.to_owned(), server: server(admin), message }),
        }
    }
}

/// Runs one statement outside any transaction (`CREATE DATABASE` may not
/// run inside one) on a fresh session of `url`.
async fn run(url: &DatabaseUrl, sql: &str) -> Result<(), String> {
    let mut db = connect(url).await.map_err(|error| error.to_string())?;
    db.execute(&Unit::sql(sql, "scratch database")).await.map_err(|error| match error {
        crate::RunError::Statement(statement) => statement.message,
        other => other.to_string(),
    })
}

/// The server, for messages: its host, never the password.
fn server(url: &DatabaseUrl) -> String {
    url.host().unwrap_or_else(|| url.to_string())
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beside_gives_an_empty_sqlite_file_that_goes_with_it_when_live_is_sqlite() {
        let live = DatabaseUrl::parse("sqlite://live.db").unwrap();
        let scratch = ScratchDatabase::beside(&live).await.unwrap();
        let path = scratch.url().sqlite_path().unwrap();
        assert!(path.to_string_lossy().contains("retort-scratch-"), "{}", path.display());
        let folder = path.parent().unwrap().to_path_buf();
        scratch.remove().await.unwrap();
        assert!(!folder.exists());
    }
}
