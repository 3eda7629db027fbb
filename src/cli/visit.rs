//! `visit record|list`: what happened at each visit.

use chrono::{Duration, NaiveDate};
use clap::{Args, Subcommand};

use super::Context;
use super::output::{Format, print_rows};
use crate::domain::visit::{Mode, Outcome};
use crate::service::visits::{GoalNote, RecordDetails, RecordInput, VisitFilter};

#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// Record what happened at a visit (or correct a record).
    #[command(
        after_help = "Examples:\n  songjiao visit record 118 --outcome completed --goal 37:能点数到8 --guardian-confirmed 李建国\n  songjiao visit record 119 --outcome partial --periods 2 --note \"孩子不舒服，提前结束\"\n  songjiao visit record 120 --outcome missed --reason student_ill\n\nReason codes: student_ill, family_unavailable, student_hospitalised, teacher_unavailable,\nweather, school_event, other. A record more than lock_after_days old changes only with\n--reason saying why."
    )]
    Record(RecordArgs),
    /// List visits: a week's, a teacher's, a student's, or those nobody recorded yet.
    #[command(
        after_help = "Examples:\n  songjiao visit list --week 2026-W49 --teacher T01\n  songjiao visit list --unrecorded --format csv > to-record.csv"
    )]
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    visit_id: i64,
    #[arg(long)]
    outcome: Outcome,
    /// Periods given; default for completed: the plan's periods a visit.
    #[arg(long)]
    periods: Option<u32>,
    /// A reason code (missed, cancelled), or why a locked record changes.
    #[arg(long)]
    reason: Option<String>,
    /// home (default) or remote (a video lesson).
    #[arg(long)]
    mode: Option<Mode>,
    #[arg(long)]
    note: Option<String>,
    /// A note on one of the plan's goals, GOAL_ID:TEXT (goal ids: `plan show`). Repeatable.
    #[arg(long = "goal", value_name = "GOAL_ID:TEXT")]
    goals: Vec<String>,
    /// The guardian who confirmed the visit took place.
    #[arg(long, value_name = "NAME")]
    guardian_confirmed: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The week: 2026-W49, a day in it (2026-12-01), or 本周/下周 (this/next).
    #[arg(long)]
    week: Option<String>,
    #[arg(long)]
    teacher: Option<String>,
    #[arg(long)]
    student: Option<String>,
    /// Only visits up to today that nobody recorded yet.
    #[arg(long)]
    unrecorded: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub async fn run(context: &Context, command: VisitCommand) -> anyhow::Result<()> {
    match command {
        VisitCommand::Record(args) => record(context, args).await,
        VisitCommand::List(args) => list(context, args).await,
    }
}

fn parse_goal_note(text: &str) -> anyhow::Result<GoalNote> {
    let (id, note) = text.split_once([':', '：']).ok_or_else(|| {
        super::said(
            format!("--goal `{text}` is not GOAL_ID:TEXT, e.g. 37:能点数到8"),
            format!(
                "--goal “{text}”应写成 目标编号:内容，如 37:能点数到8（编号见 songjiao plan show）"
            ),
        )
    })?;
    let id = id
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("--goal `{text}`: `{id}` is not a goal id (a number)"))?;
    Ok(GoalNote {
        goal_id: id,
        taught: note.trim().to_string(),
        response: None,
    })
}

async fn record(context: &Context, args: RecordArgs) -> anyhow::Result<()> {
    let goal_notes = args
        .goals
        .iter()
        .map(|g| parse_goal_note(g))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = context.store().await?;
    let input = RecordInput {
        outcome: args.outcome,
        periods: args.periods,
        reason: args.reason,
        mode: args.mode,
        details: RecordDetails {
            note: args.note,
            goal_notes,
            guardian_confirmed_by: args.guardian_confirmed,
            ..Default::default()
        },
    };
    let recorded = crate::service::visits::record(
        &store,
        &context.settings,
        &context.actor,
        context.now,
        args.visit_id,
        input,
    )
    .await
    .map_err(|error| {
        use crate::service::ServiceError;
        let id = args.visit_id;
        let zh = context.chinese();
        let listed = |problems: &[crate::service::Problem]| {
            let texts: Vec<String> = problems.iter().map(|p| p.text(zh)).collect();
            texts.join(if zh { "；" } else { "; " })
        };
        match error {
            ServiceError::NotFound { .. } if zh => {
                anyhow::anyhow!("找不到送教 {id}：见 `songjiao visit list`")
            }
            ServiceError::NotFound { .. } => {
                anyhow::anyhow!("there is no visit {id}: see `songjiao visit list`")
            }
            ServiceError::Locked(reason) if zh => anyhow::anyhow!(
                "送教 {id}：{}：请用 --reason 说明为什么修改",
                reason.chinese()
            ),
            ServiceError::Locked(reason) => {
                anyhow::anyhow!("visit {id}: {reason}: give --reason to say why it changes")
            }
            ServiceError::Invalid(problems) if problems.iter().any(|p| p.field == "visit") => {
                if zh {
                    anyhow::anyhow!(
                        "送教 {id}：{}；本周的送教见 `songjiao visit list`",
                        listed(&problems)
                    )
                } else {
                    anyhow::anyhow!(
                        "visit {id}: {}; see `songjiao visit list` for the week's visits",
                        listed(&problems)
                    )
                }
            }
            ServiceError::Invalid(problems) if zh => {
                anyhow::anyhow!("送教 {id}：{}", listed(&problems))
            }
            other => anyhow::anyhow!("visit {id}: {other}"),
        }
    })?;
    let recorded = Some(recorded);
    if let Some(v) = recorded {
        let (id, student, day, slot, teacher) =
            (v.visit_id, &v.student_id, v.day, &v.slot, &v.teacher_id);
        let periods = v.periods.unwrap_or(0);
        println!(
            "{}",
            context.say(
                format!(
                    "已记录送教 {id}（{student} {day} {}，{teacher}）：{}，{periods} 课时{}",
                    crate::reason::slot_zh(slot),
                    v.outcome.map(|o| o.zh()).unwrap_or_default(),
                    v.reason.map(|r| format!("，{}", r.zh())).unwrap_or_default()
                ),
                format!(
                    "Recorded visit {id} ({student} {day} {slot}, {teacher}): {}, {periods} period(s){}",
                    v.outcome.map(|o| o.to_string()).unwrap_or_default(),
                    v.reason.map(|r| format!(", {r}")).unwrap_or_default()
                )
            )
        );
    }
    store.close().await;
    Ok(())
}

/// Monday to Sunday of a week as people say it.
pub fn week_range(text: &str, today: NaiveDate) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let week = super::week::read_week(text, today)?;
    let monday = crate::service::plan_week::monday_of(week);
    Ok((monday, monday + Duration::days(6)))
}

async fn list(context: &Context, args: ListArgs) -> anyhow::Result<()> {
    let (from, to) = match &args.week {
        Some(text) => {
            let (from, to) = week_range(text, context.today())?;
            (Some(from), Some(to))
        }
        None => (None, None),
    };
    let filter = VisitFilter {
        from,
        to,
        teacher_id: args.teacher,
        student_id: args.student,
        unrecorded_by: args.unrecorded.then(|| context.today()),
    };
    let store = context.store().await?;
    let rows = crate::service::visits::list(&store, &context.actor, &filter).await;
    store.close().await;
    let chinese = context.settings.locale == crate::config::Locale::ZhCn;
    let lines: Vec<VisitLine> = rows?
        .into_iter()
        .map(|seen| VisitLine::new(seen, chinese))
        .collect();
    print_rows(&lines, args.format, &mut std::io::stdout().lock())
}

/// A visit as the list shows it: the child's name and the weekday beside the ids.
#[derive(Debug, serde::Serialize)]
struct VisitLine {
    visit_id: i64,
    student_id: String,
    name: String,
    teacher_id: String,
    day: NaiveDate,
    weekday: &'static str,
    slot: String,
    outcome: Option<crate::domain::visit::Outcome>,
    periods: Option<i64>,
    mode: crate::domain::visit::Mode,
    reason: Option<crate::domain::visit::MissReason>,
}

impl VisitLine {
    fn new(seen: crate::service::visits::SeenVisit, chinese: bool) -> Self {
        use chrono::Datelike;
        let v = seen.visit;
        let weekday = v.day.weekday();
        VisitLine {
            visit_id: v.visit_id,
            student_id: v.student_id,
            name: seen.name,
            teacher_id: v.teacher_id,
            day: v.day,
            weekday: if chinese {
                crate::domain::slot::weekday_name_zh(weekday)
            } else {
                crate::domain::slot::weekday_name(weekday)
            },
            slot: v.slot,
            outcome: v.outcome,
            periods: v.periods,
            mode: v.mode,
            reason: v.reason,
        }
    }
}
