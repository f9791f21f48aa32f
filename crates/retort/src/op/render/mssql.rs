//! SQL Server: `sp_rename` for renames, and named default constraints.
//!
//! A default on SQL Server is a constraint. retort names each one
//! `df_<table>_<column>` when it creates it, and drops a column's default by
//! looking it up in `sys.default_constraints` (whatever its name: one from a
//! raw-SQL revision or an adopted database has a system name), so that
//! dropping a column or changing its default never fails on an unnamed,
//! unknown constraint. Each statement is one batch, so the lookup's
//! variable is local to it.
//!
//! Babelfish (see `backend/mssql/flavour.rs`) keeps neither the names of
//! defaults nor a way to drop one: there `ADD DEFAULT … FOR` replaces a
//! column's default (NULL for none), a dropped column takes its default
//! with it, and `ALTER COLUMN` keeps the nullability it does not state and
//! cannot change it.

use super::{common, default_name, Renderer};
use crate::op::alter::AlterColumn;
use crate::op::error::Problem;
use crate::op::index::Online;
use crate::op::literal::DefaultValue;
use crate::{Dialect, Flavour, Operation};

/// ` WITH (ONLINE = ON …)` for an index built online; nothing on
/// Babelfish, which accepts the options and builds the index the plain,
/// blocking way regardless (PostgreSQL's `CREATE INDEX` underneath), so
/// that what runs there says what happens.
pub(super) fn online_options(r: &Renderer<'_>, online: &Online) -> String {
    if r.flavour() == Flavour::Babelfish {
        return String::new();
    }
    let low_priority = online
        .wait_at_low_priority
        .map(|wait| {
            format!(
                " (WAIT_AT_LOW_PRIORITY (MAX_DURATION = {} MINUTES, ABORT_AFTER_WAIT = {}))",
                wait.max_duration_minutes,
                wait.abort_after_wait.sql()
            )
        })
        .unwrap_or_default();
    let resumable = if online.resumable { ", RESUMABLE = ON" } else { "" };
    format!(" WITH (ONLINE = ON{low_priority}{resumable})")
}

pub(super) fn render(r: &Renderer<'_>, operation: &Operation) -> Result<Vec<String>, Problem> {
    if let Some(statements) = common(r, operation) {
        return statements;
    }
    let q = |name: &str| r.q(name);
    let literal = |text: &str| Dialect::Mssql.quote_literal(text);
    Ok(match operation {
        Operation::RenameTable { from, to } if r.flavour() == Flavour::Babelfish => {
            // Babelfish wants the object type and takes no brackets here.
            if from.contains(['.', '[', ']']) {
                return Err(Problem::Unsupported(format!(
                    "Babelfish's sp_rename cannot name table `{from}` (it takes no brackets): rename it in raw SQL"
                )));
            }
            vec![format!("EXEC sp_rename {}, {}, N'OBJECT'", literal(&format!("dbo.{from}")), literal(to))]
        }
        Operation::RenameTable { from, to } => {
            vec![format!(
                "EXEC sp_rename {}, {}",
                literal(&q(from)),
                literal(to)
            )]
        }
        Operation::AddColumn { table, column } => {
            if column.identity {
                // Allowed by SQL Server, but rarely what a migration means:
                // it numbers the existing rows in no defined order.
                return Err(Problem::Unsupported(
                    "adding an identity column to an existing table numbers its rows in no defined order: \
                     create the table with it, or use execute_per_dialect"
                        .to_owned(),
                ));
            }
            let mut statements = vec![format!(
                "ALTER TABLE {} ADD {}",
                q(table),
                r.column_sql(table, column)?
            )];
            for constraint in column.implied_constraints() {
                statements.push(r.add_constraint_sql(table, &constraint)?);
            }
            statements
        }
        Operation::DropColumn {
            table,
            column,
            definition,
        } => {
            // SQL Server refuses to drop a column that a constraint still
            // names: the ones the definition declares go first.
            let mut statements = Vec::new();
            if let Some(definition) = definition {
                for constraint in definition.implied_constraints() {
                    statements.push(r.drop_constraint_sql(table, &constraint.name(table)));
                }
            }
            let has_default = definition.as_ref().map(|d| d.default.is_some());
            // Babelfish drops a column with its default.
            if has_default != Some(false) && r.flavour() == Flavour::Standard {
                statements.push(drop_default(r, table, column));
            }
            statements.push(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                q(table),
                q(column)
            ));
            statements
        }
        Operation::AlterColumn(alter) => alter_column(r, alter)?,
        Operation::RenameColumn { table, from, to } => vec![format!(
            "EXEC sp_rename {}, {}, N'COLUMN'",
            literal(&format!("{}.{}", q(table), q(from))),
            literal(to)
        )],
        // Online or not: DROP INDEX's ONLINE option is for clustered
        // indexes only, and `create_index` makes nonclustered ones, whose
        // drop is a metadata change.
        Operation::DropIndex { table, name, .. } => {
            vec![format!("DROP INDEX {} ON {}", q(name), q(table))]
        }
        // Babelfish has no WITH NOCHECK: it adds the constraint validated.
        Operation::AddConstraint { table, constraint } if constraint.not_validated() && r.flavour() == Flavour::Standard => {
            vec![format!("ALTER TABLE {} WITH NOCHECK ADD {}", q(table), r.constraint_sql(table, constraint)?)]
        }
        Operation::AddConstraint { table, constraint } => {
            vec![r.add_constraint_sql(table, constraint)?]
        }
        // Babelfish validated the constraint when it added it, and has no
        // `CHECK CONSTRAINT` form: nothing is left to do there.
        Operation::ValidateConstraint { .. } if r.flavour() == Flavour::Babelfish => Vec::new(),
        Operation::ValidateConstraint { table, name } => {
            vec![format!("ALTER TABLE {} WITH CHECK CHECK CONSTRAINT {}", q(table), q(name))]
        }
        Operation::DropConstraint { table, name, .. } => vec![r.drop_constraint_sql(table, name)],
        other => unreachable!(
            "{} is rendered by the shared shapes or by the caller",
            other.name()
        ),
    })
}

/// Drops the default constraint of `table.column`, if it has one, whatever
/// its name.
fn drop_default(r: &Renderer<'_>, table: &str, column: &str) -> String {
    if r.flavour() == Flavour::Babelfish {
        // Its defaults cannot be dropped by name: a NULL default replaces one.
        return format!("ALTER TABLE {} ADD DEFAULT NULL FOR {}", r.q(table), r.q(column));
    }
    let literal = |text: &str| Dialect::Mssql.quote_literal(text);
    format!(
        "DECLARE @drop_default nvarchar(max) = (\
         SELECT {} + QUOTENAME(d.name) FROM sys.default_constraints AS d \
         JOIN sys.columns AS c ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id \
         WHERE d.parent_object_id = OBJECT_ID({}) AND c.name = {});\n\
         IF @drop_default IS NOT NULL EXEC sp_executesql @drop_default",
        literal(&format!("ALTER TABLE {} DROP CONSTRAINT ", r.q(table))),
        literal(&r.q(table)),
        literal(column),
    )
}

fn add_default(
    r: &Renderer<'_>,
    table: &str,
    column: &str,
    default: &DefaultValue,
) -> Result<String, Problem> {
    Ok(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} DEFAULT {} FOR {}",
        r.q(table),
        r.q(&default_name(table, column)),
        r.default_sql(default)?,
        r.q(column)
    ))
}

/// `ALTER COLUMN` restates the type and the nullability (left out, the
/// column becomes nullable), so both must be known; a default is a
/// constraint of its own, dropped and added around it.
fn alter_column(r: &Renderer<'_>, alter: &AlterColumn) -> Result<Vec<String>, Problem> {
    let (table, column) = (&alter.table, &alter.column);
    let mut statements = Vec::new();
    let changes_column = alter.set_type.is_some() || alter.set_nullable.is_some();
    // A default constraint blocks a type change: take the known one off
    // and put it back after (Babelfish changes a type under its default).
    let kept_default = match (&alter.set_default, &alter.existing_default) {
        (None, Some(Some(default))) if alter.set_type.is_some() && r.flavour() == Flavour::Standard => Some(default.clone()),
        _ => None,
    };
    let new_default = alter
        .set_default
        .clone()
        .or_else(|| kept_default.clone().map(Some));
    // On Babelfish adding a default replaces the old one; only dropping one
    // needs a statement of its own.
    let replaces = r.flavour() == Flavour::Babelfish && matches!(new_default, Some(Some(_)));
    if new_default.is_some() && alter.existing_default != Some(None) && !replaces {
        statements.push(drop_default(r, table, column));
    }
    if changes_column {
        let ty = alter.new_type().ok_or_else(|| {
            Problem::Unsupported(
                "SQL Server's ALTER COLUMN restates the column's type: give existing_type"
                    .to_owned(),
            )
        })?;
        let nullability = match r.flavour() {
            Flavour::Standard => {
                let nullable = alter.new_nullable().ok_or_else(|| {
                    Problem::Unsupported(
                        "SQL Server's ALTER COLUMN makes the column nullable unless it says NOT NULL: give existing_nullable"
                            .to_owned(),
                    )
                })?;
                if nullable { " NULL" } else { " NOT NULL" }
            }
            // Babelfish keeps what it is not told, and refuses to be told.
            Flavour::Babelfish => match (alter.set_nullable, alter.existing_nullable) {
                (None, _) => "",
                (Some(new), Some(old)) if new == old => "",
                (Some(new), _) => {
                    return Err(Problem::Unsupported(format!(
                        "Babelfish cannot make a column {}: it does not support NULL or NOT NULL in ALTER TABLE … ALTER \
                         COLUMN. Recreate the column (add a new one, copy the values, drop the old one, rename), or \
                         run this revision on SQL Server",
                        if new { "nullable" } else { "NOT NULL" }
                    )))
                }
            },
        };
        statements.push(format!(
            "ALTER TABLE {} ALTER COLUMN {} {}{nullability}",
            r.q(table),
            r.q(column),
            r.type_sql(ty)?,
        ));
    }
    if let Some(Some(default)) = &new_default {
        statements.push(add_default(r, table, column, default)?);
    }
    if statements.is_empty() {
        return Err(Problem::Invalid(
            "it changes nothing: call set_type, set_nullable, set_default or drop_default"
                .to_owned(),
        ));
    }
    Ok(statements)
}
