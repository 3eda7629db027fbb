//! Sending through a real SMTP server (Python's aiosmtpd, started for the test):
//! Chinese subjects and bodies arrive intact, and while the server is down messages
//! wait, then go out once when it is back.

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::mail::{SmtpServer, date_subject_text, free_port, start_python};
use common::{TestDb, district, path};

fn smtp_config(db: &TestDb, port: u16) -> PathBuf {
    db.file(
        "smtp.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\nfrom = \"送教平台 <songjiao@example.org>\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\ntimeout_seconds = 5\n"
        ),
    )
}

#[test]
fn messages_wait_while_the_server_is_down_and_go_out_once_when_it_is_back() {
    let db = TestDb::sqlite();
    district(&db);
    let port = free_port();
    let config = smtp_config(&db, port);
    let config = path(&config);
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);

    // Nobody listens yet: both messages wait for a retry.
    let down = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "outbox",
        "send",
    ]);
    assert!(down.contains("已发送 0，待重试 2"), "{down}");
    let queued = db.json(&["outbox", "list", "--format", "json"]);
    assert!(
        queued[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("SMTP 127.0.0.1"),
        "{queued:#}"
    );

    let server = SmtpServer::start(port, &db.dir.path().join("received"));
    // Before the retry time nothing is tried; five minutes later, everything goes.
    let early = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27T01:01:00Z",
        "outbox",
        "send",
    ]);
    assert!(early.contains("已发送 0，"), "{early}");
    let later = "2026-11-27T01:10:00Z";
    let back = db.ok(&["--config", config, "--as-of", later, "outbox", "send"]);
    assert!(back.contains("已发送 2，"), "{back}");
    let again = db.ok(&["--config", config, "--as-of", later, "outbox", "send"]);
    assert!(again.contains("已发送 0，"), "{again}");
    let received = server.received();
    assert_eq!(received.len(), 2, "each message once");
    let t01 = received
        .iter()
        .find(|m| m.contains("wangfang@example.org"))
        .expect("T01's schedule");
    let decoded = date_subject_text(t01);
    let (_date, text) = decoded.split_once('\n').unwrap();
    assert!(
        text.starts_with("第14周（11月30日–12月4日） 送教安排（王芳）"),
        "{text}"
    );
    assert!(
        text.contains("王芳老师您好") && text.contains("李小明"),
        "{text}"
    );
}

#[test]
fn a_misconfigured_server_says_what_to_change() {
    let db = TestDb::sqlite();
    district(&db);
    let port = free_port();
    let server = SmtpServer::start(port, &db.dir.path().join("received"));
    // Implicit TLS against a plain server.
    let config = db.file(
        "tls.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\ntimeout_seconds = 3\n",
            server.port
        ),
    );
    db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-11-27",
        "outbox",
        "send",
    ]);
    let queued = db.json(&["outbox", "list", "--format", "json"]);
    let error = queued[0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("smtp.security") || error.contains("smtp.host"),
        "{error}"
    );
    assert!(server.received().is_empty());
}

#[test]
fn a_message_given_up_after_five_days_is_reported_to_the_operators() {
    let db = TestDb::sqlite();
    district(&db);
    let port = free_port();
    let config = db.file(
        "down.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\noperators = [\"ops@example.org\"]\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\ntimeout_seconds = 2\n"
        ),
    );
    let config = path(&config);
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "outbox",
        "send",
    ]);
    let gave_up = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-12-03",
        "outbox",
        "send",
    ]);
    assert!(gave_up.contains("已放弃 2"), "{gave_up}");
    let rows = db.json(&["outbox", "list", "--format", "json"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.iter().filter(|r| r["status"] == "dead").count(), 2);
    let notices: Vec<_> = rows.iter().filter(|r| r["kind"] == "operator").collect();
    assert_eq!(notices.len(), 2, "{rows:?}");
    assert!(notices.iter().all(|n| n["recipient"] == "ops@example.org"));
    // Once the cause is fixed, a dead message can be sent again.
    let dead_id = rows.iter().find(|r| r["status"] == "dead").unwrap()["id"].to_string();
    db.ok(&["--as-of", "2026-12-03", "outbox", "retry", &dead_id]);
    let server = SmtpServer::start(port, &db.dir.path().join("received"));
    // The notices failed once too (the server was down): they go at their retry time.
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-12-03T02:00:00Z",
        "outbox",
        "send",
    ]);
    assert_eq!(
        server.received().len(),
        3,
        "the retried message and the two notices"
    );
}

#[test]
fn two_senders_at_once_send_every_message_once() {
    let db = TestDb::sqlite();
    district(&db);
    let port = free_port();
    let server = SmtpServer::start(port, &db.dir.path().join("received"));
    let config = smtp_config(&db, port);
    let config = path(&config);
    for week in ["2026-W49", "2026-W50", "2026-W51"] {
        db.ok(&[
            "--config",
            config,
            "--as-of",
            "2026-11-27",
            "plan-week",
            "--week",
            week,
        ]);
    }
    let senders: Vec<_> = (0..2)
        .map(|_| {
            db.command()
                .args(["--config", config, "--as-of", "2026-12-20"])
                .args(["outbox", "send"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a sender")
        })
        .collect();
    for sender in senders {
        let output = sender.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(
        server.received().len(),
        6,
        "three weeks, two teachers, once each"
    );
}

/// A server that accepts connections and never answers.
const SILENT: &str = r#"
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(50)
print("ready", flush=True)
held = []
while True:
    conn, _ = s.accept()
    held.append(conn)
"#;

#[test]
fn a_sender_killed_while_sending_loses_nothing_and_sends_once() {
    let db = TestDb::sqlite();
    district(&db);
    let silent_port = free_port();
    let mut silent = start_python(SILENT, silent_port, &[]);
    let stuck = smtp_config(&db, silent_port);
    db.ok(&[
        "--config",
        path(&stuck),
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    let sender = common::Running::start(
        db.command()
            .args(["--config", path(&stuck), "--as-of", "2026-11-27"])
            .args(["outbox", "send"]),
        None,
    );
    // Killed once it has claimed the messages and is talking to the server.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !db
        .ok(&["outbox", "list", "--format", "csv"])
        .contains("发送中")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the sender never claimed the messages"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(sender); // SIGKILL, mid-conversation
    let _ = silent.kill();
    let _ = silent.wait();
    let rows = db.json(&["outbox", "list", "--format", "json"]);
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "sending"),
        "claimed when the sender died: {rows}"
    );

    // After the claim runs out, a new sender takes the messages over: each once.
    let port = free_port();
    let server = SmtpServer::start(port, &db.dir.path().join("received"));
    let working = db.file(
        "working.toml",
        format!("[mail]\ntransport = \"smtp\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n"),
    );
    let early = db.ok(&[
        "--config",
        path(&working),
        "--as-of",
        "2026-11-27T01:02:00Z",
        "outbox",
        "send",
    ]);
    assert!(early.contains("已发送 0，"), "still claimed: {early}");
    let later = "2026-11-27T01:10:00Z";
    let sent = db.ok(&[
        "--config",
        path(&working),
        "--as-of",
        later,
        "outbox",
        "send",
    ]);
    assert!(sent.contains("已发送 2，"), "{sent}");
    db.ok(&[
        "--config",
        path(&working),
        "--as-of",
        later,
        "outbox",
        "send",
    ]);
    assert_eq!(server.received().len(), 2);
}

/// A server that asks for a login and refuses every one.
const REFUSING: &str = r#"
import sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
def refuse(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]),
                        authenticator=refuse, auth_required=True, auth_require_tls=False)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(1)
"#;

#[test]
fn a_refused_login_says_what_to_change() {
    let db = TestDb::sqlite();
    district(&db);
    let port = free_port();
    let mut server = start_python(REFUSING, port, &[]);
    let config = db.file(
        "auth.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\n\
             security = \"none\"\nusername = \"songjiao\"\ntimeout_seconds = 3\n"
        ),
    );
    db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    let output = db.run_with_env(
        &[
            "--config",
            path(&config),
            "--as-of",
            "2026-11-27",
            "outbox",
            "send",
        ],
        &[("SONGJIAO_SMTP_PASSWORD", "wrong-secret")],
    );
    assert!(output.status.success());
    let _ = server.kill();
    let _ = server.wait();
    let queued = db.json(&["outbox", "list", "--format", "json"]);
    let error = queued[0]["last_error"].as_str().unwrap();
    assert!(error.contains("smtp.username"), "{error}");
    assert!(
        !error.contains("wrong-secret"),
        "the password never shows: {error}"
    );
    assert!(!common::stderr(&output).contains("wrong-secret"));
}
