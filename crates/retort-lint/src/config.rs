//! The project's lint settings: target server version and edition, and
//! rules turned off or given another severity.
//!
//! They live in one of two places, never both: `retort.toml` at the project
//! root (its `[lint]` table), or the project's `Cargo.toml` under
//! `[package.metadata.retort.lint]`. Neither is needed: the defaults are
//! SQL Server 2022 Enterprise (also Developer and Azure SQL, which have the
//! same online operations) and PostgreSQL 15.
//!
//! ```toml
//! [package.metadata.retort.lint]
//! dialect = "mssql"            # what `cargo build` lints for (default: DATABASE_URL's)
//! sql-server-version = 2019    # 2016, 2017, 2019, 2022, 2025
//! sql-server-edition = "standard"   # enterprise, developer, azure, standard
//! postgres-version = "13"
//!
//! [package.metadata.retort.lint.rules]
//! mssql-drop-table = "off"     # or "note", "warning", "error"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use crate::finding::{Dialect, Severity};
use crate::rules;

/// The file at the project root that may hold the `[lint]` table.
pub const CONFIG_FILE: &str = "retort.toml";

/// Which SQL Server edition the revisions will run on. Online index
/// operations, and adding a `NOT NULL` column with a default as a metadata
/// change, are Enterprise features (Developer and Azure SQL have them too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// Enterprise, Developer, Azure SQL Database and Managed Instance.
    Enterprise,
    /// Standard, Web and Express: no online index operations.
    Standard,
}

/// A rule's level as the configuration sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// The settings one lint run uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The dialect `cargo build` lints for when it cannot tell from
    /// `DATABASE_URL`.
    pub dialect: Option<Dialect>,
    /// SQL Server's major version as its year (2016 … 2025).
    pub sql_server_version: u16,
    pub sql_server_edition: Edition,
    /// PostgreSQL's version, as squawk reads it (`"13"`, `"15.2"`).
    pub postgres_version: String,
    /// Rules the project turned off or gave another severity, by id.
    pub rules: BTreeMap<String, Level>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            dialect: None,
            sql_server_version: 2022,
            sql_server_edition: Edition::Enterprise,
            postgres_version: "15".to_owned(),
            rules: BTreeMap::new(),
        }
    }
}

/// A configuration that cannot be used, with the file and key to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read {file}: {reason}")]
    Read { file: String, reason: String },
    #[error("{file} is not valid TOML: {reason}")]
    Toml { file: String, reason: String },
    #[error("{file}: `{key}` {problem}")]
    Value {
        file: String,
        key: String,
        problem: String,
    },
    #[error(
        "lint settings are in both {CONFIG_FILE} ([lint]) and Cargo.toml ([package.metadata.retort.lint]): keep one"
    )]
    Both,
}

impl Config {
    /// The settings of the project at `root`: `retort.toml`'s `[lint]`, else
    /// `Cargo.toml`'s `[package.metadata.retort.lint]`, else the defaults.
    pub fn load(root: &Path) -> Result<Self, ConfigError> {
        let own = read_table(&root.join(CONFIG_FILE), &["lint"])?;
        let cargo = read_table(&root.join("Cargo.toml"), &["package", "metadata", "retort", "lint"])?;
        match (own, cargo) {
            (Some(_), Some(_)) => Err(ConfigError::Both),
            (Some((file, table)), None) | (None, Some((file, table))) => Self::from_table(&file, &table),
            (None, None) => Ok(Self::default()),
        }
    }

    /// The settings in one `[lint]` table; `file` names it in errors.
    pub fn from_table(file: &str, table: &toml::Table) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        let bad = |key: &str, problem: &str| ConfigError::Value {
            file: file.to_owned(),
            key: key.to_owned(),
            problem: problem.to_owned(),
        };
        for (key, value) in table {
            match key.as_str() {
                "dialect" => {
                    let text = value.as_str().ok_or_else(|| bad(key, "must be a string"))?;
                    config.dialect = Some(
                        Dialect::parse(text).ok_or_else(|| bad(key, "must be sqlite, postgres or mssql"))?,
                    );
                }
                "sql-server-version" => {
                    let year = match value {
                        toml::Value::Integer(year) => *year,
                        toml::Value::String(text) => text.parse().map_err(|_| bad(key, "must be a year such as 2019"))?,
                        _ => return Err(bad(key, "must be a year such as 2019")),
                    };
                    if !(2012..=2030).contains(&year) {
                        return Err(bad(key, "must be a year such as 2019 (2012 to 2030)"));
                    }
                    config.sql_server_version = year as u16;
                }
                "sql-server-edition" => {
                    config.sql_server_edition = match value.as_str().map(str::to_ascii_lowercase).as_deref() {
                        Some("enterprise" | "developer" | "azure") => Edition::Enterprise,
                        Some("standard" | "web" | "express") => Edition::Standard,
                        _ => return Err(bad(key, "must be enterprise, developer, azure, standard, web or express")),
                    };
                }
                "postgres-version" => {
                    let text = match value {
                        toml::Value::Integer(major) => major.to_string(),
                        toml::Value::String(text) => text.clone(),
                        _ => return Err(bad(key, "must be a version such as \"15\"")),
                    };
                    if text.parse::<squawk_linter::Version>().is_err() {
                        return Err(bad(key, "must be a version such as \"15\" or \"13.4\""));
                    }
                    config.postgres_version = text;
                }
                "rules" => {
                    let rules = value.as_table().ok_or_else(|| bad(key, "must be a table of rule = level"))?;
                    for (rule, level) in rules {
                        let key = format!("rules.{rule}");
                        if rules::find(rule).is_none() {
                            return Err(bad(&key, "is not a rule (README: Lint lists them)"));
                        }
                        let level = match level.as_str() {
                            Some("off") => Level::Off,
                            Some(text) => Level::On(
                                Severity::parse(text).ok_or_else(|| bad(&key, "must be off, note, warning or error"))?,
                            ),
                            None => return Err(bad(&key, "must be off, note, warning or error")),
                        };
                        config.rules.insert(rule.clone(), level);
                    }
                }
                _ => return Err(bad(key, "is not a lint setting (dialect, sql-server-version, sql-server-edition, postgres-version, rules)")),
            }
        }
        Ok(config)
    }

    /// The severity `rule` reports with, or `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        match self.rules.get(rule) {
            Some(Level::Off) => None,
            Some(Level::On(severity)) => Some(*severity),
            None => rules::find(rule).and_then(|info| info.severity),
        }
    }
}

/// The table at `path` in the TOML file `file`, if the file and the table exist.
fn read_table(file: &Path, path: &[&str]) -> Result<Option<(String, toml::Table)>, ConfigError> {
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(ConfigError::Read {
                file: name,
                reason: error.to_string(),
            })
        }
    };
    let root: toml::Table = text.parse().map_err(|error: toml::de::Error| ConfigError::Toml {
        file: name.clone(),
        reason: error.message().to_owned(),
    })?;
    let mut table = &root;
    for key in path {
        match table.get(*key) {
            Some(toml::Value::Table(inner)) => table = inner,
            Some(_) => {
                return Err(ConfigError::Value {
                    file: name,
                    key: path.join("."),
                    problem: "must be a table".to_owned(),
                })
            }
            None => return Ok(None),
        }
    }
    Ok(Some((name, table.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_table("retort.toml", &text.parse::<toml::Table>().expect("toml"))
    }

    #[test]
    fn from_table_reads_every_setting() {
        let config = parse(
            "dialect = \"mssql\"\nsql-server-version = 2017\nsql-server-edition = \"standard\"\npostgres-version = \"10\"\n[rules]\nmssql-drop-table = \"off\"\nmssql-sp-rename = \"error\"\n",
        )
        .expect("valid");
        assert_eq!(config.dialect, Some(Dialect::Mssql));
        assert_eq!(config.sql_server_version, 2017);
        assert_eq!(config.sql_server_edition, Edition::Standard);
        assert_eq!(config.postgres_version, "10");
        assert_eq!(config.severity("mssql-drop-table"), None);
        assert_eq!(config.severity("mssql-sp-rename"), Some(Severity::Error));
    }

    #[test]
    fn from_table_fails_when_rule_is_unknown() {
        let error = parse("[rules]\nmssql-no-such-rule = \"off\"\n").expect_err("unknown rule");
        assert!(error.to_string().contains("rules.mssql-no-such-rule"), "{error}");
    }

    #[test]
    fn from_table_fails_when_level_is_not_a_severity() {
        let error = parse("[rules]\nmssql-drop-table = \"fatal\"\n").expect_err("bad level");
        assert!(error.to_string().contains("off, note, warning or error"), "{error}");
    }

    #[test]
    fn load_fails_when_both_files_configure_lint() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("retort.toml"), "[lint]\n").expect("write");
        std::fs::write(dir.path().join("Cargo.toml"), "[package.metadata.retort.lint]\n").expect("write");
        assert_eq!(Config::load(dir.path()), Err(ConfigError::Both));
    }

    #[test]
    fn load_reads_cargo_metadata_when_no_retort_toml() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.retort.lint]\nsql-server-edition = \"standard\"\n",
        )
        .expect("write");
        let config = Config::load(dir.path()).expect("valid");
        assert_eq!(config.sql_server_edition, Edition::Standard);
    }
}
