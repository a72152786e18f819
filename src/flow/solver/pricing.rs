//! Pricing rounds: the certificate that the candidate optimum is optimal
//! over every allowed pair, and the pairs it adds when it is not.

use super::*;

/// What every applicant's walk in one pricing round reads.
#[derive(Clone, Copy)]
struct Round<'r> {
    /// Usable schools in increasing (price, index), and their prices.
    order: &'r [u32],
    sorted: &'r [i128],
    /// Price-walk steps worth taking when the price walk alone is not
    /// enough.
    head: usize,
    /// The metric lists, by school, when the model is a metric.
    lists: Option<&'r [Vec<(i128, u32)>]>,
    /// The model's [`CostModel::lower_bound_points`], if any.
    points: Option<&'r BoundPoints>,
}

/// One applicant's walk in a pricing round ([`Solver::walk_applicant`]).
struct Walked {
    applicant: u32,
    /// Pairs read: costs asked, or bounds checked.
    read: usize,
    /// Pairs outside the candidates of reduced cost `≤ 0`.
    found: Vec<Pair>,
    /// A lower bound on cost plus price over the pairs outside the
    /// candidates; meaningful only when nothing was found.
    floor: i128,
}

impl<'a> Solver<'a> {
    /// One pricing round: pairs outside the candidates with reduced cost
    /// not above 0, per applicant, in applicant order: the negative ones
    /// improve the assignment, and the zero ones are ties, which the
    /// canonical tie rule ([`Solver::break_ties`]) must see.
    ///
    /// For applicant `i` with value `v`, a non-candidate school `j` is
    /// found iff `c_ij + p_j ≤ v`. All allowed schools with `c_ij < bound_i`
    /// are candidates, so only schools priced at most `v − bound_i` qualify;
    /// most applicants are certified by that alone. For the others:
    /// 1. if the model gives distances between schools (a metric), the
    ///    triangle inequality bounds `c_ij ≥ d(a, j) − c_ia` from the
    ///    applicant's nearest candidate `a`; each school keeps its
    ///    [`METRIC_LIST`] smallest `d(a, j) + p_j`, and once these bounds
    ///    reach `v` the applicant is certified, after checking with
    ///    [`CostModel::cost`] only the few schools below;
    /// 2. if the model gives [`CostModel::lower_bound_points`], the schools
    ///    priced below `v − bound_i`, each ruled out by its straight-line
    ///    lower bound or checked with `cost` (a few multiplications per
    ///    school instead of a tree walk per pair);
    /// 3. otherwise two sorted accesses (Fagin's threshold algorithm):
    ///    schools in increasing price, checked with `cost`, and schools in
    ///    increasing distance from [`CostModel::nearest`]. After the
    ///    cheapest `s` schools by price, every other school has
    ///    `p_j ≥ p_(s)`, so the distance walk stops at the first school with
    ///    `c_ij + p_(s) > v`. The price walk alone suffices when at most
    ///    [`PRICE_WALK`] schools are priced below `v − bound_i`.
    ///
    /// Each walk also gives the applicant a floor: the least of the bounds
    /// that ruled its pairs out, a lower bound on cost plus price over all
    /// pairs outside its candidates. The next round does not walk it again
    /// while its value stays below that floor plus the least rise of any
    /// price since: typically everyone but a few in the round after a
    /// routing that moved little, the round that certifies the optimum.
    pub(super) fn price_out(&mut self) -> Vec<Additions> {
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
        // An applicant the last round certified with a floor `f'`
        // (`c_ij + p'_j ≥ f'` for every pair outside its candidates) has
        // now `c_ij + p_j ≥ f' + rise`, with `rise` the least rise of any
        // price: it stays certified while its value is below that. (Debug
        // builds walk such applicants anyway, to check that.)
        let least_rise: Option<i128> = if self.last_price.is_empty() {
            None
        } else {
            order
                .iter()
                .map(|&j| self.price[j as usize] - self.last_price[j as usize])
                .min()
        };
        // Applicants certified neither by their candidates alone nor by the
        // last round, each with the number of schools priced low enough to
        // qualify (and, in debug builds, whether the last round kept it);
        // the metric lists (a row of school distances each) only for their
        // nearest candidate schools.
        let last_floor = std::mem::take(&mut self.last_floor);
        let kept = |i: usize, v: i128| {
            least_rise.is_some_and(|rise| {
                let last = last_floor[i];
                last != UNCERTIFIED && v < last.saturating_add(rise)
            })
        };
        let walk: Vec<(u32, usize, bool)> = (0..self.n as u32)
            .into_par_iter()
            .filter_map(|i| {
                let bound = self.cand.bound[i as usize];
                if bound == i64::MAX {
                    return None;
                }
                let v = self.value_of(i as usize);
                let kept = kept(i as usize, v);
                // The count of qualifying schools (a binary search over the
                // prices) only for those that have one and need a walk.
                if (kept && !cfg!(debug_assertions)) || sorted[0] > v - bound as i128 {
                    return None;
                }
                Some((i, sorted.partition_point(|&p| p <= v - bound as i128), kept))
            })
            .collect();
        let needed = !walk.is_empty();
        let mut first_of_walked = vec![false; self.m];
        for &(i, _, _) in &walk {
            first_of_walked[self.cand.pair[self.cand.start[i as usize]].school as usize] = true;
        }
        if needed && self.points.is_none() {
            self.points = Some(
                self.model
                    .lower_bound_points()
                    .filter(|p| p.applicants.len() == self.n && p.schools.len() == self.m),
            );
        }
        if needed {
            self.cache_school_bounds(&order);
        }
        let lists = if needed {
            self.metric_lists(&order, &first_of_walked)
        } else {
            None
        };
        let round = Round {
            order: &order,
            sorted: &sorted,
            head,
            lists: lists.as_deref(),
            points: self.points.as_ref().and_then(Option::as_ref),
        };
        let walked: Vec<Walked> = walk
            .par_iter()
            .filter_map(|&(i, below, kept)| {
                let walked = self.walk_applicant(&round, i, below);
                debug_assert!(!kept || walked.found.is_empty(), "a kept certificate was wrong");
                (!kept).then_some(walked)
            })
            .collect();
        // Each applicant's floor at these prices: from its walk; for one
        // kept, the last floor raised by the least rise; and for every
        // other, its bound plus the least price (every pair outside its
        // candidates costs at least the bound).
        let mut floor: Vec<i128> = (0..self.n)
            .into_par_iter()
            .map(|i| {
                let bound = self.cand.bound[i];
                if bound == i64::MAX {
                    return i128::MAX;
                }
                let base = bound as i128 + sorted[0];
                if kept(i, self.value_of(i)) {
                    let rise = least_rise.unwrap_or(0);
                    base.max(last_floor[i].saturating_add(rise))
                } else {
                    base
                }
            })
            .collect();
        for w in &walked {
            floor[w.applicant as usize] = if w.found.is_empty() { w.floor } else { UNCERTIFIED };
        }
        self.last_floor = floor;
        self.last_price.clone_from(&self.price);
        self.stats.applicants_walked += walked.len();
        self.stats.pairs_walked += walked.iter().map(|w| w.read).sum::<usize>();
        self.limit_per_school(
            walked
                .into_iter()
                .filter(|w| !w.found.is_empty())
                .map(|w| (w.applicant, w.found))
                .collect(),
        )
    }

    /// Pricing's walk for one applicant `i` (module docs of
    /// [`Solver::price_out`]), with `below` schools priced low enough to
    /// qualify: the pairs outside its candidates of reduced cost `≤ 0`,
    /// the number of pairs read, and a floor under cost plus price of every
    /// pair outside its candidates (the bounds that ruled them out), which
    /// lets the next round skip the applicant while its value stays below.
    fn walk_applicant(&self, round: &Round, i: u32, below: usize) -> Walked {
        let Round {
            order,
            sorted,
            head,
            lists,
            points,
        } = *round;
        let i = i as usize;
        let bound = self.cand.bound[i];
        let v = self.value_of(i);
        let original = self.perm[i] as usize;
        let mut walked = Walked {
            applicant: i as u32,
            read: 0,
            found: Vec::new(),
            floor: i128::MAX,
        };
        // Every pair outside the candidates costs at least the bound, so
        // the schools priced above the first `below` are at least this.
        let beyond = sorted.get(below).map_or(i128::MAX, |&p| bound as i128 + p);
        // A school outside the candidates at `metres`: a violation, or a
        // cost plus price for the floor.
        let check = |j: usize, metres: f64, walked: &mut Walked| {
            let Some(mm) = to_mm(metres) else { return };
            if !self.usable(j) || self.cand.find(i, j as u32).is_some() {
                return;
            }
            let reduced = (mm as i128) + self.price[j];
            if reduced > v {
                walked.floor = walked.floor.min(reduced);
            } else if !walked.found.iter().any(|f| f.school == j as u32) {
                walked.found.push(Pair { mm, school: j as u32 });
            }
        };
        // The straight-line bound plus price of a school, `None` when the
        // pair is surely beyond the distance limit.
        let chord = |points: &BoundPoints, j: u32| {
            points
                .lower_mm(original, j as usize)
                .map(|mm| mm as i128 + self.price[j as usize])
        };
        if let Some(lists) = lists {
            let first = self.cand.pair[self.cand.start[i]];
            let list = &lists[first.school as usize];
            let mut certified = list.len() == order.len();
            let mut floor = i128::MAX;
            for &(key, j) in list {
                if key - first.mm as i128 > v {
                    // This and every later school: `c_ij ≥ d(a, j) − c_ia`.
                    floor = floor.min(key - first.mm as i128);
                    certified = true;
                    break;
                }
                if self.cand.find(i, j).is_some() {
                    continue;
                }
                if self.price[j as usize] + bound as i128 > v {
                    floor = floor.min(self.price[j as usize] + bound as i128);
                    continue;
                }
                if let Some(points) = points {
                    match chord(points, j) {
                        None => continue,
                        Some(low) if low > v => {
                            floor = floor.min(low);
                            continue;
                        }
                        Some(_) => {}
                    }
                }
                walked.read += 1;
                if let Some(metres) = self.model.cost(original, j as usize) {
                    check(j as usize, metres, &mut walked);
                }
            }
            if certified {
                walked.floor = walked.floor.min(floor);
                return walked;
            }
            // The scans below cover every school again.
            walked.floor = i128::MAX;
        }
        if let Some(points) = points {
            // Every school that could violate is among the `below`
            // cheapest; a chord rules most of them out.
            for &j in &order[..below] {
                // A candidate passes the bound (its own school
                // exactly) but is never added: no cost to ask.
                if self.cand.find(i, j).is_some() {
                    continue;
                }
                match chord(points, j) {
                    None => continue,
                    Some(low) if low > v => {
                        walked.floor = walked.floor.min(low);
                        continue;
                    }
                    Some(_) => {}
                }
                walked.read += 1;
                if let Some(metres) = self.model.cost(original, j as usize) {
                    check(j as usize, metres, &mut walked);
                }
            }
            walked.floor = walked.floor.min(beyond);
            return walked;
        }
        let steps = if below <= PRICE_WALK { below } else { head };
        for &j in &order[..steps] {
            if self.cand.find(i, j).is_some() {
                continue;
            }
            if let Some(metres) = self.model.cost(original, j as usize) {
                check(j as usize, metres, &mut walked);
            }
        }
        walked.read += steps;
        if steps < below {
            let floor = sorted[steps];
            for (j, metres) in self.model.nearest(original) {
                let Some(mm) = to_mm(metres) else { continue };
                if mm as i128 + floor > v {
                    // Every school not yet read: at least this far, and
                    // priced at least `floor`.
                    walked.floor = walked.floor.min(mm as i128 + floor);
                    break;
                }
                walked.read += 1;
                check(j, metres, &mut walked);
            }
        } else {
            walked.floor = walked.floor.min(beyond);
        }
        walked
    }

    /// For each usable school `a` marked in `wanted`, the [`METRIC_LIST`] smallest lower bounds
    /// `d(a, j) + p_j` over usable schools `j` (sorted), where `d` is the
    /// model's school distance in mm less a margin for rounding (2 mm) and
    /// floating-point error (10⁻⁶). `None` when the model gives no school
    /// distances or there are more than [`METRIC_MAX_SCHOOLS`] schools
    /// (the lists take `schools²` distances). Each list is read from the
    /// school's nearest schools when the prices allow
    /// ([`Solver::near_metric_list`]), else from every school.
    fn metric_lists(&self, usable: &[u32], wanted: &[bool]) -> Option<Vec<Vec<(i128, u32)>>> {
        let first = *usable.first()? as usize;
        if usable.len() > METRIC_MAX_SCHOOLS || self.model.school_distance(first, first).is_none() {
            return None;
        }
        let least_price = usable.iter().map(|&j| self.price[j as usize]).min()?;
        let lists = (0..self.m)
            .into_par_iter()
            .map(|a| {
                if !self.usable(a) || !wanted[a] {
                    return Vec::new();
                }
                self.near_metric_list(a, least_price)
                    .unwrap_or_else(|| self.scan_metric_list(a, usable))
            })
            .collect();
        Some(lists)
    }

    /// The metric list of school `a` from every usable school: the
    /// [`METRIC_LIST`] least (`d(a, j) + p_j`, `j`), sorted.
    fn scan_metric_list(&self, a: usize, usable: &[u32]) -> Vec<(i128, u32)> {
        let mut all: Vec<(i128, u32)> = usable
            .iter()
            .map(|&j| (self.school_bound_mm(a, j as usize) as i128 + self.price[j as usize], j))
            .collect();
        if all.len() > METRIC_LIST {
            all.select_nth_unstable(METRIC_LIST - 1);
            all.truncate(METRIC_LIST);
        }
        all.sort_unstable();
        all
    }

    /// The metric list of school `a` read from its nearest schools in the
    /// cache (`school_near`), in increasing distance: once the list is
    /// full and the next school's distance plus the least price exceeds
    /// its largest key, no later school can enter. The same list as a scan
    /// of every school: the [`METRIC_LIST`] least (key, school), sorted.
    /// `None` when the cache is missing or its nearest schools run out
    /// first.
    fn near_metric_list(&self, a: usize, least_price: i128) -> Option<Vec<(i128, u32)>> {
        let width = self.school_slot_width();
        if self.school_near.is_empty() {
            return None;
        }
        let slot = *self.school_slot.get(a)? as usize;
        if slot >= width {
            return None;
        }
        let near_width = width.min(METRIC_NEAR);
        let near = slot * near_width..(slot + 1) * near_width;
        let mut heap: BinaryHeap<(i128, u32)> = BinaryHeap::with_capacity(METRIC_LIST + 1);
        let mut complete = near_width == width;
        for (&b, &d) in self.school_near[near.clone()].iter().zip(&self.school_near_mm[near]) {
            let j = self.cache_schools[b as usize];
            if !self.usable(j as usize) {
                continue;
            }
            let d = d as i128;
            if heap.len() == METRIC_LIST && heap.peek().is_some_and(|top| d + least_price > top.0) {
                complete = true;
                break;
            }
            let key = (d + self.price[j as usize], j);
            if heap.len() < METRIC_LIST {
                heap.push(key);
            } else if heap.peek().is_some_and(|top| key < *top) {
                heap.pop();
                heap.push(key);
            }
        }
        complete.then(|| heap.into_sorted_vec())
    }

    /// The lower bound metric lists use for the distance between schools
    /// `a` and `b`: the straight line between their
    /// [`CostModel::lower_bound_points`] when the model has them (a few
    /// multiplications instead of a haversine; valid because
    /// `c_ij ≥ |x_i − y_j| ≥ |y_a − y_j| − |x_i − y_a| ≥ |y_a − y_j| − c_ia`),
    /// else the model's distance; in whole mm, less a margin for rounding
    /// (2 mm) and floating-point error (10⁻⁶).
    fn school_bound_mm(&self, a: usize, b: usize) -> i64 {
        if let Some(Some(points)) = &self.points {
            return points.between_schools_mm(a, b);
        }
        let d = self.model.school_distance(a, b).and_then(to_mm).unwrap_or(0);
        (d - 2 - d / 1_000_000).max(0)
    }

    /// Usable schools in the cache of [`Solver::school_bound_mm`].
    fn school_slot_width(&self) -> usize {
        self.cache_schools.len()
    }

    /// Fills the nearest-school cache of the metric lists (`school_near`)
    /// over `cache_schools`, once per solve and its samples, if the model
    /// is a metric and there are at most [`METRIC_CACHE_SCHOOLS`] of them.
    /// Only each school's nearest are kept, with their bounds: a list that
    /// needs more is scanned from [`Solver::school_bound_mm`].
    fn cache_school_bounds(&mut self, usable: &[u32]) {
        let Some(&first) = usable.first() else { return };
        if !self.school_near.is_empty()
            || self.cache_schools.len() > METRIC_CACHE_SCHOOLS
            || self.model.school_distance(first as usize, first as usize).is_none()
        {
            return;
        }
        let width = self.cache_schools.len();
        let mut slot = vec![u32::MAX; self.m];
        for (k, &j) in self.cache_schools.iter().enumerate() {
            slot[j as usize] = k as u32;
        }
        let schools = &self.cache_schools;
        let near_width = width.min(METRIC_NEAR);
        let mut school_near = vec![0u32; width * near_width];
        let mut school_near_mm = vec![0i64; width * near_width];
        // A nearest-school key packs (bound, slot) into one integer that
        // orders as the pair (slots < 2¹², bounds at most 10¹² mm < 2⁴⁰).
        const SLOT_BITS: u32 = 12;
        const _: () = assert!(METRIC_CACHE_SCHOOLS <= 1 << SLOT_BITS);
        school_near
            .par_chunks_mut(near_width)
            .zip(school_near_mm.par_chunks_mut(near_width))
            .zip(schools.par_iter())
            .for_each_init(Vec::new, |keys: &mut Vec<u64>, ((near, near_mm), &a)| {
                keys.clear();
                keys.extend(
                    schools
                        .iter()
                        .enumerate()
                        .map(|(b, &j)| (self.school_bound_mm(a as usize, j as usize) as u64) << SLOT_BITS | b as u64),
                );
                if keys.len() > near_width {
                    keys.select_nth_unstable(near_width - 1);
                    keys.truncate(near_width);
                }
                keys.sort_unstable();
                for ((out, out_mm), &key) in near.iter_mut().zip(near_mm.iter_mut()).zip(keys.iter()) {
                    *out = (key & ((1 << SLOT_BITS) - 1)) as u32;
                    *out_mm = (key >> SLOT_BITS) as i64;
                }
            });
        self.school_near = school_near;
        self.school_near_mm = school_near_mm;
        self.school_slot = slot;
    }

    /// Keeps, for each school, only its most negative violations (ties by
    /// applicant): at most twice its capacity plus [`PRICE_WALK`]. That is
    /// enough for progress (each round adds at least one), and spares the
    /// solver thousands of pairs into one school that cannot use them.
    fn limit_per_school(&self, found: Vec<Additions>) -> Vec<Additions> {
        let mut by_school: Vec<Vec<(i128, u32)>> = vec![Vec::new(); self.m];
        for (i, pairs) in &found {
            let v = self.value_of(*i as usize);
            for p in pairs {
                by_school[p.school as usize].push((p.mm as i128 + self.price[p.school as usize] - v, *i));
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
                let pairs: Vec<Pair> = pairs
                    .into_iter()
                    .filter(|p| {
                        let j = p.school as usize;
                        cut[j].is_none_or(|c| (p.mm as i128 + self.price[j] - v, i) <= c)
                    })
                    .collect();
                (!pairs.is_empty()).then_some((i, pairs))
            })
            .collect()
    }

    /// Current value of an applicant: cost plus price of its school, or `M`
    /// when unseated (prices normalised so that `p_Z = 0`).
    pub(super) fn value_of(&self, i: usize) -> i128 {
        if self.at[i] == self.z {
            self.big_m + self.price[self.z as usize]
        } else {
            self.at_mm[i] as i128 + self.price[self.at[i] as usize]
        }
    }

    /// Adds pricing's pairs to their applicants' rows (additions in
    /// increasing applicant order, none already a candidate), in place:
    /// the arrays grow at the end and, from the last addition back, each
    /// stretch of untouched rows moves once by the pairs added before it,
    /// so a round that adds a few pairs costs one move of the rows after
    /// the first, not a copy of every row.
    pub(super) fn add_candidates(&mut self, added: &[Additions]) {
        let extra: usize = added.iter().map(|(_, v)| v.len()).sum();
        if extra == 0 {
            return;
        }
        let c = &mut self.cand;
        let old_len = c.pair.len();
        c.pair.resize(old_len + extra, Pair::default());
        let mut shift = extra;
        let mut tail_end = old_len;
        let mut row: Vec<Pair> = Vec::new();
        for (i, new) in added.iter().rev() {
            let i = *i as usize;
            let (from, to) = (c.start[i], c.start[i + 1]);
            c.pair.copy_within(to..tail_end, to + shift);
            shift -= new.len();
            row.clear();
            row.extend_from_slice(c.row(i));
            row.extend_from_slice(new);
            row.sort_by_key(|p| (p.mm, p.school));
            c.pair[from + shift..from + shift + row.len()].copy_from_slice(&row);
            tail_end = from;
        }
        debug_assert_eq!(shift, 0);
        // Row starts move by the pairs added to the rows before them.
        let mut more = added.iter().peekable();
        let mut offset = 0;
        for i in 0..self.n {
            c.start[i] += offset;
            if let Some((_, new)) = more.next_if(|e| e.0 as usize == i) {
                offset += new.len();
            }
        }
        c.start[self.n] += offset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Schools at points of a plane (metres), some without seats; one
    /// applicant, whom the metric lists do not involve.
    struct Plane {
        schools: Vec<(f64, f64)>,
        cap: Vec<u32>,
    }

    impl CostModel for Plane {
        fn applicants(&self) -> usize {
            1
        }
        fn schools(&self) -> usize {
            self.schools.len()
        }
        fn capacity(&self, school: usize) -> u32 {
            self.cap[school]
        }
        fn nearest(&self, _: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
            Box::new(std::iter::empty())
        }
        fn cost(&self, _: usize, school: usize) -> Option<f64> {
            let (x, y) = self.schools[school];
            Some(x.hypot(y))
        }
        fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
            let ((x, y), (u, v)) = (self.schools[a], self.schools[b]);
            Some((x - u).hypot(y - v))
        }
    }

    proptest! {
        /// Lists read from the nearest schools equal the scan of every
        /// school, whatever the prices (spread narrow or wide, negative
        /// ones included) and with schools without seats among the near.
        #[test]
        fn near_lists_equal_the_scan(
            schools in proptest::collection::vec((0.0f64..20_000.0, 0.0f64..20_000.0, 0u32..3), METRIC_LIST..METRIC_NEAR + 120),
            spread in prop_oneof![Just(0i64), 1i64..2_000_000, 1i64..40_000_000],
            seed in any::<u64>(),
        ) {
            let plane = Plane {
                schools: schools.iter().map(|&(x, y, _)| (x, y)).collect(),
                cap: schools.iter().map(|&(_, _, c)| c).collect(),
            };
            let mut solver = Solver::new(&plane, &FlowOptions::default());
            let mut state = seed;
            for p in solver.price.iter_mut().take(plane.schools.len()) {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                *p = ((state >> 33) as i64 % (spread + 1) - spread / 8) as i128;
            }
            let usable: Vec<u32> = (0..plane.schools.len() as u32).filter(|&j| plane.cap[j as usize] > 0).collect();
            prop_assume!(!usable.is_empty());
            solver.cache_school_bounds(&usable);
            let least = usable.iter().map(|&j| solver.price[j as usize]).min().unwrap();
            let mut read = 0;
            for &a in &usable {
                if let Some(list) = solver.near_metric_list(a as usize, least) {
                    read += 1;
                    prop_assert_eq!(list, solver.scan_metric_list(a as usize, &usable));
                }
            }
            // With all prices equal, every list is read near.
            if spread == 0 {
                prop_assert_eq!(read, usable.len());
            }
        }
    }
}
