//! The audit log: who changed what, when. Written in the transaction of the change.

use serde::Serialize;

use super::{StoreResult, Tx};
use crate::args;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
}

/// One change to record.
pub struct Entry {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub detail: serde_json::Value,
}

/// Records many changes at once (an import).
pub async fn record_many(tx: &mut Tx, entries: Vec<Entry>) -> StoreResult<()> {
    let (at, actor) = (tx.now, tx.actor.0.clone());
    let rows = entries
        .into_iter()
        .map(|e| {
            args![
                at,
                actor.clone(),
                e.action,
                e.entity,
                e.entity_id,
                e.detail.to_string()
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail)",
        6,
        rows,
        "",
    )
    .await
}

/// What a week is planned from, besides its visits: people (with their
/// times), plans, leave, pauses, schools and the calendar.
const PLANNING_INPUTS: &str =
    "'student', 'teacher', 'plan', 'teacher_leave', 'student_pause', 'school', 'calendar'";

/// How many changes the audit log holds to what a week is planned from: a
/// count taken in a snapshot differs from one taken later exactly when such a
/// change was committed in between (the log is only ever added to). Counted on
/// the log's index by entity.
pub async fn planning_changes(tx: &mut Tx) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let count: Count = tx
        .fetch_one(
            sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE entity IN ({PLANNING_INPUTS})"
            )),
            args![],
        )
        .await?;
    Ok(count.n)
}

/// Records one change. `detail` holds what changed (old and new values where both exist).
pub async fn record(
    tx: &mut Tx,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> StoreResult<()> {
    let (at, actor) = (tx.now, tx.actor.0.clone());
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        args![at, actor, action, entity, entity_id, detail.to_string()],
    )
    .await?;
    Ok(())
}

pub async fn for_entity(tx: &mut Tx, entity: &str, entity_id: &str) -> StoreResult<Vec<AuditRow>> {
    tx.fetch_all(
        "SELECT at, actor, action, entity, entity_id, detail FROM audit_log
         WHERE entity = $1 AND entity_id = $2 ORDER BY id",
        args![entity, entity_id],
    )
    .await
}

/// Which changes the audit page lists.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Changes to the child, their plans and their visits.
    pub student_id: Option<String>,
    /// Who made them, as audit rows name them (`user:EMAIL`, `cli:USER`, a job).
    pub actor: Option<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The newest `limit` changes a filter selects, newest first.
pub async fn list(tx: &mut Tx, filter: &ChangeFilter, limit: i64) -> StoreResult<Vec<AuditRow>> {
    tx.fetch_all(
        "SELECT at, actor, action, entity, entity_id, detail FROM audit_log
         WHERE ($1 IS NULL
                OR (entity = 'student' AND entity_id = $1)
                OR (entity = 'plan' AND entity_id IN
                    (SELECT CAST(id AS TEXT) FROM plans WHERE student_id = $1))
                OR (entity = 'visit' AND entity_id IN
                    (SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
                     WHERE p.student_id = $1)))
           AND ($2 IS NULL OR actor = $2)
           AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)
         ORDER BY id DESC LIMIT $5",
        args![
            filter.student_id.clone(),
            filter.actor.clone(),
            filter.since,
            filter.until,
            limit
        ],
    )
    .await
}
