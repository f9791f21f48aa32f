//! The project's declared objects: views, procedures, functions and
//! triggers kept as code in `objects/` beside `migrations/`, one file per
//! object (per dialect where they differ), embedded by the build script
//! (`Migrations::with_objects`). `new-revision --autogenerate` compares
//! them with the modules the revisions build (see `autogenerate/modules.rs`).

pub use retort_sql::ModuleKind;

use crate::{Checksum, Dialect};

/// One object file of `objects/`, as the build script read and checked it:
/// its header creates the object its file is named for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredObject {
    /// The name as the file writes it: `dbo.GetOrders`, `Sales by Region`.
    pub name: &'static str,
    /// What its `CREATE` creates.
    pub kind: ModuleKind,
    /// The one dialect it is for (`<name>.<dialect>.sql`), or `None` for
    /// every dialect (`<name>.sql`).
    pub dialect: Option<Dialect>,
    /// The file, relative to the crate root, for messages.
    pub path: &'static str,
    /// Its text: one `CREATE … VIEW | PROCEDURE | FUNCTION | TRIGGER`
    /// statement (on SQL Server one batch).
    pub sql: &'static str,
    /// SHA-256 of the file's bytes, normalised as a revision's are (a BOM
    /// dropped, CRLF as LF).
    pub checksum: Checksum,
}

impl DeclaredObject {
    /// The text without a byte order mark, which is no SQL.
    pub fn text(&self) -> &'static str {
        self.sql.strip_prefix('\u{feff}').unwrap_or(self.sql)
    }
}

/// The objects of `objects` that `dialect` builds: a dialect's own file
/// over the file for every dialect of the same name.
pub(crate) fn for_dialect(objects: &[DeclaredObject], dialect: Dialect) -> Vec<&DeclaredObject> {
    let own = |object: &DeclaredObject| object.dialect == Some(dialect);
    objects
        .iter()
        .filter(|object| match object.dialect {
            Some(d) => d == dialect,
            None => !objects.iter().any(|other| own(other) && other.name.eq_ignore_ascii_case(object.name)),
        })
        .collect()
}
