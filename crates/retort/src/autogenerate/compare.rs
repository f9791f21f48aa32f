//! What differs between the schema the revisions build and the declared
//! one, both as the same database prints them.
//!
//! Both sides are snapshots read back from a throwaway database of the
//! target dialect, so types, defaults and expressions are compared in the
//! server's own spelling: `VARCHAR(20)` declared and `character varying(20)`
//! built compare equal because PostgreSQL printed both. Renames come only
//! from the declaration (`renamed_from`); a disappearing object next to an
//! appearing one of a compatible shape is an ambiguity for the caller to
//! refuse, never a guess.

use std::collections::BTreeSet;

use crate::declare;
use crate::schema::{Check, Column, ForeignKey, Index, Key, SchemaSnapshot, Table};

/// One difference, from the revisions' schema (`current`) to the declared
/// one (`wanted`). Names are the wanted ones, except for what only the
/// current schema has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    AddTable(String),
    DropTable(String),
    RenameTable { from: String, to: String },
    AddColumn { table: String, column: String },
    DropColumn { table: String, column: String },
    RenameColumn { table: String, from: String, to: String },
    /// The type, nullability or default of a column changed.
    AlterColumn { table: String, column: String, was: Box<Column>, now: Box<Column> },
    /// Identity or computation changed: the column is dropped and added
    /// again (no database alters either in place).
    RecreateColumn { table: String, column: String },
    SetPrimaryKey { table: String, was: Option<Key>, now: Option<Key> },
    AddUnique { table: String, key: Key },
    DropUnique { table: String, key: Key },
    AddForeignKey { table: String, key: ForeignKey },
    DropForeignKey { table: String, key: ForeignKey },
    AddCheck { table: String, check: Check },
    DropCheck { table: String, check: Check },
    AddIndex { table: String, index: Index },
    DropIndex { table: String, index: Index },
    AddView(String),
    DropView(String),
    /// The view's text differs after the server's normalisation.
    ReplaceView(String),
}

/// A disappearing object next to an appearing one that could be the same
/// object renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// `table` or `column`.
    pub kind: &'static str,
    /// The name that disappears.
    pub gone: String,
    /// The name that appears.
    pub new: String,
}

/// The changes from `current` to `wanted`, with `declared`'s renames.
pub(crate) fn compare(current: &SchemaSnapshot, wanted: &SchemaSnapshot, declared: &declare::Schema) -> (Vec<Change>, Vec<Ambiguity>) {
    let mut changes = Vec::new();
    let mut ambiguities = Vec::new();
    let renamed_tables: Vec<(&str, &str)> = declared
        .tables()
        .iter()
        .filter_map(|table| Some((table.renamed_from.as_deref()?, table.name())))
        .filter(|(old, new)| current.tables.contains_key(*old) && !current.tables.contains_key(*new))
        .collect();
    let old_name = |new: &str| renamed_tables.iter().find(|(_, n)| *n == new).map(|(old, _)| *old);
    let continued: BTreeSet<&str> = renamed_tables.iter().map(|(old, _)| *old).collect();
    for name in wanted.tables.keys() {
        match (current.tables.contains_key(name.as_str()), old_name(name)) {
            (true, _) => {}
            (false, Some(old)) => changes.push(Change::RenameTable { from: old.to_owned(), to: name.clone() }),
            (false, None) => changes.push(Change::AddTable(name.clone())),
        }
    }
    for name in current.tables.keys().filter(|name| !wanted.tables.contains_key(*name) && !continued.contains(name.as_str())) {
        changes.push(Change::DropTable(name.clone()));
    }
    ambiguities.extend(table_ambiguities(current, wanted, &changes));
    for (name, now) in &wanted.tables {
        let was_name = old_name(name).unwrap_or(name);
        if let Some(was) = current.tables.get(was_name) {
            compare_table(name, was, now, declared.get(name), &mut changes, &mut ambiguities);
        }
    }
    compare_views(current, wanted, &mut changes);
    (changes, ambiguities)
}

/// A dropped table and an added one with the same columns (names and types).
fn table_ambiguities(current: &SchemaSnapshot, wanted: &SchemaSnapshot, changes: &[Change]) -> Vec<Ambiguity> {
    let shape = |table: &Table| table.columns.iter().map(|c| (c.name.clone(), c.data_type.clone())).collect::<Vec<_>>();
    let mut found = Vec::new();
    for gone in changes.iter().filter_map(|c| if let Change::DropTable(name) = c { Some(name) } else { None }) {
        for new in changes.iter().filter_map(|c| if let Change::AddTable(name) = c { Some(name) } else { None }) {
            if shape(&current.tables[gone]) == shape(&wanted.tables[new]) {
                found.push(Ambiguity { kind: "table", gone: gone.clone(), new: new.clone() });
            }
        }
    }
    found
}

fn compare_table(
    name: &str,
    was: &Table,
    now: &Table,
    declared: Option<&declare::Table>,
    changes: &mut Vec<Change>,
    ambiguities: &mut Vec<Ambiguity>,
) {
    let table = name.to_owned();
    let old_of = |column: &str| {
        declared
            .and_then(|d| d.old_name_of(column))
            .filter(|old| was.columns.iter().any(|c| c.name == *old) && !was.columns.iter().any(|c| c.name == column))
    };
    let mut continued = BTreeSet::new();
    let mut added = Vec::new();
    for column in &now.columns {
        let existing = match old_of(&column.name) {
            Some(old) => {
                continued.insert(old.to_owned());
                changes.push(Change::RenameColumn { table: table.clone(), from: old.to_owned(), to: column.name.clone() });
                was.columns.iter().find(|c| c.name == old)
            }
            None => was.columns.iter().find(|c| c.name == column.name),
        };
        match existing {
            None => {
                added.push(column);
                changes.push(Change::AddColumn { table: table.clone(), column: column.name.clone() });
            }
            Some(existing) => compare_column(&table, existing, column, changes),
        }
    }
    for column in was.columns.iter().filter(|c| !now.columns.iter().any(|n| n.name == c.name) && !continued.contains(&c.name)) {
        changes.push(Change::DropColumn { table: table.clone(), column: column.name.clone() });
        for new in &added {
            if compatible(column, new) {
                ambiguities.push(Ambiguity {
                    kind: "column",
                    gone: format!("{table}.{}", column.name),
                    new: format!("{table}.{}", new.name),
                });
            }
        }
    }
    if was.primary_key.as_ref().map(|k| &k.columns) != now.primary_key.as_ref().map(|k| &k.columns) {
        changes.push(Change::SetPrimaryKey { table: table.clone(), was: was.primary_key.clone(), now: now.primary_key.clone() });
    }
    compare_keyed(&was.uniques, &now.uniques, |k| k.columns.clone(), |key| Change::AddUnique { table: table.clone(), key }, |key| Change::DropUnique { table: table.clone(), key }, changes);
    let fk_shape = |k: &ForeignKey| (k.columns.clone(), k.referenced_table.clone(), k.referenced_columns.clone(), k.on_delete.clone(), k.on_update.clone());
    compare_keyed(&was.foreign_keys, &now.foreign_keys, fk_shape, |key| Change::AddForeignKey { table: table.clone(), key }, |key| Change::DropForeignKey { table: table.clone(), key }, changes);
    compare_keyed(&was.checks, &now.checks, |c| c.expression.clone(), |check| Change::AddCheck { table: table.clone(), check }, |check| Change::DropCheck { table: table.clone(), check }, changes);
    let index_shape = |i: &Index| (i.name.clone(), i.unique, i.columns.clone(), i.included.clone(), i.filter.clone());
    compare_keyed(&was.indexes, &now.indexes, index_shape, |index| Change::AddIndex { table: table.clone(), index }, |index| Change::DropIndex { table: table.clone(), index }, changes);
}

/// Two columns that could be one renamed: the same type and nullability.
fn compatible(a: &Column, b: &Column) -> bool {
    a.data_type == b.data_type && a.nullable == b.nullable
}

fn compare_column(table: &str, was: &Column, now: &Column, changes: &mut Vec<Change>) {
    if was.identity.is_some() != now.identity.is_some() || was.computed != now.computed {
        changes.push(Change::RecreateColumn { table: table.to_owned(), column: now.name.clone() });
    } else if was.data_type != now.data_type || was.nullable != now.nullable || was.default != now.default {
        changes.push(Change::AlterColumn { table: table.to_owned(), column: now.name.clone(), was: Box::new(was.clone()), now: Box::new(now.clone()) });
    }
}

/// Items only one side has, matched by `shape` (names aside: a constraint
/// named differently but alike is the same constraint).
fn compare_keyed<T: Clone, S: PartialEq>(
    was: &[T],
    now: &[T],
    shape: impl Fn(&T) -> S,
    added: impl Fn(T) -> Change,
    dropped: impl Fn(T) -> Change,
    changes: &mut Vec<Change>,
) {
    for item in was.iter().filter(|w| !now.iter().any(|n| shape(n) == shape(w))) {
        changes.push(dropped(item.clone()));
    }
    for item in now.iter().filter(|n| !was.iter().any(|w| shape(w) == shape(n))) {
        changes.push(added(item.clone()));
    }
}

fn compare_views(current: &SchemaSnapshot, wanted: &SchemaSnapshot, changes: &mut Vec<Change>) {
    for (name, view) in &wanted.views {
        match current.views.get(name) {
            None => changes.push(Change::AddView(name.clone())),
            Some(existing) if existing.definition != view.definition => changes.push(Change::ReplaceView(name.clone())),
            Some(_) => {}
        }
    }
    for name in current.views.keys().filter(|name| !wanted.views.contains_key(*name)) {
        changes.push(Change::DropView(name.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::Table as Declared;
    use crate::op::Type;

    fn column(name: &str, data_type: &str) -> Column {
        Column { name: name.into(), data_type: data_type.into(), nullable: true, ..Column::default() }
    }

    fn snapshot(tables: &[(&str, Vec<Column>)]) -> SchemaSnapshot {
        let mut snapshot = SchemaSnapshot::default();
        for (name, columns) in tables {
            snapshot.tables.insert((*name).to_owned(), Table { columns: columns.clone(), ..Table::default() });
        }
        snapshot
    }

    #[test]
    fn compare_finds_added_dropped_and_altered_columns_when_tables_match() {
        let current = snapshot(&[("users", vec![column("id", "int"), column("nick", "text"), column("age", "int")])]);
        let mut wider = column("age", "bigint");
        wider.nullable = false;
        let wanted = snapshot(&[("users", vec![column("id", "int"), wider, column("phone", "varchar(20)")])]);
        let (changes, ambiguities) = compare(&current, &wanted, &declare::Schema::new());
        assert!(ambiguities.is_empty(), "{ambiguities:?}");
        assert!(matches!(&changes[0], Change::AlterColumn { column, .. } if column == "age"), "{changes:?}");
        assert!(changes.contains(&Change::AddColumn { table: "users".into(), column: "phone".into() }));
        assert!(changes.contains(&Change::DropColumn { table: "users".into(), column: "nick".into() }));
    }

    #[test]
    fn compare_renames_only_what_the_declaration_renames() {
        let current = snapshot(&[("people", vec![column("id", "int"), column("email", "text")])]);
        let wanted = snapshot(&[("users", vec![column("id", "int"), column("email_address", "text")])]);
        let declared = declare::Schema::new().table(
            Declared::new("users", |t| {
                t.column("id", Type::Int);
            })
            .renamed_from("people")
            .column_renamed_from("email_address", "email"),
        );
        let (changes, ambiguities) = compare(&current, &wanted, &declared);
        assert!(ambiguities.is_empty(), "{ambiguities:?}");
        assert_eq!(
            changes,
            [
                Change::RenameTable { from: "people".into(), to: "users".into() },
                Change::RenameColumn { table: "users".into(), from: "email".into(), to: "email_address".into() },
            ]
        );
    }

    #[test]
    fn compare_reports_an_ambiguity_when_a_compatible_column_appears_as_one_disappears() {
        let current = snapshot(&[("users", vec![column("id", "int"), column("email", "text")])]);
        let wanted = snapshot(&[("users", vec![column("id", "int"), column("email_address", "text")])]);
        let (_, ambiguities) = compare(&current, &wanted, &declare::Schema::new());
        assert_eq!(
            ambiguities,
            [Ambiguity { kind: "column", gone: "users.email".into(), new: "users.email_address".into() }]
        );
        let current = snapshot(&[("people", vec![column("id", "int")])]);
        let wanted = snapshot(&[("persons", vec![column("id", "int")])]);
        let (_, ambiguities) = compare(&current, &wanted, &declare::Schema::new());
        assert_eq!(ambiguities, [Ambiguity { kind: "table", gone: "people".into(), new: "persons".into() }]);
    }
}
