//! Checks across revisions: ids, references, branch labels, cycles, heads;
//! and the deterministic order the revision table is emitted in.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Errors, Located, Relation, Warning};
use crate::revision::ParsedRevision;
use crate::scan::Scan;

/// The checked revisions of a folder, ready to be generated.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RevisionTable {
    /// The folder as messages name it (`migrations`).
    pub dir: String,
    /// Every revision, parents and depends_on before children; among
    /// revisions that could come next, the smallest id first.
    pub revisions: Vec<ParsedRevision>,
    /// The revisions no other revision names as parent, by id.
    pub heads: Vec<String>,
    /// What is worth telling but does not stop the build.
    pub warnings: Vec<Warning>,
}

/// Checks a scanned folder as a whole and orders it.
///
/// Returns every error at once: the scan's per-file errors first, then the
/// graph's. Revisions whose file failed to parse are left out of the graph,
/// and naming one of them as a parent is not reported again.
pub fn validate(scan: Scan) -> Result<RevisionTable, Errors> {
    let Scan {
        dir,
        revisions,
        mut errors,
        unparsed_ids,
    } = scan;

    check_ids(&revisions, &mut errors);
    let owners = assign_ids(&revisions, &mut errors);
    check_references(&revisions, &owners, &unparsed_ids, &mut errors);
    check_branch_labels(&revisions, &owners.by_id, &mut errors);
    let order = order(&revisions, &owners.graph, &owners.by_id, &mut errors);
    if !errors.is_empty() {
        return Err(Errors::new(errors));
    }

    let heads = heads(&revisions, &owners.graph, &owners.by_id);
    let warnings = undeclared_heads(&revisions, &heads, &owners.by_id)
        .map(|heads| Warning::SeveralHeads { heads })
        .into_iter()
        .collect();
    let heads = heads
        .iter()
        .map(|&index| revisions[index].id.value.clone())
        .collect();
    Ok(RevisionTable {
        dir,
        revisions: in_order(revisions, &order),
        heads,
        warnings,
    })
}

fn check_ids(revisions: &[ParsedRevision], errors: &mut Vec<Error>) {
    for revision in revisions {
        if let Some(problem) = id_problem(&revision.id.value) {
            errors.push(Error::InvalidId {
                at: revision.id.at.clone(),
                revision: revision.id.value.clone(),
                problem,
            });
        }
    }
}

/// Which revision owns each id, by index into the revisions.
struct Owners<'a> {
    by_id: BTreeMap<&'a str, usize>,
    /// Ids that lost to another spelling: naming one is not also reported as
    /// an unknown reference, the duplicate's error explains it.
    shadowed: BTreeSet<&'a str>,
    /// The revisions that own their id, which alone make up the graph.
    graph: Vec<usize>,
}

/// The first file (in name order) to declare an id owns it; later ones are
/// reported and left out of the graph. Ids that differ only in case count
/// as the same: the files that hold them cannot coexist on macOS and
/// Windows, and SQL Server's history table (under its default collation)
/// could not record both. Ids are ASCII (others are invalid), so ASCII
/// folding is exact.
fn assign_ids<'a>(revisions: &'a [ParsedRevision], errors: &mut Vec<Error>) -> Owners<'a> {
    let mut by_folded_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut owners = Owners {
        by_id: BTreeMap::new(),
        shadowed: BTreeSet::new(),
        graph: Vec::new(),
    };
    for (index, revision) in revisions.iter().enumerate() {
        match by_folded_id.entry(revision.id.value.to_ascii_lowercase()) {
            Entry::Occupied(first) => {
                let first = &revisions[*first.get()].id;
                errors.push(Error::DuplicateId {
                    at: revision.id.at.clone(),
                    revision: revision.id.value.clone(),
                    first: first.at.clone(),
                    first_revision: first.value.clone(),
                });
                owners.shadowed.insert(revision.id.value.as_str());
            }
            Entry::Vacant(slot) => {
                slot.insert(index);
                owners.by_id.insert(revision.id.value.as_str(), index);
                owners.graph.push(index);
            }
        }
    }
    owners
}

/// Each parent and depends_on must be named once and name a revision; one
/// whose file failed to parse, or that lost its id to a duplicate, already
/// has its own error.
fn check_references(
    revisions: &[ParsedRevision],
    owners: &Owners<'_>,
    unparsed_ids: &BTreeSet<String>,
    errors: &mut Vec<Error>,
) {
    for revision in revisions {
        for (relation, list) in [
            (Relation::Parent, &revision.parents),
            (Relation::DependsOn, &revision.depends_on),
        ] {
            let mut seen = BTreeSet::new();
            for reference in list {
                if !seen.insert(reference.value.as_str()) {
                    errors.push(Error::DuplicateReference {
                        at: reference.at.clone(),
                        revision: revision.id.value.clone(),
                        reference: reference.value.clone(),
                        relation,
                    });
                } else if !owners.by_id.contains_key(reference.value.as_str())
                    && !owners.shadowed.contains(reference.value.as_str())
                    && !unparsed_ids.contains(&reference.value)
                {
                    errors.push(Error::UnknownReference {
                        at: reference.at.clone(),
                        revision: revision.id.value.clone(),
                        reference: reference.value.clone(),
                        relation,
                    });
                }
            }
        }
    }
}

/// The revisions at the positions `order` lists, moved out rather than
/// cloned; a position listed twice (which `order` never does) is taken once.
fn in_order(revisions: Vec<ParsedRevision>, order: &[usize]) -> Vec<ParsedRevision> {
    let mut slots: Vec<Option<ParsedRevision>> = revisions.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&index| slots.get_mut(index).and_then(Option::take))
        .collect()
}

/// Why `id` cannot be a revision id, if it cannot.
fn id_problem(id: &str) -> Option<String> {
    if let Some(bad) = id
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '_'))
    {
        return Some(format!("contains {bad:?}"));
    }
    // A target names a revision by a prefix of at least 4 characters, so
    // a shorter id could not be named unambiguously.
    let length = id.chars().count();
    (length < 4).then(|| format!("is {length} characters long"))
}

/// Labels must be unique, usable in targets (`billing@head`), and not
/// mistakable for a revision id.
fn check_branch_labels(
    revisions: &[ParsedRevision],
    by_id: &BTreeMap<&str, usize>,
    errors: &mut Vec<Error>,
) {
    let mut owners: BTreeMap<&str, (&ParsedRevision, &Located<String>)> = BTreeMap::new();
    for revision in revisions {
        for label in &revision.branch_labels {
            let problem = if label.value.is_empty() {
                Some("is empty: give the branch a name".to_owned())
            } else if let Some(bad) = label
                .value
                .chars()
                .find(|&c| !(c.is_ascii_alphanumeric() || c == '_'))
            {
                Some(format!(
                    "contains {bad:?}: use only A-Z, a-z, 0-9 and _, since @ - + : are reserved for targets like `billing@head` and `billing@-1`"
                ))
            } else if by_id.contains_key(label.value.as_str()) {
                Some(
                    "is also a revision id: a target could not tell them apart, rename the label"
                        .to_owned(),
                )
            } else {
                None
            };
            if let Some(problem) = problem {
                errors.push(Error::InvalidBranchLabel {
                    at: label.at.clone(),
                    revision: revision.id.value.clone(),
                    label: label.value.clone(),
                    problem,
                });
                continue;
            }
            match owners.entry(label.value.as_str()) {
                Entry::Occupied(first) => {
                    let (first_revision, first_label) = *first.get();
                    errors.push(Error::DuplicateBranchLabel {
                        at: label.at.clone(),
                        revision: revision.id.value.clone(),
                        label: label.value.clone(),
                        first_revision: first_revision.id.value.clone(),
                        first: first_label.at.clone(),
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert((revision, label));
                }
            }
        }
    }
}

/// The ids a revision must come after: known parents and depends_on.
fn dependencies(revision: &ParsedRevision, by_id: &BTreeMap<&str, usize>) -> BTreeSet<usize> {
    revision
        .parents
        .iter()
        .chain(&revision.depends_on)
        .filter_map(|reference| by_id.get(reference.value.as_str()).copied())
        .collect()
}

/// Kahn's algorithm, always taking the smallest ready id, so that the order
/// depends only on the graph and not on file names or the file system.
/// Reports a cycle for whatever cannot be ordered.
fn order(
    revisions: &[ParsedRevision],
    graph: &[usize],
    by_id: &BTreeMap<&str, usize>,
    errors: &mut Vec<Error>,
) -> Vec<usize> {
    let id = |index: usize| revisions[index].id.value.as_str();
    let dependencies: BTreeMap<usize, BTreeSet<usize>> = graph
        .iter()
        .map(|&index| (index, dependencies(&revisions[index], by_id)))
        .collect();
    let mut dependents: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut pending: BTreeMap<usize, usize> = BTreeMap::new();
    for (&index, deps) in &dependencies {
        pending.insert(index, deps.len());
        for &dep in deps {
            dependents.entry(dep).or_default().push(index);
        }
    }
    let mut ready: BTreeSet<(&str, usize)> = pending
        .iter()
        .filter(|&(_, &count)| count == 0)
        .map(|(&index, _)| (id(index), index))
        .collect();
    let mut order = Vec::with_capacity(graph.len());
    while let Some((_, index)) = ready.pop_first() {
        order.push(index);
        for &dependent in dependents.get(&index).into_iter().flatten() {
            if let Some(count) = pending.get_mut(&dependent) {
                *count -= 1;
                if *count == 0 {
                    ready.insert((id(dependent), dependent));
                }
            }
        }
    }
    if order.len() < graph.len() {
        let placed: BTreeSet<usize> = order.iter().copied().collect();
        let left: BTreeSet<(&str, usize)> = graph
            .iter()
            .filter(|index| !placed.contains(index))
            .map(|&index| (id(index), index))
            .collect();
        report_cycles(revisions, &dependencies, &left, errors);
    }
    order
}

/// Reports each cycle among the revisions Kahn's algorithm could not place,
/// once. Those revisions are the cycles plus everything after them.
fn report_cycles(
    revisions: &[ParsedRevision],
    dependencies: &BTreeMap<usize, BTreeSet<usize>>,
    left: &BTreeSet<(&str, usize)>,
    errors: &mut Vec<Error>,
) {
    let id = |index: usize| revisions[index].id.value.as_str();
    let left_indices: BTreeSet<usize> = left.iter().map(|&(_, index)| index).collect();
    // Revisions on a reported cycle or on a walk that led to one.
    let mut explained: BTreeSet<usize> = BTreeSet::new();
    for &(_, start) in left {
        let mut path: Vec<usize> = Vec::new();
        let mut node = start;
        loop {
            if explained.contains(&node) {
                break;
            }
            if let Some(position) = path.iter().position(|&n| n == node) {
                errors.push(cycle_error(revisions, &path[position..]));
                break;
            }
            path.push(node);
            // Every revision left over still waits for a dependency that is
            // left over too (otherwise it would have been placed), so the walk
            // always goes on until it meets itself or a reported cycle.
            let next = dependencies
                .get(&node)
                .into_iter()
                .flatten()
                .copied()
                .filter(|dep| left_indices.contains(dep))
                .min_by_key(|&dep| id(dep));
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        explained.extend(path);
    }
}

/// A cycle walked child → dependency, reported from its smallest id.
fn cycle_error(revisions: &[ParsedRevision], cycle: &[usize]) -> Error {
    let smallest = (0..cycle.len())
        .min_by_key(|&i| revisions[cycle[i]].id.value.as_str())
        .unwrap_or(0);
    let rotated: Vec<usize> = cycle[smallest..]
        .iter()
        .chain(&cycle[..smallest])
        .copied()
        .collect();
    let first = &revisions[rotated[0]];
    let next_id = revisions[rotated[1 % rotated.len()]].id.value.as_str();
    // Point at the reference that closes the loop from the smallest id.
    let at = first
        .parents
        .iter()
        .chain(&first.depends_on)
        .find(|reference| reference.value == next_id)
        .map_or_else(|| first.id.at.clone(), |reference| reference.at.clone());
    let mut ids: Vec<String> = rotated
        .iter()
        .map(|&index| revisions[index].id.value.clone())
        .collect();
    ids.push(first.id.value.clone());
    Error::Cycle {
        at,
        revision: first.id.value.clone(),
        cycle: ids,
    }
}

/// Revisions that no revision names as a parent, by id. depends_on does not
/// count: it orders the plan without joining branches, as in Alembic.
fn heads(
    revisions: &[ParsedRevision],
    graph: &[usize],
    by_id: &BTreeMap<&str, usize>,
) -> Vec<usize> {
    let parents: BTreeSet<usize> = graph
        .iter()
        .flat_map(|&index| &revisions[index].parents)
        .filter_map(|parent| by_id.get(parent.value.as_str()).copied())
        .collect();
    let mut heads: Vec<usize> = graph
        .iter()
        .copied()
        .filter(|index| !parents.contains(index))
        .collect();
    heads.sort_by_key(|&index| revisions[index].id.value.as_str());
    heads
}

/// The heads to warn about, when more than one head is undeclared.
///
/// The rule: a head is *declared* when it or one of its ancestors (through
/// parents) carries a branch label that no other head has among its own
/// ancestors. Such a head is an intended branch. One undeclared head is the
/// main line; two or more undeclared heads mean that two people added
/// revisions to the same line, and a merge revision is missing.
fn undeclared_heads(
    revisions: &[ParsedRevision],
    heads: &[usize],
    by_id: &BTreeMap<&str, usize>,
) -> Option<Vec<Located<String>>> {
    if heads.len() < 2 {
        return None;
    }
    let labels: Vec<BTreeSet<&str>> = heads
        .iter()
        .map(|&head| ancestry_labels(revisions, head, by_id))
        .collect();
    let undeclared: Vec<Located<String>> = heads
        .iter()
        .enumerate()
        .filter(|&(i, _)| {
            !labels[i].iter().any(|label| {
                labels
                    .iter()
                    .enumerate()
                    .all(|(j, other)| j == i || !other.contains(label))
            })
        })
        .map(|(_, &head)| revisions[head].id.clone())
        .collect();
    (undeclared.len() >= 2).then_some(undeclared)
}

/// The branch labels of `head` and all its ancestors.
fn ancestry_labels<'a>(
    revisions: &'a [ParsedRevision],
    head: usize,
    by_id: &BTreeMap<&str, usize>,
) -> BTreeSet<&'a str> {
    let mut labels = BTreeSet::new();
    let mut seen = BTreeSet::from([head]);
    let mut stack = vec![head];
    while let Some(index) = stack.pop() {
        let revision = &revisions[index];
        labels.extend(
            revision
                .branch_labels
                .iter()
                .map(|label| label.value.as_str()),
        );
        for parent in &revision.parents {
            if let Some(&parent) = by_id.get(parent.value.as_str()) {
                if seen.insert(parent) {
                    stack.push(parent);
                }
            }
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::tests::{messages, scan_fixture};
    use crate::Location;

    /// A Rust revision file: (file name, text).
    fn rust(id: &str, parents: &[&str], extra: &str) -> (String, String) {
        let parents: Vec<String> = parents.iter().map(|p| format!("{p:?}")).collect();
        let text = format!(
            "pub const REVISION: &str = {id:?};\n\
             pub const PARENTS: &[&str] = &[{}];\n\
             pub const MESSAGE: &str = \"m\";\n\
             {extra}\
             pub fn upgrade(_: &mut retort::Operations) {{}}\n\
             pub fn downgrade(_: &mut retort::Operations) {{}}\n",
            parents.join(", ")
        );
        (format!("{id}_x.rs"), text)
    }

    fn check(files: &[(String, String)]) -> Result<RevisionTable, Errors> {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        validate(scan_fixture(&files))
    }

    fn error_messages(files: &[(String, String)]) -> Vec<String> {
        match check(files) {
            Ok(_) => Vec::new(),
            Err(errors) => messages(errors.as_slice()),
        }
    }

    #[test]
    fn assign_ids_keeps_first_file_and_shadows_later_one_when_ids_differ_only_in_case() {
        let files = [rust("AAAA0001", &[], ""), rust("aaaa0001", &[], "")];
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let scan = scan_fixture(&files);
        let mut errors = Vec::new();
        let owners = assign_ids(&scan.revisions, &mut errors);
        assert_eq!(owners.by_id.keys().collect::<Vec<_>>(), [&"AAAA0001"]);
        assert!(owners.shadowed.contains("aaaa0001"));
        assert_eq!(owners.graph, [0]);
        assert!(
            matches!(&errors[..], [Error::DuplicateId { revision, .. }] if revision == "aaaa0001")
        );
    }

    fn ids(table: &RevisionTable) -> Vec<&str> {
        table
            .revisions
            .iter()
            .map(|r| r.id.value.as_str())
            .collect()
    }

    #[test]
    fn validate_orders_parents_first_and_ties_by_id_when_graph_branches() {
        let table = check(&[
            rust("dddd", &["aaaa"], ""),
            rust("aaaa", &[], ""),
            rust(
                "bbbb",
                &["aaaa"],
                "pub const DEPENDS_ON: &[&str] = &[\"dddd\"];\n",
            ),
            rust("cccc", &["aaaa"], ""),
            rust("eeee", &["bbbb", "cccc"], ""),
        ])
        .expect("valid graph");
        assert_eq!(ids(&table), ["aaaa", "cccc", "dddd", "bbbb", "eeee"]);
        // dddd has no child through parents: depends_on does not merge.
        assert_eq!(table.heads, ["dddd", "eeee"]);
    }

    #[test]
    fn validate_reports_invalid_id_when_too_short_or_with_reserved_characters() {
        let (name, text) = rust("abc", &[], "");
        let (name2, text2) = rust("ab-cd", &[], "");
        assert_eq!(
            error_messages(&[(name, text), (name2, text2)]),
            [
                "migrations/ab-cd_x.rs:1:28: revision id \"ab-cd\" contains '-': use at least 4 characters of A-Z, a-z, 0-9 and _ (such as 12 hex digits); @ - + : are reserved for targets like `branch@head` and `-1`",
                "migrations/abc_x.rs:1:28: revision id \"abc\" is 3 characters long: use at least 4 characters of A-Z, a-z, 0-9 and _ (such as 12 hex digits); @ - + : are reserved for targets like `branch@head` and `-1`",
            ]
        );
    }

    #[test]
    fn validate_reports_duplicate_id_naming_both_files_when_two_files_share_an_id() {
        let (_, text) = rust("aaaa", &[], "");
        assert_eq!(
            error_messages(&[("aaaa_first.rs".into(), text.clone()), ("aaaa_second.rs".into(), text)]),
            ["migrations/aaaa_second.rs:1:28: revision id aaaa is already declared by migrations/aaaa_first.rs:1:28: give one of the two a new id (and update the parents that name it)"]
        );
    }

    #[test]
    fn validate_reports_duplicate_id_saying_case_is_ignored_when_ids_differ_only_in_case() {
        let (_, first) = rust("abcd1234", &[], "");
        let (_, second) = rust("ABCD1234", &[], "");
        let errors = check(&[
            ("abcd1234_lower.rs".into(), first),
            ("ABCD1234_upper.rs".into(), second),
            rust("bbbb", &["abcd1234"], ""),
        ])
        .expect_err("the ids collide");
        // The upper-case file sorts first and owns the id; `bbbb` names the
        // spelling that lost, which is not reported again as unknown.
        assert_eq!(
            errors.as_slice(),
            [Error::DuplicateId {
                at: Location::new("migrations/abcd1234_lower.rs", 1, 28),
                revision: "abcd1234".to_owned(),
                first: Location::new("migrations/ABCD1234_upper.rs", 1, 28),
                first_revision: "ABCD1234".to_owned(),
            }]
        );
        assert_eq!(
            messages(errors.as_slice()),
            ["migrations/abcd1234_lower.rs:1:28: revision id abcd1234 is already declared by migrations/ABCD1234_upper.rs:1:28 as ABCD1234 (ids that differ only in case count as the same: file names on macOS and Windows, and SQL Server's default collation, ignore case): give one of the two a new id (and update the parents that name it)"]
        );
    }

    #[test]
    fn validate_reports_unknown_reference_at_the_reference_when_parent_or_depends_on_is_missing() {
        let errors = check(&[
            rust("aaaa", &[], ""),
            rust(
                "bbbb",
                &["aaaa", "zzzz"],
                "pub const DEPENDS_ON: &[&str] = &[\"yyyy\"];\n",
            ),
        ])
        .expect_err("unknown references");
        assert_eq!(
            messages(errors.as_slice()),
            [
                "migrations/bbbb_x.rs:2:40: revision bbbb names zzzz as parent, but no revision has that id: fix the id, or restore the missing revision file",
                "migrations/bbbb_x.rs:4:35: revision bbbb names yyyy as depends_on, but no revision has that id: fix the id, or restore the missing revision file",
            ]
        );
    }

    #[test]
    fn validate_reports_duplicate_reference_when_a_parent_is_listed_twice() {
        let errors = error_messages(&[rust("aaaa", &[], ""), rust("bbbb", &["aaaa", "aaaa"], "")]);
        assert_eq!(
            errors,
            ["migrations/bbbb_x.rs:2:40: revision bbbb names aaaa twice as parent: keep one"]
        );
    }

    #[test]
    fn validate_skips_unknown_reference_when_parent_file_failed_to_parse() {
        let (name, text) = rust("aaaa", &[], "");
        let broken = text.replace("pub const MESSAGE", "pub const MESSAGE: u8 = 1; const X");
        let errors = error_messages(&[(name, broken), rust("bbbb", &["aaaa"], "")]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("`MESSAGE` must be declared as"));
    }

    #[test]
    fn validate_reports_each_cycle_once_with_its_ids_when_revisions_loop() {
        let errors = check(&[
            rust("aaaa", &[], ""),
            rust("bbbb", &["aaaa", "dddd"], ""),
            rust("cccc", &["bbbb"], ""),
            rust("dddd", &["cccc"], ""),
            rust("eeee", &["dddd"], ""),
            rust("ffff", &["ffff"], ""),
        ])
        .expect_err("cycles");
        assert_eq!(
            messages(errors.as_slice()),
            [
                "migrations/bbbb_x.rs:2:40: revisions form a cycle: bbbb -> dddd -> cccc -> bbbb (each names the next as parent or depends_on): a revision may only name older revisions",
                "migrations/ffff_x.rs:2:32: revisions form a cycle: ffff -> ffff (each names the next as parent or depends_on): a revision may only name older revisions",
            ]
        );
        assert!(
            matches!(&errors.as_slice()[0], Error::Cycle { revision, cycle, .. }
            if revision == "bbbb" && cycle.len() == 4)
        );
    }

    #[test]
    fn validate_reports_duplicate_branch_label_naming_both_revisions_when_label_is_reused() {
        let labels = "pub const BRANCH_LABELS: &[&str] = &[\"billing\"];\n";
        assert_eq!(
            error_messages(&[rust("aaaa", &[], labels), rust("bbbb", &["aaaa"], labels)]),
            ["migrations/bbbb_x.rs:4:38: branch label billing of revision bbbb is already declared by revision aaaa at migrations/aaaa_x.rs:4:38: a label names one branch, rename one"]
        );
    }

    #[test]
    fn validate_reports_invalid_branch_label_when_label_has_reserved_characters_or_is_an_id() {
        let errors = error_messages(&[rust(
            "aaaa",
            &[],
            "pub const BRANCH_LABELS: &[&str] = &[\"bill-ing\", \"aaaa\"];\n",
        )]);
        assert_eq!(
            errors,
            [
                "migrations/aaaa_x.rs:4:38: branch label \"bill-ing\" of revision aaaa contains '-': use only A-Z, a-z, 0-9 and _, since @ - + : are reserved for targets like `billing@head` and `billing@-1`",
                "migrations/aaaa_x.rs:4:50: branch label \"aaaa\" of revision aaaa is also a revision id: a target could not tell them apart, rename the label",
            ]
        );
    }

    #[test]
    fn validate_warns_about_several_heads_when_no_branch_is_declared() {
        let table = check(&[
            rust("aaaa", &[], ""),
            rust("bbbb", &["aaaa"], ""),
            rust("cccc", &["aaaa"], ""),
        ])
        .expect("several heads are not an error");
        assert_eq!(table.heads, ["bbbb", "cccc"]);
        assert_eq!(
            table.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["several heads: bbbb (migrations/bbbb_x.rs), cccc (migrations/cccc_x.rs); run `cargo xtask merge -m \"merge heads\"`"]
        );
        assert!(matches!(&table.warnings[0], Warning::SeveralHeads { heads }
            if heads[0].at == Location::new("migrations/bbbb_x.rs", 1, 28)));
    }

    #[test]
    fn validate_does_not_warn_when_extra_heads_are_declared_branches() {
        let main = "pub const BRANCH_LABELS: &[&str] = &[\"main\"];\n";
        let billing = "pub const BRANCH_LABELS: &[&str] = &[\"billing\"];\n";
        let table = check(&[
            rust("aaaa", &[], main),
            rust("bbbb", &["aaaa"], ""),
            rust("cccc", &["aaaa"], billing),
            rust("dddd", &["cccc"], ""),
        ])
        .expect("valid graph");
        assert_eq!(table.heads, ["bbbb", "dddd"]);
        assert_eq!(table.warnings, []);
    }

    #[test]
    fn validate_warns_when_two_heads_share_their_only_label() {
        let main = "pub const BRANCH_LABELS: &[&str] = &[\"main\"];\n";
        let table = check(&[
            rust("aaaa", &[], main),
            rust("bbbb", &["aaaa"], ""),
            rust("cccc", &["aaaa"], ""),
        ])
        .expect("several heads are not an error");
        assert_eq!(table.warnings.len(), 1);
    }

    #[test]
    fn validate_reports_file_and_graph_errors_together_when_both_exist() {
        let mut files = vec![
            rust("aaaa", &[], ""),
            rust("bbbb", &["zzzz"], ""),
            rust("cccc", &["aaaa"], "pub const TRANSACTIONAL: bool = 1;\n"),
        ];
        files.push(("aaaa_again.rs".into(), files[0].1.clone()));
        files.push(("notes.txt".into(), String::new()));
        let errors = check(&files).expect_err("several problems");
        let kinds: Vec<&str> = errors
            .iter()
            .map(|error| match error {
                Error::UnexpectedEntry { .. } => "unexpected",
                Error::ConstantValue { .. } => "value",
                Error::DuplicateId { .. } => "duplicate",
                Error::UnknownReference { .. } => "unknown",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["unexpected", "value", "duplicate", "unknown"]);
    }

    #[test]
    fn validate_accepts_empty_folder_when_there_are_no_revisions() {
        let table = check(&[]).expect("an empty history is valid");
        assert!(table.revisions.is_empty());
        assert!(table.heads.is_empty());
    }
}
