//! `objects/`: the project's views, procedures, functions and triggers as
//! code, one file per object (`objects/<name>.sql` for every dialect, or
//! `objects/<name>.<dialect>.sql` for one), beside `migrations/`.
//!
//! Each file is read once here: its header (`CREATE … VIEW | PROCEDURE |
//! FUNCTION | TRIGGER <name>`, by retort-sql's lexer) must name the object
//! its file is named for, and the text is checksummed and embedded in the
//! generated table (`Migrations::with_objects`), from which
//! `new-revision --autogenerate` writes the revision that creates, replaces
//! or drops them. Subfolders group files (by kind, by team) and do not
//! count in the name.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use retort_sql::{module_header, Dialect, ModuleKind};

use crate::error::{Error, Location};
use crate::scan::display_path;

/// The dialect suffixes an object file may carry, with the dialect's name
/// in `::retort::Dialect`.
const DIALECTS: [(&str, Dialect, &str); 3] =
    [("mssql", Dialect::Mssql, "Mssql"), ("postgres", Dialect::Postgres, "Postgres"), ("sqlite", Dialect::Sqlite, "Sqlite")];

/// One object file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFile {
    /// The object's name as its file and header write it (`dbo.GetOrders`).
    pub name: String,
    /// What it creates.
    pub kind: ModuleKind,
    /// The dialect it is for (`Mssql`, as `::retort::Dialect` spells it),
    /// or `None` for every dialect.
    pub dialect: Option<&'static str>,
    /// The file, absolute, for `include_str!`.
    pub absolute: String,
    /// The file as messages show it (relative to the crate root).
    pub path: String,
    /// SHA-256 of its normalised bytes (see `checksum.rs`).
    pub checksum: crate::Digest32,
}

/// The `objects` folder beside the migrations folder `dir`.
pub(crate) fn folder(crate_root: &Path, dir: &Path) -> PathBuf {
    let migrations = crate_root.join(dir);
    let parent = migrations.parent().map_or_else(|| crate_root.to_path_buf(), Path::to_path_buf);
    parent.join("objects")
}

/// Every object file under `folder` (none when it does not exist), sorted by
/// path, or every problem found.
pub(crate) fn scan_objects(crate_root: &Path, folder: &Path) -> Result<Vec<ObjectFile>, Vec<Error>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if folder.is_dir() {
        collect(crate_root, folder, &mut files, &mut errors);
    }
    files.sort();
    let mut objects = Vec::new();
    for (absolute, path) in files {
        match read(&absolute, &path) {
            Ok(object) => objects.push(object),
            Err(error) => errors.push(error),
        }
    }
    let mut seen: BTreeMap<(String, Option<&str>), &ObjectFile> = BTreeMap::new();
    for object in &objects {
        let key = (object.name.to_lowercase(), object.dialect);
        match seen.get(&key) {
            Some(first) => errors.push(Error::DuplicateObject {
                at: Location::file(&object.path),
                name: object.name.clone(),
                dialect: object.dialect.map_or_else(|| "every dialect".to_owned(), str::to_lowercase),
                first: first.path.clone(),
            }),
            None => {
                seen.insert(key, object);
            }
        }
    }
    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(errors)
    }
}

/// The `.sql` files under `dir`, depth first, as (absolute, shown) paths.
fn collect(crate_root: &Path, dir: &Path, files: &mut Vec<(String, String)>, errors: &mut Vec<Error>) {
    let shown = display_path(crate_root, dir);
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => return errors.push(Error::Read { at: Location::file(&shown), reason: error.to_string() }),
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(error) => return errors.push(Error::Read { at: Location::file(&shown), reason: error.to_string() }),
        };
        let shown = display_path(crate_root, &path);
        if path.is_dir() {
            collect(crate_root, &path, files, errors);
        } else if path.extension().is_some_and(|extension| extension == "sql") {
            let absolute = std::path::absolute(&path).unwrap_or(path);
            match absolute.to_str() {
                Some(text) => files.push((text.to_owned(), shown)),
                None => errors.push(Error::PathNotUtf8 { at: Location::file(&shown) }),
            }
        }
    }
}

/// One file: its header must name what its file name names.
fn read(absolute: &str, path: &str) -> Result<ObjectFile, Error> {
    let bytes = fs::read(absolute).map_err(|error| Error::Read { at: Location::file(path), reason: error.to_string() })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::NotUtf8 { at: Location::file(path) })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file_name = Path::new(absolute).file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    let (stem_name, suffix) = match stem.rsplit_once('.') {
        Some((name, suffix)) => (name, Some(suffix)),
        None => (stem, None),
    };
    let known = suffix.and_then(|suffix| DIALECTS.iter().find(|(written, ..)| written.eq_ignore_ascii_case(suffix)));
    let lexer = known.map_or(Dialect::Mssql, |(_, dialect, _)| *dialect);
    let header = module_header(lexer, text).map_err(|problem| Error::ObjectHeader {
        at: Location::new(path, problem.line as usize, 1),
        problem: problem.problem,
    })?;
    let at = Location::new(path, header.line as usize, 1);
    if header.alter {
        return Err(Error::ObjectHeader { at, problem: "expected `CREATE`, found `ALTER`".to_owned() });
    }
    let header_name = header.dotted_name();
    let (written, dialect) = match known {
        Some((_, _, variant)) => (stem_name, Some(*variant)),
        None => (stem, None),
    };
    // `%XX` stands for a character a file name cannot hold.
    let decoded = retort_sql::module_name_of_file(written).ok_or_else(|| Error::ObjectHeader {
        at: Location::file(path),
        problem: format!("the file name `{written}` has a `%` not followed by two hex digits (write `%25` for `%`)"),
    })?;
    let name = decoded.as_str();
    if !header_name.eq_ignore_ascii_case(name) {
        // `dbo.GetOrders.mysql.sql` creating `dbo.GetOrders`: a suffix
        // meant as a dialect.
        if let Some(suffix) = suffix.filter(|_| known.is_none() && header_name.eq_ignore_ascii_case(stem_name)) {
            return Err(Error::ObjectDialect { at: Location::file(path), suffix: suffix.to_owned() });
        }
        return Err(Error::ObjectNameMismatch { at, file_name: name.to_owned(), header_name });
    }
    if matches!(lexer, Dialect::Mssql) {
        let batches = retort_sql::Lexed::new(Dialect::Mssql, text).batches();
        if let Some(second) = batches.iter().filter(|batch| batch.has_code()).nth(1) {
            return Err(Error::ObjectHeader {
                at: Location::new(path, second.first_line as usize, 1),
                problem: "a second batch (after a GO line)".to_owned(),
            });
        }
    }
    Ok(ObjectFile {
        name: name.to_owned(),
        kind: header.kind,
        dialect,
        absolute: absolute.to_owned(),
        path: path.to_owned(),
        checksum: crate::checksum::rust_checksum(&bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = root.path().join("objects").join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        root
    }

    fn scanned(files: &[(&str, &str)]) -> Result<Vec<ObjectFile>, Vec<Error>> {
        let root = project(files);
        scan_objects(root.path(), &folder(root.path(), Path::new("migrations")))
    }

    #[test]
    fn scan_objects_reads_kind_name_and_dialect_when_files_are_valid() {
        let objects = scanned(&[
            ("procedures/dbo.GetOrders.sql", "-- orders\nCREATE PROCEDURE dbo.GetOrders AS SELECT 1"),
            ("views/Sales by Region.mssql.sql", "create or alter view [Sales by Region] as select 1 as a"),
            ("views/Sales by Region.sqlite.sql", "CREATE VIEW \"Sales by Region\" AS SELECT 1 AS a"),
        ])
        .unwrap();
        let read: Vec<(&str, ModuleKind, Option<&str>)> = objects.iter().map(|o| (o.name.as_str(), o.kind, o.dialect)).collect();
        assert_eq!(
            read,
            [
                ("dbo.GetOrders", ModuleKind::Procedure, None),
                ("Sales by Region", ModuleKind::View, Some("Mssql")),
                ("Sales by Region", ModuleKind::View, Some("Sqlite")),
            ]
        );
        assert_eq!(objects[0].path, "objects/procedures/dbo.GetOrders.sql");
    }

    #[test]
    fn scan_objects_reads_a_name_written_with_percent_escapes_as_baseline_writes_it() {
        let objects = scanned(&[("Sales%2FRegion 50%25.mssql.sql", "CREATE VIEW [Sales/Region 50%] AS SELECT 1 AS a")]).unwrap();
        assert_eq!(objects[0].name, "Sales/Region 50%");
        let errors = scanned(&[("bad%zz.sql", "CREATE VIEW [bad%zz] AS SELECT 1 AS a")]).unwrap_err();
        assert!(errors[0].to_string().contains("`bad%zz` has a `%` not followed by two hex digits"), "{}", errors[0]);
    }

    #[test]
    fn scan_objects_fails_with_file_and_line_when_the_header_is_bad() {
        let errors = scanned(&[("dbo.GetOrders.sql", "-- orders\n\nCREATE TABLE dbo.GetOrders (id int)")]).unwrap_err();
        assert_eq!(errors.len(), 1);
        let message = errors[0].to_string();
        assert!(message.starts_with("objects/dbo.GetOrders.sql:3:1: expected VIEW, PROCEDURE, FUNCTION or TRIGGER, found `TABLE`"), "{message}");
        let errors = scanned(&[("v.sql", "CREATE VIEW v AS SELECT 1\nGO\nSELECT 2")]).unwrap_err();
        assert!(errors[0].to_string().starts_with("objects/v.sql:3:1: a second batch"), "{}", errors[0]);
    }

    #[test]
    fn scan_objects_fails_when_the_header_names_another_object() {
        let errors = scanned(&[("dbo.GetOrders.sql", "-- orders\nCREATE PROC dbo.GetOrder AS SELECT 1")]).unwrap_err();
        assert_eq!(
            errors[0],
            Error::ObjectNameMismatch {
                at: Location::new("objects/dbo.GetOrders.sql", 2, 1),
                file_name: "dbo.GetOrders".into(),
                header_name: "dbo.GetOrder".into(),
            }
        );
        let errors = scanned(&[("dbo.GetOrders.mysql.sql", "CREATE PROC dbo.GetOrders AS SELECT 1")]).unwrap_err();
        assert_eq!(errors[0], Error::ObjectDialect { at: Location::file("objects/dbo.GetOrders.mysql.sql"), suffix: "mysql".into() });
    }

    #[test]
    fn scan_objects_fails_when_an_object_is_declared_twice_for_a_dialect() {
        let errors = scanned(&[
            ("a/v.sql", "CREATE VIEW v AS SELECT 1"),
            ("b/V.sql", "CREATE VIEW V AS SELECT 2"),
            ("v.sqlite.sql", "CREATE VIEW v AS SELECT 3"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().contains("declared twice for every dialect (also in objects/a/v.sql)"), "{}", errors[0]);
    }

    #[test]
    fn scan_objects_finds_nothing_when_there_is_no_folder() {
        assert_eq!(scanned(&[]).unwrap(), []);
    }
}
