//! The generated revision table for a valid set, snapshotted.

mod common;

use std::path::Path;

#[test]
fn generated_code_matches_snapshot_when_set_is_valid() {
    let root = common::fixture_root("valid");
    let scan = retort_build::scan(&root, Path::new("migrations"));
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let table = retort_build::validate(scan).expect("the valid fixture set validates");
    // Two heads, but the billing one is a declared branch.
    assert_eq!(table.heads, ["9d8c7b6a5f4e", "b1b2c3d4e5f6"]);
    assert_eq!(table.warnings, []);

    let source = retort_build::generate(&table);
    common::snapshot_settings().bind(|| {
        insta::assert_snapshot!("valid_set", common::redact_fixture(&source, &root));
    });
}
