//! T-SQL scripts cut into batches on `GO` lines, the way `sqlcmd` does.
//!
//! `GO` is not T-SQL: it is the client's batch separator. A line is a
//! separator when it starts outside any string literal, quoted name or
//! comment and holds only `GO` (any case), optionally followed by a repeat
//! count (`GO 5`, at least 1) and a `--` comment, with blanks around.
//! Everything else is batch text, sent to the server unchanged. `sqlcmd`
//! reads `GO` this way; FreeTDS's `tsql` also cuts on a `GO` line inside a
//! literal or comment, which retort does not.
//!
//! The script is read one line at a time over its tokens
//! ([`Lexed::script_lines`]): a line is classified only when it starts
//! between tokens, never when it continues a literal or comment that spans
//! lines. `sqlcmd`'s own commands (`:setvar`, `:r`, `:on error`, see
//! [`crate::sqlcmd`]) are lines of that kind too, recognised in
//! [`classify`] beside `GO`: they do not end a batch, and are left out of
//! its text (each becomes an empty line, so that lines keep their numbers).

use std::ops::Range;

use sqlparser::tokenizer::{Token as SqlToken, Whitespace};

use crate::lexer::{Lexed, Token};
use crate::command::{is_command_line, parse_command, Command, OnError};

/// One batch of a script: the text between two separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The batch text as in the script, without its `GO` line, each
    /// `sqlcmd` command line in it left as its line break alone.
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
    /// What to do if the batch fails: the last `:on error` before its end
    /// (before its `GO` line), else [`OnError::Exit`].
    pub on_error: OnError,
    /// Whether `sql` holds anything besides whitespace and comments.
    code: bool,
}

impl Batch {
    /// Whether the batch holds anything the server would execute: a batch of
    /// blanks and comments does nothing, so it is not sent.
    pub fn has_code(&self) -> bool {
        self.code
    }
}

/// What a line of a script is to the client that splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Batch text: SQL, or the continuation of a literal or comment.
    Text,
    /// `GO [n]`: ends the batch, which runs `repeat` times.
    Go { repeat: u32 },
    /// A `sqlcmd` command (`:setvar`, `:r`, `:on error`, `!!`…), read by
    /// [`crate::command::parse_command`]; not batch text.
    Command,
}

/// One line of a script, its line break included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLine {
    /// 1-based.
    pub number: u32,
    pub range: Range<usize>,
    pub kind: LineKind,
}

impl Lexed<'_> {
    /// The script's lines, each classified.
    pub fn script_lines(&self) -> Vec<ScriptLine> {
        let text = self.text();
        let tokens = self.tokens();
        let mut lines = Vec::new();
        let mut next = 0;
        let mut start = 0;
        let mut number = 1u32;
        while start < text.len() {
            let end = text[start..].find('\n').map_or(text.len(), |at| start + at + 1);
            while next < tokens.len() && tokens[next].end <= start {
                next += 1;
            }
            // The line's tokens, from the one it starts in: a line that
            // continues a literal or comment has it first, and is text. So
            // is a line on which a never-closed one opens or continues.
            let on_line = tokens[next..].iter().take_while(|token| token.start < end);
            let first = on_line.clone().find(|token| !is_blank(token, text)).filter(|token| token.start >= start);
            let kind = match self.unclosed() {
                _ if first.is_some_and(|token| is_command_line(&text[token.start..])) => LineKind::Command,
                Some(unclosed) if unclosed.start < end => LineKind::Text,
                _ => classify(on_line.clone(), text),
            };
            lines.push(ScriptLine { number, range: start..end, kind });
            // A command ends at its line, whatever quote or comment mark it
            // holds (`:setvar who it's`): the rest is read anew after it.
            let spills = self.unclosed().is_some_and(|unclosed| unclosed.start < end)
                || on_line.clone().any(|token| token.end > end);
            if kind == LineKind::Command && spills && end < text.len() {
                let rest = Lexed::new(self.dialect(), &text[end..]);
                lines.extend(rest.script_lines().into_iter().map(|line| ScriptLine {
                    number: line.number.saturating_add(number),
                    range: line.range.start + end..line.range.end + end,
                    kind: line.kind,
                }));
                return lines;
            }
            number = number.saturating_add(1);
            start = end;
        }
        lines
    }

    /// Every piece of the script between `GO` lines, blank ones included.
    /// The pieces partition the script: concatenating each piece's `span`
    /// and `separator`, in order, gives back the script byte for byte.
    pub fn batches(&self) -> Vec<Batch> {
        let text = self.text();
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut first_line = 1u32;
        let mut on_error = OnError::Exit;
        let mut commands = Vec::new();
        let lines = self.script_lines();
        let reread = lines.iter().any(|line| line.kind == LineKind::Command);
        for line in lines {
            let repeat = match line.kind {
                LineKind::Text => continue,
                LineKind::Command => {
                    if let Ok(Command::OnError(action)) = parse_command(&text[line.range.clone()]) {
                        on_error = action;
                    }
                    commands.push(line.range);
                    continue;
                }
                LineKind::Go { repeat } => repeat,
            };
            let span = start..line.range.start;
            pieces.push(Batch { on_error, ..self.piece(span, first_line, repeat, Some(line.range.clone()), &commands, reread) });
            commands.clear();
            start = line.range.end;
            // A `GO` on the script's last line without a line break
            // leaves an empty piece on that same line.
            first_line = match text[..line.range.end].ends_with('\n') {
                true => line.number.saturating_add(1),
                false => line.number,
            };
        }
        pieces.push(Batch { on_error, ..self.piece(start..text.len(), first_line, 1, None, &commands, reread) });
        pieces
    }

    fn piece(
        &self,
        span: Range<usize>,
        first_line: u32,
        repeat: u32,
        separator: Option<Range<usize>>,
        commands: &[Range<usize>],
        reread: bool,
    ) -> Batch {
        let text = self.text();
        let mut sql = String::with_capacity(span.len());
        let mut copied = span.start;
        for command in commands {
            sql.push_str(&text[copied..command.start]);
            let line = &text[command.clone()];
            sql.push_str(&line[line.trim_end_matches(['\r', '\n']).len()..]);
            copied = command.end;
        }
        sql.push_str(&text[copied..span.end]);
        // Read again in a script with commands: a command line may have
        // held a quote that the script's own reading took to open a literal.
        let code = match reread {
            false => self.has_code_in(span.clone()),
            true => Lexed::new(self.dialect(), &sql).has_code(),
        };
        Batch { sql, first_line, repeat, span, separator, on_error: OnError::Exit, code }
    }

    /// Whether anything the server would execute starts inside `span`.
    fn has_code_in(&self, span: Range<usize>) -> bool {
        let inside = |at: usize| span.contains(&at);
        self.tokens().iter().any(|token| inside(token.start) && !token.is_trivia())
            || self.unclosed().is_some_and(|unclosed| inside(unclosed.start) && !self.text()[unclosed.start..].starts_with("/*"))
    }
}

/// What a line is, from its tokens.
///
/// This is where `GO` is recognised; `sqlcmd`'s commands, lines whose first
/// token starts on them with `:` or `!!`, are recognised before, in
/// [`Lexed::script_lines`], whatever else the line holds.
fn classify<'t>(on_line: impl Iterator<Item = &'t Token>, text: &str) -> LineKind {
    let mut significant = on_line.filter(|token| !is_blank(token, text));
    let Some(go) = significant.next() else { return LineKind::Text };
    if !go.is("GO") {
        return LineKind::Text;
    }
    let mut repeat = 1;
    let mut after = significant.next();
    if let Some(count) = after.filter(|t| matches!(t.token, SqlToken::Number(..))) {
        let digits = count.text(text);
        match digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse::<u32>().ok()).flatten() {
            Some(n) if n >= 1 => repeat = n,
            _ => return LineKind::Text,
        }
        after = significant.next();
    }
    let comment = after.filter(|t| matches!(t.token, SqlToken::Whitespace(Whitespace::SingleLineComment { .. })));
    match (after, comment) {
        (None, _) => LineKind::Go { repeat },
        (Some(_), Some(_)) if significant.next().is_none() => LineKind::Go { repeat },
        _ => LineKind::Text,
    }
}

/// Blanks inside a line: spaces, tabs, a carriage return, a vertical tab or
/// form feed, the line break that ends it, and a leading byte order mark.
fn is_blank(token: &Token, text: &str) -> bool {
    matches!(token.token, SqlToken::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline))
        && token.text(text).chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c' | '\u{feff}'))
}

/// Joins batches back into a script with a `GO` line (`GO n` for repeated
/// batches) after each batch that a `GO` line ended: a reference for the
/// splitter's tests.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsql::{split_batches, split_pieces};
    use crate::Dialect;

    fn texts(script: &str) -> Vec<(String, u32, u32)> {
        split_batches(script).into_iter().map(|b| (b.sql, b.first_line, b.repeat)).collect()
    }

    fn owned(items: &[(&str, u32, u32)]) -> Vec<(String, u32, u32)> {
        items.iter().map(|(sql, line, repeat)| ((*sql).to_owned(), *line, *repeat)).collect()
    }

    #[test]
    fn split_batches_cuts_on_go_lines_and_records_first_lines() {
        let script = "CREATE TABLE a (id int);\nGO\nCREATE VIEW v AS SELECT id FROM a;\ngo\n\nSELECT 1;\n";
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
        assert_eq!(texts(script), owned(&[("INSERT t DEFAULT VALUES;\n", 1, 5), ("SELECT 2\n", 3, 1)]));
        let crlf = "SELECT 1\r\nGO\r\nSELECT 2\r\n\x0bGO 2\x0c\r\n";
        assert_eq!(texts(crlf), owned(&[("SELECT 1\r\n", 1, 1), ("SELECT 2\r\n", 3, 2)]));
    }

    #[test]
    fn split_batches_keeps_lines_that_only_look_like_go() {
        for script in [
            "SELECT 1\nGOTO done\nSELECT 2",
            "SELECT 1\nGO5\nSELECT 2",
            "SELECT 1\nGO 0\nSELECT 2",
            "SELECT 1\nGO 2x\nSELECT 2",
            "SELECT 1\nGO 1.5\nSELECT 2",
            "SELECT 1\nGO -1\nSELECT 2",
            "SELECT 1\nGO;\nSELECT 2",
            "SELECT 1\nGO /* c */\nSELECT 2",
            "SELECT 1\n[GO]\nSELECT 2",
            "SELECT 1 GO\nSELECT 2",
            "SELECT 1\nGO 99999999999\nSELECT 2",
            "SELECT 1\n\u{a0}GO\nSELECT 2",
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
            "SELECT 'never closed\nGO\nSELECT 2",
            "SELECT 1 /* never closed\nGO\nSELECT 2",
        ] {
            assert_eq!(split_batches(script).len(), 1, "{script:?}");
        }
        // A line comment ends at its line: the next line's GO counts.
        assert_eq!(split_batches("SELECT 1 -- '\nGO\nSELECT 2").len(), 2);
        // After a closed literal with an escaped quote, GO counts again.
        assert_eq!(split_batches("SELECT 'it''s'\nGO\nSELECT 2").len(), 2);
    }

    #[test]
    fn split_batches_reads_go_on_the_first_line_after_a_byte_order_mark() {
        assert_eq!(texts("\u{feff}GO\nSELECT 1\n"), owned(&[("SELECT 1\n", 2, 1)]));
    }

    #[test]
    fn split_batches_skips_blank_and_comment_only_pieces() {
        let script = "GO\n-- only a comment\nGO\n\n\nGO 3\nSELECT 1\nGO\n/* open";
        assert_eq!(texts(script), owned(&[("SELECT 1\n", 7, 1)]));
        assert_eq!(split_pieces(script).len(), 5);
    }

    #[test]
    fn split_pieces_reconstruct_the_script_from_their_spans() {
        let script = "a\r\nGO 2 -- x\r\n'b\nGO\n'\n/*/*\n*/\nGO\n*/go";
        let pieces = split_pieces(script);
        let rebuilt: String = pieces
            .iter()
            .map(|p| format!("{}{}", &script[p.span.clone()], p.separator.clone().map_or("", |s| &script[s])))
            .collect();
        assert_eq!(rebuilt, script);
        assert_eq!(pieces[0].repeat, 2);
    }

    #[test]
    fn join_gives_a_script_that_splits_the_same() {
        let script = "SELECT 1\nGO 3\n\nSELECT 2\nGO\nGO";
        let pieces = split_pieces(script);
        let again = split_pieces(&join(&pieces));
        let key = |pieces: &[Batch]| pieces.iter().map(|p| (p.sql.clone(), p.repeat)).collect::<Vec<_>>();
        assert_eq!(key(&again), key(&pieces));
    }

    #[test]
    fn split_pieces_rebuild_the_scripts_proptest_once_shrank_to() {
        for script in ["GO", " GO\t''\ngo 3"] {
            let pieces = split_pieces(script);
            let key = |pieces: &[Batch]| pieces.iter().map(|p| (p.sql.clone(), p.repeat)).collect::<Vec<_>>();
            assert_eq!(key(&split_pieces(&join(&pieces))), key(&pieces), "{script:?}");
        }
        assert_eq!(split_pieces("GO").len(), 2);
        assert_eq!(split_pieces(" GO\t''\ngo 3").len(), 2);
    }

    #[test]
    fn script_lines_classify_only_lines_that_start_between_tokens() {
        let script = "SELECT 'a\nGO\n'\nGO 2\n:setvar x 1\n";
        let kinds: Vec<LineKind> = Lexed::new(Dialect::Mssql, script).script_lines().iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [LineKind::Text, LineKind::Text, LineKind::Text, LineKind::Go { repeat: 2 }, LineKind::Command]
        );
    }

    #[test]
    fn script_lines_read_sqlcmd_commands_only_outside_literals_and_comments() {
        let script = "  :setvar a 1\n!! dir\nGRANT SELECT ON SCHEMA::dbo TO u\n::x\n'\n:r x.sql\n'\n/*\n:on error ignore\n*/ :r y\n  := 5;\n";
        let kinds: Vec<LineKind> = Lexed::new(Dialect::Mssql, script).script_lines().iter().map(|l| l.kind).collect();
        use LineKind::{Command, Text};
        assert_eq!(kinds, [Command, Command, Text, Text, Text, Text, Text, Text, Text, Text, Text]);
    }

    #[test]
    fn batches_leave_command_lines_out_and_keep_line_numbers() {
        let script = ":setvar t people\n:on error ignore\nCREATE TABLE $(t) (id int);\n:setvar u x\nSELECT 1\nGO 2\n:on error exit\nSELECT 2\n";
        let pieces = split_pieces(script);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].sql, "\n\nCREATE TABLE $(t) (id int);\n\nSELECT 1\n");
        assert_eq!((pieces[0].first_line, pieces[0].repeat, pieces[0].on_error), (1, 2, OnError::Ignore));
        assert_eq!((pieces[1].sql.as_str(), pieces[1].on_error), ("\nSELECT 2\n", OnError::Exit));
        // A piece of commands only is not sent.
        assert_eq!(split_batches(":setvar a 1\nGO\nSELECT 1").len(), 1);
    }

    #[test]
    fn batches_read_a_quote_in_a_command_line_as_the_command_s_own() {
        let script = ":setvar who it's\nSELECT 1\nGO\nSELECT 2\n";
        let batches = split_batches(script);
        assert_eq!(batches.iter().map(|b| b.sql.as_str()).collect::<Vec<_>>(), ["\nSELECT 1\n", "SELECT 2\n"]);
        assert_eq!(batches[1].first_line, 4);
    }
}

/// Properties of the splitter on arbitrary text and on text built from the
/// fragments that matter to it (quotes, brackets, comment marks, `GO`
/// lines).
///
/// "Reproduces" is checked in two precise senses: the recorded spans and
/// separators concatenate back to the exact input, and re-splitting the
/// script that [`join`] builds from the pieces gives the same texts and
/// repeat counts.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::tsql::{
        from_line, leading_words, segments, split_batches, split_pieces, starts_with_batch_first_statement,
        statement_at_line,
    };
    use crate::{line_at, Dialect};

    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "GO", "go 3", "GO -- c", " GO\t", "GO 0", "GOTO x", "\n", "\r\n", "'", "''", "N'", "[", "]", "]]", "\"",
            "\"\"", "--", "/*", "*/", " ", "x", "SELECT 1", "é", "CREATE VIEW v AS SELECT 1", "@P1", "2", ";", ":setvar",
            ":setvar v 1", ":r x.sql", ":on error ignore", "!!", "::", "$(v)", "\n:setvar v \"a'b\"\n",
        ])
    }

    fn scripts() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())]
    }

    /// The script's `span` with each command line in it cut to its line
    /// break.
    fn without_commands(script: &str, span: Range<usize>) -> String {
        let mut out = String::new();
        for line in Lexed::new(Dialect::Mssql, script).script_lines() {
            let range = line.range.start.max(span.start)..line.range.end.min(span.end);
            if range.start >= range.end {
                continue;
            }
            let text = &script[range];
            match line.kind {
                LineKind::Command => out.push_str(&text[text.trim_end_matches(['\r', '\n']).len()..]),
                _ => out.push_str(text),
            }
        }
        out
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
                prop_assert_eq!(piece.sql.len(), without_commands(&script, piece.span.clone()).len());
                prop_assert_eq!(piece.first_line, line_at(&script, piece.span.start));
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
        fn the_pieces_texts_are_the_script_without_go_lines_and_commands(script in scripts()) {
            let joined: String = split_pieces(&script).iter().map(|p| p.sql.as_str()).collect();
            let mut expected = String::new();
            for line in Lexed::new(Dialect::Mssql, &script).script_lines() {
                let text = &script[line.range.clone()];
                match line.kind {
                    LineKind::Text => expected.push_str(text),
                    LineKind::Command => expected.push_str(&text[text.trim_end_matches(['\r', '\n']).len()..]),
                    LineKind::Go { .. } => {}
                }
            }
            prop_assert_eq!(joined, expected);
        }

        #[test]
        fn a_command_inside_a_comment_or_literal_is_never_read(script in scripts()) {
            let in_comment = format!("{script}\n/*\n:setvar zz_marker 1\n*/\n");
            let mut cases = vec![in_comment];
            // Outside any literal at its end: the script read whole (a quote
            // in a command line would be read differently) ends outside one.
            let lexed = Lexed::new(Dialect::Mssql, &script);
            let commands = lexed.script_lines().iter().any(|line| line.kind == LineKind::Command);
            if lexed.unclosed().is_none() && !commands {
                cases.push(format!("{script}\nSELECT '\n:setvar zz_marker 1\n'\n"));
            }
            for case in cases {
                for line in Lexed::new(Dialect::Mssql, &case).script_lines() {
                    if case[line.range.clone()].contains("zz_marker") {
                        prop_assert_eq!(line.kind, LineKind::Text, "{:?}", case);
                    }
                }
                let joined: String = split_pieces(&case).iter().map(|p| p.sql.as_str()).collect();
                prop_assert!(joined.contains(":setvar zz_marker 1"), "{:?}", case);
            }
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
        fn tokens_and_segments_cover_the_text_in_every_dialect(script in scripts()) {
            for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mssql] {
                let lexed = Lexed::new(dialect, &script);
                let mut at = 0;
                for token in lexed.tokens() {
                    prop_assert_eq!(token.start, at);
                    prop_assert!(token.end > token.start);
                    prop_assert_eq!(token.line, line_at(&script, token.start));
                    at = token.end;
                }
                prop_assert_eq!(lexed.unclosed().map_or(script.len(), |u| u.start), at);
                let mut at = 0;
                for (_, range) in lexed.segments() {
                    prop_assert_eq!(range.start, at);
                    at = range.end;
                }
                prop_assert_eq!(at, script.len());
                for statement in lexed.statements() {
                    prop_assert!(statement.start < statement.end && statement.end <= script.len());
                    prop_assert_eq!(statement.line, line_at(&script, statement.start));
                }
            }
        }

        #[test]
        fn helpers_never_panic(script in scripts()) {
            let _ = starts_with_batch_first_statement(&script);
            let _ = leading_words(&script, 3);
            let _ = segments(&script);
            let _ = statement_at_line(&script, 2);
            let _ = from_line(&script, 3);
            let _ = crate::reads_only(Dialect::Postgres, &script);
        }
    }
}
