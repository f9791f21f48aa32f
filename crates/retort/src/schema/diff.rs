//! The structural difference between two snapshots, one line per object.
//!
//! A diff compares an *expected* snapshot with an *actual* one and names each
//! object that is missing from the actual schema, extra in it, or changed,
//! down to the column attribute: `table todos: column priority: type integer
//! → bigint`. Objects without a name (SQLite's unnamed constraints) are
//! matched by their whole definition, so for them a change shows as one
//! missing and one extra line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::model::{Column, Index, SchemaSnapshot, Table};
use super::render::{
    column_attributes, default_text, foreign_key_body, identity_text, index_columns_text, key_text,
    nullability,
};

/// How a difference between two snapshots is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOptions {
    /// Whether the order of a table's columns counts. It does by default:
    /// `SELECT *`, `INSERT` without a column list and positional bulk loads
    /// see it. A difference in order is reported as one `column order`
    /// change of the table.
    pub column_order: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        Self { column_order: true }
    }
}

/// One object that differs between the expected and the actual schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// The object, as a path from the schema down: `table todos: column priority`.
    pub object: String,
    /// How it differs.
    pub change: Change,
}

/// How an object differs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Expected, but not in the actual schema.
    Missing,
    /// In the actual schema, but not expected.
    Extra,
    /// In both, with one attribute different.
    Changed {
        /// The attribute (`type`, `default`, `definition`…); empty when the
        /// object's whole one-line form is compared.
        attribute: String,
        /// The attribute's value in the expected schema.
        expected: String,
        /// Its value in the actual schema.
        actual: String,
    },
}

impl Difference {
    /// The difference in words chosen by the caller for a missing and an
    /// extra object; a round trip says `lost` and `left behind`.
    pub fn describe(&self, missing: &str, extra: &str) -> String {
        match &self.change {
            Change::Missing => format!("{} {missing}", self.object),
            Change::Extra => format!("{} {extra}", self.object),
            Change::Changed {
                attribute,
                expected,
                actual,
            } if attribute.is_empty() => {
                format!("{}: {expected} → {actual}", self.object)
            }
            Change::Changed {
                attribute,
                expected,
                actual,
            } => {
                format!("{}: {attribute} {expected} → {actual}", self.object)
            }
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("missing", "extra"))
    }
}

impl SchemaSnapshot {
    /// The differences from `self` (expected) to `actual`, in a stable order;
    /// empty when the schemas are equal. Column order counts; see
    /// [`diff_with`](Self::diff_with) to ignore it.
    ///
    /// ```
    /// use retort::schema::{Column, SchemaSnapshot, Table};
    ///
    /// let table = |data_type: &str| Table {
    ///     columns: vec![Column { name: "priority".into(), data_type: data_type.into(), ..Column::default() }],
    ///     ..Table::default()
    /// };
    /// let (mut before, mut after) = (SchemaSnapshot::default(), SchemaSnapshot::default());
    /// before.tables.insert("todos".into(), table("integer"));
    /// after.tables.insert("todos".into(), table("bigint"));
    /// let lines: Vec<String> = before.diff(&after).iter().map(|d| d.to_string()).collect();
    /// assert_eq!(lines, ["table todos: column priority: type integer → bigint"]);
    /// ```
    pub fn diff(&self, actual: &SchemaSnapshot) -> Vec<Difference> {
        self.diff_with(actual, &DiffOptions::default())
    }

    /// [`diff`](Self::diff) with options.
    pub fn diff_with(&self, actual: &SchemaSnapshot, options: &DiffOptions) -> Vec<Difference> {
        let mut out = Differences::default();
        out.sets("schema", &self.schemas, &actual.schemas);
        out.sets("extension", &self.extensions, &actual.extensions);
        out.maps(
            "type",
            &self.types,
            &actual.types,
            |out, object, expected, actual| {
                out.text(
                    object,
                    "definition",
                    &expected.definition,
                    &actual.definition,
                );
            },
        );
        out.maps(
            "sequence",
            &self.sequences,
            &actual.sequences,
            |out, object, expected, actual| {
                out.text(object, "type", &expected.data_type, &actual.data_type);
                out.text(
                    object,
                    "start",
                    &expected.start.to_string(),
                    &actual.start.to_string(),
                );
                out.text(
                    object,
                    "increment",
                    &expected.increment.to_string(),
                    &actual.increment.to_string(),
                );
            },
        );
        out.maps(
            "table",
            &self.tables,
            &actual.tables,
            |out, object, expected, actual| {
                out.table(object, expected, actual, options);
            },
        );
        out.maps(
            "view",
            &self.views,
            &actual.views,
            |out, object, expected, actual| {
                out.definition(object, &expected.definition, &actual.definition);
            },
        );
        out.maps(
            "materialized view",
            &self.materialized_views,
            &actual.materialized_views,
            |out, object, expected, actual| {
                out.definition(object, &expected.definition, &actual.definition)
            },
        );
        out.maps(
            "routine",
            &self.routines,
            &actual.routines,
            |out, object, expected, actual| {
                let kind = |k| format!("{k:?}").to_lowercase();
                out.text(object, "kind", &kind(expected.kind), &kind(actual.kind));
                out.definition(object, &expected.definition, &actual.definition);
            },
        );
        out.maps(
            "trigger",
            &self.triggers,
            &actual.triggers,
            |out, object, expected, actual| {
                out.text(object, "table", &expected.table, &actual.table);
                out.definition(object, &expected.definition, &actual.definition);
            },
        );
        out.0
    }
}

#[derive(Default)]
struct Differences(Vec<Difference>);

impl Differences {
    fn push(&mut self, object: String, change: Change) {
        self.0.push(Difference { object, change });
    }

    fn sets(&mut self, kind: &str, expected: &BTreeSet<String>, actual: &BTreeSet<String>) {
        for name in expected.difference(actual) {
            self.push(format!("{kind} {name}"), Change::Missing);
        }
        for name in actual.difference(expected) {
            self.push(format!("{kind} {name}"), Change::Extra);
        }
    }

    /// Objects by name: missing and extra ones, then `compare` on the
    /// objects in both, all in name order.
    fn maps<T>(
        &mut self,
        kind: &str,
        expected: &BTreeMap<String, T>,
        actual: &BTreeMap<String, T>,
        mut compare: impl FnMut(&mut Self, &str, &T, &T),
    ) {
        let names: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
        for name in names {
            let object = format!("{kind} {name}");
            match (expected.get(name), actual.get(name)) {
                (Some(_), None) => self.push(object, Change::Missing),
                (None, Some(_)) => self.push(object, Change::Extra),
                (Some(expected), Some(actual)) => compare(self, &object, expected, actual),
                (None, None) => {}
            }
        }
    }

    fn text(&mut self, object: &str, attribute: &str, expected: &str, actual: &str) {
        if expected != actual {
            self.push(
                object.to_owned(),
                Change::Changed {
                    attribute: attribute.to_owned(),
                    expected: expected.to_owned(),
                    actual: actual.to_owned(),
                },
            );
        }
    }

    /// A multi-line definition: shows the first line that differs, which is
    /// what a person needs to find the change.
    fn definition(&mut self, object: &str, expected: &str, actual: &str) {
        if expected == actual {
            return;
        }
        let (mut expected_lines, mut actual_lines) = (expected.lines(), actual.lines());
        let mut number = 1;
        loop {
            match (expected_lines.next(), actual_lines.next()) {
                (Some(e), Some(a)) if e == a => number += 1,
                (e, a) => {
                    let quote = |line: Option<&str>| {
                        line.map_or_else(|| "(end)".to_owned(), |l| format!("`{}`", l.trim()))
                    };
                    let attribute = if expected.lines().count() > 1 || actual.lines().count() > 1 {
                        format!("definition line {number}")
                    } else {
                        "definition".to_owned()
                    };
                    self.text(object, &attribute, &quote(e), &quote(a));
                    return;
                }
            }
        }
    }

    fn table(&mut self, object: &str, expected: &Table, actual: &Table, options: &DiffOptions) {
        self.columns(object, expected, actual);
        if options.column_order {
            self.column_order(object, expected, actual);
        }
        self.primary_key(object, expected, actual);
        self.keyed(
            object,
            "unique",
            &expected.uniques,
            &actual.uniques,
            |k| k.name.clone(),
            |k| format!("({})", k.columns.join(", ")),
        );
        self.keyed(
            object,
            "foreign key",
            &expected.foreign_keys,
            &actual.foreign_keys,
            |k| k.name.clone(),
            foreign_key_body,
        );
        self.keyed(
            object,
            "check",
            &expected.checks,
            &actual.checks,
            |c| c.name.clone(),
            |c| format!("({})", c.expression),
        );
        self.indexes(object, expected, actual);
    }

    /// Columns by name, in the expected table's order and then the extra
    /// ones in the actual table's, so the lines follow the table's layout.
    fn columns(&mut self, object: &str, expected: &Table, actual: &Table) {
        let find =
            |table: &Table, name: &str| table.columns.iter().find(|c| c.name == name).cloned();
        let mut names: Vec<&String> = expected.columns.iter().map(|c| &c.name).collect();
        names.extend(
            actual
                .columns
                .iter()
                .map(|c| &c.name)
                .filter(|n| !expected.columns.iter().any(|c| &c.name == *n)),
        );
        for name in names {
            let column_object = format!("{object}: column {name}");
            match (find(expected, name), find(actual, name)) {
                (Some(_), None) => self.push(column_object, Change::Missing),
                (None, Some(_)) => self.push(column_object, Change::Extra),
                (Some(e), Some(a)) => self.column(&column_object, &e, &a),
                (None, None) => {}
            }
        }
    }

    /// The order of the columns both tables have: a missing or extra column
    /// is reported on its own and does not count as a move as well.
    fn column_order(&mut self, object: &str, expected: &Table, actual: &Table) {
        let common = |of: &Table, other: &Table| -> Vec<String> {
            of.columns
                .iter()
                .filter(|c| other.columns.iter().any(|o| o.name == c.name))
                .map(|c| c.name.clone())
                .collect()
        };
        let (e, a) = (common(expected, actual), common(actual, expected));
        if e != a {
            self.text(object, "column order", &e.join(", "), &a.join(", "));
        }
    }

    fn primary_key(&mut self, object: &str, expected: &Table, actual: &Table) {
        let pk = |table: &Table| table.primary_key.as_ref().map(key_text);
        match (pk(expected), pk(actual)) {
            (Some(_), None) => self.push(format!("{object}: primary key"), Change::Missing),
            (None, Some(_)) => self.push(format!("{object}: primary key"), Change::Extra),
            (Some(e), Some(a)) => self.text(&format!("{object}: primary key"), "", &e, &a),
            (None, None) => {}
        }
    }

    /// Indexes by name, which every backend reports, in name order.
    fn indexes(&mut self, object: &str, expected: &Table, actual: &Table) {
        let index_names: BTreeSet<&String> = expected
            .indexes
            .iter()
            .chain(&actual.indexes)
            .map(|i| &i.name)
            .collect();
        for name in index_names {
            let index_object = format!("{object}: index {name}");
            let find = |table: &Table| table.indexes.iter().find(|i| &i.name == name).cloned();
            match (find(expected), find(actual)) {
                (Some(_), None) => self.push(index_object, Change::Missing),
                (None, Some(_)) => self.push(index_object, Change::Extra),
                (Some(e), Some(a)) => self.index(&index_object, &e, &a),
                (None, None) => {}
            }
        }
    }

    /// One line per attribute of an index in both tables that differs.
    fn index(&mut self, object: &str, expected: &Index, actual: &Index) {
        let flag = |on: bool, word: &str| {
            if on {
                word.to_owned()
            } else {
                format!("not {word}")
            }
        };
        self.text(
            object,
            "",
            &flag(expected.unique, "unique"),
            &flag(actual.unique, "unique"),
        );
        self.text(
            object,
            "",
            &flag(expected.clustered, "clustered"),
            &flag(actual.clustered, "clustered"),
        );
        self.text(
            object,
            "columns",
            &format!("({})", index_columns_text(expected)),
            &format!("({})", index_columns_text(actual)),
        );
        self.text(
            object,
            "include",
            &format!("({})", expected.included.join(", ")),
            &format!("({})", actual.included.join(", ")),
        );
        let filter = |f: &Option<String>| f.clone().unwrap_or_else(|| "none".to_owned());
        self.text(
            object,
            "filter",
            &filter(&expected.filter),
            &filter(&actual.filter),
        );
    }

    fn column(&mut self, object: &str, expected: &Column, actual: &Column) {
        if expected == actual {
            return;
        }
        let before = self.0.len();
        self.text(object, "type", &expected.data_type, &actual.data_type);
        self.text(
            object,
            "",
            nullability(expected.nullable),
            nullability(actual.nullable),
        );
        let default = |c: &Column| {
            c.default.as_ref().map_or_else(
                || "none".to_owned(),
                |d| default_text(d, c.default_name.as_deref()),
            )
        };
        self.text(object, "", &default(expected), &default(actual));
        let identity = |c: &Column| {
            c.identity
                .as_ref()
                .map_or_else(|| "no identity".to_owned(), identity_text)
        };
        self.text(object, "", &identity(expected), &identity(actual));
        let collation = |c: &Column| c.collation.clone().unwrap_or_else(|| "default".to_owned());
        self.text(
            object,
            "collation",
            &collation(expected),
            &collation(actual),
        );
        let computed = |c: &Column| c.computed.clone().unwrap_or_else(|| "none".to_owned());
        self.text(object, "generated", &computed(expected), &computed(actual));
        // Every attribute is compared above; this catches one added to the
        // model later and not here yet.
        if self.0.len() == before {
            self.text(
                object,
                "",
                &column_attributes(expected),
                &column_attributes(actual),
            );
        }
    }

    /// Constraints in a list: matched by name, or by their whole text when
    /// unnamed (then a change is one missing and one extra line). `body` is
    /// the constraint without its name.
    fn keyed<T>(
        &mut self,
        object: &str,
        kind: &str,
        expected: &[T],
        actual: &[T],
        name: impl Fn(&T) -> Option<String>,
        body: impl Fn(&T) -> String,
    ) {
        // Keyed by name, or by body for unnamed ones (a `(` never starts a name).
        let index = |items: &[T]| -> BTreeMap<String, (Option<String>, String)> {
            items
                .iter()
                .map(|i| (name(i).unwrap_or_else(|| body(i)), (name(i), body(i))))
                .collect()
        };
        let (expected, actual) = (index(expected), index(actual));
        let whole = |(name, body): &(Option<String>, String)| match name {
            Some(name) => format!("{name} {body}"),
            None => body.clone(),
        };
        let keys: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
        for key in keys {
            match (expected.get(key), actual.get(key)) {
                (Some(e), None) => {
                    self.push(format!("{object}: {kind} {}", whole(e)), Change::Missing)
                }
                (None, Some(a)) => {
                    self.push(format!("{object}: {kind} {}", whole(a)), Change::Extra)
                }
                (Some(e), Some(a)) => self.text(&format!("{object}: {kind} {key}"), "", &e.1, &a.1),
                (None, None) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Check, IndexColumn, Key, View};

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            ..Column::default()
        }
    }

    fn table(columns: &[(&str, &str)]) -> Table {
        Table {
            columns: columns.iter().map(|(n, t)| column(n, t)).collect(),
            ..Table::default()
        }
    }

    fn lines(expected: &SchemaSnapshot, actual: &SchemaSnapshot) -> Vec<String> {
        expected
            .diff(actual)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn index(name: &str, columns: &[&str]) -> Index {
        Index {
            name: name.into(),
            unique: false,
            clustered: false,
            columns: columns
                .iter()
                .map(|c| IndexColumn {
                    name: (*c).into(),
                    descending: false,
                })
                .collect(),
            included: vec![],
            filter: None,
        }
    }

    #[test]
    fn diff_is_empty_when_snapshots_are_equal() {
        let mut schema = SchemaSnapshot::default();
        schema
            .tables
            .insert("t".into(), table(&[("id", "integer")]));
        assert!(schema.diff(&schema.clone()).is_empty());
    }

    #[test]
    fn diff_names_column_attribute_and_index_when_they_differ() {
        let mut expected = SchemaSnapshot::default();
        let mut todos = table(&[("id", "integer"), ("priority", "integer")]);
        todos.indexes.push(index("ix_todos_owner", &["id"]));
        expected.tables.insert("todos".into(), todos);
        let mut actual = SchemaSnapshot::default();
        let mut todos = table(&[("id", "integer"), ("priority", "bigint")]);
        todos.columns[0].nullable = true;
        todos.columns[0].default = Some("0".into());
        actual.tables.insert("todos".into(), todos);
        assert_eq!(
            lines(&expected, &actual),
            [
                "table todos: column id: not null → null",
                "table todos: column id: none → default 0",
                "table todos: column priority: type integer → bigint",
                "table todos: index ix_todos_owner missing",
            ]
        );
    }

    #[test]
    fn diff_reports_extra_and_missing_objects_and_column_order_when_columns_move() {
        let mut expected = SchemaSnapshot::default();
        expected.tables.insert(
            "users".into(),
            table(&[("id", "integer"), ("name", "text"), ("email", "text")]),
        );
        expected.views.insert(
            "v".into(),
            View {
                definition: "SELECT 1".into(),
            },
        );
        let mut actual = SchemaSnapshot::default();
        actual.tables.insert(
            "users".into(),
            table(&[
                ("id", "integer"),
                ("email", "text"),
                ("name", "text"),
                ("phone", "text"),
            ]),
        );
        actual
            .tables
            .insert("audit".into(), table(&[("id", "integer")]));
        assert_eq!(
            lines(&expected, &actual),
            [
                "table audit extra",
                "table users: column phone extra",
                "table users: column order id, name, email → id, email, name",
                "view v missing",
            ]
        );
        let unordered = expected.diff_with(
            &actual,
            &DiffOptions {
                column_order: false,
            },
        );
        assert!(unordered.iter().all(|d| !d.object.contains("order") && !matches!(&d.change, Change::Changed { attribute, .. } if attribute == "column order")));
    }

    #[test]
    fn diff_matches_unnamed_constraints_by_text_and_named_ones_by_name() {
        let mut expected = SchemaSnapshot::default();
        let mut t = table(&[("a", "integer")]);
        t.uniques.push(Key {
            name: None,
            columns: vec!["a".into()],
        });
        t.checks.push(Check {
            name: Some("ck_a".into()),
            expression: "a > 0".into(),
        });
        expected.tables.insert("t".into(), t);
        let mut actual = SchemaSnapshot::default();
        let mut t = table(&[("a", "integer")]);
        t.checks.push(Check {
            name: Some("ck_a".into()),
            expression: "a >= 0".into(),
        });
        actual.tables.insert("t".into(), t);
        assert_eq!(
            lines(&expected, &actual),
            [
                "table t: unique (a) missing",
                "table t: check ck_a: (a > 0) → (a >= 0)"
            ]
        );
    }

    #[test]
    fn diff_shows_first_differing_line_when_definitions_differ() {
        let mut expected = SchemaSnapshot::default();
        expected.views.insert(
            "v".into(),
            View {
                definition: "SELECT a\nFROM t\nWHERE a > 0".into(),
            },
        );
        let mut actual = SchemaSnapshot::default();
        actual.views.insert(
            "v".into(),
            View {
                definition: "SELECT a\nFROM t\nWHERE a > 1".into(),
            },
        );
        assert_eq!(
            lines(&expected, &actual),
            ["view v: definition line 3 `WHERE a > 0` → `WHERE a > 1`"]
        );
    }

    #[test]
    fn index_names_each_attribute_when_indexes_share_a_name_but_differ() {
        let expected = index("ix", &["a"]);
        let actual = Index {
            unique: true,
            included: vec!["b".into()],
            filter: Some("a > 0".into()),
            ..index("ix", &["a", "c"])
        };
        let mut out = Differences::default();
        out.index("table t: index ix", &expected, &actual);
        let lines: Vec<String> = out.0.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "table t: index ix: not unique → unique",
                "table t: index ix: columns (a) → (a, c)",
                "table t: index ix: include () → (b)",
                "table t: index ix: filter none → a > 0",
            ]
        );
    }

    #[test]
    fn column_order_is_unchanged_when_only_added_columns_differ() {
        let expected = table(&[("id", "integer"), ("name", "text")]);
        let actual = table(&[("id", "integer"), ("phone", "text"), ("name", "text")]);
        let mut out = Differences::default();
        out.column_order("table t", &expected, &actual);
        assert!(out.0.is_empty(), "{:?}", out.0);
    }

    #[test]
    fn describe_uses_the_callers_words_when_objects_are_missing_or_extra() {
        let difference = Difference {
            object: "table t: index ix".into(),
            change: Change::Extra,
        };
        assert_eq!(
            difference.describe("lost", "left behind"),
            "table t: index ix left behind"
        );
    }
}
