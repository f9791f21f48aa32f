//! The commands and flags of `cargo xtask`.

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
    // The help of these in attributes, as a doc comment cannot carry the marker: not written by retort init
    #[command(about = "Fill the local database with the sample's development data")] // the sample's seed data: not written by retort init
    Seed(retort::cli::SeedArgs), // the sample's seed data: not written by retort init
    #[command(about = "Time retort against the floor, refinery and sqlx-cli on 1,000 revisions (release build)")] // retort's own benchmark: not written by retort init
    Bench(crate::bench::BenchArgs), // retort's own benchmark: not written by retort init
}
