//! Turns a revision into the units of SQL a backend runs, for one dialect.
//!
//! A Rust revision's operations are rendered by `op::render`, one unit per
//! statement. Its downgrade is the recorded `downgrade` function or, when
//! the revision has none and is not irreversible, the reverse of its
//! upgrade operations.

use crate::backend::Unit;
use crate::error::MigrateError;
use crate::op::render::Renderer;
use crate::op::{derive_downgrade, At, CatalogSource, OpError};
use crate::{Body, Dialect, Direction, Operation, Operations, Revision};

/// The SQL units of `revision` run in `direction` on `dialect`, without a
/// database to read: SQLite table rebuilds work only on tables the same
/// revision created (see [`units_with_catalog`]).
pub fn units(
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Unit>, MigrateError> {
    units_with_catalog(revision, direction, dialect, None)
}

/// The SQL units of `revision` run in `direction` on `dialect`. `catalog`
/// is the database the units will run on, as it is before they run: the
/// SQLite renderer reads the tables it must rebuild from it.
pub fn units_with_catalog(
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
    catalog: Option<&dyn CatalogSource>,
) -> Result<Vec<Unit>, MigrateError> {
    revision_units(&mut Renderer::new(dialect, catalog), revision, direction)
}

/// The SQL units of revisions that run one after another (a plan, or a run
/// of it), rendered before any of them runs. `catalog` is the database
/// before the first one: on SQLite, a rebuild in a later revision starts
/// from the tables as the earlier revisions of `steps` leave them, so a
/// whole plan can be rendered at once, online or (for tables the plan
/// creates) offline.
pub fn plan_units<'a>(
    steps: impl IntoIterator<Item = (&'a Revision, Direction)>,
    dialect: Dialect,
    catalog: Option<&dyn CatalogSource>,
) -> Result<Vec<Vec<Unit>>, MigrateError> {
    let mut renderer = Renderer::new(dialect, catalog);
    steps
        .into_iter()
        .map(|(revision, direction)| revision_units(&mut renderer, revision, direction))
        .collect()
}

fn revision_units(
    renderer: &mut Renderer<'_>,
    revision: &Revision,
    direction: Direction,
) -> Result<Vec<Unit>, MigrateError> {
    renderer.begin_revision();
    match (revision.body, direction) {
        (Body::Sql { up, .. }, Direction::Up) => Ok(script_units(renderer, revision, up)),
        (
            Body::Sql {
                down: Some(down), ..
            },
            Direction::Down,
        ) => Ok(script_units(renderer, revision, down)),
        (Body::Rust { upgrade, .. }, Direction::Up) => {
            operation_units(renderer, revision, &Operations::record(upgrade))
        }
        (
            Body::Rust {
                downgrade: Some(downgrade),
                ..
            },
            Direction::Down,
        ) => operation_units(renderer, revision, &Operations::record(downgrade)),
        (
            Body::Rust {
                upgrade,
                downgrade: None,
            },
            Direction::Down,
        ) if revision.irreversible.is_none() => {
            let derived = derive_downgrade(&Operations::record(upgrade)).map_err(
                |(number, operation, reason)| OpError::Irreversible {
                    id: revision.id.to_owned(),
                    file: revision.source,
                    number,
                    operation,
                    reason,
                },
            )?;
            operation_units(renderer, revision, &derived)
        }
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
fn script_units(
    renderer: &mut Renderer<'_>,
    revision: &Revision,
    script: &'static str,
) -> Vec<Unit> {
    if script.trim().is_empty() {
        return Vec::new();
    }
    renderer.note_raw_sql(format!("SQL revision {}", revision.id), script);
    vec![Unit {
        sql: script.to_owned(),
        first_line: Some(1),
        label: "script".to_owned(),
    }]
}

/// One unit per statement, labelled with the operation it comes from.
fn operation_units(
    renderer: &mut Renderer<'_>,
    revision: &Revision,
    operations: &[Operation],
) -> Result<Vec<Unit>, MigrateError> {
    let dialect = renderer.dialect();
    let mut units = Vec::new();
    for (index, operation) in operations.iter().enumerate() {
        let number = index + 1;
        let statements = match operation {
            Operation::Execute(sql) => {
                let text = sql
                    .text(dialect)
                    .ok_or_else(|| MigrateError::NoSqlForDialect {
                        id: revision.id.to_owned(),
                        file: revision.source,
                        operation: number,
                        dialect,
                        dialect_variant: format!("{dialect:?}"),
                    })?;
                renderer.note_raw_sql(
                    format!("operation {number} (raw SQL) of revision {}", revision.id),
                    text,
                );
                vec![text.to_owned()]
            }
            other => renderer.render(other).map_err(|problem| {
                problem.at(At {
                    id: revision.id,
                    file: revision.source,
                    number,
                    operation: other.name(),
                    dialect,
                })
            })?,
        };
        let count = statements.len();
        units.extend(statements.into_iter().enumerate().map(|(n, sql)| Unit {
            sql,
            first_line: None,
            label: if count == 1 {
                format!("operation {number} ({})", operation.name())
            } else {
                format!(
                    "operation {number} ({}), statement {}/{count}",
                    operation.name(),
                    n + 1
                )
            },
        }));
    }
    Ok(units)
}
