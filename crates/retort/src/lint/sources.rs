//! A revision as the linter reads it: an SQL revision's script, or one
//! source per operation of a Rust revision, each with its line in the `.rs`
//! file and the acknowledgements `op.allow(…)` gave it.

use std::path::Path;

use retort_lint::{Allowance, Source};

use crate::error::MigrateError;
use crate::render::Walk;
use crate::work::Unit;
use crate::{Body, Dialect, Direction, Operation, Operations, Revision, Variables};

/// A source that owns its text (rendered SQL is made here).
pub(super) struct Owned {
    sql: String,
    first_line: u32,
    operation: Option<String>,
    allowances: Vec<Allowance>,
}

impl Owned {
    pub(super) fn source(&self) -> Source<'_> {
        Source {
            sql: &self.sql,
            first_line: self.first_line,
            operation: self.operation.clone(),
            allowances: self.allowances.clone(),
        }
    }
}

/// The sources of `revision`'s upgrade, rendered by `walk` (which then
/// stands after it). An SQL revision's script is read as it will run: on
/// SQL Server with the sqlcmd values `migrate upgrade` would put in
/// (`variables`, the project's), secrets and names without a value left as
/// `$(NAME)`.
pub(super) fn of(
    walk: &mut Walk<'_>,
    revision: &'static Revision,
    root: &Path,
    dialect: Dialect,
    variables: &Variables,
    project: &[(&str, &str, &str)],
) -> Result<Vec<Owned>, MigrateError> {
    let mut operations = Operations::default();
    if let Body::Rust { upgrade, .. } = revision.body {
        upgrade(&mut operations);
    }
    let units = walk.upgrade(revision, operations.operations())?;
    if let Body::Sql { up, .. } = revision.body {
        let mut script = [Unit { sql: up.to_owned(), first_line: Some(1), label: "script".to_owned() }];
        variables.shown(project, dialect, revision, Direction::Up, &mut script);
        let [Unit { sql, .. }] = script;
        return Ok(vec![Owned { sql, first_line: 1, operation: None, allowances: Vec::new() }]);
    }
    let text = std::fs::read_to_string(root.join(revision.source)).unwrap_or_default();
    let lines = operation_lines(&text, operations.operations());
    let mut sources: Vec<Owned> = Vec::new();
    for (number, unit) in units {
        let operation = &operations.operations()[number - 1];
        let allowances = operations
            .allowances()
            .iter()
            .filter(|allowance| allowance.operation == number)
            .map(|allowance| Allowance {
                rule: allowance.rule.clone(),
                reason: allowance.reason.clone(),
                line: lines[number - 1],
            })
            .collect();
        let label = format!("operation {number} ({})", operation.name());
        // The statements of one operation lint together.
        match sources.last_mut() {
            Some(last) if last.operation.as_deref() == Some(label.as_str()) => {
                last.sql.push_str(";\n");
                last.sql.push_str(&unit.sql);
            }
            _ => sources.push(Owned { sql: unit.sql, first_line: lines[number - 1], operation: Some(label), allowances }),
        }
    }
    Ok(sources)
}

/// The 1-based line of each operation's call in the revision's file: the
/// n-th `.create_index(` (or `.create_index_with(`…) after the previous
/// operation's, starting at `fn upgrade`. Line 1 when the file cannot be
/// read or the call is not found (an operation made by a helper function).
fn operation_lines(text: &str, operations: &[Operation]) -> Vec<u32> {
    let mut from = text.find("fn upgrade").unwrap_or(0);
    let fallback = line_at(text, from);
    operations
        .iter()
        .map(|operation| {
            // `.execute(` and `.execute_per_dialect(` are both `execute`.
            let pattern = format!(".{}", operation.name());
            let found = text[from..].match_indices(&pattern).map(|(at, _)| from + at).find(|&at| {
                text[at + pattern.len()..].starts_with(['(', '_'])
            });
            match found {
                Some(at) => {
                    from = at + pattern.len();
                    line_at(text, at)
                }
                None => fallback,
            }
        })
        .collect()
}

fn line_at(text: &str, offset: usize) -> u32 {
    u32::try_from(text[..offset.min(text.len())].matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Type;

    #[test]
    fn operation_lines_find_each_call_in_order() {
        let text = "use x;\npub fn upgrade(op: &mut Operations) {\n    op.add_column(\"a\", \"b\", Type::Int);\n    op.execute_per_dialect([]);\n    op.add_column(\"a\", \"c\", Type::Int);\n}\n";
        let mut op = Operations::default();
        op.add_column("a", "b", Type::Int);
        op.execute("x");
        op.add_column("a", "c", Type::Int);
        assert_eq!(operation_lines(text, op.operations()), [3, 4, 5]);
    }
}
