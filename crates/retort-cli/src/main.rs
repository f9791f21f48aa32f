//! `retort`: the one command that runs before a crate has its xtask.
//!
//! `retort init` is Alembic's `alembic init`: it scaffolds what a crate needs
//! to use retort (the generic files of retort's repository root) and never
//! overwrites a file; where a file exists it prints what to add instead.

mod init;
mod scaffold;

use std::process::ExitCode;

use clap::Parser;

/// Build-time database migrations for Rust.
#[derive(Debug, Parser)]
#[command(name = "retort", version)]
enum Cli {
    /// Add retort to the crate in PATH (default: the current folder).
    Init(init::InitArgs),
}

fn main() -> ExitCode {
    match Cli::parse() {
        Cli::Init(args) => init::run(&args),
    }
}
