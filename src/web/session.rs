//! The session cookie: set at login with a new id, read on every page, cleared at
//! logout. The cookie holds the id; the database holds only its hash.

use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderValue, header};

use crate::config::Settings;

pub const COOKIE: &str = "songjiao_session";

/// The session id a request carries, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure unless the
/// server listens on loopback only (`web.secure_cookies`); a browser session
/// cookie (the server ends it by idle time and lifetime).
pub fn set_cookie(session_id: &str, settings: &Settings) -> HeaderValue {
    let secure = if settings.web.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("a hex session id makes a valid header")
}

pub fn clear_cookie(settings: &Settings) -> HeaderValue {
    let secure = if settings.web.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("a fixed cookie makes a valid header")
}

/// The address a request came from, as the access log records it.
pub fn address(peer: Option<SocketAddr>) -> String {
    peer.map_or_else(|| "unknown".into(), |a| a.ip().to_string())
}

pub fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}
