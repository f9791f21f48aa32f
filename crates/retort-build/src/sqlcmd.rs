//! `sqlcmd` mode in SQL revisions, at build time.
//!
//! The build reads every SQL revision's command lines with retort-sql (the
//! lines `sqlcmd` itself would read, see `retort_sql::sqlcmd`):
//! - `:r path` is replaced by the file's text, read relative to the file
//!   that includes it (`sqlcmd` reads it relative to its working folder,
//!   which a build has no stable one of), recursively; a file that includes
//!   itself, directly or not, is an error naming the chain of `:r` lines;
//! - `:setvar` and `:on error` stay in the text, for the runtime, which reads
//!   them where it cuts batches;
//! - any other command (`:connect`, `:out`, `!!`…) and a malformed one are
//!   errors with their file and line;
//! - every `$(NAME)` outside comments and command lines is listed with its
//!   file and line, so that a project that declares its variables
//!   (`[variables]`, see `settings.rs`) learns at build time of one that no
//!   `:setvar` and no declaration defines.
//!
//! Variables inside command lines (`:r $(dir)/x.sql`) are not substituted.

use std::path::{Component, Path, PathBuf};

use retort_sql::sqlcmd::{parse_command, script_variables, Command};
use retort_sql::{Dialect, Lexed, LineKind};

use crate::checksum::normalize;
use crate::error::{Error, Located, Location};

/// A script with its `:r` lines replaced, and what the build learnt from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expanded {
    /// The text with every `:r` line replaced by the file's own expanded
    /// text; `None` when the script includes nothing (it is then embedded
    /// from its file, as without sqlcmd).
    pub text: Option<String>,
    /// Every file an `:r` line included, depth first, in order: the
    /// checksum covers their bytes.
    pub includes: Vec<Included>,
    /// Every `$(NAME)`, where it is written.
    pub uses: Vec<Located<String>>,
    /// The names a `:setvar` defines.
    pub defined: Vec<String>,
    /// Where the lines of `text` were written, when it is `Some`: one
    /// `(line of text, file, line in that file)` per run of lines that
    /// comes from one file, in order, so that a run-time error can name an
    /// included file's own line.
    pub lines: Vec<(u32, String, u32)>,
}

/// A file included by `:r`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Included {
    /// The path messages show, built from the including file's.
    pub display: String,
    /// The path on disk, for cargo's `rerun-if-changed`.
    pub absolute: PathBuf,
    /// Its normalised bytes.
    pub bytes: Vec<u8>,
}

/// One file on the chain of `:r` lines being followed.
struct Frame {
    display: String,
    absolute: PathBuf,
    /// The canonical path, to tell that a file includes itself.
    canonical: PathBuf,
}

/// Reads the script `text` of the file `display` (at `absolute` on disk),
/// collecting what is wrong in `errors`.
pub(crate) fn expand(display: &str, absolute: &Path, text: &str, errors: &mut Vec<Error>) -> Expanded {
    let mut expanded = Expanded::default();
    let canonical = absolute.canonicalize().unwrap_or_else(|_| absolute.to_owned());
    let mut chain = vec![(Frame { display: display.to_owned(), absolute: absolute.to_owned(), canonical }, None)];
    let mut out = String::with_capacity(text.len());
    let included = expand_into(text, &mut chain, &mut out, &mut expanded, errors);
    if included {
        expanded.text = Some(out);
    } else {
        expanded.lines.clear();
    }
    expanded
}

/// Appends `text` (the last file of `chain`) to `out` with its `:r` lines
/// replaced; whether any was.
fn expand_into(
    text: &str,
    chain: &mut Vec<(Frame, Option<Location>)>,
    out: &mut String,
    expanded: &mut Expanded,
    errors: &mut Vec<Error>,
) -> bool {
    let Some((frame, _)) = chain.last() else { return false };
    let display = frame.display.clone();
    let absolute = frame.absolute.clone();
    continues_at(out, &display, 1, expanded);
    for found in script_variables(text) {
        let column = text[..found.range.start].rsplit('\n').next().unwrap_or("").chars().count() + 1;
        expanded.uses.push(Located { value: found.name, at: Location::new(&display, found.line as usize, column) });
    }
    let lines = Lexed::new(Dialect::Mssql, text).script_lines();
    let mut included = false;
    for line in lines {
        let line_text = &text[line.range.clone()];
        if line.kind != LineKind::Command {
            out.push_str(line_text);
            continue;
        }
        let column = line_text.len() - line_text.trim_start().len() + 1;
        let at = Location::new(&display, line.number as usize, column);
        match parse_command(line_text) {
            Err(problem) => errors.push(Error::SqlcmdCommand { at, problem }),
            Ok(Command::Unsupported { command }) => errors.push(Error::SqlcmdUnsupported { at, command }),
            Ok(Command::SetVar { name, .. }) => {
                expanded.defined.push(name);
                out.push_str(line_text);
            }
            Ok(Command::OnError(_)) => out.push_str(line_text),
            Ok(Command::Include { path }) => {
                included = true;
                include(&display, &absolute, &path, at, chain, out, expanded, errors);
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                continues_at(out, &display, line.number + 1, expanded);
            }
        }
    }
    included
}

/// Notes that the next line of `out` is line `line` of `file`.
fn continues_at(out: &str, file: &str, line: u32, expanded: &mut Expanded) {
    let at = out.bytes().filter(|byte| *byte == b'\n').count() as u32 + 1;
    // A file that added no line (an empty one, or one `:r` after another)
    // gives its place to what follows.
    if expanded.lines.last().is_some_and(|(last, _, _)| *last == at) {
        expanded.lines.pop();
    }
    expanded.lines.push((at, file.to_owned(), line));
}

/// Follows one `:r path` line at `at` in the file `display`.
#[allow(clippy::too_many_arguments)]
fn include(
    display: &str,
    absolute: &Path,
    path: &str,
    at: Location,
    chain: &mut Vec<(Frame, Option<Location>)>,
    out: &mut String,
    expanded: &mut Expanded,
    errors: &mut Vec<Error>,
) {
    let folder = |path: &Path| path.parent().map(Path::to_owned).unwrap_or_default();
    let target = folder(absolute).join(path);
    let target_display = clean(&folder(Path::new(display)).join(path));
    let bytes = match std::fs::read(&target) {
        Ok(bytes) => bytes,
        Err(error) => {
            errors.push(Error::IncludeUnreadable { at, path: target_display, reason: error.to_string() });
            return;
        }
    };
    let canonical = target.canonicalize().unwrap_or_else(|_| target.clone());
    if let Some(first) = chain.iter().position(|(frame, _)| frame.canonical == canonical) {
        let mut steps: Vec<String> = chain[first + 1..]
            .iter()
            .filter_map(|(frame, by)| by.as_ref().map(|by| format!("{by} includes {}", frame.display)))
            .collect();
        steps.push(format!("{at} includes {target_display}"));
        errors.push(Error::IncludeCycle { at, chain: steps.join(", ") });
        return;
    }
    let normalized = normalize(&bytes);
    let Ok(text) = String::from_utf8(normalized.clone()) else {
        errors.push(Error::IncludeUnreadable { at, path: target_display, reason: "it is not UTF-8".to_owned() });
        return;
    };
    expanded.includes.push(Included { display: target_display.clone(), absolute: target.clone(), bytes: normalized });
    chain.push((Frame { display: target_display, absolute: target, canonical }, Some(at)));
    expand_into(&text, chain, out, expanded, errors);
    chain.pop();
}

/// `path` with `.` and `a/..` taken out, `/`-separated, for messages.
fn clean(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|last| last != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("folder");
            }
            std::fs::write(path, text).expect("write");
        }
    }

    fn expand_file(dir: &Path, name: &str) -> (Expanded, Vec<String>) {
        let absolute = dir.join(name);
        let text = std::fs::read_to_string(&absolute).expect("read");
        let mut errors = Vec::new();
        let expanded = expand(&format!("migrations/{name}"), &absolute, &text, &mut errors);
        (expanded, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn expand_includes_files_relative_to_the_including_file_recursively() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            &[
                ("a.up.sql", ":setvar t people\nSELECT 1\n:r shared/one.sql\nGO 2\n"),
                ("shared/one.sql", "SELECT '$(t)' -- $(not_a_use)\n:r ../two.sql"),
                ("two.sql", ":on error ignore\nSELECT [$(u)]\n"),
            ],
        );
        let (expanded, errors) = expand_file(dir.path(), "a.up.sql");
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            expanded.text.as_deref(),
            Some(":setvar t people\nSELECT 1\nSELECT '$(t)' -- $(not_a_use)\n:on error ignore\nSELECT [$(u)]\nGO 2\n")
        );
        let includes: Vec<&str> = expanded.includes.iter().map(|i| i.display.as_str()).collect();
        assert_eq!(includes, ["migrations/shared/one.sql", "migrations/two.sql"]);
        let uses: Vec<String> = expanded.uses.iter().map(|u| format!("{} {}", u.at, u.value)).collect();
        assert_eq!(uses, ["migrations/shared/one.sql:1:9 t", "migrations/two.sql:2:9 u"]);
        assert_eq!(expanded.defined, ["t"]);
        let lines: Vec<(u32, &str, u32)> = expanded.lines.iter().map(|(at, file, line)| (*at, file.as_str(), *line)).collect();
        assert_eq!(
            lines,
            [(1, "migrations/a.up.sql", 1), (3, "migrations/shared/one.sql", 1), (4, "migrations/two.sql", 1), (6, "migrations/a.up.sql", 4)]
        );
    }

    #[test]
    fn expand_leaves_a_script_without_includes_as_it_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &[("a.up.sql", ":setvar t x\nSELECT $(t)\n")]);
        let (expanded, errors) = expand_file(dir.path(), "a.up.sql");
        assert!(errors.is_empty() && expanded.text.is_none() && expanded.includes.is_empty() && expanded.lines.is_empty(), "{errors:?}");
    }

    #[test]
    fn expand_fails_naming_the_chain_when_files_include_each_other() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &[("a.up.sql", "SELECT 1\n:r b.sql\n"), ("b.sql", "\n\n:r a.up.sql\n")]);
        let (_, errors) = expand_file(dir.path(), "a.up.sql");
        assert_eq!(
            errors,
            ["migrations/b.sql:3:1: `:r` includes a file that is already being included: migrations/a.up.sql:2:1 includes migrations/b.sql, migrations/b.sql:3:1 includes migrations/a.up.sql; remove one of these `:r` lines"]
        );
    }

    #[test]
    fn expand_refuses_unsupported_and_malformed_commands_with_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &[("a.up.sql", "SELECT 1\n  :connect srv\n!! dir\n:setvar x a b\n:r missing.sql\n'\n:out x\n'\n")]);
        let (_, errors) = expand_file(dir.path(), "a.up.sql");
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].starts_with("migrations/a.up.sql:2:3: sqlcmd command `:connect`"), "{}", errors[0]);
        assert!(errors[1].starts_with("migrations/a.up.sql:3:1: sqlcmd command `!!`"), "{}", errors[1]);
        assert!(errors[2].starts_with("migrations/a.up.sql:4:1: ") && errors[2].contains("double quotes"), "{}", errors[2]);
        assert!(errors[3].starts_with("migrations/a.up.sql:5:1: `:r migrations/missing.sql` cannot be read"), "{}", errors[3]);
    }
}
