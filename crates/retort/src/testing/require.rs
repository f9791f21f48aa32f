//! Turning "this database is unavailable" into a loud skip or, where the
//! database is required, a failure. Used by [`test_database!`](crate::test_database).

use std::io::Write;

use super::{BackendKind, TestDatabase, UnknownBackend};

/// The environment variable listing the backends that must be available,
/// comma-separated (`sqlite,postgres`), or `all`. CI sets it so that a
/// missing server fails the run instead of skipping tests.
pub const REQUIRE_BACKENDS_ENV: &str = "RETORT_REQUIRE_BACKENDS";

/// Whether `kind` is listed in a `RETORT_REQUIRE_BACKENDS` value.
///
/// `None` or an empty value requires nothing; `all` requires every kind.
/// An unknown name is an error rather than ignored: a typo such as
/// `postgress` would otherwise quietly turn a required backend into a skip.
///
/// ```
/// use retort::testing::{is_required, BackendKind};
/// assert_eq!(is_required(BackendKind::Postgres, Some("sqlite, postgres")), Ok(true));
/// assert_eq!(is_required(BackendKind::Mssql, Some("sqlite,postgres")), Ok(false));
/// assert_eq!(is_required(BackendKind::Mssql, None), Ok(false));
/// ```
pub fn is_required(kind: BackendKind, env_value: Option<&str>) -> Result<bool, UnknownBackend> {
    let mut required = false;
    for name in env_value.unwrap_or("").split(',').map(str::trim).filter(|name| !name.is_empty()) {
        // Every entry is parsed, even after a match, so that a typo anywhere
        // in the list is reported by whichever test reads it first.
        required |= name.eq_ignore_ascii_case("all") || name.parse::<BackendKind>()? == kind;
    }
    Ok(required)
}

/// The body of [`test_database!`](crate::test_database): the database, or
/// `None` after a banner on stderr, or a panic when the kind is required.
///
/// Hidden because it is only meant to be reached through the macro, whose
/// expansion in a user's crate needs a public path to it.
#[doc(hidden)]
pub fn __test_database_or_report(kind: BackendKind) -> Option<TestDatabase> {
    __available_or_report(kind, TestDatabase::new(kind))
}

/// What [`__test_database_or_report`] does for anything a test needs of
/// `kind` (a database, a dedicated server): the thing, or a loud
/// `NOT TESTED` and `None`, or a panic where `kind` is required.
#[doc(hidden)]
pub fn __available_or_report<T>(kind: BackendKind, available: Result<T, super::Unavailable>) -> Option<T> {
    let env_value = match std::env::var(REQUIRE_BACKENDS_ENV) {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(raw)) => {
            panic!("{REQUIRE_BACKENDS_ENV}={raw:?} is not valid UTF-8; expected e.g. sqlite,postgres")
        }
    };
    let required = match is_required(kind, env_value.as_deref()) {
        Ok(required) => required,
        Err(err) => panic!("{REQUIRE_BACKENDS_ENV}: {err}"),
    };
    match available {
        Ok(available) => Some(available),
        Err(err) if required => panic!(
            "{err}\n{kind} is listed in {REQUIRE_BACKENDS_ENV}, so this test fails instead of being skipped.\n{}",
            how_to_provide(kind)
        ),
        Err(err) => {
            let test = std::thread::current().name().unwrap_or("<unnamed thread>").to_owned();
            let rule = "=".repeat(78);
            // Written to the stderr handle instead of with `eprintln!`: the
            // test harness captures `eprintln!` and shows it only for failing
            // tests, and a skipped test passes, so the banner would be hidden.
            // A failed write to stderr leaves nothing better to do, hence `let _`.
            let _ = writeln!(
                std::io::stderr().lock(),
                "\n{rule}\nNOT TESTED: {test}\n  {err}\n  {}\n  \
                 set {REQUIRE_BACKENDS_ENV}={kind} to make this a failure instead of a skip.\n  \
                 This test did not check anything.\n{rule}",
                how_to_provide(kind),
            );
            None
        }
    }
}

/// What a person can do to get a database of this kind.
fn how_to_provide(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Sqlite => "SQLite needs only a writable temporary directory (check TMPDIR).",
        BackendKind::Postgres => {
            "Set RETORT_TEST_POSTGRES_URL=postgres://user:password@host:port/postgres, start a Docker engine, \
             or install PostgreSQL (initdb and postgres on PATH or in `pg_config --bindir`)."
        }
        BackendKind::Mssql => {
            "Set RETORT_TEST_MSSQL_URL=mssql://sa:password@host:1433/master?trust_server_certificate=true (a login \
             that may create databases), or start a Docker engine and set RETORT_ACCEPT_MSSQL_EULA=1 to accept the \
             SQL Server image's EULA."
        }
    }
}

/// Binds a throwaway database of the given [`BackendKind`] in a test, or
/// returns from the test when there is none.
///
/// - When the database can be had, evaluates to the
///   [`TestDatabase`](crate::testing::TestDatabase).
/// - When it cannot and the kind is listed in the `RETORT_REQUIRE_BACKENDS`
///   environment variable (comma-separated, e.g. `sqlite,postgres`, or
///   `all`), panics with the reason: the test fails. CI sets this.
/// - Otherwise prints a `NOT TESTED` banner with the reason to stderr (past
///   the test harness's output capture, so it shows even though the test
///   passes) and **executes `return` in the enclosing function**: the rest of
///   the test does not run. The one-argument form returns `()`; for a test
///   returning a `Result`, give the value to return: `test_database!(kind, Ok(()))`.
///   Inside a closure the `return` leaves the closure, not the test.
///
/// An unknown name in `RETORT_REQUIRE_BACKENDS` panics, so a typo cannot turn
/// a required backend into a skip.
///
/// ```no_run
/// use retort::testing::BackendKind;
///
/// #[tokio::test]
/// async fn applies_on_postgres() {
///     let db = retort::test_database!(BackendKind::Postgres);
///     let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
///     // ...
/// }
/// ```
#[macro_export]
macro_rules! test_database {
    ($kind:expr) => {
        $crate::test_database!($kind, ())
    };
    ($kind:expr, $otherwise:expr) => {
        match $crate::testing::__test_database_or_report($kind) {
            ::core::option::Option::Some(database) => database,
            ::core::option::Option::None => return $otherwise,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_required_is_false_when_variable_is_unset_or_empty() {
        assert_eq!(is_required(BackendKind::Sqlite, None), Ok(false));
        assert_eq!(is_required(BackendKind::Sqlite, Some("")), Ok(false));
        assert_eq!(is_required(BackendKind::Sqlite, Some(" , ")), Ok(false));
    }

    #[test]
    fn is_required_is_true_when_kind_is_listed() {
        assert_eq!(is_required(BackendKind::Postgres, Some("sqlite,postgres")), Ok(true));
        assert_eq!(is_required(BackendKind::Postgres, Some(" SQLite , POSTGRES ")), Ok(true));
        assert_eq!(is_required(BackendKind::Mssql, Some("mssql")), Ok(true));
    }

    #[test]
    fn is_required_is_false_when_kind_is_not_listed() {
        assert_eq!(is_required(BackendKind::Mssql, Some("sqlite,postgres")), Ok(false));
    }

    #[test]
    fn is_required_is_true_for_every_kind_when_all() {
        for kind in BackendKind::ALL {
            assert_eq!(is_required(kind, Some("all")), Ok(true));
        }
    }

    #[test]
    fn is_required_fails_when_a_name_is_unknown() {
        let err = is_required(BackendKind::Sqlite, Some("sqlite,postgress")).unwrap_err();
        assert_eq!(err.name, "postgress");
    }
}
