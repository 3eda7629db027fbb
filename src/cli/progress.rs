//! `progress`: one row per plan: delivered against pace, and whether the year's
//! target can still be reached.

use clap::Args;
use serde::Serialize;

use super::Context;
use super::output::{Format, print_rows};
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::Status;
use crate::service::progress::year_progress;

#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// Default: the school year containing today.
    #[arg(long)]
    year: Option<SchoolYear>,
    /// Only this school's students (its name).
    #[arg(long)]
    school: Option<String>,
    /// Only these statuses, e.g. behind,at_risk,unreachable.
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    status: Vec<Status>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Every column in the table (CSV and JSON always have every column); the
    /// default table fits a 100-column terminal.
    #[arg(long)]
    wide: bool,
}

/// A progress row as the default table shows it: who, and the figures that tell
/// whether the child is keeping up.
#[derive(Serialize)]
struct NarrowRow<'a> {
    student_id: &'a str,
    name: &'a str,
    school: &'a str,
    teacher_id: &'a str,
    target: u32,
    delivered: u32,
    expected: u32,
    status: Status,
}

fn parse_status(text: &str) -> Result<Status, String> {
    Status::parse(text.trim()).ok_or_else(|| {
        format!(
            "`{text}` is not a status: use on_track, behind, at_risk, unreachable (按计划, 稍有落后, 严重落后, 无法完成)"
        )
    })
}

pub async fn run(context: &Context, args: ProgressArgs) -> anyhow::Result<()> {
    let year = args
        .year
        .unwrap_or_else(|| SchoolYear::containing(context.today()));
    let calendar = context.calendar(year)?;
    let store = context.store().await?;
    let rows = year_progress(
        &store,
        &context.settings,
        &context.actor,
        &calendar,
        context.now,
    )
    .await;
    store.close().await;
    let mut rows = rows?;
    rows.retain(|row| {
        args.school.as_ref().is_none_or(|s| &row.school == s)
            && (args.status.is_empty() || args.status.contains(&row.status))
    });
    let out = &mut std::io::stdout().lock();
    if args.format != Format::Table || args.wide {
        return print_rows(&rows, args.format, out);
    }
    let narrow: Vec<NarrowRow> = rows
        .iter()
        .map(|row| NarrowRow {
            student_id: &row.student_id,
            name: &row.name,
            school: &row.school,
            teacher_id: &row.teacher_id,
            target: row.target,
            delivered: row.delivered,
            expected: row.expected,
            status: row.status,
        })
        .collect();
    print_rows(&narrow, args.format, out)
}
