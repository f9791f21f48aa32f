//! `history --graph`: the revision DAG drawn in the terminal, newest first,
//! one lane per open branch, the way `git log --graph` draws commits.

use crate::RevisionGraph;

/// Draws the graph. `current` are the revisions the database is at (marked
/// `◉`); `applied` decides between `●` (applied) and `○` (pending).
pub fn draw(graph: &RevisionGraph, current: &[&str], applied: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    // Each lane waits for the revision it will draw next (a parent of the row above).
    let mut lanes: Vec<Option<&'static str>> = Vec::new();
    let heads: Vec<&str> = graph.heads().iter().map(|r| r.id).collect();
    for revision in graph.revisions().iter().rev() {
        let waiting: Vec<usize> = lanes.iter().enumerate().filter(|(_, l)| **l == Some(revision.id)).map(|(i, _)| i).collect();
        let column = match waiting.first() {
            Some(&first) => first,
            None => match lanes.iter().position(Option::is_none) {
                Some(free) => free,
                None => {
                    lanes.push(None);
                    lanes.len() - 1
                }
            },
        };
        // Several lanes waiting for one revision: it is a branch point; join them.
        if waiting.len() > 1 {
            out.push_str(&join_line(&lanes, column, &waiting[1..]));
            for &lane in &waiting[1..] {
                lanes[lane] = None;
            }
            while lanes.last() == Some(&None) {
                lanes.pop();
            }
        }
        let mark = if current.contains(&revision.id) {
            '◉'
        } else if applied(revision.id) {
            '●'
        } else {
            '○'
        };
        let mut row = String::new();
        for (i, lane) in lanes.iter().enumerate() {
            row.push(if i == column { mark } else if lane.is_some() { '│' } else { ' ' });
            row.push(' ');
        }
        let mut notes = Vec::new();
        if heads.contains(&revision.id) {
            notes.push("head".to_owned());
        }
        if revision.parents.is_empty() {
            notes.push("base".to_owned());
        }
        if revision.is_merge() {
            notes.push("merge".to_owned());
        }
        for label in revision.branch_labels {
            notes.push(format!("branch {label}"));
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
        out.push_str(&format!("{}{}{notes}  {}\n", row, revision.id, revision.message).replace("  \n", "\n"));
        // This lane now waits for the first parent; more parents open lanes.
        lanes[column] = revision.parents.first().copied();
        let mut opened = Vec::new();
        for parent in revision.parents.iter().skip(1) {
            let lane = match lanes.iter().position(Option::is_none) {
                Some(free) => free,
                None => {
                    lanes.push(None);
                    lanes.len() - 1
                }
            };
            lanes[lane] = Some(parent);
            opened.push(lane);
        }
        if !opened.is_empty() {
            out.push_str(&fork_line(&lanes, column, &opened));
        }
        while lanes.last() == Some(&None) {
            lanes.pop();
        }
    }
    out
}

/// `├─┘`-style line: lanes in `others` join into `column`.
fn join_line(lanes: &[Option<&str>], column: usize, others: &[usize]) -> String {
    connector(lanes, column, others, '┘')
}

/// `├─┐`-style line: lanes in `opened` leave `column`.
fn fork_line(lanes: &[Option<&str>], column: usize, opened: &[usize]) -> String {
    connector(lanes, column, opened, '┐')
}

fn connector(lanes: &[Option<&str>], column: usize, ends: &[usize], corner: char) -> String {
    let last = ends.iter().copied().max().unwrap_or(column).max(column);
    let first = ends.iter().copied().min().unwrap_or(column).min(column);
    let mut line = String::new();
    for i in 0..lanes.len().max(last + 1) {
        let cell = if i == column {
            if last > column { '├' } else { '┤' }
        } else if ends.contains(&i) {
            if i > column { corner } else if corner == '┐' { '┌' } else { '└' }
        } else if i > first && i < last {
            '─'
        } else if lanes.get(i).copied().flatten().is_some() {
            '│'
        } else {
            ' '
        };
        line.push(cell);
        let dash = i >= first && i < last;
        line.push(if dash { '─' } else { ' ' });
    }
    line.trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::fixtures::rev;
    use crate::Migrations;


    static BRANCHED: Migrations = Migrations::new(&[
        rev("a0a0", &[]),
        rev("b0b0", &["a0a0"]),
        rev("c1c1", &["b0b0"]),
        rev("d1d1", &["b0b0"]),
        rev("m0m0", &["c1c1", "d1d1"]),
    ]);

    #[test]
    fn draw_shows_branch_and_merge_when_graph_has_both() {
        let graph = RevisionGraph::new(&BRANCHED);
        let drawn = draw(&graph, &["c1c1"], &|id| id != "d1d1" && id != "m0m0");
        assert_eq!(
            drawn,
            "○ m0m0 (head, merge)  m0m0\n\
             ├─┐\n\
             │ ○ d1d1  d1d1\n\
             ◉ │ c1c1  c1c1\n\
             ├─┘\n\
             ● b0b0  b0b0\n\
             ● a0a0 (base)  a0a0\n"
        );
    }
}
