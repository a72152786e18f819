//! The checker's own reading of spec §2–§4: units drawn together, tickets,
//! distances and zones, and the row-by-row checks they allow.

use geo::{BoundingRect, Intersects, Point, Rect};
use sha2::{Digest, Sha256};

use super::{Audit, Row};
use crate::scenario::{AppIdx, GroupPolicy, Level, Rule, Scenario, SchoolIdx, Sector, TieBreaking};

/// Mean Earth radius of spec §2, metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Who is drawn as one (spec §4 "Groups"): members sorted by id.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub members: Vec<usize>,
    pub priority: u32,
    pub draw_id: String,
    pub level: Level,
}

impl Unit {
    /// The member whose home, zone and choices stand for the unit.
    pub fn rep(&self) -> usize {
        self.members[0]
    }
}

/// Everything the checks share, derived from the scenario and the rows.
pub(super) struct Facts<'a> {
    pub scenario: &'a Scenario,
    /// Each applicant's row.
    pub rows: Vec<&'a Row>,
    /// Each applicant's school, as the row names it (when it exists).
    pub school_of: Vec<Option<usize>>,
    pub units: Vec<Unit>,
    pub unit_of: Vec<usize>,
    /// Each applicant's zone by spec §4 (rule `zone` only).
    pub zone: Vec<Option<usize>>,
    /// The public schools of each level (by [`Level::index`]), in index
    /// order.
    pub public: [Vec<usize>; 2],
}

impl<'a> Facts<'a> {
    pub fn new(scenario: &'a Scenario, rows: &[&'a Row]) -> Self {
        let school_of = rows
            .iter()
            .map(|r| {
                r.school_id
                    .as_deref()
                    .and_then(|id| scenario.school_index(id))
                    .map(|s| s.index())
            })
            .collect();
        let (units, unit_of) = units(scenario);
        let zone = if scenario.policy.rule == Rule::Zone {
            zones_of(scenario)
        } else {
            vec![None; scenario.applicants.len()]
        };
        Facts {
            scenario,
            rows: rows.to_vec(),
            school_of,
            units,
            unit_of,
            zone,
            public: Level::ALL.map(|level| super::public_schools(scenario, level)),
        }
    }

    /// Metres from an applicant's home to a school; `None` when the
    /// distance matrix has no such pair.
    pub fn distance(&self, applicant: usize, school: usize) -> Option<f64> {
        match &self.scenario.matrix {
            Some(m) => m.get(AppIdx(applicant as u32), SchoolIdx(school as u32)),
            None => {
                let (a, s) = (&self.scenario.applicants[applicant], &self.scenario.schools[school]);
                Some(haversine(a.lon, a.lat, s.lon, s.lat))
            }
        }
    }

    /// Metres from a unit's home (its representative's) to a school.
    pub fn unit_distance(&self, unit: usize, school: usize) -> Option<f64> {
        self.distance(self.units[unit].rep(), school)
    }

    /// A unit's key at a school under a label: (priority, ticket).
    pub fn key(&self, unit: usize, label: &str) -> (u32, String) {
        let u = &self.units[unit];
        (u.priority, ticket(&self.scenario.policy.seed, label, &u.draw_id))
    }

    /// The public label at a school (spec §3).
    pub fn public_label(&self, school: usize) -> String {
        match self.scenario.policy.tie_breaking {
            TieBreaking::Single => "public".to_string(),
            TieBreaking::Multiple => format!("public:{}", self.scenario.schools[school].id),
        }
    }

    /// An applicant's stage as its row gives it.
    pub fn stage(&self, applicant: usize) -> &str {
        self.rows[applicant].stage.as_str()
    }
}

/// Great-circle distance on the sphere of spec §2.
pub(super) fn haversine(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// Lowercase hex SHA-256 of `seed \n label \n id` (spec §3).
pub(super) fn ticket(seed: &str, label: &str, id: &str) -> String {
    hex::encode(Sha256::digest(format!("{seed}\n{label}\n{id}").as_bytes()))
}

fn units(scenario: &Scenario) -> (Vec<Unit>, Vec<usize>) {
    let mut groups: std::collections::BTreeMap<(Level, &str), Vec<usize>> = Default::default();
    let mut units = Vec::new();
    for (i, a) in scenario.applicants.iter().enumerate() {
        match (&a.group, scenario.policy.groups) {
            (Some(g), GroupPolicy::Together) => groups.entry((a.level, g.as_str())).or_default().push(i),
            _ => units.push((vec![i], None)),
        }
    }
    for ((_, g), members) in groups {
        let group = (members.len() > 1).then(|| format!("group:{g}"));
        units.push((members, group));
    }
    let mut out: Vec<Unit> = units
        .into_iter()
        .map(|(mut members, group)| {
            members.sort_by(|&x, &y| {
                scenario.applicants[x]
                    .id
                    .as_bytes()
                    .cmp(scenario.applicants[y].id.as_bytes())
            });
            let rep = &scenario.applicants[members[0]];
            Unit {
                priority: members
                    .iter()
                    .map(|&m| scenario.applicants[m].priority)
                    .min()
                    .unwrap_or(1),
                draw_id: group.unwrap_or_else(|| rep.id.clone()),
                level: rep.level,
                members,
            }
        })
        .collect();
    out.sort_by(|x, y| {
        scenario.applicants[x.rep()]
            .id
            .as_bytes()
            .cmp(scenario.applicants[y.rep()].id.as_bytes())
    });
    let mut unit_of = vec![0; scenario.applicants.len()];
    for (u, unit) in out.iter().enumerate() {
        for &m in &unit.members {
            unit_of[m] = u;
        }
    }
    (out, unit_of)
}

/// Each applicant's zone: its `zone` column, else the first zone (by id)
/// of its level whose polygons cover the home, boundary included.
fn zones_of(scenario: &Scenario) -> Vec<Option<usize>> {
    let boxes: Vec<Option<Rect<f64>>> = scenario.zones.iter().map(|z| z.area.bounding_rect()).collect();
    scenario
        .applicants
        .iter()
        .map(|a| {
            if let Some(z) = a.zone {
                return Some(z.index());
            }
            let p = Point::new(a.lon, a.lat);
            (0..scenario.zones.len()).find(|&z| {
                let zone = &scenario.zones[z];
                zone.level == a.level && boxes[z].is_some_and(|b| b.intersects(&p)) && zone.area.intersects(&p)
            })
        })
        .collect()
}

const STAGES: [&str; 6] = ["private_lottery", "zone", "nearest", "optimal", "fallback", "unplaced"];

/// Row by row: stage and school agree, the ticket is the one spec §3 gives
/// for the stage, the priority is the applicant's own, `zone_id` is the
/// zone spec §4 gives, `distance_m` is the metres to the school.
pub(super) fn check_tickets_and_zones(facts: &Facts, audit: &mut Audit) {
    let sc = facts.scenario;
    for (a, r) in facts.rows.iter().enumerate() {
        let id = Some(r.applicant_id.as_str());
        let applicant = &sc.applicants[a];
        if !STAGES.contains(&r.stage.as_str()) {
            audit.add(id, None, format!("stage {:?} is not a stage of spec §6", r.stage));
            continue;
        }
        let school = facts.school_of[a];
        match (&r.school_id, school) {
            (Some(s), None) => audit.add(id, Some(s), "school not in schools.csv"),
            (None, None) if r.stage != "unplaced" => audit.add(id, None, format!("stage {} without a school", r.stage)),
            (_, Some(s)) if r.stage == "unplaced" => audit.add(id, Some(&sc.schools[s].id), "unplaced with a school"),
            _ => {}
        }
        if let Some(s) = school {
            let want = if r.stage == "private_lottery" {
                Sector::Private
            } else {
                Sector::Public
            };
            let school = &sc.schools[s];
            if school.sector != want || school.level != applicant.level {
                audit.add(
                    id,
                    Some(&school.id),
                    format!(
                        "a {} {} school cannot place it at stage {}",
                        school.level.as_str(),
                        school.sector.as_str(),
                        r.stage
                    ),
                );
            }
        }
        let label = match (r.stage.as_str(), school) {
            ("private_lottery", Some(s)) => format!("private:{}", sc.schools[s].id),
            ("zone" | "nearest", Some(s)) => facts.public_label(s),
            _ => "public".to_string(),
        };
        let (_, want) = facts.key(facts.unit_of[a], &label);
        if r.ticket != want {
            audit.add(
                id,
                r.school_id.as_deref(),
                format!(
                    "ticket {} is not SHA-256(seed, {label:?}, {:?})",
                    r.ticket, facts.units[facts.unit_of[a]].draw_id
                ),
            );
        }
        if r.priority != applicant.priority {
            audit.add(
                id,
                None,
                format!("priority {}, expected its own tier {}", r.priority, applicant.priority),
            );
        }
        let want_zone = facts.zone[a].map(|z| sc.zones[z].id.as_str());
        if r.zone_id.as_deref() != want_zone {
            audit.add(
                id,
                None,
                format!(
                    "zone_id {}, expected {}",
                    super::shown(r.zone_id.as_deref()),
                    super::shown(want_zone)
                ),
            );
        }
        match (school, r.distance_m) {
            (Some(s), Some(d)) => {
                let own = facts
                    .distance(a, s)
                    .or_else(|| facts.unit_distance(facts.unit_of[a], s));
                if let Some(own) = own {
                    if (own - d).abs() > 0.051 {
                        audit.add(
                            id,
                            Some(&sc.schools[s].id),
                            format!("distance_m {d}, expected {own:.1}"),
                        );
                    }
                }
            }
            // A distance matrix may hold no pair for a private school's
            // admission: the distance is unknown, and the cell empty.
            (Some(s), None) => {
                if facts
                    .distance(a, s)
                    .or_else(|| facts.unit_distance(facts.unit_of[a], s))
                    .is_some()
                {
                    audit.add(id, Some(&sc.schools[s].id), "placed without a distance_m")
                }
            }
            (None, Some(_)) => audit.add(id, None, "unplaced with a distance_m"),
            (None, None) => {}
        }
        let reason_ok = match school {
            Some(_) => r.reason.is_none(),
            None => matches!(
                r.reason.as_deref(),
                Some("no_capacity" | "no_seat_within_limit" | "fallback_none")
            ),
        };
        if !reason_ok {
            audit.add(
                id,
                None,
                format!(
                    "reason {} does not fit stage {}",
                    super::shown(r.reason.as_deref()),
                    r.stage
                ),
            );
        }
    }
}
