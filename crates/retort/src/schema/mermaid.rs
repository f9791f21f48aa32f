//! A Mermaid `erDiagram` of a snapshot's tables and foreign keys, for
//! documentation (GitHub and most Markdown viewers draw it).

use std::fmt::Write;

use super::model::SchemaSnapshot;

impl SchemaSnapshot {
    /// Renders the tables, their columns (with `PK`, `FK` and `UK` markers)
    /// and one relationship per foreign key as a Mermaid `erDiagram`.
    ///
    /// Mermaid accepts only word characters in entity names and types, so
    /// other characters become `_` (`character varying(100)` is drawn as
    /// `character_varying_100`).
    ///
    /// ```
    /// let diagram = retort::schema::SchemaSnapshot::default().to_mermaid();
    /// assert_eq!(diagram, "erDiagram\n");
    /// ```
    pub fn to_mermaid(&self) -> String {
        let mut text = "erDiagram\n".to_owned();
        for (name, table) in &self.tables {
            let _ = writeln!(text, "    {} {{", word(name));
            for column in &table.columns {
                let mut keys = Vec::new();
                if table
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.contains(&column.name))
                {
                    keys.push("PK");
                }
                if table
                    .foreign_keys
                    .iter()
                    .any(|fk| fk.columns.contains(&column.name))
                {
                    keys.push("FK");
                }
                if table
                    .uniques
                    .iter()
                    .any(|key| key.columns.contains(&column.name))
                {
                    keys.push("UK");
                }
                let data_type = if column.data_type.is_empty() {
                    "any"
                } else {
                    &column.data_type
                };
                let mut line = format!("        {} {}", word(data_type), word(&column.name));
                if !keys.is_empty() {
                    let _ = write!(line, " {}", keys.join(", "));
                }
                if column.nullable {
                    line.push_str(" \"null\"");
                }
                let _ = writeln!(text, "{line}");
            }
            text.push_str("    }\n");
        }
        for (name, table) in &self.tables {
            for foreign_key in &table.foreign_keys {
                // Exactly one parent row per child row unless a key column
                // may be null; any number of children per parent.
                let optional = foreign_key.columns.iter().any(|c| {
                    table
                        .columns
                        .iter()
                        .any(|column| &column.name == c && column.nullable)
                });
                let parent_side = if optional { "|o" } else { "||" };
                let label = foreign_key
                    .name
                    .clone()
                    .unwrap_or_else(|| foreign_key.columns.join(", "));
                let _ = writeln!(
                    text,
                    "    {} {parent_side}--o{{ {} : \"{}\"",
                    word(&foreign_key.referenced_table),
                    word(name),
                    label.replace('"', "'")
                );
            }
        }
        text
    }
}

/// A name Mermaid accepts: word characters only, starting with a letter.
fn word(name: &str) -> String {
    let mut word: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while word.ends_with('_') && word.len() > 1 {
        word.pop();
    }
    if !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        word.insert(0, 'x');
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ForeignKey, Key, Table};

    #[test]
    fn to_mermaid_draws_keys_and_relationships_when_tables_reference_each_other() {
        let mut schema = SchemaSnapshot::default();
        let column = |name: &str, data_type: &str, nullable| Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
            ..Column::default()
        };
        schema.tables.insert(
            "users".into(),
            Table {
                columns: vec![
                    column("id", "integer", false),
                    column("email", "character varying(100)", false),
                ],
                primary_key: Some(Key {
                    name: None,
                    columns: vec!["id".into()],
                }),
                uniques: vec![Key {
                    name: None,
                    columns: vec!["email".into()],
                }],
                ..Table::default()
            },
        );
        schema.tables.insert(
            "todos".into(),
            Table {
                columns: vec![
                    column("id", "integer", false),
                    column("owner_id", "integer", true),
                ],
                primary_key: Some(Key {
                    name: None,
                    columns: vec!["id".into()],
                }),
                foreign_keys: vec![ForeignKey {
                    name: None,
                    columns: vec!["owner_id".into()],
                    referenced_table: "users".into(),
                    referenced_columns: vec!["id".into()],
                    on_delete: "NO ACTION".into(),
                    on_update: "NO ACTION".into(),
                }],
                ..Table::default()
            },
        );
        assert_eq!(
            schema.to_mermaid(),
            "erDiagram\n    todos {\n        integer id PK\n        integer owner_id FK \"null\"\n    }\n    \
             users {\n        integer id PK\n        character_varying_100 email UK\n    }\n    \
             users |o--o{ todos : \"owner_id\"\n"
        );
    }
}
