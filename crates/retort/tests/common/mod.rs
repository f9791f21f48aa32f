//! Shared fixtures of retort's engine tests: revision tables built by hand
//! (the build script is tested on its own) and schema/history readers.

#![allow(dead_code)] // Each test file uses its own subset.

#[cfg(unix)]
pub mod tls;

use std::process::Command;

use retort::testing::{BackendKind, TestDatabase};
use retort::{
    AnyBackend, Backend, Body, Checksum, DatabaseUrl, HistoryTable, MigrateError, Migrations,
    Migrator, Revision, Session, Target,
};

/// A transactional revision of the tests' own tables, named by its id, from
/// `source`.
pub const fn revision(id: &'static str, parents: &'static [&'static str], source: &'static str, body: Body) -> Revision {
    Revision {
        id,
        parents,
        depends_on: &[],
        branch_labels: &[],
        message: id,
        checksum: Checksum([1; 32]),
        transactional: true,
        irreversible: None,
        lock_timeout: None,
        source,
        body,
    }
}

/// A revision with SQL bodies, for hand-built tables.
pub const fn sql(
    id: &'static str,
    parents: &'static [&'static str],
    up: &'static str,
    down: &'static str,
) -> Revision {
    revision(id, parents, "migrations/fixture.sql", Body::Sql { up, down: Some(down), sources: retort::ScriptSources::NONE })
}

/// The graph every engine test runs on:
///
/// ```text
/// a0a0 ─ b0b0 ─┬─ c1c1 (billing) ─ c2c2 ─┬─ m0m0 (merge)
///              └─ d1d1 ──────────────────┘
/// ```
pub static GRAPH: Migrations = Migrations::new(&[
    sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    sql(
        "b0b0",
        &["a0a0"],
        "CREATE TABLE items (id INTEGER PRIMARY KEY);",
        "DROP TABLE items;",
    ),
    Revision {
        branch_labels: &["billing"],
        ..sql(
            "c1c1",
            &["b0b0"],
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY);",
            "DROP TABLE invoices;",
        )
    },
    sql(
        "c2c2",
        &["c1c1"],
        "CREATE TABLE payments (id INTEGER PRIMARY KEY);",
        "DROP TABLE payments;",
    ),
    sql(
        "d1d1",
        &["b0b0"],
        "CREATE TABLE audit (id INTEGER PRIMARY KEY);",
        "DROP TABLE audit;",
    ),
    sql(
        "m0m0",
        &["c2c2", "d1d1"],
        "CREATE TABLE merged (id INTEGER PRIMARY KEY);",
        "DROP TABLE merged;",
    ),
]);

pub fn url(db: &TestDatabase) -> DatabaseUrl {
    DatabaseUrl::parse(db.url()).expect("the fixture gives valid URLs")
}

pub async fn connect(db: &TestDatabase) -> AnyBackend {
    connect_to(&url(db)).await
}

/// Connects to `url`; on SQLite, with [`SQLITE_SLEEP`] registered.
pub async fn connect_to(url: &DatabaseUrl) -> AnyBackend {
    let backend = retort::connect(url)
        .await
        .expect("the test database accepts connections");
    if let AnyBackend::Sqlite(sqlite) = &backend {
        register_sleep(sqlite.connection());
    }
    backend
}

/// The SQL function `retort_test_sleep(ms)` that the tests' SQLite
/// connections have: SQLite has no sleep of its own, and a slow revision
/// written as a counting loop takes as long as the machine makes it (a
/// loop calibrated on one machine for 2.5 s took 1.67 s on another). This
/// one sleeps, so its duration is the same everywhere.
pub const SQLITE_SLEEP: &str = "retort_test_sleep";

fn register_sleep(conn: &rusqlite::Connection) {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(SQLITE_SLEEP, 1, FunctionFlags::SQLITE_UTF8, |context| {
        let millis: i64 = context.get(0)?;
        std::thread::sleep(std::time::Duration::from_millis(millis.max(0).unsigned_abs()));
        Ok(millis)
    })
    .expect("the sleep function registers");
}

/// Runs a query returning one text column, on whichever backend.
pub async fn texts(db: &TestDatabase, sql: &str) -> Vec<String> {
    match connect(db).await {
        AnyBackend::Sqlite(backend) => {
            let conn = backend.connection();
            let mut statement = conn.prepare(sql).expect("valid test query");
            let rows = statement
                .query_map([], |row| row.get::<_, String>(0))
                .expect("query runs");
            rows.map(|row| row.expect("text column")).collect()
        }
        AnyBackend::Postgres(backend) => backend
            .client()
            .query(sql, &[])
            .await
            .expect("query runs")
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect(),
        AnyBackend::Mssql(mut backend) => {
            let rows = backend
                .client()
                .simple_query(sql)
                .await
                .expect("query runs")
                .into_first_result()
                .await
                .expect("query runs");
            rows.iter()
                .map(|row| row.get::<&str, _>(0).expect("text column").to_owned())
                .collect()
        }
        #[allow(unreachable_patterns)] // Reached only when a backend is added.
        _ => unreachable!("only SQLite, PostgreSQL and SQL Server run here"),
    }
}

/// The user tables, sorted (history tables excluded).
pub async fn tables(db: &TestDatabase) -> Vec<String> {
    let sql = match db.kind() {
        BackendKind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'retort%' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        BackendKind::Mssql => {
            "SELECT name FROM sys.tables WHERE SCHEMA_NAME(schema_id) = N'dbo' AND name NOT LIKE 'retort%' ORDER BY name"
        }
        _ => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'retort%' ORDER BY 1",
    };
    texts(db, sql).await
}

/// The applied revision ids, sorted.
pub async fn applied(db: &TestDatabase) -> Vec<String> {
    texts(
        db,
        "SELECT revision_id FROM retort_history WHERE status = 'applied' ORDER BY revision_id",
    )
    .await
}

/// The event log as `id action outcome` lines, oldest first.
pub async fn events(db: &TestDatabase) -> Vec<String> {
    let sql = match db.kind() {
        BackendKind::Mssql => {
            "SELECT CONCAT(revision_id, N' ', action, N' ', outcome) FROM dbo.retort_history_log ORDER BY id"
        }
        _ => "SELECT revision_id || ' ' || action || ' ' || outcome FROM retort_history_log ORDER BY id",
    };
    texts(db, sql).await
}

/// Parses a target written in a test.
pub fn target(text: &str) -> Target {
    Target::parse(text).expect("test targets parse")
}

/// Upgrades `db` to `to` on a fresh connection; returns the ids that ran.
pub async fn upgrade(
    db: &TestDatabase,
    migrations: &'static Migrations,
    to: &str,
) -> Result<Vec<&'static str>, MigrateError> {
    let mut backend = connect(db).await;
    let steps = Migrator::new(migrations)
        .upgrade(&mut backend, &target(to))
        .await?;
    Ok(steps.iter().map(|s| s.id).collect())
}

/// Asserts that `actual` holds what `expected` does: the same user tables,
/// applied revisions and introspected schema (history tables left out).
pub async fn assert_same_schema(actual: &TestDatabase, expected: &TestDatabase) {
    assert_eq!(tables(actual).await, tables(expected).await);
    assert_eq!(applied(actual).await, applied(expected).await);
    let history = HistoryTable::default();
    let (mut a, mut b) = (connect(actual).await, connect(expected).await);
    assert_eq!(
        a.introspect(&history).await.unwrap(),
        b.introspect(&history).await.unwrap()
    );
}

/// Which server the test database is on (SQL Server or Babelfish), for
/// offline scripts rendered for it.
pub async fn flavour(db: &TestDatabase) -> retort::Flavour {
    connect(db).await.flavour().await.expect("the server says which it is")
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Declares one `#[tokio::test]` per backend that runs `$scenario(kind)`.
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(retort::testing::BackendKind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(retort::testing::BackendKind::Postgres).await;
                }
            )*
        }
        mod mssql {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(retort::testing::BackendKind::Mssql).await;
                }
            )*
        }
    };
}

/// Runs an offline script with the dialect's own client, as a DBA would:
/// sqlite3, psql, and for SQL Server FreeTDS's tsql (Debian's
/// `freetds-bin`, which `.ci/run` installs) or, where tsql is missing,
/// sqlcmd (mssql-tools18, as the GitHub workflow installs). sqlite3, psql
/// and sqlcmd are told to stop at the first error; tsql never stops, so the
/// script's own guards must. A script that fails fails here, rather than in
/// a later comparison.
pub fn run_script(db: &TestDatabase, script: &str) {
    let outcome = run_script_allowing_errors(db, script);
    assert!(
        outcome.errors.is_empty() && outcome.success,
        "{} ran the script cleanly:\n{}\n{}\n{script}",
        outcome.client,
        outcome.stdout,
        outcome.stderr
    );
}

/// What a client printed running a script.
pub struct ScriptOutcome {
    pub client: &'static str,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    /// The server's error messages (`Msg 208, …` for SQL Server clients).
    pub errors: Vec<String>,
}

/// Runs an offline script as [`run_script`] does, and returns what
/// happened instead of asserting that it succeeded.
pub fn run_script_allowing_errors(db: &TestDatabase, script: &str) -> ScriptOutcome {
    run_script_on(db.kind(), db.url(), script)
}

/// [`run_script_allowing_errors`] on the database of `kind` at `url`, for
/// a thread of its own (`tokio::task::spawn_blocking`).
pub fn run_script_on(kind: BackendKind, url: &str, script: &str) -> ScriptOutcome {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("script.sql");
    std::fs::write(&file, script).expect("the script is written");
    let tsql = BackendKind::Mssql == kind && Command::new("tsql").arg("-C").output().is_ok();
    let (client, mut command) = match kind {
        BackendKind::Sqlite => {
            let mut command = Command::new("sqlite3");
            let url = DatabaseUrl::parse(url).expect("the fixture gives valid URLs");
            command.arg("-bail").arg(url.sqlite_path().expect("a file database"));
            ("sqlite3", command)
        }
        BackendKind::Postgres => {
            let mut command = Command::new("psql");
            command.args(["-q", "-X", "-v", "ON_ERROR_STOP=1", url]);
            ("psql", command)
        }
        BackendKind::Mssql if tsql => {
            let mut command = Command::new("tsql");
            command.args(tsql_args(url)).env("TDSVER", "7.4");
            ("tsql", command)
        }
        BackendKind::Mssql => {
            let mut command = Command::new("sqlcmd");
            command.args(sqlcmd_args(url)).arg("-i").arg(&file);
            ("sqlcmd", command)
        }
    };
    let input = std::fs::File::open(&file).expect("the script was just written");
    let output = command
        .stdin(input)
        .output()
        .unwrap_or_else(|e| panic!("{client} is installed (.ci/run installs it): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let errors = stderr
        .lines()
        .chain(stdout.lines())
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("Msg ") || line.starts_with("Error: ") || line.starts_with("ERROR:") || line.contains("Parse error")
        })
        .map(str::to_owned)
        .collect();
    ScriptOutcome { client, success: output.status.success(), stdout, stderr, errors }
}

/// Host, port, user, password and database of a fixture URL, for tsql
/// (without TLS: test servers accept plain connections).
fn tsql_args(url: &str) -> Vec<String> {
    let parts = url_parts(url);
    vec![
        "-H".into(),
        parts.host,
        "-p".into(),
        parts.port.to_string(),
        "-U".into(),
        parts.user,
        "-P".into(),
        parts.password,
        "-D".into(),
        parts.database,
        "-o".into(),
        "q".into(),
    ]
}

struct UrlParts {
    host: String,
    port: u16,
    user: String,
    password: String,
    database: String,
}

/// Host, port, user, password and database of a fixture URL, for sqlcmd.
fn sqlcmd_args(url: &str) -> Vec<String> {
    let parts = url_parts(url);
    vec![
        "-b".into(),
        "-C".into(), // trust the server's certificate: test servers have self-signed ones
        "-S".into(),
        format!("tcp:{},{}", parts.host, parts.port),
        "-U".into(),
        parts.user,
        "-P".into(),
        parts.password,
        "-d".into(),
        parts.database,
    ]
}

fn url_parts(url: &str) -> UrlParts {
    let url = url::Url::parse(url).expect("the fixture gives mssql:// URLs");
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'%' {
                if let Some(byte) = text
                    .get(at + 1..at + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(byte);
                    at += 3;
                    continue;
                }
            }
            out.push(bytes[at]);
            at += 1;
        }
        String::from_utf8(out).expect("UTF-8")
    };
    UrlParts {
        host: url.host_str().unwrap_or("localhost").to_owned(),
        port: url.port().unwrap_or(1433),
        user: decode(url.username()),
        password: decode(url.password().unwrap_or_default()),
        database: decode(url.path().trim_start_matches('/')),
    }
}
