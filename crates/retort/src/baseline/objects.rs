//! What the op DSL does not model — extensions, types, sequences, views
//! (where their text must stay the catalog's), procedures, functions,
//! triggers, synonyms — as `execute` statements carrying the definitions
//! the catalog holds, each with the statement that drops it.
//!
//! Each statement is one unit, so on SQL Server each module is a batch of
//! its own (a `CREATE VIEW`, `PROCEDURE` or `TRIGGER` must start one).

use super::mentions;
use super::order::sorted;
use super::report::NotReproduced;
use crate::schema::{RoutineKind, SchemaSnapshot};
use crate::{Dialect, Operation, Sql};

/// One object: the operation that creates it and the one that drops it,
/// and for a view, routine or trigger its name in `objects/`.
pub(crate) struct Object {
    pub create: Operation,
    pub drop: Operation,
    pub module: Option<String>,
}

/// What the snapshot does not hold: SQL Server's alias types and
/// synonyms as their `CREATE` statements, the text of SQLite's views and
/// triggers and of SQL Server's modules as the server keeps it (the
/// snapshot keeps it normalised), and what the catalog records of what
/// each module names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// The `CREATE` text of a view, routine or trigger, by the snapshot's
    /// key, exactly as the server keeps it (as it was written).
    pub definitions: std::collections::BTreeMap<String, String>,
    /// The names each module names, as the server's dependency catalog
    /// recorded them (`sys.sql_expression_dependencies`, PostgreSQL's
    /// `pg_depend`), by module, all in lower case. A module missing here
    /// has its names read from its text.
    pub dependencies: std::collections::BTreeMap<String, Vec<String>>,
    /// (name, `CREATE TYPE …`).
    pub types: Vec<(String, String)>,
    /// (name, `CREATE SYNONYM …`).
    pub synonyms: Vec<(String, String)>,
}

fn raw(dialect: Dialect, sql: String) -> Operation {
    Operation::Execute(Sql::PerDialect(vec![(dialect, sql)]))
}

fn object(dialect: Dialect, create: String, drop: String) -> Object {
    Object { create: raw(dialect, create), drop: raw(dialect, drop), module: None }
}

/// `made` as the module `name` of `objects/`.
fn module(name: &str, made: Object) -> Object {
    Object { module: Some(name.to_owned()), ..made }
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
/// ones it names, then triggers, then synonyms; a cycle of modules naming
/// each other is an error with the names in it, in order.
pub(crate) fn after_tables(
    snapshot: &SchemaSnapshot,
    extras: &Extras,
    dialect: Dialect,
    not_reproduced: &mut Vec<NotReproduced>,
) -> Result<Vec<Object>, Vec<String>> {
    let mut modules: Vec<(String, String, Object)> = Vec::new();
    for (name, view) in &snapshot.views {
        let definition = extras.definitions.get(name).map_or_else(|| view.definition.clone(), |text| creatable(text, dialect));
        modules.push((base_name(name), definition.clone(), module(name, view_object(name, &definition, dialect))));
    }
    for (name, view) in &snapshot.materialized_views {
        let q = dialect.quote_ident(name);
        let made = object(dialect, format!("CREATE MATERIALIZED VIEW {q} AS\n{}", view.definition), format!("DROP MATERIALIZED VIEW {q}"));
        // Not a file of objects/: a materialized view holds data, which
        // replacing it as code would throw away.
        modules.push((base_name(name), view.definition.clone(), made));
    }
    for (name, routine) in &snapshot.routines {
        let kind = match routine.kind {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
        };
        let drop = format!("DROP {kind} {}", routine_reference(name, dialect));
        let definition = extras.definitions.get(name).map_or_else(|| routine.definition.clone(), |text| creatable(text, dialect));
        modules.push((base_name(name), definition.clone(), module(&base_name(name), object(dialect, definition, drop))));
    }
    modules.retain(|(name, definition, _)| reproducible(name, definition, dialect, not_reproduced));
    let names: Vec<String> = modules.iter().map(|(name, ..)| name.to_lowercase()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (order, cycles) = sorted(&name_refs, |name| {
        let at = names.iter().position(|n| n == name).unwrap_or_default();
        let named: Vec<String> = match extras.dependencies.get(name) {
            Some(recorded) => recorded.clone(),
            None => mentions::mentioned(&modules[at].1, dialect).into_iter().collect(),
        };
        name_refs.iter().copied().filter(|candidate| named.iter().any(|n| n == candidate)).collect()
    });
    if let Some(cycle) = cycles.first() {
        // The names as the modules spell them.
        let spelled = |lower: &str| {
            modules.iter().find(|(name, ..)| name.to_lowercase() == lower).map_or(lower, |(name, ..)| name.as_str()).to_owned()
        };
        return Err(cycle.iter().map(|name| spelled(name)).collect());
    }
    let mut objects = Vec::new();
    let mut modules: Vec<Option<(String, String, Object)>> = modules.into_iter().map(Some).collect();
    // Every module of a name: PostgreSQL's overloads share one, and the
    // order has each name once.
    for name in order {
        for (at, _) in names.iter().enumerate().filter(|(_, n)| *n == name) {
            objects.extend(modules[at].take().map(|(_, _, made)| made));
        }
    }
    objects.extend(triggers(snapshot, extras, dialect, not_reproduced));
    for (name, create) in &extras.synonyms {
        objects.push(object(dialect, create.clone(), format!("DROP SYNONYM {}", dialect.quote_ident(name))));
    }
    Ok(objects)
}

fn triggers(snapshot: &SchemaSnapshot, extras: &Extras, dialect: Dialect, not_reproduced: &mut Vec<NotReproduced>) -> Vec<Object> {
    let mut objects = Vec::new();
    for (key, trigger) in &snapshot.triggers {
        let name = key.split(" on ").next().unwrap_or(key);
        let definition = extras.definitions.get(key).map_or_else(|| trigger.definition.clone(), |text| creatable(text, dialect));
        if !reproducible(name, &definition, dialect, not_reproduced) {
            continue;
        }
        let drop = dialect.drop_trigger(name, &trigger.table);
        objects.push(module(name, object(dialect, definition, drop)));
    }
    objects
}

/// A view: PostgreSQL keeps only its `SELECT` as it prints it, which
/// `create_view` recreates; SQL Server and SQLite keep the whole text as
/// written, which runs as written, so that the view is stored byte for
/// byte as it was.
fn view_object(name: &str, definition: &str, dialect: Dialect) -> Object {
    let drop = Operation::DropView { name: name.to_owned(), definition: None };
    let create = match dialect {
        Dialect::Postgres => {
            Operation::CreateView { name: name.to_owned(), definition: Sql::Portable(super::postgres::in_lists(definition)) }
        }
        Dialect::Mssql | Dialect::Sqlite => raw(dialect, definition.to_owned()),
    };
    Object { create, drop, module: None }
}

/// A module's text as kept, made to create it: SQL Server keeps the text
/// of the last `ALTER` of a module, whose first word becomes `CREATE`
/// (`CREATE OR ALTER` creates as it is); nothing else changes, so that the
/// module is stored as its source stores it.
fn creatable(text: &str, dialect: Dialect) -> String {
    if dialect != Dialect::Mssql {
        return text.to_owned();
    }
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let is_alter = rest.get(..5).is_some_and(|word| word.eq_ignore_ascii_case("ALTER"))
        && rest[5..].starts_with(char::is_whitespace);
    if is_alter {
        format!("{}CREATE{}", &text[..start], &rest[5..])
    } else {
        text.to_owned()
    }
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
    fn creatable_makes_a_kept_alter_a_create_and_changes_nothing_else() {
        assert_eq!(creatable("\nALTER  VIEW v AS SELECT 1  ", Dialect::Mssql), "\nCREATE  VIEW v AS SELECT 1  ");
        assert_eq!(creatable("create or alter view v as select 1", Dialect::Mssql), "create or alter view v as select 1");
        assert_eq!(creatable("alter view v as select 1", Dialect::Sqlite), "alter view v as select 1");
    }
}
