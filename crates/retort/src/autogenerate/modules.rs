//! Views, procedures, functions and triggers as code: the project's
//! `objects/` files (`Migrations::objects`) against the modules the
//! revisions build.
//!
//! The declared side creates each file's text on its scratch database, in
//! dependency order (the names each text mentions, read by retort-sql's
//! tokens as baseline orders a legacy database's modules; a cycle is an
//! error naming it), so that both sides are read back through the same
//! snapshot and compared after the server's normalisation. A difference
//! becomes a module operation carrying both texts: the new one from the
//! file, the old one as the revisions' server keeps it
//! (`sys.sql_modules.definition`, `sqlite_master.sql`, PostgreSQL's
//! deparsed definitions), so that the derived downgrade puts back exactly
//! what was there. A module the revisions build that no file declares is
//! dropped only with `--allow-drop`, and listed for review otherwise.

use std::collections::BTreeMap;

use crate::backend::{AnyBackend, Session};
use crate::baseline::{mentioned, sorted};
use crate::history::HistoryTable;
use crate::op::Operation;
use crate::schema::{RoutineKind, SchemaSnapshot};
use crate::{DeclaredObject, Dialect, Flavour, ModuleKind, Sql};

use super::AutogenerateError;

/// The declared objects `dialect` builds, in the order to create them:
/// each after the ones its text names.
pub(crate) fn ordered(objects: &'static [DeclaredObject], dialect: Dialect) -> Result<Vec<&'static DeclaredObject>, AutogenerateError> {
    let objects = crate::revision::for_dialect(objects, dialect);
    let names: Vec<String> = objects.iter().map(|object| base_name(object.name)).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (order, cycles) = sorted(&name_refs, |name| {
        let at = names.iter().position(|n| n == name).unwrap_or_default();
        let named = mentioned(objects[at].text(), dialect);
        name_refs.iter().copied().filter(|candidate| named.contains(*candidate)).collect()
    });
    if let Some(cycle) = cycles.first() {
        let spelled = |lower: &str| objects.iter().find(|o| base_name(o.name) == lower).map_or(lower.to_owned(), |o| o.name.to_owned());
        let mut names: Vec<String> = cycle.iter().map(|name| spelled(name)).collect();
        names.extend(names.first().cloned());
        return Err(AutogenerateError::ObjectCycle { names });
    }
    let mut placed = Vec::new();
    for name in order {
        placed.extend(objects.iter().filter(|object| base_name(object.name) == name).copied());
    }
    Ok(placed)
}

/// Creates `objects` (ordered) on the declared side's scratch database,
/// one statement each, so that a failure names its file.
pub(crate) async fn create_declared(objects: &[&'static DeclaredObject], db: &mut AnyBackend) -> Result<(), AutogenerateError> {
    let dialect = db.dialect();
    for object in objects {
        let operation = Operation::Module { kind: object.kind, name: object.name.to_owned(), old: None, new: Some(Sql::per_dialect([(dialect, object.text())])) };
        super::run_operations(&[operation], db)
            .await
            .map_err(|message| AutogenerateError::Declared(format!("{} ({}): {message}", object.name, object.path)))?;
    }
    Ok(())
}

/// What the revisions' server keeps beside the snapshot: each module's
/// text as stored, by the snapshot's key (SQL Server and SQLite;
/// PostgreSQL's snapshot holds its deparsed text), and what each module
/// depends on where the catalog records it (SQL Server, PostgreSQL), by
/// lower-case name, as baseline reads them.
pub(crate) async fn stored(db: &mut AnyBackend) -> Result<Stored, AutogenerateError> {
    let extras = crate::baseline::read_source(db, &HistoryTable::default()).await?.extras;
    Ok(Stored { texts: extras.definitions, dependencies: extras.dependencies })
}

/// See [`stored`].
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// Each module's text as the server keeps it, by the snapshot's key.
    pub texts: BTreeMap<String, String>,
    /// The names each module depends on, by lower-case name.
    pub dependencies: BTreeMap<String, Vec<String>>,
}

/// One module of a snapshot.
struct Module<'a> {
    key: &'a str,
    kind: ModuleKind,
    definition: &'a str,
}

/// The views, routines and triggers of `snapshot`, by comparable name.
fn modules(snapshot: &SchemaSnapshot, dialect: Dialect) -> BTreeMap<String, Module<'_>> {
    let mut found = BTreeMap::new();
    for (key, view) in &snapshot.views {
        found.insert(comparable(key, dialect), Module { key, kind: ModuleKind::View, definition: &view.definition });
    }
    for (key, routine) in &snapshot.routines {
        let kind = match routine.kind {
            RoutineKind::Procedure => ModuleKind::Procedure,
            RoutineKind::Function => ModuleKind::Function,
        };
        found.insert(comparable(key, dialect), Module { key, kind, definition: &routine.definition });
    }
    for (key, trigger) in &snapshot.triggers {
        let name = key.split(" on ").next().unwrap_or(key);
        found.insert(comparable(name, dialect), Module { key, kind: ModuleKind::Trigger, definition: &trigger.definition });
    }
    found
}

/// What the modules' comparison found.
#[derive(Debug, Default)]
pub(crate) struct ModuleChanges {
    /// Drops, dependents first: they run before anything else.
    pub first: Vec<Operation>,
    /// Creates and replacements, in dependency order: they run last.
    pub last: Vec<Operation>,
    pub detected: Vec<String>,
    pub review: Vec<String>,
}

/// Everything the modules' comparison reads.
pub(crate) struct ModuleSides<'a> {
    /// The declared objects, in creation order.
    pub objects: &'a [&'static DeclaredObject],
    pub current: &'a SchemaSnapshot,
    pub wanted: &'a SchemaSnapshot,
    /// The revisions' modules' texts and dependencies as their server
    /// keeps them.
    pub stored: &'a Stored,
    /// Each view's columns (name and type) on each side, PostgreSQL only.
    pub current_columns: &'a BTreeMap<String, Vec<String>>,
    pub wanted_columns: &'a BTreeMap<String, Vec<String>>,
    pub dialect: Dialect,
    pub flavour: Flavour,
    pub allow_drop: bool,
}

/// How a changed module is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replace {
    /// In place (`CREATE OR ALTER`, `CREATE OR REPLACE`, or the dialect's
    /// own drop and create where nothing depends on it).
    InPlace,
    /// Dropped with the views that depend on it, and created again after.
    DropAndCreate,
}

/// The changes from the revisions' modules to the declared objects.
pub(crate) fn compare_modules(sides: &ModuleSides<'_>) -> ModuleChanges {
    let comparison = Comparison::new(sides);
    let mut changes = ModuleChanges::default();
    let plan = comparison.plan(&mut changes.detected);
    let dropped = comparison.dropped_with_dependents(&plan);
    let declared: Vec<String> = sides.objects.iter().map(|object| comparable(object.name, sides.dialect)).collect();
    let undeclared: Vec<String> = comparison.before.keys().filter(|key| !declared.contains(key)).cloned().collect();
    comparison.drops(&dropped, &undeclared, &mut changes);
    comparison.creates(&plan, &dropped, &declared, &mut changes.last);
    comparison.explain_drops_and_creates(&plan, &dropped, &mut changes.review);
    changes
}

/// A declared object and how it is to be replaced (`None`: it is new).
type Planned = (&'static DeclaredObject, Option<Replace>);

/// Both sides' modules, and the revisions' modules' texts as their server
/// keeps them, by comparable name.
struct Comparison<'a> {
    sides: &'a ModuleSides<'a>,
    before: BTreeMap<String, Module<'a>>,
    after: BTreeMap<String, Module<'a>>,
    old_texts: BTreeMap<String, String>,
}

impl<'a> Comparison<'a> {
    fn new(sides: &'a ModuleSides<'a>) -> Self {
        let before = modules(sides.current, sides.dialect);
        let after = modules(sides.wanted, sides.dialect);
        let old_texts =
            before.iter().map(|(key, module)| (key.clone(), old_text(module, &sides.stored.texts, sides.dialect))).collect();
        Comparison { sides, before, after, old_texts }
    }

    fn sql(&self, text: &str) -> Sql {
        Sql::per_dialect([(self.sides.dialect, text)])
    }

    /// What a current module names: in its text, and in the catalog.
    fn needs(&self, key: &str) -> std::collections::BTreeSet<String> {
        let mut named = mentioned(&self.old_texts[key], self.sides.dialect);
        named.extend(self.sides.stored.dependencies.get(&base_name(key)).into_iter().flatten().cloned());
        named
    }

    /// Each declared object that is new or changed, and how a changed one
    /// is replaced; a `detected …` line for each.
    fn plan(&self, detected: &mut Vec<String>) -> Vec<Planned> {
        let mut plan = Vec::new();
        for &object in self.sides.objects {
            let key = comparable(object.name, self.sides.dialect);
            let Some(was) = self.before.get(&key) else {
                detected.push(format!("detected added {} '{}' ({})", word(object.kind), object.name, object.path));
                plan.push((object, None));
                continue;
            };
            if self.after.get(&key).is_some_and(|now| now.definition == was.definition) {
                continue;
            }
            detected.push(format!("detected changed {} '{}' ({})", word(object.kind), object.name, object.path));
            let signature = self.after.get(&key).is_some_and(|now| signature_changed(was, now));
            let must = signature || must_drop(object.kind, &key, self.sides);
            plan.push((object, Some(if must { Replace::DropAndCreate } else { Replace::InPlace })));
        }
        plan
    }

    /// The modules dropped to be created again, and the views that name
    /// one of them, however indirectly, which go and come back with it.
    fn dropped_with_dependents(&self, plan: &[Planned]) -> Vec<String> {
        let mut dropped: Vec<String> = plan
            .iter()
            .filter(|(_, replace)| *replace == Some(Replace::DropAndCreate))
            .map(|(object, _)| comparable(object.name, self.sides.dialect))
            .collect();
        let mut at = 0;
        while at < dropped.len() {
            let named = base_name(&dropped[at]);
            for (key, module) in &self.before {
                if module.kind == ModuleKind::View && !dropped.contains(key) && self.needs(key).contains(&named) {
                    dropped.push(key.clone());
                }
            }
            at += 1;
        }
        dropped
    }

    /// Drops, dependents first: those dropped to be created again and the
    /// undeclared ones (with `--allow-drop`; without, they are listed for
    /// review).
    fn drops(&self, dropped: &[String], undeclared: &[String], changes: &mut ModuleChanges) {
        let allow_drop = self.sides.allow_drop;
        let mut going: Vec<String> = dropped.to_vec();
        going.extend(undeclared.iter().filter(|key| allow_drop && !dropped.contains(key)).cloned());
        let names: Vec<String> = going.iter().map(|key| base_name(key)).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (order, _) = sorted(&name_refs, |name| {
            let at = names.iter().position(|n| n == name).unwrap_or_default();
            let named = self.needs(&going[at]);
            name_refs.iter().copied().filter(|candidate| named.contains(*candidate)).collect()
        });
        for name in order.iter().rev() {
            let Some(at) = names.iter().position(|n| n == name) else { continue };
            let module = &self.before[&going[at]];
            if undeclared.contains(&going[at]) && !dropped.contains(&going[at]) {
                changes.detected.push(format!("detected removed {} '{}'", word(module.kind), module.key));
            }
            let old = Some(self.sql(&self.old_texts[&going[at]]));
            changes.first.push(Operation::Module { kind: module.kind, name: module.key.to_owned(), old, new: None });
        }
        for key in undeclared.iter().filter(|_| !allow_drop) {
            let module = &self.before[key];
            changes.review.push(format!(
                "{} {}: the revisions build it but no file in objects/ declares it; add objects/{}.sql to keep it, or pass \
                 --allow-drop to drop it",
                word(module.kind),
                module.key,
                module.key
            ));
        }
    }

    /// Creates and replacements in creation order: declared objects as
    /// their files say, undeclared dependents as they were.
    fn creates(&self, plan: &[Planned], dropped: &[String], declared: &[String], last: &mut Vec<Operation>) {
        for &object in self.sides.objects {
            let key = comparable(object.name, self.sides.dialect);
            let planned = plan.iter().find(|(planned, _)| std::ptr::eq(*planned, object)).map(|(_, replace)| *replace);
            let new = Some(self.sql(object.text()));
            let old = match planned {
                Some(Some(Replace::InPlace)) if !dropped.contains(&key) => Some(self.sql(&self.old_texts[&key])),
                Some(_) => None,
                None if dropped.contains(&key) => None,
                None => continue,
            };
            last.push(Operation::Module { kind: object.kind, name: object.name.to_owned(), old, new });
        }
        for key in dropped.iter().filter(|key| !declared.contains(key)) {
            let module = &self.before[key];
            let new = Some(self.sql(&self.old_texts[key]));
            last.push(Operation::Module { kind: module.kind, name: module.key.to_owned(), old: None, new });
        }
    }

    /// Why each module replaced by a drop and a create could not be
    /// replaced in place, and what that costs.
    fn explain_drops_and_creates(&self, plan: &[Planned], dropped: &[String], review: &mut Vec<String>) {
        let dialect = self.sides.dialect;
        let replaced = |key: &str| {
            plan.iter().any(|(object, r)| *r == Some(Replace::DropAndCreate) && comparable(object.name, dialect) == key)
        };
        let recreated: Vec<&str> = dropped.iter().filter(|key| !replaced(key)).map(|key| self.before[key].key).collect();
        for (object, _) in plan.iter().filter(|(_, replace)| *replace == Some(Replace::DropAndCreate)) {
            let why = match (dialect, object.kind) {
                (Dialect::Postgres, ModuleKind::View) => "PostgreSQL cannot replace it in place because its columns change",
                (Dialect::Postgres, _) => "PostgreSQL cannot replace it in place because its arguments or return type change",
                _ => "Babelfish cannot alter it in place",
            };
            let with = if recreated.is_empty() {
                String::new()
            } else {
                format!(", with the views that depend on it ({})", recreated.join(", "))
            };
            review.push(format!(
                "{} {}: {why}, so the revision drops it and creates it again{with}; grants on them are lost and must be \
                 given again",
                word(object.kind),
                object.name
            ));
        }
    }
}

/// A module's kind as a `detected …` line words it.
fn word(kind: ModuleKind) -> String {
    kind.keyword().to_lowercase()
}

/// Whether a changed module cannot be replaced in place: on Babelfish
/// anything but a procedure (it has no `CREATE OR ALTER`), on PostgreSQL a
/// view whose columns change other than by new ones at the end.
fn must_drop(kind: ModuleKind, key: &str, sides: &ModuleSides<'_>) -> bool {
    match (sides.dialect, kind) {
        (Dialect::Mssql, ModuleKind::Procedure) => false,
        (Dialect::Mssql, _) => sides.flavour == Flavour::Babelfish,
        (Dialect::Postgres, ModuleKind::View) => {
            let was = sides.current_columns.get(key).map(Vec::as_slice).unwrap_or_default();
            let now = sides.wanted_columns.get(key).map(Vec::as_slice).unwrap_or_default();
            !now.starts_with(was)
        }
        _ => false,
    }
}

/// Whether a PostgreSQL routine's arguments (in its snapshot key,
/// `name(args)`) or its `RETURNS` line (in `pg_get_functiondef`'s text)
/// change: `CREATE OR REPLACE` would then add an overload beside the old
/// one, or refuse the new return type.
fn signature_changed(was: &Module<'_>, now: &Module<'_>) -> bool {
    let returns = |definition: &str| definition.lines().map(str::trim).find(|line| line.starts_with("RETURNS ")).map(str::to_owned);
    was.key.contains('(') && (was.key != now.key || returns(was.definition) != returns(now.definition))
}

/// Each view's columns as `name type`, by comparable name (PostgreSQL
/// only: the one dialect whose in-place replacement depends on them).
pub(crate) async fn view_columns(db: &mut AnyBackend) -> Result<BTreeMap<String, Vec<String>>, AutogenerateError> {
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if db.dialect() != Dialect::Postgres {
        return Ok(columns);
    }
    let sql = "SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c \
               JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name \
               WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') \
               ORDER BY c.table_schema, c.table_name, c.ordinal_position";
    let text = |row: &crate::backend::Row, at: usize| match row.get(at) {
        Some(crate::history::Value::Text(text)) => text.clone(),
        _ => String::new(),
    };
    for row in db.query(sql, &[]).await?.unwrap_or_default() {
        let key = comparable(&format!("{}.{}", text(&row, 0), text(&row, 1)), Dialect::Postgres);
        columns.entry(key).or_default().push(format!("{} {}", text(&row, 2), text(&row, 3)));
    }
    Ok(columns)
}

/// The text the revisions' server keeps for `module`, made to run again:
/// SQL Server's and SQLite's as stored (SQL Server keeps the text of the
/// last `ALTER`, whose header becomes `CREATE` again: Babelfish's
/// replacements `ALTER` a procedure), PostgreSQL's as it deparses it (a
/// view's `SELECT` inside a `CREATE OR REPLACE VIEW`).
fn old_text(module: &Module<'_>, stored: &BTreeMap<String, String>, dialect: Dialect) -> String {
    if let Some(text) = stored.get(module.key) {
        return match retort_sql::module_header(dialect.lexer(), text) {
            Ok(header) if header.alter => {
                format!("{}CREATE {}{}", &text[..header.create.start], header.kind.keyword(), &text[header.create.end..])
            }
            _ => text.clone(),
        };
    }
    match (dialect, module.kind) {
        (Dialect::Postgres, ModuleKind::View) => {
            let quoted: Vec<String> = module.key.split('.').map(|part| dialect.quote_ident(part)).collect();
            format!("CREATE OR REPLACE VIEW {} AS\n{};", quoted.join("."), module.definition)
        }
        _ => module.definition.to_owned(),
    }
}

/// A name as both sides compare it: without arguments (PostgreSQL keys
/// routines `name(args)`), without the default schema, in lower case (the
/// catalogs compare names so, and Babelfish's keep them so).
fn comparable(name: &str, dialect: Dialect) -> String {
    let name = name.split('(').next().unwrap_or(name).to_lowercase();
    let default = format!("{}.", dialect.default_schema().to_lowercase());
    name.strip_prefix(&default).map(str::to_owned).unwrap_or(name)
}

/// The last part of a name, in lower case: what `mentioned` reads.
fn base_name(name: &str) -> String {
    let name = name.split('(').next().unwrap_or(name);
    name.rsplit('.').next().unwrap_or(name).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn view(name: &'static str, sql: &'static str) -> DeclaredObject {
        DeclaredObject { name, kind: ModuleKind::View, dialect: None, path: "objects/v.sql", sql, checksum: crate::Checksum([0; 32]) }
    }

    static ORDERED: [DeclaredObject; 3] = [
        view("Best Regions", "CREATE VIEW [Best Regions] AS SELECT region FROM dbo.[Sales by Region]"),
        view("Sales by Region", "CREATE VIEW [Sales by Region] AS SELECT region FROM orders -- not [Best Regions]"),
        view("dbo.orders_view", "CREATE VIEW dbo.orders_view AS SELECT 'Best Regions' AS label FROM [Best Regions]"),
    ];
    static CYCLE: [DeclaredObject; 2] =
        [view("a", "CREATE VIEW a AS SELECT * FROM b"), view("b", "CREATE VIEW b AS SELECT * FROM a")];

    #[test]
    fn ordered_puts_each_object_after_what_it_names_and_refuses_a_cycle() {
        let names: Vec<&str> = ordered(&ORDERED, Dialect::Mssql).unwrap().iter().map(|object| object.name).collect();
        assert_eq!(names, ["Sales by Region", "Best Regions", "dbo.orders_view"]);
        let error = ordered(&CYCLE, Dialect::Sqlite).unwrap_err();
        assert_eq!(error.to_string(), "the declared objects name each other in a cycle: a → b → a; a module cannot be created before the one it needs, so break the cycle in objects/");
    }

    #[test]
    fn signature_changed_when_a_routines_arguments_or_return_type_change() {
        fn module<'a>(key: &'a str, definition: &'a str) -> Module<'a> {
            Module { key, kind: ModuleKind::Function, definition }
        }
        let body = "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$ SELECT 1 $function$";
        let was = module("f(a integer)", body);
        assert!(!signature_changed(&was, &module("f(a integer)", &body.replace("SELECT 1", "SELECT 2"))));
        assert!(signature_changed(&was, &module("f(a integer, b text)", body)));
        assert!(signature_changed(&was, &module("f(a integer)", &body.replace("RETURNS integer", "RETURNS bigint"))));
        assert!(!signature_changed(&module("v", "SELECT 1"), &module("v", "SELECT 2")), "not a routine");
    }

    #[test]
    fn comparable_drops_arguments_default_schema_and_case() {
        assert_eq!(comparable("dbo.GetOrders", Dialect::Mssql), "getorders");
        assert_eq!(comparable("public.active_users(integer)", Dialect::Postgres), "active_users");
        assert_eq!(comparable("sales.Sales by Region", Dialect::Mssql), "sales.sales by region");
    }
}
