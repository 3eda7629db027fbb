//! The web port: the pages people log in to, and `GET /healthz` for the
//! operators. Handlers parse, call a service, render; who may see what is decided
//! in `service/`. Every response carries the security headers, and every request
//! that changes something must come from the platform's own pages.

mod absences;
mod api;
mod audit;
mod board;
mod chart;
mod dashboard;
mod exports;
mod flash;
mod guard;
mod home_words;
mod imports;
mod leave;
mod listen;
pub(crate) mod page;
pub(crate) mod pages;
mod people;
mod plan_form;
mod record;
mod school_calendar;
mod session;
pub mod words;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::jobs::Job;
use crate::jobs::schedule::Schedule;
use crate::service::{Actor, Store, job_runs};

pub use crate::clock::Clock;

/// What every handler shares.
pub struct App {
    pub store: Store,
    pub settings: Settings,
    pub jobs: Vec<(Job, Schedule)>,
    pub clock: Clock,
    /// Requests per API token (`web.api_requests_per_minute`).
    api_limits: api::Limits,
}

impl App {
    pub fn new(store: Store, settings: Settings, jobs: Vec<(Job, Schedule)>, clock: Clock) -> Self {
        let api_limits = api::Limits::new(settings.web.api_requests_per_minute);
        App {
            store,
            settings,
            jobs,
            clock,
            api_limits,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

#[derive(Serialize)]
pub(crate) struct JobHealth {
    pub job: &'static str,
    pub last_run: Option<job_runs::JobRun>,
    pub next_run: Option<DateTime<Utc>>,
}

/// `/healthz`: the status for anyone; each job's runs and errors, and why the
/// database is unavailable, only for `web.monitoring` addresses and admins.
#[derive(Serialize)]
struct HealthReport {
    database: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobs: Option<Vec<JobHealth>>,
}

/// Each daemon job's last run and next time.
async fn job_health(app: &App, actor: &Actor) -> Vec<JobHealth> {
    let now = app.now();
    let names: Vec<&'static str> = app.jobs.iter().map(|(job, _)| job.name()).collect();
    let runs = job_runs::last_runs(&app.store, actor, &names)
        .await
        .unwrap_or_else(|_| vec![None; names.len()]);
    app.jobs
        .iter()
        .zip(runs)
        .map(|((job, schedule), last_run)| JobHealth {
            job: job.name(),
            last_run,
            next_run: schedule.next_after(now, app.settings.time_zone),
        })
        .collect()
}

async fn healthz(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let detailed = monitoring(&app, &extensions) || admin(&app, &headers).await;
    // A database that answers reads but takes no write (another process holds
    // SQLite's write lock) records no visit: not healthy.
    let writable = tokio::time::timeout(
        WRITE_CHECK,
        app.store
            .write(&crate::service::Actor::new("healthz").audit(), app.now()),
    )
    .await;
    match writable {
        Ok(Ok(tx)) => {
            let _ = tx.rollback().await;
        }
        Ok(Err(error)) if detailed => return unhealthy(format!("cannot write: {error}")),
        Err(_) if detailed => {
            return unhealthy(format!(
                "cannot write: no write within {} s (another process holds the write lock)",
                WRITE_CHECK.as_secs()
            ));
        }
        Ok(Err(_)) | Err(_) => return unhealthy("cannot write".into()),
    }
    let (database, jobs) = match app.store.read().await {
        Ok(tx) => {
            let _ = tx.rollback().await;
            let jobs = if detailed {
                Some(job_health(&app, &Actor::new("healthz")).await)
            } else {
                None
            };
            ("ok".to_string(), jobs)
        }
        Err(error) if detailed => (format!("unavailable: {error}"), None),
        Err(_) => ("unavailable".to_string(), None),
    };
    let status = if database == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(HealthReport { database, jobs })).into_response()
}

/// How long `/healthz` waits to begin a write.
const WRITE_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

fn unhealthy(database: String) -> axum::response::Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(HealthReport {
            database,
            jobs: None,
        }),
    )
        .into_response()
}

/// Whether the request comes from an address of `web.monitoring`.
fn monitoring(app: &App, extensions: &axum::http::Extensions) -> bool {
    let Some(axum::extract::ConnectInfo(peer)) =
        extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    else {
        return false;
    };
    let monitors = app.settings.web.monitors().unwrap_or_default();
    monitors.iter().any(|net| net.contains(&peer.ip()))
}

/// Whether the request carries an admin's session.
async fn admin(app: &App, headers: &axum::http::HeaderMap) -> bool {
    let Some(id) = session::session_id(headers) else {
        return false;
    };
    matches!(
        crate::service::accounts::session_actor(&app.store, &app.settings, app.now(), &id).await,
        Ok(Some(signed)) if signed.actor.role.is_admin()
    )
}

/// The pages' assets, in the binary: no CDN, nothing fetched elsewhere.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "/assets/icon.svg",
        "image/svg+xml",
        include_str!("assets/icon.svg"),
    ),
    (
        "/assets/app.css",
        "text/css; charset=utf-8",
        include_str!("assets/app.css"),
    ),
    (
        "/assets/app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
    (
        "/assets/queue.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/queue.js"),
    ),
    (
        "/assets/record.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/record.js"),
    ),
    // At the root, so that it may serve every page of the site.
    (
        "/sw.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/sw.js"),
    ),
];

async fn asset(uri: axum::http::Uri) -> axum::response::Response {
    match ASSETS.iter().find(|(path, _, _)| *path == uri.path()) {
        // The service worker is checked for a new version on every visit.
        Some((path, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (
                    header::CACHE_CONTROL,
                    if *path == "/sw.js" {
                        "no-cache"
                    } else {
                        "public, max-age=3600"
                    },
                ),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `Content-Disposition` for a download named `name` (RFC 6266): an ASCII
/// stand-in for old clients and the name itself as UTF-8 in `filename*`, so a
/// school's name reaches the header only percent-encoded.
pub(crate) fn attachment(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/assets/{file}", get(asset))
        .route("/sw.js", get(asset))
        .route(
            "/favicon.ico",
            get(|| async { axum::response::Redirect::permanent("/assets/icon.svg") }),
        )
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/login/code", post(pages::login_code))
        .route("/logout", post(pages::logout))
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/totp", get(pages::second_factor_form))
        .route("/account/calendar", post(pages::renew_feed))
        .route("/account/tokens", post(pages::make_token))
        .route(
            "/account/tokens/{token_id}/revoke",
            post(pages::revoke_token),
        )
        .route("/account/calendar/revoke", post(pages::revoke_feed))
        .route("/calendar/{file}", get(pages::feed))
        .route("/account/totp/confirm", post(pages::confirm_second_factor))
        .route("/account/sessions/{handle}/end", post(pages::end_session))
        .route(
            "/password/forgot",
            get(pages::forgot_form).post(pages::forgot),
        )
        .route(
            "/password/{token}",
            get(pages::password_form).post(pages::set_password),
        )
        .route("/", get(pages::home))
        .route("/students", get(pages::student_list))
        .route(
            "/students/new",
            get(people::new_student).post(people::register_student),
        )
        .route(
            "/teachers/new",
            get(people::new_teacher).post(people::register_teacher),
        )
        .route(
            "/students/{student_id}/edit",
            get(people::student_form).post(people::student_save),
        )
        .route("/students/{student_id}/pauses", post(absences::add_pause))
        .route(
            "/students/{student_id}/pauses/{absence}/end",
            post(absences::end_pause),
        )
        .route(
            "/students/{student_id}/pauses/{absence}/remove",
            post(absences::remove_pause),
        )
        .route("/teachers/{teacher_id}/leave", post(absences::add_leave))
        .route(
            "/teachers/{teacher_id}/leave/{absence}/end",
            post(absences::end_leave),
        )
        .route(
            "/teachers/{teacher_id}/leave/{absence}/remove",
            post(absences::remove_leave),
        )
        .route("/teachers", get(people::teachers))
        .route(
            "/teachers/{teacher_id}/edit",
            get(people::teacher_form).post(people::teacher_save),
        )
        .route("/students/{student_id}", get(pages::student))
        .route("/students/{student_id}/ledger.xlsx", get(pages::ledger))
        .route(
            "/students/{student_id}/plan",
            get(plan_form::form).post(plan_form::save),
        )
        // Forms' addresses opened by hand (from the history): back to the list.
        .route(
            "/alerts/ack",
            get(|| async { axum::response::Redirect::to("/") }).post(dashboard::acknowledge_many),
        )
        .route("/alerts/{alert_id}/ack", post(dashboard::acknowledge))
        .route(
            "/work/seen",
            get(|| async { axum::response::Redirect::to("/") }).post(dashboard::mark_seen),
        )
        .route(
            "/work/remind",
            get(|| async { axum::response::Redirect::to("/") }).post(dashboard::remind),
        )
        .route("/plan", get(dashboard::this_week))
        .route("/operations", get(dashboard::operations))
        .route(
            "/visits/{visit_id}/record",
            get(record::form)
                .post(record::submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    record::MAX_RECORD_BYTES,
                )),
        )
        .route("/visits/{visit_id}/files/{file_id}", get(record::file))
        .route("/weeks/{week}", get(board::show))
        .route("/weeks/{week}/plan", get(board::preview).post(board::plan))
        .route(
            "/visits/{visit_id}/move",
            get(board::move_form).post(board::move_visit),
        )
        .route("/visits/{visit_id}/cancel", post(board::cancel_visit))
        .route("/audit", get(audit::show))
        .route("/audit.xlsx", get(audit::sheet))
        .route("/exports", get(exports::show))
        .route("/school-calendar", get(school_calendar::show))
        .route(
            "/school-calendar/{year}/entry",
            get(school_calendar::entry_form).post(school_calendar::save_entry),
        )
        .route("/exports/year.xlsx", get(exports::year))
        .route("/imports", get(imports::show))
        .route("/imports/template/{file}", get(imports::template))
        .route(
            "/imports/check",
            post(imports::check).layer(axum::extract::DefaultBodyLimit::max(
                imports::MAX_SHEET_BYTES,
            )),
        )
        .route(
            "/imports/apply",
            post(imports::apply).layer(axum::extract::DefaultBodyLimit::max(
                imports::MAX_SHEET_BYTES * 2,
            )),
        )
        .route("/leave", get(leave::show).post(leave::ask))
        .route("/leave/{id}/approve", post(leave::approve))
        .route("/leave/{id}/decline", post(leave::decline))
        .merge(api::router(&app))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::same_origin_only,
        ))
        .layer(axum::middleware::from_fn(flash::carry))
        .layer(axum::middleware::from_fn(guard::no_nul_characters))
        .layer(axum::middleware::from_fn(guard::security_headers))
        .layer(axum::middleware::from_fn(guard::request_log))
        .with_state(app)
}

/// Serves the router on `listener` with each request's peer address known, and
/// slow clients held to the limits of `[web]` (see `listen.rs`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let web = app.settings.web.clone();
    let refusals = listen::Refusals::of(app.settings.locale);
    listen::serve(listener, router(app), &web, refusals, stop).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_download_name_reaches_the_header_encoded() {
        assert_eq!(
            super::attachment("year-城关\"小学\r\n.xlsx"),
            "attachment; filename=\"year-_______.xlsx\"; \
             filename*=UTF-8''year-%E5%9F%8E%E5%85%B3%22%E5%B0%8F%E5%AD%A6%0D%0A.xlsx"
        );
    }
}
