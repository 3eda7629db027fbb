//! Printing rows as a table, CSV or JSON: one implementation for every command.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::speech::Speech;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// An Excel workbook, written to stdout redirected to a file.
    Xlsx,
}

/// How this process's lists speak: set once from the settings when a command
/// starts (the command line speaks one language per run); English and UTC until then.
static SPEECH: std::sync::OnceLock<Speech> = std::sync::OnceLock::new();

pub fn speak(speech: Speech) {
    let _ = SPEECH.set(speech);
}

/// How a failed command's last words begin: in Chinese unless the settings
/// (or, before they are read, SONGJIAO_LOCALE) say English.
pub fn error_words() -> (&'static str, &'static str) {
    let chinese = match SPEECH.get() {
        Some(speech) => speech.chinese,
        None => !std::env::var("SONGJIAO_LOCALE").is_ok_and(|l| l.starts_with("en")),
    };
    if chinese {
        ("错误：", "  原因：")
    } else {
        ("error: ", "  because: ")
    }
}

pub(crate) fn speech() -> Speech {
    SPEECH.get().cloned().unwrap_or_default()
}

fn to_objects<T: Serialize>(rows: &[T]) -> anyhow::Result<Vec<serde_json::Map<String, Value>>> {
    rows.iter()
        .map(|row| match serde_json::to_value(row)? {
            Value::Object(map) => Ok(map),
            other => anyhow::bail!("a row must be an object, not {other}"),
        })
        .collect()
}

/// Prints rows in the format asked; columns are the rows' field names, in order.
pub fn print_rows<T: Serialize>(
    rows: &[T],
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let speech = speech();
            let objects = to_objects(rows)?;
            // Mostly saved to a file and opened in Excel or WPS: UTF-8 with its mark.
            out.write_all(b"\xEF\xBB\xBF")?;
            let mut writer = csv::Writer::from_writer(out);
            if let Some(first) = objects.first() {
                writer.write_record(first.keys().map(|k| speech.header(k)))?;
            }
            for object in &objects {
                let cells = object.iter().map(|(k, v)| speech.cell(k, v));
                writer.write_record(crate::reports::inert_record(cells))?;
            }
            writer.flush()?;
        }
        Format::Xlsx => {
            use std::io::IsTerminal;
            if std::io::stdout().is_terminal() {
                let speech = speech();
                anyhow::bail!(
                    "{}",
                    if speech.chinese {
                        "Excel 工作簿是一个文件：请把输出存到文件，例如在命令末尾加上 > 名单.xlsx"
                    } else {
                        "an Excel workbook is a file: send the output to one, e.g. end the command with > list.xlsx"
                    }
                );
            }
            let speech = speech();
            let objects = to_objects(rows)?;
            let headers: Vec<String> = objects
                .first()
                .map(|first| first.keys().map(|k| speech.header(k)).collect())
                .unwrap_or_default();
            let cells: Vec<Vec<String>> = objects
                .iter()
                .map(|o| o.iter().map(|(k, v)| speech.cell(k, v)).collect())
                .collect();
            out.write_all(&crate::reports::xlsx::list_workbook(&headers, &cells)?)?;
        }
        Format::Table => {
            let objects = to_objects(rows)?;
            let Some(first) = objects.first() else {
                let none = if speech().chinese {
                    "（无）"
                } else {
                    "(none)"
                };
                writeln!(out, "{none}")?;
                return Ok(());
            };
            let speech = speech();
            let headers: Vec<String> = first.keys().map(|k| speech.header(k)).collect();
            let cells: Vec<Vec<String>> = objects
                .iter()
                .map(|o| o.iter().map(|(k, v)| speech.cell(k, v)).collect())
                .collect();
            print_table(&headers, &cells, out)?;
        }
    }
    Ok(())
}

pub use crate::table::print_table;

/// Prints one record: as `field  value` lines, or as JSON.
pub fn print_record<T: Serialize>(
    record: &T,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match format {
        Format::Table => {
            let speech = speech();
            let object = to_objects(std::slice::from_ref(record))?.remove(0);
            let headers: Vec<String> = object.keys().map(|k| speech.header(k)).collect();
            let width = headers.iter().map(|h| h.width()).max().unwrap_or(0);
            for (header, (key, value)) in headers.iter().zip(&object) {
                writeln!(
                    out,
                    "{header}{}  {}",
                    " ".repeat(width - header.width()),
                    speech.cell(key, value)
                )?;
            }
            Ok(())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, record)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Csv | Format::Xlsx => print_rows(std::slice::from_ref(record), format, out),
    }
}
