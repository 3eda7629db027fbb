//! Printing rows as a table, CSV or JSON: one implementation for every command.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// A cell as text, nothing for null. Lists of single words (slots like `Mon-AM`)
/// are joined with spaces, other lists (goals) with `; `, as import reads them back.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(cell).collect();
            let words = texts
                .iter()
                .all(|t| t.is_ascii() && !t.contains(char::is_whitespace));
            texts.join(if words { " " } else { "; " })
        }
        other => other.to_string(),
    }
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
            let objects = to_objects(rows)?;
            // Mostly saved to a file and opened in Excel or WPS: UTF-8 with its mark.
            out.write_all(b"\xEF\xBB\xBF")?;
            let mut writer = csv::Writer::from_writer(out);
            if let Some(first) = objects.first() {
                writer.write_record(first.keys())?;
            }
            for object in &objects {
                writer.write_record(object.values().map(cell))?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let objects = to_objects(rows)?;
            let Some(first) = objects.first() else {
                writeln!(out, "(none)")?;
                return Ok(());
            };
            let headers: Vec<String> = first.keys().cloned().collect();
            let cells: Vec<Vec<String>> = objects
                .iter()
                .map(|o| o.values().map(cell).collect())
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
            let object = to_objects(std::slice::from_ref(record))?.remove(0);
            let width = object.keys().map(|k| k.width()).max().unwrap_or(0);
            for (key, value) in &object {
                writeln!(
                    out,
                    "{key}{}  {}",
                    " ".repeat(width - key.width()),
                    cell(value)
                )?;
            }
            Ok(())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, record)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Csv => print_rows(std::slice::from_ref(record), format, out),
    }
}
