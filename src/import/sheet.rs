//! Reading a spreadsheet (CSV or XLSX) into rows of text with their line numbers.
//! CSV as Excel or WPS save it on Chinese Windows: UTF-8 with or without BOM, or GBK.

use std::path::Path;

use crate::reason::Reason;
use calamine::Data;

/// A sheet's header and data rows; `line` is the 1-based line (row) in the file.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The title rows above the header (`2026-2027学年送教上门学生花名册`).
    pub titles: Vec<String>,
    /// The header's line: after any title rows above it.
    pub header_line: usize,
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
pub fn parse(name: &str, bytes: &[u8]) -> Result<Sheet, Reason> {
    let extension = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let workbook_named = matches!(extension.as_str(), "xlsx" | "xlsm" | "xls" | "ods");
    let sheet = match what_it_is(bytes) {
        Contents::Workbook => into_sheet(super::workbook::read(bytes)?)?,
        // Some systems' "export to Excel" writes a web page named .xls.
        Contents::WebPage => return Err(Reason::FileIsWebPage),
        // A CSV named .xls (another common export) is read as the CSV it is.
        Contents::Text => read_csv(&decode(bytes)?)?,
        Contents::Other if workbook_named => {
            return Err(Reason::FileMisnamed {
                extension: extension.to_string(),
            });
        }
        Contents::Other => read_csv(&decode(bytes)?)?,
    };
    // No register keeps a NUL character (PostgreSQL cannot store one in text).
    if sheet.headers.iter().any(|h| h.contains('\0')) {
        return Err(Reason::NulInHeading);
    }
    if let Some(row) = sheet
        .rows
        .iter()
        .find(|row| row.cells.iter().any(|c| c.contains('\0')))
    {
        return Err(Reason::NulInCell { line: row.line });
    }
    Ok(sheet)
}

enum Contents {
    /// A zip (xlsx, ods) or an OLE file (xls), as calamine reads them.
    Workbook,
    WebPage,
    Text,
    Other,
}

/// What the bytes are, whatever the file is named.
fn what_it_is(bytes: &[u8]) -> Contents {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Contents::Workbook;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<table")
    {
        return Contents::WebPage;
    }
    if decode(bytes).is_ok() {
        Contents::Text
    } else {
        Contents::Other
    }
}

/// UTF-8 (a BOM is dropped), else GBK/GB18030, the encoding of "CSV" saved by
/// Excel on Chinese Windows. Any other encoding is named when it can be told.
pub fn decode(bytes: &[u8]) -> Result<String, Reason> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Reason::FileIsUtf16);
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        let big5 = !encoding_rs::BIG5.decode(bytes).2;
        return Err(Reason::FileNotText { big5 });
    }
    Ok(text.into_owned())
}

fn read_csv(text: &str) -> Result<Sheet, Reason> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    // Lines are the spreadsheet's row numbers, as Excel or WPS shows the file:
    // blank lines count, a line break inside a quoted cell does not. The
    // reader's own count does neither, so count the newlines between records'
    // first bytes, less those inside the record before.
    let (mut counted_to, mut line, mut inside_before) = (0, 0, 0);
    for record in reader.records() {
        let record = record.map_err(|e| Reason::CsvUnreadable {
            detail: e.to_string(),
        })?;
        let mut start = record
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(0)
            .min(text.len());
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let between = text.as_bytes()[counted_to..start.max(counted_to)]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line += if records.is_empty() && line == 0 {
            between + 1
        } else {
            between - inside_before.min(between)
        };
        counted_to = counted_to.max(start);
        inside_before = record.iter().map(|cell| cell.matches('\n').count()).sum();
        records.push(SheetRow {
            line,
            cells: record.iter().map(|c| c.trim().to_string()).collect(),
        });
    }
    into_sheet(records)
}

/// A cell as the person typed it: whole numbers without `.0` (phone numbers, ids),
/// dates as YYYY-MM-DD.
pub(super) fn cell_text(data: &Data) -> String {
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

/// The header is the first row of two cells or more; title rows above it (one
/// cell each, such as `2026-2027学年送教上门学生花名册`) are skipped, and so are
/// empty rows.
fn into_sheet(records: Vec<SheetRow>) -> Result<Sheet, Reason> {
    let filled = |row: &SheetRow| row.cells.iter().filter(|c| !c.is_empty()).count();
    let mut rows = records.into_iter().filter(|r| filled(r) > 0).peekable();
    let mut header = rows.next().ok_or(Reason::FileEmpty)?;
    let mut titles = Vec::new();
    while filled(&header) == 1 && rows.peek().is_some_and(|next| filled(next) >= 1) {
        let next = rows.next().expect("peeked");
        titles.push(std::mem::replace(&mut header, next));
    }
    // A sheet of one column has no title row: its first row was the header.
    if filled(&header) == 1
        && let Some(first) = titles.first().cloned()
    {
        let rest: Vec<SheetRow> = titles.drain(1..).chain([header]).chain(rows).collect();
        return Ok(Sheet {
            titles: Vec::new(),
            header_line: first.line,
            headers: first.cells,
            rows: rest,
        });
    }
    Ok(Sheet {
        titles: titles.into_iter().map(|t| t.cells.concat()).collect(),
        header_line: header.line,
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
    fn an_old_excel_file_reads_as_a_workbook() {
        let xls = include_bytes!("../../tests/fixtures/students-old-excel.xls");
        let sheet = parse("学生.xls", xls).unwrap();
        assert_eq!(sheet.headers[..2], ["学生编号", "姓名"]);
        assert_eq!(sheet.rows[1].cells[3], "肢体残疾二级");
        assert_eq!(sheet.rows[1].cells[4], "13800138202");
    }

    #[test]
    fn bad_files_are_named_in_plain_words() {
        // A CSV that a system named .xls is read as the CSV it is.
        let sheet = parse("导出.xls", "姓名,学校\n李明,城关小学\n".as_bytes()).unwrap();
        assert_eq!(sheet.rows[0].cells, ["李明", "城关小学"]);
        let page = parse(
            "导出.xls",
            b"<html><table><tr><td>1</td></tr></table></html>",
        )
        .unwrap_err()
        .to_string();
        assert!(
            page.contains("web page") && page.contains("另存为"),
            "{page}"
        );
        let junk = parse("学生.xlsx", &[0x00, 0x9F, 0xFF, 0xFE, 0x81, 0x00, 0xFF])
            .unwrap_err()
            .to_string();
        assert!(
            junk.contains("not a workbook") && junk.contains("Excel 工作簿"),
            "{junk}"
        );
        assert!(!junk.contains("EOCD"), "{junk}");
        let broken = parse("学生.xlsx", b"PK\x03\x04 not really a zip")
            .unwrap_err()
            .to_string();
        assert!(
            broken.contains("damaged") && !broken.contains("Zip"),
            "{broken}"
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("姓名\t学校".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let named = parse("学生.txt", &utf16).unwrap_err().to_string();
        assert!(named.contains("UTF-16"), "{named}");
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let sheet = read_csv(
            "2026-2027学年送教上门学生花名册,,\n填表单位：城关镇,,\n学生编号,姓名,学校\nS1,李明,城关小学\n",
        )
        .unwrap();
        assert_eq!(sheet.header_line, 3);
        assert_eq!(sheet.headers, ["学生编号", "姓名", "学校"]);
        assert_eq!(sheet.rows[0].line, 4);
        let one_column = read_csv("姓名\n李明\n王芳\n").unwrap();
        assert_eq!(one_column.headers, ["姓名"]);
        assert_eq!(one_column.rows.len(), 2);
    }

    #[test]
    fn lines_count_from_the_header() {
        let sheet = read_csv("a,b\n1,2\n\n3,4\n").unwrap();
        assert_eq!(sheet.headers, ["a", "b"]);
        assert_eq!(
            sheet.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 4]
        );
        // A note over two lines is one row, as the spreadsheet shows it.
        let sheet = read_csv("a,b\n1,\"第一行\n第二行\"\n3,4\n\n5,6\n").unwrap();
        assert_eq!(
            sheet.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 3, 5]
        );
    }
}
