//! A child's pauses and a teacher's leave on the pages: added, ended today, or
//! removed when entered by mistake, from the person's edit page.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::App;
use super::flash::done_to;
use super::page::SignedIn;
use super::page::{bar, failed};
use crate::service::ServiceError;
use crate::service::registry::AbsenceKind;
use crate::service::registry::{self, PersonKind as Kind};

#[derive(Deserialize)]
pub struct AbsenceFields {
    from: String,
    to: String,
    #[serde(default)]
    half_day: String,
    #[serde(default)]
    reason: String,
}

fn person_page(kind: Kind, id: &str) -> String {
    match kind {
        Kind::Student => format!("/students/{id}/edit"),
        Kind::Teacher => format!("/teachers/{id}/edit"),
    }
}

fn absence_kind(kind: Kind) -> AbsenceKind {
    match kind {
        Kind::Student => AbsenceKind::StudentPause,
        Kind::Teacher => AbsenceKind::TeacherLeave,
    }
}

async fn add_absence(
    app: Arc<App>,
    signed: SignedIn,
    kind: Kind,
    id: String,
    fields: AbsenceFields,
) -> Response {
    let back = person_page(kind, &id);
    let actor = signed.actor;
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    let (Some(from), Some(to)) = (day(&fields.from), day(&fields.to)) else {
        return Redirect::to(&format!("{back}?absence_problem=1#absences")).into_response();
    };
    let Ok(slots) = registry::half_days(&app.settings, (from, to), &fields.half_day) else {
        return Redirect::to(&format!("{back}?absence_problem=1#absences")).into_response();
    };
    let absence = registry::NewAbsence {
        kind: absence_kind(kind),
        person_id: id.clone(),
        from,
        to,
        slots,
        reason: fields.reason.trim().to_string(),
    };
    match registry::add_absence(&app.store, &actor, app.now(), &absence).await {
        Ok(()) => done_to(&format!("{back}#absences"), "saved", 1),
        Err(ServiceError::Invalid(_)) => {
            Redirect::to(&format!("{back}?absence_problem=1#absences")).into_response()
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

async fn change_absence(
    app: Arc<App>,
    signed: SignedIn,
    kind: Kind,
    id: String,
    absence_id: i64,
    remove: bool,
) -> Response {
    let back = person_page(kind, &id);
    let actor = signed.actor;
    let absence = registry::AbsenceRef {
        kind: absence_kind(kind),
        person: &id,
        id: absence_id,
    };
    match registry::end_or_remove_absence(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        absence,
        remove,
    )
    .await
    {
        Ok(()) => done_to(&format!("{back}#absences"), "saved", 1),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn add_pause(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    signed: SignedIn,
    Form(fields): Form<AbsenceFields>,
) -> Response {
    add_absence(app, signed, Kind::Student, id, fields).await
}

pub async fn add_leave(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    signed: SignedIn,
    Form(fields): Form<AbsenceFields>,
) -> Response {
    add_absence(app, signed, Kind::Teacher, id, fields).await
}

pub async fn end_pause(
    State(app): State<Arc<App>>,
    Path((id, absence)): Path<(String, i64)>,
    signed: SignedIn,
) -> Response {
    change_absence(app, signed, Kind::Student, id, absence, false).await
}

pub async fn remove_pause(
    State(app): State<Arc<App>>,
    Path((id, absence)): Path<(String, i64)>,
    signed: SignedIn,
) -> Response {
    change_absence(app, signed, Kind::Student, id, absence, true).await
}

pub async fn end_leave(
    State(app): State<Arc<App>>,
    Path((id, absence)): Path<(String, i64)>,
    signed: SignedIn,
) -> Response {
    change_absence(app, signed, Kind::Teacher, id, absence, false).await
}

pub async fn remove_leave(
    State(app): State<Arc<App>>,
    Path((id, absence)): Path<(String, i64)>,
    signed: SignedIn,
) -> Response {
    change_absence(app, signed, Kind::Teacher, id, absence, true).await
}
