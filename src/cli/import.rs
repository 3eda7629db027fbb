//! `songjiao import FILE --kind …`.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::import::{ImportReport, import, records::Kind};
use crate::store::Store;

#[derive(Debug, Args)]
#[command(after_help = "\
Columns (a header row; Chinese headers such as 姓名, 学校, 监护人 are accepted too):
  teachers: teacher_id,name,email,school,available,max_visits_per_day
  students: student_id,name,gender,birth_date,disability,guardian_name,guardian_phone,address,school,available
  plans:    student_id,school_year,teacher_id,backup_teacher_id,visits_per_week,periods_per_visit,annual_target,start_date,end_date,goals
`available` lists weekday slots, e.g. \"Mon-AM Tue-PM\" or \"周一上午 周二下午\".
One bad row imports nothing; importing the same file again updates rather than duplicates.

Examples:
  songjiao import teachers.csv --kind teachers
  songjiao import 学生名单.xlsx --kind students --dry-run")]
pub struct ImportArgs {
    /// A .csv (UTF-8 or GBK) or .xlsx file.
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// Check the file and say what would change, without changing anything.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(context: &Context, args: ImportArgs) -> anyhow::Result<()> {
    let store = context.store().await?;
    let report = import_file(context, &store, &args).await;
    store.close().await;
    let report = report?;
    let verb = if args.dry_run {
        "Would import"
    } else {
        "Imported"
    };
    println!(
        "{verb} {} row(s) of {:?}: {} new, {} updated, {} unchanged.{}",
        report.rows,
        args.kind,
        report.created,
        report.updated,
        report.unchanged,
        if args.dry_run {
            " (dry run: nothing was changed)"
        } else {
            ""
        }
    );
    if !report.ignored_columns.is_empty() {
        println!(
            "Columns not read (not part of this kind): {}",
            report.ignored_columns.join(", ")
        );
    }
    const SHOWN: usize = 20;
    for note in report.notes.iter().take(SHOWN) {
        println!("  {note}");
    }
    if report.notes.len() > SHOWN {
        println!("  … and {} more like these", report.notes.len() - SHOWN);
    }
    Ok(())
}

/// Everything in one transaction: committed only when every row is good and this is no dry run.
pub async fn import_file(
    context: &Context,
    store: &Store,
    args: &ImportArgs,
) -> anyhow::Result<ImportReport> {
    let mut tx = store.write(&context.actor, context.now).await?;
    match import(&mut tx, &args.file, args.kind, &context.settings).await {
        Ok(report) if args.dry_run => {
            tx.rollback().await?;
            Ok(report)
        }
        Ok(report) => {
            tx.refresh_statistics().await?;
            tx.commit().await?;
            Ok(report)
        }
        Err(error) => {
            tx.rollback().await?;
            Err(anyhow::anyhow!("{}: {error}", args.file.display()))
        }
    }
}
