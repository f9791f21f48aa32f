//! The project's `[migrate]` settings: how long a revision's statements wait
//! for another session's lock by default, and how many times a revision that
//! gave up is run again. They live in `retort.toml` at the project root (its
//! `[migrate]` table) or in `Cargo.toml` under
//! `[package.metadata.retort.migrate]`, never both, as the lint settings do;
//! neither is needed. The build script embeds them in the revision table, so
//! the application's start-up call and `cargo xtask migrate` use the same.
//!
//! ```toml
//! [package.metadata.retort.migrate]
//! lock-timeout = "10s"   # 500ms, 10s, 2m (default 5s)
//! lock-retries = 5       # default 3
//! ```

use std::path::Path;

use crate::error::Error;
use crate::revision::parse_lock_timeout;

/// The settings a project wrote; `None` leaves retort's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ProjectSettings {
    pub lock_timeout_ms: Option<u64>,
    pub lock_retries: Option<u32>,
}

/// The keys a `[migrate]` table may hold.
const KEYS: &str = "lock-timeout, lock-retries";

/// Reads the project's settings from `crate_root`.
pub(crate) fn load(crate_root: &Path) -> Result<ProjectSettings, Error> {
    let own = table(crate_root, "retort.toml", &["migrate"])?;
    let cargo = table(crate_root, "Cargo.toml", &["package", "metadata", "retort", "migrate"])?;
    match (own, cargo) {
        (Some(_), Some(_)) => Err(setting(
            "retort.toml",
            "[migrate]",
            "the project's Cargo.toml has [package.metadata.retort.migrate] too: keep one of them",
        )),
        (Some((file, table)), None) | (None, Some((file, table))) => read(file, &table),
        (None, None) => Ok(ProjectSettings::default()),
    }
}

/// The table at `path` inside the TOML file `file`, if both exist.
fn table(crate_root: &Path, file: &'static str, path: &[&str]) -> Result<Option<(&'static str, toml::Table)>, Error> {
    let text = match std::fs::read_to_string(crate_root.join(file)) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(setting(file, "", &format!("cannot be read: {error}"))),
    };
    let mut value: toml::Table = text
        .parse()
        .map_err(|error: toml::de::Error| setting(file, "", &format!("is not valid TOML: {}", error.message())))?;
    for (depth, key) in path.iter().enumerate() {
        match value.remove(*key) {
            Some(toml::Value::Table(inner)) => value = inner,
            Some(_) => return Err(setting(file, &path[..=depth].join("."), "must be a table")),
            None => return Ok(None),
        }
    }
    Ok(Some((file, value)))
}

fn read(file: &str, table: &toml::Table) -> Result<ProjectSettings, Error> {
    let mut settings = ProjectSettings::default();
    for (key, value) in table {
        match key.as_str() {
            "lock-timeout" => {
                let text = value.as_str().ok_or_else(|| setting(file, key, "must be a string such as \"10s\""))?;
                let millis = parse_lock_timeout(text).map_err(|problem| setting(file, key, &format!("must be {problem}")))?;
                settings.lock_timeout_ms = Some(millis);
            }
            "lock-retries" => {
                let retries = value
                    .as_integer()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n <= 100)
                    .ok_or_else(|| setting(file, key, "must be a whole number from 0 to 100"))?;
                settings.lock_retries = Some(retries);
            }
            other => return Err(setting(file, other, &format!("is not a [migrate] setting: known keys are {KEYS}"))),
        }
    }
    Ok(settings)
}

/// The project's `sqlcmd` variables: `[variables]` in `retort.toml`, or
/// `[package.metadata.retort.variables]` in `Cargo.toml`, never both.
///
/// ```toml
/// [variables]
/// DatabaseName = "todo"          # every profile
/// external = ["ApiToken"]        # declared, given at run time only
/// [variables.prod]               # profile `prod` (`--profile prod`, RETORT_PROFILE)
/// DatabaseName = "todo_prod"
/// ```
///
/// A project that has this table declares its variables: a `$(NAME)` that
/// no `:setvar`, no entry (in any profile) and no `external` name defines is
/// an error at build time. Without it, that is checked at run time, before
/// anything runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProjectVariables {
    /// The file that declares them, for messages.
    pub file: String,
    /// `(profile, name, value)`; the profile is `""` for every profile.
    pub values: Vec<(String, String, String)>,
    /// Names declared without a value.
    pub external: Vec<String>,
}

impl ProjectVariables {
    /// Whether `name` is declared, in any profile (names match regardless of
    /// case, as `sqlcmd`'s do).
    pub fn declares(&self, name: &str) -> bool {
        self.values.iter().any(|(_, declared, _)| declared.eq_ignore_ascii_case(name))
            || self.external.iter().any(|declared| declared.eq_ignore_ascii_case(name))
    }
}

/// Reads the project's `[variables]`, if it has them.
pub(crate) fn load_variables(crate_root: &Path) -> Result<Option<ProjectVariables>, Error> {
    let own = table(crate_root, "retort.toml", &["variables"])?;
    let cargo = table(crate_root, "Cargo.toml", &["package", "metadata", "retort", "variables"])?;
    let (file, table) = match (own, cargo) {
        (Some(_), Some(_)) => {
            return Err(setting(
                "retort.toml",
                "[variables]",
                "the project's Cargo.toml has [package.metadata.retort.variables] too: keep one of them",
            ))
        }
        (Some(found), None) | (None, Some(found)) => found,
        (None, None) => return Ok(None),
    };
    let mut variables = ProjectVariables { file: file.to_owned(), ..ProjectVariables::default() };
    read_variables(file, "", &table, &mut variables)?;
    Ok(Some(variables))
}

fn read_variables(file: &str, profile: &str, table: &toml::Table, variables: &mut ProjectVariables) -> Result<(), Error> {
    let key_of = |key: &str| match profile {
        "" => format!("variables.{key}"),
        _ => format!("variables.{profile}.{key}"),
    };
    for (key, value) in table {
        let value = match value {
            toml::Value::Table(inner) if profile.is_empty() => {
                read_variables(file, key, inner, variables)?;
                continue;
            }
            toml::Value::Array(names) if profile.is_empty() && key == "external" => {
                for name in names {
                    match name.as_str() {
                        Some(name) if retort_sql::sqlcmd::is_name(name) => variables.external.push(name.to_owned()),
                        _ => return Err(setting(file, &key_of(key), "must list variable names (letters, digits, `_`, `-`)")),
                    }
                }
                continue;
            }
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(number) => number.to_string(),
            toml::Value::Boolean(flag) => flag.to_string(),
            _ => {
                return Err(setting(
                    file,
                    &key_of(key),
                    "must be a string (a table under [variables] is a profile, `external` a list of names)",
                ))
            }
        };
        if !retort_sql::sqlcmd::is_name(key) {
            return Err(setting(file, &key_of(key), "is not a variable name: letters, digits, `_` or `-`"));
        }
        variables.values.push((profile.to_owned(), key.clone(), value));
    }
    Ok(())
}

fn setting(file: &str, key: &str, problem: &str) -> Error {
    Error::ProjectSetting { file: file.to_owned(), key: key.to_owned(), problem: problem.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_from(files: &[(&str, &str)]) -> Result<ProjectSettings, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        load(dir.path()).map_err(|error| error.to_string())
    }

    #[test]
    fn load_reads_retort_toml_or_cargo_metadata_and_defaults_to_nothing() {
        assert_eq!(load_from(&[]), Ok(ProjectSettings::default()));
        assert_eq!(
            load_from(&[("retort.toml", "[migrate]\nlock-timeout = \"10s\"\nlock-retries = 5\n")]),
            Ok(ProjectSettings { lock_timeout_ms: Some(10_000), lock_retries: Some(5) })
        );
        assert_eq!(
            load_from(&[("Cargo.toml", "[package]\nname = \"x\"\n[package.metadata.retort.migrate]\nlock-timeout = \"500ms\"\n")]),
            Ok(ProjectSettings { lock_timeout_ms: Some(500), lock_retries: None })
        );
        // Another tool's metadata, or retort's lint table alone, sets nothing.
        assert_eq!(load_from(&[("Cargo.toml", "[package.metadata.retort.lint]\ndialect = \"mssql\"\n")]), Ok(ProjectSettings::default()));
    }

    fn variables_from(files: &[(&str, &str)]) -> Result<Option<ProjectVariables>, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        load_variables(dir.path()).map_err(|error| error.to_string())
    }

    #[test]
    fn load_variables_reads_defaults_profiles_and_external_names() {
        assert_eq!(variables_from(&[]), Ok(None));
        let toml = "[variables]\nDb = \"todo\"\nexternal = [\"ApiToken\"]\n[variables.prod]\nDb = \"todo_prod\"\nPort = 1433\n";
        let variables = variables_from(&[("retort.toml", toml)]).expect("valid").expect("declared");
        let owned = |items: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
            items.iter().map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned())).collect()
        };
        assert_eq!(variables.values, owned(&[("", "Db", "todo"), ("prod", "Db", "todo_prod"), ("prod", "Port", "1433")]));
        assert_eq!(variables.external, ["ApiToken"]);
        assert!(variables.declares("apitoken") && variables.declares("PORT") && !variables.declares("Other"));
        let cargo = "[package.metadata.retort.variables]\nDb = \"x\"\n";
        assert!(variables_from(&[("Cargo.toml", cargo)]).expect("valid").is_some());
    }

    #[test]
    fn load_variables_fails_naming_the_key_when_a_value_is_wrong() {
        let error = variables_from(&[("retort.toml", "[variables]\nDb = [1]\n")]).unwrap_err();
        assert!(error.contains("retort.toml") && error.contains("variables.Db") && error.contains("must be a string"), "{error}");
        let error = variables_from(&[("retort.toml", "[variables.prod]\nx = { a = 1 }\n")]).unwrap_err();
        assert!(error.contains("variables.prod.x"), "{error}");
        let error = variables_from(&[("retort.toml", "[variables]\nexternal = [\"a b\"]\n")]).unwrap_err();
        assert!(error.contains("variables.external"), "{error}");
    }

    #[test]
    fn load_fails_naming_the_file_and_key_when_a_setting_is_wrong() {
        let error = load_from(&[("retort.toml", "[migrate]\nlock-timeout = \"10 seconds\"\n")]).unwrap_err();
        assert!(error.contains("retort.toml") && error.contains("lock-timeout") && error.contains("`500ms`"), "{error}");
        let error = load_from(&[("retort.toml", "[migrate]\nlock-retries = -1\n")]).unwrap_err();
        assert!(error.contains("lock-retries") && error.contains("0 to 100"), "{error}");
        let error = load_from(&[("retort.toml", "[migrate]\nlock_timeout = \"1s\"\n")]).unwrap_err();
        assert!(error.contains("lock_timeout") && error.contains("known keys are lock-timeout, lock-retries"), "{error}");
        let error = load_from(&[("retort.toml", "[migrate]\n"), ("Cargo.toml", "[package.metadata.retort.migrate]\n")]).unwrap_err();
        assert!(error.contains("keep one of them"), "{error}");
        let error = load_from(&[("retort.toml", "[migrate\n")]).unwrap_err();
        assert!(error.contains("retort.toml") && error.contains("not valid TOML"), "{error}");
    }
}
