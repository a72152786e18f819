//! The warm-start auction: near-optimal school prices when seats are short.

use super::*;

impl<'a> Solver<'a> {
    /// Warm start for a tight instance (no more usable seats than
    /// applicants) too small to start from a sample
    /// ([`FlowOptions::sample_from`]), when every seat is expected to be
    /// filled: then leaving
    /// an applicant unseated is like a seat at a virtual school `Z` of
    /// capacity `applicants − seats` at cost 0, a balanced assignment
    /// problem with prices of the order of distances (not of `M`). An
    /// auction with ε-scaling (Bertsekas, for similar objects) prices it:
    /// each applicant bids for its best option (cost plus price) by the
    /// margin over its second best plus ε, and a full school drops its
    /// lowest bid. The school prices, shifted so that `Z` costs `M`, start
    /// the exact routing, which repairs whatever the auction got wrong (an
    /// unfillable seat, a bid budget run out, the remaining ε).
    pub(super) fn auction(&mut self) {
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
}
