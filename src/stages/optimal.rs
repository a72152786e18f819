//! Rule `optimal` and `fallback.rule = "optimal"`: the assignment of the
//! remaining applicants to the remaining public seats that first seats as
//! many as possible, then minimises total home–school distance (spec §4,
//! §8), solved exactly by [`crate::flow`].
//!
//! Groups are placed as separate members (spec §8): each applicant is one
//! source, measured from its own home. Pairs farther than
//! `fallback.max_distance_m`, when set, and pairs a distance matrix does not
//! list are not used. Among optimal assignments of equal cost the result is
//! the canonical one, whatever the solver's path: applicants in increasing
//! id each take the lowest school index (unseated last) that an optimal
//! assignment completing the earlier choices gives them (see `flow`,
//! `# Ties`); so members sharing a home take the schools their home
//! received in increasing school index by increasing applicant id.

use crate::distance::sphere_point;
use crate::flow::{self, BoundPoints, CostModel};
use crate::geo_index::SchoolGrid;
use crate::matching::UnitIdx;
use crate::scenario::{AppIdx, Level, SchoolIdx, Sector};
use rayon::prelude::*;

use super::nearest::{walk, PublicSchools};
use super::{Context, Placed, Reason, StageResult, Unplaced, Who};

/// The costs the solver sees: the members of the given units, and every
/// school (only public schools of a member's level with seats are ever
/// offered to it).
struct RoundCosts<'a> {
    ctx: &'a Context<'a>,
    /// The level solved: schools of other levels and private schools have
    /// no seats in this model, so the optimality check never looks at them.
    level: Level,
    members: Vec<(AppIdx, UnitIdx)>,
    /// Each member's home on the haversine sphere, computed once for the
    /// candidates' queries and pricing's chord bounds (`None` under a
    /// distance matrix).
    homes: Option<Vec<[f64; 3]>>,
    seats: &'a [u32],
    /// The public schools with seats, for a distance matrix's rows.
    index: PublicSchools,
    /// The public schools of the level with seats, for haversine walks
    /// (`None` under a distance matrix): the same order as `index`'s tree,
    /// found faster.
    grid: Option<SchoolGrid>,
    limit: f64,
}

impl RoundCosts<'_> {
    fn allowed(&self, applicant: AppIdx, school: SchoolIdx) -> bool {
        let s = self.ctx.scenario.school(school);
        s.sector == Sector::Public
            && s.level == self.ctx.scenario.applicant(applicant).level
            && self.seats[school.index()] > 0
    }
}

impl CostModel for RoundCosts<'_> {
    fn applicants(&self) -> usize {
        self.members.len()
    }

    fn schools(&self) -> usize {
        self.ctx.scenario.schools.len()
    }

    fn capacity(&self, school: usize) -> u32 {
        let s = self.ctx.scenario.school(SchoolIdx(school as u32));
        if s.level == self.level && s.sector == Sector::Public {
            self.seats[school]
        } else {
            0
        }
    }

    fn nearest(&self, i: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let limit = self.limit;
        let seats = self.seats;
        if let Some(grid) = &self.grid {
            let app = self.ctx.scenario.applicant(self.members[i].0);
            return Box::new(
                grid.nearest(app.lon, app.lat)
                    .take_while(move |&(_, d)| d <= limit)
                    .map(|(s, d)| (s.index(), d)),
            );
        }
        Box::new(
            walk(self.ctx, &self.index, self.members[i].0, move |s| seats[s.index()] > 0)
                .take_while(move |&(_, d)| d <= limit)
                .map(|(s, d)| (s.index(), d)),
        )
    }

    /// Under haversine, the grid's bucket lists ([`SchoolGrid::nearest_k`]):
    /// no walk and no allocation per applicant.
    fn nearest_k(&self, i: usize, k: usize, out: &mut Vec<(usize, f64)>) {
        out.clear();
        let Some(grid) = &self.grid else {
            out.extend(self.nearest(i).take(k));
            return;
        };
        let app = self.ctx.scenario.applicant(self.members[i].0);
        let limit = self.limit;
        grid.nearest_k(app.lon, app.lat, k, |s, d| {
            if d > limit {
                return false;
            }
            out.push((s.index(), d));
            true
        });
    }

    /// Under haversine, the millimetres read off the chord
    /// ([`SchoolGrid::nearest_k_mm`]).
    fn nearest_k_mm(&self, i: usize, k: usize, out: &mut Vec<(usize, i64)>) -> bool {
        let (Some(grid), Some(homes)) = (&self.grid, &self.homes) else {
            return false;
        };
        let app = self.ctx.scenario.applicant(self.members[i].0);
        out.clear();
        grid.nearest_k_mm(homes[i], (app.lon, app.lat), k, self.limit, |s, mm| {
            out.push((s.index(), mm))
        });
        true
    }

    fn cost(&self, i: usize, school: usize) -> Option<f64> {
        let a = self.members[i].0;
        if school >= self.schools() || !self.allowed(a, SchoolIdx(school as u32)) {
            return None;
        }
        self.ctx
            .distances
            .between(a, SchoolIdx(school as u32))
            .filter(|&d| d <= self.limit)
    }

    /// Haversine distances form a metric space, which lets the solver
    /// certify optimality from school-to-school distances (see
    /// [`CostModel::school_distance`]); a road matrix claims nothing.
    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        self.ctx
            .distances
            .between_schools(SchoolIdx(a as u32), SchoolIdx(b as u32))
    }

    /// Under haversine, the points on the sphere (chords bound arcs from
    /// below); a road matrix claims nothing.
    fn lower_bound_points(&self) -> Option<BoundPoints> {
        let scenario = self.ctx.scenario;
        Some(BoundPoints {
            applicants: self.homes.clone()?,
            schools: scenario.schools.iter().map(|s| sphere_point(s.lon, s.lat)).collect(),
            limit_m: self.limit,
        })
    }
}

/// Seats the members of `units` optimally in `seats` (reduced by the
/// result), one by one: each placement and each unplaced is one member.
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> StageResult {
    let mut result = StageResult::default();
    // Levels are allocated independently: one model per level, which sees
    // only the seats of its own level's schools. So both are solved at
    // once (the routing of a tight level is sequential and would leave a
    // core idle), and the results are applied in level order: the same
    // as solving one after the other.
    let seats_now: &[u32] = seats;
    let solved: Vec<(Vec<(AppIdx, UnitIdx)>, flow::Assignment)> = Level::ALL
        .par_iter()
        .filter_map(|&level| {
            // By applicant id: the order of the canonical tie rule.
            let mut members: Vec<(AppIdx, UnitIdx)> = units
                .iter()
                .filter(|&&u| ctx.units[u.index()].level == level)
                .flat_map(|&u| ctx.units[u.index()].members.iter().map(move |&m| (m, u)))
                .collect();
            members.sort_unstable();
            if members.is_empty() {
                return None;
            }
            let homes = ctx.distances.matrix().is_none().then(|| {
                members
                    .par_iter()
                    .map(|&(a, _)| {
                        let app = ctx.scenario.applicant(a);
                        sphere_point(app.lon, app.lat)
                    })
                    .collect()
            });
            let costs = RoundCosts {
                ctx,
                level,
                homes,
                index: PublicSchools::new(ctx, |s| seats_now[s.index()] > 0),
                grid: ctx.distances.matrix().is_none().then(|| {
                    SchoolGrid::new(&ctx.scenario.schools, |i, s| {
                        s.level == level && s.sector == Sector::Public && seats_now[i.index()] > 0
                    })
                }),
                members,
                seats: seats_now,
                limit: ctx.scenario.policy.max_distance_m.unwrap_or(f64::INFINITY),
            };
            let assignment = flow::assign(&costs);
            Some((costs.members, assignment))
        })
        .collect();
    // Room for every seated member at once (a list of 300,000 grown by
    // pushing is copied several times over).
    result.placed.reserve(solved.iter().map(|(_, a)| a.seated).sum());
    for (members, assignment) in solved {
        for (&(applicant, unit), school) in members.iter().zip(&assignment.school) {
            let who = Who {
                unit,
                member: Some(applicant),
            };
            match *school {
                Some(s) => {
                    seats[s] -= 1;
                    result.placed.push(Placed {
                        who,
                        school: SchoolIdx(s as u32),
                        key: ctx.units[unit.index()].key(),
                    });
                }
                None => result.unplaced.push(Unplaced {
                    who,
                    reason: Reason::NoCapacity,
                }),
            }
        }
    }
    let free_by_level = super::free_public_seats(ctx, seats);
    // The reason, now that every level's seats are known.
    for entry in &mut result.unplaced {
        let level = ctx.units[entry.who.unit.index()].level;
        if free_by_level[level.index()] > 0 {
            entry.reason = Reason::NoSeatWithinLimit;
        }
    }
    result
}
