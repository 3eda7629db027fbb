//! Students and teachers.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiPath, ApiQuery, Caller};
use super::problem::{ApiError, Problem};
use super::{Page, page_of};
use crate::service::registry;
use crate::service::students::{self, ReadFrom};
use crate::web::App;

/// A child as lists show them, with the year's plan when there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentItem {
    pub student_id: String,
    pub name: String,
    pub school: String,
    /// in_school, paused, graduated, transferred, withdrawn…
    pub status: String,
    /// The year's plan; absent when the child has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    /// on_track, behind, at_risk or unreachable.
    pub pace: String,
    pub teacher_id: String,
    pub teacher_name: String,
    pub delivered: u32,
    pub target: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StudentFilter {
    /// Part of a name or an id.
    pub q: Option<String>,
    pub school: Option<String>,
    /// A pace (on_track, behind, at_risk, unreachable) or `none` for no plan.
    pub pace: Option<String>,
    /// The plan's teacher (id).
    pub teacher: Option<String>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The children the caller may see, by id.
#[utoipa::path(
    get,
    path = "/api/v1/students",
    tag = "students",
    params(StudentFilter),
    responses(
        (status = 200, body = Page<StudentItem>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn students(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<StudentFilter>,
) -> Result<Json<Page<StudentItem>>, ApiError> {
    let listed =
        students::visible_students(&app.store, &app.settings, &caller.actor, app.now()).await?;
    let search = students::StudentMatch {
        text: filter.q.as_deref().unwrap_or_default(),
        school: filter.school.as_deref().unwrap_or_default(),
        pace: filter.pace.as_deref().unwrap_or_default(),
        teacher: filter.teacher.as_deref().unwrap_or_default(),
    };
    let items = listed
        .into_iter()
        .filter(|s| s.matches(&search))
        .map(|s| StudentItem {
            student_id: s.student.student_id,
            name: s.student.name,
            school: s.student.school,
            status: s.student.status.code().to_string(),
            plan: s.plan.map(|p| PlanSummary {
                pace: p.status.as_str().to_string(),
                teacher_id: p.teacher_id,
                teacher_name: p.teacher_name,
                delivered: p.delivered,
                target: p.target,
            }),
        })
        .collect();
    Ok(Json(page_of(
        items,
        |s: &StudentItem| s.student_id.clone(),
        filter.cursor.as_deref(),
        filter.limit,
    )?))
}

/// A child with the year's plan and pace. Contact details only for the roles
/// that visit or keep the record; each read is in the access log.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentDetail {
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The category (visual, hearing, speech, physical, intellectual, mental,
    /// autism, multiple, other), its certificate's grade (1-4) and the diagnosis
    /// in the sheet's words: like the contact details, not for supervisors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability_grade: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    /// The plan of the year: `GET /api/v1/plans/{plan_id}` for its terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pace: Option<PaceNow>,
}

/// Where a plan stands now, in periods.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaceNow {
    /// on_track, behind, at_risk or unreachable.
    pub status: String,
    pub delivered: u32,
    /// Slot over, not recorded yet, within the recording grace.
    pub pending: u32,
    /// What the pace formula expects by now.
    pub expected: u32,
    pub target: u32,
}

impl From<&crate::service::progress::ProgressRow> for PaceNow {
    fn from(row: &crate::service::progress::ProgressRow) -> Self {
        PaceNow {
            status: row.status.as_str().to_string(),
            delivered: row.delivered,
            pending: row.pending,
            expected: row.expected,
            target: row.target,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/students/{student_id}",
    tag = "students",
    params(("student_id" = String, Path, description = "The child's id")),
    responses(
        (status = 200, body = StudentDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn student(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(student_id): ApiPath<String>,
) -> Result<Json<StudentDetail>, ApiError> {
    let from = ReadFrom {
        address: &caller.address,
    };
    let page = students::student_page(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        &student_id,
        from,
    )
    .await?;
    let contact = page.contact.as_ref();
    Ok(Json(StudentDetail {
        student_id: page.student.student_id.clone(),
        name: page.student.name.clone(),
        school: page.student.school.clone(),
        status: page.student.status.code().to_string(),
        guardian_name: contact.and_then(|c| c.guardian_name.clone()),
        guardian_phone: contact.and_then(|c| c.guardian_phone.clone()),
        address: contact.and_then(|c| c.address.clone()),
        disability: contact.and_then(|c| c.disability.map(|d| d.code().to_string())),
        disability_grade: contact.and_then(|c| c.disability_grade),
        diagnosis: contact.and_then(|c| c.diagnosis.clone()),
        plan_id: page.plan.as_ref().map(|p| p.plan_id),
        pace: page.pace.as_ref().map(PaceNow::from),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeacherItem {
    pub teacher_id: String,
    pub name: String,
    pub school: String,
    /// Half-days the teacher can visit, like `Mon-AM`.
    pub available: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TeacherFilter {
    pub school: Option<String>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The district's teachers (for coordinators and admins; a school's
/// coordinator sees their schools').
#[utoipa::path(
    get,
    path = "/api/v1/teachers",
    tag = "people",
    params(TeacherFilter),
    responses(
        (status = 200, body = Page<TeacherItem>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn teachers(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<TeacherFilter>,
) -> Result<Json<Page<TeacherItem>>, ApiError> {
    let actor = &caller.actor;
    if !actor.role.keeps_registers() {
        return Err(crate::service::ServiceError::Forbidden(
            "the teachers' list is the coordinators'".into(),
        )
        .into());
    }
    let items = registry::teachers(&app.store, actor, filter.school.as_deref())
        .await?
        .into_iter()
        .map(|t| TeacherItem {
            available: t.available.iter().map(ToString::to_string).collect(),
            teacher_id: t.teacher_id,
            name: t.name,
            school: t.school,
        })
        .collect();
    Ok(Json(page_of(
        items,
        |t: &TeacherItem| t.teacher_id.clone(),
        filter.cursor.as_deref(),
        filter.limit,
    )?))
}
