//! Privacy by default: every column of every copied table must be
//! classified in the masking file, and a column that looks personal may
//! only be kept with a reason. What is missing comes back as a list and a
//! snippet ready to paste into the file.

use std::collections::BTreeMap;

use super::coverage::{Coverage, Unclassified};
use super::kind::{kind_of, Kind};
use super::mask_file::MaskFile;
use super::strategy::Rule;
use crate::schema::SchemaSnapshot;
use crate::Dialect;

/// Words that, as a whole part of a column name (split on `_`), make it
/// look personal.
const PERSONAL_PARTS: &[(&str, &str)] = &[
    ("name", "a name"),
    ("surname", "a name"),
    ("firstname", "a name"),
    ("lastname", "a name"),
    ("fullname", "a name"),
    ("username", "a name"),
    ("nickname", "a name"),
    ("email", "an email address"),
    ("mail", "an email address"),
    ("phone", "a phone number"),
    ("mobile", "a phone number"),
    ("tel", "a phone number"),
    ("fax", "a phone number"),
    ("address", "an address"),
    ("street", "an address"),
    ("city", "an address"),
    ("zip", "an address"),
    ("postcode", "an address"),
    ("postal", "an address"),
    ("birth", "a birth date"),
    ("birthday", "a birth date"),
    ("dob", "a birth date"),
    ("ssn", "a national identifier"),
    ("passport", "a national identifier"),
    ("national", "a national identifier"),
    ("card", "a payment card"),
    ("cc", "a payment card"),
    ("cvv", "a payment card"),
    ("iban", "a bank account"),
    ("bic", "a bank account"),
    ("ip", "an IP address"),
    ("password", "a credential"),
    ("passwd", "a credential"),
    ("pwd", "a credential"),
    ("hash", "a credential"),
    ("secret", "a credential"),
    ("token", "a credential"),
    ("salt", "a credential"),
    ("latitude", "a location"),
    ("longitude", "a location"),
    ("lat", "a location"),
    ("lng", "a location"),
    ("gender", "a personal trait"),
    ("salary", "a personal trait"),
    ("description", "free text, which often holds personal data"),
    ("content", "free text, which often holds personal data"),
    ("comment", "free text, which often holds personal data"),
    ("note", "free text, which often holds personal data"),
    ("notes", "free text, which often holds personal data"),
    ("body", "free text, which often holds personal data"),
    ("message", "free text, which often holds personal data"),
    ("bio", "free text, which often holds personal data"),
];

/// Parts of a name found anywhere in it (`useremail`, `homephone`).
const PERSONAL_INFIXES: &[(&str, &str)] = &[
    ("email", "an email address"),
    ("phone", "a phone number"),
    ("password", "a credential"),
    ("passwd", "a credential"),
    ("address", "an address"),
    ("birth", "a birth date"),
    ("ssn", "a national identifier"),
    ("iban", "a bank account"),
    ("name", "a name"),
];

/// Why a column looks personal, by its name or its type; `None` when it
/// does not.
pub fn looks_personal(column: &str, data_type: &str) -> Option<&'static str> {
    let lower = column.to_lowercase();
    let parts: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).collect();
    if let Some((_, why)) = PERSONAL_PARTS.iter().find(|(word, _)| parts.contains(word)) {
        return Some(why);
    }
    if let Some((_, why)) = PERSONAL_INFIXES.iter().find(|(word, _)| lower.contains(word)) {
        return Some(why);
    }
    let data_type = data_type.to_lowercase();
    if ["inet", "cidr", "macaddr"].iter().any(|t| data_type.starts_with(t)) {
        return Some("an IP address");
    }
    None
}

/// A strategy to suggest for a column, by its name and kind.
fn suggest(column: &str, kind: Kind, personal: Option<&str>) -> &'static str {
    let lower = column.to_lowercase();
    let has = |word: &str| lower.contains(word);
    match personal {
        None => "\"keep\"",
        Some(_) if kind.is_temporal() => "{ strategy = \"date_shift\", days = 365 }",
        Some(_) if kind.is_numeric() => "{ strategy = \"number_range\", min = 0, max = 100 }",
        Some(_) if kind == Kind::Bool => "{ strategy = \"constant\", value = false }",
        Some(_) if has("email") || has("mail") => "\"email\"",
        Some(_) if has("first") || has("given") => "\"first_name\"",
        Some(_) if has("last") || has("surname") || has("family") => "\"last_name\"",
        Some(_) if has("username") || has("nick") => "\"username\"",
        Some(_) if has("name") => "\"name\"",
        Some(_) if has("phone") || has("mobile") || has("fax") || has("tel") => "\"phone\"",
        Some(_) if has("address") || has("street") || has("city") => "\"address\"",
        Some(_) if kind == Kind::Text && !(has("password") || has("hash") || has("token") || has("secret")) => "\"text\"",
        Some(_) if kind.is_textual() || kind == Kind::Binary => "\"hash\"",
        Some(_) => "\"null\"",
    }
}

/// Checks the masking file against the tables of `schema`: every column
/// (computed ones aside: they are recomputed from the masked ones) needs a
/// rule, and a personal-looking one kept needs a reason.
pub fn coverage(file: &MaskFile, schema: &SchemaSnapshot, dialect: Dialect) -> Coverage {
    let mut result = Coverage::default();
    for (table, definition) in &schema.tables {
        for column in definition.columns.iter().filter(|column| column.computed.is_none()) {
            let kind = kind_of(dialect, &column.data_type, &schema.types);
            let personal = looks_personal(&column.name, &column.data_type);
            let kept_without_reason = match file.rule(table, &column.name) {
                Some(Rule::Keep { reason: None }) if personal.is_some() => true,
                Some(_) => continue,
                None => false,
            };
            result.unclassified.push(Unclassified {
                table: table.clone(),
                column: column.name.clone(),
                looks_like: personal,
                kept_without_reason,
                suggestion: suggest(&column.name, kind, personal),
            });
        }
    }
    let lower_tables: BTreeMap<String, &crate::schema::Table> =
        schema.tables.iter().map(|(name, table)| (name.to_lowercase(), table)).collect();
    for (table, rules) in &file.tables {
        for column in rules.keys() {
            let known = lower_tables
                .get(table)
                .is_some_and(|definition| definition.columns.iter().any(|c| c.name.to_lowercase() == *column));
            if !known {
                result.stale.push(format!("{table}.{column}"));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Table};

    fn schema() -> SchemaSnapshot {
        let column = |name: &str, data_type: &str| Column {
            name: name.to_owned(),
            data_type: data_type.to_owned(),
            nullable: true,
            ..Column::default()
        };
        let mut schema = SchemaSnapshot::default();
        schema.tables.insert(
            "users".to_owned(),
            Table {
                columns: vec![
                    column("id", "integer"),
                    column("email", "varchar(100)"),
                    column("role", "varchar(20)"),
                    column("last_login_ip", "inet"),
                    column("first_name", "varchar(50)"),
                ],
                ..Table::default()
            },
        );
        schema
    }

    #[test]
    fn looks_personal_reads_names_and_types() {
        assert!(looks_personal("email", "text").is_some());
        assert!(looks_personal("HomePhone", "text").is_some());
        assert!(looks_personal("date_of_birth", "date").is_some());
        assert!(looks_personal("hashed_password", "text").is_some());
        assert!(looks_personal("origin", "inet").is_some());
        assert!(looks_personal("priority", "integer").is_none());
        assert!(looks_personal("id", "integer").is_none());
        assert!(looks_personal("description", "text").is_some());
    }

    #[test]
    fn coverage_lists_missing_and_reasonless_columns_with_a_snippet() {
        let file = MaskFile::parse("[tables.users]\nid = \"keep\"\nemail = \"keep\"\nrole = \"keep\"\nphone = \"phone\"").unwrap();
        let coverage = coverage(&file, &schema(), Dialect::Postgres);
        let names: Vec<String> = coverage.unclassified.iter().map(|c| format!("{}.{}", c.table, c.column)).collect();
        assert_eq!(names, ["users.email", "users.last_login_ip", "users.first_name"]);
        assert!(coverage.unclassified[0].kept_without_reason);
        assert_eq!(coverage.stale, ["users.phone"]);
        let snippet = coverage.snippet();
        assert!(snippet.starts_with("[tables.users]\n"), "{snippet}");
        assert!(snippet.contains("email         = \"email\""), "{snippet}");
        assert!(snippet.contains("first_name    = \"first_name\""), "{snippet}");
        assert!(MaskFile::parse(&snippet).is_ok(), "the snippet parses: {snippet}");
    }
}
