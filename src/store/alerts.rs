//! Alert states and the supervisors they go to.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{StoreResult, Tx, audit};
use crate::args;
use crate::domain::access::{Role, Scope};
use crate::domain::pace::Status;
use crate::store::people::Which;

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
    /// Acknowledged until this day, when it comes back to the work list.
    pub follow_up_on: Option<NaiveDate>,
}

/// An alert with its child's name and school.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StudentAlert {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub alert: AlertRow,
    pub name: String,
    pub school: String,
}

/// The alerts of the children `which` selects, with their names and schools.
pub async fn of_children(
    tx: &mut Tx,
    open_only: bool,
    which: Which<'_>,
) -> StoreResult<Vec<StudentAlert>> {
    let (children, mut values) = which.condition(2);
    values.insert(0, crate::store::Arg::from(i64::from(open_only)));
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT a.id, a.plan_id, p.student_id, a.severity, a.opened_at, a.last_notified_at,
                    a.resolved_at, a.acknowledged_at, a.acknowledged_by, a.ack_note,
                    a.nobody_told, a.follow_up_on, s.name, sc.name AS school
             FROM alerts a JOIN plans p ON p.id = a.plan_id
                  JOIN students s ON s.id = p.student_id
                  JOIN schools sc ON sc.id = s.school_id
             WHERE ($1 = 0 OR a.resolved_at IS NULL) AND {children} ORDER BY a.id"
        )),
        values,
    )
    .await
}

/// The school of the child an open alert is about.
pub async fn open_alert_school(tx: &mut Tx, id: i64) -> StoreResult<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct School {
        school: String,
    }
    let row: Option<School> = tx
        .fetch_optional(
            "SELECT sc.name AS school
             FROM alerts a JOIN plans p ON p.id = a.plan_id
                  JOIN students s ON s.id = p.student_id
                  JOIN schools sc ON sc.id = s.school_id
             WHERE a.id = $1 AND a.resolved_at IS NULL",
            args![id],
        )
        .await?;
    Ok(row.map(|r| r.school))
}

pub async fn list(tx: &mut Tx, open_only: bool) -> StoreResult<Vec<AlertRow>> {
    tx.fetch_all(
        "SELECT a.id, a.plan_id, p.student_id, a.severity, a.opened_at, a.last_notified_at,
                a.resolved_at, a.acknowledged_at, a.acknowledged_by, a.ack_note, a.nobody_told,
                a.follow_up_on
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

/// A supervisor has seen the alert: reminders stop until its severity rises,
/// and the work list shows it again on `follow_up_on`.
pub async fn acknowledge(
    tx: &mut Tx,
    id: i64,
    note: &str,
    follow_up_on: Option<NaiveDate>,
) -> StoreResult<bool> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let changed = tx
        .execute(
            "UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3, ack_note = $4,
                               follow_up_on = $5
             WHERE id = $1 AND resolved_at IS NULL",
            args![id, now, actor, note, follow_up_on],
        )
        .await?;
    if changed > 0 {
        let mut change = serde_json::json!({ "note": note });
        if let Some(day) = follow_up_on {
            change["follow_up_on"] = serde_json::json!(day);
        }
        audit::record(tx, "acknowledge", "alert", &id.to_string(), change).await?;
    }
    Ok(changed > 0)
}

/// Someone told when children fall behind: a supervisor account, or a
/// coordinator's or admin's account registered with `supervisor add`.
#[derive(Debug, Clone, Serialize)]
pub struct Supervisor {
    /// `supervisor:<email>`: how outbox rows and robots name them.
    #[serde(skip)]
    pub id: String,
    pub name: String,
    pub email: String,
    /// The schools they hear of; None: the whole district.
    #[serde(rename = "school", serialize_with = "joined_schools")]
    pub schools: Option<Vec<String>>,
    #[serde(flatten)]
    pub robots: Robots,
}

impl Supervisor {
    /// Whether they hear of this school's children.
    pub fn follows(&self, school: &str) -> bool {
        follows(self.schools.as_deref(), school)
    }
}

/// Whether someone who follows these schools (None: the district) hears of a school.
pub fn follows(schools: Option<&[String]>, school: &str) -> bool {
    schools.is_none_or(|schools| schools.iter().any(|s| s == school))
}

/// Several schools in one cell, as the supervisors' sheet reads them back.
pub const SCHOOL_SEPARATOR: &str = "、";

fn joined_schools<S: serde::Serializer>(
    schools: &Option<Vec<String>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match schools {
        Some(schools) => s.serialize_str(&schools.join(SCHOOL_SEPARATOR)),
        None => s.serialize_none(),
    }
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
    pub fn parse_setting(
        text: &str,
        secret: bool,
    ) -> Result<Option<String>, crate::reason::Reason> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if matches!(text, "-" | "无") {
            return Ok(Some(String::new()));
        }
        if text.contains(crate::config::MASK) {
            return Err(crate::reason::Reason::HiddenValue);
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

#[derive(sqlx::FromRow)]
struct SupervisorRow {
    id: i64,
    name: String,
    email: String,
    district_wide: bool,
    #[sqlx(flatten)]
    robots: Robots,
}

pub async fn supervisors(tx: &mut Tx) -> StoreResult<Vec<Supervisor>> {
    let rows: Vec<SupervisorRow> = tx
        .fetch_all(
            "SELECT id, name, email, district_wide,
                    NULLIF(dingtalk_webhook, '') AS dingtalk_webhook,
                    NULLIF(dingtalk_secret, '') AS dingtalk_secret,
                    NULLIF(wecom_webhook, '') AS wecom_webhook
             FROM accounts
             WHERE disabled_at IS NULL AND (role = 'supervisor' OR hears_alerts = $1)
             ORDER BY email",
            args![true],
        )
        .await?;
    let mut schools = super::accounts::schools_by_account(tx).await?;
    Ok(rows
        .into_iter()
        .map(|row| Supervisor {
            id: format!("supervisor:{}", row.email),
            schools: (!row.district_wide).then(|| schools.remove(&row.id).unwrap_or_default()),
            name: row.name,
            email: row.email,
            robots: row.robots,
        })
        .collect())
}

/// What `supervisor add` (or a supervisors' sheet row) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorSaved {
    /// A new supervisor account, without a password until `user reset`.
    Created,
    /// The supervisor account of that email, its name, schools and robots set.
    Updated,
    /// A coordinator's or admin's account, now told of its own scope's children.
    AccountTold(Role),
    /// A teacher's account: nothing was changed.
    TeacherAccount,
    /// A coordinator's or admin's account hears of its own scope (this one),
    /// not of the schools given: nothing was changed.
    NotItsScope(Role, Scope),
}

impl SupervisorSaved {
    /// Why nothing was saved, by the field at fault; None when it was.
    pub fn refusal(&self, email: &str) -> Option<(&'static str, crate::reason::Reason)> {
        use crate::reason::Reason;
        match self {
            SupervisorSaved::TeacherAccount => Some((
                "email",
                Reason::TeacherAccountAsSupervisor {
                    email: email.to_string(),
                },
            )),
            SupervisorSaved::NotItsScope(role, scope) => Some((
                "school",
                Reason::AccountHearsOwnScope {
                    email: email.to_string(),
                    role: *role,
                    schools: match scope {
                        Scope::Schools { schools } => schools.clone(),
                        _ => Vec::new(),
                    },
                },
            )),
            _ => None,
        }
    }
}

/// Registers (or updates) a supervisor, known by email (any case); `scope`
/// None keeps a supervisor's schools (the whole district for a new one). A
/// robot setting left None keeps what was there; an empty one removes it.
pub async fn save_supervisor(
    tx: &mut Tx,
    name: &str,
    email: &str,
    scope: Option<&Scope>,
    robots: &Robots,
) -> StoreResult<SupervisorSaved> {
    let email = email.trim().to_lowercase();
    let saved = match super::accounts::by_email(tx, &email).await? {
        None => {
            let scope = scope.unwrap_or(&Scope::District);
            super::accounts::create(tx, &email, name, Role::Supervisor, scope, None).await?;
            SupervisorSaved::Created
        }
        Some(account) if account.role == Role::Supervisor => {
            if account.name != name {
                super::accounts::rename(tx, account.id, name).await?;
            }
            if let Some(scope) = scope.filter(|s| **s != account.scope) {
                super::accounts::set_scope(tx, &account, scope).await?;
            }
            SupervisorSaved::Updated
        }
        Some(account) if account.role == Role::Teacher => {
            return Ok(SupervisorSaved::TeacherAccount);
        }
        Some(account) if scope.is_some_and(|s| *s != account.scope) => {
            return Ok(SupervisorSaved::NotItsScope(account.role, account.scope));
        }
        Some(account) => SupervisorSaved::AccountTold(account.role),
    };
    let now = tx.now;
    tx.execute(
        "UPDATE accounts SET hears_alerts = (role <> 'supervisor'), updated_at = $2,
             dingtalk_webhook = COALESCE($3, dingtalk_webhook),
             dingtalk_secret = COALESCE($4, dingtalk_secret),
             wecom_webhook = COALESCE($5, wecom_webhook)
         WHERE email = $1",
        args![
            email.as_str(),
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
        &format!("supervisor:{email}"),
        serde_json::json!({ "name": name, "scope": scope, "robots": robots }),
    )
    .await?;
    Ok(saved)
}
