//! The syntax of ADO.NET connection strings, the form .NET projects and
//! Azure portals give for SQL Server:
//! `Server=tcp:host,1433;Database=app;User Id=sa;Password=…;Encrypt=True`.
//!
//! What each key means is SQL Server's business ([`super::mssql`]); this
//! module only splits the string into pairs.

use super::error::OptionsError;

/// Splits an ADO.NET connection string into `(key, value)` pairs.
///
/// Pairs are separated by `;`; a value may be quoted with `'…'` or `"…"`
/// (the quote doubled inside) or, as in ODBC, `{…}` (`}}` inside), which is
/// how a value holds a `;`. Unquoted values are trimmed.
pub(super) fn pairs(raw: &str) -> Result<Vec<(String, String)>, OptionsError> {
    let mut pairs = Vec::new();
    let mut rest = raw;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_whitespace());
        if rest.is_empty() {
            return Ok(pairs);
        }
        let Some(equals) = rest.find('=') else {
            let shown: String = rest.chars().take_while(|c| *c != ';').take(30).collect();
            return Err(OptionsError::quoting(shown.trim(), |shown| format!("{shown} is not a key=value setting")));
        };
        let name = rest[..equals].trim().to_owned();
        if name.contains(';') {
            let shown = name.split(';').next().unwrap_or("").trim();
            return Err(OptionsError::quoting(shown, |shown| format!("{shown} is not a key=value setting")));
        }
        let after = rest[equals + 1..].trim_start_matches([' ', '\t']);
        let (value, remaining) = match after.chars().next() {
            Some(quote @ ('\'' | '"')) => quoted(&after[1..], quote, &name)?,
            Some('{') => quoted(&after[1..], '}', &name)?,
            _ => {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            }
        };
        pairs.push((name, value));
        rest = remaining;
    }
}

/// Reads a quoted value up to `close` (doubled inside), returning it and
/// what follows its `;`.
fn quoted<'a>(text: &'a str, close: char, name: &str) -> Result<(String, &'a str), OptionsError> {
    let mut value = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != close {
            value.push(c);
            continue;
        }
        if chars.peek().map(|(_, next)| *next) == Some(close) {
            value.push(close);
            chars.next();
            continue;
        }
        let after = &text[at + c.len_utf8()..];
        let trimmed = after.trim_start();
        if !(trimmed.is_empty() || trimmed.starts_with(';')) {
            return Err(OptionsError::quoting(name, |name| {
                format!("the quoted value of {name} is followed by more text before the next `;`")
            }));
        }
        return Ok((value, trimmed));
    }
    Err(OptionsError::quoting(name, |name| format!("the quoted value of {name} has no closing {close}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_reads_quoted_values_with_semicolons_and_doubled_quotes() {
        let pairs = pairs("Server = h ; PWD='a;b''c'; Password={x}}y};App=\"q\"\"r\"").unwrap();
        let expected = [("Server", "h"), ("PWD", "a;b'c"), ("Password", "x}y"), ("App", "q\"r")];
        assert_eq!(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn pairs_fails_when_a_setting_has_no_equals_sign() {
        let error = pairs("Server=h;oops;User Id=sa").unwrap_err();
        assert_eq!(error.to_string(), "`oops` is not a key=value setting");
    }
}
