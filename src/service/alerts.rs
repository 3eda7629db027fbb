//! Acting on shortfall alerts.

use chrono::{DateTime, NaiveDate, Utc};

use crate::reason::Reason;

use super::{Actor, ServiceError};
use crate::domain::access::Role;
use crate::store::{Store, alerts};

pub use crate::store::alerts::{AlertRow, StudentAlert, SupervisorSaved};

/// The alerts of the children the actor sees (coordinators, supervisors,
/// admins), open ones only or all, oldest first.
pub async fn list(
    store: &Store,
    actor: &Actor,
    open_only: bool,
) -> Result<Vec<StudentAlert>, ServiceError> {
    refuse_teachers(actor)?;
    let mut tx = store.read().await?;
    let rows = alerts::of_children(&mut tx, open_only, actor.schools_seen()).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// A supervisor (or coordinator, admin) has seen an open alert of a child they
/// may see, with a note: reminders stop until it gets worse.
pub async fn acknowledge(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    alert_id: i64,
    note: &str,
) -> Result<(), ServiceError> {
    acknowledge_all(store, actor, now, &[alert_id], note, None).await
}

/// [`acknowledge`] for several alerts at once, with one note and a day to
/// follow up (when they come back to the work list): all or none (one not open,
/// or of a child the actor may not see, changes nothing).
pub async fn acknowledge_many(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    alert_ids: &[i64],
    note: &str,
    follow_up_on: Option<NaiveDate>,
) -> Result<(), ServiceError> {
    // Several at once say what was done for all of them.
    if note.trim().is_empty() {
        return Err(ServiceError::invalid("note", Reason::EmptyButRequired));
    }
    acknowledge_all(store, actor, now, alert_ids, note, follow_up_on).await
}

async fn acknowledge_all(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    alert_ids: &[i64],
    note: &str,
    follow_up_on: Option<NaiveDate>,
) -> Result<(), ServiceError> {
    refuse_teachers(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    for &alert_id in alert_ids {
        let seen = alerts::open_alert_school(&mut tx, alert_id)
            .await?
            .is_some_and(|school| actor.sees_school(&school));
        if !seen || !alerts::acknowledge(&mut tx, alert_id, note, follow_up_on).await? {
            return Err(ServiceError::NotFound {
                what: "open alert",
                id: alert_id.to_string(),
            });
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Alerts are the coordinators' and supervisors' (a teacher hears of their
/// children's pace on their own week).
fn refuse_teachers(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role == Role::Teacher {
        return Err(ServiceError::Forbidden(
            "alerts are for coordinators and supervisors".into(),
        ));
    }
    Ok(())
}
