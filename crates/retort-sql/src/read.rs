//! Whether a query only reads, for sessions that must never write.

use sqlparser::tokenizer::Token as SqlToken;

use crate::lexer::Lexed;
use crate::Dialect;

/// Words that write, lock rows or run code.
const WRITES: &[&str] = &[
    "insert", "update", "delete", "merge", "drop", "create", "alter", "truncate", "exec", "execute", "grant", "revoke",
    "deny", "into", "backup", "restore", "dbcc", "kill", "shutdown", "reconfigure", "bulk", "call", "do", "copy",
    "lock", "vacuum", "reindex", "attach", "detach", "pragma", "nextval", "setval", "openrowset", "opendatasource",
    "openquery", "waitfor", "set", "begin", "commit", "rollback", "declare",
];

/// Whether `sql` only reads: its first word is `SELECT`, `WITH` or `IF`
/// (SQL Server's existence checks before a `SELECT`), and no word of its
/// code (outside literals, quoted names and comments) is one that writes,
/// locks rows or runs code. A dollar-quoted body could hold anything, so a
/// query with one does not only read.
///
/// ```
/// use retort_sql::{reads_only, Dialect};
/// assert!(reads_only(Dialect::Mssql, "SELECT [delete] FROM t -- drop table t"));
/// assert!(!reads_only(Dialect::Postgres, "WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone"));
/// ```
pub fn reads_only(dialect: Dialect, sql: &str) -> bool {
    let lexed = Lexed::new(dialect, sql);
    let mut words = Vec::new();
    for token in lexed.tokens() {
        let text = lexed.text_of(token);
        match &token.token {
            SqlToken::DollarQuotedString(_) => return false,
            SqlToken::Word(word) if word.quote_style.is_some() => {}
            SqlToken::Whitespace(_) => {}
            _ if token.is_literal() => {}
            _ => {
                if !words_of(text, &mut words) {
                    return false;
                }
            }
        }
    }
    if lexed.unclosed_text().is_some_and(|rest| rest.starts_with('$')) {
        return false;
    }
    matches!(words.first().map(String::as_str), Some("select" | "with" | "if"))
        && !words.iter().any(|word| WRITES.contains(&word.as_str()))
}

/// Adds the words (`[A-Za-z_][A-Za-z0-9_]*`) of a piece of code to `words`,
/// lowercased; `false` when it holds a `$name`, which may open a dollar
/// quote.
fn words_of(code: &str, words: &mut Vec<String>) -> bool {
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'$' && bytes.get(i + 1).is_some_and(|b| *b == b'$' || b.is_ascii_alphabetic()) {
            return false;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            words.push(code[start..i].to_ascii_lowercase());
        } else {
            i += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_is_true_when_the_query_only_selects() {
        let postgres = "SELECT \"id\", CAST(\"d\" AS text) FROM \"users\" WHERE \"id\" > $1 ORDER BY \"id\" LIMIT 10";
        assert!(reads_only(Dialect::Postgres, postgres));
        for sql in [
            "IF OBJECT_ID(N'[dbo].[retort_history]', N'U') IS NOT NULL\nSELECT revision_id FROM x",
            "SELECT [update], [delete] FROM [set] -- drop table x\n",
            "SELECT 'DELETE FROM users' AS text",
            "SELECT 'it''s', N'DROP' FROM t /* truncate /* nested */ table */",
            "SELECT COUNT(*) FROM t OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY",
        ] {
            assert!(reads_only(Dialect::Mssql, sql), "{sql}");
        }
        assert!(reads_only(Dialect::Sqlite, "SELECT `delete`, \"set\" FROM t WHERE x = ?1"));
    }

    #[test]
    fn reads_only_is_false_when_the_query_could_write() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mssql] {
            for sql in [
                "DELETE FROM users",
                "SELECT 1; DROP TABLE users",
                "SELECT * INTO copy FROM users",
                "SELECT * FROM users FOR UPDATE",
                "WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone",
                "SELECT nextval('s')",
                "EXEC sp_who",
                "SELECT $$x$$",
                "SELECT $tag$x$tag$",
                "PRAGMA writable_schema = 1",
                "SELECT @delete",
            ] {
                assert!(!reads_only(dialect, sql), "{dialect:?}: {sql}");
            }
        }
        // A backslash does not escape a quote in a standard string.
        assert!(!reads_only(Dialect::Postgres, "SELECT 'a\\'; DELETE FROM t; --'"));
    }
}
