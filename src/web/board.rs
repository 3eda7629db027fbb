//! The week's board (`/weeks/{iso-week}`): the grid, planning the week from the
//! page (a dry run first, applied on confirmation), and moving or cancelling one
//! visit by hand.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::App;
use super::flash::done_to;
use super::page::{SignedIn, UserBar, bar, failed, render, week_name};
use super::words::{DashboardWords, Words, words};
use crate::service::plan_week::{self, ChangeCounts};
use crate::service::plan_week::{monday_of, parse_week};
use crate::service::week_board::{self, Board, MoveForm, MoveTo};
use crate::service::{Actor, ServiceError};

#[derive(Template)]
#[template(path = "web/board.html")]
struct BoardPage {
    t: &'static Words,
    d: &'static DashboardWords,
    user: Option<UserBar>,
    board: Board,
    /// The ISO week, for addresses.
    name: String,
    /// The week as schools name it: 第15周（12月7日–11日）.
    title: String,
    previous: String,
    next: String,
    notice: Option<&'static str>,
    preview: Option<Preview>,
    /// When the daemon plans this week by itself (it is not planned yet and
    /// its planning run is still to come), as people read a time.
    auto_plan: Option<String>,
}

impl BoardPage {
    fn advice_kind(&self, kind: &str) -> &'static str {
        let at = match kind {
            "teacher_half_days" => 0,
            "backup_teacher" => 1,
            _ => 2,
        };
        self.d.advice_kinds[at]
    }

    /// A preview's mark on a visit: 新增, 调整, 取消.
    fn change_word(&self, change: &str) -> &'static str {
        match change {
            "added" => self.d.changes[0],
            "moved" => self.d.changes[1],
            _ => self.d.changes[2],
        }
    }
}

/// What a dry run of the week's planning would do, and its fingerprint: the
/// confirmation applies it only if planning again gives the same.
struct Preview {
    changes: ChangeCounts,
    unplaced: usize,
    fingerprint: String,
    /// Planned again on confirmation, it came out otherwise.
    changed_meanwhile: bool,
}

impl Preview {
    fn of(report: &plan_week::WeekReport, changed_meanwhile: bool) -> Self {
        Preview {
            changes: report.changes.clone(),
            unplaced: report.unplaced.len(),
            fingerprint: fingerprint(report),
            changed_meanwhile,
        }
    }
}

/// What a week's planning would leave, as a short hash: the visits with their
/// changes, and the children short.
fn fingerprint(report: &plan_week::WeekReport) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    for v in &report.visits {
        hash.update(format!(
            "{:?}|{}|{}|{}|{}|{};",
            v.visit_id, v.student, v.teacher, v.day, v.slot, v.change
        ));
    }
    for u in &report.unplaced {
        hash.update(format!("{}|{};", u.student, u.missing));
    }
    hash.update(format!("{:?}", report.changes));
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Deserialize)]
pub struct BoardQuery {
    planned: Option<String>,
    /// One school's teachers only.
    school: Option<String>,
}

async fn page(
    app: &App,
    actor: &Actor,
    week_text: &str,
    school: Option<&str>,
    notice: Option<&'static str>,
    preview: Option<(&plan_week::WeekReport, bool)>,
) -> Response {
    let t = words(app.settings.locale);
    let Some(week) = parse_week(week_text) else {
        return failed(
            app,
            bar(actor),
            ServiceError::NotFound {
                what: "week",
                id: week_text.to_string(),
            },
        );
    };
    let report = preview.map(|(report, _)| report);
    match week_board::board(
        &app.store,
        &app.settings,
        actor,
        app.now(),
        week,
        school,
        report,
    )
    .await
    {
        Ok(board) => {
            let monday = monday_of(week);
            // The daemon's next planning run plans the week after it.
            let auto_plan = app
                .jobs
                .iter()
                .find(|(job, _)| *job == crate::jobs::Job::PlanWeek)
                .and_then(|(_, schedule)| schedule.next_after(app.now(), app.settings.time_zone))
                .filter(|next| {
                    board.planned_at.is_none()
                        && !board.past
                        && next.with_timezone(&app.settings.time_zone).date_naive() < monday
                })
                .map(|next| crate::speech::Speech::of(&app.settings).time(next));
            let title = match app
                .settings
                .calendar(crate::domain::calendar::SchoolYear::containing(monday))
            {
                Ok(calendar) => crate::speech::Speech::of(&app.settings).week(&calendar, week),
                Err(_) => week_name(week),
            };
            render(
                StatusCode::OK,
                &BoardPage {
                    t,
                    d: t.board,
                    user: bar(actor),
                    name: week_name(week),
                    title,
                    previous: week_name((monday - chrono::Duration::days(7)).iso_week()),
                    next: week_name((monday + chrono::Duration::days(7)).iso_week()),
                    board,
                    notice,
                    preview: preview.map(|(report, changed)| Preview::of(report, changed)),
                    auto_plan,
                },
            )
        }
        Err(error) => failed(app, bar(actor), error),
    }
}

pub async fn show(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(week): Path<String>,
    Query(query): Query<BoardQuery>,
) -> Response {
    let notice = query
        .planned
        .map(|_| words(app.settings.locale).board.planned);
    let school = query.school.filter(|s| !s.is_empty());
    page(&app, &actor, &week, school.as_deref(), notice, None).await
}

/// What planning the week would do, shown on its board (`GET`: reading it
/// again or going back to it plans nothing).
pub async fn preview(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(week_text): Path<String>,
) -> Response {
    let Some(week) = parse_week(&week_text) else {
        return page(&app, &actor, &week_text, None, None, None).await;
    };
    match plan_week::run(&app.store, &app.settings, &actor, app.now(), week, true).await {
        Ok(report) => page(&app, &actor, &week_text, None, None, Some((&report, false))).await,
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Deserialize)]
pub struct PlanForm {
    confirm: Option<String>,
    /// The fingerprint of the preview the person confirms.
    seen: Option<String>,
}

/// Plans the week: without `confirm` a dry run shown on the board; with it,
/// planned again as a dry run, and written only when that gives what the person
/// saw (else the new preview, said to have changed meanwhile).
pub async fn plan(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(week_text): Path<String>,
    Form(form): Form<PlanForm>,
) -> Response {
    let Some(week) = parse_week(&week_text) else {
        return page(&app, &actor, &week_text, None, None, None).await;
    };
    let dry = plan_week::run(&app.store, &app.settings, &actor, app.now(), week, true).await;
    let report = match dry {
        Ok(report) => report,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let confirmed = form.confirm.is_some();
    let as_seen = form.seen.as_deref() == Some(fingerprint(&report).as_str());
    if !confirmed || !as_seen {
        return page(
            &app,
            &actor,
            &week_text,
            None,
            None,
            Some((&report, confirmed)),
        )
        .await;
    }
    match plan_week::run(&app.store, &app.settings, &actor, app.now(), week, false).await {
        Ok(report) => {
            let c = &report.changes;
            done_to(
                &format!("/weeks/{week_text}"),
                "planned",
                (c.added + c.moved + c.cancelled) as u32,
            )
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Template)]
#[template(path = "web/move.html")]
struct MovePage {
    t: &'static Words,
    d: &'static DashboardWords,
    user: Option<UserBar>,
    form: MoveForm,
    week: String,
    /// The week as schools name it.
    week_title: String,
    problem: Option<String>,
    /// The slots as the reader's language names them, by code.
    slot_labels: std::collections::HashMap<String, String>,
}

impl MovePage {
    fn slot(&self, code: &str) -> String {
        self.slot_labels
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    fn teacher(&self, id: &str) -> String {
        self.form
            .teachers
            .iter()
            .find(|t| t.teacher_id == id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    }
}

async fn move_page(app: &App, actor: &Actor, visit_id: i64, problem: Option<String>) -> Response {
    let t = words(app.settings.locale);
    match week_board::move_form(&app.store, &app.settings, actor, app.now(), visit_id).await {
        Ok(form) => render(
            if problem.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
            &MovePage {
                t,
                d: t.board,
                user: bar(actor),
                week: week_name(form.visit.day.iso_week()),
                week_title: app
                    .settings
                    .calendar(crate::domain::calendar::SchoolYear::containing(
                        form.visit.day,
                    ))
                    .map_or_else(
                        |_| week_name(form.visit.day.iso_week()),
                        |calendar| {
                            crate::speech::Speech::of(&app.settings)
                                .week(&calendar, form.visit.day.iso_week())
                        },
                    ),
                slot_labels: app
                    .settings
                    .slot_table()
                    .map(|table| {
                        let chinese = app.settings.locale == crate::config::Locale::ZhCn;
                        form.slots
                            .iter()
                            .map(|s| (s.clone(), table.label(s, chinese)))
                            .collect()
                    })
                    .unwrap_or_default(),
                form,
                problem,
            },
        ),
        Err(error) => failed(app, bar(actor), error),
    }
}

pub async fn move_form(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(visit_id): Path<i64>,
) -> Response {
    move_page(&app, &actor, visit_id, None).await
}

#[derive(Deserialize)]
pub struct MoveFields {
    teacher: String,
    day: String,
    slot: String,
    reason: String,
}

/// The refusal as the reader reads it.
fn refused(t: &Words, error: &ServiceError) -> Option<String> {
    match error {
        ServiceError::Invalid(_) | ServiceError::Conflict { .. } => {
            Some(format!("{} {error}", t.board.move_refused))
        }
        _ => None,
    }
}

pub async fn move_visit(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(visit_id): Path<i64>,
    Form(fields): Form<MoveFields>,
) -> Response {
    let Ok(day) = NaiveDate::parse_from_str(&fields.day, "%Y-%m-%d") else {
        return move_page(&app, &actor, visit_id, Some(fields.day)).await;
    };
    let to = MoveTo {
        teacher_id: fields.teacher,
        day,
        slot: fields.slot,
        reason: fields.reason,
    };
    let t = words(app.settings.locale);
    match week_board::move_visit(&app.store, &app.settings, &actor, app.now(), visit_id, &to).await
    {
        Ok(()) => done_to(&format!("/weeks/{}", week_name(day.iso_week())), "moved", 1),
        Err(error) => match refused(t, &error) {
            Some(problem) => move_page(&app, &actor, visit_id, Some(problem)).await,
            None => failed(&app, bar(&actor), error),
        },
    }
}

#[derive(Deserialize)]
pub struct CancelFields {
    reason: String,
}

pub async fn cancel_visit(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(visit_id): Path<i64>,
    Form(fields): Form<CancelFields>,
) -> Response {
    let t = words(app.settings.locale);
    let week =
        match week_board::move_form(&app.store, &app.settings, &actor, app.now(), visit_id).await {
            Ok(form) => week_name(form.visit.day.iso_week()),
            Err(error) => return failed(&app, bar(&actor), error),
        };
    match week_board::cancel_visit(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        visit_id,
        &fields.reason,
    )
    .await
    {
        Ok(()) => done_to(&format!("/weeks/{week}"), "cancelled", 1),
        Err(error) => match refused(t, &error) {
            Some(problem) => move_page(&app, &actor, visit_id, Some(problem)).await,
            None => failed(&app, bar(&actor), error),
        },
    }
}
