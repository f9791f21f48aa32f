//! Every command that a message of retort tells a person to run exists in
//! the xtask that `retort init` writes: each hint of `retort::hint` and
//! `retort_build::hint` is parsed with that xtask's own clap tree (the
//! root's `xtask/src/flags.rs`, which `tests/init.rs` keeps identical to
//! what init writes), and no other source file of the two crates spells out
//! a `cargo xtask` command, so a hint cannot be written past the lists.

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};

// The root's xtask declarations, compiled here as they are there (its
// `bench` module is what `flags.rs` names for the sample-only command).
#[allow(dead_code)]
#[path = "../../../xtask/src/bench.rs"]
mod bench;
#[path = "../../../xtask/src/flags.rs"]
mod flags;

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `arguments` as a shell would pass them, each `<placeholder>` filled with
/// a revision id (which every placeholder accepts).
fn words(arguments: &str) -> Vec<String> {
    let mut filled = String::new();
    let mut rest = arguments;
    while let Some(open) = rest.find('<') {
        filled.push_str(&rest[..open]);
        let close = rest[open..].find('>').map_or(rest.len(), |at| open + at + 1);
        filled.push_str("abcd");
        rest = &rest[close..];
    }
    filled.push_str(rest);
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for character in filled.chars() {
        match character {
            '"' => quoted = !quoted,
            ' ' if !quoted => words.extend((!word.is_empty()).then(|| std::mem::take(&mut word))),
            other => word.push(other),
        }
    }
    words.extend((!word.is_empty()).then_some(word));
    words
}

/// Parses `arguments` as `cargo xtask <arguments>`; a command only the
/// sample's xtask has (its seed data, retort's benchmark) does not count.
fn parse(arguments: &str) -> Result<(), clap::Error> {
    let xtask = flags::Xtask::try_parse_from(std::iter::once("cargo xtask".to_owned()).chain(words(arguments)))?;
    match xtask.command {
        flags::Command::Seed(_) | flags::Command::Bench(_) => Err(clap::Error::raw(
            clap::error::ErrorKind::InvalidSubcommand,
            "names a command that only the sample's xtask has, not the one `retort init` writes",
        )),
        _ => Ok(()),
    }
}

#[test]
fn every_hint_is_a_command_of_the_scaffolded_xtask() {
    let mut wrong = Vec::new();
    for hint in retort::hint::ALL {
        match (parse(hint.arguments()), hint.complete()) {
            (Ok(()), true) => {}
            // A hint that names a command leaves out only required arguments.
            (Err(error), false) if error.kind() == clap::error::ErrorKind::MissingRequiredArgument => {}
            (Ok(()), false) => wrong.push(format!("`{hint}` is marked partial but is a whole command line")),
            (Err(error), _) => wrong.push(format!("`{hint}`: {error}")),
        }
    }
    for hint in retort_build::hint::ALL {
        let arguments = hint.strip_prefix("cargo xtask ").unwrap_or(hint);
        if let Err(error) = parse(arguments) {
            wrong.push(format!("`{hint}`: {error}"));
        }
    }
    assert!(wrong.is_empty(), "hints that name no command of the xtask:\n{}", wrong.join("\n"));
}

#[test]
fn words_fill_placeholders_and_keep_quoted_words_whole() {
    assert_eq!(words("merge -m \"merge heads\""), ["merge", "-m", "merge heads"]);
    assert_eq!(
        words("migrate stamp <revision> --verify --database-url <the source>"),
        ["migrate", "stamp", "abcd", "--verify", "--database-url", "abcd"]
    );
    assert_eq!(words("migrate downgrade <revision>-1"), ["migrate", "downgrade", "abcd-1"]);
    // What the test rests on: a command that does not exist fails to parse.
    assert!(parse("history").is_err());
    assert!(parse("migrate downgrade").is_err());
    assert!(parse("seed").is_err());
    assert!(parse("migrate history").is_ok());
}

#[test]
fn migrate_help_lists_every_migrate_command() {
    let xtask = flags::Xtask::command();
    let migrate = xtask.find_subcommand("migrate").expect("the xtask has `migrate`");
    let about = migrate.get_about().map(ToString::to_string).unwrap_or_default();
    let listed: Vec<&str> = about
        .split_once('(')
        .and_then(|(_, list)| list.split_once(')'))
        .map(|(list, _)| list.split(", ").collect())
        .unwrap_or_default();
    let commands: Vec<&str> = migrate.get_subcommands().map(|command| command.get_name()).filter(|name| *name != "help").collect();
    assert_eq!(listed, commands, "the help of `migrate` lists its commands, in order: {about}");
}

/// The lines of `text` that run in the library, not its unit tests: up to a
/// `#[cfg(test)]` that opens `mod tests`, without `//` comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|pair| pair[0] == "#[cfg(test)]" && pair[1].starts_with("mod tests"))
        .unwrap_or(lines.len());
    lines.into_iter().enumerate().take(end).filter(|(_, line)| !line.trim_start().starts_with("//")).map(|(n, line)| (n + 1, line))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_message_spells_out_a_command_outside_the_hint_lists() {
    let checkout = checkout();
    let mut files = Vec::new();
    for crate_dir in ["crates/retort/src", "crates/retort-build/src"] {
        rust_files(&checkout.join(crate_dir), &mut files);
    }
    assert!(files.len() > 50, "found the sources: {}", files.len());
    let mut found = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        if name == "hint.rs" || name == "tests.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (number, line) in code_lines(&text) {
            if line.contains("cargo xtask") {
                found.push(format!("{}:{number}: {}", file.strip_prefix(&checkout).unwrap_or(&file).display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "commands written out instead of taken from retort::hint or retort_build::hint:\n{}",
        found.join("\n")
    );
}
