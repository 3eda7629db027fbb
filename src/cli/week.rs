//! `plan-week`: plan the coming week's visits and show them per teacher.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use chrono::Datelike;
use clap::{Args, ValueEnum};

use super::Context;
use super::output::print_table;
use crate::domain::slot::weekday_name;
use crate::planner::DaySlot;
use crate::planner::advice::{AdviceKind, Staffing};
use crate::planner::week::parse_week;
use crate::service::plan_week::{self, WeekReport};
use crate::store::Store;

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
            anyhow::anyhow!(
                "--week `{text}` is not a week: give 2026-W49, a day in it (2026-12-01), or 本周/下周 (this/next)"
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
        WeekFormat::Table => print_with_names(&store, &report, &mut out).await?,
    }
    store.close().await;
    Ok(())
}

/// The week per teacher with everyone's names, then what could not be placed and why.
pub async fn print_with_names(
    store: &Store,
    report: &WeekReport,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (teachers, students) = crate::service::registry::names(store).await?;
    print_report(report, &teachers, &students, out)
}

fn print_report(
    report: &WeekReport,
    teachers: &HashMap<String, String>,
    students: &HashMap<String, String>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let name = |names: &HashMap<String, String>, id: &str| {
        names
            .get(id)
            .map_or(id.to_string(), |n| format!("{id} {n}"))
    };
    if let Some(why) = &report.nothing_to_plan {
        writeln!(out, "{why}.")?;
    } else {
        let days: Vec<String> = report
            .days
            .iter()
            .map(|d| format!("{} {}", weekday_name(d.weekday()), d.format("%m-%d")))
            .collect();
        writeln!(
            out,
            "Week {} ({}): planning {} teaching day(s): {}",
            report.week,
            report.school_year,
            days.len(),
            days.join(", ")
        )?;
    }
    let mut by_teacher: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for visit in &report.visits {
        by_teacher
            .entry(visit.teacher.as_str())
            .or_default()
            .push(vec![
                format!("{} {}", weekday_name(visit.day.weekday()), visit.day),
                visit.slot.clone(),
                name(students, &visit.student),
                match &visit.outcome {
                    Some(outcome) => format!("recorded: {outcome}"),
                    None => visit.change.to_string(),
                },
                visit.visit_id.map_or("-".into(), |id| id.to_string()),
            ]);
    }
    let headers = ["day", "slot", "student", "change", "visit"].map(String::from);
    for (teacher, rows) in &by_teacher {
        writeln!(
            out,
            "\n{} — {} visit(s)",
            name(teachers, teacher),
            rows.len()
        )?;
        print_table(&headers, rows, out)?;
    }
    if !report.unplaced.is_empty() {
        let missing: u32 = report.unplaced.iter().map(|u| u.missing).sum();
        writeln!(out, "\n{missing} visit(s) could not be placed:")?;
        for unplaced in &report.unplaced {
            writeln!(
                out,
                "  {}: {} missing — {}",
                name(students, &unplaced.student),
                unplaced.missing,
                unplaced.reason
            )?;
        }
        let anyone = |id: &str| {
            if teachers.contains_key(id) {
                name(teachers, id)
            } else {
                name(students, id)
            }
        };
        print_staffing(&report.staffing, &anyone, out)?;
    }
    let c = &report.changes;
    writeln!(
        out,
        "\n{} of {} visits asked for are placed. Changes: {} added, {} moved, {} cancelled, {} kept{}.",
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
    )?;
    Ok(())
}

/// The bottleneck and the advice under the unplaced visits, in plain words:
/// "T04 王芳: 2 more half-days (Tue 12-01 PM, Thu 12-03 AM) would place 2 visits".
pub fn print_staffing(
    staffing: &Staffing,
    name: &dyn Fn(&str) -> String,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    // A district short everywhere would fill screens: the first lines of each part,
    // then how many more (the JSON has them all).
    const SHOWN: usize = 20;
    let more = |total: usize, out: &mut dyn Write| -> std::io::Result<()> {
        if total > SHOWN {
            writeln!(out, "  … and {} more", total - SHOWN)?;
        }
        Ok(())
    };
    let (bottleneck, advice) = (&staffing.bottleneck, &staffing.advice);
    let half_day = |c: &DaySlot| {
        format!(
            "{} {} {}",
            weekday_name(c.day.weekday()),
            c.day.format("%m-%d"),
            c.slot
        )
    };
    let list = |items: Vec<String>| items.join(", ");
    if !bottleneck.full_half_days.is_empty()
        || !bottleneck.full_days.is_empty()
        || !bottleneck.few_common_days.is_empty()
    {
        writeln!(out, "\nWhere the week is short:")?;
    }
    for full in bottleneck.full_half_days.iter().take(SHOWN) {
        writeln!(
            out,
            "  {} is taken on every half-day these children could use: {}",
            name(&full.teacher),
            list(full.half_days.iter().map(half_day).collect())
        )?;
    }
    more(bottleneck.full_half_days.len(), out)?;
    for full in bottleneck.full_days.iter().take(SHOWN) {
        writeln!(
            out,
            "  {} already makes the most visits a day on {}",
            name(&full.teacher),
            list(
                full.days
                    .iter()
                    .map(|d| format!("{} {}", weekday_name(d.weekday()), d.format("%m-%d")))
                    .collect()
            )
        )?;
    }
    more(bottleneck.full_days.len(), out)?;
    for few in bottleneck.few_common_days.iter().take(SHOWN) {
        writeln!(
            out,
            "  {}'s family shares {} day(s) with the child's teachers; {} visits need {} days",
            name(&few.student),
            few.common_days,
            few.visits_needed,
            few.visits_needed
        )?;
    }
    if advice.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nWhat would place them (each after the ones above it):"
    )?;
    for item in advice {
        let students = list(item.students.iter().map(|s| name(s)).collect());
        let line = match item.kind {
            AdviceKind::TeacherHalfDays => format!(
                "{}: {} more half-day(s) this week ({})",
                list(item.teachers.iter().map(|t| name(t)).collect()),
                item.half_days.len(),
                list(item.half_days.iter().map(half_day).collect())
            ),
            AdviceKind::BackupTeacher => format!(
                "{} as backup teacher of {}",
                list(item.teachers.iter().map(|t| name(t)).collect()),
                list(item.changed_for.iter().map(|s| name(s)).collect())
            ),
            AdviceKind::FamilyHalfDays => format!(
                "ask the family of {} for {} more half-day(s) ({})",
                list(item.changed_for.iter().map(|s| name(s)).collect()),
                item.half_days.len(),
                list(item.half_days.iter().map(half_day).collect())
            ),
        };
        writeln!(
            out,
            "  {line}: places {} visit(s) for {students}",
            item.visits
        )?;
    }
    more(advice.len(), out)?;
    if staffing.groups_not_advised > 0 {
        writeln!(
            out,
            "  {} more part(s) of the district are short of teachers as well: the week needs more teachers, not single changes",
            staffing.groups_not_advised
        )?;
    }
    Ok(())
}
