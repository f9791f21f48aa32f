//! The findings for people (file:line, the statement, why, the fix), for
//! machines (`--format json`) and for GitHub Actions (workflow commands that
//! annotate the pull request's lines).

use std::fmt::Write;

use crate::finding::{Finding, Severity};

/// Counts by severity, for the closing line and the exit code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Self {
        let mut summary = Summary::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => summary.notes += 1,
            }
        }
        summary
    }
}

/// Whether the findings fail the run: any error-severity finding does.
pub fn exit_failed(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// For people: each finding as `severity[rule]: file:line`, then the
/// statement, why and the fix; then one line of counts.
pub fn render_human(findings: &[Finding], revisions: usize) -> String {
    let mut out = String::new();
    for finding in findings {
        let _ = writeln!(out, "{}[{}]: {}:{} (revision {})", finding.severity, finding.rule, finding.file, finding.line, finding.revision);
        if let Some(operation) = &finding.operation {
            let _ = writeln!(out, "  in {operation}");
        }
        if !finding.statement.is_empty() {
            let _ = writeln!(out, "  | {}", finding.statement);
        }
        let _ = writeln!(out, "  why: {}", finding.why);
        if !finding.fix.is_empty() {
            let _ = writeln!(out, "  fix: {}", finding.fix);
        }
        let _ = writeln!(out, "  (acknowledge with `retort:allow {} <reason>` next to it)", finding.rule);
        out.push('\n');
    }
    let summary = Summary::of(findings);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if findings.is_empty() {
        let _ = writeln!(out, "lint: no findings in {}", plural(revisions, "revision"));
    } else {
        let _ = writeln!(
            out,
            "lint: {}, {}, {} in {}",
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
            plural(summary.notes, "note"),
            plural(revisions, "revision")
        );
    }
    out
}

/// For machines: `{"findings":[{"rule","severity","revision","file","line","message"}]}`.
pub fn render_json(findings: &[Finding]) -> String {
    let items: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "rule": f.rule,
                "severity": f.severity,
                "revision": f.revision,
                "file": f.file,
                "line": f.line,
                "message": f.message(),
            })
        })
        .collect();
    serde_json::json!({ "findings": items }).to_string()
}

/// For GitHub Actions: one `::error`/`::warning`/`::notice` workflow command
/// per finding, which the runner shows on the file's line.
pub fn render_github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},title={}::{}",
            property(&finding.file),
            finding.line,
            property(&format!("{} (revision {})", finding.rule, finding.revision)),
            data(&finding.message()),
        );
    }
    out
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property (GitHub's `escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity) -> Finding {
        Finding {
            rule: "mssql-sp-rename".into(),
            severity,
            revision: "3f2a9c".into(),
            file: "migrations/3f2a9c_rename.up.sql".into(),
            line: 4,
            operation: None,
            statement: "EXEC sp_rename 'a', 'b'".into(),
            why: "renamed, 100%: breaks".into(),
            fix: "expand, contract".into(),
        }
    }

    #[test]
    fn render_json_has_the_documented_keys() {
        let json: serde_json::Value = serde_json::from_str(&render_json(&[finding(Severity::Warning)])).expect("json");
        let item = &json["findings"][0];
        assert_eq!(item["rule"], "mssql-sp-rename");
        assert_eq!(item["severity"], "warning");
        assert_eq!(item["revision"], "3f2a9c");
        assert_eq!(item["file"], "migrations/3f2a9c_rename.up.sql");
        assert_eq!(item["line"], 4);
        assert_eq!(item["message"], "renamed, 100%: breaks Instead: expand, contract");
    }

    #[test]
    fn render_github_escapes_properties_and_data() {
        assert_eq!(
            render_github(&[finding(Severity::Error)]),
            "::error file=migrations/3f2a9c_rename.up.sql,line=4,title=mssql-sp-rename (revision 3f2a9c)::renamed, 100%25: breaks Instead: expand, contract\n"
        );
    }

    #[test]
    fn exit_failed_only_for_errors() {
        assert!(!exit_failed(&[finding(Severity::Warning), finding(Severity::Note)]));
        assert!(exit_failed(&[finding(Severity::Error)]));
    }
}
