//! The year's records for people and inspections: a student's ledger, and the
//! whole year exported as a workbook (one sheet per school) or CSV files.

pub mod xlsx;

use std::io::Write;

use serde::Serialize;

use crate::domain::visit::Accounts;
use crate::service::progress::ProgressRow;
use crate::service::reports::LedgerVisit;
pub use crate::service::reports::{Ledger, YearExport};
use crate::speech::Speech;
use crate::table::print_table;
use unicode_width::UnicodeWidthStr;

/// How a CSV file is written: UTF-8 with a byte-order mark (so that Excel on a
/// Chinese Windows reads it as UTF-8, not as GBK), or GBK for older software.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvEncoding {
    #[default]
    Utf8,
    Gbk,
}

impl CsvEncoding {
    /// The CSV text as the file's bytes; a character GBK cannot hold is named.
    pub fn encode(self, text: &[u8]) -> anyhow::Result<Vec<u8>> {
        match self {
            CsvEncoding::Utf8 => Ok([b"\xEF\xBB\xBF".as_slice(), text].concat()),
            CsvEncoding::Gbk => {
                let text = std::str::from_utf8(text)?;
                let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
                if unmappable {
                    let first = text
                        .chars()
                        .find(|c| encoding_rs::GBK.encode(&c.to_string()).2)
                        .unwrap_or('?');
                    anyhow::bail!(
                        "`{first}` cannot be written in GBK: write the file in UTF-8 (the default, which Excel and WPS open too)"
                    );
                }
                Ok(bytes.into_owned())
            }
        }
    }
}

/// Column names and cells of the visits table, shared by every format. Under
/// zh-CN they are the visits import's column names (学生编号, 日期, 时段, 结果…),
/// so a school's sheet of recorded visits imports back.
const VISIT_COLUMNS: [&str; 14] = [
    "visit_id",
    "student_id",
    "day",
    "slot",
    "teacher_id",
    "outcome",
    "periods",
    "mode",
    "reason",
    "note",
    "goal_notes",
    "guardian_confirmed_by",
    "recorded_by",
    "unplanned",
];

pub fn visit_columns(speech: &Speech) -> Vec<String> {
    VISIT_COLUMNS.iter().map(|c| speech.header(c)).collect()
}

pub fn visit_cells(visit: &LedgerVisit, speech: &Speech) -> Vec<String> {
    let word = |key: &str, code: &str| speech.cell(key, &serde_json::Value::from(code));
    vec![
        visit.visit_id.to_string(),
        visit.student_id.clone(),
        visit.day.to_string(),
        word("slot", &visit.slot),
        visit.teacher_id.clone(),
        match visit.outcome {
            Some(outcome) => word("outcome", outcome.code()),
            None if speech.chinese => "（未记录）".into(),
            None => "(unrecorded)".into(),
        },
        visit.periods.map(|p| p.to_string()).unwrap_or_default(),
        word("mode", visit.mode.code()),
        visit
            .reason
            .map(|r| word("reason", r.code()))
            .unwrap_or_default(),
        visit.note.clone().unwrap_or_default(),
        visit.goal_notes.join("; "),
        visit
            .guardian_confirmed_by
            .as_ref()
            .map(|name| match visit.guardian_confirmed_at {
                Some(at) => format!("{name} ({})", speech.time(at)),
                None => name.clone(),
            })
            .unwrap_or_default(),
        visit
            .recorded_by
            .as_deref()
            .map(|who| word("recorded_by", who))
            .unwrap_or_default(),
        speech.cell("unplanned", &serde_json::Value::Bool(visit.unplanned)),
    ]
}

/// A ledger's or an export's words that are not column names.
fn say(speech: &Speech, zh: &str, en: &str) -> String {
    if speech.chinese { zh } else { en }.to_string()
}

impl Ledger {
    /// `field, value` pairs describing the plan.
    pub fn plan_fields(&self, speech: &Speech) -> Vec<(String, String)> {
        let terms = &self.plan.terms;
        let zh = speech.chinese;
        let pace = &self.pace;
        let status = speech.cell("status", &serde_json::Value::from(pace.status.as_str()));
        [
            ("student_id", self.student.student_id.clone()),
            ("name", self.student.name.clone()),
            ("school", self.student.school.clone()),
            ("school_year", self.plan.school_year.clone()),
            ("plan_id", self.plan.plan_id.to_string()),
            ("revision", self.plan.revision.to_string()),
            ("teacher_id", terms.teacher_id.clone()),
            (
                "backup_teacher_id",
                terms.backup_teacher_id.clone().unwrap_or_default(),
            ),
            (
                "rhythm",
                if zh {
                    format!(
                        "每周 {} 次，每次 {} 课时",
                        terms.visits_per_week, terms.periods_per_visit
                    )
                } else {
                    format!(
                        "{} visits a week × {} periods",
                        terms.visits_per_week, terms.periods_per_visit
                    )
                },
            ),
            ("annual_target", terms.annual_target.to_string()),
            ("target", self.target.to_string()),
            (
                "dates",
                if zh {
                    format!("{} 至 {}", terms.start_date, terms.end_date)
                } else {
                    format!("{} to {}", terms.start_date, terms.end_date)
                },
            ),
            (
                "pace",
                if zh {
                    format!(
                        "已完成 {}，待记录 {}，截至今日应完成 {}：{status}",
                        pace.delivered, pace.pending, pace.expected
                    )
                } else {
                    format!(
                        "{} delivered, {} pending, {} expected by now: {status}",
                        pace.delivered, pace.pending, pace.expected
                    )
                },
            ),
            (
                "goals",
                terms
                    .goals
                    .iter()
                    .zip(&self.plan.goal_ids)
                    .map(|(g, id)| format!("{id}: {g}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (speech.header(k), v))
        .collect()
    }

    pub fn revision_rows(&self, speech: &Speech) -> (Vec<String>, Vec<Vec<String>>) {
        let headers = [
            "revision",
            "teacher_id",
            "backup_teacher_id",
            "visits_per_week",
            "periods_per_visit",
            "annual_target",
            "start_date",
            "end_date",
            "reason",
            "changed_by",
            "changed_at",
        ]
        .iter()
        .map(|k| speech.header(k))
        .collect();
        let rows = self
            .revisions
            .iter()
            .map(|r| {
                vec![
                    r.revision.to_string(),
                    r.teacher_id.clone(),
                    r.backup_teacher_id.clone().unwrap_or_default(),
                    r.visits_per_week.to_string(),
                    r.periods_per_visit.to_string(),
                    r.annual_target.to_string(),
                    r.start_date.to_string(),
                    r.end_date.to_string(),
                    r.reason.clone(),
                    speech.cell(
                        "changed_by",
                        &serde_json::Value::from(r.changed_by.as_str()),
                    ),
                    speech.time(r.changed_at),
                ]
            })
            .collect();
        (headers, rows)
    }
}

/// The accounts as `line, periods` pairs, in the order they add up.
pub fn account_lines(accounts: &Accounts, speech: &Speech) -> Vec<(String, u32)> {
    let line = |zh: &str, en: &str| say(speech, zh, en);
    let mut lines = vec![
        (line("已安排课时", "periods scheduled"), accounts.scheduled),
        (line("  已完成", "  delivered"), accounts.delivered),
        (
            line("  部分完成时未上的课时", "  not given at partial visits"),
            accounts.partial_shortfall,
        ),
    ];
    for (reason, periods) in &accounts.missed {
        let word = speech.cell("reason", &serde_json::Value::from(reason.as_str()));
        lines.push((
            if speech.chinese {
                format!("  未完成：{word}")
            } else {
                format!("  missed: {word}")
            },
            *periods,
        ));
    }
    lines.extend([
        (line("  已取消", "  cancelled"), accounts.cancelled),
        (
            line(
                "  未记录（已过，不计入完成）",
                "  unrecorded (past, not delivered)",
            ),
            accounts.unrecorded,
        ),
        (line("  尚未到来", "  still to come"), accounts.to_come),
        (line("目标课时", "target"), accounts.target),
        (line("  已完成", "  delivered"), accounts.delivered),
        (line("  仍欠", "  still owed"), accounts.still_owed),
    ]);
    if accounts.beyond_target > 0 {
        lines.push((
            line("超出目标的课时", "delivered beyond the target"),
            accounts.beyond_target,
        ));
    }
    lines
}

/// The names of the ledger's parts (sheets in a workbook, sections elsewhere).
pub struct LedgerParts {
    pub plan: String,
    pub revisions: String,
    pub visits: String,
    pub accounts: String,
    pub field: String,
    pub value: String,
    pub periods: String,
}

impl LedgerParts {
    pub fn new(speech: &Speech) -> Self {
        let word = |zh: &str, en: &str| say(speech, zh, en);
        LedgerParts {
            plan: word("送教方案", "plan"),
            revisions: word("修订记录", "revisions"),
            visits: word("送教记录", "visits"),
            accounts: word("课时账目", "accounts"),
            field: word("项目", "field"),
            value: word("内容", "value"),
            periods: word("课时", "periods"),
        }
    }
}

fn balance_line(ledger: &Ledger, speech: &Speech) -> String {
    match (ledger.accounts.balances(), speech.chinese) {
        (true, true) => "账目平衡。".into(),
        (true, false) => "The accounts balance.".into(),
        (false, true) => "账目不平衡：请将此作为程序错误报告。".into(),
        (false, false) => "THE ACCOUNTS DO NOT BALANCE: please report this as a bug.".into(),
    }
}

pub fn print_ledger(ledger: &Ledger, speech: &Speech, out: &mut impl Write) -> anyhow::Result<()> {
    let parts = LedgerParts::new(speech);
    writeln!(out, "{}", parts.plan)?;
    let fields = ledger.plan_fields(speech);
    let width = fields.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    for (key, value) in fields {
        writeln!(out, "  {key}{}  {value}", " ".repeat(width - key.width()))?;
    }
    writeln!(out, "\n{}", parts.revisions)?;
    let (headers, rows) = ledger.revision_rows(speech);
    print_table(&headers, &rows, out)?;
    writeln!(out, "\n{} ({})", parts.visits, ledger.visits.len())?;
    let rows: Vec<Vec<String>> = ledger
        .visits
        .iter()
        .map(|v| visit_cells(v, speech))
        .collect();
    print_table(&visit_columns(speech), &rows, out)?;
    writeln!(out, "\n{} ({})", parts.accounts, parts.periods)?;
    for (line, periods) in account_lines(&ledger.accounts, speech) {
        let pad = 36usize.saturating_sub(line.width());
        writeln!(out, "  {line}{}{periods:>5}", " ".repeat(pad))?;
    }
    writeln!(out, "  {}", balance_line(ledger, speech))?;
    Ok(())
}

pub fn write_ledger_csv(
    ledger: &Ledger,
    speech: &Speech,
    encoding: CsvEncoding,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let parts = LedgerParts::new(speech);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record([&parts.plan])?;
    for (key, value) in ledger.plan_fields(speech) {
        writer.write_record(inert_record([key, value]))?;
    }
    writer.write_record([""])?;
    writer.write_record([&parts.revisions])?;
    let (headers, rows) = ledger.revision_rows(speech);
    writer.write_record(&headers)?;
    for row in rows {
        writer.write_record(inert_record(&row))?;
    }
    writer.write_record([""])?;
    writer.write_record([&parts.visits])?;
    writer.write_record(visit_columns(speech))?;
    for visit in &ledger.visits {
        writer.write_record(inert_record(visit_cells(visit, speech)))?;
    }
    writer.write_record([""])?;
    writer.write_record([&parts.accounts, &parts.periods])?;
    for (line, periods) in account_lines(&ledger.accounts, speech) {
        writer.write_record([line.trim().to_string(), periods.to_string()])?;
    }
    out.write_all(&encoding.encode(&writer.into_inner()?)?)?;
    Ok(())
}

/// A cell as a spreadsheet shows it and never runs it: text beginning with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe (OWASP's
/// advice on CSV injection), so a teacher's note such as `=HYPERLINK(…)` stays
/// text in Excel and WPS. Numbers (-3) are left as they are.
pub fn inert_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_a_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_a_formula && cell.parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Every cell of a record made [`inert_cell`].
pub fn inert_record<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Vec<String> {
    cells
        .into_iter()
        .map(|cell| inert_cell(cell.as_ref()).into_owned())
        .collect()
}

/// One CSV file: headers and rows, in the encoding asked.
fn write_csv_file(
    path: &std::path::Path,
    headers: &[impl AsRef<[u8]>],
    rows: impl IntoIterator<Item = Vec<String>>,
    encoding: CsvEncoding,
) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(headers)?;
    for row in rows {
        writer.write_record(inert_record(&row))?;
    }
    crate::private_file::write(path, &encoding.encode(&writer.into_inner()?)?)?;
    Ok(())
}

#[derive(Serialize)]
struct SummaryRow<'a> {
    #[serde(flatten)]
    progress: &'a ProgressRow,
    still_owed: u32,
    unrecorded_periods: u32,
}

impl YearExport {
    pub fn summary_rows(&self, speech: &Speech) -> (Vec<String>, Vec<Vec<String>>) {
        let rows: Vec<SummaryRow> = self
            .progress
            .iter()
            .map(|p| {
                let accounts = self.accounts.get(&p.plan_id);
                SummaryRow {
                    progress: p,
                    still_owed: accounts.map_or(p.target, |a| a.still_owed),
                    unrecorded_periods: accounts.map_or(0, |a| a.unrecorded),
                }
            })
            .collect();
        let values: Vec<serde_json::Map<String, serde_json::Value>> = rows
            .iter()
            .filter_map(|r| match serde_json::to_value(r) {
                Ok(serde_json::Value::Object(map)) => Some(map),
                _ => None,
            })
            .collect();
        let headers = values
            .first()
            .map(|m| m.keys().map(|k| speech.header(k)).collect())
            .unwrap_or_default();
        let cells = values
            .iter()
            .map(|m| m.iter().map(|(k, v)| speech.cell(k, v)).collect())
            .collect();
        (headers, cells)
    }

    /// Writes `summary.csv` and one `<school>.csv` per school into `dir`.
    pub fn write_csv(
        &self,
        dir: &std::path::Path,
        speech: &Speech,
        encoding: CsvEncoding,
    ) -> anyhow::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let (headers, rows) = self.summary_rows(speech);
        let path = dir.join(format!("{}.csv", summary_name(speech)));
        write_csv_file(&path, &headers, rows, encoding)?;
        written.push(path);
        for (school, visits) in &self.by_school {
            let path = dir.join(format!("{}.csv", file_safe(school)));
            write_csv_file(
                &path,
                &visit_columns(speech),
                visits.iter().map(|v| visit_cells(v, speech)),
                encoding,
            )?;
            written.push(path);
        }
        Ok(written)
    }
}

/// The summary's file or sheet name.
pub fn summary_name(speech: &Speech) -> String {
    say(speech, "汇总", "summary")
}

/// A school's name as a file or sheet name: no path or sheet separators.
pub fn file_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "/\\?*:[]".contains(c) { '_' } else { c })
        .collect();
    if cleaned.is_empty() {
        "(no school)".into()
    } else {
        cleaned
    }
}
