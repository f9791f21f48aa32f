//! The safety rule from the seeding guide: development commands that write
//! data or drop databases only touch databases that look local.

use crate::DatabaseUrl;

/// Database names that look like production, whatever the host.
const PRODUCTION_PATTERNS: [&str; 4] = ["prod", "production", "live", "master"];

/// Why a database does not look local, or `None` when it does.
pub fn not_local_reason(url: &DatabaseUrl) -> Option<String> {
    let Some(host) = url.host() else {
        return None; // SQLite: a file on this machine.
    };
    let host_is_local = matches!(host.trim_matches(['[', ']']), "localhost" | "127.0.0.1" | "::1") || host.starts_with("127.");
    if !host_is_local {
        return Some(format!("its host {host} is not this machine (localhost, 127.0.0.1 or ::1)"));
    }
    let name = url.database_name().unwrap_or_default().to_ascii_lowercase();
    PRODUCTION_PATTERNS
        .iter()
        .find(|pattern| name.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word == **pattern))
        .map(|pattern| format!("its name {name} looks like production (contains `{pattern}`)"))
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
        assert_eq!(reason("sqlite://dev.db"), None);
    }

    #[test]
    fn not_local_reason_names_host_or_pattern_when_database_is_remote_or_production() {
        assert!(reason("postgres://u:p@db.example.com/dev").unwrap().contains("db.example.com"));
        assert!(reason("postgres://u:p@localhost/app_prod").unwrap().contains("prod"));
    }
}
