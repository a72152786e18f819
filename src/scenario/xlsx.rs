//! Excel workbooks in place of CSV files: `schools.xlsx`,
//! `applicants.xlsx` (and any other table of the folder) read with
//! [`calamine`].
//!
//! A sheet is turned into the CSV text the loaders already read, one line
//! per sheet row (blank rows kept, so line *n* is sheet row *n*), and its
//! problems are named `book.xlsx:Sheet:row`, e.g.
//! `applicants.xlsx:Sheet1:118: error: lat 91.2 is out of range [-90, 90]`.
//! Cells are taken as Excel typed them:
//! - text as written (a line break inside a cell becomes a space);
//! - numbers in their shortest exact decimal form, never in `1.0E+17`
//!   style; an id column (`id`, `household`, `group`, `zone`, …) typed as
//!   numbers is read as the integer's digits, with one warning per column
//!   (Excel keeps only 15 significant digits of a number);
//! - dates and times are an error (a date where a number belongs is
//!   always a mistake of formatting);
//! - Excel error values (`#N/A`, `#REF!`) are an error.
//!
//! Merged cells, an empty sheet, an encrypted (password-protected) or
//! pre-2007 `.xls` file are errors that say what to do.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use crate::error::{Diagnostics, Location};

/// Columns holding ids, which Excel users often type as numbers.
const ID_COLUMNS: &[&str] = &[
    "id",
    "household",
    "group",
    "zone",
    "school_id",
    "applicant_id",
    "junior_school",
    "private_choices",
    "public_choices",
    "choices",
];

/// The start of an OLE compound file: an encrypted `.xlsx` (Excel stores
/// password-protected workbooks that way) or an old `.xls`.
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a sheet of the workbook at `path` (named `book` in messages):
/// `sheet`, or the first. Returns the label its problems are reported
/// under (`book:Sheet`) and the sheet as CSV text; `None` (with an error
/// recorded) when the workbook or sheet cannot be used.
pub fn sheet_as_csv(path: &Path, book: &str, sheet: Option<&str>, diags: &mut Diagnostics) -> Option<(String, String)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.error(book, Location::File, format!("cannot be read: {e}"));
            return None;
        }
    };
    if bytes.starts_with(OLE_MAGIC) {
        diags.error(
            book,
            Location::File,
            "is password-protected (encrypted) or an Excel 97–2003 .xls file; \
             save it without a password as an Excel Workbook (.xlsx)",
        );
        return None;
    }
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => {
            diags.error(
                book,
                Location::File,
                format!("is not a readable Excel workbook (.xlsx): {e}"),
            );
            return None;
        }
    };
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) if names.iter().any(|n| n == wanted) => wanted.to_string(),
        Some(wanted) => {
            diags.error(
                book,
                Location::File,
                format!(
                    "has no sheet {wanted:?} (--sheet); its sheets are {}",
                    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
                ),
            );
            return None;
        }
        None => match names.first() {
            Some(first) => first.clone(),
            None => {
                diags.error(
                    book,
                    Location::File,
                    "has no sheets; expected a sheet with a header row",
                );
                return None;
            }
        },
    };
    let label = format!("{book}:{name}");
    let range = match workbook.worksheet_range(&name) {
        Ok(r) => r,
        Err(e) => {
            diags.error(&label, Location::File, format!("sheet cannot be read: {e}"));
            return None;
        }
    };
    let Some((top, left)) = range.start().filter(|_| !range.is_empty()) else {
        diags.error(
            &label,
            Location::File,
            "sheet is empty; expected a header row (the column names) and one row per record",
        );
        return None;
    };
    if let Ok(merged) = workbook.merge_cells_by_sheet_name(&name) {
        let mut bad = false;
        for m in merged {
            let cells = format!("{}:{}", cell_name(m.start), cell_name(m.end));
            let message = if m.start.0 <= top {
                format!("merged cells {cells} in the header row; each column needs its own header cell (unmerge them)")
            } else {
                format!("merged cells {cells}; only the first holds a value: unmerge them and fill every cell")
            };
            diags.error(&label, Location::Line(u64::from(m.start.0) + 1), message);
            bad = true;
        }
        if bad {
            return None;
        }
    }
    Some((label.clone(), to_csv(&range, top, left, &label, diags)))
}

/// `(row, col)` 0-based → `B7`.
fn cell_name((row, col): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        c = (c - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

/// The sheet as CSV text whose line `n` is sheet row `n`.
fn to_csv(range: &calamine::Range<Data>, top: u32, left: u32, label: &str, diags: &mut Diagnostics) -> String {
    let mut out = "\n".repeat(top as usize);
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|cells| cells.iter().map(|c| plain(c).trim().to_string()).collect())
        .unwrap_or_default();
    write_row(&mut out, header.iter().map(String::as_str));
    // Per id column: numeric cells seen, and the first row with one.
    let mut numeric_ids: Vec<(usize, u64, bool)> = vec![(0, 0, false); header.len()];
    for (i, cells) in rows.enumerate() {
        let row = u64::from(top) + 2 + i as u64;
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            out.push('\n');
            continue;
        }
        let mut fields = Vec::with_capacity(cells.len());
        for (j, cell) in cells.iter().enumerate() {
            let column = header.get(j).map_or("", String::as_str);
            let is_id = ID_COLUMNS.contains(&column);
            let name = if column.is_empty() {
                format!("column {}", cell_name((0, left + j as u32)).trim_end_matches('1'))
            } else {
                column.to_string()
            };
            let text = match cell {
                Data::Float(f) if is_id => {
                    let (count, first, long) = &mut numeric_ids[j];
                    *count += 1;
                    if *first == 0 {
                        *first = row;
                    }
                    *long |= f.abs() >= 1e15;
                    if f.fract() == 0.0 {
                        format!("{f:.0}")
                    } else {
                        f.to_string()
                    }
                }
                Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
                    diags.error(
                        label,
                        Location::Line(row),
                        format!(
                            "{name} is a date or time cell ({}); expected {}: format the column as Number or Text",
                            plain(cell),
                            if is_id { "text" } else { "a number or text" }
                        ),
                    );
                    plain(cell)
                }
                Data::Error(e) => {
                    diags.error(
                        label,
                        Location::Line(row),
                        format!("{name} holds the Excel error {e}; expected a value"),
                    );
                    String::new()
                }
                other => plain(other),
            };
            fields.push(text);
        }
        write_row(&mut out, fields.iter().map(String::as_str));
    }
    for (j, &(count, first, long)) in numeric_ids.iter().enumerate() {
        if count > 0 {
            diags.warning(
                label,
                Location::Line(first),
                format!(
                    "{} is typed as a number in {count} cell(s); read as text (e.g. \"123\"){}; \
                     format id columns as Text in Excel",
                    header[j],
                    if long {
                        ", but numbers of 16 or more digits have already lost digits in Excel"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    out
}

/// A cell as text: numbers in Rust's shortest exact form (no exponent),
/// line breaks as spaces.
fn plain(cell: &Data) -> String {
    let text = match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, h, min, sec, _) = d.to_ymd_hms_milli();
            if (h, min, sec) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{sec:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    };
    if text.contains(['\n', '\r']) {
        text.replace("\r\n", " ").replace(['\n', '\r'], " ")
    } else {
        text
    }
}

/// Appends one CSV line, quoting fields that need it.
fn write_row<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"']) || f.starts_with(' ') || f.ends_with(' ') {
            let _ = write!(out, "\"{}\"", f.replace('"', "\"\""));
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((6, 1)), "B7");
        assert_eq!(cell_name((0, 25)), "Z1");
        assert_eq!(cell_name((9, 26)), "AA10");
        assert_eq!(cell_name((0, 701)), "ZZ1");
        assert_eq!(cell_name((0, 702)), "AAA1");
    }

    #[test]
    fn numbers_are_never_in_exponent_form() {
        assert_eq!(plain(&Data::Float(1.0e17)), "100000000000000000");
        assert_eq!(plain(&Data::Float(116.391305)), "116.391305");
        assert_eq!(plain(&Data::Float(3.0)), "3");
        assert_eq!(plain(&Data::String("a\nb".into())), "a b");
    }

    #[test]
    fn rows_keep_their_sheet_line() {
        let mut out = String::new();
        write_row(&mut out, ["a", "b,c", "say \"hi\""].into_iter());
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\"\n");
    }
}
