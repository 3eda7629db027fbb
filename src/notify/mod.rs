//! Messages queued in the outbox, delivered. Email is built with lettre and
//! delivered by a transport; the embedded default writes each message as an
//! `.eml` file, so that everything works with no mail server. Group robots
//! (DingTalk, WeCom) are posted to over HTTPS (`robot`), at their pace.

pub mod group;
pub mod ics;
pub mod mail;
pub mod robot;
pub mod schedule;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

use crate::config::{MailTransport, Settings, SmtpSecurity};
use crate::store::outbox::{self, Channel, OutboxRow};
use crate::store::{Actor, Store};
use robot::{Directory, Posted, Poster};

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
                crate::private_file::write(&partial, &message.formatted())
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

/// What became of one message.
enum Outcome {
    Sent,
    /// A robot's platform said "too fast": due again at this time, the try not counted.
    HeldBack(DateTime<Utc>, String),
    Failed(String),
}

/// Sends every message due at `now`, a batch at a time: claims rows (committed, so
/// no other sender takes them), sends each, records each result as it comes.
pub async fn drain(
    store: &Store,
    settings: &Settings,
    transport: &Transport,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<DrainReport> {
    let mut report = DrainReport::default();
    let mut robots: Option<Arc<(Poster, Directory)>> = None;
    let keys = crate::sealed::Keys::of(settings).map_err(|e| anyhow::anyhow!(e))?;
    loop {
        let mut tx = store.write(actor, now).await?;
        let mut batch = outbox::claim(&mut tx, now, 100).await?;
        // A password link's secret waits sealed in the outbox: opened here, in
        // memory, for the email as it is sent.
        for row in batch.iter_mut().filter(|row| row.kind == "account") {
            row.body_text = match keys.open_password_links(&row.body_text) {
                Ok(text) => text,
                // Sealed under a key no longer configured: the email goes without
                // a usable link (its reader asks for a new one), and operators see why.
                Err(error) => {
                    tracing::error!(%error, id = row.id, "a password link cannot be opened");
                    outbox::without_password_links(&row.body_text)
                }
            };
        }
        if robots.is_none() && batch.iter().any(|row| row.channel != "email") {
            // Looked up when sending, so a corrected webhook or secret applies
            // to what is still queued.
            let supervisors = crate::store::alerts::supervisors(&mut tx).await?;
            robots = Some(Arc::new((
                Poster::new(settings)?,
                Directory::new(&supervisors, settings),
            )));
        }
        tx.commit().await?;
        if batch.is_empty() {
            return Ok(report);
        }
        let (lanes, later) = lanes(batch, robots.as_deref());
        if !later.is_empty() {
            let mut tx = store.write(actor, now).await?;
            for row in &later {
                outbox::release(&mut tx, row.id).await?;
            }
            tx.commit().await?;
        }
        let (done, mut results) = tokio::sync::mpsc::unbounded_channel();
        let mut sending = tokio::task::JoinSet::new();
        let in_flight = Arc::new(tokio::sync::Semaphore::new(SENDING_AT_ONCE));
        for lane in lanes {
            let (done, in_flight, transport) = (done.clone(), in_flight.clone(), transport.clone());
            let (robots, from) = (robots.clone(), settings.mail.from.clone());
            sending.spawn(async move {
                let mut held_back: Option<(DateTime<Utc>, String)> = None;
                for row in lane {
                    let outcome = match &held_back {
                        Some((at, note)) => Outcome::HeldBack(*at, note.clone()),
                        None => {
                            send(&row, &transport, robots.as_deref(), &from, &in_flight, now).await
                        }
                    };
                    if let Outcome::HeldBack(at, note) = &outcome {
                        held_back = Some((*at, note.clone()));
                    }
                    // The receiver lives until every lane has finished.
                    let _ = done.send((row, outcome));
                }
            });
        }
        drop(done);
        while let Some(first) = results.recv().await {
            let mut finished = vec![first];
            while let Ok(more) = results.try_recv() {
                finished.push(more);
            }
            record(store, settings, actor, now, finished, &mut report).await?;
        }
        while let Some(joined) = sending.join_next().await {
            joined?;
        }
    }
}

/// The batch in lanes sent side by side: each email alone; a robot's messages
/// in one lane, in order, at the platforms' pace. A robot's lane holds what it
/// can send well within a claim (`outbox::CLAIM_FOR`); the rest is given back
/// for the next batch, so that no other sender takes over a claim still waiting.
fn lanes(
    batch: Vec<OutboxRow>,
    robots: Option<&(Poster, Directory)>,
) -> (Vec<Vec<OutboxRow>>, Vec<OutboxRow>) {
    let mut by_webhook: BTreeMap<String, Vec<OutboxRow>> = BTreeMap::new();
    let mut lanes = Vec::new();
    for row in batch {
        let robot =
            Channel::parse(&row.channel).and_then(|channel| robots?.1.get(channel, &row.recipient));
        match robot {
            Some(robot) => by_webhook
                .entry(robot.webhook.clone())
                .or_default()
                .push(row),
            None => lanes.push(vec![row]),
        }
    }
    let mut later = Vec::new();
    for mut lane in by_webhook.into_values() {
        if lane.len() > ROBOT_LANE {
            later.extend(lane.split_off(ROBOT_LANE));
        }
        lanes.push(lane);
    }
    (lanes, later)
}

/// Three minutes of a robot's pace: well within the five minutes of a claim.
const ROBOT_LANE: usize = 3 * robot::MESSAGES_PER_MINUTE;

async fn send(
    row: &OutboxRow,
    transport: &Transport,
    robots: Option<&(Poster, Directory)>,
    from: &str,
    in_flight: &tokio::sync::Semaphore,
    now: DateTime<Utc>,
) -> Outcome {
    let channel = Channel::parse(&row.channel);
    if channel == Some(Channel::Email) {
        let _permit = in_flight.acquire().await;
        let sent = match build_message(row, from, now) {
            Ok(message) => transport.send(row, &message).await,
            Err(e) => Err(e.to_string()),
        };
        return sent.map_or_else(Outcome::Failed, |()| Outcome::Sent);
    }
    let Some(robot) = channel.and_then(|c| robots?.1.get(c, &row.recipient)) else {
        return Outcome::Failed(format!(
            "no {} robot is set for {} any more (supervisor add, or [[notify.group]] in the config)",
            row.channel, row.recipient
        ));
    };
    let Some((poster, _)) = robots else {
        unreachable!("a robot was found, so the robots were loaded");
    };
    let _turn = robot::wait_for_turn(&robot.webhook).await;
    let _permit = in_flight.acquire().await;
    // DingTalk checks the signature's time against its own clock, so this one
    // is the real time, whatever time the drain is run as.
    let posted_at = Utc::now().timestamp_millis();
    match poster
        .post(robot, &row.subject, &row.body_text, posted_at)
        .await
    {
        Posted::Sent => Outcome::Sent,
        Posted::TooFast(wait, note) => Outcome::HeldBack(now + wait, note),
        Posted::Failed(error) => Outcome::Failed(error),
    }
}

/// Writes what became of finished messages in one transaction.
async fn record(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    finished: Vec<(OutboxRow, Outcome)>,
    report: &mut DrainReport,
) -> anyhow::Result<()> {
    let mut tx = store.write(actor, now).await?;
    for (row, outcome) in finished {
        match outcome {
            Outcome::Sent => {
                outbox::mark_sent(&mut tx, row.id, now).await?;
                report.sent += 1;
            }
            Outcome::HeldBack(at, note) => {
                tracing::info!(id = row.id, recipient = %row.recipient, %note, "held back by the platform");
                outbox::postpone(&mut tx, row.id, at, &note).await?;
                report.retrying += 1;
            }
            Outcome::Failed(error) => {
                tracing::warn!(id = row.id, recipient = %row.recipient, %error, "sending failed");
                let retry_at = outbox::next_attempt(row.created_at, row.attempts, now);
                outbox::mark_failed(&mut tx, row.id, &error, retry_at).await?;
                if retry_at.is_some() {
                    report.retrying += 1;
                } else {
                    report.dead += 1;
                    outbox::enqueue(&mut tx, dead_letter_notices(settings, &row, &error)).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
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
            channel: crate::store::outbox::Channel::Email,
            recipient: operator.clone(),
            subject: mail.subject.clone(),
            body_text: mail.text.clone(),
            body_html: None,
            attachments: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, channel: &str, recipient: &str) -> OutboxRow {
        let now: DateTime<Utc> = "2026-11-30T01:00:00Z".parse().expect("a time");
        OutboxRow {
            id,
            idempotency_key: format!("k{id}"),
            message_id: format!("<k{id}@songjiao>"),
            kind: "alert".into(),
            channel: channel.into(),
            recipient: recipient.into(),
            subject: "送教进度预警".into(),
            body_text: "…".into(),
            body_html: None,
            attachments: "[]".into(),
            status: "sending".into(),
            attempts: 1,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }

    #[test]
    fn a_robots_lane_holds_three_minutes_of_its_pace_and_emails_go_alone() {
        let mut settings = Settings::defaults();
        settings.notify.group.push(crate::config::GroupRobot {
            school: None,
            dingtalk_webhook: None,
            secret: Default::default(),
            keyword: None,
            wecom_webhook: Some("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k".into()),
        });
        let robots = (
            Poster::new(&settings).expect("a client"),
            Directory::new(&[], &settings),
        );
        let mut batch: Vec<OutboxRow> = (1..=60).map(|id| row(id, "wecom", "group:*")).collect();
        batch.push(row(61, "email", "a@example.org"));
        batch.push(row(62, "wecom", "group:nobody"));
        let (lanes, later) = lanes(batch, Some(&robots));
        let sizes: Vec<usize> = lanes.iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 1, ROBOT_LANE], "{sizes:?}");
        let robot_lane: Vec<i64> = lanes[2].iter().map(|r| r.id).collect();
        assert_eq!(robot_lane, (1..=57).collect::<Vec<_>>(), "in order");
        let later: Vec<i64> = later.iter().map(|r| r.id).collect();
        assert_eq!(later, [58, 59, 60]);
    }
}
