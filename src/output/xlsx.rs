//! `run --xlsx`: `assignments.xlsx` and `schools.xlsx`, the run's tables
//! as Excel workbooks for the admissions office, written with
//! [`rust_xlsxwriter`].
//!
//! Each workbook is made from the CSV bytes of the same run (so it cannot
//! say anything else): one sheet per level (`primary`, `junior`) with the
//! CSV's rows in the CSV's order, a bold frozen header row, column widths
//! fitted to the text, ids and tickets as text (never numbers, so long
//! ids keep their digits), counts as whole numbers, distances with one
//! decimal and coordinates with six. The creation time in the workbook's
//! properties is fixed, so the bytes depend only on the run.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::scenario::Level;

/// How a column is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Whole,
    /// A number with this many decimals shown.
    Decimal(usize),
}

/// The kind of a column of `assignments.csv` or `schools.csv`.
fn kind(column: &str) -> Kind {
    match column {
        "distance_m" => Kind::Decimal(1),
        "lon" | "lat" => Kind::Decimal(6),
        "priority" | "class_no" | "classes" | "class_cap" | "capacity" | "applicants" | "admitted"
        | "admitted_fallback" | "classes_opened" | "largest_class" | "vacancies" | "cutoff_priority" => Kind::Whole,
        _ => Kind::Text,
    }
}

/// The workbook of a run-folder CSV table (`assignments.csv` or
/// `schools.csv` bytes): one sheet per level.
///
/// Writing cannot fail for these inputs: sheet names are fixed and valid,
/// cells stay within Excel's limits (a level has fewer than 1,048,576
/// rows at any scale `run` handles), and the sink is memory.
#[allow(clippy::expect_used)]
pub fn workbook(csv: &[u8]) -> Vec<u8> {
    build(csv).expect("a run's tables fit a workbook")
}

fn build(csv: &[u8]) -> Result<Vec<u8>, XlsxError> {
    let body = csv.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new().from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let kinds: Vec<Kind> = header.iter().map(|h| kind(h)).collect();
    let level_column = header.iter().position(|h| h == "level");
    let mut rows: [Vec<csv::StringRecord>; 2] = [Vec::new(), Vec::new()];
    for record in reader.records().flatten() {
        let level = level_column
            .and_then(|i| record.get(i))
            .and_then(Level::parse)
            .unwrap_or(Level::Primary);
        rows[level.index()].push(record);
    }
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    let formats: Vec<Format> = kinds
        .iter()
        .map(|k| match k {
            Kind::Text => Format::new().set_num_format("@"),
            Kind::Whole => Format::new().set_num_format("0"),
            Kind::Decimal(d) => Format::new().set_num_format(format!("0.{}", "0".repeat(*d))),
        })
        .collect();
    for level in Level::ALL {
        let sheet = book.add_worksheet();
        sheet.set_name(level.as_str())?;
        write_sheet(sheet, &header, &kinds, &formats, &bold, &rows[level.index()])?;
    }
    book.save_to_buffer()
}

fn write_sheet(
    sheet: &mut Worksheet,
    header: &[String],
    kinds: &[Kind],
    formats: &[Format],
    bold: &Format,
    rows: &[csv::StringRecord],
) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (c, name) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, name, bold)?;
    }
    for (r, record) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, cell) in record.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let col = c as u16;
            widths[c] = widths[c].max(display_width(cell));
            match (kinds[c], cell.parse::<f64>()) {
                (Kind::Whole | Kind::Decimal(_), Ok(v)) => sheet.write_number_with_format(row, col, v, &formats[c])?,
                _ => sheet.write_string_with_format(row, col, cell, &formats[c])?,
            };
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Columns a text takes: a Chinese character is about two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn sheets_per_level_read_back_as_written() {
        let csv = "school_id,name,level,lon,lat,capacity\n\
                   J1,\"Junior, one\",junior,116.5,39.9,50\n\
                   P1,北区小学,primary,116.391305,39.907333,90\n";
        let bytes = workbook(csv.as_bytes());
        assert_eq!(bytes, workbook(csv.as_bytes()), "deterministic");
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["primary", "junior"]);
        let primary = book.worksheet_range("primary").unwrap();
        let rows: Vec<Vec<Data>> = primary.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(rows[0][0], Data::String("school_id".into()));
        assert_eq!(rows[1][0], Data::String("P1".into()));
        assert_eq!(rows[1][1], Data::String("北区小学".into()));
        assert_eq!(rows[1][3], Data::Float(116.391305));
        assert_eq!(rows[1][5], Data::Float(90.0));
        let junior = book.worksheet_range("junior").unwrap();
        assert_eq!(junior.get_value((1, 1)), Some(&Data::String("Junior, one".into())));
    }
}
