//! `simulate`: "with our teachers and this miss rate, does every child reach the
//! target?" The rest of the year replayed in memory; the database is not changed.

use std::io::{IsTerminal, Write};

use clap::{Args, ValueEnum};

use super::Context;
use super::output::print_table;
use crate::domain::calendar::SchoolYear;
use crate::planner::advice::AdviceKind;
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
        anyhow::bail!(
            "--miss-rate {} is not a share from 0 to 1 (0.1 means one visit in ten is missed)",
            args.miss_rate
        );
    }
    let from = args.from.unwrap_or_else(|| context.today());
    let year = args.year.unwrap_or_else(|| SchoolYear::containing(from));
    let calendar = context
        .settings
        .calendar(year)
        .map_err(anyhow::Error::msg)?;
    let store = context.store().await?;
    let loaded = simulate::load(&store, &context.settings, &calendar).await;
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
            writeln!(
                out,
                "{year}, from {from}, {} teaching week(s) simulated, {:.0}% of visits missed (seed {}):",
                t.weeks,
                report.miss_rate * 100.0,
                report.seed
            )?;
            writeln!(
                out,
                "  {} of {} students reach their target; {} of {} visits asked for could be placed ({} made, {} missed).\n",
                t.reaching_target,
                t.students,
                t.visits_placed,
                t.visits_asked,
                t.visits_completed,
                t.visits_missed
            )?;
            let mut short: Vec<_> = report
                .students
                .iter()
                .filter(|s| !s.reaches_target)
                .collect();
            short.sort_by_key(|s| s.projected as i64 - s.target as i64);
            if short.is_empty() {
                writeln!(out, "Every child reaches the target.")?;
            } else {
                writeln!(out, "Children who would not reach the target:")?;
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
                    &[
                        "student_id",
                        "target",
                        "delivered so far",
                        "projected",
                        "short by",
                    ]
                    .map(String::from),
                    &rows,
                    &mut out,
                )?;
            }
            if let Some(advice) = &report.advice {
                print_year_advice(advice, &mut out)?;
            }
            writeln!(out, "\nTeacher load (visits a week):")?;
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
            print_table(
                &["teacher_id", "visits", "per week"].map(String::from),
                &rows,
                &mut out,
            )?;
        }
    }
    Ok(())
}

fn print_year_advice(advice: &[YearAdvice], out: &mut impl Write) -> anyhow::Result<()> {
    if advice.is_empty() {
        writeln!(
            out,
            "\nEvery visit asked for could be placed: no staffing change is needed."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "\nWhat would place the visits that could not be placed (the most first):"
    )?;
    for item in advice {
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
