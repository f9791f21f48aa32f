//! The commands that retort-build's messages tell a person to run, written
//! once. `crates/retort-cli/tests/hints.rs` parses each one with the clap
//! tree of the xtask that `retort init` writes, and checks that no other
//! source file spells out a `cargo xtask` command (the runtime's hints are
//! `retort::hint`; this crate does not depend on the runtime).

/// Joins every head in one merge revision.
pub const MERGE_HEADS: &str = "cargo xtask merge -m \"merge heads\"";

/// Reviews every pending revision, Rust ones included.
pub const MIGRATE_LINT: &str = "cargo xtask migrate lint";

/// Every hint, for the test that parses them.
pub const ALL: &[&str] = &[MERGE_HEADS, MIGRATE_LINT];
