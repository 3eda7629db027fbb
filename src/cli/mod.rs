//! The command line: parse, load the settings, call one command.

mod alerts;
mod backup;
mod calendar;
mod demo;
mod import;
mod outbox;
pub mod output;
mod people;
mod plan;
mod progress;
mod reports;
mod schools;
mod serve;
mod simulate;
mod users;
mod visit;
mod week;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::service::Actor;
use crate::service::{Store, StoreError};

const ABOUT: &str = "songjiao (送教上门): plans, tracks and guards home-teaching visits for children \
who cannot attend school: 2 visits a week, 3 class periods each, at least 216 periods a school year, \
one plan per student per year (一人一案).";

#[derive(Debug, Parser)]
#[command(name = "songjiao", version, about = ABOUT, after_help = "Start with:\n  songjiao demo\n  songjiao --help\n  songjiao COMMAND --help")]
pub struct Cli {
    /// A settings file layered over the built-in defaults (config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The database: sqlite://data/songjiao.db (default) or postgres://user@host/db.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Act as if today were this date (or an RFC 3339 time), e.g. to replay a school
    /// year. Also SONGJIAO_NOW.
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Logs on stderr: human-readable text, or one JSON object a line (for a log
    /// collector). The level comes from RUST_LOG (default warn; info shows each job).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database, or upgrade it to this version (safe to run again).
    #[command(
        after_help = "Example:\n  songjiao init\n  songjiao --database postgres://songjiao@db.example.org/songjiao init"
    )]
    Init,
    /// A consistent copy of the database, taken while the daemon runs (SQLite: a
    /// database file; PostgreSQL: a pg_dump file, pg_dump must be installed).
    #[command(
        after_help = "Example:\n  songjiao backup /mnt/usb/songjiao-2026-11-30.db\n\nThe daemon also makes one every night into backup.dir (config [backup])."
    )]
    Backup { file: PathBuf },
    /// Restore a backup into an empty database (a new SQLite path, or a new
    /// PostgreSQL database), then check it.
    #[command(
        after_help = "Example:\n  songjiao --database sqlite://data/restored.db restore /mnt/usb/songjiao-2026-11-30.db"
    )]
    Restore { file: PathBuf },
    /// Build a small demo district in its own database and show it.
    #[command(after_help = "Example:\n  songjiao demo\n  songjiao demo --dir /tmp/songjiao-demo")]
    Demo(demo::DemoArgs),
    /// Show the settings in force.
    #[command(subcommand)]
    Config(calendar::ConfigCommand),
    /// The school calendar: terms, holidays, make-up workdays, teaching days.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Register, list and show teachers; record their leave.
    #[command(subcommand)]
    Teacher(people::TeacherCommand),
    /// Register, list and show students; record pauses.
    #[command(subcommand)]
    Student(people::StudentCommand),
    /// Each student's plan for a school year (一人一案): set, revise, show, history.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Import teachers, students or plans from a CSV or XLSX spreadsheet.
    Import(import::ImportArgs),
    /// Record what happened at visits; list them.
    #[command(subcommand)]
    Visit(visit::VisitCommand),
    /// Every plan's periods delivered against the pace, and its status.
    #[command(
        after_help = "Examples:\n  songjiao progress\n  songjiao progress --status behind,at_risk,unreachable --format csv\n\nStatus, first that applies: unreachable (the target cannot be reached even with the most\nvisits a week), at_risk (only make-up visits can still reach it), behind (more than one\nvisit behind pace), on_track."
    )]
    Progress(progress::ProgressArgs),
    /// A student's year for an inspection: the plan and its revisions, every visit,
    /// and the accounts, which always balance.
    #[command(
        after_help = "Examples:\n  songjiao ledger S001\n  songjiao ledger S001 --year 2026-2027 --format xlsx --out 李小明-2026-2027.xlsx"
    )]
    Ledger(reports::LedgerArgs),
    /// The whole school year for the inspection files: a summary sheet and one sheet
    /// per school (xlsx), or CSV files.
    #[command(
        after_help = "Examples:\n  songjiao export --year 2026-2027\n  songjiao export --year 2026-2027 --format csv --out export/"
    )]
    Export(reports::ExportArgs),
    /// What if: replay the rest of the school year in memory with the real planner
    /// and a miss rate; does every child reach the target? Changes nothing.
    #[command(
        after_help = "Examples:\n  songjiao simulate --miss-rate 0.1\n  songjiao simulate --year 2026-2027 --from 2026-11-30 --miss-rate 0.2 --seed 7 --format json"
    )]
    Simulate(simulate::SimulateArgs),
    /// The daemon: runs the scheduled jobs (config [jobs]) once each, catching up once
    /// after downtime; stops cleanly on SIGTERM or Ctrl-C.
    #[command(
        after_help = "Examples:\n  songjiao serve\n  songjiao serve --once        # the jobs due now, then exit"
    )]
    Serve(serve::ServeArgs),
    /// Supervisors (督导), who are told when children fall behind.
    #[command(subcommand)]
    Supervisor(alerts::SupervisorCommand),
    /// The district's schools: list, rename, merge two names of one school.
    #[command(subcommand)]
    School(schools::SchoolCommand),
    /// Shortfall alerts: list them, acknowledge one.
    #[command(subcommand)]
    Alert(alerts::AlertCommand),
    /// Accounts people log in with: add, list, disable, enable, reset, scope.
    #[command(subcommand)]
    User(users::UserCommand),
    /// The access log of reads of children's details: list, verify.
    #[command(subcommand)]
    Audit(users::AuditCommand),
    /// The emails waiting to be sent, sent, or given up.
    #[command(
        subcommand,
        after_help = "Examples:\n  songjiao outbox list --status queued\n  songjiao outbox send\n  songjiao outbox retry 42"
    )]
    Outbox(outbox::OutboxCommand),
    /// Run one of the daemon's jobs now.
    #[command(
        after_help = "Examples:\n  songjiao run-job check-pace\n  songjiao run-job drain-outbox"
    )]
    RunJob {
        #[arg(value_enum)]
        job: JobName,
    },
    /// Plan a week's visits for every active plan and write them; run again, it
    /// changes only what must change. See README "How planning decides".
    #[command(
        after_help = "Examples:\n  songjiao plan-week\n  songjiao plan-week --week 2026-W49 --dry-run\n  songjiao plan-week --week 2026-W49 --format json"
    )]
    PlanWeek(week::PlanWeekArgs),
    /// The weekly planner alone: a planning problem file (JSON) in, a schedule
    /// (JSON) out. No database; see README "The planning problem file".
    #[command(after_help = "Example:\n  songjiao solve week.json > schedule.json")]
    Solve {
        /// The problem file (v1), or - for standard input.
        problem: PathBuf,
    },
}

/// What every command gets: the settings, "now", and who acts.
pub struct Context {
    pub settings: Settings,
    /// The moment the command acts at: `--as-of`, or the clock when it started.
    pub now: DateTime<Utc>,
    /// For what runs on (`serve`): the system clock, or one moving on from `--as-of`.
    pub clock: crate::clock::Clock,
    pub actor: Actor,
}

impl Context {
    /// `zh` under zh-CN, else `en`: one message in the reader's language.
    pub fn say(&self, zh: String, en: String) -> String {
        if self.chinese() { zh } else { en }
    }

    /// Whether people are spoken to in Chinese (`locale = "zh-CN"`, the default).
    pub fn chinese(&self) -> bool {
        self.settings.locale == crate::config::Locale::ZhCn
    }

    /// Today in the configured time zone.
    pub fn today(&self) -> NaiveDate {
        self.now
            .with_timezone(&self.settings.time_zone)
            .date_naive()
    }

    /// Opens the database, which `init` must have created; says what to run when not.
    /// A year's school calendar; a year without one says where its file goes.
    pub fn calendar(
        &self,
        year: crate::domain::calendar::SchoolYear,
    ) -> anyhow::Result<crate::domain::calendar::SchoolCalendar> {
        match self.settings.calendar_if_any(year) {
            Ok(Some(calendar)) => Ok(calendar),
            Ok(None) => Err(said(
                format!(
                    "no school calendar for {year}: add the year's file {}/{year}.toml or set calendar.dir",
                    self.settings.calendar.dir.display()
                ),
                format!(
                    "还没有 {year} 学年的校历：请把这一学年的校历文件放在 {}/{year}.toml，或设置 calendar.dir",
                    self.settings.calendar.dir.display()
                ),
            )),
            Err(detail) => Err(said(
                detail.clone(),
                format!("{year} 学年的校历文件有误（请运维人员处理）：{detail}"),
            )),
        }
    }

    pub async fn store(&self) -> anyhow::Result<Store> {
        let store = Store::open(&self.settings.database, false)
            .await
            .map_err(hint)?;
        store.check_schema().await.map_err(hint)?;
        crate::service::school_calendar::load_corrections(&store, &self.settings).await?;
        Ok(store)
    }
}

/// A database that is missing or not set up, with the command that fixes it.
pub(crate) fn hint(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::NotInitialised(ref url) => said(
            format!("{error}: run `songjiao init` first"),
            format!("数据库 {url} 还没有建立：请先运行 `songjiao init`"),
        ),
        StoreError::Outdated(ref url) => said(
            format!("{error}: run `songjiao init` to upgrade it"),
            format!("数据库 {url} 的结构比这个程序旧：请运行 `songjiao init` 升级"),
        ),
        StoreError::NoDatabase {
            ref at,
            ref host,
            port,
            ref user,
            ref database,
        } => said(
            format!("{error}, then run `songjiao init`"),
            format!(
                "{at} 的 PostgreSQL 没有数据库 `{database}`：请（用有权限的用户）建立它，例如 `createdb -h {host} -p {port} -U {user} {database}`，再运行 `songjiao init`"
            ),
        ),
        StoreError::Unreachable { ref at, ref reason } => said(
            error.to_string(),
            if reason.starts_with("connection refused") {
                format!("连不上 {at} 的 PostgreSQL：连接被拒绝（服务器在运行吗？端口对吗？）")
            } else {
                format!("连不上 {at} 的 PostgreSQL：{reason}")
            },
        ),
        other => other.into(),
    }
}

/// "Now" and the clock: `--as-of` or SONGJIAO_NOW (a date means 09:00 that day in
/// the configured zone) exactly, with a clock moving on from it, when given; else
/// the system's. The only place the command line reads the clock.
fn resolve_now(
    as_of: Option<&str>,
    settings: &Settings,
) -> anyhow::Result<(DateTime<Utc>, crate::clock::Clock)> {
    let from_env = std::env::var("SONGJIAO_NOW").ok().filter(|v| !v.is_empty());
    match as_of.map(str::to_string).or(from_env) {
        Some(text) => {
            let start = parse_as_of(&text, settings)?;
            Ok((start, crate::clock::running_from(start)))
        }
        None => {
            let clock = crate::clock::system();
            Ok((clock(), clock))
        }
    }
}

fn parse_as_of(text: &str, settings: &Settings) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        said(
            format!("--as-of `{text}` is not a date like 2026-11-30 (or an RFC 3339 time)"),
            format!("--as-of “{text}”不是日期，请写成 2026-11-30 这样（或 RFC 3339 时间）"),
        )
    })?;
    let nine = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 exists"));
    settings
        .time_zone
        .from_local_datetime(&nine)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| anyhow::anyhow!("{text} 09:00 does not exist in {}", settings.time_zone))
}

fn actor() -> Actor {
    let name = std::env::var("SONGJIAO_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Actor::new(format!("cli:{name}"))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(url) = cli.database {
        settings.database.url = url;
    }
    let chinese = settings.locale == crate::config::Locale::ZhCn;
    let (now, clock) =
        resolve_now(cli.as_of.as_deref(), &settings).map_err(|e| in_language(e, chinese))?;
    output::speak(crate::speech::Speech::of(&settings));
    let context = Context {
        settings,
        now,
        clock,
        actor: actor(),
    };
    let done = match cli.command {
        Command::Init => init(&context).await,
        Command::Backup { file } => backup::backup(&context, &file).await,
        Command::Restore { file } => backup::restore(&context, &file).await,
        Command::Demo(args) => demo::run(&context, args).await,
        Command::Config(command) => calendar::config(&context, command),
        Command::Calendar(command) => calendar::run(&context, command).await,
        Command::Teacher(command) => people::teacher(&context, command).await,
        Command::Student(command) => people::student(&context, command).await,
        Command::Plan(command) => plan::run(&context, command).await,
        Command::Import(args) => import::run(&context, args).await,
        Command::PlanWeek(args) => week::run(&context, args).await,
        Command::Visit(command) => visit::run(&context, command).await,
        Command::Progress(args) => progress::run(&context, args).await,
        Command::Ledger(args) => reports::ledger(&context, args).await,
        Command::Export(args) => reports::export(&context, args).await,
        Command::Simulate(args) => simulate::run(&context, args).await,
        Command::User(command) => users::run(&context, command).await,
        Command::Audit(command) => users::audit(&context, command).await,
        Command::Outbox(command) => outbox::run(&context, command).await,
        Command::Supervisor(command) => alerts::supervisor(&context, command).await,
        Command::School(command) => schools::run(&context, command).await,
        Command::Serve(args) => serve::run(&context, args).await,
        Command::Alert(command) => alerts::alert(&context, command).await,
        Command::RunJob { job } => outbox::run_job(&context, job.into()).await,
        Command::Solve { problem } => solve(&problem),
    };
    done.map_err(|error| in_language(error, chinese))
}

/// A failure in the reader's language: under zh-CN each typed reason and
/// service error through the catalogue.
fn in_language(error: anyhow::Error, chinese: bool) -> anyhow::Error {
    if !chinese
        || error.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        })
    {
        return error;
    }
    anyhow::anyhow!(chinese_text(&error))
}

/// Arguments clap refuses, then exits. A value our rules refuse (`--year
/// 2026-2027学年`) is said in the reader's language, with its flag; every other
/// refusal (and `--help`, which stays English, see the README) is clap's own.
pub fn refused_arguments(error: clap::Error) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let reason = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<crate::reason::Reason>());
    let flag = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(flag)) => flag.split_whitespace().next().map(str::to_string),
        _ => None,
    };
    if let (ErrorKind::ValueValidation, Some(reason), Some(flag)) = (error.kind(), reason, flag) {
        let config = std::env::args()
            .skip_while(|a| a != "--config")
            .nth(1)
            .or_else(|| {
                std::env::args().find_map(|a| a.strip_prefix("--config=").map(str::to_string))
            });
        let settings = Settings::load(
            config.as_deref().map(std::path::Path::new),
            std::env::vars(),
        );
        if settings.is_ok_and(|s| s.locale == crate::config::Locale::ZhCn) {
            eprintln!("错误：{flag}：{}", reason.chinese());
            std::process::exit(2);
        }
    }
    error.exit()
}

/// A file the command was given that cannot be read.
pub(crate) fn cannot_read(path: &std::path::Path, error: std::io::Error) -> anyhow::Error {
    let shown = path.display();
    let zh = match error.kind() {
        std::io::ErrorKind::NotFound => format!("找不到文件 {shown}：请检查文件名和所在的文件夹"),
        std::io::ErrorKind::PermissionDenied => format!("没有权限读取 {shown}"),
        std::io::ErrorKind::IsADirectory => format!("{shown} 是文件夹，不是文件：请写出文件名"),
        _ => format!("读不出 {shown}：{error}"),
    };
    said(format!("cannot read {shown}: {error}"), zh)
}

/// A message the command line words itself, in both languages: shown in the
/// reader's by [`in_language`].
#[derive(Debug)]
pub(crate) struct Said {
    en: String,
    zh: String,
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Said {}

pub(crate) fn said(en: impl Into<String>, zh: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Said {
        en: en.into(),
        zh: zh.into(),
    })
}

/// An error and its causes in Chinese: a typed reason or a service's error
/// in the catalogue's words; the words the commands wrote themselves (already
/// in the reader's language) as they are.
pub(crate) fn chinese_text(error: &anyhow::Error) -> String {
    let said = |cause: &(dyn std::error::Error + 'static)| {
        if let Some(said) = cause.downcast_ref::<Said>() {
            said.zh.clone()
        } else if let Some(reason) = cause.downcast_ref::<crate::reason::Reason>() {
            reason.chinese()
        } else if let Some(error) = cause.downcast_ref::<crate::service::ServiceError>() {
            error.say(true)
        } else if let Some(error) = cause.downcast_ref::<crate::service::backup::BackupError>() {
            error.chinese()
        } else {
            cause.to_string()
        }
    };
    let mut causes = error.chain();
    let mut text = causes.next().map(said).unwrap_or_default();
    for cause in causes {
        text.push_str("\n  原因：");
        text.push_str(&said(cause));
    }
    text
}

/// The daemon's jobs as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobName {
    /// Plan the coming week and queue the teachers' schedules.
    PlanWeek,
    /// Check every plan's pace; tell supervisors about alerts that opened, rose,
    /// are due a reminder or recovered.
    CheckPace,
    /// Each supervisor's weekly summary of their students.
    Digest,
    /// Remind teachers of visits they have not recorded; tell the coordinators
    /// about visits unrecorded for days.
    RemindUnrecorded,
    /// Send the queued emails.
    DrainOutbox,
    /// Remove the access-log rows older than `security.access_log_days`.
    PruneAccessLog,
    /// A copy of the database into `backup.dir`, keeping `backup.keep` copies.
    Backup,
    /// Anonymise the children who left more than `privacy.retention_years` ago.
    Retention,
}

impl From<JobName> for crate::jobs::Job {
    fn from(name: JobName) -> Self {
        use crate::jobs::Job;
        match name {
            JobName::PlanWeek => Job::PlanWeek,
            JobName::CheckPace => Job::CheckPace,
            JobName::Digest => Job::Digest,
            JobName::RemindUnrecorded => Job::RemindUnrecorded,
            JobName::DrainOutbox => Job::DrainOutbox,
            JobName::PruneAccessLog => Job::PruneAccessLog,
            JobName::Backup => Job::Backup,
            JobName::Retention => Job::Retention,
        }
    }
}

fn solve(path: &std::path::Path) -> anyhow::Result<()> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path).map_err(|e| cannot_read(path, e))?
    };
    let problem = crate::service::plan_week::Problem::from_json(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let schedule = crate::service::plan_week::solve_problem(&problem)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut out, &schedule)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    std::io::Write::flush(&mut out)?;
    // A district's week is a million small strings: the process is ending, and
    // freeing them one by one would add a tenth of a second.
    std::mem::forget((problem, schedule, text));
    Ok(())
}

/// Brings the schema up to this version; a database upgraded from before the
/// access log was keyed has its chain checked and written again under the key,
/// once, here.
pub(crate) async fn upgrade(context: &Context, store: &Store) -> anyhow::Result<()> {
    const KEYED_ACCESS_LOG: i64 = 21;
    const PHONES_NORMALISED: i64 = 24;
    let existed = store.has_migration(1).await?;
    let unkeyed = existed && !store.has_migration(KEYED_ACCESS_LOG).await?;
    let raw_phones = existed && !store.has_migration(PHONES_NORMALISED).await?;
    store.migrate().await?;
    if raw_phones {
        let (normalised, unreadable) =
            crate::service::registry::normalise_phones(store, &context.actor, context.now).await?;
        if normalised > 0 {
            println!(
                "{}",
                context.say(
                    format!("已把 {normalised} 个监护人电话整理成统一写法（去掉空格和横线）。"),
                    format!("{normalised} guardians' phones were written the one way (no spaces or dashes).")
                )
            );
        }
        if !unreadable.is_empty() {
            eprintln!(
                "{}",
                context.say(
                    format!("注意：这些学生的监护人电话不是电话号码，保持原样，请改正：{}", unreadable.join("、")),
                    format!("Note: these students' guardian phones are not phone numbers and are left as they are: correct them: {}", unreadable.join(", ")),
                )
            );
        }
    }
    if unkeyed {
        let verdict = crate::service::audit::rechain(
            store,
            &context.settings,
            &context.actor,
            context.now,
            true,
        )
        .await?;
        if !matches!(verdict, crate::service::audit::Verdict::Intact { .. }) {
            eprintln!(
                "{}",
                context.say(
                    format!("注意：升级前的查阅日志已不完整，保持原样：{}", users::verdict_words(context, &verdict)),
                    format!("Note: the access log was already broken before the upgrade and is left as it is: {}", users::verdict_words(context, &verdict)),
                )
            );
        }
    }
    Ok(())
}

async fn init(context: &Context) -> anyhow::Result<()> {
    let store = Store::open(&context.settings.database, true)
        .await
        .map_err(hint)?;
    upgrade(context, &store).await?;
    let url = crate::config::url_without_password(&context.settings.database.url);
    println!(
        "{}",
        context.say(
            format!("数据库已就绪：{url}"),
            format!("The database is ready: {url}")
        )
    );
    store.close().await;
    Ok(())
}
