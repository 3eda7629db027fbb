//! Accounts, one-time links, sessions and failed logins. Secrets are never stored
//! as given: passwords as argon2id hashes (made in `service::accounts`), link
//! tokens and session ids as SHA-256 hashes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StoreResult, Tx, audit, people};
use crate::args;
use crate::domain::access::{Role, Scope};

#[derive(Debug, Clone, sqlx::FromRow)]
struct AccountRow {
    id: i64,
    email: String,
    name: String,
    role: Role,
    teacher_id: Option<String>,
    district_wide: bool,
    password_hash: Option<String>,
    password_changed_at: Option<DateTime<Utc>>,
    disabled_at: Option<DateTime<Utc>>,
    totp_secret: Option<String>,
    totp_enabled_at: Option<DateTime<Utc>>,
    totp_last_step: Option<i64>,
}

/// An account as stored, with its scope.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The second factor's secret (base32); in use once `totp_enabled_at` is set.
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<DateTime<Utc>>,
    pub totp_last_step: Option<u64>,
}

const ACCOUNT_COLUMNS: &str = "id, email, name, role, teacher_id, district_wide, password_hash,
    password_changed_at, disabled_at, totp_secret, totp_enabled_at,
    totp_last_step";

#[derive(sqlx::FromRow)]
struct AccountSchool {
    account_id: i64,
    school: String,
}

/// Each school-scoped account's schools, by name.
pub async fn schools_by_account(tx: &mut Tx) -> StoreResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<AccountSchool> = tx
        .fetch_all(
            "SELECT a.account_id, s.name AS school FROM account_schools a
             JOIN schools s ON s.id = a.school_id ORDER BY s.name",
            args![],
        )
        .await?;
    let mut schools: HashMap<i64, Vec<String>> = HashMap::new();
    for row in rows {
        schools.entry(row.account_id).or_default().push(row.school);
    }
    Ok(schools)
}

async fn with_scopes(tx: &mut Tx, rows: Vec<AccountRow>) -> StoreResult<Vec<Account>> {
    let mut schools = schools_by_account(tx).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let scope = match (&row.teacher_id, row.district_wide) {
                (Some(teacher_id), _) => Scope::Teacher {
                    teacher_id: teacher_id.clone(),
                },
                (None, true) => Scope::District,
                (None, false) => Scope::Schools {
                    schools: schools.remove(&row.id).unwrap_or_default(),
                },
            };
            Account {
                id: row.id,
                email: row.email,
                name: row.name,
                role: row.role,
                scope,
                password_hash: row.password_hash,
                password_changed_at: row.password_changed_at,
                disabled_at: row.disabled_at,
                totp_secret: row.totp_secret,
                totp_enabled_at: row.totp_enabled_at,
                totp_last_step: row.totp_last_step.map(|s| s.max(0) as u64),
            }
        })
        .collect())
}

pub async fn list(tx: &mut Tx) -> StoreResult<Vec<Account>> {
    let rows = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY email"
            )),
            args![],
        )
        .await?;
    with_scopes(tx, rows).await
}

/// The account with this email (any case).
pub async fn by_email(tx: &mut Tx, email: &str) -> StoreResult<Option<Account>> {
    let rows = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1"
            )),
            args![email.trim().to_lowercase()],
        )
        .await?;
    Ok(with_scopes(tx, rows).await?.pop())
}

pub async fn by_id(tx: &mut Tx, id: i64) -> StoreResult<Option<Account>> {
    let rows = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
            )),
            args![id],
        )
        .await?;
    Ok(with_scopes(tx, rows).await?.pop())
}

/// What an audit row says about an account: never its password.
fn audit_detail(email: &str, name: &str, role: Role, scope: &Scope) -> serde_json::Value {
    serde_json::json!({ "email": email, "name": name, "role": role, "scope": scope })
}

/// Creates an account; the email must be new (a unique index says so).
pub async fn create(
    tx: &mut Tx,
    email: &str,
    name: &str,
    role: Role,
    scope: &Scope,
    password_hash: Option<&str>,
) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let now = tx.now;
    let (teacher_id, district_wide) = match scope {
        Scope::Teacher { teacher_id } => (Some(teacher_id.clone()), false),
        Scope::District => (None, true),
        Scope::Schools { .. } => (None, false),
    };
    let id: Id = tx
        .fetch_one(
            "INSERT INTO accounts (email, name, role, teacher_id, district_wide, password_hash,
                 password_changed_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            args![
                email.to_string(),
                name.to_string(),
                role.code(),
                teacher_id,
                district_wide,
                password_hash.map(str::to_string),
                password_hash.map(|_| now),
                now
            ],
        )
        .await?;
    set_schools(tx, id.id, scope).await?;
    audit::record(
        tx,
        "create",
        "account",
        &id.id.to_string(),
        audit_detail(email, name, role, scope),
    )
    .await?;
    Ok(id.id)
}

async fn set_schools(tx: &mut Tx, account_id: i64, scope: &Scope) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM account_schools WHERE account_id = $1",
        args![account_id],
    )
    .await?;
    if let Scope::Schools { schools } = scope {
        let ids = people::school_ids(tx, schools.iter().map(String::as_str)).await?;
        for school in schools {
            if let Some(&school_id) = ids.get(school.as_str()) {
                tx.execute(
                    "INSERT INTO account_schools (account_id, school_id) VALUES ($1, $2)",
                    args![account_id, school_id],
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// An audit row saying what happened to an account (never a password or secret).
async fn audit_change(tx: &mut Tx, action: &str, account_id: i64) -> StoreResult<()> {
    audit::record(
        tx,
        action,
        "account",
        &account_id.to_string(),
        serde_json::json!({}),
    )
    .await
}

/// Changes the name an account is greeted and listed by.
pub async fn rename(tx: &mut Tx, account_id: i64, name: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE accounts SET name = $2, updated_at = $3 WHERE id = $1",
        args![account_id, name, now],
    )
    .await?;
    audit::record(
        tx,
        "rename",
        "account",
        &account_id.to_string(),
        serde_json::json!({ "name": name }),
    )
    .await
}

/// Changes whose children an account may see.
pub async fn set_scope(tx: &mut Tx, account: &Account, scope: &Scope) -> StoreResult<()> {
    let (teacher_id, district_wide) = match scope {
        Scope::Teacher { teacher_id } => (Some(teacher_id.clone()), false),
        Scope::District => (None, true),
        Scope::Schools { .. } => (None, false),
    };
    let now = tx.now;
    tx.execute(
        "UPDATE accounts SET teacher_id = $2, district_wide = $3, updated_at = $4 WHERE id = $1",
        args![account.id, teacher_id, district_wide, now],
    )
    .await?;
    set_schools(tx, account.id, scope).await?;
    audit::record(
        tx,
        "scope",
        "account",
        &account.id.to_string(),
        serde_json::json!({ "old": account.scope, "new": scope }),
    )
    .await
}

/// Disables (Some) or enables (None) an account.
pub async fn set_disabled(
    tx: &mut Tx,
    account_id: i64,
    disabled_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE accounts SET disabled_at = $2, failed_logins = 0, locked_until = NULL, updated_at = $3
         WHERE id = $1",
        args![account_id, disabled_at, now],
    )
    .await?;
    let action = if disabled_at.is_some() {
        "disable"
    } else {
        "enable"
    };
    audit_change(tx, action, account_id).await
}

/// Replaces the password hash (None: the account must set one through a link).
pub async fn set_password(
    tx: &mut Tx,
    account_id: i64,
    password_hash: Option<&str>,
) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE accounts SET password_hash = $2, password_changed_at = $3, failed_logins = 0,
             locked_until = NULL, updated_at = $3
         WHERE id = $1",
        args![account_id, password_hash.map(str::to_string), now],
    )
    .await?;
    let action = if password_hash.is_some() {
        "set_password"
    } else {
        "reset_password"
    };
    audit_change(tx, action, account_id).await
}

/// Replaces a second factor's stored (sealed) secret, nothing else.
pub async fn set_totp_secret(tx: &mut Tx, account_id: i64, sealed: &str) -> StoreResult<()> {
    tx.execute(
        "UPDATE accounts SET totp_secret = $2 WHERE id = $1",
        args![account_id, sealed.to_string()],
    )
    .await?;
    Ok(())
}

/// Stores a second factor's secret: pending (`enabled` false) until a first code
/// confirms it; None removes the second factor.
pub async fn set_totp(
    tx: &mut Tx,
    account_id: i64,
    secret: Option<&str>,
    enabled: bool,
) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE accounts SET totp_secret = $2, totp_enabled_at = $3, totp_last_step = NULL,
             updated_at = $4
         WHERE id = $1",
        args![
            account_id,
            secret.map(str::to_string),
            enabled.then_some(now),
            now
        ],
    )
    .await?;
    if enabled || secret.is_none() {
        let action = if enabled {
            "enable_second_factor"
        } else {
            "remove_second_factor"
        };
        audit_change(tx, action, account_id).await?;
    }
    Ok(())
}

/// Records the time step of a code just accepted, so it is not accepted again.
pub async fn set_totp_step(tx: &mut Tx, account_id: i64, step: u64) -> StoreResult<()> {
    tx.execute(
        "UPDATE accounts SET totp_last_step = $2 WHERE id = $1",
        args![account_id, step as i64],
    )
    .await?;
    Ok(())
}

/// Replaces an account's recovery codes (their hashes).
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    account_id: i64,
    hashes: &[String],
) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM recovery_codes WHERE account_id = $1",
        args![account_id],
    )
    .await?;
    for hash in hashes {
        tx.execute(
            "INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)",
            args![account_id, hash.clone()],
        )
        .await?;
    }
    Ok(())
}

/// Uses up a recovery code; false when it is not one of the account's unused codes.
pub async fn use_recovery_code(tx: &mut Tx, account_id: i64, hash: &str) -> StoreResult<bool> {
    let now = tx.now;
    let used = tx
        .execute(
            "UPDATE recovery_codes SET used_at = $3
             WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
            args![account_id, hash.to_string(), now],
        )
        .await?;
    Ok(used > 0)
}

/// Why a one-time link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invite,
    Reset,
}

impl LinkPurpose {
    fn code(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }
}

pub async fn create_link(
    tx: &mut Tx,
    token_hash: &str,
    account_id: i64,
    purpose: LinkPurpose,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO account_links (token_hash, account_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        args![
            token_hash.to_string(),
            account_id,
            purpose.code(),
            now,
            expires_at
        ],
    )
    .await?;
    Ok(())
}

/// The account a valid link is for (unused, not expired at `tx.now`), if any.
pub async fn link_account(tx: &mut Tx, token_hash: &str) -> StoreResult<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Link {
        account_id: i64,
    }
    let now = tx.now;
    let link: Option<Link> = tx
        .fetch_optional(
            "SELECT account_id FROM account_links
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            args![token_hash.to_string(), now],
        )
        .await?;
    Ok(link.map(|l| l.account_id))
}

/// When the account's newest link was made, if it has one.
pub async fn newest_link(tx: &mut Tx, account_id: i64) -> StoreResult<Option<DateTime<Utc>>> {
    #[derive(sqlx::FromRow)]
    struct Link {
        created_at: DateTime<Utc>,
    }
    let links: Vec<Link> = tx
        .fetch_all(
            "SELECT created_at FROM account_links WHERE account_id = $1
             ORDER BY created_at DESC LIMIT 1",
            args![account_id],
        )
        .await?;
    Ok(links.first().map(|l| l.created_at))
}

/// Uses a link up, with every other open link of its account.
pub async fn use_links(tx: &mut Tx, account_id: i64) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE account_links SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
        args![account_id, now],
    )
    .await?;
    Ok(())
}

/// A logged-in browser, as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionRow {
    #[serde(skip)]
    pub id_hash: String,
    pub account_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub address: String,
    pub user_agent: String,
    /// The password was right; the second factor is still to come.
    pub awaiting_code: bool,
}

const SESSION_COLUMNS: &str = "id_hash, account_id, created_at, last_seen_at, expires_at, ended_at,
    address, user_agent, awaiting_code";

/// A new session; one `awaiting_code` opens nothing until the second factor.
pub async fn create_session(
    tx: &mut Tx,
    id_hash: &str,
    account_id: i64,
    expires_at: DateTime<Utc>,
    address: &str,
    user_agent: &str,
    awaiting_code: bool,
) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, expires_at, address,
             user_agent, awaiting_code)
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        args![
            id_hash.to_string(),
            account_id,
            now,
            expires_at,
            address.to_string(),
            user_agent.chars().take(200).collect::<String>(),
            awaiting_code
        ],
    )
    .await?;
    Ok(())
}

pub async fn session(tx: &mut Tx, id_hash: &str) -> StoreResult<Option<SessionRow>> {
    tx.fetch_optional(
        sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1"
        )),
        args![id_hash.to_string()],
    )
    .await
}

/// An account's sessions still open at `tx.now`, newest first.
pub async fn open_sessions(tx: &mut Tx, account_id: i64) -> StoreResult<Vec<SessionRow>> {
    let now = tx.now;
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions
             WHERE account_id = $1 AND ended_at IS NULL AND expires_at > $2 AND NOT awaiting_code
             ORDER BY created_at DESC"
        )),
        args![account_id, now],
    )
    .await
}

pub async fn touch_session(tx: &mut Tx, id_hash: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1",
        args![id_hash.to_string(), now],
    )
    .await?;
    Ok(())
}

pub async fn end_session(tx: &mut Tx, id_hash: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL",
        args![id_hash.to_string(), now],
    )
    .await?;
    Ok(())
}

/// Ends every open session of an account (disabled, or its password reset).
pub async fn end_sessions(tx: &mut Tx, account_id: i64) -> StoreResult<u64> {
    let now = tx.now;
    tx.execute(
        "UPDATE sessions SET ended_at = $2 WHERE account_id = $1 AND ended_at IS NULL",
        args![account_id, now],
    )
    .await
}

pub async fn record_login_failure(tx: &mut Tx, address: &str, email: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO login_failures (address, email, at) VALUES ($1, $2, $3)",
        args![address.to_string(), email.to_string(), now],
    )
    .await?;
    Ok(())
}

/// Failed logins since `since`: how many from `address` (any email), and when
/// each of `email`'s from that address was, oldest first.
pub async fn login_failures_since(
    tx: &mut Tx,
    address: &str,
    email: &str,
    since: DateTime<Utc>,
) -> StoreResult<(u32, Vec<DateTime<Utc>>)> {
    let (from_address,): (i64,) = tx
        .fetch_one(
            "SELECT COUNT(*) FROM login_failures WHERE address = $1 AND at > $2",
            args![address.to_string(), since],
        )
        .await?;
    let of_email: Vec<(DateTime<Utc>,)> = tx
        .fetch_all(
            "SELECT at FROM login_failures WHERE address = $1 AND email = $2 AND at > $3
             ORDER BY at",
            args![address.to_string(), email.to_string(), since],
        )
        .await?;
    Ok((
        from_address.max(0) as u32,
        of_email.into_iter().map(|(at,)| at).collect(),
    ))
}

/// Forgets `email`'s failures from `address`: its owner logged in from there.
pub async fn clear_login_failures(tx: &mut Tx, address: &str, email: &str) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM login_failures WHERE address = $1 AND email = $2",
        args![address.to_string(), email.to_string()],
    )
    .await?;
    Ok(())
}

/// Makes a new feed token for the account, revoking any earlier one.
pub async fn renew_feed(tx: &mut Tx, account_id: i64, token_hash: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE calendar_feeds SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
        args![account_id, now],
    )
    .await?;
    tx.execute(
        "INSERT INTO calendar_feeds (token_hash, account_id, created_at) VALUES ($1, $2, $3)",
        args![token_hash.to_string(), account_id, now],
    )
    .await?;
    Ok(())
}

/// Revokes the account's feed.
pub async fn revoke_feed(tx: &mut Tx, account_id: i64) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE calendar_feeds SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
        args![account_id, now],
    )
    .await?;
    Ok(())
}

/// The account a feed token opens, if it is not revoked.
pub async fn feed_account(tx: &mut Tx, token_hash: &str) -> StoreResult<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Feed {
        account_id: i64,
    }
    let feed: Option<Feed> = tx
        .fetch_optional(
            "SELECT account_id FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL",
            args![token_hash.to_string()],
        )
        .await?;
    Ok(feed.map(|f| f.account_id))
}

/// Whether the account has a feed in use.
pub async fn has_feed(tx: &mut Tx, account_id: i64) -> StoreResult<bool> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let count: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM calendar_feeds WHERE account_id = $1 AND revoked_at IS NULL",
            args![account_id],
        )
        .await?;
    Ok(count.n > 0)
}
