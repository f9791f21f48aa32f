//! One table of the snapshot as the op DSL's `create_table` and its
//! indexes.

use super::names::{deterministic, made_up, Kind};
use super::report::{NotReproduced, Renamed};
use super::system::SystemNames;
use super::types::column_type;
use super::values::default_value;
use crate::op::{self, ReferentialAction, Type};
use crate::schema;
use crate::{Dialect, Flavour, Operation, Sql};

/// What every table's conversion needs to know.
pub(crate) struct Context<'a> {
    pub dialect: Dialect,
    pub flavour: Flavour,
    pub keep_names: bool,
    pub system: &'a SystemNames,
}

/// A converted table: its definition, the operations that follow it
/// (indexes), and what the header says about it.
pub(crate) struct Converted {
    pub table: op::Table,
    pub after: Vec<Operation>,
    pub renamed: Vec<Renamed>,
    pub not_reproduced: Vec<NotReproduced>,
}

pub(crate) fn convert(name: &str, source: &schema::Table, cx: &Context<'_>) -> Converted {
    let mut out = Converted { table: op::Table::new(name), after: Vec::new(), renamed: Vec::new(), not_reproduced: Vec::new() };
    let source = &untranslated_left_out(name, source, cx, &mut out.not_reproduced);
    for column in &source.columns {
        let converted = convert_column(name, column, cx, &mut out.renamed);
        out.table.columns.push(converted);
    }
    if let Some(key) = &source.primary_key {
        let kept = choose(cx, name, Kind::PrimaryKey, &key.columns, key.name.as_deref(), "PK", &mut out.renamed);
        out.table.primary_key = Some(op::Key { name: kept, columns: key.columns.clone() });
    }
    for key in &source.uniques {
        let kept = choose(cx, name, Kind::Unique, &key.columns, key.name.as_deref(), "UQ", &mut out.renamed);
        out.table.uniques.push(op::Key { name: kept, columns: key.columns.clone() });
    }
    for key in &source.foreign_keys {
        let kept = choose(cx, name, Kind::ForeignKey, &key.columns, key.name.as_deref(), "F", &mut out.renamed);
        out.table.foreign_keys.push(op::ForeignKey {
            name: kept,
            columns: key.columns.clone(),
            ref_table: key.referenced_table.clone(),
            ref_columns: key.referenced_columns.clone(),
            on_delete: action(&key.on_delete),
            on_update: action(&key.on_update),
            not_validated: false,
        });
    }
    let mut used = Vec::new();
    for check in &source.checks {
        let converted = convert_check(name, source, check, cx, &mut used, &mut out.renamed);
        out.table.checks.push(converted);
    }
    for index in &source.indexes {
        out.after.push(convert_index(name, source, index, cx, &mut out.not_reproduced));
    }
    out
}

/// The table without the expressions Babelfish printed in a PostgreSQL
/// form that has no T-SQL translation (see
/// `backend/mssql/postgres_form.rs`), each reported: copied, they would
/// stop the revision; left out, the revision runs and the header says what
/// to add by hand. Elsewhere the table as it is.
fn untranslated_left_out(table: &str, source: &schema::Table, cx: &Context<'_>, not_reproduced: &mut Vec<NotReproduced>) -> schema::Table {
    let mut kept = source.clone();
    if cx.dialect != Dialect::Mssql || cx.flavour != Flavour::Babelfish {
        return kept;
    }
    let mut report = |what: String, expression: &str, form: &str| {
        not_reproduced.push(NotReproduced::new(
            format!("table {table}: {what}"),
            format!(
                "Babelfish keeps `{expression}` in PostgreSQL's form, and `{form}` has no T-SQL translation here: it is \
                 left out; write it in T-SQL by hand in a later revision"
            ),
        ));
    };
    kept.checks.retain(|check| match postgres_only(&check.expression) {
        Some(form) => {
            report(format!("check {}", check.name.as_deref().unwrap_or("(unnamed)")), &check.expression, form);
            false
        }
        None => true,
    });
    kept.indexes.retain(|index| match index.filter.as_deref().and_then(|f| postgres_only(f).map(|form| (f, form))) {
        Some((filter, form)) => {
            report(format!("index {}", index.name), filter, form);
            false
        }
        None => true,
    });
    kept.columns.retain(|column| match column.computed.as_deref().and_then(|c| postgres_only(c).map(|form| (c, form))) {
        Some((computed, form)) => {
            report(format!("computed column {}", column.name), computed, form);
            false
        }
        None => true,
    });
    for column in &mut kept.columns {
        if let Some(form) = column.default.as_deref().and_then(postgres_only) {
            report(format!("default of column {}", column.name), column.default.as_deref().unwrap_or_default(), form);
            column.default = None;
        }
    }
    kept
}

/// The first PostgreSQL-only token of an expression, if it has one: `::`,
/// a regular expression match (`x ~ 'p'`; a `~` with nothing before it is
/// T-SQL's bitwise NOT), `ARRAY`, and what the translation turns into T-SQL
/// when it is whole (`~~`, `||`).
pub(crate) fn postgres_only(expression: &str) -> Option<&'static str> {
    use retort_sql::SqlToken as Token;
    let tokens = retort_sql::significant_tokens(retort_sql::Dialect::Mssql, expression)?;
    let operand = |at: usize| {
        at.checked_sub(1).is_some_and(|before| {
            matches!(tokens[before], Token::Word(_) | Token::Number(..) | Token::RParen | Token::SingleQuotedString(_) | Token::NationalStringLiteral(_))
        })
    };
    tokens.iter().enumerate().find_map(|(at, token)| match token {
        Token::DoubleColon => Some("::"),
        Token::Tilde if operand(at) => Some("~"),
        Token::TildeAsterisk => Some("~*"),
        Token::ExclamationMarkTilde => Some("!~"),
        Token::ExclamationMarkTildeAsterisk => Some("!~*"),
        Token::DoubleTilde | Token::DoubleTildeAsterisk => Some("~~"),
        Token::ExclamationMarkDoubleTilde | Token::ExclamationMarkDoubleTildeAsterisk => Some("!~~"),
        Token::StringConcat => Some("||"),
        Token::LBracket => Some("["),
        Token::Word(word) if word.quote_style.is_none() && word.value.eq_ignore_ascii_case("ARRAY") => Some("ARRAY"),
        _ => None,
    })
}

/// The explicit name a key gets (`None`: retort's deterministic one),
/// noting a made-up name that is replaced or kept.
fn choose(
    cx: &Context<'_>,
    table: &str,
    kind: Kind,
    columns: &[String],
    name: Option<&str>,
    catalog_kind: &str,
    renamed: &mut Vec<Renamed>,
) -> Option<String> {
    let ours = deterministic(kind, table, columns);
    let made = match name {
        Some(name) if !made_up(name, kind, table, columns, cx.dialect) => {
            return (name != ours).then(|| name.to_owned());
        }
        Some(name) => Some(name),
        None => cx.system.key(table, catalog_kind, columns),
    };
    let chosen = match made {
        Some(made) if cx.keep_names => made.to_owned(),
        _ => ours,
    };
    renamed.push(Renamed::new(table, kind, made, chosen.clone()));
    (chosen != deterministic(kind, table, columns)).then_some(chosen)
}

fn convert_column(table: &str, source: &schema::Column, cx: &Context<'_>, renamed: &mut Vec<Renamed>) -> op::Column {
    let mut ty = column_type(&source.data_type, source.collation.as_deref(), cx.dialect, cx.flavour);
    let mut default = source.default.as_deref();
    if let Some(serial) = postgres_serial(table, source, cx.dialect) {
        ty = Type::native([(Dialect::Postgres, serial)]);
        default = None;
    }
    let mut column = op::Column::new(source.name.clone(), ty);
    column.nullable = source.nullable;
    column.default = default.map(|text| default_value(text, &column.ty, cx.dialect));
    if let Some(identity) = &source.identity {
        column.identity = true;
        let start = (identity.seed.unwrap_or(1), identity.increment.unwrap_or(1));
        column.identity_start = (start != (1, 1)).then_some(start);
    }
    if let Some(computed) = &source.computed {
        let (expression, stored) = match computed.rsplit_once(' ') {
            Some((expression, "stored")) => (expression, true),
            Some((expression, "virtual")) => (expression, false),
            _ => (computed.as_str(), false),
        };
        column.computed = Some(op::Computed { expression: Sql::Portable(expression.to_owned()), stored });
    }
    column.default_name = source.default_name.clone();
    let columns = [source.name.clone()];
    // Babelfish keeps no names for defaults: it makes one up when asked.
    let named_defaults = cx.flavour == Flavour::Standard;
    let made = cx
        .system
        .default_constraint(table, &source.name)
        .filter(|_| named_defaults && source.default.is_some() && source.default_name.is_none());
    if let Some(made) = made {
        let chosen = if cx.keep_names { made.to_owned() } else { deterministic(Kind::Default, table, &columns) };
        renamed.push(Renamed::new(table, Kind::Default, Some(made), chosen.clone()));
        column.default_name = cx.keep_names.then_some(chosen);
    }
    column
}

/// PostgreSQL's `serial`: an integer whose default draws from the sequence
/// it owns (`<table>_<column>_seq`, left out of the snapshot with it).
fn postgres_serial(table: &str, column: &schema::Column, dialect: Dialect) -> Option<&'static str> {
    let expected = format!("nextval('{table}_{}_seq'::regclass)", column.name);
    if dialect != Dialect::Postgres || column.default.as_deref() != Some(expected.as_str()) || column.identity.is_some() {
        return None;
    }
    match column.data_type.as_str() {
        "integer" => Some("serial"),
        "bigint" => Some("bigserial"),
        "smallint" => Some("smallserial"),
        _ => None,
    }
}

fn convert_check(
    table: &str,
    source: &schema::Table,
    check: &schema::Check,
    cx: &Context<'_>,
    used: &mut Vec<String>,
    renamed: &mut Vec<Renamed>,
) -> op::Check {
    let condition = Sql::Portable(printed(&check.expression, cx.dialect));
    let prefix = format!("{}_", deterministic(Kind::Check, table, &[]));
    let (chosen, exact) = match check.name.as_deref() {
        Some(name) if !made_up(name, Kind::Check, table, &[], cx.dialect) => match name.strip_prefix(&prefix) {
            Some(short) => (short.to_owned(), false),
            None => (name.to_owned(), true),
        },
        name => {
            let made = name.or_else(|| cx.system.check(table, &check.expression));
            match made {
                Some(made) if cx.keep_names => {
                    renamed.push(Renamed::new(table, Kind::Check, Some(made), made.to_owned()));
                    (made.to_owned(), true)
                }
                made => {
                    let short = check_short_name(source, &check.expression, used);
                    renamed.push(Renamed::new(table, Kind::Check, made, format!("{prefix}{short}")));
                    (short, false)
                }
            }
        }
    };
    used.push(chosen.to_ascii_lowercase());
    op::Check { name: chosen, condition, exact_name: exact, not_validated: false }
}

/// A check without a meaningful name is named after the first column its
/// expression mentions (as PostgreSQL does), `_2`, `_3`… when taken.
fn check_short_name(table: &schema::Table, expression: &str, used: &[String]) -> String {
    let words = expression.split(|c: char| !(c.is_alphanumeric() || c == '_'));
    let column = words
        .filter_map(|word| table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(word)))
        .map(|c| c.name.clone())
        .next()
        .unwrap_or_else(|| "check".to_owned());
    let mut name = column.clone();
    let mut number = 2;
    while used.contains(&name.to_ascii_lowercase()) {
        name = format!("{column}_{number}");
        number += 1;
    }
    name
}

/// An expression as the catalog printed it, in a form that reads back as
/// the same (see `postgres.rs`).
fn printed(expression: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => super::postgres::in_lists(expression),
        Dialect::Mssql | Dialect::Sqlite => expression.to_owned(),
    }
}

fn action(text: &str) -> Option<ReferentialAction> {
    match text.to_ascii_uppercase().as_str() {
        "CASCADE" => Some(ReferentialAction::Cascade),
        "SET NULL" => Some(ReferentialAction::SetNull),
        "SET DEFAULT" => Some(ReferentialAction::SetDefault),
        "RESTRICT" => Some(ReferentialAction::Restrict),
        _ => None,
    }
}

/// `create_index`, or the index's own `CREATE INDEX` where the op DSL
/// cannot say it: an expression among its keys.
fn convert_index(
    table: &str,
    source: &schema::Table,
    index: &schema::Index,
    cx: &Context<'_>,
    not_reproduced: &mut Vec<NotReproduced>,
) -> Operation {
    if index.clustered {
        not_reproduced.push(NotReproduced::new(
            format!("table {table}: index {}", index.name),
            "it is CLUSTERED; the op DSL creates it nonclustered and the primary key clustered. Make the primary \
             key NONCLUSTERED and this index CLUSTERED by hand (execute_per_dialect) if it matters",
        ));
    }
    let is_column = |name: &str| source.columns.iter().any(|c| c.name == name);
    if index.columns.iter().all(|c| is_column(&c.name)) {
        let mut op_index = op::Index::new(index.name.clone(), table, index.columns.iter().map(|c| c.name.clone()));
        op_index.unique = index.unique;
        for (made, column) in op_index.columns.iter_mut().zip(&index.columns) {
            made.descending = column.descending;
        }
        op_index.include = index.included.clone();
        op_index.filter = index.filter.as_deref().map(|filter| Sql::Portable(printed(filter, cx.dialect)));
        return Operation::CreateIndex(op_index);
    }
    let q = |name: &str| cx.dialect.quote_ident(name);
    let keys: Vec<String> = index
        .columns
        .iter()
        .map(|c| {
            let term = if is_column(&c.name) { q(&c.name) } else { c.name.clone() };
            if c.descending { format!("{term} DESC") } else { term }
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        q(&index.name),
        q(table),
        keys.join(", ")
    );
    if !index.included.is_empty() {
        let included: Vec<String> = index.included.iter().map(|c| q(c)).collect();
        sql.push_str(&format!(" INCLUDE ({})", included.join(", ")));
    }
    if let Some(filter) = &index.filter {
        sql.push_str(&format!(" WHERE {filter}"));
    }
    Operation::Execute(Sql::PerDialect(vec![(cx.dialect, sql)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Check, Column};

    #[test]
    fn convert_leaves_out_and_reports_what_babelfish_keeps_in_postgresqls_form() {
        let table = schema::Table {
            columns: vec![Column { name: "code".into(), data_type: "varchar(10)".into(), ..Column::default() }],
            checks: vec![
                Check { name: Some("ck_code_like".into()), expression: "code LIKE '99%'".into() },
                Check { name: Some("ck_code_regex".into()), expression: "code :: text ~ '^[0-9]+$' :: text".into() },
                Check { name: Some("ck_flags".into()), expression: "~code = 0".into() },
            ],
            ..schema::Table::default()
        };
        let system = SystemNames::default();
        let cx = |flavour| Context { dialect: Dialect::Mssql, flavour, keep_names: false, system: &system };
        let converted = convert("codes", &table, &cx(Flavour::Babelfish));
        let kept: Vec<&str> = converted.table.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(kept, ["ck_code_like", "ck_flags"]);
        let reported: Vec<String> = converted.not_reproduced.iter().map(ToString::to_string).collect();
        assert_eq!(reported.len(), 1, "{reported:?}");
        assert!(reported[0].starts_with("table codes: check ck_code_regex: Babelfish keeps `code :: text ~"), "{reported:?}");
        // SQL Server's own text is T-SQL: nothing to leave out.
        assert_eq!(convert("codes", &table, &cx(Flavour::Standard)).table.checks.len(), 3);
    }
}
