//! Stage 3: district placement (统筹安排) of everyone stage 2 left.
//!
//! `nearest_vacancy`: in (priority, `public` ticket) order, each unit takes
//! the nearest public school of its level that still has a seat for every
//! member, within `fallback.max_distance_m` (inclusive) when set. `none`:
//! nobody is placed. Whoever is left is unplaced, with a reason.

use crate::lottery;
use crate::matching::UnitIdx;
use crate::scenario::{FallbackRule, Level};

use super::nearest::{walk, PublicSchools};
use super::{Context, Draw, DrawEntry, Placed, StageResult};

/// Why an applicant ends the round without a seat (spec §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// No public school of its level had a free seat at that point.
    NoCapacity,
    /// Seats were free, but none (for the whole group) within reach.
    NoSeatWithinLimit,
    /// `fallback.rule = "none"`.
    FallbackNone,
}

impl Reason {
    /// The spelling used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoCapacity => "no_capacity",
            Reason::NoSeatWithinLimit => "no_seat_within_limit",
            Reason::FallbackNone => "fallback_none",
        }
    }
}

/// The fallback's result: placements, the district-wide draw, and the
/// units left unplaced with their reason.
#[derive(Default)]
pub struct FallbackResult {
    /// Placements and the fallback order as a draw.
    pub stage: StageResult,
    /// Units without a seat.
    pub unplaced: Vec<(UnitIdx, Reason)>,
    /// Under `fallback.rule = "optimal"`: members placed one by one.
    pub optimal: Option<super::optimal::OptimalResult>,
}

/// Runs the fallback over `units`, reducing `seats`.
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> FallbackResult {
    if ctx.scenario.policy.fallback == FallbackRule::Optimal {
        return FallbackResult {
            optimal: Some(super::optimal::run(ctx, units, seats)),
            ..FallbackResult::default()
        };
    }
    let mut order: Vec<UnitIdx> = units.to_vec();
    order.sort_by_key(|&u| {
        let unit = &ctx.units[u as usize];
        (unit.priority, unit.public_ticket, u)
    });
    let mut stage = StageResult::default();
    let mut unplaced = Vec::new();
    let mut entries = Vec::with_capacity(order.len());
    let policy = &ctx.scenario.policy;
    let mut free_by_level = super::free_public_seats(ctx, seats);
    let seats_at_start = free_by_level;
    if policy.fallback == FallbackRule::None {
        for &u in &order {
            let unit = &ctx.units[u as usize];
            entries.push(entry(u, (unit.priority, unit.public_ticket), false));
            unplaced.push((u, Reason::FallbackNone));
        }
    } else {
        let mut index = PublicSchools::new(ctx, |s| seats[s as usize] > 0);
        let limit = policy.max_distance_m.unwrap_or(f64::INFINITY);
        for &u in &order {
            let unit = &ctx.units[u as usize];
            let key = (unit.priority, unit.public_ticket);
            let size = unit.size();
            let free = &mut free_by_level[unit.level.index()];
            if *free == 0 {
                entries.push(entry(u, key, false));
                unplaced.push((u, Reason::NoCapacity));
                continue;
            }
            let found = walk(ctx, &index, u, |s| seats[s as usize] > 0)
                .take_while(|&(_, d)| d <= limit)
                .find(|&(s, _)| seats[s as usize] >= size);
            match found {
                Some((school, _)) => {
                    seats[school as usize] -= size;
                    *free -= u64::from(size);
                    if seats[school as usize] == 0 {
                        index.remove(ctx, school);
                    }
                    entries.push(entry(u, key, true));
                    stage.placed.push(Placed { unit: u, school, key });
                }
                None => {
                    entries.push(entry(u, key, false));
                    unplaced.push((u, Reason::NoSeatWithinLimit));
                }
            }
        }
    }
    // One district-wide draw per level, in serving order.
    for level in Level::ALL {
        let level_entries: Vec<DrawEntry> = entries
            .iter()
            .copied()
            .filter(|e| ctx.units[e.unit as usize].level == level)
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
    FallbackResult {
        stage,
        unplaced,
        optimal: None,
    }
}

fn entry(unit: UnitIdx, key: crate::lottery::Key, admitted: bool) -> DrawEntry {
    DrawEntry {
        unit,
        key,
        admitted,
        choice: None,
    }
}
