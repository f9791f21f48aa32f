//! `DATABASE_URL` parsing, and the one place that hides passwords.

use std::fmt;
use std::path::PathBuf;

use crate::backend::BackendError;
use crate::redact::redact;
use crate::Dialect;

/// A database URL whose `Display` and `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    dialect: Dialect,
}

impl DatabaseUrl {
    /// Parses `sqlite://path` (relative), `sqlite:///abs/path`, `sqlite::memory:`,
    /// `postgres://…` / `postgresql://…` and `mssql://…`.
    ///
    /// Refuses an SQLite URL without a path (`sqlite://`, `sqlite:`), which
    /// SQLite would open as a throwaway in-memory database: an upgrade would
    /// apply everything, keep nothing and succeed.
    pub fn parse(raw: &str) -> Result<Self, BackendError> {
        let raw = raw.trim();
        let scheme = raw
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        let dialect = match scheme.as_deref() {
            Some("sqlite") => Dialect::Sqlite,
            Some("postgres" | "postgresql") => Dialect::Postgres,
            Some("mssql" | "sqlserver") => Dialect::Mssql,
            _ if is_ado_connection_string(raw) => return Self::from_ado(raw),
            _ => {
                return Err(BackendError::Url {
                    url: redact(raw),
                    reason: "expected sqlite://, postgres://, mssql:// or an ADO.NET connection string \
                             (Server=tcp:host,1433;Database=…;User Id=…;Password=…)"
                        .to_owned(),
                })
            }
        };
        if dialect == Dialect::Sqlite && sqlite_location(raw).is_some_and(str::is_empty) {
            return Err(BackendError::Url {
                url: redact(raw),
                reason: "it names no file, so SQLite would open a throwaway in-memory database that \
                         keeps nothing; name a file: sqlite://path/to/file.db (relative) or \
                         sqlite:///abs/path/file.db, or write sqlite::memory: for an in-memory \
                         database on purpose"
                    .to_owned(),
            });
        }
        Ok(Self {
            raw: raw.to_owned(),
            dialect,
        })
    }

    /// An ADO.NET connection string, kept as the equivalent `mssql://` URL so
    /// that its host and database are read like any URL's (the local-only
    /// safety checks need both) and its password is redacted like any URL's.
    fn from_ado(raw: &str) -> Result<Self, BackendError> {
        #[cfg(feature = "mssql")]
        let raw = crate::backend::mssql_ado_to_url(raw)?;
        Ok(Self {
            raw: raw.to_owned(),
            dialect: Dialect::Mssql,
        })
    }

    /// The URL of an SQLite file.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self {
            raw: format!("sqlite://{}", path.display()),
            dialect: Dialect::Sqlite,
        }
    }

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

    /// The database name of a server URL (its path).
    pub fn database_name(&self) -> Option<String> {
        match self.dialect {
            Dialect::Sqlite => None,
            _ => {
                let url = url::Url::parse(&self.raw).ok()?;
                let name = url.path().trim_start_matches('/');
                (!name.is_empty()).then(|| name.to_owned())
            }
        }
    }

    /// The same server URL naming another database (for `CREATE DATABASE`
    /// from the maintenance database).
    pub fn with_database(&self, name: &str) -> Option<DatabaseUrl> {
        let mut url = url::Url::parse(&self.raw).ok()?;
        url.set_path(&format!("/{name}"));
        Some(DatabaseUrl { raw: url.to_string(), dialect: self.dialect })
    }

    /// The host (for the seeding and reset safety checks).
    pub fn host(&self) -> Option<String> {
        match self.dialect {
            Dialect::Sqlite => None,
            _ => url::Url::parse(&self.raw)
                .ok()?
                .host_str()
                .map(str::to_owned),
        }
    }
}

/// What follows `sqlite:` or `sqlite://`, without the query: the path,
/// `:memory:`, or nothing. `None` for other schemes.
fn sqlite_location(raw: &str) -> Option<&str> {
    let scheme = raw
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("sqlite:"))?;
    let rest = &raw[scheme.len()..];
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(rest.split('?').next().unwrap_or(rest))
}

/// Whether `raw` is an ADO.NET connection string, the form .NET projects and
/// Azure give for SQL Server (`Server=tcp:host,1433;Database=app;…`): a
/// `key=value;…` list with a server key. It has no scheme to dispatch on.
fn is_ado_connection_string(raw: &str) -> bool {
    raw.split(';').any(|pair| {
        pair.split_once('=').is_some_and(|(key, _)| {
            let key: String = key.chars().filter(|c| !c.is_whitespace()).collect();
            ["server", "datasource", "address", "addr", "networkaddress"]
                .iter()
                .any(|server| key.eq_ignore_ascii_case(server))
        })
    })
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
        let url = DatabaseUrl::parse("Server=tcp:db,1433;Database=app;User Id=sa;Password=\"s3;cret\"").unwrap();
        assert_eq!(url.dialect(), Dialect::Mssql);
        #[cfg(feature = "mssql")]
        {
            // Kept as a mssql:// URL: even a quoted password with a `;` is hidden.
            assert!(!url.to_string().contains("s3") && !url.to_string().contains("cret"), "{url}");
            assert_eq!(url.host().as_deref(), Some("db"));
            assert_eq!(url.database_name().as_deref(), Some("app"));
        }
        assert_eq!(DatabaseUrl::parse("data source = db;uid=sa").unwrap().dialect(), Dialect::Mssql);
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
}
