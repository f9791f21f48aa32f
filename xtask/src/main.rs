//! `cargo xtask`: the sample project's command line. The work lives in
//! `retort::cli`; this file only wires the project's revision table to it.

mod bench;
mod flags;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let project = retort::cli::project_root_from_xtask(env!("CARGO_MANIFEST_DIR"));
    match flags::Xtask::parse().command {
        flags::Command::Migrate(args) => retort::cli::migrate(&todo_db::MIGRATIONS, &project, args),
        flags::Command::Bench(args) => bench::run(args),
    }
}
