//! Alert states and the supervisors they go to.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StoreResult, Tx, audit};
use crate::args;
use crate::domain::pace::Status;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub severity: Status,
    pub opened_at: DateTime<Utc>,
    pub last_notified_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
    /// No supervisor could be told when it opened (the operators were).
    pub nobody_told: bool,
}

pub async fn list(tx: &mut Tx, open_only: bool) -> StoreResult<Vec<AlertRow>> {
    tx.fetch_all(
        "SELECT a.id, a.plan_id, p.student_id, a.severity, a.opened_at, a.last_notified_at,
                a.resolved_at, a.acknowledged_at, a.acknowledged_by, a.ack_note, a.nobody_told
         FROM alerts a JOIN plans p ON p.id = a.plan_id
         WHERE ($1 = 0 OR a.resolved_at IS NULL) ORDER BY a.id",
        args![i64::from(open_only)],
    )
    .await
}

pub async fn open(tx: &mut Tx, plan_id: i64, severity: Status) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO alerts (plan_id, severity, opened_at, last_notified_at) VALUES ($1, $2, $3, $3)",
        args![plan_id, severity.as_str(), now],
    )
    .await?;
    Ok(())
}

/// A new severity; `notified` when the supervisors were told (which also ends an
/// acknowledgement: it silenced only the lower severity).
pub async fn set_severity(
    tx: &mut Tx,
    id: i64,
    severity: Status,
    notified: bool,
) -> StoreResult<()> {
    let now = tx.now;
    if notified {
        tx.execute(
            "UPDATE alerts SET severity = $2, last_notified_at = $3, acknowledged_at = NULL,
                    acknowledged_by = NULL, ack_note = NULL WHERE id = $1",
            args![id, severity.as_str(), now],
        )
        .await?;
    } else {
        tx.execute(
            "UPDATE alerts SET severity = $2 WHERE id = $1",
            args![id, severity.as_str()],
        )
        .await?;
    }
    Ok(())
}

pub async fn reminded(tx: &mut Tx, id: i64) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE alerts SET last_notified_at = $2 WHERE id = $1",
        args![id, now],
    )
    .await?;
    Ok(())
}

/// Whether any supervisor heard of the alert.
pub async fn set_nobody_told(tx: &mut Tx, plan_id: i64, nobody_told: bool) -> StoreResult<()> {
    tx.execute(
        "UPDATE alerts SET nobody_told = $2 WHERE plan_id = $1 AND resolved_at IS NULL",
        args![plan_id, nobody_told],
    )
    .await?;
    Ok(())
}

pub async fn resolve(tx: &mut Tx, id: i64) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE alerts SET resolved_at = $2 WHERE id = $1",
        args![id, now],
    )
    .await?;
    Ok(())
}

/// A supervisor has seen the alert: reminders stop until its severity rises.
pub async fn acknowledge(tx: &mut Tx, id: i64, note: &str) -> StoreResult<bool> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let changed = tx
        .execute(
            "UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3, ack_note = $4
             WHERE id = $1 AND resolved_at IS NULL",
            args![id, now, actor, note],
        )
        .await?;
    if changed > 0 {
        audit::record(
            tx,
            "acknowledge",
            "alert",
            &id.to_string(),
            serde_json::json!({ "note": note }),
        )
        .await?;
    }
    Ok(changed > 0)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Supervisor {
    pub id: String,
    pub name: String,
    pub email: String,
    /// None: the whole district.
    pub school: Option<String>,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub robots: Robots,
}

/// Someone's group robots; lists show the webhooks' tokens and the secret as ****.
#[derive(Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Robots {
    #[serde(serialize_with = "masked_webhook")]
    pub dingtalk_webhook: Option<String>,
    #[serde(serialize_with = "masked_secret")]
    pub dingtalk_secret: Option<String>,
    #[serde(serialize_with = "masked_webhook")]
    pub wecom_webhook: Option<String>,
}

/// As lists show them: `{:?}` never prints a token or secret either.
impl std::fmt::Debug for Robots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

fn masked_webhook<S: serde::Serializer>(url: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => s.serialize_str(&crate::config::masked_webhook(url)),
        None => s.serialize_none(),
    }
}

fn masked_secret<S: serde::Serializer>(secret: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => s.serialize_str(crate::config::MASK),
        None => s.serialize_none(),
    }
}

impl Robots {
    /// A robot setting as typed on a command line or in a sheet: empty keeps
    /// what is set, `-` (or 无) removes it, anything else must be a webhook
    /// (`secret` false) or a DingTalk secret. A masked value read back from a
    /// list is refused, never stored.
    pub fn parse_setting(text: &str, secret: bool) -> Result<Option<String>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if matches!(text, "-" | "无") {
            return Ok(Some(String::new()));
        }
        if text.contains(crate::config::MASK) {
            return Err("is a hidden value (****) as a list shows it: write the real one, or leave it empty to keep what is set".into());
        }
        if !secret {
            crate::config::check_webhook(text)?;
        }
        Ok(Some(text.to_string()))
    }

    pub fn is_empty(&self) -> bool {
        self.dingtalk_webhook.is_none()
            && self.dingtalk_secret.is_none()
            && self.wecom_webhook.is_none()
    }
}

pub async fn supervisors(tx: &mut Tx) -> StoreResult<Vec<Supervisor>> {
    tx.fetch_all(
        "SELECT s.id, s.name, s.email, sc.name AS school,
                NULLIF(s.dingtalk_webhook, '') AS dingtalk_webhook,
                NULLIF(s.dingtalk_secret, '') AS dingtalk_secret,
                NULLIF(s.wecom_webhook, '') AS wecom_webhook
         FROM staff s LEFT JOIN schools sc ON sc.id = s.school_id
         WHERE s.role = 'supervisor' ORDER BY s.id",
        vec![],
    )
    .await
}

/// Registers (or updates) a supervisor, known by email. A robot setting left
/// None keeps what was there; an empty one removes it.
pub async fn save_supervisor(
    tx: &mut Tx,
    name: &str,
    email: &str,
    school: Option<&str>,
    robots: &Robots,
) -> StoreResult<String> {
    let now = tx.now;
    let school_id = match school {
        Some(name) => super::people::school_ids(tx, [name])
            .await?
            .get(name)
            .copied(),
        None => None,
    };
    let id = format!("supervisor:{}", email.to_lowercase());
    tx.execute(
        "INSERT INTO staff (id, name, email, role, school_id, created_at, updated_at,
                            dingtalk_webhook, dingtalk_secret, wecom_webhook)
         VALUES ($1, $2, $3, 'supervisor', $4, $5, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, school_id = excluded.school_id,
             updated_at = excluded.updated_at,
             dingtalk_webhook = COALESCE(excluded.dingtalk_webhook, staff.dingtalk_webhook),
             dingtalk_secret = COALESCE(excluded.dingtalk_secret, staff.dingtalk_secret),
             wecom_webhook = COALESCE(excluded.wecom_webhook, staff.wecom_webhook)",
        args![
            id.as_str(),
            name,
            email,
            school_id,
            now,
            robots.dingtalk_webhook.as_deref(),
            robots.dingtalk_secret.as_deref(),
            robots.wecom_webhook.as_deref()
        ],
    )
    .await?;
    // The audit trail says a robot was set or removed, never its token or secret.
    audit::record(
        tx,
        "save",
        "supervisor",
        &id,
        serde_json::json!({ "name": name, "school": school, "robots": robots }),
    )
    .await?;
    Ok(id)
}
