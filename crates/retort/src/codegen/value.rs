//! The Rust expressions of the op DSL's values: types, defaults, literals,
//! SQL text, dialects and referential actions.
//!
//! Each function returns the expression that, evaluated in a revision with
//! `use retort::op::*;`, gives back exactly the value it was made from.

use proc_macro2::{Literal as Token, TokenStream};
use quote::quote;

use crate::op::{DefaultValue, Literal, ReferentialAction, Type};
use crate::{Dialect, Sql};

/// A string literal: a plain `"…"` for one line without quotes or
/// backslashes, a raw `r#"…"#` otherwise, so that SQL keeps its line
/// breaks and reads as written.
pub(super) fn text(value: &str) -> TokenStream {
    let plain = !value.contains(['\n', '\r', '"', '\\', '\t']);
    if plain {
        let token = Token::string(value);
        return quote! { #token };
    }
    // One `#` more than the longest run that follows a quote in the text.
    let mut longest = 0;
    for (at, _) in value.match_indices('"') {
        let run = value[at + 1..].chars().take_while(|c| *c == '#').count();
        longest = longest.max(run + 1);
    }
    let hashes = "#".repeat(longest.max(1));
    let source = format!("r{hashes}\"{value}\"{hashes}");
    match source.parse::<Token>() {
        Ok(token) => quote! { #token },
        // A raw string holds any text but a lone `\r`; the escaped form
        // holds everything.
        Err(_) => {
            let token = Token::string(value);
            quote! { #token }
        }
    }
}

/// `["a", "b"]`.
pub(super) fn names(items: &[String]) -> TokenStream {
    let items = items.iter().map(|item| text(item));
    quote! { [#(#items),*] }
}

/// `Dialect::Mssql`: the variant's own name.
pub(super) fn dialect(dialect: Dialect) -> TokenStream {
    let variant = quote::format_ident!("{dialect:?}");
    quote! { Dialect::#variant }
}

/// `[(Dialect::Mssql, "…"), …]`.
fn per_dialect(texts: &[(Dialect, String)]) -> TokenStream {
    let pairs = texts.iter().map(|(d, t)| {
        let (d, t) = (dialect(*d), text(t));
        quote! { (#d, #t) }
    });
    quote! { [#(#pairs),*] }
}

/// An argument taking `impl Into<Sql>`: a string for portable SQL.
pub(super) fn sql(value: &Sql) -> TokenStream {
    match value {
        Sql::Portable(sql) => text(sql),
        Sql::PerDialect(texts) => {
            let texts = per_dialect(texts);
            quote! { Sql::per_dialect(#texts) }
        }
    }
}

pub(super) fn ty(value: &Type) -> TokenStream {
    let number = |n: u32| Token::u32_unsuffixed(n);
    let small = |n: u8| Token::u8_unsuffixed(n);
    match value {
        Type::SmallInt => quote! { Type::SmallInt },
        Type::Int => quote! { Type::Int },
        Type::BigInt => quote! { Type::BigInt },
        Type::Bool => quote! { Type::Bool },
        Type::Decimal(p, s) => {
            let (p, s) = (small(*p), small(*s));
            quote! { Type::Decimal(#p, #s) }
        }
        Type::Float => quote! { Type::Float },
        Type::String(n) => {
            let n = number(*n);
            quote! { Type::String(#n) }
        }
        Type::Text => quote! { Type::Text },
        Type::Binary(n) => {
            let n = number(*n);
            quote! { Type::Binary(#n) }
        }
        Type::Bytes => quote! { Type::Bytes },
        Type::Date => quote! { Type::Date },
        Type::Time => quote! { Type::Time },
        Type::DateTime => quote! { Type::DateTime },
        Type::DateTimeOffset => quote! { Type::DateTimeOffset },
        Type::Uuid => quote! { Type::Uuid },
        Type::Json => quote! { Type::Json },
        Type::Native(names) => {
            let names = per_dialect(names);
            quote! { Type::native(#names) }
        }
    }
}

/// A literal as the shortest expression that converts into exactly it:
/// `true`, `42`, `"text"`, and `Literal::…` where a bare value would be
/// read as another kind.
pub(super) fn literal(value: &Literal) -> TokenStream {
    match value {
        Literal::Null => quote! { Literal::Null },
        Literal::Bool(flag) => quote! { #flag },
        // A bare integer literal is an i32: larger ones say i64.
        Literal::Int(number) => match i32::try_from(*number) {
            Ok(small) => {
                let token = Token::i32_unsuffixed(small);
                quote! { #token }
            }
            Err(_) => {
                let token = Token::i64_suffixed(*number);
                quote! { #token }
            }
        },
        Literal::Float(number) => {
            let token = Token::f64_suffixed(*number);
            quote! { #token }
        }
        Literal::Decimal(digits) => {
            let digits = text(digits);
            quote! { Literal::decimal(#digits) }
        }
        Literal::Text(value) => text(value),
        Literal::Bytes(bytes) => {
            let bytes = bytes.iter().map(|b| Token::u8_unsuffixed(*b));
            quote! { Literal::Bytes(vec![#(#bytes),*]) }
        }
    }
}

/// The argument of `.default(…)`.
pub(super) fn default(value: &DefaultValue) -> TokenStream {
    match value {
        DefaultValue::Literal(Literal::Null) => quote! { DefaultValue::Literal(Literal::Null) },
        DefaultValue::Literal(value) => literal(value),
        DefaultValue::CurrentTimestamp => quote! { DefaultValue::CurrentTimestamp },
        DefaultValue::Sql(Sql::PerDialect(texts)) => {
            let texts = per_dialect(texts);
            quote! { DefaultValue::sql(#texts) }
        }
        DefaultValue::Sql(Sql::Portable(sql)) => {
            let sql = text(sql);
            quote! { DefaultValue::Sql(#sql.into()) }
        }
    }
}

pub(super) fn action(value: ReferentialAction) -> TokenStream {
    match value {
        ReferentialAction::Cascade => quote! { ReferentialAction::Cascade },
        ReferentialAction::SetNull => quote! { ReferentialAction::SetNull },
        ReferentialAction::SetDefault => quote! { ReferentialAction::SetDefault },
        ReferentialAction::Restrict => quote! { ReferentialAction::Restrict },
        ReferentialAction::NoAction => quote! { ReferentialAction::NoAction },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_raw_with_enough_hashes_when_sql_has_lines_and_quotes() {
        assert_eq!(text("plain").to_string(), "\"plain\"");
        assert_eq!(text("a\n\"#b").to_string(), "r##\"a\n\"#b\"##");
    }

    #[test]
    fn literal_says_i64_when_the_number_does_not_fit_an_i32() {
        assert_eq!(literal(&Literal::Int(7)).to_string(), "7");
        assert_eq!(literal(&Literal::Int(5_000_000_000)).to_string(), "5000000000i64");
    }
}
