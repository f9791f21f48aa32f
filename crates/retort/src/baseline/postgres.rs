//! PostgreSQL prints some expressions in a form that does not read back
//! as itself: `status IN ('a', 'b')` on a `varchar` column is printed
//! `status::text = ANY (ARRAY['a'::character varying, 'b'::character
//! varying]::text[])`, and that text, run again, is printed with
//! `::character varying::text` on every element. So a check, a filter or
//! a view carried as printed would make the replayed schema differ from
//! the source. The printed form is turned back into the `IN` list it came
//! from, which prints as the source did.

/// `text` with every printed `col::text = ANY (ARRAY['a'::character
/// varying, …]::text[])` written as `col IN ('a', …)` (and `<> ALL` as
/// `NOT IN`).
pub(crate) fn in_lists(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, operator, after)) = next_comparison(rest) {
        match rewrite(before, operator, after) {
            Some((kept, replaced, remaining)) => {
                out.push_str(kept);
                out.push_str(&replaced);
                rest = remaining;
            }
            None => {
                let end = before.len() + operator.len();
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

const ANY: &str = "::text = ANY (ARRAY[";
const ALL: &str = "::text <> ALL (ARRAY[";

/// The text before the next `::text = ANY (ARRAY[` (or `<> ALL`), the
/// operator, and the text after it.
fn next_comparison(text: &str) -> Option<(&str, &'static str, &str)> {
    let any = text.find(ANY).map(|at| (at, ANY));
    let all = text.find(ALL).map(|at| (at, ALL));
    let (at, operator) = match (any, all) {
        (Some(a), Some(b)) => if a.0 < b.0 { a } else { b },
        (found, None) | (None, found) => found?,
    };
    Some((&text[..at], operator, &text[at + operator.len()..]))
}

/// The column before, the literals after: `(text kept before the
/// column, the IN list, the text after the comparison)`.
fn rewrite<'a>(before: &'a str, operator: &str, after: &'a str) -> Option<(&'a str, String, &'a str)> {
    let column_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
        .map_or(0, |at| at + 1);
    let column = &before[column_start..];
    let end = after.find("]::text[])")?;
    let literals: Vec<&str> = after[..end].split(", ").map(|item| item.strip_suffix("::character varying")).collect::<Option<_>>()?;
    let quoted = |l: &&str| l.len() >= 2 && l.starts_with('\'') && l.ends_with('\'') && !l[1..l.len() - 1].replace("''", "").contains('\'');
    if column.is_empty() || literals.is_empty() || !literals.iter().all(quoted) {
        return None;
    }
    let negated = if operator == ALL { "NOT " } else { "" };
    Some((&before[..column_start], format!("{column} {negated}IN ({})", literals.join(", ")), &after[end + "]::text[])".len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_writes_the_printed_any_array_back_as_the_in_list() {
        assert_eq!(
            in_lists("status::text = ANY (ARRAY['active'::character varying, 'blocked'::character varying]::text[])"),
            "status IN ('active', 'blocked')"
        );
        assert_eq!(
            in_lists("(o.kind::text <> ALL (ARRAY['x'::character varying]::text[])) AND qty > 0"),
            "(o.kind NOT IN ('x')) AND qty > 0"
        );
        // Anything else is left as printed.
        assert_eq!(in_lists("a::text = ANY (ARRAY[b, c]::text[])"), "a::text = ANY (ARRAY[b, c]::text[])");
        assert_eq!(in_lists("qty > 0"), "qty > 0");
    }
}
