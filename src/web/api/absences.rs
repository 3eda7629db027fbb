//! A child's pauses and a teacher's leave (added, ended today, removed when
//! entered by mistake), teachers' own leave requests and their decision, and
//! the outbox for the admins who run the platform.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::problem::{ApiError, Problem};
use crate::service::leave::{self, NewLeave};
use crate::service::outbox;
use crate::service::registry::AbsenceKind;
use crate::service::registry::{self, AbsenceRef, NewAbsence};
use crate::web::App;

/// A pause of a child's visits, or a teacher's leave.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub reason: String,
    /// Leave of one half of each day only: a slot's name (`AM`, `PM`, or its
    /// Chinese word); absent for whole days. Pauses are whole days.
    #[serde(default)]
    pub half_day: String,
}

async fn add(
    app: &App,
    caller: &Caller,
    kind: AbsenceKind,
    person_id: String,
    period: NewPeriod,
) -> Result<StatusCode, ApiError> {
    let absence = NewAbsence {
        kind,
        person_id,
        from: period.from,
        to: period.to,
        slots: registry::half_days(&app.settings, (period.from, period.to), &period.half_day)?,
        reason: period.reason,
    };
    registry::add_absence(&app.store, &caller.actor, app.now(), &absence).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a running pause or leave today (`end`), or removes one entered by mistake (`remove`).
async fn end_or_remove(
    app: &App,
    caller: &Caller,
    kind: AbsenceKind,
    person: &str,
    id: i64,
    action: &str,
) -> Result<StatusCode, ApiError> {
    let remove = match action {
        "end" => false,
        "remove" => true,
        _ => return Err(ApiError::not_found("action", action)),
    };
    let absence = AbsenceRef { kind, person, id };
    registry::end_or_remove_absence(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        absence,
        remove,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pauses a child's visits from one day to another (coordinators and admins of
/// the child's school).
#[utoipa::path(
    post,
    path = "/api/v1/students/{student_id}/pauses",
    tag = "students",
    params(("student_id" = String, Path, description = "The child's id")),
    request_body = NewPeriod,
    responses(
        (status = 204, description = "Added"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_pause(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(student_id): ApiPath<String>,
    ApiJson(period): ApiJson<NewPeriod>,
) -> Result<StatusCode, ApiError> {
    add(&app, &caller, AbsenceKind::StudentPause, student_id, period).await
}

/// Ends a child's pause today (`end`) or removes one entered by mistake (`remove`).
#[utoipa::path(
    post,
    path = "/api/v1/students/{student_id}/pauses/{pause_id}/{action}",
    tag = "students",
    params(
        ("student_id" = String, Path, description = "The child's id"),
        ("pause_id" = i64, Path, description = "The pause's id"),
        ("action" = String, Path, description = "end or remove"),
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_pause(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath((student_id, pause_id, action)): ApiPath<(String, i64, String)>,
) -> Result<StatusCode, ApiError> {
    let kind = AbsenceKind::StudentPause;
    end_or_remove(&app, &caller, kind, &student_id, pause_id, &action).await
}

/// Enters a teacher's leave, approved as it is made (coordinators and admins
/// of the teacher's school).
#[utoipa::path(
    post,
    path = "/api/v1/teachers/{teacher_id}/leave",
    tag = "people",
    params(("teacher_id" = String, Path, description = "The teacher's id")),
    request_body = NewPeriod,
    responses(
        (status = 204, description = "Added"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_leave(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(teacher_id): ApiPath<String>,
    ApiJson(period): ApiJson<NewPeriod>,
) -> Result<StatusCode, ApiError> {
    add(&app, &caller, AbsenceKind::TeacherLeave, teacher_id, period).await
}

/// Ends a teacher's leave today (`end`) or removes one entered by mistake (`remove`).
#[utoipa::path(
    post,
    path = "/api/v1/teachers/{teacher_id}/leave/{leave_id}/{action}",
    tag = "people",
    params(
        ("teacher_id" = String, Path, description = "The teacher's id"),
        ("leave_id" = i64, Path, description = "The leave's id"),
        ("action" = String, Path, description = "end or remove"),
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_leave(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath((teacher_id, leave_id, action)): ApiPath<(String, i64, String)>,
) -> Result<StatusCode, ApiError> {
    let kind = AbsenceKind::TeacherLeave;
    end_or_remove(&app, &caller, kind, &teacher_id, leave_id, &action).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveItem {
    pub leave_id: i64,
    pub teacher_id: String,
    pub teacher_name: String,
    pub school: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
    /// requested, approved or declined.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LeaveQuery {
    /// Only the requests waiting for a decision.
    pub waiting: Option<bool>,
}

/// Leave requests: a teacher's own; their schools' for coordinators and admins.
#[utoipa::path(
    get,
    path = "/api/v1/leave",
    tag = "leave",
    params(LeaveQuery),
    responses(
        (status = 200, body = Vec<LeaveItem>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn requests(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(query): ApiQuery<LeaveQuery>,
) -> Result<Json<Vec<LeaveItem>>, ApiError> {
    let views = leave::requests(&app.store, &caller.actor, query.waiting.unwrap_or(false)).await?;
    Ok(Json(
        views
            .into_iter()
            .map(|v| LeaveItem {
                leave_id: v.request.id,
                teacher_id: v.request.teacher_id,
                teacher_name: v.teacher_name,
                school: v.school,
                start_date: v.request.start_date,
                end_date: v.request.end_date,
                reason: v.request.reason,
                status: v.request.status.code().to_string(),
                decided_by: v.request.decided_by,
                decided_at: v.request.decided_at,
            })
            .collect(),
    ))
}

/// A teacher asks for leave; their coordinators decide.
#[utoipa::path(
    post,
    path = "/api/v1/leave",
    tag = "leave",
    request_body = NewPeriod,
    responses(
        (status = 201, description = "Asked; waiting for a decision"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ask(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiJson(period): ApiJson<NewPeriod>,
) -> Result<StatusCode, ApiError> {
    let new = NewLeave {
        from: period.from,
        to: period.to,
        slots: registry::half_days(&app.settings, (period.from, period.to), &period.half_day)?,
        reason: period.reason,
    };
    leave::request(&app.store, &app.settings, &caller.actor, app.now(), &new).await?;
    Ok(StatusCode::CREATED)
}

/// Approves or declines a leave request (coordinators and admins of the
/// teacher's school); the teacher is told by email.
#[utoipa::path(
    post,
    path = "/api/v1/leave/{leave_id}/{decision}",
    tag = "leave",
    params(
        ("leave_id" = i64, Path, description = "The request's id"),
        ("decision" = String, Path, description = "approve or decline"),
    ),
    responses(
        (status = 204, description = "Decided"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn decide(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath((leave_id, decision)): ApiPath<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    let approve = match decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(ApiError::not_found("decision", &decision)),
    };
    leave::decide(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        leave_id,
        approve,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageItem {
    pub message_id: i64,
    /// queued, sending, sent or dead.
    pub status: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    #[param(inline)]
    pub status: Option<MessageStatus>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Queued,
    Sending,
    Sent,
    Dead,
}

impl MessageStatus {
    fn code(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Dead => "dead",
        }
    }
}

/// The outbox: every email, its state and last error (admins; no bodies).
#[utoipa::path(
    get,
    path = "/api/v1/outbox",
    tag = "outbox",
    params(OutboxQuery),
    responses(
        (status = 200, body = Vec<MessageItem>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn messages(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OutboxQuery>,
) -> Result<Json<Vec<MessageItem>>, ApiError> {
    let listed = outbox::list(
        &app.store,
        &caller.actor,
        query.status.map(MessageStatus::code),
    )
    .await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|m| MessageItem {
                message_id: m.id,
                status: m.status,
                kind: m.kind,
                recipient: m.recipient,
                subject: m.subject,
                attempts: m.attempts,
                next_attempt_at: m.next_attempt_at,
                last_error: m.last_error,
            })
            .collect(),
    ))
}

/// Sends a dead (or failing) email again at the next drain (admins).
#[utoipa::path(
    post,
    path = "/api/v1/outbox/{message_id}/retry",
    tag = "outbox",
    params(("message_id" = i64, Path, description = "The message's id")),
    responses(
        (status = 204, description = "Queued again"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn retry(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(message_id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    outbox::retry(&app.store, &caller.actor, app.now(), message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
