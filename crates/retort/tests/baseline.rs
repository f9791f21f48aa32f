//! Bringing a legacy database under retort, on every backend: a schema made
//! by hand-written SQL (`tests/legacy/<dialect>.sql`, with what older
//! sample databases have: names with spaces and in mixed case, views on
//! views, long index names, LIKE-pattern checks, user-defined types,
//! triggers) is baselined through a login that may only read; the revision
//! parses as Rust, keeps every name as written and creates each module
//! after what it names; replayed on an empty database, it builds the same
//! schema, with every module's text as the server stores it byte for byte;
//! `stamp --verify` adopts the source and refuses a copy with one column
//! changed, or spelled in another case, naming it.

mod common;

use std::cell::RefCell;
use std::time::Instant;

use common::connect;
use retort::baseline::{
    comparable, object_of_file_name, plan, read_source, write_object_files, Baseline, BaselineOptions, Filter, Outcome, Source,
};
use retort::schema::SchemaSnapshot;
use retort::codegen::{revision_source, RevisionSpec};
use retort::testing::{BackendKind, TestDatabase};
use retort::engine::Unit;
use retort::{
    Backend, Body, Checksum, DatabaseUrl, Dialect, HistoryTable, Migrations, Migrator, Operation, Operations,
    Revision, ScratchDatabase, Session, StampCheck, Target,
};

const SQLITE: &str = include_str!("legacy/sqlite.sql");
const POSTGRES: &str = include_str!("legacy/postgres.sql");
const MSSQL: &str = include_str!("legacy/mssql.sql");

/// How a copy of the legacy schema differs from the source.
#[derive(Clone, Copy)]
struct Variant {
    /// The type of customers.phone.
    phone: &'static str,
    /// The spelling of `[Customer Accounts].LastName`.
    last_name: &'static str,
}

const SOURCE: Variant = Variant { phone: "varchar(20)", last_name: "LastName" };

/// The legacy schema for `kind`, as `variant` spells it.
fn legacy(kind: BackendKind, variant: Variant) -> String {
    match kind {
        BackendKind::Sqlite => SQLITE,
        BackendKind::Postgres => POSTGRES,
        BackendKind::Mssql => MSSQL,
    }
    .replace("{phone}", variant.phone)
    .replace("{LastName}", variant.last_name)
}

async fn create_legacy(db: &TestDatabase, variant: Variant) {
    let mut backend = connect(db).await;
    backend
        .execute(&Unit::sql(legacy(db.kind(), variant), "legacy schema"))
        .await
        .unwrap_or_else(|e| panic!("the legacy schema runs on {:?}: {e}", db.kind()));
}

thread_local! {
    /// The operations of the revision under test: a revision's functions
    /// are plain `fn`s, so they read what to record from here (each test
    /// runs on its own thread).
    static RECORDED: RefCell<(Vec<Operation>, Vec<Operation>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn upgrade(op: &mut Operations) {
    RECORDED.with(|recorded| op.record_all(recorded.borrow().0.clone()));
}

fn downgrade(op: &mut Operations) {
    RECORDED.with(|recorded| op.record_all(recorded.borrow().1.clone()));
}

/// A one-revision table recording the baseline's operations, as the
/// generated file would after `cargo build`.
fn migrations(upgrade_ops: Vec<Operation>, downgrade_ops: Vec<Operation>) -> &'static Migrations {
    RECORDED.with(|recorded| *recorded.borrow_mut() = (upgrade_ops, downgrade_ops));
    let revisions: &'static [Revision] = Box::leak(Box::new([Revision {
        id: "ba5e11e00001",
        parents: &[],
        depends_on: &[],
        branch_labels: &[],
        message: "baseline",
        checksum: Checksum([7; 32]),
        transactional: true,
        irreversible: None,
        lock_timeout: None,
        source: "migrations/ba5e11e00001_baseline.rs",
        body: Body::Rust { upgrade, downgrade: Some(downgrade) },
    }]));
    Box::leak(Box::new(Migrations::new(revisions)))
}

fn dialect(kind: BackendKind) -> Dialect {
    match kind {
        BackendKind::Sqlite => Dialect::Sqlite,
        BackendKind::Postgres => Dialect::Postgres,
        BackendKind::Mssql => Dialect::Mssql,
    }
}

async fn snapshot(db: &TestDatabase) -> SchemaSnapshot {
    connect(db).await.introspect(&HistoryTable::default()).await.expect("introspects")
}

async fn baseline_round_trips_and_stamp_verify_adopts_only_the_same_schema(kind: BackendKind) {
    let source = retort::test_database!(kind);
    create_legacy(&source, SOURCE).await;
    let before = snapshot(&source).await;
    let file_before = source.sqlite_path().map(|path| std::fs::read(path).expect("the file exists"));

    // Baseline through a login that may only read.
    let reader = readers::create(&source).await;
    let started = Instant::now();
    let mut read_only = retort::connect_read_only(&reader.url).await.expect("the reader connects");
    let read: Source = read_source(&mut read_only, &HistoryTable::default()).await.expect("the source reads");
    drop(read_only);
    let baseline = plan(&read, &BaselineOptions::default()).expect("the baseline plans");
    eprintln!("{kind:?}: baselined {} tables in {} ms", read.snapshot.tables.len(), started.elapsed().as_millis());
    reader.assert_cannot_write().await;
    reader.assert_cannot_verify().await;

    // Nothing on the source changed.
    assert_eq!(snapshot(&source).await.render(), before.render(), "the source is unchanged");
    if let (Some(path), Some(bytes)) = (source.sqlite_path(), file_before) {
        assert_eq!(std::fs::read(path).expect("the file exists"), bytes, "the SQLite file is byte for byte unchanged");
    }

    let text = assert_revision_source(kind, &source, &read, &baseline);
    assert_names_as_written_and_modules_in_order(kind, &baseline);
    assert_object_files(kind, &source, &read, &baseline).await;
    let migrator = assert_replays(kind, &source, &before, &baseline, &text).await;
    assert_offline_script_replays(kind, &source, &before, &baseline).await;
    assert_replays_keeping_names(kind, &before, &read).await;
    // The revision under test is the default one again.
    let _ = migrations(baseline.upgrade.clone(), baseline.downgrade.clone());
    assert_stamp_verify_adopts_only_the_same_schema(kind, &migrator, &source).await;
    drop(source);
    reader.remove().await;
}

/// The revision is Rust that parses, with its header and without a
/// password or another tool's history table.
fn assert_revision_source(kind: BackendKind, source: &TestDatabase, read: &Source, baseline: &Baseline) -> String {
    let header = baseline.header(read, false);
    let text = revision_source(&spec(), &header, &baseline.upgrade, Some(&baseline.downgrade)).expect("codegen");
    // `BASELINE_DUMP=1 cargo test --test baseline -- --nocapture` shows the revisions.
    if std::env::var_os("BASELINE_DUMP").is_some() {
        eprintln!("{text}");
    }
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(!text.contains(&password(source.url())), "no password in the revision");
    assert!(text.starts_with("// Baselined by `cargo xtask baseline` from "), "{text}");
    assert!(!text.contains("alembic_version\""), "another tool's history is left out:\n{text}");
    assert!(baseline.left_out.iter().any(|l| l.contains("alembic_version")), "{:?}", baseline.left_out);
    // Babelfish keeps only the first 31 bytes of a long index name (with its
    // table's name and a hash): the one index whose name is longer says so.
    let expected: &[&str] = match read.flavour {
        retort::Flavour::Babelfish => &["table Customer Accounts: index ix_customer_accounts_region_and"],
        _ => &[],
    };
    let objects: Vec<&str> = baseline.not_reproduced.iter().map(|n| n.object.as_str()).collect();
    assert_eq!(objects, expected, "{:#?}", baseline.not_reproduced);
    if kind != BackendKind::Sqlite {
        assert!(!baseline.renamed.is_empty(), "made-up names are listed");
    }
    text
}

/// Tables and columns keep their spelling (`Customer Accounts.FirstName`,
/// not `customer accounts.firstname`), and each view or routine is created
/// after the ones it names and dropped before them, though its name sorts
/// first and has spaces (SQLite has no routines).
fn assert_names_as_written_and_modules_in_order(kind: BackendKind, baseline: &Baseline) {
    let accounts = baseline.upgrade.iter().find_map(|op| match op {
        Operation::CreateTable(table) if table.name.eq_ignore_ascii_case("Customer Accounts") => Some(table),
        _ => None,
    });
    let accounts = accounts.unwrap_or_else(|| panic!("[Customer Accounts] is created: {:#?}", baseline.upgrade));
    assert_eq!(accounts.name, "Customer Accounts");
    let columns: Vec<&str> = accounts.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns[..3], ["AccountID", "FirstName", "LastName"]);
    let at = |ops: &[Operation], name: &str| {
        ops.iter().position(|op| names_module(op, name)).unwrap_or_else(|| panic!("{name} is in {ops:#?}"))
    };
    let (up, down) = (&baseline.upgrade, &baseline.downgrade);
    assert!(at(up, "Sales by Region") < at(up, "Best Regions"), "{up:#?}");
    if kind != BackendKind::Sqlite {
        assert!(at(up, "Best Regions") < at(up, "Accounts in Best Regions"), "{up:#?}");
    }
    assert!(at(down, "Best Regions") < at(down, "Sales by Region"), "{down:#?}");
}

/// Each view, routine and trigger has its file in `objects/`, named by the
/// object as the catalog spells it (spaces and case kept, read back from
/// the file name), holding exactly the statement the base revision runs to
/// create it and a final line break; on SQL Server and SQLite, that is the
/// text the source keeps, byte for byte.
async fn assert_object_files(kind: BackendKind, source: &TestDatabase, read: &Source, baseline: &Baseline) {
    let project = tempfile::tempdir().expect("a temporary folder");
    let objects = project.path().join("objects");
    let written = write_object_files(&objects, &baseline.objects, false).expect("the object files are written");
    assert!(written.iter().all(|(_, outcome)| *outcome == Outcome::Written), "{written:?}");
    // PostgreSQL's two `order_total` overloads share a name: the first has
    // the file, the other is listed (and created by the revision all the same).
    let not_written: Vec<&str> = baseline.objects_not_written.iter().map(|line| line.split(':').next().unwrap_or(line)).collect();
    let expected: &[&str] = if kind == BackendKind::Postgres { &["public.order_total"] } else { &[] };
    assert_eq!(not_written, expected, "{:?}", baseline.objects_not_written);

    // One file per module of the source, and nothing else in the folder.
    let snapshot = &read.snapshot;
    let mut modules: Vec<String> = snapshot.views.keys().cloned().collect();
    modules.extend(snapshot.routines.keys().map(|key| key.split('(').next().unwrap_or(key).to_owned()));
    modules.extend(snapshot.triggers.keys().map(|key| key.split(" on ").next().unwrap_or(key).to_owned()));
    modules.sort();
    modules.dedup();
    let mut files: Vec<(String, String)> = std::fs::read_dir(&objects)
        .expect("objects/ exists")
        .map(|entry| {
            let path = entry.expect("a folder entry").path();
            let file_name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name").to_owned();
            let (name, file_dialect) = object_of_file_name(&file_name).unwrap_or_else(|| panic!("{file_name} names an object"));
            assert_eq!(file_dialect, Some(dialect(kind)), "{file_name} is for the source's dialect");
            // Named as the statement's header names it, which the build
            // checks: `dbo.order_summary`, `public.order_total`.
            let default = format!("{}.", retort::baseline::default_schema(dialect(kind)));
            let name = name.strip_prefix(default.as_str()).map_or(name.clone(), str::to_owned);
            (name, std::fs::read_to_string(&path).expect("the file reads"))
        })
        .collect();
    files.sort();
    let names: Vec<&String> = files.iter().map(|(name, _)| name).collect();
    assert_eq!(names, modules.iter().collect::<Vec<_>>(), "one file per module");
    assert!(names.iter().any(|name| *name == "Sales by Region"), "the name with spaces and mixed case round-trips: {names:?}");
    assert!(objects.join(format!("Sales by Region.{}.sql", dialect(kind).name())).is_file());
    eprintln!("{kind:?}: {} files in objects/", files.len());

    // Each file is one statement the revision runs, and a line break.
    let migrations = migrations(baseline.upgrade.clone(), baseline.downgrade.clone());
    let units = retort::engine::render_units(&migrations.revisions()[0], retort::Direction::Up, dialect(kind)).expect("the revision renders");
    let run: Vec<&str> = units.iter().map(|unit| unit.sql.as_str()).collect();
    let stored = module_texts(source).await;
    for (name, contents) in &files {
        assert!(contents.ends_with('\n'), "{name}: {contents:?}");
        let definition = &contents[..contents.len() - 1];
        assert!(run.contains(&definition), "{name}: the file is not a statement of the revision:\n{contents}\n{run:#?}");
        if kind != BackendKind::Postgres {
            // SQLite and SQL Server keep the text as written; PostgreSQL
            // prints what it parsed, which `module_texts` reads apart.
            // (Babelfish's sys.objects gives names in lower case.)
            let kept = stored.iter().find(|(stored_name, _)| stored_name.eq_ignore_ascii_case(name)).map(|(_, text)| text.as_str());
            assert_eq!(Some(definition), kept, "{name}: as the source keeps it");
        }
    }
}

/// Whether `op` creates or drops the view or routine `name`.
fn names_module(op: &Operation, name: &str) -> bool {
    const LEADS: [&str; 7] = [
        "create view ",
        "create procedure ",
        "create function ",
        "create or replace function ",
        "drop view ",
        "drop procedure ",
        "drop function ",
    ];
    let quoted = [format!("[{name}]"), format!("\"{name}\"")];
    let leads_with = |text: &str| {
        let text = text.trim_start().replace("dbo.", "").replace("public.", "");
        let lower = text.to_ascii_lowercase();
        LEADS.iter().any(|lead| lower.starts_with(lead) && quoted.iter().any(|q| text[lead.len()..].starts_with(q.as_str())))
    };
    match op {
        Operation::CreateView { name: view, .. } | Operation::DropView { name: view, .. } => view == name,
        Operation::Execute(sql) => {
            [Dialect::Sqlite, Dialect::Postgres, Dialect::Mssql].into_iter().filter_map(|d| sql.text(d)).any(leads_with)
        }
        _ => false,
    }
}

fn spec() -> RevisionSpec {
    RevisionSpec { id: "ba5e11e00001".into(), message: "baseline".into(), ..RevisionSpec::default() }
}

/// Replayed on an empty database, the revision builds the same schema
/// (made-up names aside), every module stored byte for byte as on the
/// source, and its downgrade leaves nothing.
async fn assert_replays(kind: BackendKind, source: &TestDatabase, before: &SchemaSnapshot, baseline: &Baseline, text: &str) -> Migrator {
    let migrator = Migrator::new(migrations(baseline.upgrade.clone(), baseline.downgrade.clone()));
    let replayed = retort::test_database!(kind, migrator);
    migrator.upgrade(&mut connect(&replayed).await, &Target::Head).await.unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (stored, replayed_texts) = (module_texts(source).await, module_texts(&replayed).await);
    assert!(stored.len() >= 4, "{stored:#?}");
    assert_eq!(replayed_texts, stored, "module texts differ after the replay");
    let filter = Filter::default();
    let built = snapshot(&replayed).await;
    let differences = retort::baseline::differences(before, &built, dialect(kind), &filter);
    assert!(differences.is_empty(), "the replayed schema differs:\n{}\n{text}", differences.join("\n"));
    let expected = comparable(&filter.apply(before, retort::baseline::default_schema(dialect(kind))).0, dialect(kind));
    assert_eq!(comparable(&built, dialect(kind)).render(), expected.render());
    migrator.downgrade(&mut connect(&replayed).await, &Target::Base).await.expect("downgrades");
    assert!(snapshot(&replayed).await.is_empty(), "the downgrade drops everything");
    migrator
}

/// The revision's offline script (`upgrade --sql`), run by the dialect's
/// own client (sqlite3, psql, and on SQL Server tsql, which runs every
/// batch it is given), builds the same schema with every module's text as
/// the source keeps it; on SQL Server each module is a batch of its own,
/// with `GO` before and after it.
async fn assert_offline_script_replays(kind: BackendKind, source: &TestDatabase, before: &SchemaSnapshot, baseline: &Baseline) {
    let migrations = migrations(baseline.upgrade.clone(), baseline.downgrade.clone());
    let graph = retort::RevisionGraph::new(migrations);
    let plan = retort::Plan::upgrade(&graph, &Default::default(), &Target::Heads).expect("a plan to head");
    let flavour = common::flavour(source).await;
    let rendered = retort::render_plan(&plan, dialect(kind), flavour, retort::Start::Replay(&[])).expect("the revision renders");
    let script = retort::render_script(&rendered, &HistoryTable::default()).expect("the script renders");
    if kind == BackendKind::Mssql {
        for file in &baseline.objects {
            let batch = format!("GO\n{}\nGO\n", file.definition.trim_matches(['\r', '\n']).trim_end());
            assert!(script.contains(&batch), "{} is not a batch of its own:\n{script}", file.name);
        }
    }
    let offline = retort::test_database!(kind);
    common::run_script(&offline, &script);
    assert_eq!(module_texts(&offline).await, module_texts(source).await, "module texts differ after the offline script");
    let differences = retort::baseline::differences(before, &snapshot(&offline).await, dialect(kind), &Filter::default());
    assert!(differences.is_empty(), "the offline script builds another schema:\n{}", differences.join("\n"));
}

/// With --keep-names the made-up names are the revision's own; on
/// PostgreSQL, which keeps them as given, the snapshot text is the same.
async fn assert_replays_keeping_names(kind: BackendKind, before: &SchemaSnapshot, read: &Source) {
    let kept = plan(read, &BaselineOptions { keep_names: true, ..BaselineOptions::default() }).expect("the baseline plans");
    revision_source(&spec(), &kept.header(read, true), &kept.upgrade, Some(&kept.downgrade)).expect("codegen");
    let keeping = Migrator::new(migrations(kept.upgrade.clone(), kept.downgrade.clone()));
    let replayed = retort::test_database!(kind);
    keeping.upgrade(&mut connect(&replayed).await, &Target::Head).await.expect("the kept-names revision runs");
    let built = snapshot(&replayed).await;
    let differences = retort::baseline::differences(before, &built, dialect(kind), &Filter::default());
    assert!(differences.is_empty(), "with --keep-names:\n{}", differences.join("\n"));
    if kind == BackendKind::Postgres {
        assert_eq!(built.render(), Filter::default().apply(before, "public").0.render(), "the same snapshot text");
    }
}

/// stamp --verify adopts the source, and refuses a copy with one column
/// changed, naming it and writing nothing.
async fn assert_stamp_verify_adopts_only_the_same_schema(kind: BackendKind, migrator: &Migrator, source: &TestDatabase) {
    let checked = verified_stamp(migrator, source).await;
    assert!(matches!(&checked, StampCheck::Stamped(steps) if steps.len() == 1), "{checked:?}");
    assert_eq!(common::applied(source).await, ["ba5e11e00001"]);

    let copy = retort::test_database!(kind);
    create_legacy(&copy, Variant { phone: "varchar(30)", ..SOURCE }).await;
    let spelled = |n: u32| match kind {
        BackendKind::Postgres => format!("character varying({n})"),
        _ => format!("varchar({n})"),
    };
    match verified_stamp(migrator, &copy).await {
        StampCheck::Differs(differences) => assert_eq!(
            differences,
            [format!("table customers: column phone: type {} on the database, {} in the revisions", spelled(30), spelled(20))]
        ),
        other => panic!("the changed copy is stamped: {other:?}"),
    }
    // A name spelled in another case is another name where the server
    // keeps the spelling (all three do, Babelfish in its INFORMATION_SCHEMA).
    let respelled = retort::test_database!(kind);
    create_legacy(&respelled, Variant { last_name: "lastname", ..SOURCE }).await;
    match verified_stamp(migrator, &respelled).await {
        StampCheck::Differs(differences) => assert_eq!(
            differences,
            ["table Customer Accounts: column LastName: spelled lastname on the database, LastName in the revisions"]
        ),
        other => panic!("the copy with a column spelled in lower case is stamped: {other:?}"),
    }
    let history_tables = match kind {
        BackendKind::Sqlite => "SELECT name FROM sqlite_master WHERE name LIKE 'retort_history%'",
        BackendKind::Postgres => "SELECT tablename::text FROM pg_tables WHERE tablename LIKE 'retort_history%'",
        BackendKind::Mssql => "SELECT name FROM sys.tables WHERE name LIKE 'retort_history%'",
    };
    assert!(common::texts(&copy, history_tables).await.is_empty(), "nothing is written to the copy, not even the history tables");
}

/// Every view, routine and trigger of the default schema, by name, with
/// its text as the server keeps it (SQL Server and SQLite: as it was
/// written; PostgreSQL: as it prints what it parsed).
async fn module_texts(db: &TestDatabase) -> std::collections::BTreeMap<String, String> {
    let sql = match db.kind() {
        BackendKind::Sqlite => "SELECT name || '|' || sql FROM sqlite_master WHERE type IN ('view', 'trigger')",
        BackendKind::Postgres => {
            "SELECT c.relname || '|' || pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relkind IN ('v', 'm') \
               AND c.relnamespace = 'public'::regnamespace \
             UNION ALL SELECT p.proname || '|' || pg_get_functiondef(p.oid) FROM pg_proc p \
               WHERE p.pronamespace = 'public'::regnamespace \
             UNION ALL SELECT t.tgname || '|' || pg_get_triggerdef(t.oid) FROM pg_trigger t \
               JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace"
        }
        BackendKind::Mssql => {
            "SELECT o.name + N'|' + m.definition FROM sys.sql_modules AS m JOIN sys.objects AS o ON o.object_id = m.object_id \
             WHERE SCHEMA_NAME(o.schema_id) = N'dbo' AND o.name NOT LIKE N'retort%'"
        }
    };
    common::texts(db, sql)
        .await
        .into_iter()
        .filter_map(|row| row.split_once('|').map(|(name, text)| (name.to_owned(), text.to_owned())))
        .collect()
}

async fn verified_stamp(migrator: &Migrator, db: &TestDatabase) -> StampCheck {
    let started = Instant::now();
    let url = common::url(db);
    let scratch = ScratchDatabase::beside(&url).await.expect("a scratch database");
    let checked = {
        let mut replay = retort::connect(scratch.url()).await.expect("the scratch database connects");
        migrator
            .stamp_verified(&mut connect(db).await, &mut replay, &Target::Head, |live, built| {
                retort::baseline::differences(live, built, db.kind().dialect(), &Filter::default())
            })
            .await
            .expect("stamp --verify runs")
    };
    scratch.remove().await.expect("the scratch database is dropped");
    eprintln!("{:?}: stamp --verify in {} ms", db.kind(), started.elapsed().as_millis());
    checked
}

fn password(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned)).filter(|p| p.len() > 3).unwrap_or_else(|| "\u{0}".into())
}

/// Logins that may only read, made for the test and removed after it.
mod readers {
    use super::*;

    pub struct Reader {
        pub url: DatabaseUrl,
        /// The server's maintenance database, where the login is dropped
        /// once the test database is gone (Babelfish refuses to drop a
        /// user that was granted anything; dropping its database does).
        maintenance: Option<DatabaseUrl>,
        name: String,
        kind: BackendKind,
    }

    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

    /// SQLite has no logins: its reader is the same file, opened read-only.
    /// PostgreSQL: a role with CONNECT, USAGE and SELECT. SQL Server: a
    /// login in `db_datareader` with VIEW DEFINITION; Babelfish has neither
    /// that role nor VIEW DEFINITION, and shows a module only to a login
    /// that may run it, so its reader has SELECT and EXECUTE on `dbo` (the
    /// read-only session refuses to execute anything all the same).
    pub async fn create(db: &TestDatabase) -> Reader {
        let name = format!("retort_reader_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let password = format!("Rd-{}-Aa9!", std::process::id());
        let database = db.database_name().unwrap_or_default().to_owned();
        let babelfish = db.kind() == BackendKind::Mssql && common::flavour(db).await == retort::Flavour::Babelfish;
        let statements: Vec<String> = match db.kind() {
            BackendKind::Sqlite => Vec::new(),
            BackendKind::Postgres => vec![
                format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"),
                format!("GRANT CONNECT ON DATABASE \"{database}\" TO {name}"),
                format!("GRANT USAGE ON SCHEMA public TO {name}"),
                format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}"),
            ],
            BackendKind::Mssql => {
                let mut statements = vec![
                    format!("CREATE LOGIN [{name}] WITH PASSWORD = N'{password}'"),
                    format!("CREATE USER [{name}] FOR LOGIN [{name}]"),
                ];
                if babelfish {
                    statements.push(format!("GRANT SELECT ON SCHEMA::dbo TO [{name}]"));
                    statements.push(format!("GRANT EXECUTE ON SCHEMA::dbo TO [{name}]"));
                    // Its catalog shows a sequence's settings only to a
                    // login granted SELECT on that sequence.
                    statements.push(format!("GRANT SELECT ON dbo.invoice_numbers TO [{name}]"));
                } else {
                    statements.push(format!("ALTER ROLE db_datareader ADD MEMBER [{name}]"));
                    statements.push(format!("GRANT VIEW DEFINITION TO [{name}]"));
                }
                statements
            }
        };
        let mut backend = connect(db).await;
        for sql in &statements {
            backend.execute(&Unit::sql(sql.clone(), "reader")).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let url = match db.kind() {
            BackendKind::Sqlite => common::url(db),
            _ => {
                let mut url = url::Url::parse(db.url()).expect("server test URLs are URLs");
                url.set_username(&name).expect("a URL with a user");
                url.set_password(Some(&password)).expect("a URL with a password");
                DatabaseUrl::parse(url.as_str()).expect("a valid URL")
            }
        };
        let maintenance = db.__maintenance_url().map(|url| DatabaseUrl::parse(url).expect("a valid URL"));
        Reader { url, maintenance, name, kind: db.kind() }
    }

    impl Reader {
        /// The login itself is refused a write, not only the session.
        pub async fn assert_cannot_write(&self) {
            if self.kind == BackendKind::Sqlite {
                return;
            }
            let mut plain = retort::connect(&self.url).await.expect("the reader connects");
            let written = plain.execute(&Unit::sql("CREATE TABLE reader_was_here (id int)", "write")).await;
            assert!(written.is_err(), "the reader login may not write");
        }

        /// Drops the login; the test database it could read is gone by now.
        /// `stamp --verify` with this login is refused clearly: it may not
        /// create the scratch database.
        pub async fn assert_cannot_verify(&self) {
            if self.kind == BackendKind::Sqlite {
                return;
            }
            match ScratchDatabase::beside(&self.url).await {
                Err(error) => {
                    let text = error.to_string();
                    assert!(text.contains("needs to be allowed to create databases"), "{text}");
                    assert!(!text.contains(&password(self.url.expose())), "{text}");
                }
                Ok(scratch) => panic!("the reader created {}", scratch.url()),
            }
        }

        pub async fn remove(self) {
            let Some(maintenance) = &self.maintenance else { return };
            let sql = match self.kind {
                BackendKind::Postgres => format!("DROP ROLE {}", self.name),
                _ => format!("DROP LOGIN [{}]", self.name),
            };
            let mut backend = retort::connect(maintenance).await.expect("the maintenance database connects");
            // A session of the login may still be ending.
            for attempt in 0..20 {
                match backend.execute(&Unit::sql(sql.clone(), "reader")).await {
                    Ok(()) => return,
                    Err(e) if attempt == 19 => panic!("{sql}: {e}"),
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                }
            }
        }
    }
}

on_every_backend!(baseline_round_trips_and_stamp_verify_adopts_only_the_same_schema);
