//! No password reaches what the command line shows: generated URLs and
//! ADO.NET strings of every scheme, valid and broken, through the path a
//! `--database-url` takes (`Project::database_url`, then connecting),
//! checking every message a person or a script may see: the error's
//! `Display` and `Debug`, the CLI's error output as text and as JSON, what a
//! parsed URL shows, and every log line at `RUST_LOG=trace`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::output::{exit_code, Format, Printer};
use super::Project;
use crate::{connect_existing, DatabaseUrl, Dialect, MigrateError, Session};

/// One generated connection string and the pieces of its password, none of
/// which may show anywhere.
#[derive(Debug, Clone)]
struct Case {
    input: String,
    secrets: Vec<String>,
}

/// The password: pieces that cannot occur in any message by chance
/// (`Qxz482`), joined and surrounded by the characters that break URLs and
/// ADO.NET strings. Every piece is alphanumeric, so percent-encoding keeps
/// it whole and a leak of any part of the password shows as a piece.
fn password() -> impl Strategy<Value = (String, Vec<String>)> {
    let piece = "[A-Z][a-z]{2}[0-9]{3}";
    let separator = prop::sample::select(vec![
        "", "", "@", "/", "#", "?", ":", ";", "=", "'", "\"", "{", "}", "%", "&", " ", "\\", "!", ",", "[", "]", "%2F",
        ";Database=", "@h:1/", "&x=",
    ]);
    (prop::collection::vec((separator.clone(), piece), 1..4), separator).prop_map(|(parts, last)| {
        let mut text = String::new();
        let mut secrets = Vec::new();
        for (separator, piece) in parts {
            text.push_str(separator);
            text.push_str(&piece);
            secrets.push(piece);
        }
        text.push_str(last);
        (text, secrets)
    })
}

/// Percent-encodes everything but unreserved characters, as a user who
/// follows the README writes a password into a URL.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn scheme() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "postgres", "postgresql", "mssql", "sqlserver", "sqlite", "SQLite", "ftp", "mysql", "http",
    ])
}

fn user() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["app", "sa", "", "re ader"])
}

fn host() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["127.0.0.1", "localhost", "[::1]", "[::1", "db.example.com", ""])
}

/// `:1`, a closed port, and the port of a [`HangUp`] server are the ones a
/// case connects to.
fn port(hang_up: u16) -> impl Strategy<Value = String> {
    let ports = [":1", ":port", ":99999", ":-1", ":", ""].map(str::to_owned);
    prop::sample::select([ports.to_vec(), vec![format!(":{hang_up}"), format!(":{hang_up}")]].concat())
}

fn database() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["/shop", "/", "", "/my%20db", "/a/b", "/tmp/x.db"])
}

/// URLs: the password encoded or not, in the userinfo or the query, with
/// or without a scheme.
fn urls(hang_up: u16) -> impl Strategy<Value = Case> {
    (scheme(), user(), password(), host(), port(hang_up), database(), 0..6usize).prop_map(
        |(scheme, user, (password, secrets), host, port, database, form)| {
            let input = match form {
                0 => format!("{scheme}://{user}:{}@{host}{port}{database}", encode(&password)),
                1 => format!("{scheme}://{user}:{password}@{host}{port}{database}"),
                2 => format!("{user}:{password}@{host}{port}{database}"),
                3 => format!("{scheme}://{host}{port}{database}?user={user}&password={}", encode(&password)),
                4 => format!("{scheme}://{host}{port}{database}?sslmode=disable&password={password}&application_name=x"),
                _ => format!("{scheme}:{user}:{password}@{host}{port}{database}"),
            };
            Case { input, secrets }
        },
    )
}

/// ADO.NET strings: the password bare, quoted in each of the three ways
/// (with the quote doubled inside), or with an unterminated quote; with
/// other settings before and after it, some of them wrong.
fn ado_strings(hang_up: u16) -> impl Strategy<Value = Case> {
    let key = prop::sample::select(vec!["Password", "PWD", "pwd ", " Password "]);
    let servers = ["tcp:127.0.0.1,1", "127.0.0.1,port", "127.0.0.1,99999", "", "np:h", "db.example.com"].map(str::to_owned);
    let server = prop::sample::select([servers.to_vec(), vec![format!("localhost,{hang_up}"), format!("tcp:[::1],{hang_up}")]].concat());
    let after = prop::sample::select(vec![
        "",
        ";Encrypt=true;TrustServerCertificate=true",
        ";Encrypt=maybe",
        ";Bogus=1",
        ";oops",
        ";Integrated Security=SSPI",
    ]);
    (key, server, user(), password(), 0..5usize, after, any::<bool>()).prop_map(
        |(key, server, user, (password, secrets), quoting, after, password_first)| {
            let value = match quoting {
                0 => password.clone(),
                1 => format!("\"{}\"", password.replace('"', "\"\"")),
                2 => format!("'{}'", password.replace('\'', "''")),
                3 => format!("{{{}}}", password.replace('}', "}}")),
                _ => format!("\"{password}"),
            };
            let password = format!("{key}={value}");
            let rest = format!("Server={server};Database=shop;User Id={user}");
            let input = if password_first { format!("{password};{rest}{after}") } else { format!("{rest};{password}{after}") };
            Case { input, secrets }
        },
    )
}

/// SQLite URLs with a login, a host or a port, and libpq's key=value form,
/// which retort does not read.
fn other_strings() -> impl Strategy<Value = Case> {
    (user(), password(), 0..5usize).prop_map(|(user, (password, secrets), form)| {
        let input = match form {
            0 => format!("sqlite://{user}:{password}@/tmp/retort-no-such-dir/x.db"),
            1 => format!("sqlite:{user}:{}@x.db", encode(&password)),
            2 => format!("sqlite://{user}:{}@localhost:1/x.db", encode(&password)),
            3 => format!("host=127.0.0.1 port=1 user={user} password={password}"),
            _ => format!("host=127.0.0.1 port=1 user={user} password='{}'", password.replace('\'', "\\'")),
        };
        Case { input, secrets }
    })
}

fn cases(hang_up: u16) -> impl Strategy<Value = Case> {
    prop_oneof![4 => urls(hang_up), 3 => ado_strings(hang_up), 1 => other_strings()]
}

/// A server on this machine that takes each connection and hangs up after
/// the client's first message: the drivers get as far as their handshake,
/// and log it, without a server to sign in to.
struct HangUp {
    port: u16,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl HangUp {
    fn start() -> HangUp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                if let Ok(mut stream) = stream {
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                    let _ = std::io::Read::read(&mut stream, &mut [0; 4096]);
                }
            }
        });
        HangUp { port, stop }
    }
}

impl Drop for HangUp {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Wakes the accept loop to see the flag.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Every log line, at every level, of every crate.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn take(&self) -> String {
        let mut bytes = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&std::mem::take(&mut *bytes)).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the CLI prints when a command fails with `error`: its text line
/// and its JSON object, and the error's own `Display` and `Debug`.
fn failure_texts(error: &MigrateError) -> Vec<String> {
    let mut texts = vec![error.to_string(), format!("{error:?}")];
    for format in [Format::Text, Format::Json] {
        texts.push(Printer::new(format, false).failure_output(&error.to_string(), exit_code(error)));
    }
    if let MigrateError::Url(url) = error {
        texts.extend([url.to_string(), format!("{url:?}")]);
    }
    texts
}

/// Whether connecting goes only to this machine, to port 1 (closed: it
/// fails at once) or the [`HangUp`] server's. The parser's reading decides,
/// not the generator's intent: a broken string may be read as naming
/// another host, or a real server's default port.
fn safe_to_connect(url: &DatabaseUrl, hang_up: u16) -> bool {
    let local = |host: &String| matches!(host.trim_matches(['[', ']']), "127.0.0.1" | "localhost" | "::1");
    let ours = |port: u16| port == 1 || port == hang_up;
    let port = match url.dialect() {
        Dialect::Postgres => url.postgres_config().is_some_and(|config| !config.get_ports().is_empty() && config.get_ports().iter().all(|port| ours(*port))),
        Dialect::Mssql => url.mssql_options().is_some_and(|options| ours(options.port)),
        Dialect::Sqlite => false,
    };
    !url.hosts().is_empty() && url.hosts().iter().all(local) && port
}

/// Everything a person or a script sees for `case`: the messages of the
/// path `--database-url` takes, and every log line written meanwhile.
fn shown(case: &Case, project: &Project, runtime: &tokio::runtime::Runtime, logs: &Captured, hang_up: u16) -> Vec<String> {
    let mut texts = Vec::new();
    match project.database_url(Some(&case.input), true) {
        Err(error) => texts.extend(failure_texts(&error)),
        Ok(url) => {
            texts.extend([url.to_string(), format!("{url:?}"), url.hosts().join(","), url.database_name().unwrap_or_default()]);
            texts.extend(url.sqlite_path().map(|path| path.display().to_string()));
            texts.extend(super::not_local_reason(&url));
            if url.sqlite_path().is_some() || safe_to_connect(&url, hang_up) {
                match runtime.block_on(connect_existing(&url)) {
                    Err(error) => texts.extend(failure_texts(&MigrateError::from(error))),
                    Ok(db) => texts.push(db.describe()),
                }
            }
        }
    }
    texts.push(logs.take());
    texts
}

#[test]
fn no_password_reaches_messages_json_or_logs_when_urls_are_generated() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // With the bridge from the `log` crate, which tokio-postgres logs through.
    let _logging = tracing_subscriber::util::SubscriberInitExt::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project = Project::new(dir.path());
    let hang_up = HangUp::start();
    let strategy = cases(hang_up.port);

    // A fixed seed, and every case run (not stopping at the first leak), so
    // that the count of leaks is comparable from one run to the next.
    const CASES: usize = 3000;
    let mut runner = TestRunner::deterministic();
    let mut leaks = Vec::new();
    let mut log_lines = 0;
    for _ in 0..CASES {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let texts = shown(&case, &project, &runtime, &logs, hang_up.port);
        log_lines += texts.last().map_or(0, |logged| logged.lines().count());
        for text in texts {
            if let Some(secret) = case.secrets.iter().find(|secret| text.contains(secret.as_str())) {
                leaks.push(format!("{:?} shows {secret} in: {text}", case.input));
                break;
            }
        }
    }
    // The drivers did log their handshakes: the check of log lines is not vacuous.
    assert!(log_lines > 0, "no log line in {CASES} cases");
    assert!(leaks.is_empty(), "{} of {CASES} cases leak a password:\n{}", leaks.len(), leaks.iter().take(25).cloned().collect::<Vec<_>>().join("\n"));
}

/// The `migrate` flags as an xtask declares them.
#[derive(Debug, clap::Parser)]
struct Xtask {
    #[command(flatten)]
    migrate: super::MigrateArgs,
}

fn parse(args: &[&str]) -> Result<super::MigrateArgs, clap::Error> {
    <Xtask as clap::Parser>::try_parse_from(std::iter::once("xtask").chain(args.iter().copied())).map(|xtask| xtask.migrate)
}

#[test]
fn an_unknown_flag_is_a_usage_error_when_a_target_may_be_negative() {
    let error = parse(&["upgrade", "--bogus"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument, "{error}");
    assert_eq!(error.exit_code(), 2);
    for (args, target) in [(&["downgrade", "-1"][..], "-1"), (&["upgrade", "+2"], "+2"), (&["stamp", "-2"], "-2")] {
        let parsed = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let read = match parsed.command {
            super::MigrateCommand::Upgrade(run) | super::MigrateCommand::Downgrade(run) => run.target,
            super::MigrateCommand::Stamp { target, .. } => Some(target),
            other => panic!("{other:?}"),
        };
        assert_eq!(read.as_deref(), Some(target));
    }
}

#[test]
fn a_blank_history_table_or_schema_is_a_usage_error() {
    for args in [&["upgrade", "--history-table", ""][..], &["current", "--history-table", " "], &["current", "--history-schema", ""]] {
        let error = parse(args).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation, "{args:?}: {error}");
        assert_eq!(error.exit_code(), 2);
    }
    assert_eq!(parse(&["current"]).unwrap().history_table, "retort_history");
}

#[test]
fn history_schema_is_refused_on_sqlite_only() {
    let refused = super::history_schema_error(Some("app"), Dialect::Sqlite).unwrap();
    assert!(refused.contains("SQLite has no schemas") && refused.contains("`app`"), "{refused}");
    assert_eq!(super::history_schema_error(Some("app"), Dialect::Postgres), None);
    assert_eq!(super::history_schema_error(None, Dialect::Sqlite), None);
}

#[test]
fn a_url_that_cannot_be_read_exits_2() {
    let error = Project::new(".").database_url(Some("ftp://app:S3cr3t@h/x"), true).unwrap_err();
    assert_eq!(exit_code(&error), 2, "{error}");
    assert_eq!(exit_code(&MigrateError::Offline("x".into())), 1);
}

static CHAIN: crate::Migrations = crate::Migrations::new(&[
    crate::graph::fixtures::rev("aaaa0000", &[]),
    crate::graph::fixtures::rev("bbbb0000", &["aaaa0000"]),
]);

#[test]
fn an_offline_range_that_runs_nothing_is_a_usage_error() {
    let migrator = crate::Migrator::new(&CHAIN);
    let out = Printer::new(Format::Text, true);
    let run = |direction, range: &str| {
        let args = super::RunArgs { target: Some(range.to_owned()), sql: true, idempotent: false, keep_variables: false, write_secrets: false, dry_run: false, ignore_unknown: false };
        super::offline(&migrator, Dialect::Sqlite, crate::Flavour::Standard, direction, &args, &out).unwrap()
    };
    use crate::Direction::{Down, Up};
    // Backwards, or from a revision to itself.
    assert_eq!(run(Up, "bbbb:aaaa"), std::process::ExitCode::from(2));
    assert_eq!(run(Up, "aaaa:aaaa"), std::process::ExitCode::from(2));
    assert_eq!(run(Down, "aaaa:aaaa"), std::process::ExitCode::from(2));
    assert_eq!(run(Up, "aaaa:bbbb"), std::process::ExitCode::SUCCESS);
    assert_eq!(run(Down, "bbbb:aaaa"), std::process::ExitCode::SUCCESS);
}

#[test]
fn downgrade_is_a_usage_error_when_it_has_no_target() {
    let error = parse(&["downgrade"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::MissingRequiredArgument, "{error}");
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("<TARGET>"), "{error}");
    for target in ["-1", "base", "a0a0"] {
        assert!(
            matches!(parse(&["downgrade", target]).map(|a| a.command), Ok(super::MigrateCommand::Downgrade(super::RunArgs { target: Some(t), .. })) if t == target),
            "{target}"
        );
    }
    // An upgrade still goes to head by default.
    assert!(matches!(parse(&["upgrade"]).map(|a| a.command), Ok(super::MigrateCommand::Upgrade(super::RunArgs { target: None, .. }))));
}

#[test]
fn lock_flags_override_the_project_settings_which_override_the_defaults() {
    static PROJECT: crate::Migrations =
        crate::Migrations::new(&[]).with_lock_wait(Some(std::time::Duration::from_secs(10)), Some(0));
    static PLAIN: crate::Migrations = crate::Migrations::new(&[]);
    let wait = |migrations: &crate::Migrations, args: &[&str]| super::migrator_config(&parse(args).unwrap(), migrations).lock_wait;
    let project = wait(&PROJECT, &["upgrade"]);
    assert_eq!((project.timeout, project.retries), (std::time::Duration::from_secs(10), 0));
    assert_eq!(project.backoff, crate::LockWait::default().backoff);
    let flags = wait(&PROJECT, &["upgrade", "--revision-lock-timeout", "2s", "--lock-retries", "4"]);
    assert_eq!((flags.timeout, flags.retries), (std::time::Duration::from_secs(2), 4));
    assert_eq!(wait(&PLAIN, &["upgrade"]), crate::LockWait::default());
    // The application's start-up call starts from the project's settings too.
    assert_eq!(crate::Migrator::new(&PROJECT).config().lock_wait, project);
}

#[test]
fn var_and_profile_flags_give_sqlcmd_variables_and_keep_variables_needs_sql() {
    let args = parse(&["upgrade", "--var", "Db=todo=1", "--var", "ApiToken=", "--profile", "prod"]).expect("valid flags");
    assert_eq!(args.variables, [("Db".to_owned(), "todo=1".to_owned()), ("ApiToken".to_owned(), String::new())]);
    assert_eq!(
        super::variables(&args),
        crate::Variables::new().with_value("Db", "todo=1").with_value("ApiToken", "").with_profile("prod")
    );
    for bad in ["novalue", "=x", "a b=1"] {
        let error = parse(&["upgrade", "--var", bad]).unwrap_err();
        assert!(error.to_string().contains("NAME=value"), "{bad}: {error}");
    }
    let error = parse(&["upgrade", "--keep-variables"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::MissingRequiredArgument, "{error}");
    assert!(matches!(
        parse(&["upgrade", "--sql", "--keep-variables"]).map(|a| a.command),
        Ok(super::MigrateCommand::Upgrade(super::RunArgs { keep_variables: true, .. }))
    ));
}
