//! The masking key: what makes masking deterministic without being
//! reversible. The same key gives the same made-up values in every run (so
//! two clones join); without it, nobody can tell which real value a
//! made-up one came from, not even by hashing candidate phone numbers.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::CloneError;

/// The environment variable that may hold the key.
pub const MASK_KEY_ENV: &str = "RETORT_MASK_KEY";

/// Fewer bytes than this are refused: a short key can be guessed, and then
/// every keyed value can be reversed by trying candidate real values.
pub const MIN_KEY_BYTES: usize = 16;

/// A secret key. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct MaskKey(Vec<u8>);

impl fmt::Debug for MaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskKey({} bytes)", self.0.len())
    }
}

impl MaskKey {
    /// A key from its text (as given to `--mask-key`), trailing whitespace
    /// dropped.
    pub fn new(text: &str) -> Result<MaskKey, CloneError> {
        let bytes = text.trim_end().as_bytes().to_vec();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(CloneError::Key(format!(
                "the masking key has {} bytes; use at least {MIN_KEY_BYTES} (e.g. `head -c 32 /dev/urandom | base64`)",
                bytes.len()
            )));
        }
        Ok(MaskKey(bytes))
    }

    /// Reads a key file, refusing one inside `project` (a key committed with
    /// the code makes every clone reversible by whoever reads the repository).
    pub fn from_file(path: &Path, project: &Path) -> Result<MaskKey, CloneError> {
        let resolved = std::fs::canonicalize(path)
            .map_err(|error| CloneError::Key(format!("cannot read the key file {}: {error}", path.display())))?;
        if let Ok(root) = std::fs::canonicalize(project) {
            if resolved.starts_with(&root) {
                return Err(CloneError::Key(format!(
                    "the key file {} is inside the project ({}), where it can end up committed; keep it \
                     outside, e.g. ~/.config/retort/mask.key",
                    path.display(),
                    root.display()
                )));
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(metadata) = std::fs::metadata(&resolved) {
                if metadata.permissions().mode() & 0o077 != 0 {
                    tracing::warn!(file = %path.display(), "the masking key file can be read by other users: chmod 600 it");
                }
            }
        }
        let text = std::fs::read_to_string(&resolved)
            .map_err(|error| CloneError::Key(format!("cannot read the key file {}: {error}", path.display())))?;
        MaskKey::new(&text)
    }

    /// The default key file, `$XDG_CONFIG_HOME/retort/mask.key` or
    /// `~/.config/retort/mask.key`.
    pub fn default_path() -> Option<PathBuf> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
        Some(config.join("retort").join("mask.key"))
    }

    /// The key from, in order: `--mask-key`, `--mask-key-file`,
    /// `RETORT_MASK_KEY`, the default key file.
    pub fn resolve(flag: Option<&str>, file: Option<&Path>, project: &Path) -> Result<MaskKey, CloneError> {
        if let Some(text) = flag {
            return MaskKey::new(text);
        }
        if let Some(path) = file {
            return MaskKey::from_file(path, project);
        }
        if let Some(text) = std::env::var(MASK_KEY_ENV).ok().filter(|text| !text.is_empty()) {
            return MaskKey::new(&text);
        }
        match MaskKey::default_path() {
            Some(path) if path.is_file() => MaskKey::from_file(&path, project),
            default => Err(CloneError::Key(format!(
                "no masking key: pass --mask-key-file PATH (a file outside the project), set {MASK_KEY_ENV}, or \
                 create {} with `mkdir -p ~/.config/retort && head -c 32 /dev/urandom | base64 > \
                 ~/.config/retort/mask.key && chmod 600 ~/.config/retort/mask.key`",
                default.map_or_else(|| "~/.config/retort/mask.key".to_owned(), |path| path.display().to_string())
            ))),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_fails_when_the_key_is_short() {
        assert!(MaskKey::new("short").is_err());
        assert!(MaskKey::new("sixteen-bytes-ok\n").is_ok());
        assert!(!format!("{:?}", MaskKey::new("a-very-secret-key-value").unwrap()).contains("secret"));
    }

    #[test]
    fn from_file_fails_when_the_file_is_inside_the_project() {
        let project = tempfile::tempdir().unwrap();
        let inside = project.path().join("mask.key");
        std::fs::write(&inside, "a-key-that-is-long-enough").unwrap();
        let error = MaskKey::from_file(&inside, project.path()).unwrap_err().to_string();
        assert!(error.contains("inside the project"), "{error}");
        let outside = tempfile::tempdir().unwrap();
        let path = outside.path().join("mask.key");
        std::fs::write(&path, "a-key-that-is-long-enough\n").unwrap();
        assert_eq!(MaskKey::from_file(&path, project.path()).unwrap(), MaskKey::new("a-key-that-is-long-enough").unwrap());
    }
}
