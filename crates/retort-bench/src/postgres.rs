//! The PostgreSQL runs: a new database per sample on the server
//! `retort::testing` provides (a throwaway local cluster unless
//! `RETORT_TEST_POSTGRES_URL` names one).

use std::time::{Duration, Instant};

use retort::testing::TestDatabase;
use retort::{DatabaseUrl, Migrator, Target};
use tokio_postgres::{Client, NoTls};

use crate::report::{Report, RowId, Section};
use crate::tool::{time_command, Rival};
use crate::workload::{Dialect, Shape};
use crate::Bench;

struct Rows {
    floor: RowId,
    one_transaction: RowId,
    round_trips: RowId,
    retort: RowId,
    refinery: RowId,
    sqlx: RowId,
    retort_at_head: RowId,
    retort_application: RowId,
    refinery_at_head: RowId,
    sqlx_at_head: RowId,
}

impl Rows {
    /// Declares every row, in the order the table prints them.
    fn declare(report: &mut Report) -> Self {
        Rows {
            floor: report
                .floor("floor: one simple query, BEGIN; DDL; INSERT; COMMIT; per revision"),
            one_transaction: report.row(
                "one simple query, one BEGIN/COMMIT around all",
                Section::Apply,
            ),
            round_trips: report.row("floor split: one simple query per revision", Section::Apply),
            retort: report.row("retort Migrator::upgrade(heads)", Section::Apply),
            refinery: report.row("refinery migrate", Section::Apply),
            sqlx: report.row("sqlx migrate run", Section::Apply),
            retort_at_head: report
                .row("retort Migrator::upgrade, same connection", Section::AtHead),
            retort_application: report.row(
                "retort MIGRATIONS.upgrade(url), incl. connect",
                Section::AtHead,
            ),
            refinery_at_head: report.row("refinery migrate", Section::AtHead),
            sqlx_at_head: report.row("sqlx migrate run", Section::AtHead),
        }
    }

    fn all(&self) -> [RowId; 10] {
        [
            self.floor,
            self.one_transaction,
            self.round_trips,
            self.retort,
            self.refinery,
            self.sqlx,
            self.retort_at_head,
            self.retort_application,
            self.refinery_at_head,
            self.sqlx_at_head,
        ]
    }
}

/// The floor scripts, rendered once per run.
struct Scripts {
    per_revision: String,
    one_transaction: String,
}

pub async fn run(bench: &Bench) -> Report {
    let n = bench.workload.count();
    let mut report = Report::new(format!(
        "PostgreSQL: {n} revisions, {} sample(s)",
        bench.samples
    ));
    let rows = Rows::declare(&mut report);
    eprintln!(
        "postgres: getting a server from retort::testing (the first start takes a few seconds)"
    );
    match describe_server().await {
        Ok(notes) => {
            for note in notes {
                report.note(note);
            }
        }
        Err(reason) => {
            for row in rows.all() {
                report.missing(row, "no PostgreSQL server (see above)");
            }
            report.note(format!("not measured: {reason}"));
            return report;
        }
    }
    report.note("retort and the floor time the work on an open connection; CLI rows include process start and connect");
    mark_missing_tools(bench, &mut report, &rows);
    let scripts = Scripts {
        per_revision: bench
            .workload
            .floor_script(Dialect::Postgres, Shape::PerRevision),
        one_transaction: bench
            .workload
            .floor_script(Dialect::Postgres, Shape::OneTransaction),
    };

    for sample in 1..=bench.samples {
        eprintln!("postgres: sample {sample}/{}", bench.samples);
        floor_samples(bench, &mut report, &rows, &scripts).await;
        if report.is_live(rows.retort) {
            record_retort(&mut report, &rows, retort_sample(bench).await);
        }
        rival_samples(bench, &mut report, &rows).await;
    }
    report
}

/// Marks the rows of the tools that are not installed, so that no sample
/// tries to run them.
fn mark_missing_tools(bench: &Bench, report: &mut Report, rows: &Rows) {
    for (rival, apply_row, at_head_row) in [
        (Rival::Refinery, rows.refinery, rows.refinery_at_head),
        (Rival::Sqlx, rows.sqlx, rows.sqlx_at_head),
    ] {
        let tool = rival.tool(bench);
        if tool.path.is_none() {
            report.missing(apply_row, tool.missing());
            report.missing(at_head_row, tool.missing());
        }
    }
}

/// One sample of each live floor row: both scripts as one message each,
/// then the per-revision script one message per revision.
async fn floor_samples(bench: &Bench, report: &mut Report, rows: &Rows, scripts: &Scripts) {
    for (row, script) in [
        (rows.floor, &scripts.per_revision),
        (rows.one_transaction, &scripts.one_transaction),
    ] {
        if report.is_live(row) {
            report.record(row, floor_sample(bench, script).await);
        }
    }
    if report.is_live(rows.round_trips) {
        report.record(
            rows.round_trips,
            round_trips_sample(bench, &scripts.per_revision).await,
        );
    }
}

/// One retort sample feeds three rows, and a failure fails all of them: the
/// runs at head only mean something after a full upgrade.
fn record_retort(report: &mut Report, rows: &Rows, times: Result<RetortTimes, String>) {
    match times {
        Ok(times) => {
            report.record(rows.retort, Ok(times.apply));
            report.record(rows.retort_at_head, Ok(times.at_head));
            report.record(rows.retort_application, Ok(times.application));
        }
        Err(error) => {
            for row in [rows.retort, rows.retort_at_head, rows.retort_application] {
                report.record(row, Err(error.clone()));
            }
        }
    }
}

/// One sample of refinery and of sqlx, each feeding its apply and at-head
/// rows.
async fn rival_samples(bench: &Bench, report: &mut Report, rows: &Rows) {
    for (rival, apply_row, at_head_row) in [
        (Rival::Refinery, rows.refinery, rows.refinery_at_head),
        (Rival::Sqlx, rows.sqlx, rows.sqlx_at_head),
    ] {
        if report.is_live(apply_row) {
            match rival_sample(bench, rival).await {
                Ok((apply, at_head)) => {
                    report.record(apply_row, Ok(apply));
                    report.record(at_head_row, Ok(at_head));
                }
                Err(error) => {
                    report.record(apply_row, Err(error.clone()));
                    report.record(at_head_row, Err(error));
                }
            }
        }
    }
}

/// The server's version and durability settings, read from the server: a
/// throwaway cluster runs with fsync off, so its commits cost no disk wait.
async fn describe_server() -> Result<Vec<String>, String> {
    let db = TestDatabase::postgres().map_err(|e| e.to_string())?;
    let client = connect(db.url()).await?;
    let mut settings = Vec::new();
    for name in [
        "server_version",
        "fsync",
        "synchronous_commit",
        "full_page_writes",
    ] {
        let row = client
            .query_one(&format!("SHOW {name}"), &[])
            .await
            .map_err(|e| format!("SHOW {name}: {e}"))?;
        settings.push(format!("{name}={}", row.get::<_, String>(0)));
    }
    Ok(vec![
        format!("server from retort::testing::TestDatabase::postgres(), a new database per sample: {}", settings.join(", ")),
        "fsync is off on the throwaway local cluster: commits do not wait for the disk, unlike a production server".to_owned(),
    ])
}

async fn connect(url: &str) -> Result<Client, String> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| format!("could not connect: {e}"))?;
    tokio::spawn(async move {
        // The connection ends with an error when its database is dropped at
        // the end of a sample; nothing is waiting for it then.
        let _ = connection.await;
    });
    Ok(client)
}

/// The whole script as one simple-query message: one round trip.
async fn floor_sample(bench: &Bench, script: &str) -> Result<Duration, String> {
    let db = TestDatabase::postgres().map_err(|e| e.to_string())?;
    let client = connect(db.url()).await?;
    let started = Instant::now();
    client
        .batch_execute(script)
        .await
        .map_err(|e| format!("the floor script failed: {e}"))?;
    let elapsed = started.elapsed();
    verify(&client, "retort_history", bench.workload.count()).await?;
    Ok(elapsed)
}

/// The floor script cut at each revision's `COMMIT;` and sent one revision
/// per simple query, waiting for each: one round trip per revision, as
/// retort makes, with the floor's statements.
async fn round_trips_sample(bench: &Bench, script: &str) -> Result<Duration, String> {
    let db = TestDatabase::postgres().map_err(|e| e.to_string())?;
    let client = connect(db.url()).await?;
    let pieces: Vec<&str> = script.split_inclusive("COMMIT;\n").collect();
    let started = Instant::now();
    for piece in &pieces {
        client
            .batch_execute(piece)
            .await
            .map_err(|e| format!("the floor script failed: {e}"))?;
    }
    let elapsed = started.elapsed();
    verify(&client, "retort_history", bench.workload.count()).await?;
    Ok(elapsed)
}

struct RetortTimes {
    apply: Duration,
    at_head: Duration,
    application: Duration,
}

/// Applies everything on a new database, then runs again at head on the same
/// connection, then once more through the application API on a new one.
async fn retort_sample(bench: &Bench) -> Result<RetortTimes, String> {
    let migrations = bench.workload.migrations();
    let n = bench.workload.count();
    let db = TestDatabase::postgres().map_err(|e| e.to_string())?;
    let url = DatabaseUrl::parse(db.url()).map_err(|e| e.to_string())?;
    let mut backend = retort::connect(&url).await.map_err(|e| e.to_string())?;

    let started = Instant::now();
    let steps = Migrator::new(migrations)
        .upgrade(&mut backend, &Target::Heads)
        .await
        .map_err(|e| e.to_string())?;
    let apply = started.elapsed();
    if steps.len() != n {
        return Err(format!(
            "retort applied {} revisions, expected {n}",
            steps.len()
        ));
    }

    let started = Instant::now();
    let steps = Migrator::new(migrations)
        .upgrade(&mut backend, &Target::Heads)
        .await
        .map_err(|e| e.to_string())?;
    let at_head = started.elapsed();
    if !steps.is_empty() {
        return Err(format!("retort applied {} revisions at head", steps.len()));
    }
    drop(backend);

    let application = crate::workload::application_at_head(migrations, db.url()).await?;
    let client = connect(db.url()).await?;
    verify(&client, "retort_history", n).await?;
    Ok(RetortTimes {
        apply,
        at_head,
        application,
    })
}

/// One run of refinery or sqlx on a new database, then a second run at head.
async fn rival_sample(bench: &Bench, rival: Rival) -> Result<(Duration, Duration), String> {
    let db = TestDatabase::postgres().map_err(|e| e.to_string())?;
    let tool = rival.tool(bench);
    let mut command = rival
        .command(bench, db.url())
        .ok_or_else(|| tool.missing())?;
    let apply = time_command(&mut command)?;
    let client = connect(db.url()).await?;
    verify(&client, rival.history_table(), bench.workload.count()).await?;
    let at_head = time_command(&mut command)?;
    verify(&client, rival.history_table(), bench.workload.count()).await?;
    Ok((apply, at_head))
}

/// Checks that a run left every table and every history row: a contender
/// that skipped work must not get a time.
async fn verify(client: &Client, history: &str, expected: usize) -> Result<(), String> {
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't\\_%'",
            &[],
        )
        .await
        .map_err(|e| format!("could not count the tables: {e}"))?
        .get(0);
    // `history` is one of the benchmark's constant table names.
    let rows: i64 = client
        .query_one(&format!("SELECT count(*) FROM \"{history}\""), &[])
        .await
        .map_err(|e| format!("could not count the rows of {history}: {e}"))?
        .get(0);
    if tables != expected as i64 || rows != expected as i64 {
        return Err(format!("expected {expected} tables and {expected} rows in {history}, found {tables} and {rows}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_retort_records_each_time_in_its_row_when_the_sample_succeeds() {
        let mut report = Report::new("test");
        let rows = Rows::declare(&mut report);
        let times = RetortTimes {
            apply: Duration::from_millis(30),
            at_head: Duration::from_millis(2),
            application: Duration::from_millis(5),
        };
        record_retort(&mut report, &rows, Ok(times));
        let table = report.render();
        let line = |label: &str| {
            table
                .lines()
                .find(|line| line.trim_start().starts_with(label))
                .unwrap_or_default()
                .to_owned()
        };
        assert!(
            line("retort Migrator::upgrade(heads)").contains("30.0 ms"),
            "{table}"
        );
        assert!(
            line("retort Migrator::upgrade, same connection").contains("2.0 ms"),
            "{table}"
        );
        assert!(
            line("retort MIGRATIONS.upgrade(url)").contains("5.0 ms"),
            "{table}"
        );
    }
}
