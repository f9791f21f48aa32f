//! Reading the legacy database: its snapshot and what the snapshot leaves
//! to the catalog: each module's text as the server keeps it (the snapshot
//! holds it normalised), what each module depends on where the catalog
//! records it, and, on SQL Server, made-up names, alias types, synonyms.
//!
//! Everything is read inside one read transaction (a consistent view on
//! PostgreSQL, where it is `READ ONLY`), rolled back at the end: nothing
//! is written, and nothing is left open.

use super::catalog_rows::{rows, text};
use super::objects::Extras;
use super::report::NotReproduced;
use super::system::SystemNames;
#[cfg(any(feature = "postgres", feature = "mssql"))]
use crate::backend::Row;
use crate::backend::{Backend, BackendError};
use crate::history::HistoryTable;
use crate::schema::SchemaSnapshot;
use crate::{Dialect, Flavour};

/// Everything the baseline is made from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The source database's dialect.
    pub dialect: Dialect,
    /// Its server (SQL Server or Babelfish).
    pub flavour: Flavour,
    /// The database as its backend describes it, never with a password,
    /// and the server's version.
    pub description: String,
    /// Its schema, as introspection reads it.
    pub snapshot: SchemaSnapshot,
    /// The names the server made up (constraints, indexes), to replace.
    pub system: SystemNames,
    /// What the snapshot does not hold: module texts, triggers, types
    /// and other objects baseline reads beside it.
    pub extras: Extras,
    /// What the catalog has that the baseline cannot recreate.
    pub unsupported: Vec<NotReproduced>,
}

/// Reads what a baseline of `db` needs, leaving out retort's own history
/// tables (named by `history`).
pub async fn read_source<B: Backend>(db: &mut B, history: &HistoryTable) -> Result<Source, BackendError> {
    let dialect = db.dialect();
    let flavour = db.flavour().await?;
    db.begin().await?;
    let read = read_in_transaction(db, history, dialect).await;
    db.rollback().await;
    let (snapshot, version, system, extras, unsupported) = read?;
    let description = match version {
        Some(version) => format!("{} ({version})", db.describe()),
        None => db.describe(),
    };
    Ok(Source { dialect, flavour, description, snapshot, system, extras, unsupported })
}

type Read = (SchemaSnapshot, Option<String>, SystemNames, Extras, Vec<NotReproduced>);

async fn read_in_transaction<B: Backend>(db: &mut B, history: &HistoryTable, dialect: Dialect) -> Result<Read, BackendError> {
    let snapshot = db.introspect(history).await?;
    let version = rows(db, dialect.version_query())
        .await?
        .first()
        .map(|row| text(row, 0))
        // PostgreSQL's goes on with the compiler that built it.
        .and_then(|version| version.lines().next().map(|line| line.split(" on ").next().unwrap_or(line).trim().to_owned()));
    #[cfg(feature = "sqlite")]
    if dialect == Dialect::Sqlite {
        let mut extras = Extras::default();
        for row in rows(db, crate::backend::SQLITE_DEFINITIONS).await? {
            extras.definitions.insert(text(&row, 0), text(&row, 1));
        }
        return Ok((snapshot, version, SystemNames::default(), extras, Vec::new()));
    }
    #[cfg(feature = "postgres")]
    if dialect == Dialect::Postgres {
        let dependencies = dependencies(&rows(db, crate::backend::POSTGRES_DEPENDENCIES).await?);
        let extras = Extras { dependencies, ..Extras::default() };
        return Ok((snapshot, version, SystemNames::default(), extras, Vec::new()));
    }
    #[cfg(feature = "mssql")]
    if dialect == Dialect::Mssql {
        return read_mssql_extras(db, snapshot, version, dialect).await;
    }
    // No backend of a dialect whose feature is off can be connected.
    Ok((snapshot, version, SystemNames::default(), Extras::default(), Vec::new()))
}

/// What SQL Server keeps beside the snapshot: the names it made up, each
/// module's exact text and what it names, alias types, synonyms, and what
/// the baseline cannot recreate (table types, modules this login may not
/// read, index names Babelfish cut).
#[cfg(feature = "mssql")]
async fn read_mssql_extras<B: Backend>(
    db: &mut B,
    snapshot: SchemaSnapshot,
    version: Option<String>,
    dialect: Dialect,
) -> Result<Read, BackendError> {
    use super::catalog_rows::int;
    use crate::backend::mssql_extras::{
        ALIAS_TYPES, BABELFISH_INDEXES, DEFINITIONS, DEPENDENCIES, LISTED, SYNONYMS, TABLE_TYPES,
    };
    let mut extras = Extras::default();
    let system = SystemNames::read(db).await?;
    for row in rows(db, DEFINITIONS).await? {
        // Keyed as the snapshot keys the module (Babelfish's catalog gives
        // its name in lower case, the snapshot as its definition spells it).
        if let Some(key) = module_key(&snapshot, &text(&row, 0)) {
            extras.definitions.insert(key, text(&row, 1));
        }
    }
    extras.dependencies = dependencies(&rows(db, DEPENDENCIES).await?);
    for row in rows(db, ALIAS_TYPES).await? {
        let name = text(&row, 0);
        let base = crate::dialect::mssql_catalog_type(&text(&row, 1), int(&row, 2), int(&row, 3), int(&row, 4));
        let null = if int(&row, 5) == 1 { "NULL" } else { "NOT NULL" };
        extras.types.push((name.clone(), format!("CREATE TYPE {} FROM {base} {null}", dialect.quote_ident(&name))));
    }
    for row in rows(db, SYNONYMS).await? {
        let name = text(&row, 0);
        extras.synonyms.push((name.clone(), format!("CREATE SYNONYM {} FOR {}", dialect.quote_ident(&name), text(&row, 1))));
    }
    let mut unsupported: Vec<NotReproduced> = rows(db, TABLE_TYPES)
        .await?
        .iter()
        .map(|row| NotReproduced::new(format!("table type {}", text(row, 0)), "table types are not carried yet: recreate it by hand"))
        .collect();
    unsupported.extend(unseen(&snapshot, &rows(db, LISTED).await?));
    if db.flavour().await? == Flavour::Babelfish {
        unsupported.extend(cut_index_names(&snapshot, &rows(db, BABELFISH_INDEXES).await?));
    }
    Ok((snapshot, version, system, extras, unsupported))
}

/// The snapshot's key of the view, routine or trigger named `name` in any
/// case.
#[cfg(feature = "mssql")]
fn module_key(snapshot: &SchemaSnapshot, name: &str) -> Option<String> {
    let keys = snapshot.views.keys().chain(snapshot.routines.keys()).chain(snapshot.triggers.keys());
    keys.into_iter().find(|key| key.to_lowercase() == name.to_lowercase()).cloned()
}

/// (referencing, referenced) rows as each module's names, in lower case.
#[cfg(any(feature = "postgres", feature = "mssql"))]
fn dependencies(rows: &[Row]) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut names: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for row in rows {
        names.entry(text(row, 0).to_lowercase()).or_default().push(text(row, 1).to_lowercase());
    }
    names
}

/// The indexes whose names Babelfish kept only the start of (see
/// `babelfish_index_name`): the revision names them by that start.
#[cfg(feature = "mssql")]
fn cut_index_names(snapshot: &SchemaSnapshot, indexes: &[Row]) -> Vec<NotReproduced> {
    use crate::backend::{babelfish_index_name, IndexName};
    let mut cut = Vec::new();
    for row in indexes {
        let (table, stored) = (text(row, 0), text(row, 1));
        if let IndexName::Cut(start) = babelfish_index_name(&stored, &table) {
            let table = snapshot.tables.keys().find(|key| key.to_lowercase() == table.to_lowercase()).unwrap_or(&table);
            cut.push(NotReproduced::new(
                format!("table {table}: index {start}"),
                "Babelfish keeps only the first 31 bytes of a name this long (with its table's name, and a hash of \
                 all of it in place of the rest), so the revision names the index by them; rename it by hand where \
                 its full name matters (on SQL Server)",
            ));
        }
    }
    cut
}

/// The modules and sequences the catalog lists but the snapshot lacks:
/// their definitions are hidden from this login (Babelfish shows a
/// sequence's settings only to a login granted SELECT on it). Babelfish
/// lists the sequences behind identity columns too (`<table>_<column>_seq`).
#[cfg(feature = "mssql")]
fn unseen(snapshot: &SchemaSnapshot, listed: &[Row]) -> Vec<NotReproduced> {
    let identity_sequence = |name: &str| {
        snapshot.tables.iter().any(|(table, t)| {
            t.columns.iter().any(|c| c.identity.is_some() && name.eq_ignore_ascii_case(&format!("{table}_{}_seq", c.name)))
        })
    };
    let known = |name: &str, kind: &str| match kind {
        "SO" => snapshot.sequences.keys().any(|s| s.eq_ignore_ascii_case(name)) || identity_sequence(name),
        "V" => snapshot.views.keys().any(|v| v.eq_ignore_ascii_case(name)),
        "TR" => snapshot.triggers.keys().any(|t| t.eq_ignore_ascii_case(name)),
        _ => snapshot.routines.keys().any(|r| r.eq_ignore_ascii_case(name)),
    };
    listed
        .iter()
        .map(|row| (text(row, 0), text(row, 1).trim().to_owned()))
        .filter(|(name, kind)| !known(name, kind))
        .map(|(name, kind)| {
            let what = if kind == "SO" { "sequence" } else { "module" };
            NotReproduced::new(
                format!("{what} {name}"),
                "this login may not read its definition: grant it (SQL Server: VIEW DEFINITION; Babelfish: SELECT on \
                 a sequence, EXECUTE on a routine), or baseline with a login that may",
            )
        })
        .collect()
}
