//! SQLite: native `ALTER TABLE` where it can (rename, add and drop a plain
//! column), and the table-rebuild recipe where it cannot (alter a column,
//! add or drop a constraint, add a column with constraints).
//!
//! The rebuild is Alembic's batch mode and SQLite's documented procedure
//! for "other kinds of table schema changes", run inside the revision's
//! transaction: create the new shape under a temporary name, copy the rows,
//! drop the old table, rename the new one, recreate the indexes and
//! triggers. Two settings matter:
//!
//! - `legacy_alter_table` is on during the rename: otherwise SQLite checks
//!   every view and trigger while the old table is gone, and a view on the
//!   table stops the rename ("error in view ...: no such table").
//! - foreign key enforcement must be off: with it on, dropping the old
//!   table deletes the rows that reference it (`ON DELETE CASCADE`) or
//!   fails, and `PRAGMA foreign_keys` cannot change inside a transaction,
//!   so whoever runs the revision turns it off before `BEGIN` (and runs
//!   `PRAGMA foreign_key_check` before `COMMIT`), as Django does. The first
//!   rebuild of a revision starts with a guard that fails, naming the
//!   pragma, when enforcement is on, rather than lose rows.

use super::{common, Renderer};
use crate::op::catalog::{CatalogSource, Shadow};
use crate::op::error::Problem;
use crate::op::literal::DefaultValue;
use crate::op::sqlite_table::SqliteTable;
use crate::op::table::Column;
use crate::{Dialect, Operation};

/// The schema the statements rendered so far leave, for rebuilds.
pub(super) struct Schema<'a> {
    shadow: Shadow<'a>,
    /// Whether a rebuild has checked foreign key enforcement already: it
    /// cannot change inside the revision's transaction.
    guarded: bool,
}

impl<'a> Schema<'a> {
    pub(super) fn new(catalog: Option<&'a dyn CatalogSource>) -> Self {
        Self {
            shadow: Shadow::new(catalog),
            guarded: false,
        }
    }

    /// A new revision is a new transaction: its first rebuild checks
    /// foreign key enforcement again.
    pub(super) fn begin_revision(&mut self) {
        self.guarded = false;
    }

    /// SQL (rendered or raw; `what` says where it comes from) runs at this
    /// point of the plan.
    pub(super) fn ran(&mut self, what: &str, sql: &str) {
        self.shadow.queue(what, sql);
    }

    /// The table's definition at this point of the plan, for a rebuild.
    fn table(&mut self, name: &str) -> Result<SqliteTable, Problem> {
        let problem = |reason: String| Problem::Rebuild {
            table: name.to_owned(),
            reason,
        };
        let sql = self
            .shadow
            .table(name)
            .map_err(problem)?
            .ok_or_else(|| {
                problem(
                    "the database has no such table at this point of the plan (not created yet, or dropped or \
                     renamed by an earlier operation)"
                        .to_owned(),
                )
            })?;
        SqliteTable::parse(name, &sql).map_err(problem)
    }
}

pub(super) fn render(r: &mut Renderer<'_>, operation: &Operation) -> Result<Vec<String>, Problem> {
    let q = |name: &str| Dialect::Sqlite.quote_ident(name);
    if let Some(statements) = common(r, operation) {
        return statements;
    }
    Ok(match operation {
        Operation::RenameTable { from, to } => {
            vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
        }
        Operation::AddColumn { table, column } => add_column(r, table, column)?,
        Operation::DropColumn {
            table,
            column,
            definition,
        } => {
            let constraints = definition
                .as_ref()
                .map(Column::implied_constraints)
                .unwrap_or_default();
            if constraints.is_empty() {
                vec![format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    q(table),
                    q(column)
                )]
            } else {
                // SQLite's DROP COLUMN refuses a column in a key.
                rebuild(r, table, |t| {
                    for constraint in &constraints {
                        // Gone already if an earlier operation dropped it.
                        let _ = t.drop_constraint(&constraint.name(table));
                    }
                    t.drop_column(column)
                })?
            }
        }
        Operation::AlterColumn(alter) => {
            let ty = alter
                .set_type
                .as_ref()
                .map(|ty| r.type_sql(ty))
                .transpose()?;
            let default = match &alter.set_default {
                Some(Some(default)) => Some(Some(r.default_sql(default)?)),
                Some(None) => Some(None),
                None => None,
            };
            if ty.is_none() && alter.set_nullable.is_none() && default.is_none() {
                return Err(Problem::Invalid(
                    "it changes nothing: call set_type, set_nullable, set_default or drop_default"
                        .to_owned(),
                ));
            }
            rebuild(r, &alter.table, |t| {
                t.alter_column(&alter.column, ty.as_deref(), alter.set_nullable, default)
            })?
        }
        Operation::RenameColumn { table, from, to } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                q(table),
                q(from),
                q(to)
            )]
        }
        Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", q(name))],
        Operation::AddConstraint { table, constraint } => {
            let sql = r.constraint_sql(table, constraint)?;
            rebuild(r, table, |t| {
                t.add_constraint(sql);
                Ok(())
            })?
        }
        Operation::DropConstraint { table, name, .. } => {
            rebuild(r, table, |t| t.drop_constraint(name))?
        }
        // The rebuild that added the constraint checked every row (checks
        // as the rows were copied, foreign keys by `foreign_key_check`
        // before the commit): nothing is left to validate.
        Operation::ValidateConstraint { .. } => Vec::new(),
        other => unreachable!(
            "{} is rendered by the shared shapes or by the caller",
            other.name()
        ),
    })
}

/// `ADD COLUMN` where SQLite allows it: no key, no identity, and a default
/// that is a constant (non-null when the column is NOT NULL). Otherwise a
/// rebuild.
fn add_column(r: &mut Renderer<'_>, table: &str, column: &Column) -> Result<Vec<String>, Problem> {
    if column.identity {
        return Err(Problem::Unsupported(
            "an identity column is the table's INTEGER PRIMARY KEY and cannot be added later: create the table with it"
                .to_owned(),
        ));
    }
    let definition = r.column_sql(table, column)?;
    let constraints = column
        .implied_constraints()
        .iter()
        .map(|constraint| r.constraint_sql(table, constraint))
        .collect::<Result<Vec<_>, _>>()?;
    let constant_default = match &column.default {
        None => column.nullable,
        Some(DefaultValue::Literal(literal)) => {
            column.nullable || *literal != crate::op::Literal::Null
        }
        Some(_) => false,
    };
    if constraints.is_empty() && constant_default {
        return Ok(vec![format!(
            "ALTER TABLE {} ADD COLUMN {definition}",
            Dialect::Sqlite.quote_ident(table)
        )]);
    }
    rebuild(r, table, |t| {
        t.add_column(definition);
        for constraint in constraints {
            t.add_constraint(constraint);
        }
        Ok(())
    })
}

/// Rebuilds `table` with `change` applied to its definition.
fn rebuild(
    r: &mut Renderer<'_>,
    table: &str,
    change: impl FnOnce(&mut SqliteTable) -> Result<(), String>,
) -> Result<Vec<String>, Problem> {
    let old = r.sqlite.table(table)?;
    let mut new = old.clone();
    change(&mut new).map_err(Problem::Invalid)?;
    let mut statements = Vec::new();
    if !std::mem::replace(&mut r.sqlite.guarded, true) {
        statements.extend(FOREIGN_KEYS_GUARD.iter().map(|s| (*s).to_owned()));
    }
    statements.extend(rebuild_statements(&old, &new));
    Ok(statements)
}

/// Fails with the constraint's name as the message when foreign key
/// enforcement is on: SQLite's only way to raise an error from plain SQL.
const FOREIGN_KEYS_GUARD: [&str; 3] = [
    "CREATE TEMP TABLE \"_retort_rebuild_guard\" (\"foreign_keys\" INTEGER CONSTRAINT \
     \"SQLite table rebuilds need PRAGMA foreign_keys = OFF, set before the transaction\" CHECK (\"foreign_keys\" = 0))",
    "INSERT INTO \"_retort_rebuild_guard\" SELECT foreign_keys FROM pragma_foreign_keys",
    "DROP TABLE \"_retort_rebuild_guard\"",
];

/// The rebuild recipe from `old` to `new`: the rows of the columns both
/// have are copied; the indexes and triggers of `new` are recreated.
pub(crate) fn rebuild_statements(old: &SqliteTable, new: &SqliteTable) -> Vec<String> {
    let q = |name: &str| Dialect::Sqlite.quote_ident(name);
    let temporary = format!("_retort_new_{}", old.name);
    let kept = old.stored_columns();
    let copied: Vec<String> = new
        .stored_columns()
        .into_iter()
        .filter(|c| kept.iter().any(|k| k.eq_ignore_ascii_case(c)))
        .map(|c| q(&c))
        .collect();
    let copied = copied.join(", ");
    let mut statements = vec![
        "PRAGMA legacy_alter_table = ON".to_owned(),
        new.create_sql(&temporary),
        format!(
            "INSERT INTO {} ({copied}) SELECT {copied} FROM {}",
            q(&temporary),
            q(&old.name)
        ),
        format!("DROP TABLE {}", q(&old.name)),
        format!("ALTER TABLE {} RENAME TO {}", q(&temporary), q(&old.name)),
        "PRAGMA legacy_alter_table = OFF".to_owned(),
    ];
    statements.extend(new.indexes.iter().cloned());
    statements.extend(new.triggers.iter().cloned());
    statements
}
