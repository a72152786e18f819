//! The files of `catchment propose-zones`: `proposed-zones.geojson` (spec
//! §1, ready for `compare --zones` and `run`), `zones.csv`, `summary.json`,
//! `proposed.html` ([`crate::html::proposed`]) and, with `--pool`,
//! `pools.csv` (the multi-school zones made, why, and at what distance).
//!
//! Rows and features are sorted by id and numbers formatted explicitly, so
//! the bytes depend only on the inputs and the options.

use serde_json::{json, Value};

use crate::compare::{self, Side};
use crate::output::{OutputFile, Table};
use crate::round::Stage;
use crate::scenario::{Level, Scenario, Zone};

use super::{LevelProposal, Proposal};

/// The method, as `summary.json` and the page say it.
pub const METHOD: &str = "capacitated min-cost flow of pupils to schools (the lower bound, no contiguity); \
units to the school that took most of their pupils; contiguity repair: empty units to the nearest labelled unit, \
each zone cut to the units connected to its school's, the rest grown from zone borders cheapest first; \
local search of single-unit moves with connectivity checks; \
capacity repair: an overloaded zone pushes its overload towards the nearest spare seats in the graph of \
neighbouring zones (a preflow: zones it puts over push in turn), else along ejection chains of border units \
through full zones, each step making the push or chain that costs least distance per pupil of excess removed \
(a path of units that would cut its zone takes the cut-off piece along); a push or chain that does not lower \
the total excess is undone; local search again for distance; while zones stay over capacity, square cells on \
the borders between the overloaded zones and the nearest spare seats are quartered (up to three levels) and the \
repair run again; zones dissolved with geo's boolean union (polygons oriented first)";

/// The today and proposed rounds, for the figures.
#[derive(Clone, Copy)]
pub struct Rounds<'a> {
    /// The round on today's map (when the scenario has zones).
    pub today: Option<Side<'a>>,
    /// The round on the proposed map.
    pub proposed: Side<'a>,
}

/// Every output file, in a fixed order.
pub fn files(scenario: &Scenario, proposal: &Proposal, rounds: Rounds) -> Vec<OutputFile> {
    let summary = summary(scenario, proposal, rounds);
    let mut files = vec![
        OutputFile {
            name: "proposed-zones.geojson",
            bytes: geojson(scenario, &proposal.zones()),
        },
        OutputFile {
            name: "zones.csv",
            bytes: zones_csv(scenario, proposal),
        },
        OutputFile {
            name: "summary.json",
            bytes: pretty(&summary),
        },
        OutputFile {
            name: "proposed.html",
            bytes: crate::html::proposed::page(scenario, proposal, rounds, &summary),
        },
    ];
    if proposal.options.pool {
        files.push(OutputFile {
            name: "pools.csv",
            bytes: pools_csv(scenario, proposal),
        });
    }
    files
}

/// `pools.csv`: one row per multi-school zone made by `--pool`, by id:
/// `pool_id,level,schools,members,overflow,spare,sent_before,sent_after,
/// mean_distance_before_m,mean_distance_after_m,distance_cost_m`.
/// `overflow` is why (children the first member's school turned away),
/// `sent_*` what it did (the level's children the round sent to district
/// placement or left unplaced, before and after it; children placed by the
/// private lottery are not counted), `distance_cost_m` the change of the
/// level's mean distance it caused.
pub fn pools_csv(scenario: &Scenario, proposal: &Proposal) -> Vec<u8> {
    let mut t = Table::new([
        "pool_id",
        "level",
        "schools",
        "members",
        "overflow",
        "spare",
        "sent_before",
        "sent_after",
        "mean_distance_before_m",
        "mean_distance_after_m",
        "distance_cost_m",
    ]);
    let mut pools: Vec<_> = proposal.pools().collect();
    pools.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    for p in pools {
        let schools: Vec<&str> = p.schools.iter().map(|&s| scenario.school(s).id.as_str()).collect();
        t.row([
            p.id.clone(),
            p.level.as_str().to_string(),
            schools.join(";"),
            p.members.join(";"),
            p.overflow.to_string(),
            p.spare.to_string(),
            p.sent_before.to_string(),
            p.sent_after.to_string(),
            opt(p.mean_distance_before_m, 1),
            opt(p.mean_distance_after_m, 1),
            opt(distance_cost(p), 1),
        ]);
    }
    t.finish()
}

/// The change of the level's mean distance a pool caused, metres.
pub fn distance_cost(p: &super::pool::Pool) -> Option<f64> {
    Some(p.mean_distance_after_m? - p.mean_distance_before_m?)
}

fn pool_json(scenario: &Scenario, p: &super::pool::Pool) -> Value {
    json!({
        "id": p.id,
        "level": p.level.as_str(),
        "schools": p.schools.iter().map(|&s| scenario.school(s).id.as_str()).collect::<Vec<_>>(),
        "members": p.members,
        "why": format!(
            "zone {} turned {} children away in the zone stage; {} spare seats in {}",
            p.members[0],
            p.overflow,
            p.spare,
            p.members[1..].join(", ")
        ),
        "overflow": p.overflow,
        "spare": p.spare,
        "sent_before": p.sent_before,
        "sent_after": p.sent_after,
        "mean_distance_before_m": p.mean_distance_before_m.map(round1),
        "mean_distance_after_m": p.mean_distance_after_m.map(round1),
        "distance_cost_m": distance_cost(p).map(round1),
    })
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Rings as GeoJSON positions.
fn polygon_coords(p: &geo::Polygon<f64>) -> Value {
    let ring = |r: &geo::LineString<f64>| Value::Array(r.coords().map(|c| json!([c.x, c.y])).collect());
    Value::Array(std::iter::once(p.exterior()).chain(p.interiors()).map(ring).collect())
}

/// The map as a GeoJSON FeatureCollection, zones in id order.
pub fn geojson(scenario: &Scenario, zones: &[Zone]) -> Vec<u8> {
    let features: Vec<Value> = zones
        .iter()
        .map(|z| {
            let geometry = if z.area.0.len() == 1 {
                json!({"type": "Polygon", "coordinates": polygon_coords(&z.area.0[0])})
            } else {
                json!({"type": "MultiPolygon", "coordinates": z.area.0.iter().map(polygon_coords).collect::<Vec<_>>()})
            };
            let schools: Vec<&str> = z.schools.iter().map(|&s| scenario.school(s).id.as_str()).collect();
            json!({
                "type": "Feature",
                "properties": {"id": z.id, "level": z.level.as_str(), "schools": schools},
                "geometry": geometry,
            })
        })
        .collect();
    let mut bytes = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or(String::new(), |v| format!("{v:.decimals$}"))
}

/// `zones.csv`: `zone_id,school_id,seats,demand,mean_distance_m,share_nearest`,
/// then `level,cap,units`; one row per proposed zone, by id.
pub fn zones_csv(scenario: &Scenario, proposal: &Proposal) -> Vec<u8> {
    let mut t = Table::new([
        "zone_id",
        "school_id",
        "seats",
        "demand",
        "mean_distance_m",
        "share_nearest",
        "level",
        "cap",
        "units",
    ]);
    let mut zones: Vec<_> = proposal.levels.iter().flat_map(|l| &l.zones).collect();
    zones.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    for z in zones {
        t.row([
            z.id.clone(),
            scenario.school(z.school).id.clone(),
            z.seats.to_string(),
            z.demand.to_string(),
            opt(z.mean_distance_m, 1),
            opt(z.share_nearest, 4),
            z.level.as_str().to_string(),
            z.cap.to_string(),
            z.units.to_string(),
        ]);
    }
    t.finish()
}

/// Round figures of one level: mean distance, children sent to district
/// placement, unplaced, oversubscribed schools.
pub fn round_figures(side: Side, level: Level) -> Value {
    let f = compare::figures(side, Some(level));
    let fallback = side
        .scenario
        .applicants
        .iter()
        .zip(&side.outcome.placements)
        .filter(|(a, p)| a.level == level && p.stage == Stage::Fallback)
        .count();
    let zone = side
        .scenario
        .applicants
        .iter()
        .zip(&side.outcome.placements)
        .filter(|(a, p)| a.level == level && p.stage == Stage::Zone)
        .count();
    json!({
        "applicants": f.applicants,
        "distance_m": f.distance,
        "placed_in_zone": zone,
        "district_placement": fallback,
        "unplaced": f.applicants_unplaced,
        "schools_oversubscribed": f.schools_oversubscribed,
    })
}

fn gap(objective: f64, bound: f64) -> Value {
    if bound > 0.0 {
        json!((objective - bound) / bound)
    } else {
        Value::Null
    }
}

fn level_json(l: &LevelProposal, rounds: Rounds) -> Value {
    let pooling = l.pooling.as_ref().map(|p| {
        json!({
            "pools": p.pools.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            "sent_unpooled": p.sent_unpooled,
            "sent_pooled": p.sent_pooled,
            "mean_distance_unpooled_m": p.mean_distance_unpooled_m.map(round1),
            "mean_distance_pooled_m": p.mean_distance_pooled_m.map(round1),
            "rounds_run": p.trials,
        })
    });
    let pupils = l.pupils as f64;
    json!({
        "level": l.level.as_str(),
        "zones": l.zones.len(),
        "units": l.units,
        "applicants": l.applicants,
        "pupils_zoned": l.pupils,
        "homes_outside_area": l.homes_outside,
        "homes_unreached": l.homes_unreached,
        "total_distance_m": round1(l.total_distance_m),
        "mean_distance_m": (pupils > 0.0).then(|| round1(l.total_distance_m / pupils)),
        "objective_m": round1(l.objective_m),
        "lower_bound_m": round1(l.lower_bound_m),
        "gap_m": round1(l.objective_m - l.lower_bound_m),
        "gap": gap(l.objective_m, l.lower_bound_m),
        "excess_pupils": l.excess,
        "shortfall_spread": l.shortfall_spread,
        "moved": l.moved.map(|(p, h)| json!({"pupils": p, "households": h})),
        "move_cost_sweep": l.sweep,
        "round": {
            "today": rounds.today.map(|s| round_figures(s, l.level)),
            "proposed": round_figures(rounds.proposed, l.level),
        },
        "pooling": pooling,
        "notes": l.notes,
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `summary.json`.
pub fn summary(scenario: &Scenario, proposal: &Proposal, rounds: Rounds) -> Value {
    let o = &proposal.options;
    let total: f64 = proposal.levels.iter().map(|l| l.total_distance_m).sum();
    let objective: f64 = proposal.levels.iter().map(|l| l.objective_m).sum();
    let bound: f64 = proposal.levels.iter().map(|l| l.lower_bound_m).sum();
    let changes = rounds.today.map(|today| {
        let pairs = compare::pairs(today.scenario, rounds.proposed.scenario);
        let (apps, households, _) = compare::change_counts(today, rounds.proposed, &pairs, None);
        json!({"applicants": apps, "households": households})
    });
    json!({
        "command": "propose-zones",
        "seed": scenario.policy.seed,
        "method": METHOD,
        "options": {
            "levels": proposal.levels.iter().map(|l| l.level.as_str()).collect::<Vec<_>>(),
            "unit_m": o.unit_m,
            "grid": if o.units.is_some() { "blocks" } else { o.shape.as_str() },
            "units_file": o.units.as_ref().map(|u| u.path.file_name().map(|n| n.to_string_lossy().to_string())),
            "slack": o.slack,
            "move_cost_m": o.move_cost_m,
            "pool": o.pool,
        },
        "total_distance_m": round1(total),
        "objective_m": round1(objective),
        "lower_bound_m": round1(bound),
        "gap_m": round1(objective - bound),
        "gap": gap(objective, bound),
        "levels": proposal.levels.iter().map(|l| level_json(l, rounds)).collect::<Vec<_>>(),
        "carried_zones": proposal.carried.iter().map(|z| z.id.as_str()).collect::<Vec<_>>(),
        "round_changes_school": changes,
        "pools": o.pool.then(|| proposal.pools().map(|p| pool_json(scenario, p)).collect::<Vec<_>>()),
    })
}
