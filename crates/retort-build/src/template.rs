//! The files `new-revision` and `merge` write: a Rust revision formatted with
//! prettyplease, or an SQL revision's pair of scripts.

use quote::quote;

/// What a new revision declares.
#[derive(Debug, Clone, Default)]
pub struct RevisionSpec {
    pub id: String,
    pub parents: Vec<String>,
    pub message: String,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
}

/// The source of a new Rust revision, formatted like hand-written code.
pub fn rust_revision(spec: &RevisionSpec) -> String {
    let RevisionSpec { id, parents, message, branch_labels, depends_on } = spec;
    let summary = format!(" {}", capitalised(message));
    let labels = (!branch_labels.is_empty()).then(|| quote! { pub const BRANCH_LABELS: &[&str] = &[#(#branch_labels),*]; });
    let depends = (!depends_on.is_empty()).then(|| quote! { pub const DEPENDS_ON: &[&str] = &[#(#depends_on),*]; });
    let is_merge = parents.len() > 1;
    let upgrade_doc = if is_merge {
        " A merge joins its parents; it usually records nothing."
    } else {
        " Records the operations that apply this revision: `op.create_table(…)`, `op.add_column(…)`, `op.execute(…)`."
    };
    let downgrade_doc = " Records the operations that undo `upgrade`, in reverse order.";
    let file: syn::File = syn::parse_quote! {
        #![doc = #summary]
        use retort::Operations;

        pub const REVISION: &str = #id;
        pub const PARENTS: &[&str] = &[#(#parents),*];
        pub const MESSAGE: &str = #message;
        #labels
        #depends

        #[doc = #upgrade_doc]
        pub fn upgrade(op: &mut Operations) {
            let _ = op;
        }

        #[doc = #downgrade_doc]
        pub fn downgrade(op: &mut Operations) {
            let _ = op;
        }
    };
    spaced(&prettyplease::unparse(&file))
}

/// The source of a Rust revision whose `upgrade` (and, when given,
/// `downgrade`) record the operations in `upgrade` and `downgrade`:
/// statements on `op` such as `op.create_table("users", |t| { … });`, as
/// `retort::codegen` builds them for `baseline` and `new-revision
/// --autogenerate`. Formatted with prettyplease like [`rust_revision`];
/// `header` lines become `//` comments at the top of the file (say where
/// the revision came from there, never a password). Without a downgrade
/// the file has no `downgrade` function, so retort derives one.
pub fn rust_revision_with(
    spec: &RevisionSpec,
    header: &[String],
    upgrade: proc_macro2::TokenStream,
    downgrade: Option<proc_macro2::TokenStream>,
) -> String {
    let RevisionSpec { id, parents, message, branch_labels, depends_on } = spec;
    let summary = format!(" {}", capitalised(message));
    let labels = (!branch_labels.is_empty()).then(|| quote! { pub const BRANCH_LABELS: &[&str] = &[#(#branch_labels),*]; });
    let depends = (!depends_on.is_empty()).then(|| quote! { pub const DEPENDS_ON: &[&str] = &[#(#depends_on),*]; });
    let downgrade = downgrade.map(|body| {
        quote! {
            #[doc = " Undoes `upgrade`, in reverse order."]
            pub fn downgrade(op: &mut Operations) {
                #body
            }
        }
    });
    let file: syn::File = syn::parse_quote! {
        #![doc = #summary]
        use retort::op::*;

        pub const REVISION: &str = #id;
        pub const PARENTS: &[&str] = &[#(#parents),*];
        pub const MESSAGE: &str = #message;
        #labels
        #depends

        #[doc = " Records the operations that apply this revision."]
        pub fn upgrade(op: &mut Operations) {
            #upgrade
        }

        #downgrade
    };
    let mut text = String::new();
    for line in header {
        let line = line.trim_end();
        text.push_str(if line.is_empty() { "//" } else { "// " });
        text.push_str(line);
        text.push('\n');
    }
    if !header.is_empty() {
        text.push('\n');
    }
    text.push_str(&spaced(&trailing_closures(&prettyplease::unparse(&file))));
    text
}

/// prettyplease gives a call whose last argument is a block closure one
/// line per argument; a person (and rustfmt) writes the short arguments on
/// the call's line and the closure's body below it:
/// `op.create_table("users", |t| {` … `});`.
fn trailing_closures(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        let inner = indent(line) + 4;
        let opens = line.ends_with('(') && !line.trim_start().starts_with("//");
        // The short arguments, then the `|t| {` line.
        let mut next = at + 1;
        let mut arguments = Vec::new();
        while opens && next < lines.len() && indent(lines[next]) == inner && lines[next].ends_with(',') && !lines[next].contains('{') {
            arguments.push(lines[next].trim());
            next += 1;
        }
        let closure = opens && next < lines.len() && indent(lines[next]) == inner && lines[next].trim_start().starts_with('|') && lines[next].ends_with('{');
        let end = (next + 1..lines.len()).find(|&end| indent(lines[end]) <= inner && !lines[end].trim().is_empty());
        let closes = end.is_some_and(|end| {
            lines[end].trim() == "}," && indent(lines[end]) == inner && lines.get(end + 1).is_some_and(|l| l.trim() == ");" && indent(l) == inner - 4)
        });
        match end {
            Some(end) if closure && closes => {
                out.push(format!("{line}{} {}", arguments.join(" "), lines[next].trim()));
                for body in &lines[next + 1..end] {
                    out.push(body.strip_prefix("    ").unwrap_or(body).to_owned());
                }
                out.push(format!("{}}});", " ".repeat(inner - 4)));
                at = end + 2;
            }
            _ => {
                out.push(line.to_owned());
                at += 1;
            }
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// prettyplease puts items on consecutive lines; a person leaves a blank line
/// after the imports, after the constants and between functions.
fn spaced(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 64);
    let mut previous = "";
    for line in source.lines() {
        let starts_item = line.starts_with("pub const") || line.starts_with("///") || line.starts_with("pub fn");
        let previous_groups = previous.starts_with("use ") || previous == "}" || previous.starts_with("//!");
        let leaves_constants = previous.starts_with("pub const") && !line.starts_with("pub const");
        if (starts_item && previous_groups) || leaves_constants {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// The up and down scripts of a new SQL revision.
pub fn sql_revision(spec: &RevisionSpec) -> (String, String) {
    let mut up = format!(
        "-- revision: {}\n-- parents: {}\n-- message: {}\n",
        spec.id,
        spec.parents.join(" "),
        spec.message.replace('\n', " ")
    );
    if !spec.branch_labels.is_empty() {
        up.push_str(&format!("-- branch-labels: {}\n", spec.branch_labels.join(" ")));
    }
    if !spec.depends_on.is_empty() {
        up.push_str(&format!("-- depends-on: {}\n", spec.depends_on.join(" ")));
    }
    up.push_str("\n-- The statements that apply this revision.\n");
    let down = format!("-- Undoes {}: the statements that reverse the up script, in reverse order.\n", spec.id);
    (up, down)
}

/// A file-name slug: lowercase ASCII words joined by `_`, at most 40 characters.
pub fn slug(message: &str) -> String {
    let mut slug = String::new();
    for word in message.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if slug.len() + word.len() + 1 > 40 {
            break;
        }
        if !slug.is_empty() {
            slug.push('_');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        slug.push_str("revision");
    }
    slug
}

fn capitalised(message: &str) -> String {
    let mut chars = message.trim().chars();
    match chars.next() {
        Some(first) => {
            let mut text: String = first.to_uppercase().chain(chars).collect();
            if !text.ends_with('.') {
                text.push('.');
            }
            text
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RevisionSpec {
        RevisionSpec {
            id: "4c1d2e3f5a6b".into(),
            parents: vec!["1a2b3c4d5e6f".into()],
            message: "add phone number to users".into(),
            ..RevisionSpec::default()
        }
    }

    #[test]
    fn rust_revision_reads_like_hand_written_code_when_generated() {
        insta::assert_snapshot!(rust_revision(&spec()), @r#"
        //! Add phone number to users.
        use retort::Operations;

        pub const REVISION: &str = "4c1d2e3f5a6b";
        pub const PARENTS: &[&str] = &["1a2b3c4d5e6f"];
        pub const MESSAGE: &str = "add phone number to users";

        /// Records the operations that apply this revision: `op.create_table(…)`, `op.add_column(…)`, `op.execute(…)`.
        pub fn upgrade(op: &mut Operations) {
            let _ = op;
        }

        /// Records the operations that undo `upgrade`, in reverse order.
        pub fn downgrade(op: &mut Operations) {
            let _ = op;
        }
        "#);
    }

    #[test]
    fn rust_revision_parses_back_when_it_is_a_merge_with_labels() {
        let spec = RevisionSpec {
            parents: vec!["aaaa1111".into(), "bbbb2222".into()],
            branch_labels: vec!["billing".into()],
            depends_on: vec!["cccc3333".into()],
            ..spec()
        };
        let source = rust_revision(&spec);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        std::fs::write(dir.path().join("migrations/4c1d2e3f5a6b_merge.rs"), &source).unwrap();
        let scanned = crate::scan(dir.path(), std::path::Path::new("migrations"));
        assert!(scanned.errors.is_empty(), "{source}\n{:?}", scanned.errors);
        assert_eq!(scanned.revisions.len(), 1);
        assert_eq!(scanned.revisions[0].parents.len(), 2);
    }

    #[test]
    fn rust_revision_with_puts_header_comments_and_bodies_in_place_when_given() {
        let spec = RevisionSpec { id: "0a1b2c3d4e5f".into(), message: "baseline".into(), ..RevisionSpec::default() };
        let upgrade = quote! { op.execute("CREATE TABLE t (id int)"); };
        let downgrade = quote! { op.drop_table("t"); };
        let header = ["Baselined from db at 2026-01-01.".to_owned(), String::new(), "No password here.".to_owned()];
        insta::assert_snapshot!(rust_revision_with(&spec, &header, upgrade, Some(downgrade)), @r#"
        // Baselined from db at 2026-01-01.
        //
        // No password here.

        //! Baseline.
        use retort::op::*;

        pub const REVISION: &str = "0a1b2c3d4e5f";
        pub const PARENTS: &[&str] = &[];
        pub const MESSAGE: &str = "baseline";

        /// Records the operations that apply this revision.
        pub fn upgrade(op: &mut Operations) {
            op.execute("CREATE TABLE t (id int)");
        }

        /// Undoes `upgrade`, in reverse order.
        pub fn downgrade(op: &mut Operations) {
            op.drop_table("t");
        }
        "#);
    }

    #[test]
    fn slug_keeps_ascii_words_when_message_has_punctuation() {
        assert_eq!(slug("Add phone number, to users!"), "add_phone_number_to_users");
        assert_eq!(slug("é"), "revision");
    }
}
