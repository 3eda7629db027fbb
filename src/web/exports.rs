//! Exports in the browser (`/exports`): the year's workbook, for every school
//! the reader may see or for one of them, as the command line makes it; each
//! export names who made it and when inside the file and is access-logged.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{Extensions, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::App;
use super::page::{SignedIn, UserBar, bar, failed, peer, render};
use super::words::{Words, words};
use crate::service::reports;

#[derive(Template)]
#[template(path = "web/exports.html")]
struct ExportsPage {
    t: &'static Words,
    user: Option<UserBar>,
    schools: Vec<String>,
}

pub async fn show(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let actor = signed.actor;
    match reports::export_schools(&app.store, &actor).await {
        Ok(schools) => render(
            StatusCode::OK,
            &ExportsPage {
                t: words(app.settings.locale),
                user: bar(&actor),
                schools,
            },
        ),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    school: Option<String>,
}

pub async fn year(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ExportQuery>,
    extensions: Extensions,
) -> Response {
    let address = peer(&extensions);
    let school = query.school.filter(|s| !s.is_empty());
    let export = match reports::export_for(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        school.as_deref(),
        &address,
    )
    .await
    {
        Ok(export) => export,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let name = match &school {
        Some(school) => format!("year-{}.xlsx", crate::reports::file_safe(school)),
        None => "year.xlsx".to_string(),
    };
    match crate::reports::xlsx::year_workbook(&export, &crate::speech::Speech::of(&app.settings)) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, super::attachment(&name)),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a year's workbook did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
