//! The SQLite runs: a database file in a new temporary folder per sample,
//! with SQLite's and retort's default settings.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use retort::testing::TestDatabase;
use retort::{DatabaseUrl, Migrator, Target};

use crate::report::{Report, RowId, Section};
use crate::tool::{time_command, Rival};
use crate::workload::{Dialect, Shape};
use crate::Bench;

/// The floor scripts, written once per run.
struct Scripts {
    per_revision: std::path::PathBuf,
    autocommit: std::path::PathBuf,
    one_transaction: std::path::PathBuf,
}

struct Rows {
    floor: RowId,
    autocommit: RowId,
    one_transaction: RowId,
    in_process: RowId,
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
                .floor("floor: sqlite3 < script, BEGIN; DDL; INSERT; COMMIT; per revision"),
            autocommit: report.row(
                "sqlite3 < script, every statement autocommits",
                Section::Apply,
            ),
            one_transaction: report.row(
                "sqlite3 < script, one BEGIN/COMMIT around all",
                Section::Apply,
            ),
            in_process: report.row(
                "floor script in-process, bundled SQLite (rusqlite execute_batch)",
                Section::Apply,
            ),
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

    /// The rows that run a floor script, so cannot run without the scripts.
    fn scripted(&self) -> [RowId; 4] {
        [
            self.floor,
            self.autocommit,
            self.one_transaction,
            self.in_process,
        ]
    }
}

pub async fn run(bench: &Bench) -> Report {
    let n = bench.workload.count();
    let mut report = Report::new(format!(
        "SQLite: {n} revisions, {} sample(s)",
        bench.samples
    ));
    let rows = Rows::declare(&mut report);
    describe_settings(&mut report).await;
    let scripts = match write_scripts(bench) {
        Ok(scripts) => Some(scripts),
        Err(error) => {
            for row in rows.scripted() {
                report.record(row, Err(error.clone()));
            }
            None
        }
    };
    mark_missing_tools(bench, &mut report, &rows);

    let mut journal_modes: [Option<String>; 2] = [None, None];
    for sample in 1..=bench.samples {
        eprintln!("sqlite: sample {sample}/{}", bench.samples);
        if let Some(scripts) = &scripts {
            floor_samples(bench, &mut report, &rows, scripts);
        }
        if report.is_live(rows.retort) {
            record_retort(&mut report, &rows, retort_sample(bench).await);
        }
        rival_samples(bench, &mut report, &rows, &mut journal_modes);
    }
    for rival in Rival::ALL {
        if let Some(mode) = &journal_modes[rival as usize] {
            report.note(format!(
                "{} left the database file in journal_mode={mode}",
                rival.tool(bench).name
            ));
        }
    }
    report
}

/// Marks the rows of the tools that are not installed, so that no sample
/// tries to run them.
fn mark_missing_tools(bench: &Bench, report: &mut Report, rows: &Rows) {
    if bench.sqlite3.path.is_none() {
        for row in [rows.floor, rows.autocommit, rows.one_transaction] {
            report.missing(row, bench.sqlite3.missing());
        }
    }
    if bench.refinery.path.is_none() {
        report.missing(rows.refinery, bench.refinery.missing());
        report.missing(rows.refinery_at_head, bench.refinery.missing());
    }
    if bench.sqlx.path.is_none() {
        report.missing(rows.sqlx, bench.sqlx.missing());
        report.missing(rows.sqlx_at_head, bench.sqlx.missing());
    }
}

/// One sample of each live floor row: the three sqlite3 scripts, then the
/// per-revision script in-process.
fn floor_samples(bench: &Bench, report: &mut Report, rows: &Rows, scripts: &Scripts) {
    for (row, script) in [
        (rows.floor, &scripts.per_revision),
        (rows.autocommit, &scripts.autocommit),
        (rows.one_transaction, &scripts.one_transaction),
    ] {
        if report.is_live(row) {
            report.record(row, floor_sample(bench, script));
        }
    }
    if report.is_live(rows.in_process) {
        report.record(
            rows.in_process,
            in_process_sample(bench, &scripts.per_revision),
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
/// rows; the journal mode each left is kept for the notes.
fn rival_samples(
    bench: &Bench,
    report: &mut Report,
    rows: &Rows,
    journal_modes: &mut [Option<String>; 2],
) {
    for (rival, apply_row, at_head_row) in [
        (Rival::Refinery, rows.refinery, rows.refinery_at_head),
        (Rival::Sqlx, rows.sqlx, rows.sqlx_at_head),
    ] {
        if report.is_live(apply_row) {
            match rival_sample(bench, rival) {
                Ok(times) => {
                    report.record(apply_row, Ok(times.apply));
                    report.record(at_head_row, Ok(times.at_head));
                    journal_modes[rival as usize] = times.journal_mode;
                }
                Err(error) => {
                    report.record(apply_row, Err(error.clone()));
                    report.record(at_head_row, Err(error));
                }
            }
        }
    }
}

/// Notes the SQLite settings retort runs with, read from a real connection
/// rather than assumed.
async fn describe_settings(report: &mut Report) {
    let settings = async {
        let db = TestDatabase::sqlite().map_err(|e| e.to_string())?;
        let url = DatabaseUrl::parse(db.url()).map_err(|e| e.to_string())?;
        let backend = retort::SqliteBackend::open(&url).map_err(|e| e.to_string())?;
        let conn = backend.connection();
        let journal: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).map_err(|e| e.to_string())?;
        let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |row| row.get(0)).map_err(|e| e.to_string())?;
        let folder = db.sqlite_path().and_then(Path::parent).map(|p| p.display().to_string()).unwrap_or_default();
        Ok::<_, String>(format!(
            "a new file per sample in {folder}; retort's defaults: journal_mode={journal}, synchronous={synchronous} \
             (2 = FULL: every commit waits for the disk)"
        ))
    }
    .await;
    report.note(settings.unwrap_or_else(|error| format!("could not read the settings: {error}")));
    report.note("the sqlite3 CLI, refinery (rusqlite) and sqlx 0.9 leave these defaults as they are too (journal modes each left below)");
    report.note(
        "retort and the floor time the work on an open connection; CLI rows include process start",
    );
}

fn write_scripts(bench: &Bench) -> Result<Scripts, String> {
    let dir = bench.scratch.path();
    let write = |name: &str, shape: Shape| {
        let path = dir.join(name);
        std::fs::write(&path, bench.workload.floor_script(Dialect::Sqlite, shape))
            .map_err(|e| format!("could not write {}: {e}", path.display()))?;
        Ok::<_, String>(path)
    };
    Ok(Scripts {
        per_revision: write("floor-sqlite-per-revision.sql", Shape::PerRevision)?,
        autocommit: write("floor-sqlite-autocommit.sql", Shape::Autocommit)?,
        one_transaction: write("floor-sqlite-one-transaction.sql", Shape::OneTransaction)?,
    })
}

/// `sqlite3 -bail new.db < script`, then a check that it did the work.
fn floor_sample(bench: &Bench, script: &Path) -> Result<Duration, String> {
    let db = TestDatabase::sqlite().map_err(|e| e.to_string())?;
    let path = database_path(&db)?;
    let mut command = bench
        .sqlite3
        .command()
        .ok_or_else(|| bench.sqlite3.missing())?;
    let input =
        File::open(script).map_err(|e| format!("could not open {}: {e}", script.display()))?;
    command.arg("-bail").arg(path).stdin(input);
    let elapsed = time_command(&mut command)?;
    verify(path, "retort_history", bench.workload.count())?;
    Ok(elapsed)
}

/// The floor script run by the SQLite that retort links (rusqlite's bundled
/// build) on an open connection: separates what retort adds from what the
/// sqlite3 shell's older SQLite and its process start account for.
fn in_process_sample(bench: &Bench, script: &Path) -> Result<Duration, String> {
    let db = TestDatabase::sqlite().map_err(|e| e.to_string())?;
    let path = database_path(&db)?;
    let sql = std::fs::read_to_string(script)
        .map_err(|e| format!("could not read {}: {e}", script.display()))?;
    let conn = rusqlite::Connection::open(path)
        .map_err(|e| format!("could not open {}: {e}", path.display()))?;
    let started = Instant::now();
    conn.execute_batch(&sql)
        .map_err(|e| format!("the floor script failed: {e}"))?;
    let elapsed = started.elapsed();
    drop(conn);
    verify(path, "retort_history", bench.workload.count())?;
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
    let db = TestDatabase::sqlite().map_err(|e| e.to_string())?;
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
    verify(database_path(&db)?, "retort_history", n)?;
    Ok(RetortTimes {
        apply,
        at_head,
        application,
    })
}

struct RivalTimes {
    apply: Duration,
    at_head: Duration,
    /// The journal mode the tool left the file in.
    journal_mode: Option<String>,
}

/// One run of refinery or sqlx on a new database, then a second run at head.
fn rival_sample(bench: &Bench, rival: Rival) -> Result<RivalTimes, String> {
    let db = TestDatabase::sqlite().map_err(|e| e.to_string())?;
    let path = database_path(&db)?;
    let url = match rival {
        // refinery opens the file without SQLite's create flag: it must
        // exist. An empty file is an empty database.
        Rival::Refinery => {
            File::create(path).map_err(|e| format!("could not create {}: {e}", path.display()))?;
            db.url().to_owned()
        }
        // sqlx does not create a missing SQLite file unless asked to.
        Rival::Sqlx => format!("{}?mode=rwc", db.url()),
    };
    let tool = rival.tool(bench);
    let mut command = rival.command(bench, &url).ok_or_else(|| tool.missing())?;
    let apply = time_command(&mut command)?;
    verify(path, rival.history_table(), bench.workload.count())?;
    let at_head = time_command(&mut command)?;
    verify(path, rival.history_table(), bench.workload.count())?;
    Ok(RivalTimes {
        apply,
        at_head,
        journal_mode: journal_mode(path),
    })
}

fn database_path(db: &TestDatabase) -> Result<&Path, String> {
    db.sqlite_path()
        .ok_or_else(|| "the SQLite test database has no file".to_owned())
}

/// Checks that a run left every table and every history row: a contender
/// that skipped work must not get a time.
fn verify(path: &Path, history: &str, expected: usize) -> Result<(), String> {
    let conn = rusqlite::Connection::open(path)
        .map_err(|e| format!("could not open {}: {e}", path.display()))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't\\_%' ESCAPE '\\'", [], |row| {
            row.get(0)
        })
        .map_err(|e| format!("could not count the tables: {e}"))?;
    // `history` is one of this module's constant table names.
    let rows: i64 = conn
        .query_row(&format!("SELECT count(*) FROM \"{history}\""), [], |row| {
            row.get(0)
        })
        .map_err(|e| format!("could not count the rows of {history}: {e}"))?;
    if tables != expected as i64 || rows != expected as i64 {
        return Err(format!("expected {expected} tables and {expected} rows in {history}, found {tables} and {rows}"));
    }
    Ok(())
}

/// The journal mode a tool left the file in, for the report's notes.
fn journal_mode(path: &Path) -> Option<String> {
    let conn = rusqlite::Connection::open(path).ok()?;
    conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_retort_fails_every_retort_row_when_the_sample_fails() {
        let mut report = Report::new("test");
        let rows = Rows::declare(&mut report);
        record_retort(&mut report, &rows, Err("no database".to_owned()));
        for row in [rows.retort, rows.retort_at_head, rows.retort_application] {
            assert!(!report.is_live(row));
        }
        assert!(report.is_live(rows.floor), "other rows keep sampling");
    }
}
