//! Reading the `migrations/` folder: which entries are revisions, which are
//! ignored, and which are mistakes.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Location};
use crate::revision::ParsedRevision;
use crate::source_file::{FileFailure, SourceFile};
use crate::{parse_rust, parse_sql};

/// The name of the file that lists entries of `migrations/` to skip.
const IGNORE_FILE: &str = ".retortignore";

/// Everything read from a `migrations/` folder: the revisions that parsed and
/// the errors of those that did not. Graph checks come later, in `validate`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Scan {
    /// The folder as messages name it, relative to the crate root where
    /// possible (`migrations`).
    pub dir: String,
    /// The revisions that parsed, in file-name order.
    pub revisions: Vec<ParsedRevision>,
    /// Per-file errors, in file-name order.
    pub errors: Vec<Error>,
    /// Ids of revision files that failed to parse (the declared id when it
    /// could be read, else every id the file name could start with).
    /// Validation does not call a parent naming one of them unknown: that
    /// file's own error already explains the problem.
    pub unparsed_ids: BTreeSet<String>,
}

/// Reads and parses every revision in `dir`, resolved against `crate_root`.
///
/// Never fails as a whole: problems are collected in [`Scan::errors`] so that
/// one build reports all of them.
///
/// ```no_run
/// let scan = retort_build::scan(std::path::Path::new("."), std::path::Path::new("migrations"));
/// for error in &scan.errors {
///     eprintln!("{error}");
/// }
/// ```
pub fn scan(crate_root: &Path, dir: &Path) -> Scan {
    let absolute = crate_root.join(dir);
    let absolute = std::path::absolute(&absolute).unwrap_or(absolute);
    let mut scan = Scan {
        dir: display_path(crate_root, dir),
        ..Scan::default()
    };
    let Some(absolute_text) = absolute.to_str() else {
        scan.errors.push(Error::PathNotUtf8 {
            at: Location::file(&scan.dir),
        });
        return scan;
    };
    let folder = Folder {
        absolute: absolute_text.trim_end_matches(['/', '\\']).to_owned(),
        display: scan.dir.clone(),
    };

    let entries = match list_entries(&absolute) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            scan.errors.push(Error::MissingFolder {
                at: Location::file(&folder.display),
            });
            return scan;
        }
        Err(error) => {
            scan.errors.push(Error::Read {
                at: Location::file(&folder.display),
                reason: error.to_string(),
            });
            return scan;
        }
    };
    let ignore = match IgnoreList::read(&folder) {
        Ok(ignore) => ignore,
        Err(error) => {
            scan.errors.push(error);
            IgnoreList::default()
        }
    };

    let listing = scan.sort_entries(&folder, &ignore, entries);
    scan.report_case_collisions(&folder, &listing.names);
    for unit in &listing.units {
        scan.read_unit(&folder, &listing, unit);
    }
    scan
}

impl Scan {
    /// Sorts the folder's entries into revision files, reporting those that
    /// are neither a revision nor ignored.
    fn sort_entries(
        &mut self,
        folder: &Folder,
        ignore: &IgnoreList,
        entries: Vec<(OsString, PathBuf)>,
    ) -> Listing {
        let mut listing = Listing::default();
        for (name, path) in entries {
            let Some(name) = name.to_str() else {
                self.errors.push(Error::PathNotUtf8 {
                    at: Location::file(&folder.join(&name.to_string_lossy())),
                });
                continue;
            };
            // Dot files are the ignore file itself, .gitkeep and editor state.
            if name.starts_with('.') || ignore.matches(name) {
                continue;
            }
            match Unit::of(name, path.is_dir()) {
                Some(unit) => listing.push(name, unit),
                None => self.errors.push(Error::UnexpectedEntry {
                    at: Location::file(&folder.join(name)),
                    ignore_file: folder.join(IGNORE_FILE),
                }),
            }
        }
        listing
    }

    /// Both files are still parsed: on this machine both exist, and their
    /// own errors (such as the duplicate id they often share) are worth
    /// reporting in the same build.
    fn report_case_collisions(&mut self, folder: &Folder, names: &[String]) {
        for (name, first) in case_collisions(names) {
            self.errors.push(Error::CaseCollision {
                at: Location::file(&folder.join(name)),
                first: folder.join(first),
            });
        }
    }

    /// Parses one revision's files; a `.down.sql` is read with its
    /// `.up.sql`, so on its own it is only checked for having one.
    fn read_unit(&mut self, folder: &Folder, listing: &Listing, unit: &Unit) {
        let (stem, parsed) = match unit {
            Unit::Rust(stem) => (stem, parse_rust_revision(folder, stem)),
            Unit::SqlUp(stem) => (
                stem,
                parse_sql_revision(folder, stem, listing.down_names.get(stem)),
            ),
            Unit::SqlDown(stem) => {
                if !listing.up_stems.contains(stem) {
                    self.errors.push(Error::DownWithoutUp {
                        at: Location::file(&folder.join(&format!("{stem}.down.sql"))),
                        expected_up: folder.join(&format!("{stem}.up.sql")),
                    });
                }
                return;
            }
        };
        self.record(stem, parsed);
    }

    /// Keeps a parsed revision, or a failed file's errors and the ids it may
    /// have declared.
    fn record(&mut self, stem: &str, parsed: Result<ParsedRevision, FileFailure>) {
        match parsed {
            Ok(revision) => self.revisions.push(revision),
            Err(failure) => {
                self.errors.extend(failure.errors);
                match failure.revision {
                    Some(id) => {
                        self.unparsed_ids.insert(id);
                    }
                    None => self.unparsed_ids.extend(candidate_ids(stem)),
                }
            }
        }
    }
}

fn parse_rust_revision(folder: &Folder, stem: &str) -> Result<ParsedRevision, FileFailure> {
    folder
        .read(&format!("{stem}.rs"), stem)
        .map_err(FileFailure::from)
        .and_then(|file| parse_rust::parse(&file))
}

/// An SQL revision from its `.up.sql` and, when there is one, its
/// `.down.sql` (`down_name`).
fn parse_sql_revision(
    folder: &Folder,
    stem: &str,
    down_name: Option<&String>,
) -> Result<ParsedRevision, FileFailure> {
    folder
        .read(&format!("{stem}.up.sql"), stem)
        .and_then(|up| {
            let down = down_name.map(|name| folder.read(name, stem)).transpose()?;
            Ok((up, down))
        })
        .map_err(FileFailure::from)
        .and_then(|(up, down)| parse_sql::parse(&up, down.as_ref()))
}

/// One revision's worth of entries, in file-name order.
#[derive(Debug, PartialEq)]
enum Unit {
    Rust(String),
    SqlUp(String),
    SqlDown(String),
}

impl Unit {
    /// What a folder entry is by its name; `None` for a folder or a file
    /// that is no revision.
    fn of(name: &str, is_dir: bool) -> Option<Unit> {
        if is_dir {
            None
        } else if let Some(stem) = name.strip_suffix(".up.sql") {
            Some(Unit::SqlUp(stem.to_owned()))
        } else if let Some(stem) = name.strip_suffix(".down.sql") {
            Some(Unit::SqlDown(stem.to_owned()))
        } else {
            name.strip_suffix(".rs")
                .map(|stem| Unit::Rust(stem.to_owned()))
        }
    }
}

/// The folder's revision files, with what pairing `.up.sql` and `.down.sql`
/// files needs.
#[derive(Debug, Default)]
struct Listing {
    /// In file-name order.
    units: Vec<Unit>,
    /// Each unit's file name, for the case check.
    names: Vec<String>,
    /// Stems that have an `.up.sql`.
    up_stems: BTreeSet<String>,
    /// The `.down.sql` file name of each stem that has one.
    down_names: BTreeMap<String, String>,
}

impl Listing {
    fn push(&mut self, name: &str, unit: Unit) {
        match &unit {
            Unit::SqlUp(stem) => {
                self.up_stems.insert(stem.clone());
            }
            Unit::SqlDown(stem) => {
                self.down_names.insert(stem.clone(), name.to_owned());
            }
            Unit::Rust(_) => {}
        }
        self.units.push(unit);
        self.names.push(name.to_owned());
    }
}

/// The migrations folder, by its absolute path and the path messages show.
struct Folder {
    absolute: String,
    display: String,
}

impl Folder {
    fn join(&self, name: &str) -> String {
        format!("{}/{name}", self.display)
    }

    fn read(&self, name: &str, stem: &str) -> Result<SourceFile, Error> {
        let absolute = format!("{}{}{name}", self.absolute, std::path::MAIN_SEPARATOR);
        let display = self.join(name);
        let bytes = fs::read(&absolute).map_err(|error| Error::Read {
            at: Location::file(&display),
            reason: error.to_string(),
        })?;
        Ok(SourceFile {
            display,
            absolute,
            stem: stem.to_owned(),
            expected_dir: self.display.clone(),
            bytes,
        })
    }
}

/// Each name in `names` (in order) that differs only in case from an
/// earlier one, with that earlier one.
///
/// The key is the lowercase name: exact for ASCII, which every generated
/// name is, and close to what macOS and Windows compare otherwise (they also
/// fold some non-ASCII letters differently, and macOS ignores Unicode
/// normalisation, which this does not).
fn case_collisions(names: &[String]) -> Vec<(&str, &str)> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut collisions = Vec::new();
    for name in names {
        match seen.entry(name.to_lowercase()) {
            Entry::Occupied(first) => {
                collisions.push((name.as_str(), *first.get()));
            }
            Entry::Vacant(slot) => {
                slot.insert(name);
            }
        }
    }
    collisions
}

/// Every id a file name could begin with. Ids may contain `_`, which also
/// separates the id from the slug, so each `_` is a possible end.
fn candidate_ids(stem: &str) -> Vec<String> {
    stem.match_indices('_')
        .map(|(i, _)| stem[..i].to_owned())
        .chain(std::iter::once(stem.to_owned()))
        .collect()
}

fn list_entries(dir: &Path) -> io::Result<Vec<(OsString, PathBuf)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.path()));
    }
    // read_dir's order depends on the file system; messages and "first
    // declared by" must not.
    entries.sort();
    Ok(entries)
}

/// `dir` as messages show it: relative to the crate root when it is inside,
/// `/`-separated on every platform.
pub(crate) fn display_path(crate_root: &Path, dir: &Path) -> String {
    let relative = if dir.is_absolute() {
        dir.strip_prefix(crate_root).unwrap_or(dir)
    } else {
        dir
    };
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    match parts.as_slice() {
        [] => ".".to_owned(),
        [root] if root.is_empty() => "/".to_owned(),
        _ => parts.join("/"),
    }
}

/// The patterns of `migrations/.retortignore`: one per line, exact names or
/// `*` wildcards, `#` comments and blank lines skipped. A trailing `/` is
/// allowed for folders, as in `.gitignore`.
#[derive(Debug, Default)]
struct IgnoreList {
    patterns: Vec<String>,
}

impl IgnoreList {
    fn read(folder: &Folder) -> Result<Self, Error> {
        let path = format!(
            "{}{}{IGNORE_FILE}",
            folder.absolute,
            std::path::MAIN_SEPARATOR
        );
        let display = folder.join(IGNORE_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(error) => {
                return Err(Error::Read {
                    at: Location::file(&display),
                    reason: error.to_string(),
                })
            }
        };
        let file = SourceFile {
            display,
            absolute: path,
            stem: String::new(),
            expected_dir: folder.display.clone(),
            bytes,
        };
        Ok(Self::parse(file.text()?))
    }

    fn parse(text: &str) -> Self {
        let patterns = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| line.trim_end_matches('/').to_owned())
            .collect();
        Self { patterns }
    }

    fn matches(&self, name: &str) -> bool {
        self.patterns
            .iter()
            .any(|pattern| wildcard_match(pattern, name))
    }
}

/// Whether `name` matches `pattern`, where `*` stands for any run of
/// characters (including none) and every other character for itself.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was and how much of the name it has swallowed; on a
    // mismatch the star takes one more character and matching resumes.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if p < pattern.len() && pattern[p] == name[n] {
            p += 1;
            n += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A crate root in a temporary folder with `migrations/` holding `files`.
    pub(crate) fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("create a temporary folder");
        let dir = root.path().join("migrations");
        fs::create_dir(&dir).expect("create migrations/");
        for (name, text) in files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).expect("create a fixture subfolder");
            }
            fs::write(path, text).expect("write a fixture file");
        }
        root
    }

    pub(crate) fn scan_fixture(files: &[(&str, &str)]) -> Scan {
        let root = fixture(files);
        scan(root.path(), Path::new("migrations"))
    }

    pub(crate) fn messages(errors: &[Error]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    pub(crate) const BASE: &str = "\
pub const REVISION: &str = \"1a2b3c4d5e6f\";
pub const PARENTS: &[&str] = &[];
pub const MESSAGE: &str = \"initial\";
pub fn upgrade(op: &mut retort::Operations) { op.execute(\"CREATE TABLE users (id INT)\"); }
pub fn downgrade(op: &mut retort::Operations) { op.execute(\"DROP TABLE users\"); }
";

    #[test]
    fn wildcard_match_accepts_stars_and_exact_names() {
        assert!(wildcard_match("README.md", "README.md"));
        assert!(wildcard_match("*.md", "README.md"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(wildcard_match("a*b*c", "abbbc"));
        assert!(wildcard_match("*é*", "café.txt"));
        assert!(!wildcard_match("*.md", "README.txt"));
        assert!(!wildcard_match("a*b", "aXbc"));
        assert!(!wildcard_match("", "x"));
    }

    #[test]
    fn scan_reports_unexpected_entry_when_file_is_neither_rust_nor_sql() {
        let scan = scan_fixture(&[("1a2b3c4d5e6f_initial.rs", BASE), ("notes.txt", "x")]);
        assert_eq!(
            messages(&scan.errors),
            ["migrations/notes.txt:1:1: neither a Rust nor an SQL revision: rename it (`<id>_<slug>.rs`, or `<id>_<slug>.up.sql` with `.down.sql`), or list it in migrations/.retortignore"]
        );
        assert_eq!(scan.revisions.len(), 1);
    }

    #[test]
    fn scan_reports_unexpected_entry_when_a_subfolder_exists() {
        let scan = scan_fixture(&[("old/1a2b3c4d5e6f_initial.rs", BASE)]);
        assert_eq!(scan.errors.len(), 1);
        assert!(matches!(
            &scan.errors[0],
            Error::UnexpectedEntry { at, .. } if at == &Location::new("migrations/old", 1, 1)
        ));
    }

    #[test]
    fn scan_skips_entries_when_ignored_or_dot_files() {
        let scan = scan_fixture(&[
            (".gitkeep", ""),
            (".retortignore", "# docs\n\nREADME.md\n*.txt\nold/\n"),
            ("README.md", "hello"),
            ("notes.txt", "x"),
            ("old/x.rs", "x"),
            ("1a2b3c4d5e6f_initial.rs", BASE),
        ]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert_eq!(scan.revisions.len(), 1);
    }

    #[test]
    fn scan_reports_missing_folder_when_dir_does_not_exist() {
        let root = tempfile::tempdir().expect("create a temporary folder");
        let scan = scan(root.path(), Path::new("migrations"));
        assert_eq!(
            messages(&scan.errors),
            ["migrations:1:1: migrations folder not found: create it (an empty folder with a .gitkeep is a valid, empty history), or pass its path to retort_build::compile"]
        );
    }

    #[test]
    fn scan_reports_not_utf8_with_line_and_column_when_bytes_are_invalid() {
        let root = fixture(&[]);
        fs::write(
            root.path().join("migrations/1a2b3c4d5e6f_x.rs"),
            b"// ok\n// caf\xE9\n",
        )
        .expect("write a fixture file");
        let scan = scan(root.path(), Path::new("migrations"));
        assert_eq!(
            messages(&scan.errors),
            ["migrations/1a2b3c4d5e6f_x.rs:2:7: not valid UTF-8: save the file as UTF-8"]
        );
        assert!(scan.unparsed_ids.contains("1a2b3c4d5e6f"));
    }

    #[test]
    fn scan_reports_read_error_when_migrations_is_a_file() {
        let root = tempfile::tempdir().expect("create a temporary folder");
        fs::write(root.path().join("migrations"), "not a folder").expect("write a file");
        let scan = scan(root.path(), Path::new("migrations"));
        assert!(matches!(
            &scan.errors[..],
            [Error::Read { at, .. }] if *at == Location::new("migrations", 1, 1)
        ));
        assert!(scan.errors[0]
            .to_string()
            .starts_with("migrations:1:1: cannot read: "));
    }

    #[cfg(unix)]
    #[test]
    fn scan_reports_path_not_utf8_when_a_file_name_is_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let root = fixture(&[("1a2b3c4d5e6f_initial.rs", BASE)]);
        let name = std::ffi::OsStr::from_bytes(b"caf\xE9.rs");
        fs::write(root.path().join("migrations").join(name), "").expect("write a fixture file");
        let scan = scan(root.path(), Path::new("migrations"));
        assert_eq!(
            messages(&scan.errors),
            ["migrations/caf\u{fffd}.rs:1:1: the path is not valid UTF-8: rename it (generated code names it in a string literal)"]
        );
        assert_eq!(scan.revisions.len(), 1);
    }

    #[test]
    fn display_path_is_relative_when_dir_is_inside_the_crate() {
        let root = Path::new("/crate");
        assert_eq!(display_path(root, Path::new("./migrations")), "migrations");
        assert_eq!(
            display_path(root, Path::new("/crate/db/migrations")),
            "db/migrations"
        );
        assert_eq!(
            display_path(root, Path::new("/elsewhere/m")),
            "/elsewhere/m"
        );
    }

    #[test]
    fn case_collisions_pairs_each_name_with_the_earlier_one_when_names_differ_only_in_case() {
        let names = [
            "C0DE00000004_add.up.sql",
            "a1a1_x.rs",
            "c0de00000004_Add.up.sql",
            "c0de00000004_add.down.sql",
            "c0de00000004_add.up.sql",
        ]
        .map(String::from);
        assert_eq!(
            case_collisions(&names),
            [
                ("c0de00000004_Add.up.sql", "C0DE00000004_add.up.sql"),
                ("c0de00000004_add.up.sql", "C0DE00000004_add.up.sql"),
            ]
        );
    }

    // A case-insensitive file system (the default on macOS and Windows)
    // cannot hold this fixture: the second file would overwrite the first.
    // `case_collisions` is tested above on every platform.
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    #[test]
    fn scan_reports_case_collision_naming_both_files_when_names_differ_only_in_case() {
        let sql = |id: &str| {
            format!("-- revision: {id}\n-- parents:\n-- message: add\n-- irreversible: a test\n\nSELECT 1;\n")
        };
        let upper_base = BASE.replace("1a2b3c4d5e6f", "1A2B3C4D5E6F");
        let root = fixture(&[
            ("1a2b3c4d5e6f_initial.rs", BASE),
            ("1A2B3C4D5E6F_INITIAL.rs", &upper_base),
            ("c0de00000004_Add.up.sql", &sql("c0de00000004")),
            ("C0DE00000004_add.up.sql", &sql("C0DE00000004")),
        ]);
        let scan = scan(root.path(), Path::new("migrations"));
        assert_eq!(
            scan.errors,
            [
                Error::CaseCollision {
                    at: Location::file("migrations/1a2b3c4d5e6f_initial.rs"),
                    first: "migrations/1A2B3C4D5E6F_INITIAL.rs".to_owned(),
                },
                Error::CaseCollision {
                    at: Location::file("migrations/c0de00000004_Add.up.sql"),
                    first: "migrations/C0DE00000004_add.up.sql".to_owned(),
                },
            ]
        );
        assert_eq!(
            messages(&scan.errors)[1],
            "migrations/c0de00000004_Add.up.sql:1:1: the name differs only in case from migrations/C0DE00000004_add.up.sql: case-insensitive file systems (the default on macOS and Windows) cannot hold both, so a checkout there keeps only one; rename one of them"
        );
        // Both files of each pair still parse, so that the ids they share
        // are reported too.
        assert_eq!(scan.revisions.len(), 4);
        let errors = crate::validate(scan).expect_err("the ids collide too");
        assert_eq!(
            messages(&errors.as_slice()[2..]),
            [
                "migrations/1a2b3c4d5e6f_initial.rs:1:28: revision id 1a2b3c4d5e6f is already declared by migrations/1A2B3C4D5E6F_INITIAL.rs:1:28 as 1A2B3C4D5E6F (ids that differ only in case count as the same: file names on macOS and Windows, and SQL Server's default collation, ignore case): give one of the two a new id (and update the parents that name it)",
                "migrations/c0de00000004_Add.up.sql:1:14: revision id c0de00000004 is already declared by migrations/C0DE00000004_add.up.sql:1:14 as C0DE00000004 (ids that differ only in case count as the same: file names on macOS and Windows, and SQL Server's default collation, ignore case): give one of the two a new id (and update the parents that name it)",
            ]
        );
    }

    #[test]
    fn unit_of_reads_kind_from_suffix_when_entry_is_a_file() {
        assert_eq!(
            Unit::of("1a2b_init.up.sql", false),
            Some(Unit::SqlUp("1a2b_init".into()))
        );
        assert_eq!(
            Unit::of("1a2b_init.down.sql", false),
            Some(Unit::SqlDown("1a2b_init".into()))
        );
        assert_eq!(
            Unit::of("1a2b_init.rs", false),
            Some(Unit::Rust("1a2b_init".into()))
        );
        assert_eq!(Unit::of("1a2b_init.sql", false), None);
        assert_eq!(
            Unit::of("old.rs", true),
            None,
            "a folder is never a revision"
        );
    }

    #[test]
    fn scan_reports_down_without_up_when_sql_revision_lacks_its_up_file() {
        let scan = scan_fixture(&[
            ("1a2b3c4d5e6f_initial.rs", BASE),
            ("c0de00000004_add.down.sql", "SELECT 1;\n"),
        ]);
        assert!(matches!(
            &scan.errors[..],
            [Error::DownWithoutUp { at, expected_up }]
                if *at == Location::file("migrations/c0de00000004_add.down.sql")
                    && expected_up == "migrations/c0de00000004_add.up.sql"
        ));
        assert_eq!(scan.revisions.len(), 1);
    }

    #[test]
    fn candidate_ids_lists_every_underscore_prefix() {
        assert_eq!(candidate_ids("ab_cd_slug"), ["ab", "ab_cd", "ab_cd_slug"]);
    }
}
