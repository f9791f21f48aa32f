//! Reading a PostgreSQL schema into a [`SchemaSnapshot`].
//!
//! Everything comes from `pg_catalog`, with the server's own deparsers for
//! expressions and definitions (`format_type`, `pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`,
//! `pg_get_functiondef`, `pg_get_triggerdef`): they print from the parsed
//! form, so the same object created by differently written SQL reads the
//! same. The queries are sent together (tokio-postgres pipelines them), so a
//! snapshot costs about one round trip.
//!
//! Scope: the connection's current schema and every other schema that is not
//! the server's (`pg_catalog`, `information_schema`, `pg_toast`, `pg_temp_*`).
//! Objects that belong to an extension are left out (the extension itself is
//! listed), and so are retort's history tables and the sequences that serial
//! and identity columns own.
//!
//! Reading (`introspect`) and turning rows into the model (`assemble`) are
//! separate so that the second is a pure, unit-tested function.

use std::collections::BTreeMap;

use tokio_postgres::{Client, Row};

use super::BackendError;
use crate::history::HistoryTable;
use crate::schema::{
    Check, Column, ForeignKey, Identity, Index, IndexColumn, Key, Routine, RoutineKind,
    SchemaSnapshot, Sequence, Table, Trigger, UserType, View,
};

/// Schemas the server owns.
const USER_SCHEMAS: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// A relation `c` that no extension created.
const NOT_FROM_EXTENSION: &str = "NOT EXISTS (SELECT 1 FROM pg_depend e \
     WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')";

/// Everything read from the catalog, as plain rows.
#[derive(Debug, Clone, Default)]
pub(super) struct Catalog {
    pub current_schema: String,
    pub schemas: Vec<String>,
    pub extensions: Vec<String>,
    pub tables: Vec<(String, String)>,
    pub columns: Vec<ColumnRow>,
    pub constraints: Vec<ConstraintRow>,
    pub indexes: Vec<IndexRow>,
    pub views: Vec<ViewRow>,
    pub routines: Vec<RoutineRow>,
    pub triggers: Vec<TriggerRow>,
    pub sequences: Vec<SequenceRow>,
    pub types: Vec<TypeRow>,
}

/// A column, in `attnum` order within its table.
#[derive(Debug, Clone, Default)]
pub(super) struct ColumnRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub data_type: String,
    pub not_null: bool,
    /// The default, or a generated column's expression.
    pub expression: Option<String>,
    /// `attgenerated`: empty, `s` (stored) or `v` (virtual, PostgreSQL 18).
    pub generated: String,
    /// `attidentity`: empty, `a` (ALWAYS) or `d` (BY DEFAULT).
    pub identity: String,
    pub collation: Option<String>,
    pub seed: Option<i64>,
    pub increment: Option<i64>,
}

/// A primary key, unique, foreign key or check constraint.
#[derive(Debug, Clone, Default)]
pub(super) struct ConstraintRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `contype`: `p`, `u`, `f` or `c`.
    pub kind: String,
    pub columns: Vec<String>,
    pub referenced_schema: Option<String>,
    pub referenced_table: Option<String>,
    pub referenced_columns: Vec<String>,
    pub on_update: String,
    pub on_delete: String,
    /// `pg_get_constraintdef`.
    pub definition: String,
}

/// An index that backs no primary key or unique constraint.
#[derive(Debug, Clone, Default)]
pub(super) struct IndexRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub unique: bool,
    /// How many of `terms` are key columns; the rest are INCLUDE columns.
    pub key_count: usize,
    pub terms: Vec<String>,
    /// `indoption` per key column: bit 1 is DESC.
    pub options: Vec<i16>,
    pub predicate: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ViewRow {
    pub schema: String,
    pub name: String,
    pub materialized: bool,
    pub definition: String,
}

#[derive(Debug, Clone, Default)]
pub(super) struct RoutineRow {
    pub schema: String,
    pub name: String,
    pub arguments: String,
    pub procedure: bool,
    pub definition: String,
}

#[derive(Debug, Clone, Default)]
pub(super) struct TriggerRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub definition: String,
}

#[derive(Debug, Clone, Default)]
pub(super) struct SequenceRow {
    pub schema: String,
    pub name: String,
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
}

#[derive(Debug, Clone, Default)]
pub(super) struct TypeRow {
    pub schema: String,
    pub name: String,
    pub definition: String,
}

fn db_error(error: tokio_postgres::Error) -> BackendError {
    let message = match error.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => error.to_string(),
    };
    BackendError::Database {
        context: "introspecting the schema",
        message,
    }
}

/// Reads the schema, leaving out the history tables.
pub(super) async fn introspect(
    client: &Client,
    history: &HistoryTable,
) -> Result<SchemaSnapshot, BackendError> {
    let catalog = read_catalog(client).await?;
    Ok(assemble(catalog, history))
}

/// For a baseline: what each view (through its rewrite rule) and each function with an
/// SQL-standard body names, as PostgreSQL records it: relations and
/// functions of the current schema. A function with a quoted body
/// (`AS $$ … $$`) records nothing.
pub(crate) const DEPENDENCIES: &str = "SELECT DISTINCT v.relname::text, \
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

/// The current schema's name, for naming objects the way the snapshot does.
const CURRENT_SCHEMA_QUERY: &str = "SELECT coalesce(current_schema()::text, 'public')";

/// `plpgsql` is left out because every database has it.
const EXTENSIONS_QUERY: &str = "SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql'";

/// Sends every catalog query at once and decodes the answers into rows.
async fn read_catalog(client: &Client) -> Result<Catalog, BackendError> {
    // The texts are bound first because the pipelined queries borrow them
    // until the last answer arrives.
    let schemas_sql = schemas_query();
    let tables_sql = tables_query();
    let columns_sql = columns_query();
    let constraints_sql = constraints_query();
    let indexes_sql = indexes_query();
    let views_sql = views_query();
    let routines_sql = routines_query();
    let triggers_sql = triggers_query();
    let sequences_sql = sequences_query();
    let types_sql = types_query();
    let (
        current,
        schemas,
        extensions,
        tables,
        columns,
        constraints,
        indexes,
        views,
        routines,
        triggers,
        sequences,
        types,
    ) = tokio::try_join!(
        client.query_one(CURRENT_SCHEMA_QUERY, &[]),
        client.query(schemas_sql.as_str(), &[]),
        client.query(EXTENSIONS_QUERY, &[]),
        client.query(tables_sql.as_str(), &[]),
        client.query(columns_sql.as_str(), &[]),
        client.query(constraints_sql.as_str(), &[]),
        client.query(indexes_sql.as_str(), &[]),
        client.query(views_sql.as_str(), &[]),
        client.query(routines_sql.as_str(), &[]),
        client.query(triggers_sql.as_str(), &[]),
        client.query(sequences_sql.as_str(), &[]),
        client.query(types_sql.as_str(), &[]),
    )
    .map_err(db_error)?;
    Ok(Catalog {
        current_schema: current.try_get(0).map_err(db_error)?,
        schemas: decode(&schemas, text_row)?,
        extensions: decode(&extensions, text_row)?,
        tables: decode(&tables, table_row)?,
        columns: decode(&columns, column_row)?,
        constraints: decode(&constraints, constraint_row)?,
        indexes: decode(&indexes, index_row)?,
        views: decode(&views, view_row)?,
        routines: decode(&routines, routine_row)?,
        triggers: decode(&triggers, trigger_row)?,
        sequences: decode(&sequences, sequence_row)?,
        types: decode(&types, type_row)?,
    })
}

/// Decodes every row of one result set, failing on the first that does not
/// have the shape its query promises.
fn decode<T>(
    rows: &[Row],
    row: fn(&Row) -> Result<T, tokio_postgres::Error>,
) -> Result<Vec<T>, BackendError> {
    rows.iter()
        .map(row)
        .collect::<Result<_, _>>()
        .map_err(db_error)
}

/// The user's schemas that no extension created.
fn schemas_query() -> String {
    format!(
        "SELECT n.nspname::text FROM pg_namespace n WHERE {USER_SCHEMAS} \
         AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass \
                         AND e.objid = n.oid AND e.deptype = 'e')"
    )
}

/// Ordinary and partitioned tables, as (schema, name).
fn tables_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS} AND {NOT_FROM_EXTENSION}"
    )
}

/// Every table's live columns in `attnum` order, with the identity
/// sequence's start and step joined in through the column's dependency.
fn columns_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attgenerated::text, a.attidentity::text, \
                CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END, s.seqstart, s.seqincrement \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         LEFT JOIN pg_depend dep ON a.attidentity <> '' AND dep.classid = 'pg_class'::regclass \
              AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid \
              AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' \
         LEFT JOIN pg_sequence s ON s.seqrelid = dep.objid \
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
               AND {USER_SCHEMAS} AND {NOT_FROM_EXTENSION} \
         ORDER BY n.nspname, c.relname, a.attnum"
    )
}

/// Primary key, unique, foreign key and check constraints, with their
/// column numbers turned into names in key order.
fn constraints_query() -> String {
    let key_names = |key: &str, relation: &str| {
        format!(
            "ARRAY(SELECT a.attname::text FROM unnest(con.{key}) WITH ORDINALITY k(num, ord) \
             JOIN pg_attribute a ON a.attrelid = con.{relation} AND a.attnum = k.num ORDER BY k.ord)"
        )
    };
    format!(
        "SELECT n.nspname::text, c.relname::text, con.conname::text, con.contype::text, {}, \
                rn.nspname::text, rc.relname::text, {}, con.confupdtype::text, con.confdeltype::text, \
                pg_get_constraintdef(con.oid, true) \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
         WHERE con.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') \
               AND {USER_SCHEMAS} AND {NOT_FROM_EXTENSION}",
        key_names("conkey", "conrelid"),
        key_names("confkey", "confrelid"),
    )
}

/// Indexes that back no primary key or unique constraint: those are read
/// as constraints.
fn indexes_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, ic.relname::text, i.indisunique, i.indnkeyatts::int4, \
                ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnatts::int4) k ORDER BY k), \
                i.indoption::int2[], pg_get_expr(i.indpred, i.indrelid, true) \
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS} AND {NOT_FROM_EXTENSION} \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid \
                               AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u'))"
    )
}

/// Plain and materialized views with their deparsed queries.
fn views_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, c.relkind = 'm', pg_get_viewdef(c.oid, true) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMAS} AND {NOT_FROM_EXTENSION}"
    )
}

/// Functions and procedures that no extension created; their identity
/// arguments tell overloads apart.
fn routines_query() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), p.prokind = 'p', \
                pg_get_functiondef(p.oid) \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMAS} \
               AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass \
                               AND e.objid = p.oid AND e.deptype = 'e')"
    )
}

/// User triggers: internal ones implement constraints, which are read as such.
fn triggers_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid, true) \
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT t.tgisinternal AND {USER_SCHEMAS} AND {NOT_FROM_EXTENSION}"
    )
}

/// Free-standing sequences: those owned by a column (serial, identity,
/// OWNED BY) go with it.
fn sequences_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement \
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {USER_SCHEMAS} AND {NOT_FROM_EXTENSION} \
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
                   AND d.objid = c.oid AND d.deptype IN ('a', 'i') \
                   AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0)"
    )
}

/// Enums, domains, range and free-standing composite types, each printed
/// as one comparable line (a table's row type is not a user type).
fn types_query() -> String {
    format!(
        "SELECT n.nspname::text, t.typname::text, CASE t.typtype \
           WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
                                     FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')' \
           WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod) \
                || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END \
                || coalesce(' default ' || t.typdefault, '') \
                || coalesce((SELECT ' ' || string_agg(pg_get_constraintdef(con.oid, true), ' ' ORDER BY con.conname) \
                             FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '') \
           WHEN 'r' THEN 'range (subtype ' || (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r \
                                               WHERE r.rngtypid = t.oid) || ')' \
           ELSE 'composite (' || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' \
                                          || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) \
                                 FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 \
                                 AND NOT a.attisdropped), '') || ')' \
         END \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE {USER_SCHEMAS} \
           AND (t.typtype IN ('e', 'd', 'r') \
                OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))) \
           AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass \
                           AND e.objid = t.oid AND e.deptype = 'e')"
    )
}

fn text_row(r: &Row) -> Result<String, tokio_postgres::Error> {
    r.try_get(0)
}

fn table_row(r: &Row) -> Result<(String, String), tokio_postgres::Error> {
    Ok((r.try_get(0)?, r.try_get(1)?))
}

fn column_row(r: &Row) -> Result<ColumnRow, tokio_postgres::Error> {
    Ok(ColumnRow {
        schema: r.try_get(0)?,
        table: r.try_get(1)?,
        name: r.try_get(2)?,
        data_type: r.try_get(3)?,
        not_null: r.try_get(4)?,
        expression: r.try_get(5)?,
        generated: r.try_get(6)?,
        identity: r.try_get(7)?,
        collation: r.try_get(8)?,
        seed: r.try_get(9)?,
        increment: r.try_get(10)?,
    })
}

fn constraint_row(r: &Row) -> Result<ConstraintRow, tokio_postgres::Error> {
    Ok(ConstraintRow {
        schema: r.try_get(0)?,
        table: r.try_get(1)?,
        name: r.try_get(2)?,
        kind: r.try_get(3)?,
        columns: r.try_get(4)?,
        referenced_schema: r.try_get(5)?,
        referenced_table: r.try_get(6)?,
        referenced_columns: r.try_get(7)?,
        on_update: r.try_get(8)?,
        on_delete: r.try_get(9)?,
        definition: r.try_get(10)?,
    })
}

fn index_row(r: &Row) -> Result<IndexRow, tokio_postgres::Error> {
    Ok(IndexRow {
        schema: r.try_get(0)?,
        table: r.try_get(1)?,
        name: r.try_get(2)?,
        unique: r.try_get(3)?,
        key_count: usize::try_from(r.try_get::<_, i32>(4)?).unwrap_or(0),
        terms: r.try_get(5)?,
        options: r.try_get(6)?,
        predicate: r.try_get(7)?,
    })
}

fn view_row(r: &Row) -> Result<ViewRow, tokio_postgres::Error> {
    Ok(ViewRow {
        schema: r.try_get(0)?,
        name: r.try_get(1)?,
        materialized: r.try_get(2)?,
        definition: r.try_get(3)?,
    })
}

fn routine_row(r: &Row) -> Result<RoutineRow, tokio_postgres::Error> {
    Ok(RoutineRow {
        schema: r.try_get(0)?,
        name: r.try_get(1)?,
        arguments: r.try_get(2)?,
        procedure: r.try_get(3)?,
        definition: r.try_get(4)?,
    })
}

fn trigger_row(r: &Row) -> Result<TriggerRow, tokio_postgres::Error> {
    Ok(TriggerRow {
        schema: r.try_get(0)?,
        table: r.try_get(1)?,
        name: r.try_get(2)?,
        definition: r.try_get(3)?,
    })
}

fn sequence_row(r: &Row) -> Result<SequenceRow, tokio_postgres::Error> {
    Ok(SequenceRow {
        schema: r.try_get(0)?,
        name: r.try_get(1)?,
        data_type: r.try_get(2)?,
        start: r.try_get(3)?,
        increment: r.try_get(4)?,
    })
}

/// The definition's CASE yields NULL when one concatenated part is NULL (a
/// range without its `pg_range` row); an empty definition stands in rather
/// than failing the whole snapshot.
fn type_row(r: &Row) -> Result<TypeRow, tokio_postgres::Error> {
    Ok(TypeRow {
        schema: r.try_get(0)?,
        name: r.try_get(1)?,
        definition: r.try_get::<_, Option<String>>(2)?.unwrap_or_default(),
    })
}

/// Names objects the way the snapshot's keys do: bare in the current
/// schema, `schema.name` elsewhere.
struct Names<'a> {
    current: &'a str,
    history_schema: &'a str,
    history: &'a HistoryTable,
}

impl Names<'_> {
    fn qualify(&self, schema: &str, name: &str) -> String {
        if schema == self.current {
            name.to_owned()
        } else {
            format!("{schema}.{name}")
        }
    }

    fn is_history(&self, schema: &str, table: &str) -> bool {
        schema == self.history_schema
            && (table == self.history.name
                || table.strip_suffix("_log") == Some(self.history.name.as_str()))
    }

    /// The snapshot's table that a column, constraint or index row belongs
    /// to; none for the history tables, which the snapshot never holds.
    fn table_mut<'t>(
        &self,
        tables: &'t mut BTreeMap<String, Table>,
        schema: &str,
        table: &str,
    ) -> Option<&'t mut Table> {
        if self.is_history(schema, table) {
            return None;
        }
        tables.get_mut(&self.qualify(schema, table))
    }
}

/// Builds the snapshot from what the catalog said.
pub(super) fn assemble(catalog: Catalog, history: &HistoryTable) -> SchemaSnapshot {
    let history_schema = history
        .schema
        .clone()
        .unwrap_or_else(|| catalog.current_schema.clone());
    let names = Names {
        current: &catalog.current_schema,
        history_schema: &history_schema,
        history,
    };
    let mut snapshot = SchemaSnapshot {
        schemas: catalog
            .schemas
            .iter()
            .filter(|schema| **schema != catalog.current_schema)
            .cloned()
            .collect(),
        extensions: catalog.extensions.into_iter().collect(),
        ..SchemaSnapshot::default()
    };
    add_tables(&mut snapshot, &names, &catalog.tables);
    add_columns(&mut snapshot, &names, catalog.columns);
    add_constraints(&mut snapshot, &names, catalog.constraints);
    add_indexes(&mut snapshot, &names, catalog.indexes);
    snapshot.sort_parts();
    add_views(&mut snapshot, &names, catalog.views);
    add_routines(&mut snapshot, &names, catalog.routines);
    add_triggers(&mut snapshot, &names, catalog.triggers);
    add_sequences(&mut snapshot, &names, catalog.sequences);
    add_types(&mut snapshot, &names, catalog.types);
    forget_unused_history_schema(&mut snapshot, &history_schema);
    snapshot
}

/// An empty table per user table, for the later rows to fill in.
fn add_tables(snapshot: &mut SchemaSnapshot, names: &Names, tables: &[(String, String)]) {
    for (schema, table) in tables {
        if !names.is_history(schema, table) {
            snapshot
                .tables
                .insert(names.qualify(schema, table), Table::default());
        }
    }
}

fn add_columns(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<ColumnRow>) {
    for row in rows {
        if let Some(table) = names.table_mut(&mut snapshot.tables, &row.schema, &row.table) {
            table.columns.push(column(row));
        }
    }
}

/// A column from its row: a generated column's expression is its computed
/// definition, not its default, though the catalog keeps both in `pg_attrdef`.
fn column(row: ColumnRow) -> Column {
    let computed = match row.generated.as_str() {
        "s" => Some(format!(
            "{} stored",
            row.expression.clone().unwrap_or_default()
        )),
        "v" => Some(format!(
            "{} virtual",
            row.expression.clone().unwrap_or_default()
        )),
        _ => None,
    };
    Column {
        name: row.name,
        data_type: row.data_type,
        nullable: !row.not_null,
        default: if computed.is_some() {
            None
        } else {
            row.expression
        },
        default_name: None,
        identity: (!row.identity.is_empty()).then_some(Identity {
            seed: row.seed,
            increment: row.increment,
        }),
        collation: row.collation,
        computed,
    }
}

fn add_constraints(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<ConstraintRow>) {
    for row in rows {
        if let Some(table) = names.table_mut(&mut snapshot.tables, &row.schema, &row.table) {
            add_constraint(table, names, row);
        }
    }
}

/// Files one constraint under its kind; kinds outside the query's
/// (`p`, `u`, `f`, `c`) are ignored.
fn add_constraint(table: &mut Table, names: &Names, row: ConstraintRow) {
    match row.kind.as_str() {
        "p" => {
            table.primary_key = Some(Key {
                name: Some(row.name),
                columns: row.columns,
            })
        }
        "u" => table.uniques.push(Key {
            name: Some(row.name),
            columns: row.columns,
        }),
        "f" => table.foreign_keys.push(ForeignKey {
            name: Some(row.name),
            columns: row.columns,
            referenced_table: match (&row.referenced_schema, &row.referenced_table) {
                (Some(schema), Some(referenced)) => names.qualify(schema, referenced),
                _ => String::new(),
            },
            referenced_columns: row.referenced_columns,
            on_delete: action(&row.on_delete).to_owned(),
            on_update: action(&row.on_update).to_owned(),
        }),
        "c" => {
            let expression = row
                .definition
                .strip_prefix("CHECK ")
                .unwrap_or(&row.definition);
            table.checks.push(Check {
                name: Some(row.name),
                expression: strip_enclosing(expression).to_owned(),
            });
        }
        _ => {}
    }
}

fn add_indexes(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<IndexRow>) {
    for row in rows {
        if let Some(table) = names.table_mut(&mut snapshot.tables, &row.schema, &row.table) {
            table.indexes.push(index(row));
        }
    }
}

/// An index from its row: the first `key_count` terms are keys, with their
/// direction from `indoption`; the rest are INCLUDE columns.
fn index(row: IndexRow) -> Index {
    let key_count = row.key_count.min(row.terms.len());
    Index {
        name: row.name,
        unique: row.unique,
        clustered: false,
        columns: row.terms[..key_count]
            .iter()
            .enumerate()
            .map(|(i, term)| IndexColumn {
                name: term.clone(),
                descending: row.options.get(i).is_some_and(|option| option & 1 == 1),
            })
            .collect(),
        included: row.terms[key_count..].to_vec(),
        filter: row.predicate,
    }
}


fn add_views(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<ViewRow>) {
    for row in rows {
        let view = View {
            definition: tidy(&row.definition),
        };
        let name = names.qualify(&row.schema, &row.name);
        if row.materialized {
            snapshot.materialized_views.insert(name, view);
        } else {
            snapshot.views.insert(name, view);
        }
    }
}

/// Routines are keyed with their identity arguments, because overloads
/// share a name.
fn add_routines(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<RoutineRow>) {
    for row in rows {
        snapshot.routines.insert(
            format!(
                "{}({})",
                names.qualify(&row.schema, &row.name),
                row.arguments
            ),
            Routine {
                kind: if row.procedure {
                    RoutineKind::Procedure
                } else {
                    RoutineKind::Function
                },
                definition: tidy(&row.definition),
            },
        );
    }
}

fn add_triggers(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<TriggerRow>) {
    let triggers: Vec<TriggerRow> = rows
        .into_iter()
        .filter(|row| !names.is_history(&row.schema, &row.table))
        .collect();
    for row in &triggers {
        snapshot.triggers.insert(
            trigger_key(names, &triggers, row),
            Trigger {
                table: names.qualify(&row.schema, &row.table),
                definition: tidy(&row.definition),
            },
        );
    }
}

/// Trigger names are unique per table, not per schema: a name used on
/// two tables of one schema is keyed `name on table` for both.
fn trigger_key(names: &Names, triggers: &[TriggerRow], row: &TriggerRow) -> String {
    let shared = triggers
        .iter()
        .filter(|other| other.schema == row.schema && other.name == row.name)
        .count()
        > 1;
    let key = names.qualify(&row.schema, &row.name);
    if shared {
        format!("{key} on {}", row.table)
    } else {
        key
    }
}

fn add_sequences(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<SequenceRow>) {
    for row in rows {
        snapshot.sequences.insert(
            names.qualify(&row.schema, &row.name),
            Sequence {
                data_type: row.data_type,
                start: row.start,
                increment: row.increment,
            },
        );
    }
}

fn add_types(snapshot: &mut SchemaSnapshot, names: &Names, rows: Vec<TypeRow>) {
    for row in rows {
        snapshot.types.insert(
            names.qualify(&row.schema, &row.name),
            UserType {
                definition: row.definition,
            },
        );
    }
}

/// The history's own schema is listed only when it holds something else:
/// `ensure_history` may have created it, and a fresh and a fully
/// downgraded database must not differ by it.
fn forget_unused_history_schema(snapshot: &mut SchemaSnapshot, history_schema: &str) {
    let prefix = format!("{history_schema}.");
    let used = snapshot
        .tables
        .keys()
        .chain(snapshot.views.keys())
        .chain(snapshot.materialized_views.keys())
        .chain(snapshot.routines.keys())
        .chain(snapshot.sequences.keys())
        .chain(snapshot.types.keys())
        .any(|key| key.starts_with(&prefix));
    if !used {
        snapshot.schemas.remove(history_schema);
    }
}

/// A foreign key action from its `pg_constraint` code.
fn action(code: &str) -> &'static str {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
}

/// A deparsed definition without trailing blanks, its common indentation
/// (`pg_get_viewdef` indents every line) or a final `;`.
fn tidy(definition: &str) -> String {
    let lines: Vec<&str> = definition.lines().map(str::trim_end).collect();
    let indent = lines
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let text: Vec<&str> = lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or(""))
        .collect();
    let text = text.join("\n");
    let text = text.trim_matches('\n');
    text.strip_suffix(';').unwrap_or(text).to_owned()
}

/// Drops parentheses around the whole expression, minding string literals
/// and quoted identifiers: `((a > 0))` → `a > 0`, but `(a) OR (b)` stays.
fn strip_enclosing(mut text: &str) -> &str {
    loop {
        text = text.trim();
        let lexed = retort_sql::Lexed::new(retort_sql::Dialect::Postgres, text);
        let tokens = lexed.tokens();
        let mut depth = 0i32;
        // The token that closes the first one, when the first opens.
        let close = tokens.iter().position(|token| {
            match token.token {
                retort_sql::SqlToken::LParen => depth += 1,
                retort_sql::SqlToken::RParen => depth -= 1,
                _ => {}
            }
            depth <= 0
        });
        let encloses = tokens.first().is_some_and(|t| t.token == retort_sql::SqlToken::LParen)
            && close.is_some_and(|at| at + 1 == tokens.len())
            && lexed.unclosed().is_none();
        if !encloses {
            return text;
        }
        text = &text[1..text.len() - 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let column = |table: &str, name: &str, data_type: &str| ColumnRow {
            schema: "public".into(),
            table: table.into(),
            name: name.into(),
            data_type: data_type.into(),
            not_null: true,
            ..ColumnRow::default()
        };
        Catalog {
            current_schema: "public".into(),
            schemas: vec!["public".into(), "billing".into(), "ops".into()],
            extensions: vec!["pgcrypto".into()],
            tables: vec![
                ("public".into(), "users".into()),
                ("billing".into(), "invoices".into()),
                ("ops".into(), "retort_history".into()),
            ],
            columns: vec![
                ColumnRow {
                    identity: "d".into(),
                    seed: Some(1),
                    increment: Some(1),
                    ..column("users", "id", "integer")
                },
                ColumnRow {
                    expression: Some("lower(email)".into()),
                    generated: "s".into(),
                    ..column("users", "email_key", "text")
                },
                ColumnRow {
                    schema: "billing".into(),
                    ..column("invoices", "user_id", "integer")
                },
                ColumnRow {
                    schema: "ops".into(),
                    ..column("retort_history", "revision_id", "text")
                },
            ],
            constraints: vec![
                ConstraintRow {
                    schema: "billing".into(),
                    table: "invoices".into(),
                    name: "invoices_user_id_fkey".into(),
                    kind: "f".into(),
                    columns: vec!["user_id".into()],
                    referenced_schema: Some("public".into()),
                    referenced_table: Some("users".into()),
                    referenced_columns: vec!["id".into()],
                    on_update: "a".into(),
                    on_delete: "c".into(),
                    definition: String::new(),
                },
                ConstraintRow {
                    schema: "billing".into(),
                    table: "invoices".into(),
                    name: "ck_user".into(),
                    kind: "c".into(),
                    definition: "CHECK ((user_id > 0))".into(),
                    ..ConstraintRow::default()
                },
            ],
            indexes: vec![IndexRow {
                schema: "public".into(),
                table: "users".into(),
                name: "ix_users_email".into(),
                unique: true,
                key_count: 1,
                terms: vec!["email_key".into(), "id".into()],
                options: vec![3],
                predicate: Some("id > 0".into()),
            }],
            views: vec![ViewRow {
                schema: "public".into(),
                name: "v".into(),
                materialized: false,
                definition: " SELECT users.id\n   FROM users;".into(),
            }],
            triggers: vec![
                TriggerRow {
                    schema: "public".into(),
                    table: "users".into(),
                    name: "touch".into(),
                    definition: "CREATE TRIGGER touch …".into(),
                },
                TriggerRow {
                    schema: "public".into(),
                    table: "v".into(),
                    name: "touch".into(),
                    definition: "CREATE TRIGGER touch …".into(),
                },
            ],
            ..Catalog::default()
        }
    }

    #[test]
    fn assemble_qualifies_names_and_leaves_out_history_schema_when_history_lives_elsewhere() {
        let history = HistoryTable {
            schema: Some("ops".into()),
            name: "retort_history".into(),
        };
        let snapshot = assemble(catalog(), &history);
        assert_eq!(snapshot.schemas.iter().collect::<Vec<_>>(), ["billing"]);
        let mut used = catalog();
        used.sequences.push(SequenceRow {
            schema: "ops".into(),
            name: "jobs".into(),
            ..SequenceRow::default()
        });
        let snapshot = assemble(used, &history);
        assert_eq!(
            snapshot.schemas.iter().collect::<Vec<_>>(),
            ["billing", "ops"],
            "ops holds a user object"
        );
        assert_eq!(
            snapshot.tables.keys().collect::<Vec<_>>(),
            ["billing.invoices", "users"]
        );
        let invoices = &snapshot.tables["billing.invoices"];
        assert_eq!(invoices.foreign_keys[0].referenced_table, "users");
        assert_eq!(invoices.foreign_keys[0].on_delete, "CASCADE");
        assert_eq!(invoices.foreign_keys[0].on_update, "NO ACTION");
        assert_eq!(invoices.checks[0].expression, "user_id > 0");
    }

    #[test]
    fn assemble_maps_identity_generated_columns_and_index_options() {
        let snapshot = assemble(catalog(), &HistoryTable::default());
        let users = &snapshot.tables["users"];
        assert_eq!(
            users.columns[0].identity,
            Some(Identity {
                seed: Some(1),
                increment: Some(1)
            })
        );
        assert_eq!(
            users.columns[1].computed.as_deref(),
            Some("lower(email) stored")
        );
        assert_eq!(users.columns[1].default, None);
        let index = &users.indexes[0];
        assert!(index.columns[0].descending);
        assert_eq!(index.included, ["id"]);
        assert_eq!(index.filter.as_deref(), Some("id > 0"));
        assert_eq!(
            snapshot.views["v"].definition,
            "SELECT users.id\n  FROM users"
        );
        assert_eq!(
            snapshot.triggers.keys().collect::<Vec<_>>(),
            ["touch on users", "touch on v"]
        );
    }

    #[test]
    fn column_keeps_expression_as_default_when_column_is_not_generated() {
        let column = column(ColumnRow {
            name: "created".into(),
            data_type: "timestamp with time zone".into(),
            expression: Some("now()".into()),
            ..ColumnRow::default()
        });
        assert_eq!(column.default.as_deref(), Some("now()"));
        assert_eq!(column.computed, None);
        assert_eq!(column.identity, None);
        assert!(column.nullable);
    }

    #[test]
    fn column_reads_expression_as_computed_when_generated_virtually() {
        let column = column(ColumnRow {
            expression: Some("a + b".into()),
            generated: "v".into(),
            not_null: true,
            ..ColumnRow::default()
        });
        assert_eq!(column.computed.as_deref(), Some("a + b virtual"));
        assert_eq!(column.default, None);
        assert!(!column.nullable);
    }

    #[test]
    fn index_keeps_every_term_a_key_when_key_count_exceeds_terms() {
        let index = index(IndexRow {
            name: "ix".into(),
            key_count: 5,
            terms: vec!["a".into(), "b".into()],
            options: vec![0, 1],
            ..IndexRow::default()
        });
        assert_eq!(
            index.columns,
            [
                IndexColumn {
                    name: "a".into(),
                    descending: false
                },
                IndexColumn {
                    name: "b".into(),
                    descending: true
                },
            ]
        );
        assert!(index.included.is_empty());
    }

    #[test]
    fn trigger_key_is_qualified_name_when_name_is_unique_in_its_schema() {
        let history = HistoryTable::default();
        let names = Names {
            current: "public",
            history_schema: "public",
            history: &history,
        };
        let trigger = |schema: &str, table: &str| TriggerRow {
            schema: schema.into(),
            table: table.into(),
            name: "touch".into(),
            definition: String::new(),
        };
        let triggers = [trigger("public", "users"), trigger("billing", "invoices")];
        assert_eq!(trigger_key(&names, &triggers, &triggers[0]), "touch");
        assert_eq!(
            trigger_key(&names, &triggers, &triggers[1]),
            "billing.touch"
        );
    }

    #[test]
    fn assemble_leaves_out_constraints_and_triggers_when_they_belong_to_history() {
        let history = HistoryTable {
            schema: Some("ops".into()),
            name: "retort_history".into(),
        };
        let mut catalog = catalog();
        catalog.constraints.push(ConstraintRow {
            schema: "ops".into(),
            table: "retort_history_log".into(),
            name: "retort_history_log_pkey".into(),
            kind: "p".into(),
            columns: vec!["id".into()],
            ..ConstraintRow::default()
        });
        catalog.triggers.push(TriggerRow {
            schema: "ops".into(),
            table: "retort_history".into(),
            name: "audit".into(),
            definition: "CREATE TRIGGER audit …".into(),
        });
        let snapshot = assemble(catalog, &history);
        assert!(!snapshot.tables.keys().any(|name| name.starts_with("ops.")));
        assert!(!snapshot.triggers.contains_key("ops.audit"));
    }

    #[test]
    fn strip_enclosing_keeps_parentheses_that_do_not_enclose_everything() {
        assert_eq!(strip_enclosing("((a > 0))"), "a > 0");
        assert_eq!(strip_enclosing("(a > 0) OR (b > 0)"), "(a > 0) OR (b > 0)");
        assert_eq!(strip_enclosing("(name <> ')')"), "name <> ')'");
        assert_eq!(strip_enclosing("(note <> E'\\')')"), "note <> E'\\')'");
        assert_eq!(strip_enclosing("(\"a)\" > 0)"), "\"a)\" > 0");
    }
}
