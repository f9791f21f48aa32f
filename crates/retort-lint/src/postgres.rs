//! PostgreSQL's rules are squawk's (the `squawk-linter` crate, with squawk's
//! own parser), run over a revision's whole text so that squawk knows which
//! tables the revision created, and mapped onto retort's findings as
//! `pg-<squawk rule>`.

use squawk_linter::{Linter as Squawk, Version};
use squawk_syntax::SourceFile;

use crate::config::Config;
use crate::mssql::Hit;

/// One squawk violation: where it starts in the text, and what it says.
pub(crate) struct Violation {
    pub offset: usize,
    pub hit: Hit,
}

/// squawk's violations in `sql`, a whole revision. `transactional` tells
/// squawk that retort wraps the revision in a transaction (so `CREATE INDEX
/// CONCURRENTLY` there is an error, and the statements need no
/// `IF NOT EXISTS` to be rerun).
pub(crate) fn violations(sql: &str, transactional: bool, config: &Config) -> Vec<Violation> {
    let parse = SourceFile::parse(sql);
    // Every rule runs; which are off or change severity is retort's
    // configuration, applied to the findings like any other rule's.
    let mut linter = Squawk::from(enum_iterator::all::<squawk_linter::Rule>());
    linter.settings.assume_in_transaction = transactional;
    linter.settings.pg_version = config.postgres_version.parse::<Version>().unwrap_or_default();
    linter
        .lint(&parse, sql)
        .into_iter()
        .map(|violation| Violation {
            offset: usize::from(violation.text_range.start()),
            hit: Hit {
                rule: rule_id(violation.code),
                why: violation.message,
                fix: violation.help.unwrap_or_default(),
            },
        })
        .collect()
}

fn rule_id(rule: squawk_linter::Rule) -> String {
    format!("pg-{rule}")
}
