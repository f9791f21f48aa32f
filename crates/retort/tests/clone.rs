//! `db clone` end to end, on every backend and across backends: the todo
//! schema (the sample's first revisions, copied into `tests/fixtures/todo/`,
//! plus a fixture revision with a join on email, portable types and a
//! self-reference), seeded with known personal data,
//! cloned and checked: nothing personal in the destination, joins intact,
//! the same values for the same key and others for another, the source
//! untouched, subsets without dangling rows, and the refusals.

mod common;

use std::collections::BTreeMap;

use retort::clone::{check_mask_file, clone_database, CloneError, CloneOptions, CloneReport, MaskFile, MaskKey, SubsetConfig};
use retort::op::*;
use retort::testing::{BackendKind, TestDatabase};
use retort::{Backend, Body, Checksum, DatabaseUrl, HistoryTable, Migrations, Migrator, Revision, Session, Target, Value};

#[allow(dead_code)] // Only the ids and functions are used here.
#[path = "fixtures/todo/ca2061f1a411_initial_users_and_todos.rs"]
mod sample_initial;
#[allow(dead_code)]
#[path = "fixtures/todo/e2c91c86cdd1_add_phone_number_to_users.rs"]
mod sample_phone;
#[allow(dead_code)]
#[path = "fixtures/todo/43c3cd585949_add_comments_table.rs"]
mod sample_comments;
#[allow(dead_code)]
#[path = "fixtures/todo/bfdc4dc1aa2c_change_username_to_longer_string.rs"]
mod sample_username;
#[allow(dead_code)]
#[path = "fixtures/todo/e9d9fee31ee0_replace_is_active_with_status.rs"]
mod sample_status;

const fn rust(
    id: &'static str,
    parents: &'static [&'static str],
    upgrade: fn(&mut Operations),
    downgrade: Option<fn(&mut Operations)>,
) -> Revision {
    Revision {
        checksum: Checksum([0; 32]),
        ..common::revision(id, parents, "migrations/clone_fixture.rs", Body::Rust { upgrade, downgrade })
    }
}

/// A newsletter joined to users on their email (a foreign key to a unique
/// column), with the portable types, and a self-referencing category tree.
fn fixture_upgrade(op: &mut Operations) {
    op.create_table("newsletter", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("email", Type::String(100)).not_null().references("users", "email");
        t.column("subscribed_on", Type::Date);
        t.column("score", Type::Decimal(5, 2));
        t.column("avatar", Type::Bytes);
        t.column("token", Type::Uuid);
        t.column("created_at", Type::DateTime);
        t.column("weight", Type::Float);
    });
    op.create_table("categories", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("label", Type::String(50)).not_null();
        t.column("parent_id", Type::Int).references("categories", "id");
    });
}

static FIXTURE: Migrations = Migrations::new(&[
    rust(sample_initial::REVISION, sample_initial::PARENTS, sample_initial::upgrade, None),
    rust(sample_phone::REVISION, sample_phone::PARENTS, sample_phone::upgrade, None),
    rust(sample_comments::REVISION, sample_comments::PARENTS, sample_comments::upgrade, None),
    rust(sample_username::REVISION, sample_username::PARENTS, sample_username::upgrade, None),
    rust(sample_status::REVISION, sample_status::PARENTS, sample_status::upgrade, Some(sample_status::downgrade)),
    rust("c10e0f1c5a7e", &[sample_status::REVISION], fixture_upgrade, None),
]);

const MASK: &str = r#"
[tables.users]
id = "keep"
email = "email"
username = "username"
first_name = "first_name"
last_name = "last_name"
hashed_password = "hash"
role = "keep"
phone_number = "phone"
status = "keep"

[tables.todos]
id = "keep"
title = "text"
description = "text"
priority = "keep"
complete = "keep"
owner_id = "keep"

[tables.comments]
id = "keep"
content = "text"
todo_id = "keep"

[tables.newsletter]
id = "keep"
email = "email"
subscribed_on = { strategy = "date_shift", days = 30 }
score = { strategy = "number_range", min = 1, max = 10 }
avatar = "hash"
token = { keep = "a random identifier, not a credential" }
created_at = "keep"
weight = "keep"

[tables.categories]
id = "keep"
label = "keep"
parent_id = "keep"
"#;

/// The people of the source: every string here is personal and must not
/// reach the destination.
const PEOPLE: [(&str, &str, &str, &str, &str, &str); 6] = [
    ("adelaide.lovelacewood@realmail.test", "adelaide_l", "Adelaide", "Lovelacewood", "+44 20 7946 0101", "$argon2id$realhash0001"),
    ("bartholomew.quimbleton@realmail.test", "bart_q", "Bartholomew", "Quimbleton", "+44 20 7946 0102", "$argon2id$realhash0002"),
    ("cordelia.farnsworthy@realmail.test", "cordelia_f", "Cordelia", "Farnsworthy", "+44 20 7946 0103", "$argon2id$realhash0003"),
    ("desmond.oglethorpe@realmail.test", "desmond_o", "Desmond", "Oglethorpe", "+44 20 7946 0104", "$argon2id$realhash0004"),
    ("evangeline.pemberton@realmail.test", "evangeline_p", "Evangeline", "Pemberton", "+44 20 7946 0105", "$argon2id$realhash0005"),
    ("fitzgerald.wintergreen@realmail.test", "fitz_w", "Fitzgerald", "Wintergreen", "+44 20 7946 0106", "$argon2id$realhash0006"),
];

/// Free text that is personal too.
fn todo_title(user: usize, n: usize) -> String {
    format!("Call {} about invoice {user}{n}", PEOPLE[user].2)
}

fn url(db: &TestDatabase) -> DatabaseUrl {
    DatabaseUrl::parse(db.url()).expect("test databases have valid URLs")
}

fn key(text: &str) -> MaskKey {
    MaskKey::new(text).expect("test keys are long enough")
}

fn options(source: &TestDatabase, dest: &TestDatabase, key_text: &str) -> CloneOptions {
    CloneOptions {
        migrations: &FIXTURE,
        source: url(source),
        destination: url(dest),
        mask: MaskFile::parse(MASK).expect("the test mask parses"),
        key: key(key_text),
        subset: None,
        batch_rows: 4, // Several pages per table.
        history: HistoryTable::default(),
        allow_remote: false,
        bulk_load: true,
    }
}

/// Builds the fixture schema on `db` and fills it with the known data.
async fn seeded_source(kind: BackendKind) -> Option<TestDatabase> {
    let db = retort::test_database!(kind, None);
    let mut backend = retort::connect(&url(&db)).await.expect("the source accepts connections");
    Migrator::new(&FIXTURE).upgrade(&mut backend, &Target::Heads).await.expect("the fixture upgrades");
    let d = backend.dialect();
    let text = |t: &str| Value::Text(t.to_owned()).literal(d);
    let (yes, no) = (Value::Bool(true).literal(d), Value::Bool(false).literal(d));
    let mut statements = Vec::new();
    for (email, username, first, last, phone, hash) in PEOPLE {
        statements.push(format!(
            "INSERT INTO users (email, username, first_name, last_name, hashed_password, role, phone_number, status) \
             VALUES ({}, {}, {}, {}, {}, 'user', {}, 'active')",
            text(email),
            text(username),
            text(first),
            text(last),
            text(hash),
            text(phone)
        ));
    }
    for (user, person) in PEOPLE.iter().enumerate() {
        for n in 0..3 {
            statements.push(format!(
                "INSERT INTO todos (title, description, priority, complete, owner_id) VALUES ({}, {}, {}, {}, {})",
                text(&todo_title(user, n)),
                text(&format!("Ring {} on {}", person.2, person.4)),
                1 + n,
                if n == 0 { &yes } else { &no },
                user + 1
            ));
        }
    }
    for todo in 1..=(PEOPLE.len() * 3) {
        statements.push(format!(
            "INSERT INTO comments (content, todo_id) VALUES ({}, {todo})",
            text(&format!("{} says hi", PEOPLE[(todo - 1) / 3].3))
        ));
    }
    let bytes = match d {
        retort::Dialect::Sqlite => "X'0102FF'",
        retort::Dialect::Postgres => "decode('0102ff', 'hex')",
        retort::Dialect::Mssql => "0x0102FF",
    };
    for (at, user) in [0usize, 2, 4].iter().enumerate() {
        statements.push(format!(
            "INSERT INTO newsletter (email, subscribed_on, score, avatar, token, created_at, weight) \
             VALUES ({}, '2024-02-2{at}', 4.5, {bytes}, 'a1b2c3d4-0000-4000-8000-00000000000{at}', \
             '2024-03-04 05:06:07', 0.25)",
            text(PEOPLE[*user].0)
        ));
    }
    statements.push("INSERT INTO categories (label, parent_id) VALUES ('root', NULL)".to_owned());
    statements.push("INSERT INTO categories (label, parent_id) VALUES ('child', 1)".to_owned());
    statements.push("INSERT INTO categories (label, parent_id) VALUES ('grandchild', 2)".to_owned());
    statements.push("UPDATE categories SET parent_id = 3 WHERE id = 1".to_owned());
    let rendered: Vec<retort::Rendered> = statements.into_iter().map(|sql| retort::Rendered { sql, values: Vec::new() }).collect();
    retort::engine::execute_in_transaction(&mut backend, &rendered).await.expect("the seed rows insert");
    Some(db)
}

type Dump = BTreeMap<String, Vec<Vec<Option<String>>>>;

/// Every row of every table, every value as text, in key order.
async fn dump(db: &TestDatabase) -> Dump {
    let mut backend = retort::connect(&url(db)).await.expect("connects");
    let d = backend.dialect();
    let schema = backend.introspect(&HistoryTable::default()).await.expect("introspects");
    let mut out = Dump::new();
    for (name, table) in &schema.tables {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| {
                let q = d.quote_ident(&c.name);
                match d {
                    // Bytes as they are (the backend gives them as hex): as
                    // text they may not be characters at all.
                    retort::Dialect::Mssql if c.data_type.contains("binary") => q,
                    retort::Dialect::Mssql => format!("CAST({q} AS nvarchar(max))"),
                    _ => format!("CAST({q} AS text)"),
                }
            })
            .collect();
        let sql = format!("SELECT {} FROM {} ORDER BY 1", columns.join(", "), d.quote_ident(name));
        let rows = backend.query(&sql, &[]).await.expect("reads").unwrap_or_default();
        let rows = rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|v| match v {
                        Value::Null => None,
                        Value::Text(t) => Some(t),
                        Value::Int(n) => Some(n.to_string()),
                        Value::Bool(b) => Some(b.to_string()),
                    })
                    .collect()
            })
            .collect();
        out.insert(name.to_lowercase(), rows);
    }
    out
}

async fn schema(db: &TestDatabase) -> retort::schema::SchemaSnapshot {
    let mut backend = retort::connect(&url(db)).await.expect("connects");
    backend.introspect(&HistoryTable::default()).await.expect("introspects")
}

/// Fails naming the cell when any personal string of the source appears
/// anywhere in the destination.
fn assert_nothing_personal(dump: &Dump) {
    let mut personal: Vec<String> = Vec::new();
    for (email, username, first, last, phone, hash) in PEOPLE {
        personal.extend([email, username, first, last, phone, hash].map(|s| s.to_lowercase()));
        personal.push(email.split('@').next().unwrap_or(email).to_lowercase());
    }
    personal.push("realmail".to_owned());
    personal.push("about invoice".to_owned());
    personal.push("says hi".to_owned());
    for (table, rows) in dump {
        for row in rows {
            for cell in row.iter().flatten() {
                let cell = cell.to_lowercase();
                if let Some(found) = personal.iter().find(|p| cell.contains(p.as_str())) {
                    panic!("{table} holds a source value ({found}) in {cell:?}");
                }
            }
        }
    }
}

/// The number of newsletter rows whose email finds its user.
async fn joined(db: &TestDatabase) -> i64 {
    let mut backend = retort::connect(&url(db)).await.expect("connects");
    let rows = backend
        .query("SELECT COUNT(*) FROM newsletter n JOIN users u ON n.email = u.email", &[])
        .await
        .expect("joins")
        .unwrap_or_default();
    match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(n)) => *n,
        Some(Value::Text(n)) => n.parse().expect("a count"),
        other => panic!("no count: {other:?}"),
    }
}

/// The destination's own foreign key check finds nothing dangling, and its
/// identities go on after the copied ids.
async fn assert_consistent(db: &TestDatabase) {
    let mut backend = retort::connect(&url(db)).await.expect("connects");
    if backend.dialect() == retort::Dialect::Sqlite {
        let rows = backend.query("PRAGMA foreign_key_check", &[]).await.expect("checks").unwrap_or_default();
        assert!(rows.is_empty(), "dangling rows: {rows:?}");
    }
    let d = backend.dialect();
    let insert = format!(
        "INSERT INTO categories (label, parent_id) VALUES ({}, NULL)",
        Value::Text("new".to_owned()).literal(d)
    );
    retort::engine::execute_in_transaction(&mut backend, &[retort::Rendered { sql: insert, values: Vec::new() }])
        .await
        .expect("a new row gets an id after the copied ones");
}

async fn clone(options: &CloneOptions) -> Result<CloneReport, CloneError> {
    clone_database(options, &mut |_| {}).await
}

fn column(dump: &Dump, table: &str, at: usize) -> Vec<Option<String>> {
    dump[table].iter().map(|row| row[at].clone()).collect()
}

/// The whole story from `source_kind` into `dest_kind`.
async fn clone_masks_everything_and_keeps_joins(source_kind: BackendKind, dest_kind: BackendKind) {
    let Some(source) = seeded_source(source_kind).await else { return };
    let dest = retort::test_database!(dest_kind);
    let before = (schema(&source).await, dump(&source).await);

    let report = clone(&options(&source, &dest, "the-first-masking-key")).await.expect("the clone succeeds");
    assert_eq!(report.rows(), 6 + 18 + 18 + 3 + 3, "{report:?}");
    let first = dump(&dest).await;
    assert_nothing_personal(&first);
    assert_eq!(first["users"].len(), 6);
    assert_eq!(joined(&dest).await, 3, "masked emails still join");
    // Kept columns are kept: ids, priorities, the category tree (a cycle).
    assert_eq!(column(&first, "categories", 2), column(&before.1, "categories", 2));
    assert_eq!(column(&first, "todos", 0), column(&before.1, "todos", 0));
    assert_consistent(&dest).await;

    // The same key gives the same values; another key others.
    let again = clone(&options(&source, &dest, "the-first-masking-key")).await.expect("a second clone succeeds");
    assert_eq!(again.rows(), report.rows());
    let second = dump(&dest).await;
    assert_eq!(second, first);
    clone(&options(&source, &dest, "another-masking-key-entirely")).await.expect("a clone with another key succeeds");
    let other = dump(&dest).await;
    assert_ne!(column(&other, "users", 1), column(&first, "users", 1), "emails differ with another key");
    assert_nothing_personal(&other);
    assert_eq!(joined(&dest).await, 3);

    // The source is exactly as it was.
    assert_eq!((schema(&source).await, dump(&source).await), before);
}

async fn same_backend(kind: BackendKind) {
    clone_masks_everything_and_keeps_joins(kind, kind).await;
}

async fn unclassified_column_stops_the_clone(kind: BackendKind) {
    let Some(source) = seeded_source(kind).await else { return };
    let dest = retort::test_database!(BackendKind::Sqlite);
    let mut options = options(&source, &dest, "the-first-masking-key");
    options.mask = MaskFile::parse(&MASK.replace("phone_number = \"phone\"\n", "").replace("role = \"keep\"", "role = \"keep\"\nfirst_name_2 = \"keep\""))
        .unwrap_or_else(|e| panic!("{e}"));
    options.mask.tables.get_mut("todos").expect("todos").insert("description".into(), retort::clone::Rule::Keep { reason: None });
    let error = clone(&options).await.expect_err("an unclassified column refuses").to_string();
    assert!(error.contains("users.phone_number (looks like a phone number)"), "{error}");
    assert!(error.contains("todos.description (kept, but looks like free text"), "{error}");
    assert!(error.contains("phone_number = \"phone\""), "the snippet suggests a rule: {error}");
    assert!(!error.contains("+44"), "{error}");
    assert!(!dest.sqlite_path().expect("a file").exists(), "the destination was not touched");
}

async fn subset_brings_children_and_parents(kind: BackendKind) {
    let Some(source) = seeded_source(kind).await else { return };
    let dest = retort::test_database!(kind);
    let mut options = options(&source, &dest, "the-first-masking-key");
    options.subset = Some(SubsetConfig {
        rows: BTreeMap::from([("users".to_owned(), 3)]),
        children: 2,
        ..SubsetConfig::default()
    });
    let report = clone(&options).await.expect("the subset clone succeeds");
    let copied = dump(&dest).await;
    assert_eq!(copied["users"].len(), 3, "{report:?}");
    // Two todos per user (the child limit), one comment per todo, and the
    // newsletter rows of users 1 and 3 (joined on email).
    assert_eq!(copied["todos"].len(), 6);
    assert!(column(&copied, "todos", 5).iter().all(|owner| ["1", "2", "3"].contains(&owner.as_deref().unwrap_or(""))));
    assert_eq!(copied["comments"].len(), 6);
    assert_eq!(copied["newsletter"].len(), 2);
    assert_eq!(joined(&dest).await, 2);
    // Not linked to users: copied whole.
    assert_eq!(copied["categories"].len(), 3);
    assert_consistent(&dest).await;
    assert_nothing_personal(&copied);
}

async fn source_without_history_is_refused(kind: BackendKind) {
    let source = retort::test_database!(kind);
    let mut backend = retort::connect(&url(&source)).await.expect("connects");
    let create = retort::engine::Unit::sql("CREATE TABLE users (id INT PRIMARY KEY)", "fixture");
    backend.execute(&create).await.expect("creates a table");
    let dest = retort::test_database!(BackendKind::Sqlite);
    let error = clone(&options(&source, &dest, "the-first-masking-key")).await.expect_err("refused").to_string();
    assert!(error.contains("has no history table"), "{error}");
    assert!(!dest.sqlite_path().expect("a file").exists());
}

/// First and last names that are also in retort's lists of fake names
/// (the issue's sample had 5 of its 57 real first names come back, as
/// other customers' names).
const FAKE_LIST_FIRST_NAMES: [&str; 60] = [
    "Ada", "Alan", "Alice", "Amara", "Amelia", "Andre", "Anna", "Arjun", "Aya", "Ben", "Bianca", "Boris", "Carla",
    "Carlos", "Chen", "Chloe", "Clara", "Daniel", "Dara", "David", "Diego", "Elena", "Eli", "Emil", "Emma", "Erik",
    "Eva", "Farah", "Felix", "Fatima", "Finn", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ian", "Ines",
    "Ingrid", "Isaac", "Ivan", "Jade", "James", "Jana", "Javier", "Joan", "Jonas", "Julia", "Kai", "Karim", "Kate",
    "Kenji", "Lara", "Leo", "Lena", "Liam", "Lina", "Lucas", "Luis",
];
const FAKE_LIST_LAST_NAMES: [&str; 60] = [
    "Abbott", "Adler", "Alvarez", "Andersen", "Bauer", "Becker", "Bennett", "Berg", "Brooks", "Byrne", "Carter",
    "Castro", "Chen", "Costa", "Dahl", "Diaz", "Dubois", "Ellis", "Evans", "Fischer", "Fleming", "Foster", "Garcia",
    "Gomez", "Graham", "Gupta", "Hansen", "Harper", "Hayes", "Holm", "Hughes", "Ibrahim", "Ito", "Jensen", "Jones",
    "Kaur", "Keller", "Khan", "Kim", "Klein", "Kowalski", "Lambert", "Larsen", "Lopez", "Lund", "Marsh", "Martin",
    "Meyer", "Moreau", "Morris", "Murphy", "Nagy", "Nakamura", "Navarro", "Nielsen", "Novak", "Olsen", "Ortiz",
    "Park", "Patel",
];

/// No masked name equals a real name of its column, though every real
/// name is one the masking could make up: a search of the copy for any
/// source value finds nothing.
async fn masked_names_are_never_real_ones(kind: BackendKind) {
    let source = retort::test_database!(kind);
    let mut backend = retort::connect(&url(&source)).await.expect("the source accepts connections");
    Migrator::new(&FIXTURE).upgrade(&mut backend, &Target::Heads).await.expect("the fixture upgrades");
    let d = backend.dialect();
    let text = |t: &str| Value::Text(t.to_owned()).literal(d);
    let statements: Vec<retort::Rendered> = FAKE_LIST_FIRST_NAMES
        .iter()
        .zip(FAKE_LIST_LAST_NAMES)
        .enumerate()
        .map(|(n, (first, last))| retort::Rendered {
            sql: format!(
                "INSERT INTO users (email, username, first_name, last_name, hashed_password, role, phone_number, status) \
                 VALUES ({}, {}, {}, {}, {}, 'user', NULL, 'active')",
                text(&format!("person{n}@realmail.test")),
                text(&format!("person_{n}")),
                text(first),
                text(last),
                text("$argon2id$real")
            ),
            values: Vec::new(),
        })
        .collect();
    retort::engine::execute_in_transaction(&mut backend, &statements).await.expect("the people insert");
    let dest = retort::test_database!(BackendKind::Sqlite);
    clone(&options(&source, &dest, "the-first-masking-key")).await.expect("the clone succeeds");
    let mut copied = retort::connect(&url(&dest)).await.expect("the copy opens");
    for (column, real) in [("first_name", &FAKE_LIST_FIRST_NAMES), ("last_name", &FAKE_LIST_LAST_NAMES)] {
        let rows = copied.query(&format!("SELECT {column} FROM users"), &[]).await.expect("reads").unwrap_or_default();
        let made: Vec<String> = rows
            .into_iter()
            .filter_map(|row| match row.into_iter().next() {
                Some(Value::Text(text)) => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(made.len(), 60, "{made:?}");
        let reused: Vec<&String> = made.iter().filter(|value| real.iter().any(|r| r.eq_ignore_ascii_case(value))).collect();
        assert!(reused.is_empty(), "{} of 60 masked {column}s are real ones of the source: {reused:?}", reused.len());
    }
}

on_every_backend!(
    same_backend,
    unclassified_column_stops_the_clone,
    subset_brings_children_and_parents,
    source_without_history_is_refused,
    masked_names_are_never_real_ones
);

#[tokio::test]
async fn sql_server_clones_into_sqlite() {
    clone_masks_everything_and_keeps_joins(BackendKind::Mssql, BackendKind::Sqlite).await;
}

#[tokio::test]
async fn postgres_clones_into_sqlite() {
    clone_masks_everything_and_keeps_joins(BackendKind::Postgres, BackendKind::Sqlite).await;
}

#[tokio::test]
async fn sqlite_clones_into_postgres() {
    clone_masks_everything_and_keeps_joins(BackendKind::Sqlite, BackendKind::Postgres).await;
}

#[tokio::test]
async fn remote_looking_destination_is_refused() {
    let Some(source) = seeded_source(BackendKind::Sqlite).await else { return };
    for remote in ["postgres://app:pw@db.example.com/app_dev", "postgres://app:pw@localhost/app_prod"] {
        let mut options = options(&source, &source, "the-first-masking-key");
        options.destination = DatabaseUrl::parse(remote).expect("parses");
        let error = clone(&options).await.expect_err("refused").to_string();
        assert!(error.starts_with("refusing to clone into"), "{error}");
        assert!(!error.contains("pw"), "{error}");
    }
    let same = clone(&options(&source, &source, "the-first-masking-key")).await.expect_err("refused");
    assert!(matches!(same, CloneError::SameDatabase { .. }), "{same}");
}

#[tokio::test]
async fn read_only_source_refuses_writes_before_sending_them() {
    let Some(source) = seeded_source(BackendKind::Sqlite).await else { return };
    let mut read_only = retort::connect_read_only(&url(&source)).await.expect("opens");
    let error = read_only.execute(&retort::engine::Unit::sql("DELETE FROM users", "test")).await.expect_err("refused");
    assert!(error.to_string().contains("read-only"), "{error}");
    let error = read_only.query("DELETE FROM users RETURNING id", &[]).await.expect_err("refused");
    assert!(error.to_string().contains("read-only"), "{error}");
    assert_eq!(dump(&source).await["users"].len(), 6);
}

/// Every kind of value SQL Server's bulk load converts: `kinds`, which
/// every server bulk-loads; `exact` (decimal and time), which Babelfish
/// misreads in a bulk load and takes as statements; `tags`, whose unique
/// codes collide in SQL Server's case-insensitive collation and not in
/// SQLite; `notes`, a child of `kinds`.
fn kinds_upgrade(op: &mut Operations) {
    op.create_table("kinds", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("big", Type::BigInt);
        t.column("small", Type::SmallInt);
        t.column("flag", Type::Bool);
        t.column("ratio", Type::Float);
        t.column("label", Type::String(20));
        t.column("body", Type::Text);
        t.column("day", Type::Date);
        t.column("at", Type::DateTime);
        t.column("at_zone", Type::DateTimeOffset);
        t.column("bytes", Type::Bytes);
        t.column("token", Type::Uuid);
    });
    op.create_table("exact", |t| {
        t.column("id", Type::Int).primary_key();
        t.column("amount", Type::Decimal(12, 3));
        t.column("clock", Type::Time);
    });
    op.create_table("tags", |t| {
        t.column("id", Type::Int).primary_key();
        t.column("code", Type::String(10)).not_null().unique();
    });
    op.create_table("notes", |t| {
        t.column("id", Type::Int).primary_key();
        t.column("kind_id", Type::Int).references("kinds", "id");
    });
}

static KINDS: Migrations = Migrations::new(&[rust("b01c0ad5e001", &[], kinds_upgrade, None)]);

const KINDS_MASK: &str = r#"
[tables.kinds]
id = "keep"
big = { keep = "test values" }
small = { keep = "test values" }
flag = { keep = "test values" }
ratio = { keep = "test values" }
label = { keep = "test values" }
body = { keep = "test values" }
day = { keep = "test values" }
at = { keep = "test values" }
at_zone = { keep = "test values" }
bytes = { keep = "test values" }
token = { keep = "test values" }

[tables.exact]
id = "keep"
amount = { keep = "test values" }
clock = { keep = "test values" }

[tables.tags]
id = "keep"
code = { keep = "test values" }

[tables.notes]
id = "keep"
kind_id = "keep"
"#;

/// A SQLite database with the kinds fixture and `extra` statements run
/// with foreign keys off, after the rows every test shares.
async fn kinds_source(extra: &[&str]) -> Option<TestDatabase> {
    let db = retort::test_database!(BackendKind::Sqlite, None);
    let mut backend = retort::connect(&url(&db)).await.expect("the source accepts connections");
    Migrator::new(&KINDS).upgrade(&mut backend, &Target::Heads).await.expect("the fixture upgrades");
    drop(backend);
    let connection = rusqlite::Connection::open(db.sqlite_path().expect("a file")).expect("opens");
    let columns = "big, small, flag, ratio, label, body, day, at, at_zone, bytes, token";
    let mut sql = format!(
        "INSERT INTO kinds ({columns}) VALUES \
         (9007199254740993, -32768, 1, 0.1, 'O''Brien 日本', '😀 emoji and ünïcode', '0001-01-01', \
          '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+02:00', X'0102FF00', 'a1b2c3d4-0000-4000-8000-000000000001'), \
         (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
         (-1, 0, 0, -25000000000.5, '', '', '9999-12-31', '1900-01-01 00:00:00', '2024-12-31 23:30:00-05:30', X'', \
          'ffffffff-ffff-4fff-bfff-ffffffffffff');\n"
    );
    for n in 4..=20 {
        sql.push_str(&format!(
            "INSERT INTO kinds ({columns}) VALUES ({n}, {n}, {}, {n}.25, 'row {n}', 'body {n}', '2024-02-{n:02}', \
             '2024-02-{n:02} 12:00:{n:02}', '2024-02-{n:02} 12:00:00+00:00', X'{n:02X}', 'a1b2c3d4-0000-4000-8000-0000000000{n:02}');\n",
            n % 2
        ));
    }
    sql.push_str(
        "INSERT INTO exact (id, amount, clock) VALUES (1, 12345.678, '01:02:03.456'), (2, -0.001, '23:59:59.999999'), \
         (3, NULL, NULL), (4, 0, '00:00:00');\n",
    );
    // Off, so that a test can leave a reference dangling as a database
    // without foreign keys may.
    sql.insert_str(0, "PRAGMA foreign_keys = OFF;\n");
    for statement in extra {
        sql.push_str(statement);
        sql.push_str(";\n");
    }
    connection.execute_batch(&sql).expect("the kinds rows insert");
    Some(db)
}

fn kinds_options(source: &TestDatabase, dest: &TestDatabase) -> CloneOptions {
    CloneOptions {
        migrations: &KINDS,
        mask: MaskFile::parse(KINDS_MASK).expect("the kinds mask parses"),
        batch_rows: 3, // Several loads per table.
        ..options(source, dest, "the-first-masking-key")
    }
}

/// Every row of a SQLite table, each value as SQLite's `quote` writes it
/// (so that text, numbers and bytes compare exactly), in key order.
fn quoted_rows(db: &TestDatabase, table: &str) -> Vec<String> {
    let connection = rusqlite::Connection::open(db.sqlite_path().expect("a file")).expect("opens");
    let columns: Vec<String> = connection
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))
        .and_then(|mut statement| statement.query_map([], |row| row.get::<_, String>(0))?.collect())
        .expect("reads the columns");
    let list: Vec<String> = columns.iter().map(|c| format!("quote({c})")).collect();
    let sql = format!("SELECT {} FROM {table} ORDER BY 1", list.join(" || ' | ' || "));
    let mut statement = connection.prepare(&sql).expect("prepares");
    statement.query_map([], |row| row.get::<_, String>(0)).and_then(Iterator::collect).expect("reads")
}

fn bulk_loaded(report: &CloneReport, table: &str) -> Option<bool> {
    report.tables.iter().find(|t| t.table == table).map(|t| t.bulk_loaded)
}

/// SQLite → SQL Server by bulk load, then back by the clone's reads: every
/// value arrives as it left, in every kind of column, and the identity goes
/// on after the copied ids.
#[tokio::test]
async fn bulk_load_into_sql_server_keeps_every_kind_of_value() {
    let Some(source) = kinds_source(&[]).await else { return };
    let mssql = retort::test_database!(BackendKind::Mssql);
    let back = retort::test_database!(BackendKind::Sqlite);
    let report = clone(&kinds_options(&source, &mssql)).await.expect("the clone into SQL Server succeeds");
    assert_eq!(bulk_loaded(&report, "kinds"), Some(true), "{report:?}");
    let babelfish = common::flavour(&mssql).await == retort::Flavour::Babelfish;
    assert_eq!(bulk_loaded(&report, "exact"), Some(!babelfish), "Babelfish takes decimal and time as statements");
    clone(&kinds_options(&mssql, &back)).await.expect("the clone back into SQLite succeeds");
    for table in ["kinds", "exact"] {
        assert_eq!(quoted_rows(&back, table), quoted_rows(&source, table), "{table}");
    }
    let mut backend = retort::connect(&url(&mssql)).await.expect("connects");
    let insert = retort::Rendered { sql: "INSERT INTO kinds (big) VALUES (1)".to_owned(), values: Vec::new() };
    retort::engine::execute_in_transaction(&mut backend, &[insert]).await.expect("a new row gets an id after the copied ones");
    let rows = backend.query("SELECT MAX(id) FROM kinds", &[]).await.expect("reads").unwrap_or_default();
    assert_eq!(rows.first().and_then(|row| row.first()), Some(&Value::Int(21)));
}

/// The same clone with the bulk load turned off: every table goes in as
/// INSERT statements, and every value still arrives as it left.
#[tokio::test]
async fn insert_statements_into_sql_server_keep_every_kind_of_value() {
    let Some(source) = kinds_source(&[]).await else { return };
    let mssql = retort::test_database!(BackendKind::Mssql);
    let back = retort::test_database!(BackendKind::Sqlite);
    let options = CloneOptions { bulk_load: false, ..kinds_options(&source, &mssql) };
    let report = clone(&options).await.expect("the clone into SQL Server succeeds");
    assert!(report.tables.iter().all(|t| !t.bulk_loaded), "{report:?}");
    clone(&kinds_options(&mssql, &back)).await.expect("the clone back into SQLite succeeds");
    for table in ["kinds", "exact"] {
        assert_eq!(quoted_rows(&back, table), quoted_rows(&source, table), "{table}");
    }
}

/// A row SQL Server refuses on the second load of a table: the clone
/// fails naming the table without the row's values, the table stays
/// empty (its earlier loads rolled back with it), and the tables copied
/// before it keep their rows.
#[tokio::test]
async fn bulk_load_failure_rolls_the_table_back_and_names_it() {
    let Some(source) = kinds_source(&["INSERT INTO tags (id, code) VALUES (1, 'dupe-a'), (2, 'dupe-b'), (3, 'dupe-c'), (4, 'DUPE-A')"]).await
    else {
        return;
    };
    let mssql = retort::test_database!(BackendKind::Mssql);
    let error = clone(&kinds_options(&source, &mssql)).await.expect_err("a duplicate code refuses the clone");
    let CloneError::Copy { table, message } = &error else { panic!("not a copy error: {error}") };
    assert_eq!(table, "tags", "{error}");
    assert!(message.contains("2627") || message.contains("2601"), "the server's error number: {error}");
    assert!(!error.to_string().to_lowercase().contains("dupe"), "no row value in the error: {error}");
    let mut backend = retort::connect(&url(&mssql)).await.expect("connects");
    let count = |rows: Option<Vec<Vec<Value>>>| rows.unwrap_or_default().first().and_then(|row| row.first()).cloned();
    let tags = backend.query("SELECT COUNT(*) FROM tags", &[]).await.expect("counts");
    assert_eq!(count(tags), Some(Value::Int(0)), "the table's first load was rolled back too");
    let kinds = backend.query("SELECT COUNT(*) FROM kinds", &[]).await.expect("counts");
    assert_eq!(count(kinds), Some(Value::Int(20)), "the tables copied before keep their rows");
}

/// A reference to a row that is not there (SQLite does not check foreign
/// keys unless asked) fails the clone into SQL Server, bulk-loaded or not:
/// the server checks it during the load, and on Babelfish, whose bulk load
/// does not, retort checks it after.
#[tokio::test]
async fn dangling_reference_fails_a_bulk_loaded_clone() {
    let Some(source) = kinds_source(&["INSERT INTO notes (id, kind_id) VALUES (1, 1), (2, 999)"]).await else { return };
    let mssql = retort::test_database!(BackendKind::Mssql);
    let error = clone(&kinds_options(&source, &mssql)).await.expect_err("a dangling reference refuses the clone");
    let CloneError::Copy { table, .. } = &error else { panic!("not a copy error: {error}") };
    assert_eq!(table, "notes", "{error}");
}

#[tokio::test]
async fn sqlite_clones_into_sql_server() {
    clone_masks_everything_and_keeps_joins(BackendKind::Sqlite, BackendKind::Mssql).await;
}

/// A baseline of a SQL Server database, as `baseline` writes one: native
/// types with only SQL Server's spelling, and a view in T-SQL.
fn sql_server_baseline(op: &mut Operations) {
    let native = |ty: &str| Type::native([(Dialect::Mssql, ty)]);
    op.create_table("Customer Accounts", |t| {
        t.column("AccountID", Type::Int).identity().primary_key();
        t.column("FirstName", Type::String(40)).not_null();
        t.column("PostalCode", native("varchar(10)"));
        t.column("JoinedAt", native("datetime2(0)")).not_null();
    });
    op.execute_per_dialect([(Dialect::Mssql, "CREATE VIEW [Sales by Region] AS SELECT PostalCode FROM [Customer Accounts]")]);
}

static SQL_SERVER_BASELINE: Migrations =
    Migrations::new(&[rust("ba5e11e00001", &[], sql_server_baseline, None)]);

/// `db clone --check` reads the schema of revisions that do not render
/// for SQLite from their operations, in their own dialect.
#[tokio::test]
async fn check_reads_revisions_written_for_sql_server_only() {
    let classified = r#"
[tables."Customer Accounts"]
AccountID = "keep"
FirstName = "first_name"
PostalCode = { strategy = "text" }
JoinedAt = { strategy = "date_shift", days = 30 }
"#;
    let mask = MaskFile::parse(classified).expect("the mask parses");
    let coverage = check_mask_file(&SQL_SERVER_BASELINE, &mask).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(coverage.is_complete() && coverage.stale.is_empty(), "{coverage:?}");
    // A date_shift fits a datetime2: the type is read as SQL Server's.
    let missing = MaskFile::parse(&classified.replace("PostalCode = { strategy = \"text\" }\n", "")).expect("parses");
    let coverage = check_mask_file(&SQL_SERVER_BASELINE, &missing).await.unwrap_or_else(|e| panic!("{e}"));
    let unclassified: Vec<String> = coverage.unclassified.iter().map(|c| format!("{}.{}", c.table, c.column)).collect();
    assert_eq!(unclassified, ["Customer Accounts.PostalCode"]);
}

/// A table of revisions that PostgreSQL and SQL Server can build, and
/// SQLite cannot (no spelling for it).
fn server_types(op: &mut Operations) {
    op.create_table("accounts", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("code", Type::native([(Dialect::Postgres, "varchar(12)"), (Dialect::Mssql, "varchar(12)")])).not_null();
    });
}

static SERVER_TYPES: Migrations = Migrations::new(&[rust("5e7e00000001", &[], server_types, None)]);

/// A clone into a database the revisions cannot build stops before the
/// destination is touched: its tables and rows are still there.
#[tokio::test]
async fn clone_refuses_a_destination_the_revisions_cannot_build_before_touching_it() {
    let source = retort::test_database!(BackendKind::Postgres);
    let mut backend = retort::connect(&url(&source)).await.expect("the source accepts connections");
    Migrator::new(&SERVER_TYPES).upgrade(&mut backend, &Target::Heads).await.expect("the revisions build PostgreSQL");
    let dest = retort::test_database!(BackendKind::Sqlite);
    let mut existing = retort::connect(&url(&dest)).await.expect("the destination opens");
    existing
        .execute(&retort::engine::Unit::sql("CREATE TABLE work_in_progress (note TEXT); INSERT INTO work_in_progress VALUES ('mine')", "fixture"))
        .await
        .expect("the destination has work in it");
    drop(existing);
    let path = dest.sqlite_path().expect("a file");
    let before = std::fs::read(path).expect("the destination file exists");
    let options = CloneOptions {
        migrations: &SERVER_TYPES,
        mask: MaskFile::parse("[tables.accounts]\nid = \"keep\"\ncode = \"keep\"\n").expect("the mask parses"),
        ..options(&source, &dest, "the-first-masking-key")
    };
    let error = clone(&options).await.expect_err("SQLite cannot hold varchar(12) as the revisions spell it");
    assert!(matches!(error, CloneError::Unbuildable { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains("has no spelling for sqlite") && text.contains("5e7e00000001"), "{text}");
    let after = std::fs::read(path).expect("the destination file exists");
    assert!(after == before, "the destination was changed ({} bytes before, {} after)", before.len(), after.len());
}

/// A table keyed by bytes, for paging by a binary key.
fn blobs_upgrade(op: &mut Operations) {
    op.create_table("blobs", |t| {
        t.column("code", Type::Binary(16)).primary_key();
        t.column("label", Type::String(20));
    });
}

static BLOBS: Migrations = Migrations::new(&[rust("b10b5000c0de", &[], blobs_upgrade, None)]);

const BLOBS_MASK: &str = r#"
[tables.blobs]
code = "keep"
label = { keep = "test values" }
"#;

/// A SQL Server source paged by a binary key, three rows a page: every
/// page starts after the last key read, compared as bytes; and a subset,
/// whose rows are read back by key. (Babelfish ignores `CONVERT`'s hex
/// style: a key bound so compared with the hex digits' own bytes, and the
/// copy read pages again.)
#[tokio::test]
async fn sql_server_source_paged_by_a_binary_key_copies_every_row() {
    let source = retort::test_database!(BackendKind::Mssql);
    let dest = retort::test_database!(BackendKind::Sqlite);
    let mut backend = retort::connect(&url(&source)).await.expect("the source accepts connections");
    Migrator::new(&BLOBS).upgrade(&mut backend, &Target::Heads).await.expect("the fixture upgrades");
    let keys = ["01", "02", "0A", "10", "7F", "80", "FF", "FF01", "FFFF", "FFFF01"];
    let rows: Vec<retort::Rendered> = keys
        .iter()
        .map(|key| retort::Rendered { sql: format!("INSERT INTO blobs (code, label) VALUES (0x{key}, 'k{key}')"), values: Vec::new() })
        .collect();
    retort::engine::execute_in_transaction(&mut backend, &rows).await.expect("the rows insert");
    drop(backend);
    let options = CloneOptions {
        migrations: &BLOBS,
        mask: MaskFile::parse(BLOBS_MASK).expect("the blobs mask parses"),
        batch_rows: 3,
        ..options(&source, &dest, "the-first-masking-key")
    };
    clone(&options).await.expect("the clone succeeds");
    let expected: Vec<String> = keys.iter().map(|key| format!("X'{key}' | 'k{key}'")).collect();
    assert_eq!(quoted_rows(&dest, "blobs"), expected);

    // A subset reads its rows back by key, compared for equality.
    let subset = retort::test_database!(BackendKind::Sqlite);
    let options = CloneOptions {
        subset: Some(SubsetConfig { rows: BTreeMap::from([("blobs".to_owned(), 4)]), ..SubsetConfig::default() }),
        ..CloneOptions { destination: url(&subset), ..options }
    };
    clone(&options).await.expect("the subset clone succeeds");
    assert_eq!(quoted_rows(&subset, "blobs"), expected[..4]);
}
