//! The catalog a linted revision meets, from the database: every table,
//! its columns, keys and indexes, as introspection reads them.

use retort_lint::{Catalog, ColumnFacts};

use crate::schema::SchemaSnapshot;

/// The lint catalog of what `snapshot` holds. Schema-bound views are not
/// carried over (their definitions would need reading); the revisions that
/// create them are, when linted with them.
pub fn catalog_of(snapshot: &SchemaSnapshot) -> Catalog {
    let mut catalog = Catalog::default();
    for (name, table) in &snapshot.tables {
        let columns = table
            .columns
            .iter()
            .map(|column| ColumnFacts {
                name: column.name.clone(),
                data_type: Some(column.data_type.clone()),
                nullable: column.nullable,
                has_default: column.default.is_some(),
            })
            .collect();
        catalog.add_table(name, columns, None);
        if let Some(key) = &table.primary_key {
            catalog.add_index(name, key.name.as_deref().unwrap_or("primary key"), &key.columns, true);
        }
        for key in &table.uniques {
            catalog.add_index(name, key.name.as_deref().unwrap_or("unique"), &key.columns, false);
        }
        for index in &table.indexes {
            let columns: Vec<String> = index.columns.iter().map(|c| c.name.clone()).collect();
            catalog.add_index(name, &index.name, &columns, false);
        }
    }
    catalog
}
