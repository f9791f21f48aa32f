//! The text form of a snapshot: what snapshot files hold and reviewers read.
//!
//! The text is a pure function of the snapshot, whose collections are already
//! ordered, so it is the same on every run and machine. Each object is one
//! line where it can be, so that a change to one column is a one-line change
//! in a review; long definitions (views, routines, triggers) follow their
//! header, indented.

use std::fmt::Write;

use super::model::{Column, ForeignKey, Identity, Index, Key, RoutineKind, SchemaSnapshot, Table};

impl SchemaSnapshot {
    /// Renders the snapshot as deterministic, review-friendly text.
    ///
    /// ```
    /// use retort::schema::{Column, Key, SchemaSnapshot, Table};
    ///
    /// let mut schema = SchemaSnapshot::default();
    /// schema.tables.insert("users".into(), Table {
    ///     columns: vec![Column { name: "id".into(), data_type: "integer".into(), ..Column::default() }],
    ///     primary_key: Some(Key { name: None, columns: vec!["id".into()] }),
    ///     ..Table::default()
    /// });
    /// assert_eq!(schema.render(), "table users\n  column id integer not null\n  primary key (id)\n");
    /// ```
    pub fn render(&self) -> String {
        let mut sections: Vec<String> = Vec::new();
        let mut head = String::new();
        for schema in &self.schemas {
            let _ = writeln!(head, "schema {schema}");
        }
        for extension in &self.extensions {
            let _ = writeln!(head, "extension {extension}");
        }
        push_nonempty(&mut sections, head);
        let types: String = self
            .types
            .iter()
            .map(|(name, user_type)| format!("type {name} {}\n", user_type.definition))
            .collect();
        push_nonempty(&mut sections, types);
        let sequences: String = self
            .sequences
            .iter()
            .map(|(name, sequence)| {
                format!(
                    "sequence {name} {} start {} increment {}\n",
                    sequence.data_type, sequence.start, sequence.increment
                )
            })
            .collect();
        push_nonempty(&mut sections, sequences);
        for (name, table) in &self.tables {
            sections.push(render_table(name, table));
        }
        for (name, view) in &self.views {
            sections.push(with_body(&format!("view {name}"), &view.definition));
        }
        for (name, view) in &self.materialized_views {
            sections.push(with_body(
                &format!("materialized view {name}"),
                &view.definition,
            ));
        }
        for (name, routine) in &self.routines {
            let kind = match routine.kind {
                RoutineKind::Function => "function",
                RoutineKind::Procedure => "procedure",
            };
            sections.push(with_body(&format!("{kind} {name}"), &routine.definition));
        }
        for (name, trigger) in &self.triggers {
            sections.push(with_body(
                &format!("trigger {name} on {}", trigger.table),
                &trigger.definition,
            ));
        }
        if sections.is_empty() {
            return "(empty schema)\n".to_owned();
        }
        sections.join("\n")
    }
}

fn push_nonempty(sections: &mut Vec<String>, section: String) {
    if !section.is_empty() {
        sections.push(section);
    }
}

/// A header line followed by a definition indented by four spaces.
fn with_body(header: &str, body: &str) -> String {
    let mut text = format!("{header}\n");
    for line in body.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            text.push('\n');
        } else {
            let _ = writeln!(text, "    {line}");
        }
    }
    text
}

fn render_table(name: &str, table: &Table) -> String {
    let mut text = format!("table {name}\n");
    let name_width = table
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let type_width = table
        .columns
        .iter()
        .map(|c| type_text(c).chars().count())
        .max()
        .unwrap_or(0);
    for column in &table.columns {
        let line = format!(
            "  column {:name_width$} {:type_width$} {}",
            column.name,
            type_text(column),
            column_attributes(column)
        );
        let _ = writeln!(text, "{}", line.trim_end());
    }
    if let Some(key) = &table.primary_key {
        let _ = writeln!(text, "  primary key {}", key_text(key));
    }
    for key in &table.uniques {
        let _ = writeln!(text, "  unique {}", key_text(key));
    }
    for foreign_key in &table.foreign_keys {
        let _ = writeln!(text, "  foreign key {}", foreign_key_text(foreign_key));
    }
    for check in &table.checks {
        match &check.name {
            Some(name) => {
                let _ = writeln!(text, "  check {name} ({})", check.expression);
            }
            None => {
                let _ = writeln!(text, "  check ({})", check.expression);
            }
        }
    }
    for index in &table.indexes {
        let _ = writeln!(text, "  {}", index_text(index));
    }
    text
}

fn type_text(column: &Column) -> &str {
    if column.data_type.is_empty() {
        "(no type)"
    } else {
        &column.data_type
    }
}

/// Everything on a column's line after its name and type, in a fixed order.
pub(super) fn column_attributes(column: &Column) -> String {
    // Padded so that the attributes after it line up down the table.
    let mut parts = vec![format!("{:8}", nullability(column.nullable))];
    if let Some(default) = &column.default {
        parts.push(default_text(default, column.default_name.as_deref()));
    }
    if let Some(identity) = &column.identity {
        parts.push(identity_text(identity));
    }
    if let Some(collation) = &column.collation {
        parts.push(format!("collate {collation}"));
    }
    if let Some(computed) = &column.computed {
        parts.push(format!("generated {computed}"));
    }
    parts.join("  ").trim_end().to_owned()
}

pub(super) fn nullability(nullable: bool) -> &'static str {
    if nullable {
        "null"
    } else {
        "not null"
    }
}

pub(super) fn default_text(default: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("default {default} (constraint {name})"),
        None => format!("default {default}"),
    }
}

pub(super) fn identity_text(identity: &Identity) -> String {
    match (identity.seed, identity.increment) {
        (None, None) => "identity".to_owned(),
        (seed, increment) => format!(
            "identity ({}, {})",
            seed.map_or_else(|| "?".to_owned(), |s| s.to_string()),
            increment.map_or_else(|| "?".to_owned(), |i| i.to_string())
        ),
    }
}

/// `name (a, b)` or `(a, b)` for an unnamed key.
pub(super) fn key_text(key: &Key) -> String {
    match &key.name {
        Some(name) => format!("{name} ({})", key.columns.join(", ")),
        None => format!("({})", key.columns.join(", ")),
    }
}

/// `name (a) -> table (b) on delete cascade`, leaving out `no action`.
pub(super) fn foreign_key_text(foreign_key: &ForeignKey) -> String {
    match &foreign_key.name {
        Some(name) => format!("{name} {}", foreign_key_body(foreign_key)),
        None => foreign_key_body(foreign_key),
    }
}

/// A foreign key without its name: `(a) -> table (b) on delete cascade`.
pub(super) fn foreign_key_body(foreign_key: &ForeignKey) -> String {
    let mut text = format!(
        "({}) -> {} ({})",
        foreign_key.columns.join(", "),
        foreign_key.referenced_table,
        foreign_key.referenced_columns.join(", ")
    );
    for (event, action) in [
        ("delete", &foreign_key.on_delete),
        ("update", &foreign_key.on_update),
    ] {
        if !action.is_empty() && !action.eq_ignore_ascii_case("NO ACTION") {
            let _ = write!(text, " on {event} {}", action.to_lowercase());
        }
    }
    text
}

/// `unique clustered index name (a, b desc) include (c) where p`.
pub(super) fn index_text(index: &Index) -> String {
    let mut text = String::new();
    if index.unique {
        text.push_str("unique ");
    }
    if index.clustered {
        text.push_str("clustered ");
    }
    let _ = write!(text, "index {} ({})", index.name, index_columns_text(index));
    if !index.included.is_empty() {
        let _ = write!(text, " include ({})", index.included.join(", "));
    }
    if let Some(filter) = &index.filter {
        let _ = write!(text, " where {filter}");
    }
    text
}

pub(super) fn index_columns_text(index: &Index) -> String {
    index
        .columns
        .iter()
        .map(|column| {
            if column.descending {
                format!("{} desc", column.name)
            } else {
                column.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Check, IndexColumn, Routine, Sequence, Trigger, UserType, View};

    fn column(name: &str, data_type: &str, nullable: bool) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
            ..Column::default()
        }
    }

    #[test]
    fn render_aligns_columns_and_orders_table_parts_when_table_has_everything() {
        let mut schema = SchemaSnapshot::default();
        schema.tables.insert(
            "todos".into(),
            Table {
                columns: vec![
                    Column {
                        identity: Some(Identity {
                            seed: Some(1),
                            increment: Some(1),
                        }),
                        ..column("id", "integer", false)
                    },
                    Column {
                        default: Some("'x'".into()),
                        collation: Some("C".into()),
                        ..column("title", "varchar(200)", false)
                    },
                    column("owner_id", "integer", true),
                ],
                primary_key: Some(Key {
                    name: Some("todos_pkey".into()),
                    columns: vec!["id".into()],
                }),
                uniques: vec![Key {
                    name: None,
                    columns: vec!["title".into(), "owner_id".into()],
                }],
                foreign_keys: vec![ForeignKey {
                    name: Some("fk_owner".into()),
                    columns: vec!["owner_id".into()],
                    referenced_table: "users".into(),
                    referenced_columns: vec!["id".into()],
                    on_delete: "CASCADE".into(),
                    on_update: "NO ACTION".into(),
                }],
                checks: vec![Check {
                    name: Some("ck_title".into()),
                    expression: "length(title) > 0".into(),
                }],
                indexes: vec![Index {
                    name: "ix_owner".into(),
                    unique: true,
                    clustered: false,
                    columns: vec![IndexColumn {
                        name: "owner_id".into(),
                        descending: true,
                    }],
                    included: vec!["title".into()],
                    filter: Some("owner_id IS NOT NULL".into()),
                }],
            },
        );
        assert_eq!(
            schema.render(),
            "table todos\n\
             \x20 column id       integer      not null  identity (1, 1)\n\
             \x20 column title    varchar(200) not null  default 'x'  collate C\n\
             \x20 column owner_id integer      null\n\
             \x20 primary key todos_pkey (id)\n\
             \x20 unique (title, owner_id)\n\
             \x20 foreign key fk_owner (owner_id) -> users (id) on delete cascade\n\
             \x20 check ck_title (length(title) > 0)\n\
             \x20 unique index ix_owner (owner_id desc) include (title) where owner_id IS NOT NULL\n"
        );
    }

    #[test]
    fn render_indents_definitions_and_separates_sections_when_schema_has_other_objects() {
        let mut schema = SchemaSnapshot::default();
        schema.schemas.insert("billing".into());
        schema.types.insert(
            "mood".into(),
            UserType {
                definition: "enum ('a', 'b')".into(),
            },
        );
        schema.sequences.insert(
            "numbers".into(),
            Sequence {
                data_type: "bigint".into(),
                start: 10,
                increment: 2,
            },
        );
        schema.views.insert(
            "v".into(),
            View {
                definition: "SELECT 1\n  FROM t".into(),
            },
        );
        schema.routines.insert(
            "f()".into(),
            Routine {
                kind: RoutineKind::Function,
                definition: "CREATE FUNCTION f()".into(),
            },
        );
        schema.triggers.insert(
            "trg".into(),
            Trigger {
                table: "t".into(),
                definition: "CREATE TRIGGER trg".into(),
            },
        );
        assert_eq!(
            schema.render(),
            "schema billing\n\ntype mood enum ('a', 'b')\n\nsequence numbers bigint start 10 increment 2\n\n\
             view v\n    SELECT 1\n      FROM t\n\nfunction f()\n    CREATE FUNCTION f()\n\n\
             trigger trg on t\n    CREATE TRIGGER trg\n"
        );
    }

    #[test]
    fn render_says_empty_when_schema_has_nothing() {
        assert_eq!(SchemaSnapshot::default().render(), "(empty schema)\n");
    }
}
