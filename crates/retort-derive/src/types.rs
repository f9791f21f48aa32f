//! A field's Rust type to the column's portable type.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Error, GenericArgument, LitInt, PathArguments, Result, Type};

/// The column type a field declares, and whether the field takes NULL.
pub struct ColumnType {
    pub ty: TokenStream,
    pub nullable: bool,
}

/// The column type of a field of type `field`: `Option<T>` is a nullable
/// `T`; `ty = …` says it outright; `length = n` bounds a string or bytes.
pub fn column_type(field: &Type, ty: Option<&syn::Expr>, length: Option<&LitInt>) -> Result<ColumnType> {
    let (inner, nullable) = match generic_argument(field, "Option") {
        Some(inner) => (inner, true),
        None => (field, false),
    };
    if let Some(expression) = ty {
        if let Some(length) = length {
            return Err(Error::new(length.span(), "give either ty = … or length = …, not both"));
        }
        let ty = quote! { {
            #[allow(unused_imports)]
            use ::retort::op::{Dialect, Type};
            #expression
        } };
        return Ok(ColumnType { ty, nullable });
    }
    Ok(ColumnType { ty: portable(inner, length)?, nullable })
}

/// The portable type for a Rust type retort knows by name.
fn portable(ty: &Type, length: Option<&LitInt>) -> Result<TokenStream> {
    let name = type_name(ty);
    let bounded = |bounded: TokenStream, unbounded: TokenStream| match length {
        Some(length) => quote! { ::retort::op::Type::#bounded(#length) },
        None => quote! { ::retort::op::Type::#unbounded },
    };
    let tokens = match name.as_deref() {
        Some("String" | "str") => return Ok(bounded(quote!(String), quote!(Text))),
        _ if is_bytes(ty) => return Ok(bounded(quote!(Binary), quote!(Bytes))),
        Some("i16") => quote!(SmallInt),
        Some("i32") => quote!(Int),
        Some("i64") => quote!(BigInt),
        Some("bool") => quote!(Bool),
        Some("f64" | "f32") => quote!(Float),
        Some("NaiveDate" | "Date") => quote!(Date),
        Some("NaiveTime" | "Time") => quote!(Time),
        Some("NaiveDateTime" | "PrimitiveDateTime") => quote!(DateTime),
        Some("DateTime" | "OffsetDateTime") => quote!(DateTimeOffset),
        Some("Uuid") => quote!(Uuid),
        Some("Value" | "Json") => quote!(Json),
        _ => return Err(unknown(ty)),
    };
    if let Some(length) = length {
        return Err(Error::new(length.span(), "length = … applies to a String or a Vec<u8> field"));
    }
    Ok(quote! { ::retort::op::Type::#tokens })
}

fn unknown(ty: &Type) -> Error {
    let spelled = ty.to_token_stream().to_string();
    let hint = if spelled.contains("Decimal") {
        "ty = Type::Decimal(precision, scale)"
    } else {
        "ty = Type::… (or Type::native([(Dialect::Mssql, \"…\"), …]))"
    };
    Error::new(
        ty.span(),
        format!("retort cannot tell the SQL type of a `{spelled}` field; say it with #[retort({hint})]"),
    )
}

/// The last segment's name of a path type, or `str` for `&str`.
fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|segment| segment.ident.to_string()),
        Type::Reference(reference) => type_name(&reference.elem),
        _ => None,
    }
}

/// `Vec<u8>`, `&[u8]` or `[u8; N]`.
fn is_bytes(ty: &Type) -> bool {
    let is_u8 = |ty: &Type| type_name(ty).as_deref() == Some("u8");
    match ty {
        Type::Reference(reference) => is_bytes(&reference.elem),
        Type::Slice(slice) => is_u8(&slice.elem),
        Type::Array(array) => is_u8(&array.elem),
        _ => generic_argument(ty, "Vec").is_some_and(is_u8),
    }
}

/// `T` of `Wrapper<T>`.
fn generic_argument<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else { return None };
    match arguments.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
