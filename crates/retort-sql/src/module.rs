//! A module's header: the `CREATE [OR ALTER | OR REPLACE] VIEW | PROCEDURE |
//! PROC | FUNCTION | TRIGGER name` that opens a view's, routine's or
//! trigger's text, read token by token (so that `[Sales by Region]`,
//! `"Best Regions"` and `dbo.GetOrders` are one name each, and a comment
//! before the `CREATE` is skipped). The build script reads an object file's
//! kind and name from it; the runtime rewrites the `CREATE` of a module it
//! replaces (`CREATE OR ALTER` on SQL Server, `CREATE OR REPLACE` on
//! PostgreSQL) at the byte range it gives, never by searching the text.

use std::ops::Range;

use crate::{Dialect, Lexed, SqlToken};

/// What a module's text creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModuleKind {
    /// `CREATE VIEW`.
    View,
    /// `CREATE PROCEDURE` (or `PROC`).
    Procedure,
    /// `CREATE FUNCTION`.
    Function,
    /// `CREATE TRIGGER`.
    Trigger,
}

impl ModuleKind {
    /// The keyword, as `DROP <keyword>` writes it.
    pub fn keyword(self) -> &'static str {
        match self {
            ModuleKind::View => "VIEW",
            ModuleKind::Procedure => "PROCEDURE",
            ModuleKind::Function => "FUNCTION",
            ModuleKind::Trigger => "TRIGGER",
        }
    }
}

/// A module's header as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleHeader {
    /// What it creates.
    pub kind: ModuleKind,
    /// Its name's parts, without quotes (`["dbo", "Sales by Region"]`).
    pub name: Vec<String>,
    /// The 1-based line of the name.
    pub line: u32,
    /// From the `CREATE` to the end of the kind keyword: what a rewrite of
    /// the header replaces.
    pub create: Range<usize>,
    /// Whether it says `OR ALTER` or `OR REPLACE` already.
    pub or_replace: bool,
    /// Whether it is an `ALTER` rather than a `CREATE` (SQL Server keeps
    /// the text of a module's last `ALTER`).
    pub alter: bool,
    /// A trigger's table (the name after `ON`), as parts without quotes.
    pub table: Option<Vec<String>>,
}

impl ModuleHeader {
    /// The name's parts joined by dots, as a file name writes it
    /// (`dbo.Sales by Region`).
    pub fn dotted_name(&self) -> String {
        self.name.join(".")
    }
}

/// Why a text has no module header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderProblem {
    /// The 1-based line where reading stopped.
    pub line: u32,
    /// What was found instead, for a message.
    pub problem: String,
}

/// Reads the header of `text` in `dialect`: the first statement must be
/// `CREATE [OR ALTER | OR REPLACE] [TEMP | TEMPORARY] VIEW | PROCEDURE |
/// PROC | FUNCTION | TRIGGER [IF NOT EXISTS] name` (or `ALTER <kind>
/// name`, as SQL Server keeps an altered module's text: see
/// [`ModuleHeader::alter`]).
///
/// ```
/// use retort_sql::{module_header, Dialect, ModuleKind};
/// let header = module_header(Dialect::Mssql, "-- orders\nCREATE PROC dbo.[Get Orders] AS SELECT 1").unwrap();
/// assert_eq!((header.kind, header.dotted_name(), header.line), (ModuleKind::Procedure, "dbo.Get Orders".to_owned(), 2));
/// ```
pub fn module_header(dialect: Dialect, text: &str) -> Result<ModuleHeader, HeaderProblem> {
    let lexed = Lexed::new(dialect, text);
    let tokens: Vec<&crate::Token> = lexed.tokens().iter().filter(|t| !t.is_trivia()).collect();
    let last_line = tokens.last().map_or(1, |t| t.line);
    let problem = |at: usize, what: &str| HeaderProblem {
        line: tokens.get(at).map_or(last_line, |t| t.line),
        problem: match tokens.get(at) {
            Some(token) => format!("{what}, found `{}`", token.text(text)),
            None => format!("{what}, found the end of the text"),
        },
    };
    let mut at = 0;
    let alter = tokens.first().is_some_and(|t| t.is("ALTER"));
    if !alter && !tokens.first().is_some_and(|t| t.is("CREATE")) {
        return Err(problem(0, "expected `CREATE`"));
    }
    let start = tokens[0].start;
    at += 1;
    let mut or_replace = false;
    if !alter && tokens.get(at).is_some_and(|t| t.is("OR")) {
        if !tokens.get(at + 1).is_some_and(|t| t.is("ALTER") || t.is("REPLACE")) {
            return Err(problem(at + 1, "expected `ALTER` or `REPLACE` after `CREATE OR`"));
        }
        or_replace = true;
        at += 2;
    }
    while tokens.get(at).is_some_and(|t| t.is("TEMP") || t.is("TEMPORARY")) {
        at += 1;
    }
    let kind = match tokens.get(at) {
        Some(t) if t.is("VIEW") => ModuleKind::View,
        Some(t) if t.is("PROCEDURE") || t.is("PROC") => ModuleKind::Procedure,
        Some(t) if t.is("FUNCTION") => ModuleKind::Function,
        Some(t) if t.is("TRIGGER") => ModuleKind::Trigger,
        _ => return Err(problem(at, "expected VIEW, PROCEDURE, FUNCTION or TRIGGER")),
    };
    let create = start..tokens[at].end;
    at += 1;
    if tokens.get(at).is_some_and(|t| t.is("IF")) {
        at += 3;
    }
    let line = tokens.get(at).map_or(last_line, |t| t.line);
    let name = dotted(&tokens, &mut at).ok_or_else(|| problem(at, "expected the module's name"))?;
    let table = if kind == ModuleKind::Trigger {
        // The first `ON` after the name: `BEFORE INSERT ON t`, `ON t AFTER …`.
        match tokens.iter().skip(at).position(|t| t.is("ON")) {
            Some(on) => {
                let mut after = at + on + 1;
                dotted(&tokens, &mut after)
            }
            None => None,
        }
    } else {
        None
    };
    Ok(ModuleHeader { kind, name, line, create, or_replace, alter, table })
}

/// A name of parts joined by `.` from `tokens[*at]`, moving `at` past it.
fn dotted(tokens: &[&crate::Token], at: &mut usize) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    loop {
        parts.push(tokens.get(*at)?.ident()?.to_owned());
        *at += 1;
        if !matches!(tokens.get(*at).map(|t| &t.token), Some(SqlToken::Period)) {
            return Some(parts);
        }
        *at += 1;
    }
}

/// A module's name as a file name of `objects/` writes it: `%` and what
/// some system's file names cannot hold (`/ \ : * ? " < >|` and NUL) as
/// `%XX`, so that every name has one file name and back
/// ([`module_name_of_file`]).
///
/// ```
/// assert_eq!(retort_sql::module_file_name("Sales/Region: 50%"), "Sales%2FRegion%3A 50%25");
/// ```
pub fn module_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '%' | '/' | '\\' | '\0' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
            // Every such character is ASCII: one byte, two hex digits.
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The module name a file name (without `.sql` and dialect) stands for;
/// `None` where a `%` is not followed by two hex digits or the bytes are
/// not UTF-8.
pub fn module_name_of_file(stem: &str) -> Option<String> {
    let bytes = stem.as_bytes();
    let mut name = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = stem.get(at + 1..at + 3)?;
            name.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            name.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_header_reads_kind_quoted_names_and_the_create_range() {
        let text = "/* v */ create or alter view dbo.[Sales by Region] as select 1";
        let header = module_header(Dialect::Mssql, text).unwrap();
        assert_eq!(header.kind, ModuleKind::View);
        assert_eq!(header.name, ["dbo", "Sales by Region"]);
        assert!(header.or_replace);
        assert_eq!(&text[header.create.clone()], "create or alter view");
        let header = module_header(Dialect::Postgres, "CREATE OR REPLACE FUNCTION public.\"Count\"() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql").unwrap();
        assert_eq!((header.kind, header.name), (ModuleKind::Function, vec!["public".to_owned(), "Count".to_owned()]));
        let header = module_header(Dialect::Sqlite, "CREATE TRIGGER IF NOT EXISTS touch AFTER UPDATE ON \"todo items\" BEGIN SELECT 1; END").unwrap();
        assert_eq!(header.name, ["touch"]);
        assert_eq!(header.table, Some(vec!["todo items".to_owned()]));
        let text = "ALTER PROCEDURE dbo.p AS SELECT 1";
        let header = module_header(Dialect::Mssql, text).unwrap();
        assert!(header.alter && !header.or_replace);
        assert_eq!(&text[header.create.clone()], "ALTER PROCEDURE");
    }

    #[test]
    fn module_header_fails_with_the_line_when_the_text_creates_no_module() {
        let problem = module_header(Dialect::Mssql, "-- nothing\n\nCREATE TABLE t (id int)").unwrap_err();
        assert_eq!(problem.line, 3);
        assert!(problem.problem.contains("found `TABLE`"), "{problem:?}");
        assert_eq!(module_header(Dialect::Sqlite, "SELECT 1").unwrap_err().line, 1);
        assert!(module_header(Dialect::Mssql, "CREATE VIEW").unwrap_err().problem.contains("end of the text"));
    }
}
