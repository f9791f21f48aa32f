//! Long SQL in messages: one line, at most 200 characters.

/// `sql` on one line (runs of whitespace as one space), cut after 200
/// characters with an ellipsis.
pub(crate) fn shorten(sql: &str) -> String {
    let collapsed = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}
