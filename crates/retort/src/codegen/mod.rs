//! Recorded operations back to the Rust revision that records them.
//!
//! [`revision_source`] turns a list of [`Operation`]s into the source of a
//! revision file whose `upgrade` (and `downgrade`) record exactly those
//! operations, formatted by prettyplease like hand-written code. `baseline`
//! writes a legacy database's schema with it; `new-revision --autogenerate`
//! is meant to write a schema difference with it. Each operation becomes
//! the builder call a person would write (`op.create_table("users", |t| {
//! t.column("id", Type::Int).identity(); … });`); the generated code
//! records values equal to the ones it was made from, and
//! `tests/baseline.rs` holds it to that.
//!
//! ```
//! use retort::codegen::{revision_source, RevisionSpec};
//! use retort::op::{Operations, Type};
//!
//! let mut op = Operations::default();
//! op.create_table("users", |t| {
//!     t.column("id", Type::Int).identity().primary_key();
//! });
//! let spec = RevisionSpec { id: "0a1b2c3d4e5f".into(), message: "add users".into(), ..RevisionSpec::default() };
//! let source = revision_source(&spec, &["Written by a test.".to_owned()], op.operations(), None).unwrap();
//! assert!(source.starts_with("// Written by a test.\n"));
//! assert!(source.contains(r#"t.column("id", Type::Int).identity().primary_key();"#));
//! ```

mod operation;
mod table;
mod value;

pub use retort_build::RevisionSpec;

use proc_macro2::TokenStream;

use crate::Operation;

/// An operation the op DSL cannot say the way it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    #[error("operation {number} ({operation}) cannot be written as Rust: {reason}")]
    /// An operation the Rust writer has no builder call for.
    Unsupported {
        /// 1-based, among the operations of its function.
        number: usize,
        /// The operation as a revision calls it.
        operation: &'static str,
        /// Why it cannot be written.
        reason: String,
    },
}

/// The source of a Rust revision: `spec`'s constants, `header` as `//`
/// comment lines at the top (where it came from; never a password),
/// an `upgrade` recording `upgrade`, and a `downgrade` recording
/// `downgrade` — or none, when `downgrade` is `None`, for retort to derive
/// from the upgrade. The text is what `migrations/<id>_<slug>.rs` holds.
pub fn revision_source(
    spec: &RevisionSpec,
    header: &[String],
    upgrade: &[Operation],
    downgrade: Option<&[Operation]>,
) -> Result<String, CodegenError> {
    let upgrade = statements(upgrade)?;
    let downgrade = downgrade.map(statements).transpose()?;
    Ok(retort_build::rust_revision_with(spec, header, upgrade, downgrade))
}

/// The statements on `op` that record `operations`, in order.
pub fn statements(operations: &[Operation]) -> Result<TokenStream, CodegenError> {
    let mut tokens = TokenStream::new();
    for (index, operation) in operations.iter().enumerate() {
        let statement = operation::statement(operation).map_err(|error| match error {
            CodegenError::Unsupported { operation, reason, .. } => {
                CodegenError::Unsupported { number: index + 1, operation, reason }
            }
        })?;
        tokens.extend(statement);
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests;
