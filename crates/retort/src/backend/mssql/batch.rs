//! T-SQL batches and the small lexical questions the SQL Server backend
//! asks about them, answered by retort-sql's lexer (`GO` lines read the way
//! `sqlcmd` reads them: see `retort_sql::Lexed::batches`), and the two
//! rewrites of batch text that only this backend makes.

pub(crate) use retort_sql::tsql::{
    leading_words, segments, split_batches, split_pieces, starts_with_batch_first_statement, statement_at_line,
};
pub(crate) use retort_sql::{Batch, Kind};

/// Shifts every `@Pn` parameter of `sql` (outside literals, identifiers and
/// comments) by `offset`, so that statements rendered with their own
/// numbering can share one parameterised request.
pub(crate) fn renumber_parameters(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    for (kind, range) in segments(sql) {
        let text = &sql[range];
        if kind != Kind::Code {
            out.push_str(text);
            continue;
        }
        let bytes = text.as_bytes();
        let mut copied = 0;
        let mut at = 0;
        while at < bytes.len() {
            let is_parameter = bytes[at] == b'@'
                && matches!(bytes.get(at + 1), Some(b'P'))
                && bytes.get(at + 2).is_some_and(u8::is_ascii_digit)
                && (at == 0
                    || !(bytes[at - 1].is_ascii_alphanumeric()
                        || matches!(bytes[at - 1], b'_' | b'@')));
            if !is_parameter {
                at += 1;
                continue;
            }
            let digits_end = at
                + 2
                + bytes[at + 2..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            let followed_by_word = bytes
                .get(digits_end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            match text[at + 2..digits_end].parse::<usize>() {
                Ok(number) if !followed_by_word => {
                    out.push_str(&text[copied..at]);
                    out.push_str(&format!("@P{}", number + offset));
                    copied = digits_end;
                }
                _ => {}
            }
            at = digits_end;
        }
        out.push_str(&text[copied..]);
    }
    out
}

/// `sql` as the text of an `N'…'` literal, for `EXEC(N'…')`.
pub(crate) fn as_exec(sql: &str) -> String {
    format!("EXEC(N'{}')", sql.replace('\'', "''"))
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumber_parameters_shifts_only_parameters_in_code() {
        let sql = "INSERT INTO [t@P1] (a, b) VALUES (@P1, @P12) -- @P3\n/* @P4 */ SELECT '@P5', @@P6, @P7x, @p8";
        assert_eq!(
            renumber_parameters(sql, 10),
            "INSERT INTO [t@P1] (a, b) VALUES (@P11, @P22) -- @P3\n/* @P4 */ SELECT '@P5', @@P6, @P7x, @p8"
        );
        assert_eq!(renumber_parameters("@P1", 0), "@P1");
        assert_eq!(renumber_parameters("x=@P9", 1), "x=@P10");
    }

    #[test]
    fn as_exec_doubles_quotes() {
        assert_eq!(
            as_exec("CREATE VIEW v AS SELECT 'x' AS a"),
            "EXEC(N'CREATE VIEW v AS SELECT ''x'' AS a')"
        );
    }
}
