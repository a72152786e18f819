//! The CSV outputs: `assignments.csv`, `schools.csv`, `lottery.csv`.

use crate::round::{Outcome, Stage};
use crate::scenario::Scenario;

/// Header of `assignments.csv`: the spec's ten columns (§6), then
/// `zone_source`: `registry` when the zone came from the applicant's `zone`
/// column, `home` when from the point-in-zone lookup, empty without a zone.
pub const ASSIGNMENTS_HEADER: [&str; 11] = [
    "applicant_id",
    "level",
    "school_id",
    "stage",
    "zone_id",
    "distance_m",
    "priority",
    "ticket",
    "class_no",
    "reason",
    "zone_source",
];

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
        let w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut table = Table { w };
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

/// One row per applicant, sorted by applicant id.
pub fn assignments_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut w = Table::new(ASSIGNMENTS_HEADER);
    for ((a, p), zone) in scenario
        .applicants
        .iter()
        .zip(&outcome.placements)
        .zip(&outcome.zone_of)
    {
        let zone = zone.map_or("", |z| scenario.zones[z as usize].id.as_str());
        w.row([
            a.id.as_str(),
            a.level.as_str(),
            p.school.map_or("", |s| scenario.school(s).id.as_str()),
            p.stage.as_str(),
            zone,
            &p.distance_m.map_or(String::new(), |d| format!("{d:.1}")),
            &a.priority.to_string(),
            &p.ticket.to_hex(),
            &p.class_no.map_or(String::new(), |c| c.to_string()),
            p.reason.map_or("", |r| r.as_str()),
            match (zone, a.zone) {
                ("", _) => "",
                (_, Some(_)) => "registry",
                (_, None) => "home",
            },
        ]);
    }
    w.finish()
}

/// One row per school, sorted by school id.
pub fn schools_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut w = Table::new([
        "school_id",
        "name",
        "level",
        "sector",
        "classes",
        "class_cap",
        "capacity",
        "applicants",
        "admitted",
        "admitted_fallback",
        "classes_opened",
        "largest_class",
        "vacancies",
        "oversubscribed",
        "cutoff_priority",
        "cutoff_ticket",
    ]);
    for (s, r) in scenario.schools.iter().zip(&outcome.schools) {
        w.row([
            s.id.as_str(),
            s.name.as_str(),
            s.level.as_str(),
            s.sector.as_str(),
            &s.classes.to_string(),
            &s.cap.to_string(),
            &s.capacity.to_string(),
            &r.applicants.to_string(),
            &r.admitted.to_string(),
            &r.admitted_fallback.to_string(),
            &r.classes_opened.to_string(),
            &r.largest_class.to_string(),
            &s.capacity.saturating_sub(r.admitted).to_string(),
            if r.oversubscribed { "true" } else { "false" },
            &r.cutoff.map_or(String::new(), |k| k.priority.to_string()),
            &r.cutoff.map_or(String::new(), |k| k.ticket.to_hex()),
        ]);
    }
    w.finish()
}

fn stage_rank(stage: Stage) -> u8 {
    match stage {
        Stage::PrivateLottery => 0,
        Stage::Zone | Stage::Nearest => 1,
        _ => 2,
    }
}

/// Header of `lottery.csv`: the spec's seven columns, then `seats` (seats at
/// the start of the draw), `choice` (the school's place on the applicant's
/// list; empty in the fallback) and `draw_id` (the id the ticket was drawn
/// for: the applicant id, or `group:<id>`).
pub const LOTTERY_HEADER: [&str; 10] = [
    "label",
    "school_id",
    "applicant_id",
    "priority",
    "ticket",
    "rank",
    "admitted",
    "seats",
    "choice",
    "draw_id",
];

/// Every draw: for each school and label, every applicant who applied, in
/// (priority, ticket) order; then the district-wide fallback order per level
/// (empty `school_id`). `priority` is the one drawn with (a group's best).
pub fn lottery_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut w = Table::new(LOTTERY_HEADER);
    let mut draws: Vec<_> = outcome.draws.iter().collect();
    draws.sort_by_key(|d| {
        (
            stage_rank(d.stage),
            d.draw.school.map(|s| scenario.school(s).id.as_bytes()),
        )
    });
    // Written field by field without allocating: this file has a row for
    // every application and is the largest output at city scale.
    let mut numbers = [
        itoa::Buffer::new(),
        itoa::Buffer::new(),
        itoa::Buffer::new(),
        itoa::Buffer::new(),
    ];
    let mut hex = [0u8; 64];
    for d in draws {
        let school = d.draw.school.map_or("", |s| scenario.school(s).id.as_str());
        let mut rank = 0u32;
        for e in &d.draw.entries {
            let unit = &outcome.units[e.unit as usize];
            e.key.ticket.hex_into(&mut hex);
            for &m in &unit.members {
                rank += 1;
                let [priority, rank_text, seats, choice] = &mut numbers;
                let fields: [&[u8]; 10] = [
                    d.draw.label.as_bytes(),
                    school.as_bytes(),
                    scenario.applicant(m).id.as_bytes(),
                    priority.format(e.key.priority).as_bytes(),
                    &hex,
                    rank_text.format(rank).as_bytes(),
                    if e.admitted { b"true" } else { b"false" },
                    seats.format(d.draw.seats).as_bytes(),
                    e.choice.map_or(&b""[..], |c| choice.format(c).as_bytes()),
                    unit.draw_id.as_bytes(),
                ];
                w.row(fields);
            }
        }
    }
    w.finish()
}
