//! `new-revision` and `merge`: writing revision files that fit the graph.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use retort_build::RevisionSpec;

use super::Project;
use crate::{Migrations, Revision, RevisionGraph};

/// `new-revision -m "…"`: write a new revision on top of the current head.
#[derive(Debug, clap::Args)]
pub struct NewRevisionArgs {
    /// The revision's one-line message.
    #[arg(short, long)]
    pub message: String,
    /// Write an SQL revision (`.up.sql` + `.down.sql`) instead of a Rust one.
    #[arg(long)]
    pub sql: bool,
    /// The parent revision (id or prefix), when the graph has several heads
    /// or to start a branch from an older revision.
    #[arg(long)]
    pub head: Option<String>,
    /// Declare the new revision the start of a named branch.
    #[arg(long = "branch-label")]
    pub branch_labels: Vec<String>,
    /// Revisions that must be applied first without being parents.
    #[arg(long = "depends-on")]
    pub depends_on: Vec<String>,
}

/// `merge -m "…" [REVS…]`: join heads into one.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The merge revision's message.
    #[arg(short, long, default_value = "merge heads")]
    pub message: String,
    /// The heads to merge (ids or prefixes); all heads when none are given.
    pub revisions: Vec<String>,
    /// Write an SQL revision instead of a Rust one.
    #[arg(long)]
    pub sql: bool,
}

/// Why a revision file cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthoringError {
    #[error(
        "the graph has several heads: {}; pass --head <rev> to choose the parent, \
         or merge them first with `cargo xtask merge -m \"merge heads\"`",
        heads.join(", ")
    )]
    SeveralHeads { heads: Vec<String> },
    #[error("{0}")]
    Graph(#[from] crate::GraphError),
    #[error("there is only one head ({head}); nothing to merge")]
    NothingToMerge { head: String },
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error("cannot draw a fresh revision id from the OS: {0}")]
    Random(String),
    #[error("the message is empty: say what the revision does, e.g. -m \"add phone number to users\"")]
    EmptyMessage,
}

/// Writes a new revision and prints its path.
pub fn new_revision(migrations: &'static Migrations, project: &Project, args: NewRevisionArgs) -> ExitCode {
    finish(write_new_revision(migrations, project, &args))
}

/// Writes a merge revision and prints its path.
pub fn merge(migrations: &'static Migrations, project: &Project, args: MergeArgs) -> ExitCode {
    finish(write_merge(migrations, project, &args))
}

fn finish(result: Result<Vec<PathBuf>, AuthoringError>) -> ExitCode {
    let code = match result {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    };
    super::output::finish(code)
}

pub(crate) fn write_new_revision(
    migrations: &'static Migrations,
    project: &Project,
    args: &NewRevisionArgs,
) -> Result<Vec<PathBuf>, AuthoringError> {
    let graph = RevisionGraph::new(migrations);
    let parents = match &args.head {
        Some(head) => vec![graph.find(head)?.id.to_owned()],
        None => match graph.heads().as_slice() {
            [] => Vec::new(),
            [head] => vec![head.id.to_owned()],
            several => return Err(AuthoringError::SeveralHeads { heads: describe(several) }),
        },
    };
    let depends_on = args
        .depends_on
        .iter()
        .map(|rev| graph.find(rev).map(|r| r.id.to_owned()))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = RevisionSpec {
        id: fresh_id(migrations)?,
        parents,
        message: message(&args.message)?,
        branch_labels: args.branch_labels.clone(),
        depends_on,
    };
    write(project, &spec, args.sql)
}

pub(crate) fn write_merge(
    migrations: &'static Migrations,
    project: &Project,
    args: &MergeArgs,
) -> Result<Vec<PathBuf>, AuthoringError> {
    let graph = RevisionGraph::new(migrations);
    let parents: Vec<String> = if args.revisions.is_empty() {
        graph.heads().iter().map(|r| r.id.to_owned()).collect()
    } else {
        args.revisions.iter().map(|rev| graph.find(rev).map(|r| r.id.to_owned())).collect::<Result<_, _>>()?
    };
    if parents.len() < 2 {
        return Err(AuthoringError::NothingToMerge { head: parents.join(", ") });
    }
    let spec = RevisionSpec { id: fresh_id(migrations)?, parents, message: message(&args.message)?, ..Default::default() };
    write(project, &spec, args.sql)
}

fn write(project: &Project, spec: &RevisionSpec, sql: bool) -> Result<Vec<PathBuf>, AuthoringError> {
    let dir = project.root.join("migrations");
    std::fs::create_dir_all(&dir).map_err(|e| write_error(&dir, e))?;
    let stem = format!("{}_{}", spec.id, retort_build::slug(&spec.message));
    let files = if sql {
        let (up, down) = retort_build::sql_revision(spec);
        vec![(dir.join(format!("{stem}.up.sql")), up), (dir.join(format!("{stem}.down.sql")), down)]
    } else {
        vec![(dir.join(format!("{stem}.rs")), retort_build::rust_revision(spec))]
    };
    for (path, text) in &files {
        // create_new: never overwrite, even on the astronomically unlikely id clash.
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| write_error(path, e))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| write_error(path, e))?;
    }
    Ok(files.into_iter().map(|(path, _)| relative(project, path)).collect())
}

pub(super) fn relative(project: &Project, path: PathBuf) -> PathBuf {
    path.strip_prefix(&project.root).map(Path::to_path_buf).unwrap_or(path)
}

pub(super) fn write_error(path: &Path, error: std::io::Error) -> AuthoringError {
    AuthoringError::Write { path: path.display().to_string(), message: error.to_string() }
}

pub(super) fn message(text: &str) -> Result<String, AuthoringError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AuthoringError::EmptyMessage);
    }
    Ok(text.replace(['\n', '\r'], " "))
}

fn describe(revisions: &[&'static Revision]) -> Vec<String> {
    revisions.iter().map(|r| format!("{} ({}, {})", r.id, r.message, r.source)).collect()
}

/// 48 random bits as 12 hex digits, like Alembic's ids: two developers
/// creating revisions on two branches do not collide, and no id is reused.
fn fresh_id(migrations: &Migrations) -> Result<String, AuthoringError> {
    let ids: Vec<&str> = migrations.revisions().iter().map(|r| r.id).collect();
    fresh_id_among(&ids)
}

/// A fresh id whose first four characters start none of `ids`.
pub(super) fn fresh_id_among(ids: &[&str]) -> Result<String, AuthoringError> {
    loop {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).map_err(|e| AuthoringError::Random(e.to_string()))?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // A prefix clash would make the new id ambiguous as a 4-character target.
        if ids.iter().all(|other| !other.starts_with(&id[..4])) {
            return Ok(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::fixtures::rev;


    static TWO_HEADS: Migrations = Migrations::new(&[rev("aaaa0000", &[]), rev("bbbb0000", &["aaaa0000"]), rev("cccc0000", &["aaaa0000"])]);

    fn args(message: &str) -> NewRevisionArgs {
        NewRevisionArgs { message: message.into(), sql: false, head: None, branch_labels: vec![], depends_on: vec![] }
    }

    #[test]
    fn new_revision_fails_listing_heads_when_graph_has_several() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_new_revision(&TWO_HEADS, &Project::new(dir.path()), &args("x")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("bbbb0000") && text.contains("cccc0000") && text.contains("--head"), "{text}");
        assert!(!dir.path().join("migrations").exists() || std::fs::read_dir(dir.path().join("migrations")).unwrap().next().is_none());
    }

    #[test]
    fn new_revision_writes_a_child_of_the_chosen_head_when_head_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_new_revision(&TWO_HEADS, &Project::new(dir.path()), &NewRevisionArgs { head: Some("cccc".into()), ..args("Add phone number") }).unwrap();
        let text = std::fs::read_to_string(dir.path().join(&paths[0])).unwrap();
        assert!(paths[0].to_string_lossy().ends_with("_add_phone_number.rs"), "{paths:?}");
        assert!(text.contains(r#"pub const PARENTS: &[&str] = &["cccc0000"];"#), "{text}");
    }

    #[test]
    fn merge_joins_every_head_when_no_revision_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_merge(&TWO_HEADS, &Project::new(dir.path()), &MergeArgs { message: "merge heads".into(), revisions: vec![], sql: true }).unwrap();
        assert_eq!(paths.len(), 2);
        let up = std::fs::read_to_string(dir.path().join(&paths[0])).unwrap();
        assert!(up.contains("-- parents: bbbb0000 cccc0000"), "{up}");
    }

    #[test]
    fn fresh_id_is_twelve_hex_digits_when_drawn() {
        let id = fresh_id(&TWO_HEADS).unwrap();
        assert_eq!(id.len(), 12);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
