//! Reading an SQL revision: `<id>_<slug>.up.sql` with its header, and the
//! matching `<id>_<slug>.down.sql`.
//!
//! The header is the file's leading `-- key: value` lines; the first line that
//! is not a `--` comment ends it. A free comment can follow after a blank line.

use std::collections::BTreeMap;
use std::path::Path;

use crate::checksum::{normalize, sql_checksum_with_includes};
use crate::error::{Error, Located, Location};
use crate::revision::{parse_lock_timeout, ParsedRevision, RevisionKind};
use crate::source_file::{FileFailure, SourceFile};
use crate::sqlcmd;

/// The header keys, in the order the message lists them.
const KEYS: [&str; 8] = [
    "revision",
    "parents",
    "message",
    "branch-labels",
    "depends-on",
    "transactional",
    "irreversible",
    "lock-timeout",
];

/// The header as read, each value with where it starts.
#[derive(Default)]
struct Header {
    /// The line each key was first given on, to report repeats.
    lines: BTreeMap<&'static str, usize>,
    revision: Option<Located<String>>,
    parents: Option<Vec<Located<String>>>,
    message: Option<String>,
    branch_labels: Vec<Located<String>>,
    depends_on: Vec<Located<String>>,
    transactional: Option<bool>,
    irreversible: Option<Located<String>>,
    lock_timeout_ms: Option<u64>,
}

/// Parses one SQL revision, collecting every problem in its files.
pub(crate) fn parse(
    up: &SourceFile,
    down: Option<&SourceFile>,
) -> Result<ParsedRevision, FileFailure> {
    // Checked on the raw bytes so that the error points at the bad byte;
    // the header is then read from the normalised text below.
    up.text()?;
    let mut errors = Vec::new();
    if let Some(down) = down {
        // include_str! needs UTF-8 too, and its error would point into the
        // generated file rather than here.
        errors.extend(down.text().err());
    }
    // Line endings are normalised first so that a CRLF checkout reads the
    // same values (no stray `\r`) at the same lines.
    let normalized = normalize(&up.bytes);
    let text = String::from_utf8_lossy(&normalized);
    let header = read_header(&up.display, &text, &mut errors);

    for (key, example) in [
        ("revision", "4c1d2e3f5a6b"),
        ("parents", "1a2b3c4d5e6f (empty for a base)"),
        ("message", "add phone number to users"),
    ] {
        if !header.lines.contains_key(key) {
            errors.push(Error::MissingHeaderKey {
                at: Location::file(&up.display),
                key,
                example,
            });
        }
    }
    check_reversibility(up, down, &header, &mut errors);
    // sqlcmd's command lines: `:r` included, the rest checked (see sqlcmd.rs).
    let up_sqlcmd = sqlcmd::expand(&up.display, Path::new(&up.absolute), &text, &mut errors);
    let down_sqlcmd = down.map(|down| {
        let text = String::from_utf8_lossy(&normalize(&down.bytes)).into_owned();
        sqlcmd::expand(&down.display, Path::new(&down.absolute), &text, &mut errors)
    });
    if let Some(id) = &header.revision {
        errors.extend(up.check_name(id, ".up.sql"));
    }

    let Header {
        revision,
        parents,
        message,
        branch_labels,
        depends_on,
        transactional,
        irreversible,
        lock_timeout_ms,
        ..
    } = header;
    match (revision, parents, message) {
        (Some(id), Some(parents), Some(message)) if errors.is_empty() => Ok(ParsedRevision {
            id,
            parents,
            depends_on,
            branch_labels,
            message,
            transactional: transactional.unwrap_or(true),
            irreversible: irreversible.map(|reason| reason.value),
            lock_timeout_ms,
            checksum: sql_checksum_with_includes(
                &up.bytes,
                down.map(|down| down.bytes.as_slice()),
                &up_sqlcmd
                    .includes
                    .iter()
                    .chain(down_sqlcmd.iter().flat_map(|down| &down.includes))
                    .map(|included| included.bytes.as_slice())
                    .collect::<Vec<_>>(),
            ),
            source: up.display.clone(),
            kind: RevisionKind::Sql {
                up: up.absolute.clone(),
                down: down.map(|down| down.absolute.clone()),
                includes: up_sqlcmd
                    .includes
                    .iter()
                    .chain(down_sqlcmd.iter().flat_map(|down| &down.includes))
                    .map(|included| included.absolute.to_string_lossy().into_owned())
                    .collect(),
                variables: up_sqlcmd.uses.into_iter().chain(down_sqlcmd.iter().flat_map(|down| down.uses.clone())).collect(),
                defined: up_sqlcmd
                    .defined
                    .into_iter()
                    .chain(down_sqlcmd.iter().flat_map(|down| down.defined.clone()))
                    .collect(),
                up_expanded: up_sqlcmd.text,
                up_lines: up_sqlcmd.lines,
                down_lines: down_sqlcmd.as_ref().map(|down| down.lines.clone()).unwrap_or_default(),
                down_expanded: down_sqlcmd.and_then(|down| down.text),
            },
        }),
        (revision, ..) => Err(FileFailure {
            errors,
            revision: revision.map(|id| id.value),
        }),
    }
}

/// Whether the revision has a down script, or says why not; never both.
fn check_reversibility(
    up: &SourceFile,
    down: Option<&SourceFile>,
    header: &Header,
    errors: &mut Vec<Error>,
) {
    let down_name = up.sibling(&format!("{}.down.sql", up.stem));
    match (&header.irreversible, down) {
        (Some(reason), Some(_)) => errors.push(Error::IrreversibleWithDownFile {
            at: reason.at.clone(),
            down: down_name,
        }),
        (None, None) => errors.push(Error::MissingDownFile {
            at: Location::file(&up.display),
            expected_down: down_name,
        }),
        // A down script of comments only undoes nothing: a downgrade would
        // report the revision reverted and leave its changes in place. Both
        // scripts empty is a revision that does nothing (a merge, say).
        (None, Some(down)) if !has_statements(&down.bytes) && has_statements(&up.bytes) => {
            errors.push(Error::EmptyDownScript {
                at: Location::file(&down.display),
                up: up.display.clone(),
            })
        }
        _ => {}
    }
}

/// Whether `script` holds anything besides whitespace and comments (`--`
/// to the end of the line, and `/* … */`, which nest as they do in
/// PostgreSQL and T-SQL). Only the text before the first statement is
/// read, so quotes never need to be understood.
fn has_statements(script: &[u8]) -> bool {
    let mut at = 0;
    while at < script.len() {
        match &script[at..] {
            [byte, ..] if byte.is_ascii_whitespace() => at += 1,
            // A BOM is an encoding marker, not SQL.
            [0xEF, 0xBB, 0xBF, ..] if at == 0 => at += 3,
            [b'-', b'-', ..] => {
                at = script[at..].iter().position(|&b| b == b'\n').map_or(script.len(), |n| at + n + 1);
            }
            [b'/', b'*', ..] => {
                let mut depth = 0usize;
                while at < script.len() {
                    match &script[at..] {
                        [b'/', b'*', ..] => (depth, at) = (depth + 1, at + 2),
                        [b'*', b'/', ..] => (depth, at) = (depth - 1, at + 2),
                        _ => at += 1,
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            _ => return true,
        }
    }
    false
}

fn read_header(path: &str, text: &str, errors: &mut Vec<Error>) -> Header {
    let mut header = Header::default();
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let column = |byte: usize| line[..byte].chars().count() + 1;
        let (key, value, key_start, value_start) = match split_header_line(line) {
            HeaderLine::End => break,
            HeaderLine::Blank => continue,
            HeaderLine::Malformed { indent } => {
                errors.push(Error::HeaderLine {
                    at: Location::new(path, number, column(indent)),
                });
                continue;
            }
            HeaderLine::Entry {
                key,
                value,
                key_start,
                value_start,
            } => (key, value, key_start, value_start),
        };
        let key_at = Location::new(path, number, column(key_start));
        let Some(&known) = KEYS.iter().find(|&&k| k == key) else {
            let normalized = key.to_ascii_lowercase().replace('_', "-");
            errors.push(Error::UnknownHeaderKey {
                at: key_at,
                key: key.to_owned(),
                suggestion: KEYS.iter().copied().find(|&k| k == normalized),
            });
            continue;
        };
        if let Some(&first_line) = header.lines.get(known) {
            errors.push(Error::DuplicateHeaderKey {
                at: key_at,
                key: known,
                first_line,
            });
            continue;
        }
        header.lines.insert(known, number);
        let entry = Entry {
            path,
            number,
            line,
            key_at,
            value,
            value_start,
            value_at: Location::new(path, number, column(value_start)),
        };
        header.set(known, entry, errors);
    }
    header
}

/// One line of the header block, split but not yet checked against
/// [`KEYS`]. Positions are byte offsets into the line.
#[derive(Debug, PartialEq)]
enum HeaderLine<'a> {
    /// Not a `--` comment: the header ends here.
    End,
    /// A `--` comment with nothing in it, which is allowed.
    Blank,
    /// A comment that is not `key: value`, or whose key has characters no
    /// key has; `indent` is where its `--` starts.
    Malformed { indent: usize },
    /// `-- key: value`, both trimmed.
    Entry {
        key: &'a str,
        value: &'a str,
        key_start: usize,
        value_start: usize,
    },
}

fn split_header_line(line: &str) -> HeaderLine<'_> {
    let indent = line.len() - line.trim_start().len();
    let Some(rest) = line[indent..].strip_prefix("--") else {
        return HeaderLine::End;
    };
    if rest.trim().is_empty() {
        return HeaderLine::Blank;
    }
    let Some((raw_key, raw_value)) = rest.split_once(':') else {
        return HeaderLine::Malformed { indent };
    };
    let key = raw_key.trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return HeaderLine::Malformed { indent };
    }
    HeaderLine::Entry {
        key,
        value: raw_value.trim(),
        key_start: indent + 2 + (raw_key.len() - raw_key.trim_start().len()),
        value_start: indent
            + 2
            + raw_key.len()
            + 1
            + (raw_value.len() - raw_value.trim_start().len()),
    }
}

/// A known key's value with what its errors and list items point at.
struct Entry<'a> {
    path: &'a str,
    /// The line's number, 1-based.
    number: usize,
    line: &'a str,
    key_at: Location,
    value: &'a str,
    /// Where the value starts in `line`, in bytes.
    value_start: usize,
    value_at: Location,
}

impl Header {
    /// Records the value of `key`, one of [`KEYS`] given for the first time,
    /// or reports why it is unusable.
    fn set(&mut self, key: &'static str, entry: Entry<'_>, errors: &mut Vec<Error>) {
        let problem = |problem: &str| Error::HeaderValue {
            at: entry.value_at.clone(),
            key,
            problem: problem.to_owned(),
        };
        let list = || split_list(entry.path, entry.number, entry.line, entry.value_start);
        let value = entry.value;
        match key {
            "revision" => {
                if value.is_empty() {
                    errors.push(problem("is empty: give the revision id"));
                } else if value.contains(|c: char| c.is_whitespace() || c == ',') {
                    errors.push(problem("must be one id, not a list"));
                } else {
                    self.revision = Some(Located {
                        value: value.to_owned(),
                        at: entry.value_at.clone(),
                    });
                }
            }
            "parents" => self.parents = Some(list()),
            "message" => self.message = Some(value.to_owned()),
            "branch-labels" => self.branch_labels = list(),
            "depends-on" => self.depends_on = list(),
            "transactional" => match value {
                "true" => self.transactional = Some(true),
                "false" => self.transactional = Some(false),
                other => errors.push(problem(&format!(
                    "must be `true` or `false`, not `{other}`"
                ))),
            },
            "irreversible" => {
                if value.is_empty() {
                    errors.push(problem(
                        "needs a reason, e.g. `-- irreversible: drops the legacy table`",
                    ));
                }
                self.irreversible = Some(Located {
                    value: value.to_owned(),
                    at: entry.key_at,
                });
            }
            "lock-timeout" => match parse_lock_timeout(value) {
                Ok(millis) => self.lock_timeout_ms = Some(millis),
                Err(expected) => errors.push(problem(&format!("must be {expected}"))),
            },
            // KEYS and this match list the same keys.
            _ => {}
        }
    }
}

/// The ids of a list value, separated by spaces and/or commas, each with
/// its column.
fn split_list(path: &str, number: usize, line: &str, start: usize) -> Vec<Located<String>> {
    let mut items = Vec::new();
    let mut current: Option<usize> = None;
    let separators = |c: char| c.is_whitespace() || c == ',';
    for (offset, c) in line[start..].char_indices() {
        let byte = start + offset;
        match (separators(c), current) {
            (true, Some(begin)) => {
                items.push(located(path, number, line, begin, byte));
                current = None;
            }
            (false, None) => current = Some(byte),
            _ => {}
        }
    }
    if let Some(begin) = current {
        items.push(located(path, number, line, begin, line.len()));
    }
    items
}

fn located(path: &str, number: usize, line: &str, begin: usize, end: usize) -> Located<String> {
    Located {
        value: line[begin..end].to_owned(),
        at: Location::new(path, number, line[..begin].chars().count() + 1),
    }
}

#[cfg(test)]
mod tests {
    use crate::scan::tests::{messages, scan_fixture};
    use crate::{Error, Location, RevisionKind};

    const UP: &str = "4c1d2e3f5a6b_add_phone.up.sql";
    const DOWN: &str = "4c1d2e3f5a6b_add_phone.down.sql";
    const HEADER: &str = "\
-- revision: 4c1d2e3f5a6b
-- parents: 1a2b3c4d5e6f
-- message: add phone number to users
";
    const BODY: &str = "ALTER TABLE users ADD phone_number VARCHAR(20);\n";
    const DOWN_BODY: &str = "ALTER TABLE users DROP COLUMN phone_number;\n";

    #[test]
    fn split_header_line_gives_byte_offsets_when_line_is_key_value() {
        use super::{split_header_line, HeaderLine};
        assert_eq!(
            split_header_line("  --  parents :  a1b2 c3d4 "),
            HeaderLine::Entry {
                key: "parents",
                value: "a1b2 c3d4",
                key_start: 6,
                value_start: 17,
            }
        );
        assert_eq!(split_header_line("--"), HeaderLine::Blank);
        assert_eq!(
            split_header_line(" -- no colon"),
            HeaderLine::Malformed { indent: 1 }
        );
        assert_eq!(
            split_header_line("-- a key: x"),
            HeaderLine::Malformed { indent: 0 }
        );
        assert_eq!(split_header_line("SELECT 1; -- x: y"), HeaderLine::End);
    }

    fn at(line: usize, column: usize) -> Location {
        Location::new(&format!("migrations/{UP}"), line, column)
    }

    fn up_errors(header: &str) -> Vec<Error> {
        scan_fixture(&[(UP, &format!("{header}{BODY}")), (DOWN, DOWN_BODY)]).errors
    }

    #[test]
    fn parse_reads_header_when_every_key_is_given() {
        let header = "\
-- revision: 4c1d2e3f5a6b
--parents:1a2b3c4d5e6f, 2b3c4d5e6f7a  3c4d5e6f7a8b
-- message:   add phone number to users  
--
-- branch-labels: billing
-- depends-on: 9f9f9f9f
-- transactional: false

-- free comment: not part of the header
";
        let scan = scan_fixture(&[(UP, &format!("{header}{BODY}")), (DOWN, DOWN_BODY)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        let revision = &scan.revisions[0];
        assert_eq!(revision.id.value, "4c1d2e3f5a6b");
        assert_eq!(revision.id.at, at(1, 14));
        let parents: Vec<_> = revision
            .parents
            .iter()
            .map(|p| (p.value.as_str(), p.at.column))
            .collect();
        assert_eq!(
            parents,
            [
                ("1a2b3c4d5e6f", 11),
                ("2b3c4d5e6f7a", 25),
                ("3c4d5e6f7a8b", 39)
            ]
        );
        assert_eq!(revision.message, "add phone number to users");
        assert_eq!(revision.branch_labels[0].value, "billing");
        assert_eq!(revision.depends_on[0].value, "9f9f9f9f");
        assert!(!revision.transactional);
        assert!(
            matches!(&revision.kind, RevisionKind::Sql { down: Some(down), .. } if down.ends_with(DOWN))
        );
    }

    #[test]
    fn parse_reads_base_when_parents_value_is_empty() {
        let header = HEADER.replace("-- parents: 1a2b3c4d5e6f", "-- parents:");
        let scan = scan_fixture(&[(UP, &format!("{header}{BODY}")), (DOWN, DOWN_BODY)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert!(scan.revisions[0].parents.is_empty());
    }

    #[test]
    fn parse_reports_unknown_header_key_with_suggestion_when_key_is_misspelled() {
        let header = format!("{HEADER}-- branch_labels: billing\n-- author: me\n");
        assert_eq!(
            messages(&up_errors(&header)),
            [
                format!("migrations/{UP}:4:4: unknown header key `branch_labels` (did you mean `branch-labels`?): known keys are revision, parents, message, branch-labels, depends-on, transactional, irreversible, lock-timeout"),
                format!("migrations/{UP}:5:4: unknown header key `author`: known keys are revision, parents, message, branch-labels, depends-on, transactional, irreversible, lock-timeout"),
            ]
        );
    }

    #[test]
    fn parse_reports_duplicate_header_key_when_key_is_repeated() {
        let header = format!("{HEADER}-- message: again\n");
        assert_eq!(
            messages(&up_errors(&header)),
            [format!(
                "migrations/{UP}:4:4: header key `message` is repeated (first on line 3): keep one"
            )]
        );
    }

    #[test]
    fn parse_reports_missing_header_key_when_required_keys_are_absent() {
        let errors = up_errors("-- revision: 4c1d2e3f5a6b\n");
        assert_eq!(
            messages(&errors),
            [
                format!("migrations/{UP}:1:1: missing header line `-- parents: 1a2b3c4d5e6f (empty for a base)`: the header is the file's leading `-- key: value` lines"),
                format!("migrations/{UP}:1:1: missing header line `-- message: add phone number to users`: the header is the file's leading `-- key: value` lines"),
            ]
        );
    }

    #[test]
    fn parse_reports_missing_header_key_when_header_comes_after_sql() {
        let errors = up_errors(&format!("SELECT 1;\n{HEADER}"));
        assert_eq!(errors.len(), 3);
        assert!(errors
            .iter()
            .all(|e| matches!(e, Error::MissingHeaderKey { at: a, .. } if *a == at(1, 1))));
    }

    #[test]
    fn parse_reports_header_line_when_comment_is_not_key_value() {
        let header = format!("{HEADER}-- Adds the phone column for the SMS feature\n");
        assert_eq!(
            messages(&up_errors(&header)),
            [format!("migrations/{UP}:4:1: header line is not `-- key: value`: put free comments after a blank line that ends the header")]
        );
    }

    #[test]
    fn parse_reports_header_value_when_transactional_is_not_a_bool() {
        let header = format!("{HEADER}-- transactional: no\n");
        assert_eq!(
            messages(&up_errors(&header)),
            [format!(
                "migrations/{UP}:4:19: `transactional` must be `true` or `false`, not `no`"
            )]
        );
    }

    #[test]
    fn parse_reports_missing_down_file_when_not_irreversible() {
        let scan = scan_fixture(&[(UP, &format!("{HEADER}{BODY}"))]);
        assert_eq!(
            messages(&scan.errors),
            [format!("migrations/{UP}:1:1: no down script: add migrations/{DOWN}, or declare `-- irreversible: why` in the header")]
        );
        assert!(scan.unparsed_ids.contains("4c1d2e3f5a6b"));
    }

    #[test]
    fn parse_accepts_irreversible_revision_when_down_file_is_absent() {
        let scan = scan_fixture(&[(UP, &format!("{HEADER}-- irreversible: drops data\n{BODY}"))]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert_eq!(
            scan.revisions[0].irreversible.as_deref(),
            Some("drops data")
        );
        assert!(matches!(
            &scan.revisions[0].kind,
            RevisionKind::Sql { down: None, .. }
        ));
    }

    #[test]
    fn parse_reports_irreversible_with_down_file_when_both_exist() {
        let header = format!("{HEADER}-- irreversible: drops data\n");
        assert_eq!(
            messages(&up_errors(&header)),
            [format!("migrations/{UP}:4:4: `irreversible` contradicts migrations/{DOWN}: delete migrations/{DOWN}, or remove the irreversible line if the revision can be undone")]
        );
    }

    #[test]
    fn parse_reads_lock_timeout_when_the_header_gives_one() {
        let header = format!("{HEADER}-- lock-timeout: 10s\n");
        let scan = scan_fixture(&[(UP, &format!("{header}{BODY}")), (DOWN, DOWN_BODY)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert_eq!(scan.revisions[0].lock_timeout_ms, Some(10_000));
        let scan = scan_fixture(&[(UP, &format!("{HEADER}{BODY}")), (DOWN, DOWN_BODY)]);
        assert_eq!(scan.revisions[0].lock_timeout_ms, None);
    }

    #[test]
    fn parse_reports_header_value_when_lock_timeout_has_no_unit() {
        assert_eq!(
            messages(&up_errors(&format!("{HEADER}-- lock-timeout: 10\n"))),
            [format!(
                "migrations/{UP}:4:18: `lock-timeout` must be a whole number with its unit (`500ms`, \
                 `10s`, `2m`), not `10`"
            )]
        );
    }

    #[test]
    fn parse_reports_header_value_when_irreversible_reason_is_empty() {
        let scan = scan_fixture(&[(UP, &format!("{HEADER}-- irreversible:\n{BODY}"))]);
        assert!(matches!(
            &scan.errors[..],
            [Error::HeaderValue { key: "irreversible", at: a, .. }] if *a == at(4, 17)
        ));
    }

    #[test]
    fn parse_reports_empty_down_script_when_it_holds_only_whitespace_and_comments() {
        let down = "-- Undoes 4c1d2e3f5a6b.\n\n/* later /* nested */ still later */\n  \n";
        let scan = scan_fixture(&[(UP, &format!("{HEADER}{BODY}")), (DOWN, down)]);
        assert_eq!(
            messages(&scan.errors),
            [format!(
                "migrations/{DOWN}:1:1: the down script has no statements (only whitespace and comments), so \
                 downgrading this revision would silently leave its changes in place: write the statements that undo \
                 migrations/{UP}, or delete this file and declare `-- irreversible: why` in the header of migrations/{UP}"
            )]
        );
    }

    #[test]
    fn parse_accepts_empty_down_script_when_the_up_script_is_empty_too() {
        let up = format!("{HEADER}\n-- The statements that apply this revision.\n");
        let scan = scan_fixture(&[(UP, &up), (DOWN, "-- Undoes it.\n")]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
    }

    #[test]
    fn has_statements_skips_whitespace_line_and_nested_block_comments() {
        use super::has_statements;
        assert!(!has_statements(b""));
        assert!(!has_statements(b"\xEF\xBB\xBF -- a\r\n/* b /* c */ d */\t\n--"));
        assert!(!has_statements(b"/* never closed"));
        assert!(has_statements(b"-- a\nSELECT 1;"));
        assert!(has_statements(b"/* a */ GO"));
        assert!(has_statements(b"/* a /* b */ */;"));
    }

    #[test]
    fn parse_reports_down_without_up_when_only_down_file_exists() {
        let scan = scan_fixture(&[(DOWN, DOWN_BODY)]);
        assert_eq!(
            messages(&scan.errors),
            [format!("migrations/{DOWN}:1:1: down script without an up script: add migrations/{UP} with the revision header, or delete this file")]
        );
    }

    #[test]
    fn parse_reports_file_name_mismatch_when_header_revision_differs() {
        let header = HEADER.replace("4c1d2e3f5a6b", "5d5d5d5d5d5d");
        assert_eq!(
            messages(&up_errors(&header)),
            [format!("migrations/{UP}:1:14: the file name says revision 4c1d2e3f5a6b but the file declares 5d5d5d5d5d5d: rename the file to 5d5d5d5d5d5d_add_phone.up.sql, or fix the declared id")]
        );
    }

    #[test]
    fn parse_reads_same_values_when_file_has_crlf_line_endings_and_bom() {
        let text = format!("\u{feff}{HEADER}{BODY}").replace('\n', "\r\n");
        let scan = scan_fixture(&[(UP, &text), (DOWN, DOWN_BODY)]);
        assert_eq!(messages(&scan.errors), Vec::<String>::new());
        assert_eq!(scan.revisions[0].message, "add phone number to users");
        assert_eq!(scan.revisions[0].id.at, at(1, 14));
    }
}
