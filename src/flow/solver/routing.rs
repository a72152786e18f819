//! Exact routing: successive shortest paths over the school graph.

use super::*;

/// Packs a tentative distance and a node into one queue key that orders
/// exactly as the pair `(distance, node)`: the distance in the high 96
/// bits, the node in the low 32. Search distances are sums of reduced
/// costs, which are never negative (the prices are potentials), and stay
/// below `2 · (schools + 2) · (M + C)`: a path has at most `schools + 1`
/// arcs, each costing at most `M + C` in absolute value, and the prices,
/// shortest-path potentials, differ by no more. That is below `2⁹⁵` for
/// any model that fits in memory.
fn queue_key(distance: i128, node: u32) -> u128 {
    debug_assert!((0..1i128 << 95).contains(&distance), "search distance out of range");
    ((distance as u128) << 32) | node as u128
}

/// The (distance, node) of a [`queue_key`].
fn queue_entry(key: u128) -> (i128, u32) {
    ((key >> 32) as i128, key as u32)
}

impl<'a> Solver<'a> {
    /// Routes all excess to deficits along shortest paths, draining the
    /// nodes with the most excess first (ties by index). Those are the
    /// schools the prices left most over-chosen, whose units must travel
    /// furthest: routed while deficits are still everywhere, their paths
    /// stay short, and the small excesses left after them find a deficit
    /// nearby. (In index order, the last sources found only distant
    /// deficits left, each search settling most of the graph: 21–26% more
    /// nodes settled on the 0.95× cities.) Routing never makes a new
    /// excess: a unit leaves its source and fills a deficit.
    pub(super) fn route(&mut self) {
        let mut sources: Vec<u32> = (0..=self.m as u32).filter(|&v| self.excess[v as usize] > 0).collect();
        sources.sort_by_key(|&v| (Reverse(self.excess[v as usize]), v));
        for s in sources {
            while self.excess[s as usize] > 0 {
                self.augment_from(s);
            }
        }
        debug_assert!(self.excess.iter().all(|&e| e <= 0), "routing left an excess");
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
        self.queue.push(Reverse(queue_key(0, s)));
        self.sink_bound = i128::MAX;
        let z = self.z;
        let mut sink = None;
        while let Some(Reverse(key)) = self.queue.pop() {
            let (d, v) = queue_entry(key);
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
                for slot in 0..self.usable_schools.len() {
                    let j = self.usable_schools[slot] as usize;
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

    /// Offers `b` the distance `nd` through `from`. Offers beyond the
    /// nearest deficit found so far are dropped: such a node is settled
    /// only after that deficit, when the search has already stopped, and
    /// any later, shorter offer is still taken, so the search settles the
    /// same nodes with the same distances and predecessors as without the
    /// cut.
    fn relax(&mut self, b: u32, nd: i128, from: u32, applicant: u32) {
        let bu = b as usize;
        debug_assert!(nd >= self.dist[from as usize], "negative reduced cost");
        if nd > self.sink_bound {
            return;
        }
        if self.seen[bu] != self.stamp || nd < self.dist[bu] {
            self.seen[bu] = self.stamp;
            self.dist[bu] = nd;
            self.pred[bu] = (from, applicant);
            self.queue.push(Reverse(queue_key(nd, b)));
            if self.excess[bu] < 0 {
                self.sink_bound = self.sink_bound.min(nd);
            }
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
    pub(super) fn normalise_prices(&mut self) {
        let pz = self.price[self.z as usize];
        for p in self.price.iter_mut() {
            *p = (*p - pz).max(0);
        }
    }
}
