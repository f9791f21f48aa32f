//! The build-script side of retort: scan `migrations/`, parse every revision,
//! validate the revision graph, checksum each revision and generate the static
//! revision table that `retort::include_migrations!()` includes.
//!
//! A project's `build.rs`:
//!
//! ```no_run
//! fn main() {
//!     println!("cargo::rerun-if-changed=migrations");
//!     retort_build::report(retort_build::compile("migrations"));
//! }
//! ```
//!
//! The steps are public too ([`scan`] → [`validate`] → [`generate`]), so that
//! tools and tests can run them without a build script.

// `Error` is large because each variant carries the locations a person needs;
// it is returned on a cold path, a few times per build, where boxing would
// only make matching on it in tests clumsier.
#![allow(clippy::result_large_err)]
// The examples are `build.rs` files, whose `fn main` is the point.
#![allow(clippy::needless_doctest_main)]

mod checksum;
mod compile;
mod error;
mod generate;
pub mod hint;
mod lex;
mod objects;
#[cfg(feature = "lint")]
mod lint;
mod parse_rust;
mod parse_sql;
mod revision;
mod scan;
mod settings;
mod source_file;
mod sqlcmd;
mod template;
mod validate;

pub use checksum::{rust_checksum, sql_checksum, to_hex, Digest32};
pub use compile::{compile, report, Compiled, OUTPUT_FILE};
pub use error::{Error, Errors, LiteralKind, Located, Location, Relation, Warning};
pub use generate::generate;
pub use objects::ObjectFile;
pub use revision::{parse_lock_timeout, ParsedRevision, RevisionKind};
pub use scan::{scan, Scan};
pub use template::{rust_revision, rust_revision_with, slug, sql_revision, RevisionSpec};
pub use validate::{validate, RevisionTable};
