//! `teacher …` and `student …`: register, list, show; leave and pauses.

use std::collections::HashMap;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output::{Format, print_record, print_rows};
use crate::domain::calendar::SchoolYear;
use crate::domain::student::StudentStatus;
use crate::import::records::{self, CellError, Fields, parse_day};
use crate::service::people::StudentRecord;
use crate::store::people::{self, Absence, AbsenceKind};
use crate::store::{Store, plans};

#[derive(Debug, Subcommand)]
pub enum TeacherCommand {
    /// Register a teacher.
    #[command(
        after_help = "Example:\n  songjiao teacher add --id T01 --name 王芳 --email wangfang@example.org \\\n      --school 城关小学 --available \"Mon-AM Mon-PM Wed-AM Thu-PM\""
    )]
    Add(TeacherArgs),
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
    Add(AbsenceArgs),
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
pub struct TeacherArgs {
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    email: String,
    #[arg(long)]
    school: String,
    /// Weekly slots the teacher can visit, e.g. "Mon-AM Tue-PM" or "周一上午 周二下午".
    #[arg(long, default_value = "")]
    available: String,
    /// Most visits a day (default: defaults.max_visits_per_day).
    #[arg(long)]
    max_visits_per_day: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StudentCommand {
    /// Register a student.
    #[command(
        after_help = "Example:\n  songjiao student add --id S0001 --name 李小明 --school 城关小学 --gender 男 \\\n      --birth-date 2015-03-02 --disability intellectual --guardian-name 李强 \\\n      --guardian-phone 13800138000 --address \"城关镇幸福路1号\" --available \"Mon-AM Wed-PM Fri-AM\""
    )]
    Add(Box<StudentArgs>),
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
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  --{}: {}", e.column.replace('_', "-"), e.reason))
        .collect();
    anyhow::anyhow!("nothing was saved:\n{}", lines.join("\n"))
}

fn fields_from<'a>(pairs: Vec<(&'static str, Option<&'a str>)>) -> Fields<'a> {
    let values: HashMap<&'static str, &'a str> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    Fields::new(0, values)
}

fn check_range(args: &AbsenceArgs) -> anyhow::Result<()> {
    if args.from > args.to {
        anyhow::bail!("--to {} is before --from {}", args.to, args.from);
    }
    Ok(())
}

#[derive(Serialize)]
struct TeacherDetail {
    #[serde(flatten)]
    teacher: people::Teacher,
    leave: Vec<String>,
}

fn ranges(absences: &[Absence]) -> Vec<String> {
    absences
        .iter()
        .map(|a| {
            if a.reason.is_empty() {
                format!("{}..{}", a.start_date, a.end_date)
            } else {
                format!("{}..{} ({})", a.start_date, a.end_date, a.reason)
            }
        })
        .collect()
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
                ("email", Some(args.email.as_str())),
                ("school", Some(args.school.as_str())),
                ("available", Some(args.available.as_str())),
                ("max_visits_per_day", args.max_visits_per_day.as_deref()),
            ]);
            let Some(teacher) = records::teacher(&mut fields, &slots) else {
                return Err(flag_errors(fields.errors));
            };
            let mut tx = store.write(&context.actor, context.now).await?;
            if people::teacher(&mut tx, &teacher.teacher_id)
                .await?
                .is_some()
            {
                anyhow::bail!(
                    "teacher {} is already registered; to change their details, import a spreadsheet row with the same teacher_id",
                    teacher.teacher_id
                );
            }
            people::save_teachers(&mut tx, std::slice::from_ref(&teacher), &HashMap::new()).await?;
            tx.commit().await?;
            println!(
                "Registered teacher {} {} ({}).",
                teacher.teacher_id, teacher.name, teacher.school
            );
        }
        TeacherCommand::List { school, format } => {
            let mut tx = store.read().await?;
            let mut teachers = people::teachers(&mut tx, None).await?;
            teachers.retain(|t| school.as_ref().is_none_or(|s| &t.school == s));
            print_rows(&teachers, format, &mut out)?;
        }
        TeacherCommand::Show { teacher_id, format } => {
            let mut tx = store.read().await?;
            let teacher = people::teacher(&mut tx, &teacher_id)
                .await?
                .ok_or_else(|| unknown("teacher", &teacher_id))?;
            let leave = ranges(&people::teacher_leaves(&mut tx, Some(&teacher_id)).await?);
            print_record(&TeacherDetail { teacher, leave }, format, &mut out)?;
        }
        TeacherCommand::Leave(LeaveCommand::Add(args)) => {
            check_range(&args)?;
            let mut tx = store.write(&context.actor, context.now).await?;
            people::teacher(&mut tx, &args.id)
                .await?
                .ok_or_else(|| unknown("teacher", &args.id))?;
            people::add_absence(
                &mut tx,
                AbsenceKind::TeacherLeave,
                &args.id,
                args.from,
                args.to,
                &args.reason,
            )
            .await?;
            tx.commit().await?;
            println!(
                "Teacher {} is on leave from {} to {}: no visits will be planned for them then.",
                args.id, args.from, args.to
            );
        }
    }
    store.close().await;
    Ok(())
}

fn unknown(what: &str, id: &str) -> anyhow::Error {
    anyhow::anyhow!("no {what} {id} is registered (see `songjiao {what} list`)")
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
            let mut tx = store.write(&context.actor, context.now).await?;
            if people::student(&mut tx, &student.student_id)
                .await?
                .is_some()
            {
                anyhow::bail!(
                    "student {} is already registered; to change their details, import a spreadsheet row with the same student_id",
                    student.student_id
                );
            }
            people::save_students(&mut tx, std::slice::from_ref(&student), &HashMap::new()).await?;
            tx.commit().await?;
            println!(
                "Registered student {} {} ({}). Next: songjiao plan set {} --teacher TEACHER_ID",
                student.student_id, student.name, student.school, student.student_id
            );
        }
        StudentCommand::List {
            school,
            status,
            format,
        } => {
            let mut tx = store.read().await?;
            let mut students = people::students(&mut tx, None).await?;
            students.retain(|s| {
                school.as_ref().is_none_or(|x| &s.school == x)
                    && status.is_none_or(|x| s.status == x)
            });
            let records: Vec<StudentRecord> = students.iter().map(StudentRecord::from).collect();
            print_rows(&records, format, &mut out)?;
        }
        StudentCommand::Show { student_id, format } => {
            let mut tx = store.read().await?;
            let student = people::student(&mut tx, &student_id)
                .await?
                .ok_or_else(|| unknown("student", &student_id))?;
            let pauses = ranges(&people::student_pauses(&mut tx, Some(&student_id)).await?);
            let year = SchoolYear::containing(context.today());
            let plan = match plans::active_plan(&mut tx, &student_id, year).await? {
                Some(p) => format!(
                    "#{} {year}, teacher {}, revision {}",
                    p.plan_id, p.terms.teacher_id, p.revision
                ),
                None => format!("none for {year}"),
            };
            print_record(
                &StudentDetail {
                    student: StudentRecord::from(&student),
                    pauses,
                    plan,
                },
                format,
                &mut out,
            )?;
        }
        StudentCommand::Pause(args) => {
            check_range(&args)?;
            let mut tx = store.write(&context.actor, context.now).await?;
            people::student(&mut tx, &args.id)
                .await?
                .ok_or_else(|| unknown("student", &args.id))?;
            people::add_absence(
                &mut tx,
                AbsenceKind::StudentPause,
                &args.id,
                args.from,
                args.to,
                &args.reason,
            )
            .await?;
            tx.commit().await?;
            println!(
                "Student {} is paused from {} to {}: no visits will be planned then.",
                args.id, args.from, args.to
            );
        }
    }
    store.close().await;
    Ok(())
}
