//! A migration file as the parsers receive it (its bytes and the names
//! messages show), and what a file that did not parse gives back: the
//! values `scan` hands to `parse_rust` and `parse_sql` and gets back.

use crate::error::{Error, Located, Location};

/// One file's bytes and names, as the parsers need them.
pub(crate) struct SourceFile {
    /// The path messages show: `migrations/1a2b_initial.rs`.
    pub display: String,
    /// The absolute path the generated code names.
    pub absolute: String,
    /// The name without `.rs`, `.up.sql` or `.down.sql`.
    pub stem: String,
    /// The folder as messages show it, for naming sibling files.
    pub expected_dir: String,
    pub bytes: Vec<u8>,
}

impl SourceFile {
    /// The file as text, without a leading BOM.
    pub fn text(&self) -> Result<&str, Error> {
        let bytes = self
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.bytes);
        std::str::from_utf8(bytes).map_err(|error| {
            let valid = &bytes[..error.valid_up_to()];
            // The prefix is valid UTF-8 by definition, so this never falls back.
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            Error::NotUtf8 {
                at: Location::new(&self.display, line, column),
            }
        })
    }

    /// Checks that the file name starts with the declared id, so that the
    /// folder listing sorts and reads like the graph. `extension` is `.rs` or
    /// `.up.sql`, for the suggested name.
    pub fn check_name(&self, id: &Located<String>, extension: &str) -> Option<Error> {
        let id_text = id.value.as_str();
        // An empty id gets its own error in validation; a rename hint to
        // `_slug.rs` would only add noise.
        if id_text.is_empty()
            || self.stem == id_text
            || self
                .stem
                .strip_prefix(id_text)
                .is_some_and(|rest| rest.starts_with('_'))
        {
            return None;
        }
        let (file_id, slug) = match self.stem.split_once('_') {
            Some((file_id, slug)) => (file_id, Some(slug)),
            None => (self.stem.as_str(), None),
        };
        let suggested = match slug {
            Some(slug) => format!("{id_text}_{slug}{extension}"),
            None => format!("{id_text}{extension}"),
        };
        Some(Error::FileNameMismatch {
            at: id.at.clone(),
            revision: id_text.to_owned(),
            file_id: file_id.to_owned(),
            suggested,
        })
    }

    /// A sibling file's path as messages show it.
    pub fn sibling(&self, name: &str) -> String {
        format!("{}/{name}", self.expected_dir)
    }
}

/// The errors of a file that did not parse, and its id if it could be read.
pub(crate) struct FileFailure {
    pub errors: Vec<Error>,
    pub revision: Option<String>,
}

impl From<Error> for FileFailure {
    fn from(error: Error) -> Self {
        Self {
            errors: vec![error],
            revision: None,
        }
    }
}
