//! End to end: a tiny crate with the three-line `build.rs`, built by cargo.
//!
//! One test function walks through a broken set, a valid set, and adding and
//! removing a revision, so that the fixture crate's dependencies (retort and
//! its runtime dependencies) compile once. The target folder is
//! `target/e2e-fixtures` in the workspace, shared between runs, so later runs
//! only rebuild the fixture crate itself.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

const FIXTURE: &str = "retort-e2e-fixture";

const BUILD_RS: &str = "\
fn main() {
    println!(\"cargo::rerun-if-changed=migrations\");
    retort_build::report(retort_build::compile(\"migrations\"));
}
";

const LIB_RS: &str = r#"retort::include_migrations!();

/// How many revisions were compiled in.
pub fn count() -> usize {
    MIGRATIONS.revisions().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_holds_the_valid_set_in_topological_order() {
        let ids: Vec<&str> = MIGRATIONS.revisions().iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            ["1a2b3c4d5e6f", "4c1d2e3f5a6b", "5e6f7a8b9c0d", "8a9b0c1d2e3f", "9d8c7b6a5f4e", "b1b2c3d4e5f6"]
        );
        assert_eq!(HEADS, ["9d8c7b6a5f4e", "b1b2c3d4e5f6"]);
        let todos = MIGRATIONS.get("5e6f7a8b9c0d").expect("the SQL revision");
        match todos.body {
            retort::Body::Sql { up, down, .. } => {
                assert!(up.contains("CREATE TABLE todos"));
                assert_eq!(down, Some("DROP TABLE todos;\n"));
            }
            retort::Body::Rust { .. } => panic!("5e6f7a8b9c0d is an SQL revision"),
        }
        let users = MIGRATIONS.get("1a2b3c4d5e6f").expect("the base");
        match users.body {
            retort::Body::Rust { upgrade, downgrade } => {
                assert_eq!(retort::Operations::record(upgrade).len(), 1);
                assert!(downgrade.is_some());
            }
            retort::Body::Sql { .. } => panic!("1a2b3c4d5e6f is a Rust revision"),
        }
        let invoices = MIGRATIONS.get("b1b2c3d4e5f6").expect("the billing branch");
        assert!(invoices.irreversible.is_some());
        assert_eq!(invoices.source, "migrations/b1b2c3d4e5f6_create_invoices.rs");
        assert_eq!(count(), 6);
    }
}
"#;

/// A revision `id` following `parent`, in the Rust format.
fn rust_revision(id: &str, parent: &str) -> String {
    format!(
        "use retort::Operations;\n\
         \n\
         pub const REVISION: &str = \"{id}\";\n\
         pub const PARENTS: &[&str] = &[\"{parent}\"];\n\
         pub const MESSAGE: &str = \"revision {id}\";\n\
         \n\
         pub fn upgrade(op: &mut Operations) {{\n    op.execute(\"SELECT 1\");\n}}\n\
         \n\
         pub fn downgrade(op: &mut Operations) {{\n    op.execute(\"SELECT 2\");\n}}\n"
    )
}

struct FixtureCrate {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl FixtureCrate {
    fn new() -> Self {
        let workspace = common::workspace_root();
        let dir = tempfile::tempdir().expect("create the fixture crate folder");
        let manifest = format!(
            "[package]\n\
             name = \"{FIXTURE}\"\n\
             version = \"0.0.0\"\n\
             edition = \"2021\"\n\
             publish = false\n\
             \n\
             [dependencies]\n\
             # One backend: retort with none does not compile (AnyBackend\n\
             # has no variants then), and SQLite is the cheapest to build.\n\
             retort = {{ path = '{retort}', default-features = false, features = [\"sqlite\"] }}\n\
             \n\
             [build-dependencies]\n\
             retort-build = {{ path = '{retort_build}' }}\n\
             \n\
             # Its own workspace, so that it is not taken for a member of ours.\n\
             [workspace]\n",
            retort = workspace.join("crates/retort").display(),
            retort_build = workspace.join("crates/retort-build").display(),
        );
        write(&dir.path().join("Cargo.toml"), &manifest);
        write(&dir.path().join("build.rs"), BUILD_RS);
        write(&dir.path().join("src/lib.rs"), LIB_RS);
        // The workspace's lock file pins the same dependency versions, so
        // cargo needs no registry look-up to resolve the fixture.
        if let Ok(lock) = fs::read_to_string(workspace.join("Cargo.lock")) {
            write(&dir.path().join("Cargo.lock"), &lock);
        }
        Self {
            dir,
            target: workspace.join("target/e2e-fixtures"),
        }
    }

    fn migrations(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    fn set_migrations(&self, files: &[(&str, String)]) {
        let migrations = self.migrations();
        if migrations.exists() {
            fs::remove_dir_all(&migrations).expect("clear migrations/");
        }
        fs::create_dir_all(&migrations).expect("create migrations/");
        for (name, text) in files {
            write(&migrations.join(name), text);
        }
    }

    fn cargo(&self, command: &str) -> Output {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .arg(command)
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_TERM_COLOR", "never");
        // The variables cargo set for this test describe retort-build, not
        // the fixture crate.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_BIN_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_CRATE_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "CARGO_RUSTC_CURRENT_DIR",
                    "OUT_DIR",
                ]
                .contains(&name.as_ref())
            {
                cargo.env_remove(name.as_ref());
            }
        }
        cargo.output().expect("run cargo")
    }

    /// Runs `cargo build` and fails the test, with cargo's output, unless it
    /// succeeds.
    fn build_ok(&self) {
        let output = self.cargo("build");
        assert!(
            output.status.success(),
            "cargo build failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The newest generated table of the fixture crate.
    fn generated(&self) -> String {
        let build = self.target.join("debug/build");
        let mut newest: Option<(SystemTime, PathBuf)> = None;
        for entry in fs::read_dir(&build)
            .expect("the target's build folder")
            .flatten()
        {
            if !entry
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("{FIXTURE}-"))
            {
                continue;
            }
            let file = entry.path().join("out").join(retort_build::OUTPUT_FILE);
            if let Ok(modified) = fs::metadata(&file).and_then(|m| m.modified()) {
                if newest.as_ref().is_none_or(|(time, _)| modified > *time) {
                    newest = Some((modified, file));
                }
            }
        }
        let (_, file) = newest.expect("a generated retort_migrations.rs");
        fs::read_to_string(file).expect("read the generated file")
    }
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create a fixture folder");
    }
    fs::write(path, text).expect("write a fixture file");
}

fn valid_set() -> Vec<(String, String)> {
    let dir = common::fixture_root("valid").join("migrations");
    let mut files: Vec<(String, String)> = fs::read_dir(&dir)
        .expect("the valid fixture set")
        .flatten()
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = fs::read_to_string(entry.path()).expect("read a fixture file");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

fn borrowed(files: &[(String, String)]) -> Vec<(&str, String)> {
    files
        .iter()
        .map(|(name, text)| (name.as_str(), text.clone()))
        .collect()
}

#[test]
fn cargo_build_reports_errors_then_builds_and_tracks_changes_when_migrations_change() {
    let fixture = FixtureCrate::new();
    let valid = valid_set();
    let text_of = |name: &str| {
        valid
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| text.clone())
            .expect("a file of the valid set")
    };

    // (a) A duplicate id, an unknown parent, a call missing its `)` and a
    // down script of comments only: the build fails and names each problem
    // at file:line:column.
    let base = text_of("1a2b3c4d5e6f_create_users.rs");
    let orphan = text_of("4c1d2e3f5a6b_add_phone_number.rs")
        .replace("&[\"1a2b3c4d5e6f\"]", "&[\"ffffffffffff\"]");
    let unclosed = rust_revision("7a7b7c7d7e7f", "1a2b3c4d5e6f")
        .replace("op.execute(\"SELECT 1\");", "op.execute(\"SELECT 1\";");
    fixture.set_migrations(&[
        ("1a2b3c4d5e6f_create_users.rs", base.clone()),
        ("1a2b3c4d5e6f_duplicate.rs", base),
        ("4c1d2e3f5a6b_add_phone_number.rs", orphan),
        ("7a7b7c7d7e7f_unclosed.rs", unclosed),
        ("5e6f7a8b9c0d_create_todos.up.sql", text_of("5e6f7a8b9c0d_create_todos.up.sql")),
        ("5e6f7a8b9c0d_create_todos.down.sql", "-- Undoes 5e6f7a8b9c0d: to do.\n".to_owned()),
    ]);
    let output = fixture.cargo("build");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a broken set built:\n{stderr}");
    assert!(
        stderr.contains(
            "migrations/1a2b3c4d5e6f_duplicate.rs:4:28: revision id 1a2b3c4d5e6f is already declared by migrations/1a2b3c4d5e6f_create_users.rs:4:28"
        ),
        "no duplicate-id error in:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "migrations/4c1d2e3f5a6b_add_phone_number.rs:5:32: revision 4c1d2e3f5a6b names ffffffffffff as parent, but no revision has that id"
        ),
        "no unknown-parent error in:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "migrations/7a7b7c7d7e7f_unclosed.rs:8:15: not valid Rust: mismatched delimiter: '(' at 8:15 closed by '}' at 9:1"
        ),
        "no delimiter error in:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "migrations/5e6f7a8b9c0d_create_todos.down.sql:1:1: the down script has no statements (only whitespace and \
             comments), so downgrading this revision would silently leave its changes in place"
        ),
        "no empty-down-script error in:\n{stderr}"
    );

    // (b) The valid set builds, and its table holds what the files say.
    fixture.set_migrations(&borrowed(&valid));
    fixture.build_ok();
    let output = fixture.cargo("test");
    assert!(
        output.status.success(),
        "the fixture's own test failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // (c) rerun-if-changed: a new file reaches the table, a deleted one leaves.
    let new_file = fixture.migrations().join("c0c1c2c3c4c5_add_due_date.rs");
    write(&new_file, &rust_revision("c0c1c2c3c4c5", "9d8c7b6a5f4e"));
    fixture.build_ok();
    assert!(fixture.generated().contains("c0c1c2c3c4c5"));
    fs::remove_file(&new_file).expect("delete the new revision");
    fixture.build_ok();
    let generated = fixture.generated();
    assert!(!generated.contains("c0c1c2c3c4c5"));
    assert!(generated.contains("9d8c7b6a5f4e"));

    // (d) objects/: a file whose header names another object fails the
    // build at its file and line; fixed, it is embedded, and a file added
    // later reaches the table (cargo watches the folder once it exists; the
    // first time, build.rs is touched, as the README says).
    let view = fixture.dir.path().join("objects/views/open_users.sql");
    write(&view, "-- Users still active.\nCREATE VIEW open_user AS SELECT 1 AS id\n");
    write(&fixture.dir.path().join("build.rs"), BUILD_RS);
    let output = fixture.cargo("build");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a mismatched object built:\n{stderr}");
    assert!(
        stderr.contains("objects/views/open_users.sql:2:1: the file is named for `open_users` but creates `open_user`"),
        "no object name error in:\n{stderr}"
    );
    write(&view, "-- Users still active.\nCREATE VIEW open_users AS SELECT 1 AS id\n");
    fixture.build_ok();
    assert!(fixture.generated().contains("name: \"open_users\""), "{}", fixture.generated());
    write(&fixture.dir.path().join("objects/closed_users.sql"), "CREATE VIEW closed_users AS SELECT 2 AS id\n");
    fixture.build_ok();
    assert!(fixture.generated().contains("name: \"closed_users\""), "{}", fixture.generated());
}
