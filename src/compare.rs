//! `catchment compare`: the same round under two catchment maps (or any
//! two scenarios with the same applicants), side by side.
//!
//! Both rounds are ordinary rounds ([`crate::round::run`]); the proposed
//! zones are read through the scenario loader ([`LoadOptions::zones`]), so
//! they get the same validation as any `zones.geojson`. [`compare`] renders
//! the comparison folder's own files:
//! - `changes.csv`: one row per applicant whose outcome differs (school,
//!   stage or distance at 0.1 m), or who is in only one round; sorted by id;
//! - `schools_diff.csv`: every school, before and after;
//! - `compare_summary.json`: the figures a planner asks for first;
//! - `compare.html` ([`crate::html::compare`]): per level that changes,
//!   both maps side by side with the changed area outlined and the changed
//!   homes ringed, a per-zone table, and the summary and diff tables.
//!
//! Applicants and schools are matched by id. Like every output, the bytes
//! depend only on the two scenarios' inputs and seeds.
//!
//! [`LoadOptions::zones`]: crate::scenario::LoadOptions::zones

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use geo::{Area, BooleanOps, MultiPolygon};

use crate::output::summary::distance_stats;
use crate::output::{OutputFile, Table};
use crate::round::{Outcome, Stage};
use crate::scenario::{Level, Scenario, SchoolIdx};

/// Smallest class counted as large (大班额, 56–65).
pub const LARGE_CLASS: u32 = 56;
/// Smallest class counted as super-large (超大班额, 66 and more).
pub const SUPER_LARGE_CLASS: u32 = 66;

/// One round: a scenario and its outcome.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its outcome.
    pub outcome: &'a Outcome,
}

/// One applicant id in either round: its index before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Index in the first round's applicants.
    pub before: Option<usize>,
    /// Index in the second round's applicants.
    pub after: Option<usize>,
}

/// Figures of one round (or one level of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Applicants.
    pub applicants: u64,
    /// Placed applicants' distance statistics (`null` without any).
    pub distance: Value,
    /// Schools with an applicant turned away in their lottery stage.
    pub schools_oversubscribed: u64,
    /// Applicants without a seat.
    pub applicants_unplaced: u64,
    /// Classes of 56–65 pupils (大班额).
    pub large_classes: u64,
    /// Classes of 66 pupils or more (超大班额).
    pub super_large_classes: u64,
}

/// Applicants of both rounds matched by id, in id order.
pub fn pairs(before: &Scenario, after: &Scenario) -> Vec<Pair> {
    let (a, b) = (&before.applicants, &after.applicants);
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.id.as_bytes().cmp(y.id.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let pair = match order {
            std::cmp::Ordering::Less => Pair {
                before: Some(i),
                after: None,
            },
            std::cmp::Ordering::Greater => Pair {
                before: None,
                after: Some(j),
            },
            std::cmp::Ordering::Equal => Pair {
                before: Some(i),
                after: Some(j),
            },
        };
        i += usize::from(pair.before.is_some());
        j += usize::from(pair.after.is_some());
        out.push(pair);
    }
    out
}

/// An applicant's outcome as written: school id, stage, distance (0.1 m).
pub(crate) fn outcome_of<'a>(side: Side<'a>, a: Option<usize>) -> (&'a str, &'a str, String) {
    match a {
        None => ("", "", String::new()),
        Some(a) => {
            let p = &side.outcome.placements[a];
            (
                p.school.map_or("", |s| side.scenario.school(s).id.as_str()),
                p.stage.as_str(),
                p.distance_m.map_or(String::new(), |d| format!("{d:.1}")),
            )
        }
    }
}

/// The id and level of an applicant of either round.
pub(crate) fn id_level<'a>(before: Side<'a>, after: Side<'a>, pair: Pair) -> (&'a str, Level) {
    let app = pair
        .after
        .map(|j| &after.scenario.applicants[j])
        .or_else(|| pair.before.map(|i| &before.scenario.applicants[i]));
    // A pair always has a side; [`pairs`] makes no other.
    app.map_or(("", Level::Primary), |a| (a.id.as_str(), a.level))
}

/// True when the applicant's outcome differs between the rounds (school,
/// stage or distance as written), or it is in only one of them.
pub fn changed(before: Side, after: Side, pair: Pair) -> bool {
    outcome_of(before, pair.before) != outcome_of(after, pair.after)
}

/// True when the applicant is in both rounds and its school differs
/// (placed ↔ unplaced included).
pub fn changes_school(before: Side, after: Side, pair: Pair) -> bool {
    match (pair.before, pair.after) {
        (Some(i), Some(j)) => {
            outcome_of(before, Some(i)).0 != outcome_of(after, Some(j)).0
                || before.outcome.placements[i].school.is_none() != after.outcome.placements[j].school.is_none()
        }
        _ => false,
    }
}

/// Sizes of every class formed, per school.
fn class_sizes(side: Side) -> BTreeMap<(SchoolIdx, u32), u32> {
    let mut sizes = BTreeMap::new();
    for p in &side.outcome.placements {
        if let (Some(s), Some(c)) = (p.school, p.class_no) {
            *sizes.entry((s, c)).or_insert(0u32) += 1;
        }
    }
    sizes
}

/// The figures of a round, for one level or (`None`) all.
pub fn figures(side: Side, level: Option<Level>) -> Figures {
    let in_level = |l: Level| level.is_none_or(|x| x == l);
    let mut distances = Vec::new();
    let (mut applicants, mut unplaced) = (0, 0);
    for (a, p) in side.scenario.applicants.iter().zip(&side.outcome.placements) {
        if !in_level(a.level) {
            continue;
        }
        applicants += 1;
        unplaced += u64::from(p.stage == Stage::Unplaced);
        if let Some(d) = p.distance_m {
            distances.push(d);
        }
    }
    let (mut large, mut super_large) = (0, 0);
    for ((s, _), &n) in &class_sizes(side) {
        if in_level(side.scenario.school(*s).level) {
            large += u64::from((LARGE_CLASS..SUPER_LARGE_CLASS).contains(&n));
            super_large += u64::from(n >= SUPER_LARGE_CLASS);
        }
    }
    let oversubscribed = side
        .scenario
        .schools
        .iter()
        .zip(&side.outcome.schools)
        .filter(|(s, r)| in_level(s.level) && r.oversubscribed)
        .count() as u64;
    Figures {
        applicants,
        distance: distance_stats(&mut distances),
        schools_oversubscribed: oversubscribed,
        applicants_unplaced: unplaced,
        large_classes: large,
        super_large_classes: super_large,
    }
}

impl Figures {
    fn to_json(&self) -> Value {
        json!({
            "applicants": self.applicants,
            "distance_m": self.distance,
            "schools_oversubscribed": self.schools_oversubscribed,
            "applicants_unplaced": self.applicants_unplaced,
            "large_classes_56_65": self.large_classes,
            "super_large_classes_66_plus": self.super_large_classes,
        })
    }
}

/// Counts of applicants and households that change school, for one level
/// or (`None`) all: `(applicants, households, changed rows)`. A household
/// changes school when any of its applicants does.
pub fn change_counts(before: Side, after: Side, pairs: &[Pair], level: Option<Level>) -> (u64, u64, u64) {
    let mut households: BTreeSet<&str> = BTreeSet::new();
    let (mut applicants, mut rows) = (0, 0);
    for &pair in pairs {
        let (_, l) = id_level(before, after, pair);
        if level.is_some_and(|x| x != l) {
            continue;
        }
        rows += u64::from(changed(before, after, pair));
        if changes_school(before, after, pair) {
            applicants += 1;
            if let Some(j) = pair.after {
                households.insert(after.scenario.applicants[j].household.as_str());
            }
        }
    }
    (applicants, households.len() as u64, rows)
}

/// `compare_summary.json`.
pub fn summary_json(before: Side, after: Side, pairs: &[Pair]) -> Vec<u8> {
    let block = |level: Option<Level>| {
        let (apps, households, rows) = change_counts(before, after, pairs, level);
        json!({
            "applicants_changing_school": apps,
            "households_changing_school": households,
            "applicants_in_changes_csv": rows,
            "before": figures(before, level).to_json(),
            "after": figures(after, level).to_json(),
        })
    };
    let mut levels = serde_json::Map::new();
    for level in Level::ALL {
        levels.insert(level.as_str().to_string(), block(Some(level)));
    }
    let mut doc = block(None);
    doc["seed_before"] = before.scenario.policy.seed.clone().into();
    doc["seed_after"] = after.scenario.policy.seed.clone().into();
    doc["inputs_before"] = inputs(before.scenario);
    doc["inputs_after"] = inputs(after.scenario);
    doc["levels"] = Value::Object(levels);
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn inputs(s: &Scenario) -> Value {
    Value::Object(
        s.inputs
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone().into()))
            .collect(),
    )
}

/// Header of `changes.csv`.
pub const CHANGES_HEADER: [&str; 8] = [
    "applicant_id",
    "level",
    "school_before",
    "school_after",
    "stage_before",
    "stage_after",
    "distance_before",
    "distance_after",
];

/// `changes.csv`: the applicants whose outcome differs, sorted by id.
pub fn changes_csv(before: Side, after: Side, pairs: &[Pair]) -> Vec<u8> {
    let mut w = Table::new(CHANGES_HEADER);
    for &pair in pairs.iter().filter(|&&p| changed(before, after, p)) {
        let (id, level) = id_level(before, after, pair);
        let (s0, st0, d0) = outcome_of(before, pair.before);
        let (s1, st1, d1) = outcome_of(after, pair.after);
        w.row([id, level.as_str(), s0, s1, st0, st1, &d0, &d1]);
    }
    w.finish()
}

/// One school of either round.
pub(crate) struct SchoolPair {
    /// The school id.
    pub id: String,
    /// Its index in the first round.
    pub before: Option<usize>,
    /// Its index in the second round.
    pub after: Option<usize>,
}

/// The schools of both rounds matched by id, in id order.
pub(crate) fn school_pairs(before: &Scenario, after: &Scenario) -> Vec<SchoolPair> {
    let mut ids: BTreeMap<&str, (Option<usize>, Option<usize>)> = BTreeMap::new();
    for (i, s) in before.schools.iter().enumerate() {
        ids.entry(s.id.as_str()).or_default().0 = Some(i);
    }
    for (i, s) in after.schools.iter().enumerate() {
        ids.entry(s.id.as_str()).or_default().1 = Some(i);
    }
    ids.into_iter()
        .map(|(id, (before, after))| SchoolPair {
            id: id.to_string(),
            before,
            after,
        })
        .collect()
}

/// A school's figures in one round: capacity, admitted, utilisation (3
/// decimals, empty without seats), oversubscribed, largest class.
pub(crate) fn school_cells(side: Side, s: Option<usize>) -> [String; 5] {
    let Some(s) = s else {
        return Default::default();
    };
    let school = &side.scenario.schools[s];
    let r = &side.outcome.schools[s];
    [
        school.capacity.to_string(),
        r.admitted.to_string(),
        if school.capacity > 0 {
            format!("{:.3}", f64::from(r.admitted) / f64::from(school.capacity))
        } else {
            String::new()
        },
        r.oversubscribed.to_string(),
        r.largest_class.to_string(),
    ]
}

/// Header of `schools_diff.csv`.
pub const SCHOOLS_DIFF_HEADER: [&str; 14] = [
    "school_id",
    "name",
    "level",
    "sector",
    "capacity_before",
    "capacity_after",
    "admitted_before",
    "admitted_after",
    "utilisation_before",
    "utilisation_after",
    "oversubscribed_before",
    "oversubscribed_after",
    "largest_class_before",
    "largest_class_after",
];

/// `schools_diff.csv`: every school of either round, sorted by id.
pub fn schools_diff_csv(before: Side, after: Side) -> Vec<u8> {
    let mut w = Table::new(SCHOOLS_DIFF_HEADER);
    for sp in school_pairs(before.scenario, after.scenario) {
        let school = sp
            .after
            .map(|i| &after.scenario.schools[i])
            .or_else(|| sp.before.map(|i| &before.scenario.schools[i]));
        let Some(school) = school else { continue };
        let b = school_cells(before, sp.before);
        let a = school_cells(after, sp.after);
        let [b0, b1, b2, b3, b4] = &b;
        let [a0, a1, a2, a3, a4] = &a;
        w.row([
            sp.id.as_str(),
            school.name.as_str(),
            school.level.as_str(),
            school.sector.as_str(),
            b0,
            a0,
            b1,
            a1,
            b2,
            a2,
            b3,
            a3,
            b4,
            a4,
        ]);
    }
    w.finish()
}

/// How the page names the proposed map: the file name of `--zones`, and
/// the other scenario's folder name when `--scenario` is given
/// (`proposed.geojson`, `other/zones.geojson`, `other/proposed.geojson`).
/// File names only, so the page does not depend on where it was run.
pub fn proposed_name(zones: Option<&std::path::Path>, other: Option<&std::path::Path>) -> String {
    let name = |p: &std::path::Path| p.file_name().map_or(String::new(), |n| n.to_string_lossy().to_string());
    let file = zones.map_or("zones.geojson".to_string(), name);
    match other {
        Some(dir) => format!("{}/{file}", name(dir)),
        None => file,
    }
}

/// Every file of the comparison folder (the two run folders aside);
/// `proposed` names the proposed map (or other scenario) on the page.
pub fn compare(before: Side, after: Side, proposed: &str) -> Vec<OutputFile> {
    let pairs = pairs(before.scenario, after.scenario);
    vec![
        OutputFile {
            name: "changes.csv",
            bytes: changes_csv(before, after, &pairs),
        },
        OutputFile {
            name: "schools_diff.csv",
            bytes: schools_diff_csv(before, after),
        },
        OutputFile {
            name: "compare_summary.json",
            bytes: summary_json(before, after, &pairs),
        },
        OutputFile {
            name: "compare.html",
            bytes: crate::html::compare::page(before, after, &pairs, proposed),
        },
    ]
}

/// A zone's figures in one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZoneFigures {
    /// Applicants whose home is in the zone.
    pub applicants: u64,
    /// Seats of the zone's schools.
    pub seats: u64,
    /// Of its applicants, those placed at one of the zone's schools.
    pub placed_in_zone: u64,
}

/// One zone id of either map, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRow {
    /// Zone id.
    pub id: String,
    /// Its figures in the first round (`None`: not in that map).
    pub before: Option<ZoneFigures>,
    /// Its figures in the second round.
    pub after: Option<ZoneFigures>,
}

/// The figures of every zone of a level in one round, by zone id.
fn zone_figures(side: Side<'_>, level: Level) -> BTreeMap<&str, ZoneFigures> {
    let sc = side.scenario;
    let mut figures: Vec<ZoneFigures> = sc
        .zones
        .iter()
        .map(|z| ZoneFigures {
            seats: z.schools.iter().map(|&s| u64::from(sc.school(s).capacity)).sum(),
            ..ZoneFigures::default()
        })
        .collect();
    for (a, z) in side.outcome.zone_of.iter().enumerate() {
        let Some(z) = z else { continue };
        let f = &mut figures[z.index()];
        f.applicants += 1;
        let school = side.outcome.placements[a].school;
        f.placed_in_zone += u64::from(school.is_some_and(|s| sc.zone(*z).schools.contains(&s)));
    }
    sc.zones
        .iter()
        .zip(figures)
        .filter(|(z, _)| z.level == level)
        .map(|(z, f)| (z.id.as_str(), f))
        .collect()
}

/// Every zone of a level in either map, before and after, by id.
pub fn zone_rows(before: Side, after: Side, level: Level) -> Vec<ZoneRow> {
    let (b, a) = (zone_figures(before, level), zone_figures(after, level));
    let ids: BTreeSet<&str> = b.keys().chain(a.keys()).copied().collect();
    ids.into_iter()
        .map(|id| ZoneRow {
            id: id.to_string(),
            before: b.get(id).copied(),
            after: a.get(id).copied(),
        })
        .collect()
}

/// The area whose zone changes at a level: the union, over zone ids, of
/// the symmetric difference of the zone's old and new areas (a zone in one
/// map only counts whole). Slivers under about 10 m² (rounding where two
/// maps share an edge) are dropped.
pub fn changed_area(before: &Scenario, after: &Scenario, level: Level) -> MultiPolygon<f64> {
    let mut areas: BTreeMap<&str, [Option<&MultiPolygon<f64>>; 2]> = BTreeMap::new();
    for (k, sc) in [before, after].into_iter().enumerate() {
        for z in sc.zones.iter().filter(|z| z.level == level) {
            areas.entry(z.id.as_str()).or_default()[k] = Some(&z.area);
        }
    }
    let mut changed = MultiPolygon::<f64>::new(Vec::new());
    for [b, a] in areas.into_values() {
        let part = match (b, a) {
            (Some(b), Some(a)) if b == a => continue,
            (Some(b), Some(a)) => b.xor(a),
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (None, None) => continue,
        };
        changed = changed.union(&part);
    }
    MultiPolygon::new(changed.0.into_iter().filter(|p| p.unsigned_area() > 1e-9).collect())
}

/// True when a level's figures and every applicant's outcome are the same
/// in both rounds and no area changes zone (`changed` is the level's
/// [`changed_area`]): the page then gives the level one line.
pub fn level_unchanged(before: Side, after: Side, pairs: &[Pair], level: Level, changed: &MultiPolygon<f64>) -> bool {
    changed.0.is_empty()
        && change_counts(before, after, pairs, Some(level)).2 == 0
        && figures(before, Some(level)) == figures(after, Some(level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_proposed_map_is_named_by_file_name() {
        let zones = Path::new("/tmp/x/proposed.geojson");
        assert_eq!(proposed_name(Some(zones), None), "proposed.geojson");
        assert_eq!(proposed_name(None, Some(Path::new("/a/other"))), "other/zones.geojson");
        assert_eq!(
            proposed_name(Some(zones), Some(Path::new("other/"))),
            "other/proposed.geojson"
        );
    }
}
