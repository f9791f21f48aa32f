//! The operation builder that Rust revisions record into.
//!
//! A revision's `upgrade` and `downgrade` functions do not touch the database:
//! they record [`Operation`]s, which a dialect renders to SQL later. That is
//! what lets one revision run on every backend, and what lets offline scripts
//! and dry runs show exactly what would run. The recorded operations are also
//! what a missing `downgrade` is derived from (see `op::reverse`).

use super::{AlterColumn, BulkInsert, Check, Column, Constraint, ForeignKey, Index, Key, Table, Type};
use retort_sql::ModuleKind;

use crate::Dialect;

/// The recorder handed to a Rust revision's `upgrade` and `downgrade`.
///
/// ```
/// use retort::op::*;
///
/// pub fn upgrade(op: &mut Operations) {
///     op.create_table("users", |t| {
///         t.column("id", Type::Int).identity().primary_key();
///         t.column("email", Type::String(100)).not_null().unique();
///         t.column("is_active", Type::Bool).not_null().default(true);
///     });
///     op.add_column("users", "phone_number", Type::String(20));
///     op.create_index("ix_users_email", "users", ["email"]);
/// }
/// let mut op = Operations::default();
/// upgrade(&mut op);
/// assert_eq!(op.operations().len(), 3);
/// ```
#[derive(Debug, Default)]
pub struct Operations {
    recorded: Vec<Operation>,
    allowances: Vec<Allowance>,
}

/// A lint finding the revision's author acknowledges for one operation,
/// with the reason (`op.allow(…)`; see `migrate lint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The 1-based number of the operation it is for.
    pub operation: usize,
    /// The rule id (`mssql-create-index-offline`).
    pub rule: String,
    /// Why the finding is safe here; an empty reason acknowledges nothing
    /// and is itself reported.
    pub reason: String,
}

/// One recorded operation.
///
/// The drops come in two forms: without the dropped object's definition,
/// which cannot be reversed, and with it (`definition: Some`, recorded by the
/// `*_with` methods), which a derived downgrade recreates.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// Raw SQL, either the same for every dialect or given per dialect.
    Execute(Sql),
    /// Creates a table with its columns and constraints (`create_table`).
    CreateTable(Table),
    /// Drops a table (`drop_table`, `drop_table_with`).
    DropTable {
        /// The table to drop.
        table: String,
        /// Its definition, when recorded: what a derived downgrade recreates.
        definition: Option<Table>,
    },
    /// Renames a table (`rename_table`).
    RenameTable {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Adds a column (`add_column`).
    AddColumn {
        /// The table it changes.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drops a column (`drop_column`, `drop_column_with`).
    DropColumn {
        /// The table it changes.
        table: String,
        /// The column to drop.
        column: String,
        /// Its definition, when recorded: what a derived downgrade re-adds.
        definition: Option<Column>,
    },
    /// Changes a column's type, nullability or default (`alter_column`).
    AlterColumn(AlterColumn),
    /// Renames a column (`rename_column`).
    RenameColumn {
        /// The table it changes.
        table: String,
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Creates an index (`create_index`).
    CreateIndex(Index),
    /// Drops an index (`drop_index`, `drop_index_with`).
    DropIndex {
        /// The table the index is on.
        table: String,
        /// The index's name.
        name: String,
        /// Its definition, when recorded: what a derived downgrade recreates.
        definition: Option<Index>,
    },
    /// Adds a key, foreign key or check to an existing table
    /// (`create_primary_key`, `create_unique_constraint`,
    /// `create_foreign_key`, `create_check_constraint`).
    AddConstraint {
        /// The table it changes.
        table: String,
        /// The constraint to add.
        constraint: Constraint,
    },
    /// Drops a constraint (`drop_constraint`, `drop_constraint_with`).
    DropConstraint {
        /// The table it changes.
        table: String,
        /// The constraint's name.
        name: String,
        /// Its definition, when recorded: what a derived downgrade re-adds.
        definition: Option<Constraint>,
    },
    /// Checks the existing rows against a constraint added unvalidated
    /// (`not_validated`). It changes no schema, so its reverse is nothing.
    ValidateConstraint {
        /// The table the constraint is on.
        table: String,
        /// The constraint's name.
        name: String,
    },
    /// Creates a view (`create_view`).
    CreateView {
        /// The view's name.
        name: String,
        /// Its `SELECT`, portable or per dialect.
        definition: Sql,
    },
    /// Drops a view (`drop_view`, `drop_view_with`).
    DropView {
        /// The view's name.
        name: String,
        /// Its `SELECT`, when recorded: what a derived downgrade recreates.
        definition: Option<Sql>,
    },
    /// Inserts rows (`bulk_insert`).
    BulkInsert(BulkInsert),
    /// Creates, replaces or drops a view, procedure, function or trigger
    /// from its whole text (`create_module`, `replace_module`,
    /// `drop_module_with`): `old` is its text before (`None`: it did not
    /// exist), `new` after (`None`: it is dropped). Its reverse swaps the
    /// two, so a downgrade puts back the old text as it was.
    Module {
        /// What the texts create.
        kind: ModuleKind,
        /// Its name, as its `objects/` file writes it, for messages.
        name: String,
        /// Its text before, when it existed.
        old: Option<Sql>,
        /// Its text after, unless it is dropped.
        new: Option<Sql>,
    },
}

impl Operation {
    /// The operation's name as a revision calls it, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Execute(_) => "execute",
            Operation::CreateTable(_) => "create_table",
            Operation::DropTable { .. } => "drop_table",
            Operation::RenameTable { .. } => "rename_table",
            Operation::AddColumn { .. } => "add_column",
            Operation::DropColumn { .. } => "drop_column",
            Operation::AlterColumn(_) => "alter_column",
            Operation::RenameColumn { .. } => "rename_column",
            Operation::CreateIndex(_) => "create_index",
            Operation::DropIndex { .. } => "drop_index",
            Operation::AddConstraint {
                constraint: Constraint::PrimaryKey(_),
                ..
            } => "create_primary_key",
            Operation::AddConstraint {
                constraint: Constraint::Unique(_),
                ..
            } => "create_unique_constraint",
            Operation::AddConstraint {
                constraint: Constraint::ForeignKey(_),
                ..
            } => "create_foreign_key",
            Operation::AddConstraint {
                constraint: Constraint::Check(_),
                ..
            } => "create_check_constraint",
            Operation::DropConstraint { .. } => "drop_constraint",
            Operation::ValidateConstraint { .. } => "validate_constraint",
            Operation::CreateView { .. } => "create_view",
            Operation::DropView { .. } => "drop_view",
            Operation::BulkInsert(_) => "bulk_insert",
            Operation::Module { old: None, .. } => "create_module",
            Operation::Module { new: None, .. } => "drop_module_with",
            Operation::Module { .. } => "replace_module",
        }
    }
}

/// Raw SQL text, portable or per dialect.
#[derive(Debug, Clone, PartialEq)]
pub enum Sql {
    /// The same text for every dialect.
    Portable(String),
    /// Text per dialect; a dialect missing from the list cannot run the revision.
    PerDialect(Vec<(Dialect, String)>),
}

impl Sql {
    /// Text given per dialect: `Sql::per_dialect([(Dialect::Mssql, "..."), ...])`.
    pub fn per_dialect<S: Into<String>>(texts: impl IntoIterator<Item = (Dialect, S)>) -> Self {
        Sql::PerDialect(texts.into_iter().map(|(d, s)| (d, s.into())).collect())
    }

    /// The text for `dialect`, if it has one.
    pub fn text(&self, dialect: Dialect) -> Option<&str> {
        match self {
            Sql::Portable(text) => Some(text),
            Sql::PerDialect(texts) => texts
                .iter()
                .find(|(d, _)| *d == dialect)
                .map(|(_, text)| text.as_str()),
        }
    }
}

impl From<&str> for Sql {
    fn from(text: &str) -> Self {
        Sql::Portable(text.to_owned())
    }
}

impl From<String> for Sql {
    fn from(text: String) -> Self {
        Sql::Portable(text)
    }
}

impl Operations {
    /// Records raw SQL that every dialect runs as is. A derived downgrade
    /// cannot undo it.
    pub fn execute(&mut self, sql: impl Into<String>) -> &mut Self {
        self.recorded
            .push(Operation::Execute(Sql::Portable(sql.into())));
        self
    }

    /// Records raw SQL given separately per dialect, for the statements whose
    /// syntax differs (`[dialect, sql]` pairs).
    pub fn execute_per_dialect<S: Into<String>>(
        &mut self,
        texts: impl IntoIterator<Item = (Dialect, S)>,
    ) -> &mut Self {
        self.recorded
            .push(Operation::Execute(Sql::per_dialect(texts)));
        self
    }

    /// Creates a view, procedure, function or trigger from its whole
    /// `CREATE` text (per dialect with [`Sql::per_dialect`]). Its derived
    /// downgrade drops it.
    ///
    /// ```
    /// use retort::op::*;
    /// let mut op = Operations::default();
    /// op.create_module(ModuleKind::View, "open_todos", "CREATE VIEW open_todos AS SELECT 1 AS id");
    /// assert_eq!(op.operations()[0].name(), "create_module");
    /// ```
    pub fn create_module(&mut self, kind: ModuleKind, name: impl Into<String>, new: impl Into<Sql>) -> &mut Self {
        self.recorded.push(Operation::Module { kind, name: name.into(), old: None, new: Some(new.into()) });
        self
    }

    /// Replaces a module's text `old` with `new`, keeping what hangs on it
    /// where the database can: SQL Server runs `new` as `CREATE OR ALTER`
    /// (permissions and `object_id` survive), PostgreSQL as `CREATE OR
    /// REPLACE` (a trigger is dropped and created), SQLite drops and
    /// creates. Its derived downgrade puts `old` back the same way.
    pub fn replace_module(
        &mut self,
        kind: ModuleKind,
        name: impl Into<String>,
        old: impl Into<Sql>,
        new: impl Into<Sql>,
    ) -> &mut Self {
        self.recorded.push(Operation::Module { kind, name: name.into(), old: Some(old.into()), new: Some(new.into()) });
        self
    }

    /// Drops a module whose current text is `old` (the name and, for a
    /// trigger, its table are read from it); its derived downgrade runs
    /// `old` again.
    pub fn drop_module_with(&mut self, kind: ModuleKind, name: impl Into<String>, old: impl Into<Sql>) -> &mut Self {
        self.recorded.push(Operation::Module { kind, name: name.into(), old: Some(old.into()), new: None });
        self
    }

    /// Creates a table; the closure declares its columns and constraints.
    pub fn create_table(
        &mut self,
        name: impl Into<String>,
        define: impl FnOnce(&mut Table),
    ) -> &mut Self {
        let mut table = Table::new(name);
        define(&mut table);
        self.recorded.push(Operation::CreateTable(table));
        self
    }

    /// Drops a table. Irreversible: use [`drop_table_with`](Self::drop_table_with)
    /// to let a derived downgrade recreate it (empty).
    pub fn drop_table(&mut self, name: impl Into<String>) -> &mut Self {
        self.recorded.push(Operation::DropTable {
            table: name.into(),
            definition: None,
        });
        self
    }

    /// Drops a table whose definition the closure restates, so that the
    /// downgrade can recreate it (without its rows).
    pub fn drop_table_with(
        &mut self,
        name: impl Into<String>,
        define: impl FnOnce(&mut Table),
    ) -> &mut Self {
        let mut table = Table::new(name);
        define(&mut table);
        self.recorded.push(Operation::DropTable {
            table: table.name.clone(),
            definition: Some(table),
        });
        self
    }

    /// Renames a table; the derived downgrade renames it back.
    pub fn rename_table(&mut self, from: impl Into<String>, to: impl Into<String>) -> &mut Self {
        self.recorded.push(Operation::RenameTable {
            from: from.into(),
            to: to.into(),
        });
        self
    }

    /// Adds a column; the returned column takes `.not_null()`, `.default(..)`,
    /// `.unique()`, `.references(..)`.
    pub fn add_column(
        &mut self,
        table: impl Into<String>,
        name: impl Into<String>,
        ty: Type,
    ) -> &mut Column {
        self.recorded.push(Operation::AddColumn {
            table: table.into(),
            column: Column::new(name, ty),
        });
        match self.recorded.last_mut() {
            Some(Operation::AddColumn { column, .. }) => column,
            _ => unreachable!("an add_column was just recorded"),
        }
    }

    /// Drops a column. Irreversible: use [`drop_column_with`](Self::drop_column_with).
    pub fn drop_column(
        &mut self,
        table: impl Into<String>,
        column: impl Into<String>,
    ) -> &mut Self {
        self.recorded.push(Operation::DropColumn {
            table: table.into(),
            column: column.into(),
            definition: None,
        });
        self
    }

    /// Drops a column whose definition the returned column restates, so that
    /// the downgrade can add it back (without its values).
    pub fn drop_column_with(
        &mut self,
        table: impl Into<String>,
        name: impl Into<String>,
        ty: Type,
    ) -> &mut Column {
        let column = Column::new(name, ty);
        self.recorded.push(Operation::DropColumn {
            table: table.into(),
            column: column.name.clone(),
            definition: Some(column),
        });
        match self.recorded.last_mut() {
            Some(Operation::DropColumn {
                definition: Some(column),
                ..
            }) => column,
            _ => unreachable!("a drop_column_with was just recorded"),
        }
    }

    /// Changes a column's type, nullability or default; see [`AlterColumn`].
    pub fn alter_column(
        &mut self,
        table: impl Into<String>,
        column: impl Into<String>,
    ) -> &mut AlterColumn {
        self.recorded
            .push(Operation::AlterColumn(AlterColumn::new(table, column)));
        match self.recorded.last_mut() {
            Some(Operation::AlterColumn(alter)) => alter,
            _ => unreachable!("an alter_column was just recorded"),
        }
    }

    /// Renames a column of `table`; the derived downgrade renames it back.
    pub fn rename_column(
        &mut self,
        table: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> &mut Self {
        self.recorded.push(Operation::RenameColumn {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        });
        self
    }

    /// Creates an index; the returned index takes `.unique()`,
    /// `.descending([..])`, `.include([..])`, `.filter(..)` and, to build
    /// it without blocking writers, `.online()` (with SQL Server's
    /// `.resumable()` and `.wait_at_low_priority(..)`; see [`Index`]).
    pub fn create_index<S: Into<String>>(
        &mut self,
        name: impl Into<String>,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut Index {
        self.recorded
            .push(Operation::CreateIndex(Index::new(name, table, columns)));
        match self.recorded.last_mut() {
            Some(Operation::CreateIndex(index)) => index,
            _ => unreachable!("a create_index was just recorded"),
        }
    }

    /// Drops an index. Irreversible: use [`drop_index_with`](Self::drop_index_with).
    pub fn drop_index(&mut self, name: impl Into<String>, table: impl Into<String>) -> &mut Self {
        self.recorded.push(Operation::DropIndex {
            table: table.into(),
            name: name.into(),
            definition: None,
        });
        self
    }

    /// Drops an index whose definition the returned index restates.
    pub fn drop_index_with<S: Into<String>>(
        &mut self,
        name: impl Into<String>,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut Index {
        let index = Index::new(name, table, columns);
        self.recorded.push(Operation::DropIndex {
            table: index.table.clone(),
            name: index.name.clone(),
            definition: Some(index),
        });
        match self.recorded.last_mut() {
            Some(Operation::DropIndex {
                definition: Some(index),
                ..
            }) => index,
            _ => unreachable!("a drop_index_with was just recorded"),
        }
    }

    /// Adds a primary key, `pk_<table>` unless `.named(..)`.
    pub fn create_primary_key<S: Into<String>>(
        &mut self,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut Key {
        self.add_key(table.into(), Constraint::PrimaryKey(Key::new(columns)))
    }

    /// Adds a unique constraint, `uq_<table>_<columns>` unless `.named(..)`.
    pub fn create_unique_constraint<S: Into<String>>(
        &mut self,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut Key {
        self.add_key(table.into(), Constraint::Unique(Key::new(columns)))
    }

    fn add_key(&mut self, table: String, constraint: Constraint) -> &mut Key {
        self.recorded
            .push(Operation::AddConstraint { table, constraint });
        match self.recorded.last_mut() {
            Some(Operation::AddConstraint {
                constraint: Constraint::PrimaryKey(key) | Constraint::Unique(key),
                ..
            }) => key,
            _ => unreachable!("a key constraint was just recorded"),
        }
    }

    /// Adds a foreign key, `fk_<table>_<columns>` unless `.named(..)`; the
    /// returned key takes `.on_delete(..)`, `.on_update(..)` and
    /// `.not_validated()` (see [`ForeignKey::not_validated`]).
    pub fn create_foreign_key<S: Into<String>, R: Into<String>>(
        &mut self,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
        ref_table: impl Into<String>,
        ref_columns: impl IntoIterator<Item = R>,
    ) -> &mut ForeignKey {
        self.recorded.push(Operation::AddConstraint {
            table: table.into(),
            constraint: Constraint::ForeignKey(ForeignKey::new(columns, ref_table, ref_columns)),
        });
        match self.recorded.last_mut() {
            Some(Operation::AddConstraint {
                constraint: Constraint::ForeignKey(key),
                ..
            }) => key,
            _ => unreachable!("a foreign key was just recorded"),
        }
    }

    /// Adds a check constraint named `ck_<table>_<name>`; the returned
    /// check takes `.not_validated()` (see [`ForeignKey::not_validated`]).
    pub fn create_check_constraint(
        &mut self,
        table: impl Into<String>,
        name: impl Into<String>,
        condition: impl Into<Sql>,
    ) -> &mut Check {
        self.recorded.push(Operation::AddConstraint {
            table: table.into(),
            constraint: Constraint::check(name, condition),
        });
        match self.recorded.last_mut() {
            Some(Operation::AddConstraint {
                constraint: Constraint::Check(check),
                ..
            }) => check,
            _ => unreachable!("a check constraint was just recorded"),
        }
    }

    /// Checks the rows of `table` against the constraint `name` (its name
    /// in the database), added earlier with `.not_validated()`: SQL
    /// Server's `ALTER TABLE … WITH CHECK CHECK CONSTRAINT` (the constraint
    /// becomes trusted), PostgreSQL's `ALTER TABLE … VALIDATE CONSTRAINT`
    /// (which blocks no writer). It fails, naming the constraint, when a
    /// row breaks it. SQLite and Babelfish validated the constraint when
    /// they added it, so there it runs nothing. A derived downgrade undoes
    /// nothing for it: it changes no schema.
    pub fn validate_constraint(&mut self, table: impl Into<String>, name: impl Into<String>) -> &mut Self {
        self.recorded.push(Operation::ValidateConstraint {
            table: table.into(),
            name: name.into(),
        });
        self
    }

    /// Drops a constraint by its name in the database. Irreversible: use
    /// [`drop_constraint_with`](Self::drop_constraint_with).
    pub fn drop_constraint(
        &mut self,
        name: impl Into<String>,
        table: impl Into<String>,
    ) -> &mut Self {
        self.recorded.push(Operation::DropConstraint {
            table: table.into(),
            name: name.into(),
            definition: None,
        });
        self
    }

    /// Drops the constraint `definition` names, keeping its definition for
    /// the downgrade.
    pub fn drop_constraint_with(
        &mut self,
        table: impl Into<String>,
        definition: Constraint,
    ) -> &mut Self {
        let table = table.into();
        self.recorded.push(Operation::DropConstraint {
            name: definition.name(&table),
            table,
            definition: Some(definition),
        });
        self
    }

    /// Creates a view from a `SELECT` (portable or per dialect).
    pub fn create_view(&mut self, name: impl Into<String>, select: impl Into<Sql>) -> &mut Self {
        self.recorded.push(Operation::CreateView {
            name: name.into(),
            definition: select.into(),
        });
        self
    }

    /// Drops a view. Irreversible: use [`drop_view_with`](Self::drop_view_with).
    pub fn drop_view(&mut self, name: impl Into<String>) -> &mut Self {
        self.recorded.push(Operation::DropView {
            name: name.into(),
            definition: None,
        });
        self
    }

    /// Drops a view whose `SELECT` is restated for the downgrade.
    pub fn drop_view_with(&mut self, name: impl Into<String>, select: impl Into<Sql>) -> &mut Self {
        self.recorded.push(Operation::DropView {
            name: name.into(),
            definition: Some(select.into()),
        });
        self
    }

    /// Inserts reference rows; add them with `.row((1, "admin"))`. Values
    /// are typed and rendered per dialect, never pasted as text.
    pub fn bulk_insert<S: Into<String>>(
        &mut self,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut BulkInsert {
        self.recorded
            .push(Operation::BulkInsert(BulkInsert::new(table, columns)));
        match self.recorded.last_mut() {
            Some(Operation::BulkInsert(insert)) => insert,
            _ => unreachable!("a bulk_insert was just recorded"),
        }
    }

    /// Records operations built elsewhere — a baseline, a schema
    /// difference — after those recorded so far.
    pub fn record_all(&mut self, operations: impl IntoIterator<Item = Operation>) -> &mut Self {
        self.recorded.extend(operations);
        self
    }

    /// Acknowledges the lint finding `rule` for the next operation, with
    /// the reason it is safe there (`cargo xtask migrate lint` then leaves
    /// it out). Recording nothing, it changes nothing that runs.
    ///
    /// ```
    /// use retort::op::*;
    ///
    /// pub fn upgrade(op: &mut Operations) {
    ///     op.allow("mssql-create-index-offline", "flags holds a few hundred rows");
    ///     op.create_index("ix_flags_name", "flags", ["name"]);
    /// }
    /// let mut op = Operations::default();
    /// upgrade(&mut op);
    /// assert_eq!(op.allowances()[0].operation, 1);
    /// ```
    pub fn allow(&mut self, rule: impl Into<String>, reason: impl Into<String>) -> &mut Self {
        self.allowances.push(Allowance {
            operation: self.recorded.len() + 1,
            rule: rule.into(),
            reason: reason.into(),
        });
        self
    }

    /// The acknowledgements recorded with [`Operations::allow`], in order.
    pub fn allowances(&self) -> &[Allowance] {
        &self.allowances
    }

    /// The operations recorded so far, in order.
    pub fn operations(&self) -> &[Operation] {
        &self.recorded
    }

    /// Runs a revision function and returns what it recorded.
    pub fn record(function: fn(&mut Operations)) -> Vec<Operation> {
        let mut op = Operations::default();
        function(&mut op);
        op.recorded
    }
}
