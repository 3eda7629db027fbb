//! Draining 1,000 queued messages (text, HTML and a calendar file each) to a local
//! SMTP server (Python's aiosmtpd, which must be installed: pip install aiosmtpd).
//! Run: `cargo bench --bench drain`. Target (issue 5): under 10 s.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::Utc;
use songjiao::config::{MailTransport, Settings, SmtpSecurity};
use songjiao::notify::{self, Transport};
use songjiao::store::outbox::{self, Attachment, Channel, NewMessage};
use songjiao::store::{Actor, Store};

const SERVER: &str = r#"
import sys, time
from aiosmtpd.controller import Controller
class Count:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        Count.received += 1
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
while True:
    time.sleep(1)
"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = Command::new("python3")
        .args(["-c", SERVER, &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut ready = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut ready)?;
    anyhow::ensure!(
        ready.trim() == "ready",
        "aiosmtpd did not start (pip install aiosmtpd)"
    );

    let dir = tempfile::tempdir()?;
    let mut settings = Settings::defaults();
    settings.database.url = format!("sqlite://{}", dir.path().join("bench.db").display());
    settings.mail.transport = MailTransport::Smtp;
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = port;
    settings.smtp.security = SmtpSecurity::None;
    let store = Store::open(&settings.database, true).await?;
    store.migrate().await?;
    let actor = Actor("bench".into());
    let now = Utc::now();
    let mut tx = store.write(&actor, now).await?;
    let calendar =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".repeat(20);
    let messages = (0..1_000)
        .map(|i| NewMessage {
            idempotency_key: format!("bench:{i}"),
            kind: "schedule",
            channel: Channel::Email,
            recipient: format!("teacher{i}@example.org"),
            subject: format!("2026-W49 送教安排（教师{i}）"),
            body_text:
                "王芳老师您好：\n本周送教：\n- 11月30日 周一 08:30–11:00 李小明，城关镇幸福路3号\n"
                    .repeat(5),
            body_html: Some("<html><body><p>本周送教</p></body></html>".into()),
            attachments: vec![Attachment {
                name: "visits.ics".into(),
                content_type: "text/calendar; method=REQUEST; charset=UTF-8".into(),
                body: calendar.clone(),
            }],
        })
        .collect();
    outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;

    let transport = Transport::from_settings(&settings)?;
    let started = Instant::now();
    let report = notify::drain(&store, &settings, &transport, &actor, now).await?;
    println!(
        "drain: {} sent, {} retrying, {} dead in {:.2} s (target: 1,000 in under 10 s)",
        report.sent,
        report.retrying,
        report.dead,
        started.elapsed().as_secs_f64()
    );
    server.kill()?;
    store.close().await;
    Ok(())
}
