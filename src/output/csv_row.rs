//! CSV rows appended straight to a byte buffer, with the bytes the `csv`
//! crate's writer gives the run folder's tables (`\n` line ends, a field
//! quoted only when it holds a comma, a double quote, `\r` or `\n`, the
//! quotes inside doubled).
//!
//! `assignments.csv` and `lottery.csv` have a row per applicant or per
//! application (two million and more on a province): through serde and the
//! csv writer's state machine each field costs a dispatch and a byte-wise
//! copy, and these two files were most of the province's rendering. Rows
//! of fixed width with cells known in advance (tickets, numbers, enum
//! spellings) need none of that. The other tables still go through
//! [`super::records`] and the csv crate; a test holds the two writers to
//! the same bytes on awkward text.

use std::io::Write as _;

use crate::lottery::Ticket;

/// Whether the csv writer quotes `field`: it holds a delimiter, a quote or
/// a line end (the writer quotes `\r` even with `\n` line ends).
pub(crate) fn needs_quotes(field: &[u8]) -> bool {
    field.iter().any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// One cell's bytes as the csv writer writes them: `field` itself, or
/// quoted with its quotes doubled when [`needs_quotes`].
pub(crate) fn cell(field: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len() + 2);
    push_text(&mut out, field.as_bytes(), needs_quotes(field.as_bytes()));
    out
}

/// Appends `field`, quoted when `quoted` (which the caller found with
/// [`needs_quotes`]).
fn push_text(buf: &mut Vec<u8>, field: &[u8], quoted: bool) {
    if !quoted {
        buf.extend_from_slice(field);
        return;
    }
    buf.push(b'"');
    for &b in field {
        if b == b'"' {
            buf.push(b'"');
        }
        buf.push(b);
    }
    buf.push(b'"');
}

/// A row being appended to a buffer: each method writes one cell (after
/// a comma, except the first); [`Row::end`] ends the line.
pub(crate) struct Row<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Row<'a> {
    /// Starts a row at the end of `buf`.
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Self {
        Row { buf, first: true }
    }

    /// Goes on with a row whose first cells are already at the end of
    /// `buf` (cells every row of a draw shares, written once).
    pub(crate) fn continued(buf: &'a mut Vec<u8>) -> Self {
        Row { buf, first: false }
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    /// A text cell, quoted when it needs it.
    pub(crate) fn text(&mut self, field: &str) -> &mut Self {
        self.text_known(field, needs_quotes(field.as_bytes()))
    }

    /// A text cell whose [`needs_quotes`] the caller already knows.
    pub(crate) fn text_known(&mut self, field: &str, quoted: bool) -> &mut Self {
        self.sep();
        push_text(self.buf, field.as_bytes(), quoted);
        self
    }

    /// A cell already in its written form (see [`cell`]), or a spelling
    /// with nothing to quote (`primary`, `zone`, `true`).
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(bytes);
        self
    }

    /// An empty cell (`None`).
    pub(crate) fn empty(&mut self) -> &mut Self {
        self.sep();
        self
    }

    /// A whole number.
    pub(crate) fn uint(&mut self, n: u32) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self
    }

    /// A whole number, or an empty cell.
    pub(crate) fn opt_uint(&mut self, n: Option<u32>) -> &mut Self {
        match n {
            Some(n) => self.uint(n),
            None => self.empty(),
        }
    }

    /// `true` or `false`.
    pub(crate) fn bool(&mut self, b: bool) -> &mut Self {
        self.raw(if b { b"true" } else { b"false" })
    }

    /// A ticket in lowercase hex.
    pub(crate) fn ticket(&mut self, t: &Ticket) -> &mut Self {
        let mut hex = [0u8; 64];
        t.hex_into(&mut hex);
        self.raw(&hex)
    }

    /// Metres to 0.1 m (`{:.1}`, as [`super::records`] writes them), or an
    /// empty cell.
    pub(crate) fn tenths(&mut self, d: Option<f64>) -> &mut Self {
        self.sep();
        if let Some(d) = d {
            // Writing into a `Vec` cannot fail.
            let _ = write!(self.buf, "{d:.1}");
        }
        self
    }

    /// Ends the line.
    pub(crate) fn end(&mut self) {
        self.buf.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The csv crate's bytes for one record, as `run` configures its writer.
    fn by_csv_crate(fields: &[&str]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(false)
            .from_writer(Vec::new());
        w.write_record(fields).unwrap();
        w.into_inner().unwrap()
    }

    fn by_row(fields: &[&str]) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut row = Row::new(&mut buf);
        for f in fields {
            row.text(f);
        }
        row.end();
        buf
    }

    #[test]
    fn awkward_text_is_quoted_as_the_csv_crate_quotes_it() {
        let cases: [&[&str]; 6] = [
            &["a", "b"],
            &["", ""],
            &["with,comma", "with \"quotes\""],
            &["line\nend", "carriage\rreturn", "tab\there"],
            &["\"", ",", "学生1", " lead and trail "],
            &["#comment", "'single'", "semi;colon", "back\\slash"],
        ];
        for fields in cases {
            assert_eq!(by_row(fields), by_csv_crate(fields), "{fields:?}");
            for f in fields {
                let mut one = Vec::new();
                Row::new(&mut one).raw(&cell(f)).end();
                let mut two = Vec::new();
                Row::new(&mut two).text(f).end();
                assert_eq!(one, two);
            }
        }
    }

    proptest! {
        #[test]
        fn any_text_is_written_as_the_csv_crate_writes_it(
            fields in prop::collection::vec("[a-z,\"\r\n \t;#é]{0,6}", 2..5),
        ) {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            prop_assert_eq!(by_row(&fields), by_csv_crate(&fields));
        }
    }

    #[test]
    fn numbers_and_empty_cells() {
        let mut buf = Vec::new();
        Row::new(&mut buf)
            .uint(0)
            .opt_uint(None)
            .opt_uint(Some(4_294_967_295))
            .bool(true)
            .bool(false)
            .tenths(Some(1234.25))
            .tenths(None)
            .tenths(Some(0.05))
            .end();
        assert_eq!(buf, b"0,,4294967295,true,false,1234.2,,0.1\n");
    }
}
