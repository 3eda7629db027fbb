//! What every page shares: who is signed in (`SignedIn`), rendering a template,
//! a message page, a service's error as the right page (`failed`), the way to the
//! login and back, and a week's and a client's names.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::App;
use super::session::{self, address};
use super::words::{Words, words};
use crate::service::{Actor, ServiceError, accounts};

/// The bar of a signed-in person's page: their name, their role's menu, and
/// what they just did.
pub struct UserBar {
    pub name: String,
    pub role: crate::domain::access::Role,
    /// They see the whole district (their menu's 学生, not 本校学生).
    pub district: bool,
    /// The code and count an action left (`flash`).
    pub done: Option<(String, u32)>,
}

impl UserBar {
    /// The message after an action, in the page's words.
    pub fn done_message(&self, t: &Words) -> Option<String> {
        let (code, n) = self.done.as_ref()?;
        t.home.done(code, *n)
    }
}

pub(crate) fn bar(actor: &Actor) -> Option<UserBar> {
    Some(UserBar {
        name: actor.display_name.clone(),
        role: actor.role,
        district: matches!(actor.scope, crate::domain::access::Scope::District),
        done: super::flash::just_done(),
    })
}

pub(crate) fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "web/message.html")]
struct MessagePage {
    t: &'static Words,
    user: Option<UserBar>,
    title: &'static str,
    text: String,
}

pub(crate) fn message(
    app: &App,
    status: StatusCode,
    user: Option<UserBar>,
    text: impl Into<String>,
) -> Response {
    let t = words(app.settings.locale);
    render(
        status,
        &MessagePage {
            t,
            user,
            title: t.home.title_of(status),
            text: text.into(),
        },
    )
}

/// A service's error as a page: not found and forbidden as such; a rule that
/// refuses (a visit already recorded or past, a conflict, a lock) with its reason
/// in the reader's words; anything else logged and shown as a server error
/// (never with its details).
pub(crate) fn failed(app: &App, user: Option<UserBar>, error: ServiceError) -> Response {
    let t = words(app.settings.locale);
    let reason = || error.say(app.settings.locale == crate::config::Locale::ZhCn);
    match error {
        ServiceError::NotFound { what, .. } => {
            message(app, StatusCode::NOT_FOUND, user, t.not_found_of(what))
        }
        ServiceError::Forbidden(_) => message(app, StatusCode::FORBIDDEN, user, t.not_for_you),
        ServiceError::Invalid(_) => message(app, StatusCode::UNPROCESSABLE_ENTITY, user, reason()),
        ServiceError::Conflict(_) | ServiceError::Stale { .. } => {
            message(app, StatusCode::CONFLICT, user, reason())
        }
        ServiceError::Locked(_) => message(app, StatusCode::LOCKED, user, reason()),
        ServiceError::Storage(e) if crate::service::is_busy(&e) => {
            let mut page = message(app, StatusCode::SERVICE_UNAVAILABLE, user, t.busy);
            page.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(5),
            );
            page
        }
        other => {
            tracing::error!(error = %other, "a page failed");
            message(app, StatusCode::INTERNAL_SERVER_ERROR, user, t.failed_page)
        }
    }
}

/// Only a path of this site: never a redirect elsewhere.
/// Where to go after logging in: a plain path on this site, else `/`. Only
/// visible ASCII: browsers drop tabs and newlines from a URL, so `/\t/evil.example`
/// would become `//evil.example`, another site; a newline would break the header.
pub(crate) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path.to_string()
        }
        _ => "/".into(),
    }
}

pub(crate) fn to_login(next: &str) -> Response {
    Redirect::to(&login_path(next, false)).into_response()
}

/// The login page, coming back to `next`; `unsaved` when a form sent with an
/// ended session was not kept, which the page says.
fn login_path(next: &str, unsaved: bool) -> String {
    let mut path = format!("/login?next={}", url_escape(next));
    if unsaved {
        path.push_str("&unsaved=1");
    }
    path
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Someone signed in, from the session cookie. A handler that takes it is
/// reached only by a person signed in; anyone else is sent to log in and back to
/// the page they were on (for a form sent, the page that holds the form), and one
/// who must first change their password or set up a second factor is sent to
/// their account page.
pub struct SignedIn {
    pub actor: Actor,
    pub session_id: String,
}

impl axum::extract::FromRequestParts<Arc<App>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Self, Response> {
        let path = parts.uri.path();
        let reading = matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD
        );
        // A form sent is not kept: the person comes back to the page that held it
        // (or home, when the browser does not say which), told so.
        let (here, unsaved) = if reading {
            let here = parts.uri.path_and_query().map_or(path, |p| p.as_str());
            (here.to_string(), false)
        } else {
            (
                came_from(&parts.headers).unwrap_or_else(|| "/".into()),
                true,
            )
        };
        let to_login = |next: &str| Redirect::to(&login_path(next, unsaved)).into_response();
        let Some(session_id) = session::session_id(&parts.headers) else {
            return Err(to_login(&here));
        };
        match accounts::session_actor(&app.store, &app.settings, app.now(), &session_id).await {
            Ok(Some(signed)) if signed.must.is_some() && !path.starts_with("/account") => {
                Err(Redirect::to("/account").into_response())
            }
            Ok(Some(signed)) => Ok(SignedIn {
                actor: signed.actor,
                session_id,
            }),
            Ok(None) => Err(to_login(&here)),
            Err(error) => Err(failed(app, None, error)),
        }
    }
}

/// The page of this site a form was sent from (browsers send it for this site
/// only: `Referrer-Policy: same-origin`).
fn came_from(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let uri: axum::http::Uri = referer.parse().ok()?;
    let page = uri.path_and_query()?.as_str();
    (local_path(Some(page)) == page).then(|| page.to_string())
}

pub(crate) fn peer(extensions: &Extensions) -> String {
    address(
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| *a),
    )
}

pub(crate) fn week_name(week: chrono::IsoWeek) -> String {
    format!("{}-W{:02}", week.year(), week.week())
}
