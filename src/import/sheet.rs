//! Reading a spreadsheet (CSV or XLSX) into rows of text with their line numbers.
//! CSV as Excel or WPS save it on Chinese Windows: UTF-8 with or without BOM, or GBK.

use std::path::Path;

use calamine::{Data, Reader};

/// A sheet's header and data rows; `line` is the 1-based line (row) in the file.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone)]
pub struct SheetRow {
    pub line: usize,
    pub cells: Vec<String>,
}

/// A sheet from a file's bytes; its name's extension says whether it is a
/// workbook (.xlsx, .xls, .ods) or CSV (anything else).
pub fn parse(name: &str, bytes: &[u8]) -> anyhow::Result<Sheet> {
    let extension = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let sheet = match extension.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(bytes)?,
        _ => read_csv(&decode(bytes)?)?,
    };
    // No register keeps a NUL character (PostgreSQL cannot store one in text).
    if sheet.headers.iter().any(|h| h.contains('\0')) {
        anyhow::bail!("line 1: a heading holds a NUL character: save the sheet again as text");
    }
    if let Some(row) = sheet
        .rows
        .iter()
        .find(|row| row.cells.iter().any(|c| c.contains('\0')))
    {
        anyhow::bail!(
            "line {}: a cell holds a NUL character: save the sheet again as text",
            row.line
        );
    }
    Ok(sheet)
}

/// UTF-8 (a BOM is dropped), else GBK/GB18030, the encoding of "CSV" saved by
/// Excel on Chinese Windows.
pub fn decode(bytes: &[u8]) -> anyhow::Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        anyhow::bail!(
            "the file is neither UTF-8 nor GBK text: save it as \"CSV UTF-8\" or as .xlsx"
        );
    }
    Ok(text.into_owned())
}

fn read_csv(text: &str) -> anyhow::Result<Sheet> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    // The reader's own line count skips blank lines; count newlines up to each
    // record's first byte so the number matches what the person sees.
    let (mut counted_to, mut line) = (0, 1);
    for record in reader.records() {
        let record = record.map_err(|e| anyhow::anyhow!("the CSV cannot be read: {e}"))?;
        let mut start = record
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(0)
            .min(text.len());
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += text.as_bytes()[counted_to..start.max(counted_to)]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = counted_to.max(start);
        records.push(SheetRow {
            line,
            cells: record.iter().map(|c| c.trim().to_string()).collect(),
        });
    }
    into_sheet(records)
}

fn read_workbook(bytes: &[u8]) -> anyhow::Result<Sheet> {
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| anyhow::anyhow!("the workbook cannot be opened: {e}"))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| anyhow::anyhow!("the workbook has no sheet"))?
        .map_err(|e| anyhow::anyhow!("cannot read the workbook's first sheet: {e}"))?;
    let first_row = range.start().map(|(row, _)| row as usize).unwrap_or(0);
    let records = range
        .rows()
        .enumerate()
        .map(|(i, cells)| SheetRow {
            line: first_row + i + 1,
            cells: cells.iter().map(cell_text).collect(),
        })
        .collect();
    into_sheet(records)
}

/// A cell as the person typed it: whole numbers without `.0` (phone numbers, ids),
/// dates as YYYY-MM-DD.
fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(datetime) => datetime.date().format("%Y-%m-%d").to_string(),
            None => dt.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The first non-empty row is the header; empty rows are skipped.
fn into_sheet(records: Vec<SheetRow>) -> anyhow::Result<Sheet> {
    let mut rows = records
        .into_iter()
        .filter(|r| r.cells.iter().any(|c| !c.is_empty()));
    let header = rows
        .next()
        .ok_or_else(|| anyhow::anyhow!("the file is empty: it needs a header row"))?;
    Ok(Sheet {
        headers: header.cells,
        rows: rows.collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_bom_utf8_read_the_same() {
        let text = "姓名,学校\n李明,城关小学\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), text);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), text);
    }

    #[test]
    fn lines_count_from_the_header() {
        let sheet = read_csv("a,b\n1,2\n\n3,4\n").unwrap();
        assert_eq!(sheet.headers, ["a", "b"]);
        assert_eq!(
            sheet.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 4]
        );
    }
}
