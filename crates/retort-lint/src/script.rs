//! A revision's SQL as statements: tokenized by sqlparser's tokenizer in the
//! dialect's flavour (quotes, brackets, dollar quotes and comments hide what
//! they hold), cut into SQL Server's `GO` batches and into statements, each
//! with its line, its tokens and the acknowledgements written next to it.
//!
//! T-SQL needs no semicolons between statements, so SQL Server's statements
//! are also cut before a word that can only start one (`CREATE`,
//! `ALTER TABLE`, `DROP TABLE`, `EXEC`, `UPDATE` not after `ON`/`FOR`…),
//! except inside a procedure, view, function or trigger, whose body runs to
//! the end of its batch.

use sqlparser::dialect::{Dialect as SqlparserDialect, MsSqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::allow::{self, Allowance};
use crate::finding::Dialect;

/// One significant token (no blanks, no comments) and where it is.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub token: Token,
    /// 1-based line in the script.
    pub line: u32,
    /// Byte range in the script.
    pub start: usize,
    pub end: usize,
}

impl Tok {
    /// The word, if the token is an unquoted word (a keyword or a name).
    pub fn word(&self) -> Option<&str> {
        match &self.token {
            Token::Word(word) if word.quote_style.is_none() => Some(&word.value),
            _ => None,
        }
    }

    /// Whether the token is the unquoted word `keyword` (any case).
    pub fn is(&self, keyword: &str) -> bool {
        self.word().is_some_and(|word| word.eq_ignore_ascii_case(keyword))
    }

    /// A name's part: a word, quoted or not.
    pub fn ident(&self) -> Option<&str> {
        match &self.token {
            Token::Word(word) => Some(&word.value),
            _ => None,
        }
    }
}

/// One statement of a script.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// The statement's text, from its first token to its last.
    pub text: String,
    /// The 1-based line of its first token in the script.
    pub line: u32,
    pub tokens: Vec<Tok>,
    /// Whether it is the first statement of its batch.
    pub first_in_batch: bool,
    /// `retort:allow` comments before it (since the previous statement) or inside it.
    pub allowances: Vec<Allowance>,
    /// Byte range in the script.
    pub start: usize,
    pub end: usize,
}

/// What the tokenizer could not read, and where.
#[derive(Debug, Clone)]
pub(crate) struct Unreadable {
    pub line: u32,
    pub reason: String,
}

pub(crate) fn sqlparser_dialect(dialect: Dialect) -> &'static dyn SqlparserDialect {
    match dialect {
        Dialect::Sqlite => &SQLiteDialect {},
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::Mssql => &MsSqlDialect {},
    }
}

/// The statements of `sql` in `dialect`.
pub(crate) fn statements(dialect: Dialect, sql: &str) -> Result<Vec<Statement>, Unreadable> {
    let lines = LineIndex::new(sql);
    let tokens = Tokenizer::new(sqlparser_dialect(dialect), sql)
        .tokenize_with_location()
        .map_err(|error| Unreadable {
            line: u32::try_from(error.location.line).unwrap_or(1).max(1),
            reason: error.message,
        })?;
    let mut significant = Vec::new();
    // Comments seen since the last significant token, as (line, text).
    let mut comments: Vec<Vec<Allowance>> = Vec::new();
    let mut pending = Vec::new();
    for token in tokens {
        let line = u32::try_from(token.span.start.line).unwrap_or(1);
        let start = lines.offset(token.span.start.line, token.span.start.column);
        let end = lines.offset(token.span.end.line, token.span.end.column);
        match &token.token {
            Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => {
                pending.extend(allow::parse(comment, line));
            }
            Token::Whitespace(Whitespace::MultiLineComment(comment)) => {
                pending.extend(allow::parse(comment, line));
            }
            Token::Whitespace(_) | Token::EOF => {}
            _ => {
                comments.push(std::mem::take(&mut pending));
                significant.push(Tok { token: token.token, line, start, end });
            }
        }
    }
    let mut statements = Vec::new();
    let mut first_in_batch = true;
    let mut current: Vec<usize> = Vec::new();
    let mut depth = 0i32;
    let mut module = false;
    let mut index = 0;
    let close = |current: &mut Vec<usize>, statements: &mut Vec<Statement>, first: &mut bool| {
        if current.is_empty() {
            return;
        }
        let toks: Vec<Tok> = current.iter().map(|&i| significant[i].clone()).collect();
        let allowances = current.iter().flat_map(|&i| comments[i].iter().cloned()).collect();
        let start = toks[0].start;
        let end = toks[toks.len() - 1].end;
        statements.push(Statement {
            text: sql.get(start..end).unwrap_or_default().to_owned(),
            line: toks[0].line,
            tokens: toks,
            first_in_batch: *first,
            allowances,
            start,
            end,
        });
        *first = false;
        current.clear();
    };
    while index < significant.len() {
        let tok = &significant[index];
        if dialect == Dialect::Mssql && is_go_line(&significant, index) {
            close(&mut current, &mut statements, &mut first_in_batch);
            // `GO 5`: the count belongs to the separator.
            let line = tok.line;
            index += 1;
            while index < significant.len() && significant[index].line == line {
                index += 1;
            }
            first_in_batch = true;
            module = false;
            depth = 0;
            continue;
        }
        match tok.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if tok.token == Token::SemiColon && depth <= 0 && !module {
            current.push(index);
            close(&mut current, &mut statements, &mut first_in_batch);
            index += 1;
            continue;
        }
        if dialect == Dialect::Mssql && depth <= 0 && !module && !current.is_empty() && starts_statement(&significant, index) {
            close(&mut current, &mut statements, &mut first_in_batch);
        }
        current.push(index);
        if current.len() <= 4 && !module {
            let words: Vec<&Tok> = current.iter().map(|&i| &significant[i]).collect();
            module = is_module_start(dialect, &words);
        }
        // A SQLite trigger's body is `BEGIN … END`: its semicolons are inside it.
        if module && dialect == Dialect::Sqlite && tok.is("END") {
            module = false;
        }
        index += 1;
    }
    close(&mut current, &mut statements, &mut first_in_batch);
    // A comment at the end of a statement's last line acknowledges that
    // statement, not the next one.
    for i in 1..statements.len() {
        let last_line = statements[i - 1].tokens.last().map_or(0, |t| t.line);
        let (trailing, own): (Vec<_>, Vec<_>) = std::mem::take(&mut statements[i].allowances)
            .into_iter()
            .partition(|a| a.line == last_line && a.line < statements[i].line);
        statements[i - 1].allowances.extend(trailing);
        statements[i].allowances = own;
    }
    if let Some(last) = statements.last_mut() {
        let last_line = last.tokens.last().map_or(0, |t| t.line);
        last.allowances.extend(pending.into_iter().filter(|a| a.line == last_line));
    }
    Ok(statements)
}

/// Whether the statement's first words open a body that runs to the end of
/// the batch (SQL Server) or to `END` (a SQLite trigger).
fn is_module_start(dialect: Dialect, words: &[&Tok]) -> bool {
    let at = |i: usize, keyword: &str| words.get(i).is_some_and(|t| t.is(keyword));
    let module_word = |i: usize| {
        words.get(i).is_some_and(|t| {
            ["PROC", "PROCEDURE", "VIEW", "FUNCTION", "TRIGGER"].iter().any(|k| t.is(k))
        })
    };
    match dialect {
        Dialect::Mssql => {
            (at(0, "CREATE") && (module_word(1) || (at(1, "OR") && at(2, "ALTER") && module_word(3))))
                || (at(0, "ALTER") && module_word(1))
        }
        Dialect::Sqlite => {
            at(0, "CREATE") && (at(1, "TRIGGER") || ((at(1, "TEMP") || at(1, "TEMPORARY")) && at(2, "TRIGGER")))
        }
        Dialect::Postgres => false,
    }
}

/// Whether the token at `index` is `GO` alone on its line (a count may follow).
fn is_go_line(tokens: &[Tok], index: usize) -> bool {
    let tok = &tokens[index];
    if !tok.is("GO") || (index > 0 && tokens[index - 1].line == tok.line) {
        return false;
    }
    match tokens.get(index + 1) {
        Some(next) if next.line == tok.line => {
            matches!(next.token, Token::Number(..))
                && tokens.get(index + 2).is_none_or(|after| after.line != tok.line)
        }
        _ => true,
    }
}

/// Whether the word at `index` starts a new T-SQL statement (no semicolon
/// needed before it) rather than continue the one before.
fn starts_statement(tokens: &[Tok], index: usize) -> bool {
    let tok = &tokens[index];
    let previous = index.checked_sub(1).map(|i| &tokens[i]);
    let next = tokens.get(index + 1);
    let after = |keywords: &[&str]| previous.is_some_and(|p| keywords.iter().any(|k| p.is(k)) || p.token == Token::Comma);
    let next_is = |keywords: &[&str]| next.is_some_and(|n| keywords.iter().any(|k| n.is(k)));
    const OBJECTS: &[&str] = &[
        "TABLE", "VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER", "INDEX", "SCHEMA", "TYPE", "SYNONYM",
        "SEQUENCE", "STATISTICS", "USER", "ROLE", "DATABASE", "FULLTEXT", "ASSEMBLY", "LOGIN", "AUTHORIZATION",
    ];
    let Some(word) = tok.word() else { return false };
    match word.to_ascii_uppercase().as_str() {
        "CREATE" => true,
        "ALTER" => next_is(OBJECTS) && !after(&["OR"]),
        "DROP" => next_is(OBJECTS),
        "EXEC" | "EXECUTE" => !after(&["GRANT", "DENY", "REVOKE", "AS", "WITH"]),
        "TRUNCATE" | "MERGE" | "DECLARE" | "PRINT" | "RAISERROR" | "THROW" | "WHILE" => true,
        "IF" => !(next_is(&["EXISTS"]) && previous.is_some_and(|p| OBJECTS.iter().chain(&["COLUMN", "CONSTRAINT"]).any(|k| p.is(k)))),
        "UPDATE" | "DELETE" | "INSERT" => !after(&["ON", "FOR", "AFTER", "OF", "GRANT", "DENY", "REVOKE", "THEN", "INSTEAD"]),
        _ => false,
    }
}

/// Line starts of a script, to turn the tokenizer's (line, column) into
/// byte offsets. Columns count characters.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        Self { text, starts }
    }

    fn offset(&self, line: u64, column: u64) -> usize {
        let Some(&start) = usize::try_from(line).ok().and_then(|l| l.checked_sub(1)).and_then(|l| self.starts.get(l)) else {
            return self.text.len();
        };
        let skip = usize::try_from(column).unwrap_or(1).saturating_sub(1);
        self.text[start..]
            .char_indices()
            .nth(skip)
            .map_or(self.text.len(), |(at, _)| start + at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(dialect: Dialect, sql: &str) -> Vec<(String, u32, bool)> {
        statements(dialect, sql)
            .expect("tokenizes")
            .into_iter()
            .map(|s| (s.text, s.line, s.first_in_batch))
            .collect()
    }

    #[test]
    fn statements_split_on_go_and_on_statement_words_in_tsql() {
        let sql = "ALTER TABLE t ADD c int NULL\nALTER TABLE t ALTER COLUMN c bigint NULL\nGO\nCREATE PROCEDURE p AS\nBEGIN\n  UPDATE t SET c = 1\n  DELETE FROM t\nEND\nGO 2\nDROP TABLE IF EXISTS t;";
        assert_eq!(
            texts(Dialect::Mssql, sql),
            [
                ("ALTER TABLE t ADD c int NULL".to_owned(), 1, true),
                ("ALTER TABLE t ALTER COLUMN c bigint NULL".to_owned(), 2, false),
                ("CREATE PROCEDURE p AS\nBEGIN\n  UPDATE t SET c = 1\n  DELETE FROM t\nEND".to_owned(), 4, true),
                ("DROP TABLE IF EXISTS t;".to_owned(), 10, true),
            ]
        );
    }

    #[test]
    fn statements_keep_foreign_key_actions_in_their_statement() {
        let sql = "ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES b (id) ON DELETE CASCADE ON UPDATE NO ACTION";
        assert_eq!(texts(Dialect::Mssql, sql).len(), 1);
    }

    #[test]
    fn statements_attach_allow_comments_to_the_next_statement() {
        let sql = "CREATE TABLE a (id int);\n-- retort:allow sqlite-drop-table the table is empty\nDROP TABLE b;\nDROP TABLE c;";
        let statements = statements(Dialect::Sqlite, sql).expect("tokenizes");
        assert_eq!(statements[0].allowances.len(), 0);
        assert_eq!(statements[1].allowances.len(), 1);
        assert_eq!(statements[1].allowances[0].rule, "sqlite-drop-table");
        assert_eq!(statements[2].allowances.len(), 0);
    }

    #[test]
    fn statements_keep_a_sqlite_trigger_body_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END;\nDROP TABLE c;";
        assert_eq!(texts(Dialect::Sqlite, sql).len(), 2);
    }
}
