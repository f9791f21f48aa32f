//! Tokens with byte ranges and lines, from sqlparser's tokenizer, for any
//! text.
//!
//! sqlparser's tokenizer stops at the first thing it cannot read. This lexer
//! reads on, because what it serves must take every text (a batch splitter,
//! a statement splitter, a check before a query is sent) and leave the
//! server to name what is wrong:
//! - a string, quoted name or comment that is never closed runs to the end
//!   of the text ([`Lexed::unclosed`]): nothing after its opening is code,
//!   for the server either;
//! - any other character the tokenizer refuses (`._` after a blank,
//!   PostgreSQL's `@-1`) becomes a one-character [`SqlToken::Char`], and
//!   reading goes on after it.
//!
//! A leading byte order mark is whitespace.
//!
//! Either way the first refusal is kept ([`Lexed::unreadable`]) for a caller
//! that must say the text cannot be read.
//!
//! The tokenizer gives each token's end as a (line, character column); tokens
//! follow each other without gaps, so one walk over the text turns them into
//! byte ranges.

use sqlparser::tokenizer::{Location, Token as SqlToken, Tokenizer, Whitespace};

use crate::Dialect;

/// One token: what sqlparser read, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What sqlparser read. Whitespace and comments are
    /// [`SqlToken::Whitespace`].
    pub token: SqlToken,
    /// The 1-based line of its first character.
    pub line: u32,
    /// Its byte range in the text.
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token as written.
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start..self.end).unwrap_or_default()
    }

    /// Whether it is whitespace or a comment.
    pub fn is_trivia(&self) -> bool {
        matches!(self.token, SqlToken::Whitespace(_) | SqlToken::EOF)
    }

    /// Whether it is a `--` or `/* */` comment.
    pub fn is_comment(&self) -> bool {
        matches!(
            self.token,
            SqlToken::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_))
        )
    }

    /// The word, if the token is an unquoted word (a keyword or a name).
    pub fn word(&self) -> Option<&str> {
        match &self.token {
            SqlToken::Word(word) if word.quote_style.is_none() => Some(&word.value),
            _ => None,
        }
    }

    /// Whether the token is the unquoted word `keyword` (any case).
    pub fn is(&self, keyword: &str) -> bool {
        self.word().is_some_and(|word| word.eq_ignore_ascii_case(keyword))
    }

    /// Whether it is a string literal: `'…'`, `N'…'`, `E'…'`, `X'…'`,
    /// `$$…$$` (and a `0x1F` number, which sqlparser files with `X'1F'`).
    pub fn is_literal(&self) -> bool {
        is_literal(&self.token)
    }

    /// A name: a word, quoted (then without its quotes) or not.
    pub fn ident(&self) -> Option<&str> {
        match &self.token {
            SqlToken::Word(word) => Some(&word.value),
            _ => None,
        }
    }
}

/// Where a string, quoted name or comment opens and never closes: the
/// rest of the text is inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    /// The byte offset of its opening.
    pub start: usize,
    /// The 1-based line of its opening.
    pub line: u32,
}

/// The first thing the tokenizer refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The 1-based line sqlparser names.
    pub line: u32,
    /// sqlparser's message.
    pub reason: String,
}

/// A text read into tokens that cover it, in order, without gaps, up to
/// [`unclosed`](Self::unclosed) if the text ends inside a string, quoted
/// name or comment.
#[derive(Debug, Clone)]
pub struct Lexed<'a> {
    dialect: Dialect,
    text: &'a str,
    tokens: Vec<Token>,
    unclosed: Option<Unclosed>,
    unreadable: Option<Unreadable>,
}

impl<'a> Lexed<'a> {
    /// Reads `text` in `dialect`. Never fails: see the module's doc.
    pub fn new(dialect: Dialect, text: &'a str) -> Self {
        let mut lexed = Lexed { dialect, text, tokens: Vec::new(), unclosed: None, unreadable: None };
        let mut from = 0;
        let mut line = 1u32;
        // A leading byte order mark is an encoding marker, not SQL.
        if text.starts_with('\u{feff}') {
            from = '\u{feff}'.len_utf8();
            lexed.tokens.push(Token { token: SqlToken::Whitespace(Whitespace::Space), line, start: 0, end: from });
        }
        'chunks: while from < text.len() {
            let chunk = &text[from..];
            let mut read = Vec::new();
            let result = Tokenizer::new(dialect.tokenizer(), chunk).tokenize_with_location_into_buf(&mut read);
            let mut walk = Walk { text: chunk, offset: 0, line: 1, column: 1 };
            for token in read {
                let (start, start_line) = (walk.offset, walk.line);
                walk.advance_to(token.span.end);
                let token_line = line.saturating_add(lines(start_line)).saturating_sub(1);
                let after = chunk[walk.offset..].chars().next().map_or(0, char::len_utf8);
                if let Some(cut) = comment_inside(&token.token, &chunk[start..walk.offset + after], walk.offset - start) {
                    // The operator before the comment, on its own; then
                    // reading starts again at the comment.
                    for mut piece in Lexed::new(dialect, &chunk[start..start + cut]).tokens {
                        (piece.start, piece.end, piece.line) = (piece.start + from + start, piece.end + from + start, token_line);
                        lexed.tokens.push(piece);
                    }
                    (from, line) = (from + start + cut, token_line);
                    continue 'chunks;
                }
                lexed.tokens.push(Token { token: token.token, line: token_line, start: from + start, end: from + walk.offset });
            }
            let Err(error) = result else { break };
            // The tokens read stop where the refused one starts.
            let at = from + walk.offset;
            let at_line = line.saturating_add(lines(walk.line)).saturating_sub(1);
            lexed.unreadable.get_or_insert_with(|| Unreadable {
                line: line.saturating_add(lines(error.location.line)).saturating_sub(1).max(1),
                reason: error.message,
            });
            let rest = &text[at..];
            if opens_quote_or_comment(rest) {
                lexed.unclosed = Some(Unclosed { start: at, line: at_line });
                break;
            }
            let Some(refused) = rest.chars().next() else { break };
            let end = at + refused.len_utf8();
            lexed.tokens.push(Token { token: SqlToken::Char(refused), line: at_line, start: at, end });
            line = at_line.saturating_add(u32::from(refused == '\n'));
            from = end;
        }
        lexed
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Every token, whitespace and comments included.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The string, quoted name or comment the text ends inside, if any.
    pub fn unclosed(&self) -> Option<&Unclosed> {
        self.unclosed.as_ref()
    }

    /// The first thing the tokenizer refused, if any.
    pub fn unreadable(&self) -> Option<&Unreadable> {
        self.unreadable.as_ref()
    }

    /// The text of `token`.
    pub fn text_of(&self, token: &Token) -> &'a str {
        token.text(self.text)
    }

    /// The unclosed rest's text, from its opening to the end.
    pub fn unclosed_text(&self) -> Option<&'a str> {
        self.unclosed.as_ref().map(|unclosed| &self.text[unclosed.start..])
    }

    /// The byte offset of the first token at or after `from` that is not
    /// whitespace or a comment (or of the unclosed rest, unless it is a
    /// comment); the text's length when there is none.
    pub fn skip_trivia(&self, from: usize) -> usize {
        let first = self.tokens.iter().find(|t| t.end > from && !t.is_trivia()).map(|t| t.start.max(from));
        first.unwrap_or_else(|| match &self.unclosed {
            Some(unclosed) if !self.text[unclosed.start..].starts_with("/*") => unclosed.start.max(from),
            _ => self.text.len(),
        })
    }

    /// The code of the text: each token as written, without whitespace
    /// and comments, and the unclosed rest as one last token (unless it is
    /// a comment).
    pub fn code(&self) -> Vec<&'a str> {
        let mut code: Vec<&str> = self.tokens.iter().filter(|t| !t.is_trivia()).map(|t| self.text_of(t)).collect();
        code.extend(self.unclosed_text().filter(|rest| !rest.starts_with("/*")));
        code
    }
}

/// Whether `a` and `b` hold the same code token for token: what differs
/// only in whitespace and comments between tokens is the same; a change
/// inside a token (a literal, a quoted name, a keyword's case) is not.
///
/// ```
/// use retort_sql::{same_code, Dialect};
/// assert!(same_code(Dialect::Postgres, "SELECT 1; -- one", "SELECT\n  /* 1 */ 1;"));
/// assert!(!same_code(Dialect::Postgres, "SELECT 'a'", "SELECT 'b'"));
/// ```
pub fn same_code(dialect: Dialect, a: &str, b: &str) -> bool {
    Lexed::new(dialect, a).code() == Lexed::new(dialect, b).code()
}

/// The tokens of `text` without whitespace and comments, as sqlparser
/// gives them; `None` when the tokenizer refuses any of it (an unclosed
/// string, say). For short texts read token by token: an expression, a
/// module's header.
///
/// ```
/// use retort_sql::{significant_tokens, Dialect, SqlToken};
/// let tokens = significant_tokens(Dialect::Mssql, "([a] >= /* zero */ 0)").unwrap_or_default();
/// assert_eq!(tokens.len(), 5);
/// assert_eq!(tokens[0], SqlToken::LParen);
/// assert!(significant_tokens(Dialect::Mssql, "'open").is_none());
/// ```
pub fn significant_tokens(dialect: Dialect, text: &str) -> Option<Vec<SqlToken>> {
    let lexed = Lexed::new(dialect, text);
    if lexed.unreadable().is_some() {
        return None;
    }
    Some(lexed.tokens.into_iter().filter(|t| !t.is_trivia()).map(|t| t.token).collect())
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    u32::try_from(text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1).unwrap_or(u32::MAX)
}

/// See [`Token::is_literal`].
pub(crate) fn is_literal(token: &SqlToken) -> bool {
    matches!(
        token,
        SqlToken::SingleQuotedString(_)
            | SqlToken::DoubleQuotedString(_)
            | SqlToken::NationalStringLiteral(_)
            | SqlToken::EscapedStringLiteral(_)
            | SqlToken::UnicodeStringLiteral(_)
            | SqlToken::HexStringLiteral(_)
            | SqlToken::SingleQuotedByteStringLiteral(_)
            | SqlToken::DoubleQuotedByteStringLiteral(_)
            | SqlToken::DollarQuotedString(_)
    )
}

/// A tokenizer line number as `u32`.
fn lines(line: u64) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Whether `rest` starts a string, quoted name or comment: what the
/// tokenizer refuses when it never closes.
fn opens_quote_or_comment(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        Some('\'' | '"' | '`' | '[' | '$') => true,
        Some('/') => chars.next() == Some('*'),
        // N'…', E'…', X'…', B'…', U&'…'.
        Some(c) if c.is_ascii_alphabetic() => {
            let after = chars.as_str();
            after.starts_with(['\'', '"']) || after.starts_with("&'")
        }
        _ => false,
    }
}

/// Where a comment opens inside a token that is not a literal, quoted
/// name or comment (`written` is the token, `length` bytes, and the
/// character after it).
/// sqlparser reads `|/` (PostgreSQL's square root) in every dialect and
/// PostgreSQL's operators greedily, so `a ||/* c */ b` would hide the
/// comment's opening in an operator; every dialect's own lexer ends an
/// operator where a comment opens.
fn comment_inside(token: &SqlToken, written: &str, length: usize) -> Option<usize> {
    let quoted = match token {
        SqlToken::Word(word) => word.quote_style.is_some(),
        SqlToken::Whitespace(_) => true,
        other => is_literal(other),
    };
    if quoted {
        return None;
    }
    [written.find("/*"), written.find("--")].into_iter().flatten().min().filter(|&at| at > 0 && at < length)
}

/// A walk over a text that counts lines and columns as sqlparser does.
struct Walk<'t> {
    text: &'t str,
    offset: usize,
    line: u64,
    column: u64,
}

impl Walk<'_> {
    fn advance_to(&mut self, to: Location) {
        while (self.line, self.column) < (to.line, to.column) {
            let Some(c) = self.text[self.offset..].chars().next() else { return };
            self.offset += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect::{Mssql, Postgres, Sqlite};

    fn code(dialect: Dialect, sql: &str) -> Vec<&str> {
        Lexed::new(dialect, sql).code()
    }

    #[test]
    fn tokens_cover_the_text_with_lines_when_it_has_multibyte_characters_and_crlf() {
        let sql = "SELECT 'é',\r\n  \"ü\" -- ß\r\nFROM t;";
        for dialect in [Sqlite, Postgres, Mssql] {
            let lexed = Lexed::new(dialect, sql);
            let texts: Vec<&str> = lexed.tokens().iter().map(|t| lexed.text_of(t)).collect();
            assert_eq!(texts.concat(), sql, "{dialect:?}");
            let placed: Vec<(u32, &str)> =
                lexed.tokens().iter().filter(|t| !t.is_trivia()).map(|t| (t.line, lexed.text_of(t))).collect();
            assert_eq!(
                placed,
                [(1, "SELECT"), (1, "'é'"), (1, ","), (2, "\"ü\""), (3, "FROM"), (3, "t"), (3, ";")],
                "{dialect:?}"
            );
        }
    }

    #[test]
    fn sqlite_reads_brackets_backticks_double_quotes_and_blobs_when_they_hold_delimiters() {
        assert_eq!(
            code(Sqlite, "SELECT [a;b], `c``d`, \"e\"\"f\", x'00ff', 'it''s' -- x\n"),
            ["SELECT", "[a;b]", ",", "`c``d`", ",", "\"e\"\"f\"", ",", "x'00ff'", ",", "'it''s'"]
        );
        // SQLite's comments do not nest: the first `*/` ends this one.
        assert_eq!(code(Sqlite, "/* a /* b */ SELECT 1"), ["SELECT", "1"]);
    }

    #[test]
    fn postgres_reads_dollar_quotes_escape_strings_and_nested_comments() {
        assert_eq!(
            code(Postgres, "SELECT $$a;'b$$, $fn$ x $$ y $fn$, E'it\\'s', /* a /* b */ c */ 1"),
            ["SELECT", "$$a;'b$$", ",", "$fn$ x $$ y $fn$", ",", "E'it\\'s'", ",", "1"]
        );
    }

    #[test]
    fn tsql_reads_brackets_national_strings_and_nested_comments() {
        assert_eq!(
            code(Mssql, "SELECT [a]]b], N'it''s', \"c\"\"d\" /* a /* b */ GO */ FROM #t WHERE @p = $1.5"),
            ["SELECT", "[a]]b]", ",", "N'it''s'", ",", "\"c\"\"d\"", "FROM", "#t", "WHERE", "@p", "=", "$1.5"]
        );
    }

    #[test]
    fn lexed_runs_an_unclosed_literal_or_comment_to_the_end() {
        let sql = "SELECT 1;\nSELECT N'open;\nGO\n";
        let lexed = Lexed::new(Mssql, sql);
        assert_eq!(lexed.unclosed(), Some(&Unclosed { start: sql.find("N'").unwrap_or(0), line: 2 }));
        assert_eq!(lexed.unreadable().map(|u| u.line), Some(2));
        assert_eq!(lexed.code(), ["SELECT", "1", ";", "SELECT", "N'open;\nGO\n"]);
        let comment = Lexed::new(Postgres, "SELECT 1 /* never closed\n");
        assert_eq!(comment.code(), ["SELECT", "1"]);
        assert!(comment.unreadable().is_some_and(|u| u.reason.contains("comment")));
    }

    #[test]
    fn lexed_reads_on_after_a_character_the_tokenizer_refuses() {
        let lexed = Lexed::new(Postgres, "SELECT @-1;\nSELECT 2;");
        assert!(lexed.unreadable().is_some());
        assert_eq!(lexed.unclosed(), None);
        assert_eq!(lexed.code(), ["SELECT", "@", "-", "1", ";", "SELECT", "2", ";"]);
        assert_eq!(lexed.tokens().last().map(|t| t.line), Some(2));
    }

    #[test]
    fn an_operator_ends_where_a_comment_opens() {
        for dialect in [Sqlite, Postgres, Mssql] {
            assert_eq!(code(dialect, "SELECT a ||/* ; */ b, c |/* x */ d, e <-- f\n;"), ["SELECT", "a", "||", "b", ",", "c", "|", "d", ",", "e", "<", ";"]);
        }
        let lexed = Lexed::new(Postgres, "SELECT 1 +/* x */ 2;");
        let texts: Vec<&str> = lexed.tokens().iter().map(|t| lexed.text_of(t)).collect();
        assert_eq!(texts.concat(), "SELECT 1 +/* x */ 2;");
    }

    #[test]
    fn a_leading_byte_order_mark_is_whitespace() {
        for dialect in [Sqlite, Postgres, Mssql] {
            let lexed = Lexed::new(dialect, "\u{feff}SELECT 1");
            assert_eq!(lexed.code(), ["SELECT", "1"], "{dialect:?}");
            assert_eq!(lexed.skip_trivia(0), 3);
        }
    }

    #[test]
    fn same_code_is_true_when_only_comments_and_whitespace_differ() {
        assert!(same_code(Mssql, "CREATE TABLE t (id int) -- the table\n", "CREATE   TABLE t(\n  id int /* key */)"));
        assert!(!same_code(Mssql, "SELECT 'a  b'", "SELECT 'a b'"));
        assert!(!same_code(Mssql, "SELECT 1", "select 1"));
        assert!(!same_code(Postgres, "SELECT 1", "SELECT 1;"));
    }

    #[test]
    fn skip_trivia_passes_line_and_block_comments() {
        let sql = "  -- a\n /* b */\tSELECT";
        assert_eq!(&sql[Lexed::new(Sqlite, sql).skip_trivia(0)..], "SELECT");
        assert_eq!(Lexed::new(Sqlite, "-- only").skip_trivia(0), 7);
        assert_eq!(Lexed::new(Sqlite, "SELECT 1; /* open").skip_trivia(9), 17);
        assert_eq!(Lexed::new(Sqlite, "SELECT 1; 'open").skip_trivia(9), 10);
    }

    #[test]
    fn line_at_counts_line_breaks_before_the_offset() {
        assert_eq!(line_at("a\nb\nc", 4), 3);
        assert_eq!(line_at("a\nb", 99), 2);
        assert_eq!(line_at("", 0), 1);
    }
}
