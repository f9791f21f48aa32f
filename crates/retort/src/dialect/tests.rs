use super::*;

#[test]
fn quote_ident_escapes_closing_delimiters_per_dialect() {
    assert_eq!(Dialect::Mssql.quote_ident("a]b"), "[a]]b]");
    assert_eq!(Dialect::Postgres.quote_ident("a\"b"), "\"a\"\"b\"");
    assert_eq!(Dialect::Sqlite.quote_qualified(Some("s"), "t"), "\"s\".\"t\"");
}

#[test]
fn quote_literal_doubles_single_quotes() {
    assert_eq!(Dialect::Postgres.quote_literal("it's"), "'it''s'");
    assert_eq!(Dialect::Mssql.quote_literal("it's"), "N'it''s'");
}

#[test]
fn literal_quotes_text_through_the_dialect_when_it_holds_quotes() {
    let text = Literal::from("it's; DROP TABLE users; --");
    assert_eq!(Dialect::Mssql.literal(&text).unwrap(), "N'it''s; DROP TABLE users; --'");
    assert_eq!(Dialect::Sqlite.literal(&text).unwrap(), "'it''s; DROP TABLE users; --'");
}

#[test]
fn literal_refuses_when_decimal_or_float_is_not_a_number() {
    assert!(Dialect::Postgres.literal(&Literal::decimal("1; DROP")).is_err());
    assert!(Dialect::Postgres.literal(&Literal::decimal("1.")).is_err());
    assert_eq!(Dialect::Postgres.literal(&Literal::decimal("-12.50")).unwrap(), "-12.50");
    assert!(Dialect::Postgres.literal(&Literal::Float(f64::NAN)).is_err());
}

#[test]
fn literal_renders_booleans_and_bytes_per_dialect() {
    assert_eq!(Dialect::Postgres.literal(&Literal::Bool(true)).unwrap(), "TRUE");
    assert_eq!(Dialect::Mssql.literal(&Literal::Bool(true)).unwrap(), "1");
    assert_eq!(Dialect::Mssql.literal(&Literal::Bytes(vec![0xab, 1])).unwrap(), "0xAB01");
    assert_eq!(Dialect::Sqlite.literal(&Literal::Bytes(vec![0xab])).unwrap(), "X'AB'");
}

#[test]
fn placeholder_numbers_from_one_in_each_dialects_spelling() {
    let spelled: Vec<String> = Dialect::ALL.iter().map(|d| d.placeholder(2)).collect();
    assert_eq!(spelled, ["?2", "$2", "@P2"]);
}

/// Each dialect's catalog text of a default retort rendered for a column
/// of `ty` (PostgreSQL's as `pg_get_expr` prints it, SQL Server's after the
/// snapshot takes its parentheses off), and the value it is.
fn printed_defaults() -> Vec<(Dialect, Type, &'static str, Literal)> {
    use Dialect::{Mssql, Postgres, Sqlite};
    let text = |t: &str| Literal::Text(t.to_owned());
    vec![
        (Sqlite, Type::Bool, "1", Literal::Bool(true)),
        (Postgres, Type::Bool, "false", Literal::Bool(false)),
        (Mssql, Type::Bool, "0", Literal::Bool(false)),
        (Sqlite, Type::Int, "-5", Literal::Int(-5)),
        (Postgres, Type::Int, "'-5'::integer", Literal::Int(-5)),
        (Postgres, Type::BigInt, "'5000000000'::bigint", Literal::Int(5_000_000_000)),
        (Postgres, Type::Int, "5", Literal::Int(5)),
        (Mssql, Type::Int, "5", Literal::Int(5)),
        (Mssql, Type::Int, "- 5", Literal::Int(-5)),
        (Sqlite, Type::Decimal(10, 2), "-12.50", Literal::decimal("-12.50")),
        (Postgres, Type::Decimal(10, 2), "'-12.50'::numeric", Literal::decimal("-12.50")),
        (Postgres, Type::Decimal(10, 2), "0", Literal::Int(0)),
        (Mssql, Type::Decimal(10, 2), "12.50", Literal::decimal("12.50")),
        (Sqlite, Type::Float, "-1.5", Literal::Float(-1.5)),
        (Postgres, Type::Float, "'-1.5'::numeric", Literal::Float(-1.5)),
        (Sqlite, Type::String(20), "'it''s'", text("it's")),
        (Postgres, Type::String(20), "'it''s'::character varying", text("it's")),
        (Postgres, Type::Text, "'x'::text", text("x")),
        (Mssql, Type::String(20), "N'it''s'", text("it's")),
        (Sqlite, Type::Date, "'2024-01-01'", text("2024-01-01")),
        (Postgres, Type::Date, "'2024-01-01'::date", text("2024-01-01")),
        (Postgres, Type::DateTime, "'2024-01-01 10:00:00'::timestamp without time zone", text("2024-01-01 10:00:00")),
        (Mssql, Type::Date, "N'2024-01-01'", text("2024-01-01")),
        (Sqlite, Type::Bytes, "X'AB01'", Literal::Bytes(vec![0xAB, 0x01])),
        (Postgres, Type::Bytes, "'\\xab01'::bytea", Literal::Bytes(vec![0xAB, 0x01])),
        (Mssql, Type::Binary(8), "0xAB01", Literal::Bytes(vec![0xAB, 0x01])),
        (Sqlite, Type::Text, "NULL", Literal::Null),
        (Postgres, Type::String(5), "NULL::character varying", Literal::Null),
        (Mssql, Type::Int, "NULL", Literal::Null),
    ]
}

#[test]
fn read_literal_is_the_value_of_the_column_type_that_the_catalog_printed() {
    for (dialect, ty, printed, value) in printed_defaults() {
        assert_eq!(dialect.read_literal(printed, &ty), Some(value), "{dialect} {ty:?} {printed}");
    }
}

#[test]
fn read_literal_renders_back_to_what_the_catalog_printed_where_the_catalog_keeps_the_text() {
    // SQLite keeps a default as written, and SQL Server (its parentheses
    // and a sign's space aside) keeps retort's literal: the value renders
    // to the same text.
    for (dialect, ty, printed, value) in printed_defaults() {
        if dialect != Dialect::Postgres && !printed.starts_with("- ") {
            assert_eq!(dialect.literal(&value).as_deref(), Ok(printed), "{dialect} {ty:?}");
        }
    }
}

#[test]
fn read_literal_leaves_expressions_and_other_spellings_as_sql() {
    for (dialect, ty, printed) in [
        (Dialect::Sqlite, Type::Bool, "TRUE"),
        (Dialect::Sqlite, Type::Int, "+5"),
        (Dialect::Sqlite, Type::Float, "1.50"),
        (Dialect::Sqlite, Type::Bytes, "x'ab01'"),
        (Dialect::Sqlite, Type::DateTime, "CURRENT_TIMESTAMP"),
        (Dialect::Sqlite, Type::DateTime, "(datetime('now'))"),
        (Dialect::Postgres, Type::Bool, "1"),
        (Dialect::Postgres, Type::String(5), "'x'::text"),
        (Dialect::Postgres, Type::Date, "CURRENT_DATE"),
        (Dialect::Postgres, Type::Int, "nextval('s'::regclass)"),
        (Dialect::Mssql, Type::String(5), "'x'"),
        (Dialect::Mssql, Type::Int, "'-5'"),
        (Dialect::Mssql, Type::DateTime, "sysutcdatetime()"),
        (Dialect::Mssql, Type::native([(Dialect::Mssql, "money")]), "0"),
    ] {
        assert_eq!(dialect.read_literal(printed, &ty), None, "{dialect} {ty:?} {printed}");
    }
}

#[test]
fn portable_type_reads_back_each_type_as_its_catalog_spells_it() {
    use Dialect::{Mssql, Postgres, Sqlite};
    let standard = Flavour::Standard;
    for (dialect, spelled, ty) in [
        (Sqlite, "INTEGER", Type::Int),
        (Sqlite, "BOOLEAN", Type::Bool),
        (Sqlite, "NUMERIC(10, 2)", Type::Decimal(10, 2)),
        (Sqlite, "DATETIME", Type::DateTime),
        (Postgres, "boolean", Type::Bool),
        (Postgres, "character varying(40)", Type::String(40)),
        (Postgres, "timestamp with time zone", Type::DateTimeOffset),
        (Postgres, "jsonb", Type::Json),
        (Mssql, "bit", Type::Bool),
        (Mssql, "nvarchar(4000)", Type::String(4000)),
        (Mssql, "varbinary(max)", Type::Bytes),
        (Mssql, "time(7)", Type::Time),
    ] {
        assert_eq!(dialect.portable_type(spelled, standard), Some(ty), "{dialect} {spelled}");
    }
    // What no portable type renders to stays native.
    for (dialect, spelled) in [(Sqlite, "char(36)"), (Postgres, "character(3)"), (Mssql, "varchar(20)"), (Mssql, "nvarchar(5000)")] {
        assert_eq!(dialect.portable_type(spelled, standard), None, "{dialect} {spelled}");
    }
}

#[test]
fn type_sql_spells_unicode_and_large_types_per_dialect() {
    assert_eq!(Dialect::Mssql.type_sql(&Type::String(5000)).as_deref(), Some("NVARCHAR(MAX)"));
    assert_eq!(Dialect::Postgres.type_sql(&Type::DateTimeOffset).as_deref(), Some("TIMESTAMPTZ"));
    assert_eq!(Dialect::Sqlite.type_sql(&Type::Uuid).as_deref(), Some("CHAR(36)"));
    assert_eq!(Dialect::Sqlite.type_sql(&Type::native([(Dialect::Postgres, "CITEXT")])), None);
}

#[test]
fn mssql_catalog_type_spells_lengths_in_characters() {
    assert_eq!(mssql_catalog_type("nchar", 20, 0, 0), "nchar(10)");
    assert_eq!(mssql_catalog_type("varbinary", -1, 0, 0), "varbinary(max)");
    assert_eq!(mssql_catalog_type("time", 5, 16, 7), "time(7)");
    assert_eq!(mssql_catalog_type("float", 8, 53, 0), "float");
    assert_eq!(mssql_catalog_type("real", 4, 24, 0), "real");
    assert_eq!(mssql_catalog_type("uniqueidentifier", 16, 0, 0), "uniqueidentifier");
}

#[test]
fn paging_and_transactions_use_each_dialects_words() {
    assert_eq!(Dialect::Postgres.page(20, 10), " LIMIT 10 OFFSET 20");
    assert_eq!(Dialect::Mssql.page(20, 10), " OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY");
    assert_eq!(Dialect::Mssql.limit(5), " OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY");
    assert_eq!([Dialect::Sqlite.begin(), Dialect::Mssql.begin()], ["BEGIN", "BEGIN TRANSACTION"]);
    assert_eq!([Dialect::Postgres.commit(), Dialect::Mssql.rollback()], ["COMMIT", "ROLLBACK TRANSACTION"]);
}
