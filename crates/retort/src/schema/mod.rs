//! Schema snapshots: what a database's catalog holds, in one backend-neutral
//! model that each backend's introspection fills, so that two states of a
//! schema can be rendered, reviewed and compared.

mod model;

pub use model::{
    Check, Column, ForeignKey, Identity, Index, IndexColumn, Key, Routine, RoutineKind, SchemaSnapshot, Sequence,
    Table, Trigger, View,
};
