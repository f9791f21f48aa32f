//! The driver: revision by revision, statement by statement, the dialect's
//! rules against the catalog the earlier statements built, acknowledgements
//! and configured severities applied, findings out.

use crate::allow::Allowance;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::finding::{Dialect, Finding, Severity};
use crate::mssql::{self, Hit};
use crate::script::{self, Statement};
use crate::{postgres, rules, sqlite};

/// One piece of a revision's SQL: an SQL revision's script, or the
/// statements one operation of a Rust revision renders to.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub sql: &'a str,
    /// For SQL written in the file, the 1-based line of the file where `sql`
    /// starts; for SQL rendered from an operation, the operation's line,
    /// which every finding in it points at.
    pub first_line: u32,
    /// `Some` for a Rust revision's operation (`operation 3 (create_index)`).
    pub operation: Option<String>,
    /// Acknowledgements given with the operation (`op.allow(…)`).
    pub allowances: Vec<Allowance>,
}

impl<'a> Source<'a> {
    /// An SQL revision's script, from line 1 of its file.
    pub fn script(sql: &'a str) -> Self {
        Self { sql, first_line: 1, operation: None, allowances: Vec::new() }
    }
}

/// Lints revisions in order, keeping the catalog they build.
#[derive(Debug, Clone)]
pub struct Linter {
    dialect: Dialect,
    config: Config,
    catalog: Catalog,
    /// SQL Server constraints a revision added WITH NOCHECK and left
    /// untrusted, and whether a later revision validated them.
    untrusted: Vec<Untrusted>,
}

/// A constraint one revision left untrusted (by table and name keys), with
/// the finding's text, so that [`Linter::validated_later`] can tell it.
#[derive(Debug, Clone)]
struct Untrusted {
    table: String,
    name: String,
    revision: String,
    why: String,
    validated_by: Option<String>,
}

/// A finding before its acknowledgements and severity are applied.
struct Pending {
    hit: Hit,
    line: u32,
    statement: String,
    source: usize,
    allowances: Vec<Allowance>,
}

impl Linter {
    pub fn new(dialect: Dialect, config: Config) -> Self {
        Self { dialect, config, catalog: Catalog::default(), untrusted: Vec::new() }
    }

    /// Starts from what the database holds (read by `retort::lint`).
    pub fn with_catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = catalog;
        self
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether `finding` is an `mssql-add-constraint-nocheck` warning for a
    /// constraint that a later revision linted or replayed by this linter
    /// validates (`WITH CHECK CHECK CONSTRAINT`): the safe two-step pattern,
    /// which a run over both revisions drops once it has seen the second.
    pub fn validated_later(&self, finding: &Finding) -> bool {
        finding.rule == "mssql-add-constraint-nocheck"
            && self.untrusted.iter().any(|u| u.validated_by.is_some() && u.revision == finding.revision && u.why == finding.why)
    }

    /// Updates the catalog with a revision that is not linted (applied
    /// already, or before `--since`).
    pub fn replay(&mut self, revision: &str, sources: &[Source<'_>]) {
        let _ = self.run(revision, "", true, sources);
    }

    /// The findings of one revision, which then becomes part of the catalog.
    /// `transactional` is whether retort runs it in a transaction.
    pub fn lint(&mut self, revision: &str, file: &str, transactional: bool, sources: &[Source<'_>]) -> Vec<Finding> {
        let pending = self.run(revision, file, transactional, sources);
        self.findings(revision, file, sources, pending)
    }

    fn run(&mut self, revision: &str, _file: &str, transactional: bool, sources: &[Source<'_>]) -> Vec<Pending> {
        let mut pending = Vec::new();
        let mut all_statements: Vec<(usize, Statement)> = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            match script::statements(self.dialect, source.sql) {
                Ok(statements) => all_statements.extend(statements.into_iter().map(|s| (index, s))),
                Err(unreadable) => pending.push(Pending {
                    hit: Hit {
                        rule: "retort-unreadable".to_owned(),
                        why: format!("the script cannot be read past this point ({}): nothing in it was linted.", unreadable.reason),
                        fix: "fix the SQL; the server would refuse it too".to_owned(),
                    },
                    line: line_of(source, unreadable.line),
                    statement: String::new(),
                    source: index,
                    allowances: Vec::new(),
                }),
            }
        }
        match self.dialect {
            Dialect::Mssql => self.run_mssql(revision, transactional, sources, &all_statements, &mut pending),
            Dialect::Sqlite => {
                let mut state = sqlite::RevisionState::default();
                for (source, statement) in &all_statements {
                    let mut hits = sqlite::check(statement, &mut self.catalog, &mut state, revision);
                    let read_by_rules = statement
                        .tokens
                        .first()
                        .is_some_and(|t| ["CREATE", "INSERT", "REPLACE", "DROP", "ALTER"].iter().any(|k| t.is(k)));
                    if let Some(error) = sqlite::parser_error(statement).filter(|_| read_by_rules) {
                        hits.insert(0, fallback(&error, "SQLiteDialect"));
                    }
                    push(&mut pending, hits, &sources[*source], *source, statement);
                }
            }
            Dialect::Postgres => self.run_postgres(transactional, sources, &all_statements, &mut pending),
        }
        pending
    }

    fn run_mssql(
        &mut self,
        revision: &str,
        transactional: bool,
        sources: &[Source<'_>],
        statements: &[(usize, Statement)],
        pending: &mut Vec<Pending>,
    ) {
        let mut state = mssql::RevisionState::default();
        let context = mssql::Context { revision, transactional, config: &self.config };
        for (index, (source, statement)) in statements.iter().enumerate() {
            let read = mssql::read(statement);
            let mut hits = Vec::new();
            // The note matters where a rule read the tokens: a fragment the
            // rules ignore (`IF @x IS NOT NULL`, `END`) is not worth one.
            let read_by_rules = read.changes.iter().any(|change| *change != mssql::Change::Other);
            if let (Some(error), true) = (&read.parser_error, read_by_rules) {
                hits.push(fallback(error, "MsSqlDialect"));
            }
            for change in &read.changes {
                if let mssql::Change::ValidateConstraint { table, names, with_check: true } = change {
                    for untrusted in self.untrusted.iter_mut().filter(|u| u.revision != revision && u.table == crate::catalog::key(table)) {
                        if names.iter().any(|name| crate::catalog::key(name) == untrusted.name) {
                            untrusted.validated_by.get_or_insert_with(|| revision.to_owned());
                        }
                    }
                }
                hits.extend(mssql::check(change, statement, index, &self.catalog, &mut state, &context));
                mssql::apply(change, &mut self.catalog, revision);
            }
            push(pending, hits, &sources[*source], *source, statement);
        }
        for (table, name, index) in std::mem::take(&mut state.unvalidated) {
            let (source, statement) = &statements[index];
            let hit = mssql::unvalidated_hit(&table, &name);
            self.untrusted.push(Untrusted { table, name, revision: revision.to_owned(), why: hit.why.clone(), validated_by: None });
            push(pending, vec![hit], &sources[*source], *source, statement);
        }
    }

    /// squawk reads the revision as one text (the sources joined by `;`
    /// lines), so that it knows which tables the revision created; each
    /// violation is then placed in the statement that holds it.
    fn run_postgres(
        &mut self,
        transactional: bool,
        sources: &[Source<'_>],
        statements: &[(usize, Statement)],
        pending: &mut Vec<Pending>,
    ) {
        let mut text = String::new();
        let mut starts = Vec::new();
        for source in sources {
            starts.push(text.len());
            text.push_str(source.sql);
            text.push_str("\n;\n");
        }
        for violation in postgres::violations(&text, transactional, &self.config) {
            let source = starts.iter().rposition(|&start| start <= violation.offset).unwrap_or(0);
            let offset = violation.offset - starts[source];
            let statement = statements
                .iter()
                .filter(|(s, _)| *s == source)
                .map(|(_, statement)| statement)
                .find(|statement| offset < statement.end.max(statement.start + 1))
                .or_else(|| statements.iter().filter(|(s, _)| *s == source).map(|(_, st)| st).next_back());
            match statement {
                Some(statement) => push(pending, vec![violation.hit], &sources[source], source, statement),
                None => pending.push(Pending {
                    hit: violation.hit,
                    line: sources[source].first_line,
                    statement: String::new(),
                    source,
                    allowances: Vec::new(),
                }),
            }
        }
    }

    fn findings(&self, revision: &str, file: &str, sources: &[Source<'_>], pending: Vec<Pending>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let make = |rule: &str, severity: Severity, line: u32, statement: &str, source: usize, why: String, fix: String| Finding {
            rule: rule.to_owned(),
            severity,
            revision: revision.to_owned(),
            file: file.to_owned(),
            line,
            operation: sources.get(source).and_then(|s| s.operation.clone()),
            statement: one_line(statement),
            why,
            fix,
        };
        for item in pending {
            let acknowledged = item
                .allowances
                .iter()
                .any(|allowance| allowance.rule == item.hit.rule && !allowance.reason.is_empty());
            if acknowledged {
                continue;
            }
            if let Some(severity) = self.config.severity(&item.hit.rule) {
                findings.push(make(&item.hit.rule, severity, item.line, &item.statement, item.source, item.hit.why, item.hit.fix));
            }
        }
        // Acknowledgements are checked once each, wherever they are written.
        for (index, source) in sources.iter().enumerate() {
            let mut allowances = source.allowances.clone();
            if let Ok(statements) = script::statements(self.dialect, source.sql) {
                allowances.extend(statements.into_iter().flat_map(|s| s.allowances));
            }
            for allowance in allowances {
                let line = if source.operation.is_some() { source.first_line } else { line_of(source, allowance.line) };
                let problem = if rules::find(&allowance.rule).is_none() {
                    Some((
                        "retort-allow-unknown-rule",
                        format!("`retort:allow {}` names no rule: it acknowledges nothing.", allowance.rule),
                        "use a rule id from a finding (README: Lint lists them)",
                    ))
                } else if allowance.reason.is_empty() {
                    Some((
                        "retort-allow-without-reason",
                        format!("`retort:allow {}` gives no reason: it acknowledges nothing.", allowance.rule),
                        "say why the finding is safe here, after the rule id",
                    ))
                } else {
                    None
                };
                if let Some((rule, why, fix)) = problem {
                    if let Some(severity) = self.config.severity(rule) {
                        findings.push(make(rule, severity, line, "", index, why, fix.to_owned()));
                    }
                }
            }
        }
        findings.sort_by(|a, b| (a.line, &a.rule).cmp(&(b.line, &b.rule)));
        findings
    }
}

fn fallback(error: &str, dialect: &str) -> Hit {
    Hit {
        rule: "retort-parser-fallback".to_owned(),
        why: format!("sqlparser's {dialect} cannot parse this statement ({error}); the rules read it from its tokens."),
        fix: String::new(),
    }
}

fn push(pending: &mut Vec<Pending>, hits: Vec<Hit>, source: &Source<'_>, index: usize, statement: &Statement) {
    for hit in hits {
        let mut allowances = statement.allowances.clone();
        allowances.extend(source.allowances.iter().cloned());
        pending.push(Pending {
            hit,
            line: line_of(source, statement.line),
            statement: statement.text.clone(),
            source: index,
            allowances,
        });
    }
}

/// A line of the source's SQL as a line of the file.
fn line_of(source: &Source<'_>, line: u32) -> u32 {
    if source.operation.is_some() {
        source.first_line
    } else {
        source.first_line + line.saturating_sub(1)
    }
}

/// The statement on one line, cut to 120 characters.
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 120 {
        format!("{}…", flat.chars().take(119).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: &str = "CREATE TABLE users (id int NOT NULL PRIMARY KEY);\nCREATE TABLE todos (id int NOT NULL PRIMARY KEY, user_id int NULL);";
    const ADD: &str = "ALTER TABLE todos WITH NOCHECK ADD CONSTRAINT fk_todos_user FOREIGN KEY (user_id) REFERENCES users (id);";
    const VALIDATE: &str = "ALTER TABLE dbo.todos WITH CHECK CHECK CONSTRAINT [FK_todos_user];";

    fn nocheck(linter: &mut Linter) -> Finding {
        linter.replay("r1", &[Source::script(CREATE)]);
        let findings = linter.lint("r2", "r2.sql", true, &[Source::script(ADD)]);
        let found = findings.iter().find(|f| f.rule == "mssql-add-constraint-nocheck");
        found.cloned().unwrap_or_else(|| panic!("no nocheck finding: {findings:#?}"))
    }

    #[test]
    fn validated_later_is_true_for_a_nocheck_key_when_a_later_revision_validates_it() {
        let mut linter = Linter::new(Dialect::Mssql, Config::default());
        let finding = nocheck(&mut linter);
        assert!(!linter.validated_later(&finding), "nothing validated it yet");
        linter.lint("r3", "r3.sql", true, &[Source::script("ALTER TABLE todos WITH CHECK CHECK CONSTRAINT fk_other;")]);
        assert!(!linter.validated_later(&finding), "another constraint was validated");
        linter.lint("r4", "r4.sql", true, &[Source::script(VALIDATE)]);
        assert!(linter.validated_later(&finding));
    }
}
