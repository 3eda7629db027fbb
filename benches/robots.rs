//! Draining 1,000 queued group-robot messages across 50 webhooks (25 DingTalk
//! robots that sign, 25 WeCom robots), each a local stand-in for its platform
//! that refuses a 21st message within a minute. Run: `cargo bench --bench robots`.
//! Target (issue 18): every message delivered within the platforms' pace, none
//! refused for speed; the wall time is what that pace costs (20 messages a
//! webhook at 19 a minute: a little over a minute).

#[path = "../tests/common/robots.rs"]
#[allow(dead_code)]
mod stand_in;

use std::time::Instant;

use chrono::Utc;
use songjiao::config::Settings;
use songjiao::notify::{self, Transport};
use songjiao::store::alerts::{self, Robots};
use songjiao::store::outbox::{self, Channel, NewMessage};
use songjiao::store::{Actor, Store};
use stand_in::{Kind, Platform};

const WEBHOOKS: usize = 50;
const MESSAGES: usize = 1_000;

fn main() -> anyhow::Result<()> {
    // Each stand-in runs its own runtime, so they are started outside ours.
    let platforms: Vec<_> = (0..WEBHOOKS)
        .map(|i| match i % 2 {
            0 => Platform::start(Kind::DingTalk, Some("SECbench"), None),
            _ => Platform::start(Kind::WeCom, None, None),
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(drain(&platforms))?;
    let received: usize = platforms.iter().map(|p| p.received().len()).sum();
    let refused: usize = platforms.iter().map(|p| p.refusals().len()).sum();
    let busiest = platforms
        .iter()
        .map(|p| p.busiest_minute())
        .max()
        .unwrap_or(0);
    println!(
        "robots: {received} of {MESSAGES} received by {WEBHOOKS} webhooks, {refused} refused; \
         at most {busiest} posts to one webhook within a minute (platforms allow 20)"
    );
    anyhow::ensure!(received == MESSAGES && refused == 0 && busiest <= 19);
    Ok(())
}

async fn drain(platforms: &[std::sync::Arc<Platform>]) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::defaults();
    settings.database.url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&settings.database, true).await?;
    store.migrate().await?;
    let actor = Actor("bench".into());
    let now = Utc::now();
    let mut tx = store.write(&actor, now).await?;
    let mut owners = Vec::new();
    for (i, platform) in platforms.iter().enumerate() {
        let robots = match platform.kind {
            Kind::DingTalk => Robots {
                dingtalk_webhook: Some(platform.webhook()),
                dingtalk_secret: Some("SECbench".into()),
                wecom_webhook: None,
            },
            Kind::WeCom => Robots {
                wecom_webhook: Some(platform.webhook()),
                ..Robots::default()
            },
        };
        let email = format!("supervisor{i}@example.org");
        alerts::save_supervisor(&mut tx, &format!("督导{i}"), &email, None, &robots).await?;
        let id = format!("supervisor:{email}");
        let channel = match platform.kind {
            Kind::DingTalk => Channel::DingTalk,
            Kind::WeCom => Channel::WeCom,
        };
        owners.push((id, channel));
    }
    let messages = (0..MESSAGES)
        .map(|i| {
            let (recipient, channel) = owners[i % WEBHOOKS].clone();
            NewMessage {
                idempotency_key: format!("bench:{i}"),
                kind: "alert",
                channel,
                recipient,
                subject: format!("送教进度提醒：{i}"),
                body_text: format!(
                    "### 送教进度提醒：{i}\n- [王X.](https://songjiao.example.org/students/S{i:04})（育敏学校）：落后；已完成 30 课时，应完成 45，年度目标 216\n"
                ),
                body_html: None,
                attachments: Vec::new(),
            }
        })
        .collect();
    outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;

    let transport = Transport::from_settings(&settings)?;
    let started = Instant::now();
    let report = notify::drain(&store, &settings, &transport, &actor, now).await?;
    println!(
        "drain: {} sent, {} retrying, {} dead in {:.1} s",
        report.sent,
        report.retrying,
        report.dead,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}
