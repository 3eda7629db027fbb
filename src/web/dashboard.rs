//! The home of coordinators, supervisors and admins: the district (or their
//! schools) at a glance, with open alerts acknowledged here.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use serde::Deserialize;

use super::page::{SignedIn, UserBar, bar, failed, render};
use super::words::{DashboardWords, Words, words};
use super::{App, JobHealth, job_health};
use crate::domain::pace::Status;
use crate::service::Actor;
use crate::service::dashboard::{self, Dashboard};

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct DashboardPage {
    t: &'static Words,
    d: &'static DashboardWords,
    user: Option<UserBar>,
    zone: Tz,
    board: Dashboard,
    jobs: Option<Vec<JobHealth>>,
    statuses: [Status; 4],
    decides_leave: bool,
    /// This week, as the board's address names it.
    week: String,
}

impl DashboardPage {
    /// A daemon job as the reader reads it: 每周排课 under zh-CN.
    fn job_word(&self, name: &str) -> String {
        match crate::speech::job_zh(name) {
            Some(word) if self.t.lang == "zh-CN" => word.to_string(),
            _ => name.to_string(),
        }
    }

    fn advice_kind(&self, kind: &str) -> &'static str {
        let at = match kind {
            "teacher_half_days" => 0,
            "backup_teacher" => 1,
            _ => 2,
        };
        self.d.advice_kinds[at]
    }
}

pub async fn page(app: &App, actor: &Actor) -> Response {
    let t = words(app.settings.locale);
    let board = match dashboard::dashboard(&app.store, &app.settings, actor, app.now()).await {
        Ok(board) => board,
        Err(error) => return failed(app, bar(actor), error),
    };
    let operations = board.failed_messages.is_some();
    let jobs = if operations {
        Some(job_health(app, actor).await)
    } else {
        None
    };
    let week = super::page::week_name(board.week);
    render(
        StatusCode::OK,
        &DashboardPage {
            t,
            d: t.board,
            user: bar(actor),
            zone: app.settings.time_zone,
            board,
            jobs,
            statuses: [
                Status::OnTrack,
                Status::Behind,
                Status::AtRisk,
                Status::Unreachable,
            ],
            decides_leave: operations,
            week,
        },
    )
}

#[derive(Deserialize)]
pub struct AckForm {
    note: String,
}

pub async fn acknowledge(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(alert_id): Path<i64>,
    Form(form): Form<AckForm>,
) -> Response {
    match crate::service::alerts::acknowledge(
        &app.store,
        &actor,
        app.now(),
        alert_id,
        form.note.trim(),
    )
    .await
    {
        Ok(()) => Redirect::to("/#alerts").into_response(),
        Err(error) => failed(&app, bar(&actor), error),
    }
}
