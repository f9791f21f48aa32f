//! Which database family a test asks for.

use std::fmt;
use std::str::FromStr;

use crate::Dialect;

/// The database families a [`TestDatabase`](super::TestDatabase) can be made for.
///
/// Parses from the same lowercase names [`Dialect::name`] prints (`sqlite`,
/// `postgres`, `mssql`), case-insensitively, so one spelling works in
/// `RETORT_REQUIRE_BACKENDS`, snapshot suffixes and command lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendKind {
    /// SQLite: a file in a temporary folder.
    Sqlite,
    /// PostgreSQL: a server given by URL, a container, or a local cluster.
    Postgres,
    /// SQL Server (or Babelfish): a server given by URL, or a container.
    Mssql,
}

impl BackendKind {
    /// Every kind, in a fixed order (for tests that loop over backends).
    pub const ALL: [BackendKind; 3] = [BackendKind::Sqlite, BackendKind::Postgres, BackendKind::Mssql];

    /// The short lowercase name: `sqlite`, `postgres` or `mssql`.
    pub fn name(self) -> &'static str {
        self.dialect().name()
    }

    /// The product name people recognise in a message: `SQLite`, `PostgreSQL`, `SQL Server`.
    pub fn product(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "SQLite",
            BackendKind::Postgres => "PostgreSQL",
            BackendKind::Mssql => "SQL Server",
        }
    }

    /// The SQL dialect spoken by this kind of database.
    pub fn dialect(self) -> Dialect {
        match self {
            BackendKind::Sqlite => Dialect::Sqlite,
            BackendKind::Postgres => Dialect::Postgres,
            BackendKind::Mssql => Dialect::Mssql,
        }
    }
}

impl From<Dialect> for BackendKind {
    /// The backend that speaks `dialect`.
    fn from(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Sqlite => BackendKind::Sqlite,
            Dialect::Postgres => BackendKind::Postgres,
            Dialect::Mssql => BackendKind::Mssql,
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name that is not `sqlite`, `postgres` or `mssql`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{name}`: expected sqlite, postgres or mssql")]
#[non_exhaustive]
pub struct UnknownBackend {
    /// The name as it was given.
    pub name: String,
}

impl FromStr for BackendKind {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        BackendKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownBackend { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_str_accepts_each_name_in_any_case() {
        assert_eq!("sqlite".parse(), Ok(BackendKind::Sqlite));
        assert_eq!(" Postgres ".parse(), Ok(BackendKind::Postgres));
        assert_eq!("MSSQL".parse(), Ok(BackendKind::Mssql));
    }

    #[test]
    fn from_str_fails_when_name_is_unknown() {
        assert_eq!("postgresql".parse::<BackendKind>(), Err(UnknownBackend { name: "postgresql".to_owned() }));
    }

    #[test]
    fn display_round_trips_through_from_str() {
        for kind in BackendKind::ALL {
            assert_eq!(kind.to_string().parse(), Ok(kind));
        }
    }
}
