//! Personal API tokens. Made by their owner on `/account`, or for an account by
//! an admin on the command line; shown once and kept only as a hash; listed by
//! label and last use; revocable. A token acts as its account, with its role and
//! scope, and stops at once when the account is disabled.

use crate::reason::Reason;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::accounts::{account_by_email, actor_of, require_admin};
use super::secrets::{new_secret, secret_hash};
use super::{Actor, ServiceError};
use crate::store::tokens;
pub use crate::store::tokens::ApiToken;
use crate::store::{Store, accounts, audit};

/// What every token starts with, so that a leaked one is recognised (and found
/// by secret scanners).
pub const PREFIX: &str = "sjt_";

/// Labels are for people reading the list.
const MAX_LABEL: usize = 80;

/// A token just made: the only time its text is seen.
pub struct NewToken {
    pub id: i64,
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The caller a token opens.
pub struct TokenCaller {
    pub actor: Actor,
    pub token_id: i64,
}

async fn make_for(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    account: Result<i64, &str>,
    label: &str,
    expires_days: Option<u32>,
) -> Result<NewToken, ServiceError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(ServiceError::invalid(
            "label",
            Reason::TokenLabel { most: MAX_LABEL },
        ));
    }
    if expires_days == Some(0) {
        return Err(ServiceError::invalid(
            "expires_days",
            Reason::TokenAtLeastOneDay,
        ));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    let account = match account {
        Ok(id) => accounts::by_id(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: "account",
                id: id.to_string(),
            })?,
        Err(email) => account_by_email(&mut tx, email).await?,
    };
    let token = format!("{PREFIX}{}", new_secret());
    let expires_at = expires_days.map(|days| now + Duration::days(i64::from(days)));
    let id = tokens::add(&mut tx, account.id, label, &secret_hash(&token), expires_at).await?;
    let detail = json!({ "account": account.email, "label": label, "expires_at": expires_at });
    audit::record(&mut tx, "add", "api_token", &id.to_string(), detail).await?;
    tx.commit().await?;
    Ok(NewToken {
        id,
        token,
        expires_at,
    })
}

/// A token for the actor's own account.
pub async fn make_mine(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    label: &str,
    expires_days: Option<u32>,
) -> Result<NewToken, ServiceError> {
    let account_id = own_account(actor)?;
    make_for(store, actor, now, Ok(account_id), label, expires_days).await
}

/// A token for an account, by an admin (the command line).
pub async fn make_for_email(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    email: &str,
    label: &str,
    expires_days: Option<u32>,
) -> Result<NewToken, ServiceError> {
    require_admin(actor)?;
    make_for(store, actor, now, Err(email), label, expires_days).await
}

fn own_account(actor: &Actor) -> Result<i64, ServiceError> {
    actor
        .account_id
        .ok_or_else(|| ServiceError::Forbidden("tokens belong to accounts".into()))
}

/// The actor's own tokens, newest first.
pub async fn mine(store: &Store, actor: &Actor) -> Result<Vec<ApiToken>, ServiceError> {
    let account_id = own_account(actor)?;
    let mut tx = store.read().await?;
    Ok(tokens::of_account(&mut tx, account_id).await?)
}

/// An account's tokens, for an admin.
pub async fn of_email(
    store: &Store,
    actor: &Actor,
    email: &str,
) -> Result<Vec<ApiToken>, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let account = account_by_email(&mut tx, email).await?;
    Ok(tokens::of_account(&mut tx, account.id).await?)
}

async fn revoke_of(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    account: Result<i64, &str>,
    token_id: i64,
) -> Result<(), ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    let account_id = match account {
        Ok(id) => id,
        Err(email) => account_by_email(&mut tx, email).await?.id,
    };
    if !tokens::revoke(&mut tx, account_id, token_id).await? {
        return Err(ServiceError::NotFound {
            what: "open token",
            id: token_id.to_string(),
        });
    }
    audit::record(
        &mut tx,
        "revoke",
        "api_token",
        &token_id.to_string(),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes one of the actor's own tokens.
pub async fn revoke_mine(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    token_id: i64,
) -> Result<(), ServiceError> {
    let account_id = own_account(actor)?;
    revoke_of(store, actor, now, Ok(account_id), token_id).await
}

/// Revokes an account's token, by an admin.
pub async fn revoke_for_email(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    email: &str,
    token_id: i64,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    revoke_of(store, actor, now, Err(email), token_id).await
}

/// The caller a token opens: None for an unknown, revoked or expired token, or
/// one whose account is disabled. The last use is kept at most once a minute.
pub async fn authenticate(
    store: &Store,
    now: DateTime<Utc>,
    token: &str,
) -> Result<Option<TokenCaller>, ServiceError> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let mut tx = store.read().await?;
    let Some(found) = tokens::by_hash(&mut tx, &secret_hash(token)).await? else {
        return Ok(None);
    };
    if found.revoked_at.is_some() || found.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let Some(account) = accounts::by_id(&mut tx, found.account_id)
        .await?
        .filter(|a| a.disabled_at.is_none())
    else {
        return Ok(None);
    };
    tx.rollback().await?;
    // Reads stay reads: the last use is written at most once a minute.
    if found
        .last_used_at
        .is_none_or(|at| now - at >= Duration::minutes(1))
    {
        let mut tx = store.write(&Actor::new("api-token").audit(), now).await?;
        tokens::touch(&mut tx, found.id).await?;
        tx.commit().await?;
    }
    Ok(Some(TokenCaller {
        actor: actor_of(&account),
        token_id: found.id,
    }))
}
