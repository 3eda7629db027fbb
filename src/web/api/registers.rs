//! The district's people, registered and edited as a sheet's row is (the same
//! columns, the same rules, each refusal by its field), and visits moved or
//! cancelled by hand.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath, Caller};
use super::people::TeacherItem;
use super::problem::{ApiError, Problem};
use crate::service::registry::{self, Changes, PersonKind};
use crate::service::week_board::{self, MoveTo};
use crate::web::App;

/// A child's details, as the students sheet's columns (all text, as a sheet's
/// cells are; what is left out stays as it is).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudentFields {
    pub student_id: Option<String>,
    pub name: Option<String>,
    pub school: Option<String>,
    /// 男/女 or male/female.
    pub gender: Option<String>,
    /// 2016-05-01.
    pub birth_date: Option<String>,
    /// The disability category (智力残疾, 孤独症 …).
    pub disability: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
    pub address: Option<String>,
    /// Half-days the family is at home, like `Mon-AM Wed-PM`.
    pub available: Option<String>,
    /// 在读, 休学, 毕业 … or in_school, paused, graduated …
    pub status: Option<String>,
}

impl StudentFields {
    fn changes(self) -> Changes {
        [
            ("student_id", self.student_id),
            ("name", self.name),
            ("school", self.school),
            ("gender", self.gender),
            ("birth_date", self.birth_date),
            ("disability", self.disability),
            ("guardian_name", self.guardian_name),
            ("guardian_phone", self.guardian_phone),
            ("address", self.address),
            ("available", self.available),
            ("status", self.status),
        ]
        .into_iter()
        .filter_map(|(column, value)| Some((column, value?)))
        .collect()
    }
}

/// A teacher's details, as the teachers sheet's columns.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeacherFields {
    pub teacher_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub school: Option<String>,
    /// Half-days the teacher can visit, like `Mon-AM Mon-PM Tue-AM`.
    pub available: Option<String>,
    pub max_visits_per_day: Option<String>,
}

impl TeacherFields {
    fn changes(self) -> Changes {
        [
            ("teacher_id", self.teacher_id),
            ("name", self.name),
            ("email", self.email),
            ("school", self.school),
            ("available", self.available),
            ("max_visits_per_day", self.max_visits_per_day),
        ]
        .into_iter()
        .filter_map(|(column, value)| Some((column, value?)))
        .collect()
    }
}

/// Who was registered, and where to read them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub id: String,
}

fn created(id: String, location: String) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Registered { id }),
    )
        .into_response()
}

/// Registers a child (coordinators and admins, into one of their schools).
#[utoipa::path(
    post,
    path = "/api/v1/students",
    tag = "students",
    request_body = StudentFields,
    responses(
        (status = 201, body = Registered, headers(("Location" = String, description = "The child's address"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register_student(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiJson(fields): ApiJson<StudentFields>,
) -> Result<Response, ApiError> {
    let changes = fields.changes();
    let id = registry::register_from_form(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        PersonKind::Student,
        &changes,
    )
    .await?;
    Ok(created(id.clone(), format!("/api/v1/students/{id}")))
}

/// Changes a child's details (coordinators and admins of the child's school).
#[utoipa::path(
    patch,
    path = "/api/v1/students/{student_id}",
    tag = "students",
    params(("student_id" = String, Path, description = "The child's id")),
    request_body = StudentFields,
    responses(
        (status = 204, description = "Changed"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn edit_student(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(student_id): ApiPath<String>,
    ApiJson(fields): ApiJson<StudentFields>,
) -> Result<StatusCode, ApiError> {
    let changes = fields.changes();
    registry::edit_student(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        &student_id,
        &changes,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Registers a teacher (coordinators and admins, into one of their schools).
#[utoipa::path(
    post,
    path = "/api/v1/teachers",
    tag = "people",
    request_body = TeacherFields,
    responses(
        (status = 201, body = Registered, headers(("Location" = String, description = "The teacher's address"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register_teacher(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiJson(fields): ApiJson<TeacherFields>,
) -> Result<Response, ApiError> {
    let changes = fields.changes();
    let id = registry::register_from_form(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        PersonKind::Teacher,
        &changes,
    )
    .await?;
    Ok(created(id.clone(), format!("/api/v1/teachers/{id}")))
}

/// A teacher (coordinators and admins of the teacher's school).
#[utoipa::path(
    get,
    path = "/api/v1/teachers/{teacher_id}",
    tag = "people",
    params(("teacher_id" = String, Path, description = "The teacher's id")),
    responses(
        (status = 200, body = TeacherItem),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn teacher(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(teacher_id): ApiPath<String>,
) -> Result<Json<TeacherItem>, ApiError> {
    let teacher = registry::teacher(&app.store, &caller.actor, &teacher_id)
        .await?
        .teacher;
    Ok(Json(TeacherItem {
        available: teacher.available.iter().map(ToString::to_string).collect(),
        teacher_id: teacher.teacher_id,
        name: teacher.name,
        school: teacher.school,
    }))
}

/// Changes a teacher's details (coordinators and admins of the teacher's school).
#[utoipa::path(
    patch,
    path = "/api/v1/teachers/{teacher_id}",
    tag = "people",
    params(("teacher_id" = String, Path, description = "The teacher's id")),
    request_body = TeacherFields,
    responses(
        (status = 204, description = "Changed"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn edit_teacher(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(teacher_id): ApiPath<String>,
    ApiJson(fields): ApiJson<TeacherFields>,
) -> Result<StatusCode, ApiError> {
    let changes = fields.changes();
    registry::edit_teacher(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        &teacher_id,
        &changes,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a visit moves to, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub teacher_id: String,
    pub day: NaiveDate,
    /// A slot of the day, like AM.
    pub slot: String,
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Moves a visit by hand (coordinators and admins of the child's school); it
/// stays where it was put when the week is planned again.
#[utoipa::path(
    post,
    path = "/api/v1/visits/{visit_id}/move",
    tag = "visits",
    params(("visit_id" = i64, Path, description = "The visit's id")),
    request_body = Move,
    responses(
        (status = 204, description = "Moved"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn move_visit(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(visit_id): ApiPath<i64>,
    ApiJson(to): ApiJson<Move>,
) -> Result<StatusCode, ApiError> {
    let to = MoveTo {
        teacher_id: to.teacher_id,
        day: to.day,
        slot: to.slot,
        reason: to.reason,
    };
    week_board::move_visit(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        visit_id,
        &to,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Cancels a visit by hand, with the reason.
#[utoipa::path(
    post,
    path = "/api/v1/visits/{visit_id}/cancel",
    tag = "visits",
    params(("visit_id" = i64, Path, description = "The visit's id")),
    request_body = Cancel,
    responses(
        (status = 204, description = "Cancelled"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_visit(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(visit_id): ApiPath<i64>,
    ApiJson(cancel): ApiJson<Cancel>,
) -> Result<StatusCode, ApiError> {
    week_board::cancel_visit(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        visit_id,
        &cancel.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
