//! Derived downgrades: the reverse of each reversible operation.
//!
//! A revision whose upgrade uses only reversible operations may leave out
//! `downgrade`; its downgrade is the reverse of each upgrade operation, last
//! first. An operation is reversible when it records everything needed to
//! undo it: `create_table` the table, `add_column` the column, `alter_column`
//! the `existing_*` values of what it changes, the `*_with` drops the
//! definition of what they drop.

use crate::Operation;

/// The downgrade of `upgrade`, or the 1-based number, name and reason of the
/// first operation (in upgrade order) that cannot be reversed.
pub(crate) fn derive_downgrade(
    upgrade: &[Operation],
) -> Result<Vec<Operation>, (usize, &'static str, String)> {
    let mut downgrade = Vec::with_capacity(upgrade.len());
    for (index, operation) in upgrade.iter().enumerate() {
        let reversed =
            reverse(operation).map_err(|reason| (index + 1, operation.name(), reason))?;
        downgrade.extend(reversed);
    }
    downgrade.reverse();
    Ok(downgrade)
}

/// The operation that undoes `operation` (`None` when it changed nothing
/// to undo: a validated constraint is the same constraint), or why there
/// is none.
pub fn reverse(operation: &Operation) -> Result<Option<Operation>, String> {
    let missing = |what: &str, with: &str| {
        Err(format!(
            "it does not record the {what} it drops, so a downgrade cannot recreate it: use `{with}`"
        ))
    };
    Ok(Some(match operation {
        // Validating a constraint checks rows and changes no schema; a
        // downgrade that made it unvalidated again would gain nothing.
        Operation::ValidateConstraint { .. } => return Ok(None),
        Operation::Execute(_) => {
            return Err("raw SQL cannot be reversed automatically".to_owned())
        }
        Operation::BulkInsert(_) => {
            return Err(
                "inserted rows cannot be told apart from rows added later, so they are not deleted automatically"
                    .to_owned(),
            )
        }
        Operation::Module { kind, name, old, new } => Operation::Module {
            kind: *kind,
            name: name.clone(),
            old: new.clone(),
            new: old.clone(),
        },
        Operation::CreateTable(table) => Operation::DropTable {
            table: table.name.clone(),
            definition: Some(table.clone()),
        },
        Operation::DropTable {
            definition: Some(table),
            ..
        } => Operation::CreateTable(table.clone()),
        Operation::DropTable { definition: None, .. } => return missing("table", "drop_table_with"),
        Operation::RenameTable { from, to } => Operation::RenameTable {
            from: to.clone(),
            to: from.clone(),
        },
        Operation::AddColumn { table, column } => Operation::DropColumn {
            table: table.clone(),
            column: column.name.clone(),
            definition: Some(column.clone()),
        },
        Operation::DropColumn {
            table,
            definition: Some(column),
            ..
        } => Operation::AddColumn {
            table: table.clone(),
            column: column.clone(),
        },
        Operation::DropColumn { definition: None, .. } => return missing("column", "drop_column_with"),
        Operation::AlterColumn(alter) => Operation::AlterColumn(alter.reversed()?),
        Operation::RenameColumn { table, from, to } => Operation::RenameColumn {
            table: table.clone(),
            from: to.clone(),
            to: from.clone(),
        },
        Operation::CreateIndex(index) => Operation::DropIndex {
            table: index.table.clone(),
            name: index.name.clone(),
            definition: Some(index.clone()),
        },
        Operation::DropIndex {
            definition: Some(index),
            ..
        } => Operation::CreateIndex(index.clone()),
        Operation::DropIndex { definition: None, .. } => return missing("index", "drop_index_with"),
        Operation::AddConstraint { table, constraint } => Operation::DropConstraint {
            table: table.clone(),
            name: constraint.name(table),
            definition: Some(constraint.clone()),
        },
        Operation::DropConstraint {
            table,
            definition: Some(constraint),
            ..
        } => Operation::AddConstraint {
            table: table.clone(),
            constraint: constraint.clone(),
        },
        Operation::DropConstraint { definition: None, .. } => {
            return missing("constraint", "drop_constraint_with")
        }
        Operation::CreateView { name, definition } => Operation::DropView {
            name: name.clone(),
            definition: Some(definition.clone()),
        },
        Operation::DropView {
            name,
            definition: Some(definition),
        } => Operation::CreateView {
            name: name.clone(),
            definition: definition.clone(),
        },
        Operation::DropView { definition: None, .. } => return missing("view", "drop_view_with"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{Operations, Type};

    #[test]
    fn derive_downgrade_reverses_each_operation_last_first() {
        let mut op = Operations::default();
        op.create_table("users", |t| {
            t.column("id", Type::Int).primary_key();
        });
        op.add_column("users", "phone", Type::String(20));
        op.rename_column("users", "phone", "mobile");
        let down = derive_downgrade(op.operations()).unwrap();
        let names: Vec<_> = down.iter().map(Operation::name).collect();
        assert_eq!(names, ["rename_column", "drop_column", "drop_table"]);
        assert!(
            matches!(&down[0], Operation::RenameColumn { from, to, .. } if from == "mobile" && to == "phone")
        );
    }

    #[test]
    fn derive_downgrade_names_the_operation_when_it_is_irreversible() {
        let mut op = Operations::default();
        op.add_column("users", "status", Type::String(20));
        op.execute("UPDATE users SET status = 'active'");
        let (number, name, reason) = derive_downgrade(op.operations()).unwrap_err();
        assert_eq!((number, name), (2, "execute"));
        assert!(reason.contains("raw SQL"), "{reason}");
    }

    #[test]
    fn reverse_needs_existing_values_when_alter_column_changes_them() {
        let mut op = Operations::default();
        op.alter_column("users", "username")
            .set_type(Type::String(100));
        let reason = reverse(&op.operations()[0]).unwrap_err();
        assert!(reason.contains("existing_type"), "{reason}");

        let mut op = Operations::default();
        op.alter_column("users", "username")
            .existing_type(Type::String(50))
            .existing_nullable(false)
            .set_type(Type::String(100));
        let Some(Operation::AlterColumn(back)) = reverse(&op.operations()[0]).unwrap() else {
            panic!("alter_column reverses to alter_column");
        };
        assert_eq!(back.set_type, Some(Type::String(50)));
        assert_eq!(back.existing_type, Some(Type::String(100)));
        assert_eq!(back.existing_nullable, Some(false));
        assert_eq!(back.set_nullable, None);
    }

    #[test]
    fn derive_downgrade_undoes_nothing_for_validate_constraint_when_it_follows_an_unvalidated_key() {
        let mut op = Operations::default();
        op.create_foreign_key("todos", ["owner_id"], "users", ["id"]).not_validated();
        op.validate_constraint("todos", "fk_todos_owner_id");
        let down = derive_downgrade(op.operations()).unwrap();
        assert!(
            matches!(down.as_slice(), [Operation::DropConstraint { name, .. }] if name == "fk_todos_owner_id"),
            "{down:?}"
        );
    }
}
