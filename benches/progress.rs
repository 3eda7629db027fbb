//! `progress` over 10,000 plans with a full school year of visits (about 750,000
//! rows), through the same function as the command. Run:
//! `cargo bench --bench progress` (SQLite), and with
//! `SONGJIAO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` set, on
//! PostgreSQL too (a database songjiao_bench is created and dropped).
//! Target (issue 4): under 2 s on each.

mod common;

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use songjiao::config::Settings;
use songjiao::domain::calendar::SchoolYear;
use songjiao::service::progress::progress;
use songjiao::store::{Actor, Store};

#[derive(sqlx::FromRow)]
struct PlanTeacher {
    id: i64,
    teacher_id: String,
}

/// Every plan gets two visits in each teaching week, on different days, in cells
/// no other student of its teacher uses; 85% completed, 10% missed, 5% unrecorded.
async fn fill_year(store: &Store, settings: &Settings) -> anyhow::Result<usize> {
    let calendar = settings
        .calendar(SchoolYear::starting(2026))
        .map_err(anyhow::Error::msg)?;
    let teaching: std::collections::HashSet<NaiveDate> =
        calendar.teaching_days().into_iter().collect();
    let mut weeks: Vec<NaiveDate> = calendar
        .teaching_days()
        .iter()
        .map(|d| {
            NaiveDate::from_isoywd_opt(d.iso_week().year(), d.iso_week().week(), Weekday::Mon)
                .unwrap()
        })
        .collect();
    weeks.dedup();
    let now = Utc::now();
    let mut tx = store.write(&Actor("bench".into()), now).await?;
    let plans: Vec<PlanTeacher> = tx
        .fetch_all("SELECT id, teacher_id FROM plans ORDER BY id", vec![])
        .await?;
    let mut rows = Vec::new();
    let mut n = 0usize;
    for (i, plan) in plans.iter().enumerate() {
        let k = i / (plans.len() / 5).max(1) % 5;
        for monday in &weeks {
            for (day_index, slot) in [(k, "AM"), ((k + 2) % 5, "PM")] {
                let day = *monday + Duration::days(day_index as i64);
                if !teaching.contains(&day) {
                    continue;
                }
                n += 1;
                let (outcome, periods, reason) = match n % 20 {
                    0 => (None, None, None),
                    1 | 2 => (Some("missed"), Some(0i64), Some("student_ill")),
                    _ => (Some("completed"), Some(3i64), None),
                };
                rows.push(songjiao::args![
                    plan.id,
                    plan.teacher_id.as_str(),
                    day,
                    slot,
                    outcome,
                    periods,
                    reason,
                    now,
                    now
                ]);
            }
        }
    }
    let count = rows.len();
    tx.insert_many(
        "INSERT INTO visits (plan_id, teacher_id, day, slot, outcome, periods, reason, created_at, updated_at)",
        9,
        rows,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(count)
}

async fn measure(label: &str, dir: &std::path::Path, url: Option<&str>) -> anyhow::Result<()> {
    let (settings, store, _) = common::import_district(dir, url, common::STUDENTS).await?;
    let started = Instant::now();
    let visits = fill_year(&store, &settings).await?;
    println!(
        "{label}: {visits} visits written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let calendar = settings
        .calendar(SchoolYear::starting(2026))
        .map_err(anyhow::Error::msg)?;
    // Friday 2 July 2027, 18:00 in Shanghai: the year's last slot is over.
    let as_of: chrono::DateTime<chrono::Utc> = "2027-07-02T10:00:00Z".parse()?;
    let mut best = f64::MAX;
    let mut rows = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut tx = store.read().await?;
        rows = progress(&mut tx, &settings, &calendar, as_of).await?;
        tx.rollback().await?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{label}: progress over {} plans and {visits} visits, best of 3: {best:.2} s (target under 2 s)",
        rows.len()
    );
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    measure("SQLite", dir.path(), None).await?;
    if let Ok(admin) = std::env::var("SONGJIAO_TEST_POSTGRES_URL") {
        let url = common::fresh_postgres(&admin).await?;
        measure("PostgreSQL", dir.path(), Some(&url)).await?;
        common::drop_postgres(&admin).await?;
    } else {
        println!("PostgreSQL: skipped (set SONGJIAO_TEST_POSTGRES_URL to measure it too)");
    }
    Ok(())
}
