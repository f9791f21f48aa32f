//! Reading the legacy database: its snapshot and, on SQL Server, what the
//! snapshot leaves to the catalog (made-up names, alias types, synonyms).
//!
//! Everything is read inside one read transaction (a consistent view on
//! PostgreSQL, where it is `READ ONLY`), rolled back at the end: nothing
//! is written, and nothing is left open.

use super::objects::Extras;
use super::report::NotReproduced;
use super::system::SystemNames;
use crate::backend::{Backend, BackendError, Row};
use crate::history::{HistoryTable, Value};
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
    if dialect == Dialect::Sqlite {
        let mut extras = Extras::default();
        for row in rows(db, SQLITE_DEFINITIONS).await? {
            extras.definitions.insert(text(&row, 0), text(&row, 1));
        }
        return Ok((snapshot, version, SystemNames::default(), extras, Vec::new()));
    }
    if dialect != Dialect::Mssql {
        return Ok((snapshot, version, SystemNames::default(), Extras::default(), Vec::new()));
    }
    let system = SystemNames::read(db).await?;
    let mut extras = Extras::default();
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
    Ok((snapshot, version, system, extras, unsupported))
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

/// The rows of a catalog query (none when what it reads is missing).
pub(super) async fn rows<B: Backend>(db: &mut B, sql: &str) -> Result<Vec<Row>, BackendError> {
    Ok(db.query(sql, &[]).await?.unwrap_or_default())
}

/// A column as text, whatever the driver decoded it as.
pub(super) fn text(row: &Row, at: usize) -> String {
    match row.get(at) {
        Some(Value::Text(text)) => text.clone(),
        Some(Value::Int(number)) => number.to_string(),
        _ => String::new(),
    }
}

fn int(row: &Row, at: usize) -> i64 {
    match row.get(at) {
        Some(Value::Int(number)) => *number,
        Some(Value::Text(text)) => text.trim().parse().unwrap_or_default(),
        Some(Value::Bool(flag)) => i64::from(*flag),
        _ => 0,
    }
}
