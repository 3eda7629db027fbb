//! The access log: every read of a child's personal details, append-only and
//! hash-chained, so that a row altered or removed afterwards is found.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's own
//! fields; the first row (or the first kept after old rows are pruned) starts
//! from the hash it carries.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{StoreResult, Tx};
use crate::args;

/// One read to record.
#[derive(Debug, Clone)]
pub struct Access<'a> {
    pub account: &'a str,
    pub role: &'a str,
    pub student_id: &'a str,
    pub what: &'a str,
    pub address: &'a str,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AccessRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub account: String,
    pub role: String,
    pub student_id: String,
    pub what: String,
    pub address: String,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

/// The chain starts from this.
const GENESIS: &str = "songjiao-access-log";

fn row_hash(prev_hash: &str, at: DateTime<Utc>, access: &Access) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev_hash,
        &at.to_rfc3339_opts(SecondsFormat::Micros, true),
        access.account,
        access.role,
        access.student_id,
        access.what,
        access.address,
    ] {
        // Length-prefixed, so that moving text between fields changes the hash.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends a row after the last one; writers take turns (a lock on PostgreSQL,
/// the write transaction on SQLite) so the chain never forks.
pub async fn append(tx: &mut Tx, access: &Access<'_>) -> StoreResult<()> {
    #[derive(sqlx::FromRow)]
    struct Last {
        hash: String,
    }
    tx.lock("access_log").await?;
    let last: Option<Last> = tx
        .fetch_optional(
            "SELECT hash FROM access_log ORDER BY id DESC LIMIT 1",
            args![],
        )
        .await?;
    let prev_hash = last.map_or_else(|| GENESIS.to_string(), |l| l.hash);
    // Stored to the microsecond, so the hash reads back the same on both databases.
    let at = tx.now.with_timezone(&Utc);
    let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    let hash = row_hash(&prev_hash, at, access);
    tx.execute(
        "INSERT INTO access_log (at, account, role, student_id, what, address, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            at,
            access.account.to_string(),
            access.role.to_string(),
            access.student_id.to_string(),
            access.what.to_string(),
            access.address.to_string(),
            prev_hash,
            hash.clone()
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO access_log_head (id, hash) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET hash = excluded.hash",
        args![hash],
    )
    .await?;
    Ok(())
}

/// Which rows `audit list` shows.
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    pub student_id: Option<String>,
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

pub async fn list(tx: &mut Tx, filter: &AccessFilter) -> StoreResult<Vec<AccessRow>> {
    tx.fetch_all(
        "SELECT id, at, account, role, student_id, what, address, prev_hash, hash FROM access_log
         WHERE ($1 IS NULL OR student_id = $1) AND ($2 IS NULL OR account = $2)
           AND ($3 IS NULL OR at >= $3)
         ORDER BY id",
        args![
            filter.student_id.clone(),
            filter.account.clone(),
            filter.since
        ],
    )
    .await
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Every row is as written and none is missing.
    Intact { rows: usize },
    /// This row's fields no longer match its hash.
    Altered { id: i64 },
    /// The row before this one was removed (its hash is not the one this row carries).
    RemovedBefore { id: i64 },
    /// The last rows were removed: the last one left is not the last one written.
    RemovedAfter { id: Option<i64> },
}

/// Walks the chain from its first kept row.
pub async fn verify(tx: &mut Tx) -> StoreResult<Verdict> {
    let rows = list(tx, &AccessFilter::default()).await?;
    let mut previous: Option<&AccessRow> = None;
    for row in &rows {
        if let Some(before) = previous
            && row.prev_hash != before.hash
        {
            return Ok(Verdict::RemovedBefore { id: row.id });
        }
        let access = Access {
            account: &row.account,
            role: &row.role,
            student_id: &row.student_id,
            what: &row.what,
            address: &row.address,
        };
        if row_hash(&row.prev_hash, row.at, &access) != row.hash {
            return Ok(Verdict::Altered { id: row.id });
        }
        previous = Some(row);
    }
    #[derive(sqlx::FromRow)]
    struct Head {
        hash: String,
    }
    let head: Option<Head> = tx
        .fetch_optional("SELECT hash FROM access_log_head WHERE id = 1", args![])
        .await?;
    if head.map(|h| h.hash) != previous.map(|row| row.hash.clone()) {
        return Ok(Verdict::RemovedAfter {
            id: previous.map(|row| row.id),
        });
    }
    Ok(Verdict::Intact { rows: rows.len() })
}

/// Removes the rows older than `before` (kept `[security] access_log_days`); the
/// first row kept starts the chain.
pub async fn prune(tx: &mut Tx, before: DateTime<Utc>) -> StoreResult<u64> {
    tx.lock("access_log").await?;
    let removed = tx
        .execute("DELETE FROM access_log WHERE at < $1", args![before])
        .await?;
    // Nothing left: the chain starts again from its beginning.
    tx.execute(
        "DELETE FROM access_log_head WHERE NOT EXISTS (SELECT 1 FROM access_log)",
        args![],
    )
    .await?;
    Ok(removed)
}
