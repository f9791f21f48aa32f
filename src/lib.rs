//! The Users/Todos sample application's database crate.
//!
//! Its `migrations/` folder is compiled by `build.rs` into [`MIGRATIONS`]; an
//! application calls it at start-up, the xtask drives it from the command line,
//! and `tests/` proves every revision round-trips.

retort::include_migrations!();

mod schema;
pub mod seed;

pub use schema::{schema, Comment};
