//! The throwaway databases of `retort::testing`: each call gives a distinct,
//! isolated database, and dropping it deletes it.

use std::time::{Duration, Instant};

use retort::testing::{is_required, BackendKind, TestDatabase, REQUIRE_BACKENDS_ENV};

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_gives_distinct_files_that_are_removed_on_drop() {
    let first = retort::test_database!(BackendKind::Sqlite);
    let second = retort::test_database!(BackendKind::Sqlite);
    assert_eq!(first.kind(), BackendKind::Sqlite);
    let first_path = first.sqlite_path().expect("a SQLite database has a path").to_owned();
    let second_path = second.sqlite_path().expect("a SQLite database has a path").to_owned();
    assert_ne!(first_path, second_path);
    assert_eq!(first.url(), format!("sqlite://{}", first_path.display()));

    for path in [&first_path, &second_path] {
        let connection = rusqlite::Connection::open(path).expect("the fixture's path is writable");
        connection.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)").expect("a fresh file is an empty database");
    }
    assert!(first_path.exists() && second_path.exists());

    drop(first);
    assert!(!first_path.exists(), "{} is left after drop", first_path.display());
    assert!(first_path.parent().is_some_and(|dir| !dir.exists()), "the temporary directory is left after drop");
    assert!(second_path.exists(), "dropping one database must not touch another");
}

#[test]
fn test_database_returns_from_the_test_when_backend_is_unavailable_and_not_required() {
    let required = std::env::var(REQUIRE_BACKENDS_ENV).ok();
    if is_required(BackendKind::Mssql, required.as_deref()) != Ok(false) {
        // Here the macro would (rightly) panic instead; that branch is
        // covered by `is_required`'s unit tests.
        return;
    }
    fn uses_mssql() -> Result<&'static str, &'static str> {
        let _db = retort::test_database!(BackendKind::Mssql, Err("returned early"));
        Ok("ran on")
    }
    assert_eq!(uses_mssql(), Err("returned early"));
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    use tokio_postgres::{Client, NoTls};

    async fn connect(url: &str) -> Client {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("the fixture's URL connects");
        tokio::spawn(connection);
        client
    }

    async fn database_exists(maintenance: &Client, name: &str) -> bool {
        let row = maintenance
            .query_one("SELECT count(*) FROM pg_database WHERE datname = $1", &[&name])
            .await
            .expect("pg_database is readable");
        row.get::<_, i64>(0) == 1
    }

    async fn table_exists(client: &Client, name: &str) -> bool {
        let row = client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&name]).await.expect("to_regclass works");
        row.get(0)
    }

    #[tokio::test]
    async fn postgres_gives_isolated_databases_that_are_dropped() -> Result<(), tokio_postgres::Error> {
        let first = retort::test_database!(BackendKind::Postgres, Ok(()));
        let second = retort::test_database!(BackendKind::Postgres, Ok(()));
        assert_eq!(first.kind(), BackendKind::Postgres);
        assert_ne!(first.url(), second.url());
        let first_name = first.database_name().expect("a server database has a name").to_owned();
        assert_ne!(Some(first_name.as_str()), second.database_name());

        let (first_client, second_client) = (connect(first.url()).await, connect(second.url()).await);
        for client in [&first_client, &second_client] {
            let row = client.query_one("SELECT 1", &[]).await?;
            assert_eq!(row.get::<_, i32>(0), 1);
        }
        first_client.batch_execute("CREATE TABLE only_in_first (id int)").await?;
        assert!(table_exists(&first_client, "only_in_first").await);
        assert!(!table_exists(&second_client, "only_in_first").await);

        let maintenance = connect(first.__maintenance_url().expect("a server database has one")).await;
        assert!(database_exists(&maintenance, &first_name).await);
        // `first_client` stays connected: dropping must end its session
        // rather than fail with "database is being accessed by other users".
        drop(first);
        assert!(!database_exists(&maintenance, &first_name).await, "{first_name} still exists after drop");
        assert!(first_client.query_one("SELECT 1", &[]).await.is_err(), "the dropped database's session survived");
        assert!(second_client.query_one("SELECT 1", &[]).await.is_ok());
        Ok(())
    }

    #[tokio::test]
    async fn postgres_debug_hides_the_password() {
        let db = retort::test_database!(BackendKind::Postgres);
        let url = url::Url::parse(db.url()).expect("the fixture gives valid URLs");
        let password = url.password().expect("every server source authenticates with a password");
        let debug = format!("{db:?}");
        assert!(!debug.contains(password), "{debug}");
        assert!(debug.contains(":***@"), "{debug}");
    }

    /// Not a check but a measurement, printed with `--nocapture`: how long
    /// the first database took (including the server's start when no other
    /// test started it first) and how long the following ones take.
    #[test]
    fn postgres_creation_times() {
        let started = Instant::now();
        let first = retort::test_database!(BackendKind::Postgres);
        let first_took = started.elapsed();
        let mut each = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            let db = TestDatabase::postgres().expect("the server was available a moment ago");
            let created = started.elapsed();
            let started = Instant::now();
            drop(db);
            each.push((created, started.elapsed()));
        }
        let average = |pick: fn(&(Duration, Duration)) -> Duration| each.iter().map(pick).sum::<Duration>() / 10;
        println!(
            "first PostgreSQL database: {first_took:?} ({first:?}); then create {:?}, drop {:?} on average",
            average(|(create, _)| *create),
            average(|(_, drop)| *drop),
        );
    }
}
