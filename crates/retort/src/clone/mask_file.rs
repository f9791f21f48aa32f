//! `retort-mask.toml`: how every column of every table is masked, and which
//! subset to copy.
//!
//! ```toml
//! [tables.users]
//! id = "keep"
//! email = "email"
//! role = { keep = "user or admin: not personal" }
//! hashed_password = { strategy = "constant", value = "$argon2id$…" }
//! created_at = { strategy = "date_shift", days = 30 }
//! age = { strategy = "number_range", min = 18, max = 90 }
//!
//! [subset]
//! rows = { users = 1000 }   # the first 1000 users by primary key…
//! children = 100            # …and up to 100 rows per user of each child table
//! ```
//!
//! Table and column names are matched case-insensitively (SQL Server's
//! catalog and Babelfish lowercase some of them); a table outside the
//! default schema is written `[tables."sales.orders"]`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::CloneError;
use super::strategy::{Rule, Strategy};
use crate::history::Value;

/// The file's default name, at the project root.
pub const MASK_FILE_NAME: &str = "retort-mask.toml";

/// How many child rows per parent row the subset follows unless told.
pub const DEFAULT_CHILDREN: u64 = 100;

/// The parsed masking file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaskFile {
    /// Where it was read from (for messages); `None` when built in code.
    pub path: Option<PathBuf>,
    /// Rules by lowercase table name, then lowercase column name.
    pub tables: BTreeMap<String, BTreeMap<String, Rule>>,
    /// The `[subset]` section.
    pub subset: SubsetConfig,
}

/// Which rows to copy when not all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsetConfig {
    /// The first N rows (by primary key) of each table named here seed the
    /// subset; empty copies every row.
    pub rows: BTreeMap<String, u64>,
    /// How many rows of a child table are followed per parent row and
    /// foreign key.
    pub children: u64,
    /// Per child table overrides of `children`.
    pub children_per_table: BTreeMap<String, u64>,
}

impl Default for SubsetConfig {
    fn default() -> Self {
        Self { rows: BTreeMap::new(), children: DEFAULT_CHILDREN, children_per_table: BTreeMap::new() }
    }
}

impl SubsetConfig {
    /// The child limit for `table`.
    pub fn children_of(&self, table: &str) -> u64 {
        self.children_per_table.get(&table.to_lowercase()).copied().unwrap_or(self.children)
    }
}

impl MaskFile {
    /// Reads and checks the file.
    pub fn load(path: &Path) -> Result<MaskFile, CloneError> {
        let text = std::fs::read_to_string(path).map_err(|error| CloneError::MaskFile {
            path: path.to_path_buf(),
            message: if error.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "it does not exist: run `{}` to list every column it must classify, with a snippet to start it from",
                    crate::hint::DB_CLONE_CHECK
                )
            } else {
                error.to_string()
            },
        })?;
        let mut file = MaskFile::parse(&text).map_err(|message| CloneError::MaskFile { path: path.to_path_buf(), message })?;
        file.path = Some(path.to_path_buf());
        Ok(file)
    }

    /// Parses the file's text; the error says where and why.
    pub fn parse(text: &str) -> Result<MaskFile, String> {
        let document: toml::Table = text.parse().map_err(|error: toml::de::Error| error.to_string())?;
        let mut file = MaskFile::default();
        for (key, item) in &document {
            match key.as_str() {
                "tables" => {
                    let tables = item.as_table().ok_or("`tables` must be a table of tables: [tables.users]")?;
                    for (table, columns) in tables {
                        let columns = columns
                            .as_table()
                            .ok_or_else(|| format!("[tables.{table}] must be a table of column = rule"))?;
                        let mut rules = BTreeMap::new();
                        for (column, rule) in columns {
                            let rule = parse_rule(rule).map_err(|why| format!("{table}.{column}: {why}"))?;
                            if rules.insert(column.to_lowercase(), rule).is_some() {
                                return Err(format!("{table}.{column} is classified twice (names ignore case)"));
                            }
                        }
                        if file.tables.insert(table.to_lowercase(), rules).is_some() {
                            return Err(format!("table {table} appears twice (names ignore case)"));
                        }
                    }
                }
                "subset" => file.subset = parse_subset(item)?,
                other => return Err(format!("unknown section `{other}`: the file has [tables.<name>] and [subset]")),
            }
        }
        Ok(file)
    }

    /// The rule for a column, if the file has one.
    pub fn rule(&self, table: &str, column: &str) -> Option<&Rule> {
        self.tables.get(&table.to_lowercase())?.get(&column.to_lowercase())
    }

    /// The path for messages.
    pub fn display_path(&self) -> String {
        self.path.as_ref().map_or_else(|| MASK_FILE_NAME.to_owned(), |path| path.display().to_string())
    }
}

fn parse_rule(item: &toml::Value) -> Result<Rule, String> {
    if let Some(name) = item.as_str() {
        return match name {
            "keep" => Ok(Rule::Keep { reason: None }),
            "constant" | "number_range" | "date_shift" => {
                Err(format!("{name} needs settings: write {{ strategy = \"{name}\", … }} (see the README)"))
            }
            other => Strategy::from_bare_name(other)
                .map(Rule::Mask)
                .ok_or_else(|| format!("unknown strategy `{other}`; the strategies are {}", Strategy::NAMES)),
        };
    }
    let table = item
        .as_table()
        .ok_or_else(|| format!("a rule is a strategy name or an inline table, not {}", item.type_str()))?;
    let allowed = |names: &[&str]| -> Result<(), String> {
        match table.keys().find(|key| !names.contains(&key.as_str())) {
            Some(key) => Err(format!("unknown setting `{key}` (expected {})", names.join(", "))),
            None => Ok(()),
        }
    };
    if let Some(reason) = table.get("keep") {
        allowed(&["keep"])?;
        let reason = reason.as_str().map(str::trim).filter(|r| !r.is_empty());
        return match reason {
            Some(reason) => Ok(Rule::Keep { reason: Some(reason.to_owned()) }),
            None => Err("keep = \"…\" takes the reason the real value may be copied".to_owned()),
        };
    }
    let strategy = table
        .get("strategy")
        .and_then(toml::Value::as_str)
        .ok_or("an inline rule needs strategy = \"…\" (or keep = \"reason\")")?;
    let integer = |name: &str| -> Result<i64, String> {
        table
            .get(name)
            .and_then(toml::Value::as_integer)
            .ok_or_else(|| format!("{strategy} needs {name} = <whole number>"))
    };
    let strategy = match strategy {
        "constant" => {
            allowed(&["strategy", "value"])?;
            let value = match table.get("value") {
                Some(toml::Value::String(text)) => Value::Text(text.clone()),
                Some(toml::Value::Integer(number)) => Value::Int(*number),
                Some(toml::Value::Boolean(flag)) => Value::Bool(*flag),
                Some(toml::Value::Float(number)) => Value::Text(number.to_string()),
                Some(other) => return Err(format!("a constant is text, a number or a boolean, not {}", other.type_str())),
                None => return Err("constant needs value = … (use \"null\" for NULL)".to_owned()),
            };
            Strategy::Constant(value)
        }
        "number_range" => {
            allowed(&["strategy", "min", "max"])?;
            Strategy::NumberRange { min: integer("min")?, max: integer("max")? }
        }
        "date_shift" => {
            allowed(&["strategy", "days", "by"])?;
            let days = u32::try_from(integer("days")?).map_err(|_| "days must be from 1 to 4294967295".to_owned())?;
            let by = match table.get("by") {
                None => None,
                Some(value) => Some(value.as_str().ok_or("by names a column: by = \"user_id\"")?.to_lowercase()),
            };
            Strategy::DateShift { days, by }
        }
        "keep" => return Err("write keep as \"keep\" or { keep = \"reason\" }".to_owned()),
        name => {
            allowed(&["strategy"])?;
            Strategy::from_bare_name(name)
                .ok_or_else(|| format!("unknown strategy `{name}`; the strategies are {}", Strategy::NAMES))?
        }
    };
    Ok(Rule::Mask(strategy))
}

fn parse_subset(item: &toml::Value) -> Result<SubsetConfig, String> {
    let table = item.as_table().ok_or("[subset] must be a table")?;
    let mut subset = SubsetConfig::default();
    let count = |value: &toml::Value, what: &str| -> Result<u64, String> {
        value
            .as_integer()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| format!("[subset] {what} must be a whole number of rows, 0 or more"))
    };
    let counts = |value: &toml::Value, what: &str| -> Result<BTreeMap<String, u64>, String> {
        let map = value.as_table().ok_or_else(|| format!("[subset] {what} is a table: {what} = {{ users = 1000 }}"))?;
        map.iter().map(|(name, n)| Ok((name.to_lowercase(), count(n, &format!("{what}.{name}"))?))).collect()
    };
    for (key, value) in table {
        match key.as_str() {
            "rows" => subset.rows = counts(value, "rows")?,
            "children" => subset.children = count(value, "children")?,
            "children_per_table" => subset.children_per_table = counts(value, "children_per_table")?,
            other => return Err(format!("[subset] has no setting `{other}` (rows, children, children_per_table)")),
        }
    }
    Ok(subset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_every_form_of_rule() {
        let file = MaskFile::parse(
            r#"
            [tables.Users]
            id = "keep"
            email = "email"
            role = { keep = "not personal" }
            password = { strategy = "constant", value = "x" }
            age = { strategy = "number_range", min = 1, max = 9 }
            born = { strategy = "date_shift", days = 30, by = "ID" }

            [subset]
            rows = { users = 3 }
            children = 5
            "#,
        )
        .unwrap();
        assert_eq!(file.rule("users", "ID"), Some(&Rule::Keep { reason: None }));
        assert_eq!(file.rule("USERS", "email"), Some(&Rule::Mask(Strategy::Email)));
        assert_eq!(file.rule("users", "role"), Some(&Rule::Keep { reason: Some("not personal".to_owned()) }));
        assert_eq!(file.rule("users", "password"), Some(&Rule::Mask(Strategy::Constant(Value::Text("x".to_owned())))));
        assert_eq!(file.rule("users", "age"), Some(&Rule::Mask(Strategy::NumberRange { min: 1, max: 9 })));
        assert_eq!(
            file.rule("users", "born"),
            Some(&Rule::Mask(Strategy::DateShift { days: 30, by: Some("id".to_owned()) }))
        );
        assert_eq!(file.subset.rows.get("users"), Some(&3));
        assert_eq!(file.subset.children_of("todos"), 5);
    }

    #[test]
    fn parse_fails_naming_the_column_when_a_rule_is_wrong() {
        for (text, expected) in [
            ("[tables.users]\nemail = \"emial\"", "users.email: unknown strategy `emial`"),
            ("[tables.users]\nage = \"number_range\"", "users.age: number_range needs settings"),
            ("[tables.users]\nrole = { keep = \"\" }", "users.role: keep = \"…\" takes the reason"),
            ("[tables.users]\nage = { strategy = \"number_range\", min = 1 }", "needs max"),
            ("[tables.users]\nx = { strategy = \"email\", colour = 1 }", "unknown setting `colour`"),
            ("[table.users]\nx = \"keep\"", "unknown section `table`"),
            ("[tables.users]\nx = \"keep\"\nX = \"email\"", "classified twice"),
            ("[tables.users\n", "TOML parse error"),
        ] {
            let error = MaskFile::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
