//! Typed records of the run folder: one serde type per file (or per CSV
//! row), written by `run` and `senior` and read back by `verify` and
//! `explain` through the same type, so writer and reader cannot drift.
//!
//! The bytes stay those of spec §6: JSON fields are written in the order
//! the types declare them (`serde_json` keeps it), CSV headers are the
//! types' field names (checked by a test), distances are written with one
//! decimal as text, tickets as lowercase hex and enums by their spelling in
//! the spec. Reading a file that is missing or not as `run` writes it gives
//! [`Error::RunFile`] with the file, the line and the column where known.
//!
//! # Examples
//!
//! ```
//! use catchment::output::records::Manifest;
//!
//! let text = r#"{"tool": "catchment", "version": "0.1.0", "seed": "s",
//!   "seed_commitment": "c", "inputs": {"policy.toml": "ab"}, "outputs": {}}"#;
//! let manifest: Manifest = serde_json::from_str(text).unwrap();
//! assert_eq!(manifest.inputs.get("policy.toml").map(String::as_str), Some("ab"));
//! ```

mod round;
mod senior;

use std::borrow::Cow;
use std::path::Path;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;
use crate::lottery::Ticket;
use crate::round::Stage;
use crate::scenario::{Level, Sector};
use crate::stages::Reason;

pub use round::{
    AssignmentRow, DistanceStats, LevelSummary, LotteryRow, Manifest, PolicySummary, ReadAs, RoundProvenance,
    SchoolRow, Seats, Summary, Totals, Unplaced, WrittenAs,
};
pub use senior::{
    FairnessRow, QuotaRow, SeniorAssignmentRow, SeniorRow, SeniorSchoolSummary, SeniorStages, SeniorSummary,
    ShareSpread, Spreads,
};

/// A CSV row type of the run folder: its header, which is its field names
/// in order (a test holds the two together).
pub trait Record: Serialize + DeserializeOwned {
    /// The header row.
    const HEADER: &'static [&'static str];
}

/// A JSON object whose keys keep the order they were written in (school
/// levels, stages, file names), read back in the same order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keyed<V>(pub Vec<(String, V)>);

impl<V> Keyed<V> {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<V> FromIterator<(String, V)> for Keyed<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Keyed(iter.into_iter().collect())
    }
}

impl<V: Serialize> Serialize for Keyed<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Keyed<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = Keyed<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keyed<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Keyed(entries))
            }
        }
        d.deserialize_map(Entries(std::marker::PhantomData))
    }
}

/// A value written in a run file by a fixed spelling (a stage, a level,
/// a ticket in hex), read back by parsing it.
pub(crate) trait Spelled: Sized {
    /// What a cell must hold, for the message when it does not.
    const EXPECTED: &'static str;
    /// Writes the spelling.
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// Reads the spelling back; `None` when the text is not one.
    fn parse_spelling(text: &str) -> Option<Self>;
}

impl Spelled for Level {
    const EXPECTED: &'static str = "primary or junior";
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        Level::parse(text)
    }
}

impl Spelled for Sector {
    const EXPECTED: &'static str = "public or private";
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        [Sector::Public, Sector::Private]
            .into_iter()
            .find(|x| x.as_str() == text)
    }
}

impl Spelled for Stage {
    const EXPECTED: &'static str = "a stage (private_lottery, zone, nearest, optimal, fallback, unplaced)";
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        Stage::parse(text)
    }
}

impl Spelled for Reason {
    const EXPECTED: &'static str = "a reason (no_capacity, no_seat_within_limit, fallback_none)";
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        [Reason::NoCapacity, Reason::NoSeatWithinLimit, Reason::FallbackNone]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

impl Spelled for Ticket {
    const EXPECTED: &'static str = "a ticket (64 lowercase hex digits)";
    /// Without allocating: `lottery.csv` has a ticket on every row.
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut hex = [0u8; 64];
        self.hex_into(&mut hex);
        s.serialize_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        Ticket::from_hex(text)
    }
}

/// `#[serde(with = "spelled")]` for a [`Spelled`] field.
pub(crate) mod spelled {
    use super::*;

    /// Writes the spelling.
    pub fn serialize<T: Spelled, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.spell(s)
    }

    /// Parses the spelling; an error names what was expected.
    pub fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        parse(&Cow::<str>::deserialize(d)?)
    }

    pub(super) fn parse<T: Spelled, E: serde::de::Error>(text: &str) -> Result<T, E> {
        T::parse_spelling(text).ok_or_else(|| E::custom(format!("{text:?} is not {}", T::EXPECTED)))
    }

    /// `#[serde(with = "spelled::option")]`: an empty cell is `None`.
    pub mod option {
        use super::*;

        /// Writes the spelling, or an empty cell.
        pub fn serialize<T: Spelled, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => v.spell(s),
                None => s.serialize_none(),
            }
        }

        /// Parses the spelling; an empty cell is `None`.
        pub fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
            Option::<Cow<str>>::deserialize(d)?
                .filter(|t| !t.is_empty())
                .map(|t| parse(&t))
                .transpose()
        }
    }
}

/// `#[serde(with = "tenths")]`: metres written with one decimal as text
/// (`{:.1}`, round half to even on the exact value), an empty cell when
/// there are none.
pub(crate) mod tenths {
    use super::*;

    /// Writes `{:.1}`, or an empty cell.
    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(&format_args!("{d:.1}")),
            None => s.serialize_none(),
        }
    }

    /// Parses a number of metres; an empty cell is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Cow<str>>::deserialize(d)?
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse()
                    .map_err(|_| serde::de::Error::custom(format!("{t:?} is not a number of metres")))
            })
            .transpose()
    }
}

/// Reads `file` of the run folder `run` whole; a missing file is an
/// [`Error::RunFile`] (this is not a run folder), any other failure an
/// I/O error.
pub fn read_file(run: &Path, file: &str) -> Result<Vec<u8>, Error> {
    let path = run.join(file);
    std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::run_file(
            &path,
            None,
            "file is missing; is this a run folder written by `catchment run`?",
        ),
        _ => Error::io(&path, e),
    })
}

/// Reads a JSON file of the run folder into its record type.
pub fn read_json<T: DeserializeOwned>(run: &Path, file: &str) -> Result<T, Error> {
    let bytes = read_file(run, file)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let line = (e.line() > 0).then_some(e.line() as u64);
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = text.strip_suffix(&position).unwrap_or(&text);
        let column = if e.line() > 0 {
            format!(" (column {})", e.column())
        } else {
            String::new()
        };
        Error::run_file(&run.join(file), line, format!("{NOT_AS_WRITTEN}{message}{column}"))
    })
}

/// Reads every row of a CSV file of the run folder: the header must be the
/// record's, and each row must parse (the first that does not is the
/// error).
pub fn read_csv<R: Record>(run: &Path, file: &str) -> Result<Vec<R>, Error> {
    let path = run.join(file);
    let bytes = read_file(run, file)?;
    parse_csv(&bytes).map_err(|problems| {
        let (line, message) = problems.into_iter().next().unwrap_or_default();
        Error::run_file(&path, line, format!("{NOT_AS_WRITTEN}{message}"))
    })
}

const NOT_AS_WRITTEN: &str = "not as `catchment run` writes it: ";

/// A problem in a CSV text: its line, where known, and what is wrong.
pub(crate) type CsvProblem = (Option<u64>, String);

/// The rows of a CSV text, or the line and the problem of every row that
/// does not parse (never an empty list).
pub(crate) fn parse_csv<R: Record>(bytes: &[u8]) -> Result<Vec<R>, Vec<CsvProblem>> {
    // `run --csv-bom` starts the file with a UTF-8 byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header = reader.headers().map_err(|e| vec![csv_problem(&e, &[])])?.clone();
    if !header.iter().eq(R::HEADER.iter().copied()) {
        let found: Vec<&str> = header.iter().collect();
        return Err(vec![(Some(1), format!("header {found:?} is not {:?}", R::HEADER))]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for row in reader.deserialize() {
        match row {
            Ok(row) => rows.push(row),
            Err(e) => problems.push(csv_problem(&e, R::HEADER)),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The line and the message of a csv error, naming the column.
fn csv_problem(e: &csv::Error, header: &[&str]) -> (Option<u64>, String) {
    let line = e.position().map(csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields; the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "row is not valid UTF-8".to_string(),
        csv::ErrorKind::Deserialize { err, .. } => match err.field().and_then(|i| header.get(i as usize)) {
            Some(column) => format!("column {column}: {}", err.kind()),
            None => err.kind().to_string(),
        },
        _ => e.to_string(),
    };
    (line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header of each record type is its field names, as serde writes
    /// them.
    fn header_is_fields<R: Record>(row: R) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&row).unwrap();
        let bytes = w.into_inner().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().next().unwrap(), R::HEADER.join(","));
        let back: Vec<R> = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(back.len(), 1);
    }

    #[test]
    fn headers_are_the_field_names() {
        header_is_fields(round::tests::assignment());
        header_is_fields(round::tests::school());
        header_is_fields(round::tests::lottery());
        senior::tests::rows().into_iter().for_each(|f| f());
    }

    #[test]
    fn a_broken_row_names_its_line_and_column() {
        let good = round::tests::assignment();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&good).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap())
            .unwrap()
            .replace(",1,", ",first,");
        let e = parse_csv::<AssignmentRow>(text.as_bytes()).unwrap_err();
        assert_eq!(e[0].0, Some(2));
        assert!(e[0].1.starts_with("column priority: "), "{e:?}");
        let e = parse_csv::<AssignmentRow>(b"applicant_id,level\nA,primary\n").unwrap_err();
        assert_eq!(e[0].0, Some(1));
        assert!(e[0].1.starts_with("header "), "{e:?}");
    }

    #[test]
    fn keyed_keeps_the_order_of_its_keys() {
        let k: Keyed<u32> = [("b".to_string(), 1), ("a".to_string(), 2)].into_iter().collect();
        let text = serde_json::to_string(&k).unwrap();
        assert_eq!(text, r#"{"b":1,"a":2}"#);
        assert_eq!(serde_json::from_str::<Keyed<u32>>(&text).unwrap(), k);
        assert_eq!(k.get("a"), Some(&2));
    }
}
