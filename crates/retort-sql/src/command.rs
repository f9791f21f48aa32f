//! `sqlcmd`'s command lines read one at a time: which lines are commands
//! and what each says. The splitter ([`crate::Lexed::batches`]) asks this
//! module about each line; [`crate::sqlcmd`] reads whole scripts (their
//! `:setvar`s, their `$(NAME)` uses) through the splitter, and re-exports
//! what is here, so the two never import each other.

/// What `:on error` says to do when a batch fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Stop the script (`sqlcmd`'s default).
    #[default]
    Exit,
    /// Report the failure and go on with the next batch.
    Ignore,
}

/// One `sqlcmd` command line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:setvar NAME value`.
    SetVar { name: String, value: String },
    /// `:r path`: the file's text in place of the line.
    Include { path: String },
    /// `:on error exit|ignore`.
    OnError(OnError),
    /// Any other command, as its first word (`:connect`, `!!`).
    Unsupported { command: String },
}

/// Whether the text of a line (from its first non-blank character) is a
/// `sqlcmd` command line. The caller knows the line starts outside any
/// literal or comment.
pub(crate) fn is_command_line(from_first: &str) -> bool {
    let mut chars = from_first.chars();
    match (chars.next(), chars.next()) {
        (Some(':'), Some(letter)) => letter.is_ascii_alphabetic(),
        (Some('!'), Some('!')) => true,
        _ => false,
    }
}

/// Reads a command line (its blanks and line break may be included).
/// An error says what is wrong with a known command's arguments.
pub fn parse_command(line: &str) -> Result<Command, String> {
    let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if line.starts_with("!!") {
        return Ok(Command::Unsupported { command: "!!".to_owned() });
    }
    let (word, rest) = line.split_once(|c: char| c.is_whitespace()).unwrap_or((line, ""));
    let rest = rest.trim();
    match word.to_ascii_lowercase().as_str() {
        ":setvar" => {
            let (name, value) = rest.split_once(|c: char| c.is_whitespace()).unwrap_or((rest, ""));
            if !is_name(name) {
                return Err(format!(
                    "`:setvar` needs a variable name of letters, digits, `_` or `-` (not starting with a digit), found {name:?}"
                ));
            }
            let value = argument(value.trim()).map_err(|problem| format!("`:setvar {name}`: {problem}"))?;
            Ok(Command::SetVar { name: name.to_owned(), value })
        }
        ":r" => {
            let path = argument(rest).map_err(|problem| format!("`:r`: {problem}"))?;
            Ok(Command::Include { path })
        }
        ":on" => {
            let words: Vec<String> = rest.split_whitespace().map(str::to_ascii_lowercase).collect();
            match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["error", "exit"] => Ok(Command::OnError(OnError::Exit)),
                ["error", "ignore"] => Ok(Command::OnError(OnError::Ignore)),
                _ => Err(format!("`:on error` takes `exit` or `ignore`, found `:on {rest}`")),
            }
        }
        _ => Ok(Command::Unsupported { command: word.to_owned() }),
    }
}

/// A command's one argument: a word without blanks, or a `"…"` string with
/// `""` for a quote.
fn argument(text: &str) -> Result<String, String> {
    let Some(quoted) = text.strip_prefix('"') else {
        return match text {
            "" => Err("a value is missing".to_owned()),
            _ if text.contains(char::is_whitespace) => {
                Err(format!("the value {text:?} has blanks: put it in double quotes"))
            }
            _ => Ok(text.to_owned()),
        };
    };
    let mut value = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.as_str().starts_with('"') => {
                value.push('"');
                chars.next();
            }
            '"' if chars.as_str().trim().is_empty() => return Ok(value),
            '"' => return Err(format!("text after the closing quote: {:?}", chars.as_str().trim())),
            c => value.push(c),
        }
    }
    Err("the double quote is never closed".to_owned())
}

/// Whether `name` can be a variable's name: letters, digits, `_` and `-`,
/// not starting with a digit or `-`.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
