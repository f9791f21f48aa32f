//! `#[derive(retort::Table)]`: an application's row struct declares its
//! table, for `new-revision --autogenerate` and `assert_schema_matches!`.
//!
//! Each named field is a column named after it. Its Rust type gives the
//! column type (`i32` → `Int`, `String` → `Text`, `bool` → `Bool`, …) and
//! `Option<T>` makes it nullable; `#[retort(...)]` says what a Rust type
//! cannot. The struct-level attributes name the table and declare composite
//! keys, checks and indexes. See `retort::declare` for the model it feeds;
//! the derive writes exactly the builder calls one would write by hand.
//!
//! ```text
//! #[derive(retort::Table)]
//! #[retort(table = "comments", index(name = "ix_comments_todo_id", columns("todo_id")))]
//! struct Comment {
//!     #[retort(identity, primary_key)]
//!     id: i32,
//!     #[retort(length = 500)]
//!     content: Option<String>,
//!     #[retort(references = "todos.id", on_delete = "cascade")]
//!     todo_id: Option<i32>,
//! }
//! ```

mod attributes;
mod types;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Error, Field, Fields, LitStr, Result};

use attributes::{ColumnAttributes, TableAttributes};

#[proc_macro_derive(Table, attributes(retort))]
pub fn derive_table(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).unwrap_or_else(Error::into_compile_error).into()
}

fn expand(input: &DeriveInput) -> Result<TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(input.ident.span(), "#[derive(retort::Table)] applies to a struct with named fields"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(Error::new(input.ident.span(), "#[derive(retort::Table)] needs named fields: each is a column"));
    };
    let table = TableAttributes::parse(&input.attrs)?;
    let table_name = match &table.name {
        Some(name) => name.value(),
        None => snake_case(&input.ident.to_string()),
    };
    let mut columns = Vec::new();
    let mut after = Vec::new();
    for field in &fields.named {
        let attributes = ColumnAttributes::parse(&field.attrs)?;
        if attributes.skip {
            continue;
        }
        let (column, extras) = column(field, &attributes, &table_name)?;
        columns.push(column);
        after.extend(extras);
    }
    if columns.is_empty() {
        return Err(Error::new(input.ident.span(), "a table needs at least one column"));
    }
    let constraints = table_constraints(&table);
    after.extend(table_indexes(&table));
    if let Some(old) = &table.renamed_from {
        after.push(quote! { .renamed_from(#old) });
    }
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::retort::declare::TableDefinition for #ident #type_generics #where_clause {
            fn table() -> ::retort::declare::Table {
                ::retort::declare::Table::new(#table_name, |t| {
                    #(#columns)*
                    #(#constraints)*
                })
                #(#after)*
            }
        }
    })
}

/// The builder call that declares one field's column, and the calls on the
/// declared table it needs after (its index, its previous name).
fn column(field: &Field, attributes: &ColumnAttributes, table: &str) -> Result<(TokenStream, Vec<TokenStream>)> {
    let ident = field.ident.as_ref().expect("named fields have names");
    let name = match &attributes.name {
        Some(name) => name.value(),
        None => ident.to_string().trim_start_matches("r#").to_owned(),
    };
    let ty = types::column_type(&field.ty, attributes.ty.as_ref(), attributes.length.as_ref())?;
    let column_type = &ty.ty;
    let mut calls = Vec::new();
    if !ty.nullable && !attributes.nullable {
        calls.push(quote! { .not_null() });
    }
    if attributes.identity {
        calls.push(quote! { .identity() });
    }
    if attributes.primary_key {
        calls.push(quote! { .primary_key() });
    }
    if attributes.unique {
        calls.push(quote! { .unique() });
    }
    if let Some(default) = &attributes.default {
        calls.push(quote! { .default({
            #[allow(unused_imports)]
            use ::retort::op::{DefaultValue, Dialect};
            #default
        }) });
    }
    calls.extend(reference(attributes)?);
    let mut after = Vec::new();
    if let Some(index) = &attributes.index {
        let index_name = match index {
            Some(index_name) => index_name.value(),
            None => format!("ix_{table}_{name}"),
        };
        after.push(quote! { .index(#index_name, [#name], |_| {}) });
    }
    if let Some(old) = &attributes.renamed_from {
        after.push(quote! { .column_renamed_from(#name, #old) });
    }
    Ok((quote! { t.column(#name, #column_type) #(#calls)*; }, after))
}

/// `.references(table, column)` and its actions, from `references = "table.column"`.
fn reference(attributes: &ColumnAttributes) -> Result<Vec<TokenStream>> {
    let Some(target) = &attributes.references else {
        if let Some(action) = attributes.on_delete.as_ref().or(attributes.on_update.as_ref()) {
            return Err(Error::new(action.span(), "on_delete and on_update need references = \"table.column\""));
        }
        return Ok(Vec::new());
    };
    let value = target.value();
    let Some((table, column)) = value.rsplit_once('.').filter(|(t, c)| !t.is_empty() && !c.is_empty()) else {
        return Err(Error::new(target.span(), format!("references = \"{value}\" needs the form \"table.column\"")));
    };
    let mut calls = vec![quote! { .references(#table, #column) }];
    if let Some(action) = &attributes.on_delete {
        let action = referential_action(action)?;
        calls.push(quote! { .on_delete(#action) });
    }
    if let Some(action) = &attributes.on_update {
        let action = referential_action(action)?;
        calls.push(quote! { .on_update(#action) });
    }
    Ok(calls)
}

fn referential_action(action: &LitStr) -> Result<TokenStream> {
    let variant = match action.value().to_ascii_lowercase().replace(['_', '-'], " ").as_str() {
        "cascade" => quote!(Cascade),
        "set null" => quote!(SetNull),
        "set default" => quote!(SetDefault),
        "restrict" => quote!(Restrict),
        "no action" => quote!(NoAction),
        other => {
            return Err(Error::new(
                action.span(),
                format!("unknown action \"{other}\"; use cascade, set_null, set_default, restrict or no_action"),
            ))
        }
    };
    Ok(quote! { ::retort::op::ReferentialAction::#variant })
}

/// The composite primary key, unique constraints and checks.
fn table_constraints(table: &TableAttributes) -> Vec<TokenStream> {
    let mut calls = Vec::new();
    if let Some(columns) = &table.primary_key {
        calls.push(quote! { t.primary_key([#(#columns),*]); });
    }
    for columns in &table.uniques {
        calls.push(quote! { t.unique([#(#columns),*]); });
    }
    for check in &table.checks {
        let (name, condition) = (&check.name, &check.condition);
        calls.push(quote! { t.check(#name, #condition); });
    }
    calls
}

fn table_indexes(table: &TableAttributes) -> Vec<TokenStream> {
    table
        .indexes
        .iter()
        .map(|index| {
            let name = &index.name;
            let columns = &index.columns;
            let mut shape = Vec::new();
            if index.unique {
                shape.push(quote! { index.unique(); });
            }
            if !index.descending.is_empty() {
                let descending = &index.descending;
                shape.push(quote! { index.descending([#(#descending),*]); });
            }
            if !index.include.is_empty() {
                let include = &index.include;
                shape.push(quote! { index.include([#(#include),*]); });
            }
            if let Some(filter) = &index.filter {
                shape.push(quote! { index.filter(#filter); });
            }
            let index = if shape.is_empty() { quote!(_) } else { quote!(index) };
            quote! { .index(#name, [#(#columns),*], |#index| { #(#shape)* }) }
        })
        .collect()
}

/// `TodoItem` → `todo_item`.
fn snake_case(name: &str) -> String {
    let mut snake = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

#[cfg(test)]
mod tests;
