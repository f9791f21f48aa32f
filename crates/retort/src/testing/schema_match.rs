//! `assert_schema_matches!`: the project's revisions build exactly the
//! schema it declares (pytest-alembic's model-definitions-match-DDL), on a
//! throwaway database of each backend.

use super::BackendKind;
use crate::autogenerate::{compare_pair, declare_on, objects_on, replay, SchemaPair};
use crate::backend::{connect, Session};
use crate::declare::Schema;
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
    // The project's `objects/` too, compared by their normalised texts.
    let (objects, wanted) = objects_on(migrations, wanted, &mut db).await.unwrap_or_else(|error| panic!("{error}"));
    let pair = SchemaPair { current, wanted, dialect: db.dialect(), flavour, objects, stored: Default::default(), view_columns: Default::default() };
    let detected = compare_pair(&pair, declared);
    assert!(
        detected.is_empty(),
        "on {}, the revisions do not build the declared schema:\n  {}\n`{}` writes the revision that does",
        kind.product(),
        detected.join("\n  "),
        crate::hint::NEW_REVISION_AUTOGENERATE
    );
}

/// Asserts that the project's revisions build the schema it declares on a
/// throwaway database of `kind` (see [`assert_schema_matches`]).
#[macro_export]
macro_rules! assert_schema_matches {
    ($migrations:expr, $schema:expr, $kind:expr $(,)?) => {
        $crate::testing::assert_schema_matches($migrations, $schema, $kind).await
    };
}
