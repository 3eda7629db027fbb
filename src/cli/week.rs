//! `plan-week`: plan the coming week's visits and show them per teacher.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use chrono::Datelike;
use clap::{Args, ValueEnum};

use super::Context;
use super::output::print_table;
use crate::domain::slot::{weekday_name, weekday_name_zh};
use crate::service::Store;
use crate::service::plan_week::{self, WeekReport};
use crate::service::plan_week::{AdviceKind, DaySlot, Staffing, parse_week};
use crate::speech::Speech;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeekFormat {
    Table,
    Json,
}

/// A week as people say it: an ISO week (2026-W49), a day in it (2026-12-01,
/// 2026/12/1, 2026年12月1日), or 本周/下周/上周 (this, next, last).
pub fn read_week(text: &str, today: chrono::NaiveDate) -> anyhow::Result<chrono::IsoWeek> {
    let words = text.trim();
    let relative = match words.to_lowercase().as_str() {
        "本周" | "这周" | "this" | "this-week" => Some(0),
        "下周" | "next" | "next-week" => Some(7),
        "上周" | "last" | "last-week" => Some(-7),
        _ => None,
    };
    relative
        .map(|days| (today + chrono::Duration::days(days)).iso_week())
        .or_else(|| parse_week(words))
        .or_else(|| {
            crate::import::records::parse_day(words)
                .ok()
                .map(|day| day.iso_week())
        })
        .ok_or_else(|| {
            super::said(
                format!(
                    "--week `{text}` is not a week: give 2026-W49, a day in it (2026-12-01), or 本周/下周 (this/next)"
                ),
                format!("--week “{text}”不是一周：请写 2026-W49、这周里的一天（2026-12-01），或 本周/下周"),
            )
        })
}

#[derive(Debug, Args)]
pub struct PlanWeekArgs {
    /// The week: 2026-W49, a day in it (2026-12-01), or 本周/下周 (this/next).
    /// Default: the coming week (after today's).
    #[arg(long)]
    week: Option<String>,
    /// Show what would be planned without writing anything.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t = WeekFormat::Table)]
    format: WeekFormat,
    /// Also write the week's planning problem (v1) to this file, for `songjiao solve`
    /// or another solver.
    #[arg(long, value_name = "FILE")]
    write_problem: Option<std::path::PathBuf>,
}

pub async fn run(context: &Context, args: PlanWeekArgs) -> anyhow::Result<()> {
    let week = match &args.week {
        Some(text) => read_week(text, context.today())?,
        None => plan_week::coming_week(context.today()),
    };
    let store = context.store().await?;
    let report = plan_week::run(
        &store,
        &context.settings,
        &context.actor,
        context.now,
        week,
        args.dry_run,
    )
    .await?;
    if let Some(path) = &args.write_problem {
        std::fs::write(path, serde_json::to_vec_pretty(&report.problem)?)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        WeekFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        WeekFormat::Table => {
            print_with_names(
                &store,
                &context.actor,
                &report,
                &Speech::of(&context.settings),
                &mut out,
            )
            .await?
        }
    }
    store.close().await;
    Ok(())
}

/// The week per teacher with everyone's names, then what could not be placed and why.
pub async fn print_with_names(
    store: &Store,
    actor: &crate::service::Actor,
    report: &WeekReport,
    speech: &Speech,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (teachers, students) = crate::service::registry::names(store, actor).await?;
    print_report(report, &teachers, &students, speech, out)
}

/// One line in the reader's language.
fn say(chinese: bool, zh: String, en: String) -> String {
    if chinese { zh } else { en }
}

fn print_report(
    report: &WeekReport,
    teachers: &HashMap<String, String>,
    students: &HashMap<String, String>,
    speech: &Speech,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let zh = speech.chinese;
    let name = |names: &HashMap<String, String>, id: &str| {
        names
            .get(id)
            .map_or(id.to_string(), |n| format!("{id} {n}"))
    };
    let day_name = |day: chrono::NaiveDate| day_label(day, zh);
    if let Some(why) = &report.nothing_to_plan {
        writeln!(out, "{}{}", why.say(zh), if zh { "。" } else { "." })?;
    } else {
        let days: Vec<String> = report
            .days
            .iter()
            .map(|d| format!("{} {}", day_name(*d), d.format("%m-%d")))
            .collect();
        let line = say(
            zh,
            format!(
                "{}（{} 学年）：本周 {} 个教学日：{}",
                report.week,
                report.school_year,
                days.len(),
                days.join("、")
            ),
            format!(
                "Week {} ({}): planning {} teaching day(s): {}",
                report.week,
                report.school_year,
                days.len(),
                days.join(", ")
            ),
        );
        writeln!(out, "{line}")?;
    }
    let mut by_teacher: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for visit in &report.visits {
        by_teacher
            .entry(visit.teacher.as_str())
            .or_default()
            .push(vec![
                format!("{} {}", day_name(visit.day), visit.day),
                speech.cell("slot", &serde_json::Value::from(visit.slot.as_str())),
                name(students, &visit.student),
                match &visit.outcome {
                    Some(outcome) if zh => format!("已记录：{}", outcome.zh()),
                    Some(outcome) => format!("recorded: {outcome}"),
                    None if zh => change_zh(visit.change).to_string(),
                    None => visit.change.to_string(),
                },
                visit.visit_id.map_or("-".into(), |id| id.to_string()),
            ]);
    }
    let headers: Vec<String> = if zh {
        ["日期", "时段", "学生", "变化", "送教编号"]
            .map(String::from)
            .to_vec()
    } else {
        ["day", "slot", "student", "change", "visit"]
            .map(String::from)
            .to_vec()
    };
    for (teacher, rows) in &by_teacher {
        let line = say(
            zh,
            format!("{} — {} 次送教", name(teachers, teacher), rows.len()),
            format!("{} — {} visit(s)", name(teachers, teacher), rows.len()),
        );
        writeln!(out, "\n{line}")?;
        print_table(&headers, rows, out)?;
    }
    if !report.unplaced.is_empty() {
        let missing: u32 = report.unplaced.iter().map(|u| u.missing).sum();
        let line = say(
            zh,
            format!("{missing} 次送教没能排上："),
            format!("{missing} visit(s) could not be placed:"),
        );
        writeln!(out, "\n{line}")?;
        for unplaced in &report.unplaced {
            let student = name(students, &unplaced.student);
            let line = say(
                zh,
                format!(
                    "  {student}：少 {} 次 — {}",
                    unplaced.missing,
                    unplaced.why.as_ref().map_or_else(
                        || unplaced.reason.clone(),
                        |why| why.chinese(|id| name(teachers, id))
                    )
                ),
                format!(
                    "  {student}: {} missing — {}",
                    unplaced.missing, unplaced.reason
                ),
            );
            writeln!(out, "{line}")?;
        }
        let anyone = |id: &str| {
            if teachers.contains_key(id) {
                name(teachers, id)
            } else {
                name(students, id)
            }
        };
        print_staffing(&report.staffing, &anyone, zh, out)?;
    }
    let c = &report.changes;
    let line = say(
        zh,
        format!(
            "需要的 {} 次送教排上了 {} 次。变化：新增 {}，调整 {}，取消 {}，保留 {}{}。",
            report.stats.visits_needed,
            report.stats.visits_placed,
            c.added,
            c.moved,
            c.cancelled,
            c.kept,
            if report.dry_run {
                "（试运行：没有写入任何内容）"
            } else {
                ""
            }
        ),
        format!(
            "{} of {} visits asked for are placed. Changes: {} added, {} moved, {} cancelled, {} kept{}.",
            report.stats.visits_placed,
            report.stats.visits_needed,
            c.added,
            c.moved,
            c.cancelled,
            c.kept,
            if report.dry_run {
                " (dry run: nothing was written)"
            } else {
                ""
            }
        ),
    );
    writeln!(out, "\n{line}")?;
    if !report.schedules_not_sent.is_empty() {
        let names = report.schedules_not_sent.join("、");
        let warning = say(
            zh,
            format!(
                "注意：{names} 没有登记邮箱，学校也没有特教专干账号可以转交，本周安排没有发出。请给老师登记邮箱（songjiao teacher edit 教师编号 --email …），或为学校登记特教专干账号（songjiao user add … --role coordinator --school …），之后的变动就会发出。本周的安排请在网页“每周安排”（/weeks/{}）查看并打印给老师。",
                report.week
            ),
            format!(
                "Note: {names} have no email and their school no coordinator account to pass it on: their week was not sent. Give them an email (songjiao teacher edit ID --email …) or the school a coordinator (songjiao user add … --role coordinator --school …), and later changes are sent. This week's schedule is on the week's board (/weeks/{}) to print for them.",
                report.week
            ),
        );
        writeln!(out, "{warning}")?;
    }
    Ok(())
}

fn day_label(day: chrono::NaiveDate, chinese: bool) -> &'static str {
    if chinese {
        weekday_name_zh(day.weekday())
    } else {
        weekday_name(day.weekday())
    }
}

fn change_zh(change: &str) -> &'static str {
    match change {
        "added" => "新增",
        "moved" => "调整",
        "kept" => "保留",
        "cancelled" => "取消",
        _ => "",
    }
}

/// The bottleneck and the advice under the unplaced visits, in plain words:
/// "T04 王芳: 2 more half-days (Tue 12-01 PM, Thu 12-03 AM) would place 2 visits".
pub fn print_staffing(
    staffing: &Staffing,
    name: &dyn Fn(&str) -> String,
    zh: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    // A district short everywhere would fill screens: the first lines of each part,
    // then how many more (the JSON has them all).
    const SHOWN: usize = 20;
    let more = |total: usize, out: &mut dyn Write| -> std::io::Result<()> {
        if total > SHOWN {
            let line = say(
                zh,
                format!("  ……另有 {} 条", total - SHOWN),
                format!("  … and {} more", total - SHOWN),
            );
            writeln!(out, "{line}")?;
        }
        Ok(())
    };
    let (bottleneck, advice) = (&staffing.bottleneck, &staffing.advice);
    let speech = super::output::speech();
    let half_day = |c: &DaySlot| {
        format!(
            "{} {} {}",
            day_label(c.day, zh),
            c.day.format("%m-%d"),
            if zh {
                speech.cell("slot", &serde_json::json!(c.slot))
            } else {
                c.slot.clone()
            }
        )
    };
    let list = |items: Vec<String>| items.join(if zh { "、" } else { ", " });
    if !bottleneck.full_half_days.is_empty()
        || !bottleneck.full_days.is_empty()
        || !bottleneck.few_common_days.is_empty()
    {
        let line = say(zh, "哪里不够：".into(), "Where the week is short:".into());
        writeln!(out, "\n{line}")?;
    }
    for full in bottleneck.full_half_days.iter().take(SHOWN) {
        let (teacher, half_days) = (
            name(&full.teacher),
            list(full.half_days.iter().map(half_day).collect()),
        );
        let line = say(
            zh,
            format!("  {teacher} 在这些孩子能用的每个半天都已排满：{half_days}"),
            format!("  {teacher} is taken on every half-day these children could use: {half_days}"),
        );
        writeln!(out, "{line}")?;
    }
    more(bottleneck.full_half_days.len(), out)?;
    for full in bottleneck.full_days.iter().take(SHOWN) {
        let teacher = name(&full.teacher);
        let days = list(
            full.days
                .iter()
                .map(|d| format!("{} {}", day_label(*d, zh), d.format("%m-%d")))
                .collect(),
        );
        let line = say(
            zh,
            format!("  {teacher} 在 {days} 已达每日送教上限"),
            format!("  {teacher} already makes the most visits a day on {days}"),
        );
        writeln!(out, "{line}")?;
    }
    more(bottleneck.full_days.len(), out)?;
    for few in bottleneck.few_common_days.iter().take(SHOWN) {
        let student = name(&few.student);
        let line = say(
            zh,
            format!(
                "  {student} 的家庭与孩子的教师只有 {} 天都有空；{} 次送教需要 {} 天",
                few.common_days, few.visits_needed, few.visits_needed
            ),
            format!(
                "  {student}'s family shares {} day(s) with the child's teachers; {} visits need {} days",
                few.common_days, few.visits_needed, few.visits_needed
            ),
        );
        writeln!(out, "{line}")?;
    }
    if advice.is_empty() {
        return Ok(());
    }
    let line = say(
        zh,
        "怎样能排上（每条都在前几条之后）：".into(),
        "What would place them (each after the ones above it):".into(),
    );
    writeln!(out, "\n{line}")?;
    for item in advice {
        let students = list(item.students.iter().map(|s| name(s)).collect());
        let teachers = list(item.teachers.iter().map(|t| name(t)).collect());
        let changed_for = list(item.changed_for.iter().map(|s| name(s)).collect());
        let half_days = list(item.half_days.iter().map(half_day).collect());
        let count = item.half_days.len();
        let line = match (item.kind, zh) {
            (AdviceKind::TeacherHalfDays, true) => {
                format!("{teachers}：本周再多 {count} 个半天（{half_days}）")
            }
            (AdviceKind::TeacherHalfDays, false) => {
                format!("{teachers}: {count} more half-day(s) this week ({half_days})")
            }
            (AdviceKind::BackupTeacher, true) => {
                format!("请 {teachers} 做 {changed_for} 的备用教师")
            }
            (AdviceKind::BackupTeacher, false) => {
                format!("{teachers} as backup teacher of {changed_for}")
            }
            (AdviceKind::FamilyHalfDays, true) => {
                format!("请 {changed_for} 的家庭再多给 {count} 个半天（{half_days}）")
            }
            (AdviceKind::FamilyHalfDays, false) => {
                format!(
                    "ask the family of {changed_for} for {count} more half-day(s) ({half_days})"
                )
            }
        };
        let line = say(
            zh,
            format!("  {line}：可为 {students} 排上 {} 次送教", item.visits),
            format!("  {line}: places {} visit(s) for {students}", item.visits),
        );
        writeln!(out, "{line}")?;
    }
    more(advice.len(), out)?;
    if staffing.groups_not_advised > 0 {
        let line = say(
            zh,
            format!(
                "  区里另有 {} 处也缺教师：这一周需要增加教师，而不是个别调整",
                staffing.groups_not_advised
            ),
            format!(
                "  {} more part(s) of the district are short of teachers as well: the week needs more teachers, not single changes",
                staffing.groups_not_advised
            ),
        );
        writeln!(out, "{line}")?;
    }
    Ok(())
}
