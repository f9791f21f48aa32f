//! The build-script entry points: compile `migrations/` into
//! `$OUT_DIR/retort_migrations.rs`, and report the outcome to cargo.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Errors, Warning};
use crate::{scan, validate};

/// The generated file's name in `OUT_DIR`, as `retort::include_migrations!()`
/// expects it.
pub const OUTPUT_FILE: &str = "retort_migrations.rs";

/// What a successful compilation produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Compiled {
    /// How many revisions the table holds.
    pub revisions: usize,
    /// What is worth telling but does not stop the build.
    pub warnings: Vec<Warning>,
    /// The generated file.
    pub output: PathBuf,
    /// The lint findings of the SQL revisions new since the last build, one
    /// line each (feature `lint`).
    pub lint: Vec<String>,
    /// The project files whose settings the table holds (`retort.toml`,
    /// `Cargo.toml`, those that exist) and the files SQL revisions include
    /// with `:r`, and the `objects/` folder when there is one: cargo runs the
    /// build script again when one changes.
    pub settings_files: Vec<PathBuf>,
}

/// Compiles the migrations folder `dir` (relative to the crate root,
/// `CARGO_MANIFEST_DIR`) into `$OUT_DIR/retort_migrations.rs`.
///
/// Call it from `build.rs` and hand the result to [`report`]:
///
/// ```no_run
/// fn main() {
///     println!("cargo::rerun-if-changed=migrations");
///     retort_build::report(retort_build::compile("migrations"));
/// }
/// ```
pub fn compile(dir: impl AsRef<Path>) -> Result<Compiled, Errors> {
    compile_with(std::env::var_os, dir.as_ref())
}

/// Prints the outcome of [`compile`] as cargo build-script directives:
/// `cargo::warning=` per warning, `cargo::error=` per error (which fails the
/// build after the script ends).
pub fn report(result: Result<Compiled, Errors>) {
    // A build script's stdout is a pipe cargo reads to the end; if writing to
    // it fails there is nobody left to tell.
    let _ = write_report(&result, &mut io::stdout().lock());
}

/// [`compile`] with the environment passed in, so that tests can leave a
/// variable out without touching the process environment.
fn compile_with(
    env: impl Fn(&'static str) -> Option<OsString>,
    dir: &Path,
) -> Result<Compiled, Errors> {
    let path = |variable| {
        env(variable)
            .map(PathBuf::from)
            .ok_or(Error::Environment { variable })
    };
    let crate_root = path("CARGO_MANIFEST_DIR")?;
    let out_dir = path("OUT_DIR")?;
    compile_into(&crate_root, dir, &out_dir)
}

fn compile_into(crate_root: &Path, dir: &Path, out_dir: &Path) -> Result<Compiled, Errors> {
    let output = out_dir.join(OUTPUT_FILE);
    let table = match validate(scan(crate_root, dir)) {
        Ok(table) => table,
        Err(errors) => {
            // A table from an earlier, valid build must not be compiled in
            // when cargo is told to go on regardless (`--keep-going`).
            let _ = fs::remove_file(&output);
            return Err(errors);
        }
    };
    let settings = match crate::settings::load(crate_root) {
        Ok(settings) => settings,
        Err(error) => {
            let _ = fs::remove_file(&output);
            return Err(error.into());
        }
    };
    let variables = match crate::settings::load_variables(crate_root) {
        Ok(variables) => variables,
        Err(error) => {
            let _ = fs::remove_file(&output);
            return Err(error.into());
        }
    };
    if let Some(variables) = &variables {
        let undefined = undefined_variables(&table, variables);
        if !undefined.is_empty() {
            let _ = fs::remove_file(&output);
            return Err(Errors::new(undefined));
        }
    }
    let objects_folder = crate::objects::folder(crate_root, dir);
    let objects = match crate::objects::scan_objects(crate_root, &objects_folder) {
        Ok(objects) => objects,
        Err(errors) => {
            let _ = fs::remove_file(&output);
            return Err(Errors::new(errors));
        }
    };
    let source = crate::generate::generate_with(&table, &settings, variables.as_ref(), &objects);
    // Rewriting identical content would only bump the file's mtime.
    if fs::read_to_string(&output).ok().as_deref() != Some(source.as_str()) {
        fs::write(&output, &source).map_err(|error| Error::Write {
            path: output.clone(),
            reason: error.to_string(),
        })?;
    }
    #[cfg(feature = "lint")]
    let lint = crate::lint::new_findings(crate_root, out_dir, &table.revisions, variables.as_ref());
    #[cfg(not(feature = "lint"))]
    let lint = Vec::new();
    let mut settings_files: Vec<PathBuf> =
        ["retort.toml", "Cargo.toml"].iter().map(|name| crate_root.join(name)).filter(|path| path.is_file()).collect();
    // Files that `:r` lines include may live outside `migrations/`.
    for revision in &table.revisions {
        if let crate::RevisionKind::Sql { includes, .. } = &revision.kind {
            for included in includes.iter().map(PathBuf::from) {
                if !settings_files.contains(&included) {
                    settings_files.push(included);
                }
            }
        }
    }
    // The folder itself, so that an added or removed object file runs the
    // build script again (an edited one is tracked by its `include_str!`).
    if objects_folder.is_dir() {
        settings_files.push(objects_folder);
    }
    Ok(Compiled {
        revisions: table.revisions.len(),
        warnings: table.warnings,
        output,
        lint,
        settings_files,
    })
}

/// Every `$(NAME)` of an SQL revision that neither a `:setvar` of its own
/// scripts nor the project's `[variables]` define, when the project
/// declares its variables.
fn undefined_variables(table: &crate::RevisionTable, variables: &crate::settings::ProjectVariables) -> Vec<Error> {
    let mut errors = Vec::new();
    for revision in &table.revisions {
        let crate::RevisionKind::Sql { variables: uses, defined, .. } = &revision.kind else { continue };
        for used in uses {
            let known = defined.iter().any(|name| name.eq_ignore_ascii_case(&used.value)) || variables.declares(&used.value);
            if !known {
                errors.push(Error::UndefinedVariable {
                    at: used.at.clone(),
                    name: used.value.clone(),
                    file: variables.file.clone(),
                });
            }
        }
    }
    errors
}

fn write_report(result: &Result<Compiled, Errors>, out: &mut impl Write) -> io::Result<()> {
    match result {
        Ok(compiled) => {
            for file in &compiled.settings_files {
                writeln!(out, "cargo::rerun-if-changed={}", file.display())?;
            }
            for warning in &compiled.warnings {
                writeln!(out, "cargo::warning={}", one_line(&warning.to_string()))?;
            }
            for finding in &compiled.lint {
                writeln!(out, "cargo::warning={}", one_line(finding))?;
            }
        }
        Err(errors) => {
            for error in errors {
                writeln!(out, "cargo::error={}", one_line(&error.to_string()))?;
            }
        }
    }
    Ok(())
}

/// Cargo reads directives line by line: a newline inside a message would end
/// it, and the rest would be read as a (bad) directive of its own.
fn one_line(message: &str) -> String {
    message
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::tests::{fixture, BASE};
    use crate::Location;

    #[test]
    fn compile_writes_generated_file_when_folder_is_valid() {
        let root = fixture(&[("1a2b3c4d5e6f_initial.rs", BASE)]);
        let out = tempfile::tempdir().expect("create a temporary folder");
        let compiled =
            compile_into(root.path(), Path::new("migrations"), out.path()).expect("valid folder");
        assert_eq!(compiled.revisions, 1);
        assert_eq!(compiled.output, out.path().join(OUTPUT_FILE));
        let text = fs::read_to_string(&compiled.output).expect("generated file");
        assert!(text.contains("pub static MIGRATIONS: ::retort::Migrations"));
    }

    const SQLCMD_UP: &str = "-- revision: 1a2b3c4d5e6f\n-- parents:\n-- message: m\n:setvar t people\nCREATE TABLE $(t) (id int);\n:r ../sql/shared.sql\nSELECT '$(Token)', '$(missing)';\n";

    fn sqlcmd_fixture() -> tempfile::TempDir {
        let root = fixture(&[("1a2b3c4d5e6f_m.up.sql", SQLCMD_UP), ("1a2b3c4d5e6f_m.down.sql", "DROP TABLE $(t);\n")]);
        fs::create_dir(root.path().join("sql")).expect("create sql/");
        fs::write(root.path().join("sql/shared.sql"), "SELECT 1 AS shared;\n").expect("write an included file");
        root
    }

    #[test]
    fn compile_embeds_included_files_watches_them_and_an_edit_to_one_changes_the_checksum() {
        let root = sqlcmd_fixture();
        let out = tempfile::tempdir().expect("create a temporary folder");
        let compiled = compile_into(root.path(), Path::new("migrations"), out.path()).expect("valid folder");
        let text = fs::read_to_string(&compiled.output).expect("generated file");
        // Embedded as a string literal, its line breaks escaped.
        assert!(text.contains(r"CREATE TABLE $(t) (id int);\nSELECT 1 AS shared;\nSELECT"), "{text}");
        assert!(compiled.settings_files.iter().any(|file| file.ends_with("sql/shared.sql")), "{:?}", compiled.settings_files);
        let checksum = |root: &Path| validate(scan(root, Path::new("migrations"))).expect("valid").revisions[0].checksum;
        let before = checksum(root.path());
        fs::write(root.path().join("sql/shared.sql"), "SELECT 2 AS shared;\n").expect("edit the included file");
        assert_ne!(checksum(root.path()), before);
    }

    #[test]
    fn compile_fails_naming_file_and_line_of_a_variable_a_project_that_declares_them_lacks() {
        let root = sqlcmd_fixture();
        fs::write(root.path().join("retort.toml"), "[variables]\nexternal = [\"token\"]\n").expect("write retort.toml");
        let out = tempfile::tempdir().expect("create a temporary folder");
        let errors = compile_into(root.path(), Path::new("migrations"), out.path()).expect_err("undefined variable");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert!(
            messages[0].starts_with("migrations/1a2b3c4d5e6f_m.up.sql:7:21: variable `$(missing)` is not defined")
                && messages[0].contains("retort.toml"),
            "{}",
            messages[0]
        );
        // Without [variables], that is left to the run, which knows its environment.
        fs::remove_file(root.path().join("retort.toml")).expect("remove retort.toml");
        compile_into(root.path(), Path::new("migrations"), out.path()).expect("valid without declarations");
    }

    #[test]
    fn compile_embeds_the_project_settings_and_watches_their_file() {
        let root = fixture(&[("1a2b3c4d5e6f_initial.rs", BASE)]);
        fs::write(root.path().join("retort.toml"), "[migrate]\nlock-timeout = \"15s\"\n").expect("write retort.toml");
        let out = tempfile::tempdir().expect("create a temporary folder");
        let compiled = compile_into(root.path(), Path::new("migrations"), out.path()).expect("valid folder");
        let text: String = fs::read_to_string(&compiled.output).expect("generated file").split_whitespace().collect();
        assert!(text.contains("Duration::from_millis(15000u64)"), "{text}");
        assert_eq!(compiled.settings_files, [root.path().join("retort.toml")]);
        let mut report = Vec::new();
        write_report(&Ok(compiled), &mut report).expect("write");
        let report = String::from_utf8_lossy(&report);
        assert!(report.starts_with(&format!("cargo::rerun-if-changed={}\n", root.path().join("retort.toml").display())), "{report}");
    }

    #[test]
    fn compile_fails_naming_the_setting_and_removes_an_old_table_when_a_setting_is_wrong() {
        let root = fixture(&[("1a2b3c4d5e6f_initial.rs", BASE)]);
        let out = tempfile::tempdir().expect("create a temporary folder");
        compile_into(root.path(), Path::new("migrations"), out.path()).expect("valid folder");
        fs::write(root.path().join("retort.toml"), "[migrate]\nlock-retries = \"three\"\n").expect("write retort.toml");
        let errors = compile_into(root.path(), Path::new("migrations"), out.path()).expect_err("a wrong setting");
        let message = errors.to_string();
        assert!(message.contains("retort.toml: `lock-retries` must be a whole number from 0 to 100"), "{message}");
        assert!(!out.path().join(OUTPUT_FILE).exists(), "no table from the earlier build is compiled in");
    }

    #[test]
    fn compile_removes_stale_output_when_folder_has_errors() {
        let root = fixture(&[("notes.txt", "x")]);
        let out = tempfile::tempdir().expect("create a temporary folder");
        fs::write(out.path().join(OUTPUT_FILE), "stale").expect("write stale output");
        let errors = compile_into(root.path(), Path::new("migrations"), out.path())
            .expect_err("notes.txt is no revision");
        assert_eq!(errors.len(), 1);
        assert!(!out.path().join(OUTPUT_FILE).exists());
    }

    #[test]
    fn report_prints_one_directive_line_per_error_when_messages_have_newlines() {
        let errors = Errors::new(vec![
            Error::RustSyntax {
                at: Location::new("migrations/a.rs", 2, 3),
                reason: "expected one of\n`fn`, `const`\r\n".to_owned(),
            },
            Error::MissingUpgrade {
                at: Location::new("migrations/b.rs", 1, 1),
            },
        ]);
        let mut out = Vec::new();
        write_report(&Err(errors), &mut out).expect("write to memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "cargo::error=migrations/a.rs:2:3: not valid Rust: expected one of `fn`, `const`\n\
             cargo::error=migrations/b.rs:1:1: no upgrade: add `pub fn upgrade(op: &mut Operations)`\n"
        );
    }

    #[test]
    fn report_prints_warnings_when_compilation_succeeded_with_several_heads() {
        let compiled = Compiled {
            revisions: 2,
            warnings: vec![Warning::SeveralHeads {
                heads: vec![
                    crate::Located {
                        value: "aaaa".into(),
                        at: Location::file("migrations/aaaa_x.rs"),
                    },
                    crate::Located {
                        value: "bbbb".into(),
                        at: Location::file("migrations/bbbb_x.rs"),
                    },
                ],
            }],
            output: PathBuf::new(),
            lint: Vec::new(),
            settings_files: Vec::new(),
        };
        let mut out = Vec::new();
        write_report(&Ok(compiled), &mut out).expect("write to memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "cargo::warning=several heads: aaaa (migrations/aaaa_x.rs), bbbb (migrations/bbbb_x.rs); run `cargo xtask merge -m \"merge heads\"`\n"
        );
    }

    #[test]
    fn compile_reports_environment_error_when_out_dir_is_not_set() {
        let root = fixture(&[]);
        let env = |variable: &str| (variable == "CARGO_MANIFEST_DIR").then(|| root.path().into());
        let errors = compile_with(env, Path::new("migrations")).expect_err("OUT_DIR is not set");
        assert_eq!(
            errors.to_string(),
            "OUT_DIR is not set: call retort_build::compile from a build script, where cargo sets it"
        );
    }

    #[test]
    fn compile_resolves_dir_against_manifest_dir_when_both_variables_are_set() {
        let root = fixture(&[("1a2b3c4d5e6f_initial.rs", BASE)]);
        let out = tempfile::tempdir().expect("create a temporary folder");
        let env = |variable: &str| match variable {
            "CARGO_MANIFEST_DIR" => Some(root.path().into()),
            "OUT_DIR" => Some(out.path().into()),
            _ => None,
        };
        let compiled = compile_with(env, Path::new("migrations")).expect("valid folder");
        let text = fs::read_to_string(compiled.output).expect("generated file");
        assert!(text.contains("source: \"migrations/1a2b3c4d5e6f_initial.rs\""));
    }

    #[test]
    fn compile_reports_write_error_when_out_dir_does_not_exist() {
        let root = fixture(&[]);
        let out = root.path().join("no/such/out");
        let errors = compile_into(root.path(), Path::new("migrations"), &out)
            .expect_err("OUT_DIR is missing");
        assert!(
            matches!(errors.as_slice(), [Error::Write { path, .. }] if *path == out.join(OUTPUT_FILE))
        );
        assert!(errors
            .to_string()
            .contains(": cannot write the generated revision table: "));
    }
}
