//! SQL Server's errors as messages people can act on.
//!
//! tiberius's error types cannot be built outside tiberius, so each error is
//! first reduced to a [`Failure`]; everything that words a message works on
//! that and is tested on hand-made values.

use std::fmt;

use super::batch;
use super::transaction::Origin;
use crate::backend::{BackendError, StatementError, Unit};

/// What went wrong, as far as a message needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server refused something: an error token.
    Server(ServerError),
    /// The TLS handshake failed.
    Tls(String),
    /// The network failed (or a handshake timed out).
    Io { timed_out: bool, message: String },
    /// Anything else the driver reports (protocol, conversion…).
    Other(String),
}

/// An error token from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerError {
    /// The error number (`Msg` in SQL Server's tools).
    pub code: u32,
    pub state: u8,
    /// The severity (`Level`).
    pub class: u8,
    pub message: String,
    /// The procedure, function or trigger the error happened in; empty in a batch.
    pub procedure: String,
    /// The line in the batch, or in `procedure` when there is one; 0 when unknown.
    pub line: u32,
}

impl From<&tiberius::error::Error> for Failure {
    fn from(error: &tiberius::error::Error) -> Self {
        use tiberius::error::Error;
        match error {
            Error::Server(token) => Failure::Server(ServerError {
                code: token.code(),
                state: token.state(),
                class: token.class(),
                message: token.message().to_owned(),
                procedure: token.procedure().to_owned(),
                line: token.line(),
            }),
            Error::Tls(message) => Failure::Tls(message.clone()),
            Error::Io { kind, message } => Failure::Io {
                timed_out: *kind == std::io::ErrorKind::TimedOut,
                message: message.clone(),
            },
            other => Failure::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Server(error) => write!(
                f,
                "{} (error {}, state {}, severity {})",
                error.message.trim_end(),
                error.code,
                error.state,
                error.class
            ),
            Failure::Tls(message) => write!(f, "TLS failed: {}", tls_reason(message)),
            Failure::Io { message, .. } => write!(f, "network error: {message}"),
            Failure::Other(message) => f.write_str(message),
        }
    }
}

/// Whether the server refused a query because a table it reads does not
/// exist: error 208 on SQL Server; Babelfish answers with its catch-all
/// number and PostgreSQL's words.
pub(crate) fn is_missing_table(failure: &Failure) -> bool {
    match failure {
        Failure::Server(error) if error.code == 208 => true,
        Failure::Server(error) if error.code == BABELFISH_ANY => {
            error.message.starts_with("relation \"") && error.message.trim_end().ends_with("\" does not exist")
        }
        _ => false,
    }
}

/// The number Babelfish gives errors it has no SQL Server number for.
const BABELFISH_ANY: u32 = 33_557_097;

/// A `BackendError::Database` for a failed request of retort's own.
pub(crate) fn database_error(
    context: &'static str,
) -> impl Fn(tiberius::error::Error) -> BackendError {
    move |error| BackendError::Database {
        context,
        message: Failure::from(&error).to_string(),
    }
}

/// tiberius's TLS message, without its advice on tiberius's own API (the
/// connection error gives advice in terms of the connection string).
fn tls_reason(message: &str) -> &str {
    message
        .split(" To connect anyway")
        .next()
        .unwrap_or(message)
        .trim_end()
}

/// Words a failed connection attempt. `address` is `host:port`.
pub(crate) fn connect_message(
    failure: &Failure,
    address: &str,
    user: &str,
    database: Option<&str>,
) -> String {
    match failure {
        Failure::Server(error) if error.code == 18456 => format!(
            "login failed for user `{user}` (error 18456): check the user name and password, and that the server \
             accepts SQL Server logins (mixed-mode authentication)"
        ),
        // 4060 on SQL Server; Babelfish answers 911 at login.
        Failure::Server(error) if error.code == 4060 || error.code == 911 => {
            let database = database.unwrap_or("(the login's default)");
            format!(
                "cannot open database `{database}` (error {}): it does not exist, or `{user}` may not use it; \
                 create it first (CREATE DATABASE [{database}]) or fix the database name",
                error.code
            )
        }
        Failure::Server(error) => format!("the server refused the connection: {failure}{}", proc_suffix(error)),
        // rustls-webpki refuses a certificate marked as a CA (CA:TRUE) as the
        // server's own, even when the URL names it as the trusted CA: the
        // usual self-signed certificate made with `openssl req -x509`.
        Failure::Tls(message) if message.contains("CaUsedAsEndEntity") => format!(
            "the TLS handshake with {address} failed: the server presents a CA certificate (basicConstraints \
             CA:TRUE) as its own, which is refused even when it is the one given as the trusted CA \
             (ca_certificate / TrustServerCertificateCA). Issue the server a certificate signed by that CA (CA:FALSE, \
             its host names as subjectAltName), or, only on a network you trust, trust it with \
             trust_server_certificate=true ({})",
            tls_reason(message)
        ),
        // rustls-webpki: "certificate not valid for name \"h\"; certificate
        // is only valid for DnsName(\"other\")…".
        Failure::Tls(message) if message.contains("not valid for name") => {
            let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
            format!(
                "the TLS handshake with {address} failed: the server's certificate is not issued for `{host}` ({}). \
                 Connect with a host name the certificate names, have it reissued with `{host}` in its \
                 subjectAltName, or name the one it carries with hostname_in_certificate=<name> \
                 (HostNameInCertificate in an ADO.NET string)",
                tls_reason(message).trim_end_matches('.')
            )
        }
        Failure::Tls(message) => format!(
            "the TLS handshake with {address} failed: {}. A server with a self-signed certificate (the SQL Server \
             Docker image has one) can be trusted explicitly with trust_server_certificate=true in an mssql:// URL \
             (TrustServerCertificate=True in an ADO.NET string), only on a network you trust; or verify it with its \
             CA: ca_certificate=<file.pem>",
            tls_reason(message)
        ),
        Failure::Io { timed_out: true, .. } => format!(
            "{address} accepted the connection but the TLS handshake and login did not finish in time; is it a SQL \
             Server, and is it healthy?"
        ),
        Failure::Io { message, .. } => format!("the connection to {address} failed: {message}"),
        Failure::Other(message) => format!("the connection to {address} failed: {message}"),
    }
}

/// The message for a TCP connection that could not be made.
pub(crate) fn unreachable_message(address: &str, reason: &str) -> String {
    format!(
        "cannot reach {address}: {reason}. Is SQL Server running and listening on that TCP port? (A Docker \
         container needs `-p 1433:1433`.)"
    )
}

fn proc_suffix(error: &ServerError) -> String {
    match error.procedure.as_str() {
        "" => String::new(),
        procedure => format!(" in {procedure}"),
    }
}

/// The statement error of a failed user batch.
///
/// The server reports the line within the batch (batches start at line 1),
/// so the line within the unit is `origin.first_line - 1 + line`. An error
/// raised inside a procedure, function or trigger numbers lines within that
/// module instead: then the batch's first line is reported, and the module
/// and its line are named in the message.
pub(crate) fn statement_error(origin: &Origin, unit: &Unit, failure: &Failure) -> StatementError {
    let batch_start = match unit.first_line {
        Some(first) => format!("line {}", first + origin.first_line - 1),
        None => format!("line {} of {}", origin.first_line, unit.label),
    };
    let (line, sql, message, code) = match failure {
        Failure::Server(error) => {
            let in_module = !error.procedure.is_empty();
            let line = match (in_module, error.line) {
                (false, line) if line > 0 => origin.first_line + line - 1,
                _ => origin.first_line,
            };
            let sql = if in_module {
                origin.sql.as_str()
            } else {
                batch::statement_at_line(&origin.sql, error.line)
            };
            let whereabouts = if in_module {
                format!(
                    "in {} at its line {}, called from batch {} at {batch_start}",
                    error.procedure, error.line, origin.batch
                )
            } else {
                format!(
                    "batch {} starting at {batch_start}, line {} of the batch",
                    origin.batch, error.line
                )
            };
            let message = format!(
                "{} (state {}, severity {}; {whereabouts})",
                error.message.trim_end(),
                error.state,
                error.class
            );
            (line, sql, message, Some(error.code.to_string()))
        }
        other => (
            origin.first_line,
            origin.sql.as_str(),
            format!("{other} (batch {} starting at {batch_start})", origin.batch),
            None,
        ),
    };
    StatementError {
        unit: 0,
        statement: Some(origin.batch),
        line: Some(line),
        sql: sql.trim().to_owned(),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u32, line: u32, procedure: &str) -> Failure {
        Failure::Server(ServerError {
            code,
            state: 1,
            class: 16,
            message: "Invalid object name 'no_such_table'.".into(),
            procedure: procedure.into(),
            line,
        })
    }

    fn origin() -> Origin {
        Origin {
            batch: 2,
            first_line: 4,
            sql: "CREATE TABLE half (id int);\nINSERT INTO no_such_table (id) VALUES (1);\n".into(),
            on_error: retort_sql::OnError::Exit,
        }
    }

    fn unit() -> Unit {
        Unit {
            sql: String::new(),
            first_line: Some(1),
            label: "script".into(),
        }
    }

    #[test]
    fn statement_error_maps_the_server_line_into_the_unit() {
        let error = statement_error(&origin(), &unit(), &server(208, 2, ""));
        assert_eq!(error.statement, Some(2));
        assert_eq!(error.line, Some(5));
        assert_eq!(error.code.as_deref(), Some("208"));
        assert_eq!(error.sql, "INSERT INTO no_such_table (id) VALUES (1);");
        assert_eq!(
            error.message,
            "Invalid object name 'no_such_table'. (state 1, severity 16; batch 2 starting at line 4, line 2 of the batch)"
        );
    }

    #[test]
    fn statement_error_points_at_the_batch_when_error_is_inside_a_module() {
        let error = statement_error(&origin(), &unit(), &server(208, 12, "dbo.load_items"));
        assert_eq!(error.line, Some(4));
        assert!(
            error
                .message
                .contains("in dbo.load_items at its line 12, called from batch 2"),
            "{}",
            error.message
        );
    }

    #[test]
    fn statement_error_names_the_unit_when_it_has_no_file_line() {
        let unit = Unit {
            sql: String::new(),
            first_line: None,
            label: "operation 2 (execute)".into(),
        };
        let error = statement_error(&origin(), &unit, &Failure::Other("boom".into()));
        assert_eq!(error.code, None);
        assert_eq!(
            error.message,
            "boom (batch 2 starting at line 4 of operation 2 (execute))"
        );
    }

    #[test]
    fn connect_message_explains_login_database_tls_and_network_failures() {
        let login = connect_message(&server(18456, 1, ""), "h:1433", "sa", Some("app"));
        assert!(
            login.contains("login failed for user `sa` (error 18456)"),
            "{login}"
        );
        let database = connect_message(&server(4060, 1, ""), "h:1433", "sa", Some("app"));
        assert!(
            database.contains("cannot open database `app` (error 4060)"),
            "{database}"
        );
        let tls = connect_message(
            &Failure::Tls("the server's certificate was rejected: UnknownIssuer. To connect anyway you can: trust_cert()".into()),
            "h:1433",
            "sa",
            None,
        );
        assert!(
            tls.contains("rejected: UnknownIssuer.")
                && tls.contains("trust_server_certificate=true"),
            "{tls}"
        );
        assert!(!tls.contains("trust_cert()"), "{tls}");
        let slow = connect_message(
            &Failure::Io {
                timed_out: true,
                message: "timed out".into(),
            },
            "h:1433",
            "sa",
            None,
        );
        assert!(slow.contains("did not finish in time"), "{slow}");
        assert!(unreachable_message("h:1433", "Connection refused")
            .contains("cannot reach h:1433: Connection refused"));
    }

    #[test]
    fn is_missing_table_knows_both_servers_words_and_nothing_else() {
        let with = |code: u32, message: &str| {
            let Failure::Server(error) = server(code, 1, "") else { unreachable!("server() makes a server error") };
            Failure::Server(ServerError { message: message.into(), ..error })
        };
        assert!(is_missing_table(&with(208, "Invalid object name 'dbo.retort_history'.")));
        assert!(is_missing_table(&with(33_557_097, "relation \"app_dbo.retort_history\" does not exist")));
        assert!(!is_missing_table(&with(33_557_097, "column \"fingerprint\" does not exist")));
        assert!(!is_missing_table(&with(207, "Invalid column name 'fingerprint'.")));
    }

    #[test]
    fn failure_display_includes_number_state_and_severity() {
        assert_eq!(
            server(208, 2, "").to_string(),
            "Invalid object name 'no_such_table'. (error 208, state 1, severity 16)"
        );
    }
}
