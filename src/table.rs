//! Plain-text tables for a terminal or a report: columns aligned by display width,
//! so that Chinese characters (two columns each) line up.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

/// Aligned columns, measured in display width so that Chinese text lines up.
pub fn print_table(
    headers: &[String],
    rows: &[Vec<String>],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(value.width());
            }
        }
    }
    let line = |values: &[String]| {
        let mut text = String::new();
        for (i, value) in values.iter().enumerate() {
            text.push_str(value);
            if i + 1 < values.len() {
                text.push_str(&" ".repeat(widths[i] - value.width() + 2));
            }
        }
        text
    };
    writeln!(out, "{}", line(headers))?;
    writeln!(
        out,
        "{}",
        line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>())
    )?;
    for row in rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}
