//! Schema snapshots: what a database's catalog holds, in one backend-neutral
//! model that each backend's introspection fills, so that two states of a
//! schema can be rendered, reviewed and compared.
//!
//! - [`SchemaSnapshot::render`] gives deterministic text for snapshot files
//!   and code review;
//! - [`SchemaSnapshot::diff`] names every object that differs between two
//!   snapshots, one [`Difference`] each;
//! - [`SchemaSnapshot::to_mermaid`] draws the tables as a Mermaid `erDiagram`.

mod diff;
mod mermaid;
mod model;
mod render;

pub use diff::{Change, DiffOptions, Difference};
pub use model::{
    Check, Column, ForeignKey, Identity, Index, IndexColumn, Key, Routine, RoutineKind,
    SchemaSnapshot, Sequence, Table, Trigger, UserType, View,
};
