//! Connecting to SQL Server when it goes wrong before any server is
//! involved: these run everywhere, against stand-ins on the loopback
//! interface (a closed port, a listener that hangs up, one that never
//! answers). Every message must say what happened without the password.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use retort::{BackendError, DatabaseUrl, Dialect, UrlError};

const PASSWORD: &str = "Sup3r-S3cret";

/// A port on the loopback interface with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

async fn connect_error(url: &str) -> String {
    let url = DatabaseUrl::parse(url).expect("a SQL Server URL");
    assert_eq!(url.dialect(), Dialect::Mssql);
    match retort::connect(&url).await {
        Ok(_) => panic!("nothing at {url} can accept a login"),
        Err(error) => {
            assert!(matches!(error, BackendError::Connect { .. }), "{error:?}");
            let text = error.to_string();
            assert!(!text.contains(PASSWORD), "the password leaked: {text}");
            // Shown with --nocapture, to read the messages as a user would.
            println!("{text}");
            text
        }
    }
}

#[tokio::test]
async fn connect_names_the_address_when_nothing_listens() {
    let port = closed_port();
    for url in [
        format!("mssql://sa:{PASSWORD}@127.0.0.1:{port}/app"),
        format!("Server=tcp:127.0.0.1,{port};Database=app;User Id=sa;Password={PASSWORD};TrustServerCertificate=True"),
    ] {
        let text = connect_error(&url).await;
        assert!(text.contains(&format!("cannot reach 127.0.0.1:{port}")), "{text}");
        assert!(text.contains("mssql://sa@127.0.0.1"), "the URL without its password: {text}");
    }
}

#[tokio::test]
async fn connect_reports_a_server_that_hangs_up() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // Accept one connection and close it at once, like a port that is
        // not SQL Server's.
        let _ = listener.accept();
    });
    let text = connect_error(&format!(
        "mssql://sa:{PASSWORD}@127.0.0.1:{port}/app?trust_server_certificate=true"
    ))
    .await;
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    server.join().unwrap();
}

#[tokio::test]
async fn connect_gives_up_on_a_server_that_never_answers() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // Hold the connection open without a word for longer than the
        // client's one-second connect timeout, then go away.
        let accepted = listener.accept();
        std::thread::sleep(Duration::from_secs(3));
        drop(accepted);
    });
    let started = Instant::now();
    let text = connect_error(&format!(
        "mssql://sa:{PASSWORD}@127.0.0.1:{port}/app?connect_timeout=1&encrypt=false"
    ))
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the timeout applies: {:?}",
        started.elapsed()
    );
    assert!(text.contains("did not finish in time"), "{text}");
    server.join().unwrap();
}

#[tokio::test]
async fn malformed_connection_strings_are_refused_without_the_password() {
    for (raw, expected) in [
        (
            format!("Server=db;User Id=sa;Password='{PASSWORD}"),
            "has no closing '",
        ),
        (
            format!("Server=db;User Id=sa;Password={PASSWORD};Integrated Security=true"),
            "Windows (integrated) authentication",
        ),
        (
            format!("mssql://sa:{PASSWORD}@db/app?trustservercertficate=true"),
            "unknown setting `trustservercertficate`",
        ),
        (
            format!("mssql://sa:{PASSWORD}@db/app?encrypt=strict"),
            "Encrypt=Strict",
        ),
    ] {
        // Both forms are read when parsed, before anything connects.
        let error = DatabaseUrl::parse(&raw).expect_err("refused when parsed");
        let text = error.to_string();
        assert!(matches!(error, UrlError::Invalid { .. }), "{error:?}");
        assert!(text.contains(expected), "{raw}: {text}");
        assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    }
}
