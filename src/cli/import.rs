//! `songjiao import FILE --kind …`.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::import::records::Kind;
use crate::service::ServiceError;
use crate::service::imports::{self, ImportReport, Upload};

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
    /// Why the plans this sheet revises change (rows with a 修订原因 cell keep
    /// their own): a plan's teacher, backup, rhythm, target or goals changes
    /// only with a reason.
    #[arg(long)]
    pub reason: Option<String>,
    /// A header the sheet writes its own way, and the column it means, e.g.
    /// `--column 可上门时间=可用时段` (may be given again).
    #[arg(long = "column", value_parser = parse_confirmed)]
    pub confirmed: Vec<(String, String)>,
    /// Keep, marked, a visits sheet's records on days no visit should happen (a
    /// holiday, a weekend that is no make-up workday, outside the plan);
    /// without it they are refused.
    #[arg(long)]
    pub allow_off_days: bool,
}

fn parse_confirmed(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(said, meant)| (said.trim().to_string(), meant.trim().to_string()))
        .filter(|(said, meant)| !said.is_empty() && !meant.is_empty())
        .ok_or_else(|| format!("`{text}` is not HEADER=COLUMN, e.g. 可上门时间=可用时段"))
}

pub async fn run(context: &Context, args: ImportArgs) -> anyhow::Result<()> {
    let report = import_file(context, &args).await?;
    let zh = context.chinese();
    let summary = if zh {
        format!(
            "{} {} 行{}：新增 {}，更新 {}，不变 {}。{}",
            if args.dry_run {
                "试导入"
            } else {
                "已导入"
            },
            report.rows,
            args.kind.zh(),
            report.created,
            report.updated,
            report.unchanged,
            if args.dry_run {
                "（试运行：没有做任何更改）"
            } else {
                ""
            }
        )
    } else {
        format!(
            "{} {} row(s) of {:?}: {} new, {} updated, {} unchanged.{}",
            if args.dry_run {
                "Would import"
            } else {
                "Imported"
            },
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
        )
    };
    println!("{summary}");
    if !report.ignored_columns.is_empty() {
        let columns = report.ignored_columns.join(", ");
        if zh {
            println!("未读取的列（不属于此类表格）：{columns}");
        } else {
            println!("Columns not read (not part of this kind): {columns}");
        }
    }
    const SHOWN: usize = 20;
    let speech = crate::speech::Speech::in_language(&context.settings, zh);
    print_changes(&report, &speech, args.dry_run);
    for caution in &report.cautions {
        let label = if zh { "注意" } else { "note" };
        println!("  {label}: {}", caution.text(zh));
    }
    for warning in report.warnings.iter().take(SHOWN) {
        let label = if zh { "提醒" } else { "warning" };
        println!("  {label}: {}", warning.text(zh));
    }
    let more = |count: usize| {
        if zh {
            format!("  ……另有 {count} 条")
        } else {
            format!("  … and {count} more like these")
        }
    };
    if report.warnings.len() > SHOWN {
        println!("{}", more(report.warnings.len() - SHOWN));
    }
    let notes = if zh { &report.notes_zh } else { &report.notes };
    for note in notes.iter().take(SHOWN) {
        println!("  {note}");
    }
    if report.notes.len() > SHOWN {
        println!("{}", more(report.notes.len() - SHOWN));
    }
    Ok(())
}

/// Each changed record on a line of its own, its fields side by side:
/// `第 3 行 S0005 王浩：监护人电话 138… → 139…；送教教师 JS001 → JS002`.
fn print_changes(report: &ImportReport, speech: &crate::speech::Speech, dry_run: bool) {
    if report.changes.is_empty() {
        return;
    }
    println!(
        "{}",
        match (speech.chinese, dry_run) {
            (true, true) => "会改变的内容（逐项）：",
            (true, false) => "已改变的内容（逐项）：",
            (false, true) => "What would change, field by field:",
            (false, false) => "What changed, field by field:",
        }
    );
    let mut rows: Vec<(usize, &str, Vec<String>)> = Vec::new();
    for change in &report.changes {
        match rows.last_mut() {
            Some((line, _, fields)) if *line == change.line => fields.push(change.text(speech)),
            _ => rows.push((change.line, &change.record, vec![change.text(speech)])),
        }
    }
    for (line, record, fields) in rows {
        if speech.chinese {
            println!("  第 {line} 行 {record}：{}", fields.join("；"));
        } else {
            println!("  line {line} {record}: {}", fields.join("; "));
        }
    }
}

/// Reads the file and hands it to the import service; problems are listed by line.
pub async fn import_file(context: &Context, args: &ImportArgs) -> anyhow::Result<ImportReport> {
    let file = args.file.display();
    let bytes = std::fs::read(&args.file).map_err(|e| super::cannot_read(&args.file, e))?;
    let name = args.file.to_string_lossy();
    let store = context.store().await?;
    let report = imports::import(
        &store,
        &context.settings,
        &context.actor,
        context.now,
        args.kind,
        Upload {
            reason: args.reason.as_deref(),
            confirmed: &args.confirmed,
            allow_off_days: args.allow_off_days,
            ..Upload::new(&name, &bytes)
        },
        args.dry_run,
    )
    .await;
    store.close().await;
    let zh = context.chinese();
    report.map_err(|error| match error {
        ServiceError::Invalid(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("  {}", p.text(zh)))
                .collect();
            if zh {
                anyhow::anyhow!(
                    "{file}：发现 {} 处问题，没有导入任何内容：\n{}",
                    problems.len(),
                    lines.join("\n")
                )
            } else {
                anyhow::anyhow!(
                    "{file}: {} problem(s) found; nothing was imported:\n{}",
                    problems.len(),
                    lines.join("\n")
                )
            }
        }
        other => anyhow::anyhow!("{file}: {other}"),
    })
}
