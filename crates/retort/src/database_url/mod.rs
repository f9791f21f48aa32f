//! `DATABASE_URL` parsing, every form of it, and the one place that hides
//! passwords.
//!
//! A server URL is read once, when it is parsed, and the reading is what
//! the backend connects with: tokio-postgres's own `Config` for PostgreSQL
//! (its parser, so that the driver and retort agree), [`MssqlOptions`] for
//! SQL Server's URLs and ADO.NET strings ([`mssql`], [`ado`]). So the host
//! and database that the looks-local check and `db reset` see are the ones
//! the connection uses, however a password is written. Backends only turn a
//! reading into their driver's configuration; nothing here depends on them.

use std::fmt;
use std::path::PathBuf;

mod ado;
mod error;
#[cfg(feature = "cli")]
mod local;
mod mssql;
#[cfg(feature = "postgres")]
mod postgres_tls;

use crate::redact::{redact, redact_unreadable, shown_unreadable};
use crate::Dialect;

use self::error::OptionsError;

pub use self::error::UrlError;
#[cfg(feature = "cli")]
pub use self::local::not_local_reason;
pub(crate) use self::mssql::MssqlOptions;
#[cfg(feature = "mssql")]
pub(crate) use self::mssql::{Encrypt, ACCESS_TOKEN_ENV};
#[cfg(feature = "postgres")]
pub(crate) use self::postgres_tls::{PostgresTls, RootCerts, SslMode};

/// A database URL whose `Display` and `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    dialect: Dialect,
    server: Server,
}

/// What the driver reads from a server URL (empty for SQLite, and for a
/// backend that is not compiled in, which cannot connect anyway).
#[derive(Clone, PartialEq, Eq, Default)]
struct Server {
    /// Where the connection goes, in the order the driver tries them: for
    /// PostgreSQL a `hostaddr` where one is given (the driver connects to it
    /// rather than to the host name), a Unix socket's folder as a path.
    hosts: Vec<String>,
    /// The database the URL names, decoded.
    database: Option<String>,
    /// The driver's own reading, which `PostgresBackend` connects with.
    /// Boxed: it is large, and most URLs are not PostgreSQL's.
    #[cfg(feature = "postgres")]
    postgres: Option<Box<tokio_postgres::Config>>,
    /// PostgreSQL's TLS settings (`sslmode`, `sslrootcert`, `sslcert`,
    /// `sslkey`), as libpq reads them: see [`PostgresTls`].
    #[cfg(feature = "postgres")]
    postgres_tls: PostgresTls,
    /// The reading of a SQL Server URL or ADO.NET string, which
    /// `MssqlBackend` connects with. Boxed, as PostgreSQL's is.
    mssql: Option<Box<MssqlOptions>>,
}

impl DatabaseUrl {
    /// Parses `sqlite://path` (relative), `sqlite:///abs/path`, `sqlite::memory:`,
    /// `postgres://…` / `postgresql://…`, `mssql://…` and ADO.NET connection
    /// strings.
    ///
    /// Refuses an empty URL and an SQLite URL without a path (`sqlite://`,
    /// `sqlite:`), which SQLite would open as a throwaway in-memory database:
    /// an upgrade would apply everything, keep nothing and succeed.
    ///
    /// ```
    /// let url = retort::DatabaseUrl::parse("postgres://app:pa%2Fss@localhost:5432/app_dev")?;
    /// assert_eq!(url.host().as_deref(), Some("localhost"));
    /// assert_eq!(url.database_name().as_deref(), Some("app_dev"));
    /// assert!(retort::DatabaseUrl::parse("sqlite://").is_err());
    /// # Ok::<(), retort::UrlError>(())
    /// ```
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UrlError::Empty);
        }
        let scheme = raw
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        let dialect =
            match scheme.as_deref() {
                Some("sqlite") => Dialect::Sqlite,
                Some("postgres" | "postgresql") => Dialect::Postgres,
                Some("mssql" | "sqlserver") => Dialect::Mssql,
                _ if mssql::is_ado_connection_string(raw) => return Self::from_ado(raw),
                _ => return Err(UrlError::UnknownScheme { url: redact_unreadable(raw) }),
            };
        let refuse = |error: OptionsError| refused(raw, error);
        let server = match dialect {
            Dialect::Sqlite => {
                if let Some(reason) = sqlite_refusal(raw) {
                    return Err(refuse(OptionsError::new(reason)));
                }
                Server::default()
            }
            #[cfg(feature = "postgres")]
            Dialect::Postgres => Server::postgres(raw).map_err(refuse)?,
            Dialect::Mssql => {
                // The URL as typed is kept for messages; the backend
                // connects with the options read from it.
                let options = MssqlOptions::parse(raw).map_err(|mut error| {
                    // An unencoded `/`, `#` or `?` in the password ends the
                    // URL's host part early, and its message speaks of the port.
                    if error.reason.starts_with("it is not a valid mssql://") {
                        error.reason.push_str(
                            "; percent-encode `/`, `#`, `?` and `@` in the password as %2F, %23, %3F and %40",
                        );
                    }
                    refuse(error)
                })?;
                Server::mssql(options).map_err(|reason| refuse(OptionsError::new(reason)))?
            }
            #[allow(unreachable_patterns)] // Reached only when a backend feature is off.
            _ => Server::default(),
        };
        Ok(Self {
            raw: raw.to_owned(),
            dialect,
            server,
        })
    }

    /// An ADO.NET connection string, kept as the equivalent `mssql://` URL so
    /// that its password is redacted like any URL's; its host and database
    /// are read as a URL's are.
    fn from_ado(raw: &str) -> Result<Self, UrlError> {
        let options = MssqlOptions::parse(raw).map_err(|error| refused(raw, error))?;
        let url = options.to_url();
        let server = Server::mssql(options).map_err(|reason| UrlError::Invalid { url: redact(&url), reason })?;
        Ok(Self {
            raw: url,
            dialect: Dialect::Mssql,
            server,
        })
    }

    /// The URL of an SQLite file.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self {
            raw: format!("sqlite://{}", path.display()),
            dialect: Dialect::Sqlite,
            server: Server::default(),
        }
    }

    /// The dialect the URL's scheme (or ADO.NET form) names.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The full URL, password included: only for handing to a driver.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// For `sqlite:` URLs, the file path (`None` for an in-memory database).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = sqlite_location(&self.raw)?;
        if rest.is_empty() || rest == ":memory:" {
            return None;
        }
        Some(PathBuf::from(rest))
    }

    /// The database a server URL names, as its driver reads it (decoded).
    /// `None` for SQLite, and when the URL names none (the server then picks
    /// one: on PostgreSQL the user's, on SQL Server the login's default).
    pub fn database_name(&self) -> Option<String> {
        self.server.database.clone()
    }

    /// The host the connection goes to first (see [`DatabaseUrl::hosts`]);
    /// `None` for SQLite.
    pub fn host(&self) -> Option<String> {
        self.server.hosts.first().cloned()
    }

    /// Every host the driver may connect to, as it reads them: PostgreSQL
    /// takes several (`host1,host2`) and tries each, connects to a
    /// `hostaddr` rather than the host's name, and writes a Unix socket as
    /// the path of its folder. Empty for SQLite.
    pub fn hosts(&self) -> &[String] {
        &self.server.hosts
    }

    /// The URL of database `name` on the same server, with the same login
    /// and settings: where `stamp --verify` and the test fixture make
    /// their throwaway databases. Server URLs only (SQLite has no server),
    /// and PostgreSQL's in URL form (`postgres://…`, not `host=… dbname=…`).
    ///
    /// ```
    /// let url = retort::DatabaseUrl::parse("postgres://app:pa%2Fss@localhost:5432/app?sslmode=disable")?;
    /// assert_eq!(url.with_database("scratch")?.expose(), "postgres://app:pa%2Fss@localhost:5432/scratch?sslmode=disable");
    /// # Ok::<(), retort::UrlError>(())
    /// ```
    pub fn with_database(&self, name: &str) -> Result<DatabaseUrl, UrlError> {
        let refuse = |reason: &str| UrlError::invalid(self, reason);
        let raw = match self.dialect {
            Dialect::Sqlite => return Err(refuse("an SQLite database has no server to make another database on")),
            // The canonical URL of either form (a URL or an ADO.NET string).
            Dialect::Mssql => self.server.mssql.as_ref().map_or_else(|| self.raw.clone(), |options| options.to_url()),
            _ => self.raw.clone(),
        };
        let mut url = url::Url::parse(&raw)
            .map_err(|_| refuse("name the server as a URL (postgres://user:password@host:port/database) to use another database on it"))?;
        url.set_path(&format!("/{}", encode_path_segment(name)));
        DatabaseUrl::parse(url.as_str())
    }

    /// The driver's reading of a PostgreSQL URL, to connect with.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres_config(&self) -> Option<&tokio_postgres::Config> {
        self.server.postgres.as_deref()
    }

    /// The TLS settings of a PostgreSQL URL (`prefer` for any other).
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres_tls(&self) -> &PostgresTls {
        &self.server.postgres_tls
    }

    /// The reading of a SQL Server URL or ADO.NET string, to connect with.
    #[cfg(feature = "mssql")]
    pub(crate) fn mssql_options(&self) -> Option<&MssqlOptions> {
        self.server.mssql.as_deref()
    }
}

/// A database name as one URL path segment: everything but unreserved
/// characters percent-encoded, `/` and `?` included.
fn encode_path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// What follows `sqlite:` or `sqlite://`, without the query: the path,
/// `:memory:`, or nothing. `None` for other schemes.
fn sqlite_location(raw: &str) -> Option<&str> {
    let rest = sqlite_rest(raw)?;
    Some(rest.split('?').next().unwrap_or(rest))
}

/// What follows `sqlite:` or `sqlite://`, query included.
fn sqlite_rest(raw: &str) -> Option<&str> {
    let scheme = raw
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("sqlite:"))?;
    let rest = &raw[scheme.len()..];
    Some(rest.strip_prefix("//").unwrap_or(rest))
}

/// Why an `sqlite:` URL cannot be used, if it cannot: no file at all
/// (SQLite would open a throwaway in-memory database: an upgrade would apply
/// everything, keep nothing and succeed), or a login, host or port, which
/// an SQLite URL has none of (`sqlite://user:secret@/tmp/x.db` would
/// otherwise be the relative path `user:secret@/tmp/x.db`).
fn sqlite_refusal(raw: &str) -> Option<String> {
    const FORMS: &str = "sqlite://path/to/file.db (relative) or sqlite:///abs/path/file.db, or write \
                         sqlite::memory: for an in-memory database on purpose";
    let location = sqlite_location(raw)?;
    if location.is_empty() {
        return Some(format!(
            "it names no file, so SQLite would open a throwaway in-memory database that keeps nothing; \
             name a file: {FORMS}"
        ));
    }
    // `host:port`, though not a Windows drive (`C:`) or `:memory:`.
    let first = location.split('/').next().unwrap_or_default();
    let drive = first.len() == 2 && first.ends_with(':') && first.starts_with(|c: char| c.is_ascii_alphabetic());
    let host = first.contains(':') && !drive && location != ":memory:";
    // The query too: a password may hold an unencoded `?`.
    let rest = sqlite_rest(raw).unwrap_or_default();
    let login = rest.contains('@') && !location.starts_with(['/', '.']);
    let password = rest.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| matches!(pair.split('=').next().map(|key| key.trim().to_ascii_lowercase()).as_deref(), Some("password" | "pwd")))
    });
    if login || host || password {
        return Some(format!(
            "an SQLite database is a file, and its URL has no user, password, host or port; write {FORMS} \
             (and a relative path with `@` or `:` in its first part as sqlite://./path)"
        ));
    }
    None
}

/// The refusal of `raw`, with `raw` as a message may show a string that
/// could not be read ([`redact_unreadable`]). A quote of the string that
/// the redaction hides (a setting after a password whose `;` was not
/// quoted may be the rest of it) is left out.
fn refused(raw: &str, error: OptionsError) -> UrlError {
    let reason = match &error.quoted {
        Some(text) if !shown_unreadable(raw, text) => format!(
            "{} (not shown, as it may be part of the password: quote a password that holds `;` in an ADO.NET \
             string, Password=\"…\", and percent-encode one in a URL)",
            error.reason.replace(&format!("`{text}`"), "`…`")
        ),
        _ => error.reason,
    };
    UrlError::Invalid { url: redact_unreadable(raw), reason }
}

impl Server {
    /// Reads a PostgreSQL URL with tokio-postgres's own parser. The reason
    /// of a refusal quotes nothing from the URL but an unknown option's
    /// name, through [`OptionsError::quoting`]: where an unencoded `@`
    /// splits it, a "port" or "host" may be a piece of the password.
    #[cfg(feature = "postgres")]
    fn postgres(raw: &str) -> Result<Server, OptionsError> {
        use tokio_postgres::config::Host;

        const FORM: &str = "postgres://user:password@host:5432/dbname";
        // Without `//` the driver reads the rest as libpq's key=value list.
        let Some((_, rest)) = raw.split_once("://") else {
            return Err(OptionsError::new(format!("a PostgreSQL URL starts with `postgres://`: write {FORM}")));
        };
        // The driver ends the login at the first `@`. An `@` in the path
        // after it, or a path and a query before it, most likely means a
        // password with an unencoded `@` (in the login or a `?password=`),
        // whose rest would be read, and shown, as a host or database.
        let (login, after) = rest.split_once('@').unwrap_or(("", rest));
        let path = after.split('?').next().unwrap_or_default();
        let query_in_login = login.split_once('/').is_some_and(|(_, path)| path.contains('?'))
            || login.split_once('?').is_some_and(|(_, query)| query.contains('='));
        if query_in_login || path.split_once('/').is_some_and(|(_, path)| path.contains('@')) {
            return Err(OptionsError::new(
                "it has an `@` the driver would misread (it ends the user name and password at the first `@`): \
                 percent-encode `@`, `/` and `?` in the password as %40, %2F and %3F, in the login or in a \
                 ?password= parameter",
            ));
        }
        // The TLS settings libpq knows and the driver does not.
        let (driver_url, tls) = postgres_tls::split(raw)?;
        let config: tokio_postgres::Config = driver_url.parse().map_err(|error: tokio_postgres::Error| {
            let cause = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
            if let Some(option) = cause.strip_prefix("unknown option `").and_then(|rest| rest.strip_suffix('`')) {
                return OptionsError::quoting(option, |option| format!("it has an unknown option {option} ({FORM})"));
            }
            OptionsError::new(match cause.strip_prefix("invalid value for option ") {
                Some("`port`") => format!(
                    "its port is not a number from 0 to 65535: write {FORM}, with an `@` in the password \
                     percent-encoded as %40"
                ),
                Some(option) => format!("the value of {option} is not valid ({FORM})"),
                None if cause.is_empty() => format!("it is not a valid URL ({FORM})"),
                None => format!("it is not a valid URL: {cause} ({FORM})"),
            })
        })?;
        let names = config.get_hosts();
        let addresses = config.get_hostaddrs();
        let mut hosts = Vec::new();
        for i in 0..names.len().max(addresses.len()) {
            let host = match (addresses.get(i), names.get(i)) {
                (Some(address), _) => address.to_string(),
                (None, Some(Host::Tcp(name))) if name.contains('@') => return Err(OptionsError::new(
                    "its host contains `@`: percent-encode an `@` in the user name or password as %40 \
                     (the driver reads them up to the first `@`)",
                )),
                (None, Some(Host::Tcp(name))) => name.clone(),
                #[cfg(unix)]
                (None, Some(Host::Unix(folder))) => folder.display().to_string(),
                (None, None) => continue,
            };
            hosts.push(host);
        }
        Ok(Server {
            hosts,
            database: config.get_dbname().map(str::to_owned),
            postgres: Some(Box::new(config)),
            postgres_tls: tls,
            mssql: None,
        })
    }

    /// Keeps a SQL Server reading, with its host as the url crate reads
    /// the equivalent `mssql://` URL ([`MssqlOptions::to_url`]): the same
    /// reading for a URL and an ADO.NET string.
    fn mssql(options: MssqlOptions) -> Result<Server, String> {
        let unreadable = || {
            "its server cannot be written as a URL host; give the host name or IP address"
                .to_owned()
        };
        let url = url::Url::parse(&options.to_url()).map_err(|_| unreadable())?;
        // A host name, an IPv4 address or a bracketed IPv6 one: for a URL
        // that is not http's, the url crate takes almost anything as a host,
        // such as the rest of a password with an unencoded `@`.
        let host = url
            .host_str()
            .filter(|host| {
                host.starts_with('[') || (!host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
            })
            .ok_or_else(unreadable)?;
        Ok(Server {
            hosts: vec![host.to_owned()],
            database: options.database.clone(),
            #[cfg(feature = "postgres")]
            postgres: None,
            #[cfg(feature = "postgres")]
            postgres_tls: PostgresTls::default(),
            mssql: Some(Box::new(options)),
        })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.raw))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", redact(&self.raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::redact;

    #[test]
    fn with_database_keeps_login_and_settings_when_the_url_is_a_server_url() {
        let ado = DatabaseUrl::parse("Server=tcp:db,1433;Database=Shop;User Id=sa;Password=p@ss/#;TrustServerCertificate=true").unwrap();
        let scratch = ado.with_database("retort_scratch_1_2").unwrap();
        assert_eq!(scratch.database_name().as_deref(), Some("retort_scratch_1_2"));
        assert_eq!(scratch.host().as_deref(), Some("db"));
        assert!(scratch.expose().contains("trust_server_certificate=true"), "{}", scratch.expose());
        assert!(DatabaseUrl::parse("sqlite://a.db").unwrap().with_database("x").is_err());
        assert!(DatabaseUrl::parse("host=h dbname=d").is_err() || DatabaseUrl::parse("host=h dbname=d").unwrap().with_database("x").is_err());
    }

    #[test]
    fn display_redacts_password_when_url_has_one() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.example:5432/app").unwrap();
        assert_eq!(url.to_string(), "postgres://app:***@db.example:5432/app");
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn redact_hides_password_in_query_and_ado_strings() {
        assert!(!redact("postgres://h/db?user=a&password=s3cret").contains("s3cret"));
        assert_eq!(
            redact("Server=tcp:h,1433;User Id=sa;Password=s3cret;Encrypt=true"),
            "Server=tcp:h,1433;User Id=sa;Password=***;Encrypt=true"
        );
    }

    #[test]
    fn sqlite_path_reads_relative_absolute_and_memory_forms() {
        let path = |u: &str| DatabaseUrl::parse(u).unwrap().sqlite_path();
        assert_eq!(path("sqlite://dev.db"), Some(PathBuf::from("dev.db")));
        assert_eq!(path("sqlite:///tmp/x.db"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(path("sqlite::memory:"), None);
    }

    #[test]
    fn parse_reads_an_ado_connection_string_as_sql_server() {
        let url =
            DatabaseUrl::parse("Server=tcp:db,1433;Database=app;User Id=sa;Password=\"s3;cret\"")
                .unwrap();
        assert_eq!(url.dialect(), Dialect::Mssql);
        // Kept as a mssql:// URL: even a quoted password with a `;` is hidden.
        assert!(
            !url.to_string().contains("s3") && !url.to_string().contains("cret"),
            "{url}"
        );
        assert_eq!(url.host().as_deref(), Some("db"));
        assert_eq!(url.database_name().as_deref(), Some("app"));
        assert_eq!(
            DatabaseUrl::parse("data source = db;uid=sa")
                .unwrap()
                .dialect(),
            Dialect::Mssql
        );
        assert!(DatabaseUrl::parse("host=db dbname=app").is_err());
    }

    #[test]
    fn parse_fails_when_scheme_is_unknown() {
        let error = DatabaseUrl::parse("mysql://root:pw@h/db").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("expected sqlite://"), "{text}");
        assert!(!text.contains(":pw@"), "{text}");
    }

    #[test]
    fn parse_fails_naming_a_file_when_sqlite_url_has_no_path() {
        for raw in ["sqlite://", "sqlite:", "SQLITE://", "sqlite://?mode=rwc"] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(
                text.contains("in-memory") && text.contains("sqlite://path/to/file.db"),
                "{raw}: {text}"
            );
            assert!(text.contains("sqlite::memory:"), "{raw}: {text}");
        }
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:").unwrap().sqlite_path(),
            None
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://:memory:")
                .unwrap()
                .sqlite_path(),
            None
        );
    }

    #[test]
    fn parse_fails_saying_the_url_is_empty_when_it_is_blank() {
        for raw in ["", "  "] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(
                text.starts_with(
                    "the database URL is empty (was DATABASE_URL set to an empty value?)"
                ),
                "{text}"
            );
        }
    }

    /// (URL, hosts, database) as the driver reads them.
    const TRICKY_POSTGRES: &[(&str, &[&str], Option<&str>)] = &[
        (
            "postgres://app:pa/ss@localhost:5432/app_dev",
            &["localhost"],
            Some("app_dev"),
        ),
        (
            "postgres://app:pa#ss@localhost/app_dev",
            &["localhost"],
            Some("app_dev"),
        ),
        (
            "postgres://app:pa?ss@localhost/app_dev",
            &["localhost"],
            Some("app_dev"),
        ),
        (
            "postgres://app:p%40ss%2F%23@localhost/app%20dev",
            &["localhost"],
            Some("app dev"),
        ),
        ("postgresql://app:p:w@[::1]:5433/app", &["::1"], Some("app")),
        (
            "postgres://app@localhost,db.example.com/app",
            &["localhost", "db.example.com"],
            Some("app"),
        ),
        (
            "postgres://app@localhost/app?hostaddr=10.0.0.5",
            &["10.0.0.5"],
            Some("app"),
        ),
        (
            "postgres://app@/app?host=/var/run/postgresql",
            &["/var/run/postgresql"],
            Some("app"),
        ),
        ("postgres://app:pw@localhost", &["localhost"], None),
    ];

    #[test]
    fn host_and_database_are_the_drivers_reading_when_postgres_password_has_slash_hash_or_at() {
        for (raw, hosts, database) in TRICKY_POSTGRES {
            let url = DatabaseUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(url.hosts(), *hosts, "{raw}");
            assert_eq!(url.host().as_deref(), hosts.first().copied(), "{raw}");
            assert_eq!(url.database_name().as_deref(), *database, "{raw}");
        }
        // What connects is that same reading, password included.
        let url = DatabaseUrl::parse("postgres://app:pa/ss#1@localhost/app_dev").unwrap();
        let config = url.postgres_config().unwrap();
        assert_eq!(config.get_password(), Some(&b"pa/ss#1"[..]));
        assert_eq!(config.get_dbname(), Some("app_dev"));
        assert!(
            !url.to_string().contains("pa/ss") && !format!("{url:?}").contains("ss#1"),
            "{url}"
        );
    }

    #[test]
    fn host_and_database_are_the_options_parsers_reading_when_sql_server_url_is_tricky() {
        for (raw, host, database) in [
            (
                "mssql://sa:pa%2Fss%23@localhost:1433/Dev%20DB",
                "localhost",
                Some("Dev DB"),
            ),
            // Like the options parser (and the url crate), the last `@` ends the password.
            (
                "mssql://sa:p@ss@localhost/DevDB?trust_server_certificate=true",
                "localhost",
                Some("DevDB"),
            ),
            ("sqlserver://sa:pw@[::1]/DevDB", "[::1]", Some("DevDB")),
            ("mssql://sa:pw@db.example.com", "db.example.com", None),
            (
                "Server=tcp:localhost,1433;Database=Dev DB;User Id=sa;Password=p@ss/#;",
                "localhost",
                Some("Dev DB"),
            ),
        ] {
            let url = DatabaseUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(url.host().as_deref(), Some(host), "{raw}");
            assert_eq!(url.database_name().as_deref(), database, "{raw}");
        }
    }

    #[test]
    fn parse_fails_naming_the_port_without_the_password_when_port_is_not_a_number() {
        for raw in [
            "postgres://app:s3cret@localhost:abc/app",
            // An unencoded `@`: the driver's "port" is a piece of the password.
            "postgres://app:s3cr@t:99@localhost/app",
            "mssql://sa:s3cret@localhost:abc/app",
        ] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(text.contains("port"), "{raw}: {text}");
            assert!(
                !text.contains("s3cr") && !text.contains("t:99"),
                "{raw}: {text}"
            );
        }
    }

    #[test]
    fn parse_fails_without_the_password_when_it_has_an_unencoded_character_the_driver_refuses() {
        for (raw, secret) in [
            // The driver ends the password at the first `@`: the host would be `t@localhost`.
            ("postgres://app:s3cr@t@localhost/app", "t@localhost"),
            // The SQL Server parser, like the url crate, ends the authority at `#` and `/`.
            ("mssql://sa:s3#cret@localhost/app", "cret"),
            ("mssql://sa:s3/cret@localhost/app", "cret"),
        ] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(
                !text.contains("s3") && !text.contains(secret),
                "{raw}: {text}"
            );
        }
    }

    #[test]
    fn parse_fails_without_the_password_when_url_has_no_scheme() {
        for raw in ["app:S3cr3t@127.0.0.1:1433/master", "ftp://app:S3cr3t@h/x", "app:S3/cr#3t@h/db", "[::1"] {
            let error = DatabaseUrl::parse(raw).unwrap_err();
            assert!(error.to_string().contains("is not a database URL retort understands"), "{raw}: {error}");
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains("S3") && !text.contains("cr3t"), "{raw}: {text}");
            }
        }
        let text = DatabaseUrl::parse("app:S3cr3t@127.0.0.1:1433/master").unwrap_err().to_string();
        assert!(text.starts_with("app:***@127.0.0.1:1433/master is not"), "{text}");
    }

    #[test]
    fn parse_refuses_an_sqlite_url_with_a_login_host_or_port() {
        for raw in [
            "sqlite://user:S3cr3t@/tmp/x.db",
            "sqlite:user:S3cr3t@x.db",
            "sqlite://user@/tmp/x.db",
            "sqlite://localhost:5432/x.db",
            "sqlite://user:S3/cr3t@/tmp/x.db",
            "sqlite://user:S3?cr3t@/tmp/x.db",
            "sqlite:///tmp/x.db?password=S3cr3t",
        ] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(text.contains("no user, password, host or port") && text.contains("sqlite:///abs/path/file.db"), "{raw}: {text}");
            assert!(!text.contains("S3") && !text.contains("cr3t"), "{raw}: {text}");
        }
        // A file is still a file, however it is named.
        let path = |raw: &str| DatabaseUrl::parse(raw).unwrap().sqlite_path();
        assert_eq!(path("sqlite://./user@x.db"), Some(PathBuf::from("./user@x.db")));
        assert_eq!(path("sqlite:///tmp/a@b/x.db"), Some(PathBuf::from("/tmp/a@b/x.db")));
        assert_eq!(path("sqlite://C:/data/x.db"), Some(PathBuf::from("C:/data/x.db")));
        assert_eq!(path("sqlite://data/x.db?mode=rwc"), Some(PathBuf::from("data/x.db")));
    }

    #[test]
    fn parse_fails_without_quoting_a_setting_after_an_unquoted_password() {
        // The `;` ends the password early: what follows may be its rest.
        for raw in ["Server=h;User Id=sa;Password=S3;cr3t;Encrypt=true", "Server=h;User Id=sa;Password=S3;cr3t=1"] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(!text.contains("S3") && !text.contains("cr3t"), "{raw}: {text}");
            assert!(text.contains("`…`") && text.contains("quote a password that holds `;`"), "{raw}: {text}");
        }
        // After a quoted one, or before the password, a typo is named.
        for raw in ["Server=h;User Id=sa;Password='S3;cr3t';Encrypt=maybe;Bogus=1", "Server=h;Bogus=1;Password=S3cr3t"] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(text.contains("`Bogus`") || text.contains("`Encrypt`"), "{raw}: {text}");
            assert!(!text.contains("S3"), "{raw}: {text}");
        }
    }

    #[test]
    fn parse_refuses_a_setting_given_twice() {
        let text = DatabaseUrl::parse("Server=h;Database=app;User Id=sa;Password=S3;Database=cr3t").unwrap_err().to_string();
        assert!(text.contains("it sets the database twice"), "{text}");
        assert!(!text.contains("S3") && !text.contains("cr3t"), "{text}");
    }

    #[test]
    fn parse_refuses_an_at_sign_the_driver_would_misread() {
        for raw in [
            // The rest of the password would be the database name.
            "postgres://app:S3@h:1/cr3t@localhost/app",
            "mssql://sa:S3@h:1/cr3t@localhost",
            "mssql://sa:S3@h/app#cr3t@localhost",
            // A query's password with an `@`: the driver reads a login up to it.
            "postgres://localhost/app?sslmode=disable&password=S3@cr3t",
            "postgres://localhost?password=S3@h/cr3t",
        ] {
            let text = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(text.contains("%40") || text.contains("%23"), "{raw}: {text}");
            assert!(!text.contains("S3") && !text.contains("cr3t"), "{raw}: {text}");
        }
        for raw in TRICKY_POSTGRES.iter().map(|(raw, _, _)| *raw).chain(["postgres://u@h/db?application_name=me@corp"]) {
            DatabaseUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        }
    }
}
