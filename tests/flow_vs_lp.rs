//! The exact min-cost flow (`flow::assign`) against the same model written
//! as a linear programme (`flow::assign_lp`, `good_lp` with `microlp`) on
//! random instances: clustered homes and schools (so many distances nearly
//! tie, and some tie exactly), seats from well below to well above demand,
//! forbidden pairs (a distance limit and a random mask), and few candidate
//! schools per applicant so that pricing has to add pairs.
//!
//! Besides agreement with the LP, every result is checked on its own:
//! capacities, allowed pairs only, and optimality by an independent
//! Bellman–Ford search for a negative cycle in the residual graph of the
//! whole problem (all allowed pairs), with unseating priced so that seating
//! one more applicant always pays.

use catchment::distance::{haversine, sphere_point};
use catchment::flow::{assign, assign_lp, assign_with, Assignment, BoundPoints, CostModel, DenseCosts, FlowOptions};
use proptest::prelude::*;

/// Points on the Earth with costs by haversine, some pairs forbidden.
#[derive(Debug, Clone)]
struct Geo {
    homes: Vec<(f64, f64)>,
    schools: Vec<(f64, f64)>,
    capacity: Vec<u32>,
    /// Pairs further than this (metres) are not allowed.
    limit: f64,
    /// Pairs `(i, j)` with `(i * 7 + j * 13 + salt) % 11 == 0` are not allowed either.
    salt: usize,
    /// Whether to give school distances (the metric shortcut of pricing).
    metric: bool,
    /// Whether to give points on the sphere (the chord scan of pricing).
    points: bool,
}

impl Geo {
    fn allowed(&self, i: usize, j: usize) -> Option<f64> {
        let d = haversine(self.homes[i], self.schools[j]);
        (d <= self.limit && !(i * 7 + j * 13 + self.salt).is_multiple_of(11)).then_some(d)
    }

    fn dense(&self) -> DenseCosts {
        let rows = (0..self.homes.len())
            .map(|i| (0..self.schools.len()).map(|j| self.allowed(i, j)).collect())
            .collect();
        DenseCosts::new(self.capacity.clone(), rows)
    }
}

impl CostModel for Geo {
    fn applicants(&self) -> usize {
        self.homes.len()
    }

    fn schools(&self) -> usize {
        self.schools.len()
    }

    fn capacity(&self, school: usize) -> u32 {
        self.capacity[school]
    }

    fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let mut all: Vec<(usize, f64)> = (0..self.schools.len())
            .filter_map(|j| self.allowed(applicant, j).map(|d| (j, d)))
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        Box::new(all.into_iter())
    }

    fn cost(&self, applicant: usize, school: usize) -> Option<f64> {
        self.allowed(applicant, school)
    }

    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        self.metric.then(|| haversine(self.schools[a], self.schools[b]))
    }

    fn lower_bound_points(&self) -> Option<BoundPoints> {
        let on_sphere = |p: &(f64, f64)| sphere_point(p.0, p.1);
        self.points.then(|| BoundPoints {
            applicants: self.homes.iter().map(on_sphere).collect(),
            schools: self.schools.iter().map(on_sphere).collect(),
            limit_m: self.limit,
        })
    }
}

/// Millimetres as the solver rounds them.
fn mm(metres: f64) -> i128 {
    (metres * 1000.0).round() as i128
}

/// Capacities respected, only allowed pairs, totals consistent.
fn check_feasible(model: &dyn CostModel, a: &Assignment) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.school.len(), model.applicants());
    let mut load = vec![0u32; model.schools()];
    let (mut total_m, mut total_mm) = (0.0, 0i128);
    for (i, s) in a.school.iter().enumerate() {
        if let Some(j) = *s {
            load[j] += 1;
            let d = model.cost(i, j);
            prop_assert!(d.is_some(), "forbidden pair {} → {}", i, j);
            total_m += d.unwrap();
            total_mm += mm(d.unwrap());
        }
    }
    for (j, &l) in load.iter().enumerate() {
        prop_assert!(
            l <= model.capacity(j),
            "school {} over capacity: {} > {}",
            j,
            l,
            model.capacity(j)
        );
    }
    prop_assert_eq!(a.seated, a.school.iter().flatten().count());
    prop_assert_eq!(a.total_mm, total_mm);
    prop_assert!((a.total_m - total_m).abs() <= 1e-6 * total_m.max(1.0));
    Ok(())
}

/// No negative cycle in the residual graph of the whole problem: nodes are
/// applicants, schools, `T` (unseated) and the sink `Z`; unseating costs
/// more than any alternating path of distances can save.
fn check_optimal(model: &dyn CostModel, a: &Assignment) -> Result<(), TestCaseError> {
    let (n, m) = (model.applicants(), model.schools());
    let (t, z) = (n + m, n + m + 1);
    let pairs: Vec<(usize, usize, i128)> = (0..n)
        .flat_map(|i| (0..m).filter_map(move |j| model.cost(i, j).map(|d| (i, j, mm(d)))))
        .collect();
    let c_max = pairs.iter().map(|p| p.2).max().unwrap_or(0);
    let big = (n.min(m) as i128 + 1) * (c_max + 1);
    let mut load = vec![0u32; m];
    for j in a.school.iter().flatten() {
        load[*j] += 1;
    }
    let mut arcs: Vec<(usize, usize, i128)> = Vec::new();
    for &(i, j, c) in &pairs {
        if a.school[i] == Some(j) {
            arcs.push((n + j, i, -c));
        } else if model.capacity(j) > 0 {
            arcs.push((i, n + j, c));
        }
    }
    let unseated = a.school.iter().filter(|s| s.is_none()).count();
    for i in 0..n {
        match a.school[i] {
            Some(_) => arcs.push((i, t, big)),
            None => arcs.push((t, i, -big)),
        }
    }
    for (j, &l) in load.iter().enumerate() {
        if l < model.capacity(j) {
            arcs.push((n + j, z, 0));
        }
        if l > 0 {
            arcs.push((z, n + j, 0));
        }
    }
    arcs.push((t, z, 0));
    if unseated > 0 {
        arcs.push((z, t, 0));
    }
    // Bellman–Ford from a virtual source joined to every node at cost 0.
    let mut dist = vec![0i128; n + m + 2];
    for round in 0..=dist.len() {
        let mut changed = false;
        for &(u, v, c) in &arcs {
            if dist[u] + c < dist[v] {
                dist[v] = dist[u] + c;
                changed = true;
            }
        }
        if !changed {
            return Ok(());
        }
        prop_assert!(round < dist.len(), "negative cycle: the assignment is not optimal");
    }
    Ok(())
}

/// A random instance: a few tight clusters (many near-ties), some homes on
/// top of each other or of a school (exact ties), seats from 0.5 to 1.5
/// times demand in total with some schools closed.
fn instance(max_homes: usize, max_schools: usize) -> impl Strategy<Value = Geo> {
    (1..=max_homes, 1..=max_schools, 1usize..=4, any::<u64>()).prop_map(move |(n, m, clusters, seed)| {
        let mut state = seed | 1;
        let mut next = move || {
            // xorshift64*: deterministic and dependency-free.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        };
        let centres: Vec<(f64, f64)> = (0..clusters)
            .map(|_| (116.3 + 0.2 * next(), 39.8 + 0.2 * next()))
            .collect();
        let mut point = |spread: f64| {
            let c = centres[(next() * clusters as f64) as usize % clusters];
            (c.0 + spread * (next() - 0.5), c.1 + spread * (next() - 0.5))
        };
        let schools: Vec<(f64, f64)> = (0..m).map(|_| point(0.05)).collect();
        let mut homes: Vec<(f64, f64)> = (0..n).map(|_| point(0.02)).collect();
        for i in 0..n {
            let r = next();
            if r < 0.1 && i > 0 {
                homes[i] = homes[i - 1];
            } else if r < 0.15 {
                homes[i] = schools[i % m];
            }
        }
        let ratio = 0.5 + next();
        let mut capacity: Vec<u32> = (0..m)
            .map(|_| {
                if next() < 0.1 {
                    0
                } else {
                    (ratio * n as f64 / m as f64 * (0.5 + next())).round() as u32
                }
            })
            .collect();
        if next() < 0.2 {
            capacity[0] = 10 * n as u32;
        }
        let limit = if next() < 0.5 {
            f64::INFINITY
        } else {
            2_000.0 + 8_000.0 * next()
        };
        Geo {
            homes,
            schools,
            capacity,
            limit,
            salt: (next() * 11.0) as usize,
            metric: next() < 0.7,
            points: next() < 0.5,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Same seated count and same total as the LP; feasible; no negative cycle.
    #[test]
    fn flow_matches_lp(geo in instance(150, 10), k in 1usize..=4) {
        let flow = assign_with(&geo, &FlowOptions { candidates: k, ..FlowOptions::default() });
        check_feasible(&geo, &flow)?;
        check_optimal(&geo, &flow)?;
        let lp = assign_lp(&geo).map_err(TestCaseError::fail)?;
        check_feasible(&geo, &lp)?;
        prop_assert_eq!(flow.seated, lp.seated);
        prop_assert_eq!(flow.total_mm, lp.total_mm);
        // Equal millimetre totals; metres may differ by rounding among
        // equally good pairs (under 1 mm per applicant).
        let tolerance = 1e-6 * lp.total_m.max(1.0) + 1e-3 * geo.homes.len() as f64;
        prop_assert!((flow.total_m - lp.total_m).abs() <= tolerance, "{} vs {}", flow.total_m, lp.total_m);
    }

    /// Larger instances, without the LP: feasible, optimal, and the very
    /// same assignment (the canonical tie rule) whatever the candidate
    /// count, the warm start, the metric shortcut or the model type, on
    /// repeated runs and any thread count.
    #[test]
    fn flow_is_optimal_and_deterministic(geo in instance(400, 30), k in 1usize..=10) {
        let flow = assign_with(&geo, &FlowOptions { candidates: k, ..FlowOptions::default() });
        check_feasible(&geo, &flow)?;
        check_optimal(&geo, &flow)?;
        let default = assign(&geo);
        prop_assert_eq!((default.seated, default.total_mm), (flow.seated, flow.total_mm));
        prop_assert_eq!(&default.school, &flow.school);
        let sampled = assign_with(&geo, &FlowOptions { candidates: k, sample_from: 2 });
        prop_assert_eq!(&sampled.school, &flow.school);
        prop_assert!(sampled.stats.certified);
        let dense = assign_with(&geo.dense(), &FlowOptions { candidates: k, ..FlowOptions::default() });
        prop_assert_eq!((dense.seated, dense.total_mm), (flow.seated, flow.total_mm));
        prop_assert_eq!(&dense.school, &flow.school);
        let plain = Geo { metric: !geo.metric, ..geo.clone() };
        let other = assign_with(&plain, &FlowOptions { candidates: k, ..FlowOptions::default() });
        prop_assert_eq!((other.seated, other.total_mm), (flow.seated, flow.total_mm));
        prop_assert_eq!(&other.school, &flow.school);
        // The chord scan of pricing finds the same pairs as the tree walk,
        // so the very same assignment, not only an equally good one.
        let chords = Geo { points: !geo.points, ..geo.clone() };
        let swapped = assign_with(&chords, &FlowOptions { candidates: k, ..FlowOptions::default() });
        prop_assert_eq!(&swapped.school, &flow.school);
        prop_assert_eq!(swapped.stats.edges_added, flow.stats.edges_added);
        let again = assign_with(&geo, &FlowOptions { candidates: k, ..FlowOptions::default() });
        prop_assert_eq!(&again, &flow);
        let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let alone = one_thread.install(|| assign_with(&geo, &FlowOptions { candidates: k, ..FlowOptions::default() }));
        prop_assert_eq!(&alone, &flow);
    }
}

/// Every edge case at once, against the LP.
#[test]
fn degenerate_instances_match_lp() {
    let cases = vec![
        DenseCosts::new(vec![], vec![]),
        DenseCosts::new(vec![2], vec![]),
        DenseCosts::new(vec![], vec![vec![]; 3]),
        DenseCosts::new(vec![0, 0], vec![vec![Some(1.0), Some(2.0)]; 3]),
        DenseCosts::new(vec![1, 1], vec![vec![None, None]; 2]),
        DenseCosts::new(vec![100], vec![vec![Some(5.0)]; 4]),
        DenseCosts::new(vec![1], vec![vec![Some(5.0)]; 4]),
        DenseCosts::new(vec![1, 1, 1], vec![vec![Some(1.0), Some(1.0), Some(1.0)]; 3]),
    ];
    for costs in &cases {
        let flow = assign(costs);
        let lp = assign_lp(costs).unwrap();
        assert_eq!((flow.seated, flow.total_mm), (lp.seated, lp.total_mm), "{costs:?}");
    }
}

/// The independent checks do catch a suboptimal or infeasible assignment.
#[test]
fn checks_reject_bad_assignments() {
    //        A     B
    // a0     1     2
    // a1     1     9    A and B have one seat each: optimum a0 → B, a1 → A.
    let costs = DenseCosts::new(vec![1, 1], vec![vec![Some(1.0), Some(2.0)], vec![Some(1.0), Some(9.0)]]);
    let good = assign(&costs);
    assert_eq!(good.school, vec![Some(1), Some(0)]);
    assert!(check_optimal(&costs, &good).is_ok());
    let swapped = Assignment {
        school: vec![Some(0), Some(1)],
        total_m: 10.0,
        total_mm: 10_000,
        ..good.clone()
    };
    assert!(check_optimal(&costs, &swapped).is_err());
    let fewer = Assignment {
        school: vec![None, Some(0)],
        seated: 1,
        total_m: 1.0,
        total_mm: 1_000,
        ..good.clone()
    };
    assert!(check_optimal(&costs, &fewer).is_err());
    let crowded = Assignment {
        school: vec![Some(0), Some(0)],
        total_m: 2.0,
        total_mm: 2_000,
        ..good
    };
    assert!(check_feasible(&costs, &crowded).is_err());
}
