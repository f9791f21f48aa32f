//! The TLS settings of a PostgreSQL URL, read as libpq reads them:
//! `sslmode=disable|prefer|require|verify-ca|verify-full` (default
//! `prefer`), `sslrootcert`, `sslcert` and `sslkey`.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require`, and none of
//! the file settings: they are taken out of the query here, the driver is
//! given the `sslmode` it knows (`require` for the two verifying modes), and
//! the backend builds the rustls configuration from this reading.

use std::path::PathBuf;

use super::error::OptionsError;

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum SslMode {
    /// Plain text only.
    Disable,
    /// TLS when the server offers it, plain text when it does not; the
    /// certificate is not checked (libpq's default).
    #[default]
    Prefer,
    /// TLS or no connection; the certificate is not checked (unless an
    /// `sslrootcert` is given: then, as in libpq, it is `VerifyCa`).
    Require,
    /// TLS, the certificate chained to a trusted CA; the host name is not checked.
    VerifyCa,
    /// TLS, the certificate chained to a trusted CA and issued for the host.
    VerifyFull,
}

impl SslMode {
    /// The name as the URL writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted CAs come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RootCerts {
    /// The operating system's store (no `sslrootcert`, or `sslrootcert=system`).
    System,
    /// A PEM file of CA certificates.
    File(PathBuf),
}

/// The TLS reading of a PostgreSQL URL.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct PostgresTls {
    pub mode: SslMode,
    /// `None` when no `sslrootcert` is given: the system's roots then.
    pub root_cert: Option<RootCerts>,
    /// The client certificate and its key (`sslcert`, `sslkey`), for
    /// servers that check one (`clientcert=verify-full` in pg_hba.conf).
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

impl PostgresTls {
    /// The mode the connection behaves as: `require` with an `sslrootcert`
    /// is `verify-ca`, as in libpq.
    pub(crate) fn effective_mode(&self) -> SslMode {
        match (self.mode, &self.root_cert) {
            (SslMode::Require, Some(RootCerts::File(_))) => SslMode::VerifyCa,
            (mode, _) => mode,
        }
    }

    /// The roots to verify with.
    pub(crate) fn roots(&self) -> &RootCerts {
        self.root_cert.as_ref().unwrap_or(&RootCerts::System)
    }
}

/// Takes the TLS settings out of a PostgreSQL URL: the URL to hand to
/// tokio-postgres (its `sslmode` one the driver knows, the file settings
/// removed), and the reading. The rest of the query is left as written.
pub(super) fn split(raw: &str) -> Result<(String, PostgresTls), OptionsError> {
    // The query starts after the login, which the driver ends at the
    // first `@` (a password may hold an unencoded `?`).
    let after_scheme = raw.find("://").map_or(0, |at| at + 3);
    let after_login = raw[after_scheme..].find('@').map_or(after_scheme, |at| after_scheme + at + 1);
    let Some(at) = raw[after_login..].find('?').map(|at| after_login + at) else {
        return Ok((raw.to_owned(), PostgresTls::default()));
    };
    let (base, query) = (&raw[..at], &raw[at + 1..]);
    let is_tls_setting = |pair: &str| matches!(pair.split('=').next(), Some("sslmode" | "sslrootcert" | "sslcert" | "sslkey"));
    if !query.split('&').any(is_tls_setting) {
        return Ok((raw.to_owned(), PostgresTls::default()));
    }
    let mut tls = PostgresTls::default();
    let (mut cert, mut key) = (None, None);
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map(|value| value.into_owned())
                .map_err(|_| OptionsError::new(format!("the value of `{name}` is not valid UTF-8 once decoded")))
        };
        match name {
            "sslmode" => {
                tls.mode = match decoded()?.as_str() {
                    "disable" => SslMode::Disable,
                    // libpq's `allow` tries plain text first; retort prefers TLS.
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    _ => {
                        return Err(OptionsError::new(
                            "the value of `sslmode` is not one of disable, prefer, require, verify-ca, verify-full",
                        ))
                    }
                };
            }
            "sslrootcert" => {
                let value = decoded()?;
                tls.root_cert = Some(match value.as_str() {
                    "system" => RootCerts::System,
                    _ => RootCerts::File(PathBuf::from(value)),
                });
            }
            "sslcert" => cert = Some(PathBuf::from(decoded()?)),
            "sslkey" => key = Some(PathBuf::from(decoded()?)),
            _ => kept.push(pair),
        }
    }
    tls.client_cert = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            return Err(OptionsError::new(
                "it gives only one of `sslcert` and `sslkey`: a client certificate needs both (the certificate's \
                 PEM file and its private key's)",
            ))
        }
    };
    // The driver's own mode: it negotiates TLS, rustls verifies.
    kept.push(match tls.mode {
        SslMode::Disable => "sslmode=disable",
        SslMode::Prefer => "sslmode=prefer",
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "sslmode=require",
    });
    Ok((format!("{base}?{}", kept.join("&")), tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_query_is_prefer_with_system_roots() {
        let (url, tls) = split("postgres://u:p@h/db").unwrap();
        assert_eq!(url, "postgres://u:p@h/db");
        assert_eq!(tls, PostgresTls::default());
        assert_eq!(tls.effective_mode(), SslMode::Prefer);
        assert_eq!(tls.roots(), &RootCerts::System);
    }

    #[test]
    fn verifying_modes_reach_the_driver_as_require_and_files_are_taken_out() {
        let (url, tls) = split(
            "postgres://u:p@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&sslcert=/c.pem&sslkey=/k.pem",
        )
        .unwrap();
        assert_eq!(url, "postgres://u:p@h/db?application_name=x&sslmode=require");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(RootCerts::File(PathBuf::from("/tmp/ca.pem"))));
        assert_eq!(tls.client_cert, Some((PathBuf::from("/c.pem"), PathBuf::from("/k.pem"))));
    }

    #[test]
    fn a_url_without_tls_settings_reaches_the_driver_as_written() {
        for raw in ["postgres://app:pa?ss@localhost/app_dev", "postgres://h/db?application_name=x"] {
            assert_eq!(split(raw).unwrap(), (raw.to_owned(), PostgresTls::default()), "{raw}");
        }
        let (url, tls) = split("postgres://app:pa?ss@localhost/db?sslmode=disable").unwrap();
        assert_eq!(url, "postgres://app:pa?ss@localhost/db?sslmode=disable");
        assert_eq!(tls.mode, SslMode::Disable);
    }

    #[test]
    fn require_with_a_root_certificate_is_verify_ca_as_in_libpq() {
        let (_, tls) = split("postgres://h/db?sslmode=require&sslrootcert=/ca.pem").unwrap();
        assert_eq!(tls.effective_mode(), SslMode::VerifyCa);
        let (_, tls) = split("postgres://h/db?sslmode=require&sslrootcert=system").unwrap();
        assert_eq!(tls.effective_mode(), SslMode::Require);
    }

    #[test]
    fn an_unknown_mode_and_a_lone_key_are_refused() {
        assert!(split("postgres://h/db?sslmode=verify").unwrap_err().reason.contains("verify-full"));
        assert!(split("postgres://h/db?sslkey=/k.pem").unwrap_err().reason.contains("sslcert"));
    }
}
