//! Planning a week (the dry run, then applied), the week's board, and every
//! visit by child, teacher, days or unrecorded.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::extract::{ApiPath, ApiQuery, Caller};
use super::problem::{ApiError, Problem};
use super::visits::{VisitItem, page_of_visits};
use crate::service::plan_week::parse_week;
use crate::service::visits::VisitFilter;
use crate::service::{plan_week, week_board};
use crate::web::App;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    /// True (the default): what planning would do, nothing written.
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WeekPlan {
    pub week: String,
    pub dry_run: bool,
    pub added: usize,
    pub moved: usize,
    pub cancelled: usize,
    pub kept: usize,
    pub visits: Vec<PlannedVisit>,
    /// Children the week could not give all their visits, and why.
    pub unplaced: Vec<NotPlaced>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedVisit {
    /// Absent in a dry run for a visit not yet written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<i64>,
    pub student_id: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    /// added, moved, kept or fixed (a day past, or recorded).
    pub change: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotPlaced {
    pub student_id: String,
    pub missing: u32,
    pub reason: String,
}

/// Plans a week for the whole district: the dry run by default, applied with
/// `dry_run=false` (district coordinators and admins). Visits moved by hand stay.
#[utoipa::path(
    post,
    path = "/api/v1/weeks/{iso_week}/plan",
    tag = "weeks",
    params(("iso_week" = String, Path, description = "An ISO week like 2026-W49"), PlanQuery),
    responses(
        (status = 200, body = WeekPlan),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plan(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(iso_week): ApiPath<String>,
    ApiQuery(query): ApiQuery<PlanQuery>,
) -> Result<Json<WeekPlan>, ApiError> {
    let week = parse_week(&iso_week).ok_or_else(|| ApiError::not_found("week", &iso_week))?;
    let dry_run = query.dry_run.unwrap_or(true);
    let report = plan_week::run(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        week,
        dry_run,
    )
    .await?;
    Ok(Json(WeekPlan {
        week: report.week,
        dry_run,
        added: report.changes.added,
        moved: report.changes.moved,
        cancelled: report.changes.cancelled,
        kept: report.changes.kept,
        visits: report
            .visits
            .into_iter()
            .map(|v| PlannedVisit {
                visit_id: v.visit_id,
                student_id: v.student,
                teacher_id: v.teacher,
                day: v.day,
                slot: v.slot,
                change: v.change.to_string(),
            })
            .collect(),
        unplaced: report
            .unplaced
            .into_iter()
            .map(|u| NotPlaced {
                student_id: u.student,
                missing: u.missing,
                reason: u.reason,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitsQuery {
    pub student: Option<String>,
    pub teacher: Option<String>,
    /// From this day (ISO 8601).
    pub from: Option<NaiveDate>,
    /// To this day.
    pub to: Option<NaiveDate>,
    /// Only visits up to today nobody has recorded.
    pub unrecorded: Option<bool>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Planned visits the caller sees, by child, teacher, days or unrecorded, by id.
#[utoipa::path(
    get,
    path = "/api/v1/visits",
    tag = "visits",
    params(VisitsQuery),
    responses(
        (status = 200, body = Page<VisitItem>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(query): ApiQuery<VisitsQuery>,
) -> Result<Json<Page<VisitItem>>, ApiError> {
    let today = app
        .now()
        .with_timezone(&app.settings.time_zone)
        .date_naive();
    let filter = VisitFilter {
        from: query.from,
        to: query.to,
        teacher_id: query.teacher.clone(),
        student_id: query.student.clone(),
        unrecorded_by: query.unrecorded.unwrap_or(false).then_some(today),
    };
    page_of_visits(&app, &caller, &filter, query.cursor.as_deref(), query.limit).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardSummary {
    pub week: String,
    /// When the week was last planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub visits: usize,
    /// Children the plan could not give all their visits, and why.
    pub unplaced: Vec<NotPlaced>,
}

/// The week's board as numbers: its visits (read them with
/// `/api/v1/weeks/{iso_week}/visits`) and the children not placed, and why.
#[utoipa::path(
    get,
    path = "/api/v1/weeks/{iso_week}/board",
    tag = "weeks",
    params(("iso_week" = String, Path, description = "An ISO week like 2026-W49")),
    responses(
        (status = 200, body = BoardSummary),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn board(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(iso_week): ApiPath<String>,
) -> Result<Json<BoardSummary>, ApiError> {
    let week = parse_week(&iso_week).ok_or_else(|| ApiError::not_found("week", &iso_week))?;
    let board = week_board::board(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        week,
        None,
        None,
    )
    .await?;
    Ok(Json(BoardSummary {
        week: crate::service::plan_week::format_week(week),
        planned_at: board.planned_at,
        visits: board.visits,
        unplaced: board
            .unplaced
            .into_iter()
            .map(|u| NotPlaced {
                student_id: u.student_id,
                missing: u32::try_from(u.missing).unwrap_or(u32::MAX),
                reason: u.reason,
            })
            .collect(),
    }))
}
