//! The external programs the benchmark runs: the `sqlite3` shell for the
//! SQLite floor, and the refinery and sqlx command lines.
//!
//! They are looked up at run time on `PATH` and in cargo's install folder.
//! A missing one is reported with how to install it; nothing installs them
//! for you, and CI does not run this benchmark.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Bench;

/// One external program, found or not.
pub struct Tool {
    /// What the report calls it.
    pub name: &'static str,
    /// Where it is, or `None` when it is not installed.
    pub path: Option<PathBuf>,
    /// Its `--version` output (first line), when found.
    pub version: String,
    /// How to get it, for the report when it is missing.
    pub install: &'static str,
}

impl Tool {
    pub fn sqlite3() -> Self {
        Self::find(
            "sqlite3",
            "sqlite3",
            &["--version"],
            "apt-get install sqlite3 (or your system's package)",
        )
    }

    pub fn refinery() -> Self {
        Self::find(
            "refinery",
            "refinery",
            &["--version"],
            "cargo install refinery_cli --locked --no-default-features --features postgresql,sqlite-bundled",
        )
    }

    pub fn sqlx() -> Self {
        Self::find(
            "sqlx",
            "sqlx",
            &["--version"],
            "cargo install sqlx-cli --locked --no-default-features --features sqlite,postgres,rustls",
        )
    }

    fn find(
        name: &'static str,
        program: &str,
        version_args: &[&str],
        install: &'static str,
    ) -> Self {
        let path = search_path(program);
        let version = path
            .as_deref()
            .map_or_else(String::new, |path| version(path, version_args));
        Self {
            name,
            path,
            version,
            install,
        }
    }

    /// "refinery 0.10.0 (/root/.cargo/bin/refinery)" or "not installed: <how>".
    pub fn describe(&self) -> String {
        match &self.path {
            Some(path) => format!("{} ({})", self.version, path.display()),
            None => self.missing(),
        }
    }

    /// The reason given in the report's table when the tool is missing.
    pub fn missing(&self) -> String {
        format!("not installed: {}", self.install)
    }

    /// A command for this tool, or `None` when it is missing.
    pub fn command(&self) -> Option<Command> {
        self.path.as_ref().map(Command::new)
    }
}

/// Runs `command` to completion and returns how long it took, from spawning
/// the process to its exit: process start and connection included.
///
/// A non-zero exit or anything on stderr is a failure: a tool that printed an
/// error and carried on has not done the work being timed.
pub fn time_command(command: &mut Command) -> Result<Duration, String> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("could not start {:?}: {e}", command.get_program()))?;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || !stderr.trim().is_empty() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        return Err(format!(
            "{} exited with {}: {}",
            command.get_program().to_string_lossy(),
            output.status,
            head(&format!("{stderr}{stdout}"))
        ));
    }
    Ok(elapsed)
}

/// The start of a tool's error output, on one line: the message comes first,
/// any backtrace after it.
fn head(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = line
        .char_indices()
        .nth(300)
        .map_or(line.len(), |(at, _)| at);
    line[..end].to_owned()
}

/// `PATH`, then cargo's install folder (`$CARGO_HOME/bin`, else `~/.cargo/bin`),
/// which is often not on `PATH` in a fresh shell.
fn search_path(program: &str) -> Option<PathBuf> {
    let mut folders: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        folders.push(PathBuf::from(cargo_home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        folders.push(PathBuf::from(home).join(".cargo").join("bin"));
    }
    folders
        .into_iter()
        .map(|folder| folder.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

fn version(path: &Path, args: &[&str]) -> String {
    match Command::new(path).args(args).output() {
        Ok(output) => {
            let text = String::from_utf8_lossy(&output.stdout);
            text.lines().next().unwrap_or("").trim().to_owned()
        }
        Err(error) => format!("version unknown ({error})"),
    }
}

/// A migration tool timed next to retort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rival {
    Refinery,
    Sqlx,
}

impl Rival {
    pub const ALL: [Rival; 2] = [Rival::Refinery, Rival::Sqlx];

    pub fn tool(self, bench: &Bench) -> &Tool {
        match self {
            Rival::Refinery => &bench.refinery,
            Rival::Sqlx => &bench.sqlx,
        }
    }

    /// The table the tool keeps its history in.
    pub fn history_table(self) -> &'static str {
        match self {
            Rival::Refinery => "refinery_schema_history",
            Rival::Sqlx => "_sqlx_migrations",
        }
    }

    /// The command that applies the workload's files to the database at
    /// `url`, or `None` when the tool is missing.
    ///
    /// refinery: `refinery migrate -e VAR -p <V{n}__t{n}.sql files>`, the URL
    /// in `VAR` (refinery's way of taking one), each migration in refinery's
    /// default mode rather than `-g` grouped. sqlx: `sqlx migrate run --source
    /// <{n}_t{n}.sql files> --database-url <url>`.
    pub fn command(self, bench: &Bench, url: &str) -> Option<Command> {
        const URL_VARIABLE: &str = "RETORT_BENCH_DATABASE_URL";
        let mut command = self.tool(bench).command()?;
        match self {
            Rival::Refinery => {
                command
                    .arg("migrate")
                    .arg("-e")
                    .arg(URL_VARIABLE)
                    .arg("-p")
                    .arg(&bench.refinery_dir)
                    .env(URL_VARIABLE, url);
            }
            Rival::Sqlx => {
                command
                    .args(["migrate", "run", "--no-dotenv", "--source"])
                    .arg(&bench.sqlx_dir)
                    .arg("--database-url")
                    .arg(url)
                    .env_remove("DATABASE_URL");
            }
        }
        // Run in the benchmark's own temporary folder, so that a tool cannot
        // pick up a `refinery.toml`, `sqlx.toml` or `.env` from wherever the
        // benchmark was started.
        command.current_dir(bench.scratch.path());
        Some(command)
    }
}
