//! Exact minimum-distance assignment: the transportation problem behind
//! rule `optimal` and `fallback.rule = "optimal"` (spec §4, §8).
//!
//! Applicants (one seat each) go to schools (capacity `c_j` each) or stay
//! unseated. Some pairs are not allowed (beyond `max_distance_m`, or not
//! in the distance matrix). The objective is lexicographic: first seat as
//! many applicants as possible, then minimise the total distance of the
//! seated. [`assign`] solves it exactly with a specialised min-cost flow;
//! [`assign_lp`] writes the same question as a linear programme for
//! `good_lp`/`microlp` so that tests can compare the two on small instances.
//! Costs come from a [`CostModel`]: the round implements it over a bucket
//! grid of the schools ([`crate::geo_index::SchoolGrid`], haversine) or the
//! distance matrix, tests with [`DenseCosts`].
//!
//! # Examples
//! ```
//! use catchment::flow::{assign, DenseCosts};
//!
//! // Two applicants, two schools of one seat each. Greedy in applicant
//! // order would give applicant 0 its nearest school (1 m) and send
//! // applicant 1 to the far one (100 m); the optimum swaps them.
//! let costs = DenseCosts::new(
//!     vec![1, 1],
//!     vec![vec![Some(1.0), Some(2.0)], vec![Some(1.0), Some(100.0)]],
//! );
//! let a = assign(&costs);
//! assert_eq!(a.school, vec![Some(1), Some(0)]);
//! assert_eq!(a.seated, 2);
//! assert_eq!(a.total_m, 3.0);
//! ```
//!
//! # The model
//! Costs are whole millimetres (`i64`): `round(metres × 1000)`, clamped to
//! `[0, MAX_METRES]`. The optimum is exact for these rounded costs; two
//! pairs whose rounded costs are equal are equally good, so distances that
//! differ by less than 0.5 mm may be treated as equal (and the reported
//! `total_m`, the sum of the unrounded metres of the chosen pairs, is within
//! 1 mm per applicant of the optimum over unrounded metres). A NaN cost makes
//! a pair not allowed; schools of capacity 0 are never used.
//!
//! "Seat as many as possible" is an arc from every applicant to an
//! *unseated* sink with cost `M = (min(applicants, schools) + 1) · C`, where
//! `C = MAX_METRES` in mm bounds every allowed cost. Why this is large
//! enough: if an optimum `x` of the penalised problem seated fewer applicants
//! than some assignment `y`, the difference `y − x` decomposes into cycles of
//! the residual graph of `x`, one of which re-seats an unseated applicant
//! (cost `−M`) and ends in a school with a free seat after an alternating
//! path over distinct schools and applicants: at most `min(applicants,
//! schools)` pairs gained, each costing at most `C`, and pairs given up
//! costing `≤ 0`. That cycle would cost `< 0`, contradicting optimality.
//! All potentials and path lengths are `i128`, so nothing overflows.
//!
//! # The algorithm
//! Successive shortest paths on a pseudo-flow, contracted to schools. The
//! duals are school prices `p_j` (and `p_Z` for the unseated sink `Z`).
//! Every applicant always sits at a school minimising `c_ij + p_j` over its
//! candidate schools (or at `Z` if `M + p_Z` is no larger), so the residual
//! graph never needs applicant nodes: an applicant `i` at school `a` with
//! candidate `b` is a school→school arc of reduced cost
//! `c_ib + p_b − c_ia − p_a ≥ 0`, and for each ordered pair of schools the
//! cheapest such applicant is the top of a heap keyed by `c_ib − c_ia`
//! (with a cached copy of each top, so that a search reads one compact
//! array per school). Shortest paths therefore run over `schools + 1` nodes
//! (Dijkstra with the prices as potentials, stopped at the first sink),
//! whatever the number of applicants. A school with more applicants than
//! seats is a source; `Z` (reached through a school with a free seat, or by
//! unseating an applicant) is the sink; a school priced above `p_Z` must be
//! full, and if it is not it is a sink too. Each path moves one applicant
//! per arc.
//!
//! Any prices give a valid start: each applicant goes to its best school
//! under them, and routing repairs the rest. With at least as many seats as
//! applicants the start is "everyone at the nearest candidate, all prices
//! 0". With fewer seats, every seat will be taken and the problem is a
//! balanced assignment with a virtual school of `applicants − seats` seats
//! at cost 0 for "unseated"; an auction with ε-scaling prices it cheaply
//! (prices of the order of distances, where routing with `M` would move
//! thousands of units one long path at a time), and its prices, shifted by
//! `M`, start the exact routing, which then has little left to do.
//!
//! Internally, applicants are renumbered by their nearest candidate school
//! (then by index), so that neighbours share cache lines.
//!
//! # Candidates and the optimality certificate
//! Only the `k` nearest allowed schools of each applicant are candidates
//! ([`FlowOptions::candidates`]; half as many again when seats are only
//! just enough, where many optimal pairs lie farther out). After solving, the prices are a dual
//! solution of the candidate problem, and they prove optimality for the full
//! problem if no pair outside it has negative reduced cost, i.e. for every
//! applicant `i` with value `v_i = c_ia + p_a` (or `M` if unseated) and
//! every allowed school `j`, `c_ij + p_j ≥ v_i`. Non-candidates are at
//! least as far as the `k`-th candidate, so only schools priced below
//! `v_i − c_(k)` can violate this; most applicants are certified by that
//! comparison alone. The others are checked against exactly those schools,
//! found either by the triangle inequality (when the model gives
//! [`CostModel::school_distance`]: `c_ij ≥ d(a, j) − c_ia`, with per-school
//! lists of the smallest `d(a, j) + p_j`, the distances computed once per
//! solve), then, when the model gives
//! [`CostModel::lower_bound_points`] (haversine: chords of the sphere), by
//! scanning the schools priced below `v_i − c_(k)` with the chord as a
//! lower bound on `c_ij` and [`CostModel::cost`] only for the few it does
//! not rule out, or else by two sorted accesses, the
//! schools by increasing price and [`CostModel::nearest`] by increasing
//! distance, stopped as soon as distance plus price reach `v_i` (Fagin's
//! threshold algorithm). Each way finds every violating pair, so the
//! result does not depend on which is used. Violating pairs (at most twice a school's
//! capacity plus 48 per school and round, the most negative first) are
//! added and the problem is re-solved from the current prices; this repeats
//! until a pricing round finds nothing. The result is then optimal for
//! every allowed pair.
//!
//! # Ties
//! The result is a deterministic function of the model (the order in which
//! `nearest` yields equal distances included), independent of the number of
//! threads: parallel work (candidate lists, auction checks, pricing) is
//! collected in order, and everything else is sequential.
//!
//! Among *twins*, applicants with identical costs to every school
//! ([`CostModel::twins`]; in the round, applicants sharing a home), the
//! rule is canonical and does not depend on the algorithm: after solving,
//! the schools each group of twins received are handed out again, in
//! increasing school index with unseated last, to the members in the
//! group's order (the round: increasing applicant id). Exchanging schools
//! among twins keeps the seated count, every school's load and the total
//! cost, so the result stays optimal and certified (the prices still
//! prove it: twins have the same cost plus price everywhere).
//!
//! Other ties, assignments of equal rounded cost that differ beyond
//! twins (e.g. an exchange between two homes whose costs differ by exactly
//! the same number of millimetres), are rare; among them the solver returns
//! the one reached by its fixed order: applicants are numbered by (nearest
//! candidate school, index); each takes its best school under the starting
//! prices, the first in (cost, school) order on a tie; oversubscribed
//! schools are drained in increasing index; shortest paths break ties by
//! smaller node index, and the applicant moved along an arc is the one with
//! the smallest (cost difference, number).

mod lp;
mod solver;
#[cfg(test)]
mod tests;
mod twins;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use lp::assign_lp;
use solver::Solver;

/// Largest distance a pair may have, metres (10⁶ km, far beyond any
/// distance on Earth): larger costs are clamped to it, so that the penalty
/// for leaving an applicant unseated provably dominates any distance.
pub const MAX_METRES: f64 = 1.0e9;

/// Lower bounds kept per school for the metric shortcut of pricing.
const METRIC_LIST: usize = 64;

/// Most schools for which pricing computes all school-to-school distances.
const METRIC_MAX_SCHOOLS: usize = 5000;

/// Most usable schools for which pricing keeps the school-to-school lower
/// bounds between rounds (`schools²` integers: 32 MiB at this bound).
const METRIC_CACHE_SCHOOLS: usize = 2048;

/// Bid budget of the warm-start auction, per applicant.
const AUCTION_BIDS_PER_APPLICANT: usize = 16;

/// Seats "only just enough" for [`FlowOptions::candidates`]: at least as
/// many as applicants, and fewer than `1 + 1/TIGHT_SEATS_DIV` times them.
const TIGHT_SEATS_DIV: u64 = 33;

/// A placement moving at least `1/PLACE_REBUILD_SHARE` of the applicants
/// rebuilds every arc heap; a smaller one updates the movers' entries.
const PLACE_REBUILD_SHARE: usize = 16;

/// Schools checked by price before walking `nearest` in a pricing round.
const PRICE_WALK: usize = 48;

/// [`MAX_METRES`] in millimetres: the bound `C` on every cost.
const COST_CAP_MM: i64 = 1_000_000_000_000;

/// Where the costs come from: the applicants, the schools with their
/// capacities, and, for each applicant, its allowed schools nearest first.
///
/// The round implements it for haversine distances (via the bucket grid
/// [`crate::geo_index::SchoolGrid`]) and for the distance matrix; tests use
/// [`DenseCosts`].
pub trait CostModel: Sync {
    /// Number of applicants; they are `0..applicants()`.
    fn applicants(&self) -> usize;
    /// Number of schools; they are `0..schools()`.
    fn schools(&self) -> usize;
    /// Seats of a school (0 means it is never used).
    fn capacity(&self, school: usize) -> u32;
    /// The allowed schools of an applicant with their cost in metres, in
    /// nondecreasing cost order (ties in a fixed order, e.g. by school),
    /// lazily: the solver usually reads only the first few. Pairs that are
    /// not allowed (too far, not reachable) are never yielded.
    fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_>;
    /// The cost in metres of one pair, `None` if it is not allowed; the same
    /// value `nearest` yields for it.
    fn cost(&self, applicant: usize, school: usize) -> Option<f64>;
    /// Distance in metres between two schools, when costs are distances of
    /// one metric space (haversine is; a road matrix generally cannot say):
    /// then `cost(i, b) ≥ school_distance(a, b) − cost(i, a)` for every
    /// applicant `i` and schools `a`, `b`, which makes the optimality
    /// certificate much cheaper. The default, `None`, claims nothing.
    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        let _ = (a, b);
        None
    }
    /// Points whose straight-line distances bound the costs from below,
    /// when the model has them: `|x_i − y_j| ≤ cost(i, j)` (metres) for
    /// every applicant `i` and allowed school `j`. Haversine has them: the
    /// points on the sphere ([`crate::distance::sphere_point`]), whose
    /// chords are never longer than their arcs. Pricing then checks the
    /// schools that could violate the certificate with a few
    /// multiplications each instead of walking [`CostModel::nearest`]
    /// (the pairs found, and so the result, are the same). The default,
    /// `None`, claims nothing.
    fn lower_bound_points(&self) -> Option<BoundPoints> {
        None
    }
    /// Groups of twins: applicants whose costs to every school are
    /// identical (the same [`CostModel::nearest`] sequence and the same
    /// [`CostModel::cost`] for every school), such as applicants sharing a
    /// home under haversine. Each group lists its members in the order the
    /// tie rule serves them (the round: by applicant id); groups of one may
    /// be left out. After solving, each group's schools are handed out
    /// again in that order (module docs, `# Ties`), so that which twin gets
    /// which school does not depend on the algorithm. The default, no
    /// groups, claims nothing.
    fn twins(&self) -> Vec<Vec<usize>> {
        Vec::new()
    }
}

/// Points for [`CostModel::lower_bound_points`]: one per applicant and one
/// per school, in metres.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoundPoints {
    /// Point of each applicant, `0..applicants()`.
    pub applicants: Vec<[f64; 3]>,
    /// Point of each school, `0..schools()`.
    pub schools: Vec<[f64; 3]>,
    /// No pair whose points are farther apart than this (metres) is
    /// allowed (a distance limit); infinity claims nothing.
    pub limit_m: f64,
}

impl BoundPoints {
    /// A lower bound on the cost in whole millimetres (as [`to_mm`] rounds
    /// it) of applicant `i` at school `j`: the straight-line distance less
    /// 2 mm for rounding and floating-point error.
    /// `None` when the pair is surely beyond [`BoundPoints::limit_m`].
    fn lower_mm(&self, i: usize, j: usize) -> Option<i64> {
        let (a, b) = (self.applicants[i], self.schools[j]);
        let d2 = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
        let metres = d2.sqrt() * (1.0 - 1e-12) - 0.002;
        (metres <= self.limit_m).then(|| (metres.min(MAX_METRES) * 1000.0) as i64)
    }
}

/// A [`CostModel`] from an explicit cost table: `metres[i][j]` is the cost
/// of applicant `i` at school `j`, `None` (or a missing entry) when the pair
/// is not allowed.
///
/// ```
/// use catchment::flow::{CostModel, DenseCosts};
///
/// let costs = DenseCosts::new(vec![1, 1], vec![vec![Some(5.0), Some(2.0)]]);
/// assert_eq!(costs.nearest(0).collect::<Vec<_>>(), vec![(1, 2.0), (0, 5.0)]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DenseCosts {
    capacity: Vec<u32>,
    metres: Vec<Vec<Option<f64>>>,
}

impl DenseCosts {
    /// A table with one row per applicant and one capacity per school.
    pub fn new(capacity: Vec<u32>, metres: Vec<Vec<Option<f64>>>) -> Self {
        DenseCosts { capacity, metres }
    }
}

impl CostModel for DenseCosts {
    fn applicants(&self) -> usize {
        self.metres.len()
    }

    fn schools(&self) -> usize {
        self.capacity.len()
    }

    fn capacity(&self, school: usize) -> u32 {
        self.capacity.get(school).copied().unwrap_or(0)
    }

    fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let Some(row) = self.metres.get(applicant) else {
            return Box::new(std::iter::empty());
        };
        let mut pairs: Vec<(usize, f64)> = row
            .iter()
            .take(self.capacity.len())
            .enumerate()
            .filter_map(|(j, d)| d.filter(|d| !d.is_nan()).map(|d| (j, d)))
            .collect();
        pairs.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        Box::new(pairs.into_iter())
    }

    fn cost(&self, applicant: usize, school: usize) -> Option<f64> {
        if school >= self.capacity.len() {
            return None;
        }
        let d = (*self.metres.get(applicant)?.get(school)?)?;
        (!d.is_nan()).then_some(d)
    }

    /// Applicants with equal rows (entries beyond the last school, missing
    /// entries and NaN count as not allowed), by increasing index.
    fn twins(&self) -> Vec<Vec<usize>> {
        let m = self.capacity.len();
        let row = |i: usize| -> Vec<Option<u64>> { (0..m).map(|j| self.cost(i, j).map(f64::to_bits)).collect() };
        let mut keyed: Vec<(Vec<Option<u64>>, usize)> = (0..self.metres.len()).map(|i| (row(i), i)).collect();
        keyed.sort();
        keyed
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|g| g.len() > 1)
            .map(|g| g.iter().map(|e| e.1).collect())
            .collect()
    }
}

/// Tuning of [`assign_with`]; the result does not depend on it except
/// among assignments of equal cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowOptions {
    /// Candidate schools per applicant before pricing (at least 1); half as
    /// many again when seats exceed applicants by less than
    /// `1/TIGHT_SEATS_DIV` (3%), where the optimum sends many applicants
    /// past their nearest few schools.
    pub candidates: usize,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions { candidates: 8 }
    }
}

/// An optimal assignment and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The school of each applicant, `None` when unseated.
    pub school: Vec<Option<usize>>,
    /// Number of seated applicants (the maximum possible).
    pub seated: usize,
    /// Sum of the distances of the chosen pairs, metres (as the model gave them).
    pub total_m: f64,
    /// The objective actually minimised: sum of the chosen pairs' costs in
    /// whole millimetres.
    pub total_mm: i128,
    /// Work counters (deterministic; no timings).
    pub stats: FlowStats,
}

/// Counters describing a solve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowStats {
    /// Applicant–school pairs in the first candidate set.
    pub candidate_edges: usize,
    /// Pricing passes over all applicants (the last one found nothing).
    pub pricing_rounds: usize,
    /// Pairs added by pricing (negative reduced cost outside the candidates).
    pub edges_added: usize,
    /// Applicants not certified by their candidates alone, summed over
    /// pricing rounds.
    pub applicants_walked: usize,
    /// Pairs read for them beyond the candidates (`cost` checks and
    /// `nearest` items).
    pub pairs_walked: usize,
    /// Bids in the warm-start auction.
    pub auction_bids: usize,
    /// Seats over capacity when exact routing starts (after the warm start).
    pub initial_excess: usize,
    /// Shortest-path searches, one per unit of flow moved.
    pub augmentations: usize,
    /// Nodes settled over all searches.
    pub nodes_settled: usize,
    /// Applicant moves along augmenting paths.
    pub moves: usize,
    /// Applicants whose school the tie rule among twins changed (module
    /// docs, `# Ties`).
    pub twins_moved: usize,
    /// Whether the result is proven optimal over every allowed pair: the
    /// last pricing round found no violating pair, and the final prices
    /// and assignment were re-checked for complementary slackness over the
    /// candidate pairs. Always true unless the solver has a bug; the
    /// process-wide tally is [`certificates`].
    pub certified: bool,
}

/// How many solves this process ran, and how many ended certified
/// ([`FlowStats::certified`]); for `catchment bench`, which cannot see the
/// flows inside a round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Certificates {
    /// Solves with at least one applicant.
    pub solves: usize,
    /// Of those, the certified ones.
    pub certified: usize,
}

static SOLVES: AtomicUsize = AtomicUsize::new(0);
static CERTIFIED: AtomicUsize = AtomicUsize::new(0);

/// The process-wide tally of solves and certificates so far.
pub fn certificates() -> Certificates {
    Certificates {
        solves: SOLVES.load(Ordering::Relaxed),
        certified: CERTIFIED.load(Ordering::Relaxed),
    }
}

/// The exact optimum with [`FlowOptions::default`]: the maximum number of
/// applicants seated, then the minimum total distance.
pub fn assign(model: &dyn CostModel) -> Assignment {
    assign_with(model, &FlowOptions::default())
}

/// The exact optimum, with explicit tuning.
pub fn assign_with(model: &dyn CostModel, options: &FlowOptions) -> Assignment {
    let mut solver = Solver::new(model, options.candidates.max(1));
    solver.solve();
    let assignment = solver.into_assignment();
    if model.applicants() > 0 {
        SOLVES.fetch_add(1, Ordering::Relaxed);
        if assignment.stats.certified {
            CERTIFIED.fetch_add(1, Ordering::Relaxed);
        }
    }
    assignment
}

/// Metres to the solver's integer millimetres; `None` for NaN.
fn to_mm(metres: f64) -> Option<i64> {
    if metres.is_nan() {
        return None;
    }
    Some((metres.clamp(0.0, MAX_METRES) * 1000.0).round() as i64)
}
