//! Stability of the deferred-acceptance stages by brute force, and the
//! fallback replayed, from the rows and the scenario alone.

use std::collections::BTreeSet;

use super::rules::Facts;
use super::{optimal, seats, Audit};
use crate::scenario::{FallbackRule, Rule, Sector};

/// Stages 1 and 2 together: placed before the fallback.
const BEFORE_FALLBACK: [&str; 4] = ["private_lottery", "zone", "nearest", "optimal"];

/// For each school, the units admitted at `stage` (counted by members) and
/// the worst key among them under `label`.
fn admitted(facts: &Facts, stages: &[&str], label: impl Fn(usize) -> String) -> Vec<(u32, Option<(u32, String)>)> {
    let mut out = vec![(0u32, None); facts.scenario.schools.len()];
    for (a, &s) in facts.school_of.iter().enumerate() {
        let Some(s) = s else { continue };
        if !stages.contains(&facts.stage(a)) {
            continue;
        }
        let key = facts.key(facts.unit_of[a], &label(s));
        let entry = &mut out[s];
        entry.0 += 1;
        if entry.1.as_ref().is_none_or(|worst| key > *worst) {
            entry.1 = Some(key);
        }
    }
    out
}

/// The school a unit holds at one of `stages` (its representative's row).
fn held(facts: &Facts, unit: usize, stages: &[&str]) -> Option<usize> {
    let rep = facts.units[unit].rep();
    stages
        .contains(&facts.stage(rep))
        .then(|| facts.school_of[rep])
        .flatten()
}

/// Checks one DA stage: every unit drawn alone holds a school on its list
/// (or none), and every school it preferred is full of units with better
/// keys. Schools a group applied to are left out (README, "Decisions").
fn check_stable(
    facts: &Facts,
    audit: &mut Audit,
    stage: &[&str],
    lists: impl Fn(usize, Option<usize>) -> Option<Vec<usize>>,
    label: impl Fn(usize) -> String + Copy,
) {
    let admitted = admitted(facts, stage, label);
    let group_schools: BTreeSet<usize> = (0..facts.units.len())
        .filter(|&u| facts.units[u].members.len() > 1)
        .flat_map(|u| lists(u, None).unwrap_or_default())
        .collect();
    for u in 0..facts.units.len() {
        let unit = &facts.units[u];
        let id = Some(facts.scenario.applicants[unit.rep()].id.as_str());
        let holds = held(facts, u, stage);
        let list = lists(u, holds).unwrap_or_default();
        let position = match holds {
            Some(s) => match list.iter().position(|&t| t == s) {
                Some(p) => p,
                None => {
                    audit.add(
                        id,
                        Some(&facts.scenario.schools[s].id),
                        format!(
                            "placed at stage {} by a school not on its list",
                            facts.stage(unit.rep())
                        ),
                    );
                    continue;
                }
            },
            None => list.len(),
        };
        if unit.members.len() > 1 {
            continue;
        }
        // The unit's key at the last label asked for: under single
        // tie-breaking every public school has the same label.
        let mut mine: Option<(String, (u32, String))> = None;
        for &t in &list[..position] {
            if group_schools.contains(&t) {
                continue;
            }
            let school = &facts.scenario.schools[t].id;
            let (count, worst) = &admitted[t];
            if *count < seats(facts.scenario, t) {
                audit.add(
                    id,
                    Some(school),
                    format!(
                        "blocking pair: it prefers this school, which kept a free seat ({count} of {} taken)",
                        seats(facts.scenario, t)
                    ),
                );
            } else if let Some(worst) = worst {
                let l = label(t);
                if mine.as_ref().is_none_or(|(at, _)| *at != l) {
                    mine = Some((l.clone(), facts.key(u, &l)));
                }
                if mine.as_ref().is_some_and(|(_, key)| worst > key) {
                    audit.add(
                        id,
                        Some(school),
                        "blocking pair: it prefers this school, which admitted a later (priority, ticket)",
                    );
                }
            }
        }
    }
}

/// Stage 1: the private lottery is the stable matching of spec §4.
pub(super) fn check_private(facts: &Facts, audit: &mut Audit) {
    let sc = facts.scenario;
    let max = sc.policy.max_private_choices as usize;
    let lists = |u: usize, _: Option<usize>| {
        let unit = &facts.units[u];
        let rep = &sc.applicants[unit.rep()];
        let list: Vec<usize> = rep
            .private_choices
            .iter()
            .take(max)
            .map(|&s| s.index())
            .filter(|&s| sc.schools[s].sector == Sector::Private && sc.schools[s].level == unit.level)
            .collect();
        (!list.is_empty()).then_some(list)
    };
    check_stable(facts, audit, &["private_lottery"], lists, |s| {
        format!("private:{}", sc.schools[s].id)
    });
}

/// A unit's ranking of public schools at stage 2: under `zone`, its
/// `public_choices` inside its zone, then the zone's other schools by
/// distance; under `nearest`, every reachable public school of its level
/// by distance (ties by id). Unreachable schools (distance matrix) are
/// left out. With `upto`, the school the unit holds, a long list may stop
/// there: only the schools it prefers matter.
fn public_list(facts: &Facts, unit: usize, upto: Option<usize>) -> Option<Vec<usize>> {
    let sc = facts.scenario;
    let u = &facts.units[unit];
    let rep = &sc.applicants[u.rep()];
    // Reachable schools in (distance, id) order, each distance computed
    // once; `keep` sees the distance.
    let by_distance = |schools: &mut dyn Iterator<Item = usize>, keep: &dyn Fn(f64, usize) -> bool| {
        let mut reach: Vec<(f64, usize)> = schools
            .filter_map(|s| facts.unit_distance(unit, s).map(|d| (d, s)))
            .filter(|&(d, s)| keep(d, s))
            .collect();
        reach.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        reach.into_iter().map(|(_, s)| s).collect::<Vec<_>>()
    };
    match sc.policy.rule {
        Rule::Zone => {
            let zone = &sc.zones[facts.zone[u.rep()]?];
            let in_zone: Vec<usize> = zone.schools.iter().map(|&s| s.index()).collect();
            let mut list: Vec<usize> = Vec::new();
            for &c in &rep.public_choices {
                let c = c.index();
                if in_zone.contains(&c) && !list.contains(&c) && facts.unit_distance(unit, c).is_some() {
                    list.push(c);
                }
            }
            let rest = by_distance(&mut in_zone.into_iter().filter(|s| !list.contains(s)), &|_, _| true);
            list.extend(rest);
            Some(list)
        }
        _ => {
            let limit = upto.and_then(|h| facts.unit_distance(unit, h).map(|d| (d, h)));
            let before = |d: f64, s: usize| limit.is_none_or(|(dh, h)| d.total_cmp(&dh).then(s.cmp(&h)).is_le());
            Some(by_distance(&mut facts.public[u.level.index()].iter().copied(), &before))
        }
    }
}

/// Stage 2 under `zone` or `nearest`: stable over the units the private
/// lottery did not place.
pub(super) fn check_public_da(facts: &Facts, audit: &mut Audit) {
    let stage = match facts.scenario.policy.rule {
        Rule::Zone => "zone",
        _ => "nearest",
    };
    let lists = |u: usize, upto: Option<usize>| match held(facts, u, &["private_lottery"]) {
        Some(_) => None,
        None => public_list(facts, u, upto),
    };
    check_stable(facts, audit, &[stage], lists, |s| facts.public_label(s));
}

/// Stage 3 replayed: under `nearest_vacancy`, units in (priority, public
/// ticket) order each take the nearest public school of their level with
/// seats for all members within `max_distance_m`; `no_capacity` when the
/// level has no free seat left, else `no_seat_within_limit`. Under `none`
/// everyone left is `fallback_none`; under `optimal`, the certificate.
/// Under rule `optimal` there is no fallback: stage 2 is final.
pub(super) fn check_fallback(facts: &Facts, audit: &mut Audit) {
    let sc = facts.scenario;
    let mut left: Vec<i64> = (0..sc.schools.len())
        .map(|s| {
            if sc.schools[s].sector == Sector::Public {
                i64::from(seats(sc, s))
            } else {
                0
            }
        })
        .collect();
    for (a, &s) in facts.school_of.iter().enumerate() {
        if let Some(s) = s {
            if BEFORE_FALLBACK.contains(&facts.stage(a)) && sc.schools[s].sector == Sector::Public {
                left[s] -= 1;
            }
        }
    }
    let pool: Vec<usize> = (0..facts.units.len())
        .filter(|&u| {
            facts.units[u]
                .members
                .iter()
                .all(|&m| !BEFORE_FALLBACK.contains(&facts.stage(m)))
        })
        .collect();
    if sc.policy.rule == Rule::Optimal {
        // Stage 2 left no one for the fallback (checked with its optimum).
        return;
    }
    if sc.policy.fallback == FallbackRule::Optimal {
        let members: Vec<usize> = pool
            .iter()
            .flat_map(|&u| facts.units[u].members.iter().copied())
            .collect();
        optimal::check_optimal(facts, audit, &members, &left, "fallback");
        return;
    }
    let mut order = pool;
    order.sort_by_cached_key(|&u| facts.key(u, "public"));
    let limit = sc.policy.max_distance_m.unwrap_or(f64::INFINITY);
    let mut free: [i64; 2] = [0, 0];
    for (s, school) in sc.schools.iter().enumerate() {
        free[school.level.index()] += left[s].max(0);
    }
    for u in order {
        let unit = &facts.units[u];
        let size = unit.members.len() as i64;
        let expected: Result<usize, &str> = if sc.policy.fallback == FallbackRule::None {
            Err("fallback_none")
        } else if free[unit.level.index()] <= 0 {
            Err("no_capacity")
        } else {
            facts.public[unit.level.index()]
                .iter()
                .copied()
                .filter(|&s| left[s] >= size)
                .filter_map(|s| facts.unit_distance(u, s).filter(|&d| d <= limit).map(|d| (d, s)))
                .min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)))
                .map(|(_, s)| s)
                .ok_or("no_seat_within_limit")
        };
        if let Ok(s) = expected {
            left[s] -= size;
            free[unit.level.index()] -= size;
        }
        for &m in &unit.members {
            let row = facts.rows[m];
            let id = Some(row.applicant_id.as_str());
            match expected {
                Ok(s) if facts.school_of[m] != Some(s) || row.stage != "fallback" => audit.add(
                    id,
                    row.school_id.as_deref(),
                    format!(
                        "the fallback replayed gives school {} at stage fallback, the row says stage {}",
                        sc.schools[s].id, row.stage
                    ),
                ),
                Err(reason) if row.stage != "unplaced" || row.reason.as_deref() != Some(reason) => audit.add(
                    id,
                    row.school_id.as_deref(),
                    format!(
                        "the fallback replayed leaves it unplaced ({reason}), the row says stage {} reason {}",
                        row.stage,
                        super::shown(row.reason.as_deref())
                    ),
                ),
                _ => {}
            }
        }
    }
}
