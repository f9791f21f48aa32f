//! `assert_schema_matches!`: the project's revisions build exactly the
//! schema it declares (pytest-alembic's model-definitions-match-DDL), on a
//! throwaway database of each backend.

use super::BackendKind;
use crate::autogenerate::{compare_pair, declare_on, replay, SchemaPair};
use crate::backend::{connect, Session};
use crate::declare::Schema;
use crate::schema::SchemaSnapshot;
use crate::{DatabaseUrl, Migrations};

/// Asserts that `migrations`, upgraded to their heads on a throwaway
/// database of `kind`, build `declared` as the same server builds it from
/// the declaration, naming each difference otherwise. Skips loudly when the
/// database is unavailable, or panics when it is required (see
/// [`test_database!`](crate::test_database)).
///
/// ```no_run
/// # static MIGRATIONS: retort::Migrations = retort::Migrations::new(&[]);
/// # fn schema() -> retort::declare::Schema { retort::declare::Schema::new() }
/// #[tokio::test]
/// async fn revisions_build_the_declared_schema() {
///     retort::assert_schema_matches!(&MIGRATIONS, &schema(), retort::testing::BackendKind::Sqlite);
/// }
/// ```
pub async fn assert_schema_matches(migrations: &'static Migrations, declared: &Schema, kind: BackendKind) {
    let Some(revisions) = super::__test_database_or_report(kind) else { return };
    let Some(declaration) = super::__test_database_or_report(kind) else { return };
    let open = |url: &str| DatabaseUrl::parse(url).unwrap_or_else(|error| panic!("the test database's URL does not parse: {error}"));
    let mut db = connect(&open(revisions.url())).await.unwrap_or_else(|error| panic!("{error}"));
    let current = replay(migrations, &mut db).await.unwrap_or_else(|error| panic!("{error}"));
    let mut db = connect(&open(declaration.url())).await.unwrap_or_else(|error| panic!("{error}"));
    let flavour = db.flavour().await.unwrap_or_else(|error| panic!("{error}"));
    let wanted = declare_on(declared, &mut db).await.unwrap_or_else(|error| panic!("{error}"));
    let pair = SchemaPair { current, wanted, dialect: db.dialect(), flavour };
    let mut detected = compare_pair(&pair, declared);
    detected.extend(changed_bodies(&pair.current, &pair.wanted));
    assert!(
        detected.is_empty(),
        "on {}, the revisions do not build the declared schema:\n  {}\n`{}` writes the revision that does",
        kind.product(),
        detected.join("\n  "),
        crate::hint::NEW_REVISION_AUTOGENERATE
    );
}

/// One line per routine or trigger that both schemas have with another
/// text, after the server's normalisation (the snapshot's): a body changed
/// and nothing else. Views are compared with the tables; a module on one
/// side only is the declaration's business, not a changed body.
fn changed_bodies(current: &SchemaSnapshot, wanted: &SchemaSnapshot) -> Vec<String> {
    let modules = |schema: &SchemaSnapshot| {
        let (routines, triggers) = (&schema.routines, &schema.triggers);
        let on_both = |name: &String| current.routines.contains_key(name) && wanted.routines.contains_key(name);
        let trigger_on_both = |name: &String| current.triggers.contains_key(name) && wanted.triggers.contains_key(name);
        SchemaSnapshot {
            routines: routines.iter().filter(|(name, _)| on_both(name)).map(|(n, r)| (n.clone(), r.clone())).collect(),
            triggers: triggers.iter().filter(|(name, _)| trigger_on_both(name)).map(|(n, t)| (n.clone(), t.clone())).collect(),
            ..SchemaSnapshot::default()
        }
    };
    modules(wanted)
        .diff(&modules(current))
        .iter()
        .map(|difference| format!("detected changed {difference} (declared → built by the revisions)"))
        .collect()
}

/// Asserts that the project's revisions build the schema it declares on a
/// throwaway database of `kind` (see [`assert_schema_matches`]).
#[macro_export]
macro_rules! assert_schema_matches {
    ($migrations:expr, $schema:expr, $kind:expr $(,)?) => {
        $crate::testing::assert_schema_matches($migrations, $schema, $kind).await
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Routine, RoutineKind, Trigger};

    fn procedure(body: &str) -> Routine {
        Routine { kind: RoutineKind::Procedure, definition: format!("CREATE PROCEDURE p AS\nBEGIN\n    {body}\nEND") }
    }

    #[test]
    fn changed_bodies_names_a_routine_or_trigger_whose_body_alone_differs() {
        let mut built = SchemaSnapshot::default();
        built.routines.insert("p".into(), procedure("DELETE FROM t;"));
        built.routines.insert("only_built".into(), procedure("SELECT 1;"));
        let trigger = |body: &str| Trigger { table: "t".into(), definition: format!("CREATE TRIGGER tr ON t AFTER INSERT AS {body}") };
        built.triggers.insert("tr".into(), trigger("SELECT 1;"));
        let mut declared = built.clone();
        declared.routines.remove("only_built");
        assert_eq!(changed_bodies(&built, &declared), Vec::<String>::new(), "the same texts, and one module on one side only");

        declared.routines.insert("p".into(), procedure("DELETE FROM t WHERE done = 1;"));
        declared.triggers.insert("tr".into(), trigger("SELECT 2;"));
        assert_eq!(
            changed_bodies(&built, &declared),
            [
                "detected changed routine p: definition line 3 `DELETE FROM t WHERE done = 1;` → `DELETE FROM t;` \
                 (declared → built by the revisions)",
                "detected changed trigger tr: definition `CREATE TRIGGER tr ON t AFTER INSERT AS SELECT 2;` → \
                 `CREATE TRIGGER tr ON t AFTER INSERT AS SELECT 1;` (declared → built by the revisions)",
            ]
        );
    }
}
