//! The home of coordinators, supervisors and admins: a work list, the most
//! urgent first, each item with what can be done about it (plan the week,
//! remind the teachers, acknowledge alerts several at a time, decide leave),
//! then the figures. The operators' matters (failed mail, the daemon's jobs)
//! are on their own page.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use chrono_tz::Tz;

use super::flash::done_to;
use super::page::{SignedIn, UserBar, bar, failed, message, render};
use super::words::{DashboardWords, Words, words};
use super::{App, JobHealth, job_health};
use crate::domain::pace::Status;
use crate::service::Actor;
use crate::service::dashboard::{self, Dashboard, Pages};
use crate::service::outbox::FailedMessage;
use crate::service::{ServiceError, alerts};

/// The figures show this many schools a page (a district may have hundreds).
const SCHOOLS_A_PAGE: usize = 10;

const STATUSES: [Status; 4] = [
    Status::OnTrack,
    Status::Behind,
    Status::AtRisk,
    Status::Unreachable,
];

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct WorkListPage {
    t: &'static Words,
    d: &'static DashboardWords,
    user: Option<UserBar>,
    zone: Tz,
    board: Dashboard,
    statuses: [Status; 4],
    /// Each week to plan: its address and its name as schools say it.
    to_plan: Vec<(String, String)>,
    /// This week, as the board's address names it.
    week: String,
    district: bool,
    admin: bool,
    speech: crate::speech::Speech,
    /// Accounts' names by email: who acknowledged is shown by name.
    names: std::collections::HashMap<String, String>,
    today: NaiveDate,
    pages: Pages,
}

impl WorkListPage {
    fn who(&self, actor: &str) -> String {
        self.speech.who(actor, &self.names)
    }

    fn advice_kind(&self, kind: &str) -> &'static str {
        let at = match kind {
            "teacher_half_days" => 0,
            "backup_teacher" => 1,
            _ => 2,
        };
        self.d.advice_kinds[at]
    }

    /// The address of page `page` of `list`, the other lists' pages kept.
    fn page_link(&self, list: &str, page: impl std::borrow::Borrow<usize>) -> String {
        let (p, page) = (self.pages, *page.borrow());
        let of = |name: &str, current: usize| if name == list { page } else { current.max(1) };
        format!(
            "/?unrecorded={}&worse={}&alerts={}&exceptions={}&schools={}#{list}",
            of("unrecorded", p.unrecorded),
            of("worse", p.worse),
            of("alerts", p.alerts),
            of("exceptions", p.exceptions),
            of("figures", p.schools),
        )
    }

    /// The schools of this page of the figures.
    fn schools_shown(&self) -> &[crate::service::dashboard::SchoolRow] {
        let from = (self.schools_page() - 1) * SCHOOLS_A_PAGE;
        let rows = &self.board.schools;
        &rows[from.min(rows.len())..(from + SCHOOLS_A_PAGE).min(rows.len())]
    }

    fn schools_page(&self) -> usize {
        self.pages.schools.clamp(1, self.schools_pages())
    }

    fn schools_pages(&self) -> usize {
        self.board.schools.len().div_ceil(SCHOOLS_A_PAGE).max(1)
    }

    /// Every school's figures added up (shown when there are several).
    fn total(&self) -> crate::service::dashboard::SchoolRow {
        let mut total = crate::service::dashboard::SchoolRow {
            school: if self.t.lang == "zh-CN" {
                "合计".into()
            } else {
                "All".into()
            },
            ..Default::default()
        };
        for s in &self.board.schools {
            total.on_track += s.on_track;
            total.behind += s.behind;
            total.at_risk += s.at_risk;
            total.unreachable += s.unreachable;
            total.delivered += s.delivered;
            total.expected += s.expected;
            total.target += s.target;
        }
        total
    }

    fn nothing_to_do(&self) -> bool {
        let b = &self.board;
        b.to_plan.is_empty()
            && b.unplaced.is_empty()
            && b.unrecorded.is_empty()
            && b.worse.is_empty()
            && b.alerts.is_empty()
            && b.leave.as_ref().is_none_or(Vec::is_empty)
            && b.alerts_followed.is_empty()
            && b.exceptions.is_empty()
            && b.unconfirmed.records == 0
    }
}

pub async fn page(app: &App, actor: &Actor, pages: Pages) -> Response {
    let t = words(app.settings.locale);
    let now = app.now();
    let board = match dashboard::dashboard(&app.store, &app.settings, actor, now, pages).await {
        Ok(board) => board,
        Err(error) => return failed(app, bar(actor), error),
    };
    let today = now.with_timezone(&app.settings.time_zone).date_naive();
    let speech = crate::speech::Speech::of(&app.settings);
    let to_plan = board
        .to_plan
        .iter()
        .map(|&week| {
            let monday = crate::service::plan_week::monday_of(week);
            let year = crate::domain::calendar::SchoolYear::containing(monday);
            let name = match app.settings.calendar(year) {
                Ok(calendar) => speech.week(&calendar, week),
                Err(_) => super::page::week_name(week),
            };
            (super::page::week_name(week), name)
        })
        .collect();
    let week = super::page::week_name(board.week);
    let names = crate::service::accounts::names(&app.store, actor)
        .await
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &WorkListPage {
            t,
            d: t.board,
            user: bar(actor),
            zone: app.settings.time_zone,
            district: matches!(actor.scope, crate::domain::access::Scope::District),
            admin: actor.role.is_admin(),
            speech,
            names,
            board,
            statuses: STATUSES,
            to_plan,
            week,
            today,
            pages,
        },
    )
}

/// Several alerts acknowledged at once: `alert` repeated, one `note`, an
/// optional `follow_up_on`. Read by hand: a form's repeated field is a list.
pub async fn acknowledge_many(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    body: axum::body::Bytes,
) -> Response {
    let t = words(app.settings.locale);
    let (mut ids, mut note, mut follow_up) = (Vec::new(), String::new(), None);
    for (key, value) in form_urlencoded::parse(&body) {
        match &*key {
            "alert" => match value.parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => return message(&app, StatusCode::BAD_REQUEST, bar(&actor), t.no_page),
            },
            "note" => note = value.trim().to_string(),
            "follow_up_on" if !value.trim().is_empty() => {
                match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
                    Ok(day) => follow_up = Some(day),
                    Err(_) => {
                        let error = ServiceError::invalid(
                            "follow_up_on",
                            crate::reason::Reason::NotADate {
                                text: value.to_string(),
                            },
                        );
                        return failed(&app, bar(&actor), error);
                    }
                }
            }
            _ => {}
        }
    }
    if ids.is_empty() {
        return message(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            bar(&actor),
            t.home.choose_alerts,
        );
    }
    match alerts::acknowledge_many(&app.store, &actor, app.now(), &ids, &note, follow_up).await {
        Ok(()) => done_to("/", "acked", ids.len() as u32),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(serde::Deserialize)]
pub struct AckForm {
    note: String,
}

/// One alert acknowledged (its child's page, older links).
pub async fn acknowledge(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(alert_id): Path<i64>,
    Form(form): Form<AckForm>,
) -> Response {
    match alerts::acknowledge(&app.store, &actor, app.now(), alert_id, form.note.trim()).await {
        Ok(()) => done_to("/", "acked", 1),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// The reader has seen who got worse.
pub async fn mark_seen(State(app): State<Arc<App>>, SignedIn { actor, .. }: SignedIn) -> Response {
    match dashboard::mark_seen(&app.store, &actor, app.now()).await {
        Ok(()) => done_to("/", "seen", 0),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// Reminds the teachers of the visits they have not recorded, now rather than
/// at the daemon's next run (each visit is still reminded once).
pub async fn remind(State(app): State<Arc<App>>, SignedIn { actor, .. }: SignedIn) -> Response {
    if !actor.role.keeps_registers() {
        return failed(
            &app,
            bar(&actor),
            ServiceError::Forbidden("reminders are sent by coordinators".into()),
        );
    }
    match crate::service::remind_unrecorded::run(&app.store, &app.settings, &actor, app.now()).await
    {
        Ok(report) => done_to(
            "/",
            "reminded",
            (report.teacher_emails + report.coordinator_emails) as u32,
        ),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// This week's board: the menu's 排课.
pub async fn this_week(State(app): State<Arc<App>>, SignedIn { .. }: SignedIn) -> Response {
    let today = app
        .now()
        .with_timezone(&app.settings.time_zone)
        .date_naive();
    let week = super::page::week_name(chrono::Datelike::iso_week(&today));
    axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
        "/weeks/{week}"
    )))
}

#[derive(Template)]
#[template(path = "web/operations.html")]
struct OperationsPage {
    t: &'static Words,
    d: &'static DashboardWords,
    user: Option<UserBar>,
    zone: Tz,
    messages: Vec<FailedMessage>,
    jobs: Vec<JobHealth>,
}

impl OperationsPage {
    /// A daemon job as the reader reads it: 每周排课 under zh-CN.
    fn job_word(&self, name: &str) -> String {
        match crate::speech::job_zh(name) {
            Some(word) if self.t.lang == "zh-CN" => word.to_string(),
            _ => name.to_string(),
        }
    }
}

/// The operators' page: messages that failed or were given up, and each
/// daemon job's last and next run.
pub async fn operations(State(app): State<Arc<App>>, SignedIn { actor, .. }: SignedIn) -> Response {
    let t = words(app.settings.locale);
    let messages = match crate::service::outbox::failed(&app.store, &actor).await {
        Ok(messages) => messages,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let jobs = job_health(&app, &actor).await;
    render(
        StatusCode::OK,
        &OperationsPage {
            t,
            d: t.board,
            user: bar(&actor),
            zone: app.settings.time_zone,
            messages,
            jobs,
        },
    )
}
