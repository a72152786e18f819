//! Branch-and-bound over site decisions: which candidate sites to open and
//! which closable schools to close, each layout evaluated exactly by the
//! min-cost flow (through [`Evaluate`]).
//!
//! # Why the bound is valid
//! Write `g(S)` for the value of the best assignment when the set `S` of
//! sites is open: `seated · W − total_mm` with `W` larger than any total
//! distance, so that comparing values is the lexicographic objective of
//! spec §8 (seat the most, then minimise distance). `g` is the value of a
//! maximum-weight b-matching as a function of the available schools, which
//! is monotone and submodular (the assignment valuation is gross
//! substitutes; a school of `c` seats is `c` copies that open together, and
//! a submodular function stays submodular on unions of fixed blocks). Two
//! consequences, for sets `S ⊆ T`:
//! - adding: `g(S ∪ X) ≤ g(S) + Σ_{x∈X} [g(S + x) − g(S)]`;
//! - removing: `g(T) − g(T ∖ D) ≥ Σ_{d∈D} [g(T) − g(T − d)]`, and each
//!   removal loss only grows as `T` shrinks.
//!
//! At a node, `A` is the open set with every undecided closable school kept
//! and no undecided candidate opened, `U` is `A` with every undecided
//! candidate opened. Any completion opens `k` more candidates `X` and closes
//! `c` more schools `D`, and
//! `g(A + X − D) ≤ g(A) + Σ top-k [g(A + x) − g(A)] − Σ bottom-c [g(U) − g(U − d)]`
//! (the removal losses at `A + X ⊆ U` are at least those at `U`). Children
//! reuse their parent's marginals as a first, weaker bound (marginals only
//! shrink as the open set grows), so most pruned children cost no
//! evaluation at all, and a node evaluates its candidates lazily: only
//! until the largest marginal is exact (the others stay upper bounds, which
//! keeps the bound valid). The first dive is thus the accelerated greedy
//! layout, at a few evaluations per site opened after the root's.
//!
//! # Order and determinism
//! The search is depth-first, opening the candidate of largest marginal
//! first (so its first dive is the greedy layout) and, once every candidate
//! is decided, closing the school of smallest loss first. Layouts of one
//! node are evaluated in parallel and collected in order; the incumbent
//! changes only on a strictly better value. The result is therefore a
//! function of the inputs alone (the number of threads does not matter).
//! With [`Limits::max_evaluations`] reached, the search stops exploring and
//! keeps the best bound of what it left, so the answer carries an honest
//! gap instead of a claim of optimality.

use std::collections::HashMap;

use rayon::prelude::*;

/// The value of one layout: applicants seated, then their total distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Value {
    /// Applicants seated (the most possible for the layout).
    pub seated: usize,
    /// Total home–school distance of the seated, whole millimetres (the
    /// flow's exact objective).
    pub total_mm: i128,
}

impl Value {
    /// `seated · weight − total_mm`: larger is better when `weight`
    /// exceeds every possible total distance.
    pub fn score(self, weight: i128) -> i128 {
        self.seated as i128 * weight - self.total_mm
    }

    /// The value with a given score (the inverse of [`Value::score`]); a
    /// bound's score gives the most seated and, at that count, the least
    /// distance any layout can reach.
    pub fn from_score(score: i128, weight: i128) -> Value {
        let seated = score.div_euclid(weight) + i128::from(score.rem_euclid(weight) != 0);
        Value {
            seated: seated.max(0) as usize,
            total_mm: seated * weight - score,
        }
    }
}

/// Evaluates a layout exactly: the best assignment when the sites marked
/// `true` are open.
pub trait Evaluate: Sync {
    /// Applicants of the model (bounds the number seated).
    fn applicants(&self) -> usize;
    /// Number of sites; layouts have this length.
    fn sites(&self) -> usize;
    /// The value of the optimal assignment to the open sites.
    fn evaluate(&self, open: &[bool]) -> Value;
}

/// What each site is to the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Open in every layout (an existing school that may not close).
    Fixed,
    /// A candidate site: opened or not.
    Candidate,
    /// An existing school that may be closed.
    Closable,
    /// Never open (no seats, or not of the planned level).
    Absent,
}

/// The decision: open exactly `open` candidates, close exactly `close`
/// closable schools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The role of each site.
    pub roles: Vec<Role>,
    /// Candidates to open.
    pub open: usize,
    /// Closable schools to close.
    pub close: usize,
}

/// How much work the search may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Layouts evaluated at most (each is one exact flow); past it the
    /// search returns its best layout with a bound. The first dive (the
    /// greedy layout) is always completed, whatever the budget.
    pub max_evaluations: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_evaluations: 200_000,
        }
    }
}

/// Counters of a search (deterministic).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Layouts evaluated by the flow (each distinct layout once).
    pub evaluations: usize,
    /// Nodes of the search tree visited.
    pub nodes: usize,
    /// Nodes pruned by their bound.
    pub pruned: usize,
}

/// The best layout found and how good it provably is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Which sites are open.
    pub open: Vec<bool>,
    /// Its value.
    pub value: Value,
    /// The best value any layout can have (equal to `value` when proven).
    pub bound: Value,
    /// Whether `value` is proven optimal.
    pub proven: bool,
    /// Work done.
    pub stats: SearchStats,
}

/// The weight of one seated applicant: more than any total distance of
/// `applicants` pairs of at most [`crate::flow::MAX_METRES`].
pub fn seat_weight(applicants: usize) -> i128 {
    let cap_mm = (crate::flow::MAX_METRES * 1000.0) as i128;
    (applicants as i128 + 1) * cap_mm + 1
}

/// One node: the open set `a` (undecided closables kept, undecided
/// candidates not opened), the undecided sites and how many of each must
/// still change.
#[derive(Clone)]
struct Node {
    a: Vec<bool>,
    free_c: Vec<usize>,
    /// Upper bounds of the undecided candidates' marginals at `a` (a
    /// parent's marginals; `i128::MAX` when unknown).
    est: Vec<i128>,
    free_x: Vec<usize>,
    open: usize,
    close: usize,
}

struct Search<'a> {
    eval: &'a dyn Evaluate,
    problem: &'a Problem,
    limits: Limits,
    weight: i128,
    /// Positions of the decision sites (candidates and closables) in a
    /// layout key.
    decision: Vec<usize>,
    memo: HashMap<Vec<u64>, Value>,
    best: Option<(i128, Vec<bool>, Value)>,
    /// The largest bound of a node left unexplored for lack of budget.
    left: Option<i128>,
    stats: SearchStats,
}

/// Candidate layouts evaluated at once by the lazy marginals (a fixed
/// number, so that the search does not depend on the number of threads).
const LAZY_BATCH: usize = 2;

/// The best layout: exactly `problem.open` candidates opened and
/// `problem.close` closable schools closed, for the most seated and then
/// the least total distance. Proven optimal unless `limits` cut the search
/// short (then [`Solution::bound`] says how far from optimal it may be).
///
/// Returns `None` when the problem has no layout (too few candidates or
/// closable schools).
pub fn solve(eval: &dyn Evaluate, problem: &Problem, limits: &Limits) -> Option<Solution> {
    let candidates: Vec<usize> = sites_with(problem, Role::Candidate);
    let closable: Vec<usize> = sites_with(problem, Role::Closable);
    if problem.open > candidates.len() || problem.close > closable.len() {
        return None;
    }
    let mut search = Search {
        eval,
        problem,
        limits: *limits,
        weight: seat_weight(eval.applicants()),
        decision: candidates.iter().chain(&closable).copied().collect(),
        memo: HashMap::new(),
        best: None,
        left: None,
        stats: SearchStats::default(),
    };
    let a = problem
        .roles
        .iter()
        .map(|r| matches!(r, Role::Fixed | Role::Closable))
        .collect();
    let root = Node {
        a,
        est: vec![i128::MAX; candidates.len()],
        free_c: candidates,
        free_x: closable,
        open: problem.open,
        close: problem.close,
    };
    search.explore(root, i128::MAX);
    let (score, open, value) = search.best?;
    let bound = search.left.map_or(score, |left| left.max(score));
    Some(Solution {
        open,
        value,
        bound: Value::from_score(bound, search.weight),
        proven: bound == score,
        stats: search.stats,
    })
}

fn sites_with(problem: &Problem, role: Role) -> Vec<usize> {
    (0..problem.roles.len()).filter(|&s| problem.roles[s] == role).collect()
}

/// Sum of the `k` largest values.
fn top_sum(values: &[i128], k: usize) -> i128 {
    let mut v = values.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.iter().take(k).sum()
}

/// Sum of the `k` smallest values.
fn bottom_sum(values: &[i128], k: usize) -> i128 {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.iter().take(k).sum()
}

/// The position of the first largest (`largest`) or first smallest value.
fn arg_extreme(values: &[i128], largest: bool) -> usize {
    let mut at = 0;
    for (i, &v) in values.iter().enumerate() {
        if (largest && v > values[at]) || (!largest && v < values[at]) {
            at = i;
        }
    }
    at
}

fn without(items: &[usize], at: usize) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, &s)| s)
        .collect()
}

fn without_value(items: &[i128], at: usize) -> Vec<i128> {
    items
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, &s)| s)
        .collect()
}

impl Search<'_> {
    fn key(&self, open: &[bool]) -> Vec<u64> {
        let mut key = vec![0u64; self.decision.len().div_ceil(64)];
        for (i, &s) in self.decision.iter().enumerate() {
            if open[s] {
                key[i / 64] |= 1 << (i % 64);
            }
        }
        key
    }

    /// Whether a layout is one the problem allows.
    fn complete(&self, open: &[bool]) -> bool {
        let roles = &self.problem.roles;
        let opened = (0..roles.len())
            .filter(|&s| roles[s] == Role::Candidate && open[s])
            .count();
        let closed = (0..roles.len())
            .filter(|&s| roles[s] == Role::Closable && !open[s])
            .count();
        opened == self.problem.open && closed == self.problem.close
    }

    /// Scores of the layouts, evaluating those not seen before in
    /// parallel; complete layouts are offered as incumbents, in order.
    fn scores(&mut self, layouts: &[Vec<bool>]) -> Vec<i128> {
        let keys: Vec<Vec<u64>> = layouts.iter().map(|l| self.key(l)).collect();
        let mut todo: Vec<usize> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if !self.memo.contains_key(k) && !keys[..i].contains(k) {
                todo.push(i);
            }
        }
        let eval = self.eval;
        let values: Vec<Value> = todo.par_iter().map(|&i| eval.evaluate(&layouts[i])).collect();
        self.stats.evaluations += todo.len();
        for (&i, v) in todo.iter().zip(values) {
            self.memo.insert(keys[i].clone(), v);
        }
        let mut scores = Vec::with_capacity(layouts.len());
        for (layout, key) in layouts.iter().zip(&keys) {
            let value = self.memo[key];
            let score = value.score(self.weight);
            if self.complete(layout) && self.best.as_ref().is_none_or(|b| score > b.0) {
                self.best = Some((score, layout.clone(), value));
            }
            scores.push(score);
        }
        scores
    }

    /// The candidates' marginals at the node's open set, lazily (Minoux's
    /// accelerated greedy): known layouts are read from the memo, the rest
    /// keep their parent's value, an upper bound since marginals only
    /// shrink as the open set grows; the largest is evaluated, two at a
    /// time, until the largest is exact. The result is exact at its
    /// maximum and an upper bound everywhere.
    fn marginals(&mut self, node: &Node, ga: i128) -> Vec<i128> {
        let nc = node.free_c.len();
        let mut rho = node.est.clone();
        let mut exact = vec![false; nc];
        let with = |t: usize| {
            let mut l = node.a.clone();
            l[t] = true;
            l
        };
        for p in 0..nc {
            if let Some(v) = self.memo.get(&self.key(&with(node.free_c[p]))) {
                rho[p] = v.score(self.weight) - ga;
                exact[p] = true;
            }
        }
        loop {
            if nc == 0 {
                break;
            }
            let top = arg_extreme(&rho, true);
            if exact[top] {
                break;
            }
            let mut order: Vec<usize> = (0..nc).filter(|&p| !exact[p]).collect();
            order.sort_by(|&a, &b| rho[b].cmp(&rho[a]).then(a.cmp(&b)));
            order.truncate(LAZY_BATCH);
            let layouts: Vec<Vec<bool>> = order.iter().map(|&p| with(node.free_c[p])).collect();
            let scores = self.scores(&layouts);
            for (&p, score) in order.iter().zip(scores) {
                rho[p] = score - ga;
                exact[p] = true;
            }
        }
        rho
    }

    fn beaten(&self, bound: i128) -> bool {
        self.best.as_ref().is_some_and(|b| bound <= b.0)
    }

    fn explore(&mut self, mut node: Node, pre: i128) {
        self.stats.nodes += 1;
        if self.beaten(pre) {
            self.stats.pruned += 1;
            return;
        }
        // Forced decisions: all remaining candidates open, or none; all
        // remaining closables close, or none.
        if node.open == node.free_c.len() {
            for &s in &node.free_c {
                node.a[s] = true;
            }
            node.free_c.clear();
            node.est.clear();
            node.open = 0;
        }
        if node.open == 0 {
            node.free_c.clear();
            node.est.clear();
        }
        if node.close == node.free_x.len() {
            for &s in &node.free_x {
                node.a[s] = false;
            }
            node.free_x.clear();
            node.close = 0;
        }
        if node.close == 0 {
            node.free_x.clear();
        }
        // The budget applies once a layout is known: the first dive (the
        // greedy layout) always completes.
        if self.best.is_some() && self.stats.evaluations >= self.limits.max_evaluations {
            self.left = Some(self.left.map_or(pre, |l| l.max(pre)));
            return;
        }
        // Layouts of this node: A, and U, U − d for each closable; the
        // candidates' A + t lazily below.
        let mut layouts = vec![node.a.clone()];
        let mut u = node.a.clone();
        for &t in &node.free_c {
            u[t] = true;
        }
        if !node.free_x.is_empty() {
            layouts.push(u.clone());
            for &d in &node.free_x {
                let mut l = u.clone();
                l[d] = false;
                layouts.push(l);
            }
        }
        let scores = self.scores(&layouts);
        let ga = scores[0];
        if node.free_c.is_empty() && node.free_x.is_empty() {
            return;
        }
        let delta: Vec<i128> = if node.free_x.is_empty() {
            Vec::new()
        } else {
            let gu = scores[1];
            scores[2..].iter().map(|&s| gu - s).collect()
        };
        let rho = self.marginals(&node, ga);
        let closing = bottom_sum(&delta, node.close);
        let ub = pre.min(ga + top_sum(&rho, node.open) - closing);
        if self.beaten(ub) {
            self.stats.pruned += 1;
            return;
        }
        if node.open > 0 {
            let at = arg_extreme(&rho, true);
            let t = node.free_c[at];
            let rest = without_value(&rho, at);
            let free_c = without(&node.free_c, at);
            let mut a = node.a.clone();
            a[t] = true;
            let pre_in = ga + rho[at] + top_sum(&rest, node.open - 1) - closing;
            let pre_out = ga + top_sum(&rest, node.open) - closing;
            let include = Node {
                a,
                est: rest.clone(),
                free_c: free_c.clone(),
                free_x: node.free_x.clone(),
                open: node.open - 1,
                close: node.close,
            };
            self.explore(include, pre_in.min(ub));
            let exclude = Node {
                free_c,
                est: rest,
                ..node
            };
            self.explore(exclude, pre_out.min(ub));
        } else {
            let at = arg_extreme(&delta, false);
            let d = node.free_x[at];
            let rest = without_value(&delta, at);
            let free_x = without(&node.free_x, at);
            let mut a = node.a.clone();
            a[d] = false;
            let pre_close = ga - delta[at] - bottom_sum(&rest, node.close - 1);
            let pre_keep = ga - bottom_sum(&rest, node.close);
            let close = Node {
                a,
                free_c: Vec::new(),
                est: Vec::new(),
                free_x: free_x.clone(),
                open: 0,
                close: node.close - 1,
            };
            self.explore(close, pre_close.min(ub));
            let keep = Node { free_x, ..node };
            self.explore(keep, pre_keep.min(ub));
        }
    }
}
