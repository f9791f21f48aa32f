//! What a masking file leaves unclassified in a schema, and the snippet
//! that classifies it: the answer `classify::coverage` gives, which a
//! `CloneError` carries.

use std::collections::BTreeMap;
use std::fmt;

/// A column the masking file does not classify well enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclassified {
    /// The table.
    pub table: String,
    /// The column the masking file does not classify.
    pub column: String,
    /// What it looks like, when it looks personal.
    pub looks_like: Option<&'static str>,
    /// Whether the file keeps it without a reason although it looks
    /// personal (rather than not naming it at all).
    pub kept_without_reason: bool,
    /// The rule to paste, e.g. `"email"`.
    pub suggestion: &'static str,
}

impl fmt::Display for Unclassified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table, self.column)?;
        match (self.kept_without_reason, self.looks_like) {
            (true, Some(what)) => write!(f, " (kept, but looks like {what}: mask it, or keep = \"reason\")"),
            (false, Some(what)) => write!(f, " (looks like {what})"),
            _ => Ok(()),
        }
    }
}

/// What the masking file says about a schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Columns without a rule, or kept without the reason they need.
    pub unclassified: Vec<Unclassified>,
    /// `table.column` entries of the file that the schema does not have.
    pub stale: Vec<String>,
}

impl Coverage {
    /// Whether every column is classified.
    pub fn is_complete(&self) -> bool {
        self.unclassified.is_empty()
    }

    /// A snippet to paste into the masking file for the unclassified columns.
    pub fn snippet(&self) -> String {
        let mut by_table: BTreeMap<&str, Vec<&Unclassified>> = BTreeMap::new();
        for column in &self.unclassified {
            by_table.entry(&column.table).or_default().push(column);
        }
        let mut out = String::new();
        for (table, columns) in by_table {
            let header = if table.contains('.') { format!("[tables.\"{table}\"]") } else { format!("[tables.{table}]") };
            out.push_str(&header);
            out.push('\n');
            let width = columns.iter().map(|c| toml_key(&c.column).len()).max().unwrap_or(0);
            for column in columns {
                let key = toml_key(&column.column);
                let comment = match column.looks_like {
                    Some(what) => format!("  # looks like {what}"),
                    None => "  # not personal? check, then leave as keep".to_owned(),
                };
                out.push_str(&format!("{key:width$} = {}{comment}\n", column.suggestion));
            }
            out.push('\n');
        }
        out
    }
}

/// A bare TOML key where the name allows one, else a quoted one.
fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
