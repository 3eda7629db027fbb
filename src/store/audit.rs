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
    /// What was changed: `student`, `plan`, `visit`, `alert`…
    pub entity: Option<String>,
}

/// The changes a filter selects.
const CHANGES_WHERE: &str = "WHERE ($1 IS NULL
                OR (entity = 'student' AND entity_id = $1)
                OR (entity = 'plan' AND entity_id IN
                    (SELECT CAST(id AS TEXT) FROM plans WHERE student_id = $1))
                OR (entity = 'visit' AND entity_id IN
                    (SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
                     WHERE p.student_id = $1)))
           AND ($2 IS NULL OR actor = $2)
           AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)
           AND ($5 IS NULL OR entity = $5)";

fn change_args(filter: &ChangeFilter) -> Vec<super::Arg> {
    args![
        filter.student_id.clone(),
        filter.actor.clone(),
        filter.since,
        filter.until,
        filter.entity.clone()
    ]
}

/// `limit` changes a filter selects, newest first, after the newest `offset`.
pub async fn list(
    tx: &mut Tx,
    filter: &ChangeFilter,
    (limit, offset): (i64, i64),
) -> StoreResult<Vec<AuditRow>> {
    let mut values = change_args(filter);
    values.extend(args![limit, offset]);
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT at, actor, action, entity, entity_id, detail FROM audit_log
             {CHANGES_WHERE} ORDER BY id DESC LIMIT $6 OFFSET $7"
        )),
        values,
    )
    .await
}

/// Who the changes to children's records are about, as a reader names them:
/// a visit as its child and day, a plan as its child and year (by entity id).
pub async fn subjects(
    tx: &mut Tx,
    rows: &[AuditRow],
) -> StoreResult<std::collections::HashMap<(String, String), String>> {
    #[derive(sqlx::FromRow)]
    struct Subject {
        id: String,
        name: String,
        detail: String,
    }
    let mut subjects = std::collections::HashMap::new();
    for (entity, query) in [
        (
            "visit",
            "SELECT CAST(v.id AS TEXT) AS id, s.name, CAST(v.day AS TEXT) AS detail
             FROM visits v JOIN plans p ON p.id = v.plan_id JOIN students s ON s.id = p.student_id
             WHERE CAST(v.id AS TEXT) IN",
        ),
        (
            "plan",
            "SELECT CAST(p.id AS TEXT) AS id, s.name, p.school_year AS detail
             FROM plans p JOIN students s ON s.id = p.student_id
             WHERE CAST(p.id AS TEXT) IN",
        ),
        (
            "alert",
            "SELECT CAST(a.id AS TEXT) AS id, s.name, p.school_year AS detail
             FROM alerts a JOIN plans p ON p.id = a.plan_id JOIN students s ON s.id = p.student_id
             WHERE CAST(a.id AS TEXT) IN",
        ),
    ] {
        let ids: Vec<&str> = rows
            .iter()
            .filter(|r| r.entity == entity)
            .map(|r| r.entity_id.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let found: Vec<Subject> = tx
            .fetch_all(
                sqlx::AssertSqlSafe(format!("{query} ({})", marks.join(", "))),
                ids.iter().map(|id| super::Arg::from(*id)).collect(),
            )
            .await?;
        for subject in found {
            subjects.insert(
                (entity.to_string(), subject.id),
                format!("{} {}", subject.name, subject.detail),
            );
        }
    }
    Ok(subjects)
}

/// The child a reviewer typed, by id or by name (the id typed wins).
pub async fn student_typed(tx: &mut Tx, typed: &str) -> StoreResult<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct Found {
        id: String,
    }
    let found: Vec<Found> = tx
        .fetch_all(
            "SELECT id FROM students WHERE id = $1 OR name = $1 ORDER BY id",
            args![typed],
        )
        .await?;
    Ok(found
        .iter()
        .find(|f| f.id == typed)
        .or(found.first())
        .map(|f| f.id.clone()))
}

/// The names of these children, by id.
pub async fn student_names(
    tx: &mut Tx,
    ids: &[&str],
) -> StoreResult<std::collections::HashMap<String, String>> {
    #[derive(sqlx::FromRow)]
    struct Named {
        id: String,
        name: String,
    }
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let named: Vec<Named> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT id, name FROM students WHERE id IN ({})",
                marks.join(", ")
            )),
            ids.iter().map(|id| super::Arg::from(*id)).collect(),
        )
        .await?;
    Ok(named.into_iter().map(|n| (n.id, n.name)).collect())
}

/// How many changes a filter selects.
pub async fn count(tx: &mut Tx, filter: &ChangeFilter) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let row: Count = tx
        .fetch_one(
            sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM audit_log {CHANGES_WHERE}"
            )),
            change_args(filter),
        )
        .await?;
    Ok(row.n)
}
