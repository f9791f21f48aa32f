//! `sqlcmd` variables of SQL Server SQL revisions, at run time.
//!
//! A `$(NAME)` in an SQL revision run on SQL Server takes the first value
//! found in (names match regardless of case, as `sqlcmd`'s do):
//! 1. `--var NAME=value` on the command line ([`Variables::with_value`]);
//! 2. the environment variable `RETORT_VAR_<NAME>` (as written, then in
//!    capitals);
//! 3. the project's `[variables]` (`retort.toml` or
//!    `[package.metadata.retort.variables]`, embedded by the build): the
//!    chosen profile's table (`--profile`, else `RETORT_PROFILE`), then the
//!    values for every profile;
//! 4. the revision's own `:setvar` lines: the last one in the script being
//!    run, else in its other script (so a down script can use the up
//!    script's). Unlike `sqlcmd`, where a line comes does not matter.
//!
//! The values are put in by the one substitution of retort-sql
//! (`retort_sql::sqlcmd::substitute`), in the rendered plan before anything
//! runs ([`Variables::apply`]), so that online runs, `--dry-run`, offline
//! scripts and the round-trip harness see the same text, and a variable
//! without a value stops the run before its first statement.
//!
//! A variable is secret when its name holds `password`, `pwd`, `secret` or
//! `token`, or ends with `key` (any case): an offline script and a dry run
//! keep `$(NAME)` for it ([`Keep::Secrets`]; `--sql --write-secrets`
//! writes it), the history records it as `<secret>`, and a failing
//! statement's text and the server's message show `<secret>` for its value.

use std::borrow::Cow;

use retort_sql::sqlcmd::{self, OnError};
use retort_sql::tsql::split_batches;

use crate::dialect::Dialect;
use crate::error::MigrateError;
use crate::history::HistoryWrite;
use crate::render::RenderedPlan;
use crate::revision::{Body, Revision, ScriptSources};
use crate::Direction;

/// How an event-log `detail` that lists the variables a revision ran with
/// starts.
const RECORDED: &str = "sqlcmd variables: ";

/// The values given to a run, besides those a build embedded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    given: Vec<(String, String)>,
    profile: Option<String>,
}

/// What an offline script keeps as `$(NAME)` rather than substituting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Secrets only: what is printed (`--dry-run`) or written (`--sql`).
    Secrets,
    /// Nothing: secrets are written too.
    Nothing,
}

impl Variables {
    /// No value given: the environment, the project's and the scripts' own.
    pub fn new() -> Self {
        Self::default()
    }

    /// `NAME=value`, as `--var` gives it; a later value for the same name
    /// wins.
    pub fn with_value(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.given.push((name.into(), value.into()));
        self
    }

    /// The project's profile whose `[variables.<profile>]` apply.
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Whether `name` is a secret's (see the module's doc).
    pub fn is_secret(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        ["password", "pwd", "secret", "token"].iter().any(|word| lower.contains(word)) || lower.ends_with("key")
    }

    /// The value of `name` for a revision's `script` (its up or down),
    /// `other` being its other script.
    fn value(&self, project: &[(&str, &str, &str)], script: &str, other: &str, name: &str) -> Option<String> {
        let same = |other: &str| other.eq_ignore_ascii_case(name);
        if let Some((_, value)) = self.given.iter().rev().find(|(given, _)| same(given)) {
            return Some(value.clone());
        }
        for variable in [format!("RETORT_VAR_{name}"), format!("RETORT_VAR_{}", name.to_ascii_uppercase())] {
            if let Ok(value) = std::env::var(variable) {
                return Some(value);
            }
        }
        let profile = self.profile.clone().or_else(|| std::env::var("RETORT_PROFILE").ok()).unwrap_or_default();
        for wanted in [profile.as_str(), ""] {
            if let Some((_, _, value)) = project.iter().rev().find(|(of, declared, _)| *of == wanted && same(declared)) {
                return Some((*value).to_owned());
            }
        }
        [script, other]
            .iter()
            .find_map(|text| sqlcmd::setvars(text).into_iter().rev().find(|(declared, _, _)| same(declared)))
            .map(|(_, value, _)| value)
    }

    /// Puts the values into every SQL revision's script of `plan` when it
    /// runs on SQL Server (any other dialect is left as it is). `project`
    /// is the build's (`Migrations::variables`); `keep` says which
    /// variables stay `$(NAME)` (an offline script); `None` substitutes all.
    pub fn apply(
        &self,
        project: &[(&str, &str, &str)],
        plan: &mut RenderedPlan,
        keep: Option<Keep>,
    ) -> Result<(), MigrateError> {
        if plan.dialect != Dialect::Mssql {
            return Ok(());
        }
        for step in &mut plan.steps {
            let revision = step.step.revision;
            let (script, other) = match (revision.body, step.step.direction) {
                (Body::Sql { up, down, .. }, Direction::Up) => (up, down.unwrap_or("")),
                (Body::Sql { up, down: Some(down), .. }, Direction::Down) => (down, up),
                _ => continue,
            };
            let direction = step.step.direction;
            for unit in &mut step.units {
                // A unit's line 1 is line `first_line` of the script.
                let script_line = |line: u32| line + unit.first_line.unwrap_or(1) - 1;
                if revision.transactional {
                    if let Some(batch) = split_batches(&unit.sql).iter().find(|batch| batch.on_error == OnError::Ignore) {
                        let (file, line) = written_at(revision, direction, script_line(batch.first_line));
                        return Err(MigrateError::IgnoreInTransaction { id: revision.id.to_owned(), file, line });
                    }
                }
                let substituted = sqlcmd::substitute(&unit.sql, |found| {
                    let value = self.value(project, script, other, &found.name)?;
                    match keep {
                        Some(Keep::Secrets) if Self::is_secret(&found.name) => Some(Cow::Owned(format!("$({})", found.name))),
                        _ => Some(Cow::Owned(value)),
                    }
                });
                let substituted = substituted.map_err(|found| {
                    let (file, line) = written_at(revision, direction, script_line(found.line));
                    MigrateError::UndefinedVariable { id: revision.id.to_owned(), file, line, name: found.name }
                })?;
                // The batches are those the build read: a value may not
                // add a `GO` line or a command.
                if substituted != unit.sql && !sqlcmd::same_batches(&unit.sql, &substituted) {
                    return Err(MigrateError::VariableChangesBatches { id: revision.id.to_owned(), file: revision.source });
                }
                unit.sql = substituted;
            }
            // The event log's row of the step says which values ran
            // (secrets redacted): its `detail`, a column every history
            // table has.
            if let Some(detail) = self.used(project, script, other) {
                for write in &mut step.writes {
                    if let HistoryWrite::Log { detail: slot @ None, .. } = write {
                        *slot = Some(detail.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// `units` of `revision`'s script in `direction` (what `migrate show`
    /// prints) with the values known put in, secrets and variables without
    /// a value left as `$(NAME)`.
    #[cfg(feature = "cli")]
    pub(crate) fn shown(&self, project: &[(&str, &str, &str)], dialect: Dialect, revision: &crate::Revision, direction: Direction, units: &mut [crate::work::Unit]) {
        let (script, other) = match (revision.body, direction, dialect) {
            (Body::Sql { up, down, .. }, Direction::Up, Dialect::Mssql) => (up, down.unwrap_or("")),
            (Body::Sql { up, down: Some(down), .. }, Direction::Down, Dialect::Mssql) => (down, up),
            _ => return,
        };
        for unit in units {
            let shown = sqlcmd::substitute(&unit.sql, |found| match Self::is_secret(&found.name) {
                true => Some(Cow::Owned(format!("$({})", found.name))),
                false => Some(Cow::Owned(
                    self.value(project, script, other, &found.name).unwrap_or_else(|| format!("$({})", found.name)),
                )),
            });
            if let Ok(shown) = shown {
                unit.sql = shown;
            }
        }
    }

    /// `error` with the value of every secret variable that `revisions`'
    /// scripts use replaced by `<secret>` in the statement and the server's
    /// message it shows.
    pub(crate) fn hide_secrets<'r>(
        &self,
        project: &[(&str, &str, &str)],
        dialect: Dialect,
        revisions: impl Iterator<Item = &'r crate::Revision>,
        error: MigrateError,
    ) -> MigrateError {
        let MigrateError::Statement(mut failure) = error else { return error };
        if dialect != Dialect::Mssql {
            return MigrateError::Statement(failure);
        }
        for revision in revisions {
            let Body::Sql { up, down, .. } = revision.body else { continue };
            let down = down.unwrap_or("");
            for (script, other) in [(up, down), (down, up)] {
                for found in sqlcmd::script_variables(script).into_iter().filter(|found| Self::is_secret(&found.name)) {
                    let Some(value) = self.value(project, script, other, &found.name).filter(|value| !value.is_empty()) else {
                        continue;
                    };
                    failure.sql = failure.sql.replace(&value, "<secret>");
                    failure.message = failure.message.replace(&value, "<secret>");
                }
            }
        }
        MigrateError::Statement(failure)
    }

    /// `sqlcmd variables: NAME=value, …` for the variables `script` uses,
    /// secrets as `<secret>`; `None` when it uses none.
    fn used(&self, project: &[(&str, &str, &str)], script: &str, other: &str) -> Option<String> {
        let mut names: Vec<String> = Vec::new();
        for found in sqlcmd::script_variables(script) {
            if !names.iter().any(|name| name.eq_ignore_ascii_case(&found.name)) {
                names.push(found.name);
            }
        }
        let values: Vec<String> = names
            .iter()
            .map(|name| match Self::is_secret(name) {
                true => format!("{name}=<secret>"),
                false => format!("{name}={}", self.value(project, script, other, name).unwrap_or_default()),
            })
            .collect();
        (!values.is_empty()).then(|| format!("{RECORDED}{}", values.join(", ")))
    }

    /// The `NAME=value, …` list of an event-log `detail` that [`Self::apply`]
    /// wrote, secrets already `<secret>`; `None` for any other detail.
    pub(crate) fn recorded(detail: &str) -> Option<&str> {
        detail.strip_prefix(RECORDED)
    }

}

/// The file and line where line `line` of `revision`'s script in
/// `direction`, as the build embedded it, was written: an included file's
/// own line when the script includes files (`:r`), else the revision's.
pub(crate) fn written_at(revision: &Revision, direction: Direction, line: u32) -> (&'static str, u32) {
    let runs = match (revision.body, direction) {
        (Body::Sql { sources, .. }, Direction::Up) => sources.up,
        (Body::Sql { sources, .. }, Direction::Down) => sources.down,
        (Body::Rust { .. }, _) => &[],
    };
    ScriptSources::locate(runs, line).unwrap_or((revision.source, line))
}

/// The `:setvar` lines that start an offline script written with
/// `--keep-variables`: one per variable its SQL Server revisions use that
/// has a value (the first revision's, when several `:setvar` it), secrets
/// left out. `sqlcmd` lets a script's `:setvar` win over `-v`: remove a
/// line to give that variable with `-v`.
#[cfg(feature = "cli")]
pub(crate) fn setvar_lines(variables: &Variables, project: &[(&str, &str, &str)], plan: &RenderedPlan) -> String {
    if plan.dialect != Dialect::Mssql {
        return String::new();
    }
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::new();
    for step in &plan.steps {
        let (script, other) = match (step.step.revision.body, step.step.direction) {
            (Body::Sql { up, down, .. }, Direction::Up) => (up, down.unwrap_or("")),
            (Body::Sql { up, down: Some(down), .. }, Direction::Down) => (down, up),
            _ => continue,
        };
        for found in sqlcmd::script_variables(script) {
            if Variables::is_secret(&found.name) || seen.iter().any(|name| name.eq_ignore_ascii_case(&found.name)) {
                continue;
            }
            seen.push(found.name.clone());
            if let Some(value) = variables.value(project, script, other, &found.name) {
                out.push_str(&format!(":setvar {} \"{}\"\n", found.name, value.replace('"', "\"\"")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::RenderedStep;
    use crate::work::Unit;
    use crate::{Flavour, Step};

    fn revision(up: &'static str, down: &'static str, transactional: bool) -> &'static Revision {
        Box::leak(Box::new(Revision { transactional, ..Revision::fixture("a1a1", &[], "migrations/a1a1_m.up.sql", up, Some(down)) }))
    }

    fn plan(dialect: Dialect, revision: &'static Revision, direction: Direction) -> RenderedPlan {
        let script = match (revision.body, direction) {
            (Body::Sql { up, .. }, Direction::Up) => up,
            (Body::Sql { down: Some(down), .. }, _) => down,
            _ => "",
        };
        RenderedPlan {
            dialect,
            flavour: Flavour::Standard,
            direction,
            steps: vec![RenderedStep {
                step: Step { revision, direction },
                units: vec![Unit { sql: script.to_owned(), first_line: Some(1), label: "script".to_owned() }],
                writes: Vec::new(),
            }],
        }
    }

    fn substituted(variables: &Variables, project: &[(&str, &str, &str)], revision: &'static Revision, direction: Direction) -> Result<String, String> {
        let mut plan = plan(Dialect::Mssql, revision, direction);
        variables.apply(project, &mut plan, None).map_err(|error| error.to_string())?;
        Ok(plan.steps[0].units[0].sql.clone())
    }

    #[test]
    fn apply_takes_given_then_environment_then_profile_then_project_then_setvar() {
        let up = ":setvar a script\n:setvar b script\n:setvar c script\n:setvar d script\n:setvar e script\nSELECT '$(a) $(b) $(f) $(c) $(d) $(e)'\n";
        let revision = revision(up, "SELECT '$(e)'", true);
        std::env::set_var("RETORT_VAR_b", "environment");
        std::env::set_var("RETORT_VAR_A", "environment");
        std::env::set_var("RETORT_VAR_F", "capitals");
        let project = [("", "c", "project"), ("", "d", "project"), ("prod", "D", "prod"), ("dev", "c", "dev")];
        let variables = Variables::new().with_value("A", "given").with_profile("prod");
        assert_eq!(
            substituted(&variables, &project, revision, Direction::Up).as_deref(),
            Ok(":setvar a script\n:setvar b script\n:setvar c script\n:setvar d script\n:setvar e script\nSELECT 'given environment capitals project prod script'\n")
        );
        // The down script takes the up script's `:setvar`.
        assert_eq!(substituted(&variables, &project, revision, Direction::Down).as_deref(), Ok("SELECT 'script'"));
    }

    #[test]
    fn apply_records_the_values_used_in_the_event_log_with_secrets_redacted() {
        let revision = revision("SELECT '$(ApiToken)', '$(db)', '$(DB)'\n", "SELECT 1", true);
        let mut plan = plan(Dialect::Mssql, revision, Direction::Up);
        plan.steps[0].writes = vec![HistoryWrite::log("a1a1", crate::history::Action::Upgrade, crate::history::Outcome::Ok, None)];
        Variables::new().with_value("ApiToken", "s3cr3t").with_value("Db", "todo").apply(&[], &mut plan, None).expect("values");
        let HistoryWrite::Log { detail, .. } = &plan.steps[0].writes[0] else { panic!("a log write") };
        assert_eq!(detail.as_deref(), Some("sqlcmd variables: ApiToken=<secret>, db=todo"));
    }

    #[cfg(feature = "cli")]
    #[test]
    fn shown_puts_in_known_values_and_leaves_secrets_and_unknown_names() {
        let revision = revision(":setvar Db todo\nSELECT '$(Db)', '$(ApiToken)', '$(nowhere)'\n", "SELECT '$(Db)'", true);
        let mut units = vec![Unit { sql: "SELECT '$(Db)'".into(), first_line: Some(1), label: "script".into() }];
        let variables = Variables::new().with_value("ApiToken", "s3cr3t");
        variables.shown(&[], Dialect::Mssql, revision, Direction::Down, &mut units);
        assert_eq!(units[0].sql, "SELECT 'todo'");
        units[0].sql = "SELECT '$(Db)', '$(ApiToken)', '$(nowhere)'".into();
        variables.shown(&[], Dialect::Mssql, revision, Direction::Up, &mut units);
        assert_eq!(units[0].sql, "SELECT 'todo', '$(ApiToken)', '$(nowhere)'");
    }

    #[test]
    fn apply_refuses_a_value_that_adds_a_go_line() {
        let revision = revision("SELECT 1\n$(v)\nSELECT 2\n", "SELECT 1", true);
        let error = substituted(&Variables::new().with_value("v", "GO"), &[], revision, Direction::Up).unwrap_err();
        assert!(error.contains("changes how the script is cut into batches"), "{error}");
        assert!(substituted(&Variables::new().with_value("v", "-- go"), &[], revision, Direction::Up).is_ok());
    }

    #[test]
    fn hide_secrets_hides_a_secret_value_in_the_failing_statement_and_message() {
        let revision = revision("CREATE LOGIN app WITH PASSWORD = N'$(AppPassword)', $(other)\n", "SELECT 1", true);
        let variables = Variables::new().with_value("AppPassword", "hunter2!").with_value("other", "plain");
        let failure = crate::error::StatementFailure {
            direction: Direction::Up,
            id: "a1a1".into(),
            file: "migrations/a1a1_m.up.sql",
            location: None,
            statement: Some(1),
            sql: "CREATE LOGIN app WITH PASSWORD = N'hunter2!', plain".into(),
            code: None,
            message: "bad password 'hunter2!'".into(),
            aftermath: String::new(),
        };
        let error = MigrateError::Statement(Box::new(failure));
        let hidden = variables.hide_secrets(&[], Dialect::Mssql, [revision].into_iter(), error).to_string();
        assert!(!hidden.contains("hunter2!") && hidden.contains("<secret>") && hidden.contains("plain"), "{hidden}");
    }

    #[test]
    fn apply_fails_naming_revision_file_line_and_variable_when_one_has_no_value() {
        let revision = revision("SELECT 1\nGO\nSELECT $(nowhere_zz)\n", "SELECT 1", true);
        let error = substituted(&Variables::new(), &[], revision, Direction::Up).unwrap_err();
        assert!(
            error.starts_with("revision a1a1: sqlcmd variable `$(nowhere_zz)` at migrations/a1a1_m.up.sql:3 has no value")
                && error.contains("--var nowhere_zz=")
                && error.contains("RETORT_VAR_nowhere_zz"),
            "{error}"
        );
    }

    #[test]
    fn apply_names_the_included_file_and_its_line_when_a_variable_there_has_no_value() {
        // `:r inc/grants.sql` on line 2 of the up script, its 5 lines
        // embedded in its place.
        let up = "CREATE TABLE t (id int)\nGRANT SELECT ON t TO a\nGO\n\nGRANT SELECT ON t TO [$(Reader)]\nGO\nSELECT $(Also)\n";
        let sources = crate::ScriptSources {
            up: &[(1, "migrations/a1a1_m.up.sql", 1), (2, "migrations/inc/grants.sql", 1), (7, "migrations/a1a1_m.up.sql", 3)],
            down: &[],
        };
        let revision: &'static Revision = Box::leak(Box::new(Revision { body: Body::Sql { up, down: None, sources }, ..*revision("", "", true) }));
        let error = substituted(&Variables::new().with_value("Also", "1"), &[], revision, Direction::Up).unwrap_err();
        assert_eq!(
            error,
            "revision a1a1: sqlcmd variable `$(Reader)` at migrations/inc/grants.sql:4 has no value, so nothing was run: give \
             it with `--var Reader=…`, the environment variable `RETORT_VAR_Reader`, the project's [variables], or \
             `:setvar Reader …` in the script"
        );
        let error = substituted(&Variables::new().with_value("Reader", "r"), &[], revision, Direction::Up).unwrap_err();
        assert!(error.starts_with("revision a1a1: sqlcmd variable `$(Also)` at migrations/a1a1_m.up.sql:3 has no value"), "{error}");
    }

    #[test]
    fn apply_refuses_on_error_ignore_in_a_transactional_revision_and_leaves_other_dialects_alone() {
        let up = "SELECT 1\nGO\n:on error ignore\nSELECT $(x)\n";
        let error = substituted(&Variables::new().with_value("x", "1"), &[], revision(up, "SELECT 1", true), Direction::Up).unwrap_err();
        assert!(error.contains("`:on error ignore` before the batch at migrations/a1a1_m.up.sql:3") && error.contains("transactional: false"), "{error}");
        assert!(substituted(&Variables::new().with_value("x", "1"), &[], revision(up, "SELECT 1", false), Direction::Up).is_ok());
        let mut postgres = plan(Dialect::Postgres, revision(up, "SELECT 1", true), Direction::Up);
        Variables::new().apply(&[], &mut postgres, None).expect("not SQL Server: nothing to do");
        assert_eq!(postgres.steps[0].units[0].sql, up);
    }

    #[test]
    fn apply_keeps_secrets_for_an_offline_script_and_setvar_lines_leave_them_out() {
        let revision = revision("SELECT '$(ApiToken)', '$(Db)'\n", "SELECT 1", true);
        let variables = Variables::new().with_value("ApiToken", "s3cr3t").with_value("Db", "x\"y");
        let mut offline = plan(Dialect::Mssql, revision, Direction::Up);
        variables.apply(&[], &mut offline, Some(Keep::Secrets)).expect("values");
        assert_eq!(offline.steps[0].units[0].sql, "SELECT '$(ApiToken)', 'x\"y'\n");
        #[cfg(feature = "cli")]
        assert_eq!(setvar_lines(&variables, &[], &plan(Dialect::Mssql, revision, Direction::Up)), ":setvar Db \"x\"\"y\"\n");
    }

    #[test]
    fn is_secret_when_the_name_says_so() {
        for name in ["ApiToken", "DB_PASSWORD", "pwd", "ClientSecret", "SigningKey"] {
            assert!(Variables::is_secret(name), "{name}");
        }
        for name in ["DatabaseName", "KeyspaceName", "Path"] {
            assert!(!Variables::is_secret(name), "{name}");
        }
    }
}
