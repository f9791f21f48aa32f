//! The current schema back in the op DSL, for what autogenerate drops or
//! alters away: the conversions `baseline` makes, with the names the
//! objects have (not replaced by retort's).

use crate::baseline::{self, SystemNames};
use crate::op::{self, DefaultValue, Type};
use crate::schema;
use crate::{Dialect, Flavour};

/// Table `name` of a snapshot as `create_table` would define it.
pub(crate) fn convert_table(name: &str, table: &schema::Table, dialect: Dialect, flavour: Flavour) -> op::Table {
    let system = SystemNames::default();
    let cx = baseline::Context { dialect, flavour, keep_names: true, system: &system };
    baseline::convert(name, table, &cx).table
}

/// A snapshot's type in the op DSL.
pub(crate) fn snapshot_type(data_type: &str, collation: Option<&str>, dialect: Dialect, flavour: Flavour) -> Type {
    baseline::column_type(data_type, collation, dialect, flavour)
}

/// A snapshot's default, of a column of type `ty`, in the op DSL.
pub(crate) fn snapshot_default(text: &str, ty: &Type, dialect: Dialect) -> DefaultValue {
    baseline::default_value(text, ty, dialect)
}
