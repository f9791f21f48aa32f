//! Every rule: its id, dialect, default severity, what it catches and the
//! source of the claim (the documentation, or behaviour measured on a server).
//!
//! Ids are `<dialect>-<what>`: `mssql-…` are retort's own SQL Server rules,
//! `pg-…` are squawk's PostgreSQL rules under their squawk name
//! (`pg-adding-required-field` is squawk's `adding-required-field`),
//! `sqlite-…` SQLite's, and `retort-…` are about the lint itself (a
//! statement the parser could not read, an acknowledgement without a
//! reason). The README's Lint section lists them; `rules_table_is_in_the_readme`
//! keeps the two in step.

use squawk_linter::Rule as Squawk;

use crate::finding::{Dialect, Severity};

/// What one rule is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    /// `None` for the `retort-…` rules, which apply to every dialect.
    pub dialect: Option<Dialect>,
    /// The severity it reports with unless configured; `None`: off.
    pub severity: Option<Severity>,
    pub summary: &'static str,
    /// A documentation link, or the behaviour measured.
    pub source: &'static str,
}

/// One of retort's own rules, as static data.
pub struct Own {
    pub id: &'static str,
    pub dialect: Option<Dialect>,
    pub severity: Severity,
    pub summary: &'static str,
    pub source: &'static str,
}

const ALTER_TABLE: &str = "https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql";

/// retort's SQL Server rules.
pub const MSSQL: &[Own] = &[
    Own {
        id: "mssql-add-not-null-column-without-default",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ADD of a NOT NULL column without a DEFAULT to an existing table: fails as soon as the table has a row (error 4901)",
        source: ALTER_TABLE,
    },
    Own {
        id: "mssql-add-column-size-of-data",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ADD of a NOT NULL column whose default is not a runtime constant (NEWID(), a LOB type), or on an edition without online column adds: every row is written under a schema-modification lock",
        source: "https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql#adding-not-null-columns-as-an-online-operation",
    },
    Own {
        id: "mssql-alter-column-size-of-data",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ALTER COLUMN that changes the type or a fixed length, shrinks a length, widens to max, or makes a column NOT NULL: reads or rewrites every row under a schema-modification lock (widening varchar/nvarchar/varbinary short of max and NOT NULL to NULL are metadata-only and pass)",
        source: "https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql#alter-column",
    },
    Own {
        id: "mssql-alter-column-unknown",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "ALTER COLUMN of a column whose current type no earlier revision or database shows: retort cannot tell a metadata-only change from a rewrite",
        source: "https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql#alter-column",
    },
    Own {
        id: "mssql-alter-column-with-dependents",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ALTER COLUMN of a column an index, a key, a DEFAULT or a schema-bound view depends on, beyond the exceptions ALTER TABLE allows: fails (error 5074)",
        source: "https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql#alter-column",
    },
    Own {
        id: "mssql-create-index-offline",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "CREATE INDEX on an existing table without ONLINE = ON: blocks writes (and reads, for a clustered index) for the whole build",
        source: "https://learn.microsoft.com/sql/relational-databases/indexes/perform-index-operations-online",
    },
    Own {
        id: "mssql-add-key-offline",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ADD PRIMARY KEY or UNIQUE on an existing table without WITH (ONLINE = ON): builds its index offline",
        source: ALTER_TABLE,
    },
    Own {
        id: "mssql-online-unavailable",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ONLINE, RESUMABLE or WAIT_AT_LOW_PRIORITY where the target edition or version lacks it: fails on the server",
        source: "https://learn.microsoft.com/sql/sql-server/editions-and-components-of-sql-server-2022#rdbms-high-availability",
    },
    Own {
        id: "mssql-add-constraint-with-check",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "FOREIGN KEY or CHECK added WITH CHECK (the default) to an existing table: validated by a full scan inside the ALTER's schema-modification lock",
        source: ALTER_TABLE,
    },
    Own {
        id: "mssql-add-constraint-nocheck",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "FOREIGN KEY or CHECK added WITH NOCHECK and never validated: untrusted (is_not_trusted = 1), so the optimizer ignores it",
        source: "https://learn.microsoft.com/sql/relational-databases/tables/disable-foreign-key-constraints-with-insert-and-update-statements",
    },
    Own {
        id: "mssql-validate-constraint",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Note,
        summary: "WITH CHECK CHECK CONSTRAINT on an existing table: the safe second step, still a full scan; run it apart from other changes",
        source: ALTER_TABLE,
    },
    Own {
        id: "mssql-sp-rename",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "sp_rename: every query, view and application instance still using the old name breaks at once",
        source: "https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-rename-transact-sql",
    },
    Own {
        id: "mssql-drop-create-module",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "DROP then CREATE of a procedure, view, function or trigger: loses its permissions and is missing in between",
        source: "https://learn.microsoft.com/sql/t-sql/statements/create-procedure-transact-sql#or-alter",
    },
    Own {
        id: "mssql-create-module-not-first-in-batch",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "CREATE/ALTER PROCEDURE, VIEW, FUNCTION or TRIGGER not first in its GO batch: fails (error 111)",
        source: "https://learn.microsoft.com/sql/t-sql/statements/create-view-transact-sql#remarks",
    },
    Own {
        id: "mssql-drop-table",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "DROP TABLE of a table an earlier revision created: its rows are gone, and running code that reads it fails",
        source: "https://learn.microsoft.com/sql/t-sql/statements/drop-table-transact-sql",
    },
    Own {
        id: "mssql-drop-column",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "DROP COLUMN: its data is gone, and running code that names it fails",
        source: ALTER_TABLE,
    },
    Own {
        id: "mssql-drop-schema",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "DROP SCHEMA: whatever names it fails",
        source: "https://learn.microsoft.com/sql/t-sql/statements/drop-schema-transact-sql",
    },
    Own {
        id: "mssql-truncate",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "TRUNCATE TABLE of an existing table: every row is gone, under a schema-modification lock",
        source: "https://learn.microsoft.com/sql/t-sql/statements/truncate-table-transact-sql",
    },
    Own {
        id: "mssql-dml-without-where",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "UPDATE or DELETE without WHERE on an existing table: one statement over every row escalates to a table lock at 5,000 locks and grows the log",
        source: "https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide#lock-escalation",
    },
    Own {
        id: "mssql-unbatched-backfill",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Warning,
        summary: "UPDATE or DELETE on an existing table without TOP (n < 5000): a statement that takes 5,000 locks escalates to a table lock",
        source: "https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide#lock-escalation",
    },
    Own {
        id: "mssql-not-in-transaction",
        dialect: Some(Dialect::Mssql),
        severity: Severity::Error,
        summary: "ALTER DATABASE or a full-text statement in a transactional revision: fails (errors 226, 574)",
        source: "https://learn.microsoft.com/sql/t-sql/statements/alter-database-transact-sql-set-options#remarks",
    },
];

/// SQLite's rules.
pub const SQLITE: &[Own] = &[
    Own {
        id: "sqlite-table-rebuild",
        dialect: Some(Dialect::Sqlite),
        severity: Severity::Warning,
        summary: "a table an earlier revision created is rebuilt (new table, copy, drop, rename): every row is copied while the database is locked for writes",
        source: "https://www.sqlite.org/lang_altertable.html#otheralter",
    },
    Own {
        id: "sqlite-drop-table",
        dialect: Some(Dialect::Sqlite),
        severity: Severity::Warning,
        summary: "DROP TABLE of a table an earlier revision created: its rows are gone",
        source: "https://www.sqlite.org/lang_droptable.html",
    },
    Own {
        id: "sqlite-drop-column",
        dialect: Some(Dialect::Sqlite),
        severity: Severity::Warning,
        summary: "ALTER TABLE … DROP COLUMN: its data is gone, and SQLite rewrites the whole table",
        source: "https://www.sqlite.org/lang_altertable.html#altertabdropcol",
    },
];

/// The rules about the lint itself, for every dialect.
pub const RETORT: &[Own] = &[
    Own {
        id: "retort-parser-fallback",
        dialect: None,
        severity: Severity::Note,
        summary: "sqlparser could not parse the statement; the rules read it from its tokens",
        source: "measured: sqlparser 0.63's MsSqlDialect does not parse ALTER COLUMN <type>, WITH (ONLINE = ON), WITH CHECK ADD, procedure bodies, ALTER DATABASE",
    },
    Own {
        id: "retort-unreadable",
        dialect: None,
        severity: Severity::Warning,
        summary: "the tokenizer could not read the script (an unterminated string or comment): nothing in it was linted",
        source: "sqlparser's tokenizer",
    },
    Own {
        id: "retort-allow-without-reason",
        dialect: None,
        severity: Severity::Error,
        summary: "a `retort:allow` acknowledgement without a reason: it acknowledges nothing",
        source: "retort's own rule: an acknowledgement needs a reason",
    },
    Own {
        id: "retort-allow-unknown-rule",
        dialect: None,
        severity: Severity::Warning,
        summary: "a `retort:allow` acknowledgement of a rule that does not exist",
        source: "retort's own rule",
    },
];

/// squawk's rules that are about style, not about locks or lost data: off
/// unless the project turns them on.
const SQUAWK_OFF: &[Squawk] = &[
    Squawk::PreferBigintOverInt,
    Squawk::PreferBigintOverSmallint,
    Squawk::PreferIdentity,
    Squawk::PreferTextField,
    Squawk::PreferTimestampTz,
    Squawk::PreferRobustStmts,
    Squawk::BanCharField,
    Squawk::IdentifierTooLong,
    // retort will set lock and statement timeouts itself (issue 22, item
    // 6); until then a project turns these on in its configuration.
    Squawk::RequireLockTimeout,
    Squawk::RequireStatementTimeout,
    Squawk::RequireTimeoutSettings,
    Squawk::UnusedIgnore,
];

/// squawk's rules whose finding takes a lock for a time that grows with the
/// table, or fails: errors. The others (drops, renames) are warnings.
const SQUAWK_ERROR: &[Squawk] = &[
    Squawk::RequireConcurrentIndexCreation,
    Squawk::RequireConcurrentIndexDeletion,
    Squawk::ConstraintMissingNotValid,
    Squawk::AddingFieldWithDefault,
    Squawk::AddingForeignKeyConstraint,
    Squawk::ChangingColumnType,
    Squawk::AddingNotNullableField,
    Squawk::AddingSerialPrimaryKeyField,
    Squawk::DisallowedUniqueConstraint,
    Squawk::AddingRequiredField,
    Squawk::BanConcurrentIndexCreationInTransaction,
    Squawk::TransactionNesting,
    Squawk::BanUncommittedTransaction,
    Squawk::BanDropDatabase,
    Squawk::RequireConcurrentReindex,
    Squawk::RequireConcurrentPartitionDetach,
];

/// The severity retort gives a squawk rule by default (`None`: off). squawk's
/// own opt-in rules stay off.
pub(crate) fn squawk_severity(rule: Squawk) -> Option<Severity> {
    if SQUAWK_OFF.contains(&rule) || rule.is_opt_in() {
        None
    } else if SQUAWK_ERROR.contains(&rule) {
        Some(Severity::Error)
    } else {
        Some(Severity::Warning)
    }
}

fn own(rule: &Own) -> RuleInfo {
    RuleInfo {
        id: rule.id.to_owned(),
        dialect: rule.dialect,
        severity: Some(rule.severity),
        summary: rule.summary,
        source: rule.source,
    }
}

fn squawk(rule: Squawk) -> RuleInfo {
    RuleInfo {
        id: format!("pg-{rule}"),
        dialect: Some(Dialect::Postgres),
        severity: squawk_severity(rule),
        summary: "squawk's rule of that name",
        source: "https://squawkhq.com/docs/rules",
    }
}

/// The rule with this id.
pub fn find(id: &str) -> Option<RuleInfo> {
    if let Some(name) = id.strip_prefix("pg-") {
        return name.parse::<Squawk>().ok().map(squawk);
    }
    MSSQL.iter().chain(SQLITE).chain(RETORT).find(|rule| rule.id == id).map(own)
}

/// Every rule, retort's first, then squawk's in its order.
pub fn all() -> Vec<RuleInfo> {
    let mut rules: Vec<RuleInfo> = RETORT.iter().chain(MSSQL).chain(SQLITE).map(own).collect();
    rules.extend(enum_iterator::all::<Squawk>().map(squawk));
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_knows_own_and_squawk_rules() {
        assert_eq!(find("mssql-sp-rename").map(|r| r.severity), Some(Some(Severity::Warning)));
        assert_eq!(find("pg-adding-required-field").map(|r| r.severity), Some(Some(Severity::Error)));
        assert_eq!(find("pg-prefer-text-field").map(|r| r.severity), Some(None));
        assert_eq!(find("pg-no-such-rule"), None);
        assert_eq!(find("mssql-no-such-rule"), None);
    }

    #[test]
    fn ids_are_unique() {
        let rules = all();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
