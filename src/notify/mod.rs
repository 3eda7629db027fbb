//! Email: messages queued in the outbox are built with lettre and delivered by a
//! transport. The embedded default writes each message as an `.eml` file, so that
//! everything works with no mail server.

pub mod ics;
pub mod mail;
pub mod schedule;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

use crate::config::{MailTransport, Settings, SmtpSecurity};
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
    let attachments = row
        .attachments()
        .map_err(|e| anyhow::anyhow!("message {}: its attachments cannot be read: {e}", row.id))?;
    for attachment in attachments {
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
#[derive(Clone)]
pub enum Transport {
    /// Each message as `<outbox id>.eml` in a folder.
    Folder(PathBuf),
    /// An SMTP server; every exchange bounded by `timeout` of its own (lettre's
    /// timeout only bounds each read and write).
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        timeout: std::time::Duration,
        server: String,
    },
}

/// What to change when the SMTP server refuses us, in words an operator can act on.
fn smtp_advice(error: &lettre::transport::smtp::Error, server: &str) -> String {
    let text = error.to_string().to_lowercase();
    // rustls reports a plain-text server answering a TLS hello as a corrupt message.
    let tls = error.is_tls()
        || ["tls", "certificate", "handshake", "corrupt message"]
            .iter()
            .any(|word| text.contains(word));
    let advice = if tls {
        " (TLS failed: set smtp.security to \"starttls\" for port 587, \"tls\" for port 465, or \"none\" for a local relay)"
    } else if error
        .status()
        .is_some_and(|code| code.to_string().starts_with("535"))
    {
        " (the server refused the login: check smtp.username and the password, SONGJIAO_SMTP_PASSWORD)"
    } else if error.is_timeout() {
        " (no answer in time: check smtp.host and smtp.port, or raise smtp.timeout_seconds)"
    } else {
        ""
    };
    format!("SMTP {server}: {error}{advice}")
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match settings.mail.transport {
            MailTransport::File => Ok(Transport::Folder(settings.mail.dir.clone())),
            MailTransport::Smtp => {
                let smtp = &settings.smtp;
                let builder = match smtp.security {
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                    }
                    SmtpSecurity::None => Ok(
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
                    ),
                }
                .map_err(|e| anyhow::anyhow!("smtp.host `{}`: {e}", smtp.host))?;
                let timeout = std::time::Duration::from_secs(smtp.timeout_seconds.max(1));
                let mut builder = builder.port(smtp.port).timeout(Some(timeout));
                if !smtp.username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        smtp.username.clone(),
                        smtp.password.expose().to_string(),
                    ));
                }
                Ok(Transport::Smtp {
                    transport: builder.build(),
                    timeout,
                    server: format!("{}:{}", smtp.host, smtp.port),
                })
            }
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
            Transport::Smtp {
                transport,
                timeout,
                server,
            } => match tokio::time::timeout(*timeout, transport.send(message.clone())).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(error)) => Err(smtp_advice(&error, server)),
                Err(_) => Err(format!(
                    "SMTP {server}: no answer within {} s (check smtp.host and smtp.port, or raise smtp.timeout_seconds)",
                    timeout.as_secs()
                )),
            },
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
        // Sent a few at a time: each SMTP exchange waits on the network, not on us.
        for chunk in batch.chunks(SENDING_AT_ONCE) {
            let mut sending = tokio::task::JoinSet::new();
            for (index, row) in chunk.iter().enumerate() {
                let built = build_message(row, &settings.mail.from, now);
                let (transport, row) = (transport.clone(), row.clone());
                sending.spawn(async move {
                    let result = match built {
                        Ok(message) => transport.send(&row, &message).await,
                        Err(e) => Err(e.to_string()),
                    };
                    (index, result)
                });
            }
            let mut results = vec![Err("not sent".to_string()); chunk.len()];
            while let Some(joined) = sending.join_next().await {
                let (index, result) = joined?;
                results[index] = result;
            }
            let mut tx = store.write(actor, now).await?;
            for (row, result) in chunk.iter().zip(results) {
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
                            outbox::enqueue(&mut tx, dead_letter_notices(settings, row, &error))
                                .await?;
                        }
                    }
                }
            }
            tx.commit().await?;
        }
    }
}

/// How many messages are in flight at once.
const SENDING_AT_ONCE: usize = 16;

/// Tells the operators (config `mail.operators`) that a message was given up; never
/// about their own notices, which would loop.
fn dead_letter_notices(
    settings: &Settings,
    row: &OutboxRow,
    error: &str,
) -> Vec<outbox::NewMessage> {
    if row.kind == "operator" {
        return Vec::new();
    }
    let mail = mail::UndeliverableMail {
        id: row.id,
        attempts: row.attempts,
        kind: &row.kind,
        recipient: &row.recipient,
        subject: &row.subject,
        error,
        link: &settings.web.public_url,
    }
    .render(settings.locale);
    settings
        .mail
        .operators
        .iter()
        .map(|operator| outbox::NewMessage {
            idempotency_key: format!("dead:{}:{operator}", row.id),
            kind: "operator",
            recipient: operator.clone(),
            subject: mail.subject.clone(),
            body_text: mail.text.clone(),
            body_html: None,
            attachments: Vec::new(),
        })
        .collect()
}
