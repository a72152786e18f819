//! Stage 1: the private schools' lottery (公民同招).
//!
//! Applicants with `private_choices` apply to those private schools; the
//! result is applicant-proposing deferred acceptance in which each private
//! school orders applicants by (priority, ticket `private:<school>`).
//! Whoever is not admitted goes on to the public stages as if they had not
//! applied.

use crate::lottery::{self, Key};
use crate::matching::UnitIdx;
use crate::scenario::SchoolIdx;

use super::{from_matching, run_da, Context, StageResult};

/// A unit's private-school list: its representative's `private_choices`.
pub fn preferences(ctx: &Context, unit: UnitIdx) -> Vec<SchoolIdx> {
    let rep = ctx.scenario.applicant(ctx.units[unit.index()].rep());
    rep.private_choices.clone()
}

/// A unit's (priority, ticket `private:<school>`) at a private school.
pub fn key(ctx: &Context, unit: UnitIdx, school: SchoolIdx) -> Key {
    let u = &ctx.units[unit.index()];
    Key {
        priority: u.priority,
        ticket: ctx.school_draw(school).ticket(&u.draw_id),
    }
}

/// The draw label of a private school.
fn label(ctx: &Context, school: SchoolIdx) -> String {
    lottery::private_label(&ctx.scenario.school(school).id)
}

/// Runs the private lottery over `units`; `seats` are the private schools'
/// seats and are reduced by the admissions.
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> StageResult {
    let choices = |u: UnitIdx| {
        ctx.scenario
            .applicant(ctx.units[u.index()].rep())
            .private_choices
            .as_slice()
    };
    let (participants, others): (Vec<UnitIdx>, Vec<UnitIdx>) = units.iter().partition(|&&u| !choices(u).is_empty());
    let prefs: Vec<&[SchoolIdx]> = participants.iter().map(|&u| choices(u)).collect();
    let matching = run_da(ctx, &participants, &prefs, seats, |u, s| key(ctx, u, s));
    let mut result = from_matching(&participants, &matching, seats, |s| label(ctx, s), ctx.draw_order);
    super::take_seats(ctx, &result.placed, seats);
    result.rest.extend(others);
    result.rest.sort_unstable();
    result
}
