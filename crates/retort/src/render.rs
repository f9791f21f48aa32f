//! Turns a plan into the SQL a backend runs, for one dialect: one rendered
//! plan that online runs, `--dry-run`, `show` and offline scripts all
//! consume, so that every mode gives the same answer.
//!
//! A Rust revision's operations are rendered by `op::render`, one unit per
//! statement. Its downgrade is the recorded `downgrade` function or, when
//! the revision has none and is not irreversible, the reverse of its
//! upgrade operations. SQLite's table rebuilds need each table as the plan
//! leaves it at that point: the renderer replays what it rendered on a
//! shadow of the schema the plan starts from ([`Start`]).

use std::collections::BTreeSet;

use crate::error::MigrateError;
use crate::history::{Action, HistoryWrite, Outcome};
use crate::op::render::Renderer;
use crate::op::{derive_downgrade, At, CatalogSource, OpError};
use crate::work::Unit;
use crate::{Body, Dialect, Direction, Flavour, Operation, Operations, Plan, Revision, RevisionGraph, Step};

/// The schema a plan starts from.
#[derive(Clone, Copy)]
pub enum Start<'a> {
    /// A live database, read through its catalog when a SQLite rebuild
    /// needs it (`None` where the dialect alters tables in place).
    Database(Option<&'a dyn CatalogSource>),
    /// An empty database with these revisions applied, in this order: what
    /// an offline script or `show` assumes.
    Replay(&'a [&'static Revision]),
}

impl<'a> Start<'a> {
    /// The revisions of `graph` in `applied`, replayed in the graph's order
    /// (parents before children).
    pub fn replay_of(graph: &RevisionGraph, applied: &BTreeSet<String>) -> Vec<&'static Revision> {
        graph.revisions().iter().filter(|revision| applied.contains(revision.id)).collect()
    }
}

/// One step of a plan with its SQL and the history writes that record it.
#[derive(Debug, Clone)]
pub struct RenderedStep {
    /// The planned step: which revision, in which direction.
    pub step: Step,
    /// Its SQL, in order.
    pub units: Vec<Unit>,
    /// The history writes that record it.
    pub writes: Vec<HistoryWrite>,
}

impl RenderedStep {
    /// The step's revision.
    pub fn revision(&self) -> &'static Revision {
        self.step.revision
    }

    /// Whether the step applies or reverts its revision.
    pub fn direction(&self) -> Direction {
        self.step.direction
    }
}

/// A plan rendered for one dialect, against the schema it will meet.
#[derive(Debug, Clone)]
pub struct RenderedPlan {
    /// The dialect the SQL is written in.
    pub dialect: Dialect,
    /// The server it was rendered for (SQL Server or Babelfish).
    pub flavour: Flavour,
    /// Whether the plan goes up or down.
    pub direction: Direction,
    /// Every step, in the order they run.
    pub steps: Vec<RenderedStep>,
}

/// Renders every step of `plan` for `dialect`, before any of them runs: a
/// SQLite rebuild in a later step starts from the tables as the earlier
/// steps (raw SQL included) leave them.
pub fn render_plan(plan: &Plan, dialect: Dialect, flavour: Flavour, start: Start<'_>) -> Result<RenderedPlan, MigrateError> {
    let mut renderer = starting(dialect, flavour, start)?;
    let steps = plan
        .steps()
        .iter()
        .map(|step| {
            Ok(RenderedStep {
                step: *step,
                units: revision_units(&mut renderer, step.revision, step.direction)?,
                writes: step_writes(step.revision, step.direction, dialect, flavour).to_vec(),
            })
        })
        .collect::<Result<_, MigrateError>>()?;
    Ok(RenderedPlan { dialect, flavour, direction: plan.direction(), steps })
}

/// A revision's upgrade and downgrade (empty when irreversible) for
/// `dialect`, as they run after the revision's ancestors: what `migrate
/// show` prints.
pub fn render_revision(
    graph: &RevisionGraph,
    revision: &'static Revision,
    dialect: Dialect,
    flavour: Flavour,
) -> Result<(Vec<Unit>, Vec<Unit>), MigrateError> {
    let ancestors: BTreeSet<String> = graph.ancestors(revision.id).iter().map(|r| r.id.to_owned()).collect();
    let replay = Start::replay_of(graph, &ancestors);
    let mut renderer = starting(dialect, flavour, Start::Replay(&replay))?;
    let up = revision_units(&mut renderer, revision, Direction::Up)?;
    let down = match revision.irreversible {
        Some(_) => Vec::new(),
        None => revision_units(&mut renderer, revision, Direction::Down)?,
    };
    Ok((up, down))
}

/// Renders `revisions`, in order from an empty database, for `dialect`
/// and `flavour`, without running anything: an operation with no form
/// there (a native type without its spelling, raw SQL without its text)
/// fails here, naming its revision and operation.
#[cfg(any(feature = "cli", feature = "testing"))]
pub(crate) fn renders_for(revisions: &[&'static Revision], dialect: Dialect, flavour: Flavour) -> Result<(), MigrateError> {
    starting(dialect, flavour, Start::Replay(revisions)).map(drop)
}

/// A renderer positioned where `start` says the plan begins.
fn starting<'a>(dialect: Dialect, flavour: Flavour, start: Start<'a>) -> Result<Renderer<'a>, MigrateError> {
    match start {
        Start::Database(catalog) => Ok(Renderer::new(dialect, flavour, catalog)),
        Start::Replay(revisions) => {
            let mut renderer = Renderer::new(dialect, flavour, None);
            for revision in revisions {
                revision_units(&mut renderer, revision, Direction::Up)?;
            }
            Ok(renderer)
        }
    }
}

/// Stands in for a revision in the messages about operations that are not
/// a revision's: the declared schema that autogenerate builds.
static DECLARED: Revision = Revision {
    id: "declared-schema",
    parents: &[],
    depends_on: &[],
    branch_labels: &[],
    message: "the declared schema",
    checksum: crate::Checksum([0; 32]),
    transactional: true,
    irreversible: None,
    lock_timeout: None,
    source: "the declared schema",
    body: Body::Sql { up: "", down: None, sources: crate::ScriptSources::NONE },
};

/// The SQL units of operations that no revision holds (a declared schema
/// built on a scratch database), for `dialect` and `flavour`; `catalog` is
/// the database they will run on.
pub(crate) fn operation_units(
    operations: &[Operation],
    dialect: Dialect,
    flavour: Flavour,
    catalog: Option<&dyn CatalogSource>,
) -> Result<Vec<Unit>, MigrateError> {
    let mut renderer = Renderer::new(dialect, flavour, catalog);
    renderer.begin_revision(DECLARED.transactional);
    operations_of(&mut renderer, &DECLARED, operations)
}

/// The SQL units of `revision` run in `direction` on `dialect`'s own server
/// (not Babelfish; see [`render_plan`] for flavours), without a database to read: SQLite table rebuilds work only on tables the same
/// revision created (see [`units_with_catalog`]).
pub fn units(
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Unit>, MigrateError> {
    units_with_catalog(revision, direction, dialect, None)
}

/// The SQL units of `revision` run in `direction` on `dialect` on a
/// database that `replay` (applied in order to an empty one) built.
pub fn units_after(
    replay: &[&'static Revision],
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Unit>, MigrateError> {
    revision_units(&mut starting(dialect, Flavour::Standard, Start::Replay(replay))?, revision, direction)
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
    revision_units(&mut Renderer::new(dialect, Flavour::Standard, catalog), revision, direction)
}

fn revision_units(
    renderer: &mut Renderer<'_>,
    revision: &Revision,
    direction: Direction,
) -> Result<Vec<Unit>, MigrateError> {
    renderer.begin_revision(revision.transactional);
    match (revision.body, direction) {
        (Body::Sql { up, .. }, Direction::Up) => Ok(script_units(renderer, revision, up)),
        (
            Body::Sql {
                down: Some(down), ..
            },
            Direction::Down,
        ) => Ok(script_units(renderer, revision, down)),
        (Body::Rust { upgrade, .. }, Direction::Up) => {
            operations_of(renderer, revision, &Operations::record(upgrade))
        }
        (
            Body::Rust {
                downgrade: Some(downgrade),
                ..
            },
            Direction::Down,
        ) => operations_of(renderer, revision, &Operations::record(downgrade)),
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
            operations_of(renderer, revision, &derived)
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
    // A byte-order mark is an encoding artefact, not SQL: servers reject it
    // (PostgreSQL: `syntax error at or near "\u{feff}"`). The checksum drops
    // it too.
    let script = script.strip_prefix('\u{feff}').unwrap_or(script);
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
fn operations_of(
    renderer: &mut Renderer<'_>,
    revision: &Revision,
    operations: &[Operation],
) -> Result<Vec<Unit>, MigrateError> {
    Ok(numbered_units(renderer, revision, operations)?.into_iter().map(|(_, unit)| unit).collect())
}

/// Every revision's upgrade rendered in graph order, each on the schema
/// the ones before it built (SQLite's rebuilds read their tables from it),
/// with the 1-based number of the operation each unit comes from (0 for an
/// SQL revision's script): `migrate lint` points its findings at the
/// operation.
#[cfg(feature = "cli")]
pub(crate) struct Walk<'a>(Renderer<'a>);

#[cfg(feature = "cli")]
impl Walk<'_> {
    pub(crate) fn new(dialect: Dialect, flavour: Flavour) -> Self {
        Walk(Renderer::new(dialect, flavour, None))
    }

    /// `revision`'s upgrade; `operations` are what its `upgrade` recorded
    /// (ignored for an SQL revision).
    pub(crate) fn upgrade(&mut self, revision: &Revision, operations: &[Operation]) -> Result<Vec<(usize, Unit)>, MigrateError> {
        self.0.begin_revision(revision.transactional);
        match revision.body {
            Body::Sql { up, .. } => Ok(script_units(&mut self.0, revision, up).into_iter().map(|unit| (0, unit)).collect()),
            Body::Rust { .. } => numbered_units(&mut self.0, revision, operations),
        }
    }
}

fn numbered_units(
    renderer: &mut Renderer<'_>,
    revision: &Revision,
    operations: &[Operation],
) -> Result<Vec<(usize, Unit)>, MigrateError> {
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
                // `execute(include_str!("…"))` can carry a file's BOM.
                let text = text.strip_prefix('\u{feff}').unwrap_or(text);
                renderer.note_raw_sql(
                    format!("operation {number} (raw SQL) of revision {}", revision.id),
                    text,
                );
                vec![text.to_owned()]
            }
            other => renderer
                .render(other, &format!("operation {number} ({}) of revision {}", other.name(), revision.id))
                .map_err(|problem| {
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
        units.extend(statements.into_iter().enumerate().map(|(n, sql)| (number, Unit {
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
        })));
    }
    Ok(units)
}

/// The history writes that record a revision run in `direction` on
/// `dialect` and `flavour` as done: its state row (put with its
/// fingerprint, or removed) and its event-log entry. Online runs commit
/// them with the revision; offline scripts inline them.
pub(crate) fn step_writes(
    revision: &crate::Revision,
    direction: crate::Direction,
    dialect: Dialect,
    flavour: crate::Flavour,
) -> [HistoryWrite; 2] {
    let (action, done) = match direction {
        crate::Direction::Up => {
            (Action::Upgrade, HistoryWrite::applied(revision, crate::Fingerprint::of(revision, dialect, flavour).to_text()))
        }
        crate::Direction::Down => (Action::Downgrade, HistoryWrite::Remove { id: revision.id.to_owned() }),
    };
    [done, HistoryWrite::log(revision.id, action, Outcome::Ok, None)]
}
