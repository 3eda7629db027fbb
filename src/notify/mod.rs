//! Email: messages queued in the outbox are built with lettre and delivered by a
//! transport. The embedded default writes each message as an `.eml` file, so that
//! everything works with no mail server.

pub mod ics;
pub mod schedule;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use serde::Serialize;

use crate::config::{MailTransport, Settings};
use crate::store::outbox::{self, OutboxRow};
use crate::store::{Actor, Store};

/// The email a queued row describes, dated `now` (time is a parameter).
pub fn build_message(row: &OutboxRow, from: &str, now: DateTime<Utc>) -> anyhow::Result<Message> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| anyhow::anyhow!("mail.from `{from}` is not an address: {e}"))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| anyhow::anyhow!("`{}` is not an address: {e}", row.recipient))?;
    let text = SinglePart::plain(row.body_text.clone());
    let body = match &row.body_html {
        Some(html) => MultiPart::alternative()
            .singlepart(text)
            .singlepart(SinglePart::html(html.clone())),
        None => MultiPart::mixed().singlepart(text),
    };
    let mut mixed = MultiPart::mixed().multipart(body);
    for attachment in row.attachments() {
        let content_type = ContentType::parse(&attachment.content_type)
            .map_err(|e| anyhow::anyhow!("content type `{}`: {e}", attachment.content_type))?;
        mixed = mixed.singlepart(
            Attachment::new(attachment.name.clone()).body(attachment.body.clone(), content_type),
        );
    }
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date(std::time::SystemTime::from(now))
        .multipart(mixed)?)
}

/// Where messages go.
pub enum Transport {
    /// Each message as `<outbox id>.eml` in a folder.
    Folder(PathBuf),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match settings.mail.transport {
            MailTransport::File => Ok(Transport::Folder(settings.mail.dir.clone())),
            MailTransport::Smtp => anyhow::bail!(
                "mail.transport = \"smtp\" is not available in this version yet: set mail.transport = \"file\""
            ),
        }
    }

    /// Delivers one message; the error says what went wrong, for the retry log.
    pub async fn send(&self, row: &OutboxRow, message: &Message) -> Result<(), String> {
        match self {
            Transport::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let path = dir.join(format!("{:06}-{}.eml", row.id, row.kind));
                // Written whole under a temporary name, then renamed: a reader never
                // sees half a message, and a repeat replaces rather than adds.
                let partial = path.with_extension("eml.partial");
                std::fs::write(&partial, message.formatted())
                    .and_then(|()| std::fs::rename(&partial, &path))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            }
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct DrainReport {
    pub sent: usize,
    pub retrying: usize,
    pub dead: usize,
}

/// Sends every message due at `now`, a batch at a time: claims rows (committed, so
/// no other sender takes them), sends each, records the result.
pub async fn drain(
    store: &Store,
    settings: &Settings,
    transport: &Transport,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<DrainReport> {
    let mut report = DrainReport::default();
    loop {
        let mut tx = store.write(actor, now).await?;
        let batch = outbox::claim(&mut tx, now, 100).await?;
        tx.commit().await?;
        if batch.is_empty() {
            return Ok(report);
        }
        for row in batch {
            let result = match build_message(&row, &settings.mail.from, now) {
                Ok(message) => transport.send(&row, &message).await,
                Err(e) => Err(e.to_string()),
            };
            let mut tx = store.write(actor, now).await?;
            match result {
                Ok(()) => {
                    outbox::mark_sent(&mut tx, row.id, now).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(id = row.id, recipient = %row.recipient, %error, "sending failed");
                    let retry_at = outbox::next_attempt(row.created_at, row.attempts, now);
                    outbox::mark_failed(&mut tx, row.id, &error, retry_at).await?;
                    if retry_at.is_some() {
                        report.retrying += 1;
                    } else {
                        report.dead += 1;
                    }
                }
            }
            tx.commit().await?;
        }
    }
}
