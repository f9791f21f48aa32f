//! `stamp --verify`'s comparison: the live database against the schema the
//! revisions build, each difference said from the database's side.

use super::filter::Filter;
use super::names::comparable;
use crate::schema::{Change, Difference, SchemaSnapshot};
use crate::Dialect;

/// Every way `live` differs from `revisions` (the schema replaying the
/// revisions built), leaving out what `filter` leaves out and comparing
/// constraint names modulo the ones servers make up and retort gives:
/// `table users: column phone varchar(20) on the database, missing from
/// the revisions`. Empty when they are the same schema.
///
/// Names are compared as spelled: every server here keeps a name's
/// spelling (Babelfish in its `INFORMATION_SCHEMA`), and a revision spells
/// it on every server it runs on. An object whose name differs only in
/// case is one line: `table Customer Accounts: column LastName: spelled
/// lastname on the database, LastName in the revisions`.
pub fn differences(live: &SchemaSnapshot, revisions: &SchemaSnapshot, dialect: Dialect, filter: &Filter) -> Vec<String> {
    let schema = super::default_schema(dialect);
    let live = comparable(&filter.apply(live, schema).0, dialect);
    let revisions = comparable(&filter.apply(revisions, schema).0, dialect);
    let found = revisions.diff(&live);
    let mut respelled: Vec<&Difference> = Vec::new();
    let mut lines = Vec::new();
    for difference in &found {
        if respelled.iter().any(|r| std::ptr::eq(*r, difference)) {
            continue;
        }
        let same_but_case = |other: &&Difference| {
            other.change == Change::Extra
                && other.object != difference.object
                && other.object.to_lowercase() == difference.object.to_lowercase()
        };
        match found.iter().find(same_but_case) {
            Some(extra) if difference.change == Change::Missing => {
                respelled.push(extra);
                lines.push(format!(
                    "{}: spelled {} on the database, {} in the revisions",
                    difference.object,
                    name_of(&extra.object),
                    name_of(&difference.object)
                ));
            }
            _ => lines.push(worded(difference, &live, &revisions)),
        }
    }
    lines
}

/// The name in the last part of an object's path (`lastname` in `table
/// Customer Accounts: column lastname`).
fn name_of(object: &str) -> &str {
    const KINDS: [&str; 14] = [
        "materialized view ",
        "foreign key ",
        "column ",
        "index ",
        "table ",
        "view ",
        "routine ",
        "trigger ",
        "unique ",
        "check ",
        "sequence ",
        "type ",
        "schema ",
        "extension ",
    ];
    let last = object.rsplit(": ").next().unwrap_or(object);
    KINDS.iter().find_map(|kind| last.strip_prefix(kind)).unwrap_or(last)
}

fn worded(difference: &Difference, live: &SchemaSnapshot, revisions: &SchemaSnapshot) -> String {
    let object = &difference.object;
    match &difference.change {
        Change::Extra => format!("{object}{} on the database, missing from the revisions", detail(object, live)),
        Change::Missing => format!("{object}{} in the revisions, missing from the database", detail(object, revisions)),
        Change::Changed { attribute, expected, actual } if attribute.is_empty() => {
            format!("{object}: {actual} on the database, {expected} in the revisions")
        }
        Change::Changed { attribute, expected, actual } => {
            format!("{object}: {attribute} {actual} on the database, {expected} in the revisions")
        }
    }
}

/// ` varchar(20)` after a column's path: its type, which a person looks
/// for first.
fn detail(object: &str, schema: &SchemaSnapshot) -> String {
    let Some((table, column)) = object.strip_prefix("table ").and_then(|rest| rest.split_once(": column ")) else {
        return String::new();
    };
    schema
        .tables
        .get(table)
        .and_then(|t| t.columns.iter().find(|c| c.name == column))
        .map(|c| format!(" {}", c.data_type))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Key, Table};

    fn users(columns: &[(&str, &str)]) -> SchemaSnapshot {
        let mut schema = SchemaSnapshot::default();
        schema.tables.insert(
            "users".into(),
            Table {
                columns: columns.iter().map(|(n, t)| Column { name: (*n).into(), data_type: (*t).into(), ..Column::default() }).collect(),
                primary_key: Some(Key { name: None, columns: vec!["id".into()] }),
                ..Table::default()
            },
        );
        schema
    }

    #[test]
    fn differences_say_when_a_name_differs_only_in_case() {
        let live = users(&[("id", "int"), ("lastname", "nvarchar(40)")]);
        let revisions = users(&[("id", "int"), ("LastName", "nvarchar(40)")]);
        assert_eq!(
            differences(&live, &revisions, Dialect::Mssql, &Filter::default()),
            ["table users: column LastName: spelled lastname on the database, LastName in the revisions"]
        );
    }

    #[test]
    fn differences_speak_from_the_database_side_and_ignore_made_up_names() {
        let mut live = users(&[("id", "int"), ("name", "nvarchar(50)"), ("phone", "varchar(20)")]);
        live.tables.get_mut("users").unwrap().primary_key.as_mut().unwrap().name = Some("PK__users__3213E83F6A2B4C1D".into());
        let mut revisions = users(&[("id", "int"), ("name", "nvarchar(40)")]);
        revisions.tables.get_mut("users").unwrap().primary_key.as_mut().unwrap().name = Some("pk_users".into());
        revisions.tables.insert("alembic_version".into(), Table::default());
        assert_eq!(
            differences(&live, &revisions, Dialect::Mssql, &Filter::default()),
            [
                "table users: column name: type nvarchar(50) on the database, nvarchar(40) in the revisions",
                "table users: column phone varchar(20) on the database, missing from the revisions",
            ]
        );
    }
}
