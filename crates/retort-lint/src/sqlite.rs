//! SQLite's rules: the few that apply where one writer locks the whole
//! database anyway — a table rebuilt while it holds rows, and drops.
//! Statements are parsed with sqlparser's SQLiteDialect to say when the
//! parser gives up, and read from their tokens.

use crate::catalog::{key, Catalog, ColumnFacts};
use crate::mssql::Hit;
use crate::script::{Statement, Tok};

/// What one revision has done so far: tables copied into a new table
/// (the first half of a rebuild), by key.
#[derive(Debug, Default)]
pub(crate) struct RevisionState {
    copied: Vec<String>,
}

fn hit(rule: &str, why: String, fix: &str) -> Hit {
    Hit { rule: rule.to_owned(), why, fix: fix.to_owned() }
}

/// sqlparser's message when it cannot parse the statement.
pub(crate) fn parser_error(statement: &Statement) -> Option<String> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::SQLiteDialect {})
        .try_with_sql(&statement.text)
        .and_then(|mut parser| parser.parse_statements())
        .err()
        .map(|error| error.to_string())
}

/// The rules for one statement, which then updates the catalog.
pub(crate) fn check(statement: &Statement, catalog: &mut Catalog, state: &mut RevisionState, revision: &str) -> Vec<Hit> {
    let tokens = &statement.tokens;
    let word = |i: usize| tokens.get(i).and_then(Tok::word).map(str::to_ascii_uppercase).unwrap_or_default();
    let name_at = |i: usize| name(tokens, i);
    let existing = |catalog: &Catalog, table: &str| !catalog.created_in(table, revision);
    let mut hits = Vec::new();
    match (word(0).as_str(), word(1).as_str()) {
        ("CREATE", _) => {
            let at = tokens.iter().position(|t| t.is("TABLE"));
            if let Some((table, next)) = at.filter(|&at| at <= 2).and_then(|at| {
                let skip = if word(at + 1) == "IF" { at + 4 } else { at + 1 };
                name_at(skip)
            }) {
                let columns = column_names(&tokens[next..]);
                catalog.add_table(&table, columns, Some(revision));
            }
        }
        ("INSERT" | "REPLACE", _) => {
            let into = tokens.iter().position(|t| t.is("INTO"));
            let from = tokens.iter().position(|t| t.is("FROM"));
            if let (Some((target, _)), Some((source, _))) = (into.and_then(|i| name_at(i + 1)), from.and_then(|f| name_at(f + 1))) {
                if catalog.created_in(&target, revision) && existing(catalog, &source) {
                    state.copied.push(key(&source));
                }
            }
        }
        ("DROP", "TABLE") => {
            let at = if word(2) == "IF" { 4 } else { 2 };
            if let Some((table, _)) = name_at(at) {
                if existing(catalog, &table) {
                    if state.copied.contains(&key(&table)) {
                        hits.push(hit(
                            "sqlite-table-rebuild",
                            format!("`{table}` is rebuilt: every row is copied into a new table while the database is locked for writes, for a time that grows with the table."),
                            "fine for small tables; for a large one, run it when writers can wait, and acknowledge it",
                        ));
                    } else {
                        hits.push(hit(
                            "sqlite-drop-table",
                            format!("table `{table}` is dropped: its rows are gone."),
                            "drop it in a release after the code stops using it, with a backup kept",
                        ));
                    }
                }
                catalog.drop_table(&table);
            }
        }
        ("ALTER", "TABLE") => {
            if let Some((table, next)) = name_at(2) {
                let rest = |i: usize| word(next + i);
                if rest(0) == "DROP" {
                    let column_at = if rest(1) == "COLUMN" { next + 2 } else { next + 1 };
                    let column = tokens.get(column_at).and_then(Tok::ident).unwrap_or_default().to_owned();
                    if existing(catalog, &table) {
                        hits.push(hit(
                            "sqlite-drop-column",
                            format!("column `{column}` of `{table}` is dropped: its data is gone, and SQLite rewrites the whole table."),
                            "stop using it in one release and drop it in a later one",
                        ));
                    }
                    if let Some(facts) = catalog.table_mut(&table) {
                        facts.columns.remove(&key(&column));
                    }
                } else if rest(0) == "RENAME" && rest(1) == "TO" {
                    if let Some(to) = tokens.get(next + 2).and_then(Tok::ident) {
                        catalog.rename_table(&table, to);
                    }
                }
            }
        }
        _ => {}
    }
    hits
}

/// The dotted name starting at token `at`, and the index after it.
fn name(tokens: &[Tok], at: usize) -> Option<(String, usize)> {
    let mut parts = vec![tokens.get(at)?.ident()?.to_owned()];
    let mut i = at + 1;
    while tokens.get(i).is_some_and(|t| t.token == sqlparser::tokenizer::Token::Period) {
        parts.push(tokens.get(i + 1)?.ident()?.to_owned());
        i += 2;
    }
    Some((parts.join("."), i))
}

/// The columns of `( name type …, … )`: the first word of each item that
/// is not a table constraint.
fn column_names(tokens: &[Tok]) -> Vec<ColumnFacts> {
    let mut columns = Vec::new();
    let mut depth = 0;
    let mut start_of_item = true;
    for tok in tokens {
        match tok.token {
            sqlparser::tokenizer::Token::LParen => {
                depth += 1;
                continue;
            }
            sqlparser::tokenizer::Token::RParen => depth -= 1,
            sqlparser::tokenizer::Token::Comma if depth == 1 => {
                start_of_item = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && start_of_item {
            start_of_item = false;
            let constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].iter().any(|k| tok.is(k));
            if let (false, Some(name)) = (constraint, tok.ident()) {
                columns.push(ColumnFacts { name: name.to_owned(), data_type: None, nullable: true, has_default: false });
            }
        }
    }
    columns
}
