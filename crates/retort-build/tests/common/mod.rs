//! Shared fixtures of retort-build's integration tests.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// This crate's folder.
pub fn crate_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    // Canonical, so that the paths in generated code carry no `..` and the
    // snapshot redaction below sees one spelling of the fixture path.
    root.canonicalize().unwrap_or(root)
}

/// The workspace root, two levels above this crate.
pub fn workspace_root() -> PathBuf {
    let root = crate_root().join("../..");
    root.canonicalize().unwrap_or(root)
}

/// A crate-root-like fixture folder under `tests/fixtures/build/`, holding
/// a `migrations/` folder.
pub fn fixture_root(name: &str) -> PathBuf {
    crate_root().join("tests/fixtures/build").join(name)
}

/// Snapshot settings: this crate's snapshots live in its `snapshots/`.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(crate_root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Replaces the machine-specific absolute path of `root` with `[FIXTURE]`.
///
/// This is done on the text rather than with an insta filter because filters
/// need insta's `filters` feature (and the regex crate), which the workspace
/// does not enable.
pub fn redact_fixture(text: &str, root: &Path) -> String {
    text.replace(&root.display().to_string(), "[FIXTURE]")
}
