//! Workbooks: the year's (a summary and a sheet per school) and a child's
//! ledger, each download in the access log.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiPath, ApiQuery, Caller};
use super::problem::{ApiError, Problem};
use crate::service::{ServiceError, reports};
use crate::web::App;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// One school; every school the caller sees when left out.
    pub school: Option<String>,
}

/// The year's workbook (a summary and a sheet per school), naming who exported
/// it and when; each child exported is in the access log.
#[utoipa::path(
    get,
    path = "/api/v1/exports/year.xlsx",
    tag = "exports",
    params(ExportQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let school = query.school.filter(|s| !s.is_empty());
    let export = reports::export_for(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        school.as_deref(),
        &caller.address,
    )
    .await?;
    let bytes = crate::reports::xlsx::year_workbook(&export, &speech(&app, &headers))
        .map_err(|error| ServiceError::Settings(format!("the workbook did not render: {error}")))?;
    Ok(workbook(bytes))
}

/// A child's ledger of the year as a workbook (each download in the access log).
#[utoipa::path(
    get,
    path = "/api/v1/students/{student_id}/ledger.xlsx",
    tag = "students",
    params(("student_id" = String, Path, description = "The child's id")),
    responses(
        (status = 200, description = "The ledger", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ledger(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiPath(student_id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let from = crate::service::students::ReadFrom {
        address: &caller.address,
    };
    let ledger = crate::service::students::ledger(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        &student_id,
        from,
    )
    .await?;
    let bytes = crate::reports::xlsx::ledger_workbook(&ledger, &speech(&app, &headers))
        .map_err(|error| ServiceError::Settings(format!("the ledger did not render: {error}")))?;
    Ok(workbook(bytes))
}

/// A workbook speaks the request's language (Accept-Language), like its problems.
fn speech(app: &App, headers: &axum::http::HeaderMap) -> crate::speech::Speech {
    let locale = super::problem::language(headers, app.settings.locale);
    crate::speech::Speech::in_language(&app.settings, locale == crate::config::Locale::ZhCn)
}

fn workbook(bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response()
}
