//! `retort-bench`: how long retort takes to apply 1,000 revisions, next to
//! the floor (the same DDL and history inserts sent as one script) and next
//! to refinery and sqlx-cli, on SQLite and PostgreSQL; and on SQL Server
//! (when a server is given), next to the same work sent one batch per
//! revision, with the requests each sends.
//!
//! Run it with `cargo xtask bench` (which builds it in release mode) or
//! `cargo run --release -p retort-bench -- --samples 5`. It is not part of
//! `cargo test`; refinery and sqlx are used when installed and reported as
//! missing otherwise.

mod clone;
mod mssql;
mod postgres;
mod report;
mod sqlite;
mod tool;
mod workload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tempfile::TempDir;

use tool::Tool;
use workload::Workload;

/// Times retort against the floor, refinery and sqlx-cli.
#[derive(Debug, Parser)]
#[command(name = "retort-bench")]
struct Args {
    /// How many times to run each measurement; the table shows the median and the minimum.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    samples: u32,
    /// How many one-table revisions to apply.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    revisions: u32,
    /// Which databases to measure (`clone`: `db clone` into and out of SQL Server).
    #[arg(long, value_enum, default_value_t = Only::All)]
    only: Only,
    /// How many rows the `db clone` runs copy.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    clone_rows: u32,
    /// Rows per read and per write in the `db clone` runs (`db clone --batch-size`).
    #[arg(long, default_value_t = retort::clone::DEFAULT_BATCH_ROWS)]
    clone_batch: usize,
    /// Only connect to the SQL Server database whose URL is in
    /// RETORT_BENCH_AT_HEAD_URL, upgrade it (already at head) and print what
    /// that cost: the whole-process run the SQL Server table times.
    #[arg(long, hide = true)]
    upgrade_at_head: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Only {
    All,
    Sqlite,
    Postgres,
    Mssql,
    Clone,
}

/// Everything the backends' runs share: the workload, the tools found, and
/// the migration files and floor scripts written for them.
pub struct Bench {
    pub workload: Workload,
    pub samples: usize,
    pub sqlite3: Tool,
    pub refinery: Tool,
    pub sqlx: Tool,
    /// `V{n}__t{n}.sql` files.
    pub refinery_dir: PathBuf,
    /// `{n}_t{n}.sql` files.
    pub sqlx_dir: PathBuf,
    /// Holds the folders above; deleted when the run ends.
    pub scratch: TempDir,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.upgrade_at_head {
        return upgrade_at_head(&args);
    }
    mssql::find_server();
    let bench = match prepare(&args) {
        Ok(bench) => bench,
        Err(error) => {
            eprintln!("retort-bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_header(&bench);
    // One thread: the measured work is sequential, and a second thread would
    // only add wake-ups between the client and its connection task.
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        if matches!(args.only, Only::All | Only::Sqlite) {
            println!("{}", sqlite::run(&bench).await.render());
        }
        if matches!(args.only, Only::All | Only::Postgres) {
            println!("{}", postgres::run(&bench).await.render());
        }
        if matches!(args.only, Only::All | Only::Mssql) {
            println!("{}", mssql::run(&bench).await.render());
        }
        if matches!(args.only, Only::All | Only::Clone) {
            println!(
                "{}",
                clone::run(&bench, args.clone_rows as usize, args.clone_batch)
                    .await
                    .render()
            );
        }
    });
    println!(
        "\nRatios divide by the floor of the row's section: its median (or minimum); ×floor(pair) is the median of\n\
         each sample's ratio to the floor's in the same sample, and the pair range the lowest and the highest of\n\
         those (on a shared machine one sample's ratio strays: read a run of few samples with its range). Each\n\
         sample starts from a new database: empty, or for a deploy holding every revision but the newest, applied\n\
         by retort and not timed. Rows run in turn within a sample (SQL Server's: retort first in every other\n\
         one), so a slow moment of the machine hits every contender alike."
    );
    ExitCode::SUCCESS
}

/// The child process of the SQL Server table's whole-process row.
fn upgrade_at_head(args: &Args) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(mssql::upgrade_at_head(args.revisions as usize)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("retort-bench --upgrade-at-head: {error}");
            ExitCode::FAILURE
        }
    }
}

fn prepare(args: &Args) -> Result<Bench, String> {
    let workload = Workload::new(args.revisions as usize);
    let scratch = tempfile::Builder::new()
        .prefix("retort-bench-")
        .tempdir()
        .map_err(|e| format!("could not create a temporary folder: {e}"))?;
    let refinery_dir = scratch.path().join("refinery");
    let sqlx_dir = scratch.path().join("sqlx");
    workload
        .write_refinery_files(&refinery_dir)
        .map_err(|e| format!("could not write {}: {e}", refinery_dir.display()))?;
    workload
        .write_sqlx_files(&sqlx_dir)
        .map_err(|e| format!("could not write {}: {e}", sqlx_dir.display()))?;
    Ok(Bench {
        workload,
        samples: args.samples as usize,
        sqlite3: Tool::sqlite3(),
        refinery: Tool::refinery(),
        sqlx: Tool::sqlx(),
        refinery_dir,
        sqlx_dir,
        scratch,
    })
}

fn print_header(bench: &Bench) {
    let cores = std::thread::available_parallelism()
        .map_or_else(|e| format!("unknown ({e})"), |n| n.to_string());
    println!(
        "retort-bench: {} one-table revisions in a linear chain, {} sample(s) each",
        bench.workload.count(),
        bench.samples
    );
    println!("machine: {cores} core(s) available, {}", cpu_model());
    let build = if cfg!(debug_assertions) {
        "DEBUG build: times are not representative, use --release"
    } else {
        "release build"
    };
    println!(
        "retort {} ({build}), bundled SQLite {}",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version()
    );
    for tool in [&bench.sqlite3, &bench.refinery, &bench.sqlx] {
        println!("{:>9}: {}", tool.name, tool.describe());
    }
}

/// The CPU's model name from `/proc/cpuinfo`, where there is one.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "CPU model unknown".to_owned())
}

/// The one-thread runtime the bench runs on, or `None` after saying why
/// it could not start.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("retort-bench: could not start a Tokio runtime: {error}");
            None
        }
    }
}
