//! retort's SQL lexer: tokens, statements, T-SQL batches.
//!
//! One reading of SQL text for everything retort asks of it: the runtime
//! (statements sent one by one, `GO` batches online and in offline scripts,
//! introspection, the read-only check, SQLite's table rebuilds), the linter
//! and the build script. It is sqlparser's tokenizer in each dialect's
//! flavour ([`Dialect`]), made to read any text ([`Lexed`]), with byte
//! ranges and lines on every token; statements ([`Lexed::statements`]),
//! T-SQL's `GO` batches ([`Lexed::batches`]) and segments
//! ([`Lexed::segments`]) are cut from those tokens, never from the text.
//!
//! ```
//! use retort_sql::{Dialect, Lexed};
//! let script = "CREATE TABLE t (id int);\n-- two\nINSERT INTO t VALUES (';');\n";
//! let lexed = Lexed::new(Dialect::Sqlite, script);
//! let lines: Vec<u32> = lexed.statements().iter().map(|s| s.line).collect();
//! assert_eq!(lines, [1, 3]);
//! ```

mod batch;
mod command;
pub mod sqlcmd;
mod dialect;
mod lexer;
mod module;
mod read;
mod segment;
mod statement;
pub mod tsql;

pub use batch::{Batch, LineKind, ScriptLine};
pub use sqlcmd::{Command, OnError};
pub use dialect::Dialect;
pub use lexer::{line_at, same_code, significant_tokens, Lexed, Token, Unclosed, Unreadable};
pub use module::{module_file_name, module_header, module_name_of_file, HeaderProblem, ModuleHeader, ModuleKind};
pub use read::reads_only;
pub use segment::Kind;
pub use statement::Statement;
/// sqlparser's token, which [`Token::token`] holds.
pub use sqlparser::tokenizer::{Token as SqlToken, Whitespace, Word};
