//! The names a module's text mentions, read with retort-sql's lexer in the
//! dialect, for the creation order of views and routines
//! where the server's dependency catalog records nothing (Babelfish, a
//! PostgreSQL function with a quoted body, SQLite).
//!
//! A name is one token however it is written: plain, bracketed (`[Sales by
//! Region]`), double-quoted (`"Sales by Region"`) or backquoted; a
//! qualified one (`dbo.[Sales by Region]`, `public."Best Regions"`) counts
//! when its schema is the default one (the baseline's objects are all
//! there), and a name qualified by anything else (`o.Region`, an alias or
//! another schema) does not. Literals and comments are single tokens and
//! never searched; PostgreSQL's dollar-quoted bodies (`AS $$ … $$`) are.

use std::collections::BTreeSet;

use retort_sql::SqlToken as Token;

use crate::Dialect;

/// Every name `definition` mentions, in lower case (the catalogs' names
/// are compared so, as SQL Server compares them).
pub(crate) fn mentioned(definition: &str, dialect: Dialect) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect(definition, dialect.lexer(), super::default_schema(dialect), &mut names);
    names
}

fn collect(text: &str, flavour: retort_sql::Dialect, schema: &str, names: &mut BTreeSet<String>) {
    let Some(tokens) = retort_sql::significant_tokens(flavour, text) else {
        // Text the tokenizer cannot read (the server read it, though): its
        // words, which may name more than it does but never less.
        let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
        names.extend(words.map(str::to_lowercase));
        return;
    };
    for (at, token) in tokens.iter().enumerate() {
        match token {
            Token::Word(word) => {
                let qualifier = match at.checked_sub(2).map(|before| (&tokens[before], &tokens[before + 1])) {
                    Some((Token::Word(qualifier), Token::Period)) => Some(qualifier.value.as_str()),
                    _ => None,
                };
                if qualifier.is_none_or(|q| q.eq_ignore_ascii_case(schema)) {
                    names.insert(word.value.to_lowercase());
                }
            }
            Token::DollarQuotedString(body) => collect(&body.value, flavour, schema, names),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mentions(definition: &str, dialect: Dialect) -> Vec<String> {
        mentioned(definition, dialect).into_iter().collect()
    }

    #[test]
    fn mentioned_reads_names_with_spaces_however_they_are_quoted() {
        let names = mentions("create view dbo.[Best Regions] as select Region from dbo.[Sales by Region] -- [Old View]", Dialect::Mssql);
        assert!(names.contains(&"sales by region".to_owned()), "{names:?}");
        assert!(names.contains(&"best regions".to_owned()), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("old view")), "a comment is not read: {names:?}");
        let names = mentions(r#"SELECT "Region" FROM "Sales by Region" s WHERE s."Accounts" > 10"#, Dialect::Postgres);
        assert!(names.contains(&"sales by region".to_owned()), "{names:?}");
        assert!(!names.contains(&"accounts".to_owned()), "a name qualified by an alias is a column: {names:?}");
        let names = mentions("create view \"Best Regions\" as select Region from main.[Sales by Region]", Dialect::Sqlite);
        assert!(names.contains(&"sales by region".to_owned()), "{names:?}");
    }

    #[test]
    fn mentioned_reads_dollar_quoted_bodies_and_not_literals_or_other_schemas() {
        let function = "CREATE FUNCTION \"Count\"() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM public.\"Best Regions\" $$";
        assert!(mentions(function, Dialect::Postgres).contains(&"best regions".to_owned()));
        let names = mentions("SELECT 'Sales by Region' AS label FROM billing.[Sales by Region]", Dialect::Mssql);
        assert!(!names.contains(&"sales by region".to_owned()), "{names:?}");
    }
}
