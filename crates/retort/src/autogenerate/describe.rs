//! The words autogenerate prints: one `detected …` line per change (as
//! Alembic's autogenerate does), what a drop would lose, and what a person
//! must review because no comparison can tell.

use crate::schema::SchemaSnapshot;

use super::compare::Change;

/// Alembic's line for a change: `detected added column 'users.phone'`.
pub(crate) fn detected(change: &Change) -> String {
    let what = match change {
        Change::AddTable(name) => format!("added table '{name}'"),
        Change::DropTable(name) => format!("removed table '{name}'"),
        Change::RenameTable { from, to } => format!("renamed table '{from}' to '{to}' (declared)"),
        Change::AddColumn { table, column } => format!("added column '{table}.{column}'"),
        Change::DropColumn { table, column } => format!("removed column '{table}.{column}'"),
        Change::RenameColumn { table, from, to } => format!("renamed column '{table}.{from}' to '{to}' (declared)"),
        Change::AlterColumn { table, column, was, now } => {
            let mut parts = Vec::new();
            if was.data_type != now.data_type {
                parts.push(format!("type {} → {}", was.data_type, now.data_type));
            }
            if was.nullable != now.nullable {
                parts.push(if now.nullable { "now nullable".to_owned() } else { "now NOT NULL".to_owned() });
            }
            if was.default != now.default {
                let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".to_owned());
                parts.push(format!("default {} → {}", show(&was.default), show(&now.default)));
            }
            format!("changed column '{table}.{column}': {}", parts.join(", "))
        }
        Change::RecreateColumn { table, column } => format!("changed identity or computation of column '{table}.{column}'"),
        Change::SetPrimaryKey { table, now: Some(key), .. } => format!("primary key of '{table}' on ({})", key.columns.join(", ")),
        Change::SetPrimaryKey { table, now: None, .. } => format!("removed primary key of '{table}'"),
        Change::AddUnique { table, key } => format!("added unique constraint on '{table}' ({})", key.columns.join(", ")),
        Change::DropUnique { table, key } => format!("removed unique constraint on '{table}' ({})", key.columns.join(", ")),
        Change::AddForeignKey { table, key } => format!(
            "added foreign key '{table}' ({}) → '{}' ({}) on delete {}",
            key.columns.join(", "),
            key.referenced_table,
            key.referenced_columns.join(", "),
            key.on_delete.to_lowercase()
        ),
        Change::DropForeignKey { table, key } => {
            format!("removed foreign key '{table}' ({}) → '{}'", key.columns.join(", "), key.referenced_table)
        }
        Change::AddCheck { table, check } => format!("added check on '{table}': {}", check.expression),
        Change::DropCheck { table, check } => format!("removed check on '{table}': {}", check.expression),
        Change::AddIndex { table, index } => format!("added index '{}' on '{table}'", index.name),
        Change::DropIndex { table, index } => format!("removed index '{}' on '{table}'", index.name),
        Change::AddView(name) => format!("added view '{name}'"),
        Change::DropView(name) => format!("removed view '{name}'"),
        Change::ReplaceView(name) => format!("changed view '{name}'"),
    };
    format!("detected {what}")
}

/// The tables and columns the changes drop (not renames).
pub(crate) fn drops(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::DropTable(name) => Some(format!("table {name}")),
            Change::DropColumn { table, column } => Some(format!("column {table}.{column}")),
            _ => None,
        })
        .collect()
}

/// What the revision's header lists for review by hand: what the
/// comparison cannot judge.
/// With `objects` (the project has `objects/`), modules are compared and
/// nothing is left uncompared.
pub(crate) fn review(changes: &[Change], current: &SchemaSnapshot, objects: bool) -> Vec<String> {
    let mut review = Vec::new();
    for change in changes {
        match change {
            Change::ReplaceView(name) => review.push(format!(
                "view {name}: its text differs from the revisions' even after the server's normalisation; check \
                 that the new definition is the one meant"
            )),
            Change::AddCheck { table, check } | Change::DropCheck { table, check } => review.push(format!(
                "check on {table} ({}): checks are compared by their text as the server prints it, so a check \
                 written differently but meaning the same shows as dropped and added",
                check.expression
            )),
            _ => {}
        }
    }
    let unmanaged: Vec<&String> = current.routines.keys().chain(current.triggers.keys()).collect();
    if !unmanaged.is_empty() && !objects {
        review.push(format!(
            "not compared (the declared schema cannot say them): the procedures, functions and triggers {}",
            unmanaged.iter().map(|name| name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    review
}
