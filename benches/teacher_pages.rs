//! The teacher's pages against their budgets (issue 13), on SQLite, with the real
//! HTTP server in this process and a district of 10,000 children planned for
//! two weeks:
//! - the week page of a teacher with 20 visits on it (10 this week, 10 left
//!   unrecorded from last week): bytes transferred with everything it loads
//!   (target under 100 KB) and server time (target p95 under 50 ms);
//! - 200 teachers recording a visit at once, each with a drawn signature and a
//!   photo, twice: errors (target none) and time (target p95 under 300 ms).
//!
//! Run: `cargo bench --bench teacher_pages`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use songjiao::domain::access::{Role, Scope};
use songjiao::import::records::Kind;
use songjiao::service::accounts::{self, NewUser};
use songjiao::service::{Actor, imports, plan_week};
use songjiao::web::{App, Clock};

const PASSWORD: &str = "correct horse battery";
const RECORDERS: usize = 200;
const PHOTO: &[u8] = include_bytes!("../tests/fixtures/photo-with-location.jpg");
const SIGNATURE: &[u8] = include_bytes!("../tests/fixtures/signature.png");

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn import(
    store: &songjiao::store::Store,
    settings: &songjiao::config::Settings,
    kind: Kind,
    text: &str,
) -> anyhow::Result<()> {
    let august = "2026-08-20T01:00:00Z".parse()?;
    let upload = imports::Upload::new("extra.csv", text.as_bytes());
    imports::import(
        store,
        settings,
        &Actor::new("bench"),
        august,
        kind,
        upload,
        false,
    )
    .await?;
    Ok(())
}

async fn log_in(client: &reqwest::Client, base: &str, email: &str) -> anyhow::Result<String> {
    let response = client
        .post(format!("{base}/login"))
        .form(&[("username", email), ("password", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == 303,
        "login {email}: {}",
        response.status()
    );
    let cookie = response.headers()["set-cookie"].to_str()?;
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), None, common::STUDENTS).await?;
    // A teacher with ten children, free every half-day.
    let all = "Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM";
    import(&store, &settings, Kind::Teachers, &format!(
        "teacher_id,name,email,school,available,max_visits_per_day\nTBIG,忙碌老师,big@example.org,第1学校,{all},2\n"
    ))
    .await?;
    let mut students =
        String::from("student_id,name,school,guardian_name,guardian_phone,address,available\n");
    let mut plans = String::from("student_id,school_year,teacher_id,visits_per_week,goals\n");
    for s in 0..10 {
        students.push_str(&format!(
            "B{s:02},学生B{s},第1学校,家长{s},1390000{s:04},某镇某路{s}号,{all}\n"
        ));
        plans.push_str(&format!(
            "B{s:02},2026-2027,TBIG,1,认识数字；能自己穿衣；能表达需求\n"
        ));
    }
    import(&store, &settings, Kind::Students, &students).await?;
    import(&store, &settings, Kind::Plans, &plans).await?;
    let actor = Actor::new("bench");
    for friday in [
        NaiveDate::from_ymd_opt(2026, 11, 20),
        NaiveDate::from_ymd_opt(2026, 11, 27),
    ] {
        let friday = friday.expect("a date");
        let week = plan_week::coming_week(friday);
        plan_week::run(
            &store,
            &settings,
            &actor,
            common::local_time(&settings, friday, 15),
            week,
            false,
        )
        .await?;
    }
    // Friday of the second week, evening: every visit of the week has begun.
    let now = common::local_time(
        &settings,
        NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date"),
        18,
    );
    let mut emails = vec![("big@example.org".to_string(), "TBIG".to_string())];
    emails.extend((0..RECORDERS).map(|t| (format!("t{t}@example.org"), format!("T{t:05}"))));
    for (email, teacher_id) in &emails {
        accounts::add_user(
            &store,
            &settings,
            &actor,
            now,
            NewUser {
                email: email.clone(),
                name: teacher_id.clone(),
                role: Role::Teacher,
                scope: Scope::Teacher {
                    teacher_id: teacher_id.clone(),
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
        .pool_max_idle_per_host(RECORDERS)
        .build()?;

    // The week page of the teacher with 20 visits on it.
    let big = log_in(&client, &base, "big@example.org").await?;
    let page = client
        .get(format!("{base}/"))
        .header("cookie", &big)
        .send()
        .await?
        .text()
        .await?;
    let cards = page.matches("<article class=\"visit").count();
    let to_record = page.matches("<li data-visit=").count();
    let mut bytes = page.len();
    let mut loaded = vec![format!("/ {} B", page.len())];
    for asset in [
        "/assets/app.css",
        "/assets/queue.js",
        "/assets/app.js",
        "/sw.js",
    ] {
        let body = client
            .get(format!("{base}{asset}"))
            .send()
            .await?
            .bytes()
            .await?;
        bytes += body.len();
        loaded.push(format!("{asset} {} B", body.len()));
    }
    println!(
        "week page with {cards} visit cards and {to_record} visits to record: {:.1} KB with everything it loads, uncompressed ({}); target under 100 KB",
        bytes as f64 / 1024.0,
        loaded.join(", ")
    );
    let mut times = Vec::new();
    for _ in 0..300 {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/"))
            .header("cookie", &big)
            .send()
            .await?;
        anyhow::ensure!(response.status() == 200, "week page: {}", response.status());
        response.bytes().await?;
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "week page, 300 requests one after another: median {:.1} ms, p95 {:.1} ms, max {:.1} ms (target p95 under 50 ms)",
        ms(common::percentile(&times, 0.5)),
        ms(common::percentile(&times, 0.95)),
        ms(*times.last().expect("300 requests"))
    );

    // 200 teachers recording at once, twice.
    let mut sessions = Vec::new();
    for (email, teacher_id) in emails.iter().skip(1) {
        sessions.push((log_in(&client, &base, email).await?, teacher_id.clone()));
    }
    let mut visits_of = Vec::new();
    {
        let mut tx = store.read().await?;
        for (_, teacher_id) in &sessions {
            let visits = songjiao::store::visits::list(
                &mut tx,
                &songjiao::store::visits::VisitFilter {
                    from: NaiveDate::from_ymd_opt(2026, 11, 30),
                    to: NaiveDate::from_ymd_opt(2026, 12, 4),
                    teacher_id: Some(teacher_id.clone()),
                    ..Default::default()
                },
            )
            .await?;
            visits_of.push(visits.into_iter().map(|v| v.visit_id).collect::<Vec<_>>());
        }
        tx.rollback().await?;
    }
    for round in 0..2 {
        let start = Arc::new(tokio::sync::Barrier::new(RECORDERS));
        let mut tasks = Vec::new();
        for (t, (cookie, _)) in sessions.iter().enumerate() {
            let Some(&visit) = visits_of[t].get(round) else {
                continue;
            };
            let (client, base, cookie, start) =
                (client.clone(), base.clone(), cookie.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                let form = reqwest::multipart::Form::new()
                    .text("key", format!("bench-{t}-{round}"))
                    .text("outcome", "completed")
                    .text("started_at", "08:40")
                    .text("ended_at", "10:50")
                    .text("family_practice", "晚饭前一起数碗筷")
                    .text("guardian_name", "家长")
                    .part(
                        "signature",
                        reqwest::multipart::Part::bytes(SIGNATURE).file_name("signature.png"),
                    )
                    .part(
                        "photo",
                        reqwest::multipart::Part::bytes(PHOTO).file_name("photo.jpg"),
                    );
                start.wait().await;
                let started = Instant::now();
                let response = client
                    .post(format!("{base}/visits/{visit}/record"))
                    .header("cookie", &cookie)
                    .header("accept", "application/json")
                    .header("origin", &base)
                    .multipart(form)
                    .send()
                    .await;
                let status = match response {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                (started.elapsed(), status)
            }));
        }
        let mut times = Vec::new();
        let mut failed = Vec::new();
        for task in tasks {
            let (time, status) = task.await?;
            times.push(time);
            if status != 200 {
                failed.push(status);
            }
        }
        times.sort();
        println!(
            "round {}: {} teachers recording at once (signature and photo each): {} errors {:?}, median {:.0} ms, p95 {:.0} ms, max {:.0} ms (target: no error, p95 under 300 ms)",
            round + 1,
            times.len(),
            failed.len(),
            failed,
            ms(common::percentile(&times, 0.5)),
            ms(common::percentile(&times, 0.95)),
            ms(*times.last().expect("some records"))
        );
    }
    store.close().await;
    Ok(())
}
