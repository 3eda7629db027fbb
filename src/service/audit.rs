//! The access log (every read of a child's details, who read it and from where)
//! and, for the audit page, the changes beside the reads.

use chrono::{DateTime, Utc};

use super::{Actor, ServiceError};
use crate::domain::access::{Role, Scope};
use crate::store::access_log::{self, Access, AccessFilter, AccessRow, Verdict};
use crate::store::audit::{AuditRow, ChangeFilter};
use crate::store::{Store, Tx};

/// Records that `actor` read `what` of a student, in the caller's transaction.
pub async fn record_read(
    tx: &mut Tx,
    actor: &Actor,
    student_id: &str,
    what: &str,
    address: &str,
) -> Result<(), ServiceError> {
    let account = actor.name.strip_prefix("user:").unwrap_or(&actor.name);
    access_log::append(
        tx,
        &Access {
            account,
            role: actor.role.code(),
            student_id,
            what,
            address,
        },
    )
    .await?;
    Ok(())
}

/// Which reads to list.
#[derive(Debug, Clone, Default)]
pub struct AccessQuery {
    pub student_id: Option<String>,
    /// An account's email.
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

fn require_admin(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only an admin reads the access log".into(),
        ))
    }
}

/// The audit page is for admins and the district's coordinators: it names every
/// school's children.
fn require_district_keeper(actor: &Actor) -> Result<(), ServiceError> {
    match (actor.role, &actor.scope) {
        (Role::Admin, _) | (Role::Coordinator, Scope::District) => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "the audit is for admins and the district's coordinators".into(),
        )),
    }
}

/// What the audit page asks for: a child, a person (an account's email), days.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub student_id: Option<String>,
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// At most this many rows of each kind, the newest.
pub const AUDIT_ROWS: usize = 500;

/// Reads (the access log) and changes (the audit log) a query selects, newest first.
pub async fn audit_page(
    store: &Store,
    actor: &Actor,
    query: &AuditQuery,
) -> Result<(Vec<AccessRow>, Vec<AuditRow>), ServiceError> {
    require_district_keeper(actor)?;
    let mut tx = store.read().await?;
    let mut reads = access_log::list(
        &mut tx,
        &AccessFilter {
            student_id: query.student_id.clone(),
            account: query.account.clone(),
            since: query.since,
        },
    )
    .await?;
    reads.retain(|r| query.until.is_none_or(|until| r.at < until));
    reads.reverse();
    reads.truncate(AUDIT_ROWS);
    let changes = crate::store::audit::list(
        &mut tx,
        &ChangeFilter {
            student_id: query.student_id.clone(),
            actor: query.account.as_ref().map(|email| format!("user:{email}")),
            since: query.since,
            until: query.until,
        },
        AUDIT_ROWS as i64,
    )
    .await?;
    tx.rollback().await?;
    Ok((reads, changes))
}

pub async fn access_list(
    store: &Store,
    actor: &Actor,
    query: &AccessQuery,
) -> Result<Vec<AccessRow>, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let rows = access_log::list(
        &mut tx,
        &AccessFilter {
            student_id: query.student_id.clone(),
            account: query.account.clone(),
            since: query.since,
        },
    )
    .await?;
    tx.rollback().await?;
    Ok(rows)
}

/// Walks the hash chain: intact, or the first row altered or removed.
pub async fn verify(store: &Store, actor: &Actor) -> Result<Verdict, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let verdict = access_log::verify(&mut tx).await?;
    tx.rollback().await?;
    Ok(verdict)
}

/// Removes the reads older than `security.access_log_days` (a daemon job).
pub async fn prune(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    keep_days: u32,
) -> Result<u64, ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    let removed =
        access_log::prune(&mut tx, now - chrono::Duration::days(i64::from(keep_days))).await?;
    tx.commit().await?;
    Ok(removed)
}
