//! Index definitions.

use super::table::names;
use crate::Sql;

/// An index, as `create_index` records it.
///
/// Included columns (`INCLUDE`) exist on SQL Server and PostgreSQL; SQLite
/// has no such clause and builds the index without them, which changes how
/// fast a query runs but never what it returns. Filtered (partial) indexes
/// exist on every dialect.
///
/// An index built [`online`](Index::online) leaves the table writable while
/// it is built: SQL Server's `WITH (ONLINE = ON)` (with `RESUMABLE = ON`
/// and `WAIT_AT_LOW_PRIORITY (…)` when asked), PostgreSQL's `CREATE INDEX
/// CONCURRENTLY` (and `DROP INDEX CONCURRENTLY` for its derived drop).
/// Neither runs inside a transaction as it should (PostgreSQL refuses
/// `CONCURRENTLY` there, and SQL Server `RESUMABLE`), so a revision that
/// builds one online declares `TRANSACTIONAL = false`: the build script
/// refuses one that does not. SQLite has no concurrent writers to keep
/// going (a writer locks the whole database) and builds it as usual, as
/// Babelfish does, which accepts SQL Server's options and ignores them.
///
/// ```
/// use retort::op::*;
///
/// pub const TRANSACTIONAL: bool = false;
///
/// pub fn upgrade(op: &mut Operations) {
///     op.create_index("ix_todos_title", "todos", ["title"])
///         .online()
///         .resumable()
///         .wait_at_low_priority(5, AbortAfterWait::AbortSelf);
/// }
/// let mut op = Operations::default();
/// upgrade(&mut op);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The index's name.
    pub name: String,
    /// The table it is on.
    pub table: String,
    /// Its key columns (or expressions), in order.
    pub columns: Vec<IndexColumn>,
    /// Whether it is a unique index.
    pub unique: bool,
    /// Columns it carries without keying on them (`INCLUDE`).
    pub include: Vec<String>,
    /// The `WHERE` condition of a filtered index, in the dialect's SQL.
    pub filter: Option<Sql>,
    /// How the index is built (and dropped) without blocking writers;
    /// `None` for the plain, blocking build.
    pub online: Option<Online>,
}

/// The options of an index built online. Only SQL Server has the two
/// below; PostgreSQL's `CONCURRENTLY` neither pauses nor queues ahead of
/// other sessions' locks in the same way, and takes no options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Online {
    /// SQL Server's `RESUMABLE = ON` (SQL Server 2019 and later, Azure
    /// SQL): a build that fails or is paused continues where it stopped.
    pub resumable: bool,
    /// SQL Server's `WAIT_AT_LOW_PRIORITY` (for `CREATE INDEX`, SQL Server
    /// 2022 and later, Azure SQL): the build's locks wait behind other
    /// sessions' instead of queueing every reader behind themselves.
    pub wait_at_low_priority: Option<WaitAtLowPriority>,
}

/// How long an online build's lock waits at low priority, and what
/// happens then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitAtLowPriority {
    /// `MAX_DURATION = n MINUTES`.
    pub max_duration_minutes: u32,
    /// What happens when the wait runs out.
    pub abort_after_wait: AbortAfterWait,
}

/// What an online build does when its low-priority wait runs out
/// (`ABORT_AFTER_WAIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortAfterWait {
    /// `NONE`: keeps waiting, at normal priority.
    Continue,
    /// `SELF`: gives up; the statement (and the revision) fails.
    AbortSelf,
    /// `BLOCKERS`: ends the sessions that block it (needs `ALTER ANY
    /// CONNECTION`).
    KillBlockers,
}

impl AbortAfterWait {
    /// The T-SQL word.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            AbortAfterWait::Continue => "NONE",
            AbortAfterWait::AbortSelf => "SELF",
            AbortAfterWait::KillBlockers => "BLOCKERS",
        }
    }
}

/// One key column of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexColumn {
    /// A column name, or an expression.
    pub name: String,
    /// Whether it is sorted descending.
    pub descending: bool,
}

impl Index {
    /// An index named `name` on `columns` of `table`, ascending, not unique.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            name: name.into(),
            table: table.into(),
            columns: names(columns)
                .into_iter()
                .map(|name| IndexColumn {
                    name,
                    descending: false,
                })
                .collect(),
            unique: false,
            include: Vec::new(),
            filter: None,
            online: None,
        }
    }

    /// Makes the index unique.
    pub fn unique(&mut self) -> &mut Self {
        self.unique = true;
        self
    }

    /// Sorts the named key columns in descending order.
    pub fn descending<S: Into<String>>(
        &mut self,
        columns: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        for name in names(columns) {
            for column in &mut self.columns {
                if column.name == name {
                    column.descending = true;
                }
            }
        }
        self
    }

    /// Non-key columns stored in the index (`INCLUDE`).
    pub fn include<S: Into<String>>(&mut self, columns: impl IntoIterator<Item = S>) -> &mut Self {
        self.include.extend(names(columns));
        self
    }

    /// Indexes only the rows matching `condition` (`WHERE`).
    pub fn filter(&mut self, condition: impl Into<Sql>) -> &mut Self {
        self.filter = Some(condition.into());
        self
    }

    /// Builds (and, in a derived downgrade, drops) the index without
    /// blocking writers; see [`Index`]. The revision must declare
    /// `TRANSACTIONAL = false`.
    pub fn online(&mut self) -> &mut Self {
        self.online.get_or_insert_with(Online::default);
        self
    }

    /// An online build that can be paused and resumed (SQL Server's
    /// `RESUMABLE = ON`; implies [`online`](Self::online)).
    pub fn resumable(&mut self) -> &mut Self {
        self.online.get_or_insert_with(Online::default).resumable = true;
        self
    }

    /// An online build whose locks wait at low priority for at most
    /// `max_duration_minutes`, then do what `abort_after_wait` says (SQL
    /// Server's `WAIT_AT_LOW_PRIORITY`; implies [`online`](Self::online)).
    pub fn wait_at_low_priority(&mut self, max_duration_minutes: u32, abort_after_wait: AbortAfterWait) -> &mut Self {
        self.online.get_or_insert_with(Online::default).wait_at_low_priority = Some(WaitAtLowPriority {
            max_duration_minutes,
            abort_after_wait,
        });
        self
    }
}
