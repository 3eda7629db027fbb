//! The audit page (`/audit`): the changes (each as `字段：旧 → 新`, by whom) or
//! the reads of children's details, filtered by child, person, kind and days,
//! a hundred a page, and the same as a sheet (`/audit.xlsx`); for admins and the
//! district's coordinators.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use super::App;
use super::page::{SignedIn, UserBar, bar, failed, render};
use super::words::{Words, words};
use crate::service::audit::{self, AuditQuery};
use crate::service::audit::{AccessRow, AuditRow};

#[derive(Template)]
#[template(path = "web/audit.html")]
struct AuditPage {
    t: &'static Words,
    user: Option<UserBar>,
    zone: Tz,
    query: AuditForm,
    reads: Vec<AccessRow>,
    changes: Vec<AuditRow>,
    subjects: std::collections::HashMap<(String, String), String>,
    /// Teachers' names by id.
    teachers: std::collections::HashMap<String, String>,
    /// The read children's names by id.
    student_names: std::collections::HashMap<String, String>,
    /// Rows the filters select (of the kind shown).
    total: usize,
    pages: usize,
    kinds: Vec<(&'static str, String)>,
    speech: crate::speech::Speech,
    /// Accounts' names by email: a person is shown by name.
    names: std::collections::HashMap<String, String>,
}

impl AuditPage {
    fn who(&self, actor: &str) -> String {
        self.speech.who(actor, &self.names)
    }

    fn person(&self, email: &str) -> String {
        self.names
            .get(email)
            .cloned()
            .unwrap_or_else(|| email.to_string())
    }

    fn role(&self, role: &str) -> String {
        self.speech.cell("role", &serde_json::json!(role))
    }

    fn action(&self, action: &str, entity: &str) -> String {
        self.speech.audit_action(action, entity)
    }

    fn what(&self, what: &str) -> String {
        self.speech.read_what(what)
    }

    fn lines(&self, detail: &str) -> String {
        self.speech.change_lines(detail, &self.teachers).join("；")
    }

    /// A child read, by name.
    fn child(&self, id: &str) -> String {
        self.student_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// What a change was made to: a child and day for a visit, else its id.
    fn subject(&self, entity: &str, id: &str) -> String {
        self.subjects
            .get(&(entity.to_string(), id.to_string()))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// This search's address at page `page` (or as a sheet, `.xlsx`).
    fn link(&self, path: &str, page: impl std::borrow::Borrow<usize>) -> String {
        format!("{path}?{}", self.query.with_page(*page.borrow()))
    }
}

/// The filters as typed (empty: no filter).
#[derive(Deserialize, Default, Clone)]
pub struct AuditForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `reads`, a kind of thing changed (`student`, `plan`…), or empty: every change.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: usize,
}

impl AuditForm {
    fn with_page(&self, page: usize) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("student", &self.student)
            .append_pair("person", &self.person)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("kind", &self.kind)
            .append_pair("page", &page.to_string())
            .finish()
    }

    fn reads(&self) -> bool {
        self.kind == "reads"
    }
}

/// A page of the audit holds this many rows.
const PER_PAGE: usize = 100;

/// The filters as the service reads them: days in the district's zone.
fn audit_query(form: &AuditForm, zone: Tz, offset: usize) -> AuditQuery {
    // A day in the district's zone, from its first moment.
    let day_start = |text: &str, days_after: i64| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| (d + chrono::Duration::days(days_after)).and_hms_opt(0, 0, 0))
            .and_then(|t| zone.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filled = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    AuditQuery {
        student_id: filled(&form.student),
        account: filled(&form.person).map(|p| p.to_lowercase()),
        since: day_start(&form.from, 0),
        until: day_start(&form.to, 1),
        entity: filled(&form.kind).filter(|kind| kind != "reads"),
        offset,
    }
}

/// A person typed by name (not an email) is found by it among the accounts.
fn person_by_name(
    mut query: AuditQuery,
    names: &std::collections::HashMap<String, String>,
) -> AuditQuery {
    if let Some(typed) = query.account.as_ref().filter(|t| !t.contains('@'))
        && let Some((email, _)) = names.iter().find(|(_, name)| name.to_lowercase() == *typed)
    {
        query.account = Some(email.clone());
    }
    query
}

pub async fn show(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(mut form): Query<AuditForm>,
) -> Response {
    let zone = app.settings.time_zone;
    form.page = form.page.max(1);
    let query = audit_query(&form, zone, (form.page - 1) * PER_PAGE);
    let names = match crate::service::accounts::names(&app.store, &actor).await {
        Ok(names) => names,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let query = person_by_name(query, &names);
    let speech = crate::speech::Speech::of(&app.settings);
    let kinds = crate::speech::AUDITED
        .iter()
        .map(|(code, _)| (*code, speech.entity_word(code)))
        .collect();
    match audit::audit_page(&app.store, &actor, &query, PER_PAGE).await {
        Ok(page) => {
            let total = if form.reads() {
                page.reads_total
            } else {
                page.changes_total
            };
            render(
                StatusCode::OK,
                &AuditPage {
                    t: words(app.settings.locale),
                    user: bar(&actor),
                    zone,
                    query: form,
                    reads: page.reads,
                    changes: page.changes,
                    subjects: page.subjects,
                    teachers: page.teachers,
                    student_names: page.student_names,
                    total,
                    pages: total.div_ceil(PER_PAGE).max(1),
                    kinds,
                    speech,
                    names,
                },
            )
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// What the filters select, every row (up to the API's most), as a sheet.
pub async fn sheet(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(form): Query<AuditForm>,
) -> Response {
    let zone = app.settings.time_zone;
    let query = audit_query(&form, zone, 0);
    let names = match crate::service::accounts::names(&app.store, &actor).await {
        Ok(names) => names,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let query = person_by_name(query, &names);
    let page = match audit::audit_page(&app.store, &actor, &query, audit::SHEET_ROWS).await {
        Ok(page) => page,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let speech = crate::speech::Speech::of(&app.settings);
    let teachers = page.teachers.clone();
    let t = words(app.settings.locale);
    let time = |at: chrono::DateTime<chrono::Utc>| speech.time(at);
    let (headers, rows): (Vec<&str>, Vec<Vec<String>>) = if form.reads() {
        (
            vec![
                t.board.audit_at,
                t.board.audit_who,
                t.board.audit_student,
                t.board.audit_what,
                "IP",
            ],
            page.reads
                .iter()
                .map(|r| {
                    vec![
                        time(r.at),
                        names
                            .get(&r.account)
                            .cloned()
                            .unwrap_or_else(|| r.account.clone()),
                        r.student_id.clone(),
                        speech.read_what(&r.what),
                        r.address.clone(),
                    ]
                })
                .collect(),
        )
    } else {
        (
            vec![
                t.board.audit_at,
                t.board.audit_who,
                t.board.audit_what,
                t.board.audit_detail,
            ],
            page.changes
                .iter()
                .map(|c| {
                    vec![
                        time(c.at),
                        speech.who(&c.actor, &names),
                        format!(
                            "{} {}",
                            speech.audit_action(&c.action, &c.entity),
                            page.subjects
                                .get(&(c.entity.clone(), c.entity_id.clone()))
                                .unwrap_or(&c.entity_id)
                        ),
                        speech.change_lines(&c.detail, &teachers).join("\n"),
                    ]
                })
                .collect(),
        )
    };
    let headers: Vec<String> = headers.into_iter().map(str::to_string).collect();
    match crate::reports::xlsx::list_workbook(&headers, &rows) {
        Ok(bytes) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    super::attachment(if t.lang == "zh-CN" {
                        "操作记录.xlsx"
                    } else {
                        "audit.xlsx"
                    }),
                ),
                (
                    axum::http::header::CACHE_CONTROL,
                    "private, no-store".to_string(),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "the audit sheet did not build");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
