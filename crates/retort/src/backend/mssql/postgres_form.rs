//! Expressions that Babelfish prints in PostgreSQL's form, back in T-SQL.
//!
//! Babelfish keeps a check, a default, a computed column and an index
//! filter as PostgreSQL parsed them, and its catalog prints them so:
//! `Code LIKE '99%'` comes back as `(code ~~* '99%') AND ((code >= '99')
//! AND (code < ('99' || '\u{ffff}' COLLATE latin1_general_ci_as)))`. That
//! text is not T-SQL, so a baseline carrying it would not run. The printed
//! form is turned back into the T-SQL it came from, token by token (a
//! literal is one token, so the text inside it is never touched):
//! - the range Babelfish adds to a LIKE whose pattern starts with literal
//!   characters, `(x ~~* 'ab%') AND ((x >= 'ab') AND (x < ('ab' || S
//!   COLLATE c)))`, and its negation `(x !~~* 'ab%') OR (NOT (…))`, are
//!   the LIKE alone (the range only lets PostgreSQL use an index);
//! - `~~*` and `~~` are `LIKE`, `!~~*` and `!~~` are `NOT LIKE`, and
//!   `like_escape('p', 'e')` after one of them is `'p' ESCAPE 'e'`;
//! - `CAST(('x') AS nvarchar(1))` is `N'x'`, `CAST(('x') AS varchar(1))` is
//!   `'x'` (how it prints a typed literal);
//! - `||` is `+`;
//! - a column name, which it prints in lower case, is spelled as the table
//!   spells it.
//!
//! Whatever else PostgreSQL prints (`::` casts, `~` regular expressions,
//! arrays) has no T-SQL form that this knows: it is left as printed, and a
//! baseline lists it as not reproduced instead of copying it.

use retort_sql::{SqlToken as Token, Word};

/// The tokens of a Babelfish expression (without whitespace) in T-SQL,
/// with `columns` spelled as given.
pub(crate) fn tsql(mut tokens: Vec<Token>, columns: &[String]) -> Vec<Token> {
    drop_like_ranges(&mut tokens);
    let mut out = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while at < tokens.len() {
        if let Some((literal, used)) = typed_literal(&tokens[at..]) {
            out.push(literal);
            at += used;
            continue;
        }
        match &tokens[at] {
            Token::DoubleTilde | Token::DoubleTildeAsterisk => out.push(Token::make_keyword("LIKE")),
            Token::ExclamationMarkDoubleTilde | Token::ExclamationMarkDoubleTildeAsterisk => {
                out.push(Token::make_keyword("NOT"));
                out.push(Token::make_keyword("LIKE"));
            }
            Token::StringConcat => out.push(Token::Plus),
            Token::Word(word) if is(word, "like_escape") && tokens.get(at + 1) == Some(&Token::LParen) => {
                // like_escape(pattern, escape) → pattern ESCAPE escape.
                match &tokens[at..] {
                    [_, Token::LParen, pattern, Token::Comma, escape, Token::RParen, ..] if literal(pattern) && literal(escape) => {
                        out.extend([pattern.clone(), Token::make_keyword("ESCAPE"), escape.clone()]);
                        at += 6;
                        continue;
                    }
                    _ => out.push(tokens[at].clone()),
                }
            }
            Token::Word(word) if tokens.get(at + 1) != Some(&Token::LParen) => {
                out.push(spelled(word, columns));
            }
            other => out.push(other.clone()),
        }
        at += 1;
    }
    out
}

/// Whether `word` is the unquoted keyword or name `text`.
fn is(word: &Word, text: &str) -> bool {
    word.quote_style.is_none() && word.value.eq_ignore_ascii_case(text)
}

fn literal(token: &Token) -> bool {
    matches!(token, Token::SingleQuotedString(_) | Token::NationalStringLiteral(_))
}

/// A name that is one of `columns` in another case, spelled as the column.
fn spelled(word: &Word, columns: &[String]) -> Token {
    match columns.iter().find(|c| c.to_lowercase() == word.value.to_lowercase()) {
        Some(column) if *column != word.value => {
            let simple = column.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && column.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let quote = word.quote_style.or((!simple).then_some('['));
            Token::make_word(column, quote)
        }
        _ => Token::Word(word.clone()),
    }
}

/// `CAST(('x') AS nvarchar(n))` (or without the inner parentheses) at the
/// start of `tokens`, as the literal it is, and how many tokens it took.
fn typed_literal(tokens: &[Token]) -> Option<(Token, usize)> {
    let Some(Token::Word(cast)) = tokens.first() else { return None };
    if !is(cast, "CAST") || tokens.get(1) != Some(&Token::LParen) {
        return None;
    }
    let (text, after) = match &tokens[2..] {
        [Token::LParen, Token::SingleQuotedString(text), Token::RParen, ..] => (text, 5),
        [Token::SingleQuotedString(text), ..] => (text, 3),
        _ => return None,
    };
    match &tokens[after..] {
        [Token::Word(r#as), Token::Word(ty), Token::LParen, Token::Number(..) | Token::Word(_), Token::RParen, Token::RParen, ..]
            if is(r#as, "AS") =>
        {
            let literal = match ty.value.to_ascii_lowercase().as_str() {
                "nvarchar" | "nchar" => Token::NationalStringLiteral(text.clone()),
                "varchar" | "char" => Token::SingleQuotedString(text.clone()),
                _ => return None,
            };
            Some((literal, after + 6))
        }
        _ => None,
    }
}

/// Removes, after every `(x ~~* 'p…')`, the range Babelfish adds to it.
fn drop_like_ranges(tokens: &mut Vec<Token>) {
    let mut at = 0;
    while at < tokens.len() {
        if tokens[at] == Token::LParen {
            if let Some(end) = like_range_end(tokens, at) {
                let close = matching(tokens, at).unwrap_or(at);
                tokens.drain(close + 1..=end);
            }
        }
        at += 1;
    }
}

/// When the parenthesis at `open` holds `x ~~* 'p…'` (or `!~~*`) followed
/// by the range Babelfish derives from it, the index of the range's last
/// token.
fn like_range_end(tokens: &[Token], open: usize) -> Option<usize> {
    let close = matching(tokens, open)?;
    let inner = &tokens[open + 1..close];
    let operator = inner.iter().position(|t| {
        matches!(
            t,
            Token::DoubleTilde
                | Token::DoubleTildeAsterisk
                | Token::ExclamationMarkDoubleTilde
                | Token::ExclamationMarkDoubleTildeAsterisk
        )
    })?;
    let negated = matches!(inner[operator], Token::ExclamationMarkDoubleTilde | Token::ExclamationMarkDoubleTildeAsterisk);
    let (x, pattern) = (&inner[..operator], &inner[operator + 1..]);
    let [Token::SingleQuotedString(pattern)] = pattern else { return None };
    let Some(Token::Word(joiner)) = tokens.get(close + 1) else { return None };
    if !is(joiner, if negated { "OR" } else { "AND" }) || x.is_empty() {
        return None;
    }
    // `((x >= P) AND (x < (P || S COLLATE c)))`, inside `(NOT …)` when negated.
    let mut expected: Vec<Piece<'_>> = Vec::new();
    if negated {
        expected.extend([Piece::Is(Token::LParen), Piece::Keyword("NOT")]);
    }
    expected.extend([Piece::Is(Token::LParen), Piece::Is(Token::LParen), Piece::Run(x), Piece::Is(Token::GtEq), Piece::Prefix]);
    expected.extend([Piece::Is(Token::RParen), Piece::Keyword("AND"), Piece::Is(Token::LParen), Piece::Run(x)]);
    expected.extend([Piece::Is(Token::Lt), Piece::Is(Token::LParen), Piece::Prefix, Piece::Is(Token::StringConcat)]);
    expected.extend([Piece::Literal, Piece::Keyword("COLLATE"), Piece::Name, Piece::Is(Token::RParen)]);
    expected.extend([Piece::Is(Token::RParen), Piece::Is(Token::RParen)]);
    if negated {
        expected.push(Piece::Is(Token::RParen));
    }
    let mut at = close + 2;
    for piece in expected {
        let token = tokens.get(at)?;
        let fits = match piece {
            Piece::Is(wanted) => *token == wanted,
            Piece::Keyword(word) => matches!(token, Token::Word(w) if is(w, word)),
            Piece::Name => matches!(token, Token::Word(_)),
            Piece::Literal => literal(token),
            Piece::Prefix => matches!(token, Token::SingleQuotedString(prefix) if pattern.starts_with(prefix.as_str())),
            Piece::Run(run) => {
                if tokens.get(at..at + run.len()) != Some(run) {
                    return None;
                }
                at += run.len();
                continue;
            }
        };
        if !fits {
            return None;
        }
        at += 1;
    }
    Some(at - 1)
}

/// One piece of the range Babelfish derives from a LIKE.
enum Piece<'a> {
    Is(Token),
    Keyword(&'static str),
    /// Any name (the collation).
    Name,
    /// Any string literal.
    Literal,
    /// The literal start of the LIKE's pattern.
    Prefix,
    /// The LIKE's left side again.
    Run(&'a [Token]),
}

/// The index of the parenthesis that closes the one at `open`.
pub(crate) fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::snapshot::babelfish_expression;

    fn columns() -> Vec<String> {
        ["AccountCode", "PostalCode", "Region", "First Name"].iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn tsql_reads_babelfishs_like_forms_back_as_like() {
        // As Babelfish 4.2 prints the checks of `tests/legacy/mssql.sql`.
        for (printed, tsql) in [
            (
                "(((accountcode ~~* '99%') AND ((accountcode >= '99') AND (accountcode < ('99' || '\u{ffff}' COLLATE latin1_general_ci_as)))))",
                "AccountCode LIKE '99%'",
            ),
            (
                "(((region !~~* 'Test%') OR (NOT ((region >= 'Test') AND (region < ('Test' || '\u{ffff}' COLLATE latin1_general_ci_as))))))",
                "Region NOT LIKE 'Test%'",
            ),
            ("((postalcode ~~* '[0-9][0-9][0-9][0-9][0-9]'))", "PostalCode LIKE '[0-9][0-9][0-9][0-9][0-9]'"),
            ("((region ~~* CAST(('XY%') AS nvarchar(3))))", "Region LIKE N'XY%'"),
            ("((region !~~* CAST(('ZZ%') AS nvarchar(3))))", "Region NOT LIKE N'ZZ%'"),
            ("((accountcode ~~* like_escape('5[%]%', '!')))", "AccountCode LIKE '5[%]%' ESCAPE '!'"),
            ("((accountcode ~~ ('99' || region)))", "AccountCode LIKE('99' + Region)"),
            ("((\"first name\" ~~* 'A%'))", "\"First Name\" LIKE 'A%'"),
        ] {
            assert_eq!(babelfish_expression(printed, &columns()), tsql, "{printed}");
        }
    }

    #[test]
    fn tsql_leaves_literals_and_what_it_does_not_know_alone() {
        // The same operators inside a literal are text.
        assert_eq!(babelfish_expression("((region = 'a ~~* b || c'))", &columns()), "Region = 'a ~~* b || c'");
        // A range that is not the LIKE's own is kept.
        let other = "(((region ~~* 'ab%') AND ((region >= 'zz') AND (region < ('zz' || 'x' COLLATE c)))))";
        assert!(babelfish_expression(other, &columns()).contains(">= 'zz'"));
        // PostgreSQL-only forms stay for the baseline to report.
        assert_eq!(babelfish_expression("((region)::text ~ '^a'::text)", &columns()), "Region :: text ~ '^a' :: text");
    }
}
