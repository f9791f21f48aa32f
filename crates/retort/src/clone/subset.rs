//! Which rows a subset copies: the first rows (by primary key) of the seed
//! tables, then foreign keys followed both ways until every copied row's
//! references are copied too.
//!
//! - Parents always: a copied row's referenced rows are copied, and theirs,
//!   however far up.
//! - Children up to a limit: a seed row, and every row reached from one
//!   through children, brings up to `children` rows of each child table per
//!   foreign key; those bring their own parents and children. A row copied
//!   only as a parent does not bring its children (or the subset would grow
//!   back into the whole database through any shared parent).
//!
//! Self-references and cycles end because a row is expanded once. Tables in
//! no foreign-key relation with a seed table are copied whole.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use super::error::CloneError;
use super::mask_file::SubsetConfig;
use super::plan::{ClonePlan, ColumnPlan, Link};
use super::query::{self, Cell};
use crate::Backend;

/// Why a row is in the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    /// Referenced by a copied row: its parents come too, not its children.
    Parent,
    /// A seed row or a child of one: its parents and children come too.
    Full,
}

/// Rows read for a subset: each needed column's value (`None` for NULL).
type Found = Vec<Vec<Option<Cell>>>;

/// The rows to copy of each table, by position in the plan: `None` copies
/// every row, `Some` the rows with these primary keys.
pub(crate) type Selection = Vec<Option<BTreeSet<Vec<Cell>>>>;

/// Selects the subset on the source (reads only).
pub(crate) async fn select<B: Backend>(db: &mut B, plan: &ClonePlan, config: &SubsetConfig) -> Result<Selection, CloneError> {
    let needed = needed_columns(plan);
    let seeded = seeded_tables(plan, config)?;
    let mut work: VecDeque<(usize, Found, Reason)> = VecDeque::new();
    for (&table, &rows) in &seeded {
        let found = read_seed(db, plan, &needed, table, rows).await?;
        work.push_back((table, found, Reason::Full));
    }
    // Each table's rows by primary key, and per link the tuples already
    // looked up in its parent (so a parent row is asked for once).
    let mut selected: Vec<BTreeMap<Vec<Cell>, Reason>> = vec![BTreeMap::new(); plan.tables.len()];
    let mut asked: Vec<HashSet<Vec<Cell>>> = vec![HashSet::new(); plan.links.len()];
    while let Some((table, rows, reason)) = work.pop_front() {
        let fresh = add_rows(&mut selected[table], &plan.tables[table].primary_key, &needed[table], rows, reason);
        if fresh.is_empty() {
            continue;
        }
        for (index, link) in plan.links.iter().enumerate() {
            // Up: the rows this table's new rows reference.
            if link.child == table {
                let tuples = unasked_references(link, &needed[table], &fresh, &mut asked[index]);
                let found = related(db, plan, &needed, link.parent, &link.parent_columns, tuples, None).await?;
                if !found.is_empty() {
                    work.push_back((link.parent, found, Reason::Parent));
                }
            }
            // Down: the children of this table's new full rows.
            if link.parent == table && reason == Reason::Full {
                let tuples = fresh.iter().filter_map(|(row, _)| cells(row, &needed[table], &link.parent_columns)).collect();
                let child = &plan.tables[link.child];
                let limit = Some((config.children_of(&child.key), &child.primary_key));
                let found = related(db, plan, &needed, link.child, &link.child_columns, tuples, limit).await?;
                if !found.is_empty() {
                    work.push_back((link.child, found, Reason::Full));
                }
            }
        }
    }
    selection(plan, &seeded, selected)
}

/// The columns read of each table, by position: its key and both ends of
/// its links. A row read for the subset holds these, in this order.
fn needed_columns(plan: &ClonePlan) -> Vec<Vec<usize>> {
    let mut needed: Vec<BTreeSet<usize>> = plan.tables.iter().map(|t| t.primary_key.iter().copied().collect()).collect();
    for link in &plan.links {
        needed[link.child].extend(&link.child_columns);
        needed[link.parent].extend(&link.parent_columns);
    }
    needed.into_iter().map(|set| set.into_iter().collect()).collect()
}

/// The values of `columns` in `row` (which holds the `needed` columns), or
/// `None` when one is NULL.
fn cells(row: &[Option<Cell>], needed: &[usize], columns: &[usize]) -> Option<Vec<Cell>> {
    let slot = |column: usize| needed.iter().position(|&c| c == column).unwrap_or(0);
    columns.iter().map(|&c| row[slot(c)].clone()).collect()
}

/// The first `rows` rows of a seed table, in key order.
async fn read_seed<B: Backend>(
    db: &mut B,
    plan: &ClonePlan,
    needed: &[Vec<usize>],
    table: usize,
    rows: u64,
) -> Result<Found, CloneError> {
    let dialect = db.dialect();
    let columns = columns_of(plan, table, &needed[table]);
    let key: Vec<&ColumnPlan> = plan.tables[table].primary_key.iter().map(|&c| &plan.tables[table].columns[c]).collect();
    let sql = format!(
        "{}{}{}",
        query::select_from(dialect, &plan.tables[table].source, &columns),
        query::order_by(dialect, &key),
        dialect.limit(rows)
    );
    read(db, &sql, &[], plan, table, &needed[table]).await
}

/// Adds `rows` to a table's `selected` rows for `reason`, and returns those
/// that still need expanding: rows not selected before (marked `true`), and
/// rows selected before only as parents that now come in full.
fn add_rows(
    selected: &mut BTreeMap<Vec<Cell>, Reason>,
    primary_key: &[usize],
    needed: &[usize],
    rows: Found,
    reason: Reason,
) -> Vec<(Vec<Option<Cell>>, bool)> {
    let mut fresh = Vec::new();
    for row in rows {
        let Some(key) = cells(&row, needed, primary_key) else { continue };
        let previous = selected.get(&key).copied();
        if previous.is_none_or(|previous| previous < reason) {
            selected.insert(key, reason);
            fresh.push((row, previous.is_none()));
        }
    }
    fresh
}

/// The parent tuples that the rows new to the child of `link` reference
/// and that were not asked for yet, now recorded in `asked`.
fn unasked_references(
    link: &Link,
    needed: &[usize],
    fresh: &[(Vec<Option<Cell>>, bool)],
    asked: &mut HashSet<Vec<Cell>>,
) -> BTreeSet<Vec<Cell>> {
    fresh
        .iter()
        .filter(|(_, new)| *new)
        .filter_map(|(row, _)| cells(row, needed, &link.child_columns))
        .filter(|tuple| asked.insert(tuple.clone()))
        .collect()
}

/// The rows to copy of each table: the selected ones in every table linked
/// to a seed table (which then needs a primary key), every row elsewhere.
fn selection(
    plan: &ClonePlan,
    seeded: &BTreeMap<usize, u64>,
    selected: Vec<BTreeMap<Vec<Cell>, Reason>>,
) -> Result<Selection, CloneError> {
    let component = components(plan);
    let seeded_components: BTreeSet<usize> = seeded.keys().map(|&t| component[t]).collect();
    let mut selection = Vec::with_capacity(plan.tables.len());
    for (table, rows) in selected.into_iter().enumerate() {
        if seeded_components.contains(&component[table]) {
            if plan.tables[table].primary_key.is_empty() {
                return Err(CloneError::Subset(format!(
                    "{} has no primary key and is linked to the subset's tables, so its rows cannot be chosen",
                    plan.tables[table].key
                )));
            }
            selection.push(Some(rows.into_keys().collect()));
        } else {
            selection.push(None);
        }
    }
    Ok(selection)
}

/// The seed tables by plan position, with their row counts; each needs a
/// primary key, to read its first rows by and to tell them apart.
fn seeded_tables(plan: &ClonePlan, config: &SubsetConfig) -> Result<BTreeMap<usize, u64>, CloneError> {
    let seeded: BTreeMap<usize, u64> = config
        .rows
        .iter()
        .map(|(name, &rows)| {
            plan.tables
                .iter()
                .position(|t| t.key.eq_ignore_ascii_case(name))
                .map(|at| (at, rows))
                .ok_or_else(|| CloneError::Subset(format!("the subset names {name}, which is not among the tables copied")))
        })
        .collect::<Result<_, _>>()?;
    for &table in seeded.keys() {
        if plan.tables[table].primary_key.is_empty() {
            return Err(CloneError::Subset(format!(
                "{} has no primary key, so a subset cannot tell its rows apart; copy it whole (drop it from the subset)",
                plan.tables[table].key
            )));
        }
    }
    Ok(seeded)
}

fn columns_of<'a>(plan: &'a ClonePlan, table: usize, needed: &[usize]) -> Vec<&'a ColumnPlan> {
    needed.iter().map(|&c| &plan.tables[table].columns[c]).collect()
}

/// Rows of `table` whose `columns` match one of `tuples`, at most `limit`
/// per tuple (in key order) when a limit is given.
async fn related<B: Backend>(
    db: &mut B,
    plan: &ClonePlan,
    needed: &[Vec<usize>],
    table: usize,
    columns: &[usize],
    tuples: BTreeSet<Vec<Cell>>,
    limit: Option<(u64, &Vec<usize>)>,
) -> Result<Found, CloneError> {
    let dialect = db.dialect();
    let flavour = db.flavour().await.map_err(CloneError::read)?;
    let tuples: Vec<Vec<Cell>> = tuples.into_iter().collect();
    let target = &plan.tables[table];
    let match_columns: Vec<&ColumnPlan> = columns.iter().map(|&c| &target.columns[c]).collect();
    let read_columns = columns_of(plan, table, &needed[table]);
    let mut rows = Vec::new();
    for chunk in tuples.chunks(query::tuples_per_read(columns.len())) {
        let mut values = Vec::new();
        let condition = query::matching(dialect, flavour, &match_columns, chunk, &mut values);
        let sql = match limit {
            None => format!("{} WHERE {condition}", query::select_from(dialect, &target.source, &read_columns)),
            Some((limit, key)) => {
                let partition: Vec<String> = match_columns.iter().map(|c| dialect.quote_ident(&c.source_name)).collect();
                let order: Vec<String> = key.iter().map(|&c| dialect.quote_ident(&target.columns[c].source_name)).collect();
                let inner = format!(
                    "SELECT *, ROW_NUMBER() OVER (PARTITION BY {} ORDER BY {}) AS retort_rn FROM {} WHERE {condition}",
                    partition.join(", "),
                    order.join(", "),
                    target.source.quoted(dialect)
                );
                let list = query::select_list(dialect, &read_columns);
                format!("SELECT {list} FROM ({inner}) retort_children WHERE retort_rn <= {limit}")
            }
        };
        rows.extend(read(db, &sql, &values, plan, table, &needed[table]).await?);
    }
    Ok(rows)
}

/// Runs a read and returns each row's needed columns as cells.
async fn read<B: Backend>(
    db: &mut B,
    sql: &str,
    values: &[crate::Value],
    plan: &ClonePlan,
    table: usize,
    needed: &[usize],
) -> Result<Found, CloneError> {
    let target = &plan.tables[table];
    let rows = db
        .query(sql, values)
        .await
        .map_err(CloneError::read)?
        .ok_or_else(|| CloneError::Copy { table: target.key.clone(), message: "the source has no such table".to_owned() })?;
    rows.into_iter()
        .map(|mut row| {
            needed
                .iter()
                .enumerate()
                .map(|(at, &c)| {
                    let column = &target.columns[c];
                    let value = query::read_value(&mut row, at, column).map_err(|why| CloneError::Value {
                        table: target.key.clone(),
                        column: column.source_name.clone(),
                        why: why.to_owned(),
                    })?;
                    Ok(Cell::of(&value))
                })
                .collect()
        })
        .collect()
}

/// The weakly connected component of each table over the links.
fn components(plan: &ClonePlan) -> Vec<usize> {
    let mut component: Vec<usize> = (0..plan.tables.len()).collect();
    fn root(component: &mut [usize], mut at: usize) -> usize {
        while component[at] != at {
            component[at] = component[component[at]];
            at = component[at];
        }
        at
    }
    for link in &plan.links {
        let (a, b) = (root(&mut component, link.child), root(&mut component, link.parent));
        component[a] = b;
    }
    (0..plan.tables.len()).map(|t| root(&mut component, t)).collect()
}
