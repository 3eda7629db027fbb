//! `export` of a whole school year for a district of 10,000 children: every
//! child's two visits a week on every teaching week, recorded, then the year
//! exported as the workbook (a summary sheet and one sheet per school) and as CSV
//! files, through the same code as the command. Run: `cargo bench --bench export`.
//! Target (issue 16): a figure in the closing note; the inspection file of a
//! district's year in seconds, not minutes.

mod common;

use std::time::Instant;

use chrono::{Datelike, NaiveDate, Weekday};
use songjiao::domain::calendar::SchoolYear;
use songjiao::reports::{CsvEncoding, xlsx};
use songjiao::service::Actor;
use songjiao::speech::Speech;
use songjiao::store::{Arg, plans};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), None, common::STUDENTS).await?;
    let year = SchoolYear::starting(2026);
    let calendar = settings
        .calendar(year)
        .map_err(|e| anyhow::anyhow!("the calendar: {e}"))?;
    let end_of_year = NaiveDate::from_ymd_opt(2027, 7, 10).expect("a day");
    let now = common::local_time(&settings, end_of_year, 9);

    // The year's visits, written straight in (planning forty weeks would take the
    // bench's minutes): two half-days a week on every teaching day, one in ten
    // missed.
    let started = Instant::now();
    let actor = Actor::new("bench");
    let mut tx = store.write(&actor.audit(), now).await?;
    let plans = plans::active_plans(&mut tx, Some(year), None).await?;
    // A teacher's four children each have their own two half-days of the week.
    const HALF_DAYS: [[(Weekday, &str); 2]; 4] = [
        [(Weekday::Mon, "AM"), (Weekday::Thu, "PM")],
        [(Weekday::Mon, "PM"), (Weekday::Thu, "AM")],
        [(Weekday::Tue, "AM"), (Weekday::Fri, "PM")],
        [(Weekday::Tue, "PM"), (Weekday::Fri, "AM")],
    ];
    let teaching_days = calendar.teaching_days();
    let mut children_of: std::collections::HashMap<&str, usize> = Default::default();
    let mut rows = Vec::new();
    for (n, plan) in plans.iter().enumerate() {
        let nth = children_of.entry(&plan.terms.teacher_id).or_default();
        let half_days = HALF_DAYS[*nth % HALF_DAYS.len()];
        *nth += 1;
        let days: Vec<(NaiveDate, &str)> = teaching_days
            .iter()
            .filter_map(|day| {
                half_days
                    .iter()
                    .find(|(weekday, _)| *weekday == day.weekday())
                    .map(|(_, slot)| (*day, *slot))
            })
            .collect();
        for (k, (day, slot)) in days.iter().enumerate() {
            let missed = (n + k) % 10 == 0;
            rows.push(vec![
                Arg::from(plan.plan_id),
                Arg::from(plan.terms.teacher_id.as_str()),
                Arg::from(*day),
                Arg::from(*slot),
                Arg::from(if missed { "missed" } else { "completed" }),
                Arg::from(if missed { 0i64 } else { 3 }),
                Arg::from(if missed { Some("student_ill") } else { None }),
                Arg::from(now),
                Arg::from(now),
                Arg::from(now),
            ]);
        }
    }
    let visits = rows.len();
    tx.insert_many(
        "INSERT INTO visits (plan_id, teacher_id, day, slot, outcome, periods, reason,
                             recorded_at, created_at, updated_at)",
        10,
        rows,
        "",
    )
    .await?;
    tx.commit().await?;
    println!(
        "setup: {visits} recorded visits of {} plans written in {:.1} s",
        plans.len(),
        started.elapsed().as_secs_f64()
    );

    let speech = Speech::of(&settings);
    let bench = songjiao::service::Actor::new("bench");
    let started = Instant::now();
    let export =
        songjiao::service::reports::year_export(&store, &settings, &bench, &calendar, now).await?;
    let read = started.elapsed().as_secs_f64();
    let workbook = dir.path().join("year.xlsx");
    xlsx::write_year(&export, &speech, &workbook)?;
    let total = started.elapsed().as_secs_f64();
    println!(
        "export --format xlsx: {} plans, {} schools, {visits} visits: read {read:.2} s, workbook written {total:.2} s in all ({:.1} MB)",
        export.progress.len(),
        export.by_school.len(),
        std::fs::metadata(&workbook)?.len() as f64 / 1_048_576.0
    );
    let started = Instant::now();
    let export =
        songjiao::service::reports::year_export(&store, &settings, &bench, &calendar, now).await?;
    let files = export.write_csv(&dir.path().join("csv"), &speech, CsvEncoding::Utf8)?;
    println!(
        "export --format csv: {} files in {:.2} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}
