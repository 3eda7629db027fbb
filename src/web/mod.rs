//! The web port: for now `GET /healthz`, the daemon's health as JSON.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::jobs::Job;
use crate::jobs::schedule::Schedule;
use crate::store::{Store, job_runs};

pub struct Health {
    pub store: Store,
    pub settings: Settings,
    pub jobs: Vec<(Job, Schedule)>,
}

#[derive(Serialize)]
struct JobHealth {
    job: &'static str,
    last_run: Option<job_runs::JobRun>,
    next_run: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct HealthReport {
    database: String,
    jobs: Vec<JobHealth>,
}

async fn healthz(State(health): State<Arc<Health>>) -> (StatusCode, Json<HealthReport>) {
    let now = Utc::now();
    let mut jobs = Vec::new();
    let database = match health.store.read().await {
        Ok(mut tx) => {
            for (job, schedule) in &health.jobs {
                let last_run = job_runs::runs(&mut tx, job.name())
                    .await
                    .ok()
                    .and_then(|runs| runs.into_iter().next());
                jobs.push(JobHealth {
                    job: job.name(),
                    last_run,
                    next_run: schedule.next_after(now, health.settings.time_zone),
                });
            }
            let _ = tx.rollback().await;
            "ok".to_string()
        }
        Err(error) => format!("unavailable: {error}"),
    };
    let status = if database == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(HealthReport { database, jobs }))
}

pub fn router(health: Arc<Health>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(health)
}
