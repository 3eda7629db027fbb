//! `simulate` of a full school year for 1,000 students (200 teachers), through the
//! same functions as the command: load the district, replay 40 weeks in memory.
//! Run: `cargo bench --bench simulate`. Target (issue 4): under 10 s.

mod common;

use std::time::Instant;

use chrono::NaiveDate;
use songjiao::domain::calendar::SchoolYear;
use songjiao::jobs::simulate::{self, Options};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) =
        common::import_district(dir.path(), None, common::STUDENTS / 10).await?;
    let calendar = settings
        .calendar(SchoolYear::starting(2026))
        .map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let mut tx = store.read().await?;
    let (district, recorded) = simulate::load(&mut tx, &settings, &calendar).await?;
    tx.rollback().await?;
    let options = Options {
        from: NaiveDate::from_ymd_opt(2026, 8, 31).expect("a date"),
        miss_rate: 0.1,
        seed: 1,
        advise: false,
    };
    let report = simulate::simulate(&calendar, &district, &recorded, options, |_, _| {})?;
    println!(
        "simulate: {} students, {} weeks, {} of {} visits placed, {} reach the target; {:.2} s (target under 10 s)",
        report.totals.students,
        report.totals.weeks,
        report.totals.visits_placed,
        report.totals.visits_asked,
        report.totals.reaching_target,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}
