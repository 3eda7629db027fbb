//! What every request and response goes through: the security headers, and the
//! refusal of state-changing requests sent from another site (cross-site request
//! forgery), by the browser's own `Sec-Fetch-Site`, else by `Origin`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;
use super::words::words;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// A request's path as logs show it: a one-time link's token is a secret.
fn loggable_path(path: &str) -> String {
    if path.starts_with("/password/") {
        "/password/…".into()
    } else if path.starts_with("/calendar/") {
        "/calendar/…".into()
    } else {
        path.into()
    }
}

/// One log line per request: method, path (secrets removed), status and time.
/// Never a header, a form field or a cookie.
pub async fn request_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    ] {
        headers.insert(name, value);
    }
    // Pages and answers carry children's data: kept by no browser or proxy cache
    // (a shared computer in a school office). Assets say their own.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Whether a request that changes something was sent by the platform's own pages.
fn same_origin(request: &Request) -> bool {
    let header_text = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = header_text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (header_text("origin"), header_text("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, origin_host)| origin_host == host),
        (Some(_), None) => false,
        // No browser sends a cross-site form without Origin or Sec-Fetch-Site.
        (None, _) => true,
    }
}

pub async fn same_origin_only(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let reads = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The API takes only Bearer tokens, never the session cookie: another site
    // cannot send a person's token, so it cannot forge an API request.
    let api = request.uri().path().starts_with("/api/");
    if reads || api || same_origin(&request) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = loggable_path(request.uri().path()),
        "cross-site request refused"
    );
    (StatusCode::FORBIDDEN, words(app.settings.locale).forbidden).into_response()
}

/// Refuses a page's request whose query or form holds a NUL character (`%00`):
/// no field of the platform holds one, and PostgreSQL cannot store one in text.
/// The API checks its own inputs (and answers a problem).
pub async fn no_nul_characters(request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let refuse = || (StatusCode::BAD_REQUEST, "NUL characters are not accepted").into_response();
    if request.uri().query().is_some_and(|q| q.contains("%00")) {
        return refuse();
    }
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // Forms are small; the handlers' own limits still apply to what they read.
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if bytes.windows(3).any(|w| w == b"%00") || bytes.contains(&0) {
        return refuse();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}
