//! Waiting for the migration lock where the database cannot wait for it
//! itself.
//!
//! SQLite's file lock and PostgreSQL's advisory lock are taken with a
//! non-blocking try (`try_lock`, `pg_try_advisory_lock`), so waiting is a
//! loop: try, sleep, try again until the timeout. That loop, its back-off
//! and the message a timeout gives are written once, here; a backend
//! supplies only its one try and who holds the lock. SQL Server needs none
//! of it: `sp_getapplock` waits on the server, up to its `@LockTimeout`.

use std::future::Future;
use std::time::{Duration, Instant};

use super::BackendError;

/// The first pause between two tries: short, so that a lock released a
/// moment later (the common case: a migrator that found nothing to do) is
/// taken at once.
const FIRST_PAUSE: Duration = Duration::from_millis(10);

/// The longest pause between two tries: how late, at most, a waiting
/// migrator notices that the lock was released.
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// Tries to take the lock with `try_once` until it succeeds or `timeout`
/// has passed, pausing between tries (10 ms, doubling up to 100 ms, never
/// past the timeout, so that the last try is made when it is reached).
///
/// `try_once` says whether it took the lock; its error (a broken
/// connection, a lock file that cannot be locked) ends the wait at once.
/// When the time is up, `holder` is asked once who holds the lock, for the
/// message, and the error names `database` and how long the wait was. A
/// timeout of zero tries once.
///
/// Closures returning futures rather than async closures: the future of an
/// `AsyncFnMut` borrows the closure, and the compiler cannot then prove the
/// lock's future `Send` for every lifetime, which an application spawning
/// its upgrade needs.
pub(crate) async fn poll<Try, Tried, Holder, Held>(
    database: String,
    timeout: Duration,
    mut try_once: Try,
    holder: Holder,
) -> Result<(), BackendError>
where
    Try: FnMut() -> Tried,
    Tried: Future<Output = Result<bool, BackendError>>,
    Holder: FnOnce() -> Held,
    Held: Future<Output = String>,
{
    let started = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        if try_once().await? {
            return Ok(());
        }
        let waited = started.elapsed();
        let Some(left) = timeout.checked_sub(waited).filter(|left| !left.is_zero()) else {
            return Err(BackendError::LockTimeout { database, holder: holder().await, waited });
        };
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn poll_succeeds_when_the_lock_is_free_after_some_tries() {
        let mut tries = 0;
        let result = poll(
            "db".to_owned(),
            Duration::from_secs(10),
            || {
                tries += 1;
                std::future::ready(Ok(tries == 4))
            },
            || async { unreachable!("the lock was taken: nobody asks who holds it") },
        )
        .await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(tries, 4);
    }

    #[tokio::test]
    async fn poll_fails_naming_the_holder_when_the_timeout_is_reached() {
        let timeout = Duration::from_millis(120);
        let mut tries = 0;
        let started = Instant::now();
        let error = poll(
            "SQLite database app.db".to_owned(),
            timeout,
            || {
                tries += 1;
                std::future::ready(Ok(false))
            },
            || std::future::ready("a process holding app.db.retort-lock".to_owned()),
        )
        .await
        .unwrap_err();
        let elapsed = started.elapsed();
        let BackendError::LockTimeout { database, holder, waited } = &error else {
            panic!("not a lock timeout: {error:?}");
        };
        assert_eq!(database, "SQLite database app.db");
        assert_eq!(holder, "a process holding app.db.retort-lock");
        assert!(*waited >= timeout && *waited <= elapsed, "waited {waited:?} of {timeout:?}");
        // Pauses of 10, 20, 40 ms, then the 50 left: a try at the start and
        // after each, fewer when a loaded machine oversleeps.
        assert!((2..=5).contains(&tries), "{tries} tries");
        let text = error.to_string();
        assert!(
            text.contains("held by another migrator (a process holding app.db.retort-lock)")
                && text.contains("raise --lock-timeout"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn poll_tries_once_when_the_timeout_is_zero() {
        let mut tries = 0;
        let error = poll(
            "db".to_owned(),
            Duration::ZERO,
            || {
                tries += 1;
                std::future::ready(Ok(false))
            },
            || std::future::ready("another session".to_owned()),
        )
        .await
        .unwrap_err();
        assert!(matches!(error, BackendError::LockTimeout { .. }), "{error:?}");
        assert_eq!(tries, 1);
    }

    #[tokio::test]
    async fn poll_stops_at_once_when_a_try_fails() {
        let mut tries = 0;
        let error = poll(
            "db".to_owned(),
            Duration::from_secs(10),
            || {
                tries += 1;
                std::future::ready(Err(BackendError::Database {
                    context: "locking the lock file",
                    message: "no space".to_owned(),
                }))
            },
            || async { unreachable!("a failed try is not a timeout") },
        )
        .await
        .unwrap_err();
        assert!(matches!(error, BackendError::Database { context: "locking the lock file", .. }), "{error:?}");
        assert_eq!(tries, 1);
    }
}
