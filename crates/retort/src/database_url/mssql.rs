//! SQL Server connections in `DATABASE_URL`, in either of the two forms
//! people have at hand:
//!
//! - `mssql://user:password@host:port/database?encrypt=true&trust_server_certificate=false`
//!   (user, password and database percent-encoded, as in any URL);
//! - an ADO.NET connection string, as .NET projects and Azure portals give
//!   them: `Server=tcp:host,1433;Database=app;User Id=sa;Password=…;Encrypt=True;TrustServerCertificate=False`
//!   (split into pairs by [`super::ado`]).
//!
//! Both become one [`MssqlOptions`], which the SQL Server backend turns
//! into a tiberius `Config`. The choices are the secure ones unless the user
//! says otherwise: encryption is required by default and the server's
//! certificate is verified; trusting it blindly
//! (`trust_server_certificate=true`, which a local Docker container with its
//! self-signed certificate needs) is an explicit choice. Only SQL Server
//! logins (user and password) are supported.
//!
//! No error message here quotes a value, and one that quotes a key does it
//! through [`OptionsError::quoting`], so that a key that may be the rest of
//! an unquoted password is left out of the message: a password never
//! reaches one, even when the string is malformed.

use std::fmt;
use std::time::Duration;

use super::ado;
use super::error::OptionsError;

/// The default TCP port of SQL Server.
const DEFAULT_PORT: u16 = 1433;

/// How long establishing the connection (TCP, TLS and login) may take unless
/// the URL says otherwise: ADO.NET's default `Connect Timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The application name the server shows for retort's sessions
/// (`sys.dm_exec_sessions.program_name`), so that a DBA can tell who holds
/// the migration lock.
const APPLICATION_NAME: &str = "retort";

/// Where a Microsoft Entra ID access token is read from, for
/// `Authentication=ActiveDirectoryAccessToken` (and for a URL that names no
/// user while it is set): never from the URL, which ends up in shell
/// histories, CI logs and process lists.
pub(crate) const ACCESS_TOKEN_ENV: &str = "RETORT_MSSQL_ACCESS_TOKEN";

/// How the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encrypt {
    /// TLS for the whole session (the default; ADO.NET's `Encrypt=Mandatory`).
    Required,
    /// TLS for the login packet only (`encrypt=false`, as in ADO.NET).
    LoginOnly,
}

/// Everything needed to open a session on one SQL Server database, as
/// read from its URL or ADO.NET string.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct MssqlOptions {
    pub host: String,
    pub port: u16,
    /// The database; `None` connects to the login's default database.
    pub database: Option<String>,
    /// Empty when signing in with an access token.
    pub user: String,
    pub password: String,
    /// Sign in with the Entra ID access token of [`ACCESS_TOKEN_ENV`]
    /// rather than a SQL Server login.
    pub access_token: bool,
    pub encrypt: Encrypt,
    /// Skip the verification of the server's certificate.
    pub trust_server_certificate: bool,
    /// A CA certificate file to verify the server's certificate with.
    pub trust_server_certificate_ca: Option<String>,
    /// The name the certificate must carry, when not the host's.
    pub hostname_in_certificate: Option<String>,
    pub application_name: String,
    pub connect_timeout: Duration,
}

impl fmt::Debug for MssqlOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MssqlOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &"***")
            .field("access_token", &self.access_token)
            .field("encrypt", &self.encrypt)
            .field("trust_server_certificate", &self.trust_server_certificate)
            .field(
                "trust_server_certificate_ca",
                &self.trust_server_certificate_ca,
            )
            .field("hostname_in_certificate", &self.hostname_in_certificate)
            .field("application_name", &self.application_name)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

fn refuse<T>(reason: impl Into<String>) -> Result<T, OptionsError> {
    Err(OptionsError::new(reason))
}

/// Refuses for a reason that quotes `name`, a key as the string writes it.
fn refuse_quoting<T>(name: &str, reason: impl FnOnce(&str) -> String) -> Result<T, OptionsError> {
    Err(OptionsError::quoting(name.trim(), reason))
}

/// What a setting key means, once spelling is normalised (lowercase, no
/// blanks, `_` or `-`): the same table serves ADO.NET keys and URL query
/// parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Server,
    Database,
    User,
    Password,
    Encrypt,
    TrustServerCertificate,
    TrustServerCertificateCa,
    HostnameInCertificate,
    ApplicationName,
    ConnectTimeout,
    IntegratedSecurity,
    Authentication,
    /// A token written into the string: refused.
    AccessToken,
    /// ADO.NET settings of client-side pooling and the like, which mean
    /// nothing to one migration session: accepted and ignored, so that a
    /// string copied from an application's configuration works as is.
    Ignored,
}

impl Key {
    /// The setting's name, for messages: the canonical one, not the text
    /// as written, which may be part of an unquoted password.
    fn describe(self) -> &'static str {
        match self {
            Key::Server => "the server",
            Key::Database => "the database",
            Key::User => "the user",
            Key::Password => "the password",
            Key::Encrypt => "Encrypt",
            Key::TrustServerCertificate => "TrustServerCertificate",
            Key::TrustServerCertificateCa => "TrustServerCertificateCA",
            Key::HostnameInCertificate => "HostNameInCertificate",
            Key::ApplicationName => "the application name",
            Key::ConnectTimeout => "the connect timeout",
            Key::IntegratedSecurity => "Integrated Security",
            Key::Authentication => "Authentication",
            Key::AccessToken => "AccessToken",
            Key::Ignored => "a setting",
        }
    }
}

fn key(raw: &str) -> Option<Key> {
    let normal: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match normal.as_str() {
        "server" | "datasource" | "address" | "addr" | "networkaddress" => Key::Server,
        "database" | "initialcatalog" => Key::Database,
        "userid" | "uid" | "user" | "username" => Key::User,
        "password" | "pwd" => Key::Password,
        "encrypt" => Key::Encrypt,
        "trustservercertificate" => Key::TrustServerCertificate,
        // `ca_certificate` is the URL's spelling.
        "trustservercertificateca" | "cacertificate" => Key::TrustServerCertificateCa,
        "hostnameincertificate" => Key::HostnameInCertificate,
        "applicationname" | "app" => Key::ApplicationName,
        "connecttimeout" | "connectiontimeout" | "timeout" => Key::ConnectTimeout,
        "integratedsecurity" | "trustedconnection" => Key::IntegratedSecurity,
        "authentication" => Key::Authentication,
        "accesstoken" => Key::AccessToken,
        "pooling"
        | "minpoolsize"
        | "maxpoolsize"
        | "connectionlifetime"
        | "loadbalancetimeout"
        | "multipleactiveresultsets"
        | "persistsecurityinfo"
        | "workstationid"
        | "wsid"
        | "packetsize"
        | "multisubnetfailover"
        | "connectretrycount"
        | "connectretryinterval"
        | "commandtimeout" => Key::Ignored,
        _ => return None,
    })
}

/// Whether `raw` is an ADO.NET connection string: a `key=value;…` list
/// with a server key. It has no scheme to dispatch on.
pub(super) fn is_ado_connection_string(raw: &str) -> bool {
    raw.split(';')
        .any(|pair| pair.split_once('=').is_some_and(|(name, _)| key(name) == Some(Key::Server)))
}

const KNOWN_KEYS: &str = "Server, Database, User Id, Password, Encrypt, TrustServerCertificate, \
                          TrustServerCertificateCA (ca_certificate), HostNameInCertificate, Authentication, Application Name, \
                          Connect Timeout";

/// The settings read so far, before defaults and checks.
#[derive(Default)]
struct Settings {
    /// The keys set so far: a key set twice is refused.
    seen: Vec<Key>,
    server: Option<(String, u16)>,
    database: Option<String>,
    user: Option<String>,
    password: Option<String>,
    /// `Authentication=ActiveDirectoryAccessToken`.
    access_token: bool,
    encrypt: Option<Encrypt>,
    trust_server_certificate: Option<bool>,
    trust_server_certificate_ca: Option<String>,
    hostname_in_certificate: Option<String>,
    application_name: Option<String>,
    connect_timeout: Option<Duration>,
}

impl Settings {
    /// Applies one `key=value` setting; `name` is the key as written, for messages.
    fn apply(&mut self, name: &str, value: String, from_url: bool) -> Result<(), OptionsError> {
        let Some(key) = key(name) else {
            return refuse_quoting(name, |name| format!("unknown setting {name}; retort understands {KNOWN_KEYS}"));
        };
        // ADO.NET lets the last of two settings win. Here a second one is
        // most likely a `;` in an unquoted password (`Password=a;Database=b`),
        // whose rest would be read as a setting, and shown: refused.
        if key != Key::Ignored && self.seen.contains(&key) {
            return refuse(format!(
                "it sets {} twice; quote a value that holds `;` (Password=\"…\", or Password={{…}})",
                key.describe()
            ));
        }
        self.seen.push(key);
        if from_url && matches!(key, Key::Server | Key::Database | Key::User | Key::Password) {
            return refuse_quoting(name, |name| {
                format!("{name} cannot be a query parameter of an mssql:// URL: write mssql://user:password@host:port/database")
            });
        }
        match key {
            Key::Server => self.server = Some(server(&value)?),
            Key::Database => self.database = Some(value).filter(|v| !v.is_empty()),
            Key::User => self.user = Some(value),
            Key::Password => self.password = Some(value),
            Key::Encrypt => {
                self.encrypt = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "mandatory" => Encrypt::Required,
                    "false" | "no" | "optional" => Encrypt::LoginOnly,
                    "strict" => {
                        return refuse(
                            "Encrypt=Strict (TDS 8) is not supported yet: use Encrypt=True, which encrypts the whole session",
                        )
                    }
                    _ => return refuse_quoting(name, |name| format!("{name} must be true or false")),
                })
            }
            Key::TrustServerCertificate => self.trust_server_certificate = Some(boolean(name, &value)?),
            Key::TrustServerCertificateCa => self.trust_server_certificate_ca = Some(value),
            Key::HostnameInCertificate => self.hostname_in_certificate = Some(value),
            Key::ApplicationName => self.application_name = Some(value),
            Key::ConnectTimeout => {
                let seconds = value
                    .trim()
                    .parse::<u64>()
                    .or_else(|_| refuse_quoting(name, |name| format!("{name} must be a whole number of seconds")))?;
                self.connect_timeout = Some(Duration::from_secs(seconds.max(1)));
            }
            Key::IntegratedSecurity => {
                let integrated = value.trim().eq_ignore_ascii_case("sspi") || boolean(name, &value)?;
                if integrated {
                    return refuse(
                        "Windows (integrated) authentication is not supported: use a SQL Server login \
                         (User Id and Password)",
                    );
                }
            }
            Key::Authentication => {
                let normal: String = value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
                match normal.as_str() {
                    "sqlpassword" => self.access_token = false,
                    "activedirectoryaccesstoken" => self.access_token = true,
                    _ => {
                        return refuse(format!(
                            "Authentication may be SqlPassword (a SQL Server login with a password, the default) or \
                             ActiveDirectoryAccessToken (a Microsoft Entra ID token, read from {ACCESS_TOKEN_ENV}); \
                             for another method, open the connection yourself and hand it to retort"
                        ))
                    }
                }
            }
            Key::AccessToken => {
                return refuse(format!(
                    "an access token is never read from the connection string (it would end up in logs and shell \
                     histories): put it in the environment variable {ACCESS_TOKEN_ENV} and set \
                     Authentication=ActiveDirectoryAccessToken"
                ))
            }
            Key::Ignored => {}
        }
        Ok(())
    }

    fn finish(self, form: &str) -> Result<MssqlOptions, OptionsError> {
        let Some((host, port)) = self.server else {
            return refuse(format!("the {form} names no server"));
        };
        let user = self.user.filter(|user| !user.is_empty());
        // No user while a token is at hand: the token's login, as asked
        // with Authentication=ActiveDirectoryAccessToken.
        let access_token = self.access_token || (user.is_none() && std::env::var_os(ACCESS_TOKEN_ENV).is_some());
        if access_token && (user.is_some() || self.password.as_deref().is_some_and(|password| !password.is_empty())) {
            return refuse(format!(
                "Authentication=ActiveDirectoryAccessToken signs in with the token of {ACCESS_TOKEN_ENV}, not a user \
                 and password: drop the user and password from the {form}"
            ));
        }
        let user = match user {
            Some(user) => user,
            None if access_token => String::new(),
            None => {
                return refuse(format!(
                    "the {form} names no user: retort signs in with a SQL Server login and its password, or with a \
                     Microsoft Entra ID token (set {ACCESS_TOKEN_ENV} and Authentication=ActiveDirectoryAccessToken)"
                ))
            }
        };
        let trust = self.trust_server_certificate.unwrap_or(false);
        if trust && self.trust_server_certificate_ca.is_some() {
            return refuse(
                "TrustServerCertificate=true skips verifying the certificate, TrustServerCertificateCA verifies it \
                 with a CA: give one or the other",
            );
        }
        Ok(MssqlOptions {
            host,
            port,
            database: self.database,
            user,
            password: self.password.unwrap_or_default(),
            access_token,
            encrypt: self.encrypt.unwrap_or(Encrypt::Required),
            trust_server_certificate: trust,
            trust_server_certificate_ca: self.trust_server_certificate_ca,
            hostname_in_certificate: self.hostname_in_certificate,
            application_name: self
                .application_name
                .unwrap_or_else(|| APPLICATION_NAME.to_owned()),
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        })
    }
}

fn boolean(name: &str, value: &str) -> Result<bool, OptionsError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => refuse_quoting(name, |name| format!("{name} must be true or false")),
    }
}

/// Reads ADO.NET's `Server` value: `tcp:host,port`, `host,port`, `host`,
/// `(local)` or `.`.
fn server(value: &str) -> Result<(String, u16), OptionsError> {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let value = if lower.starts_with("tcp:") {
        &value[4..]
    } else {
        value
    };
    if ["np:", "lpc:", "admin:"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
    {
        return refuse("only TCP connections are supported: write Server=tcp:host,port");
    }
    let (host, port) = match value.rsplit_once(',') {
        Some((host, port)) => {
            let port = port
                .trim()
                .parse::<u16>()
                .or_else(|_| refuse("the port after the comma in Server is not a number"))?;
            (host.trim(), port)
        }
        None => (value, DEFAULT_PORT),
    };
    if host.contains('\\') {
        return refuse(
            "named instances (host\\instance) are not supported: give the instance's TCP port instead \
             (Server=tcp:host,port)",
        );
    }
    let host = match host {
        "" => return refuse("the Server setting is empty"),
        "." | "(local)" | "(localdb)" => "localhost",
        host => host,
    };
    Ok((host.to_owned(), port))
}

impl MssqlOptions {
    /// Reads a `mssql://` (or `sqlserver://`) URL or an ADO.NET connection string.
    pub fn parse(raw: &str) -> Result<Self, OptionsError> {
        let raw = raw.trim();
        let lower = raw.to_ascii_lowercase();
        if lower.starts_with("mssql://") || lower.starts_with("sqlserver://") {
            Self::from_url(raw)
        } else if lower.starts_with("mssql:") || lower.starts_with("sqlserver:") {
            refuse("an mssql: URL starts with `mssql://`: write mssql://user:password@host:port/database")
        } else {
            Self::from_ado(raw)
        }
    }

    fn from_url(raw: &str) -> Result<Self, OptionsError> {
        // The url crate's messages quote no input, so they are safe to show.
        let url = url::Url::parse(raw).or_else(|error| {
            refuse(format!(
                "it is not a valid mssql://user:password@host:port/database URL ({error})"
            ))
        })?;
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| {
                OptionsError::new(
                    "the URL names no host: mssql://user:password@host:port/database",
                )
            })?;
        // The url crate ends the URL's host at a `#`, and keeps the rest as
        // a fragment, which means nothing here: most likely the rest of a
        // password, which would otherwise be read as the database name.
        if url.fragment().is_some() {
            return refuse("the URL has a `#`, which ends it early: percent-encode `#` in the password as %23");
        }
        let mut settings = Settings {
            server: Some((host.to_owned(), url.port().unwrap_or(DEFAULT_PORT))),
            user: Some(decode(url.username(), "user name")?),
            password: url.password().map(|p| decode(p, "password")).transpose()?,
            ..Settings::default()
        };
        let path = url.path().trim_start_matches('/');
        // The url crate ends the login at the last `@` before the first
        // `/`: an `@` after it is most likely the rest of a password with an
        // unencoded `/`, which would be read (and shown) as the database.
        if path.contains('@') {
            return refuse(
                "the URL has an `@` after its host: percent-encode `@` and `/` in the password as %40 and %2F \
                 (and an `@` in the database name as %40)",
            );
        }
        if path.contains('/') {
            return refuse("the URL's path must be just the database name: mssql://user:password@host:port/database");
        }
        settings.database = Some(decode(path, "database name")?).filter(|name| !name.is_empty());
        for (name, value) in url.query_pairs() {
            settings.apply(&name, value.into_owned(), true)?;
        }
        settings.finish("URL")
    }

    fn from_ado(raw: &str) -> Result<Self, OptionsError> {
        let mut settings = Settings::default();
        for (name, value) in ado::pairs(raw)? {
            settings.apply(&name, value, false)?;
        }
        settings.finish("connection string")
    }

    /// A URL for these options with the password left out, for messages:
    /// `mssql://sa@localhost:1433/app`.
    #[cfg_attr(not(feature = "mssql"), allow(dead_code))] // Read by the backend only.
    pub fn display_url(&self) -> String {
        let database = self.database.as_deref().map(encode).unwrap_or_default();
        if self.access_token {
            return format!("mssql://{}/{database} (Entra ID access token)", self.address());
        }
        format!(
            "mssql://{}@{}/{database}",
            encode(&self.user),
            self.address()
        )
    }

    /// `host:port`.
    #[cfg_attr(not(feature = "mssql"), allow(dead_code))] // Read by the backend only.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The full `mssql://` URL of these options with another database,
    /// password included: for `db reset` (which connects to `master`) and
    /// the test fixture, which hand it to a driver.
    #[cfg_attr(not(feature = "mssql"), allow(dead_code))] // Read by the backend only.
    pub fn url_for_database(&self, database: &str) -> String {
        MssqlOptions {
            database: Some(database.to_owned()),
            ..self.clone()
        }
        .to_url()
    }

    /// These options as a `mssql://` URL, password included (it is what a
    /// `DatabaseUrl` holds for an ADO.NET string, so that its password is
    /// redacted like any URL's).
    pub fn to_url(&self) -> String {
        let database = self.database.as_deref().map(encode).unwrap_or_default();
        let mut url = match self.access_token {
            true => format!("mssql://{}/{database}", self.address()),
            false => format!(
                "mssql://{}:{}@{}/{database}",
                encode(&self.user),
                encode(&self.password),
                self.address(),
            ),
        };
        let mut query = vec![format!("encrypt={}", self.encrypt == Encrypt::Required)];
        if self.access_token {
            query.push("authentication=ActiveDirectoryAccessToken".to_owned());
        }
        if self.trust_server_certificate {
            query.push("trust_server_certificate=true".to_owned());
        }
        if let Some(ca) = &self.trust_server_certificate_ca {
            query.push(format!("trust_server_certificate_ca={}", encode(ca)));
        }
        if let Some(name) = &self.hostname_in_certificate {
            query.push(format!("hostname_in_certificate={}", encode(name)));
        }
        if self.application_name != APPLICATION_NAME {
            query.push(format!(
                "application_name={}",
                encode(&self.application_name)
            ));
        }
        if self.connect_timeout != DEFAULT_CONNECT_TIMEOUT {
            query.push(format!("connect_timeout={}", self.connect_timeout.as_secs()));
        }
        url.push('?');
        url.push_str(&query.join("&"));
        url
    }
}

/// Percent-decodes a URL part (the `url` crate keeps user names, passwords
/// and paths encoded).
fn decode(text: &str, what: &str) -> Result<String, OptionsError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = text
                .get(at + 1..at + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    at += 3;
                    continue;
                }
                None => {
                    return refuse(format!(
                        "the {what} in the URL has a `%` that is not followed by two hex digits"
                    ))
                }
            }
        }
        out.push(bytes[at]);
        at += 1;
    }
    String::from_utf8(out).or_else(|_| {
        refuse(format!(
            "the {what} in the URL is not UTF-8 once percent-decoded"
        ))
    })
}

/// Percent-encodes a URL part: everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "S3cret;pa=ss'word";

    #[test]
    fn parse_reads_every_part_of_a_url() {
        let options = MssqlOptions::parse(
            "mssql://app%20user:S3cret%3Bpa%3Dss'word@db.example:14330/my%20db?encrypt=false&Trust_Server_Certificate=TRUE&connect_timeout=5&application_name=ci",
        )
        .unwrap();
        assert_eq!(options.host, "db.example");
        assert_eq!(options.port, 14330);
        assert_eq!(options.database.as_deref(), Some("my db"));
        assert_eq!(options.user, "app user");
        assert_eq!(options.password, PASSWORD);
        assert_eq!(options.encrypt, Encrypt::LoginOnly);
        assert!(options.trust_server_certificate);
        assert_eq!(options.connect_timeout, Duration::from_secs(5));
        assert_eq!(options.application_name, "ci");
    }

    #[test]
    fn parse_encrypts_and_verifies_by_default() {
        for raw in [
            "mssql://sa:pw@localhost/app",
            "Server=localhost;Database=app;User Id=sa;Password=pw",
        ] {
            let options = MssqlOptions::parse(raw).unwrap();
            assert_eq!(options.encrypt, Encrypt::Required, "{raw}");
            assert!(!options.trust_server_certificate, "{raw}");
            assert_eq!(options.port, DEFAULT_PORT, "{raw}");
            assert_eq!(options.application_name, "retort");
            assert_eq!(options.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        }
    }

    #[test]
    fn parse_reads_an_ado_string_with_quoted_values() {
        let options = MssqlOptions::parse(
            "Server=tcp:db.example,1444; Initial Catalog = app ;User ID=sa;Password=\"S3cret;pa=ss'word\";\
             Encrypt=True;TrustServerCertificate=False;MultipleActiveResultSets=True;",
        )
        .unwrap();
        assert_eq!((options.host.as_str(), options.port), ("db.example", 1444));
        assert_eq!(options.database.as_deref(), Some("app"));
        assert_eq!(options.password, PASSWORD);
        assert_eq!(options.encrypt, Encrypt::Required);
        for password in ["'S3cret;pa=ss''word'", "{S3cret;pa=ss'word}"] {
            let options =
                MssqlOptions::parse(&format!("Data Source=.;UID=sa;PWD={password}")).unwrap();
            assert_eq!(options.password, PASSWORD, "{password}");
            assert_eq!(options.host, "localhost");
        }
    }

    #[test]
    fn parse_fails_without_quoting_the_password() {
        let cases = [
            ("Server=h;User Id=sa;Password='S3cretvalue", "no closing"),
            ("Server=h;User Id=sa;Password=S3cretvalue;Integrated Security=SSPI", "Windows"),
            ("Server=h;User Id=sa;Password=S3cretvalue;Authentication=Active Directory Password", "Authentication may be SqlPassword"),
            ("Server=h;Authentication=ActiveDirectoryAccessToken;AccessToken=S3cretvalue", "never read from the connection string"),
            ("mssql://h/app?authentication=ActiveDirectoryAccessToken&access_token=S3cretvalue", "RETORT_MSSQL_ACCESS_TOKEN"),
            ("Server=h;User Id=sa;Password=S3cretvalue;Authentication=ActiveDirectoryAccessToken", "drop the user and password"),
            ("Server=h\\SQLEXPRESS;User Id=sa;Password=S3cretvalue", "named instances"),
            ("Server=h;Password=S3cretvalue", "no user"),
            ("Server=h;User Id=sa;Password=S3cretvalue;Encrypt=maybe", "true or false"),
            ("Server=h;User Id=sa;Password=S3cretvalue;TrustServerCertficate=true", "unknown setting `TrustServerCertficate`"),
            ("mssql://sa:S3cretvalue@h/app?password=S3cretvalue", "cannot be a query parameter"),
            ("mssql://sa:S3cretvalue@h/app?trust_server_certificate=yes&trust_server_certificate_ca=/ca.pem", "one or the other"),
            ("mssql://sa:S3cret%zzvalue@h/app", "two hex digits"),
            ("Server=np:h;User Id=sa;Password=S3cretvalue", "only TCP"),
        ];
        for (raw, expected) in cases {
            let error = MssqlOptions::parse(raw).unwrap_err().to_string();
            assert!(error.contains(expected), "{raw}: {error}");
            assert!(!error.contains("S3cret"), "{raw}: {error}");
        }
    }

    #[test]
    fn access_token_login_is_chosen_by_authentication_and_kept_by_to_url() {
        for raw in [
            "Server=tcp:db.example,1433;Database=app;Authentication=Active Directory Access Token",
            "mssql://db.example:1433/app?authentication=ActiveDirectoryAccessToken",
        ] {
            let options = MssqlOptions::parse(raw).unwrap();
            assert!(options.access_token, "{raw}");
            assert_eq!(options.user, "", "{raw}");
            let url = options.to_url();
            assert_eq!(url, "mssql://db.example:1433/app?encrypt=true&authentication=ActiveDirectoryAccessToken");
            assert!(MssqlOptions::parse(&url).unwrap().access_token);
        }
        let password_login = MssqlOptions::parse("mssql://sa:pw@h/app?authentication=SqlPassword").unwrap();
        assert!(!password_login.access_token);
    }

    #[test]
    fn ca_certificate_names_the_ca_file_in_either_form() {
        for raw in ["mssql://sa:pw@h/app?ca_certificate=%2Fetc%2Fca.pem", "Server=h;User Id=sa;Password=pw;TrustServerCertificateCA=/etc/ca.pem"] {
            let options = MssqlOptions::parse(raw).unwrap();
            assert_eq!(options.trust_server_certificate_ca.as_deref(), Some("/etc/ca.pem"), "{raw}");
        }
    }

    #[test]
    fn is_ado_connection_string_is_true_when_a_pair_names_the_server() {
        for raw in ["Server=tcp:h,1433;Database=app", "data source = h;uid=sa", "Initial Catalog=app;Addr=h"] {
            assert!(is_ado_connection_string(raw), "{raw}");
        }
        for raw in ["host=h dbname=app", "Database=app;User Id=sa", "servers=h"] {
            assert!(!is_ado_connection_string(raw), "{raw}");
        }
    }

    #[test]
    fn debug_and_display_url_hide_the_password() {
        let options = MssqlOptions::parse("mssql://sa:S3cretvalue@localhost/app").unwrap();
        assert!(!format!("{options:?}").contains("S3cret"));
        assert_eq!(options.display_url(), "mssql://sa@localhost:1433/app");
    }

    #[test]
    fn to_url_round_trips_through_parse() {
        let options = MssqlOptions::parse(&format!(
            "Server=tcp:[::1],1500;Database=app;User Id=sa;Password={{{PASSWORD}}};TrustServerCertificate=yes;\
             Encrypt=no;Connect Timeout=3;App=ci"
        ))
        .unwrap();
        assert_eq!(MssqlOptions::parse(&options.to_url()).unwrap(), options);
        let options = MssqlOptions::parse(&format!(
            "Server=tcp:h,1500;User Id=sa;Password={{{PASSWORD}}};TrustServerCertificate=yes;Encrypt=no"
        ))
        .unwrap();
        let again = MssqlOptions::parse(&options.url_for_database("retort_t_1_2")).unwrap();
        assert_eq!(
            again,
            MssqlOptions {
                database: Some("retort_t_1_2".into()),
                ..options
            }
        );
    }
}
