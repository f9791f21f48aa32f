//! PostgreSQL: the natural DDL. Every `ALTER TABLE` form exists, and DDL is
//! transactional, so each operation is one or a few plain statements. The
//! online forms are `CREATE`/`DROP INDEX CONCURRENTLY` (outside a
//! transaction: see `Renderer::render`) and a constraint added `NOT VALID`,
//! then validated by `VALIDATE CONSTRAINT`.

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
        Operation::DropIndex { name, definition, .. } => {
            let online = definition.as_ref().is_some_and(|index| index.online.is_some());
            vec![format!("DROP INDEX {}{}", if online { "CONCURRENTLY " } else { "" }, q(name))]
        }
        Operation::AddConstraint { table, constraint } => {
            let not_valid = if constraint.not_validated() { " NOT VALID" } else { "" };
            vec![format!("{}{not_valid}", r.add_constraint_sql(table, constraint)?)]
        }
        // Reads the rows under a lock that lets them be written meanwhile.
        Operation::ValidateConstraint { table, name } => {
            vec![format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", q(table), q(name))]
        }
        Operation::DropConstraint { table, name, .. } => vec![r.drop_constraint_sql(table, name)],
        other => unreachable!(
            "{} is rendered by the shared shapes or by the caller",
            other.name()
        ),
    })
}
