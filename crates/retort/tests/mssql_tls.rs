//! SQL Server's certificate verified with a private CA (`ca_certificate=`,
//! ADO.NET's `TrustServerCertificateCA=`) and host names, and the Entra ID
//! access token login, against the server of `RETORT_TEST_MSSQL_URL`.
//!
//! The CA is the PEM file named by `RETORT_TEST_MSSQL_CA` (for a server
//! with a self-signed certificate, that certificate itself; on the Babelfish
//! test server, its data folder's `server.crt`, issued for `localhost` and
//! 127.0.0.1). Without a server the tests print `NOT TESTED` (a failure where
//! `RETORT_REQUIRE_BACKENDS` lists mssql); without the CA, the CA tests say
//! `NOT TESTED` too.
//!
//! Seen on Babelfish only: its certificate is self-signed with CA:TRUE,
//! which rustls-webpki refuses as a server's own certificate
//! (`CaUsedAsEndEntity`) before it looks at the issuer or the name, so a
//! successful verification and a host-name refusal cannot be seen there.

use std::io::Write;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use retort::testing::{BackendKind, TestDatabase};
use retort::DatabaseUrl;

/// The CA of the test server's certificate.
const CA_ENV: &str = "RETORT_TEST_MSSQL_CA";

/// The test database's URL with `query` in place of its certificate
/// settings (the fixture's URL trusts the certificate blindly).
fn url_with(db: &TestDatabase, host: &str, query: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(db.url()).expect("the fixture gives an mssql:// URL");
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| !key.to_ascii_lowercase().contains("certificate"))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.set_host(Some(host)).expect("a host");
    url.query_pairs_mut().clear().extend_pairs(kept).extend_pairs(query);
    url.to_string()
}

/// The CA file, or `None` after a `NOT TESTED` banner.
fn ca_file() -> Option<String> {
    match std::env::var(CA_ENV) {
        Ok(path) if !path.trim().is_empty() => Some(path),
        _ => {
            let test = std::thread::current().name().unwrap_or("<unnamed>").to_owned();
            let _ = writeln!(
                std::io::stderr().lock(),
                "\nNOT TESTED: {test}\n  {CA_ENV} is not set: set it to the PEM file of the CA of the server of \
                 RETORT_TEST_MSSQL_URL (e.g. /opt/babelfish/data/server.crt). This test did not check anything.\n"
            );
            None
        }
    }
}

async fn connect(url: &str) -> Result<(), String> {
    let parsed = DatabaseUrl::parse(url).map_err(|error| error.to_string())?;
    retort::connect(&parsed).await.map(drop).map_err(|error| error.to_string())
}

#[tokio::test]
async fn the_right_ca_is_used_and_a_ca_certificate_serving_as_the_servers_is_explained() {
    let db = retort::test_database!(BackendKind::Mssql);
    let Some(ca) = ca_file() else { return };
    // Both spellings reach tiberius's CA setting: the URL's and ADO.NET's.
    for (host, key) in [("localhost", "ca_certificate"), ("127.0.0.1", "ca_certificate"), ("localhost", "TrustServerCertificateCA")] {
        let url = url_with(&db, host, &[(key, &ca)]);
        match connect(&url).await {
            // A server whose certificate a CA issued.
            Ok(()) => {}
            // The Babelfish test server's is self-signed with CA:TRUE, which
            // rustls-webpki refuses as a server's own certificate.
            Err(error) => {
                println!("{error}");
                assert!(error.contains("presents a CA certificate (basicConstraints CA:TRUE) as its own"), "{error}");
                assert!(error.contains("CaUsedAsEndEntity"), "{error}");
            }
        }
    }
}

#[tokio::test]
async fn a_ca_that_did_not_sign_the_certificate_is_refused() {
    let db = retort::test_database!(BackendKind::Mssql);
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty names are valid");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "another CA");
    let other = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key")).expect("a CA");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("other-ca.pem");
    std::fs::write(&path, other.pem()).expect("the CA is written");
    let url = url_with(&db, "localhost", &[("ca_certificate", &path.display().to_string())]);
    let error = connect(&url).await.expect_err("a certificate another CA did not sign is refused");
    println!("{error}");
    assert!(error.contains("the TLS handshake with localhost:1433 failed"), "{error}");
}

#[tokio::test]
async fn an_access_token_login_sends_the_token_and_never_shows_it() {
    let db = retort::test_database!(BackendKind::Mssql);
    const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.retort-test-token-never-shown";
    // Only this test reads the variable (the others' URLs name a user).
    std::env::set_var("RETORT_MSSQL_ACCESS_TOKEN", TOKEN);
    let mut url = url::Url::parse(&url_with(&db, "127.0.0.1", &[("trust_server_certificate", "true")])).expect("a URL");
    url.set_username("").expect("a user can be removed");
    url.set_password(None).expect("a password can be removed");
    url.query_pairs_mut().append_pair("authentication", "ActiveDirectoryAccessToken");
    let parsed = DatabaseUrl::parse(url.as_str()).expect("a token login parses");
    let outcome = retort::connect(&parsed).await;
    std::env::remove_var("RETORT_MSSQL_ACCESS_TOKEN");
    // No Entra ID here: the server refuses the token (Babelfish has no
    // federated authentication), and says so without the token.
    let error = outcome.map(drop).expect_err("the test server has no Entra ID").to_string();
    println!("{error}");
    assert!(!error.contains("retort-test-token"), "the token leaked: {error}");
    assert!(!format!("{parsed:?}").contains("retort-test-token"));

    // Written into the URL, a token is refused, and not shown.
    let error = DatabaseUrl::parse(&format!("{}&access_token={TOKEN}", url.as_str()))
        .expect_err("a token in the URL is refused")
        .to_string();
    assert!(error.contains("never read from the connection string"), "{error}");
    assert!(!error.contains("retort-test-token"), "the token leaked: {error}");
}
