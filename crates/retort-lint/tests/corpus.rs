//! The rule corpus: each case is a revision that must be flagged with
//! exactly these rule ids, or a safe look-alike that must not be flagged.
//! An earlier revision (`BASE_*`) built the tables first, as a project's
//! history would, so "an existing table" and "a column an index uses" are
//! facts of the catalog. No server is needed: the rules are pure.

use retort_lint::{Config, Dialect, Edition, Finding, Linter, Severity, Source};

const BASE_MSSQL: &str = "
CREATE TABLE dbo.users (
    id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_users PRIMARY KEY,
    name nvarchar(50) NOT NULL,
    email varchar(100) NULL,
    code char(3) NULL,
    price decimal(10, 2) NULL,
    status nvarchar(20) NULL CONSTRAINT df_users_status DEFAULT 'active'
);
CREATE UNIQUE INDEX ux_users_email ON dbo.users (email);
CREATE TABLE dbo.todos (id int NOT NULL PRIMARY KEY, user_id int NULL, title nvarchar(200) NOT NULL);
GO
CREATE VIEW dbo.user_codes WITH SCHEMABINDING AS SELECT id, code FROM dbo.users;
GO
CREATE PROCEDURE dbo.active_users AS SELECT id FROM dbo.users;
";

const BASE_POSTGRES: &str = "
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE todos (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint, title text NOT NULL);
";

const BASE_SQLITE: &str = "
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
";

fn lint_with(dialect: Dialect, config: Config, base: &str, transactional: bool, sql: &str) -> Vec<Finding> {
    let mut linter = Linter::new(dialect, config);
    linter.replay("base", &[Source::script(base)]);
    linter.lint("rev", "migrations/rev.up.sql", transactional, &[Source::script(sql)])
}

/// The rule ids found, leaving out the parser-fallback notes (asserted on
/// their own below).
fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).filter(|r| *r != "retort-parser-fallback").collect()
}

fn mssql(sql: &str) -> Vec<Finding> {
    lint_with(Dialect::Mssql, Config::default(), BASE_MSSQL, true, sql)
}

fn mssql_with(config: Config, sql: &str) -> Vec<Finding> {
    lint_with(Dialect::Mssql, config, BASE_MSSQL, true, sql)
}

fn postgres(sql: &str) -> Vec<Finding> {
    lint_with(Dialect::Postgres, Config::default(), BASE_POSTGRES, true, sql)
}

fn sqlite(sql: &str) -> Vec<Finding> {
    lint_with(Dialect::Sqlite, Config::default(), BASE_SQLITE, true, sql)
}

macro_rules! corpus {
    ($($name:ident: $lint:expr => [$($rule:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                let findings = $lint;
                let expected: &[&str] = &[$($rule),*];
                assert_eq!(rules(&findings), expected, "{findings:#?}");
            }
        )*
    };
}

fn standard() -> Config {
    Config { sql_server_edition: Edition::Standard, ..Config::default() }
}

fn version(year: u16) -> Config {
    Config { sql_server_version: year, ..Config::default() }
}

corpus! {
    // SQL Server: adding columns.
    mssql_add_not_null_column_without_default_is_flagged:
        mssql("ALTER TABLE dbo.users ADD age int NOT NULL") => ["mssql-add-not-null-column-without-default"];
    mssql_add_not_null_column_with_constant_default_passes:
        mssql("ALTER TABLE dbo.users ADD age int NOT NULL CONSTRAINT df_users_age DEFAULT 0") => [];
    mssql_add_not_null_column_with_newid_default_is_flagged:
        mssql("ALTER TABLE dbo.users ADD token uniqueidentifier NOT NULL DEFAULT NEWID()") => ["mssql-add-column-size-of-data"];
    mssql_add_not_null_column_with_getdate_default_passes:
        mssql("ALTER TABLE dbo.users ADD created datetime2 NOT NULL DEFAULT SYSUTCDATETIME()") => [];
    mssql_add_not_null_column_with_default_on_standard_is_flagged:
        mssql_with(standard(), "ALTER TABLE dbo.users ADD age int NOT NULL DEFAULT 0") => ["mssql-add-column-size-of-data"];
    mssql_add_not_null_lob_column_with_default_is_flagged:
        mssql("ALTER TABLE dbo.users ADD bio nvarchar(max) NOT NULL DEFAULT N''") => ["mssql-add-column-size-of-data"];
    mssql_add_not_null_column_to_table_created_in_revision_passes:
        mssql("CREATE TABLE dbo.tags (id int NOT NULL);\nALTER TABLE dbo.tags ADD name nvarchar(50) NOT NULL") => [];
    mssql_add_nullable_column_passes:
        mssql("ALTER TABLE dbo.users ADD phone varchar(20) NULL") => [];

    // SQL Server: ALTER COLUMN.
    mssql_alter_column_widening_nvarchar_passes:
        mssql("ALTER TABLE dbo.users ALTER COLUMN name nvarchar(100) NOT NULL") => [];
    mssql_alter_column_shrinking_nvarchar_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN name nvarchar(20) NOT NULL") => ["mssql-alter-column-size-of-data"];
    mssql_alter_column_widening_to_max_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN name nvarchar(max) NOT NULL") => ["mssql-alter-column-size-of-data"];
    mssql_alter_column_changing_type_is_flagged:
        mssql("ALTER TABLE dbo.todos ALTER COLUMN user_id bigint NULL") => ["mssql-alter-column-size-of-data"];
    mssql_alter_column_changing_precision_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN price decimal(12, 2) NULL") => ["mssql-alter-column-size-of-data"];
    mssql_alter_column_to_not_null_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN email varchar(100) NOT NULL") => ["mssql-alter-column-size-of-data"];
    mssql_alter_column_to_null_passes:
        mssql("ALTER TABLE dbo.users ALTER COLUMN name nvarchar(50) NULL") => [];
    mssql_alter_column_in_schema_bound_view_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN code char(3) NULL") => ["mssql-alter-column-with-dependents"];
    mssql_alter_column_type_of_indexed_column_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN email nvarchar(100) NULL") => ["mssql-alter-column-size-of-data", "mssql-alter-column-with-dependents"];
    mssql_alter_column_widening_indexed_varchar_passes:
        mssql("ALTER TABLE dbo.users ALTER COLUMN email varchar(200) NULL") => [];
    mssql_alter_column_type_of_column_with_default_is_flagged:
        mssql("ALTER TABLE dbo.users ALTER COLUMN status varchar(20) NULL") => ["mssql-alter-column-size-of-data", "mssql-alter-column-with-dependents"];
    mssql_alter_column_length_of_column_with_default_passes:
        mssql("ALTER TABLE dbo.users ALTER COLUMN status nvarchar(40) NULL") => [];
    mssql_alter_column_of_unknown_table_is_flagged:
        mssql("ALTER TABLE dbo.legacy ALTER COLUMN x int NULL") => ["mssql-alter-column-unknown"];

    // SQL Server: indexes and keys.
    mssql_create_index_offline_is_flagged:
        mssql("CREATE INDEX ix_todos_user_id ON dbo.todos (user_id)") => ["mssql-create-index-offline"];
    mssql_create_index_online_passes:
        mssql("CREATE NONCLUSTERED INDEX ix_todos_user_id ON dbo.todos (user_id) WITH (ONLINE = ON, RESUMABLE = ON)") => [];
    mssql_create_index_on_table_created_in_revision_passes:
        mssql("CREATE TABLE dbo.tags (id int NOT NULL, name nvarchar(50) NULL);\nCREATE INDEX ix_tags_name ON dbo.tags (name)") => [];
    mssql_create_index_online_on_standard_is_flagged:
        mssql_with(standard(), "CREATE INDEX ix_todos_user_id ON dbo.todos (user_id) WITH (ONLINE = ON)") => ["mssql-online-unavailable"];
    mssql_create_index_resumable_on_2017_is_flagged:
        mssql_with(version(2017), "CREATE INDEX ix_todos_user_id ON dbo.todos (user_id) WITH (ONLINE = ON, RESUMABLE = ON)") => ["mssql-online-unavailable"];
    mssql_add_unique_offline_is_flagged:
        mssql("ALTER TABLE dbo.todos ADD CONSTRAINT uq_todos_title UNIQUE (title)") => ["mssql-add-key-offline"];
    mssql_add_unique_online_passes:
        mssql("ALTER TABLE dbo.todos ADD CONSTRAINT uq_todos_title UNIQUE (title) WITH (ONLINE = ON)") => [];

    // SQL Server: foreign keys and checks.
    mssql_add_foreign_key_with_check_is_flagged:
        mssql("ALTER TABLE dbo.todos ADD CONSTRAINT fk_todos_user FOREIGN KEY (user_id) REFERENCES dbo.users (id)") => ["mssql-add-constraint-with-check"];
    mssql_add_foreign_key_nocheck_is_flagged_as_untrusted:
        mssql("ALTER TABLE dbo.todos WITH NOCHECK ADD CONSTRAINT fk_todos_user FOREIGN KEY (user_id) REFERENCES dbo.users (id)") => ["mssql-add-constraint-nocheck"];
    mssql_validate_constraint_is_the_noted_safe_step:
        mssql("ALTER TABLE dbo.todos WITH CHECK CHECK CONSTRAINT fk_todos_user") => ["mssql-validate-constraint"];
    mssql_add_check_with_check_is_flagged:
        mssql("ALTER TABLE dbo.users WITH CHECK ADD CONSTRAINT ck_users_price CHECK (price >= 0)") => ["mssql-add-constraint-with-check"];
    mssql_add_foreign_key_to_table_created_in_revision_passes:
        mssql("CREATE TABLE dbo.tags (id int NOT NULL, user_id int NULL);\nALTER TABLE dbo.tags ADD CONSTRAINT fk_tags_user FOREIGN KEY (user_id) REFERENCES dbo.users (id)") => [];

    // SQL Server: renames, modules, batches.
    mssql_sp_rename_is_flagged:
        mssql("EXEC sp_rename 'dbo.users.name', 'full_name', 'COLUMN'") => ["mssql-sp-rename"];
    mssql_drop_and_create_procedure_is_flagged:
        mssql("DROP PROCEDURE dbo.active_users\nGO\nCREATE PROCEDURE dbo.active_users AS SELECT id, name FROM dbo.users") => ["mssql-drop-create-module"];
    mssql_create_or_alter_procedure_passes:
        mssql("CREATE OR ALTER PROCEDURE dbo.active_users AS SELECT id, name FROM dbo.users") => [];
    mssql_create_view_not_first_in_batch_is_flagged:
        mssql("ALTER TABLE dbo.users ADD phone varchar(20) NULL;\nCREATE VIEW dbo.phones AS SELECT id, phone FROM dbo.users") => ["mssql-create-module-not-first-in-batch"];
    mssql_create_view_after_go_passes:
        mssql("ALTER TABLE dbo.users ADD phone varchar(20) NULL;\nGO\nCREATE VIEW dbo.phones AS SELECT id, phone FROM dbo.users") => [];

    // SQL Server: drops and data.
    mssql_drop_table_is_flagged:
        mssql("DROP TABLE dbo.todos") => ["mssql-drop-table"];
    mssql_drop_table_created_in_revision_passes:
        mssql("CREATE TABLE dbo.scratch (id int NULL);\nDROP TABLE dbo.scratch") => [];
    mssql_drop_column_is_flagged:
        mssql("ALTER TABLE dbo.users DROP COLUMN price") => ["mssql-drop-column"];
    mssql_drop_schema_is_flagged:
        mssql("DROP SCHEMA archive") => ["mssql-drop-schema"];
    mssql_truncate_is_flagged:
        mssql("TRUNCATE TABLE dbo.todos") => ["mssql-truncate"];
    mssql_delete_without_where_is_flagged:
        mssql("DELETE FROM dbo.todos") => ["mssql-dml-without-where"];
    mssql_update_with_where_unbatched_is_flagged:
        mssql("UPDATE dbo.users SET status = 'active' WHERE status IS NULL") => ["mssql-unbatched-backfill"];
    mssql_batched_update_loop_passes:
        mssql("WHILE 1 = 1\nBEGIN\n  UPDATE TOP (4000) dbo.users SET status = 'active' WHERE status IS NULL;\n  IF @@ROWCOUNT = 0 BREAK;\nEND") => [];

    // SQL Server: statements that cannot run in a transaction.
    mssql_alter_database_in_transactional_revision_is_flagged:
        mssql("ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON") => ["mssql-not-in-transaction"];
    mssql_alter_database_in_non_transactional_revision_passes:
        lint_with(Dialect::Mssql, Config::default(), BASE_MSSQL, false, "ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON") => [];
    mssql_full_text_index_in_transactional_revision_is_flagged:
        mssql("CREATE FULLTEXT INDEX ON dbo.todos (title) KEY INDEX pk_todos") => ["mssql-not-in-transaction"];

    // Acknowledgements.
    mssql_acknowledged_finding_passes:
        mssql("-- retort:allow mssql-drop-table replaced by todo_items in the release before\nDROP TABLE dbo.todos") => [];
    mssql_acknowledgement_without_reason_is_flagged_and_ignored:
        mssql("DROP TABLE dbo.todos -- retort:allow mssql-drop-table") => ["mssql-drop-table", "retort-allow-without-reason"];
    mssql_acknowledgement_of_unknown_rule_is_flagged:
        mssql("-- retort:allow mssql-drop-everything because\nSELECT 1") => ["retort-allow-unknown-rule"];

    // PostgreSQL, through squawk.
    pg_add_required_column_is_flagged:
        postgres("ALTER TABLE users ADD COLUMN age integer NOT NULL;") => ["pg-adding-required-field"];
    pg_add_nullable_column_passes:
        postgres("ALTER TABLE users ADD COLUMN age integer;") => [];
    pg_create_index_is_flagged:
        postgres("CREATE INDEX ix_todos_user_id ON todos (user_id);") => ["pg-require-concurrent-index-creation"];
    pg_create_index_concurrently_outside_transaction_passes:
        lint_with(Dialect::Postgres, Config::default(), BASE_POSTGRES, false, "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_todos_user_id ON todos (user_id);") => [];
    pg_create_index_concurrently_in_transaction_is_flagged:
        postgres("CREATE INDEX CONCURRENTLY ix_todos_user_id ON todos (user_id);") => ["pg-ban-concurrent-index-creation-in-transaction"];
    pg_create_index_on_table_created_in_revision_passes:
        postgres("CREATE TABLE tags (id bigint, name text);\nCREATE INDEX ix_tags_name ON tags (name);") => [];
    pg_add_foreign_key_is_flagged:
        postgres("ALTER TABLE todos ADD CONSTRAINT fk_todos_user FOREIGN KEY (user_id) REFERENCES users (id);") => ["pg-adding-foreign-key-constraint", "pg-constraint-missing-not-valid"];
    pg_add_foreign_key_not_valid_passes:
        postgres("ALTER TABLE todos ADD CONSTRAINT fk_todos_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;") => [];
    pg_validate_constraint_alone_passes:
        postgres("ALTER TABLE todos VALIDATE CONSTRAINT fk_todos_user;") => [];
    pg_change_column_type_is_flagged:
        postgres("ALTER TABLE todos ALTER COLUMN title TYPE varchar(100);") => ["pg-changing-column-type"];
    pg_set_not_null_is_flagged:
        postgres("ALTER TABLE users ALTER COLUMN email SET NOT NULL;") => ["pg-adding-not-nullable-field"];
    pg_drop_table_is_flagged:
        postgres("DROP TABLE todos;") => ["pg-ban-drop-table"];
    pg_drop_column_is_flagged:
        postgres("ALTER TABLE users DROP COLUMN email;") => ["pg-ban-drop-column"];
    pg_rename_column_is_flagged:
        postgres("ALTER TABLE users RENAME COLUMN name TO full_name;") => ["pg-renaming-column"];
    pg_add_unique_constraint_is_flagged:
        postgres("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email);") => ["pg-constraint-missing-not-valid", "pg-disallowed-unique-constraint"];
    pg_add_unique_using_index_passes:
        postgres("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX ux_users_email;") => [];
    pg_style_rules_are_off_by_default:
        postgres("CREATE TABLE tags (id serial PRIMARY KEY, name varchar(20), at timestamp);") => [];
    pg_acknowledged_finding_passes:
        postgres("-- retort:allow pg-ban-drop-table replaced by todo_items in the release before\nDROP TABLE todos;") => [];

    // SQLite.
    sqlite_drop_table_is_flagged:
        sqlite("DROP TABLE users;") => ["sqlite-drop-table"];
    sqlite_rebuild_is_flagged:
        sqlite("CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);\nINSERT INTO users_new (id, name, email) SELECT id, name, email FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;") => ["sqlite-table-rebuild"];
    sqlite_drop_column_is_flagged:
        sqlite("ALTER TABLE users DROP COLUMN email;") => ["sqlite-drop-column"];
    sqlite_drop_table_created_in_revision_passes:
        sqlite("CREATE TABLE scratch (id INTEGER);\nDROP TABLE scratch;") => [];
}

#[test]
fn mssql_parser_fallback_is_said_in_a_note() {
    let findings = mssql("ALTER TABLE dbo.users ALTER COLUMN name nvarchar(100) NOT NULL");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, "retort-parser-fallback");
    assert_eq!(findings[0].severity, Severity::Note);
    assert!(findings[0].why.contains("MsSqlDialect"), "{}", findings[0].why);
}

#[test]
fn mssql_parsed_statement_has_no_fallback_note() {
    assert!(mssql("DROP TABLE dbo.todos").iter().all(|f| f.rule != "retort-parser-fallback"));
}

#[test]
fn finding_points_at_the_statement_line_of_the_file() {
    let findings = mssql("-- a comment\nALTER TABLE dbo.users ADD phone varchar(20) NULL\nGO\n\nDROP TABLE dbo.todos");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!((findings[0].line, findings[0].file.as_str()), (5, "migrations/rev.up.sql"));
    assert_eq!(findings[0].statement, "DROP TABLE dbo.todos");
}

#[test]
fn configured_severity_and_off_apply() {
    let mut config = Config::default();
    config.rules.insert("mssql-drop-table".into(), retort_lint::Level::Off);
    config.rules.insert("mssql-truncate".into(), retort_lint::Level::On(Severity::Error));
    let findings = mssql_with(config, "DROP TABLE dbo.todos;\nTRUNCATE TABLE dbo.users");
    assert_eq!(rules(&findings), ["mssql-truncate"]);
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn rust_operation_allowance_acknowledges_its_source_only() {
    let mut linter = Linter::new(Dialect::Mssql, Config::default());
    linter.replay("base", &[Source::script(BASE_MSSQL)]);
    let allowed = Source {
        sql: "DROP TABLE [todos]",
        first_line: 12,
        operation: Some("operation 1 (drop_table)".into()),
        allowances: vec![retort_lint::Allowance { rule: "mssql-drop-table".into(), reason: "moved".into(), line: 12 }],
    };
    let not_allowed = Source {
        sql: "ALTER TABLE [users] DROP COLUMN [price]",
        first_line: 13,
        operation: Some("operation 2 (drop_column)".into()),
        allowances: Vec::new(),
    };
    let findings = linter.lint("rev", "migrations/rev.rs", true, &[allowed, not_allowed]);
    assert_eq!(rules(&findings), ["mssql-drop-column"]);
    assert_eq!(findings[0].line, 13);
    assert_eq!(findings[0].operation.as_deref(), Some("operation 2 (drop_column)"));
}

#[test]
fn rules_table_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README.md");
    for rule in retort_lint::rules::MSSQL.iter().chain(retort_lint::rules::SQLITE).chain(retort_lint::rules::RETORT) {
        assert!(readme.contains(&format!("| `{}` |", rule.id)), "README.md's Lint table lacks {}", rule.id);
    }
}
