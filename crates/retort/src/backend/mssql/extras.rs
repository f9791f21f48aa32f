//! The catalog queries a baseline makes of SQL Server beside the snapshot
//! (`catalog.rs`): each module's exact text and what it names, alias and
//! table types, synonyms, the objects the catalog lists, and the names the
//! server made up for keys, checks and defaults. Plain `SELECT`s of catalog
//! views, of `dbo` only; `baseline/` reads their rows.

pub(crate) const ALIAS_TYPES: &str = "SELECT t.name AS type_name, TYPE_NAME(t.system_type_id) AS base_type, \
    CAST(t.max_length AS int) AS max_length, CAST(t.precision AS int) AS type_precision, \
    CAST(t.scale AS int) AS type_scale, CAST(t.is_nullable AS int) AS is_nullable \
    FROM sys.types AS t \
    WHERE t.is_user_defined = 1 AND t.is_table_type = 0 AND SCHEMA_NAME(t.schema_id) = N'dbo' ORDER BY 1";
pub(crate) const TABLE_TYPES: &str = "SELECT t.name AS type_name FROM sys.table_types AS t \
    WHERE t.is_user_defined = 1 AND SCHEMA_NAME(t.schema_id) = N'dbo' ORDER BY 1";
/// Every module and sequence the catalog lists, to name the ones whose
/// definition this login may not read (they would be missing silently).
pub(crate) const LISTED: &str = "SELECT o.name AS object_name, CAST(o.type AS nvarchar(2)) AS object_type FROM sys.objects AS o \
    WHERE o.is_ms_shipped = 0 AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR', 'SO') AND SCHEMA_NAME(o.schema_id) = N'dbo' \
    ORDER BY 1";
pub(crate) const SYNONYMS: &str = "SELECT s.name AS synonym_name, s.base_object_name FROM sys.synonyms AS s \
    WHERE SCHEMA_NAME(s.schema_id) = N'dbo' ORDER BY 1";
/// Each module's text exactly as SQL Server keeps it: what the baseline
/// runs, so that the rebuilt module is stored byte for byte the same.
pub(crate) const DEFINITIONS: &str = "SELECT o.name AS object_name, m.definition FROM sys.sql_modules AS m \
    JOIN sys.objects AS o ON o.object_id = m.object_id \
    WHERE o.is_ms_shipped = 0 AND m.definition IS NOT NULL AND SCHEMA_NAME(o.schema_id) = N'dbo' ORDER BY 1";
/// What each module of `dbo` names, as SQL Server recorded it when the
/// module was created (objects in `dbo` or in no schema: resolved at run
/// time). Babelfish's view exists and is empty.
pub(crate) const DEPENDENCIES: &str = "SELECT o.name AS referencing_name, d.referenced_entity_name AS referenced_name \
    FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id \
    WHERE SCHEMA_NAME(o.schema_id) = N'dbo' AND COALESCE(d.referenced_schema_name, N'dbo') = N'dbo' \
    AND d.referenced_entity_name IS NOT NULL ORDER BY 1, 2";
/// The indexes of `dbo`'s tables, as Babelfish stores their names.
pub(crate) const BABELFISH_INDEXES: &str = "SELECT t.name AS table_name, i.name AS index_name FROM sys.indexes AS i \
    JOIN sys.tables AS t ON t.object_id = i.object_id \
    WHERE t.is_ms_shipped = 0 AND i.type > 0 AND i.is_primary_key = 0 AND i.is_unique_constraint = 0 \
    AND SCHEMA_NAME(t.schema_id) = N'dbo' ORDER BY 1, 2";

/// A key: the Babelfish-safe join of key constraints to their index, by
/// name (its `unique_index_id` is an OID there).
pub(crate) const KEYS: &str = "SELECT t.name AS table_name, kc.name AS constraint_name, CAST(kc.type AS nvarchar(2)) AS kind, \
    c.name AS column_name, CAST(ic.key_ordinal AS int) AS ordinal \
    FROM sys.key_constraints AS kc \
    JOIN sys.tables AS t ON t.object_id = kc.parent_object_id \
    JOIN sys.indexes AS ki ON ki.object_id = kc.parent_object_id AND ki.name = kc.name \
    JOIN sys.index_columns AS ic ON ic.object_id = ki.object_id AND ic.index_id = ki.index_id \
    JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
    WHERE t.is_ms_shipped = 0 AND ic.key_ordinal > 0 AND SCHEMA_NAME(t.schema_id) = N'dbo' \
    ORDER BY 1, 2, 5";

pub(crate) const FOREIGN_KEYS: &str = "SELECT t.name AS table_name, fk.name AS constraint_name, N'F' AS kind, \
    c.name AS column_name, CAST(fkc.constraint_column_id AS int) AS ordinal \
    FROM sys.foreign_keys AS fk \
    JOIN sys.tables AS t ON t.object_id = fk.parent_object_id \
    JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id \
    JOIN sys.columns AS c ON c.object_id = fkc.parent_object_id AND c.column_id = fkc.parent_column_id \
    WHERE t.is_ms_shipped = 0 AND SCHEMA_NAME(t.schema_id) = N'dbo' \
    ORDER BY 1, 2, 5";

pub(crate) const CHECKS: &str = "SELECT t.name AS table_name, ck.name AS constraint_name, ck.definition \
    FROM sys.check_constraints AS ck \
    JOIN sys.tables AS t ON t.object_id = ck.parent_object_id \
    WHERE t.is_ms_shipped = 0 AND SCHEMA_NAME(t.schema_id) = N'dbo' \
    ORDER BY 1, 2";

pub(crate) const DEFAULTS: &str = "SELECT t.name AS table_name, c.name AS column_name, dc.name AS constraint_name \
    FROM sys.default_constraints AS dc \
    JOIN sys.tables AS t ON t.object_id = dc.parent_object_id \
    JOIN sys.columns AS c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id \
    WHERE t.is_ms_shipped = 0 AND dc.is_system_named = 1 AND SCHEMA_NAME(t.schema_id) = N'dbo' \
    ORDER BY 1, 2";
