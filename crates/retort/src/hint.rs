//! The commands that messages tell a person to run, written once.
//!
//! A message that names a command of the project's xtask takes it from here,
//! never as literal text, and every hint here is in [`ALL`]:
//! `crates/retort-cli/tests/hints.rs` parses each one with the clap tree of
//! the xtask that `retort init` writes, so that a renamed command or flag
//! fails a test instead of sending a person to a command that does not exist
//! (`cargo xtask history` for `cargo xtask migrate history` did), and checks
//! that no other source file of retort spells out a `cargo xtask` command.
//! `retort-build`'s messages have their own list (`retort_build::hint`),
//! checked the same way.

use std::fmt;

/// A command line of the project's xtask: the arguments after `cargo
/// xtask`, where `<name>` stands for what the person fills in. Displays as
/// `cargo xtask <arguments>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    arguments: &'static str,
    complete: bool,
}

impl Hint {
    /// The arguments after `cargo xtask`, placeholders included.
    pub const fn arguments(self) -> &'static str {
        self.arguments
    }

    /// Whether the hint is a whole command line (its placeholders filled,
    /// it runs), or names a command and leaves out arguments it requires.
    pub const fn complete(self) -> bool {
        self.complete
    }

    /// The command with each `<name>` of `values` replaced by its value;
    /// placeholders not given stay as they are.
    pub fn fill(self, values: &[(&str, &str)]) -> String {
        let mut text = self.to_string();
        for (name, value) in values {
            text = text.replace(&format!("<{name}>"), value);
        }
        text
    }

    /// The command with `<revision>` replaced by `id`.
    pub fn revision(self, id: &str) -> String {
        self.fill(&[("revision", id)])
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cargo xtask {}", self.arguments)
    }
}

/// Declares each hint as a constant and lists them all in [`ALL`], so that
/// a hint cannot be added without the test seeing it.
/// A hint written `NAME = partial "…"` names a command without the
/// arguments it requires.
macro_rules! hints {
    ($($(#[$doc:meta])* $name:ident = $($partial:ident)? $arguments:literal;)*) => {
        $(
            #[doc = concat!("`cargo xtask ", $arguments, "`.")]
            $(#[doc = ""] #[$doc])*
            pub const $name: Hint = Hint { arguments: $arguments, complete: hints!(@complete $($partial)?) };
        )*

        /// Every hint, for the test that parses them with the xtask's clap tree.
        pub const ALL: &[Hint] = &[$($name),*];
    };
    (@complete partial) => { false };
    (@complete) => { true };
}

hints! {
    MIGRATE_UPGRADE = "migrate upgrade";
    MIGRATE_UPGRADE_TO = "migrate upgrade <revision>";
    /// A downgrade to the revision before `<revision>`.
    MIGRATE_DOWNGRADE_BELOW = "migrate downgrade <revision>-1";
    MIGRATE_DOWNGRADE_TO = "migrate downgrade <target>";
    MIGRATE_STAMP = "migrate stamp <revision>";
    MIGRATE_STAMP_VERIFY = "migrate stamp <revision> --verify";
    MIGRATE_STAMP_VERIFY_SOURCE = "migrate stamp <revision> --verify --database-url <the source>";
    MIGRATE_HISTORY = "migrate history";
    MIGRATE_CHECK = "migrate check";
    MIGRATE_RESOLVE_APPLIED = "migrate resolve <revision> --applied";
    MIGRATE_RESOLVE_ROLLED_BACK = "migrate resolve <revision> --rolled-back";
    MIGRATE_REPAIR = "migrate repair <revision>";
    MIGRATE_REPAIR_UNVERIFIED = "migrate repair <revision> --accept-unverified";
    NEW_REVISION = "new-revision -m \"…\"";
    NEW_REVISION_AUTOGENERATE = "new-revision --autogenerate -m \"…\"";
    MERGE_HEADS = "merge -m \"merge heads\"";
    BASELINE = partial "baseline";
    DB_CLONE_CHECK = "db clone --check";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_the_named_placeholders_and_keeps_the_others() {
        assert_eq!(MIGRATE_HISTORY.to_string(), "cargo xtask migrate history");
        assert_eq!(MIGRATE_RESOLVE_APPLIED.revision("b0b0"), "cargo xtask migrate resolve b0b0 --applied");
        assert_eq!(
            MIGRATE_STAMP_VERIFY_SOURCE.revision("b0b0"),
            "cargo xtask migrate stamp b0b0 --verify --database-url <the source>"
        );
    }
}
