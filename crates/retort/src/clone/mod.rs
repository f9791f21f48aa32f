//! `db clone`: a local copy of a database, with its personal data masked
//! while it is read and, on request, only a foreign-key-consistent subset.
//!
//! The order of work, so that nothing is destroyed before everything that
//! can be checked has been:
//!
//! 1. the source is opened read-only ([`connect_read_only`](crate::connect_read_only))
//!    and its history read: no history table, or drifted, unknown or
//!    unresolved revisions, are refused;
//! 2. its schema is introspected and every column checked against the
//!    masking file (see [`classify`](coverage)): an unclassified column, or a
//!    personal-looking one kept without a reason, stops the clone here, and
//!    so does a rule that cannot work (see `plan`);
//! 3. every revision the destination will run is rendered for its dialect,
//!    so that a column type or a statement with no form there stops the
//!    clone before the destination is touched; then the destination, which
//!    must look local, is recreated and upgraded to exactly the revisions
//!    the source is at;
//! 4. in one read snapshot of the source, the values of the columns masked
//!    with a strategy that makes up text are read (no made-up value may
//!    equal one of them, see `masker.rs`), the subset is chosen and every
//!    table copied parents first, masked in memory between the read and the
//!    write, one destination transaction per table.
//!
//! No real value of a masked column is written, logged or put in an error:
//! errors name tables and columns, and servers' messages are scrubbed of
//! the row values they quote.

mod classify;
#[cfg(feature = "cli")]
mod copy;
mod coverage;
mod declared;
mod error;
mod key;
mod kind;
mod mask_file;
pub(crate) mod masker;
mod plan;
#[cfg(feature = "cli")]
mod query;
mod strategy;
#[cfg(feature = "cli")]
mod subset;
mod words;

use std::path::Path;
use std::time::Duration;

pub use classify::{coverage, looks_personal};
pub use coverage::{Coverage, Unclassified};
pub use error::CloneError;
pub use key::{MaskKey, MASK_KEY_ENV, MIN_KEY_BYTES};
pub use kind::Kind;
pub use mask_file::{MaskFile, SubsetConfig, DEFAULT_CHILDREN, MASK_FILE_NAME};
pub use strategy::{Rule, Strategy};

use crate::history::HistoryTable;
use crate::schema::SchemaSnapshot;
use crate::{Backend, DatabaseUrl, Dialect, Migrations, Migrator, Session, Target};

/// How many rows one read of the source and one write of the destination
/// carry. Each read and each write costs a request (a bulk load into SQL
/// Server a few): 100,000 rows into and out of Babelfish copied 1.7× and
/// 1.4× faster in pages of 10,000 than of 1,000. Lower it (`--batch-size`)
/// for tables of large values: a page is held in memory.
pub const DEFAULT_BATCH_ROWS: usize = 10_000;

/// What to clone, from where, into where, and how.
#[derive(Debug, Clone)]
pub struct CloneOptions {
    /// The project's compiled revisions, which build the destination.
    pub migrations: &'static Migrations,
    /// The database copied from; only ever read.
    pub source: DatabaseUrl,
    /// The database replaced by the copy.
    pub destination: DatabaseUrl,
    /// How each column is masked (the masking file, read).
    pub mask: MaskFile,
    /// The secret the keyed masking derives its values from.
    pub key: MaskKey,
    /// The subset to copy; `None` copies every row. (The masking file's
    /// `[subset]` is the CLI's default.)
    pub subset: Option<SubsetConfig>,
    /// Rows per read and per write.
    pub batch_rows: usize,
    /// Where both databases keep their history.
    pub history: HistoryTable,
    /// Clone into a database that does not look local.
    pub allow_remote: bool,
    /// Write rows by the destination's bulk load where it has one (SQL
    /// Server); `false` writes every row as INSERT statements (what the
    /// bulk load falls back to), e.g. to compare the two.
    pub bulk_load: bool,
}

/// How far the copy is, after each batch.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CloneProgress {
    /// The table being copied.
    pub table: String,
    /// Its position (0-based) and how many tables there are.
    pub table_index: usize,
    /// How many tables there are to copy.
    pub tables: usize,
    /// Rows copied so far in all tables, and how many there are to copy.
    pub rows_done: u64,
    /// How many rows there are to copy in all.
    pub rows_total: u64,
}

/// One table copied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableReport {
    /// The table's name.
    pub table: String,
    /// How many rows were copied.
    pub rows: u64,
    /// Masked columns and their strategies.
    pub masked: Vec<(String, String)>,
    /// Whether every row was copied (no subset, or a table the subset does
    /// not reach).
    pub whole: bool,
    /// Whether the destination bulk-loaded its rows (SQL Server), rather
    /// than taking them as INSERT statements.
    pub bulk_loaded: bool,
    #[serde(serialize_with = "millis")]
    /// How long the table took.
    pub elapsed: Duration,
}

/// What a clone did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CloneReport {
    /// The source database, without its password.
    pub source: String,
    /// The destination database, without its password.
    pub destination: String,
    /// The revisions both databases are at.
    pub revisions: Vec<String>,
    /// Each table copied, in the order they were copied.
    pub tables: Vec<TableReport>,
    /// Source tables the revisions do not create (not copied).
    pub skipped: Vec<String>,
    #[serde(serialize_with = "millis")]
    /// How long the whole clone took.
    pub elapsed: Duration,
}

impl CloneReport {
    /// How many rows were copied in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// Clones `options.source` into `options.destination`; see the module
/// documentation for the order of work. `progress` is called after every
/// batch written.
#[cfg(feature = "cli")]
pub async fn clone_database(
    options: &CloneOptions,
    progress: &mut dyn FnMut(&CloneProgress),
) -> Result<CloneReport, CloneError> {
    let started = std::time::Instant::now();
    let destination = &options.destination;
    if let (false, Some(reason)) = (options.allow_remote, crate::database_url::not_local_reason(destination)) {
        return Err(CloneError::NotLocal { database: destination.to_string(), reason });
    }
    if same_database(&options.source, destination) {
        return Err(CloneError::SameDatabase { database: destination.to_string() });
    }
    let mut source = crate::connect_read_only(&options.source).await.map_err(CloneError::read)?;
    let source_name = source.describe();
    let refuse = |reason: String| CloneError::Source { database: source_name.clone(), reason };
    let migrator = Migrator::with_config(
        options.migrations,
        crate::MigratorConfig { history: options.history.clone(), ..crate::MigratorConfig::default() },
    );
    if crate::sequence::read_history(&mut source, &options.history).await.map_err(CloneError::read)?.is_none() {
        return Err(refuse(format!(
            "it has no history table ({}), so which revisions its schema is at is unknown; record them with \
             `{}` on it first",
            options.history.display_name(),
            crate::hint::MIGRATE_STAMP
        )));
    }
    let status = migrator.status(&mut source).await?;
    let mut wrong = Vec::new();
    if !status.drifted.is_empty() {
        let ids: Vec<&str> = status.drifted.iter().map(|d| d.id.as_str()).collect();
        wrong.push(format!("revisions changed since it applied them (drift): {}", ids.join(", ")));
    }
    if !status.unknown.is_empty() {
        wrong.push(format!("it has revisions this build does not know: {}", status.unknown.join(", ")));
    }
    if !status.unresolved.is_empty() {
        wrong.push(format!("revisions are left running or failed: {}", status.unresolved.join(", ")));
    }
    if status.applied.is_empty() {
        wrong.push("its history records no revision".to_owned());
    }
    if !wrong.is_empty() {
        return Err(refuse(format!(
            "{}; the destination could not be built to the same schema (see `{}`)",
            wrong.join("; "),
            crate::hint::MIGRATE_CHECK
        )));
    }
    let source_schema = source.introspect(&options.history).await.map_err(CloneError::read)?;
    let source_dialect = source.dialect();
    let coverage = coverage(&options.mask, &source_schema, source_dialect);
    if !coverage.is_complete() {
        return Err(CloneError::Unclassified { file: options.mask.display_path(), coverage });
    }
    // The rules are checked against the source's schema before anything
    // is destroyed; the destination is planned for real once built.
    plan::plan(&options.mask, &source_schema, source_dialect, &source_schema, source_dialect)?;
    // So is every statement that builds the destination.
    let applied: std::collections::BTreeSet<String> = status.applied.iter().map(|row| row.id.clone()).collect();
    let replay = crate::Start::replay_of(migrator.graph(), &applied);
    let flavour = destination_flavour(destination).await;
    crate::render::renders_for(&replay, destination.dialect(), flavour)
        .map_err(|error| CloneError::Unbuildable { database: destination.to_string(), reason: error.to_string() })?;

    crate::recreate_database(destination).await.map_err(|e| CloneError::Migrate(e.into()))?;
    let mut dest = crate::connect(destination).await.map_err(|e| CloneError::Migrate(e.into()))?;
    for id in &status.current {
        migrator.upgrade(&mut dest, &Target::Revision { prefix: (*id).to_owned() }).await?;
    }
    let built = migrator.status(&mut dest).await?;
    let ids = |status: &crate::DatabaseStatus| status.applied.iter().map(|row| row.id.clone()).collect::<std::collections::BTreeSet<_>>();
    if ids(&built) != ids(&status) {
        return Err(refuse(
            "its recorded revisions are not what upgrading to its current revisions applies (was it stamped by \
             hand?), so the destination cannot have its schema"
                .to_owned(),
        ));
    }
    let dest_schema = dest.introspect(&options.history).await.map_err(|e| CloneError::Migrate(e.into()))?;
    let plan = plan::plan(&options.mask, &source_schema, source_dialect, &dest_schema, dest.dialect())?;
    let mut masker = masker::Masker::new(&options.key, plan.one_to_one.iter().cloned());

    source.begin().await.map_err(CloneError::read)?;
    let copied = async {
        copy::read_real_values(&mut source, &plan, &mut masker, options.batch_rows.max(1)).await?;
        let selection = match &options.subset {
            Some(subset) if !subset.rows.is_empty() => subset::select(&mut source, &plan, subset).await?,
            _ => vec![None; plan.tables.len()],
        };
        let writes = copy::Writes { batch: options.batch_rows.max(1), bulk_load: options.bulk_load };
        copy::copy_tables(&mut source, &mut dest, &plan, &selection, &mut masker, writes, progress).await
    }
    .await;
    source.rollback().await; // Nothing was written: ending the snapshot is all.
    let tables = copied?;
    Ok(CloneReport {
        source: source_name,
        destination: dest.describe(),
        revisions: status.current.iter().map(|id| (*id).to_owned()).collect(),
        tables,
        skipped: plan.skipped,
        elapsed: started.elapsed(),
    })
}

/// Which server the destination is on, for rendering its revisions: asked
/// of the server when the database is there to ask (nothing is written),
/// SQL Server's own otherwise.
#[cfg(feature = "cli")]
async fn destination_flavour(destination: &DatabaseUrl) -> crate::Flavour {
    if destination.dialect() != Dialect::Mssql {
        return crate::Flavour::Standard;
    }
    match crate::connect_read_only(destination).await {
        Ok(mut db) => db.flavour().await.unwrap_or(crate::Flavour::Standard),
        Err(_) => crate::Flavour::Standard,
    }
}

/// Whether two URLs name the same database (the same SQLite file, or the
/// same database name on one of this machine's names or the same host).
#[cfg(feature = "cli")]
fn same_database(a: &DatabaseUrl, b: &DatabaseUrl) -> bool {
    if a.dialect() != b.dialect() {
        return false;
    }
    if a.dialect() == Dialect::Sqlite {
        let canonical = |url: &DatabaseUrl| url.sqlite_path().map(|p| std::fs::canonicalize(&p).unwrap_or(p));
        return canonical(a).is_some() && canonical(a) == canonical(b);
    }
    let local = |host: &str| matches!(host, "localhost" | "::1" | "[::1]") || host.starts_with("127.");
    let host = |url: &DatabaseUrl| url.host().map(|h| if local(&h) { "localhost".to_owned() } else { h.to_lowercase() });
    host(a) == host(b) && a.database_name().map(|n| n.to_lowercase()) == b.database_name().map(|n| n.to_lowercase())
}

/// The schema the revisions build, read without any server: every revision
/// replayed on an in-memory SQLite database, which is then introspected.
///
/// A revision whose raw SQL only runs on another dialect fails here; its
/// error says which.
pub async fn schema_from_revisions(migrations: &'static Migrations) -> Result<SchemaSnapshot, CloneError> {
    let url = DatabaseUrl::parse("sqlite::memory:").map_err(|e| CloneError::Replay(e.to_string()))?;
    let mut db = crate::connect(&url).await.map_err(|e| CloneError::Replay(e.to_string()))?;
    Migrator::new(migrations).upgrade(&mut db, &Target::Heads).await.map_err(|e| CloneError::Replay(e.to_string()))?;
    db.introspect(&HistoryTable::default()).await.map_err(|e| CloneError::Replay(e.to_string()))
}

/// `db clone --check`: what the masking file leaves unclassified in the
/// schema the revisions build, and the rules that cannot work there.
///
/// The schema is the one replaying the revisions on an in-memory SQLite
/// database builds ([`schema_from_revisions`]), raw SQL included, when
/// they render for SQLite; revisions written for another server only (a
/// baseline of SQL Server or PostgreSQL) are read from their operations
/// instead, in their own dialect, with no server and no rendering.
pub async fn check_mask_file(migrations: &'static Migrations, file: &MaskFile) -> Result<Coverage, CloneError> {
    let graph = crate::RevisionGraph::new(migrations);
    let every: Vec<&'static crate::Revision> = graph.revisions().iter().collect();
    let (schema, dialect) = match crate::render::renders_for(&every, Dialect::Sqlite, crate::Flavour::Standard) {
        Ok(()) => (schema_from_revisions(migrations).await?, Dialect::Sqlite),
        Err(_) => declared::schema(migrations)?,
    };
    let coverage = coverage(file, &schema, dialect);
    if coverage.is_complete() {
        plan::plan(file, &schema, dialect, &schema, dialect)?;
    }
    Ok(coverage)
}

/// Fails (panics, for a test) when the masking file at `path` does not
/// classify every column the revisions create, names columns they do not
/// have, or has rules that cannot work. Put it in the project's tests, so
/// that a revision adding a column fails `cargo test` until the column is
/// classified, and the classification is reviewed with the migration:
///
/// ```no_run
/// #[test]
/// fn the_masking_file_classifies_every_column() {
/// #   static MIGRATIONS: retort::Migrations = retort::Migrations::new(&[]);
///     retort::testing::assert_masking_covers(&MIGRATIONS, "retort-mask.toml");
/// }
/// ```
pub fn assert_masking_covers(migrations: &'static Migrations, path: impl AsRef<Path>) {
    let path = path.as_ref();
    let outcome = (|| {
        let file = MaskFile::load(path)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CloneError::Replay(format!("cannot start a runtime: {e}")))?;
        let coverage = runtime.block_on(check_mask_file(migrations, &file))?;
        Ok::<_, CloneError>((file, coverage))
    })();
    let (file, coverage) = match outcome {
        Ok(found) => found,
        Err(error) => panic!("{error}"),
    };
    let mut complaints = Vec::new();
    if !coverage.is_complete() {
        complaints.push(CloneError::Unclassified { file: file.display_path(), coverage: coverage.clone() }.to_string());
    }
    if !coverage.stale.is_empty() {
        complaints.push(format!(
            "{} classifies columns the revisions do not create (renamed or dropped?): {}",
            file.display_path(),
            coverage.stale.join(", ")
        ));
    }
    assert!(complaints.is_empty(), "{}", complaints.join("\n\n"));
}
