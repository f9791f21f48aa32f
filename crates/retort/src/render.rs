//! Turns a revision into the units of SQL a backend runs, for one dialect.

use crate::backend::Unit;
use crate::error::MigrateError;
use crate::{Body, Dialect, Direction, Operation, Operations, Revision, Sql};

/// The SQL units of `revision` run in `direction` on `dialect`.
pub fn units(
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Unit>, MigrateError> {
    match (revision.body, direction) {
        (Body::Sql { up, .. }, Direction::Up) => Ok(script_units(up)),
        (
            Body::Sql {
                down: Some(down), ..
            },
            Direction::Down,
        ) => Ok(script_units(down)),
        (Body::Rust { upgrade, .. }, Direction::Up) => {
            operation_units(revision, &Operations::record(upgrade), dialect)
        }
        (
            Body::Rust {
                downgrade: Some(downgrade),
                ..
            },
            Direction::Down,
        ) => operation_units(revision, &Operations::record(downgrade), dialect),
        (
            Body::Sql { down: None, .. }
            | Body::Rust {
                downgrade: None, ..
            },
            Direction::Down,
        ) => Err(MigrateError::NoDowngrade {
            id: revision.id.to_owned(),
            file: revision.source,
        }),
    }
}

/// An SQL file runs as one unit: the server parses it, and its error
/// position maps back to a line of the file.
fn script_units(script: &'static str) -> Vec<Unit> {
    if script.trim().is_empty() {
        return Vec::new();
    }
    vec![Unit {
        sql: script.to_owned(),
        first_line: Some(1),
        label: "script".to_owned(),
    }]
}

fn operation_units(
    revision: &Revision,
    operations: &[Operation],
    dialect: Dialect,
) -> Result<Vec<Unit>, MigrateError> {
    operations
        .iter()
        .enumerate()
        .map(|(index, operation)| {
            let number = index + 1;
            match operation {
                Operation::Execute(Sql::Portable(sql)) => Ok(Unit {
                    sql: sql.clone(),
                    first_line: None,
                    label: format!("operation {number} (execute)"),
                }),
                Operation::Execute(Sql::PerDialect(texts)) => texts
                    .iter()
                    .find(|(d, _)| *d == dialect)
                    .map(|(_, sql)| Unit {
                        sql: sql.clone(),
                        first_line: None,
                        label: format!("operation {number} (execute)"),
                    })
                    .ok_or_else(|| MigrateError::NoSqlForDialect {
                        id: revision.id.to_owned(),
                        file: revision.source,
                        operation: number,
                        dialect,
                        dialect_variant: format!("{dialect:?}"),
                    }),
            }
        })
        .collect()
}
