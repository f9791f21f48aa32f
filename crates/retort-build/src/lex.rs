//! Why a Rust revision cannot even be split into tokens.
//!
//! syn reports a lexer failure as proc-macro2's `LexError`, whose message is
//! only "cannot parse string into token stream". With `span-locations` its
//! span is the place the lexer stopped (the opening delimiter when the file
//! ends inside a group, the closing one when it closes the wrong group), but
//! nothing says why. This scan walks the file by the lexer's rules, just far
//! enough to say it: a delimiter that is never closed or closed by the wrong
//! one, or a string, character literal or block comment that does not end.
//! Everything else (identifiers, numbers, punctuation) is stepped over.

use crate::error::{closing, Error, LiteralKind, Location};

/// The first problem that stops the lexer in `text`, if it is one this scan
/// knows, located in `path`; with where the lexer stops, which is the
/// error's location except for a mismatched delimiter (the lexer stops at
/// the closing one, the error points at the open one).
///
/// The caller only asks when the lexer has failed, and checks that the
/// lexer stopped there: a malformed literal (such as `'ab'` or `"\q"`)
/// stops the lexer without stopping this scan, which then may find nothing
/// or something later.
pub(crate) fn find_problem(path: &str, text: &str) -> Option<(Error, Location)> {
    let error = first_problem(path, text)?;
    let stop = match &error {
        Error::MismatchedDelimiter { closed, .. } => closed.clone(),
        other => other.location()?.clone(),
    };
    Some((error, stop))
}

fn first_problem(path: &str, text: &str) -> Option<Error> {
    let mut cursor = Cursor::new(text);
    let at = |position: Position| Location::new(path, position.line, position.column);
    // The open delimiters, innermost last, with where each was opened.
    let mut open: Vec<(char, Position)> = Vec::new();
    while let Some(c) = cursor.peek(0) {
        let start = cursor.position;
        match c {
            '/' if cursor.peek(1) == Some('/') => cursor.skip_line(),
            '/' if cursor.peek(1) == Some('*') => {
                if !cursor.skip_block_comment() {
                    return Some(Error::UnterminatedComment { at: at(start) });
                }
            }
            '(' | '[' | '{' => {
                open.push((c, start));
                cursor.bump();
            }
            ')' | ']' | '}' => match open.pop() {
                None => {
                    return Some(Error::UnexpectedClosingDelimiter {
                        at: at(start),
                        delimiter: c,
                    })
                }
                Some((opening, opened)) if closing(opening) != c => {
                    return Some(Error::MismatchedDelimiter {
                        at: at(opened),
                        open: opening,
                        close: c,
                        closed: at(start),
                    })
                }
                Some(_) => cursor.bump(),
            },
            '"' => {
                if !cursor.skip_quoted() {
                    return Some(unterminated(at(start), LiteralKind::Str));
                }
            }
            '\'' => {
                if !cursor.skip_char_or_lifetime() {
                    return Some(unterminated(at(start), LiteralKind::Char));
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let word = cursor.take_word();
                if let Some(kind) = cursor.skip_prefixed_literal(&word) {
                    return Some(unterminated(at(start), kind));
                }
            }
            _ => cursor.bump(),
        }
    }
    // Like the lexer, name the innermost group: the outer ones are usually
    // only open because it is.
    open.pop()
        .map(|(delimiter, opened)| Error::UnclosedDelimiter {
            at: at(opened),
            delimiter,
        })
}

fn unterminated(at: Location, kind: LiteralKind) -> Error {
    Error::UnterminatedLiteral { at, kind }
}

/// A 1-based line and column, columns counted in characters as in
/// [`Location`].
#[derive(Debug, Clone, Copy)]
struct Position {
    line: usize,
    column: usize,
}

/// The text as characters, read front to back.
struct Cursor {
    chars: Vec<char>,
    index: usize,
    position: Position,
}

impl Cursor {
    fn new(text: &str) -> Self {
        Self {
            chars: text.chars().collect(),
            index: 0,
            position: Position { line: 1, column: 1 },
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.index + ahead).copied()
    }

    fn bump(&mut self) {
        let Some(c) = self.peek(0) else {
            return;
        };
        self.index += 1;
        if c == '\n' {
            self.position.line += 1;
            self.position.column = 1;
        } else {
            self.position.column += 1;
        }
    }

    fn bump_by(&mut self, count: usize) {
        for _ in 0..count {
            self.bump();
        }
    }

    /// Skips a `//` comment (doc comments included) up to the newline.
    fn skip_line(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    /// Skips a `/* */` comment, which nests; `false` when the file ends
    /// inside it.
    fn skip_block_comment(&mut self) -> bool {
        let mut depth = 0usize;
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some('/'), Some('*')) => {
                    depth += 1;
                    self.bump_by(2);
                }
                (Some('*'), Some('/')) => {
                    depth -= 1;
                    self.bump_by(2);
                    if depth == 0 {
                        return true;
                    }
                }
                (Some(_), _) => self.bump(),
                (None, _) => return false,
            }
        }
    }

    /// Skips a `"…"` body from its opening quote, where `\` escapes the next
    /// character; `false` when the file ends inside it.
    fn skip_quoted(&mut self) -> bool {
        self.bump();
        loop {
            match self.peek(0) {
                Some('"') => {
                    self.bump();
                    return true;
                }
                Some('\\') => self.bump_by(2),
                Some(_) => self.bump(),
                None => return false,
            }
        }
    }

    /// Skips a character literal, or the quote of a lifetime or label (whose
    /// name is read as a word next); `false` for an escape that the line
    /// ends before closing.
    ///
    /// `'x'` is a character and `'x` followed by anything else a lifetime,
    /// which is how the lexer tells them apart too.
    fn skip_char_or_lifetime(&mut self) -> bool {
        match (self.peek(1), self.peek(2)) {
            (Some('\\'), _) => {
                // `'\n'`, `'\''`, and the longer `'\x7f'` and `'\u{1F600}'`.
                self.bump_by(3);
                loop {
                    match self.peek(0) {
                        Some('\'') => {
                            self.bump();
                            return true;
                        }
                        Some('\n') | None => return false,
                        Some(_) => self.bump(),
                    }
                }
            }
            (Some(c), Some('\'')) if c != '\n' => {
                self.bump_by(3);
                true
            }
            _ => {
                self.bump();
                true
            }
        }
    }

    /// Reads an identifier, keyword or number.
    fn take_word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek(0).filter(|&c| c.is_alphanumeric() || c == '_') {
            word.push(c);
            self.bump();
        }
        word
    }

    /// After `word`, skips the literal it prefixes (`b"…"`, `c"…"`, `b'x'`,
    /// `r#"…"#`, `br"…"`, `cr"…"`); the kind of literal when the file ends
    /// inside it. Any other word prefixes nothing.
    fn skip_prefixed_literal(&mut self, word: &str) -> Option<LiteralKind> {
        match (word, self.peek(0)) {
            ("b", Some('"')) => (!self.skip_quoted()).then_some(LiteralKind::ByteStr),
            ("c", Some('"')) => (!self.skip_quoted()).then_some(LiteralKind::CStr),
            ("b", Some('\'')) => (!self.skip_char_or_lifetime()).then_some(LiteralKind::Byte),
            ("r" | "br" | "cr", Some('"' | '#')) => {
                let hashes = (0..).take_while(|&i| self.peek(i) == Some('#')).count();
                if self.peek(hashes) != Some('"') {
                    // A raw identifier (`r#type`) or a `#` of its own.
                    return None;
                }
                self.bump_by(hashes + 1);
                if self.skip_raw_body(hashes) {
                    return None;
                }
                Some(match word {
                    "r" => LiteralKind::RawStr { hashes },
                    "br" => LiteralKind::RawByteStr { hashes },
                    _ => LiteralKind::RawCStr { hashes },
                })
            }
            _ => None,
        }
    }

    /// Skips a raw string's body up to `"` and `hashes` `#`s, without
    /// escapes; `false` when the file ends first.
    fn skip_raw_body(&mut self, hashes: usize) -> bool {
        loop {
            match self.peek(0) {
                Some('"') if (1..=hashes).all(|i| self.peek(i) == Some('#')) => {
                    self.bump_by(hashes + 1);
                    return true;
                }
                Some(_) => self.bump(),
                None => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "migrations/x.rs";

    fn problem(text: &str) -> Option<Error> {
        find_problem(PATH, text).map(|(error, _)| error)
    }

    fn at(line: usize, column: usize) -> Location {
        Location::new(PATH, line, column)
    }

    /// Where proc-macro2's lexer stops in `text`, 1-based like `at`.
    fn lexer_stop(text: &str) -> Location {
        let error = text
            .parse::<proc_macro2::TokenStream>()
            .expect_err("the lexer rejects the text");
        let start = error.span().start();
        at(start.line, start.column + 1)
    }

    /// Asserts that the scan finds `expected`, and stops where the lexer
    /// stops.
    fn assert_problem(text: &str, expected: Error) {
        let (error, stop) = find_problem(PATH, text).expect("a problem");
        assert_eq!(error, expected, "in {text:?}");
        assert_eq!(stop, lexer_stop(text), "in {text:?}");
    }

    #[test]
    fn find_problem_names_innermost_open_delimiter_when_file_ends_inside_it() {
        assert_problem(
            "fn a() {\n    foo(1, 2\n",
            Error::UnclosedDelimiter {
                at: at(2, 8),
                delimiter: '(',
            },
        );
        assert_problem(
            "const A: &[&str] = &[\"a\";\n",
            Error::UnclosedDelimiter {
                at: at(1, 21),
                delimiter: '[',
            },
        );
    }

    #[test]
    fn find_problem_names_both_delimiters_when_a_group_is_closed_by_the_wrong_one() {
        assert_problem(
            "fn a() {\n    foo(1, 2;\n}\n",
            Error::MismatchedDelimiter {
                at: at(2, 8),
                open: '(',
                close: '}',
                closed: at(3, 1),
            },
        );
    }

    #[test]
    fn find_problem_reports_unexpected_close_when_nothing_is_open() {
        assert_problem(
            "fn a() {}\n}\n",
            Error::UnexpectedClosingDelimiter {
                at: at(2, 1),
                delimiter: '}',
            },
        );
    }

    #[test]
    fn find_problem_reports_unterminated_literal_at_its_start_when_file_ends_inside_it() {
        for (text, expected_at, kind) in [
            (
                "fn a() {\n    let s = \"abc;\n}\n",
                at(2, 13),
                LiteralKind::Str,
            ),
            // The escaped quote does not end the string.
            ("const P: &str = \"C:\\\";\n", at(1, 17), LiteralKind::Str),
            (
                "const B: &[u8] = b\"abc;\n",
                at(1, 18),
                LiteralKind::ByteStr,
            ),
            ("const C: &CStr = c\"abc;\n", at(1, 18), LiteralKind::CStr),
            (
                "const R: &str = r#\"a \"quoted\" b\";\n",
                at(1, 17),
                LiteralKind::RawStr { hashes: 1 },
            ),
            (
                "const R: &[u8] = br##\"a\"# b\";\n",
                at(1, 18),
                LiteralKind::RawByteStr { hashes: 2 },
            ),
            (
                "const Q: char = '\\u{1F600};\n",
                at(1, 17),
                LiteralKind::Char,
            ),
            ("const Q: u8 = b'\\x7f;\n", at(1, 15), LiteralKind::Byte),
        ] {
            assert_problem(
                text,
                Error::UnterminatedLiteral {
                    at: expected_at,
                    kind,
                },
            );
        }
    }

    #[test]
    fn find_problem_reports_unterminated_comment_at_outer_start_when_inner_one_closes() {
        assert_problem(
            "fn a() {}\n/* outer /* inner */\nfn b() {}\n",
            Error::UnterminatedComment { at: at(2, 1) },
        );
    }

    #[test]
    fn find_problem_ignores_delimiters_and_quotes_in_literals_comments_and_lifetimes() {
        let text = "// a ( in a comment\n\
                    /* nested /* ( */ ] */\n\
                    /// doc with \"\n\
                    fn f<'a>(x: &'a str) -> char {\n\
                    \x20   let _ = (')', '\"', '\\'', '\\\\', b'[', \"}\\\"\", b\"{\", c\"(\");\n\
                    \x20   let _ = (r\"\\\", r#\"\"(\"#, br##\"]\"#\"##, cr\"[\");\n\
                    \x20   let r#type = 'label: loop { break 'label '{'; };\n\
                    \x20   let bar = 1; let _ = (bar, r#type, 0x1f_u8, 1.5e3);\n\
                    \x20   '}'\n\
                    }\n";
        assert!(text.parse::<proc_macro2::TokenStream>().is_ok(), "{text}");
        assert_eq!(problem(text), None);
    }

    #[test]
    fn find_problem_counts_columns_in_characters_when_line_has_multibyte_text() {
        assert_problem(
            "const M: &str = \"café\"; fn a() {\n",
            Error::UnclosedDelimiter {
                at: at(1, 32),
                delimiter: '{',
            },
        );
    }

    #[test]
    fn find_problem_finds_nothing_when_the_lexer_stops_at_a_malformed_literal() {
        // The lexer rejects these at the quote; the scan has nothing to say
        // there, so the caller reports the lexer's place.
        assert_eq!(problem("const C: char = 'ab';\n"), None);
        assert_eq!(problem("const S: &str = \"\\q\";\n"), None);
    }
}
