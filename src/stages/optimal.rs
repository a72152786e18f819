//! Rule `optimal` and `fallback.rule = "optimal"`: the assignment of the
//! remaining applicants to the remaining public seats that first seats as
//! many as possible, then minimises total home–school distance (spec §4,
//! §8), solved exactly by [`crate::flow`].
//!
//! Groups are placed as separate members (spec §8): each applicant is one
//! source, measured from its own home. Pairs farther than
//! `fallback.max_distance_m`, when set, and pairs a distance matrix does not
//! list are not used. Among optimal assignments of equal cost the result is
//! the one [`crate::flow::assign`] reaches in its fixed processing order, so
//! it is deterministic.

use rstar::RTree;

use crate::distance::haversine;
use crate::flow::{self, CostModel};
use crate::geo_index::{school_tree, NearestSchools, SchoolPoint};
use crate::matching::UnitIdx;
use crate::scenario::{AppIdx, DistanceMetric, Level, SchoolIdx, Sector};

use super::fallback::Reason;
use super::Context;

/// One applicant seated by the optimal assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    /// The applicant.
    pub applicant: AppIdx,
    /// Its unit.
    pub unit: UnitIdx,
    /// Its school.
    pub school: SchoolIdx,
}

/// The optimal assignment of some units' members.
#[derive(Debug, Clone, Default)]
pub struct OptimalResult {
    /// Members seated.
    pub seated: Vec<Seat>,
    /// Members without a seat, with the reason.
    pub unplaced: Vec<(AppIdx, UnitIdx, Reason)>,
    /// Total metres of the seated.
    pub total_m: f64,
    /// Solver statistics.
    pub stats: flow::FlowStats,
}

/// The costs the solver sees: the members of the given units, and every
/// school (only public schools of a member's level with seats are ever
/// offered to it).
struct RoundCosts<'a> {
    ctx: &'a Context<'a>,
    /// The level solved: schools of other levels and private schools have
    /// no seats in this model, so the optimality check never looks at them.
    level: Level,
    members: Vec<(AppIdx, UnitIdx)>,
    seats: &'a [u32],
    trees: [RTree<SchoolPoint>; 2],
    limit: f64,
}

impl RoundCosts<'_> {
    fn allowed(&self, applicant: AppIdx, school: SchoolIdx) -> bool {
        let s = self.ctx.scenario.school(school);
        s.sector == Sector::Public
            && s.level == self.ctx.scenario.applicant(applicant).level
            && self.seats[school as usize] > 0
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
        let s = self.ctx.scenario.school(school as SchoolIdx);
        if s.level == self.level && s.sector == Sector::Public {
            self.seats[school]
        } else {
            0
        }
    }

    fn nearest(&self, i: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let a = self.members[i].0;
        let app = self.ctx.scenario.applicant(a);
        let limit = self.limit;
        match (self.ctx.scenario.policy.metric, &self.ctx.scenario.matrix) {
            (DistanceMetric::Matrix, Some(m)) => {
                let mut row: Vec<(usize, f64)> = m
                    .row(a)
                    .iter()
                    .filter(|&&(s, d)| d <= limit && self.allowed(a, s))
                    .map(|&(s, d)| (s as usize, d))
                    .collect();
                row.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
                Box::new(row.into_iter())
            }
            _ => Box::new(
                NearestSchools::new(
                    &self.trees[app.level.index()],
                    &self.ctx.scenario.schools,
                    app.lon,
                    app.lat,
                )
                .take_while(move |&(_, d)| d <= limit)
                .map(|(s, d)| (s as usize, d)),
            ),
        }
    }

    fn cost(&self, i: usize, school: usize) -> Option<f64> {
        let a = self.members[i].0;
        if school >= self.schools() || !self.allowed(a, school as SchoolIdx) {
            return None;
        }
        self.ctx
            .distances
            .between(a, school as SchoolIdx)
            .filter(|&d| d <= self.limit)
    }

    /// Haversine distances form a metric space, which lets the solver
    /// certify optimality from school-to-school distances (see
    /// [`CostModel::school_distance`]); a road matrix claims nothing.
    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        if self.ctx.scenario.policy.metric == DistanceMetric::Matrix {
            return None;
        }
        let (a, b) = (
            self.ctx.scenario.school(a as SchoolIdx),
            self.ctx.scenario.school(b as SchoolIdx),
        );
        Some(haversine((a.lon, a.lat), (b.lon, b.lat)))
    }
}

/// Seats the members of `units` optimally in `seats` (reduced by the
/// result).
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> OptimalResult {
    let mut result = OptimalResult::default();
    // Levels are allocated independently: one model per level.
    for level in Level::ALL {
        let members: Vec<(AppIdx, UnitIdx)> = units
            .iter()
            .filter(|&&u| ctx.units[u as usize].level == level)
            .flat_map(|&u| ctx.units[u as usize].members.iter().map(move |&m| (m, u)))
            .collect();
        if members.is_empty() {
            continue;
        }
        let tree = |level: Level| {
            school_tree(&ctx.scenario.schools, |i, s| {
                s.level == level && s.sector == Sector::Public && seats[i as usize] > 0
            })
        };
        let assignment = {
            let costs = RoundCosts {
                ctx,
                level,
                trees: [tree(Level::Primary), tree(Level::Junior)],
                members: members.clone(),
                seats,
                limit: ctx.scenario.policy.max_distance_m.unwrap_or(f64::INFINITY),
            };
            flow::assign(&costs)
        };
        result.total_m += assignment.total_m;
        result.stats = assignment.stats.clone();
        for (&(applicant, unit), school) in members.iter().zip(&assignment.school) {
            match *school {
                Some(s) => {
                    seats[s] -= 1;
                    result.seated.push(Seat {
                        applicant,
                        unit,
                        school: s as SchoolIdx,
                    });
                }
                None => result.unplaced.push((applicant, unit, Reason::NoCapacity)),
            }
        }
    }
    let free_by_level = super::free_public_seats(ctx, seats);
    // The reason, now that every level's seats are known.
    for entry in &mut result.unplaced {
        let level = ctx.scenario.applicant(entry.0).level;
        if free_by_level[level.index()] > 0 {
            entry.2 = Reason::NoSeatWithinLimit;
        }
    }
    result
}
