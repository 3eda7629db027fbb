//! `simulate`: "with our teachers and this miss rate, does every child reach the
//! target?" The rest of the year replayed in memory; the database is not changed.

use std::io::{IsTerminal, Write};

use clap::{Args, ValueEnum};

use super::Context;
use super::output::print_table;
use crate::domain::calendar::SchoolYear;
use crate::service::plan_week::AdviceKind;
use crate::service::simulate::{self, Options, YearAdvice};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Default: the school year containing --from.
    #[arg(long)]
    year: Option<SchoolYear>,
    /// What is recorded up to this day stands; the weeks after it are simulated.
    /// Default: today.
    #[arg(long, value_parser = crate::import::records::parse_day)]
    from: Option<chrono::NaiveDate>,
    /// The share of planned visits that do not happen, from 0 to 1.
    #[arg(long, default_value_t = 0.1)]
    miss_rate: f64,
    /// The same seed gives the same year.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also work out what would let every child be served: the teachers' half-days,
    /// backup teachers or families' half-days that the missing visits needed.
    #[arg(long)]
    advise: bool,
    #[arg(long, value_enum, default_value_t = SimulateFormat::Table)]
    format: SimulateFormat,
}

pub async fn run(context: &Context, args: SimulateArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.miss_rate) {
        return Err(super::said(
            format!(
                "--miss-rate {} is not a share from 0 to 1 (0.1 means one visit in ten is missed)",
                args.miss_rate
            ),
            format!(
                "--miss-rate {} 不是 0 到 1 之间的比例（0.1 表示十次送教有一次没去成）",
                args.miss_rate
            ),
        ));
    }
    let from = args.from.unwrap_or_else(|| context.today());
    let year = args.year.unwrap_or_else(|| SchoolYear::containing(from));
    let calendar = context.calendar(year)?;
    let store = context.store().await?;
    let loaded = simulate::load(&store, &context.settings, &context.actor, &calendar).await;
    store.close().await;
    let (district, recorded) = loaded?;

    let weeks = simulate::weeks_after(&calendar, from).len() as u64;
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(weeks).with_message("weeks simulated")
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = simulate::simulate(
        &calendar,
        &district,
        &recorded,
        Options {
            from,
            miss_rate: args.miss_rate,
            seed: args.seed,
            advise: args.advise,
            own_record: false,
        },
        |done, _| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();

    let mut out = std::io::stdout().lock();
    match args.format {
        SimulateFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        SimulateFormat::Table => {
            let t = &report.totals;
            let zh = context.chinese();
            let (missed, seed) = (report.miss_rate * 100.0, report.seed);
            let line = context.say(
                format!(
                    "{year} 学年，从 {from} 起模拟 {} 个教学周，{missed:.0}% 的送教未完成（随机种子 {seed}）：",
                    t.weeks
                ),
                format!(
                    "{year}, from {from}, {} teaching week(s) simulated, {missed:.0}% of visits missed (seed {seed}):",
                    t.weeks
                ),
            );
            writeln!(out, "{line}")?;
            let line = context.say(
                format!(
                    "  {} 名学生中 {} 名达到目标；需要的 {} 次送教能排上 {} 次（完成 {}，未完成 {}）。\n",
                    t.students,
                    t.reaching_target,
                    t.visits_asked,
                    t.visits_placed,
                    t.visits_completed,
                    t.visits_missed
                ),
                format!(
                    "  {} of {} students reach their target; {} of {} visits asked for could be placed ({} made, {} missed).\n",
                    t.reaching_target,
                    t.students,
                    t.visits_placed,
                    t.visits_asked,
                    t.visits_completed,
                    t.visits_missed
                ),
            );
            writeln!(out, "{line}")?;
            let heading = |keys: [&str; 5], words: [&str; 5]| -> Vec<String> {
                if zh { words } else { keys }.map(String::from).to_vec()
            };
            let mut short: Vec<_> = report
                .students
                .iter()
                .filter(|s| !s.reaches_target)
                .collect();
            short.sort_by_key(|s| s.projected as i64 - s.target as i64);
            if short.is_empty() {
                let line = context.say(
                    "每个孩子都能达到目标。".into(),
                    "Every child reaches the target.".into(),
                );
                writeln!(out, "{line}")?;
            } else {
                let line = context.say(
                    "达不到目标的孩子：".into(),
                    "Children who would not reach the target:".into(),
                );
                writeln!(out, "{line}")?;
                let rows: Vec<Vec<String>> = short
                    .iter()
                    .map(|s| {
                        vec![
                            s.student_id.clone(),
                            s.target.to_string(),
                            s.delivered_so_far.to_string(),
                            s.projected.to_string(),
                            (s.target - s.projected.min(s.target)).to_string(),
                        ]
                    })
                    .collect();
                print_table(
                    &heading(
                        [
                            "student_id",
                            "target",
                            "delivered so far",
                            "projected",
                            "short by",
                        ],
                        ["学生编号", "目标课时", "已完成课时", "预计课时", "还差"],
                    ),
                    &rows,
                    &mut out,
                )?;
            }
            if let Some(advice) = &report.advice {
                print_year_advice(advice, zh, &mut out)?;
            }
            let line = context.say(
                "\n教师工作量（每周送教次数）：".into(),
                "\nTeacher load (visits a week):".into(),
            );
            writeln!(out, "{line}")?;
            let rows: Vec<Vec<String>> = report
                .teachers
                .iter()
                .map(|l| {
                    vec![
                        l.teacher_id.clone(),
                        l.visits.to_string(),
                        format!("{:.1}", l.per_week),
                    ]
                })
                .collect();
            let headers: Vec<String> = if zh {
                ["教师编号", "送教次数", "每周"]
            } else {
                ["teacher_id", "visits", "per week"]
            }
            .map(String::from)
            .to_vec();
            print_table(&headers, &rows, &mut out)?;
        }
    }
    Ok(())
}

fn print_year_advice(advice: &[YearAdvice], zh: bool, out: &mut impl Write) -> anyhow::Result<()> {
    if advice.is_empty() {
        if zh {
            writeln!(out, "\n需要的送教都能排上：不需要调整人手。")?;
        } else {
            writeln!(
                out,
                "\nEvery visit asked for could be placed: no staffing change is needed."
            )?;
        }
        return Ok(());
    }
    if zh {
        writeln!(out, "\n怎样能排上没排上的送教（作用最大的在前）：")?;
    } else {
        writeln!(
            out,
            "\nWhat would place the visits that could not be placed (the most first):"
        )?;
    }
    for item in advice {
        if zh {
            let (teachers, changed_for) = (item.teachers.join("、"), item.changed_for.join("、"));
            let (count, half_days) = (item.half_days_a_week, item.half_days.join("、"));
            let what = match item.kind {
                AdviceKind::TeacherHalfDays => {
                    format!("{teachers}：每周再多 {count} 个半天（{half_days}）")
                }
                AdviceKind::BackupTeacher => format!("请 {teachers} 做 {changed_for} 的备用教师"),
                AdviceKind::FamilyHalfDays => {
                    format!("请 {changed_for} 的家庭每周再多给 {count} 个半天（{half_days}）")
                }
            };
            writeln!(
                out,
                "  {what} — 需要 {} 周，可为 {} 排上 {} 次送教",
                item.weeks,
                item.students.join("、"),
                item.visits
            )?;
            continue;
        }
        let what = match item.kind {
            AdviceKind::TeacherHalfDays => format!(
                "{}: {} more half-day(s) a week ({})",
                item.teachers.join(", "),
                item.half_days_a_week,
                item.half_days.join(", ")
            ),
            AdviceKind::BackupTeacher => format!(
                "{} as backup teacher of {}",
                item.teachers.join(", "),
                item.changed_for.join(", ")
            ),
            AdviceKind::FamilyHalfDays => format!(
                "ask the family of {} for {} more half-day(s) a week ({})",
                item.changed_for.join(", "),
                item.half_days_a_week,
                item.half_days.join(", ")
            ),
        };
        writeln!(
            out,
            "  {what} — needed in {} week(s), places {} visit(s) for {}",
            item.weeks,
            item.visits,
            item.students.join(", ")
        )?;
    }
    Ok(())
}
