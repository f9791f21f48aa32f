//! Moving the rows: pages read from the source in key order, masked in
//! memory, and written to the destination one transaction per table — by
//! its bulk load where it has one (SQL Server), else, and for the rest of a
//! table whose rows it cannot bulk-load, by INSERTs with bound parameters;
//! then the deferred keys of cycles are set, foreign keys checked where
//! the destination did not, and the destination's identities and sequences
//! moved past the copied ids.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use super::error::{scrub, CloneError};
use super::masker::{MaskError, Masker};
use super::plan::{ClonePlan, ColumnPlan, Link, TablePlan};
use super::query::{self, Cell};
use super::strategy::Rule;
use super::subset::Selection;
use super::{CloneProgress, TableReport};
use crate::history::{Rendered, Value};
use crate::work::Unit;
use crate::{Backend, BulkError, BulkInsert, Dialect, Flavour, RunError};

/// How the destination is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Writes {
    /// Rows per read of the source and per write of the destination.
    pub batch: usize,
    /// Whether to try the destination's bulk load first.
    pub bulk_load: bool,
}

/// Copies every planned table, parents first.
pub(crate) async fn copy_tables<S: Backend, D: Backend>(
    source: &mut S,
    dest: &mut D,
    plan: &ClonePlan,
    selection: &Selection,
    masker: &mut Masker,
    writes: Writes,
    progress: &mut dyn FnMut(&CloneProgress),
) -> Result<Vec<TableReport>, CloneError> {
    clear(dest, plan).await?;
    let mut totals = Vec::with_capacity(plan.tables.len());
    for (index, table) in plan.tables.iter().enumerate() {
        totals.push(match &selection[index] {
            Some(keys) => keys.len() as u64,
            None => count(source, table).await?,
        });
    }
    let rows_total: u64 = totals.iter().sum();
    let mut rows_done = 0u64;
    let mut reports = Vec::with_capacity(plan.tables.len());
    let mut bulk_loaded = Vec::new();
    for (index, table) in plan.tables.iter().enumerate() {
        let started = Instant::now();
        let mut notify = |done: u64| {
            progress(&CloneProgress {
                table: table.key.clone(),
                table_index: index,
                tables: plan.tables.len(),
                rows_done: rows_done + done,
                rows_total,
            })
        };
        notify(0);
        let (copied, loaded) = copy_table(source, dest, table, selection[index].as_ref(), masker, writes, &mut notify).await?;
        rows_done += copied;
        if loaded {
            bulk_loaded.push(index);
        }
        reports.push(TableReport {
            table: table.key.clone(),
            rows: copied,
            masked: table
                .columns
                .iter()
                .filter_map(|c| match &c.rule {
                    Rule::Mask(strategy) => Some((c.source_name.clone(), strategy.name().to_owned())),
                    Rule::Keep { .. } => None,
                })
                .collect(),
            whole: selection[index].is_none(),
            bulk_loaded: loaded,
            elapsed: started.elapsed(),
        });
    }
    for (index, table) in plan.tables.iter().enumerate() {
        if !table.deferred.is_empty() {
            set_deferred(source, dest, table, selection[index].as_ref(), masker, writes.batch).await?;
        }
    }
    after_copy(dest, plan, &bulk_loaded).await?;
    Ok(reports)
}

/// Reads every source value of the columns masked by a strategy whose
/// made-up values must differ from the real ones (see `masker.rs`) into
/// the masker, in the read snapshot the copy then reads: all rows, whatever
/// the subset, so that nothing in the copy equals any value of the source.
/// One more read of those columns, a page at a time.
pub(crate) async fn read_real_values<S: Backend>(
    source: &mut S,
    plan: &ClonePlan,
    masker: &mut Masker,
    batch: usize,
) -> Result<(), CloneError> {
    let guarded = |column: &ColumnPlan| match &column.rule {
        Rule::Mask(strategy) if strategy.avoids_real_values() => Some(strategy.clone()),
        _ => None,
    };
    let mut counts: HashMap<String, (super::strategy::Strategy, u64)> = HashMap::new();
    let mut tables = Vec::new();
    for table in &plan.tables {
        let columns: Vec<usize> = (0..table.columns.len()).filter(|&c| guarded(&table.columns[c]).is_some()).collect();
        if columns.is_empty() {
            continue;
        }
        let rows = count(source, table).await?;
        for &column in &columns {
            if let Some(strategy) = guarded(&table.columns[column]) {
                counts.entry(strategy.domain()).or_insert((strategy, 0)).1 += rows;
            }
        }
        tables.push((table, columns));
    }
    for (strategy, count) in counts.values() {
        masker.expect_real_values(strategy, *count);
    }
    for (table, columns) in tables {
        let mut pager = Pager::new(table, columns, None, batch);
        let read = pager.columns.clone();
        while let Some(rows) = pager.next(source).await? {
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                for (at, &column) in read.iter().enumerate() {
                    if let Some(strategy) = guarded(&table.columns[column]) {
                        masker.add_real_value(&strategy, &row[at]);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Deletes the rows that revisions inserted (reference data the source
/// has too), children first, so the source's rows replace them.
async fn clear<D: Backend>(dest: &mut D, plan: &ClonePlan) -> Result<(), CloneError> {
    let dialect = dest.dialect();
    let statements: Vec<Rendered> = plan
        .tables
        .iter()
        .rev()
        .map(|table| Rendered { sql: format!("DELETE FROM {}", table.dest.quoted(dialect)), values: Vec::new() })
        .collect();
    crate::sequence::execute_in_transaction(dest, &statements)
        .await
        .map_err(|error| write_error("emptying the destination's tables", error))
}

async fn count<S: Backend>(source: &mut S, table: &TablePlan) -> Result<u64, CloneError> {
    let dialect = source.dialect();
    let sql = format!("SELECT COUNT(*) AS row_count FROM {}", table.source.quoted(dialect));
    let rows = source.query(&sql, &[]).await.map_err(CloneError::read)?.unwrap_or_default();
    Ok(match rows.first().and_then(|row| row.first()) {
        Some(Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
        Some(Value::Text(n)) => n.parse().unwrap_or(0),
        _ => 0,
    })
}

/// Reads a table's rows a page at a time, in primary key order.
struct Pager<'a> {
    table: &'a TablePlan,
    /// Positions (in the table's columns) of the columns read, the key first.
    columns: Vec<usize>,
    /// The rows to read, when not all of them.
    keys: Option<Vec<Vec<Cell>>>,
    batch: usize,
    /// The last key read, for the next page.
    last: Option<Vec<Cell>>,
    /// Pages read so far (subset chunks, or offsets without a key).
    pages: usize,
    done: bool,
}

impl<'a> Pager<'a> {
    fn new(table: &'a TablePlan, columns: Vec<usize>, keys: Option<&BTreeSet<Vec<Cell>>>, batch: usize) -> Self {
        let mut ordered = table.primary_key.clone();
        ordered.extend(columns.into_iter().filter(|c| !table.primary_key.contains(c)));
        Pager {
            table,
            columns: ordered,
            keys: keys.map(|keys| keys.iter().cloned().collect()),
            batch,
            last: None,
            pages: 0,
            done: false,
        }
    }

    /// The next page, each row normalised and aligned with `columns`.
    async fn next<S: Backend>(&mut self, source: &mut S) -> Result<Option<Vec<Vec<Value>>>, CloneError> {
        if self.done {
            return Ok(None);
        }
        let dialect = source.dialect();
        let flavour = source.flavour().await.map_err(CloneError::read)?;
        let table = self.table;
        let read: Vec<&ColumnPlan> = self.columns.iter().map(|&c| &table.columns[c]).collect();
        let key: Vec<&ColumnPlan> = table.primary_key.iter().map(|&c| &table.columns[c]).collect();
        let mut values = Vec::new();
        let select = query::select_from(dialect, &table.source, &read);
        let sql = if let Some(keys) = &self.keys {
            let per_read = query::tuples_per_read(key.len()).min(self.batch);
            let Some(chunk) = keys.chunks(per_read).nth(self.pages) else {
                self.done = true;
                return Ok(None);
            };
            let condition = query::matching(dialect, flavour, &key, chunk, &mut values);
            format!("{select} WHERE {condition}{}", query::order_by(dialect, &key))
        } else if key.is_empty() {
            // No key to page by: every column that can be ordered, by position.
            let positions: Vec<String> = read
                .iter()
                .enumerate()
                .filter(|(_, c)| dialect.orderable(&c.source_type, c.source_kind))
                .map(|(at, _)| (at + 1).to_string())
                .collect();
            let order = if positions.is_empty() { "(SELECT NULL)".to_owned() } else { positions.join(", ") };
            let offset = (self.pages * self.batch) as u64;
            format!("{select} ORDER BY {order}{}", dialect.page(offset, self.batch as u64))
        } else {
            let condition = match &self.last {
                Some(last) => query::after(dialect, flavour, &key, last, &mut values),
                None => String::new(),
            };
            format!("{select}{condition}{}{}", query::order_by(dialect, &key), dialect.limit(self.batch as u64))
        };
        let rows = source
            .query(&sql, &values)
            .await
            .map_err(CloneError::read)?
            .ok_or_else(|| CloneError::Copy { table: table.key.clone(), message: "the source has no such table".to_owned() })?;
        self.pages += 1;
        if self.keys.is_none() && rows.len() < self.batch {
            self.done = true;
        }
        let mut out = Vec::with_capacity(rows.len());
        for mut row in rows {
            let mut normalised = Vec::with_capacity(read.len());
            for (at, column) in read.iter().enumerate() {
                normalised.push(query::read_value(&mut row, at, column).map_err(|why| CloneError::Value {
                    table: table.key.clone(),
                    column: column.source_name.clone(),
                    why: why.to_owned(),
                })?);
            }
            out.push(normalised);
        }
        if !key.is_empty() {
            self.last = out.last().and_then(|row| row[..key.len()].iter().map(Cell::of).collect());
        }
        if out.is_empty() && self.keys.is_none() {
            self.done = true;
        }
        Ok(Some(out))
    }
}

/// The made-up (or kept) value of column `at` of a page row, as the
/// destination column takes it.
fn masked(
    masker: &mut Masker,
    table: &TablePlan,
    columns: &[usize],
    row: &[Value],
    at: usize,
) -> Result<Value, CloneError> {
    let column = &table.columns[columns[at]];
    let value = &row[at];
    let made = match &column.rule {
        Rule::Keep { .. } => value.clone(),
        Rule::Mask(strategy) => {
            let row_key = match column.shift_by.and_then(|by| columns.iter().position(|&c| c == by)) {
                Some(by) => key_bytes(&row[by..=by]),
                None if !table.primary_key.is_empty() => key_bytes(&row[..table.primary_key.len()]),
                None => key_bytes(std::slice::from_ref(value)),
            };
            masker.mask(strategy, value, &row_key, column.max_chars).map_err(|error| CloneError::Value {
                table: table.key.clone(),
                column: column.source_name.clone(),
                why: match error {
                    MaskError::Unreadable(why) => why.to_owned(),
                    MaskError::Exhausted { domain } => format!(
                        "needs a made-up value that is no real value of the columns {domain} masks (and, on a unique \
                         column, no other row's), and {domain} ran out of them: widen its range or choose another \
                         strategy"
                    ),
                },
            })?
        }
    };
    super::kind::normalise(made, column.dest_kind).map_err(|why| CloneError::Value {
        table: table.key.clone(),
        column: column.source_name.clone(),
        why: format!("{why} for the destination's {}", column.dest_type),
    })
}

/// The bytes identifying a row (its key values), for `date_shift`.
fn key_bytes(values: &[Value]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for value in values {
        match value {
            Value::Text(t) => bytes.extend_from_slice(t.as_bytes()),
            Value::Int(n) => bytes.extend_from_slice(n.to_string().as_bytes()),
            Value::Bool(b) => bytes.push(u8::from(*b)),
            Value::Null => {}
        }
        bytes.push(0x1f);
    }
    bytes
}

/// The INSERTs of one table's pages. Rows of one shape (which values are
/// NULL) go in multi-row INSERTs: one statement per few hundred rows rather
/// than per row (what SQL Server and Babelfish spend most on is parsing
/// statements). Each statement text is built once per shape and row count:
/// a page has few shapes, and so has the destination's cache of prepared
/// statements.
struct Inserts<'a> {
    table: &'a TablePlan,
    dialect: Dialect,
    flavour: Flavour,
    /// Positions (in the table's columns) of the columns inserted, in the
    /// order a page row holds them.
    columns: Vec<usize>,
    cache: HashMap<(Vec<bool>, usize), String>,
}

/// The rows of one shape in a page: which values are NULL (written as
/// `NULL`, not bound), every such row's other values one after the other,
/// and how many rows there are.
type Shape = (Vec<bool>, Vec<Value>, usize);

impl<'a> Inserts<'a> {
    fn new(table: &'a TablePlan, dialect: Dialect, flavour: Flavour, columns: Vec<usize>) -> Self {
        Inserts { table, dialect, flavour, columns, cache: HashMap::new() }
    }

    /// A page's rows as the destination takes them: masked, and deferred
    /// keys NULL (to be set later).
    fn masked(&self, masker: &mut Masker, rows: &[Vec<Value>]) -> Result<Vec<Vec<Value>>, CloneError> {
        let columns = &self.columns;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(columns.len());
            for at in 0..columns.len() {
                let deferred = self.table.deferred.contains(&columns[at]);
                values.push(if deferred { Value::Null } else { masked(masker, self.table, columns, row, at)? });
            }
            out.push(values);
        }
        Ok(out)
    }

    /// The statements that insert rows already [`masked`](Self::masked).
    fn statements(&mut self, rows: Vec<Vec<Value>>) -> Vec<Rendered> {
        let mut rendered = Vec::new();
        for (nulls, values, count) in shapes(rows) {
            let width = nulls.iter().filter(|null| !**null).count();
            let per_statement = rows_per_insert(self.dialect, width);
            let mut values = values.into_iter();
            let mut left = count;
            while left > 0 {
                let rows = left.min(per_statement);
                left -= rows;
                let sql = self.sql(&nulls, rows);
                rendered.push(Rendered { sql, values: values.by_ref().take(rows * width).collect() });
            }
        }
        rendered
    }

    /// The statement that inserts `rows` rows of the shape `nulls`.
    fn sql(&mut self, nulls: &[bool], rows: usize) -> String {
        let Inserts { table, dialect, flavour, columns, cache } = self;
        cache
            .entry((nulls.to_vec(), rows))
            .or_insert_with(|| insert_sql(table, *dialect, *flavour, columns, nulls, rows))
            .clone()
    }
}

/// Rows grouped by shape, in the order each shape first appears.
fn shapes(rows: Vec<Vec<Value>>) -> Vec<Shape> {
    let mut shapes: Vec<Shape> = Vec::new();
    for values in rows {
        let nulls: Vec<bool> = values.iter().map(|v| *v == Value::Null).collect();
        let bound = values.into_iter().filter(|v| *v != Value::Null);
        match shapes.iter_mut().find(|(shape, _, _)| *shape == nulls) {
            Some((_, all, count)) => {
                all.extend(bound);
                *count += 1;
            }
            None => shapes.push((nulls, bound.collect(), 1)),
        }
    }
    shapes
}

/// An INSERT of `rows` rows into `table`'s `columns`, each value a
/// parameter except those `nulls` marks, which are `NULL`.
fn insert_sql(table: &TablePlan, dialect: Dialect, flavour: Flavour, columns: &[usize], nulls: &[bool], rows: usize) -> String {
    let names: Vec<String> = columns.iter().map(|&c| dialect.quote_ident(&table.columns[c].dest_name)).collect();
    let target = table.dest.quoted(dialect);
    let overriding = if dialect == Dialect::Postgres && table.has_identity { " OVERRIDING SYSTEM VALUE" } else { "" };
    let mut n = 0;
    let tuples: Vec<String> = (0..rows)
        .map(|_| {
            let values: Vec<String> = columns
                .iter()
                .zip(nulls)
                .map(|(&c, &null)| {
                    if null {
                        return "NULL".to_owned();
                    }
                    n += 1;
                    let column = &table.columns[c];
                    super::kind::bound_placeholder(dialect, flavour, column.dest_kind, &column.dest_type, &dialect.placeholder(n))
                })
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!("INSERT INTO {target} ({}){overriding} VALUES {}", names.join(", "), tuples.join(", "))
}

/// How many rows of `width` bound values one INSERT carries: SQL Server
/// takes at most 1,000 rows and 2,100 parameters a statement; PostgreSQL
/// and SQLite far more, but past a few hundred rows nothing is gained.
fn rows_per_insert(dialect: Dialect, width: usize) -> usize {
    let (rows, parameters) = match dialect {
        Dialect::Mssql => (1000, 2000),
        Dialect::Postgres | Dialect::Sqlite => (500, 30_000),
    };
    (parameters / width.max(1)).clamp(1, rows)
}

/// Copies one table's rows (those in `keys`, or all) in one transaction,
/// and returns how many, and whether the destination bulk-loaded them.
///
/// Pages go to the destination's bulk load until it says it cannot take
/// them (a column type, a value, or no bulk load at all): it has written
/// nothing then, and that page and the rest of the table go in as INSERT
/// statements, said once per table. A failure rolls the table back.
async fn copy_table<S: Backend, D: Backend>(
    source: &mut S,
    dest: &mut D,
    table: &TablePlan,
    keys: Option<&BTreeSet<Vec<Cell>>>,
    masker: &mut Masker,
    writes: Writes,
    notify: &mut dyn FnMut(u64),
) -> Result<(u64, bool), CloneError> {
    let dialect = dest.dialect();
    let all: Vec<usize> = (0..table.columns.len()).collect();
    let mut pager = Pager::new(table, all, keys, writes.batch);
    let flavour = dest.flavour().await.map_err(|error| write_error(&table.key, error.into()))?;
    let mut inserts = Inserts::new(table, dialect, flavour, pager.columns.clone());
    let names: Vec<String> = pager.columns.iter().map(|&c| table.columns[c].dest_name.clone()).collect();
    dest.begin().await.map_err(|error| write_error(&table.key, error.into()))?;
    let result = async {
        let mut copied = 0u64;
        let mut loading = writes.bulk_load;
        let mut loaded = false;
        // SQL Server refuses explicit identity values in INSERTs unless asked for them.
        let mut identity_insert = false;
        while let Some(rows) = pager.next(source).await? {
            if rows.is_empty() {
                break;
            }
            let values = inserts.masked(masker, &rows)?;
            if loading {
                let load = BulkInsert {
                    schema: table.dest.schema.as_deref(),
                    table: &table.dest.name,
                    columns: &names,
                    rows: &values,
                    identity: table.identity_columns.first().filter(|_| table.has_identity).map(String::as_str),
                };
                match dest.bulk_insert(&load).await {
                    Ok(_) => {
                        loaded = true;
                        copied += rows.len() as u64;
                        notify(copied);
                        continue;
                    }
                    Err(BulkError::NotAvailable) => {}
                    Err(BulkError::Unsupported(reason)) => {
                        tracing::warn!("{}: not bulk-loaded ({reason}); its rows go in as INSERT statements", table.key);
                    }
                    Err(BulkError::Failed(error)) => return Err(write_error(&table.key, error)),
                }
                loading = false;
            }
            if dialect == Dialect::Mssql && table.has_identity && !identity_insert {
                set_identity_insert(dest, table, "ON").await?;
                identity_insert = true;
            }
            dest.execute_bound(&inserts.statements(values)).await.map_err(|error| write_error(&table.key, error))?;
            copied += rows.len() as u64;
            notify(copied);
        }
        if identity_insert {
            set_identity_insert(dest, table, "OFF").await?;
        }
        dest.commit().await.map_err(|error| write_error(&table.key, error))?;
        Ok((copied, loaded))
    }
    .await;
    if result.is_err() {
        dest.rollback().await;
    }
    result
}

/// Turns SQL Server's `IDENTITY_INSERT` for the table `ON` or `OFF`.
async fn set_identity_insert<D: Backend>(dest: &mut D, table: &TablePlan, state: &str) -> Result<(), CloneError> {
    let target = table.dest.quoted(dest.dialect());
    let statement = Unit::sql(format!("SET IDENTITY_INSERT {target} {state}"), "identity insert");
    dest.execute(&statement).await.map_err(|error| write_error(&table.key, error))
}

/// Sets the deferred key columns of a table, now that every row they may
/// reference is in.
async fn set_deferred<S: Backend, D: Backend>(
    source: &mut S,
    dest: &mut D,
    table: &TablePlan,
    keys: Option<&BTreeSet<Vec<Cell>>>,
    masker: &mut Masker,
    batch: usize,
) -> Result<(), CloneError> {
    if table.primary_key.is_empty() {
        return Err(CloneError::Order(format!(
            "{} has foreign keys in a cycle and no primary key, so they cannot be set after its rows are in",
            table.key
        )));
    }
    let dialect = dest.dialect();
    let flavour = dest.flavour().await.map_err(|error| write_error(&table.key, error.into()))?;
    let mut pager = Pager::new(table, table.deferred.clone(), keys, batch);
    let columns = pager.columns.clone();
    let key_len = table.primary_key.len();
    let target = table.dest.quoted(dialect);
    dest.begin().await.map_err(|error| write_error(&table.key, error.into()))?;
    let result = async {
        while let Some(rows) = pager.next(source).await? {
            if rows.is_empty() {
                break;
            }
            let mut rendered = Vec::new();
            for row in &rows {
                let mut values = Vec::new();
                let mut sets = Vec::new();
                for at in key_len..columns.len() {
                    let value = masked(masker, table, &columns, row, at)?;
                    let column = &table.columns[columns[at]];
                    let name = dialect.quote_ident(&column.dest_name);
                    if value == Value::Null {
                        continue;
                    }
                    values.push(value);
                    let p = dialect.placeholder(values.len());
                    sets.push(format!("{name} = {}", super::kind::bound_placeholder(dialect, flavour, column.dest_kind, &column.dest_type, &p)));
                }
                if sets.is_empty() {
                    continue;
                }
                let mut wheres = Vec::new();
                for at in 0..key_len {
                    values.push(masked(masker, table, &columns, row, at)?);
                    let column = &table.columns[columns[at]];
                    let p = dialect.placeholder(values.len());
                    wheres.push(format!(
                        "{} = {}",
                        dialect.quote_ident(&column.dest_name),
                        super::kind::bound_placeholder(dialect, flavour, column.dest_kind, &column.dest_type, &p)
                    ));
                }
                let sql = format!("UPDATE {target} SET {} WHERE {}", sets.join(", "), wheres.join(" AND "));
                rendered.push(Rendered { sql, values });
            }
            dest.execute_bound(&rendered).await.map_err(|error| write_error(&table.key, error))?;
        }
        dest.commit().await.map_err(|error| write_error(&table.key, error))
    }
    .await;
    if result.is_err() {
        dest.rollback().await;
    }
    result
}

/// Moves PostgreSQL's sequences past the copied ids (SQL Server and SQLite
/// do it as ids are inserted), and checks SQLite's foreign keys, and those
/// of the tables Babelfish bulk-loaded (`bulk_loaded`: their positions),
/// which its bulk load does not check.
async fn after_copy<D: Backend>(dest: &mut D, plan: &ClonePlan, bulk_loaded: &[usize]) -> Result<(), CloneError> {
    let dialect = dest.dialect();
    let failed = |table: &str| {
        let table = table.to_owned();
        move |error: crate::BackendError| CloneError::Copy { table, message: scrub(&error.to_string()) }
    };
    match dialect {
        Dialect::Postgres => {
            for table in &plan.tables {
                for column in &table.identity_columns {
                    let name = dialect.quote_ident(column);
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({name}), 0) + 1, false) FROM {}",
                        table.dest.quoted(dialect)
                    );
                    let values = [Value::Text(table.dest.quoted(dialect)), Value::Text(column.clone())];
                    dest.query(&sql, &values).await.map_err(failed(&table.key))?;
                }
            }
        }
        Dialect::Sqlite => {
            let rows = dest.query("PRAGMA foreign_key_check", &[]).await.map_err(failed("the destination"))?;
            if let Some(row) = rows.unwrap_or_default().first() {
                let table = match row.first() {
                    Some(Value::Text(table)) => table.clone(),
                    _ => "a table".to_owned(),
                };
                return Err(CloneError::Copy {
                    table,
                    message: "rows reference rows that were not copied (the destination's foreign key check failed)"
                        .to_owned(),
                });
            }
        }
        Dialect::Mssql => {
            if bulk_loaded.is_empty() || dest.flavour().await.map_err(failed("the destination"))? != Flavour::Babelfish {
                return Ok(());
            }
            for link in plan.links.iter().filter(|link| bulk_loaded.contains(&link.child)) {
                let child = &plan.tables[link.child];
                let rows = dest.query(&dangling_sql(plan, link), &[]).await.map_err(failed(&child.key))?;
                if !rows.unwrap_or_default().is_empty() {
                    return Err(CloneError::Copy {
                        table: child.key.clone(),
                        message: format!(
                            "rows reference rows of {} that were not copied (the foreign key check after the bulk \
                             load failed)",
                            plan.tables[link.parent].key
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

/// A query that returns a row when a row of `link`'s child references no
/// row of its parent (a reference with a NULL column references nothing).
fn dangling_sql(plan: &ClonePlan, link: &Link) -> String {
    let d = Dialect::Mssql;
    let (child, parent) = (&plan.tables[link.child], &plan.tables[link.parent]);
    let column = |table: &TablePlan, at: usize| d.quote_ident(&table.columns[at].dest_name);
    let not_null: Vec<String> =
        link.child_columns.iter().map(|&c| format!("c.{} IS NOT NULL", column(child, c))).collect();
    let equal: Vec<String> = link
        .child_columns
        .iter()
        .zip(&link.parent_columns)
        .map(|(&c, &p)| format!("p.{} = c.{}", column(parent, p), column(child, c)))
        .collect();
    format!(
        "SELECT TOP 1 1 AS dangling FROM {} AS c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {})",
        child.dest.quoted(d),
        not_null.join(" AND "),
        parent.dest.quoted(d),
        equal.join(" AND ")
    )
}

/// A destination failure, without the values servers quote.
fn write_error(table: &str, error: RunError) -> CloneError {
    let message = match error {
        RunError::Statement(statement) => {
            let code = statement.code.map(|code| format!(" (error {code})")).unwrap_or_default();
            format!("the destination refused a row{code}: {}", scrub(&statement.message))
        }
        RunError::Backend(error) => scrub(&error.to_string()),
    };
    CloneError::Copy { table: table.to_owned(), message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clone::key::MaskKey;
    use crate::clone::kind::Kind;
    use crate::clone::plan::TableName;

    fn column(name: &str, kind: Kind, data_type: &str) -> ColumnPlan {
        ColumnPlan {
            source_name: name.to_owned(),
            dest_name: name.to_owned(),
            source_kind: kind,
            source_type: data_type.to_owned(),
            dest_kind: kind,
            dest_type: data_type.to_owned(),
            rule: Rule::Keep { reason: None },
            max_chars: None,
            shift_by: None,
        }
    }

    fn todos() -> TablePlan {
        TablePlan {
            key: "todos".to_owned(),
            source: TableName { schema: None, name: "todos".to_owned() },
            dest: TableName { schema: None, name: "todos".to_owned() },
            columns: vec![
                column("id", Kind::Integer, "integer"),
                column("title", Kind::Text, "text"),
                column("due", Kind::Date, "date"),
            ],
            primary_key: vec![0],
            deferred: Vec::new(),
            identity_columns: vec!["id".to_owned()],
            has_identity: true,
        }
    }

    #[test]
    fn insert_sql_writes_nulls_inline_and_numbers_parameters_across_rows() {
        assert_eq!(
            insert_sql(&todos(), Dialect::Postgres, Flavour::Standard, &[0, 1, 2], &[false, true, false], 2),
            "INSERT INTO \"todos\" (\"id\", \"title\", \"due\") OVERRIDING SYSTEM VALUE VALUES \
             ($1, NULL, CAST($2 AS date)), ($3, NULL, CAST($4 AS date))"
        );
        assert_eq!(
            insert_sql(&todos(), Dialect::Mssql, Flavour::Standard, &[0, 1], &[false, false], 1),
            "INSERT INTO [todos] ([id], [title]) VALUES (@P1, @P2)"
        );
    }

    #[test]
    fn rows_per_insert_keeps_sql_server_under_its_parameter_and_row_limits() {
        assert_eq!(rows_per_insert(Dialect::Mssql, 3), 666);
        assert_eq!(rows_per_insert(Dialect::Mssql, 1), 1000);
        assert_eq!(rows_per_insert(Dialect::Mssql, 5000), 1);
        assert_eq!(rows_per_insert(Dialect::Postgres, 0), 500);
    }

    #[test]
    fn page_groups_rows_by_shape_and_leaves_deferred_keys_null() {
        let mut table = todos();
        table.deferred = vec![2];
        let mut inserts = Inserts::new(&table, Dialect::Sqlite, Flavour::Standard, vec![0, 1, 2]);
        let mut masker = Masker::new(&MaskKey::new("key-for-the-copy-tests-0123").unwrap(), []);
        let text = |t: &str| Value::Text(t.to_owned());
        let rows = vec![
            vec![Value::Int(1), text("a"), text("2026-01-01")],
            vec![Value::Int(2), Value::Null, text("2026-01-02")],
            vec![Value::Int(3), text("c"), Value::Null],
        ];
        let masked = inserts.masked(&mut masker, &rows).unwrap();
        let rendered = inserts.statements(masked);
        let described: Vec<(&str, &[Value])> = rendered.iter().map(|r| (r.sql.as_str(), r.values.as_slice())).collect();
        assert_eq!(
            described,
            [
                (
                    "INSERT INTO \"todos\" (\"id\", \"title\", \"due\") VALUES (?1, ?2, NULL), (?3, ?4, NULL)",
                    &[Value::Int(1), text("a"), Value::Int(3), text("c")][..]
                ),
                ("INSERT INTO \"todos\" (\"id\", \"title\", \"due\") VALUES (?1, NULL, NULL)", &[Value::Int(2)][..]),
            ]
        );
    }
}
