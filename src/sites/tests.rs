//! The search against brute force over every layout, on hand-worked and
//! random small instances (dense costs, so no geometry is involved).

use proptest::prelude::*;

use crate::flow::{self, DenseCosts};

use super::search::{seat_weight, solve, Evaluate, Limits, Problem, Role, Value};

/// Sites with seats, applicants with a cost to each site (`None`: not
/// allowed); a layout is evaluated by the exact flow.
#[derive(Debug)]
struct Dense {
    seats: Vec<u32>,
    metres: Vec<Vec<Option<f64>>>,
}

impl Evaluate for Dense {
    fn applicants(&self) -> usize {
        self.metres.len()
    }

    fn sites(&self) -> usize {
        self.seats.len()
    }

    fn evaluate(&self, open: &[bool]) -> Value {
        let seats = self
            .seats
            .iter()
            .zip(open)
            .map(|(&s, &o)| if o { s } else { 0 })
            .collect();
        let a = flow::assign(&DenseCosts::new(seats, self.metres.clone()));
        Value {
            seated: a.seated,
            total_mm: a.total_mm,
        }
    }
}

/// Every allowed layout's value, the best by brute force.
fn brute_force(eval: &dyn Evaluate, problem: &Problem) -> Option<Value> {
    let n = problem.roles.len();
    let weight = seat_weight(eval.applicants());
    let mut best: Option<Value> = None;
    for mask in 0u32..(1 << n) {
        let open: Vec<bool> = (0..n)
            .map(|s| match problem.roles[s] {
                Role::Fixed => true,
                Role::Absent => false,
                _ => mask & (1 << s) != 0,
            })
            .collect();
        if (0..n).any(|s| matches!(problem.roles[s], Role::Fixed | Role::Absent) && mask & (1 << s) != 0) {
            continue;
        }
        let opened = (0..n)
            .filter(|&s| problem.roles[s] == Role::Candidate && open[s])
            .count();
        let closed = (0..n)
            .filter(|&s| problem.roles[s] == Role::Closable && !open[s])
            .count();
        if opened != problem.open || closed != problem.close {
            continue;
        }
        let v = eval.evaluate(&open);
        if best.is_none_or(|b| v.score(weight) > b.score(weight)) {
            best = Some(v);
        }
    }
    best
}

/// A hand-worked case: homes on a line at 0, 10, 20 and 30 m; one school
/// of 2 seats at 0; candidates of 2 seats at 15 and at 30. Opening the one
/// at 30 seats everyone at 0+10 (school) + 0+10 (candidate) = 20 m; the one
/// at 15 gives 0+10 + 5+15 = 30 m.
#[test]
fn hand_worked_line() {
    let d = |a: f64, b: f64| Some((a - b).abs());
    let homes = [0.0, 10.0, 20.0, 30.0];
    let sites = [0.0, 15.0, 30.0];
    let eval = Dense {
        seats: vec![2, 2, 2],
        metres: homes
            .iter()
            .map(|&h| sites.iter().map(|&s| d(h, s)).collect())
            .collect(),
    };
    let problem = Problem {
        roles: vec![Role::Fixed, Role::Candidate, Role::Candidate],
        open: 1,
        close: 0,
    };
    let best = solve(&eval, &problem, &Limits::default()).unwrap();
    assert_eq!(best.open, vec![true, false, true]);
    assert_eq!(
        best.value,
        Value {
            seated: 4,
            total_mm: 20_000
        }
    );
    assert!(best.proven);
    assert_eq!(best.bound, best.value);
}

/// Closing: two closable schools of 2 seats at 0 and 12 m, a fixed one of
/// 2 seats at 30, homes at 0, 10, 20, 30; one school closes, 4 seats remain
/// and everyone is seated.
#[test]
fn closing_one_of_two() {
    let homes = [0.0, 10.0, 20.0, 30.0];
    let sites = [0.0, 12.0, 30.0];
    let eval = Dense {
        seats: vec![2, 2, 2],
        metres: homes
            .iter()
            .map(|&h: &f64| sites.iter().map(|&s: &f64| Some((h - s).abs())).collect())
            .collect(),
    };
    let problem = Problem {
        roles: vec![Role::Closable, Role::Closable, Role::Fixed],
        open: 0,
        close: 1,
    };
    let best = solve(&eval, &problem, &Limits::default()).unwrap();
    // Close the school at 0: homes 0,10 go to 12 (12 + 2), 20,30 to 30
    // (10 + 0): 24 m. Closing the one at 12: 0,10 to 0 (0 + 10), 20,30 to
    // 30: 20 m. So the school at 12 closes.
    assert_eq!(best.open, vec![true, false, true]);
    assert_eq!(
        best.value,
        Value {
            seated: 4,
            total_mm: 20_000
        }
    );
    assert_eq!(brute_force(&eval, &problem), Some(best.value));
}

#[test]
fn too_few_candidates_has_no_layout() {
    let eval = Dense {
        seats: vec![1],
        metres: vec![vec![Some(1.0)]],
    };
    let problem = Problem {
        roles: vec![Role::Candidate],
        open: 2,
        close: 0,
    };
    assert!(solve(&eval, &problem, &Limits::default()).is_none());
}

#[test]
fn value_and_score_round_trip() {
    let w = seat_weight(10);
    for v in [
        Value { seated: 0, total_mm: 0 },
        Value { seated: 3, total_mm: 0 },
        Value {
            seated: 3,
            total_mm: 12_345,
        },
        Value {
            seated: 10,
            total_mm: w - 1,
        },
    ] {
        assert_eq!(Value::from_score(v.score(w), w), v);
    }
}

fn instance() -> impl Strategy<Value = (Dense, Problem)> {
    (1usize..9, 2usize..8).prop_flat_map(|(homes, sites)| {
        (
            prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.85, 0.0f64..5000.0), sites),
                homes,
            ),
            prop::collection::vec(0u32..4, sites),
            prop::collection::vec(0u8..3, sites),
            0usize..4,
            0usize..3,
        )
            .prop_map(|(metres, seats, roles, open, close)| {
                let roles: Vec<Role> = roles
                    .into_iter()
                    .map(|r| match r {
                        0 => Role::Fixed,
                        1 => Role::Candidate,
                        _ => Role::Closable,
                    })
                    .collect();
                let nc = roles.iter().filter(|&&r| r == Role::Candidate).count();
                let nx = roles.iter().filter(|&&r| r == Role::Closable).count();
                (
                    Dense { seats, metres },
                    Problem {
                        roles,
                        open: open.min(nc),
                        close: close.min(nx),
                    },
                )
            })
    })
}

proptest! {
    // Nothing is written under proptest-regressions/: a failure prints its case.
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// The search finds the brute-force optimum of every small instance and
    /// proves it; its layout has the counts asked for.
    #[test]
    fn search_equals_brute_force((eval, problem) in instance()) {
        let best = solve(&eval, &problem, &Limits::default()).unwrap();
        let brute = brute_force(&eval, &problem).unwrap();
        prop_assert_eq!(best.value, brute);
        prop_assert!(best.proven);
        prop_assert_eq!(eval.evaluate(&best.open), best.value);
        let opened = (0..problem.roles.len()).filter(|&s| problem.roles[s] == Role::Candidate && best.open[s]).count();
        let closed = (0..problem.roles.len()).filter(|&s| problem.roles[s] == Role::Closable && !best.open[s]).count();
        prop_assert_eq!((opened, closed), (problem.open, problem.close));
        prop_assert!((0..problem.roles.len()).all(|s| problem.roles[s] != Role::Fixed || best.open[s]));
    }

    /// Cut short, the search still returns an allowed layout and a bound no
    /// better-than-optimal layout can beat: bound ≥ optimum ≥ value.
    #[test]
    fn a_budget_gives_a_valid_bound((eval, problem) in instance(), budget in 1usize..6) {
        let best = solve(&eval, &problem, &Limits { max_evaluations: budget }).unwrap();
        let brute = brute_force(&eval, &problem).unwrap();
        let w = seat_weight(eval.applicants());
        prop_assert!(best.bound.score(w) >= brute.score(w));
        prop_assert!(brute.score(w) >= best.value.score(w));
        if best.proven {
            prop_assert_eq!(best.value, brute);
        }
    }
}
