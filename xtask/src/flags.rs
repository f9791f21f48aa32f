//! The commands and flags of `cargo xtask`.

/// Development tasks for the sample project's database.
#[derive(Debug, clap::Parser)]
#[command(name = "cargo xtask", version)]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Apply, revert and inspect revisions (upgrade, downgrade, stamp, current, history, heads, check, resolve).
    Migrate(retort::cli::MigrateArgs),
    /// Time retort against the floor, refinery and sqlx-cli on 1,000 revisions (release build).
    Bench(crate::bench::BenchArgs),
}
