//! Reading a workbook within bounds. A workbook says how big it is rather than
//! being that big: 1.5 KB of zip can unpack to gigabytes, and one cell at
//! XFD1048576 makes a reader that lays the sheet out as a grid ask for half a
//! terabyte. So what a workbook claims is checked before anything is laid out for
//! it: an .xlsx is unpacked once into nothing to measure it, then its first sheet
//! is read cell by cell (only the cells that hold something are kept); an .xls
//! (not compressed) has its cell records' positions scanned before the reader,
//! which lays every sheet out as a grid, is given it. Other workbooks (.ods,
//! .xlsb) are not read: Excel and WPS both save .xlsx.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use crate::reason::Reason;
use calamine::{Data, Reader};

use super::sheet::{SheetRow, cell_text};

/// Columns a sheet may use; the registers have about a dozen.
pub const MAX_COLUMNS: u32 = 64;
/// Rows a sheet may use: a year of visits of a large district.
pub const MAX_ROWS: u32 = 300_000;
/// Cells with something in them, over all sheets of an .xls laid out as grids.
const MAX_GRID_CELLS: u64 = 4_000_000;
/// Bytes one part of an .xlsx may unpack to, and all of them together.
const MAX_PART_BYTES: u64 = 64 << 20;
const MAX_UNPACKED_BYTES: u64 = 256 << 20;

fn damaged() -> Reason {
    Reason::WorkbookDamaged
}

fn unreadable(error: impl std::fmt::Display) -> Reason {
    Reason::SheetUnreadable {
        detail: error.to_string(),
    }
}

/// The rows of a workbook's first sheet, each with its 1-based row number.
pub fn read(bytes: &[u8]) -> Result<Vec<SheetRow>, Reason> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_xls(bytes)
    }
}

fn too_far(row: u32, column: u32) -> Reason {
    Reason::CellPastLimits {
        cell: cell_name(row, column),
        rows: MAX_ROWS,
        columns: MAX_COLUMNS,
    }
}

/// A 0-based position as Excel names it: (0, 0) is A1.
fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<SheetRow>, Reason> {
    check_unpacked_size(bytes)?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| damaged())?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or(Reason::WorkbookHasNoSheet)?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable)?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(too_far(row, column));
        }
        let cells = rows.entry(row).or_default();
        let column = column as usize;
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| SheetRow {
            line: row as usize + 1,
            cells,
        })
        .collect())
}

/// Unpacks every part into nothing, counting: a zip's own sizes may lie.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), Reason> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let mut total = 0;
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(|_| damaged())?;
        let unpacked = std::io::copy(&mut part.take(MAX_PART_BYTES + 1), &mut std::io::sink())
            .map_err(|_| damaged())?;
        total += unpacked;
        if unpacked > MAX_PART_BYTES || total > MAX_UNPACKED_BYTES {
            return Err(Reason::WorkbookTooLarge {
                megabytes: MAX_UNPACKED_BYTES >> 20,
            });
        }
    }
    Ok(())
}

fn read_xls(bytes: &[u8]) -> Result<Vec<SheetRow>, Reason> {
    check_xls_cells(bytes)?;
    let mut workbook: calamine::Xls<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| damaged())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(Reason::WorkbookHasNoSheet)?
        .map_err(unreadable)?;
    let first_row = range.start().map(|(row, _)| row as usize).unwrap_or(0);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| SheetRow {
            line: first_row + i + 1,
            cells: cells.iter().map(cell_text).collect(),
        })
        .collect())
}

/// BIFF8 records that hold a cell: each begins with its row and column.
const CELL_RECORDS: [u16; 8] = [
    0x0006, // FORMULA
    0x00FD, // LABELSST
    0x0203, // NUMBER
    0x027E, // RK
    0x0204, // LABEL
    0x0205, // BOOLERR
    0x00D6, // RSTRING
    0x00BD, // MULRK: its last column is in its last two bytes
];
const BEGINNING_OF_SHEET: u16 = 0x0809;

/// Scans an .xls workbook's cell records: every position within the bounds,
/// and the grids its sheets will be laid out in small enough together.
fn check_xls_cells(bytes: &[u8]) -> Result<(), Reason> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| damaged())?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|name| file.is_stream(name))
        .ok_or_else(damaged)?;
    let mut stream = Vec::new();
    file.open_stream(name)
        .map_err(|_| damaged())?
        // An .xls is not compressed: its stream is no bigger than the file.
        .take(bytes.len() as u64)
        .read_to_end(&mut stream)
        .map_err(|_| damaged())?;
    let u16_at = |at: usize| u16::from_le_bytes([stream[at], stream[at + 1]]);
    let mut grids = 0u64;
    let mut sheet: Option<(u32, u32, u32, u32)> = None;
    let area = |(top, bottom, left, right): (u32, u32, u32, u32)| {
        u64::from(bottom - top + 1) * u64::from(right - left + 1)
    };
    let mut at = 0;
    while at + 4 <= stream.len() {
        let (kind, length) = (u16_at(at), usize::from(u16_at(at + 2)));
        let body = at + 4;
        at = body + length;
        if kind == BEGINNING_OF_SHEET {
            grids += sheet.take().map_or(0, area);
        } else if CELL_RECORDS.contains(&kind) && length >= 6 && at <= stream.len() {
            let row = u32::from(u16_at(body));
            let first = u32::from(u16_at(body + 2));
            let last = if kind == 0x00BD {
                u32::from(u16_at(at - 2))
            } else {
                first
            };
            let column = first.max(last);
            if row >= MAX_ROWS || column >= MAX_COLUMNS {
                return Err(too_far(row, column));
            }
            let (top, bottom, left, right) = sheet.unwrap_or((row, row, first, column));
            sheet = Some((
                top.min(row),
                bottom.max(row),
                left.min(first),
                right.max(column),
            ));
        }
    }
    grids += sheet.map_or(0, area);
    if grids > MAX_GRID_CELLS {
        return Err(Reason::WorkbookTooManyCells {
            cells: MAX_GRID_CELLS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};

    use super::*;

    /// The old-Excel fixture with its sheet's first text cell moved to `row`,
    /// `column`.
    fn old_excel_with_a_cell_at(row: u16, column: u16) -> Vec<u8> {
        let fixture = include_bytes!("../../tests/fixtures/students-old-excel.xls");
        let mut file = cfb::CompoundFile::open(Cursor::new(fixture.to_vec())).unwrap();
        let mut stream = Vec::new();
        file.open_stream("/Workbook")
            .unwrap()
            .read_to_end(&mut stream)
            .unwrap();
        let (mut at, mut sheets) = (0, 0);
        loop {
            let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
            let length = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
            sheets += usize::from(kind == BEGINNING_OF_SHEET);
            if sheets == 2 && kind == 0x00FD {
                break;
            }
            at += 4 + length;
        }
        let mut cell = file.open_stream("/Workbook").unwrap();
        cell.seek(SeekFrom::Start(at as u64 + 4)).unwrap();
        cell.write_all(&[row.to_le_bytes(), column.to_le_bytes()].concat())
            .unwrap();
        drop(cell);
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn an_old_excel_file_claiming_a_vast_sheet_is_refused_before_it_is_laid_out() {
        let fine = old_excel_with_a_cell_at(40, 10);
        assert!(read(&fine).is_ok());
        let wide = read(&old_excel_with_a_cell_at(3, 200))
            .unwrap_err()
            .to_string();
        assert!(wide.starts_with("cell GS4 holds something"), "{wide}");
        let vast = read(&old_excel_with_a_cell_at(65_000, 63))
            .unwrap_err()
            .to_string();
        assert!(vast.contains("span more than 4000000 cells"), "{vast}");
    }

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
