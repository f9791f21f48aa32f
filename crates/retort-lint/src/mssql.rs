//! SQL Server's rules: each statement is read into a [`Change`] (from
//! sqlparser's MsSqlDialect AST where it parses the statement, from its
//! tokens where it gives up), checked against the catalog the earlier
//! statements built and the target version and edition, then applied to
//! the catalog.
//!
//! The rules' sources are in `rules::MSSQL`; what each says is in its `Hit`.

use sqlparser::ast::{AlterTableOperation, ColumnOption, Expr, Statement as Ast};
use sqlparser::tokenizer::Token;

use crate::catalog::{key, Catalog, ColumnFacts};
use crate::config::{Config, Edition};
use crate::script::{Statement, Tok};

/// What one rule found in one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub rule: String,
    pub why: String,
    pub fix: String,
}

fn hit(rule: &'static str, why: impl Into<String>, fix: impl Into<String>) -> Hit {
    Hit { rule: rule.to_owned(), why: why.into(), fix: fix.into() }
}

/// A column as a definition states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnDef {
    pub name: String,
    pub data_type: TypeName,
    pub not_null: bool,
    pub default: Option<DefaultKind>,
    /// IDENTITY or computed (`AS expr`): SQL Server fills it itself.
    pub generated: bool,
}

/// What a column's default is, for the online column add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultKind {
    /// The same value for every row (a literal, `GETDATE()`).
    RuntimeConstant,
    /// A value per row (`NEWID()`, a user function): written row by row.
    PerRow,
}

/// A type as written: `nvarchar(50)` is base `nvarchar`, args `["50"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeName {
    pub base: String,
    pub args: Vec<String>,
}

impl TypeName {
    pub fn parse(text: &str) -> Self {
        let text = text.trim().to_ascii_lowercase();
        let (base, args) = match text.split_once('(') {
            Some((base, rest)) => (
                base.trim(),
                rest.trim_end_matches(')').split(',').map(|a| a.trim().to_owned()).collect(),
            ),
            None => (text.as_str(), Vec::new()),
        };
        let base = base.rsplit('.').next().unwrap_or(base).trim_matches(['[', ']']);
        TypeName { base: base.to_owned(), args }
    }

    fn is_variable_length(&self) -> bool {
        matches!(self.base.as_str(), "varchar" | "nvarchar" | "varbinary")
    }

    fn is_lob(&self) -> bool {
        self.args.first().is_some_and(|a| a == "max")
            || matches!(self.base.as_str(), "text" | "ntext" | "image" | "xml" | "geography" | "geometry" | "hierarchyid")
    }

    /// The length of a string or binary type: `None` for `max`. Without a
    /// length, `varchar` means `varchar(1)` in a definition.
    fn length(&self) -> Option<u32> {
        match self.args.first() {
            Some(arg) if arg == "max" => None,
            Some(arg) => arg.parse().ok(),
            None => Some(1),
        }
    }
}

impl std::fmt::Display for TypeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.args.is_empty() {
            f.write_str(&self.base)
        } else {
            write!(f, "{}({})", self.base, self.args.join(", "))
        }
    }
}

/// What a key or constraint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Default,
}

/// `WITH CHECK` / `WITH NOCHECK` before `ADD`, or neither (which means
/// `WITH CHECK` for a new constraint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckMode {
    Check,
    NoCheck,
    Unstated,
}

/// Index build options that decide how long writers wait.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Online {
    pub online: bool,
    pub resumable: bool,
    pub low_priority: bool,
}

/// The kinds of object a DROP or a module statement names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Object {
    Table,
    View,
    Procedure,
    Function,
    Trigger,
    Schema,
    Index,
    Other,
}

impl Object {
    fn from_word(word: &str) -> Object {
        match word.to_ascii_uppercase().as_str() {
            "TABLE" => Object::Table,
            "VIEW" => Object::View,
            "PROC" | "PROCEDURE" => Object::Procedure,
            "FUNCTION" => Object::Function,
            "TRIGGER" => Object::Trigger,
            "SCHEMA" => Object::Schema,
            "INDEX" => Object::Index,
            _ => Object::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Object::Table => "table",
            Object::View => "view",
            Object::Procedure => "procedure",
            Object::Function => "function",
            Object::Trigger => "trigger",
            Object::Schema => "schema",
            Object::Index => "index",
            Object::Other => "object",
        }
    }
}

/// What one statement does, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    CreateTable { table: String, columns: Vec<ColumnDef>, keys: Vec<(String, ConstraintKind, Vec<String>)> },
    AddColumns { table: String, columns: Vec<ColumnDef> },
    AddConstraint { table: String, name: String, kind: ConstraintKind, check: CheckMode, columns: Vec<String>, online: Online },
    ValidateConstraint { table: String, names: Vec<String>, with_check: bool },
    AlterColumn { table: String, column: String, data_type: TypeName, nullable: Option<bool> },
    DropColumns { table: String, columns: Vec<String> },
    DropConstraints { table: String, names: Vec<String> },
    CreateIndex { table: String, name: String, columns: Vec<String>, online: Online },
    Drop { object: Object, names: Vec<String> },
    Module { object: Object, name: String, or_alter: bool, bound_words: Option<Vec<String>>, tables: Vec<String> },
    Rename { object: String, new_name: String, column: bool },
    Truncate { table: String },
    Dml { verb: &'static str, table: String, has_where: bool, top: Option<u64> },
    NotInTransaction { what: &'static str },
    Other,
}

/// A statement read into changes, and whether sqlparser parsed it (or the
/// parser's message when it gave up).
pub(crate) struct Read {
    pub changes: Vec<Change>,
    pub parser_error: Option<String>,
}

/// Reads one statement.
pub(crate) fn read(statement: &Statement) -> Read {
    let mut changes = from_tokens(&statement.tokens);
    let parsed = sqlparser::parser::Parser::new(&sqlparser::dialect::MsSqlDialect {})
        .try_with_sql(&statement.text)
        .and_then(|mut parser| parser.parse_statements());
    match parsed {
        Ok(asts) => {
            for ast in &asts {
                refine(ast, &mut changes);
            }
            Read { changes, parser_error: None }
        }
        Err(error) => Read { changes, parser_error: Some(error.to_string()) },
    }
}

/// Where the parser understood the statement, its AST decides what the
/// tokens can only approximate: a column's nullability and default, and
/// whether an UPDATE or DELETE has a WHERE clause.
fn refine(ast: &Ast, changes: &mut [Change]) {
    match ast {
        Ast::AlterTable(alter) => {
            let defs: Vec<_> = alter
                .operations
                .iter()
                .filter_map(|operation| match operation {
                    AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
                    _ => None,
                })
                .collect();
            for change in changes.iter_mut() {
                if let Change::AddColumns { columns, .. } = change {
                    for column in columns.iter_mut() {
                        let Some(def) = defs.iter().find(|d| key(&d.name.value) == key(&column.name)) else { continue };
                        column.not_null = def.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull));
                        column.default = def.options.iter().find_map(|o| match &o.option {
                            ColumnOption::Default(expr) => Some(default_of_expr(expr)),
                            _ => None,
                        });
                    }
                }
            }
        }
        Ast::Update(update) => set_where(changes, "UPDATE", update.selection.is_some()),
        Ast::Delete(delete) => set_where(changes, "DELETE", delete.selection.is_some()),
        _ => {}
    }
}

fn set_where(changes: &mut [Change], of: &str, value: bool) {
    for change in changes {
        if let Change::Dml { verb, has_where, .. } = change {
            if *verb == of {
                *has_where = value;
            }
        }
    }
}

fn default_of_expr(expr: &Expr) -> DefaultKind {
    match expr {
        Expr::Nested(inner) => default_of_expr(inner),
        Expr::Function(function) => default_of_function(&function.name.to_string()),
        Expr::Value(_) | Expr::UnaryOp { .. } | Expr::TypedString { .. } => DefaultKind::RuntimeConstant,
        Expr::Identifier(ident) if ident.value.eq_ignore_ascii_case("CURRENT_TIMESTAMP") => DefaultKind::RuntimeConstant,
        _ => DefaultKind::PerRow,
    }
}

/// SQL Server evaluates a runtime-constant default once for the whole ALTER;
/// `NEWID()`, `NEWSEQUENTIALID()`, `RAND()` and user functions are evaluated
/// per row, so the column add writes every row.
fn default_of_function(name: &str) -> DefaultKind {
    let name = name.to_ascii_uppercase();
    let per_row = ["NEWID", "NEWSEQUENTIALID", "RAND", "CRYPT_GEN_RANDOM"];
    if per_row.contains(&name.as_str()) || name.contains('.') {
        DefaultKind::PerRow
    } else {
        DefaultKind::RuntimeConstant
    }
}

/// A small reader over a statement's tokens.
struct Cursor<'a> {
    tokens: &'a [Tok],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(tokens: &'a [Tok]) -> Self {
        Self { tokens, at: 0 }
    }

    fn peek(&self) -> Option<&'a Tok> {
        self.tokens.get(self.at)
    }

    fn peek_is(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is(keyword))
    }

    fn eat(&mut self, keyword: &str) -> bool {
        let yes = self.peek_is(keyword);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat_token(&mut self, token: &Token) -> bool {
        let yes = self.peek().is_some_and(|t| &t.token == token);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn next_word(&mut self) -> Option<String> {
        let word = self.peek()?.word()?.to_ascii_uppercase();
        self.at += 1;
        Some(word)
    }

    /// A dotted name (`dbo.users`, `[dbo].[users]`), as written without quotes.
    fn name(&mut self) -> Option<String> {
        let mut parts = vec![self.peek()?.ident()?.to_owned()];
        self.at += 1;
        while self.peek().is_some_and(|t| t.token == Token::Period) {
            self.at += 1;
            match self.peek().and_then(Tok::ident) {
                Some(part) => {
                    parts.push(part.to_owned());
                    self.at += 1;
                }
                None => break,
            }
        }
        Some(parts.join("."))
    }

    /// The tokens inside the parentheses that open here, the cursor after them.
    fn parens(&mut self) -> Option<&'a [Tok]> {
        if !self.eat_token(&Token::LParen) {
            return None;
        }
        let start = self.at;
        let mut depth = 1;
        while let Some(tok) = self.peek() {
            match tok.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        let inner = &self.tokens[start..self.at];
                        self.at += 1;
                        return Some(inner);
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
        Some(&self.tokens[start..])
    }

    fn rest(&self) -> &'a [Tok] {
        &self.tokens[self.at.min(self.tokens.len())..]
    }

    /// A type: `[schema.]name` and its arguments in parentheses.
    fn data_type(&mut self) -> TypeName {
        let base = self.name().unwrap_or_default();
        let args = if self.peek().is_some_and(|t| t.token == Token::LParen) {
            self.parens()
                .map(|inner| split_commas(inner).iter().map(|arg| text_of(arg).to_ascii_lowercase()).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        TypeName { base: TypeName::parse(&base).base, args }
    }
}

/// The tokens split at commas outside parentheses.
fn split_commas(tokens: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, tok) in tokens.iter().enumerate() {
        match tok.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

fn text_of(tokens: &[Tok]) -> String {
    tokens.iter().map(|t| t.token.to_string()).collect::<Vec<_>>().join("")
}

/// Column names in a parenthesised list (`(a, b DESC)`).
fn column_list(tokens: &[Tok]) -> Vec<String> {
    split_commas(tokens)
        .iter()
        .filter_map(|part| part.first().and_then(Tok::ident).map(str::to_owned))
        .collect()
}

/// `WITH ( ONLINE = ON (WAIT_AT_LOW_PRIORITY …), RESUMABLE = ON )` anywhere
/// in `tokens` outside parentheses.
fn online_options(tokens: &[Tok]) -> Online {
    let mut online = Online::default();
    let mut cursor = Cursor::new(tokens);
    while cursor.peek().is_some() {
        if cursor.eat("WITH") {
            if let Some(inner) = cursor.parens() {
                for option in split_commas(inner) {
                    let on = option.get(1).is_some_and(|t| t.token == Token::Eq) && option.get(2).is_some_and(|t| t.is("ON"));
                    match option.first().and_then(Tok::word).map(str::to_ascii_uppercase).as_deref() {
                        Some("ONLINE") if on => {
                            online.online = true;
                            online.low_priority |= option.iter().any(|t| t.is("WAIT_AT_LOW_PRIORITY"));
                        }
                        Some("RESUMABLE") if on => online.resumable = true,
                        _ => {}
                    }
                }
            }
        } else if cursor.peek().is_some_and(|t| t.token == Token::LParen) {
            cursor.parens();
        } else {
            cursor.at += 1;
        }
    }
    online
}

/// The changes a statement's tokens show.
pub(crate) fn from_tokens(tokens: &[Tok]) -> Vec<Change> {
    let mut cursor = Cursor::new(tokens);
    let Some(first) = cursor.next_word() else { return vec![Change::Other] };
    let change = match first.as_str() {
        "CREATE" => create(&mut cursor),
        "ALTER" => return alter(&mut cursor),
        "DROP" => drop(&mut cursor),
        "TRUNCATE" => {
            cursor.eat("TABLE");
            cursor.name().map_or(Change::Other, |table| Change::Truncate { table })
        }
        "UPDATE" | "DELETE" => dml(&mut cursor, if first == "UPDATE" { "UPDATE" } else { "DELETE" }),
        "EXEC" | "EXECUTE" => exec(&mut cursor),
        _ => Change::Other,
    };
    vec![change]
}

fn create(cursor: &mut Cursor<'_>) -> Change {
    let or_alter = cursor.eat("OR") && cursor.eat("ALTER");
    while ["UNIQUE", "CLUSTERED", "NONCLUSTERED", "COLUMNSTORE"].iter().any(|k| cursor.peek_is(k)) {
        cursor.at += 1;
    }
    let Some(word) = cursor.next_word() else { return Change::Other };
    match word.as_str() {
        "INDEX" => {
            let name = cursor.name().unwrap_or_default();
            if !cursor.eat("ON") {
                return Change::Other;
            }
            let table = cursor.name().unwrap_or_default();
            let columns = cursor.parens().map(column_list).unwrap_or_default();
            Change::CreateIndex { table, name, columns, online: online_options(cursor.rest()) }
        }
        "FULLTEXT" => Change::NotInTransaction { what: "CREATE FULLTEXT" },
        "TABLE" => {
            let Some(table) = cursor.name() else { return Change::Other };
            let Some(inner) = cursor.parens() else { return Change::Other };
            let mut columns = Vec::new();
            let mut keys = Vec::new();
            for item in split_commas(inner) {
                match item_of(item, CheckMode::Unstated) {
                    Item::Column(column, inline) => {
                        keys.extend(inline.into_iter().map(|(name, kind)| (name, kind, vec![column.name.clone()])));
                        columns.push(column);
                    }
                    Item::Constraint { name, kind, columns: cols, .. } => keys.push((name, kind, cols)),
                    Item::Unknown => {}
                }
            }
            Change::CreateTable { table, columns, keys }
        }
        "PROC" | "PROCEDURE" | "VIEW" | "FUNCTION" | "TRIGGER" => module(cursor, Object::from_word(&word), or_alter),
        _ => Change::Other,
    }
}

fn module(cursor: &mut Cursor<'_>, object: Object, or_alter: bool) -> Change {
    let name = cursor.name().unwrap_or_default();
    let rest = cursor.rest();
    let body_at = rest.iter().position(|t| t.is("AS")).unwrap_or(rest.len());
    let bound = rest[..body_at].iter().any(|t| t.is("SCHEMABINDING"));
    let body = &rest[body_at..];
    let mut tables = Vec::new();
    for (i, tok) in body.iter().enumerate() {
        if tok.is("FROM") || tok.is("JOIN") {
            let mut inner = Cursor::new(&body[i + 1..]);
            if let Some(name) = inner.name() {
                tables.push(name);
            }
        }
    }
    let words = body.iter().filter_map(Tok::ident).map(|w| w.to_ascii_lowercase()).collect();
    Change::Module { object, name, or_alter, bound_words: bound.then_some(words), tables }
}

enum Item {
    Column(ColumnDef, Vec<(String, ConstraintKind)>),
    Constraint { name: String, kind: ConstraintKind, columns: Vec<String>, online: Online },
    Unknown,
}

/// One item of `CREATE TABLE (…)` or `ALTER TABLE … ADD …`.
fn item_of(tokens: &[Tok], _check: CheckMode) -> Item {
    let mut cursor = Cursor::new(tokens);
    let mut name = String::new();
    if cursor.eat("CONSTRAINT") {
        name = cursor.name().unwrap_or_default();
    }
    let kind = match cursor.peek().and_then(Tok::word).map(str::to_ascii_uppercase).as_deref() {
        Some("PRIMARY") => Some(ConstraintKind::PrimaryKey),
        Some("UNIQUE") => Some(ConstraintKind::Unique),
        Some("FOREIGN") => Some(ConstraintKind::ForeignKey),
        Some("CHECK") => Some(ConstraintKind::Check),
        Some("DEFAULT") => Some(ConstraintKind::Default),
        _ => None,
    };
    if let Some(kind) = kind {
        cursor.at += 1;
        cursor.eat("KEY");
        cursor.eat("CLUSTERED");
        cursor.eat("NONCLUSTERED");
        let columns = match kind {
            ConstraintKind::Default => {
                // `DEFAULT expr FOR column`
                let rest = cursor.rest();
                rest.iter()
                    .position(|t| t.is("FOR"))
                    .and_then(|at| rest.get(at + 1))
                    .and_then(Tok::ident)
                    .map(|c| vec![c.to_owned()])
                    .unwrap_or_default()
            }
            ConstraintKind::Check => Vec::new(),
            _ => cursor.parens().map(column_list).unwrap_or_default(),
        };
        return Item::Constraint { name, kind, columns, online: online_options(cursor.rest()) };
    }
    if !name.is_empty() {
        return Item::Unknown;
    }
    let Some(column) = cursor.name() else { return Item::Unknown };
    // A computed column: `name AS expr`.
    if cursor.peek_is("AS") {
        return Item::Column(
            ColumnDef { name: column, data_type: TypeName::parse("computed"), not_null: false, default: None, generated: true },
            Vec::new(),
        );
    }
    let data_type = cursor.data_type();
    let mut def = ColumnDef { name: column, data_type, not_null: false, default: None, generated: false };
    let mut inline = Vec::new();
    let mut constraint_name = String::new();
    while let Some(tok) = cursor.peek() {
        if cursor.eat("NOT") {
            if cursor.eat("NULL") {
                def.not_null = true;
            }
        } else if cursor.eat("CONSTRAINT") {
            constraint_name = cursor.name().unwrap_or_default();
        } else if cursor.eat("DEFAULT") {
            def.default = Some(default_of_tokens(&mut cursor));
        } else if cursor.eat("IDENTITY") {
            def.generated = true;
            cursor.parens();
        } else if cursor.eat("PRIMARY") {
            cursor.eat("KEY");
            def.not_null = true;
            inline.push((std::mem::take(&mut constraint_name), ConstraintKind::PrimaryKey));
        } else if cursor.eat("UNIQUE") {
            inline.push((std::mem::take(&mut constraint_name), ConstraintKind::Unique));
        } else if tok.token == Token::LParen {
            cursor.parens();
        } else {
            cursor.at += 1;
        }
    }
    Item::Column(def, inline)
}

/// The default expression after `DEFAULT`, the cursor past it.
fn default_of_tokens(cursor: &mut Cursor<'_>) -> DefaultKind {
    let mut kind = DefaultKind::RuntimeConstant;
    let stop = ["NOT", "NULL", "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "WITH", "IDENTITY", "FOR"];
    while let Some(tok) = cursor.peek() {
        if stop.iter().any(|k| tok.is(k)) {
            break;
        }
        if tok.token == Token::LParen {
            if let Some(inner) = cursor.parens() {
                // Functions inside the parentheses: `DEFAULT (newid())`.
                let mut nested = Cursor::new(inner);
                if default_of_tokens(&mut nested) == DefaultKind::PerRow {
                    kind = DefaultKind::PerRow;
                }
            }
            continue;
        }
        let is_call = cursor.tokens.get(cursor.at + 1).is_some_and(|t| t.token == Token::LParen);
        if is_call {
            if let Some(name) = cursor.name() {
                if default_of_function(&name) == DefaultKind::PerRow {
                    kind = DefaultKind::PerRow;
                }
            }
            cursor.parens();
            continue;
        }
        cursor.at += 1;
    }
    kind
}

fn alter(cursor: &mut Cursor<'_>) -> Vec<Change> {
    let Some(word) = cursor.next_word() else { return vec![Change::Other] };
    match word.as_str() {
        "DATABASE" => vec![Change::NotInTransaction { what: "ALTER DATABASE" }],
        "FULLTEXT" => vec![Change::NotInTransaction { what: "ALTER FULLTEXT" }],
        "PROC" | "PROCEDURE" | "VIEW" | "FUNCTION" | "TRIGGER" => vec![module(cursor, Object::from_word(&word), true)],
        "TABLE" => alter_table(cursor),
        _ => vec![Change::Other],
    }
}

fn alter_table(cursor: &mut Cursor<'_>) -> Vec<Change> {
    let Some(table) = cursor.name() else { return vec![Change::Other] };
    let mut check = CheckMode::Unstated;
    if cursor.eat("WITH") {
        if cursor.eat("CHECK") {
            check = CheckMode::Check;
        } else if cursor.eat("NOCHECK") {
            check = CheckMode::NoCheck;
        }
    }
    let Some(action) = cursor.next_word() else { return vec![Change::Other] };
    match action.as_str() {
        "ADD" => {
            let mut columns = Vec::new();
            let mut changes = Vec::new();
            for item in split_commas(cursor.rest()) {
                match item_of(item, check) {
                    Item::Column(column, inline) => {
                        for (name, kind) in inline {
                            changes.push(Change::AddConstraint {
                                table: table.clone(),
                                name,
                                kind,
                                check,
                                columns: vec![column.name.clone()],
                                online: online_options(item),
                            });
                        }
                        columns.push(column);
                    }
                    Item::Constraint { name, kind, columns: cols, online } => {
                        changes.push(Change::AddConstraint { table: table.clone(), name, kind, check, columns: cols, online })
                    }
                    Item::Unknown => {}
                }
            }
            if !columns.is_empty() {
                changes.insert(0, Change::AddColumns { table, columns });
            }
            changes
        }
        "ALTER" => {
            if !cursor.eat("COLUMN") {
                return vec![Change::Other];
            }
            let Some(column) = cursor.name() else { return vec![Change::Other] };
            if cursor.peek_is("ADD") || cursor.peek_is("DROP") {
                // `ALTER COLUMN c ADD ROWGUIDCOL`, `… DROP MASKED`.
                return vec![Change::Other];
            }
            let data_type = cursor.data_type();
            let mut nullable = None;
            while let Some(tok) = cursor.peek() {
                if tok.is("NOT") && cursor.tokens.get(cursor.at + 1).is_some_and(|t| t.is("NULL")) {
                    nullable = Some(false);
                    cursor.at += 2;
                } else if tok.is("NULL") {
                    nullable = Some(true);
                    cursor.at += 1;
                } else {
                    cursor.at += 1;
                }
            }
            vec![Change::AlterColumn { table, column, data_type, nullable }]
        }
        "DROP" => {
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            // `DROP COLUMN a, b`, `DROP CONSTRAINT c`, `DROP c` (a constraint),
            // and mixtures: each item keeps the kind of the one before.
            let mut is_column = false;
            for item in split_commas(cursor.rest()) {
                let mut inner = Cursor::new(item);
                if inner.eat("COLUMN") {
                    is_column = true;
                } else if inner.eat("CONSTRAINT") {
                    is_column = false;
                }
                if inner.eat("IF") {
                    inner.eat("EXISTS");
                }
                if let Some(name) = inner.name() {
                    if is_column {
                        columns.push(name);
                    } else {
                        constraints.push(name);
                    }
                }
            }
            let mut changes = Vec::new();
            if !columns.is_empty() {
                changes.push(Change::DropColumns { table: table.clone(), columns });
            }
            if !constraints.is_empty() {
                changes.push(Change::DropConstraints { table, names: constraints });
            }
            changes
        }
        "CHECK" if cursor.eat("CONSTRAINT") => {
            let names = split_commas(cursor.rest())
                .iter()
                .filter_map(|item| item.first().and_then(Tok::ident).map(str::to_owned))
                .collect();
            vec![Change::ValidateConstraint { table, names, with_check: check == CheckMode::Check }]
        }
        _ => vec![Change::Other],
    }
}

fn drop(cursor: &mut Cursor<'_>) -> Change {
    let Some(word) = cursor.next_word() else { return Change::Other };
    if word == "FULLTEXT" {
        return Change::NotInTransaction { what: "DROP FULLTEXT" };
    }
    let object = Object::from_word(&word);
    if object == Object::Other {
        return Change::Other;
    }
    if cursor.eat("IF") {
        cursor.eat("EXISTS");
    }
    let names = split_commas(cursor.rest())
        .iter()
        .filter_map(|item| Cursor::new(item).name())
        .collect();
    Change::Drop { object, names }
}

fn dml(cursor: &mut Cursor<'_>, verb: &'static str) -> Change {
    let mut top = None;
    if cursor.eat("TOP") {
        top = cursor
            .parens()
            .and_then(|inner| match inner {
                [Tok { token: Token::Number(n, _), .. }] => n.parse().ok(),
                _ => None,
            })
            .or(Some(u64::MAX));
        cursor.eat("PERCENT");
    }
    if verb == "DELETE" {
        cursor.eat("FROM");
    }
    let Some(table) = cursor.name() else { return Change::Other };
    let mut depth = 0;
    let has_where = cursor.rest().iter().any(|t| {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        depth == 0 && t.is("WHERE")
    });
    Change::Dml { verb, table, has_where, top }
}

fn exec(cursor: &mut Cursor<'_>) -> Change {
    // `EXEC @rc = proc …`
    if cursor.peek().and_then(Tok::ident).is_some_and(|w| w.starts_with('@')) {
        cursor.at += 1;
        cursor.eat_token(&Token::Eq);
    }
    let Some(name) = cursor.name() else { return Change::Other };
    if key(&name) != "sp_rename" {
        return Change::Other;
    }
    let strings: Vec<String> = cursor
        .rest()
        .iter()
        .filter_map(|t| match &t.token {
            Token::SingleQuotedString(s) | Token::NationalStringLiteral(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let column = strings.get(2).is_some_and(|kind| kind.eq_ignore_ascii_case("COLUMN"));
    Change::Rename {
        object: strings.first().cloned().unwrap_or_default(),
        new_name: strings.get(1).cloned().unwrap_or_default(),
        column,
    }
}

/// What one revision has done so far, for the rules that look back.
#[derive(Debug, Default)]
pub(crate) struct RevisionState {
    /// Modules dropped earlier in the revision, by key.
    dropped_modules: Vec<String>,
    /// Constraints added WITH NOCHECK: (table key, name key, statement index).
    pub unvalidated: Vec<(String, String, usize)>,
}

/// The facts about the revision being linted.
pub(crate) struct Context<'a> {
    pub revision: &'a str,
    pub transactional: bool,
    pub config: &'a Config,
}

impl Context<'_> {
    fn existing(&self, catalog: &Catalog, table: &str) -> bool {
        !catalog.created_in(table, self.revision)
    }

    /// How to write an index build that does not block, on this target.
    fn online_advice(&self) -> String {
        if self.config.sql_server_edition == Edition::Standard {
            return "Standard edition has no online index builds: create the index while the table is small, or in a maintenance window, and acknowledge it".to_owned();
        }
        let mut options = vec!["ONLINE = ON"];
        if self.config.sql_server_version >= 2019 {
            options.push("RESUMABLE = ON");
        }
        let mut advice = format!("add WITH ({})", options.join(", "));
        if self.config.sql_server_version >= 2022 {
            advice.push_str(", and ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)) so that the build does not queue ahead of readers");
        }
        advice.push_str(" (`op.create_index(…).online()` in a Rust revision)");
        advice
    }
}

/// The rules for one statement's changes, before they are applied.
pub(crate) fn check(
    change: &Change,
    statement: &Statement,
    index: usize,
    catalog: &Catalog,
    state: &mut RevisionState,
    context: &Context<'_>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let config = context.config;
    match change {
        Change::AddColumns { table, columns } if context.existing(catalog, table) => {
            for column in columns.iter().filter(|c| c.not_null && !c.generated) {
                match column.default {
                    None => hits.push(hit(
                        "mssql-add-not-null-column-without-default",
                        format!("`{}` is added to `{table}` as NOT NULL without a DEFAULT: the ALTER fails as soon as the table has a row.", column.name),
                        "give it a DEFAULT (a constant is a metadata-only change on Enterprise), or add it NULL, backfill it in batches, then make it NOT NULL",
                    )),
                    Some(kind) => {
                        let why = if config.sql_server_edition == Edition::Standard {
                            Some("Standard edition writes the default into every row".to_owned())
                        } else if column.data_type.is_lob() {
                            Some(format!("a {} column's default is written into every row", column.data_type))
                        } else if kind == DefaultKind::PerRow {
                            Some("its default is evaluated per row (not a runtime constant), so every row is written".to_owned())
                        } else {
                            None
                        };
                        if let Some(why) = why {
                            hits.push(hit(
                                "mssql-add-column-size-of-data",
                                format!("`{}` is added to `{table}` as NOT NULL with a default: {why}, under a schema-modification lock that blocks every reader and writer.", column.name),
                                "add it NULL, backfill it in batches of fewer than 5,000 rows, then add the default and make it NOT NULL",
                            ));
                        }
                    }
                }
            }
        }
        Change::AlterColumn { table, column, data_type, nullable } => {
            hits.extend(alter_column(catalog, table, column, data_type, *nullable, context));
        }
        Change::CreateIndex { table, name, online, .. } => {
            hits.extend(online_unavailable(online, config, "CREATE INDEX"));
            if context.existing(catalog, table) && !online.online {
                hits.push(hit(
                    "mssql-create-index-offline",
                    format!("index `{name}` is built offline on `{table}`: writers wait for the whole build (readers too, for a clustered index)."),
                    context.online_advice(),
                ));
            }
        }
        Change::AddConstraint { table, name, kind, check, online, .. } => {
            let existing = context.existing(catalog, table);
            match kind {
                ConstraintKind::PrimaryKey | ConstraintKind::Unique => {
                    hits.extend(online_unavailable(online, config, "ADD CONSTRAINT"));
                    if existing && !online.online {
                        hits.push(hit(
                            "mssql-add-key-offline",
                            format!("{} `{name}` on `{table}` builds its index offline: writers wait for the whole build.", if *kind == ConstraintKind::PrimaryKey { "PRIMARY KEY" } else { "UNIQUE" }),
                            if config.sql_server_edition == Edition::Standard {
                                "Standard edition has no online index builds: add the key while the table is small, or in a maintenance window".to_owned()
                            } else {
                                "add WITH (ONLINE = ON) after the key's columns".to_owned()
                            },
                        ));
                    }
                }
                ConstraintKind::ForeignKey | ConstraintKind::Check if existing => match check {
                    CheckMode::NoCheck => state.unvalidated.push((key(table), key(name), index)),
                    _ => hits.push(hit(
                        "mssql-add-constraint-with-check",
                        format!("`{name}` is added to `{table}` WITH CHECK: every row is read to validate it while the ALTER holds a schema-modification lock."),
                        "add it WITH NOCHECK here, then validate it in a later revision of its own (`ALTER TABLE … WITH CHECK CHECK CONSTRAINT …`, `op.validate_constraint(…)`)",
                    )),
                },
                _ => {}
            }
        }
        Change::ValidateConstraint { table, names, with_check: true } => {
            state.unvalidated.retain(|(t, n, _)| !(t == &key(table) && names.iter().any(|name| &key(name) == n)));
            if context.existing(catalog, table) {
                hits.push(hit(
                    "mssql-validate-constraint",
                    format!("validating {} on `{table}` reads every row.", names.join(", ")),
                    "keep it in a revision of its own, run when the table is quiet",
                ));
            }
        }
        Change::Rename { object, new_name, column } => hits.push(hit(
            "mssql-sp-rename",
            format!("sp_rename of {} `{object}` to `{new_name}`: every query, view and running application instance that uses the old name fails from this moment.", if *column { "column" } else { "object" }),
            "expand and contract: add the new name beside the old (a new column kept in step, or a synonym or view), move the readers, and drop the old name in a later release",
        )),
        Change::Drop { object, names } => {
            for name in names {
                match object {
                    Object::Procedure | Object::View | Object::Function | Object::Trigger => state.dropped_modules.push(key(name)),
                    Object::Table if context.existing(catalog, name) => hits.push(hit(
                        "mssql-drop-table",
                        format!("table `{name}` is dropped: its rows are gone, and code still reading it fails."),
                        "drop it in a release after the code stops using it, with a backup or a renamed copy kept for a while",
                    )),
                    Object::Schema => hits.push(hit(
                        "mssql-drop-schema",
                        format!("schema `{name}` is dropped: whatever names it fails."),
                        "drop it in a release after nothing uses it",
                    )),
                    _ => {}
                }
            }
        }
        Change::Module { object, name, or_alter, .. } => {
            if !statement.first_in_batch {
                hits.push(hit(
                    "mssql-create-module-not-first-in-batch",
                    format!("the {} `{name}` is not the first statement of its batch: SQL Server refuses it (error 111).", object.name()),
                    "put a GO line before it",
                ));
            }
            if !or_alter && state.dropped_modules.contains(&key(name)) {
                hits.push(hit(
                    "mssql-drop-create-module",
                    format!("the {} `{name}` is dropped and created again: its permissions are lost, and it is missing in between.", object.name()),
                    format!("CREATE OR ALTER {} (SQL Server 2016 SP1 and later), without the DROP", object.name().to_ascii_uppercase()),
                ));
            }
        }
        Change::DropColumns { table, columns } if context.existing(catalog, table) => {
            for column in columns {
                hits.push(hit(
                    "mssql-drop-column",
                    format!("column `{column}` of `{table}` is dropped: its data is gone, and code still naming it fails."),
                    "stop using it in one release and drop it in a later one",
                ));
            }
        }
        Change::Truncate { table } if context.existing(catalog, table) => hits.push(hit(
            "mssql-truncate",
            format!("`{table}` is truncated: every row is gone."),
            "delete the rows that must go, in batches, or acknowledge that the table holds nothing to keep",
        )),
        Change::Dml { verb, table, has_where, top } if context.existing(catalog, table) => {
            if !has_where {
                hits.push(hit(
                    "mssql-dml-without-where",
                    format!("{verb} without WHERE touches every row of `{table}` in one statement: past 5,000 locks it escalates to a table lock that blocks every reader and writer, and the log holds it all."),
                    format!("{verb} TOP (4000) … WHERE <rows not done yet> in a loop until @@ROWCOUNT = 0, in a non-transactional revision"),
                ));
            } else if top.is_none_or(|n| n >= 5000) {
                hits.push(hit(
                    "mssql-unbatched-backfill",
                    format!("{verb} of `{table}` in one statement: if it touches 5,000 rows or more it escalates to a table lock."),
                    format!("{verb} TOP (4000) … in a loop until @@ROWCOUNT = 0, in a non-transactional revision"),
                ));
            }
        }
        Change::NotInTransaction { what } if context.transactional => hits.push(hit(
            "mssql-not-in-transaction",
            format!("{what} cannot run inside a transaction, and this revision runs in one."),
            "move it to a revision that declares itself non-transactional (`TRANSACTIONAL = false`, `-- transactional: false`)",
        )),
        _ => {}
    }
    hits
}

fn online_unavailable(online: &Online, config: &Config, what: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    if online.online && config.sql_server_edition == Edition::Standard {
        hits.push(hit(
            "mssql-online-unavailable",
            format!("{what} WITH (ONLINE = ON) fails on Standard edition (error 1712), the configured target."),
            "build it offline while the table is small or in a maintenance window, or change `sql-server-edition` if the server is Enterprise or Azure",
        ));
    }
    let index_resumable_since = if what == "CREATE INDEX" { 2019 } else { 2022 };
    if online.resumable && config.sql_server_version < index_resumable_since {
        hits.push(hit(
            "mssql-online-unavailable",
            format!("{what} WITH (RESUMABLE = ON) needs SQL Server {index_resumable_since}; the target is {}.", config.sql_server_version),
            "leave RESUMABLE out, or raise `sql-server-version`",
        ));
    }
    if online.low_priority && config.sql_server_version < 2022 {
        hits.push(hit(
            "mssql-online-unavailable",
            format!("{what} with WAIT_AT_LOW_PRIORITY needs SQL Server 2022; the target is {}.", config.sql_server_version),
            "leave WAIT_AT_LOW_PRIORITY out, or raise `sql-server-version`",
        ));
    }
    hits
}

/// ALTER COLUMN: what the server must do, and whether anything that
/// depends on the column stops it.
fn alter_column(
    catalog: &Catalog,
    table: &str,
    column: &str,
    new: &TypeName,
    nullable: Option<bool>,
    context: &Context<'_>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let Some(facts) = catalog.table(table) else {
        hits.push(unknown(table, column));
        return hits;
    };
    if facts.created_in.as_deref() == Some(context.revision) {
        return hits;
    }
    let Some(old_column) = facts.column(column) else {
        hits.push(unknown(table, column));
        return hits;
    };
    let Some(old) = old_column.data_type.as_deref().map(TypeName::parse) else {
        hits.push(unknown(table, column));
        return hits;
    };
    // Without NULL or NOT NULL, ALTER COLUMN makes the column nullable.
    let nullable = nullable.unwrap_or(true);
    let mut reasons = Vec::new();
    if old.base != new.base {
        reasons.push(format!("changes its type from {old} to {new}"));
    } else if old.is_variable_length() {
        match (old.length(), new.length()) {
            (Some(_), None) => reasons.push(format!("widens it from {old} to {new}, which rewrites every row")),
            (None, Some(_)) => reasons.push(format!("shrinks it from {old} to {new}")),
            (Some(before), Some(after)) if after < before => reasons.push(format!("shrinks it from {old} to {new}")),
            _ => {}
        }
    } else if old.args != new.args {
        reasons.push(format!("changes a fixed length or precision from {old} to {new}"));
    }
    if old_column.nullable && !nullable {
        reasons.push("makes it NOT NULL, which reads every row to check".to_owned());
    }
    if !reasons.is_empty() {
        hits.push(hit(
            "mssql-alter-column-size-of-data",
            format!("ALTER COLUMN `{column}` of `{table}` {}: the table is read or rewritten under a schema-modification lock that blocks every reader and writer.", reasons.join(" and ")),
            "add a new column, backfill it in batches, switch the code to it and drop the old column later (widening varchar/nvarchar/varbinary short of max and NOT NULL → NULL are metadata-only)",
        ));
    }
    let widening_only = old.base == new.base
        && old.is_variable_length()
        && match (old.length(), new.length()) {
            (Some(before), Some(after)) => after >= before,
            (None, None) => true,
            _ => false,
        };
    for (index, columns, primary_key) in &facts.indexes {
        if columns.contains(&key(column)) && (!widening_only || *primary_key) {
            hits.push(hit(
                "mssql-alter-column-with-dependents",
                format!("`{column}` of `{table}` is in {} `{index}`: ALTER COLUMN fails (error 5074) unless it only widens a varchar, nvarchar or varbinary outside a primary key.", if *primary_key { "primary key" } else { "index" }),
                "drop the index, alter the column and recreate the index (online), or add a new column instead",
            ));
        }
    }
    if old_column.has_default && old.base != new.base {
        hits.push(hit(
            "mssql-alter-column-with-dependents",
            format!("`{column}` of `{table}` has a DEFAULT: ALTER COLUMN may change only its length or precision, not its type (error 5074)."),
            "drop the default constraint, alter the column, and add the default again",
        ));
    }
    for (view, words) in &facts.bound_views {
        if words.contains(&key(column)) {
            hits.push(hit(
                "mssql-alter-column-with-dependents",
                format!("schema-bound view `{view}` reads `{column}` of `{table}`: ALTER COLUMN fails (error 5074)."),
                "alter the view without SCHEMABINDING first, or drop and recreate it around the change",
            ));
        }
    }
    hits
}

fn unknown(table: &str, column: &str) -> Hit {
    hit(
        "mssql-alter-column-unknown",
        format!("no earlier revision or database shows the current type of `{column}` of `{table}`: retort cannot tell a metadata-only change from a rewrite."),
        "lint with --database-url of a database that has the table, or check that the change only widens a varchar/nvarchar/varbinary short of max",
    )
}

/// Applies a statement's changes to the catalog, after its rules ran.
pub(crate) fn apply(change: &Change, catalog: &mut Catalog, revision: &str) {
    match change {
        Change::CreateTable { table, columns, keys } => {
            let facts = columns.iter().map(column_facts).collect();
            catalog.add_table(table, facts, Some(revision));
            for (name, kind, cols) in keys {
                if matches!(kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) {
                    catalog.add_index(table, name, cols, *kind == ConstraintKind::PrimaryKey);
                }
            }
        }
        Change::AddColumns { table, columns } => {
            if let Some(facts) = catalog.table_mut(table) {
                for column in columns {
                    facts.columns.insert(key(&column.name), column_facts(column));
                }
            }
        }
        Change::AddConstraint { table, name, kind, columns, .. } => match kind {
            ConstraintKind::PrimaryKey | ConstraintKind::Unique => {
                catalog.add_index(table, name, columns, *kind == ConstraintKind::PrimaryKey)
            }
            ConstraintKind::Default => {
                if let Some(facts) = catalog.table_mut(table) {
                    for column in columns {
                        if let Some(column) = facts.columns.get_mut(&key(column)) {
                            column.has_default = true;
                        }
                    }
                }
            }
            _ => {}
        },
        Change::AlterColumn { table, column, data_type, nullable } => {
            if let Some(column) = catalog.table_mut(table).and_then(|t| t.columns.get_mut(&key(column))) {
                column.data_type = Some(data_type.to_string());
                column.nullable = nullable.unwrap_or(true);
            }
        }
        Change::DropColumns { table, columns } => {
            if let Some(facts) = catalog.table_mut(table) {
                for column in columns {
                    facts.columns.remove(&key(column));
                }
            }
        }
        Change::DropConstraints { names, .. } => {
            for name in names {
                catalog.drop_index(name);
            }
        }
        Change::CreateIndex { table, name, columns, .. } => catalog.add_index(table, name, columns, false),
        Change::Drop { object: Object::Table, names } => {
            for name in names {
                catalog.drop_table(name);
            }
        }
        Change::Drop { object: Object::Index, names } => {
            for name in names {
                catalog.drop_index(name);
            }
        }
        Change::Module { object: Object::View, name, bound_words: Some(words), tables, .. } => {
            for table in tables {
                catalog.add_bound_view(table, name, words.clone());
            }
        }
        Change::Rename { object, new_name, column: false } => catalog.rename_table(object, new_name),
        _ => {}
    }
}

fn column_facts(column: &ColumnDef) -> ColumnFacts {
    ColumnFacts {
        name: column.name.clone(),
        data_type: Some(column.data_type.to_string()),
        nullable: !column.not_null,
        has_default: column.default.is_some(),
    }
}

/// The warning for constraints added WITH NOCHECK and never validated in
/// their revision.
pub(crate) fn unvalidated_hit(table: &str, name: &str) -> Hit {
    hit(
        "mssql-add-constraint-nocheck",
        format!("`{name}` is added to `{table}` WITH NOCHECK and not validated: SQL Server marks it untrusted, and the optimizer ignores it."),
        "validate it in a later revision of its own (`ALTER TABLE … WITH CHECK CHECK CONSTRAINT …`, `op.validate_constraint(…)`): once one does, this finding is gone (or acknowledge it here)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Dialect;

    fn changes(sql: &str) -> Vec<Change> {
        let statements = crate::script::statements(Dialect::Mssql, sql).expect("tokenizes");
        read(&statements[0]).changes
    }

    #[test]
    fn read_sees_alter_column_type_and_nullability() {
        assert_eq!(
            changes("ALTER TABLE dbo.users ALTER COLUMN name nvarchar(200) NOT NULL"),
            [Change::AlterColumn {
                table: "dbo.users".into(),
                column: "name".into(),
                data_type: TypeName { base: "nvarchar".into(), args: vec!["200".into()] },
                nullable: Some(false),
            }]
        );
    }

    #[test]
    fn read_sees_online_index_options() {
        let read = changes("CREATE NONCLUSTERED INDEX ix ON t (a) INCLUDE (b) WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON)");
        let [Change::CreateIndex { online, .. }] = read.as_slice() else { panic!("not an index") };
        assert_eq!(*online, Online { online: true, resumable: true, low_priority: true });
    }

    #[test]
    fn read_takes_default_kind_from_the_ast_when_it_parses() {
        let read = changes("ALTER TABLE t ADD id uniqueidentifier NOT NULL DEFAULT NEWID()");
        let [Change::AddColumns { columns, .. }] = read.as_slice() else { panic!("not a column add") };
        assert_eq!(columns[0].default, Some(DefaultKind::PerRow));
        assert!(columns[0].not_null);
    }

    #[test]
    fn type_name_parses_lengths_and_max() {
        assert_eq!(TypeName::parse("NVARCHAR(MAX)").length(), None);
        assert_eq!(TypeName::parse("varchar").length(), Some(1));
        assert_eq!(TypeName::parse("[dbo].[nvarchar](50)").to_string(), "nvarchar(50)");
    }
}
