//! The year's records for people and inspections: a student's ledger, and the
//! whole year exported as a workbook (one sheet per school) or CSV files.

pub mod xlsx;

use std::io::Write;

use serde::Serialize;

use crate::domain::visit::Accounts;
use crate::service::progress::ProgressRow;
pub use crate::service::reports::{Ledger, YearExport};
use crate::store::visits::LedgerVisit;
use crate::table::print_table;

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

/// Column names and cells of the visits table, shared by every format.
pub const VISIT_COLUMNS: [&str; 14] = [
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

pub fn visit_cells(visit: &LedgerVisit) -> Vec<String> {
    vec![
        visit.visit_id.to_string(),
        visit.student_id.clone(),
        visit.day.to_string(),
        visit.slot.clone(),
        visit.teacher_id.clone(),
        visit
            .outcome
            .map_or_else(|| "(unrecorded)".into(), |o| o.to_string()),
        visit.periods.map(|p| p.to_string()).unwrap_or_default(),
        visit.mode.to_string(),
        visit.reason.map(|r| r.to_string()).unwrap_or_default(),
        visit.note.clone().unwrap_or_default(),
        visit.goal_notes.join("; "),
        visit
            .guardian_confirmed_by
            .as_ref()
            .map(|name| match visit.guardian_confirmed_at {
                Some(at) => format!("{name} ({})", at.format("%Y-%m-%d")),
                None => name.clone(),
            })
            .unwrap_or_default(),
        visit.recorded_by.clone().unwrap_or_default(),
        if visit.unplanned { "yes" } else { "" }.into(),
    ]
}

impl Ledger {
    /// `field, value` pairs describing the plan.
    pub fn plan_fields(&self) -> Vec<(String, String)> {
        let terms = &self.plan.terms;
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
                format!(
                    "{} visits a week × {} periods",
                    terms.visits_per_week, terms.periods_per_visit
                ),
            ),
            ("annual_target", terms.annual_target.to_string()),
            ("target", self.target.to_string()),
            (
                "dates",
                format!("{} to {}", terms.start_date, terms.end_date),
            ),
            (
                "pace",
                format!(
                    "{} delivered, {} pending, {} expected by now: {}",
                    self.pace.delivered, self.pace.pending, self.pace.expected, self.pace.status
                ),
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
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    pub fn revision_rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
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
        .map(String::from)
        .to_vec();
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
                    r.changed_by.clone(),
                    r.changed_at.format("%Y-%m-%d %H:%M").to_string(),
                ]
            })
            .collect();
        (headers, rows)
    }
}

/// The accounts as `line, periods` pairs, in the order they add up.
pub fn account_lines(accounts: &Accounts) -> Vec<(String, u32)> {
    let mut lines = vec![
        ("periods scheduled".to_string(), accounts.scheduled),
        ("  delivered".into(), accounts.delivered),
        (
            "  not given at partial visits".into(),
            accounts.partial_shortfall,
        ),
    ];
    for (reason, periods) in &accounts.missed {
        lines.push((format!("  missed: {reason}"), *periods));
    }
    lines.extend([
        ("  cancelled".into(), accounts.cancelled),
        (
            "  unrecorded (past, not delivered)".into(),
            accounts.unrecorded,
        ),
        ("  still to come".into(), accounts.to_come),
        ("target".into(), accounts.target),
        ("  delivered".into(), accounts.delivered),
        ("  still owed".into(), accounts.still_owed),
    ]);
    if accounts.beyond_target > 0 {
        lines.push(("delivered beyond the target".into(), accounts.beyond_target));
    }
    lines
}

pub fn print_ledger(ledger: &Ledger, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "Plan")?;
    let width = ledger
        .plan_fields()
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    for (key, value) in ledger.plan_fields() {
        writeln!(out, "  {key:width$}  {value}")?;
    }
    writeln!(out, "\nRevisions")?;
    let (headers, rows) = ledger.revision_rows();
    print_table(&headers, &rows, out)?;
    writeln!(out, "\nVisits ({})", ledger.visits.len())?;
    let rows: Vec<Vec<String>> = ledger.visits.iter().map(visit_cells).collect();
    print_table(&VISIT_COLUMNS.map(String::from), &rows, out)?;
    writeln!(out, "\nAccounts (periods)")?;
    for (line, periods) in account_lines(&ledger.accounts) {
        writeln!(out, "  {line:36}{periods:>5}")?;
    }
    writeln!(
        out,
        "  {}",
        if ledger.accounts.balances() {
            "The accounts balance."
        } else {
            "THE ACCOUNTS DO NOT BALANCE: please report this as a bug."
        }
    )?;
    Ok(())
}

pub fn write_ledger_csv(
    ledger: &Ledger,
    encoding: CsvEncoding,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(["plan"])?;
    for (key, value) in ledger.plan_fields() {
        writer.write_record([key, value])?;
    }
    writer.write_record([""])?;
    writer.write_record(["revisions"])?;
    let (headers, rows) = ledger.revision_rows();
    writer.write_record(&headers)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.write_record([""])?;
    writer.write_record(["visits"])?;
    writer.write_record(VISIT_COLUMNS)?;
    for visit in &ledger.visits {
        writer.write_record(visit_cells(visit))?;
    }
    writer.write_record([""])?;
    writer.write_record(["accounts", "periods"])?;
    for (line, periods) in account_lines(&ledger.accounts) {
        writer.write_record([line.trim().to_string(), periods.to_string()])?;
    }
    out.write_all(&encoding.encode(&writer.into_inner()?)?)?;
    Ok(())
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
        writer.write_record(&row)?;
    }
    std::fs::write(path, encoding.encode(&writer.into_inner()?)?)?;
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
    pub fn summary_rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
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
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let cells = values
            .iter()
            .map(|m| {
                m.values()
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        (headers, cells)
    }

    /// Writes `summary.csv` and one `<school>.csv` per school into `dir`.
    pub fn write_csv(
        &self,
        dir: &std::path::Path,
        encoding: CsvEncoding,
    ) -> anyhow::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let (headers, rows) = self.summary_rows();
        let path = dir.join("summary.csv");
        write_csv_file(&path, &headers, rows, encoding)?;
        written.push(path);
        for (school, visits) in &self.by_school {
            let path = dir.join(format!("{}.csv", file_safe(school)));
            write_csv_file(
                &path,
                &VISIT_COLUMNS,
                visits.iter().map(visit_cells),
                encoding,
            )?;
            written.push(path);
        }
        Ok(written)
    }
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
