//! What a baseline tells its reader: which names it replaced, what it left
//! out, what it could not reproduce. The revision's header comment and the
//! command's output both say it.

use std::fmt;

use super::names::Kind;

/// A constraint whose name the server made up (or SQLite left unnamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    /// The table the constraint is on.
    pub table: String,
    /// The kind of constraint (`primary key`, `foreign key`…).
    pub kind: &'static str,
    /// The name on the source database; `None` where it has none (SQLite).
    pub from: Option<String>,
    /// The name the revision gives it: retort's, or `from` itself with
    /// `--keep-names`.
    pub to: String,
}

impl Renamed {
    pub(crate) fn new(table: &str, kind: Kind, from: Option<&str>, to: String) -> Self {
        Self { table: table.to_owned(), kind: kind.describe(), from: from.map(str::to_owned), to }
    }
}

impl fmt::Display for Renamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.from.as_deref().unwrap_or("(unnamed)");
        if self.from.as_deref() == Some(self.to.as_str()) {
            write!(f, "table {}: {} {from} (kept)", self.table, self.kind)
        } else {
            write!(f, "table {}: {} {from} → {}", self.table, self.kind, self.to)
        }
    }
}

/// Something on the source that the revision does not reproduce exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReproduced {
    /// `table users: index ix_users_email`, `procedure dbo.audit`.
    pub object: String,
    /// Why, and what the revision does instead.
    pub reason: String,
}

impl NotReproduced {
    pub(crate) fn new(object: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { object: object.into(), reason: reason.into() }
    }
}

impl fmt::Display for NotReproduced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.object, self.reason)
    }
}

/// The header comment's lines.
pub(crate) fn header(
    source: &str,
    at: &str,
    renamed: &[Renamed],
    keep_names: bool,
    left_out: &[String],
    not_reproduced: &[NotReproduced],
) -> Vec<String> {
    let mut lines = vec![
        format!("Baselined by `{}` from {source}, at {at}.", crate::hint::BASELINE),
        format!("The schema as it was: stamp the source with `{}`,", crate::hint::MIGRATE_STAMP_VERIFY.revision("<this id>")),
        format!("and build it anywhere else with `{}`.", crate::hint::MIGRATE_UPGRADE),
    ];
    if !renamed.is_empty() {
        lines.push(String::new());
        lines.push(if keep_names {
            "Constraint names the server made up, kept (--keep-names):".to_owned()
        } else {
            "Constraint names the server made up (they differ in every database), replaced by retort's".to_owned()
        });
        if !keep_names {
            lines.push("deterministic ones (`--keep-names` keeps them):".to_owned());
        }
        lines.extend(renamed.iter().map(|r| format!("  {r}")));
    }
    if !left_out.is_empty() {
        lines.push(String::new());
        lines.push("Left out (not retort's to manage):".to_owned());
        lines.extend(left_out.iter().map(|l| format!("  {l}")));
    }
    if !not_reproduced.is_empty() {
        lines.push(String::new());
        lines.push("NOT REPRODUCED — recreate these by hand in a later revision, or adjust this one:".to_owned());
        lines.extend(not_reproduced.iter().map(|n| format!("  {n}")));
    }
    lines
}

/// Now, in UTC: `2026-03-04 05:06:07 UTC`.
pub(crate) fn utc_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    utc(seconds)
}

fn utc(seconds: i64) -> String {
    let (days, second) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = crate::calendar::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        second / 3600,
        second % 3600 / 60,
        second % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_gives_the_civil_date_when_seconds_are_known() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_709_528_767), "2024-03-04 05:06:07 UTC");
    }

    #[test]
    fn renamed_says_kept_when_the_name_stays() {
        let kept = Renamed::new("users", Kind::PrimaryKey, Some("PK__users__1"), "PK__users__1".into());
        assert_eq!(kept.to_string(), "table users: primary key PK__users__1 (kept)");
        let replaced = Renamed::new("users", Kind::Unique, None, "uq_users_email".into());
        assert_eq!(replaced.to_string(), "table users: unique constraint (unnamed) → uq_users_email");
    }
}
