//! `simulate --advise` of a full school year for 10,000 students (2,500 teachers),
//! through the same functions as the command: load the district, replay 40 weeks
//! in memory with each week's staffing advice.
//! Run: `cargo bench --bench simulate`. Target (issue 10): under 10 s and 500 MB
//! (the peak is printed from the process's own VmHWM).

mod common;

use std::time::Instant;

use chrono::NaiveDate;
use songjiao::domain::calendar::SchoolYear;
use songjiao::service::simulate::{self, Options};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), None, common::STUDENTS).await?;
    let calendar = settings
        .calendar(SchoolYear::starting(2026))
        .map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let (district, recorded) = simulate::load(
        &store,
        &settings,
        &songjiao::service::Actor::new("bench"),
        &calendar,
    )
    .await?;
    let options = Options {
        from: NaiveDate::from_ymd_opt(2026, 8, 31).expect("a date"),
        miss_rate: 0.1,
        seed: 1,
        advise: std::env::var("SIMULATE_ADVISE").map_or(true, |v| v != "0"),
        own_record: false,
    };
    let report = simulate::simulate(&calendar, &district, &recorded, options, |_, _| {})?;
    println!(
        "simulate{}: {} students, {} weeks, {} of {} visits placed, {} reach the target, {} advice item(s); {:.2} s (target under 10 s)",
        if options.advise { " --advise" } else { "" },
        report.totals.students,
        report.totals.weeks,
        report.totals.visits_placed,
        report.totals.visits_asked,
        report.totals.reaching_target,
        report.advice.as_ref().map_or(0, Vec::len),
        started.elapsed().as_secs_f64()
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(peak) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("peak memory of the whole benchmark process: {peak} (target under 500 MB)");
    }
    store.close().await;
    Ok(())
}
