//! Multi-school zones (多校划片, `propose-zones --pool`): a zone whose
//! school cannot seat all its zone's children is merged with neighbouring
//! zones that have spare seats, so that the zone stage's deferred
//! acceptance (spec §4, stage 2) seats the overflow at a neighbouring
//! school instead of sending it to district placement.
//!
//! A pool is kept only when it lowers the number of the level's children
//! sent to district placement or left unplaced (the public stages did not
//! seat them: stage `fallback` or `unplaced`, counted together), measured
//! by running the whole round ([`crate::round::run`]: zone stage plus
//! fallback) on the map with and without it; nothing here re-implements
//! the round. Candidates are taken greedily, the zone that turns most
//! children away first; a pool grows one neighbouring zone at a time while
//! that still lowers the count. At each step the [`OPTIONS_PER_STEP`]
//! neighbours with most spare seats are tried and the one with the lowest
//! count is kept; among equals, the one whose round has the lowest mean
//! home–school distance (the least distance cost), then the smallest id.
//! A pool only joins zones whose union is one polygon (they share an
//! edge), so pooled zones stay connected and, being unions of
//! non-overlapping zones, do not overlap.
//!
//! Each kept pool records why (children its first zone turned away, spare
//! seats of the others) and what it did: the count (children sent to
//! placement or left unplaced) and the level's mean distance in the round
//! before and after it. Pooling usually costs distance: inside a pool the
//! school's seats go by (priority, ticket), so a child living next to the
//! pooled school can be displaced to another school of the pool.
//!
//! "Oversubscribed" is measured in the round with the scenario's seed; the
//! number of children a zone turns away does not depend on the lottery
//! (only who), so it is the zone's chronic overflow for the same cohort.
//! At most [`MAX_TRIALS`] rounds are run per level.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use geo::{BoundingRect, Intersects, MultiPolygon};

use crate::round::{self, Stage};
use crate::scenario::{Level, Scenario, SchoolIdx};

use super::{union_of, Proposal};

/// Rounds run per level at most (each trial pool costs one round).
pub const MAX_TRIALS: usize = 48;

/// Neighbouring zones tried at each growth step of a pool (most spare
/// seats first), so that the distance tie-break has a choice.
pub const OPTIONS_PER_STEP: usize = 4;

/// A multi-school zone made by `--pool`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Its id: the level's prefix and its schools' ids joined by `+`.
    pub id: String,
    /// The level.
    pub level: Level,
    /// The proposed single-school zones merged, the oversubscribed one first.
    pub members: Vec<String>,
    /// Their schools, in the same order.
    pub schools: Vec<SchoolIdx>,
    /// Children the first member's school turned away in the zone stage
    /// before pooling (why it was pooled).
    pub overflow: u64,
    /// Seats the other members left empty in the zone stage before pooling.
    pub spare: u64,
    /// The level's children the round sent to district placement or left
    /// unplaced (the public stages did not seat them in a zone), before and
    /// after this pool.
    pub sent_before: u64,
    /// See `sent_before`.
    pub sent_after: u64,
    /// The level's mean home–school distance of placed children in the
    /// round before this pool, metres (its distance cost is after − before).
    pub mean_distance_before_m: Option<f64>,
    /// See `mean_distance_before_m`.
    pub mean_distance_after_m: Option<f64>,
    /// The merged area, WGS84.
    pub area: MultiPolygon<f64>,
}

/// What pooling did to one level.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pooling {
    /// Pools kept, by id.
    pub pools: Vec<Pool>,
    /// The level's children sent to district placement or left unplaced by
    /// the round on the unpooled and the pooled map.
    pub sent_unpooled: u64,
    /// See `sent_unpooled`.
    pub sent_pooled: u64,
    /// Mean distance of placed children in the round on the unpooled and
    /// the pooled map, metres.
    pub mean_distance_unpooled_m: Option<f64>,
    /// See `mean_distance_unpooled_m`.
    pub mean_distance_pooled_m: Option<f64>,
    /// Rounds run.
    pub trials: usize,
}

/// One round on a map, for one level: per map zone (by id) the children
/// turned away by the zone stage and the seats it left empty; the level's
/// children who left the public stages without a seat there; the mean
/// distance of its placed children.
#[derive(Debug, Clone)]
struct ZoneStats {
    zones: BTreeMap<String, (u64, u64)>,
    sent: u64,
    mean_distance_m: Option<f64>,
}

impl ZoneStats {
    fn overflow(&self, id: &str) -> u64 {
        self.zones.get(id).map_or(0, |z| z.0)
    }
    fn spare(&self, id: &str) -> u64 {
        self.zones.get(id).map_or(0, |z| z.1)
    }
    /// Orders outcomes: fewer children sent to placement or left unplaced
    /// first, then shorter mean distance.
    fn key(&self) -> (u64, u64) {
        // Millimetres, so that the key is an integer and the order total.
        (
            self.sent,
            self.mean_distance_m.map_or(u64::MAX, |m| (m * 1000.0).round() as u64),
        )
    }
}

/// Runs the whole round on the proposal's map.
fn measure(scenario: &Scenario, proposal: &Proposal, level: Level) -> ZoneStats {
    let after = proposal.scenario(scenario);
    let outcome = round::run(&after);
    let n = after.zones.len();
    let (mut applicants, mut admitted) = (vec![0u64; n], vec![0u64; n]);
    let (mut sent, mut placed, mut distance) = (0, 0u64, 0.0);
    for ((a, p), z) in after.applicants.iter().zip(&outcome.placements).zip(&outcome.zone_of) {
        if a.level != level {
            continue;
        }
        if let Some(d) = p.distance_m {
            placed += 1;
            distance += d;
        }
        if p.stage == Stage::PrivateLottery {
            continue;
        }
        sent += u64::from(matches!(p.stage, Stage::Fallback | Stage::Unplaced));
        if let Some(z) = z {
            applicants[z.0 as usize] += 1;
            admitted[z.0 as usize] += u64::from(p.stage == Stage::Zone);
        }
    }
    let zones = after
        .zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.level == level)
        .map(|(k, z)| {
            let seats: u64 = z.schools.iter().map(|&s| u64::from(after.school(s).capacity)).sum();
            (
                z.id.clone(),
                (applicants[k] - admitted[k], seats.saturating_sub(admitted[k])),
            )
        })
        .collect();
    ZoneStats {
        zones,
        sent,
        mean_distance_m: (placed > 0).then(|| distance / placed as f64),
    }
}

/// The union of two areas when it is one polygon (they share an edge).
fn joined(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let (ra, rb) = (a.bounding_rect()?, b.bounding_rect()?);
    if !ra.intersects(&rb) {
        return None;
    }
    let u = union_of(a.0.iter().chain(&b.0));
    (u.0.len() == 1).then_some(u)
}

/// The pool's id from its schools.
fn pool_id(scenario: &Scenario, level: Level, schools: &[SchoolIdx]) -> String {
    let mut ids: Vec<&str> = schools.iter().map(|&s| scenario.school(s).id.as_str()).collect();
    ids.sort_unstable();
    format!("{}{}", super::prefix(level), ids.join("+"))
}

/// The kept pools with `trial` in place of the pool started by `first`.
fn with(pools: &[Pool], first: &str, trial: &Pool) -> Vec<Pool> {
    let mut out: Vec<Pool> = pools.iter().filter(|p| p.members[0] != first).cloned().collect();
    out.push(trial.clone());
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Pools the drawn levels' zones in place (see the module docs); each
/// level's [`Pooling`] says what was done.
pub fn pool(scenario: &Scenario, proposal: &mut Proposal) {
    for li in 0..proposal.levels.len() {
        let level = proposal.levels[li].level;
        let mut stats = measure(scenario, proposal, level);
        let mut done = Pooling {
            pools: Vec::new(),
            sent_unpooled: stats.sent,
            sent_pooled: stats.sent,
            mean_distance_unpooled_m: stats.mean_distance_m,
            mean_distance_pooled_m: stats.mean_distance_m,
            trials: 1,
        };
        // Candidates: zones that turned children away, most first, then by id.
        let mut candidates: Vec<(Reverse<u64>, String)> = stats
            .zones
            .iter()
            .filter(|(_, z)| z.0 > 0)
            .map(|(id, z)| (Reverse(z.0), id.clone()))
            .collect();
        candidates.sort();
        for (_, first) in candidates {
            if done.trials >= MAX_TRIALS {
                break;
            }
            // An earlier pool may have taken it, or relieved it.
            if done.pools.iter().any(|p| p.members.contains(&first)) || stats.overflow(&first) == 0 {
                continue;
            }
            let Some(zone) = proposal.levels[li].zones.iter().find(|z| z.id == first) else {
                continue;
            };
            let mut group = Pool {
                id: first.clone(),
                level,
                members: vec![first.clone()],
                schools: vec![zone.school],
                overflow: stats.overflow(&first),
                spare: 0,
                sent_before: stats.sent,
                sent_after: stats.sent,
                mean_distance_before_m: stats.mean_distance_m,
                mean_distance_after_m: stats.mean_distance_m,
                area: zone.area.clone(),
            };
            let mut rejected: BTreeSet<String> = BTreeSet::new();
            while stats.overflow(&group.id) > 0 && done.trials < MAX_TRIALS {
                // Neighbours: single-school zones of the level, in no pool,
                // with spare seats, sharing an edge with the group.
                let pooled: BTreeSet<&str> = done
                    .pools
                    .iter()
                    .flat_map(|p| p.members.iter().map(String::as_str))
                    .collect();
                let mut options: Vec<(Reverse<u64>, String, SchoolIdx, MultiPolygon<f64>)> = proposal.levels[li]
                    .zones
                    .iter()
                    .filter(|z| !group.members.contains(&z.id) && !pooled.contains(z.id.as_str()))
                    .filter(|z| !rejected.contains(&z.id) && stats.spare(&z.id) > 0)
                    .map(|z| (Reverse(stats.spare(&z.id)), z.id.clone(), z.school, z.area.clone()))
                    .collect();
                options.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                let mut best: Option<(Pool, ZoneStats)> = None;
                let mut tried = 0;
                for (Reverse(spare), id, school, area) in options {
                    if tried >= OPTIONS_PER_STEP || done.trials >= MAX_TRIALS {
                        break;
                    }
                    let Some(union) = joined(&group.area, &area) else {
                        continue;
                    };
                    tried += 1;
                    let mut trial = group.clone();
                    trial.members.push(id.clone());
                    trial.schools.push(school);
                    trial.id = pool_id(scenario, level, &trial.schools);
                    trial.spare += spare;
                    trial.area = union;
                    proposal.levels[li].pooling = Some(Pooling {
                        pools: with(&done.pools, &first, &trial),
                        ..done.clone()
                    });
                    done.trials += 1;
                    let next = measure(scenario, proposal, level);
                    if next.sent >= stats.sent {
                        rejected.insert(id);
                        continue;
                    }
                    // A strict comparison keeps the first tried on ties
                    // (most spare seats, then smallest id).
                    if best.as_ref().is_none_or(|(_, b)| next.key() < b.key()) {
                        trial.sent_after = next.sent;
                        trial.mean_distance_after_m = next.mean_distance_m;
                        best = Some((trial, next));
                    }
                }
                proposal.levels[li].pooling = Some(done.clone());
                let Some((trial, next)) = best else {
                    break;
                };
                done.pools = with(&done.pools, &first, &trial);
                done.sent_pooled = next.sent;
                done.mean_distance_pooled_m = next.mean_distance_m;
                group = trial;
                stats = next;
            }
        }
        proposal.levels[li].pooling = Some(done);
    }
}
