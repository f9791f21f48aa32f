//! Every PostgreSQL connection retort opens: the URL's TLS settings
//! ([`PostgresTls`], libpq's `sslmode` and files) turned into a rustls
//! configuration, and failures explained by the mode that caused them.
//!
//! | `sslmode` | TLS | certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | when the server offers it | no |
//! | `require` | always | no; with an `sslrootcert` file, as `verify-ca` (libpq) |
//! | `verify-ca` | always | chained to a trusted CA |
//! | `verify-full` | always | chained to a trusted CA and issued for the host |
//!
//! Trusted CAs are the `sslrootcert` file's, or the operating system's
//! store when there is none (or `sslrootcert=system`). Unlike libpq, no
//! file is read from `~/.postgresql/`.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::Host;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::database_url::{PostgresTls, RootCerts, SslMode};

/// Connects with `config` as `tls` says, and runs the connection's task.
/// The error is the whole message: the driver's or server's words, and for
/// a TLS failure the mode, the host and what to change.
pub(crate) async fn connect(config: &Config, tls: &PostgresTls) -> Result<Client, String> {
    let explain = |error: tokio_postgres::Error| explain(&error, config, tls);
    let client = match tls.mode {
        SslMode::Disable => {
            let (client, connection) = config.connect(NoTls).await.map_err(explain)?;
            spawn(connection);
            client
        }
        _ => {
            let (client, connection) =
                config.connect(MakeRustlsConnect::new(client_config(tls)?)).await.map_err(explain)?;
            spawn(connection);
            client
        }
    };
    Ok(client)
}

/// Drives the connection. Its own error is only logged: it also surfaces as
/// the error of the client's next call, which is where it is reported.
fn spawn<C>(connection: C)
where
    C: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "PostgreSQL connection ended");
        }
    });
}

/// The rustls configuration for `tls`'s mode, with ring as the crypto
/// provider (named, so that another crate enabling a second provider does
/// not make the choice ambiguous).
fn client_config(tls: &PostgresTls) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("could not set up TLS: {error}"))?;
    let mode = tls.effective_mode();
    let builder = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(Unchecked { provider }))
        }
        SslMode::VerifyCa => {
            let chain = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(tls, mode)?), provider)
                .build()
                .map_err(|error| format!("sslmode=verify-ca: could not set up certificate verification: {error}"))?;
            builder.dangerous().with_custom_certificate_verifier(Arc::new(ChainOnly(chain)))
        }
        SslMode::VerifyFull => builder.with_root_certificates(roots(tls, mode)?),
    };
    match &tls.client_cert {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|error| format!("could not read sslcert {}: {error}", cert.display()))?;
            let private = PrivateKeyDer::from_pem_file(key)
                .map_err(|error| format!("could not read sslkey {}: {error}", key.display()))?;
            builder.with_client_auth_cert(chain, private).map_err(|error| {
                format!("sslcert {} and sslkey {} cannot be used together: {error}", cert.display(), key.display())
            })
        }
    }
}

/// The CAs to trust: the `sslrootcert` file's, or the system's.
fn roots(tls: &PostgresTls, mode: SslMode) -> Result<RootCertStore, String> {
    let mode = mode.name();
    let mut store = RootCertStore::empty();
    match tls.roots() {
        RootCerts::File(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|error| format!("sslmode={mode}: could not read sslrootcert {}: {error}", path.display()))?;
            if certs.is_empty() {
                return Err(format!(
                    "sslmode={mode}: sslrootcert {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                ));
            }
            for cert in certs {
                store.add(cert).map_err(|error| {
                    format!("sslmode={mode}: sslrootcert {} holds a certificate rustls cannot use: {error}", path.display())
                })?;
            }
        }
        RootCerts::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
                return Err(format!(
                    "sslmode={mode}: no CA certificate was found in the system's store ({}); give the server's CA \
                     with sslrootcert=/path/to/ca.pem",
                    if errors.is_empty() { "it is empty".to_owned() } else { errors.join("; ") }
                ));
            }
        }
    }
    Ok(store)
}

/// The message for a failed connection: the driver's or server's words,
/// preceded by what the TLS mode made of them.
fn explain(error: &tokio_postgres::Error, config: &Config, tls: &PostgresTls) -> String {
    let said = describe_pg_error(error);
    let mode = tls.effective_mode().name();
    let host = config
        .get_hosts()
        .iter()
        .find_map(|host| match host {
            Host::Tcp(name) => Some(name.clone()),
            #[cfg(unix)]
            Host::Unix(_) => None,
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let roots = match tls.roots() {
        RootCerts::File(path) => format!("sslrootcert {}", path.display()),
        RootCerts::System => "the system's CA store (no sslrootcert given)".to_owned(),
    };
    let hint = match tls_error(error) {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => format!(
            "sslmode={mode}: the server's certificate is not issued for host `{host}`, so it was refused; connect by \
             a name the certificate lists, or use sslmode=verify-ca to check only that a trusted CA signed it"
        ),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature | CertificateError::BadEncoding,
        )) => format!(
            "sslmode={mode}: the certificate of `{host}` is not signed by a CA in {roots}, so it was refused; give \
             the server's CA with sslrootcert=/path/to/ca.pem"
        ),
        Some(other) => format!("sslmode={mode}: the TLS connection to `{host}` failed: {other}"),
        None if said.contains("server does not support TLS") => format!(
            "sslmode={mode}: the server at `{host}` does not offer TLS (ssl=off in its postgresql.conf); turn TLS on \
             at the server, or use sslmode=prefer or sslmode=disable to connect in plain text"
        ),
        None if tls.mode == SslMode::Disable
            && error.code() == Some(&SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
            && said.contains("no encryption") =>
        {
            format!(
                "sslmode=disable: the server at `{host}` requires TLS for this login (its pg_hba.conf allows it only \
                 over `hostssl`); remove sslmode=disable, or use sslmode=verify-full with sslrootcert"
            )
        }
        None => return said,
    };
    format!("{hint} ({said})")
}

/// The rustls error behind a failed connection, if TLS is what failed.
fn tls_error(error: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(found) = cause.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        // io::Error's `source` skips the error it wraps: look inside.
        if let Some(found) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(found);
        }
        source = cause.source();
    }
    None
}

/// `prefer` and `require`: the certificate is not checked (libpq's
/// meaning), but the handshake's signatures still are, so the session is
/// encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct Unchecked {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain is verified as `verify-full` verifies it, and a
/// certificate issued for another host is accepted.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain before the name: a name error means the
        // chain was good.
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            outcome => outcome,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The server's message (with detail and hint) or the client error.
pub(super) fn describe_pg_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            text
        }
    }
}
