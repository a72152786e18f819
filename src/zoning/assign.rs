//! Units to schools: every zone connected and holding its school's unit,
//! demand within each school's capacity where possible, total distance low.
//!
//! The method (heuristic, with an exact lower bound computed elsewhere):
//! 1. **Start** from the capacitated minimum-cost flow of pupils to schools
//!    (no contiguity): each unit goes to the school that received most of
//!    its pupils ([`super::initial_labels`]).
//! 2. **Contiguity repair**: a zone keeps only the units connected to its
//!    school's unit; the rest, and units with no pupils, are handed out by
//!    growing every zone from its border, cheapest unit first, a zone that
//!    would go over its capacity last.
//! 3. **Capacity repair by chains**: for a zone over capacity, the nearest
//!    zone with spare seats in the graph of neighbouring zones is found and
//!    a unit is passed along each step of the path, from the far end back,
//!    each move no larger than the receiving zone's spare seats, so no move
//!    creates an excess and each completed chain lowers the total excess.
//! 4. **Local search**: single units move to a neighbouring zone while that
//!    lowers `excess × W + cost` and keeps the zone they leave connected
//!    (checked by a search from its school's unit); `W` is far above any
//!    distance, so capacity comes first.
//!
//! Every step keeps every zone connected and its school's unit in it, so
//! the result has those properties whatever the costs; capacity holds when
//! the chains found room, and what is left over is reported.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// No zone.
pub const NONE: u32 = u32::MAX;

/// Weight of one pupil over capacity, in metres of distance.
const OVER_WEIGHT: f64 = 1e9;

/// Passes of the local search at most.
const MAX_PASSES: usize = 200;

/// Costs of putting a unit in a zone (its pupils' metres to the zone's
/// school, plus any move cost).
pub trait UnitCosts {
    /// Cost of unit `u` in zone `k`.
    fn cost(&self, u: usize, k: usize) -> f64;
}

impl<F: Fn(usize, usize) -> f64> UnitCosts for F {
    fn cost(&self, u: usize, k: usize) -> f64 {
        self(u, k)
    }
}

/// The graph to partition.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// Neighbours of each unit (sorted).
    pub adjacency: &'a [Vec<u32>],
    /// Pupils in each unit.
    pub demand: &'a [u32],
    /// The unit holding each zone's school (distinct units).
    pub seeds: &'a [usize],
    /// Most pupils each zone should take.
    pub caps: &'a [u32],
}

/// The partition being improved.
struct State<'a, 'c> {
    p: &'a Problem<'a>,
    costs: &'c dyn UnitCosts,
    label: Vec<u32>,
    load: Vec<u64>,
    members: Vec<usize>,
    is_seed: Vec<bool>,
}

impl State<'_, '_> {
    fn over(&self, k: usize, load: u64) -> u64 {
        load.saturating_sub(u64::from(self.p.caps[k]))
    }

    fn set(&mut self, u: usize, k: u32) {
        let old = self.label[u];
        let d = u64::from(self.p.demand[u]);
        if old != NONE {
            self.load[old as usize] -= d;
            self.members[old as usize] -= 1;
        }
        if k != NONE {
            self.load[k as usize] += d;
            self.members[k as usize] += 1;
        }
        self.label[u] = k;
    }

    /// True when zone `k` stays connected without unit `u` (a member, not its seed).
    fn stays_connected(&self, k: u32, u: usize) -> bool {
        let same = self.p.adjacency[u]
            .iter()
            .filter(|&&v| self.label[v as usize] == k)
            .count();
        if same <= 1 {
            return true;
        }
        let seed = self.p.seeds[k as usize];
        let mut seen = vec![false; self.label.len()];
        seen[seed] = true;
        seen[u] = true;
        let mut queue = VecDeque::from([seed]);
        let mut reached = 1;
        while let Some(x) = queue.pop_front() {
            for &v in &self.p.adjacency[x] {
                let v = v as usize;
                if !seen[v] && self.label[v] == k {
                    seen[v] = true;
                    reached += 1;
                    queue.push_back(v);
                }
            }
        }
        reached + 1 == self.members[k as usize]
    }

    /// Change of `excess × W + cost` when unit `u` moves from `a` to `b`.
    fn delta(&self, u: usize, a: usize, b: usize) -> f64 {
        let d = u64::from(self.p.demand[u]);
        let over_before = self.over(a, self.load[a]) + self.over(b, self.load[b]);
        let over_after = self.over(a, self.load[a] - d) + self.over(b, self.load[b] + d);
        (over_after as f64 - over_before as f64) * OVER_WEIGHT + self.costs.cost(u, b) - self.costs.cost(u, a)
    }

    /// Zones other than `a` next to unit `u`, ascending.
    fn neighbour_zones(&self, u: usize, a: u32) -> Vec<u32> {
        let mut zs: Vec<u32> = self.p.adjacency[u]
            .iter()
            .map(|&v| self.label[v as usize])
            .filter(|&z| z != NONE && z != a)
            .collect();
        zs.sort_unstable();
        zs.dedup();
        zs
    }

    /// Gives every unlabelled unit the label of the nearest labelled unit
    /// (breadth first, in unit order), so that empty units between the
    /// start's units do not cut its zones apart.
    fn fill_empty(&mut self) {
        let mut queue: VecDeque<usize> = (0..self.label.len()).filter(|&u| self.label[u] != NONE).collect();
        while let Some(u) = queue.pop_front() {
            let k = self.label[u];
            for &v in &self.p.adjacency[u] {
                let v = v as usize;
                if self.label[v] == NONE {
                    self.set(v, k);
                    queue.push_back(v);
                }
            }
        }
    }

    /// Keeps in each zone only the units connected to its seed.
    fn keep_connected(&mut self) {
        let mut seen = vec![false; self.label.len()];
        for (k, &seed) in self.p.seeds.iter().enumerate() {
            let mut queue = VecDeque::from([seed]);
            seen[seed] = true;
            while let Some(x) = queue.pop_front() {
                for &v in &self.p.adjacency[x] {
                    let v = v as usize;
                    if !seen[v] && self.label[v] == k as u32 {
                        seen[v] = true;
                        queue.push_back(v);
                    }
                }
            }
        }
        let lost: Vec<usize> = (0..self.label.len())
            .filter(|&u| !seen[u] && self.label[u] != NONE)
            .collect();
        for u in lost {
            self.set(u, NONE);
        }
    }

    /// Hands out every unlabelled unit reachable from a zone, cheapest
    /// first, a unit that would put its zone over capacity last.
    fn grow(&mut self) {
        let key = |c: f64| (c * 1000.0).round() as i64;
        let mut heap = BinaryHeap::new();
        for u in 0..self.label.len() {
            let k = self.label[u];
            if k == NONE {
                continue;
            }
            for &v in &self.p.adjacency[u] {
                let v = v as usize;
                if self.label[v] == NONE {
                    let over = self.load[k as usize] + u64::from(self.p.demand[v]) > u64::from(self.p.caps[k as usize]);
                    heap.push(Reverse((over, key(self.costs.cost(v, k as usize)), v, k)));
                }
            }
        }
        while let Some(Reverse((flag, c, v, k))) = heap.pop() {
            if self.label[v] != NONE {
                continue;
            }
            let over = self.load[k as usize] + u64::from(self.p.demand[v]) > u64::from(self.p.caps[k as usize]);
            if over && !flag {
                heap.push(Reverse((true, c, v, k)));
                continue;
            }
            self.set(v, k);
            for &w in &self.p.adjacency[v] {
                let w = w as usize;
                if self.label[w] == NONE {
                    let over = self.load[k as usize] + u64::from(self.p.demand[w]) > u64::from(self.p.caps[k as usize]);
                    heap.push(Reverse((over, key(self.costs.cost(w, k as usize)), w, k)));
                }
            }
        }
    }

    /// Single-unit moves that lower `excess × W + cost`, until none is left.
    fn local_search(&mut self) {
        for _ in 0..MAX_PASSES {
            let mut moved = false;
            for u in 0..self.label.len() {
                let a = self.label[u];
                if a == NONE || self.is_seed[u] {
                    continue;
                }
                let mut best: Option<(f64, u32)> = None;
                for b in self.neighbour_zones(u, a) {
                    let d = self.delta(u, a as usize, b as usize);
                    if d < -1e-6 && best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, b));
                    }
                }
                if let Some((_, b)) = best {
                    if self.stays_connected(a, u) {
                        self.set(u, b);
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Neighbouring zones of every zone, ascending.
    fn zone_graph(&self) -> Vec<Vec<u32>> {
        let mut g = vec![Vec::new(); self.p.seeds.len()];
        for u in 0..self.label.len() {
            let a = self.label[u];
            if a == NONE {
                continue;
            }
            for &v in &self.p.adjacency[u] {
                let b = self.label[v as usize];
                if b != NONE && b != a {
                    g[a as usize].push(b);
                }
            }
        }
        for z in &mut g {
            z.sort_unstable();
            z.dedup();
        }
        g
    }

    /// Moves one unit from `from` to `to` that fits `to`'s spare seats,
    /// cheapest per pupil; false when there is none.
    fn pass_one(&mut self, from: u32, to: u32) -> bool {
        let spare = u64::from(self.p.caps[to as usize]).saturating_sub(self.load[to as usize]);
        if spare == 0 {
            return false;
        }
        let mut candidates: Vec<(f64, usize)> = (0..self.label.len())
            .filter(|&u| self.label[u] == from && !self.is_seed[u])
            .filter(|&u| self.p.demand[u] > 0 && u64::from(self.p.demand[u]) <= spare)
            .filter(|&u| self.p.adjacency[u].iter().any(|&v| self.label[v as usize] == to))
            .map(|u| {
                let dc = self.costs.cost(u, to as usize) - self.costs.cost(u, from as usize);
                (dc / f64::from(self.p.demand[u]), u)
            })
            .collect();
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, u) in candidates {
            if self.stays_connected(from, u) {
                self.set(u, to);
                return true;
            }
        }
        self.pass_path(from, to, spare)
    }

    /// When no single unit fits (the border units of `from` are empty, or
    /// cutting one would split the zone): moves a path of units of `from`,
    /// from its border with `to` in to the nearest units with pupils, whose
    /// pupils fit `spare` and whose removal keeps `from` connected.
    fn pass_path(&mut self, from: u32, to: u32, spare: u64) -> bool {
        const TRIES: usize = 64;
        let n = self.label.len();
        let mut parent = vec![usize::MAX; n];
        let mut seen = vec![false; n];
        let mut queue: VecDeque<usize> = (0..n)
            .filter(|&u| {
                self.label[u] == from
                    && !self.is_seed[u]
                    && self.p.adjacency[u].iter().any(|&v| self.label[v as usize] == to)
            })
            .collect();
        for &u in &queue {
            seen[u] = true;
        }
        let mut tries = 0;
        while let Some(u) = queue.pop_front() {
            if self.p.demand[u] > 0 {
                let mut path = vec![u];
                while parent[*path.last().unwrap_or(&u)] != usize::MAX {
                    path.push(parent[*path.last().unwrap_or(&u)]);
                }
                let pupils: u64 = path.iter().map(|&x| u64::from(self.p.demand[x])).sum();
                if pupils <= spare && self.connected_without(from, &path) {
                    for &x in &path {
                        self.set(x, to);
                    }
                    return true;
                }
                tries += 1;
                if tries >= TRIES {
                    return false;
                }
            }
            for &v in &self.p.adjacency[u] {
                let v = v as usize;
                if !seen[v] && self.label[v] == from && !self.is_seed[v] {
                    seen[v] = true;
                    parent[v] = u;
                    queue.push_back(v);
                }
            }
        }
        false
    }

    /// True when zone `k` stays connected without the units `gone`.
    fn connected_without(&self, k: u32, gone: &[usize]) -> bool {
        let seed = self.p.seeds[k as usize];
        let mut seen = vec![false; self.label.len()];
        for &g in gone {
            seen[g] = true;
        }
        seen[seed] = true;
        let mut queue = VecDeque::from([seed]);
        let mut reached = 1;
        while let Some(x) = queue.pop_front() {
            for &v in &self.p.adjacency[x] {
                let v = v as usize;
                if !seen[v] && self.label[v] == k {
                    seen[v] = true;
                    reached += 1;
                    queue.push_back(v);
                }
            }
        }
        reached + gone.len() == self.members[k as usize]
    }

    /// Passes excess demand along chains of neighbouring zones to zones
    /// with spare seats, until no chain succeeds.
    fn pass_excess(&mut self) {
        let zones = self.p.seeds.len();
        for _ in 0..(4 * self.label.len() + 16) {
            let mut over: Vec<(Reverse<u64>, usize)> = (0..zones)
                .map(|k| (Reverse(self.over(k, self.load[k])), k))
                .filter(|x| x.0 .0 > 0)
                .collect();
            if over.is_empty() {
                return;
            }
            over.sort();
            let graph = self.zone_graph();
            let mut progress = false;
            'zones: for &(_, a) in &over {
                // Breadth-first over zones from `a`; zones with spare seats in order found.
                let mut parent = vec![NONE; zones];
                let mut seen = vec![false; zones];
                seen[a] = true;
                let mut queue = VecDeque::from([a]);
                let mut targets = Vec::new();
                while let Some(z) = queue.pop_front() {
                    for &n in &graph[z] {
                        let n = n as usize;
                        if !seen[n] {
                            seen[n] = true;
                            parent[n] = z as u32;
                            if self.load[n] < u64::from(self.p.caps[n]) {
                                targets.push(n);
                            }
                            queue.push_back(n);
                        }
                    }
                }
                for &t in targets.iter().take(12) {
                    let mut path = vec![t];
                    while *path.last().unwrap_or(&a) != a {
                        path.push(parent[*path.last().unwrap_or(&a)] as usize);
                    }
                    path.reverse(); // a … t
                                    // Moves made on a chain that stops short still count:
                                    // they leave spare seats one step nearer `a` for the
                                    // next attempt (every move fits its receiver's spare
                                    // seats, so none adds excess).
                    let mut moved = false;
                    for i in (0..path.len() - 1).rev() {
                        if !self.pass_one(path[i] as u32, path[i + 1] as u32) {
                            break;
                        }
                        moved = true;
                    }
                    if moved {
                        progress = true;
                        break 'zones;
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }
}

/// Partitions the units into connected zones around the seeds, starting
/// from `initial` (a zone or [`NONE`] per unit). Units that no seed can
/// reach stay [`NONE`].
pub fn assign(p: &Problem, costs: &dyn UnitCosts, initial: &[u32]) -> Vec<u32> {
    let n = p.demand.len();
    let zones = p.seeds.len();
    let mut state = State {
        p,
        costs,
        label: vec![NONE; n],
        load: vec![0; zones],
        members: vec![0; zones],
        is_seed: vec![false; n],
    };
    for (u, &k) in initial.iter().enumerate().take(n) {
        if (k as usize) < zones {
            state.set(u, k);
        }
    }
    for (k, &s) in p.seeds.iter().enumerate() {
        state.set(s, k as u32);
        state.is_seed[s] = true;
    }
    state.fill_empty();
    state.keep_connected();
    state.grow();
    state.local_search();
    state.pass_excess();
    state.local_search();
    state.label
}

/// Pupils over capacity, summed over zones.
pub fn excess(p: &Problem, label: &[u32]) -> u64 {
    let mut load = vec![0u64; p.seeds.len()];
    for (u, &k) in label.iter().enumerate() {
        if k != NONE {
            load[k as usize] += u64::from(p.demand[u]);
        }
    }
    load.iter()
        .zip(p.caps)
        .map(|(&l, &c)| l.saturating_sub(u64::from(c)))
        .sum()
}

/// True when every zone's units are connected and hold its seed.
pub fn connected(p: &Problem, label: &[u32]) -> bool {
    let mut seen = vec![false; label.len()];
    for (k, &seed) in p.seeds.iter().enumerate() {
        if label[seed] != k as u32 {
            return false;
        }
        seen[seed] = true;
        let mut queue = VecDeque::from([seed]);
        while let Some(x) = queue.pop_front() {
            for &v in &p.adjacency[x] {
                let v = v as usize;
                if !seen[v] && label[v] == k as u32 {
                    seen[v] = true;
                    queue.push_back(v);
                }
            }
        }
    }
    label.iter().zip(&seen).all(|(&k, &s)| k == NONE || s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grid_adjacency(w: usize, h: usize) -> Vec<Vec<u32>> {
        let mut adj = vec![Vec::new(); w * h];
        for y in 0..h {
            for x in 0..w {
                let u = y * w + x;
                if x + 1 < w {
                    adj[u].push((u + 1) as u32);
                    adj[u + 1].push(u as u32);
                }
                if y + 1 < h {
                    adj[u].push((u + w) as u32);
                    adj[u + w].push(u as u32);
                }
            }
        }
        for a in &mut adj {
            a.sort_unstable();
        }
        adj
    }

    /// Every labelling of the units with a zone, connected or not.
    fn brute_best(p: &Problem, costs: &dyn UnitCosts) -> Option<(u64, f64)> {
        let n = p.demand.len();
        let z = p.seeds.len();
        let mut best: Option<(u64, f64)> = None;
        let mut label = vec![0u32; n];
        for code in 0..z.pow(n as u32) {
            let mut c = code;
            for l in label.iter_mut() {
                *l = (c % z) as u32;
                c /= z;
            }
            if !connected(p, &label) {
                continue;
            }
            let cost: f64 = (0..n).map(|u| costs.cost(u, label[u] as usize)).sum();
            let key = (excess(p, &label), cost);
            if best.is_none_or(|b| key.0 < b.0 || (key.0 == b.0 && key.1 < b.1)) {
                best = Some(key);
            }
        }
        best
    }

    #[test]
    fn hand_worked_strip() {
        // 1×5 strip, schools at both ends, 2 pupils per unit, 6 seats each:
        // the middle unit goes to the cheaper side (school 0's distances are
        // smaller by construction), each side is connected.
        let adj = grid_adjacency(5, 1);
        let demand = vec![2; 5];
        let seeds = vec![0, 4];
        let caps = vec![6, 6];
        let p = Problem {
            adjacency: &adj,
            demand: &demand,
            seeds: &seeds,
            caps: &caps,
        };
        let cost = |u: usize, k: usize| {
            let pos = [0.0, 4.0][k];
            2.0 * (u as f64 - pos).abs() * if k == 0 { 1.0 } else { 1.1 }
        };
        let label = assign(&p, &cost, &[NONE; 5]);
        assert_eq!(label, vec![0, 0, 0, 1, 1]);
        // Capacity 4 on school 0 pushes the middle unit to school 1.
        let caps = vec![4, 6];
        let p = Problem { caps: &caps, ..p };
        let label = assign(&p, &cost, &[NONE; 5]);
        assert_eq!(label, vec![0, 0, 1, 1, 1]);
    }

    #[test]
    fn chain_passes_excess_through_a_full_zone() {
        // Strip of 6: zones 0 | 1 | 2 from the start [0,0,0,1,1,2]; zone 0 is
        // over by 1 and zone 1 is exactly full, zone 2 has room: a unit must
        // pass 1 -> 2 and then 0 -> 1, although moving 0 -> 1 alone would not
        // lower the total excess.
        let adj = grid_adjacency(6, 1);
        let demand = vec![1; 6];
        let seeds = vec![0, 3, 5];
        let caps = vec![2, 2, 2];
        let p = Problem {
            adjacency: &adj,
            demand: &demand,
            seeds: &seeds,
            caps: &caps,
        };
        let cost = |u: usize, k: usize| (u as f64 - seeds[k] as f64).abs();
        let label = assign(&p, &cost, &[0, 0, 0, 1, 1, 2]);
        assert_eq!(excess(&p, &label), 0);
        assert!(connected(&p, &label));
        assert_eq!(label, vec![0, 0, 1, 1, 2, 2]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// On small grids: zones connected around their seeds, never better
        /// than the brute-force optimum over connected maps (a check on the
        /// checker as much as on us), and no excess when seats are ample.
        #[test]
        fn connected_and_no_better_than_brute_force(
            w in 2usize..4, h in 1usize..4,
            demand in proptest::collection::vec(0u32..4, 9),
            seed_picks in proptest::collection::vec(0usize..9, 2..4),
            weights in proptest::collection::vec(1u32..5, 9),
            slack in 0u32..3,
            ample in any::<bool>(),
        ) {
            let n = w * h;
            let adj = grid_adjacency(w, h);
            let demand: Vec<u32> = demand[..n].to_vec();
            let mut seeds: Vec<usize> = seed_picks.iter().map(|s| s % n).collect();
            seeds.sort_unstable();
            seeds.dedup();
            prop_assume!(seeds.len() >= 2);
            let total: u32 = demand.iter().sum();
            let zones = seeds.len() as u32;
            let caps: Vec<u32> = (0..zones).map(|_| if ample { total } else { total.div_ceil(zones) + slack }).collect();
            let p = Problem { adjacency: &adj, demand: &demand, seeds: &seeds, caps: &caps };
            let pos = |u: usize| ((u % w) as f64, (u / w) as f64);
            let cost = |u: usize, k: usize| {
                let (a, b) = (pos(u), pos(seeds[k]));
                f64::from(demand[u] * weights[u]) * ((a.0 - b.0).abs() + (a.1 - b.1).abs()) + 0.001 * (a.0 - b.0).abs()
            };
            let label = assign(&p, &cost, &vec![NONE; n]);
            prop_assert!(connected(&p, &label));
            prop_assert!(label.iter().all(|&k| k != NONE), "a grid is connected: every unit gets a zone");
            let ours: f64 = (0..n).map(|u| cost(u, label[u] as usize)).sum();
            let best = brute_best(&p, &cost).unwrap();
            let ex = excess(&p, &label);
            prop_assert!(ex > best.0 || (ex == best.0 && ours >= best.1 - 1e-9));
            if ample { prop_assert_eq!(ex, 0); }
        }
    }
}
