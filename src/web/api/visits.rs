//! A week's visits, one visit with its record's version, and recording it: over
//! the version read (`If-Match`), stored once however often it is sent
//! (`Idempotency-Key`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, idempotency_key, if_match};
use super::problem::{ApiError, Problem};
use super::{Page, ordered, page_of, with_etag};
use crate::service::photos::{
    self, CleanImage, ImageProblem, MAX_PHOTO_BYTES, MAX_SIGNATURE_BYTES,
};
use crate::service::plan_week::{monday_of, parse_week};
use crate::service::recording::{self, RecordForm, Seen, Submission, Submitted};
use crate::service::visits;
use crate::service::visits::{GoalNote, RecordDetails, RecordInput, VisitFilter};
use crate::web::App;

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitItem {
    pub visit_id: i64,
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    /// completed, partial, missed or cancelled; absent until recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<i64>,
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<visits::SeenVisit> for VisitItem {
    fn from(v: visits::SeenVisit) -> Self {
        VisitItem {
            visit_id: v.visit.visit_id,
            student_id: v.visit.student_id,
            name: v.name,
            school: v.school,
            teacher_id: v.visit.teacher_id,
            day: v.visit.day,
            slot: v.visit.slot,
            outcome: v.visit.outcome.map(|o| o.code().to_string()),
            periods: v.visit.periods,
            mode: v.visit.mode.code().to_string(),
            reason: v.visit.reason.map(|r| r.code().to_string()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitFilterQuery {
    pub teacher: Option<String>,
    pub student: Option<String>,
    /// Only visits nobody has recorded yet.
    pub unrecorded: Option<bool>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// A week's planned visits the caller sees (a teacher: their own), by id.
#[utoipa::path(
    get,
    path = "/api/v1/weeks/{iso_week}/visits",
    tag = "visits",
    params(
        ("iso_week" = String, Path, description = "An ISO week like 2026-W49"),
        VisitFilterQuery,
    ),
    responses(
        (status = 200, body = Page<VisitItem>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn week_visits(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(iso_week): ApiPath<String>,
    ApiQuery(query): ApiQuery<VisitFilterQuery>,
) -> Result<Json<Page<VisitItem>>, ApiError> {
    let week = parse_week(&iso_week).ok_or_else(|| ApiError::not_found("week", &iso_week))?;
    let monday = monday_of(week);
    let sunday = monday + Duration::days(6);
    let filter = VisitFilter {
        from: Some(monday),
        to: Some(sunday),
        teacher_id: query.teacher.clone(),
        student_id: query.student.clone(),
        unrecorded_by: query.unrecorded.unwrap_or(false).then_some(sunday),
    };
    page_of_visits(&app, &caller, &filter, query.cursor.as_deref(), query.limit).await
}

/// The visits a filter selects that the caller sees, a page of them by id.
pub async fn page_of_visits(
    app: &App,
    caller: &Caller,
    filter: &VisitFilter,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Json<Page<VisitItem>>, ApiError> {
    let items = visits::list(&app.store, &caller.actor, filter)
        .await?
        .into_iter()
        .map(VisitItem::from)
        .collect();
    Ok(Json(page_of(
        items,
        |v: &VisitItem| ordered(v.visit_id),
        cursor,
        limit,
    )?))
}

/// A visit with its record.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitBody {
    pub visit_id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub name: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    /// planned or cancelled.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<i64>,
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub goals: Vec<GoalRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
    /// Raised by every record; with `sequence` (raised by every move), the `ETag`
    /// `visit-<visit_id>-<record_version>.<sequence>`.
    pub record_version: i64,
    pub sequence: i64,
    /// Older than the lock: only a coordinator changes it.
    pub locked: bool,
    /// The signature and photos kept with the record.
    pub files: Vec<RecordFile>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GoalRecord {
    pub goal_id: i64,
    pub text: String,
    pub taught: String,
    pub response: String,
}

fn etag(visit_id: i64, seen: Seen) -> String {
    format!("visit-{visit_id}-{}.{}", seen.record_version, seen.sequence)
}

fn answer(form: RecordForm) -> Response {
    let visit = form.visit;
    let seen = Seen::of(&visit);
    let body = VisitBody {
        visit_id: visit.visit_id,
        plan_id: visit.plan_id,
        student_id: visit.student_id,
        name: form.student_name,
        teacher_id: visit.teacher_id,
        day: visit.day,
        slot: visit.slot,
        status: visit.status.code().to_string(),
        outcome: visit.outcome.map(|o| o.code().to_string()),
        periods: visit.periods,
        mode: visit.mode.code().to_string(),
        reason: visit.reason.map(|r| r.code().to_string()),
        note: visit.note,
        goals: form
            .goals
            .into_iter()
            .map(|g| GoalRecord {
                goal_id: g.goal_id,
                text: g.text,
                taught: g.taught,
                response: g.response,
            })
            .collect(),
        recorded_by: visit.recorded_by,
        recorded_at: visit.recorded_at,
        record_version: seen.record_version,
        sequence: seen.sequence,
        locked: form.locked,
        files: form
            .files
            .into_iter()
            .map(|f| RecordFile {
                href: format!("/api/v1/visits/{}/files/{}", visit.visit_id, f.id),
                file_id: f.id,
                kind: f.kind,
                content_type: f.content_type,
                size: f.size,
            })
            .collect(),
    };
    with_etag(body, &etag(visit.visit_id, seen))
}

async fn read(app: &App, caller: &Caller, visit_id: i64) -> Result<RecordForm, ApiError> {
    Ok(recording::form(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        visit_id,
        &caller.address,
    )
    .await?)
}

/// A visit with its record and version, for those who may record it.
#[utoipa::path(
    get,
    path = "/api/v1/visits/{visit_id}",
    tag = "visits",
    params(("visit_id" = i64, Path, description = "The visit's id")),
    responses(
        (status = 200, body = VisitBody, headers(("ETag" = String, description = "visit-<id>-<record_version>.<sequence>"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn visit(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(visit_id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    Ok(answer(read(&app, &caller, visit_id).await?))
}

/// What happened at a visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// completed, partial, missed or cancelled.
    pub outcome: String,
    /// Periods given; the plan's by default for a completed visit.
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub periods: Option<u32>,
    /// For a missed or cancelled visit, its reason code (family_unavailable,
    /// child_ill, teacher_unavailable, weather, other…); for a locked record, why it changes.
    pub reason: Option<String>,
    /// home, online, school or community.
    pub mode: Option<String>,
    /// When the visit began and ended, local time (`09:00`).
    pub start: Option<String>,
    pub end: Option<String>,
    pub note: Option<String>,
    /// For each of the plan's goals: what was taught and how the child responded.
    #[serde(default, deserialize_with = "super::objects")]
    pub goals: Option<Vec<GoalNoteBody>>,
    pub family_practice: Option<String>,
    /// The guardian who confirmed the visit.
    pub guardian_confirmed_by: Option<String>,
    /// The guardian's drawn signature, a PNG in base64; it replaces the one before.
    pub signature: Option<String>,
    /// Photos of the visit, JPEG, PNG or WebP in base64 (at most 3 a record, 5 MB
    /// each); their location and camera data are taken out before they are kept.
    pub photos: Option<Vec<String>>,
    /// Files of the record to take out, by `file_id`.
    pub remove_files: Option<Vec<i64>>,
}

/// A record with its photos: three photos of 5 MB in base64, and a signature.
pub const MAX_RECORD_BYTES: usize = 21 * 1024 * 1024;

impl RecordBody {
    /// The record's words, without its files: held to a JSON body's limit, so
    /// that the room made for photos is not room for a note.
    fn words(&self) -> usize {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        text(&self.reason)
            + text(&self.note)
            + text(&self.family_practice)
            + text(&self.guardian_confirmed_by)
            + self
                .goals
                .iter()
                .flatten()
                .map(|g| g.taught.len() + text(&g.response))
                .sum::<usize>()
    }
}

/// A file of a record as sent: base64 (a `data:` URL's prefix is allowed), then
/// checked as an image and stripped of its metadata.
fn image(text: &str, field: &str, limit: usize) -> Result<CleanImage, ApiError> {
    use base64::Engine;
    let text = text.split_once(";base64,").map_or(text, |(_, data)| data);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| ApiError::invalid(field, "not base64", "不是 base64 编码"))?;
    photos::clean(&bytes, limit).map_err(|problem| match problem {
        ImageProblem::TooLarge { bytes, limit } => ApiError::invalid(
            field,
            &format!("{bytes} bytes is more than the {limit} a file may have"),
            &format!("文件有 {bytes} 字节，超过了上限 {limit} 字节"),
        ),
        ImageProblem::NotAnImage => ApiError::invalid(
            field,
            "not a JPEG, PNG or WebP image",
            "不是 JPEG、PNG 或 WebP 图片",
        ),
        ImageProblem::TooManyPixels {
            width,
            height,
            limit,
        } => ApiError::invalid(
            field,
            &format!("{width} × {height} pixels is more than the {limit} an image may have"),
            &format!("图片有 {width} × {height} 像素，超过了允许的 {limit} 像素"),
        ),
    })
}

/// One file kept with a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordFile {
    pub file_id: i64,
    /// photo or signature.
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    /// Where to read it (the access log notes each read).
    pub href: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalNoteBody {
    #[serde(deserialize_with = "super::whole::i64")]
    pub goal_id: i64,
    pub taught: String,
    pub response: Option<String>,
}

fn record_input(body: RecordBody) -> Result<RecordInput, ApiError> {
    let outcome = body
        .outcome
        .parse()
        .map_err(|reason: crate::reason::Reason| {
            ApiError::invalid(
                "outcome",
                &reason.to_string(),
                "outcome 须为 completed、partial、missed 或 cancelled",
            )
        })?;
    let mode = match &body.mode {
        Some(mode) => Some(mode.parse().map_err(|reason: crate::reason::Reason| {
            ApiError::invalid(
                "mode",
                &reason.to_string(),
                "mode 须为 home、online、school 或 community",
            )
        })?),
        None => None,
    };
    let time = |text: &Option<String>, field: &str| -> Result<Option<NaiveTime>, ApiError> {
        text.as_deref()
            .map(|t| {
                NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
                    ApiError::invalid(field, "a time like 09:00", "时间格式应为 09:00")
                })
            })
            .transpose()
    };
    let times = match (time(&body.start, "start")?, time(&body.end, "end")?) {
        (Some(start), Some(end)) => Some((start, end)),
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "end",
                "give both start and end, or neither",
                "开始和结束时间须同时填写或都不填",
            ));
        }
    };
    Ok(RecordInput {
        outcome,
        periods: body.periods,
        reason: body.reason,
        mode,
        details: RecordDetails {
            note: body.note,
            goal_notes: body
                .goals
                .unwrap_or_default()
                .into_iter()
                .map(|g| GoalNote {
                    goal_id: g.goal_id,
                    taught: g.taught,
                    response: g.response,
                })
                .collect(),
            guardian_confirmed_by: body.guardian_confirmed_by,
            times,
            family_practice: body.family_practice,
            location: None,
        },
    })
}

/// Records a visit, with the rules of the pages: the visit's teacher, or a
/// coordinator or admin of the child's school, once the slot has begun.
#[utoipa::path(
    post,
    path = "/api/v1/visits/{visit_id}/record",
    tag = "visits",
    params(
        ("visit_id" = i64, Path, description = "The visit's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: refused with 412 when the visit changed since"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 64 characters; the same request sent again is stored once"),
    ),
    request_body = RecordBody,
    responses(
        (status = 200, body = VisitBody, headers(("ETag" = String, description = "The new version"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 423, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn record(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(visit_id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RecordBody, MAX_RECORD_BYTES>,
) -> Result<Response, ApiError> {
    if body.words() > super::extract::MAX_JSON_BYTES {
        return Err(super::extract::too_large());
    }
    let key = idempotency_key(&headers)?;
    let seen = if_match(&headers).map(|tags| {
        tags.iter()
            .find_map(|tag| {
                let (version, sequence) = tag
                    .strip_prefix(&format!("visit-{visit_id}-"))?
                    .split_once('.')?;
                Some(Seen {
                    record_version: version.parse().ok()?,
                    sequence: sequence.parse().ok()?,
                })
            })
            // A version of another visit never matches.
            .unwrap_or(Seen {
                record_version: -1,
                sequence: -1,
            })
    });
    let account = caller.actor.account_id.unwrap_or_default();
    let submission = Submission {
        // The phone's keys and the API's share one table: an account's own space.
        key: key.map(|key| format!("api:{account}:{key}")),
        seen,
        signature: body
            .signature
            .as_deref()
            .map(|text| image(text, "signature", MAX_SIGNATURE_BYTES))
            .transpose()?,
        photos: body
            .photos
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, text)| image(text, &format!("photos[{i}]"), MAX_PHOTO_BYTES))
            .collect::<Result<_, _>>()?,
        remove_files: body.remove_files.clone().unwrap_or_default(),
        input: record_input(body)?,
    };
    let submitted = recording::submit(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        visit_id,
        submission,
        &caller.address,
    )
    .await?;
    match submitted {
        // The version this request wrote, not whatever is there a moment later.
        Submitted::Stored { written, .. } => Ok(answer(*written)),
        Submitted::Repeated { .. } => Ok(answer(read(&app, &caller, visit_id).await?)),
        Submitted::Changed(now) => Err(crate::service::ServiceError::Stale {
            what: format!("visit {visit_id}"),
            seen: seen.map_or(0, |s| s.record_version),
            now: now.record_version,
        }
        .into()),
    }
}

/// A photo or signature of a record, for those who may see the record's files
/// (each read is in the access log).
#[utoipa::path(
    get,
    path = "/api/v1/visits/{visit_id}/files/{file_id}",
    tag = "visits",
    params(
        ("visit_id" = i64, Path, description = "The visit's id"),
        ("file_id" = i64, Path, description = "The file's id, from the visit's `files`"),
    ),
    responses(
        (status = 200, description = "The image", content_type = "image/*"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath((visit_id, file_id)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let file = recording::file(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        visit_id,
        file_id,
        &caller.address,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        file.bytes,
    )
        .into_response())
}
