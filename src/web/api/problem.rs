//! The API's errors as `application/problem+json` (RFC 9457): a stable `type` per
//! kind, a `title` and `detail` in the request's language, and for invalid input
//! the fields with their reasons. A handler answers an [`ApiError`]; the
//! [`in_language`] layer writes it in the language the request asked for.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Locale;
use crate::service::ServiceError;

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Stable per kind of error: `/api/v1/docs#problem-<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid input: each field (and sheet line) with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    /// The sheet's line, for an import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub reason: String,
    /// The reason in Chinese, when the catalogue has it (answered under zh-CN).
    #[serde(skip)]
    pub reason_zh: Option<String>,
}

/// Every kind of error the API answers, with its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Malformed,
    Invalid,
    Conflict,
    Locked,
    Stale,
    TooLarge,
    UnsupportedMediaType,
    RateLimited,
    KeyReused,
    Busy,
    Server,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Unauthorized,
        Kind::Forbidden,
        Kind::NotFound,
        Kind::MethodNotAllowed,
        Kind::Malformed,
        Kind::Invalid,
        Kind::Conflict,
        Kind::Locked,
        Kind::Stale,
        Kind::TooLarge,
        Kind::UnsupportedMediaType,
        Kind::RateLimited,
        Kind::KeyReused,
        Kind::Busy,
        Kind::Server,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not-found",
            Kind::MethodNotAllowed => "method-not-allowed",
            Kind::Malformed => "malformed",
            Kind::Invalid => "invalid",
            Kind::Conflict => "conflict",
            Kind::Locked => "locked",
            Kind::Stale => "stale",
            Kind::TooLarge => "too-large",
            Kind::UnsupportedMediaType => "unsupported-media-type",
            Kind::RateLimited => "rate-limited",
            Kind::KeyReused => "idempotency-key-reused",
            Kind::Busy => "busy",
            Kind::Server => "server",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::Malformed => StatusCode::BAD_REQUEST,
            Kind::Invalid | Kind::KeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Locked => StatusCode::LOCKED,
            Kind::Stale => StatusCode::PRECONDITION_FAILED,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Server => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The title, and what the kind means (the documentation's words).
    pub fn title(self, locale: Locale) -> &'static str {
        let zh = locale == Locale::ZhCn;
        match self {
            Kind::Unauthorized if zh => "未提供有效的 API 令牌",
            Kind::Unauthorized => "No valid API token",
            Kind::Forbidden if zh => "无权进行此操作",
            Kind::Forbidden => "Not allowed",
            Kind::NotFound if zh => "找不到",
            Kind::NotFound => "Not found",
            Kind::MethodNotAllowed if zh => "此路径不支持该方法",
            Kind::MethodNotAllowed => "Method not allowed",
            Kind::Malformed if zh => "请求格式错误",
            Kind::Malformed => "Malformed request",
            Kind::Invalid if zh => "输入有误",
            Kind::Invalid => "Invalid input",
            Kind::Conflict if zh => "与现有数据冲突",
            Kind::Conflict => "Conflicts with what exists",
            Kind::Locked if zh => "记录已锁定",
            Kind::Locked => "Locked",
            Kind::Stale if zh => "已被他人修改",
            Kind::Stale => "Changed meanwhile",
            Kind::TooLarge if zh => "请求内容过大",
            Kind::TooLarge => "Request too large",
            Kind::UnsupportedMediaType if zh => "不支持的内容类型",
            Kind::UnsupportedMediaType => "Unsupported content type",
            Kind::RateLimited if zh => "请求过于频繁",
            Kind::RateLimited => "Too many requests",
            Kind::KeyReused if zh => "幂等键已用于另一个请求",
            Kind::KeyReused => "Idempotency key used for another request",
            Kind::Busy if zh => "系统正忙",
            Kind::Busy => "Busy",
            Kind::Server if zh => "服务器内部错误",
            Kind::Server => "Server error",
        }
    }
}

/// What went wrong, before it is worded in the request's language.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: Kind,
    /// The detail in English and in Chinese.
    pub detail_en: String,
    pub detail_zh: String,
    pub errors: Vec<FieldError>,
    /// Seconds to wait, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: Kind, detail_en: impl Into<String>, detail_zh: impl Into<String>) -> Self {
        ApiError {
            kind,
            detail_en: detail_en.into(),
            detail_zh: detail_zh.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn invalid(field: &str, reason_en: &str, reason_zh: &str) -> Self {
        let mut error = ApiError::new(Kind::Invalid, reason_en, reason_zh);
        error.errors.push(FieldError {
            field: field.into(),
            line: None,
            reason: reason_en.into(),
            reason_zh: Some(reason_zh.into()),
        });
        error
    }

    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        ApiError::new(
            Kind::NotFound,
            // "That you may see": the same answer whether it exists elsewhere
            // or not at all, so that a 409 for an id taken elsewhere (ids are
            // the district's) never contradicts it.
            format!("there is no {what} {id} that you may see"),
            format!("找不到您可以查看的{} {id}", chinese(what)),
        )
    }

    pub fn problem(&self, locale: Locale) -> Problem {
        Problem {
            kind: format!("/api/v1/docs#problem-{}", self.kind.code()),
            title: self.kind.title(locale).into(),
            status: self.kind.status().as_u16(),
            detail: match locale {
                Locale::ZhCn => self.detail_zh.clone(),
                Locale::En => self.detail_en.clone(),
            },
            errors: match locale {
                Locale::ZhCn => self
                    .errors
                    .iter()
                    .map(|e| FieldError {
                        reason: e.reason_zh.clone().unwrap_or_else(|| e.reason.clone()),
                        ..e.clone()
                    })
                    .collect(),
                Locale::En => self.errors.clone(),
            },
        }
    }
}

/// The words services use for what was not found, in Chinese.
fn chinese(what: &str) -> &str {
    crate::reason::thing_zh(what)
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let text = error.to_string();
        match error {
            ServiceError::NotFound { what, id } => ApiError::not_found(what, id),
            ServiceError::Forbidden(_) => {
                ApiError::new(Kind::Forbidden, text, "您的角色或范围不允许此操作")
            }
            ServiceError::Invalid(problems) => {
                let mut error =
                    ApiError::new(Kind::Invalid, text, "输入有误：见 errors 中各字段的原因");
                error.errors = problems
                    .into_iter()
                    .map(|p| FieldError {
                        field: p.field,
                        line: p.line,
                        reason: p.reason.to_string(),
                        reason_zh: Some(p.reason.chinese()),
                    })
                    .collect();
                error
            }
            ServiceError::Conflict(reason) => {
                let zh = format!("与现有数据冲突：{}", reason.chinese());
                ApiError::new(Kind::Conflict, text, zh)
            }
            ServiceError::Locked(reason) => {
                let zh = format!("记录已锁定，只有特教专干可以修改：{}", reason.chinese());
                ApiError::new(Kind::Locked, text, zh)
            }
            ServiceError::Stale { now, .. } => {
                let zh = format!(
                    "您看到的版本已过期，现在是第 {now} 版：请重新读取后再修改，未做任何更改"
                );
                ApiError::new(Kind::Stale, text, zh)
            }
            ServiceError::Storage(e) if crate::service::is_busy(&e) => {
                let mut busy = ApiError::new(
                    Kind::Busy,
                    "another task holds the database: try again in a few seconds; nothing was changed",
                    "数据库正被其他任务占用：请几秒后再试，未做任何更改",
                );
                busy.retry_after = Some(5);
                busy
            }
            ServiceError::Settings(_) | ServiceError::Storage(_) => {
                tracing::error!(error = %text, "an API request failed");
                ApiError::new(
                    Kind::Server,
                    "the server could not do this; the operators see it in the log",
                    "服务器无法完成此操作，运维人员可在日志中看到原因",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    /// Carried to [`in_language`], which writes it in the request's language.
    fn into_response(self) -> Response {
        let mut response = self.kind.status().into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.kind == Kind::Unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"songjiao\""),
            );
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// The language a request asks for: the first of Accept-Language we speak, else
/// the district's.
pub fn language(headers: &HeaderMap, default: Locale) -> Locale {
    let Some(accept) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return default;
    };
    let mut asked: Vec<(f32, &str)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    asked.sort_by(|a, b| b.0.total_cmp(&a.0));
    asked
        .into_iter()
        .find_map(|(_, tag)| {
            let tag = tag.to_ascii_lowercase();
            if tag.starts_with("zh") {
                Some(Locale::ZhCn)
            } else if tag.starts_with("en") {
                Some(Locale::En)
            } else {
                None
            }
        })
        .unwrap_or(default)
}

/// Writes an [`ApiError`] as a problem in the request's language; any other
/// error answer of the API (a rejection axum made) becomes a problem too.
pub async fn in_language(
    axum::extract::State(default): axum::extract::State<Locale>,
    request: Request,
    next: Next,
) -> Response {
    let locale = language(request.headers(), default);
    let mut response = next.run(request).await;
    let error = match response.extensions_mut().remove::<ApiError>() {
        Some(error) => error,
        None if response.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            Kind::TooLarge,
            "the body is larger than this request takes",
            "请求内容超过了此接口的上限",
        ),
        None if response.status() == StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            Kind::MethodNotAllowed,
            "this path does not take this method: see the Allow header",
            "此路径不支持该方法，可用的方法见 Allow 响应头",
        ),
        None => return response,
    };
    let status = error.kind.status();
    let body = serde_json::to_vec(&error.problem(locale)).unwrap_or_default();
    let mut answer = (status, body).into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    answer.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    answer.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(match locale {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_asked_for_first_is_used() {
        let asked = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
            language(&headers, Locale::ZhCn)
        };
        assert_eq!(asked("en-US,en;q=0.9,zh;q=0.5"), Locale::En);
        assert_eq!(asked("fr, zh-TW;q=0.4, en;q=0.3"), Locale::ZhCn);
        assert_eq!(asked("en;q=0.2, zh-CN"), Locale::ZhCn);
        assert_eq!(asked("de"), Locale::ZhCn, "the district's language");
        assert_eq!(language(&HeaderMap::new(), Locale::En), Locale::En);
    }
}
