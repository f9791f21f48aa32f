//! What each stretch of a text is, lexically: code, a literal, a quoted name
//! or a comment. Text is rewritten or searched only in code (parameters
//! renumbered, lines indented, parentheses matched), never inside the rest.

use std::ops::Range;

use sqlparser::tokenizer::{Token as SqlToken, Whitespace};

use crate::lexer::{Lexed, Token};

/// What a stretch of text is, lexically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Keywords, names, operators, numbers, blanks between them.
    Code,
    /// A string literal, with its quotes (a prefix such as `N`, `E` or `X`
    /// is code).
    Literal,
    /// A quoted name (`[…]`, `"…"`, `` `…` ``), with its delimiters.
    Identifier,
    /// A comment, with its delimiters; a `--` comment with its line break.
    Comment,
}

impl Lexed<'_> {
    /// Cuts the text into maximal stretches of code, and each literal,
    /// quoted name and comment on its own, in order, covering it.
    pub fn segments(&self) -> Vec<(Kind, Range<usize>)> {
        let mut out: Vec<(Kind, Range<usize>)> = Vec::new();
        let mut after_line_comment = false;
        let push = |kind: Kind, range: Range<usize>, out: &mut Vec<(Kind, Range<usize>)>| {
            if range.is_empty() {
                return;
            }
            match out.last_mut() {
                Some((Kind::Code, last)) if kind == Kind::Code && last.end == range.start => last.end = range.end,
                _ => out.push((kind, range)),
            }
        };
        for token in self.tokens() {
            let range = token.start..token.end;
            match &token.token {
                // A line comment ends with its line break.
                SqlToken::Whitespace(Whitespace::Newline) if after_line_comment => {
                    if let Some((_, last)) = out.last_mut() {
                        last.end = range.end;
                    }
                }
                SqlToken::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_)) => {
                    push(Kind::Comment, range, &mut out)
                }
                SqlToken::Word(word) if word.quote_style.is_some() => push(Kind::Identifier, range, &mut out),
                _ => match literal_opening(token, self.text_of(token)) {
                    Some(at) => {
                        push(Kind::Code, range.start..range.start + at, &mut out);
                        push(Kind::Literal, range.start + at..range.end, &mut out);
                    }
                    None => push(Kind::Code, range, &mut out),
                },
            }
            after_line_comment =
                matches!(token.token, SqlToken::Whitespace(Whitespace::SingleLineComment { .. }));
        }
        if let Some(rest) = self.unclosed_text() {
            let start = self.text().len() - rest.len();
            // A prefix (`N'`, `U&'`) is code, as in a closed literal.
            let prefix = rest.find(['\'', '"', '[', '`', '$', '/']).unwrap_or(0);
            let kind = match rest[prefix..].chars().next() {
                Some('/') => Kind::Comment,
                Some('"' | '[' | '`') => Kind::Identifier,
                _ => Kind::Literal,
            };
            push(Kind::Code, start..start + prefix, &mut out);
            push(kind, start + prefix..self.text().len(), &mut out);
        }
        out
    }

    /// Whether the text holds anything besides whitespace and comments.
    pub fn has_code(&self) -> bool {
        self.tokens().iter().any(|t| !t.is_trivia())
            || self.unclosed_text().is_some_and(|rest| !rest.starts_with("/*"))
    }

    /// The first `count` words of code (keywords, plain names, numbers),
    /// uppercased, skipping comments; stops at the first literal, quoted
    /// name or punctuation.
    pub fn leading_words(&self, count: usize) -> Vec<String> {
        let mut words = Vec::new();
        for token in self.tokens().iter().filter(|t| !t.is_trivia()) {
            if words.len() == count {
                break;
            }
            let text = self.text_of(token);
            let plain = match &token.token {
                SqlToken::Word(word) => word.quote_style.is_none(),
                SqlToken::Number(..) | SqlToken::Placeholder(_) => {
                    text.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '#' | '@' | '$'))
                }
                _ => false,
            };
            if !plain {
                break;
            }
            words.push(text.to_uppercase());
        }
        words
    }
}

/// Where the quoted part of a literal token starts (after a prefix such
/// as `N`, `E`, `X` or `U&`); `None` when the token is not a literal (a
/// `0x1F` number is code, although sqlparser files it with `X'1F'`).
fn literal_opening(token: &Token, text: &str) -> Option<usize> {
    token.is_literal().then(|| text.find(['\'', '"', '$'])).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    fn of(kind: Kind, sql: &str) -> Vec<&str> {
        let lexed = Lexed::new(Dialect::Mssql, sql);
        lexed.segments().into_iter().filter(|s| s.0 == kind).map(|s| &sql[s.1]).collect()
    }

    #[test]
    fn segments_cover_the_text_and_separate_adjacent_literals() {
        let sql = "SELECT 'a''b' 'c', N'n', [x]]y] /* n /* m */ */ -- t\n1";
        let segments = Lexed::new(Dialect::Mssql, sql).segments();
        assert_eq!(segments.first().map(|s| s.1.start), Some(0));
        assert_eq!(segments.last().map(|s| s.1.end), Some(sql.len()));
        assert_eq!(of(Kind::Literal, sql), ["'a''b'", "'c'", "'n'"]);
        assert_eq!(of(Kind::Identifier, sql), ["[x]]y]"]);
        assert_eq!(of(Kind::Comment, sql), ["/* n /* m */ */", "-- t\n"]);
        assert_eq!(of(Kind::Code, sql), ["SELECT ", " ", ", N", ", ", " ", " ", "1"]);
    }

    #[test]
    fn segments_give_an_unclosed_rest_its_kind() {
        assert_eq!(of(Kind::Literal, "SELECT N'open"), ["'open"]);
        assert_eq!(of(Kind::Identifier, "SELECT [open"), ["[open"]);
        assert_eq!(of(Kind::Comment, "SELECT 1 /* open"), ["/* open"]);
        assert_eq!(of(Kind::Code, "SELECT 0x1F"), ["SELECT 0x1F"]);
    }

    #[test]
    fn has_code_is_false_when_only_blanks_and_comments() {
        let lexed = |sql| Lexed::new(Dialect::Mssql, sql);
        assert!(!lexed(" -- a\n/* b /* c */ */\r\n").has_code());
        assert!(!lexed("/* never closed").has_code());
        assert!(lexed("-- a\nSELECT 1").has_code());
        assert!(lexed("'open").has_code());
    }

    #[test]
    fn leading_words_skip_comments_and_stop_at_punctuation_or_quotes() {
        let lexed = |sql| Lexed::new(Dialect::Mssql, sql);
        assert_eq!(lexed("-- c\n/* d */ create or alter view").leading_words(3), ["CREATE", "OR", "ALTER"]);
        assert_eq!(lexed("CREATE PROC dbo.p").leading_words(4), ["CREATE", "PROC", "DBO"]);
        assert_eq!(lexed("EXEC [p] x").leading_words(4), ["EXEC"]);
        assert_eq!(lexed("SET @x = 1").leading_words(4), ["SET", "@X"]);
    }
}
