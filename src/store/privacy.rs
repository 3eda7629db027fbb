//! A child's data as the law asks (个人信息保护法): everything held about one child,
//! for a guardian's request; and the personal details of a child who left long
//! ago taken out, the figures kept.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::access_log::{self, AccessFilter, AccessRow};
use super::audit::{self, AuditRow};
use super::{StoreResult, Tx};
use crate::args;

/// The visits of a child, as `IN (…)` over plans.
const VISITS_OF: &str =
    "SELECT v.id FROM visits v JOIN plans p ON p.id = v.plan_id WHERE p.student_id = $1";
const PLANS_OF: &str = "SELECT id FROM plans WHERE student_id = $1";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HeldVisit {
    pub visit_id: i64,
    pub school_year: String,
    pub day: NaiveDate,
    pub slot: String,
    pub teacher_id: String,
    pub status: String,
    pub outcome: Option<String>,
    pub periods: Option<i64>,
    pub mode: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub family_practice: Option<String>,
    pub guardian_confirmed_by: Option<String>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HeldGoalNote {
    pub visit_id: i64,
    pub goal: String,
    pub taught: String,
    pub response: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeldFile {
    pub visit_id: i64,
    pub kind: String,
    pub content_type: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    /// The file itself (a signature or a photo), base64.
    pub base64: String,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    visit_id: i64,
    kind: String,
    content_type: String,
    created_by: String,
    created_at: DateTime<Utc>,
    removed_at: Option<DateTime<Utc>>,
    bytes: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HeldAlert {
    pub school_year: String,
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HeldAvailability {
    pub weekday: i64,
    pub slot: String,
}

/// What the database holds about a child beyond their record and plans.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    pub family_availability: Vec<HeldAvailability>,
    pub visits: Vec<HeldVisit>,
    pub goal_notes: Vec<HeldGoalNote>,
    pub files: Vec<HeldFile>,
    pub alerts: Vec<HeldAlert>,
    /// Every read of the child's details (who, when, from where).
    pub access_log: Vec<AccessRow>,
    /// Every change to the child, their plans, pauses and visits.
    pub changes: Vec<AuditRow>,
}

pub async fn held(tx: &mut Tx, student_id: &str) -> StoreResult<Held> {
    let family_availability = tx
        .fetch_all(
            "SELECT weekday, slot FROM family_availability WHERE student_id = $1 ORDER BY weekday, slot",
            args![student_id],
        )
        .await?;
    let visits = tx
        .fetch_all(
            "SELECT v.id AS visit_id, p.school_year, v.day, v.slot, v.teacher_id, v.status,
                    v.outcome, v.periods, v.mode, v.reason, v.note, v.started_at, v.ended_at,
                    v.family_practice, v.guardian_confirmed_by, v.recorded_by, v.recorded_at,
                    v.latitude, v.longitude
             FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.student_id = $1 ORDER BY v.day, v.slot, v.id",
            args![student_id],
        )
        .await?;
    let goal_notes = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT n.visit_id, g.text AS goal, n.text AS taught, n.response
                 FROM visit_goal_notes n JOIN plan_goals g ON g.id = n.goal_id
                 WHERE n.visit_id IN ({VISITS_OF}) ORDER BY n.visit_id, g.position"
            )),
            args![student_id],
        )
        .await?;
    let files: Vec<FileRow> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT visit_id, kind, content_type, created_by, created_at, removed_at, bytes
                 FROM visit_files WHERE visit_id IN ({VISITS_OF}) ORDER BY id"
            )),
            args![student_id],
        )
        .await?;
    let alerts = tx
        .fetch_all(
            "SELECT p.school_year, a.severity, a.opened_at, a.resolved_at, a.acknowledged_by, a.ack_note
             FROM alerts a JOIN plans p ON p.id = a.plan_id
             WHERE p.student_id = $1 ORDER BY a.opened_at, a.id",
            args![student_id],
        )
        .await?;
    let filter = AccessFilter {
        student_id: Some(student_id.to_string()),
        ..Default::default()
    };
    let access_log = access_log::list(tx, &filter).await?;
    let changes = changes(tx, student_id).await?;
    let files = files
        .into_iter()
        .map(|f| HeldFile {
            visit_id: f.visit_id,
            kind: f.kind,
            content_type: f.content_type,
            created_by: f.created_by,
            created_at: f.created_at,
            removed_at: f.removed_at,
            base64: base64::engine::general_purpose::STANDARD.encode(&f.bytes),
        })
        .collect();
    Ok(Held {
        family_availability,
        visits,
        goal_notes,
        files,
        alerts,
        access_log,
        changes,
    })
}

/// The audit rows of the child, their plans, pauses and visits (entity ids are text).
const CHANGES_OF: &str = "(entity = 'student' AND entity_id = $1)
     OR (entity = 'plan' AND entity_id IN (SELECT CAST(id AS TEXT) FROM plans WHERE student_id = $1))
     OR (entity = 'student_pause' AND entity_id IN
            (SELECT CAST(id AS TEXT) FROM student_pauses WHERE student_id = $1))
     OR (entity IN ('visit', 'visit_file') AND entity_id IN
            (SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.student_id = $1))";

async fn changes(tx: &mut Tx, student_id: &str) -> StoreResult<Vec<AuditRow>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT at, actor, action, entity, entity_id, detail FROM audit_log
             WHERE {CHANGES_OF} ORDER BY id"
        )),
        args![student_id],
    )
    .await
}

/// The children whose record was set to "left" before `before` and who are not
/// anonymised yet (a left child's record changes last when it is set to left).
pub async fn left_before(tx: &mut Tx, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: String,
    }
    let ids: Vec<Id> = tx
        .fetch_all(
            "SELECT id FROM students
             WHERE status = 'left' AND anonymised_at IS NULL AND updated_at < $1 ORDER BY id",
            args![before],
        )
        .await?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Takes the child's personal details out: name, birth date, guardian, phone,
/// address, diagnosis, the family's slots, the words of notes, goals and pause
/// reasons, signatures and photos, and the old values in the audit rows. What
/// stays: the ids, school, category, plans' figures and every visit's outcome and
/// periods, so the year's accounts still add up.
pub async fn anonymise(tx: &mut Tx, student_id: &str, retention_years: u32) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE students SET name = '已匿名', gender = NULL, birth_date = NULL,
                guardian_name = NULL, guardian_phone = NULL, address = NULL,
                diagnosis = NULL, disability_grade = NULL, anonymised_at = $2
         WHERE id = $1",
        args![student_id, now],
    )
    .await?;
    let statements = [
        "DELETE FROM family_availability WHERE student_id = $1".to_string(),
        "UPDATE student_pauses SET reason = '' WHERE student_id = $1".to_string(),
        format!(
            "UPDATE visits SET note = NULL, family_practice = NULL, guardian_confirmed_by = NULL,
                    latitude = NULL, longitude = NULL, location_accuracy_m = NULL
             WHERE id IN ({VISITS_OF})"
        ),
        format!("DELETE FROM visit_goal_notes WHERE visit_id IN ({VISITS_OF})"),
        format!("DELETE FROM visit_files WHERE visit_id IN ({VISITS_OF})"),
        format!("UPDATE plan_goals SET text = '已匿名' WHERE plan_id IN ({PLANS_OF})"),
        format!(
            "UPDATE plan_revisions SET goals = '[]', reason = '' WHERE plan_id IN ({PLANS_OF})"
        ),
        format!("UPDATE alerts SET ack_note = NULL WHERE plan_id IN ({PLANS_OF})"),
        format!("UPDATE audit_log SET detail = '{{\"anonymised\":true}}' WHERE {CHANGES_OF}"),
    ];
    for statement in statements {
        tx.execute(sqlx::AssertSqlSafe(statement), args![student_id])
            .await?;
    }
    let detail = serde_json::json!({ "retention_years": retention_years });
    audit::record(tx, "anonymise", "student", student_id, detail).await
}
