//! Tables, columns, keys and indexes as builder calls.
//!
//! A builder call sets more than its name says (`identity()` and
//! `primary_key()` make a column NOT NULL), so each chain is built by
//! following what the calls do and stating what differs afterwards: the
//! value the generated code records is the value the chain was made from.

use proc_macro2::TokenStream;
use quote::quote;

use super::value::{action, default, names, sql, text, ty};
use crate::op::{Check, Column, Constraint, ForeignKey, Index, Key, Table};

/// `|t| { t.column(…)…; t.primary_key([…]); … }`: a table's definition.
pub(super) fn definition(table: &Table) -> TokenStream {
    let columns = table.columns.iter().map(|column| {
        let head = {
            let (name, column_type) = (text(&column.name), ty(&column.ty));
            quote! { t.column(#name, #column_type) }
        };
        let chain = column_chain(column);
        quote! { #head #chain; }
    });
    let primary = table.primary_key.as_ref().map(|key| {
        let (columns, named) = (names(&key.columns), named(&key.name));
        quote! { t.primary_key(#columns) #named; }
    });
    let uniques = table.uniques.iter().map(|key| {
        let (columns, named) = (names(&key.columns), named(&key.name));
        quote! { t.unique(#columns) #named; }
    });
    let foreign_keys = table.foreign_keys.iter().map(|key| {
        let (columns, target, target_columns) = (names(&key.columns), text(&key.ref_table), names(&key.ref_columns));
        let chain = foreign_key_chain(key);
        quote! { t.foreign_key(#columns, #target, #target_columns) #chain; }
    });
    let checks = table.checks.iter().map(|check| {
        let (name, condition) = (text(&check.name), sql(&check.condition));
        let exact = check.exact_name.then(|| quote! { .exact_name() });
        quote! { t.check(#name, #condition) #exact; }
    });
    quote! {
        |t| {
            #(#columns)*
            #primary
            #(#uniques)*
            #(#foreign_keys)*
            #(#checks)*
        }
    }
}

/// The calls after `t.column(name, type)` (or `op.add_column(…)`) that
/// give `column` its attributes.
pub(super) fn column_chain(column: &Column) -> TokenStream {
    let mut calls = Vec::new();
    // What the calls so far leave the column as.
    let mut nullable = true;
    match column.identity_start {
        Some((seed, increment)) if column.identity => {
            let (seed, increment) = (proc_macro2::Literal::i64_unsuffixed(seed), proc_macro2::Literal::i64_unsuffixed(increment));
            calls.push(quote! { .identity_from(#seed, #increment) });
            nullable = false;
        }
        _ if column.identity => {
            calls.push(quote! { .identity() });
            nullable = false;
        }
        _ => {}
    }
    if column.primary_key {
        calls.push(quote! { .primary_key() });
        nullable = false;
    }
    match (nullable, column.nullable) {
        (true, false) => calls.push(quote! { .not_null() }),
        (false, true) => calls.push(quote! { .nullable() }),
        _ => {}
    }
    if column.unique {
        calls.push(quote! { .unique() });
    }
    if let Some(value) = &column.default {
        let value = default(value);
        calls.push(quote! { .default(#value) });
    }
    if let Some(name) = &column.default_name {
        let name = text(name);
        calls.push(quote! { .default_constraint(#name) });
    }
    if let Some(computed) = &column.computed {
        let expression = sql(&computed.expression);
        calls.push(if computed.stored {
            quote! { .computed_stored(#expression) }
        } else {
            quote! { .computed(#expression) }
        });
    }
    if let Some(reference) = &column.references {
        let (target, target_column) = (text(&reference.table), text(&reference.column));
        calls.push(quote! { .references(#target, #target_column) });
        if let Some(on_delete) = reference.on_delete {
            let on_delete = action(on_delete);
            calls.push(quote! { .on_delete(#on_delete) });
        }
        if let Some(on_update) = reference.on_update {
            let on_update = action(on_update);
            calls.push(quote! { .on_update(#on_update) });
        }
    }
    quote! { #(#calls)* }
}

/// `.named("…")` when a key has a name of its own.
pub(super) fn named(name: &Option<String>) -> Option<TokenStream> {
    name.as_ref().map(|name| {
        let name = text(name);
        quote! { .named(#name) }
    })
}

/// The calls after `foreign_key(…)` or `create_foreign_key(…)`.
pub(super) fn foreign_key_chain(key: &ForeignKey) -> TokenStream {
    let named = named(&key.name);
    let on_delete = key.on_delete.map(|a| {
        let a = action(a);
        quote! { .on_delete(#a) }
    });
    let on_update = key.on_update.map(|a| {
        let a = action(a);
        quote! { .on_update(#a) }
    });
    let not_validated = key.not_validated.then(|| quote! { .not_validated() });
    quote! { #named #on_delete #on_update #not_validated }
}

/// The calls after `create_index(…)` or `drop_index_with(…)`.
pub(super) fn index_chain(index: &Index) -> TokenStream {
    let unique = index.unique.then(|| quote! { .unique() });
    let descending: Vec<String> = index.columns.iter().filter(|c| c.descending).map(|c| c.name.clone()).collect();
    let descending = (!descending.is_empty()).then(|| {
        let columns = names(&descending);
        quote! { .descending(#columns) }
    });
    let include = (!index.include.is_empty()).then(|| {
        let columns = names(&index.include);
        quote! { .include(#columns) }
    });
    let filter = index.filter.as_ref().map(|condition| {
        let condition = sql(condition);
        quote! { .filter(#condition) }
    });
    let online = index.online.as_ref().map(|online| {
        let resumable = online.resumable.then(|| quote! { .resumable() });
        let low_priority = online.wait_at_low_priority.map(|wait| {
            let minutes = wait.max_duration_minutes;
            let abort = match wait.abort_after_wait {
                crate::op::AbortAfterWait::Continue => quote! { AbortAfterWait::Continue },
                crate::op::AbortAfterWait::AbortSelf => quote! { AbortAfterWait::AbortSelf },
                crate::op::AbortAfterWait::KillBlockers => quote! { AbortAfterWait::KillBlockers },
            };
            quote! { .wait_at_low_priority(#minutes, #abort) }
        });
        quote! { .online() #resumable #low_priority }
    });
    quote! { #unique #descending #include #filter #online }
}

/// A constraint as a value, for `drop_constraint_with`: written out in
/// full, since the short constructors cannot carry every name.
pub(super) fn constraint(value: &Constraint) -> TokenStream {
    let key = |key: &Key| {
        let columns = key.columns.iter().map(|c| text(c));
        let name = option_text(&key.name);
        quote! { Key { name: #name, columns: vec![#(#columns.to_owned()),*] } }
    };
    match value {
        Constraint::PrimaryKey(k) => {
            let k = key(k);
            quote! { Constraint::PrimaryKey(#k) }
        }
        Constraint::Unique(k) => {
            let k = key(k);
            quote! { Constraint::Unique(#k) }
        }
        Constraint::ForeignKey(fk) => {
            let (columns, target, target_columns) = (names(&fk.columns), text(&fk.ref_table), names(&fk.ref_columns));
            let named = fk.name.as_ref().map(|n| {
                let n = text(n);
                quote! { name: Some(#n.to_owned()), }
            });
            let on = |a: Option<crate::op::ReferentialAction>| match a {
                Some(a) => {
                    let a = action(a);
                    quote! { Some(#a) }
                }
                None => quote! { None },
            };
            let (on_delete, on_update, not_validated) = (on(fk.on_delete), on(fk.on_update), fk.not_validated);
            quote! {
                Constraint::ForeignKey(ForeignKey {
                    #named
                    on_delete: #on_delete,
                    on_update: #on_update,
                    not_validated: #not_validated,
                    ..ForeignKey::new(#columns, #target, #target_columns)
                })
            }
        }
        Constraint::Check(Check { name, condition, exact_name, not_validated }) => {
            let name = text(name);
            let condition = match condition {
                crate::Sql::Portable(portable) => {
                    let portable = text(portable);
                    quote! { #portable.into() }
                }
                per_dialect => sql(per_dialect),
            };
            quote! {
                Constraint::Check(Check { name: #name.to_owned(), condition: #condition, exact_name: #exact_name, not_validated: #not_validated })
            }
        }
    }
}

fn option_text(value: &Option<String>) -> TokenStream {
    match value {
        Some(value) => {
            let value = text(value);
            quote! { Some(#value.to_owned()) }
        }
        None => quote! { None },
    }
}
