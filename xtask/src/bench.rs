//! `cargo xtask bench`: builds and runs the `retort-bench` crate in release
//! mode. The benchmark itself lives in `crates/retort-bench/`; this only spawns cargo.

use std::path::Path;
use std::process::{Command, ExitCode};

/// Time retort applying 1,000 revisions against the floor, refinery and sqlx-cli.
///
/// Runs `cargo run --release -p retort-bench` on SQLite and PostgreSQL; the
/// floor is the same DDL and history inserts sent as one SQL script.
/// Arguments go to the benchmark: `cargo xtask bench -- --help` lists them.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Arguments for `retort-bench`, e.g. `--samples 5`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: BenchArgs) -> ExitCode {
    // `cargo xtask` runs under cargo, which says where it is; a plain `cargo`
    // on PATH is the fallback when the xtask binary is started by hand.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The workspace root: this crate's manifest folder's parent.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args(["run", "--release", "--package", "retort-bench", "--"])
        .args(&args.args)
        .status();
    match status {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            // Killed by a signal: the shell reported it already.
            None => ExitCode::FAILURE,
        },
        Err(error) => {
            eprintln!("cargo xtask bench: could not run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
