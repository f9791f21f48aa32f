//! Hiding passwords in connection strings before they reach a message.
//!
//! Two readings: [`redact`] hides exactly the password of a string that
//! reads as a URL or key=value list, so that a message still names the host
//! and the database; [`redact_unreadable`] is for a string that could not
//! be read, where the password's end cannot be known, and hides everything
//! that may be part of it.

use std::ops::Range;

/// What a password is replaced with.
const MASK: &str = "***";

/// Keys whose value is a password in key=value connection strings: libpq's
/// `password=…`, ADO.NET's `Password=…`/`PWD=…`, and the same as URL query
/// parameters.
const PASSWORD_KEYS: [&str; 2] = ["password", "pwd"];

/// How much of a string a password may span.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The string reads as intended: a URL's password ends at the `@`
    /// before its host, a key=value password at its separator.
    Exact,
    /// The string could not be read: a password may run on past any `@`
    /// and any separator, so everything up to the last `@` after a login's
    /// `:`, and everything after a password key, is hidden.
    Unreadable,
}

/// Returns `conn` with every password replaced by `***`.
///
/// Handles the URL form (`postgres://user:secret@host/db` becomes
/// `postgres://user:***@host/db`, and so does `user:secret@host/db` without
/// a scheme) and key=value forms (`Password=secret;`, `Password="a;b"`,
/// `password=secret`, `?password=secret`). Strings without a password come
/// back unchanged. When a URL is malformed (an unencoded `/` in the
/// password, say) it errs on the side of hiding too much.
///
/// ```
/// assert_eq!(retort::redact("mssql://sa:S3cret@db:1433/app"), "mssql://sa:***@db:1433/app");
/// assert_eq!(retort::redact("Server=db;User Id=sa;Password=\"S3;cret\";Encrypt=true"), "Server=db;User Id=sa;Password=***;Encrypt=true");
/// ```
pub fn redact(conn: &str) -> String {
    hide(conn, Reading::Exact)
}

/// `conn`, which could not be read as a connection string, as a message may
/// show it: a login's `:password@` is hidden up to the string's last `@`,
/// and everything after a password key (`Password=`, `PWD=`, `password=`)
/// is cut, since where a malformed password ends cannot be known, unless
/// the password is quoted and the quote closed before a `;`.
pub(crate) fn redact_unreadable(conn: &str) -> String {
    hide(conn, Reading::Unreadable)
}

/// `conn` with the spans a password may take masked, overlapping spans as one.
fn hide(conn: &str, reading: Reading) -> String {
    let mut spans: Vec<Range<usize>> = userinfo(conn, reading).into_iter().chain(key_values(conn, reading)).collect();
    spans.sort_by_key(|span| span.start);
    let mut out = String::with_capacity(conn.len());
    let mut copied = 0;
    for span in spans {
        if span.end <= copied {
            continue;
        }
        // A span that starts inside or right after the last one extends
        // its mask.
        if span.start > copied || copied == 0 {
            out.push_str(&conn[copied..span.start]);
            out.push_str(MASK);
        }
        copied = span.end;
    }
    if copied == conn.len() && reading == Reading::Unreadable && !conn.is_empty() && out.ends_with(MASK) {
        out.push_str(" (the rest is not shown)");
    }
    out.push_str(&conn[copied..]);
    out
}

/// The password of a URL's `user:password@` part: after the first `:` of
/// the login, up to the `@` that ends it. Also without a scheme
/// (`user:secret@host/db`), unless what comes before the `@` is a key=value
/// list, where [`key_values`] finds the password.
fn userinfo(conn: &str, reading: Reading) -> Option<Range<usize>> {
    let scheme = conn.find("://");
    let start = scheme.map_or(0, |at| at + 3);
    let rest = &conn[start..];
    let at = match reading {
        // A valid URL has its last `@` inside the authority. If there is
        // none there but there is one later, the password itself probably
        // holds an unencoded `/`, `?` or `#`: mask up to that later `@`
        // rather than leak it.
        Reading::Exact => {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            rest[..authority_end].rfind('@').or_else(|| rest.rfind('@'))?
        }
        Reading::Unreadable => rest.rfind('@')?,
    };
    let login = &rest[..at];
    if reading == Reading::Exact && scheme.is_none() && login.contains(['=', ';']) {
        return None;
    }
    let colon = login.find(':')?;
    Some(start + colon + 1..start + at)
}

/// The value of every `password=` / `pwd=` pair: up to its closing quote
/// when quoted (`'…'`, `"…"`, `{…}`, the quote doubled inside), else up to
/// the next `;` or `&` (or blank, in libpq's blank-separated form). When
/// the string cannot be read, to its end unless the value is quoted and
/// closed before a `;`.
fn key_values(conn: &str, reading: Reading) -> Vec<Range<usize>> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower`
    // index `conn` too.
    let lower = conn.to_ascii_lowercase();
    let bytes = conn.as_bytes();
    let blank_separated = !conn.contains(';');
    let mut spans = Vec::new();
    let mut pos = 0;
    while pos < conn.len() {
        let at_key_start = pos == 0
            || match reading {
                Reading::Exact => matches!(bytes[pos - 1], b';' | b'?' | b'&') || bytes[pos - 1].is_ascii_whitespace(),
                Reading::Unreadable => !bytes[pos - 1].is_ascii_alphanumeric() && bytes[pos - 1] != b'_',
            };
        let key = PASSWORD_KEYS.iter().find(|key| {
            at_key_start && lower[pos..].starts_with(*key) && lower[pos + key.len()..].trim_start().starts_with('=')
        });
        let Some(key) = key else {
            pos += conn[pos..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let after_key = pos + key.len();
        let value_start = after_key + conn[after_key..].find('=').map_or(0, |eq| eq + 1);
        let value_start = value_start + (conn[value_start..].len() - conn[value_start..].trim_start().len());
        let value = &conn[value_start..];
        let quoted = match value.chars().next() {
            Some(quote @ ('\'' | '"')) => Some(quoted_len(value, quote)),
            Some('{') => Some(quoted_len(value, '}')),
            _ => None,
        };
        // A URL's query parameter ends at `&`, an ADO.NET setting at `;`, a
        // libpq setting at a blank.
        let in_query = pos > 0 && matches!(bytes[pos - 1], b'?' | b'&');
        let value_len = match (reading, quoted) {
            // A URL's values are percent-encoded, never quoted.
            (Reading::Exact, _) if in_query => value.find('&').unwrap_or(value.len()),
            (Reading::Exact, Some(len)) => len,
            (Reading::Exact, None) if blank_separated => value.find([' ', '\t']).unwrap_or(value.len()),
            (Reading::Exact, None) => value.find(';').unwrap_or(value.len()),
            // Only a closed quote followed by the end or a `;` surely ends
            // the password.
            (Reading::Unreadable, Some(len)) if value[len..].trim_start().is_empty() || value[len..].trim_start().starts_with(';') => len,
            (Reading::Unreadable, _) => value.len(),
        };
        spans.push(value_start..value_start + value_len);
        pos = (value_start + value_len).max(pos + 1);
    }
    spans
}

/// The length of a value quoted from its first character to `close`, the
/// quote doubled (or, as libpq writes it, backslash-escaped) inside; the
/// whole rest when it is never closed.
fn quoted_len(value: &str, close: char) -> usize {
    let mut chars = value.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == close {
            if chars.peek().is_some_and(|(_, next)| *next == close) {
                chars.next();
            } else {
                return at + c.len_utf8();
            }
        }
    }
    value.len()
}

/// Whether a message about `conn`, which could not be read, may quote
/// `text` from it: only what [`redact_unreadable`] shows anyway.
pub(crate) fn shown_unreadable(conn: &str, text: &str) -> bool {
    redact_unreadable(conn).contains(text)
}

#[cfg(test)]
mod tests {
    use super::{redact, redact_unreadable};

    #[test]
    fn redact_masks_password_when_url_has_userinfo() {
        assert_eq!(redact("postgres://user:secret@host:5432/db"), "postgres://user:***@host:5432/db");
    }

    #[test]
    fn redact_masks_password_when_url_has_no_scheme() {
        assert_eq!(redact("app:S3cr3t@127.0.0.1:1433/master"), "app:***@127.0.0.1:1433/master");
        assert_eq!(redact("sqlite:app:S3cr3t@x.db"), "sqlite:***@x.db");
    }

    #[test]
    fn redact_keeps_url_when_there_is_no_password() {
        for url in [
            "postgres://user@host/db",
            "postgres://host:5432/db",
            "sqlite:///tmp/retort-sqlite-x/test.db",
            "postgres://host:5432/db?sslmode=disable",
            "Server=tcp:h,1433;User Id=me@corp;Database=d",
        ] {
            assert_eq!(redact(url), url);
        }
    }

    #[test]
    fn redact_masks_query_password_and_encoded_userinfo() {
        assert_eq!(
            redact("postgres://u:p%40ss@h/db?password=x&sslmode=require"),
            "postgres://u:***@h/db?password=***&sslmode=require"
        );
    }

    #[test]
    fn redact_masks_too_much_when_password_has_unencoded_slash() {
        assert_eq!(redact("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn redact_masks_key_value_passwords() {
        assert_eq!(
            redact("Server=tcp:h,1433;User Id=sa;Password=Secret!;TrustServerCertificate=true"),
            "Server=tcp:h,1433;User Id=sa;Password=***;TrustServerCertificate=true"
        );
        assert_eq!(redact("host=h password=secret dbname=d"), "host=h password=*** dbname=d");
        assert_eq!(redact("host=h password='a b' dbname=d"), "host=h password=*** dbname=d");
        assert_eq!(redact("host=h password='a\\' b' dbname=d"), "host=h password=*** dbname=d");
        assert_eq!(redact("uid=sa;PWD = x"), "uid=sa;PWD = ***");
        assert_eq!(redact("Server=h;Password=\"a;\"\"b\";Encrypt=no"), "Server=h;Password=***;Encrypt=no");
        assert_eq!(redact("Server=h;Password={a;}}b};Encrypt=no"), "Server=h;Password=***;Encrypt=no");
        assert_eq!(redact("Server=h;Password=a b;Encrypt=no"), "Server=h;Password=***;Encrypt=no");
    }

    #[test]
    fn redact_masks_both_when_an_ado_password_holds_an_at_sign() {
        let text = redact("Server=tcp:h,1;User Id=u;Password=Ab@cd;Encrypt=no");
        assert!(!text.contains("Ab") && !text.contains("cd"), "{text}");
    }

    #[test]
    fn redact_leaves_lookalike_keys_alone() {
        assert_eq!(redact("host=h passwordless=yes"), "host=h passwordless=yes");
        assert_eq!(redact("user=pwdx"), "user=pwdx");
    }

    #[test]
    fn redact_unreadable_hides_everything_the_password_may_run_into() {
        assert_eq!(
            redact_unreadable("Server=h;User Id=sa; PWD=\"a;b;c"),
            "Server=h;User Id=sa; PWD=*** (the rest is not shown)"
        );
        assert_eq!(redact_unreadable("Server=h;Encrypt=maybe"), "Server=h;Encrypt=maybe");
        assert_eq!(redact_unreadable("Server=h;PWD='a;b';Encrypt=maybe"), "Server=h;PWD=***;Encrypt=maybe");
        assert!(!redact_unreadable("password='x;y").contains('x'));
        // The last `@` ends the login, wherever it is.
        assert_eq!(redact_unreadable("postgres://u:ab@cd/ef@host:port/db"), "postgres://u:***@host:port/db");
        assert_eq!(redact_unreadable("u:ab?c@h:99999"), "u:***@h:99999");
        assert_eq!(redact_unreadable("h/db?x=1,password=ab&cd=1"), "h/db?x=1,password=*** (the rest is not shown)");
    }
}
