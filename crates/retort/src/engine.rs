//! The primitives the [`Migrator`](crate::Migrator) is composed of, one
//! level below it: a revision's SQL [`Unit`]s and the [`StepWork`] that
//! runs them with their history writes, the executor's functions over a
//! [`Backend`](crate::Backend), and the renderer's units for one revision.
//!
//! An application migrates with [`Migrations`](crate::Migrations) and
//! [`Migrator`](crate::Migrator) and needs none of this. It is here for a
//! backend written outside retort (the trait's methods take these types),
//! and for retort's own tests and benchmark, which drive a database one
//! step at a time. These functions take no migration lock and check no
//! checksum: they do exactly what they say, and the migrator's guarantees
//! (one migrator at a time, drift refused) are the caller's to keep.

pub use crate::backend::{Batched, Commits};
pub use crate::history::read_sql as history_read_sql;
pub use crate::render::{units as render_units, units_after as render_units_after, units_with_catalog as render_units_with_catalog};
pub use crate::sequence::{ensure_history, execute_in_transaction, read_history, record, run_outside_transaction, run_step};
pub use crate::work::{StepWork, Unit};
