//! Leave on the pages: a teacher asks for it (`/leave`), a coordinator
//! approves or declines the requests of their schools' teachers there.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::App;
use super::flash::done_to;
use super::page::{SignedIn, UserBar, bar, failed, render};
use super::words::{RecordWords, Words, words};
use crate::domain::access::Role;
use crate::domain::leave::LeaveStatus;
use crate::service::leave::{self, LeaveView, NewLeave};
use crate::service::{Actor, ServiceError};

#[derive(Template)]
#[template(path = "web/leave.html")]
struct LeavePage {
    t: &'static Words,
    r: &'static RecordWords,
    user: Option<UserBar>,
    teacher: bool,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
    /// Each request, with its half-days in words (empty: whole days).
    requests: Vec<(LeaveView, String)>,
    /// Whole days (value empty), or one of the day's halves.
    half_days: Vec<(String, String)>,
    from: String,
    to: String,
    half_day: String,
    reason: String,
}

/// The choices of a leave form: whole days, or one half of each day.
pub(super) fn half_day_choices(app: &App, t: &Words) -> Vec<(String, String)> {
    let chinese = t.lang == "zh-CN";
    let halves = app.settings.slot_table().map_or_else(
        |_| Vec::new(),
        |slots| {
            slots
                .names()
                .into_iter()
                .map(|slot| (slot.to_string(), slots.label(slot, chinese)))
                .collect()
        },
    );
    std::iter::once((String::new(), t.record.leave_whole_days.to_string()))
        .chain(halves)
        .collect()
}

/// A leave's half-days as people read them (周三下午); empty for whole days.
pub(super) fn half_days_words(app: &App, t: &Words, codes: &str) -> String {
    crate::speech::Speech::in_language(&app.settings, t.lang == "zh-CN").stored_slots(codes)
}

impl LeavePage {
    fn state(&self, status: &LeaveStatus) -> &'static str {
        let at = LeaveStatus::ALL
            .iter()
            .position(|s| s == status)
            .unwrap_or(0);
        self.r.leave_states[at]
    }

    fn waiting(&self, status: &LeaveStatus) -> bool {
        *status == LeaveStatus::Requested
    }
}

#[derive(Deserialize)]
pub struct LeaveQuery {
    sent: Option<String>,
}

async fn page(
    app: &App,
    actor: &Actor,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
    typed: Option<LeaveForm>,
) -> Response {
    let t = words(app.settings.locale);
    let teacher = actor.role == Role::Teacher;
    match leave::requests(&app.store, actor, false).await {
        Ok(requests) => {
            let typed = typed.unwrap_or_default();
            render(
                if problem.is_some() {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::OK
                },
                &LeavePage {
                    t,
                    r: t.record,
                    user: bar(actor),
                    teacher,
                    notice,
                    problem,
                    requests: requests
                        .into_iter()
                        .map(|v| {
                            let half_days = half_days_words(app, t, &v.request.slots);
                            (v, half_days)
                        })
                        .collect(),
                    half_days: half_day_choices(app, t),
                    from: typed.from,
                    to: typed.to,
                    half_day: typed.half_day,
                    reason: typed.reason,
                },
            )
        }
        Err(error) => failed(app, bar(actor), error),
    }
}

pub async fn show(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<LeaveQuery>,
) -> Response {
    let notice = query
        .sent
        .map(|_| words(app.settings.locale).record.leave_sent);
    page(&app, &actor, notice, None, None).await
}

#[derive(Deserialize, Default)]
pub struct LeaveForm {
    from: String,
    to: String,
    #[serde(default)]
    half_day: String,
    reason: String,
}

pub async fn ask(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Form(form): Form<LeaveForm>,
) -> Response {
    let r = words(app.settings.locale).record;
    let day = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    let (Some(from), Some(to)) = (day(&form.from), day(&form.to)) else {
        return page(&app, &actor, None, Some(r.leave_dates_rule), Some(form)).await;
    };
    let Ok(slots) = crate::service::registry::half_days(&app.settings, (from, to), &form.half_day)
    else {
        return page(&app, &actor, None, Some(r.leave_dates_rule), Some(form)).await;
    };
    let new = NewLeave {
        from,
        to,
        slots,
        reason: form.reason.clone(),
    };
    match leave::request(&app.store, &app.settings, &actor, app.now(), &new).await {
        Ok(_) => Redirect::to("/leave?sent=1").into_response(),
        Err(ServiceError::Invalid(problems)) => {
            let problem = if problems.iter().any(|p| p.field == "reason") {
                r.leave_reason_needed
            } else {
                r.leave_dates_rule
            };
            page(&app, &actor, None, Some(problem), Some(form)).await
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn approve(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    signed: SignedIn,
) -> Response {
    decide(app, id, signed, true).await
}

pub async fn decline(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    signed: SignedIn,
) -> Response {
    decide(app, id, signed, false).await
}

async fn decide(app: Arc<App>, id: i64, signed: SignedIn, approve: bool) -> Response {
    let actor = signed.actor;
    match leave::decide(&app.store, &app.settings, &actor, app.now(), id, approve).await {
        // Decided already (by another coordinator): the list shows how.
        Ok(_) => done_to("/leave", "leave", 1),
        Err(ServiceError::Conflict { .. }) => Redirect::to("/leave").into_response(),
        Err(error) => failed(&app, bar(&actor), error),
    }
}
