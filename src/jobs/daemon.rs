//! The daemon's scheduler: which runs are due, run each once, stop cleanly.

use chrono::{DateTime, Duration, Utc};

use super::schedule::Schedule;
use super::{Job, plan_week, run_once};
use crate::config::Settings;
use crate::store::{Actor, Store};

/// The jobs with a schedule, in the order they run when due together.
pub fn scheduled_jobs(settings: &Settings) -> Result<Vec<(Job, Schedule)>, String> {
    let parsed = super::schedule::from_settings(&settings.jobs)?;
    let job = |name: &str| match name {
        "plan_week" => Some(Job::PlanWeek),
        "check_pace" => Some(Job::CheckPace),
        "digest" => Some(Job::Digest),
        "remind_unrecorded" => Some(Job::RemindUnrecorded),
        "drain_outbox" => Some(Job::DrainOutbox),
        _ => None,
    };
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
        let monday = crate::planner::week::monday_of(week)
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
