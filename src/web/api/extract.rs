//! What an API request brings, read strictly: the caller (a Bearer token, never a
//! cookie, so that no other site can act with a person's session), a JSON body of
//! the right type with no unknown field, the path and query; and versions
//! (`If-Match`) and `Idempotency-Key`. Each refusal is a problem, never a 500.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use super::problem::{ApiError, FieldError, Kind};
use crate::service::{Actor, tokens};
use crate::web::App;

/// The account a request acts as, by its token.
pub struct Caller {
    pub actor: Actor,
    /// Where the request came from, as the access log keeps it.
    pub address: String,
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let unauthorized = || {
            ApiError::new(
                Kind::Unauthorized,
                "send a personal API token as `Authorization: Bearer <token>` (made on /account)",
                "请在请求头中提供个人 API 令牌：Authorization: Bearer <令牌>（在“我的账号”页面生成）",
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        let caller = tokens::authenticate(&app.store, app.now(), token)
            .await?
            .ok_or_else(unauthorized)?;
        if let Err(wait) = app.api_limits.check(caller.token_id) {
            let mut error = ApiError::new(
                Kind::RateLimited,
                format!("this token has made too many requests; try again in {wait} s"),
                format!("此令牌请求过于频繁，请 {wait} 秒后再试"),
            );
            error.retry_after = Some(wait);
            return Err(error);
        }
        Ok(Caller {
            actor: caller.actor,
            address: crate::web::page::peer(&parts.extensions),
        })
    }
}

/// JSON bodies are small: a plan, a record without its photos.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// A JSON body: `application/json` (else 415), well formed (else 400), of the
/// documented shape with no unknown field (else 422 naming the field), at most
/// `LIMIT` bytes (else 413).
pub struct ApiJson<T, const LIMIT: usize = MAX_JSON_BYTES>(pub T);

impl<T: DeserializeOwned, S: Send + Sync, const LIMIT: usize> FromRequest<S> for ApiJson<T, LIMIT> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v == "application/json" || v.ends_with("+json")
            });
        if !json {
            return Err(ApiError::new(
                Kind::UnsupportedMediaType,
                "send the body as application/json",
                "请求内容须为 application/json",
            ));
        }
        let bytes = axum::body::to_bytes(request.into_body(), LIMIT)
            .await
            .map_err(|_| too_large())?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn too_large() -> ApiError {
    ApiError::new(
        Kind::TooLarge,
        "the body is larger than this request takes",
        "请求内容超过了此接口的上限",
    )
}

/// JSON text into `T`: a syntax error is malformed (400); a wrong type, a missing
/// or unknown field is invalid (422), with the field's path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::new(
            Kind::Malformed,
            format!("the body is not JSON: {error}"),
            format!("请求内容不是有效的 JSON：{error}"),
        )
    })?;
    if let Some(path) = nul_in(&value, String::new()) {
        return Err(nul_problem(&path));
    }
    // Every body is an object: serde would read a struct from an array too.
    if !value.is_object() {
        let mut problem = ApiError::new(
            Kind::Invalid,
            "the body is a JSON object ({…})",
            "请求内容须为 JSON 对象（{…}）",
        );
        problem.errors.push(FieldError {
            field: String::new(),
            line: None,
            reason: "expected a JSON object".into(),
            reason_zh: Some("应为 JSON 对象".into()),
        });
        return Err(problem);
    }
    match serde_path_to_error::deserialize(value) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let mut problem = ApiError::new(
                Kind::Invalid,
                format!("{path}: {inner}"),
                "请求内容的字段或类型有误：见 errors",
            );
            problem.errors.push(FieldError {
                field: if path == "." { String::new() } else { path },
                line: None,
                reason: inner.to_string(),
                reason_zh: None,
            });
            Err(problem)
        }
    }
}

/// Where a JSON value holds a NUL character, which no text field may (the
/// databases' text cannot keep one).
fn nul_in(value: &serde_json::Value, at: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item, format!("{at}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let at = if at.is_empty() {
                name.clone()
            } else {
                format!("{at}.{name}")
            };
            if name.contains('\0') {
                return Some(at);
            }
            nul_in(item, at)
        }),
        _ => None,
    }
}

fn nul_problem(field: &str) -> ApiError {
    ApiError::invalid(
        field,
        "text may not hold a NUL character",
        "文本中不能含有 NUL（\\0）字符",
    )
}

/// Path parameters; one that does not parse is a 404 naming it.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if percent_decoded_nul(parts.uri.path()) {
            return Err(ApiError::not_found("path", parts.uri.path()));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|rejection| ApiError::not_found("path", rejection.body_text()))
    }
}

/// Query parameters; one that does not parse is invalid, named.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // A NUL in a filter is read as U+FFFD, which no stored text holds: the
        // filter matches nothing (and the databases are never sent a NUL).
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).map(
                    |(name, value)| {
                        (
                            name.replace('\0', "\u{FFFD}"),
                            value.replace('\0', "\u{FFFD}"),
                        )
                    },
                ),
            )
            .finish();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let field = error.path().to_string();
                let reason = error.into_inner().to_string();
                let mut problem = ApiError::new(
                    Kind::Invalid,
                    format!("query {field}: {reason}"),
                    format!("查询参数 {field} 有误：{reason}"),
                );
                problem.errors.push(FieldError {
                    field,
                    line: None,
                    reason,
                    reason_zh: None,
                });
                problem
            })
    }
}

/// The versions an `If-Match` names: None when absent or `*` (any version).
pub fn if_match(headers: &HeaderMap) -> Option<Vec<String>> {
    let value = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    if value == "*" || value.is_empty() {
        return None;
    }
    Some(
        value
            .split(',')
            .map(|tag| tag.trim().trim_matches('"').to_string())
            .collect(),
    )
}

/// The `Idempotency-Key`, checked: 1 to 64 visible characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim().trim_matches('"');
    if key.is_empty() {
        return Ok(None);
    }
    if key.len() > 64 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "an Idempotency-Key is 1 to 64 visible ASCII characters (a UUID fits)",
            "Idempotency-Key 须为 1 至 64 个可见 ASCII 字符（例如 UUID）",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Whether a path holds `%00`: no id does.
fn percent_decoded_nul(path: &str) -> bool {
    path.contains("%00")
}
