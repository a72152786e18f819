//! An allocation round, top-down (spec §4).
//!
//! [`run`] reads as the spec does: find each applicant's zone, form the
//! units drawn together, then the private lottery, the public allocation by
//! the policy's rule, the district fallback, and class formation. Each
//! stage is a function of plain data in [`crate::stages`], all of one
//! shape; this module only passes seats and units from one to the next and
//! gathers the results with one routine.
//!
//! The round does no I/O and keeps no clock of its own: a caller that wants
//! the wall time of each phase (`catchment bench`, `run --verbose`) passes
//! a [`PhaseObserver`] to [`run_timed`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::classes;
use crate::error::{Diagnostics, Location};
use crate::geo_index::{Located, ZoneIndex};
use crate::lottery::{Key, Ticket};
use crate::matching::UnitIdx;
use crate::scenario::{AppIdx, Rule, Scenario, SchoolIdx, TieBreaking, ZoneIdx};
use crate::stages::{self, Context, Draw, DrawOrder, Reason, StageResult, Unit};
use rayon::prelude::*;

/// Told the wall time of each phase of a round as it ends ("zone lookup",
/// "matching", "classes", …), in order. The round itself measures nothing
/// else: memory and reporting are the observer's business.
pub trait PhaseObserver {
    /// Phase `name` has just ended after `elapsed`.
    fn phase(&mut self, name: &str, elapsed: Duration);
}

/// The observer of callers that do not time the round: ignores every phase.
impl PhaseObserver for () {
    fn phase(&mut self, _name: &str, _elapsed: Duration) {}
}

/// Runs `f` as phase `name`, telling `observer` how long it took.
fn timed<T>(observer: &mut dyn PhaseObserver, name: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = f();
    observer.phase(name, started.elapsed());
    value
}

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
}

/// Each applicant's zone under rule `zone` — its `zone` column, else the
/// zone of `index` covering its home — with warnings about overlaps, homes
/// in no zone, and choices outside the zone.
fn locate_zones(scenario: &Scenario, index: &ZoneIndex) -> (Vec<Option<ZoneIdx>>, Diagnostics) {
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
                    // A home on the boundary two zones share is in both
                    // (covers), but not in an overlap: only a home inside
                    // two zones is counted.
                    if let (Some(z), false) = (found.zone, found.also.is_empty()) {
                        let point = geo::Point::new(a.lon, a.lat);
                        let inside = |z: ZoneIdx| geo::Contains::contains(&scenario.zone(z).area, &point);
                        let mut zones = std::iter::once(z)
                            .chain(found.also.iter().copied())
                            .filter(|&z| inside(z));
                        if let (Some(first), Some(other)) = (zones.next(), zones.next()) {
                            bump(overlaps.entry((first, other)).or_insert((0, a.line)), a.line);
                        }
                    }
                    found.zone
                }
            };
            match zone {
                None => bump(&mut outside, a.line),
                Some(z) => {
                    let schools = &scenario.zone(z).schools;
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
        let (a, b) = (&scenario.zone(z).id, &scenario.zone(other).id);
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

/// Counts one more applicant, keeping the first line of the file among
/// them (applicants are in id order, not in line order).
fn bump(counter: &mut (usize, u64), line: u64) {
    if counter.0 == 0 || line < counter.1 {
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
                || zone_of[m.index()] != zone_of[unit.rep().index()]
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
}

/// Locates zones, forms units, checks groups, and lists each unit's zone
/// schools, telling `observer` the time of each phase.
pub fn prepare(scenario: &Scenario, observer: &mut dyn PhaseObserver) -> Prepared {
    let index = timed(observer, "zone index", || ZoneIndex::new(&scenario.zones));
    let (zone_of, mut warnings) = timed(observer, "zone lookup", || locate_zones(scenario, &index));
    let units = timed(observer, "lottery tickets", || {
        stages::form_units(scenario, &scenario.policy.seed)
    });
    timed(observer, "input checks", || {
        check_groups(scenario, &units, &zone_of, &mut warnings);
        warnings.extend(crate::planning::warnings(scenario, &zone_of));
    });
    let zone_lists = timed(observer, "preference lists", || {
        if scenario.policy.rule != Rule::Zone {
            return vec![Vec::new(); units.len()];
        }
        let ctx = Context::new(scenario, &units, &zone_of);
        (0..units.len() as u32)
            .into_par_iter()
            .map(|u| stages::zone::preferences(&ctx, UnitIdx(u)))
            .collect()
    });
    Prepared {
        zone_of,
        warnings,
        units,
        zone_lists,
    }
}

/// Warnings about a scenario that only show when preparing a round: zone
/// overlaps, homes in no zone, choices outside the zone, groups whose
/// members differ.
pub fn prepare_warnings(scenario: &Scenario) -> Diagnostics {
    prepare(scenario, &mut ()).warnings
}

/// Runs the round with the scenario's seed and policy, classes included.
pub fn run(scenario: &Scenario) -> Outcome {
    run_timed(scenario, &mut ())
}

/// [`run`], telling `observer` the wall time of each phase.
pub fn run_timed(scenario: &Scenario, observer: &mut dyn PhaseObserver) -> Outcome {
    let mut prepared = prepare(scenario, observer);
    let policy = &scenario.policy;
    // The prepared units were drawn with the policy's seed: the round takes
    // them over rather than copying them (a province's units are 300 MB).
    let units = std::mem::take(&mut prepared.units);
    let mut outcome = run_with_units(scenario, &prepared, units, &policy.seed, policy.tie_breaking, observer);
    timed(observer, "classes", || form_classes(scenario, &mut outcome));
    outcome
}

/// The part of a round drawn before the tie-breaking rule matters: the
/// private lottery, and the seats it leaves. `odds` draws it once per trial
/// and runs the public stages on it under both tie-breaking rules.
#[derive(Debug, Clone)]
pub struct PrivateDraw {
    /// The private lottery's result.
    pub result: StageResult,
    /// Seats left at every school after the private lottery.
    pub seats: Vec<u32>,
    /// The order of its draws' entries, which the public stages drawn
    /// after it keep.
    pub draw_order: DrawOrder,
}

/// The stage results of a round after the private lottery: the public stage
/// (by the policy's rule) and the fallback, in order.
#[derive(Debug, Clone)]
pub struct PublicDraw {
    /// The public stage's name and result.
    pub public: (Stage, StageResult),
    /// The fallback's result.
    pub fallback: StageResult,
}

/// The context of a round over prepared data drawn with `seed`.
fn trial_context<'a>(
    scenario: &'a Scenario,
    prepared: &'a Prepared,
    units: &'a [Unit],
    seed: &'a str,
    tie_breaking: TieBreaking,
    draw_order: DrawOrder,
) -> Context<'a> {
    Context::new(scenario, units, &prepared.zone_of)
        .drawn_with(seed, tie_breaking)
        .with_zone_lists(&prepared.zone_lists)
        .with_draw_order(draw_order)
}

/// The prepared units with their `public` tickets drawn with `seed`.
pub fn units_for(scenario: &Scenario, prepared: &Prepared, seed: &str) -> Vec<Unit> {
    if seed == scenario.policy.seed {
        prepared.units.clone()
    } else {
        stages::reticket(&prepared.units, seed)
    }
}

/// Draws the private lottery with `seed` over `units` (the prepared units
/// with tickets drawn with `seed`; see [`units_for`]), its draws and those
/// of the public stages after it in `draw_order`. The first stage does
/// not depend on the tie-breaking rule.
pub fn draw_private(
    scenario: &Scenario,
    prepared: &Prepared,
    units: &[Unit],
    seed: &str,
    draw_order: DrawOrder,
    observer: &mut dyn PhaseObserver,
) -> PrivateDraw {
    let ctx = trial_context(
        scenario,
        prepared,
        units,
        seed,
        scenario.policy.tie_breaking,
        draw_order,
    );
    let mut seats: Vec<u32> = scenario.schools.iter().map(|s| s.capacity).collect();
    let everyone: Vec<UnitIdx> = (0..units.len() as u32).map(UnitIdx).collect();
    let result = timed(observer, "private lottery", || {
        stages::private::run(&ctx, &everyone, &mut seats)
    });
    PrivateDraw {
        result,
        seats,
        draw_order,
    }
}

/// Runs the public stage and the fallback after `private`, drawn with
/// `seed` (the seed `private` was drawn with) and `tie_breaking`.
pub fn draw_public(
    scenario: &Scenario,
    prepared: &Prepared,
    units: &[Unit],
    private: &PrivateDraw,
    seed: &str,
    tie_breaking: TieBreaking,
    observer: &mut dyn PhaseObserver,
) -> PublicDraw {
    let ctx = trial_context(scenario, prepared, units, seed, tie_breaking, private.draw_order);
    let mut seats = private.seats.clone();
    // Under rule `optimal` the public stage is the min-cost flow, and
    // everyone it cannot seat is final: the fallback could not seat more
    // within the same limit.
    let (public_stage, phase, public_run): (Stage, &str, stages::Run) = match scenario.policy.rule {
        Rule::Zone => (Stage::Zone, "matching", stages::zone::run),
        Rule::Nearest => (Stage::Nearest, "matching", stages::nearest::run),
        Rule::Optimal => (Stage::Optimal, "flow", stages::optimal::run),
    };
    let public = timed(observer, phase, || public_run(&ctx, &private.result.rest, &mut seats));
    let fallback = timed(observer, "fallback", || {
        stages::fallback::run(&ctx, &public.rest, &mut seats)
    });
    PublicDraw {
        public: (public_stage, public),
        fallback,
    }
}

/// Runs the stages of the round on prepared data with a given seed and
/// tie-breaking (the policy's, or another for `odds` and its comparison).
/// Classes are not formed (`class_no` is `None`): [`run`] does that.
pub fn run_prepared(
    scenario: &Scenario,
    prepared: &Prepared,
    seed: &str,
    tie_breaking: TieBreaking,
    observer: &mut dyn PhaseObserver,
) -> Outcome {
    let units = units_for(scenario, prepared, seed);
    run_with_units(scenario, prepared, units, seed, tie_breaking, observer)
}

/// [`run_prepared`] with the units drawn with `seed` given
/// ([`units_for`]), so a caller that owns them need not copy them.
fn run_with_units(
    scenario: &Scenario,
    prepared: &Prepared,
    units: Vec<Unit>,
    seed: &str,
    tie_breaking: TieBreaking,
    observer: &mut dyn PhaseObserver,
) -> Outcome {
    let private = draw_private(scenario, prepared, &units, seed, DrawOrder::Ordered, observer);
    let PublicDraw {
        public: (public_stage, public),
        fallback,
    } = draw_public(scenario, prepared, &units, &private, seed, tie_breaking, observer);
    let private = private.result;
    let ctx = trial_context(scenario, prepared, &units, seed, tie_breaking, DrawOrder::Ordered);

    let mut outcome = Outcome {
        unit_of: vec![UnitIdx(0); scenario.applicants.len()],
        zone_of: prepared.zone_of.clone(),
        placements: Vec::with_capacity(scenario.applicants.len()),
        draws: Vec::new(),
        schools: vec![SchoolResult::default(); scenario.schools.len()],
        warnings: prepared.warnings.clone(),
        units: Vec::new(),
    };
    let mut by_applicant: Vec<Option<Placement>> = vec![None; scenario.applicants.len()];
    for (stage, result) in [
        (Stage::PrivateLottery, private),
        (public_stage, public),
        (Stage::Fallback, fallback),
    ] {
        record(&ctx, stage, result, &mut by_applicant, &mut outcome);
    }
    for (u, unit) in units.iter().enumerate() {
        for &m in &unit.members {
            outcome.unit_of[m.index()] = UnitIdx(u as u32);
        }
    }
    // Every applicant is a member of exactly one unit, every unit starts in
    // `everyone`, each stage passes on as `rest` exactly the units it did
    // not seat or leave unplaced, and the fallback passes on nobody: so
    // every applicant has a placement here.
    #[allow(clippy::expect_used)]
    let placements = by_applicant
        .into_iter()
        .map(|p| p.expect("every unit leaves the fallback placed or unplaced"))
        .collect();
    outcome.placements = placements;
    outcome.units = units;
    outcome
}

/// Writes the placements, the unplaced and the draws of one stage into the
/// outcome (the draws are moved, not copied).
fn record(
    ctx: &Context,
    stage: Stage,
    result: StageResult,
    by_applicant: &mut [Option<Placement>],
    outcome: &mut Outcome,
) {
    for p in &result.placed {
        for &m in p.who.members(ctx.units) {
            // A group's member without a matrix pair of its own is placed
            // at its representative's distance.
            let distance_m = ctx
                .distances
                .between(m, p.school)
                .or_else(|| ctx.distance(p.who.unit, p.school));
            by_applicant[m.index()] = Some(Placement {
                school: Some(p.school),
                stage,
                ticket: p.key.ticket,
                reason: None,
                distance_m,
                class_no: None,
            });
            let school = &mut outcome.schools[p.school.index()];
            school.admitted += 1;
            if stage == Stage::Fallback {
                school.admitted_fallback += 1;
            }
        }
    }
    for left in &result.unplaced {
        for &m in left.who.members(ctx.units) {
            by_applicant[m.index()] = Some(Placement {
                school: None,
                stage: Stage::Unplaced,
                ticket: ctx.units[left.who.unit.index()].public_ticket,
                reason: Some(left.reason),
                distance_m: None,
                class_no: None,
            });
        }
    }
    for draw in result.draws {
        if let Some(s) = draw.school {
            tally_draw(ctx.units, &draw, &mut outcome.schools[s.index()]);
        }
        outcome.draws.push(StageDraw { stage, draw });
    }
}

/// Counts a school's draw into its results: who applied, whether someone
/// was turned away, and then the cut-off (the last key admitted).
pub fn tally_draw(units: &[Unit], draw: &Draw, school: &mut SchoolResult) {
    for e in &draw.entries {
        school.applicants += units[e.unit.index()].size();
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

/// Deals each school's pupils into classes (spec §5).
fn form_classes(scenario: &Scenario, outcome: &mut Outcome) {
    let mut pupils: Vec<Vec<AppIdx>> = vec![Vec::new(); scenario.schools.len()];
    for (a, p) in outcome.placements.iter().enumerate() {
        if let Some(s) = p.school {
            pupils[s.index()].push(AppIdx(a as u32));
        }
    }
    for (s, members) in pupils.iter().enumerate() {
        let school = scenario.school(SchoolIdx(s as u32));
        let keys: Vec<(u32, Ticket, &str)> = members
            .iter()
            .map(|&a| {
                let app = scenario.applicant(a);
                (app.priority, outcome.placements[a.index()].ticket, app.id.as_str())
            })
            .collect();
        let class = classes::deal(&keys, school.cap, school.classes);
        let mut sizes = BTreeMap::new();
        for (&a, &c) in members.iter().zip(&class) {
            outcome.placements[a.index()].class_no = Some(c);
            *sizes.entry(c).or_insert(0u32) += 1;
        }
        let result = &mut outcome.schools[s];
        result.classes_opened = sizes.len() as u32;
        result.largest_class = sizes.values().copied().max().unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, LoadOptions};

    /// Remembers the names of the phases it is told about.
    #[derive(Default)]
    struct Names(Vec<String>);

    impl PhaseObserver for Names {
        fn phase(&mut self, name: &str, _elapsed: Duration) {
            self.0.push(name.to_string());
        }
    }

    #[test]
    fn a_timed_round_reports_each_phase_once_in_order_and_changes_nothing() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
        let scenario = scenario::load(&dir, &LoadOptions::default()).unwrap();
        let mut names = Names::default();
        let timed = run_timed(&scenario, &mut names);
        let expected = [
            "zone index",
            "zone lookup",
            "lottery tickets",
            "input checks",
            "preference lists",
            "private lottery",
            "matching",
            "fallback",
            "classes",
        ];
        assert_eq!(names.0, expected);
        let plain = run(&scenario);
        assert_eq!(timed.placements, plain.placements);
        assert_eq!(timed.schools, plain.schools);
    }
}
