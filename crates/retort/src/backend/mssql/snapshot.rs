//! Catalog rows to the schema model: a pure function, tested on rows written
//! by hand as SQL Server returns them.
//!
//! Conventions, as the model defines them: objects in `dbo` are keyed by
//! their name, others by `schema.name`; types are spelled as in DDL, with
//! `nvarchar`/`nchar` lengths in characters (the catalog counts bytes);
//! expressions lose the redundant outer parentheses SQL Server wraps them in
//! (`((0))` is `0`); module definitions are normalised so that the way an
//! object was created (`CREATE`, `CREATE OR ALTER`, `ALTER`, line endings,
//! trailing blanks, leading comments) does not show as a difference; and a
//! constraint name the server made up (`PK__users__3213E83F6A2B4C1D`,
//! different in every database) is no name at all (`None`), and so is a
//! default's name that is retort's own (`df_<table>_<column>`).
//!
//! Babelfish's catalog says differently what SQL Server says (see
//! `flavour.rs`); read with the flavour, the same schema gives the same
//! snapshot on both: its index names lose the table name and hash it adds,
//! its constraint names count as given (it calls every one system-named)
//! unless they are the ones PostgreSQL makes up for unnamed constraints
//! (`todos_pkey`), and its defaults, whose names it does not keep, have
//! none; a default of NULL (how it drops one) is no default,
//! `CAST(('x') AS nvarchar(1))` is `N'x'` and `nextval('s')` is
//! `NEXT VALUE FOR dbo.s`. Identifiers in expressions lose their brackets where they need
//! none, as Babelfish prints them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::batch::{self, Kind};
use super::catalog::{
    Catalog, CheckRow, ColumnRow, ForeignKeyColumnRow, IndexColumnRow, IndexRow, KeyColumnRow, ModuleRow,
    SequenceRow, Spellings, TableRow,
};
use crate::dialect::{mssql_catalog_type as data_type, MSSQL_DEFAULT_SCHEMA as DEFAULT_SCHEMA};
use crate::history::HistoryTable;
use crate::Flavour;
use crate::schema::{
    Check, Column, ForeignKey, Identity, Index, IndexColumn, Key, Routine, RoutineKind,
    SchemaSnapshot, Sequence, Table, Trigger, View,
};

/// Schemas every database has.
const BUILT_IN_SCHEMAS: [&str; 13] = [
    "dbo",
    "guest",
    "INFORMATION_SCHEMA",
    "sys",
    "db_owner",
    "db_accessadmin",
    "db_securityadmin",
    "db_ddladmin",
    "db_backupoperator",
    "db_datareader",
    "db_datawriter",
    "db_denydatareader",
    "db_denydatawriter",
];

/// The snapshot of `catalog`, leaving out the history tables of `history`
/// (whose schema is explicit, see `HistoryTable::resolved`).
pub(crate) fn snapshot(catalog: &Catalog, history: &HistoryTable, flavour: Flavour) -> SchemaSnapshot {
    let babelfish = flavour == Flavour::Babelfish;
    let respelled;
    let catalog = match &catalog.spellings {
        Some(spellings) if babelfish => {
            respelled = respell(catalog, spellings);
            &respelled
        }
        _ => catalog,
    };
    let history = HistoryTables::new(history);
    let mut snapshot = SchemaSnapshot::default();
    add_tables(&mut snapshot, &catalog.tables, &history);
    add_columns(&mut snapshot, &catalog.columns, catalog.collation.as_deref(), babelfish);
    add_keys(&mut snapshot, &catalog.keys, babelfish);
    add_indexes(&mut snapshot, &catalog.indexes, &catalog.index_columns, babelfish);
    add_foreign_keys(&mut snapshot, &catalog.foreign_keys, babelfish);
    add_checks(&mut snapshot, &catalog.checks, babelfish);
    snapshot.sort_parts();
    add_modules(&mut snapshot, &catalog.modules, &history);
    for row in &catalog.sequences {
        snapshot.sequences.insert(qualified(&row.schema, &row.name), sequence(row));
    }
    snapshot.schemas = user_schemas(catalog, &history);
    snapshot
}

/// The catalog with its tables and columns spelled as they were created
/// (Babelfish's `sys.*` views give every name in lower case, and its
/// `INFORMATION_SCHEMA` the spelling), and each view, routine and trigger
/// named as its definition spells it. Names Babelfish keeps in lower case
/// only (constraints, indexes, sequences, types) stay so.
fn respell(catalog: &Catalog, spellings: &Spellings) -> Catalog {
    let fold = |name: &str| name.to_lowercase();
    let tables: HashMap<(String, String), &str> =
        spellings.tables.iter().map(|t| ((fold(&t.schema), fold(&t.table)), t.table.as_str())).collect();
    let columns: HashMap<(String, String, String), &str> = spellings
        .columns
        .iter()
        .map(|(schema, table, column)| ((fold(schema), fold(table), fold(column)), column.as_str()))
        .collect();
    let table = |schema: &str, name: &str| tables.get(&(fold(schema), fold(name))).map_or_else(|| name.to_owned(), |t| (*t).to_owned());
    let column = |schema: &str, table: &str, name: &str| {
        columns.get(&(fold(schema), fold(table), fold(name))).map_or_else(|| name.to_owned(), |c| (*c).to_owned())
    };
    let mut out = catalog.clone();
    for row in &mut out.tables {
        row.table = table(&row.schema, &row.table);
    }
    for row in &mut out.columns {
        row.name = column(&row.schema, &row.table, &row.name);
        row.table = table(&row.schema, &row.table);
    }
    for row in &mut out.keys {
        row.column = column(&row.schema, &row.table, &row.column);
        row.table = table(&row.schema, &row.table);
    }
    for row in &mut out.indexes {
        row.table = table(&row.schema, &row.table);
    }
    for row in &mut out.index_columns {
        row.column = column(&row.schema, &row.table, &row.column);
        row.table = table(&row.schema, &row.table);
    }
    for row in &mut out.foreign_keys {
        row.column = column(&row.schema, &row.table, &row.column);
        row.referenced_column = column(&row.referenced_schema, &row.referenced_table, &row.referenced_column);
        row.table = table(&row.schema, &row.table);
        row.referenced_table = table(&row.referenced_schema, &row.referenced_table);
    }
    for row in &mut out.checks {
        row.table = table(&row.schema, &row.table);
    }
    for row in &mut out.modules {
        if let Some(name) = row.definition.as_deref().and_then(|text| created_name(text, &row.name)) {
            row.name = name;
        }
        if let (Some(schema), Some(parent)) = (&row.parent_schema, &mut row.parent) {
            *parent = table(schema, parent);
        }
    }
    out
}

/// The name a module's definition gives it (`CREATE VIEW dbo.[Sales by
/// Region] AS …` → `Sales by Region`), when it is `stored` in another case.
fn created_name(definition: &str, stored: &str) -> Option<String> {
    use retort_sql::SqlToken as Token;
    let mut words = tokens(definition)?.into_iter();
    let keyword = |token: &Option<Token>, wanted: &[&str]| {
        matches!(token, Some(Token::Word(w)) if w.quote_style.is_none() && wanted.iter().any(|k| w.value.eq_ignore_ascii_case(k)))
    };
    let mut next = words.next();
    if !keyword(&next, &["CREATE", "ALTER"]) {
        return None;
    }
    next = words.next();
    if keyword(&next, &["OR"]) {
        words.next();
        next = words.next();
    }
    if !keyword(&next, &["VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER"]) {
        return None;
    }
    // The last part of `[schema.]name`.
    let mut name = None;
    while let Some(Token::Word(word)) = words.next() {
        name = Some(word.value);
        if words.next() != Some(Token::Period) {
            break;
        }
    }
    name.filter(|name| name.to_lowercase() == stored.to_lowercase())
}

/// retort's history table and its log, which a snapshot leaves out.
struct HistoryTables<'a> {
    schema: &'a str,
    name: &'a str,
    log: String,
}

impl<'a> HistoryTables<'a> {
    fn new(history: &'a HistoryTable) -> Self {
        HistoryTables {
            schema: history.schema.as_deref().unwrap_or(DEFAULT_SCHEMA),
            name: &history.name,
            log: format!("{}_log", history.name),
        }
    }

    /// Whether `schema.table` is one of the two.
    fn contains(&self, schema: &str, table: &str) -> bool {
        schema == self.schema && (table == self.name || table == self.log)
    }

    /// Whether a module is a trigger on one of the two.
    fn guards(&self, module: &ModuleRow) -> bool {
        module.kind == "TR"
            && self.contains(
                module.parent_schema.as_deref().unwrap_or_default(),
                module.parent.as_deref().unwrap_or_default(),
            )
    }
}

/// An empty table per user table, for the later rows to fill in. History
/// tables are never added, so the steps after this one, which find a row's
/// table by name, leave out everything attached to them too.
fn add_tables(snapshot: &mut SchemaSnapshot, rows: &[TableRow], history: &HistoryTables) {
    for row in rows.iter().filter(|t| !history.contains(&t.schema, &t.table)) {
        snapshot
            .tables
            .insert(qualified(&row.schema, &row.table), Table::default());
    }
}

/// The snapshot's table that a row of `schema.table` belongs to, if any.
fn table_mut<'s>(snapshot: &'s mut SchemaSnapshot, schema: &str, table: &str) -> Option<&'s mut Table> {
    snapshot.tables.get_mut(&qualified(schema, table))
}

fn add_columns(snapshot: &mut SchemaSnapshot, rows: &[ColumnRow], collation: Option<&str>, babelfish: bool) {
    // A computed column or a default may name the table's other columns.
    let mut names: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for row in rows {
        names.entry((&row.schema, &row.table)).or_default().push(row.name.clone());
    }
    for row in rows {
        if let Some(table) = table_mut(snapshot, &row.schema, &row.table) {
            let columns = names.get(&(row.schema.as_str(), row.table.as_str())).map_or(&[][..], Vec::as_slice);
            table.columns.push(column(row, collation, Printed { babelfish, columns }));
        }
    }
}

/// How the catalog prints an expression: SQL Server's way, or Babelfish's
/// (PostgreSQL's, see `postgres_form.rs`) in a table with these columns.
#[derive(Clone, Copy)]
struct Printed<'a> {
    babelfish: bool,
    columns: &'a [String],
}

impl Printed<'_> {
    /// The expression in the one spelling both servers' are read to.
    fn read(self, text: &str) -> String {
        if self.babelfish {
            babelfish_expression(text, self.columns)
        } else {
            canonical(text)
        }
    }
}

/// The catalog returns a constraint that spans several columns as one row
/// per column; these are each constraint's rows, in catalog order, the
/// constraints in (schema, table, name) order.
fn by_constraint<R>(rows: &[R], id: impl Fn(&R) -> [&str; 3]) -> Vec<Vec<&R>> {
    let mut groups: BTreeMap<[&str; 3], Vec<&R>> = BTreeMap::new();
    for row in rows {
        groups.entry(id(row)).or_default().push(row);
    }
    groups.into_values().collect()
}

fn add_keys(snapshot: &mut SchemaSnapshot, rows: &[KeyColumnRow], babelfish: bool) {
    for rows in by_constraint(rows, |r| [&r.schema, &r.table, &r.constraint]) {
        let Some(first) = rows.first() else { continue };
        if let Some(table) = table_mut(snapshot, &first.schema, &first.table) {
            let columns = rows.iter().map(|r| r.column.clone()).collect();
            let key = key(first, columns, babelfish);
            match first.kind.as_str() {
                "PK" => table.primary_key = Some(key),
                _ => table.uniques.push(key),
            }
        }
    }
}

/// A primary key (`first.kind` is `PK`) or unique constraint from its
/// first row and its columns; a name the server made up is none.
fn key(first: &KeyColumnRow, columns: Vec<String>, babelfish: bool) -> Key {
    let primary = first.kind == "PK";
    let system_named = first.system_named && !babelfish;
    let made_up = babelfish
        && babelfish_made_up(
            &first.constraint,
            &first.table,
            if primary { &[] } else { &columns },
            if primary { "pkey" } else { "key" },
        );
    Key {
        name: (!system_named && !made_up).then(|| first.constraint.clone()),
        columns,
    }
}

fn add_indexes(snapshot: &mut SchemaSnapshot, rows: &[IndexRow], columns: &[IndexColumnRow], babelfish: bool) {
    for row in rows {
        if let Some(table) = table_mut(snapshot, &row.schema, &row.table) {
            let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
            table.indexes.push(index(row, columns, Printed { babelfish, columns: &names }));
        }
    }
}

/// An index from its row and the catalog's index columns (of every index):
/// its keys in key order, then its included columns (and those SQL Server
/// adds, with key ordinal 0) in column order.
fn index(row: &IndexRow, columns: &[IndexColumnRow], printed: Printed<'_>) -> Index {
    let columns = columns
        .iter()
        .filter(|c| c.schema == row.schema && c.table == row.table && c.index == row.name);
    let mut keys: Vec<_> = columns
        .clone()
        .filter(|c| !c.included && c.key_ordinal > 0)
        .collect();
    keys.sort_by_key(|c| c.key_ordinal);
    let mut included: Vec<_> = columns
        .filter(|c| c.included || c.key_ordinal == 0)
        .collect();
    included.sort_by_key(|c| c.index_column_id);
    Index {
        name: if printed.babelfish { babelfish_index_name(&row.name, &row.table).name().to_owned() } else { row.name.clone() },
        unique: row.unique,
        // 1: clustered rowstore, 5: clustered columnstore.
        clustered: matches!(row.kind, 1 | 5),
        columns: keys
            .iter()
            .map(|c| IndexColumn {
                name: c.column.clone(),
                descending: c.descending,
            })
            .collect(),
        included: included.iter().map(|c| c.column.clone()).collect(),
        filter: row.filter.as_deref().map(|filter| printed.read(filter)),
    }
}

fn add_foreign_keys(snapshot: &mut SchemaSnapshot, rows: &[ForeignKeyColumnRow], babelfish: bool) {
    for rows in by_constraint(rows, |r| [&r.schema, &r.table, &r.constraint]) {
        let Some(first) = rows.first() else { continue };
        if let Some(table) = table_mut(snapshot, &first.schema, &first.table) {
            table.foreign_keys.push(foreign_key(first, &rows, babelfish));
        }
    }
}

/// A foreign key from its rows, one per column pair (`first` among them);
/// a name the server made up is none.
fn foreign_key(first: &ForeignKeyColumnRow, rows: &[&ForeignKeyColumnRow], babelfish: bool) -> ForeignKey {
    let columns: Vec<String> = rows.iter().map(|r| r.column.clone()).collect();
    let made_up = babelfish && babelfish_made_up(&first.constraint, &first.table, &columns, "fkey");
    ForeignKey {
        name: (!first.system_named || babelfish)
            .then(|| first.constraint.clone())
            .filter(|_| !made_up),
        columns,
        referenced_table: qualified(&first.referenced_schema, &first.referenced_table),
        referenced_columns: rows.iter().map(|r| r.referenced_column.clone()).collect(),
        on_delete: action(&first.on_delete),
        on_update: action(&first.on_update),
    }
}

fn add_checks(snapshot: &mut SchemaSnapshot, rows: &[CheckRow], babelfish: bool) {
    for row in rows {
        if let Some(table) = table_mut(snapshot, &row.schema, &row.table) {
            let check = check(row, &table.columns, babelfish);
            table.checks.push(check);
        }
    }
}

/// A check constraint of a table with `columns`; a name the server made up
/// is none (PostgreSQL, under Babelfish, names a check after its one
/// column, if it has one).
fn check(row: &CheckRow, columns: &[Column], babelfish: bool) -> Check {
    let made_up = babelfish
        && (babelfish_made_up(&row.name, &row.table, &[], "check")
            || columns
                .iter()
                .any(|c| babelfish_made_up(&row.name, &row.table, std::slice::from_ref(&c.name), "check")));
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    Check {
        name: (!row.system_named || babelfish).then(|| row.name.clone()).filter(|_| !made_up),
        expression: Printed { babelfish, columns: &names }.read(&row.definition),
    }
}

/// Views, procedures, functions and triggers (but those on the history
/// tables), each filed under its kind; other kinds are left out.
fn add_modules(snapshot: &mut SchemaSnapshot, rows: &[ModuleRow], history: &HistoryTables) {
    for row in rows {
        let name = qualified(&row.schema, &row.name);
        let text = row
            .definition
            .as_deref()
            .map_or_else(|| "(encrypted)".to_owned(), definition);
        match row.kind.as_str() {
            "V" => {
                snapshot.views.insert(name, View { definition: text });
            }
            "P" => {
                let procedure = Routine { kind: RoutineKind::Procedure, definition: text };
                snapshot.routines.insert(name, procedure);
            }
            "FN" | "IF" | "TF" => {
                let function = Routine { kind: RoutineKind::Function, definition: text };
                snapshot.routines.insert(name, function);
            }
            "TR" => {
                let parent_schema = row.parent_schema.as_deref().unwrap_or(&row.schema);
                let parent = row.parent.as_deref().unwrap_or_default();
                if !history.contains(parent_schema, parent) {
                    let trigger = Trigger { table: qualified(parent_schema, parent), definition: text };
                    snapshot.triggers.insert(name, trigger);
                }
            }
            _ => {}
        }
    }
}

/// A sequence from its row. The catalog's values fit the sequence's type;
/// only a decimal sequence beyond bigint could fail to parse, and is then
/// shown at 0.
fn sequence(row: &SequenceRow) -> Sequence {
    Sequence {
        data_type: data_type(&row.type_name, 0, row.precision, row.scale),
        start: row.start.trim().parse().unwrap_or_default(),
        increment: row.increment.trim().parse().unwrap_or_default(),
    }
}

/// The schemas the user made: not the ones every database has, nor one
/// retort created for its history tables, unless something of theirs lives
/// in it too.
fn user_schemas(catalog: &Catalog, history: &HistoryTables) -> BTreeSet<String> {
    let used = |schema: &str| {
        catalog
            .tables
            .iter()
            .any(|t| t.schema == schema && !history.contains(&t.schema, &t.table))
            || catalog
                .modules
                .iter()
                .any(|m| m.schema == schema && !history.guards(m))
            || catalog.sequences.iter().any(|s| s.schema == schema)
    };
    catalog
        .schemas
        .iter()
        .filter(|schema| !BUILT_IN_SCHEMAS.contains(&schema.as_str()))
        .filter(|schema| schema.as_str() != history.schema || used(schema))
        .cloned()
        .collect()
}

/// `name` in `dbo`, `schema.name` elsewhere.
fn qualified(schema: &str, name: &str) -> String {
    if schema == DEFAULT_SCHEMA {
        name.to_owned()
    } else {
        format!("{schema}.{name}")
    }
}

fn column(row: &ColumnRow, database_collation: Option<&str>, printed: Printed<'_>) -> Column {
    let babelfish = printed.babelfish;
    let computed = row.computed.as_deref().map(|definition| {
        let expression = printed.read(definition);
        // The model's convention for every backend: `<expr> stored` or `<expr> virtual`.
        if row.persisted {
            format!("{expression} stored")
        } else {
            format!("{expression} virtual")
        }
    });
    Column {
        name: row.name.clone(),
        data_type: data_type(&row.type_name, row.max_length, row.precision, row.scale),
        nullable: row.nullable,
        // A computed column has no default (Babelfish points at one anyway).
        default: row
            .default
            .as_deref()
            .filter(|_| row.computed.is_none())
            .map(|text| if babelfish { babelfish_default(text, printed.columns) } else { canonical(text) })
            .filter(|default| !(babelfish && default.eq_ignore_ascii_case("NULL"))),
        default_name: row
            .default_name
            .clone()
            .filter(|_| !row.default_system_named && !babelfish)
            .filter(|name| *name != crate::dialect::naming::default_name(&row.table, &row.name)),
        identity: row.identity.then(|| Identity {
            seed: row
                .identity_seed
                .as_deref()
                .and_then(|seed| seed.trim().parse().ok()),
            increment: row
                .identity_increment
                .as_deref()
                .and_then(|step| step.trim().parse().ok()),
        }),
        collation: row
            .collation
            .clone()
            .filter(|collation| Some(collation.as_str()) != database_collation)
            .filter(|collation| !(babelfish && babelfish_default_collation(collation, database_collation))),
        computed,
    }
}

/// `NO_ACTION` → `NO ACTION`, as the model (and DDL) spell actions.
fn action(description: &str) -> String {
    description.trim().replace('_', " ")
}

/// An expression without the outer parentheses SQL Server adds around
/// defaults, checks, computed columns and filters: `((0))` → `0`,
/// `([a]>(0))` → `[a]>(0)`; `(a)+(b)` keeps its parentheses.
fn expression(text: &str) -> String {
    let mut text = text.trim();
    while text.starts_with('(') && closing_paren(text) == Some(text.len() - 1) {
        text = text[1..text.len() - 1].trim();
    }
    text.to_owned()
}

/// An expression in one canonical spelling, so that two servers' (and two
/// authors') ways of printing the same expression read the same: tokens
/// one space apart (none inside parentheses, before commas, around dots or
/// before a call's parenthesis), identifiers without brackets where they
/// need none, and no parentheses that change nothing: around the whole,
/// around one literal or name, and around a comparison or arithmetic next
/// to AND, OR or NOT (which bind looser). `([total]>=(0))` and
/// `(total >= 0)` are both `total >= 0`; `(a + b) * c` keeps its own.
fn canonical(text: &str) -> String {
    match tokens(text) {
        Some(tokens) => canonical_tokens(tokens, text),
        None => expression(text),
    }
}

/// An expression Babelfish printed (in PostgreSQL's form), in T-SQL and
/// then [`canonical`], with `columns` spelled as the table spells them.
pub(crate) fn babelfish_expression(text: &str, columns: &[String]) -> String {
    match tokens(text) {
        Some(tokens) => canonical_tokens(super::postgres_form::tsql(tokens, columns), text),
        None => expression(text),
    }
}

/// The tokens of a T-SQL expression, without whitespace and comments;
/// `None` when it does not tokenize (an unterminated literal).
fn tokens(text: &str) -> Option<Vec<retort_sql::SqlToken>> {
    retort_sql::significant_tokens(retort_sql::Dialect::Mssql, text)
}

/// [`canonical`] of the tokens of `text`.
fn canonical_tokens(mut tokens: Vec<retort_sql::SqlToken>, text: &str) -> String {
    use retort_sql::SqlToken as Token;
    let logical = |token: Option<&Token>| {
        matches!(token, Some(Token::Word(w)) if w.quote_style.is_none()
            && ["AND", "OR", "NOT"].iter().any(|k| w.value.eq_ignore_ascii_case(k)))
    };
    let atom = |token: &Token| {
        matches!(token, Token::Word(_) | Token::Number(..) | Token::SingleQuotedString(_) | Token::NationalStringLiteral(_))
    };
    'removing: loop {
        for open in 0..tokens.len() {
            if tokens[open] != Token::LParen {
                continue;
            }
            let Some(close) = matching(&tokens, open) else { return expression(text) };
            let previous = open.checked_sub(1).map(|at| &tokens[at]);
            let next = tokens.get(close + 1);
            // A call's or IN's parentheses are not grouping.
            if matches!(previous, Some(Token::Word(_))) && !logical(previous) {
                continue;
            }
            let inner = &tokens[open + 1..close];
            let whole = open == 0 && close == tokens.len() - 1;
            let one = inner.len() == 1 && atom(&inner[0]);
            let mut depth = 0;
            let has_logical = inner.iter().any(|t| {
                match t {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                depth == 0 && logical(Some(t))
            });
            let after_boundary = previous.is_none() || previous == Some(&Token::LParen) || logical(previous);
            let before_boundary = next.is_none() || next == Some(&Token::RParen) || logical(next);
            if whole || one || (!has_logical && after_boundary && before_boundary) {
                tokens.remove(close);
                tokens.remove(open);
                continue 'removing;
            }
        }
        break;
    }
    let mut out = String::with_capacity(text.len());
    for (at, token) in tokens.iter().enumerate() {
        let previous = at.checked_sub(1).map(|p| &tokens[p]);
        let tight = match (previous, token) {
            (None, _) => true,
            (Some(Token::LParen | Token::Period), _) => true,
            (_, Token::RParen | Token::Comma | Token::Period) => true,
            (Some(Token::Word(_)), Token::LParen) => !logical(previous),
            _ => false,
        };
        if !tight {
            out.push(' ');
        }
        match token {
            Token::Word(word) if word.quote_style == Some('[') && simple_name(&word.value) => out.push_str(&word.value),
            Token::SingleQuotedString(s) => out.push_str(&format!("'{}'", s.replace('\'', "''"))),
            Token::NationalStringLiteral(s) => out.push_str(&format!("N'{}'", s.replace('\'', "''"))),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// The index of the parenthesis that closes the one at `open`.
fn matching(tokens: &[retort_sql::SqlToken], open: usize) -> Option<usize> {
    use retort_sql::SqlToken as Token;
    let mut depth = 0usize;
    for (at, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

/// A name that needs no brackets.
fn simple_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether Babelfish made `name` up: it keeps the name PostgreSQL gives a
/// constraint the DDL left unnamed (`todos_pkey`, `todos_owner_id_title_key`,
/// `invoices_user_id_fkey`, `invoices_amount_check`) where SQL Server makes
/// one up (`PK__todos__3213E83F6A2B4C1D`), and calls every name system-made.
fn babelfish_made_up(name: &str, table: &str, columns: &[String], suffix: &str) -> bool {
    let parts: Vec<&str> = std::iter::once(table)
        .chain(columns.iter().map(String::as_str))
        .chain([suffix])
        .collect();
    name.eq_ignore_ascii_case(&parts.join("_"))
}

/// A Babelfish default as SQL Server would print it: read as every
/// Babelfish expression (a string literal comes back as `CAST(('x') AS
/// nvarchar(1))`), and `NEXT VALUE FOR dbo.s` as PostgreSQL's
/// `nextval('s')` (unqualified: `dbo` is on the search path).
fn babelfish_default(text: &str, columns: &[String]) -> String {
    let text = babelfish_expression(text, columns);
    let sequence = text
        .strip_prefix("nextval('")
        .and_then(|rest| rest.strip_suffix("')"))
        .filter(|name| simple_name(name));
    match sequence {
        Some(sequence) => format!("NEXT VALUE FOR {DEFAULT_SCHEMA}.{sequence}"),
        None => text,
    }
}

/// Whether a Babelfish column collation is the database's: Babelfish names
/// `SQL_Latin1_General_CP1_CI_AS` `bbf_unicode_cp1_ci_as` on columns.
fn babelfish_default_collation(collation: &str, database: Option<&str>) -> bool {
    let column = collation.to_ascii_lowercase();
    let database = database.unwrap_or_default().to_ascii_lowercase();
    match (column.strip_prefix("bbf_unicode_"), database.strip_prefix("sql_latin1_general_")) {
        (Some(column), Some(database)) => column == database,
        _ => column == database,
    }
}

/// An index name as Babelfish stores it, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IndexName {
    /// The name the index was created with (in lower case: Babelfish folds
    /// it before anything else).
    Created(String),
    /// The first bytes of a longer name, all that Babelfish keeps of it.
    Cut(String),
    /// A name Babelfish did not make (an index created through its
    /// PostgreSQL port), as stored.
    Stored(String),
}

impl IndexName {
    pub(crate) fn name(&self) -> &str {
        match self {
            IndexName::Created(name) | IndexName::Cut(name) | IndexName::Stored(name) => name,
        }
    }
}

/// The bytes of a PostgreSQL identifier: 63 (`NAMEDATALEN - 1`).
const IDENTIFIER_BYTES: usize = 63;
/// An MD5 in hexadecimal.
const MD5_DIGITS: usize = 32;
/// What Babelfish keeps of an identifier too long for PostgreSQL before the
/// MD5 it appends: 63 bytes less the 32 digits (fewer when that would cut
/// a character).
const KEPT_BYTES: usize = IDENTIFIER_BYTES - MD5_DIGITS;

/// The name an index was created with, from the name Babelfish stores.
///
/// Index names are unique per table in T-SQL and per schema in PostgreSQL,
/// so Babelfish (`construct_unique_index_name`) stores an index created as
/// `ix` on table `t` as `full = ix + t + md5(ix)`, all in lower case:
/// `ix_short` on `Customer Accounts` is `ix_shortcustomer accounts` and the
/// 32 digits of `md5('ix_short')`. A `full` of 64 bytes or more is too long
/// for PostgreSQL, and Babelfish shortens it as it shortens every long
/// identifier: its first 31 bytes, then the MD5 of all of it. So the name
/// is found by recomputing: the stored name minus the table and a hash that
/// checks, or, when shortened, the prefix of those 31 bytes that gives back
/// exactly the stored name. A name itself longer than 31 bytes is not kept
/// whole anywhere: its first 31 bytes are returned as [`IndexName::Cut`].
/// Those 31 bytes, used as the name, are stored the same way again (31
/// bytes of name, then the hash of the same `full`), so a database built
/// from a baseline reads back the same name as its source. As checked on
/// Babelfish 4.2 (`sys.indexes` and PostgreSQL's `pg_indexes` agree).
pub(crate) fn babelfish_index_name(stored: &str, table: &str) -> IndexName {
    let unchanged = || IndexName::Stored(stored.to_owned());
    let table = table.to_lowercase();
    let Some(split) = stored.len().checked_sub(MD5_DIGITS).filter(|at| stored.is_char_boundary(*at)) else {
        return unchanged();
    };
    let (head, hash) = stored.split_at(split);
    if !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return unchanged();
    }
    if let Some(name) = head.strip_suffix(table.as_str()) {
        if md5_hex(name) == hash && name.len() + table.len() + MD5_DIGITS <= IDENTIFIER_BYTES {
            return IndexName::Created(name.to_owned());
        }
    }
    if head.len() > KEPT_BYTES || head.len() + 4 <= KEPT_BYTES {
        return unchanged();
    }
    let shortened = (0..=head.len()).rev().filter(|k| head.is_char_boundary(*k)).find(|k| {
        let name = &head[..*k];
        let full = format!("{name}{table}{}", md5_hex(name));
        full.len() > IDENTIFIER_BYTES && clip(&full, KEPT_BYTES) == head && md5_hex(&full) == hash
    });
    match shortened {
        Some(k) => IndexName::Created(head[..k].to_owned()),
        None => IndexName::Cut(head.to_owned()),
    }
}

/// The MD5 of `text` in lowercase hexadecimal, as PostgreSQL's `md5()`.
fn md5_hex(text: &str) -> String {
    use md5::Digest;
    md5::Md5::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// At most `bytes` bytes of `text`, without cutting a character.
fn clip(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The index of the parenthesis that closes the one at index 0, ignoring
/// parentheses in literals, quoted identifiers and comments.
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 0i64;
    for (kind, range) in batch::segments(text) {
        if kind != Kind::Code {
            continue;
        }
        for (offset, byte) in text[range.clone()].bytes().enumerate() {
            match byte {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(range.start + offset);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// A module's source, normalised: line breaks as `\n`, no trailing blanks on
/// lines, no blank lines or comments before the `CREATE`, and `CREATE OR
/// ALTER` or `ALTER` written as `CREATE`.
fn definition(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').map(|line| line.trim_end()).collect();
    let text = lines.join("\n");
    let start = batch::segments(&text)
        .into_iter()
        .filter(|(kind, _)| *kind != Kind::Comment)
        .find_map(|(_, range)| {
            let chunk = &text[range.clone()];
            chunk
                .find(|c: char| !c.is_whitespace())
                .map(|at| range.start + at)
        })
        .unwrap_or(text.len());
    let body = text[start..].trim_end();
    let words = batch::leading_words(body, 3);
    let word_end = |count: usize| {
        let mut rest = body;
        for _ in 0..count {
            rest = rest.trim_start();
            rest = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
        }
        body.len() - rest.len()
    };
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["CREATE", "OR", "ALTER", ..] => format!("CREATE{}", &body[word_end(3)..]),
        ["ALTER", ..] => format!("CREATE{}", &body[word_end(1)..]),
        ["CREATE", ..] => format!("CREATE{}", &body[word_end(1)..]),
        _ => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLLATION: &str = "SQL_Latin1_General_CP1_CI_AS";

    fn table(schema: &str, name: &str) -> TableRow {
        TableRow {
            schema: schema.into(),
            table: name.into(),
        }
    }

    fn int_column(table: &str, id: i64, name: &str) -> ColumnRow {
        ColumnRow {
            schema: "dbo".into(),
            table: table.into(),
            column_id: id,
            name: name.into(),
            type_name: "int".into(),
            max_length: 4,
            precision: 10,
            scale: 0,
            ..ColumnRow::default()
        }
    }

    fn string_column(
        table: &str,
        id: i64,
        name: &str,
        type_name: &str,
        max_length: i64,
    ) -> ColumnRow {
        ColumnRow {
            type_name: type_name.into(),
            max_length,
            precision: 0,
            nullable: true,
            collation: Some(COLLATION.into()),
            ..int_column(table, id, name)
        }
    }

    fn key(table: &str, constraint: &str, kind: &str, ordinal: i64, column: &str) -> KeyColumnRow {
        KeyColumnRow {
            schema: "dbo".into(),
            table: table.into(),
            constraint: constraint.into(),
            kind: kind.into(),
            ordinal,
            column: column.into(),
            system_named: false,
        }
    }

    fn index_column(index: &str, key_ordinal: i64, id: i64, column: &str) -> IndexColumnRow {
        IndexColumnRow {
            schema: "dbo".into(),
            table: "todos".into(),
            index: index.into(),
            key_ordinal,
            index_column_id: id,
            descending: false,
            included: key_ordinal == 0,
            column: column.into(),
        }
    }

    /// What the catalog returns for the sample's Users/Todos schema, plus a
    /// view, a procedure, a trigger, a sequence, a schema and the history
    /// tables, as written by:
    ///
    /// ```sql
    /// CREATE TABLE users (id int IDENTITY(1,1) CONSTRAINT PK_users PRIMARY KEY,
    ///   email nvarchar(100) NULL CONSTRAINT UQ_users_email UNIQUE,
    ///   name nvarchar(max) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
    ///   balance decimal(10,2) NOT NULL CONSTRAINT DF_users_balance DEFAULT ((0)),
    ///   created datetime2(3) NOT NULL CONSTRAINT DF_users_created DEFAULT (sysutcdatetime()),
    ///   label AS (upper([email])) PERSISTED);
    /// CREATE TABLE todos (id bigint IDENTITY(100,5) NOT NULL CONSTRAINT PK_todos PRIMARY KEY NONCLUSTERED,
    ///   owner_id int NOT NULL, title varchar(200) NOT NULL, done bit NOT NULL,
    ///   CONSTRAINT FK_todos_users FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE,
    ///   CONSTRAINT CK_todos_title CHECK (len([title])>(0)));
    /// CREATE CLUSTERED INDEX IX_todos_owner ON todos (owner_id, id DESC);
    /// CREATE UNIQUE NONCLUSTERED INDEX IX_todos_open ON todos (title) INCLUDE (done) WHERE done = 0;
    /// ```
    fn catalog() -> Catalog {
        Catalog {
            collation: Some(COLLATION.into()),
            schemas: ["billing", "db_owner", "dbo", "guest", "INFORMATION_SCHEMA", "ops", "sys"].map(String::from).to_vec(),
            tables: vec![
                table("dbo", "todos"),
                table("dbo", "users"),
                table("ops", "retort_history"),
                table("ops", "retort_history_log"),
                table("billing", "invoices"),
            ],
            columns: vec![
                int_column("todos", 1, "id"),
                int_column("todos", 2, "owner_id"),
                ColumnRow { collation: Some(COLLATION.into()), ..string_column("todos", 3, "title", "varchar", 200) }
                    .not_null(),
                ColumnRow { type_name: "bit".into(), max_length: 1, precision: 1, ..int_column("todos", 4, "done") },
                ColumnRow { identity: true, identity_seed: Some("1".into()), identity_increment: Some("1".into()), ..int_column("users", 1, "id") },
                ColumnRow {
                    default_name: None,
                    ..string_column("users", 2, "email", "nvarchar", 200)
                },
                ColumnRow {
                    collation: Some("Latin1_General_100_CI_AS_SC_UTF8".into()),
                    ..string_column("users", 3, "name", "nvarchar", -1)
                },
                ColumnRow {
                    type_name: "decimal".into(),
                    max_length: 9,
                    precision: 10,
                    scale: 2,
                    default_name: Some("DF_users_balance".into()),
                    default: Some("((0))".into()),
                    ..int_column("users", 4, "balance")
                },
                ColumnRow {
                    type_name: "datetime2".into(),
                    max_length: 7,
                    precision: 23,
                    scale: 3,
                    default_name: Some("DF_users_created".into()),
                    default: Some("(sysutcdatetime())".into()),
                    ..int_column("users", 5, "created")
                },
                ColumnRow {
                    computed: Some("(upper([email]))".into()),
                    persisted: true,
                    ..string_column("users", 6, "label", "nvarchar", 200)
                },
                ColumnRow { schema: "ops".into(), ..int_column("retort_history", 1, "x") },
                ColumnRow { schema: "billing".into(), ..int_column("invoices", 1, "id") },
            ],
            keys: vec![
                KeyColumnRow { system_named: true, ..key("todos", "PK__todos__3213E83F6A2B4C1D", "PK", 1, "id") },
                key("users", "PK_users", "PK", 1, "id"),
                key("users", "UQ_users_email", "UQ", 1, "email"),
                KeyColumnRow { schema: "ops".into(), ..key("retort_history", "PK_retort_history", "PK", 1, "x") },
            ],
            indexes: vec![
                IndexRow {
                    schema: "dbo".into(),
                    table: "todos".into(),
                    name: "IX_todos_open".into(),
                    unique: true,
                    kind: 2,
                    filter: Some("([done]=(0))".into()),
                },
                IndexRow {
                    schema: "dbo".into(),
                    table: "todos".into(),
                    name: "IX_todos_owner".into(),
                    unique: false,
                    kind: 1,
                    filter: None,
                },
            ],
            index_columns: vec![
                index_column("IX_todos_open", 0, 2, "done"),
                index_column("IX_todos_open", 1, 1, "title"),
                index_column("IX_todos_owner", 1, 1, "owner_id"),
                IndexColumnRow { descending: true, ..index_column("IX_todos_owner", 2, 2, "id") },
            ],
            foreign_keys: vec![ForeignKeyColumnRow {
                schema: "dbo".into(),
                table: "todos".into(),
                constraint: "FK_todos_users".into(),
                ordinal: 1,
                column: "owner_id".into(),
                referenced_schema: "dbo".into(),
                referenced_table: "users".into(),
                referenced_column: "id".into(),
                on_delete: "CASCADE".into(),
                on_update: "NO_ACTION".into(),
                system_named: false,
            }],
            checks: vec![CheckRow {
                schema: "dbo".into(),
                table: "todos".into(),
                name: "CK_todos_title".into(),
                definition: "(len([title])>(0))".into(),
                system_named: false,
            }],
            modules: vec![
                ModuleRow {
                    schema: "dbo".into(),
                    name: "open_todos".into(),
                    kind: "V".into(),
                    definition: Some("-- The open ones.\r\ncreate or alter view open_todos AS   \r\nSELECT id FROM todos WHERE done = 0\r\n".into()),
                    ..ModuleRow::default()
                },
                ModuleRow {
                    schema: "billing".into(),
                    name: "close_todo".into(),
                    kind: "P".into(),
                    definition: Some("ALTER PROCEDURE billing.close_todo @id int AS\nBEGIN\n  UPDATE dbo.todos SET done = 1 WHERE id = @id;\nEND".into()),
                    ..ModuleRow::default()
                },
                ModuleRow {
                    schema: "dbo".into(),
                    name: "todo_count".into(),
                    kind: "FN".into(),
                    definition: None,
                    ..ModuleRow::default()
                },
                ModuleRow {
                    schema: "dbo".into(),
                    name: "todos_touch".into(),
                    kind: "TR".into(),
                    parent_schema: Some("dbo".into()),
                    parent: Some("todos".into()),
                    definition: Some("CREATE TRIGGER todos_touch ON todos AFTER UPDATE AS SELECT 1".into()),
                },
                ModuleRow {
                    schema: "ops".into(),
                    name: "history_guard".into(),
                    kind: "TR".into(),
                    parent_schema: Some("ops".into()),
                    parent: Some("retort_history".into()),
                    definition: Some("CREATE TRIGGER history_guard ON ops.retort_history AFTER DELETE AS SELECT 1".into()),
                },
            ],
            sequences: vec![SequenceRow {
                schema: "dbo".into(),
                name: "ticket_numbers".into(),
                type_name: "decimal".into(),
                precision: 18,
                scale: 0,
                start: "1000".into(),
                increment: "10".into(),
            }],
            spellings: None,
        }
    }

    #[test]
    fn snapshot_spells_babelfish_names_as_created() {
        // Babelfish's `sys.*` rows, in lower case, and its INFORMATION_SCHEMA's spellings.
        let column = |id, name: &str| ColumnRow { nullable: true, ..string_column("customer accounts", id, name, "nvarchar", 80) };
        let catalog = Catalog {
            tables: vec![table("dbo", "customer accounts")],
            columns: vec![column(1, "firstname"), column(2, "region")],
            checks: vec![CheckRow {
                schema: "dbo".into(),
                table: "customer accounts".into(),
                name: "customer accounts_region_check".into(),
                definition: "((region !~~* CAST(('Test%') AS nvarchar(5))))".into(),
                system_named: true,
            }],
            modules: vec![ModuleRow {
                schema: "dbo".into(),
                name: "sales by region".into(),
                kind: "V".into(),
                definition: Some("create view dbo.[Sales by Region]  \nas select Region from dbo.[Customer Accounts]".into()),
                ..ModuleRow::default()
            }],
            spellings: Some(Spellings {
                tables: vec![table("dbo", "Customer Accounts")],
                columns: ["FirstName", "Region"].map(|c| ("dbo".to_owned(), "Customer Accounts".to_owned(), c.to_owned())).to_vec(),
            }),
            ..Catalog::default()
        };
        let snapshot = snapshot(&catalog, &history(), Flavour::Babelfish);
        let accounts = &snapshot.tables["Customer Accounts"];
        let names: Vec<&str> = accounts.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["FirstName", "Region"]);
        assert_eq!(accounts.checks, [Check { name: None, expression: "Region NOT LIKE N'Test%'".into() }]);
        assert_eq!(snapshot.views.keys().collect::<Vec<_>>(), ["Sales by Region"]);
        // SQL Server's names are its own: no spellings to apply.
        assert!(super::snapshot(&catalog, &history(), Flavour::Standard).tables.contains_key("customer accounts"));
    }

    #[test]
    fn created_name_reads_the_name_a_definition_gives() {
        assert_eq!(created_name("CREATE VIEW dbo.[Sales by Region] AS SELECT 1", "sales by region").as_deref(), Some("Sales by Region"));
        assert_eq!(created_name("-- note\ncreate or alter procedure [dbo].GetAll as select 1", "getall").as_deref(), Some("GetAll"));
        assert_eq!(created_name("CREATE TRIGGER dbo.Audit ON t AFTER INSERT AS SELECT 1", "audit").as_deref(), Some("Audit"));
        assert_eq!(created_name("CREATE VIEW other AS SELECT 1", "v"), None);
    }

    impl IndexColumnRow {
        fn on_index(self, index: &str) -> Self {
            IndexColumnRow {
                index: index.into(),
                ..self
            }
        }
    }

    impl ColumnRow {
        fn not_null(self) -> Self {
            ColumnRow {
                nullable: false,
                ..self
            }
        }
    }

    fn history() -> HistoryTable {
        HistoryTable {
            schema: Some("ops".into()),
            name: "retort_history".into(),
        }
    }

    #[test]
    fn snapshot_maps_columns_with_exact_types_defaults_identity_and_collation() {
        let snapshot = snapshot(&catalog(), &history(), Flavour::Standard);
        let users = &snapshot.tables["users"];
        let described: Vec<String> = users
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{} {} null={} default={:?}/{:?} identity={:?} collation={:?} computed={:?}",
                    c.name,
                    c.data_type,
                    c.nullable,
                    c.default,
                    c.default_name,
                    c.identity,
                    c.collation,
                    c.computed
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                "id int null=false default=None/None identity=Some(Identity { seed: Some(1), increment: Some(1) }) collation=None computed=None",
                "email nvarchar(100) null=true default=None/None identity=None collation=None computed=None",
                "name nvarchar(max) null=true default=None/None identity=None collation=Some(\"Latin1_General_100_CI_AS_SC_UTF8\") computed=None",
                "balance decimal(10,2) null=false default=Some(\"0\")/Some(\"DF_users_balance\") identity=None collation=None computed=None",
                "created datetime2(3) null=false default=Some(\"sysutcdatetime()\")/Some(\"DF_users_created\") identity=None collation=None computed=None",
                "label nvarchar(100) null=true default=None/None identity=None collation=None computed=Some(\"upper(email) stored\")",
            ]
        );
        assert_eq!(
            snapshot.tables["todos"].columns[2].data_type,
            "varchar(200)"
        );
        assert_eq!(
            snapshot.tables["todos"].primary_key,
            Some(Key {
                name: None,
                columns: vec!["id".into()]
            })
        );
        assert_eq!(
            users.primary_key,
            Some(Key {
                name: Some("PK_users".into()),
                columns: vec!["id".into()]
            })
        );
        assert_eq!(
            users.uniques,
            [Key {
                name: Some("UQ_users_email".into()),
                columns: vec!["email".into()]
            }]
        );
    }

    #[test]
    fn snapshot_maps_indexes_foreign_keys_and_checks() {
        let snapshot = snapshot(&catalog(), &history(), Flavour::Standard);
        let todos = &snapshot.tables["todos"];
        assert_eq!(
            todos.indexes,
            [
                Index {
                    name: "IX_todos_open".into(),
                    unique: true,
                    clustered: false,
                    columns: vec![IndexColumn {
                        name: "title".into(),
                        descending: false
                    }],
                    included: vec!["done".into()],
                    filter: Some("done = 0".into()),
                },
                Index {
                    name: "IX_todos_owner".into(),
                    unique: false,
                    clustered: true,
                    columns: vec![
                        IndexColumn {
                            name: "owner_id".into(),
                            descending: false
                        },
                        IndexColumn {
                            name: "id".into(),
                            descending: true
                        },
                    ],
                    included: vec![],
                    filter: None,
                },
            ]
        );
        assert_eq!(
            todos.foreign_keys,
            [ForeignKey {
                name: Some("FK_todos_users".into()),
                columns: vec!["owner_id".into()],
                referenced_table: "users".into(),
                referenced_columns: vec!["id".into()],
                on_delete: "CASCADE".into(),
                on_update: "NO ACTION".into(),
            }]
        );
        assert_eq!(
            todos.checks,
            [Check {
                name: Some("CK_todos_title".into()),
                expression: "len(title) > 0".into()
            }]
        );
    }

    #[test]
    fn snapshot_leaves_out_history_tables_and_the_history_schema() {
        let snapshot = snapshot(&catalog(), &history(), Flavour::Standard);
        assert_eq!(
            snapshot.tables.keys().collect::<Vec<_>>(),
            ["billing.invoices", "todos", "users"]
        );
        assert_eq!(snapshot.schemas.iter().collect::<Vec<_>>(), ["billing"]);
        assert!(!snapshot.triggers.contains_key("ops.history_guard"));
        // Once the user puts something of theirs in it, it is their schema too.
        let mut catalog = catalog();
        catalog.tables.push(table("ops", "jobs"));
        assert!(super::snapshot(&catalog, &history(), Flavour::Standard)
            .schemas
            .contains("ops"));
    }

    #[test]
    fn snapshot_normalises_module_definitions_and_sorts_them_by_kind() {
        let snapshot = snapshot(&catalog(), &history(), Flavour::Standard);
        assert_eq!(
            snapshot.views["open_todos"].definition,
            "CREATE view open_todos AS\nSELECT id FROM todos WHERE done = 0"
        );
        let procedure = &snapshot.routines["billing.close_todo"];
        assert_eq!(procedure.kind, RoutineKind::Procedure);
        assert!(
            procedure
                .definition
                .starts_with("CREATE PROCEDURE billing.close_todo @id int AS\nBEGIN"),
            "{}",
            procedure.definition
        );
        assert_eq!(snapshot.routines["todo_count"].definition, "(encrypted)");
        assert_eq!(snapshot.routines["todo_count"].kind, RoutineKind::Function);
        assert_eq!(snapshot.triggers["todos_touch"].table, "todos");
        assert_eq!(
            snapshot.sequences["ticket_numbers"],
            Sequence {
                data_type: "decimal(18,0)".into(),
                start: 1000,
                increment: 10
            }
        );
    }

    #[test]
    fn key_forgets_names_the_server_made_up() {
        let columns = || vec!["id".to_owned()];
        let made_up = KeyColumnRow { system_named: true, ..key("todos", "PK__todos__3213E83F6A2B4C1D", "PK", 1, "id") };
        assert_eq!(super::key(&made_up, columns(), false).name, None);
        let given = key("todos", "PK_todos", "PK", 1, "id");
        assert_eq!(super::key(&given, columns(), false).name.as_deref(), Some("PK_todos"));
        // Babelfish calls every name system-made, and keeps PostgreSQL's for unnamed ones.
        assert_eq!(super::key(&made_up, columns(), true).name.as_deref(), Some("PK__todos__3213E83F6A2B4C1D"));
        assert_eq!(super::key(&key("todos", "todos_pkey", "PK", 1, "id"), columns(), true).name, None);
        let unique = key("todos", "todos_owner_id_title_key", "UQ", 1, "owner_id");
        let key = super::key(&unique, vec!["owner_id".into(), "title".into()], true);
        assert_eq!(key, Key { name: None, columns: vec!["owner_id".into(), "title".into()] });
    }

    #[test]
    fn by_constraint_gathers_each_constraints_rows_in_name_order() {
        let rows = [
            key("users", "UQ_b", "UQ", 1, "x"),
            key("users", "UQ_a", "UQ", 1, "y"),
            key("users", "UQ_b", "UQ", 2, "z"),
            key("todos", "UQ_c", "UQ", 1, "w"),
        ];
        let groups: Vec<Vec<&str>> = by_constraint(&rows, |r| [&r.schema, &r.table, &r.constraint])
            .into_iter()
            .map(|group| group.iter().map(|r| r.column.as_str()).collect())
            .collect();
        assert_eq!(groups, [vec!["w"], vec!["y"], vec!["x", "z"]]);
    }

    #[test]
    fn index_orders_keys_by_ordinal_and_included_columns_by_id() {
        let row = IndexRow {
            schema: "dbo".into(),
            table: "todos".into(),
            name: format!("ix_todos_owner_idtodos{}", md5_hex("ix_todos_owner_id")),
            unique: false,
            kind: 5,
            filter: Some("([done]=(0))".into()),
        };
        let index_column = |key_ordinal, id, column| IndexColumnRow { index: row.name.clone(), ..index_column("", key_ordinal, id, column) };
        let columns = [
            index_column(0, 4, "title"),
            index_column(2, 2, "id"),
            index_column(0, 3, "done"),
            IndexColumnRow { descending: true, ..index_column(1, 1, "owner_id") },
            index_column(1, 1, "elsewhere").on_index("other"),
        ];
        let expected = |name: &str| Index {
            name: name.into(),
            unique: false,
            clustered: true,
            columns: vec![
                IndexColumn { name: "owner_id".into(), descending: true },
                IndexColumn { name: "id".into(), descending: false },
            ],
            included: vec!["done".into(), "title".into()],
            filter: Some("done = 0".into()),
        };
        let names = ["title", "id", "done", "owner_id"].map(str::to_owned);
        let printed = |babelfish| Printed { babelfish, columns: &names };
        assert_eq!(index(&row, &columns, printed(false)), expected(&row.name));
        assert_eq!(index(&row, &columns, printed(true)), expected("ix_todos_owner_id"));
    }

    #[test]
    fn foreign_key_pairs_its_columns_and_reads_actions() {
        let row = |ordinal: i64, column: &str, referenced: &str| ForeignKeyColumnRow {
            schema: "dbo".into(),
            table: "todos".into(),
            constraint: "todos_owner_id_team_id_fkey".into(),
            ordinal,
            column: column.into(),
            referenced_schema: "billing".into(),
            referenced_table: "members".into(),
            referenced_column: referenced.into(),
            on_delete: "SET_NULL".into(),
            on_update: "NO_ACTION".into(),
            system_named: true,
        };
        let rows = [row(1, "owner_id", "id"), row(2, "team_id", "team")];
        let rows: Vec<&ForeignKeyColumnRow> = rows.iter().collect();
        assert_eq!(
            foreign_key(rows[0], &rows, false),
            ForeignKey {
                name: None,
                columns: vec!["owner_id".into(), "team_id".into()],
                referenced_table: "billing.members".into(),
                referenced_columns: vec!["id".into(), "team".into()],
                on_delete: "SET NULL".into(),
                on_update: "NO ACTION".into(),
            }
        );
        // Babelfish's own name for it is made up too; a name a person chose is kept.
        assert_eq!(foreign_key(rows[0], &rows, true).name, None);
        let named = ForeignKeyColumnRow { constraint: "FK_todos_members".into(), ..row(1, "owner_id", "id") };
        assert_eq!(foreign_key(&named, &[&named], true).name.as_deref(), Some("FK_todos_members"));
    }

    #[test]
    fn check_forgets_the_names_postgresql_gives_unnamed_checks() {
        let row = |name: &str, system_named: bool| CheckRow {
            schema: "dbo".into(),
            table: "todos".into(),
            name: name.into(),
            definition: "(len([title])>(0))".into(),
            system_named,
        };
        let columns = [Column { name: "title".into(), ..Column::default() }];
        assert_eq!(
            check(&row("CK_todos_title", false), &columns, false),
            Check { name: Some("CK_todos_title".into()), expression: "len(title) > 0".into() }
        );
        assert_eq!(check(&row("CK__todos__title__5AEE82B9", true), &columns, false).name, None);
        assert_eq!(check(&row("todos_title_check", true), &columns, true).name, None);
        assert_eq!(check(&row("todos_check", true), &columns, true).name, None);
        assert_eq!(check(&row("CK_todos_title", true), &columns, true).name.as_deref(), Some("CK_todos_title"));
    }

    #[test]
    fn sequence_reads_its_type_and_values_and_shows_what_does_not_parse_as_zero() {
        let row = SequenceRow {
            schema: "dbo".into(),
            name: "big".into(),
            type_name: "decimal".into(),
            precision: 38,
            scale: 0,
            start: " 5 ".into(),
            increment: "99999999999999999999999999".into(),
        };
        assert_eq!(sequence(&row), Sequence { data_type: "decimal(38,0)".into(), start: 5, increment: 0 });
    }

    #[test]
    fn expression_strips_only_enclosing_parentheses() {
        assert_eq!(expression("((0))"), "0");
        assert_eq!(expression("(N'(a)')"), "N'(a)'");
        assert_eq!(expression("((1)+(2))"), "(1)+(2)");
        assert_eq!(expression("(1)+(2)"), "(1)+(2)");
        assert_eq!(expression("(N')')"), "N')'");
        assert_eq!(expression("("), "(");
    }

    #[test]
    fn babelfish_index_name_recovers_the_created_name_from_what_babelfish_stored() {
        // Stored by Babelfish 4.2 for `CREATE INDEX … ON dbo.[Customer Accounts]`.
        let table = "Customer Accounts";
        let created = |name: &str| IndexName::Created(name.to_owned());
        // IX_Short: short enough to keep whole, with the table and md5('ix_short').
        assert_eq!(babelfish_index_name("ix_shortcustomer accountsab97b068e134fd3c3e43d8233934261f", table), created("ix_short"));
        // IX_Accounts_FirstName: with the table it is too long, so the first
        // 31 bytes and the hash of all of it, which only the right name gives.
        assert_eq!(babelfish_index_name("ix_accounts_firstnamecustomer a6d5c109bf356f955c4468bde5c3dfb87", table), created("ix_accounts_firstname"));
        assert_eq!(
            babelfish_index_name("ix_targets_regionquarterly sale76f72b74b7e731cfccd6ac26dcd9a11b", "Quarterly Sales Targets By Region And Product Category"),
            created("ix_targets_region")
        );
        // A name longer than 31 bytes keeps only them.
        assert_eq!(
            babelfish_index_name("ix_customer_accounts_firstname_ec2752c234c17e481a65d8752d9cae72", table),
            IndexName::Cut("ix_customer_accounts_firstname_".to_owned())
        );
        // What is not Babelfish's is kept as it is.
        assert_eq!(babelfish_index_name("pk_todos", "todos"), IndexName::Stored("pk_todos".to_owned()));
        assert_eq!(babelfish_index_name("ix_x_not_a_hashtodos", "todos").name(), "ix_x_not_a_hashtodos");
        let wrong_hash = "ix_shortcustomer accounts0123456789abcdef0123456789abcdef";
        assert_eq!(babelfish_index_name(wrong_hash, table), IndexName::Stored(wrong_hash.to_owned()));
    }

    #[test]
    fn babelfish_index_name_reads_a_cut_name_back_as_itself() {
        // The 31 bytes kept of a long name, used as a name, are stored as
        // those 31 bytes and the hash of the same `full`: a fixed point.
        let table = "customer accounts";
        let cut = "ix_customer_accounts_firstname_";
        let full = format!("{cut}{table}{}", md5_hex(cut));
        let stored = format!("{}{}", clip(&full, KEPT_BYTES), md5_hex(&full));
        assert_eq!(babelfish_index_name(&stored, table), IndexName::Created(cut.to_owned()));
    }

    #[test]
    fn babelfish_default_reads_string_casts_as_literals() {
        assert_eq!(babelfish_default("CAST(('user') AS nvarchar(4))", &[]), "N'user'");
        assert_eq!(babelfish_default("CAST(('it''s') AS varchar(4))", &[]), "'it''s'");
        assert_eq!(babelfish_default("1", &[]), "1");
        assert_eq!(babelfish_default("sysutcdatetime()", &[]), "sysutcdatetime()");
        assert_eq!(babelfish_default("nextval('invoice_numbers')", &[]), "NEXT VALUE FOR dbo.invoice_numbers");
        assert_eq!(canonical("(NEXT VALUE FOR [dbo].[invoice_numbers])"), "NEXT VALUE FOR dbo.invoice_numbers");
    }

    #[test]
    fn babelfish_made_up_knows_the_names_postgresql_gives_unnamed_constraints() {
        let columns = ["owner_id".to_owned(), "title".to_owned()];
        assert!(babelfish_made_up("todos_pkey", "todos", &[], "pkey"));
        assert!(babelfish_made_up("todos_owner_id_title_key", "todos", &columns, "key"));
        assert!(babelfish_made_up("todos_owner_id_fkey", "todos", &columns[..1], "fkey"));
        assert!(!babelfish_made_up("pk_todos", "todos", &[], "pkey"));
        assert!(!babelfish_made_up("todos_title_key", "todos", &columns, "key"));
    }

    #[test]
    fn defaults_read_back_as_the_values_retort_wrote() {
        // SQL Server prints each default retort renders in parentheses,
        // doubled around a number; without them it is the literal again.
        use crate::op::{Literal, Type};
        use crate::Dialect;
        for (printed, ty, value) in [
            ("((1))", Type::Bool, Literal::Bool(true)),
            ("((-5))", Type::Int, Literal::Int(-5)),
            ("((-12.50))", Type::Decimal(10, 2), Literal::decimal("-12.50")),
            ("((-1.5))", Type::Float, Literal::Float(-1.5)),
            ("(N'it''s')", Type::String(9), Literal::Text("it's".into())),
            ("(N'2024-01-01')", Type::Date, Literal::Text("2024-01-01".into())),
            ("(0xAB01)", Type::Bytes, Literal::Bytes(vec![0xAB, 0x01])),
            ("(NULL)", Type::Int, Literal::Null),
        ] {
            assert_eq!(Dialect::Mssql.read_literal(&canonical(printed), &ty), Some(value), "{printed} is {}", canonical(printed));
        }
    }

    #[test]
    fn canonical_reads_sql_server_and_babelfish_spellings_alike() {
        for (sql_server, babelfish, both) in [
            ("([done]=(0))", "(done = 0)", "done = 0"),
            ("([qty]>=(0) AND [amount]>(0))", "(((qty >= 0) AND (amount > 0)))", "qty >= 0 AND amount > 0"),
            ("(upper([email]))", "upper(email)", "upper(email)"),
            ("((0))", "0", "0"),
            ("(N'it''s')", "N'it''s'", "N'it''s'"),
            ("(sysutcdatetime())", "sysutcdatetime()", "sysutcdatetime()"),
        ] {
            assert_eq!(canonical(sql_server), both, "{sql_server}");
            assert_eq!(canonical(babelfish), both, "{babelfish}");
        }
    }

    #[test]
    fn canonical_keeps_parentheses_that_matter() {
        assert_eq!(canonical("([a]+[b])*[c]"), "(a + b) * c");
        assert_eq!(canonical("[a]=(1) AND ([b]=(2) OR [c]=(3))"), "a = 1 AND (b = 2 OR c = 3)");
        assert_eq!(canonical("[x] IN ((1), (2))"), "x IN(1, 2)");
        assert_eq!(canonical("[my col] > '[x]'"), "[my col] > '[x]'");
        assert_eq!(canonical("dbo.f([a])"), "dbo.f(a)");
    }
}
