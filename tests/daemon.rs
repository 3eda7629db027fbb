//! `serve` as a process and as a library: it answers /healthz on the web port with the database
//! status and each job's last and next run, and stops cleanly on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::mail::{SmtpServer, free_port};
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

fn drain_finished(response: &str) -> bool {
    let Some(start) = response.find('{') else {
        return false;
    };
    let Ok(health) = serde_json::from_str::<serde_json::Value>(&response[start..]) else {
        return false;
    };
    health["jobs"].as_array().is_some_and(|jobs| {
        jobs.iter()
            .any(|j| j["job"] == "drain_outbox" && j["last_run"]["finished_at"].is_string())
    })
}

fn serve_reports_its_health_and_stops_cleanly_on_sigterm(db: &TestDb) {
    district(db);
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
    let mut daemon = db.spawn(&["--config", path(&config), "serve"], None);
    let started = Instant::now();
    let response = loop {
        // Ready once the due jobs have run (the drain runs last) and the port answers.
        if let Some(response) = get(port, "/healthz")
            && drain_finished(&response)
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
    assert_eq!(jobs.len(), 8);
    assert!(jobs.iter().all(|j| j["next_run"].is_string()), "{health}");
    let drain = jobs.iter().find(|j| j["job"] == "drain_outbox").unwrap();
    assert_eq!(drain["last_run"]["outcome"], "succeeded", "{health}");

    let status = daemon.terminate(Duration::from_secs(20));
    assert!(status.success(), "serve stops cleanly on SIGTERM: {status}");
}

/// A server killed in the middle of a run leaves it started, never finished: the
/// run is not done twice while it might still be going, and is taken over once it
/// is surely dead.
fn a_run_whose_server_died_is_taken_over_later(db: &TestDb) {
    district(db);
    let scheduled: chrono::DateTime<chrono::Utc> = "2026-11-27T23:00:00Z".parse().unwrap();
    common::runtime().block_on(async {
        let mut settings = songjiao::config::Settings::defaults();
        settings.database.url = db.url.clone();
        let store = songjiao::store::Store::open(&settings.database, false)
            .await
            .unwrap();
        let actor = songjiao::store::Actor("a server that died".into());
        let started = scheduled + chrono::Duration::seconds(5);
        let mut tx = store.write(&actor, started).await.unwrap();
        let claimed =
            songjiao::store::job_runs::claim(&mut tx, "check_pace", scheduled, &actor.0, started)
                .await
                .unwrap();
        assert!(claimed);
        tx.commit().await.unwrap();
        store.close().await;
    });
    let soon = db.ok(&["--as-of", "2026-11-27T23:05:00Z", "serve", "--once"]);
    assert!(
        !soon.contains("check_pace"),
        "it may still be running: {soon}"
    );
    let later = db.ok(&["--as-of", "2026-11-27T23:30:00Z", "serve", "--once"]);
    assert_eq!(
        later.matches("check_pace").count(),
        1,
        "taken over once: {later}"
    );
    let again = db.ok(&["--as-of", "2026-11-27T23:45:00Z", "serve", "--once"]);
    assert!(!again.contains("check_pace"), "{again}");
}

/// Two servers sharing one database at the same moment: every due run happens once.
fn two_servers_run_each_job_once(db: &TestDb) {
    district(db);
    let mail = db.dir.path().join("mail");
    let config = db.file("mail.toml", format!("[mail]\ndir = \"{}\"\n", path(&mail)));
    let servers: Vec<_> = (0..2)
        .map(|_| {
            db.command()
                .args(["--config", path(&config)])
                .args(["--as-of", "2026-11-27T07:05:00Z", "serve", "--once"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut all = String::new();
    for server in servers {
        let output = server.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        all.push_str(&String::from_utf8_lossy(&output.stdout));
    }
    for job in [
        "plan_week",
        "check_pace",
        "remind_unrecorded",
        "drain_outbox",
    ] {
        assert_eq!(all.matches(&format!("{job} (")).count(), 1, "{job}: {all}");
    }
    let visits = db.json(&["visit", "list", "--week", "2026-W49", "--format", "json"]);
    assert_eq!(visits.as_array().unwrap().len(), 7, "the week planned once");
}

/// SIGKILL in the middle of a job (the outbox drain, stuck on a mail server that
/// never answers): after a restart nothing is lost and nothing goes twice.
fn a_daemon_killed_during_a_job_loses_nothing_and_doubles_nothing(db: &TestDb) {
    district(db);
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let config = |port: u16| {
        db.file(
            &format!("smtp-{port}.toml"),
            format!(
                "[mail]\ntransport = \"smtp\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\n\
                 security = \"none\"\ntimeout_seconds = 60\n\n[web]\nlisten = \"127.0.0.1:0\"\n"
            ),
        )
    };
    let stuck = config(silent_port);
    // The Saturday after the week was planned: the daemon's catch-up finds the
    // week it would plan already planned, and drains the two schedules.
    let started_at = "2026-11-28T10:00:00+08:00";
    let daemon = db.spawn(
        &["--config", path(&stuck), "--as-of", started_at, "serve"],
        None,
    );
    // Wait until the drain has claimed the messages and is talking to the server.
    let started = Instant::now();
    while !db
        .ok(&["outbox", "list", "--format", "csv"])
        .contains("发送中")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the drain never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(daemon); // SIGKILL
    drop(silent);

    // Restarted later with a working server: each message once.
    let server = SmtpServer::start(free_port(), &db.dir.path().join("received"));
    let port = server.port;
    let working = config(port);
    let later = (started_at.parse::<chrono::DateTime<chrono::Utc>>().unwrap()
        + chrono::Duration::minutes(10))
    .to_rfc3339();
    db.ok(&[
        "--config",
        path(&working),
        "--as-of",
        &later,
        "serve",
        "--once",
    ]);
    db.ok(&[
        "--config",
        path(&working),
        "--as-of",
        &later,
        "outbox",
        "send",
    ]);
    assert_eq!(server.received().len(), 2, "two schedules, once each");
    let rows = db.json(&["outbox", "list", "--format", "json"]);
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "sent"),
        "{rows}"
    );
}

/// The daemon as a library: started on port 0 (the system picks a free port, so no
/// other process can take it first), it answers /healthz, and stops when told.
fn serve_in_process_on_port_0(db: &TestDb) {
    district(db);
    let mut settings = songjiao::config::Settings::defaults();
    settings.database.url = db.url.clone();
    settings.mail.dir = db.dir.path().join("mail");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = songjiao::store::Store::open(&settings.database, false)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let daemon = tokio::spawn(songjiao::daemon::serve(
            store,
            settings,
            songjiao::service::Actor::new("test"),
            songjiao::clock::running_from("2026-11-30T01:00:00Z".parse().unwrap()),
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        let started = Instant::now();
        let response = loop {
            let answer = tokio::task::spawn_blocking(move || get(port, "/healthz"))
                .await
                .unwrap();
            if let Some(response) = answer
                && drain_finished(&response)
            {
                break response;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no /healthz");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        stop.send(()).unwrap();
        daemon.await.unwrap().unwrap();
        let after = tokio::task::spawn_blocking(move || get(port, "/healthz"))
            .await
            .unwrap();
        assert!(after.is_none(), "stopped: the port no longer answers");
    });
}

on_both_databases!(
    serve_in_process_on_port_0,
    serve_reports_its_health_and_stops_cleanly_on_sigterm,
    a_run_whose_server_died_is_taken_over_later,
    two_servers_run_each_job_once,
    a_daemon_killed_during_a_job_loses_nothing_and_doubles_nothing,
);
