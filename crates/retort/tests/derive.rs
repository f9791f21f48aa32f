//! `#[derive(retort::Table)]` declares the same table the builder does: one
//! model, two spellings.

use retort::declare::{Schema, Table, TableDefinition};
use retort::op::{DefaultValue, Dialect, ReferentialAction, Type};

#[allow(dead_code)]
#[derive(retort::Table)]
#[retort(
    table = "orders",
    renamed_from = "purchases",
    unique("customer_id", "number"),
    check(name = "positive_total", sql = "total >= 0"),
    index(name = "ix_orders_placed", columns("placed_at", "customer_id"), descending("placed_at"), include("total"), filter = "total > 0")
)]
struct Order {
    #[retort(identity, primary_key)]
    id: i64,
    #[retort(references = "customers.id", on_delete = "set_null", index)]
    customer_id: Option<i32>,
    number: i32,
    #[retort(ty = Type::Decimal(12, 2), default = 0)]
    total: rust_decimal_stand_in::Decimal,
    #[retort(length = 20, default = "new", renamed_from = "state")]
    status: String,
    placed_at: chrono_stand_in::NaiveDateTime,
    #[retort(default = DefaultValue::CurrentTimestamp)]
    created_at: chrono_stand_in::NaiveDateTime,
    note: Option<String>,
    #[retort(name = "type", length = 10, nullable)]
    kind: String,
    #[retort(ty = Type::native([(Dialect::Postgres, "CITEXT"), (Dialect::Sqlite, "TEXT"), (Dialect::Mssql, "NVARCHAR(100)")]))]
    tag: Option<String>,
    attachment: Option<Vec<u8>>,
    #[retort(skip)]
    cached: bool,
}

/// Types of the names the derive maps, without depending on chrono or rust_decimal.
mod chrono_stand_in {
    pub struct NaiveDateTime;
}
mod rust_decimal_stand_in {
    pub struct Decimal;
}

fn built() -> Table {
    Table::new("orders", |t| {
        t.column("id", Type::BigInt).not_null().identity().primary_key();
        t.column("customer_id", Type::Int).references("customers", "id").on_delete(ReferentialAction::SetNull);
        t.column("number", Type::Int).not_null();
        t.column("total", Type::Decimal(12, 2)).not_null().default(0);
        t.column("status", Type::String(20)).not_null().default("new");
        t.column("placed_at", Type::DateTime).not_null();
        t.column("created_at", Type::DateTime).not_null().default(DefaultValue::CurrentTimestamp);
        t.column("note", Type::Text);
        t.column("type", Type::String(10));
        t.column(
            "tag",
            Type::native([(Dialect::Postgres, "CITEXT"), (Dialect::Sqlite, "TEXT"), (Dialect::Mssql, "NVARCHAR(100)")]),
        );
        t.column("attachment", Type::Bytes);
        t.unique(["customer_id", "number"]);
        t.check("positive_total", "total >= 0");
    })
    .index("ix_orders_customer_id", ["customer_id"], |_| {})
    .column_renamed_from("status", "state")
    .index("ix_orders_placed", ["placed_at", "customer_id"], |index| {
        index.descending(["placed_at"]).include(["total"]).filter("total > 0");
    })
    .renamed_from("purchases")
}

#[test]
fn the_derive_declares_what_the_builder_declares() {
    assert_eq!(Order::table(), built());
}

#[test]
fn a_schema_takes_derived_tables() {
    let schema = Schema::new().table_of::<Order>();
    assert_eq!(schema.get("orders"), Some(&built()));
}
