//! Reading a Rust revision (`<id>_<slug>.rs`) without compiling it.
//!
//! The build script needs the revision's id, parents and message before the
//! crate is compiled, so it parses the file with `syn` and reads the constants'
//! literal values. That is why they must be literals: a value computed by
//! Rust code would only exist after compilation.

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Item, ItemFn, Lit, ReturnType, Safety, Type, Visibility};

use crate::checksum::rust_checksum;
use crate::error::{Error, Located, Location};
use crate::lex;
use crate::revision::{ParsedRevision, RevisionKind};
use crate::source_file::{FileFailure, SourceFile};

/// The form a retort constant must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `&str` = a string literal.
    Str,
    /// `&[&str]` = `&[..]` of string literals.
    StrList,
    /// `bool` = `true` or `false`.
    Bool,
}

impl Shape {
    fn ty(self) -> &'static str {
        match self {
            Shape::Str => "&str",
            Shape::StrList => "&[&str]",
            Shape::Bool => "bool",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Shape::Str => "a string literal",
            Shape::StrList => "`&[..]` of string literals",
            Shape::Bool => "`true` or `false`",
        }
    }
}

/// A constant retort reads. Other constants are the user's own and ignored.
struct Spec {
    name: &'static str,
    shape: Shape,
    required: bool,
    /// The value in the fix hint.
    example: &'static str,
    /// The whole declaration in the fix hint.
    declaration: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        name: "REVISION",
        shape: Shape::Str,
        required: true,
        example: "\"4c1d2e3f5a6b\"",
        declaration: "pub const REVISION: &str = \"4c1d2e3f5a6b\";",
    },
    Spec {
        name: "PARENTS",
        shape: Shape::StrList,
        required: true,
        example: "&[\"1a2b3c4d5e6f\"]",
        declaration: "pub const PARENTS: &[&str] = &[\"1a2b3c4d5e6f\"];",
    },
    Spec {
        name: "MESSAGE",
        shape: Shape::Str,
        required: true,
        example: "\"add phone number to users\"",
        declaration: "pub const MESSAGE: &str = \"add phone number to users\";",
    },
    Spec {
        name: "BRANCH_LABELS",
        shape: Shape::StrList,
        required: false,
        example: "&[\"billing\"]",
        declaration: "pub const BRANCH_LABELS: &[&str] = &[\"billing\"];",
    },
    Spec {
        name: "DEPENDS_ON",
        shape: Shape::StrList,
        required: false,
        example: "&[\"9f9f9f9f9f9f\"]",
        declaration: "pub const DEPENDS_ON: &[&str] = &[\"9f9f9f9f9f9f\"];",
    },
    Spec {
        name: "TRANSACTIONAL",
        shape: Shape::Bool,
        required: false,
        example: "false",
        declaration: "pub const TRANSACTIONAL: bool = false;",
    },
    Spec {
        name: "IRREVERSIBLE",
        shape: Shape::Str,
        required: false,
        example: "\"drops the legacy table\"",
        declaration: "pub const IRREVERSIBLE: &str = \"drops the legacy table\";",
    },
];

/// A constant's value as read from the source.
#[derive(Debug)]
enum Value {
    Str(Located<String>),
    List(Vec<Located<String>>),
    Bool(bool),
}

/// Parses one Rust revision, collecting every problem in the file.
pub(crate) fn parse(file: &SourceFile) -> Result<ParsedRevision, FileFailure> {
    let text = file.text()?;
    let ast = syn::parse_file(text).map_err(|error| syntax_error(&file.display, text, &error))?;

    let mut errors = Vec::new();
    let mut items = read_items(&file.display, &ast.items, &mut errors);
    errors.extend(missing_constants(&file.display, &items.declared));
    let constants = Constants::take(&mut items.values);
    errors.extend(constants.blank_irreversible());
    if constants.transactional {
        let bodies = [items.upgrade, items.downgrade].into_iter().flatten();
        errors.extend(bodies.filter_map(|function| {
            let (call, span) = first_online_call(&function.block)?;
            Some(Error::OnlineInTransaction { at: location(&file.display, span), call })
        }));
    }
    errors.extend(check_functions(
        &file.display,
        &items,
        constants.irreversible.as_ref(),
    ));
    if let Some(id) = &constants.id {
        errors.extend(file.check_name(id, ".rs"));
    }
    revision(file, constants, items.downgrade.is_some(), errors)
}

/// The retort constants and functions a file declares, before any check
/// that looks at several of them.
struct Items<'a> {
    /// Where each retort constant was declared (its line), even when its
    /// value was wrong, so that a malformed constant is not also reported
    /// as missing.
    declared: BTreeMap<&'static str, usize>,
    /// The constants whose values could be read.
    values: BTreeMap<&'static str, Value>,
    upgrade: Option<&'a ItemFn>,
    downgrade: Option<&'a ItemFn>,
}

/// Reads the file's items, adding each duplicate or malformed constant to
/// `errors`; the user's own items are ignored.
fn read_items<'a>(path: &str, items: &'a [Item], errors: &mut Vec<Error>) -> Items<'a> {
    let mut found = Items {
        declared: BTreeMap::new(),
        values: BTreeMap::new(),
        upgrade: None,
        downgrade: None,
    };
    for item in items {
        match item {
            Item::Const(item) => {
                let Some(spec) = SPECS.iter().find(|spec| item.ident == spec.name) else {
                    continue;
                };
                let at = location(path, item.ident.span());
                if let Some(&first_line) = found.declared.get(spec.name) {
                    errors.push(Error::DuplicateConstant {
                        at,
                        name: spec.name,
                        first_line,
                    });
                    continue;
                }
                found.declared.insert(spec.name, at.line);
                match read_constant(path, spec, &item.ty, &item.expr) {
                    Ok(value) => {
                        found.values.insert(spec.name, value);
                    }
                    Err(mut bad) => errors.append(&mut bad),
                }
            }
            Item::Fn(item) if item.sig.ident == "upgrade" => found.upgrade = Some(item),
            Item::Fn(item) if item.sig.ident == "downgrade" => found.downgrade = Some(item),
            _ => {}
        }
    }
    found
}

/// An error at the file's start for each required constant not declared.
fn missing_constants(path: &str, declared: &BTreeMap<&'static str, usize>) -> Vec<Error> {
    SPECS
        .iter()
        .filter(|spec| spec.required && !declared.contains_key(spec.name))
        .map(|spec| Error::MissingConstant {
            at: Location::file(path),
            name: spec.name,
            ty: spec.shape.ty(),
            example: spec.example,
        })
        .collect()
}

/// The values of the retort constants, with the defaults of optional ones;
/// `None` where a required constant is missing or malformed (already
/// reported).
struct Constants {
    id: Option<Located<String>>,
    parents: Option<Vec<Located<String>>>,
    message: Option<Located<String>>,
    branch_labels: Vec<Located<String>>,
    depends_on: Vec<Located<String>>,
    transactional: bool,
    irreversible: Option<Located<String>>,
}

impl Constants {
    fn take(values: &mut BTreeMap<&'static str, Value>) -> Self {
        Constants {
            id: take_str(values, "REVISION"),
            parents: take_list(values, "PARENTS"),
            message: take_str(values, "MESSAGE"),
            branch_labels: take_list(values, "BRANCH_LABELS").unwrap_or_default(),
            depends_on: take_list(values, "DEPENDS_ON").unwrap_or_default(),
            transactional: match values.remove("TRANSACTIONAL") {
                Some(Value::Bool(value)) => value,
                _ => true,
            },
            irreversible: take_str(values, "IRREVERSIBLE"),
        }
    }

    /// An empty reason would leave the person who meets the refusal to
    /// downgrade with no explanation.
    fn blank_irreversible(&self) -> Option<Error> {
        let reason = self.irreversible.as_ref()?;
        if !reason.value.trim().is_empty() {
            return None;
        }
        Some(Error::ConstantValue {
            at: reason.at.clone(),
            name: "IRREVERSIBLE",
            expected: "a string literal that says why the revision cannot be undone",
            example: "pub const IRREVERSIBLE: &str = \"drops the legacy table\";",
        })
    }
}

/// The problems of `upgrade` and `downgrade`: a missing upgrade, a wrong
/// signature, and a downgrade that is missing or contradicts IRREVERSIBLE.
fn check_functions(
    path: &str,
    items: &Items<'_>,
    irreversible: Option<&Located<String>>,
) -> Vec<Error> {
    let mut errors = Vec::new();
    match items.upgrade {
        Some(function) => errors.extend(check_signature(path, "upgrade", function)),
        None => errors.push(Error::MissingUpgrade {
            at: Location::file(path),
        }),
    }
    if let Some(function) = items.downgrade {
        errors.extend(check_signature(path, "downgrade", function));
    }
    errors.extend(check_reversibility(
        path,
        irreversible,
        items.upgrade,
        items.downgrade,
    ));
    errors
}

/// The revision, when the file had no error; else the errors, with the id
/// when it could be read so that validation does not call it unknown.
fn revision(
    file: &SourceFile,
    constants: Constants,
    has_downgrade: bool,
    errors: Vec<Error>,
) -> Result<ParsedRevision, FileFailure> {
    match (constants.id, constants.parents, constants.message) {
        (Some(id), Some(parents), Some(message)) if errors.is_empty() => Ok(ParsedRevision {
            id,
            parents,
            depends_on: constants.depends_on,
            branch_labels: constants.branch_labels,
            message: message.value,
            transactional: constants.transactional,
            irreversible: constants.irreversible.map(|reason| reason.value),
            checksum: rust_checksum(&file.bytes),
            source: file.display.clone(),
            kind: RevisionKind::Rust {
                file: file.absolute.clone(),
                has_downgrade,
            },
        }),
        (id, ..) => Err(FileFailure {
            errors,
            revision: id.map(|id| id.value),
        }),
    }
}

/// What a lexer failure that [`lex`] cannot explain says: the lexer stopped
/// at something that is no Rust token.
const UNREADABLE_TOKEN: &str = "no Rust token starts here: a malformed literal (an unknown escape such as `\\q`, a character literal holding more than one character) or a character Rust does not allow; fix or remove it";

/// The error for a file that syn cannot parse.
///
/// When the file cannot even be split into tokens, syn's error is
/// proc-macro2's `LexError`, which says only "cannot parse string into
/// token stream". The file is then lexed again to tell that case apart (on
/// this cold path only) and [`lex::find_problem`] names the reason.
fn syntax_error(path: &str, text: &str, error: &syn::Error) -> Error {
    let Err(lex_error) = text.parse::<proc_macro2::TokenStream>() else {
        return Error::RustSyntax {
            at: location(path, error.span()),
            reason: error.to_string(),
        };
    };
    let stopped = location(path, lex_error.span());
    match lex::find_problem(path, text) {
        // The scan follows the lexer's rules, so it stops where the lexer
        // did; should the two ever disagree, the scan is explaining some
        // other place, and the lexer's is the one to report.
        Some((problem, stop)) if stop == stopped => problem,
        _ => Error::RustSyntax {
            at: stopped,
            reason: UNREADABLE_TOKEN.to_owned(),
        },
    }
}

/// Whether the revision can be undone, or says why not.
///
/// This is the one place that decides when a missing `downgrade` is an
/// error: when the upgrade calls an operation whose reverse the runtime
/// cannot derive (see [`first_irreversible_call`]). Otherwise the runtime
/// derives the downgrade from the recorded operations.
fn check_reversibility(
    path: &str,
    irreversible: Option<&Located<String>>,
    upgrade: Option<&ItemFn>,
    downgrade: Option<&ItemFn>,
) -> Option<Error> {
    match (irreversible, downgrade) {
        (Some(_), Some(function)) => Some(Error::IrreversibleWithDowngrade {
            at: location(path, function.sig.ident.span()),
        }),
        // A downgrade that records nothing reverts nothing: a downgrade would
        // report the revision reverted and leave its changes in place. Both
        // empty is a revision that does nothing (a merge, say).
        (None, Some(function)) if records_nothing(&function.block) && !records_nothing(&upgrade?.block) => {
            Some(Error::EmptyDowngrade {
                at: location(path, function.sig.ident.span()),
            })
        }
        (None, None) => {
            let (operation, span) = first_irreversible_call(&upgrade?.block)?;
            Some(Error::MissingDowngrade {
                at: location(path, span),
                operation,
            })
        }
        _ => None,
    }
}

/// Whether a function body certainly records no operation: it is empty, or
/// only discards its argument (`let _ = op;`, what `new-revision` writes).
/// A body that records nothing by other means (a condition, a helper) is
/// not seen here.
fn records_nothing(body: &syn::Block) -> bool {
    body.stmts.iter().all(|statement| match statement {
        syn::Stmt::Local(local) => {
            matches!(local.pat, syn::Pat::Wild(_))
                && local.init.as_ref().is_some_and(|init| {
                    init.diverge.is_none() && matches!(&*init.expr, syn::Expr::Path(path) if path.path.get_ident().is_some())
                })
        }
        _ => false,
    })
}

/// Operations whose reverse cannot be derived: raw SQL, inserted rows, and
/// the drops that do not record what they drop (their `*_with` forms do,
/// and are reversible).
const IRREVERSIBLE_OPERATIONS: &[&str] = &[
    "execute",
    "execute_per_dialect",
    "bulk_insert",
    "drop_table",
    "drop_column",
    "drop_index",
    "drop_constraint",
    "drop_view",
];

/// The first method call in `body` that makes a derived downgrade
/// impossible, with its position: a call to one of
/// [`IRREVERSIBLE_OPERATIONS`], or an `alter_column` whose statement
/// calls no `existing_*` method.
///
/// The rule reads tokens, not types, and stays deliberately simple: the
/// runtime check is exact (an `alter_column` must give the existing value
/// of each thing it changes) and names the operation when a downgrade
/// runs; this one catches the common mistakes at build time.
fn first_irreversible_call(body: &syn::Block) -> Option<(String, Span)> {
    use proc_macro2::{Delimiter, TokenTree};
    use quote::ToTokens;

    fn scan(tokens: Vec<TokenTree>) -> Option<(String, Span)> {
        // Statements at this level end at `;`; `alter_column` is judged by
        // the rest of its statement.
        let mut pending_alter: Option<Span> = None;
        for (at, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => {
                    if let Some(found) = scan(group.stream().into_iter().collect()) {
                        return Some(found);
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == ';' => {
                    if let Some(span) = pending_alter.take() {
                        return Some(("alter_column".to_owned(), span));
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == '.' => {
                    let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(args))) =
                        (tokens.get(at + 1), tokens.get(at + 2))
                    else {
                        continue;
                    };
                    if args.delimiter() != Delimiter::Parenthesis {
                        continue;
                    }
                    let name = name.to_string();
                    if IRREVERSIBLE_OPERATIONS.contains(&name.as_str()) {
                        return Some((name, tokens[at + 1].span()));
                    }
                    if name == "alter_column" {
                        pending_alter = Some(tokens[at + 1].span());
                    } else if name.starts_with("existing_") {
                        pending_alter = None;
                    }
                }
                _ => {}
            }
        }
        pending_alter.map(|span| ("alter_column".to_owned(), span))
    }

    scan(body.to_token_stream().into_iter().collect())
}

/// The index builder's calls that make a build online.
const ONLINE_CALLS: &[&str] = &["online", "resumable", "wait_at_low_priority"];

/// The first call in `body` that builds an index online, with its
/// position. Like [`first_irreversible_call`] it reads tokens: a method of
/// that name on anything else is refused too (a revision's function calls
/// little but `op`'s builders), and one made by a helper function is left
/// to the renderer, which refuses it before anything runs.
fn first_online_call(body: &syn::Block) -> Option<(String, Span)> {
    use proc_macro2::{Delimiter, TokenTree};
    use quote::ToTokens;

    fn scan(tokens: Vec<TokenTree>) -> Option<(String, Span)> {
        for (at, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => {
                    if let Some(found) = scan(group.stream().into_iter().collect()) {
                        return Some(found);
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == '.' => {
                    if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(args))) = (tokens.get(at + 1), tokens.get(at + 2)) {
                        let name = name.to_string();
                        if args.delimiter() == Delimiter::Parenthesis && ONLINE_CALLS.contains(&name.as_str()) {
                            return Some((name, tokens[at + 1].span()));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    scan(body.to_token_stream().into_iter().collect())
}

/// Checks that `function` can be stored as `fn(&mut ::retort::Operations)`.
/// rustc would reject a mismatch too, but in the generated file, far from the
/// revision.
fn check_signature(path: &str, name: &'static str, function: &ItemFn) -> Option<Error> {
    let sig = &function.sig;
    let problem = if !matches!(function.vis, Visibility::Public(_)) {
        "it must be `pub` so that the generated revision table can call it"
    } else if sig.constness.is_some()
        || sig.asyncness.is_some()
        || !matches!(sig.safety, Safety::Default)
        || sig.abi.is_some()
    {
        "it cannot be const, async, unsafe or extern"
    } else if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        "it cannot be generic"
    } else if sig.inputs.len() != 1 || sig.variadic.is_some() {
        "it takes exactly one argument"
    } else if !matches!(sig.inputs.first(), Some(FnArg::Typed(arg))
        if matches!(strip_type(&arg.ty), Type::Reference(r) if r.mutability.is_some()))
    {
        "its argument must be `&mut Operations`"
    } else if !matches!(&sig.output, ReturnType::Default)
        && !matches!(&sig.output, ReturnType::Type(_, ty)
            if matches!(strip_type(ty), Type::Tuple(t) if t.elems.is_empty()))
    {
        "it returns nothing"
    } else {
        return None;
    };
    Some(Error::FunctionSignature {
        at: location(path, sig.ident.span()),
        name,
        problem,
    })
}

/// Reads one retort constant, or says everything wrong with it.
fn read_constant(path: &str, spec: &Spec, ty: &Type, expr: &Expr) -> Result<Value, Vec<Error>> {
    let type_matches = match spec.shape {
        Shape::Str => is_str_ref(ty),
        Shape::StrList => is_str_list(ty),
        Shape::Bool => is_ident(ty, "bool"),
    };
    if !type_matches {
        // The value is not checked as well: it is almost always wrong in
        // the same way, and one fix settles both.
        return Err(vec![Error::ConstantType {
            at: location(path, ty.span()),
            name: spec.name,
            ty: spec.shape.ty(),
            example: spec.example,
        }]);
    }
    let value_error = |at: &dyn Spanned| Error::ConstantValue {
        at: location(path, at.span()),
        name: spec.name,
        expected: spec.shape.expected(),
        example: spec.declaration,
    };
    match spec.shape {
        Shape::Str => string_literal(path, expr)
            .map(Value::Str)
            .ok_or_else(|| vec![value_error(expr)]),
        Shape::Bool => match strip_expr(expr) {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Bool(value) => Ok(Value::Bool(value.value)),
                _ => Err(vec![value_error(expr)]),
            },
            _ => Err(vec![value_error(expr)]),
        },
        Shape::StrList => {
            let array = match strip_expr(expr) {
                Expr::Reference(reference) if reference.mutability.is_none() => {
                    match strip_expr(&reference.expr) {
                        Expr::Array(array) => array,
                        _ => return Err(vec![value_error(expr)]),
                    }
                }
                _ => return Err(vec![value_error(expr)]),
            };
            let mut items = Vec::new();
            let mut errors = Vec::new();
            for element in &array.elems {
                match string_literal(path, element) {
                    Some(item) => items.push(item),
                    None => errors.push(value_error(element)),
                }
            }
            if errors.is_empty() {
                Ok(Value::List(items))
            } else {
                Err(errors)
            }
        }
    }
}

fn string_literal(path: &str, expr: &Expr) -> Option<Located<String>> {
    match strip_expr(expr) {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(text) if text.suffix().is_empty() => Some(Located {
                value: text.value(),
                at: location(path, text.span()),
            }),
            _ => None,
        },
        _ => None,
    }
}

fn take_str(values: &mut BTreeMap<&'static str, Value>, name: &str) -> Option<Located<String>> {
    match values.remove(name) {
        Some(Value::Str(value)) => Some(value),
        _ => None,
    }
}

fn take_list(
    values: &mut BTreeMap<&'static str, Value>,
    name: &str,
) -> Option<Vec<Located<String>>> {
    match values.remove(name) {
        Some(Value::List(value)) => Some(value),
        _ => None,
    }
}

/// Looks through the invisible groups and parentheses that change nothing.
fn strip_expr(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => strip_expr(&group.expr),
        Expr::Paren(paren) => strip_expr(&paren.expr),
        other => other,
    }
}

fn strip_type(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => strip_type(&group.elem),
        Type::Paren(paren) => strip_type(&paren.elem),
        other => other,
    }
}

fn is_ident(ty: &Type, name: &str) -> bool {
    matches!(strip_type(ty), Type::Path(path) if path.qself.is_none() && path.path.is_ident(name))
}

/// `&str` or `&'static str`.
fn is_str_ref(ty: &Type) -> bool {
    matches!(strip_type(ty), Type::Reference(r) if r.mutability.is_none() && is_ident(&r.elem, "str"))
}

/// `&[&str]`, with or without `'static`.
fn is_str_list(ty: &Type) -> bool {
    matches!(strip_type(ty), Type::Reference(r) if r.mutability.is_none()
        && matches!(strip_type(&r.elem), Type::Slice(slice) if is_str_ref(&slice.elem)))
}

/// A span's start as a 1-based line and column. proc-macro2 counts columns
/// from 0, compilers and editors from 1.
fn location(path: &str, span: Span) -> Location {
    let start = span.start();
    Location::new(path, start.line.max(1), start.column + 1)
}

#[cfg(test)]
mod tests {
    use crate::scan::tests::{messages, scan_fixture, BASE};
    use crate::{Error, Location, RevisionKind};

    const NAME: &str = "4c1d2e3f5a6b_add_phone.rs";

    /// A child of BASE with `extra` spliced in before the functions.
    fn child(extra: &str) -> String {
        format!(
            "use retort::Operations;\n\
             pub const REVISION: &str = \"4c1d2e3f5a6b\";\n\
             pub const PARENTS: &[&str] = &[\"1a2b3c4d5e6f\"];\n\
             pub const MESSAGE: &str = \"add phone\";\n\
             {extra}\
             pub fn upgrade(op: &mut Operations) {{ op.execute(\"ALTER TABLE users ADD phone INT\"); }}\n\
             pub fn downgrade(op: &mut Operations) {{ op.execute(\"ALTER TABLE users DROP COLUMN phone\"); }}\n"
        )
    }

    fn errors_of(name: &str, text: &str) -> Vec<Error> {
        scan_fixture(&[(name, text)]).errors
    }

    fn at(line: usize, column: usize) -> Location {
        Location::new(&format!("migrations/{NAME}"), line, column)
    }

    #[test]
    fn constants_take_defaults_when_optional_constants_are_absent() {
        use super::{Constants, Value};
        let mut values = std::collections::BTreeMap::new();
        let defaults = Constants::take(&mut values);
        assert!(
            defaults.transactional,
            "revisions run in a transaction unless they opt out"
        );
        assert!(defaults.branch_labels.is_empty() && defaults.depends_on.is_empty());
        assert!(defaults.id.is_none() && defaults.irreversible.is_none());
        values.insert("TRANSACTIONAL", Value::Bool(false));
        assert!(!Constants::take(&mut values).transactional);
        assert!(values.is_empty(), "every value read is taken");
    }

    #[test]
    fn parse_reads_every_constant_when_file_is_valid() {
        let text = child(
            "pub const BRANCH_LABELS: &'static [&'static str] = &[\"billing\"];\n\
             pub const DEPENDS_ON: &[&str] = &[\"9f9f9f9f\", \"8e8e8e8e\"];\n\
             pub const TRANSACTIONAL: bool = false;\n\
             pub const HELPER: u32 = 7;\n",
        );
        let scan = scan_fixture(&[(NAME, &text)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        let revision = &scan.revisions[0];
        assert_eq!(revision.id.value, "4c1d2e3f5a6b");
        assert_eq!(revision.id.at, at(2, 28));
        assert_eq!(revision.parents[0].value, "1a2b3c4d5e6f");
        assert_eq!(revision.parents[0].at, at(3, 32));
        assert_eq!(revision.message, "add phone");
        assert_eq!(revision.branch_labels[0].value, "billing");
        assert_eq!(
            revision
                .depends_on
                .iter()
                .map(|d| d.value.as_str())
                .collect::<Vec<_>>(),
            ["9f9f9f9f", "8e8e8e8e"]
        );
        assert!(!revision.transactional);
        assert_eq!(revision.irreversible, None);
        assert_eq!(revision.source, format!("migrations/{NAME}"));
        assert!(matches!(
            &revision.kind,
            RevisionKind::Rust { file, has_downgrade: true } if file.ends_with(NAME) && file.starts_with('/')
        ));
    }

    #[test]
    fn parse_reports_syntax_error_at_its_position_when_rust_is_invalid() {
        let errors = errors_of(NAME, "pub const REVISION: &str = \"4c1d2e3f5a6b\"\npub fn");
        assert_eq!(errors.len(), 1);
        assert!(matches!(&errors[0], Error::RustSyntax { at: a, .. } if *a == at(2, 1)));
        assert!(errors[0]
            .to_string()
            .starts_with(&format!("migrations/{NAME}:2:1: not valid Rust: ")));
    }

    #[test]
    fn parse_reports_unclosed_delimiter_where_it_opens_when_file_ends_inside_it() {
        let text = child("").replace("DROP COLUMN phone\"); }", "DROP COLUMN phone\";");
        let errors = errors_of(NAME, &text);
        assert_eq!(
            errors,
            [Error::UnclosedDelimiter {
                at: at(6, 51),
                delimiter: '(',
            }]
        );
        assert_eq!(
            messages(&errors),
            [format!("migrations/{NAME}:6:51: not valid Rust: unclosed delimiter '(' opened at line 6, column 51: add the matching ')' where its group ends")]
        );
    }

    #[test]
    fn parse_reports_mismatched_delimiter_naming_both_when_a_call_is_closed_by_a_brace() {
        let text = child("").replace("ADD phone INT\"); }", "ADD phone INT\"; }");
        let errors = errors_of(NAME, &text);
        assert_eq!(
            errors,
            [Error::MismatchedDelimiter {
                at: at(5, 49),
                open: '(',
                close: '}',
                closed: at(5, 85),
            }]
        );
        assert_eq!(
            messages(&errors),
            [format!("migrations/{NAME}:5:49: not valid Rust: mismatched delimiter: '(' at 5:49 closed by '}}' at 5:85: close the '(' with ')' before 5:85, or remove the '}}' if it is a stray one")]
        );
    }

    #[test]
    fn parse_reports_unexpected_closing_delimiter_when_nothing_is_open() {
        let text = child("];\n");
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!("migrations/{NAME}:5:1: not valid Rust: unexpected closing delimiter ']' at line 5, column 1: nothing is open there; remove it, or add the '[' it closes")]
        );
    }

    #[test]
    fn parse_reports_unterminated_string_where_it_starts_when_the_closing_quote_is_missing() {
        let text = child("").replace("DROP COLUMN phone\"); }", "DROP COLUMN phone); }");
        let errors = errors_of(NAME, &text);
        assert_eq!(
            errors,
            [Error::UnterminatedLiteral {
                at: at(6, 52),
                kind: crate::LiteralKind::Str,
            }]
        );
        assert_eq!(
            messages(&errors),
            [format!("migrations/{NAME}:6:52: not valid Rust: unterminated string literal starting at line 6, column 52: end it with `\"` (a `\"` written `\\\"` does not end it: write a backslash as `\\\\`)")]
        );
    }

    #[test]
    fn parse_reports_unterminated_raw_string_and_comment_with_their_closing_text() {
        let raw = child("pub const NOTE: &str = r#\"a \"quoted\" word\";\n");
        assert_eq!(
            messages(&errors_of(NAME, &raw)),
            [format!("migrations/{NAME}:5:24: not valid Rust: unterminated raw string literal starting at line 5, column 24: end it with `\"#`")]
        );
        let comment = child("/* outer /* inner */\n");
        assert_eq!(
            messages(&errors_of(NAME, &comment)),
            [format!("migrations/{NAME}:5:1: not valid Rust: unterminated block comment starting at line 5, column 1: end it with `*/` (block comments nest, so each `/*` inside it needs its own `*/`)")]
        );
    }

    #[test]
    fn parse_reports_the_lexers_place_when_a_literal_is_malformed() {
        let text = child("pub const INITIAL: char = 'ab';\n");
        let errors = errors_of(NAME, &text);
        assert!(
            matches!(&errors[..], [Error::RustSyntax { at: a, reason }] if *a == at(5, 27) && reason.starts_with("no Rust token starts here: ")),
            "{errors:?}"
        );
    }

    #[test]
    fn parse_reports_constant_value_when_value_is_not_a_literal() {
        let text = child("").replace("\"add phone\"", "concat!(\"add \", \"phone\")");
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!("migrations/{NAME}:4:27: `MESSAGE` must be a string literal, e.g. `pub const MESSAGE: &str = \"add phone number to users\";`: retort-build reads it from the source without compiling it")]
        );
    }

    #[test]
    fn parse_reports_each_bad_element_when_a_list_holds_non_literals() {
        let text = child("").replace("&[\"1a2b3c4d5e6f\"]", "&[\"1a2b3c4d5e6f\", OTHER, 3]");
        let errors = errors_of(NAME, &text);
        assert_eq!(errors.len(), 2);
        assert!(
            matches!(&errors[0], Error::ConstantValue { at: a, name: "PARENTS", .. } if *a == at(3, 48))
        );
        assert!(
            matches!(&errors[1], Error::ConstantValue { at: a, name: "PARENTS", .. } if *a == at(3, 55))
        );
    }

    #[test]
    fn parse_reports_constant_type_when_declared_type_is_wrong() {
        let text = child("").replace(
            "PARENTS: &[&str] = &[\"1a2b3c4d5e6f\"]",
            "PARENTS: &str = \"1a2b3c4d5e6f\"",
        );
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!("migrations/{NAME}:3:20: `PARENTS` must be declared as `pub const PARENTS: &[&str] = &[\"1a2b3c4d5e6f\"];`")]
        );
    }

    #[test]
    fn parse_reports_constant_value_when_transactional_is_not_a_bool_literal() {
        let text = child("pub const TRANSACTIONAL: bool = !true;\n");
        let errors = errors_of(NAME, &text);
        assert!(
            matches!(&errors[..], [Error::ConstantValue { at: a, name: "TRANSACTIONAL", .. }] if *a == at(5, 33))
        );
    }

    #[test]
    fn parse_reports_every_missing_constant_at_file_start_when_required_ones_are_absent() {
        let text = "pub fn upgrade(op: &mut retort::Operations) {}\npub const IRREVERSIBLE: &str = \"drops\";\n";
        assert_eq!(
            messages(&errors_of(NAME, text)),
            [
                format!("migrations/{NAME}:1:1: missing `REVISION`: add `pub const REVISION: &str = \"4c1d2e3f5a6b\";`"),
                format!("migrations/{NAME}:1:1: missing `PARENTS`: add `pub const PARENTS: &[&str] = &[\"1a2b3c4d5e6f\"];`"),
                format!("migrations/{NAME}:1:1: missing `MESSAGE`: add `pub const MESSAGE: &str = \"add phone number to users\";`"),
            ]
        );
    }

    #[test]
    fn parse_reports_duplicate_constant_when_declared_twice() {
        let text = child("pub const MESSAGE: &str = \"again\";\n");
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!(
                "migrations/{NAME}:5:11: `MESSAGE` is defined twice (first on line 4): keep one"
            )]
        );
    }

    #[test]
    fn parse_reports_missing_upgrade_when_function_is_absent() {
        let text = child("").replace("pub fn upgrade", "pub fn up_grade");
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!(
                "migrations/{NAME}:1:1: no upgrade: add `pub fn upgrade(op: &mut Operations)`"
            )]
        );
    }

    #[test]
    fn parse_reports_function_signature_when_upgrade_is_private_or_takes_wrong_arguments() {
        let private = child("").replace("pub fn upgrade", "fn upgrade");
        assert_eq!(
            messages(&errors_of(NAME, &private)),
            [format!("migrations/{NAME}:5:4: `upgrade` must be `pub fn upgrade(op: &mut Operations)`: it must be `pub` so that the generated revision table can call it")]
        );
        let by_value = child("").replace(
            "downgrade(op: &mut Operations)",
            "downgrade(op: Operations)",
        );
        let errors = errors_of(NAME, &by_value);
        assert!(matches!(
            &errors[..],
            [Error::FunctionSignature { at: a, name: "downgrade", problem: "its argument must be `&mut Operations`" }] if *a == at(6, 8)
        ));
        let returning = child("").replace(
            "upgrade(op: &mut Operations)",
            "upgrade(op: &mut Operations) -> u8",
        );
        assert!(matches!(
            &errors_of(NAME, &returning)[..],
            [Error::FunctionSignature {
                name: "upgrade",
                problem: "it returns nothing",
                ..
            }]
        ));
    }

    #[test]
    fn parse_reports_missing_downgrade_at_the_call_when_upgrade_runs_raw_sql() {
        let text = child("").replace("pub fn downgrade", "fn helper");
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!("migrations/{NAME}:5:42: no downgrade, and `execute` cannot be reversed automatically: add `pub fn downgrade(op: &mut Operations)` or declare `pub const IRREVERSIBLE: &str = \"why\";`")]
        );
    }

    /// A child of BASE whose upgrade is `body` and that has no downgrade.
    fn without_downgrade(body: &str) -> String {
        format!(
            "use retort::op::*;\n\
             pub const REVISION: &str = \"4c1d2e3f5a6b\";\n\
             pub const PARENTS: &[&str] = &[\"1a2b3c4d5e6f\"];\n\
             pub const MESSAGE: &str = \"add phone\";\n\
             pub fn upgrade(op: &mut Operations) {{\n{body}\n}}\n"
        )
    }

    #[test]
    fn parse_accepts_missing_downgrade_when_every_operation_is_reversible() {
        let text = without_downgrade(
            "    op.create_table(\"notes\", |t| { t.column(\"id\", Type::Int).primary_key(); });\n\
             \x20   op.add_column(\"users\", \"phone\", Type::String(20)).not_null().default(\"\");\n\
             \x20   op.alter_column(\"users\", \"name\")\n        .existing_type(Type::String(50))\n        .set_type(Type::String(100));\n\
             \x20   op.drop_column_with(\"users\", \"legacy\", Type::Int);",
        );
        let scan = scan_fixture(&[(NAME, &text)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert!(matches!(
            scan.revisions[0].kind,
            RevisionKind::Rust {
                has_downgrade: false,
                ..
            }
        ));
    }

    #[test]
    fn parse_reports_missing_downgrade_when_a_drop_does_not_record_its_definition() {
        let text = without_downgrade("    op.add_column(\"users\", \"phone\", Type::Int);\n    if true { op.drop_table(\"legacy\"); }");
        let errors = errors_of(NAME, &text);
        assert!(
            matches!(&errors[..], [Error::MissingDowngrade { at: a, operation }] if *a == at(7, 18) && operation == "drop_table"),
            "{errors:?}"
        );
    }

    #[test]
    fn parse_reports_missing_downgrade_when_alter_column_gives_no_existing_value() {
        let text = without_downgrade(
            "    op.alter_column(\"users\", \"name\").set_type(Type::String(100));",
        );
        let errors = errors_of(NAME, &text);
        assert!(
            matches!(&errors[..], [Error::MissingDowngrade { at: a, operation }] if *a == at(6, 8) && operation == "alter_column"),
            "{errors:?}"
        );
    }

    #[test]
    fn parse_refuses_online_index_when_revision_is_transactional() {
        let text = child("").replace(
            "op.execute(\"ALTER TABLE users ADD phone INT\");",
            "op.create_index(\"ix_users_phone\", \"users\", [\"phone\"])\n        .online();",
        );
        let errors = errors_of(NAME, &text);
        assert_eq!(messages(&errors).len(), 1, "{:?}", messages(&errors));
        assert!(matches!(&errors[0], Error::OnlineInTransaction { at: a, call } if *a == at(6, 10) && call == "online"), "{errors:?}");
        assert!(errors[0].to_string().contains("declare `pub const TRANSACTIONAL: bool = false;`"), "{}", errors[0]);

        let resumable = text.replace(".online()", ".resumable()");
        assert!(matches!(&errors_of(NAME, &resumable)[..], [Error::OnlineInTransaction { call, .. }] if call == "resumable"));
        let opted_out = child("pub const TRANSACTIONAL: bool = false;\n").replace(
            "op.execute(\"ALTER TABLE users ADD phone INT\");",
            "op.create_index(\"ix_users_phone\", \"users\", [\"phone\"]).online();",
        );
        assert_eq!(messages(&errors_of(NAME, &opted_out)), Vec::<String>::new());
    }

    #[test]
    fn parse_accepts_irreversible_revision_when_downgrade_is_absent() {
        let text = child("pub const IRREVERSIBLE: &str = \"drops data\";\n")
            .replace("pub fn downgrade", "fn helper");
        let scan = scan_fixture(&[(NAME, &text)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert_eq!(
            scan.revisions[0].irreversible.as_deref(),
            Some("drops data")
        );
        assert!(matches!(
            scan.revisions[0].kind,
            RevisionKind::Rust {
                has_downgrade: false,
                ..
            }
        ));
    }

    #[test]
    fn parse_reports_irreversible_with_downgrade_when_both_are_present() {
        let text = child("pub const IRREVERSIBLE: &str = \"drops data\";\n");
        assert_eq!(
            messages(&errors_of(NAME, &text)),
            [format!("migrations/{NAME}:7:8: `downgrade` contradicts `IRREVERSIBLE`: remove the downgrade, or remove IRREVERSIBLE if the revision can be undone")]
        );
    }

    #[test]
    fn parse_reports_empty_downgrade_when_downgrade_records_nothing_and_upgrade_does() {
        let message = format!(
            "migrations/{NAME}:6:8: `downgrade` records no operations, so downgrading this revision would silently \
             leave its changes in place: record the operations that undo `upgrade` (in reverse order), remove \
             `downgrade` to have retort derive it, or remove it and declare `pub const IRREVERSIBLE: &str = \"why\";`"
        );
        for body in ["{ let _ = op; }", "{}", "{ /* later */ }"] {
            let text = child("").replace("{ op.execute(\"ALTER TABLE users DROP COLUMN phone\"); }", body);
            assert_eq!(messages(&errors_of(NAME, &text)), std::slice::from_ref(&message), "{body}");
        }
    }

    #[test]
    fn parse_accepts_empty_downgrade_when_upgrade_records_nothing_either() {
        let text = child("")
            .replace("{ op.execute(\"ALTER TABLE users ADD phone INT\"); }", "{ let _ = op; }")
            .replace("{ op.execute(\"ALTER TABLE users DROP COLUMN phone\"); }", "{}");
        assert_eq!(messages(&errors_of(NAME, &text)), Vec::<String>::new());
        // A downgrade that does something with its argument is not judged.
        let text = child("").replace("{ op.execute(\"ALTER TABLE users DROP COLUMN phone\"); }", "{ undo(op); }");
        assert_eq!(messages(&errors_of(NAME, &text)), Vec::<String>::new());
    }

    #[test]
    fn parse_reports_constant_value_when_irreversible_reason_is_empty() {
        let text = child("pub const IRREVERSIBLE: &str = \" \";\n")
            .replace("pub fn downgrade", "fn helper");
        assert!(matches!(
            &errors_of(NAME, &text)[..],
            [Error::ConstantValue { at: a, name: "IRREVERSIBLE", .. }] if *a == at(5, 32)
        ));
    }

    #[test]
    fn parse_reports_file_name_mismatch_with_suggested_name_when_prefix_differs() {
        let scan = scan_fixture(&[("4c1d2e3f5a6c_add_phone.rs", &child(""))]);
        assert_eq!(
            messages(&scan.errors),
            ["migrations/4c1d2e3f5a6c_add_phone.rs:2:28: the file name says revision 4c1d2e3f5a6c but the file declares 4c1d2e3f5a6b: rename the file to 4c1d2e3f5a6b_add_phone.rs, or fix the declared id"]
        );
        assert!(scan.unparsed_ids.contains("4c1d2e3f5a6b"));
    }

    #[test]
    fn parse_accepts_ids_with_underscores_when_file_name_starts_with_them() {
        let text = child("").replace("4c1d2e3f5a6b", "add_phone");
        let scan = scan_fixture(&[("add_phone_v2.rs", &text)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
    }

    #[test]
    fn parse_counts_columns_in_characters_when_line_has_multibyte_text() {
        let text = child("").replace(
            "pub const MESSAGE: &str = \"add phone\";",
            "pub const MESSAGE: &str = \"café\"; pub const PARENTS: &[&str] = &[];",
        );
        let errors = errors_of(NAME, &text);
        // `"café"; ` is 8 characters but 9 bytes.
        assert!(matches!(&errors[..], [Error::DuplicateConstant { at: a, .. }] if *a == at(4, 45)));
    }

    #[test]
    fn parse_reads_base_fixture_when_file_has_crlf_line_endings() {
        let scan = scan_fixture(&[("1a2b3c4d5e6f_initial.rs", &BASE.replace('\n', "\r\n"))]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert_eq!(scan.revisions[0].id.at.line, 1);
    }
}
