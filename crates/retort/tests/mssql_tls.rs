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
//! (`CaUsedAsEndEntity`) before it looks at the issuer or the name. A
//! successful verification and a host-name refusal are therefore shown
//! through a TLS front of the test's own ([`tls_front`]): it serves a
//! certificate a CA made here issued, and passes the decrypted TDS on to the
//! same server, which logs in and answers.

use std::io::Write;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use retort::testing::{BackendKind, TestDatabase};
use retort::{DatabaseUrl, Session};

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
    let other = ca("another CA");
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

// -- Verified through a TLS front of the test's own ---------------------

/// The test server's certificate cannot show a successful verification (it
/// is CA:TRUE). A front of the test's own ([`tls_front`]) serves TLS with a
/// certificate that a CA made here issued for `names`, and passes the
/// decrypted TDS on to the test server: the client's verification is the
/// one under test, and the login and the session behind it are the server's.
fn front(db: &TestDatabase, names: &[&str]) -> (std::net::SocketAddr, tempfile::TempDir) {
    let ca = ca("retort test CA");
    let key = KeyPair::generate().expect("a key");
    let mut params = CertificateParams::new(names.iter().map(|name| name.to_string()).collect::<Vec<_>>())
        .expect("the names are valid");
    params.distinguished_name.push(DnType::CommonName, names[0]);
    let certificate = params.signed_by(&key, &ca).expect("the CA signs the server's certificate");
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("the CA is written");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("the certificate and its key");
    let upstream = url::Url::parse(db.url()).expect("an mssql:// URL");
    let upstream = (upstream.host_str().expect("a host"), upstream.port().unwrap_or(1433));
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(&upstream).expect("the server's address").next().expect("one");
    (tls_front::start(config, upstream), dir)
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty names are valid");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key")).expect("a CA")
}

/// The URL of the test database through the front at `front`, as `host`.
fn through_front(db: &TestDatabase, front: std::net::SocketAddr, host: &str, query: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&url_with(db, host, query)).expect("a URL");
    url.set_port(Some(front.port())).expect("a port");
    url.to_string()
}

#[tokio::test]
async fn a_certificate_the_given_ca_issued_for_the_host_is_verified_and_the_session_works() {
    let db = retort::test_database!(BackendKind::Mssql);
    let (front, dir) = front(&db, &["localhost", "127.0.0.1"]);
    let ca = dir.path().join("ca.pem").display().to_string();
    for (host, key) in [("localhost", "ca_certificate"), ("127.0.0.1", "ca_certificate"), ("localhost", "TrustServerCertificateCA")] {
        let url = through_front(&db, front, host, &[(key, &ca)]);
        let parsed = DatabaseUrl::parse(&url).expect("the URL parses");
        let mut session = retort::connect(&parsed).await.unwrap_or_else(|error| panic!("{host} with {key}: {error}"));
        // The login went through: the session answers, over the verified TLS.
        let rows = session.query("SELECT 41 + 1", &[]).await.unwrap_or_else(|error| panic!("{error}"));
        assert!(format!("{rows:?}").contains("42"), "{rows:?}");
    }
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused_naming_the_host() {
    let db = retort::test_database!(BackendKind::Mssql);
    let (front, dir) = front(&db, &["db.example.com"]);
    let ca = dir.path().join("ca.pem").display().to_string();
    let url = through_front(&db, front, "localhost", &[("ca_certificate", &ca)]);
    let error = connect(&url).await.expect_err("a certificate issued for another host is refused");
    println!("{error}");
    let address = format!("localhost:{}", front.port());
    assert!(error.contains(&format!("the TLS handshake with {address} failed")), "{error}");
    assert!(error.contains("not issued for `localhost`"), "{error}");
    assert!(error.contains("db.example.com"), "the names it was issued for: {error}");
    assert!(error.contains("hostname_in_certificate=<name>"), "how to fix it: {error}");

    // Named as the certificate names it, the same host passes.
    let url = through_front(&db, front, "localhost", &[("ca_certificate", &ca), ("hostname_in_certificate", "db.example.com")]);
    connect(&url).await.unwrap_or_else(|error| panic!("the name the certificate carries is accepted: {error}"));
}

/// A TLS front for a TDS server, as TDS 7.x does TLS: the client's PRELOGIN
/// asks for encryption, the front answers that the server encrypts, and the
/// TLS handshake then travels inside PRELOGIN packets; after it, TLS records
/// travel bare. The server behind is told the client cannot encrypt, and
/// gets the decrypted TDS. rustls's own connection type does the TLS.
mod tls_front {
    use std::io::{self, Read, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    use rustls::{ServerConfig, ServerConnection};

    /// A TDS packet's header: type, status, length (big-endian, the header
    /// included), channel, packet number, window.
    const HEADER: usize = 8;
    const PRELOGIN: u8 = 0x12;
    const END_OF_MESSAGE: u8 = 0x01;
    /// PRELOGIN's ENCRYPTION option and two of its values.
    const ENCRYPTION: u8 = 0x01;
    const ENCRYPT_ON: u8 = 0x01;
    const ENCRYPT_NOT_SUP: u8 = 0x02;

    /// Listens on a free local port; each connection is served by a thread.
    pub fn start(mut config: ServerConfig, upstream: SocketAddr) -> SocketAddr {
        // A TLS 1.3 ticket would follow the handshake wrapped, where the
        // client reads bare records.
        config.send_tls13_tickets = 0;
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the TLS front");
        let address = listener.local_addr().expect("its address");
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let config = config.clone();
                // A refused handshake ends the connection; the client says why.
                std::thread::spawn(move || serve(client, config, upstream));
            }
        });
        address
    }

    fn serve(mut client: TcpStream, config: Arc<ServerConfig>, upstream: SocketAddr) -> io::Result<()> {
        let mut server = TcpStream::connect(upstream)?;
        let mut prelogin = read_packet(&mut client)?;
        set_encryption(&mut prelogin, ENCRYPT_NOT_SUP)?;
        server.write_all(&prelogin)?;
        let mut answer = read_packet(&mut server)?;
        set_encryption(&mut answer, ENCRYPT_ON)?;
        client.write_all(&answer)?;

        let mut tls = ServerConnection::new(config).map_err(io::Error::other)?;
        while tls.is_handshaking() || tls.wants_write() {
            if tls.wants_write() {
                let mut packet = vec![0; HEADER];
                while tls.wants_write() {
                    tls.write_tls(&mut packet)?;
                }
                let length = u16::try_from(packet.len()).map_err(io::Error::other)?.to_be_bytes();
                packet[..HEADER].copy_from_slice(&[PRELOGIN, END_OF_MESSAGE, length[0], length[1], 0, 0, 1, 0]);
                client.write_all(&packet)?;
            } else {
                let packet = read_packet(&mut client)?;
                let mut records = &packet[HEADER..];
                while !records.is_empty() {
                    tls.read_tls(&mut records)?;
                    tls.process_new_packets().map_err(io::Error::other)?;
                }
            }
        }

        let tls = Arc::new(Mutex::new(tls));
        let (mut from_client, mut to_client) = (client.try_clone()?, client);
        let (mut from_server, mut to_server) = (server.try_clone()?, server);
        let down = {
            let tls = tls.clone();
            std::thread::spawn(move || -> io::Result<()> {
                let mut plain = vec![0; 16 * 1024];
                loop {
                    let read = from_server.read(&mut plain)?;
                    if read == 0 {
                        return to_client.shutdown(Shutdown::Write);
                    }
                    let mut records = Vec::new();
                    {
                        let mut tls = tls.lock().map_err(|_| io::Error::other("poisoned"))?;
                        tls.writer().write_all(&plain[..read])?;
                        while tls.wants_write() {
                            tls.write_tls(&mut records)?;
                        }
                    }
                    to_client.write_all(&records)?;
                }
            })
        };
        let mut bytes = vec![0; 16 * 1024];
        loop {
            let read = from_client.read(&mut bytes)?;
            if read == 0 {
                break;
            }
            let mut plain = Vec::new();
            {
                let mut tls = tls.lock().map_err(|_| io::Error::other("poisoned"))?;
                let mut records = &bytes[..read];
                while !records.is_empty() {
                    tls.read_tls(&mut records)?;
                    tls.process_new_packets().map_err(io::Error::other)?;
                    match tls.reader().read_to_end(&mut plain) {
                        Err(error) if error.kind() != io::ErrorKind::WouldBlock => return Err(error),
                        _ => {}
                    }
                }
            }
            to_server.write_all(&plain)?;
        }
        let _ = to_server.shutdown(Shutdown::Both);
        let _ = down.join();
        Ok(())
    }

    fn read_packet(from: &mut TcpStream) -> io::Result<Vec<u8>> {
        let mut packet = vec![0; HEADER];
        from.read_exact(&mut packet)?;
        let length = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
        packet.resize(length.max(HEADER), 0);
        from.read_exact(&mut packet[HEADER..])?;
        Ok(packet)
    }

    /// Sets the ENCRYPTION option of a PRELOGIN packet to `level`.
    fn set_encryption(packet: &mut [u8], level: u8) -> io::Result<()> {
        let options = &mut packet[HEADER..];
        let mut at = 0;
        while at + 5 <= options.len() && options[at] != 0xFF {
            if options[at] == ENCRYPTION {
                let offset = usize::from(u16::from_be_bytes([options[at + 1], options[at + 2]]));
                *options.get_mut(offset).ok_or_else(|| io::Error::other("ENCRYPTION past the packet"))? = level;
                return Ok(());
            }
            at += 5;
        }
        Err(io::Error::other("a PRELOGIN packet without an ENCRYPTION option"))
    }
}
