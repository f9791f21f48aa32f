//! `create_module`, `replace_module` and `drop_module_with`: a module's
//! whole text run as written, and the replacement that keeps what hangs on
//! the module where the dialect can (SQL Server's `CREATE OR ALTER` keeps
//! permissions and `object_id`; PostgreSQL's `CREATE OR REPLACE` keeps
//! grants and dependent views). The header is read with retort-sql's lexer,
//! and rewritten at the range it gives.

use retort_sql::{module_header, ModuleHeader};

use super::{Problem, Renderer};
use retort_sql::ModuleKind;

use crate::{Dialect, Flavour, Sql};

/// The statements that take the module `name` from `old` to `new`.
pub(super) fn statements(
    r: &Renderer<'_>,
    kind: ModuleKind,
    name: &str,
    old: Option<&Sql>,
    new: Option<&Sql>,
) -> Result<Vec<String>, Problem> {
    let what = format!("{} {name}", kind.keyword().to_lowercase());
    let old = old.map(|sql| r.sql_text(sql, &what)).transpose()?;
    let new = new.map(|sql| r.sql_text(sql, &what)).transpose()?;
    Ok(match (old, new) {
        (None, Some(new)) => vec![new.to_owned()],
        (Some(old), None) => vec![drop_sql(r.dialect, &header(r.dialect, old, &what)?)],
        (Some(old), Some(new)) => {
            let before = header(r.dialect, old, &what)?;
            let after = header(r.dialect, new, &what)?;
            match (r.dialect, kind) {
                // Babelfish (4.2) has no `CREATE OR ALTER` and alters only
                // procedures: `ALTER PROCEDURE` keeps its grants there too;
                // a view, function or trigger is dropped and created (its
                // grants go with it: see `backend/mssql/flavour.rs`).
                (Dialect::Mssql, ModuleKind::Procedure) if r.flavour == Flavour::Babelfish => {
                    vec![or_replace(new, &after, "ALTER")]
                }
                (Dialect::Mssql, _) if r.flavour == Flavour::Babelfish => vec![drop_sql(r.dialect, &before), new.to_owned()],
                (Dialect::Mssql, _) => vec![or_replace(new, &after, "CREATE OR ALTER")],
                (Dialect::Postgres, ModuleKind::Trigger) | (Dialect::Sqlite, _) => {
                    vec![drop_sql(r.dialect, &before), new.to_owned()]
                }
                (Dialect::Postgres, _) => vec![or_replace(new, &after, "CREATE OR REPLACE")],
            }
        }
        (None, None) => return Err(Problem::Invalid(format!("{what} has neither an old nor a new text"))),
    })
}

fn header(dialect: Dialect, text: &str, what: &str) -> Result<ModuleHeader, Problem> {
    module_header(dialect.lexer(), text)
        .map_err(|problem| Problem::Invalid(format!("the text of {what}, line {}: {}", problem.line, problem.problem)))
}

/// `DROP <kind> <name>` (a trigger on PostgreSQL `ON` its table), the name
/// quoted part by part as the header reads it.
fn drop_sql(dialect: Dialect, header: &ModuleHeader) -> String {
    let quoted = |parts: &[String]| parts.iter().map(|part| dialect.quote_ident(part)).collect::<Vec<_>>().join(".");
    match (&header.table, dialect) {
        (Some(table), Dialect::Postgres) => format!("DROP TRIGGER {} ON {}", quoted(&header.name), quoted(table)),
        _ => format!("DROP {} {}", header.kind.keyword(), quoted(&header.name)),
    }
}

/// `text` with its `CREATE <kind>` written `CREATE OR ALTER <kind>` (or
/// `CREATE OR REPLACE`, `ALTER`), unless it says `OR ALTER`/`OR REPLACE`
/// already (then as it is, but for `ALTER`); nothing else changes.
fn or_replace(text: &str, header: &ModuleHeader, create: &str) -> String {
    if header.or_replace && create != "ALTER" {
        return text.to_owned();
    }
    let range = header.create.clone();
    format!("{}{create} {}{}", &text[..range.start], header.kind.keyword(), &text[range.end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_replace_rewrites_only_the_header_when_it_is_a_plain_create() {
        let text = "-- CREATE PROC in a comment\ncreate  proc dbo.[Get Orders] AS SELECT 'CREATE PROC'";
        let header = module_header(retort_sql::Dialect::Mssql, text).unwrap();
        assert_eq!(
            or_replace(text, &header, "CREATE OR ALTER"),
            "-- CREATE PROC in a comment\nCREATE OR ALTER PROCEDURE dbo.[Get Orders] AS SELECT 'CREATE PROC'"
        );
        let text = "CREATE OR ALTER VIEW v AS SELECT 1";
        let header = module_header(retort_sql::Dialect::Mssql, text).unwrap();
        assert_eq!(or_replace(text, &header, "CREATE OR ALTER"), text);
    }

    #[test]
    fn drop_sql_quotes_each_part_and_names_a_postgres_triggers_table() {
        let header = module_header(retort_sql::Dialect::Mssql, "CREATE VIEW dbo.[Sales by Region] AS SELECT 1").unwrap();
        assert_eq!(drop_sql(Dialect::Mssql, &header), "DROP VIEW [dbo].[Sales by Region]");
        let text = "CREATE TRIGGER touch BEFORE UPDATE ON public.todos FOR EACH ROW EXECUTE FUNCTION f()";
        let header = module_header(retort_sql::Dialect::Postgres, text).unwrap();
        assert_eq!(drop_sql(Dialect::Postgres, &header), "DROP TRIGGER \"touch\" ON \"public\".\"todos\"");
    }

    fn replaced(dialect: Dialect, flavour: Flavour, kind: ModuleKind, old: &str, new: &str) -> Vec<String> {
        let r = Renderer::new(dialect, flavour, None);
        statements(&r, kind, "m", Some(&Sql::from(old)), Some(&Sql::from(new))).unwrap()
    }

    #[test]
    fn statements_keep_what_hangs_on_the_module_where_each_server_can() {
        let (old, new) = ("CREATE PROCEDURE p AS SELECT 1", "CREATE PROCEDURE p AS SELECT 2");
        assert_eq!(replaced(Dialect::Mssql, Flavour::Standard, ModuleKind::Procedure, old, new), ["CREATE OR ALTER PROCEDURE p AS SELECT 2"]);
        assert_eq!(replaced(Dialect::Mssql, Flavour::Babelfish, ModuleKind::Procedure, old, new), ["ALTER PROCEDURE p AS SELECT 2"]);
        let (old, new) = ("CREATE VIEW v AS SELECT 1 AS a", "CREATE VIEW v AS SELECT 2 AS a");
        assert_eq!(replaced(Dialect::Mssql, Flavour::Standard, ModuleKind::View, old, new), ["CREATE OR ALTER VIEW v AS SELECT 2 AS a"]);
        assert_eq!(replaced(Dialect::Mssql, Flavour::Babelfish, ModuleKind::View, old, new), ["DROP VIEW [v]", new]);
        assert_eq!(replaced(Dialect::Postgres, Flavour::Standard, ModuleKind::View, old, new), ["CREATE OR REPLACE VIEW v AS SELECT 2 AS a"]);
        assert_eq!(replaced(Dialect::Sqlite, Flavour::Standard, ModuleKind::View, old, new), ["DROP VIEW \"v\"", new]);
        let trigger = "CREATE TRIGGER t BEFORE UPDATE ON todos FOR EACH ROW EXECUTE FUNCTION f()";
        assert_eq!(replaced(Dialect::Postgres, Flavour::Standard, ModuleKind::Trigger, trigger, trigger), ["DROP TRIGGER \"t\" ON \"todos\"", trigger]);
    }
}
