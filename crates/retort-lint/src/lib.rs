//! retort's migration safety linter: the rules, as pure functions over a
//! revision's statements, the catalog the earlier revisions built and the
//! project's configuration.
//!
//! A revision that is correct can still take a busy database down: an index
//! built offline, a column change that rewrites the table, a constraint that
//! scans it under a lock. [`Linter`] reads each revision's SQL for the dialect
//! it will run on and reports [`Finding`]s with a rule id, a severity, why and
//! the safe alternative. SQL Server's rules are retort's own
//! ([`rules::MSSQL`]), PostgreSQL's are squawk's, run through its crates and
//! mapped onto the same findings, and SQLite gets the few that apply.
//!
//! This crate needs no database and no runtime: the runtime's `migrate lint`
//! (`retort::lint`) feeds it revisions with the catalog from the database,
//! and `retort-build` feeds it the SQL revisions that are new since the last
//! build, so that `cargo build` prints their findings as warnings.

mod allow;
mod catalog;
mod config;
mod finding;
mod linter;
mod mssql;
mod output;
mod postgres;
pub mod rules;
mod script;
mod sqlite;

pub use allow::Allowance;
pub use catalog::{Catalog, ColumnFacts, TableFacts};
pub use config::{Config, ConfigError, Edition, Level, CONFIG_FILE};
pub use finding::{Dialect, Finding, Severity};
pub use linter::{Linter, Source};
pub use output::{exit_failed, render_github, render_human, render_json, Summary};
pub use rules::RuleInfo;
