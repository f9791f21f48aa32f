//! Hiding passwords in connection strings before they reach a message.

/// What a password is replaced with.
const MASK: &str = "***";

/// Keys whose value is a password in key=value connection strings: libpq's
/// `password=…`, ADO.NET's `Password=…`/`PWD=…`, and the same as URL query
/// parameters.
const PASSWORD_KEYS: [&str; 2] = ["password", "pwd"];

/// Returns `conn` with every password replaced by `***`.
///
/// Handles the URL form (`postgres://user:secret@host/db` becomes
/// `postgres://user:***@host/db`) and key=value forms (`Password=secret;`,
/// `password=secret`, `?password=secret`). Strings without a password come
/// back unchanged. When a URL is malformed (an unencoded `/` in the password,
/// say) it errs on the side of hiding too much.
pub fn redact(conn: &str) -> String {
    redact_key_values(&redact_userinfo(conn))
}

/// Masks the password of a URL's `user:password@` part.
fn redact_userinfo(conn: &str) -> String {
    let Some(scheme_end) = conn.find("://") else {
        return conn.to_owned();
    };
    let start = scheme_end + 3;
    let rest = &conn[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // A valid URL has its last `@` inside the authority. If there is none
    // there but there is one later, the password itself probably holds an
    // unencoded `/`, `?` or `#`: mask up to that later `@` rather than leak it.
    let Some(at) = rest[..authority_end].rfind('@').or_else(|| rest.rfind('@')) else {
        return conn.to_owned();
    };
    let Some(colon) = rest[..at].find(':') else {
        return conn.to_owned();
    };
    format!("{}{}{}", &conn[..start + colon + 1], MASK, &conn[start + at..])
}

/// Masks the value of every `password=` / `pwd=` pair.
fn redact_key_values(conn: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower`
    // index `conn` too.
    let lower = conn.to_ascii_lowercase();
    let mut out = String::with_capacity(conn.len());
    let mut copied = 0;
    let mut pos = 0;
    while pos < conn.len() {
        let at_key_start = pos == 0 || matches!(conn.as_bytes()[pos - 1], b';' | b' ' | b'?' | b'&');
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
        let value_len = match value.strip_prefix('\'') {
            // libpq allows quoted values: `password='a b'`.
            Some(quoted) => quoted.find('\'').map_or(value.len(), |close| close + 2),
            None => value.find([';', '&', ' ']).unwrap_or(value.len()),
        };
        out.push_str(&conn[copied..value_start]);
        out.push_str(MASK);
        copied = value_start + value_len;
        pos = copied.max(pos + 1);
    }
    out.push_str(&conn[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_masks_password_when_url_has_userinfo() {
        assert_eq!(redact("postgres://user:secret@host:5432/db"), "postgres://user:***@host:5432/db");
    }

    #[test]
    fn redact_keeps_url_when_there_is_no_password() {
        for url in [
            "postgres://user@host/db",
            "postgres://host:5432/db",
            "sqlite:///tmp/retort-sqlite-x/test.db",
            "postgres://host:5432/db?sslmode=disable",
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
        assert_eq!(redact("uid=sa;PWD = x"), "uid=sa;PWD = ***");
    }

    #[test]
    fn redact_leaves_lookalike_keys_alone() {
        assert_eq!(redact("host=h passwordless=yes"), "host=h passwordless=yes");
        assert_eq!(redact("user=pwdx"), "user=pwdx");
    }
}
