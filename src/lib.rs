//! The database crate: `build.rs` compiles `migrations/` into [`MIGRATIONS`],
//! and [`schema()`] is the schema the application declares. An application
//! upgrades with `MIGRATIONS` at start-up, the xtask drives both from the
//! command line, and `tests/` proves every revision round-trips and builds
//! the declared schema.

retort::include_migrations!();

pub mod schema;
pub mod seed; // the sample's seed data: not written by retort init

pub use schema::schema;
