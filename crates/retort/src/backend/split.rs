//! Splitting a unit of SQL into its statements, with retort-sql's lexer in
//! the unit's dialect: quotes, dollar quotes, comments, parentheses and
//! bodies such as `BEGIN ATOMIC … END` or a SQLite trigger's `BEGIN … END`
//! hide their semicolons.
//!
//! PostgreSQL runs each statement of a unit as a message of its own, so
//! that a statement outside a transaction is not silently wrapped in one
//! (the simple protocol runs a multi-statement message as one implicit
//! transaction), and so that a failure names its statement. SQLite uses it
//! to locate a statement that fails before SQLite can prepare it.

use retort_sql::Lexed;

use crate::Dialect;

/// One statement of a unit: its byte range (`start..end`, from its first
/// token to its semicolon), its 1-based `line` and its `text`.
pub(crate) use retort_sql::Statement as Piece;

#[cfg(feature = "sqlite")]
pub(crate) use retort_sql::line_at;

impl From<Dialect> for retort_sql::Dialect {
    fn from(dialect: Dialect) -> Self {
        dialect.lexer()
    }
}

/// The statements of `sql`. Text that opens a string or comment and never
/// closes it ends the statement it is in, after the statements before it:
/// the server will say what is wrong with it. SQL Server's backend cuts
/// its units into `GO` batches instead.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn split(dialect: Dialect, sql: &str) -> Vec<Piece> {
    Lexed::new(dialect.into(), sql).statements()
}

/// One statement of a unit with its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement<'a> {
    pub piece: Piece,
    /// The text of each token, exactly as written, without the whitespace
    /// and comments between them; an unclosed string or comment that ends
    /// the unit as one last token.
    pub tokens: Vec<&'a str>,
}

/// The statements of `sql` cut at their semicolons, with their tokens: what
/// a revision's fingerprint compares, so that comments and whitespace
/// between tokens do not count and everything else does. T-SQL is cut at
/// semicolons too (the caller cuts its `GO` batches first), as fingerprints
/// were first recorded, so that a fingerprint stays the same between
/// versions of retort.
pub(crate) fn statements(dialect: Dialect, sql: &str) -> Vec<Statement<'_>> {
    let lexed = Lexed::new(dialect.into(), sql);
    lexed
        .statements_at_semicolons()
        .into_iter()
        .map(|piece| Statement { tokens: piece.code(&lexed), piece })
        .collect()
}

/// The byte offset of the first character at or after `from` that is not
/// whitespace or part of a comment.
#[cfg(feature = "sqlite")]
pub(crate) fn skip_trivia(dialect: Dialect, sql: &str, from: usize) -> usize {
    let from = from.min(sql.len());
    from + Lexed::new(dialect.into(), &sql[from..]).skip_trivia(0)
}

#[cfg(all(test, feature = "sqlite", feature = "postgres"))]
mod tests {
    use super::*;

    fn texts(dialect: Dialect, sql: &str) -> Vec<(u32, String)> {
        split(dialect, sql).iter().map(|p| (p.line, p.text(sql).to_owned())).collect()
    }

    #[test]
    fn split_keeps_the_statements_before_a_string_that_never_closes() {
        let sql = "SELECT 1;\n  SELECT 'open;\nSELECT 2;";
        assert_eq!(
            texts(Dialect::Postgres, sql),
            [(1, "SELECT 1;".to_owned()), (2, "SELECT 'open;\nSELECT 2;".to_owned())]
        );
    }

    #[test]
    fn split_keeps_a_rules_parenthesised_actions_in_its_statement() {
        let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));";
        let sql = format!("{rule}\nSELECT 1;");
        assert_eq!(texts(Dialect::Postgres, &sql), [(1, rule.to_owned()), (2, "SELECT 1;".to_owned())]);
    }

    #[test]
    fn split_reads_a_comment_right_after_an_operator_as_a_comment() {
        let sql = "SELECT 'a' ||/* ; */ 'b';\nSELECT 2;";
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            assert_eq!(
                texts(dialect, sql),
                [(1, "SELECT 'a' ||/* ; */ 'b';".to_owned()), (2, "SELECT 2;".to_owned())],
                "{dialect:?}"
            );
        }
    }
}
