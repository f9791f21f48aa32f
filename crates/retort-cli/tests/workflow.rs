//! The README's workflow through the real `cargo xtask`, on a copy of the
//! sample project: create, apply, branch, merge, seed and inspect revisions,
//! on SQLite and PostgreSQL.
//!
//! Each step runs `cargo xtask …` in the copy, so cargo rebuilds the revision
//! table whenever a step adds a migration, exactly as for a user. The copy
//! shares one target folder across runs to keep rebuilds incremental.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use retort::testing::BackendKind;

/// The copies share one target folder to keep rebuilds incremental, and
/// cargo puts every copy's binary at the same `debug/xtask` path: tests that
/// run a copy take turns.
static ONE_COPY_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    // A test that panicked while holding the lock leaves nothing half-done
    // that the next test depends on: ignore the poisoning.
    ONE_COPY_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The checkout this test runs in: retort-cli lives in `crates/retort-cli`,
/// and the sample project is the checkout's root.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of the sample project whose Cargo.toml points at this checkout's crates.
struct Sample {
    _dir: tempfile::TempDir,
    root: PathBuf,
    database_url: String,
}

impl Sample {
    fn new(database_url: &str) -> Sample {
        let checkout = checkout();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("sample");
        for folder in ["src", "migrations", "xtask/src", ".cargo"] {
            copy_dir(&checkout.join(folder), &root.join(folder));
        }
        std::fs::copy(checkout.join("build.rs"), root.join("build.rs")).expect("copy build.rs");
        std::fs::copy(checkout.join("Cargo.lock"), root.join("Cargo.lock")).expect("copy Cargo.lock");
        let crates = checkout.join("crates");
        let manifest = std::fs::read_to_string(checkout.join("Cargo.toml")).expect("read Cargo.toml");
        let dependencies = section(&manifest, "[dependencies]");
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[workspace]\nmembers = [\"xtask\"]\n\n[package]\nname = \"todo-db\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\n{}\n\n[build-dependencies]\nretort-build = {{ path = {:?} }}\n\n\
                 [profile.dev.package.argon2]\nopt-level = 3\n",
                dependencies.replace("retort.workspace = true", &format!("retort = {{ path = {:?} }}", crates.join("retort"))),
                crates.join("retort-build"),
            ),
        )
        .expect("write Cargo.toml");
        std::fs::write(
            root.join("xtask/Cargo.toml"),
            format!(
                "[package]\nname = \"xtask\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n\
                 retort = {{ path = {:?}, features = [\"cli\"] }}\ntodo-db = {{ path = \"..\" }}\nclap = {{ version = \"4.6\", features = [\"derive\", \"env\"] }}\n",
                crates.join("retort"),
            ),
        )
        .expect("write xtask/Cargo.toml");
        Sample { _dir: dir, root, database_url: database_url.to_owned() }
    }

    /// `cargo xtask <args>` in the copy against its database, to run.
    fn command(&self, args: &[&str]) -> Command {
        let target = checkout().join("target/e2e-cli");
        let mut command = Command::new(env!("CARGO"));
        command
            .args(["xtask"])
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", target)
            // As this workspace builds itself: file:line in backtraces, not
            // full debug info (several GB in target/e2e-cli).
            .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
            .env("DATABASE_URL", &self.database_url)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG");
        command
    }

    /// Runs `cargo xtask <args>` in the copy against its database.
    fn xtask(&self, args: &[&str]) -> Output {
        self.run(args, &mut self.command(args))
    }

    /// Runs a command made by [`Sample::command`], echoing what it printed.
    fn run(&self, args: &[&str], command: &mut Command) -> Output {
        let output = command.output().expect("cargo runs");
        eprintln!(
            "$ cargo xtask {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.xtask(args);
        assert!(output.status.success(), "cargo xtask {} failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// How many revisions the sample's `migrations/` folder holds (a Rust
    /// file or an `.up.sql` file each), so that a user who adds one to the
    /// sample does not break these tests.
    fn revision_count(&self) -> usize {
        std::fs::read_dir(self.root.join("migrations"))
            .expect("read migrations/")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".rs") || name.ends_with(".up.sql"))
            .count()
    }

    /// The sample's one head, as `migrate heads` shows it.
    fn head(&self) -> String {
        let heads = self.json(&["migrate", "heads"]);
        match heads["heads"].as_array().map(Vec::as_slice) {
            Some([head]) => head["id"].as_str().expect("an id").to_owned(),
            _ => panic!("the sample has one head: {heads}"),
        }
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let output = self.xtask(&args);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy file");
        }
    }
}

/// The lines of a TOML section, up to the next section.
fn section(manifest: &str, header: &str) -> String {
    manifest
        .split(header)
        .nth(1)
        .map(|rest| rest.split("\n[").next().unwrap_or(rest).trim().to_owned())
        .unwrap_or_default()
}

fn wrote(stdout: &str) -> Vec<String> {
    stdout.lines().filter_map(|line| line.strip_prefix("wrote ")).map(str::to_owned).collect()
}

// The turn is held across awaits on purpose: each test has its own runtime
// and thread, and the lock only orders whole workflows.
#[allow(clippy::await_holding_lock)]
async fn workflow(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let _turn = take_turn();
    let sample = Sample::new(db.url());

    // Apply the sample's revisions; at head a second run has nothing to do.
    let first = sample.ok(&["migrate", "upgrade"]);
    assert!(first.contains("upgrade"), "{first}");
    assert!(sample.ok(&["migrate", "upgrade"]).contains("nothing to upgrade"));
    // All the way down and up again.
    let base = sample.json(&["migrate", "downgrade", "base"]);
    assert_eq!(base["steps"].as_array().map(Vec::len), Some(sample.revision_count()), "{base}");
    assert_eq!(count(&db, "retort_history").await, 0);
    let again = sample.json(&["migrate", "upgrade"]);
    assert_eq!(again["steps"].as_array().map(Vec::len), Some(sample.revision_count()), "{again}");
    let current = sample.json(&["migrate", "current"]);
    assert_eq!(current["at_head"], true, "{current}");

    // Seed twice: the same rows, not twice as many.
    sample.ok(&["seed"]);
    sample.ok(&["seed"]);
    let counts = rows(&db).await;
    assert_eq!(counts, (10, 50), "10 users and 50 todos after seeding twice");

    // A new revision on top of head, then applied.
    let created = wrote(&sample.ok(&["new-revision", "-m", "add tags"]));
    assert_eq!(created.len(), 1);
    assert!(created[0].starts_with("migrations/") && created[0].ends_with("_add_tags.rs"), "{created:?}");
    let new_id = created[0].trim_start_matches("migrations/")[..12].to_owned();
    let check = sample.xtask(&["migrate", "check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(4), "pending revisions exit with 4");
    let check: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json");
    assert_eq!(check["pending"][0], new_id.as_str());
    // Not at head: seeding refuses.
    let refused = sample.xtask(&["seed"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not at head"));
    assert!(sample.ok(&["migrate", "upgrade"]).contains(&new_id));

    // Two branches from the same parent: new-revision refuses to guess, merge joins them.
    let parent = &new_id[..6];
    let left = wrote(&sample.ok(&["new-revision", "-m", "left feature", "--head", parent]));
    let right = wrote(&sample.ok(&["new-revision", "-m", "right feature", "--head", parent, "--sql"]));
    assert_eq!((left.len(), right.len()), (1, 2), "a Rust file, and an SQL pair");
    let refused = sample.xtask(&["new-revision", "-m", "ambiguous"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("several heads"));
    let heads = sample.json(&["migrate", "heads"]);
    assert_eq!(heads["heads"].as_array().map(Vec::len), Some(2), "{heads}");
    let merged = wrote(&sample.ok(&["merge", "-m", "merge heads"]));
    assert_eq!(merged.len(), 1);
    let heads = sample.json(&["migrate", "heads"]);
    assert_eq!(heads["heads"].as_array().map(Vec::len), Some(1), "{heads}");
    let upgraded = sample.json(&["migrate", "upgrade"]);
    assert_eq!(upgraded["steps"].as_array().map(Vec::len), Some(3), "{upgraded}");
    let graph = sample.ok(&["migrate", "history", "--graph"]);
    assert!(graph.contains("├─┐") && graph.contains("├─┘"), "{graph}");

    // Back down one merge, and the history says so.
    let down = sample.json(&["migrate", "downgrade", "-1"]);
    assert_eq!(down["steps"][0]["direction"], "down");
    let history = sample.json(&["migrate", "history"]);
    let applied = history["revisions"].as_array().expect("revisions").iter().filter(|r| r["applied"] == true).count();
    assert_eq!(applied, history["revisions"].as_array().map_or(0, Vec::len) - 1);

    // The offline script of the whole graph, for this server.
    use retort::Session;
    let flavour = retort::connect(&retort::DatabaseUrl::parse(db.url()).expect("url"))
        .await
        .expect("connect")
        .flavour()
        .await
        .expect("flavour")
        .to_string();
    let script = sample.ok(&["migrate", "upgrade", "--sql", "--target-flavour", &flavour]);
    assert!(script.contains("-- Generated by retort: upgrade plan"), "{script}");
    assert!(script.contains(&new_id), "the new revisions are in the script");

    // Reset: dropped, created and upgraded to head; no seed rows any more.
    sample.ok(&["db", "reset"]);
    assert_eq!(rows(&db).await, (0, 0));
    let current = sample.json(&["migrate", "current"]);
    assert_eq!(current["at_head"], true, "{current}");
}

/// The number of rows of `table`, through the backend's own query.
async fn count(db: &retort::testing::TestDatabase, table: &str) -> i64 {
    use retort::Session;
    let url = retort::DatabaseUrl::parse(db.url()).expect("url");
    let mut backend = retort::connect(&url).await.expect("connect");
    let rows = backend
        .query(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .await
        .expect("count")
        .expect("the table exists");
    match rows.first().and_then(|row| row.first()) {
        Some(retort::Value::Int(n)) => *n,
        Some(retort::Value::Text(text)) => text.parse().expect("a count"),
        other => panic!("COUNT(*) gave {other:?}"),
    }
}

/// (users, todos) row counts.
async fn rows(db: &retort::testing::TestDatabase) -> (i64, i64) {
    (count(db, "users").await, count(db, "todos").await)
}

#[tokio::test]
async fn readme_workflow_on_sqlite() {
    workflow(BackendKind::Sqlite).await;
}

#[tokio::test]
async fn readme_workflow_on_postgres() {
    workflow(BackendKind::Postgres).await;
}

#[tokio::test]
async fn readme_workflow_on_mssql() {
    workflow(BackendKind::Mssql).await;
}

#[test]
fn seed_refuses_a_database_that_does_not_look_local() {
    let _turn = take_turn();
    let sample = Sample::new("postgres://app:s3cret@db.example.com:5432/app");
    let output = sample.xtask(&["seed"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("db.example.com is not this machine"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "the password never appears: {stderr}");
}

/// A Sample on a throwaway SQLite file (the tests below need no server).
fn sqlite_sample(dir: &tempfile::TempDir) -> Sample {
    Sample::new(&format!(
        "sqlite://{}",
        dir.path().join("dev.sqlite3").display()
    ))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn upgrade_fails_naming_a_file_when_sqlite_url_has_no_path() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    // Either would be a throwaway in-memory database: everything "applied",
    // nothing kept, exit 0.
    for url in ["sqlite://", "sqlite:"] {
        let memory = sample.xtask(&["migrate", "upgrade", "--database-url", url]);
        assert_eq!(memory.status.code(), Some(2), "a usage error: {}", stderr(&memory));
        assert!(
            stderr(&memory).contains("sqlite://path/to/file.db"),
            "{}",
            stderr(&memory)
        );
    }
}

// The turn is held across awaits on purpose, as in `workflow`.
#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn db_reset_recreates_the_database_when_password_has_unencoded_slash_and_hash() {
    let db = retort::test_database!(BackendKind::Postgres);
    let _turn = take_turn();
    let admin = match retort::connect(&retort::DatabaseUrl::parse(db.url()).expect("url"))
        .await
        .expect("connect")
    {
        retort::AnyBackend::Postgres(backend) => backend,
        _ => unreachable!("a PostgreSQL test database"),
    };
    // A role of our own, for a password the driver takes as typed in a URL
    // (`/` and `#` unencoded, `@` encoded) but a generic URL parser misreads.
    let role = format!("retort_reset_{}", std::process::id());
    let reset = format!(
        "{}_reset",
        db.database_name().expect("a server database has a name")
    );
    admin
        .client()
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN CREATEDB PASSWORD 'pa/ss#w@rd'"
        ))
        .await
        .expect("create role");
    let server = db
        .url()
        .split_once('@')
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(server, _)| server)
        .expect("host:port");
    let sample = Sample::new(&format!("postgres://{role}:pa/ss#w%40rd@{server}/{reset}"));

    let first = sample.ok(&["db", "reset"]);
    assert!(first.contains("upgrade"), "{first}");
    // Again, now that the database exists: dropped and created anew.
    let second = sample.ok(&["db", "reset"]);
    assert!(second.contains("upgrade"), "{second}");
    let current = sample.json(&["migrate", "current"]);
    assert_eq!(current["at_head"], true, "{current}");

    for cleanup in [
        format!("DROP DATABASE IF EXISTS {reset} WITH (FORCE)"),
        format!("DROP ROLE IF EXISTS {role}"),
    ] {
        if let Err(error) = admin.client().batch_execute(&cleanup).await {
            eprintln!("cleanup `{cleanup}` failed: {error}");
        }
    }
}

#[test]
fn seed_refuses_a_remote_database_when_password_has_unencoded_slash_or_hash() {
    let _turn = take_turn();
    // A generic URL parser finds no host in these (it ends the authority at
    // the `/` or `#`), which once made them look local; the driver connects
    // to db.example.com.
    let sample = Sample::new("postgres://app:s3/cr#t@db.example.com:5432/app");
    let output = sample.xtask(&["seed"]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("db.example.com is not this machine"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3/cr") && !stderr.contains("cr#t"),
        "the password never appears: {stderr}"
    );
}

#[test]
fn upgrade_sql_exits_quietly_when_stdout_is_closed_early() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    sample.ok(&["migrate", "upgrade"]); // Builds the copy, so the run below only runs it.
    for args in [
        &["migrate", "upgrade", "--sql"][..],
        &["migrate", "history", "--graph"],
    ] {
        // The reader goes away before the first line is written, as `| head -0`
        // would: every write the command makes meets a closed pipe.
        let mut child = sample
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cargo runs");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("cargo runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("$ cargo xtask {} | (closed)\n{stderr}", args.join(" "));
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{stderr}"
        );
    }
}

#[test]
fn migrate_exits_2_when_target_is_invalid() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    // A target that does not parse is a usage error, as the README says.
    for args in [
        &["migrate", "upgrade", "ab!"][..],
        &["migrate", "stamp", "abc"],
        // A downgrade says how far: `-1` is two characters, and never a surprise.
        &["migrate", "downgrade"],
    ] {
        let invalid = sample.xtask(args);
        assert_eq!(invalid.status.code(), Some(2), "{}", stderr(&invalid));
    }
}

/// Issue 18, through the real CLI: what cannot be read is a usage error
/// (exit 2) for every command that reads a URL, and never shows the
/// password, as text or JSON. The property test in `retort::cli` covers
/// the messages themselves; these are spot checks of the wiring.
#[test]
fn urls_that_cannot_be_read_exit_2_without_the_password_on_every_command() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    let no_scheme = "app:S3cr3t@127.0.0.1:1433/master";
    let sqlite_login = "sqlite://user:S3cr3t@/tmp/x.db";
    let unknown = "ftp://app:S3cr3t@db.example.com/x";
    let commands: [&[&str]; 12] = [
        &["migrate", "current", "--database-url", no_scheme],
        &["migrate", "current", "--database-url", no_scheme, "--format", "json"],
        &["migrate", "upgrade", "--database-url", sqlite_login],
        &["migrate", "history", "--database-url", sqlite_login, "--format", "json"],
        &["migrate", "upgrade", "--sql", "--database-url", unknown],
        &["migrate", "show", "ca20", "--database-url", unknown],
        &["seed", "--database-url", unknown],
        &["db", "reset", "--database-url", unknown],
        &["db", "clone", "--from", unknown, "--database-url", "sqlite://copy.db"],
        &["db", "clone", "--from", "sqlite://copy.db", "--database-url", sqlite_login],
        &["baseline", "--from", unknown],
        &["new-revision", "--autogenerate", "-m", "x", "--database-url", unknown],
    ];
    for args in commands {
        let output = sample.xtask(args);
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), stderr(&output));
        assert_eq!(output.status.code(), Some(2), "cargo xtask {}: {stderr}", args.join(" "));
        assert!(stdout.contains("not a database URL") || stderr.contains("not a database URL"), "{stdout}{stderr}");
        assert!(!stdout.contains("S3cr3t") && !stderr.contains("S3cr3t"), "the password shows: {stdout}{stderr}");
    }
    // Nothing was made of the SQLite URL with a login: no `user:S3cr3t@` folder.
    assert!(!sample.root.join("user:S3cr3t@").exists(), "a folder named after the login was created");
}

#[test]
fn usage_errors_exit_2_before_anything_is_opened() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    sample.ok(&["migrate", "upgrade", "+1"]);
    let backwards = format!("{}:ca2061f1a411", sample.head());
    for (args, expected) in [
        (&["migrate", "upgrade", "--bogus"][..], "unexpected argument '--bogus'"),
        (&["migrate", "upgrade", "--history-table", ""], "cannot be empty"),
        (&["migrate", "current", "--history-schema", "app"], "SQLite has no schemas"),
        (&["migrate", "upgrade", "--sql", &backwards], "runs nothing"),
    ] {
        let output = sample.xtask(args);
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "cargo xtask {}: {stderr}", args.join(" "));
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("retort: SQLite database") && output.stdout.is_empty(), "{stderr}");
    }
    // `-1` is still a target, and the database was not touched above.
    let current = sample.json(&["migrate", "current"]);
    assert_eq!(current["current"][0], "ca2061f1a411", "{current}");
    let down = sample.xtask(&["migrate", "downgrade", "-1", "--format", "json"]);
    assert_eq!(down.status.code(), Some(0), "{}", stderr(&down));
}

#[test]
fn read_only_commands_say_a_missing_sqlite_file_does_not_exist_instead_of_creating_it() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    let typo = db.path().join("ghost/sub/typo.db");
    let url = format!("sqlite://{}", typo.display());
    for args in [
        &["migrate", "current"][..],
        &["migrate", "history"],
        &["migrate", "check"],
        &["migrate", "upgrade", "--dry-run"],
        &["migrate", "downgrade", "base"],
        &["migrate", "resolve", "ca20", "--applied"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--database-url", url.as_str()]);
        let output = sample.xtask(&args);
        assert_eq!(output.status.code(), Some(1), "cargo xtask {}: {}", args.join(" "), stderr(&output));
        assert!(stderr(&output).contains("typo.db does not exist"), "{}", stderr(&output));
        assert!(!db.path().join("ghost").exists(), "cargo xtask {} created the folders", args.join(" "));
    }
    // The commands that build a database create it.
    sample.ok(&["migrate", "upgrade", "--database-url", url.as_str()]);
    assert!(typo.is_file());
}

#[test]
fn repair_records_a_comment_edit_and_refuses_a_changed_operation() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    sample.ok(&["migrate", "upgrade"]);
    let file = sample.root.join("migrations/e2c91c86cdd1_add_phone_number_to_users.rs");
    let original = std::fs::read_to_string(&file).expect("read the revision");
    std::fs::write(&file, format!("{original}\n// Reviewed: the column stays nullable.\n")).expect("edit a comment");

    let drift = sample.xtask(&["migrate", "upgrade"]);
    assert_eq!(drift.status.code(), Some(3), "{}", stderr(&drift));
    assert!(stderr(&drift).contains("`cargo xtask migrate repair e2c91c86cdd1`"), "{}", stderr(&drift));
    let planned = sample.ok(&["migrate", "repair", "e2c9", "--dry-run"]);
    assert!(planned.contains("only comments and whitespace changed") && planned.contains("would record"), "{planned}");
    assert_eq!(sample.xtask(&["migrate", "check"]).status.code(), Some(3), "a dry run records nothing");
    let repaired = sample.json(&["migrate", "repair", "e2c9"]);
    assert_eq!(repaired["repair"]["outcome"], "repaired", "{repaired}");
    assert!(sample.ok(&["migrate", "upgrade"]).contains("nothing to upgrade"));

    std::fs::write(&file, original.replace("Type::String(20)", "Type::String(30)")).expect("edit an operation");
    let refused = sample.xtask(&["migrate", "repair", "e2c9"]);
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("statement 1 of its upgrade (operation 1 (add_column)) is not the one that was applied: `ALTER TABLE"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn upgrade_minus_one_fails_as_downgrade_plus_one_does() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    // At base and at head alike.
    for _ in 0..2 {
        let down = sample.xtask(&["migrate", "upgrade", "-1"]);
        assert_eq!(down.status.code(), Some(1), "{}", stderr(&down));
        assert!(
            stderr(&down).contains("use `cargo xtask migrate downgrade -1`"),
            "{}",
            stderr(&down)
        );
        sample.ok(&["migrate", "upgrade"]);
    }
    let up = sample.xtask(&["migrate", "downgrade", "+1"]);
    assert_eq!(up.status.code(), Some(1), "{}", stderr(&up));
}

#[test]
fn migrate_fails_saying_the_url_is_empty_when_database_url_is_set_empty() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    let args = ["migrate", "upgrade"];
    let empty = sample.run(&args, sample.command(&args).env("DATABASE_URL", ""));
    assert_eq!(empty.status.code(), Some(2), "a usage error: {}", stderr(&empty));
    let expected = "error: the database URL is empty (was DATABASE_URL set to an empty value?)";
    assert!(stderr(&empty).contains(expected), "{}", stderr(&empty));
}

#[test]
fn log_lines_are_plain_when_stderr_is_not_a_terminal() {
    let _turn = take_turn();
    let db = tempfile::tempdir().expect("temp dir");
    let sample = sqlite_sample(&db);
    let args = ["migrate", "upgrade"];
    let output = sample.run(
        &args,
        sample
            .command(&args)
            .env_remove("NO_COLOR")
            .env("RUST_LOG", "retort=info"),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("INFO"),
        "the run logs each revision: {stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no colour codes in a pipe: {stderr:?}"
    );
}

#[tokio::test]
#[allow(clippy::await_holding_lock)] // See `workflow`.
async fn offline_script_on_the_default_database_builds_the_online_schema() {
    use retort::Backend;
    let _turn = take_turn();
    let sample = Sample::new("unused: the default database is the embedded SQLite file");
    let default = |args: &[&str]| {
        let mut command = sample.command(args);
        command.env_remove("DATABASE_URL");
        let output = sample.run(args, &mut command);
        assert!(output.status.success(), "cargo xtask {} failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // The README's offline command, on the default database: the rebuild of
    // `users` (revision 4) starts from the table revision 1 created.
    let script = default(&["migrate", "upgrade", "--sql"]);
    let shown = default(&["migrate", "show", "bfdc"]);
    assert!(shown.contains("CREATE TABLE \"_retort_new_users\"") && shown.contains("\"username\" VARCHAR(100)"), "{shown}");
    default(&["migrate", "upgrade"]);
    let offline = sample.root.join("offline.sqlite3");
    let ran = Command::new("sqlite3")
        .arg(&offline)
        .stdin(std::fs::File::open({
            let file = sample.root.join("upgrade.sql");
            std::fs::write(&file, &script).expect("write the script");
            file
        })
        .expect("open the script"))
        .output()
        .expect("sqlite3 is installed (.ci/run installs it)");
    assert!(ran.status.success() && ran.stderr.is_empty(), "{}\n{script}", String::from_utf8_lossy(&ran.stderr));
    let snapshot = |path: PathBuf| async move {
        let url = retort::DatabaseUrl::sqlite_file(&path);
        let mut backend = retort::connect(&url).await.expect("open");
        let history = retort::engine::read_history(&mut backend, &retort::HistoryTable::default()).await.expect("history");
        let ids: Vec<String> = history.unwrap_or_default().into_iter().map(|row| row.id).collect();
        (backend.introspect(&retort::HistoryTable::default()).await.expect("introspect").render(), ids)
    };
    let online = snapshot(sample.root.join(".retort/dev.sqlite3")).await;
    let offline = snapshot(offline).await;
    assert_eq!(offline, online, "the script builds what the online upgrade built");
    assert_eq!(online.1.len(), sample.revision_count());
}

/// `db clone` as the README shows it: from a seeded database into the local
/// one, masked by the sample's `retort-mask.toml`, as a subset; and the
/// refusals a user meets first.
#[tokio::test]
#[allow(clippy::await_holding_lock)] // The turn orders whole workflows (see `workflow`).
async fn db_clone_copies_a_masked_subset_into_the_local_database() {
    let _turn = take_turn();
    let dir = tempfile::tempdir().expect("temp dir");
    let source = format!("sqlite://{}", dir.path().join("production.sqlite3").display());
    let sample = Sample::new(&source);
    std::fs::copy(
        checkout().join("retort-mask.toml"),
        sample.root.join("retort-mask.toml"),
    )
    .expect("copy the masking file");
    sample.ok(&["migrate", "upgrade"]);
    sample.ok(&["seed"]);
    let key = dir.path().join("mask.key");
    std::fs::write(&key, "a-masking-key-kept-outside-the-project\n").expect("write the key");
    let local = dir.path().join("local.sqlite3");
    let local_url = format!("sqlite://{}", local.display());
    let clone = |extra: &[&str]| {
        let mut args = vec!["db", "clone", "--from", source.as_str(), "--database-url", local_url.as_str()];
        args.extend(extra);
        sample.xtask(&args)
    };

    assert!(sample.ok(&["db", "clone", "--check"]).contains("classifies every column"));
    let inside = sample.root.join("mask.key");
    std::fs::copy(&key, &inside).expect("copy the key");
    let refused = clone(&["--mask-key-file", inside.to_str().expect("utf-8 path")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("inside the project"), "{}", stderr(&refused));
    assert!(!local.exists(), "nothing was cloned");

    let output = clone(&["--mask-key-file", key.to_str().expect("utf-8 path"), "--rows", "users=3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("cloned SQLite database") && stdout.contains("rows/s"), "{stdout}");
    assert!(stdout.contains("email (email)"), "the summary names the masked columns: {stdout}");

    let mut copy = retort::connect(&retort::DatabaseUrl::parse(&local_url).expect("url")).await.expect("open the copy");
    use retort::Session;
    let emails = copy.query("SELECT email FROM users ORDER BY id", &[]).await.expect("users").unwrap_or_default();
    assert_eq!(emails.len(), 3);
    for email in &emails {
        let retort::Value::Text(email) = &email[0] else { panic!("text emails") };
        assert!(!email.starts_with("user"), "a seeded (source) email reached the copy: {email}");
    }
    let dangling = copy.query("PRAGMA foreign_key_check", &[]).await.expect("checks").unwrap_or_default();
    assert!(dangling.is_empty());
    let todos = copy.query("SELECT COUNT(*) FROM todos WHERE owner_id NOT IN (1, 2, 3)", &[]).await.expect("todos");
    assert_eq!(todos.unwrap_or_default()[0][0], retort::Value::Int(0));
}

/// Which of `names` still exist on `db`'s server.
async fn still_there(db: &retort::testing::TestDatabase, kind: BackendKind, names: &[String]) -> Vec<String> {
    use retort::Session;
    let sql = match kind {
        BackendKind::Sqlite => return Vec::new(),
        BackendKind::Postgres => "SELECT datname FROM pg_database",
        BackendKind::Mssql => "SELECT name FROM sys.databases",
    };
    let mut backend = retort::connect(&retort::DatabaseUrl::parse(db.url()).expect("url")).await.expect("connect");
    let rows = backend.query(sql, &[]).await.expect("list databases").unwrap_or_default();
    let present: Vec<String> = rows
        .into_iter()
        .filter_map(|row| match row.into_iter().next() {
            Some(retort::Value::Text(name)) => Some(name),
            _ => None,
        })
        .collect();
    names.iter().filter(|name| present.contains(name)).cloned().collect()
}

/// The scratch databases a run says it made (`RUST_LOG=retort::scratch=debug`).
fn scratch_names(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|line| line.contains("created a scratch database"))
        .filter_map(|line| line.split("database=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Whether `users.last_login_at` exists in `db`.
async fn has_last_login(db: &retort::testing::TestDatabase) -> bool {
    use retort::Session;
    let mut backend = retort::connect(&retort::DatabaseUrl::parse(db.url()).expect("url")).await.expect("connect");
    backend.query("SELECT COUNT(last_login_at) FROM users", &[]).await.is_ok()
}

/// The README's autogenerate walkthrough: declare a column, autogenerate,
/// review, upgrade, and a second autogenerate finds nothing. On a server,
/// the comparison runs on a scratch database that is dropped afterwards;
/// the user's database is untouched until `migrate upgrade`.
#[allow(clippy::await_holding_lock)] // The turn orders whole workflows (see `workflow`).
async fn autogenerate_walkthrough(kind: BackendKind) {
    let db = retort::test_database!(kind);
    let _turn = take_turn();
    let sample = Sample::new(db.url());
    sample.ok(&["migrate", "upgrade"]);

    let schema = sample.root.join("src/schema.rs");
    let declared = std::fs::read_to_string(&schema).expect("read src/schema.rs");
    let anchor = "        t.column(\"phone_number\", Type::String(20));\n";
    assert!(declared.contains(anchor), "the walkthrough edits the users table after phone_number");
    let edited = declared.replace(anchor, &format!("{anchor}        t.column(\"last_login_at\", Type::DateTime);\n"));
    std::fs::write(&schema, edited).expect("write src/schema.rs");

    let mut autogenerate = vec!["new-revision", "--autogenerate", "-m", "add last login to users"];
    if kind != BackendKind::Sqlite {
        autogenerate.extend(["--database-url", db.url()]);
    }
    let mut logged = sample.command(&autogenerate);
    logged.env("RUST_LOG", "retort::scratch=debug");
    let output = sample.run(&autogenerate, &mut logged);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let scratch = scratch_names(&stderr(&output));
    let expected = if kind == BackendKind::Sqlite { 0 } else { 2 };
    assert_eq!(scratch.len(), expected, "one scratch database for the revisions, one for the declaration: {}", stderr(&output));
    assert!(stdout.contains("detected added column 'users.last_login_at'"), "{stdout}");
    let written = wrote(&stdout);
    assert_eq!(written.len(), 1, "{stdout}");
    let revision = std::fs::read_to_string(sample.root.join(&written[0])).expect("read the revision");
    eprintln!("{}:\n{revision}", written[0]);
    assert!(revision.contains("op.add_column(\"users\", \"last_login_at\", Type::DateTime);"), "{revision}");
    assert!(revision.contains("review it before applying it"), "{revision}");
    assert!(!has_last_login(&db).await, "autogenerate changed the user's database");
    assert_eq!(still_there(&db, kind, &scratch).await, Vec::<String>::new(), "the scratch databases were dropped");

    sample.ok(&["migrate", "upgrade"]);
    assert!(has_last_login(&db).await, "the autogenerated revision added the column");
    let again = sample.ok(&autogenerate);
    assert!(again.contains("no changes detected") && wrote(&again).is_empty(), "{again}");

    sample.ok(&["migrate", "downgrade", "-1"]);
    assert!(!has_last_login(&db).await, "the derived downgrade dropped the column");
}

#[tokio::test]
async fn autogenerate_walkthrough_on_sqlite() {
    autogenerate_walkthrough(BackendKind::Sqlite).await;
}

#[tokio::test]
async fn autogenerate_walkthrough_on_postgres() {
    autogenerate_walkthrough(BackendKind::Postgres).await;
}

#[tokio::test]
async fn autogenerate_walkthrough_on_mssql() {
    autogenerate_walkthrough(BackendKind::Mssql).await;
}

/// The hand-written legacy schemas of `crates/retort/tests/baseline.rs`,
/// with customers.phone of the given type.
fn legacy_schema(kind: BackendKind, phone: &str) -> String {
    match kind {
        BackendKind::Sqlite => include_str!("../../retort/tests/legacy/sqlite.sql"),
        BackendKind::Postgres => include_str!("../../retort/tests/legacy/postgres.sql"),
        BackendKind::Mssql => include_str!("../../retort/tests/legacy/mssql.sql"),
    }
    .replace("{phone}", phone)
    .replace("{LastName}", "LastName")
}

async fn create_legacy(db: &retort::testing::TestDatabase, phone: &str) {
    use retort::Session;
    let mut backend = retort::connect(&retort::DatabaseUrl::parse(db.url()).expect("url")).await.expect("connect");
    let sql = legacy_schema(db.kind(), phone);
    backend.execute(&retort::engine::Unit::sql(sql, "legacy schema")).await.expect("the legacy schema runs");
}

async fn introspected(db: &retort::testing::TestDatabase) -> retort::schema::SchemaSnapshot {
    use retort::Backend;
    let mut backend = retort::connect(&retort::DatabaseUrl::parse(db.url()).expect("url")).await.expect("connect");
    backend.introspect(&retort::HistoryTable::default()).await.expect("introspect")
}

/// The README's "no migrations yet" scenario through the real `cargo
/// xtask`: baseline a legacy database into revision 1, `upgrade` it on an
/// empty database, adopt the legacy one with `stamp head --verify`, and
/// see a copy with one column changed refused (exit 3), naming it.
#[allow(clippy::await_holding_lock)] // The turn orders whole workflows (see `workflow`).
async fn baseline_walkthrough(kind: BackendKind) {
    let legacy = retort::test_database!(kind);
    create_legacy(&legacy, "varchar(20)").await;
    let before = introspected(&legacy).await;
    let fresh = retort::test_database!(kind);
    let _turn = take_turn();
    let sample = Sample::new(fresh.url());

    // A baseline is revision 1: the sample's own revisions are in the way.
    let refused = sample.xtask(&["baseline", "--from", legacy.url()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("a baseline is revision 1"), "{}", stderr(&refused));
    let migrations = sample.root.join("migrations");
    std::fs::remove_dir_all(&migrations).expect("empty migrations/");
    std::fs::create_dir(&migrations).expect("empty migrations/");

    let output = sample.xtask(&["baseline", "--from", legacy.url(), "-m", "baseline"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let written = wrote(&stdout);
    assert_eq!(written.len(), 1, "{stdout}");
    let id = written[0].trim_start_matches("migrations/")[..12].to_owned();
    let revision = std::fs::read_to_string(sample.root.join(&written[0])).expect("read the revision");
    eprintln!("{}:\n{revision}", written[0]);
    assert!(revision.starts_with("// Baselined by `cargo xtask baseline` from "), "{revision}");
    if let Some(password) = url::Url::parse(legacy.url()).ok().and_then(|u| u.password().map(str::to_owned)) {
        for text in [&revision, &stdout, &stderr(&output)] {
            assert!(!text.contains(&password), "a password in the output");
        }
    }
    assert_eq!(introspected(&legacy).await, before, "baseline changed the legacy database");
    // Each view, routine and trigger is in objects/ too, named as the
    // catalog spells it.
    let dialect_name = retort::DatabaseUrl::parse(legacy.url()).expect("url").dialect().name();
    let view = sample.root.join("objects").join(format!("Sales by Region.{dialect_name}.sql"));
    let text = std::fs::read_to_string(&view).unwrap_or_else(|e| panic!("{}: {e}\n{stdout}", view.display()));
    assert!(text.contains("Sales by Region") && text.ends_with('\n'), "{text}");
    assert!(stdout.contains("objects/: ") && stdout.contains("one file each"), "{stdout}");

    // Everywhere else: upgrade builds the same schema (made-up names aside).
    sample.ok(&["migrate", "upgrade"]);
    let dialect = retort::DatabaseUrl::parse(legacy.url()).expect("url").dialect();
    let differences = retort::baseline::differences(&before, &introspected(&fresh).await, dialect, &Default::default());
    assert!(differences.is_empty(), "{}\n{revision}", differences.join("\n"));

    // On the legacy database: the stamp is a proof.
    let stamped = sample.ok(&["migrate", "stamp", "head", "--verify", "--database-url", legacy.url()]);
    assert!(stamped.contains(&id), "{stamped}");

    // A copy with one column changed is refused, and nothing is stamped.
    let copy = retort::test_database!(kind);
    create_legacy(&copy, "varchar(30)").await;
    let refused = sample.xtask(&["migrate", "stamp", "head", "--verify", "--database-url", copy.url()]);
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("table customers: column phone: type "), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("nothing was stamped"), "{}", stderr(&refused));
    let plain = sample.json(&["migrate", "current", "--database-url", copy.url()]);
    assert_eq!(plain["current"].as_array().map(Vec::len), Some(0), "{plain}");
}

#[tokio::test]
async fn baseline_walkthrough_on_sqlite() {
    baseline_walkthrough(BackendKind::Sqlite).await;
}

#[tokio::test]
async fn baseline_walkthrough_on_postgres() {
    baseline_walkthrough(BackendKind::Postgres).await;
}

#[tokio::test]
async fn baseline_walkthrough_on_mssql() {
    baseline_walkthrough(BackendKind::Mssql).await;
}

/// `migrate upgrade` prints each revision as it commits, with its own time,
/// on PostgreSQL, where a run's revisions reach the server in one message:
/// the lines before a slow revision come before it ends, and the revision
/// after it counts only its own time.
#[tokio::test]
#[allow(clippy::await_holding_lock)]
async fn upgrade_prints_each_revision_as_it_commits_with_its_own_time_on_postgres() {
    let db = retort::test_database!(BackendKind::Postgres);
    let _turn = take_turn();
    let sample = Sample::new(db.url());
    let migrations = sample.root.join("migrations");
    let revision = |id: &str, parent: &str, message: &str, up: &str| {
        let up = format!("-- revision: {id}\n-- parents: {parent}\n-- message: {message}\n{up}\n");
        std::fs::write(migrations.join(format!("{id}_{message}.up.sql")), up).expect("write up");
        std::fs::write(migrations.join(format!("{id}_{message}.down.sql")), "SELECT 1;\n").expect("write down");
    };
    let (head, count) = (sample.head(), sample.revision_count());
    revision("5a0000000001", &head, "slow", "SELECT pg_sleep(1.5);");
    revision("5a0000000002", "5a0000000001", "quick", "SELECT 1;");
    // Built first, so that the run below is only the run.
    sample.ok(&["migrate", "history"]);
    let mut child = sample
        .command(&["migrate", "upgrade"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cargo runs");
    let stdout = child.stdout.take().expect("piped stdout");
    // (arrival, id, printed milliseconds) of each line, as it comes.
    let mut lines = Vec::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line.expect("a line of output");
        eprintln!("{line}");
        let fields: Vec<&str> = line.split_whitespace().collect();
        // `upgrade   <id>  <message>  (<n> ms)`
        if let (Some(&"upgrade"), Some(id), Some(ms)) = (fields.first(), fields.get(1), fields.iter().rev().nth(1)) {
            let ms: u64 = ms.trim_start_matches('(').parse().unwrap_or_else(|_| panic!("a time in {line:?}"));
            lines.push((std::time::Instant::now(), id.to_string(), ms));
        }
    }
    assert!(child.wait().expect("cargo ends").success());
    let ids: Vec<&str> = lines.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), count + 2, "{ids:?}");
    assert_eq!(&ids[count - 1..], [head.as_str(), "5a0000000001", "5a0000000002"]);
    // Streamed: the sample's last revision was printed before the slow one ended.
    let (before_slow, slow) = (lines[count - 1].0, lines[count].0);
    assert!(slow - before_slow >= std::time::Duration::from_millis(1000), "{:?}", slow - before_slow);
    // Each its own time: the slow one took 1.5 s, the one after it did not.
    assert!((1500..5000).contains(&lines[count].2), "{lines:?}");
    assert!(lines[count + 1].2 < 1000, "not counted from the start of the run: {lines:?}");
}

/// Issue 18: on SQL Server, stderr has retort's messages only, not
/// tiberius's lines (its certificate warning on every connection, the
/// server's error before retort's message), and retort says once that the
/// certificate is trusted without validation.
#[tokio::test]
#[allow(clippy::await_holding_lock)] // See `workflow`.
async fn sql_server_commands_show_retorts_lines_only_and_the_certificate_notice_once() {
    let db = retort::test_database!(BackendKind::Mssql);
    let _turn = take_turn();
    let sample = Sample::new(db.url());
    let notice = "is trusted without validation";
    // `db reset` signs in twice: to the server's `master`, then to the database.
    let reset = sample.xtask(&["db", "reset"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    let stderr_reset = stderr(&reset);
    assert_eq!(stderr_reset.matches(notice).count(), 1, "{stderr_reset}");
    assert!(!stderr_reset.contains("tiberius"), "{stderr_reset}");
    // A login that fails: retort's message, with the fix, and no driver line.
    let mut wrong = url::Url::parse(db.url()).expect("the SQL Server test URL is a URL");
    wrong.set_password(Some("not-the-password")).expect("the SQL Server test URL has a login");
    let failed = sample.xtask(&["migrate", "current", "--database-url", wrong.as_str()]);
    let stderr_failed = stderr(&failed);
    assert_eq!(failed.status.code(), Some(1), "{stderr_failed}");
    assert!(stderr_failed.contains("login failed"), "{stderr_failed}");
    assert!(!stderr_failed.contains("tiberius") && !stderr_failed.contains("ERROR"), "{stderr_failed}");
    assert!(!stderr_failed.contains("not-the-password"), "{stderr_failed}");
}
