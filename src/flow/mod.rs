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
//! under them, and routing repairs the rest. With comfortably more seats
//! than applicants the start is "everyone at the nearest candidate, all
//! prices 0". When seats fall short of the applicants, or only just cover
//! them (less than 3% spare), the optimum reshapes every catchment (on a
//! 300,000-applicant city with seats 0.95× demand, half the junior
//! applicants leave their nearest school and prices reach 23 km), and
//! routing from zero prices would move tens of thousands of units one long
//! path at a time. Such a level with at least [`FlowOptions::sample_from`]
//! applicants (5,000) starts from the prices of the optimum of a sample:
//! every [`SAMPLE_STEP`]-th applicant in the solver's order (which groups
//! applicants by nearest school), with every school's seats scaled by the
//! same factor, solved the same way (so recursively, down to a few
//! thousand) but stopped after one pricing round, since only its prices
//! are used. A price is where a school's catchment ends, which the sample
//! draws nearly as well as the whole. A pricing round under the sample's
//! prices then adds the pairs beyond the nearest few that the optimum will
//! need, before the first routing rather than after it. A smaller level
//! whose seats fall short is started by an auction instead: the balanced
//! assignment with a virtual school of `applicants − seats` seats at cost 0
//! for "unseated", priced with ε-scaling, its prices shifted by `M`.
//!
//! Internally, applicants are renumbered by their nearest candidate school
//! (then by index), so that neighbours share cache lines.
//!
//! # Candidates and the optimality certificate
//! Only the `k` nearest allowed schools of each applicant are candidates
//! ([`FlowOptions::candidates`]; half as many again when seats are only
//! just enough, where many optimal pairs lie farther out, and a quarter
//! fewer when seats are plenty). After solving, the prices are a dual
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
//! every allowed pair. A round does not check again an applicant the
//! previous round certified while its value stays below the floor that
//! round found (the least of the bounds that ruled its pairs out) plus the
//! least rise of any price since (`c_ij + p_j` then still exceeds it for
//! every `j`): after a routing that moved little, the last round checks a
//! few hundred applicants, not all of them.
//!
//! # Ties
//! The result is a deterministic function of the model alone: not of the
//! number of threads (parallel work is collected in order, everything else
//! is sequential), and not of the algorithm's path either (candidate count,
//! warm start, pricing method): among all optimal assignments (the most
//! seated, then the least total in whole millimetres) the solver returns
//! the canonical one. Applicants in the model's order (the round:
//! increasing applicant id) each take the lowest-index school, unseated
//! last, that some optimal assignment gives them together with the choices
//! of those before them.
//!
//! After the certificate, the final prices are optimal duals, and every
//! optimal assignment satisfies complementary slackness with any optimal
//! duals: each applicant at a *tight* option (cost plus price equal to its
//! value), every school priced above `Z` full, the others within their
//! seats. So the optimal assignments are exactly the placements on tight
//! options with those loads, whichever optimal prices the solver ended
//! with. Pricing adds every tight pair outside the candidates (reduced cost
//! `≤ 0`, not only `< 0`), so the solver sees all of them. Only applicants
//! with two tight options or more can differ between optima (typically the
//! marginal applicants of a few schools); for each of them in order, an
//! option is taken iff a breadth-first search over the moves of the later
//! ones finds room for it: a node that can take one more (`Z`, or a school
//! priced as `Z` with a free seat), or the applicant's own node, which must
//! be the end when its school must stay full; then the search may also
//! pass from a node with room to any school priced as `Z` that gives up
//! one of its applicants, whose moves lead back to the own school.
//! The solver does this after solving (`solver::ties`) and checks the
//! certificate again on the result.
//!
//! *Twins*, applicants with identical costs to every school (in the round,
//! applicants sharing a home), are a special case: they receive the schools
//! of their home in increasing school index, unseated last, in the model's
//! order (were a later twin to hold a lower school, the earlier could have
//! taken it by exchanging with it).
mod lp;
mod solver;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use lp::assign_lp;
use solver::Solver;

/// Largest distance a pair may have, metres (10⁶ km, far beyond any
/// distance on Earth): larger costs are clamped to it, so that the penalty
/// for leaving an applicant unseated provably dominates any distance.
pub const MAX_METRES: f64 = 1.0e9;

/// Lower bounds kept per school for the metric shortcut of pricing.
const METRIC_LIST: usize = 64;

/// Nearest schools kept in distance order per cached school, from which
/// pricing's metric lists are read without scanning every school.
const METRIC_NEAR: usize = 256;

/// Most schools for which pricing computes all school-to-school distances.
const METRIC_MAX_SCHOOLS: usize = 5000;

/// Most usable schools for which pricing keeps each school's
/// [`METRIC_NEAR`] nearest between rounds (`schools²` bounds computed once;
/// 6 MiB kept at this bound).
const METRIC_CACHE_SCHOOLS: usize = 2048;

/// Bid budget of the warm-start auction, per applicant.
const AUCTION_BIDS_PER_APPLICANT: usize = 16;

/// The sample that warm-starts a level whose seats only just cover its
/// applicants: every `SAMPLE_STEP`-th applicant. The optimum of a sample
/// has nearly the prices of the whole (the price of a school is where its
/// catchment ends, which a sample draws nearly as well), at an eighth of
/// the routing.
pub const SAMPLE_STEP: usize = 8;

/// Default of [`FlowOptions::sample_from`]: below this, the level is solved
/// from zero prices at once.
pub const SAMPLE_FROM: usize = 5_000;

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
    /// The first `k` items of [`CostModel::nearest`], into `out` (cleared
    /// first): the same items, for a model with a way to find them
    /// without a boxed iterator per applicant (the solver asks for every
    /// applicant's first few).
    fn nearest_k(&self, applicant: usize, k: usize, out: &mut Vec<(usize, f64)>) {
        out.clear();
        out.extend(self.nearest(applicant).take(k));
    }
    /// The first `k` items of [`CostModel::nearest`] as (school, cost in
    /// whole millimetres, rounded as the solver rounds metres), into `out`
    /// (cleared first) in nondecreasing millimetres, for a model that can
    /// find the millimetres faster than the metres (the round under
    /// haversine reads them off the chord, see
    /// [`crate::geo_index::SchoolGrid::nearest_k_mm`]); the solver's
    /// candidates need no more. Returns false if the model cannot (the
    /// default), and the solver asks [`CostModel::nearest_k`].
    fn nearest_k_mm(&self, applicant: usize, k: usize, out: &mut Vec<(usize, i64)>) -> bool {
        let _ = (applicant, k, out);
        false
    }
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

    /// A lower bound in whole millimetres on the straight line between
    /// schools `a` and `b`, with the same margins as [`BoundPoints::lower_mm`].
    fn between_schools_mm(&self, a: usize, b: usize) -> i64 {
        let (a, b) = (self.schools[a], self.schools[b]);
        let d2 = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
        let metres = d2.sqrt() * (1.0 - 1e-12) - 0.002;
        (metres.clamp(0.0, MAX_METRES) * 1000.0) as i64
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
}

/// Tuning of [`assign_with`]; the result does not depend on it (ties
/// included: module docs, `# Ties`), only the time it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowOptions {
    /// Candidate schools per applicant before pricing (at least 1): half
    /// as many again when seats cover the applicants but exceed them by
    /// less than `1/TIGHT_SEATS_DIV` (3%), where the optimum sends many
    /// applicants past their nearest few schools; a quarter fewer
    /// otherwise, with seats to spare (most keep one of their nearest
    /// few) or too few (those the optimum moves mostly go unseated rather
    /// than far).
    pub candidates: usize,
    /// From this many applicants up, a level whose seats only just cover
    /// its applicants (as for `candidates`) starts from the prices of the
    /// optimum of a sample of its applicants, every
    /// [`SAMPLE_STEP`]-th (solved the same way, so recursively), instead
    /// of from zero prices.
    pub sample_from: usize,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            candidates: 8,
            sample_from: SAMPLE_FROM,
        }
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
    /// Applicants in the samples whose prices started the solve (all
    /// levels of recursion), 0 when it started from zero prices.
    pub sampled: usize,
    /// Seats over capacity when exact routing starts (after the warm start).
    pub initial_excess: usize,
    /// Shortest-path searches, one per unit of flow moved.
    pub augmentations: usize,
    /// Nodes settled over all searches.
    pub nodes_settled: usize,
    /// Applicant moves along augmenting paths.
    pub moves: usize,
    /// Applicants the canonical tie rule moved to another optimal school
    /// (module docs, `# Ties`).
    pub ties_moved: usize,
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
    let mut solver = Solver::new(model, options);
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
