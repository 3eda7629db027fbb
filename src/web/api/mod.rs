//! `/api/v1`: the JSON API other systems use. It calls the same services as the
//! pages and the command line, with the same access rules; a personal token
//! (`Authorization: Bearer …`) acts as its account. Errors are problems
//! (RFC 9457); lists page with a cursor; plans and visit records carry versions
//! (`ETag`, `If-Match`); recording and imports take an `Idempotency-Key`. The
//! OpenAPI document is generated from these handlers (utoipa), served at
//! `/api/v1/openapi.json` and read as a page at `/api/v1/docs`.
//!
//! What a person does for their own login (password, second factor, sessions,
//! tokens, the calendar feed) is left out on purpose: a token must not make
//! another token or take over its account.

mod absences;
mod accounts;
mod district;
mod docs;
mod extract;
mod oversight;
mod pace;
mod people;
mod plans;
pub mod problem;
mod registers;
mod simulate;
mod visits;
mod weeks;
mod workbooks;

use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::problem::{ApiError, Kind};
use super::App;

/// Requests per token, per minute.
pub struct Limits(DefaultKeyedRateLimiter<i64>);

impl Limits {
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Limits(RateLimiter::keyed(Quota::per_minute(per_minute)))
    }

    /// Whether the token may make a request now; else the seconds to wait.
    pub fn check(&self, token_id: i64) -> Result<(), u64> {
        use governor::clock::{Clock, DefaultClock};
        self.0.check_key(&token_id).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

/// The API's routes with their document.
fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(people::students, registers::register_student))
        .routes(routes!(people::student, registers::edit_student))
        .routes(routes!(people::teachers, registers::register_teacher))
        .routes(routes!(registers::teacher, registers::edit_teacher))
        .routes(routes!(registers::move_visit))
        .routes(routes!(registers::cancel_visit))
        .routes(routes!(plans::plan, plans::revise))
        .routes(routes!(plans::create))
        .routes(routes!(plans::history))
        .routes(routes!(pace::progress))
        .routes(routes!(pace::alerts))
        .routes(routes!(pace::acknowledge))
        .routes(routes!(visits::week_visits))
        .routes(routes!(weeks::plan))
        .routes(routes!(weeks::list))
        .routes(routes!(workbooks::export))
        .routes(routes!(workbooks::ledger))
        .routes(routes!(accounts::accounts, accounts::add_account))
        .routes(routes!(accounts::account_state))
        .routes(routes!(absences::add_pause))
        .routes(routes!(absences::change_pause))
        .routes(routes!(absences::add_leave))
        .routes(routes!(absences::change_leave))
        .routes(routes!(absences::requests, absences::ask))
        .routes(routes!(absences::decide))
        .routes(routes!(absences::messages))
        .routes(routes!(absences::retry))
        .routes(routes!(district::correct))
        .routes(routes!(weeks::board))
        .routes(routes!(visits::visit))
        .routes(routes!(visits::record))
        .routes(routes!(visits::file))
        .routes(routes!(district::import))
        .routes(routes!(district::calendar))
        .routes(routes!(accounts::account_scope))
        .routes(routes!(accounts::reset))
        .routes(routes!(accounts::me))
        .routes(routes!(oversight::summary))
        .routes(routes!(oversight::audit_log))
        .routes(routes!(oversight::access_log))
        .routes(routes!(oversight::verify))
        .routes(routes!(simulate::simulate))
        .routes(routes!(openapi_json))
        .routes(routes!(docs::page))
}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "documentation",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
async fn openapi_json() -> axum::Json<&'static OpenApi> {
    axum::Json(document())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "songjiao API",
        description = "送教上门平台的 JSON 接口：学生、教师、送教方案、进度、提醒、每周送教、记录与导入。\
                       The JSON API of the home-teaching platform. Send a personal token as \
                       `Authorization: Bearer <token>` (made on /account or with `songjiao user token`). \
                       Errors are application/problem+json (RFC 9457) in the language of Accept-Language.",
    ),
    components(schemas(problem::Problem, problem::FieldError))
)]
struct Document;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "token",
            Vec::<String>::new(),
        )]);
        // Every operation behind a token may answer 401 (no valid token) and 429
        // (the token's rate), and one with a JSON body 400, 413, 415 and 422; said
        // once here rather than on each handler. The documentation's own two
        // operations set `security` (none) themselves.
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            .filter(|operation| operation.security.is_none())
            {
                let json_body = operation.request_body.as_ref().is_some_and(|body| {
                    matches!(body, utoipa::openapi::RefOr::T(body)
                        if body.content.contains_key("application/json"))
                });
                let mut answers = vec![
                    ("401", "No valid token"),
                    ("429", "Too many requests from this token: see Retry-After"),
                ];
                // What `ApiJson` answers for any JSON body, said once here.
                if json_body {
                    answers.extend([
                        ("400", "The body is not JSON"),
                        ("413", "The body is too large"),
                        ("415", "The body is not application/json"),
                        (
                            "422",
                            "A field is missing, unknown, of the wrong type or breaks a rule",
                        ),
                    ]);
                }
                for (status, description) in answers {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem_response(description).into());
                }
            }
        }
    }
}

/// A response whose body is a problem.
fn problem_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
}

/// The API's OpenAPI document, built once from the handlers.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: LazyLock<OpenApi> = LazyLock::new(|| {
        let (_, routed) = routes().split_for_parts();
        let mut api = <Document as utoipa::OpenApi>::openapi();
        api.merge(routed);
        utoipa::Modify::modify(&BearerToken, &mut api);
        api
    });
    &DOCUMENT
}

/// The API's router, nested into the site's under `/api/v1`.
pub fn router(app: &Arc<App>) -> Router<Arc<App>> {
    let (api, _) = routes().split_for_parts();
    // Every other path under /api/v1 is the API's not-found, a problem.
    api.route(
        "/api/v1/{*rest}",
        axum::routing::any(|| async {
            ApiError::new(
                Kind::NotFound,
                "no such API path: see /api/v1/docs",
                "没有这个接口路径：见 /api/v1/docs",
            )
        }),
    )
    // A record with its photos is the largest body; each operation holds its
    // body to its own, smaller limit (a sheet's, a JSON body's).
    .layer(axum::extract::DefaultBodyLimit::max(
        visits::MAX_RECORD_BYTES,
    ))
    .layer(axum::middleware::from_fn_with_state(
        app.settings.locale,
        problem::in_language,
    ))
}

/// A page of a list, and where the next one starts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Give as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One page of `items`, in the stable order of `key` (unique per item).
pub fn page_of<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> String,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<T>, ApiError> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "limit is 1 to 500",
            "limit 须在 1 至 500 之间",
        ));
    }
    // A cursor is the last key a page gave: any text is a place in the order.
    let after = cursor.filter(|c| !c.is_empty());
    items.sort_by_cached_key(&key);
    if let Some(after) = after {
        items.retain(|item| key(item).as_str() > after);
    }
    let limit = limit as usize;
    let next_cursor = (items.len() > limit).then(|| key(&items[limit - 1]));
    items.truncate(limit);
    Ok(Page { items, next_cursor })
}

/// A number as a sort key that orders as the number does.
pub fn ordered(id: i64) -> String {
    format!("{id:020}")
}

/// A JSON answer with its version as `ETag`.
pub fn with_etag(body: impl Serialize, etag: &str) -> Response {
    let mut response = axum::Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// A list of objects in a body: each must be a JSON object, as the document
/// says (serde alone would read a struct from an array too).
pub fn objects<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize;
    Option::<Vec<serde_json::Map<String, serde_json::Value>>>::deserialize(d)?
        .map(|items| {
            items
                .into_iter()
                .map(|item| serde_json::from_value(serde_json::Value::Object(item)))
                .collect::<Result<Vec<T>, _>>()
                .map_err(serde::de::Error::custom)
        })
        .transpose()
}

/// Whole numbers in bodies: JSON Schema counts `3.0` as the integer 3, and so do we.
pub mod whole {
    use serde::{Deserialize, Deserializer, de::Error};

    fn from_number(number: serde_json::Number) -> Option<i64> {
        number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        })
    }

    pub fn option_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        Option::<serde_json::Number>::deserialize(d)?
            .map(|number| {
                from_number(number)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| D::Error::custom("expected a whole number from 0 to 4294967295"))
            })
            .transpose()
    }

    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        from_number(serde_json::Number::deserialize(d)?)
            .ok_or_else(|| D::Error::custom("expected a whole number"))
    }
}
