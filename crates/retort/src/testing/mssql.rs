//! SQL Server test databases: one server per test process, one fresh
//! database per [`TestDatabase`](super::TestDatabase).
//!
//! The server is the first of:
//!
//! 1. `RETORT_TEST_MSSQL_URL`: an existing server, as a `mssql://` URL or an
//!    ADO.NET string whose login may create databases (its database, usually
//!    `master`, is where they are created from). Each test gets
//!    `CREATE DATABASE [retort_t_<pid>_<n>]`, dropped afterwards with `ALTER
//!    DATABASE … SET SINGLE_USER WITH ROLLBACK IMMEDIATE` first (SQL Server's
//!    counterpart of PostgreSQL's `WITH (FORCE)`: it ends the connections a
//!    test left open).
//! 2. A testcontainers container of `mcr.microsoft.com/mssql/server`, when a
//!    Docker engine is reachable AND `RETORT_ACCEPT_MSSQL_EULA=1` is set. The
//!    image's licence makes the user accept Microsoft's EULA; retort does not
//!    accept it on anyone's behalf, hence the explicit opt-in. The image is
//!    amd64-only and takes 10–30 s to start; the watchdog of `watchdog.rs`
//!    removes it when the test process ends.
//!
//! There is no local-binaries path: SQL Server cannot be run as a throwaway
//! process the way `initdb` + `postgres` can. When neither source works the
//! reason says what each said, and the test is skipped loudly (or fails
//! where `RETORT_REQUIRE_BACKENDS` lists `mssql`).

use super::{BackendKind, Unavailable};

/// An existing SQL Server for the tests to create databases on.
pub const MSSQL_URL_ENV: &str = "RETORT_TEST_MSSQL_URL";

/// The opt-in to Microsoft's EULA for the SQL Server container image.
pub const ACCEPT_MSSQL_EULA_ENV: &str = "RETORT_ACCEPT_MSSQL_EULA";

/// Whether the user accepted the SQL Server image's EULA: only the exact value
/// `1` counts, so that no accidental value (`0`, `false`, empty) accepts a licence.
#[cfg_attr(not(feature = "mssql"), allow(dead_code))] // Read only by the container path.
pub(super) fn eula_accepted(env_value: Option<&str>) -> bool {
    env_value.map(str::trim) == Some("1")
}

#[cfg(feature = "mssql")]
pub(super) use server::MssqlDatabase;

/// The error when this build has no SQL Server backend.
#[cfg(not(feature = "mssql"))]
pub(super) fn unavailable() -> Unavailable {
    Unavailable::new(
        BackendKind::Mssql,
        "retort was built without its `mssql` feature",
    )
}

#[cfg(feature = "mssql")]
mod server {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{mpsc, OnceLock};
    use std::time::{Duration, Instant};

    use super::super::own_thread::block_on_own_thread;
    use super::{eula_accepted, BackendKind, Unavailable, ACCEPT_MSSQL_EULA_ENV, MSSQL_URL_ENV};
    use crate::{DatabaseUrl, Dialect, MssqlBackend};

    /// The shared server, or why there is none; a failure is kept too, so
    /// that the next tests do not each spend seconds failing the same way.
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

    /// Numbers the databases this process creates, so that names never repeat.
    static NEXT_DATABASE: AtomicU64 = AtomicU64::new(1);

    /// How long a fresh container may take to accept logins after it says it is ready.
    const LOGIN_WAIT: Duration = Duration::from_secs(60);

    struct Server {
        /// The URL of the database test databases are created from.
        maintenance_url: String,
        source: Source,
        admin: Admin,
    }

    enum Source {
        Existing,
        #[cfg(unix)]
        Container {
            id: String,
            _watchdog: Option<super::super::watchdog::Watchdog>,
        },
    }

    impl std::fmt::Display for Source {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Source::Existing => write!(f, "the existing server of {MSSQL_URL_ENV}"),
                #[cfg(unix)]
                Source::Container { id, .. } => write!(f, "Docker container {id}"),
            }
        }
    }

    /// One test database, dropped when this is dropped.
    pub(in crate::testing) struct MssqlDatabase {
        pub(in crate::testing) name: String,
        pub(in crate::testing) url: String,
        server: &'static Server,
    }

    impl MssqlDatabase {
        pub(in crate::testing) fn create() -> Result<MssqlDatabase, Unavailable> {
            let server = SERVER
                .get_or_init(Server::start)
                .as_ref()
                .map_err(|reason| Unavailable::new(BackendKind::Mssql, reason.clone()))?;
            let name = server.admin.create_database().map_err(|err| {
                Unavailable::new(
                    BackendKind::Mssql,
                    format!(
                        "could not create a test database on {} ({}): {err}",
                        server.source,
                        crate::redact::redact(&server.maintenance_url)
                    ),
                )
            })?;
            // Built before the URL so that, should the URL fail, dropping it
            // drops the database just created.
            let mut database = MssqlDatabase {
                name,
                url: String::new(),
                server,
            };
            database.url = crate::database_url::MssqlOptions::parse(&server.maintenance_url)
                .map(|options| options.url_for_database(&database.name))
                .map_err(|err| Unavailable::new(BackendKind::Mssql, err.to_string()))?;
            Ok(database)
        }

        pub(in crate::testing) fn maintenance_url(&self) -> &str {
            &self.server.maintenance_url
        }

        pub(in crate::testing) fn server_description(&self) -> String {
            self.server.source.to_string()
        }
    }

    impl Drop for MssqlDatabase {
        fn drop(&mut self) {
            if let Err(err) = self.server.admin.drop_database(&self.name) {
                use std::io::Write;
                // Written past the test harness's capture (see `require.rs`):
                // a database left on a shared server is worth a line.
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "retort::testing: could not drop test database {} on {}: {err}",
                    self.name,
                    self.server.source
                );
            }
        }
    }

    impl Server {
        fn start() -> Result<Server, String> {
            let started = Instant::now();
            let (maintenance_url, source) = Self::start_from_first_source()?;
            let admin = Admin::spawn(maintenance_url.clone())?;
            tracing::info!(%source, elapsed = ?started.elapsed(), "SQL Server test server ready");
            Ok(Server {
                maintenance_url,
                source,
                admin,
            })
        }

        fn start_from_first_source() -> Result<(String, Source), String> {
            match std::env::var(MSSQL_URL_ENV) {
                // A server the user named is the only one they want: failing
                // to reach it is an error, not a reason to start another.
                Ok(url) if !url.trim().is_empty() => {
                    return existing(url.trim()).map(|url| (url, Source::Existing))
                }
                Ok(_) | Err(std::env::VarError::NotPresent) => {}
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(format!("{MSSQL_URL_ENV} is not valid UTF-8"))
                }
            }
            let not_set = format!("{MSSQL_URL_ENV} is not set");
            #[cfg(unix)]
            {
                let eula = std::env::var(ACCEPT_MSSQL_EULA_ENV).ok();
                match (container::docker_engine(), eula_accepted(eula.as_deref())) {
                    (Err(no_engine), _) => Err(format!(
                        "{not_set}; {no_engine}, so no SQL Server container either (that would also need \
                         {ACCEPT_MSSQL_EULA_ENV}=1, accepting the image's EULA)"
                    )),
                    (Ok(()), false) => Err(format!(
                        "{not_set}; a Docker engine is reachable, but the SQL Server container starts only with \
                         {ACCEPT_MSSQL_EULA_ENV}=1, by which you accept Microsoft's EULA for the image \
                         (mcr.microsoft.com/mssql/server)"
                    )),
                    (Ok(()), true) => {
                        let started = container::start().map_err(|err| format!("{not_set}; {err}"))?;
                        let source = Source::Container { id: started.id, _watchdog: started.watchdog };
                        Ok((started.maintenance_url, source))
                    }
                }
            }
            #[cfg(not(unix))]
            Err(format!("{not_set}, and starting a SQL Server container automatically is only supported on Unix"))
        }
    }

    /// Checks that the server of `url` accepts a login, retrying while a
    /// fresh container finishes starting.
    fn existing(url: &str) -> Result<String, String> {
        let unreachable = |err: String| {
            format!(
                "{MSSQL_URL_ENV} is set to {}, but {err}",
                crate::redact::redact(url)
            )
        };
        wait_for_login(url, Duration::ZERO).map_err(unreachable)?;
        Ok(url.to_owned())
    }

    /// Connects and runs `SELECT 1`, retrying for up to `patience`.
    fn wait_for_login(url: &str, patience: Duration) -> Result<(), String> {
        let parsed = DatabaseUrl::parse(url).map_err(|err| err.to_string())?;
        if parsed.dialect() != Dialect::Mssql {
            return Err("it is not a mssql:// URL or an ADO.NET connection string".to_owned());
        }
        let deadline = Instant::now() + patience;
        block_on_own_thread(|| async {
            loop {
                let attempt = async {
                    let mut backend = MssqlBackend::connect(&parsed)
                        .await
                        .map_err(|err| err.to_string())?;
                    let checked = match backend.client().simple_query("SELECT 1").await {
                        Ok(stream) => stream.into_results().await.map(drop),
                        Err(err) => Err(err),
                    };
                    checked.map_err(|err| format!("`SELECT 1` failed: {err}"))
                };
                match attempt.await {
                    Ok(()) => return Ok(()),
                    Err(err) if Instant::now() >= deadline => return Err(err),
                    Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                }
            }
        })
    }

    enum Request {
        Create(mpsc::Sender<Result<String, String>>),
        Drop(String, mpsc::Sender<Result<(), String>>),
    }

    /// A thread holding one connection to the maintenance database that
    /// creates and drops test databases on request (see the PostgreSQL
    /// fixture's `Admin` for why one thread and one connection).
    struct Admin {
        requests: mpsc::Sender<Request>,
    }

    impl Admin {
        fn spawn(maintenance_url: String) -> Result<Admin, String> {
            let url = DatabaseUrl::parse(&maintenance_url).map_err(|err| err.to_string())?;
            let (requests, incoming) = mpsc::channel::<Request>();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| format!("could not start a Tokio runtime: {err}"))?;
            std::thread::Builder::new()
                .name("retort-mssql-admin".to_owned())
                .spawn(move || {
                    let mut backend: Option<MssqlBackend> = None;
                    // A failed `send` of an answer means the caller has gone
                    // (a panicking test); the answer is then of no use.
                    for request in incoming {
                        match request {
                            Request::Create(reply) => {
                                let answer = runtime.block_on(create_database(&url, &mut backend));
                                let _ = reply.send(answer);
                            }
                            Request::Drop(name, reply) => {
                                let answer = runtime.block_on(drop_database(&url, &mut backend, &name));
                                let _ = reply.send(answer);
                            }
                        }
                    }
                })
                .map_err(|err| format!("could not start the admin thread: {err}"))?;
            Ok(Admin { requests })
        }

        fn create_database(&self) -> Result<String, String> {
            let (reply, answer) = mpsc::channel();
            self.requests
                .send(Request::Create(reply))
                .map_err(|_| gone())?;
            answer.recv().map_err(|_| gone())?
        }

        fn drop_database(&self, name: &str) -> Result<(), String> {
            let (reply, answer) = mpsc::channel();
            self.requests
                .send(Request::Drop(name.to_owned(), reply))
                .map_err(|_| gone())?;
            answer.recv().map_err(|_| gone())?
        }
    }

    fn gone() -> String {
        "the admin thread has stopped".to_owned()
    }

    /// Runs one batch on the admin connection, connecting first if needed and
    /// once more on a new connection if the old one broke. An error carries
    /// the server's error number, when it is the server's.
    async fn run(
        url: &DatabaseUrl,
        backend: &mut Option<MssqlBackend>,
        sql: &str,
    ) -> Result<(), (Option<u32>, String)> {
        let mut reconnected = false;
        loop {
            let mut connected = match backend.take() {
                Some(connected) => connected,
                None => {
                    reconnected = true;
                    MssqlBackend::connect(url)
                        .await
                        .map_err(|err| (None, err.to_string()))?
                }
            };
            let outcome = match connected.client().simple_query(sql).await {
                Ok(stream) => stream.into_results().await.map(drop),
                Err(err) => Err(err),
            };
            let broken = matches!(&outcome, Err(tiberius::error::Error::Io { .. }));
            if !broken {
                *backend = Some(connected);
            }
            match outcome {
                Err(_) if broken && !reconnected => continue,
                outcome => return outcome.map_err(|err| (err.code(), err.to_string())),
            }
        }
    }

    /// Creates `retort_t_<pid>_<n>`; a name left by an earlier process with
    /// the same pid (error 1801) is skipped, not dropped: it may be someone's
    /// to inspect. Babelfish's "tuple concurrently updated" (another process
    /// creating a database at the same moment) is tried again.
    async fn create_database(
        url: &DatabaseUrl,
        backend: &mut Option<MssqlBackend>,
    ) -> Result<String, String> {
        let mut attempts = 0;
        loop {
            let name = format!(
                "retort_t_{}_{}",
                std::process::id(),
                NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
            );
            match run(
                url,
                backend,
                &format!("CREATE DATABASE {}", Dialect::Mssql.quote_ident(&name)),
            )
            .await
            {
                Err((Some(1801), _)) if attempts < 5 => attempts += 1,
                // Babelfish: another process created a database at the same
                // moment and PostgreSQL refused this catalog update; the
                // database was not made, and trying again succeeds.
                Err((_, err)) if attempts < 5 && err.contains("tuple concurrently updated") => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempts)).await;
                }
                outcome => return outcome.map(|()| name).map_err(|(_, err)| err),
            }
        }
    }

    /// Drops a test database, ending any connection the test left open
    /// (SQL Server and Babelfish do that differently).
    async fn drop_database(url: &DatabaseUrl, backend: &mut Option<MssqlBackend>, name: &str) -> Result<(), String> {
        // Connected (again, if need be) before asking which server it is.
        run(url, backend, "SELECT 1").await.map_err(|(_, err)| err)?;
        let flavour = match backend.as_mut() {
            Some(connected) => crate::Session::flavour(connected).await.map_err(|err| err.to_string())?,
            None => return Err("no connection to drop the database from".to_owned()),
        };
        // A session the test closed may still be ending: Babelfish then
        // refuses to KILL it ("not an active process ID"), and a moment
        // later it is gone.
        let sql = crate::backend::mssql_drop_database_sql(flavour, name);
        let mut attempts = 0;
        loop {
            match run(url, backend, &sql).await {
                Err(_) if attempts < 20 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                outcome => return outcome.map_err(|(_, err)| err),
            }
        }
    }

    #[cfg(unix)]
    mod container {
        use std::hash::{BuildHasher, Hasher};
        use std::os::unix::net::UnixStream;

        use testcontainers_modules::mssql_server::MssqlServer;
        use testcontainers_modules::testcontainers::runners::AsyncRunner;
        use testcontainers_modules::testcontainers::ImageExt;

        use super::super::super::own_thread::block_on_own_thread;
        use super::super::super::watchdog::{Watchdog, WAIT_FOR_TEST_PROCESS};
        use super::{wait_for_login, LOGIN_WAIT};

        /// The image tag the user's own setup uses.
        const TAG: &str = "2022-latest";

        const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

        /// Removes the container named by `$1` once the test process has ended.
        const SCRIPT_END: &str = "docker rm --force --volumes \"$1\" >/dev/null 2>&1\n";

        pub(super) struct Container {
            pub(super) id: String,
            pub(super) maintenance_url: String,
            pub(super) watchdog: Option<Watchdog>,
        }

        /// Whether a Docker engine looks reachable, decided without waiting.
        pub(super) fn docker_engine() -> Result<(), String> {
            if std::env::var_os("DOCKER_HOST").is_some_and(|host| !host.is_empty()) {
                return Ok(());
            }
            UnixStream::connect(DEFAULT_SOCKET).map(drop).map_err(|err| {
                format!("no Docker engine (DOCKER_HOST is not set and {DEFAULT_SOCKET} is not connectable: {err})")
            })
        }

        /// A password the image's policy accepts (upper and lower case,
        /// digits, a symbol), different for every process.
        fn password() -> String {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            format!("Rt-{:016x}-Aa9!", hasher.finish())
        }

        pub(super) fn start() -> Result<Container, String> {
            let password = password();
            let (id, maintenance_url) = block_on_own_thread(|| async {
                let container = MssqlServer::default()
                    .with_accept_eula()
                    .with_sa_password(&password)
                    .with_tag(TAG)
                    .with_label("dev.retort.test-pid", std::process::id().to_string())
                    .start()
                    .await
                    .map_err(|err| format!("the SQL Server container did not start: {err}"))?;
                let host = container.get_host().await.map_err(|err| err.to_string())?;
                let port = container
                    .get_host_port_ipv4(1433)
                    .await
                    .map_err(|err| err.to_string())?;
                let id = container.id().to_owned();
                // Removing the container is the watchdog's job: the handle
                // would remove it when this helper thread ends.
                std::mem::forget(container);
                let url = format!(
                    "Server=tcp:{host},{port};Database=master;User Id=sa;Password={{{password}}};\
                     TrustServerCertificate=True"
                );
                Ok((id, url))
            })?;
            let watchdog = Watchdog::spawn(&format!("{WAIT_FOR_TEST_PROCESS}{SCRIPT_END}"), "retort-docker-watchdog", [&id], None)
                .map_err(|err| {
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "retort::testing: SQL Server container {id} will keep running after the tests ({err}); \
                         remove it with `docker rm -f {id}`"
                    );
                })
                .ok();
            wait_for_login(&maintenance_url, LOGIN_WAIT).map_err(|err| {
                format!("the SQL Server container {id} started but refused logins: {err}")
            })?;
            Ok(Container {
                id,
                maintenance_url,
                watchdog,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eula_accepted_only_when_value_is_one() {
        assert!(eula_accepted(Some("1")));
        assert!(eula_accepted(Some(" 1 ")));
        for refused in [None, Some(""), Some("0"), Some("yes"), Some("true")] {
            assert!(!eula_accepted(refused), "{refused:?}");
        }
    }
}
