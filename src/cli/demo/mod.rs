//! `songjiao demo`: a small district that is alive on the day it is run. It is set
//! up in its own database from the spreadsheets a coordinator's office keeps (the
//! files double as templates), lives its school year up to now as the daemon and
//! the people would (`life`), and says where to look: this week planned, today's
//! visits, records waiting, the children behind and why.

mod district;
mod life;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, IsoWeek, NaiveDate};
use clap::Args;

use super::Context;
use super::output::print_table;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::pace::Status;
use crate::domain::slot::weekday_name_zh;
use crate::service::Store;
use crate::service::imports::{self, Upload};
use crate::service::progress::year_progress;
use crate::service::visits::VisitFilter;
use crate::service::{accounts, visits};
use crate::speech::Speech;
use district::{SCHOOLS, TEACHERS};
use life::{People, at};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's database, spreadsheets and mail (replaced on every run).
    #[arg(long, default_value = "data/demo")]
    pub dir: PathBuf,
}

/// The password of the demo's accounts: the demo is a place to look around, not
/// a district's data.
const DEMO_PASSWORD: &str = "songjiao-demo";

/// The school year the demo lives: today's, or in the summer holiday (before the
/// new year's first teaching day, or before its calendar is published) the year
/// just ended.
fn demo_year(context: &Context) -> anyhow::Result<(SchoolYear, SchoolCalendar)> {
    let today = context.today();
    let year = SchoolYear::containing(today);
    if let Ok(calendar) = context.settings.calendar(year)
        && calendar
            .teaching_span()
            .is_some_and(|(first, _)| first <= today)
    {
        return Ok((year, calendar));
    }
    let ended = SchoolYear::starting(year.first_day().year() - 1);
    let calendar = context
        .settings
        .calendar(ended)
        .map_err(anyhow::Error::msg)?;
    Ok((ended, calendar))
}

pub async fn run(context: &Context, args: DemoArgs) -> anyhow::Result<()> {
    let (year, calendar) = demo_year(context)?;
    let Some((first_day, last_day)) = calendar.teaching_span() else {
        anyhow::bail!("the school calendar of {year} has no teaching days");
    };
    std::fs::create_dir_all(&args.dir)?;
    let database = args.dir.join("songjiao.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    for folder in ["mail", "backups"] {
        let folder = args.dir.join(folder);
        if folder.exists() {
            std::fs::remove_dir_all(&folder)?;
        }
    }
    let mut settings = context.settings.clone();
    settings.database.url = format!("sqlite://{}", database.display());
    settings.mail.dir = args.dir.join("mail");
    settings.mail.transport = crate::config::MailTransport::File;
    // The demo's nightly backups go beside its database, whatever the settings say.
    settings.backup.dir = PathBuf::new();
    let demo = Context {
        settings,
        now: context.now,
        clock: context.clock.clone(),
        actor: context.actor.clone(),
    };
    let zh = demo.chinese();
    let today = demo.today();
    let weekday = if zh {
        weekday_name_zh(today.weekday()).to_string()
    } else {
        today.format("%A").to_string()
    };
    println!(
        "{}\n",
        demo.say(
            format!(
                "songjiao 演示：一个有 {} 所学校、{} 位送教教师、{} 个孩子的区，{year} 学年；今天是 {today}（{weekday}）。",
                SCHOOLS.len(),
                TEACHERS.len(),
                district::STUDENTS
            ),
            format!(
                "songjiao demo: a district of {} schools, {} home-teaching teachers and {} children, school year {year}; today is {today} ({weekday}).",
                SCHOOLS.len(),
                TEACHERS.len(),
                district::STUDENTS
            ),
        )
    );

    let store = Store::open(&demo.settings.database, true).await?;
    store.migrate().await?;
    // The office set the district up the week before the year's first day.
    let setup = at(&demo.settings, first_day - Duration::days(7), 9, 0);
    let second_term = calendar.terms.get(1).map(|t| t.start);
    let mut people = None;
    for (kind, name, text) in district::sheets(year, second_term) {
        // The supervisors' sheet comes after the accounts: it makes the district's
        // coordinator hear of the alerts too, on the account already made.
        if kind == crate::import::records::Kind::Supervisors {
            people = Some(demo_accounts(&demo, &store, setup).await?);
        }
        let file = args.dir.join(name);
        std::fs::write(&file, &text)?;
        let upload = Upload::new(name, text.as_bytes());
        let report = imports::import(
            &store,
            &demo.settings,
            &demo.actor,
            setup,
            kind,
            upload,
            false,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        println!(
            "{}",
            demo.say(
                format!(
                    "已从 {} 导入 {} 条{}",
                    file.display(),
                    report.created + report.updated + report.unchanged,
                    kind.zh()
                ),
                format!(
                    "Imported {} {:?} from {}",
                    report.created + report.updated + report.unchanged,
                    kind,
                    file.display()
                ),
            )
        );
    }
    let people = match people {
        Some(people) => people,
        None => demo_accounts(&demo, &store, setup).await?,
    };

    // After the year's last day, two weeks to record its last visits.
    let until = demo
        .now
        .min(at(&demo.settings, last_day + Duration::days(14), 0, 0));
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let lived = life::live(
        &store,
        &demo.settings,
        &calendar,
        &people,
        setup,
        until,
        |done, total, day| {
            bar.set_length(total);
            bar.set_position(done);
            bar.set_message(day.to_string());
        },
    )
    .await?;
    bar.finish_and_clear();
    // Whatever else the daemon owes now (the outbox, the night's backup) is done
    // too, so the first `serve` on this database starts with nothing to catch up.
    let jobs = crate::daemon::scheduled_jobs(&demo.settings).map_err(anyhow::Error::msg)?;
    crate::daemon::run_due(&store, &demo.settings, &people.daemon, &jobs, demo.now).await;

    let weeks_planned = {
        let planned = visits::list(&store, &people.coordinator, &VisitFilter::default()).await?;
        let mut weeks: Vec<IsoWeek> = planned.iter().map(|v| v.visit.day.iso_week()).collect();
        weeks.dedup();
        weeks.len()
    };
    let leave = match &lived.leave {
        Some((teacher, from, to)) => {
            let name = teacher_name(teacher);
            demo.say(
                format!(
                    "{name}{}月{}日至{}请假参加培训，她的孩子由备用教师代为送教；",
                    from.month(),
                    from.day(),
                    if to.month() == from.month() {
                        format!("{}日", to.day())
                    } else {
                        format!("{}月{}日", to.month(), to.day())
                    }
                ),
                format!("{name} was on leave from {from} to {to}, her children visited by their backup teachers; "),
            )
        }
        None => String::new(),
    };
    println!(
        "\n{}",
        demo.say(
            format!(
                "演示区从 {} 起照常运转到现在：每周五 15:00 排好下一周（共 {weeks_planned} 周），老师们每天晚上记录送教（{} 次，其中 {} 次晚了几天才记）；{leave}督导确认了 {} 条预警。",
                first_day - Duration::days(7),
                lived.visits_recorded,
                lived.recorded_late,
                lived.alerts_acknowledged
            ),
            format!(
                "The district has run as usual since {}: each Friday at 15:00 the next week planned ({weeks_planned} weeks), teachers recording their visits each evening ({}, {} of them a few days late); {leave}supervisors acknowledged {} alerts.",
                first_day - Duration::days(7),
                lived.visits_recorded,
                lived.recorded_late,
                lived.alerts_acknowledged
            ),
        )
    );

    let shown = shown_week(&store, &people, today).await?;
    if let Some(week) = shown {
        print_week(&demo, &store, &people, &calendar, week).await?;
    }
    let mut out = std::io::stdout().lock();
    print_behind(&demo, &store, &people, &calendar, &mut out).await?;
    let mail = std::fs::read_dir(&demo.settings.mail.dir).map_or(0, |files| files.count());
    store.close().await;
    println!(
        "\n{}",
        demo.say(
            format!(
                "已把 {mail} 封邮件写入 {}：每位教师的每周安排（附日历文件 .ics）、督导的进度预警和周报、给老师的记录提醒。任何邮件程序都能打开。",
                demo.settings.mail.dir.display()
            ),
            format!(
                "{mail} emails written to {}: each teacher's weekly schedule with its calendar file (.ics), the supervisors' alerts and digests, the teachers' reminders to record. Open them with any mail program.",
                demo.settings.mail.dir.display()
            ),
        )
    );
    print_where_to_look(&demo, &args.dir, year, shown);
    Ok(())
}

/// The demo's accounts: the district's coordinator, a school's supervisor and
/// every teacher (each records their own visits), made when the district was set up.
async fn demo_accounts(
    demo: &Context,
    store: &Store,
    setup: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<People> {
    use crate::domain::access::{Role, Scope};
    use accounts::NewUser;
    let mut people = vec![
        (
            "center@example.org".to_string(),
            "区特教中心".to_string(),
            Role::Coordinator,
            Scope::District,
        ),
        (
            "zhao@example.org".into(),
            "赵督导".into(),
            Role::Supervisor,
            Scope::Schools {
                schools: vec![SCHOOLS[1].to_string()],
            },
        ),
    ];
    for (t, (name, _)) in TEACHERS.iter().enumerate() {
        people.push((
            district::teacher_email(t),
            name.to_string(),
            Role::Teacher,
            Scope::Teacher {
                teacher_id: district::teacher_id(t),
            },
        ));
    }
    for (email, name, role, scope) in people {
        let user = NewUser {
            email,
            name,
            role,
            scope,
            password: Some(DEMO_PASSWORD.into()),
        };
        accounts::add_user(store, &demo.settings, &demo.actor, setup, user).await?;
    }
    let mut teachers = HashMap::new();
    for t in 0..TEACHERS.len() {
        teachers.insert(
            district::teacher_id(t),
            accounts::on_behalf_of(store, &demo.actor, &district::teacher_email(t)).await?,
        );
    }
    Ok(People {
        daemon: demo.actor.clone(),
        coordinator: accounts::on_behalf_of(store, &demo.actor, "center@example.org").await?,
        supervisor: accounts::on_behalf_of(store, &demo.actor, "zhao@example.org").await?,
        teachers,
    })
}

fn teacher_name(teacher_id: &str) -> String {
    (0..TEACHERS.len())
        .find(|t| district::teacher_id(*t) == teacher_id)
        .map_or_else(|| teacher_id.to_string(), |t| TEACHERS[t].0.to_string())
}

/// The week to show and to send the teacher T01 to: this one when she has visits
/// in it, else the latest week before with her visits, else the coming one.
async fn shown_week(
    store: &Store,
    people: &People,
    today: NaiveDate,
) -> anyhow::Result<Option<IsoWeek>> {
    let filter = VisitFilter {
        teacher_id: Some(district::teacher_id(0)),
        ..VisitFilter::default()
    };
    let hers = visits::list(store, &people.coordinator, &filter).await?;
    let this_week = today.iso_week();
    let weeks: Vec<IsoWeek> = hers.iter().map(|v| v.visit.day.iso_week()).collect();
    Ok(weeks
        .iter()
        .find(|w| **w == this_week)
        .or_else(|| weeks.iter().filter(|w| **w < this_week).max())
        .or_else(|| weeks.iter().min())
        .copied())
}

/// The week's visits, one line a teacher: day, half-day, child, and what came of it.
async fn print_week(
    demo: &Context,
    store: &Store,
    people: &People,
    calendar: &SchoolCalendar,
    week: IsoWeek,
) -> anyhow::Result<()> {
    let speech = Speech::of(&demo.settings);
    let monday = crate::service::plan_week::monday_of(week);
    let filter = VisitFilter {
        from: Some(monday),
        to: Some(monday + Duration::days(6)),
        ..VisitFilter::default()
    };
    let week_visits = visits::list(store, &people.coordinator, &filter).await?;
    let today = demo.today();
    let name = speech.week(calendar, week);
    let today_count = week_visits.iter().filter(|v| v.visit.day == today).count();
    let waiting = visits::list(
        store,
        &people.coordinator,
        &VisitFilter {
            unrecorded_by: Some(today - Duration::days(1)),
            ..VisitFilter::default()
        },
    )
    .await?
    .len();
    let grace = demo.settings.records.record_grace_days;
    println!(
        "\n{}",
        demo.say(
            format!(
                "{name}的送教（共 {} 次；今天 {today_count} 次；之前的送教还有 {waiting} 次老师还没记录，送教后 {grace} 天内记录都不算晚）：",
                week_visits.len()
            ),
            format!(
                "The visits of {name} ({} in all; {today_count} today; {waiting} earlier visits not recorded yet: a record within {grace} days of the visit is not late):",
                week_visits.len()
            ),
        )
    );
    for (t, (teacher, _)) in TEACHERS.iter().enumerate() {
        let id = district::teacher_id(t);
        let mut hers: Vec<_> = week_visits
            .iter()
            .filter(|v| v.visit.teacher_id == id)
            .collect();
        hers.sort_by(|a, b| (a.visit.day, &a.visit.slot).cmp(&(b.visit.day, &b.visit.slot)));
        let lines: Vec<String> = hers
            .iter()
            .map(|v| {
                let day = if speech.chinese {
                    weekday_name_zh(v.visit.day.weekday()).to_string()
                } else {
                    v.visit.day.format("%a").to_string()
                };
                let slot = speech.cell("slot", &serde_json::json!(v.visit.slot));
                let state = match v.visit.outcome {
                    Some(outcome) => speech.cell("outcome", &serde_json::json!(outcome.code())),
                    None if v.visit.day < today => demo.say("待记录".into(), "to record".into()),
                    None if v.visit.day == today => demo.say("今天".into(), "today".into()),
                    None => demo.say("待送教".into(), "to come".into()),
                };
                format!("{day}{slot} {}（{state}）", v.name)
            })
            .collect();
        let none = demo.say("本周没有送教".into(), "no visits this week".into());
        let list = if lines.is_empty() {
            none
        } else {
            lines.join("，")
        };
        println!("  {id} {teacher}：{list}");
    }
    Ok(())
}

/// The children not on pace today, worst first, with why their last visit did
/// not happen.
async fn print_behind(
    demo: &Context,
    store: &Store,
    people: &People,
    calendar: &SchoolCalendar,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    let speech = Speech::of(&demo.settings);
    let mut rows = year_progress(store, &demo.settings, &demo.actor, calendar, demo.now).await?;
    rows.retain(|r| r.status != Status::OnTrack);
    rows.sort_by_key(|r| (std::cmp::Reverse(severity(r.status)), r.student_id.clone()));
    writeln!(
        out,
        "\n{}",
        demo.say(
            format!("今天没跟上进度的孩子（{} 个）：", rows.len()),
            format!("Children not on pace today ({}):", rows.len()),
        )
    )?;
    let mut table = Vec::new();
    for row in &rows {
        let filter = VisitFilter {
            student_id: Some(row.student_id.clone()),
            ..VisitFilter::default()
        };
        let theirs = visits::list(store, &people.coordinator, &filter).await?;
        let last_reason = theirs
            .iter()
            .filter_map(|v| v.visit.reason.map(|r| (v.visit.day, r)))
            .max_by_key(|(day, _)| *day)
            .map(|(_, r)| speech.cell("reason", &serde_json::json!(r.code())))
            .unwrap_or_default();
        table.push(vec![
            row.student_id.clone(),
            row.name.clone(),
            row.school.clone(),
            speech.cell("status", &serde_json::json!(row.status.as_str())),
            row.delivered.to_string(),
            row.expected.to_string(),
            row.visits_missed.to_string(),
            last_reason,
        ]);
    }
    let headers: Vec<String> = [
        "student_id",
        "name",
        "school",
        "status",
        "delivered",
        "expected",
        "visits_missed",
    ]
    .iter()
    .map(|k| speech.header(k))
    .chain(std::iter::once(
        demo.say("最近未完成的原因".into(), "last reason missed".into()),
    ))
    .collect();
    print_table(&headers, &table, out)?;
    Ok(())
}

/// Worse statuses first.
fn severity(status: Status) -> u8 {
    match status {
        Status::Unreachable => 3,
        Status::AtRisk => 2,
        Status::Behind => 1,
        Status::OnTrack => 0,
    }
}

/// How to run this very program again, as the reader can type it: `cargo run
/// --release --` when cargo built it (its folder is `release` or `debug` in a
/// cargo target folder, wherever CARGO_TARGET_DIR put it), else its name.
fn program() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let built_by_cargo = |profile: &str| {
        exe.parent().is_some_and(|dir| {
            dir.file_name() == Some(std::ffi::OsStr::new(profile))
                && dir
                    .parent()
                    .is_some_and(|target| target.join("CACHEDIR.TAG").exists())
        })
    };
    if built_by_cargo("release") {
        "cargo run --release --".into()
    } else if built_by_cargo("debug") {
        "cargo run --".into()
    } else {
        "songjiao".into()
    }
}

/// Commands to look around and the pages to open, each as it can be typed now.
fn print_where_to_look(demo: &Context, dir: &Path, year: SchoolYear, week: Option<IsoWeek>) {
    let program = program();
    let url = &demo.settings.database.url;
    let run = format!("{program} --database {url}");
    let mail = demo.settings.mail.dir.display();
    let web = &demo.settings.web.public_url;
    let school = SCHOOLS[1];
    let teacher = TEACHERS[0].0;
    let week_link = week.map_or_else(String::new, |w| {
        format!("{web}/?week={}", crate::service::plan_week::format_week(w))
    });
    let dir = dir.display();
    if demo.chinese() {
        println!(
            "\n演示用的表格在 {dir}：可以复制作为您自己的模板。\n\
             四处看看：\n  \
             {run} progress --status behind,at_risk,unreachable\n  \
             {run} ledger S005\n  \
             {run} visit list --student S005\n  \
             {run} simulate --miss-rate 0.1\n  \
             {run} plan show S001\n  \
             {run} calendar show --year {year}\n\
             在它上面运行后台服务和网页（Ctrl-C 停止；邮件写入 {mail}）：\n  \
             SONGJIAO_MAIL_DIR={mail} {run} serve\n\
             然后打开 {web}，用密码 {DEMO_PASSWORD} 登录：\n  \
             center@example.org（区特教专干）\n  \
             zhao@example.org（{school}的督导）\n  \
             t01@example.org（送教教师{teacher}；她这一周的送教：{week_link}）"
        );
    } else {
        println!(
            "\nThe demo's spreadsheets are in {dir}: copy them as templates for your own.\n\
             Look around:\n  \
             {run} progress --status behind,at_risk,unreachable\n  \
             {run} ledger S005\n  \
             {run} visit list --student S005\n  \
             {run} simulate --miss-rate 0.1\n  \
             {run} plan show S001\n  \
             {run} calendar show --year {year}\n\
             Run the daemon and the pages on it (Ctrl-C stops it; its mail lands in {mail}):\n  \
             SONGJIAO_MAIL_DIR={mail} {run} serve\n\
             then open {web} and log in with the password {DEMO_PASSWORD} as\n  \
             center@example.org (the district's coordinator)\n  \
             zhao@example.org (a supervisor of {school})\n  \
             t01@example.org (the teacher {teacher}; her week: {week_link})"
        );
    }
}
