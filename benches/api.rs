//! The JSON API for a district of 10,000 children (issue 15, point 8):
//! `GET /api/v1/progress` (every plan's pace worked out, the schools added up)
//! for a district coordinator's token, target under 500 ms; and sustained reads
//! of the week's visits by 50 clients at once on SQLite (each a teacher's app
//! with its own token reading its own week): requests a second and p95.
//! Run: `cargo bench --bench api` (PostgreSQL too with SONGJIAO_TEST_POSTGRES_URL).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone};
use songjiao::domain::access::{Role, Scope};
use songjiao::service::accounts::{self, NewUser};
use songjiao::service::{Actor, plan_week, tokens};
use songjiao::web::{App, Clock};

const CLIENTS: usize = 50;
const SUSTAINED: Duration = Duration::from_secs(15);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(database: &str, url: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut settings, store, _) =
        common::import_district(dir.path(), url, common::STUDENTS).await?;
    settings.web.api_requests_per_minute = 1_000_000;
    let local = |day: NaiveDate, hour: u32| {
        settings
            .time_zone
            .from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("a time"))
            .single()
            .expect("an unambiguous time")
            .with_timezone(&chrono::Utc)
    };
    let actor = Actor::new("bench");
    let friday = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a date");
    plan_week::run(
        &store,
        &settings,
        &actor,
        local(friday, 15),
        plan_week::coming_week(friday),
        false,
    )
    .await?;
    let monday = local(NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"), 10);
    let mut users = vec![(
        "center@example.org".to_string(),
        Role::Coordinator,
        Scope::District,
    )];
    for t in 0..CLIENTS {
        users.push((
            format!("t{t}@example.org"),
            Role::Teacher,
            Scope::Teacher {
                teacher_id: format!("T{t:05}"),
            },
        ));
    }
    let mut tokens_made = Vec::new();
    for (email, role, scope) in users {
        accounts::add_user(
            &store,
            &settings,
            &actor,
            monday,
            NewUser {
                email: email.clone(),
                name: email.clone(),
                role,
                scope,
                password: Some("correct horse battery".into()),
            },
        )
        .await?;
        let made = tokens::make_for_email(&store, &actor, monday, &email, "bench", None).await?;
        tokens_made.push(made.token);
    }
    let app = Arc::new(App::new(
        store.clone(),
        settings.clone(),
        Vec::new(),
        Arc::new(move || monday) as Clock,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(songjiao::web::serve(listener, app, std::future::pending()));
    let client = reqwest::Client::new();

    // The district's progress: 10,000 plans, the first page of 500 and the schools' totals.
    let center = &tokens_made[0];
    // The first request after a start reads the calendar and warms the database's
    // cache: timed apart, the rest as a user returning to the page meets it.
    let started = Instant::now();
    let first = client
        .get(format!("{base}/api/v1/progress?limit=500"))
        .bearer_auth(center)
        .send()
        .await?;
    anyhow::ensure!(first.status() == 200, "progress: {}", first.status());
    first.bytes().await?;
    let cold = started.elapsed();
    let mut times = Vec::new();
    let mut plans = 0;
    for _ in 0..20 {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/api/v1/progress?limit=500"))
            .bearer_auth(center)
            .send()
            .await?;
        anyhow::ensure!(response.status() == 200, "progress: {}", response.status());
        let body: serde_json::Value = response.json().await?;
        times.push(started.elapsed());
        plans = body["schools"]
            .as_array()
            .map(|schools| {
                schools
                    .iter()
                    .filter_map(|s| s["plans"].as_u64())
                    .sum::<u64>()
            })
            .unwrap_or_default();
    }
    times.sort();
    println!(
        "{database}: GET /api/v1/progress for {plans} plans: the first {:.0} ms, then 20 requests: median {:.0} ms, p95 {:.0} ms (target under 500 ms)",
        ms(cold),
        ms(common::percentile(&times, 0.5)),
        ms(common::percentile(&times, 0.95))
    );

    // 50 teachers' apps reading their week at once, for 15 s.
    let started = Instant::now();
    let mut clients = Vec::new();
    for token in &tokens_made[1..] {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        clients.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0usize;
            while started.elapsed() < SUSTAINED {
                let began = Instant::now();
                match client
                    .get(format!("{base}/api/v1/weeks/2026-W49/visits"))
                    .bearer_auth(&token)
                    .send()
                    .await
                {
                    Ok(response) if response.status() == 200 => {
                        let _ = response.bytes().await;
                        times.push(began.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for client in clients {
        let (times, failed) = client.await?;
        all.extend(times);
        errors += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "{database}: {CLIENTS} clients reading their week's visits for {:.0} s: {} requests, {:.0} a second, {errors} errors, median {:.1} ms, p95 {:.1} ms, max {:.0} ms",
        elapsed,
        all.len(),
        all.len() as f64 / elapsed,
        ms(common::percentile(&all, 0.5)),
        ms(common::percentile(&all, 0.95)),
        ms(*all.last().unwrap_or(&Duration::ZERO))
    );
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::on_both_databases(
        |database, url| async move { measure(database, url.as_deref()).await },
    )
    .await
}
