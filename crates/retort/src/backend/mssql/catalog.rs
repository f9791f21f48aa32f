//! Reading SQL Server's catalog views: one request, eleven result sets, each
//! decoded into plain rows that [`snapshot`](super::snapshot) maps to the
//! schema model.
//!
//! Two rules keep the decoding safe on data no test here has seen:
//! - every `sql_variant` column (`seed_value`, `increment_value`,
//!   `start_value`, `DATABASEPROPERTYEX`) is cast to `nvarchar`, because
//!   tiberius cannot decode `sql_variant`;
//! - results are ordered by position (`ORDER BY 1, 2`), which no alias or
//!   column of the joined views can make ambiguous;
//! - every number is cast to `int` and every flag to `int`, and the decoder
//!   accepts any integer type anyway, so a type the catalog changes between
//!   versions cannot break it. Type names come from `TYPE_NAME()`, never
//!   from hard-coded type ids; for a column of an alias type, from
//!   `sys.types` where `TYPE_NAME()` is NULL (Babelfish gives a login that
//!   does not own the type no name for it, and cannot grant one).

use tiberius::{ColumnData, Row};

/// The catalog query for the server's flavour: [`QUERY`] on SQL Server; on
/// Babelfish, whose catalog lacks `sys.sequences`, returns duplicate
/// `sys.identity_columns` rows, and ties key constraints to their index by
/// name only, the same results read from what it has, and then the
/// spellings of its tables and columns ([`BABELFISH_SPELLINGS`]).
pub(crate) fn query(flavour: crate::Flavour) -> String {
    match flavour {
        crate::Flavour::Standard => QUERY.to_owned(),
        crate::Flavour::Babelfish => QUERY
            .replace(IDENTITY_SEED, BABELFISH_IDENTITY_SEED)
            .replace(IDENTITY_JOIN, "")
            .replace(KEY_INDEX_JOIN, BABELFISH_KEY_INDEX_JOIN)
            .replace(INDEX_FILTER, BABELFISH_INDEX_FILTER)
            .replace(SEQUENCES, BABELFISH_SEQUENCES)
            + BABELFISH_SPELLINGS,
    }
}

/// Babelfish's `sys.*` views give every name in lower case (PostgreSQL's
/// folded one); the spelling a table and a column were created with is
/// kept only where its `INFORMATION_SCHEMA` reads it (PostgreSQL's
/// `bbf_original_rel_name` and `bbf_original_name` options). Constraint,
/// index, sequence and type names are kept in lower case only; a view's,
/// routine's or trigger's is in its definition.
const BABELFISH_SPELLINGS: &str = "
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name
FROM INFORMATION_SCHEMA.TABLES AS t
WHERE t.TABLE_TYPE = 'BASE TABLE'
ORDER BY 1, 2;

SELECT c.TABLE_SCHEMA AS schema_name, c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name
FROM INFORMATION_SCHEMA.COLUMNS AS c
ORDER BY 1, 2, 3;
";

const IDENTITY_SEED: &str =
    "CAST(ic.seed_value AS nvarchar(40)) AS identity_seed, CAST(ic.increment_value AS nvarchar(40)) AS identity_increment,";
const BABELFISH_IDENTITY_SEED: &str = "CASE WHEN c.is_identity = 1 THEN CAST(CAST(IDENT_SEED(QUOTENAME(SCHEMA_NAME(t.schema_id)) + N'.' + QUOTENAME(t.name)) AS bigint) AS nvarchar(40)) END AS identity_seed, \
    CASE WHEN c.is_identity = 1 THEN CAST(CAST(IDENT_INCR(QUOTENAME(SCHEMA_NAME(t.schema_id)) + N'.' + QUOTENAME(t.name)) AS bigint) AS nvarchar(40)) END AS identity_increment,";
const IDENTITY_JOIN: &str =
    "LEFT JOIN sys.identity_columns AS ic ON ic.object_id = c.object_id AND ic.column_id = c.column_id\n";
const KEY_INDEX_JOIN: &str =
    "JOIN sys.index_columns AS ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id";
const BABELFISH_KEY_INDEX_JOIN: &str = "JOIN sys.indexes AS ki ON ki.object_id = kc.parent_object_id AND ki.name = kc.name\n\
JOIN sys.index_columns AS ic ON ic.object_id = ki.object_id AND ic.index_id = ki.index_id";
const INDEX_FILTER: &str = "CAST(i.type AS int) AS index_type, i.filter_definition";
/// Babelfish keeps a filtered index's predicate only in PostgreSQL's catalog
/// (`sys.indexes.filter_definition` is always NULL there).
const BABELFISH_INDEX_FILTER: &str = "CAST(i.type AS int) AS index_type, \
    (SELECT TOP (1) CAST(pg_get_expr(x.indpred, x.indrelid) AS nvarchar(max)) FROM pg_catalog.pg_index AS x \
     JOIN pg_catalog.pg_class AS pc ON pc.oid = x.indexrelid WHERE pc.relname = i.name AND x.indrelid = i.object_id) AS filter_definition";
const SEQUENCES: &str = "SELECT SCHEMA_NAME(s.schema_id) AS schema_name, s.name AS sequence_name, TYPE_NAME(s.user_type_id) AS type_name,
    CAST(s.precision AS int) AS type_precision, CAST(s.scale AS int) AS type_scale,
    CAST(s.start_value AS nvarchar(40)) AS start_value, CAST(s.increment AS nvarchar(40)) AS increment_value
FROM sys.sequences AS s
WHERE s.is_ms_shipped = 0
ORDER BY 1, 2;";
/// Babelfish has no `sys.sequences`; it lists the sequences behind identity
/// columns (`<table>_<column>_seq`) as sequences of their own.
const BABELFISH_SEQUENCES: &str = "SELECT s.SEQUENCE_SCHEMA AS schema_name, s.SEQUENCE_NAME AS sequence_name, s.DATA_TYPE AS type_name,
    CAST(s.NUMERIC_PRECISION AS int) AS type_precision, CAST(s.NUMERIC_SCALE AS int) AS type_scale,
    CAST(s.START_VALUE AS nvarchar(40)) AS start_value, CAST(s.INCREMENT AS nvarchar(40)) AS increment_value
FROM INFORMATION_SCHEMA.SEQUENCES AS s
WHERE NOT EXISTS (SELECT 1 FROM sys.columns AS c JOIN sys.tables AS t ON t.object_id = c.object_id
    WHERE c.is_identity = 1 AND SCHEMA_NAME(t.schema_id) = s.SEQUENCE_SCHEMA AND t.name + N'_' + c.name + N'_seq' = s.SEQUENCE_NAME)
ORDER BY 1, 2;";

/// The catalog query, one result set per [`Catalog`] field, in order.
pub(crate) const QUERY: &str = "\
SELECT CAST(DATABASEPROPERTYEX(DB_NAME(), 'Collation') AS nvarchar(128)) AS collation_name;

SELECT s.name AS schema_name FROM sys.schemas AS s ORDER BY s.name;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name
FROM sys.tables AS t
WHERE t.is_ms_shipped = 0
ORDER BY 1, 2;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, CAST(c.column_id AS int) AS column_id,
    c.name AS column_name, COALESCE(TYPE_NAME(c.user_type_id), (SELECT TOP (1) ty.name FROM sys.types AS ty WHERE ty.user_type_id = c.user_type_id)) AS type_name, CAST(c.max_length AS int) AS max_length,
    CAST(c.precision AS int) AS type_precision, CAST(c.scale AS int) AS type_scale,
    CAST(c.is_nullable AS int) AS is_nullable, c.collation_name, CAST(c.is_identity AS int) AS is_identity,
    CAST(ic.seed_value AS nvarchar(40)) AS identity_seed, CAST(ic.increment_value AS nvarchar(40)) AS identity_increment,
    cc.definition AS computed_definition, CAST(cc.is_persisted AS int) AS computed_persisted,
    dc.name AS default_name, dc.definition AS default_definition, CAST(dc.is_system_named AS int) AS default_system_named
FROM sys.tables AS t
JOIN sys.columns AS c ON c.object_id = t.object_id
LEFT JOIN sys.identity_columns AS ic ON ic.object_id = c.object_id AND ic.column_id = c.column_id
LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
WHERE t.is_ms_shipped = 0
ORDER BY 1, 2, 3;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, kc.name AS constraint_name,
    CAST(kc.type AS nvarchar(2)) AS constraint_type, CAST(ic.key_ordinal AS int) AS key_ordinal, c.name AS column_name,
    CAST(kc.is_system_named AS int) AS is_system_named
FROM sys.key_constraints AS kc
JOIN sys.tables AS t ON t.object_id = kc.parent_object_id
JOIN sys.index_columns AS ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE t.is_ms_shipped = 0 AND ic.key_ordinal > 0
ORDER BY 1, 2, 3, 5;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, i.name AS index_name,
    CAST(i.is_unique AS int) AS is_unique, CAST(i.type AS int) AS index_type, i.filter_definition
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
WHERE t.is_ms_shipped = 0 AND i.type > 0 AND i.is_primary_key = 0 AND i.is_unique_constraint = 0
    AND i.is_hypothetical = 0
ORDER BY 1, 2, 3;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, i.name AS index_name,
    CAST(ic.key_ordinal AS int) AS key_ordinal, CAST(ic.index_column_id AS int) AS index_column_id,
    CAST(ic.is_descending_key AS int) AS is_descending, CAST(ic.is_included_column AS int) AS is_included,
    c.name AS column_name
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE t.is_ms_shipped = 0 AND i.type > 0 AND i.is_primary_key = 0 AND i.is_unique_constraint = 0
    AND i.is_hypothetical = 0
ORDER BY 1, 2, 3, 4, 5;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, fk.name AS constraint_name,
    CAST(fkc.constraint_column_id AS int) AS ordinal, pc.name AS column_name,
    SCHEMA_NAME(rt.schema_id) AS referenced_schema, rt.name AS referenced_table, rc.name AS referenced_column,
    fk.delete_referential_action_desc AS on_delete, fk.update_referential_action_desc AS on_update,
    CAST(fk.is_system_named AS int) AS is_system_named
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.tables AS rt ON rt.object_id = fk.referenced_object_id
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE t.is_ms_shipped = 0
ORDER BY 1, 2, 3, 4;

SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, ck.name AS constraint_name, ck.definition,
    CAST(ck.is_system_named AS int) AS is_system_named
FROM sys.check_constraints AS ck
JOIN sys.tables AS t ON t.object_id = ck.parent_object_id
WHERE t.is_ms_shipped = 0
ORDER BY 1, 2, 3;

SELECT SCHEMA_NAME(o.schema_id) AS schema_name, o.name AS object_name, CAST(o.type AS nvarchar(2)) AS object_type,
    SCHEMA_NAME(p.schema_id) AS parent_schema, p.name AS parent_name, m.definition
FROM sys.objects AS o
JOIN sys.sql_modules AS m ON m.object_id = o.object_id
LEFT JOIN sys.objects AS p ON p.object_id = NULLIF(o.parent_object_id, 0)
WHERE o.is_ms_shipped = 0 AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR')
ORDER BY 1, 2;

SELECT SCHEMA_NAME(s.schema_id) AS schema_name, s.name AS sequence_name, TYPE_NAME(s.user_type_id) AS type_name,
    CAST(s.precision AS int) AS type_precision, CAST(s.scale AS int) AS type_scale,
    CAST(s.start_value AS nvarchar(40)) AS start_value, CAST(s.increment AS nvarchar(40)) AS increment_value
FROM sys.sequences AS s
WHERE s.is_ms_shipped = 0
ORDER BY 1, 2;
";

/// What the catalog query returns, row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Catalog {
    /// The database's default collation.
    pub collation: Option<String>,
    pub schemas: Vec<String>,
    pub tables: Vec<TableRow>,
    pub columns: Vec<ColumnRow>,
    pub keys: Vec<KeyColumnRow>,
    pub indexes: Vec<IndexRow>,
    pub index_columns: Vec<IndexColumnRow>,
    pub foreign_keys: Vec<ForeignKeyColumnRow>,
    pub checks: Vec<CheckRow>,
    pub modules: Vec<ModuleRow>,
    pub sequences: Vec<SequenceRow>,
    /// Babelfish only: the tables and columns as they were spelled when
    /// created (the rows above have them in lower case).
    pub spellings: Option<Spellings>,
}

/// Tables and columns as created, on Babelfish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Spellings {
    pub tables: Vec<TableRow>,
    /// (schema, table, column).
    pub columns: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableRow {
    pub schema: String,
    pub table: String,
}

/// One column of `sys.columns` with its identity, computed and default details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ColumnRow {
    pub schema: String,
    pub table: String,
    pub column_id: i64,
    pub name: String,
    pub type_name: String,
    /// In bytes; -1 for `max`.
    pub max_length: i64,
    pub precision: i64,
    pub scale: i64,
    pub nullable: bool,
    pub collation: Option<String>,
    pub identity: bool,
    /// `seed_value` and `increment_value` as text (they are `sql_variant`).
    pub identity_seed: Option<String>,
    pub identity_increment: Option<String>,
    pub computed: Option<String>,
    pub persisted: bool,
    pub default_name: Option<String>,
    pub default: Option<String>,
    /// The server made up the default constraint's name (`DF__users__balan__3B75D760`).
    pub default_system_named: bool,
}

/// One column of a primary key (`PK`) or unique constraint (`UQ`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyColumnRow {
    pub schema: String,
    pub table: String,
    pub constraint: String,
    pub kind: String,
    pub ordinal: i64,
    pub column: String,
    /// The server made up the name (`PK__users__3213E83F…`).
    pub system_named: bool,
}

/// An index that backs no constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub unique: bool,
    /// `sys.indexes.type`: 1 clustered, 2 nonclustered, 5 clustered columnstore…
    pub kind: i64,
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexColumnRow {
    pub schema: String,
    pub table: String,
    pub index: String,
    /// 0 for included columns.
    pub key_ordinal: i64,
    pub index_column_id: i64,
    pub descending: bool,
    pub included: bool,
    pub column: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ForeignKeyColumnRow {
    pub schema: String,
    pub table: String,
    pub constraint: String,
    pub ordinal: i64,
    pub column: String,
    pub referenced_schema: String,
    pub referenced_table: String,
    pub referenced_column: String,
    /// `NO_ACTION`, `CASCADE`, `SET_NULL`, `SET_DEFAULT`.
    pub on_delete: String,
    pub on_update: String,
    pub system_named: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CheckRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub definition: String,
    pub system_named: bool,
}

/// A view, procedure, function or trigger with its source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ModuleRow {
    pub schema: String,
    pub name: String,
    /// `sys.objects.type`, trimmed: `V`, `P`, `FN`, `IF`, `TF`, `TR`.
    pub kind: String,
    /// The table of a trigger.
    pub parent_schema: Option<String>,
    pub parent: Option<String>,
    /// `None` for a module created `WITH ENCRYPTION`.
    pub definition: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SequenceRow {
    pub schema: String,
    pub name: String,
    pub type_name: String,
    pub precision: i64,
    pub scale: i64,
    pub start: String,
    pub increment: String,
}

/// A row being decoded: reads cells by position and names the column and the
/// result in errors.
struct Cells<'a> {
    row: &'a Row,
    result: &'static str,
}

impl Cells<'_> {
    fn data(&self, index: usize) -> Result<&ColumnData<'static>, String> {
        self.row
            .get_column_data(index)
            .map_err(|error| format!("{}: column {index}: {error}", self.result))
    }

    fn column_name(&self, index: usize) -> String {
        self.row
            .columns()
            .get(index)
            .map_or_else(|| index.to_string(), |c| c.name().to_owned())
    }

    fn text(&self, index: usize) -> Result<Option<String>, String> {
        match self.data(index)? {
            ColumnData::String(text) => Ok(text.as_ref().map(|t| t.to_string())),
            other => Err(self.unexpected(index, other)),
        }
    }

    fn required_text(&self, index: usize) -> Result<String, String> {
        self.text(index)?
            .ok_or_else(|| format!("{}: {} is NULL", self.result, self.column_name(index)))
    }

    fn int(&self, index: usize) -> Result<Option<i64>, String> {
        match self.data(index)? {
            ColumnData::U8(n) => Ok(n.map(i64::from)),
            ColumnData::I16(n) => Ok(n.map(i64::from)),
            ColumnData::I32(n) => Ok(n.map(i64::from)),
            ColumnData::I64(n) => Ok(*n),
            ColumnData::Bit(flag) => Ok(flag.map(i64::from)),
            other => Err(self.unexpected(index, other)),
        }
    }

    fn required_int(&self, index: usize) -> Result<i64, String> {
        self.int(index)?
            .ok_or_else(|| format!("{}: {} is NULL", self.result, self.column_name(index)))
    }

    fn flag(&self, index: usize) -> Result<bool, String> {
        Ok(self.int(index)?.unwrap_or(0) != 0)
    }

    fn unexpected(&self, index: usize, data: &ColumnData<'_>) -> String {
        format!(
            "{}: {} has an unexpected type ({data:?})",
            self.result,
            self.column_name(index)
        )
    }
}

fn rows<T>(
    results: &[Vec<Row>],
    index: usize,
    result: &'static str,
    decode: impl Fn(&Cells<'_>) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let rows = results
        .get(index)
        .ok_or_else(|| format!("the catalog query returned no {result} result"))?;
    rows.iter()
        .map(|row| decode(&Cells { row, result }))
        .collect()
}

/// Decodes the result sets of [`query`]: 11, or 13 on Babelfish.
pub(crate) fn decode(results: &[Vec<Row>]) -> Result<Catalog, String> {
    if results.len() != 11 && results.len() != 13 {
        return Err(format!(
            "the catalog query returned {} result sets instead of 11 (or 13 on Babelfish)",
            results.len()
        ));
    }
    let spellings = if results.len() == 13 {
        Some(Spellings {
            tables: rows(results, 11, "table spellings", TableRow::decode)?,
            columns: rows(results, 12, "column spellings", |c| {
                Ok((c.required_text(0)?, c.required_text(1)?, c.required_text(2)?))
            })?,
        })
    } else {
        None
    };
    let collation = rows(results, 0, "collation", |c| c.text(0))?
        .into_iter()
        .next()
        .flatten();
    Ok(Catalog {
        collation,
        schemas: rows(results, 1, "schemas", |c| c.required_text(0))?,
        tables: rows(results, 2, "tables", TableRow::decode)?,
        columns: rows(results, 3, "columns", ColumnRow::decode)?,
        keys: rows(results, 4, "key constraints", KeyColumnRow::decode)?,
        indexes: rows(results, 5, "indexes", IndexRow::decode)?,
        index_columns: rows(results, 6, "index columns", IndexColumnRow::decode)?,
        foreign_keys: rows(results, 7, "foreign keys", ForeignKeyColumnRow::decode)?,
        checks: rows(results, 8, "check constraints", CheckRow::decode)?,
        modules: rows(results, 9, "modules", ModuleRow::decode)?,
        sequences: rows(results, 10, "sequences", SequenceRow::decode)?,
        spellings,
    })
}

// One decoder per result set of `QUERY`: each reads the cells in the order
// that result's SELECT lists them.

impl TableRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(TableRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
        })
    }
}

impl ColumnRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(ColumnRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
            column_id: c.required_int(2)?,
            name: c.required_text(3)?,
            type_name: c.required_text(4)?,
            max_length: c.required_int(5)?,
            precision: c.required_int(6)?,
            scale: c.required_int(7)?,
            nullable: c.flag(8)?,
            collation: c.text(9)?,
            identity: c.flag(10)?,
            identity_seed: c.text(11)?,
            identity_increment: c.text(12)?,
            computed: c.text(13)?,
            persisted: c.flag(14)?,
            default_name: c.text(15)?,
            default: c.text(16)?,
            default_system_named: c.flag(17)?,
        })
    }
}

impl KeyColumnRow {
    /// The constraint type is trimmed because the catalog's type codes are
    /// `char(2)`, padded when shorter.
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(KeyColumnRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
            constraint: c.required_text(2)?,
            kind: c.required_text(3)?.trim().to_owned(),
            ordinal: c.required_int(4)?,
            column: c.required_text(5)?,
            system_named: c.flag(6)?,
        })
    }
}

impl IndexRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(IndexRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
            name: c.required_text(2)?,
            unique: c.flag(3)?,
            kind: c.required_int(4)?,
            filter: c.text(5)?,
        })
    }
}

impl IndexColumnRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(IndexColumnRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
            index: c.required_text(2)?,
            key_ordinal: c.required_int(3)?,
            index_column_id: c.required_int(4)?,
            descending: c.flag(5)?,
            included: c.flag(6)?,
            column: c.required_text(7)?,
        })
    }
}

impl ForeignKeyColumnRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(ForeignKeyColumnRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
            constraint: c.required_text(2)?,
            ordinal: c.required_int(3)?,
            column: c.required_text(4)?,
            referenced_schema: c.required_text(5)?,
            referenced_table: c.required_text(6)?,
            referenced_column: c.required_text(7)?,
            on_delete: c.required_text(8)?,
            on_update: c.required_text(9)?,
            system_named: c.flag(10)?,
        })
    }
}

impl CheckRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(CheckRow {
            schema: c.required_text(0)?,
            table: c.required_text(1)?,
            name: c.required_text(2)?,
            definition: c.required_text(3)?,
            system_named: c.flag(4)?,
        })
    }
}

impl ModuleRow {
    /// The object type is trimmed because `sys.objects.type` is `char(2)`
    /// (`V `); the definition is NULL for a module created `WITH ENCRYPTION`.
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(ModuleRow {
            schema: c.required_text(0)?,
            name: c.required_text(1)?,
            kind: c.required_text(2)?.trim().to_owned(),
            parent_schema: c.text(3)?,
            parent: c.text(4)?,
            definition: c.text(5)?,
        })
    }
}

impl SequenceRow {
    fn decode(c: &Cells<'_>) -> Result<Self, String> {
        Ok(SequenceRow {
            schema: c.required_text(0)?,
            name: c.required_text(1)?,
            type_name: c.required_text(2)?,
            precision: c.required_int(3)?,
            scale: c.required_int(4)?,
            start: c.required_text(5)?,
            increment: c.required_text(6)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use tiberius::ColumnType;

    use super::*;

    fn text(value: &str) -> ColumnData<'static> {
        ColumnData::String(Some(value.to_owned().into()))
    }

    fn row(cells: Vec<(&str, ColumnType, ColumnData<'static>)>) -> Row {
        cells
            .into_iter()
            .fold(Row::builder(), |row, (name, kind, value)| {
                row.column(name, kind, value)
            })
            .build()
    }

    fn column_row() -> Row {
        use ColumnType::{Int4, NVarchar};
        row(vec![
            ("schema_name", NVarchar, text("dbo")),
            ("table_name", NVarchar, text("users")),
            ("column_id", Int4, ColumnData::I32(Some(1))),
            ("column_name", NVarchar, text("id")),
            ("type_name", NVarchar, text("int")),
            ("max_length", Int4, ColumnData::I32(Some(4))),
            ("type_precision", Int4, ColumnData::I32(Some(10))),
            // A server that ignored the CAST would send a tinyint: accepted too.
            ("type_scale", ColumnType::Int1, ColumnData::U8(Some(0))),
            ("is_nullable", ColumnType::Bit, ColumnData::Bit(Some(false))),
            ("collation_name", NVarchar, ColumnData::String(None)),
            ("is_identity", Int4, ColumnData::I32(Some(1))),
            ("identity_seed", NVarchar, text("1")),
            ("identity_increment", NVarchar, text("1")),
            ("computed_definition", NVarchar, ColumnData::String(None)),
            ("computed_persisted", Int4, ColumnData::I32(None)),
            ("default_name", NVarchar, ColumnData::String(None)),
            ("default_definition", NVarchar, ColumnData::String(None)),
            ("default_system_named", Int4, ColumnData::I32(None)),
        ])
    }

    fn results_with(columns: Vec<Row>) -> Vec<Vec<Row>> {
        let mut results: Vec<Vec<Row>> = (0..11).map(|_| Vec::new()).collect();
        results[0] = vec![row(vec![(
            "collation_name",
            ColumnType::NVarchar,
            text("SQL_Latin1_General_CP1_CI_AS"),
        )])];
        results[3] = columns;
        results
    }

    #[test]
    fn decode_reads_columns_of_any_integer_type() {
        let catalog = decode(&results_with(vec![column_row()])).unwrap();
        assert_eq!(
            catalog.collation.as_deref(),
            Some("SQL_Latin1_General_CP1_CI_AS")
        );
        assert_eq!(
            catalog.columns,
            [ColumnRow {
                schema: "dbo".into(),
                table: "users".into(),
                column_id: 1,
                name: "id".into(),
                type_name: "int".into(),
                max_length: 4,
                precision: 10,
                scale: 0,
                nullable: false,
                identity: true,
                identity_seed: Some("1".into()),
                identity_increment: Some("1".into()),
                ..ColumnRow::default()
            }]
        );
    }

    #[test]
    fn decode_fails_with_the_column_name_when_a_type_is_unexpected() {
        let bad = row(vec![(
            "schema_name",
            ColumnType::Int4,
            ColumnData::I32(Some(1)),
        )]);
        let mut results = results_with(Vec::new());
        results[1] = vec![bad];
        let error = decode(&results).unwrap_err();
        assert!(
            error.starts_with("schemas: schema_name has an unexpected type"),
            "{error}"
        );
    }

    #[test]
    fn decode_fails_when_a_result_set_is_missing() {
        let error = decode(&(0..10).map(|_| Vec::new()).collect::<Vec<_>>()).unwrap_err();
        assert_eq!(
            error,
            "the catalog query returned 10 result sets instead of 11 (or 13 on Babelfish)"
        );
    }

    #[test]
    fn module_row_trims_type_and_keeps_no_definition_when_module_is_encrypted() {
        use ColumnType::NVarchar;
        let encrypted = row(vec![
            ("schema_name", NVarchar, text("dbo")),
            ("object_name", NVarchar, text("v_secret")),
            ("object_type", NVarchar, text("V ")),
            ("parent_schema", NVarchar, ColumnData::String(None)),
            ("parent_name", NVarchar, ColumnData::String(None)),
            ("definition", NVarchar, ColumnData::String(None)),
        ]);
        let module = ModuleRow::decode(&Cells {
            row: &encrypted,
            result: "modules",
        });
        assert_eq!(
            module,
            Ok(ModuleRow {
                schema: "dbo".into(),
                name: "v_secret".into(),
                kind: "V".into(),
                ..ModuleRow::default()
            })
        );
    }

    #[test]
    fn table_row_fails_naming_the_column_when_a_required_cell_is_null() {
        use ColumnType::NVarchar;
        let nameless = row(vec![
            ("schema_name", NVarchar, text("dbo")),
            ("table_name", NVarchar, ColumnData::String(None)),
        ]);
        let error = TableRow::decode(&Cells {
            row: &nameless,
            result: "tables",
        });
        assert_eq!(error, Err("tables: table_name is NULL".to_owned()));
    }

    #[test]
    fn query_casts_every_sql_variant_and_has_one_statement_per_result() {
        for variant in [
            "seed_value",
            "increment_value",
            "start_value",
            "DATABASEPROPERTYEX",
        ] {
            let at = QUERY.find(variant).unwrap();
            assert!(
                QUERY[..at].ends_with("CAST(")
                    || QUERY[..at].ends_with("CAST(ic.")
                    || QUERY[..at].ends_with("CAST(s."),
                "{variant}"
            );
        }
        assert_eq!(QUERY.matches(";\n").count(), 11);
        assert!(
            !QUERY.contains("system_type_id ="),
            "type names come from TYPE_NAME()"
        );
    }
}
