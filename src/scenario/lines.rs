//! Physical line numbers of byte offsets in a file that is read as a
//! stream, so a CSV row's error can name its line without the loader
//! holding the whole file in memory.
//!
//! The `csv` crate's own line count is off after CRLF line ends and blank
//! lines, so lines are counted from the bytes as they pass: a line ends at
//! `\n`, or at a `\r` not followed by `\n`.

use std::collections::VecDeque;
use std::io::{self, Read};

/// One line seen so far.
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Offset of its first byte.
    start: u64,
    /// Offset of its first line-end byte; `None` while the line is open.
    content_end: Option<u64>,
}

impl Line {
    fn is_empty(&self) -> bool {
        self.content_end == Some(self.start)
    }
}

/// A reader that passes bytes through and remembers where the lines not yet
/// asked about start. Queries must come in non-decreasing offset order (as
/// CSV records do); lines before the last query are forgotten, so memory
/// stays at the lines in the parser's read-ahead.
pub struct LineTracker<R> {
    inner: R,
    /// Offset of the next byte read.
    offset: u64,
    /// Lines from the one holding the last query on; never empty.
    lines: VecDeque<Line>,
    /// 1-based number of `lines[0]`.
    first: u64,
    /// The last byte read was a `\r`: whether it ends a line depends on the
    /// next byte.
    after_cr: bool,
}

impl<R: Read> LineTracker<R> {
    /// Tracks the lines of `inner`, whose first byte is offset 0.
    pub fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            lines: VecDeque::from([Line {
                start: 0,
                content_end: None,
            }]),
            first: 1,
            after_cr: false,
        }
    }

    fn current(&mut self) -> &mut Line {
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }

    fn end_content(&mut self, at: u64) {
        let line = self.current();
        line.content_end.get_or_insert(at);
    }

    fn start_line(&mut self, at: u64) {
        self.lines.push_back(Line {
            start: at,
            content_end: None,
        });
    }

    fn observe(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let at = self.offset;
            self.offset += 1;
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    self.start_line(at + 1);
                    continue;
                }
                // The `\r` alone ended the line; this byte opens the next.
                self.start_line(at);
            }
            match b {
                b'\n' => {
                    self.end_content(at);
                    self.start_line(at + 1);
                }
                b'\r' => {
                    self.end_content(at);
                    self.after_cr = true;
                }
                _ => {}
            }
        }
    }

    /// The 1-based line of the first byte at or after `offset` that is not
    /// a line end (a record's position can point at the end of the line
    /// before it).
    pub fn line_at(&mut self, offset: u64) -> u64 {
        while self.lines.len() > 1 && self.lines[1].start <= offset {
            self.lines.pop_front();
            self.first += 1;
        }
        let holder = self.lines[0];
        if holder.content_end.is_none_or(|end| offset < end) {
            return self.first;
        }
        // `offset` is on line-end bytes: the row is on the next line that
        // has content (or the last line, at the end of the file).
        let next = self
            .lines
            .iter()
            .skip(1)
            .position(|line| !line.is_empty())
            .map_or(self.lines.len() - 1, |i| i + 1);
        self.first + next as u64
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.after_cr {
            // A final lone `\r` ends its line.
            self.after_cr = false;
            self.start_line(self.offset);
        }
        self.observe(&buf[..n]);
        Ok(n)
    }
}

/// The line of `offset` in `bytes` already in memory.
pub fn line_in(bytes: &[u8], offset: u64) -> u64 {
    let mut tracker = LineTracker::new(bytes);
    // Reading a byte slice cannot fail.
    let _ = io::copy(&mut tracker, &mut io::sink());
    tracker.line_at(offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, over the whole text: count the line ends before the
    /// first non-line-end byte at or after `offset`.
    fn brute_force(body: &[u8], offset: usize) -> u64 {
        let mut at = offset;
        while at < body.len() && matches!(body[at], b'\n' | b'\r') {
            at += 1;
        }
        let ends = (0..body.len())
            .filter(|&i| body[i] == b'\n' || (body[i] == b'\r' && body.get(i + 1) != Some(&b'\n')))
            .filter(|&i| i < at)
            .count();
        ends as u64 + 1
    }

    /// Hands out its bytes in the chunk sizes given, as a file or a pipe may.
    struct Chunked<'a> {
        bytes: &'a [u8],
        sizes: Vec<usize>,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let want = self.sizes.pop().unwrap_or(usize::MAX).max(1);
            let n = want.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn counts_lf_crlf_and_lone_cr_line_ends() {
        let text = b"a,b\r\n1,2\n\n3,4\r5,6\r\n\r\n7,8";
        for (offset, line) in [(0, 1), (3, 2), (5, 2), (9, 4), (10, 4), (14, 5), (19, 7), (23, 7)] {
            assert_eq!(line_in(text, offset), line, "offset {offset}");
            assert_eq!(brute_force(text, offset as usize), line, "offset {offset}");
        }
    }

    proptest! {
        /// Streamed in arbitrary chunks with queries interleaved, as the CSV
        /// parser does, the tracker agrees with the definition everywhere.
        #[test]
        fn streaming_agrees_with_the_definition(
            body in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b','), Just(b'"'), Just(b'\r'), Just(b'\n')], 0..80),
            sizes in proptest::collection::vec(1usize..9, 0..40),
            picks in proptest::collection::vec(0.0f64..1.0, 0..20),
        ) {
            let mut tracker = LineTracker::new(Chunked { bytes: &body, sizes });
            let mut queries: Vec<usize> = picks.iter().map(|p| (p * body.len() as f64) as usize).collect();
            queries.sort_unstable();
            let mut buf = [0u8; 16];
            for q in queries {
                // The parser asks about a record only after reading past the
                // start of its content.
                let content = (q..body.len()).find(|&i| !matches!(body[i], b'\n' | b'\r')).unwrap_or(body.len());
                while tracker.offset <= content as u64 && tracker.read(&mut buf).unwrap() > 0 {}
                prop_assert_eq!(tracker.line_at(q as u64), brute_force(&body, q), "offset {}", q);
            }
        }
    }
}
