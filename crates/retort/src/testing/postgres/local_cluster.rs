//! A throwaway PostgreSQL cluster made with the machine's own `initdb` and
//! `postgres`, living as long as the test process.
//!
//! Layout of its temporary directory `retort-pg-XXXX/`: `data/` (the
//! cluster), `sock/` (its Unix socket, kept out of the system's
//! `/var/run/postgresql`), `server.log`, and `server.exited` once the server
//! has stopped. The whole directory is removed by the watchdog.

use std::ffi::OsString;
use std::fs;
use std::hash::{BuildHasher, RandomState};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::super::own_thread::block_on_own_thread;
use super::super::watchdog::{RunAs, Watchdog, WAIT_FOR_TEST_PROCESS};
use super::{connect, describe, find_on_path, is_executable, tail, POSTGRES_BINDIR_ENV};

/// The superuser initdb creates.
pub(super) const USER: &str = "retort";

/// How long the server may take to accept connections.
const READY_DEADLINE: Duration = Duration::from_secs(30);

/// How many times to start over when another process took the free port
/// between our finding it and the server binding it.
const PORT_ATTEMPTS: u32 = 3;

/// The start of the watchdog script: `$1` is the cluster's directory, the
/// rest the server's command line. It starts the server in the background;
/// `server.exited` tells the test process, waiting for readiness, that the
/// server stopped early, and tells the end of the script that it is gone.
const SCRIPT_START: &str = r#"root=$1
shift
( "$@" </dev/null >"$root/server.log" 2>&1; echo "$?" >"$root/server.exited" ) &
"#;

/// The end of the watchdog script, run once the test process has ended: it
/// stops the server with SIGQUIT (immediate shutdown: the data is thrown
/// away, so nothing needs flushing), waits for it to exit, and deletes the
/// directory. It signals through `postmaster.pid`, and again until the server
/// has exited, because the server may not have written that file yet when the
/// test process died. (Should a strict POSIX `sleep` refuse `0.1`, the loop
/// only spins for the milliseconds the server takes to stop.)
const SCRIPT_END: &str = r#"until [ -f "$root/server.exited" ]; do
  if [ -f "$root/data/postmaster.pid" ]; then
    kill -QUIT "$(head -n 1 "$root/data/postmaster.pid")" 2>/dev/null
  fi
  sleep 0.1
done
rm -rf "$root"
"#;

pub(super) struct LocalCluster {
    pub(super) maintenance_url: String,
    pub(super) root: PathBuf,
    pub(super) watchdog: Watchdog,
    pub(super) port: u16,
    pub(super) password: String,
}

/// A server certificate and its key (PEM) for a cluster that serves TLS
/// (`ssl=on`) and accepts TCP logins over TLS only (`hostssl`).
pub(super) struct ServerTls<'a> {
    pub(super) cert_pem: &'a str,
    pub(super) key_pem: &'a str,
}

/// Why one attempt to start a cluster failed.
enum Failure {
    /// Another process bound the port first; worth another try.
    PortTaken(String),
    Other(String),
}

pub(super) fn start(tls: Option<&ServerTls<'_>>) -> Result<LocalCluster, String> {
    let bindir = find_bindir()?;
    let mut attempt = 1;
    loop {
        match start_in(&bindir, tls) {
            Ok(cluster) => return Ok(cluster),
            Err(Failure::PortTaken(_)) if attempt < PORT_ATTEMPTS => attempt += 1,
            Err(Failure::PortTaken(err) | Failure::Other(err)) => {
                return Err(format!("a local cluster from {} did not start: {err}", bindir.display()))
            }
        }
    }
}

/// The first directory holding both `initdb` and `postgres`, from the same
/// installation so that their versions match.
fn find_bindir() -> Result<PathBuf, String> {
    let has_both = |dir: &Path| is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"));

    if let Some(dir) = std::env::var_os(POSTGRES_BINDIR_ENV).filter(|dir| !dir.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_both(&dir) {
            Ok(dir)
        } else {
            Err(format!("{POSTGRES_BINDIR_ENV}={} holds no initdb and postgres", dir.display()))
        };
    }

    let mut candidates = Vec::new();
    // Distributions often put `initdb` on PATH as a symlink (Debian:
    // /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb); its
    // target's folder is the one that also holds `postgres`.
    if let Some(initdb) = find_on_path("initdb") {
        candidates.extend(fs::canonicalize(&initdb).ok().as_deref().and_then(Path::parent).map(Path::to_path_buf));
        candidates.extend(initdb.parent().map(Path::to_path_buf));
    }
    if let Some(dir) = pg_config_bindir() {
        candidates.push(dir);
    }
    // Where packages install servers without putting them on PATH: Debian
    // and Ubuntu, RHEL's PGDG packages, and a source build's default.
    candidates.extend(versioned_dirs("/usr/lib/postgresql", "", "bin"));
    candidates.extend(versioned_dirs("/usr", "pgsql-", "bin"));
    candidates.push(PathBuf::from("/usr/local/pgsql/bin"));

    candidates.into_iter().find(|dir| has_both(dir)).ok_or_else(|| {
        format!(
            "no PostgreSQL server binaries (initdb and postgres) found on PATH, in `pg_config --bindir`, \
             /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin or /usr/local/pgsql/bin (set {POSTGRES_BINDIR_ENV} to \
             their folder, or install the PostgreSQL server package)"
        )
    })
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").stderr(Stdio::null()).output().ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !dir.trim().is_empty()).then(|| PathBuf::from(dir.trim()))
}

/// `<parent>/<prefix><version>/<leaf>` for every version present, newest first.
fn versioned_dirs(parent: &str, prefix: &str, leaf: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name.strip_prefix(prefix)?;
            let numbers = version.split('.').map(str::parse).collect::<Result<Vec<u32>, _>>().ok()?;
            Some((numbers, entry.path().join(leaf)))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

fn start_in(bindir: &Path, tls: Option<&ServerTls<'_>>) -> Result<LocalCluster, Failure> {
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("retort-pg-")
        .tempdir_in(cluster_parent_dir())
        .map_err(|err| Failure::Other(format!("could not create a temporary directory: {err}")))?;
    let root = dir.path();
    let run_as = server_user(root).map_err(Failure::Other)?;
    let give = |path: &Path| give_to(path, run_as).map_err(Failure::Other);
    give(root)?;

    let password = random_password();
    let pwfile = write_password_file(root, &password)?;
    give(&pwfile)?;
    let data = root.join("data");
    run_initdb(bindir, root, &data, &pwfile, run_as)?;
    let initdb_done = started.elapsed();
    // The password is in the cluster now; the file is deleted with the
    // directory anyway, so a failure to remove it early changes nothing.
    let _ = fs::remove_file(&pwfile);
    if let Some(tls) = tls {
        serve_tls_only(&data, tls, run_as)?;
    }

    let sock = root.join("sock");
    fs::create_dir(&sock).map_err(|err| Failure::Other(format!("could not create {}: {err}", sock.display())))?;
    give(&sock)?;

    let port = free_port().map_err(|err| Failure::Other(format!("could not find a free TCP port: {err}")))?;
    let mut args = vec![root.as_os_str().to_owned()];
    args.extend(server_command(bindir, &data, &sock, port));
    if tls.is_some() {
        args.extend(["-c", "ssl=on"].map(OsString::from));
    }
    let script = format!("{SCRIPT_START}{WAIT_FOR_TEST_PROCESS}{SCRIPT_END}");
    let watchdog = Watchdog::spawn(&script, "retort-pg-watchdog", &args, run_as)
        .map_err(|err| Failure::Other(format!("could not start the watchdog shell `sh`: {err}")))?;
    // From here the watchdog deletes the directory, at process exit or on
    // release; the TempDir must not delete it under the running server.
    let root = dir.keep();

    let maintenance_url = format!("postgres://{USER}:{password}@127.0.0.1:{port}/postgres");
    match wait_until_ready(&maintenance_url, &root) {
        Ok(()) => {
            tracing::info!(
                root = %root.display(),
                port,
                initdb = ?initdb_done,
                total = ?started.elapsed(),
                "local PostgreSQL cluster started"
            );
            Ok(LocalCluster { maintenance_url, root, watchdog, port, password })
        }
        Err(failure) => {
            watchdog.release();
            Err(failure)
        }
    }
}

/// Writes the superuser's password where initdb reads it, readable by the
/// owner only: the password must not appear on a command line, which every
/// local user can see.
fn write_password_file(root: &Path, password: &str) -> Result<PathBuf, Failure> {
    let pwfile = root.join("pwfile");
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&pwfile)
        .and_then(|mut file| std::io::Write::write_all(&mut file, password.as_bytes()))
        .map_err(|err| Failure::Other(format!("could not write {}: {err}", pwfile.display())))?;
    Ok(pwfile)
}

/// Puts the server's certificate and key where `ssl=on` reads them
/// (`server.crt`, `server.key` in the data folder; the key readable by the
/// server's user only, which the server insists on), and lets TCP logins in
/// over TLS only.
fn serve_tls_only(data: &Path, tls: &ServerTls<'_>, run_as: Option<RunAs>) -> Result<(), Failure> {
    const HBA: &str = "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n";
    for (name, text) in [("server.crt", tls.cert_pem), ("server.key", tls.key_pem), ("pg_hba.conf", HBA)] {
        let path = data.join(name);
        let _ = fs::remove_file(&path);
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .map_err(|err| Failure::Other(format!("could not write {}: {err}", path.display())))?;
        give_to(&path, run_as).map_err(Failure::Other)?;
    }
    Ok(())
}

/// Creates the cluster in `data`, with [`USER`] as its superuser.
fn run_initdb(bindir: &Path, root: &Path, data: &Path, pwfile: &Path, run_as: Option<RunAs>) -> Result<(), Failure> {
    let mut initdb = Command::new(bindir.join("initdb"));
    initdb
        .arg("--pgdata")
        .arg(data)
        .args(["--username", USER, "--auth-local=trust", "--auth-host=scram-sha-256"])
        .arg(format!("--pwfile={}", pwfile.display()))
        // A fixed encoding and locale make tests behave the same on every
        // machine; `--no-sync` because the cluster is thrown away.
        .args(["--encoding=UTF8", "--locale=C", "--no-sync"])
        .current_dir(root)
        .stdin(Stdio::null());
    let output = RunAs::apply(run_as, &mut initdb)
        .output()
        .map_err(|err| Failure::Other(format!("could not run {}: {err}", bindir.join("initdb").display())))?;
    if !output.status.success() {
        let hint = match run_as {
            Some(_) => " (run as the `postgres` OS user)",
            None => "",
        };
        return Err(Failure::Other(format!(
            "initdb failed ({}){hint}:{}",
            output.status,
            tail(&String::from_utf8_lossy(&output.stderr), 8)
        )));
    }
    Ok(())
}

/// The server's command line: its data, port and socket directory, TCP on
/// loopback only.
fn server_command(bindir: &Path, data: &Path, sock: &Path, port: u16) -> Vec<OsString> {
    let port_arg = port.to_string();
    let mut command = vec![bindir.join("postgres").into_os_string()];
    command.extend(
        [
            "-D",
            &data.to_string_lossy(),
            "-p",
            &port_arg,
            "-k",
            &sock.to_string_lossy(),
            "-c",
            "listen_addresses=127.0.0.1",
            // Durability is pointless for data deleted at exit; these make
            // every commit and CREATE DATABASE much faster.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]
        .map(Into::into),
    );
    command
}

/// Polls until the server accepts a connection, stops, or the deadline passes.
fn wait_until_ready(maintenance_url: &str, root: &Path) -> Result<(), Failure> {
    let log_tail = || tail(&fs::read_to_string(root.join("server.log")).unwrap_or_default(), 12);
    let outcome = block_on_own_thread(|| async {
        let deadline = Instant::now() + READY_DEADLINE;
        loop {
            if root.join("server.exited").exists() {
                return Err("the server stopped during start-up".to_owned());
            }
            let last_error = match connect(maintenance_url).await {
                Ok(client) => match client.simple_query("SELECT 1").await {
                    Ok(_) => return Ok(()),
                    Err(err) => describe(&err),
                },
                Err(err) => err,
            };
            if Instant::now() >= deadline {
                return Err(format!(
                    "the server did not accept connections within {}s (last error: {last_error})",
                    READY_DEADLINE.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    });
    outcome.map_err(|err| {
        let log = log_tail();
        let message = format!("{err}; server log:{log}");
        if log.contains("could not bind") || log.contains("Address already in use") {
            Failure::PortTaken(message)
        } else {
            Failure::Other(message)
        }
    })
}

/// Where to make the cluster's directory: `/dev/shm` when it is there with
/// at least [`MIN_SHM_KIB`] free, else the usual temporary directory.
///
/// `CREATE DATABASE` creates some 300 files, and creating files can be far
/// slower on a disk-backed filesystem than in RAM: on an ext4 VM it took
/// 300 ms per database in /tmp against 20 ms in /dev/shm. The size check keeps
/// clusters out of the 64 MiB /dev/shm that containers get by default, where a
/// few databases (about 8 MiB each) would fill it.
fn cluster_parent_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if available_kib(shm).is_some_and(|kib| kib >= MIN_SHM_KIB) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// 1 GiB.
const MIN_SHM_KIB: u64 = 1 << 20;

/// Free space under `dir` according to POSIX `df -P -k`, whose second line's
/// fourth column is the available kibibytes. (The standard library has no
/// `statvfs`, and it is not worth a dependency.)
fn available_kib(dir: &Path) -> Option<u64> {
    if !dir.is_dir() {
        return None;
    }
    let output = Command::new("df").args(["-P", "-k"]).arg(dir).stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

/// `None` to run the server as ourselves, or the `postgres` OS user when we
/// are root: initdb and postgres refuse to run as root, since a server
/// running as root hands every SQL injection the whole machine.
fn server_user(root: &Path) -> Result<Option<RunAs>, String> {
    // The new directory belongs to our effective user: a way to learn it
    // without unsafe `geteuid` or another dependency.
    let euid = fs::metadata(root).map_err(|err| format!("could not stat {}: {err}", root.display()))?.uid();
    if euid != 0 {
        return Ok(None);
    }
    let id = |flag: &str| -> Option<u32> {
        let output = Command::new("id").args([flag, "postgres"]).stderr(Stdio::null()).output().ok()?;
        String::from_utf8(output.stdout).ok()?.trim().parse().ok().filter(|_| output.status.success())
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok(Some(RunAs { uid, gid })),
        _ => Err(
            "running as root, as which initdb and postgres refuse to run, and there is no `postgres` OS user to run \
             them as (create one, e.g. `useradd --system postgres`, or set RETORT_TEST_POSTGRES_URL)"
                .to_owned(),
        ),
    }
}

/// Hands `path` to the server's user, when that is not us.
fn give_to(path: &Path, run_as: Option<RunAs>) -> Result<(), String> {
    match run_as {
        Some(user) => std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
            .map_err(|err| format!("could not hand {} to the postgres OS user: {err}", path.display())),
        None => Ok(()),
    }
}

/// A port nobody listens on right now. Another process may still take it
/// before the server binds it; `start` retries when that happens.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// 128 bits from the standard library's randomly keyed hasher. Not meant to
/// resist an attacker with time: it keeps other local users' processes out
/// of a server that listens on 127.0.0.1 only and lives as long as the tests.
fn random_password() -> String {
    let now = SystemTime::now();
    let first = RandomState::new().hash_one((std::process::id(), now));
    let second = RandomState::new().hash_one((now, first));
    format!("{first:016x}{second:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_password_differs_between_calls() {
        assert_ne!(random_password(), random_password());
        assert_eq!(random_password().len(), 32);
    }

    #[test]
    fn server_command_listens_on_loopback_only_when_built_for_a_port() {
        let command = server_command(Path::new("/pg/bin"), Path::new("/c/data"), Path::new("/c/sock"), 54321);
        let command: Vec<&str> = command.iter().map(|arg| arg.to_str().unwrap_or("(not UTF-8)")).collect();
        assert_eq!(command[..7], ["/pg/bin/postgres", "-D", "/c/data", "-p", "54321", "-k", "/c/sock"]);
        assert!(command.windows(2).any(|pair| pair == ["-c", "listen_addresses=127.0.0.1"]), "{command:?}");
    }

    #[test]
    fn versioned_dirs_is_empty_when_parent_is_missing() {
        assert!(versioned_dirs("/nonexistent/retort", "", "bin").is_empty());
    }
}
