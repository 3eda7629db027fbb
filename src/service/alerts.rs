//! Acting on shortfall alerts.

use chrono::{DateTime, Utc};

use super::{Actor, ServiceError};
use crate::store::{Store, alerts};

/// The open alerts (or all of them), newest first.
pub async fn list(store: &Store, open_only: bool) -> Result<Vec<alerts::AlertRow>, ServiceError> {
    let mut tx = store.read().await?;
    let rows = alerts::list(&mut tx, open_only).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// A supervisor has seen an open alert: reminders stop until it gets worse.
pub async fn acknowledge(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    alert_id: i64,
    note: &str,
) -> Result<(), ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    if !alerts::acknowledge(&mut tx, alert_id, note).await? {
        return Err(ServiceError::NotFound {
            what: "open alert",
            id: alert_id.to_string(),
        });
    }
    tx.commit().await?;
    Ok(())
}
