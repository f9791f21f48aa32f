//! Acknowledgements: a finding the author has weighed and accepts, written
//! next to the statement with the reason.
//!
//! In SQL, a comment on the statement's line or on the lines just before it:
//!
//! ```sql
//! -- retort:allow mssql-create-index-offline the table holds 200 rows
//! CREATE INDEX ix_flags_name ON flags (name);
//! ```
//!
//! In a Rust revision, `op.allow("rule-id", "reason")` before the operation
//! (`retort::op::Operations::allow`), which the runtime hands over as an
//! [`Allowance`] of that operation's statements. The reason is required: an
//! acknowledgement without one is itself an error (`retort-allow-without-reason`).

/// One acknowledgement: a rule id, why the finding is accepted, and where
/// it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    pub rule: String,
    pub reason: String,
    /// The 1-based line it is written on.
    pub line: u32,
}

/// The marker that starts an acknowledgement inside a comment.
pub(crate) const MARKER: &str = "retort:allow";

/// The acknowledgement in one comment's text (without `--` or `/* */`), if
/// it holds one.
pub(crate) fn parse(comment: &str, line: u32) -> Option<Allowance> {
    let rest = comment.trim().strip_prefix(MARKER)?;
    let rest = rest.trim();
    let (rule, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(Allowance {
        rule: rule.to_owned(),
        reason: reason.trim().trim_end_matches("*/").trim().to_owned(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_rule_and_reason() {
        let allowance = parse(" retort:allow mssql-sp-rename  the view reads it by id ", 4).expect("allowance");
        assert_eq!(allowance.rule, "mssql-sp-rename");
        assert_eq!(allowance.reason, "the view reads it by id");
        assert_eq!(allowance.line, 4);
    }

    #[test]
    fn parse_keeps_an_empty_reason_for_the_linter_to_refuse() {
        assert_eq!(parse("retort:allow mssql-sp-rename", 1).expect("allowance").reason, "");
        assert_eq!(parse("an ordinary comment", 1), None);
    }
}
