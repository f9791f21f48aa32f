//! SQL Server or Babelfish for PostgreSQL: which server answers, and what
//! retort does where Babelfish lacks part of T-SQL.
//!
//! Babelfish speaks SQL Server's protocol and T-SQL on top of PostgreSQL.
//! The backend asks once per connection, when it first matters (never on the
//! one-query path at head). What is right on SQL Server stays as it is; for
//! each gap retort either uses an equivalent that is right on both, or says
//! clearly that Babelfish cannot do it:
//!
//! | Babelfish lacks | retort |
//! |---|---|
//! | untyped NULL parameters (TDS type 0x1F, error 8009) | NULL is written as the keyword, never bound (both) |
//! | `ALTER TABLE … ALTER COLUMN c t NOT NULL` / `NULL` | the nullability is left out when it does not change (Babelfish keeps it); a change is refused with an explanation |
//! | dropping a default constraint by name (error 3728); its names are not kept | `ADD DEFAULT NULL FOR c` replaces it; a dropped column takes its default with it |
//! | `sp_rename` of an index or a constraint | refused with an explanation |
//! | `sp_rename` of a table without `@objtype`, or with brackets | `sp_rename N'schema.table', N'new', N'OBJECT'` |
//! | `ALTER DATABASE … SET SINGLE_USER` | the database's sessions are ended with `KILL` before `DROP DATABASE` |
//! | `WAITFOR DELAY` | retort never waits in SQL; its tests sleep through `pg_sleep` there |
//! | `sys.sequences` | sequences are read from `INFORMATION_SCHEMA.SEQUENCES` (both) |
//! | per-database application locks (they are server-wide) | the lock's resource names the database (both) |
//! | `SET NOEXEC ON` (accepted, ignored) | offline scripts also stop through `SET PARSEONLY ON` (see `offline`) |
//! | the error's own line in an error raised again by `THROW;` (it reports the line of `THROW`) | the `CATCH` block sends `ERROR_LINE()` as a row first (both; see `transaction::stop_at_first_error`) |
//! | a stable catalog while another database is dropped (its views read every database) | introspection reads again |
//! | keeping a table's triggers when one of its columns is dropped (they vanish) | not handled: a known limitation |
//! | `IN (N'…')` in a CHECK (`sys.check_constraints` then fails) | not handled: a known limitation |
//! | reading bulk-loaded `decimal`/`numeric` values at the length sent (it reads 17 bytes whatever the value's length) | `db clone` writes tables with such columns as INSERT statements there (see `bulk`) |
//! | exact bulk-loaded `time` values (01:02:03.456 arrives as 01:02:03.455999) | the same |
//! | checking foreign keys in a bulk load | `db clone` checks the bulk-loaded tables' foreign keys after the copy |
//! | moving the identity past bulk-loaded ids; `DBCC CHECKIDENT` with a qualified or quoted name | reseeded after each load, by plain name; a table whose name is not plain, or not in dbo, is written with statements |
//! | a fast `CONVERT(nvarchar, date, 23)` (200 µs a row) | `db clone` reads dates with `CAST`, ISO on both |
//! | `CONVERT(varbinary(max), text, 2)`'s style (it stores the hex digits' own bytes) | `db clone` writes bytes with `decode(…, 'hex')` there, and reads them as they are |
//! | online index builds (`WITH (ONLINE = ON …)`, `RESUMABLE`, `WAIT_AT_LOW_PRIORITY` are accepted and ignored through `escape_hatch_storage_options`; the build blocks writers as PostgreSQL's `CREATE INDEX` does) | `create_index(…).online()` renders the plain `CREATE INDEX` there, so that what runs says what happens (see `op/render/mssql.rs`) |
//! | `ALTER TABLE … WITH NOCHECK ADD` ("is not currently supported", `escape_hatch_nocheck_add_constraint`) | `.not_validated()` adds the constraint validated there: the rows are read at once, and rows that break it fail the add instead of the later validation |
//! | `ALTER TABLE … WITH CHECK CHECK CONSTRAINT` ("'ALTER TABLE [NO]CHECK' is not currently supported") | `validate_constraint` runs nothing there: every constraint Babelfish holds was validated when added |
//! | `CREATE OR ALTER` of any module (4.2: a syntax error for procedures, "'ALTER VIEW' is not currently supported" for the rest); `ALTER VIEW`, `ALTER FUNCTION`, `ALTER TRIGGER` | `replace_module` writes `ALTER PROCEDURE` for a procedure (its grants stay, as the catalog's `proacl` shows), and drops and creates a view, function or trigger (grants on it are lost there) |
//! | `DROP INDEX … WITH (ONLINE = ON)` (syntax error) | never rendered: SQL Server allows it for clustered indexes only, and `create_index` makes nonclustered ones (both) |

use crate::{Dialect, Flavour};

/// One row, one column: 1 on Babelfish. `SERVERPROPERTY` of a property
/// SQL Server does not know is NULL there. As plain as it can be: Babelfish
/// spends about 50 ms on the first use of each function in a session, and
/// a `CASE` over a cast to `nvarchar` cost it 130–180 ms.
pub(crate) const DETECT_SQL: &str = "SELECT CAST(SERVERPROPERTY('Babelfish') AS int) AS babelfish";

/// The column of [`DETECT_SQL`]'s row.
pub(crate) const DETECT_COLUMN: &str = "babelfish";

/// Whether a Babelfish error says that a relation or a column vanished
/// while the catalog was read (another session dropped a database, or a
/// column of a table in one): the catalog query names no user column, so
/// `column "…" of relation "…" does not exist` is always someone else's.
pub(crate) fn is_concurrent_drop(error: &tiberius::error::Error) -> bool {
    is_concurrent_drop_message(&error.to_string())
}

fn is_concurrent_drop_message(text: &str) -> bool {
    text.contains("could not open relation with OID")
        || text.contains("cache lookup failed for relation")
        || (text.contains("column \"") && text.contains("\" of relation \"") && text.contains("does not exist"))
}

/// Drops database `name` if it exists, ending the sessions connected to it
/// first (a test that left a connection open, an application).
pub(crate) fn drop_database_sql(flavour: Flavour, name: &str) -> String {
    let quoted = Dialect::Mssql.quote_ident(name);
    let literal = Dialect::Mssql.quote_literal(name);
    match flavour {
        // SQL Server's counterpart of PostgreSQL's `WITH (FORCE)`.
        Flavour::Standard => format!(
            "IF DB_ID({literal}) IS NOT NULL\nBEGIN\n    ALTER DATABASE {quoted} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n    \
             DROP DATABASE {quoted};\nEND;"
        ),
        // Babelfish refuses ALTER DATABASE (even in a branch not taken).
        Flavour::Babelfish => format!(
            "IF DB_ID({literal}) IS NOT NULL\nBEGIN\n    DECLARE @session int;\n    \
             DECLARE sessions CURSOR LOCAL FAST_FORWARD FOR\n        \
             SELECT session_id FROM sys.dm_exec_sessions WHERE database_id = DB_ID({literal}) AND session_id <> @@SPID;\n    \
             OPEN sessions;\n    FETCH NEXT FROM sessions INTO @session;\n    WHILE @@FETCH_STATUS = 0\n    BEGIN\n        \
             DECLARE @kill nvarchar(30) = N'KILL ' + CAST(@session AS nvarchar(10));\n        \
             -- A session may end between the SELECT and its KILL.\n        \
             IF EXISTS (SELECT 1 FROM sys.dm_exec_sessions WHERE session_id = @session) EXEC(@kill);\n        FETCH NEXT FROM sessions INTO @session;\n    END;\n    \
             CLOSE sessions;\n    DEALLOCATE sessions;\n    DROP DATABASE {quoted};\nEND;"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_answers_in_the_column_the_backend_reads() {
        assert!(DETECT_SQL.ends_with(&format!(" AS {DETECT_COLUMN}")), "{DETECT_SQL}");
    }

    #[test]
    fn a_column_dropped_by_another_session_while_the_catalog_is_read_is_retried() {
        let seen = r#"column "hidden" of relation "settings" does not exist (error 33557097, state 1, severity 16)"#;
        assert!(is_concurrent_drop_message(seen));
        assert!(is_concurrent_drop_message("could not open relation with OID 123"));
        assert!(!is_concurrent_drop_message(r#"relation "settings" does not exist"#));
        assert!(!is_concurrent_drop_message("Invalid column name 'hidden'."));
    }

    #[test]
    fn drop_database_sql_forces_single_user_on_sql_server_and_kills_sessions_on_babelfish() {
        assert_eq!(
            drop_database_sql(Flavour::Standard, "retort_t_1_2"),
            "IF DB_ID(N'retort_t_1_2') IS NOT NULL\nBEGIN\n    ALTER DATABASE [retort_t_1_2] SET SINGLE_USER WITH ROLLBACK \
             IMMEDIATE;\n    DROP DATABASE [retort_t_1_2];\nEND;"
        );
        let babelfish = drop_database_sql(Flavour::Babelfish, "retort_t_1_2");
        assert!(!babelfish.contains("ALTER DATABASE"), "{babelfish}");
        assert!(babelfish.contains("EXEC(@kill);"), "{babelfish}");
        assert!(babelfish.ends_with("DROP DATABASE [retort_t_1_2];\nEND;"), "{babelfish}");
    }
}
