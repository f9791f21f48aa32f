//! Cleaning up after the test process, however it ends.
//!
//! Servers shared by a whole test process live in `static`s, and Rust never
//! drops statics: no destructor stops them. Neither does anything run when the
//! process is killed. So the cleanup is done by another process, a small `sh`
//! script that outlives the test process just long enough.

use std::ffi::OsStr;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// The OS user a child process runs as, when not the current one.
#[derive(Clone, Copy, Debug)]
pub(super) struct RunAs {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl RunAs {
    /// Applies this user to `command`. The standard library's `uid` also
    /// drops root's supplementary groups, so the child has only the
    /// user's own rights.
    pub(super) fn apply(run_as: Option<RunAs>, command: &mut Command) -> &mut Command {
        if let Some(user) = run_as {
            command.uid(user.uid).gid(user.gid);
        }
        command
    }
}

/// A running cleanup script.
///
/// The script's stdin is a pipe whose only write end this value holds and
/// never writes to. The script first reads stdin to end of file, which comes
/// when that write end is closed: when this value is dropped or released, or
/// when the test process ends in any way, since the kernel closes the
/// descriptors of a dead process, even after `SIGKILL`. Then it cleans up.
/// Unlike polling `kill -0 <pid>`, this cannot mistake a recycled pid for the
/// test process and works when the script runs as another user, which may not
/// signal the test process.
///
/// The standard library opens the pipe close-on-exec, so no other child of
/// the test process inherits the write end and keeps the script waiting.
#[derive(Debug)]
pub(super) struct Watchdog {
    child: Child,
}

/// Shell lines that wait for the test process to end. `HUP` and `INT` are
/// ignored so that a closing terminal or a Ctrl-C aimed at the test run
/// cannot kill the script before it has cleaned up.
pub(super) const WAIT_FOR_TEST_PROCESS: &str = "trap '' HUP INT\nwhile read -r _; do :; done\n";

impl Watchdog {
    /// Starts `sh -c <script> <name> <args…>`, as `run_as` if given.
    ///
    /// The script runs in its own process group, so signals sent to the test
    /// run's group (Ctrl-C, a CI runner's timeout) reach the test process but
    /// not the script: it must survive the test process to clean up after it.
    pub(super) fn spawn<I, S>(script: &str, name: &str, args: I, run_as: Option<RunAs>) -> io::Result<Watchdog>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(script)
            .arg(name)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let child = RunAs::apply(run_as, &mut command).spawn()?;
        Ok(Watchdog { child })
    }

    /// Runs the cleanup now rather than at process exit, and waits for it.
    pub(super) fn release(mut self) {
        drop(self.child.stdin.take());
        // The script's exit status says nothing the caller could act on:
        // it is already reporting a failure when it releases a watchdog.
        let _ = self.child.wait();
    }
}
