//! The stages of a round (spec §4), each a function from plain data to
//! plain data: [`private`] lottery, public allocation by [`zone`],
//! [`nearest`] or [`optimal`], and district [`fallback`]. Every stage has
//! the same shape, `run(&Context, units, &mut seats) -> StageResult`, so
//! [`crate::round::run`] calls them in order and gathers their results with
//! one routine; they share only the read-only [`Context`] and the seat
//! counts passed in and out.

pub mod fallback;
pub mod nearest;
pub mod optimal;
pub mod private;
pub mod zone;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::distance::Distances;
use crate::lottery::{self, DrawTickets, Key, Ticket};
use crate::matching::{Matching, UnitIdx};
use crate::scenario::{AppIdx, GroupPolicy, Level, Scenario, SchoolIdx, TieBreaking, ZoneIdx};

/// Who is drawn and placed as one: an applicant, or a group drawn together.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Members sorted by id; the first is the representative whose home,
    /// zone and choices the unit uses.
    pub members: Vec<AppIdx>,
    /// The best (lowest) priority of the members.
    pub priority: u32,
    /// The id its tickets are drawn for: the applicant id, or `group:<id>`.
    pub draw_id: String,
    /// Level applied for.
    pub level: Level,
    /// Its ticket with label `public` (fallback order, single tie-breaking).
    pub public_ticket: Ticket,
}

impl Unit {
    /// The member whose home, zone and choices stand for the unit.
    pub fn rep(&self) -> AppIdx {
        self.members[0]
    }

    /// Seats the unit needs.
    pub fn size(&self) -> u32 {
        self.members.len() as u32
    }

    /// Its (priority, `public` ticket): its place in the fallback order,
    /// and at every public school under single tie-breaking.
    pub fn key(&self) -> Key {
        Key {
            priority: self.priority,
            ticket: self.public_ticket,
        }
    }
}

/// Forms units: groups of the same level drawn together under
/// `groups = "together"` (a one-member group is a plain applicant), every
/// applicant alone otherwise. Units are ordered by representative id; their
/// `public` tickets are drawn with `seed`.
pub fn form_units(scenario: &Scenario, seed: &str) -> Vec<Unit> {
    let mut groups: BTreeMap<(Level, &str), Vec<AppIdx>> = BTreeMap::new();
    let mut units = Vec::new();
    for (i, a) in scenario.applicants.iter().enumerate() {
        match (&a.group, scenario.policy.groups) {
            (Some(g), GroupPolicy::Together) => groups.entry((a.level, g.as_str())).or_default().push(AppIdx(i as u32)),
            _ => units.push((vec![AppIdx(i as u32)], None)),
        }
    }
    for ((_, g), members) in groups {
        if members.len() == 1 {
            units.push((members, None));
        } else {
            units.push((members, Some(g)));
        }
    }
    let public = DrawTickets::new(seed, "public");
    // A ticket per unit (a SHA-256 each, millions on a province): drawn in
    // parallel, collected in order.
    let mut units: Vec<Unit> = units
        .into_par_iter()
        .map(|(members, group)| {
            let rep = scenario.applicant(members[0]);
            let draw_id = match group {
                Some(g) => format!("group:{g}"),
                None => rep.id.clone(),
            };
            Unit {
                priority: members
                    .iter()
                    .map(|&m| scenario.applicant(m).priority)
                    .min()
                    .unwrap_or(1),
                public_ticket: public.ticket(&draw_id),
                members,
                draw_id,
                level: rep.level,
            }
        })
        .collect();
    // Already in order but for the groups, which a stable sort finds.
    units.sort_by_key(|u| u.members[0]);
    units
}

/// The same units with their `public` tickets drawn with another seed.
pub fn reticket(units: &[Unit], seed: &str) -> Vec<Unit> {
    let mut units = units.to_vec();
    redraw_tickets(&mut units, seed);
    units
}

/// Draws the units' `public` tickets again with another seed, in place
/// (`odds` keeps one set of units per thread and redraws it every trial).
pub fn redraw_tickets(units: &mut [Unit], seed: &str) {
    let public = DrawTickets::new(seed, "public");
    for u in units {
        u.public_ticket = public.ticket(&u.draw_id);
    }
}

/// Read-only data every stage uses. Built with [`Context::new`], then
/// [`Context::drawn_with`] and [`Context::with_zone_lists`] where a round
/// needs them.
pub struct Context<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// All units of the round.
    pub units: &'a [Unit],
    /// The zone of each applicant (rule zone), by applicant index.
    pub zone_of: &'a [Option<ZoneIdx>],
    /// The distance metric.
    pub distances: Distances<'a>,
    /// The lottery seed of this round.
    pub seed: &'a str,
    /// Single or multiple tie-breaking in stage 2.
    pub tie_breaking: TieBreaking,
    /// Each unit's list of zone schools (rule `zone`), computed once by
    /// [`crate::round::prepare`] with [`zone::preferences`].
    pub zone_lists: &'a [Vec<SchoolIdx>],
    /// Whether the stages' draws list their entries in order.
    pub draw_order: DrawOrder,
    /// Each school's draw under `seed` (`private:<id>` at a private school,
    /// `public:<id>` at a public one), made on first use.
    school_draws: OnceLock<Vec<DrawTickets>>,
}

/// Whether a stage's draws list their entries in (priority, ticket) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawOrder {
    /// In order, as the lottery transcript publishes them and the checks
    /// read them.
    Ordered,
    /// In the order proposed (deterministic, but not the draw's): enough
    /// for tallies over the entries, which is all the trials of `odds`
    /// read, and for whom the sort was an eighth of a trial.
    Unordered,
}

impl<'a> Context<'a> {
    /// The context of a round over `units`, drawn with the policy's seed and
    /// tie-breaking, with no precomputed zone lists (a stage that needs them
    /// gets them from [`Context::with_zone_lists`]; checks recompute them
    /// with [`zone::preferences`]).
    pub fn new(scenario: &'a Scenario, units: &'a [Unit], zone_of: &'a [Option<ZoneIdx>]) -> Self {
        Context {
            scenario,
            units,
            zone_of,
            distances: Distances::new(scenario),
            seed: &scenario.policy.seed,
            tie_breaking: scenario.policy.tie_breaking,
            zone_lists: &[],
            draw_order: DrawOrder::Ordered,
            school_draws: OnceLock::new(),
        }
    }

    /// The same context drawn with another seed and tie-breaking (the
    /// trials of `odds`).
    pub fn drawn_with(self, seed: &'a str, tie_breaking: TieBreaking) -> Self {
        Context {
            seed,
            tie_breaking,
            school_draws: OnceLock::new(),
            ..self
        }
    }

    /// The same context with the stages' draws in `draw_order`.
    pub fn with_draw_order(self, draw_order: DrawOrder) -> Self {
        Context { draw_order, ..self }
    }

    /// The same context with each unit's zone schools listed in advance
    /// (rule `zone`; see [`crate::round::prepare`]).
    pub fn with_zone_lists(self, zone_lists: &'a [Vec<SchoolIdx>]) -> Self {
        Context { zone_lists, ..self }
    }

    /// Metres from a unit's representative home to a school, if reachable.
    pub fn distance(&self, unit: UnitIdx, school: SchoolIdx) -> Option<f64> {
        self.distances.between(self.units[unit.index()].rep(), school)
    }

    /// A unit's (priority, ticket) at a public school in stage 2, by the
    /// tie-breaking policy.
    pub fn public_key(&self, unit: UnitIdx, school: SchoolIdx) -> Key {
        let u = &self.units[unit.index()];
        match self.tie_breaking {
            TieBreaking::Single => u.key(),
            TieBreaking::Multiple => Key {
                priority: u.priority,
                ticket: self.school_draw(school).ticket(&u.draw_id),
            },
        }
    }

    /// A school's own draw under this round's seed: `private:<id>` at a
    /// private school (stage 1), `public:<id>` at a public one (stage 2
    /// under multiple tie-breaking).
    pub fn school_draw(&self, school: SchoolIdx) -> &DrawTickets {
        let draws = self.school_draws.get_or_init(|| {
            let label = |s: &crate::scenario::School| match s.sector {
                crate::scenario::Sector::Private => lottery::private_label(&s.id),
                crate::scenario::Sector::Public => lottery::public_label(Some(&s.id)),
            };
            self.scenario
                .schools
                .iter()
                .map(|s| DrawTickets::new(self.seed, &label(s)))
                .collect()
        });
        &draws[school.index()]
    }

    /// The draw label of a public school in stage 2.
    pub fn public_label(&self, school: SchoolIdx) -> String {
        match self.tie_breaking {
            TieBreaking::Single => lottery::public_label(None),
            TieBreaking::Multiple => lottery::public_label(Some(&self.scenario.school(school).id)),
        }
    }
}

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

/// Whom a stage's decision concerns: a whole unit (its members are placed
/// together), or one member of it, where a stage places members one by one
/// (the optimal assignment, spec §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    /// The unit (index into [`Context::units`]).
    pub unit: UnitIdx,
    /// The one member concerned, or `None` for every member.
    pub member: Option<AppIdx>,
}

impl Who {
    /// Every member of `unit`.
    pub fn unit(unit: UnitIdx) -> Who {
        Who { unit, member: None }
    }

    /// The applicants concerned, among the round's `units`.
    pub fn members<'u>(&'u self, units: &'u [Unit]) -> &'u [AppIdx] {
        match &self.member {
            Some(m) => std::slice::from_ref(m),
            None => &units[self.unit.index()].members,
        }
    }
}

/// Applicants placed by a stage, with the key they were admitted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// The unit, or the one member, placed.
    pub who: Who,
    /// Its school.
    pub school: SchoolIdx,
    /// Its (priority, ticket) at that school; the unit's `public` ticket
    /// where no lottery decided (the optimal assignment).
    pub key: Key,
}

/// Applicants a stage leaves without a seat for good, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unplaced {
    /// The unit, or the one member, left without a seat.
    pub who: Who,
    /// Why.
    pub reason: Reason,
}

/// One school's draw in a stage, for the lottery transcript.
#[derive(Debug, Clone)]
pub struct Draw {
    /// Ticket label of the draw.
    pub label: String,
    /// The school, or `None` for the district-wide fallback order.
    pub school: Option<SchoolIdx>,
    /// Seats at the start of the draw.
    pub seats: u32,
    /// Units in (priority, ticket) order (in the order proposed under
    /// [`DrawOrder::Unordered`]).
    pub entries: Vec<DrawEntry>,
}

/// One unit in a draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawEntry {
    /// The unit.
    pub unit: UnitIdx,
    /// Its (priority, ticket) in the draw.
    pub key: Key,
    /// Whether it holds a seat at the end of the stage.
    pub admitted: bool,
    /// The position of the school on the unit's list (1 = first choice);
    /// `None` in the fallback, which has no lists.
    pub choice: Option<u32>,
}

/// What every stage returns: who was placed where, who goes on to the next
/// stage, who is left without a seat and why, and the draws.
#[derive(Debug, Clone, Default)]
pub struct StageResult {
    /// Applicants placed in this stage.
    pub placed: Vec<Placed>,
    /// Units that go on to the next stage, in the order received.
    pub rest: Vec<UnitIdx>,
    /// Applicants left without a seat for good (the last stage of a
    /// round: the fallback, or the optimal assignment).
    pub unplaced: Vec<Unplaced>,
    /// The draws of the stage.
    pub draws: Vec<Draw>,
}

/// The shape of every stage: the round's context, the units it is given,
/// and the seats left (reduced by the stage), to its result.
pub type Run = fn(&Context, &[UnitIdx], &mut [u32]) -> StageResult;

/// Turns a deferred-acceptance matching over `participants` into a stage
/// result: placements, the rest, and one draw per school proposed to, in
/// school order.
///
/// The proposals are grouped by school first (a counting sort, keeping
/// their order), then each school's draw is made and sorted on its own,
/// the schools in parallel: a province's draws hold millions of entries.
pub fn from_matching(
    participants: &[UnitIdx],
    matching: &Matching,
    seats: &[u32],
    label: impl Fn(SchoolIdx) -> String + Sync,
    order: DrawOrder,
) -> StageResult {
    let mut result = StageResult::default();
    let mut keys: Vec<Option<Key>> = vec![None; participants.len()];
    // A unit proposes down its list, so its k-th proposal is its k-th choice.
    let mut proposals_made = vec![0u32; participants.len()];
    let mut choice = Vec::with_capacity(matching.proposals.len());
    // Where each school's proposals start in `by_school`.
    let mut start = vec![0usize; seats.len() + 1];
    for p in &matching.proposals {
        if matching.assigned[p.unit.index()] == Some(p.school) {
            keys[p.unit.index()] = Some(p.key);
        }
        proposals_made[p.unit.index()] += 1;
        choice.push(proposals_made[p.unit.index()]);
        start[p.school.index() + 1] += 1;
    }
    drop(proposals_made);
    for s in 0..seats.len() {
        start[s + 1] += start[s];
    }
    let mut next = start.clone();
    let mut by_school = vec![0u32; matching.proposals.len()];
    for (i, p) in matching.proposals.iter().enumerate() {
        by_school[next[p.school.index()]] = i as u32;
        next[p.school.index()] += 1;
    }
    drop(next);
    let placed = matching.assigned.iter().filter(|a| a.is_some()).count();
    result.placed.reserve_exact(placed);
    result.rest.reserve_exact(participants.len() - placed);
    for (local, &unit) in participants.iter().enumerate() {
        match (matching.assigned[local], keys[local]) {
            (Some(school), Some(key)) => result.placed.push(Placed {
                who: Who::unit(unit),
                school,
                key,
            }),
            _ => result.rest.push(unit),
        }
    }
    result.draws = (0..seats.len())
        .into_par_iter()
        .filter(|&s| start[s + 1] > start[s])
        .map(|s| {
            let school = SchoolIdx(s as u32);
            let mut entries: Vec<DrawEntry> = by_school[start[s]..start[s + 1]]
                .iter()
                .map(|&i| {
                    let p = &matching.proposals[i as usize];
                    DrawEntry {
                        unit: participants[p.unit.index()],
                        key: p.key,
                        admitted: matching.assigned[p.unit.index()] == Some(school),
                        choice: Some(choice[i as usize]),
                    }
                })
                .collect();
            // (key, unit, choice) never ties, so the unstable sort gives the
            // order of a stable sort by (key, unit) over proposals in order.
            if order == DrawOrder::Ordered {
                entries.sort_unstable_by(|a, b| {
                    a.key
                        .cmp(&b.key)
                        .then(a.unit.cmp(&b.unit))
                        .then(a.choice.cmp(&b.choice))
                });
            }
            Draw {
                label: label(school),
                school: Some(school),
                seats: seats[s],
                entries,
            }
        })
        .collect();
    result
}

/// Runs deferred acceptance for `participants` with fixed preference lists
/// (`prefs[i]` for `participants[i]`) and a key function, on each set of
/// participants linked by shared schools apart, in parallel (see
/// [`crate::matching::deferred_acceptance_by_component`]).
///
/// Under [`DrawOrder::Unordered`] (the trials of `odds`, which already
/// keep every core busy) it is one run over all: the same assignment, the
/// proposals interleaved differently, and no components to find.
pub fn run_da(
    ctx: &Context,
    participants: &[UnitIdx],
    prefs: &[impl AsRef<[SchoolIdx]> + Sync],
    seats: &[u32],
    key: impl Fn(UnitIdx, SchoolIdx) -> Key + Sync,
) -> Matching {
    let sizes: Vec<u32> = participants.iter().map(|&u| ctx.units[u.index()].size()).collect();
    let key = |l: UnitIdx, s| key(participants[l.index()], s);
    match ctx.draw_order {
        DrawOrder::Ordered => crate::matching::deferred_acceptance_by_component(&sizes, seats, prefs, key),
        DrawOrder::Unordered => {
            let mut pos = vec![0usize; prefs.len()];
            let next = |u: UnitIdx| {
                let s = prefs[u.index()].as_ref().get(pos[u.index()]).copied();
                pos[u.index()] += 1;
                s
            };
            crate::matching::deferred_acceptance(&sizes, seats, next, key)
        }
    }
}

/// Free seats at the public schools of each level (indexed by
/// [`Level::index`]); the fallback and the optimal stage use it to tell
/// `no_capacity` from `no_seat_within_limit`.
pub fn free_public_seats(ctx: &Context, seats: &[u32]) -> [u64; 2] {
    let mut free = [0u64; 2];
    for (s, &n) in ctx.scenario.schools.iter().zip(seats) {
        if s.sector == crate::scenario::Sector::Public {
            free[s.level.index()] += u64::from(n);
        }
    }
    free
}

/// Takes the seats of the placed out of `seats`.
pub fn take_seats(ctx: &Context, placed: &[Placed], seats: &mut [u32]) {
    for p in placed {
        seats[p.school.index()] -= p.who.members(ctx.units).len() as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_is_every_member_of_a_unit_or_the_one_named() {
        let unit = Unit {
            members: vec![AppIdx(4), AppIdx(7)],
            priority: 1,
            draw_id: "group:g".to_string(),
            level: Level::Primary,
            public_ticket: lottery::ticket("s", "public", "group:g"),
        };
        let units = [unit];
        assert_eq!(Who::unit(UnitIdx(0)).members(&units), [AppIdx(4), AppIdx(7)]);
        let one = Who {
            unit: UnitIdx(0),
            member: Some(AppIdx(7)),
        };
        assert_eq!(one.members(&units), [AppIdx(7)]);
    }
}
