//! The queue of emails: what is waiting, sent or given up, and sending one again.

use crate::reason::Reason;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Actor, ServiceError};
pub use crate::store::outbox::{Channel, FailedMessage};
use crate::store::{Store, outbox};

/// The states a queued message goes through.
pub const STATUSES: [&str; 4] = ["queued", "sending", "sent", "dead"];

/// A message as the queue's list shows it (no body: it may hold a child's address).
#[derive(Debug, Clone, Serialize)]
pub struct QueuedMessage {
    pub id: i64,
    pub status: String,
    pub kind: String,
    /// email, dingtalk or wecom; a robot's recipient is who owns it.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// The queue holds every recipient's address and what went wrong: it is the
/// admins' (and the command line's).
fn require_admin(actor: &Actor) -> Result<(), ServiceError> {
    actor.admins_only("the outbox is the admins'")
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    status: Option<&str>,
) -> Result<Vec<QueuedMessage>, ServiceError> {
    require_admin(actor)?;
    if let Some(status) = status
        && !STATUSES.contains(&status)
    {
        return Err(ServiceError::invalid(
            "status",
            Reason::NotAStatus {
                text: status.to_string(),
                statuses: STATUSES.iter().map(ToString::to_string).collect(),
            },
        ));
    }
    let mut tx = store.read().await?;
    let rows = outbox::list(&mut tx, status).await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .map(|r| QueuedMessage {
            id: r.id,
            status: r.status,
            kind: r.kind,
            channel: r.channel,
            recipient: r.recipient,
            subject: r.subject,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
        })
        .collect())
}

/// The messages that failed or were given up, the newest first.
pub async fn failed(
    store: &Store,
    actor: &Actor,
) -> Result<Vec<outbox::FailedMessage>, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let rows = outbox::failed(&mut tx).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// Queues an unsent message again now (a dead one, once its address is fixed).
pub async fn retry(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    if !outbox::retry(&mut tx, id).await? {
        return Err(ServiceError::NotFound {
            what: "unsent message",
            id: id.to_string(),
        });
    }
    tx.commit().await?;
    Ok(())
}
