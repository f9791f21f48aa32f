//! The SQL Server runs: a new database per sample on the server
//! `retort::testing` is given (`RETORT_TEST_MSSQL_URL`, or the TDS server
//! whose URL `$RETORT_TDS_HOME/test-url` holds, as `.ci/run` finds it).
//!
//! Besides time, each row says how many requests it sends: every request is
//! a round trip to the server, and on SQL Server they are most of the cost.
//! retort's are counted by its backend ([`MssqlBackend::requests_sent`]).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use retort::testing::TestDatabase;
use retort::{DatabaseUrl, Migrator, MssqlBackend, Target};
use tokio::net::TcpStream;
use tokio_util::compat::Compat;

use crate::report::{Report, RowId, Section};
use crate::workload::Dialect;
use crate::Bench;

/// Where `retort::testing` finds an existing SQL Server.
pub const URL_ENV: &str = "RETORT_TEST_MSSQL_URL";

type Client = tiberius::Client<Compat<TcpStream>>;

struct Rows {
    floor: RowId,
    retort: RowId,
    retort_at_head: RowId,
    retort_application: RowId,
    retort_process: RowId,
    tsql_login: RowId,
    tsql_at_head: RowId,
    deploy_floor: RowId,
    deploy_retort: RowId,
}

/// How many of the newest revisions a deploy applies: a release's worth,
/// at most half the workload.
const DEPLOY_REVISIONS: usize = 10;

fn deploy_revisions(n: usize) -> usize {
    DEPLOY_REVISIONS.min(n / 2)
}

impl Rows {
    /// Declares every row, in the order the table prints them.
    fn declare(report: &mut Report, n: usize) -> Self {
        let k = deploy_revisions(n);
        Rows {
            floor: report.floor(
                "floor: one connection, one batch per revision: BEGIN TRAN; DDL; INSERT; INSERT; COMMIT",
            ),
            retort: report.row("retort Migrator::upgrade(heads)", Section::Apply),
            retort_at_head: report
                .row("retort Migrator::upgrade, same connection", Section::AtHead),
            retort_application: report.row(
                "retort MIGRATIONS.upgrade(url), incl. connect",
                Section::AtHead,
            ),
            retort_process: report.row(
                "whole process: start, connect, upgrade (retort-bench --upgrade-at-head)",
                Section::AtHead,
            ),
            tsql_login: report.row(
                "the server's own login: a whole `tsql` process that logs in and sends nothing",
                Section::AtHead,
            ),
            tsql_at_head: report.row(
                "the floor at head: a whole `tsql` process that logs in and sends retort's history SELECT",
                Section::AtHead,
            ),
            deploy_floor: report.floor_of(
                format!("floor: the newest {k} as one batch each, on a new connection to a database with {}", n - k),
                Section::Deploy,
            ),
            deploy_retort: report.row(format!("retort Migrator::upgrade(heads): the newest {k}"), Section::Deploy),
        }
    }

    fn all(&self) -> [RowId; 9] {
        [
            self.floor,
            self.retort,
            self.retort_at_head,
            self.retort_application,
            self.retort_process,
            self.tsql_login,
            self.tsql_at_head,
            self.deploy_floor,
            self.deploy_retort,
        ]
    }
}

/// Makes `RETORT_TEST_MSSQL_URL` name the machine's TDS server when it is
/// not set and `$RETORT_TDS_HOME/test-url` (default `/opt/babelfish`) holds
/// a URL. Called before any thread starts: it sets an environment variable.
pub fn find_server() {
    if std::env::var_os(URL_ENV).is_some() {
        return;
    }
    let home = std::env::var("RETORT_TDS_HOME").unwrap_or_else(|_| "/opt/babelfish".to_owned());
    let Ok(url) = std::fs::read_to_string(std::path::Path::new(&home).join("test-url")) else {
        return;
    };
    let url = url.trim();
    if !url.is_empty() {
        std::env::set_var(URL_ENV, url);
    }
}

pub async fn run(bench: &Bench) -> Report {
    let n = bench.workload.count();
    let mut report = Report::new(format!(
        "SQL Server: {n} revisions, {} sample(s)",
        bench.samples
    ));
    let rows = Rows::declare(&mut report, n);
    match describe_server().await {
        Ok(note) => report.note(note),
        Err(reason) => {
            eprintln!(
                "\n!!! SQL Server was NOT benchmarked: {reason}\n!!! Set {URL_ENV} to a server \
                 whose login may create databases (or install a TDS server with its URL in \
                 $RETORT_TDS_HOME/test-url).\n"
            );
            for row in rows.all() {
                report.missing(row, "NOT MEASURED: no SQL Server (see above)");
            }
            report.note(format!("SQL Server was NOT benchmarked: {reason}"));
            return report;
        }
    }
    report.note(
        "retort and the floor time the work on an open connection; the whole-process row includes process start and login",
    );
    let batches = bench.workload.floor_batches(Dialect::Mssql);
    report.requests(rows.floor, batches.len() as u64);
    let deploy = deploy_revisions(n);
    if deploy == 0 {
        for row in [rows.deploy_floor, rows.deploy_retort] {
            report.missing(row, "NOT MEASURED: a deploy needs at least 2 revisions");
        }
    } else {
        report.requests(rows.deploy_floor, deploy as u64 + 1);
    }
    match count_requests(bench).await {
        Ok(counts) => report.note(counts.describe(n)),
        Err(error) => report.note(format!("requests per revision not counted: {error}")),
    }

    for sample in 1..=bench.samples {
        eprintln!("mssql: sample {sample}/{}", bench.samples);
        // In turn, retort first in every other sample: neither side always
        // meets the server right after the other's database was dropped.
        let retort_first = sample % 2 == 0;
        if retort_first {
            retort_round(bench, &mut report, &rows).await;
        }
        if report.is_live(rows.floor) {
            report.record(rows.floor, floor_sample(bench, &batches).await);
        }
        if report.is_live(rows.tsql_login) {
            let db = TestDatabase::mssql().map_err(|e| e.to_string());
            report.record(rows.tsql_login, match &db {
                Ok(db) => tsql_sample(db.url(), None),
                Err(error) => Err(error.clone()),
            });
        }
        if !retort_first {
            retort_round(bench, &mut report, &rows).await;
        }
        deploy_round(bench, &mut report, &rows, &batches, retort_first).await;
    }
    report
}

/// One sample of the deploy rows, retort first when `retort_first`.
async fn deploy_round(bench: &Bench, report: &mut Report, rows: &Rows, batches: &[String], retort_first: bool) {
    let k = deploy_revisions(bench.workload.count());
    for retort in [retort_first, !retort_first] {
        match retort {
            true if report.is_live(rows.deploy_retort) => match deploy_retort_sample(bench, k).await {
                Ok(counted) => {
                    report.record(rows.deploy_retort, Ok(counted.elapsed));
                    report.requests(rows.deploy_retort, counted.requests);
                }
                Err(error) => report.record(rows.deploy_retort, Err(error)),
            },
            false if report.is_live(rows.deploy_floor) => {
                let sample = deploy_floor_sample(bench, &batches[batches.len() - k..]).await;
                report.record(rows.deploy_floor, sample);
            }
            _ => {}
        }
    }
}

/// A database that has every revision but the newest `k`, applied by
/// retort (untimed): where a deploy starts.
async fn deploy_database(bench: &Bench, k: usize) -> Result<TestDatabase, String> {
    let migrations = bench.workload.migrations();
    let last = bench.workload.count() - k;
    let db = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let mut backend = connect(db.url()).await?;
    let target = Target::Revision { prefix: migrations.revisions()[last - 1].id.to_owned() };
    Migrator::new(migrations)
        .upgrade(&mut backend, &target)
        .await
        .map_err(|e| format!("preparing the deploy's database: {e}"))?;
    Ok(db)
}

/// The floor of a deploy: the newest revisions' batches (`batches`) on a
/// new connection to a database that has the others.
async fn deploy_floor_sample(bench: &Bench, batches: &[String]) -> Result<Duration, String> {
    let db = deploy_database(bench, batches.len()).await?;
    send_floor(bench, &db, batches).await
}

/// retort's deploy: an upgrade to the heads on a new connection, which
/// also reads and checks the history under the lock and looks for
/// revisions recorded without a fingerprint.
async fn deploy_retort_sample(bench: &Bench, k: usize) -> Result<Counted, String> {
    let db = deploy_database(bench, k).await?;
    let mut backend = connect(db.url()).await?;
    let (steps, counted) = counted_upgrade(bench.workload.migrations(), &mut backend).await?;
    if steps != k {
        return Err(format!("retort applied {steps} revisions in the deploy, expected {k}"));
    }
    verify(backend.client(), "retort_history", bench.workload.count()).await?;
    Ok(counted)
}

/// One sample of retort's rows.
async fn retort_round(bench: &Bench, report: &mut Report, rows: &Rows) {
    if !report.is_live(rows.retort) {
        return;
    }
    match retort_sample(bench).await {
        Ok(times) => record_retort(report, rows, times),
        Err(error) => {
            for row in [rows.retort, rows.retort_at_head, rows.retort_application, rows.retort_process, rows.tsql_at_head] {
                report.record(row, Err(error.clone()));
            }
        }
    }
}

fn record_retort(report: &mut Report, rows: &Rows, times: RetortTimes) {
    report.record(rows.retort, Ok(times.apply.elapsed));
    report.requests(rows.retort, times.apply.requests);
    report.record(rows.retort_at_head, Ok(times.at_head.elapsed));
    report.requests(rows.retort_at_head, times.at_head.requests);
    report.record(rows.retort_application, Ok(times.application));
    match times.process {
        Ok(process) => {
            report.record(rows.retort_process, Ok(process.elapsed));
            report.requests(rows.retort_process, process.requests);
            report.note(format!(
                "whole process at head: {} from start to exit, of which connecting {} and the upgrade {} (in the process)",
                crate::report::duration(process.elapsed),
                crate::report::duration(process.connect),
                crate::report::duration(process.upgrade),
            ));
        }
        Err(error) => report.record(rows.retort_process, Err(error)),
    }
    report.record(rows.tsql_at_head, times.tsql_at_head);
}

/// What server this is (`@@VERSION`, and whether it is Babelfish), read
/// from a throwaway database: also the check that one can be made.
async fn describe_server() -> Result<String, String> {
    if std::env::var_os(URL_ENV).is_none() {
        return Err(format!(
            "{URL_ENV} is not set and no $RETORT_TDS_HOME/test-url was found"
        ));
    }
    let db = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let mut backend = connect(db.url()).await?;
    let results = batch(
        backend.client(),
        "SELECT CAST(@@VERSION AS nvarchar(4000)), CAST(SERVERPROPERTY('Babelfish') AS nvarchar(10))",
    )
    .await
    .map_err(|e| format!("SELECT @@VERSION: {e}"))?;
    let row = results
        .first()
        .and_then(|rows| rows.first())
        .ok_or("SELECT @@VERSION returned no row")?;
    let version: Option<&str> = row.get(0);
    let babelfish: Option<&str> = row.get(1);
    let version = version
        .unwrap_or("unknown version")
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let flavour = if babelfish == Some("1") {
        "Babelfish for PostgreSQL (SQL Server's protocol and T-SQL over PostgreSQL)"
    } else {
        "SQL Server"
    };
    Ok(format!(
        "server from retort::testing::TestDatabase::mssql(), a new database per sample: {flavour}: {version}"
    ))
}

/// A session on a test database: retort's backend, whose connection code
/// reads every URL form. The floor uses its tiberius client directly, so
/// it borrows retort's connection and none of its requests.
async fn connect(url: &str) -> Result<MssqlBackend, String> {
    let url = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    MssqlBackend::connect(&url)
        .await
        .map_err(|e| format!("could not connect: {e}"))
}

/// Runs one batch on a plain client and waits for all its results.
async fn batch(client: &mut Client, sql: &str) -> Result<Vec<Vec<tiberius::Row>>, String> {
    client
        .simple_query(sql)
        .await
        .map_err(|e| e.to_string())?
        .into_results()
        .await
        .map_err(|e| e.to_string())
}

/// The floor's batches sent one after the other on one connection to a new
/// database: the history DDL, then one transaction per revision.
async fn floor_sample(bench: &Bench, batches: &[String]) -> Result<Duration, String> {
    let db = TestDatabase::mssql().map_err(|e| e.to_string())?;
    send_floor(bench, &db, batches).await
}

/// Sends `batches` one after the other on a new connection to `db`, each
/// waited for, and checks that every revision's table and row are there.
async fn send_floor(bench: &Bench, db: &TestDatabase, batches: &[String]) -> Result<Duration, String> {
    let mut backend = connect(db.url()).await?;
    let client = backend.client();
    // Timed from the session's first request, as retort is: Babelfish
    // spends tens of milliseconds on a session's first statement.
    let started = Instant::now();
    // As retort's transactions: the first error ends the batch and rolls back.
    batch(client, "SET XACT_ABORT ON;")
        .await
        .map_err(|e| format!("SET XACT_ABORT ON: {e}"))?;
    for (at, sql) in batches.iter().enumerate() {
        batch(client, sql)
            .await
            .map_err(|e| format!("floor batch {at} failed: {e}"))?;
    }
    let elapsed = started.elapsed();
    verify(client, "retort_history", bench.workload.count()).await?;
    Ok(elapsed)
}

/// A whole `tsql` process that logs in to the database of `url` and sends
/// `sql` (`None`: nothing) and quits: with nothing, what logging in costs
/// on this server; with retort's history read, the floor of any process
/// that checks the history at start-up. Without TLS (tsql's default), as
/// the tests run tsql.
fn tsql_sample(url: &str, sql: Option<&str>) -> Result<Duration, String> {
    let url = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    // mssql://user:password@host:port/database?…: the test server's URL form.
    let unreadable = || "the test URL is not mssql://user:password@host:port/database for tsql".to_owned();
    let (credentials, place) = url
        .expose()
        .strip_prefix("mssql://")
        .and_then(|rest| rest.rsplit_once('@'))
        .ok_or_else(unreadable)?;
    let (user, password) = credentials.split_once(':').ok_or_else(unreadable)?;
    let (address, database) = place.split_once('/').ok_or_else(unreadable)?;
    let database = database.split('?').next().unwrap_or(database);
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "1433"));
    let started = Instant::now();
    let mut child = Command::new("tsql")
        .args(["-H", host, "-p", port, "-U", user, "-P", password, "-D", database])
        .stdin(if sql.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("tsql did not start (is FreeTDS installed?): {e}"))?;
    if let (Some(sql), Some(mut stdin)) = (sql, child.stdin.take()) {
        use std::io::Write;
        stdin.write_all(format!("{sql}\ngo\nexit\n").as_bytes()).map_err(|e| format!("writing to tsql: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| format!("tsql: {e}"))?;
    let elapsed = started.elapsed();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout));
    if !output.status.success() || said.contains("Login failed") || said.contains("There was a problem connecting") {
        return Err(format!("tsql could not log in: {}", said.lines().last().unwrap_or("")));
    }
    if sql.is_some() && !said.contains("rows affected") {
        return Err(format!("tsql's history read returned no rows: {}", said.lines().last().unwrap_or("")));
    }
    Ok(elapsed)
}

/// A run's time and the requests it sent.
struct Counted {
    elapsed: Duration,
    requests: u64,
}

struct RetortTimes {
    apply: Counted,
    at_head: Counted,
    application: Duration,
    process: Result<ProcessTimes, String>,
    /// `tsql` sending the same history read on the same database.
    tsql_at_head: Result<Duration, String>,
}

/// Upgrades to the heads on `backend`, timed and with the requests it
/// sent counted; how many revisions it applied.
async fn counted_upgrade(migrations: &'static retort::Migrations, backend: &mut MssqlBackend) -> Result<(usize, Counted), String> {
    let before = backend.requests_sent();
    let started = Instant::now();
    let steps = Migrator::new(migrations)
        .upgrade(backend, &Target::Heads)
        .await
        .map_err(|e| e.to_string())?;
    Ok((steps.len(), Counted { elapsed: started.elapsed(), requests: backend.requests_sent() - before }))
}

/// Applies everything on a new database, runs again at head on the same
/// connection, then through the application API on a new one, then as a
/// whole process.
async fn retort_sample(bench: &Bench) -> Result<RetortTimes, String> {
    let migrations = bench.workload.migrations();
    let n = bench.workload.count();
    let db = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let mut backend = connect(db.url()).await?;

    let (steps, apply) = counted_upgrade(migrations, &mut backend).await?;
    if steps != n {
        return Err(format!(
            "retort applied {steps} revisions, expected {n}"
        ));
    }

    let (steps, at_head) = counted_upgrade(migrations, &mut backend).await?;
    if steps != 0 {
        return Err(format!("retort applied {steps} revisions at head"));
    }
    verify(backend.client(), "retort_history", n).await?;
    drop(backend);

    let application = crate::workload::application_at_head(migrations, db.url()).await?;
    let process = process_sample(n, db.url());
    let history = retort::engine::history_read_sql(retort::Dialect::Mssql, &retort::HistoryTable::default());
    Ok(RetortTimes { apply, at_head, application, process, tsql_at_head: tsql_sample(db.url(), Some(&history)) })
}

/// What a whole process spent at head.
struct ProcessTimes {
    elapsed: Duration,
    connect: Duration,
    upgrade: Duration,
    requests: u64,
}

/// Runs this benchmark's own binary with `--upgrade-at-head`, which
/// connects and upgrades like `cargo xtask migrate upgrade` would, and
/// times it from start to exit.
fn process_sample(revisions: usize, url: &str) -> Result<ProcessTimes, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut command = Command::new(exe);
    command
        .arg("--revisions")
        .arg(revisions.to_string())
        .arg("--upgrade-at-head")
        .env(AT_HEAD_URL_ENV, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("could not start the at-head process: {e}"))?;
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the at-head process exited with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            stdout.trim()
        ));
    }
    let field = |name: &str| -> Result<u64, String> {
        stdout
            .split_whitespace()
            .find_map(|word| word.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .ok_or_else(|| format!("the at-head process did not report {name}: {stdout}"))
    };
    Ok(ProcessTimes {
        elapsed,
        connect: Duration::from_micros(field("connect_us")?),
        upgrade: Duration::from_micros(field("upgrade_us")?),
        requests: field("requests")?,
    })
}

/// The environment variable that carries the database URL to the at-head
/// process (not its command line, which other users of the machine see).
pub const AT_HEAD_URL_ENV: &str = "RETORT_BENCH_AT_HEAD_URL";

/// The at-head process: connects, upgrades to the heads (nothing to do)
/// and prints what it measured on one line.
pub async fn upgrade_at_head(bench_revisions: usize) -> Result<String, String> {
    let url = std::env::var(AT_HEAD_URL_ENV)
        .map_err(|_| format!("--upgrade-at-head reads the database URL from {AT_HEAD_URL_ENV}"))?;
    let migrations = crate::workload::Workload::new(bench_revisions).migrations();
    let url = DatabaseUrl::parse(&url).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut backend = MssqlBackend::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    let connect = started.elapsed();
    let started = Instant::now();
    let steps = Migrator::new(migrations)
        .upgrade(&mut backend, &Target::Heads)
        .await
        .map_err(|e| e.to_string())?;
    let upgrade = started.elapsed();
    if !steps.is_empty() {
        return Err(format!("{} revisions were applied at head", steps.len()));
    }
    Ok(format!(
        "connect_us={} upgrade_us={} requests={}",
        connect.as_micros(),
        upgrade.as_micros(),
        backend.requests_sent()
    ))
}

/// How retort's requests split into those of each revision and those of
/// each run: counted (not timed) on three upgrades of a new database, to
/// the first revision (which also creates the history tables), to the
/// second, and to the heads.
struct RequestCounts {
    per_revision: f64,
    per_run: f64,
    first_run_extra: f64,
    counts: [u64; 3],
}

impl RequestCounts {
    fn describe(&self, n: usize) -> String {
        format!(
            "retort's requests: {:.2} per revision plus {:.2} per run, {:+.2} on a new database (which gets the \
             history tables, and has no fingerprints to look for) (counted on upgrades of 1, 1 and {} revisions: \
             {}, {} and {} requests); the floor sends 1 per revision plus 1",
            self.per_revision,
            self.per_run,
            self.first_run_extra,
            n.saturating_sub(2),
            self.counts[0],
            self.counts[1],
            self.counts[2],
        )
    }
}

async fn count_requests(bench: &Bench) -> Result<RequestCounts, String> {
    let n = bench.workload.count();
    if n < 4 {
        return Err("needs at least 4 revisions".to_owned());
    }
    let migrations = bench.workload.migrations();
    let db = TestDatabase::mssql().map_err(|e| e.to_string())?;
    let mut backend = connect(db.url()).await?;
    let mut counts = [0u64; 3];
    let targets = [
        Target::Revision {
            prefix: migrations.revisions()[0].id.to_owned(),
        },
        Target::Revision {
            prefix: migrations.revisions()[1].id.to_owned(),
        },
        Target::Heads,
    ];
    for (count, target) in counts.iter_mut().zip(&targets) {
        let before = backend.requests_sent();
        Migrator::new(migrations)
            .upgrade(&mut backend, target)
            .await
            .map_err(|e| e.to_string())?;
        *count = backend.requests_sent() - before;
    }
    // counts[1] = run + 1 × revision; counts[2] = run + (n - 2) × revision.
    let per_revision = (counts[2] as f64 - counts[1] as f64) / (n as f64 - 3.0);
    let per_run = counts[1] as f64 - per_revision;
    Ok(RequestCounts {
        per_revision,
        per_run,
        first_run_extra: counts[0] as f64 - counts[1] as f64,
        counts,
    })
}

/// Checks that a run left every table and every history row.
async fn verify(client: &mut Client, history: &str, expected: usize) -> Result<(), String> {
    // `history` is one of the benchmark's constant table names.
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM sys.tables WHERE name LIKE 't[_]%'), (SELECT COUNT(*) FROM [{history}])"
    );
    let results = batch(client, &sql)
        .await
        .map_err(|e| format!("could not count the tables: {e}"))?;
    let row = results
        .first()
        .and_then(|rows| rows.first())
        .ok_or("the count returned no row")?;
    let tables: i32 = row.get(0).unwrap_or(-1);
    let history_rows: i32 = row.get(1).unwrap_or(-1);
    if tables != expected as i32 || history_rows != expected as i32 {
        return Err(format!(
            "expected {expected} tables and {expected} rows in {history}, found {tables} and {history_rows}"
        ));
    }
    Ok(())
}
