//! A PostgreSQL container started with testcontainers when a Docker engine
//! is reachable.

use std::os::unix::net::UnixStream;

use testcontainers_modules::postgres::Postgres;
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::ImageExt;

use super::super::own_thread::block_on_own_thread;
use super::super::watchdog::{Watchdog, WAIT_FOR_TEST_PROCESS};
use super::find_on_path;

/// The image tag: the module's default (11) predates `DROP DATABASE … WITH (FORCE)`.
const TAG: &str = "17-alpine";

/// The socket a local Docker engine listens on when `DOCKER_HOST` is unset.
const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Removes the container named by `$1` once the test process has ended.
const SCRIPT_END: &str = "docker rm --force --volumes \"$1\" >/dev/null 2>&1\n";

pub(super) struct Container {
    pub(super) id: String,
    pub(super) maintenance_url: String,
    /// `None` when there is no `docker` command to remove the container with.
    pub(super) watchdog: Option<Watchdog>,
}

/// Whether a Docker engine looks reachable, decided without waiting:
/// testcontainers would otherwise spend its connection timeout finding out
/// on every machine without one.
pub(super) fn docker_engine() -> Result<(), String> {
    if std::env::var_os("DOCKER_HOST").is_some_and(|host| !host.is_empty()) {
        return Ok(());
    }
    UnixStream::connect(DEFAULT_SOCKET).map(drop).map_err(|err| {
        format!("no Docker engine (DOCKER_HOST is not set and {DEFAULT_SOCKET} is not connectable: {err})")
    })
}

pub(super) fn start() -> Result<Container, String> {
    let (id, maintenance_url) = block_on_own_thread(|| async {
        let container = Postgres::default()
            .with_tag(TAG)
            .with_label("dev.retort.test-pid", std::process::id().to_string())
            .start()
            .await
            .map_err(|err| err.to_string())?;
        let host = container.get_host().await.map_err(|err| err.to_string())?;
        let port = container.get_host_port_ipv4(5432).await.map_err(|err| err.to_string())?;
        let id = container.id().to_owned();
        // testcontainers removes a container when its handle is dropped, and
        // this handle would be dropped when this helper thread ends, long
        // before the tests are done. Its removal is the watchdog's job.
        std::mem::forget(container);
        Ok((id, format!("postgres://postgres:postgres@{host}:{port}/postgres")))
    })?;

    let watchdog = if find_on_path("docker").is_some() {
        let script = format!("{WAIT_FOR_TEST_PROCESS}{SCRIPT_END}");
        match Watchdog::spawn(&script, "retort-docker-watchdog", [&id], None) {
            Ok(watchdog) => Some(watchdog),
            Err(err) => {
                warn_left_running(&id, &format!("the watchdog shell did not start: {err}"));
                None
            }
        }
    } else {
        warn_left_running(&id, "there is no `docker` command on PATH to remove it with");
        None
    };
    Ok(Container { id, maintenance_url, watchdog })
}

fn warn_left_running(id: &str, why: &str) {
    use std::io::Write;
    // Written past the test harness's capture, like the skip banner, since
    // a leftover container costs the user memory until they notice.
    let _ = writeln!(
        std::io::stderr().lock(),
        "retort::testing: PostgreSQL container {id} will keep running after the tests: {why}; \
         remove it with `docker rm -f {id}` (containers carry the label dev.retort.test-pid)"
    );
}
