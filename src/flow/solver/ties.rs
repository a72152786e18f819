//! The canonical tie rule: among all optimal assignments, one that no
//! choice of algorithm can change.

use std::collections::VecDeque;

use super::*;

impl<'a> Solver<'a> {
    /// Moves the certified optimum to the canonical one among all optima:
    /// applicants in the model's order each take the lowest-index option
    /// (unseated last) that some optimum completing the earlier choices
    /// gives them. Returns the number of applicants moved.
    ///
    /// The final prices are optimal duals, and every optimum satisfies
    /// complementary slackness with any optimal duals: each applicant sits
    /// at a *tight* option (cost plus price equal to its value; pricing
    /// adds every tight pair outside the candidates), each school priced
    /// above `Z` is full, and the others hold at most their seats. So the
    /// optima are exactly the placements on tight options with those
    /// loads, whatever prices the solver ended with, and only applicants
    /// with two tight options or more can move. For each of them, in
    /// order, an option is possible iff a path of moves by the later ones
    /// makes room: a breadth-first search from the option over the nodes
    /// of those applicants, to a node that can take one more (`Z`, or a
    /// school priced as `Z` with a free seat), or back to the applicant's
    /// own node. If its own school must stay full (priced above `Z`), the
    /// search must come back to it: through the moves of others, or from
    /// a node that can take one more on to any school that may give one
    /// up (priced as `Z`), whose applicants' moves then lead back (the
    /// node `S` below: one seat freed there, one taken here, in the same
    /// cycle).
    pub(super) fn break_ties(&mut self) -> usize {
        let z = self.z;
        let pz = self.price[z as usize];
        // Tight options of the applicants with more than one, by index, `Z` last.
        let options: Vec<(u32, Vec<u32>)> = (0..self.n)
            .into_par_iter()
            .filter_map(|i| {
                let v = self.value_of(i);
                let mut tight: Vec<u32> = self
                    .cand
                    .range(i)
                    .filter(|&k| self.value(Some(k)) == v)
                    .map(|k| self.cand.pair[k].school)
                    .collect();
                if tight.len() + usize::from(self.value(None) == v) < 2 {
                    return None;
                }
                tight.sort_unstable();
                if self.value(None) == v {
                    tight.push(z);
                }
                Some((i as u32, tight))
            })
            .collect();
        if options.is_empty() {
            return 0;
        }
        let mut slot = vec![u32::MAX; self.n];
        for (s, (i, _)) in options.iter().enumerate() {
            slot[*i as usize] = s as u32;
        }
        let mut load = vec![0u32; self.m + 1];
        for &a in &self.at {
            load[a as usize] += 1;
        }
        // Who may still move, by node (entries go stale when they move;
        // checked against `at`).
        let mut here: Vec<Vec<u32>> = vec![Vec::new(); self.m + 1];
        for (i, _) in &options {
            here[self.at[*i as usize] as usize].push(*i);
        }
        let mut fixed = vec![false; options.len()];
        let mut order: Vec<usize> = (0..options.len()).collect();
        order.sort_by_key(|&s| self.perm[options[s].0 as usize]);
        let forced = |price: &[i128], u: u32| u != z && price[u as usize] > pz;
        // `S`: from a node that can take one more to a school that can
        // give one up, with no applicant moving.
        let s_node = self.m as u32 + 1;
        let givers: Vec<u32> = (0..self.m as u32).filter(|&x| !forced(&self.price, x)).collect();
        let mut seen = vec![u32::MAX; self.m + 2];
        let mut pred: Vec<(u32, u32)> = vec![(0, 0); self.m + 2];
        let mut moved = 0;
        for (round, &s) in order.iter().enumerate() {
            let i = options[s].0;
            let own = self.at[i as usize];
            let must_return = forced(&self.price, own);
            for &j in &options[s].1 {
                if j == own {
                    break;
                }
                let open = |u: u32, load: &[u32]| {
                    u == z || (!forced(&self.price, u) && load[u as usize] < self.cap[u as usize])
                };
                let target = |u: u32, load: &[u32]| u == own || (!must_return && open(u, load));
                // Breadth-first from `j` over moves of applicants not yet fixed.
                let mut end = None;
                if target(j, &load) {
                    end = Some(j);
                } else {
                    let mut queue = VecDeque::from([j]);
                    seen[j as usize] = round as u32;
                    'search: while let Some(u) = queue.pop_front() {
                        if u == s_node {
                            for &x in &givers {
                                if seen[x as usize] == round as u32 || here[x as usize].is_empty() {
                                    continue;
                                }
                                seen[x as usize] = round as u32;
                                pred[x as usize] = (s_node, NONE);
                                queue.push_back(x);
                            }
                            continue;
                        }
                        if must_return && open(u, &load) && seen[s_node as usize] != round as u32 {
                            seen[s_node as usize] = round as u32;
                            pred[s_node as usize] = (u, NONE);
                            queue.push_back(s_node);
                        }
                        for &a in &here[u as usize] {
                            let sa = slot[a as usize] as usize;
                            if a == i || fixed[sa] || self.at[a as usize] != u {
                                continue;
                            }
                            for &w in &options[sa].1 {
                                if w == u || seen[w as usize] == round as u32 {
                                    continue;
                                }
                                seen[w as usize] = round as u32;
                                pred[w as usize] = (u, a);
                                if target(w, &load) {
                                    end = Some(w);
                                    break 'search;
                                }
                                queue.push_back(w);
                            }
                        }
                    }
                }
                let Some(mut w) = end else { continue };
                // Each applicant along the path moves one node on.
                while w != j {
                    let (u, a) = pred[w as usize];
                    if a == NONE {
                        w = u;
                        continue;
                    }
                    self.place_at(a as usize, w);
                    here[w as usize].push(a);
                    load[u as usize] -= 1;
                    load[w as usize] += 1;
                    moved += 1;
                    w = u;
                }
                self.place_at(i as usize, j);
                load[own as usize] -= 1;
                load[j as usize] += 1;
                moved += 1;
                break;
            }
            fixed[s] = true;
        }
        moved
    }

    /// Puts applicant `i` at node `to` (after solving: no arcs to keep).
    fn place_at(&mut self, i: usize, to: u32) {
        self.at[i] = to;
        self.at_mm[i] = if to == self.z {
            0
        } else {
            self.cand.find(i, to).map_or(0, |k| self.cand.pair[k].mm)
        };
    }
}
