//! The week's board (`/weeks/{iso-week}`): the grid, planning the week from the
//! page (a dry run first, applied on confirmation), and moving or cancelling one
//! visit by hand.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::App;
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
    name: String,
    previous: String,
    next: String,
    notice: Option<&'static str>,
    preview: Option<(ChangeCounts, usize)>,
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
    preview: Option<(ChangeCounts, usize)>,
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
    match week_board::board(&app.store, &app.settings, actor, app.now(), week, school).await {
        Ok(board) => {
            let monday = monday_of(week);
            render(
                StatusCode::OK,
                &BoardPage {
                    t,
                    d: t.board,
                    user: bar(actor),
                    name: week_name(week),
                    previous: week_name((monday - chrono::Duration::days(7)).iso_week()),
                    next: week_name((monday + chrono::Duration::days(7)).iso_week()),
                    board,
                    notice,
                    preview,
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

#[derive(Deserialize)]
pub struct PlanForm {
    confirm: Option<String>,
}

/// Plans the week: without `confirm` a dry run shown on the board, with it for real.
pub async fn plan(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(week_text): Path<String>,
    Form(form): Form<PlanForm>,
) -> Response {
    let Some(week) = parse_week(&week_text) else {
        return page(&app, &actor, &week_text, None, None, None).await;
    };
    let dry_run = form.confirm.is_none();
    match plan_week::run(&app.store, &app.settings, &actor, app.now(), week, dry_run).await {
        Ok(report) if dry_run => {
            let unplaced = report.unplaced.len();
            let preview = Some((report.changes, unplaced));
            page(&app, &actor, &week_text, None, None, preview).await
        }
        Ok(_) => Redirect::to(&format!("/weeks/{week_text}?planned=1")).into_response(),
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
    problem: Option<String>,
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
        Ok(()) => Redirect::to(&format!("/weeks/{}", week_name(day.iso_week()))).into_response(),
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
        Ok(()) => Redirect::to(&format!("/weeks/{week}")).into_response(),
        Err(error) => match refused(t, &error) {
            Some(problem) => move_page(&app, &actor, visit_id, Some(problem)).await,
            None => failed(&app, bar(&actor), error),
        },
    }
}
