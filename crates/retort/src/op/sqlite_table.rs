//! A SQLite table as its catalog holds it: the `CREATE TABLE` text split
//! into column and constraint items, plus the text of its indexes and
//! triggers. The table-rebuild recipe edits this model and writes it back.
//!
//! The model stays text on purpose. SQLite keeps each table's original
//! `CREATE TABLE` statement and nothing more structured (checks, collations
//! and generated columns appear in no pragma), so the faithful way to copy a
//! table with one change is to edit that text: split it at top-level commas,
//! replace or remove one item, keep every other byte.

use crate::Dialect;

/// A table's catalog text, as a [`CatalogSource`](super::CatalogSource) reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqliteTableSql {
    /// The `sql` of the table's `sqlite_master` row.
    pub create: String,
    /// The `sql` of its explicit indexes (automatic ones have none and come
    /// back with the constraints that made them).
    pub indexes: Vec<String>,
    /// The `sql` of its triggers.
    pub triggers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word: a keyword or an unquoted identifier.
    Word,
    /// `"x"`, `[x]` or `` `x` ``.
    Quoted,
    /// `'text'`.
    Text,
    Open,
    Close,
    Comma,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
}

impl Token<'_> {
    fn end(&self) -> usize {
        self.start + self.text.len()
    }

    fn is(&self, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    /// The identifier this token spells, unquoted.
    fn ident(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_owned()),
            Kind::Quoted => {
                let inner = &self.text[1..self.text.len() - 1];
                Some(match self.text.as_bytes()[0] {
                    b'"' => inner.replace("\"\"", "\""),
                    b'`' => inner.replace("``", "`"),
                    _ => inner.to_owned(),
                })
            }
            _ => None,
        }
    }

    fn names(&self, name: &str) -> bool {
        self.ident()
            .is_some_and(|ident| ident.eq_ignore_ascii_case(name))
    }
}

/// Splits SQLite SQL into tokens, dropping whitespace and comments.
fn tokenize(sql: &str) -> Vec<Token<'_>> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |at| i + 2 + at + 2);
                continue;
            }
            b'"' | b'`' | b'\'' => {
                // A doubled delimiter is an escaped one.
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => break,
                        Some(&b) if b == c => {
                            if bytes.get(i + 1) == Some(&c) {
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
                if c == b'\'' {
                    Kind::Text
                } else {
                    Kind::Quoted
                }
            }
            b'[' => {
                i = sql[i..].find(']').map_or(bytes.len(), |at| i + at + 1);
                Kind::Quoted
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'$')
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        tokens.push(Token {
            kind,
            text: &sql[start..i],
            start,
        });
    }
    tokens
}

/// A table's definition, split into items.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SqliteTable {
    pub name: String,
    /// Column definitions and table constraints, in order, each as its text.
    pub items: Vec<String>,
    /// What follows the closing parenthesis (`WITHOUT ROWID`, `STRICT`).
    pub options: String,
    pub indexes: Vec<String>,
    pub triggers: Vec<String>,
}

/// Words that begin a table constraint rather than a column definition.
const TABLE_CONSTRAINT_STARTS: [&str; 5] = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

/// Words that begin a column constraint clause.
const COLUMN_CLAUSE_STARTS: [&str; 11] = [
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

impl SqliteTable {
    /// Parses the catalog text of table `name`.
    pub(crate) fn parse(name: &str, sql: &SqliteTableSql) -> Result<Self, String> {
        let create = sql.create.as_str();
        let tokens = tokenize(create);
        let open = tokens
            .iter()
            .position(|t| t.kind == Kind::Open || t.is("AS"))
            .filter(|&at| tokens[at].kind == Kind::Open)
            .ok_or_else(|| format!("the table was not created with a column list: {create}"))?;
        let mut depth = 0usize;
        let mut items = Vec::new();
        let mut item_start = None;
        let mut item_end = 0;
        let mut close = None;
        for (at, token) in tokens.iter().enumerate().skip(open + 1) {
            match token.kind {
                Kind::Open => depth += 1,
                Kind::Close if depth == 0 => {
                    close = Some(at);
                    break;
                }
                Kind::Close => depth -= 1,
                Kind::Comma if depth == 0 => {
                    if let Some(start) = item_start.take() {
                        items.push(create[start..item_end].to_owned());
                    }
                    continue;
                }
                _ => {}
            }
            item_start.get_or_insert(token.start);
            item_end = token.end();
        }
        let close =
            close.ok_or_else(|| format!("the table's column list is not closed: {create}"))?;
        if let Some(start) = item_start {
            items.push(create[start..item_end].to_owned());
        }
        Ok(Self {
            name: name.to_owned(),
            items,
            options: create[tokens[close].end()..].trim().to_owned(),
            indexes: sql.indexes.clone(),
            triggers: sql.triggers.clone(),
        })
    }

    /// The `CREATE TABLE` statement for this definition under `name`.
    pub(crate) fn create_sql(&self, name: &str) -> String {
        let mut sql = format!(
            "CREATE TABLE {} (\n    {}\n)",
            Dialect::Sqlite.quote_ident(name),
            self.items.join(",\n    ")
        );
        if !self.options.is_empty() {
            sql.push(' ');
            sql.push_str(&self.options);
        }
        sql
    }

    /// The names of the columns whose values are stored (generated columns
    /// are computed, so a copy leaves them out).
    pub(crate) fn stored_columns(&self) -> Vec<String> {
        self.items
            .iter()
            .filter_map(|item| {
                let clauses = ColumnItem::parse(item)?;
                let generated = clauses.clauses.iter().any(|c| {
                    c.kind.eq_ignore_ascii_case("GENERATED") || c.kind.eq_ignore_ascii_case("AS")
                });
                (!generated).then_some(clauses.name)
            })
            .collect()
    }

    fn column_position(&self, column: &str) -> Option<usize> {
        self.items.iter().position(|item| {
            item_column_name(item).is_some_and(|name| name.eq_ignore_ascii_case(column))
        })
    }

    /// Adds a column definition after the last column.
    pub(crate) fn add_column(&mut self, definition: String) {
        let after_columns = self
            .items
            .iter()
            .rposition(|item| item_column_name(item).is_some())
            .map_or(0, |at| at + 1);
        self.items.insert(after_columns, definition);
    }

    pub(crate) fn add_constraint(&mut self, definition: String) {
        self.items.push(definition);
    }

    /// Removes a column and the indexes on it.
    pub(crate) fn drop_column(&mut self, column: &str) -> Result<(), String> {
        let at = self
            .column_position(column)
            .ok_or_else(|| format!("table {} has no column {column}", self.name))?;
        self.items.remove(at);
        self.indexes
            .retain(|index| !mentions_after_open(index, column));
        Ok(())
    }

    /// Removes a named table constraint, or a named column constraint clause.
    pub(crate) fn drop_constraint(&mut self, name: &str) -> Result<(), String> {
        if let Some(at) = self.items.iter().position(|item| {
            table_constraint_name(item).is_some_and(|n| n.eq_ignore_ascii_case(name))
        }) {
            self.items.remove(at);
            return Ok(());
        }
        for item in &mut self.items {
            if let Some(mut column) = ColumnItem::parse(item) {
                let before = column.clauses.len();
                column.clauses.retain(|c| {
                    !c.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                });
                if column.clauses.len() != before {
                    *item = column.to_sql();
                    return Ok(());
                }
            }
        }
        Err(format!(
            "table {} has no constraint named {name}",
            self.name
        ))
    }

    /// Changes a column's type, nullability or default in place, keeping
    /// every other clause of its definition.
    pub(crate) fn alter_column(
        &mut self,
        column: &str,
        ty: Option<&str>,
        nullable: Option<bool>,
        default: Option<Option<String>>,
    ) -> Result<(), String> {
        let at = self
            .column_position(column)
            .ok_or_else(|| format!("table {} has no column {column}", self.name))?;
        let mut item = ColumnItem::parse(&self.items[at])
            .ok_or_else(|| format!("cannot read the definition of column {column}"))?;
        if let Some(ty) = ty {
            item.ty = ty.to_owned();
        }
        if let Some(nullable) = nullable {
            item.clauses.retain(|c| {
                !c.kind.eq_ignore_ascii_case("NOT") && !c.kind.eq_ignore_ascii_case("NULL")
            });
            if !nullable {
                item.clauses.push(Clause::new("NOT", "NOT NULL"));
            }
        }
        if let Some(default) = default {
            item.clauses
                .retain(|c| !c.kind.eq_ignore_ascii_case("DEFAULT"));
            if let Some(default) = default {
                item.clauses
                    .push(Clause::new("DEFAULT", &format!("DEFAULT {default}")));
            }
        }
        self.items[at] = item.to_sql();
        Ok(())
    }
}

/// The column an item defines, or `None` for a table constraint.
fn item_column_name(item: &str) -> Option<String> {
    let tokens = tokenize(item);
    let first = tokens.first()?;
    if TABLE_CONSTRAINT_STARTS.iter().any(|k| first.is(k)) {
        return None;
    }
    first.ident()
}

/// The name of a table constraint item (`CONSTRAINT name ...`).
fn table_constraint_name(item: &str) -> Option<String> {
    let tokens = tokenize(item);
    match tokens.as_slice() {
        [first, name, ..] if first.is("CONSTRAINT") => name.ident(),
        _ => None,
    }
}

/// Whether `name` appears as an identifier after the first parenthesis
/// (an index's column list and condition).
fn mentions_after_open(sql: &str, name: &str) -> bool {
    let tokens = tokenize(sql);
    tokens
        .iter()
        .skip_while(|t| t.kind != Kind::Open)
        .any(|t| t.names(name))
}

/// A column definition split into name, type and constraint clauses.
struct ColumnItem {
    name_text: String,
    name: String,
    ty: String,
    clauses: Vec<Clause>,
}

struct Clause {
    /// The clause's keyword (`NOT`, `DEFAULT`, `PRIMARY`, ...), after any
    /// `CONSTRAINT name`.
    kind: String,
    /// The constraint name, when the clause has one.
    name: Option<String>,
    text: String,
}

impl Clause {
    fn new(kind: &str, text: &str) -> Self {
        Self {
            kind: kind.to_owned(),
            name: None,
            text: text.to_owned(),
        }
    }
}

impl ColumnItem {
    fn parse(item: &str) -> Option<Self> {
        let tokens = tokenize(item);
        let first = tokens.first()?;
        if TABLE_CONSTRAINT_STARTS.iter().any(|k| first.is(k)) {
            return None;
        }
        // Token indices (at depth 0) where a clause starts.
        let mut starts = Vec::new();
        let mut depth = 0usize;
        let mut after_constraint_name = false;
        for at in 1..tokens.len() {
            let token = &tokens[at];
            match token.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > 0 {
                continue;
            }
            let previous = &tokens[at - 1];
            if previous.is("CONSTRAINT") {
                // The constraint's name, whatever word it is.
                after_constraint_name = true;
                continue;
            }
            if token.kind != Kind::Word {
                continue;
            }
            // `ON DELETE SET NULL`, `SET DEFAULT` and `NOT DEFERRABLE`
            // belong to the foreign key clause they follow.
            let next_is_null = tokens.get(at + 1).is_some_and(|t| t.is("NULL"));
            let continues_reference = previous.is("SET") || (token.is("NOT") && !next_is_null);
            let starts_clause =
                COLUMN_CLAUSE_STARTS.iter().any(|k| token.is(k)) && !continues_reference;
            if starts_clause {
                if after_constraint_name {
                    after_constraint_name = false;
                } else {
                    starts.push(at);
                }
            }
        }
        let type_end = starts.first().copied().unwrap_or(tokens.len());
        let ty = if type_end > 1 {
            item[tokens[1].start..tokens[type_end - 1].end()].to_owned()
        } else {
            String::new()
        };
        let clauses = starts
            .iter()
            .enumerate()
            .map(|(n, &start)| {
                let end = starts.get(n + 1).map_or(tokens.len(), |&next| next) - 1;
                let named = tokens[start].is("CONSTRAINT");
                let kind_at = if named { start + 2 } else { start };
                Clause {
                    kind: tokens
                        .get(kind_at)
                        .map_or("", |t| t.text)
                        .to_ascii_uppercase(),
                    name: named
                        .then(|| tokens.get(start + 1).and_then(Token::ident))
                        .flatten(),
                    text: item[tokens[start].start..tokens[end].end()].to_owned(),
                }
            })
            .collect();
        Some(Self {
            name_text: first.text.to_owned(),
            name: first.ident()?,
            ty,
            clauses,
        })
    }

    fn to_sql(&self) -> String {
        let mut parts = vec![self.name_text.clone()];
        if !self.ty.is_empty() {
            parts.push(self.ty.clone());
        }
        parts.extend(self.clauses.iter().map(|c| c.text.clone()));
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(create: &str) -> SqliteTable {
        SqliteTable::parse(
            "t",
            &SqliteTableSql {
                create: create.to_owned(),
                indexes: vec!["CREATE INDEX \"ix_t_b\" ON \"t\" (\"b\")".to_owned()],
                triggers: Vec::new(),
            },
        )
        .unwrap()
    }

    #[test]
    fn parse_splits_items_at_top_level_commas_only() {
        let t = table("CREATE TABLE t (a NUMERIC(10, 2) DEFAULT (1, 2), b TEXT, -- note, here\n CONSTRAINT \"ck\" CHECK (a > 0)) STRICT");
        assert_eq!(
            t.items,
            [
                "a NUMERIC(10, 2) DEFAULT (1, 2)",
                "b TEXT",
                "CONSTRAINT \"ck\" CHECK (a > 0)"
            ]
        );
        assert_eq!(t.options, "STRICT");
        assert_eq!(t.stored_columns(), ["a", "b"]);
    }

    #[test]
    fn alter_column_keeps_other_clauses_when_type_and_nullability_change() {
        let mut t = table("CREATE TABLE t (a VARCHAR(5) NOT NULL DEFAULT 'x' REFERENCES p (id) ON DELETE SET NULL, b INT)");
        t.alter_column("a", Some("VARCHAR(10)"), Some(true), None)
            .unwrap();
        assert_eq!(
            t.items[0],
            "a VARCHAR(10) DEFAULT 'x' REFERENCES p (id) ON DELETE SET NULL"
        );
        t.alter_column("A", None, Some(false), Some(None)).unwrap();
        assert_eq!(
            t.items[0],
            "a VARCHAR(10) REFERENCES p (id) ON DELETE SET NULL NOT NULL"
        );
    }

    #[test]
    fn drop_constraint_removes_named_table_and_column_constraints() {
        let mut t = table("CREATE TABLE t (a INT CONSTRAINT \"uq_a\" UNIQUE, b INT, CONSTRAINT \"fk\" FOREIGN KEY (b) REFERENCES p (id))");
        t.drop_constraint("FK").unwrap();
        t.drop_constraint("uq_a").unwrap();
        assert_eq!(t.items, ["a INT", "b INT"]);
        assert!(t.drop_constraint("nope").is_err());
    }

    #[test]
    fn drop_column_drops_indexes_on_it() {
        let mut t = table("CREATE TABLE t (a INT, b INT)");
        t.drop_column("b").unwrap();
        assert_eq!(t.items, ["a INT"]);
        assert!(t.indexes.is_empty());
    }
}
