//! What a clone copies, decided before any row moves: the tables the
//! source and the destination share, each column's rule checked against
//! its type and keys, and the order that inserts parents first.
//!
//! Foreign keys that form a cycle (a self-reference, or two tables that
//! reference each other) cannot all be satisfied by inserting parents
//! first. Their nullable columns are "deferred": inserted as NULL and set
//! once every table is in. A cycle of NOT NULL keys cannot be ordered, and
//! is refused before anything is copied.

use std::collections::{BTreeMap, BTreeSet};

use super::error::CloneError;
use super::kind::{kind_of, max_chars, Kind};
use super::mask_file::MaskFile;
use super::masker::one_to_one_domains;
use super::strategy::{Rule, Strategy};
use crate::schema::{SchemaSnapshot, Table};
use crate::Dialect;

/// A table as one database names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableName {
    pub schema: Option<String>,
    pub name: String,
}

impl TableName {
    /// From a snapshot key: `name`, or `schema.name` outside the default schema.
    pub fn from_key(key: &str) -> Self {
        match key.split_once('.') {
            Some((schema, name)) => TableName { schema: Some(schema.to_owned()), name: name.to_owned() },
            None => TableName { schema: None, name: key.to_owned() },
        }
    }

    pub fn quoted(&self, dialect: Dialect) -> String {
        dialect.quote_qualified(self.schema.as_deref(), &self.name)
    }
}

/// One column copied.
#[derive(Debug, Clone)]
pub(crate) struct ColumnPlan {
    pub source_name: String,
    pub dest_name: String,
    pub source_kind: Kind,
    pub source_type: String,
    pub dest_kind: Kind,
    pub dest_type: String,
    pub rule: Rule,
    pub max_chars: Option<usize>,
    /// For `date_shift … by`: the column whose value keys the shift.
    pub shift_by: Option<usize>,
}

/// A foreign key between two copied tables, by column positions.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub child: usize,
    pub child_columns: Vec<usize>,
    pub parent: usize,
    pub parent_columns: Vec<usize>,
}

/// One table copied.
#[derive(Debug, Clone)]
pub(crate) struct TablePlan {
    /// The source's snapshot key, for messages and the report.
    pub key: String,
    pub source: TableName,
    pub dest: TableName,
    pub columns: Vec<ColumnPlan>,
    /// Positions of the primary key's columns (empty without one).
    pub primary_key: Vec<usize>,
    /// Positions of the columns inserted as NULL and set afterwards.
    pub deferred: Vec<usize>,
    /// Destination columns filled by an identity or a sequence.
    pub identity_columns: Vec<String>,
    /// Whether the destination table has an identity column (SQL Server
    /// needs `IDENTITY_INSERT`, PostgreSQL `OVERRIDING SYSTEM VALUE`).
    pub has_identity: bool,
}

/// Everything decided before copying.
#[derive(Debug, Clone)]
pub(crate) struct ClonePlan {
    /// Tables in insertion order: every table after the tables it references
    /// (deferred keys aside).
    pub tables: Vec<TablePlan>,
    pub links: Vec<Link>,
    /// The strategies whose values must stay one-to-one.
    pub one_to_one: BTreeSet<String>,
    /// Source tables the destination does not have (not copied).
    pub skipped: Vec<String>,
}

/// Plans the copy from `source` to `dest` (both introspected) under `file`.
/// Unclassified columns are checked before (see `classify`); this refuses
/// rules that cannot work: a strategy unfit for its column, `null` on a NOT
/// NULL column, `constant` on a unique one, a foreign key whose two ends are
/// masked differently (the child would no longer find its parent, or a kept
/// child column would copy the real values its parent masks).
pub(crate) fn plan(
    file: &MaskFile,
    source: &SchemaSnapshot,
    source_dialect: Dialect,
    dest: &SchemaSnapshot,
    dest_dialect: Dialect,
) -> Result<ClonePlan, CloneError> {
    let dest_by_lower: BTreeMap<String, (&String, &Table)> =
        dest.tables.iter().map(|(key, table)| (key.to_lowercase(), (key, table))).collect();
    let sides = Sides {
        source: Side { schema: source, dialect: source_dialect },
        dest: Side { schema: dest, dialect: dest_dialect },
    };
    // Every rule that cannot work, so that one run reports them all.
    let mut problems = Vec::new();
    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for (key, table) in &source.tables {
        let Some((dest_key, dest_table)) = dest_by_lower.get(&key.to_lowercase()) else {
            skipped.push(key.clone());
            continue;
        };
        let columns = column_plans(file, key, table, dest_table, sides, &mut problems);
        tables.push(table_plan(key, table, dest_key, dest_table, columns, &mut problems));
    }

    // Which columns must stay unique, and the links between copied tables.
    let index_of: BTreeMap<String, usize> = tables.iter().enumerate().map(|(i, t)| (t.key.to_lowercase(), i)).collect();
    let mut unique_strategies = Vec::new();
    let mut links = Vec::new();
    for (child, plan) in tables.iter().enumerate() {
        let table = &source.tables[&plan.key];
        unique_strategies.extend(masked_unique_columns(plan, table, &mut problems));
        links.extend(links_to_parents(child, table, &tables, &index_of, &mut problems));
    }
    if !problems.is_empty() {
        return Err(CloneError::Rules { file: file.display_path(), problems });
    }
    let one_to_one = one_to_one_domains(unique_strategies.iter().map(|s| (s, true))).into_iter().collect();
    let mut plan = ClonePlan { tables, links, one_to_one, skipped };
    order(&mut plan, &dest_by_lower)?;
    Ok(plan)
}

/// One database of the copy: its schema, and the dialect its types are
/// spelled in.
#[derive(Clone, Copy)]
struct Side<'a> {
    schema: &'a SchemaSnapshot,
    dialect: Dialect,
}

impl Side<'_> {
    fn kind(&self, data_type: &str) -> Kind {
        kind_of(self.dialect, data_type, &self.schema.types)
    }
}

#[derive(Clone, Copy)]
struct Sides<'a> {
    source: Side<'a>,
    dest: Side<'a>,
}

/// The plans of the columns that both tables have (computed ones aside, as
/// neither can be written), each with its rule from `file`; a strategy unfit
/// for its column is a problem.
fn column_plans(
    file: &MaskFile,
    key: &str,
    table: &Table,
    dest_table: &Table,
    sides: Sides,
    problems: &mut Vec<String>,
) -> Vec<ColumnPlan> {
    let mut columns = Vec::new();
    for column in table.columns.iter().filter(|c| c.computed.is_none()) {
        let Some(dest_column) = dest_table
            .columns
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&column.name) && d.computed.is_none())
        else {
            continue;
        };
        // Unclassified columns were refused before planning.
        let rule = file.rule(key, &column.name).cloned().unwrap_or(Rule::Keep { reason: None });
        let source_kind = sides.source.kind(&column.data_type);
        if let Rule::Mask(strategy) = &rule {
            if let Some(why) = strategy.unfit_for(source_kind, dest_column.nullable) {
                problems.push(format!("{key}.{}: {} does not fit: {why}", column.name, strategy.name()));
            }
        }
        columns.push(ColumnPlan {
            source_name: column.name.clone(),
            dest_name: dest_column.name.clone(),
            source_kind,
            source_type: column.data_type.clone(),
            dest_kind: sides.dest.kind(&dest_column.data_type),
            dest_type: dest_column.data_type.clone(),
            rule,
            max_chars: max_chars(&dest_column.data_type),
            shift_by: None,
        });
    }
    columns
}

/// The plan of one table from its copied `columns`: where its primary key
/// and its `date_shift … by` columns are, and which destination columns the
/// database fills itself.
fn table_plan(
    key: &str,
    table: &Table,
    dest_key: &str,
    dest_table: &Table,
    mut columns: Vec<ColumnPlan>,
    problems: &mut Vec<String>,
) -> TablePlan {
    let primary_key: Vec<usize> = table
        .primary_key
        .iter()
        .flat_map(|key| key.columns.iter())
        .filter_map(|name| position(&columns, name))
        .collect();
    resolve_shift_by(key, &mut columns, problems);
    let identity_columns = dest_table
        .columns
        .iter()
        .filter(|c| c.identity.is_some() || c.default.as_deref().is_some_and(|d| d.contains("nextval(")))
        .map(|c| c.name.clone())
        .collect();
    let has_identity = dest_table.columns.iter().any(|c| c.identity.is_some());
    TablePlan {
        key: key.to_owned(),
        source: TableName::from_key(key),
        dest: TableName::from_key(dest_key),
        columns,
        primary_key,
        deferred: Vec::new(),
        identity_columns,
        has_identity,
    }
}

/// The position of the copied column `name` (case-insensitively, as
/// databases compare names).
fn position(columns: &[ColumnPlan], name: &str) -> Option<usize> {
    columns.iter().position(|c| c.source_name.eq_ignore_ascii_case(name))
}

/// Points each `date_shift … by` column at the column whose value keys its
/// shift; naming a column the table does not copy is a problem.
fn resolve_shift_by(key: &str, columns: &mut [ColumnPlan], problems: &mut Vec<String>) {
    for index in 0..columns.len() {
        if let Rule::Mask(Strategy::DateShift { by: Some(by), .. }) = &columns[index].rule {
            match position(columns, by) {
                Some(at) => columns[index].shift_by = Some(at),
                None => problems.push(format!(
                    "{key}.{}: date_shift by `{by}`, which the table does not have",
                    columns[index].source_name
                )),
            }
        }
    }
}

/// The strategies that mask a column of one of the table's unique keys
/// (primary key, unique constraints, unique indexes), which must then stay
/// one-to-one; `null` or `constant` alone on such a key is a problem.
fn masked_unique_columns(plan: &TablePlan, table: &Table, problems: &mut Vec<String>) -> Vec<Strategy> {
    let mut keys: Vec<Vec<String>> =
        table.primary_key.iter().chain(&table.uniques).map(|key| key.columns.clone()).collect();
    keys.extend(table.indexes.iter().filter(|i| i.unique).map(|i| i.columns.iter().map(|c| c.name.clone()).collect()));
    let mut strategies = Vec::new();
    for key in keys {
        for name in &key {
            let Some(column) = position(&plan.columns, name).map(|at| &plan.columns[at]) else { continue };
            let Rule::Mask(strategy) = &column.rule else { continue };
            strategies.push(strategy.clone());
            if matches!(strategy, Strategy::Null | Strategy::Constant(_)) && key.len() == 1 {
                problems.push(format!(
                    "{}.{}: {} on a unique column gives every row the same value",
                    plan.key, column.source_name, strategy.name()
                ));
            }
        }
    }
    strategies
}

/// The links from the table at `child` to the copied tables its foreign keys
/// reference (keys to tables or columns not copied are left out); a key
/// whose two ends are masked differently is a problem.
fn links_to_parents(
    child: usize,
    table: &Table,
    tables: &[TablePlan],
    index_of: &BTreeMap<String, usize>,
    problems: &mut Vec<String>,
) -> Vec<Link> {
    let plan = &tables[child];
    let mut links = Vec::new();
    for foreign in &table.foreign_keys {
        let Some(&parent) = index_of.get(&foreign.referenced_table.to_lowercase()) else { continue };
        let parent_plan = &tables[parent];
        let child_columns: Option<Vec<usize>> = foreign.columns.iter().map(|c| position(&plan.columns, c)).collect();
        let parent_columns: Option<Vec<usize>> =
            foreign.referenced_columns.iter().map(|c| position(&parent_plan.columns, c)).collect();
        let (Some(child_columns), Some(parent_columns)) = (child_columns, parent_columns) else { continue };
        for (&c, &p) in child_columns.iter().zip(&parent_columns) {
            let (child_column, parent_column) = (&plan.columns[c], &parent_plan.columns[p]);
            if !masked_alike(&child_column.rule, &parent_column.rule) {
                problems.push(mismatch(plan, child_column, parent_plan, parent_column));
            }
        }
        links.push(Link { child, child_columns, parent, parent_columns });
    }
    links
}

/// Whether a child column masked by `child` still finds its parent's value
/// masked by `parent`: both kept, the child nulled, or both masked in the
/// same domain by a function of the value.
fn masked_alike(child: &Rule, parent: &Rule) -> bool {
    match (child, parent) {
        (Rule::Keep { .. }, Rule::Keep { .. }) => true,
        (Rule::Mask(Strategy::Null), _) => true,
        (Rule::Mask(a), Rule::Mask(b)) => a.domain() == b.domain() && a.is_function_of_value(),
        _ => false,
    }
}

/// The problem of a foreign key column masked unlike the column it references.
fn mismatch(plan: &TablePlan, child_column: &ColumnPlan, parent_plan: &TablePlan, parent_column: &ColumnPlan) -> String {
    format!(
        "{}.{} references {}.{}: mask both ends the same way (one is {}, the other {}), or the \
         copy would {}",
        plan.key,
        child_column.source_name,
        parent_plan.key,
        parent_column.source_name,
        child_column.rule,
        parent_column.rule,
        if matches!(child_column.rule, Rule::Keep { .. }) {
            "keep the real values its parent masks"
        } else {
            "lose the rows it references"
        }
    )
}

/// Orders the tables parents first, deferring the nullable keys of cycles.
fn order(
    plan: &mut ClonePlan,
    dest_by_lower: &BTreeMap<String, (&String, &Table)>,
) -> Result<(), CloneError> {
    let count = plan.tables.len();
    let components = strongly_connected(count, &plan.links);
    let nullable = |table: &TablePlan, column: usize| {
        dest_by_lower
            .get(&table.key.to_lowercase())
            .and_then(|(_, t)| t.columns.iter().find(|c| c.name == table.columns[column].dest_name))
            .is_some_and(|c| c.nullable)
    };
    let mut kept = Vec::new();
    for link in &plan.links {
        let in_cycle = components[link.child] == components[link.parent];
        let child = &plan.tables[link.child];
        if in_cycle && link.child_columns.iter().all(|&c| nullable(child, c)) {
            for &column in &link.child_columns {
                if !plan.tables[link.child].deferred.contains(&column) {
                    plan.tables[link.child].deferred.push(column);
                }
            }
        } else {
            kept.push((link.child, link.parent));
        }
    }
    // Kahn's algorithm, the smallest name first among the ready tables.
    let mut waiting: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); count];
    for &(child, parent) in &kept {
        waiting[child].insert(parent);
    }
    let mut done = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while order.len() < count {
        let ready = (0..count)
            .filter(|&t| !done[t] && waiting[t].iter().all(|&p| done[p]))
            .min_by(|&a, &b| plan.tables[a].key.cmp(&plan.tables[b].key));
        let Some(next) = ready else {
            let stuck: Vec<&str> = (0..count).filter(|&t| !done[t]).map(|t| plan.tables[t].key.as_str()).collect();
            return Err(CloneError::Order(format!(
                "the tables {} reference each other through NOT NULL foreign keys, so no order inserts parents \
                 first; make one of those keys nullable (or DEFERRABLE) to clone them",
                stuck.join(", ")
            )));
        };
        done[next] = true;
        order.push(next);
    }
    let mut position = vec![0; count];
    for (at, &table) in order.iter().enumerate() {
        position[table] = at;
    }
    let mut tables: Vec<Option<TablePlan>> = std::mem::take(&mut plan.tables).into_iter().map(Some).collect();
    plan.tables = order.iter().filter_map(|&t| tables[t].take()).collect();
    for link in &mut plan.links {
        link.child = position[link.child];
        link.parent = position[link.parent];
    }
    Ok(())
}

/// The strongly connected component of each table (Tarjan's algorithm,
/// iteratively), over edges child → parent.
fn strongly_connected(count: usize, links: &[Link]) -> Vec<usize> {
    let mut edges = vec![Vec::new(); count];
    for link in links {
        edges[link.child].push(link.parent);
    }
    let mut index = vec![usize::MAX; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; count];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..count {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[node] == usize::MAX {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if index[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ForeignKey, Key, Table};

    fn column(name: &str, nullable: bool) -> Column {
        Column { name: name.to_owned(), data_type: "integer".to_owned(), nullable, ..Column::default() }
    }

    fn table(columns: &[(&str, bool)], foreign: &[(&str, &str)]) -> Table {
        Table {
            columns: columns.iter().map(|(n, null)| column(n, *null)).collect(),
            primary_key: Some(Key { name: None, columns: vec!["id".to_owned()] }),
            foreign_keys: foreign
                .iter()
                .map(|(col, parent)| ForeignKey {
                    name: None,
                    columns: vec![(*col).to_owned()],
                    referenced_table: (*parent).to_owned(),
                    referenced_columns: vec!["id".to_owned()],
                    on_delete: "NO ACTION".to_owned(),
                    on_update: "NO ACTION".to_owned(),
                })
                .collect(),
            ..Table::default()
        }
    }

    fn keep_all(schema: &SchemaSnapshot) -> MaskFile {
        let mut file = MaskFile::default();
        for (key, table) in &schema.tables {
            let rules = table.columns.iter().map(|c| (c.name.clone(), Rule::Keep { reason: None })).collect();
            file.tables.insert(key.clone(), rules);
        }
        file
    }

    #[test]
    fn plan_orders_parents_first_and_defers_nullable_cycles() {
        let mut schema = SchemaSnapshot::default();
        schema.tables.insert("a_todos".into(), table(&[("id", false), ("owner_id", false)], &[("owner_id", "users")]));
        schema.tables.insert(
            "users".into(),
            table(&[("id", false), ("manager_id", true), ("team_id", true)], &[("manager_id", "users"), ("team_id", "teams")]),
        );
        schema.tables.insert("teams".into(), table(&[("id", false), ("lead_id", true)], &[("lead_id", "users")]));
        let plan = plan(&keep_all(&schema), &schema, Dialect::Postgres, &schema, Dialect::Sqlite).unwrap();
        let order: Vec<&str> = plan.tables.iter().map(|t| t.key.as_str()).collect();
        let at = |name: &str| order.iter().position(|t| *t == name).unwrap();
        assert!(at("users") < at("a_todos"), "{order:?}");
        let users = &plan.tables[at("users")];
        assert_eq!(users.deferred.len(), 2, "manager_id and team_id are in cycles");
    }

    #[test]
    fn plan_fails_when_not_null_keys_form_a_cycle() {
        let mut schema = SchemaSnapshot::default();
        schema.tables.insert("a".into(), table(&[("id", false), ("b_id", false)], &[("b_id", "b")]));
        schema.tables.insert("b".into(), table(&[("id", false), ("a_id", false)], &[("a_id", "a")]));
        let error = plan(&keep_all(&schema), &schema, Dialect::Postgres, &schema, Dialect::Postgres).unwrap_err();
        assert!(error.to_string().contains("NOT NULL"), "{error}");
    }

    #[test]
    fn plan_fails_when_a_kept_key_references_a_masked_column() {
        let mut schema = SchemaSnapshot::default();
        let text = |name: &str| Column { name: name.to_owned(), data_type: "text".to_owned(), ..Column::default() };
        let mut users = Table { columns: vec![text("email")], ..Table::default() };
        users.uniques.push(Key { name: None, columns: vec!["email".into()] });
        let mut subscriptions = Table { columns: vec![text("email")], ..Table::default() };
        subscriptions.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec!["email".into()],
            referenced_table: "users".into(),
            referenced_columns: vec!["email".into()],
            on_delete: "NO ACTION".into(),
            on_update: "NO ACTION".into(),
        });
        schema.tables.insert("users".into(), users);
        schema.tables.insert("subscriptions".into(), subscriptions);
        let mut file = keep_all(&schema);
        file.tables.get_mut("users").unwrap().insert("email".into(), Rule::Mask(Strategy::Email));
        let error = plan(&file, &schema, Dialect::Sqlite, &schema, Dialect::Sqlite).unwrap_err().to_string();
        assert!(error.contains("subscriptions.email references users.email"), "{error}");
        file.tables.get_mut("subscriptions").unwrap().insert("email".into(), Rule::Mask(Strategy::Email));
        let plan = plan(&file, &schema, Dialect::Sqlite, &schema, Dialect::Sqlite).unwrap();
        assert!(plan.one_to_one.contains("email"));
    }
}
