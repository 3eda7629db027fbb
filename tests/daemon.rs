//! `serve` as a process: it answers /healthz on the web port with the database
//! status and each job's last and next run, and stops cleanly on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestDb, district, path};

fn get(port: u16, target: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_reports_its_health_and_stops_cleanly_on_sigterm() {
    let db = TestDb::sqlite();
    district(&db);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mail = db.dir.path().join("mail");
    let config = db.file(
        "serve.toml",
        format!(
            "[mail]\ndir = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            path(&mail)
        ),
    );
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_songjiao"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--database", &db.url, "--config", path(&config), "serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let response = loop {
        // Ready once the due jobs have run and the port answers.
        if let Some(response) = get(port, "/healthz")
            && response.contains("\"last_run\":{")
        {
            break response;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no /healthz");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = &response[response.find('{').unwrap()..];
    let health: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(health["database"], "ok");
    let jobs = health["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 5);
    assert!(jobs.iter().all(|j| j["next_run"].is_string()), "{health}");
    let drain = jobs.iter().find(|j| j["job"] == "drain_outbox").unwrap();
    assert_eq!(drain["last_run"]["outcome"], "succeeded", "{health}");

    let signalled = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = daemon.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
}
