//! `teacher …` and `student …`: register, list, show; leave and pauses.

use std::collections::HashMap;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output::{Format, print_record, print_rows};
use crate::domain::calendar::SchoolYear;
use crate::domain::leave::Away;
use crate::domain::slot::{WeeklySlot, format_weekly_slots, parse_weekly_slots};
use crate::domain::student::StudentStatus;
use crate::import::records::{self, CellError, Fields, parse_day};
use crate::reason::Reason;
use crate::service::ServiceError;
use crate::service::Store;
use crate::service::leave;
use crate::service::people::StudentRecord;
use crate::service::registry::{self, Changes, NewAbsence};
use crate::service::registry::{Absence, AbsenceKind};
use crate::speech::Speech;

#[derive(Debug, Subcommand)]
pub enum TeacherCommand {
    /// Register a teacher.
    #[command(
        after_help = "Example:\n  songjiao teacher add --id T01 --name 王芳 --email wangfang@example.org \\\n      --school 城关小学 --available \"Mon-AM Mon-PM Wed-AM Thu-PM\""
    )]
    Add(TeacherArgs),
    /// Change a registered teacher's details: only the flags given change.
    #[command(
        after_help = "Example:\n  songjiao teacher edit T01 --available \"Mon-AM Tue-AM Thu-PM\" --max-visits-per-day 2"
    )]
    Edit(TeacherEditArgs),
    /// List teachers.
    #[command(
        after_help = "Example:\n  songjiao teacher list --school 城关小学 --format csv > teachers.csv"
    )]
    List {
        /// Only this school's teachers.
        #[arg(long)]
        school: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one teacher with their leave.
    #[command(after_help = "Example:\n  songjiao teacher show T01")]
    Show {
        teacher_id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A teacher's leave: days with no visits.
    #[command(subcommand)]
    Leave(LeaveCommand),
}

#[derive(Debug, Subcommand)]
pub enum LeaveCommand {
    /// Record a leave from one date to another, both included.
    #[command(
        after_help = "Example:\n  songjiao teacher leave add T01 --from 2026-12-07 --to 2026-12-11 --reason 培训"
    )]
    Add(LeaveArgs),
    /// List leave: requests teachers made on their phones, and leave entered here.
    #[command(after_help = "Example:\n  songjiao teacher leave list --waiting")]
    List {
        /// Only the requests waiting for a decision.
        #[arg(long)]
        waiting: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Approve a teacher's leave request: no visit is planned for them on those days.
    #[command(after_help = "Example:\n  songjiao teacher leave approve 12")]
    Approve { id: i64 },
    /// Decline a teacher's leave request; the teacher is told.
    #[command(after_help = "Example:\n  songjiao teacher leave decline 12")]
    Decline { id: i64 },
    /// End a running leave today (the teacher is back early): from tomorrow they
    /// can be planned again.
    #[command(after_help = "Example:\n  songjiao teacher leave end T01 12")]
    End(AbsenceId),
    /// Remove a leave entered by mistake (the audit log keeps what it was).
    #[command(after_help = "Example:\n  songjiao teacher leave remove T01 12")]
    Remove(AbsenceId),
}

/// One pause or leave: whose, and its number (`student show`, `teacher show`).
#[derive(Debug, Args)]
pub struct AbsenceId {
    pub person_id: String,
    pub id: i64,
}

/// A leave request as `teacher leave list` shows it.
#[derive(Serialize)]
struct LeaveLine {
    id: i64,
    teacher_id: String,
    teacher: String,
    school: String,
    from: NaiveDate,
    to: NaiveDate,
    /// The half-days of a leave of half-days (`Wed-PM`, shown as 周三下午); empty: whole days.
    slots: String,
    reason: String,
    status: String,
}

#[derive(Debug, Args)]
pub struct AbsenceArgs {
    /// Whose absence.
    pub id: String,
    /// First day, e.g. 2026-12-07.
    #[arg(long, value_parser = parse_day)]
    pub from: NaiveDate,
    /// Last day, included.
    #[arg(long, value_parser = parse_day)]
    pub to: NaiveDate,
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct LeaveArgs {
    #[command(flatten)]
    period: AbsenceArgs,
    /// Leave of some half-days only, e.g. 周三下午 (or 下午 for each day of it).
    #[arg(long, default_value = "")]
    slot: String,
}

#[derive(Debug, Args)]
pub struct TeacherArgs {
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: String,
    /// None: their week goes to their school's coordinators to pass on.
    #[arg(long)]
    email: Option<String>,
    /// A mobile or landline.
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    school: String,
    /// Weekly slots the teacher can visit, e.g. "Mon-AM Tue-PM" or "周一上午 周二下午".
    #[arg(long, default_value = "")]
    available: String,
    /// Most visits a day (default: defaults.max_visits_per_day).
    #[arg(long)]
    max_visits_per_day: Option<String>,
}

#[derive(Debug, Args)]
pub struct TeacherEditArgs {
    teacher_id: String,
    #[arg(long)]
    name: Option<String>,
    /// `-` removes it.
    #[arg(long)]
    email: Option<String>,
    /// `-` removes it.
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    school: Option<String>,
    /// Weekly slots, e.g. "Mon-AM Tue-PM" or "周一上午 周二下午".
    #[arg(long)]
    available: Option<String>,
    #[arg(long)]
    max_visits_per_day: Option<String>,
}

#[derive(Debug, Args)]
pub struct StudentEditArgs {
    student_id: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    school: Option<String>,
    #[arg(long)]
    gender: Option<String>,
    #[arg(long)]
    birth_date: Option<String>,
    #[arg(long)]
    disability: Option<String>,
    #[arg(long)]
    guardian_name: Option<String>,
    #[arg(long)]
    guardian_phone: Option<String>,
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    available: Option<String>,
    /// active, paused or left.
    #[arg(long)]
    status: Option<String>,
}

/// "guardian phone, address", or "nothing" when no flag was given.
fn changed_list(changes: &Changes, chinese: bool) -> String {
    match (changes.is_empty(), chinese) {
        (true, true) => "没有改动（请给出要改的选项）".into(),
        (true, false) => "nothing (give the flags to change)".into(),
        (false, true) => changes
            .keys()
            .map(|c| crate::speech::Speech::chinese().header(c))
            .collect::<Vec<_>>()
            .join("、"),
        (false, false) => changes
            .keys()
            .map(|c| c.replace('_', " "))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The flags given, by column name.
fn changes(pairs: Vec<(&'static str, Option<String>)>) -> Changes {
    pairs
        .into_iter()
        .filter_map(|(column, value)| value.map(|v| (column, v)))
        .collect()
}

#[derive(Debug, Subcommand)]
pub enum StudentCommand {
    /// Register a student.
    #[command(
        after_help = "Example:\n  songjiao student add --id S0001 --name 李小明 --school 城关小学 --gender 男 \\\n      --birth-date 2015-03-02 --disability intellectual --guardian-name 李强 \\\n      --guardian-phone 13800138000 --address \"城关镇幸福路1号\" --available \"Mon-AM Wed-PM Fri-AM\""
    )]
    Add(Box<StudentArgs>),
    /// Change a registered student's details: only the flags given change (an
    /// empty value clears an optional one).
    #[command(
        after_help = "Example:\n  songjiao student edit S0001 --guardian-phone 13900139000 --address \"城关镇幸福路3号\""
    )]
    Edit(Box<StudentEditArgs>),
    /// List students.
    #[command(after_help = "Example:\n  songjiao student list --status active --format json")]
    List {
        #[arg(long)]
        school: Option<String>,
        #[arg(long, value_parser = |s: &str| s.parse::<StudentStatus>())]
        status: Option<StudentStatus>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one student with their pauses and current plan.
    #[command(after_help = "Example:\n  songjiao student show S0001")]
    Show {
        student_id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record a pause (hospital stay, family away): no visits from one date to another.
    #[command(
        after_help = "Example:\n  songjiao student pause S0001 --from 2026-12-01 --to 2026-12-20 --reason 住院"
    )]
    Pause(AbsenceArgs),
    /// Everything held about one child, as one JSON file, for a guardian's request
    /// (个人信息保护法): the record, pauses, every plan revision, visits, notes,
    /// signatures and photos, alerts, every read of the details and every change.
    #[command(
        after_help = "Example:\n  songjiao student export S0001 --out S0001-个人信息.json\n\nThe export is recorded in the audit log."
    )]
    Export {
        student_id: String,
        /// The file to write (default: the screen).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// End a running pause today (the child is back early): from tomorrow visits
    /// can be planned again.
    #[command(after_help = "Example:\n  songjiao student end-pause S0001 3")]
    EndPause(AbsenceId),
    /// Remove a pause entered by mistake (the audit log keeps what it was).
    #[command(after_help = "Example:\n  songjiao student remove-pause S0001 3")]
    RemovePause(AbsenceId),
}

#[derive(Debug, Args)]
pub struct StudentArgs {
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    school: String,
    /// male/female or 男/女.
    #[arg(long)]
    gender: Option<String>,
    #[arg(long)]
    birth_date: Option<String>,
    /// visual, hearing, speech, physical, intellectual, mental, autism, multiple, other (or 智力 …).
    #[arg(long)]
    disability: Option<String>,
    #[arg(long)]
    guardian_name: Option<String>,
    #[arg(long)]
    guardian_phone: Option<String>,
    #[arg(long)]
    address: Option<String>,
    /// Weekly slots the family can receive a visit, e.g. "Mon-AM Wed-PM".
    #[arg(long)]
    available: Option<String>,
    /// active, paused or left.
    #[arg(long)]
    status: Option<String>,
}

/// Command-line flags go through the spreadsheet's rules; errors name the flag.
fn flag_errors(errors: Vec<CellError>) -> anyhow::Error {
    let flag = |e: &CellError| e.column.replace('_', "-");
    let en: Vec<String> = errors
        .iter()
        .map(|e| format!("  --{}: {}", flag(e), e.reason))
        .collect();
    let zh: Vec<String> = errors
        .iter()
        .map(|e| format!("  --{}：{}", flag(e), e.reason.chinese()))
        .collect();
    super::said(
        format!("nothing was saved:\n{}", en.join("\n")),
        format!("没有保存任何内容：\n{}", zh.join("\n")),
    )
}

fn fields_from<'a>(pairs: Vec<(&'static str, Option<&'a str>)>) -> Fields<'a> {
    let values: HashMap<&'static str, &'a str> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    Fields::new(0, values)
}

/// Says what went wrong in the words of the command line.
fn worded(error: ServiceError, what: &str) -> anyhow::Error {
    match error {
        ServiceError::NotFound { what, id } => anyhow::Error::new(Reason::NotRegisteredSee {
            what,
            command: what,
            id,
        }),
        ServiceError::Conflict(_) => super::said(
            format!(
                "{what} is already registered; to change their details, import a spreadsheet row with the same id"
            ),
            format!(
                "{} 已经登记过；要修改资料，请编辑它，或导入编号相同的一行",
                what.replacen("teacher", "教师", 1)
                    .replacen("student", "学生", 1)
            ),
        ),
        ServiceError::Invalid(problems) => {
            let flag = |p: &crate::service::Problem| p.field.replace('_', "-");
            let en: Vec<String> = problems
                .iter()
                .map(|p| format!("--{} {}", flag(p), p.reason))
                .collect();
            let zh: Vec<String> = problems
                .iter()
                .map(|p| format!("--{}：{}", flag(p), p.reason.chinese()))
                .collect();
            super::said(en.join("; "), zh.join("；"))
        }
        other => other.into(),
    }
}

async fn decide_leave(
    context: &Context,
    store: &Store,
    id: i64,
    approve: bool,
) -> anyhow::Result<()> {
    let decided = leave::decide(
        store,
        &context.settings,
        &context.actor,
        context.now,
        id,
        approve,
    )
    .await
    .map_err(|e| match e {
        ServiceError::NotFound { .. } => super::said(
            format!("there is no leave request {id}: see `songjiao teacher leave list --waiting`"),
            format!("找不到请假申请 {id}：见 `songjiao teacher leave list --waiting`"),
        ),
        other => other.into(),
    })?;
    let (teacher, from, to) = (&decided.teacher_id, decided.start_date, decided.end_date);
    println!(
        "{}",
        context.say(
            format!(
                "{teacher} 从 {from} 到 {to} 的请假{}；已发邮件告诉教师。",
                decided.status.zh()
            ),
            format!(
                "Leave {id} of {teacher} from {from} to {to} is {}; the teacher is told by email.",
                decided.status
            )
        )
    );
    Ok(())
}

async fn end_or_remove(
    context: &Context,
    store: &Store,
    kind: AbsenceKind,
    which: AbsenceId,
    remove: bool,
) -> anyhow::Result<()> {
    let absence = registry::AbsenceRef {
        kind,
        person: &which.person_id,
        id: which.id,
    };
    let (what, what_zh, shown_by) = match kind {
        AbsenceKind::TeacherLeave => ("leave", "请假", "teacher show"),
        AbsenceKind::StudentPause => ("pause", "暂停", "student show"),
    };
    let done = registry::end_or_remove_absence(
        store,
        &context.settings,
        &context.actor,
        context.now,
        absence,
        remove,
    )
    .await;
    match done {
        Ok(()) if remove => println!(
            "{}",
            context.say(
                format!("{} 的{} #{} 已删除。", which.person_id, what_zh, which.id),
                format!(
                    "The {what} #{} of {} is removed.",
                    which.id, which.person_id
                )
            )
        ),
        Ok(()) => println!(
            "{}",
            context.say(
                format!(
                    "{} 的{} #{} 今天（{}）结束。",
                    which.person_id,
                    what_zh,
                    which.id,
                    context.today()
                ),
                format!(
                    "The {what} #{} of {} ends today, {}.",
                    which.id,
                    which.person_id,
                    context.today()
                )
            )
        ),
        Err(ServiceError::NotFound { .. }) => anyhow::bail!(
            "{} has no {what} #{}{}: see `songjiao {shown_by} {}`",
            which.person_id,
            which.id,
            if remove { "" } else { " running today" },
            which.person_id
        ),
        Err(other) => return Err(worded(other, what)),
    }
    Ok(())
}

fn worded_absence(error: ServiceError, absence: &NewAbsence, chinese: bool) -> anyhow::Error {
    match error {
        ServiceError::Invalid(_) if absence.to < absence.from => super::said(
            format!("--to {} is before --from {}", absence.to, absence.from),
            format!("--to {} 早于 --from {}", absence.to, absence.from),
        ),
        // Another leave or pause over these days: its words name the ones in the way.
        ServiceError::Invalid(problems) => anyhow::anyhow!(
            "{}",
            problems
                .iter()
                .map(|p| p.reason.say(chinese))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => worded(other, ""),
    }
}

#[derive(Serialize)]
struct TeacherDetail {
    #[serde(flatten)]
    teacher: crate::service::registry::Teacher,
    leave: Vec<String>,
}

fn ranges(absences: &[Absence], speech: &Speech) -> Vec<String> {
    absences
        .iter()
        .map(|a| {
            let half_days = speech.stored_slots(&a.slots);
            let when = format!("#{} {}..{}", a.id, a.start_date, a.end_date);
            match (half_days.is_empty(), a.reason.is_empty()) {
                (true, true) => when,
                (true, false) => format!("{when} ({})", a.reason),
                (false, true) => format!("{when} {half_days}"),
                (false, false) => format!("{when} {half_days} ({})", a.reason),
            }
        })
        .collect()
}

fn absence(kind: AbsenceKind, args: AbsenceArgs) -> NewAbsence {
    NewAbsence {
        kind,
        person_id: args.id,
        from: args.from,
        to: args.to,
        slots: Vec::new(),
        reason: args.reason,
    }
}

/// `--slot` as written: weekly half-days (周三下午), or one half-day for each
/// day of the leave (下午).
fn leave_slots(
    context: &Context,
    (from, to): (NaiveDate, NaiveDate),
    text: &str,
) -> anyhow::Result<Vec<WeeklySlot>> {
    let table = context.settings.slot_table().map_err(anyhow::Error::msg)?;
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    if let Some(slot) = table.resolve(text.trim()) {
        return Ok(Away::each_day(from, to, &slot.name));
    }
    parse_weekly_slots(text, &table).map_err(|reason| {
        anyhow::anyhow!(
            "{}",
            context.say(
                format!(
                    "--slot {text}：{}（例如 周三下午，或 下午 表示每天下午）",
                    reason.chinese()
                ),
                format!("--slot {text}: {reason} (e.g. Wed-PM, or PM for each day)")
            )
        )
    })
}

pub async fn teacher(context: &Context, command: TeacherCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    let mut out = std::io::stdout().lock();
    match command {
        TeacherCommand::Add(args) => {
            let slots = context.settings.slot_table().map_err(anyhow::Error::msg)?;
            let mut fields = fields_from(vec![
                ("teacher_id", Some(args.id.as_str())),
                ("name", Some(args.name.as_str())),
                ("email", args.email.as_deref()),
                ("phone", args.phone.as_deref()),
                ("school", Some(args.school.as_str())),
                ("available", Some(args.available.as_str())),
                ("max_visits_per_day", args.max_visits_per_day.as_deref()),
            ]);
            let Some(teacher) = records::teacher(&mut fields, &slots) else {
                return Err(flag_errors(fields.errors));
            };
            registry::register_teacher(&store, &context.actor, context.now, &teacher)
                .await
                .map_err(|e| worded(e, &format!("teacher {}", teacher.teacher_id)))?;
            let (id, name, school) = (&teacher.teacher_id, &teacher.name, &teacher.school);
            println!(
                "{}",
                context.say(
                    format!("已登记教师 {id} {name}（{school}）。"),
                    format!("Registered teacher {id} {name} ({school}).")
                )
            );
        }
        TeacherCommand::Edit(args) => {
            let changes = changes(vec![
                ("name", args.name),
                ("email", args.email),
                ("phone", args.phone),
                ("school", args.school),
                ("available", args.available),
                ("max_visits_per_day", args.max_visits_per_day),
            ]);
            let teacher = registry::edit_teacher(
                &store,
                &context.settings,
                &context.actor,
                context.now,
                &args.teacher_id,
                &changes,
            )
            .await
            .map_err(|e| worded(e, "teacher"))?;
            let (id, name, school) = (&teacher.teacher_id, &teacher.name, &teacher.school);
            println!(
                "{}",
                context.say(
                    format!(
                        "教师 {id} {name}（{school}）已更新：{}。",
                        changed_list(&changes, true)
                    ),
                    format!(
                        "Teacher {id} {name} ({school}) updated: {}.",
                        changed_list(&changes, false)
                    )
                )
            );
        }
        TeacherCommand::List { school, format } => {
            let teachers = registry::teachers(&store, &context.actor, school.as_deref()).await?;
            print_rows(&teachers, format, &mut out)?;
        }
        TeacherCommand::Show { teacher_id, format } => {
            let detail = registry::teacher(&store, &context.actor, &teacher_id)
                .await
                .map_err(|e| worded(e, "teacher"))?;
            let shown = TeacherDetail {
                leave: ranges(&detail.leave, &Speech::of(&context.settings)),
                teacher: detail.teacher,
            };
            print_record(&shown, format, &mut out)?;
        }
        TeacherCommand::Leave(LeaveCommand::List { waiting, format }) => {
            let lines: Vec<LeaveLine> = leave::requests(&store, &context.actor, waiting)
                .await?
                .into_iter()
                .map(|v| LeaveLine {
                    id: v.request.id,
                    teacher_id: v.request.teacher_id,
                    teacher: v.teacher_name,
                    school: v.school,
                    from: v.request.start_date,
                    to: v.request.end_date,
                    slots: v.request.slots,
                    reason: v.request.reason,
                    status: v.request.status.to_string(),
                })
                .collect();
            print_rows(&lines, format, &mut out)?;
        }
        TeacherCommand::Leave(LeaveCommand::Approve { id }) => {
            decide_leave(context, &store, id, true).await?;
        }
        TeacherCommand::Leave(LeaveCommand::Decline { id }) => {
            decide_leave(context, &store, id, false).await?;
        }
        TeacherCommand::Leave(LeaveCommand::End(which)) => {
            end_or_remove(context, &store, AbsenceKind::TeacherLeave, which, false).await?;
        }
        TeacherCommand::Leave(LeaveCommand::Remove(which)) => {
            end_or_remove(context, &store, AbsenceKind::TeacherLeave, which, true).await?;
        }
        TeacherCommand::Leave(LeaveCommand::Add(args)) => {
            let slots = leave_slots(context, (args.period.from, args.period.to), &args.slot)?;
            let leave = NewAbsence {
                slots,
                ..absence(AbsenceKind::TeacherLeave, args.period)
            };
            registry::add_absence(&store, &context.actor, context.now, &leave)
                .await
                .map_err(|e| worded_absence(e, &leave, context.chinese()))?;
            let (id, from, to) = (&leave.person_id, leave.from, leave.to);
            let half_days = Speech::in_language(&context.settings, true).weekly_slots(&leave.slots);
            println!(
                "{}",
                context.say(
                    if half_days.is_empty() {
                        format!("教师 {id} 从 {from} 到 {to} 请假：这期间不给该教师安排送教。")
                    } else {
                        format!("教师 {id} 从 {from} 到 {to} 的{half_days}请假：这些半天不给该教师安排送教。")
                    },
                    if leave.slots.is_empty() {
                        format!("Teacher {id} is on leave from {from} to {to}: no visits will be planned for them then.")
                    } else {
                        format!(
                            "Teacher {id} is on leave on {} from {from} to {to}: no visits will be planned for them then.",
                            format_weekly_slots(&leave.slots)
                        )
                    }
                )
            );
        }
    }
    store.close().await;
    Ok(())
}

#[derive(Serialize)]
struct StudentDetail {
    #[serde(flatten)]
    student: StudentRecord,
    pauses: Vec<String>,
    plan: String,
}

pub async fn student(context: &Context, command: StudentCommand) -> anyhow::Result<()> {
    let store: Store = context.store().await?;
    let mut out = std::io::stdout().lock();
    match command {
        StudentCommand::Add(args) => {
            let slots = context.settings.slot_table().map_err(anyhow::Error::msg)?;
            let mut fields = fields_from(vec![
                ("student_id", Some(args.id.as_str())),
                ("name", Some(args.name.as_str())),
                ("school", Some(args.school.as_str())),
                ("gender", args.gender.as_deref()),
                ("birth_date", args.birth_date.as_deref()),
                ("disability", args.disability.as_deref()),
                ("guardian_name", args.guardian_name.as_deref()),
                ("guardian_phone", args.guardian_phone.as_deref()),
                ("address", args.address.as_deref()),
                ("available", args.available.as_deref()),
                ("status", args.status.as_deref()),
            ]);
            let Some(student) = records::student(&mut fields, &slots) else {
                return Err(flag_errors(fields.errors));
            };
            registry::register_student(&store, &context.actor, context.now, &student)
                .await
                .map_err(|e| worded(e, &format!("student {}", student.student_id)))?;
            let (id, name, school) = (&student.student_id, &student.name, &student.school);
            println!(
                "{}",
                context.say(
                    format!("已登记学生 {id} {name}（{school}）。下一步：songjiao plan set {id} --teacher 教师编号"),
                    format!("Registered student {id} {name} ({school}). Next: songjiao plan set {id} --teacher TEACHER_ID")
                )
            );
        }
        StudentCommand::Edit(args) => {
            let changes = changes(vec![
                ("name", args.name),
                ("school", args.school),
                ("gender", args.gender),
                ("birth_date", args.birth_date),
                ("disability", args.disability),
                ("guardian_name", args.guardian_name),
                ("guardian_phone", args.guardian_phone),
                ("address", args.address),
                ("available", args.available),
                ("status", args.status),
            ]);
            let student = registry::edit_student(
                &store,
                &context.settings,
                &context.actor,
                context.now,
                &args.student_id,
                &changes,
            )
            .await
            .map_err(|e| worded(e, "student"))?;
            let (id, name, school) = (&student.student_id, &student.name, &student.school);
            println!(
                "{}",
                context.say(
                    format!(
                        "学生 {id} {name}（{school}）已更新：{}。",
                        changed_list(&changes, true)
                    ),
                    format!(
                        "Student {id} {name} ({school}) updated: {}.",
                        changed_list(&changes, false)
                    )
                )
            );
        }
        StudentCommand::List {
            school,
            status,
            format,
        } => {
            let records =
                registry::students(&store, &context.actor, school.as_deref(), status).await?;
            print_rows(&records, format, &mut out)?;
        }
        StudentCommand::Show { student_id, format } => {
            let year = SchoolYear::containing(context.today());
            let detail = registry::student(&store, &context.actor, &student_id, year)
                .await
                .map_err(|e| worded(e, "student"))?;
            // Words for a person; `--format json` keeps the program's.
            let plan = match (detail.plan, context.chinese() && format == Format::Table) {
                (Some(p), true) => format!(
                    "#{} {year} 学年，送教教师 {}，第 {} 版",
                    p.plan_id, p.terms.teacher_id, p.revision
                ),
                (Some(p), false) => format!(
                    "#{} {year}, teacher {}, revision {}",
                    p.plan_id, p.terms.teacher_id, p.revision
                ),
                (None, true) => format!("{year} 学年还没有送教方案"),
                (None, false) => format!("none for {year}"),
            };
            let shown = StudentDetail {
                student: detail.student,
                pauses: ranges(&detail.pauses, &Speech::of(&context.settings)),
                plan,
            };
            print_record(&shown, format, &mut out)?;
        }
        StudentCommand::Export { student_id, out } => {
            let export = crate::service::privacy::export_student(
                &store,
                &context.actor,
                context.now,
                &student_id,
            )
            .await
            .map_err(|e| worded(e, "student"))?;
            let json = serde_json::to_string_pretty(&export)?;
            match out {
                Some(file) => {
                    std::fs::write(&file, json + "\n")
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
                    let held = &export.held;
                    let (visits, files, reads) =
                        (held.visits.len(), held.files.len(), held.access_log.len());
                    eprintln!(
                        "{}",
                        context.say(
                            format!(
                                "关于 {student_id} 的全部信息已写入 {}（{visits} 次送教、{files} 个文件、{reads} 次查阅记录）；这次导出已记入审计日志。",
                                file.display()
                            ),
                            format!(
                                "Everything held about {student_id} is in {} ({visits} visits, {files} files, {reads} reads); the export is in the audit log.",
                                file.display()
                            )
                        )
                    );
                }
                None => println!("{json}"),
            }
        }
        StudentCommand::EndPause(which) => {
            end_or_remove(context, &store, AbsenceKind::StudentPause, which, false).await?;
        }
        StudentCommand::RemovePause(which) => {
            end_or_remove(context, &store, AbsenceKind::StudentPause, which, true).await?;
        }
        StudentCommand::Pause(args) => {
            let pause = absence(AbsenceKind::StudentPause, args);
            registry::add_absence(&store, &context.actor, context.now, &pause)
                .await
                .map_err(|e| worded_absence(e, &pause, context.chinese()))?;
            let (id, from, to) = (&pause.person_id, pause.from, pause.to);
            println!(
                "{}",
                context.say(
                    format!("学生 {id} 从 {from} 到 {to} 暂停：这期间不安排送教。"),
                    format!("Student {id} is paused from {from} to {to}: no visits will be planned then.")
                )
            );
        }
    }
    store.close().await;
    Ok(())
}
