//! The operations every op test renders or runs: a base schema (the guide's
//! users and todos) and one scenario per operation on top of it.

#![allow(dead_code)] // Each test file uses its own subset.

use std::collections::BTreeSet;

use retort::op::*;
use retort::engine::Unit;
use retort::{
    Body, Checksum, Direction, Flavour, MigrateError, Migrations, Plan, Revision, RevisionGraph, Start,
    Target,
};

/// One operation under test, recorded by `upgrade` on top of [`base`].
pub struct Scenario {
    pub name: &'static str,
    pub upgrade: fn(&mut Operations),
    /// Whether its downgrade can be derived.
    pub reversible: bool,
}

/// The schema every scenario starts from.
pub fn base(op: &mut Operations) {
    op.create_table("users", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("email", Type::String(100)).not_null().unique();
        t.column("username", Type::String(50)).not_null();
        t.column("is_active", Type::Bool).not_null().default(true);
        t.column("role", Type::String(20))
            .not_null()
            .default("user");
        t.column("created_at", Type::DateTime)
            .default(DefaultValue::CurrentTimestamp);
    });
    op.create_table("todos", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("title", Type::String(200)).not_null();
        t.column("description", Type::Text);
        t.column("priority", Type::Int).not_null().default(1);
        t.column("complete", Type::Bool).not_null().default(false);
        t.column("owner_id", Type::Int)
            .not_null()
            .references("users", "id")
            .on_delete(ReferentialAction::Cascade);
        t.check("priority_range", "priority BETWEEN 1 AND 5");
    });
    op.create_index("ix_todos_owner_id", "todos", ["owner_id"]);
    op.create_view("user_emails", "SELECT id, email FROM users");
}

/// Rows the scenarios must keep, inserted after [`base`] (ids 1 and 2).
pub fn base_rows(op: &mut Operations) {
    op.bulk_insert("users", ["email", "username"])
        .row(("ada@example.com", "ada"))
        .row(("o'brien@example.com", "o'brien"));
    op.bulk_insert("todos", ["title", "priority", "owner_id"])
        .row(("write the guide", 2, 1))
        .row(("review it", 3, 2));
}

pub fn base_down(op: &mut Operations) {
    op.drop_view("user_emails");
    op.drop_table("todos");
    op.drop_table("users");
}

fn create_table(op: &mut Operations) {
    op.create_table("every_type", |t| {
        t.column("id", Type::BigInt).identity().primary_key();
        t.column("small", Type::SmallInt);
        t.column("quantity", Type::Int).not_null().default(-1);
        t.column("flag", Type::Bool).default(false);
        t.column("amount", Type::Decimal(10, 2))
            .default(Literal::decimal("0.00"));
        t.column("ratio", Type::Float);
        t.column("name", Type::String(50)).default("it's");
        t.column("body", Type::Text);
        t.column("digest", Type::Binary(32));
        t.column("blob", Type::Bytes);
        t.column("day", Type::Date);
        t.column("at", Type::Time);
        t.column("stamp", Type::DateTime)
            .default(DefaultValue::CurrentTimestamp);
        t.column("stamp_tz", Type::DateTimeOffset);
        t.column("uid", Type::Uuid);
        t.column("doc", Type::Json);
        t.column("owner_id", Type::Int);
        t.column(
            "native",
            Type::native([
                (Dialect::Mssql, "SMALLMONEY"),
                (Dialect::Postgres, "MONEY"),
                (Dialect::Sqlite, "NUMERIC"),
            ]),
        );
        t.unique(["name", "day"]);
        t.foreign_key(["owner_id"], "users", ["id"])
            .on_delete(ReferentialAction::SetNull)
            .on_update(ReferentialAction::NoAction);
        t.check("quantity_floor", "quantity > -10");
    });
    op.create_table("memberships", |t| {
        t.column("user_id", Type::Int)
            .not_null()
            .references("users", "id");
        t.column("team", Type::String(30)).not_null();
        t.primary_key(["user_id", "team"])
            .named("pk_memberships_user_team");
    });
}

fn drop_table_with(op: &mut Operations) {
    // The table's definition holds no index: the index is dropped (and
    // recreated by the downgrade) on its own.
    op.drop_index_with("ix_todos_owner_id", "todos", ["owner_id"]);
    op.drop_table_with("todos", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("title", Type::String(200)).not_null();
        t.column("description", Type::Text);
        t.column("priority", Type::Int).not_null().default(1);
        t.column("complete", Type::Bool).not_null().default(false);
        t.column("owner_id", Type::Int)
            .not_null()
            .references("users", "id")
            .on_delete(ReferentialAction::Cascade);
        t.check("priority_range", "priority BETWEEN 1 AND 5");
    });
}

fn rename_table(op: &mut Operations) {
    op.rename_table("todos", "tasks");
}

fn add_column(op: &mut Operations) {
    op.add_column("users", "phone_number", Type::String(20));
}

fn add_column_not_null_with_default(op: &mut Operations) {
    op.add_column("todos", "points", Type::Int)
        .not_null()
        .default(0);
}

fn add_column_unique_reference(op: &mut Operations) {
    op.add_column("todos", "reviewer_id", Type::Int)
        .unique()
        .references("users", "id");
}

fn drop_column_with(op: &mut Operations) {
    op.drop_column_with("users", "role", Type::String(20))
        .not_null()
        .default("user");
}

fn alter_column_type(op: &mut Operations) {
    op.alter_column("users", "username")
        .existing_type(Type::String(50))
        .existing_nullable(false)
        .set_type(Type::String(100));
}

fn alter_column_nullable(op: &mut Operations) {
    op.alter_column("todos", "title")
        .existing_type(Type::String(200))
        .existing_nullable(false)
        .set_nullable(true);
}

fn alter_column_default(op: &mut Operations) {
    op.alter_column("users", "role")
        .existing_type(Type::String(20))
        .existing_nullable(false)
        .existing_default("user")
        .set_default("member");
}

fn alter_column_type_keeping_default(op: &mut Operations) {
    op.alter_column("users", "role")
        .existing_type(Type::String(20))
        .existing_nullable(false)
        .existing_default("user")
        .set_type(Type::String(40));
}

fn rename_column(op: &mut Operations) {
    op.rename_column("todos", "complete", "done");
}

fn create_index(op: &mut Operations) {
    op.create_index("ix_todos_priority_title", "todos", ["priority", "title"])
        .descending(["priority"]);
    op.create_index("uq_users_username_active", "users", ["username"])
        .unique()
        .include(["email"])
        .filter(Sql::per_dialect([
            (Dialect::Mssql, "is_active = 1"),
            (Dialect::Postgres, "is_active"),
            (Dialect::Sqlite, "is_active = 1"),
        ]));
}

fn drop_index_with(op: &mut Operations) {
    op.drop_index_with("ix_todos_owner_id", "todos", ["owner_id"]);
}

fn create_foreign_key(op: &mut Operations) {
    op.add_column("users", "manager_id", Type::Int);
    op.create_foreign_key("users", ["manager_id"], "users", ["id"])
        .named("fk_users_manager");
}

fn create_unique_constraint(op: &mut Operations) {
    op.create_unique_constraint("users", ["username"]);
}

fn create_check_constraint(op: &mut Operations) {
    op.create_check_constraint("users", "role_known", "role IN ('user', 'admin', 'member')");
}

fn drop_constraint_with(op: &mut Operations) {
    op.drop_constraint_with(
        "todos",
        Constraint::check("priority_range", "priority BETWEEN 1 AND 5"),
    );
}

fn create_view(op: &mut Operations) {
    op.create_view(
        "open_todos",
        "SELECT t.id, t.title, u.username FROM todos t JOIN users u ON u.id = t.owner_id WHERE t.priority > 1",
    );
}

fn drop_view_with(op: &mut Operations) {
    op.drop_view_with("user_emails", "SELECT id, email FROM users");
}

fn bulk_insert(op: &mut Operations) {
    op.create_table("roles", |t| {
        t.column("id", Type::Int).primary_key();
        t.column("name", Type::String(30)).not_null().unique();
        t.column("weight", Type::Decimal(5, 2));
        t.column("enabled", Type::Bool).not_null();
        t.column("note", Type::Text);
        t.column("badge", Type::Bytes);
    });
    op.bulk_insert(
        "roles",
        ["id", "name", "weight", "enabled", "note", "badge"],
    )
    .row((
        1,
        "admin",
        Literal::decimal("10.50"),
        true,
        "all rights; DROP TABLE users; --",
        vec![0xde_u8, 0xad],
    ))
    .row((
        2,
        "o'reader",
        Literal::decimal("-1.25"),
        false,
        None::<&str>,
        Literal::Null,
    ))
    .row((3, "ünïcödé 名前", 0.5, true, "", vec![]));
}

fn execute(op: &mut Operations) {
    op.execute("UPDATE users SET username = username");
    op.execute_per_dialect([
        (
            Dialect::Sqlite,
            "UPDATE todos SET complete = 1 WHERE priority > 4",
        ),
        (
            Dialect::Postgres,
            "UPDATE todos SET complete = TRUE WHERE priority > 4",
        ),
        (
            Dialect::Mssql,
            "UPDATE todos SET complete = 1 WHERE priority > 4",
        ),
    ]);
}

fn irreversible_drops(op: &mut Operations) {
    op.drop_index("ix_todos_owner_id", "todos");
    op.drop_constraint("ck_todos_priority_range", "todos");
    op.drop_column("users", "role");
    op.drop_table("todos");
}

/// Several rebuilds of one table in one revision: each starts from the last.
fn rebuilds_in_a_row(op: &mut Operations) {
    op.add_column("users", "nickname", Type::String(30));
    op.rename_column("users", "nickname", "display_name");
    op.alter_column("users", "display_name")
        .existing_type(Type::String(30))
        .existing_nullable(true)
        .existing_no_default()
        .set_default("anonymous");
    op.create_index("ix_users_display_name", "users", ["display_name"]);
    op.create_check_constraint("users", "display_name_short", "length(display_name) < 30");
    op.alter_column("users", "username")
        .existing_type(Type::String(50))
        .existing_nullable(false)
        .set_type(Type::String(60));
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "create_table",
        upgrade: create_table,
        reversible: true,
    },
    Scenario {
        name: "drop_table_with",
        upgrade: drop_table_with,
        reversible: true,
    },
    Scenario {
        name: "rename_table",
        upgrade: rename_table,
        reversible: true,
    },
    Scenario {
        name: "add_column",
        upgrade: add_column,
        reversible: true,
    },
    Scenario {
        name: "add_column_not_null_with_default",
        upgrade: add_column_not_null_with_default,
        reversible: true,
    },
    Scenario {
        name: "add_column_unique_reference",
        upgrade: add_column_unique_reference,
        reversible: true,
    },
    Scenario {
        name: "drop_column_with",
        upgrade: drop_column_with,
        reversible: true,
    },
    Scenario {
        name: "alter_column_type",
        upgrade: alter_column_type,
        reversible: true,
    },
    Scenario {
        name: "alter_column_nullable",
        upgrade: alter_column_nullable,
        reversible: true,
    },
    Scenario {
        name: "alter_column_default",
        upgrade: alter_column_default,
        reversible: true,
    },
    Scenario {
        name: "alter_column_type_keeping_default",
        upgrade: alter_column_type_keeping_default,
        reversible: true,
    },
    Scenario {
        name: "rename_column",
        upgrade: rename_column,
        reversible: true,
    },
    Scenario {
        name: "create_index",
        upgrade: create_index,
        reversible: true,
    },
    Scenario {
        name: "drop_index_with",
        upgrade: drop_index_with,
        reversible: true,
    },
    Scenario {
        name: "create_foreign_key",
        upgrade: create_foreign_key,
        reversible: true,
    },
    Scenario {
        name: "create_unique_constraint",
        upgrade: create_unique_constraint,
        reversible: true,
    },
    Scenario {
        name: "create_check_constraint",
        upgrade: create_check_constraint,
        reversible: true,
    },
    Scenario {
        name: "drop_constraint_with",
        upgrade: drop_constraint_with,
        reversible: true,
    },
    Scenario {
        name: "create_view",
        upgrade: create_view,
        reversible: true,
    },
    Scenario {
        name: "drop_view_with",
        upgrade: drop_view_with,
        reversible: true,
    },
    Scenario {
        name: "bulk_insert",
        upgrade: bulk_insert,
        reversible: false,
    },
    Scenario {
        name: "execute",
        upgrade: execute,
        reversible: false,
    },
    Scenario {
        name: "irreversible_drops",
        upgrade: irreversible_drops,
        reversible: false,
    },
    Scenario {
        name: "rebuilds_in_a_row",
        upgrade: rebuilds_in_a_row,
        reversible: true,
    },
];

/// Indexes built online (on top of [`base`]); a revision that runs them
/// is non-transactional ([`online_revision`]).
pub fn online_indexes(op: &mut Operations) {
    op.create_index("ix_todos_title", "todos", ["title"]).online();
    op.create_index("ix_todos_owner_priority", "todos", ["owner_id", "priority"])
        .unique()
        .descending(["priority"])
        .include(["title"])
        .filter("priority > 1")
        .online();
    // SQL Server 2019 for RESUMABLE, 2022 for WAIT_AT_LOW_PRIORITY here.
    op.create_index("ix_todos_priority", "todos", ["priority"])
        .resumable()
        .wait_at_low_priority(5, AbortAfterWait::AbortSelf);
}

/// A foreign key and a check added without reading the rows already there,
/// on a column of its own (on top of [`base`] and [`base_rows`]).
pub fn unvalidated_constraints(op: &mut Operations) {
    op.add_column("todos", "reviewer_id", Type::Int);
    op.create_foreign_key("todos", ["reviewer_id"], "users", ["id"]).not_validated();
    op.create_check_constraint("todos", "reviewer_known", "reviewer_id <> 0").not_validated();
}

/// The second step after [`unvalidated_constraints`].
pub fn validate_constraints(op: &mut Operations) {
    op.validate_constraint("todos", "fk_todos_reviewer_id");
    op.validate_constraint("todos", "ck_todos_reviewer_known");
}

/// A revision that opts out of the transaction, as one that builds an
/// index online must.
pub fn online_revision(id: &'static str, upgrade: fn(&mut Operations)) -> Revision {
    Revision {
        transactional: false,
        ..revision(id, upgrade, None)
    }
}

/// A Rust revision around `upgrade` (downgrade derived unless given).
pub fn revision(
    id: &'static str,
    upgrade: fn(&mut Operations),
    downgrade: Option<fn(&mut Operations)>,
) -> Revision {
    Revision {
        id,
        parents: &[],
        depends_on: &[],
        branch_labels: &[],
        message: id,
        checksum: Checksum([0; 32]),
        transactional: true,
        irreversible: None,
        lock_timeout: None,
        source: "migrations/op_fixture.rs",
        body: Body::Rust { upgrade, downgrade },
    }
}

/// An in-memory SQLite database holding the base schema and rows: the
/// catalog SQLite rebuilds read when rendering without a test database.
pub fn sqlite_with_base() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("SQLite opens in memory");
    for revision in [
        revision("base0001", base, None),
        revision("base0002", base_rows, None),
    ] {
        run_on(&conn, &revision, Direction::Up).expect("the base applies");
    }
    conn
}

/// Renders a revision against `conn` and runs its units there.
pub fn run_on(
    conn: &rusqlite::Connection,
    revision: &Revision,
    direction: Direction,
) -> Result<Vec<Unit>, String> {
    let units = retort::engine::render_units_with_catalog(
        revision,
        direction,
        Dialect::Sqlite,
        Some(conn as &dyn CatalogSource),
    )
    .map_err(|error| error.to_string())?;
    for unit in &units {
        conn.execute_batch(&unit.sql)
            .map_err(|error| format!("running {}: {error}", unit.label))?;
    }
    Ok(units)
}

/// Renders a revision for `dialect`; on SQLite against the base schema.
pub fn render(
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
) -> Result<Vec<Unit>, MigrateError> {
    let conn = sqlite_with_base();
    let catalog: Option<&dyn CatalogSource> = (dialect == Dialect::Sqlite).then_some(&conn as _);
    retort::engine::render_units_with_catalog(revision, direction, dialect, catalog)
}

/// Renders a revision as the migrator renders a plan of that one step: for
/// `dialect` on `flavour` (SQL Server or Babelfish), against `catalog`, the
/// database it will run on (SQLite's rebuilds read it).
pub fn render_step(
    revision: &Revision,
    direction: Direction,
    dialect: Dialect,
    flavour: Flavour,
    catalog: Option<&dyn CatalogSource>,
) -> Result<Vec<Unit>, MigrateError> {
    // A plan holds the revisions of a static table: this one goes into a
    // table of its own (a few bytes leaked per call, in a test).
    let alone: &'static [Revision] = Box::leak(Box::new([Revision {
        parents: &[],
        depends_on: &[],
        ..copy(revision)
    }]));
    let graph = RevisionGraph::new(Box::leak(Box::new(Migrations::new(alone))));
    let plan = match direction {
        Direction::Up => Plan::upgrade(&graph, &BTreeSet::new(), &Target::Heads)?,
        Direction::Down => Plan::downgrade(
            &graph,
            &BTreeSet::from([revision.id.to_owned()]),
            &Target::Base,
        )?,
    };
    let rendered = retort::render_plan(&plan, dialect, flavour, Start::Database(catalog))?;
    Ok(rendered
        .steps
        .into_iter()
        .flat_map(|step| step.units)
        .collect())
}

/// `Revision` is static data and not `Clone`: its fields are.
fn copy(revision: &Revision) -> Revision {
    Revision {
        id: revision.id,
        parents: revision.parents,
        depends_on: revision.depends_on,
        branch_labels: revision.branch_labels,
        message: revision.message,
        checksum: revision.checksum,
        transactional: revision.transactional,
        irreversible: revision.irreversible,
        lock_timeout: revision.lock_timeout,
        source: revision.source,
        body: revision.body,
    }
}

// The todo schema's revisions: copies of the sample project's first five,
// kept in `tests/fixtures/todo/` so that these tests own their fixtures (a
// user who edits the sample, as `retort init` invites, changes nothing
// here). This test renders them for every dialect.
#[allow(dead_code)] // Only the ids and functions are used here.
#[path = "../fixtures/todo/43c3cd585949_add_comments_table.rs"]
mod sample_comments;
#[allow(dead_code)] // Only the ids and functions are used here.
#[path = "../fixtures/todo/ca2061f1a411_initial_users_and_todos.rs"]
mod sample_initial;
#[allow(dead_code)] // Only the ids and functions are used here.
#[path = "../fixtures/todo/e2c91c86cdd1_add_phone_number_to_users.rs"]
mod sample_phone;
#[allow(dead_code)] // Only the ids and functions are used here.
#[path = "../fixtures/todo/e9d9fee31ee0_replace_is_active_with_status.rs"]
mod sample_status;
#[allow(dead_code)] // Only the ids and functions are used here.
#[path = "../fixtures/todo/bfdc4dc1aa2c_change_username_to_longer_string.rs"]
mod sample_username;

/// The todo schema's revisions in order.
pub fn sample_revisions() -> Vec<Revision> {
    fn rust(
        id: &'static str,
        upgrade: fn(&mut Operations),
        downgrade: Option<fn(&mut Operations)>,
    ) -> Revision {
        Revision {
            source: "migrations/sample.rs",
            body: Body::Rust { upgrade, downgrade },
            checksum: Checksum([0; 32]),
            ..revision(id, upgrade, downgrade)
        }
    }
    vec![
        rust(sample_initial::REVISION, sample_initial::upgrade, None),
        rust(sample_phone::REVISION, sample_phone::upgrade, None),
        rust(sample_comments::REVISION, sample_comments::upgrade, None),
        rust(sample_username::REVISION, sample_username::upgrade, None),
        rust(
            sample_status::REVISION,
            sample_status::upgrade,
            Some(sample_status::downgrade),
        ),
    ]
}
