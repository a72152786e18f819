//! The min-cost flow solver behind [`super::assign`]: its state, the
//! starting placement and the arc heaps. The warm-start auction, the
//! shortest-path routing and the pricing rounds of the certificate are its
//! submodules.

mod auction;
mod pricing;
mod routing;
mod sample;
mod ties;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::*;

/// Marks "no applicant" in a predecessor: the arc is a seat arc between a
/// school and `Z`.
const SEAT_ARC: u32 = u32::MAX;

/// Marks a cached heap top that must be recomputed (its applicant left).
const DIRTY: u32 = u32::MAX;
/// Marks a heap with no applicant still at the node.
const NONE: u32 = u32::MAX - 1;

/// The candidate arrays keep room for `1/ADDED_ROOM_DIV` more pairs, which
/// pricing adds without moving them.
const ADDED_ROOM_DIV: usize = 16;

/// Marks an applicant the last pricing round did not certify.
const UNCERTIFIED: i128 = i128::MIN;

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
    /// Arcs from (target, key, applicant) entries sorted by target (each
    /// heap is built from its group in one pass; entries are unique per
    /// target, so the order within a group changes nothing a search sees).
    fn from_grouped(entries: &[(u32, i64, u32)]) -> Self {
        let mut arcs = Arcs::default();
        for group in entries.chunk_by(|a, b| a.0 == b.0) {
            let heap: BinaryHeap<Reverse<(i64, u32)>> = group.iter().map(|e| Reverse((e.1, e.2))).collect();
            arcs.to.push(group[0].0);
            arcs.top.push(heap.peek().map_or((0, NONE), |e| e.0));
            arcs.heaps.push(heap);
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

/// One candidate school of an applicant, with its cost. Its cost in
/// metres is asked of the model again for the chosen pairs only
/// ([`CostModel::cost`] gives the value `nearest` gave).
#[derive(Clone, Copy, Default)]
struct Pair {
    mm: i64,
    school: u32,
}

/// Candidate pairs in flat arrays, per applicant sorted by (mm, school).
#[derive(Default)]
struct Candidates {
    start: Vec<usize>,
    pair: Vec<Pair>,
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

    /// Applicant `i`'s pairs, in row order.
    fn row(&self, i: usize) -> &[Pair] {
        &self.pair[self.range(i)]
    }
}

/// Scratch of [`Solver::first_candidates`]: the model's first few, in
/// millimetres or in metres.
#[derive(Default)]
struct FirstScratch {
    mm: Vec<(usize, i64)>,
    metres: Vec<(usize, f64)>,
}

/// Pairs added to one applicant by pricing.
type Additions = (u32, Vec<Pair>);

/// First candidate rows handed from a solve to the solve of its sample:
/// applicant `s` of the sample has `pairs[start[s]..start[s + 1]]`,
/// sorted by (cost, school), with the bound of
/// [`Solver::first_candidates`].
struct SeedRows {
    start: Vec<usize>,
    pairs: Vec<Pair>,
    bounds: Vec<i64>,
}

impl SeedRows {
    /// The rows of the listed applicants (the solver's indices), in order.
    fn of(cand: &Candidates, applicants: impl Iterator<Item = usize>) -> Self {
        let mut seed = SeedRows {
            start: vec![0],
            pairs: Vec::new(),
            bounds: Vec::new(),
        };
        for i in applicants {
            seed.pairs.extend_from_slice(cand.row(i));
            seed.start.push(seed.pairs.len());
            seed.bounds.push(cand.bound[i]);
        }
        seed
    }
}

pub(super) struct Solver<'a> {
    model: &'a dyn CostModel,
    /// Internal applicant index → the model's index.
    perm: Vec<u32>,
    n: usize,
    m: usize,
    /// Index of the unseated sink `Z`.
    z: u32,
    k: usize,
    /// The options asked for (a sample is solved with the same).
    options: FlowOptions,
    /// Seats fall short of the applicants or only just cover them: the
    /// optimum reshapes every catchment, and zero prices are far from its.
    reshaped: bool,
    /// Pricing rounds allowed before stopping uncertified (a sample, whose
    /// prices only start another solve); unlimited otherwise.
    max_rounds: usize,
    cap: Vec<u32>,
    /// The schools with seats, in increasing index: the only ones `Z` can
    /// reach through a seat arc.
    usable_schools: Vec<u32>,
    big_m: i128,
    cand: Candidates,
    /// For a sample's solve: its applicants' rows of the outer solve's
    /// first candidates, from which [`Solver::set_candidates`] takes theirs
    /// where it can instead of asking the model again.
    seed: Option<SeedRows>,
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
    /// Search queue of (distance, node) packed by `routing::queue_key`:
    /// one 16-byte integer per entry instead of a 32-byte pair, same order.
    queue: BinaryHeap<Reverse<u128>>,
    /// Least tentative distance of a deficit node in the current search.
    sink_bound: i128,
    /// The model's [`CostModel::lower_bound_points`], asked for once, by
    /// the first pricing round that needs more than the candidates.
    points: Option<Option<BoundPoints>>,
    /// For each school of `cache_schools` (by its slot,
    /// `school_slot[school]`), its [`METRIC_NEAR`] nearest cached schools
    /// (or all of them, if fewer) by the school-to-school lower bound of
    /// pricing's metric lists, as slots in increasing (bound, slot), and
    /// those bounds (whole mm less the margin) beside them in
    /// `school_near_mm`: a metric list is read from the front. Computed
    /// once per solve (prices change from round to round, distances do
    /// not); empty until a round needs them, or when there are more than
    /// [`METRIC_CACHE_SCHOOLS`].
    school_near: Vec<u32>,
    school_near_mm: Vec<i64>,
    school_slot: Vec<u32>,
    /// The schools the cache covers: the usable schools of the outermost
    /// solve, so that the solves of its samples (whose usable schools are
    /// among them) share one cache.
    cache_schools: Vec<u32>,
    /// The prices at the last pricing round, and each applicant's floor
    /// there: a lower bound on cost plus price over the pairs outside its
    /// candidates, above its value then (the round certified it), or
    /// [`UNCERTIFIED`]; empty before the first round.
    last_price: Vec<i128>,
    last_floor: Vec<i128>,
    stats: FlowStats,
}

impl<'a> Solver<'a> {
    pub(super) fn new(model: &'a dyn CostModel, options: &FlowOptions) -> Self {
        let k = options.candidates.max(1);
        let n = model.applicants();
        let m = model.schools();
        let cap: Vec<u32> = (0..m).map(|j| model.capacity(j)).collect();
        let big_m = (n.min(m) as i128 + 1) * COST_CAP_MM as i128;
        // Seats only just enough: the optimum displaces applicants far from
        // home, beyond their nearest few schools, and pricing would add
        // those pairs only after a whole routing with too few of them.
        let seats: u64 = cap.iter().map(|&c| u64::from(c)).sum();
        let tight = n as u64 <= seats && seats * TIGHT_SEATS_DIV < n as u64 * (TIGHT_SEATS_DIV + 1);
        // Otherwise (seats to spare, or too few, so that those the optimum
        // moves mostly go unseated rather than far) most seated applicants
        // keep one of their nearest few schools, and fewer candidates make
        // every heap and walk cheaper.
        let k = if tight { k + k / 2 } else { (k - k / 4).max(1) };
        let usable: Vec<u32> = (0..m as u32).filter(|&j| cap[j as usize] > 0).collect();
        Solver {
            options: options.clone(),
            reshaped: tight || seats < n as u64,
            max_rounds: usize::MAX,
            model,
            perm: Vec::new(),
            n,
            m,
            z: m as u32,
            k,
            usable_schools: usable.clone(),
            cache_schools: usable,
            cap,
            big_m,
            cand: Candidates::default(),
            seed: None,
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
            sink_bound: i128::MAX,
            points: None,
            school_near: Vec::new(),
            school_near_mm: Vec::new(),
            school_slot: Vec::new(),
            last_price: Vec::new(),
            last_floor: Vec::new(),
            stats: FlowStats::default(),
        }
    }

    /// Whether a school index from the model can take anyone.
    fn usable(&self, school: usize) -> bool {
        school < self.m && self.cap[school] > 0
    }

    /// Writes the first usable schools of applicant `i` (at most
    /// `out.len()`) into `out`, sorted by (cost, school); returns how many,
    /// and the bound: the cost of the last when `out` is filled, else
    /// unbounded (every allowed school is a candidate).
    fn first_candidates(&self, i: usize, out: &mut [Pair], first: &mut FirstScratch) -> (usize, i64) {
        // The model's first few usually are the candidates; when some are
        // not usable (or repeat), read the lazy walk instead.
        let k = out.len();
        let (len, bound, read) = if self.model.nearest_k_mm(i, k, &mut first.mm) {
            let (len, bound) = self.candidates_from(first.mm.iter().map(|&(j, mm)| (j, Some(mm))), out);
            (len, bound, first.mm.len())
        } else {
            self.model.nearest_k(i, k, &mut first.metres);
            let (len, bound) = self.candidates_from(first.metres.iter().map(|&(j, m)| (j, to_mm(m))), out);
            (len, bound, first.metres.len())
        };
        if len == k || read < k {
            return (len, bound);
        }
        self.candidates_from(self.model.nearest(i).map(|(j, m)| (j, to_mm(m))), out)
    }

    /// Applicant `i`'s first candidates as [`Solver::first_candidates`]
    /// gives them, from the outer solve's row when that decides them: all
    /// its schools usable here, and either at least `out.len()` of them
    /// (the first of a sorted row; every allowed school cheaper than the
    /// last is among them) or all the allowed ones (an unbounded row).
    fn seeded_candidates(&self, i: usize, out: &mut [Pair]) -> Option<(usize, i64)> {
        let seed = self.seed.as_ref()?;
        let (row, bound) = (&seed.pairs[seed.start[i]..seed.start[i + 1]], seed.bounds[i]);
        if !row.iter().all(|p| self.usable(p.school as usize)) {
            return None;
        }
        let k = out.len();
        if row.len() > k {
            out.copy_from_slice(&row[..k]);
            Some((k, row[k - 1].mm))
        } else if row.len() == k || bound == i64::MAX {
            out[..row.len()].copy_from_slice(row);
            Some((row.len(), bound))
        } else {
            None
        }
    }

    /// The first usable, distinct schools of `nearest` into `out`, sorted
    /// by (cost, school), with the bound as for [`Solver::first_candidates`].
    fn candidates_from(&self, nearest: impl Iterator<Item = (usize, Option<i64>)>, out: &mut [Pair]) -> (usize, i64) {
        let mut len = 0;
        let mut bound = i64::MAX;
        for (j, mm) in nearest {
            let Some(mm) = mm else { continue };
            if !self.usable(j) || out[..len].iter().any(|p| p.school == j as u32) {
                continue;
            }
            out[len] = Pair { mm, school: j as u32 };
            len += 1;
            if len == out.len() {
                bound = mm;
                break;
            }
        }
        out[..len].sort_by_key(|p| (p.mm, p.school));
        (len, bound)
    }

    /// The first candidates of every applicant, and the solver's order of
    /// applicants: by nearest candidate school (so that applicants sharing
    /// one sit side by side in memory), then by index.
    fn set_candidates(&mut self) {
        let (n, k) = (self.n, self.k);
        let mut rows: Vec<Pair> = vec![Pair::default(); n * k];
        let (lens, bounds): (Vec<usize>, Vec<i64>) = rows
            .par_chunks_mut(k)
            .enumerate()
            .map_init(FirstScratch::default, |first, (i, out)| {
                self.seeded_candidates(i, out)
                    .unwrap_or_else(|| self.first_candidates(i, out, first))
            })
            .unzip();
        self.seed = None;
        let row = |i: u32| &rows[i as usize * k..i as usize * k + lens[i as usize]];
        // The order by (nearest candidate school, index), applicants without
        // a candidate last: a counting sort, schools being few.
        let first_school = |i: usize| {
            if lens[i] == 0 {
                self.m
            } else {
                rows[i * k].school as usize
            }
        };
        let mut next = vec![0usize; self.m + 2];
        for i in 0..n {
            next[first_school(i) + 1] += 1;
        }
        for s in 1..next.len() {
            next[s] += next[s - 1];
        }
        let mut perm = vec![0u32; n];
        for i in 0..n {
            let s = &mut next[first_school(i)];
            perm[*s] = i as u32;
            *s += 1;
        }
        // The rows in that order, with room for the pairs the first
        // pricing rounds add (untouched capacity costs no memory until
        // used).
        let total: usize = lens.iter().sum();
        let mut pair = Vec::with_capacity(total + total / ADDED_ROOM_DIV);
        let mut start = Vec::with_capacity(n + 1);
        start.push(0);
        for &i in &perm {
            pair.extend_from_slice(row(i));
            start.push(pair.len());
        }
        self.cand = Candidates {
            start,
            pair,
            bound: perm.iter().map(|&i| bounds[i as usize]).collect(),
        };
        self.perm = perm;
    }

    pub(super) fn solve(&mut self) {
        if self.n == 0 {
            self.stats.certified = true;
            return;
        }
        self.set_candidates();
        self.stats.candidate_edges = self.cand.pair.len();
        let sampled = self.reshaped && self.n >= self.options.sample_from.max(2);
        if sampled {
            self.sample_prices();
        } else {
            self.auction();
        }
        let all: Vec<u32> = (0..self.n as u32).collect();
        if sampled {
            // The sample's prices already show the pairs beyond the
            // candidates that the optimum will need: add them before
            // routing rather than re-route after the first pricing round.
            // Pricing reads only where applicants sit, so the arc heaps are
            // built once, after the pairs are in (by `add_priced`'s
            // placement, since there are none yet).
            debug_assert!(self.arcs.is_empty());
            self.move_to_best(&all);
            self.stats.pricing_rounds += 1;
            let added = self.price_out();
            self.add_priced(&added);
        } else {
            self.place(&all);
        }
        self.stats.initial_excess = self.excess[..self.m].iter().map(|&e| e.max(0) as usize).sum();
        loop {
            self.route();
            self.normalise_prices();
            if self.stats.pricing_rounds >= self.max_rounds {
                break;
            }
            self.stats.pricing_rounds += 1;
            let added = self.price_out();
            if added.is_empty() {
                self.stats.certified = self.candidates_certified();
                if self.stats.certified {
                    self.stats.ties_moved = self.break_ties();
                    if self.stats.ties_moved > 0 {
                        self.stats.certified = self.candidates_certified();
                    }
                }
                break;
            }
            self.add_priced(&added);
        }
    }

    /// Adds the pairs a pricing round found and moves their applicants to
    /// their best node under the current prices.
    fn add_priced(&mut self, added: &[Additions]) {
        self.stats.edges_added += added.iter().map(|(_, v)| v.len()).sum::<usize>();
        self.add_candidates(added);
        let movers: Vec<u32> = added.iter().map(|(i, _)| *i).collect();
        self.place(&movers);
    }

    // The warm-start auction is in `auction.rs`.

    /// Value of the candidate pair `k` (or of `Z` when `None`): cost plus price.
    fn value(&self, k: Option<usize>) -> i128 {
        match k {
            Some(k) => self.cand.pair[k].mm as i128 + self.price[self.cand.pair[k].school as usize],
            None => self.big_m + self.price[self.z as usize],
        }
    }

    /// Applicant `i`'s best node under the current prices (its current
    /// one on a tie), with the cost of the pair (0 at `Z`).
    fn best_node(&self, i: usize) -> (u32, i64) {
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
        if self.value(None) < best.0 {
            best = (self.value(None), None);
        }
        match best.1 {
            Some(k) => (self.cand.pair[k].school, self.cand.pair[k].mm),
            None => (self.z, 0),
        }
    }

    /// Moves each listed applicant to its best node under the current
    /// prices (staying put on a tie), then recomputes seats and excesses,
    /// and the arc heaps: all of them when many applicants are listed (the
    /// first placement), else only the listed applicants' entries (after a
    /// pricing round, whose new pairs give them new arcs even where they
    /// stay). Heaps may then hold a stale or repeated entry, which
    /// [`Solver::clean_top`] skips or which names the same applicant, so
    /// every search sees the same arcs either way.
    fn place(&mut self, who: &[u32]) {
        let incremental = self.arcs.len() == self.m + 1 && who.len() * PLACE_REBUILD_SHARE < self.n;
        if !incremental {
            self.move_to_best(who);
            self.rebuild();
            return;
        }
        for &i in who {
            let i = i as usize;
            let (to, mm) = self.best_node(i);
            if to != self.at[i] {
                self.leave(i);
            }
            self.at[i] = to;
            self.at_mm[i] = mm;
            self.enter(i);
        }
        self.recount();
    }

    /// Moves each listed applicant to its best node, arcs aside (they are
    /// rebuilt after): each choice reads only its own applicant and the
    /// prices, so all are made at once.
    fn move_to_best(&mut self, who: &[u32]) {
        let best: Vec<(u32, i64)> = who.par_iter().map(|&i| self.best_node(i as usize)).collect();
        for (&i, (to, mm)) in who.iter().zip(best) {
            self.at[i as usize] = to;
            self.at_mm[i as usize] = mm;
        }
    }

    /// Seats and excesses from `at` and the prices; returns the number of
    /// applicants at each node.
    fn recount(&mut self) -> Vec<usize> {
        let (m, z) = (self.m, self.z as usize);
        let mut load = vec![0usize; m + 1];
        for &a in &self.at {
            load[a as usize] += 1;
        }
        let mut filled_total = 0i64;
        for (j, &here) in load.iter().enumerate().take(m) {
            let here = here as i64;
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
        self.excess[z] = filled_total + load[z] as i64 - self.n as i64;
        load
    }

    /// Seats, excesses and arc heaps from `at` and the prices.
    fn rebuild(&mut self) {
        let load = self.recount();
        // Applicants by node, then each node's arcs on its own (in parallel).
        let mut start = vec![0usize; self.m + 2];
        for v in 0..=self.m {
            start[v + 1] = start[v] + load[v];
        }
        let mut members = vec![0u32; self.n];
        let mut next = start.clone();
        for (i, &a) in self.at.iter().enumerate() {
            members[next[a as usize]] = i as u32;
            next[a as usize] += 1;
        }
        self.arcs = (0..=self.m)
            .into_par_iter()
            .map(|v| {
                let mut entries: Vec<(u32, i64, u32)> = Vec::new();
                for &i in &members[start[v]..start[v + 1]] {
                    self.arc_entries(i as usize, |to, key| entries.push((to, key, i)));
                }
                entries.sort_unstable_by_key(|e| e.0);
                Arcs::from_grouped(&entries)
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

    /// Re-checks, from the final state alone, that the prices prove the
    /// assignment optimal over the candidate pairs (complementary
    /// slackness): no school over capacity and no excess left, every
    /// applicant at a node of least cost plus price among its candidates
    /// and `Z`, and every school with a free seat priced no higher than
    /// `Z` (prices are normalised, so `p_Z = 0` and those are priced 0).
    /// With a pricing round that found no pair outside the candidates of
    /// negative reduced cost, this certifies the optimum over every
    /// allowed pair.
    fn candidates_certified(&self) -> bool {
        let z = self.z as usize;
        if self.price[z] != 0 || self.excess.iter().any(|&e| e != 0) {
            return false;
        }
        let mut load = vec![0u64; self.m];
        for &a in &self.at {
            if (a as usize) < self.m {
                load[a as usize] += 1;
            }
        }
        let schools_ok = (0..self.m)
            .all(|j| load[j] <= u64::from(self.cap[j]) && (self.price[j] <= 0 || load[j] == u64::from(self.cap[j])));
        schools_ok
            && (0..self.n).into_par_iter().all(|i| {
                let here = self.value_of(i);
                let at_ok = self.at[i] == self.z
                    || self
                        .cand
                        .find(i, self.at[i])
                        .is_some_and(|k| self.cand.pair[k].mm == self.at_mm[i]);
                at_ok && here <= self.big_m && self.cand.range(i).all(|k| self.value(Some(k)) >= here)
            })
    }

    // Routing is in `routing.rs`, pricing in `pricing.rs`.

    pub(super) fn into_assignment(self) -> Assignment {
        let mut school = vec![None; self.n];
        let mut total_mm = 0i128;
        for i in 0..self.n {
            if self.at[i] == self.z {
                continue;
            }
            let Some(k) = self.cand.find(i, self.at[i]) else {
                continue;
            };
            school[self.perm[i] as usize] = Some(self.at[i] as usize);
            total_mm += self.cand.pair[k].mm as i128;
        }
        let stats = self.stats;
        // The chosen pairs' metres, as the model gives them, summed in its
        // applicant order, so the float total does not depend on the
        // solver's internal order.
        let metres: Vec<Option<f64>> = school
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                s.map(|j| {
                    let metres = self.model.cost(i, j);
                    debug_assert!(metres.is_some(), "a chosen pair the model does not allow");
                    metres.unwrap_or(0.0)
                })
            })
            .collect();
        Assignment {
            seated: school.iter().flatten().count(),
            school,
            total_m: metres.iter().flatten().sum(),
            total_mm,
            stats,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A row taken from an outer solve's candidates (which may have a
        /// different count and more usable schools) keeps the contract of
        /// `first_candidates`: distinct usable schools sorted by (cost,
        /// school), as many as asked when bounded, and every usable
        /// allowed school cheaper than the bound among them.
        #[test]
        fn seeded_rows_keep_the_candidate_contract(
            costs in proptest::collection::vec(proptest::collection::vec(proptest::option::weighted(0.8, 0u32..40), 6), 1..12),
            seats in proptest::collection::vec(0u32..3, 6),
            outer_k in 1usize..7,
            inner_k in 1usize..7,
        ) {
            let metres: Vec<Vec<Option<f64>>> =
                costs.iter().map(|row| row.iter().map(|c| c.map(f64::from)).collect()).collect();
            let outer_model = DenseCosts::new(vec![1; 6], metres.clone());
            let inner_model = DenseCosts::new(seats.clone(), metres.clone());
            let options = |k| FlowOptions { candidates: k, ..FlowOptions::default() };
            let mut outer = Solver::new(&outer_model, &options(outer_k));
            outer.k = outer_k;
            outer.set_candidates();
            let mut inner = Solver::new(&inner_model, &options(inner_k));
            inner.k = inner_k;
            // The sample of every applicant, in the outer solver's order.
            inner.seed = Some(SeedRows::of(&outer.cand, 0..outer.n));
            for i in 0..outer.n {
                let mut out = vec![Pair::default(); inner_k];
                let Some((len, bound)) = inner.seeded_candidates(i, &mut out) else { continue };
                let row = &out[..len];
                prop_assert!(row.windows(2).all(|w| (w[0].mm, w[0].school) < (w[1].mm, w[1].school)));
                prop_assert!(row.iter().all(|p| seats[p.school as usize] > 0));
                prop_assert!(bound == i64::MAX || (len == inner_k && bound == row[len - 1].mm));
                let original = outer.perm[i] as usize;
                for (j, c) in metres[original].iter().enumerate() {
                    let Some(mm) = c.and_then(to_mm) else { continue };
                    if seats[j] > 0 && mm < bound {
                        prop_assert!(row.iter().any(|p| p.school == j as u32), "school {} at {} mm missing", j, mm);
                    }
                }
            }
        }
    }

    /// Two applicants, two one-seat schools; the optimum crosses them.
    fn crossed() -> DenseCosts {
        DenseCosts::new(
            vec![1, 1],
            vec![vec![Some(1.0), Some(2.0)], vec![Some(1.0), Some(100.0)]],
        )
    }

    #[test]
    fn the_certificate_rejects_a_tampered_state() {
        let costs = crossed();
        let mut solver = Solver::new(
            &costs,
            &FlowOptions {
                candidates: 2,
                ..FlowOptions::default()
            },
        );
        solver.solve();
        assert!(solver.stats.certified && solver.candidates_certified());
        // Swap the two applicants: feasible, but not optimal under the prices.
        let (a, b) = (solver.at[0], solver.at[1]);
        let (ma, mb) = (solver.at_mm[0], solver.at_mm[1]);
        let mm = |i: usize, j: u32| solver.cand.find(i, j).map(|k| solver.cand.pair[k].mm).unwrap_or(0);
        let (m0, m1) = (mm(0, b), mm(1, a));
        solver.at[0] = b;
        solver.at[1] = a;
        solver.at_mm[0] = m0;
        solver.at_mm[1] = m1;
        assert!(!solver.candidates_certified());
        // Unseat one: a free seat priced above `Z`, or a cheaper option left.
        solver.at[0] = a;
        solver.at[1] = b;
        solver.at_mm[0] = ma;
        solver.at_mm[1] = mb;
        assert!(solver.candidates_certified());
        solver.at[1] = solver.z;
        solver.at_mm[1] = 0;
        assert!(!solver.candidates_certified());
    }
}
