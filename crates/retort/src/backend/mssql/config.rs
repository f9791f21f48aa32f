//! A parsed SQL Server URL as tiberius's `Config`: the one step of reading
//! `DATABASE_URL` that needs the driver. The URL and ADO.NET forms, their
//! defaults and their checks are [`MssqlOptions`]'s, in `database_url`.

use crate::database_url::{Encrypt, MssqlOptions, ACCESS_TOKEN_ENV};

/// The tiberius configuration for `options`, signing in with a SQL Server
/// login, or with the Entra ID token of `RETORT_MSSQL_ACCESS_TOKEN` when
/// the options ask for one (why there is none otherwise).
pub(super) fn tiberius_config(options: &MssqlOptions) -> Result<tiberius::Config, String> {
    let token = match options.access_token {
        true => Some(access_token(std::env::var(ACCESS_TOKEN_ENV).ok())?),
        false => None,
    };
    Ok(config_with(options, token))
}

/// The token of `RETORT_MSSQL_ACCESS_TOKEN` (its value, `variable`), or
/// why it cannot be used. Only its absence is described, never its text.
fn access_token(variable: Option<String>) -> Result<String, String> {
    match variable.map(|token| token.trim().to_owned()) {
        Some(token) if !token.is_empty() => Ok(token),
        _ => Err(format!(
            "the connection signs in with a Microsoft Entra ID access token (Authentication=ActiveDirectoryAccessToken), \
             and {ACCESS_TOKEN_ENV} holds none: set it to a token for https://database.windows.net/ (e.g. \
             `az account get-access-token --resource https://database.windows.net/ --query accessToken -o tsv`)"
        )),
    }
}

/// The configuration with the token, when signing in with one.
fn config_with(options: &MssqlOptions, token: Option<String>) -> tiberius::Config {
    let mut config = tiberius::Config::new();
    config.host(&options.host);
    config.port(options.port);
    if let Some(database) = &options.database {
        config.database(database);
    }
    config.application_name(&options.application_name);
    config.authentication(match token {
        Some(token) => tiberius::AuthMethod::aad_token(token),
        None => tiberius::AuthMethod::sql_server(&options.user, &options.password),
    });
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
            let debug = format!("{:?}", tiberius_config(&options).unwrap());
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
        let config = tiberius_config(&trusting).unwrap();
        let debug = format!("{config:?}");
        assert!(debug.contains("bypass: true"), "{debug}");
        assert_eq!(config.get_addr(), "localhost:1433");
        assert_eq!(config.get_command_timeout(), None);
    }

    #[test]
    fn an_access_token_login_sends_the_token_and_never_shows_it() {
        let options =
            MssqlOptions::parse("mssql://db.example/app?authentication=ActiveDirectoryAccessToken").unwrap();
        let token = access_token(Some(" eyJ0eXAiOi.secret-token-value \n".to_owned())).unwrap();
        assert_eq!(token, "eyJ0eXAiOi.secret-token-value");
        let debug = format!("{:?}", config_with(&options, Some(token)));
        assert!(debug.contains("AADToken"), "{debug}");
        assert!(!debug.contains("secret-token-value"), "{debug}");
        let password = format!("{:?}", config_with(&MssqlOptions::parse("mssql://sa:pw@h/app").unwrap(), None));
        assert!(password.contains("SqlServer"), "{password}");
    }

    #[test]
    fn an_access_token_login_without_the_variable_says_where_the_token_goes() {
        for missing in [None, Some("  ".to_owned())] {
            let error = access_token(missing).unwrap_err();
            assert!(error.contains("RETORT_MSSQL_ACCESS_TOKEN holds none"), "{error}");
        }
    }
}
