//! The command line, as a library: a project's xtask declares these clap
//! types among its own commands and calls [`migrate`], so every project's
//! xtask stays a few lines.
//!
//! Exit codes (documented in the README): 0 ok; 1 error; 2 usage error
//! (clap's own, a target or `FROM:TO` range that cannot be used, a database
//! URL that cannot be read, `--history-schema` on SQLite), said before any
//! database is opened; 3 drift (an applied revision changed); 4 pending
//! revisions (`check`); 5 unknown or unresolved revisions in the database; 6 `lint` found an
//! error-severity finding.

// Every line the commands print to stdout goes through `output::stdout`,
// which ends the output quietly when the reader has closed the pipe, where
// std's `print!`/`println!` panic. Shadowing the two names (for this module
// and the ones below, declared after) keeps that true for lines added later.
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::cli::output::stdout(format_args!($($arg)*))
    };
}

macro_rules! println {
    () => {
        $crate::cli::output::stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod authoring;
mod autogenerate;
mod baseline;
mod clone;
mod data;
mod graph;
mod lint;
mod output;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::history::HistoryTable;
use crate::{
    connect, Backend, DatabaseUrl, Direction, MigrateError, Migrations, Migrator,
    MigratorConfig, Resolution, Target,
};

pub use authoring::{merge, AuthoringError, MergeArgs, NewRevisionArgs};
pub use autogenerate::new_revision;
pub use baseline::{baseline, BaselineArgs, BaselineError};
pub use clone::{clone, CloneArgs};
pub use data::{db, seed, DataError, DbArgs, DbCommand, SeedArgs, SeedFn};
pub use lint::{LintArgs, MigrateFormat};
pub use crate::database_url::not_local_reason;
pub use output::Format;

/// Where the project lives: its `.env` and its default SQLite database are
/// found from here.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project's root folder (where `Cargo.toml`, `.env` and
    /// `migrations/` are).
    pub root: PathBuf,
    /// The schema the project declares, for `new-revision --autogenerate`.
    pub schema: Option<crate::declare::Schema>,
}

impl Project {
    /// The project rooted at `root`, with no declared schema.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), schema: None }
    }

    /// The project with the schema it declares (its `schema()`), which
    /// `new-revision --autogenerate` compares the revisions with.
    pub fn with_schema(mut self, schema: crate::declare::Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The embedded default database, used when no URL is configured.
    pub fn default_database(&self) -> PathBuf {
        self.root.join(".retort").join("dev.sqlite3")
    }

    /// `--database-url`, else `DATABASE_URL` from the environment, else from
    /// the project's `.env`, else the embedded SQLite file (saying so once).
    pub fn database_url(
        &self,
        flag: Option<&str>,
        quiet: bool,
    ) -> Result<DatabaseUrl, MigrateError> {
        if let Some(url) = flag
            .map(str::to_owned)
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .or_else(|| self.dotenv_url())
        {
            return Ok(DatabaseUrl::parse(&url)?);
        }
        let path = self.default_database();
        if !quiet {
            eprintln!(
                "retort: no DATABASE_URL set; using the embedded SQLite database {}",
                path.strip_prefix(&self.root).unwrap_or(&path).display()
            );
        }
        Ok(DatabaseUrl::sqlite_file(&path))
    }

    /// Opens `url` for a command that must not create a database: a
    /// missing SQLite file is an error, except the embedded default before
    /// the first `upgrade` makes it. Nobody typed that path, so it is what
    /// it stands for, an empty database: `current` answers `(base)`, and
    /// nothing is created (an in-memory database stands in for it).
    pub(crate) async fn open_existing(&self, url: &DatabaseUrl, quiet: bool) -> Result<crate::AnyBackend, MigrateError> {
        let default = self.default_database();
        if url.sqlite_path().as_deref() == Some(default.as_path()) && !default.exists() {
            if !quiet {
                eprintln!(
                    "retort: the embedded SQLite database does not exist yet (`{}` makes it); \
                     answering as for an empty database",
                    crate::hint::MIGRATE_UPGRADE
                );
            }
            let empty = DatabaseUrl::parse("sqlite::memory:")?;
            return Ok(connect(&empty).await?);
        }
        Ok(crate::connect_existing(url).await?)
    }

    /// `DATABASE_URL` from `<root>/.env` (`KEY=value` lines, optional
    /// `export`, optional quotes): ten lines, not worth a crate.
    fn dotenv_url(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.root.join(".env")).ok()?;
        text.lines().find_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let value = line
                .strip_prefix("DATABASE_URL")?
                .trim_start()
                .strip_prefix('=')?
                .trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            (!value.is_empty()).then(|| value.to_owned())
        })
    }
}

/// `migrate …`: apply, revert and inspect revisions.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    #[command(subcommand)]
    /// The `migrate` command to run.
    pub command: MigrateCommand,
    /// The database (`sqlite://path`, `postgres://…`); defaults to
    /// `DATABASE_URL` from the environment or `.env`, then to the embedded
    /// SQLite file. Passwords are never printed.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Output format (`github`: workflow annotations, for `lint`).
    #[arg(long, global = true, value_enum, default_value_t = MigrateFormat::Text)]
    pub format: MigrateFormat,
    /// Print only errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Seconds to wait for another migrator's lock.
    #[arg(long, global = true, default_value_t = 60)]
    pub lock_timeout: u64,
    /// How long a revision's statement waits for a lock another session
    /// holds on a table (`500ms`, `5s`, `2m`) before it gives up, unless
    /// the revision sets its own `lock-timeout`; also written into
    /// offline scripts.
    /// Default: the project's `lock-timeout` (its `[migrate]` settings), else 5s.
    #[arg(long, global = true, value_parser = parse_lock_timeout)]
    pub revision_lock_timeout: Option<Duration>,
    /// How many times a transactional revision that gave up waiting for a
    /// lock is rolled back and run again (pausing 1 s, then 2 s, 4 s…).
    /// Default: the project's `lock-retries`, else 3.
    #[arg(long, global = true)]
    pub lock_retries: Option<u32>,
    /// Schema of the history tables (default: the connection's default
    /// schema; SQLite has none).
    #[arg(long, global = true, value_parser = parse_name)]
    pub history_schema: Option<String>,
    /// Name of the history table (the event log is `<name>_log`).
    #[arg(long, global = true, default_value = "retort_history", value_parser = parse_name)]
    pub history_table: String,
    /// The server an offline script (`--sql`) or `show` is for, where servers
    /// of one dialect differ: `babelfish` for Babelfish for PostgreSQL
    /// (online runs ask the server).
    #[arg(long, global = true, value_parser = parse_flavour, default_value = "standard")]
    pub target_flavour: crate::Flavour,
    /// A value for sqlcmd's `$(NAME)` in SQL Server SQL revisions, as
    /// NAME=value (repeatable); over `RETORT_VAR_<NAME>`, the project's
    /// [variables] and the script's `:setvar`.
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub variables: Vec<(String, String)>,
    /// The project's variables profile (`[variables.<PROFILE>]` in
    /// retort.toml); default `RETORT_PROFILE`.
    #[arg(long, global = true)]
    pub profile: Option<String>,
}

/// The `migrate` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum MigrateCommand {
    /// Apply revisions up to TARGET (default `head`; `heads` applies every branch).
    Upgrade(RunArgs),
    /// Revert revisions down to TARGET (`-1`, `base`, an id…), which is
    /// required: a downgrade says how far it goes.
    #[command(mut_arg("target", |target| target.required(true)))]
    Downgrade(RunArgs),
    /// Record the database as being at TARGET without running anything (`stamp base` clears).
    Stamp {
        // `-1` is a target; `--bogus` stays an unknown flag.
        #[arg(allow_negative_numbers = true)]
        /// The revision to record (`head`, an id prefix, `base`, `-1`…).
        target: String,
        /// Stamp only if the database's schema is what the revisions up to
        /// TARGET build (replayed on a scratch database on the same server);
        /// otherwise list the differences and exit 3.
        #[arg(long)]
        verify: bool,
        /// With --verify: leave out objects whose name matches (`*`, `?`).
        #[arg(long, requires = "verify")]
        exclude: Vec<String>,
    },
    /// Show the revisions the database is at.
    Current,
    /// List the compiled revisions, marking the applied ones.
    History {
        /// Draw the revision graph (branches and merges), marking the current revisions.
        #[arg(long)]
        graph: bool,
    },
    /// Print one revision: its metadata and its SQL for the database's dialect.
    Show {
        /// The revision id or a unique prefix.
        revision: String,
    },
    /// Show the compiled heads.
    Heads,
    /// Exit non-zero when revisions are pending, drifted, unknown or unresolved (for CI).
    Check,
    /// Settle a non-transactional revision left running or failed.
    Resolve {
        /// The revision id (or a unique prefix of at least 4 characters).
        revision: String,
        /// Its changes are in place: record it as applied.
        #[arg(
            long,
            conflicts_with = "rolled_back",
            required_unless_present = "rolled_back"
        )]
        applied: bool,
        /// Its changes are not in place: forget it.
        #[arg(long)]
        rolled_back: bool,
    },
    /// Review revisions for what blocks or breaks a busy database (the
    /// pending ones by default); exit 6 on an error-severity finding.
    Lint(LintArgs),
    /// Record an applied revision's file as it is now, when only its comments
    /// or whitespace changed (its statements are token for token the ones
    /// applied); any other change is refused, naming the first statement
    /// that differs.
    Repair {
        /// The revision id (or a unique prefix of at least 4 characters).
        revision: String,
        /// Show what would be recorded, and record nothing.
        #[arg(long)]
        dry_run: bool,
        /// Record the file although the database holds no fingerprint of
        /// what was applied to check it against (a revision applied by an
        /// older retort): compare the file with the applied version first.
        #[arg(long)]
        accept_unverified: bool,
    },
}

/// Arguments of `upgrade` and `downgrade`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The target: head, heads, base, an id or prefix, +N, -N, ID+N, BRANCH@head…
    /// With --sql, also `FROM:TO` (the script assumes FROM is applied).
    // `-1` is a target; `--bogus` stays an unknown flag, as clap says.
    #[arg(allow_negative_numbers = true)]
    pub target: Option<String>,
    /// Print the SQL script instead of connecting (offline mode).
    #[arg(long)]
    pub sql: bool,
    /// With --sql on SQL Server: guard each revision with a look at the
    /// history table, so that the script can run on a database at any
    /// revision of the plan.
    #[arg(long, requires = "sql")]
    pub idempotent: bool,
    /// With --sql on SQL Server: leave sqlcmd's `$(NAME)` in the script,
    /// with `:setvar` lines for the values retort knows, for `sqlcmd`.
    #[arg(long, requires = "sql")]
    pub keep_variables: bool,
    /// With --sql: substitute secret sqlcmd variables too (by default the
    /// script keeps `$(NAME)` for them, for `sqlcmd -v`).
    #[arg(long, requires = "sql", conflicts_with = "keep_variables")]
    pub write_secrets: bool,
    /// Connect and show what would run, without running it.
    #[arg(long)]
    pub dry_run: bool,
    /// Proceed although the database has revisions this build does not know.
    #[arg(long)]
    pub ignore_unknown: bool,
}

/// `--var NAME=value`.
pub(crate) fn parse_variable(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if retort_sql::sqlcmd::is_name(name) => Ok((name.to_owned(), value.to_owned())),
        _ => Err("write NAME=value, NAME of letters, digits, `_` or `-`".to_owned()),
    }
}

/// A table or schema name given on the command line: not blank (an empty
/// `--history-table` would create tables named `""` and `"_log"`).
pub(crate) fn parse_name(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("a table or schema name cannot be empty".to_owned());
    }
    Ok(text.to_owned())
}

/// Refuses `--history-schema` for an SQLite database, which has no schemas
/// to put the history in, before anything is opened: a usage error for
/// every command alike (`current` and `history` would otherwise accept it
/// and read nothing).
fn history_schema_error(schema: Option<&str>, dialect: crate::Dialect) -> Option<String> {
    let schema = schema?;
    let reason = dialect.create_schema(schema).err()?;
    Some(format!("{reason}, so the history cannot go in `{schema}`: drop --history-schema for this database"))
}

fn parse_flavour(text: &str) -> Result<crate::Flavour, String> {
    crate::Flavour::parse(text).ok_or_else(|| format!("`{text}` is not a server flavour: use `standard` or `babelfish`"))
}

/// Runs one `migrate` command and returns the process exit code.
pub fn migrate(migrations: &'static Migrations, project: &Project, args: MigrateArgs) -> ExitCode {
    init_tracing();
    let out = output::Printer::new(args.format.printer(), args.quiet);
    let code = match block_on(run(migrations, project, &args, &out)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => out.error(&error),
        Err(code) => code,
    };
    output::finish(code)
}

/// Runs a command's future on a single-threaded runtime; a runtime that
/// cannot start is exit code 1.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, ExitCode> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            Err(ExitCode::from(1))
        }
    }
}

async fn run(
    migrations: &'static Migrations,
    project: &Project,
    args: &MigrateArgs,
    out: &output::Printer,
) -> Result<ExitCode, MigrateError> {
    let migrator = Migrator::with_config(migrations, migrator_config(args, migrations));
    if let Some(code) = without_database(&migrator, project, args, out)? {
        return Ok(code);
    }
    if let MigrateCommand::Lint(lint) = &args.command {
        let url = args.database_url.as_deref();
        return lint::run(migrations, &migrator, project, url, args.format, args.target_flavour, lint).await;
    }
    // The target is read before the database is opened, so that a mistyped
    // one is said at once (exit 2), not after a banner and a connection.
    let target = target_of(&args.command)?;
    let url = project.database_url(
        args.database_url.as_deref(),
        args.quiet || args.format != MigrateFormat::Text,
    )?;
    if let Some(message) = history_schema_error(args.history_schema.as_deref(), url.dialect()) {
        return Ok(out.failure(&message, output::EXIT_USAGE));
    }
    // Only the commands that build a database may create an SQLite file;
    // the others, pointed at a mistyped path, say that it does not exist.
    let mut db = if creates_database(&args.command) {
        connect(&url).await?
    } else {
        project.open_existing(&url, args.quiet || args.format != MigrateFormat::Text).await?
    };
    let code = match (&args.command, target) {
        (MigrateCommand::Upgrade(run) | MigrateCommand::Downgrade(run), Some(target)) => {
            let direction = direction_of(&args.command);
            if run.dry_run {
                dry_run(&migrator, &mut db, direction, &target, out).await?
            } else {
                apply(migrations, migrator, &mut db, direction, &target, out).await?
            }
        }
        (MigrateCommand::Stamp { target, verify: true, exclude }, Some(_)) => {
            baseline::verified_stamp(&migrator, &url, &mut db, target, exclude, out).await?
        }
        (MigrateCommand::Stamp { .. }, Some(target)) => out.stamped(&migrator.stamp(&mut db, &target).await?),
        (MigrateCommand::Current, _) => out.current(&migrator.status(&mut db).await?),
        (MigrateCommand::History { graph: false }, _) => {
            let status = migrator.status(&mut db).await?;
            out.history(migrator.graph(), &status, &migrator.recorded_variables(&mut db).await?)
        }
        (MigrateCommand::History { graph: true }, _) => {
            let status = migrator.status(&mut db).await?;
            let applied = |id: &str| status.applied.iter().any(|row| row.id == id);
            out.graph(&graph::draw(migrator.graph(), &status.current, &applied))
        }
        (MigrateCommand::Check, _) => out.check(&migrator.status(&mut db).await?),
        (MigrateCommand::Resolve { revision, applied, .. }, _) => {
            resolve(&migrator, &mut db, revision, *applied, out).await?
        }
        (MigrateCommand::Repair { revision, dry_run, accept_unverified }, _) => {
            let id = migrator.graph().find(revision).map_err(|e| MigrateError::Offline(e.to_string()))?.id;
            let options = crate::RepairOptions { dry_run: *dry_run, accept_unverified: *accept_unverified };
            out.repaired(&migrator.repair(&mut db, id, options).await?)
        }
        (MigrateCommand::Upgrade(_) | MigrateCommand::Downgrade(_) | MigrateCommand::Stamp { .. }, None) => {
            unreachable!("target_of reads a target for each of these")
        }
        (MigrateCommand::Heads | MigrateCommand::Show { .. } | MigrateCommand::Lint(_), _) => unreachable!("handled before connecting"),
    };
    Ok(code)
}

/// The migrator's settings from the command line's flags.
fn migrator_config(args: &MigrateArgs, migrations: &Migrations) -> MigratorConfig {
    let ignore_unknown = matches!(&args.command, MigrateCommand::Upgrade(r) | MigrateCommand::Downgrade(r) if r.ignore_unknown);
    MigratorConfig {
        history: HistoryTable {
            schema: args.history_schema.clone(),
            name: args.history_table.clone(),
        },
        lock_timeout: Duration::from_secs(args.lock_timeout),
        ignore_unknown,
        lock_wait: lock_wait(args, migrations),
        variables: variables(args),
    }
}

/// The sqlcmd variables the flags give.
fn variables(args: &MigrateArgs) -> crate::Variables {
    let given = args.variables.iter().fold(crate::Variables::new(), |variables, (name, value)| variables.with_value(name, value));
    match &args.profile {
        Some(profile) => given.with_profile(profile),
        None => given,
    }
}

/// How revisions wait for other sessions' locks: the flags over the
/// project's settings.
fn lock_wait(args: &MigrateArgs, migrations: &Migrations) -> crate::LockWait {
    let project = migrations.lock_wait();
    crate::LockWait {
        timeout: args.revision_lock_timeout.unwrap_or(project.timeout),
        retries: args.lock_retries.unwrap_or(project.retries),
        ..project
    }
}

/// `--revision-lock-timeout`: as a revision's `lock-timeout` is written.
fn parse_lock_timeout(text: &str) -> Result<Duration, String> {
    retort_build::parse_lock_timeout(text).map(Duration::from_millis)
}

/// The target of `upgrade`, `downgrade` (their defaults when none is
/// given) and `stamp`; `None` for the commands that take none.
fn target_of(command: &MigrateCommand) -> Result<Option<Target>, MigrateError> {
    let text = match command {
        MigrateCommand::Upgrade(run) => target_text(Direction::Up, run)?,
        MigrateCommand::Downgrade(run) => target_text(Direction::Down, run)?,
        MigrateCommand::Stamp { target, .. } => target,
        _ => return Ok(None),
    };
    Ok(Some(Target::parse(text)?))
}

/// Whether the command builds a database, and so may create an SQLite file
/// that does not exist yet: `upgrade` and `stamp`. A dry run, a downgrade,
/// `stamp --verify` (which compares an existing schema) and the commands
/// that only read need one that exists.
fn creates_database(command: &MigrateCommand) -> bool {
    match command {
        MigrateCommand::Upgrade(run) => !run.dry_run,
        MigrateCommand::Stamp { verify, .. } => !verify,
        _ => false,
    }
}

/// Runs the commands that need no database (`heads`, `show`, and `upgrade`
/// or `downgrade` with `--sql`); `None` for the others.
fn without_database(
    migrator: &Migrator,
    project: &Project,
    args: &MigrateArgs,
    out: &output::Printer,
) -> Result<Option<ExitCode>, MigrateError> {
    match &args.command {
        MigrateCommand::Heads => Ok(Some(out.heads(&migrator.graph().heads()))),
        MigrateCommand::Show { revision } => {
            let url = project.database_url(args.database_url.as_deref(), true)?;
            let revision = migrator.graph().find(revision).map_err(|e| MigrateError::Offline(e.to_string()))?;
            let (mut up, mut down) = crate::render_revision(migrator.graph(), revision, url.dialect(), args.target_flavour)?;
            // sqlcmd's values as far as they are known; secrets stay `$(NAME)`.
            let variables = variables(args);
            variables.shown(migrator.project_variables(), url.dialect(), revision, Direction::Up, &mut up);
            variables.shown(migrator.project_variables(), url.dialect(), revision, Direction::Down, &mut down);
            out.show(revision, url.dialect(), &up, &down).map(Some)
        }
        MigrateCommand::Upgrade(run) | MigrateCommand::Downgrade(run) if run.sql => {
            let direction = direction_of(&args.command);
            let url = project.database_url(args.database_url.as_deref(), true)?;
            if let Some(message) = history_schema_error(args.history_schema.as_deref(), url.dialect()) {
                return Ok(Some(out.failure(&message, output::EXIT_USAGE)));
            }
            offline(migrator, url.dialect(), args.target_flavour, direction, run, out).map(Some)
        }
        _ => Ok(None),
    }
}

/// `--dry-run`: the plan to `target`, rendered for the database it will
/// meet, printed instead of run.
async fn dry_run<B: Backend>(
    migrator: &Migrator,
    db: &mut B,
    direction: Direction,
    target: &Target,
    out: &output::Printer,
) -> Result<ExitCode, MigrateError> {
    let plan = migrator.plan(db, direction, target).await?;
    let flavour = db.flavour().await?;
    let mut rendered = crate::render_plan(&plan, db.dialect(), flavour, crate::Start::Database(db.catalog()))?;
    // Printed: secrets stay `$(NAME)`.
    migrator.config().variables.apply(migrator.project_variables(), &mut rendered, Some(crate::Keep::Secrets))?;
    out.dry_run(&rendered)
}

/// Upgrades or downgrades to `target`, reporting each revision as it is
/// done when the output format streams progress.
async fn apply<B: Backend>(
    migrations: &'static Migrations,
    migrator: Migrator,
    db: &mut B,
    direction: Direction,
    target: &Target,
    out: &output::Printer,
) -> Result<ExitCode, MigrateError> {
    out.starting(&db.describe());
    let progress = out.progress();
    let streamed = progress.is_some();
    let migrator = match progress {
        Some(progress) => Migrator::with_config(migrations, migrator.config().clone()).with_progress(progress),
        None => migrator,
    };
    let steps = match direction {
        Direction::Up => migrator.upgrade(db, target).await?,
        Direction::Down => migrator.downgrade(db, target).await?,
    };
    Ok(out.steps(direction, &steps, streamed))
}

/// `resolve`: records a revision left running or failed as applied or
/// rolled back.
async fn resolve<B: Backend>(
    migrator: &Migrator,
    db: &mut B,
    revision: &str,
    applied: bool,
    out: &output::Printer,
) -> Result<ExitCode, MigrateError> {
    let id = migrator
        .graph()
        .find(revision)
        .map_err(|e| MigrateError::Offline(e.to_string()))?
        .id;
    let resolution = if applied {
        Resolution::Applied
    } else {
        Resolution::RolledBack
    };
    migrator.resolve(db, id, resolution).await?;
    out.line(&format!(
        "resolved {id} as {}",
        if applied { "applied" } else { "rolled back" }
    ));
    Ok(ExitCode::SUCCESS)
}

/// The target as typed: `head` when an upgrade gives none. A downgrade
/// must give one (clap refuses the command line without it; a program
/// building `RunArgs` itself is refused here).
fn target_text(direction: Direction, run: &RunArgs) -> Result<&str, MigrateError> {
    match (direction, run.target.as_deref()) {
        (_, Some(text)) => Ok(text),
        (Direction::Up, None) => Ok("head"),
        (Direction::Down, None) => Err(MigrateError::Offline(
            "a downgrade needs a target: `-1` for one revision, `base` for all, or a revision id".to_owned(),
        )),
    }
}

fn direction_of(command: &MigrateCommand) -> Direction {
    match command {
        MigrateCommand::Downgrade(_) => Direction::Down,
        _ => Direction::Up,
    }
}

fn offline(
    migrator: &Migrator,
    dialect: crate::Dialect,
    flavour: crate::Flavour,
    direction: Direction,
    run: &RunArgs,
    out: &output::Printer,
) -> Result<ExitCode, MigrateError> {
    let text = target_text(direction, run)?;
    let (from, to) = match text.split_once(':') {
        Some((from, to)) => (Some(from), to),
        None => (None, text),
    };
    if direction == Direction::Down && from.is_none() {
        return Err(MigrateError::Offline(
            "an offline downgrade needs to know where the database is: give FROM:TO, e.g. `downgrade --sql head:base`"
                .to_owned(),
        ));
    }
    let applied = crate::assumed_applied(migrator.graph(), from)?;
    let target = Target::parse(to)?;
    let plan = match direction {
        Direction::Up => crate::Plan::upgrade(migrator.graph(), &applied, &target)?,
        Direction::Down => crate::Plan::downgrade(migrator.graph(), &applied, &target)?,
    };
    // Online, a target already reached is nothing to do; a script for an
    // explicit range that runs nothing is a range written backwards (or
    // empty), and would hold only the history tables' DDL.
    if let (Some(from), true) = (from, plan.is_empty()) {
        let backwards = direction == Direction::Up
            && crate::Plan::downgrade(migrator.graph(), &applied, &target).is_ok_and(|plan| !plan.is_empty());
        let message = if backwards {
            format!("`{from}:{to}` runs nothing: {to} is below {from}. For a downgrade script, write `downgrade --sql {from}:{to}`")
        } else {
            format!("`{from}:{to}` runs nothing: the database is already at {to} once {from} is applied")
        };
        return Ok(out.failure(&message, output::EXIT_USAGE));
    }
    // The script starts where FROM leaves an empty database: SQLite's
    // rebuilds read the tables from that schema, replayed in memory.
    let replay = crate::Start::replay_of(migrator.graph(), &applied);
    let mut rendered = crate::render_plan(&plan, dialect, flavour, crate::Start::Replay(&replay))?;
    let variables = &migrator.config().variables;
    // sqlcmd's variables: substituted (secrets kept as `$(NAME)`), or kept
    // for sqlcmd with the values retort knows as `:setvar` lines.
    let setvars = match run.keep_variables {
        true => crate::variables::setvar_lines(variables, migrator.project_variables(), &rendered),
        false => {
            let keep = if run.write_secrets { crate::Keep::Nothing } else { crate::Keep::Secrets };
            variables.apply(migrator.project_variables(), &mut rendered, Some(keep))?;
            String::new()
        }
    };
    let options = crate::ScriptOptions { idempotent: run.idempotent, lock_timeout: migrator.config().lock_wait.timeout };
    let script = crate::render_script_with(&rendered, &migrator.config().history, &options)?;
    out.script(&format!("{setvars}{script}"));
    Ok(ExitCode::SUCCESS)
}

/// `RUST_LOG` controls tracing; output goes to stderr, coloured only on a
/// terminal without `NO_COLOR` (escape codes in a CI log or a file are
/// noise). Passwords never reach it: URLs are only ever logged through
/// `DatabaseUrl`'s redacting Display.
fn init_tracing() {
    init_tracing_with(&[]);
}

/// What is logged when `RUST_LOG` is unset: retort's own warnings, and
/// nothing of the drivers'. They speak of what retort then says in its own
/// words: tiberius warns on every connection that it trusts the server's
/// certificate (retort says it once) and logs a server's error before
/// retort reports it with the fix.
const DEFAULT_LOG: &str = "retort=warn";

/// [`init_tracing`], with `directives` added to a `RUST_LOG` the user set
/// (`tiberius=warn`, say, to keep a driver quiet whatever it asks for).
fn init_tracing_with(directives: &[&str]) {
    use std::io::IsTerminal;
    let filter = match tracing_subscriber::EnvFilter::try_from_default_env() {
        Ok(filter) => directives
            .iter()
            .filter_map(|directive| directive.parse().ok())
            .fold(filter, tracing_subscriber::EnvFilter::add_directive),
        Err(_) => tracing_subscriber::EnvFilter::new(DEFAULT_LOG),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(output::colour(std::io::stderr().is_terminal()))
        .try_init();
}

/// The crate root of a project whose xtask lives in `<root>/xtask`.
pub fn project_root_from_xtask(xtask_manifest_dir: &str) -> Project {
    let dir = Path::new(xtask_manifest_dir);
    Project::new(dir.parent().unwrap_or(dir))
}
