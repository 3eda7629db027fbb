//! Importing a large district from CSV, through the same code path as `songjiao
//! import`: its students and plans (SQLite), then a week of its visits' records on
//! SQLite and on PostgreSQL (when SONGJIAO_BENCH_POSTGRES_URL or
//! SONGJIAO_TEST_POSTGRES_URL names a server). Run: `cargo bench --bench import`.
//! Targets: 10,000 students and their plans in under 5 s (issue 2); visits at
//! 10,000 rows a second or more, and the same sheet again all "unchanged" (issue 16).

mod common;

use std::fmt::Write as _;
use std::time::Instant;

use chrono::NaiveDate;
use songjiao::config::Settings;
use songjiao::import::records::Kind;
use songjiao::service::{Actor, imports, plan_week};
use songjiao::store::{Store, visits};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, seconds) =
        common::import_district(dir.path(), None, common::STUDENTS).await?;
    println!(
        "students and plans: {} each in {seconds:.2} s (target: under 5 s)",
        common::STUDENTS
    );
    visits_import(&settings, &store, dir.path(), "SQLite").await?;
    paper_term_import(&settings, &store, dir.path(), "SQLite").await?;
    store.close().await;

    let admin = std::env::var("SONGJIAO_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("SONGJIAO_TEST_POSTGRES_URL"));
    if let Ok(admin) = admin {
        let url = common::fresh_postgres(&admin).await?;
        let (settings, store, _) =
            common::import_district(dir.path(), Some(&url), common::STUDENTS).await?;
        visits_import(&settings, &store, dir.path(), "PostgreSQL").await?;
        paper_term_import(&settings, &store, dir.path(), "PostgreSQL").await?;
        store.close().await;
        common::drop_postgres(&admin).await?;
    }
    Ok(())
}

/// A term of paper records for visits that were never planned: 2,000 children
/// (four to each of 500 teachers), two visits a week each on every teaching day
/// of the twelve weeks from 7 September, imported at once (issue 35: 10,000 rows
/// a second or more).
async fn paper_term_import(
    settings: &Settings,
    store: &Store,
    dir: &std::path::Path,
    database: &str,
) -> anyhow::Result<()> {
    use chrono::Datelike;
    let teachers = common::STUDENTS / 4;
    let year = songjiao::domain::calendar::SchoolYear::starting(2026);
    let calendar = settings.calendar(year).map_err(anyhow::Error::msg)?;
    let first = NaiveDate::from_ymd_opt(2026, 9, 7).expect("a Monday");
    let mut sheet = String::from("student_id,date,slot,outcome\n");
    let mut rows = 0;
    for offset in 0..7 * 12 {
        let day = first + chrono::Duration::days(offset);
        if !calendar.is_teaching_day(day) {
            continue;
        }
        let weekday = day.weekday().num_days_from_monday() as usize;
        for k in 0..4 {
            // Child k of each teacher: the week's half-days k and k + 5, on two days.
            for half_day in [k, k + 5] {
                if half_day / 2 != weekday {
                    continue;
                }
                let slot = if half_day % 2 == 0 { "AM" } else { "PM" };
                for t in 0..500 {
                    let _ = writeln!(sheet, "S{:06},{day},{slot},completed", k * teachers + t);
                    rows += 1;
                }
            }
        }
    }
    let name = "paper-term.csv";
    std::fs::write(dir.join(name), &sheet)?;
    let saturday = common::local_time(
        settings,
        NaiveDate::from_ymd_opt(2026, 12, 5).expect("a day"),
        20,
    );
    let started = Instant::now();
    let report = imports::import(
        store,
        settings,
        &Actor::new("bench"),
        saturday,
        Kind::Visits,
        imports::Upload::new(name, sheet.as_bytes()),
        false,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{database} import a term of paper records never planned: {rows} rows ({} new visits) in {seconds:.2} s, {:.0} rows/s (target: 10,000 rows/s or more)",
        report.created,
        rows as f64 / seconds
    );
    Ok(())
}

/// Plans week 49, then imports a record of every visit in it, twice.
async fn visits_import(
    settings: &Settings,
    store: &Store,
    dir: &std::path::Path,
    database: &str,
) -> anyhow::Result<()> {
    let at = |day: u32, hour: u32| {
        let day = NaiveDate::from_ymd_opt(2026, 12, day).expect("a day of December");
        common::local_time(settings, day, hour)
    };
    let actor = Actor::new("bench");
    let friday = at(4, 15) - chrono::Duration::days(7);
    let week = plan_week::coming_week(friday.date_naive());
    plan_week::run(store, settings, &actor, friday, week, false).await?;

    let mut tx = store.read().await?;
    let planned = visits::list(&mut tx, &visits::VisitFilter::default()).await?;
    tx.rollback().await?;
    let mut sheet = String::from("student_id,date,slot,outcome,periods,reason,mode,note\n");
    for (n, visit) in planned.iter().enumerate() {
        let (outcome, reason) = match n % 10 {
            0 => ("missed", "生病"),
            1 => ("partial", ""),
            _ => ("completed", ""),
        };
        let periods = if outcome == "partial" { "2" } else { "" };
        let _ = writeln!(
            sheet,
            "{},{},{},{outcome},{periods},{reason},,第{n}次",
            visit.student_id, visit.day, visit.slot
        );
    }
    let name = "visits.csv";
    std::fs::write(dir.join(name), &sheet)?;
    let saturday = at(5, 20);
    for run in ["first import", "same sheet again"] {
        let upload = imports::Upload::new(name, sheet.as_bytes());
        let started = Instant::now();
        let report = imports::import(
            store,
            settings,
            &actor,
            saturday,
            Kind::Visits,
            upload,
            false,
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{database} import visits ({run}): {} rows ({} updated, {} unchanged) in {seconds:.2} s, {:.0} rows/s (target: 10,000 rows/s or more)",
            report.rows,
            report.updated,
            report.unchanged,
            report.rows as f64 / seconds
        );
    }
    Ok(())
}
