//! The files of a visit's record (the guardian's drawn signature, photos) and
//! the keys phones send with their records. Files live in the database, outside
//! any web root, and reach a browser only through a handler that checks who asks.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{StoreResult, Tx, audit};
use crate::args;

/// What a file of a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Signature,
    Photo,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Signature => "signature",
            FileKind::Photo => "photo",
        }
    }
}

/// A file as a page lists it (not its bytes).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VisitFile {
    pub id: i64,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// A file's bytes, to serve.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileBytes {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Keeps a file of a visit's record, with an audit row (its hash, not its bytes).
pub async fn add(
    tx: &mut Tx,
    visit_id: i64,
    kind: FileKind,
    content_type: &str,
    bytes: Vec<u8>,
    sha256: &str,
) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let size = bytes.len();
    let row: Id = tx
        .fetch_one(
            "INSERT INTO visit_files (visit_id, kind, content_type, bytes, sha256, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![visit_id, kind.code(), content_type, bytes, sha256, actor, now],
        )
        .await?;
    let detail = serde_json::json!({
        "visit": visit_id, "kind": kind.code(), "content_type": content_type,
        "bytes": size, "sha256": sha256,
    });
    audit::record(tx, "add", "visit_file", &row.id.to_string(), detail).await?;
    Ok(row.id)
}

/// Takes a file out of the record; it is kept, marked removed, for the audit.
pub async fn remove(tx: &mut Tx, visit_id: i64, file_id: i64) -> StoreResult<bool> {
    let now = tx.now;
    let changed = tx
        .execute(
            "UPDATE visit_files SET removed_at = $3
             WHERE id = $1 AND visit_id = $2 AND removed_at IS NULL",
            args![file_id, visit_id, now],
        )
        .await?;
    if changed > 0 {
        let detail = serde_json::json!({ "visit": visit_id });
        audit::record(tx, "remove", "visit_file", &file_id.to_string(), detail).await?;
    }
    Ok(changed > 0)
}

/// The files a visit's record holds now, oldest first.
pub async fn list(tx: &mut Tx, visit_id: i64) -> StoreResult<Vec<VisitFile>> {
    tx.fetch_all(
        "SELECT id, kind, content_type, CAST(LENGTH(bytes) AS BIGINT) AS size, created_at FROM visit_files
         WHERE visit_id = $1 AND removed_at IS NULL ORDER BY id",
        args![visit_id],
    )
    .await
}

/// The files the records of a plan's visits hold now, by visit.
pub async fn of_plan(
    tx: &mut Tx,
    plan_id: i64,
) -> StoreResult<std::collections::BTreeMap<i64, Vec<VisitFile>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        visit_id: i64,
        #[sqlx(flatten)]
        file: VisitFile,
    }
    let rows: Vec<Row> = tx
        .fetch_all(
            "SELECT f.visit_id, f.id, f.kind, f.content_type, CAST(LENGTH(f.bytes) AS BIGINT) AS size,
                    f.created_at
             FROM visit_files f JOIN visits v ON v.id = f.visit_id
             WHERE v.plan_id = $1 AND f.removed_at IS NULL ORDER BY f.id",
            args![plan_id],
        )
        .await?;
    let mut by_visit = std::collections::BTreeMap::<i64, Vec<VisitFile>>::new();
    for row in rows {
        by_visit.entry(row.visit_id).or_default().push(row.file);
    }
    Ok(by_visit)
}

/// A file of the visit's record, if it holds it now.
pub async fn bytes(tx: &mut Tx, visit_id: i64, file_id: i64) -> StoreResult<Option<FileBytes>> {
    tx.fetch_optional(
        "SELECT content_type, bytes FROM visit_files
         WHERE id = $1 AND visit_id = $2 AND removed_at IS NULL",
        args![file_id, visit_id],
    )
    .await
}

/// A record a phone sent before under this key: its visit and the version it made.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Submission {
    pub visit_id: i64,
    pub record_version: i64,
    /// A hash of what was sent (None: sent before hashes were kept).
    pub fingerprint: Option<String>,
}

pub async fn submission(tx: &mut Tx, key: &str) -> StoreResult<Option<Submission>> {
    tx.fetch_optional(
        "SELECT visit_id, record_version, fingerprint FROM record_submissions WHERE key = $1",
        args![key],
    )
    .await
}

/// Claims `key` for a record of `visit_id`; false when some request claimed it
/// before (then nothing is to be stored). Claiming first makes a concurrent
/// second request wait for the first and then see its claim.
pub async fn claim_submission(
    tx: &mut Tx,
    key: &str,
    visit_id: i64,
    fingerprint: &str,
) -> StoreResult<bool> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let claimed = tx
        .execute(
            "INSERT INTO record_submissions
                 (key, visit_id, record_version, created_by, created_at, fingerprint)
             VALUES ($1, $2, 0, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
            args![key, visit_id, actor, now, fingerprint],
        )
        .await?;
    Ok(claimed == 1)
}

/// The record version a claimed submission made.
pub async fn complete_submission(tx: &mut Tx, key: &str, record_version: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE record_submissions SET record_version = $2 WHERE key = $1",
        args![key, record_version],
    )
    .await?;
    Ok(())
}
