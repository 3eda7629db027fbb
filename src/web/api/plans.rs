//! Plans: read with their version (`ETag`), revised only over the version read
//! (`If-Match`), and their history.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath, Caller, if_match};
use super::people::PaceNow;
use super::problem::{ApiError, Problem};
use super::with_etag;
use crate::service::plans::{self, PlanView, SetPlan};
use crate::web::App;

/// A plan of a school year (一人一案) with where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanBody {
    pub plan_id: i64,
    pub student_id: String,
    pub student_name: String,
    pub school_year: String,
    /// Raised by every revision; the `ETag` is `plan-<plan_id>-r<revision>`.
    pub revision: i64,
    pub teacher_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_teacher_id: Option<String>,
    pub visits_per_week: u32,
    pub periods_per_visit: u32,
    pub annual_target: u32,
    /// The periods owed, pro-rated when the plan is shorter than its year.
    pub target: u32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub goals: Vec<Goal>,
    pub updated_at: DateTime<Utc>,
    pub pace: PaceNow,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Goal {
    /// Kept while the goal's text stays; visit notes refer to it.
    pub goal_id: i64,
    pub text: String,
}

fn etag(plan_id: i64, revision: i64) -> String {
    format!("plan-{plan_id}-r{revision}")
}

fn answer(view: PlanView) -> Response {
    let plan = &view.plan;
    let terms = &plan.terms;
    let body = PlanBody {
        plan_id: plan.plan_id,
        student_id: plan.student_id.clone(),
        student_name: view.student_name.clone(),
        school_year: plan.school_year.clone(),
        revision: plan.revision,
        teacher_id: terms.teacher_id.clone(),
        backup_teacher_id: terms.backup_teacher_id.clone(),
        visits_per_week: terms.visits_per_week,
        periods_per_visit: terms.periods_per_visit,
        annual_target: terms.annual_target,
        target: view.target,
        start_date: terms.start_date,
        end_date: terms.end_date,
        goals: plan
            .goal_ids
            .iter()
            .zip(&terms.goals)
            .map(|(goal_id, text)| Goal {
                goal_id: *goal_id,
                text: text.clone(),
            })
            .collect(),
        updated_at: plan.updated_at,
        pace: PaceNow {
            status: view.status.as_str().to_string(),
            delivered: view.delivered,
            pending: view.pending,
            expected: view.expected,
            target: view.target,
        },
    };
    with_etag(body, &etag(plan.plan_id, plan.revision))
}

#[utoipa::path(
    get,
    path = "/api/v1/plans/{plan_id}",
    tag = "plans",
    params(("plan_id" = i64, Path, description = "The plan's id")),
    responses(
        (status = 200, body = PlanBody, headers(("ETag" = String, description = "plan-<id>-r<revision>"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plan(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(plan_id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = plans::plan(&app.store, &app.settings, &caller.actor, app.now(), plan_id).await?;
    Ok(answer(view))
}

/// What a revision changes; what is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChange {
    pub teacher_id: Option<String>,
    /// An empty text removes the backup teacher.
    pub backup_teacher_id: Option<String>,
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub visits_per_week: Option<u32>,
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub periods_per_visit: Option<u32>,
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub annual_target: Option<u32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Replaces the goals when given (not empty).
    pub goals: Option<Vec<String>>,
    /// Why the plan changes: kept in its history.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Revises a plan. With `If-Match` (the `ETag` read), a plan revised by someone
/// else since is not changed: 412, and the plan as it is now is one GET away.
#[utoipa::path(
    put,
    path = "/api/v1/plans/{plan_id}",
    tag = "plans",
    params(
        ("plan_id" = i64, Path, description = "The plan's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: refused with 412 when the plan changed since"),
    ),
    request_body = PlanChange,
    responses(
        (status = 200, body = PlanBody, headers(("ETag" = String, description = "The new version"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revise(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(plan_id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(change): ApiJson<PlanChange>,
) -> Result<Response, ApiError> {
    let (store, settings, actor, now) = (&app.store, &app.settings, &caller.actor, app.now());
    let current = plans::plan(store, settings, actor, now, plan_id).await?;
    if !actor.role.keeps_registers() {
        return Err(crate::service::ServiceError::Forbidden(
            "plans are revised by coordinators".into(),
        )
        .into());
    }
    let seen_revision = if_match(&headers).map(|tags| {
        tags.iter()
            .find_map(|tag| {
                tag.strip_prefix(&format!("plan-{plan_id}-r"))?
                    .parse::<i64>()
                    .ok()
            })
            // A version of another plan never matches.
            .unwrap_or(-1)
    });
    if change.reason.trim().is_empty() {
        return Err(ApiError::invalid(
            "reason",
            "a revision needs its reason",
            "修订方案需要填写原因",
        ));
    }
    let input = SetPlan {
        student_id: current.plan.student_id.clone(),
        year: current.plan.school_year.parse().ok(),
        revise: true,
        teacher: change.teacher_id,
        no_backup: change.backup_teacher_id.as_deref() == Some(""),
        backup: change.backup_teacher_id.filter(|b| !b.is_empty()),
        visits_per_week: change.visits_per_week,
        periods_per_visit: change.periods_per_visit,
        target: change.annual_target,
        start: change.start_date,
        end: change.end_date,
        goals: change.goals.unwrap_or_default(),
        reason: change.reason.trim().to_string(),
        seen_revision,
    };
    plans::set_plan(store, settings, actor, now, input).await?;
    let view = plans::plan(store, settings, actor, now, plan_id).await?;
    Ok(answer(view))
}

/// A new plan of a school year for a child who has none (一人一案); what is
/// left out takes the district's defaults.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    pub student_id: String,
    /// Like 2026-2027; the current year when left out.
    pub school_year: Option<String>,
    pub teacher_id: String,
    pub backup_teacher_id: Option<String>,
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub visits_per_week: Option<u32>,
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub periods_per_visit: Option<u32>,
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub annual_target: Option<u32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    pub goals: Vec<String>,
    #[serde(default)]
    pub reason: String,
}

/// Creates a child's plan of the year. A second plan for the same year is
/// refused (409, naming the plan that exists), so sending it again changes
/// nothing. Coordinators and admins of the child's school.
#[utoipa::path(
    post,
    path = "/api/v1/plans",
    tag = "plans",
    request_body = NewPlan,
    responses(
        (status = 201, body = PlanBody, headers(("ETag" = String, description = "plan-<id>-r1"), ("Location" = String, description = "The plan's address"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiJson(new): ApiJson<NewPlan>,
) -> Result<Response, ApiError> {
    let (store, settings, actor, now) = (&app.store, &app.settings, &caller.actor, app.now());
    if !actor.role.keeps_registers() {
        return Err(crate::service::ServiceError::Forbidden(
            "plans are made by coordinators".into(),
        )
        .into());
    }
    let year = match new.school_year.as_deref() {
        Some(year) => Some(year.parse().map_err(|reason: crate::reason::Reason| {
            ApiError::invalid(
                "school_year",
                &reason.to_string(),
                "school_year 应为如 2026-2027 的学年",
            )
        })?),
        None => None,
    };
    let input = SetPlan {
        student_id: new.student_id,
        year,
        revise: false,
        teacher: Some(new.teacher_id),
        backup: new.backup_teacher_id.filter(|b| !b.is_empty()),
        no_backup: false,
        visits_per_week: new.visits_per_week,
        periods_per_visit: new.periods_per_visit,
        target: new.annual_target,
        start: new.start_date,
        end: new.end_date,
        goals: new.goals,
        reason: new.reason,
        seen_revision: None,
    };
    let plan_id = match plans::set_plan(store, settings, actor, now, input).await? {
        plans::PlanSet::Created { plan_id, .. }
        | plans::PlanSet::Revised { plan_id, .. }
        | plans::PlanSet::Unchanged { plan_id, .. } => plan_id,
    };
    let view = plans::plan(store, settings, actor, now, plan_id).await?;
    let mut response = answer(view);
    *response.status_mut() = axum::http::StatusCode::CREATED;
    if let Ok(location) = format!("/api/v1/plans/{plan_id}").parse() {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, location);
    }
    Ok(response)
}

/// One revision: the terms as they were, who changed them, when and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionBody {
    pub revision: i64,
    pub teacher_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_teacher_id: Option<String>,
    pub visits_per_week: i64,
    pub periods_per_visit: i64,
    pub annual_target: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub goals: Vec<String>,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

#[utoipa::path(
    get,
    path = "/api/v1/plans/{plan_id}/history",
    tag = "plans",
    params(("plan_id" = i64, Path, description = "The plan's id")),
    responses(
        (status = 200, body = Vec<RevisionBody>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn history(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(plan_id): ApiPath<i64>,
) -> Result<Json<Vec<RevisionBody>>, ApiError> {
    let current = plans::plan(&app.store, &app.settings, &caller.actor, app.now(), plan_id).await?;
    let revisions = plans::history(&app.store, &caller.actor, &current.plan.student_id).await?;
    Ok(Json(
        revisions
            .into_iter()
            .filter(|r| r.plan_id == plan_id)
            .map(|r| RevisionBody {
                revision: r.revision,
                teacher_id: r.teacher_id,
                backup_teacher_id: r.backup_teacher_id,
                visits_per_week: r.visits_per_week,
                periods_per_visit: r.periods_per_visit,
                annual_target: r.annual_target,
                start_date: r.start_date,
                end_date: r.end_date,
                goals: r.goals.0,
                reason: r.reason,
                changed_by: r.changed_by,
                changed_at: r.changed_at,
            })
            .collect(),
    ))
}
