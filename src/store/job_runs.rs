//! Job runs: claimed by inserting the row, so each scheduled run happens once.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StoreResult, Tx};
use crate::args;

/// How long a started run is held before another server may take it over: a run
/// whose server died before finishing it is done again (its transaction never
/// committed), never while it may still be running.
pub const HELD_FOR: chrono::Duration = chrono::Duration::minutes(15);

/// Claims the run of `job` scheduled for `scheduled_for` at `now`; false when it
/// already ran, or is running elsewhere (started less than [`HELD_FOR`] ago).
pub async fn claim(
    tx: &mut Tx,
    job: &str,
    scheduled_for: DateTime<Utc>,
    runner: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let claimed = tx
        .execute(
            "INSERT INTO job_runs (job, scheduled_for, runner, started_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (job, scheduled_for) DO UPDATE
                 SET runner = excluded.runner, started_at = excluded.started_at, error = NULL
                 WHERE job_runs.finished_at IS NULL AND job_runs.started_at < $5",
            args![job, scheduled_for, runner, now, now - HELD_FOR],
        )
        .await?;
    Ok(claimed == 1)
}

/// Records how a claimed run ended.
pub async fn finish(
    tx: &mut Tx,
    job: &str,
    scheduled_for: DateTime<Utc>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let outcome = if error.is_some() {
        "failed"
    } else {
        "succeeded"
    };
    tx.execute(
        "UPDATE job_runs SET finished_at = $3, outcome = $4, error = $5
         WHERE job = $1 AND scheduled_for = $2",
        args![job, scheduled_for, now, outcome, error],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobRun {
    pub job: String,
    pub scheduled_for: DateTime<Utc>,
    pub runner: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub error: Option<String>,
}

/// The runs of a job, latest first.
pub async fn runs(tx: &mut Tx, job: &str) -> StoreResult<Vec<JobRun>> {
    tx.fetch_all(
        "SELECT job, scheduled_for, runner, started_at, finished_at, outcome, error
         FROM job_runs WHERE job = $1 ORDER BY scheduled_for DESC",
        args![job],
    )
    .await
}
