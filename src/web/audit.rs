//! The audit page (`/audit`): the reads of children's details and the changes,
//! filtered by child, person and days, for admins and the district's coordinators.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
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
    most: usize,
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
}

pub async fn show(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(form): Query<AuditForm>,
) -> Response {
    let zone = app.settings.time_zone;
    // A day in the district's zone, from its first moment.
    let day_start = |text: &str, days_after: i64| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| (d + chrono::Duration::days(days_after)).and_hms_opt(0, 0, 0))
            .and_then(|t| zone.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filled = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let query = AuditQuery {
        student_id: filled(&form.student),
        account: filled(&form.person).map(|p| p.to_lowercase()),
        since: day_start(&form.from, 0),
        until: day_start(&form.to, 1),
    };
    let names = match crate::service::accounts::names(&app.store, &actor).await {
        Ok(names) => names,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    match audit::audit_page(&app.store, &actor, &query).await {
        Ok((reads, changes)) => render(
            StatusCode::OK,
            &AuditPage {
                t: words(app.settings.locale),
                user: bar(&actor),
                zone,
                query: form,
                reads,
                changes,
                most: audit::AUDIT_ROWS,
                speech: crate::speech::Speech::of(&app.settings),
                names,
            },
        ),
        Err(error) => failed(&app, bar(&actor), error),
    }
}
