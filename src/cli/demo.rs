//! `songjiao demo`: a small, realistic district in its own database, built through
//! the same spreadsheet import a coordinator uses, so the files double as examples.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, TimeZone};
use clap::Args;

use super::Context;
use super::output::print_table;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::visit::Outcome;
use crate::import::records::Kind;
use crate::reports::words::Speech;
use crate::service::imports::{self, Upload};
use crate::service::progress::year_progress;
use crate::service::{self, plan_week, registry};
use crate::store::Store;
use crate::store::visits::RecordInput;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's database and spreadsheets (replaced on every run).
    #[arg(long, default_value = "data/demo")]
    pub dir: PathBuf,
}

const SCHOOLS: [&str; 3] = ["城关小学", "东山镇中心小学", "河西镇九年一贯制学校"];
// Full-time 送教 teachers: every weekday slot but a weekly meeting and one other.
// Full-time 送教 teachers, three a school: every weekday slot but two.
const TEACHERS: [(&str, &str); 9] = [
    (
        "王芳",
        "Mon-PM Tue-AM Tue-PM Wed-AM Thu-AM Thu-PM Fri-AM Fri-PM",
    ),
    (
        "李娜",
        "Mon-AM Mon-PM Tue-AM Wed-AM Wed-PM Thu-AM Thu-PM Fri-PM",
    ),
    (
        "张伟",
        "Mon-AM Tue-AM Tue-PM Wed-AM Wed-PM Thu-PM Fri-AM Fri-PM",
    ),
    (
        "刘洋",
        "Mon-AM Mon-PM Tue-AM Tue-PM Wed-PM Thu-AM Thu-PM Fri-AM",
    ),
    (
        "陈静",
        "Mon-AM Mon-PM Tue-PM Wed-AM Wed-PM Thu-AM Fri-AM Fri-PM",
    ),
    (
        "杨丽",
        "Mon-PM Tue-AM Tue-PM Wed-AM Thu-AM Thu-PM Fri-AM Fri-PM",
    ),
    (
        "赵敏",
        "Mon-AM Mon-PM Tue-AM Wed-AM Wed-PM Thu-AM Thu-PM Fri-PM",
    ),
    (
        "黄磊",
        "Mon-AM Tue-AM Tue-PM Wed-AM Wed-PM Thu-PM Fri-AM Fri-PM",
    ),
    (
        "周强",
        "Mon-AM Mon-PM Tue-AM Tue-PM Wed-PM Thu-AM Thu-PM Fri-AM",
    ),
];
const SURNAMES: [&str; 10] = ["李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 12] = [
    "小明", "欣怡", "子涵", "浩然", "雨桐", "宇轩", "梓萱", "俊杰", "诗琪", "博文", "可馨", "天佑",
];
const GUARDIANS: [&str; 6] = ["建国", "秀英", "志强", "丽华", "国强", "桂芳"];
const DISABILITIES: [&str; 6] = [
    "智力残疾",
    "孤独症",
    "肢体残疾",
    "多重残疾",
    "精神残疾",
    "视力残疾",
];
const STREETS: [&str; 5] = ["幸福路", "建设街", "和平巷", "东风路", "河滨路"];
const FAMILY_SLOTS: [&str; 6] = [
    "Mon-AM Tue-PM Wed-AM Thu-PM Fri-AM Fri-PM",
    "Mon-PM Tue-AM Tue-PM Wed-PM Thu-AM Fri-PM",
    "Mon-AM Tue-AM Wed-PM Thu-AM Thu-PM Fri-AM",
    "Mon-PM Tue-PM Wed-AM Wed-PM Thu-PM Fri-AM",
    "Tue-AM Tue-PM Wed-AM Thu-AM Fri-AM Fri-PM",
    "周一下午 周二上午 周三上午 周四下午 周五上午 周五下午",
];
const GOALS: [&str; 8] = [
    "认识数字1-10并能点数",
    "能独立穿脱外套",
    "能用完整句子表达需求",
    "练习握笔，描写自己的名字",
    "能安坐参与活动15分钟",
    "认识常见的交通标志",
    "能完成简单的家务（摆碗筷）",
    "手指精细动作训练：串珠、扣纽扣",
];

/// A spreadsheet as CSV text: `header` is the comma-separated column names.
fn csv(header: &str, rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = std::iter::once(header.split(',').map(String::from).collect())
        .chain(rows.iter().cloned())
        .try_for_each(|row: Vec<String>| writer.write_record(row));
    let bytes = written.and_then(|()| writer.into_inner().map_err(|e| e.into_error().into()));
    String::from_utf8(bytes.expect("writing CSV to memory cannot fail"))
        .expect("CSV of UTF-8 text is UTF-8")
}

/// The demo district as three spreadsheets: teachers, students, plans.
fn district(year: SchoolYear, second_term: Option<NaiveDate>) -> [(Kind, &'static str, String); 4] {
    let teachers: Vec<Vec<String>> = TEACHERS
        .iter()
        .enumerate()
        .map(|(i, (name, slots))| {
            vec![
                format!("T{:02}", i + 1),
                name.to_string(),
                format!("t{:02}@example.org", i + 1),
                SCHOOLS[i % 3].into(),
                slots.to_string(),
                String::new(),
            ]
        })
        .collect();
    let mut students = Vec::new();
    let mut plans = Vec::new();
    for i in 0..30usize {
        let school = i % 3;
        let surname = SURNAMES[(i * 7) % SURNAMES.len()];
        let id = format!("S{:03}", i + 1);
        students.push(vec![
            id.clone(),
            format!("{surname}{}", GIVEN[i % GIVEN.len()]),
            if i % 2 == 0 {
                "男".into()
            } else {
                "女".into()
            },
            format!(
                "{}-{:02}-{:02}",
                2012 + (i % 8),
                1 + (i % 12),
                1 + (i * 3) % 28
            ),
            DISABILITIES[i % DISABILITIES.len()].into(),
            format!("{surname}{}", GUARDIANS[i % GUARDIANS.len()]),
            format!("139{:08}", 10_000_000 + i * 7_919),
            format!(
                "{}镇{}{}号",
                ["城关", "东山", "河西"][school],
                STREETS[i % STREETS.len()],
                3 + i * 2
            ),
            SCHOOLS[school].into(),
            FAMILY_SLOTS[(i / 3) % FAMILY_SLOTS.len()].into(),
        ]);
        // Teachers of the same school: T01/T04/T07 for the first, and so on.
        let same_school: Vec<usize> = (0..TEACHERS.len()).filter(|t| t % 3 == school).collect();
        let teacher = same_school[(i / 3) % same_school.len()];
        let backup = same_school[(i / 3 + 1) % same_school.len()];
        let goals = [GOALS[i % GOALS.len()], GOALS[(i + 3) % GOALS.len()]].join("；");
        // Two children join with the second term: their targets are pro-rated.
        let start = match second_term {
            Some(day) if i >= 28 => day.to_string(),
            _ => String::new(),
        };
        plans.push(vec![
            id,
            year.to_string(),
            format!("T{:02}", teacher + 1),
            format!("T{:02}", backup + 1),
            String::new(),
            String::new(),
            String::new(),
            start,
            String::new(),
            goals,
        ]);
    }
    [
        (
            Kind::Teachers,
            "teachers.csv",
            csv(
                "teacher_id,name,email,school,available,max_visits_per_day",
                &teachers,
            ),
        ),
        (
            Kind::Students,
            "students.csv",
            csv(
                "student_id,name,gender,birth_date,disability,guardian_name,guardian_phone,address,school,available",
                &students,
            ),
        ),
        (
            Kind::Plans,
            "plans.csv",
            csv(
                "student_id,school_year,teacher_id,backup_teacher_id,visits_per_week,periods_per_visit,annual_target,start_date,end_date,goals",
                &plans,
            ),
        ),
        (
            Kind::Supervisors,
            "supervisors.csv",
            csv(
                "name,email,school",
                &[
                    vec![
                        "赵督导".into(),
                        "zhao@example.org".into(),
                        SCHOOLS[1].into(),
                    ],
                    vec![
                        "区特教中心".into(),
                        "center@example.org".into(),
                        String::new(),
                    ],
                ],
            ),
        ),
    ]
}

pub async fn run(context: &Context, args: DemoArgs) -> anyhow::Result<()> {
    let year = SchoolYear::containing(context.today());
    let calendar = context
        .settings
        .calendar(year)
        .map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(&args.dir)?;
    let database = args.dir.join("songjiao.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    let mut settings = context.settings.clone();
    settings.database.url = format!("sqlite://{}", database.display());
    settings.mail.dir = args.dir.join("mail");
    let demo = Context {
        settings,
        now: context.now,
        clock: context.clock.clone(),
        actor: context.actor.clone(),
    };

    let store = Store::open(&demo.settings.database, true).await?;
    store.migrate().await?;
    let zh = demo.chinese();
    let speech = Speech::of(&demo.settings);
    let headers =
        |keys: &[&str]| -> Vec<String> { keys.iter().map(|k| speech.header(k)).collect() };
    if zh {
        println!(
            "songjiao 演示：一个有 {} 所学校的区，{year} 学年，今天是 {}。\n",
            SCHOOLS.len(),
            demo.today()
        );
    } else {
        println!(
            "songjiao demo: a district of {} schools for the school year {year}, as of {}.\n",
            SCHOOLS.len(),
            demo.today()
        );
    }
    // The district was set up before its year began (the demo then lives the
    // year's first weeks), so plans without dates cover the whole year.
    let setup = Context {
        now: calendar.teaching_span().map_or(demo.now, |(first, _)| {
            at(&demo, first - chrono::Duration::days(7), 9)
        }),
        settings: demo.settings.clone(),
        clock: demo.clock.clone(),
        actor: demo.actor.clone(),
    };
    for (kind, name, text) in district(year, calendar.terms.get(1).map(|t| t.start)) {
        let file = args.dir.join(name);
        std::fs::write(&file, &text)?;
        let report = imports::import(
            &store,
            &setup.settings,
            &setup.actor,
            setup.now,
            kind,
            Upload {
                name,
                bytes: text.as_bytes(),
            },
            false,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        if zh {
            println!(
                "已从 {} 导入 {} 条{}",
                file.display(),
                report.created,
                kind.zh()
            );
        } else {
            println!(
                "Imported {} {:?} from {}",
                report.created,
                kind,
                file.display()
            );
        }
    }

    let teachers = registry::teachers(&store, None).await?;
    let students = registry::students(&store, None, None).await?;
    let year_plans = service::plans::year_plans(&store, year).await?;

    let mut out = std::io::stdout().lock();
    println!("\n{}", if zh { "教师：" } else { "Teachers:" });
    let rows: Vec<Vec<String>> = teachers
        .iter()
        .map(|t| {
            let count = year_plans
                .iter()
                .filter(|p| p.terms.teacher_id == t.teacher_id)
                .count();
            vec![
                t.teacher_id.clone(),
                t.name.clone(),
                t.school.clone(),
                count.to_string(),
                speech.weekly_slots(&t.available),
            ]
        })
        .collect();
    print_table(
        &headers(&["teacher_id", "name", "school", "students", "available"]),
        &rows,
        &mut out,
    )?;
    if zh {
        println!("\n学生和他们的计划（{year} 学年）：");
    } else {
        println!("\nStudents and their plans ({year}):");
    }
    let rows: Vec<Vec<String>> = year_plans
        .iter()
        .filter_map(|p| {
            let s = students.iter().find(|s| s.student_id == p.student_id)?;
            let target = p
                .terms
                .target(&calendar, demo.settings.defaults.prorate_target);
            Some(vec![
                s.student_id.clone(),
                s.name.clone(),
                s.school.clone(),
                p.terms.teacher_id.clone(),
                format!("{}×{}", p.terms.visits_per_week, p.terms.periods_per_visit),
                target.to_string(),
                p.terms.start_date.to_string(),
                speech.weekly_slots(&s.available),
            ])
        })
        .collect();
    print_table(
        &headers(&[
            "student_id",
            "name",
            "school",
            "teacher",
            "visits×periods",
            "target",
            "from",
            "family available",
        ]),
        &rows,
        &mut out,
    )?;
    let recorded_until = first_weeks(&demo, &store, &calendar, &mut out).await?;
    let mail = deliver(&demo, &store, recorded_until).await?;
    demo_accounts(&demo, &store).await?;
    store.close().await;
    if zh {
        println!(
            "\n已把 {mail} 封邮件写入 {}：每位教师的每周安排（附日历文件 .ics），以及发给督导的进度预警。任何邮件程序都能打开。",
            demo.settings.mail.dir.display()
        );
    } else {
        println!(
            "\n{mail} email(s) written to {}: each teacher's weekly schedule with its calendar file \
             (.ics), and the supervisors' shortfall alerts. Open them with any mail program.",
            demo.settings.mail.dir.display()
        );
    }

    let url = &demo.settings.database.url;
    let as_of = recorded_until.map_or(String::new(), |d| format!(" --as-of {d}"));
    let dir = args.dir.display();
    let mail = demo.settings.mail.dir.display();
    let web = &demo.settings.web.public_url;
    let school = SCHOOLS[1];
    let first_week = recorded_until
        .map(|d| crate::planner::week::format_week(d.iso_week()))
        .unwrap_or_default();
    if zh {
        let as_of_words = recorded_until.map_or(String::new(), |d| format!(" {d}"));
        println!(
            "\n演示用的表格在 {dir}：可以复制作为您自己的模板。\n\
         四处看看（演示的记录截止{as_of_words}，所以请以那一天为准查询）：\n  \
         songjiao --database {url}{as_of} progress --status behind,at_risk,unreachable\n  \
         songjiao --database {url}{as_of} ledger S005\n  \
         songjiao --database {url}{as_of} visit list --student S001\n  \
         songjiao --database {url}{as_of} simulate --miss-rate 0.1\n  \
         songjiao --database {url} plan show S001\n  songjiao calendar show --year {year}\n\
         在它上面运行后台服务（Ctrl-C 停止），邮件写入 {mail}：\n  \
         SONGJIAO_MAIL_DIR={mail} RUST_LOG=info songjiao --database {url} serve\n\
         然后打开 {web}，用密码 {DEMO_PASSWORD} 登录：\n  \
         center@example.org（区特教专干）、zhao@example.org（{school}的督导）\n  \
         或 t01@example.org（教师；她的送教在演示经历的那几周：{web}/?week={first_week}）"
        );
    } else {
        let as_of_words = recorded_until.map_or(String::new(), |d| format!(" on {d}"));
        println!(
            "\nThe demo's spreadsheets are in {dir}: copy them as templates for your own.\n\
         Look around (the demo's records end{as_of_words}, so ask as of that day):\n  \
         songjiao --database {url}{as_of} progress --status behind,at_risk,unreachable\n  \
         songjiao --database {url}{as_of} ledger S005\n  \
         songjiao --database {url}{as_of} visit list --student S001\n  \
         songjiao --database {url}{as_of} simulate --miss-rate 0.1\n  \
         songjiao --database {url} plan show S001\n  songjiao calendar show --year {year}\n\
         Run the daemon on it (Ctrl-C stops it); its mail lands in {mail}:\n  \
         SONGJIAO_MAIL_DIR={mail} RUST_LOG=info songjiao --database {url} serve\n\
         then open {web} and log in with the password {DEMO_PASSWORD} as\n  \
         center@example.org (the district's coordinator), zhao@example.org (a supervisor of {school})\n  \
         or t01@example.org (a teacher; her visits are in the weeks the demo lived: {web}/?week={first_week})"
        );
    }
    Ok(())
}

/// The password of the demo's accounts: the demo is a place to look around, not
/// a district's data.
const DEMO_PASSWORD: &str = "songjiao-demo";

/// Accounts to look at the pages with: the district's coordinator, a school's
/// supervisor, a teacher.
async fn demo_accounts(demo: &Context, store: &Store) -> anyhow::Result<()> {
    use crate::domain::access::{Role, Scope};
    use crate::service::accounts::{self, NewUser};
    let people = [
        (
            "center@example.org",
            "区特教中心",
            Role::Coordinator,
            Scope::District,
        ),
        (
            "zhao@example.org",
            "赵督导",
            Role::Supervisor,
            Scope::Schools {
                schools: vec![SCHOOLS[1].to_string()],
            },
        ),
        (
            "t01@example.org",
            TEACHERS[0].0,
            Role::Teacher,
            Scope::Teacher {
                teacher_id: "T01".into(),
            },
        ),
    ];
    for (email, name, role, scope) in people {
        let user = NewUser {
            email: email.into(),
            name: name.into(),
            role,
            scope,
            password: Some(DEMO_PASSWORD.into()),
        };
        accounts::add_user(store, &demo.settings, &demo.actor, demo.now, user).await?;
    }
    Ok(())
}

/// Local time on a day, in UTC: the demo's clock for each step.
fn at(demo: &Context, day: NaiveDate, hour: u32) -> chrono::DateTime<chrono::Utc> {
    let local = day.and_hms_opt(hour, 0, 0).expect("a whole hour exists");
    demo.settings
        .time_zone
        .from_local_datetime(&local)
        .earliest()
        .map_or(demo.now, |t| t.with_timezone(&chrono::Utc))
}

/// How the demo's visits went: most made; S005's family away; now and then a child
/// ill or a lesson cut short.
fn demo_outcome(k: usize, student_id: &str) -> RecordInput {
    let (outcome, periods, reason) = if student_id == "S005" {
        (Outcome::Missed, None, Some("family_unavailable"))
    } else if k % 17 == 3 {
        (Outcome::Missed, None, Some("student_ill"))
    } else if k % 23 == 5 {
        (Outcome::Partial, Some(2), None)
    } else {
        (Outcome::Completed, None, None)
    };
    RecordInput {
        outcome,
        periods,
        reason: reason.map(String::from),
        mode: None,
        details: Default::default(),
    }
}

/// The year's first weeks as the district lives them: planned on the Friday before
/// (the first week shown per teacher), recorded on the Sunday after; then each
/// child's progress.
async fn first_weeks(
    demo: &Context,
    store: &Store,
    calendar: &SchoolCalendar,
    out: &mut impl std::io::Write,
) -> anyhow::Result<Option<NaiveDate>> {
    const WEEKS: usize = 4;
    let weeks: Vec<chrono::IsoWeek> = {
        let mut weeks: Vec<_> = calendar
            .teaching_days()
            .iter()
            .map(|d| d.iso_week())
            .collect();
        weeks.dedup();
        weeks.into_iter().take(WEEKS).collect()
    };
    let mut recorded_until = None;
    for (n, &week) in weeks.iter().enumerate() {
        let monday = crate::planner::week::monday_of(week);
        let friday_before = at(demo, monday - chrono::Duration::days(3), 15);
        let report = plan_week::run(
            store,
            &demo.settings,
            &demo.actor,
            friday_before,
            week,
            false,
        )
        .await?;
        if n == 0 {
            if demo.chinese() {
                writeln!(
                    out,
                    "\n学年的第一周，就像 `songjiao plan-week` 每周五做的那样排好：\n"
                )?;
            } else {
                writeln!(
                    out,
                    "\nThe first week of the year, planned as `songjiao plan-week` does every Friday:\n"
                )?;
            }
            super::week::print_with_names(
                store,
                &report,
                &crate::reports::words::Speech::of(&demo.settings),
                out,
            )
            .await?;
        }
        // Recorded on Sunday evening: a make-up workday may fall on Saturday or Sunday.
        let day = monday + chrono::Duration::days(6);
        for (k, visit) in report.visits.iter().enumerate() {
            let Some(id) = visit.visit_id else { continue };
            service::visits::record(
                store,
                &demo.settings,
                &demo.actor,
                at(demo, day, 20),
                id,
                demo_outcome(k, &visit.student),
            )
            .await?;
        }
        recorded_until = Some(day);
    }
    let Some(sunday) = recorded_until else {
        return Ok(None);
    };
    // The next morning, when the daemon checks pace: the table and the alert emails
    // read the same moment, so they give the same figures.
    let day = sunday + chrono::Duration::days(1);
    let rows = year_progress(store, &demo.settings, calendar, check_time(demo, day)).await?;
    let speech = Speech::of(&demo.settings);
    if speech.chinese {
        writeln!(
            out,
            "\n记录了 {WEEKS} 周送教之后的进度（即 {day} 那天 `songjiao progress` 显示的）："
        )?;
    } else {
        writeln!(
            out,
            "\nProgress after {WEEKS} weeks of visits recorded (as `songjiao progress` shows it on {day}):"
        )?;
    }
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.student_id.clone(),
                r.name.clone(),
                r.target.to_string(),
                r.delivered.to_string(),
                r.pending.to_string(),
                r.expected.to_string(),
                speech.cell("status", &serde_json::Value::from(r.status.as_str())),
                r.visits_missed.to_string(),
            ]
        })
        .collect();
    let headers: Vec<String> = [
        "student_id",
        "name",
        "target",
        "delivered",
        "pending",
        "expected",
        "status",
        "visits_missed",
    ]
    .iter()
    .map(|k| speech.header(k))
    .collect();
    print_table(&headers, &rows, out)?;
    Ok(Some(day))
}

/// When the daemon checks pace on a morning (07:00 by default).
fn check_time(demo: &Context, day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    at(demo, day, 7)
}

/// Checks pace as the daemon does each morning, then delivers everything queued
/// into the demo's mail folder; returns how many messages were written.
async fn deliver(demo: &Context, store: &Store, day: Option<NaiveDate>) -> anyhow::Result<usize> {
    let now = day.map_or(demo.now, |d| check_time(demo, d));
    crate::service::check_pace::run(store, &demo.settings, &demo.actor, now).await?;
    let transport = crate::notify::Transport::Folder(demo.settings.mail.dir.clone());
    let report =
        crate::notify::drain(store, &demo.settings, &transport, &demo.actor.audit(), now).await?;
    Ok(report.sent)
}
