//! A parsed SQL Server URL as tiberius's `Config`: the one step of reading
//! `DATABASE_URL` that needs the driver. The URL and ADO.NET forms, their
//! defaults and their checks are [`MssqlOptions`]'s, in `database_url`.

use crate::database_url::{Encrypt, MssqlOptions};

/// The tiberius configuration for `options`.
pub(super) fn tiberius_config(options: &MssqlOptions) -> tiberius::Config {
    let mut config = tiberius::Config::new();
    config.host(&options.host);
    config.port(options.port);
    if let Some(database) = &options.database {
        config.database(database);
    }
    config.application_name(&options.application_name);
    config.authentication(tiberius::AuthMethod::sql_server(&options.user, &options.password));
    config.encryption(match options.encrypt {
        Encrypt::Required => tiberius::EncryptionLevel::Required,
        Encrypt::LoginOnly => tiberius::EncryptionLevel::Off,
    });
    // The parser made these two exclusive, which tiberius would otherwise
    // enforce with a panic.
    if options.trust_server_certificate {
        config.trust_cert();
    } else if let Some(ca) = &options.trust_server_certificate_ca {
        config.trust_cert_ca(ca);
    }
    if let Some(name) = &options.hostname_in_certificate {
        config.hostname_in_certificate(name);
    }
    config.handshake_timeout(Some(options.connect_timeout));
    // A migration may run one statement for hours (an index on a big
    // table) and the lock waits server-side for its own timeout: no
    // client-side deadline on responses.
    config.command_timeout(None);
    config
}

/// Says once per process, in retort's words, that the server's certificate
/// is not verified, when the URL asks for that. tiberius warns on each
/// connection (`RUST_LOG=tiberius=warn` shows it), and one command may open
/// several: `db reset`, `stamp --verify`, `db clone`.
pub(super) fn notice_trusted_certificate(options: &MssqlOptions) {
    static SAID: std::sync::Once = std::sync::Once::new();
    if options.trust_server_certificate {
        SAID.call_once(|| {
            tracing::warn!(
                "the server certificate of {} is trusted without validation (trust_server_certificate=true): \
                 fine for a local container, not for a server across a network",
                options.address()
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiberius_config_encrypts_and_verifies_by_default() {
        for raw in [
            "mssql://sa:pw@localhost/app",
            "Server=localhost;Database=app;User Id=sa;Password=pw",
        ] {
            let options = MssqlOptions::parse(raw).unwrap();
            let debug = format!("{:?}", tiberius_config(&options));
            assert!(
                debug.contains("Required") && debug.contains("bypass: false"),
                "{raw}: {debug}"
            );
        }
    }

    #[test]
    fn tiberius_config_trusts_the_certificate_only_when_asked() {
        let trusting =
            MssqlOptions::parse("mssql://sa:pw@localhost:1433/app?trust_server_certificate=true")
                .unwrap();
        let config = tiberius_config(&trusting);
        let debug = format!("{config:?}");
        assert!(debug.contains("bypass: true"), "{debug}");
        assert_eq!(config.get_addr(), "localhost:1433");
        assert_eq!(config.get_command_timeout(), None);
    }
}
