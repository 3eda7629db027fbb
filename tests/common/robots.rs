//! Local stand-ins for the two group-robot platforms, each an HTTP server on a
//! free port, written from the platforms' documentation:
//! - DingTalk (`POST /robot/send?access_token=…[&timestamp=…&sign=…]`): checks
//!   the token, the signature (HMAC-SHA256 of "timestamp\nsecret", base64, within
//!   an hour of its clock) and the keyword; errcode 310000 / 300001 otherwise.
//! - WeCom (`POST /cgi-bin/webhook/send?key=…`): checks the key (93000) and the
//!   markdown content's 4,096-byte limit (40058).
//!
//! Both refuse a 21st message within a minute ("too fast": 130101 / 45009), and
//! each can be told to go down (HTTP 503), to answer "too fast", or to hang.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, State};
use axum::routing::post;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DingTalk,
    WeCom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Up,
    Down,
    TooFast,
    Hang,
}

/// A message the platform accepted: what the group sees.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub title: String,
    pub text: String,
}

pub struct Platform {
    pub kind: Kind,
    pub token: String,
    secret: Option<String>,
    keyword: Option<String>,
    port: u16,
    mode: Mutex<Mode>,
    received: Mutex<Vec<Received>>,
    /// Every post that reached the checks, for the per-minute limit.
    posts: Mutex<Vec<Instant>>,
    refusals: Mutex<Vec<(i64, String)>>,
    _runtime: tokio::runtime::Runtime,
}

impl Platform {
    /// Starts a stand-in; `secret` and `keyword` are the DingTalk robot's
    /// security settings (ignored for WeCom).
    pub fn start(kind: Kind, secret: Option<&str>, keyword: Option<&str>) -> Arc<Platform> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let token = format!("tok{port}x{}", std::process::id());
        let platform = Arc::new(Platform {
            kind,
            token,
            secret: secret.map(str::to_string),
            keyword: keyword.map(str::to_string),
            port,
            mode: Mutex::new(Mode::Up),
            received: Mutex::new(Vec::new()),
            posts: Mutex::new(Vec::new()),
            refusals: Mutex::new(Vec::new()),
            _runtime: runtime,
        });
        let app = axum::Router::new()
            .route("/robot/send", post(dingtalk))
            .route("/cgi-bin/webhook/send", post(wecom))
            .with_state(platform.clone());
        platform._runtime.spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the stand-in serves");
        });
        platform
    }

    /// The webhook as the platform hands it out.
    pub fn webhook(&self) -> String {
        match self.kind {
            Kind::DingTalk => format!(
                "http://127.0.0.1:{}/robot/send?access_token={}",
                self.port, self.token
            ),
            Kind::WeCom => format!(
                "http://127.0.0.1:{}/cgi-bin/webhook/send?key={}",
                self.port, self.token
            ),
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn refusals(&self) -> Vec<(i64, String)> {
        self.refusals.lock().unwrap().clone()
    }

    /// The most posts the platform saw within any 60 seconds.
    pub fn busiest_minute(&self) -> usize {
        let posts = self.posts.lock().unwrap();
        posts
            .iter()
            .map(|start| {
                posts
                    .iter()
                    .filter(|t| **t >= *start && t.duration_since(*start) < Duration::from_secs(60))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    fn refuse(&self, code: i64, message: &str) -> Json<Value> {
        self.refusals.lock().unwrap().push((code, message.into()));
        Json(json!({ "errcode": code, "errmsg": message }))
    }

    /// What every post goes through before the platform's own checks: the mode,
    /// then the per-minute limit. Some(answer) when the post stops here.
    async fn gate(
        &self,
        too_fast: (i64, &str),
    ) -> Option<Result<Json<Value>, axum::http::StatusCode>> {
        let mode = *self.mode.lock().unwrap();
        match mode {
            Mode::Down => return Some(Err(axum::http::StatusCode::SERVICE_UNAVAILABLE)),
            Mode::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Some(Err(axum::http::StatusCode::GATEWAY_TIMEOUT));
            }
            Mode::TooFast => return Some(Ok(self.refuse(too_fast.0, too_fast.1))),
            Mode::Up => {}
        }
        let now = Instant::now();
        let mut posts = self.posts.lock().unwrap();
        posts.push(now);
        let last_minute = posts
            .iter()
            .filter(|t| now.duration_since(**t) < Duration::from_secs(60))
            .count();
        drop(posts);
        (last_minute > 20).then(|| Ok(self.refuse(too_fast.0, too_fast.1)))
    }

    fn accept(&self, title: &str, text: &str) -> Json<Value> {
        self.received.lock().unwrap().push(Received {
            at: Instant::now(),
            title: title.into(),
            text: text.into(),
        });
        Json(json!({ "errcode": 0, "errmsg": "ok" }))
    }
}

type Answer = Result<Json<Value>, axum::http::StatusCode>;

async fn dingtalk(
    State(platform): State<Arc<Platform>>,
    Query(query): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Answer {
    if let Some(answer) = platform
        .gate((130101, "send too fast, exceed 20 times per minute"))
        .await
    {
        return answer;
    }
    if query.get("access_token") != Some(&platform.token) {
        return Ok(platform.refuse(300001, "token is not exist"));
    }
    if let Some(secret) = &platform.secret {
        let (Some(timestamp), Some(sign)) = (query.get("timestamp"), query.get("sign")) else {
            return Ok(platform.refuse(310000, "sign not match"));
        };
        let millis: i64 = timestamp.parse().unwrap_or_default();
        let off = (chrono::Utc::now().timestamp_millis() - millis).abs();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}\n{secret}").as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        // The query extractor has URL-decoded `sign` already.
        if off > 3_600_000 || *sign != expected {
            return Ok(platform.refuse(310000, "sign not match"));
        }
    }
    let markdown = &body["markdown"];
    let (title, text) = (
        markdown["title"].as_str().unwrap_or_default(),
        markdown["text"].as_str().unwrap_or_default(),
    );
    if body["msgtype"] != "markdown" || title.is_empty() || text.is_empty() {
        return Ok(platform.refuse(40035, "缺少参数 markdown"));
    }
    if let Some(keyword) = &platform.keyword
        && !text.contains(keyword.as_str())
        && !title.contains(keyword.as_str())
    {
        return Ok(platform.refuse(310000, "keywords not in content"));
    }
    if text.len() > 20_000 {
        return Ok(platform.refuse(460101, "message too long"));
    }
    Ok(platform.accept(title, text))
}

async fn wecom(
    State(platform): State<Arc<Platform>>,
    Query(query): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Answer {
    if let Some(answer) = platform.gate((45009, "api freq out of limit")).await {
        return answer;
    }
    if query.get("key") != Some(&platform.token) {
        return Ok(platform.refuse(93000, "invalid webhook url"));
    }
    let content = body["markdown"]["content"].as_str().unwrap_or_default();
    if body["msgtype"] != "markdown" || content.is_empty() {
        return Ok(platform.refuse(40008, "invalid message type"));
    }
    if content.len() > 4096 {
        return Ok(platform.refuse(40058, "markdown.content exceed max length 4096"));
    }
    let title = content.lines().next().unwrap_or_default().to_string();
    Ok(platform.accept(&title, content))
}
