//! The files `retort init` writes: the generic half of this repository's root,
//! the sample crate, which `tests/init.rs` compares them with. `{package}`
//! stands for the package's name and `{crate}` for it as a Rust identifier.
//!
//! Change a file here and at the root together; the sample's own files and
//! lines (its seed data, retort's benchmark) are the root's alone.

/// `build.rs`.
pub const BUILD_RS: &str = r##"fn main() {
    println!("cargo::rerun-if-changed=migrations");
    retort_build::report(retort_build::compile("migrations"));
}
"##;

/// `src/lib.rs`.
pub const LIB_RS: &str = r##"//! The database crate: `build.rs` compiles `migrations/` into [`MIGRATIONS`],
//! and [`schema()`] is the schema the application declares. An application
//! upgrades with `MIGRATIONS` at start-up, the xtask drives both from the
//! command line, and `tests/` proves every revision round-trips and builds
//! the declared schema.

retort::include_migrations!();

pub mod schema;

pub use schema::schema;
"##;

/// `src/schema.rs`: nothing declared yet. The root declares the sample's
/// tables under the same module comment, and only that comment is compared.
pub const SCHEMA_RS: &str = r##"//! The schema the application declares: its tables, written with the
//! builder or derived from its row structs (`#[derive(retort::Table)]`).
//!
//! `cargo xtask new-revision --autogenerate -m "…"` writes the revision that
//! takes what `migrations/` builds to this; `tests/schema.rs` checks on every
//! backend that the two agree.

use retort::declare::Schema;

/// The declared schema.
pub fn schema() -> Schema {
    Schema::new()
}
"##;

/// `tests/round_trip.rs`.
pub const ROUND_TRIP_RS: &str = r##"//! Every revision round-trips on every backend that runs here: upgraded,
//! downgraded and upgraded again with the schema compared at each step, and
//! each revision's schema checked against its reviewed snapshot in
//! `snapshots/<backend>/`.
//!
//! A new or changed revision fails here until its snapshot is reviewed:
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test`), then commit
//! the `.snap` files with the revision.

use retort::testing::BackendKind;

#[tokio::test]
async fn round_trip_sqlite() {
    retort::round_trip!(&{crate}::MIGRATIONS, BackendKind::Sqlite);
}

#[tokio::test]
async fn round_trip_postgres() {
    retort::round_trip!(&{crate}::MIGRATIONS, BackendKind::Postgres);
}

#[tokio::test]
async fn round_trip_mssql() {
    retort::round_trip!(&{crate}::MIGRATIONS, BackendKind::Mssql);
}
"##;

/// `tests/schema.rs`.
pub const SCHEMA_TEST_RS: &str = r##"//! The revisions build exactly the schema `src/schema.rs` declares, on every
//! backend that runs here. When this fails, `cargo xtask new-revision
//! --autogenerate -m "…"` writes the revision that closes the gap.

use retort::testing::BackendKind;

#[tokio::test]
async fn revisions_build_the_declared_schema_on_sqlite() {
    retort::assert_schema_matches!(&{crate}::MIGRATIONS, &{crate}::schema(), BackendKind::Sqlite);
}

#[tokio::test]
async fn revisions_build_the_declared_schema_on_postgres() {
    retort::assert_schema_matches!(&{crate}::MIGRATIONS, &{crate}::schema(), BackendKind::Postgres);
}

#[tokio::test]
async fn revisions_build_the_declared_schema_on_mssql() {
    retort::assert_schema_matches!(&{crate}::MIGRATIONS, &{crate}::schema(), BackendKind::Mssql);
}
"##;

/// `.cargo/config.toml`.
pub const CARGO_CONFIG: &str = r##"[alias]
xtask = "run --quiet --package xtask --"
"##;

/// `xtask/Cargo.toml`.
pub const XTASK_MANIFEST: &str = r##"[package]
name = "xtask"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
# The command line is retort's `cli` feature, which the application itself
# leaves off.
retort = { workspace = true, features = ["cli"] }
{package} = { path = ".." }
clap.workspace = true
"##;

/// `xtask/src/main.rs`.
pub const XTASK_MAIN: &str = r##"//! `cargo xtask`: the database crate's command line. The work lives in
//! `retort::cli`; this file only wires the crate's revision table and
//! declared schema to it.

mod flags;

use std::process::ExitCode;

use clap::Parser;
use {crate}::MIGRATIONS;

fn main() -> ExitCode {
    let project = retort::cli::project_root_from_xtask(env!("CARGO_MANIFEST_DIR")).with_schema({crate}::schema());
    match flags::Xtask::parse().command {
        flags::Command::Migrate(args) => retort::cli::migrate(&MIGRATIONS, &project, args),
        flags::Command::Baseline(args) => retort::cli::baseline(&project, args),
        flags::Command::NewRevision(args) => retort::cli::new_revision(&MIGRATIONS, &project, args),
        flags::Command::Merge(args) => retort::cli::merge(&MIGRATIONS, &project, args),
        flags::Command::Db(args) => retort::cli::db(&MIGRATIONS, &project, args),
    }
}
"##;

/// `xtask/src/flags.rs`.
pub const XTASK_FLAGS: &str = r##"//! The commands and flags of `cargo xtask`.

/// Development tasks for the database crate.
#[derive(Debug, clap::Parser)]
#[command(name = "cargo xtask", version)]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Apply, revert and inspect revisions (upgrade, downgrade, stamp, current, history, show, heads, check, resolve, lint, repair).
    Migrate(retort::cli::MigrateArgs),
    /// Write a database that no migration tool made as revision 1 (read-only: nothing on it changes).
    Baseline(retort::cli::BaselineArgs),
    /// Write a new revision on top of the current head.
    NewRevision(retort::cli::NewRevisionArgs),
    /// Write a merge revision joining heads (all heads by default).
    Merge(retort::cli::MergeArgs),
    /// Development database chores (`db reset`, `db clone`).
    Db(retort::cli::DbArgs),
}
"##;
