//! Which objects retort is to manage: `--schema`, `--exclude`, and the
//! history tables of other migration tools, left out by default.

use crate::schema::SchemaSnapshot;

/// The history tables of the tools a legacy database may have been
/// migrated with: Alembic, Flyway, EF Core, sqlx, refinery.
pub const OTHER_TOOLS_TABLES: [&str; 5] = [
    "alembic_version",
    "flyway_schema_history",
    "__EFMigrationsHistory",
    "_sqlx_migrations",
    "refinery_schema_history",
];

/// What to leave out of a baseline or of `stamp --verify`'s comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Keep only objects in these schemas (the default schema by its name:
    /// `dbo`, `public`, `main`); all when empty.
    pub schemas: Vec<String>,
    /// Leave out objects whose name (`users`, `billing.invoices`) matches
    /// one of these patterns: `*` is any run of characters, `?` one,
    /// case-insensitively.
    pub exclude: Vec<String>,
    /// Keep the history tables of other tools ([`OTHER_TOOLS_TABLES`]).
    pub include_other_tools: bool,
}

impl Filter {
    /// The snapshot without what the filter leaves out, and a line for
    /// each object left out (`table alembic_version (Alembic's history)`).
    pub fn apply(&self, snapshot: &SchemaSnapshot, default_schema: &str) -> (SchemaSnapshot, Vec<String>) {
        let mut kept = snapshot.clone();
        let mut left_out = Vec::new();
        let mut leave = |kind: &str, name: &str, why: &str| left_out.push(format!("{kind} {name} ({why})"));
        let reason = |name: &str| self.reason(name, default_schema);
        kept.tables.retain(|name, _| match reason(name) {
            Some(why) => {
                leave("table", name, why);
                false
            }
            None => true,
        });
        let tables = kept.tables.clone();
        kept.triggers.retain(|name, trigger| match reason(name) {
            Some(why) => {
                leave("trigger", name, why);
                false
            }
            None if !tables.contains_key(&trigger.table) && snapshot.tables.contains_key(&trigger.table) => {
                leave("trigger", name, "its table is left out");
                false
            }
            None => true,
        });
        for (kind, objects) in [("view", &mut kept.views), ("materialized view", &mut kept.materialized_views)] {
            objects.retain(|name, _| match reason(name) {
                Some(why) => {
                    leave(kind, name, why);
                    false
                }
                None => true,
            });
        }
        kept.routines.retain(|key, _| match reason(key.split('(').next().unwrap_or(key)) {
            Some(why) => {
                leave("routine", key, why);
                false
            }
            None => true,
        });
        kept.sequences.retain(|name, _| reason(name).map(|why| leave("sequence", name, why)).is_none());
        kept.types.retain(|name, _| reason(name).map(|why| leave("type", name, why)).is_none());
        (kept, left_out)
    }

    /// Why the object called `name` is left out, if it is.
    pub fn reason(&self, name: &str, default_schema: &str) -> Option<&'static str> {
        let (schema, base) = name.split_once('.').unwrap_or((default_schema, name));
        if !self.schemas.is_empty() && !self.schemas.iter().any(|s| s.eq_ignore_ascii_case(schema)) {
            return Some("not in --schema");
        }
        if self.exclude.iter().any(|pattern| matches(pattern, name) || matches(pattern, base)) {
            return Some("--exclude");
        }
        if !self.include_other_tools && OTHER_TOOLS_TABLES.iter().any(|t| t.eq_ignore_ascii_case(base)) {
            return Some("another migration tool's history");
        }
        None
    }
}

/// Whether `text` matches the glob `pattern` (`*`, `?`), ignoring case.
fn matches(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.to_lowercase().chars().collect(), text.to_lowercase().chars().collect());
    // The classic two-pointer match with backtracking to the last `*`.
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(at) = star {
            p = at + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Table;

    #[test]
    fn apply_leaves_out_other_tools_history_and_excluded_names_by_default() {
        let mut snapshot = SchemaSnapshot::default();
        for name in ["users", "alembic_version", "audit_2024", "billing.invoices"] {
            snapshot.tables.insert(name.into(), Table::default());
        }
        let filter = Filter { exclude: vec!["audit_*".into()], ..Filter::default() };
        let (kept, left_out) = filter.apply(&snapshot, "dbo");
        assert_eq!(kept.tables.keys().collect::<Vec<_>>(), ["billing.invoices", "users"]);
        assert_eq!(left_out, ["table alembic_version (another migration tool's history)", "table audit_2024 (--exclude)"]);
        let only_dbo = Filter { schemas: vec!["dbo".into()], ..Filter::default() };
        assert!(!only_dbo.apply(&snapshot, "dbo").0.tables.contains_key("billing.invoices"));
    }

    #[test]
    fn matches_globs_ignoring_case() {
        assert!(matches("Audit_*", "audit_2024"));
        assert!(matches("t?", "t1"));
        assert!(!matches("t?", "t12"));
        assert!(matches("*", ""));
    }
}
