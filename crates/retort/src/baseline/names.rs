//! Constraint names: which ones the server made up, which ones retort
//! gives, and comparing two schemas without either.
//!
//! A name the server made up (SQL Server's `PK__users__3213E83F6A2B4C1D`,
//! PostgreSQL's `users_pkey`) differs, or may, between two databases built
//! by the same script; so does no name at all (SQLite's unnamed
//! constraints). A baseline replaces them by retort's deterministic names
//! (`dialect/naming.rs`). To compare a live database with what the revisions
//! build, both sides forget every such name — made up, absent or retort's
//! own — and keep the ones a person chose.

use crate::op::naming::constraint_name;
use crate::schema::{Check, ForeignKey, Key, SchemaSnapshot, Table};
use crate::Dialect;

/// Which constraint of a table a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Default,
}

impl Kind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::PrimaryKey => "primary key",
            Kind::Unique => "unique constraint",
            Kind::ForeignKey => "foreign key",
            Kind::Check => "check",
            Kind::Default => "default",
        }
    }
}

/// retort's name for the constraint of `kind` on `columns` of `table`
/// (for a check, `columns` holds the short name it is given).
pub(crate) fn deterministic(kind: Kind, table: &str, columns: &[String]) -> String {
    let parts: Vec<&str> = std::iter::once(table).chain(columns.iter().map(String::as_str)).collect();
    match kind {
        Kind::PrimaryKey => constraint_name("pk", &[table]),
        Kind::Unique => constraint_name("uq", &parts),
        Kind::ForeignKey => constraint_name("fk", &parts),
        Kind::Check => constraint_name("ck", &parts),
        Kind::Default => constraint_name("df", &parts),
    }
}

/// Whether `name` is one the server makes up for a constraint it was not
/// told the name of. SQL Server: `PK__users__3213E83F6A2B4C1D`,
/// `DF__users__role__3B75D760` (the kind, two underscores, parts cut
/// short, and a hexadecimal tail). PostgreSQL (and Babelfish, which keeps
/// PostgreSQL's): `users_pkey`, `users_email_key`, `todos_owner_id_fkey`,
/// `orders_qty_check`, with a number appended when the name was taken.
pub(crate) fn made_up(name: &str, kind: Kind, table: &str, columns: &[String], dialect: Dialect) -> bool {
    match dialect {
        Dialect::Mssql => sql_server_style(name) || postgres_style(name, kind, table, columns),
        Dialect::Postgres => postgres_style(name, kind, table, columns),
        Dialect::Sqlite => false,
    }
}

fn sql_server_style(name: &str) -> bool {
    let Some((prefix, rest)) = name.split_once("__") else { return false };
    let tail = rest.rsplit("__").next().unwrap_or_default();
    ["PK", "UQ", "FK", "CK", "DF"].contains(&prefix)
        && rest.contains("__")
        && tail.len() >= 8
        && tail.bytes().all(|b| b.is_ascii_hexdigit())
}

fn postgres_style(name: &str, kind: Kind, table: &str, columns: &[String]) -> bool {
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let joined = |suffix: &str| {
        std::iter::once(table)
            .chain(columns.iter().map(String::as_str))
            .chain([suffix])
            .collect::<Vec<_>>()
            .join("_")
    };
    let lower = name.to_ascii_lowercase();
    match kind {
        Kind::PrimaryKey => lower == format!("{}_pkey", table.to_ascii_lowercase()),
        Kind::Unique => lower == joined("key").to_ascii_lowercase(),
        Kind::ForeignKey => lower == joined("fkey").to_ascii_lowercase(),
        // A check is named after its first column, which only its
        // expression tells: any `<table>_…_check` is PostgreSQL's.
        Kind::Check => lower.starts_with(&format!("{}_", table.to_ascii_lowercase())) && lower.ends_with("_check"),
        Kind::Default => false,
    }
}

/// The snapshot with every constraint name that carries no meaning
/// forgotten: made up by the server, or retort's deterministic one (for a
/// check, any `ck_<table>_…`: the baseline names an unnamed check after
/// its column). What two databases built by the same revisions, or a
/// legacy database and its baseline, compare equal on.
pub fn comparable(snapshot: &SchemaSnapshot, dialect: Dialect) -> SchemaSnapshot {
    let mut snapshot = snapshot.clone();
    for (name, table) in &mut snapshot.tables {
        forget_table_names(name, table, dialect);
    }
    snapshot
}

fn forget_table_names(table_name: &str, table: &mut Table, dialect: Dialect) {
    let meaningless = |name: &Option<String>, kind: Kind, columns: &[String]| {
        name.as_deref().is_none_or(|name| {
            made_up(name, kind, table_name, columns, dialect)
                || name.eq_ignore_ascii_case(&deterministic(kind, table_name, columns))
        })
    };
    if let Some(Key { name, columns }) = &mut table.primary_key {
        if meaningless(name, Kind::PrimaryKey, columns) {
            *name = None;
        }
    }
    for Key { name, columns } in &mut table.uniques {
        if meaningless(name, Kind::Unique, columns) {
            *name = None;
        }
    }
    for ForeignKey { name, columns, .. } in &mut table.foreign_keys {
        if meaningless(name, Kind::ForeignKey, columns) {
            *name = None;
        }
    }
    let prefix = format!("{}_", deterministic(Kind::Check, table_name, &[])).to_ascii_lowercase();
    for Check { name, .. } in &mut table.checks {
        let ours = name.as_deref().is_some_and(|n| n.to_ascii_lowercase().starts_with(&prefix));
        if ours || meaningless(name, Kind::Check, &[]) {
            *name = None;
        }
    }
    for column in &mut table.columns {
        let columns = [column.name.clone()];
        if meaningless(&column.default_name, Kind::Default, &columns) {
            column.default_name = None;
        }
    }
    table.sort_parts();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_recognises_each_servers_names_and_not_a_persons() {
        let columns = ["email".to_owned()];
        assert!(made_up("PK__users__3213E83F6A2B4C1D", Kind::PrimaryKey, "users", &[], Dialect::Mssql));
        assert!(made_up("DF__users__role__3B75D760", Kind::Default, "users", &columns, Dialect::Mssql));
        assert!(made_up("users_email_key", Kind::Unique, "users", &columns, Dialect::Postgres));
        assert!(made_up("users_email_key1", Kind::Unique, "users", &columns, Dialect::Postgres));
        assert!(made_up("orders_qty_check", Kind::Check, "orders", &[], Dialect::Postgres));
        assert!(!made_up("PK_users", Kind::PrimaryKey, "users", &[], Dialect::Mssql));
        assert!(!made_up("uq_users_email", Kind::Unique, "users", &columns, Dialect::Postgres));
    }

    #[test]
    fn comparable_forgets_made_up_and_deterministic_names_and_keeps_chosen_ones() {
        let mut schema = SchemaSnapshot::default();
        schema.tables.insert(
            "orders".into(),
            Table {
                primary_key: Some(Key { name: Some("pk_orders".into()), columns: vec!["id".into()] }),
                uniques: vec![Key { name: Some("unique_code".into()), columns: vec!["code".into()] }],
                checks: vec![
                    Check { name: Some("ck_orders_qty".into()), expression: "qty > 0".into() },
                    Check { name: Some("orders_total_check".into()), expression: "total > 0".into() },
                ],
                ..Table::default()
            },
        );
        let forgotten = comparable(&schema, Dialect::Postgres);
        let orders = &forgotten.tables["orders"];
        assert_eq!(orders.primary_key.as_ref().unwrap().name, None);
        assert_eq!(orders.uniques[0].name.as_deref(), Some("unique_code"));
        assert!(orders.checks.iter().all(|check| check.name.is_none()));
    }
}
