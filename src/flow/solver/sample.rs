//! The warm start of a level whose seats fall short of its applicants or
//! only just cover them: the prices of the optimum of a sample.

use super::*;

/// A sample of a model's applicants, with seats scaled to match.
struct Sampled<'a> {
    inner: &'a dyn CostModel,
    members: Vec<u32>,
    cap: Vec<u32>,
}

impl CostModel for Sampled<'_> {
    fn applicants(&self) -> usize {
        self.members.len()
    }
    fn schools(&self) -> usize {
        self.cap.len()
    }
    fn capacity(&self, school: usize) -> u32 {
        self.cap.get(school).copied().unwrap_or(0)
    }
    fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        self.inner.nearest(self.members[applicant] as usize)
    }
    fn nearest_k(&self, applicant: usize, k: usize, out: &mut Vec<(usize, f64)>) {
        self.inner.nearest_k(self.members[applicant] as usize, k, out)
    }
    fn nearest_k_mm(&self, applicant: usize, k: usize, out: &mut Vec<(usize, i64)>) -> bool {
        self.inner.nearest_k_mm(self.members[applicant] as usize, k, out)
    }
    fn cost(&self, applicant: usize, school: usize) -> Option<f64> {
        self.inner.cost(self.members[applicant] as usize, school)
    }
    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        self.inner.school_distance(a, b)
    }
    fn lower_bound_points(&self) -> Option<BoundPoints> {
        let p = self.inner.lower_bound_points()?;
        Some(BoundPoints {
            applicants: self.members.iter().map(|&i| p.applicants[i as usize]).collect(),
            schools: p.schools,
            limit_m: p.limit_m,
        })
    }
}

impl<'a> Solver<'a> {
    /// Prices from the optimum of a sample: every [`SAMPLE_STEP`]-th applicant
    /// in the order of [`Solver::sample_members`], with each school's
    /// seats scaled by the same factor (rounded systematically, so the
    /// seats still only just cover the sample). The sample's solve takes
    /// its first candidates from this one's rows where they decide them.
    pub(super) fn sample_prices(&mut self) {
        let picked = self.sample_members();
        let members: Vec<u32> = picked.iter().map(|&i| self.perm[i as usize]).collect();
        let ratio = members.len() as f64 / self.n as f64;
        let mut carry = 0.0f64;
        let cap: Vec<u32> = self
            .cap
            .iter()
            .map(|&c| {
                let want = c as f64 * ratio + carry;
                let got = want.floor();
                carry = want - got;
                got as u32
            })
            .collect();
        let sampled = Sampled {
            inner: self.model,
            members,
            cap,
        };
        let mut sub = Solver::new(&sampled, &self.options);
        sub.seed = Some(SeedRows::of(&self.cand, picked.iter().map(|&i| i as usize)));
        // Prices of schools that seat fewer than their applicants are
        // measured from `M`: the same `M` for both.
        sub.big_m = self.big_m;
        // Only the prices matter: one pricing round (the one after the
        // sample's own warm start, or after its first routing) catches
        // most of the pairs the optimum needs; the whole solve certifies.
        sub.max_rounds = 1;
        sub.cache_schools = std::mem::take(&mut self.cache_schools);
        sub.solve();
        self.stats.sampled = sub.n + sub.stats.sampled;
        self.price.copy_from_slice(&sub.price);
        self.cache_schools = std::mem::take(&mut sub.cache_schools);
        self.school_near = std::mem::take(&mut sub.school_near);
        self.school_near_mm = std::mem::take(&mut sub.school_near_mm);
        self.school_slot = std::mem::take(&mut sub.school_slot);
    }

    /// The sample's applicants (this solver's indices): every
    /// [`SAMPLE_STEP`]-th in the order by nearest candidate school, then
    /// second school, then how much farther the second is, then index.
    /// Within a nearest school's applicants that is the order in which a
    /// rising price would push them over each of its boundaries, so every
    /// boundary keeps its share of the sample at every depth and the
    /// sample's catchments end where the whole's do, up to one applicant
    /// in [`SAMPLE_STEP`]. (Every such applicant in index order draws them at
    /// random within a school: on the 0.95× suite city the sampled prices
    /// left 8,489 and 9,954 units to route on its two levels, where this
    /// order leaves 6,952 and 6,416.)
    fn sample_members(&self) -> Vec<u32> {
        let mut keyed: Vec<(u32, u32, i64, u32)> = (0..self.n as u32)
            .into_par_iter()
            .map(|i| {
                let row = self.cand.row(i as usize);
                let first = row.first().map_or(u32::MAX, |p| p.school);
                let (second, farther) = row.get(1).map_or((u32::MAX, 0), |p| (p.school, p.mm - row[0].mm));
                (first, second, farther, i)
            })
            .collect();
        keyed.par_sort_unstable();
        keyed.into_iter().step_by(SAMPLE_STEP).map(|k| k.3).collect()
    }
}
