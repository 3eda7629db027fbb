//! `plan-week` on a SQLite database with 10,000 active plans, through the same code
//! as the command, and what a teacher recording at the door waits meanwhile. Run:
//! `cargo bench --bench plan_week` (release build).
//! Targets: a week planned in under 5 s (issue 3); records made while the
//! 10,000-child week is planned, and while check-pace projects the year, each
//! waiting under 200 ms (issue 36). The summary names the record that waited
//! longest (by its place among them).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use songjiao::config::Settings;
use songjiao::domain::visit::Outcome;
use songjiao::service::{Actor, check_pace, plan_week, visits};
use songjiao::store::Store;
use songjiao::store::visits::{RecordInput, VisitFilter};

fn at(settings: &Settings, day: NaiveDate, hour: u32) -> DateTime<Utc> {
    settings
        .time_zone
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("a valid time"))
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&Utc)
}

/// Records `waiting` visits one after another, each in its own transaction as a
/// teacher's phone does, until `done`; how long each record took.
async fn record_until(
    store: Store,
    settings: Arc<Settings>,
    now: DateTime<Utc>,
    mut waiting: Vec<i64>,
    done: Arc<AtomicBool>,
) -> anyhow::Result<Vec<Duration>> {
    let teacher = Actor::new("bench-teacher");
    let mut took = Vec::new();
    while !done.load(Ordering::SeqCst) {
        let Some(visit_id) = waiting.pop() else { break };
        let input = RecordInput {
            outcome: Outcome::Completed,
            periods: Some(3),
            reason: None,
            mode: None,
            details: Default::default(),
        };
        let started = Instant::now();
        visits::record(&store, &settings, &teacher, now, visit_id, input).await?;
        took.push(started.elapsed());
        // A district's phones do not send back to back.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(took)
}

fn summary(mut took: Vec<Duration>) -> String {
    if took.is_empty() {
        return "no record was made meanwhile".into();
    }
    // Which record waited longest: the first one also warms its connection.
    let slowest = (0..took.len()).max_by_key(|&at| took[at]).unwrap_or(0) + 1;
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{} records meanwhile: median {:.0} ms, p95 {:.0} ms, longest {:.0} ms (record {slowest}) (target: each under 200 ms)",
        took.len(),
        ms(took[took.len() / 2]),
        ms(took[took.len() * 95 / 100]),
        ms(took[took.len() - 1])
    )
}

/// Runs `job` while a recorder records `waiting`; the job's time and the records'.
async fn with_records<F, T>(
    store: &Store,
    settings: &Arc<Settings>,
    now: DateTime<Utc>,
    waiting: Vec<i64>,
    job: F,
) -> anyhow::Result<(T, f64, String)>
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let done = Arc::new(AtomicBool::new(false));
    let recorder = tokio::spawn(record_until(
        store.clone(),
        settings.clone(),
        now,
        waiting,
        done.clone(),
    ));
    // The recorder is at work before the job starts.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let out = job.await?;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    let took = recorder.await??;
    Ok((out, seconds, summary(took)))
}

async fn measure(database: &str, url: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (settings, store, _) = common::import_district(dir.path(), url, common::STUDENTS).await?;
    let settings = Arc::new(settings);
    let actor = Actor::new("bench");
    // Friday 20 November, 15:00: the week of 23 November is planned, alone.
    let before = NaiveDate::from_ymd_opt(2026, 11, 20).expect("a date");
    let week = plan_week::coming_week(before);
    let started = Instant::now();
    let report = plan_week::run(
        &store,
        &settings,
        &actor,
        at(&settings, before, 15),
        week,
        false,
    )
    .await?;
    println!(
        "{database}: plan-week {} (first plan, alone): {} plans, {} of {} visits placed; {} added; {:.2} s (target: under 5 s)",
        report.week,
        report.plans.len(),
        report.stats.visits_placed,
        report.stats.visits_needed,
        report.changes.added,
        started.elapsed().as_secs_f64()
    );
    // Thursday 26 November: the alerts of a district that recorded nothing yet,
    // so that Friday's check is an ordinary day's.
    let thursday = NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date");
    check_pace::run(&store, &settings, &actor, at(&settings, thursday, 6)).await?;

    // Friday 27 November, 15:00: the teachers record that week's visits while the
    // daemon plans the next one, then while it checks the pace.
    let friday = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a date");
    let now = at(&settings, friday, 15);
    let mut tx = store.read().await?;
    let mut waiting: Vec<i64> = songjiao::store::visits::list(
        &mut tx,
        &VisitFilter {
            from: Some(friday - chrono::Duration::days(4)),
            to: Some(friday - chrono::Duration::days(1)),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .map(|v| v.visit_id)
    .collect();
    tx.rollback().await?;
    let second_half = waiting.split_off(waiting.len() / 2);

    let coming = plan_week::coming_week(friday);
    let (report, seconds, records) = with_records(&store, &settings, now, waiting, async {
        Ok(plan_week::run(&store, &settings, &actor, now, coming, false).await?)
    })
    .await?;
    println!(
        "{database}: plan-week {} (first plan, teachers recording): {} added; {seconds:.2} s; {records}",
        report.week, report.changes.added
    );

    let (report, seconds, records) = with_records(&store, &settings, now, second_half, async {
        Ok(check_pace::run(&store, &settings, &actor, now).await?)
    })
    .await?;
    println!(
        "{database}: check-pace ({} alerts opened, {} changed, {} years projected; teachers recording): {seconds:.2} s; {records}",
        report.opened,
        report.raised + report.lowered + report.recovered,
        report.projected
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
