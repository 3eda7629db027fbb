//! The daemon: the scheduler (which runs are due, each run once, a clean stop)
//! and the web server beside it. It sits above `jobs/` and `web/` so that
//! `jobs/` never depends on `web/`.

use chrono::{DateTime, Duration, Utc};

use crate::config::Settings;
use crate::jobs::schedule::Schedule;
use crate::jobs::{Job, run_once};
use crate::service::Actor;
use crate::service::Store;
use crate::service::plan_week;

/// The jobs with a schedule, in the order they run when due together.
pub fn scheduled_jobs(settings: &Settings) -> Result<Vec<(Job, Schedule)>, String> {
    let parsed = crate::jobs::schedule::from_settings(&settings.jobs)?;
    let job = |name: &str| Job::ALL.into_iter().find(|job| job.name() == name);
    Ok(parsed
        .into_iter()
        .filter_map(|(name, schedule)| Some((job(name)?, schedule?)))
        .collect())
}

/// The one run a job owes at `now`: its latest scheduled time within its catch-up
/// window (plan-week: until the week it plans has started), never one per missed
/// tick.
pub fn owed(
    job: Job,
    schedule: &Schedule,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Option<DateTime<Utc>> {
    let zone = settings.time_zone;
    if job == Job::PlanWeek {
        let tick = schedule.latest_within(now, Duration::days(7), zone)?;
        let week = plan_week::coming_week(tick.with_timezone(&zone).date_naive());
        let monday = crate::service::plan_week::monday_of(week)
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).earliest())
            .map(|t| t.with_timezone(&Utc))?;
        return (now < monday).then_some(tick);
    }
    let window = Duration::hours(i64::from(settings.jobs.catch_up_hours));
    schedule.latest_within(now, window, zone)
}

/// Runs every owed job once (a run already claimed, here or by another server, is
/// skipped); a failed job is logged and the others still run.
pub async fn run_due(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    jobs: &[(Job, Schedule)],
    now: DateTime<Utc>,
) -> Vec<(Job, DateTime<Utc>, Result<String, String>)> {
    let mut done = Vec::new();
    for (job, schedule) in jobs {
        let Some(tick) = owed(*job, schedule, now, settings) else {
            continue;
        };
        match run_once(store, settings, actor, *job, tick, now).await {
            Ok(Some(summary)) => {
                tracing::info!(job = job.name(), scheduled_for = %tick, %summary, "job ran");
                done.push((*job, tick, Ok(summary)));
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(job = job.name(), scheduled_for = %tick, error = format!("{error:#}"), "job failed");
                done.push((*job, tick, Err(format!("{error:#}"))));
            }
        }
    }
    done
}

/// When the scheduler should look again: the next scheduled time of any job.
pub fn next_wake(
    jobs: &[(Job, Schedule)],
    now: DateTime<Utc>,
    settings: &Settings,
) -> Option<DateTime<Utc>> {
    jobs.iter()
        .filter_map(|(_, s)| s.next_after(now, settings.time_zone))
        .min()
}

/// The daemon: the web server on `listener` and every job at its scheduled times,
/// until `shutdown` completes; then the running job may finish (within
/// `jobs.grace_seconds`) and the web server stops taking requests. `clock` is read
/// here, the daemon's edge, and by the web server: every job is given its time.
pub async fn serve(
    store: Store,
    settings: Settings,
    actor: Actor,
    clock: crate::clock::Clock,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let jobs = scheduled_jobs(&settings).map_err(anyhow::Error::msg)?;
    let listen = listener.local_addr()?;
    let app = std::sync::Arc::new(crate::web::App::new(
        store.clone(),
        settings.clone(),
        jobs.clone(),
        clock.clone(),
    ));
    let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
    let web = tokio::spawn(crate::web::serve(listener, app, async {
        let _ = web_stopped.await;
    }));
    tracing::info!(jobs = jobs.len(), %listen, "songjiao serve: started");
    let grace = std::time::Duration::from_secs(settings.jobs.grace_seconds);
    let mut stop = std::pin::pin!(shutdown);
    loop {
        let work = run_due(&store, &settings, &actor, &jobs, clock());
        let mut work = std::pin::pin!(work);
        tokio::select! {
            _ = &mut work => {}
            _ = &mut stop => {
                tracing::info!("stopping: letting the running job finish");
                if tokio::time::timeout(grace, &mut work).await.is_err() {
                    tracing::warn!("the running job did not finish within the grace time");
                }
                break;
            }
        }
        // Never sleep past a minute: a clock changed by hand is noticed soon.
        let now = clock();
        let wake = next_wake(&jobs, now, &settings)
            .map(|t| (t - now).to_std().unwrap_or_default())
            .unwrap_or(std::time::Duration::from_secs(60))
            .min(std::time::Duration::from_secs(60));
        tokio::select! {
            _ = tokio::time::sleep(wake) => {}
            _ = &mut stop => break,
        }
    }
    let _ = stop_web.send(());
    let _ = web.await;
    store.close().await;
    tracing::info!("songjiao serve: stopped");
    Ok(())
}
