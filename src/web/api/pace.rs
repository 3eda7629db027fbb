//! Progress per plan (and per school), and the supervisors' alerts.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::problem::{ApiError, Problem};
use super::{Page, ordered, page_of};
use crate::service::{alerts, students};
use crate::web::App;

/// A plan's pace now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanProgress {
    pub plan_id: i64,
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub teacher_id: String,
    pub school_year: String,
    /// on_track, behind, at_risk or unreachable.
    pub status: String,
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub target: u32,
    /// The most the plan can still reach with every remaining visit given.
    pub capacity: u32,
    pub visits_completed: u32,
    pub visits_missed: u32,
    pub visits_unrecorded: u32,
}

/// A school's plans added up.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SchoolProgress {
    pub school: String,
    pub plans: u32,
    pub delivered: u32,
    pub expected: u32,
    pub target: u32,
    /// Plans by status (on_track, behind, at_risk, unreachable).
    pub by_status: BTreeMap<String, u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressPage {
    pub items: Vec<PlanProgress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Every school of the filtered plans, added up (all pages).
    pub schools: Vec<SchoolProgress>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressFilter {
    pub school: Option<String>,
    /// on_track, behind, at_risk or unreachable.
    pub status: Option<String>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Each plan of this school year the caller sees, by plan id, with the schools'
/// totals.
#[utoipa::path(
    get,
    path = "/api/v1/progress",
    tag = "progress",
    params(ProgressFilter),
    responses(
        (status = 200, body = ProgressPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn progress(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<ProgressFilter>,
) -> Result<Json<ProgressPage>, ApiError> {
    let rows =
        students::visible_progress(&app.store, &app.settings, &caller.actor, app.now()).await?;
    let rows: Vec<PlanProgress> = rows
        .into_iter()
        .filter(|r| filter.school.as_ref().is_none_or(|s| &r.school == s))
        .filter(|r| {
            filter
                .status
                .as_ref()
                .is_none_or(|s| r.status.as_str() == s)
        })
        .map(|r| PlanProgress {
            plan_id: r.plan_id,
            student_id: r.student_id,
            name: r.name,
            school: r.school,
            teacher_id: r.teacher_id,
            school_year: r.school_year,
            status: r.status.as_str().to_string(),
            delivered: r.delivered,
            pending: r.pending,
            expected: r.expected,
            target: r.target,
            capacity: r.capacity,
            visits_completed: r.visits_completed,
            visits_missed: r.visits_missed,
            visits_unrecorded: r.visits_unrecorded,
        })
        .collect();
    let mut schools: BTreeMap<String, SchoolProgress> = BTreeMap::new();
    for row in &rows {
        let school = schools
            .entry(row.school.clone())
            .or_insert_with(|| SchoolProgress {
                school: row.school.clone(),
                ..SchoolProgress::default()
            });
        school.plans += 1;
        school.delivered += row.delivered;
        school.expected += row.expected;
        school.target += row.target;
        *school.by_status.entry(row.status.clone()).or_default() += 1;
    }
    let Page { items, next_cursor } = page_of(
        rows,
        |r: &PlanProgress| ordered(r.plan_id),
        filter.cursor.as_deref(),
        filter.limit,
    )?;
    Ok(Json(ProgressPage {
        items,
        next_cursor,
        schools: schools.into_values().collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertBody {
    pub alert_id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub name: String,
    pub school: String,
    /// behind, at_risk or unreachable.
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub last_notified_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertFilter {
    /// Only the open ones (default true).
    pub open: Option<bool>,
    pub school: Option<String>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The alerts of the children the caller sees, by id.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    tag = "alerts",
    params(AlertFilter),
    responses(
        (status = 200, body = Page<AlertBody>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn alerts(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<AlertFilter>,
) -> Result<Json<Page<AlertBody>>, ApiError> {
    let seen = alerts::list(&app.store, &caller.actor, filter.open.unwrap_or(true)).await?;
    let items = seen
        .into_iter()
        .filter(|a| filter.school.as_ref().is_none_or(|s| &a.school == s))
        .map(|a| AlertBody {
            alert_id: a.alert.id,
            plan_id: a.alert.plan_id,
            student_id: a.alert.student_id,
            name: a.name,
            school: a.school,
            severity: a.alert.severity.as_str().to_string(),
            opened_at: a.alert.opened_at,
            last_notified_at: a.alert.last_notified_at,
            resolved_at: a.alert.resolved_at,
            acknowledged_at: a.alert.acknowledged_at,
            acknowledged_by: a.alert.acknowledged_by,
            ack_note: a.alert.ack_note,
        })
        .collect();
    Ok(Json(page_of(
        items,
        |a: &AlertBody| ordered(a.alert_id),
        filter.cursor.as_deref(),
        filter.limit,
    )?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// What the supervisor will do about it.
    pub note: String,
}

/// Acknowledges an open alert of a child the caller sees, with a note.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{alert_id}/ack",
    tag = "alerts",
    params(("alert_id" = i64, Path, description = "The alert's id")),
    request_body = Acknowledgement,
    responses(
        (status = 204, description = "Acknowledged"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn acknowledge(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(alert_id): ApiPath<i64>,
    ApiJson(ack): ApiJson<Acknowledgement>,
) -> Result<axum::http::StatusCode, ApiError> {
    alerts::acknowledge(&app.store, &caller.actor, app.now(), alert_id, &ack.note).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
