//! PostgreSQL test databases: one server per test process, one fresh
//! database per [`TestDatabase`](super::TestDatabase).
//!
//! The server comes from the first of these that works:
//! 1. `RETORT_TEST_POSTGRES_URL`, an existing server;
//! 2. a testcontainers container, when a Docker engine is reachable;
//! 3. a throwaway cluster made with the local `initdb` and `postgres`.
//!
//! Starting a server takes seconds, creating a database tens of
//! milliseconds, hence the split: the server is started once, lazily, and
//! shared by every test of the process; each test gets its own database.

#[cfg(unix)]
mod container;
#[cfg(unix)]
mod local_cluster;

use std::fmt;
use std::future::Future;
#[cfg(unix)]
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use super::own_thread::block_on_own_thread;
#[cfg(unix)]
use super::watchdog::Watchdog;
use super::{BackendKind, Unavailable};
use crate::Dialect;

/// An existing PostgreSQL server for the tests. Its database is the
/// maintenance database from which test databases are created and dropped
/// (usually `postgres`); its user needs the `CREATEDB` privilege.
pub const POSTGRES_URL_ENV: &str = "RETORT_TEST_POSTGRES_URL";

/// Where to look for `initdb` and `postgres` before `PATH` and
/// `pg_config --bindir`, for machines with several PostgreSQL versions.
pub const POSTGRES_BINDIR_ENV: &str = "RETORT_TEST_POSTGRES_BINDIR";

/// How long to wait for a connection to the server to be accepted, or
/// refused, before giving up on one attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The shared server, or why there is none. Started by the first test that
/// asks; a failure is kept too, so that the next tests do not each spend
/// seconds failing the same way.
static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// Numbers the databases this process creates, so that names never repeat.
static NEXT_DATABASE: AtomicU64 = AtomicU64::new(1);

/// A running PostgreSQL server.
struct Server {
    /// A URL with a user allowed to create databases, to the database used
    /// for `CREATE DATABASE` / `DROP DATABASE`.
    maintenance_url: String,
    source: Source,
    admin: Admin,
}

/// Where the server came from, and what stops it when the process ends.
enum Source {
    /// An existing server named by `RETORT_TEST_POSTGRES_URL`; not ours to stop.
    Existing,
    /// A container, removed by the watchdog when it is `Some`.
    #[cfg(unix)]
    Container { id: String, _watchdog: Option<Watchdog> },
    /// A cluster in `root`, stopped and deleted by the watchdog.
    #[cfg(unix)]
    LocalCluster { root: PathBuf, _watchdog: Watchdog },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Existing => write!(f, "the existing server of {POSTGRES_URL_ENV}"),
            #[cfg(unix)]
            Source::Container { id, .. } => write!(f, "Docker container {id}"),
            #[cfg(unix)]
            Source::LocalCluster { root, .. } => write!(f, "local cluster in {}", root.display()),
        }
    }
}

/// One test database on the shared server, dropped with `DROP DATABASE` when
/// this is dropped.
pub(super) struct PostgresDatabase {
    pub(super) name: String,
    pub(super) url: String,
    server: &'static Server,
}

impl PostgresDatabase {
    /// Creates a fresh, empty database, starting the server first if this is
    /// the process's first.
    pub(super) fn create() -> Result<PostgresDatabase, Unavailable> {
        let server = SERVER
            .get_or_init(Server::start)
            .as_ref()
            .map_err(|reason| Unavailable::new(BackendKind::Postgres, reason.clone()))?;
        let name = server.admin.create_database().map_err(|err| {
            Unavailable::new(
                BackendKind::Postgres,
                format!(
                    "could not create a test database on {} ({}): {err}",
                    server.source,
                    crate::redact::redact(&server.maintenance_url)
                ),
            )
        })?;
        // Built before the URL so that, should the URL fail, dropping it
        // drops the database just created.
        let mut database = PostgresDatabase { name, url: String::new(), server };
        database.url = database_url(&server.maintenance_url, &database.name)
            .map_err(|err| Unavailable::new(BackendKind::Postgres, err))?;
        Ok(database)
    }

    pub(super) fn maintenance_url(&self) -> &str {
        &self.server.maintenance_url
    }

    pub(super) fn server_description(&self) -> String {
        self.server.source.to_string()
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if let Err(err) = self.server.admin.drop_database(&self.name) {
            use std::io::Write;
            // Drop cannot return the error, and a database left behind on a
            // shared server is worth a line: written past the test harness's
            // capture (see `require.rs`) so that it is seen. A failed write
            // to stderr leaves nothing better to do.
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
    /// Finds or starts a server, trying each source in turn; the error lists
    /// what every source said.
    fn start() -> Result<Server, String> {
        let started = Instant::now();
        let (maintenance_url, source) = Self::start_from_first_source()?;
        let admin = Admin::spawn(maintenance_url.clone())?;
        tracing::info!(%source, elapsed = ?started.elapsed(), "PostgreSQL test server ready");
        Ok(Server { maintenance_url, source, admin })
    }

    /// The maintenance URL of the first source that works, and that source.
    fn start_from_first_source() -> Result<(String, Source), String> {
        match std::env::var(POSTGRES_URL_ENV) {
            // A server the user named is the only one they want: failing to
            // reach it is an error, not a reason to start another.
            Ok(url) if !url.trim().is_empty() => return Self::existing(url.trim()),
            Ok(_) | Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => return Err(format!("{POSTGRES_URL_ENV} is not valid UTF-8")),
        }
        #[cfg(unix)]
        {
            let mut tried = vec![format!("{POSTGRES_URL_ENV} is not set")];
            match container::docker_engine() {
                Ok(()) => match container::start() {
                    Ok(started) => {
                        let source = Source::Container { id: started.id, _watchdog: started.watchdog };
                        return Ok((started.maintenance_url, source));
                    }
                    Err(err) => {
                        // Only logged here: when local binaries work, the
                        // tests still run, on a server the `Debug` output names.
                        tracing::warn!(reason = %err, "the PostgreSQL container did not start; trying local binaries");
                        tried.push(format!("the PostgreSQL container did not start: {err}"));
                    }
                },
                Err(no_engine) => tried.push(no_engine),
            }
            match local_cluster::start(None) {
                Ok(cluster) => {
                    let source = Source::LocalCluster { root: cluster.root, _watchdog: cluster.watchdog };
                    return Ok((cluster.maintenance_url, source));
                }
                Err(err) => tried.push(err),
            }
            Err(tried.join("; "))
        }
        #[cfg(not(unix))]
        Err(format!(
            "{POSTGRES_URL_ENV} is not set, and starting a server automatically (Docker or local binaries) is only \
             supported on Unix"
        ))
    }

    fn existing(url: &str) -> Result<(String, Source), String> {
        let unreachable = |err: String| format!("{POSTGRES_URL_ENV} is set to {}, but {err}", crate::redact::redact(url));
        // Checked now so that a malformed URL is reported once, here, rather
        // than as a failure to create every database.
        database_url(url, "check").map_err(unreachable)?;
        block_on_own_thread(|| async {
            let client =
                connect(url).await.map_err(|err| format!("the server could not be reached: {err}"))?;
            client.simple_query("SELECT 1").await.map_err(|err| format!("`SELECT 1` failed: {}", describe(&err)))?;
            Ok(())
        })
        .map_err(unreachable)?;
        Ok((url.to_owned(), Source::Existing))
    }
}

/// Connects as every retort command does, the URL's `sslmode` and
/// certificates included (a server named in `RETORT_TEST_POSTGRES_URL` may
/// require TLS). The error is the whole message, password left out.
pub(super) async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let parsed = crate::DatabaseUrl::parse(url).map_err(|error| error.to_string())?;
    let mut config = parsed.postgres_config().cloned().ok_or_else(|| format!("{parsed} is not a postgres:// URL"))?;
    config.connect_timeout(CONNECT_TIMEOUT);
    crate::backend::postgres_tls::connect(&config, parsed.postgres_tls()).await
}

/// A local PostgreSQL cluster of its own that serves TLS with a given
/// certificate and lets TCP logins in over TLS only (`hostssl` in its
/// pg_hba.conf), for testing connection settings. Made with the local
/// `initdb` and `postgres` as the shared test server's fallback is (run as
/// the `postgres` OS user under root); stopped and deleted when the test
/// process ends.
#[cfg(unix)]
pub struct TlsCluster {
    port: u16,
    password: String,
    _watchdog: Watchdog,
}

#[cfg(unix)]
impl TlsCluster {
    /// Starts a cluster with this server certificate and key (PEM).
    pub fn start(cert_pem: &str, key_pem: &str) -> Result<TlsCluster, Unavailable> {
        let tls = local_cluster::ServerTls { cert_pem, key_pem };
        let cluster = local_cluster::start(Some(&tls)).map_err(|reason| Unavailable::new(BackendKind::Postgres, reason))?;
        Ok(TlsCluster { port: cluster.port, password: cluster.password, _watchdog: cluster.watchdog })
    }

    /// The URL of `database` as superuser, through `host` (a name or an
    /// address; the server listens on 127.0.0.1), with `query` appended
    /// (`sslmode=…&sslrootcert=…`, or empty).
    pub fn url(&self, host: &str, database: &str, query: &str) -> String {
        let url = format!("postgres://{}:{}@{host}:{}/{database}", local_cluster::USER, self.password, self.port);
        if query.is_empty() {
            url
        } else {
            format!("{url}?{query}")
        }
    }
}

#[cfg(unix)]
impl fmt::Debug for TlsCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TlsCluster {{ port: {} }}", self.port)
    }
}

/// A request to the admin thread, with the channel for its answer.
enum Request {
    /// Create a database; answers its name.
    Create(mpsc::Sender<Result<String, String>>),
    /// Drop the named database.
    Drop(String, mpsc::Sender<Result<(), String>>),
}

/// A thread that holds one connection to the maintenance database and
/// creates and drops test databases on request.
///
/// Connecting costs more than creating a database (SCRAM's key derivation
/// took 75–100 ms per connection in a debug build, `CREATE DATABASE` 20–30
/// ms), so the connection is made once per process instead of per call. The
/// thread has its own runtime for the reasons given on
/// [`block_on_own_thread`]; between requests it waits on a std channel, so
/// callers may be sync code, async tests or destructors alike. Like the
/// server, the thread lives until the process ends.
struct Admin {
    requests: mpsc::Sender<Request>,
}

impl Admin {
    fn spawn(maintenance_url: String) -> Result<Admin, String> {
        let (requests, incoming) = mpsc::channel::<Request>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("could not start a Tokio runtime: {err}"))?;
        std::thread::Builder::new()
            .name("retort-postgres-admin".to_owned())
            .spawn(move || {
                let mut client = None;
                // A failed `send` of an answer means the caller has gone (a
                // panicking test); the answer is then of no use to anyone.
                for request in incoming {
                    match request {
                        Request::Create(reply) => {
                            let answer = runtime.block_on(with_client(&maintenance_url, &mut client, |client| {
                                Box::pin(create_database(client))
                            }));
                            let _ = reply.send(answer);
                        }
                        Request::Drop(name, reply) => {
                            let answer = runtime.block_on(with_client(&maintenance_url, &mut client, |client| {
                                Box::pin(drop_database(client, name.clone()))
                            }));
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
        self.send(Request::Create(reply))?;
        answer.recv().map_err(|_| Self::gone())?
    }

    fn drop_database(&self, name: &str) -> Result<(), String> {
        let (reply, answer) = mpsc::channel();
        self.send(Request::Drop(name.to_owned(), reply))?;
        answer.recv().map_err(|_| Self::gone())?
    }

    fn send(&self, request: Request) -> Result<(), String> {
        self.requests.send(request).map_err(|_| Self::gone())
    }

    fn gone() -> String {
        "the admin thread has stopped".to_owned()
    }
}

/// Runs `operation` on the admin connection, connecting first if there is
/// none, and once more on a new connection if the server had closed the old one.
async fn with_client<T>(
    maintenance_url: &str,
    client: &mut Option<Client>,
    operation: impl for<'c> Fn(&'c Client) -> Pin<Box<dyn Future<Output = Result<T, tokio_postgres::Error>> + 'c>>,
) -> Result<T, String> {
    let mut reconnected = false;
    loop {
        let connected = match client.take().filter(|client| !client.is_closed()) {
            Some(connected) => connected,
            None => {
                reconnected = true;
                connect(maintenance_url).await?
            }
        };
        let outcome = operation(&connected).await;
        let retry = matches!(&outcome, Err(err) if err.is_closed() && !reconnected);
        *client = Some(connected);
        if !retry {
            return outcome.map_err(|err| describe(&err));
        }
        *client = None;
    }
}

/// The error with its causes: tokio-postgres's `Display` says only "db
/// error" or "error connecting to server" and keeps the server's message and
/// the I/O error in `source()`.
pub(super) fn describe(err: &tokio_postgres::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Creates `retort_t_<pid>_<n>` and returns its name.
async fn create_database(client: &Client) -> Result<String, tokio_postgres::Error> {
    // A name can already exist on a shared server when an earlier test
    // process with the same pid was killed before dropping its databases.
    // That database may be someone else's to inspect, so it is skipped, not
    // dropped.
    let mut attempts = 0;
    loop {
        let name = format!("retort_t_{}_{}", std::process::id(), NEXT_DATABASE.fetch_add(1, Ordering::Relaxed));
        match client.batch_execute(&format!("CREATE DATABASE {}", Dialect::Postgres.quote_ident(&name))).await {
            Err(err) if err.code() == Some(&SqlState::DUPLICATE_DATABASE) && attempts < 5 => attempts += 1,
            outcome => return outcome.map(|()| name),
        }
    }
}

/// Drops a test database, ending any connections the test left open.
async fn drop_database(client: &Client, name: String) -> Result<(), tokio_postgres::Error> {
    let quoted = Dialect::Postgres.quote_ident(&name);
    match client.batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")).await {
        // `WITH (FORCE)` is PostgreSQL 13+. Older servers get the same effect
        // in two steps, racing only with connections opened in between,
        // which tests of a dropped database do not make.
        Err(err) if err.code() == Some(&SqlState::SYNTAX_ERROR) => {
            client
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                    &[&name],
                )
                .await?;
            client.batch_execute(&format!("DROP DATABASE IF EXISTS {quoted}")).await
        }
        outcome => outcome,
    }
}

/// The maintenance URL with its database replaced by `name`; query
/// parameters such as `sslmode` are kept.
fn database_url(maintenance_url: &str, name: &str) -> Result<String, String> {
    let url = crate::DatabaseUrl::parse(maintenance_url).map_err(|err| err.to_string())?;
    if url.dialect() != Dialect::Postgres {
        return Err(format!("it is a {} URL, expected postgres://user:password@host:port/database", url.dialect()));
    }
    let url = url.with_database(name).map_err(|err| err.to_string())?;
    Ok(url.expose().to_owned())
}

/// The last lines of a process's output or log, for an error message.
#[cfg(unix)]
pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).collect();
    let tail = all[all.len().saturating_sub(lines)..].join("\n    ");
    if tail.is_empty() {
        "(no output)".to_owned()
    } else {
        format!("\n    {tail}")
    }
}

/// The first executable file called `name` in a directory of `PATH`.
#[cfg(unix)]
pub(super) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
pub(super) fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_database_and_keeps_query() {
        assert_eq!(
            database_url("postgres://u:p%40ss@127.0.0.1:5432/postgres?sslmode=disable", "retort_t_1_2").as_deref(),
            Ok("postgres://u:p%40ss@127.0.0.1:5432/retort_t_1_2?sslmode=disable")
        );
    }

    #[test]
    fn database_url_fails_when_not_a_postgres_url() {
        assert!(database_url("host=h dbname=d", "x").is_err());
        assert!(database_url("mysql://h/d", "x").is_err());
    }
}
