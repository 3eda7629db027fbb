//! The ledger and the year's export as Excel workbooks, for inspection files.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{
    Ledger, LedgerParts, YearExport, account_lines, file_safe, summary_name, visit_cells,
    visit_columns,
};
use crate::speech::Speech;

fn write_table(
    sheet: &mut Worksheet,
    first_row: u32,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<u32, XlsxError> {
    let bold = Format::new().set_bold();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(first_row, col as u16, header, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let at = (first_row + 1 + r as u32, col as u16);
            // Figures as numbers, so that a spreadsheet can add them up.
            match cell.parse::<f64>() {
                Ok(number) if !cell.starts_with('0') || cell == "0" => {
                    sheet.write_number(at.0, at.1, number)?
                }
                _ => sheet.write_string(at.0, at.1, cell)?,
            };
        }
    }
    // A table at the top keeps its header in sight while scrolling; every column
    // as wide as its longest cell, as a person would drag it.
    if first_row == 0 {
        sheet.set_freeze_panes(1, 0)?;
    }
    sheet.autofit();
    Ok(first_row + 1 + rows.len() as u32)
}

/// Excel limits sheet names to 31 characters.
fn sheet_name(name: &str) -> String {
    file_safe(name).chars().take(31).collect()
}

pub fn write_ledger(ledger: &Ledger, speech: &Speech, path: &Path) -> anyhow::Result<()> {
    crate::private_file::write(path, &ledger_workbook(ledger, speech)?)?;
    Ok(())
}

/// The ledger as an xlsx file's bytes: a sheet each for the plan (with its
/// revisions), the visits and the accounts.
pub fn ledger_workbook(ledger: &Ledger, speech: &Speech) -> anyhow::Result<Vec<u8>> {
    let parts = LedgerParts::new(speech);
    let mut workbook = Workbook::new();
    let plan = workbook.add_worksheet().set_name(&parts.plan)?;
    let fields: Vec<Vec<String>> = ledger
        .plan_fields(speech)
        .into_iter()
        .map(|(k, v)| vec![k, v])
        .collect();
    let next = write_table(
        plan,
        0,
        &[parts.field.clone(), parts.value.clone()],
        &fields,
    )?;
    let (headers, rows) = ledger.revision_rows(speech);
    write_table(plan, next + 1, &headers, &rows)?;
    plan.autofit();

    let visits = workbook.add_worksheet().set_name(&parts.visits)?;
    let rows: Vec<Vec<String>> = ledger
        .visits
        .iter()
        .map(|v| visit_cells(v, speech))
        .collect();
    write_table(visits, 0, &visit_columns(speech), &rows)?;
    visits.autofit();

    let accounts = workbook.add_worksheet().set_name(&parts.accounts)?;
    let rows: Vec<Vec<String>> = account_lines(&ledger.accounts, speech)
        .into_iter()
        .map(|(line, periods)| vec![line, periods.to_string()])
        .collect();
    write_table(
        accounts,
        0,
        &[parts.accounts.clone(), parts.periods.clone()],
        &rows,
    )?;
    accounts.autofit();
    Ok(workbook.save_to_buffer()?)
}

pub fn write_year(export: &YearExport, speech: &Speech, path: &Path) -> anyhow::Result<()> {
    crate::private_file::write(path, &year_workbook(export, speech)?)?;
    Ok(())
}

/// The year as an xlsx file's bytes: the summary, then a sheet per school; who
/// exported it and when above the summary, when known.
pub fn year_workbook(export: &YearExport, speech: &Speech) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let summary = workbook.add_worksheet().set_name(summary_name(speech))?;
    let first_row = match &export.stamp {
        Some(stamp) if speech.chinese => {
            summary.write_string(0, 0, format!("导出：{stamp}"))?;
            2
        }
        Some(stamp) => {
            summary.write_string(0, 0, format!("exported by {stamp}"))?;
            2
        }
        None => 0,
    };
    let (headers, rows) = export.summary_rows(speech);
    write_table(summary, first_row, &headers, &rows)?;
    summary.autofit();
    for (school, visits) in &export.by_school {
        let sheet = workbook.add_worksheet().set_name(sheet_name(school))?;
        let rows: Vec<Vec<String>> = visits.iter().map(|v| visit_cells(v, speech)).collect();
        write_table(sheet, 0, &visit_columns(speech), &rows)?;
        sheet.autofit();
    }
    Ok(workbook.save_to_buffer()?)
}

/// An example value for each column a sheet may have, as a district writes it.
fn example(column: &str) -> &'static str {
    match column {
        "teacher_id" => "T01",
        "student_id" => "S001",
        "name" => "王芳",
        "email" => "wangfang@example.org",
        "school" => "城关小学",
        "available" => "Mon-AM Wed-AM Thu-PM",
        "max_visits_per_day" => "2",
        "gender" => "男",
        "birth_date" => "2015-03-08",
        "disability" => "智力残疾",
        "guardian_name" => "李强",
        "guardian_phone" => "13800138001",
        "address" => "城关镇幸福路1号",
        "status" => "在册",
        "school_year" => "2026-2027",
        "backup_teacher_id" => "T02",
        "visits_per_week" => "2",
        "periods_per_visit" => "3",
        "annual_target" => "216",
        "start_date" => "2026-09-01",
        "end_date" => "2027-07-02",
        "goals" => "认识数字1-10；能自己穿衣",
        "date" => "2026-11-30",
        "slot" => "上午",
        "outcome" => "完成",
        "periods" => "3",
        "reason" => "生病",
        "mode" => "上门",
        "note" => "状态很好",
        _ => "",
    }
}

/// A list as the command line writes it (`--format xlsx`): one sheet, every
/// cell text as the CSV has it, so that ids, phones and years read back as they
/// were written (a number would lose a leading 0 or show as 1.38E+10).
pub fn list_workbook(headers: &[String], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = Format::new().set_bold();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(col)?, header, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            // A string cell is never a formula: no need to defuse it as the CSV does.
            sheet.write_string(u32::try_from(r + 1)?, u16::try_from(col)?, cell)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    // Each column as wide as its widest cell, a Chinese character counting two
    // (autofit counts one, and cuts Chinese off in Excel and WPS).
    for (col, header) in headers.iter().enumerate() {
        use unicode_width::UnicodeWidthStr;
        let widest = rows
            .iter()
            .filter_map(|row| row.get(col))
            .chain(std::iter::once(header))
            .map(|cell| cell.width())
            .max()
            .unwrap_or(0);
        sheet.set_column_width(u16::try_from(col)?, (widest + 2).min(60) as f64)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// A sheet's template: the Chinese headers the import reads, an example row,
/// and on each header a note saying whether it is needed and what else it may
/// be called; the header row frozen.
pub fn import_template(kind: crate::import::records::Kind) -> anyhow::Result<Vec<u8>> {
    let chinese = |c: &crate::import::records::Column| {
        c.aliases
            .iter()
            .find(|a| a.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)))
            .copied()
            .unwrap_or(c.name)
    };
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = Format::new().set_bold();
    for (i, column) in kind.columns().iter().enumerate() {
        let col = u16::try_from(i)?;
        sheet.write_string_with_format(0, col, chinese(column), &bold)?;
        sheet.write_string(1, col, example(column.name))?;
        let needed = if column.required { "必填" } else { "选填" };
        let names: Vec<&str> = std::iter::once(column.name)
            .chain(column.aliases.iter().copied())
            .collect();
        let note = rust_xlsxwriter::Note::new(format!("{needed}。也可写作：{}", names.join("、")))
            .set_author("songjiao");
        sheet.insert_note(0, col, &note)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(workbook.save_to_buffer()?)
}
