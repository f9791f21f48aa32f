//! The workload every contender runs: N one-table revisions in a linear
//! chain, as retort's compiled table, as the floor's single SQL script, and as
//! the migration files refinery and sqlx read.

use std::io;
use std::path::Path;

use retort::{Body, Checksum, Migrations, Revision};

/// The SQL dialect a floor script is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    /// T-SQL, for SQL Server and Babelfish.
    Mssql,
}

/// How a floor script groups its statements into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `BEGIN; DDL; INSERT; COMMIT;` once per revision: each revision is
    /// atomic, as retort applies it. This is the floor.
    PerRevision,
    /// No `BEGIN`/`COMMIT` at all. The sqlite3 CLI commits every statement on
    /// its own; PostgreSQL runs a multi-statement simple query as one
    /// implicit transaction, so this shape is only used for SQLite.
    Autocommit,
    /// One `BEGIN` before everything and one `COMMIT` after it.
    OneTransaction,
}

/// N revisions `r0001`…, revision n creating table `t_n`.
pub struct Workload {
    count: usize,
    migrations: &'static Migrations,
}

impl Workload {
    /// Builds the revision table at run time.
    ///
    /// retort's `Revision` holds only `&'static` data because `retort-build`
    /// emits it as a `static`; the benchmark makes the same shape by leaking
    /// every string and slice. The leak is bounded (one table per process) and
    /// lives as long as the process, as a generated table would.
    pub fn new(count: usize) -> Self {
        let mut revisions = Vec::with_capacity(count);
        let mut parent: Option<&'static str> = None;
        for n in 1..=count {
            let id = leak(revision_id(n, count));
            let parents: &'static [&'static str] = match parent {
                Some(parent) => Vec::leak(vec![parent]),
                None => &[],
            };
            revisions.push(Revision {
                id,
                parents,
                depends_on: &[],
                branch_labels: &[],
                message: id,
                checksum: checksum(n),
                transactional: true,
                irreversible: None,
                lock_timeout: None,
                source: leak(format!("migrations/{id}_t{n}.sql")),
                body: Body::Sql {
                    up: leak(up_sql(n)),
                    down: Some(leak(format!("DROP TABLE t_{n};"))),
                    sources: retort::ScriptSources::NONE,
                },
            });
            parent = Some(id);
        }
        let migrations = Box::leak(Box::new(Migrations::new(Vec::leak(revisions))));
        Self { count, migrations }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn migrations(&self) -> &'static Migrations {
        self.migrations
    }

    /// The floor: the same DDL and the same two history rows retort writes
    /// per revision — the state row in a table shaped like `retort_history`
    /// and the event in one shaped like `retort_history_log` — as one script.
    ///
    /// Values are written into the script as literals. That is what a script
    /// is, and they are generated here (`r0001`, hex digits), never read from
    /// anywhere, so there is nothing to escape.
    pub fn floor_script(&self, dialect: Dialect, shape: Shape) -> String {
        let (begin, commit) = transaction_words(dialect);
        let mut script = history_ddl(dialect).to_owned();
        if shape == Shape::OneTransaction {
            script.push_str(begin);
        }
        for revision in self.migrations.revisions() {
            if shape == Shape::PerRevision {
                script.push_str(begin);
            }
            script.push_str(&revision_sql(dialect, revision));
            if shape == Shape::PerRevision {
                script.push_str(commit);
            }
        }
        if shape == Shape::OneTransaction {
            script.push_str(commit);
        }
        script
    }

    /// The floor as separate requests: the history tables' DDL, then one
    /// `BEGIN; DDL; INSERT; INSERT; COMMIT;` batch per revision, for a
    /// client that sends each and waits for its answer.
    pub fn floor_batches(&self, dialect: Dialect) -> Vec<String> {
        let (begin, commit) = transaction_words(dialect);
        let mut batches = vec![history_ddl(dialect).to_owned()];
        for revision in self.migrations.revisions() {
            batches.push(format!(
                "{begin}{}{commit}",
                revision_sql(dialect, revision)
            ));
        }
        batches
    }

    /// Writes `V{n}__t{n}.sql` files, refinery's naming, into `dir`.
    pub fn write_refinery_files(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for n in 1..=self.count {
            std::fs::write(dir.join(format!("V{n}__t{n}.sql")), up_sql(n))?;
        }
        Ok(())
    }

    /// Writes `{n}_t{n}.sql` files, sqlx's naming for up-only migrations, into `dir`.
    pub fn write_sqlx_files(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for n in 1..=self.count {
            std::fs::write(dir.join(format!("{n}_t{n}.sql")), up_sql(n))?;
        }
        Ok(())
    }
}

/// `r0001`: zero-padded so ids sort like their numbers, and at least the four
/// characters retort requires of an id.
fn revision_id(n: usize, count: usize) -> String {
    let width = count.to_string().len().max(4);
    format!("r{n:0width$}")
}

fn up_sql(n: usize) -> String {
    format!("CREATE TABLE t_{n} (id INTEGER PRIMARY KEY, name VARCHAR(50));")
}

/// How the dialect opens and commits a transaction, each on its own line.
fn transaction_words(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::Sqlite | Dialect::Postgres => ("BEGIN;\n", "COMMIT;\n"),
        Dialect::Mssql => ("BEGIN TRANSACTION;\n", "COMMIT TRANSACTION;\n"),
    }
}

/// One revision's DDL and its two history rows (state and event), as
/// retort writes them: the time and the user from the server.
fn revision_sql(dialect: Dialect, revision: &Revision) -> String {
    let (now, user, text) = match dialect {
        Dialect::Sqlite => (
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            "'retort-bench'",
            "",
        ),
        Dialect::Postgres => ("now()", "current_user", ""),
        // N'…': the history columns are nvarchar.
        Dialect::Mssql => ("SYSUTCDATETIME()", "SUSER_SNAME()", "N"),
    };
    let Body::Sql { up, .. } = revision.body else {
        unreachable!("the workload has SQL revisions only");
    };
    format!(
        "{up}\nINSERT INTO retort_history (revision_id, checksum, message, status, applied_at, execution_ms, applied_by) \
         VALUES ({text}'{id}', {text}'{checksum}', {text}'{id}', {text}'applied', {now}, 0, {user});\n\
         INSERT INTO retort_history_log (revision_id, action, outcome, detail, at, execution_ms, run_by) \
         VALUES ({text}'{id}', {text}'upgrade', {text}'ok', NULL, {now}, 0, {user});\n",
        id = revision.id,
        checksum = revision.checksum.to_hex(),
    )
}

/// Any checksum does; this one differs per revision, like real ones.
fn checksum(n: usize) -> Checksum {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&(n as u64).to_le_bytes());
    Checksum(bytes)
}

/// The floor's history table: the columns of retort's state table.
fn history_ddl(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CREATE TABLE IF NOT EXISTS retort_history (
    revision_id TEXT NOT NULL PRIMARY KEY,
    checksum TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    execution_ms INTEGER NOT NULL,
    applied_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retort_history_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    revision_id TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL,
    execution_ms INTEGER NOT NULL,
    run_by TEXT NOT NULL
);
"
        }
        Dialect::Postgres => {
            "CREATE TABLE IF NOT EXISTS retort_history (
    revision_id text PRIMARY KEY,
    checksum text NOT NULL,
    message text NOT NULL,
    status text NOT NULL,
    applied_at timestamptz NOT NULL,
    execution_ms bigint NOT NULL,
    applied_by text NOT NULL
);
CREATE TABLE IF NOT EXISTS retort_history_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision_id text NOT NULL,
    action text NOT NULL,
    outcome text NOT NULL,
    detail text,
    at timestamptz NOT NULL,
    execution_ms bigint NOT NULL,
    run_by text NOT NULL
);
"
        }
        // retort's own DDL for SQL Server (`history::ddl`), constraint names
        // and defaults included.
        Dialect::Mssql => {
            "IF OBJECT_ID(N'[dbo].[retort_history]', N'U') IS NULL
CREATE TABLE [dbo].[retort_history] (
    revision_id nvarchar(128) NOT NULL CONSTRAINT [PK_retort_history] PRIMARY KEY,
    checksum nvarchar(64) NOT NULL,
    message nvarchar(max) NOT NULL,
    status nvarchar(16) NOT NULL,
    applied_at datetime2(3) NOT NULL CONSTRAINT [DF_retort_history_applied_at] DEFAULT SYSUTCDATETIME(),
    execution_ms bigint NOT NULL,
    applied_by nvarchar(128) NOT NULL CONSTRAINT [DF_retort_history_applied_by] DEFAULT SUSER_SNAME()
);
IF OBJECT_ID(N'[dbo].[retort_history_log]', N'U') IS NULL
CREATE TABLE [dbo].[retort_history_log] (
    id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT [PK_retort_history_log] PRIMARY KEY,
    revision_id nvarchar(128) NOT NULL,
    action nvarchar(16) NOT NULL,
    outcome nvarchar(16) NOT NULL,
    detail nvarchar(max) NULL,
    at datetime2(3) NOT NULL,
    execution_ms bigint NOT NULL,
    run_by nvarchar(128) NOT NULL
);
"
        }
    }
}

fn leak(text: String) -> &'static str {
    String::leak(text)
}

/// The time an application's start-up call takes at head
/// (`MIGRATIONS.upgrade(url)`: connecting, reading the history, finding
/// nothing to do), or an error if it applied anything.
pub async fn application_at_head(migrations: &'static Migrations, url: &str) -> Result<std::time::Duration, String> {
    let started = std::time::Instant::now();
    let steps = migrations.upgrade(url).await.map_err(|e| e.to_string())?;
    let application = started.elapsed();
    if !steps.is_empty() {
        return Err(format!("MIGRATIONS.upgrade applied {} revisions at head", steps.len()));
    }
    Ok(application)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_builds_linear_chain_when_count_is_three() {
        let workload = Workload::new(3);
        let revisions = workload.migrations().revisions();
        let ids: Vec<_> = revisions.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["r0001", "r0002", "r0003"]);
        assert!(revisions[0].parents.is_empty());
        assert_eq!(revisions[2].parents, ["r0002"]);
    }

    #[test]
    fn floor_script_wraps_each_revision_when_per_revision() {
        let script = Workload::new(2).floor_script(Dialect::Sqlite, Shape::PerRevision);
        assert_eq!(script.matches("BEGIN;").count(), 2);
        assert_eq!(script.matches("COMMIT;").count(), 2);
        assert_eq!(script.matches("INSERT INTO retort_history (").count(), 2);
        assert_eq!(
            script.matches("INSERT INTO retort_history_log (").count(),
            2
        );
    }

    #[test]
    fn floor_batches_send_one_transaction_per_revision_after_the_ddl() {
        let batches = Workload::new(2).floor_batches(Dialect::Mssql);
        assert_eq!(batches.len(), 3);
        assert!(batches[0].contains("CREATE TABLE [dbo].[retort_history_log]"));
        assert!(batches[1].starts_with("BEGIN TRANSACTION;\nCREATE TABLE t_1 "));
        assert!(
            batches[1].contains("VALUES (N'r0001', N'0100"),
            "{}",
            batches[1]
        );
        assert!(batches[2].ends_with("COMMIT TRANSACTION;\n"));
    }

    #[test]
    fn floor_script_has_no_transaction_when_autocommit() {
        let script = Workload::new(2).floor_script(Dialect::Sqlite, Shape::Autocommit);
        assert!(!script.contains("BEGIN"));
        assert!(script.contains("CREATE TABLE t_2 "));
    }
}
