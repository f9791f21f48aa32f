//! `retort init` writes exactly the generic files of this repository's root
//! (the sample crate `todo-db`), and the crate it sets up passes `cargo test`
//! before and after its first revision, once that revision's snapshots are
//! accepted.
//!
//! The comparison normalises two things only: the crate's name, and the
//! root's lines that end in a `// …: not written by retort init` comment
//! (the sample's seed data, retort's own benchmark), which it drops.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The checkout: retort-cli lives in `crates/retort-cli`, and the sample
/// crate is the checkout's root.
fn checkout() -> PathBuf {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    checkout.canonicalize().unwrap_or(checkout)
}

/// The root's files that `retort init` does not write: the sample's own.
const SAMPLE_ONLY: &[&str] = &["src/seed.rs", "retort-mask.toml", "tests/masking.rs", "xtask/src/bench.rs"];

/// What the root holds as retort's repository rather than as the sample
/// (top-level names), and what git ignores there.
const REPOSITORY: &[&str] =
    &["README.md", "ARCHITECTURE.md", "Cargo.lock", ".gitignore", ".git", ".github", ".ci", "crates", "target", ".retort", ".env"];

/// The marker that keeps a root line out of what `retort init` writes.
fn is_marked(line: &str) -> bool {
    line.split_once("//").is_some_and(|(_, comment)| comment.trim_end().ends_with(": not written by retort init"))
}

fn without_marked_lines(text: &str) -> String {
    text.split_inclusive('\n').filter(|line| !is_marked(line)).collect()
}

/// The module comment: the leading `//!` lines.
fn module_comment(text: &str) -> String {
    text.lines().take_while(|line| line.starts_with("//!")).map(|line| format!("{line}\n")).collect()
}

/// Every file under `dir`, relative to it, skipping what git ignores at the
/// root and what insta leaves while a snapshot awaits review.
fn files(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, relative: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir.join(relative)).unwrap() {
            let entry = entry.unwrap();
            let path = relative.join(entry.file_name());
            let name = entry.file_name().to_string_lossy().into_owned();
            if relative.as_os_str().is_empty() && REPOSITORY.contains(&name.as_str()) {
                continue;
            }
            if [".db", ".sqlite3", ".snap.new", ".pending-snap"].iter().any(|suffix| name.ends_with(suffix)) {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(dir, &path, out);
            } else {
                out.insert(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, Path::new(""), &mut out);
    out
}

/// Runs `retort init` on a fresh crate named `shop-db` in `dir`.
fn init(dir: &Path) -> PathBuf {
    let root = dir.join("shop-db");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"shop-db\"\nversion = \"0.1.0\"\nedition = \"2021\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_retort")).arg("init").arg(&root).output().unwrap();
    assert!(output.status.success(), "retort init failed: {}", String::from_utf8_lossy(&output.stderr));
    root
}

#[test]
fn init_writes_the_roots_generic_files_and_the_root_has_no_other_scaffold_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = init(dir.path());
    let checkout = checkout();
    let written = files(&root);
    let mut differences = Vec::new();
    for relative in &written {
        if relative == "Cargo.toml" {
            continue;
        }
        let text = std::fs::read_to_string(root.join(relative)).unwrap();
        assert!(!text.contains("todo"), "{relative}: init wrote the sample's name:\n{text}");
        let text = text.replace("shop_db", "todo_db").replace("shop-db", "todo-db");
        let Ok(sample) = std::fs::read_to_string(checkout.join(relative)) else {
            differences.push(format!("{relative}: written by init, missing at the root"));
            continue;
        };
        // The root declares the sample's tables; init declares none. Their
        // module comment is the same.
        let (text, sample) = if relative == "src/schema.rs" {
            assert!(sample.contains("pub fn schema() -> Schema"), "src/schema.rs at the root has no `pub fn schema() -> Schema`");
            (module_comment(&text), module_comment(&sample))
        } else {
            (text, without_marked_lines(&sample))
        };
        if text != sample {
            differences.push(format!("{relative}: init writes\n{text}\n--- the root has\n{sample}"));
        }
    }

    // The other way round: every root file is one init writes, the
    // sample's own, or the content a user adds (revisions, their snapshots).
    let revisions: BTreeSet<String> = std::fs::read_dir(checkout.join("migrations"))
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".rs").or_else(|| name.strip_suffix(".up.sql")).or_else(|| name.strip_suffix(".down.sql"));
            stem.map(str::to_owned)
        })
        .collect();
    for relative in files(&checkout) {
        let users_content = match relative.split('/').collect::<Vec<_>>()[..] {
            ["migrations", name] => !name.starts_with('.'),
            ["snapshots", "sqlite" | "postgres" | "mssql", name] => {
                name.strip_suffix(".snap").is_some_and(|stem| revisions.contains(stem))
            }
            _ => false,
        };
        let known = written.contains(&relative)
            || relative == "Cargo.toml"
            || users_content
            || SAMPLE_ONLY.contains(&relative.as_str());
        if !known {
            differences.push(format!(
                "{relative}: at the root, but neither written by retort init, nor the sample's own (SAMPLE_ONLY), nor a \
                 revision or its snapshot: make init write it, or move it under crates/"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn init_adds_to_cargo_toml_what_the_roots_manifest_has() {
    let dir = tempfile::tempdir().unwrap();
    let root = init(dir.path());
    let read = |path: &Path| -> toml::Table { std::fs::read_to_string(path).unwrap().parse().unwrap() };
    let written = read(&root.join("Cargo.toml"));
    let sample = read(&checkout().join("Cargo.toml"));
    for table in ["dependencies", "build-dependencies", "dev-dependencies"] {
        for (key, value) in written[table].as_table().unwrap() {
            assert_eq!(sample[table].get(key), Some(value), "[{table}] {key}: init adds {value}, the root has another");
        }
    }
    let members = sample["workspace"]["members"].as_array().unwrap();
    assert!(members.iter().any(|member| member.as_str() == Some("xtask")), "the root's workspace has no xtask: {members:?}");
    assert_eq!(written["workspace"]["members"].as_array().unwrap().len(), 1);
    for (key, value) in written["workspace"]["dependencies"].as_table().unwrap() {
        let at_root = &sample["workspace"]["dependencies"].get(key);
        assert!(at_root.is_some(), "[workspace.dependencies] {key}: init adds it, the root lacks it");
        // retort itself comes from this checkout in both.
        if key.starts_with("retort") {
            let path = Path::new(value["path"].as_str().unwrap());
            assert_eq!(path, checkout().join("crates").join(key), "[workspace.dependencies] {key}");
        }
    }
}

/// `cargo <args>` in the initialised crate, sharing the workflow test's
/// target folder so the retort crates compile once for both.
fn cargo(root: &Path, args: &[&str], insta_update: &str) -> Output {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", checkout().join("target/e2e-cli"))
        // The same profile as the workflow test's builds, so that they share
        // what they can, and no full debug info (a crate `retort init` writes
        // has no profile of its own).
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .env("INSTA_UPDATE", insta_update)
        .env_remove("CI")
        .env_remove("INSTA_FORCE_PASS")
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    eprintln!(
        "$ INSTA_UPDATE={insta_update} cargo {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn initialised_crate_passes_cargo_test_before_and_after_its_first_revision() {
    let dir = tempfile::tempdir().unwrap();
    let root = init(dir.path());
    // The checkout's versions, as the other copies use, so that they share
    // what is compiled and nothing is resolved anew.
    std::fs::copy(checkout().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    assert!(cargo(&root, &["test"], "no").status.success(), "cargo test fails on a crate retort init just set up");

    // The README's walk: declare a table, autogenerate its revision, apply it.
    let schema = std::fs::read_to_string(root.join("src/schema.rs")).unwrap();
    let schema = schema
        .replace("use retort::declare::Schema;", "use retort::declare::{Schema, Table};\nuse retort::op::Type;")
        .replace(
            "    Schema::new()\n",
            "    Schema::new().table(Table::new(\"items\", |t| {\n        t.column(\"id\", Type::Int).identity().primary_key();\n        \
             t.column(\"name\", Type::String(100)).not_null();\n    }))\n",
        );
    std::fs::write(root.join("src/schema.rs"), schema).unwrap();
    assert!(cargo(&root, &["test"], "no").status.code() == Some(101), "cargo test passes while no revision builds the declared table");
    let output = cargo(&root, &["xtask", "new-revision", "--autogenerate", "-m", "create items"], "no");
    assert!(output.status.success(), "new-revision --autogenerate failed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let revision = stdout.lines().find_map(|line| line.strip_prefix("wrote migrations/")).expect("new-revision names the file it wrote");
    let stem = revision.trim().trim_end_matches(".rs").to_owned();
    assert!(cargo(&root, &["xtask", "migrate", "upgrade"], "no").status.success(), "migrate upgrade failed");

    // Until its snapshots are accepted, the round trip fails and writes none.
    assert!(!cargo(&root, &["test"], "no").status.success(), "cargo test passes before the revision's snapshots are accepted");
    assert!(!root.join("snapshots/sqlite").join(format!("{stem}.snap")).exists());
    cargo(&root, &["test"], "always");
    for backend in ["sqlite", "postgres", "mssql"] {
        let snapshot = root.join("snapshots").join(backend).join(format!("{stem}.snap"));
        assert!(snapshot.exists() || !required(backend), "accepting wrote no {}", snapshot.display());
    }
    assert!(cargo(&root, &["test"], "no").status.success(), "cargo test fails after the revision's snapshots are accepted");
}

/// Whether `RETORT_REQUIRE_BACKENDS` lists `backend`: one that is not may
/// be skipped (loudly) and write no snapshot.
fn required(backend: &str) -> bool {
    std::env::var("RETORT_REQUIRE_BACKENDS").is_ok_and(|list| list.split(',').any(|name| name.trim() == backend))
}
