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
