//! Creation order: a table after the tables its foreign keys reference,
//! and a module (view, function, procedure) after the ones it names.
//!
//! Both are a topological sort that takes the next object by name among
//! those whose dependencies are placed, so the order is the same on every
//! run. What a cycle leaves is placed by name, and the cycle is returned:
//! the caller breaks it (a foreign key added after its tables) or refuses
//! (modules).

use std::collections::{BTreeMap, BTreeSet};

/// `names` ordered so that each comes after the names `depends_on` gives
/// for it (among `names`, itself excluded); returns the order and the
/// cycles it met, each as the names in it, each needing the next and the
/// last the first.
pub(crate) fn sorted<'a>(
    names: &[&'a str],
    depends_on: impl Fn(&str) -> Vec<&'a str>,
) -> (Vec<&'a str>, Vec<Vec<&'a str>>) {
    let known: BTreeSet<&str> = names.iter().copied().collect();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = names
        .iter()
        .map(|name| {
            let needs = depends_on(name).into_iter().filter(|d| known.contains(d) && d != name).collect();
            (*name, needs)
        })
        .collect();
    let mut order = Vec::with_capacity(names.len());
    let mut cycles = Vec::new();
    while let Some(first) = waiting.keys().next().copied() {
        let ready = waiting.iter().find(|(_, needs)| needs.is_empty()).map(|(name, _)| *name);
        // A cycle: its first member by name goes first, before what it needs.
        let next = match ready {
            Some(name) => name,
            None => {
                let cycle = cycle_from(first, &waiting);
                let breaker = cycle.iter().min().copied().unwrap_or(first);
                cycles.push(cycle);
                breaker
            }
        };
        waiting.remove(next);
        for needs in waiting.values_mut() {
            needs.remove(next);
        }
        order.push(next);
    }
    (order, cycles)
}

/// A cycle among `waiting`, where every name still needs another (all of
/// them waiting too): from `start`, each name's first need, until one
/// comes back.
fn cycle_from<'a>(start: &'a str, waiting: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<&'a str> {
    let mut path = vec![start];
    loop {
        let current = path[path.len() - 1];
        let Some(&next) = waiting.get(current).and_then(|needs| needs.iter().next()) else { return path };
        if let Some(at) = path.iter().position(|name| *name == next) {
            return path.split_off(at);
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_puts_dependencies_first_and_names_the_cycle() {
        let graph: BTreeMap<&str, Vec<&str>> = [
            ("orders", vec!["customers"]),
            ("customers", vec!["customers"]),
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["b"]),
        ]
        .into();
        let names: Vec<&str> = graph.keys().copied().collect();
        let (order, cycles) = sorted(&names, |name| graph[name].clone());
        assert_eq!(order, ["customers", "orders", "b", "a", "c"]);
        // `a` needs the cycle but is not in it.
        assert_eq!(cycles, [vec!["b", "c"]]);
    }
}
