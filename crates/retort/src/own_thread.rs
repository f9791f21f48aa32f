//! Running async database work from sync code that may itself be inside a
//! Tokio runtime.

use std::future::Future;

/// Runs the future `make` returns to completion on a new thread with its own
/// current-thread Tokio runtime, and waits for it.
///
/// Calling `Runtime::block_on` on a thread that is already driving a runtime
/// panics, and a `#[tokio::test]` is exactly such a thread, as is `Drop` run
/// from one. A separate thread has no runtime, so this works from sync tests,
/// async tests and destructors alike. The future is created on that thread,
/// so it need not be `Send`.
pub(crate) fn block_on_own_thread<T, F, Fut>(make: F) -> Result<T, String>
where
    F: FnOnce() -> Fut + Send,
    Fut: Future<Output = Result<T, String>>,
    T: Send,
{
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| format!("could not start a Tokio runtime: {err}"))?;
            runtime.block_on(make())
        });
        worker.join().unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-text panic".to_owned());
            Err(format!("the helper thread panicked: {message}"))
        })
    })
}
