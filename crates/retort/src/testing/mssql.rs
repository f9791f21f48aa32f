//! SQL Server test databases: not built yet.
//!
//! Planned sources, in this order, mirroring PostgreSQL's:
//!
//! 1. `RETORT_TEST_MSSQL_URL`: an existing server; a fresh database per test
//!    with `CREATE DATABASE [retort_t_<pid>_<n>]`, dropped on drop after
//!    `ALTER DATABASE … SET SINGLE_USER WITH ROLLBACK IMMEDIATE` (SQL Server's
//!    counterpart of PostgreSQL's `WITH (FORCE)`).
//! 2. TODO: a testcontainers container, started once per test process like
//!    the PostgreSQL one (see `postgres/container.rs`), when a Docker engine is
//!    reachable AND `RETORT_ACCEPT_MSSQL_EULA=1` is set:
//!
//!    ```text
//!    use testcontainers_modules::mssql_server::MssqlServer;
//!    // The image's licence makes the user accept Microsoft's EULA; retort
//!    // must not accept it on their behalf, hence the explicit opt-in.
//!    let container = MssqlServer::default()
//!        .with_accept_eula()
//!        .with_sa_password(generated_password)
//!        .start().await?;
//!    // Server=tcp:{host},{port 1433};User Id=sa;Password=…;TrustServerCertificate=true
//!    ```
//!
//!    The image is amd64-only and takes 10–20 s to start; the watchdog of
//!    `watchdog.rs` removes it when the test process ends.
//!
//! There is no local-binaries path: SQL Server cannot be run as a throwaway
//! process the way `initdb` + `postgres` can.

use super::{BackendKind, Unavailable};

/// An existing SQL Server for the tests to create databases on.
pub const MSSQL_URL_ENV: &str = "RETORT_TEST_MSSQL_URL";

/// The opt-in to Microsoft's EULA for the SQL Server container image.
pub const ACCEPT_MSSQL_EULA_ENV: &str = "RETORT_ACCEPT_MSSQL_EULA";

/// Whether the user accepted the SQL Server image's EULA: only the exact value
/// `1` counts, so that no accidental value (`0`, `false`, empty) accepts a licence.
pub(super) fn eula_accepted(env_value: Option<&str>) -> bool {
    env_value.map(str::trim) == Some("1")
}

pub(super) fn unavailable() -> Unavailable {
    const NOT_BUILT: &str = "the SQL Server backend is not built yet";
    let reason = match std::env::var(MSSQL_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => {
            format!("{NOT_BUILT} ({MSSQL_URL_ENV} is set to {}, but nothing can use it yet)", crate::redact::redact(&url))
        }
        _ => {
            let eula = if eula_accepted(std::env::var(ACCEPT_MSSQL_EULA_ENV).ok().as_deref()) {
                format!("{ACCEPT_MSSQL_EULA_ENV}=1 is set, but the container path is not built either")
            } else {
                format!(
                    "the container path will also need {ACCEPT_MSSQL_EULA_ENV}=1, \
                     accepting the SQL Server image's EULA"
                )
            };
            format!("{NOT_BUILT}; {MSSQL_URL_ENV} is not set; {eula}")
        }
    };
    Unavailable::new(BackendKind::Mssql, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eula_accepted_only_when_value_is_one() {
        assert!(eula_accepted(Some("1")));
        assert!(eula_accepted(Some(" 1 ")));
        for refused in [None, Some(""), Some("0"), Some("yes"), Some("true")] {
            assert!(!eula_accepted(refused), "{refused:?}");
        }
    }
}
