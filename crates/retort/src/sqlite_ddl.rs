//! SQLite's `CREATE` statements as its catalog keeps them, read on
//! retort-sql's tokens: one model of `CREATE TABLE`, which introspection
//! reads and table rebuilds edit, and the normalised text of expressions.
//!
//! SQLite keeps each table's original `CREATE TABLE` text and nothing more
//! structured (checks, collations, generated columns and constraint names
//! appear in no pragma). The model ([`CreateTable`]) splits it into items
//! (columns and table constraints) and a column into its name, type and
//! constraint clauses, each kept as written: a rebuild copies a table with
//! one change by editing one item and keeping every other byte, and
//! introspection reads each fact from the clause that holds it.
//!
//! Introspection compares texts that SQLite keeps as written (a view, a
//! check, a default), so it compares them normalised ([`normalise`]): the
//! same table reached two ways — created directly, rebuilt by a downgrade,
//! renamed (which re-quotes identifiers) — then reads the same.

use retort_sql::{Dialect, Lexed, SqlToken};

/// What a token is, to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A bare word: keyword, identifier or number.
    Word,
    /// A quoted identifier (`"x"`, `` `x` ``, `[x]`).
    Quoted,
    /// A string or blob literal.
    Literal,
    /// Punctuation or an operator.
    Punct,
}

/// A token of SQLite text, whitespace and comments left out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tok<'a> {
    pub kind: Kind,
    /// As written.
    pub text: &'a str,
    /// Its byte range in the text.
    pub start: usize,
    pub end: usize,
    /// A quoted identifier's name, without quotes.
    unquoted: Option<String>,
}

impl Tok<'_> {
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(word)
    }

    pub fn is_punct(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }

    /// The name the token spells: an identifier without quotes, a literal
    /// without its quotes (SQLite takes `'x'` as a name where one is due);
    /// `None` for punctuation.
    pub fn name(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_owned()),
            Kind::Quoted => self.unquoted.clone(),
            Kind::Literal => Some(self.text.trim_matches('\'').replace("''", "'")),
            Kind::Punct => None,
        }
    }
}

/// The tokens of SQLite text, without whitespace and comments.
///
/// Read as SQLite reads them, where sqlparser cuts finer: a number runs
/// into the letters after it (`1_000`), and a name may hold `$`, which
/// sqlparser starts a parameter with; such neighbours are one word.
pub(crate) fn tokens(sql: &str) -> Vec<Tok<'_>> {
    let lexed = Lexed::new(Dialect::Sqlite, sql);
    let mut out: Vec<Tok<'_>> = Vec::new();
    for token in lexed.tokens().iter().filter(|t| !t.is_trivia()) {
        let text = lexed.text_of(token);
        let (kind, unquoted) = match &token.token {
            SqlToken::Word(word) if word.quote_style.is_some() => (Kind::Quoted, Some(word.value.clone())),
            SqlToken::Word(_) | SqlToken::Number(..) | SqlToken::Placeholder(_) => (Kind::Word, None),
            SqlToken::Char(c) if !c.is_ascii() => (Kind::Word, None),
            SqlToken::SingleQuotedString(_) | SqlToken::DoubleQuotedString(_) => (Kind::Literal, None),
            SqlToken::HexStringLiteral(_) if text.contains('\'') => (Kind::Literal, None),
            SqlToken::HexStringLiteral(_) => (Kind::Word, None),
            _ => (Kind::Punct, None),
        };
        match out.last_mut() {
            Some(last) if kind == Kind::Word && last.kind == Kind::Word && last.end == token.start && joins(last.text, text) => {
                last.end = token.end;
                last.text = &sql[last.start..last.end];
            }
            _ if kind == Kind::Punct && !OPERATORS.contains(&text) => {
                // Another dialect's operator (`::`, `|/`, `<=>`): SQLite's
                // operators, or single characters, as SQLite reads it.
                let mut at = token.start;
                while at < token.end {
                    let rest = &sql[at..token.end];
                    let length = OPERATORS
                        .iter()
                        .find(|op| rest.starts_with(**op))
                        .map_or_else(|| rest.chars().next().map_or(1, char::len_utf8), |op| op.len());
                    out.push(Tok { kind, text: &sql[at..at + length], start: at, end: at + length, unquoted: None });
                    at += length;
                }
            }
            _ => out.push(Tok { kind, text, start: token.start, end: token.end, unquoted }),
        }
    }
    // A string or name never closed runs to the end (not in text SQLite
    // accepted, which is all this reads).
    if let Some(rest) = lexed.unclosed_text().filter(|rest| !rest.starts_with("/*")) {
        let start = sql.len() - rest.len();
        out.push(Tok { kind: Kind::Literal, text: rest, start, end: sql.len(), unquoted: None });
    }
    out
}

/// Whether SQLite reads word-like `next`, right after `last`, as part of
/// the same word: a name runs on with letters, digits, `_`, `$` and
/// non-ASCII characters, a number with ASCII letters, digits, `_` and `.`.
fn joins(last: &str, next: &str) -> bool {
    match last.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        true => next.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
        false => next.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()),
    }
}

/// SQLite's operators of more than one character.
const OPERATORS: [&str; 10] = ["->>", "||", "<<", ">>", "<=", ">=", "==", "!=", "<>", "->"];

/// Words written in upper case in normalised SQL, whatever case they had.
const KEYWORDS: &[&str] = &[
    "ABORT", "ACTION", "ADD", "AFTER", "ALL", "ALTER", "ALWAYS", "AND", "AS", "ASC", "AUTOINCREMENT", "BEFORE",
    "BEGIN", "BETWEEN", "BY", "CASCADE", "CASE", "CAST", "CHECK", "COLLATE", "COLUMN", "CONFLICT", "CONSTRAINT",
    "CREATE", "CROSS", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "DEFAULT", "DEFERRABLE", "DEFERRED",
    "DELETE", "DESC", "DISTINCT", "DO", "DROP", "EACH", "ELSE", "END", "ESCAPE", "EXCEPT", "EXISTS", "FAIL", "FALSE",
    "FOR", "FOREIGN", "FROM", "GENERATED", "GLOB", "GROUP", "HAVING", "IF", "IGNORE", "IMMEDIATE", "IN", "INDEX",
    "INITIALLY", "INNER", "INSERT", "INSTEAD", "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "KEY", "LEFT", "LIKE",
    "LIMIT", "MATCH", "NATURAL", "NO", "NOT", "NOTNULL", "NULL", "OF", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER",
    "PARTITION", "PRIMARY", "RAISE", "REFERENCES", "REGEXP", "REPLACE", "RESTRICT", "RETURNING", "RIGHT", "ROW",
    "SELECT", "SET", "STORED", "STRICT", "TABLE", "TEMP", "TEMPORARY", "THEN", "TO", "TRIGGER", "TRUE", "UNION",
    "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "VIRTUAL", "WHEN", "WHERE", "WITH", "WITHOUT",
];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// An identifier that needs no quotes.
fn is_plain(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(name)
}

/// Writes tokens back as one line: single spaces, none inside parentheses
/// or before commas, keywords upper case, identifiers quoted only when they
/// must be. Two texts that differ only in layout, keyword case or needless
/// quoting give the same line.
pub(crate) fn render(tokens: &[Tok<'_>]) -> String {
    let mut text = String::new();
    let mut previous: Option<&Tok<'_>> = None;
    let mut before_previous: Option<&Tok<'_>> = None;
    for token in tokens {
        // A sign after an operator, a comma or an opening parenthesis is unary: `-1`.
        let after_unary = previous.is_some_and(|p| p.is_punct("-") || p.is_punct("+"))
            && before_previous.is_none_or(|b| b.kind == Kind::Punct && !b.is_punct(")"));
        let glued_to_previous = match previous {
            None => true,
            Some(_) if after_unary => true,
            Some(p) if p.is_punct("(") || p.is_punct(".") => true,
            // A function call or a type's size: `length(x)`, `varchar(10)`.
            Some(p) if p.kind == Kind::Word && token.is_punct("(") => !is_keyword(p.text),
            Some(p) if p.kind == Kind::Quoted && token.is_punct("(") => true,
            _ => token.is_punct(")") || token.is_punct(",") || token.is_punct(".") || token.is_punct(";"),
        };
        if !glued_to_previous {
            text.push(' ');
        }
        match token.kind {
            Kind::Word if is_keyword(token.text) => text.push_str(&token.text.to_uppercase()),
            Kind::Word | Kind::Punct | Kind::Literal => text.push_str(token.text),
            Kind::Quoted => {
                let name = token.unquoted.as_deref().unwrap_or_default();
                if is_plain(name) {
                    text.push_str(name);
                } else {
                    text.push('"');
                    text.push_str(&name.replace('"', "\"\""));
                    text.push('"');
                }
            }
        }
        before_previous = previous;
        previous = Some(token);
    }
    text
}

/// Normalises an SQL text (a statement, an expression, a default).
#[cfg(any(feature = "sqlite", test))]
pub(crate) fn normalise(sql: &str) -> String {
    let mut tokens = tokens(sql);
    while tokens.last().is_some_and(|t| t.is_punct(";")) {
        tokens.pop();
    }
    render(&tokens)
}

/// A declared type in lower case without inner spaces: `varchar(100)`, `numeric(10,2)`.
#[cfg(any(feature = "sqlite", test))]
pub(crate) fn normalise_type(declared: &str) -> String {
    let mut text = String::new();
    for token in tokens(declared) {
        let piece = token.name().unwrap_or_else(|| token.text.to_owned()).to_lowercase();
        let glued = text.is_empty()
            || text.ends_with(['(', ','])
            || token.is_punct("(")
            || token.is_punct(")")
            || token.is_punct(",");
        if !glued {
            text.push(' ');
        }
        text.push_str(&piece);
    }
    text
}

/// The index of the `)` closing the `(` at `open` (the length when none).
pub(crate) fn closing(tokens: &[Tok<'_>], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    tokens.len()
}

/// Splits at commas outside parentheses.
pub(crate) fn split_top_level<'t, 'a>(tokens: &'t [Tok<'a>]) -> Vec<&'t [Tok<'a>]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, token) in tokens.iter().enumerate() {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth -= 1;
        } else if token.is_punct(",") && depth == 0 {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

/// Drops parentheses that enclose the whole expression: `((a > 0))` → `a > 0`.
pub(crate) fn strip_enclosing<'t, 'a>(mut tokens: &'t [Tok<'a>]) -> &'t [Tok<'a>] {
    while tokens.len() >= 2 && tokens[0].is_punct("(") && closing(tokens, 0) == tokens.len() - 1 {
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
}

/// The normalised expression in the parentheses at `open`, without
/// parentheses that enclose all of it; `None` when no `(` is there.
fn parenthesised(tokens: &[Tok<'_>], open: usize) -> Option<String> {
    if !tokens.get(open).is_some_and(|t| t.is_punct("(")) {
        return None;
    }
    let close = closing(tokens, open);
    Some(render(strip_enclosing(&tokens[open + 1..close.min(tokens.len())])))
}

/// The names in the parenthesised list at `open` (each term's first token,
/// without `COLLATE`/`ASC`/`DESC`).
fn name_list(tokens: &[Tok<'_>], open: usize) -> Vec<String> {
    if !tokens.get(open).is_some_and(|t| t.is_punct("(")) {
        return Vec::new();
    }
    let close = closing(tokens, open);
    split_top_level(&tokens[open + 1..close.min(tokens.len())])
        .into_iter()
        .filter_map(|term| term.first().and_then(Tok::name))
        .collect()
}

/// Words that begin a table constraint rather than a column definition.
const TABLE_CONSTRAINT_STARTS: [&str; 5] = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

/// Words that begin a column constraint clause, ending the column's type.
const COLUMN_CLAUSE_STARTS: [&str; 11] =
    ["CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"];

/// A `CREATE TABLE` statement: its items in order, each as written, and
/// what follows the column list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CreateTable {
    pub items: Vec<Item>,
    /// What follows the closing parenthesis, as written (`WITHOUT ROWID`,
    /// `STRICT`).
    pub options: String,
    pub without_rowid: bool,
}

/// A column definition or table constraint.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    /// As written (or as an edit wrote it).
    pub text: String,
    pub kind: ItemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ItemKind {
    Column(ColumnDef),
    Constraint(TableConstraint),
    /// Neither (it does not start with a name): kept as written.
    Other,
}

/// A column definition: name, type and constraint clauses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnDef {
    pub name: String,
    /// The name as written.
    name_text: String,
    /// The type as written; empty when it has none.
    pub ty: String,
    pub clauses: Vec<Clause>,
}

/// One constraint clause of a column (`NOT NULL`, `DEFAULT 0`,
/// `CONSTRAINT uq UNIQUE`, `COLLATE nocase`, `AS (a + b) STORED`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    /// Its keyword, upper case (`NOT`, `DEFAULT`, `PRIMARY`, …), after any
    /// `CONSTRAINT name`.
    pub kind: String,
    /// The constraint name, when the clause has one.
    pub name: Option<String>,
    /// As written.
    pub text: String,
}

/// A table constraint (`CONSTRAINT name` optional, then `PRIMARY KEY`,
/// `UNIQUE`, `CHECK` or `FOREIGN KEY`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableConstraint {
    pub name: Option<String>,
    /// Its keyword, upper case (`PRIMARY`, `UNIQUE`, `CHECK`, `FOREIGN`).
    pub kind: String,
    /// The columns it lists (a key's, not a foreign key's references).
    pub columns: Vec<String>,
    /// A check's expression, normalised.
    pub expression: Option<String>,
}

impl CreateTable {
    /// Parses a table's `CREATE TABLE` text.
    pub(crate) fn parse(create: &str) -> Result<Self, String> {
        let tokens = tokens(create);
        let open = tokens
            .iter()
            .position(|t| t.is_punct("(") || t.is_word("AS"))
            .filter(|&at| tokens[at].is_punct("("))
            .ok_or_else(|| format!("the table was not created with a column list: {create}"))?;
        let close = closing(&tokens, open);
        if close == tokens.len() {
            return Err(format!("the table's column list is not closed: {create}"));
        }
        let items = split_top_level(&tokens[open + 1..close])
            .into_iter()
            .filter_map(|item| Some(Item::parse(&create[item.first()?.start..item.last()?.end])))
            .collect();
        Ok(Self {
            items,
            options: create[tokens[close].end..].trim().to_owned(),
            without_rowid: tokens[close..].windows(2).any(|w| w[0].is_word("WITHOUT") && w[1].is_word("ROWID")),
        })
    }

    /// The columns, in order.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Column(column) => Some(column),
            _ => None,
        })
    }

    /// The index of the item that defines `column` (any case).
    pub(crate) fn column_position(&self, column: &str) -> Option<usize> {
        self.items
            .iter()
            .position(|item| matches!(&item.kind, ItemKind::Column(c) if c.name.eq_ignore_ascii_case(column)))
    }

    /// Adds a column definition after the last column.
    pub(crate) fn add_column(&mut self, definition: String) {
        let after_columns = self
            .items
            .iter()
            .rposition(|item| matches!(item.kind, ItemKind::Column(_)))
            .map_or(0, |at| at + 1);
        self.items.insert(after_columns, Item::parse(&definition));
    }

    pub(crate) fn add_constraint(&mut self, definition: String) {
        self.items.push(Item::parse(&definition));
    }

    /// Removes a named table constraint, or a named column constraint
    /// clause; `false` when nothing has that name.
    pub(crate) fn drop_constraint(&mut self, name: &str) -> bool {
        let named = |n: &Option<String>| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name));
        if let Some(at) =
            self.items.iter().position(|item| matches!(&item.kind, ItemKind::Constraint(c) if named(&c.name)))
        {
            self.items.remove(at);
            return true;
        }
        for item in &mut self.items {
            if let ItemKind::Column(column) = &mut item.kind {
                let before = column.clauses.len();
                column.clauses.retain(|c| !named(&c.name));
                if column.clauses.len() != before {
                    item.text = column.to_sql();
                    return true;
                }
            }
        }
        false
    }
}

impl Item {
    /// Reads one item of a column list.
    pub(crate) fn parse(text: &str) -> Self {
        let tokens = tokens(text);
        let kind = match tokens.first() {
            Some(first) if TABLE_CONSTRAINT_STARTS.iter().any(|k| first.is_word(k)) => {
                ItemKind::Constraint(TableConstraint::parse(&tokens))
            }
            Some(_) => ColumnDef::parse(text, &tokens).map_or(ItemKind::Other, ItemKind::Column),
            None => ItemKind::Other,
        };
        Self { text: text.to_owned(), kind }
    }
}

impl TableConstraint {
    fn parse(tokens: &[Tok<'_>]) -> Self {
        let (name, at) = match tokens.first() {
            Some(first) if first.is_word("CONSTRAINT") => (tokens.get(1).and_then(Tok::name), 2),
            _ => (None, 0),
        };
        let kind = tokens.get(at).map_or(String::new(), |t| t.text.to_ascii_uppercase());
        let (columns, expression) = match kind.as_str() {
            "PRIMARY" => (name_list(tokens, at + 2), None),
            "UNIQUE" => (name_list(tokens, at + 1), None),
            // FOREIGN KEY (cols): the list follows KEY.
            "FOREIGN" => (name_list(tokens, at + 2), None),
            "CHECK" => (Vec::new(), parenthesised(tokens, at + 1)),
            _ => (Vec::new(), None),
        };
        Self { name, kind, columns, expression }
    }
}

impl ColumnDef {
    /// A column definition split into name, type and constraint clauses;
    /// `None` when it does not start with a name.
    fn parse(item: &str, tokens: &[Tok<'_>]) -> Option<Self> {
        let first = tokens.first()?;
        let name = first.name()?;
        // Token indices (at depth 0) where a clause starts.
        let mut starts = Vec::new();
        let mut depth = 0usize;
        let mut after_constraint_name = false;
        for at in 1..tokens.len() {
            let token = &tokens[at];
            if token.is_punct("(") {
                depth += 1;
            } else if token.is_punct(")") {
                depth = depth.saturating_sub(1);
            }
            if depth > 0 {
                continue;
            }
            let previous = &tokens[at - 1];
            if previous.is_word("CONSTRAINT") {
                // The constraint's name, whatever word it is.
                after_constraint_name = true;
                continue;
            }
            if token.kind != Kind::Word {
                continue;
            }
            // `ON DELETE SET NULL`, `SET DEFAULT` and `NOT DEFERRABLE`
            // belong to the foreign key clause they follow.
            let next_is_null = tokens.get(at + 1).is_some_and(|t| t.is_word("NULL"));
            let continues_reference = previous.is_word("SET") || (token.is_word("NOT") && !next_is_null);
            let starts_clause = COLUMN_CLAUSE_STARTS.iter().any(|k| token.is_word(k)) && !continues_reference;
            if starts_clause {
                if after_constraint_name {
                    after_constraint_name = false;
                } else {
                    starts.push(at);
                }
            }
        }
        let type_end = starts.first().copied().unwrap_or(tokens.len());
        let ty = if type_end > 1 { item[tokens[1].start..tokens[type_end - 1].end].to_owned() } else { String::new() };
        let clauses = starts
            .iter()
            .enumerate()
            .map(|(n, &start)| {
                let end = starts.get(n + 1).map_or(tokens.len(), |&next| next) - 1;
                let named = tokens[start].is_word("CONSTRAINT");
                let kind_at = if named { start + 2 } else { start };
                Clause {
                    kind: tokens.get(kind_at).map_or("", |t| t.text).to_ascii_uppercase(),
                    name: named.then(|| tokens.get(start + 1).and_then(Tok::name)).flatten(),
                    text: item[tokens[start].start..tokens[end].end].to_owned(),
                }
            })
            .collect();
        Some(Self { name, name_text: first.text.to_owned(), ty, clauses })
    }

    /// The definition written back from its parts.
    pub(crate) fn to_sql(&self) -> String {
        let mut parts = vec![self.name_text.clone()];
        if !self.ty.is_empty() {
            parts.push(self.ty.clone());
        }
        parts.extend(self.clauses.iter().map(|c| c.text.clone()));
        parts.join(" ")
    }

    #[cfg(any(feature = "sqlite", test))]
    fn clauses_of<'c>(&'c self, kind: &'c str) -> impl Iterator<Item = &'c Clause> + 'c {
        self.clauses.iter().filter(move |c| c.kind == kind)
    }

    /// Whether the column is generated (computed, so never stored).
    pub(crate) fn is_generated(&self) -> bool {
        self.clauses.iter().any(|c| c.kind == "GENERATED" || c.kind == "AS")
    }

    /// Its collation, upper case, unless it is SQLite's default (`BINARY`).
    #[cfg(any(feature = "sqlite", test))]
    pub(crate) fn collation(&self) -> Option<String> {
        let clause = self.clauses_of("COLLATE").last()?;
        let tokens = tokens(&clause.text);
        let at = tokens.iter().position(|t| t.is_word("COLLATE"))?;
        tokens.get(at + 1).and_then(Tok::name).map(|c| c.to_uppercase()).filter(|c| c != "BINARY")
    }

    /// A generated column's expression, normalised.
    #[cfg(any(feature = "sqlite", test))]
    pub(crate) fn generated(&self) -> Option<String> {
        self.clauses_of("AS").filter_map(Clause::expression).last()
    }

    /// Whether its primary key clause says `AUTOINCREMENT`.
    #[cfg(any(feature = "sqlite", test))]
    pub(crate) fn autoincrement(&self) -> bool {
        self.clauses_of("PRIMARY").any(|c| tokens(&c.text).iter().any(|t| t.is_word("AUTOINCREMENT")))
    }
}

impl Clause {
    /// The expression of a `CHECK (…)` or `AS (…)` clause, normalised.
    #[cfg(any(feature = "sqlite", test))]
    pub(crate) fn expression(&self) -> Option<String> {
        let tokens = tokens(&self.text);
        let at = tokens.iter().position(|t| t.is_word(&self.kind))?;
        parenthesised(&tokens, at + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_ignores_layout_case_and_needless_quotes_when_texts_mean_the_same() {
        let written = "CREATE VIEW v AS\n  select  \"id\", [title] -- the title\n  from todos where complete = 0;";
        let renamed = "create view v as select id,title from \"todos\" WHERE complete=0";
        assert_eq!(normalise(written), "CREATE VIEW v AS SELECT id, title FROM todos WHERE complete = 0");
        assert_eq!(normalise(written), normalise(renamed));
    }

    #[test]
    fn normalise_keeps_literals_and_quotes_identifiers_that_need_it() {
        assert_eq!(normalise("'it''s'"), "'it''s'");
        assert_eq!(normalise("\"order\" || \"my col\""), "\"order\" || \"my col\"");
        assert_eq!(normalise("length( title )>=1.5e-3"), "length(title) >= 1.5e-3");
        assert_eq!(normalise("x'00ff'"), "x'00ff'");
        assert_eq!(normalise("a->>'$.b' <> -1 AND c == 0x1F"), "a ->> '$.b' <> -1 AND c == 0x1F");
        assert_eq!(normalise("1_000 + a$b"), "1_000 + a$b");
    }

    #[test]
    fn normalise_type_lowercases_and_removes_inner_spaces() {
        assert_eq!(normalise_type("VARCHAR ( 100 )"), "varchar(100)");
        assert_eq!(normalise_type("NUMERIC(10, 2)"), "numeric(10,2)");
        assert_eq!(normalise_type("UNSIGNED  BIG INT"), "unsigned big int");
        assert_eq!(normalise_type("\"My Type\""), "my type");
        assert_eq!(normalise_type(""), "");
    }

    #[test]
    fn parse_splits_items_at_top_level_commas_and_keeps_their_text() {
        let table = CreateTable::parse(
            "CREATE TABLE t (a NUMERIC(10, 2)  DEFAULT (1, 2), b TEXT, -- note, here\n CONSTRAINT \"ck\" CHECK (a > 0)) STRICT",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let texts: Vec<&str> = table.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["a NUMERIC(10, 2)  DEFAULT (1, 2)", "b TEXT", "CONSTRAINT \"ck\" CHECK (a > 0)"]);
        assert_eq!(table.options, "STRICT");
        assert!(!table.without_rowid);
        let a = table.columns().next().unwrap_or_else(|| panic!("a column"));
        assert_eq!((a.ty.as_str(), a.clauses.len()), ("NUMERIC(10, 2)", 1));
    }

    #[test]
    fn parse_refuses_a_table_created_without_a_column_list() {
        assert!(CreateTable::parse("CREATE TABLE t AS SELECT 1 AS a").is_err());
        assert!(CreateTable::parse("CREATE TABLE t (a INT").is_err());
    }

    #[test]
    fn parse_reads_clauses_names_collations_and_generated_columns() {
        let table = CreateTable::parse(
            "CREATE TABLE \"items\" (
                id INTEGER CONSTRAINT pk_items PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL COLLATE nocase CONSTRAINT uq_name UNIQUE,
                qty INTEGER DEFAULT (0) CHECK (qty >= 0),
                total INTEGER GENERATED ALWAYS AS (qty * 2) STORED,
                owner_id INTEGER CONSTRAINT fk_owner REFERENCES users (id) ON DELETE SET NULL NOT DEFERRABLE,
                CONSTRAINT ck_name CHECK ((length(name) > 0)),
                CONSTRAINT uq_pair UNIQUE (name, qty),
                FOREIGN KEY (owner_id) REFERENCES users (id)
            ) WITHOUT ROWID",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(table.without_rowid);
        let columns: Vec<&ColumnDef> = table.columns().collect();
        assert!(columns[0].autoincrement());
        assert_eq!(columns[0].clauses[0].name.as_deref(), Some("pk_items"));
        assert_eq!(columns[1].collation().as_deref(), Some("NOCASE"));
        assert_eq!(columns[2].clauses[1].expression().as_deref(), Some("qty >= 0"));
        assert_eq!(columns[3].generated().as_deref(), Some("qty * 2"));
        assert!(columns[3].is_generated() && !columns[2].is_generated());
        let kinds: Vec<&str> = columns[4].clauses.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["REFERENCES"], "the foreign key's actions stay in its clause");
        let constraints: Vec<&TableConstraint> = table
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Constraint(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(constraints[0].expression.as_deref(), Some("length(name) > 0"));
        assert_eq!((constraints[1].name.as_deref(), constraints[1].columns.as_slice()), (Some("uq_pair"), &["name".to_owned(), "qty".to_owned()][..]));
        assert_eq!(constraints[2].columns, ["owner_id"]);
    }

    #[test]
    fn drop_constraint_rewrites_only_the_item_that_held_it() {
        let mut table = CreateTable::parse("CREATE TABLE t (a  INT CONSTRAINT \"uq_a\" UNIQUE, b INT)").unwrap_or_else(|e| panic!("{e}"));
        assert!(table.drop_constraint("UQ_A"));
        assert!(!table.drop_constraint("nope"));
        let texts: Vec<&str> = table.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["a INT", "b INT"]);
    }
}
