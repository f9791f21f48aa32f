//! `db clone`: a local database filled from another one (production, a
//! staging server), masked as the project's `retort-mask.toml` says, all of
//! it or a foreign-key-consistent subset. The work is `retort::clone`'s.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::output::{Format, Printer, EXIT_USAGE};
use super::Project;
use crate::clone::{
    check_mask_file, clone_database, CloneError, CloneOptions, CloneProgress, CloneReport, MaskFile, MaskKey,
    DEFAULT_BATCH_ROWS, MASK_FILE_NAME,
};
use crate::history::HistoryTable;
use crate::{DatabaseUrl, Migrations};

/// `db clone`: copy a database into the local one, masking personal data.
#[derive(Debug, clap::Args)]
pub struct CloneArgs {
    /// The database to copy from. It is opened read-only and only read.
    #[arg(long, env = "RETORT_CLONE_FROM", hide_env_values = true, required_unless_present = "check")]
    pub from: Option<String>,
    /// The database to replace with the copy; defaults as for `migrate`. It must look local.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Clone into a database that does not look local (another host, or a name like `prod`).
    #[arg(long)]
    pub allow_remote: bool,
    /// The masking file (default: retort-mask.toml at the project root).
    #[arg(long)]
    pub mask_file: Option<PathBuf>,
    /// The masking key. Prefer --mask-key-file: a command line is seen by
    /// other users of the machine and kept in shell history.
    #[arg(long, conflicts_with = "mask_key_file")]
    pub mask_key: Option<String>,
    /// A file holding the masking key, outside the project
    /// (default: ~/.config/retort/mask.key, or RETORT_MASK_KEY).
    #[arg(long)]
    pub mask_key_file: Option<PathBuf>,
    /// Copy a subset: the first N rows of TABLE (by primary key), with the
    /// rows they reference and their children (`--rows users=1000`,
    /// repeatable). Replaces the masking file's `[subset]` rows.
    #[arg(long, value_name = "TABLE=N", value_parser = parse_rows)]
    pub rows: Vec<(String, u64)>,
    /// At most this many child rows per parent row and foreign key in a subset.
    #[arg(long)]
    pub children: Option<u64>,
    /// Copy every row, whatever the masking file's `[subset]` says.
    #[arg(long, conflicts_with = "rows")]
    pub all_rows: bool,
    /// Rows per read and per write.
    #[arg(long, default_value_t = DEFAULT_BATCH_ROWS)]
    pub batch_size: usize,
    /// Only check that the masking file classifies every column the
    /// revisions create (no database is opened).
    #[arg(long)]
    pub check: bool,
    /// Schema of the history tables (default: the connection's default schema).
    #[arg(long, value_parser = super::parse_name)]
    pub history_schema: Option<String>,
    /// Name of the history table.
    #[arg(long, default_value = "retort_history", value_parser = super::parse_name)]
    pub history_table: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    /// Print the result as text or as JSON.
    pub format: Format,
    #[arg(long, short)]
    /// Print nothing but errors.
    pub quiet: bool,
}

fn parse_rows(text: &str) -> Result<(String, u64), String> {
    let (table, count) = text.split_once('=').ok_or_else(|| format!("`{text}` is not TABLE=N (e.g. users=1000)"))?;
    let count = count.trim().parse().map_err(|_| format!("`{count}` is not a number of rows"))?;
    Ok((table.trim().to_owned(), count))
}

/// Runs `db clone` and returns the exit code.
pub fn clone(migrations: &'static Migrations, project: &Project, args: CloneArgs) -> ExitCode {
    init_tracing();
    let out = Printer::new(args.format, args.quiet);
    let path = args.mask_file.clone().unwrap_or_else(|| project.root.join(MASK_FILE_NAME));
    if args.check {
        return match super::block_on(check(migrations, &path, &out, args.format)) {
            Ok(code) => super::output::finish(code),
            Err(code) => code,
        };
    }
    // Both URLs are read first: one that cannot be read is a usage error
    // (exit 2), as for every command.
    let quiet = args.quiet || args.format == Format::Json;
    let source = match DatabaseUrl::parse(args.from.as_deref().unwrap_or_default()) {
        Ok(source) => source,
        Err(error) => return super::output::finish(out.failure(&format!("--from: {error}"), EXIT_USAGE)),
    };
    let destination = match project.database_url(args.database_url.as_deref(), quiet) {
        Ok(destination) => destination,
        Err(error) => return super::output::finish(out.error(&error)),
    };
    if let Some(message) = super::history_schema_error(args.history_schema.as_deref(), destination.dialect()) {
        return super::output::finish(out.failure(&message, EXIT_USAGE));
    }
    let result = super::block_on(async {
        let mask = MaskFile::load(&path)?;
        let key = MaskKey::resolve(args.mask_key.as_deref(), args.mask_key_file.as_deref(), &project.root)?;
        let mut subset = mask.subset.clone();
        if !args.rows.is_empty() {
            subset.rows = args.rows.iter().map(|(table, n)| (table.to_lowercase(), *n)).collect();
        }
        if let Some(children) = args.children {
            subset.children = children;
        }
        let options = CloneOptions {
            migrations,
            source,
            destination,
            mask,
            key,
            subset: (!args.all_rows && !subset.rows.is_empty()).then_some(subset),
            batch_rows: args.batch_size,
            history: HistoryTable { schema: args.history_schema.clone(), name: args.history_table.clone() },
            allow_remote: args.allow_remote,
            bulk_load: true,
        };
        if !quiet {
            eprintln!("retort: cloning into {} (masked as {})", options.destination, path.display());
        }
        let mut bar = ProgressBar::new(!quiet && std::io::stderr().is_terminal());
        let report = clone_database(&options, &mut |progress| bar.update(progress)).await;
        bar.finish();
        report
    });
    let code = match result {
        Ok(Ok(report)) => {
            summary(&out, args.format, &report);
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => out.failure(&error.to_string(), 1),
        Err(code) => code,
    };
    super::output::finish(code)
}

async fn check(migrations: &'static Migrations, path: &std::path::Path, out: &Printer, format: Format) -> ExitCode {
    let file = match MaskFile::load(path) {
        Ok(file) => file,
        // A missing file is the start: every column is unclassified.
        Err(CloneError::MaskFile { .. }) if !path.exists() => MaskFile { path: Some(path.to_path_buf()), ..MaskFile::default() },
        Err(error) => return out.failure(&error.to_string(), 1),
    };
    let coverage = match check_mask_file(migrations, &file).await {
        Ok(coverage) => coverage,
        Err(error) => return out.failure(&error.to_string(), 1),
    };
    let complete = coverage.is_complete() && coverage.stale.is_empty();
    if format == Format::Json {
        let unclassified: Vec<String> = coverage.unclassified.iter().map(|c| format!("{}.{}", c.table, c.column)).collect();
        super::output::stdout(format_args!(
            "{}\n",
            serde_json::json!({
                "complete": complete,
                "unclassified": unclassified,
                "stale": coverage.stale,
                "snippet": coverage.snippet(),
            })
        ));
        return ExitCode::from(u8::from(!complete));
    }
    if !coverage.stale.is_empty() {
        eprintln!(
            "warning: {} classifies columns the revisions do not create (renamed or dropped?): {}",
            file.display_path(),
            coverage.stale.join(", ")
        );
    }
    if coverage.is_complete() {
        if coverage.stale.is_empty() {
            out.line(&format!("{} classifies every column the revisions create", file.display_path()));
        }
        return ExitCode::from(u8::from(!complete));
    }
    out.failure(&CloneError::Unclassified { file: file.display_path(), coverage }.to_string(), 1)
}

/// As `migrate`'s tracing, except that the drivers stay quiet below
/// warnings whatever `RUST_LOG` says: at debug level they log statements
/// with their parameters, which here are real values read from the source.
fn init_tracing() {
    super::init_tracing_with(&["tokio_postgres=warn", "tiberius=warn", "rusqlite=warn"]);
}

/// Rows and tables under a bar on a terminal; nothing elsewhere.
struct ProgressBar {
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    fn new(enabled: bool) -> Self {
        ProgressBar { enabled, bar: None }
    }

    fn update(&mut self, progress: &CloneProgress) {
        if !self.enabled {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(progress.rows_total);
            let style = indicatif::ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} rows  {msg}  {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        bar.set_length(progress.rows_total);
        bar.set_position(progress.rows_done);
        bar.set_message(format!("table {}/{} {}", progress.table_index + 1, progress.tables, progress.table));
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn summary(out: &Printer, format: Format, report: &CloneReport) {
    if format == Format::Json {
        super::output::stdout(format_args!("{}\n", serde_json::json!({ "cloned": report })));
        return;
    }
    out.line(&format!("cloned {} into {} at {}", report.source, report.destination, report.revisions.join(", ")));
    let width = report.tables.iter().map(|t| t.table.len()).max().unwrap_or(5).max(5);
    for table in &report.tables {
        let masked = if table.masked.is_empty() {
            "nothing masked".to_owned()
        } else {
            let list: Vec<String> = table.masked.iter().map(|(column, strategy)| format!("{column} ({strategy})")).collect();
            format!("masked {}", list.join(", "))
        };
        let whole = if table.whole { "" } else { " (subset)" };
        out.line(&format!("  {:width$}  {:>10} rows{whole}  {masked}", table.table, thousands(table.rows)));
    }
    for skipped in &report.skipped {
        out.line(&format!("  {skipped:width$}  not copied: the revisions do not create it"));
    }
    let seconds = report.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { (report.rows() as f64 / seconds) as u64 } else { report.rows() };
    out.line(&format!(
        "{} rows in {} tables in {seconds:.1} s ({} rows/s)",
        thousands(report.rows()),
        report.tables.len(),
        thousands(rate)
    ));
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
