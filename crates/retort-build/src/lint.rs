//! Build-time lint: the SQL revisions that are new since the last build
//! (or changed), reviewed with retort-lint's rules, their findings printed
//! as `cargo::warning=` lines so a developer sees them without asking.
//! Warnings, never errors: `cargo xtask migrate lint` is the gate.
//!
//! "New since the last build" is a file in `OUT_DIR` listing the revisions
//! (id and checksum) already reviewed; the first build reviews them all.
//! Rust revisions are left to `migrate lint`: their operations exist only
//! when their code runs, which a build script cannot do before the crate is
//! compiled. The dialect is `[package.metadata.retort.lint] dialect` (or
//! `retort.toml`'s), else the scheme of `DATABASE_URL` in the project's
//! `.env`, else SQLite, the CLI's default database.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use retort_lint::{Config, Dialect, Linter, Source};

use crate::checksum::to_hex;
use crate::revision::{ParsedRevision, RevisionKind};
use crate::settings::ProjectVariables;

/// The file in `OUT_DIR` that lists the revisions already reviewed.
pub const SEEN_FILE: &str = "retort_lint_seen.txt";

/// One line per finding of the new SQL revisions, ready for
/// `cargo::warning=`; the seen file is updated. `variables` are the
/// project's `[variables]`, when it declares them.
pub(crate) fn new_findings(
    crate_root: &Path,
    out_dir: &Path,
    revisions: &[ParsedRevision],
    variables: Option<&ProjectVariables>,
) -> Vec<String> {
    let config = match Config::load(crate_root) {
        Ok(config) => config,
        Err(error) => return vec![format!("retort lint: {error}")],
    };
    let dialect = config.dialect.or_else(|| dotenv_dialect(crate_root)).unwrap_or(Dialect::Sqlite);
    let seen_path = out_dir.join(SEEN_FILE);
    let seen: BTreeSet<String> = fs::read_to_string(&seen_path)
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut linter = Linter::new(dialect, config);
    let mut lines = Vec::new();
    let mut now_seen = Vec::new();
    for revision in revisions {
        let RevisionKind::Sql { up, up_expanded, up_lines, .. } = &revision.kind else { continue };
        let sql = match up_expanded {
            Some(expanded) => expanded.clone(),
            None => match fs::read_to_string(up) {
                Ok(sql) => sql,
                Err(_) => continue,
            },
        };
        let sql = sql.strip_prefix('\u{feff}').unwrap_or(&sql);
        let sql = match dialect {
            Dialect::Mssql => substituted(sql, variables),
            _ => sql.to_owned(),
        };
        let stamp = format!("{} {}", revision.id.value, to_hex(&revision.checksum));
        let sources = [Source::script(&sql)];
        if seen.contains(&stamp) {
            linter.replay(&revision.id.value, &sources);
        } else {
            for mut finding in linter.lint(&revision.id.value, &revision.source, revision.transactional, &sources) {
                // A `$(NAME)` left without a value is no SQL the parser
                // knows; the statement runs with its value.
                if finding.rule == "retort-parser-fallback" && finding.statement.contains("$(") {
                    continue;
                }
                // A line of a script that includes files is the included
                // file's own.
                if let Some((at, file, line)) = up_lines.iter().rev().find(|(at, _, _)| *at <= finding.line) {
                    (finding.file, finding.line) = (file.clone(), line + (finding.line - at));
                }
                lines.push(format!(
                    "retort lint: {}:{}: {}[{}] {} (`{}` for all; acknowledge with `-- retort:allow {} <reason>`)",
                    finding.file,
                    finding.line,
                    finding.severity,
                    finding.rule,
                    finding.message(),
                    crate::hint::MIGRATE_LINT,
                    finding.rule
                ));
            }
        }
        now_seen.push(stamp);
    }
    // Losing this file only means reviewing everything once more.
    let _ = fs::write(&seen_path, now_seen.join("\n"));
    lines
}

/// `sql` (an SQL Server script) as it will run, as far as the build can
/// know: each `$(NAME)` with the project's value (the profile named by
/// `RETORT_PROFILE`, then every profile's), else the script's last
/// `:setvar`; other names stay `$(NAME)`. The values given at run time
/// (`--var`, `RETORT_VAR_<NAME>`) are `migrate lint`'s to put in.
fn substituted(sql: &str, variables: Option<&ProjectVariables>) -> String {
    let profile = std::env::var("RETORT_PROFILE").unwrap_or_default();
    let setvars = retort_sql::sqlcmd::setvars(sql);
    let substituted = retort_sql::sqlcmd::substitute(sql, |found| {
        let same = |name: &str| name.eq_ignore_ascii_case(&found.name);
        let project = variables.and_then(|variables| {
            [profile.as_str(), ""].into_iter().find_map(|wanted| {
                variables.values.iter().rev().find(|(of, name, _)| of == wanted && same(name)).map(|(_, _, value)| value.clone())
            })
        });
        let script = || setvars.iter().rev().find(|(name, _, _)| same(name)).map(|(_, value, _)| value.clone());
        Some(Cow::Owned(project.or_else(script).unwrap_or_else(|| format!("$({})", found.name))))
    });
    // Every use has a value above, so this is the substituted text.
    substituted.unwrap_or_else(|_| sql.to_owned())
}

/// The dialect of `DATABASE_URL` in the project's `.env`, if any.
fn dotenv_dialect(root: &Path) -> Option<Dialect> {
    let text = fs::read_to_string(root.join(".env")).ok()?;
    text.lines().find_map(|line| {
        let line = line.trim();
        let value = line.strip_prefix("export ").unwrap_or(line).strip_prefix("DATABASE_URL")?.trim_start().strip_prefix('=')?;
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        let scheme = value.split_once(':')?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mssql" | "sqlserver" => Some(Dialect::Mssql),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::tests::fixture;

    const BASE: &str = "-- revision: aaaa00000001\n-- parents:\n-- message: base\nCREATE TABLE items (id INTEGER PRIMARY KEY);\n";
    const DROP: &str = "-- revision: bbbb00000002\n-- parents: aaaa00000001\n-- message: drop\nDROP TABLE items;\n";

    fn compile(root: &Path, out: &Path) -> Vec<String> {
        let table = crate::validate(crate::scan(root, Path::new("migrations"))).expect("valid folder");
        let variables = crate::settings::load_variables(root).expect("valid settings");
        new_findings(root, out, &table.revisions, variables.as_ref())
    }

    #[test]
    fn new_findings_reports_a_new_revision_once() {
        let root = fixture(&[
            ("aaaa00000001_base.up.sql", BASE),
            ("aaaa00000001_base.down.sql", "DROP TABLE items;\n"),
            ("bbbb00000002_drop.up.sql", DROP),
            ("bbbb00000002_drop.down.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY);\n"),
        ]);
        let out = tempfile::tempdir().expect("out dir");
        let first = compile(root.path(), out.path());
        assert_eq!(first.len(), 1, "{first:#?}");
        assert!(first[0].starts_with("retort lint: migrations/bbbb00000002_drop.up.sql:4: warning[sqlite-drop-table]"), "{}", first[0]);
        assert_eq!(compile(root.path(), out.path()), Vec::<String>::new(), "reviewed already");
        // A changed revision is new again.
        fs::write(root.path().join("migrations/bbbb00000002_drop.up.sql"), format!("{DROP}-- changed\n")).expect("write");
        assert_eq!(compile(root.path(), out.path()).len(), 1);
    }

    #[test]
    fn new_findings_lints_an_sql_server_script_with_the_projects_sqlcmd_values_put_in() {
        const BASE: &str = "-- revision: aaaa00000001\n-- parents:\n-- message: base\n\
            CREATE TABLE items (id int NOT NULL PRIMARY KEY, name nvarchar(50) NOT NULL);\n\
            CREATE INDEX ix_items_name ON items (name);\n";
        // The shrinking ALTER is in a file the script includes, on its line 2.
        const SHRINK: &str = "-- revision: bbbb00000002\n-- parents: aaaa00000001\n-- message: shrink\n:r inc/shrink.sql\nSELECT 1;\n";
        let root = fixture(&[
            ("aaaa00000001_base.up.sql", BASE),
            ("aaaa00000001_base.down.sql", "DROP TABLE items;\n"),
            ("bbbb00000002_shrink.up.sql", SHRINK),
            ("bbbb00000002_shrink.down.sql", "SELECT 1;\n"),
            (".retortignore", "inc/\n"),
            ("inc/shrink.sql", "-- $(Table) is the project's\nALTER TABLE $(Table) ALTER COLUMN name nvarchar(20) NOT NULL;\nDROP TABLE $(Unknown);\n"),
        ]);
        fs::write(root.path().join("retort.toml"), "[lint]\ndialect = \"mssql\"\n\n[variables]\nTable = \"items\"\nexternal = [\"Unknown\"]\n").expect("write");
        let out = tempfile::tempdir().expect("out dir");
        let findings: Vec<String> = compile(root.path(), out.path())
            .iter()
            .map(|line| line.split_once(']').map_or(line.as_str(), |(rule, _)| rule).to_owned())
            .collect();
        assert_eq!(
            findings,
            [
                "retort lint: migrations/inc/shrink.sql:2: error[mssql-alter-column-size-of-data",
                "retort lint: migrations/inc/shrink.sql:2: error[mssql-alter-column-with-dependents",
                // sqlparser reads no ALTER COLUMN. It cannot read the
                // `DROP TABLE $(Unknown)` of line 3 either, which runs with
                // a value: no note for it.
                "retort lint: migrations/inc/shrink.sql:2: note[retort-parser-fallback",
            ]
        );
    }

    #[test]
    fn new_findings_uses_the_configured_dialect() {
        let root = fixture(&[
            ("aaaa00000001_base.up.sql", BASE),
            ("aaaa00000001_base.down.sql", "DROP TABLE items;\n"),
            ("bbbb00000002_drop.up.sql", DROP),
            ("bbbb00000002_drop.down.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY);\n"),
        ]);
        fs::write(root.path().join("retort.toml"), "[lint]\ndialect = \"mssql\"\n").expect("write");
        let out = tempfile::tempdir().expect("out dir");
        let findings = compile(root.path(), out.path());
        assert!(findings.iter().any(|f| f.contains("mssql-drop-table")), "{findings:#?}");
    }
}
