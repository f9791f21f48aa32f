//! PostgreSQL over TLS, each `sslmode` as libpq means it, against a local
//! cluster of its own that serves TLS with a certificate made here (for
//! `localhost` and 127.0.0.1, signed by a CA made here) and lets TCP
//! logins in over TLS only (`hostssl`).
//!
//! Without the PostgreSQL server binaries the tests print `NOT TESTED`, or
//! fail where `RETORT_REQUIRE_BACKENDS` lists postgres.

mod common;

use common::tls::fixture;
use retort::{AnyBackend, DatabaseUrl, PostgresBackend};

async fn connect(url: &str) -> Result<PostgresBackend, String> {
    let url = DatabaseUrl::parse(url).map_err(|error| error.to_string())?;
    PostgresBackend::connect(&url).await.map_err(|error| error.to_string())
}

/// Whether the session is encrypted, as the server sees it.
async fn session_uses_tls(backend: &PostgresBackend) -> bool {
    let row = backend
        .client()
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .expect("pg_stat_ssl is readable");
    row.get(0)
}

#[tokio::test]
async fn verify_full_with_the_right_ca_connects_over_tls() {
    let Some(fixture) = fixture() else { return };
    for host in ["localhost", "127.0.0.1"] {
        let url = fixture.url(host, &format!("sslmode=verify-full&sslrootcert={}", fixture.file("ca.pem")));
        let backend = connect(&url).await.unwrap_or_else(|error| panic!("{host}: {error}"));
        assert!(session_uses_tls(&backend).await, "{host}");
    }
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_for_another_host() {
    let Some(fixture) = fixture() else { return };
    // The name is not in the certificate; hostaddr makes it reach the cluster.
    let url = fixture.url(
        "db.elsewhere.example",
        &format!("hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}", fixture.file("ca.pem")),
    );
    let error = connect(&url).await.err().expect("verify-full must refuse a certificate for another host");
    assert!(error.contains("sslmode=verify-full"), "{error}");
    assert!(error.contains("not issued for host `db.elsewhere.example`"), "{error}");
    assert!(error.contains("sslmode=verify-ca"), "the message offers the way out: {error}");
}

#[tokio::test]
async fn verify_ca_checks_the_chain_but_not_the_host_name() {
    let Some(fixture) = fixture() else { return };
    let right = fixture.url(
        "db.elsewhere.example",
        &format!("hostaddr=127.0.0.1&sslmode=verify-ca&sslrootcert={}", fixture.file("ca.pem")),
    );
    let backend = connect(&right).await.unwrap_or_else(|error| panic!("{error}"));
    assert!(session_uses_tls(&backend).await);

    let wrong = fixture.url("localhost", &format!("sslmode=verify-ca&sslrootcert={}", fixture.file("other-ca.pem")));
    let error = connect(&wrong).await.err().expect("verify-ca must refuse a certificate another CA signed");
    assert!(error.contains("sslmode=verify-ca"), "{error}");
    assert!(error.contains("not signed by a CA in sslrootcert"), "{error}");
    assert!(error.contains("other-ca.pem"), "{error}");
}

#[tokio::test]
async fn require_connects_over_tls_without_checking_the_certificate() {
    let Some(fixture) = fixture() else { return };
    // No CA given: the certificate is not checked (libpq's require).
    let backend = connect(&fixture.url("127.0.0.1", "sslmode=require")).await.unwrap_or_else(|error| panic!("{error}"));
    assert!(session_uses_tls(&backend).await);
    // With an sslrootcert, require is verify-ca, as in libpq.
    let url = fixture.url("localhost", &format!("sslmode=require&sslrootcert={}", fixture.file("other-ca.pem")));
    let error = connect(&url).await.err().expect("require with a wrong sslrootcert must refuse");
    assert!(error.contains("sslmode=verify-ca"), "{error}");
}

#[tokio::test]
async fn prefer_is_the_default_and_uses_tls_when_offered() {
    let Some(fixture) = fixture() else { return };
    for query in ["", "sslmode=prefer"] {
        let backend = connect(&fixture.url("127.0.0.1", query)).await.unwrap_or_else(|error| panic!("{query}: {error}"));
        assert!(session_uses_tls(&backend).await, "{query:?}");
    }
}

#[tokio::test]
async fn disable_against_a_tls_only_server_is_refused_clearly() {
    let Some(fixture) = fixture() else { return };
    let url = fixture.url("127.0.0.1", "sslmode=disable");
    let error = connect(&url).await.err().expect("a hostssl-only server refuses plain text");
    assert!(error.contains("sslmode=disable: the server at `127.0.0.1` requires TLS"), "{error}");
    assert!(error.contains("no encryption"), "the server's own words are kept: {error}");
    assert!(!error.contains(&password(&url)), "{error}");
}

#[tokio::test]
async fn a_missing_root_certificate_file_is_named() {
    let Some(fixture) = fixture() else { return };
    let missing = fixture.file("absent.pem");
    let error = connect(&fixture.url("localhost", &format!("sslmode=verify-full&sslrootcert={missing}")))
        .await
        .err()
        .expect("a missing sslrootcert is an error");
    assert!(error.contains(&format!("could not read sslrootcert {missing}")), "{error}");
}

#[tokio::test]
async fn migrations_upgrade_over_verify_full() {
    let Some(fixture) = fixture() else { return };
    let query = format!("sslmode=verify-full&sslrootcert={}", fixture.file("ca.pem"));
    let admin = connect(&fixture.url("localhost", &query)).await.unwrap_or_else(|error| panic!("{error}"));
    admin
        .client()
        .batch_execute("CREATE DATABASE tls_migrate")
        .await
        .expect("the database is created");
    let url = fixture.cluster.url("localhost", "tls_migrate", &query);
    let steps = common::GRAPH.upgrade(&url).await.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(steps.len(), 6);
    // The history is there, read through a verified session of its own.
    let AnyBackend::Postgres(backend) = common::connect_to(&DatabaseUrl::parse(&url).expect("the URL parses")).await
    else {
        panic!("a postgres:// URL gives a PostgreSQL backend");
    };
    assert!(session_uses_tls(&backend).await);
    let rows = backend.client().query("SELECT 1 FROM accounts", &[]).await.expect("the migrated table is there");
    assert!(rows.is_empty());
}

/// The password of a URL, to check that no message shows it.
fn password(url: &str) -> String {
    let parsed = url::Url::parse(url).expect("the URL parses");
    parsed.password().expect("the URL has a password").to_owned()
}
