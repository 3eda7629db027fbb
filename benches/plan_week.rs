//! `plan-week` on a SQLite database with 10,000 active plans, through the same code
//! as the command (load, plan, write in one transaction). Run:
//! `cargo bench --bench plan_week` (release build).
//! Target (issue 3): under 5 s.

mod common;

use std::time::Instant;

use chrono::{NaiveDate, TimeZone};
use songjiao::service::Actor;
use songjiao::service::plan_week;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), None, common::STUDENTS).await?;
    // Friday 27 November 2026, 15:00: the daemon's time to plan the coming week.
    let friday = NaiveDate::from_ymd_opt(2026, 11, 27)
        .and_then(|d| d.and_hms_opt(15, 0, 0))
        .expect("a valid time");
    let now = settings
        .time_zone
        .from_local_datetime(&friday)
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&chrono::Utc);
    let week = plan_week::coming_week(friday.date());
    let actor = Actor::new("bench");
    for run in ["first plan", "plan again"] {
        let started = Instant::now();
        let report = plan_week::run(&store, &settings, &actor, now, week, false).await?;
        println!(
            "plan-week {} ({run}): {} plans, {} of {} visits placed; {} added, {} kept; {:.2} s (target: under 5 s)",
            report.week,
            report.plans.len(),
            report.stats.visits_placed,
            report.stats.visits_needed,
            report.changes.added,
            report.changes.kept,
            started.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    Ok(())
}
