//! A revision's SQL as statements, cut by retort-sql's lexer as the runtime
//! cuts them: sqlparser's tokenizer in the dialect's flavour (quotes,
//! brackets, dollar quotes and comments hide what they hold), SQL Server's
//! `GO` batches, and T-SQL's statements that need no semicolon. Each
//! statement comes with its line, its tokens and the acknowledgements
//! written next to it.

use retort_sql::{Lexed, SqlToken, Whitespace};

use crate::allow::{self, Allowance};
use crate::finding::Dialect;

/// One significant token (no blanks, no comments) and where it is.
pub(crate) use retort_sql::Token as Tok;
/// What the tokenizer could not read, and where.
pub(crate) use retort_sql::Unreadable;

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

impl From<Dialect> for retort_sql::Dialect {
    fn from(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Sqlite => retort_sql::Dialect::Sqlite,
            Dialect::Postgres => retort_sql::Dialect::Postgres,
            Dialect::Mssql => retort_sql::Dialect::Mssql,
        }
    }
}

/// The statements of `sql` in `dialect`.
pub(crate) fn statements(dialect: Dialect, sql: &str) -> Result<Vec<Statement>, Unreadable> {
    let lexed = Lexed::new(dialect.into(), sql);
    if let Some(unreadable) = lexed.unreadable() {
        return Err(unreadable.clone());
    }
    // The acknowledgements written since the previous significant token,
    // by the index of each significant token.
    let tokens = lexed.tokens();
    let mut before: Vec<Vec<Allowance>> = vec![Vec::new(); tokens.len()];
    let mut pending = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        match &token.token {
            SqlToken::Whitespace(Whitespace::SingleLineComment { comment, .. } | Whitespace::MultiLineComment(comment)) => {
                pending.extend(allow::parse(comment, token.line));
            }
            SqlToken::Whitespace(_) => {}
            _ => before[index] = std::mem::take(&mut pending),
        }
    }
    let mut statements: Vec<Statement> = lexed
        .statements()
        .into_iter()
        .map(|statement| Statement {
            text: statement.text(sql).to_owned(),
            line: statement.line,
            tokens: statement.significant(&lexed).cloned().collect(),
            first_in_batch: statement.first_in_batch,
            allowances: statement.tokens.clone().flat_map(|index| before[index].iter().cloned()).collect(),
            start: statement.start,
            end: statement.end,
        })
        .collect();
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
    fn statements_keep_a_sqlite_trigger_body_whole_when_it_has_a_case() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN new.y THEN 1 END; DELETE FROM b; END;\nDROP TABLE c;";
        assert_eq!(texts(Dialect::Sqlite, sql).len(), 2, "{:#?}", texts(Dialect::Sqlite, sql));
    }

    #[test]
    fn statements_keep_a_postgres_function_body_whole_when_it_is_begin_atomic() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nDROP TABLE c;";
        assert_eq!(texts(Dialect::Postgres, sql).len(), 2, "{:#?}", texts(Dialect::Postgres, sql));
    }

    #[test]
    fn statements_keep_a_sqlite_trigger_body_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END;\nDROP TABLE c;";
        assert_eq!(texts(Dialect::Sqlite, sql).len(), 2);
    }
}
