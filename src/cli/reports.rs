//! `ledger` and `export`: the year's records for inspections.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Context;
use crate::domain::calendar::SchoolYear;
use crate::reports::{self, CsvEncoding, xlsx};
use crate::service::{self, ServiceError};
use crate::speech::Speech;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    Table,
    Csv,
    Xlsx,
}

#[derive(Debug, Args)]
pub struct LedgerArgs {
    student_id: String,
    /// Default: the school year containing today.
    #[arg(long)]
    year: Option<SchoolYear>,
    #[arg(long, value_enum, default_value_t = LedgerFormat::Table)]
    format: LedgerFormat,
    /// CSV's encoding: UTF-8 with a byte-order mark (Excel and WPS read it), or GBK.
    #[arg(long, value_enum, default_value_t = CsvEncoding::Utf8)]
    encoding: CsvEncoding,
    /// Where the workbook goes (xlsx). Default: ledger-STUDENT-YEAR.xlsx.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Default: the school year containing today.
    #[arg(long)]
    year: Option<SchoolYear>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Xlsx)]
    format: ExportFormat,
    /// CSV's encoding: UTF-8 with a byte-order mark (Excel and WPS read it), or GBK.
    #[arg(long, value_enum, default_value_t = CsvEncoding::Utf8)]
    encoding: CsvEncoding,
    /// The workbook (xlsx) or folder (csv). Default: songjiao-YEAR.xlsx or songjiao-YEAR/.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
}

fn year_and_calendar(
    context: &Context,
    year: Option<SchoolYear>,
) -> anyhow::Result<crate::domain::calendar::SchoolCalendar> {
    let year = year.unwrap_or_else(|| SchoolYear::containing(context.today()));
    context.calendar(year)
}

pub async fn ledger(context: &Context, args: LedgerArgs) -> anyhow::Result<()> {
    let calendar = year_and_calendar(context, args.year)?;
    let store = context.store().await?;
    let ledger = service::reports::ledger(
        &store,
        &context.settings,
        &context.actor,
        &calendar,
        &args.student_id,
        context.now,
    )
    .await;
    store.close().await;
    let ledger = ledger.map_err(|e| match e {
        ServiceError::NotFound { what: "plan", .. } => super::said(
            format!(
                "student {} has no plan for {}: see `songjiao plan set`",
                args.student_id, calendar.year
            ),
            format!(
                "学生 {} 在 {} 学年没有送教方案：见 `songjiao plan set`",
                args.student_id, calendar.year
            ),
        ),
        ServiceError::NotFound { what, id } => {
            anyhow::Error::new(crate::reason::Reason::NoSuchSee {
                what,
                id,
                command: what,
            })
        }
        other => other.into(),
    })?;
    let speech = Speech::of(&context.settings);
    let mut out = std::io::stdout().lock();
    match args.format {
        LedgerFormat::Table => reports::print_ledger(&ledger, &speech, &mut out),
        LedgerFormat::Csv => reports::write_ledger_csv(&ledger, &speech, args.encoding, &mut out),
        LedgerFormat::Xlsx => {
            let path = args.out.unwrap_or_else(|| {
                PathBuf::from(format!("ledger-{}-{}.xlsx", args.student_id, calendar.year))
            });
            xlsx::write_ledger(&ledger, &speech, &path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let path = path.display();
            println!(
                "{}",
                context.say(format!("已写入 {path}"), format!("Wrote {path}"))
            );
            Ok(())
        }
    }
}

pub async fn export(context: &Context, args: ExportArgs) -> anyhow::Result<()> {
    let calendar = year_and_calendar(context, args.year)?;
    let store = context.store().await?;
    let export = service::reports::year_export(
        &store,
        &context.settings,
        &context.actor,
        &calendar,
        context.now,
    )
    .await;
    store.close().await;
    let export = export?;
    let speech = Speech::of(&context.settings);
    match args.format {
        ExportFormat::Xlsx => {
            let path = args
                .out
                .unwrap_or_else(|| PathBuf::from(format!("songjiao-{}.xlsx", calendar.year)));
            xlsx::write_year(&export, &speech, &path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let (path, schools) = (path.display(), export.by_school.len());
            println!(
                "{}",
                context.say(
                    format!("已写入 {path}（一张汇总表和 {schools} 张学校表）"),
                    format!("Wrote {path} (a summary sheet and {schools} school sheet(s))")
                )
            );
        }
        ExportFormat::Csv => {
            let dir = args
                .out
                .unwrap_or_else(|| PathBuf::from(format!("songjiao-{}", calendar.year)));
            let written = export
                .write_csv(&dir, &speech, args.encoding)
                .map_err(|e| anyhow::anyhow!("cannot write into {}: {e}", dir.display()))?;
            for path in written {
                let path = path.display();
                println!(
                    "{}",
                    context.say(format!("已写入 {path}"), format!("Wrote {path}"))
                );
            }
        }
    }
    Ok(())
}
