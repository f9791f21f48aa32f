//! A revision's fingerprint: a checksum of each of its statements, with the
//! comments and whitespace between tokens left out, recorded in the history
//! when the revision is applied, stamped or resolved as applied.
//!
//! The revision checksum (`retort-build`'s `checksum` module) covers the
//! file's bytes, so a comment fixed in an applied revision is drift. `migrate
//! repair` accepts such an edit only when the fingerprint of the file as it
//! is now equals the recorded one: the same statements, token for token, by
//! the tokenizer that splits statements for the backends
//! (`backend/split.rs`; on SQL Server after the `GO` batches).
//!
//! What is fingerprinted, each entry on its own so that the first difference
//! can be named:
//! - the revision's place in the graph and how it runs: its parents,
//!   `depends_on`, branch labels, whether it runs in a transaction and
//!   whether it is irreversible (an SQL file writes these in `--` header
//!   lines, which look like comments and are not);
//! - the upgrade's statements, then the downgrade's. An SQL revision's are
//!   its scripts'. A Rust revision's are the statements its operations
//!   render for the database's dialect and flavour, rendered without reading
//!   the database so that applying and repairing see the same; an operation
//!   that cannot be rendered that way (a SQLite rebuild of a table an
//!   earlier revision made) counts as the operation it records. Its
//!   downgrade is its `downgrade` function's operations, or the derived ones.
//!
//! A statement's digest is SHA-256 over its direction, its SQL Server batch
//! (number and `GO` count) and each of its tokens as written, length first,
//! cut to 16 bytes: 128 bits is beyond any accidental match, and keeps a
//! 1,000-statement revision's fingerprint at 33 kB. Whitespace inside a
//! token (a string literal, a quoted name, a dollar-quoted function body)
//! counts.
//!
//! Stored as text: `v1`, then each digest in hex, space-separated. The
//! digests say whether a statement changed, not what it was: a refusal shows
//! the file's statement as it is now. Changing what is hashed changes every
//! recorded fingerprint: do it only under a new tag, and read an unknown tag
//! as not recorded.

use sha2::{Digest, Sha256};

use crate::backend::split;
use crate::excerpt::shorten;
use crate::op::render::Renderer;
use crate::op::derive_downgrade;
use crate::{Body, Dialect, Direction, Flavour, Operation, Operations, Revision};

/// The tag of the stored form this module writes.
const VERSION: &str = "v1";

/// The checksums of a revision's statements, comments and whitespace aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    entries: Vec<Entry>,
}

/// One fingerprinted thing and what to call it in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    digest: [u8; 16],
    /// `statement 2 of its upgrade (migrations/….up.sql:7)`, `its parents`.
    what: String,
    /// The statement as the file has it now, or the setting's value.
    now: String,
    /// A setting of the revision rather than a statement.
    setting: bool,
}

impl Entry {
    /// What it is, with what it is now.
    fn describe(&self) -> String {
        match self.setting {
            true => format!("{} ({})", self.what, self.now),
            false => format!("{}: `{}`", self.what, self.now),
        }
    }
}

/// Why a recorded fingerprint cannot be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnreadableFingerprint {
    /// It is not in a form this retort writes (a newer retort's, say).
    UnknownForm,
}

impl Fingerprint {
    /// The fingerprint of `revision` as it runs on `dialect` and `flavour`.
    pub fn of(revision: &Revision, dialect: Dialect, flavour: Flavour) -> Self {
        let mut entries = vec![
            graph_entry("parents", "its parents", revision.parents),
            graph_entry("depends_on", "its depends_on", revision.depends_on),
            graph_entry("branch_labels", "its branch labels", revision.branch_labels),
            graph_entry("transactional", "whether it runs in a transaction", &[yes_no(revision.transactional)]),
            graph_entry("irreversible", "whether it is irreversible", &[yes_no(revision.irreversible.is_some())]),
        ];
        let mut statements = Statements { dialect, entries: &mut entries };
        match revision.body {
            Body::Sql { up, down, .. } => {
                statements.script(Direction::Up, up, revision.source);
                if let Some(down) = down {
                    let file = down_file(revision.source);
                    statements.script(Direction::Down, down, &file);
                }
            }
            Body::Rust { upgrade, downgrade } => {
                // One renderer for both directions, without a database: a
                // downgrade that rebuilds a table the upgrade made finds it.
                let mut renderer = Renderer::new(dialect, flavour, None);
                renderer.begin_revision(revision.transactional);
                let up = Operations::record(upgrade);
                statements.operations(&mut renderer, Direction::Up, &up);
                let down = match (downgrade, revision.irreversible) {
                    (Some(downgrade), _) => Ok(Operations::record(downgrade)),
                    (None, None) => derive_downgrade(&up).map_err(|(number, operation, reason)| {
                        format!("operation {number} ({operation}) cannot be reversed: {reason}")
                    }),
                    (None, Some(_)) => Ok(Vec::new()),
                };
                match down {
                    Ok(down) => statements.operations(&mut renderer, Direction::Down, &down),
                    Err(reason) => statements.push(
                        &[b"underivable", reason.as_bytes()],
                        "its derived downgrade".to_owned(),
                        reason.clone(),
                    ),
                }
            }
        }
        Fingerprint { entries }
    }

    /// The stored form: `v1` and each digest in hex.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(VERSION.len() + self.entries.len() * 33);
        text.push_str(VERSION);
        for entry in &self.entries {
            text.push(' ');
            text.push_str(&hex(&entry.digest));
        }
        text
    }

    /// How many statements it holds (the entries after the graph's).
    pub fn statements(&self) -> usize {
        self.entries.len().saturating_sub(GRAPH_ENTRIES)
    }

    /// What of this fingerprint differs from `recorded` (a stored form),
    /// first in order; `None` when they are the same.
    pub fn difference(&self, recorded: &str) -> Result<Option<String>, UnreadableFingerprint> {
        let mut words = recorded.split_ascii_whitespace();
        if words.next() != Some(VERSION) {
            return Err(UnreadableFingerprint::UnknownForm);
        }
        let digests = words.map(parse_hex).collect::<Option<Vec<[u8; 16]>>>().ok_or(UnreadableFingerprint::UnknownForm)?;
        let first = self.entries.iter().zip(&digests).position(|(entry, digest)| entry.digest != *digest);
        let applied = digests.len().saturating_sub(GRAPH_ENTRIES);
        Ok(match first {
            Some(at) => Some(match &self.entries[at] {
                entry if entry.setting => format!("{} changed since it was applied: now {}", entry.what, entry.now),
                entry => format!("{} is not the one that was applied: `{}`", entry.what, entry.now),
            }),
            None if digests.len() == self.entries.len() => None,
            None if self.statements() == 0 => {
                Some(format!("the applied revision had {applied} statement(s) and the file has none"))
            }
            None if digests.len() > self.entries.len() => Some(format!(
                "the applied revision had {applied} statement(s) and the file has {}: what followed {} is gone",
                self.statements(),
                self.entries.last().map_or_else(String::new, Entry::describe),
            )),
            None => {
                let entry = &self.entries[digests.len()];
                Some(format!("{} was not in the revision that was applied: `{}`", entry.what, entry.now))
            }
        })
    }
}

/// How many entries describe the revision's place in the graph.
const GRAPH_ENTRIES: usize = 5;

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// An entry for one of the revision's settings (`key`), called `what`.
fn graph_entry(key: &str, what: &str, values: &[&str]) -> Entry {
    let mut parts: Vec<&[u8]> = vec![key.as_bytes()];
    parts.extend(values.iter().map(|value| value.as_bytes()));
    let now = if values.is_empty() { "none".to_owned() } else { values.join(", ") };
    Entry { digest: digest(&parts), what: what.to_owned(), now, setting: true }
}

/// The down script's path, from the up script's, for messages.
fn down_file(up_file: &str) -> String {
    match up_file.strip_suffix(".up.sql") {
        Some(stem) => format!("{stem}.down.sql"),
        None => format!("the down script of {up_file}"),
    }
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    }
}

/// Adds the statements of one direction to a fingerprint, numbering them.
struct Statements<'e> {
    dialect: Dialect,
    entries: &'e mut Vec<Entry>,
}

impl Statements<'_> {
    fn push(&mut self, parts: &[&[u8]], what: String, now: String) {
        self.entries.push(Entry { digest: digest(parts), what, now, setting: false });
    }

    /// The statements of an SQL script; `file` is where it is, for messages.
    fn script(&mut self, direction: Direction, script: &str, file: &str) {
        // As the renderer does: a BOM is an encoding marker, not SQL.
        let script = script.strip_prefix('\u{feff}').unwrap_or(script);
        let mut number = 0;
        self.sql(direction, script, &mut number, &|line| format!("{file}:{line}"));
    }

    /// The statements of recorded operations, rendered on `renderer`.
    fn operations(&mut self, renderer: &mut Renderer<'_>, direction: Direction, operations: &[Operation]) {
        let mut number = 0;
        for (index, operation) in operations.iter().enumerate() {
            let label = format!("operation {} ({})", index + 1, operation.name());
            let rendered = match operation {
                Operation::Execute(sql) => sql.text(self.dialect).map(|text| {
                    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
                    renderer.note_raw_sql(label.clone(), text);
                    vec![text.to_owned()]
                }),
                other => renderer.render(other, &label).ok(),
            };
            match rendered {
                Some(statements) => {
                    for sql in statements {
                        self.sql(direction, &sql, &mut number, &|_| label.clone());
                    }
                }
                // Rendering it needs the database (or the dialect has no
                // SQL for it): the operation as recorded stands for it.
                None => {
                    number += 1;
                    let recorded = format!("{operation:?}");
                    self.push(
                        &[direction_name(direction).as_bytes(), b"recorded", recorded.as_bytes()],
                        format!("statement {number} of its {} ({label})", direction_name(direction)),
                        shorten(&recorded),
                    );
                }
            }
        }
    }

    /// The statements of one unit of SQL: on SQL Server its `GO` batches
    /// first, each batch's number and count part of its statements.
    fn sql(&mut self, direction: Direction, sql: &str, number: &mut usize, place: &dyn Fn(u32) -> String) {
        for batch in batches(self.dialect, sql) {
            for statement in split::statements(self.dialect, &batch.sql) {
                *number += 1;
                let line = batch.first_line + statement.piece.line - 1;
                let framing = format!("{} batch {} x{}", direction_name(direction), batch.number, batch.repeat);
                let mut parts: Vec<&[u8]> = vec![framing.as_bytes()];
                parts.extend(statement.tokens.iter().map(|token| token.as_bytes()));
                let what = format!("statement {number} of its {} ({})", direction_name(direction), place(line));
                self.push(&parts, what, shorten(statement.piece.text(&batch.sql)));
            }
        }
    }
}

/// One batch of a unit: SQL Server's `GO` batches, the whole unit elsewhere.
struct Batch {
    sql: String,
    /// Its number in the unit: the statements' framing. (Not its line: a
    /// blank line added above a batch is whitespace.)
    number: usize,
    /// The unit's line it starts on, for messages.
    first_line: u32,
    /// Its `GO` count.
    repeat: u32,
}

fn batches(dialect: Dialect, sql: &str) -> Vec<Batch> {
    #[cfg(feature = "mssql")]
    if dialect == Dialect::Mssql {
        return crate::backend::split_batches(sql)
            .into_iter()
            .enumerate()
            .map(|(number, batch)| Batch { sql: batch.sql, number, first_line: batch.first_line, repeat: batch.repeat })
            .collect();
    }
    let _ = dialect;
    vec![Batch { sql: sql.to_owned(), number: 0, first_line: 1, repeat: 1 }]
}

/// SHA-256 over `parts`, each preceded by its length, cut to 16 bytes.
fn digest(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let full: [u8; 32] = hasher.finalize().into();
    let mut cut = [0u8; 16];
    cut.copy_from_slice(&full[..16]);
    cut
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn parse_hex(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * index..2 * index + 2], 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Type;

    fn sql_revision(up: &str, down: &str) -> Revision {
        Revision::fixture("a1b2", &["0f0f"], "migrations/a1b2_x.up.sql", Box::leak(up.into()), Some(Box::leak(down.into())))
    }

    const UP: &str = "-- revision: a1b2\nCREATE TABLE t (id int, name varchar(20));\nINSERT INTO t VALUES (1, 'a b');\n";
    const DOWN: &str = "DROP TABLE t;\n";

    /// The difference between `edited` and `original` on `dialect`.
    fn difference(original: &Revision, edited: &Revision, dialect: Dialect) -> Option<String> {
        let recorded = Fingerprint::of(original, dialect, Flavour::Standard).to_text();
        Fingerprint::of(edited, dialect, Flavour::Standard).difference(&recorded).expect("its own form reads back")
    }

    #[test]
    fn difference_is_none_when_only_comments_and_whitespace_change() {
        let edited = sql_revision(
            "-- revision: a1b2\n-- message: a better message\n\n/* Users. */\nCREATE   TABLE t\n  (id int,\n   name varchar(20)) ;\n\n\
             INSERT INTO t VALUES (1, 'a b');  -- one row\n",
            "-- Undoes a1b2.\nDROP TABLE t;",
        );
        for dialect in Dialect::ALL {
            assert_eq!(difference(&sql_revision(UP, DOWN), &edited, dialect), None, "{dialect}");
        }
    }

    #[test]
    fn difference_names_the_first_statement_whose_tokens_changed() {
        let original = sql_revision(UP, DOWN);
        let edited = sql_revision(&UP.replace("VALUES (1", "VALUES (2"), DOWN);
        assert_eq!(
            difference(&original, &edited, Dialect::Postgres).as_deref(),
            Some("statement 2 of its upgrade (migrations/a1b2_x.up.sql:3) is not the one that was applied: `INSERT INTO t VALUES (2, 'a b');`")
        );
        // Whitespace inside a string literal is the literal.
        let spaced = sql_revision(&UP.replace("'a b'", "'a  b'"), DOWN);
        assert!(difference(&original, &spaced, Dialect::Sqlite).is_some_and(|d| d.starts_with("statement 2 of its upgrade")));
        let down = sql_revision(UP, "DROP TABLE t CASCADE;");
        assert_eq!(
            difference(&original, &down, Dialect::Postgres).as_deref(),
            Some("statement 1 of its downgrade (migrations/a1b2_x.down.sql:1) is not the one that was applied: `DROP TABLE t CASCADE;`")
        );
        // A statement moved from one script to the other is not the same revision.
        let moved = sql_revision("CREATE TABLE t (id int, name varchar(20));", "INSERT INTO t VALUES (1, 'a b');\nDROP TABLE t;");
        assert!(difference(&original, &moved, Dialect::Postgres).is_some());
    }

    #[test]
    fn difference_says_statements_were_added_or_removed_when_counts_differ() {
        let original = sql_revision(UP, DOWN);
        // Inserted: the statement now at its place is not the one applied.
        let inserted = sql_revision(&format!("{UP}SELECT 1;\n"), DOWN);
        assert_eq!(
            difference(&original, &inserted, Dialect::Sqlite).as_deref(),
            Some("statement 3 of its upgrade (migrations/a1b2_x.up.sql:4) is not the one that was applied: `SELECT 1;`")
        );
        let appended = sql_revision(UP, &format!("{DOWN}SELECT 1;\n"));
        assert_eq!(
            difference(&original, &appended, Dialect::Sqlite).as_deref(),
            Some("statement 2 of its downgrade (migrations/a1b2_x.down.sql:2) was not in the revision that was applied: `SELECT 1;`")
        );
        let removed = sql_revision(UP, "");
        assert_eq!(
            difference(&original, &removed, Dialect::Sqlite).as_deref(),
            Some(
                "the applied revision had 3 statement(s) and the file has 2: what followed statement 2 of its upgrade \
                 (migrations/a1b2_x.up.sql:3): `INSERT INTO t VALUES (1, 'a b');` is gone"
            )
        );
    }

    #[test]
    fn difference_names_the_setting_when_a_header_line_changes() {
        let original = sql_revision(UP, DOWN);
        let reparented = Revision { parents: &["0e0e"], ..sql_revision(UP, DOWN) };
        assert_eq!(
            difference(&original, &reparented, Dialect::Postgres).as_deref(),
            Some("its parents changed since it was applied: now 0e0e")
        );
        let outside = Revision { transactional: false, ..sql_revision(UP, DOWN) };
        assert_eq!(
            difference(&original, &outside, Dialect::Postgres).as_deref(),
            Some("whether it runs in a transaction changed since it was applied: now no")
        );
        // The message is prose, not a setting.
        let renamed = Revision { message: "another", ..sql_revision(UP, DOWN) };
        assert_eq!(difference(&original, &renamed, Dialect::Postgres), None);
    }

    #[cfg(feature = "mssql")]
    #[test]
    fn difference_sees_a_moved_go_and_not_a_blank_line_on_sql_server() {
        let script = "CREATE TABLE t (id int)\nGO\nCREATE VIEW v AS SELECT id FROM t\nGO\n";
        let original = sql_revision(script, DOWN);
        let blank = sql_revision(&format!("\n\n{}", script.replace("GO\nCREATE", "GO\n\n-- the view\nCREATE")), DOWN);
        assert_eq!(difference(&original, &blank, Dialect::Mssql), None);
        let one_batch = sql_revision(&script.replacen("GO\n", "", 1), DOWN);
        assert!(difference(&original, &one_batch, Dialect::Mssql).is_some());
        let twice = sql_revision(&script.replacen("GO\n", "GO 2\n", 1), DOWN);
        assert!(difference(&original, &twice, Dialect::Mssql).is_some());
        // `[…]` is one identifier: the space inside it counts.
        let bracketed = sql_revision("SELECT [a b] FROM t", DOWN);
        let respaced = sql_revision("SELECT [a  b] FROM t", DOWN);
        assert!(difference(&bracketed, &respaced, Dialect::Mssql).is_some());
    }

    #[cfg(feature = "mssql")]
    #[test]
    fn statements_on_sql_server_are_cut_at_semicolons_as_fingerprints_were_first_recorded() {
        // T-SQL needs no semicolon between statements, and the runtime cuts
        // them apart elsewhere; a fingerprint counts what lies between
        // semicolons in each batch, as it did when it was first recorded,
        // so that a recorded fingerprint still compares after an upgrade.
        let script = "CREATE TABLE t (id int)\nINSERT INTO t VALUES (1);\nGO\nSELECT 1\n";
        let fingerprint = Fingerprint::of(&sql_revision(script, DOWN), Dialect::Mssql, Flavour::Standard);
        assert_eq!(fingerprint.statements(), 3, "{}", fingerprint.to_text());
        assert_eq!(
            fingerprint.to_text(),
            "v1 6922e00eecad68d415aa8ba80151285c 2c73b7219f67539ca5f7495f12a081b6 b039d21940f890c69eb5463a4463fd1c \
             0d50615380ebfd0cc244ef306c04a88e ef801f43d1fa4c4a3e34d3299bd919ba 414fbffefda200a932d1617186892974 \
             2e501a6e5fb611befbee43c29d3418d1 f4b492e5e70db22a10bdcae2dfdb8be1"
        );
    }

    fn create_notes(op: &mut Operations) {
        op.create_table("notes", |t| {
            t.column("id", Type::Int).primary_key();
        });
        op.execute("INSERT INTO notes (id) VALUES (1) -- the first note");
    }

    fn create_notes_reformatted(op: &mut Operations) {
        // The same operations, written differently.
        op.create_table("notes", |t| {
            t.column("id", Type::Int).primary_key();
        });
        op.execute("INSERT INTO notes (id)\n    VALUES (1)");
    }

    fn create_wider_notes(op: &mut Operations) {
        op.create_table("notes", |t| {
            t.column("id", Type::BigInt).primary_key();
        });
        op.execute("INSERT INTO notes (id) VALUES (1)");
    }

    fn widen_name(op: &mut Operations) {
        // On SQLite a rebuild of a table an earlier revision made: it needs
        // the database to render.
        op.alter_column("users", "name").existing_type(Type::String(50)).set_type(Type::String(100));
    }

    fn rust_revision(upgrade: fn(&mut Operations)) -> Revision {
        Revision {
            source: "migrations/a1b2_x.rs",
            body: Body::Rust { upgrade, downgrade: None },
            ..sql_revision(UP, DOWN)
        }
    }

    #[test]
    fn difference_compares_the_sql_a_rust_revision_renders() {
        let original = rust_revision(create_notes);
        for dialect in Dialect::ALL {
            assert_eq!(difference(&original, &rust_revision(create_notes_reformatted), dialect), None, "{dialect}");
            let wider = difference(&original, &rust_revision(create_wider_notes), dialect);
            assert!(
                wider.as_deref().is_some_and(|d| d
                    .starts_with("statement 1 of its upgrade (operation 1 (create_table)) is not the one that was applied: `CREATE TABLE")),
                "{dialect}: {wider:?}"
            );
        }
        // Two statements up, and the downgrade, which cannot be derived (an
        // execute cannot be reversed) and counts as one entry saying so.
        assert_eq!(Fingerprint::of(&original, Dialect::Postgres, Flavour::Standard).statements(), 3);
        let rebuild = Fingerprint::of(&rust_revision(widen_name), Dialect::Sqlite, Flavour::Standard);
        assert_eq!(rebuild, Fingerprint::of(&rust_revision(widen_name), Dialect::Sqlite, Flavour::Standard));
        assert_eq!(difference(&rust_revision(widen_name), &rust_revision(widen_name), Dialect::Sqlite), None);
    }

    #[test]
    fn difference_refuses_a_form_it_does_not_write() {
        let fingerprint = Fingerprint::of(&sql_revision(UP, DOWN), Dialect::Sqlite, Flavour::Standard);
        assert!(fingerprint.to_text().starts_with("v1 "));
        assert_eq!(fingerprint.to_text().split(' ').count(), 1 + GRAPH_ENTRIES + 3);
        assert_eq!(fingerprint.difference("v2 00"), Err(UnreadableFingerprint::UnknownForm));
        assert_eq!(fingerprint.difference("v1 zz"), Err(UnreadableFingerprint::UnknownForm));
    }
}
