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
use super::plan::{ClonePlan, ColumnPlan};
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
    let dialect = db.dialect();
    let count = plan.tables.len();
    // The columns read of each table: its key and both ends of its links.
    let mut needed: Vec<BTreeSet<usize>> = plan.tables.iter().map(|t| t.primary_key.iter().copied().collect()).collect();
    for link in &plan.links {
        needed[link.child].extend(&link.child_columns);
        needed[link.parent].extend(&link.parent_columns);
    }
    let needed: Vec<Vec<usize>> = needed.into_iter().map(|set| set.into_iter().collect()).collect();
    let seeded = seeded_tables(plan, config)?;
    for &table in seeded.keys() {
        if plan.tables[table].primary_key.is_empty() {
            return Err(CloneError::Subset(format!(
                "{} has no primary key, so a subset cannot tell its rows apart; copy it whole (drop it from the subset)",
                plan.tables[table].key
            )));
        }
    }
    let mut selected: Vec<BTreeMap<Vec<Cell>, Reason>> = vec![BTreeMap::new(); count];
    let mut asked: Vec<HashSet<Vec<Cell>>> = vec![HashSet::new(); plan.links.len()];
    let mut work: VecDeque<(usize, Found, Reason)> = VecDeque::new();
    for (&table, &rows) in &seeded {
        let columns = columns_of(plan, table, &needed[table]);
        let key: Vec<&ColumnPlan> = plan.tables[table].primary_key.iter().map(|&c| &plan.tables[table].columns[c]).collect();
        let sql = format!(
            "{}{}{}",
            query::select_from(dialect, &plan.tables[table].source, &columns),
            query::order_by(dialect, &key),
            query::limit(dialect, rows)
        );
        let found = read(db, &sql, &[], plan, table, &needed[table]).await?;
        work.push_back((table, found, Reason::Full));
    }
    while let Some((table, rows, reason)) = work.pop_front() {
        let position = |column: usize| needed[table].iter().position(|&c| c == column).unwrap_or(0);
        let key_of = |row: &Vec<Option<Cell>>| -> Option<Vec<Cell>> {
            plan.tables[table].primary_key.iter().map(|&c| row[position(c)].clone()).collect()
        };
        let mut fresh = Vec::new();
        for row in rows {
            let Some(key) = key_of(&row) else { continue };
            let previous = selected[table].get(&key).copied();
            if previous.is_none_or(|previous| previous < reason) {
                selected[table].insert(key, reason);
                fresh.push((row, previous.is_none()));
            }
        }
        if fresh.is_empty() {
            continue;
        }
        for (index, link) in plan.links.iter().enumerate() {
            // Up: the rows this table's new rows reference.
            if link.child == table {
                let mut tuples: BTreeSet<Vec<Cell>> = BTreeSet::new();
                for (row, new) in &fresh {
                    let tuple: Option<Vec<Cell>> = link.child_columns.iter().map(|&c| row[position(c)].clone()).collect();
                    if let (true, Some(tuple)) = (*new, tuple) {
                        if asked[index].insert(tuple.clone()) {
                            tuples.insert(tuple);
                        }
                    }
                }
                let found = related(db, plan, &needed, link.parent, &link.parent_columns, tuples, None).await?;
                if !found.is_empty() {
                    work.push_back((link.parent, found, Reason::Parent));
                }
            }
            // Down: the children of this table's new full rows.
            if link.parent == table && reason == Reason::Full {
                let tuples: BTreeSet<Vec<Cell>> = fresh
                    .iter()
                    .filter_map(|(row, _)| link.parent_columns.iter().map(|&c| row[position(c)].clone()).collect())
                    .collect();
                let limit = config.children_of(&plan.tables[link.child].key);
                let found =
                    related(db, plan, &needed, link.child, &link.child_columns, tuples, Some((limit, &plan.tables[link.child].primary_key))).await?;
                if !found.is_empty() {
                    work.push_back((link.child, found, Reason::Full));
                }
            }
        }
    }
    let component = components(plan);
    let seeded_components: BTreeSet<usize> = seeded.keys().map(|&t| component[t]).collect();
    let mut selection = Vec::with_capacity(count);
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

/// The seed tables by plan position, with their row counts.
fn seeded_tables(plan: &ClonePlan, config: &SubsetConfig) -> Result<BTreeMap<usize, u64>, CloneError> {
    config
        .rows
        .iter()
        .map(|(name, &rows)| {
            plan.tables
                .iter()
                .position(|t| t.key.eq_ignore_ascii_case(name))
                .map(|at| (at, rows))
                .ok_or_else(|| CloneError::Subset(format!("the subset names {name}, which is not among the tables copied")))
        })
        .collect()
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
    let tuples: Vec<Vec<Cell>> = tuples.into_iter().collect();
    let target = &plan.tables[table];
    let match_columns: Vec<&ColumnPlan> = columns.iter().map(|&c| &target.columns[c]).collect();
    let read_columns = columns_of(plan, table, &needed[table]);
    let mut rows = Vec::new();
    for chunk in tuples.chunks(query::tuples_per_read(columns.len())) {
        let mut values = Vec::new();
        let condition = query::matching(dialect, &match_columns, chunk, &mut values);
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
