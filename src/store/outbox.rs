//! The outbox: emails and group-robot messages written in the transaction of the
//! change that causes them, claimed and sent by a drain, retried with backoff.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{StoreResult, Tx};
use crate::args;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    /// e.g. `text/calendar; method=REQUEST; charset=UTF-8`
    pub content_type: String,
    pub body: String,
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    /// A DingTalk custom robot (钉钉自定义机器人) posting into a group chat.
    #[serde(rename = "dingtalk")]
    DingTalk,
    /// A WeCom group robot (企业微信群机器人).
    #[serde(rename = "wecom")]
    WeCom,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::DingTalk => "dingtalk",
            Channel::WeCom => "wecom",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Channel::Email, Channel::DingTalk, Channel::WeCom]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// A message to queue. The idempotency key names what caused it: queueing the same
/// key again does nothing.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub idempotency_key: String,
    pub kind: &'static str,
    pub channel: Channel,
    /// An email address; for a robot, who owns it (`supervisor:<email>`,
    /// `group:<school>`, `group:*`): its webhook is looked up when sending.
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub message_id: String,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl OutboxRow {
    /// The attachments as queued; unreadable ones fail the send (and are
    /// retried, then given up with the operators told), never dropped silently.
    pub fn attachments(&self) -> serde_json::Result<Vec<Attachment>> {
        serde_json::from_str(&self.attachments)
    }
}

const COLUMNS: &str =
    "id, idempotency_key, message_id, kind, channel, recipient, subject, body_text, body_html,
    attachments, status, attempts, next_attempt_at, last_error, created_at, sent_at";

/// A Message-ID that stays the same however often the message is tried, so that a
/// mail server or client can recognise a repeat.
fn message_id(key: &str) -> String {
    let local: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<{local}@songjiao>")
}

/// Group-robot messages apart from emails, for counting each.
pub fn by_channel(messages: Vec<NewMessage>) -> (Vec<NewMessage>, Vec<NewMessage>) {
    messages
        .into_iter()
        .partition(|m| m.channel != Channel::Email)
}

/// Queues messages in the caller's transaction; returns how many were new.
pub async fn enqueue(tx: &mut Tx, messages: Vec<NewMessage>) -> StoreResult<usize> {
    let now = tx.now;
    let mut queued = 0;
    for m in messages {
        let attachments = serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".into());
        queued += tx
            .execute(
                "INSERT INTO outbox (idempotency_key, message_id, kind, recipient, subject, body_text,
                                     body_html, attachments, next_attempt_at, created_at, channel)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
                 ON CONFLICT (idempotency_key) DO NOTHING",
                args![
                    m.idempotency_key.as_str(),
                    message_id(&m.idempotency_key),
                    m.kind,
                    m.recipient,
                    m.subject,
                    m.body_text,
                    m.body_html,
                    attachments,
                    now,
                    m.channel.as_str()
                ],
            )
            .await? as usize;
    }
    Ok(queued)
}

/// How long a claimed message is held before another sender may take it over
/// (a sender that died while sending).
pub const CLAIM_FOR: Duration = Duration::minutes(5);

/// Claims up to `limit` messages due at `now`: no two senders get the same row.
pub async fn claim(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    let lock = if tx.is_postgres() {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_until = $2
         WHERE id IN (SELECT id FROM outbox
                      WHERE (status = 'queued' AND next_attempt_at <= $1)
                         OR (status = 'sending' AND claimed_until < $1)
                      ORDER BY id LIMIT $3 {lock})
         RETURNING {COLUMNS}"
    );
    let mut rows: Vec<OutboxRow> = tx
        .fetch_all(sqlx::AssertSqlSafe(sql), args![now, now + CLAIM_FOR, limit])
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

pub async fn mark_sent(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
    tx.execute(
        "UPDATE outbox SET status = 'sent', sent_at = $2, claimed_until = NULL, last_error = NULL
         WHERE id = $1",
        args![id, at],
    )
    .await?;
    // A link to set a password works for days: once it is sent, the outbox keeps
    // no usable copy of it.
    let body: Option<(String,)> = tx
        .fetch_optional(
            "SELECT body_text FROM outbox WHERE id = $1 AND kind = 'account'",
            args![id],
        )
        .await?;
    if let Some((body,)) = body {
        let kept = without_password_links(&body);
        if kept != body {
            tx.execute(
                "UPDATE outbox SET body_text = $2 WHERE id = $1",
                args![id, kept],
            )
            .await?;
        }
    }
    Ok(())
}

/// `body` with the secret of every `/password/SECRET` link replaced by `…`.
pub fn without_password_links(body: &str) -> String {
    const LINK: &str = "/password/";
    let mut kept = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(LINK) {
        let (before, after) = rest.split_at(at + LINK.len());
        kept.push_str(before);
        let secret = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')))
            .unwrap_or(after.len());
        if secret > 0 {
            kept.push('…');
        }
        rest = &after[secret..];
    }
    kept.push_str(rest);
    kept
}

/// A failed try: due again at `retry_at`, or dead when None.
pub async fn mark_failed(
    tx: &mut Tx,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    match retry_at {
        Some(at) => {
            tx.execute(
                "UPDATE outbox SET status = 'queued', next_attempt_at = $2, claimed_until = NULL,
                        last_error = $3 WHERE id = $1",
                args![id, at, error],
            )
            .await?
        }
        None => {
            tx.execute(
                "UPDATE outbox SET status = 'dead', claimed_until = NULL, last_error = $2
                 WHERE id = $1",
                args![id, error],
            )
            .await?
        }
    };
    Ok(())
}

/// A robot answered "too fast": due again at `at`, the try not counted, so that
/// however long a platform holds us back the message is never given up for it.
pub async fn postpone(tx: &mut Tx, id: i64, at: DateTime<Utc>, note: &str) -> StoreResult<()> {
    tx.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = $2, claimed_until = NULL,
                last_error = $3, attempts = attempts - 1
         WHERE id = $1",
        args![id, at, note],
    )
    .await?;
    Ok(())
}

/// Gives back a claimed message untried, for a later batch.
pub async fn release(tx: &mut Tx, id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE outbox SET status = 'queued', claimed_until = NULL, attempts = attempts - 1
         WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

/// Puts a message back in the queue now (after a dead letter was looked into).
pub async fn retry(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let now = tx.now;
    let changed = tx
        .execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = $2, claimed_until = NULL
             WHERE id = $1 AND status <> 'sent'",
            args![id, now],
        )
        .await?;
    Ok(changed > 0)
}

pub async fn list(tx: &mut Tx, status: Option<&str>) -> StoreResult<Vec<OutboxRow>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY id"
        )),
        args![status],
    )
    .await
}

/// A message that failed (and waits for its next try) or was given up: what a
/// page lists of it, never its body.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FailedMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn failed(tx: &mut Tx) -> StoreResult<Vec<FailedMessage>> {
    tx.fetch_all(
        "SELECT id, recipient, subject, status, attempts, last_error FROM outbox
         WHERE status = 'dead' OR (status <> 'sent' AND last_error IS NOT NULL)
         ORDER BY id DESC",
        args![],
    )
    .await
}

/// README, "Email": after a failure the next try waits 5 minutes, doubling each
/// time up to an hour; after 5 days the message is given up (None).
pub fn next_attempt(
    created_at: DateTime<Utc>,
    attempts: i64,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if now - created_at >= Duration::days(5) {
        return None;
    }
    let doublings = (attempts.max(1) - 1).min(4) as u32;
    let wait = Duration::minutes((5i64 << doublings).min(60));
    Some(now + wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_five_minutes_to_an_hour_then_give_up_after_five_days() {
        let created: DateTime<Utc> = "2026-11-27T07:00:00Z".parse().expect("a time");
        let waits: Vec<i64> = (1..=7)
            .map(|attempt| {
                (next_attempt(created, attempt, created).unwrap() - created).num_minutes()
            })
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60]);
        assert!(next_attempt(created, 50, created + Duration::days(5)).is_none());
    }

    #[test]
    fn a_message_id_is_stable_and_valid() {
        assert_eq!(
            message_id("schedule:2026-W49:T01:3"),
            "<schedule.2026-W49.T01.3@songjiao>"
        );
    }
}
