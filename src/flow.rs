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
//! Costs come from a [`CostModel`]: the round implements it over the `rstar`
//! index (haversine) or the distance matrix, tests with [`DenseCosts`].
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
//! ([`FlowOptions::candidates`]). After solving, the prices are a dual
//! solution of the candidate problem, and they prove optimality for the full
//! problem if no pair outside it has negative reduced cost, i.e. for every
//! applicant `i` with value `v_i = c_ia + p_a` (or `M` if unseated) and
//! every allowed school `j`, `c_ij + p_j ≥ v_i`. Non-candidates are at
//! least as far as the `k`-th candidate, so only schools priced below
//! `v_i − c_(k)` can violate this; most applicants are certified by that
//! comparison alone. The others are checked against exactly those schools,
//! found either by the triangle inequality (when the model gives
//! [`CostModel::school_distance`]: `c_ij ≥ d(a, j) − c_ia`, with per-school
//! lists of the smallest `d(a, j) + p_j`) or by two sorted accesses, the
//! schools by increasing price and [`CostModel::nearest`] by increasing
//! distance, stopped as soon as distance plus price reach `v_i` (Fagin's
//! threshold algorithm). Violating pairs (at most twice a school's
//! capacity plus 48 per school and round, the most negative first) are
//! added and the problem is re-solved from the current prices; this repeats
//! until a pricing round finds nothing. The result is then optimal for
//! every allowed pair.
//!
//! # Ties
//! The result is a deterministic function of the model (the order in which
//! `nearest` yields equal distances included), independent of the number of
//! threads: parallel work (candidate lists, auction checks, pricing) is
//! collected in order, and everything else is sequential. Among
//! assignments of equal rounded cost it returns the one reached by this
//! fixed order: applicants are numbered by (nearest candidate school,
//! index); each takes its best school under the starting prices, the first
//! in (cost, school) order on a tie; oversubscribed schools are drained in
//! increasing index; shortest paths break ties by smaller node index, and
//! the applicant moved along an arc is the one with the smallest (cost
//! difference, number).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use good_lp::{constraint, microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
use rayon::prelude::*;

/// Largest distance a pair may have, metres (10⁶ km, far beyond any
/// distance on Earth): larger costs are clamped to it, so that the penalty
/// for leaving an applicant unseated provably dominates any distance.
pub const MAX_METRES: f64 = 1.0e9;

/// Lower bounds kept per school for the metric shortcut of pricing.
const METRIC_LIST: usize = 64;

/// Most schools for which pricing computes all school-to-school distances.
const METRIC_MAX_SCHOOLS: usize = 5000;

/// Bid budget of the warm-start auction, per applicant.
const AUCTION_BIDS_PER_APPLICANT: usize = 16;

/// Schools checked by price before walking `nearest` in a pricing round.
const PRICE_WALK: usize = 48;

/// [`MAX_METRES`] in millimetres: the bound `C` on every cost.
const COST_CAP_MM: i64 = 1_000_000_000_000;

/// Where the costs come from: the applicants, the schools with their
/// capacities, and, for each applicant, its allowed schools nearest first.
///
/// The round implements it for haversine distances (via the `rstar` index,
/// [`crate::geo_index::NearestSchools`]) and for the distance matrix; tests
/// use [`DenseCosts`].
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

/// Tuning of [`assign_with`]; the result does not depend on it except
/// among assignments of equal cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowOptions {
    /// Candidate schools per applicant before pricing (at least 1).
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
    solver.into_assignment()
}

/// Marks "no applicant" in a predecessor: the arc is a seat arc between a
/// school and `Z`.
const SEAT_ARC: u32 = u32::MAX;

/// Metres to the solver's integer millimetres; `None` for NaN.
fn to_mm(metres: f64) -> Option<i64> {
    if metres.is_nan() {
        return None;
    }
    Some((metres.clamp(0.0, MAX_METRES) * 1000.0).round() as i64)
}

/// Marks a cached heap top that must be recomputed (its applicant left).
const DIRTY: u32 = u32::MAX;
/// Marks a heap with no applicant still at the node.
const NONE: u32 = u32::MAX - 1;

/// Outgoing applicant arcs of one node: for each target node, a heap of
/// (cost difference, applicant) over the applicants sitting at the node,
/// and a copy of its least valid entry. Searches read only the copies,
/// which lie side by side in memory; entries of applicants who have left
/// are dropped from a heap when its copy is recomputed.
#[derive(Default)]
struct Arcs {
    to: Vec<u32>,
    top: Vec<(i64, u32)>,
    heaps: Vec<BinaryHeap<Reverse<(i64, u32)>>>,
}

impl Arcs {
    /// Arcs from sorted (target, key, applicant) entries.
    fn from_sorted(entries: &[(u32, i64, u32)]) -> Self {
        let mut arcs = Arcs::default();
        for group in entries.chunk_by(|a, b| a.0 == b.0) {
            arcs.to.push(group[0].0);
            arcs.top.push((group[0].1, group[0].2));
            arcs.heaps.push(group.iter().map(|e| Reverse((e.1, e.2))).collect());
        }
        arcs
    }

    fn slot(&mut self, to: u32) -> usize {
        match self.to.binary_search(&to) {
            Ok(k) => k,
            Err(k) => {
                self.to.insert(k, to);
                self.top.insert(k, (0, NONE));
                self.heaps.insert(k, BinaryHeap::new());
                k
            }
        }
    }

    fn push(&mut self, to: u32, key: i64, applicant: u32) {
        let s = self.slot(to);
        self.heaps[s].push(Reverse((key, applicant)));
        let top = &mut self.top[s];
        if top.1 == NONE || (top.1 != DIRTY && (key, applicant) < *top) {
            *top = (key, applicant);
        }
    }

    /// An applicant left the node: its cached entries must be recomputed.
    fn leave(&mut self, to: u32, applicant: u32) {
        if let Ok(s) = self.to.binary_search(&to) {
            if self.top[s].1 == applicant {
                self.top[s].1 = DIRTY;
            }
        }
    }
}

/// One candidate school of an applicant, with its cost.
#[derive(Clone, Copy)]
struct Pair {
    mm: i64,
    school: u32,
}

/// Candidate pairs in flat arrays, per applicant sorted by (mm, school).
#[derive(Default)]
struct Candidates {
    start: Vec<usize>,
    pair: Vec<Pair>,
    metres: Vec<f64>,
    /// All allowed schools with a cost below this (mm) are candidates.
    bound: Vec<i64>,
}

impl Candidates {
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i]..self.start[i + 1]
    }

    fn find(&self, i: usize, school: u32) -> Option<usize> {
        self.range(i).find(|&k| self.pair[k].school == school)
    }
}

/// A pair as (school, cost in mm, cost in metres).
type NewPair = (u32, i64, f64);

/// Pairs added to one applicant by pricing.
type Additions = (u32, Vec<NewPair>);

/// One applicant's candidates before flattening.
#[derive(Default)]
struct Row {
    pairs: Vec<NewPair>,
    bound: i64,
}

struct Solver<'a> {
    model: &'a dyn CostModel,
    /// Internal applicant index → the model's index.
    perm: Vec<u32>,
    n: usize,
    m: usize,
    /// Index of the unseated sink `Z`.
    z: u32,
    k: usize,
    cap: Vec<u32>,
    big_m: i128,
    cand: Candidates,
    /// Node of each applicant (a school, or `z`).
    at: Vec<u32>,
    /// Cost (mm) of each applicant's current pair; 0 at `z`.
    at_mm: Vec<i64>,
    /// Prices of schools and of `Z` (index `z`).
    price: Vec<i128>,
    /// Flow from each school into `Z`: seats counted as filled.
    filled: Vec<u32>,
    /// Inflow minus outflow of each node, `Z` included.
    excess: Vec<i64>,
    arcs: Vec<Arcs>,
    // Search scratch.
    dist: Vec<i128>,
    pred: Vec<(u32, u32)>,
    seen: Vec<u32>,
    done: Vec<u32>,
    stamp: u32,
    settled: Vec<u32>,
    queue: BinaryHeap<Reverse<(i128, u32)>>,
    stats: FlowStats,
}

impl<'a> Solver<'a> {
    fn new(model: &'a dyn CostModel, k: usize) -> Self {
        let n = model.applicants();
        let m = model.schools();
        let cap: Vec<u32> = (0..m).map(|j| model.capacity(j)).collect();
        let big_m = (n.min(m) as i128 + 1) * COST_CAP_MM as i128;
        Solver {
            model,
            perm: Vec::new(),
            n,
            m,
            z: m as u32,
            k,
            cap,
            big_m,
            cand: Candidates::default(),
            at: vec![m as u32; n],
            at_mm: vec![0; n],
            price: vec![0; m + 1],
            filled: vec![0; m],
            excess: vec![0; m + 1],
            arcs: Vec::new(),
            dist: vec![0; m + 1],
            pred: vec![(0, 0); m + 1],
            seen: vec![0; m + 1],
            done: vec![0; m + 1],
            stamp: 0,
            settled: Vec::new(),
            queue: BinaryHeap::new(),
            stats: FlowStats::default(),
        }
    }

    /// Whether a school index from the model can take anyone.
    fn usable(&self, school: usize) -> bool {
        school < self.m && self.cap[school] > 0
    }

    /// The first `k` usable schools of an applicant.
    fn first_candidates(&self, i: usize) -> Row {
        let mut pairs: Vec<NewPair> = Vec::with_capacity(self.k);
        let mut bound = i64::MAX;
        for (j, metres) in self.model.nearest(i) {
            let Some(mm) = to_mm(metres) else { continue };
            if !self.usable(j) || pairs.iter().any(|p| p.0 == j as u32) {
                continue;
            }
            pairs.push((j as u32, mm, metres));
            if pairs.len() == self.k {
                bound = mm;
                break;
            }
        }
        Row { pairs, bound }
    }

    fn set_candidates(&mut self, mut rows: Vec<Row>) {
        let total: usize = rows.iter().map(|r| r.pairs.len()).sum();
        let mut c = Candidates {
            start: Vec::with_capacity(self.n + 1),
            pair: Vec::with_capacity(total),
            metres: Vec::with_capacity(total),
            bound: Vec::with_capacity(self.n),
        };
        c.start.push(0);
        for row in rows.iter_mut() {
            row.pairs.sort_by_key(|p| (p.1, p.0));
            for &(j, mm, metres) in &row.pairs {
                c.pair.push(Pair { mm, school: j });
                c.metres.push(metres);
            }
            c.start.push(c.pair.len());
            c.bound.push(row.bound);
        }
        self.cand = c;
    }

    fn solve(&mut self) {
        if self.n == 0 {
            return;
        }
        let mut rows: Vec<Row> = (0..self.n).into_par_iter().map(|i| self.first_candidates(i)).collect();
        // Applicants sharing a nearest school sit side by side in memory.
        let mut perm: Vec<u32> = (0..self.n as u32).collect();
        perm.sort_by_key(|&i| (rows[i as usize].pairs.first().map_or(u32::MAX, |p| p.0), i));
        let rows: Vec<Row> = perm.iter().map(|&i| std::mem::take(&mut rows[i as usize])).collect();
        self.perm = perm;
        self.set_candidates(rows);
        self.stats.candidate_edges = self.cand.pair.len();
        self.auction();
        let all: Vec<u32> = (0..self.n as u32).collect();
        self.place(&all);
        self.stats.initial_excess = self.excess[..self.m].iter().map(|&e| e.max(0) as usize).sum();
        loop {
            self.route();
            self.normalise_prices();
            self.stats.pricing_rounds += 1;
            let added = self.price_out();
            if added.is_empty() {
                break;
            }
            self.stats.edges_added += added.iter().map(|(_, v)| v.len()).sum::<usize>();
            self.add_candidates(&added);
            let movers: Vec<u32> = added.iter().map(|(i, _)| *i).collect();
            self.place(&movers);
        }
    }

    /// Warm start for a tight instance (no more usable seats than
    /// applicants), when every seat is expected to be filled: then leaving
    /// an applicant unseated is like a seat at a virtual school `Z` of
    /// capacity `applicants − seats` at cost 0, a balanced assignment
    /// problem with prices of the order of distances (not of `M`). An
    /// auction with ε-scaling (Bertsekas, for similar objects) prices it:
    /// each applicant bids for its best option (cost plus price) by the
    /// margin over its second best plus ε, and a full school drops its
    /// lowest bid. The school prices, shifted so that `Z` costs `M`, start
    /// the exact routing, which repairs whatever the auction got wrong (an
    /// unfillable seat, a bid budget run out, the remaining ε).
    fn auction(&mut self) {
        let (n, m) = (self.n, self.m);
        // Seats that candidates can reach at all: a school takes at most its
        // capacity and at most the applicants who have it as a candidate.
        let mut degree = vec![0u64; m];
        for p in &self.cand.pair {
            degree[p.school as usize] += 1;
        }
        let seats: u64 = self.cap.iter().zip(&degree).map(|(&c, &d)| (c as u64).min(d)).sum();
        let homeless = (0..n).filter(|&i| self.cand.range(i).is_empty()).count() as u64;
        if n == 0 || seats + homeless > n as u64 {
            return;
        }
        // Capacities with `Z` last.
        let z = m;
        let mut cap: Vec<usize> = self
            .cap
            .iter()
            .zip(&degree)
            .map(|(&c, &d)| (c as u64).min(d) as usize)
            .collect();
        cap.push((n as u64 - seats - homeless) as usize);
        // The scale of ε: the median gap between an applicant's two nearest
        // candidates; and a margin for applicants with a single option.
        let mut gaps: Vec<i64> = (0..n)
            .filter_map(|i| {
                let r = self.cand.range(i);
                (r.len() >= 2).then(|| self.cand.pair[r.start + 1].mm - self.cand.pair[r.start].mm)
            })
            .collect();
        let scale = match gaps.len() {
            0 => 1000,
            len => (*gaps.select_nth_unstable(len / 2).1).max(1000),
        };
        let far = (0..n)
            .filter_map(|i| self.cand.range(i).last().map(|k| self.cand.pair[k].mm))
            .max()
            .unwrap_or(0)
            .max(1000);
        let mut held: Vec<BinaryHeap<Reverse<(i64, u32)>>> = (0..=m).map(|_| BinaryHeap::new()).collect();
        // What a newcomer pays: the lowest bid held when full, else the
        // price the school started the phase with.
        let mut base = vec![0i64; m + 1];
        let mut entry = vec![0i64; m + 1];
        let budget = AUCTION_BIDS_PER_APPLICANT * n;
        let mut queue: std::collections::VecDeque<u32> = std::collections::VecDeque::with_capacity(n);
        let mut eps = 2 * scale;
        let eps_final = (scale / 512).max(1);
        let mut owner = vec![NONE; n];
        queue.extend((0..n as u32).filter(|&i| !self.cand.range(i as usize).is_empty()));
        loop {
            while let Some(i) = queue.pop_front() {
                if self.stats.auction_bids >= budget {
                    break;
                }
                self.stats.auction_bids += 1;
                // `Z` is an option only if some applicants must stay unseated.
                let (mut w1, mut j1, mut w2) = if cap[z] > 0 {
                    (entry[z], z, i64::MAX)
                } else {
                    (i64::MAX, z, i64::MAX)
                };
                for k in self.cand.range(i as usize) {
                    let j = self.cand.pair[k].school as usize;
                    let w = self.cand.pair[k].mm.saturating_add(entry[j]);
                    if w < w1 {
                        (w2, w1, j1) = (w1, w, j);
                    } else if w < w2 {
                        w2 = w;
                    }
                }
                let margin = if w2 == i64::MAX { far } else { w2 - w1 };
                held[j1].push(Reverse((entry[j1].saturating_add(margin).saturating_add(eps), i)));
                owner[i as usize] = j1 as u32;
                if held[j1].len() > cap[j1] {
                    if let Some(Reverse((_, out))) = held[j1].pop() {
                        owner[out as usize] = NONE;
                        queue.push_back(out);
                    }
                }
                if held[j1].len() >= cap[j1] {
                    entry[j1] = held[j1].peek().map_or(base[j1], |e| e.0 .0);
                }
            }
            base.copy_from_slice(&entry);
            if eps <= eps_final || self.stats.auction_bids >= budget {
                break;
            }
            eps = (eps / 8).max(eps_final);
            // The next phase re-bids only the applicants whose choice is no
            // longer within the new ε of their best (and any left over).
            let rebid: Vec<bool> = (0..n)
                .into_par_iter()
                .map(|i| {
                    let own = owner[i];
                    if own == NONE {
                        return !self.cand.range(i).is_empty();
                    }
                    let mut w_own = entry[z];
                    let mut w_other = if own as usize == z || cap[z] == 0 {
                        i64::MAX
                    } else {
                        entry[z]
                    };
                    for k in self.cand.range(i) {
                        let j = self.cand.pair[k].school;
                        let w = self.cand.pair[k].mm.saturating_add(entry[j as usize]);
                        if j == own {
                            w_own = w;
                        } else {
                            w_other = w_other.min(w);
                        }
                    }
                    w_own > w_other.saturating_add(eps)
                })
                .collect();
            for h in held.iter_mut() {
                h.retain(|e| !rebid[e.0 .1 as usize]);
            }
            for i in 0..n {
                if rebid[i] {
                    owner[i] = NONE;
                    queue.push_back(i as u32);
                }
            }
            for j in 0..=m {
                entry[j] = if held[j].len() >= cap[j] {
                    held[j].peek().map_or(base[j], |e| e.0 .0)
                } else {
                    base[j]
                };
            }
        }
        // Choices between schools and `Z` stay as in the auction when every
        // full school is shifted by `M − p_Z`; schools left with free seats
        // (the auction could not fill them) are priced 0.
        for j in 0..m {
            self.price[j] = if self.cap[j] > 0 && held[j].len() >= self.cap[j] as usize {
                (base[j] - base[z]) as i128 + self.big_m
            } else {
                0
            };
        }
    }

    /// Value of the candidate pair `k` (or of `Z` when `None`): cost plus price.
    fn value(&self, k: Option<usize>) -> i128 {
        match k {
            Some(k) => self.cand.pair[k].mm as i128 + self.price[self.cand.pair[k].school as usize],
            None => self.big_m + self.price[self.z as usize],
        }
    }

    /// Moves each listed applicant to its best node under the current
    /// prices (staying put on a tie), then recomputes seats, excesses and
    /// the arc heaps.
    fn place(&mut self, who: &[u32]) {
        for &i in who {
            let i = i as usize;
            let here = if self.at[i] == self.z {
                None
            } else {
                self.cand.find(i, self.at[i])
            };
            let mut best = (self.value(here), here);
            for k in self.cand.range(i) {
                let v = self.value(Some(k));
                if v < best.0 {
                    best = (v, Some(k));
                }
            }
            if self.big_m + self.price[self.z as usize] < best.0 {
                best = (self.big_m + self.price[self.z as usize], None);
            }
            match best.1 {
                Some(k) => {
                    self.at[i] = self.cand.pair[k].school;
                    self.at_mm[i] = self.cand.pair[k].mm;
                }
                None => {
                    self.at[i] = self.z;
                    self.at_mm[i] = 0;
                }
            }
        }
        self.rebuild();
    }

    /// Seats, excesses and arc heaps from `at` and the prices.
    fn rebuild(&mut self) {
        let (m, z) = (self.m, self.z as usize);
        let mut load = vec![0i64; m + 1];
        for &a in &self.at {
            load[a as usize] += 1;
        }
        let mut filled_total = 0i64;
        for (j, &here) in load.iter().enumerate().take(m) {
            // A school priced above `Z` must be full; otherwise its seats
            // hold whoever is there.
            let f = if self.price[j] > self.price[z] {
                self.cap[j] as i64
            } else {
                here.min(self.cap[j] as i64)
            };
            self.filled[j] = f as u32;
            self.excess[j] = here - f;
            filled_total += f;
        }
        self.excess[z] = filled_total + load[z] - self.n as i64;
        // Applicants by node, then each node's arcs on its own (in parallel).
        let mut start = vec![0usize; m + 2];
        for &a in &self.at {
            start[a as usize + 1] += 1;
        }
        for v in 0..=m {
            start[v + 1] += start[v];
        }
        let mut members = vec![0u32; self.n];
        let mut next = start.clone();
        for (i, &a) in self.at.iter().enumerate() {
            members[next[a as usize]] = i as u32;
            next[a as usize] += 1;
        }
        self.arcs = (0..=m)
            .into_par_iter()
            .map(|v| {
                let mut entries: Vec<(u32, i64, u32)> = Vec::new();
                for &i in &members[start[v]..start[v + 1]] {
                    self.arc_entries(i as usize, |to, key| entries.push((to, key, i)));
                }
                entries.sort_unstable();
                Arcs::from_sorted(&entries)
            })
            .collect();
    }

    /// The arcs of applicant `i` out of its current node, as (target, key).
    fn arc_entries(&self, i: usize, mut emit: impl FnMut(u32, i64)) {
        let v = self.at[i];
        let range = self.cand.range(i);
        if v == self.z {
            for k in range {
                emit(self.cand.pair[k].school, self.cand.pair[k].mm);
            }
        } else {
            let here = self.at_mm[i];
            for k in range {
                if self.cand.pair[k].school != v {
                    emit(self.cand.pair[k].school, self.cand.pair[k].mm - here);
                }
            }
            emit(self.z, -here);
        }
    }

    /// Pushes applicant `i`'s arcs out of its current node.
    fn enter(&mut self, i: usize) {
        let v = self.at[i] as usize;
        let mut arcs = std::mem::take(&mut self.arcs[v]);
        self.arc_entries(i, |to, key| arcs.push(to, key, i as u32));
        self.arcs[v] = arcs;
    }

    /// Applicant `i` is about to leave its node: invalidate cached tops.
    fn leave(&mut self, i: usize) {
        let v = self.at[i] as usize;
        let mut arcs = std::mem::take(&mut self.arcs[v]);
        self.arc_entries(i, |to, _| arcs.leave(to, i as u32));
        self.arcs[v] = arcs;
    }

    /// The least valid entry of a heap, recomputed if needed.
    fn clean_top(&mut self, v: usize, slot: usize) -> (i64, u32) {
        let arcs = &mut self.arcs[v];
        if arcs.top[slot].1 == DIRTY {
            let heap = &mut arcs.heaps[slot];
            arcs.top[slot] = loop {
                match heap.peek() {
                    None => break (0, NONE),
                    Some(&Reverse((key, i))) if self.at[i as usize] as usize == v => break (key, i),
                    Some(_) => {
                        heap.pop();
                    }
                }
            };
        }
        arcs.top[slot]
    }

    /// Routes all excess to deficits along shortest paths.
    fn route(&mut self) {
        for s in 0..=self.m {
            while self.excess[s] > 0 {
                self.augment_from(s as u32);
            }
        }
    }

    /// Dijkstra from `s` to the nearest node with a deficit, price update,
    /// and one unit moved along the path.
    fn augment_from(&mut self, s: u32) {
        self.stats.augmentations += 1;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.done.fill(0);
            self.stamp = 1;
        }
        let stamp = self.stamp;
        self.settled.clear();
        self.queue.clear();
        self.dist[s as usize] = 0;
        self.seen[s as usize] = stamp;
        self.queue.push(Reverse((0, s)));
        let z = self.z;
        let mut sink = None;
        while let Some(Reverse((d, v))) = self.queue.pop() {
            let vu = v as usize;
            if self.done[vu] == stamp || d > self.dist[vu] {
                continue;
            }
            self.done[vu] = stamp;
            self.settled.push(v);
            if self.excess[vu] < 0 {
                sink = Some((v, d));
                break;
            }
            let pv = self.price[vu];
            // Applicant arcs.
            for slot in 0..self.arcs[vu].to.len() {
                let b = self.arcs[vu].to[slot];
                if self.done[b as usize] == stamp {
                    continue;
                }
                let (key, i) = self.clean_top(vu, slot);
                if i == NONE {
                    continue;
                }
                let offset = if b == z {
                    self.big_m
                } else if v == z {
                    -self.big_m
                } else {
                    0
                };
                let nd = d + key as i128 + offset + self.price[b as usize] - pv;
                self.relax(b, nd, v, i);
            }
            // Seat arcs between schools and `Z`.
            if v != z {
                if self.filled[vu] < self.cap[vu] {
                    let nd = d + self.price[z as usize] - pv;
                    self.relax(z, nd, v, SEAT_ARC);
                }
            } else {
                for j in 0..self.m {
                    if self.filled[j] > 0 && self.done[j] != stamp {
                        let nd = d + self.price[j] - pv;
                        self.relax(j as u32, nd, v, SEAT_ARC);
                    }
                }
            }
        }
        self.stats.nodes_settled += self.settled.len();
        // A deficit is always reachable (see `route`); if the invariant were
        // ever broken, stop rather than loop forever.
        let Some((t, big_d)) = sink else {
            self.excess[s as usize] = 0;
            debug_assert!(false, "no sink reachable from {s}");
            return;
        };
        for &v in &self.settled {
            self.price[v as usize] += big_d - self.dist[v as usize];
        }
        let mut v = t;
        while v != s {
            let (u, i) = self.pred[v as usize];
            if i == SEAT_ARC {
                if v == z {
                    self.filled[u as usize] += 1;
                } else {
                    self.filled[v as usize] -= 1;
                }
            } else {
                self.move_applicant(i as usize, v);
            }
            v = u;
        }
        self.excess[s as usize] -= 1;
        self.excess[t as usize] += 1;
    }

    fn relax(&mut self, b: u32, nd: i128, from: u32, applicant: u32) {
        let bu = b as usize;
        debug_assert!(nd >= self.dist[from as usize], "negative reduced cost");
        if self.seen[bu] != self.stamp || nd < self.dist[bu] {
            self.seen[bu] = self.stamp;
            self.dist[bu] = nd;
            self.pred[bu] = (from, applicant);
            self.queue.push(Reverse((nd, b)));
        }
    }

    fn move_applicant(&mut self, i: usize, to: u32) {
        self.stats.moves += 1;
        self.leave(i);
        self.at[i] = to;
        self.at_mm[i] = if to == self.z {
            0
        } else {
            self.cand.find(i, to).map_or(0, |k| self.cand.pair[k].mm)
        };
        self.enter(i);
    }

    /// Shifts prices so that `p_Z = 0`, and lifts empty schools priced below
    /// it to 0 (valid: nothing leaves an empty school). Then every price is
    /// ≥ 0 and exactly the full schools may be priced above 0.
    fn normalise_prices(&mut self) {
        let pz = self.price[self.z as usize];
        for p in self.price.iter_mut() {
            *p = (*p - pz).max(0);
        }
    }

    /// One pricing round: pairs outside the candidates with negative
    /// reduced cost, per applicant, in applicant order.
    ///
    /// For applicant `i` with value `v`, a non-candidate school `j` violates
    /// iff `c_ij + p_j < v`. All allowed schools with `c_ij < bound_i` are
    /// candidates, so only schools priced below `v − bound_i` can violate;
    /// most applicants are certified by that alone. For the others:
    /// 1. if the model gives distances between schools (a metric), the
    ///    triangle inequality bounds `c_ij ≥ d(a, j) − c_ia` from the
    ///    applicant's nearest candidate `a`; each school keeps its
    ///    [`METRIC_LIST`] smallest `d(a, j) + p_j`, and once these bounds
    ///    reach `v` the applicant is certified, after checking with
    ///    [`CostModel::cost`] only the few schools below;
    /// 2. otherwise two sorted accesses (Fagin's threshold algorithm):
    ///    schools in increasing price, checked with `cost`, and schools in
    ///    increasing distance from [`CostModel::nearest`]. After the
    ///    cheapest `s` schools by price, every other school has
    ///    `p_j ≥ p_(s)`, so the distance walk stops at the first school with
    ///    `c_ij + p_(s) ≥ v`. The price walk alone suffices when at most
    ///    [`PRICE_WALK`] schools are priced below `v − bound_i`.
    fn price_out(&mut self) -> Vec<Additions> {
        let mut order: Vec<u32> = (0..self.m as u32).filter(|&j| self.cap[j as usize] > 0).collect();
        if order.is_empty() {
            return Vec::new();
        }
        order.sort_by_key(|&j| (self.price[j as usize], j));
        let sorted: Vec<i128> = order.iter().map(|&j| self.price[j as usize]).collect();
        // Price-walk steps worth taking when the price walk alone is not
        // enough: only if they raise the threshold.
        let head = PRICE_WALK.min(sorted.len() - 1);
        let head = if sorted[head] > sorted[0] { head } else { 0 };
        // The metric lists cost `schools²` distances: only if someone needs them.
        let needed = (0..self.n).into_par_iter().any(|i| {
            let bound = self.cand.bound[i];
            bound != i64::MAX && sorted[0] < self.value_of(i) - bound as i128
        });
        let lists = if needed { self.metric_lists(&order) } else { None };
        let walked: Vec<(u32, usize, Vec<NewPair>)> = (0..self.n)
            .into_par_iter()
            .filter_map(|i| {
                let bound = self.cand.bound[i];
                if bound == i64::MAX {
                    return None;
                }
                let v = self.value_of(i);
                let below = sorted.partition_point(|&p| p < v - bound as i128);
                if below == 0 {
                    return None;
                }
                let original = self.perm[i] as usize;
                let mut found: Vec<NewPair> = Vec::new();
                let check = |j: usize, metres: f64, found: &mut Vec<NewPair>| {
                    let Some(mm) = to_mm(metres) else { return };
                    if self.usable(j)
                        && (mm as i128) + self.price[j] < v
                        && self.cand.find(i, j as u32).is_none()
                        && !found.iter().any(|f| f.0 == j as u32)
                    {
                        found.push((j as u32, mm, metres));
                    }
                };
                let mut read = 0;
                if let Some(lists) = &lists {
                    let first = self.cand.pair[self.cand.start[i]];
                    let list = &lists[first.school as usize];
                    let mut certified = list.len() == order.len();
                    for &(key, j) in list {
                        if key - first.mm as i128 >= v {
                            certified = true;
                            break;
                        }
                        if self.price[j as usize] + bound as i128 >= v || self.cand.find(i, j).is_some() {
                            continue;
                        }
                        read += 1;
                        if let Some(metres) = self.model.cost(original, j as usize) {
                            check(j as usize, metres, &mut found);
                        }
                    }
                    if certified {
                        return Some((i as u32, read, found));
                    }
                }
                let steps = if below <= PRICE_WALK { below } else { head };
                for &j in &order[..steps] {
                    if let Some(metres) = self.model.cost(original, j as usize) {
                        check(j as usize, metres, &mut found);
                    }
                }
                read += steps;
                if steps < below {
                    let floor = sorted[steps];
                    for (j, metres) in self.model.nearest(original) {
                        let Some(mm) = to_mm(metres) else { continue };
                        if mm as i128 + floor >= v {
                            break;
                        }
                        read += 1;
                        check(j, metres, &mut found);
                    }
                }
                Some((i as u32, read, found))
            })
            .collect();
        self.stats.applicants_walked += walked.len();
        self.stats.pairs_walked += walked.iter().map(|w| w.1).sum::<usize>();
        self.limit_per_school(
            walked
                .into_iter()
                .filter(|w| !w.2.is_empty())
                .map(|w| (w.0, w.2))
                .collect(),
        )
    }

    /// For each usable school `a`, the [`METRIC_LIST`] smallest lower bounds
    /// `d(a, j) + p_j` over usable schools `j` (sorted), where `d` is the
    /// model's school distance in mm less a margin for rounding (2 mm) and
    /// floating-point error (10⁻⁶). `None` when the model gives no school
    /// distances or there are more than [`METRIC_MAX_SCHOOLS`] schools
    /// (the lists take `schools²` distances).
    fn metric_lists(&self, usable: &[u32]) -> Option<Vec<Vec<(i128, u32)>>> {
        let first = *usable.first()? as usize;
        if usable.len() > METRIC_MAX_SCHOOLS || self.model.school_distance(first, first).is_none() {
            return None;
        }
        let lists = (0..self.m)
            .into_par_iter()
            .map(|a| {
                if !self.usable(a) {
                    return Vec::new();
                }
                let mut all: Vec<(i128, u32)> = usable
                    .iter()
                    .map(|&j| {
                        let d = self.model.school_distance(a, j as usize).and_then(to_mm).unwrap_or(0);
                        let d = (d - 2 - d / 1_000_000).max(0);
                        (d as i128 + self.price[j as usize], j)
                    })
                    .collect();
                if all.len() > METRIC_LIST {
                    all.select_nth_unstable(METRIC_LIST - 1);
                    all.truncate(METRIC_LIST);
                }
                all.sort_unstable();
                all
            })
            .collect();
        Some(lists)
    }

    /// Keeps, for each school, only its most negative violations (ties by
    /// applicant): at most twice its capacity plus [`PRICE_WALK`]. That is
    /// enough for progress (each round adds at least one), and spares the
    /// solver thousands of pairs into one school that cannot use them.
    fn limit_per_school(&self, found: Vec<Additions>) -> Vec<Additions> {
        let mut by_school: Vec<Vec<(i128, u32)>> = vec![Vec::new(); self.m];
        for (i, pairs) in &found {
            let v = self.value_of(*i as usize);
            for &(j, mm, _) in pairs {
                by_school[j as usize].push((mm as i128 + self.price[j as usize] - v, *i));
            }
        }
        // The last violation kept per school; tuples are unique per school.
        let cut: Vec<Option<(i128, u32)>> = by_school
            .iter_mut()
            .enumerate()
            .map(|(j, list)| {
                let limit = 2 * self.cap[j] as usize + PRICE_WALK;
                (list.len() > limit).then(|| *list.select_nth_unstable(limit - 1).1)
            })
            .collect();
        found
            .into_iter()
            .filter_map(|(i, pairs)| {
                let v = self.value_of(i as usize);
                let pairs: Vec<NewPair> = pairs
                    .into_iter()
                    .filter(|&(j, mm, _)| {
                        cut[j as usize].is_none_or(|c| (mm as i128 + self.price[j as usize] - v, i) <= c)
                    })
                    .collect();
                (!pairs.is_empty()).then_some((i, pairs))
            })
            .collect()
    }

    /// Current value of an applicant: cost plus price of its school, or `M`
    /// when unseated (prices normalised so that `p_Z = 0`).
    fn value_of(&self, i: usize) -> i128 {
        if self.at[i] == self.z {
            self.big_m + self.price[self.z as usize]
        } else {
            self.at_mm[i] as i128 + self.price[self.at[i] as usize]
        }
    }

    fn add_candidates(&mut self, added: &[Additions]) {
        let mut extra = added.iter().peekable();
        let rows: Vec<Row> = (0..self.n)
            .map(|i| {
                let mut pairs: Vec<NewPair> = self
                    .cand
                    .range(i)
                    .map(|k| (self.cand.pair[k].school, self.cand.pair[k].mm, self.cand.metres[k]))
                    .collect();
                if let Some((_, more)) = extra.next_if(|e| e.0 as usize == i) {
                    pairs.extend_from_slice(more);
                }
                Row {
                    pairs,
                    bound: self.cand.bound[i],
                }
            })
            .collect();
        self.set_candidates(rows);
    }

    fn into_assignment(self) -> Assignment {
        let mut school = vec![None; self.n];
        let mut metres = vec![0.0; self.n];
        let mut total_mm = 0i128;
        for i in 0..self.n {
            if self.at[i] == self.z {
                continue;
            }
            let Some(k) = self.cand.find(i, self.at[i]) else {
                continue;
            };
            let original = self.perm[i] as usize;
            school[original] = Some(self.at[i] as usize);
            metres[original] = self.cand.metres[k];
            total_mm += self.cand.pair[k].mm as i128;
        }
        // Summed in the model's applicant order, so the float total does not
        // depend on the solver's internal order.
        let total_m = school
            .iter()
            .zip(&metres)
            .filter(|(s, _)| s.is_some())
            .map(|(_, m)| m)
            .sum();
        Assignment {
            seated: school.iter().flatten().count(),
            school,
            total_m,
            total_mm,
            stats: self.stats,
        }
    }
}

/// The same question as [`assign`], as a linear programme solved by
/// `good_lp` with `microlp`: every allowed pair is a variable in `[0, 1]`,
/// each applicant takes at most one seat, each school at most its capacity.
/// It is solved in two stages, seats first (maximise the number seated `S`),
/// then distance (minimise the total in the same rounded millimetres as
/// [`assign`] subject to seating `S`); the constraint matrix is a network
/// matrix, so the simplex optimum is integral. Meant for small instances
/// (all pairs are enumerated): it is the cross-check, not the solver.
///
/// ```
/// use catchment::flow::{assign, assign_lp, DenseCosts};
///
/// let costs = DenseCosts::new(vec![1], vec![vec![Some(3.0)], vec![Some(4.0)]]);
/// let lp = assign_lp(&costs).unwrap();
/// assert_eq!(lp.seated, 1);
/// assert_eq!(lp.total_mm, assign(&costs).total_mm);
/// ```
///
/// # Errors
/// A message when the solver fails or returns a fractional solution.
pub fn assign_lp(model: &dyn CostModel) -> Result<Assignment, String> {
    let (n, m) = (model.applicants(), model.schools());
    // All allowed, usable pairs, as (applicant, school, mm, metres).
    let mut pairs: Vec<(usize, usize, i64, f64)> = Vec::new();
    for i in 0..n {
        let first = pairs.len();
        for (j, metres) in model.nearest(i) {
            let Some(mm) = to_mm(metres) else { continue };
            if j >= m || model.capacity(j) == 0 || pairs[first..].iter().any(|p| p.1 == j) {
                continue;
            }
            pairs.push((i, j, mm, metres));
        }
    }
    let stats = FlowStats {
        candidate_edges: pairs.len(),
        ..FlowStats::default()
    };
    let mut school = vec![None; n];
    if pairs.is_empty() {
        return Ok(Assignment {
            school,
            seated: 0,
            total_m: 0.0,
            total_mm: 0,
            stats,
        });
    }
    let seated_max = solve_lp_stage(model, &pairs, None)?
        .iter()
        .filter(|&&x| x > 0.5)
        .count();
    let x = solve_lp_stage(model, &pairs, Some(seated_max))?;
    let (mut seated, mut total_m, mut total_mm) = (0, 0.0, 0i128);
    for (p, &v) in pairs.iter().zip(&x) {
        if v > 1e-6 && v < 1.0 - 1e-6 {
            return Err(format!(
                "fractional LP solution {v} for applicant {} at school {}",
                p.0, p.1
            ));
        }
        if v > 0.5 {
            if school[p.0].is_some() {
                return Err(format!("applicant {} seated twice", p.0));
            }
            school[p.0] = Some(p.1);
            seated += 1;
            total_m += p.3;
            total_mm += p.2 as i128;
        }
    }
    Ok(Assignment {
        school,
        seated,
        total_m,
        total_mm,
        stats,
    })
}

/// Stage 1 (`seats = None`): maximise the pairs used. Stage 2: minimise the
/// millimetres subject to using `seats` pairs. Returns the pair values.
fn solve_lp_stage(
    model: &dyn CostModel,
    pairs: &[(usize, usize, i64, f64)],
    seats: Option<usize>,
) -> Result<Vec<f64>, String> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = pairs.iter().map(|_| vars.add(variable().min(0).max(1))).collect();
    let used: Expression = x.iter().sum();
    let mut per_applicant: Vec<Expression> = vec![Expression::from(0.0); model.applicants()];
    let mut per_school: Vec<Expression> = vec![Expression::from(0.0); model.schools()];
    let mut distance = Expression::from(0.0);
    for (p, &v) in pairs.iter().zip(&x) {
        per_applicant[p.0] += v;
        per_school[p.1] += v;
        distance.add_mul(p.2 as f64, v);
    }
    let mut problem = match seats {
        None => vars.maximise(used.clone()).using(microlp),
        Some(_) => vars.minimise(distance).using(microlp),
    };
    for (i, e) in per_applicant.into_iter().enumerate() {
        if pairs.iter().any(|p| p.0 == i) {
            problem = problem.with(constraint!(e <= 1.0));
        }
    }
    for (j, e) in per_school.into_iter().enumerate() {
        if pairs.iter().any(|p| p.1 == j) {
            problem = problem.with(constraint!(e <= model.capacity(j) as f64));
        }
    }
    if let Some(s) = seats {
        problem = problem.with(constraint!(used >= s as f64));
    }
    let solution = problem.solve().map_err(|e| e.to_string())?;
    Ok(x.iter().map(|&v| solution.value(v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dense(cap: &[u32], rows: &[&[Option<f64>]]) -> DenseCosts {
        DenseCosts::new(cap.to_vec(), rows.iter().map(|r| r.to_vec()).collect())
    }

    /// Every k, including 1 (so that pricing has work), gives the optimum.
    fn check_all_k(costs: &DenseCosts, seated: usize, total_mm: i128) -> Assignment {
        let mut first = None;
        for k in [1, 2, 3, 10] {
            let a = assign_with(costs, &FlowOptions { candidates: k });
            assert_eq!((a.seated, a.total_mm), (seated, total_mm), "k = {k}: {a:?}");
            assert_feasible(costs, &a);
            first.get_or_insert(a);
        }
        first.unwrap()
    }

    fn assert_feasible(costs: &DenseCosts, a: &Assignment) {
        let mut load = vec![0u32; costs.schools()];
        for (i, s) in a.school.iter().enumerate() {
            if let Some(j) = *s {
                load[j] += 1;
                assert!(costs.nearest(i).any(|p| p.0 == j), "forbidden pair {i} → {j}");
            }
        }
        for (j, &l) in load.iter().enumerate() {
            assert!(l <= costs.capacity(j), "school {j} over capacity");
        }
        assert_eq!(a.seated, a.school.iter().flatten().count());
    }

    /// Lexicographic optimum (seated, mm) by trying every assignment.
    fn brute_force(costs: &DenseCosts) -> (usize, i128) {
        let (n, m) = (costs.applicants(), costs.schools());
        let options: Vec<Vec<Option<(usize, i64)>>> = (0..n)
            .map(|i| {
                let mut o = vec![None];
                o.extend(
                    costs
                        .nearest(i)
                        .filter(|p| costs.capacity(p.0) > 0)
                        .map(|(j, d)| Some((j, to_mm(d).unwrap()))),
                );
                o
            })
            .collect();
        let mut best = (0usize, 0i128);
        let mut pick = vec![0usize; n];
        loop {
            let mut load = vec![0u32; m];
            let (mut seated, mut mm, mut ok) = (0usize, 0i128, true);
            for i in 0..n {
                if let Some((j, c)) = options[i][pick[i]] {
                    load[j] += 1;
                    ok &= load[j] <= costs.capacity(j);
                    seated += 1;
                    mm += c as i128;
                }
            }
            if ok && (seated > best.0 || (seated == best.0 && mm < best.1)) {
                best = (seated, mm);
            }
            // Next combination.
            let mut i = 0;
            while i < n {
                pick[i] += 1;
                if pick[i] < options[i].len() {
                    break;
                }
                pick[i] = 0;
                i += 1;
            }
            if i == n {
                return best;
            }
        }
    }

    #[test]
    fn greedy_is_not_optimal_here() {
        // Greedy in applicant order: 0 → A (1), 1 → B (4), 2 → nowhere near,
        // C (10): 15. Optimum: 0 → B (2), 1 → A (1), 2 → ... let the numbers
        // speak: A and B have one seat each, C has one.
        //        A     B     C
        // a0     1     2     9
        // a1     1     4     9
        // a2     2     8     3
        let costs = dense(
            &[1, 1, 1],
            &[
                &[Some(1.0), Some(2.0), Some(9.0)],
                &[Some(1.0), Some(4.0), Some(9.0)],
                &[Some(2.0), Some(8.0), Some(3.0)],
            ],
        );
        // Greedy: a0→A 1, a1→B 4, a2→C 3 = 8. Optimum: a0→B 2, a1→A 1, a2→C 3 = 6.
        let a = check_all_k(&costs, 3, 6_000);
        assert_eq!(a.school, vec![Some(1), Some(0), Some(2)]);
        assert_eq!(a.total_m, 6.0);
    }

    #[test]
    fn three_applicants_two_schools() {
        // A has 2 seats, B has 1. Everyone prefers A; the one who loses
        // least by going to B goes there: a2 (5 − 1 = 4) rather than a0 (9)
        // or a1 (7).
        let costs = dense(
            &[2, 1],
            &[
                &[Some(1.0), Some(10.0)],
                &[Some(1.0), Some(8.0)],
                &[Some(1.0), Some(5.0)],
            ],
        );
        let a = check_all_k(&costs, 3, 7_000);
        assert_eq!(a.school, vec![Some(0), Some(0), Some(1)]);
    }

    #[test]
    fn seating_more_beats_shorter_distance() {
        // a0 may go to A (1 m) or B (1000 km); a1 only to A. Seating both
        // costs far more distance but seats two.
        let costs = dense(&[1, 1], &[&[Some(1.0), Some(1.0e6)], &[Some(50.0), None]]);
        let a = check_all_k(&costs, 2, 1_000_050_000);
        assert_eq!(a.school, vec![Some(1), Some(0)]);
    }

    #[test]
    fn seating_more_over_a_long_chain() {
        // Chain applicant i may go to school i (0 m) or school i + 1 (far);
        // one more applicant can only use school 0. Seating all 7 in the 7
        // schools shifts the whole chain by one, at 6 × far.
        let far = 5.0e8;
        let n = 6;
        let mut rows: Vec<Vec<Option<f64>>> = Vec::new();
        for i in 0..n {
            let mut r = vec![None; n + 1];
            r[i] = Some(0.0);
            r[i + 1] = Some(far);
            rows.push(r);
        }
        let mut r = vec![None; n + 1];
        r[0] = Some(0.0);
        rows.push(r);
        let costs = DenseCosts::new(vec![1; n + 1], rows);
        let a = check_all_k(&costs, n + 1, 6 * 500_000_000_000);
        assert_eq!(a.school[n], Some(0));
        assert_eq!(a.school[0], Some(1));
    }

    #[test]
    fn capacity_zero_and_forbidden_pairs() {
        let costs = dense(
            &[0, 1, 2],
            &[
                &[Some(1.0), Some(5.0), None],
                &[Some(1.0), None, None],
                &[None, Some(2.0), Some(3.0)],
                &[None, None, Some(1.0)],
            ],
        );
        let a = check_all_k(&costs, 3, 9_000);
        assert_eq!(a.school, vec![Some(1), None, Some(2), Some(2)]);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let none = DenseCosts::new(vec![], vec![]);
        assert_eq!(assign(&none).seated, 0);
        let no_schools = DenseCosts::new(vec![], vec![vec![], vec![Some(1.0)]]);
        assert_eq!(assign(&no_schools).school, vec![None, None]);
        let no_applicants = DenseCosts::new(vec![3, 0], vec![]);
        assert_eq!(assign(&no_applicants).school, Vec::<Option<usize>>::new());
        let all_forbidden = DenseCosts::new(vec![5], vec![vec![None]; 4]);
        assert_eq!(assign(&all_forbidden).seated, 0);
        let zero_capacity = DenseCosts::new(vec![0, 0], vec![vec![Some(1.0), Some(2.0)]; 3]);
        assert_eq!(assign(&zero_capacity).seated, 0);
        let odd = DenseCosts::new(
            vec![2],
            vec![vec![Some(f64::NAN)], vec![Some(-3.0)], vec![Some(f64::INFINITY)]],
        );
        let a = assign(&odd);
        assert_eq!(a.school, vec![None, Some(0), Some(0)]);
        assert_eq!(a.total_mm, COST_CAP_MM as i128);
        let plenty = DenseCosts::new(vec![1000], vec![vec![Some(1.0)]; 3]);
        assert_eq!(assign(&plenty).total_mm, 3000);
        let scarce = DenseCosts::new(vec![1], vec![vec![Some(2.0)], vec![Some(1.0)], vec![Some(3.0)]]);
        assert_eq!(assign(&scarce).school, vec![None, Some(0), None]);
    }

    #[test]
    fn exactly_as_many_seats_as_applicants() {
        // The warm-start auction has no unseated option here at all.
        let costs = dense(
            &[2, 1],
            &[
                &[Some(1.0), Some(3.0)],
                &[Some(1.0), Some(2.0)],
                &[Some(1.0), Some(9.0)],
            ],
        );
        let a = check_all_k(&costs, 3, 4_000);
        assert_eq!(a.school, vec![Some(0), Some(1), Some(0)]);
        // Everyone has a single school of exactly enough seats.
        let single = DenseCosts::new(vec![3], vec![vec![Some(2.0)]; 3]);
        let a = assign(&single);
        assert_eq!(a.total_mm, 6_000);
        assert!(a.stats.auction_bids <= 3 * 4, "{:?}", a.stats);
    }

    #[test]
    fn lp_agrees_on_the_hand_worked_cases() {
        let costs = dense(
            &[1, 1, 1],
            &[
                &[Some(1.0), Some(2.0), Some(9.0)],
                &[Some(1.0), Some(4.0), Some(9.0)],
                &[Some(2.0), Some(8.0), Some(3.0)],
            ],
        );
        let lp = assign_lp(&costs).unwrap();
        assert_eq!((lp.seated, lp.total_mm), (3, 6_000));
        let chain = dense(&[1, 1], &[&[Some(1.0), Some(1.0e6)], &[Some(50.0), None]]);
        assert_eq!(assign_lp(&chain).unwrap().seated, 2);
    }

    fn tiny() -> impl Strategy<Value = DenseCosts> {
        (1usize..=6, 1usize..=3).prop_flat_map(|(n, m)| {
            (
                proptest::collection::vec(0u32..=3, m),
                proptest::collection::vec(
                    proptest::collection::vec(
                        prop_oneof![1 => Just(None), 3 => (0u32..6).prop_map(|d| Some(d as f64 * 100.0 + 0.25))],
                        m,
                    ),
                    n,
                ),
            )
                .prop_map(|(cap, rows)| DenseCosts::new(cap, rows))
        })
    }

    /// Homes and schools on a line: a metric model, to exercise the
    /// triangle-inequality shortcut of pricing.
    #[derive(Debug)]
    struct Line {
        homes: Vec<f64>,
        schools: Vec<f64>,
        cap: Vec<u32>,
    }

    impl CostModel for Line {
        fn applicants(&self) -> usize {
            self.homes.len()
        }
        fn schools(&self) -> usize {
            self.schools.len()
        }
        fn capacity(&self, school: usize) -> u32 {
            self.cap[school]
        }
        fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
            let mut all: Vec<(usize, f64)> = (0..self.schools.len())
                .map(|j| (j, (self.homes[applicant] - self.schools[j]).abs()))
                .collect();
            all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            Box::new(all.into_iter())
        }
        fn cost(&self, applicant: usize, school: usize) -> Option<f64> {
            Some((self.homes[applicant] - self.schools[school]).abs())
        }
        fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
            Some((self.schools[a] - self.schools[b]).abs())
        }
    }

    impl Line {
        fn dense(&self) -> DenseCosts {
            let rows = (0..self.homes.len()).map(|i| (0..self.schools.len()).map(|j| self.cost(i, j)).collect());
            DenseCosts::new(self.cap.clone(), rows.collect())
        }
    }

    #[test]
    fn metric_pricing_adds_far_pairs() {
        // Everyone lives at 0; the near school has 1 seat, the far ones 2.
        // With one candidate each, pricing must find the far schools.
        let line = Line {
            homes: vec![0.0; 4],
            schools: vec![0.0, 10.0, -12.0],
            cap: vec![1, 2, 2],
        };
        let a = assign_with(&line, &FlowOptions { candidates: 1 });
        assert_eq!((a.seated, a.total_mm), (4, 32_000));
        assert!(a.stats.edges_added > 0 && a.stats.pricing_rounds > 1, "{:?}", a.stats);
    }

    fn tiny_line() -> impl Strategy<Value = Line> {
        (
            proptest::collection::vec(0u32..20, 1..=6),
            proptest::collection::vec((0u32..20, 0u32..=3), 1..=3),
        )
            .prop_map(|(homes, schools)| Line {
                homes: homes.into_iter().map(|h| h as f64 * 50.0).collect(),
                schools: schools.iter().map(|s| s.0 as f64 * 50.0).collect(),
                cap: schools.iter().map(|s| s.1).collect(),
            })
    }

    proptest! {
        #[test]
        fn metric_model_matches_brute_force(line in tiny_line()) {
            let (seated, mm) = brute_force(&line.dense());
            for k in [1, 2, 3] {
                let a = assign_with(&line, &FlowOptions { candidates: k });
                prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
            }
        }

        #[test]
        fn matches_brute_force(costs in tiny()) {
            let (seated, mm) = brute_force(&costs);
            for k in [1, 2, 3] {
                let a = assign_with(&costs, &FlowOptions { candidates: k });
                prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
                assert_feasible(&costs, &a);
            }
        }
    }
}
