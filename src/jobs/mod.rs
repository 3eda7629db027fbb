//! The jobs the daemon runs on a schedule; each can also be run from the command
//! line, through the same path: the run is claimed in `job_runs` first, so a run
//! for a given time happens once.

pub mod schedule;

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::notify::{self, Transport};
use crate::service::Actor;
use crate::service::{Store, job_runs};
use crate::service::{check_pace, digest, plan_week, remind_unrecorded};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    PlanWeek,
    CheckPace,
    Digest,
    RemindUnrecorded,
    DrainOutbox,
    PruneAccessLog,
    Backup,
    Retention,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::PlanWeek => "plan_week",
            Job::CheckPace => "check_pace",
            Job::Digest => "digest",
            Job::RemindUnrecorded => "remind_unrecorded",
            Job::DrainOutbox => "drain_outbox",
            Job::PruneAccessLog => "prune_access_log",
            Job::Backup => "backup",
            Job::Retention => "retention",
        }
    }

    /// As people read it under zh-CN (the catalogue's words).
    pub fn zh(self) -> &'static str {
        crate::speech::job_zh(self.name()).unwrap_or(self.name())
    }

    /// The job of this name (`plan_week`).
    pub fn named(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name)
    }

    /// Every job, in the order the daemon runs them when due together.
    pub const ALL: [Job; 8] = [
        Job::PlanWeek,
        Job::CheckPace,
        Job::Digest,
        Job::RemindUnrecorded,
        Job::DrainOutbox,
        Job::PruneAccessLog,
        Job::Backup,
        Job::Retention,
    ];
}

/// Runs `job` at `now` for the time it was scheduled for, unless that run was
/// already claimed; returns what it did in a line, or None when it had already run.
pub async fn run_once(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    job: Job,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    if !job_runs::claim(store, actor, job.name(), scheduled_for, now).await? {
        return Ok(None);
    }
    // A calendar corrected on the pages since the last run, by another process.
    // What the job changes is recorded as the job's doing (系统（每周排课）).
    let job_actor = Actor::new(format!("job:{}", job.name()));
    let result = match crate::service::school_calendar::load_corrections(store, settings).await {
        Ok(()) => run(store, settings, &job_actor, job, scheduled_for).await,
        Err(error) => Err(error.into()),
    };
    let error = result.as_ref().err().map(|e| format!("{e:#}"));
    job_runs::finish(
        store,
        settings,
        actor,
        job.name(),
        scheduled_for,
        error.as_deref(),
        now,
    )
    .await?;
    result.map(Some)
}

async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    job: Job,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    Ok(match job {
        Job::PlanWeek => {
            let today = now.with_timezone(&settings.time_zone).date_naive();
            let week = plan_week::coming_week(today);
            let report = plan_week::run(store, settings, actor, now, week, false).await?;
            match report.nothing_to_plan {
                Some(why) => format!("{why}."),
                None => format!(
                    "Week {}: {} of {} visits placed; {} added, {} moved, {} cancelled, {} kept.",
                    report.week,
                    report.stats.visits_placed,
                    report.stats.visits_needed,
                    report.changes.added,
                    report.changes.moved,
                    report.changes.cancelled,
                    report.changes.kept
                ),
            }
        }
        Job::CheckPace => {
            let r = check_pace::run(store, settings, actor, now).await?;
            let mut summary = format!(
                "Alerts: {} opened, {} worse, {} better, {} reminded, {} recovered; {} email(s) queued.",
                r.opened, r.raised, r.lowered, r.reminded, r.recovered, r.emails
            );
            summary.push_str(&group_posts(r.group_posts));
            if r.nobody_told > 0 {
                summary.push_str(&format!(
                    "\n{} alert(s) had no supervisor to tell{}: register one with `songjiao supervisor add` (for the school, or without --school for the district).",
                    r.nobody_told,
                    if settings.mail.operators.is_empty() {
                        " and no mail.operators are set"
                    } else {
                        "; the operators were told"
                    }
                ));
            }
            summary
        }
        Job::Digest => {
            let r = digest::run(store, settings, actor, now).await?;
            let anchors = crate::service::audit::mail_anchor(store, settings, actor, now).await?;
            format!(
                "Digest: {} email(s) queued.{} The access log's anchor mailed to {anchors} operator(s).",
                r.emails,
                group_posts(r.group_posts)
            )
        }
        Job::RemindUnrecorded => {
            let r = remind_unrecorded::run(store, settings, actor, now).await?;
            format!(
                "Reminders: {} visit(s) to {} teacher(s); {} visit(s) escalated in {} email(s).{}",
                r.visits_reminded,
                r.teacher_emails,
                r.visits_escalated,
                r.coordinator_emails,
                group_posts(r.group_posts)
            )
        }
        Job::Backup => {
            let written = crate::service::backup::nightly(store, settings, now).await?;
            let anchor = crate::service::audit::keep_anchor(store, settings, now).await?;
            format!("{written} Access log anchor: {}", anchor.line())
        }
        Job::Retention => {
            let years = settings.privacy.retention_years;
            let r = crate::service::privacy::anonymise_left(store, actor, settings, now).await?;
            format!("Retention: {r} child(ren) who left more than {years} year(s) ago anonymised.")
        }
        Job::PruneAccessLog => {
            let days = settings.security.access_log_days;
            let removed = crate::service::audit::prune(store, settings, actor, now).await?;
            format!("Access log: {removed} read(s) older than {days} days removed.")
        }
        Job::DrainOutbox => {
            let transport = Transport::from_settings(settings)?;
            let r = notify::drain(store, settings, &transport, &actor.audit(), now).await?;
            format!(
                "{} sent, {} to be retried, {} given up.",
                r.sent, r.retrying, r.dead
            )
        }
    })
}

/// " 2 group robot message(s) queued." when there are any.
fn group_posts(count: usize) -> String {
    if count == 0 {
        String::new()
    } else {
        format!(" {count} group robot message(s) queued.")
    }
}

#[cfg(test)]
mod tests {
    use super::Job;

    #[test]
    fn every_job_is_found_by_its_name_and_has_its_chinese_one() {
        for job in Job::ALL {
            assert_eq!(Job::named(job.name()), Some(job));
            assert!(job.zh().chars().all(|c| !c.is_ascii()), "{}", job.zh());
        }
        assert_eq!(Job::named("plan_week").map(Job::zh), Some("每周排课"));
    }
}
