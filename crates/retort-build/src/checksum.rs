//! The revision checksum. This doc comment is the contract.
//!
//! A revision's checksum is SHA-256 over exactly these bytes:
//!
//! - a Rust revision: the normalised bytes of its `.rs` file;
//! - an SQL revision: the normalised bytes of its `.up.sql` file, then, only if
//!   a `.down.sql` file exists, one `0x00` byte followed by the normalised bytes
//!   of the `.down.sql` file; then, for each file a `sqlcmd` `:r` line of
//!   either script includes (the up script's first, depth first, in the
//!   order of the lines; a file included twice counts twice), one `0x01`
//!   byte followed by that file's normalised bytes. A revision that
//!   includes nothing hashes as it did before `:r` was read.
//!
//! Normalising a file means, in this order: drop one leading UTF-8 byte order
//! mark (`EF BB BF`), then replace every CRLF pair with LF, then replace every
//! remaining lone CR with LF. Nothing else changes: trailing spaces, a missing
//! final newline, comments and the header all count.
//!
//! Why normalise: the same commit checked out on Windows with
//! `core.autocrlf=true`, or saved by an editor that adds a BOM, must not look
//! like a changed revision (drift) to a database that recorded the checksum
//! from an LF checkout. The `0x00` separator marks where the down script
//! starts: an irreversible revision (no down file) hashes differently from one
//! with an empty down file, and since SQL scripts hold no NUL bytes, moving text
//! between the up and the down script changes the hash.
//!
//! Changing anything here is a breaking change: every database that recorded a
//! checksum would report every revision as changed. Do it only with a migration
//! path for recorded checksums.

use sha2::{Digest, Sha256};

/// A SHA-256 digest, as the generated `::retort::Checksum` holds it.
pub type Digest32 = [u8; 32];

/// The checksum of a Rust revision from its file's bytes.
pub fn rust_checksum(file: &[u8]) -> Digest32 {
    let mut hasher = Sha256::new();
    hasher.update(normalize(file));
    hasher.finalize().into()
}

/// The checksum of an SQL revision from its up file's bytes and, when it
/// exists, its down file's bytes.
pub fn sql_checksum(up: &[u8], down: Option<&[u8]>) -> Digest32 {
    let mut hasher = Sha256::new();
    hasher.update(normalize(up));
    if let Some(down) = down {
        hasher.update([0u8]);
        hasher.update(normalize(down));
    }
    hasher.finalize().into()
}

/// [`sql_checksum`] of a revision whose scripts include other files
/// (normalised bytes each, in the order the module's doc gives).
pub(crate) fn sql_checksum_with_includes(up: &[u8], down: Option<&[u8]>, includes: &[&[u8]]) -> Digest32 {
    let mut hasher = Sha256::new();
    hasher.update(normalize(up));
    if let Some(down) = down {
        hasher.update([0u8]);
        hasher.update(normalize(down));
    }
    for included in includes {
        hasher.update([1u8]);
        hasher.update(normalize(included));
    }
    hasher.finalize().into()
}

/// The bytes that are hashed for one file: no BOM, LF line endings.
pub(crate) fn normalize(bytes: &[u8]) -> Vec<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    let mut iter = bytes.iter().copied().peekable();
    while let Some(byte) = iter.next() {
        if byte == b'\r' {
            // A CRLF pair and a lone CR both become one LF.
            if iter.peek() == Some(&b'\n') {
                iter.next();
            }
            out.push(b'\n');
        } else {
            out.push(byte);
        }
    }
    out
}

/// The lowercase hex form, as the history table stores it.
pub fn to_hex(digest: &Digest32) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LF: &[u8] = b"-- revision: 1a2b\nCREATE TABLE t (id INT);\n";

    #[test]
    fn checksum_is_equal_when_only_line_endings_differ() {
        let crlf = b"-- revision: 1a2b\r\nCREATE TABLE t (id INT);\r\n";
        let cr = b"-- revision: 1a2b\rCREATE TABLE t (id INT);\r";
        assert_eq!(rust_checksum(LF), rust_checksum(crlf));
        assert_eq!(rust_checksum(LF), rust_checksum(cr));
        assert_eq!(sql_checksum(LF, Some(crlf)), sql_checksum(crlf, Some(LF)));
    }

    #[test]
    fn checksum_is_equal_when_a_leading_bom_is_added() {
        let bom = [b"\xEF\xBB\xBF".as_slice(), LF].concat();
        assert_eq!(rust_checksum(LF), rust_checksum(&bom));
        assert_eq!(sql_checksum(&bom, None), sql_checksum(LF, None));
    }

    #[test]
    fn checksum_changes_when_any_one_byte_changes() {
        let base = rust_checksum(LF);
        for i in 0..LF.len() {
            let mut changed = LF.to_vec();
            changed[i] = if changed[i] == b'x' { b'y' } else { b'x' };
            assert_ne!(rust_checksum(&changed), base, "byte {i} changed");
        }
        // A BOM that is not leading is content, not an encoding marker.
        let inner_bom = [LF, b"\xEF\xBB\xBF".as_slice()].concat();
        assert_ne!(rust_checksum(&inner_bom), base);
    }

    #[test]
    fn sql_checksum_with_includes_is_the_plain_one_without_includes_and_changes_with_each() {
        assert_eq!(sql_checksum_with_includes(b"up", Some(b"down"), &[]), sql_checksum(b"up", Some(b"down")));
        let one = sql_checksum_with_includes(b"up", None, &[b"a"]);
        assert_ne!(one, sql_checksum_with_includes(b"up", None, &[b"b"]));
        assert_ne!(one, sql_checksum(b"up", Some(b"a")));
        assert_ne!(sql_checksum_with_includes(b"up", None, &[b"ab"]), sql_checksum_with_includes(b"up", None, &[b"a", b"b"]));
    }

    #[test]
    fn sql_checksum_differs_when_down_file_is_missing_or_empty_or_split_differently() {
        let none = sql_checksum(b"up", None);
        let empty = sql_checksum(b"up", Some(b""));
        let split = sql_checksum(b"u", Some(b"p"));
        assert_ne!(none, empty);
        assert_ne!(none, split);
        assert_ne!(empty, split);
    }

    #[test]
    fn checksum_matches_known_sha256_when_input_is_plain() {
        // SHA-256("abc"): pins the algorithm so that a dependency swap cannot
        // silently change every recorded checksum.
        assert_eq!(
            to_hex(&rust_checksum(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
