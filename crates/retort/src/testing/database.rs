//! One throwaway database for one test.

use std::fmt;
use std::path::Path;

#[cfg(feature = "postgres")]
use super::postgres::PostgresDatabase;
#[cfg(feature = "mssql")]
use super::mssql::MssqlDatabase;
use super::sqlite::SqliteFile;
use super::{BackendKind, Unavailable};

/// A fresh, empty database that exists until this value is dropped.
///
/// Every call makes a new database, so tests can run in parallel without
/// seeing each other's tables. Dropping it deletes the database: the SQLite
/// file's directory, or the PostgreSQL database (`DROP DATABASE … WITH
/// (FORCE)`, which also ends connections the test left open). Servers are
/// shared by all tests of a process and stopped when the process ends; see
/// the [module documentation](super) for where they come from.
///
/// The constructors are synchronous and safe to call from `#[tokio::test]`
/// functions: async work runs on a helper thread with its own runtime. They
/// block the calling thread while they work, which is a few tens of
/// milliseconds per database, plus a few seconds for the process's first
/// PostgreSQL database when a server has to be started.
///
/// Its `Debug` output never shows the password in the URL.
///
/// ```no_run
/// use retort::testing::TestDatabase;
///
/// let db = TestDatabase::sqlite()?;
/// let connection = rusqlite::Connection::open(db.sqlite_path().unwrap())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TestDatabase {
    kind: BackendKind,
    url: String,
    database: Database,
}

/// What is deleted when the test database is dropped.
enum Database {
    Sqlite(SqliteFile),
    #[cfg(feature = "postgres")]
    Postgres(PostgresDatabase),
    #[cfg(feature = "mssql")]
    Mssql(MssqlDatabase),
}

impl TestDatabase {
    /// A new database of the given kind; see [`sqlite`](Self::sqlite),
    /// [`postgres`](Self::postgres) and [`mssql`](Self::mssql).
    pub fn new(kind: BackendKind) -> Result<TestDatabase, Unavailable> {
        match kind {
            BackendKind::Sqlite => TestDatabase::sqlite(),
            BackendKind::Postgres => TestDatabase::postgres(),
            BackendKind::Mssql => TestDatabase::mssql(),
        }
    }

    /// A SQLite database file, `test.db`, in a new temporary directory. The
    /// file does not exist until it is first opened; the directory, with the
    /// file and SQLite's journal files, is removed on drop.
    pub fn sqlite() -> Result<TestDatabase, Unavailable> {
        let file = SqliteFile::create()?;
        Ok(TestDatabase { kind: BackendKind::Sqlite, url: file.url(), database: Database::Sqlite(file) })
    }

    /// A new database on the process's PostgreSQL server, named
    /// `retort_t_<pid>_<n>`, starting the server on the first call.
    ///
    /// The server is the first of: the one `RETORT_TEST_POSTGRES_URL` names;
    /// a container, when a Docker engine is reachable; a throwaway cluster
    /// made with the local `initdb` and `postgres`. When none works the
    /// error's reason says what each said; the server is then not tried again
    /// by this process.
    pub fn postgres() -> Result<TestDatabase, Unavailable> {
        #[cfg(feature = "postgres")]
        {
            let database = PostgresDatabase::create()?;
            Ok(TestDatabase {
                kind: BackendKind::Postgres,
                url: database.url.clone(),
                database: Database::Postgres(database),
            })
        }
        #[cfg(not(feature = "postgres"))]
        Err(Unavailable::new(BackendKind::Postgres, "retort was built without its `postgres` feature"))
    }

    /// A new database on the process's SQL Server, named
    /// `retort_t_<pid>_<n>`: on the server `RETORT_TEST_MSSQL_URL` names, or
    /// in a container when a Docker engine is reachable and
    /// `RETORT_ACCEPT_MSSQL_EULA=1` is set. Its URL is a `mssql://` URL.
    pub fn mssql() -> Result<TestDatabase, Unavailable> {
        #[cfg(feature = "mssql")]
        {
            let database = MssqlDatabase::create()?;
            Ok(TestDatabase { kind: BackendKind::Mssql, url: database.url.clone(), database: Database::Mssql(database) })
        }
        #[cfg(not(feature = "mssql"))]
        Err(super::mssql::unavailable())
    }

    /// The URL to connect to: `sqlite:///tmp/retort-sqlite-…/test.db`, or
    /// `postgres://user:password@host:port/retort_t_…`. It contains the
    /// password: print the `TestDatabase` itself, whose `Debug` hides it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which backend the database is on.
    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    /// The database's name on its server; `None` for SQLite.
    pub fn database_name(&self) -> Option<&str> {
        match &self.database {
            Database::Sqlite(_) => None,
            #[cfg(feature = "postgres")]
            Database::Postgres(database) => Some(&database.name),
            #[cfg(feature = "mssql")]
            Database::Mssql(database) => Some(&database.name),
        }
    }

    /// The SQLite database file's path; `None` for server databases.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.database {
            Database::Sqlite(file) => Some(&file.path),
            #[cfg(feature = "postgres")]
            Database::Postgres(_) => None,
            #[cfg(feature = "mssql")]
            Database::Mssql(_) => None,
        }
    }

    /// The URL of the server's maintenance database, from which this one was
    /// created and will be dropped; `None` for SQLite.
    ///
    /// Hidden because it is a window into the fixture for retort's own tests
    /// (checking that a dropped database is really gone), not something a
    /// test of a user's migrations should depend on.
    #[doc(hidden)]
    pub fn __maintenance_url(&self) -> Option<&str> {
        match &self.database {
            Database::Sqlite(_) => None,
            #[cfg(feature = "postgres")]
            Database::Postgres(database) => Some(database.maintenance_url()),
            #[cfg(feature = "mssql")]
            Database::Mssql(database) => Some(database.maintenance_url()),
        }
    }
}

impl fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("TestDatabase");
        debug.field("kind", &self.kind).field("url", &crate::redact::redact(&self.url));
        match &self.database {
            Database::Sqlite(_) => {}
            #[cfg(feature = "postgres")]
            Database::Postgres(database) => {
                debug.field("server", &database.server_description());
            }
            #[cfg(feature = "mssql")]
            Database::Mssql(database) => {
                debug.field("server", &database.server_description());
            }
        }
        debug.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gives_distinct_files_in_distinct_directories() {
        let (first, second) = (TestDatabase::sqlite().unwrap(), TestDatabase::sqlite().unwrap());
        let (first_path, second_path) = (first.sqlite_path().unwrap(), second.sqlite_path().unwrap());
        assert_ne!(first_path.parent(), second_path.parent());
        assert_eq!(first.url(), format!("sqlite://{}", first_path.display()));
    }

    #[test]
    fn mssql_is_unavailable_with_what_to_set_when_there_is_no_server() {
        // Only meaningful where no server is configured: with one, the
        // fixture's own tests in tests/ check the databases it makes.
        if std::env::var_os(super::super::MSSQL_URL_ENV).is_some_and(|url| !url.is_empty()) {
            return;
        }
        match TestDatabase::mssql() {
            Err(err) => {
                assert_eq!(err.backend, BackendKind::Mssql);
                assert!(err.reason.contains("RETORT_TEST_MSSQL_URL is not set"), "{}", err.reason);
                assert!(err.reason.contains("RETORT_ACCEPT_MSSQL_EULA=1"), "{}", err.reason);
            }
            // A Docker engine and the EULA opt-in gave a container.
            Ok(database) => assert_eq!(database.kind(), BackendKind::Mssql),
        }
    }
}
