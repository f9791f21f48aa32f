//! The project's `objects/` folder as baseline writes it: one file per
//! view, procedure, function and trigger, holding its one `CREATE`
//! statement exactly as the base revision runs it.
//!
//! The layout is shared with the build, which embeds the folder:
//! `objects/<name>.sql` (every dialect) or `objects/<name>.<dialect>.sql`
//! (`mssql`, `postgres`, `sqlite`: one dialect; baseline writes these, for
//! its source's dialect). `<name>` is the object's name as its `CREATE`
//! writes it (`dbo.order_summary`, `Sales by Region`), which the build
//! checks against the file's name; a character a
//! file name cannot hold on some system (`/`, `\`, NUL, and `:*?"<>|` on
//! Windows) is written `%XX` (two upper-case hex digits of its byte), and
//! `%` itself `%25`, so that every name has one file name and back.
//!
//! A file is the definition followed by one line break, unless the
//! definition already ends with one: a file ends with a newline, as editors
//! and `git diff` expect, and the definition is the file less that last
//! line break (`\n` or `\r\n`).

use std::path::{Path, PathBuf};

use crate::Dialect;

/// One object of `objects/`: its name, the dialect it is written for
/// (`None`: every dialect) and its `CREATE` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFile {
    /// The object's name as the catalog spells it (`Sales by Region`,
    /// `reporting.Totals` outside the default schema).
    pub name: String,
    /// The one dialect the file is for; `None` for every dialect.
    pub dialect: Option<Dialect>,
    /// The `CREATE … VIEW|PROCEDURE|FUNCTION|TRIGGER` statement, exactly as
    /// it runs (on SQL Server one batch, without `GO`).
    pub definition: String,
}

impl ObjectFile {
    /// `<name>.<dialect>.sql`, or `<name>.sql` for every dialect, with the
    /// characters a file name cannot hold written `%XX`.
    ///
    /// ```
    /// # use retort::baseline::ObjectFile;
    /// let file = ObjectFile { name: "Sales/Region: 50%".into(), dialect: Some(retort::Dialect::Mssql), definition: String::new() };
    /// assert_eq!(file.file_name(), "Sales%2FRegion%3A 50%25.mssql.sql");
    /// ```
    pub fn file_name(&self) -> String {
        let mut file = retort_sql::module_file_name(&self.name);
        if let Some(dialect) = self.dialect {
            file.push('.');
            file.push_str(dialect.name());
        }
        file.push_str(".sql");
        file
    }

    /// What the file holds: the definition and, unless it ends with one, a
    /// line break.
    pub fn contents(&self) -> String {
        if self.definition.ends_with('\n') {
            self.definition.clone()
        } else {
            format!("{}\n", self.definition)
        }
    }
}

/// The object name and dialect a file name of `objects/` stands for
/// (`Sales%2FRegion.mssql.sql` → `Sales/Region`, SQL Server); `None` for a
/// file that is not `.sql`, or whose `%` is not followed by two hex digits.
pub fn object_of_file_name(file_name: &str) -> Option<(String, Option<Dialect>)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (stem, dialect) = match stem.rsplit_once('.') {
        Some((name, suffix)) => match [Dialect::Mssql, Dialect::Postgres, Dialect::Sqlite].into_iter().find(|d| d.name() == suffix) {
            Some(dialect) => (name, Some(dialect)),
            None => (stem, None),
        },
        None => (stem, None),
    };
    Some((retort_sql::module_name_of_file(stem)?, dialect))
}

/// Why the object files were not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectFilesError {
    #[error(
        "{} already exists with another definition of {name}: baseline does not overwrite it. \
         Move it away (or compare it with the database's) and baseline again, or pass --force to replace it",
        .path.display()
    )]
    /// A file of the folder holds something else than the definition.
    Differs {
        /// The file.
        path: PathBuf,
        /// The object it is for.
        name: String,
    },
    #[error("{}: {source}", .path.display())]
    /// A file or the folder could not be read or written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// What [`write_object_files`] did with each file, in the files' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file did not exist and was written.
    Written,
    /// The file already held exactly this definition.
    Unchanged,
    /// The file held something else and was replaced (`overwrite`).
    Replaced,
}

/// Writes `files` into `dir` (created if missing). A file that exists with
/// other contents is an error naming it, before anything is written,
/// unless `overwrite`; one that holds the same bytes is left as it is.
pub fn write_object_files(dir: &Path, files: &[ObjectFile], overwrite: bool) -> Result<Vec<(PathBuf, Outcome)>, ObjectFilesError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ObjectFilesError::Io { path, source }
    };
    let mut planned = Vec::with_capacity(files.len());
    for file in files {
        let path = dir.join(file.file_name());
        let contents = file.contents();
        let outcome = match std::fs::read(&path) {
            Ok(existing) if existing == contents.as_bytes() => Outcome::Unchanged,
            Ok(_) if overwrite => Outcome::Replaced,
            Ok(_) => return Err(ObjectFilesError::Differs { path, name: file.name.clone() }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Outcome::Written,
            Err(error) => return Err(io(&path)(error)),
        };
        planned.push((path, contents, outcome));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut done = Vec::with_capacity(planned.len());
    for (path, contents, outcome) in planned {
        if outcome != Outcome::Unchanged {
            std::fs::write(&path, contents).map_err(io(&path))?;
        }
        done.push((path, outcome));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, dialect: Option<Dialect>, definition: &str) -> ObjectFile {
        ObjectFile { name: name.into(), dialect, definition: definition.into() }
    }

    #[test]
    fn file_name_escapes_what_a_file_name_cannot_hold_and_reads_back() {
        let names = ["Sales by Region", "reporting.Totals", "a/b\\c:d*e?f\"g<h>i|j", "50% off", "nul\0here", "Ünïcode ✓"];
        for name in names {
            for dialect in [None, Some(Dialect::Mssql), Some(Dialect::Postgres), Some(Dialect::Sqlite)] {
                let file_name = file(name, dialect, "").file_name();
                assert!(!file_name.contains(['/', '\\', '\0', ':', '*', '?', '"', '<', '>', '|']), "{file_name}");
                assert_eq!(object_of_file_name(&file_name), Some((name.to_owned(), dialect)), "{file_name}");
            }
        }
        assert_eq!(file("50% off", None, "").file_name(), "50%25 off.sql");
        assert_eq!(file("reporting.Totals", Some(Dialect::Postgres), "").file_name(), "reporting.Totals.postgres.sql");
        assert_eq!(object_of_file_name("bad%zz.sql"), None);
        assert_eq!(object_of_file_name("readme.md"), None);
    }

    #[test]
    fn contents_end_with_one_line_break() {
        assert_eq!(file("v", None, "CREATE VIEW v AS SELECT 1").contents(), "CREATE VIEW v AS SELECT 1\n");
        assert_eq!(file("v", None, "CREATE VIEW v AS SELECT 1  \n").contents(), "CREATE VIEW v AS SELECT 1  \n");
    }

    #[test]
    fn write_object_files_refuses_a_different_file_before_writing_any_unless_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        let objects = dir.path().join("objects");
        let files = [file("a", Some(Dialect::Sqlite), "CREATE VIEW a AS SELECT 1"), file("b c", Some(Dialect::Sqlite), "CREATE VIEW \"b c\" AS SELECT 2")];
        let written = write_object_files(&objects, &files, false).unwrap();
        assert_eq!(written.iter().map(|(_, o)| *o).collect::<Vec<_>>(), [Outcome::Written, Outcome::Written]);
        assert_eq!(std::fs::read_to_string(objects.join("b c.sqlite.sql")).unwrap(), "CREATE VIEW \"b c\" AS SELECT 2\n");
        // The same definitions again: nothing to do.
        let again = write_object_files(&objects, &files, false).unwrap();
        assert_eq!(again.iter().map(|(_, o)| *o).collect::<Vec<_>>(), [Outcome::Unchanged, Outcome::Unchanged]);
        // b edited by hand, a removed: refused, and a is not written either.
        std::fs::write(objects.join("b c.sqlite.sql"), "CREATE VIEW \"b c\" AS SELECT 3\n").unwrap();
        std::fs::remove_file(objects.join("a.sqlite.sql")).unwrap();
        let refused = write_object_files(&objects, &files, false).unwrap_err();
        assert!(matches!(&refused, ObjectFilesError::Differs { name, .. } if name == "b c"), "{refused}");
        assert!(refused.to_string().contains("b c.sqlite.sql") && refused.to_string().contains("--force"), "{refused}");
        assert!(!objects.join("a.sqlite.sql").exists(), "nothing is written when one file differs");
        let replaced = write_object_files(&objects, &files, true).unwrap();
        assert_eq!(replaced.iter().map(|(_, o)| *o).collect::<Vec<_>>(), [Outcome::Written, Outcome::Replaced]);
        assert_eq!(std::fs::read_to_string(objects.join("b c.sqlite.sql")).unwrap(), "CREATE VIEW \"b c\" AS SELECT 2\n");
    }
}
