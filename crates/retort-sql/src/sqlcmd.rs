//! `sqlcmd`'s own commands and its `$(NAME)` variables, in T-SQL scripts.
//!
//! A command is a line that starts (after blanks) outside any literal,
//! quoted name or comment with `:` and a letter, or with `!!`; the splitter
//! ([`crate::Lexed::batches`]) recognises such lines where it recognises
//! `GO`, and leaves them out of the batch text (each becomes an empty line,
//! so the server's line numbers still match the script's). A line starting
//! with `::` (T-SQL's scope qualifier, PostgreSQL's cast) or `:=`
//! (PL/pgSQL's assignment: the build reads every SQL revision this way) is
//! not a command.
//!
//! retort reads `:setvar NAME value` (or `"value"`, `""` inside for a
//! quote), `:r path` (or `"path"`), `:on error exit|ignore`; anything else
//! (`:connect`, `:out`, `!!`…) is [`Command::Unsupported`], which the build
//! refuses with its file and line.
//!
//! Variables ([`substitute`]): `$(NAME)` is replaced in code, in string
//! literals and in quoted names, as `sqlcmd` does; not inside comments,
//! where `sqlcmd` also replaces (and fails on an undefined name), so that a
//! comment can mention `$(NAME)` freely. Names are matched regardless of
//! case, as `sqlcmd` does.

use std::borrow::Cow;

use crate::lexer::{line_at, Lexed};
use crate::segment::Kind;
use crate::Dialect;

pub use crate::command::{is_name, parse_command, Command, OnError};

/// A `$(NAME)` in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableUse {
    /// As written.
    pub name: String,
    /// 1-based line of the script.
    pub line: u32,
    /// Where `$(NAME)` is.
    pub range: std::ops::Range<usize>,
}

/// Every `$(NAME)` of `sql` outside comments, in order.
pub fn variables_used(sql: &str) -> Vec<VariableUse> {
    let mut uses = Vec::new();
    for (kind, range) in Lexed::new(Dialect::Mssql, sql).segments() {
        if kind == Kind::Comment {
            continue;
        }
        let text = &sql[range.clone()];
        let mut from = 0;
        while let Some(at) = text[from..].find("$(") {
            let start = from + at;
            let inner = &text[start + 2..];
            match inner.find(')') {
                Some(end) if is_name(&inner[..end]) => {
                    let absolute = range.start + start;
                    uses.push(VariableUse {
                        name: inner[..end].to_owned(),
                        line: line_at(sql, absolute),
                        range: absolute..absolute + 2 + end + 1,
                    });
                    from = start + 2 + end + 1;
                }
                _ => from = start + 2,
            }
        }
    }
    uses
}

/// Every `$(NAME)` of the script `sql` that is substituted: outside
/// comments and outside command lines (`:r $(dir)/x.sql` is not read).
/// The script is read with its command lines blanked, as the splitter
/// reads it: a quote in a command line opens nothing.
pub fn script_variables(sql: &str) -> Vec<VariableUse> {
    let lines = Lexed::new(Dialect::Mssql, sql).script_lines();
    if !lines.iter().any(|line| line.kind == crate::LineKind::Command) {
        return variables_used(sql);
    }
    // Each byte of a command line (not its line break) becomes a blank:
    // offsets and lines stay those of `sql`.
    let mut blanked = sql.as_bytes().to_vec();
    for line in lines.iter().filter(|line| line.kind == crate::LineKind::Command) {
        let text = &sql[line.range.clone()];
        let end = line.range.start + text.trim_end_matches(['\r', '\n']).len();
        blanked[line.range.start..end].fill(b' ');
    }
    // Blanks in place of whole characters' bytes: still UTF-8.
    let blanked = String::from_utf8(blanked).unwrap_or_default();
    variables_used(&blanked)
        .into_iter()
        .map(|found| VariableUse { name: sql[found.range.start + 2..found.range.end - 1].to_owned(), ..found })
        .collect()
}

/// The script's `:setvar` lines, in order: name, value, line.
pub fn setvars(sql: &str) -> Vec<(String, String, u32)> {
    let lines = Lexed::new(Dialect::Mssql, sql).script_lines();
    lines
        .iter()
        .filter(|line| line.kind == crate::LineKind::Command)
        .filter_map(|line| match parse_command(&sql[line.range.clone()]) {
            Ok(Command::SetVar { name, value }) => Some((name, value, line.number)),
            _ => None,
        })
        .collect()
}

/// `sql` with every `$(NAME)` of [`script_variables`] replaced by
/// `value(use)` (see the module's doc), or the first use `value` has no
/// value for.
pub fn substitute<'v>(
    sql: &str,
    mut value: impl FnMut(&VariableUse) -> Option<Cow<'v, str>>,
) -> Result<String, VariableUse> {
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for found in script_variables(sql) {
        let Some(replacement) = value(&found) else { return Err(found) };
        out.push_str(&sql[copied..found.range.start]);
        out.push_str(&replacement);
        copied = found.range.end;
    }
    out.push_str(&sql[copied..]);
    Ok(out)
}

/// Whether `substituted` is cut as `script` is: the same `GO` lines (with
/// their counts), command lines and `:on error` per batch. A value that
/// holds a line break and `GO`, or that makes a line start with `:` and a
/// letter, would change that; the lines are read before substitution.
pub fn same_batches(script: &str, substituted: &str) -> bool {
    let shape = |text: &str| {
        let lines = Lexed::new(Dialect::Mssql, text).script_lines();
        let kinds: Vec<crate::LineKind> = lines.into_iter().map(|line| line.kind).filter(|kind| *kind != crate::LineKind::Text).collect();
        let batches: Vec<(u32, OnError)> =
            Lexed::new(Dialect::Mssql, text).batches().into_iter().map(|batch| (batch.repeat, batch.on_error)).collect();
        (kinds, batches)
    };
    shape(script) == shape(substituted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_command_reads_setvar_include_and_on_error() {
        assert_eq!(
            parse_command(":setvar Db  target_db\n"),
            Ok(Command::SetVar { name: "Db".into(), value: "target_db".into() })
        );
        assert_eq!(
            parse_command("  :SETVAR path \"C:\\a \"\"b\"\"\"\r\n"),
            Ok(Command::SetVar { name: "path".into(), value: "C:\\a \"b\"".into() })
        );
        assert_eq!(parse_command(":r shared/x.sql"), Ok(Command::Include { path: "shared/x.sql".into() }));
        assert_eq!(parse_command(":r \"a b.sql\""), Ok(Command::Include { path: "a b.sql".into() }));
        assert_eq!(parse_command(":on error ignore"), Ok(Command::OnError(OnError::Ignore)));
        assert_eq!(parse_command(":On Error EXIT"), Ok(Command::OnError(OnError::Exit)));
        assert_eq!(parse_command(":connect srv"), Ok(Command::Unsupported { command: ":connect".into() }));
        assert_eq!(parse_command("!! dir"), Ok(Command::Unsupported { command: "!!".into() }));
    }

    #[test]
    fn parse_command_fails_when_arguments_are_wrong() {
        for (line, expected) in [
            (":setvar", "variable name"),
            (":setvar 1x a", "variable name"),
            (":setvar x", "missing"),
            (":setvar x a b", "double quotes"),
            (":setvar x \"open", "never closed"),
            (":setvar x \"a\" b", "after the closing quote"),
            (":r", "missing"),
            (":on error retry", "`exit` or `ignore`"),
        ] {
            let error = parse_command(line).unwrap_err();
            assert!(error.contains(expected), "{line:?}: {error}");
        }
    }

    #[test]
    fn substitute_replaces_in_code_literals_and_names_but_not_comments() {
        let sql = "SELECT '$(a)', [$(a)], $(B) -- $(a)\n/* $(zz) */ FROM $(a).dbo.t";
        let out = substitute(sql, |found| match found.name.to_ascii_uppercase().as_str() {
            "A" => Some("x".into()),
            "B" => Some("2".into()),
            _ => None,
        });
        assert_eq!(out.as_deref(), Ok("SELECT 'x', [x], 2 -- $(a)\n/* $(zz) */ FROM x.dbo.t"));
    }

    #[test]
    fn substitute_leaves_command_lines_alone_and_setvars_lists_them() {
        let script = ":setvar a \"x y\"\n:r $(dir)/b.sql\nSELECT '$(a)'\n:SETVAR a 2\n";
        assert_eq!(substitute(script, |_| Some("v".into())).as_deref(), Ok(":setvar a \"x y\"\n:r $(dir)/b.sql\nSELECT 'v'\n:SETVAR a 2\n"));
        assert_eq!(setvars(script), [("a".to_owned(), "x y".to_owned(), 1), ("a".to_owned(), "2".to_owned(), 4)]);
    }

    #[test]
    fn substitute_reads_a_quote_in_a_command_line_as_the_command_s_own_as_proptest_once_shrank_to() {
        // The quote opens no literal: the next line is a comment (the case
        // shrank to `:'`, a command line before `:` needed a letter after it).
        assert_eq!(substitute(":x'\n--$(v)", |_| Some("a".into())).as_deref(), Ok(":x'\n--$(v)"));
        assert_eq!(substitute(":setvar x it's\nSELECT '$(v)'", |_| Some("a".into())).as_deref(), Ok(":setvar x it's\nSELECT 'a'"));
    }

    #[test]
    fn same_batches_is_false_when_a_value_makes_a_command_or_go_line() {
        let script = "SELECT 1\n$(w)\nSELECT 2\n";
        let with = |value: &'static str| substitute(script, move |_| Some(value.into())).expect("values");
        assert!(same_batches(script, &with("x")));
        assert!(same_batches(script, &with("-- GO")));
        assert!(!same_batches(script, &with("GO")));
        assert!(!same_batches(script, &with(":connect x")));
        let colon = "SELECT 1\n:$(v)\n";
        assert!(!same_batches(colon, &substitute(colon, |_| Some("x".into())).expect("values")));
    }

    #[test]
    fn substitute_names_the_first_undefined_variable_and_its_line() {
        let error = substitute("SELECT 1\nSELECT $(missing)", |_| None).unwrap_err();
        assert_eq!((error.name.as_str(), error.line), ("missing", 2));
        // Not a variable: left as written.
        assert_eq!(substitute("SELECT '$(', '$( x)', '$()'", |_| None).as_deref(), Ok("SELECT '$(', '$( x)', '$()'"));
    }
}

/// The runtime substitutes a whole script and then cuts it into batches;
/// for values of plain letters that gives the batches that substituting
/// each batch would, with the same commands and `:on error`.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::tsql::split_pieces;

    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "GO", "go 2", "\n", "\r\n", "'", "N'", "[", "]", "\"", "--", "/*", "*/", " ", "x", "SELECT 1", ";",
            "$(v)", "$(W)", "$(", ")", "\n:setvar v a\n", "\n:on error ignore\n", "\n:r f.sql\n", ":", "!!", "::",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn substituting_the_script_then_splitting_equals_splitting_then_substituting(
            parts in prop::collection::vec(fragment(), 0..40),
            value in "[a-z_]{1,8}",
        ) {
            let script = parts.concat();
            let value_of = |_: &VariableUse| Some(Cow::Owned(value.clone()));
            let whole = substitute(&script, value_of).expect("every variable has a value");
            // A value that would make a line a command is refused at run time.
            prop_assume!(same_batches(&script, &whole));
            let after: Vec<(String, u32, OnError)> =
                split_pieces(&whole).into_iter().map(|p| (p.sql, p.repeat, p.on_error)).collect();
            let before: Vec<(String, u32, OnError)> = split_pieces(&script)
                .into_iter()
                .map(|p| (substitute(&p.sql, value_of).expect("a value"), p.repeat, p.on_error))
                .collect();
            prop_assert_eq!(after, before, "{:?}", script);
        }
    }
}
