//! One recorded [`Operation`] as the statement on `op` that records it.

use proc_macro2::TokenStream;
use quote::quote;

use super::table::{column_chain, constraint, definition, foreign_key_chain, index_chain, named};
use super::value::{names, sql, text, ty};
use super::CodegenError;
use crate::op::{AlterColumn, BulkInsert, Constraint, Index, Literal};
use crate::{Operation, Sql};

/// `op.create_table("users", |t| { … });` and the like.
pub(super) fn statement(operation: &Operation) -> Result<TokenStream, CodegenError> {
    Ok(match operation {
        Operation::Execute(Sql::Portable(statement)) => {
            let statement = text(statement);
            quote! { op.execute(#statement); }
        }
        Operation::Execute(Sql::PerDialect(texts)) => {
            let texts = texts.iter().map(|(d, t)| {
                let (d, t) = (super::value::dialect(*d), text(t));
                quote! { (#d, #t) }
            });
            quote! { op.execute_per_dialect([#(#texts),*]); }
        }
        Operation::Module { kind, name, old, new } => {
            let kind = match kind {
                crate::ModuleKind::View => quote! { ModuleKind::View },
                crate::ModuleKind::Procedure => quote! { ModuleKind::Procedure },
                crate::ModuleKind::Function => quote! { ModuleKind::Function },
                crate::ModuleKind::Trigger => quote! { ModuleKind::Trigger },
            };
            let name = text(name);
            match (old, new) {
                (None, Some(new)) => {
                    let new = sql(new);
                    quote! { op.create_module(#kind, #name, #new); }
                }
                (Some(old), None) => {
                    let old = sql(old);
                    quote! { op.drop_module_with(#kind, #name, #old); }
                }
                (Some(old), Some(new)) => {
                    let (old, new) = (sql(old), sql(new));
                    quote! { op.replace_module(#kind, #name, #old, #new); }
                }
                (None, None) => {
                    return Err(CodegenError::Unsupported {
                        number: 0,
                        operation: operation.name(),
                        reason: "a module with neither an old nor a new text".to_owned(),
                    })
                }
            }
        }
        Operation::CreateTable(table) => {
            let (name, definition) = (text(&table.name), definition(table));
            quote! { op.create_table(#name, #definition); }
        }
        Operation::DropTable { table, definition: None } => {
            let table = text(table);
            quote! { op.drop_table(#table); }
        }
        Operation::DropTable { table, definition: Some(kept) } => {
            let (table, kept) = (text(table), definition(kept));
            quote! { op.drop_table_with(#table, #kept); }
        }
        Operation::RenameTable { from, to } => {
            let (from, to) = (text(from), text(to));
            quote! { op.rename_table(#from, #to); }
        }
        Operation::AddColumn { table, column } => {
            let (table, name, column_type, chain) = (text(table), text(&column.name), ty(&column.ty), column_chain(column));
            quote! { op.add_column(#table, #name, #column_type) #chain; }
        }
        Operation::DropColumn { table, column, definition: None } => {
            let (table, column) = (text(table), text(column));
            quote! { op.drop_column(#table, #column); }
        }
        Operation::DropColumn { table, definition: Some(column), .. } => {
            let (table, name, column_type, chain) = (text(table), text(&column.name), ty(&column.ty), column_chain(column));
            quote! { op.drop_column_with(#table, #name, #column_type) #chain; }
        }
        Operation::AlterColumn(alter) => alter_column(alter),
        Operation::RenameColumn { table, from, to } => {
            let (table, from, to) = (text(table), text(from), text(to));
            quote! { op.rename_column(#table, #from, #to); }
        }
        Operation::CreateIndex(index) => {
            let head = index_head(index);
            let chain = index_chain(index);
            quote! { op.create_index #head #chain; }
        }
        Operation::DropIndex { table, name, definition: None } => {
            let (name, table) = (text(name), text(table));
            quote! { op.drop_index(#name, #table); }
        }
        Operation::DropIndex { definition: Some(index), .. } => {
            let head = index_head(index);
            let chain = index_chain(index);
            quote! { op.drop_index_with #head #chain; }
        }
        Operation::AddConstraint { table, constraint } => add_constraint(table, constraint)?,
        Operation::DropConstraint { table, name, definition: None } => {
            let (name, table) = (text(name), text(table));
            quote! { op.drop_constraint(#name, #table); }
        }
        Operation::DropConstraint { table, definition: Some(kept), .. } => {
            let (table, kept) = (text(table), constraint(kept));
            quote! { op.drop_constraint_with(#table, #kept); }
        }
        Operation::ValidateConstraint { table, name } => {
            let (table, name) = (text(table), text(name));
            quote! { op.validate_constraint(#table, #name); }
        }
        Operation::CreateView { name, definition } => {
            let (name, select) = (text(name), sql(definition));
            quote! { op.create_view(#name, #select); }
        }
        Operation::DropView { name, definition: None } => {
            let name = text(name);
            quote! { op.drop_view(#name); }
        }
        Operation::DropView { name, definition: Some(select) } => {
            let (name, select) = (text(name), sql(select));
            quote! { op.drop_view_with(#name, #select); }
        }
        Operation::BulkInsert(insert) => bulk_insert(insert),
    })
}

/// `("name", "table", ["a", "b"])`.
fn index_head(index: &Index) -> TokenStream {
    let columns: Vec<String> = index.columns.iter().map(|c| c.name.clone()).collect();
    let (name, table, columns) = (text(&index.name), text(&index.table), names(&columns));
    quote! { (#name, #table, #columns) }
}

fn add_constraint(table: &str, value: &Constraint) -> Result<TokenStream, CodegenError> {
    let table = text(table);
    Ok(match value {
        Constraint::PrimaryKey(key) => {
            let (columns, named) = (names(&key.columns), named(&key.name));
            quote! { op.create_primary_key(#table, #columns) #named; }
        }
        Constraint::Unique(key) => {
            let (columns, named) = (names(&key.columns), named(&key.name));
            quote! { op.create_unique_constraint(#table, #columns) #named; }
        }
        Constraint::ForeignKey(key) => {
            let (columns, target, target_columns) = (names(&key.columns), text(&key.ref_table), names(&key.ref_columns));
            let chain = foreign_key_chain(key);
            quote! { op.create_foreign_key(#table, #columns, #target, #target_columns) #chain; }
        }
        // `create_check_constraint` names the check ck_<table>_<name>;
        // a check with a name of its own is added with its table.
        Constraint::Check(check) if check.exact_name => {
            return Err(CodegenError::Unsupported {
                number: 0,
                operation: "create_check_constraint",
                reason: format!(
                    "check {} keeps its exact name, which only a table's own checks can (`t.check(…).exact_name()`)",
                    check.name
                ),
            })
        }
        Constraint::Check(check) => {
            let (name, condition) = (text(&check.name), sql(&check.condition));
            let not_validated = check.not_validated.then(|| quote! { .not_validated() });
            quote! { op.create_check_constraint(#table, #name, #condition) #not_validated; }
        }
    })
}

fn alter_column(alter: &AlterColumn) -> TokenStream {
    let (table, column) = (text(&alter.table), text(&alter.column));
    let mut calls = Vec::new();
    if let Some(existing) = &alter.existing_type {
        let existing = ty(existing);
        calls.push(quote! { .existing_type(#existing) });
    }
    if let Some(existing) = alter.existing_nullable {
        calls.push(quote! { .existing_nullable(#existing) });
    }
    match &alter.existing_default {
        Some(Some(value)) => {
            let value = super::value::default(value);
            calls.push(quote! { .existing_default(#value) });
        }
        Some(None) => calls.push(quote! { .existing_no_default() }),
        None => {}
    }
    if let Some(new) = &alter.set_type {
        let new = ty(new);
        calls.push(quote! { .set_type(#new) });
    }
    if let Some(new) = alter.set_nullable {
        calls.push(quote! { .set_nullable(#new) });
    }
    match &alter.set_default {
        Some(Some(value)) => {
            let value = super::value::default(value);
            calls.push(quote! { .set_default(#value) });
        }
        Some(None) => calls.push(quote! { .drop_default() }),
        None => {}
    }
    quote! { op.alter_column(#table, #column) #(#calls)*; }
}

/// Rows as arrays of literals, each value spelled as its exact kind.
fn bulk_insert(insert: &BulkInsert) -> TokenStream {
    let (table, columns) = (text(&insert.table), names(&insert.columns));
    let rows = insert.rows.iter().map(|row| {
        let values = row.iter().map(|value| match value {
            // Already `Literal::…` expressions.
            Literal::Null | Literal::Decimal(_) | Literal::Bytes(_) => super::value::literal(value),
            _ => {
                let value = super::value::literal(value);
                quote! { Literal::from(#value) }
            }
        });
        quote! { .row([#(#values),*]) }
    });
    quote! { op.bulk_insert(#table, #columns) #(#rows)*; }
}
