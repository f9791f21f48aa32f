//! `alter_column`: what changes, and what the column was before.

use super::literal::DefaultValue;
use crate::dialect::Type;

/// A change to one column, as `alter_column` records it.
///
/// Like Alembic, a change states the column's current (`existing_*`)
/// values beside the new ones. They serve twice: SQL Server's
/// `ALTER COLUMN` restates the type and nullability even when only one of
/// them changes, and the derived downgrade sets the existing values back.
///
/// ```
/// use retort::op::{Operations, Type};
/// let mut op = Operations::default();
/// op.alter_column("users", "username")
///     .existing_type(Type::String(50))
///     .existing_nullable(false)
///     .set_type(Type::String(100));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlterColumn {
    /// The table the column belongs to.
    pub table: String,
    /// The column to change.
    pub column: String,
    /// The new type, when it changes.
    pub set_type: Option<Type>,
    /// The new nullability, when it changes.
    pub set_nullable: Option<bool>,
    /// `Some(None)` drops the default.
    pub set_default: Option<Option<DefaultValue>>,
    /// The type it has now: what a derived downgrade restores, and what
    /// SQL Server needs to restate the column.
    pub existing_type: Option<Type>,
    /// Its nullability now: what a derived downgrade restores.
    pub existing_nullable: Option<bool>,
    /// `Some(None)`: the column has no default now.
    pub existing_default: Option<Option<DefaultValue>>,
}

impl AlterColumn {
    /// A change of `column` of `table` that changes nothing yet.
    pub fn new(table: impl Into<String>, column: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            column: column.into(),
            set_type: None,
            set_nullable: None,
            set_default: None,
            existing_type: None,
            existing_nullable: None,
            existing_default: None,
        }
    }

    /// Changes the column's type.
    pub fn set_type(&mut self, ty: Type) -> &mut Self {
        self.set_type = Some(ty);
        self
    }

    /// Makes the column nullable (`true`) or `NOT NULL` (`false`).
    pub fn set_nullable(&mut self, nullable: bool) -> &mut Self {
        self.set_nullable = Some(nullable);
        self
    }

    /// Gives the column a new default.
    pub fn set_default(&mut self, value: impl Into<DefaultValue>) -> &mut Self {
        self.set_default = Some(Some(value.into()));
        self
    }

    /// Drops the column's default.
    pub fn drop_default(&mut self) -> &mut Self {
        self.set_default = Some(None);
        self
    }

    /// States the column's current type, for the derived downgrade and for
    /// dialects that restate the whole column.
    pub fn existing_type(&mut self, ty: Type) -> &mut Self {
        self.existing_type = Some(ty);
        self
    }

    /// States the column's current nullability, for the derived downgrade.
    pub fn existing_nullable(&mut self, nullable: bool) -> &mut Self {
        self.existing_nullable = Some(nullable);
        self
    }

    /// States the column's current default, for the derived downgrade.
    pub fn existing_default(&mut self, value: impl Into<DefaultValue>) -> &mut Self {
        self.existing_default = Some(Some(value.into()));
        self
    }

    /// States that the column has no default now.
    pub fn existing_no_default(&mut self) -> &mut Self {
        self.existing_default = Some(None);
        self
    }

    /// The type after the change, when known.
    pub(crate) fn new_type(&self) -> Option<&Type> {
        self.set_type.as_ref().or(self.existing_type.as_ref())
    }

    /// The nullability after the change, when known.
    pub(crate) fn new_nullable(&self) -> Option<bool> {
        self.set_nullable.or(self.existing_nullable)
    }

    /// The reverse change, or what is missing to derive it.
    pub(crate) fn reversed(&self) -> Result<AlterColumn, String> {
        let mut missing = Vec::new();
        if self.set_type.is_some() && self.existing_type.is_none() {
            missing.push("existing_type");
        }
        if self.set_nullable.is_some() && self.existing_nullable.is_none() {
            missing.push("existing_nullable");
        }
        if self.set_default.is_some() && self.existing_default.is_none() {
            missing.push("existing_default (or existing_no_default)");
        }
        if !missing.is_empty() {
            return Err(format!(
                "it changes the column without saying what it was: give {}",
                missing.join(", ")
            ));
        }
        Ok(AlterColumn {
            table: self.table.clone(),
            column: self.column.clone(),
            set_type: self.set_type.as_ref().and(self.existing_type.clone()),
            set_nullable: self.set_nullable.and(self.existing_nullable),
            set_default: self.set_default.as_ref().and(self.existing_default.clone()),
            existing_type: self.new_type().cloned(),
            existing_nullable: self.new_nullable(),
            existing_default: self
                .set_default
                .clone()
                .or_else(|| self.existing_default.clone()),
        })
    }
}
