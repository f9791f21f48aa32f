//! Creation order: a table after the tables its foreign keys reference,
//! and a module (view, function, procedure) after the ones it names.
//!
//! Both are a topological sort that takes the next object by name among
//! those whose dependencies are placed, so the order is the same on every
//! run. What a cycle leaves is placed by name; the caller breaks the cycle
//! (a foreign key added after its tables) or reports it.

use std::collections::{BTreeMap, BTreeSet};

/// `names` ordered so that each comes after the names `depends_on` gives
/// for it (among `names`, itself excluded); returns the order and the
/// names that were placed before a dependency of theirs (a cycle).
pub(crate) fn sorted<'a>(
    names: &[&'a str],
    depends_on: impl Fn(&str) -> Vec<&'a str>,
) -> (Vec<&'a str>, BTreeSet<&'a str>) {
    let known: BTreeSet<&str> = names.iter().copied().collect();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = names
        .iter()
        .map(|name| {
            let needs = depends_on(name).into_iter().filter(|d| known.contains(d) && d != name).collect();
            (*name, needs)
        })
        .collect();
    let mut order = Vec::with_capacity(names.len());
    let mut early = BTreeSet::new();
    while !waiting.is_empty() {
        let ready = waiting.iter().find(|(_, needs)| needs.is_empty()).map(|(name, _)| *name);
        // A cycle: the first by name goes first, before what it needs.
        let next = match ready {
            Some(name) => name,
            None => {
                let name = *waiting.keys().next().expect("waiting is not empty");
                early.insert(name);
                name
            }
        };
        waiting.remove(next);
        for needs in waiting.values_mut() {
            needs.remove(next);
        }
        order.push(next);
    }
    (order, early)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_puts_dependencies_first_and_names_the_cycle_breaker() {
        let graph: BTreeMap<&str, Vec<&str>> =
            [("orders", vec!["customers"]), ("customers", vec!["customers"]), ("a", vec!["b"]), ("b", vec!["a"])].into();
        let names: Vec<&str> = graph.keys().copied().collect();
        let (order, early) = sorted(&names, |name| graph[name].clone());
        assert_eq!(order, ["customers", "orders", "a", "b"]);
        assert_eq!(early.into_iter().collect::<Vec<_>>(), ["a"]);
    }
}
