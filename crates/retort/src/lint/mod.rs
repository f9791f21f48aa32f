//! `migrate lint`'s engine side: which revisions to review, each one's SQL
//! for the dialect it will run on, and the catalog it will meet, handed to
//! the rules of `retort-lint` (re-exported here).
//!
//! An SQL revision is read as it will run: on SQL Server with the sqlcmd
//! values `migrate upgrade` would put in (a secret, or a name without a
//! value, stays `$(NAME)`, and the parser's fallback note on a statement
//! holding one is left out), its findings at the lines of the files the
//! script includes (`:r`). A Rust revision's operations are
//! rendered for the dialect by the same renderer the migrator uses
//! (`crate::render::Walk`), one source per operation, so a finding points at
//! the operation's line in the `.rs` file and `op.allow(…)` before it
//! acknowledges it. Every revision before the reviewed ones is read too, so
//! the catalog knows what they built; with a database, its own catalog
//! (`SchemaSnapshot`) stands for the revisions already applied.

mod catalog;
mod sources;

use std::collections::BTreeSet;
use std::path::Path;

pub use retort_lint::{
    exit_failed, render_github, render_human, render_json, rules, Allowance, Catalog, ColumnFacts, Config, ConfigError,
    Dialect as LintDialect, Edition, Finding, Level, Linter, RuleInfo, Severity, Source, Summary, TableFacts,
};

pub use catalog::catalog_of;

use crate::error::MigrateError;
use crate::render::Walk;
use crate::{Dialect, Direction, Flavour, Migrations, Operations, Revision, Variables};

/// Which revisions `migrate lint` reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every revision.
    All,
    /// The revisions after this one (exclusive), in graph order.
    Since(String),
    /// Exactly these revisions (full ids).
    Only(Vec<String>),
    /// The revisions not in this applied set: the pending ones.
    NotApplied(BTreeSet<String>),
}

/// What one lint run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What the rules found, in revision order.
    pub findings: Vec<Finding>,
    /// How many revisions were reviewed.
    pub revisions: usize,
}

/// The lint dialect of a database dialect.
pub fn lint_dialect(dialect: Dialect) -> LintDialect {
    match dialect {
        Dialect::Sqlite => LintDialect::Sqlite,
        Dialect::Postgres => LintDialect::Postgres,
        Dialect::Mssql => LintDialect::Mssql,
    }
}

/// Reviews the `selection` of `migrations` for `dialect`. `root` is the
/// project root (a Rust revision's file is read from there to find each
/// operation's line). With `database`, the catalog of a database at the
/// applied set of `selection` (`Selection::NotApplied`): the revisions it
/// holds are not read again. `variables` are the sqlcmd values `migrate
/// upgrade` would be given (`MigratorConfig::variables`): on SQL Server an
/// SQL revision is linted with them and the project's put in.
#[allow(clippy::too_many_arguments)]
pub fn lint(
    migrations: &'static Migrations,
    selection: &Selection,
    dialect: Dialect,
    flavour: Flavour,
    config: Config,
    database: Option<Catalog>,
    root: &Path,
    variables: &Variables,
) -> Result<Report, MigrateError> {
    let revisions = migrations.revisions();
    let selected = selected(revisions, selection)?;
    let seeded = database.is_some();
    let mut linter = Linter::new(lint_dialect(dialect), config);
    if let Some(catalog) = database {
        linter = linter.with_catalog(catalog);
    }
    let mut walk = Walk::new(dialect, flavour);
    let mut report = Report::default();
    for revision in revisions {
        let review = selected.contains(revision.id);
        let applied = matches!(selection, Selection::NotApplied(applied) if applied.contains(revision.id));
        if !review && applied && seeded {
            // Its work is in the database's catalog already; the renderer
            // still needs it for what comes after (SQLite's rebuilds).
            let operations = recorded(revision);
            walk.upgrade(revision, operations.operations())?;
            continue;
        }
        let owned = sources::of(&mut walk, revision, root, dialect, variables, migrations.variables())?;
        let sources: Vec<Source<'_>> = owned.iter().map(sources::Owned::source).collect();
        if review {
            for mut finding in linter.lint(revision.id, revision.source, revision.transactional, &sources) {
                // A `$(NAME)` without a value is no SQL the parser knows;
                // the statement runs with its value.
                if finding.rule == "retort-parser-fallback" && finding.statement.contains("$(") {
                    continue;
                }
                // A line of a script that includes files is the included
                // file's own.
                let (file, line) = crate::variables::written_at(revision, Direction::Up, finding.line);
                (finding.file, finding.line) = (file.to_owned(), line);
                report.findings.push(finding);
            }
            report.revisions += 1;
        } else {
            linter.replay(revision.id, &sources);
        }
    }
    // A key added WITH NOCHECK and validated by a later revision of the
    // same run is the safe two-step pattern, not an untrusted key.
    report.findings.retain(|finding| !linter.validated_later(finding));
    Ok(report)
}

/// Reviews the revisions not yet applied to `db`, on the catalog `db`
/// holds: what `migrate lint` without revisions does.
pub async fn lint_pending<B: crate::Backend>(
    migrations: &'static Migrations,
    db: &mut B,
    history: &crate::HistoryTable,
    config: Config,
    root: &Path,
    variables: &Variables,
) -> Result<Report, MigrateError> {
    let applied: BTreeSet<String> = crate::sequence::read_history(db, history)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(|row| row.id)
        .collect();
    let flavour = db.flavour().await?;
    let snapshot = db.introspect(history).await?;
    let dialect = db.dialect();
    lint(migrations, &Selection::NotApplied(applied), dialect, flavour, config, Some(catalog_of(&snapshot)), root, variables)
}

/// What a revision's upgrade records (nothing for an SQL revision).
fn recorded(revision: &Revision) -> Operations {
    let mut operations = Operations::default();
    if let crate::Body::Rust { upgrade, .. } = revision.body {
        upgrade(&mut operations);
    }
    operations
}

/// The ids `selection` names, checked against the revisions.
fn selected(revisions: &'static [Revision], selection: &Selection) -> Result<BTreeSet<&'static str>, MigrateError> {
    Ok(match selection {
        Selection::All => revisions.iter().map(|r| r.id).collect(),
        Selection::NotApplied(applied) => revisions.iter().map(|r| r.id).filter(|id| !applied.contains(*id)).collect(),
        Selection::Only(ids) => ids
            .iter()
            .map(|id| {
                revisions.iter().find(|r| r.id == id).map(|r| r.id).ok_or_else(|| {
                    MigrateError::Offline(format!("no revision `{id}`: `migrate history` lists them"))
                })
            })
            .collect::<Result<_, _>>()?,
        Selection::Since(id) => {
            let at = revisions.iter().position(|r| r.id == id).ok_or_else(|| {
                MigrateError::Offline(format!("--since {id}: no such revision (`migrate history` lists them)"))
            })?;
            revisions[at + 1..].iter().map(|r| r.id).collect()
        }
    })
}
