//! Baselining: a database that no migration tool made (or another tool
//! did) becomes revision 1 of a retort project.
//!
//! [`read_source`] reads the database through a read-only session,
//! [`plan`] turns what it read into the operations of one base revision —
//! tables in foreign-key order, their indexes, then views, routines and
//! triggers, each with its text exactly as the server keeps it, in an order
//! where each follows what it names — and the downgrade that drops it all
//! in reverse, with a report of the names it replaced and of what it could
//! not reproduce.
//! [`comparable`] is how `migrate stamp --verify` compares the database
//! with what the revisions build: constraint names the server made up, or
//! that retort gives, do not count.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use retort::baseline::{plan, read_source, BaselineOptions};
//! let url = retort::DatabaseUrl::parse("mssql://reader:…@prod:1433/Shop")?;
//! let mut source = retort::connect_read_only(&url).await?;
//! let read = read_source(&mut source, &retort::HistoryTable::default()).await?;
//! let baseline = plan(&read, &BaselineOptions::default())?;
//! println!("{} operations, {} not reproduced", baseline.upgrade.len(), baseline.not_reproduced.len());
//! # Ok(()) }
//! ```

mod catalog_rows;
mod filter;
mod mentions;
mod names;
mod object_files;
mod objects;
mod order;
mod postgres;
mod report;
mod source;
mod system;
mod table;
mod types;
mod values;
mod verify;

pub use filter::{Filter, OTHER_TOOLS_TABLES};
pub use names::comparable;
pub use object_files::{object_of_file_name, write_object_files, ObjectFile, ObjectFilesError, Outcome};
pub use objects::Extras;
pub use report::{NotReproduced, Renamed};
pub use source::{read_source, Source};
pub use system::SystemNames;
pub use verify::differences;
// What `new-revision --autogenerate` borrows to read the current schema
// back into the op DSL.
pub(crate) use table::{convert, postgres_only};
pub(crate) use types::column_type;
pub(crate) use values::default_value;
// What autogenerate borrows to order the project's declared objects.
pub(crate) use mentions::mentioned;
pub(crate) use order::sorted;

use crate::op::{self, Constraint};
use crate::schema::SchemaSnapshot;
use crate::{Dialect, Operation};
pub(crate) use table::Context;

/// How to baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineOptions {
    /// Keep the constraint names the server made up instead of giving
    /// retort's deterministic ones.
    pub keep_names: bool,
    /// What to leave out.
    pub filter: Filter,
}

/// The base revision's operations, and what its header says.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The operations that build the source's schema on an empty database.
    pub upgrade: Vec<Operation>,
    /// The operations that remove it again, in reverse order.
    pub downgrade: Vec<Operation>,
    /// Constraints whose made-up names were replaced with retort's
    /// deterministic ones (unless names are kept).
    pub renamed: Vec<Renamed>,
    /// Objects left out by the filter, one line each.
    pub left_out: Vec<String>,
    /// What the catalog has that the revision cannot recreate, listed in its
    /// header.
    pub not_reproduced: Vec<NotReproduced>,
    /// The views, routines and triggers the revision creates, each with the
    /// statement that creates it, for the project's `objects/` folder, in
    /// the order the revision creates them.
    pub objects: Vec<ObjectFile>,
    /// Modules the revision creates that have no file in `objects/`, and
    /// why (PostgreSQL's overloads and same-named triggers share a name,
    /// and so a file).
    pub objects_not_written: Vec<String>,
}

impl Baseline {
    /// The revision's header comment: where it came from (never a
    /// password), when, and the report.
    pub fn header(&self, source: &Source, keep_names: bool) -> Vec<String> {
        report::header(&source.description, &report::utc_now(), &self.renamed, keep_names, &self.left_out, &self.not_reproduced)
    }
}

/// The default schema's name, which `--schema` calls it by.
pub fn default_schema(dialect: Dialect) -> &'static str {
    dialect.default_schema()
}

/// Why no base revision can be planned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    #[error(
        "the views and routines {} name each other in a cycle, so no order creates each after what it names. \
         If one does not need the other to exist when it is created (a procedure that calls it only when it runs), \
         baseline with `--exclude` on it and create it by hand in a later revision",
        .modules.iter().chain(.modules.first()).map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" → ")
    )]
    /// Views and routines name each other in a cycle, so no order creates
    /// each after what it names.
    Cycle {
        /// The modules in the cycle, in order.
        modules: Vec<String>,
    },
}

/// The operations that build `source`'s schema on an empty database of
/// its dialect and server, and undo it.
pub fn plan(source: &Source, options: &BaselineOptions) -> Result<Baseline, PlanError> {
    let dialect = source.dialect;
    let (snapshot, left_out) = options.filter.apply(&source.snapshot, default_schema(dialect));
    let mut baseline = Baseline { left_out, not_reproduced: source.unsupported.clone(), ..Baseline::default() };
    let snapshot = outside_default_schema(snapshot, &mut baseline.not_reproduced);
    let cx = Context { dialect, flavour: source.flavour, keep_names: options.keep_names, system: &source.system };
    let before = objects::before_tables(&snapshot, &source.extras, dialect);
    let (tables, deferred) = tables(&snapshot, &cx, &mut baseline);
    let after = objects::after_tables(&snapshot, &source.extras, dialect, &mut baseline.not_reproduced)
        .map_err(|modules| PlanError::Cycle { modules })?;
    let mut upgrade: Vec<Operation> = before.iter().map(|o| o.create.clone()).collect();
    upgrade.extend(tables.iter().flat_map(|(table, after)| std::iter::once(Operation::CreateTable(table.clone())).chain(after.iter().cloned())));
    upgrade.extend(deferred.iter().map(|(table, key)| Operation::AddConstraint { table: table.clone(), constraint: Constraint::ForeignKey(key.clone()) }));
    upgrade.extend(after.iter().map(|o| o.create.clone()));
    let mut downgrade: Vec<Operation> = after.iter().rev().map(|o| o.drop.clone()).collect();
    downgrade.extend(deferred.iter().rev().map(|(table, key)| Operation::DropConstraint {
        table: table.clone(),
        name: Constraint::ForeignKey(key.clone()).name(table),
        definition: None,
    }));
    downgrade.extend(tables.iter().rev().map(|(table, _)| Operation::DropTable { table: table.name.clone(), definition: None }));
    downgrade.extend(before.iter().rev().map(|o| o.drop.clone()));
    baseline.upgrade = upgrade;
    baseline.downgrade = downgrade;
    object_files(&after, source, &mut baseline);
    Ok(baseline)
}

/// Each module of `after` as a file of `objects/` for the source's
/// dialect, holding the statement the base revision runs to create it.
fn object_files(after: &[objects::Object], source: &Source, baseline: &mut Baseline) {
    for made in after {
        let Some(name) = &made.module else { continue };
        let Some(definition) = creating_sql(&made.create, source) else {
            baseline.objects_not_written.push(format!("{name}: its statement has no {} form; the revision creates it", source.dialect));
            continue;
        };
        // The name as the statement's header writes it (`dbo.order_summary`,
        // `[Sales by Region]`), which the build requires of the file's name.
        let name = retort_sql::module_header(source.dialect.lexer(), &definition).map_or_else(|_| name.clone(), |header| header.dotted_name());
        let file = ObjectFile { name: name.clone(), dialect: Some(source.dialect), definition };
        match baseline.objects.iter().find(|other| other.file_name() == file.file_name()) {
            Some(other) => baseline.objects_not_written.push(format!(
                "{name}: another object of that name ({}) is written to objects/{}; this one is created by the revision only",
                excerpt(&other.definition),
                file.file_name()
            )),
            None => baseline.objects.push(file),
        }
    }
}

/// The one statement `create` runs: an `execute`'s text as it is, and a
/// view the op DSL creates (PostgreSQL's) as its renderer writes it; `None`
/// where there is none (which the plan's own operations never are).
fn creating_sql(create: &Operation, source: &Source) -> Option<String> {
    match create {
        Operation::Execute(sql) => sql.text(source.dialect).map(str::to_owned),
        other => crate::render::operation_units(std::slice::from_ref(other), source.dialect, source.flavour, None)
            .ok()
            .and_then(|units| units.into_iter().next())
            .map(|unit| unit.sql),
    }
    .filter(|sql| !sql.trim().is_empty())
}

/// The first line of a definition, for a message.
fn excerpt(definition: &str) -> &str {
    definition.trim_start().lines().next().unwrap_or_default()
}

type Deferred = Vec<(String, op::ForeignKey)>;

/// The tables in foreign-key order, each with the operations that follow
/// it, and the foreign keys added once all exist (those of a cycle; SQLite
/// takes a reference to a later table, so it needs none).
fn tables(snapshot: &SchemaSnapshot, cx: &Context<'_>, baseline: &mut Baseline) -> (Vec<(op::Table, Vec<Operation>)>, Deferred) {
    let names: Vec<&str> = snapshot.tables.keys().map(String::as_str).collect();
    let (order, _) = order::sorted(&names, |name| {
        snapshot.tables[name].foreign_keys.iter().map(|fk| fk.referenced_table.as_str()).collect()
    });
    let mut created: Vec<&str> = Vec::new();
    let mut converted = Vec::new();
    let mut deferred = Vec::new();
    for name in order {
        let mut table = table::convert(name, &snapshot.tables[name], cx);
        baseline.renamed.append(&mut table.renamed);
        baseline.not_reproduced.append(&mut table.not_reproduced);
        table.table.foreign_keys.retain(|fk| {
            let known = snapshot.tables.contains_key(&fk.ref_table);
            if !known {
                baseline.not_reproduced.push(NotReproduced::new(
                    format!("table {name}: foreign key to {}", fk.ref_table),
                    "the table it references is left out: add the foreign key by hand if that table exists where this runs",
                ));
            }
            known
        });
        let later = |fk: &op::ForeignKey| fk.ref_table != name && !created.contains(&fk.ref_table.as_str());
        if cx.dialect != Dialect::Sqlite {
            let (now, after): (Vec<_>, Vec<_>) = table.table.foreign_keys.drain(..).partition(|fk| !later(fk));
            table.table.foreign_keys = now;
            deferred.extend(after.into_iter().map(|fk| (name.to_owned(), fk)));
        }
        created.push(name);
        converted.push((table.table, table.after));
    }
    (converted, deferred)
}

/// The snapshot without the objects outside the default schema, each
/// reported: the op DSL names tables in the default schema only.
fn outside_default_schema(mut snapshot: SchemaSnapshot, not_reproduced: &mut Vec<NotReproduced>) -> SchemaSnapshot {
    let qualified = |name: &str| name.split('(').next().unwrap_or(name).contains('.');
    let reason = "it is outside the default schema, and the op DSL names objects in the default schema only: \
                  create it by hand in a later revision, or baseline each schema's objects into the default one";
    let mut report = |kind: &str, name: &str| not_reproduced.push(NotReproduced::new(format!("{kind} {name}"), reason));
    for schema in std::mem::take(&mut snapshot.schemas) {
        report("schema", &schema);
    }
    snapshot.tables.retain(|name, _| !qualified(name) || { report("table", name); false });
    snapshot.views.retain(|name, _| !qualified(name) || { report("view", name); false });
    snapshot.materialized_views.retain(|name, _| !qualified(name) || { report("materialized view", name); false });
    snapshot.routines.retain(|name, _| !qualified(name) || { report("routine", name); false });
    snapshot.triggers.retain(|name, _| !qualified(name) || { report("trigger", name); false });
    snapshot.sequences.retain(|name, _| !qualified(name) || { report("sequence", name); false });
    snapshot.types.retain(|name, _| !qualified(name) || { report("type", name); false });
    for (name, table) in &mut snapshot.tables {
        table.foreign_keys.retain(|fk| {
            let kept = !qualified(&fk.referenced_table);
            if !kept {
                not_reproduced.push(NotReproduced::new(
                    format!("table {name}: foreign key to {}", fk.referenced_table),
                    "it references a table outside the default schema: add it by hand",
                ));
            }
            kept
        });
    }
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ForeignKey, Key, Table};
    use crate::Flavour;

    /// Two tables whose foreign keys reference each other, and one in
    /// another schema.
    fn source(dialect: Dialect) -> Source {
        let table = |other: &str| Table {
            columns: vec![
                Column { name: "id".into(), data_type: "integer".into(), ..Column::default() },
                Column { name: "other_id".into(), data_type: "integer".into(), nullable: true, ..Column::default() },
            ],
            primary_key: Some(Key { name: None, columns: vec!["id".into()] }),
            foreign_keys: vec![ForeignKey {
                name: None,
                columns: vec!["other_id".into()],
                referenced_table: other.into(),
                referenced_columns: vec!["id".into()],
                on_delete: "NO ACTION".into(),
                on_update: "NO ACTION".into(),
            }],
            ..Table::default()
        };
        let mut snapshot = SchemaSnapshot::default();
        snapshot.tables.insert("a".into(), table("b"));
        snapshot.tables.insert("b".into(), table("a"));
        snapshot.tables.insert("billing.invoices".into(), Table::default());
        Source {
            dialect,
            flavour: Flavour::Standard,
            description: "a test".into(),
            snapshot,
            system: SystemNames::default(),
            extras: Extras::default(),
            unsupported: Vec::new(),
        }
    }

    #[test]
    fn plan_adds_a_cycles_foreign_key_after_its_tables_and_drops_it_first() {
        let baseline = plan(&source(Dialect::Postgres), &BaselineOptions::default()).unwrap();
        let names: Vec<&str> = baseline.upgrade.iter().map(Operation::name).collect();
        assert_eq!(names, ["create_table", "create_table", "create_foreign_key"]);
        let names: Vec<&str> = baseline.downgrade.iter().map(Operation::name).collect();
        assert_eq!(names, ["drop_constraint", "drop_table", "drop_table"]);
        assert!(matches!(&baseline.downgrade[0], Operation::DropConstraint { name, .. } if name == "fk_a_other_id"));
    }

    #[test]
    fn plan_orders_views_by_what_they_name_and_refuses_a_cycle() {
        use crate::schema::View;
        let view = |text: &str| View { definition: text.to_owned() };
        let mut read = source(Dialect::Mssql);
        read.snapshot.views.insert("Best Regions".into(), view("CREATE VIEW [Best Regions] AS SELECT r FROM dbo.[Sales by Region]"));
        read.snapshot.views.insert("Sales by Region".into(), view("CREATE VIEW [Sales by Region] AS SELECT r FROM a"));
        let baseline = plan(&read, &BaselineOptions::default()).unwrap();
        let created: Vec<String> = baseline
            .upgrade
            .iter()
            .filter_map(|op| match op {
                Operation::Execute(crate::Sql::PerDialect(texts)) => Some(texts[0].1.clone()),
                _ => None,
            })
            .collect();
        assert!(created[0].contains("[Sales by Region] AS") && created[1].contains("[Best Regions] AS"), "{created:#?}");
        // The catalog's record, where there is one, decides.
        read.extras.dependencies.insert("sales by region".into(), vec!["best regions".into()]);
        let error = plan(&read, &BaselineOptions::default()).unwrap_err().to_string();
        assert!(error.contains("`Best Regions` → `Sales by Region` → `Best Regions`"), "{error}");
    }

    #[test]
    fn plan_gives_each_module_its_object_file_and_lists_an_overload_that_shares_one() {
        use crate::schema::{Routine, RoutineKind, View};
        let mut read = source(Dialect::Postgres);
        read.snapshot.views.insert("Sales by Region".into(), View { definition: "SELECT 1 AS r".into() });
        let function = |body: &str| Routine { kind: RoutineKind::Function, definition: body.to_owned() };
        read.snapshot.routines.insert("area(integer)".into(), function("CREATE OR REPLACE FUNCTION public.area(integer) …"));
        read.snapshot.routines.insert("area(text)".into(), function("CREATE OR REPLACE FUNCTION public.area(text) …"));
        let baseline = plan(&read, &BaselineOptions::default()).unwrap();
        let files: Vec<(String, &str)> = baseline.objects.iter().map(|f| (f.file_name(), f.definition.as_str())).collect();
        assert_eq!(
            files,
            [
                ("public.area.postgres.sql".to_owned(), "CREATE OR REPLACE FUNCTION public.area(integer) …"),
                ("Sales by Region.postgres.sql".to_owned(), "CREATE VIEW \"Sales by Region\" AS\nSELECT 1 AS r"),
            ]
        );
        assert_eq!(baseline.objects_not_written.len(), 1, "{:?}", baseline.objects_not_written);
        assert!(baseline.objects_not_written[0].starts_with("public.area: another object of that name"), "{:?}", baseline.objects_not_written);
        // In the order the revision creates them; each file a statement it runs.
        let created: Vec<&str> = baseline.upgrade.iter().filter_map(|op| match op {
            Operation::Execute(sql) => sql.text(Dialect::Postgres),
            _ => None,
        }).collect();
        assert!(created.contains(&files[0].1), "{created:?}");
        // Both overloads are created, the one without a file too.
        assert!(created.contains(&"CREATE OR REPLACE FUNCTION public.area(text) …"), "{created:?}");
        let dropped = baseline.downgrade.iter().filter_map(|op| match op {
            Operation::Execute(sql) => sql.text(Dialect::Postgres),
            _ => None,
        });
        assert_eq!(dropped.filter(|sql| sql.starts_with("DROP FUNCTION \"area\"")).count(), 2);
    }

    #[test]
    fn plan_keeps_foreign_keys_in_their_tables_on_sqlite_and_reports_other_schemas() {
        let baseline = plan(&source(Dialect::Sqlite), &BaselineOptions::default()).unwrap();
        assert_eq!(baseline.upgrade.len(), 2, "{:?}", baseline.upgrade);
        let objects: Vec<&str> = baseline.not_reproduced.iter().map(|n| n.object.as_str()).collect();
        assert_eq!(objects, ["table billing.invoices"]);
    }
}
