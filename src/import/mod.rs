//! Reading the spreadsheets districts keep: sheets (CSV or workbook) and the
//! rules each column follows. Writing them is `service::imports`.

pub mod records;
pub mod sheet;
mod workbook;

use records::{CellError, Column};

/// The column each header names (None: not read), and the headers not read.
pub type HeaderColumns = (Vec<Option<&'static str>>, Vec<String>);

/// Which column each header names: a column's name or one of its aliases, any case.
pub fn map_headers(
    headers: &[String],
    columns: &'static [Column],
) -> Result<HeaderColumns, Vec<CellError>> {
    let mut mapped = Vec::new();
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    let header_error = |column: &str, reason: String| CellError {
        line: 1,
        column: column.to_string(),
        reason,
    };
    for header in headers {
        let word = header.trim();
        let column = columns.iter().find(|c| {
            c.name.eq_ignore_ascii_case(word)
                || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
        });
        match column {
            Some(c) if mapped.contains(&Some(c.name)) => errors.push(header_error(
                c.name,
                format!("header `{word}` names column {} a second time", c.name),
            )),
            Some(c) => mapped.push(Some(c.name)),
            None => {
                mapped.push(None);
                if !word.is_empty() {
                    ignored.push(word.to_string());
                }
            }
        }
    }
    for column in columns
        .iter()
        .filter(|c| c.required && !mapped.contains(&Some(c.name)))
    {
        let also = if column.aliases.is_empty() {
            String::new()
        } else {
            format!(" (or {})", column.aliases.join(", "))
        };
        errors.push(header_error(
            column.name,
            format!("the header row has no column {}{also}", column.name),
        ));
    }
    if errors.is_empty() {
        Ok((mapped, ignored))
    } else {
        Err(errors)
    }
}
