//! The SQL each operation renders to, per dialect: snapshots of every
//! operation (up and derived down), of the sample project's revisions on
//! SQL Server, a parse of every SQL Server statement with sqlparser, and the
//! errors for what a dialect or a derived downgrade cannot do.

mod op_fixtures;

use op_fixtures::{
    base, base_rows, online_indexes, online_revision, render, render_step, revision, sample_revisions, unvalidated_constraints,
    validate_constraints, SCENARIOS,
};
use retort::op::*;
use retort::{Direction, Flavour, MigrateError, Revision};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;

/// Snapshots live in this crate's `snapshots/op`, one file per dialect:
/// they are retort's own, not the sample project's.
fn settings(dialect: Dialect) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/op"));
    settings.set_snapshot_suffix(dialect.name());
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn format_units(units: &[retort::engine::Unit]) -> String {
    units
        .iter()
        .map(|unit| format!("-- {}\n{};\n", unit.label, unit.sql))
        .collect()
}

/// The units of one direction as a readable block, or the error.
fn block(revision: &Revision, direction: Direction, dialect: Dialect) -> String {
    match render(revision, direction, dialect) {
        Ok(units) => format_units(&units),
        Err(error) => format!("-- error: {error}\n"),
    }
}

/// Renders and, on SQLite, runs each revision in turn on one in-memory
/// database: a SQLite downgrade rebuilds the tables its upgrade left.
struct Session {
    dialect: Dialect,
    sqlite: Option<rusqlite::Connection>,
}

impl Session {
    fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            sqlite: (dialect == Dialect::Sqlite).then(op_fixtures::sqlite_with_base),
        }
    }

    fn block(&self, revision: &Revision, direction: Direction) -> String {
        match &self.sqlite {
            Some(conn) => match op_fixtures::run_on(conn, revision, direction) {
                Ok(units) => format_units(&units),
                Err(error) => format!("-- error: {error}\n"),
            },
            None => block(revision, direction, self.dialect),
        }
    }
}

/// Every scenario's upgrade and (derived) downgrade.
fn every_operation(dialect: Dialect) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "=== base: upgrade\n{}",
        block(&revision("base0001", base, None), Direction::Up, dialect)
    ));
    out.push_str(&format!(
        "=== base rows: upgrade\n{}",
        block(
            &revision("base0002", base_rows, None),
            Direction::Up,
            dialect
        )
    ));
    for scenario in SCENARIOS {
        let session = Session::new(dialect);
        let revision = revision("scenario", scenario.upgrade, None);
        out.push_str(&format!(
            "\n=== {}: upgrade\n{}",
            scenario.name,
            session.block(&revision, Direction::Up)
        ));
        out.push_str(&format!(
            "=== {}: derived downgrade\n{}",
            scenario.name,
            session.block(&revision, Direction::Down)
        ));
    }
    out
}

#[test]
fn every_operation_renders_for_every_dialect() {
    for dialect in Dialect::ALL {
        settings(dialect).bind(|| insta::assert_snapshot!("operations", every_operation(dialect)));
    }
}

/// The online forms (an index built online, constraints added unvalidated
/// and validated later), up and derived down, for `dialect` on `flavour`;
/// on SQLite run in turn on the base schema, whose rebuilds read it.
fn online_script(dialect: Dialect, flavour: Flavour) -> String {
    let conn = op_fixtures::sqlite_with_base();
    // As the SQLite backend runs a revision that rebuilds tables.
    conn.execute_batch("PRAGMA foreign_keys = OFF").expect("the pragma runs");
    let mut out = String::new();
    for revision in [
        online_revision("online01", online_indexes),
        revision("online02", unvalidated_constraints, None),
        revision("online03", validate_constraints, None),
    ] {
        for direction in [Direction::Up, Direction::Down] {
            let units = match dialect {
                Dialect::Sqlite => op_fixtures::run_on(&conn, &revision, direction),
                _ => render_step(&revision, direction, dialect, flavour, None).map_err(|error| error.to_string()),
            };
            let text = match units {
                Ok(units) if units.is_empty() => "-- (nothing to run)\n".to_owned(),
                Ok(units) => format_units(&units),
                Err(error) => format!("-- error: {error}\n"),
            };
            let direction = if direction == Direction::Up { "upgrade" } else { "derived downgrade" };
            out.push_str(&format!("=== {}: {direction}\n{text}", revision.id));
        }
    }
    out
}

#[test]
fn online_operations_render_for_every_dialect_and_flavour() {
    for dialect in Dialect::ALL {
        settings(dialect).bind(|| insta::assert_snapshot!("online", online_script(dialect, Flavour::Standard)));
    }
    let mut babelfish = settings(Dialect::Mssql);
    babelfish.set_snapshot_suffix("babelfish");
    babelfish.bind(|| insta::assert_snapshot!("online", online_script(Dialect::Mssql, Flavour::Babelfish)));
}

#[test]
fn online_index_fails_naming_the_revision_and_the_fix_when_the_revision_is_transactional() {
    for dialect in Dialect::ALL {
        let error = render(&revision("online99", online_indexes, None), Direction::Up, dialect).unwrap_err();
        let message = error.to_string();
        for part in [
            "revision online99",
            "operation 1 (create_index)",
            "index ix_todos_title is built online",
            "PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY there",
            "`pub const TRANSACTIONAL: bool = false;`",
        ] {
            assert!(message.contains(part), "{dialect}: no {part:?} in: {message}");
        }
    }
}

fn sample_script(dialect: Dialect) -> String {
    let mut out = String::new();
    for revision in sample_revisions() {
        out.push_str(&format!(
            "=== {}: upgrade\n{}",
            revision.id,
            block(&revision, Direction::Up, dialect)
        ));
        out.push_str(&format!(
            "=== {}: downgrade\n{}\n",
            revision.id,
            block(&revision, Direction::Down, dialect)
        ));
    }
    out
}

#[test]
fn sample_revisions_render_for_sql_server() {
    settings(Dialect::Mssql)
        .bind(|| insta::assert_snapshot!("sample", sample_script(Dialect::Mssql)));
}

/// Statement shapes that SQL Server runs and sqlparser 0.63 cannot parse,
/// each matched by the start of the statement and parts it contains, with
/// the reason. Every entry must still fail to parse (else it is stale and
/// the test says so), and every other statement must parse.
const SQLPARSER_CANNOT_PARSE: &[(&str, &[&str], &str)] = &[
    // `ALTER TABLE [users] ALTER COLUMN [username] NVARCHAR(100) NOT NULL`:
    // sqlparser knows only PostgreSQL's `ALTER COLUMN ... SET DATA TYPE` /
    // `SET NOT NULL` forms ("Expected: SET/DROP NOT NULL, SET DEFAULT, or
    // SET DATA TYPE after ALTER COLUMN, found: NVARCHAR").
    (
        "ALTER TABLE ",
        &[" ALTER COLUMN "],
        "T-SQL ALTER COLUMN <type> [NOT] NULL",
    ),
    // `ALTER TABLE [users] ADD CONSTRAINT [df_users_role] DEFAULT N'user' FOR [role]`:
    // sqlparser's table constraints are PRIMARY, UNIQUE, FOREIGN, CHECK and
    // EXCLUDE ("Expected: PRIMARY, UNIQUE, FOREIGN, CHECK, or EXCLUDE,
    // found: DEFAULT").
    (
        "ALTER TABLE ",
        &[" ADD CONSTRAINT ", " DEFAULT ", " FOR "],
        "T-SQL default constraint DEFAULT <value> FOR <column>",
    ),
];

fn mssql_statements() -> Vec<String> {
    let mut revisions: Vec<Revision> = vec![
        revision("base0001", base, None),
        revision("base0002", base_rows, None),
    ];
    revisions.extend(
        SCENARIOS
            .iter()
            .map(|s| revision("scenario", s.upgrade, None)),
    );
    revisions.extend(sample_revisions());
    let mut statements = Vec::new();
    for revision in &revisions {
        for direction in [Direction::Up, Direction::Down] {
            if let Ok(units) = render(revision, direction, Dialect::Mssql) {
                statements.extend(units.into_iter().map(|unit| unit.sql));
            }
        }
    }
    statements
}

#[test]
fn every_sql_server_statement_parses_with_sqlparser_except_known_shapes() {
    let mut unexpected = Vec::new();
    let mut used = vec![false; SQLPARSER_CANNOT_PARSE.len()];
    let statements = mssql_statements();
    assert!(
        statements.len() > 50,
        "only {} statements",
        statements.len()
    );
    for sql in &statements {
        let parsed = Parser::parse_sql(&MsSqlDialect {}, sql);
        let known = SQLPARSER_CANNOT_PARSE.iter().position(|(start, parts, _)| {
            sql.starts_with(start) && parts.iter().all(|part| sql.contains(part))
        });
        match (parsed, known) {
            (Ok(_), None) => {}
            (Ok(_), Some(at)) => unexpected.push(format!(
                "listed as unparseable ({}) but parses now; remove the entry:\n{sql}",
                SQLPARSER_CANNOT_PARSE[at].2
            )),
            (Err(error), None) => unexpected.push(format!("{error}:\n{sql}")),
            (Err(_), Some(at)) => used[at] = true,
        }
    }
    for (at, used) in used.iter().enumerate() {
        if !used {
            unexpected.push(format!(
                "no statement has the listed shape {:?}",
                SQLPARSER_CANNOT_PARSE[at]
            ));
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n\n"));
}

fn error_of(upgrade: fn(&mut Operations), direction: Direction, dialect: Dialect) -> MigrateError {
    render(&revision("3f2a9c1d", upgrade, None), direction, dialect)
        .expect_err("the operation must be refused")
}

#[test]
fn derived_downgrade_fails_naming_revision_and_operation_when_upgrade_runs_raw_sql() {
    let error = error_of(
        |op| {
            op.add_column("users", "status", Type::String(20));
            op.execute("UPDATE users SET status = 'active'");
        },
        Direction::Down,
        Dialect::Postgres,
    );
    assert!(
        matches!(&error, MigrateError::Op(OpError::Irreversible { id, number: 2, operation: "execute", .. }) if id == "3f2a9c1d"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("add a downgrade function"),
        "{error}"
    );
}

#[test]
fn derived_downgrade_asks_for_existing_values_when_alter_column_lacks_them() {
    let error = error_of(
        |op| {
            op.alter_column("users", "username")
                .set_type(Type::String(100));
        },
        Direction::Down,
        Dialect::Sqlite,
    );
    let message = error.to_string();
    assert!(
        message.contains("operation 1 (alter_column)") && message.contains("existing_type"),
        "{message}"
    );
}

#[test]
fn sqlite_rebuild_works_offline_when_the_same_revision_created_the_table() {
    let units = retort::engine::render_units(
        &revision(
            "3f2a9c1d",
            |op| {
                op.create_table("notes", |t| {
                    t.column("id", Type::Int).primary_key();
                    t.column("body", Type::Text);
                });
                op.alter_column("notes", "body")
                    .existing_type(Type::Text)
                    .set_nullable(false);
            },
            None,
        ),
        Direction::Up,
        Dialect::Sqlite,
    )
    .expect("the renderer knows the table it created");
    assert!(
        units
            .iter()
            .any(|u| u.sql.contains("\"body\" TEXT NOT NULL")),
        "{units:?}"
    );
}

#[test]
fn sqlite_rebuild_keeps_what_raw_ddl_earlier_in_the_revision_added() {
    let units = render(
        &revision(
            "3f2a9c1d",
            |op| {
                op.execute("ALTER TABLE users ADD COLUMN note TEXT");
                op.create_unique_constraint("users", ["username"]);
            },
            None,
        ),
        Direction::Up,
        Dialect::Sqlite,
    )
    .expect("the rebuild reads the table as the raw SQL left it");
    let create = units
        .iter()
        .find(|u| u.sql.starts_with("CREATE TABLE \"_retort_new_users\""))
        .expect("the rebuild creates the new shape");
    assert!(create.sql.contains("note TEXT"), "the raw SQL's column is kept: {}", create.sql);
}

#[test]
fn sqlite_rebuild_fails_naming_the_table_when_a_plan_does_not_create_it() {
    let error = error_of(
        |op| {
            op.drop_table("users");
            op.create_unique_constraint("users", ["username"]);
        },
        Direction::Up,
        Dialect::Sqlite,
    );
    assert!(
        matches!(&error, MigrateError::Op(OpError::SqliteRebuild { table, number: 2, .. }) if table == "users"),
        "{error:?}"
    );
    assert!(error.to_string().contains("no such table at this point of the plan"), "{error}");
}

#[test]
fn rendering_fails_naming_the_dialect_when_it_cannot_express_the_operation() {
    let error = error_of(
        |op| {
            op.create_foreign_key("todos", ["owner_id"], "users", ["id"])
                .on_delete(ReferentialAction::Restrict);
        },
        Direction::Up,
        Dialect::Mssql,
    );
    assert!(
        matches!(
            &error,
            MigrateError::Op(OpError::Unsupported {
                dialect: Dialect::Mssql,
                operation: "create_foreign_key",
                ..
            })
        ),
        "{error:?}"
    );
    let error = error_of(
        |op| {
            op.add_column("users", "geo", Type::native([(Dialect::Postgres, "POINT")]));
        },
        Direction::Up,
        Dialect::Sqlite,
    );
    assert!(
        error.to_string().contains("add one for Dialect::Sqlite"),
        "{error}"
    );
    let error = error_of(
        |op| {
            op.alter_column("users", "username")
                .set_type(Type::String(80));
        },
        Direction::Up,
        Dialect::Mssql,
    );
    assert!(
        error.to_string().contains("give existing_nullable"),
        "{error}"
    );
}

#[test]
fn execute_per_dialect_fails_naming_the_missing_dialect() {
    let error = error_of(
        |op| {
            op.execute_per_dialect([(Dialect::Postgres, "SELECT 1")]);
        },
        Direction::Up,
        Dialect::Mssql,
    );
    assert!(
        matches!(
            error,
            MigrateError::NoSqlForDialect {
                operation: 1,
                dialect: Dialect::Mssql,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn bulk_insert_fails_when_a_row_has_the_wrong_number_of_values() {
    let error = error_of(
        |op| {
            op.bulk_insert("users", ["email", "username"])
                .row(("only one",));
        },
        Direction::Up,
        Dialect::Postgres,
    );
    assert!(
        error
            .to_string()
            .contains("a row of 1 value(s) for 2 column(s)"),
        "{error}"
    );
}

#[test]
fn sqlite_plan_renders_offline_when_the_plan_creates_the_tables_it_rebuilds() {
    let revisions: &'static [Revision] = Box::leak(sample_revisions().into_boxed_slice());
    let replay: Vec<&'static Revision> = revisions[..3].iter().collect();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    let run = |units: &[retort::engine::Unit]| {
        for unit in units {
            conn.execute_batch(&unit.sql)
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", unit.label, unit.sql));
        }
    };
    for revision in &replay {
        run(&retort::engine::render_units(revision, Direction::Up, Dialect::Sqlite).unwrap());
    }
    // Revision 4 rebuilds `users`, which revision 1 created: replayed from
    // the start, the renderer knows the table without any database.
    let units = retort::engine::render_units_after(&replay, &revisions[3], Direction::Up, Dialect::Sqlite)
        .expect("the replayed revisions created the table the rebuild reads");
    run(&units);
    let username: String = conn
        .query_row(
            "SELECT type FROM pragma_table_info('users') WHERE name = 'username'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(username, "VARCHAR(100)");

    // Rendered alone, the rebuild has no table to start from.
    let error = retort::engine::render_units(&revisions[3], Direction::Up, Dialect::Sqlite).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the database has no such table at this point of the plan"),
        "{error}"
    );
}
