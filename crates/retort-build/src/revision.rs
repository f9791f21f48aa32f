//! One migration file (or SQL pair) as read from disk, before graph checks.

use crate::checksum::Digest32;
use crate::error::Located;

/// A revision read from `migrations/`, with where each value was written so
/// that graph errors can point at the exact parent that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedRevision {
    /// The declared id (`REVISION` / `-- revision:`).
    pub id: Located<String>,
    /// The revisions this one follows.
    pub parents: Vec<Located<String>>,
    /// Revisions that must be applied first without being parents.
    pub depends_on: Vec<Located<String>>,
    /// Branch labels this revision declares.
    pub branch_labels: Vec<Located<String>>,
    /// The one-line message.
    pub message: String,
    /// `false` when the revision must run outside a transaction.
    pub transactional: bool,
    /// Why the revision cannot be undone, when it declares so.
    pub irreversible: Option<String>,
    /// How long, in milliseconds, its statements wait for a lock another
    /// session holds before giving up, when the revision sets it
    /// (`-- lock-timeout: 10s`, `LOCK_TIMEOUT`); otherwise the migrator's.
    pub lock_timeout_ms: Option<u64>,
    /// SHA-256 as defined in the `checksum` module.
    pub checksum: Digest32,
    /// The source path relative to the crate root, with `/` separators
    /// (the up file for an SQL revision).
    pub source: String,
    /// What the revision runs, with absolute paths for the generated code.
    pub kind: RevisionKind,
}

/// The executable part of a parsed revision.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevisionKind {
    /// A Rust module with `upgrade` and maybe `downgrade`.
    Rust {
        /// Absolute path of the `.rs` file.
        file: String,
        /// Whether it defines `downgrade`.
        has_downgrade: bool,
    },
    /// An up script and, unless irreversible, a down script.
    Sql {
        /// Absolute path of the `.up.sql` file.
        up: String,
        /// Absolute path of the `.down.sql` file.
        down: Option<String>,
        /// The up script with its `sqlcmd` `:r` lines replaced by the files
        /// they include, when it has any (else the file is embedded).
        up_expanded: Option<String>,
        /// The same for the down script.
        down_expanded: Option<String>,
        /// Where the lines of `up_expanded` were written: `(line of the
        /// expanded script, file as messages show it, line in that file)`
        /// for each run of lines from one file; empty without `:r`.
        up_lines: Vec<(u32, String, u32)>,
        /// The same for `down_expanded`.
        down_lines: Vec<(u32, String, u32)>,
        /// Absolute paths of every file an `:r` line includes.
        includes: Vec<String>,
        /// Every `$(NAME)` the scripts use, where it is written.
        variables: Vec<Located<String>>,
        /// The names the scripts' `:setvar` lines define.
        defined: Vec<String>,
    },
}

/// Reads a lock timeout as a revision writes it: a whole number with its
/// unit, `500ms`, `10s` or `2m`, as milliseconds. The problem, when there
/// is one, completes "must be …".
pub fn parse_lock_timeout(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let problem = || format!("a whole number with its unit (`500ms`, `10s`, `2m`), not `{text}`");
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| problem())?;
    let millis = match unit.trim() {
        "ms" => Some(number),
        "s" => number.checked_mul(1_000),
        "m" => number.checked_mul(60_000),
        _ => None,
    }
    .ok_or_else(problem)?;
    // SQL Server's `SET LOCK_TIMEOUT` takes an int of milliseconds; zero
    // would give up at once, which no revision means.
    if millis == 0 || millis > i32::MAX as u64 {
        return Err(format!("between 1ms and {}s, not `{text}`", i32::MAX / 1_000));
    }
    Ok(millis)
}

#[cfg(test)]
mod tests {
    use super::parse_lock_timeout;

    #[test]
    fn parse_lock_timeout_reads_each_unit_and_refuses_the_rest() {
        assert_eq!(parse_lock_timeout("500ms"), Ok(500));
        assert_eq!(parse_lock_timeout("10s"), Ok(10_000));
        assert_eq!(parse_lock_timeout(" 2m "), Ok(120_000));
        for bad in ["", "10", "s", "1.5s", "-1s", "10 seconds", "0s", "999999999s"] {
            assert!(parse_lock_timeout(bad).is_err(), "{bad}");
        }
    }
}
