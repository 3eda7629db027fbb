//! Recording a visit from the phone: the form, what it sends (a multipart form:
//! the fields, the drawn signature, the photos), and a record's files. The page's
//! script sends the same form with `Accept: application/json` and gets the
//! answer as JSON, so that a record kept offline can be sent later and a change
//! made meanwhile shown to the teacher; without the script the form posts and
//! the page answers.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveTime};
use serde_json::json;

use super::App;
use super::page::{SignedIn, UserBar, bar, failed, peer, render, week_name};
use super::words::{RecordWords, Words, words};
use crate::domain::visit::{MissReason, Mode, Outcome, VisitStatus};
use crate::service::photos::{self, ImageProblem, MAX_PHOTO_BYTES, MAX_SIGNATURE_BYTES};
use crate::service::recording::{self, RecordForm, Seen, Submission, Submitted};
use crate::service::visits::{GoalNote, Location, RecordDetails, RecordInput, VisitForRecord};
use crate::service::{Actor, ServiceError};

/// The largest form the record page sends: three photos, a signature, the text.
pub const MAX_RECORD_BYTES: usize = 3 * MAX_PHOTO_BYTES + MAX_SIGNATURE_BYTES + 256 * 1024;

/// A goal's row on the form.
pub struct GoalRow {
    pub goal_id: i64,
    pub text: String,
    pub taught: String,
    pub response: String,
}

/// What the form's fields hold: the stored record, or what was just sent.
#[derive(Default, Clone)]
pub struct FormValues {
    pub outcome: String,
    pub reason: String,
    pub periods: String,
    pub mode: String,
    pub started: String,
    pub ended: String,
    pub note: String,
    pub family_practice: String,
    pub guardian_name: String,
    pub change_reason: String,
    pub taught: Vec<(i64, String)>,
    pub responses: Vec<(i64, String)>,
}

impl FormValues {
    fn of(form: &RecordForm) -> Self {
        let v = &form.visit;
        let time = |stored: &Option<String>, slot: Option<NaiveTime>| {
            stored
                .clone()
                .or_else(|| slot.map(|t| t.format("%H:%M").to_string()))
                .unwrap_or_default()
        };
        FormValues {
            outcome: v.outcome.map(|o| o.code().to_string()).unwrap_or_default(),
            reason: v.reason.map(|r| r.code().to_string()).unwrap_or_default(),
            periods: v.periods.unwrap_or(v.periods_per_visit).to_string(),
            mode: v.mode.code().to_string(),
            started: time(&v.started_at, form.slot_start),
            ended: time(&v.ended_at, form.slot_end),
            note: v.note.clone().unwrap_or_default(),
            family_practice: v.family_practice.clone().unwrap_or_default(),
            guardian_name: v.guardian_confirmed_by.clone().unwrap_or_default(),
            change_reason: String::new(),
            taught: form
                .goals
                .iter()
                .map(|g| (g.goal_id, g.taught.clone()))
                .collect(),
            responses: form
                .goals
                .iter()
                .map(|g| (g.goal_id, g.response.clone()))
                .collect(),
        }
    }

    fn goal_text(list: &[(i64, String)], goal_id: i64) -> String {
        list.iter()
            .find(|(id, _)| *id == goal_id)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "web/record.html")]
struct RecordPage {
    t: &'static Words,
    r: &'static RecordWords,
    user: Option<UserBar>,
    form: RecordForm,
    when: String,
    values: FormValues,
    goals: Vec<GoalRow>,
    problems: Vec<String>,
    week: String,
    outcomes: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    modes: Vec<(&'static str, &'static str)>,
    signature: Option<i64>,
    photos: Vec<i64>,
}

impl RecordPage {
    fn new(
        t: &'static Words,
        actor: &Actor,
        form: RecordForm,
        values: FormValues,
        problems: Vec<String>,
    ) -> Self {
        let r = t.record;
        let v = &form.visit;
        let when = match (form.slot_start, form.slot_end) {
            (Some(start), Some(end)) => format!(
                "{} {}–{}",
                t.day(&v.day),
                start.format("%H:%M"),
                end.format("%H:%M")
            ),
            _ => format!("{} {}", t.day(&v.day), v.slot),
        };
        let goals = form
            .goals
            .iter()
            .map(|g| GoalRow {
                goal_id: g.goal_id,
                text: g.text.clone(),
                taught: FormValues::goal_text(&values.taught, g.goal_id),
                response: FormValues::goal_text(&values.responses, g.goal_id),
            })
            .collect();
        let file_ids = |kind: &str| -> Vec<i64> {
            form.files
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| f.id)
                .collect()
        };
        let signature = file_ids("signature").last().copied();
        let photos = file_ids("photo");
        RecordPage {
            t,
            r,
            user: bar(actor),
            week: week_name(v.day.iso_week()),
            when,
            values,
            goals,
            problems,
            outcomes: Outcome::ALL
                .iter()
                .map(|o| (o.code(), r.outcome(o)))
                .collect(),
            reasons: MissReason::ALL
                .iter()
                .map(|m| (m.code(), r.reason(m)))
                .collect(),
            modes: Mode::ALL.iter().map(|m| (m.code(), r.mode(m))).collect(),
            signature,
            photos,
            form,
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

pub async fn form(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(visit_id): Path<i64>,
    extensions: Extensions,
) -> Response {
    let address = peer(&extensions);
    form_page(&app, &actor, visit_id, &address, None, Vec::new()).await
}

/// The record form: the stored record, or (`sent`) what was just sent with the
/// reasons it was refused.
async fn form_page(
    app: &App,
    actor: &Actor,
    visit_id: i64,
    address: &str,
    sent: Option<FormValues>,
    problems: Vec<String>,
) -> Response {
    let t = words(app.settings.locale);
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    match recording::form(
        &app.store,
        &app.settings,
        actor,
        app.now(),
        visit_id,
        address,
    )
    .await
    {
        Ok(form) => {
            let values = sent.unwrap_or_else(|| FormValues::of(&form));
            render(status, &RecordPage::new(t, actor, form, values, problems))
        }
        Err(error) => failed(app, bar(actor), error),
    }
}

/// What the form sent, before the service sees it.
#[derive(Default)]
struct Sent {
    values: FormValues,
    key: Option<String>,
    seen_version: Option<i64>,
    seen_sequence: Option<i64>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    accuracy: Option<f64>,
    remove_files: Vec<i64>,
    signature: Option<photos::CleanImage>,
    photos: Vec<photos::CleanImage>,
    /// Files that are not taken, in the reader's words.
    file_problems: Vec<String>,
}

async fn read_form(mut multipart: Multipart, r: &RecordWords) -> Result<Sent, String> {
    let mut sent = Sent::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| e.body_text())?;
        if name == "photo" || name == "signature" {
            if bytes.is_empty() {
                continue;
            }
            let limit = if name == "photo" {
                MAX_PHOTO_BYTES
            } else {
                MAX_SIGNATURE_BYTES
            };
            let shown = file_name.unwrap_or_default();
            match (photos::clean(&bytes, limit), name.as_str()) {
                (Ok(image), "photo") => sent.photos.push(image),
                (Ok(image), _) => sent.signature = Some(image),
                (Err(_), "signature") => sent.file_problems.push(r.signature_not_image.into()),
                (Err(ImageProblem::TooLarge { bytes, .. }), _) => sent.file_problems.push(format!(
                    "{} {shown} ({:.1} MB)",
                    r.photo_too_large,
                    bytes as f64 / 1_048_576.0
                )),
                (Err(ImageProblem::NotAnImage), _) => sent
                    .file_problems
                    .push(format!("{} {shown}", r.photo_not_image)),
                (Err(ImageProblem::TooManyPixels { .. }), _) => sent
                    .file_problems
                    .push(format!("{} {shown}", r.photo_too_many_pixels)),
            }
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let number = |text: &str| text.parse::<f64>().ok().filter(|n| n.is_finite());
        let v = &mut sent.values;
        match name.as_str() {
            "key" => sent.key = Some(text).filter(|k| !k.is_empty()),
            "seen_version" => sent.seen_version = text.parse().ok(),
            "seen_sequence" => sent.seen_sequence = text.parse().ok(),
            "outcome" => v.outcome = text,
            "reason" => v.reason = text,
            "periods" => v.periods = text,
            "mode" => v.mode = text,
            "started_at" => v.started = text,
            "ended_at" => v.ended = text,
            "note" => v.note = text,
            "family_practice" => v.family_practice = text,
            "guardian_name" => v.guardian_name = text,
            "change_reason" => v.change_reason = text,
            "latitude" => sent.latitude = number(&text).filter(|n| n.abs() <= 90.0),
            "longitude" => sent.longitude = number(&text).filter(|n| n.abs() <= 180.0),
            "accuracy" => sent.accuracy = number(&text).filter(|n| *n >= 0.0),
            "remove_file" => sent.remove_files.extend(text.parse::<i64>().ok()),
            other => {
                let goal = other
                    .strip_prefix("goal_")
                    .and_then(|rest| rest.split_once('_'))
                    .and_then(|(id, part)| Some((id.parse::<i64>().ok()?, part)));
                match goal {
                    Some((id, "taught")) => v.taught.push((id, text)),
                    Some((id, "response")) => v.responses.push((id, text)),
                    _ => {}
                }
            }
        }
    }
    Ok(sent)
}

/// The form's fields as a record, or what is wrong with them.
fn submission(sent: Sent, r: &RecordWords) -> Result<Submission, Vec<String>> {
    let mut problems = sent.file_problems;
    let v = &sent.values;
    let outcome = v.outcome.parse::<Outcome>().ok();
    if outcome.is_none() {
        problems.push(format!("{}：{}", r.outcome, r.choose));
    }
    let periods = if v.periods.is_empty() {
        None
    } else {
        match v.periods.parse::<u32>() {
            Ok(p) => Some(p),
            Err(_) => {
                problems.push(r.periods_rule.into());
                None
            }
        }
    };
    let time = |text: &str| NaiveTime::parse_from_str(text, "%H:%M").ok();
    let times = match (time(&v.started), time(&v.ended)) {
        (Some(start), Some(end)) => Some((start, end)),
        (None, None) if v.started.is_empty() && v.ended.is_empty() => None,
        _ => {
            problems.push(r.times_rule.into());
            None
        }
    };
    let (Some(outcome), true) = (outcome, problems.is_empty()) else {
        return Err(problems);
    };
    let misses = matches!(outcome, Outcome::Missed | Outcome::Cancelled);
    let reason = if misses {
        Some(v.reason.clone()).filter(|r| !r.is_empty())
    } else {
        Some(v.change_reason.clone()).filter(|r| !r.is_empty())
    };
    let goal_notes = v
        .taught
        .iter()
        .map(|(goal_id, taught)| GoalNote {
            goal_id: *goal_id,
            taught: taught.clone(),
            response: Some(FormValues::goal_text(&v.responses, *goal_id)),
        })
        .collect();
    let location = match (sent.latitude, sent.longitude) {
        (Some(latitude), Some(longitude)) => Some(Location {
            latitude,
            longitude,
            accuracy_m: sent.accuracy,
        }),
        _ => None,
    };
    let seen = match (sent.seen_version, sent.seen_sequence) {
        (Some(record_version), Some(sequence)) => Some(Seen {
            record_version,
            sequence,
        }),
        _ => None,
    };
    Ok(Submission {
        key: sent.key,
        seen,
        input: RecordInput {
            outcome,
            periods: if misses { None } else { periods },
            reason,
            mode: v.mode.parse().ok(),
            details: RecordDetails {
                note: Some(v.note.clone()),
                goal_notes,
                guardian_confirmed_by: Some(v.guardian_name.clone()).filter(|g| !g.is_empty()),
                times,
                family_practice: Some(v.family_practice.clone()),
                location,
            },
        },
        signature: sent.signature,
        photos: sent.photos,
        remove_files: sent.remove_files,
    })
}

/// A service's refusal in the reader's words, field by field.
fn refusal_words(error: &ServiceError, r: &RecordWords, chinese: bool) -> Option<Vec<String>> {
    match error {
        ServiceError::Locked(_) => Some(vec![r.locked.into()]),
        ServiceError::Invalid(problems) => Some(
            problems
                .iter()
                .map(|p| match p.field.as_str() {
                    "date" => r.not_begun.to_string(),
                    "periods" => r.periods_rule.into(),
                    "reason" => r.reason_needed.into(),
                    "started_at" | "ended_at" => r.times_rule.into(),
                    "goal" => r.goal_rule.into(),
                    "photos" => r.too_many_photos.into(),
                    "visit" => r.cancelled_visit.into(),
                    _ => p.reason.say(chinese),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The visit as it is now, for a phone whose record met a change.
fn current_json(t: &Words, visit: &VisitForRecord, app: &App) -> serde_json::Value {
    let r = t.record;
    let slot = app.settings.slot_table().ok().and_then(|slots| {
        slots
            .get(&visit.slot)
            .map(|s| format!("{}–{}", s.start.format("%H:%M"), s.end.format("%H:%M")))
    });
    json!({
        "cancelled": visit.status == VisitStatus::Cancelled,
        "outcome": visit.outcome.map(|o| r.outcome(&o)).unwrap_or(r.not_recorded),
        "periods": visit.periods,
        "reason": visit.reason.map(|m| r.reason(&m)),
        "recorded_by": visit.recorded_by.as_deref().map(|a| a.strip_prefix("user:").unwrap_or(a)),
        "when": format!("{} {}", t.day(&visit.day), slot.unwrap_or_else(|| visit.slot.clone())),
        "seen": Seen::of(visit),
    })
}

pub async fn submit(
    State(app): State<Arc<App>>,
    Path(visit_id): Path<i64>,
    headers: HeaderMap,
    signed: Result<SignedIn, Response>,
    extensions: Extensions,
    multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    // The offline queue is told to ask for a login; a browser is sent to it.
    let actor = match signed {
        Ok(signed) => signed.actor,
        Err(_) if json => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({ "result": "login" })),
            )
                .into_response();
        }
        Err(response) => return response,
    };
    let t = words(app.settings.locale);
    let r = t.record;
    let sent = match read_form(multipart, r).await {
        Ok(sent) => sent,
        Err(text) => return (StatusCode::BAD_REQUEST, text).into_response(),
    };
    let values = sent.values.clone();
    let address = peer(&extensions);
    let answer = match submission(sent, r) {
        Ok(submission) => recording::submit(
            &app.store,
            &app.settings,
            &actor,
            app.now(),
            visit_id,
            submission,
            &address,
        )
        .await
        .map_err(|error| {
            match refusal_words(
                &error,
                r,
                app.settings.locale == crate::config::Locale::ZhCn,
            ) {
                Some(problems) => {
                    Refused::Problems(matches!(error, ServiceError::Locked(_)), problems)
                }
                None => Refused::Failed(error),
            }
        }),
        Err(problems) => Err(Refused::Problems(false, problems)),
    };
    match (answer, json) {
        (Ok(Submitted::Stored { record_version, .. }), true) => {
            axum::Json(json!({ "result": "stored", "record_version": record_version }))
                .into_response()
        }
        (Ok(Submitted::Repeated { record_version, .. }), true) => {
            axum::Json(json!({ "result": "repeated", "record_version": record_version }))
                .into_response()
        }
        (Ok(Submitted::Changed(visit)), true) => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "result": "changed", "current": current_json(t, &visit, &app) })),
        )
            .into_response(),
        (Ok(Submitted::Stored { day, .. } | Submitted::Repeated { day, .. }), false) => {
            back_to_week(visit_id, day)
        }
        (Ok(Submitted::Changed(visit)), false) => back_to_week(visit_id, visit.day),
        (Err(Refused::Problems(locked, problems)), true) => {
            let status = if locked {
                StatusCode::LOCKED
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (
                status,
                axum::Json(json!({ "result": "refused", "problems": problems })),
            )
                .into_response()
        }
        (Err(Refused::Problems(_, problems)), false) => {
            form_page(&app, &actor, visit_id, &address, Some(values), problems).await
        }
        (Err(Refused::Failed(error)), true) => {
            let status = match error {
                ServiceError::NotFound { .. } | ServiceError::Forbidden(_) => StatusCode::NOT_FOUND,
                _ => {
                    tracing::error!(%error, "a record failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            (status, axum::Json(json!({ "result": "failed" }))).into_response()
        }
        (Err(Refused::Failed(error)), false) => failed(&app, bar(&actor), error),
    }
}

enum Refused {
    /// Locked or not, and what to tell the reader.
    Problems(bool, Vec<String>),
    Failed(ServiceError),
}

/// After a record: the week of the visit, at its card.
fn back_to_week(visit_id: i64, day: chrono::NaiveDate) -> Response {
    let week = week_name(day.iso_week());
    Redirect::to(&format!("/?week={week}#visit-{visit_id}")).into_response()
}

pub async fn file(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path((visit_id, file_id)): Path<(i64, i64)>,
    extensions: Extensions,
) -> Response {
    let address = peer(&extensions);
    match recording::file(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        visit_id,
        file_id,
        &address,
    )
    .await
    {
        Ok(file) => (
            [
                (header::CONTENT_TYPE, file.content_type),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
                (header::CONTENT_DISPOSITION, "inline".to_string()),
            ],
            file.bytes,
        )
            .into_response(),
        Err(error) => failed(&app, bar(&actor), error),
    }
}
