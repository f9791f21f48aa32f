//! Reading the legacy database: its snapshot and what the snapshot leaves
//! to the catalog: each module's text as the server keeps it (the snapshot
//! holds it normalised), what each module depends on where the catalog
//! records it, and, on SQL Server, made-up names, alias types, synonyms.
//!
//! Everything is read inside one read transaction (a consistent view on
//! PostgreSQL, where it is `READ ONLY`), rolled back at the end: nothing
//! is written, and nothing is left open.

use super::catalog_rows::{int, rows, text};
use super::objects::Extras;
use super::report::NotReproduced;
use super::system::SystemNames;
use crate::backend::{Backend, BackendError, Row};
use crate::history::HistoryTable;
use crate::schema::SchemaSnapshot;
use crate::{Dialect, Flavour};

/// Everything the baseline is made from.
#[derive(Debug, Clone)]
pub struct Source {
    pub dialect: Dialect,
    pub flavour: Flavour,
    /// The database as its backend describes it, never with a password,
    /// and the server's version.
    pub description: String,
    pub snapshot: SchemaSnapshot,
    pub system: SystemNames,
    pub extras: Extras,
    /// What the catalog has that the baseline cannot recreate.
    pub unsupported: Vec<NotReproduced>,
}

/// SQLite keeps each view's and trigger's `CREATE` as it was written.
const SQLITE_DEFINITIONS: &str = "SELECT name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL";

const ALIAS_TYPES: &str = "SELECT t.name AS type_name, TYPE_NAME(t.system_type_id) AS base_type, \
    CAST(t.max_length AS int) AS max_length, CAST(t.precision AS int) AS type_precision, \
    CAST(t.scale AS int) AS type_scale, CAST(t.is_nullable AS int) AS is_nullable \
    FROM sys.types AS t \
    WHERE t.is_user_defined = 1 AND t.is_table_type = 0 AND SCHEMA_NAME(t.schema_id) = N'dbo' ORDER BY 1";
const TABLE_TYPES: &str = "SELECT t.name AS type_name FROM sys.table_types AS t \
    WHERE t.is_user_defined = 1 AND SCHEMA_NAME(t.schema_id) = N'dbo' ORDER BY 1";
/// Every module and sequence the catalog lists, to name the ones whose
/// definition this login may not read (they would be missing silently).
const LISTED: &str = "SELECT o.name AS object_name, CAST(o.type AS nvarchar(2)) AS object_type FROM sys.objects AS o \
    WHERE o.is_ms_shipped = 0 AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR', 'SO') AND SCHEMA_NAME(o.schema_id) = N'dbo' \
    ORDER BY 1";
const SYNONYMS: &str = "SELECT s.name AS synonym_name, s.base_object_name FROM sys.synonyms AS s \
    WHERE SCHEMA_NAME(s.schema_id) = N'dbo' ORDER BY 1";
/// Each module's text exactly as SQL Server keeps it: what the baseline
/// runs, so that the rebuilt module is stored byte for byte the same.
const MSSQL_DEFINITIONS: &str = "SELECT o.name AS object_name, m.definition FROM sys.sql_modules AS m \
    JOIN sys.objects AS o ON o.object_id = m.object_id \
    WHERE o.is_ms_shipped = 0 AND m.definition IS NOT NULL AND SCHEMA_NAME(o.schema_id) = N'dbo' ORDER BY 1";
/// What each module of `dbo` names, as SQL Server recorded it when the
/// module was created (objects in `dbo` or in no schema: resolved at run
/// time). Babelfish's view exists and is empty.
const MSSQL_DEPENDENCIES: &str = "SELECT o.name AS referencing_name, d.referenced_entity_name AS referenced_name \
    FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id \
    WHERE SCHEMA_NAME(o.schema_id) = N'dbo' AND COALESCE(d.referenced_schema_name, N'dbo') = N'dbo' \
    AND d.referenced_entity_name IS NOT NULL ORDER BY 1, 2";
/// What each view (through its rewrite rule) and each function with an
/// SQL-standard body names, as PostgreSQL records it: relations and
/// functions of the current schema. A function with a quoted body
/// (`AS $$ … $$`) records nothing.
const POSTGRES_DEPENDENCIES: &str = "SELECT DISTINCT v.relname::text, \
        coalesce(r.relname::text, p.proname::text) \
    FROM pg_depend AS d \
    JOIN pg_rewrite AS w ON d.classid = 'pg_rewrite'::regclass AND w.oid = d.objid \
    JOIN pg_class AS v ON v.oid = w.ev_class \
    LEFT JOIN pg_class AS r ON d.refclassid = 'pg_class'::regclass AND r.oid = d.refobjid AND r.oid <> v.oid \
    LEFT JOIN pg_proc AS p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid \
    WHERE v.relnamespace = to_regnamespace(current_schema())::oid AND (r.oid IS NOT NULL OR p.oid IS NOT NULL) \
    UNION \
    SELECT DISTINCT f.proname::text, coalesce(r.relname::text, p.proname::text) \
    FROM pg_depend AS d \
    JOIN pg_proc AS f ON d.classid = 'pg_proc'::regclass AND f.oid = d.objid \
    LEFT JOIN pg_class AS r ON d.refclassid = 'pg_class'::regclass AND r.oid = d.refobjid \
    LEFT JOIN pg_proc AS p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid AND p.oid <> f.oid \
    WHERE f.pronamespace = to_regnamespace(current_schema())::oid AND (r.oid IS NOT NULL OR p.oid IS NOT NULL) \
    ORDER BY 1, 2";
/// The indexes of `dbo`'s tables, as Babelfish stores their names.
const BABELFISH_INDEXES: &str = "SELECT t.name AS table_name, i.name AS index_name FROM sys.indexes AS i \
    JOIN sys.tables AS t ON t.object_id = i.object_id \
    WHERE t.is_ms_shipped = 0 AND i.type > 0 AND i.is_primary_key = 0 AND i.is_unique_constraint = 0 \
    AND SCHEMA_NAME(t.schema_id) = N'dbo' ORDER BY 1, 2";

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
    let mut extras = Extras::default();
    if dialect == Dialect::Sqlite {
        for row in rows(db, SQLITE_DEFINITIONS).await? {
            extras.definitions.insert(text(&row, 0), text(&row, 1));
        }
        return Ok((snapshot, version, SystemNames::default(), extras, Vec::new()));
    }
    if dialect == Dialect::Postgres {
        extras.dependencies = dependencies(&rows(db, POSTGRES_DEPENDENCIES).await?);
        return Ok((snapshot, version, SystemNames::default(), extras, Vec::new()));
    }
    let system = SystemNames::read(db).await?;
    for row in rows(db, MSSQL_DEFINITIONS).await? {
        // Keyed as the snapshot keys the module (Babelfish's catalog gives
        // its name in lower case, the snapshot as its definition spells it).
        if let Some(key) = module_key(&snapshot, &text(&row, 0)) {
            extras.definitions.insert(key, text(&row, 1));
        }
    }
    extras.dependencies = dependencies(&rows(db, MSSQL_DEPENDENCIES).await?);
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
fn module_key(snapshot: &SchemaSnapshot, name: &str) -> Option<String> {
    let keys = snapshot.views.keys().chain(snapshot.routines.keys()).chain(snapshot.triggers.keys());
    keys.into_iter().find(|key| key.to_lowercase() == name.to_lowercase()).cloned()
}

/// (referencing, referenced) rows as each module's names, in lower case.
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

#[cfg(not(feature = "mssql"))]
fn cut_index_names(_: &SchemaSnapshot, _: &[Row]) -> Vec<NotReproduced> {
    Vec::new()
}

/// The modules and sequences the catalog lists but the snapshot lacks:
/// their definitions are hidden from this login (Babelfish shows a
/// sequence's settings only to a login granted SELECT on it). Babelfish
/// lists the sequences behind identity columns too (`<table>_<column>_seq`).
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
