//! `retort init`: scaffolding a crate for retort, as `alembic init` does.
//!
//! It writes the generic files of this repository's root (the sample
//! crate): `build.rs`, `src/lib.rs`, `src/schema.rs`, `migrations/`,
//! `tests/round_trip.rs`, `tests/schema.rs`, `snapshots/`, the xtask and
//! `.cargo/config.toml`, and adds the dependencies and the xtask member to
//! `Cargo.toml`. It never overwrites a file nor changes an entry that is
//! there: where a file exists it says what to add instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use toml_edit::DocumentMut;

use crate::scaffold;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The crate to set up (the folder holding its Cargo.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The retort checkout whose crates the new dependencies point at, as
    /// written into Cargo.toml (relative to the crate, or absolute).
    /// Default: the checkout this `retort` was built from.
    #[arg(long, value_name = "DIR")]
    pub retort_path: Option<PathBuf>,
}

/// What happened to one scaffolded file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(PathBuf),
    /// The file exists; here is what to add to it by hand, if anything.
    Kept(PathBuf, Option<String>),
    /// Entries added to an existing file (Cargo.toml): each table and key.
    Updated(PathBuf, Vec<(String, String)>),
}

pub fn run(args: &InitArgs) -> ExitCode {
    let retort_path = args.retort_path.clone().unwrap_or_else(built_from);
    match scaffold(&args.path, &retort_path) {
        Ok(outcomes) => {
            for outcome in &outcomes {
                match outcome {
                    Outcome::Created(path) => println!("created  {}", path.display()),
                    Outcome::Kept(path, None) => println!("kept     {} (already there)", path.display()),
                    Outcome::Kept(path, Some(advice)) => println!("kept     {}: {advice}", path.display()),
                    Outcome::Updated(path, added) => println!("updated  {}: added {}", path.display(), by_table(added)),
                }
            }
            println!(
                "\nNext:\n  cargo xtask new-revision -m \"initial schema\"\n  cargo xtask migrate upgrade\n  \
                 cargo test    # then accept the new revision's snapshots: cargo insta review"
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

/// `[dependencies] retort; [dev-dependencies] tokio, insta`: the added keys
/// of each table, in the order they were added.
fn by_table(added: &[(String, String)]) -> String {
    let mut tables: Vec<(&str, Vec<&str>)> = Vec::new();
    for (table, key) in added {
        match tables.last_mut() {
            Some((last, keys)) if last == table => keys.push(key),
            _ => tables.push((table, vec![key])),
        }
    }
    tables.iter().map(|(table, keys)| format!("[{table}] {}", keys.join(", "))).collect::<Vec<_>>().join("; ")
}

/// The checkout this binary was built from (`cargo install --path
/// crates/retort-cli` builds in place): retort is not on crates.io, where
/// the name `retort` belongs to another project, so a version requirement
/// would fetch the wrong crate.
fn built_from() -> PathBuf {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    checkout.canonicalize().unwrap_or(checkout)
}

/// Writes every missing file and Cargo.toml entry; reports the ones that exist.
pub fn scaffold(root: &Path, retort_path: &Path) -> Result<Vec<Outcome>, String> {
    let manifest_path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}; run `retort init` in a crate's folder", manifest_path.display()))?;
    let mut document: DocumentMut = manifest
        .parse()
        .map_err(|e| format!("{}: not valid TOML: {e}", manifest_path.display()))?;
    let name = document
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no [package] name; retort init sets up a package, not a bare workspace", manifest_path.display()))?;
    if document.get("workspace").is_none() {
        if let Some(parent) = enclosing_workspace(root) {
            return Err(format!(
                "{} is in the workspace of {}; retort init makes the crate a workspace of its own, with its xtask as a \
                 member: run it in a crate outside another workspace",
                root.display(),
                parent.display()
            ));
        }
    }
    // Written as given, so relative to the crate as Cargo.toml paths are.
    let crates = retort_path.join("crates");
    if ["retort", "retort-build"].iter().any(|name| !root.join(&crates).join(name).join("Cargo.toml").is_file()) {
        return Err(format!(
            "{}: no retort checkout there (crates/retort and crates/retort-build); pass --retort-path with one",
            root.join(retort_path).display()
        ));
    }
    let crate_ident = name.replace('-', "_");
    let text = |template: &str| template.replace("{package}", &name).replace("{crate}", &crate_ident);

    // Each file, and what an existing one must contain (else: what to add).
    type Advice = &'static [(&'static str, &'static str)];
    let mut files: Vec<(&str, &str, Advice)> = vec![
        (
            "build.rs",
            scaffold::BUILD_RS,
            &[("retort_build", "add `retort_build::report(retort_build::compile(\"migrations\"));` to main and print `cargo::rerun-if-changed=migrations`")],
        ),
        (
            "src/lib.rs",
            scaffold::LIB_RS,
            &[
                ("include_migrations", "add `retort::include_migrations!();`"),
                ("mod schema", "add `pub mod schema;` and `pub use schema::schema;` (the xtask and tests/schema.rs call the crate's `schema()`)"),
            ],
        ),
        (
            "src/schema.rs",
            scaffold::SCHEMA_RS,
            &[("retort::declare", "it must declare `pub fn schema() -> retort::declare::Schema` for the xtask and tests/schema.rs")],
        ),
        ("tests/round_trip.rs", scaffold::ROUND_TRIP_RS, &[]),
        ("tests/schema.rs", scaffold::SCHEMA_TEST_RS, &[]),
        (".cargo/config.toml", scaffold::CARGO_CONFIG, &[("xtask", "add `[alias] xtask = \"run --quiet --package xtask --\"`")]),
    ];
    let mut outcomes = Vec::new();
    // An existing xtask is the crate's own: no retort file goes into it.
    if root.join("xtask").exists() {
        let main = std::fs::read_to_string(root.join("xtask/src/main.rs")).unwrap_or_default();
        let advice = (!main.contains("retort::cli")).then(|| {
            "add retort's commands to it: `retort::cli::migrate`, `new_revision`, `merge`, `baseline` and `db`, declared as in \
             retort's own xtask/src/flags.rs"
                .to_owned()
        });
        outcomes.push(Outcome::Kept(PathBuf::from("xtask"), advice));
    } else {
        files.extend([
            ("xtask/Cargo.toml", scaffold::XTASK_MANIFEST, &[] as Advice),
            ("xtask/src/main.rs", scaffold::XTASK_MAIN, &[]),
            ("xtask/src/flags.rs", scaffold::XTASK_FLAGS, &[]),
        ]);
    }
    for (relative, template, advice) in files {
        outcomes.push(write_unless_exists(root, relative, &text(template), advice)?);
    }
    // Git keeps no empty folder, and `cargo build` fails without
    // `migrations/`: a placeholder keeps both folders in the first commit.
    for folder in ["migrations", "snapshots"] {
        if root.join(folder).is_dir() {
            outcomes.push(Outcome::Kept(PathBuf::from(folder), None));
        } else {
            outcomes.push(write_unless_exists(root, &format!("{folder}/.gitkeep"), "", &[])?);
        }
    }

    let added = add_to_manifest(&mut document, &crates);
    if added.is_empty() {
        outcomes.push(Outcome::Kept(PathBuf::from("Cargo.toml"), None));
    } else {
        std::fs::write(&manifest_path, document.to_string()).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
        outcomes.push(Outcome::Updated(PathBuf::from("Cargo.toml"), added));
    }
    Ok(outcomes)
}

/// Writes `relative` unless it exists; an existing file is kept, with the
/// advice of each needle it lacks.
fn write_unless_exists(root: &Path, relative: &str, text: &str, advice: &[(&str, &str)]) -> Result<Outcome, String> {
    let path = root.join(relative);
    if path.exists() {
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let missing: Vec<&str> = advice.iter().filter(|(needle, _)| !existing.contains(needle)).map(|(_, advice)| *advice).collect();
        let advice = (!missing.is_empty()).then(|| missing.join("; "));
        return Ok(Outcome::Kept(PathBuf::from(relative), advice));
    }
    write(&path, text)?;
    Ok(Outcome::Created(PathBuf::from(relative)))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The nearest folder above `root` whose Cargo.toml declares a workspace:
/// cargo takes a crate without `[workspace]` of its own for a member of it.
fn enclosing_workspace(root: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    root.ancestors().skip(1).map(|dir| dir.join("Cargo.toml")).find(|manifest| {
        std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| text.parse::<DocumentMut>().ok())
            .is_some_and(|document| document.get("workspace").is_some())
    })
}

/// Adds what the scaffold needs to the crate's manifest, keeping every entry
/// that is there: the crate's dependencies through the workspace (as the
/// root's are, so that `xtask/Cargo.toml` reads the same in both), the
/// workspace's own entries, and the xtask as a member. Returns what it added.
fn add_to_manifest(document: &mut DocumentMut, crates: &Path) -> Vec<(String, String)> {
    // A TOML string, quoted and escaped by toml_edit.
    let path = |name: &str| format!("{{ path = {} }}", toml_edit::Value::from(crates.join(name).display().to_string()));
    let entries = [
        ("dependencies", "retort", "retort.workspace = true".to_owned()),
        ("build-dependencies", "retort-build", "retort-build.workspace = true".to_owned()),
        ("dev-dependencies", "retort", "retort = { workspace = true, features = [\"testing\"] }".to_owned()),
        ("dev-dependencies", "tokio", "tokio.workspace = true".to_owned()),
        ("dev-dependencies", "insta", "insta.workspace = true".to_owned()),
        ("workspace.dependencies", "retort", format!("retort = {}", path("retort"))),
        ("workspace.dependencies", "retort-build", format!("retort-build = {}", path("retort-build"))),
        ("workspace.dependencies", "clap", "clap = { version = \"4.6\", features = [\"derive\"] }".to_owned()),
        ("workspace.dependencies", "tokio", "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }".to_owned()),
        ("workspace.dependencies", "insta", "insta = \"1.49\"".to_owned()),
    ];
    let mut added = Vec::new();
    // The package's tables first, so that a new `[workspace]` goes after them.
    let (package, workspace): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(table, ..)| !table.starts_with("workspace"));
    add_entries(document, package, &mut added);
    if let Some(workspace) = table_at(document, "workspace") {
        let has_members = workspace.contains_key("members");
        match workspace.get_mut("members").and_then(|members| members.as_array_mut()) {
            Some(members) => {
                if !members.iter().any(|member| member.as_str().is_some_and(|m| m.trim_end_matches('/') == "xtask")) {
                    members.push("xtask");
                    added.push(("workspace".to_owned(), "members \"xtask\"".to_owned()));
                }
            }
            // Something other than an array: the crate's own business.
            None if has_members => {}
            None => {
                workspace.insert("members", toml_edit::value(toml_edit::Array::from_iter(["xtask"])));
                added.push(("workspace".to_owned(), "members \"xtask\"".to_owned()));
            }
        }
    }
    add_entries(document, workspace, &mut added);
    added
}

/// Adds each `(table, key, TOML line)` whose key the table lacks.
fn add_entries(document: &mut DocumentMut, entries: Vec<(&str, &str, String)>, added: &mut Vec<(String, String)>) {
    for (table, key, line) in entries {
        let Some(table_item) = table_at(document, table) else { continue };
        if table_item.contains_key(key) {
            continue;
        }
        // Parsed from its TOML text, so a dotted key stays dotted.
        let parsed: DocumentMut = match line.parse() {
            Ok(parsed) => parsed,
            Err(_) => continue,
        };
        if let Some(item) = parsed.get(key) {
            table_item.insert(key, item.clone());
            added.push((table.to_owned(), key.to_owned()));
        }
    }
}

/// The table at a dotted path (`workspace.dependencies`), created when absent.
fn table_at<'d>(document: &'d mut DocumentMut, path: &str) -> Option<&'d mut dyn toml_edit::TableLike> {
    let mut table: &mut dyn toml_edit::TableLike = document.as_table_mut();
    for key in path.split('.') {
        table = table.entry(key).or_insert_with(toml_edit::table).as_table_like_mut()?;
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in retort checkout: init only checks that the two crates are there.
    fn checkout() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in ["retort", "retort-build"] {
            std::fs::create_dir_all(dir.path().join("crates").join(name)).unwrap();
            std::fs::write(dir.path().join("crates").join(name).join("Cargo.toml"), "").unwrap();
        }
        dir
    }

    #[test]
    fn scaffold_creates_every_file_when_crate_is_bare() {
        let dir = tempfile::tempdir().unwrap();
        let retort = checkout();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"shop-db\"\nversion = \"0.1.0\"\n").unwrap();
        let outcomes = scaffold(dir.path(), retort.path()).unwrap();
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Created(_) | Outcome::Updated(..))),
            "{outcomes:?}"
        );
        let main = std::fs::read_to_string(dir.path().join("xtask/src/main.rs")).unwrap();
        assert!(main.contains("use shop_db::MIGRATIONS;"));
        let manifest = std::fs::read_to_string(dir.path().join("xtask/Cargo.toml")).unwrap();
        assert!(manifest.contains("shop-db = { path = \"..\" }"));
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("retort.workspace = true"), "{manifest}");
        assert!(manifest.contains("members = [\"xtask\"]"), "{manifest}");
    }

    #[test]
    fn scaffold_never_overwrites_and_says_what_to_add_when_files_exist() {
        let dir = tempfile::tempdir().unwrap();
        let retort = checkout();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"shop\"\n").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "pub fn mine() {}\n").unwrap();
        let outcomes = scaffold(dir.path(), retort.path()).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(), "pub fn mine() {}\n");
        let kept = outcomes.iter().find(|o| matches!(o, Outcome::Kept(p, _) if p == Path::new("src/lib.rs")));
        assert!(
            matches!(kept, Some(Outcome::Kept(_, Some(advice))) if advice.contains("include_migrations") && advice.contains("pub mod schema")),
            "{outcomes:?}"
        );
        // A second run changes nothing and creates nothing.
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        let again = scaffold(dir.path(), retort.path()).unwrap();
        assert!(again.iter().all(|o| matches!(o, Outcome::Kept(..))), "{again:?}");
        assert_eq!(std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(), manifest);
    }

    #[test]
    fn scaffold_keeps_manifest_entries_and_adds_xtask_to_members_when_workspace_exists() {
        let dir = tempfile::tempdir().unwrap();
        let retort = checkout();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"shop\"\n\n[dependencies]\nretort = \"9\" # mine\n\n[workspace]\nmembers = [\"app\"]\n",
        )
        .unwrap();
        let outcomes = scaffold(dir.path(), retort.path()).unwrap();
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("retort = \"9\" # mine"), "{manifest}");
        assert!(manifest.contains("members = [\"app\", \"xtask\"]"), "{manifest}");
        let updated = outcomes.iter().find_map(|o| match o {
            Outcome::Updated(path, added) if path == Path::new("Cargo.toml") => Some(added),
            _ => None,
        });
        assert!(updated.is_some_and(|added| !added.contains(&("dependencies".to_owned(), "retort".to_owned()))), "{outcomes:?}");
    }

    #[test]
    fn by_table_lists_the_keys_of_each_table_once() {
        let added = [("dependencies", "retort"), ("dev-dependencies", "tokio"), ("dev-dependencies", "insta")]
            .map(|(table, key)| (table.to_owned(), key.to_owned()));
        assert_eq!(by_table(&added), "[dependencies] retort; [dev-dependencies] tokio, insta");
    }

    #[test]
    fn scaffold_fails_when_there_is_no_package() {
        let dir = tempfile::tempdir().unwrap();
        let retort = checkout();
        assert!(scaffold(dir.path(), retort.path()).unwrap_err().contains("Cargo.toml"));
    }

    #[test]
    fn scaffold_fails_writing_nothing_when_there_is_no_retort_checkout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"shop\"\n").unwrap();
        let error = scaffold(dir.path(), &dir.path().join("nowhere")).unwrap_err();
        assert!(error.contains("--retort-path"), "{error}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn scaffold_fails_writing_nothing_when_crate_is_in_another_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let retort = checkout();
        std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\nmembers = [\"shop\"]\n").unwrap();
        std::fs::create_dir(dir.path().join("shop")).unwrap();
        std::fs::write(dir.path().join("shop/Cargo.toml"), "[package]\nname = \"shop\"\n").unwrap();
        let error = scaffold(&dir.path().join("shop"), retort.path()).unwrap_err();
        assert!(error.contains("workspace of"), "{error}");
        assert_eq!(std::fs::read_dir(dir.path().join("shop")).unwrap().count(), 1);
    }
}
