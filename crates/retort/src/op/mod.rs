//! The portable operation DSL: what a Rust revision records, and how each
//! dialect renders it.
//!
//! `use retort::op::*;` brings in everything a migration file needs:
//!
//! ```
//! use retort::op::*;
//!
//! pub fn upgrade(op: &mut Operations) {
//!     op.create_table("todos", |t| {
//!         t.column("id", Type::Int).identity().primary_key();
//!         t.column("title", Type::String(200)).not_null();
//!         t.column("complete", Type::Bool).not_null().default(false);
//!         t.column("owner_id", Type::Int).not_null().references("users", "id").on_delete(ReferentialAction::Cascade);
//!     });
//!     op.create_index("ix_todos_owner_id", "todos", ["owner_id"]);
//! }
//! ```
//!
//! A revision that only records reversible operations may leave out
//! `downgrade`: the downgrade is derived (see [`reverse`]).

mod alter;
mod catalog;
mod error;
mod index;
mod insert;
mod literal;
pub(crate) use crate::dialect::naming;
mod operations;
pub(crate) mod render;
mod reverse;
mod sqlite_table;
mod table;

pub use alter::AlterColumn;
pub use catalog::{CatalogSource, SqliteTableSql};
pub(crate) use error::At;
pub use error::OpError;
pub use index::{AbortAfterWait, Index, IndexColumn, Online, WaitAtLowPriority};
pub use insert::BulkInsert;
pub use literal::{DefaultValue, IntoRow};
pub(crate) use reverse::derive_downgrade;
pub use reverse::reverse;
pub use table::{Check, Column, Computed, Constraint, ForeignKey, Key, Reference, ReferentialAction, Table};

pub use self::operations::{Allowance, Operation, Operations, Sql};
pub use crate::dialect::{Dialect, Literal, Type};
pub use retort_sql::ModuleKind;
