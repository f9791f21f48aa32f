//! What can be wrong with a `migrations/` folder, and where.
//!
//! Every error names a place as `path:line:column` (1-based, the way compilers
//! and editors print them) and says how to fix it. The build script prints one
//! `cargo::error=` line per error, so messages stay on one line.

use std::fmt;
use std::path::PathBuf;

/// A place in a migration file: `path:line:column`, all 1-based.
///
/// `path` is relative to the crate root (`migrations/1a2b3c4d5e6f_initial.rs`)
/// when the folder is inside the crate, so that messages read the same on
/// every machine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, relative to the crate root where possible, with `/` separators.
    pub path: String,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The start of a file: where errors about the file as a whole point.
    pub(crate) fn file(path: &str) -> Self {
        Self::new(path, 1, 1)
    }

    pub(crate) fn new(path: &str, line: usize, column: usize) -> Self {
        Self {
            path: path.to_owned(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// A value read from a migration file, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where the value starts.
    pub at: Location,
}

/// Which list of a revision names another revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Relation {
    /// `PARENTS` / `-- parents:`.
    Parent,
    /// `DEPENDS_ON` / `-- depends-on:`.
    DependsOn,
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Relation::Parent => "parent",
            Relation::DependsOn => "depends_on",
        })
    }
}

/// A literal of a Rust revision that does not end, by how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiteralKind {
    /// `"…"`.
    Str,
    /// `b"…"`.
    ByteStr,
    /// `c"…"`.
    CStr,
    /// `r"…"`, `r#"…"#`, with that many `#`.
    RawStr { hashes: usize },
    /// `br"…"`, `br#"…"#`.
    RawByteStr { hashes: usize },
    /// `cr"…"`, `cr#"…"#`.
    RawCStr { hashes: usize },
    /// `'…'` with an escape (`'\n'`, `'\u{1F600}'`).
    Char,
    /// `b'…'`.
    Byte,
}

impl LiteralKind {
    /// How to end the literal.
    fn fix(self) -> String {
        match self {
            LiteralKind::Str | LiteralKind::ByteStr | LiteralKind::CStr => {
                "end it with `\"` (a `\"` written `\\\"` does not end it: write a backslash as `\\\\`)"
                    .to_owned()
            }
            LiteralKind::RawStr { hashes }
            | LiteralKind::RawByteStr { hashes }
            | LiteralKind::RawCStr { hashes } => {
                format!("end it with `\"{}`", "#".repeat(hashes))
            }
            LiteralKind::Char | LiteralKind::Byte => "end it with `'`".to_owned(),
        }
    }
}

impl fmt::Display for LiteralKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LiteralKind::Str => "string literal",
            LiteralKind::ByteStr => "byte string literal",
            LiteralKind::CStr => "C string literal",
            LiteralKind::RawStr { .. } => "raw string literal",
            LiteralKind::RawByteStr { .. } => "raw byte string literal",
            LiteralKind::RawCStr { .. } => "raw C string literal",
            LiteralKind::Char => "character literal",
            LiteralKind::Byte => "byte literal",
        })
    }
}

/// One problem found while compiling a `migrations/` folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The build script runs outside cargo, or cargo did not set a variable.
    #[error(
        "{variable} is not set: call retort_build::compile from a build script, where cargo sets it"
    )]
    Environment { variable: &'static str },

    /// A `[migrate]` setting of the project (`retort.toml`, or `Cargo.toml`'s
    /// `[package.metadata.retort.migrate]`) that cannot be used.
    #[error("{file}: {key} {problem}", key = if .key.is_empty() { String::new() } else { format!("`{}`", .key) })]
    ProjectSetting { file: String, key: String, problem: String },

    /// A `sqlcmd` command an SQL revision may not hold (`:connect`, `!!`…).
    #[error(
        "{at}: sqlcmd command `{command}` is not supported in a revision: retort reads `:setvar`, `:r` and `:on error` only; remove the line, or do this work outside the migration"
    )]
    SqlcmdUnsupported { at: Location, command: String },

    /// A `sqlcmd` command whose arguments cannot be read.
    #[error("{at}: {problem}")]
    SqlcmdCommand { at: Location, problem: String },

    /// An `:r` line whose file cannot be read.
    #[error(
        "{at}: `:r {path}` cannot be read ({reason}): the path is relative to the folder of the file that holds the `:r` line"
    )]
    IncludeUnreadable { at: Location, path: String, reason: String },

    /// `:r` lines that include a file already being included.
    #[error("{at}: `:r` includes a file that is already being included: {chain}; remove one of these `:r` lines")]
    IncludeCycle { at: Location, chain: String },

    /// A `$(NAME)` that nothing defines, in a project that declares its
    /// variables.
    #[error(
        "{at}: variable `$({name})` is not defined: add `:setvar {name} value` to the script, or `{name} = \"value\"` (or `{name}` in `external`, to give it at run time) to [variables] in {file}"
    )]
    UndefinedVariable { at: Location, name: String, file: String },

    /// An object file (`objects/<name>.sql`) that does not hold one
    /// module's `CREATE`.
    #[error(
        "{at}: {problem}: an object file holds one `CREATE [OR ALTER | OR REPLACE] VIEW | PROCEDURE | FUNCTION | TRIGGER <name>` statement (on SQL Server one batch, without GO)"
    )]
    ObjectHeader { at: Location, problem: String },

    /// An object file whose header names another object than its file name.
    #[error(
        "{at}: the file is named for `{file_name}` but creates `{header_name}`: rename the file to `{header_name}.sql` (or `{header_name}.<dialect>.sql`), or fix the name in its CREATE"
    )]
    ObjectNameMismatch { at: Location, file_name: String, header_name: String },

    /// An object file with a dialect suffix retort does not know.
    #[error(
        "{at}: `.{suffix}.sql` is no dialect retort knows: name the file `<name>.sql` for every dialect, or `<name>.mssql.sql`, `<name>.postgres.sql` or `<name>.sqlite.sql` for one"
    )]
    ObjectDialect { at: Location, suffix: String },

    /// Two object files for the same object and dialect.
    #[error(
        "{at}: `{name}` is declared twice for {dialect} (also in {first}): keep one file per object and dialect"
    )]
    DuplicateObject { at: Location, name: String, dialect: String, first: String },

    /// The migrations folder does not exist.
    #[error(
        "{at}: migrations folder not found: create it (an empty folder with a .gitkeep is a valid, empty history), or pass its path to retort_build::compile"
    )]
    MissingFolder { at: Location },

    /// A folder or file could not be read.
    #[error("{at}: cannot read: {reason}")]
    Read { at: Location, reason: String },

    /// The generated file could not be written.
    #[error("{path}: cannot write the generated revision table: {reason}", path = .path.display())]
    Write { path: PathBuf, reason: String },

    /// A path is not valid UTF-8, which generated code cannot name.
    #[error("{at}: the path is not valid UTF-8: rename it (generated code names it in a string literal)")]
    PathNotUtf8 { at: Location },

    /// A file's content is not valid UTF-8.
    #[error("{at}: not valid UTF-8: save the file as UTF-8")]
    NotUtf8 { at: Location },

    /// An entry in the migrations folder that is no revision.
    #[error(
        "{at}: neither a Rust nor an SQL revision: rename it (`<id>_<slug>.rs`, or `<id>_<slug>.up.sql` with `.down.sql`), or list it in {ignore_file}"
    )]
    UnexpectedEntry { at: Location, ignore_file: String },

    /// Two revision files whose names differ only in case.
    #[error(
        "{at}: the name differs only in case from {first}: case-insensitive file systems (the default on macOS and Windows) cannot hold both, so a checkout there keeps only one; rename one of them"
    )]
    CaseCollision {
        at: Location,
        /// The other file, which sorts first.
        first: String,
    },

    /// A Rust revision that does not parse.
    #[error("{at}: not valid Rust: {reason}")]
    RustSyntax { at: Location, reason: String },

    /// A Rust revision that ends while a delimiter is open; `at` is the
    /// innermost open one.
    #[error(
        "{at}: not valid Rust: unclosed delimiter '{delimiter}' opened at line {line}, column {column}: add the matching '{close}' where its group ends",
        line = .at.line,
        column = .at.column,
        close = closing(*.delimiter)
    )]
    UnclosedDelimiter { at: Location, delimiter: char },

    /// A closing delimiter of a Rust revision with nothing open before it.
    #[error(
        "{at}: not valid Rust: unexpected closing delimiter '{delimiter}' at line {line}, column {column}: nothing is open there; remove it, or add the '{open}' it closes",
        line = .at.line,
        column = .at.column,
        open = opening(*.delimiter)
    )]
    UnexpectedClosingDelimiter { at: Location, delimiter: char },

    /// A closing delimiter of a Rust revision that does not match the
    /// innermost open one. `at` is the open one, which usually lacks its
    /// closing delimiter (as in `op.execute("…";` before the function's `}`),
    /// and is where rustc points too.
    #[error(
        "{at}: not valid Rust: mismatched delimiter: '{open}' at {line}:{column} closed by '{close}' at {closed_line}:{closed_column}: close the '{open}' with '{expected}' before {closed_line}:{closed_column}, or remove the '{close}' if it is a stray one",
        line = .at.line,
        column = .at.column,
        closed_line = .closed.line,
        closed_column = .closed.column,
        expected = closing(*.open)
    )]
    MismatchedDelimiter {
        at: Location,
        open: char,
        close: char,
        closed: Location,
    },

    /// A string or character literal of a Rust revision that the file ends
    /// inside; `at` is where it starts.
    #[error(
        "{at}: not valid Rust: unterminated {kind} starting at line {line}, column {column}: {fix}",
        line = .at.line,
        column = .at.column,
        fix = .kind.fix()
    )]
    UnterminatedLiteral { at: Location, kind: LiteralKind },

    /// A block comment of a Rust revision that the file ends inside; `at`
    /// is where the outermost one starts.
    #[error(
        "{at}: not valid Rust: unterminated block comment starting at line {line}, column {column}: end it with `*/` (block comments nest, so each `/*` inside it needs its own `*/`)",
        line = .at.line,
        column = .at.column
    )]
    UnterminatedComment { at: Location },

    /// A required constant of a Rust revision is missing.
    #[error("{at}: missing `{name}`: add `pub const {name}: {ty} = {example};`")]
    MissingConstant {
        at: Location,
        name: &'static str,
        ty: &'static str,
        example: &'static str,
    },

    /// A retort constant declared with the wrong type.
    #[error("{at}: `{name}` must be declared as `pub const {name}: {ty} = {example};`")]
    ConstantType {
        at: Location,
        name: &'static str,
        ty: &'static str,
        example: &'static str,
    },

    /// A retort constant whose value is not the literal retort-build can read.
    #[error(
        "{at}: `{name}` must be {expected}, e.g. `{example}`: retort-build reads it from the source without compiling it"
    )]
    ConstantValue {
        at: Location,
        name: &'static str,
        expected: &'static str,
        example: &'static str,
    },

    /// A retort constant defined twice in one file.
    #[error("{at}: `{name}` is defined twice (first on line {first_line}): keep one")]
    DuplicateConstant {
        at: Location,
        name: &'static str,
        first_line: usize,
    },

    /// A Rust revision without `upgrade`.
    #[error("{at}: no upgrade: add `pub fn upgrade(op: &mut Operations)`")]
    MissingUpgrade { at: Location },

    /// `upgrade` or `downgrade` with a signature the revision table cannot store.
    #[error("{at}: `{name}` must be `pub fn {name}(op: &mut Operations)`: {problem}")]
    FunctionSignature {
        at: Location,
        name: &'static str,
        problem: &'static str,
    },

    /// A Rust revision without a downgrade whose upgrade calls an operation
    /// that cannot be reversed automatically (`at` is that call).
    #[error(
        "{at}: no downgrade, and `{operation}` cannot be reversed automatically: add `pub fn downgrade(op: &mut Operations)` or declare `pub const IRREVERSIBLE: &str = \"why\";`"
    )]
    MissingDowngrade { at: Location, operation: String },

    /// A transactional Rust revision that builds an index online (`at` is
    /// the `.online()`, `.resumable()` or `.wait_at_low_priority(…)` call).
    #[error(
        "{at}: `.{call}()` builds an index online, which cannot run inside a transaction (PostgreSQL refuses CREATE \
         INDEX CONCURRENTLY there, SQL Server RESUMABLE), and this revision runs in one: declare \
         `pub const TRANSACTIONAL: bool = false;` (best with the index alone in the revision), or remove `.{call}()`"
    )]
    OnlineInTransaction { at: Location, call: String },

    /// A Rust revision whose `downgrade` records no operation while its
    /// `upgrade` does: a downgrade would silently do nothing.
    #[error(
        "{at}: `downgrade` records no operations, so downgrading this revision would silently leave its changes in \
         place: record the operations that undo `upgrade` (in reverse order), remove `downgrade` to have retort derive \
         it, or remove it and declare `pub const IRREVERSIBLE: &str = \"why\";`"
    )]
    EmptyDowngrade { at: Location },

    /// A Rust revision that declares itself irreversible and still has a downgrade.
    #[error(
        "{at}: `downgrade` contradicts `IRREVERSIBLE`: remove the downgrade, or remove IRREVERSIBLE if the revision can be undone"
    )]
    IrreversibleWithDowngrade { at: Location },

    /// The id in the file name differs from the id declared inside.
    #[error(
        "{at}: the file name says revision {file_id} but the file declares {revision}: rename the file to {suggested}, or fix the declared id"
    )]
    FileNameMismatch {
        at: Location,
        revision: String,
        file_id: String,
        suggested: String,
    },

    /// A leading `--` line of an SQL revision that is not `-- key: value`.
    #[error(
        "{at}: header line is not `-- key: value`: put free comments after a blank line that ends the header"
    )]
    HeaderLine { at: Location },

    /// A header key retort does not know.
    #[error(
        "{at}: unknown header key `{key}`{hint}: known keys are revision, parents, message, branch-labels, depends-on, transactional, irreversible, lock-timeout",
        hint = .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    )]
    UnknownHeaderKey {
        at: Location,
        key: String,
        suggestion: Option<&'static str>,
    },

    /// A header key given twice.
    #[error("{at}: header key `{key}` is repeated (first on line {first_line}): keep one")]
    DuplicateHeaderKey {
        at: Location,
        key: &'static str,
        first_line: usize,
    },

    /// A required header key is missing.
    #[error("{at}: missing header line `-- {key}: {example}`: the header is the file's leading `-- key: value` lines")]
    MissingHeaderKey {
        at: Location,
        key: &'static str,
        example: &'static str,
    },

    /// A header value of the wrong form.
    #[error("{at}: `{key}` {problem}")]
    HeaderValue {
        at: Location,
        key: &'static str,
        problem: String,
    },

    /// An SQL revision without a down script that does not say why.
    #[error(
        "{at}: no down script: add {expected_down}, or declare `-- irreversible: why` in the header"
    )]
    MissingDownFile { at: Location, expected_down: String },

    /// A down script with nothing but whitespace and comments, for an up
    /// script that does something: a downgrade would silently do nothing.
    #[error(
        "{at}: the down script has no statements (only whitespace and comments), so downgrading this revision would \
         silently leave its changes in place: write the statements that undo {up}, or delete this file and declare \
         `-- irreversible: why` in the header of {up}"
    )]
    EmptyDownScript { at: Location, up: String },

    /// A down script without its up script.
    #[error(
        "{at}: down script without an up script: add {expected_up} with the revision header, or delete this file"
    )]
    DownWithoutUp { at: Location, expected_up: String },

    /// An SQL revision that declares itself irreversible and still has a down script.
    #[error(
        "{at}: `irreversible` contradicts {down}: delete {down}, or remove the irreversible line if the revision can be undone"
    )]
    IrreversibleWithDownFile { at: Location, down: String },

    /// A revision id retort cannot use.
    #[error(
        "{at}: revision id \"{revision}\" {problem}: use at least 4 characters of A-Z, a-z, 0-9 and _ (such as 12 hex digits); @ - + : are reserved for targets like `branch@head` and `-1`"
    )]
    InvalidId {
        at: Location,
        revision: String,
        problem: String,
    },

    /// Two files declare the same revision id, or ids that differ only in
    /// case.
    #[error(
        "{at}: revision id {revision} is already declared by {first}{spelling}: give one of the two a new id (and update the parents that name it)",
        spelling = case_note(.revision, .first_revision)
    )]
    DuplicateId {
        at: Location,
        revision: String,
        first: Location,
        /// The id as the first file spells it.
        first_revision: String,
    },

    /// A revision names the same revision twice in one list.
    #[error("{at}: revision {revision} names {reference} twice as {relation}: keep one")]
    DuplicateReference {
        at: Location,
        revision: String,
        reference: String,
        relation: Relation,
    },

    /// A parent or depends_on that no file defines.
    #[error(
        "{at}: revision {revision} names {reference} as {relation}, but no revision has that id: fix the id, or restore the missing revision file"
    )]
    UnknownReference {
        at: Location,
        revision: String,
        reference: String,
        relation: Relation,
    },

    /// Revisions that are (transitively) their own ancestors.
    #[error(
        "{at}: revisions form a cycle: {path} (each names the next as parent or depends_on): a revision may only name older revisions",
        path = .cycle.join(" -> ")
    )]
    Cycle {
        at: Location,
        revision: String,
        /// The ids around the cycle, starting and ending with the same id.
        cycle: Vec<String>,
    },

    /// A branch label that targets cannot name.
    #[error("{at}: branch label \"{label}\" of revision {revision} {problem}")]
    InvalidBranchLabel {
        at: Location,
        revision: String,
        label: String,
        problem: String,
    },

    /// Two revisions declare the same branch label.
    #[error(
        "{at}: branch label {label} of revision {revision} is already declared by revision {first_revision} at {first}: a label names one branch, rename one"
    )]
    DuplicateBranchLabel {
        at: Location,
        revision: String,
        label: String,
        first_revision: String,
        first: Location,
    },
}

impl Error {
    /// Where the problem is, for every error that has a place in a file.
    pub fn location(&self) -> Option<&Location> {
        use Error::*;
        match self {
            Environment { .. } | Write { .. } | ProjectSetting { .. } => None,
            MissingFolder { at }
            | Read { at, .. }
            | PathNotUtf8 { at }
            | NotUtf8 { at }
            | UnexpectedEntry { at, .. }
            | CaseCollision { at, .. }
            | RustSyntax { at, .. }
            | UnclosedDelimiter { at, .. }
            | UnexpectedClosingDelimiter { at, .. }
            | MismatchedDelimiter { at, .. }
            | UnterminatedLiteral { at, .. }
            | UnterminatedComment { at }
            | MissingConstant { at, .. }
            | ConstantType { at, .. }
            | ConstantValue { at, .. }
            | DuplicateConstant { at, .. }
            | MissingUpgrade { at }
            | FunctionSignature { at, .. }
            | MissingDowngrade { at, .. }
            | OnlineInTransaction { at, .. }
            | IrreversibleWithDowngrade { at }
            | EmptyDowngrade { at }
            | FileNameMismatch { at, .. }
            | HeaderLine { at }
            | UnknownHeaderKey { at, .. }
            | DuplicateHeaderKey { at, .. }
            | MissingHeaderKey { at, .. }
            | HeaderValue { at, .. }
            | MissingDownFile { at, .. }
            | EmptyDownScript { at, .. }
            | SqlcmdUnsupported { at, .. }
            | SqlcmdCommand { at, .. }
            | IncludeUnreadable { at, .. }
            | IncludeCycle { at, .. }
            | UndefinedVariable { at, .. }
            | ObjectHeader { at, .. }
            | ObjectNameMismatch { at, .. }
            | ObjectDialect { at, .. }
            | DuplicateObject { at, .. }
            | DownWithoutUp { at, .. }
            | IrreversibleWithDownFile { at, .. }
            | InvalidId { at, .. }
            | DuplicateId { at, .. }
            | DuplicateReference { at, .. }
            | UnknownReference { at, .. }
            | Cycle { at, .. }
            | InvalidBranchLabel { at, .. }
            | DuplicateBranchLabel { at, .. } => Some(at),
        }
    }
}

/// The delimiter that closes `open`.
pub(crate) fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// The delimiter that `close` closes.
pub(crate) fn opening(close: char) -> char {
    match close {
        ')' => '(',
        ']' => '[',
        _ => '{',
    }
}

/// What a duplicate id message adds when the two ids differ in case.
fn case_note(revision: &str, first_revision: &str) -> String {
    if revision == first_revision {
        return String::new();
    }
    format!(
        " as {first_revision} (ids that differ only in case count as the same: file names on macOS and Windows, and SQL Server's default collation, ignore case)"
    )
}

/// Every error found in one compilation, in file order.
///
/// retort-build reports all of them at once rather than stopping at the first,
/// so that one build shows everything a merge broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(Vec<Error>);

impl Errors {
    /// Wraps a list that the caller has checked is not empty.
    pub(crate) fn new(errors: Vec<Error>) -> Self {
        Self(errors)
    }

    /// The errors, in the order they were found.
    pub fn as_slice(&self) -> &[Error] {
        &self.0
    }

    /// The errors, in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.0.iter()
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (never, for an `Errors` returned by this crate).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors, by value.
    pub fn into_vec(self) -> Vec<Error> {
        self.0
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Self(vec![error])
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Something worth telling that does not stop the build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// The graph has more than one head that no branch label declares.
    #[error(
        "several heads: {list}; run `{merge}`",
        list = .heads.iter().map(|h| format!("{} ({})", h.value, h.at.path)).collect::<Vec<_>>().join(", "),
        merge = crate::hint::MERGE_HEADS
    )]
    SeveralHeads {
        /// The undeclared heads, by id, each with its revision's location.
        heads: Vec<Located<String>>,
    },
}
