//! What the commands print: text for people (honouring `NO_COLOR`), JSON for
//! machines, and the exit codes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::history::Status;
use crate::{
    DatabaseStatus, Dialect, Direction, MigrateError, Revision, RevisionGraph, StepReport,
};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for a person.
    Text,
    /// One JSON document, for scripts.
    Json,
}

pub(crate) const EXIT_ERROR: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;
pub(crate) const EXIT_DRIFT: u8 = 3;
pub(crate) const EXIT_PENDING: u8 = 4;
pub(crate) const EXIT_UNKNOWN: u8 = 5;

/// The exit code of a command that failed with `error`.
pub(crate) fn exit_code(error: &MigrateError) -> u8 {
    match error {
        // Only a target as typed fails this way (the CLI parses every
        // target before using it); failing to resolve one is a `Plan` error.
        MigrateError::Target(_) => EXIT_USAGE,
        // Only the URL as given fails this way: `--database-url`,
        // `DATABASE_URL` or `.env`.
        MigrateError::Url(_) => EXIT_USAGE,
        // A refused repair leaves the drift in place.
        MigrateError::Drift { .. } | MigrateError::Changed { .. } | MigrateError::Unverifiable { .. } => EXIT_DRIFT,
        MigrateError::UnknownApplied { .. } | MigrateError::Unresolved { .. } => EXIT_UNKNOWN,
        _ => EXIT_ERROR,
    }
}

/// `upgrade   <id>  <message>  (<ms> ms)`.
fn step_line(step: &StepReport, color: bool) -> String {
    let (code, word) = match step.direction {
        Direction::Up => ("32", "upgrade  "),
        Direction::Down => ("33", "downgrade"),
    };
    let arrow = if color { format!("\x1b[{code}m{word}\x1b[0m") } else { word.to_owned() };
    format!("{arrow} {}  {}  ({} ms)", step.id, step.message, step.elapsed.as_millis())
}

/// Whether to colour what goes to a stream: only a terminal, and only while
/// `NO_COLOR` is unset or empty (<https://no-color.org>). A pipe or a file
/// gets plain text, which logs and CI output stay readable as.
pub(crate) fn colour(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// How writing to stdout has gone so far.
static STDOUT: AtomicU8 = AtomicU8::new(STDOUT_OPEN);
const STDOUT_OPEN: u8 = 0;
/// The reader went away (`… | head -1`): the rest is dropped, quietly.
const STDOUT_CLOSED: u8 = 1;
/// Writing failed otherwise (a full disk, say): said once, and the command
/// exits non-zero, since a script cut short must not look complete.
const STDOUT_FAILED: u8 = 2;

/// Writes to stdout. `print!` and `println!` in the CLI are this (see
/// `cli/mod.rs`): std's panic when the pipe is closed, exiting 101 with
/// "failed printing to stdout: Broken pipe". Here a closed pipe ends the
/// output as command-line tools do, without a message, and the command
/// itself carries on: a migration does not stop halfway because nobody
/// reads its progress lines any more.
pub(crate) fn stdout(args: std::fmt::Arguments<'_>) {
    if STDOUT.load(Ordering::Relaxed) != STDOUT_OPEN {
        return;
    }
    let mut out = std::io::stdout().lock();
    // Flushed at once: an error is then seen here, not lost at exit.
    if let Err(error) = out.write_fmt(args).and_then(|()| out.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT.store(STDOUT_CLOSED, Ordering::Relaxed);
        } else {
            STDOUT.store(STDOUT_FAILED, Ordering::Relaxed);
            eprintln!("error: cannot write to stdout: {error}");
        }
    }
}

/// The exit code of a command that finished with `code`: an error exit
/// when its output could not be written (other than to a closed pipe).
pub(crate) fn finish(code: ExitCode) -> ExitCode {
    match STDOUT.load(Ordering::Relaxed) {
        STDOUT_FAILED => ExitCode::from(EXIT_ERROR),
        _ => code,
    }
}

/// `migrate history`'s lines, newest first: each revision with its parents
/// and state, and under an applied one the sqlcmd variables it ran with.
fn history_text(graph: &RevisionGraph, status: &DatabaseStatus, variables: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for revision in graph.revisions().iter().rev() {
        let parents = if revision.parents.is_empty() { "<base>".to_owned() } else { revision.parents.join(", ") };
        let mark = match status.applied.iter().find(|row| row.id == revision.id) {
            Some(row) if row.status == Status::Applied => format!("applied {}", row.applied_at),
            Some(row) => row.status.as_str().to_owned(),
            None => "pending".to_owned(),
        };
        let head = if status.heads.contains(&revision.id) { " (head)" } else { "" };
        out.push_str(&format!("{parents} -> {}{head}, {}  [{mark}]\n", revision.id, revision.message));
        if let Some(values) = ran_with(status, variables, revision.id) {
            out.push_str(&format!("    variables: {values}\n"));
        }
    }
    out
}

/// The sqlcmd variables revision `id` ran with, when it is applied (a
/// revision downgraded since keeps its log rows, not its values).
fn ran_with<'v>(status: &DatabaseStatus, variables: &'v BTreeMap<String, String>, id: &str) -> Option<&'v str> {
    let applied = status.applied.iter().any(|row| row.id == id && row.status == Status::Applied);
    variables.get(id).filter(|_| applied).map(String::as_str)
}

pub(crate) struct Printer {
    format: Format,
    quiet: bool,
    /// Colour on stdout (results).
    color: bool,
    /// Colour on stderr (errors).
    color_stderr: bool,
}

impl Printer {
    pub fn new(format: Format, quiet: bool) -> Self {
        Self {
            format,
            quiet,
            color: colour(std::io::stdout().is_terminal()),
            color_stderr: colour(std::io::stderr().is_terminal()),
        }
    }

    /// `error:`, red on a terminal, for a line on stderr.
    fn error_label(&self) -> &'static str {
        if self.color_stderr {
            "\x1b[31merror:\x1b[0m"
        } else {
            "error:"
        }
    }

    fn json(&self, value: serde_json::Value) {
        println!("{value}");
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn line(&self, text: &str) {
        if !self.quiet && self.format == Format::Text {
            println!("{text}");
        }
    }

    pub fn starting(&self, database: &str) {
        if !self.quiet && self.format == Format::Text {
            eprintln!("retort: {database}");
        }
    }

    /// Prints a failure that is not a [`MigrateError`] and returns `code`.
    pub fn failure(&self, message: &str, code: u8) -> ExitCode {
        let shown = self.failure_output(message, code);
        match self.format {
            Format::Json => println!("{shown}"),
            Format::Text => eprintln!("{shown}"),
        }
        ExitCode::from(code)
    }

    /// What [`Printer::failure`] prints: `error: …` for stderr, or the
    /// JSON object for stdout.
    pub(crate) fn failure_output(&self, message: &str, code: u8) -> String {
        match self.format {
            Format::Json => serde_json::json!({ "error": message, "exit_code": code }).to_string(),
            Format::Text => format!("{} {message}", self.error_label()),
        }
    }

    pub fn error(&self, error: &MigrateError) -> ExitCode {
        self.failure(&error.to_string(), exit_code(error))
    }

    /// Prints a run's result. `streamed` runs printed their lines already,
    /// as each revision finished (see [`Printer::progress`]).
    pub fn steps(&self, direction: Direction, steps: &[StepReport], streamed: bool) -> ExitCode {
        match self.format {
            Format::Json => {
                self.json(serde_json::json!({ "direction": direction, "steps": steps }))
            }
            Format::Text if !self.quiet => {
                if steps.is_empty() {
                    println!("nothing to {direction}: the database is already there");
                }
                if !streamed {
                    for step in steps {
                        println!("{}", step_line(step, self.color));
                    }
                }
            }
            Format::Text => {}
        }
        ExitCode::SUCCESS
    }

    /// A per-revision line as each revision finishes, under a progress bar
    /// when more than a handful run and stderr is a terminal. `None` when
    /// nothing is printed as the run goes (quiet, JSON).
    pub fn progress(&self) -> Option<impl Fn(&StepReport, usize, usize) + Send + Sync + 'static> {
        if self.quiet || self.format == Format::Json {
            return None;
        }
        let color = self.color;
        // A mutex, not a cell: the migrator's futures are Send.
        let bar: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);
        Some(move |step: &StepReport, done: usize, total: usize| {
            let mut bar = bar.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if bar.is_none() && total > 5 && std::io::stderr().is_terminal() {
                let new = indicatif::ProgressBar::new(total as u64);
                let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} revisions {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
                new.set_style(style);
                *bar = Some(new);
            }
            match bar.as_ref() {
                Some(bar) => {
                    bar.println(step_line(step, color));
                    bar.set_position(done as u64);
                    if done == total {
                        bar.finish_and_clear();
                    }
                }
                None => println!("{}", step_line(step, color)),
            }
        })
    }

    pub fn stamped(&self, steps: &[StepReport]) -> ExitCode {
        match self.format {
            Format::Json => self.json(serde_json::json!({ "stamped": steps })),
            Format::Text if !self.quiet => {
                if steps.is_empty() {
                    println!("nothing to stamp");
                }
                for step in steps {
                    let verb = if step.direction == Direction::Up {
                        "stamped  "
                    } else {
                        "unstamped"
                    };
                    println!("{verb} {}  {}", step.id, step.message);
                }
            }
            Format::Text => {}
        }
        ExitCode::SUCCESS
    }

    pub fn dry_run(&self, plan: &crate::RenderedPlan) -> Result<ExitCode, MigrateError> {
        let rendered: Vec<_> = plan.steps.iter().map(|step| (&step.step, &step.units)).collect();
        match self.format {
            Format::Json => self.json(serde_json::json!({
                "dry_run": true,
                "steps": rendered.iter().map(|(step, units)| serde_json::json!({
                    "id": step.revision.id,
                    "message": step.revision.message,
                    "direction": step.direction,
                    "sql": units.iter().map(|u| u.sql.as_str()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })),
            Format::Text => {
                if rendered.is_empty() {
                    println!("dry run: nothing would run");
                }
                for (step, units) in rendered {
                    println!(
                        "-- would {} {}: {}",
                        step.direction, step.revision.id, step.revision.message
                    );
                    for statement in crate::script::listing(units, plan.dialect) {
                        println!("{statement}");
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// `repair`: what was (or, in a dry run, would be) recorded.
    pub fn repaired(&self, report: &crate::RepairReport) -> ExitCode {
        use crate::RepairOutcome;
        match self.format {
            Format::Json => self.json(serde_json::json!({ "repair": report })),
            Format::Text if !self.quiet => {
                let (id, file) = (report.id, report.file);
                let (old, new) = (&report.recorded, &report.compiled);
                let record = if report.dry_run { "would record" } else { "recorded" };
                match report.outcome {
                    RepairOutcome::Unchanged => {
                        println!("{id} ({file}) is what the database recorded (sha256 {new}): nothing to repair")
                    }
                    RepairOutcome::Fingerprinted => println!(
                        "{id} ({file}) is what the database recorded (sha256 {new}); {record} the fingerprint of its {} \
                         statement(s)",
                        report.statements
                    ),
                    RepairOutcome::Repaired => println!(
                        "{id} ({file}): only comments and whitespace changed ({} statement(s) compared); {record} \
                         sha256 {new} (was {old}) and a `repair` event",
                        report.statements
                    ),
                    RepairOutcome::AcceptedUnverified => println!(
                        "{id} ({file}): unverified, as --accept-unverified says; {record} sha256 {new} (was {old}) and \
                         a `repair` event"
                    ),
                }
            }
            Format::Text => {}
        }
        ExitCode::SUCCESS
    }

    pub fn script(&self, script: &str) {
        print!("{script}");
    }

    pub fn graph(&self, drawn: &str) -> ExitCode {
        print!("{drawn}");
        ExitCode::SUCCESS
    }

    pub fn show(
        &self,
        revision: &'static Revision,
        dialect: Dialect,
        up: &[crate::work::Unit],
        down: &[crate::work::Unit],
    ) -> Result<ExitCode, MigrateError> {
        let sql = |units: &[crate::work::Unit]| units.iter().map(|u| u.sql.trim_end().to_owned()).collect::<Vec<_>>();
        // Text is for pasting into the dialect's client: each unit framed as
        // it runs (SQL Server's `GO` batches).
        let listed = |units: &[crate::work::Unit]| crate::script::listing(units, dialect);
        match self.format {
            Format::Json => self.json(serde_json::json!({
                "id": revision.id,
                "parents": revision.parents,
                "depends_on": revision.depends_on,
                "branch_labels": revision.branch_labels,
                "message": revision.message,
                "file": revision.source,
                "checksum": revision.checksum.to_hex(),
                "transactional": revision.transactional,
                "irreversible": revision.irreversible,
                "dialect": dialect,
                "upgrade": sql(up),
                "downgrade": sql(down),
            })),
            Format::Text => {
                println!("revision    {}", revision.id);
                println!("parents     {}", if revision.parents.is_empty() { "<base>".to_owned() } else { revision.parents.join(", ") });
                if !revision.depends_on.is_empty() {
                    println!("depends on  {}", revision.depends_on.join(", "));
                }
                if !revision.branch_labels.is_empty() {
                    println!("branches    {}", revision.branch_labels.join(", "));
                }
                println!("message     {}", revision.message);
                println!("file        {}", revision.source);
                println!("checksum    {}", revision.checksum);
                if !revision.transactional {
                    println!("runs outside a transaction");
                }
                println!("\n-- upgrade ({dialect})");
                for statement in listed(up) {
                    println!("{statement}");
                }
                match revision.irreversible {
                    Some(reason) => println!("\n-- irreversible: {reason}"),
                    None => {
                        println!("\n-- downgrade ({dialect})");
                        for statement in listed(down) {
                            println!("{statement}");
                        }
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    pub fn heads(&self, heads: &[&'static Revision]) -> ExitCode {
        match self.format {
            Format::Json => self.json(serde_json::json!({
                "heads": heads.iter().map(|r| serde_json::json!({"id": r.id, "message": r.message, "file": r.source})).collect::<Vec<_>>()
            })),
            Format::Text => {
                for head in heads {
                    println!("{} (head)  {}  {}", head.id, head.message, head.source);
                }
            }
        }
        ExitCode::SUCCESS
    }

    pub fn current(&self, status: &DatabaseStatus) -> ExitCode {
        match self.format {
            Format::Json => self.json(serde_json::json!({
                "current": status.current,
                "heads": status.heads,
                "pending": status.pending,
                "at_head": status.is_clean(),
            })),
            Format::Text => {
                if status.current.is_empty() {
                    println!("(base): no revision applied");
                }
                for id in &status.current {
                    let at_head = status.heads.contains(id);
                    println!("{id}{}", if at_head { " (head)" } else { "" });
                }
                self.problems(status);
            }
        }
        ExitCode::SUCCESS
    }

    /// `variables`: the sqlcmd variables each revision's last upgrade ran
    /// with (`Migrator::recorded_variables`), shown under an applied one.
    pub fn history(&self, graph: &RevisionGraph, status: &DatabaseStatus, variables: &BTreeMap<String, String>) -> ExitCode {
        let applied = |id: &str| status.applied.iter().find(|row| row.id == id);
        match self.format {
            Format::Json => self.json(serde_json::json!({
                "revisions": graph.revisions().iter().map(|r| {
                    let row = applied(r.id);
                    serde_json::json!({
                        "id": r.id,
                        "parents": r.parents,
                        "message": r.message,
                        "file": r.source,
                        "applied": row.map(|row| row.status == Status::Applied).unwrap_or(false),
                        "applied_at": row.map(|row| row.applied_at.clone()),
                        "variables": ran_with(status, variables, r.id),
                    })
                }).collect::<Vec<_>>(),
                "unknown": status.unknown,
            })),
            Format::Text => {
                print!("{}", history_text(graph, status, variables));
                self.problems(status);
            }
        }
        ExitCode::SUCCESS
    }

    pub fn check(&self, status: &DatabaseStatus) -> ExitCode {
        let code = if !status.drifted.is_empty() {
            EXIT_DRIFT
        } else if !status.unknown.is_empty() || !status.unresolved.is_empty() {
            EXIT_UNKNOWN
        } else if !status.pending.is_empty() {
            EXIT_PENDING
        } else {
            0
        };
        match self.format {
            Format::Json => self.json(serde_json::json!({
                "ok": code == 0,
                "exit_code": code,
                "pending": status.pending,
                "drifted": status.drifted,
                "unknown": status.unknown,
                "unresolved": status.unresolved,
            })),
            Format::Text => {
                if code == 0 {
                    println!("ok: the database is at head and matches the compiled revisions");
                } else {
                    for id in &status.pending {
                        println!("pending  {id}");
                    }
                    self.problems(status);
                }
            }
        }
        ExitCode::from(code)
    }

    fn problems(&self, status: &DatabaseStatus) {
        for drifted in &status.drifted {
            println!(
                "{} {drifted}; if only comments or whitespace changed, run `{}`",
                self.paint("31", "drift:"),
                crate::hint::MIGRATE_REPAIR.revision(&drifted.id)
            );
        }
        for id in &status.unknown {
            println!(
                "{} {id} is applied but not in this build",
                self.paint("33", "unknown:")
            );
        }
        for id in &status.unresolved {
            println!(
                "{} {id} did not finish; run `{}` or `--rolled-back`",
                self.paint("31", "unresolved:"),
                crate::hint::MIGRATE_RESOLVE_APPLIED.revision(id)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::AppliedRevision;
    use crate::Migrations;

    #[test]
    fn history_text_shows_the_variables_an_applied_revision_ran_with() {
        let revision = |id, parents| Revision::fixture(id, parents, "migrations/x.up.sql", "SELECT '$(Env)'", None);
        let revisions: &'static [Revision] = Box::leak(Box::new([revision("a1a1", &[]), revision("b2b2", &["a1a1"])]));
        let graph = RevisionGraph::new(Box::leak(Box::new(Migrations::new(revisions))));
        let applied = AppliedRevision {
            id: "a1a1".into(),
            checksum: "00".into(),
            message: "m".into(),
            status: Status::Applied,
            applied_at: "2026-12-07T08:00:00.000Z".into(),
            execution_ms: 1,
            applied_by: "me".into(),
        };
        let status = DatabaseStatus {
            applied: vec![applied],
            current: vec!["a1a1"],
            heads: vec!["b2b2"],
            pending: vec!["b2b2"],
            drifted: Vec::new(),
            unknown: Vec::new(),
            unresolved: Vec::new(),
        };
        // b2b2 is pending: what an earlier run recorded for it is not shown.
        let variables: BTreeMap<String, String> = [("a1a1", "Env=prod, AppPassword=<secret>"), ("b2b2", "Env=dev")]
            .into_iter()
            .map(|(id, values)| (id.to_owned(), values.to_owned()))
            .collect();
        assert_eq!(
            history_text(&graph, &status, &variables),
            "a1a1 -> b2b2 (head), m  [pending]\n<base> -> a1a1, m  [applied 2026-12-07T08:00:00.000Z]\n    variables: Env=prod, AppPassword=<secret>\n"
        );
    }
}
