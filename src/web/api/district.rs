//! The district's registers: sheets imported (dry run, then all or nothing), and
//! the school calendar.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, idempotency_key};
use super::problem::{ApiError, FieldError, Kind, Problem};
use crate::config::Locale;
use crate::domain::calendar::{Holiday, MakeUpWorkday, SchoolYear, Term};
use crate::domain::calendar_correction::{Entry, EntryKind, EntryRef};
use crate::import::records::Kind as SheetKind;
use crate::service::ServiceError;
use crate::service::imports::{self, Once, Upload};
use crate::service::school_calendar::{self, Correction};
use crate::web::App;
use crate::web::words::words;

/// A sheet's check, or what its import wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// True: checked only, nothing written.
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Headers that name no column of this kind; their cells were not read.
    pub ignored_columns: Vec<String>,
    pub notes: Vec<String>,
    /// Cells read but worth a look, by line and field, in the request's language: a
    /// disability word we do not know is kept as the diagnosis and counted as other;
    /// a child left without a time for visits (field `available`).
    pub warnings: Vec<FieldError>,
    /// Each field a row changes on a stored record, before → after.
    pub changes: Vec<ImportChange>,
}

/// One field of a stored record the sheet changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportChange {
    pub line: usize,
    /// The record: `S0005 王浩`, or a plan's `S0005 王浩 2026-2027`.
    pub record: String,
    pub field: String,
    pub before: String,
    pub after: String,
    /// The change in the request's language: `监护人电话 138… → 139…`.
    pub text: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// True (the default): check every row and write nothing.
    pub dry_run: Option<bool>,
    /// Why the plans a plans sheet revises change (rows with a 修订原因 cell keep
    /// their own): a plan's teacher, backup, rhythm, target or goals changes
    /// only with a reason.
    pub reason: Option<String>,
    /// True: a visits sheet's records on days no visit should happen (a
    /// holiday, a weekend, outside the plan) are kept and marked, not refused.
    pub allow_off_days: Option<bool>,
}

/// Sheets are bigger than JSON bodies.
pub const MAX_SHEET_BYTES: usize = 20 * 1024 * 1024;

fn sheet_kind(kind: &str) -> Option<SheetKind> {
    Some(match kind {
        "teachers" => SheetKind::Teachers,
        "students" => SheetKind::Students,
        "plans" => SheetKind::Plans,
        "visits" => SheetKind::Visits,
        "supervisors" => SheetKind::Supervisors,
        _ => return None,
    })
}

/// The file's name as the sheet reader knows it, by the body's type.
fn file_name(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    match content_type {
        "text/csv" => Ok("upload.csv"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Ok("upload.xlsx"),
        "application/vnd.ms-excel" => Ok("upload.xls"),
        _ => Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "send the sheet as text/csv or as an Excel workbook \
             (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
            "请以 text/csv 或 Excel 工作簿（xlsx）格式上传表格",
        )),
    }
}

/// Checks a sheet of teachers, students, plans, visits or supervisors and, with
/// `dry_run=false`, writes every row in one transaction; one bad row writes
/// nothing, and every problem comes back by line and column. An import sent
/// again with the same `Idempotency-Key` answers as the first did and writes
/// nothing more. District coordinators and admins.
#[utoipa::path(
    post,
    path = "/api/v1/imports/{kind}",
    tag = "imports",
    params(
        ("kind" = String, Path, description = "teachers, students, plans, visits or supervisors"),
        ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 64 characters; the same import sent again answers as the first"),
    ),
    request_body(content = String, content_type = "text/csv", description = "The sheet (CSV, or an xlsx workbook with its content type)"),
    responses(
        (status = 200, body = ImportResult),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<ImportResult>, ApiError> {
    let sheet = sheet_kind(&kind).ok_or_else(|| ApiError::not_found("kind of sheet", &kind))?;
    let name = file_name(&headers)?;
    let bytes = body
        .ok()
        .filter(|bytes| bytes.len() <= MAX_SHEET_BYTES)
        .ok_or_else(super::extract::too_large)?;
    let dry_run = query.dry_run.unwrap_or(true);
    let key = idempotency_key(&headers)?;
    let account = caller.actor.account_id.unwrap_or_default();
    let request = format!(
        "POST /api/v1/imports/{kind}?dry_run={dry_run}&reason={}&allow_off_days={:?} {}",
        query.reason.as_deref().unwrap_or_default(),
        query.allow_off_days,
        crate::service::secrets::secret_hash_bytes(&bytes)
    );
    let once = key.as_deref().map(|key| Once {
        account_id: account,
        key,
        request: &request,
    });
    let upload = Upload {
        reason: query.reason.as_deref(),
        allow_off_days: query.allow_off_days.unwrap_or(false),
        ..Upload::new(name, &bytes)
    };
    let chinese =
        super::problem::language(&headers, app.settings.locale) == crate::config::Locale::ZhCn;
    let speech = crate::speech::Speech::in_language(&app.settings, chinese);
    let report = imports::import_once(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        sheet,
        upload,
        dry_run,
        once,
    )
    .await
    .map_err(|error| match error {
        ServiceError::Invalid(problems)
            if problems.iter().any(|p| p.field == "Idempotency-Key") =>
        {
            ApiError::new(
                Kind::KeyReused,
                "this Idempotency-Key was sent with another request; use a new key for a new request",
                "此 Idempotency-Key 已用于另一个请求，新的请求请使用新的键",
            )
        }
        other => other.into(),
    })?;
    Ok(Json(ImportResult {
        dry_run,
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        ignored_columns: report.ignored_columns,
        notes: report.notes,
        warnings: report
            .warnings
            .into_iter()
            .map(|w| FieldError {
                field: "disability".into(),
                line: Some(w.line),
                reason: w.text(chinese),
                reason_zh: None,
            })
            .chain(report.cautions.iter().map(|c| FieldError {
                field: "available".into(),
                line: Some(c.line),
                reason: if chinese { c.zh.clone() } else { c.en.clone() },
                reason_zh: None,
            }))
            .collect(),
        changes: report
            .changes
            .iter()
            .map(|c| ImportChange {
                line: c.line,
                record: c.record.clone(),
                field: c.column.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
                text: c.text(&speech),
            })
            .collect(),
    }))
}

/// A school year's calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarBody {
    pub school_year: String,
    pub terms: Vec<Span>,
    pub holidays: Vec<Span>,
    pub make_up_workdays: Vec<MakeUpDay>,
    pub teaching_days: Vec<NaiveDate>,
    /// Who last corrected it on the pages, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Span {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Not yet announced officially.
    pub provisional: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MakeUpDay {
    pub name: String,
    pub date: NaiveDate,
    /// The weekday whose timetable it follows (Mon…Fri).
    pub follows: String,
    pub provisional: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/calendar/{school_year}",
    tag = "calendar",
    params(("school_year" = String, Path, description = "A school year like 2026-2027")),
    responses(
        (status = 200, body = CalendarBody),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn calendar(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(school_year): ApiPath<String>,
) -> Result<Json<CalendarBody>, ApiError> {
    let year: SchoolYear = school_year
        .parse()
        .map_err(|_| ApiError::not_found("school year", &school_year))?;
    let view = school_calendar::year(&app.store, &app.settings, &caller.actor, year)
        .await
        .map_err(|error| match error {
            crate::service::ServiceError::Settings(_) => {
                ApiError::not_found("school year", &school_year)
            }
            other => other.into(),
        })?;
    let calendar = &view.calendar;
    Ok(Json(CalendarBody {
        school_year: year.to_string(),
        terms: calendar
            .terms
            .iter()
            .map(|t| Span {
                name: t.name.clone(),
                start: t.start,
                end: t.end,
                provisional: false,
            })
            .collect(),
        holidays: calendar
            .holidays
            .iter()
            .map(|h| Span {
                name: h.name.clone(),
                start: h.start,
                end: h.end,
                provisional: h.provisional,
            })
            .collect(),
        make_up_workdays: calendar
            .make_up_workdays
            .iter()
            .map(|d| MakeUpDay {
                name: d.name.clone(),
                date: d.date,
                follows: crate::domain::slot::weekday_name(d.follows).to_string(),
                provisional: d.provisional,
            })
            .collect(),
        teaching_days: calendar.teaching_days(),
        corrected_by: view.corrected.as_ref().map(|c| c.by.clone()),
        corrected_at: view.corrected.map(|c| c.at),
    }))
}

/// One entry of a school year's calendar set, added or removed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarCorrection {
    /// Which entry: `term:0`, `holiday:3`, `make-up:1`, or `holiday:new` / `make-up:new`.
    #[schema(pattern = "^(term|holiday|make-up):([0-9]+|new)$")]
    pub entry: String,
    /// Remove the entry (one entered by mistake); a term is corrected, never removed.
    #[serde(default)]
    pub remove: bool,
    #[serde(default)]
    pub name: String,
    /// A term's or holiday's first day, or a make-up workday's date.
    pub start: Option<NaiveDate>,
    /// A term's or holiday's last day.
    pub end: Option<NaiveDate>,
    /// For a make-up workday: the weekday whose timetable it follows (Mon…Fri).
    pub follows: Option<String>,
    /// Not yet announced officially.
    #[serde(default)]
    pub provisional: bool,
    /// The notice the correction follows (kept in the audit).
    #[schema(min_length = 1)]
    pub reason: String,
}

fn correction_entry(at: EntryRef, body: &CalendarCorrection) -> Result<Option<Entry>, ApiError> {
    if body.remove {
        return Ok(None);
    }
    let missing = |field: &str| ApiError::invalid(field, "give this date", "请填写此日期");
    let start = body.start.ok_or_else(|| missing("start"))?;
    let name = body.name.trim().to_string();
    Ok(Some(match at.kind {
        EntryKind::Term => Entry::Term(Term {
            name,
            start,
            end: body.end.ok_or_else(|| missing("end"))?,
        }),
        EntryKind::Holiday => Entry::Holiday(Holiday {
            name,
            start,
            end: body.end.ok_or_else(|| missing("end"))?,
            provisional: body.provisional,
        }),
        EntryKind::MakeUp => Entry::MakeUp(MakeUpWorkday {
            date: start,
            follows: body
                .follows
                .as_deref()
                .and_then(crate::domain::slot::parse_weekday)
                .ok_or_else(|| {
                    ApiError::invalid("follows", "a weekday like Mon", "请填写星期，如 Mon")
                })?,
            name,
            provisional: body.provisional,
        }),
    }))
}

/// Corrects one entry of a school year's calendar for every process (the
/// district's coordinators and admins; audited with its reason).
#[utoipa::path(
    post,
    path = "/api/v1/calendar/{school_year}/entries",
    tag = "calendar",
    params(("school_year" = String, Path, description = "A school year like 2026-2027")),
    request_body = CalendarCorrection,
    responses(
        (status = 200, body = CalendarBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn correct(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(school_year): ApiPath<String>,
    ApiJson(body): ApiJson<CalendarCorrection>,
) -> Result<Json<CalendarBody>, ApiError> {
    let year: SchoolYear = school_year
        .parse()
        .map_err(|_| ApiError::not_found("school year", &school_year))?;
    let at = EntryRef::parse(&body.entry).ok_or_else(|| {
        ApiError::invalid(
            "entry",
            "an entry like holiday:3 or holiday:new",
            "entry 应为如 holiday:3 或 holiday:new 的值",
        )
    })?;
    let correction = Correction {
        at,
        entry: correction_entry(at, &body)?,
        reason: body.reason,
    };
    let corrected = school_calendar::correct(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        year,
        &correction,
    )
    .await?;
    if let Err(problem) = corrected {
        let (en, zh) = (words(Locale::En), words(Locale::ZhCn));
        return Err(ApiError::invalid(
            problem.field(),
            &en.calendar.problem(&problem),
            &zh.calendar.problem(&problem),
        ));
    }
    calendar(State(app), caller, ApiPath(school_year)).await
}
