//! PostgreSQL: the natural DDL. Every `ALTER TABLE` form exists, and DDL is
//! transactional, so each operation is one or a few plain statements.

use super::{common, Renderer};
use crate::op::error::Problem;
use crate::Operation;

pub(super) fn render(r: &Renderer<'_>, operation: &Operation) -> Result<Vec<String>, Problem> {
    if let Some(statements) = common(r, operation) {
        return statements;
    }
    let q = |name: &str| r.q(name);
    Ok(match operation {
        Operation::RenameTable { from, to } => {
            vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
        }
        Operation::AddColumn { table, column } => {
            let mut statements = vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                q(table),
                r.column_sql(table, column)?
            )];
            for constraint in column.implied_constraints() {
                statements.push(r.add_constraint_sql(table, &constraint)?);
            }
            statements
        }
        // Dropping a column drops the constraints and indexes on it.
        Operation::DropColumn { table, column, .. } => {
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                q(table),
                q(column)
            )]
        }
        Operation::AlterColumn(alter) => {
            let prefix = format!(
                "ALTER TABLE {} ALTER COLUMN {}",
                q(&alter.table),
                q(&alter.column)
            );
            let mut statements = Vec::new();
            if let Some(ty) = &alter.set_type {
                statements.push(format!("{prefix} TYPE {}", r.type_sql(ty)?));
            }
            match alter.set_nullable {
                Some(true) => statements.push(format!("{prefix} DROP NOT NULL")),
                Some(false) => statements.push(format!("{prefix} SET NOT NULL")),
                None => {}
            }
            match &alter.set_default {
                Some(Some(default)) => {
                    statements.push(format!("{prefix} SET DEFAULT {}", r.default_sql(default)?))
                }
                Some(None) => statements.push(format!("{prefix} DROP DEFAULT")),
                None => {}
            }
            if statements.is_empty() {
                return Err(Problem::Invalid(
                    "it changes nothing: call set_type, set_nullable, set_default or drop_default"
                        .to_owned(),
                ));
            }
            statements
        }
        Operation::RenameColumn { table, from, to } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                q(table),
                q(from),
                q(to)
            )]
        }
        Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", q(name))],
        Operation::AddConstraint { table, constraint } => {
            vec![r.add_constraint_sql(table, constraint)?]
        }
        Operation::DropConstraint { table, name, .. } => vec![r.drop_constraint_sql(table, name)],
        other => unreachable!(
            "{} is rendered by the shared shapes or by the caller",
            other.name()
        ),
    })
}
