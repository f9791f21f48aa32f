//! The lexical questions retort asks about T-SQL text, each a function of
//! the text: batches, segments, leading words, the statement at a line.

use std::ops::Range;

use crate::batch::Batch;
use crate::lexer::Lexed;
use crate::segment::Kind;
use crate::Dialect;

fn lex(sql: &str) -> Lexed<'_> {
    Lexed::new(Dialect::Mssql, sql)
}

/// The batches of `script` that hold code, in order: what a client sends.
pub fn split_batches(script: &str) -> Vec<Batch> {
    split_pieces(script).into_iter().filter(Batch::has_code).collect()
}

/// Every piece of `script` between `GO` lines, blank ones included (see
/// [`Lexed::batches`]).
pub fn split_pieces(script: &str) -> Vec<Batch> {
    lex(script).batches()
}

/// See [`Lexed::segments`].
pub fn segments(sql: &str) -> Vec<(Kind, Range<usize>)> {
    lex(sql).segments()
}

/// Whether `sql` holds anything besides blanks and comments.
pub fn has_code(sql: &str) -> bool {
    lex(sql).has_code()
}

/// See [`Lexed::leading_words`].
pub fn leading_words(sql: &str, count: usize) -> Vec<String> {
    lex(sql).leading_words(count)
}

/// Whether the batch starts with a statement that SQL Server requires to be
/// the first of its batch (error 111): `CREATE`/`ALTER` of a view, procedure,
/// function or trigger, `CREATE SCHEMA`, `CREATE DEFAULT`, `CREATE RULE`.
/// Nothing may be put in front of such a batch, and in an idempotent script
/// it runs through `EXEC`.
pub fn starts_with_batch_first_statement(sql: &str) -> bool {
    let words = leading_words(sql, 4);
    let word = |index: usize| words.get(index).map(String::as_str);
    let module = |word: Option<&str>| matches!(word, Some("VIEW" | "PROC" | "PROCEDURE" | "FUNCTION" | "TRIGGER"));
    match word(0) {
        Some("CREATE") if word(1) == Some("OR") && word(2) == Some("ALTER") => module(word(3)),
        Some("CREATE") => module(word(1)) || matches!(word(1), Some("SCHEMA" | "DEFAULT" | "RULE")),
        Some("ALTER") => module(word(1)),
        _ => false,
    }
}

/// The statement that starts on 1-based `line` of `sql` (the server names
/// a failing statement by its line): from that line to its first `;`
/// outside literals, quoted names and comments (T-SQL statements need
/// none; then to the end of the batch). Comments before it are left out.
pub fn statement_at_line(sql: &str, line: u32) -> &str {
    let rest = from_line(sql, line);
    let lexed = lex(rest);
    let end = lexed
        .tokens()
        .iter()
        .find(|t| t.token == sqlparser::tokenizer::Token::SemiColon)
        .map_or(rest.len(), |t| t.end);
    // A statement of comments only is given whole.
    let first = lexed.skip_trivia(0);
    let start = if first < end { first } else { 0 };
    &rest[start..end]
}

/// The text of `sql` from its 1-based `line` on (the whole text for line 0
/// or a line past the end).
pub fn from_line(sql: &str, line: u32) -> &str {
    if line <= 1 {
        return sql;
    }
    let mut seen = 1;
    for (at, byte) in sql.bytes().enumerate() {
        if byte == b'\n' {
            seen += 1;
            if seen == line {
                return &sql[at + 1..];
            }
        }
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_batch_first_statement_when_module_or_schema_is_created() {
        for sql in [
            "CREATE VIEW v AS SELECT 1 AS a",
            "-- header\n/* more */ create   procedure dbo.p AS SELECT 1",
            "CREATE OR ALTER FUNCTION f() RETURNS int AS BEGIN RETURN 1 END",
            "ALTER TRIGGER t ON x AFTER INSERT AS SELECT 1",
            "CREATE SCHEMA billing",
            "CREATE PROC p AS SELECT 1",
        ] {
            assert!(starts_with_batch_first_statement(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE v (id int)",
            "CREATE PARTITION FUNCTION pf (int) AS RANGE LEFT FOR VALUES (1)",
            "SET NOCOUNT ON; CREATE VIEW v AS SELECT 1 AS a",
            "ALTER TABLE t ADD c int",
            "'CREATE VIEW'",
            "",
        ] {
            assert!(!starts_with_batch_first_statement(sql), "{sql}");
        }
    }

    #[test]
    fn statement_at_line_stops_at_its_semicolon_outside_literals() {
        let sql = "-- header\nINSERT INTO t VALUES (N'a;b');\nSELECT 1;\n";
        assert_eq!(statement_at_line(sql, 2), "INSERT INTO t VALUES (N'a;b');");
        assert_eq!(statement_at_line(sql, 1), "INSERT INTO t VALUES (N'a;b');");
        assert_eq!(statement_at_line("UPDATE t SET a = 1\nWHERE b = 2", 1), "UPDATE t SET a = 1\nWHERE b = 2");
        assert_eq!(statement_at_line("-- only\n", 1), "-- only\n");
    }

    #[test]
    fn from_line_returns_text_from_the_line_on() {
        assert_eq!(from_line("a\nb\nc", 2), "b\nc");
        assert_eq!(from_line("a\nb\nc", 0), "a\nb\nc");
        assert_eq!(from_line("a\nb\nc", 9), "a\nb\nc");
    }
}
