//! `migrate lint`: reviews revisions for what blocks a busy database, with
//! the rules of `crate::lint`, and prints the findings for people, for
//! machines (`--format json`) or as GitHub Actions annotations
//! (`--format github`). Exits 6 when a finding is an error.

use std::process::ExitCode;

use crate::lint::{self, Selection};
use crate::{DatabaseUrl, MigrateError, Migrations, Migrator};

use super::Project;

/// Exit code of a lint run with an error-severity finding.
pub(crate) const EXIT_LINT: u8 = 6;

/// How `migrate` prints: `text` and `json` for every command, `github`
/// (workflow annotations) for `lint`, where the others print text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MigrateFormat {
    /// Lines for a person.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations (`::warning file=…`).
    Github,
}

impl MigrateFormat {
    /// The format of every command but `lint`.
    pub(crate) fn printer(self) -> super::Format {
        match self {
            MigrateFormat::Json => super::Format::Json,
            MigrateFormat::Text | MigrateFormat::Github => super::Format::Text,
        }
    }
}

/// Arguments of `migrate lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Revisions to review (ids or unique prefixes). Without any: the ones
    /// not yet applied to the database.
    pub revisions: Vec<String>,
    /// Review every revision.
    #[arg(long, conflicts_with_all = ["revisions", "since"])]
    pub all: bool,
    /// Review the revisions after REV.
    #[arg(long, value_name = "REV", conflicts_with = "revisions")]
    pub since: Option<String>,
    /// The dialect to review for, without connecting: sqlite, postgres or
    /// mssql (default: the database URL's).
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Option<crate::Dialect>,
}

fn parse_dialect(text: &str) -> Result<crate::Dialect, String> {
    match lint::LintDialect::parse(text) {
        Some(lint::LintDialect::Sqlite) => Ok(crate::Dialect::Sqlite),
        Some(lint::LintDialect::Postgres) => Ok(crate::Dialect::Postgres),
        Some(lint::LintDialect::Mssql) => Ok(crate::Dialect::Mssql),
        None => Err(format!("`{text}` is not a dialect: use sqlite, postgres or mssql")),
    }
}

/// Runs `migrate lint`.
pub(crate) async fn run(
    migrations: &'static Migrations,
    migrator: &Migrator,
    project: &Project,
    url: Option<&str>,
    format: MigrateFormat,
    flavour: crate::Flavour,
    args: &LintArgs,
) -> Result<ExitCode, MigrateError> {
    let config = lint::Config::load(&project.root).map_err(|error| MigrateError::Offline(error.to_string()))?;
    let graph = migrator.graph();
    let offline = args.all || args.since.is_some() || !args.revisions.is_empty();
    let find = |prefix: &str| graph.find(prefix).map(|r| r.id.to_owned()).map_err(|e| MigrateError::Offline(e.to_string()));
    let report = if offline {
        let dialect = match args.dialect {
            Some(dialect) => dialect,
            None => project.database_url(url, true)?.dialect(),
        };
        let selection = if args.all {
            Selection::All
        } else if let Some(since) = &args.since {
            Selection::Since(find(since)?)
        } else {
            Selection::Only(args.revisions.iter().map(|id| find(id)).collect::<Result<_, _>>()?)
        };
        lint::lint(migrations, &selection, dialect, flavour, config, None, &project.root, &migrator.config().variables)?
    } else {
        let url: DatabaseUrl = project.database_url(url, format != MigrateFormat::Text)?;
        if args.dialect.is_some_and(|dialect| dialect != url.dialect()) {
            return Err(MigrateError::Offline(
                "--dialect differs from the database's: give revisions, --since or --all to lint without connecting".to_owned(),
            ));
        }
        let mut db = project.open_existing(&url, format != MigrateFormat::Text).await?;
        lint::lint_pending(migrations, &mut db, &migrator.config().history, config, &project.root, &migrator.config().variables)
            .await?
    };
    let text = match format {
        MigrateFormat::Text => lint::render_human(&report.findings, report.revisions),
        MigrateFormat::Json => format!("{}\n", lint::render_json(&report.findings)),
        MigrateFormat::Github => lint::render_github(&report.findings),
    };
    print!("{text}");
    Ok(if lint::exit_failed(&report.findings) { ExitCode::from(EXIT_LINT) } else { ExitCode::SUCCESS })
}
