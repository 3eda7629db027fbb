//! `/api/v1/docs`: the API's documentation as a page, drawn by the server from
//! the OpenAPI document itself (nothing downloaded, no script), with every kind
//! of problem the API answers.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::problem::{Kind, language};
use crate::config::Locale;
use crate::web::page::render;

pub struct Operation {
    pub method: String,
    pub path: String,
    pub anchor: String,
    pub summary: String,
    pub parameters: Vec<(String, String, bool, String)>,
    pub body: Option<String>,
    pub responses: Vec<(String, String)>,
}

pub struct ProblemKind {
    pub code: &'static str,
    pub status: u16,
    pub title_zh: &'static str,
    pub title_en: &'static str,
}

#[derive(Template)]
#[template(path = "web/api_docs.html")]
struct DocsPage {
    lang: &'static str,
    title: String,
    description: String,
    operations: Vec<Operation>,
    problems: Vec<ProblemKind>,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// A schema's name from its `$ref`, or its type.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
    }
    if let Some(items) = schema.get("items") {
        return format!("[{}]", schema_name(items));
    }
    match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds.iter().map(text).collect::<Vec<_>>().join(" | "),
        _ => String::new(),
    }
}

fn operations(document: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return operations;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let parameters = operation
                .get("parameters")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|p| {
                            (
                                text(&p["name"]),
                                text(&p["in"]),
                                p["required"].as_bool().unwrap_or(false),
                                text(&p["description"]),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = operation["requestBody"]["content"]
                .as_object()
                .map(|content| {
                    content
                        .iter()
                        .map(|(kind, media)| format!("{kind} {}", schema_name(&media["schema"])))
                        .collect::<Vec<_>>()
                        .join(", ")
                });
            let responses = operation["responses"]
                .as_object()
                .map(|responses| {
                    responses
                        .iter()
                        .map(|(status, response)| {
                            let schemas = response["content"]
                                .as_object()
                                .map(|content| {
                                    content
                                        .values()
                                        .map(|media| schema_name(&media["schema"]))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                })
                                .unwrap_or_else(|| text(&response["description"]));
                            (status.clone(), schemas)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let summary = [&operation["summary"], &operation["description"]]
                .iter()
                .map(|v| text(v))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            operations.push(Operation {
                anchor: format!("{method}-{path}").replace(['/', '{', '}'], "-"),
                method: method.to_uppercase(),
                path: path.clone(),
                summary,
                parameters,
                body,
                responses,
            });
        }
    }
    operations
}

/// This documentation as a page (in the language of Accept-Language).
#[utoipa::path(
    get,
    path = "/api/v1/docs",
    tag = "documentation",
    security(()),
    responses((status = 200, description = "The documentation page", content_type = "text/html"))
)]
pub async fn page(headers: HeaderMap) -> Response {
    let document = serde_json::to_value(super::document()).unwrap_or_default();
    let locale = language(&headers, Locale::ZhCn);
    render(
        StatusCode::OK,
        &DocsPage {
            lang: match locale {
                Locale::ZhCn => "zh-CN",
                Locale::En => "en",
            },
            title: text(&document["info"]["title"]),
            description: text(&document["info"]["description"]),
            operations: operations(&document),
            problems: Kind::ALL
                .iter()
                .map(|kind| ProblemKind {
                    code: kind.code(),
                    status: kind.status().as_u16(),
                    title_zh: kind.title(Locale::ZhCn),
                    title_en: kind.title(Locale::En),
                })
                .collect(),
        },
    )
}
