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
    /// The header's column names with their index (each name once). A
    /// short list searched in order: cheaper per cell than hashing the
    /// name, and a loader reads every cell by name.
    columns: &'a [(String, usize)],
    record: &'a csv::StringRecord,
    /// Coordinates are projected metres (`--crs EPSG:…`), not lon/lat.
    projected: bool,
}

impl<'a> Row<'a> {
    fn loc(&self) -> Location {
        Location::Line(self.line)
    }

    /// The index of `column` in the header, if present.
    fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().find(|c| c.0 == column).map(|c| c.1)
    }

    /// The trimmed cell of `column`; `None` when the column is absent or the
    /// cell is blank (a blank optional cell means the default, spec §8).
    pub fn get(&self, column: &str) -> Option<&'a str> {
        let i = self.index(column)?;
        let cell = self.record.get(i)?.trim();
        (!cell.is_empty()).then_some(cell)
    }

    /// A required string cell; records an error when blank.
    pub fn required(&self, column: &str, diags: &mut Diagnostics) -> Option<&'a str> {
        let value = self.get(column);
        if value.is_none() && self.index(column).is_some() {
            diags.error(self.file, self.loc(), format!("{column} is empty; a value is required"));
        }
        value
    }

    /// The required `level` cell: `primary` or `junior`; records an error
    /// otherwise.
    pub fn level(&self, diags: &mut Diagnostics) -> Option<super::Level> {
        let raw = self.required("level", diags)?;
        let level = super::Level::parse(raw);
        if level.is_none() {
            diags.error(self.file, self.loc(), format!("level {raw:?} is not primary or junior"));
        }
        level
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
    /// Field separator of its CSV files (`--delimiter`); `None` is a comma.
    pub delimiter: Option<u8>,
}

impl<'a> Source<'a> {
    /// A folder of UTF-8 or GBK files with lon/lat coordinates.
    pub fn new(dir: &'a Path, encoding: Encoding) -> Self {
        Source {
            dir,
            encoding,
            projected: false,
            sheet: None,
            delimiter: None,
        }
    }

    /// The same source with CSV fields split on `delimiter` (`--delimiter`;
    /// `None` is a comma).
    pub fn with_delimiter(self, delimiter: Option<u8>) -> Self {
        Source { delimiter, ..self }
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

/// Parses a `--delimiter` value: one ASCII character, or `tab` (also
/// `\t`), `comma`, `semicolon`, `pipe`.
///
/// ```
/// use catchment::scenario::table::parse_delimiter;
/// assert_eq!(parse_delimiter(";"), Ok(b';'));
/// assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
/// assert!(parse_delimiter(";;").is_err());
/// ```
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "\n" && text != "\r" => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!("expected one character, e.g. ';' or '|', or tab; got {text:?}")),
    }
}

/// The spelling of a delimiter in `manifest.json` and in messages: the
/// character, or `tab`.
pub fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_string(),
        d => char::from(d).to_string(),
    }
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
            None,
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
        return parse(
            body,
            src.delimiter,
            file,
            src.projected,
            required,
            optional,
            diags,
            &mut each,
        );
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
        src.delimiter,
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
    parse(body, None, file, false, required, optional, diags, each)
}

/// Parses CSV text (after any byte-order mark) row by row.
#[allow(clippy::too_many_arguments)] // the parser's settings, each from a different caller
fn parse(
    body: impl Read,
    delimiter: Option<u8>,
    file: &str,
    projected: bool,
    required: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&Row, &mut Diagnostics),
) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.unwrap_or(b','))
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
            diags.root_error(
                file,
                Location::Line(1),
                format!("header cannot be read: {}", csv_reason(&e)),
            );
            return false;
        }
    };
    let mut columns = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if columns.insert(name.trim().to_string(), i).is_some() {
            diags.error(
                file,
                Location::Line(1),
                format!("column {:?} appears twice in the header", name.trim()),
            );
        }
    }
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        if let Some(message) = delimiter_hint(&header, delimiter) {
            diags.root_error(file, Location::Line(1), message);
            return false;
        }
    }
    // Unknown columns: a near miss of a column the file lacks is an error
    // with a suggestion (the column meant would silently be left at its
    // default); any other unknown column is a warning.
    let absent: Vec<&str> = required
        .iter()
        .chain(optional)
        .copied()
        .filter(|c| !columns.contains_key(*c))
        .collect();
    let mut meant_missing: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in header.iter().map(str::trim) {
        if required.contains(&name) || optional.contains(&name) || !seen.insert(name) {
            continue;
        }
        match super::diagnose::near_miss(name, &absent) {
            Some(meant) => {
                meant_missing.push(meant);
                diags.root_error(
                    file,
                    Location::Line(1),
                    format!("unknown column {name:?} in {file}: did you mean {meant:?}?"),
                );
            }
            None => diags.warning(file, Location::Line(1), format!("unknown column {name:?} is ignored")),
        }
    }
    let missing: Vec<&str> = missing.into_iter().filter(|c| !meant_missing.contains(c)).collect();
    if !missing.is_empty() {
        diags.root_error(
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
    if required.iter().any(|c| meant_missing.contains(c)) {
        return false;
    }
    let mut by_name: Vec<(String, usize)> = columns.into_iter().collect();
    by_name.sort_by_key(|c| c.1);
    let rows_from = diags.len();
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
                    columns: &by_name,
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
    // One wrong encoding or one pair of swapped columns is one problem:
    // its first row is reported, the others counted.
    diags.fold_repeats(
        rows_from,
        |d| d.file == file && d.message.starts_with("row is not valid UTF-8"),
        |n, lines| format!("; {n} more row(s) are not valid UTF-8 either ({})", some_lines(lines)),
    );
    diags.fold_repeats(
        rows_from,
        |d| d.file == file && d.message.contains("lat and lon look swapped"),
        |n, lines| format!("; {n} more row(s) look swapped too ({})", some_lines(lines)),
    );
    true
}

/// "lines 4, 5, 9, 12, 20 and 31 more".
fn some_lines(lines: &[u64]) -> String {
    const SHOWN: usize = 5;
    let mut text = lines
        .iter()
        .take(SHOWN)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() > SHOWN {
        text.push_str(&format!(" and {} more", lines.len() - SHOWN));
    }
    format!("line{} {text}", if lines.len() == 1 { "" } else { "s" })
}

/// When the header lacks required columns because the file is split on
/// another character (a semicolon-separated file from European Excel, a
/// tab- or pipe-separated export), what to do about it.
fn delimiter_hint(header: &csv::StringRecord, delimiter: Option<u8>) -> Option<String> {
    let text = header.iter().collect::<Vec<_>>().join(",");
    let used = delimiter.unwrap_or(b',');
    let candidates: [(u8, &str, &str); 4] = [
        (b';', "semicolon", "--delimiter ';'"),
        (b'\t', "tab", "--delimiter tab"),
        (b'|', "pipe", "--delimiter '|'"),
        (b',', "comma", "no --delimiter"),
    ];
    let (sep, name, flag) = candidates
        .iter()
        .filter(|(c, ..)| *c != used)
        .map(|&(c, name, flag)| (text.bytes().filter(|&b| b == c).count(), c, name, flag))
        .filter(|&(n, ..)| n > 0)
        .max_by_key(|&(n, ..)| n)
        .map(|(_, c, name, flag)| (c, name, flag))?;
    // Only when the header holds more than one name once split there.
    if text.split(char::from(sep)).filter(|s| !s.trim().is_empty()).count() < 2 || header.len() > 1 && sep != b',' {
        return None;
    }
    Some(if sep == b',' {
        format!(
            "looks like a comma-separated file, but --delimiter {} was given; leave out --delimiter",
            delimiter_name(used)
        )
    } else {
        format!("looks like a {name}-separated file; save as CSV (comma) or pass {flag}")
    })
}

/// What is said of a line that is not UTF-8: most likely a GBK file.
pub const NOT_UTF8: &str = "not valid UTF-8; if the file is GBK-encoded (as Excel on Chinese Windows saves CSV), pass --encoding gbk or set encoding = \"gbk\" in policy.toml";

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!("row is {NOT_UTF8}"),
        _ => format!("cannot be parsed as CSV: {e}"),
    }
}
