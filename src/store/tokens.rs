//! Personal API tokens (their hashes) and the kept answers of requests sent with
//! an Idempotency-Key.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StoreResult, Tx};
use crate::args;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, account_id, label, created_at, expires_at, last_used_at, revoked_at";

pub async fn add(
    tx: &mut Tx,
    account_id: i64,
    label: &str,
    token_hash: &str,
    expires_at: Option<DateTime<Utc>>,
) -> StoreResult<i64> {
    let now = tx.now;
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let row: Id = tx
        .fetch_one(
            "INSERT INTO api_tokens (account_id, label, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            args![account_id, label, token_hash, now, expires_at],
        )
        .await?;
    Ok(row.id)
}

/// The account's tokens, newest first, revoked ones included.
pub async fn of_account(tx: &mut Tx, account_id: i64) -> StoreResult<Vec<ApiToken>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY id DESC"
        )),
        args![account_id],
    )
    .await
}

pub async fn by_hash(tx: &mut Tx, token_hash: &str) -> StoreResult<Option<ApiToken>> {
    tx.fetch_optional(
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1"
        )),
        args![token_hash],
    )
    .await
}

/// Revokes one of the account's tokens; false when it has no such open token.
pub async fn revoke(tx: &mut Tx, account_id: i64, token_id: i64) -> StoreResult<bool> {
    let now = tx.now;
    let changed = tx
        .execute(
            "UPDATE api_tokens SET revoked_at = $3
             WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
            args![token_id, account_id, now],
        )
        .await?;
    Ok(changed == 1)
}

/// Revokes every open token of the account: its password was reset or changed.
pub async fn revoke_all(tx: &mut Tx, account_id: i64) -> StoreResult<u64> {
    let now = tx.now;
    tx.execute(
        "UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
        args![account_id, now],
    )
    .await
}

pub async fn touch(tx: &mut Tx, token_id: i64) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
        args![token_id, now],
    )
    .await?;
    Ok(())
}

/// A kept answer to a request sent with an Idempotency-Key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeptAnswer {
    pub request: String,
    pub status: i64,
    pub body: String,
}

pub async fn answer(tx: &mut Tx, account_id: i64, key: &str) -> StoreResult<Option<KeptAnswer>> {
    tx.fetch_optional(
        "SELECT request, status, body FROM idempotent_answers WHERE account_id = $1 AND key = $2",
        args![account_id, key],
    )
    .await
}

/// Keeps an answer in the transaction of the change it answers; a second request
/// with the same key racing this one fails on the primary key.
pub async fn keep_answer(
    tx: &mut Tx,
    account_id: i64,
    key: &str,
    request: &str,
    status: u16,
    body: &str,
) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO idempotent_answers (account_id, key, request, status, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![account_id, key, request, i64::from(status), body, now],
    )
    .await?;
    Ok(())
}
