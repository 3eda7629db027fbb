//! The coordinators' home for a district of 10,000 children (issue 14, point 11):
//! server time of `GET /` for a district coordinator and for one school's
//! supervisor, on SQLite, and on PostgreSQL when SONGJIAO_TEST_POSTGRES_URL is
//! set, after plan-week and check-pace (with its projection) have run.
//! Also a child's page with a full year (target under 100 ms) and the week's
//! board for 2,500 teachers (target under 1 s).
//! Run: `cargo bench --bench dashboard`. Target: under 300 ms.

mod common;

use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone};
use songjiao::domain::access::{Role, Scope};
use songjiao::service::accounts::{self, NewUser};
use songjiao::service::{Actor, check_pace, plan_week};
use songjiao::web::{App, Clock};

const PASSWORD: &str = "correct horse battery";

async fn measure(database: &str, url: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), url, common::STUDENTS).await?;
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
    // S000000's whole year recorded: two visits a week on every teaching week,
    // each with notes (a full year on the child's page).
    {
        let calendar = settings
            .calendar(songjiao::domain::calendar::SchoolYear::containing(friday))
            .map_err(anyhow::Error::msg)?;
        let july = local(NaiveDate::from_ymd_opt(2027, 7, 1).expect("a date"), 20);
        let mut tx = store
            .write(&songjiao::store::Actor("bench".into()), july)
            .await?;
        #[derive(sqlx::FromRow)]
        struct Plan {
            id: i64,
            teacher_id: String,
        }
        let plan: Plan = tx
            .fetch_one(
                "SELECT id, teacher_id FROM plans WHERE student_id = 'S000000'",
                vec![],
            )
            .await?;
        let mut days = calendar.teaching_days();
        days.retain(|d| {
            use chrono::Datelike;
            matches!(d.weekday(), chrono::Weekday::Tue | chrono::Weekday::Thu)
                && d.iso_week() != (friday + chrono::Duration::days(3)).iso_week()
                && *d < NaiveDate::from_ymd_opt(2027, 7, 1).expect("a date")
        });
        for day in &days {
            tx.execute(
                "INSERT INTO visits (plan_id, teacher_id, day, slot, outcome, periods, note, recorded_by, recorded_at, record_version, created_at, updated_at)
                 VALUES ($1, $2, $3, 'AM', 'completed', 3, '认真完成，注意力集中二十分钟', 'bench', $4, 1, $4, $4)",
                songjiao::args![plan.id, plan.teacher_id.as_str(), *day, july],
            )
            .await?;
        }
        tx.commit().await?;
        println!(
            "{database}: S000000 has {} visits recorded over the year",
            days.len()
        );
    }
    let monday = local(NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"), 7);
    let started = Instant::now();
    let checked = check_pace::run(&store, &settings, &actor, monday).await?;
    println!(
        "{database}: check-pace with its projection: {} alerts opened, {} plans projected, {:.1} s",
        checked.opened,
        checked.projected,
        started.elapsed().as_secs_f64()
    );
    for (email, role, scope) in [
        ("center@example.org", Role::Coordinator, Scope::District),
        (
            "school@example.org",
            Role::Supervisor,
            Scope::Schools {
                schools: vec!["第1学校".into()],
            },
        ),
    ] {
        accounts::add_user(
            &store,
            &settings,
            &actor,
            monday,
            NewUser {
                email: email.into(),
                name: email.into(),
                role,
                scope,
                password: Some(PASSWORD.into()),
            },
        )
        .await?;
    }
    let now = monday + chrono::Duration::hours(2);
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
        .build()?;
    for email in ["center@example.org", "school@example.org"] {
        let response = client
            .post(format!("{base}/login"))
            .form(&[("username", email), ("password", PASSWORD)])
            .send()
            .await?;
        anyhow::ensure!(response.status() == 303, "login {email}");
        let cookie = response.headers()["set-cookie"]
            .to_str()?
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..50 {
            let started = Instant::now();
            let response = client
                .get(format!("{base}/"))
                .header("cookie", &cookie)
                .send()
                .await?;
            anyhow::ensure!(response.status() == 200, "{email}: {}", response.status());
            size = response.bytes().await?.len();
            times.push(started.elapsed());
        }
        times.sort();
        if email.starts_with("center") {
            let mut child_times = Vec::new();
            for _ in 0..50 {
                let started = Instant::now();
                let response = client
                    .get(format!("{base}/students/S000000"))
                    .header("cookie", &cookie)
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status() == 200,
                    "child page: {}",
                    response.status()
                );
                response.bytes().await?;
                child_times.push(started.elapsed());
            }
            child_times.sort();
            println!(
                "{database}: a child's page with a full year recorded, 50 requests: median {:.0} ms, p95 {:.0} ms (target under 100 ms)",
                common::percentile(&child_times, 0.5).as_secs_f64() * 1000.0,
                common::percentile(&child_times, 0.95).as_secs_f64() * 1000.0
            );
            let mut board_times = Vec::new();
            let mut board_size = 0;
            let mut board_visits = 0;
            for _ in 0..10 {
                let started = Instant::now();
                let response = client
                    .get(format!("{base}/weeks/2026-W49"))
                    .header("cookie", &cookie)
                    .send()
                    .await?;
                anyhow::ensure!(response.status() == 200, "board: {}", response.status());
                let body = response.bytes().await?;
                board_size = body.len();
                board_visits = String::from_utf8_lossy(&body)
                    .matches("<td class=\"state-")
                    .count();
                board_times.push(started.elapsed());
            }
            board_times.sort();
            println!(
                "{database}: the week's board, 2,500 teachers and {board_visits} visits, 10 requests: median {:.0} ms, p95 {:.0} ms, {:.1} MB (target under 1 s)",
                common::percentile(&board_times, 0.5).as_secs_f64() * 1000.0,
                common::percentile(&board_times, 0.95).as_secs_f64() * 1000.0,
                board_size as f64 / 1_048_576.0
            );
        }
        println!(
            "{database}: dashboard for {email} (10,000 children in the district), 50 requests: median {:.0} ms, p95 {:.0} ms, {:.0} KB (target under 300 ms)",
            common::percentile(&times, 0.5).as_secs_f64() * 1000.0,
            common::percentile(&times, 0.95).as_secs_f64() * 1000.0,
            size as f64 / 1024.0
        );
    }
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
