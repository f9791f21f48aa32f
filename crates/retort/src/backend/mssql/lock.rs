//! The migration lock: an application lock (`sp_getapplock`) owned by the
//! session.
//!
//! The server waits for the lock itself, up to the timeout, so taking it is
//! one request; and it releases a session's locks when the session ends, so
//! a killed migrator never leaves the lock held. The resource names the
//! database: SQL Server's application locks belong to the current database
//! anyway, Babelfish's are server-wide, and migrators of different
//! databases must not wait for each other.

use std::time::Duration;

/// The lock's resource name.
pub(crate) const RESOURCE: &str = "retort";

/// Takes the lock, waiting up to `timeout_ms` milliseconds; returns
/// `sp_getapplock`'s return code as the one row of the one column `result`.
/// A batch with its arguments written in (the resource is a constant, the
/// timeout a number), not a parameterised request, so that the question of
/// which server this is can go in front of it in the same request
/// ([`flavour::DETECT_SQL`](super::flavour::DETECT_SQL)): in a new session
/// on the TDS server here the two took 178 ms as one request against 226 ms
/// as two (median of 30 sessions each), and on a server across a network
/// they cost one round trip instead of two. The arguments go by position
/// (`@Resource`, `@LockMode`, `@LockOwner`, `@LockTimeout`), which Babelfish
/// parses about 35 ms faster than by name in a new session.
pub(crate) fn lock_sql(timeout_ms: i32) -> String {
    format!(
        "DECLARE @result int, @resource nvarchar(255) = CONCAT({}, N':', DB_NAME());
EXEC @result = sys.sp_getapplock @resource, N'Exclusive', N'Session', {timeout_ms};
SELECT @result AS {RESULT_COLUMN};",
        crate::Dialect::Mssql.quote_literal(RESOURCE)
    )
}

/// The column of [`lock_sql`]'s row.
pub(crate) const RESULT_COLUMN: &str = "result";

/// Releases the lock; returns `sp_releaseapplock`'s return code. By
/// position too: `@Resource`, `@LockOwner`.
pub(crate) const UNLOCK_SQL: &str = "DECLARE @result int, @resource nvarchar(255) = CONCAT(@P1, N':', DB_NAME());
EXEC @result = sys.sp_releaseapplock @resource, N'Session';
SELECT @result AS result;";

/// Who holds the lock, best effort: reading `sys.dm_tran_locks` needs the
/// `VIEW SERVER STATE` (or, on SQL Server 2022, `VIEW DATABASE STATE`)
/// permission, which a migration login may lack. An application lock's
/// `resource_description` reads like `0:[retort]:(8194443284a0)`.
pub(crate) const HOLDER_SQL: &str = "SELECT TOP (1) CONCAT(N'session ', l.request_session_id, N' (', \
COALESCE(s.program_name, N'unknown program'), N' on ', COALESCE(s.host_name, N'unknown host'), N', login ', \
COALESCE(s.login_name, N'unknown'), N')') AS holder
FROM sys.dm_tran_locks AS l
LEFT JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id
WHERE l.resource_type = N'APPLICATION' AND l.resource_database_id = DB_ID() AND l.request_status = N'GRANT'
AND l.request_session_id <> @@SPID AND l.resource_description LIKE N'%retort%';";

/// `@LockTimeout` in milliseconds: an `int`, so longer waits are capped at
/// about 24 days.
pub(crate) fn timeout_ms(timeout: Duration) -> i32 {
    i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX)
}

/// What `sp_getapplock`'s return code means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// 0: granted at once; 1: granted after waiting.
    Granted,
    /// -1: another session held it for the whole timeout.
    TimedOut,
    /// -2, -3, -999 and anything undocumented.
    Failed(String),
}

pub(crate) fn outcome(code: i64, flavour: crate::Flavour) -> Outcome {
    match code {
        0 | 1 => Outcome::Granted,
        -1 => Outcome::TimedOut,
        // Babelfish answers a lock held elsewhere with -999 when the timeout
        // is 0 ("unavailable"), where SQL Server answers -1.
        -999 if flavour == crate::Flavour::Babelfish => Outcome::TimedOut,
        -2 => Outcome::Failed("the lock request was canceled (sp_getapplock returned -2)".to_owned()),
        -3 => Outcome::Failed("the lock request was chosen as a deadlock victim (sp_getapplock returned -3)".to_owned()),
        -999 => Outcome::Failed(
            "sp_getapplock refused its parameters or the call (returned -999); the login needs to be able to run \
             sys.sp_getapplock in this database"
                .to_owned(),
        ),
        other => Outcome::Failed(format!("sp_getapplock returned {other}, which it does not document")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_accepts_codes_zero_and_one_only() {
        let standard = crate::Flavour::Standard;
        assert_eq!(outcome(0, standard), Outcome::Granted);
        assert_eq!(outcome(1, standard), Outcome::Granted);
        assert_eq!(outcome(-1, standard), Outcome::TimedOut);
        assert_eq!(outcome(-999, crate::Flavour::Babelfish), Outcome::TimedOut);
        for code in [-2, -3, -999, 7] {
            assert!(matches!(outcome(code, standard), Outcome::Failed(_)), "{code}");
        }
    }

    #[test]
    fn timeout_ms_caps_at_int_range() {
        assert_eq!(timeout_ms(Duration::from_millis(1500)), 1500);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX / 4)), i32::MAX);
    }

    #[test]
    fn lock_sql_checks_the_return_code_of_a_session_lock() {
        let sql = lock_sql(1500);
        assert!(sql.contains("@resource nvarchar(255) = CONCAT(N'retort', N':', DB_NAME())"), "{sql}");
        assert!(sql.contains("EXEC @result = sys.sp_getapplock @resource, N'Exclusive', N'Session', 1500;"), "{sql}");
        assert!(sql.ends_with(&format!("SELECT @result AS {RESULT_COLUMN};")), "{sql}");
        assert!(
            UNLOCK_SQL.contains("sys.sp_releaseapplock @resource, N'Session';")
        );
    }
}
