//! Schema snapshots: how a revision's snapshot is named and handed to the
//! check against its reviewed file (insta, through
//! [`insta_snapshots!`](crate::insta_snapshots)), and how two schemas are
//! compared, with column order only a note unless the round trip asks for it.

use crate::schema::{Change, Difference, SchemaSnapshot};
use crate::testing::BackendKind;
use crate::Revision;

/// A schema snapshot the harness asks to be checked against its reviewed file.
#[derive(Debug)]
pub struct Snapshot<'a> {
    /// The backend the schema was read from.
    pub backend: BackendKind,
    /// The file name without `.snap`: `<revision>_<slug>`.
    pub name: &'a str,
    /// The revision the schema is after.
    pub revision: &'static Revision,
    /// One sentence for reviewers: which revision, which backend.
    pub description: &'a str,
    /// The rendered schema ([`SchemaSnapshot::render`]).
    pub contents: &'a str,
}

pub(super) type SnapshotCheck = Box<dyn Fn(&Snapshot<'_>) -> Result<(), String>>;

/// The snapshot name of a revision: its file name without the extension
/// (`ca2061f1a411_initial_users_and_todos`), prefixed with the id when the
/// file name does not start with it.
pub fn snapshot_name(revision: &Revision) -> String {
    let file = revision.file_name();
    let stem = [".up.sql", ".down.sql", ".sql", ".rs"]
        .iter()
        .find_map(|extension| file.strip_suffix(extension))
        .unwrap_or(file);
    let name = if stem.starts_with(revision.id) {
        stem.to_owned()
    } else {
        format!("{}_{stem}", revision.id)
    };
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Runs an insta assertion and turns its panic into an error, so the round
/// trip can go on and report every outdated snapshot at once (insta has
/// already printed the diff and written the `.snap.new` file).
///
/// Hidden because only [`insta_snapshots!`](crate::insta_snapshots) calls it:
/// the insta macros must expand in the user's crate to find its workspace.
#[doc(hidden)]
pub fn __catch_snapshot_failure(assertion: impl FnOnce()) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(assertion)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
            .unwrap_or_else(|| "the snapshot assertion failed".to_owned())
    })
}

/// A snapshot check for [`RoundTrip::snapshots`](crate::testing::RoundTrip::snapshots) that uses insta, storing
/// files in `<dir>/<backend>/<revision>_<slug>.snap`; `dir` defaults to the
/// calling crate's `snapshots/` folder.
///
/// It expands in the calling crate, which needs `insta` as a dev-dependency.
/// A missing or changed snapshot fails the round trip (after the whole walk,
/// so every outdated file is written as `.snap.new` in one run); review them
/// with `cargo insta review`, or accept them with `INSTA_UPDATE=always`.
#[macro_export]
macro_rules! insta_snapshots {
    () => {
        $crate::insta_snapshots!(::std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"))
    };
    ($dir:expr) => {{
        let dir: ::std::path::PathBuf = ::std::convert::Into::into($dir);
        move |snapshot: &$crate::testing::Snapshot<'_>| -> ::std::result::Result<(), ::std::string::String> {
            let mut settings = ::insta::Settings::clone_current();
            settings.set_snapshot_path(dir.join(snapshot.backend.name()));
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.set_description(snapshot.description);
            $crate::testing::__catch_snapshot_failure(|| {
                settings.bind(|| ::insta::assert_snapshot!(snapshot.name, snapshot.contents))
            })
        }
    }};
}

/// What comparing two schemas found: the differences that fail the round
/// trip, and the notes for those that do not.
pub(super) struct Comparison {
    pub(super) failures: Vec<Difference>,
    pub(super) notes: Vec<String>,
}

/// Compares the schema `after` a step with the one expected. A difference
/// in a table's column order alone is a note unless `strict_column_order`:
/// a downgrade that re-adds a dropped column can only put it last on
/// PostgreSQL and SQL Server (see
/// [`RoundTrip::strict_column_order`](super::RoundTrip::strict_column_order)).
pub(super) fn compare(
    expected: &SchemaSnapshot,
    actual: &SchemaSnapshot,
    strict_column_order: bool,
    after: &str,
) -> Comparison {
    let differences = expected.diff(actual);
    if strict_column_order {
        return Comparison {
            failures: differences,
            notes: Vec::new(),
        };
    }
    let (order, failures): (Vec<Difference>, Vec<Difference>) = differences.into_iter().partition(
        |d| matches!(&d.change, Change::Changed { attribute, .. } if attribute == "column order"),
    );
    let notes = order
        .iter()
        .map(|difference| {
            format!("{after}, {difference} (not a failure: call RoundTrip::strict_column_order to make it one)")
        })
        .collect();
    Comparison { failures, notes }
}

/// Hands the schema after `revision`'s upgrade to `check`; the snapshot's
/// name when its reviewed file is missing or differs.
pub(super) fn outdated(
    check: &SnapshotCheck,
    backend: BackendKind,
    revision: &'static Revision,
    schema: &SchemaSnapshot,
) -> Option<String> {
    let name = snapshot_name(revision);
    let description = format!(
        "The {} schema after upgrading to revision {} ({}) from {}.",
        backend.product(),
        revision.id,
        revision.message,
        revision.source
    );
    let contents = schema.render();
    let snapshot = Snapshot {
        backend,
        name: &name,
        revision,
        description: &description,
        contents: &contents,
    };
    check(&snapshot).is_err().then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Table};
    use crate::{Body, Checksum};

    fn revision(id: &'static str, source: &'static str) -> Revision {
        Revision {
            id,
            parents: &[],
            depends_on: &[],
            branch_labels: &[],
            message: "",
            checksum: Checksum([0; 32]),
            transactional: true,
            irreversible: None,
            lock_timeout: None,
            source,
            body: Body::Sql { up: "", down: None, sources: crate::ScriptSources::NONE },
        }
    }

    #[test]
    fn snapshot_name_is_the_file_stem_when_it_starts_with_the_id() {
        assert_eq!(
            snapshot_name(&revision(
                "ca2061f1a411",
                "migrations/ca2061f1a411_initial.rs"
            )),
            "ca2061f1a411_initial"
        );
        assert_eq!(
            snapshot_name(&revision("e2c9", "migrations/e2c9_add_phone.up.sql")),
            "e2c9_add_phone"
        );
        assert_eq!(
            snapshot_name(&revision("a0a0", "migrations/fixture.sql")),
            "a0a0_fixture"
        );
    }

    #[test]
    fn catch_snapshot_failure_turns_a_panic_into_its_message() {
        let result = __catch_snapshot_failure(|| panic!("snapshot differs"));
        assert_eq!(result, Err("snapshot differs".to_owned()));
        assert_eq!(__catch_snapshot_failure(|| {}), Ok(()));
    }

    fn schema(columns: &[&str]) -> SchemaSnapshot {
        let mut schema = SchemaSnapshot::default();
        let columns = columns
            .iter()
            .map(|name| Column {
                name: (*name).to_owned(),
                data_type: "integer".to_owned(),
                ..Column::default()
            })
            .collect();
        schema.tables.insert(
            "users".to_owned(),
            Table {
                columns,
                ..Table::default()
            },
        );
        schema
    }

    #[test]
    fn compare_makes_a_column_order_difference_a_note_when_the_order_is_not_strict() {
        let (expected, actual) = (schema(&["id", "email"]), schema(&["email", "id"]));
        let comparison = compare(&expected, &actual, false, "after downgrading revision e2c9");
        assert!(comparison.failures.is_empty(), "{:?}", comparison.failures);
        assert_eq!(
            comparison.notes,
            [
                "after downgrading revision e2c9, table users: column order id, email → email, id \
                 (not a failure: call RoundTrip::strict_column_order to make it one)"
            ]
        );
    }

    #[test]
    fn compare_fails_on_column_order_when_the_order_is_strict() {
        let (expected, actual) = (schema(&["id", "email"]), schema(&["email", "id"]));
        let comparison = compare(&expected, &actual, true, "after downgrading revision e2c9");
        assert_eq!(comparison.failures, expected.diff(&actual));
        assert!(comparison.notes.is_empty());
    }

    #[test]
    fn outdated_names_the_snapshot_when_the_check_fails() {
        let revision: &'static Revision =
            Box::leak(Box::new(revision("e2c9", "migrations/e2c9_add_phone.sql")));
        let failing: SnapshotCheck = Box::new(|snapshot| {
            assert_eq!(
                snapshot.description,
                "The SQLite schema after upgrading to revision e2c9 () from migrations/e2c9_add_phone.sql."
            );
            Err("differs".to_owned())
        });
        let passing: SnapshotCheck = Box::new(|_| Ok(()));
        let schema = schema(&["id"]);
        assert_eq!(
            outdated(&failing, BackendKind::Sqlite, revision, &schema),
            Some("e2c9_add_phone".to_owned())
        );
        assert_eq!(
            outdated(&passing, BackendKind::Sqlite, revision, &schema),
            None
        );
    }
}
