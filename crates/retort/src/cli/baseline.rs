//! `baseline --from URL`: a legacy database as revision 1, and the
//! `--verify` of `migrate stamp`, which adopts a database only when its
//! schema is what the revisions build.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use retort_build::RevisionSpec;

use super::authoring::{fresh_id_among, message, relative, write_error, AuthoringError};
use super::output::{Printer, EXIT_DRIFT, EXIT_ERROR, EXIT_USAGE};
use super::Project;
use crate::baseline::{differences, plan, read_source, write_object_files, Baseline, BaselineOptions, Filter, ObjectFilesError, Outcome, Source};
use crate::schema::SchemaSnapshot;
use crate::backend::BackendError;
use crate::{connect_read_only, Session, DatabaseUrl, HistoryTable, MigrateError, Migrator, ScratchDatabase, StampCheck, Target, UrlError};

/// `baseline --from URL -m "baseline"`: write the schema of a database no
/// migration tool made as the project's first revision.
#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The database to read, read-only (`mssql://…`, `postgres://…`,
    /// `sqlite://…` or an ADO.NET string). Its password is never printed.
    #[arg(long)]
    pub from: String,
    /// The revision's message.
    #[arg(short, long, default_value = "baseline")]
    pub message: String,
    /// Only the objects in this schema (repeatable; the default schema is
    /// `dbo`, `public` or `main`).
    #[arg(long = "schema")]
    pub schemas: Vec<String>,
    /// Leave out objects whose name matches (repeatable; `*` and `?`):
    /// `--exclude 'audit_*'`.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Keep the history tables of other migration tools (alembic_version,
    /// flyway_schema_history, __EFMigrationsHistory, _sqlx_migrations,
    /// refinery_schema_history), left out by default.
    #[arg(long)]
    pub include_other_tools: bool,
    /// Keep the constraint names the server made up (PK__users__3213E83F…)
    /// instead of retort's deterministic ones.
    #[arg(long)]
    pub keep_names: bool,
    /// Write the baseline although migrations/ already has revisions (the
    /// graph then has a second base), and replace the files of objects/
    /// that hold another definition of a view, routine or trigger.
    #[arg(long)]
    pub force: bool,
    /// The history table to leave out, if the database has retort's.
    #[arg(long, default_value = "retort_history", value_parser = super::parse_name)]
    pub history_table: String,
    #[arg(long, value_parser = super::parse_name)]
    /// The schema of the history table to leave out (default: the
    /// database's default schema).
    pub history_schema: Option<String>,
}

/// Why a baseline was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    #[error(
        "{dir}/ already has {count} revision(s) ({ids}): a baseline is revision 1. Baseline into a project whose \
         migrations/ is empty, or pass --force to write it beside them (the graph then has two bases, and \
         `upgrade head` needs a merge)"
    )]
    /// `migrations/` already has revisions, and `--force` was not given.
    NotFirst {
        /// The migrations folder.
        dir: String,
        /// How many revisions it has.
        count: usize,
        /// Their ids.
        ids: String,
    },
    #[error(transparent)]
    /// Reading the source database failed.
    Backend(#[from] BackendError),
    #[error(transparent)]
    /// The source URL cannot be used.
    Url(#[from] UrlError),
    #[error(transparent)]
    /// The revision file could not be written.
    Authoring(#[from] AuthoringError),
    #[error("the baseline cannot be written as Rust: {0}")]
    /// The operations cannot be written as Rust source.
    Codegen(#[from] crate::codegen::CodegenError),
    #[error(transparent)]
    /// No order creates every view and routine after what it names.
    Plan(#[from] crate::baseline::PlanError),
    #[error(transparent)]
    /// A file of objects/ holds another definition, or could not be written.
    Objects(#[from] ObjectFilesError),
}

/// Writes the baseline revision and prints what it holds and left out.
pub fn baseline(project: &Project, args: BaselineArgs) -> ExitCode {
    super::init_tracing();
    let code = match super::block_on(write_baseline(project, &args)) {
        Ok(Ok(Written { path, objects, baseline, source, elapsed })) => {
            summarise(&path, &baseline, &source, &args, elapsed);
            summarise_objects(&objects, &baseline);
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            eprintln!("error: {error}");
            // A `--from` that cannot be read is a usage error, as for every command.
            ExitCode::from(if matches!(error, BaselineError::Url(_)) { EXIT_USAGE } else { EXIT_ERROR })
        }
        Err(code) => code,
    };
    super::output::finish(code)
}

/// What a baseline wrote, and what it read.
#[derive(Debug)]
struct Written {
    /// The revision's file, relative to the project.
    path: PathBuf,
    /// The files of objects/, relative to the project, and what became of each.
    objects: Vec<(PathBuf, Outcome)>,
    baseline: Baseline,
    source: Source,
    elapsed: std::time::Duration,
}

async fn write_baseline(project: &Project, args: &BaselineArgs) -> Result<Written, BaselineError> {
    let url = DatabaseUrl::parse(&args.from)?;
    let dir = project.root.join("migrations");
    let scanned = retort_build::scan(&project.root, std::path::Path::new("migrations"));
    let ids: Vec<String> = scanned.revisions.iter().map(|r| r.id.value.clone()).collect();
    if !ids.is_empty() && !args.force {
        return Err(BaselineError::NotFirst { dir: scanned.dir, count: ids.len(), ids: ids.join(", ") });
    }
    let started = Instant::now();
    let mut db = connect_read_only(&url).await?;
    let history = HistoryTable { schema: args.history_schema.clone(), name: args.history_table.clone() };
    let source = read_source(&mut db, &history).await?;
    drop(db);
    let options = BaselineOptions { keep_names: args.keep_names, filter: filter(&args.schemas, &args.exclude, args.include_other_tools) };
    let baseline = plan(&source, &options)?;
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let spec = RevisionSpec { id: fresh_id_among(&id_refs)?, message: message(&args.message)?, ..RevisionSpec::default() };
    let header = baseline.header(&source, args.keep_names);
    let text = crate::codegen::revision_source(&spec, &header, &baseline.upgrade, Some(&baseline.downgrade))?;
    // The modules first: a file of objects/ with another definition stops
    // the baseline before the revision is written.
    let objects = write_object_files(&project.root.join("objects"), &baseline.objects, args.force)?;
    let objects = objects.into_iter().map(|(path, outcome)| (relative(project, path), outcome)).collect();
    std::fs::create_dir_all(&dir).map_err(|e| write_error(&dir, e))?;
    let path = dir.join(format!("{}_{}.rs", spec.id, retort_build::slug(&spec.message)));
    // create_new: a baseline never overwrites a file.
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| write_error(&path, e))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| write_error(&path, e))?;
    Ok(Written { path: relative(project, path), objects, baseline, source, elapsed: started.elapsed() })
}

fn filter(schemas: &[String], exclude: &[String], include_other_tools: bool) -> Filter {
    Filter { schemas: schemas.to_vec(), exclude: exclude.to_vec(), include_other_tools }
}

fn summarise(path: &std::path::Path, baseline: &Baseline, source: &Source, args: &BaselineArgs, elapsed: std::time::Duration) {
    println!("wrote {}", path.display());
    let snapshot = &source.snapshot;
    println!(
        "from {}: {} tables, {} views, {} routines, {} triggers, {} sequences, {} types ({} operations, {} ms)",
        source.description,
        snapshot.tables.len(),
        snapshot.views.len() + snapshot.materialized_views.len(),
        snapshot.routines.len(),
        snapshot.triggers.len(),
        snapshot.sequences.len(),
        snapshot.types.len() + source.extras.types.len(),
        baseline.upgrade.len(),
        elapsed.as_millis()
    );
    if !baseline.renamed.is_empty() {
        let verb = if args.keep_names { "kept" } else { "replaced by retort's (see the file's header)" };
        println!("{} constraint names the server made up: {verb}", baseline.renamed.len());
    }
    for left in &baseline.left_out {
        println!("left out: {left}");
    }
    for missing in &baseline.not_reproduced {
        eprintln!("warning: not reproduced: {missing}");
    }
    if source.dialect == crate::Dialect::Mssql {
        eprintln!(
            "note: SQL Server shows a module's definition only to a login that may see it (VIEW DEFINITION; on \
             Babelfish, EXECUTE or SELECT on it): an object this login cannot see is not in the baseline"
        );
    }
    let id = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.split('_').next()).unwrap_or("<id>");
    let adopt = crate::hint::MIGRATE_STAMP_VERIFY_SOURCE.revision(id);
    let upgrade = crate::hint::MIGRATE_UPGRADE.to_string();
    let width = adopt.len().max(upgrade.len());
    println!("next: {adopt:width$}   # adopt it");
    println!("      {upgrade:width$}   # everywhere else");
}

/// One line on objects/: how many files, how many new, unchanged or
/// replaced; then the modules that have no file.
fn summarise_objects(objects: &[(PathBuf, Outcome)], baseline: &Baseline) {
    if !objects.is_empty() {
        let count = |wanted: Outcome| objects.iter().filter(|(_, outcome)| *outcome == wanted).count();
        let mut parts = vec![format!("{} new", count(Outcome::Written))];
        for (outcome, word) in [(Outcome::Unchanged, "unchanged"), (Outcome::Replaced, "replaced (--force)")] {
            if count(outcome) > 0 {
                parts.push(format!("{} {word}", count(outcome)));
            }
        }
        let folder = objects[0].0.parent().map_or_else(|| "objects".into(), |p| p.display().to_string());
        // Not "wrote …": that line names the revision, as for every command
        // that writes one.
        println!(
            "{folder}/: {} views, routines and triggers, one file each ({}); the revision creates each as its file has it",
            objects.len(),
            parts.join(", ")
        );
    }
    for missing in &baseline.objects_not_written {
        eprintln!("warning: no file in objects/: {missing}");
    }
}

/// `migrate stamp TARGET --verify`: replays the revisions on a scratch
/// database beside `url`'s, compares, and stamps only when they agree.
pub(super) async fn verified_stamp(
    migrator: &Migrator,
    url: &DatabaseUrl,
    db: &mut crate::AnyBackend,
    target: &str,
    exclude: &[String],
    out: &Printer,
) -> Result<ExitCode, MigrateError> {
    let (typed, target) = (target, Target::parse(target)?);
    let scratch = ScratchDatabase::beside(url).await.map_err(scratch_error)?;
    let checked = async {
        let mut replay = crate::connect(scratch.url()).await?;
        let (filter, dialect) = (filter(&[], exclude, false), db.dialect());
        let compare = |live: &SchemaSnapshot, built: &SchemaSnapshot| differences(live, built, dialect, &filter);
        migrator.stamp_verified(db, &mut replay, &target, compare).await
    }
    .await;
    let removed = scratch.remove().await.map_err(scratch_error);
    let code = match checked? {
        StampCheck::Stamped(steps) => {
            out.line(&format!("verified: {} holds the schema the revisions up to {typed} build", db.describe()));
            out.stamped(&steps)
        }
        StampCheck::Differs(differences) => {
            let lines: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
            out.failure(
                &format!(
                    "{} does not hold the schema the revisions up to {typed} build; nothing was stamped:\n{}",
                    db.describe(),
                    lines.join("\n")
                ),
                EXIT_DRIFT,
            )
        }
    };
    removed?;
    Ok(code)
}

fn scratch_error(error: crate::ScratchError) -> MigrateError {
    match error {
        crate::ScratchError::Backend(error) => error.into(),
        other => MigrateError::Backend(BackendError::Database { context: "stamp --verify", message: other.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(from: &str, force: bool) -> BaselineArgs {
        BaselineArgs {
            from: from.to_owned(),
            message: "baseline".into(),
            schemas: vec![],
            exclude: vec![],
            include_other_tools: false,
            keep_names: false,
            force,
            history_table: "retort_history".into(),
            history_schema: None,
        }
    }

    /// A project whose migrations/ holds one revision, and an SQLite
    /// database with one table.
    fn setup() -> (tempfile::TempDir, Project, String) {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("migrations");
        std::fs::create_dir(&migrations).unwrap();
        let spec = RevisionSpec { id: "aaaa00000001".into(), message: "first".into(), ..RevisionSpec::default() };
        std::fs::write(migrations.join("aaaa00000001_first.rs"), retort_build::rust_revision(&spec)).unwrap();
        let database = dir.path().join("legacy.db");
        rusqlite::Connection::open(&database).unwrap().execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)").unwrap();
        let url = format!("sqlite://{}", database.display());
        let project = Project::new(dir.path());
        (dir, project, url)
    }

    #[tokio::test]
    async fn baseline_refuses_a_folder_with_revisions_unless_forced() {
        let (_dir, project, url) = setup();
        let refused = write_baseline(&project, &args(&url, false)).await.unwrap_err();
        assert!(matches!(refused, BaselineError::NotFirst { count: 1, .. }), "{refused}");
        assert!(refused.to_string().contains("a baseline is revision 1") && refused.to_string().contains("--force"), "{refused}");
        let Written { path, baseline, objects, .. } = write_baseline(&project, &args(&url, true)).await.unwrap();
        assert!(path.to_string_lossy().ends_with("_baseline.rs"), "{}", path.display());
        assert_eq!(baseline.upgrade.len(), 1, "create_table t");
        assert!(objects.is_empty(), "no modules, no files: {objects:?}");
        let scanned = retort_build::scan(&project.root, std::path::Path::new("migrations"));
        assert_eq!(scanned.revisions.len(), 2, "{:?}", scanned.errors);
    }

    #[tokio::test]
    async fn baseline_writes_each_module_into_objects_and_refuses_a_different_file() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("legacy.db");
        rusqlite::Connection::open(&database)
            .unwrap()
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY);\n\
                 CREATE VIEW [Open Items] AS SELECT id FROM t;\n\
                 CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN SELECT 1; END;",
            )
            .unwrap();
        let url = format!("sqlite://{}", database.display());
        let project = Project::new(dir.path());
        let objects = dir.path().join("objects");
        // A file edited by hand stops the baseline before the revision is written.
        std::fs::create_dir(&objects).unwrap();
        std::fs::write(objects.join("Open Items.sqlite.sql"), "CREATE VIEW [Open Items] AS SELECT 2;\n").unwrap();
        let refused = write_baseline(&project, &args(&url, false)).await.unwrap_err();
        assert!(matches!(refused, BaselineError::Objects(ObjectFilesError::Differs { .. })), "{refused}");
        assert!(refused.to_string().contains("Open Items.sqlite.sql"), "{refused}");
        assert!(!dir.path().join("migrations").exists(), "no revision is written");
        std::fs::remove_file(objects.join("Open Items.sqlite.sql")).unwrap();
        let Written { objects: written, .. } = write_baseline(&project, &args(&url, false)).await.unwrap();
        let names: Vec<String> = written.iter().map(|(path, _)| path.display().to_string()).collect();
        assert_eq!(names, ["objects/Open Items.sqlite.sql", "objects/t_audit.sqlite.sql"]);
        assert_eq!(
            std::fs::read_to_string(objects.join("Open Items.sqlite.sql")).unwrap(),
            "CREATE VIEW [Open Items] AS SELECT id FROM t\n"
        );
        assert_eq!(
            std::fs::read_to_string(objects.join("t_audit.sqlite.sql")).unwrap(),
            "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN SELECT 1; END\n"
        );
    }
}
