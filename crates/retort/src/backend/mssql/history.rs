//! The history tables on SQL Server: where they live, their DDL, how they are
//! read, and the SQL that fills the columns the backend knows.

use super::transaction::ELAPSED_MS;
use crate::history::{HistoryTable, WriteContext};
use crate::Dialect;

/// The schema of the history tables when none is configured.
pub(crate) const DEFAULT_SCHEMA: &str = "dbo";

/// The current time, in UTC.
pub(crate) const NOW: &str = "SYSUTCDATETIME()";

/// The login running the migration.
pub(crate) const USER: &str = "SUSER_SNAME()";

/// The history table with its schema made explicit: `dbo` unless configured,
/// rather than the login's default schema, so that every login finds the
/// same tables.
pub(crate) fn resolved(table: &HistoryTable) -> HistoryTable {
    HistoryTable {
        schema: Some(
            table
                .schema
                .clone()
                .unwrap_or_else(|| DEFAULT_SCHEMA.to_owned()),
        ),
        name: table.name.clone(),
    }
}

/// How history writes fill `applied_at`, `applied_by` and `execution_ms`;
/// `elapsed_ms` is [`ELAPSED_MS`] after a revision's batches, `"0"` for
/// writes that run nothing (stamping, resolving).
pub(crate) fn context<'a>(table: &'a HistoryTable, elapsed_ms: &'a str) -> WriteContext<'a> {
    WriteContext {
        table,
        dialect: Dialect::Mssql,
        now: NOW,
        user: USER,
        elapsed_ms,
    }
}

/// The context of offline scripts: the revision's clock runs there too.
pub(crate) fn offline_context(table: &HistoryTable) -> WriteContext<'_> {
    context(table, ELAPSED_MS)
}

/// `N'<qualified name>'` for `OBJECT_ID`.
fn object_literal(table: &HistoryTable, log: bool) -> String {
    let name = if log {
        table.log(Dialect::Mssql)
    } else {
        table.state(Dialect::Mssql)
    };
    Dialect::Mssql.quote_literal(&name)
}

/// The history tables' DDL: one batch, idempotent (each table is created only
/// when `OBJECT_ID` does not find it, the schema only when missing).
/// Constraints are named, so that introspection and diffs see stable names.
pub(crate) fn history_ddl(table: &HistoryTable) -> String {
    let table = resolved(table);
    let schema = table.schema.as_deref().unwrap_or(DEFAULT_SCHEMA);
    let quote = |name: &str| Dialect::Mssql.quote_ident(name);
    let mut ddl = String::new();
    if schema != DEFAULT_SCHEMA {
        // CREATE SCHEMA must be alone in its batch, hence EXEC.
        let create = format!("CREATE SCHEMA {}", quote(schema));
        ddl.push_str(&format!(
            "IF SCHEMA_ID({}) IS NULL EXEC({});\n",
            Dialect::Mssql.quote_literal(schema),
            Dialect::Mssql.quote_literal(&create)
        ));
    }
    let name = &table.name;
    ddl.push_str(&format!(
        "IF OBJECT_ID({state_literal}, N'U') IS NULL
CREATE TABLE {state} (
    revision_id nvarchar(128) NOT NULL CONSTRAINT {pk} PRIMARY KEY,
    checksum nvarchar(64) NOT NULL,
    message nvarchar(max) NOT NULL,
    status nvarchar(16) NOT NULL,
    applied_at datetime2(3) NOT NULL CONSTRAINT {applied_at_default} DEFAULT SYSUTCDATETIME(),
    execution_ms bigint NOT NULL,
    applied_by nvarchar(128) NOT NULL CONSTRAINT {applied_by_default} DEFAULT SUSER_SNAME()
);
IF OBJECT_ID({log_literal}, N'U') IS NULL
CREATE TABLE {log} (
    id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT {log_pk} PRIMARY KEY,
    revision_id nvarchar(128) NOT NULL,
    action nvarchar(16) NOT NULL,
    outcome nvarchar(16) NOT NULL,
    detail nvarchar(max) NULL,
    at datetime2(3) NOT NULL,
    execution_ms bigint NOT NULL,
    run_by nvarchar(128) NOT NULL
);
",
        state_literal = object_literal(&table, false),
        state = table.state(Dialect::Mssql),
        pk = quote(&format!("PK_{name}")),
        applied_at_default = quote(&format!("DF_{name}_applied_at")),
        applied_by_default = quote(&format!("DF_{name}_applied_by")),
        log_literal = object_literal(&table, true),
        log = table.log(Dialect::Mssql),
        log_pk = quote(&format!("PK_{name}_log")),
    ));
    ddl
}

/// Reads the state table in one request; no result set at all when the
/// table does not exist (a fresh database). `applied_at` comes back as
/// `2026-01-31T12:34:56.789Z`, like on the other backends (style 126 drops
/// a zero fraction, hence the milliseconds added separately).
pub(crate) fn read_sql(table: &HistoryTable) -> String {
    let table = resolved(table);
    format!(
        "IF OBJECT_ID({literal}, N'U') IS NOT NULL
SELECT h.revision_id, h.checksum, h.message, h.status,
    CONVERT(nvarchar(19), h.applied_at, 126) + N'.'
        + RIGHT(N'00' + CAST(DATEPART(millisecond, h.applied_at) AS nvarchar(3)), 3) + N'Z' AS applied_at_text,
    h.execution_ms, h.applied_by
FROM {state} AS h
ORDER BY h.applied_at, h.revision_id;",
        literal = object_literal(&table, false),
        state = table.state(Dialect::Mssql),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_ddl_defaults_to_dbo_without_creating_it() {
        let ddl = history_ddl(&HistoryTable::default());
        assert!(!ddl.contains("CREATE SCHEMA"), "{ddl}");
        assert!(ddl.starts_with("IF OBJECT_ID(N'[dbo].[retort_history]', N'U') IS NULL\nCREATE TABLE [dbo].[retort_history] ("));
        assert!(ddl.contains("IF OBJECT_ID(N'[dbo].[retort_history_log]', N'U') IS NULL\nCREATE TABLE [dbo].[retort_history_log] ("));
        assert!(ddl.contains("applied_at datetime2(3) NOT NULL CONSTRAINT [DF_retort_history_applied_at] DEFAULT SYSUTCDATETIME()"));
        assert!(ddl.contains("applied_by nvarchar(128) NOT NULL CONSTRAINT [DF_retort_history_applied_by] DEFAULT SUSER_SNAME()"));
    }

    #[test]
    fn history_ddl_creates_a_configured_schema_through_exec_and_quotes_names() {
        let table = HistoryTable {
            schema: Some("o'ps]".into()),
            name: "hist".into(),
        };
        let ddl = history_ddl(&table);
        assert!(
            ddl.starts_with("IF SCHEMA_ID(N'o''ps]') IS NULL EXEC(N'CREATE SCHEMA [o''ps]]]');\n"),
            "{ddl}"
        );
        assert!(
            ddl.contains(
                "IF OBJECT_ID(N'[o''ps]]].[hist]', N'U') IS NULL\nCREATE TABLE [o'ps]]].[hist] ("
            ),
            "{ddl}"
        );
        assert!(
            ddl.contains("CONSTRAINT [PK_hist_log] PRIMARY KEY"),
            "{ddl}"
        );
    }

    #[test]
    fn read_sql_returns_no_result_when_the_table_is_missing() {
        let sql = read_sql(&HistoryTable::default());
        assert!(
            sql.starts_with("IF OBJECT_ID(N'[dbo].[retort_history]', N'U') IS NOT NULL\nSELECT"),
            "{sql}"
        );
        assert!(
            sql.contains("FROM [dbo].[retort_history] AS h\nORDER BY h.applied_at, h.revision_id;"),
            "{sql}"
        );
    }
}
