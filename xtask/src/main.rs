//! `cargo xtask`: the database crate's command line. The work lives in
//! `retort::cli`; this file only wires the crate's revision table and
//! declared schema to it.

mod bench; // retort's own benchmark: not written by retort init
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
        flags::Command::Db(args) => retort::cli::db(&MIGRATIONS, &project, args),
        flags::Command::Seed(args) => retort::cli::seed(&MIGRATIONS, &project, args, todo_db::seed::seed), // the sample's seed data: not written by retort init
        flags::Command::Bench(args) => bench::run(args), // retort's own benchmark: not written by retort init
    }
}
