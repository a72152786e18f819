//! An allocation round, top-down (spec §4).
//!
//! [`run`] reads as the spec does: find each applicant's zone, form the
//! units drawn together, then the private lottery, the public allocation by
//! the policy's rule, the district fallback, and class formation. Each
//! stage is a function of plain data in [`crate::stages`]; this module only
//! passes seats and units from one to the next and gathers the result.

use std::collections::BTreeMap;

use crate::bench::Phases;
use crate::classes;
use crate::distance::Distances;
use crate::error::{Diagnostics, Location};
use crate::geo_index::{Located, ZoneIndex};
use crate::lottery::{Key, Ticket};
use crate::matching::UnitIdx;
use crate::scenario::{AppIdx, Rule, Scenario, SchoolIdx, TieBreaking, ZoneIdx};
use crate::stages::{self, fallback::Reason, Context, Draw, StageResult, Unit};
use rayon::prelude::*;

/// The stage that placed an applicant, or `Unplaced`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Private schools' lottery (公民同招).
    PrivateLottery,
    /// Zone rule.
    Zone,
    /// Nearest rule.
    Nearest,
    /// Optimal rule (minimum total distance).
    Optimal,
    /// District placement.
    Fallback,
    /// No seat.
    Unplaced,
}

impl Stage {
    /// Every stage, in output order.
    pub const ALL: [Stage; 6] = [
        Stage::PrivateLottery,
        Stage::Zone,
        Stage::Nearest,
        Stage::Optimal,
        Stage::Fallback,
        Stage::Unplaced,
    ];

    /// The spelling used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::PrivateLottery => "private_lottery",
            Stage::Zone => "zone",
            Stage::Nearest => "nearest",
            Stage::Optimal => "optimal",
            Stage::Fallback => "fallback",
            Stage::Unplaced => "unplaced",
        }
    }

    /// Parses the output spelling.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One applicant's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Its school, `None` when unplaced.
    pub school: Option<SchoolIdx>,
    /// The stage that placed it.
    pub stage: Stage,
    /// The ticket it was admitted with; its `public` ticket when unplaced.
    pub ticket: Ticket,
    /// Why it is unplaced.
    pub reason: Option<Reason>,
    /// Metres from home to its school.
    pub distance_m: Option<f64>,
    /// Its class (1-based).
    pub class_no: Option<u32>,
}

/// Per-school results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchoolResult {
    /// Applicants who applied to it in its lottery stage (private or stage 2).
    pub applicants: u32,
    /// Pupils admitted, all stages.
    pub admitted: u32,
    /// Of which by the fallback.
    pub admitted_fallback: u32,
    /// Classes opened.
    pub classes_opened: u32,
    /// Size of its largest class.
    pub largest_class: u32,
    /// Some applicant was turned away in its lottery stage.
    pub oversubscribed: bool,
    /// The last (priority, ticket) admitted when oversubscribed.
    pub cutoff: Option<Key>,
}

/// A draw in the lottery transcript, with the stage it belongs to.
#[derive(Debug, Clone)]
pub struct StageDraw {
    /// The stage.
    pub stage: Stage,
    /// The draw.
    pub draw: Draw,
}

/// Everything a round produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The units drawn and placed together.
    pub units: Vec<Unit>,
    /// Each applicant's unit.
    pub unit_of: Vec<UnitIdx>,
    /// Each applicant's zone under rule `zone`.
    pub zone_of: Vec<Option<ZoneIdx>>,
    /// Each applicant's outcome.
    pub placements: Vec<Placement>,
    /// Every draw, in stage order.
    pub draws: Vec<StageDraw>,
    /// Per-school results.
    pub schools: Vec<SchoolResult>,
    /// Warnings about the input found while preparing the round.
    pub warnings: Diagnostics,
    /// Wall time of each phase (classes and preparation included by [`run`]).
    pub phases: Phases,
}

/// Each applicant's zone under rule `zone` — its `zone` column, else the
/// zone covering its home — with warnings about overlaps, homes in no zone,
/// choices outside the zone, and groups whose members differ.
pub fn locate_zones(scenario: &Scenario) -> (Vec<Option<ZoneIdx>>, Diagnostics) {
    locate_zones_with(scenario, &ZoneIndex::new(&scenario.zones))
}

/// [`locate_zones`] with an index already built.
fn locate_zones_with(scenario: &Scenario, index: &ZoneIndex) -> (Vec<Option<ZoneIdx>>, Diagnostics) {
    let mut warnings = Diagnostics::default();
    if scenario.policy.rule != Rule::Zone {
        return (vec![None; scenario.applicants.len()], warnings);
    }
    let mut overlaps: BTreeMap<(ZoneIdx, ZoneIdx), (usize, u64)> = BTreeMap::new();
    let mut outside = (0usize, 0u64);
    let mut stray_choice = (0usize, 0u64);
    // Point-in-zone lookups are independent: run them in parallel, then
    // count overlaps and strays in applicant order.
    let found: Vec<Option<Located>> = scenario
        .applicants
        .par_iter()
        .map(|a| a.zone.is_none().then(|| index.locate(a.level, a.lon, a.lat)))
        .collect();
    let zone_of: Vec<Option<ZoneIdx>> = scenario
        .applicants
        .iter()
        .zip(found)
        .map(|(a, found)| {
            let zone = match found {
                None => a.zone,
                Some(found) => {
                    if let (Some(z), Some(&other)) = (found.zone, found.also.first()) {
                        let e = overlaps.entry((z, other)).or_insert((0, a.line));
                        e.0 += 1;
                    }
                    found.zone
                }
            };
            match zone {
                None => bump(&mut outside, a.line),
                Some(z) => {
                    let schools = &scenario.zones[z as usize].schools;
                    if a.public_choices.iter().any(|s| !schools.contains(s)) {
                        bump(&mut stray_choice, a.line);
                    }
                }
            }
            zone
        })
        .collect();
    const FILE: &str = "applicants.csv";
    for ((z, other), (n, line)) in overlaps {
        let (a, b) = (&scenario.zones[z as usize].id, &scenario.zones[other as usize].id);
        warnings.warning(
            FILE,
            Location::Line(line),
            format!("{n} home(s) lie in both zones {a:?} and {b:?}, which overlap; they are given to {a:?}, the first id (first on this line)"),
        );
    }
    if outside.0 > 0 {
        warnings.warning(
            FILE,
            Location::Line(outside.1),
            format!(
                "{} home(s) are in no zone of their level and go to the fallback (first on this line)",
                outside.0
            ),
        );
    }
    if stray_choice.0 > 0 {
        warnings.warning(
            FILE,
            Location::Line(stray_choice.1),
            format!("{} applicant(s) list public_choices outside their zone; those entries are ignored (first on this line)", stray_choice.0),
        );
    }
    (zone_of, warnings)
}

fn bump(counter: &mut (usize, u64), line: u64) {
    if counter.0 == 0 {
        counter.1 = line;
    }
    counter.0 += 1;
}

/// Warns about groups drawn together whose members differ in home, zone or
/// choices (the unit uses its member with the smallest id).
fn check_groups(scenario: &Scenario, units: &[Unit], zone_of: &[Option<ZoneIdx>], warnings: &mut Diagnostics) {
    for unit in units.iter().filter(|u| u.members.len() > 1) {
        let rep = scenario.applicant(unit.rep());
        let differs = unit.members[1..].iter().any(|&m| {
            let a = scenario.applicant(m);
            (a.lon, a.lat) != (rep.lon, rep.lat)
                || zone_of[m as usize] != zone_of[unit.rep() as usize]
                || a.private_choices != rep.private_choices
                || a.public_choices != rep.public_choices
        });
        if differs {
            warnings.warning(
                "applicants.csv",
                Location::Line(rep.line),
                format!(
                    "members of {} differ in home, zone or choices; the group uses those of its member on this line",
                    unit.draw_id
                ),
            );
        }
    }
}

/// What a round needs that does not depend on the seed: each applicant's
/// zone (the point-in-zone lookups), and the warnings found on the way.
/// Computed once and reused by every trial of `odds`.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Each applicant's zone under rule `zone`.
    pub zone_of: Vec<Option<ZoneIdx>>,
    /// Warnings: zone overlaps, homes in no zone, stray choices, groups whose
    /// members differ.
    pub warnings: Diagnostics,
    /// The units, with tickets drawn with the policy's seed.
    pub units: Vec<Unit>,
    /// Each unit's list of zone schools (rule `zone`; empty otherwise).
    pub zone_lists: Vec<Vec<SchoolIdx>>,
    /// Wall time of each preparation phase.
    pub phases: Phases,
}

/// Locates zones, forms units, checks groups, and lists each unit's zone
/// schools.
pub fn prepare(scenario: &Scenario) -> Prepared {
    let mut phases = Phases::default();
    let index = phases.time("zone index", || ZoneIndex::new(&scenario.zones));
    let (zone_of, mut warnings) = phases.time("zone lookup", || locate_zones_with(scenario, &index));
    let units = phases.time("lottery tickets", || {
        stages::form_units(scenario, &scenario.policy.seed)
    });
    phases.time("input checks", || {
        check_groups(scenario, &units, &zone_of, &mut warnings);
        warnings.extend(crate::planning::warnings(scenario, &zone_of));
    });
    let lists_started = std::time::Instant::now();
    let zone_lists = if scenario.policy.rule == Rule::Zone {
        let ctx = Context {
            scenario,
            units: &units,
            zone_of: &zone_of,
            distances: Distances::new(scenario),
            seed: &scenario.policy.seed,
            tie_breaking: scenario.policy.tie_breaking,
            zone_lists: &[],
        };
        (0..units.len() as UnitIdx)
            .into_par_iter()
            .map(|u| stages::zone::preferences(&ctx, u))
            .collect()
    } else {
        vec![Vec::new(); units.len()]
    };
    phases.record("preference lists", lists_started.elapsed());
    Prepared {
        zone_of,
        warnings,
        units,
        zone_lists,
        phases,
    }
}

/// Warnings about a scenario that only show when preparing a round: zone
/// overlaps, homes in no zone, choices outside the zone, groups whose
/// members differ.
pub fn prepare_warnings(scenario: &Scenario) -> Diagnostics {
    prepare(scenario).warnings
}

/// Runs the round with the scenario's seed and policy, classes included.
pub fn run(scenario: &Scenario) -> Outcome {
    let prepared = prepare(scenario);
    let mut outcome = run_prepared(scenario, &prepared, &scenario.policy.seed, scenario.policy.tie_breaking);
    let mut phases = prepared.phases.clone();
    phases.0.append(&mut outcome.phases.0);
    phases.time("classes", || form_classes(scenario, &mut outcome));
    outcome.phases = phases;
    outcome
}

/// Runs the stages of the round on prepared data with a given seed and
/// tie-breaking (the policy's, or another for `odds` and its comparison).
/// Classes are not formed (`class_no` is `None`): [`run`] does that.
pub fn run_prepared(scenario: &Scenario, prepared: &Prepared, seed: &str, tie_breaking: TieBreaking) -> Outcome {
    let units = if seed == scenario.policy.seed {
        prepared.units.clone()
    } else {
        stages::reticket(&prepared.units, seed)
    };
    let zone_of = &prepared.zone_of;
    let ctx = Context {
        scenario,
        units: &units,
        zone_of,
        distances: Distances::new(scenario),
        seed,
        tie_breaking,
        zone_lists: &prepared.zone_lists,
    };
    let mut seats: Vec<u32> = scenario.schools.iter().map(|s| s.capacity).collect();
    let everyone: Vec<UnitIdx> = (0..units.len() as UnitIdx).collect();

    let mut phases = Phases::default();
    let private = phases.time("private lottery", || stages::private::run(&ctx, &everyone, &mut seats));
    // Under rule `optimal` the public stage is the min-cost flow.
    let phase = if scenario.policy.rule == Rule::Optimal {
        "flow"
    } else {
        "matching"
    };
    let (public_stage, public, optimal) = phases.time(phase, || match scenario.policy.rule {
        Rule::Zone => (Stage::Zone, stages::zone::run(&ctx, &private.rest, &mut seats), None),
        Rule::Nearest => (
            Stage::Nearest,
            stages::nearest::run(&ctx, &private.rest, &mut seats),
            None,
        ),
        Rule::Optimal => {
            // Everyone the optimal assignment cannot seat is final: the
            // fallback could not seat more within the same limit.
            let result = stages::optimal::run(&ctx, &private.rest, &mut seats);
            (Stage::Optimal, StageResult::default(), Some(result))
        }
    });
    let fallback = phases.time("fallback", || stages::fallback::run(&ctx, &public.rest, &mut seats));
    let mut outcome = Outcome {
        unit_of: vec![0; scenario.applicants.len()],
        zone_of: zone_of.clone(),
        placements: Vec::with_capacity(scenario.applicants.len()),
        draws: Vec::new(),
        schools: vec![SchoolResult::default(); scenario.schools.len()],
        warnings: prepared.warnings.clone(),
        units: Vec::new(),
        phases,
    };
    let mut by_applicant: Vec<Option<Placement>> = vec![None; scenario.applicants.len()];
    for (stage, result) in [
        (Stage::PrivateLottery, &private),
        (public_stage, &public),
        (Stage::Fallback, &fallback.stage),
    ] {
        record(&ctx, stage, result, &mut by_applicant, &mut outcome);
    }
    for (stage, result) in [(Stage::Optimal, &optimal), (Stage::Fallback, &fallback.optimal)] {
        if let Some(result) = result {
            record_seats(&ctx, stage, result, &mut by_applicant, &mut outcome);
        }
    }
    for &(u, reason) in &fallback.unplaced {
        let unit = &units[u as usize];
        for &m in &unit.members {
            by_applicant[m as usize] = Some(Placement {
                school: None,
                stage: Stage::Unplaced,
                ticket: unit.public_ticket,
                reason: Some(reason),
                distance_m: None,
                class_no: None,
            });
        }
    }
    for (u, unit) in units.iter().enumerate() {
        for &m in &unit.members {
            outcome.unit_of[m as usize] = u as UnitIdx;
        }
    }
    // Every applicant is a member of exactly one unit, every unit starts in
    // `everyone`, each stage passes on as `rest` exactly the units it did
    // not seat, and the fallback seats or lists as unplaced every unit it is
    // given: so every applicant has a placement here.
    #[allow(clippy::expect_used)]
    let placements = by_applicant
        .into_iter()
        .map(|p| p.expect("every unit leaves the fallback placed or unplaced"))
        .collect();
    outcome.placements = placements;
    outcome.units = units;
    outcome
}

/// Writes the seats of an optimal assignment (members placed one by one)
/// and its unplaced into the outcome.
fn record_seats(
    ctx: &Context,
    stage: Stage,
    result: &stages::optimal::OptimalResult,
    by_applicant: &mut [Option<Placement>],
    outcome: &mut Outcome,
) {
    for seat in &result.seated {
        by_applicant[seat.applicant as usize] = Some(Placement {
            school: Some(seat.school),
            stage,
            ticket: ctx.units[seat.unit as usize].public_ticket,
            reason: None,
            distance_m: ctx.distances.between(seat.applicant, seat.school),
            class_no: None,
        });
        let school = &mut outcome.schools[seat.school as usize];
        school.admitted += 1;
        if stage == Stage::Fallback {
            school.admitted_fallback += 1;
        }
    }
    for &(applicant, unit, reason) in &result.unplaced {
        by_applicant[applicant as usize] = Some(Placement {
            school: None,
            stage: Stage::Unplaced,
            ticket: ctx.units[unit as usize].public_ticket,
            reason: Some(reason),
            distance_m: None,
            class_no: None,
        });
    }
}

/// Writes the placements of one stage and its draws into the outcome.
fn record(
    ctx: &Context,
    stage: Stage,
    result: &StageResult,
    by_applicant: &mut [Option<Placement>],
    outcome: &mut Outcome,
) {
    for p in &result.placed {
        let unit = &ctx.units[p.unit as usize];
        let rep_distance = ctx.distance(p.unit, p.school);
        for &m in &unit.members {
            by_applicant[m as usize] = Some(Placement {
                school: Some(p.school),
                stage,
                ticket: p.key.1,
                reason: None,
                distance_m: ctx.distances.between(m, p.school).or(rep_distance),
                class_no: None,
            });
            let school = &mut outcome.schools[p.school as usize];
            school.admitted += 1;
            if stage == Stage::Fallback {
                school.admitted_fallback += 1;
            }
        }
    }
    for draw in &result.draws {
        if let Some(s) = draw.school {
            let school = &mut outcome.schools[s as usize];
            for e in &draw.entries {
                school.applicants += ctx.units[e.unit as usize].size();
                if e.admitted {
                    school.cutoff = school.cutoff.max(Some(e.key));
                } else {
                    school.oversubscribed = true;
                }
            }
            if !school.oversubscribed {
                school.cutoff = None;
            }
        }
        outcome.draws.push(StageDraw {
            stage,
            draw: draw.clone(),
        });
    }
}

/// Deals each school's pupils into classes (spec §5).
fn form_classes(scenario: &Scenario, outcome: &mut Outcome) {
    let mut pupils: Vec<Vec<AppIdx>> = vec![Vec::new(); scenario.schools.len()];
    for (a, p) in outcome.placements.iter().enumerate() {
        if let Some(s) = p.school {
            pupils[s as usize].push(a as AppIdx);
        }
    }
    for (s, members) in pupils.iter().enumerate() {
        let school = scenario.school(s as SchoolIdx);
        let keys: Vec<(u32, Ticket, &str)> = members
            .iter()
            .map(|&a| {
                let app = scenario.applicant(a);
                (app.priority, outcome.placements[a as usize].ticket, app.id.as_str())
            })
            .collect();
        let class = classes::deal(&keys, school.cap, school.classes);
        let mut sizes = BTreeMap::new();
        for (&a, &c) in members.iter().zip(&class) {
            outcome.placements[a as usize].class_no = Some(c);
            *sizes.entry(c).or_insert(0u32) += 1;
        }
        let result = &mut outcome.schools[s];
        result.classes_opened = sizes.len() as u32;
        result.largest_class = sizes.values().copied().max().unwrap_or(0);
    }
}
