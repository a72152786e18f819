//! Unit tests of the flow: hand-worked cases, and property tests against
//! the LP and a brute force.

use super::*;
use proptest::prelude::*;

fn dense(cap: &[u32], rows: &[&[Option<f64>]]) -> DenseCosts {
    DenseCosts::new(cap.to_vec(), rows.iter().map(|r| r.to_vec()).collect())
}

/// Every k, including 1 (so that pricing has work), gives the optimum.
fn check_all_k(costs: &DenseCosts, seated: usize, total_mm: i128) -> Assignment {
    let mut first = None;
    for k in [1, 2, 3, 10] {
        let a = assign_with(
            costs,
            &FlowOptions {
                candidates: k,
                ..FlowOptions::default()
            },
        );
        assert_eq!((a.seated, a.total_mm), (seated, total_mm), "k = {k}: {a:?}");
        assert_feasible(costs, &a);
        first.get_or_insert(a);
    }
    first.unwrap()
}

fn assert_feasible(costs: &DenseCosts, a: &Assignment) {
    let mut load = vec![0u32; costs.schools()];
    for (i, s) in a.school.iter().enumerate() {
        if let Some(j) = *s {
            load[j] += 1;
            assert!(costs.nearest(i).any(|p| p.0 == j), "forbidden pair {i} → {j}");
        }
    }
    for (j, &l) in load.iter().enumerate() {
        assert!(l <= costs.capacity(j), "school {j} over capacity");
    }
    assert_eq!(a.seated, a.school.iter().flatten().count());
    assert!(a.stats.certified, "not certified: {:?}", a.stats);
}

/// Lexicographic optimum (seated, mm) by trying every assignment.
fn brute_force(costs: &DenseCosts) -> (usize, i128) {
    let (seated, mm, _) = brute_force_canonical(costs);
    (seated, mm)
}

/// The canonical optimum by trying every assignment: the most seated, then
/// the least cost, then, applicant by applicant in index order, the lowest
/// school index (unseated last).
fn brute_force_canonical(costs: &DenseCosts) -> (usize, i128, Vec<Option<usize>>) {
    let (n, m) = (costs.applicants(), costs.schools());
    let options: Vec<Vec<Option<(usize, i64)>>> = (0..n)
        .map(|i| {
            let mut o: Vec<Option<(usize, i64)>> = costs
                .nearest(i)
                .filter(|p| costs.capacity(p.0) > 0)
                .map(|(j, d)| Some((j, to_mm(d).unwrap())))
                .collect();
            o.push(None);
            o
        })
        .collect();
    let mut best: Option<(usize, std::cmp::Reverse<i128>, Vec<usize>)> = None;
    let mut pick = vec![0usize; n];
    loop {
        let mut load = vec![0u32; m];
        let (mut seated, mut mm, mut ok) = (0usize, 0i128, true);
        let mut key = Vec::with_capacity(n);
        for i in 0..n {
            match options[i][pick[i]] {
                Some((j, c)) => {
                    load[j] += 1;
                    ok &= load[j] <= costs.capacity(j);
                    seated += 1;
                    mm += c as i128;
                    key.push(j);
                }
                None => key.push(m),
            }
        }
        // Most seated, least cost, smallest key.
        let this = (seated, std::cmp::Reverse(mm), key);
        if ok
            && best
                .as_ref()
                .is_none_or(|b| (this.0, this.1) > (b.0, b.1) || ((this.0, this.1) == (b.0, b.1) && this.2 < b.2))
        {
            best = Some(this);
        }
        let mut i = 0;
        while i < n {
            pick[i] += 1;
            if pick[i] < options[i].len() {
                break;
            }
            pick[i] = 0;
            i += 1;
        }
        if i == n {
            let (seated, mm, key) = best.expect("leaving everyone unseated is feasible");
            return (seated, mm.0, key.into_iter().map(|j| (j < m).then_some(j)).collect());
        }
    }
}

#[test]
fn an_exchange_of_equal_cost_goes_to_the_lower_school_first() {
    // Either way costs 5 (1 + 4 or 2 + 3): applicant 0 takes school 0.
    let costs = dense(&[1, 1], &[&[Some(1.0), Some(2.0)], &[Some(3.0), Some(4.0)]]);
    assert_every_way(&costs, &[1, 2], &[Some(0), Some(1)]);
    // Applicant 1 sits nearer to school 1 by exactly as much as applicant 0:
    // still applicant 0 first.
    let costs = dense(&[1, 1], &[&[Some(3.0), Some(4.0)], &[Some(1.0), Some(2.0)]]);
    assert_eq!(assign(&costs).school, vec![Some(0), Some(1)]);
}

#[test]
fn a_full_school_left_for_one_with_room_is_refilled_from_another() {
    // Both optima cost 300.5 m: applicant 0 at school 0 and applicant 2 at
    // school 1, or 0 at 1 and 2 at 2. Applicant 0 takes school 0 (the
    // lower): from the other optimum, school 0 has room for it, and the
    // full school 1 it leaves is refilled by applicant 2 leaving school 2,
    // which has room to spare; no chain of moves from school 0 leads back.
    let costs = dense(
        &[1, 1, 2],
        &[
            &[Some(300.25), Some(100.25), None],
            &[None, None, None],
            &[None, Some(0.25), Some(200.25)],
        ],
    );
    assert_every_way(&costs, &[1, 2, 3], &[Some(0), None, Some(1)]);
}

/// Solves with each candidate count of `ks`, with and without the sampled
/// warm start, and expects the same certified assignment every time.
fn assert_every_way(costs: &DenseCosts, ks: &[usize], want: &[Option<usize>]) {
    for &k in ks {
        for sample_from in [2, usize::MAX] {
            let a = assign_with(
                costs,
                &FlowOptions {
                    candidates: k,
                    sample_from,
                },
            );
            assert_eq!(a.school, want, "k = {k}, sample from {sample_from}");
            assert!(a.stats.certified);
        }
    }
}

#[test]
fn greedy_is_not_optimal_here() {
    // Greedy in applicant order: 0 → A (1), 1 → B (4), 2 → nowhere near,
    // C (10): 15. Optimum: 0 → B (2), 1 → A (1), 2 → ... let the numbers
    // speak: A and B have one seat each, C has one.
    //        A     B     C
    // a0     1     2     9
    // a1     1     4     9
    // a2     2     8     3
    let costs = dense(
        &[1, 1, 1],
        &[
            &[Some(1.0), Some(2.0), Some(9.0)],
            &[Some(1.0), Some(4.0), Some(9.0)],
            &[Some(2.0), Some(8.0), Some(3.0)],
        ],
    );
    // Greedy: a0→A 1, a1→B 4, a2→C 3 = 8. Optimum: a0→B 2, a1→A 1, a2→C 3 = 6.
    let a = check_all_k(&costs, 3, 6_000);
    assert_eq!(a.school, vec![Some(1), Some(0), Some(2)]);
    assert_eq!(a.total_m, 6.0);
}

#[test]
fn three_applicants_two_schools() {
    // A has 2 seats, B has 1. Everyone prefers A; the one who loses
    // least by going to B goes there: a2 (5 − 1 = 4) rather than a0 (9)
    // or a1 (7).
    let costs = dense(
        &[2, 1],
        &[
            &[Some(1.0), Some(10.0)],
            &[Some(1.0), Some(8.0)],
            &[Some(1.0), Some(5.0)],
        ],
    );
    let a = check_all_k(&costs, 3, 7_000);
    assert_eq!(a.school, vec![Some(0), Some(0), Some(1)]);
}

#[test]
fn seating_more_beats_shorter_distance() {
    // a0 may go to A (1 m) or B (1000 km); a1 only to A. Seating both
    // costs far more distance but seats two.
    let costs = dense(&[1, 1], &[&[Some(1.0), Some(1.0e6)], &[Some(50.0), None]]);
    let a = check_all_k(&costs, 2, 1_000_050_000);
    assert_eq!(a.school, vec![Some(1), Some(0)]);
}

#[test]
fn seating_more_over_a_long_chain() {
    // Chain applicant i may go to school i (0 m) or school i + 1 (far);
    // one more applicant can only use school 0. Seating all 7 in the 7
    // schools shifts the whole chain by one, at 6 × far.
    let far = 5.0e8;
    let n = 6;
    let mut rows: Vec<Vec<Option<f64>>> = Vec::new();
    for i in 0..n {
        let mut r = vec![None; n + 1];
        r[i] = Some(0.0);
        r[i + 1] = Some(far);
        rows.push(r);
    }
    let mut r = vec![None; n + 1];
    r[0] = Some(0.0);
    rows.push(r);
    let costs = DenseCosts::new(vec![1; n + 1], rows);
    let a = check_all_k(&costs, n + 1, 6 * 500_000_000_000);
    assert_eq!(a.school[n], Some(0));
    assert_eq!(a.school[0], Some(1));
}

#[test]
fn capacity_zero_and_forbidden_pairs() {
    let costs = dense(
        &[0, 1, 2],
        &[
            &[Some(1.0), Some(5.0), None],
            &[Some(1.0), None, None],
            &[None, Some(2.0), Some(3.0)],
            &[None, None, Some(1.0)],
        ],
    );
    let a = check_all_k(&costs, 3, 9_000);
    assert_eq!(a.school, vec![Some(1), None, Some(2), Some(2)]);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let none = DenseCosts::new(vec![], vec![]);
    assert_eq!(assign(&none).seated, 0);
    let no_schools = DenseCosts::new(vec![], vec![vec![], vec![Some(1.0)]]);
    assert_eq!(assign(&no_schools).school, vec![None, None]);
    let no_applicants = DenseCosts::new(vec![3, 0], vec![]);
    assert_eq!(assign(&no_applicants).school, Vec::<Option<usize>>::new());
    let all_forbidden = DenseCosts::new(vec![5], vec![vec![None]; 4]);
    assert_eq!(assign(&all_forbidden).seated, 0);
    let zero_capacity = DenseCosts::new(vec![0, 0], vec![vec![Some(1.0), Some(2.0)]; 3]);
    assert_eq!(assign(&zero_capacity).seated, 0);
    let odd = DenseCosts::new(
        vec![2],
        vec![vec![Some(f64::NAN)], vec![Some(-3.0)], vec![Some(f64::INFINITY)]],
    );
    let a = assign(&odd);
    assert_eq!(a.school, vec![None, Some(0), Some(0)]);
    assert_eq!(a.total_mm, COST_CAP_MM as i128);
    let plenty = DenseCosts::new(vec![1000], vec![vec![Some(1.0)]; 3]);
    assert_eq!(assign(&plenty).total_mm, 3000);
    let scarce = DenseCosts::new(vec![1], vec![vec![Some(2.0)], vec![Some(1.0)], vec![Some(3.0)]]);
    assert_eq!(assign(&scarce).school, vec![None, Some(0), None]);
}

#[test]
fn exactly_as_many_seats_as_applicants() {
    // The warm-start auction has no unseated option here at all.
    let costs = dense(
        &[2, 1],
        &[
            &[Some(1.0), Some(3.0)],
            &[Some(1.0), Some(2.0)],
            &[Some(1.0), Some(9.0)],
        ],
    );
    let a = check_all_k(&costs, 3, 4_000);
    assert_eq!(a.school, vec![Some(0), Some(1), Some(0)]);
    // Everyone has a single school of exactly enough seats.
    let single = DenseCosts::new(vec![3], vec![vec![Some(2.0)]; 3]);
    let a = assign(&single);
    assert_eq!(a.total_mm, 6_000);
    assert!(a.stats.auction_bids <= 3 * 4, "{:?}", a.stats);
}

#[test]
fn only_just_enough_seats_widen_the_candidates() {
    // 20 applicants, 20 schools at distances 1..=20 m from everyone: with
    // exactly 20 seats every applicant starts with 8 + 4 candidates; with
    // one school of 2 seats (21 seats, 5% to spare) with 8 − 2; with one
    // school closed (19 seats) with 8 − 2 as well.
    let rows = vec![(1..=20).map(|d| Some(d as f64)).collect::<Vec<_>>(); 20];
    let tight = assign(&DenseCosts::new(vec![1; 20], rows.clone()));
    assert_eq!(tight.stats.candidate_edges, 20 * 12);
    let mut caps = vec![1; 20];
    caps[19] = 2;
    let loose = assign(&DenseCosts::new(caps, rows.clone()));
    assert_eq!(loose.stats.candidate_edges, 20 * 6);
    let mut caps = vec![1; 20];
    caps[0] = 0;
    let short = assign(&DenseCosts::new(caps, rows));
    assert_eq!(short.stats.candidate_edges, 20 * 6);
    // The same optimum each time: the nearest 20 (or 19) seats.
    assert_eq!((tight.seated, tight.total_mm), (20, 210_000));
    assert_eq!((loose.seated, loose.total_mm), (20, 210_000));
    assert_eq!((short.seated, short.total_mm), (19, 209_000));
}

#[test]
fn lp_agrees_on_the_hand_worked_cases() {
    let costs = dense(
        &[1, 1, 1],
        &[
            &[Some(1.0), Some(2.0), Some(9.0)],
            &[Some(1.0), Some(4.0), Some(9.0)],
            &[Some(2.0), Some(8.0), Some(3.0)],
        ],
    );
    let lp = assign_lp(&costs).unwrap();
    assert_eq!((lp.seated, lp.total_mm), (3, 6_000));
    let chain = dense(&[1, 1], &[&[Some(1.0), Some(1.0e6)], &[Some(50.0), None]]);
    assert_eq!(assign_lp(&chain).unwrap().seated, 2);
}

fn tiny() -> impl Strategy<Value = DenseCosts> {
    (1usize..=6, 1usize..=3).prop_flat_map(|(n, m)| {
        (
            proptest::collection::vec(0u32..=3, m),
            proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![1 => Just(None), 3 => (0u32..6).prop_map(|d| Some(d as f64 * 100.0 + 0.25))],
                    m,
                ),
                n,
            ),
        )
            .prop_map(|(cap, rows)| DenseCosts::new(cap, rows))
    })
}

/// Homes and schools on a line: a metric model, to exercise the
/// triangle-inequality shortcut of pricing.
#[derive(Debug)]
struct Line {
    homes: Vec<f64>,
    schools: Vec<f64>,
    cap: Vec<u32>,
    /// Whether to give lower-bound points (the chord scan of pricing).
    points: bool,
}

impl CostModel for Line {
    fn applicants(&self) -> usize {
        self.homes.len()
    }
    fn schools(&self) -> usize {
        self.schools.len()
    }
    fn capacity(&self, school: usize) -> u32 {
        self.cap[school]
    }
    fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let mut all: Vec<(usize, f64)> = (0..self.schools.len())
            .map(|j| (j, (self.homes[applicant] - self.schools[j]).abs()))
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        Box::new(all.into_iter())
    }
    fn cost(&self, applicant: usize, school: usize) -> Option<f64> {
        Some((self.homes[applicant] - self.schools[school]).abs())
    }
    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        Some((self.schools[a] - self.schools[b]).abs())
    }
    fn lower_bound_points(&self) -> Option<BoundPoints> {
        self.points.then(|| BoundPoints {
            applicants: self.homes.iter().map(|&x| [x, 0.0, 0.0]).collect(),
            schools: self.schools.iter().map(|&y| [y, 0.0, 0.0]).collect(),
            limit_m: f64::INFINITY,
        })
    }
}

impl Line {
    fn dense(&self) -> DenseCosts {
        let rows = (0..self.homes.len()).map(|i| (0..self.schools.len()).map(|j| self.cost(i, j)).collect());
        DenseCosts::new(self.cap.clone(), rows.collect())
    }
}

#[test]
fn metric_pricing_adds_far_pairs() {
    // Everyone lives at 0; the near school has 1 seat, the far ones 2.
    // With one candidate each, pricing must find the far schools.
    let line = Line {
        homes: vec![0.0; 4],
        schools: vec![0.0, 10.0, -12.0],
        cap: vec![1, 2, 2],
        points: false,
    };
    let a = assign_with(
        &line,
        &FlowOptions {
            candidates: 1,
            ..FlowOptions::default()
        },
    );
    assert_eq!((a.seated, a.total_mm), (4, 32_000));
    assert!(a.stats.edges_added > 0 && a.stats.pricing_rounds > 1, "{:?}", a.stats);
    // The chord scan finds the same pairs.
    let b = assign_with(
        &Line { points: true, ..line },
        &FlowOptions {
            candidates: 1,
            ..FlowOptions::default()
        },
    );
    assert_eq!((&b.school, b.stats.edges_added), (&a.school, a.stats.edges_added));
}

fn tiny_line() -> impl Strategy<Value = Line> {
    (
        proptest::collection::vec(0u32..20, 1..=6),
        proptest::collection::vec((0u32..20, 0u32..=3), 1..=3),
        any::<bool>(),
    )
        .prop_map(|(homes, schools, points)| Line {
            homes: homes.into_iter().map(|h| h as f64 * 50.0).collect(),
            schools: schools.iter().map(|s| s.0 as f64 * 50.0).collect(),
            cap: schools.iter().map(|s| s.1).collect(),
            points,
        })
}

/// Twins 0 and 2 (equal rows) get schools 1 and 2 whatever the solver
/// reached: by the tie rule the lower index takes the lower school.
/// Applicant 1 must take school 0 (its only other option costs 100 m).
#[test]
fn twins_take_schools_in_index_order() {
    let costs = dense(
        &[1, 1, 1],
        &[
            &[Some(1.0), Some(2.0), Some(3.0)],
            &[Some(1.0), None, Some(100.0)],
            &[Some(1.0), Some(2.0), Some(3.0)],
        ],
    );
    for k in [1, 2, 3] {
        let a = assign_with(
            &costs,
            &FlowOptions {
                candidates: k,
                ..FlowOptions::default()
            },
        );
        assert_eq!(a.school, vec![Some(1), Some(0), Some(2)], "k = {k}");
        assert_eq!((a.seated, a.total_mm, a.total_m), (3, 6_000, 6.0));
        assert!(a.stats.certified);
    }
    // One seat for two twins: the first takes it, the second stays unseated.
    let one = dense(&[1], &[&[Some(5.0)], &[Some(5.0)]]);
    assert_eq!(assign(&one).school, vec![Some(0), None]);
}

/// Rows of a few distinct classes (so with many twins) whose costs make the
/// optimal multiset of (class, school) pairs unique: cost `B^e` for a
/// distinct exponent `e` per (class, school), with `B` above the number of
/// applicants, so two different multisets never cost the same. Then only
/// the tie rule decides which twin gets which school, and every solver
/// path must agree.
fn twin_classes() -> impl Strategy<Value = DenseCosts> {
    (1usize..=4, 1usize..=3, 1usize..=7).prop_flat_map(|(classes, m, n)| {
        (
            proptest::collection::vec(0u32..=3, m),
            proptest::collection::vec(0..classes, n),
            proptest::collection::vec(any::<bool>(), classes * m),
            Just((0..classes * m).collect::<Vec<usize>>()).prop_shuffle(),
        )
            .prop_map(move |(cap, class_of, allowed, exps)| {
                let rows = class_of
                    .iter()
                    .map(|&c| {
                        (0..m)
                            .map(|j| allowed[c * m + j].then(|| 8f64.powi(exps[c * m + j] as i32) / 1000.0))
                            .collect()
                    })
                    .collect();
                DenseCosts::new(cap, rows)
            })
    })
}

/// Instances whose seats only just cover the applicants, or fall short:
/// the levels a sample warm-starts.
fn tight_tiny() -> impl Strategy<Value = DenseCosts> {
    (2usize..=7, 1usize..=3, 0usize..=1).prop_flat_map(|(n, m, short)| {
        (
            proptest::collection::vec(0u32..=3, m),
            proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![1 => Just(None), 4 => (0u32..6).prop_map(|d| Some(d as f64 * 100.0 + 0.25))],
                    m,
                ),
                n,
            ),
        )
            .prop_map(move |(mut cap, rows)| {
                let others: u32 = cap[..m - 1].iter().sum();
                cap[m - 1] = (n as u32 - short as u32).saturating_sub(others);
                DenseCosts::new(cap, rows)
            })
    })
}

proptest! {
    #[test]
    fn ties_follow_the_canonical_rule(costs in tiny()) {
        let (seated, mm, school) = brute_force_canonical(&costs);
        for k in [1, 2, 3] {
            for sample_from in [2, usize::MAX] {
                let a = assign_with(&costs, &FlowOptions { candidates: k, sample_from });
                prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
                assert_feasible(&costs, &a);
                prop_assert_eq!(&a.school, &school, "k = {}, sample from {}", k, sample_from);
                // The chosen pairs' metres as the model gives them, summed
                // in its applicant order.
                let metres: f64 = school
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| s.and_then(|j| costs.cost(i, j)))
                    .sum();
                prop_assert_eq!(a.total_m.to_bits(), metres.to_bits());
            }
        }
    }

    #[test]
    fn a_sample_warm_start_changes_nothing(costs in tight_tiny()) {
        let (seated, mm, school) = brute_force_canonical(&costs);
        for k in [1, 2, 3] {
            let a = assign_with(&costs, &FlowOptions { candidates: k, sample_from: 2 });
            prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
            assert_feasible(&costs, &a);
            prop_assert_eq!(&a.school, &school, "k = {}", k);
        }
    }

    #[test]
    fn twins_get_the_same_schools_on_every_solver_path(costs in twin_classes()) {
        let (seated, mm) = brute_force(&costs);
        let first = assign_with(&costs, &FlowOptions { candidates: 1, ..FlowOptions::default() });
        for k in [1, 2, 3, 10] {
            let a = assign_with(&costs, &FlowOptions { candidates: k, ..FlowOptions::default() });
            prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
            assert_feasible(&costs, &a);
            prop_assert_eq!(&a.school, &first.school, "k = {}", k);
        }
        // Twins (equal rows) hold their schools in increasing index, unseated last.
        let n = costs.applicants();
        for a in 0..n {
            for b in a + 1..n {
                let same = (0..costs.schools()).all(|j| costs.cost(a, j).map(f64::to_bits) == costs.cost(b, j).map(f64::to_bits));
                let key = |i: usize| (first.school[i].is_none(), first.school[i]);
                prop_assert!(!same || key(a) <= key(b), "{:?} before {:?}", key(a), key(b));
            }
        }
    }

    #[test]
    fn metric_model_matches_brute_force(line in tiny_line()) {
        let (seated, mm) = brute_force(&line.dense());
        for k in [1, 2, 3] {
            let a = assign_with(&line, &FlowOptions { candidates: k, ..FlowOptions::default() });
            prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
            prop_assert!(a.stats.certified);
        }
    }

    #[test]
    fn matches_brute_force(costs in tiny()) {
        let (seated, mm) = brute_force(&costs);
        for k in [1, 2, 3] {
            let a = assign_with(&costs, &FlowOptions { candidates: k, ..FlowOptions::default() });
            prop_assert_eq!((a.seated, a.total_mm), (seated, mm));
            assert_feasible(&costs, &a);
        }
    }
}
