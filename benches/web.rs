//! 50 teachers logged in at once, each reading their children's pages for 10
//! seconds, on SQLite, against the real HTTP server (in this process) in a
//! district of 10,000 children: requests a second and the 95th percentile; and
//! how long a login takes (argon2id verify included).
//! Run: `cargo bench --bench web`. Targets (issue 12): a login under 300 ms.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use songjiao::domain::access::{Role, Scope};
use songjiao::service::Actor;
use songjiao::service::accounts::{self, NewUser};
use songjiao::web::{App, Clock};

const CLIENTS: usize = 50;
// SONGJIAO_BENCH_READERS=1 measures one reader alone.
fn readers() -> usize {
    std::env::var("SONGJIAO_BENCH_READERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CLIENTS)
}
const SECONDS: u64 = 10;
const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), None, common::STUDENTS).await?;
    let teachers = common::STUDENTS / 4;
    let now: chrono::DateTime<chrono::Utc> = "2026-11-30T01:00:00Z".parse()?;
    for t in 0..CLIENTS {
        accounts::add_user(
            &store,
            &settings,
            &Actor::new("bench"),
            now,
            NewUser {
                email: format!("t{t}@example.org"),
                name: format!("教师{t}"),
                role: Role::Teacher,
                scope: Scope::Teacher {
                    teacher_id: format!("T{t:05}"),
                },
                password: Some(PASSWORD.into()),
            },
        )
        .await?;
    }
    let app = Arc::new(App::new(
        store.clone(),
        settings.clone(),
        Vec::new(),
        Arc::new(move || now) as Clock,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(songjiao::web::serve(listener, app, std::future::pending()));

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CLIENTS)
        .build()?;
    // Logins one after another: what one person waits for.
    let mut logins = Vec::new();
    let mut sessions = Vec::new();
    for t in 0..CLIENTS {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/login"))
            .form(&[
                ("username", format!("t{t}@example.org")),
                ("password", PASSWORD.into()),
            ])
            .send()
            .await?;
        logins.push(started.elapsed());
        anyhow::ensure!(response.status() == 303, "login {t}: {}", response.status());
        let cookie = response.headers()["set-cookie"].to_str()?.to_string();
        sessions.push(cookie.split(';').next().unwrap_or_default().to_string());
    }
    logins.sort();
    println!(
        "login (argon2id verify, session written): median {:.0} ms, p95 {:.0} ms, max {:.0} ms over {CLIENTS} (target under 300 ms)",
        common::percentile(&logins, 0.5).as_secs_f64() * 1000.0,
        common::percentile(&logins, 0.95).as_secs_f64() * 1000.0,
        logins.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );

    // Each teacher T reads the children of plans naming T (S = T + k·teachers).
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    for (t, cookie) in sessions.into_iter().enumerate().take(readers()) {
        let client = client.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut k = 0;
            while Instant::now() < until {
                let student = t + (k % 4) * teachers;
                k += 1;
                let started = Instant::now();
                let response = client
                    .get(format!("{base}/students/S{student:06}"))
                    .header("cookie", &cookie)
                    .send()
                    .await?;
                let status = response.status();
                response.bytes().await?;
                latencies.push(started.elapsed());
                anyhow::ensure!(status == 200, "S{student:06} for T{t:05}: {status}");
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    latencies.sort();
    println!(
        "student pages, {} logged-in teachers at once for {SECONDS} s on SQLite (10,000 children): {} requests, {:.0} a second, median {:.0} ms, p95 {:.0} ms",
        readers(),
        latencies.len(),
        latencies.len() as f64 / SECONDS as f64,
        common::percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        common::percentile(&latencies, 0.95).as_secs_f64() * 1000.0
    );
    let mut tx = store.read().await?;
    let logged = songjiao::store::access_log::list(&mut tx, &Default::default()).await?;
    tx.rollback().await?;
    println!("access-log rows written: {}", logged.len());
    Ok(())
}
