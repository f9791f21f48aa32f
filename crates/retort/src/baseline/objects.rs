//! What the op DSL does not model — extensions, types, sequences, views
//! (where their text must stay the catalog's), procedures, functions,
//! triggers, synonyms — as `execute` statements carrying the definitions
//! the catalog holds, each with the statement that drops it.
//!
//! Each statement is one unit, so on SQL Server each module is a batch of
//! its own (a `CREATE VIEW`, `PROCEDURE` or `TRIGGER` must start one).

use super::order::sorted;
use super::report::NotReproduced;
use crate::schema::{RoutineKind, SchemaSnapshot};
use crate::{Dialect, Operation, Sql};

/// One object: the operation that creates it and the one that drops it.
pub(crate) struct Object {
    pub create: Operation,
    pub drop: Operation,
}

/// What the snapshot does not hold: SQL Server's alias types and
/// synonyms as their `CREATE` statements, and SQLite's views and triggers
/// as written (the snapshot keeps them normalised to one line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// The `CREATE` text of a view or trigger, by name, as the user wrote it.
    pub definitions: std::collections::BTreeMap<String, String>,
    /// (name, `CREATE TYPE …`).
    pub types: Vec<(String, String)>,
    /// (name, `CREATE SYNONYM …`).
    pub synonyms: Vec<(String, String)>,
}

fn raw(dialect: Dialect, sql: String) -> Operation {
    Operation::Execute(Sql::PerDialect(vec![(dialect, sql)]))
}

fn object(dialect: Dialect, create: String, drop: String) -> Object {
    Object { create: raw(dialect, create), drop: raw(dialect, drop) }
}

/// Extensions, types and sequences: what tables may use, so created first.
pub(crate) fn before_tables(snapshot: &SchemaSnapshot, extras: &Extras, dialect: Dialect) -> Vec<Object> {
    let q = |name: &str| dialect.quote_ident(name);
    let mut objects = Vec::new();
    for extension in &snapshot.extensions {
        let name = q(extension);
        objects.push(object(dialect, format!("CREATE EXTENSION IF NOT EXISTS {name}"), format!("DROP EXTENSION IF EXISTS {name}")));
    }
    for (name, user_type) in &snapshot.types {
        if let Some((create, drop)) = postgres_type(name, &user_type.definition) {
            objects.push(object(dialect, create, drop));
        }
    }
    for (name, create) in &extras.types {
        objects.push(object(dialect, create.clone(), format!("DROP TYPE {}", q(name))));
    }
    for (name, sequence) in &snapshot.sequences {
        let create = format!(
            "CREATE SEQUENCE {} AS {} START WITH {} INCREMENT BY {}",
            q(name),
            sequence.data_type,
            sequence.start,
            sequence.increment
        );
        objects.push(object(dialect, create, format!("DROP SEQUENCE {}", q(name))));
    }
    objects
}

/// A PostgreSQL type from the snapshot's one-line form (see
/// `postgres_introspect`): `enum ('a', 'b')`, `domain integer not null …`,
/// `composite (a integer)`, `range (subtype numeric)`.
fn postgres_type(name: &str, definition: &str) -> Option<(String, String)> {
    let q = |name: &str| Dialect::Postgres.quote_ident(name);
    let (kind, rest) = definition.split_once(' ')?;
    let create = match kind {
        "enum" => format!("CREATE TYPE {} AS ENUM {rest}", q(name)),
        "domain" => format!("CREATE DOMAIN {} AS {rest}", q(name)),
        "composite" => format!("CREATE TYPE {} AS {rest}", q(name)),
        "range" => format!("CREATE TYPE {} AS RANGE ({})", q(name), rest.trim_start_matches('(').trim_end_matches(')').replacen("subtype ", "subtype = ", 1)),
        _ => return None,
    };
    let drop = if kind == "domain" { format!("DROP DOMAIN {}", q(name)) } else { format!("DROP TYPE {}", q(name)) };
    Some((create, drop))
}

/// Views, functions and procedures in an order where each comes after the
/// ones it names, then triggers, then synonyms.
pub(crate) fn after_tables(
    snapshot: &SchemaSnapshot,
    extras: &Extras,
    dialect: Dialect,
    not_reproduced: &mut Vec<NotReproduced>,
) -> Vec<Object> {
    let mut modules: Vec<(String, String, Object)> = Vec::new();
    for (name, view) in &snapshot.views {
        let definition = extras.definitions.get(name).unwrap_or(&view.definition);
        if let Some(made) = view_object(name, definition, dialect) {
            modules.push((base_name(name), definition.clone(), made));
        }
    }
    for (name, view) in &snapshot.materialized_views {
        let q = dialect.quote_ident(name);
        let made = object(dialect, format!("CREATE MATERIALIZED VIEW {q} AS\n{}", view.definition), format!("DROP MATERIALIZED VIEW {q}"));
        modules.push((base_name(name), view.definition.clone(), made));
    }
    for (name, routine) in &snapshot.routines {
        let kind = match routine.kind {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
        };
        let drop = format!("DROP {kind} {}", routine_reference(name, dialect));
        modules.push((base_name(name), routine.definition.clone(), object(dialect, routine.definition.clone(), drop)));
    }
    modules.retain(|(name, definition, _)| reproducible(name, definition, dialect, not_reproduced));
    let names: Vec<String> = modules.iter().map(|(name, ..)| name.to_ascii_lowercase()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (order, early) = sorted(&name_refs, |name| {
        let at = names.iter().position(|n| n == name).unwrap_or_default();
        mentioned(&modules[at].1, &name_refs)
    });
    for name in &early {
        not_reproduced.push(NotReproduced::new(
            format!("module {name}"),
            "it is part of a cycle of views and routines naming each other: created in name order, which may fail",
        ));
    }
    let mut objects = Vec::new();
    let mut modules: Vec<Option<(String, String, Object)>> = modules.into_iter().map(Some).collect();
    for name in order {
        if let Some(at) = names.iter().position(|n| n == name) {
            objects.extend(modules[at].take().map(|(_, _, made)| made));
        }
    }
    objects.extend(triggers(snapshot, extras, dialect, not_reproduced));
    for (name, create) in &extras.synonyms {
        objects.push(object(dialect, create.clone(), format!("DROP SYNONYM {}", dialect.quote_ident(name))));
    }
    objects
}

fn triggers(snapshot: &SchemaSnapshot, extras: &Extras, dialect: Dialect, not_reproduced: &mut Vec<NotReproduced>) -> Vec<Object> {
    let mut objects = Vec::new();
    for (key, trigger) in &snapshot.triggers {
        let name = key.split(" on ").next().unwrap_or(key);
        if !reproducible(name, &trigger.definition, dialect, not_reproduced) {
            continue;
        }
        let drop = dialect.drop_trigger(name, &trigger.table);
        let definition = extras.definitions.get(key).unwrap_or(&trigger.definition);
        objects.push(object(dialect, definition.clone(), drop));
    }
    objects
}

/// A view: PostgreSQL and SQLite keep its `SELECT` (SQLite inside the
/// `CREATE VIEW` text), which `create_view` recreates; SQL Server keeps
/// the whole text as written, so it runs as written.
fn view_object(name: &str, definition: &str, dialect: Dialect) -> Option<Object> {
    let select = match dialect {
        Dialect::Postgres => Some(super::postgres::in_lists(definition)),
        Dialect::Sqlite => sqlite_view_select(name, definition),
        Dialect::Mssql => None,
    };
    let drop = Operation::DropView { name: name.to_owned(), definition: None };
    Some(match select {
        Some(select) => Object { create: Operation::CreateView { name: name.to_owned(), definition: Sql::Portable(select) }, drop },
        None => Object { create: raw(dialect, definition.to_owned()), drop },
    })
}

/// The `SELECT` of `CREATE VIEW name AS SELECT …`, when the text is that
/// (however it is spaced and cased).
fn sqlite_view_select(name: &str, definition: &str) -> Option<String> {
    let word = |text: &str, word: &str| -> Option<usize> {
        let head = text.get(..word.len())?;
        let next = text[word.len()..].chars().next();
        (head.eq_ignore_ascii_case(word) && next.is_some_and(char::is_whitespace)).then_some(word.len())
    };
    let mut rest = definition.trim_start();
    for keyword in ["CREATE", "VIEW"] {
        rest = rest[word(rest, keyword)?..].trim_start();
    }
    let quoted = Dialect::Sqlite.quote_ident(name);
    let after_name = [name, quoted.as_str()].into_iter().find_map(|spelled| word(rest, spelled))?;
    rest = rest[after_name..].trim_start();
    Some(rest[word(rest, "AS")?..].trim().to_owned())
}

/// Whether a module can be recreated from its text, noting why not.
fn reproducible(name: &str, definition: &str, dialect: Dialect, not_reproduced: &mut Vec<NotReproduced>) -> bool {
    let reason = if definition == "(encrypted)" {
        Some("the catalog gives no definition: it is encrypted (WITH ENCRYPTION), or this login may not see it (VIEW DEFINITION)")
    } else if dialect == Dialect::Mssql && definition.lines().any(|line| line.trim().eq_ignore_ascii_case("GO")) {
        Some("its text has a line that is just GO, where SQL Server's batches split: recreate it by hand")
    } else {
        None
    };
    if let Some(reason) = reason {
        not_reproduced.push(NotReproduced::new(format!("module {name}"), reason));
    }
    reason.is_none()
}

/// `name` without arguments (PostgreSQL keys routines `name(args)`).
fn base_name(key: &str) -> String {
    key.split('(').next().unwrap_or(key).to_owned()
}

/// `"name"(args)` on PostgreSQL (overloads share a name), `[name]` elsewhere.
fn routine_reference(key: &str, dialect: Dialect) -> String {
    match key.split_once('(') {
        Some((name, arguments)) if dialect == Dialect::Postgres => format!("{}({arguments}", dialect.quote_ident(name)),
        _ => dialect.quote_ident(key),
    }
}

/// The names among `names` that `definition` mentions as a word.
fn mentioned<'a>(definition: &str, names: &[&'a str]) -> Vec<&'a str> {
    let words: std::collections::BTreeSet<String> = definition
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    names.iter().copied().filter(|name| words.contains(*name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_type_recreates_each_kind_from_its_one_line_form() {
        assert_eq!(
            postgres_type("mood", "enum ('low', 'high')").unwrap().0,
            "CREATE TYPE \"mood\" AS ENUM ('low', 'high')"
        );
        assert_eq!(
            postgres_type("qty", "domain integer not null CHECK (VALUE > 0)").unwrap(),
            ("CREATE DOMAIN \"qty\" AS integer not null CHECK (VALUE > 0)".to_owned(), "DROP DOMAIN \"qty\"".to_owned())
        );
        assert_eq!(postgres_type("span", "range (subtype numeric)").unwrap().0, "CREATE TYPE \"span\" AS RANGE (subtype = numeric)");
    }

    #[test]
    fn sqlite_view_select_is_the_text_after_as_when_the_view_is_plain() {
        assert_eq!(sqlite_view_select("v", "CREATE VIEW v AS SELECT 1").as_deref(), Some("SELECT 1"));
        assert_eq!(sqlite_view_select("v", "create view \"v\" as\n    SELECT 1").as_deref(), Some("SELECT 1"));
        assert_eq!(sqlite_view_select("v", "CREATE TEMP VIEW v AS SELECT 1"), None);
    }
}
