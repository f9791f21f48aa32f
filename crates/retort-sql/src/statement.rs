//! A script cut into statements, each with its byte range, its first line
//! and its tokens.
//!
//! A statement ends at a `;` outside parentheses and bodies. A body hides
//! its semicolons: an SQL-standard function body (`BEGIN ATOMIC … END`,
//! PostgreSQL) or a trigger's (`CREATE TRIGGER … BEGIN … END`, SQLite), in
//! which `CASE … END` nests.
//!
//! T-SQL is first cut into its `GO` batches. It needs no semicolons between
//! statements, so a statement also ends before a word that can only start
//! one (`CREATE`, `ALTER TABLE`, `DROP TABLE`, `EXEC`, `UPDATE` not after
//! `ON`/`FOR`…), except inside a procedure, view, function or trigger, whose
//! body runs to the end of its batch.

use std::ops::Range;

use sqlparser::tokenizer::Token as SqlToken;

use crate::lexer::{Lexed, Token};
use crate::Dialect;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte range of the statement in the script, from its first token
    /// (after comments) to its last, its semicolon included if it has one.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the script where the statement starts.
    pub line: u32,
    /// Its tokens, as indices into [`Lexed::tokens`], from its first to its
    /// last (whitespace and comments between them included).
    pub tokens: Range<usize>,
    /// The 0-based number of its T-SQL batch (0 in other dialects).
    pub batch: usize,
    /// Whether it is the first statement of its batch (of the script, in
    /// other dialects).
    pub first_in_batch: bool,
    /// Whether it runs into a string, quoted name or comment that never
    /// closes: the rest of the script is its end.
    pub unclosed: bool,
}

impl Statement {
    /// The statement's text.
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start..self.end).unwrap_or_default()
    }

    /// Its tokens without whitespace and comments.
    pub fn significant<'l>(&self, lexed: &'l Lexed<'_>) -> impl Iterator<Item = &'l Token> + 'l {
        lexed.tokens()[self.tokens.clone()].iter().filter(|t| !t.is_trivia())
    }

    /// Its code: each token as written, without whitespace and comments,
    /// and an unclosed rest as one last token. Two statements with the same
    /// code differ at most in whitespace and comments between tokens.
    pub fn code<'a>(&self, lexed: &Lexed<'a>) -> Vec<&'a str> {
        let mut code: Vec<&str> = self.significant(lexed).map(|t| lexed.text_of(t)).collect();
        if self.unclosed {
            code.extend(lexed.unclosed_text());
        }
        code
    }
}

impl Lexed<'_> {
    /// The statements of the text, in order.
    pub fn statements(&self) -> Vec<Statement> {
        let mut cut = Cut { lexed: self, out: Vec::new(), open: None, batch: 0, first_in_batch: true };
        match self.dialect() {
            Dialect::Mssql => {
                let batches = self.batches();
                let mut next = 0;
                for (number, batch) in batches.iter().enumerate() {
                    let tokens = self.tokens();
                    while next < tokens.len() && tokens[next].start < batch.span.start {
                        next += 1;
                    }
                    let first = next;
                    while next < tokens.len() && tokens[next].start < batch.span.end {
                        next += 1;
                    }
                    cut.batch = number;
                    cut.first_in_batch = true;
                    cut.tsql(first..next);
                    cut.close(number + 1 == batches.len());
                }
            }
            Dialect::Sqlite | Dialect::Postgres => {
                cut.semicolons(0..self.tokens().len());
                cut.close(true);
            }
        }
        cut.out
    }

    /// The statements of the text cut at semicolons only (outside
    /// parentheses and bodies), in every dialect: T-SQL's batches and its
    /// statements without semicolons are not looked for. What a revision's
    /// fingerprint counts, which must not change between versions.
    pub fn statements_at_semicolons(&self) -> Vec<Statement> {
        let mut cut = Cut { lexed: self, out: Vec::new(), open: None, batch: 0, first_in_batch: true };
        cut.semicolons(0..self.tokens().len());
        cut.close(true);
        cut.out
    }
}

/// The statements cut so far, and the one still open.
struct Cut<'l, 'a> {
    lexed: &'l Lexed<'a>,
    out: Vec<Statement>,
    /// The open statement's first and last token.
    open: Option<(usize, usize)>,
    batch: usize,
    first_in_batch: bool,
}

impl Cut<'_, '_> {
    fn push(&mut self, index: usize) {
        let (first, _) = self.open.unwrap_or((index, index));
        self.open = Some((first, index));
    }

    /// Ends the open statement; at the end of the script (`last`) the
    /// unclosed rest, if any, is its end, or a statement of its own.
    fn close(&mut self, last: bool) {
        let tokens = self.lexed.tokens();
        let unclosed = self.lexed.unclosed().filter(|_| last);
        let statement = match (self.open.take(), unclosed) {
            (Some((first, last)), unclosed) => Statement {
                start: tokens[first].start,
                end: unclosed.map_or(tokens[last].end, |_| self.lexed.text().len()),
                line: tokens[first].line,
                tokens: first..last + 1,
                batch: self.batch,
                first_in_batch: self.first_in_batch,
                unclosed: unclosed.is_some(),
            },
            (None, Some(unclosed)) => Statement {
                start: unclosed.start,
                end: self.lexed.text().len(),
                line: unclosed.line,
                tokens: tokens.len()..tokens.len(),
                batch: self.batch,
                first_in_batch: self.first_in_batch,
                unclosed: true,
            },
            (None, None) => return,
        };
        self.out.push(statement);
        self.first_in_batch = false;
    }

    /// SQLite and PostgreSQL: statements end at semicolons.
    fn semicolons(&mut self, range: Range<usize>) {
        let tokens = self.lexed.tokens();
        let mut parentheses = 0i32;
        let mut bodies = 0u32;
        let mut words: Vec<String> = Vec::new();
        for index in range.clone() {
            let token = &tokens[index];
            if token.is_trivia() {
                continue;
            }
            if self.open.is_none() {
                (parentheses, bodies) = (0, 0);
                words.clear();
            }
            self.push(index);
            match &token.token {
                SqlToken::LParen => parentheses += 1,
                SqlToken::RParen => parentheses -= 1,
                SqlToken::SemiColon if parentheses <= 0 && bodies == 0 => self.close(false),
                SqlToken::Word(word) if word.quote_style.is_none() => {
                    let upper = word.value.to_ascii_uppercase();
                    match upper.as_str() {
                        "BEGIN" if next_is(&tokens[index + 1..range.end], "ATOMIC") || words.iter().any(|w| w == "TRIGGER") => {
                            bodies += 1
                        }
                        "CASE" if bodies > 0 => bodies += 1,
                        "END" if bodies > 0 => bodies -= 1,
                        _ => {}
                    }
                    words.push(upper);
                }
                _ => {}
            }
        }
    }

    /// T-SQL, one batch: statements end at semicolons and before a word
    /// that starts one, except in a module's body.
    fn tsql(&mut self, range: Range<usize>) {
        let all = self.lexed.tokens();
        let significant: Vec<usize> = range.filter(|&i| !all[i].is_trivia()).collect();
        let tokens: Vec<&Token> = significant.iter().map(|&i| &all[i]).collect();
        let mut parentheses = 0i32;
        let mut module = false;
        let mut length = 0;
        for (at, &index) in significant.iter().enumerate() {
            if self.open.is_some() && parentheses <= 0 && !module && starts_statement(&tokens, at) {
                self.close(false);
            }
            if self.open.is_none() {
                (parentheses, module, length) = (0, false, 0);
            }
            self.push(index);
            length += 1;
            match tokens[at].token {
                SqlToken::LParen => parentheses += 1,
                SqlToken::RParen => parentheses -= 1,
                SqlToken::SemiColon if parentheses <= 0 && !module => {
                    self.close(false);
                    continue;
                }
                _ => {}
            }
            if length <= 4 && !module {
                module = opens_module(&tokens[at + 1 - length..=at]);
            }
        }
    }
}

/// Whether the next token that is not whitespace or a comment is the
/// unquoted word `expected`.
fn next_is(tokens: &[Token], expected: &str) -> bool {
    tokens.iter().find(|t| !t.is_trivia()).is_some_and(|t| t.is(expected))
}

/// Whether a T-SQL statement's first words open a body that runs to the
/// end of the batch: `CREATE` or `ALTER` (or `CREATE OR ALTER`) of a
/// procedure, view, function or trigger.
fn opens_module(words: &[&Token]) -> bool {
    let at = |i: usize, keyword: &str| words.get(i).is_some_and(|t| t.is(keyword));
    let module_word = |i: usize| {
        words
            .get(i)
            .is_some_and(|t| ["PROC", "PROCEDURE", "VIEW", "FUNCTION", "TRIGGER"].iter().any(|k| t.is(k)))
    };
    (at(0, "CREATE") && (module_word(1) || (at(1, "OR") && at(2, "ALTER") && module_word(3))))
        || (at(0, "ALTER") && module_word(1))
}

/// Whether the word at `index` starts a new T-SQL statement (no semicolon
/// needed before it) rather than continue the one before.
fn starts_statement(tokens: &[&Token], index: usize) -> bool {
    let token = tokens[index];
    let previous = index.checked_sub(1).map(|i| tokens[i]);
    let next = tokens.get(index + 1);
    let after = |keywords: &[&str]| {
        previous.is_some_and(|p| keywords.iter().any(|k| p.is(k)) || p.token == SqlToken::Comma)
    };
    let next_is = |keywords: &[&str]| next.is_some_and(|n| keywords.iter().any(|k| n.is(k)));
    const OBJECTS: &[&str] = &[
        "TABLE", "VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER", "INDEX", "SCHEMA", "TYPE", "SYNONYM",
        "SEQUENCE", "STATISTICS", "USER", "ROLE", "DATABASE", "FULLTEXT", "ASSEMBLY", "LOGIN", "AUTHORIZATION",
    ];
    let Some(word) = token.word() else { return false };
    match word.to_ascii_uppercase().as_str() {
        "CREATE" => true,
        "ALTER" => next_is(OBJECTS) && !after(&["OR"]),
        "DROP" => next_is(OBJECTS),
        "EXEC" | "EXECUTE" => !after(&["GRANT", "DENY", "REVOKE", "AS", "WITH"]),
        "TRUNCATE" | "MERGE" | "DECLARE" | "PRINT" | "RAISERROR" | "THROW" | "WHILE" => true,
        "IF" => {
            !(next_is(&["EXISTS"])
                && previous.is_some_and(|p| OBJECTS.iter().chain(&["COLUMN", "CONSTRAINT"]).any(|k| p.is(k))))
        }
        "UPDATE" | "DELETE" | "INSERT" => {
            !after(&["ON", "FOR", "AFTER", "OF", "GRANT", "DENY", "REVOKE", "THEN", "INSTEAD"])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect::{Mssql, Postgres, Sqlite};

    fn texts(dialect: Dialect, sql: &str) -> Vec<(u32, String)> {
        Lexed::new(dialect, sql).statements().iter().map(|s| (s.line, s.text(sql).to_owned())).collect()
    }

    fn owned(items: &[(u32, &str)]) -> Vec<(u32, String)> {
        items.iter().map(|(line, text)| (*line, (*text).to_owned())).collect()
    }

    #[test]
    fn statements_skip_comments_and_name_each_statements_first_line() {
        let sql = "-- revision: a1\n-- message: m\nCREATE TABLE a (id int);\n\n/* two */ INSERT INTO a VALUES (1);\nSELECT 1";
        assert_eq!(
            texts(Postgres, sql),
            owned(&[(3, "CREATE TABLE a (id int);"), (5, "INSERT INTO a VALUES (1);"), (6, "SELECT 1")])
        );
    }

    #[test]
    fn statements_keep_semicolons_inside_quotes_dollar_quotes_and_bodies() {
        let sql = "INSERT INTO t VALUES ('a;b', \"c;d\");\n\
                   CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n\
                   SELECT 3;";
        let statements = texts(Postgres, sql);
        assert_eq!(statements.len(), 4, "{statements:#?}");
        assert!(statements[2].1.ends_with("SELECT 2; END;"), "{statements:#?}");
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END;\nSELECT 1;";
        assert_eq!(texts(Sqlite, trigger).len(), 2);
    }

    #[test]
    fn statements_keep_a_sqlite_trigger_whole_when_its_body_has_a_case() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN new.y THEN 1 ELSE 2 END;\n  DELETE FROM b;\nEND;\nDROP TABLE c;";
        assert_eq!(
            texts(Sqlite, sql),
            owned(&[(1, &sql[..sql.find("\nDROP").unwrap_or(0)]), (5, "DROP TABLE c;")])
        );
    }

    #[test]
    fn statements_at_semicolons_leave_tsql_statements_without_one_together() {
        let sql = "CREATE TABLE t (id int)\nINSERT INTO t VALUES (1);\nSELECT 1";
        assert_eq!(texts(Mssql, sql).len(), 3, "{:#?}", texts(Mssql, sql));
        let at_semicolons: Vec<(u32, String)> = Lexed::new(Mssql, sql)
            .statements_at_semicolons()
            .iter()
            .map(|s| (s.line, s.text(sql).to_owned()))
            .collect();
        assert_eq!(at_semicolons, owned(&[(1, "CREATE TABLE t (id int)\nINSERT INTO t VALUES (1);"), (3, "SELECT 1")]));
    }

    #[test]
    fn statements_keep_semicolons_inside_parentheses() {
        // PostgreSQL's rule with several actions.
        let sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;";
        assert_eq!(texts(Postgres, sql).len(), 2, "{:#?}", texts(Postgres, sql));
    }

    #[test]
    fn statements_run_an_unclosed_string_to_the_end() {
        let sql = "  SELECT 1;\nSELECT 'open;\nSELECT 2;";
        let statements = Lexed::new(Postgres, sql).statements();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1].text(sql), "SELECT 'open;\nSELECT 2;");
        assert!(statements[1].unclosed && !statements[0].unclosed);
        let alone = "SELECT 1; 'open";
        assert_eq!(texts(Sqlite, alone), owned(&[(1, "SELECT 1;"), (1, "'open")]));
    }

    #[test]
    fn statements_count_columns_in_characters_when_text_has_multibyte_characters() {
        let sql = "SELECT 'é'; SELECT 'ü';";
        assert_eq!(texts(Sqlite, sql), owned(&[(1, "SELECT 'é';"), (1, "SELECT 'ü';")]));
    }

    #[test]
    fn tsql_statements_split_on_go_and_on_statement_words() {
        let sql = "ALTER TABLE t ADD c int NULL\nALTER TABLE t ALTER COLUMN c bigint NULL\nGO\nCREATE PROCEDURE p AS\nBEGIN\n  UPDATE t SET c = 1\n  DELETE FROM t\nEND\nGO 2\nDROP TABLE IF EXISTS t;";
        let lexed = Lexed::new(Mssql, sql);
        let statements: Vec<(String, u32, usize, bool)> =
            lexed.statements().iter().map(|s| (s.text(sql).to_owned(), s.line, s.batch, s.first_in_batch)).collect();
        assert_eq!(
            statements,
            [
                ("ALTER TABLE t ADD c int NULL".to_owned(), 1, 0, true),
                ("ALTER TABLE t ALTER COLUMN c bigint NULL".to_owned(), 2, 0, false),
                ("CREATE PROCEDURE p AS\nBEGIN\n  UPDATE t SET c = 1\n  DELETE FROM t\nEND".to_owned(), 4, 1, true),
                ("DROP TABLE IF EXISTS t;".to_owned(), 10, 2, true),
            ]
        );
    }

    #[test]
    fn tsql_statements_keep_foreign_key_actions_in_their_statement() {
        let sql = "ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES b (id) ON DELETE CASCADE ON UPDATE NO ACTION";
        assert_eq!(texts(Mssql, sql).len(), 1);
    }

    #[test]
    fn statement_code_leaves_out_comments_and_keeps_an_unclosed_rest() {
        let sql = "SELECT /* a */ 1 -- b\n, 'x';\nSELECT 'open";
        let lexed = Lexed::new(Sqlite, sql);
        let code: Vec<Vec<&str>> = lexed.statements().iter().map(|s| s.code(&lexed)).collect();
        assert_eq!(code, [vec!["SELECT", "1", ",", "'x'", ";"], vec!["SELECT", "'open"]]);
    }
}

/// Scripts built from statements whose literals, quoted names and comments
/// hold `;`, `GO` lines, quotes and comment marks, cut into batches by `GO`
/// lines: the lexer must find exactly the statements and batches the script
/// was built from, with their lines, in every dialect.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::{line_at, tsql};

    fn text(parts: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(parts), 0..max).prop_map(|parts| parts.concat())
    }

    /// A literal, quoted name or number whose text hides separators.
    fn atom() -> impl Strategy<Value = String> {
        prop_oneof![
            text(&["a", "'", ";", "GO", "\nGO\n", "\ngo 2\n", "--", "/*", "*/", "\n", " ", "é", "\"", "[", "]"], 8)
                .prop_map(|body| format!("'{}'", body.replace('\'', "''"))),
            text(&["a", ";", "'", "--", "/*", "GO", "\nGO\n", " "], 6)
                .prop_map(|body| format!("\"n{}\"", body.replace('"', "\"\""))),
            Just("42".to_owned()),
            Just("x".to_owned()),
        ]
    }

    /// What may stand between two tokens.
    fn trivia() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            text(&["a", "'", ";", "GO", "\"", " ", "--"], 5).prop_map(|body| format!(" --{body}\n")),
            text(&["a", "'", ";", "GO", "\nGO\n", "\n", "\"", " ", "--"], 5).prop_map(|body| format!(" /*{body}*/ ")),
        ]
    }

    /// A statement: what comes before it, and its own text.
    fn statement() -> impl Strategy<Value = (String, String)> {
        let lead = prop_oneof![Just(String::new()), trivia()];
        let items = prop::collection::vec((trivia(), atom()), 1..4);
        (lead, items).prop_map(|(lead, items)| {
            let mut body = "SELECT".to_owned();
            for (n, (trivia, atom)) in items.into_iter().enumerate() {
                if n > 0 {
                    body.push(',');
                }
                body.push_str(&trivia);
                body.push_str(&atom);
            }
            body.push(';');
            (lead, body)
        })
    }

    fn go_line() -> impl Strategy<Value = (&'static str, u32)> {
        prop::sample::select(vec![("GO\n", 1), ("go\n", 1), ("GO 2\n", 2), (" GO -- next ;'\n", 1), ("Go\t3\r\n", 3)])
    }

    /// A batch's statements (what comes before each, and its text) and the
    /// `GO` line that ends it, with its count.
    type Batch = (Vec<(String, String)>, (&'static str, u32));

    /// Batches of statements, each batch ended by a `GO` line.
    fn script() -> impl Strategy<Value = Vec<Batch>> {
        prop::collection::vec((prop::collection::vec(statement(), 1..4), go_line()), 1..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn statements_and_batches_are_the_ones_the_script_was_built_from(batches in script()) {
            let mut tsql_script = String::new();
            let mut plain_script = String::new();
            let mut expected_batches = Vec::new();
            let mut tsql_statements = Vec::new();
            let mut plain_statements = Vec::new();
            for (number, (statements, (go, repeat))) in batches.iter().enumerate() {
                let batch_start = tsql_script.len();
                for (n, (lead, body)) in statements.iter().enumerate() {
                    for (script, out) in [(&mut tsql_script, &mut tsql_statements), (&mut plain_script, &mut plain_statements)] {
                        script.push_str(lead);
                        let line = line_at(script, script.len());
                        out.push((body.clone(), line, number, n == 0));
                        script.push_str(body);
                        script.push('\n');
                    }
                }
                expected_batches.push((tsql_script[batch_start..].to_owned(), line_at(&tsql_script, batch_start), *repeat));
                tsql_script.push_str(go);
            }
            let found: Vec<(String, u32, u32)> =
                tsql::split_batches(&tsql_script).into_iter().map(|b| (b.sql, b.first_line, b.repeat)).collect();
            prop_assert_eq!(found, expected_batches);
            let lexed = Lexed::new(Dialect::Mssql, &tsql_script);
            let found: Vec<(String, u32, usize, bool)> = lexed
                .statements()
                .iter()
                .map(|s| (s.text(&tsql_script).to_owned(), s.line, s.batch, s.first_in_batch))
                .collect();
            prop_assert_eq!(found, tsql_statements);
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let lexed = Lexed::new(dialect, &plain_script);
                let found: Vec<(String, u32)> =
                    lexed.statements().iter().map(|s| (s.text(&plain_script).to_owned(), s.line)).collect();
                let expected: Vec<(String, u32)> = plain_statements.iter().map(|s| (s.0.clone(), s.1)).collect();
                prop_assert_eq!(found, expected, "{:?}", dialect);
            }
        }
    }
}
