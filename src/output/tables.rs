//! The CSV outputs: `assignments.csv`, `schools.csv`, `lottery.csv`,
//! written from their [`super::records`] types.

use std::io::{self, Write};

use serde::Serialize;

use super::csv_row::{self, Row};
use super::records::{AssignmentRow, LotteryRow, Record, SchoolRow};
use rayon::prelude::*;

use crate::round::{Outcome, Stage, StageDraw};
use crate::scenario::Scenario;
use crate::stages::DrawEntry;

/// An in-memory CSV writer with `\n` line ends that writes no header of
/// its own (the caller writes it, so an empty table still has one).
fn writer() -> csv::Writer<Vec<u8>> {
    writer_into(Vec::new())
}

/// [`writer`] into any sink.
fn writer_into<W: Write>(sink: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .has_headers(false)
        .from_writer(sink)
}

/// A CSV table written into memory with `\n` line ends, every row as wide
/// as the header: `N` columns, fixed by the type.
///
/// Writing cannot fail: the csv crate reports an I/O error of the sink (a
/// `Vec<u8>` never fails) or a row of another width than the first (ruled
/// out by `[T; N]`), and nothing else when writing plain records.
pub(crate) struct Table<const N: usize> {
    w: csv::Writer<Vec<u8>>,
}

impl<const N: usize> Table<N> {
    /// A table with its header row written.
    pub(crate) fn new<T: AsRef<[u8]>>(header: [T; N]) -> Self {
        let mut table = Table { w: writer() };
        table.row(header);
        table
    }

    /// Appends one row.
    // Neither error of `write_record` can arise (see the type's docs), and
    // the outputs have no error channel: `render` returns bytes.
    #[allow(clippy::expect_used)]
    pub(crate) fn row<T: AsRef<[u8]>>(&mut self, fields: [T; N]) {
        self.w
            .write_record(fields)
            .expect("in-memory CSV rows have the header's width");
    }

    /// The bytes written.
    // Flushing the buffer into a `Vec<u8>` cannot fail.
    #[allow(clippy::expect_used)]
    pub(crate) fn finish(self) -> Vec<u8> {
        self.w.into_inner().expect("flushing into a Vec cannot fail")
    }
}

/// A CSV file of typed rows under `header` (a [`Record`]'s, which is its
/// field names, so every row has the header's width).
///
/// Writing cannot fail, as for [`Table`]: the sink is a `Vec<u8>` and the
/// records are flat.
// The outputs have no error channel: `render` returns bytes.
#[allow(clippy::expect_used)]
pub(crate) fn write_records<R: Serialize>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut w = writer();
    w.write_record(header).expect("writing into a Vec cannot fail");
    for row in rows {
        w.serialize(row).expect("in-memory CSV records have the header's width");
    }
    w.into_inner().expect("flushing into a Vec cannot fail")
}

/// One row per applicant, sorted by applicant id.
// Writing into a `Vec` cannot fail.
#[allow(clippy::expect_used)]
pub fn assignments_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut out = Vec::with_capacity(110 * scenario.applicants.len() + 128);
    write_assignments_csv(scenario, outcome, &mut out).expect("writing into a Vec cannot fail");
    out
}

/// [`assignments_csv`] into a writer: the rows are rendered in parallel
/// blocks of applicants and written in applicant order, each row straight
/// into the block's buffer (see [`super::csv_row`]), with the bytes of
/// serialising an [`AssignmentRow`] with the csv crate.
pub(crate) fn write_assignments_csv(scenario: &Scenario, outcome: &Outcome, w: &mut dyn Write) -> io::Result<()> {
    let mut header = writer_into(Vec::new());
    header.write_record(AssignmentRow::HEADER).map_err(csv_error)?;
    w.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    let school_ids: Vec<Vec<u8>> = scenario.schools.iter().map(|s| csv_row::cell(&s.id)).collect();
    let zone_ids: Vec<Vec<u8>> = scenario.zones.iter().map(|z| csv_row::cell(&z.id)).collect();
    super::write_rows_in_parallel(w, scenario.applicants.len(), |rows, buf| {
        for i in rows {
            let (a, p, zone) = (&scenario.applicants[i], &outcome.placements[i], outcome.zone_of[i]);
            let mut row = Row::new(buf);
            row.text(&a.id).raw(a.level.as_str().as_bytes());
            match p.school {
                Some(s) => row.raw(&school_ids[s.index()]),
                None => row.empty(),
            };
            row.raw(p.stage.as_str().as_bytes());
            match zone {
                Some(z) => row.raw(&zone_ids[z.index()]),
                None => row.empty(),
            };
            row.tenths(p.distance_m)
                .uint(a.priority)
                .ticket(&p.ticket)
                .opt_uint(p.class_no);
            match p.reason {
                Some(r) => row.raw(r.as_str().as_bytes()),
                None => row.empty(),
            };
            match zone {
                Some(_) if a.zone.is_some() => row.raw(b"registry"),
                Some(_) => row.raw(b"home"),
                None => row.empty(),
            };
            row.end();
        }
    })
}

/// The I/O error of a CSV writer's error (the only kind a writer of flat
/// records meets), or the error itself as an I/O error.
fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// One row per school, sorted by school id.
pub fn schools_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let rows = scenario.schools.iter().zip(&outcome.schools).map(|(s, r)| SchoolRow {
        school_id: s.id.as_str().into(),
        name: s.name.as_str().into(),
        level: s.level,
        sector: s.sector,
        lon: s.lon,
        lat: s.lat,
        classes: s.classes,
        class_cap: s.cap,
        capacity: s.capacity,
        applicants: r.applicants,
        admitted: r.admitted,
        admitted_fallback: r.admitted_fallback,
        classes_opened: r.classes_opened,
        largest_class: r.largest_class,
        vacancies: s.capacity.saturating_sub(r.admitted),
        oversubscribed: r.oversubscribed,
        cutoff_priority: r.cutoff.map(|k| k.priority),
        cutoff_ticket: r.cutoff.map(|k| k.ticket),
    });
    write_records(SchoolRow::HEADER, rows)
}

fn stage_rank(stage: Stage) -> u8 {
    match stage {
        Stage::PrivateLottery => 0,
        Stage::Zone | Stage::Nearest => 1,
        _ => 2,
    }
}

/// Every draw: for each school and label, every applicant who applied, in
/// (priority, ticket) order; then the district-wide fallback order per level
/// (empty `school_id`). `priority` is the one drawn with (a group's best).
/// Rows borrow every string, so this file, the largest at city scale (a row
/// per application), is written without an allocation per row.
// Writing into a `Vec` cannot fail.
#[allow(clippy::expect_used)]
pub fn lottery_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut out = Vec::new();
    write_lottery_csv(scenario, outcome, &mut out).expect("writing into a Vec cannot fail");
    out
}

/// Entries of one draw per block of `lottery.csv` rendered in parallel.
const ENTRIES_PER_BLOCK: usize = 4096;

/// [`lottery_csv`] into a writer. Each draw's entries are cut into blocks
/// rendered in parallel; a block's first rank is the number of members in
/// the draw's earlier blocks plus one, counted before rendering, so the
/// rows are those of one pass in order. Each row is written straight into
/// the block's buffer (see [`super::csv_row`]), with the bytes of
/// serialising a [`LotteryRow`] with the csv crate.
pub(crate) fn write_lottery_csv(scenario: &Scenario, outcome: &Outcome, w: &mut dyn Write) -> io::Result<()> {
    let mut draws: Vec<_> = outcome.draws.iter().collect();
    draws.sort_by_key(|d| {
        (
            stage_rank(d.stage),
            d.draw.school.map(|s| scenario.school(s).id.as_bytes()),
        )
    });
    // (draw, its entries in this block, first rank).
    let mut blocks: Vec<(&StageDraw, &[DrawEntry], u32)> = draws
        .iter()
        .flat_map(|d| {
            d.draw
                .entries
                .chunks(ENTRIES_PER_BLOCK)
                .map(move |entries| (*d, entries, 0))
        })
        .collect();
    let members: Vec<u32> = blocks
        .par_iter()
        .map(|(_, entries, _)| entries.iter().map(|e| outcome.units[e.unit.index()].size()).sum())
        .collect();
    let mut next_rank = 1u32;
    for (block, members) in blocks.iter_mut().zip(members) {
        // A draw's first block starts where its entries start.
        if std::ptr::eq(block.1.as_ptr(), block.0.draw.entries.as_ptr()) {
            next_rank = 1;
        }
        block.2 = next_rank;
        next_rank += members;
    }
    let mut header = writer_into(Vec::new());
    header.write_record(LotteryRow::HEADER).map_err(csv_error)?;
    w.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    super::write_blocks_in_parallel(w, &blocks, |&(d, entries, first_rank), buf| {
        // The cells every row of the draw starts with.
        let mut start = Vec::new();
        Row::new(&mut start)
            .text(&d.draw.label)
            .text(d.draw.school.map_or("", |s| scenario.school(s).id.as_str()));
        let rows = LotteryCells::gather(scenario, outcome, entries);
        for (cells, rank) in rows.iter().zip(first_rank..) {
            let e = &entries[cells.entry];
            buf.extend_from_slice(&start);
            Row::continued(buf)
                .text_known(cells.applicant_id, cells.quote_applicant)
                .uint(e.key.priority)
                .ticket(&e.key.ticket)
                .uint(rank)
                .bool(e.admitted)
                .uint(d.draw.seats)
                .opt_uint(e.choice)
                .text_known(cells.draw_id, cells.quote_draw)
                .end();
        }
    })
}

/// The text cells of one row of `lottery.csv`, looked up before the rows
/// are written.
///
/// A draw lists its units in ticket order, so each row's unit, members,
/// applicant and id strings lie at random places in memory: looked up row
/// by row, between the formatting of cells, each lookup waits for memory in
/// turn. Looked up first in tight loops, one kind at a time for a whole
/// block, the processor overlaps the waits of many rows.
struct LotteryCells<'a> {
    /// Index of the row's entry in the block.
    entry: usize,
    applicant_id: &'a str,
    quote_applicant: bool,
    draw_id: &'a str,
    quote_draw: bool,
}

impl<'a> LotteryCells<'a> {
    /// The cells of every row of `entries` (a row per member of each
    /// entry's unit, in order).
    fn gather(scenario: &'a Scenario, outcome: &'a Outcome, entries: &[DrawEntry]) -> Vec<LotteryCells<'a>> {
        let units: Vec<(&[crate::scenario::AppIdx], &str)> = entries
            .iter()
            .map(|e| {
                let unit = &outcome.units[e.unit.index()];
                (unit.members.as_slice(), unit.draw_id.as_str())
            })
            .collect();
        let mut rows: Vec<LotteryCells> = Vec::with_capacity(units.len());
        for (entry, &(members, draw_id)) in units.iter().enumerate() {
            for &m in members {
                rows.push(LotteryCells {
                    entry,
                    applicant_id: scenario.applicant(m).id.as_str(),
                    quote_applicant: false,
                    draw_id,
                    quote_draw: false,
                });
            }
        }
        for row in &mut rows {
            row.quote_applicant = csv_row::needs_quotes(row.applicant_id.as_bytes());
            row.quote_draw = csv_row::needs_quotes(row.draw_id.as_bytes());
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::round;
    use crate::scenario::{self, LoadOptions};

    /// `assignments.csv` as serde and the csv crate write its records: the
    /// second implementation the direct writer is held to.
    fn assignments_by_records(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
        let rows = (0..scenario.applicants.len()).map(|i| {
            let (a, p, zone) = (&scenario.applicants[i], &outcome.placements[i], outcome.zone_of[i]);
            AssignmentRow {
                applicant_id: a.id.as_str().into(),
                level: a.level,
                school_id: p.school.map(|s| scenario.school(s).id.as_str().into()),
                stage: p.stage,
                zone_id: zone.map(|z| scenario.zone(z).id.as_str().into()),
                distance_m: p.distance_m,
                priority: a.priority,
                ticket: p.ticket,
                class_no: p.class_no,
                reason: p.reason,
                zone_source: zone.map(|_| if a.zone.is_some() { "registry" } else { "home" }.into()),
            }
        });
        write_records(AssignmentRow::HEADER, rows)
    }

    /// `lottery.csv` as serde and the csv crate write its records, in one
    /// pass over the draws.
    fn lottery_by_records(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
        let mut draws: Vec<_> = outcome.draws.iter().collect();
        draws.sort_by_key(|d| {
            (
                stage_rank(d.stage),
                d.draw.school.map(|s| scenario.school(s).id.as_bytes()),
            )
        });
        let rows = draws.into_iter().flat_map(|d| {
            let school = d.draw.school.map_or("", |s| scenario.school(s).id.as_str());
            d.draw
                .entries
                .iter()
                .flat_map(|e| {
                    let unit = &outcome.units[e.unit.index()];
                    unit.members.iter().map(move |&m| (e, unit, m))
                })
                .zip(1u32..)
                .map(move |((e, unit, m), rank)| LotteryRow {
                    label: d.draw.label.as_str().into(),
                    school_id: school.into(),
                    applicant_id: scenario.applicant(m).id.as_str().into(),
                    priority: e.key.priority,
                    ticket: e.key.ticket,
                    rank,
                    admitted: e.admitted,
                    seats: d.draw.seats,
                    choice: e.choice,
                    draw_id: unit.draw_id.as_str().into(),
                })
        });
        write_records(LotteryRow::HEADER, rows)
    }

    fn assert_same_as_records(scenario: &Scenario, outcome: &Outcome) {
        assert_eq!(
            String::from_utf8(assignments_csv(scenario, outcome)).unwrap(),
            String::from_utf8(assignments_by_records(scenario, outcome)).unwrap()
        );
        assert_eq!(
            String::from_utf8(lottery_csv(scenario, outcome)).unwrap(),
            String::from_utf8(lottery_by_records(scenario, outcome)).unwrap()
        );
    }

    #[test]
    fn direct_rows_are_the_records_on_the_demo() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
        let scenario = scenario::load(&dir, &LoadOptions::default()).unwrap();
        let outcome = round::run(&scenario);
        assert_same_as_records(&scenario, &outcome);
    }

    /// Groups drawn together (a row per member, ranks counted in members),
    /// draws longer than a block, and ids the csv writer must quote.
    #[test]
    fn direct_rows_are_the_records_with_groups_and_awkward_ids() {
        let tmp = tempfile::tempdir().unwrap();
        let params = crate::synth::SynthParams {
            applicants: 12_000,
            schools: 4,
            private: 1,
            ..crate::synth::SynthParams::default()
        };
        crate::synth::write_scenario(&params, tmp.path()).unwrap();
        let mut scenario = scenario::load(tmp.path(), &LoadOptions::default()).unwrap();
        let mut outcome = round::run(&scenario);
        assert!(outcome.units.iter().any(|u| u.members.len() > 1));
        assert!(outcome.draws.iter().any(|d| d.draw.entries.len() > ENTRIES_PER_BLOCK));
        assert_same_as_records(&scenario, &outcome);
        // Only the bytes are compared: ids need not stay sorted or unique.
        for (i, a) in scenario.applicants.iter_mut().enumerate().step_by(7) {
            a.id = ["a,1", "b\"2\"", "c\n3", "d\r4", "é,5"][i % 5].to_string();
        }
        for u in outcome.units.iter_mut().step_by(5) {
            u.draw_id = format!("group:{},\"x\"", u.draw_id);
        }
        scenario.schools[0].id = "S,0".to_string();
        scenario.zones[0].id = "Z\"0".to_string();
        assert_same_as_records(&scenario, &outcome);
    }
}
