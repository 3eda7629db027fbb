//! The access log: every read of a child's personal details, append-only and
//! chained under a key kept outside the database, so that a row altered or
//! removed afterwards, or the whole chain rewritten by whoever can write the
//! database, is found.
//!
//! Each row's hash is HMAC-SHA256, under a key derived from the secrets key
//! (`security.secrets_key` or its key file), over the previous row's hash and
//! the row's own fields. The head (the last row's place) and the start (where
//! the first row kept after pruning begins) are sealed with the same key, so
//! rows removed at either end are found. A log emptied altogether is found by
//! the anchors kept outside the database (each night's anchor line beside the
//! backups, the operators' weekly mail): see [`Anchor`].

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{KeyInit, Mac};
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

impl AccessRow {
    fn access(&self) -> Access<'_> {
        Access {
            account: &self.account,
            role: &self.role,
            student_id: &self.student_id,
            what: &self.what,
            address: &self.address,
        }
    }
}

/// The chain starts from this.
const GENESIS: &str = "songjiao-access-log";

/// The chain's key, and the one before a rotation of the secrets key (rows
/// written before `user rekey` re-chains them).
pub struct ChainKey {
    current: [u8; 32],
    previous: Option<[u8; 32]>,
}

impl ChainKey {
    pub fn new(current: [u8; 32], previous: Option<[u8; 32]>) -> Self {
        ChainKey { current, previous }
    }

    fn mac_with(key: &[u8; 32], parts: &[&str]) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
        for part in parts {
            // Length-prefixed, so that moving text between fields changes the hash.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex(&mac.finalize().into_bytes())
    }

    fn seal(&self, parts: &[&str]) -> String {
        Self::mac_with(&self.current, parts)
    }

    fn holds(&self, parts: &[&str], seal: &str) -> bool {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|key| Self::mac_with(key, parts) == seal)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn row_parts<'a>(prev_hash: &'a str, at: &'a str, access: &'a Access) -> [&'a str; 7] {
    [
        prev_hash,
        at,
        access.account,
        access.role,
        access.student_id,
        access.what,
        access.address,
    ]
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn row_hash(key: &ChainKey, prev_hash: &str, at: DateTime<Utc>, access: &Access) -> String {
    key.seal(&row_parts(prev_hash, &stamp(at), access))
}

fn row_holds(key: &ChainKey, row: &AccessRow) -> bool {
    key.holds(
        &row_parts(&row.prev_hash, &stamp(row.at), &row.access()),
        &row.hash,
    )
}

/// The hash rows had before the chain was keyed (plain SHA-256), read once when
/// a database of that version is upgraded.
fn unkeyed_row_hash(row: &AccessRow) -> String {
    let mut hasher = Sha256::new();
    for part in row_parts(&row.prev_hash, &stamp(row.at), &row.access()) {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

fn head_parts<'a>(last_id: &'a str, hash: &'a str) -> [&'a str; 3] {
    ["head", last_id, hash]
}

fn start_parts(prev_hash: &str) -> [&str; 2] {
    ["start", prev_hash]
}

/// The last row's place, sealed, and where the chain may begin after pruning.
#[derive(Debug, sqlx::FromRow)]
struct Head {
    hash: String,
    last_id: Option<i64>,
    head_seal: Option<String>,
    start_seal: Option<String>,
}

async fn head(tx: &mut Tx) -> StoreResult<Option<Head>> {
    tx.fetch_optional(
        "SELECT hash, last_id, head_seal, start_seal FROM access_log_head WHERE id = 1",
        args![],
    )
    .await
}

async fn write_head(tx: &mut Tx, key: &ChainKey, last_id: i64, hash: &str) -> StoreResult<()> {
    let seal = key.seal(&head_parts(&last_id.to_string(), hash));
    tx.execute(
        "INSERT INTO access_log_head (id, hash, last_id, head_seal) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, last_id = excluded.last_id,
             head_seal = excluded.head_seal",
        args![hash.to_string(), last_id, seal],
    )
    .await?;
    Ok(())
}

async fn write_start(tx: &mut Tx, key: &ChainKey, prev_hash: &str) -> StoreResult<()> {
    let seal = (prev_hash != GENESIS).then(|| key.seal(&start_parts(prev_hash)));
    tx.execute(
        "UPDATE access_log_head SET start_seal = $1 WHERE id = 1",
        args![seal],
    )
    .await?;
    Ok(())
}

/// Appends a row after the last one; writers take turns (a lock on PostgreSQL,
/// the write transaction on SQLite) so the chain never forks.
pub async fn append(tx: &mut Tx, key: &ChainKey, access: &Access<'_>) -> StoreResult<()> {
    #[derive(sqlx::FromRow)]
    struct Inserted {
        id: i64,
    }
    tx.lock("access_log").await?;
    // After pruning removed every row, the chain goes on from the last removed.
    let prev_hash = head(tx)
        .await?
        .map_or_else(|| GENESIS.to_string(), |h| h.hash);
    // Stored to the microsecond, so the hash reads back the same on both databases.
    let at = tx.now.with_timezone(&Utc);
    let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    let hash = row_hash(key, &prev_hash, at, access);
    let inserted: Inserted = tx
        .fetch_one(
            "INSERT INTO access_log (at, account, role, student_id, what, address, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
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
    write_head(tx, key, inserted.id, &hash).await
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

/// The chain's end as it stood at a moment, kept outside the database (a line
/// beside each night's backup, the operators' weekly mail): the row it names
/// must still be there, as it was, until pruning may have removed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub at: DateTime<Utc>,
    /// Rows in the log then.
    pub rows: i64,
    /// The last row's id then (0: none yet).
    pub last_id: i64,
    pub hash: String,
}

impl Anchor {
    /// As a line of the anchors file: `2026-12-07T02:00:00Z rows=120 last=456 head=…`.
    pub fn line(&self) -> String {
        format!(
            "{} rows={} last={} head={}",
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            self.rows,
            self.last_id,
            self.hash
        )
    }

    /// A line written by [`Anchor::line`].
    pub fn parse(line: &str) -> Option<Anchor> {
        let mut words = line.split_whitespace();
        let at = DateTime::parse_from_rfc3339(words.next()?).ok()?.to_utc();
        let mut value = |name: &str| {
            words
                .next()
                .and_then(|w| w.strip_prefix(name))
                .map(str::to_string)
        };
        let rows = value("rows=")?.parse().ok()?;
        let last_id = value("last=")?.parse().ok()?;
        let hash = value("head=")?;
        Some(Anchor {
            at,
            rows,
            last_id,
            hash,
        })
    }
}

/// The log's end now, to keep outside the database.
pub async fn anchor(tx: &mut Tx, at: DateTime<Utc>) -> StoreResult<Anchor> {
    #[derive(sqlx::FromRow)]
    struct Count {
        rows: i64,
    }
    let count: Count = tx
        .fetch_one("SELECT COUNT(*) AS rows FROM access_log", args![])
        .await?;
    let head = head(tx).await?;
    Ok(Anchor {
        at,
        rows: count.rows,
        last_id: head.as_ref().and_then(|h| h.last_id).unwrap_or(0),
        hash: head.map_or_else(|| GENESIS.to_string(), |h| h.hash),
    })
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Every row is as written and none is missing.
    Intact { rows: usize },
    /// This row's fields no longer match its hash (or it was not written under the key).
    Altered { id: i64 },
    /// The row or rows before this one were removed.
    RemovedBefore { id: i64 },
    /// The last rows were removed: the last one left is not the last one written
    /// (none left: every row was removed).
    RemovedAfter { id: Option<i64> },
    /// The row an anchor kept outside the database names, written at `anchored`
    /// and too recent for pruning, is gone or no longer as it was.
    AnchorBroken { id: i64, anchored: DateTime<Utc> },
}

/// Walks the chain from its first kept row, then checks it against the anchors
/// kept outside the database; an anchor's row may be missing only if it is older
/// than `prunable_before` (pruning removed it).
pub async fn verify(
    tx: &mut Tx,
    key: &ChainKey,
    anchors: &[Anchor],
    prunable_before: DateTime<Utc>,
) -> StoreResult<Verdict> {
    let rows = list(tx, &AccessFilter::default()).await?;
    let head = head(tx).await?;
    if let Some(verdict) = broken_link(key, &rows, head.as_ref()) {
        return Ok(verdict);
    }
    for anchor in anchors.iter().filter(|a| a.last_id > 0) {
        let kept = rows.iter().find(|row| row.id == anchor.last_id);
        let intact = match kept {
            Some(row) => row.hash == anchor.hash,
            None => anchor.at < prunable_before,
        };
        if !intact {
            return Ok(Verdict::AnchorBroken {
                id: anchor.last_id,
                anchored: anchor.at,
            });
        }
    }
    Ok(Verdict::Intact { rows: rows.len() })
}

/// The first place the chain in the database does not hold, if any.
fn broken_link(key: &ChainKey, rows: &[AccessRow], head: Option<&Head>) -> Option<Verdict> {
    let start_seal = head.and_then(|h| h.start_seal.as_deref());
    if let Some(first) = rows.first() {
        let starts_right = first.prev_hash == GENESIS
            || start_seal.is_some_and(|seal| key.holds(&start_parts(&first.prev_hash), seal));
        if !starts_right {
            return Some(Verdict::RemovedBefore { id: first.id });
        }
    }
    let mut previous: Option<&AccessRow> = None;
    for row in rows {
        if let Some(before) = previous
            && row.prev_hash != before.hash
        {
            return Some(Verdict::RemovedBefore { id: row.id });
        }
        if !row_holds(key, row) {
            return Some(Verdict::Altered { id: row.id });
        }
        previous = Some(row);
    }
    let last = rows.last();
    let head_holds = |h: &Head| {
        let sealed = h
            .head_seal
            .as_deref()
            .zip(h.last_id)
            .is_some_and(|(seal, id)| key.holds(&head_parts(&id.to_string(), &h.hash), seal));
        sealed
            && match last {
                Some(row) => h.last_id == Some(row.id) && h.hash == row.hash,
                // Emptied by pruning: the chain would go on from the last removed.
                None => start_seal.is_some_and(|seal| key.holds(&start_parts(&h.hash), seal)),
            }
    };
    match head {
        None if last.is_none() => None,
        Some(h) if head_holds(h) => None,
        _ => Some(Verdict::RemovedAfter {
            id: last.map(|row| row.id),
        }),
    }
}

/// Writes every row's hash again under the current key, after checking the chain
/// holds under the keys it was written with (`unkeyed`: plain SHA-256, as before
/// the chain was keyed); a chain that does not hold is left as it is and its
/// verdict answered.
pub async fn rechain(tx: &mut Tx, key: &ChainKey, unkeyed: bool) -> StoreResult<Verdict> {
    tx.lock("access_log").await?;
    let rows = list(tx, &AccessFilter::default()).await?;
    let head = head(tx).await?;
    let broken = if unkeyed {
        broken_unkeyed_link(&rows, head.as_ref())
    } else {
        broken_link(key, &rows, head.as_ref())
    };
    if let Some(verdict) = broken {
        return Ok(verdict);
    }
    let Some(first) = rows.first() else {
        if let Some(h) = head {
            let last_id = h.last_id.unwrap_or(0);
            write_head(tx, key, last_id, &h.hash).await?;
            write_start(tx, key, &h.hash).await?;
        }
        return Ok(Verdict::Intact { rows: 0 });
    };
    let mut prev_hash = first.prev_hash.clone();
    for row in &rows {
        let hash = row_hash(key, &prev_hash, row.at, &row.access());
        tx.execute(
            "UPDATE access_log SET prev_hash = $1, hash = $2 WHERE id = $3",
            args![prev_hash.clone(), hash.clone(), row.id],
        )
        .await?;
        prev_hash = hash;
    }
    let last_id = rows.last().map_or(first.id, |row| row.id);
    write_head(tx, key, last_id, &prev_hash).await?;
    write_start(tx, key, &first.prev_hash).await?;
    Ok(Verdict::Intact { rows: rows.len() })
}

/// The unkeyed chain's first break (its start could not be sealed then).
fn broken_unkeyed_link(rows: &[AccessRow], head: Option<&Head>) -> Option<Verdict> {
    let mut previous: Option<&AccessRow> = None;
    for row in rows {
        if let Some(before) = previous
            && row.prev_hash != before.hash
        {
            return Some(Verdict::RemovedBefore { id: row.id });
        }
        if unkeyed_row_hash(row) != row.hash {
            return Some(Verdict::Altered { id: row.id });
        }
        previous = Some(row);
    }
    match (rows.last(), head) {
        (Some(last), Some(h)) if h.hash != last.hash => {
            Some(Verdict::RemovedAfter { id: Some(last.id) })
        }
        (Some(last), None) => Some(Verdict::RemovedAfter { id: Some(last.id) }),
        _ => None,
    }
}

/// Removes the rows older than `before` (kept `[security] access_log_days`); the
/// first row kept starts the chain, its start sealed.
pub async fn prune(tx: &mut Tx, key: &ChainKey, before: DateTime<Utc>) -> StoreResult<u64> {
    #[derive(sqlx::FromRow)]
    struct First {
        prev_hash: String,
    }
    tx.lock("access_log").await?;
    let removed = tx
        .execute("DELETE FROM access_log WHERE at < $1", args![before])
        .await?;
    if removed == 0 {
        return Ok(0);
    }
    let first: Option<First> = tx
        .fetch_optional(
            "SELECT prev_hash FROM access_log ORDER BY id LIMIT 1",
            args![],
        )
        .await?;
    // None left: the next row goes on from the last removed, the head.
    let start = match first {
        Some(first) => first.prev_hash,
        None => head(tx)
            .await?
            .map_or_else(|| GENESIS.to_string(), |h| h.hash),
    };
    write_start(tx, key, &start).await?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_reads_back_as_written() {
        let anchor = Anchor {
            at: DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
            rows: 120,
            last_id: 456,
            hash: "ab".repeat(32),
        };
        assert_eq!(Anchor::parse(&anchor.line()), Some(anchor));
        assert_eq!(
            Anchor::parse("2026-12-07T02:00:00Z rows=x last=1 head=a"),
            None
        );
    }
}
