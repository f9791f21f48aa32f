//! Deterministic constraint names.
//!
//! Every constraint retort creates is named, on every dialect: a system
//! name (SQL Server's `DF__users__is_ac__3B75D760`) differs between
//! databases, so a later revision could not drop or alter it by name. The
//! convention is Alembic's recommended one: `pk_<table>`,
//! `uq_<table>_<columns>`, `fk_<table>_<columns>`, `ck_<table>_<name>` and,
//! on SQL Server, `df_<table>_<column>`.

/// PostgreSQL truncates identifiers to 63 bytes; a longer name would be
/// stored truncated and never found again by its full spelling.
const MAX_LEN: usize = 63;

/// The name retort gives a SQL Server default constraint.
pub(crate) fn default_name(table: &str, column: &str) -> String {
    constraint_name("df", &[table, column])
}

/// `prefix_part1_part2...`, shortened deterministically when too long.
pub(crate) fn constraint_name(prefix: &str, parts: &[&str]) -> String {
    let name = std::iter::once(prefix)
        .chain(parts.iter().copied())
        .collect::<Vec<_>>()
        .join("_");
    shorten(name)
}

/// Keeps a name of at most [`MAX_LEN`] bytes: a long one becomes its first
/// bytes, `_` and 8 hex digits of its FNV-1a hash, so two long names that
/// share a prefix stay distinct.
fn shorten(name: String) -> String {
    if name.len() <= MAX_LEN {
        return name;
    }
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let mut cut = MAX_LEN - 9;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:08x}", &name[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_name_joins_prefix_table_and_columns() {
        assert_eq!(constraint_name("uq", &["users", "email"]), "uq_users_email");
    }

    #[test]
    fn constraint_name_stays_within_63_bytes_and_distinct_when_long() {
        let a = constraint_name("fk", &[&"x".repeat(70), "a"]);
        let b = constraint_name("fk", &[&"x".repeat(70), "b"]);
        assert!(a.len() <= 63 && b.len() <= 63);
        assert_ne!(a, b);
    }
}
