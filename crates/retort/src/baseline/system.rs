//! The names SQL Server made up, read from its catalog.
//!
//! SQL Server's snapshot has no name for a system-named constraint (it
//! would differ in every database), so the baseline reads the names here:
//! to list them in the revision's header, and to keep them with
//! `--keep-names`. Babelfish calls every name system-made; there the
//! snapshot already knows the made-up ones (PostgreSQL's `users_pkey`),
//! and these are their spellings. Plain `SELECT`s of catalog views only.

#[cfg(feature = "mssql")]
use super::catalog_rows::{rows, text};
#[cfg(feature = "mssql")]
use crate::backend::mssql_extras::{CHECKS, DEFAULTS, FOREIGN_KEYS, KEYS};
#[cfg(feature = "mssql")]
use crate::backend::{Backend, BackendError};

/// The constraint names of a SQL Server database's `dbo` tables, as the
/// catalog spells them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemNames {
    /// (table, `PK`/`UQ`/`F`, columns in order, name).
    keys: Vec<(String, String, Vec<String>, String)>,
    /// (table, definition squashed, name).
    checks: Vec<(String, String, String)>,
    /// (table, column, name) of system-named defaults.
    defaults: Vec<(String, String, String)>,
}

impl SystemNames {
    /// Reads them (SQL Server only; the other dialects' snapshots carry
    /// what there is to know).
    #[cfg(feature = "mssql")]
    pub(crate) async fn read<B: Backend>(db: &mut B) -> Result<Self, BackendError> {
        let mut names = SystemNames::default();
        for query in [KEYS, FOREIGN_KEYS] {
            for row in rows(db, query).await? {
                let [table, name, kind, column] = [text(&row, 0), text(&row, 1), text(&row, 2), text(&row, 3)];
                match names.keys.iter_mut().find(|k| k.0 == table && k.3 == name) {
                    Some(key) => key.2.push(column),
                    None => names.keys.push((table, kind.trim().to_owned(), vec![column], name)),
                }
            }
        }
        let babelfish = db.flavour().await? == crate::Flavour::Babelfish;
        for row in rows(db, CHECKS).await? {
            // Babelfish prints a check as PostgreSQL does; the snapshot has
            // it in T-SQL (see `postgres_form.rs`).
            let definition = if babelfish { tsql(&text(&row, 2)) } else { text(&row, 2) };
            names.checks.push((text(&row, 0), squashed(&definition), text(&row, 1)));
        }
        for row in rows(db, DEFAULTS).await? {
            names.defaults.push((text(&row, 0), text(&row, 1), text(&row, 2)));
        }
        Ok(names)
    }

    /// The name of `table`'s primary key (`PK`), unique constraint (`UQ`)
    /// or foreign key (`F`) on `columns`.
    pub(crate) fn key(&self, table: &str, kind: &str, columns: &[String]) -> Option<&str> {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        self.keys
            .iter()
            .find(|(t, k, c, _)| same(t, table) && k == kind && c.len() == columns.len() && c.iter().zip(columns).all(|(a, b)| same(a, b)))
            .map(|(.., name)| name.as_str())
    }

    /// The name of `table`'s check whose expression is `expression`, as
    /// either server prints it.
    pub(crate) fn check(&self, table: &str, expression: &str) -> Option<&str> {
        let wanted = squashed(expression);
        self.checks
            .iter()
            .find(|(t, definition, _)| t.eq_ignore_ascii_case(table) && *definition == wanted)
            .map(|(.., name)| name.as_str())
    }

    /// The made-up name of `table.column`'s default.
    pub(crate) fn default_constraint(&self, table: &str, column: &str) -> Option<&str> {
        self.defaults
            .iter()
            .find(|(t, c, _)| t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column))
            .map(|(.., name)| name.as_str())
    }
}

/// A check Babelfish printed, in T-SQL.
#[cfg(feature = "mssql")]
fn tsql(definition: &str) -> String {
    crate::backend::babelfish_expression(definition, &[])
}

/// An expression without what printing adds: brackets, parentheses,
/// spaces, case (`([qty]>(0))` and `qty > 0` are both `qty>0`).
fn squashed(expression: &str) -> String {
    expression
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '(' | ')') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_is_found_whichever_way_the_server_printed_it() {
        let names = SystemNames {
            checks: vec![("orders".into(), squashed("([qty]>(0))"), "CK__orders__qty__2C3393D0".into())],
            ..SystemNames::default()
        };
        assert_eq!(names.check("orders", "qty > 0"), Some("CK__orders__qty__2C3393D0"));
        assert_eq!(names.check("orders", "qty >= 0"), None);
    }
}
