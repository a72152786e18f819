//! Stage 2 under rule `nearest`: deferred acceptance over all public
//! schools of the level, each unit ranking schools by distance.
//!
//! Lists are produced lazily through the spatial index ([`Walk`]), so a
//! unit only ever looks at as many schools as it proposes to; no distance
//! matrix is built. The same walk serves the fallback and the optimal
//! assignment, under either metric.

use rstar::RTree;

use crate::geo_index::{school_tree, NearestSchools, SchoolPoint};
use crate::matching::{deferred_acceptance, UnitIdx};
use crate::scenario::{AppIdx, Level, SchoolIdx, Sector};

use super::{from_matching, Context, StageResult};

/// Public schools of each level in an `rstar` tree.
pub struct PublicSchools {
    trees: [RTree<SchoolPoint>; 2],
}

impl PublicSchools {
    /// Indexes the public schools of a scenario whose seats satisfy `keep`.
    pub fn new(ctx: &Context, keep: impl Fn(SchoolIdx) -> bool) -> Self {
        let tree = |level: Level| {
            school_tree(&ctx.scenario.schools, |i, s| {
                s.level == level && s.sector == Sector::Public && keep(i)
            })
        };
        PublicSchools {
            trees: [tree(Level::Primary), tree(Level::Junior)],
        }
    }

    fn tree(&self, level: Level) -> &RTree<SchoolPoint> {
        &self.trees[level.index()]
    }

    /// Removes a school (it has no seat left).
    pub fn remove(&mut self, ctx: &Context, school: SchoolIdx) {
        let s = ctx.scenario.school(school);
        let point = SchoolPoint::new(crate::geo_index::unit_vector(s.lon, s.lat), school);
        self.trees[s.level.index()].remove(&point);
    }
}

/// A unit's public schools in (distance, id) order, with metres.
pub enum Walk<'a> {
    /// Lazily from the spatial index (haversine).
    Tree(NearestSchools<'a>),
    /// From the distance matrix row (reachable schools only).
    List(std::vec::IntoIter<(SchoolIdx, f64)>),
}

impl Iterator for Walk<'_> {
    type Item = (SchoolIdx, f64);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Walk::Tree(t) => t.next(),
            Walk::List(l) => l.next(),
        }
    }
}

/// Starts a walk over the public schools of an applicant's level in
/// `index` from its home: lazily through the tree under haversine, along
/// its (sorted) row under a distance matrix. With a matrix, `keep` filters
/// the row (the tree was already filtered when built).
pub fn walk<'t>(
    ctx: &Context<'t>,
    index: &'t PublicSchools,
    applicant: AppIdx,
    keep: impl Fn(SchoolIdx) -> bool,
) -> Walk<'t> {
    let app = ctx.scenario.applicant(applicant);
    match ctx.distances.matrix() {
        Some(m) => {
            let mut row: Vec<(SchoolIdx, f64)> = m
                .row(applicant)
                .iter()
                .copied()
                .filter(|&(s, _)| {
                    let school = ctx.scenario.school(s);
                    school.sector == Sector::Public && school.level == app.level && keep(s)
                })
                .collect();
            row.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            Walk::List(row.into_iter())
        }
        None => Walk::Tree(NearestSchools::new(
            index.tree(app.level),
            &ctx.scenario.schools,
            app.lon,
            app.lat,
        )),
    }
}

/// Runs the nearest stage over `units`, reducing `seats`.
pub fn run(ctx: &Context, units: &[UnitIdx], seats: &mut [u32]) -> StageResult {
    let index = PublicSchools::new(ctx, |_| true);
    let mut walks: Vec<Walk> = units
        .iter()
        .map(|&u| walk(ctx, &index, ctx.units[u.index()].rep(), |_| true))
        .collect();
    let sizes: Vec<u32> = units.iter().map(|&u| ctx.units[u.index()].size()).collect();
    let matching = deferred_acceptance(
        &sizes,
        seats,
        |l| walks[l.index()].next().map(|x| x.0),
        |l, s| ctx.public_key(units[l.index()], s),
    );
    let result = from_matching(units, &matching, seats, |s| ctx.public_label(s), ctx.draw_order);
    super::take_seats(ctx, &result.placed, seats);
    result
}
