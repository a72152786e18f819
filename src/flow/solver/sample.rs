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
    /// Prices from the optimum of a sample: every [`SAMPLE_STEP`]-th applicant in
    /// the solver's order (which groups applicants by nearest school, so
    /// the sample keeps each school's share), with each school's seats
    /// scaled by the same factor (rounded systematically, so the seats
    /// still only just cover the sample). The sample's solve takes its
    /// first candidates from this one's rows where they decide them.
    pub(super) fn sample_prices(&mut self) {
        let members: Vec<u32> = self.perm.iter().step_by(SAMPLE_STEP).copied().collect();
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
        sub.seed = Some(SeedRows::of(&self.cand, (0..self.n).step_by(SAMPLE_STEP)));
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
}
