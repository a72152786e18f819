//! The records of a round's run folder (spec §6): `manifest.json`,
//! `summary.json`, `assignments.csv`, `schools.csv`, `lottery.csv`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{spelled, tenths, Keyed, Record};
use crate::balance::Balance;
use crate::lottery::Ticket;
use crate::round::Stage;
use crate::scenario::{FallbackRule, GroupPolicy, Level, Rule, Sector, TieBreaking};
use crate::stages::Reason;

/// `manifest.json`: tool version, seed, and the SHA-256 of every input and
/// output file, so `verify` can tell a run folder from a tampered one. The
/// senior round writes it too, with `command` and without the round's
/// provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `catchment`.
    pub tool: String,
    /// The command, when not `run` (`senior`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The version that wrote the folder.
    pub version: String,
    /// The lottery seed.
    pub seed: String,
    /// SHA-256 of the seed.
    pub seed_commitment: String,
    /// What only a round of `run` records (absent in a senior manifest).
    #[serde(flatten)]
    pub round: Option<RoundProvenance>,
    /// Input file name → SHA-256, in the order they were read.
    pub inputs: Keyed<String>,
    /// Output file name → SHA-256, in the order they were written.
    pub outputs: Keyed<String>,
}

/// The part of the manifest only a round of `run` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundProvenance {
    /// The commitment `policy.toml` published (`null` when none).
    pub published_seed_commitment: Option<String>,
    /// How the inputs were read; absent in manifests written before it
    /// existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_as: Option<ReadAs>,
    /// The optional outputs asked for (`--csv-bom`, `--xlsx`, `--lines`);
    /// absent when none was, so `verify` renders the same files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_as: Option<WrittenAs>,
}

/// The optional outputs of `run`, recorded in the manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenAs {
    /// The CSV files start with a UTF-8 byte-order mark (for Excel).
    #[serde(default)]
    pub csv_bom: bool,
    /// `assignments.xlsx` and `schools.xlsx` were written.
    #[serde(default)]
    pub xlsx: bool,
    /// `assignment_lines.geojson` was written.
    #[serde(default)]
    pub lines: bool,
}

/// How the inputs were read, so `verify` can name the flags a run was
/// made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadAs {
    /// Coordinate system (`wgs84`, `gcj02`, `bd09`).
    pub crs: String,
    /// Text encoding (`utf-8`, `gbk`).
    pub encoding: String,
    /// CSV field separator (`;`, `|`, `tab`) when not a comma; absent for
    /// a comma, so manifests of comma files stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `true` when zone geometry was repaired (`--repair`); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repair: bool,
}

/// `summary.json`: counts per stage and level, distances, unplaced with
/// reasons, the seed and its commitment, and the balance indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Always `catchment`.
    pub tool: String,
    /// The version that wrote the folder.
    pub version: String,
    /// The lottery seed.
    pub seed: String,
    /// SHA-256 of the seed.
    pub seed_commitment: String,
    /// The commitment `policy.toml` published (`null` when none).
    pub published_seed_commitment: Option<String>,
    /// The rules the round ran under.
    pub policy: PolicySummary,
    /// Both levels together.
    pub totals: Totals,
    /// Per level (`primary`, then `junior`).
    pub levels: Keyed<LevelSummary>,
    /// Warnings of loading and of the round.
    pub warnings: usize,
    /// Balance indicators (spec §5).
    pub balance: Balance,
}

/// The policy as the summary records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// Public allocation rule.
    pub rule: Rule,
    /// Single or multiple tie-breaking.
    pub tie_breaking: TieBreaking,
    /// Group policy.
    pub groups: GroupPolicy,
    /// Fallback rule.
    pub fallback: FallbackRule,
    /// Farthest fallback placement, metres.
    pub max_distance_m: Option<f64>,
}

/// Applicants, placed and unplaced, both levels together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Applicants.
    pub applicants: u64,
    /// Placed in some stage.
    pub placed: u64,
    /// Left without a seat.
    pub unplaced: u64,
}

/// One level of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    /// Applicants of the level.
    pub applicants: u64,
    /// Schools of the level.
    pub schools: u64,
    /// Seats by sector.
    pub seats: Seats,
    /// Applicants per seat, to 0.001 (`null` without seats).
    pub demand_over_seats: Option<f64>,
    /// Applicants placed by each stage (every stage, in output order).
    pub stages: Keyed<u64>,
    /// Schools that turned someone away.
    pub oversubscribed_schools: u64,
    /// Groups (twins, siblings) of more than one.
    pub groups_drawn_together: u64,
    /// Groups whose members ended at different schools.
    pub groups_split: u64,
    /// Distances of the placed (`null` when nobody was placed).
    pub distance_m: Option<DistanceStats>,
    /// The unplaced and why.
    pub unplaced: Unplaced,
}

/// Seats by sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Seats {
    /// Private seats.
    pub private: u64,
    /// Public seats.
    pub public: u64,
}

/// Distance statistics in metres, rounded to 0.1 m.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DistanceStats {
    /// Mean.
    pub mean: f64,
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// 90th percentile, nearest rank.
    pub p90: f64,
    /// Longest.
    pub max: f64,
}

/// The unplaced of a level.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Unplaced {
    /// How many.
    pub count: u64,
    /// How many for each reason, by reason.
    pub reasons: BTreeMap<String, u64>,
}

/// One row of `assignments.csv`: an applicant's outcome, sorted by
/// applicant id. The spec's ten columns (§6), then `zone_source`:
/// `registry` when the zone came from the applicant's `zone` column, `home`
/// when from the point-in-zone lookup, empty without a zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentRow<'a> {
    /// Applicant id.
    pub applicant_id: Cow<'a, str>,
    /// Level.
    #[serde(with = "spelled")]
    pub level: Level,
    /// School placed at (empty when unplaced).
    pub school_id: Option<Cow<'a, str>>,
    /// The stage that placed it, or `unplaced`.
    #[serde(with = "spelled")]
    pub stage: Stage,
    /// Its zone, if any.
    pub zone_id: Option<Cow<'a, str>>,
    /// Metres from home to the school, to 0.1 m.
    #[serde(with = "tenths")]
    pub distance_m: Option<f64>,
    /// Its own priority tier.
    pub priority: u32,
    /// Its public ticket.
    #[serde(with = "spelled")]
    pub ticket: Ticket,
    /// Class number at the school.
    pub class_no: Option<u32>,
    /// Why it is unplaced.
    #[serde(with = "spelled::option")]
    pub reason: Option<Reason>,
    /// `registry` or `home` (empty without a zone).
    pub zone_source: Option<Cow<'a, str>>,
}

impl Record for AssignmentRow<'static> {
    const HEADER: &'static [&'static str] = &[
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
}

/// One row of `schools.csv`, sorted by school id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolRow<'a> {
    /// School id.
    pub school_id: Cow<'a, str>,
    /// Name.
    pub name: Cow<'a, str>,
    /// Level.
    #[serde(with = "spelled")]
    pub level: Level,
    /// Sector.
    #[serde(with = "spelled")]
    pub sector: Sector,
    /// WGS84 longitude, degrees (as read, after any `--crs` conversion).
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Classes.
    pub classes: u32,
    /// Class size limit.
    pub class_cap: u32,
    /// Seats.
    pub capacity: u32,
    /// Applicants who listed it or were zoned to it.
    pub applicants: u32,
    /// Admitted.
    pub admitted: u32,
    /// Of which placed by the district fallback.
    pub admitted_fallback: u32,
    /// Classes opened.
    pub classes_opened: u32,
    /// Pupils in its largest class.
    pub largest_class: u32,
    /// Seats left.
    pub vacancies: u32,
    /// Whether it turned someone away.
    pub oversubscribed: bool,
    /// The last admitted's priority when oversubscribed.
    pub cutoff_priority: Option<u32>,
    /// The last admitted's ticket when oversubscribed.
    #[serde(with = "spelled::option")]
    pub cutoff_ticket: Option<Ticket>,
}

impl Record for SchoolRow<'static> {
    const HEADER: &'static [&'static str] = &[
        "school_id",
        "name",
        "level",
        "sector",
        "lon",
        "lat",
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
    ];
}

/// One row of `lottery.csv`: an applicant in a draw. The spec's seven
/// columns, then `seats` (seats at the start of the draw), `choice` (the
/// school's place on the applicant's list; empty in the fallback) and
/// `draw_id` (the id the ticket was drawn for: the applicant id, or
/// `group:<id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotteryRow<'a> {
    /// Ticket label (`public`, `public:<school>`, `private:<school>`, …).
    pub label: Cow<'a, str>,
    /// School (empty for the district-wide fallback order).
    pub school_id: Cow<'a, str>,
    /// Applicant id.
    pub applicant_id: Cow<'a, str>,
    /// Priority drawn with (a group's best).
    pub priority: u32,
    /// Ticket.
    #[serde(with = "spelled")]
    pub ticket: Ticket,
    /// Rank in (priority, ticket) order, from 1.
    pub rank: u32,
    /// Whether it held a seat at the end of the stage.
    pub admitted: bool,
    /// Seats at the start of the draw.
    pub seats: u32,
    /// Place of the school on the applicant's list.
    pub choice: Option<u32>,
    /// The id the ticket was drawn for.
    pub draw_id: Cow<'a, str>,
}

impl Record for LotteryRow<'static> {
    const HEADER: &'static [&'static str] = &[
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
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::output::records) fn assignment() -> AssignmentRow<'static> {
        AssignmentRow {
            applicant_id: "A1".into(),
            level: Level::Primary,
            school_id: Some("S1".into()),
            stage: Stage::Zone,
            zone_id: None,
            distance_m: Some(1234.25),
            priority: 1,
            ticket: Ticket([7; 32]),
            class_no: Some(2),
            reason: None,
            zone_source: None,
        }
    }

    pub(in crate::output::records) fn school() -> SchoolRow<'static> {
        SchoolRow {
            school_id: "S1".into(),
            name: "North, \"Primary\"".into(),
            level: Level::Junior,
            sector: Sector::Private,
            lon: 116.391305,
            lat: 39.907333,
            classes: 2,
            class_cap: 45,
            capacity: 90,
            applicants: 100,
            admitted: 90,
            admitted_fallback: 0,
            classes_opened: 2,
            largest_class: 45,
            vacancies: 0,
            oversubscribed: true,
            cutoff_priority: Some(2),
            cutoff_ticket: Some(Ticket([255; 32])),
        }
    }

    pub(in crate::output::records) fn lottery() -> LotteryRow<'static> {
        LotteryRow {
            label: "public".into(),
            school_id: "".into(),
            applicant_id: "A1".into(),
            priority: 1,
            ticket: Ticket([0; 32]),
            rank: 3,
            admitted: false,
            seats: 10,
            choice: None,
            draw_id: "group:h1".into(),
        }
    }

    #[test]
    fn distances_keep_the_spec_formatting() {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        w.serialize(assignment()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        // `{:.1}` rounds the exact value half to even: 1234.25 → 1234.2.
        assert!(text.contains(",1234.2,"), "{text}");
    }
}
