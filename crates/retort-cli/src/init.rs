//! Scaffolding a crate for retort.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The crate to set up (the folder holding its Cargo.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

/// What happened to one scaffolded file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(PathBuf),
    /// The file exists; here is what to add to it by hand, if anything.
    Kept(PathBuf, Option<String>),
}

pub fn run(args: &InitArgs) -> ExitCode {
    match scaffold(&args.path) {
        Ok(outcomes) => {
            for outcome in &outcomes {
                match outcome {
                    Outcome::Created(path) => println!("created  {}", path.display()),
                    Outcome::Kept(path, None) => println!("kept     {} (already there)", path.display()),
                    Outcome::Kept(path, Some(advice)) => println!("kept     {}: {advice}", path.display()),
                }
            }
            println!(
                "\nNext:\n  cargo add retort\n  cargo add --build retort-build\n  \
                 add \"xtask\" to [workspace] members (or create the workspace)\n  \
                 cargo xtask new-revision -m \"initial schema\"\n  cargo xtask migrate upgrade"
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

/// Writes every missing file; reports the ones that exist.
pub fn scaffold(root: &Path) -> Result<Vec<Outcome>, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("{}: {e}; run `retort init` in a crate's folder", root.join("Cargo.toml").display()))?;
    let name = package_name(&manifest)
        .ok_or_else(|| format!("{}: no [package] name; retort init sets up a package, not a bare workspace", root.join("Cargo.toml").display()))?;
    let crate_ident = name.replace('-', "_");
    let mut outcomes = Vec::new();
    let mut file = |relative: &str, text: String, advice: Option<(&str, String)>| -> Result<(), String> {
        let path = root.join(relative);
        if path.exists() {
            let existing = std::fs::read_to_string(&path).unwrap_or_default();
            let advice = advice.filter(|(needle, _)| !existing.contains(needle)).map(|(_, advice)| advice);
            outcomes.push(Outcome::Kept(PathBuf::from(relative), advice));
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        outcomes.push(Outcome::Created(PathBuf::from(relative)));
        Ok(())
    };
    file("build.rs", BUILD_RS.to_owned(), Some(("retort_build", "add `retort_build::report(retort_build::compile(\"migrations\"));` to main and print `cargo::rerun-if-changed=migrations`".to_owned())))?;
    file("migrations/.gitkeep", String::new(), None)?;
    file("src/lib.rs", LIB_RS.to_owned(), Some(("include_migrations", "add `retort::include_migrations!();`".to_owned())))?;
    file(".cargo/config.toml", CARGO_CONFIG.to_owned(), Some(("xtask", "add `[alias] xtask = \"run --quiet --package xtask --\"`".to_owned())))?;
    file("xtask/Cargo.toml", XTASK_MANIFEST.replace("{name}", &name), None)?;
    file("xtask/src/main.rs", XTASK_MAIN.replace("{crate}", &crate_ident), None)?;
    file("tests/migrations.rs", ROUND_TRIP_TEST.replace("{crate}", &crate_ident), None)?;
    Ok(outcomes)
}

/// The `name` of the `[package]` table (enough TOML for this; not worth a crate).
fn package_name(manifest: &str) -> Option<String> {
    let package = manifest.split("[package]").nth(1)?;
    let package = package.split("\n[").next().unwrap_or(package);
    package.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim_start().strip_prefix('=')?.trim();
        Some(value.trim_matches('"').to_owned())
    })
}

const BUILD_RS: &str = r#"fn main() {
    println!("cargo::rerun-if-changed=migrations");
    retort_build::report(retort_build::compile("migrations"));
}
"#;

const LIB_RS: &str = "//! The database crate: its migrations, compiled by build.rs.\n\nretort::include_migrations!();\n";

const CARGO_CONFIG: &str = "[alias]\nxtask = \"run --quiet --package xtask --\"\n";

const XTASK_MANIFEST: &str = r#"[package]
name = "xtask"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
retort = "0.1"
{name} = { path = ".." }
clap = { version = "4", features = ["derive"] }
"#;

const XTASK_MAIN: &str = r#"//! `cargo xtask`: migrations from the command line.

use std::process::ExitCode;

use clap::Parser;
use {crate}::MIGRATIONS;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
enum Command {
    /// Apply, revert and inspect revisions.
    Migrate(retort::cli::MigrateArgs),
    /// Write a new revision on top of the current head.
    NewRevision(retort::cli::NewRevisionArgs),
    /// Write a merge revision joining heads.
    Merge(retort::cli::MergeArgs),
    /// Development database chores (`db reset`).
    Db(retort::cli::DbArgs),
}

fn main() -> ExitCode {
    let project = retort::cli::project_root_from_xtask(env!("CARGO_MANIFEST_DIR"));
    match Command::parse() {
        Command::Migrate(args) => retort::cli::migrate(&MIGRATIONS, &project, args),
        Command::NewRevision(args) => retort::cli::new_revision(&MIGRATIONS, &project, args),
        Command::Merge(args) => retort::cli::merge(&MIGRATIONS, &project, args),
        Command::Db(args) => retort::cli::db(&MIGRATIONS, &project, args),
    }
}
"#;

const ROUND_TRIP_TEST: &str = r#"//! Every revision applies and reverts on a throwaway database.

use retort::{Migrator, Target};

#[tokio::test]
async fn migrations_round_trip_on_sqlite() {
    let db = retort::test_database!(retort::testing::BackendKind::Sqlite);
    let url = retort::DatabaseUrl::parse(db.url()).unwrap();
    let mut backend = retort::connect(&url).await.unwrap();
    let migrator = Migrator::new(&{crate}::MIGRATIONS);
    migrator.upgrade(&mut backend, &Target::Heads).await.unwrap();
    migrator.downgrade(&mut backend, &Target::Base).await.unwrap();
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaffold_creates_every_file_when_crate_is_bare() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"shop-db\"\nversion = \"0.1.0\"\n").unwrap();
        let outcomes = scaffold(dir.path()).unwrap();
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Created(_))), "{outcomes:?}");
        let main = std::fs::read_to_string(dir.path().join("xtask/src/main.rs")).unwrap();
        assert!(main.contains("use shop_db::MIGRATIONS;"));
        let manifest = std::fs::read_to_string(dir.path().join("xtask/Cargo.toml")).unwrap();
        assert!(manifest.contains("shop-db = { path = \"..\" }"));
    }

    #[test]
    fn scaffold_never_overwrites_and_says_what_to_add_when_files_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"shop\"\n").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "pub fn mine() {}\n").unwrap();
        let outcomes = scaffold(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(), "pub fn mine() {}\n");
        let kept = outcomes.iter().find(|o| matches!(o, Outcome::Kept(p, _) if p == Path::new("src/lib.rs")));
        assert!(matches!(kept, Some(Outcome::Kept(_, Some(advice))) if advice.contains("include_migrations")), "{outcomes:?}");
        // A second run changes nothing and creates nothing.
        let again = scaffold(dir.path()).unwrap();
        assert!(again.iter().all(|o| matches!(o, Outcome::Kept(..))), "{again:?}");
    }

    #[test]
    fn scaffold_fails_when_there_is_no_package() {
        let dir = tempfile::tempdir().unwrap();
        assert!(scaffold(dir.path()).unwrap_err().contains("Cargo.toml"));
    }
}
