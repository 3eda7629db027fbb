//! The message after an action (已确认 3 条预警): the action answers with a
//! redirect that leaves a short-lived cookie naming what was done (a code and a
//! count, never text from the request), the next page shows it in its bar and
//! the cookie is cleared. Works without JavaScript.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

const COOKIE: &str = "songjiao_done";

tokio::task_local! {
    /// What the request's cookie says was just done, for the page's bar.
    static DONE: Option<(String, u32)>;
}

/// What was just done, as the page being rendered should say it.
pub(crate) fn just_done() -> Option<(String, u32)> {
    DONE.try_with(Clone::clone).ok().flatten()
}

fn read(headers: &HeaderMap) -> Option<(String, u32)> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)?
        .1;
    let (code, n) = value.split_once('.')?;
    (code.len() <= 20 && code.bytes().all(|b| b.is_ascii_lowercase()))
        .then(|| Some((code.to_string(), n.parse().ok()?)))
        .flatten()
}

/// Every request: the message is there for the page rendered, and a page
/// rendered has shown it (a redirect passes it on).
pub async fn carry(request: Request, next: Next) -> Response {
    let done = read(request.headers());
    let shown = done.is_some();
    let mut response = DONE.scope(done, next.run(request)).await;
    if shown && !response.status().is_redirection() {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("songjiao_done=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
    }
    response
}

/// Back to `to`, saying `code` (see `HomeWords::done`) was done `n` times.
pub(crate) fn done_to(to: &str, code: &'static str, n: u32) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{COOKIE}={code}.{n}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_code_and_a_count_are_read_back() {
        let with = |cookie: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
            read(&headers)
        };
        assert_eq!(
            with("a=b; songjiao_done=acked.3"),
            Some(("acked".into(), 3))
        );
        assert_eq!(with("songjiao_done=<script>.3"), None);
        assert_eq!(with("songjiao_done=acked"), None);
    }
}
