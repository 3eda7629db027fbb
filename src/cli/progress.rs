//! `progress`: one row per plan: delivered against pace, and whether the year's
//! target can still be reached.

use clap::Args;

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
}

fn parse_status(text: &str) -> Result<Status, String> {
    Status::parse(text.trim()).ok_or_else(|| {
        format!("`{text}` is not a status: use on_track, behind, at_risk, unreachable")
    })
}

pub async fn run(context: &Context, args: ProgressArgs) -> anyhow::Result<()> {
    let year = args
        .year
        .unwrap_or_else(|| SchoolYear::containing(context.today()));
    let calendar = context
        .settings
        .calendar(year)
        .map_err(anyhow::Error::msg)?;
    let store = context.store().await?;
    let rows = year_progress(&store, &context.settings, &calendar, context.now).await;
    store.close().await;
    let mut rows = rows?;
    rows.retain(|row| {
        args.school.as_ref().is_none_or(|s| &row.school == s)
            && (args.status.is_empty() || args.status.contains(&row.status))
    });
    print_rows(&rows, args.format, &mut std::io::stdout().lock())
}
