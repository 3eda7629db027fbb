//! `plan set|show|history`: one plan per student per school year (一人一案).

use crate::reason::Reason;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output::{Format, print_record, print_rows};
use crate::domain::calendar::SchoolYear;
use crate::import::records::parse_day;
use crate::service::plans::{PlanSet, SetPlan, set_plan};
use crate::service::{self, ServiceError};

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Create a student's plan for a school year, or with --revise change it (a new
    /// revision; the old one is kept).
    #[command(
        after_help = "Examples:\n  songjiao plan set S0001 --year 2026-2027 --teacher T01 --backup T02 \\\n      --goal \"认识数字1-10\" --goal \"能自己穿衣\"\n  songjiao plan set S0001 --year 2026-2027 --revise --teacher T03 --reason \"王老师调岗\""
    )]
    Set(SetArgs),
    /// Show a student's plan: teacher, rhythm, target, dates, goals.
    #[command(after_help = "Example:\n  songjiao plan show S0001 --year 2026-2027")]
    Show {
        student_id: String,
        /// Default: the school year containing today.
        #[arg(long)]
        year: Option<SchoolYear>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// This school year's plans: each child's teacher, periods given against the
    /// target, and pace.
    #[command(
        after_help = "Examples:\n  songjiao plan list\n  songjiao plan list --school 城关小学 --teacher T01 --format csv > plans.csv"
    )]
    List {
        #[arg(long)]
        school: Option<String>,
        /// The plans of this teacher (responsible).
        #[arg(long)]
        teacher: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every revision of a student's plans, oldest first.
    #[command(after_help = "Example:\n  songjiao plan history S0001 --format csv")]
    History {
        student_id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    student_id: String,
    /// Default: the school year containing today.
    #[arg(long)]
    year: Option<SchoolYear>,
    /// Change the existing plan instead of creating one.
    #[arg(long)]
    revise: bool,
    /// The responsible teacher (needed to create a plan).
    #[arg(long)]
    teacher: Option<String>,
    /// A backup teacher who may make visits when the responsible one cannot.
    #[arg(long, conflicts_with = "no_backup")]
    backup: Option<String>,
    /// Remove the backup teacher.
    #[arg(long)]
    no_backup: bool,
    #[arg(long)]
    visits_per_week: Option<u32>,
    #[arg(long)]
    periods_per_visit: Option<u32>,
    /// Periods to deliver in the year (before pro-rating for a late start).
    #[arg(long)]
    target: Option<u32>,
    /// First day of the plan; default: the year's first teaching day.
    #[arg(long, value_parser = parse_day)]
    start: Option<NaiveDate>,
    /// Last day of the plan; default: the year's last teaching day.
    #[arg(long, value_parser = parse_day)]
    end: Option<NaiveDate>,
    /// A goal of the plan; repeat for several. With --revise, replaces all goals.
    #[arg(long = "goal")]
    goals: Vec<String>,
    /// Why the plan is set or changed; kept in the history.
    #[arg(long, default_value = "")]
    reason: String,
}

#[derive(Serialize)]
struct RevisionRow {
    plan_id: i64,
    school_year: String,
    revision: i64,
    teacher_id: String,
    backup_teacher_id: Option<String>,
    visits_per_week: i64,
    periods_per_visit: i64,
    annual_target: i64,
    start_date: NaiveDate,
    end_date: NaiveDate,
    goals: Vec<String>,
    reason: String,
    changed_by: String,
    changed_at: String,
}

pub async fn run(context: &Context, command: PlanCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    let today_year = SchoolYear::containing(context.today());
    let mut out = std::io::stdout().lock();
    match command {
        PlanCommand::Set(args) => {
            let year = args.year.unwrap_or(today_year);
            let student = args.student_id.clone();
            let input = SetPlan {
                seen_revision: None,
                student_id: args.student_id,
                year: Some(year),
                revise: args.revise,
                teacher: args.teacher,
                backup: args.backup,
                no_backup: args.no_backup,
                visits_per_week: args.visits_per_week,
                periods_per_visit: args.periods_per_visit,
                target: args.target,
                start: args.start,
                end: args.end,
                goals: args.goals,
                reason: args.reason,
            };
            let set = set_plan(
                &store,
                &context.settings,
                &context.actor,
                context.now,
                input,
            )
            .await
            .map_err(|error| set_error(error, &student, year, context.chinese()))?;
            println!(
                "{}",
                set_message(&set, &student, &context.settings, context.chinese())
            );
        }
        PlanCommand::Show {
            student_id,
            year,
            format,
        } => {
            let year = year.unwrap_or(today_year);
            let calendar = context.calendar(year)?;
            let view = service::plans::show(
                &store,
                &context.settings,
                &context.actor,
                &calendar,
                context.now,
                &student_id,
            )
            .await
            .map_err(|e| match e {
                ServiceError::NotFound { what: "plan", .. } => super::said(
                    format!(
                        "student {student_id} has no plan for {year}; create one with: songjiao plan set {student_id} --year {year} --teacher TEACHER_ID"
                    ),
                    format!(
                        "学生 {student_id} 在 {year} 学年还没有送教方案；请先建立：songjiao plan set {student_id} --year {year} --teacher 教师编号"
                    ),
                ),
                ServiceError::NotFound { what, id } => super::said(
                    format!("no {what} {id} is registered"),
                    format!("没有登记{} {id}", crate::reason::thing_zh(what)),
                ),
                other => other.into(),
            })?;
            print_record(&view, format, &mut out)?;
        }
        PlanCommand::List {
            school,
            teacher,
            format,
        } => {
            let plans: std::collections::HashMap<i64, crate::service::plans::Plan> =
                service::plans::year_plans(&store, &context.actor, today_year)
                    .await?
                    .into_iter()
                    .map(|p| (p.plan_id, p))
                    .collect();
            let rows: Vec<PlanLine> = service::students::visible_progress(
                &store,
                &context.settings,
                &context.actor,
                context.now,
            )
            .await?
            .into_iter()
            .filter(|r| school.as_ref().is_none_or(|s| &r.school == s))
            .filter(|r| teacher.as_ref().is_none_or(|t| &r.teacher_id == t))
            .filter_map(|r| {
                let plan = plans.get(&r.plan_id)?;
                let terms = &plan.terms;
                Some(PlanLine {
                    plan_id: r.plan_id,
                    student_id: r.student_id,
                    name: r.name,
                    school: r.school,
                    school_year: plan.school_year.clone(),
                    teacher_id: r.teacher_id,
                    backup_teacher_id: terms.backup_teacher_id.clone(),
                    visits_per_week: terms.visits_per_week,
                    periods_per_visit: terms.periods_per_visit,
                    annual_target: terms.annual_target,
                    start_date: terms.start_date,
                    end_date: terms.end_date,
                    goals: terms.goals.join("；"),
                    delivered: r.delivered,
                    status: r.status.as_str(),
                })
            })
            .collect();
            print_rows(&rows, format, &mut out)?;
        }
        PlanCommand::History { student_id, format } => {
            let rows: Vec<RevisionRow> =
                service::plans::history(&store, &context.actor, &student_id)
                    .await
                    .map_err(|e| match e {
                        ServiceError::NotFound { .. } => super::said(
                            format!("no student {student_id} is registered"),
                            format!("没有登记学生 {student_id}"),
                        ),
                        other => other.into(),
                    })?
                    .into_iter()
                    .map(|r| RevisionRow {
                        goals: r.goals.0,
                        changed_at: r
                            .changed_at
                            .with_timezone(&context.settings.time_zone)
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                        plan_id: r.plan_id,
                        school_year: r.school_year,
                        revision: r.revision,
                        teacher_id: r.teacher_id,
                        backup_teacher_id: r.backup_teacher_id,
                        visits_per_week: r.visits_per_week,
                        periods_per_visit: r.periods_per_visit,
                        annual_target: r.annual_target,
                        start_date: r.start_date,
                        end_date: r.end_date,
                        reason: r.reason,
                        changed_by: r.changed_by,
                    })
                    .collect();
            print_rows(&rows, format, &mut out)?;
        }
    }
    store.close().await;
    Ok(())
}

/// What `plan set` did, in a line (and the pro-rated start of a new plan).
fn set_message(
    set: &PlanSet,
    student: &str,
    settings: &crate::config::Settings,
    zh: bool,
) -> String {
    match set {
        PlanSet::Created {
            plan_id,
            year,
            terms,
            ..
        } => {
            let starts = settings
                .calendar(*year)
                .ok()
                .and_then(|calendar| {
                    crate::service::imports::starts_note(
                        student,
                        terms,
                        &calendar,
                        settings.defaults.prorate_target,
                    )
                })
                .map_or(String::new(), |note| {
                    if zh {
                        format!("\n{}。", note.chinese())
                    } else {
                        format!("\n{note}.")
                    }
                });
            let (teacher, visits) = (&terms.teacher_id, terms.visits_per_week);
            if zh {
                format!(
                    "已为 {student} 建立 {year} 学年的送教方案 #{plan_id}：教师 {teacher}，每周 {visits} 次。{starts}"
                )
            } else {
                format!(
                    "Created plan #{plan_id} of {student} for {year}: teacher {teacher}, {visits} visits a week.{starts}"
                )
            }
        }
        PlanSet::Revised {
            plan_id,
            year,
            revision,
        } if zh => format!("{student} {year} 学年的送教方案 #{plan_id} 已修订为第 {revision} 版。"),
        PlanSet::Revised {
            plan_id,
            year,
            revision,
        } => format!("Plan #{plan_id} of {student} for {year} is now at revision {revision}."),
        PlanSet::Unchanged { plan_id, year } if zh => {
            format!("{student} {year} 学年的送教方案 #{plan_id} 已经是这样；没有改动。")
        }
        PlanSet::Unchanged { plan_id, year } => {
            format!("Plan #{plan_id} of {student} for {year} already says this; nothing changed.")
        }
    }
}

/// The service's answer in the words and flags of the command line.
fn set_error(error: ServiceError, student: &str, year: SchoolYear, zh: bool) -> anyhow::Error {
    match error {
        ServiceError::NotFound {
            what: "student",
            id,
        } if zh => anyhow::anyhow!("没有登记学生 {id}"),
        ServiceError::NotFound {
            what: "teacher",
            id,
        } if zh => {
            anyhow::anyhow!("没有登记教师 {id}（见 `songjiao teacher list`）；没有保存任何内容")
        }
        ServiceError::NotFound { .. } if zh => anyhow::anyhow!(
            "学生 {student} 在 {year} 学年还没有可修订的送教方案；请先建立：songjiao plan set {student} --year {year} --teacher 教师编号"
        ),
        ServiceError::Conflict(Reason::PlanExists { plan, .. }) if zh => anyhow::anyhow!(
            "学生 {student} 在 {year} 学年已经有送教方案{}（一人一案）。要修改请修订：songjiao plan set {student} --year {year} --revise [--teacher … --goal …]",
            plan.map(|id| format!(" #{id}")).unwrap_or_default()
        ),
        ServiceError::NotFound {
            what: "student",
            id,
        } => {
            anyhow::anyhow!("no student {id} is registered")
        }
        ServiceError::NotFound {
            what: "teacher",
            id,
        } => anyhow::anyhow!(
            "no teacher {id} is registered (see `songjiao teacher list`); nothing was saved"
        ),
        ServiceError::NotFound { .. } => anyhow::anyhow!(
            "student {student} has no plan for {year} to revise; create it with: songjiao plan set {student} --year {year} --teacher TEACHER_ID"
        ),
        ServiceError::Conflict(Reason::PlanExists { plan, .. }) => anyhow::anyhow!(
            "student {student} already has {} for {year} (one student, one plan). To change it, revise it: songjiao plan set {student} --year {year} --revise [--teacher … --goal …]",
            plan.map_or("a plan".to_string(), |id| format!("plan #{id}"))
        ),
        ServiceError::Invalid(problems) => {
            let words: Vec<String> = problems
                .iter()
                .map(|p| {
                    let flag = match p.field.as_str() {
                        "teacher_id" => "teacher",
                        "backup_teacher_id" if zh => "backup（或 --no-backup）",
                        "backup_teacher_id" => "backup (or --no-backup)",
                        "annual_target" => "target",
                        "start_date" => "start",
                        "end_date" => "end",
                        other => other,
                    };
                    let reason = p.reason.say(zh);
                    format!("--{}: {reason}", flag.replace('_', "-"))
                })
                .collect();
            if zh {
                anyhow::anyhow!("{}；没有保存任何内容", words.join("；"))
            } else {
                anyhow::anyhow!("{}; nothing was saved", words.join("; "))
            }
        }
        other => other.into(),
    }
}

/// One plan as `plan list` shows it.
#[derive(Debug, serde::Serialize)]
/// A plan as the list shows it: every column the plans sheet reads, under its
/// headers (exported, edited and imported back, it changes only what was
/// edited), then where the child stands.
struct PlanLine {
    plan_id: i64,
    student_id: String,
    name: String,
    school: String,
    school_year: String,
    teacher_id: String,
    backup_teacher_id: Option<String>,
    visits_per_week: u32,
    periods_per_visit: u32,
    annual_target: u32,
    start_date: NaiveDate,
    end_date: NaiveDate,
    goals: String,
    delivered: u32,
    status: &'static str,
}
