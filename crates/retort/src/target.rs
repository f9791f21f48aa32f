//! What a person types to name a point in the revision graph (`head`,
//! `feat0001`, `-1`, `feature@head`), parsed once into [`Target`] and then
//! resolved against the graph and the set of applied revisions.

use std::collections::BTreeSet;
use std::fmt;
use std::num::{NonZeroI32, NonZeroU32};
use std::str::FromStr;

use crate::graph::{join_candidates, Candidate, GraphError, RevisionGraph};
use crate::Revision;

/// Ids need this many characters before a prefix may stand for one: shorter
/// prefixes collide too often to be a safe thing to type into a migrator.
const MIN_PREFIX: usize = 4;

/// A point in the revision graph, as typed on a command line.
///
/// The keywords `head`, `heads` and `base` always win over a revision id
/// prefix that happens to spell the same word.
///
/// ```
/// use retort::Target;
/// assert_eq!("heads".parse::<Target>(), Ok(Target::Heads));
/// assert_eq!(Target::parse("feature@-1").map(|t| t.to_string()), Ok("feature@-1".to_owned()));
/// assert!(Target::parse("abc").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// `head`: the only head of the graph; an error when there are several.
    Head,
    /// `heads`: every head, so every branch.
    Heads,
    /// `base`: before the first revision (nothing applied).
    Base,
    /// A revision id, or a prefix of at least 4 characters naming exactly one.
    Revision {
        /// The id or prefix as typed.
        prefix: String,
    },
    /// `+N` / `-N`: that many revisions up or down from the current head.
    Relative {
        /// Positive goes up, negative goes down.
        steps: NonZeroI32,
    },
    /// `<id>+N` / `<id>-N`: that many revisions up or down from a named revision.
    RelativeTo {
        /// The id or prefix the walk starts from.
        prefix: String,
        /// Positive goes up, negative goes down.
        steps: NonZeroI32,
    },
    /// `<branch>@head`: the top of a labelled branch.
    BranchHead {
        /// The branch label.
        branch: String,
    },
    /// `<branch>@base`: just below a labelled branch, so downgrading to it
    /// unapplies the whole branch and nothing else.
    BranchBase {
        /// The branch label.
        branch: String,
    },
    /// `<branch>@+N` / `<branch>@-N`: relative to the branch's applied revision.
    BranchRelative {
        /// The branch label.
        branch: String,
        /// Positive goes up, negative goes down.
        steps: NonZeroI32,
    },
}

/// Why a target could not be parsed, or could not be resolved to one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Nothing was typed.
    #[error(
        "empty target; write `head`, `heads`, `base`, a revision id (at least 4 characters), \
         `+N`, `-N`, `<id>+N`, `<id>-N`, `<branch>@head`, `<branch>@base` or `<branch>@+N`/`-N`"
    )]
    Empty,
    /// The step count after `+` or `-` is not a whole number from 1 up.
    #[error(
        "`{target}`: `{number}` is not a step count; write a whole number from 1 up, \
         e.g. `+2` or `-1`"
    )]
    MalformedNumber {
        /// The whole target as typed.
        target: String,
        /// The text after the sign.
        number: String,
    },
    /// A revision prefix too short to be trusted.
    #[error("`{prefix}` is too short to name a revision; use at least 4 characters of the id")]
    PrefixTooShort {
        /// The whole target as typed.
        target: String,
        /// The prefix part.
        prefix: String,
    },
    /// A character that no revision id contains.
    #[error(
        "`{target}` contains `{character}`, which no revision id contains \
         (ids use A-Z, a-z, 0-9 and _)"
    )]
    InvalidCharacter {
        /// The whole target as typed.
        target: String,
        /// The first offending character.
        character: char,
    },
    /// `@...` without a branch label in front.
    #[error("`{target}` names no branch before `@`; write `<branch>{target}`")]
    MissingBranch {
        /// The whole target as typed.
        target: String,
    },
    /// Something other than `head`, `base`, `+N` or `-N` after `<branch>@`.
    #[error("`{target}`: after `@` write `head`, `base`, `+N` or `-N`, not `{suffix}`")]
    BranchSuffix {
        /// The whole target as typed.
        target: String,
        /// The text after `@`.
        suffix: String,
    },
    /// The id, prefix or branch label names nothing, or several things.
    #[error(transparent)]
    Graph {
        #[from]
        /// Why the graph could not resolve it.
        source: GraphError,
    },
    /// `head` while the graph has several heads.
    #[error(
        "`head` is ambiguous: the migrations have {} heads: {}; upgrade `heads` to apply every \
         branch, or merge them with `{}`",
        heads.len(),
        join_candidates(heads),
        crate::hint::MERGE_HEADS
    )]
    SeveralHeads {
        /// Every head, in table order.
        heads: Vec<Candidate>,
    },
    /// `<branch>@head` while the branch splits further into several heads.
    #[error(
        "`{branch}@head` is ambiguous: branch `{branch}` has {} heads: {}; name one by id, \
         or merge them with `{}`",
        heads.len(),
        join_candidates(heads),
        crate::hint::MERGE_HEADS
    )]
    SeveralBranchHeads {
        /// The branch label.
        branch: String,
        /// The branch's heads, in table order.
        heads: Vec<Candidate>,
    },
    /// A relative walk could go more than one way.
    #[error(
        "`{target}` is ambiguous: {fork}: {}; name the revision you mean by id \
         (or walk from one of them with `<id>+N` / `<id>-N`)",
        join_candidates(candidates)
    )]
    AmbiguousWalk {
        /// The whole target as typed.
        target: String,
        /// Where and why the walk forked.
        fork: Fork,
        /// The ways the walk could go, in table order.
        candidates: Vec<Candidate>,
    },
    /// A walk up ran out of revisions.
    #[error(
        "`{target}` goes past the top of the graph: only {available} revision(s) {}",
        above(from)
    )]
    PastTop {
        /// The whole target as typed.
        target: String,
        /// Where the walk started; `None` when nothing was applied yet.
        from: Option<String>,
        /// How many steps up were possible.
        available: u32,
    },
    /// `-N` from the current head reaches further down than is applied.
    #[error(
        "`{target}` goes below base: only {applied} revision(s) applied; \
         use `base` to unapply all of them"
    )]
    NotEnoughApplied {
        /// The whole target as typed.
        target: String,
        /// How many revisions lie from the current head down to base.
        applied: u32,
    },
    /// `<branch>@-N` reaches below the start of the branch.
    #[error(
        "`{target}` goes below the start of branch `{branch}`: only {applied} of its \
         revision(s) applied; use `{branch}@base` to unapply all of them"
    )]
    NotEnoughAppliedOnBranch {
        /// The whole target as typed.
        target: String,
        /// The branch label.
        branch: String,
        /// How many branch revisions lie from its applied revision down to its start.
        applied: u32,
    },
    /// `<id>-N` reaches below base.
    #[error("`{target}` goes below base: only {available} revision(s) from {from} down to base")]
    PastBase {
        /// The whole target as typed.
        target: String,
        /// The revision the walk started from.
        from: String,
        /// How many revisions lie from it down to base, itself included.
        available: u32,
    },
    /// A walk down from the current revision when nothing is applied.
    #[error("{}", nothing_applied_message(target, branch.as_deref()))]
    NothingApplied {
        /// The whole target as typed.
        target: String,
        /// The branch, for `<branch>@-N`.
        branch: Option<String>,
    },
}

fn above(from: &Option<String>) -> String {
    match from {
        Some(id) => format!("above {id}"),
        None => "to walk up from an empty start".to_owned(),
    }
}

fn nothing_applied_message(target: &str, branch: Option<&str>) -> String {
    match branch {
        Some(branch) => format!(
            "`{target}` walks down from branch `{branch}`'s applied revision, \
             but none of its revisions is applied"
        ),
        None => format!("`{target}` walks down from the current revision, but nothing is applied"),
    }
}

/// Where a relative walk could go more than one way.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fork {
    /// The database stands at several heads, so there is no single start.
    CurrentHeads,
    /// Several revisions of a branch are applied without one above the others.
    BranchCurrentHeads {
        /// The branch label.
        branch: String,
    },
    /// Nothing is applied and the graph has several bases to start from.
    Bases,
    /// The walk up reached a revision with several children.
    BranchPoint {
        /// The branch point's id.
        id: String,
    },
    /// The walk down reached a merge.
    MergePoint {
        /// The merge's id.
        id: String,
    },
}

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fork::CurrentHeads => f.write_str("the database stands at several heads"),
            Fork::BranchCurrentHeads { branch } => {
                write!(f, "branch `{branch}` has several applied heads")
            }
            Fork::Bases => f.write_str("nothing is applied and there are several bases"),
            Fork::BranchPoint { id } => write!(f, "{id} is a branch point with several children"),
            Fork::MergePoint { id } => write!(f, "{id} is a merge of several parents"),
        }
    }
}

impl Target {
    /// Parses what a person typed. Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, TargetError> {
        let text = text.trim();
        match text {
            "" => return Err(TargetError::Empty),
            "head" => return Ok(Target::Head),
            "heads" => return Ok(Target::Heads),
            "base" => return Ok(Target::Base),
            _ => {}
        }
        if let Some((branch, suffix)) = text.split_once('@') {
            if branch.is_empty() {
                return Err(TargetError::MissingBranch {
                    target: text.to_owned(),
                });
            }
            let branch = branch.to_owned();
            return match suffix {
                "head" => Ok(Target::BranchHead { branch }),
                "base" => Ok(Target::BranchBase { branch }),
                _ if suffix.starts_with(['+', '-']) => Ok(Target::BranchRelative {
                    branch,
                    steps: parse_steps(text, suffix)?,
                }),
                _ => Err(TargetError::BranchSuffix {
                    target: text.to_owned(),
                    suffix: suffix.to_owned(),
                }),
            };
        }
        match text.find(['+', '-']) {
            Some(0) => Ok(Target::Relative {
                steps: parse_steps(text, text)?,
            }),
            Some(sign) => Ok(Target::RelativeTo {
                prefix: parse_prefix(text, &text[..sign])?,
                steps: parse_steps(text, &text[sign..])?,
            }),
            None => Ok(Target::Revision {
                prefix: parse_prefix(text, text)?,
            }),
        }
    }

    /// Resolves the target to where a plan should go, given the applied ids
    /// (ids this table does not know are ignored).
    pub(crate) fn resolve(
        &self,
        graph: &RevisionGraph,
        applied: &BTreeSet<String>,
    ) -> Result<Destination, TargetError> {
        match self {
            Target::Head => resolve_head(graph),
            Target::Heads => Ok(Destination::At(graph.heads())),
            Target::Base => Ok(Destination::Base),
            Target::Revision { prefix } => Ok(Destination::At(vec![graph.find(prefix)?])),
            Target::Relative { steps } => self.resolve_relative(graph, applied, *steps),
            Target::RelativeTo { prefix, steps } => self.resolve_relative_to(graph, prefix, *steps),
            Target::BranchHead { branch } => resolve_branch_head(graph, branch),
            Target::BranchBase { branch } => Ok(Destination::Below(branch_root(graph, branch)?)),
            Target::BranchRelative { branch, steps } => {
                self.resolve_branch_relative(graph, applied, branch, *steps)
            }
        }
    }

    /// `+N` / `-N`: walks from the revision the database stands at.
    fn resolve_relative(
        &self,
        graph: &RevisionGraph,
        applied: &BTreeSet<String>,
        steps: NonZeroI32,
    ) -> Result<Destination, TargetError> {
        let walk = Walk::new(self, graph);
        let head = walk.only_current(&graph.current_heads(applied), Fork::CurrentHeads)?;
        if steps.get() > 0 {
            let start = match head {
                Some(head) => Start::At(head),
                None => Start::Below(graph.bases(), Fork::Bases),
            };
            return walk
                .up(start, steps.unsigned_abs())
                .map(|r| Destination::At(vec![r]));
        }
        let Some(head) = head else {
            return Err(TargetError::NothingApplied {
                target: self.to_string(),
                branch: None,
            });
        };
        walk.down(
            head,
            steps.unsigned_abs(),
            |_| true,
            |available| TargetError::NotEnoughApplied {
                target: self.to_string(),
                applied: available,
            },
        )
    }

    /// `<id>+N` / `<id>-N`: walks from a named revision, whatever is applied.
    fn resolve_relative_to(
        &self,
        graph: &RevisionGraph,
        prefix: &str,
        steps: NonZeroI32,
    ) -> Result<Destination, TargetError> {
        let walk = Walk::new(self, graph);
        let from = graph.find(prefix)?;
        if steps.get() > 0 {
            return walk
                .up(Start::At(from), steps.unsigned_abs())
                .map(|r| Destination::At(vec![r]));
        }
        walk.down(
            from,
            steps.unsigned_abs(),
            |_| true,
            |available| TargetError::PastBase {
                target: self.to_string(),
                from: from.id.to_owned(),
                available,
            },
        )
    }

    /// `<branch>@+N` / `<branch>@-N`: walks from the branch's applied
    /// revision, and down only along the branch.
    fn resolve_branch_relative(
        &self,
        graph: &RevisionGraph,
        applied: &BTreeSet<String>,
        branch: &str,
        steps: NonZeroI32,
    ) -> Result<Destination, TargetError> {
        let walk = Walk::new(self, graph);
        let root = branch_root(graph, branch)?;
        let members = branch_marks(graph, branch)?;
        let fork = Fork::BranchCurrentHeads {
            branch: branch.to_owned(),
        };
        let head = walk.only_current(&branch_current(graph, &members, applied), fork.clone())?;
        if steps.get() > 0 {
            let start = match head {
                Some(head) => Start::At(head),
                None => Start::Below(vec![root], fork),
            };
            return walk
                .up(start, steps.unsigned_abs())
                .map(|r| Destination::At(vec![r]));
        }
        let Some(head) = head else {
            return Err(TargetError::NothingApplied {
                target: self.to_string(),
                branch: Some(branch.to_owned()),
            });
        };
        let on_branch =
            |revision: &Revision| graph.position(revision.id).is_some_and(|p| members[p]);
        walk.down(head, steps.unsigned_abs(), on_branch, |available| {
            TargetError::NotEnoughAppliedOnBranch {
                target: self.to_string(),
                branch: branch.to_owned(),
                applied: available,
            }
        })
    }
}

/// `head`: the graph's only head.
fn resolve_head(graph: &RevisionGraph) -> Result<Destination, TargetError> {
    match graph.heads().as_slice() {
        // An empty table has no head; "the top" is then "nothing applied".
        [] => Ok(Destination::Base),
        [head] => Ok(Destination::At(vec![head])),
        heads => Err(TargetError::SeveralHeads {
            heads: Candidate::list(heads),
        }),
    }
}

/// `<branch>@head`: the branch's only member without children.
fn resolve_branch_head(graph: &RevisionGraph, branch: &str) -> Result<Destination, TargetError> {
    let members = branch_marks(graph, branch)?;
    let heads: Vec<&'static Revision> = graph
        .marked(&members)
        .into_iter()
        .filter(|revision| graph.children(revision.id).is_empty())
        .collect();
    match heads.as_slice() {
        [_] | [] => Ok(Destination::At(heads)),
        several => Err(TargetError::SeveralBranchHeads {
            branch: branch.to_owned(),
            heads: Candidate::list(several),
        }),
    }
}

/// The branch's current revisions: applied members without an applied
/// child. Members are closed under children, so any applied child of a
/// member is itself a member.
fn branch_current(
    graph: &RevisionGraph,
    members: &[bool],
    applied: &BTreeSet<String>,
) -> Vec<&'static Revision> {
    let applied = graph.applied_marks(applied);
    (0..members.len())
        .filter(|&p| members[p] && applied[p])
        .filter(|&p| !graph.child_positions(p).iter().any(|&c| applied[c]))
        .map(|p| graph.at(p))
        .collect()
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Renders the target the way it is typed, so messages can quote it back.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Heads => f.write_str("heads"),
            Target::Base => f.write_str("base"),
            Target::Revision { prefix } => f.write_str(prefix),
            Target::Relative { steps } => write!(f, "{:+}", steps.get()),
            Target::RelativeTo { prefix, steps } => write!(f, "{prefix}{:+}", steps.get()),
            Target::BranchHead { branch } => write!(f, "{branch}@head"),
            Target::BranchBase { branch } => write!(f, "{branch}@base"),
            Target::BranchRelative { branch, steps } => write!(f, "{branch}@{:+}", steps.get()),
        }
    }
}

/// Parses `+N` or `-N` (sign included) into a signed, non-zero step count.
fn parse_steps(target: &str, signed: &str) -> Result<NonZeroI32, TargetError> {
    let malformed = || TargetError::MalformedNumber {
        target: target.to_owned(),
        number: signed[1..].to_owned(),
    };
    let digits = &signed[1..];
    // `i32::from_str` would also accept a second sign (`+-1`); only digits may follow.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let magnitude: i32 = digits.parse().map_err(|_| malformed())?;
    let steps = if signed.starts_with('-') {
        -magnitude
    } else {
        magnitude
    };
    NonZeroI32::new(steps).ok_or_else(malformed)
}

fn parse_prefix(target: &str, prefix: &str) -> Result<String, TargetError> {
    if let Some(character) = prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(TargetError::InvalidCharacter {
            target: target.to_owned(),
            character,
        });
    }
    if prefix.len() < MIN_PREFIX {
        return Err(TargetError::PrefixTooShort {
            target: target.to_owned(),
            prefix: prefix.to_owned(),
        });
    }
    Ok(prefix.to_owned())
}

fn branch_root(graph: &RevisionGraph, branch: &str) -> Result<&'static Revision, GraphError> {
    graph
        .branch(branch)
        .ok_or_else(|| GraphError::UnknownBranch {
            label: branch.to_owned(),
            known: graph
                .branch_labels()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        })
}

fn branch_marks(graph: &RevisionGraph, branch: &str) -> Result<Vec<bool>, GraphError> {
    let root = branch_root(graph, branch)?;
    // `branch` found the root in this very graph, so its position exists.
    Ok(match graph.position(root.id) {
        Some(position) => graph.branch_marks(position),
        None => vec![false; graph.revisions().len()],
    })
}

/// Where a resolved target leaves the database.
#[derive(Debug)]
pub(crate) enum Destination {
    /// These revisions applied, with everything they need; a downgrade
    /// unapplies what lies above them.
    At(Vec<&'static Revision>),
    /// This revision and everything above it unapplied (`-N` reaching below
    /// base, `<branch>@base`); revisions on other lines stay.
    Below(&'static Revision),
    /// Nothing applied.
    Base,
}

/// Where a walk up starts.
enum Start {
    /// From this revision; its children are the first step.
    At(&'static Revision),
    /// From below these revisions (bases, or a branch's start), which are the
    /// first step; the fork says why several of them are ambiguous.
    Below(Vec<&'static Revision>, Fork),
}

/// One relative walk through the graph, carrying what its errors quote.
struct Walk<'a> {
    target: String,
    graph: &'a RevisionGraph,
}

impl<'a> Walk<'a> {
    fn new(target: &Target, graph: &'a RevisionGraph) -> Self {
        Self {
            target: target.to_string(),
            graph,
        }
    }

    fn fork(&self, fork: Fork, candidates: &[&'static Revision]) -> TargetError {
        TargetError::AmbiguousWalk {
            target: self.target.clone(),
            fork,
            candidates: Candidate::list(candidates),
        }
    }

    /// The one revision a walk from where the database stands starts at;
    /// `None` when nothing is applied. Several current revisions are
    /// ambiguous, for the reason `fork` gives.
    fn only_current(
        &self,
        current: &[&'static Revision],
        fork: Fork,
    ) -> Result<Option<&'static Revision>, TargetError> {
        match current {
            [] => Ok(None),
            [head] => Ok(Some(head)),
            several => Err(self.fork(fork, several)),
        }
    }

    /// Walks `count` steps up parent→child edges.
    fn up(&self, start: Start, count: NonZeroU32) -> Result<&'static Revision, TargetError> {
        let (mut at, first_step, origin) = match start {
            Start::At(revision) => (revision, 0, Some(revision.id.to_owned())),
            Start::Below(roots, fork) => match roots.as_slice() {
                [] => {
                    return Err(TargetError::PastTop {
                        target: self.target.clone(),
                        from: None,
                        available: 0,
                    })
                }
                [root] => (*root, 1, None),
                several => return Err(self.fork(fork, several)),
            },
        };
        for taken in first_step..count.get() {
            at = match self.graph.children(at.id).as_slice() {
                [] => {
                    return Err(TargetError::PastTop {
                        target: self.target.clone(),
                        from: origin,
                        available: taken,
                    })
                }
                [child] => child,
                several => {
                    return Err(self.fork(
                        Fork::BranchPoint {
                            id: at.id.to_owned(),
                        },
                        several,
                    ))
                }
            };
        }
        Ok(at)
    }

    /// Walks `count` steps down child→parent edges, considering only parents
    /// that `follow` accepts. Stepping off a base (or the start of a branch)
    /// by exactly one step lands below it, as Alembic allows `-1` from the
    /// first revision; further is the `too_far` error, given the number of
    /// revisions from `from` down to that base, `from` included.
    fn down(
        &self,
        from: &'static Revision,
        count: NonZeroU32,
        follow: impl Fn(&Revision) -> bool,
        too_far: impl FnOnce(u32) -> TargetError,
    ) -> Result<Destination, TargetError> {
        let (mut at, count) = (from, count.get());
        for taken in 0..count {
            let parents: Vec<&'static Revision> = self
                .graph
                .parents(at.id)
                .into_iter()
                .filter(|parent| follow(parent))
                .collect();
            at = match parents.as_slice() {
                [] if taken + 1 == count => return Ok(Destination::Below(at)),
                [] => return Err(too_far(taken + 1)),
                [parent] => parent,
                // The last step off a merge is not ambiguous: it unapplies the
                // merge and leaves both parents (Alembic's `downgrade -1`).
                _ if taken + 1 == count => return Ok(Destination::Below(at)),
                several => {
                    return Err(self.fork(
                        Fork::MergePoint {
                            id: at.id.to_owned(),
                        },
                        several,
                    ))
                }
            };
        }
        Ok(Destination::At(vec![at]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::fixtures::{applied, branched, forked, rev};
    use crate::Migrations;

    fn steps(n: i32) -> NonZeroI32 {
        NonZeroI32::new(n).expect("test step counts are non-zero")
    }

    /// Resolves `text` and renders the destination compactly: `at a,b`,
    /// `below x` or `base`.
    fn resolve(graph: &RevisionGraph, ids: &[&str], text: &str) -> Result<String, TargetError> {
        let target = Target::parse(text)?;
        Ok(match target.resolve(graph, &applied(ids))? {
            Destination::At(revisions) => {
                let ids: Vec<&str> = revisions.iter().map(|r| r.id).collect();
                format!("at {}", ids.join(","))
            }
            Destination::Below(revision) => format!("below {}", revision.id),
            Destination::Base => "base".to_owned(),
        })
    }

    fn candidate_ids(error: &TargetError) -> Vec<String> {
        match error {
            TargetError::AmbiguousWalk { candidates, .. }
            | TargetError::SeveralHeads { heads: candidates }
            | TargetError::SeveralBranchHeads {
                heads: candidates, ..
            } => candidates.iter().map(|c| c.id.clone()).collect(),
            other => panic!("expected a list of candidates, got {other:?}"),
        }
    }

    const ALL: &[&str] = &[
        "init0001", "init0002", "feat0001", "feat0002", "main0001", "main0002", "merge001",
        "tip00001",
    ];

    #[test]
    fn parse_reads_keywords_when_surrounded_by_whitespace() {
        assert_eq!(Target::parse("head"), Ok(Target::Head));
        assert_eq!(Target::parse(" heads\n"), Ok(Target::Heads));
        assert_eq!(Target::parse("base"), Ok(Target::Base));
        assert_eq!("head".parse::<Target>(), Ok(Target::Head));
    }

    #[test]
    fn parse_reads_revision_when_prefix_has_at_least_four_characters() {
        assert_eq!(
            Target::parse("feat"),
            Ok(Target::Revision {
                prefix: "feat".into()
            })
        );
        assert_eq!(
            Target::parse("Ab_9x"),
            Ok(Target::Revision {
                prefix: "Ab_9x".into()
            })
        );
    }

    #[test]
    fn parse_fails_when_prefix_is_too_short() {
        let error = Target::parse("abc").unwrap_err();
        assert_eq!(
            error,
            TargetError::PrefixTooShort {
                target: "abc".into(),
                prefix: "abc".into()
            }
        );
        assert!(
            error
                .to_string()
                .contains("use at least 4 characters of the id"),
            "{error}"
        );
        assert!(matches!(
            Target::parse("abc+1"),
            Err(TargetError::PrefixTooShort { prefix, .. }) if prefix == "abc"
        ));
    }

    #[test]
    fn parse_fails_when_target_is_empty() {
        assert_eq!(Target::parse(""), Err(TargetError::Empty));
        assert_eq!(Target::parse("  \t"), Err(TargetError::Empty));
        assert!(TargetError::Empty.to_string().contains("`<branch>@head`"));
    }

    #[test]
    fn parse_reads_relative_steps_when_signed() {
        assert_eq!(
            Target::parse("+2"),
            Ok(Target::Relative { steps: steps(2) })
        );
        assert_eq!(
            Target::parse("-1"),
            Ok(Target::Relative { steps: steps(-1) })
        );
        assert_eq!(
            Target::parse("feat0001+3"),
            Ok(Target::RelativeTo {
                prefix: "feat0001".into(),
                steps: steps(3)
            })
        );
        assert_eq!(
            Target::parse("feat-12"),
            Ok(Target::RelativeTo {
                prefix: "feat".into(),
                steps: steps(-12)
            })
        );
    }

    #[test]
    fn parse_fails_when_step_count_is_malformed() {
        for (text, number) in [
            ("+", ""),
            ("-x", "x"),
            ("+0", "0"),
            ("+-1", "-1"),
            ("-1.5", "1.5"),
            ("feat0001+", ""),
            ("+99999999999", "99999999999"),
        ] {
            assert_eq!(
                Target::parse(text),
                Err(TargetError::MalformedNumber {
                    target: text.into(),
                    number: number.into()
                }),
                "{text}"
            );
        }
        let error = Target::parse("+0").unwrap_err();
        assert!(
            error.to_string().contains("whole number from 1 up"),
            "{error}"
        );
    }

    #[test]
    fn parse_reads_branch_targets_when_label_precedes_at() {
        let branch = || "feature".to_owned();
        assert_eq!(
            Target::parse("feature@head"),
            Ok(Target::BranchHead { branch: branch() })
        );
        assert_eq!(
            Target::parse("feature@base"),
            Ok(Target::BranchBase { branch: branch() })
        );
        assert_eq!(
            Target::parse("feature@+2"),
            Ok(Target::BranchRelative {
                branch: branch(),
                steps: steps(2)
            })
        );
        assert_eq!(
            Target::parse("my-branch@-1"),
            Ok(Target::BranchRelative {
                branch: "my-branch".into(),
                steps: steps(-1)
            })
        );
    }

    #[test]
    fn parse_fails_when_branch_target_is_malformed() {
        assert_eq!(
            Target::parse("@head"),
            Err(TargetError::MissingBranch {
                target: "@head".into()
            })
        );
        assert_eq!(
            Target::parse("feature@tip"),
            Err(TargetError::BranchSuffix {
                target: "feature@tip".into(),
                suffix: "tip".into()
            })
        );
        assert!(matches!(
            Target::parse("feature@-0"),
            Err(TargetError::MalformedNumber { .. })
        ));
    }

    #[test]
    fn parse_fails_when_id_contains_a_foreign_character() {
        assert_eq!(
            Target::parse("feat.0001"),
            Err(TargetError::InvalidCharacter {
                target: "feat.0001".into(),
                character: '.'
            })
        );
    }

    #[test]
    fn display_round_trips_when_target_parses() {
        for text in [
            "head",
            "heads",
            "base",
            "feat0001",
            "+2",
            "-1",
            "feat0001+3",
            "feat-2",
            "feature@head",
            "feature@base",
            "feature@+1",
            "feature@-4",
        ] {
            let target = Target::parse(text).expect(text);
            assert_eq!(target.to_string(), text);
        }
    }

    #[test]
    fn resolve_head_names_the_only_head_when_graph_is_merged() {
        assert_eq!(resolve(&branched(), &[], "head"), Ok("at tip00001".into()));
        assert_eq!(resolve(&branched(), &[], "heads"), Ok("at tip00001".into()));
        assert_eq!(resolve(&branched(), ALL, "base"), Ok("base".into()));
    }

    #[test]
    fn resolve_head_fails_listing_heads_when_graph_has_several() {
        let error = resolve(&forked(), &[], "head").unwrap_err();
        assert_eq!(candidate_ids(&error), ["rght0001", "left0002", "othr0001"]);
        assert_eq!(
            error.to_string(),
            "`head` is ambiguous: the migrations have 3 heads: rght0001 (right one), \
             left0002 (left two), othr0001 (other base); upgrade `heads` to apply every branch, \
             or merge them with `cargo xtask merge -m \"merge heads\"`"
        );
        assert_eq!(
            resolve(&forked(), &[], "heads"),
            Ok("at rght0001,left0002,othr0001".into())
        );
    }

    #[test]
    fn resolve_prefix_fails_listing_candidates_when_ambiguous() {
        let error = resolve(&branched(), &[], "main").unwrap_err();
        let TargetError::Graph {
            source: GraphError::AmbiguousPrefix { candidates, .. },
        } = &error
        else {
            panic!("expected an ambiguous prefix, got {error:?}");
        };
        let ids: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["main0001", "main0002"]);
        assert!(
            error.to_string().contains("main0001 (drop legacy flag)"),
            "{error}"
        );
        assert_eq!(resolve(&branched(), &[], "merg"), Ok("at merge001".into()));
    }

    #[test]
    fn resolve_prefix_fails_when_no_revision_matches() {
        assert_eq!(
            resolve(&branched(), &[], "zzzz"),
            Err(TargetError::Graph {
                source: GraphError::UnknownRevision {
                    id: "zzzz".into(),
                    is_branch_label: false
                }
            })
        );
    }

    #[test]
    fn resolve_plus_starts_at_base_when_database_is_empty() {
        assert_eq!(resolve(&branched(), &[], "+1"), Ok("at init0001".into()));
        assert_eq!(resolve(&branched(), &[], "+2"), Ok("at init0002".into()));
    }

    #[test]
    fn resolve_plus_fails_when_database_is_empty_and_graph_has_several_bases() {
        let error = resolve(&forked(), &[], "+1").unwrap_err();
        assert!(matches!(
            &error,
            TargetError::AmbiguousWalk {
                fork: Fork::Bases,
                ..
            }
        ));
        assert_eq!(candidate_ids(&error), ["root0001", "othr0001"]);
    }

    #[test]
    fn resolve_plus_fails_listing_children_when_walk_reaches_branch_point() {
        let error = resolve(&branched(), &["init0001", "init0002"], "+1").unwrap_err();
        assert_eq!(
            error,
            TargetError::AmbiguousWalk {
                target: "+1".into(),
                fork: Fork::BranchPoint {
                    id: "init0002".into()
                },
                candidates: Candidate::list(&branched().children("init0002")),
            }
        );
        assert_eq!(
            error.to_string(),
            "`+1` is ambiguous: init0002 is a branch point with several children: \
             feat0001 (add tags), main0001 (drop legacy flag); name the revision you mean by id \
             (or walk from one of them with `<id>+N` / `<id>-N`)"
        );
        // Walking through the branch point from the empty database fails the same way.
        assert!(matches!(
            resolve(&branched(), &[], "+3"),
            Err(TargetError::AmbiguousWalk {
                fork: Fork::BranchPoint { .. },
                ..
            })
        ));
    }

    #[test]
    fn resolve_plus_fails_when_database_stands_at_several_heads() {
        let error = resolve(
            &branched(),
            &["init0001", "init0002", "feat0001", "main0001"],
            "+1",
        )
        .unwrap_err();
        assert!(matches!(
            &error,
            TargetError::AmbiguousWalk {
                fork: Fork::CurrentHeads,
                ..
            }
        ));
        assert_eq!(candidate_ids(&error), ["feat0001", "main0001"]);
    }

    #[test]
    fn resolve_plus_fails_counting_what_is_left_when_walk_passes_top() {
        let on_feature = ["init0001", "init0002", "feat0001"];
        assert_eq!(
            resolve(&branched(), &on_feature, "+3"),
            Ok("at tip00001".into())
        );
        let error = resolve(&branched(), &on_feature, "+4").unwrap_err();
        assert_eq!(
            error,
            TargetError::PastTop {
                target: "+4".into(),
                from: Some("feat0001".into()),
                available: 3
            }
        );
        assert_eq!(
            error.to_string(),
            "`+4` goes past the top of the graph: only 3 revision(s) above feat0001"
        );
    }

    #[test]
    fn resolve_minus_fails_listing_parents_when_walk_crosses_merge() {
        let below_tip = &ALL[..7];
        assert_eq!(resolve(&branched(), below_tip, "-1"), Ok("below merge001".into()));
        let error = resolve(&branched(), below_tip, "-2").unwrap_err();
        assert!(matches!(
            &error,
            TargetError::AmbiguousWalk { fork: Fork::MergePoint { id }, .. } if id == "merge001"
        ));
        assert_eq!(candidate_ids(&error), ["feat0002", "main0002"]);
        assert!(matches!(
            resolve(&branched(), ALL, "-3"),
            Err(TargetError::AmbiguousWalk {
                fork: Fork::MergePoint { .. },
                ..
            })
        ));
        assert_eq!(resolve(&branched(), ALL, "-1"), Ok("at merge001".into()));
    }

    #[test]
    fn resolve_minus_reaches_below_base_once_then_fails_when_too_far() {
        let two = ["init0001", "init0002"];
        assert_eq!(resolve(&branched(), &two, "-1"), Ok("at init0001".into()));
        assert_eq!(
            resolve(&branched(), &two, "-2"),
            Ok("below init0001".into())
        );
        let error = resolve(&branched(), &two, "-3").unwrap_err();
        assert_eq!(
            error,
            TargetError::NotEnoughApplied {
                target: "-3".into(),
                applied: 2
            }
        );
        assert!(
            error.to_string().contains("only 2 revision(s) applied"),
            "{error}"
        );
    }

    #[test]
    fn resolve_minus_fails_when_nothing_is_applied() {
        assert_eq!(
            resolve(&branched(), &["unknown1"], "-1"),
            Err(TargetError::NothingApplied {
                target: "-1".into(),
                branch: None
            })
        );
    }

    #[test]
    fn resolve_walks_from_named_revision_when_relative_to_id() {
        let graph = branched();
        assert_eq!(resolve(&graph, &[], "feat0001+1"), Ok("at feat0002".into()));
        assert_eq!(resolve(&graph, &[], "feat0002-3"), Ok("at init0001".into()));
        assert_eq!(
            resolve(&graph, &[], "feat0002-4"),
            Ok("below init0001".into())
        );
        assert_eq!(
            resolve(&graph, &[], "feat0002-5"),
            Err(TargetError::PastBase {
                target: "feat0002-5".into(),
                from: "feat0002".into(),
                available: 4
            })
        );
        assert!(matches!(
            resolve(&graph, &[], "init0002+1"),
            Err(TargetError::AmbiguousWalk { .. })
        ));
    }

    #[test]
    fn branch_current_is_highest_applied_member_when_branch_is_partly_applied() {
        let graph = branched();
        let members = branch_marks(&graph, "feature").expect("the fixture labels `feature`");
        let current = |ids: &[&str]| -> Vec<&str> {
            branch_current(&graph, &members, &applied(ids))
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert!(current(&["init0001", "init0002", "main0001"]).is_empty());
        assert_eq!(current(&["init0001", "init0002", "feat0001"]), ["feat0001"]);
        assert_eq!(current(&ALL[..6]), ["feat0002"]);
        assert_eq!(current(ALL), ["tip00001"]);
    }

    #[test]
    fn resolve_branch_head_names_top_of_branch() {
        assert_eq!(
            resolve(&forked(), &[], "left@head"),
            Ok("at left0002".into())
        );
        assert_eq!(
            resolve(&forked(), &[], "right@head"),
            Ok("at rght0001".into())
        );
        // The merge continues the feature branch, so its head is the graph's head.
        assert_eq!(
            resolve(&branched(), &[], "feature@head"),
            Ok("at tip00001".into())
        );
    }

    #[test]
    fn resolve_branch_head_fails_listing_heads_when_branch_splits() {
        static SPLIT: Migrations = Migrations::new(&[
            rev("trnk0001", &[]).with_labels(&["trunk"]),
            rev("twig0001", &["trnk0001"]),
            rev("twig0002", &["trnk0001"]),
        ]);
        let error = resolve(&RevisionGraph::new(&SPLIT), &[], "trunk@head").unwrap_err();
        assert_eq!(candidate_ids(&error), ["twig0001", "twig0002"]);
    }

    #[test]
    fn resolve_branch_fails_listing_labels_when_label_is_unknown() {
        let error = resolve(&forked(), &[], "lfet@head").unwrap_err();
        assert_eq!(
            error,
            TargetError::Graph {
                source: GraphError::UnknownBranch {
                    label: "lfet".into(),
                    known: vec!["left".into(), "right".into(), "other".into()]
                }
            }
        );
    }

    #[test]
    fn resolve_branch_base_lands_below_labelled_revision() {
        assert_eq!(
            resolve(&forked(), &[], "right@base"),
            Ok("below rght0001".into())
        );
    }

    #[test]
    fn resolve_branch_plus_starts_at_labelled_revision_when_branch_is_unapplied() {
        let graph = forked();
        assert_eq!(
            resolve(&graph, &["root0001"], "left@+1"),
            Ok("at left0001".into())
        );
        assert_eq!(resolve(&graph, &[], "left@+2"), Ok("at left0002".into()));
        assert_eq!(
            resolve(&graph, &["root0001", "left0001"], "left@+1"),
            Ok("at left0002".into())
        );
        assert_eq!(
            resolve(&graph, &[], "left@+3"),
            Err(TargetError::PastTop {
                target: "left@+3".into(),
                from: None,
                available: 2
            })
        );
    }

    #[test]
    fn resolve_branch_minus_stays_on_branch_when_walk_crosses_merge() {
        // merge001's other parent, main0002, is not on the feature branch.
        assert_eq!(
            resolve(&branched(), &ALL[..7], "feature@-1"),
            Ok("at feat0002".into())
        );
        assert_eq!(
            resolve(&branched(), ALL, "feature@-2"),
            Ok("at feat0002".into())
        );
        assert_eq!(
            resolve(&branched(), ALL, "feature@-3"),
            Ok("at feat0001".into())
        );
        assert_eq!(
            resolve(&branched(), ALL, "feature@-4"),
            Ok("below feat0001".into())
        );
        assert!(matches!(
            resolve(&branched(), ALL, "feature@-5"),
            Err(TargetError::NotEnoughAppliedOnBranch { applied: 4, .. })
        ));
    }

    #[test]
    fn resolve_branch_minus_fails_when_walk_leaves_branch_or_branch_is_unapplied() {
        let graph = forked();
        assert_eq!(
            resolve(&graph, &["root0001", "left0001"], "left@-2"),
            Err(TargetError::NotEnoughAppliedOnBranch {
                target: "left@-2".into(),
                branch: "left".into(),
                applied: 1
            })
        );
        let error = resolve(&graph, &["root0001"], "left@-1").unwrap_err();
        assert_eq!(
            error,
            TargetError::NothingApplied {
                target: "left@-1".into(),
                branch: Some("left".into())
            }
        );
        assert!(
            error
                .to_string()
                .contains("none of its revisions is applied"),
            "{error}"
        );
    }
}
