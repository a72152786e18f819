//! Stage 2 under rule `zone`: single- and multi-school zones (单校划片 /
//! 多校划片).
//!
//! Each zone's applicants are matched to the zone's schools by deferred
//! acceptance. A unit ranks first the `public_choices` of its
//! representative that belong to its zone, then the zone's other schools by
//! distance (ties by school id); schools order units by (priority, public
//! ticket). A single-school zone is the case with one school. Units with no
//! zone, and those their zone could not seat, go on to the fallback.

use crate::matching::UnitIdx;
use crate::scenario::SchoolIdx;

use super::{from_matching, run_da, Context, StageResult};

/// A unit's list of schools in its zone (empty when it has no zone).
/// Schools it cannot reach (no pair in a distance matrix) are left out.
pub fn preferences(ctx: &Context, unit: UnitIdx) -> Vec<SchoolIdx> {
    let rep = ctx.units[unit.index()].rep();
    let Some(zone) = ctx.zone_of[rep.index()] else {
        return Vec::new();
    };
    let zone_schools = &ctx.scenario.zone(zone).schools;
    let mut list: Vec<SchoolIdx> = Vec::with_capacity(zone_schools.len());
    for &s in &ctx.scenario.applicant(rep).public_choices {
        if zone_schools.contains(&s) && !list.contains(&s) && ctx.distance(unit, s).is_some() {
            list.push(s);
        }
    }
    let mut rest: Vec<(f64, SchoolIdx)> = zone_schools
        .iter()
        .filter(|s| !list.contains(s))
        .filter_map(|&s| ctx.distance(unit, s).map(|d| (d, s)))
        .collect();
    rest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    list.extend(rest.into_iter().map(|(_, s)| s));
    list
}

/// Runs the zone stage over `units`, reducing `seats`. Lists come from
/// `ctx.zone_lists`.
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> StageResult {
    let prefs: Vec<&[SchoolIdx]> = units.iter().map(|&u| ctx.zone_lists[u.index()].as_slice()).collect();
    let matching = run_da(ctx, units, &prefs, seats, |u, s| ctx.public_key(u, s));
    let result = from_matching(units, &matching, seats, |s| ctx.public_label(s), ctx.draw_order);
    super::take_seats(ctx, &result.placed, seats);
    result
}
