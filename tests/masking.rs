//! The masking file classifies every column the revisions create, so that
//! `cargo xtask db clone` never meets a column nobody decided about: a
//! revision that adds one fails this test until `retort-mask.toml` says how
//! to mask it (`cargo xtask db clone --check` prints the lines to add).

#[test]
fn the_masking_file_classifies_every_column() {
    retort::testing::assert_masking_covers(&todo_db::MIGRATIONS, "retort-mask.toml");
}
