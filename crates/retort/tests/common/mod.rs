//! Shared fixtures of retort's engine tests: revision tables built by hand
//! (the build script is tested on its own) and schema/history readers.

#![allow(dead_code)] // Each test file uses its own subset.

use retort::testing::{BackendKind, TestDatabase};
use retort::{AnyBackend, Body, Checksum, DatabaseUrl, Migrations, Revision};

/// A revision with SQL bodies, for hand-built tables.
pub const fn sql(
    id: &'static str,
    parents: &'static [&'static str],
    up: &'static str,
    down: &'static str,
) -> Revision {
    Revision {
        id,
        parents,
        depends_on: &[],
        branch_labels: &[],
        message: id,
        checksum: Checksum([1; 32]),
        transactional: true,
        irreversible: None,
        source: "migrations/fixture.sql",
        body: Body::Sql {
            up,
            down: Some(down),
        },
    }
}

/// The graph every engine test runs on:
///
/// ```text
/// a0a0 ─ b0b0 ─┬─ c1c1 (billing) ─ c2c2 ─┬─ m0m0 (merge)
///              └─ d1d1 ──────────────────┘
/// ```
pub static GRAPH: Migrations = Migrations::new(&[
    sql(
        "a0a0",
        &[],
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));",
        "DROP TABLE accounts;",
    ),
    sql(
        "b0b0",
        &["a0a0"],
        "CREATE TABLE items (id INTEGER PRIMARY KEY);",
        "DROP TABLE items;",
    ),
    Revision {
        branch_labels: &["billing"],
        ..sql(
            "c1c1",
            &["b0b0"],
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY);",
            "DROP TABLE invoices;",
        )
    },
    sql(
        "c2c2",
        &["c1c1"],
        "CREATE TABLE payments (id INTEGER PRIMARY KEY);",
        "DROP TABLE payments;",
    ),
    sql(
        "d1d1",
        &["b0b0"],
        "CREATE TABLE audit (id INTEGER PRIMARY KEY);",
        "DROP TABLE audit;",
    ),
    sql(
        "m0m0",
        &["c2c2", "d1d1"],
        "CREATE TABLE merged (id INTEGER PRIMARY KEY);",
        "DROP TABLE merged;",
    ),
]);

pub fn url(db: &TestDatabase) -> DatabaseUrl {
    DatabaseUrl::parse(db.url()).expect("the fixture gives valid URLs")
}

pub async fn connect(db: &TestDatabase) -> AnyBackend {
    retort::connect(&url(db))
        .await
        .expect("the test database accepts connections")
}

/// Runs a query returning one text column, on whichever backend.
pub async fn texts(db: &TestDatabase, sql: &str) -> Vec<String> {
    match connect(db).await {
        AnyBackend::Sqlite(backend) => {
            let conn = backend.connection();
            let mut statement = conn.prepare(sql).expect("valid test query");
            let rows = statement
                .query_map([], |row| row.get::<_, String>(0))
                .expect("query runs");
            rows.map(|row| row.expect("text column")).collect()
        }
        AnyBackend::Postgres(backend) => backend
            .client()
            .query(sql, &[])
            .await
            .expect("query runs")
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect(),
        AnyBackend::Mssql(mut backend) => {
            let rows = backend
                .client()
                .simple_query(sql)
                .await
                .expect("query runs")
                .into_first_result()
                .await
                .expect("query runs");
            rows.iter()
                .map(|row| row.get::<&str, _>(0).expect("text column").to_owned())
                .collect()
        }
        #[allow(unreachable_patterns)] // Reached only when a backend is added.
        _ => unreachable!("only SQLite, PostgreSQL and SQL Server run here"),
    }
}

/// The user tables, sorted (history tables excluded).
pub async fn tables(db: &TestDatabase) -> Vec<String> {
    let sql = match db.kind() {
        BackendKind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'retort%' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        BackendKind::Mssql => {
            "SELECT name FROM sys.tables WHERE SCHEMA_NAME(schema_id) = N'dbo' AND name NOT LIKE 'retort%' ORDER BY name"
        }
        _ => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'retort%' ORDER BY 1",
    };
    texts(db, sql).await
}

/// The applied revision ids, sorted.
pub async fn applied(db: &TestDatabase) -> Vec<String> {
    texts(
        db,
        "SELECT revision_id FROM retort_history WHERE status = 'applied' ORDER BY revision_id",
    )
    .await
}

/// The event log as `id action outcome` lines, oldest first.
pub async fn events(db: &TestDatabase) -> Vec<String> {
    let sql = match db.kind() {
        BackendKind::Mssql => {
            "SELECT CONCAT(revision_id, N' ', action, N' ', outcome) FROM dbo.retort_history_log ORDER BY id"
        }
        _ => "SELECT revision_id || ' ' || action || ' ' || outcome FROM retort_history_log ORDER BY id",
    };
    texts(db, sql).await
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Declares one `#[tokio::test]` per backend that runs `$scenario(kind)`.
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(retort::testing::BackendKind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(retort::testing::BackendKind::Postgres).await;
                }
            )*
        }
    };
}
