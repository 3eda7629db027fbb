//! Acting on shortfall alerts.

use chrono::{DateTime, Utc};

use super::{Actor, ServiceError};
use crate::store::{Store, alerts};

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
