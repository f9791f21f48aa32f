//! Reading a SQLite schema into a [`SchemaSnapshot`].
//!
//! The pragmas give most of it: `pragma_table_xinfo` (columns, primary key,
//! generated columns), `pragma_foreign_key_list`, `pragma_index_list` and
//! `pragma_index_xinfo`. What no pragma exposes — CHECK constraints, the
//! names given with `CONSTRAINT`, collations, generated-column expressions,
//! `AUTOINCREMENT`, partial-index predicates — is read from the `CREATE`
//! statements SQLite keeps in `sqlite_master`, through the one model of
//! them (`crate::sqlite_ddl`) that table rebuilds edit too.
//!
//! Why extract from the SQL instead of putting the whole `CREATE TABLE` text
//! into the snapshot: SQLite stores that text as the user (or an `ALTER
//! TABLE`) wrote it, so the same table reached two ways — created directly,
//! or rebuilt by a downgrade, or renamed (which re-quotes identifiers) —
//! would compare unequal on whitespace, quoting and clause order. Extracting
//! the few facts the pragmas lack, each normalised token by token, makes
//! equal schemas compare equal and keeps the snapshot one fact per line.
//! Views and triggers have no structure to extract: their `CREATE` text is
//! kept, normalised the same way.
//!
//! Reading the catalog (`introspect`) and turning rows into the model
//! (`assemble`) are separate so that the second is a pure, unit-tested function.

use std::collections::HashMap;

use rusqlite::Connection;

use super::BackendError;
use crate::history::HistoryTable;
use crate::sqlite_ddl::{closing, normalise, normalise_type, render, split_top_level, strip_enclosing, tokens, CreateTable, ItemKind};
use crate::schema::{
    Check, Column, ForeignKey, Identity, Index, IndexColumn, Key, SchemaSnapshot, Table, Trigger,
    View,
};

/// For a baseline: SQLite keeps each view's and trigger's `CREATE` as it was written.
pub(crate) const DEFINITIONS: &str = "SELECT name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL";

/// One row of `sqlite_master`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MasterRow {
    pub kind: String,
    pub name: String,
    pub table: String,
    pub sql: Option<String>,
}

/// What the pragmas say about one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct TableRows {
    pub name: String,
    pub sql: String,
    pub columns: Vec<ColumnRow>,
    pub foreign_keys: Vec<ForeignKeyRow>,
    pub indexes: Vec<IndexRows>,
}

/// A row of `pragma_table_xinfo`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ColumnRow {
    pub name: String,
    pub declared_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// 1-based position in the primary key; 0 when not part of it.
    pub pk: i64,
    /// 0 normal, 1 hidden (virtual tables), 2 generated virtual, 3 generated stored.
    pub hidden: i64,
}

/// A row of `pragma_foreign_key_list`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ForeignKeyRow {
    pub id: i64,
    pub table: String,
    pub from: String,
    /// `None` when the key references the parent's primary key implicitly.
    pub to: Option<String>,
    pub on_update: String,
    pub on_delete: String,
}

/// A row of `pragma_index_list` with its `pragma_index_xinfo` key columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct IndexRows {
    pub name: String,
    pub unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE constraint) or `pk`.
    pub origin: String,
    pub columns: Vec<IndexColumnRow>,
}

/// A key column of an index.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct IndexColumnRow {
    /// The column's name; `None` for an expression (or the rowid).
    pub name: Option<String>,
    pub descending: bool,
}

fn db_error(error: rusqlite::Error) -> BackendError {
    BackendError::Database {
        context: "introspecting the schema",
        message: error.to_string(),
    }
}

/// Reads the schema, leaving out the history tables and SQLite's own.
pub(super) fn introspect(
    conn: &Connection,
    history: &HistoryTable,
) -> Result<SchemaSnapshot, BackendError> {
    let mut statement = conn
        .prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
        )
        .map_err(db_error)?;
    let master = statement
        .query_map([], |row| {
            Ok(MasterRow {
                kind: row.get(0)?,
                name: row.get(1)?,
                table: row.get(2)?,
                sql: row.get(3)?,
            })
        })
        .map_err(db_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_error)?;
    let mut tables = Vec::new();
    for row in master
        .iter()
        .filter(|row| row.kind == "table" && !is_history(&row.name, history))
    {
        tables.push(read_table(conn, row)?);
    }
    Ok(assemble(&master, tables, history))
}

fn read_table(conn: &Connection, row: &MasterRow) -> Result<TableRows, BackendError> {
    let mut columns = conn
        .prepare_cached(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
        )
        .map_err(db_error)?;
    let columns = columns
        .query_map([&row.name], |r| {
            Ok(ColumnRow {
                name: r.get(0)?,
                declared_type: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                not_null: r.get(2)?,
                default: r.get(3)?,
                pk: r.get(4)?,
                hidden: r.get(5)?,
            })
        })
        .map_err(db_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_error)?;
    let mut foreign_keys = conn
        .prepare_cached(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) \
             ORDER BY id, seq",
        )
        .map_err(db_error)?;
    let foreign_keys = foreign_keys
        .query_map([&row.name], |r| {
            Ok(ForeignKeyRow {
                id: r.get(0)?,
                table: r.get(1)?,
                from: r.get(2)?,
                to: r.get(3)?,
                on_update: r.get(4)?,
                on_delete: r.get(5)?,
            })
        })
        .map_err(db_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_error)?;
    let mut list = conn
        .prepare_cached("SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name")
        .map_err(db_error)?;
    let list = list
        .query_map([&row.name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(db_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_error)?;
    let mut indexes = Vec::new();
    for (name, unique, origin) in list {
        let mut info = conn
            .prepare_cached(
                "SELECT name, \"desc\" FROM pragma_index_xinfo(?1) WHERE key ORDER BY seqno",
            )
            .map_err(db_error)?;
        let columns = info
            .query_map([&name], |r| {
                Ok(IndexColumnRow {
                    name: r.get(0)?,
                    descending: r.get(1)?,
                })
            })
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        indexes.push(IndexRows {
            name,
            unique,
            origin,
            columns,
        });
    }
    Ok(TableRows {
        name: row.name.clone(),
        sql: row.sql.clone().unwrap_or_default(),
        columns,
        foreign_keys,
        indexes,
    })
}

fn is_history(name: &str, history: &HistoryTable) -> bool {
    name.eq_ignore_ascii_case(&history.name)
        || name.eq_ignore_ascii_case(&format!("{}_log", history.name))
}

/// Builds the snapshot from what the catalog said.
pub(super) fn assemble(
    master: &[MasterRow],
    tables: Vec<TableRows>,
    history: &HistoryTable,
) -> SchemaSnapshot {
    let mut snapshot = SchemaSnapshot::default();
    // A foreign key that names no parent columns references the parent's
    // primary key.
    let primary_keys: HashMap<String, Vec<String>> = tables
        .iter()
        .map(|table| {
            (
                table.name.to_lowercase(),
                primary_key_columns(&table.columns),
            )
        })
        .collect();
    let index_sql: HashMap<&str, &str> = master
        .iter()
        .filter(|row| row.kind == "index")
        .filter_map(|row| Some((row.name.as_str(), row.sql.as_deref()?)))
        .collect();
    for rows in tables {
        let table = assemble_table(&rows, &primary_keys, &index_sql);
        snapshot.tables.insert(rows.name, table);
    }
    for row in master {
        let Some(sql) = &row.sql else { continue };
        match row.kind.as_str() {
            "view" => {
                snapshot.views.insert(
                    row.name.clone(),
                    View {
                        definition: normalise(sql),
                    },
                );
            }
            "trigger" if !is_history(&row.table, history) => {
                snapshot.triggers.insert(
                    row.name.clone(),
                    Trigger {
                        table: row.table.clone(),
                        definition: normalise(sql),
                    },
                );
            }
            _ => {}
        }
    }
    snapshot
}

fn primary_key_columns(columns: &[ColumnRow]) -> Vec<String> {
    let mut key: Vec<&ColumnRow> = columns.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    key.into_iter().map(|c| c.name.clone()).collect()
}

fn assemble_table(
    rows: &TableRows,
    primary_keys: &HashMap<String, Vec<String>>,
    index_sql: &HashMap<&str, &str>,
) -> Table {
    let parsed = parse_create_table(&rows.sql);
    let key_columns = primary_key_columns(&rows.columns);
    let columns = rows
        .columns
        .iter()
        .filter(|column| column.hidden != 1)
        .map(|column| assemble_column(column, &parsed, key_columns.len()))
        .collect();
    let primary_key = (!key_columns.is_empty()).then(|| Key {
        name: parsed.primary_key_name.clone(),
        columns: key_columns,
    });
    let (uniques, indexes) = assemble_uniques_and_indexes(&rows.indexes, &parsed, index_sql);
    let foreign_keys = group_foreign_key_rows(&rows.foreign_keys)
        .into_iter()
        .map(|key| assemble_foreign_key(&key, &parsed, primary_keys))
        .collect();
    let mut table = Table {
        columns,
        primary_key,
        uniques,
        foreign_keys,
        checks: parsed.checks,
        indexes,
    };
    table.sort_parts();
    table
}

/// A column from its pragma row and what the `CREATE TABLE` text adds
/// (collation, generated expression, `AUTOINCREMENT`); `key_count` is the
/// number of primary key columns.
fn assemble_column(column: &ColumnRow, parsed: &ParsedTable, key_count: usize) -> Column {
    let extra = parsed
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(&column.name));
    let generated = matches!(column.hidden, 2 | 3);
    Column {
        name: column.name.clone(),
        data_type: normalise_type(&column.declared_type),
        nullable: !(column.not_null
            || is_rowid_alias(column, key_count)
            || (parsed.without_rowid && column.pk > 0)),
        default: if generated {
            None
        } else {
            column.default.as_deref().map(normalise)
        },
        default_name: None,
        identity: extra.filter(|e| e.autoincrement).map(|_| Identity {
            seed: None,
            increment: None,
        }),
        collation: extra.and_then(|e| e.collation.clone()),
        computed: if generated {
            let expression = extra.and_then(|e| e.generated.clone()).unwrap_or_default();
            Some(format!(
                "{expression} {}",
                if column.hidden == 3 {
                    "stored"
                } else {
                    "virtual"
                }
            ))
        } else {
            None
        },
    }
}

/// A lone INTEGER PRIMARY KEY is the rowid and cannot be null, although
/// the pragma reports no NOT NULL. (Neither can any key column of a
/// WITHOUT ROWID table, which the caller checks.)
fn is_rowid_alias(column: &ColumnRow, key_count: usize) -> bool {
    key_count == 1 && column.pk == 1 && column.declared_type.eq_ignore_ascii_case("INTEGER")
}

/// The pragma's index list, sorted into UNIQUE constraints and indexes; the
/// index behind the primary key is the key itself and is left out.
fn assemble_uniques_and_indexes(
    list: &[IndexRows],
    parsed: &ParsedTable,
    index_sql: &HashMap<&str, &str>,
) -> (Vec<Key>, Vec<Index>) {
    let mut uniques = Vec::new();
    let mut indexes = Vec::new();
    for index in list {
        match index.origin.as_str() {
            "pk" => {}
            "u" => {
                let columns: Vec<String> = index
                    .columns
                    .iter()
                    .map(|c| c.name.clone().unwrap_or_default())
                    .collect();
                uniques.push(Key {
                    name: named(&parsed.unique_names, &columns),
                    columns,
                })
            }
            _ => indexes.push(assemble_index(
                index,
                index_sql.get(index.name.as_str()).copied(),
            )),
        }
    }
    (uniques, indexes)
}

/// An index from its pragma rows and its `CREATE INDEX` text, which alone
/// holds the expressions of expression terms and a partial index's predicate.
fn assemble_index(index: &IndexRows, sql: Option<&str>) -> Index {
    let parsed = sql.map(parse_create_index);
    let columns = index
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| IndexColumn {
            name: column.name.clone().unwrap_or_else(|| {
                parsed
                    .as_ref()
                    .and_then(|p| p.terms.get(i).cloned())
                    .unwrap_or_else(|| "(expression)".to_owned())
            }),
            descending: column.descending,
        })
        .collect();
    Index {
        name: index.name.clone(),
        unique: index.unique,
        clustered: false,
        columns,
        included: Vec::new(),
        filter: parsed.and_then(|p| p.filter),
    }
}

/// The pragma lists a key's columns in rows sharing an id; ids count down
/// from the last declared key, so they are not used for order: keys come in
/// the order their first row does.
fn group_foreign_key_rows(rows: &[ForeignKeyRow]) -> Vec<Vec<&ForeignKeyRow>> {
    let mut by_id: Vec<(i64, Vec<&ForeignKeyRow>)> = Vec::new();
    for row in rows {
        match by_id.iter_mut().find(|(id, _)| *id == row.id) {
            Some((_, rows)) => rows.push(row),
            None => by_id.push((row.id, vec![row])),
        }
    }
    by_id.into_iter().map(|(_, key)| key).collect()
}

/// One foreign key from its rows, which are never empty. A key that names
/// no parent columns references the parent's primary key, looked up in
/// `primary_keys` by lower-case table name.
fn assemble_foreign_key(
    key: &[&ForeignKeyRow],
    parsed: &ParsedTable,
    primary_keys: &HashMap<String, Vec<String>>,
) -> ForeignKey {
    let first = key[0];
    let columns: Vec<String> = key.iter().map(|r| r.from.clone()).collect();
    let referenced_columns = if key.iter().all(|r| r.to.is_some()) {
        key.iter().filter_map(|r| r.to.clone()).collect()
    } else {
        primary_keys
            .get(&first.table.to_lowercase())
            .cloned()
            .unwrap_or_default()
    };
    ForeignKey {
        name: named(&parsed.foreign_key_names, &columns),
        columns,
        referenced_table: first.table.clone(),
        referenced_columns,
        on_delete: first.on_delete.to_uppercase(),
        on_update: first.on_update.to_uppercase(),
    }
}

/// The name declared with `CONSTRAINT name` for the constraint on `columns`.
fn named(names: &[(String, Vec<String>)], columns: &[String]) -> Option<String> {
    names
        .iter()
        .find(|(_, named)| {
            named.len() == columns.len()
                && named
                    .iter()
                    .zip(columns)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
        .map(|(name, _)| name.clone())
}

/// What a `CREATE TABLE` says that the pragmas do not, read from its model.
#[derive(Debug, Default, PartialEq)]
struct ParsedTable {
    primary_key_name: Option<String>,
    checks: Vec<Check>,
    /// Names given to UNIQUE constraints, with their columns.
    unique_names: Vec<(String, Vec<String>)>,
    /// Names given to foreign keys, with their columns.
    foreign_key_names: Vec<(String, Vec<String>)>,
    columns: Vec<ParsedColumn>,
    without_rowid: bool,
}

#[derive(Debug, Default, PartialEq)]
struct ParsedColumn {
    name: String,
    collation: Option<String>,
    /// The normalised expression of a generated column.
    generated: Option<String>,
    autoincrement: bool,
}

/// The facts of a `CREATE TABLE` (none for `CREATE TABLE … AS SELECT`).
fn parse_create_table(sql: &str) -> ParsedTable {
    let mut parsed = ParsedTable::default();
    let Ok(table) = CreateTable::parse(sql) else {
        return parsed;
    };
    parsed.without_rowid = table.without_rowid;
    for item in &table.items {
        match &item.kind {
            ItemKind::Constraint(constraint) => {
                let name = constraint.name.clone();
                match (constraint.kind.as_str(), name) {
                    ("PRIMARY", name) => parsed.primary_key_name = name,
                    ("UNIQUE", Some(name)) => parsed.unique_names.push((name, constraint.columns.clone())),
                    ("FOREIGN", Some(name)) => parsed.foreign_key_names.push((name, constraint.columns.clone())),
                    ("CHECK", name) => {
                        if let Some(expression) = constraint.expression.clone() {
                            parsed.checks.push(Check { name, expression });
                        }
                    }
                    _ => {}
                }
            }
            ItemKind::Column(column) => {
                for clause in &column.clauses {
                    let name = clause.name.clone();
                    match (clause.kind.as_str(), name) {
                        ("PRIMARY", name) => parsed.primary_key_name = name,
                        ("UNIQUE", Some(name)) => parsed.unique_names.push((name, vec![column.name.clone()])),
                        ("REFERENCES", Some(name)) => parsed.foreign_key_names.push((name, vec![column.name.clone()])),
                        ("CHECK", name) => {
                            if let Some(expression) = clause.expression() {
                                parsed.checks.push(Check { name, expression });
                            }
                        }
                        _ => {}
                    }
                }
                parsed.columns.push(ParsedColumn {
                    name: column.name.clone(),
                    collation: column.collation(),
                    generated: column.generated(),
                    autoincrement: column.autoincrement(),
                });
            }
            ItemKind::Other => {}
        }
    }
    parsed
}

/// What a `CREATE INDEX` says that the pragmas do not.
#[derive(Debug, Default, PartialEq)]
struct ParsedIndex {
    /// Each key term, normalised, without `ASC`/`DESC`.
    terms: Vec<String>,
    /// The predicate of a partial index.
    filter: Option<String>,
}

fn parse_create_index(sql: &str) -> ParsedIndex {
    let tokens = tokens(sql);
    let mut parsed = ParsedIndex::default();
    let Some(on) = tokens.iter().position(|t| t.is_word("ON")) else {
        return parsed;
    };
    let Some(open) = tokens[on..].iter().position(|t| t.is_punct("(")).map(|at| on + at) else {
        return parsed;
    };
    let close = closing(&tokens, open);
    parsed.terms = split_top_level(&tokens[open + 1..close.min(tokens.len())])
        .into_iter()
        .map(|term| {
            let term = match term.last() {
                Some(last) if last.is_word("ASC") || last.is_word("DESC") => &term[..term.len() - 1],
                _ => term,
            };
            render(strip_enclosing(term))
        })
        .collect();
    if tokens.get(close + 1).is_some_and(|t| t.is_word("WHERE")) {
        let mut rest = &tokens[close + 2..];
        while rest.last().is_some_and(|t| t.is_punct(";")) {
            rest = &rest[..rest.len() - 1];
        }
        parsed.filter = Some(render(strip_enclosing(rest)));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_create_table_reads_checks_names_collations_and_generated_columns() {
        let parsed = parse_create_table(
            "CREATE TABLE \"items\" (
                id INTEGER CONSTRAINT pk_items PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL COLLATE nocase CONSTRAINT uq_name UNIQUE,
                qty INTEGER DEFAULT (0) CHECK (qty >= 0),
                total INTEGER GENERATED ALWAYS AS (qty * 2) STORED,
                owner_id INTEGER CONSTRAINT fk_owner REFERENCES users (id) ON DELETE SET NULL,
                CONSTRAINT ck_name CHECK ((length(name) > 0)),
                CONSTRAINT uq_pair UNIQUE (name, qty),
                CHECK (qty < 1000)
            ) WITHOUT ROWID",
        );
        assert_eq!(parsed.primary_key_name.as_deref(), Some("pk_items"));
        assert_eq!(
            parsed.checks,
            [
                Check {
                    name: None,
                    expression: "qty >= 0".into()
                },
                Check {
                    name: Some("ck_name".into()),
                    expression: "length(name) > 0".into()
                },
                Check {
                    name: None,
                    expression: "qty < 1000".into()
                },
            ]
        );
        assert_eq!(
            parsed.unique_names,
            [
                ("uq_name".to_owned(), vec!["name".to_owned()]),
                (
                    "uq_pair".to_owned(),
                    vec!["name".to_owned(), "qty".to_owned()]
                )
            ]
        );
        assert_eq!(
            parsed.foreign_key_names,
            [("fk_owner".to_owned(), vec!["owner_id".to_owned()])]
        );
        assert!(parsed.columns[0].autoincrement);
        assert_eq!(parsed.columns[1].collation.as_deref(), Some("NOCASE"));
        assert_eq!(parsed.columns[3].generated.as_deref(), Some("qty * 2"));
        assert!(parsed.without_rowid);
    }

    #[test]
    fn parse_create_index_reads_expressions_and_predicate() {
        let parsed = parse_create_index(
            "CREATE UNIQUE INDEX ix ON t (lower(name) DESC, id) WHERE (deleted_at IS NULL);",
        );
        assert_eq!(parsed.terms, ["lower(name)", "id"]);
        assert_eq!(parsed.filter.as_deref(), Some("deleted_at IS NULL"));
    }

    fn column(name: &str, declared_type: &str, pk: i64) -> ColumnRow {
        ColumnRow {
            name: name.into(),
            declared_type: declared_type.into(),
            pk,
            ..ColumnRow::default()
        }
    }

    #[test]
    fn assemble_builds_tables_and_leaves_out_history_when_rows_are_given() {
        let history = HistoryTable::default();
        let users = TableRows {
            name: "users".into(),
            sql: "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(100) NOT NULL UNIQUE)".into(),
            columns: vec![column("id", "INTEGER", 1), ColumnRow { not_null: true, ..column("email", "VARCHAR(100)", 0) }],
            foreign_keys: vec![],
            indexes: vec![IndexRows {
                name: "sqlite_autoindex_users_1".into(),
                unique: true,
                origin: "u".into(),
                columns: vec![IndexColumnRow { name: Some("email".into()), descending: false }],
            }],
        };
        let todos = TableRows {
            name: "todos".into(),
            sql: "CREATE TABLE todos (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES users ON DELETE CASCADE)".into(),
            columns: vec![column("id", "INTEGER", 1), ColumnRow { default: Some("( 1 )".into()), ..column("owner_id", "INTEGER", 0) }],
            foreign_keys: vec![ForeignKeyRow {
                id: 0,
                table: "users".into(),
                from: "owner_id".into(),
                to: None,
                on_update: "NO ACTION".into(),
                on_delete: "CASCADE".into(),
            }],
            indexes: vec![IndexRows {
                name: "ix_todos_owner".into(),
                unique: false,
                origin: "c".into(),
                columns: vec![IndexColumnRow { name: Some("owner_id".into()), descending: true }],
            }],
        };
        let master = vec![
            MasterRow {
                kind: "index".into(),
                name: "ix_todos_owner".into(),
                table: "todos".into(),
                sql: Some(
                    "CREATE INDEX ix_todos_owner ON todos (owner_id DESC) WHERE owner_id > 0"
                        .into(),
                ),
            },
            MasterRow {
                kind: "trigger".into(),
                name: "trg_history".into(),
                table: "retort_history".into(),
                sql: Some(
                    "CREATE TRIGGER trg_history AFTER INSERT ON retort_history BEGIN SELECT 1; END"
                        .into(),
                ),
            },
        ];
        let snapshot = assemble(&master, vec![users, todos], &history);
        assert!(
            snapshot.triggers.is_empty(),
            "triggers on the history table are retort's"
        );
        let users = &snapshot.tables["users"];
        assert_eq!(
            users.columns[0].identity,
            Some(Identity {
                seed: None,
                increment: None
            })
        );
        assert!(!users.columns[0].nullable, "a rowid alias cannot be null");
        assert_eq!(users.columns[1].data_type, "varchar(100)");
        assert_eq!(
            users.uniques,
            [Key {
                name: None,
                columns: vec!["email".into()]
            }]
        );
        let todos = &snapshot.tables["todos"];
        assert_eq!(todos.columns[1].default.as_deref(), Some("(1)"));
        assert_eq!(
            todos.foreign_keys[0].referenced_columns,
            ["id"],
            "an implicit reference is to the parent's key"
        );
        assert_eq!(todos.indexes[0].filter.as_deref(), Some("owner_id > 0"));
        assert!(todos.indexes[0].columns[0].descending);
    }

    #[test]
    fn group_foreign_key_rows_orders_keys_by_first_row_when_ids_count_down() {
        let row = |id: i64, from: &str| ForeignKeyRow {
            id,
            table: "parent".into(),
            from: from.into(),
            ..ForeignKeyRow::default()
        };
        let rows = [row(1, "a"), row(1, "b"), row(0, "c")];
        let froms: Vec<Vec<&str>> = group_foreign_key_rows(&rows)
            .iter()
            .map(|key| key.iter().map(|r| r.from.as_str()).collect())
            .collect();
        assert_eq!(froms, [vec!["a", "b"], vec!["c"]]);
    }

    #[test]
    fn assemble_index_names_expression_terms_from_sql_when_pragma_gives_no_name() {
        let rows = IndexRows {
            name: "ix".into(),
            origin: "c".into(),
            columns: vec![
                IndexColumnRow {
                    name: None,
                    descending: true,
                },
                IndexColumnRow {
                    name: Some("id".into()),
                    descending: false,
                },
            ],
            ..IndexRows::default()
        };
        let index = assemble_index(&rows, Some("CREATE INDEX ix ON t (lower(name) DESC, id)"));
        assert_eq!(index.columns[0].name, "lower(name)");
        assert!(index.columns[0].descending);
        assert_eq!(index.columns[1].name, "id");
        let unread = assemble_index(&rows, None);
        assert_eq!(unread.columns[0].name, "(expression)");
    }

    #[test]
    fn assemble_column_is_not_null_when_it_is_a_key_column_of_a_without_rowid_table() {
        let parsed = parse_create_table(
            "CREATE TABLE pairs (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID",
        );
        assert!(!assemble_column(&column("a", "TEXT", 1), &parsed, 2).nullable);
        let rowid = parse_create_table("CREATE TABLE pairs (a TEXT, b TEXT, PRIMARY KEY (a, b))");
        assert!(assemble_column(&column("a", "TEXT", 1), &rowid, 2).nullable);
    }

    #[test]
    fn is_rowid_alias_is_false_when_integer_key_is_one_of_several() {
        assert!(is_rowid_alias(&column("id", "integer", 1), 1));
        assert!(!is_rowid_alias(&column("id", "INTEGER", 1), 2));
        assert!(!is_rowid_alias(&column("id", "INT", 1), 1));
    }
}
