//! What the people who oversee read: the district's summary (the home page as
//! numbers), the audit (changes and reads of children's details) and the access
//! log with its hash chain checked.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiQuery, Caller};
use super::problem::{ApiError, Problem};
use super::{Page, ordered, page_of};
use crate::service::audit::{AccessRow, AuditRow, Verdict};
use crate::service::plan_week::format_week;
use crate::service::{audit, dashboard};
use crate::web::App;

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// When check-pace last read the plans; absent before its first run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
    /// This week (ISO, `2026-W49`) and when it was planned.
    pub week: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week_planned_at: Option<DateTime<Utc>>,
    pub schools: Vec<SchoolSummary>,
    /// Children behind or worse (listed by `GET /api/v1/progress?status=`).
    pub children_behind: usize,
    /// Children this week could not give all their visits (`GET /api/v1/weeks/{week}/board`).
    pub children_not_placed: usize,
    /// Visits past their days and the grace, not recorded (`GET /api/v1/visits?unrecorded=true`).
    pub visits_unrecorded: usize,
    /// Open alerts (`GET /api/v1/alerts`).
    pub alerts_open: usize,
    /// For coordinators and admins: messages that failed or were given up
    /// (`GET /api/v1/outbox`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_failed: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolSummary {
    pub school: String,
    pub on_track: usize,
    pub behind: usize,
    pub at_risk: usize,
    pub unreachable: usize,
    pub delivered: i64,
    pub expected: i64,
    pub target: i64,
}

/// The home page as numbers, for the schools the caller sees (not teachers: a
/// teacher's home is their week).
#[utoipa::path(
    get,
    path = "/api/v1/summary",
    tag = "progress",
    responses(
        (status = 200, body = Summary),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn summary(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Summary>, ApiError> {
    let board = dashboard::dashboard(
        &app.store,
        &app.settings,
        &caller.actor,
        app.now(),
        Default::default(),
    )
    .await?;
    Ok(Json(Summary {
        read_at: board.read_at,
        week: format_week(board.week),
        week_planned_at: board.week_planned_at,
        children_behind: board
            .schools
            .iter()
            .map(|s| s.children() - s.on_track)
            .sum(),
        children_not_placed: board.unplaced.len(),
        visits_unrecorded: board.unrecorded_visits,
        alerts_open: board.alerts_to_act + board.alerts_followed.len(),
        messages_failed: board.failed_messages,
        schools: board
            .schools
            .into_iter()
            .map(|s| SchoolSummary {
                school: s.school,
                on_track: s.on_track,
                behind: s.behind,
                at_risk: s.at_risk,
                unreachable: s.unreachable,
                delivered: s.delivered,
                expected: s.expected,
                target: s.target,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub student_id: Option<String>,
    /// An account's email: what it changed and read.
    pub account: Option<String>,
    /// From this time (ISO 8601 with its offset).
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Audit {
    /// Reads of children's details, newest first (at most 500: narrow with the filters).
    pub reads: Vec<Read>,
    /// Changes, newest first (at most 500).
    pub changes: Vec<Change>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Read {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The account's email, or the program's part that read.
    pub account: String,
    pub role: String,
    pub student_id: String,
    /// What was read: `student`, `ledger`, `export`…
    pub what: String,
    /// Where from: the client's address.
    pub address: String,
}

impl From<AccessRow> for Read {
    fn from(row: AccessRow) -> Self {
        Read {
            id: row.id,
            at: row.at,
            account: row.account,
            role: row.role,
            student_id: row.student_id,
            what: row.what,
            address: row.address,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    pub at: DateTime<Utc>,
    /// `user:EMAIL`, `cli:USER` or a job's name.
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// What changed, as JSON text (old and new values, the reason).
    pub detail: String,
}

impl From<AuditRow> for Change {
    fn from(row: AuditRow) -> Self {
        Change {
            at: row.at,
            actor: row.actor,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            detail: row.detail,
        }
    }
}

/// The audit page as data: who changed and who read what (admins and the
/// district's coordinators).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditFilter),
    responses(
        (status = 200, body = Audit),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn audit_log(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<AuditFilter>,
) -> Result<Json<Audit>, ApiError> {
    let query = audit::AuditQuery {
        student_id: filter.student_id,
        account: filter.account,
        since: filter.since,
        until: filter.until,
        ..Default::default()
    };
    let page = audit::audit_page(&app.store, &caller.actor, &query, audit::AUDIT_ROWS).await?;
    Ok(Json(Audit {
        reads: page.reads.into_iter().map(Read::from).collect(),
        changes: page.changes.into_iter().map(Change::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessFilter {
    pub student_id: Option<String>,
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// From the previous page\'s `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Every read of a child's details kept, oldest first (admins).
#[utoipa::path(
    get,
    path = "/api/v1/access-log",
    tag = "audit",
    params(AccessFilter),
    responses(
        (status = 200, body = Page<Read>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn access_log(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<AccessFilter>,
) -> Result<Json<Page<Read>>, ApiError> {
    let query = audit::AccessQuery {
        student_id: filter.student_id,
        account: filter.account,
        since: filter.since,
    };
    let rows = audit::access_list(&app.store, &caller.actor, &query).await?;
    Ok(Json(page_of(
        rows.into_iter().map(Read::from).collect(),
        |r: &Read| ordered(r.id),
        filter.cursor.as_deref(),
        filter.limit,
    )?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainCheck {
    /// True: every kept read is as written and none is missing.
    pub intact: bool,
    /// Reads checked (when intact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// altered (a row's fields no longer match its hash), removed_before (the row
    /// before `id` was removed), removed_after (rows after `id` were removed) or
    /// anchor_broken (row `id`, named by an anchor kept outside the database, is
    /// gone or changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// Walks the access log's hash chain (admins): intact, or the first row
/// altered or removed.
#[utoipa::path(
    get,
    path = "/api/v1/access-log/verify",
    tag = "audit",
    responses(
        (status = 200, body = ChainCheck),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<ChainCheck>, ApiError> {
    let broken = |kind: &str, id| ChainCheck {
        intact: false,
        rows: None,
        broken: Some(kind.to_string()),
        id,
    };
    Ok(Json(
        match audit::verify(&app.store, &app.settings, &caller.actor, app.now()).await? {
            Verdict::Intact { rows } => ChainCheck {
                intact: true,
                rows: Some(rows),
                broken: None,
                id: None,
            },
            Verdict::Altered { id } => broken("altered", Some(id)),
            Verdict::RemovedBefore { id } => broken("removed_before", Some(id)),
            Verdict::RemovedAfter { id } => broken("removed_after", id),
            Verdict::AnchorBroken { id, .. } => broken("anchor_broken", Some(id)),
        },
    ))
}
