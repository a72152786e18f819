//! A CSV file read row by row with its header, for the loaders.
//!
//! Handles what real files bring (UTF-8 BOM, CRLF, quoted cells), warns
//! about unknown columns, reports missing columns and ragged rows, and gives
//! typed accessors that record a [`Diagnostic`](crate::error::Diagnostic)
//! naming file, line and column instead of failing on the first problem.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use super::lines::{line_in, LineTracker};
use crate::error::{Diagnostics, Location};

/// A cell that could not be parsed (the problem is already recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

/// The cells of one CSV row, addressed by column name.
pub struct Row<'a> {
    file: &'a str,
    /// Physical line of the row (header = 1).
    pub line: u64,
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    /// Coordinates are projected metres (`--crs EPSG:…`), not lon/lat.
    projected: bool,
}

impl<'a> Row<'a> {
    fn loc(&self) -> Location {
        Location::Line(self.line)
    }

    /// The trimmed cell of `column`; `None` when the column is absent or the
    /// cell is blank (a blank optional cell means the default, spec §8).
    pub fn get(&self, column: &str) -> Option<&'a str> {
        let i = *self.columns.get(column)?;
        let cell = self.record.get(i)?.trim();
        (!cell.is_empty()).then_some(cell)
    }

    /// A required string cell; records an error when blank.
    pub fn required(&self, column: &str, diags: &mut Diagnostics) -> Option<&'a str> {
        let value = self.get(column);
        if value.is_none() && self.columns.contains_key(column) {
            diags.error(self.file, self.loc(), format!("{column} is empty; a value is required"));
        }
        value
    }

    /// A required cell parsed as `T`; `expected` describes the type in the
    /// error message, e.g. "a number".
    pub fn parse<T: FromStr>(&self, column: &str, expected: &str, diags: &mut Diagnostics) -> Option<T> {
        let raw = self.required(column, diags)?;
        self.parse_raw(column, raw, expected, diags)
    }

    /// An optional cell parsed as `T`: `Ok(None)` when blank.
    pub fn parse_opt<T: FromStr>(
        &self,
        column: &str,
        expected: &str,
        diags: &mut Diagnostics,
    ) -> Result<Option<T>, Invalid> {
        match self.get(column) {
            None => Ok(None),
            Some(raw) => self.parse_raw(column, raw, expected, diags).map(Some).ok_or(Invalid),
        }
    }

    fn parse_raw<T: FromStr>(&self, column: &str, raw: &str, expected: &str, diags: &mut Diagnostics) -> Option<T> {
        match raw.parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                diags.error(self.file, self.loc(), format!("{column} {raw:?} is not {expected}"));
                None
            }
        }
    }

    /// A finite coordinate within `[-limit, limit]`; with a projected
    /// `--crs`, any finite number (metres, converted and checked against
    /// the system's area of use after loading).
    pub fn coordinate(&self, column: &str, limit: f64, diags: &mut Diagnostics) -> Option<f64> {
        let raw = self.required(column, diags)?;
        let v: f64 = self.parse_raw(column, raw, "a number", diags)?;
        if !v.is_finite() {
            diags.error(
                self.file,
                self.loc(),
                format!("{column} {raw:?} is not a finite number"),
            );
            return None;
        }
        if self.projected {
            return Some(v);
        }
        if (v < -limit || v > limit) && crate::crs::looks_projected(v) {
            diags.error(
                self.file,
                self.loc(),
                format!(
                    "{column} {raw} is out of range [-{limit}, {limit}]; {}",
                    crate::crs::LOOKS_PROJECTED
                ),
            );
            return None;
        }
        if v < -limit || v > limit {
            // A latitude that is a valid longitude beside a longitude that
            // is a valid latitude: the columns are most likely swapped.
            let lon = self.get("lon").and_then(|l| l.trim().parse::<f64>().ok());
            let swapped = column == "lat" && v.abs() <= 180.0 && lon.is_some_and(|l| l.abs() <= 90.0);
            diags.error(
                self.file,
                self.loc(),
                format!(
                    "{column} {raw} is out of range [-{limit}, {limit}]{}",
                    if swapped {
                        "; lat and lon look swapped (check the column order)"
                    } else {
                        ""
                    }
                ),
            );
            return None;
        }
        Some(v)
    }

    /// A `;`-separated list of ids (blank entries dropped).
    pub fn list(&self, column: &str) -> Vec<&'a str> {
        self.get(column)
            .map(|cell| cell.split(';').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// Text encoding of the scenario's CSV and GeoJSON files (`--encoding`,
/// or `encoding` in `policy.toml`; `policy.toml` itself is always UTF-8,
/// as TOML requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Encoding {
    /// UTF-8 (a BOM is accepted).
    #[default]
    #[cfg_attr(feature = "cli", value(name = "utf-8", help = None::<&str>))]
    Utf8,
    /// GBK / GB18030, as Excel on Chinese Windows saves CSV; decoded to
    /// UTF-8 when read.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Gbk,
}

impl Encoding {
    /// Parses `utf-8` (or `utf8`) or `gbk` (or `gb18030`), any case.
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" => Some(Encoding::Gbk),
            _ => None,
        }
    }

    /// The spelling used in flags and `policy.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "gbk",
        }
    }
}

/// Where a scenario's files are read from, and how they are decoded.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The scenario folder.
    pub dir: &'a Path,
    /// Text encoding of its CSV and GeoJSON files.
    pub encoding: Encoding,
    /// Coordinates are projected metres (a projected `--crs`), so the
    /// lon/lat range checks do not apply.
    pub projected: bool,
    /// The sheet of a workbook read in place of a CSV (`--sheet`);
    /// default: the first.
    pub sheet: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// A folder of UTF-8 or GBK files with lon/lat coordinates.
    pub fn new(dir: &'a Path, encoding: Encoding) -> Self {
        Source {
            dir,
            encoding,
            projected: false,
            sheet: None,
        }
    }
}

/// The file a table is read from: `file` (`schools.csv`), or when it is
/// absent and a workbook of the same name is there, `schools.xlsx`.
pub fn input_name(dir: &Path, file: &str) -> String {
    match workbook_for(dir, file) {
        Some(book) => book,
        None => file.to_string(),
    }
}

/// `stem.xlsx` when `stem.csv` is absent and the workbook exists.
fn workbook_for(dir: &Path, file: &str) -> Option<String> {
    let stem = file.strip_suffix(".csv")?;
    let book = format!("{stem}.xlsx");
    (!dir.join(file).exists() && dir.join(&book).is_file()).then_some(book)
}

/// Reads `dir/file` as CSV and calls `each` for every data row.
///
/// `required` columns must be in the header; columns in neither `required`
/// nor `optional` are warned about. Returns `false` (with an error recorded)
/// when the file is missing, empty, or its header is unusable, so the
/// caller can skip checks that need the file.
///
/// A UTF-8 file is streamed: only the parser's buffer and the current row
/// are in memory, whatever the file's size. A GBK file is decoded whole
/// first; such files come from Excel, whose sheets stop at 1,048,576 rows.
pub fn read(
    src: &Source,
    file: &str,
    required: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
    mut each: impl FnMut(&Row, &mut Diagnostics),
) -> bool {
    if let Some(book) = workbook_for(src.dir, file) {
        // The sheet becomes CSV text with one line per sheet row, so the
        // same checks and messages apply, naming `book:Sheet:row`.
        let Some((label, text)) = super::xlsx::sheet_as_csv(&src.dir.join(&book), &book, src.sheet, diags) else {
            return false;
        };
        diags.alias(file, &label);
        return parse(
            text.as_bytes(),
            &label,
            src.projected,
            required,
            optional,
            diags,
            &mut each,
        );
    }
    if src.encoding == Encoding::Gbk {
        let Some(bytes) = read_input(src, file, "", diags) else {
            return false;
        };
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        return parse(body, file, src.projected, required, optional, diags, &mut each);
    }
    let mut handle = match std::fs::File::open(src.dir.join(file)) {
        Ok(handle) => handle,
        Err(e) => {
            unreadable(file, &e, "", diags);
            return false;
        }
    };
    let mut head = [0u8; 3];
    let n = match read_head(&mut handle, &mut head) {
        Ok(n) => n,
        Err(e) => {
            unreadable(file, &e, "", diags);
            return false;
        }
    };
    let head = &head[..n];
    if is_utf16(head) {
        utf16_error(file, diags);
        return false;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    parse(
        head.chain(handle),
        file,
        src.projected,
        required,
        optional,
        diags,
        &mut each,
    )
}

/// Reads up to `head.len()` bytes (fewer only at the end of the file).
fn read_head(handle: &mut impl Read, head: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        match handle.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF")
}

fn utf16_error(file: &str, diags: &mut Diagnostics) {
    diags.error(
        file,
        Location::File,
        "file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8 \
         (in Excel: CSV UTF-8), or as GBK with --encoding gbk",
    );
}

fn unreadable(file: &str, e: &std::io::Error, missing_hint: &str, diags: &mut Diagnostics) {
    if e.kind() == std::io::ErrorKind::NotFound {
        diags.error(file, Location::File, format!("file is missing{missing_hint}"));
    } else {
        diags.error(file, Location::File, format!("cannot be read: {e}"));
    }
}

/// Reads `dir/file` whole, or records why it cannot be read (`missing_hint`
/// is added to the "file is missing" message), for files that are parsed
/// whole (GeoJSON, TOML, GBK CSV). A GBK file is decoded to UTF-8 here.
pub fn read_input(src: &Source, file: &str, missing_hint: &str, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    read_path(&src.dir.join(file), file, src.encoding, missing_hint, diags)
}

/// Like [`read_input`] for a file anywhere (a proposed zone map), named
/// `file` in diagnostics.
pub fn read_path(
    path: &Path,
    file: &str,
    encoding: Encoding,
    missing_hint: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) if is_utf16(&bytes) => {
            utf16_error(file, diags);
            None
        }
        Ok(bytes) if encoding == Encoding::Gbk => decode_gbk(&bytes, file, diags),
        Ok(bytes) => Some(bytes),
        Err(e) => {
            unreadable(file, &e, missing_hint, diags);
            None
        }
    }
}

/// Decodes GBK (as GB18030, its superset) to UTF-8 bytes; a byte sequence
/// that is not GBK is an error naming its line.
pub fn decode_gbk(bytes: &[u8], file: &str, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() * 3 / 2 + 16);
    let mut read = 0;
    loop {
        text.reserve(bytes.len() - read + 16);
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += n;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Some(text.into_bytes()),
            encoding_rs::DecoderResult::OutputFull => continue,
            encoding_rs::DecoderResult::Malformed(..) => {
                let line = line_in(bytes, read.saturating_sub(1) as u64);
                diags.error(
                    file,
                    Location::Line(line),
                    "not valid GBK; is the file UTF-8? (then leave out --encoding gbk)",
                );
                return None;
            }
        }
    }
}

/// Like [`read`] over bytes already in memory.
pub fn read_bytes(
    bytes: &[u8],
    file: &str,
    required: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&Row, &mut Diagnostics),
) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    parse(body, file, false, required, optional, diags, each)
}

/// Parses CSV text (after any byte-order mark) row by row.
fn parse(
    body: impl Read,
    file: &str,
    projected: bool,
    required: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&Row, &mut Diagnostics),
) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(LineTracker::new(body));
    let mut record = csv::StringRecord::new();
    let header = match reader.read_record(&mut record) {
        Ok(true) => record.clone(),
        Ok(false) => {
            diags.error(file, Location::File, "file is empty; expected a header row");
            return false;
        }
        Err(e) => {
            diags.error(
                file,
                Location::Line(1),
                format!("header cannot be read: {}", csv_reason(&e)),
            );
            return false;
        }
    };
    let mut columns = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        if columns.insert(name.to_string(), i).is_some() {
            diags.error(
                file,
                Location::Line(1),
                format!("column {name:?} appears twice in the header"),
            );
        } else if !required.contains(&name) && !optional.contains(&name) {
            diags.warning(file, Location::Line(1), format!("unknown column {name:?} is ignored"));
        }
    }
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        diags.error(
            file,
            Location::Line(1),
            format!(
                "missing required column(s) {}; the header is {:?}",
                missing.join(", "),
                header.iter().collect::<Vec<_>>().join(",")
            ),
        );
        return false;
    }
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| reader.get_mut().line_at(p.byte()));
                if record.len() == 1 && record.get(0).is_some_and(|c| c.trim().is_empty()) {
                    continue; // a blank line
                }
                if record.len() != header.len() {
                    let hint = if record.iter().any(|c| c.contains('\n')) {
                        " (a quote \" opened on this line is not closed, so the following lines were read into it)"
                    } else {
                        ""
                    };
                    diags.error(
                        file,
                        Location::Line(line),
                        format!("row has {} fields; the header has {}{hint}", record.len(), header.len()),
                    );
                    continue;
                }
                let row = Row {
                    file,
                    line,
                    columns: &columns,
                    record: &record,
                    projected,
                };
                each(&row, diags);
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| reader.get_mut().line_at(p.byte()));
                diags.error(file, Location::Line(line), csv_reason(&e));
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    true
}

/// What is said of a line that is not UTF-8: most likely a GBK file.
pub const NOT_UTF8: &str = "not valid UTF-8; if the file is GBK-encoded (as Excel on Chinese Windows saves CSV), pass --encoding gbk or set encoding = \"gbk\" in policy.toml";

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!("row is {NOT_UTF8}"),
        _ => format!("cannot be parsed as CSV: {e}"),
    }
}
