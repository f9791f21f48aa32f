//! Splitting a unit of SQL into its statements, with a real SQL tokenizer
//! (sqlparser's, in the dialect's flavour): quotes, dollar quotes,
//! comments and bodies such as `BEGIN ATOMIC … END` or a SQLite trigger's
//! `BEGIN … END` hide their semicolons.
//!
//! PostgreSQL runs each statement of a unit as a message of its own, so
//! that a statement outside a transaction is not silently wrapped in one
//! (the simple protocol runs a multi-statement message as one implicit
//! transaction), and so that a failure names its statement. SQLite uses it
//! to locate a statement that fails before SQLite can prepare it.

use sqlparser::dialect::{Dialect as SqlparserDialect, MsSqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::Dialect;

/// One statement of a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Byte range of the statement in the unit, from its first token (after
    /// comments) to its semicolon included, if it has one.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the unit where the statement starts.
    pub line: u32,
}

impl Piece {
    pub(crate) fn text<'a>(&self, sql: &'a str) -> &'a str {
        &sql[self.start..self.end]
    }
}

/// The statements of `sql`. Text the tokenizer cannot read (an unterminated
/// string, say) is one piece from there on: the server will say what is
/// wrong with it.
pub(crate) fn split(dialect: Dialect, sql: &str) -> Vec<Piece> {
    statements(dialect, sql).into_iter().map(|statement| statement.piece).collect()
}

/// One statement of a unit with its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement<'a> {
    pub piece: Piece,
    /// The text of each token, exactly as written, without the whitespace
    /// and comments between them; the whole piece as one token when the
    /// tokenizer could not read it.
    pub tokens: Vec<&'a str>,
}

/// The statements of `sql` (as [`split`] cuts them) with their tokens: what
/// a revision's fingerprint compares, so that comments and whitespace
/// between tokens do not count and everything else does.
pub(crate) fn statements(dialect: Dialect, sql: &str) -> Vec<Statement<'_>> {
    let flavour: &dyn SqlparserDialect = match dialect {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::Sqlite => &SQLiteDialect {},
        // T-SQL's own rules: `[…]` identifiers, nested comments.
        Dialect::Mssql => &MsSqlDialect {},
    };
    let mut lines = LineIndex::new(sql);
    let tokens = match Tokenizer::new(flavour, sql).tokenize_with_location() {
        Ok(tokens) => tokens,
        Err(_) => {
            let start = skip_trivia(sql, 0);
            return (start < sql.len())
                .then(|| {
                    let piece = Piece { start, end: sql.len(), line: lines.line_of(start) };
                    Statement { tokens: vec![piece.text(sql)], piece }
                })
                .into_iter()
                .collect();
        }
    };
    let mut statements = Vec::new();
    // The open statement: where it starts, its line, where its last token
    // ends, and its tokens.
    let mut current: Option<(usize, u32, usize, Vec<&str>)> = None;
    let mut depth = 0u32;
    let mut words: Vec<String> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        if is_trivia(&token.token) {
            continue;
        }
        let start = lines.offset(token.span.start.line, token.span.start.column);
        let end = lines.offset(token.span.end.line, token.span.end.column);
        let open = current.get_or_insert_with(|| {
            words.clear();
            depth = 0;
            (start, u32::try_from(token.span.start.line).unwrap_or(u32::MAX), start, Vec::new())
        });
        open.2 = end;
        open.3.push(&sql[start.min(end)..end]);
        match &token.token {
            Token::SemiColon if depth == 0 => {
                if let Some((start, line, end, tokens)) = current.take() {
                    statements.push(Statement { piece: Piece { start, end, line }, tokens });
                }
            }
            Token::Word(word) if word.quote_style.is_none() => {
                let upper = word.value.to_ascii_uppercase();
                match upper.as_str() {
                    // A body of statements: SQL-standard function bodies
                    // (`BEGIN ATOMIC`) and triggers (`CREATE TRIGGER … BEGIN`).
                    "BEGIN" if next_word_is(&tokens[index + 1..], "ATOMIC") || words.iter().any(|w| w == "TRIGGER") => {
                        depth += 1
                    }
                    "CASE" if depth > 0 => depth += 1,
                    "END" if depth > 0 => depth -= 1,
                    _ => {}
                }
                words.push(upper);
            }
            _ => {}
        }
    }
    if let Some((start, line, end, tokens)) = current {
        statements.push(Statement { piece: Piece { start, end, line }, tokens });
    }
    statements
}

fn next_word_is(tokens: &[TokenWithSpan], expected: &str) -> bool {
    tokens
        .iter()
        .find(|t| !is_trivia(&t.token))
        .is_some_and(|t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case(expected)))
}

/// Whitespace and comments (the tokenizer files comments as whitespace).
fn is_trivia(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_) | Token::EOF)
}

/// The byte offset of the first character at or after `from` that is not
/// whitespace or part of a `--` or `/* */` comment.
pub(crate) fn skip_trivia(sql: &str, from: usize) -> usize {
    let bytes = sql.as_bytes();
    let mut at = from;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if bytes[at..].starts_with(b"--") {
            at = sql[at..].find('\n').map_or(sql.len(), |n| at + n + 1);
        } else if bytes[at..].starts_with(b"/*") {
            at = sql[at + 2..].find("*/").map_or(sql.len(), |n| at + 2 + n + 2);
        } else {
            return at;
        }
    }
}

/// Turns the tokenizer's 1-based (line, character column) into byte offsets.
struct LineIndex<'a> {
    sql: &'a str,
    starts: Vec<usize>,
    /// The last position asked for, (line, column, byte offset): tokens
    /// come in order, so the next one is found from there instead of from
    /// its line's start, which keeps a long one-line script linear.
    last: (u64, u64, usize),
}

impl<'a> LineIndex<'a> {
    fn new(sql: &'a str) -> Self {
        let starts = std::iter::once(0).chain(sql.match_indices('\n').map(|(at, _)| at + 1)).collect();
        Self { sql, starts, last: (1, 1, 0) }
    }

    fn offset(&mut self, line: u64, column: u64) -> usize {
        let (from_column, from) = match self.last {
            (last_line, last_column, at) if last_line == line && last_column <= column => (last_column, at),
            _ => {
                let Some(&start) = usize::try_from(line).ok().and_then(|l| l.checked_sub(1)).and_then(|l| self.starts.get(l)) else {
                    return self.sql.len();
                };
                (1, start)
            }
        };
        let skip = usize::try_from(column.saturating_sub(from_column)).unwrap_or(usize::MAX);
        let offset = self.sql[from..].char_indices().nth(skip).map_or(self.sql.len(), |(at, _)| from + at);
        self.last = (line, column, offset);
        offset
    }

    fn line_of(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

/// The 1-based line of byte `offset` in `sql`.
pub(crate) fn line_at(sql: &str, offset: usize) -> u32 {
    let offset = offset.min(sql.len());
    u32::try_from(sql[..offset].matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(dialect: Dialect, sql: &str) -> Vec<(u32, String)> {
        split(dialect, sql).iter().map(|p| (p.line, p.text(sql).to_owned())).collect()
    }

    #[test]
    fn split_skips_comments_and_names_each_statements_first_line() {
        let sql = "-- revision: a1\n-- message: m\nCREATE TABLE a (id int);\n\n/* two */ INSERT INTO a VALUES (1);\nSELECT 1";
        assert_eq!(
            texts(Dialect::Postgres, sql),
            [
                (3, "CREATE TABLE a (id int);".to_owned()),
                (5, "INSERT INTO a VALUES (1);".to_owned()),
                (6, "SELECT 1".to_owned())
            ]
        );
    }

    #[test]
    fn split_keeps_semicolons_inside_quotes_dollar_quotes_and_bodies() {
        let sql = "INSERT INTO t VALUES ('a;b', \"c;d\");\n\
                   CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n\
                   SELECT 3;";
        let pieces = texts(Dialect::Postgres, sql);
        assert_eq!(pieces.len(), 4, "{pieces:#?}");
        assert!(pieces[2].1.ends_with("SELECT 2; END;"), "{pieces:#?}");
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END;\nSELECT 1;";
        assert_eq!(texts(Dialect::Sqlite, trigger).len(), 2);
    }

    #[test]
    fn split_keeps_unreadable_text_as_one_piece_when_a_string_is_unterminated() {
        let sql = "  SELECT 'open;\nSELECT 2;";
        assert_eq!(texts(Dialect::Postgres, sql), [(1, "SELECT 'open;\nSELECT 2;".to_owned())]);
    }

    #[test]
    fn split_counts_columns_in_characters_when_text_has_multibyte_characters() {
        let sql = "SELECT 'é'; SELECT 'ü';";
        assert_eq!(texts(Dialect::Sqlite, sql), [(1, "SELECT 'é';".to_owned()), (1, "SELECT 'ü';".to_owned())]);
    }

    #[test]
    fn skip_trivia_passes_line_and_block_comments() {
        let sql = "  -- a\n /* b */\tSELECT";
        assert_eq!(&sql[skip_trivia(sql, 0)..], "SELECT");
        assert_eq!(skip_trivia("-- only", 0), 7);
    }
}
