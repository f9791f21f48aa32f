//! An application that brings its own connection, as one would at
//! start-up: it builds its client (its own TLS configuration, its own
//! stream), migrates through it with `Migrations::upgrade_with`, and goes
//! on using the same client. The client must come back as it was — no
//! transaction open, the migration lock released, the session settings
//! retort changes at the application's values — after an upgrade and after
//! a revision that fails; and two instances of the application migrating
//! at once apply each revision exactly once.
//!
//! PostgreSQL runs against a local cluster of its own that serves TLS with
//! a certificate signed by a CA made here (`common::tls`); the
//! application's rustls configuration trusts that CA only and checks the
//! host name. SQL Server runs on the server of `RETORT_TEST_MSSQL_URL`
//! over a stream of the application's (a buffered TCP stream), encrypted;
//! see [`mssql_client`] for why it does not verify the certificate.

mod common;

use std::time::Duration;

use common::GRAPH;
use retort::testing::{BackendKind, TestDatabase};
use retort::{DatabaseUrl, MigrateError, Migrations, Session};

/// The graph's first revision, then one that fails halfway: its first
/// statement runs, its second names a table that does not exist.
static FAILING: Migrations = Migrations::new(&[
    common::sql("a0a0", &[], "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE accounts;"),
    common::sql(
        "f1f1",
        &["a0a0"],
        "CREATE TABLE halfway (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);",
        "DROP TABLE halfway;",
    ),
]);

/// A revision that changes its session's settings for its own statements,
/// as a hand-written script may (PostgreSQL), then one that does and fails.
static PG_SETTING: Migrations = Migrations::new(&[
    common::sql(
        "5e75",
        &[],
        "SET search_path TO pg_catalog, public;\nSET statement_timeout = '4s';\nCREATE TABLE public.probe (id INTEGER PRIMARY KEY);",
        "DROP TABLE public.probe;",
    ),
    common::sql("5e76", &["5e75"], "SET DateStyle = 'German';\nINSERT INTO no_such_table VALUES (1);", "SELECT 1;"),
]);

/// The same on SQL Server: `SET` options, `DATEFIRST`, and a `USE` of
/// another database, which the transaction's rollback does not undo.
static MSSQL_SETTING: Migrations = Migrations::new(&[
    common::sql(
        "5e75",
        &[],
        "SET NOCOUNT ON;\nSET QUOTED_IDENTIFIER OFF;\nSET DATEFIRST 3;\nCREATE TABLE probe (id INTEGER PRIMARY KEY);",
        "DROP TABLE probe;",
    ),
    common::sql("5e76", &["5e75"], "SET ANSI_NULLS OFF;\nUSE master;\nINSERT INTO no_such_table VALUES (1);", "SELECT 1;"),
]);

/// The graph's revisions, each of which an upgrade must apply once.
const GRAPH_IDS: [&str; 6] = ["a0a0", "b0b0", "c1c1", "c2c2", "d1d1", "m0m0"];

/// Whether another session can take the migration lock at once: the
/// application's session released it.
async fn lock_is_free(url: &str) -> bool {
    let url = DatabaseUrl::parse(url).expect("the URL parses");
    let mut other = common::connect_to(&url).await;
    let taken = other.lock(Duration::ZERO).await.is_ok();
    other.unlock().await.expect("the lock is released");
    taken
}

/// The upgrade events of the log, as `id action outcome` lines, sorted.
fn upgrades(events: Vec<String>) -> Vec<String> {
    let mut upgrades: Vec<String> = events.into_iter().filter(|line| line.contains(" upgrade ")).collect();
    upgrades.sort();
    upgrades
}

/// Each of the graph's revisions upgraded once, successfully.
fn each_once() -> Vec<String> {
    GRAPH_IDS.iter().map(|id| format!("{id} upgrade ok")).collect()
}

/// The failure of [`FAILING`]'s second revision.
fn assert_f1f1_failed(result: Result<Vec<retort::StepReport>, MigrateError>) {
    let error = result.expect_err("revision f1f1 fails");
    assert!(matches!(error, MigrateError::Statement(_)), "{error}");
    assert!(error.to_string().contains("f1f1"), "{error}");
}

/// Two instances of the application run the start-up call at once, each
/// through its own connection, on tasks of their own (so that a blocking
/// driver waiting for the lock does not hold the other up): between them
/// they apply the graph, one finding it at head. Gives the connections back.
macro_rules! race_two_instances {
    ($first:expr, $second:expr) => {{
        let (mut first, mut second) = ($first, $second);
        let one = tokio::spawn(async move { GRAPH.upgrade_with(&mut first).await.map(|steps| (steps.len(), first)) });
        let two = tokio::spawn(async move { GRAPH.upgrade_with(&mut second).await.map(|steps| (steps.len(), second)) });
        let (one, two) = (one.await.expect("no panic"), two.await.expect("no panic"));
        let ((applied_one, first), (applied_two, second)) =
            (one.unwrap_or_else(|error| panic!("{error}")), two.unwrap_or_else(|error| panic!("{error}")));
        assert_eq!(applied_one + applied_two, GRAPH_IDS.len(), "one instance applied the graph, the other found it at head");
        (first, second)
    }};
}

/// The start-up call's future is `Send`, so an application may spawn it
/// (`upgrade_with`'s are: the tests below spawn them).
#[test]
fn the_url_upgrade_future_is_send() {
    fn send<T: Send>(_: &T) {}
    send(&GRAPH.upgrade("sqlite::memory:"));
}

// -- PostgreSQL ----------------------------------------------------------

/// What retort may change on a PostgreSQL session, and whether it left
/// anything behind.
#[derive(Debug, PartialEq)]
struct PgState {
    lock_timeout: String,
    /// Batched messages set it.
    connection_check_interval: String,
    /// A transaction block left open: it started before this statement.
    in_transaction: bool,
    /// Advisory locks this session holds (the migration lock is one).
    advisory_locks: i64,
}

async fn pg_state(client: &tokio_postgres::Client) -> PgState {
    // The simple protocol: one message, so outside a transaction block the
    // transaction starts with the statement (`now()` is its start).
    let messages = client
        .simple_query(
            "SELECT current_setting('lock_timeout'), current_setting('client_connection_check_interval'), \
             now() <> statement_timestamp(), \
             (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())",
        )
        .await
        .expect("the session answers: no transaction of retort's is left aborted on it");
    let row = messages
        .iter()
        .find_map(|message| match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .expect("a row");
    let text = |index| row.get(index).expect("a value").to_owned();
    PgState {
        lock_timeout: text(0),
        connection_check_interval: text(1),
        in_transaction: text(2) == "t",
        advisory_locks: text(3).parse().expect("a count"),
    }
}

/// The application's PostgreSQL client: its own rustls configuration,
/// trusting only the CA it was given and checking the host name, and its
/// own lock timeout.
async fn pg_client(fixture: &common::tls::Fixture, database: &str) -> tokio_postgres::Client {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(fixture.file("ca.pem")).expect("ca.pem reads") {
        roots.add(cert.expect("ca.pem holds a certificate")).expect("the CA is usable");
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut config: tokio_postgres::Config =
        fixture.cluster.url("localhost", database, "").parse().expect("the URL parses");
    config.ssl_mode(tokio_postgres::config::SslMode::Require);
    let (client, connection) = config
        .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
        .await
        .expect("the application connects over verified TLS");
    tokio::spawn(connection);
    let row = client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.expect("pg_stat_ssl");
    assert!(row.get::<_, bool>(0), "the application's session is encrypted");
    client.batch_execute("SET lock_timeout = '7s'").await.expect("the application's own setting");
    client
}

/// A fresh database on the TLS cluster, and retort's URL of it (verified
/// TLS too), for the checks made from another session.
async fn pg_database(fixture: &common::tls::Fixture, name: &str) -> String {
    let admin = pg_client(fixture, "postgres").await;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.expect("the database is dropped");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("the database is created");
    fixture.cluster.url("localhost", name, &format!("sslmode=verify-full&sslrootcert={}", fixture.file("ca.pem")))
}

async fn pg_upgrades(client: &tokio_postgres::Client) -> Vec<String> {
    let rows = client
        .query("SELECT revision_id || ' ' || action || ' ' || outcome FROM retort_history_log", &[])
        .await
        .expect("the log reads");
    upgrades(rows.iter().map(|row| row.get(0)).collect())
}

#[tokio::test]
async fn postgres_application_migrates_through_its_own_tls_client_and_keeps_using_it() {
    let Some(fixture) = common::tls::fixture() else { return };
    let url = pg_database(fixture, "own_upgrade").await;
    let mut client = pg_client(fixture, "own_upgrade").await;
    let before = pg_state(&client).await;
    assert_eq!(before.lock_timeout, "7s");

    let steps = GRAPH.upgrade_with(&mut client).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(steps.len(), GRAPH_IDS.len());
    assert_eq!(pg_state(&client).await, before);
    assert!(lock_is_free(&url).await);
    // The application goes on with the same client, on the migrated schema.
    client.execute("INSERT INTO accounts (id, name) VALUES (1, 'app')", &[]).await.expect("the application writes");
    assert_eq!(pg_upgrades(&client).await, each_once());
    // At head: nothing runs, and the session is still the application's.
    assert!(GRAPH.upgrade_with(&mut client).await.unwrap_or_else(|error| panic!("{error}")).is_empty());
    assert_eq!(pg_state(&client).await, before);
}

/// The session settings a revision may change.
async fn pg_settings(client: &tokio_postgres::Client) -> Vec<String> {
    let row = client
        .query_one("SELECT current_setting('search_path'), current_setting('statement_timeout'), current_setting('DateStyle')", &[])
        .await
        .expect("the session answers");
    (0..3).map(|index| row.get(index)).collect()
}

#[tokio::test]
async fn postgres_settings_a_revision_changes_are_put_back() {
    let Some(fixture) = common::tls::fixture() else { return };
    pg_database(fixture, "own_settings").await;
    let mut client = pg_client(fixture, "own_settings").await;
    let (before, settings) = (pg_state(&client).await, pg_settings(&client).await);
    assert_eq!(settings, ["\"$user\", public", "0", "ISO, MDY"]);

    let error = PG_SETTING.upgrade_with(&mut client).await.expect_err("revision 5e76 fails");
    assert!(error.to_string().contains("5e76"), "{error}");
    assert_eq!(pg_settings(&client).await, settings, "the search path and the statement timeout 5e75 set, back");
    assert_eq!(pg_state(&client).await, before);
    client.query_one("SELECT count(*) FROM probe", &[]).await.expect("5e75 committed, found on the application's search path");
}

#[tokio::test]
async fn postgres_failing_revision_gives_the_client_back_as_it_was() {
    let Some(fixture) = common::tls::fixture() else { return };
    let url = pg_database(fixture, "own_failing").await;
    let mut client = pg_client(fixture, "own_failing").await;
    // A connection with a transaction block open is refused and left in it.
    client.batch_execute("BEGIN").await.expect("begin");
    assert!(pg_state(&client).await.in_transaction);
    let error = FAILING.upgrade_with(&mut client).await.expect_err("an open transaction is refused");
    assert!(error.to_string().contains("has a transaction open"), "{error}");
    assert!(pg_state(&client).await.in_transaction, "the application's transaction is its own");
    client.batch_execute("ROLLBACK").await.expect("rollback");
    let before = pg_state(&client).await;
    assert!(!before.in_transaction);

    assert_f1f1_failed(FAILING.upgrade_with(&mut client).await);
    assert_eq!(pg_state(&client).await, before);
    assert!(lock_is_free(&url).await);
    // a0a0 committed; nothing of f1f1 stayed.
    client.query("SELECT id FROM accounts", &[]).await.expect("a0a0's table is there");
    assert!(client.query("SELECT id FROM halfway", &[]).await.is_err(), "f1f1 was rolled back");
}

#[tokio::test]
async fn two_postgres_application_instances_apply_each_revision_once() {
    let Some(fixture) = common::tls::fixture() else { return };
    pg_database(fixture, "own_race").await;
    let (first, second) =
        race_two_instances!(pg_client(fixture, "own_race").await, pg_client(fixture, "own_race").await);
    assert_eq!(pg_upgrades(&first).await, each_once());
    assert_eq!(pg_state(&first).await.advisory_locks, 0);
    assert_eq!(pg_state(&second).await.advisory_locks, 0);
}

// -- SQL Server ----------------------------------------------------------

/// The application's stream: buffered reads over TCP, not the
/// `Compat<TcpStream>` retort opens itself.
type AppStream = tokio_util::compat::Compat<tokio::io::BufReader<tokio::net::TcpStream>>;

/// The application's SQL Server client, over its own stream, with
/// encryption required and its own lock timeout. It trusts the server's
/// certificate rather than verifying it: the test server's (Babelfish's)
/// is self-signed with CA:TRUE, which rustls refuses as a server's own
/// (`crates/retort/tests/mssql_tls.rs` says more).
async fn mssql_client(db: &TestDatabase) -> tiberius::Client<AppStream> {
    use tokio_util::compat::TokioAsyncReadCompatExt;
    let url = url::Url::parse(db.url()).expect("the fixture gives an mssql:// URL");
    let decoded = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
    let mut config = tiberius::Config::new();
    config.host(url.host_str().expect("a host"));
    config.port(url.port().unwrap_or(1433));
    config.database(decoded(url.path().trim_start_matches('/')));
    config.authentication(tiberius::AuthMethod::sql_server(decoded(url.username()), decoded(url.password().unwrap_or_default())));
    config.encryption(tiberius::EncryptionLevel::Required);
    config.trust_cert();
    let tcp = tokio::net::TcpStream::connect(config.get_addr()).await.expect("the server is reachable");
    let mut client = tiberius::Client::connect(config, tokio::io::BufReader::new(tcp).compat())
        .await
        .expect("the application signs in");
    client.simple_query("SET LOCK_TIMEOUT 7000").await.expect("the application's own setting").into_results().await.expect("set");
    client
}

/// The one row `sql` reads on the application's session.
async fn mssql_row(client: &mut tiberius::Client<AppStream>, sql: &str) -> tiberius::Row {
    let stream = client.simple_query(sql).await.expect("the session answers");
    stream.into_row().await.expect("a row").expect("a row")
}

/// `@@TRANCOUNT`, `XACT_ABORT` (1 when on) and `@@LOCK_TIMEOUT`.
async fn mssql_state(client: &mut tiberius::Client<AppStream>) -> (i32, i32, i32) {
    let row = mssql_row(
        client,
        "SELECT CAST(@@TRANCOUNT AS int), CAST(CASE WHEN @@OPTIONS & 16384 = 0 THEN 0 ELSE 1 END AS int), \
         CAST(@@LOCK_TIMEOUT AS int)",
    )
    .await;
    let int = |index| row.get::<i32, _>(index).expect("an int");
    (int(0), int(1), int(2))
}

#[tokio::test]
async fn mssql_application_migrates_through_its_own_client_and_keeps_using_it() {
    let db = retort::test_database!(BackendKind::Mssql);
    let mut client = mssql_client(&db).await;
    assert_eq!(mssql_state(&mut client).await, (0, 0, 7000));

    let steps = GRAPH.upgrade_with(&mut client).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(steps.len(), GRAPH_IDS.len());
    assert_eq!(mssql_state(&mut client).await, (0, 0, 7000), "no transaction, XACT_ABORT off, the lock timeout back");
    assert!(lock_is_free(db.url()).await);
    client
        .execute("INSERT INTO accounts (id, name) VALUES (1, N'app')", &[])
        .await
        .expect("the application writes with the same client");
    assert_eq!(upgrades(common::events(&db).await), each_once());
    assert!(GRAPH.upgrade_with(&mut client).await.unwrap_or_else(|error| panic!("{error}")).is_empty());
    assert_eq!(mssql_state(&mut client).await, (0, 0, 7000));
}

#[tokio::test]
async fn mssql_failing_revision_gives_the_client_back_as_it_was() {
    let db = retort::test_database!(BackendKind::Mssql);
    let mut client = mssql_client(&db).await;

    assert_f1f1_failed(FAILING.upgrade_with(&mut client).await);
    assert_eq!(mssql_state(&mut client).await, (0, 0, 7000), "@@TRANCOUNT 0, XACT_ABORT off, the lock timeout back");
    assert!(lock_is_free(db.url()).await);
    assert_eq!(common::tables(&db).await, ["accounts"], "a0a0 committed, nothing of f1f1 stayed");
}

/// The settings a revision may change: `NOCOUNT`, `QUOTED_IDENTIFIER`,
/// `ANSI_NULLS` (bits of `@@OPTIONS`), `DATEFIRST`, the database.
async fn mssql_settings(client: &mut tiberius::Client<AppStream>) -> (i32, i32, String) {
    let row = mssql_row(client, "SELECT CAST(@@OPTIONS & (512 | 256 | 32) AS int), CAST(@@DATEFIRST AS int), DB_NAME()").await;
    (row.get(0).expect("options"), row.get(1).expect("datefirst"), row.get::<&str, _>(2).expect("a database").to_owned())
}

#[tokio::test]
async fn mssql_settings_a_revision_changes_are_put_back() {
    let db = retort::test_database!(BackendKind::Mssql);
    let mut client = mssql_client(&db).await;
    let settings = mssql_settings(&mut client).await;
    assert_eq!((settings.0, settings.1), (256 | 32, 7), "QUOTED_IDENTIFIER and ANSI_NULLS on, NOCOUNT off, Sunday first");

    let error = MSSQL_SETTING.upgrade_with(&mut client).await.expect_err("revision 5e76 fails");
    assert!(error.to_string().contains("5e76"), "{error}");
    assert_eq!(mssql_settings(&mut client).await, settings, "the options, DATEFIRST and the database, back");
    assert_eq!(mssql_state(&mut client).await, (0, 0, 7000));
    client.simple_query("SELECT COUNT(*) FROM probe").await.expect("5e75 committed, in the application's database");
}

#[tokio::test]
async fn mssql_connection_with_a_transaction_open_is_refused_and_left_alone() {
    let db = retort::test_database!(BackendKind::Mssql);
    let mut client = mssql_client(&db).await;
    client.simple_query("BEGIN TRANSACTION").await.expect("begin").into_results().await.expect("begin");

    let error = GRAPH.upgrade_with(&mut client).await.expect_err("an open transaction is refused");
    assert!(error.to_string().contains("has a transaction open"), "{error}");
    assert_eq!(mssql_state(&mut client).await, (1, 0, 7000), "the application's transaction is its own");
    client.simple_query("ROLLBACK TRANSACTION").await.expect("rollback").into_results().await.expect("rollback");
    assert!(common::tables(&db).await.is_empty(), "nothing ran");
}

#[tokio::test]
async fn two_mssql_application_instances_apply_each_revision_once() {
    let db = retort::test_database!(BackendKind::Mssql);
    race_two_instances!(mssql_client(&db).await, mssql_client(&db).await);
    assert_eq!(upgrades(common::events(&db).await), each_once());
    assert!(lock_is_free(db.url()).await);
}

// -- SQLite --------------------------------------------------------------

/// The application's SQLite connection, with its own busy timeout and
/// foreign keys on.
fn sqlite_connection(db: &TestDatabase) -> rusqlite::Connection {
    let path = DatabaseUrl::parse(db.url()).expect("the URL parses").sqlite_path().expect("a file");
    let conn = rusqlite::Connection::open(path).expect("the application opens its database");
    conn.busy_timeout(Duration::from_secs(7)).expect("busy timeout");
    conn.execute_batch("PRAGMA foreign_keys = ON").expect("foreign keys");
    conn
}

/// The busy timeout, whether a transaction is open, and foreign keys.
fn sqlite_state(conn: &rusqlite::Connection) -> (i64, bool, bool) {
    let busy = conn.query_row("PRAGMA busy_timeout", [], |row| row.get(0)).expect("busy timeout");
    let keys = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0)).expect("foreign keys");
    (busy, !conn.is_autocommit(), keys)
}

#[tokio::test]
async fn sqlite_application_migrates_through_its_own_connection_and_keeps_using_it() {
    let db = retort::test_database!(BackendKind::Sqlite);
    let mut conn = sqlite_connection(&db);
    assert_eq!(sqlite_state(&conn), (7000, false, true));

    let steps = GRAPH.upgrade_with(&mut conn).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(steps.len(), GRAPH_IDS.len());
    assert_eq!(sqlite_state(&conn), (7000, false, true), "the busy timeout back, no transaction, foreign keys on");
    assert!(lock_is_free(db.url()).await);
    conn.execute("INSERT INTO accounts (id, name) VALUES (1, 'app')", []).expect("the application writes");
    assert_eq!(upgrades(common::events(&db).await), each_once());
}

#[tokio::test]
async fn sqlite_failing_revision_gives_the_connection_back_as_it_was() {
    let db = retort::test_database!(BackendKind::Sqlite);
    let mut conn = sqlite_connection(&db);

    assert_f1f1_failed(FAILING.upgrade_with(&mut conn).await);
    assert_eq!(sqlite_state(&conn), (7000, false, true));
    assert!(lock_is_free(db.url()).await);
    assert_eq!(common::tables(&db).await, ["accounts"], "a0a0 committed, nothing of f1f1 stayed");
}

#[tokio::test]
async fn sqlite_connection_with_a_transaction_open_is_refused_and_left_alone() {
    let db = retort::test_database!(BackendKind::Sqlite);
    let mut conn = sqlite_connection(&db);
    conn.execute_batch("BEGIN").expect("begin");

    let error = GRAPH.upgrade_with(&mut conn).await.expect_err("an open transaction is refused");
    assert!(error.to_string().contains("has a transaction open"), "{error}");
    assert_eq!(sqlite_state(&conn), (7000, true, true), "the application's transaction is its own");
    conn.execute_batch("ROLLBACK").expect("rollback");
    assert!(common::tables(&db).await.is_empty(), "nothing ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sqlite_application_instances_apply_each_revision_once() {
    let db = retort::test_database!(BackendKind::Sqlite);
    race_two_instances!(sqlite_connection(&db), sqlite_connection(&db));
    assert_eq!(upgrades(common::events(&db).await), each_once());
}
