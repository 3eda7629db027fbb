//! Group robots: a DingTalk custom robot (自定义机器人) or a WeCom group robot
//! (群机器人) is a webhook that posts a markdown message into a group chat.
//! Both answer HTTP 200 with an error code in the body, allow about 20 messages a
//! minute per robot, and know nothing of retries: the outbox does that.
//!
//! The webhook's token and the signing secret let anyone post into the group, so
//! no error, log or list ever shows them (`config::masked_webhook`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

// tokio's clock, which a test may pause and move on by hand: the pace is tested
// over minutes that take no time.
use tokio::time::Instant;

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde::Deserialize;

use crate::config::Settings;
use crate::store::alerts::Supervisor;
use crate::store::outbox::Channel;

/// A robot as the drain finds it when sending: where to post, how to sign, and
/// which setting to name when the platform refuses.
#[derive(Debug, Clone)]
pub struct Robot {
    pub channel: Channel,
    pub webhook: String,
    /// DingTalk's signing secret (加签), when the robot signs.
    pub secret: Option<String>,
    /// A word the DingTalk robot requires that a message may not hold.
    pub keyword: Option<String>,
    /// Where the webhook, the secret and the keyword are set, for errors.
    pub settings: RobotSettings,
}

#[derive(Debug, Clone)]
pub struct RobotSettings {
    pub webhook: String,
    pub secret: String,
    pub keyword: String,
}

/// The robots by owner, as an outbox row names them (`supervisor:<email>`,
/// `group:<school>`, `group:*`).
#[derive(Debug, Default)]
pub struct Directory(HashMap<(Channel, String), Robot>);

/// The outbox recipient of a configured group: its school's, or the district's.
pub fn group_recipient(school: Option<&str>) -> String {
    format!("group:{}", school.unwrap_or("*"))
}

impl Directory {
    pub fn new(supervisors: &[Supervisor], settings: &Settings) -> Self {
        let mut robots = HashMap::new();
        for s in supervisors {
            let email = &s.email;
            if let Some(webhook) = &s.robots.dingtalk_webhook {
                let settings = RobotSettings {
                    webhook: format!("supervisor {email}: --dingtalk-webhook"),
                    secret: format!("supervisor {email}: --dingtalk-secret"),
                    keyword: format!(
                        "the robot's keyword (关键词) in DingTalk, for supervisor {email}"
                    ),
                };
                let robot = Robot {
                    channel: Channel::DingTalk,
                    webhook: webhook.clone(),
                    secret: s.robots.dingtalk_secret.clone(),
                    keyword: None,
                    settings,
                };
                robots.insert((Channel::DingTalk, s.id.clone()), robot);
            }
            if let Some(webhook) = &s.robots.wecom_webhook {
                let settings = RobotSettings {
                    webhook: format!("supervisor {email}: --wecom-webhook"),
                    secret: String::new(),
                    keyword: String::new(),
                };
                let robot = Robot {
                    channel: Channel::WeCom,
                    webhook: webhook.clone(),
                    secret: None,
                    keyword: None,
                    settings,
                };
                robots.insert((Channel::WeCom, s.id.clone()), robot);
            }
        }
        for group in &settings.notify.group {
            let owner = group_recipient(group.school.as_deref());
            let setting = group.setting();
            if let Some(webhook) = &group.dingtalk_webhook {
                let secret = group.secret.expose();
                let robot = Robot {
                    channel: Channel::DingTalk,
                    webhook: webhook.clone(),
                    secret: (!secret.is_empty()).then(|| secret.to_string()),
                    keyword: group.keyword.clone(),
                    settings: RobotSettings {
                        webhook: format!("{setting}.dingtalk_webhook"),
                        secret: format!("{setting}.secret"),
                        keyword: format!("{setting}.keyword"),
                    },
                };
                robots.insert((Channel::DingTalk, owner.clone()), robot);
            }
            if let Some(webhook) = &group.wecom_webhook {
                let robot = Robot {
                    channel: Channel::WeCom,
                    webhook: webhook.clone(),
                    secret: None,
                    keyword: None,
                    settings: RobotSettings {
                        webhook: format!("{setting}.wecom_webhook"),
                        secret: String::new(),
                        keyword: String::new(),
                    },
                };
                robots.insert((Channel::WeCom, owner), robot);
            }
        }
        Directory(robots)
    }

    pub fn get(&self, channel: Channel, recipient: &str) -> Option<&Robot> {
        self.0.get(&(channel, recipient.to_string()))
    }
}

/// The most bytes a message may carry: WeCom's markdown content is limited to
/// 4,096; DingTalk refuses bodies of about 20,000.
pub fn size_limit(channel: Channel) -> usize {
    match channel {
        Channel::WeCom => 4096,
        _ => 20_000,
    }
}

/// Both platforms allow a robot 20 messages a minute; one less leaves room for a
/// clock that disagrees with theirs.
pub const MESSAGES_PER_MINUTE: usize = 19;

/// DingTalk stops a robot that went too fast for 10 minutes; WeCom counts by minute.
fn held_back_for(channel: Channel) -> chrono::Duration {
    match channel {
        Channel::DingTalk => chrono::Duration::minutes(10),
        _ => chrono::Duration::minutes(1),
    }
}

/// What became of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Sent,
    /// The platform said "too fast": try again after this long; never a failure.
    TooFast(chrono::Duration, String),
    Failed(String),
}

/// When each webhook last posted, for the whole process: the daemon's drains
/// follow each other, and the pace must hold across them.
static RECENT_POSTS: LazyLock<Mutex<HashMap<String, VecDeque<Instant>>>> =
    LazyLock::new(Default::default);

fn recent_posts() -> std::sync::MutexGuard<'static, HashMap<String, VecDeque<Instant>>> {
    // A poisoned lock only means another drain panicked mid-update; the
    // timestamps are still timestamps.
    RECENT_POSTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A webhook's turn to post. Dropped when the post is over: the turn then
/// counts from that moment, so the platform, which sees each post arrive
/// between its start and its end, never sees more than the pace in a minute.
pub struct Turn {
    webhook: String,
    taken: Instant,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut recent = recent_posts();
        if let Some(slot) = recent
            .get_mut(&self.webhook)
            .and_then(|posts| posts.iter_mut().find(|t| **t == self.taken))
        {
            *slot = Instant::now();
        }
    }
}

/// Waits until `webhook` may post again without going over the platforms' pace.
pub async fn wait_for_turn(webhook: &str) -> Turn {
    const MINUTE: Duration = Duration::from_secs(60);
    loop {
        let wait = {
            let mut recent = recent_posts();
            let posts = recent.entry(webhook.to_string()).or_default();
            let now = Instant::now();
            posts.retain(|t| now.duration_since(*t) < MINUTE);
            if posts.len() < MESSAGES_PER_MINUTE {
                posts.push_back(now);
                return Turn {
                    webhook: webhook.to_string(),
                    taken: now,
                };
            }
            let oldest = posts.iter().min().copied().unwrap_or(now);
            oldest + MINUTE - now
        };
        tokio::time::sleep(wait).await;
    }
}

/// DingTalk's signature: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret,
/// in base64 (URL-encoded when put in the query).
pub fn dingtalk_signature(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The platforms' answer: `errcode` 0 is success.
#[derive(Debug, Deserialize)]
struct Answer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<axum::body::Bytes>,
>;

/// Posts to robots over HTTPS (the platforms' own addresses) or plain HTTP.
#[derive(Clone)]
pub struct Poster {
    http: Client,
    timeout: Duration,
    /// `notify.robot_hosts`: posted to besides the platforms' own hosts.
    listed_hosts: Vec<String>,
}

impl Poster {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Poster {
            http,
            timeout: Duration::from_secs(settings.notify.robot_timeout_seconds),
            listed_hosts: settings.notify.robot_hosts.clone(),
        })
    }

    /// Posts one message. `timestamp_ms` is the real time of the post (DingTalk
    /// refuses a signature more than an hour off its own clock).
    pub async fn post(&self, robot: &Robot, title: &str, text: &str, timestamp_ms: i64) -> Posted {
        let platform = match robot.channel {
            Channel::DingTalk => "DingTalk robot",
            _ => "WeCom robot",
        };
        // Checked again here, whatever was stored: never a post elsewhere.
        if let Err(why) = crate::config::webhook_allowed(&robot.webhook, &self.listed_hosts) {
            return Posted::Failed(format!(
                "{platform}: {why} (check {})",
                robot.settings.webhook
            ));
        }
        let mut url = match url::Url::parse(&robot.webhook) {
            Ok(url) => url,
            Err(_) => {
                return Posted::Failed(format!(
                    "{platform}: the webhook is not a web address (check {})",
                    robot.settings.webhook
                ));
            }
        };
        let body = match robot.channel {
            Channel::DingTalk => {
                if let Some(secret) = &robot.secret {
                    url.query_pairs_mut()
                        .append_pair("timestamp", &timestamp_ms.to_string())
                        .append_pair("sign", &dingtalk_signature(secret, timestamp_ms));
                }
                let text = match &robot.keyword {
                    Some(word) if !text.contains(word.as_str()) => format!("{word} {text}"),
                    _ => text.to_string(),
                };
                serde_json::json!({
                    "msgtype": "markdown",
                    "markdown": { "title": title, "text": text },
                })
            }
            _ => serde_json::json!({ "msgtype": "markdown", "markdown": { "content": text } }),
        };
        let request = axum::http::Request::post(url.as_str())
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(axum::body::Bytes::from(
                body.to_string(),
            )));
        let request = match request {
            Ok(request) => request,
            Err(_) => {
                return Posted::Failed(format!(
                    "{platform}: the webhook is not a web address (check {})",
                    robot.settings.webhook
                ));
            }
        };
        let exchange = async {
            use http_body_util::BodyExt;
            let response = self.http.request(request).await.map_err(|e| {
                // The client's errors never hold the URL (and its token); their
                // causes say what went wrong (refused, no such host, TLS).
                let mut why = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(inner) = cause {
                    why = format!("{why}: {inner}");
                    cause = inner.source();
                }
                why
            })?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        let (status, body) = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(why)) => {
                return Posted::Failed(format!(
                    "{platform}: {why} (check {})",
                    robot.settings.webhook
                ));
            }
            Err(_) => {
                return Posted::Failed(format!(
                    "{platform}: no answer in time (raise notify.robot_timeout_seconds if the network is slow)"
                ));
            }
        };
        if !status.is_success() {
            return Posted::Failed(format!(
                "{platform}: HTTP {status} (check {})",
                robot.settings.webhook
            ));
        }
        match serde_json::from_slice::<Answer>(&body) {
            Ok(answer) if answer.errcode == 0 => Posted::Sent,
            Ok(answer) => refusal(robot, platform, answer),
            Err(_) => Posted::Failed(format!(
                "{platform}: the answer is not the platform's JSON (check {})",
                robot.settings.webhook
            )),
        }
    }
}

/// A refusal in words that name the setting to fix.
fn refusal(robot: &Robot, platform: &str, answer: Answer) -> Posted {
    let Answer { errcode, errmsg } = answer;
    let said = format!("{platform} error {errcode} ({errmsg})");
    let message = errmsg.to_lowercase();
    let too_fast = match robot.channel {
        Channel::DingTalk => matches!(errcode, 130101 | 410100) || message.contains("too fast"),
        _ => errcode == 45009 || message.contains("freq"),
    };
    if too_fast {
        return Posted::TooFast(held_back_for(robot.channel), said);
    }
    let fix = match (robot.channel, errcode) {
        (Channel::DingTalk, 310000) if message.contains("sign") => format!(
            "the signature was refused: check {} (the SEC… string under 加签)",
            robot.settings.secret
        ),
        (Channel::DingTalk, 310000) if message.contains("keyword") => format!(
            "the message lacks the robot's keyword: every message holds 送教; set {} to the robot's word",
            robot.settings.keyword
        ),
        (Channel::DingTalk, 310000) if message.contains("ip") => {
            "the robot accepts only listed IP addresses: add this server's address in the robot's security settings".to_string()
        }
        (Channel::DingTalk, 300001 | 400102) | (Channel::WeCom, 93000) => format!(
            "the robot was removed or its token is wrong: check {}",
            robot.settings.webhook
        ),
        (Channel::DingTalk, 460101) | (Channel::WeCom, 40058) => {
            "the message is longer than the platform takes: the program splits lists to fit, so please report this".to_string()
        }
        _ => format!("check {}", robot.settings.webhook),
    };
    Posted::Failed(format!("{said}: {fix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_dingtalks_example() {
        // Python, as DingTalk documents it:
        // base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest())
        assert_eq!(
            dingtalk_signature("SECabc", 1_700_000_000_000),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
    }

    /// 45 posts to one robot, each taking 2 s: never more than the pace within a
    /// minute of the platform's (counted from each post's end, as it may arrive
    /// then), and no slower than the pace allows. On tokio's paused clock: three
    /// minutes of pace in no time.
    #[tokio::test(start_paused = true)]
    async fn a_robot_gets_at_most_its_pace_a_minute_and_no_less() {
        let webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=pace";
        let start = Instant::now();
        let mut posts = Vec::new();
        for _ in 0..45 {
            let turn = wait_for_turn(webhook).await;
            let began = Instant::now();
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(turn);
            posts.push((began - start, Instant::now() - start));
        }
        // The platforms' own limit: 20 a minute.
        for (i, (_, ended)) in posts.iter().enumerate() {
            if let Some((began, _)) = posts.get(i + 20) {
                assert!(
                    *began >= *ended + Duration::from_secs(60),
                    "post {} began {began:?}, within a minute of post {i}'s end {ended:?}",
                    i + 20
                );
            }
        }
        let (_, last) = posts[44];
        assert!(
            last <= Duration::from_secs(2 * 62 + 2 * 7 + 5),
            "45 posts at 19 a minute take two minutes and a little: {last:?}"
        );
    }
}
