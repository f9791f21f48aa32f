//! The compiled form of one migration file, as `retort-build` emits it.

use std::fmt;

use retort_sql::ModuleKind;

use crate::Dialect;

/// One revision of the schema, compiled into the binary by `retort-build`.
///
/// Every field is static data: the generated revision table is a `static`
/// slice of these, so reading it costs nothing at start-up.
#[derive(Debug)]
pub struct Revision {
    /// The revision id: at least 4 characters of `[A-Za-z0-9_]`.
    pub id: &'static str,
    /// The revisions this one follows: none for a base, several for a merge.
    pub parents: &'static [&'static str],
    /// Revisions that must be applied first without being parents
    /// (Alembic's `depends_on`): they order the plan but do not shape heads.
    pub depends_on: &'static [&'static str],
    /// Names that declare this revision the start of an intended branch.
    pub branch_labels: &'static [&'static str],
    /// The one-line message given when the revision was created.
    pub message: &'static str,
    /// SHA-256 of the source, as defined in `retort-build`'s `checksum` module.
    pub checksum: Checksum,
    /// `false` for revisions that must run outside a transaction
    /// (`ALTER DATABASE`, `CREATE INDEX CONCURRENTLY`, full-text indexes).
    pub transactional: bool,
    /// Why this revision cannot be undone, when it says so. Downgrading past
    /// it is then an error that quotes this reason.
    pub irreversible: Option<&'static str>,
    /// How long its statements wait for a lock another session holds
    /// before giving up (`-- lock-timeout: 10s`, `LOCK_TIMEOUT`); `None`:
    /// the migrator's [`LockWait::timeout`](crate::LockWait::timeout).
    pub lock_timeout: Option<std::time::Duration>,
    /// The source path relative to the crate root, for error messages.
    pub source: &'static str,
    /// What the revision does.
    pub body: Body,
}

/// The executable part of a revision.
#[derive(Clone, Copy)]
pub enum Body {
    /// An SQL revision: the up script and, unless irreversible, the down script.
    Sql {
        /// The upgrade script's text (`<id>_<slug>.up.sql`).
        up: &'static str,
        /// The downgrade script's text (`<id>_<slug>.down.sql`), `None` when
        /// the revision is irreversible.
        down: Option<&'static str>,
        /// Where the lines of a script that includes files (`sqlcmd`'s `:r`)
        /// were written; [`ScriptSources::NONE`] for scripts that include
        /// none. Not part of the checksum.
        sources: ScriptSources,
    },
    /// A Rust revision: functions that record operations on an [`Operations`]
    /// builder. A missing `downgrade` is either irreversible or derived from
    /// the upgrade's operations.
    ///
    /// [`Operations`]: crate::Operations
    Rust {
        /// Records the upgrade's operations.
        upgrade: fn(&mut crate::Operations),
        /// Records the downgrade's operations; `None` when it is irreversible
        /// or derived from the upgrade.
        downgrade: Option<fn(&mut crate::Operations)>,
    },
}

/// Where the lines of an SQL revision's scripts were written, when the
/// build embedded them with their `:r` files included: for each run of
/// lines from one file, `(line of the script as built, file as messages
/// show it, line in that file)`, in order.
///
/// ```
/// # use retort::ScriptSources;
/// let sources = ScriptSources {
///     up: &[(1, "migrations/a1a1_x.up.sql", 1), (3, "migrations/inc/grants.sql", 1), (7, "migrations/a1a1_x.up.sql", 4)],
///     down: &[],
/// };
/// assert_eq!(ScriptSources::locate(sources.up, 5), Some(("migrations/inc/grants.sql", 3)));
/// assert_eq!(ScriptSources::locate(sources.up, 8), Some(("migrations/a1a1_x.up.sql", 5)));
/// assert_eq!(ScriptSources::locate(sources.down, 2), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptSources {
    /// The up script's runs of lines.
    pub up: &'static [(u32, &'static str, u32)],
    /// The down script's.
    pub down: &'static [(u32, &'static str, u32)],
}

impl ScriptSources {
    /// Scripts embedded from their own files: each line is where it is.
    pub const NONE: Self = Self { up: &[], down: &[] };

    /// The file and line where line `line` of a script as built was
    /// written, read from that script's runs (`up` or `down`); `None` when
    /// it has none (the script is its file).
    pub fn locate(runs: &'static [(u32, &'static str, u32)], line: u32) -> Option<(&'static str, u32)> {
        let (start, file, first) = runs.iter().rev().find(|(start, _, _)| *start <= line)?;
        Some((file, first + (line - start)))
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Sql { up, down, .. } => f
                .debug_struct("Sql")
                .field("up_bytes", &up.len())
                .field("down_bytes", &down.map(str::len))
                .finish(),
            Body::Rust { downgrade, .. } => f
                .debug_struct("Rust")
                .field("downgrade", &downgrade.is_some())
                .finish(),
        }
    }
}

impl Revision {
    /// The revision's file name without its folder, for short messages.
    pub fn file_name(&self) -> &'static str {
        self.source
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(self.source)
    }

    /// Whether this revision starts the graph (has no parents).
    pub fn is_base(&self) -> bool {
        self.parents.is_empty()
    }

    /// Whether this revision joins several parents.
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }
}

/// A SHA-256 digest of a revision's source.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// Parses the 64-character lowercase or uppercase hex form stored in the
    /// history table.
    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// The full 64-character lowercase hex form.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(DIGITS[usize::from(byte >> 4)] as char);
            hex.push(DIGITS[usize::from(byte & 0x0f)] as char);
        }
        hex
    }

    /// The first 12 hex characters, enough to tell two checksums apart in a message.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_owned()
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({})", self.short())
    }
}

/// The revision table of one project: every compiled revision, parents before
/// children (the generator emits a deterministic topological order).
///
/// The build script generates `pub static MIGRATIONS: ::retort::Migrations`;
/// include it with [`include_migrations!`](crate::include_migrations).
#[derive(Debug)]
pub struct Migrations {
    revisions: &'static [Revision],
    /// The project's `[migrate]` settings (`retort.toml` or
    /// `[package.metadata.retort.migrate]`), read by the build script.
    lock_timeout: Option<std::time::Duration>,
    lock_retries: Option<u32>,
    /// The project's `[variables]` as `(profile, name, value)`, the
    /// profile `""` for every profile.
    variables: &'static [(&'static str, &'static str, &'static str)],
    /// The project's `objects/` files.
    objects: &'static [DeclaredObject],
}

impl Migrations {
    /// Wraps a revision slice. Only generated code calls this; the generator
    /// has already checked the slice (unique ids, known parents, no cycle,
    /// topological order), which the runtime relies on.
    pub const fn new(revisions: &'static [Revision]) -> Self {
        Self { revisions, lock_timeout: None, lock_retries: None, variables: &[], objects: &[] }
    }

    /// The table with the project's own lock settings (`lock-timeout`,
    /// `lock-retries` in its `[migrate]` settings), which every
    /// [`Migrator`](crate::Migrator) of it starts from: the application's
    /// start-up call as much as `cargo xtask migrate`. Only generated code
    /// calls this.
    pub const fn with_lock_wait(self, timeout: Option<std::time::Duration>, retries: Option<u32>) -> Self {
        Self { lock_timeout: timeout, lock_retries: retries, ..self }
    }

    /// The table with the project's sqlcmd variables (`[variables]` in its
    /// `retort.toml`), as `(profile, name, value)`, the profile `""` for
    /// every profile. Only generated code calls this.
    pub const fn with_variables(self, variables: &'static [(&'static str, &'static str, &'static str)]) -> Self {
        Self { variables, ..self }
    }

    /// The table with the project's views, procedures, functions and
    /// triggers as code (its `objects/` folder). Only generated code calls
    /// this.
    pub const fn with_objects(self, objects: &'static [DeclaredObject]) -> Self {
        Self { objects, ..self }
    }

    /// The project's declared objects, every dialect's (see
    /// [`Migrations::with_objects`]).
    pub fn objects(&self) -> &'static [DeclaredObject] {
        self.objects
    }

    /// The project's sqlcmd variables (see [`Migrations::with_variables`]).
    pub fn variables(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        self.variables
    }

    /// How revisions wait for other sessions' locks unless told otherwise:
    /// the project's settings over [`LockWait`](crate::LockWait)'s defaults.
    pub fn lock_wait(&self) -> crate::LockWait {
        let default = crate::LockWait::default();
        crate::LockWait {
            timeout: self.lock_timeout.unwrap_or(default.timeout),
            retries: self.lock_retries.unwrap_or(default.retries),
            ..default
        }
    }

    /// Every revision, parents before children.
    pub fn revisions(&self) -> &'static [Revision] {
        self.revisions
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<&'static Revision> {
        self.revisions.iter().find(|r| r.id == id)
    }
}

/// Includes the revision table that `retort-build` generated for this crate:
/// `pub static MIGRATIONS: ::retort::Migrations`.
///
/// ```ignore
/// retort::include_migrations!();
/// ```
#[macro_export]
macro_rules! include_migrations {
    () => {
        include!(concat!(env!("OUT_DIR"), "/retort_migrations.rs"));
    };
}


/// One object file of `objects/` (views, procedures, functions and
/// triggers kept as code beside `migrations/`, one file per object, per
/// dialect where they differ), as the build script read and checked it:
/// `new-revision --autogenerate` compares them with the modules the
/// revisions build (see `autogenerate/modules.rs`).
/// Its header creates the object its file is named for.
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

/// The revisions unit tests build: one fixture, varied with struct update
/// syntax (`Revision { transactional: false, ..Revision::fixture(…) }`).
#[cfg(test)]
impl Revision {
    /// Transactional SQL revision `id` after `parents`, from `source`,
    /// running `up` and `down`, with the message `m` and a zero checksum.
    pub(crate) const fn fixture(
        id: &'static str,
        parents: &'static [&'static str],
        source: &'static str,
        up: &'static str,
        down: Option<&'static str>,
    ) -> Revision {
        Revision {
            id,
            parents,
            depends_on: &[],
            branch_labels: &[],
            message: "m",
            checksum: Checksum([0; 32]),
            transactional: true,
            irreversible: None,
            lock_timeout: None,
            source,
            body: Body::Sql { up, down, sources: ScriptSources::NONE },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_round_trips_through_hex() {
        let sum = Checksum([0xab; 32]);
        assert_eq!(Checksum::from_hex(&sum.to_hex()), Some(sum));
        assert_eq!(sum.short(), "abababababab");
    }

    #[test]
    fn checksum_from_hex_rejects_wrong_length_and_non_hex() {
        assert_eq!(Checksum::from_hex("abcd"), None);
        assert_eq!(Checksum::from_hex(&"zz".repeat(32)), None);
        assert_eq!(Checksum::from_hex(&"é".repeat(32)), None);
    }
}
