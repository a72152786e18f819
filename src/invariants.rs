//! The invariants of spec §4, checked by brute force on a finished round.
//!
//! Used by the tests on every round they run and by `catchment verify` on a
//! run folder: every applicant has exactly one outcome; no school takes
//! more than its capacity; every class has at most `cap` pupils and class
//! sizes follow spec §5; each applicant is at a school of its level and,
//! for the private and zone stages, at a school it applied to; and the
//! private-stage and zone-stage matchings are stable — no applicant prefers
//! a school that has a free seat or admitted someone it outranks.
//!
//! With groups drawn together a stable matching need not exist (a group
//! needs several seats at once), so the stability check covers the
//! applicants drawn alone at schools no group applied to in that stage.

use std::collections::{BTreeMap, BTreeSet};

use crate::distance::Distances;
use crate::lottery::Key;
use crate::matching::UnitIdx;
use crate::round::{Outcome, Stage};
use crate::scenario::{AppIdx, Scenario, SchoolIdx, Sector};
use crate::stages::{self, Context};

/// Returns a description of every invariant the outcome breaks (empty when
/// all hold).
pub fn check(scenario: &Scenario, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if outcome.placements.len() != scenario.applicants.len() {
        problems.push(format!(
            "{} outcomes for {} applicants",
            outcome.placements.len(),
            scenario.applicants.len()
        ));
        return problems;
    }
    check_seats_and_classes(scenario, outcome, &mut problems);
    check_placements(scenario, outcome, &mut problems);
    // The zone lists are recomputed here, not taken from the round.
    let ctx = Context::new(scenario, &outcome.units, &outcome.zone_of);
    check_stable(
        &ctx,
        outcome,
        Stage::PrivateLottery,
        |u| stages::private::preferences(&ctx, u),
        |u, s| stages::private::key(&ctx, u, s),
        &mut problems,
    );
    if scenario.policy.rule == crate::scenario::Rule::Zone {
        check_stable(
            &ctx,
            outcome,
            Stage::Zone,
            |u| stages::zone::preferences(&ctx, u),
            |u, s| ctx.public_key(u, s),
            &mut problems,
        );
    }
    problems
}

fn check_seats_and_classes(scenario: &Scenario, outcome: &Outcome, problems: &mut Vec<String>) {
    let mut classes: BTreeMap<SchoolIdx, BTreeMap<u32, u32>> = BTreeMap::new();
    let distances = Distances::new(scenario);
    for (a, p) in outcome.placements.iter().enumerate() {
        let id = &scenario.applicant(AppIdx(a as u32)).id;
        match (p.school, p.stage, p.class_no, p.distance_m) {
            (None, Stage::Unplaced, None, None) if p.reason.is_some() => {}
            // A placement has a distance unless the matrix has no pair for
            // it: the private lottery seats applicants whatever the distance.
            (Some(s), stage, Some(c), d)
                if stage != Stage::Unplaced
                    && p.reason.is_none()
                    && (d.is_some() || distances.between(AppIdx(a as u32), s).is_none()) =>
            {
                *classes.entry(s).or_default().entry(c).or_default() += 1;
            }
            _ => {
                let school = p.school.map(|s| scenario.school(s).id.as_str());
                problems.push(format!("applicant {id}: {}", inconsistency(p, school)));
            }
        }
    }
    for (s, by_class) in classes {
        let school = scenario.school(s);
        let n: u32 = by_class.values().sum();
        if n > school.capacity {
            problems.push(format!(
                "school {}: {n} pupils over its capacity {}",
                school.id, school.capacity
            ));
        }
        let k = crate::classes::classes_needed(n, school.cap, school.classes);
        let expected: BTreeSet<u32> = (1..=k).collect();
        let got: BTreeSet<u32> = by_class.keys().copied().collect();
        if got != expected {
            let got: Vec<String> = got.iter().map(u32::to_string).collect();
            problems.push(format!(
                "school {}: class_no values {}, expected 1 to {k}",
                school.id,
                got.join(", ")
            ));
        }
        let (min, max) = (
            by_class.values().min().copied().unwrap_or(0),
            by_class.values().max().copied().unwrap_or(0),
        );
        if max > school.cap || max > min + 1 {
            problems.push(format!(
                "school {}: class sizes {min}..{max} (cap {}, sizes must differ by at most one)",
                school.id, school.cap
            ));
        }
    }
}

/// What is inconsistent in an outcome, in the words of the columns of
/// `assignments.csv` (`school` is its school's id).
fn inconsistency(p: &crate::round::Placement, school: Option<&str>) -> String {
    let stage = p.stage.as_str();
    match school {
        None if p.stage != Stage::Unplaced => format!("stage {stage} but no school_id"),
        Some(s) if p.stage == Stage::Unplaced => format!("stage unplaced but school_id {s}"),
        None if p.reason.is_none() => "unplaced without a reason".to_string(),
        None if p.class_no.is_some() => "unplaced but has a class_no".to_string(),
        None => "unplaced but has a distance_m".to_string(),
        Some(s) if p.reason.is_some() => format!("placed at school {s} but has a reason"),
        Some(s) if p.class_no.is_none() => format!("placed at school {s} without a class_no"),
        Some(s) => format!("placed at school {s} without a distance_m"),
    }
}

fn check_placements(scenario: &Scenario, outcome: &Outcome, problems: &mut Vec<String>) {
    for (a, p) in outcome.placements.iter().enumerate() {
        let Some(s) = p.school else { continue };
        let app = scenario.applicant(AppIdx(a as u32));
        let school = scenario.school(s);
        let unit = &outcome.units[outcome.unit_of[a].index()];
        let rep = scenario.applicant(unit.rep());
        let wrong = if school.level != app.level {
            Some("a school of another level")
        } else if (school.sector == Sector::Private) != (p.stage == Stage::PrivateLottery) {
            Some("a school of the wrong sector for its stage")
        } else if p.stage == Stage::PrivateLottery && !rep.private_choices.contains(&s) {
            Some("a private school it did not apply to")
        } else if p.stage == Stage::Zone
            && outcome.zone_of[unit.rep().index()].is_none_or(|z| !scenario.zone(z).schools.contains(&s))
        {
            Some("a school outside its zone")
        } else {
            None
        };
        if let Some(what) = wrong {
            problems.push(format!("applicant {}: placed at {} ({what})", app.id, school.id));
        }
        let split = unit
            .members
            .iter()
            .any(|&m| outcome.placements[m.index()].school != p.school);
        // Under `optimal` (rule or fallback) groups are placed as separate
        // members (spec §8).
        let one_by_one = |stage: Stage| {
            stage == Stage::Optimal
                || (stage == Stage::Fallback && scenario.policy.fallback == crate::scenario::FallbackRule::Optimal)
        };
        let optimal = unit
            .members
            .iter()
            .any(|&m| one_by_one(outcome.placements[m.index()].stage));
        if split && !optimal && scenario.policy.groups == crate::scenario::GroupPolicy::Together {
            problems.push(format!(
                "applicant {}: separated from its group {}",
                app.id, unit.draw_id
            ));
        }
    }
}

/// Brute-force blocking-pair check of one deferred-acceptance stage.
fn check_stable(
    ctx: &Context,
    outcome: &Outcome,
    stage: Stage,
    preferences: impl Fn(UnitIdx) -> Vec<SchoolIdx>,
    key: impl Fn(UnitIdx, SchoolIdx) -> Key,
    problems: &mut Vec<String>,
) {
    let scenario = ctx.scenario;
    // Units taking part: everyone for the private stage, everyone not placed
    // by the private stage for the zone stage.
    let stage_of = |u: UnitIdx| outcome.placements[ctx.units[u.index()].rep().index()].stage;
    let in_stage = |u: UnitIdx| stage != Stage::Zone || stage_of(u) != Stage::PrivateLottery;
    let mut admitted: BTreeMap<SchoolIdx, Vec<UnitIdx>> = BTreeMap::new();
    let mut used = vec![0u32; scenario.schools.len()];
    let mut group_applied = vec![false; scenario.schools.len()];
    let mut lists = Vec::with_capacity(ctx.units.len());
    for u in (0..ctx.units.len() as u32).map(UnitIdx) {
        let unit = &ctx.units[u.index()];
        let placement = &outcome.placements[unit.rep().index()];
        let list = if in_stage(u) { preferences(u) } else { Vec::new() };
        let here = (placement.stage == stage).then_some(placement.school).flatten();
        let reach = here
            .and_then(|s| list.iter().position(|&x| x == s))
            .map_or(list.len(), |i| i + 1);
        if unit.size() > 1 {
            for &s in &list[..reach] {
                group_applied[s.index()] = true;
            }
        }
        if let Some(s) = here {
            admitted.entry(s).or_default().push(u);
            used[s.index()] += unit.size();
        }
        lists.push((list, here));
    }
    let worst: BTreeMap<SchoolIdx, Key> = admitted
        .iter()
        .filter_map(|(&s, units)| units.iter().map(|&v| key(v, s)).max().map(|k| (s, k)))
        .collect();
    for (u, (list, here)) in lists.iter().enumerate() {
        let u = UnitIdx(u as u32);
        if ctx.units[u.index()].size() > 1 {
            continue;
        }
        for &s in list.iter().take_while(|&&s| Some(s) != *here) {
            if group_applied[s.index()] {
                continue;
            }
            let school = scenario.school(s);
            let free = school.capacity.saturating_sub(used[s.index()]);
            let mine = key(u, s);
            let outranked = worst.get(&s).is_some_and(|&w| w > mine);
            if free > 0 || outranked {
                problems.push(format!(
                    "{} stage not stable: applicant {} prefers school {} ({})",
                    stage.as_str(),
                    ctx.units[u.index()].draw_id,
                    school.id,
                    if free > 0 {
                        "it has a free seat".to_string()
                    } else {
                        "it admitted someone this applicant outranks".to_string()
                    }
                ));
            }
        }
    }
}
