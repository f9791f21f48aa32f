//! A local PostgreSQL cluster that serves TLS with a certificate made here
//! (for `localhost` and 127.0.0.1, signed by a CA made here) and lets TCP
//! logins in over TLS only (`hostssl`): the fixture of the TLS tests and of
//! the application-style tests that bring their own TLS client.

use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use retort::testing::{BackendKind, TlsCluster, Unavailable};

/// The cluster, and the folder holding `ca.pem` (its server certificate's
/// CA) and `other-ca.pem` (a CA that signed nothing it serves).
pub struct Fixture {
    pub cluster: TlsCluster,
    certs: tempfile::TempDir,
}

impl Fixture {
    /// The path of one of the certificate files.
    pub fn file(&self, name: &str) -> String {
        self.certs.path().join(name).display().to_string()
    }

    /// The URL of the `postgres` database through `host`, with `query`.
    pub fn url(&self, host: &str, query: &str) -> String {
        self.cluster.url(host, "postgres", query)
    }
}

static FIXTURE: OnceLock<Result<Fixture, Unavailable>> = OnceLock::new();

/// The test binary's cluster, or `None` after a `NOT TESTED` banner (a
/// failure where postgres is required).
pub fn fixture() -> Option<&'static Fixture> {
    let made = FIXTURE.get_or_init(make_fixture);
    retort::testing::__available_or_report(BackendKind::Postgres, made.as_ref().map_err(Clone::clone))
}

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty names are valid");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key is generated")).expect("the CA is made")
}

fn make_fixture() -> Result<Fixture, Unavailable> {
    let certs = tempfile::tempdir().expect("a temporary folder");
    let ca = make_ca("retort test CA");
    let other = make_ca("another CA");
    let server_key = KeyPair::generate().expect("a key is generated");
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("the names are valid");
    params.distinguished_name.push(DnType::CommonName, "localhost");
    let server = params.signed_by(&server_key, &ca).expect("the server certificate is signed");
    std::fs::write(certs.path().join("ca.pem"), ca.pem()).expect("ca.pem is written");
    std::fs::write(certs.path().join("other-ca.pem"), other.pem()).expect("other-ca.pem is written");
    let cluster = TlsCluster::start(&server.pem(), &server_key.serialize_pem())?;
    Ok(Fixture { cluster, certs })
}
