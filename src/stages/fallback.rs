//! Stage 3: district placement (统筹安排) of everyone stage 2 left.
//!
//! `nearest_vacancy`: in (priority, `public` ticket) order, each unit takes
//! the nearest public school of its level that still has a seat for every
//! member, within `fallback.max_distance_m` (inclusive) when set. `none`:
//! nobody is placed. `optimal`: the [`super::optimal`] assignment. Whoever
//! is left is unplaced, with a reason: the fallback passes nobody on.

use crate::lottery::{self, Key};
use crate::matching::UnitIdx;
use crate::scenario::{FallbackRule, Level};

use super::nearest::{walk, PublicSchools};
use super::{Context, Draw, DrawEntry, Placed, Reason, StageResult, Unplaced, Who};

/// Runs the fallback over `units`, reducing `seats`.
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> StageResult {
    if ctx.scenario.policy.fallback == FallbackRule::Optimal {
        return super::optimal::run(ctx, units, seats);
    }
    let mut order: Vec<UnitIdx> = units.to_vec();
    order.sort_by_key(|&u| (ctx.units[u.index()].key(), u));
    let mut stage = StageResult::default();
    let mut entries = Vec::with_capacity(order.len());
    let policy = &ctx.scenario.policy;
    let mut free_by_level = super::free_public_seats(ctx, seats);
    let seats_at_start = free_by_level;
    if policy.fallback == FallbackRule::None {
        for &u in &order {
            entries.push(entry(u, ctx.units[u.index()].key(), false));
            stage.unplaced.push(unplaced(u, Reason::FallbackNone));
        }
    } else {
        let mut index = PublicSchools::new(ctx, |s| seats[s.index()] > 0);
        let limit = policy.max_distance_m.unwrap_or(f64::INFINITY);
        for &u in &order {
            let unit = &ctx.units[u.index()];
            let key = unit.key();
            let size = unit.size();
            let free = &mut free_by_level[unit.level.index()];
            if *free == 0 {
                entries.push(entry(u, key, false));
                stage.unplaced.push(unplaced(u, Reason::NoCapacity));
                continue;
            }
            let found = walk(ctx, &index, unit.rep(), |s| seats[s.index()] > 0)
                .take_while(|&(_, d)| d <= limit)
                .find(|&(s, _)| seats[s.index()] >= size);
            match found {
                Some((school, _)) => {
                    seats[school.index()] -= size;
                    *free -= u64::from(size);
                    if seats[school.index()] == 0 {
                        index.remove(ctx, school);
                    }
                    entries.push(entry(u, key, true));
                    stage.placed.push(Placed {
                        who: Who::unit(u),
                        school,
                        key,
                    });
                }
                None => {
                    entries.push(entry(u, key, false));
                    stage.unplaced.push(unplaced(u, Reason::NoSeatWithinLimit));
                }
            }
        }
    }
    // One district-wide draw per level, in serving order.
    for level in Level::ALL {
        let level_entries: Vec<DrawEntry> = entries
            .iter()
            .copied()
            .filter(|e| ctx.units[e.unit.index()].level == level)
            .collect();
        if !level_entries.is_empty() {
            stage.draws.push(Draw {
                label: lottery::public_label(None),
                school: None,
                seats: seats_at_start[level.index()].min(u64::from(u32::MAX)) as u32,
                entries: level_entries,
            });
        }
    }
    stage
}

fn unplaced(unit: UnitIdx, reason: Reason) -> Unplaced {
    Unplaced {
        who: Who::unit(unit),
        reason,
    }
}

fn entry(unit: UnitIdx, key: Key, admitted: bool) -> DrawEntry {
    DrawEntry {
        unit,
        key,
        admitted,
        choice: None,
    }
}
