//! The safety rule from the seeding guide: development commands that write
//! data or drop databases only touch databases that look local.

use crate::{DatabaseUrl, Dialect};

/// Database names that look like production, whatever the host.
const PRODUCTION_PATTERNS: [&str; 4] = ["prod", "production", "live", "master"];

/// Why a database does not look local, or `None` when it does.
///
/// The hosts are the driver's reading of the URL ([`DatabaseUrl::hosts`]),
/// so a password that another URL parser would misread cannot make a remote
/// server look like this machine. Every host the driver may try must be local.
pub fn not_local_reason(url: &DatabaseUrl) -> Option<String> {
    if url.dialect() == Dialect::Sqlite {
        return None; // A file on this machine.
    }
    let hosts = url.hosts();
    if hosts.is_empty() {
        return Some("it names no host, so it cannot be told to be this machine".to_owned());
    }
    if let Some(host) = hosts.iter().find(|host| !is_local(host)) {
        return Some(format!(
            "its host {host} is not this machine (localhost, 127.0.0.1, ::1 or a Unix socket)"
        ));
    }
    let name = url.database_name().unwrap_or_default().to_ascii_lowercase();
    PRODUCTION_PATTERNS
        .iter()
        .find(|pattern| {
            name.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == **pattern)
        })
        .map(|pattern| format!("its name {name} looks like production (contains `{pattern}`)"))
}

/// A loopback name or address, or a Unix socket (a folder path, as the
/// PostgreSQL driver writes one).
fn is_local(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    matches!(host, "localhost" | "::1") || host.starts_with("127.") || host.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(url: &str) -> Option<String> {
        not_local_reason(&DatabaseUrl::parse(url).unwrap())
    }

    #[test]
    fn not_local_reason_is_none_when_host_is_loopback() {
        assert_eq!(reason("postgres://u:p@localhost:5432/dev"), None);
        assert_eq!(reason("postgres://u:p@127.0.0.1/dev"), None);
        assert_eq!(reason("postgres://u:p@[::1]:5432/dev"), None);
        assert_eq!(reason("postgres://u@/dev?host=/var/run/postgresql"), None);
        assert_eq!(reason("mssql://sa:p@localhost:1433/dev"), None);
        assert_eq!(reason("sqlite://dev.db"), None);
    }

    #[test]
    fn not_local_reason_names_host_or_pattern_when_database_is_remote_or_production() {
        assert!(reason("postgres://u:p@db.example.com/dev")
            .unwrap()
            .contains("db.example.com"));
        assert!(reason("postgres://u:p@localhost/app_prod")
            .unwrap()
            .contains("prod"));
    }

    #[test]
    fn not_local_reason_names_remote_host_when_password_has_slash_or_hash() {
        // A generic URL parser ends the authority at the `/` or `#` and finds
        // no host at all; the driver connects to db.example.com.
        for url in [
            "postgres://u:pa/ss@db.example.com/dev",
            "postgres://u:pa#ss@db.example.com/dev",
        ] {
            let reason = reason(url).unwrap_or_else(|| panic!("{url} looked local"));
            assert!(reason.contains("db.example.com"), "{reason}");
            assert!(
                !reason.contains("pa/ss") && !reason.contains("pa#ss"),
                "{reason}"
            );
        }
        assert_eq!(reason("postgres://u:pa/ss#@localhost/dev"), None);
    }

    #[test]
    fn not_local_reason_names_remote_host_when_any_host_the_driver_tries_is_remote() {
        assert!(reason("postgres://u@localhost,db.example.com/dev")
            .unwrap()
            .contains("db.example.com"));
        // The driver connects to hostaddr, not to the host name.
        assert!(reason("postgres://u@localhost/dev?hostaddr=10.1.2.3")
            .unwrap()
            .contains("10.1.2.3"));
        assert!(reason("mssql://sa:p@ss@db.example.com/dev")
            .unwrap()
            .contains("db.example.com"));
    }
}
