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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_collapses_whitespace_onto_one_line_when_sql_spans_lines() {
        assert_eq!(shorten("SELECT 1,\n\t  2\r\nFROM t;  "), "SELECT 1, 2 FROM t;");
    }

    #[test]
    fn shorten_keeps_200_characters_and_adds_an_ellipsis_when_sql_is_longer() {
        // Multi-byte characters: the cut counts characters, not bytes.
        let long = "é".repeat(250);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 201, "{short}");
        assert!(short.ends_with("é…"), "{short}");
        assert_eq!(shorten(&"x".repeat(200)), "x".repeat(200));
    }
}
