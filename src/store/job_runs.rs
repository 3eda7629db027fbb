//! Job runs: claimed by inserting the row, so each scheduled run happens once.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StoreResult, Tx};
use crate::args;

/// Claims the run of `job` scheduled for `scheduled_for`; false when another
/// process (or an earlier life of this one) already has it.
pub async fn claim(
    tx: &mut Tx,
    job: &str,
    scheduled_for: DateTime<Utc>,
    runner: &str,
) -> StoreResult<bool> {
    let now = tx.now;
    let inserted = tx
        .execute(
            "INSERT INTO job_runs (job, scheduled_for, runner, started_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (job, scheduled_for) DO NOTHING",
            args![job, scheduled_for, runner, now],
        )
        .await?;
    Ok(inserted == 1)
}

/// Records how a claimed run ended.
pub async fn finish(
    tx: &mut Tx,
    job: &str,
    scheduled_for: DateTime<Utc>,
    error: Option<&str>,
) -> StoreResult<()> {
    let now = tx.now;
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
