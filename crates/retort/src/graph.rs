//! The revision graph: the compiled revision table seen as a DAG, with the
//! facts Alembic's `RevisionMap` derives (heads, bases, branch and merge
//! points, ancestry, labelled branches).
//!
//! Nothing here is stored in the table itself: a revision only knows its
//! parents, its `depends_on` revisions and its labels. Everything else is
//! derived once, in [`RevisionGraph::new`], so the table stays the single
//! source of truth.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use crate::{Migrations, Revision};

/// The revision table indexed for graph questions.
///
/// Two kinds of edge connect revisions:
///
/// - *parent* edges (`Revision::parents`) shape the graph: they decide heads,
///   bases, branch points, merge points and labelled branches;
/// - *dependency* edges (`Revision::depends_on`) only order work: a revision
///   needs its dependencies applied first, and must be unapplied before them.
///
/// [`ancestors`](Self::ancestors) and [`descendants`](Self::descendants)
/// follow both kinds, because they answer "what must be applied first" and
/// "what must go first"; every other derived fact follows parent edges only.
///
/// Every list this type returns is in table order, which the generator makes
/// topological (parents and dependencies before the revisions that need them).
///
/// ```
/// static TABLE: retort::Migrations = retort::Migrations::new(&[]);
/// let graph = retort::RevisionGraph::new(&TABLE);
/// assert!(graph.heads().is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct RevisionGraph {
    migrations: &'static Migrations,
    /// Table position of every id.
    index: HashMap<&'static str, usize>,
    /// For each table position, the positions of the revisions naming it as a parent.
    children: Vec<Vec<usize>>,
    /// For each table position, the positions of the revisions naming it in `depends_on`.
    dependents: Vec<Vec<usize>>,
}

/// A revision named in an error message: its id and the message it was created with,
/// so a person can tell candidates apart without opening files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The full revision id.
    pub id: String,
    /// The revision's one-line message.
    pub message: String,
}

impl Candidate {
    pub(crate) fn of(revision: &Revision) -> Self {
        Self {
            id: revision.id.to_owned(),
            message: revision.message.to_owned(),
        }
    }

    pub(crate) fn list(revisions: &[&Revision]) -> Vec<Self> {
        revisions.iter().map(|r| Self::of(r)).collect()
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.id)
        } else {
            write!(f, "{} ({})", self.id, self.message)
        }
    }
}

/// Renders candidates as `a (msg), b (msg)` for one-line messages.
pub(crate) fn join_candidates(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(Candidate::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A name that does not pick out exactly one revision or branch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// No revision has this id or starts with this prefix.
    #[error("{}", unknown_revision_message(id, *is_branch_label))]
    UnknownRevision {
        /// The id or prefix as given.
        id: String,
        /// Whether the text is a branch label, which deserves a hint.
        is_branch_label: bool,
    },
    /// Several revisions start with this prefix.
    #[error(
        "revision prefix `{prefix}` matches {} revisions: {}; type more characters of the id",
        candidates.len(),
        join_candidates(candidates)
    )]
    AmbiguousPrefix {
        /// The prefix as given.
        prefix: String,
        /// Every revision starting with it, in table order.
        candidates: Vec<Candidate>,
    },
    /// No revision carries this branch label.
    #[error("{}", unknown_branch_message(label, known))]
    UnknownBranch {
        /// The label as given.
        label: String,
        /// Every label the migrations declare, in table order.
        known: Vec<String>,
    },
}

fn unknown_revision_message(id: &str, is_branch_label: bool) -> String {
    if is_branch_label {
        format!("`{id}` is a branch label, not a revision id; write `{id}@head` for the top of that branch")
    } else {
        format!("no revision id is or starts with `{id}`; run `{}` to list the revisions", crate::hint::MIGRATE_HISTORY)
    }
}

fn unknown_branch_message(label: &str, known: &[String]) -> String {
    if known.is_empty() {
        format!("no branch is labelled `{label}`: the migrations declare no branch labels")
    } else {
        format!(
            "no branch is labelled `{label}`; the declared labels are: {}",
            known.join(", ")
        )
    }
}

impl RevisionGraph {
    /// Indexes a revision table. This is linear in the table's size and
    /// allocates a few vectors; build one per command, not per question.
    pub fn new(migrations: &'static Migrations) -> Self {
        let revisions = migrations.revisions();
        let index: HashMap<&'static str, usize> = revisions
            .iter()
            .enumerate()
            .map(|(position, revision)| (revision.id, position))
            .collect();
        let mut children = vec![Vec::new(); revisions.len()];
        let mut dependents = vec![Vec::new(); revisions.len()];
        for (position, revision) in revisions.iter().enumerate() {
            // The generator has refused unknown parents and dependencies, so a
            // miss cannot happen with a generated table; skipping keeps a
            // hand-written table from panicking here.
            for parent in revision.parents {
                if let Some(&parent) = index.get(parent) {
                    children[parent].push(position);
                }
            }
            for dependency in revision.depends_on {
                if let Some(&dependency) = index.get(dependency) {
                    dependents[dependency].push(position);
                }
            }
        }
        Self {
            migrations,
            index,
            children,
            dependents,
        }
    }

    /// The table this graph indexes.
    pub fn migrations(&self) -> &'static Migrations {
        self.migrations
    }

    /// Every revision, in table (topological) order.
    pub fn revisions(&self) -> &'static [Revision] {
        self.migrations.revisions()
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<&'static Revision> {
        self.position(id).map(|position| self.at(position))
    }

    /// The revision with exactly this id or, failing that, the only revision
    /// whose id starts with it.
    ///
    /// This does not enforce a minimum prefix length: text typed by a person
    /// goes through [`Target::parse`](crate::Target::parse), which does.
    pub fn find(&self, id_or_prefix: &str) -> Result<&'static Revision, GraphError> {
        if let Some(revision) = self.get(id_or_prefix) {
            return Ok(revision);
        }
        let matches: Vec<&'static Revision> = self
            .revisions()
            .iter()
            .filter(|revision| revision.id.starts_with(id_or_prefix))
            .collect();
        match matches.as_slice() {
            [] => Err(GraphError::UnknownRevision {
                id: id_or_prefix.to_owned(),
                is_branch_label: self.branch(id_or_prefix).is_some(),
            }),
            [only] => Ok(only),
            several => Err(GraphError::AmbiguousPrefix {
                prefix: id_or_prefix.to_owned(),
                candidates: Candidate::list(several),
            }),
        }
    }

    /// Revisions no other revision names as a parent: the tops of the graph.
    ///
    /// A revision that others only `depends_on` is still a head, as in
    /// Alembic: dependencies order work but do not continue a line of history.
    pub fn heads(&self) -> Vec<&'static Revision> {
        self.select(|position| self.children[position].is_empty())
    }

    /// Revisions without parents: where lines of history start.
    pub fn bases(&self) -> Vec<&'static Revision> {
        self.select(|position| self.at(position).parents.is_empty())
    }

    /// Revisions that several revisions name as a parent.
    pub fn branch_points(&self) -> Vec<&'static Revision> {
        self.select(|position| self.children[position].len() > 1)
    }

    /// Revisions with several parents.
    pub fn merge_points(&self) -> Vec<&'static Revision> {
        self.select(|position| self.at(position).parents.len() > 1)
    }

    /// The revisions naming `id` as a parent; empty for an unknown id.
    pub fn children(&self, id: &str) -> Vec<&'static Revision> {
        match self.position(id) {
            Some(position) => self.collect_positions(&self.children[position]),
            None => Vec::new(),
        }
    }

    /// The parents of `id`; empty for a base or an unknown id.
    pub fn parents(&self, id: &str) -> Vec<&'static Revision> {
        match self.position(id) {
            Some(position) => self.collect_positions(&self.parent_positions(position)),
            None => Vec::new(),
        }
    }

    /// Every revision that must be applied before `id` (not `id` itself),
    /// following parent **and** `depends_on` edges; empty for an unknown id.
    pub fn ancestors(&self, id: &str) -> Vec<&'static Revision> {
        match self.position(id) {
            Some(position) => self.marked(&self.ancestor_marks(&[position], false)),
            None => Vec::new(),
        }
    }

    /// Every revision that must be unapplied before `id` (not `id` itself),
    /// following child **and** dependent edges; empty for an unknown id.
    pub fn descendants(&self, id: &str) -> Vec<&'static Revision> {
        match self.position(id) {
            Some(position) => self.marked(&self.descendant_marks(&[position], false)),
            None => Vec::new(),
        }
    }

    /// The revision carrying branch label `label`.
    pub fn branch(&self, label: &str) -> Option<&'static Revision> {
        self.revisions()
            .iter()
            .find(|revision| revision.branch_labels.contains(&label))
    }

    /// The revisions on the branch labelled `label`: the labelled revision and
    /// its descendants through parent edges (so a merge below the branch, and
    /// everything after it, belongs to the branch too). Empty for an unknown label.
    ///
    /// Dependency edges do not extend a branch: a revision elsewhere that
    /// merely depends on a branch revision is not on the branch.
    pub fn on_branch(&self, label: &str) -> Vec<&'static Revision> {
        match self.branch(label).and_then(|root| self.position(root.id)) {
            Some(root) => self.marked(&self.branch_marks(root)),
            None => Vec::new(),
        }
    }

    /// Every branch label the migrations declare, in table order.
    pub fn branch_labels(&self) -> Vec<&'static str> {
        self.revisions()
            .iter()
            .flat_map(|revision| revision.branch_labels.iter().copied())
            .collect()
    }

    /// The applied revisions that no applied revision names as a parent:
    /// where the database currently stands, one per applied line of history.
    ///
    /// Ids this table does not know (applied by a newer build) are ignored.
    pub fn current_heads(&self, applied: &BTreeSet<String>) -> Vec<&'static Revision> {
        let applied = self.applied_marks(applied);
        self.select(|position| {
            applied[position] && !self.children[position].iter().any(|&child| applied[child])
        })
    }

    // Position-based helpers for the planner and the target resolver. They
    // work on table positions because the table order is what plans follow.

    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub(crate) fn at(&self, position: usize) -> &'static Revision {
        &self.revisions()[position]
    }

    pub(crate) fn parent_positions(&self, position: usize) -> Vec<usize> {
        self.at(position)
            .parents
            .iter()
            .filter_map(|parent| self.position(parent))
            .collect()
    }

    pub(crate) fn child_positions(&self, position: usize) -> &[usize] {
        &self.children[position]
    }

    /// Marks, by table position, which revisions of the table are in `applied`.
    pub(crate) fn applied_marks(&self, applied: &BTreeSet<String>) -> Vec<bool> {
        let mut marks = vec![false; self.revisions().len()];
        for id in applied {
            if let Some(position) = self.position(id) {
                marks[position] = true;
            }
        }
        marks
    }

    /// Marks the ancestors of `seeds` through parent and dependency edges.
    pub(crate) fn ancestor_marks(&self, seeds: &[usize], include_seeds: bool) -> Vec<bool> {
        self.reach(seeds, include_seeds, |position| {
            let revision = self.at(position);
            revision
                .parents
                .iter()
                .chain(revision.depends_on)
                .filter_map(|id| self.position(id))
                .collect()
        })
    }

    /// Marks the descendants of `seeds` through child and dependent edges.
    pub(crate) fn descendant_marks(&self, seeds: &[usize], include_seeds: bool) -> Vec<bool> {
        self.reach(seeds, include_seeds, |position| {
            self.children[position]
                .iter()
                .chain(&self.dependents[position])
                .copied()
                .collect()
        })
    }

    /// Marks a labelled revision and its descendants through child edges only.
    pub(crate) fn branch_marks(&self, root: usize) -> Vec<bool> {
        self.reach(&[root], true, |position| self.children[position].clone())
    }

    /// The marked revisions, in table order.
    pub(crate) fn marked(&self, marks: &[bool]) -> Vec<&'static Revision> {
        self.select(|position| marks[position])
    }

    fn reach(
        &self,
        seeds: &[usize],
        include_seeds: bool,
        next: impl Fn(usize) -> Vec<usize>,
    ) -> Vec<bool> {
        let mut marks = vec![false; self.revisions().len()];
        let mut stack: Vec<usize> = if include_seeds {
            seeds.to_vec()
        } else {
            seeds.iter().flat_map(|&seed| next(seed)).collect()
        };
        while let Some(position) = stack.pop() {
            if !marks[position] {
                marks[position] = true;
                stack.extend(next(position));
            }
        }
        marks
    }

    fn select(&self, keep: impl Fn(usize) -> bool) -> Vec<&'static Revision> {
        self.revisions()
            .iter()
            .enumerate()
            .filter(|&(position, _)| keep(position))
            .map(|(_, revision)| revision)
            .collect()
    }

    fn collect_positions(&self, positions: &[usize]) -> Vec<&'static Revision> {
        let mut sorted = positions.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        sorted
            .into_iter()
            .map(|position| self.at(position))
            .collect()
    }
}

/// Static revision tables for tests, here so every module's tests (the
/// planner's, the migrator's) share one vocabulary of graphs.
///
/// ```ignore
/// use crate::graph::fixtures::{rev, applied};
/// static TABLE: Migrations = Migrations::new(&[
///     rev("a1a1", &[]),
///     rev("b2b2", &["a1a1"]).with_labels(&["feature"]),
///     rev("c3c3", &["b2b2"]).with_depends_on(&["a1a1"]).with_irreversible("drops data"),
/// ]);
/// let graph = RevisionGraph::new(&TABLE);
/// let plan = retort::Plan::upgrade(&graph, &applied(&["a1a1"]), &Target::Heads)?;
/// ```
#[cfg(test)]
pub(crate) mod fixtures {
    use std::collections::BTreeSet;

    use super::RevisionGraph;
    use crate::{Body, Checksum, Migrations, Revision};

    /// A reversible, transactional SQL revision with empty scripts, message
    /// `"<id>"`, source `migrations/fixture.sql`, and a checksum made of the
    /// id's bytes (so revisions' checksums differ). Adjust with the `with_*`
    /// methods below; all are `const` so tables can be `static`.
    pub(crate) const fn rev(id: &'static str, parents: &'static [&'static str]) -> Revision {
        let mut checksum = [0u8; 32];
        let bytes = id.as_bytes();
        let mut i = 0;
        while i < bytes.len() && i < checksum.len() {
            checksum[i] = bytes[i];
            i += 1;
        }
        Revision {
            id,
            parents,
            depends_on: &[],
            branch_labels: &[],
            message: id,
            checksum: Checksum(checksum),
            transactional: true,
            irreversible: None,
            lock_timeout: None,
            source: "migrations/fixture.sql",
            body: Body::Sql {
                up: "",
                down: Some(""),
                sources: crate::ScriptSources::NONE,
            },
        }
    }

    // Builder methods live on `Revision` itself, only in test builds, so
    // tables read as one chained expression per revision.
    impl Revision {
        pub(crate) const fn with_labels(self, labels: &'static [&'static str]) -> Self {
            Self {
                branch_labels: labels,
                ..self
            }
        }

        pub(crate) const fn with_depends_on(self, ids: &'static [&'static str]) -> Self {
            Self {
                depends_on: ids,
                ..self
            }
        }

        pub(crate) const fn with_message(self, message: &'static str) -> Self {
            Self { message, ..self }
        }

        pub(crate) const fn with_source(self, source: &'static str) -> Self {
            Self { source, ..self }
        }

        /// Marks the revision irreversible and drops its down script, as the
        /// generator does for a file that declares itself irreversible.
        pub(crate) const fn with_irreversible(self, reason: &'static str) -> Self {
            let up = match self.body {
                Body::Sql { up, .. } => up,
                Body::Rust { .. } => "",
            };
            Self {
                irreversible: Some(reason),
                lock_timeout: None,
                body: Body::Sql { up, down: None, sources: crate::ScriptSources::NONE },
                ..self
            }
        }

        pub(crate) const fn with_sql(self, up: &'static str, down: Option<&'static str>) -> Self {
            Self {
                body: Body::Sql { up, down, sources: crate::ScriptSources::NONE },
                ..self
            }
        }

        pub(crate) const fn non_transactional(self) -> Self {
            Self {
                transactional: false,
                ..self
            }
        }
    }

    /// The main test graph: a linear start, a branch point, two branches
    /// (one labelled `feature`), a dependency across them, a merge and a tip.
    ///
    /// ```text
    /// init0001 ── init0002 ─┬─ feat0001 [feature] ── feat0002 ───────────┬─ merge001 ── tip00001
    ///                       └─ main0001 (irreversible) ── main0002 ──────┘
    ///                                    main0002 depends_on feat0002
    /// ```
    pub(crate) static BRANCHED: Migrations = Migrations::new(&[
        rev("init0001", &[]).with_message("create users"),
        rev("init0002", &["init0001"]).with_message("create todos"),
        rev("feat0001", &["init0002"])
            .with_labels(&["feature"])
            .with_message("add tags"),
        rev("feat0002", &["feat0001"]).with_message("add tag colours"),
        rev("main0001", &["init0002"])
            .with_message("drop legacy flag")
            .with_source("migrations/0005_drop_legacy_flag.sql")
            .with_irreversible("drops todos.legacy_flag and its data"),
        rev("main0002", &["main0001"])
            .with_depends_on(&["feat0002"])
            .with_message("index tags by owner"),
        rev("merge001", &["feat0002", "main0002"]).with_message("merge feature"),
        rev("tip00001", &["merge001"]).with_message("add due dates"),
    ]);

    /// A graph with declared, unmerged branches and two bases.
    ///
    /// ```text
    /// root0001 ─┬─ left0001 [left] ── left0002 (depends_on rght0001)
    ///           └─ rght0001 [right]
    /// othr0001 [other]
    /// ```
    pub(crate) static FORKED: Migrations = Migrations::new(&[
        rev("root0001", &[]).with_message("create schema"),
        rev("left0001", &["root0001"])
            .with_labels(&["left"])
            .with_message("left one"),
        rev("rght0001", &["root0001"])
            .with_labels(&["right"])
            .with_message("right one"),
        rev("left0002", &["left0001"])
            .with_depends_on(&["rght0001"])
            .with_message("left two"),
        rev("othr0001", &[])
            .with_labels(&["other"])
            .with_message("other base"),
    ]);

    pub(crate) fn branched() -> RevisionGraph {
        RevisionGraph::new(&BRANCHED)
    }

    pub(crate) fn forked() -> RevisionGraph {
        RevisionGraph::new(&FORKED)
    }

    /// An applied set, as the migrator reads it from the history table.
    pub(crate) fn applied(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    /// The ids of revisions, for terse assertions.
    pub(crate) fn ids(revisions: &[&'static Revision]) -> Vec<&'static str> {
        revisions.iter().map(|revision| revision.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{applied, branched, forked, ids, rev};
    use super::*;
    use crate::Body;

    #[test]
    fn heads_bases_and_points_are_derived_when_graph_branches_and_merges() {
        let graph = branched();
        assert_eq!(ids(&graph.heads()), ["tip00001"]);
        assert_eq!(ids(&graph.bases()), ["init0001"]);
        assert_eq!(ids(&graph.branch_points()), ["init0002"]);
        assert_eq!(ids(&graph.merge_points()), ["merge001"]);
    }

    #[test]
    fn heads_include_revision_when_others_only_depend_on_it() {
        let graph = forked();
        // left0002 depends on rght0001, yet rght0001 stays a head.
        assert_eq!(ids(&graph.heads()), ["rght0001", "left0002", "othr0001"]);
        assert_eq!(ids(&graph.bases()), ["root0001", "othr0001"]);
        assert!(graph.merge_points().is_empty());
    }

    #[test]
    fn children_and_parents_follow_parent_edges_only() {
        let graph = branched();
        assert_eq!(ids(&graph.children("init0002")), ["feat0001", "main0001"]);
        // main0002 depends on feat0002 but is not its child.
        assert_eq!(ids(&graph.children("feat0002")), ["merge001"]);
        assert_eq!(ids(&graph.parents("merge001")), ["feat0002", "main0002"]);
        assert!(graph.children("nope0000").is_empty());
    }

    #[test]
    fn ancestors_follow_dependency_edges_when_revision_depends_on_other_branch() {
        let graph = branched();
        assert_eq!(
            ids(&graph.ancestors("main0002")),
            ["init0001", "init0002", "feat0001", "feat0002", "main0001"]
        );
        assert!(graph.ancestors("init0001").is_empty());
    }

    #[test]
    fn descendants_follow_dependent_edges_and_exclude_the_revision() {
        let graph = branched();
        assert_eq!(
            ids(&graph.descendants("feat0002")),
            ["main0002", "merge001", "tip00001"]
        );
        assert_eq!(
            ids(&graph.descendants("main0001")),
            ["main0002", "merge001", "tip00001"]
        );
        assert!(graph.descendants("tip00001").is_empty());
    }

    #[test]
    fn branch_returns_labelled_revision_and_members_when_label_exists() {
        let graph = branched();
        assert_eq!(graph.branch("feature").map(|r| r.id), Some("feat0001"));
        // The merge continues the branch; main0002, which only depends on it, does not.
        assert_eq!(
            ids(&graph.on_branch("feature")),
            ["feat0001", "feat0002", "merge001", "tip00001"]
        );
        assert!(graph.branch("nope").is_none());
        assert!(graph.on_branch("nope").is_empty());
        assert_eq!(forked().branch_labels(), ["left", "right", "other"]);
    }

    #[test]
    fn find_prefers_exact_id_when_it_prefixes_another() {
        static TABLE: Migrations = Migrations::new(&[rev("abcd", &[]), rev("abcd1234", &["abcd"])]);
        let graph = RevisionGraph::new(&TABLE);
        assert_eq!(graph.find("abcd").map(|r| r.id), Ok("abcd"));
        assert_eq!(graph.find("abcd1").map(|r| r.id), Ok("abcd1234"));
    }

    #[test]
    fn find_lists_candidates_when_prefix_is_ambiguous() {
        let error = branched().find("feat").unwrap_err();
        assert_eq!(
            error,
            GraphError::AmbiguousPrefix {
                prefix: "feat".into(),
                candidates: vec![
                    Candidate {
                        id: "feat0001".into(),
                        message: "add tags".into()
                    },
                    Candidate {
                        id: "feat0002".into(),
                        message: "add tag colours".into()
                    },
                ],
            }
        );
        assert_eq!(
            error.to_string(),
            "revision prefix `feat` matches 2 revisions: feat0001 (add tags), \
             feat0002 (add tag colours); type more characters of the id"
        );
    }

    #[test]
    fn find_hints_at_branch_syntax_when_given_a_label() {
        let graph = branched();
        let error = graph.find("feature").unwrap_err();
        assert_eq!(
            error,
            GraphError::UnknownRevision {
                id: "feature".into(),
                is_branch_label: true
            }
        );
        assert!(error.to_string().contains("`feature@head`"), "{error}");
        let error = graph.find("zzzz").unwrap_err();
        assert!(error
            .to_string()
            .starts_with("no revision id is or starts with `zzzz`"));
    }

    #[test]
    fn current_heads_ignore_unknown_ids_when_database_is_ahead() {
        let graph = branched();
        let set = applied(&["init0001", "init0002", "feat0001", "main0001", "future01"]);
        assert_eq!(ids(&graph.current_heads(&set)), ["feat0001", "main0001"]);
        assert!(graph.current_heads(&applied(&[])).is_empty());
    }

    #[test]
    fn fixture_builders_set_fields_when_chained() {
        static TABLE: Migrations = Migrations::new(&[rev("a1a1", &[])
            .with_sql("CREATE TABLE t (id INT)", Some("DROP TABLE t"))
            .non_transactional()
            .with_irreversible("drops t")]);
        let revision = &TABLE.revisions()[0];
        assert!(!revision.transactional);
        assert_eq!(revision.irreversible, Some("drops t"));
        assert!(matches!(
            revision.body,
            Body::Sql {
                up: "CREATE TABLE t (id INT)",
                down: None,
                sources: crate::ScriptSources::NONE,
            }
        ));
        assert_eq!(&revision.checksum.0[..4], b"a1a1");
    }

    #[test]
    fn unknown_branch_error_lists_declared_labels() {
        let error = GraphError::UnknownBranch {
            label: "lfet".into(),
            known: vec!["left".into(), "right".into()],
        };
        assert_eq!(
            error.to_string(),
            "no branch is labelled `lfet`; the declared labels are: left, right"
        );
    }
}
