//! The `#[retort(...)]` attributes on a row struct and on its fields.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{parenthesized, Attribute, Expr, LitInt, LitStr, Result, Token};

/// What the struct's attributes say about the whole table.
#[derive(Default)]
pub struct TableAttributes {
    /// `table = "users"`; without it, the struct's name in snake case.
    pub name: Option<LitStr>,
    /// `renamed_from = "old"`.
    pub renamed_from: Option<LitStr>,
    /// `primary_key("a", "b")`: a composite primary key.
    pub primary_key: Option<Vec<LitStr>>,
    /// `unique("a", "b")`, once per composite unique constraint.
    pub uniques: Vec<Vec<LitStr>>,
    /// `check(name = "...", sql = "...")`.
    pub checks: Vec<CheckAttribute>,
    /// `index(name = "...", columns(...), ...)`.
    pub indexes: Vec<IndexAttribute>,
}

pub struct CheckAttribute {
    pub name: LitStr,
    pub condition: Expr,
}

pub struct IndexAttribute {
    pub name: LitStr,
    pub columns: Vec<LitStr>,
    pub unique: bool,
    pub descending: Vec<LitStr>,
    pub include: Vec<LitStr>,
    pub filter: Option<Expr>,
}

/// What a field's attributes say about its column.
#[derive(Default)]
pub struct ColumnAttributes {
    /// `name = "column"`: the column's name when it is not the field's.
    pub name: Option<LitStr>,
    /// `ty = Type::Decimal(10, 2)`: the type, when the Rust type cannot say it.
    pub ty: Option<Expr>,
    /// `length = 100`: a `String` becomes `Type::String(100)`, a `Vec<u8>`
    /// `Type::Binary(100)`.
    pub length: Option<LitInt>,
    pub identity: bool,
    pub primary_key: bool,
    pub unique: bool,
    /// `nullable`: NULL allowed although the field is not an `Option`.
    pub nullable: bool,
    /// `default = "user"`, `default = false`, `default = DefaultValue::CurrentTimestamp`.
    pub default: Option<Expr>,
    /// `references = "users.id"`.
    pub references: Option<LitStr>,
    pub on_delete: Option<LitStr>,
    pub on_update: Option<LitStr>,
    /// `index` (named `ix_<table>_<column>`) or `index = "name"`.
    pub index: Option<Option<LitStr>>,
    /// `renamed_from = "old"`.
    pub renamed_from: Option<LitStr>,
    /// `skip`: the field is not a column.
    pub skip: bool,
}

impl TableAttributes {
    pub fn parse(attributes: &[Attribute]) -> Result<Self> {
        let mut table = Self::default();
        for attribute in retort_attributes(attributes) {
            attribute.parse_nested_meta(|meta| table.parse_one(meta))?;
        }
        Ok(table)
    }

    fn parse_one(&mut self, meta: ParseNestedMeta) -> Result<()> {
        if meta.path.is_ident("table") {
            self.name = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("renamed_from") {
            self.renamed_from = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("primary_key") {
            self.primary_key = Some(string_list(&meta)?);
        } else if meta.path.is_ident("unique") {
            self.uniques.push(string_list(&meta)?);
        } else if meta.path.is_ident("check") {
            self.checks.push(CheckAttribute::parse(&meta)?);
        } else if meta.path.is_ident("index") {
            self.indexes.push(IndexAttribute::parse(&meta)?);
        } else {
            return Err(meta.error(
                "unknown table attribute; retort knows table = \"…\", renamed_from = \"…\", \
                 primary_key(\"…\", …), unique(\"…\", …), check(name = \"…\", sql = \"…\") \
                 and index(name = \"…\", columns(\"…\", …), unique, descending(…), include(…), filter = \"…\")",
            ));
        }
        Ok(())
    }
}

impl CheckAttribute {
    fn parse(meta: &ParseNestedMeta) -> Result<Self> {
        let mut name = None;
        let mut condition = None;
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("name") {
                name = Some(inner.value()?.parse()?);
            } else if inner.path.is_ident("sql") {
                condition = Some(inner.value()?.parse()?);
            } else {
                return Err(inner.error("a check takes name = \"…\" and sql = \"…\""));
            }
            Ok(())
        })?;
        match (name, condition) {
            (Some(name), Some(condition)) => Ok(Self { name, condition }),
            _ => Err(meta.error("a check needs both name = \"…\" and sql = \"…\"")),
        }
    }
}

impl IndexAttribute {
    fn parse(meta: &ParseNestedMeta) -> Result<Self> {
        let mut name = None;
        let mut index = Self {
            name: LitStr::new("", Span::call_site()),
            columns: Vec::new(),
            unique: false,
            descending: Vec::new(),
            include: Vec::new(),
            filter: None,
        };
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("name") {
                name = Some(inner.value()?.parse()?);
            } else if inner.path.is_ident("columns") {
                index.columns = string_list(&inner)?;
            } else if inner.path.is_ident("unique") {
                index.unique = true;
            } else if inner.path.is_ident("descending") {
                index.descending = string_list(&inner)?;
            } else if inner.path.is_ident("include") {
                index.include = string_list(&inner)?;
            } else if inner.path.is_ident("filter") {
                index.filter = Some(inner.value()?.parse()?);
            } else {
                return Err(inner.error(
                    "an index takes name = \"…\", columns(\"…\", …), unique, descending(\"…\", …), \
                     include(\"…\", …) and filter = \"…\"",
                ));
            }
            Ok(())
        })?;
        index.name = name.ok_or_else(|| meta.error("an index needs name = \"…\""))?;
        if index.columns.is_empty() {
            return Err(meta.error("an index needs columns(\"…\", …)"));
        }
        Ok(index)
    }
}

impl ColumnAttributes {
    pub fn parse(attributes: &[Attribute]) -> Result<Self> {
        let mut column = Self::default();
        for attribute in retort_attributes(attributes) {
            attribute.parse_nested_meta(|meta| column.parse_one(meta))?;
        }
        Ok(column)
    }

    fn parse_one(&mut self, meta: ParseNestedMeta) -> Result<()> {
        let flag = |path: &str| meta.path.is_ident(path);
        if flag("identity") {
            self.identity = true;
        } else if flag("primary_key") {
            self.primary_key = true;
        } else if flag("unique") {
            self.unique = true;
        } else if flag("nullable") {
            self.nullable = true;
        } else if flag("skip") {
            self.skip = true;
        } else if flag("index") {
            self.index = Some(if meta.input.peek(Token![=]) { Some(meta.value()?.parse()?) } else { None });
        } else {
            return self.parse_value(meta);
        }
        Ok(())
    }

    fn parse_value(&mut self, meta: ParseNestedMeta) -> Result<()> {
        let is = |path: &str| meta.path.is_ident(path);
        if is("name") {
            self.name = Some(meta.value()?.parse()?);
        } else if is("ty") {
            self.ty = Some(meta.value()?.parse()?);
        } else if is("length") {
            self.length = Some(meta.value()?.parse()?);
        } else if is("default") {
            self.default = Some(meta.value()?.parse()?);
        } else if is("references") {
            self.references = Some(meta.value()?.parse()?);
        } else if is("on_delete") {
            self.on_delete = Some(meta.value()?.parse()?);
        } else if is("on_update") {
            self.on_update = Some(meta.value()?.parse()?);
        } else if is("renamed_from") {
            self.renamed_from = Some(meta.value()?.parse()?);
        } else {
            return Err(meta.error(
                "unknown column attribute; retort knows name, ty, length, identity, primary_key, \
                 unique, nullable, default, references, on_delete, on_update, index, renamed_from and skip",
            ));
        }
        Ok(())
    }
}

/// The attributes named `retort`.
fn retort_attributes(attributes: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attributes.iter().filter(|attribute| attribute.path().is_ident("retort"))
}

/// `("a", "b", …)` after an attribute's name.
fn string_list(meta: &ParseNestedMeta) -> Result<Vec<LitStr>> {
    let content;
    parenthesized!(content in meta.input);
    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    if list.is_empty() {
        return Err(meta.error("name at least one column: (\"column\", …)"));
    }
    Ok(list.into_iter().collect())
}
