//! The daemon's runs of its jobs: each run claimed once across processes and
//! restarts, its end kept, a failure told to the operators.

use chrono::{DateTime, Utc};

use super::{Actor, ServiceError};
use crate::config::Settings;
pub use crate::store::job_runs::JobRun;
use crate::store::{Store, job_runs, outbox};

/// Claims the run of `job` scheduled for `scheduled_for`: false when another
/// process, or this one before a restart, already claimed it.
pub async fn claim(
    store: &Store,
    actor: &Actor,
    job: &str,
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    let claimed = job_runs::claim(&mut tx, job, scheduled_for, &actor.name, now).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// Keeps how a claimed run ended; a failure is queued to the operators in the
/// same transaction (the next run still happens).
pub async fn finish(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    job: &str,
    scheduled_for: DateTime<Utc>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    job_runs::finish(&mut tx, job, scheduled_for, error, now).await?;
    if let Some(error) = error {
        let notices = settings
            .mail
            .operators
            .iter()
            .map(|operator| outbox::NewMessage {
                idempotency_key: format!(
                    "job-failed:{job}:{}:{operator}",
                    scheduled_for.to_rfc3339()
                ),
                kind: "operator",
                channel: outbox::Channel::Email,
                recipient: operator.clone(),
                subject: format!("songjiao: job {job} failed"),
                body_text: format!(
                    "The {job} run scheduled for {} failed:\n\n{error}\n\nThe next scheduled run will happen as usual; `songjiao run-job {}` runs it now.\n",
                    scheduled_for.to_rfc3339(),
                    job.replace('_', "-")
                ),
                body_html: None,
                attachments: Vec::new(),
            })
            .collect();
        outbox::enqueue(&mut tx, notices).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The last run of each job named, for the health page and the coordinators'
/// home.
pub async fn last_runs(
    store: &Store,
    actor: &Actor,
    jobs: &[&str],
) -> Result<Vec<Option<JobRun>>, ServiceError> {
    if !actor.role.keeps_registers() {
        return Err(ServiceError::Forbidden(
            "the jobs' runs are the coordinators' and admins'".into(),
        ));
    }
    let mut tx = store.read().await?;
    let mut last = Vec::new();
    for job in jobs {
        last.push(job_runs::runs(&mut tx, job).await?.into_iter().next());
    }
    tx.rollback().await?;
    Ok(last)
}
