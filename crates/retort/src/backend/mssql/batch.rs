//! Splitting T-SQL scripts into batches on `GO` lines, the way `sqlcmd` does,
//! and the small lexical questions the rest of the backend asks about a batch.
//!
//! `GO` is not T-SQL: it is the client's batch separator. A line is a
//! separator when, outside any string literal, quoted identifier or comment,
//! it holds only `GO` (any case), optionally followed by a repeat count
//! (`GO 5`, at least 1) and a `--` comment, with blanks around. Everything
//! else is batch text, sent to the server unchanged.
//!
//! One lexer serves everything here: `'…'` and `N'…'` literals (`''` is an
//! escaped quote), `[…]` identifiers (`]]` escapes), `"…"` identifiers or
//! strings (`""` escapes), `--` line comments and `/* … */` block comments,
//! which nest in T-SQL. Every delimiter is ASCII, so the lexer walks bytes and
//! only ever cuts the text at ASCII positions, which are UTF-8 boundaries.

use std::ops::Range;

/// One batch of a script: the text between two separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Batch {
    /// The batch text exactly as in the script, without its `GO` line.
    pub sql: String,
    /// The 1-based line of the script on which `sql` starts.
    pub first_line: u32,
    /// How many times to run it: the count of `GO n`, else 1.
    pub repeat: u32,
    /// Where `sql` is in the script.
    pub span: Range<usize>,
    /// Where the `GO` line that ended the batch is, its line break included;
    /// `None` for the text after the last separator.
    pub separator: Option<Range<usize>>,
}

impl Batch {
    /// Whether the batch holds anything the server would execute: a batch of
    /// blanks and comments does nothing, so it is not sent.
    pub fn has_code(&self) -> bool {
        has_code(&self.sql)
    }
}

/// The batches of `script` that hold code, in order: what a client sends.
pub(crate) fn split_batches(script: &str) -> Vec<Batch> {
    split_pieces(script)
        .into_iter()
        .filter(Batch::has_code)
        .collect()
}

/// Every piece of `script`, blank ones included. The pieces partition the
/// script: concatenating each piece's `span` and `separator`, in order,
/// gives back the script byte for byte.
pub(crate) fn split_pieces(script: &str) -> Vec<Batch> {
    let bytes = script.as_bytes();
    let mut pieces = Vec::new();
    let mut state = State::Code;
    let mut start = 0;
    let mut first_line = 1u32;
    let mut line = 1u32;
    let mut pos = 0;
    while pos < bytes.len() {
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| pos + at + 1);
        // Only a line that starts outside any literal or comment can be a
        // separator (a line comment always ends at the line break).
        let repeat = if state == State::Code {
            go_line(&script[pos..end])
        } else {
            None
        };
        match repeat {
            Some(repeat) => {
                pieces.push(Batch {
                    sql: script[start..pos].to_owned(),
                    first_line,
                    repeat,
                    span: start..pos,
                    separator: Some(pos..end),
                });
                start = end;
                // A `GO` on the script's last line without a line break
                // leaves an empty piece on that same line.
                first_line = if bytes[end - 1] == b'\n' {
                    line.saturating_add(1)
                } else {
                    line
                };
            }
            None => {
                let mut at = pos;
                while at < end {
                    (state, at) = advance(state, bytes, at);
                }
            }
        }
        if bytes[end - 1] == b'\n' {
            line = line.saturating_add(1);
        }
        pos = end;
    }
    pieces.push(Batch {
        sql: script[start..].to_owned(),
        first_line,
        repeat: 1,
        span: start..script.len(),
        separator: None,
    });
    pieces
}

/// Joins batches back into a script with a `GO` line (`GO n` for repeated
/// batches) after each batch that a `GO` line ended.
///
/// A batch that a `GO` line ended is empty or ends with a line break, so no
/// line break is added; `split_pieces(&join(&split_pieces(s)))` therefore has
/// the same texts and repeat counts as `split_pieces(s)`.
#[cfg(test)]
pub(crate) fn join(batches: &[Batch]) -> String {
    let mut out = String::new();
    for batch in batches {
        out.push_str(&batch.sql);
        if batch.separator.is_some() {
            if !batch.sql.is_empty() && !batch.sql.ends_with('\n') {
                out.push('\n');
            }
            match batch.repeat {
                1 => out.push_str("GO\n"),
                n => out.push_str(&format!("GO {n}\n")),
            }
        }
    }
    out
}

/// The repeat count when `line` (with its line break) is a `GO` separator.
fn go_line(line: &str) -> Option<u32> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let rest = line.trim_start_matches(is_blank);
    let after_go = rest
        .get(..2)
        .filter(|go| go.eq_ignore_ascii_case("go"))
        .map(|_| &rest[2..])?;
    // `GO` must end there: `GOTO label` and `GO5` are not separators.
    if !(after_go.is_empty() || after_go.starts_with(is_blank) || after_go.starts_with("--")) {
        return None;
    }
    let rest = after_go.trim_start_matches(is_blank);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let repeat = if digits == 0 {
        1
    } else {
        rest[..digits].parse::<u32>().ok().filter(|&n| n >= 1)?
    };
    let rest = rest[digits..].trim_start_matches(is_blank);
    (rest.is_empty() || rest.starts_with("--")).then_some(repeat)
}

/// Blanks inside a line (the line break itself ends the line).
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

/// Where the lexer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    /// In a `'…'` literal.
    Literal,
    /// In a `[…]` identifier.
    Bracketed,
    /// In a `"…"` identifier (or string, with `QUOTED_IDENTIFIER OFF`).
    Quoted,
    /// In a `--` comment, until the line break.
    LineComment,
    /// In a block comment nested this deep (at least 1).
    BlockComment(u32),
}

/// Consumes one lexical step at `at`: one byte, or two for the two-byte
/// delimiters (`--`, `/*`, `*/`) and escapes (`''`, `]]`, `""`).
fn advance(state: State, bytes: &[u8], at: usize) -> (State, usize) {
    let here = bytes[at];
    let next = bytes.get(at + 1).copied();
    match state {
        State::Code => match (here, next) {
            (b'\'', _) => (State::Literal, at + 1),
            (b'[', _) => (State::Bracketed, at + 1),
            (b'"', _) => (State::Quoted, at + 1),
            (b'-', Some(b'-')) => (State::LineComment, at + 2),
            (b'/', Some(b'*')) => (State::BlockComment(1), at + 2),
            _ => (State::Code, at + 1),
        },
        State::Literal => close(state, here, next, b'\'', at),
        State::Bracketed => close(state, here, next, b']', at),
        State::Quoted => close(state, here, next, b'"', at),
        State::LineComment if here == b'\n' => (State::Code, at + 1),
        State::LineComment => (state, at + 1),
        State::BlockComment(depth) => match (here, next) {
            (b'*', Some(b'/')) if depth == 1 => (State::Code, at + 2),
            (b'*', Some(b'/')) => (State::BlockComment(depth - 1), at + 2),
            (b'/', Some(b'*')) => (State::BlockComment(depth.saturating_add(1)), at + 2),
            _ => (state, at + 1),
        },
    }
}

/// A quoted construct ends at its closing delimiter unless it is doubled.
fn close(state: State, here: u8, next: Option<u8>, delimiter: u8, at: usize) -> (State, usize) {
    match (here == delimiter, next == Some(delimiter)) {
        (true, true) => (state, at + 2),
        (true, false) => (State::Code, at + 1),
        (false, _) => (state, at + 1),
    }
}

/// What a stretch of text is, lexically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Keywords, names, operators, numbers, blanks between them.
    Code,
    /// A string literal, with its quotes (and `N` prefix, which is code).
    Literal,
    /// A `[…]` or `"…"` identifier, with its delimiters.
    Identifier,
    /// A comment, with its delimiters.
    Comment,
}

/// Cuts `sql` into maximal stretches of one [`Kind`], in order, covering it.
pub(crate) fn segments(sql: &str) -> Vec<(Kind, Range<usize>)> {
    let bytes = sql.as_bytes();
    let mut out: Vec<(Kind, Range<usize>)> = Vec::new();
    let mut state = State::Code;
    let mut at = 0;
    while at < bytes.len() {
        let before = state;
        let (after, next) = advance(state, bytes, at);
        // A step belongs to the construct it opens, continues or closes.
        let kind = match (before, after) {
            (State::Code, State::Code) => Kind::Code,
            (State::Literal, _) | (_, State::Literal) => Kind::Literal,
            (State::Bracketed | State::Quoted, _) | (_, State::Bracketed | State::Quoted) => {
                Kind::Identifier
            }
            _ => Kind::Comment,
        };
        match out.last_mut() {
            Some((last, range))
                if *last == kind && range.end == at && !opens_new(before, after) =>
            {
                range.end = next
            }
            _ => out.push((kind, at..next)),
        }
        state = after;
        at = next;
    }
    out
}

/// Whether a step starts a new construct right after one of the same kind
/// ended (`'a''b'` is one literal, `'a' 'b'` two, and `'a''` never closes).
fn opens_new(before: State, after: State) -> bool {
    before == State::Code && after != State::Code
}

/// Whether `sql` holds anything besides blanks and comments.
pub(crate) fn has_code(sql: &str) -> bool {
    segments(sql)
        .iter()
        .any(|(kind, range)| *kind != Kind::Comment && !sql[range.clone()].trim().is_empty())
}

/// The first `count` words of code (keywords or plain names), uppercased,
/// skipping comments; stops at the first literal, quoted identifier or
/// punctuation.
pub(crate) fn leading_words(sql: &str, count: usize) -> Vec<String> {
    let mut words = Vec::new();
    for (kind, range) in segments(sql) {
        match kind {
            Kind::Comment => continue,
            Kind::Literal | Kind::Identifier => return words,
            Kind::Code => {
                let text = &sql[range];
                let mut rest = text.trim_start();
                while !rest.is_empty() {
                    let length = rest
                        .find(|c: char| {
                            !(c.is_alphanumeric() || c == '_' || c == '#' || c == '@' || c == '$')
                        })
                        .unwrap_or(rest.len());
                    if length == 0 {
                        return words;
                    }
                    words.push(rest[..length].to_ascii_uppercase());
                    if words.len() == count {
                        return words;
                    }
                    rest = rest[length..].trim_start();
                }
            }
        }
    }
    words
}

/// Whether the batch starts with a statement that SQL Server requires to be
/// the first of its batch (error 111): `CREATE`/`ALTER` of a view, procedure,
/// function or trigger, `CREATE SCHEMA`, `CREATE DEFAULT`, `CREATE RULE`.
/// Nothing may be put in front of such a batch, and in an idempotent script
/// it runs through `EXEC`.
pub(crate) fn starts_with_batch_first_statement(sql: &str) -> bool {
    let words = leading_words(sql, 4);
    let word = |index: usize| words.get(index).map(String::as_str);
    let module = |word: Option<&str>| {
        matches!(
            word,
            Some("VIEW" | "PROC" | "PROCEDURE" | "FUNCTION" | "TRIGGER")
        )
    };
    match word(0) {
        Some("CREATE") if word(1) == Some("OR") && word(2) == Some("ALTER") => module(word(3)),
        Some("CREATE") => module(word(1)) || matches!(word(1), Some("SCHEMA" | "DEFAULT" | "RULE")),
        Some("ALTER") => module(word(1)),
        _ => false,
    }
}

/// Shifts every `@Pn` parameter of `sql` (outside literals, identifiers and
/// comments) by `offset`, so that statements rendered with their own
/// numbering can share one parameterised request.
pub(crate) fn renumber_parameters(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    for (kind, range) in segments(sql) {
        let text = &sql[range];
        if kind != Kind::Code {
            out.push_str(text);
            continue;
        }
        let bytes = text.as_bytes();
        let mut copied = 0;
        let mut at = 0;
        while at < bytes.len() {
            let is_parameter = bytes[at] == b'@'
                && matches!(bytes.get(at + 1), Some(b'P'))
                && bytes.get(at + 2).is_some_and(u8::is_ascii_digit)
                && (at == 0
                    || !(bytes[at - 1].is_ascii_alphanumeric()
                        || matches!(bytes[at - 1], b'_' | b'@')));
            if !is_parameter {
                at += 1;
                continue;
            }
            let digits_end = at
                + 2
                + bytes[at + 2..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            let followed_by_word = bytes
                .get(digits_end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            match text[at + 2..digits_end].parse::<usize>() {
                Ok(number) if !followed_by_word => {
                    out.push_str(&text[copied..at]);
                    out.push_str(&format!("@P{}", number + offset));
                    copied = digits_end;
                }
                _ => {}
            }
            at = digits_end;
        }
        out.push_str(&text[copied..]);
    }
    out
}

/// `sql` as the text of an `N'…'` literal, for `EXEC(N'…')`.
pub(crate) fn as_exec(sql: &str) -> String {
    format!("EXEC(N'{}')", sql.replace('\'', "''"))
}

/// The 1-based line of `offset` in `text`.
#[cfg(test)]
pub(crate) fn line_of(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    u32::try_from(
        text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    )
    .unwrap_or(u32::MAX)
}

/// The text of `sql` from its 1-based `line` on (the whole text for line 0
/// or a line past the end): where the statement the server complains about starts.
/// The statement that starts on `line` of `sql`: from that line to its
/// first `;` outside literals, identifiers and comments (T-SQL statements
/// need none; then to the end of the batch). Comments before it are left
/// out.
pub(crate) fn statement_at_line(sql: &str, line: u32) -> &str {
    let rest = from_line(sql, line);
    let end = segments(rest)
        .into_iter()
        .filter(|(kind, _)| *kind == Kind::Code)
        .find_map(|(_, range)| rest[range.clone()].find(';').map(|at| range.start + at + 1))
        .unwrap_or(rest.len());
    let statement = &rest[..end];
    let start = segments(statement)
        .into_iter()
        .filter(|(kind, _)| *kind != Kind::Comment)
        .find_map(|(_, range)| statement[range.clone()].find(|c: char| !c.is_whitespace()).map(|at| range.start + at))
        .unwrap_or(0);
    &statement[start..]
}

pub(crate) fn from_line(sql: &str, line: u32) -> &str {
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

    fn texts(script: &str) -> Vec<(String, u32, u32)> {
        split_batches(script)
            .into_iter()
            .map(|b| (b.sql, b.first_line, b.repeat))
            .collect()
    }

    fn owned(items: &[(&str, u32, u32)]) -> Vec<(String, u32, u32)> {
        items
            .iter()
            .map(|(sql, line, repeat)| ((*sql).to_owned(), *line, *repeat))
            .collect()
    }

    #[test]
    fn split_batches_cuts_on_go_lines_and_records_first_lines() {
        let script =
            "CREATE TABLE a (id int);\nGO\nCREATE VIEW v AS SELECT id FROM a;\ngo\n\nSELECT 1;\n";
        assert_eq!(
            texts(script),
            owned(&[
                ("CREATE TABLE a (id int);\n", 1, 1),
                ("CREATE VIEW v AS SELECT id FROM a;\n", 3, 1),
                ("\nSELECT 1;\n", 5, 1),
            ])
        );
    }

    #[test]
    fn split_batches_reads_repeat_counts_comments_and_blanks_on_go_lines() {
        let script = "INSERT t DEFAULT VALUES;\n  Go 5  -- five rows\r\nSELECT 2\n\tGO\t-- done";
        assert_eq!(
            texts(script),
            owned(&[("INSERT t DEFAULT VALUES;\n", 1, 5), ("SELECT 2\n", 3, 1)])
        );
    }

    #[test]
    fn split_batches_keeps_lines_that_only_look_like_go() {
        for script in [
            "SELECT 1\nGOTO done\nSELECT 2",
            "SELECT 1\nGO5\nSELECT 2",
            "SELECT 1\nGO 0\nSELECT 2",
            "SELECT 1\nGO 2x\nSELECT 2",
            "SELECT 1\nGO;\nSELECT 2",
            "SELECT 1\nGO /* c */\nSELECT 2",
            "SELECT 1 GO\nSELECT 2",
            "SELECT 1\nGO 99999999999\nSELECT 2",
        ] {
            assert_eq!(split_batches(script).len(), 1, "{script:?}");
        }
    }

    #[test]
    fn split_batches_ignores_go_inside_literals_identifiers_and_comments() {
        for script in [
            "SELECT 'a\nGO\nb'",
            "SELECT N'it''s\nGO\n'",
            "SELECT [odd\nGO\n]]name]",
            "SELECT \"odd\nGO\n\"\"name\"",
            "/* outer /* inner */\nGO\n*/ SELECT 1",
            "SELECT 1 -- it's\n/*\nGO\n*/",
        ] {
            assert_eq!(split_batches(script).len(), 1, "{script:?}");
        }
        // A line comment ends at its line: the next line's GO counts.
        assert_eq!(split_batches("SELECT 1 -- '\nGO\nSELECT 2").len(), 2);
        // After a closed literal with an escaped quote, GO counts again.
        assert_eq!(split_batches("SELECT 'it''s'\nGO\nSELECT 2").len(), 2);
    }

    #[test]
    fn split_batches_skips_blank_and_comment_only_pieces() {
        let script = "GO\n-- only a comment\nGO\n\n\nGO 3\nSELECT 1\nGO\n";
        assert_eq!(texts(script), owned(&[("SELECT 1\n", 7, 1)]));
        assert_eq!(split_pieces(script).len(), 5);
    }

    #[test]
    fn split_pieces_reconstruct_the_script_from_their_spans() {
        let script = "a\r\nGO 2 -- x\r\n'b\nGO\n'\n/*/*\n*/\nGO\n*/go";
        let pieces = split_pieces(script);
        let rebuilt: String = pieces
            .iter()
            .map(|p| {
                format!(
                    "{}{}",
                    &script[p.span.clone()],
                    p.separator.clone().map_or("", |s| &script[s])
                )
            })
            .collect();
        assert_eq!(rebuilt, script);
        assert_eq!(pieces[0].repeat, 2);
    }

    #[test]
    fn join_gives_a_script_that_splits_the_same() {
        let script = "SELECT 1\nGO 3\n\nSELECT 2\nGO\nGO";
        let pieces = split_pieces(script);
        let again = split_pieces(&join(&pieces));
        let key = |pieces: &[Batch]| {
            pieces
                .iter()
                .map(|p| (p.sql.clone(), p.repeat))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&again), key(&pieces));
    }

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
    fn renumber_parameters_shifts_only_parameters_in_code() {
        let sql = "INSERT INTO [t@P1] (a, b) VALUES (@P1, @P12) -- @P3\n/* @P4 */ SELECT '@P5', @@P6, @P7x, @p8";
        assert_eq!(
            renumber_parameters(sql, 10),
            "INSERT INTO [t@P1] (a, b) VALUES (@P11, @P22) -- @P3\n/* @P4 */ SELECT '@P5', @@P6, @P7x, @p8"
        );
        assert_eq!(renumber_parameters("@P1", 0), "@P1");
        assert_eq!(renumber_parameters("x=@P9", 1), "x=@P10");
    }

    #[test]
    fn segments_cover_the_text_and_separate_adjacent_literals() {
        let sql = "SELECT 'a''b' 'c', [x]]y] /* n /* m */ */ -- t\n1";
        let segments = segments(sql);
        assert_eq!(segments.first().map(|s| s.1.start), Some(0));
        assert_eq!(segments.last().map(|s| s.1.end), Some(sql.len()));
        let literals: Vec<&str> = segments
            .iter()
            .filter(|s| s.0 == Kind::Literal)
            .map(|s| &sql[s.1.clone()])
            .collect();
        assert_eq!(literals, ["'a''b'", "'c'"]);
        let comments: Vec<&str> = segments
            .iter()
            .filter(|s| s.0 == Kind::Comment)
            .map(|s| &sql[s.1.clone()])
            .collect();
        assert_eq!(comments, ["/* n /* m */ */", "-- t\n"]);
    }

    #[test]
    fn as_exec_doubles_quotes() {
        assert_eq!(
            as_exec("CREATE VIEW v AS SELECT 'x' AS a"),
            "EXEC(N'CREATE VIEW v AS SELECT ''x'' AS a')"
        );
    }

    #[test]
    fn from_line_returns_text_from_the_line_on() {
        assert_eq!(from_line("a\nb\nc", 2), "b\nc");
        assert_eq!(from_line("a\nb\nc", 0), "a\nb\nc");
        assert_eq!(from_line("a\nb\nc", 9), "a\nb\nc");
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}

/// Properties of the splitter on arbitrary text and on text built from the
/// fragments that matter to it (quotes, brackets, comment marks, `GO` lines).
///
/// "Reproduces" is checked in two precise senses: the recorded spans and
/// separators concatenate back to the exact input, and re-splitting the
/// script that [`join`] builds from the pieces gives the same texts and
/// repeat counts.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "GO",
            "go 3",
            "GO -- c",
            " GO\t",
            "GO 0",
            "GOTO x",
            "\n",
            "\r\n",
            "'",
            "''",
            "N'",
            "[",
            "]",
            "]]",
            "\"",
            "\"\"",
            "--",
            "/*",
            "*/",
            " ",
            "x",
            "SELECT 1",
            "é",
            "CREATE VIEW v AS SELECT 1",
            "@P1",
            "2",
        ])
    }

    fn scripts() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
        ]
    }

    fn key(pieces: &[Batch]) -> Vec<(String, u32)> {
        pieces.iter().map(|p| (p.sql.clone(), p.repeat)).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn spans_and_separators_rebuild_the_script(script in scripts()) {
            let pieces = split_pieces(&script);
            let rebuilt: String = pieces
                .iter()
                .map(|p| format!("{}{}", &script[p.span.clone()], p.separator.clone().map_or("", |s| &script[s])))
                .collect();
            prop_assert_eq!(rebuilt, script.clone());
            for piece in &pieces {
                prop_assert_eq!(&piece.sql, &script[piece.span.clone()]);
                prop_assert_eq!(piece.first_line, line_of(&script, piece.span.start));
                prop_assert!(piece.repeat >= 1);
            }
            prop_assert!(pieces.last().is_some_and(|p| p.separator.is_none()));
        }

        #[test]
        fn splitting_the_joined_pieces_gives_the_same_pieces(script in scripts()) {
            let pieces = split_pieces(&script);
            prop_assert_eq!(key(&split_pieces(&join(&pieces))), key(&pieces));
            let batches = split_batches(&script);
            prop_assert_eq!(key(&split_batches(&join(&batches))), key(&batches));
        }

        #[test]
        fn a_piece_holds_no_separator(script in scripts()) {
            for piece in split_pieces(&script) {
                prop_assert_eq!(split_pieces(&piece.sql).len(), 1, "{:?}", piece.sql);
                if piece.separator.is_some() {
                    prop_assert!(piece.sql.is_empty() || piece.sql.ends_with('\n'));
                }
            }
        }

        #[test]
        fn helpers_never_panic(script in scripts(), offset in 0usize..50) {
            let _ = starts_with_batch_first_statement(&script);
            let renumbered = renumber_parameters(&script, offset);
            if offset == 0 {
                prop_assert_eq!(&renumbered, &script);
            }
            let covered: usize = segments(&script).iter().map(|s| s.1.len()).sum();
            prop_assert_eq!(covered, script.len());
            let _ = from_line(&script, 3);
        }
    }

    #[test]
    fn statement_at_line_stops_at_its_semicolon_outside_literals() {
        let sql = "-- header\nINSERT INTO t VALUES (N'a;b');\nSELECT 1;\n";
        assert_eq!(statement_at_line(sql, 2), "INSERT INTO t VALUES (N'a;b');");
        assert_eq!(statement_at_line(sql, 1), "INSERT INTO t VALUES (N'a;b');");
        assert_eq!(statement_at_line("UPDATE t SET a = 1\nWHERE b = 2", 1), "UPDATE t SET a = 1\nWHERE b = 2");
    }
}
