//! Turning a target into the ordered revisions to apply or unapply.
//!
//! Plans are pure functions of the graph, the applied set and the target:
//! nothing here touches a database, so the migrator, dry runs and offline
//! scripts all share one answer to "what would run".

use std::collections::BTreeSet;
use std::fmt;

use crate::graph::{Candidate, RevisionGraph};
use crate::hint;
use crate::target::{Destination, Target, TargetError};
use crate::Revision;

/// Which way a plan moves the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Applying revisions (their up scripts).
    Up,
    /// Unapplying revisions (their down scripts).
    Down,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "upgrade",
            Direction::Down => "downgrade",
        })
    }
}

/// One revision to run, and which way.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The revision to apply or unapply.
    pub revision: &'static Revision,
    /// Whether to run its up or its down script.
    pub direction: Direction,
}

impl Step {
    /// The revision's id.
    pub fn id(&self) -> &'static str {
        self.revision.id
    }
}

/// The revisions to run, in the order to run them: for an upgrade, table
/// order (dependencies first); for a downgrade, the reverse (dependents first).
///
/// ```
/// # use std::collections::BTreeSet;
/// static TABLE: retort::Migrations = retort::Migrations::new(&[]);
/// let graph = retort::RevisionGraph::new(&TABLE);
/// let plan = retort::Plan::upgrade(&graph, &BTreeSet::new(), &retort::Target::Heads).unwrap();
/// assert!(plan.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Plan {
    direction: Direction,
    steps: Vec<Step>,
}

impl Plan {
    /// Which way every step of the plan runs.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The steps, in running order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The ids of the steps, in running order.
    pub fn ids(&self) -> Vec<&'static str> {
        self.steps.iter().map(Step::id).collect()
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    fn new(direction: Direction, revisions: impl IntoIterator<Item = &'static Revision>) -> Self {
        Self {
            direction,
            steps: revisions
                .into_iter()
                .map(|revision| Step {
                    revision,
                    direction,
                })
                .collect(),
        }
    }
}

impl<'a> IntoIterator for &'a Plan {
    type Item = &'a Step;
    type IntoIter = std::slice::Iter<'a, Step>;

    fn into_iter(self) -> Self::IntoIter {
        self.steps.iter()
    }
}

impl IntoIterator for Plan {
    type Item = Step;
    type IntoIter = std::vec::IntoIter<Step>;

    fn into_iter(self) -> Self::IntoIter {
        self.steps.into_iter()
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The target names nothing, or several things.
    #[error(transparent)]
    Target {
        #[from]
        /// Why the target could not be resolved.
        source: TargetError,
    },
    /// A downgrade target that is not applied and lies above what is applied.
    #[error(
        "cannot downgrade to {id}: it is above the current revision(s) ({}); \
         use `{}` to move there",
        current_or_base(current),
        hint::MIGRATE_UPGRADE_TO.revision(id)
    )]
    AboveCurrent {
        /// The target revision.
        id: String,
        /// The database's current heads, in table order; empty when nothing is applied.
        current: Vec<Candidate>,
    },
    /// An upgrade target that walks down (`-N`, `<branch>@-N`): an upgrade
    /// only goes up, as a downgrade only goes down ([`PlanError::AboveCurrent`]).
    #[error(
        "cannot upgrade to `{target}`: it walks down from the current revision(s) ({}); \
         use `{}` to move there",
        current_or_base(current),
        hint::MIGRATE_DOWNGRADE_TO.fill(&[("target", target.as_str())])
    )]
    BelowCurrent {
        /// The target as typed.
        target: String,
        /// The database's current heads, in table order; empty when nothing is applied.
        current: Vec<Candidate>,
    },
    /// A downgrade target on a line of history the database has not touched.
    #[error(
        "cannot downgrade to {id}: it is not an ancestor of the current revision(s) ({}); \
         downgrade to a revision below one of them, or `{}` to apply its branch",
        current_or_base(current),
        hint::MIGRATE_UPGRADE_TO.revision(id)
    )]
    NotAnAncestor {
        /// The target revision.
        id: String,
        /// The database's current heads, in table order.
        current: Vec<Candidate>,
    },
    /// The downgrade would unapply a revision that cannot be undone.
    #[error(
        "revision {id} ({file}) is irreversible: {reason}; downgrade to {id} or above, or {} \
         if you really restored the schema by hand",
        stamp_below(parents)
    )]
    Irreversible {
        /// The irreversible revision.
        id: String,
        /// Its source file, relative to the crate root.
        file: String,
        /// The reason the revision gives.
        reason: String,
        /// Its parents, which a hand-restored schema would be stamped at.
        parents: Vec<String>,
    },
}

fn current_or_base(current: &[Candidate]) -> String {
    if current.is_empty() {
        "nothing is applied".to_owned()
    } else {
        crate::graph::join_candidates(current)
    }
}

fn stamp_below(parents: &[String]) -> String {
    match parents {
        [] => format!("run `{}`", hint::MIGRATE_STAMP.revision("base")),
        [parent] => format!("run `{}`", hint::MIGRATE_STAMP.revision(parent)),
        several => format!("run `{}` with one of {}", hint::MIGRATE_STAMP, several.join(", ")),
    }
}

impl Plan {
    /// The revisions to apply to reach `target`: everything the destination
    /// needs (its ancestors through parents and `depends_on`, and itself) that
    /// is not applied yet, in table order.
    ///
    /// `heads` applies every branch. A target that is already applied, or
    /// lies below what is applied, or is `base`, gives an empty plan, as in
    /// Alembic. `<branch>@base` stands for the labelled revision's parents. Applied ids this table does not know are ignored: the
    /// migrator deals with them before planning.
    ///
    /// Errors when the target walks down from the current revisions (`-N`,
    /// `<branch>@-N`): that can only mean a downgrade.
    pub fn upgrade(
        graph: &RevisionGraph,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Plan, PlanError> {
        if let Target::Relative { steps } | Target::BranchRelative { steps, .. } = target {
            if steps.get() < 0 {
                return Err(PlanError::BelowCurrent {
                    target: target.to_string(),
                    current: Candidate::list(&graph.current_heads(applied)),
                });
            }
        }
        let wanted = Self::wanted(graph, target.resolve(graph, applied)?);
        let is_applied = graph.applied_marks(applied);
        let marks = graph.ancestor_marks(&wanted, true);
        let todo = (0..marks.len()).filter(|&p| marks[p] && !is_applied[p]);
        Ok(Plan::new(Direction::Up, todo.map(|p| graph.at(p))))
    }

    /// The revisions to unapply to reach `target`, dependents first.
    ///
    /// For a revision X, every applied revision above X goes: its descendants
    /// through parents, and whatever depends on a revision that goes. X itself
    /// stays, so revisions that only depend on X stay too, and so does every
    /// revision on another branch that is not above X: downgrading one branch
    /// leaves the others alone. A merge above X is unapplied once.
    /// `base` unapplies everything; `<branch>@base` unapplies the branch.
    ///
    /// Errors when X is neither applied nor below an applied revision (suggesting
    /// `upgrade` when X is above the current revisions), and when the plan
    /// would unapply an irreversible revision.
    pub fn downgrade(
        graph: &RevisionGraph,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<Plan, PlanError> {
        let is_applied = graph.applied_marks(applied);
        let doomed: Vec<bool> = match target.resolve(graph, applied)? {
            Destination::Base => is_applied.clone(),
            Destination::Below(revision) => {
                let mut doomed = graph.descendant_marks(&Self::positions(graph, &[revision]), true);
                and_in_place(&mut doomed, &is_applied);
                doomed
            }
            Destination::At(revisions) => {
                for revision in &revisions {
                    Self::check_downgrade_target(graph, revision, applied, &is_applied)?;
                }
                let positions = Self::positions(graph, &revisions);
                let kept = graph.ancestor_marks(&positions, true);
                let above: Vec<usize> = positions
                    .iter()
                    .flat_map(|&p| graph.child_positions(p).iter().copied())
                    .collect();
                let mut doomed = graph.descendant_marks(&above, true);
                and_in_place(&mut doomed, &is_applied);
                for (doomed, kept) in doomed.iter_mut().zip(&kept) {
                    *doomed &= !kept;
                }
                doomed
            }
        };
        let order: Vec<&'static Revision> = (0..doomed.len())
            .rev()
            .filter(|&p| doomed[p])
            .map(|p| graph.at(p))
            .collect();
        // The first irreversible revision in running order is the one to name:
        // downgrading to it is the lowest target that stops before it.
        let irreversible = order
            .iter()
            .find_map(|revision| revision.irreversible.map(|reason| (revision, reason)));
        if let Some((revision, reason)) = irreversible {
            return Err(PlanError::Irreversible {
                id: revision.id.to_owned(),
                file: revision.source.to_owned(),
                reason: reason.to_owned(),
                parents: revision.parents.iter().map(|p| (*p).to_owned()).collect(),
            });
        }
        Ok(Plan::new(Direction::Down, order))
    }

    /// The applied set after stamping `target`: the destination and its
    /// ancestors through parents and `depends_on`; `base` gives the empty set.
    ///
    /// Alembic's stamp records only heads; retort records the full ancestry,
    /// so the history table keeps saying exactly which revisions the schema
    /// contains. The result equals what a fresh `upgrade` to the same target
    /// would leave applied, so revisions on other branches are dropped.
    pub fn stamp(
        graph: &RevisionGraph,
        applied: &BTreeSet<String>,
        target: &Target,
    ) -> Result<BTreeSet<&'static str>, PlanError> {
        let wanted = Self::wanted(graph, target.resolve(graph, applied)?);
        let marks = graph.ancestor_marks(&wanted, true);
        Ok(graph.marked(&marks).into_iter().map(|r| r.id).collect())
    }

    /// The positions an upgrade or stamp must reach (with their ancestors).
    fn wanted(graph: &RevisionGraph, destination: Destination) -> Vec<usize> {
        match destination {
            Destination::At(revisions) => Self::positions(graph, &revisions),
            // Just below a revision is where its parents are.
            Destination::Below(revision) => graph
                .position(revision.id)
                .map(|p| graph.parent_positions(p))
                .unwrap_or_default(),
            Destination::Base => Vec::new(),
        }
    }

    fn positions(graph: &RevisionGraph, revisions: &[&'static Revision]) -> Vec<usize> {
        revisions
            .iter()
            .filter_map(|revision| graph.position(revision.id))
            .collect()
    }

    /// A downgrade may only go down: the target must be applied, or below a
    /// revision that is (the latter covers a history table with gaps).
    fn check_downgrade_target(
        graph: &RevisionGraph,
        revision: &'static Revision,
        applied: &BTreeSet<String>,
        is_applied: &[bool],
    ) -> Result<(), PlanError> {
        let Some(position) = graph.position(revision.id) else {
            return Ok(());
        };
        let above = graph.descendant_marks(&[position], true);
        if above.iter().zip(is_applied).any(|(&a, &b)| a && b) {
            return Ok(());
        }
        let below = graph.ancestor_marks(&[position], false);
        let nothing_applied = !is_applied.iter().any(|&b| b);
        let current = Candidate::list(&graph.current_heads(applied));
        if nothing_applied || below.iter().zip(is_applied).any(|(&a, &b)| a && b) {
            Err(PlanError::AboveCurrent {
                id: revision.id.to_owned(),
                current,
            })
        } else {
            Err(PlanError::NotAnAncestor {
                id: revision.id.to_owned(),
                current,
            })
        }
    }
}

fn and_in_place(marks: &mut [bool], other: &[bool]) {
    for (mark, other) in marks.iter_mut().zip(other) {
        *mark &= *other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::fixtures::{applied, branched, forked};
    use crate::graph::GraphError;

    const ALL: &[&str] = &[
        "init0001", "init0002", "feat0001", "feat0002", "main0001", "main0002", "merge001",
        "tip00001",
    ];
    const FORKED_ALL: &[&str] = &["root0001", "left0001", "rght0001", "left0002", "othr0001"];

    fn target(text: &str) -> Target {
        Target::parse(text).expect("test targets parse")
    }

    fn up(graph: &RevisionGraph, ids: &[&str], text: &str) -> Result<Vec<&'static str>, PlanError> {
        let plan = Plan::upgrade(graph, &applied(ids), &target(text))?;
        assert!(plan.steps().iter().all(|s| s.direction == Direction::Up));
        Ok(plan.ids())
    }

    fn down(
        graph: &RevisionGraph,
        ids: &[&str],
        text: &str,
    ) -> Result<Vec<&'static str>, PlanError> {
        let plan = Plan::downgrade(graph, &applied(ids), &target(text))?;
        assert_eq!(plan.direction(), Direction::Down);
        assert!(plan.steps().iter().all(|s| s.direction == Direction::Down));
        Ok(plan.ids())
    }

    fn stamp(
        graph: &RevisionGraph,
        ids: &[&str],
        text: &str,
    ) -> Result<Vec<&'static str>, PlanError> {
        let set = Plan::stamp(graph, &applied(ids), &target(text))?;
        Ok(set.into_iter().collect())
    }

    #[test]
    fn upgrade_head_applies_everything_in_table_order_when_database_is_empty() {
        assert_eq!(up(&branched(), &[], "head"), Ok(ALL.to_vec()));
    }

    #[test]
    fn upgrade_head_applies_only_what_is_missing_when_partly_applied() {
        assert_eq!(
            up(&branched(), &["init0001", "init0002", "feat0001"], "head"),
            Ok(vec![
                "feat0002", "main0001", "main0002", "merge001", "tip00001"
            ])
        );
    }

    #[test]
    fn upgrade_head_fails_listing_heads_when_graph_has_several() {
        let error = up(&forked(), &[], "head").unwrap_err();
        assert!(matches!(
            &error,
            PlanError::Target { source: TargetError::SeveralHeads { heads } } if heads.len() == 3
        ));
        assert!(error.to_string().contains("upgrade `heads`"), "{error}");
    }

    #[test]
    fn upgrade_heads_applies_every_branch_when_graph_has_several_heads() {
        assert_eq!(up(&forked(), &[], "heads"), Ok(FORKED_ALL.to_vec()));
        assert_eq!(
            up(&forked(), &["root0001", "left0001"], "heads"),
            Ok(vec!["rght0001", "left0002", "othr0001"])
        );
    }

    #[test]
    fn upgrade_to_id_applies_only_its_branch_when_target_is_on_one_branch() {
        assert_eq!(
            up(&branched(), &[], "feat0002"),
            Ok(vec!["init0001", "init0002", "feat0001", "feat0002"])
        );
    }

    #[test]
    fn upgrade_to_id_applies_dependencies_when_target_depends_on_other_branch() {
        assert_eq!(
            up(&branched(), &["init0001", "init0002"], "main0002"),
            Ok(vec!["feat0001", "feat0002", "main0001", "main0002"])
        );
    }

    #[test]
    fn upgrade_relative_applies_what_the_walk_needs() {
        assert_eq!(up(&branched(), &[], "+2"), Ok(vec!["init0001", "init0002"]));
        // Two steps up from feat0001 reach the merge, which needs the other branch too.
        assert_eq!(
            up(&branched(), &["init0001", "init0002", "feat0001"], "+2"),
            Ok(vec!["feat0002", "main0001", "main0002", "merge001"])
        );
    }

    #[test]
    fn upgrade_branch_head_applies_branch_and_its_dependencies() {
        assert_eq!(
            up(&forked(), &["root0001"], "left@head"),
            Ok(vec!["left0001", "rght0001", "left0002"])
        );
    }

    #[test]
    fn upgrade_is_empty_when_target_is_applied_below_current_or_base() {
        let graph = branched();
        assert_eq!(up(&graph, ALL, "head"), Ok(vec![]));
        assert_eq!(up(&graph, ALL, "feat0001"), Ok(vec![]));
        assert_eq!(up(&graph, &["init0001"], "base"), Ok(vec![]));
        assert_eq!(up(&forked(), FORKED_ALL, "right@base"), Ok(vec![]));
    }

    #[test]
    fn upgrade_ignores_unknown_ids_when_database_is_ahead_of_build() {
        assert_eq!(
            up(&branched(), &["init0001", "future99"], "init0002"),
            Ok(vec!["init0002"])
        );
    }

    #[test]
    fn upgrade_fails_when_target_names_no_revision() {
        assert!(matches!(
            up(&branched(), &[], "zzzz"),
            Err(PlanError::Target {
                source: TargetError::Graph {
                    source: GraphError::UnknownRevision { .. }
                }
            })
        ));
    }

    #[test]
    fn downgrade_minus_one_unapplies_the_tip() {
        assert_eq!(down(&branched(), ALL, "-1"), Ok(vec!["tip00001"]));
    }

    #[test]
    fn downgrade_base_unapplies_everything_in_reverse_order() {
        assert_eq!(
            down(&forked(), FORKED_ALL, "base"),
            Ok(vec![
                "othr0001", "left0002", "rght0001", "left0001", "root0001"
            ])
        );
        assert_eq!(down(&forked(), &[], "base"), Ok(vec![]));
    }

    #[test]
    fn downgrade_below_merge_unapplies_merge_once_and_keeps_other_branch() {
        // main0002 goes because it depends on feat0002; main0001 is not above
        // feat0001 and stays.
        assert_eq!(
            down(&branched(), ALL, "feat0001"),
            Ok(vec!["tip00001", "merge001", "main0002", "feat0002"])
        );
    }

    #[test]
    fn downgrade_keeps_dependents_of_target_when_target_stays() {
        // main0002 depends on feat0002, which stays applied, so main0002 stays too.
        assert_eq!(
            down(&branched(), ALL, "feat0002"),
            Ok(vec!["tip00001", "merge001"])
        );
    }

    #[test]
    fn downgrade_branch_base_unapplies_branch_and_its_dependents_only() {
        assert_eq!(
            down(&forked(), FORKED_ALL, "right@base"),
            Ok(vec!["left0002", "rght0001"])
        );
        assert_eq!(
            down(&forked(), &["root0001", "left0001"], "left@-1"),
            Ok(vec!["left0001"])
        );
    }

    #[test]
    fn downgrade_below_base_unapplies_the_line_when_walk_steps_off_base() {
        assert_eq!(
            down(&branched(), &["init0001", "init0002"], "-2"),
            Ok(vec!["init0002", "init0001"])
        );
    }

    #[test]
    fn downgrade_is_empty_when_target_is_current_head() {
        assert_eq!(down(&branched(), ALL, "tip00001"), Ok(vec![]));
        assert_eq!(down(&branched(), ALL, "head"), Ok(vec![]));
    }

    #[test]
    fn downgrade_fails_naming_revision_when_plan_crosses_irreversible_one() {
        let error = down(&branched(), ALL, "init0002").unwrap_err();
        assert_eq!(
            error,
            PlanError::Irreversible {
                id: "main0001".into(),
                file: "migrations/0005_drop_legacy_flag.sql".into(),
                reason: "drops todos.legacy_flag and its data".into(),
                parents: vec!["init0002".into()],
            }
        );
        assert_eq!(
            error.to_string(),
            "revision main0001 (migrations/0005_drop_legacy_flag.sql) is irreversible: \
             drops todos.legacy_flag and its data; downgrade to main0001 or above, \
             or run `cargo xtask migrate stamp init0002` if you really restored the schema by hand"
        );
        assert!(matches!(
            down(&branched(), ALL, "base"),
            Err(PlanError::Irreversible { id, .. }) if id == "main0001"
        ));
    }

    #[test]
    fn upgrade_fails_suggesting_downgrade_when_target_walks_down() {
        let error = up(&branched(), &["init0001", "init0002"], "-1").unwrap_err();
        assert_eq!(
            error,
            PlanError::BelowCurrent {
                target: "-1".into(),
                current: vec![Candidate {
                    id: "init0002".into(),
                    message: "create todos".into()
                }],
            }
        );
        assert!(error.to_string().contains("use `cargo xtask migrate downgrade -1`"), "{error}");
        assert!(matches!(
            up(&branched(), ALL, "-2"),
            Err(PlanError::BelowCurrent { .. })
        ));
        assert!(matches!(
            up(&forked(), FORKED_ALL, "left@-1"),
            Err(PlanError::BelowCurrent { target, .. }) if target == "left@-1"
        ));
        // A walk down from a named revision is a place, which may lie above.
        assert_eq!(up(&branched(), &[], "init0002-1"), Ok(vec!["init0001"]));
    }

    #[test]
    fn downgrade_fails_suggesting_upgrade_when_target_is_above_current() {
        let error = down(&branched(), &["init0001", "init0002"], "tip00001").unwrap_err();
        assert_eq!(
            error,
            PlanError::AboveCurrent {
                id: "tip00001".into(),
                current: vec![Candidate {
                    id: "init0002".into(),
                    message: "create todos".into()
                }],
            }
        );
        assert!(
            error.to_string().contains("use `cargo xtask migrate upgrade tip00001`"),
            "{error}"
        );
        assert!(matches!(
            down(&branched(), &["init0001"], "+1"),
            Err(PlanError::AboveCurrent { id, .. }) if id == "init0002"
        ));
        assert!(matches!(
            down(&branched(), &[], "init0001"),
            Err(PlanError::AboveCurrent { current, .. }) if current.is_empty()
        ));
    }

    #[test]
    fn downgrade_fails_when_target_is_not_an_ancestor_of_anything_applied() {
        let error = down(&forked(), &["othr0001"], "left0001").unwrap_err();
        assert!(matches!(&error, PlanError::NotAnAncestor { id, .. } if id == "left0001"));
        assert!(error.to_string().contains("not an ancestor"), "{error}");
    }

    #[test]
    fn downgrade_fails_when_walk_is_ambiguous() {
        // One step off the merge unapplies it; two would have to pick a parent.
        assert_eq!(down(&branched(), &ALL[..7], "-1"), Ok(vec!["merge001"]));
        assert!(matches!(
            down(&branched(), &ALL[..7], "-2"),
            Err(PlanError::Target {
                source: TargetError::AmbiguousWalk { .. }
            })
        ));
    }

    #[test]
    fn stamp_records_full_ancestry_of_target() {
        assert_eq!(
            stamp(&branched(), &[], "main0002"),
            Ok(vec![
                "feat0001", "feat0002", "init0001", "init0002", "main0001", "main0002"
            ])
        );
        assert_eq!(stamp(&branched(), ALL, "base"), Ok(vec![]));
        assert_eq!(
            stamp(&forked(), &[], "heads"),
            Ok({
                let mut all = FORKED_ALL.to_vec();
                all.sort_unstable();
                all
            })
        );
    }

    #[test]
    fn stamp_drops_other_branches_when_target_is_on_one() {
        assert_eq!(
            stamp(&branched(), ALL, "feat0001"),
            Ok(vec!["feat0001", "init0001", "init0002"])
        );
        assert_eq!(
            stamp(&forked(), FORKED_ALL, "left@base"),
            Ok(vec!["root0001"])
        );
        assert_eq!(
            stamp(&branched(), ALL, "-1"),
            Ok({
                let mut below_tip = ALL[..7].to_vec();
                below_tip.sort_unstable();
                below_tip
            })
        );
    }

    #[test]
    fn plan_iterates_steps_in_running_order() {
        let plan = Plan::upgrade(&branched(), &applied(&["init0001"]), &Target::Head)
            .expect("upgrading head of a merged graph succeeds");
        assert_eq!(plan.len(), 7);
        assert!(!plan.is_empty());
        let by_ref: Vec<&str> = (&plan).into_iter().map(Step::id).collect();
        let by_value: Vec<&str> = plan.clone().into_iter().map(|s| s.revision.id).collect();
        assert_eq!(by_ref, by_value);
        assert_eq!(by_ref.first(), Some(&"init0002"));
        assert_eq!(Direction::Down.to_string(), "downgrade");
    }
}
