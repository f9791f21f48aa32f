//! `cargo xtask`: the sample project's command line. The work lives in
//! `retort::cli`; this file only wires the project's revision table and seed
//! code to it.

mod bench;
mod flags;

use std::process::ExitCode;

use clap::Parser;
use todo_db::MIGRATIONS;

fn main() -> ExitCode {
    let project = retort::cli::project_root_from_xtask(env!("CARGO_MANIFEST_DIR")).with_schema(todo_db::schema());
    match flags::Xtask::parse().command {
        flags::Command::Migrate(args) => retort::cli::migrate(&MIGRATIONS, &project, args),
        flags::Command::Baseline(args) => retort::cli::baseline(&project, args),
        flags::Command::NewRevision(args) => retort::cli::new_revision(&MIGRATIONS, &project, args),
        flags::Command::Merge(args) => retort::cli::merge(&MIGRATIONS, &project, args),
        flags::Command::Seed(args) => retort::cli::seed(&MIGRATIONS, &project, args, todo_db::seed::seed),
        flags::Command::Db(args) => retort::cli::db(&MIGRATIONS, &project, args),
        flags::Command::Bench(args) => bench::run(args),
    }
}
