//! Layered settings: the built-in `config/default.toml`, then the file given with
//! `--config`, then `SONGJIAO_*` environment variables. Every key a layer sets must
//! exist in the defaults, so a typo is an error naming the key and where it came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::slot::{Slot, SlotTable};

/// The defaults, built in so that the program runs from any folder.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");
const DEFAULT_ORIGIN: &str = "config/default.toml (built in)";
const ENV_PREFIX: &str = "SONGJIAO_";
/// `SONGJIAO_*` variables that are not settings (read elsewhere).
const ENV_NOT_SETTINGS: &[&str] = &["NOW", "TEST_POSTGRES_URL", "ACTOR", "TEST_LOG"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub time_zone: Tz,
    pub locale: Locale,
    pub database: DatabaseSettings,
    pub calendar: CalendarSettings,
    pub slots: Vec<SlotSetting>,
    pub defaults: PlanDefaults,
    pub records: RecordSettings,
    pub mail: MailSettings,
    pub smtp: SmtpSettings,
    pub alerts: AlertSettings,
    pub jobs: JobSettings,
    pub web: WebSettings,
    pub security: SecuritySettings,
    pub backup: BackupSettings,
    pub privacy: PrivacySettings,
    pub notify: NotifySettings,
    /// The slot table and the school calendars, built once per process (and shared
    /// by clones): a district's whole day of jobs reads them thousands of times.
    #[serde(skip)]
    built: Built,
}

#[derive(Debug, Clone, Default)]
struct Built {
    slots: std::sync::Arc<std::sync::OnceLock<Result<SlotTable, String>>>,
    calendars: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<SchoolYear, Result<SchoolCalendar, String>>>,
    >,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Locale {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    #[serde(serialize_with = "serialize_url_without_password")]
    pub url: String,
    pub busy_timeout_seconds: u64,
    pub max_connections: u32,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &url_without_password(&self.url))
            .field("busy_timeout_seconds", &self.busy_timeout_seconds)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSetting {
    pub name: String,
    #[serde(
        deserialize_with = "hour_minute",
        serialize_with = "serialize_hour_minute"
    )]
    pub start: NaiveTime,
    #[serde(
        deserialize_with = "hour_minute",
        serialize_with = "serialize_hour_minute"
    )]
    pub end: NaiveTime,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDefaults {
    pub visits_per_week: u32,
    pub periods_per_visit: u32,
    pub annual_target: u32,
    pub max_visits_per_week: u32,
    pub max_visits_per_day: u32,
    pub prorate_target: bool,
    pub finish_margin_weeks: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSettings {
    pub lock_after_days: u32,
    pub record_grace_days: u32,
    pub unrecorded_after_hours: u32,
    pub escalate_after_days: u32,
}

/// Logins, sessions and the access log (等保 2.0; PIPL art. 28, 31).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub min_password_length: usize,
    /// How many of lower case, upper case, digits and other characters a password
    /// must mix (0: no rule).
    pub password_character_classes: usize,
    /// A password older than this many days must be changed at the next login (0: never).
    pub password_max_age_days: u32,
    pub session_idle_minutes: u32,
    pub session_lifetime_hours: u32,
    pub max_failed_logins: u32,
    pub lockout_minutes: u32,
    /// Failed logins from one address within `lockout_minutes` after which each
    /// further try from it waits.
    pub address_failures_before_slowing: u32,
    pub invitation_hours: u32,
    pub access_log_days: u32,
    /// The roles that must log in with a second factor (TOTP).
    pub require_totp_for: Vec<crate::domain::access::Role>,
    /// 64 hex digits: the key second-factor secrets are sealed with (empty: a
    /// key file beside the database, see [`Settings::secrets_key_file`]).
    pub secrets_key: Secret,
    /// The key before a rotation: read, never written with.
    pub previous_secrets_key: Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    File,
    Smtp,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub dir: PathBuf,
    pub from: String,
    pub operators: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: Secret,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// Where the nightly `backup` job writes its copies; empty: see
    /// [`Settings::backup_dir`].
    pub dir: PathBuf,
    /// How many of the job's copies are kept (the oldest go first).
    pub keep: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// A child who left this many years ago has their personal details anonymised.
    pub retention_years: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    pub repeat_interval_days: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobSettings {
    pub plan_week: String,
    pub check_pace: String,
    pub digest: String,
    pub remind_unrecorded: String,
    pub drain_outbox: String,
    pub prune_access_log: String,
    pub backup: String,
    pub retention: String,
    pub catch_up_hours: u32,
    pub grace_seconds: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    pub listen: String,
    pub public_url: String,
    /// Cookies only over HTTPS; unset: on unless `listen` is a loopback address.
    #[serde(default)]
    pub secure_cookies: Option<bool>,
    /// Requests a minute each API token may make (bursts up to the same number).
    pub api_requests_per_minute: u32,
    /// A request's headers must arrive within this many seconds.
    pub header_timeout_seconds: u64,
    /// A request's body must arrive within this many seconds (else 408).
    pub body_timeout_seconds: u64,
    /// Connections open at once; one more is answered 503.
    pub max_connections: usize,
    /// Addresses or networks (CIDR) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<String>,
    /// Addresses or networks that read `/healthz` in full (jobs, errors).
    pub monitoring: Vec<String>,
}

impl WebSettings {
    /// `trusted_proxies` read, or the entry that is neither an address nor a network.
    pub fn proxies(&self) -> Result<Vec<ipnet::IpNet>, String> {
        networks(&self.trusted_proxies)
    }

    /// `monitoring` read, or the entry that is neither an address nor a network.
    pub fn monitors(&self) -> Result<Vec<ipnet::IpNet>, String> {
        networks(&self.monitoring)
    }

    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            !self
                .listen
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|a| a.ip().is_loopback())
        })
    }
}

/// Addresses (10.0.0.2) and networks (10.0.0.0/8) as written in the settings.
fn networks(entries: &[String]) -> Result<Vec<ipnet::IpNet>, String> {
    entries
        .iter()
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!("`{entry}` is neither an address (10.0.0.2) nor a network (10.0.0.0/8)")
                })
        })
        .collect()
}

/// What a secret is shown as, wherever one would be printed.
pub const MASK: &str = "****";

/// Group robots beside email (README, "Group robots").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    pub group: Vec<GroupRobot>,
    /// Each post to a robot waits at most this long for its answer, in seconds.
    pub robot_timeout_seconds: u64,
    /// Hosts (or host:port) posted to besides the platforms' own.
    pub robot_hosts: Vec<String>,
}

/// The robot platforms' own hosts: the only ones posted to unless
/// `notify.robot_hosts` lists more.
pub const ROBOT_PLATFORM_HOSTS: [&str; 2] = ["oapi.dingtalk.com", "qyapi.weixin.qq.com"];

/// Whether a webhook may be posted to: https at a platform's host, or at a host
/// an operator listed in `notify.robot_hosts` (http allowed there).
pub fn webhook_allowed(url: &str, listed: &[String]) -> Result<(), String> {
    check_webhook(url).map_err(|reason| reason.to_string())?;
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().unwrap_or_default();
    let with_port = parsed.port().map(|port| format!("{host}:{port}"));
    let platform = parsed.scheme() == "https" && ROBOT_PLATFORM_HOSTS.contains(&host);
    let listed = listed
        .iter()
        .any(|h| h == host || Some(h) == with_port.as_ref());
    if platform || listed {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a DingTalk or WeCom robot (https://oapi.dingtalk.com/…, https://qyapi.weixin.qq.com/…); an operator may list other hosts in notify.robot_hosts",
            masked_webhook(url)
        ))
    }
}

/// A school's work group (or, without `school`, the district's) and its robots.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRobot {
    #[serde(default)]
    pub school: Option<String>,
    #[serde(default, serialize_with = "serialize_masked_webhook")]
    pub dingtalk_webhook: Option<String>,
    /// The DingTalk robot's signing secret (加签, `SEC…`); empty when it checks keywords only.
    #[serde(default)]
    pub secret: Secret,
    /// A word the DingTalk robot requires (关键词) that the messages do not hold already.
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default, serialize_with = "serialize_masked_webhook")]
    pub wecom_webhook: Option<String>,
}

impl GroupRobot {
    /// The setting's name in errors: `notify.group[育敏学校]`, or `[district]`.
    pub fn setting(&self) -> String {
        format!(
            "notify.group[{}]",
            self.school.as_deref().unwrap_or("district")
        )
    }
}

impl fmt::Debug for GroupRobot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |url: &Option<String>| url.as_deref().map(masked_webhook);
        f.debug_struct("GroupRobot")
            .field("school", &self.school)
            .field("dingtalk_webhook", &masked(&self.dingtalk_webhook))
            .field("secret", &self.secret)
            .field("keyword", &self.keyword)
            .field("wecom_webhook", &masked(&self.wecom_webhook))
            .finish()
    }
}

fn serialize_masked_webhook<S: Serializer>(
    url: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_str(&masked_webhook(url)),
        None => serializer.serialize_none(),
    }
}

/// A robot's webhook with its token hidden: the query's values (DingTalk's
/// `access_token`, WeCom's `key`) are what lets anyone post into the group.
pub fn masked_webhook(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{name}={MASK}"),
            None => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// A robot's webhook must be an http(s) address (the platforms' are https).
pub fn check_webhook(url: &str) -> Result<(), crate::reason::Reason> {
    let shown = masked_webhook(url);
    let parsed = url::Url::parse(url).map_err(|_| crate::reason::Reason::NotAWebAddress {
        shown: shown.clone(),
    })?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(crate::reason::Reason::NotHttps { shown });
    }
    Ok(())
}

/// A secret never printed: `Debug` and `Serialize` show whether it is set, not what it is.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
    fn shown(&self) -> &'static str {
        if self.0.is_empty() { "" } else { MASK }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.shown())
    }
}

fn hour_minute<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    NaiveTime::parse_from_str(&text, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a time like 08:30")))
}

fn serialize_hour_minute<S: Serializer>(
    time: &NaiveTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.format("%H:%M").to_string())
}

fn serialize_url_without_password<S: Serializer>(
    url: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&url_without_password(url))
}

/// `postgres://user:secret@host/db` → `postgres://user:****@host/db`.
pub fn url_without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:{MASK}@{host}"),
        None => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin} is not valid TOML: {message}")]
    Syntax { origin: String, message: String },
    #[error("unknown setting `{key}` in {origin} (see config/default.toml for every setting)")]
    UnknownKey { key: String, origin: String },
    #[error("bad value for `{key}` in {origin}: {message}")]
    BadValue {
        key: String,
        origin: String,
        message: String,
    },
}

/// Where each leaf setting got its value, for error messages.
type Origins = BTreeMap<String, String>;

impl Settings {
    /// The built-in defaults alone.
    pub fn defaults() -> Self {
        Self::load(None, std::iter::empty()).expect("the built-in config/default.toml is valid")
    }

    /// Where the nightly backups go: `backup.dir`, or when it is empty a `backups`
    /// folder beside the SQLite database (so a demo's or a second district's copies
    /// never mix with the main database's), or `data/backups` for PostgreSQL.
    pub fn backup_dir(&self) -> PathBuf {
        if !self.backup.dir.as_os_str().is_empty() {
            return self.backup.dir.clone();
        }
        self.beside_the_database("backups")
    }

    /// `name` in the SQLite database's folder, or in data/ for PostgreSQL.
    fn beside_the_database(&self, name: &str) -> PathBuf {
        let file = self
            .database
            .url
            .strip_prefix("sqlite://")
            .or_else(|| self.database.url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest));
        match file.and_then(|f| Path::new(f).parent()) {
            Some(folder) => folder.join(name),
            None => Path::new("data").join(name),
        }
    }

    /// Where the key sealing second-factor secrets is kept when
    /// `security.secrets_key` is empty: beside the SQLite database, or in data/.
    pub fn secrets_key_file(&self) -> PathBuf {
        self.beside_the_database("secrets.key")
    }

    /// Layers the defaults, `file` and the `SONGJIAO_*` entries of `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let defaults = parse_toml(DEFAULT_TOML, DEFAULT_ORIGIN)?;
        let mut merged = defaults.clone();
        let mut origins = Origins::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let origin = path.display().to_string();
            let layer = parse_toml(&text, &origin)?;
            merge_layer(&defaults, &mut merged, &layer, "", &origin, &mut origins)?;
        }
        let leaves = leaf_paths(&defaults, "");
        let mut env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(name, _)| name.starts_with(ENV_PREFIX))
            .collect();
        env.sort();
        for (name, raw) in env {
            let short = &name[ENV_PREFIX.len()..];
            if ENV_NOT_SETTINGS.contains(&short) {
                continue;
            }
            let origin = format!("environment variable {name}");
            let wanted = short.to_ascii_lowercase();
            let Some(path) = leaves.iter().find(|p| p.replace('.', "_") == wanted) else {
                return Err(ConfigError::UnknownKey {
                    key: name.clone(),
                    origin,
                });
            };
            let value = env_value(lookup(&defaults, path), &raw).map_err(|message| {
                ConfigError::BadValue {
                    key: path.clone(),
                    origin: origin.clone(),
                    message,
                }
            })?;
            set_path(&mut merged, path, value);
            origins.insert(path.clone(), origin);
        }
        let origin_of = |key: &str| origin_of(&origins, key);
        let settings: Settings = serde_path_to_error::deserialize(toml::Value::Table(merged))
            .map_err(|error| {
                let key = error.path().to_string();
                ConfigError::BadValue {
                    origin: origin_of(&key),
                    message: error.into_inner().message().to_string(),
                    key,
                }
            })?;
        settings
            .validate()
            .map_err(|(key, message)| ConfigError::BadValue {
                origin: origin_of(key),
                key: key.to_string(),
                message,
            })?;
        Ok(settings)
    }

    /// The rules serde cannot express: returns the offending key and why.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        let d = &self.defaults;
        if d.visits_per_week == 0 || d.periods_per_visit == 0 || d.max_visits_per_day == 0 {
            return Err(("defaults", "visits and periods must be at least 1".into()));
        }
        if d.max_visits_per_week < d.visits_per_week {
            return Err((
                "defaults.max_visits_per_week",
                format!("must be at least visits_per_week ({})", d.visits_per_week),
            ));
        }
        if d.max_visits_per_week > 7 {
            return Err(("defaults.max_visits_per_week", "a week has 7 days".into()));
        }
        self.slot_table().map_err(|message| ("slots", message))?;
        let security = &self.security;
        if security.min_password_length < 8 {
            return Err(("security.min_password_length", "must be at least 8".into()));
        }
        if security.password_character_classes > 4 {
            return Err((
                "security.password_character_classes",
                "there are 4 classes: lower case, upper case, digits, others".into(),
            ));
        }
        if self.web.api_requests_per_minute == 0 {
            return Err((
                "web.api_requests_per_minute",
                "must be at least 1 (a token that may make no request is revoked instead)".into(),
            ));
        }
        if self.web.header_timeout_seconds == 0
            || self.web.body_timeout_seconds == 0
            || self.web.max_connections == 0
        {
            return Err((
                "web",
                "header_timeout_seconds, body_timeout_seconds and max_connections must be at least 1"
                    .into(),
            ));
        }
        if let Err(reason) = self.web.proxies() {
            return Err(("web.trusted_proxies", reason));
        }
        if let Err(reason) = self.web.monitors() {
            return Err(("web.monitoring", reason));
        }
        if self.backup.keep == 0 {
            return Err((
                "backup.keep",
                "must be at least 1 (to stop the nightly backup, set jobs.backup = \"\")".into(),
            ));
        }
        if self.privacy.retention_years == 0 {
            return Err((
                "privacy.retention_years",
                "must be at least 1 (to stop anonymising, set jobs.retention = \"\")".into(),
            ));
        }
        if security.access_log_days < 180 {
            return Err((
                "security.access_log_days",
                "access logs are kept at least 180 days (等保 2.0)".into(),
            ));
        }
        if security.session_idle_minutes == 0 || security.session_lifetime_hours == 0 {
            return Err((
                "security",
                "session_idle_minutes and session_lifetime_hours must be at least 1".into(),
            ));
        }
        let mut schools = std::collections::BTreeSet::new();
        for group in &self.notify.group {
            if !schools.insert(group.school.as_deref()) {
                return Err((
                    "notify.group",
                    format!("{} is given twice: one group per school", group.setting()),
                ));
            }
            if group.dingtalk_webhook.is_none() && group.wecom_webhook.is_none() {
                return Err((
                    "notify.group",
                    format!(
                        "{} has neither dingtalk_webhook nor wecom_webhook",
                        group.setting()
                    ),
                ));
            }
            for url in [&group.dingtalk_webhook, &group.wecom_webhook]
                .into_iter()
                .flatten()
            {
                webhook_allowed(url, &self.notify.robot_hosts).map_err(|message| {
                    ("notify.group", format!("{}: {message}", group.setting()))
                })?;
            }
            if group.dingtalk_webhook.is_none() && !group.secret.expose().is_empty() {
                return Err((
                    "notify.group",
                    format!(
                        "{}: a secret is for a DingTalk robot; dingtalk_webhook is missing",
                        group.setting()
                    ),
                ));
            }
        }
        if self.notify.robot_timeout_seconds == 0 {
            return Err(("notify.robot_timeout_seconds", "must be at least 1".into()));
        }
        if !self.database.url.starts_with("sqlite:") && !self.database.url.starts_with("postgres") {
            return Err((
                "database.url",
                "must start with sqlite:// or postgres://".into(),
            ));
        }
        Ok(())
    }

    /// The configured slots as the domain's type (built once).
    pub fn slot_table(&self) -> Result<SlotTable, String> {
        self.built
            .slots
            .get_or_init(|| self.build_slot_table())
            .clone()
    }

    fn build_slot_table(&self) -> Result<SlotTable, String> {
        SlotTable::new(
            self.slots
                .iter()
                .map(|s| Slot {
                    name: s.name.clone(),
                    start: s.start,
                    end: s.end,
                    aliases: s.aliases.clone(),
                })
                .collect(),
        )
    }

    /// The school calendar of `year`, from `calendar.dir/<year>.toml`, or else the
    /// copy of that file built into the program (so that it runs from any folder);
    /// read once per process.
    pub fn calendar(&self, year: SchoolYear) -> Result<SchoolCalendar, String> {
        let mut calendars = self
            .built
            .calendars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        calendars
            .entry(year)
            .or_insert_with(|| self.read_calendar(year))
            .clone()
    }

    /// The year's calendar; None when the district has none for it (no file, none
    /// built in, none corrected on the pages); an error for one that cannot be read.
    pub fn calendar_if_any(&self, year: SchoolYear) -> Result<Option<SchoolCalendar>, String> {
        match self.calendar(year) {
            Ok(calendar) => Ok(Some(calendar)),
            Err(_)
                if !self.calendar.dir.join(format!("{year}.toml")).exists()
                    && !BUILT_IN_CALENDARS
                        .iter()
                        .any(|(name, _)| *name == year.to_string()) =>
            {
                Ok(None)
            }
            Err(reason) => Err(reason),
        }
    }

    /// Uses `calendar` for its year from now on, in place of the year's file: a
    /// calendar corrected on the pages (see `service::school_calendar`).
    pub fn use_calendar(&self, calendar: SchoolCalendar) {
        self.built
            .calendars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(calendar.year, Ok(calendar));
    }

    fn read_calendar(&self, year: SchoolYear) -> Result<SchoolCalendar, String> {
        let path = self.calendar.dir.join(format!("{year}.toml"));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => BUILT_IN_CALENDARS
                .iter()
                .find(|(name, _)| *name == year.to_string())
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| {
                    format!(
                        "no school calendar for {year}: cannot read {} ({e}); add the year's file there or set calendar.dir",
                        path.display()
                    )
                })?,
        };
        let calendar =
            SchoolCalendar::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if calendar.year != year {
            return Err(format!(
                "{} says year = \"{}\", not {year}",
                path.display(),
                calendar.year
            ));
        }
        Ok(calendar)
    }

    /// The effective settings as TOML, secrets hidden.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot show settings: {e}"))
    }
}

/// The calendars shipped in config/calendar, built in.
const BUILT_IN_CALENDARS: [(&str, &str); 2] = [
    (
        "2025-2026",
        include_str!("../config/calendar/2025-2026.toml"),
    ),
    (
        "2026-2027",
        include_str!("../config/calendar/2026-2027.toml"),
    ),
];

fn parse_toml(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })
}

/// Copies `layer` over `merged`, refusing keys the defaults do not have.
/// Arrays and values replace whole; tables merge key by key.
fn merge_layer(
    defaults: &toml::Table,
    merged: &mut toml::Table,
    layer: &toml::Table,
    prefix: &str,
    origin: &str,
    origins: &mut Origins,
) -> Result<(), ConfigError> {
    for (key, value) in layer {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some(default) = defaults.get(key) else {
            return Err(ConfigError::UnknownKey {
                key: path,
                origin: origin.to_string(),
            });
        };
        match (default, value) {
            (toml::Value::Table(default_table), toml::Value::Table(layer_table)) => {
                let Some(toml::Value::Table(merged_table)) = merged.get_mut(key) else {
                    unreachable!("merged starts as a copy of the defaults");
                };
                merge_layer(
                    default_table,
                    merged_table,
                    layer_table,
                    &path,
                    origin,
                    origins,
                )?;
            }
            _ => {
                merged.insert(key.clone(), value.clone());
                origins.insert(path, origin.to_string());
            }
        }
    }
    Ok(())
}

fn leaf_paths(table: &toml::Table, prefix: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => paths.extend(leaf_paths(inner, &path)),
            _ => paths.push(path),
        }
    }
    paths
}

fn lookup<'a>(table: &'a toml::Table, path: &str) -> &'a toml::Value {
    let mut parts = path.split('.').peekable();
    let mut current = table;
    loop {
        let part = parts.next().expect("a leaf path has at least one part");
        let value = &current[part];
        match (parts.peek(), value) {
            (None, _) => return value,
            (Some(_), toml::Value::Table(inner)) => current = inner,
            _ => unreachable!("leaf paths come from the same table"),
        }
    }
}

fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    match path.split_once('.') {
        None => {
            table.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            if let Some(toml::Value::Table(inner)) = table.get_mut(head) {
                set_path(inner, rest, value);
            }
        }
    }
}

/// An environment value takes the type of the default it replaces: text stays text,
/// anything else is read as a TOML value (`3`, `true`, `["a@b.org"]`).
fn env_value(default: &toml::Value, raw: &str) -> Result<toml::Value, String> {
    if default.is_str() {
        return Ok(toml::Value::String(raw.to_string()));
    }
    format!("value = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("value"))
        .ok_or_else(|| {
            format!(
                "`{raw}` is not a valid value (expected {})",
                default.type_str()
            )
        })
}

fn origin_of(origins: &Origins, key: &str) -> String {
    let mut key = key;
    loop {
        if let Some(origin) = origins.get(key) {
            return origin.clone();
        }
        match key.rfind(['.', '[']) {
            Some(cut) => key = &key[..cut],
            None => return DEFAULT_ORIGIN.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn the_built_in_defaults_carry_the_district_rule() {
        let settings = Settings::defaults();
        assert_eq!(settings.defaults.visits_per_week, 2);
        assert_eq!(settings.defaults.periods_per_visit, 3);
        assert_eq!(settings.defaults.annual_target, 216);
        assert_eq!(settings.time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(settings.locale, Locale::ZhCn);
    }

    #[test]
    fn a_file_overrides_only_the_keys_it_names() {
        let file = write("[defaults]\nannual_target = 180\n");
        let settings = Settings::load(Some(file.path()), []).unwrap();
        assert_eq!(settings.defaults.annual_target, 180);
        assert_eq!(settings.defaults.visits_per_week, 2);
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let file = write("[defaults]\nannual_target = 180\n");
        let env = [(
            "SONGJIAO_DEFAULTS_ANNUAL_TARGET".to_string(),
            "200".to_string(),
        )];
        let settings = Settings::load(Some(file.path()), env).unwrap();
        assert_eq!(settings.defaults.annual_target, 200);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_file() {
        let file = write("[defaults]\nanual_target = 180\n");
        let error = Settings::load(Some(file.path()), [])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`defaults.anual_target`"), "{error}");
        assert!(
            error.contains(&file.path().display().to_string()),
            "{error}"
        );
    }

    #[test]
    fn a_bad_value_is_named_with_its_file() {
        let file = write("time_zone = \"Mars/Olympus\"\n");
        let error = Settings::load(Some(file.path()), [])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`time_zone`"), "{error}");
        assert!(
            error.contains(&file.path().display().to_string()),
            "{error}"
        );

        let file = write("[[slots]]\nname = \"AM\"\nstart = \"8.30\"\nend = \"11:00\"\n");
        let error = Settings::load(Some(file.path()), [])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`slots[0].start`"), "{error}");
    }

    #[test]
    fn a_bad_environment_value_names_the_variable() {
        let env = [(
            "SONGJIAO_DEFAULTS_ANNUAL_TARGET".to_string(),
            "lots".to_string(),
        )];
        let error = Settings::load(None, env).unwrap_err().to_string();
        assert!(error.contains("SONGJIAO_DEFAULTS_ANNUAL_TARGET"), "{error}");
        let env = [(
            "SONGJIAO_DEFAULTS_ANUAL_TARGET".to_string(),
            "1".to_string(),
        )];
        let error = Settings::load(None, env).unwrap_err().to_string();
        assert!(
            error.contains("unknown setting `SONGJIAO_DEFAULTS_ANUAL_TARGET`"),
            "{error}"
        );
    }

    #[test]
    fn every_setting_has_one_environment_name() {
        let defaults = parse_toml(DEFAULT_TOML, DEFAULT_ORIGIN).unwrap();
        let mut names: Vec<String> = leaf_paths(&defaults, "")
            .iter()
            .map(|p| p.replace('.', "_"))
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn secrets_are_never_shown() {
        let env = [
            ("SONGJIAO_SMTP_PASSWORD".to_string(), "hunter2".to_string()),
            (
                "SONGJIAO_DATABASE_URL".to_string(),
                "postgres://songjiao:s3cret@db/songjiao".to_string(),
            ),
        ];
        let mut settings = Settings::load(None, env).unwrap();
        settings.notify.group.push(GroupRobot {
            school: None,
            dingtalk_webhook: Some(
                "https://oapi.dingtalk.com/robot/send?access_token=tok3n".into(),
            ),
            secret: Secret("SECs3cret".into()),
            keyword: None,
            wecom_webhook: Some("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k3y".into()),
        });
        assert_eq!(settings.smtp.password.expose(), "hunter2");
        let shown = format!("{}{:?}", settings.to_toml(), settings);
        assert!(
            ["hunter2", "s3cret", "tok3n", "k3y"]
                .iter()
                .all(|secret| !shown.contains(secret)),
            "{shown}"
        );
        assert!(shown.contains("postgres://songjiao:****@db/songjiao"));
    }

    #[test]
    fn backups_go_beside_the_database_unless_a_folder_is_set() {
        let mut settings = Settings::defaults();
        settings.database.url = "sqlite://data/demo/songjiao.db".into();
        assert_eq!(settings.backup_dir(), PathBuf::from("data/demo/backups"));
        settings.database.url = "sqlite:///srv/songjiao/songjiao.db?mode=rwc".into();
        assert_eq!(
            settings.backup_dir(),
            PathBuf::from("/srv/songjiao/backups")
        );
        settings.database.url = "postgres://db/songjiao".into();
        assert_eq!(settings.backup_dir(), PathBuf::from("data/backups"));
        settings.backup.dir = PathBuf::from("/mnt/usb");
        assert_eq!(settings.backup_dir(), PathBuf::from("/mnt/usb"));
    }
}
