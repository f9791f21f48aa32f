//! The generated source: it parses, retort-build accepts it as a revision,
//! and it reads like the code a person writes.

use super::*;
use crate::op::{Constraint, DefaultValue, Literal, ModuleKind, Operations, ReferentialAction, Sql, Type};
use crate::Dialect;

fn spec() -> RevisionSpec {
    RevisionSpec { id: "0a1b2c3d4e5f".into(), message: "baseline".into(), ..RevisionSpec::default() }
}

/// One of every operation, with the builder calls each can take.
fn every_operation() -> Vec<crate::Operation> {
    let mut op = Operations::default();
    op.execute_per_dialect([(Dialect::Mssql, "CREATE PROCEDURE p AS\nSELECT \"x\"")]);
    op.execute("SELECT 1");
    op.create_table("users", |t| {
        t.column("id", Type::Int).identity_from(100, 5).primary_key();
        t.column("email", Type::String(100)).not_null().unique();
        t.column("role", Type::native([(Dialect::Mssql, "varchar(20)")])).not_null().default("user").default_constraint("DF_users_role");
        t.column("big", Type::BigInt).default(5_000_000_000_i64);
        t.column("since", Type::DateTime).default(DefaultValue::CurrentTimestamp);
        t.column("total", Type::Decimal(10, 2)).computed_stored("qty * 2");
        t.column("boss_id", Type::Int).references("users", "id").on_delete(ReferentialAction::SetNull);
        t.unique(["email", "role"]).named("UQ_users");
        t.foreign_key(["boss_id"], "users", ["id"]).named("FK_boss").on_update(ReferentialAction::Cascade);
        t.check("CK_users_email", "len(email) > 0").exact_name();
        t.check("role", "role <> ''");
    });
    op.drop_table("old");
    op.drop_table_with("older", |t| {
        t.column("id", Type::Int);
    });
    op.rename_table("a", "b");
    op.add_column("users", "phone", Type::String(20)).default(DefaultValue::sql([(Dialect::Postgres, "''")]));
    op.drop_column("users", "fax");
    op.drop_column_with("users", "pager", Type::Text).not_null();
    op.alter_column("users", "email").existing_type(Type::String(100)).existing_nullable(false).existing_no_default().set_type(Type::String(200)).set_default("x");
    op.rename_column("users", "a", "b");
    op.create_index("ix_users_email", "users", ["email", "id"]).unique().descending(["id"]).include(["role"]).filter("email IS NOT NULL");
    op.drop_index("ix_old", "users");
    op.drop_index_with("ix_kept", "users", ["role"]);
    op.create_primary_key("b", ["id"]).named("PK_b");
    op.create_unique_constraint("b", ["x"]);
    op.create_foreign_key("b", ["u"], "users", ["id"]).on_delete(ReferentialAction::Cascade);
    op.create_check_constraint("b", "x", "x > 0");
    op.drop_constraint("ck_b_x", "b");
    op.drop_constraint_with("b", Constraint::foreign_key(["u"], "users", ["id"]));
    op.drop_constraint_with("b", Constraint::check("x", "x > 0"));
    op.create_view("v", "SELECT id\nFROM users");
    op.drop_view("w");
    op.drop_view_with("v2", "SELECT 1");
    op.create_module(ModuleKind::View, "Sales by Region", "CREATE VIEW [Sales by Region] AS SELECT 1 AS a");
    op.replace_module(ModuleKind::Procedure, "dbo.GetOrders", Sql::per_dialect([(Dialect::Mssql, "CREATE PROCEDURE dbo.GetOrders AS SELECT 1")]), Sql::per_dialect([(Dialect::Mssql, "CREATE PROCEDURE dbo.GetOrders AS SELECT 2")]));
    op.drop_module_with(ModuleKind::Trigger, "touch", "CREATE TRIGGER touch AFTER UPDATE ON t BEGIN SELECT 1; END");
    op.bulk_insert("roles", ["id", "name", "rate", "blob"])
        .row([Literal::from(1), Literal::from("admin"), Literal::decimal("1.50"), Literal::Bytes(vec![1, 255])])
        .row([Literal::from(2), Literal::Null, Literal::from(0.5), Literal::from(true)]);
    op.operations().to_vec()
}

#[test]
fn revision_source_parses_and_scans_as_a_revision_when_every_operation_is_recorded() {
    let operations = every_operation();
    let source = revision_source(&spec(), &["From a test.".to_owned()], &operations, Some(&operations)).unwrap();
    syn::parse_file(&source).unwrap_or_else(|e| panic!("{e}\n{source}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations/0a1b2c3d4e5f_baseline.rs"), &source).unwrap();
    let scanned = retort_build::scan(dir.path(), std::path::Path::new("migrations"));
    assert!(scanned.errors.is_empty(), "{source}\n{:?}", scanned.errors);
    assert_eq!(scanned.revisions.len(), 1);
}

#[test]
fn revision_source_writes_builder_calls_a_person_would_when_a_table_is_created() {
    let mut op = Operations::default();
    op.create_table("todos", |t| {
        t.column("id", Type::Int).identity().primary_key();
        t.column("title", Type::String(200)).not_null();
        t.column("owner_id", Type::Int).not_null();
        t.foreign_key(["owner_id"], "users", ["id"]).on_delete(ReferentialAction::Cascade);
    });
    op.create_index("ix_todos_owner_id", "todos", ["owner_id"]);
    let source = revision_source(&spec(), &[], op.operations(), None).unwrap();
    insta::assert_snapshot!(source, @r#"
    //! Baseline.
    use retort::op::*;

    pub const REVISION: &str = "0a1b2c3d4e5f";
    pub const PARENTS: &[&str] = &[];
    pub const MESSAGE: &str = "baseline";

    /// Records the operations that apply this revision.
    pub fn upgrade(op: &mut Operations) {
        op.create_table("todos", |t| {
            t.column("id", Type::Int).identity().primary_key();
            t.column("title", Type::String(200)).not_null();
            t.column("owner_id", Type::Int).not_null();
            t.foreign_key(["owner_id"], "users", ["id"])
                .on_delete(ReferentialAction::Cascade);
        });
        op.create_index("ix_todos_owner_id", "todos", ["owner_id"]);
    }
    "#);
}

#[test]
fn statements_fail_naming_the_operation_when_a_check_keeps_its_exact_name_outside_a_table() {
    let mut check = crate::op::Check { name: "CK_x".into(), condition: "x > 0".into(), exact_name: true, not_validated: false };
    check.exact_name();
    let operations = [crate::Operation::AddConstraint { table: "t".into(), constraint: Constraint::Check(check) }];
    let error = statements(&operations).unwrap_err();
    assert!(error.to_string().starts_with("operation 1 (create_check_constraint)"), "{error}");
}

#[test]
fn revision_source_writes_the_online_calls_when_operations_use_them() {
    let mut op = Operations::default();
    op.create_index("ix_todos_title", "todos", ["title"]).online().resumable().wait_at_low_priority(5, crate::op::AbortAfterWait::AbortSelf);
    op.create_foreign_key("todos", ["owner_id"], "users", ["id"]).not_validated();
    op.create_check_constraint("todos", "title_set", "title <> ''").not_validated();
    op.validate_constraint("todos", "fk_todos_owner_id");
    let source = revision_source(&spec(), &[], op.operations(), None).unwrap();
    for call in [
        ".online()",
        ".resumable()",
        ".wait_at_low_priority(5u32, AbortAfterWait::AbortSelf)",
        ".not_validated();",
        "op.validate_constraint(\"todos\", \"fk_todos_owner_id\");",
    ] {
        assert!(source.replace(['\n', ' '], "").contains(&call.replace(' ', "")), "no {call} in:\n{source}");
    }
    // A generated revision declares no TRANSACTIONAL, so the build script
    // asks for it where an index is built online.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations/0a1b2c3d4e5f_baseline.rs"), &source).unwrap();
    let scanned = retort_build::scan(dir.path(), std::path::Path::new("migrations"));
    assert!(matches!(scanned.errors.as_slice(), [retort_build::Error::OnlineInTransaction { .. }]), "{:?}", scanned.errors);
}

#[test]
fn revision_source_writes_module_calls_with_both_texts_when_a_module_is_replaced() {
    let mut op = Operations::default();
    op.replace_module(
        ModuleKind::Procedure,
        "get_orders",
        Sql::per_dialect([(Dialect::Mssql, "CREATE PROCEDURE get_orders AS SELECT 1")]),
        Sql::per_dialect([(Dialect::Mssql, "CREATE PROCEDURE get_orders AS SELECT 2")]),
    );
    let source = revision_source(&spec(), &[], op.operations(), None).unwrap();
    let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "op.replace_module( ModuleKind::Procedure, \"get_orders\", Sql::per_dialect([(Dialect::Mssql, \"CREATE PROCEDURE get_orders AS SELECT 1\")]), Sql::per_dialect([(Dialect::Mssql, \"CREATE PROCEDURE get_orders AS SELECT 2\")]), );"
        ),
        "{source}"
    );
}
