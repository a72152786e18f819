//! Optimality of an `optimal` stage, certified from the rows: the
//! assignment seats the most applicants and then has the least total
//! distance iff its residual graph has no negative cycle.
//!
//! Nodes are the level's schools with seats, `Z` (unseated) and `F` (a
//! free seat). Moving one applicant from node `a` to node `b` costs
//! `c_ib − c_ia`, with `c_iZ = M` larger than any sum of distances, so a
//! cycle that seats one more applicant is always negative. `F → a` (any
//! node may give up a seat) and `b → F` (when `b` has a free seat, or is
//! `Z`) cost 0, so a path that ends in a free seat is a cycle too. Costs
//! are whole millimetres, the objective the solver states (`flow` module
//! docs). Bellman–Ford over the dense graph: `O(nodes³)` after `O(pool ×
//! schools)` to build the arcs, so very large stages are reported as not
//! checked rather than silently skipped.

use super::rules::Facts;
use super::{seats, Audit};
use crate::scenario::{Level, Sector};

/// Most schools of a level for the dense Bellman–Ford.
const MAX_SCHOOLS: usize = 600;
/// Most (applicant, school) pairs read to build the arcs.
const MAX_PAIRS: usize = 60_000_000;
/// The cost of leaving an applicant unseated, mm: above any path of
/// real distances (600 schools × 40,000 km).
const UNSEATED_MM: i128 = 1_000_000_000_000_000_000;

/// Rule `optimal`: every public applicant the private lottery did not
/// place, all public seats.
pub(super) fn check_rule_optimal(facts: &Facts, audit: &mut Audit) {
    let sc = facts.scenario;
    let pool: Vec<usize> = (0..sc.applicants.len())
        .filter(|&a| facts.stage(a) != "private_lottery")
        .collect();
    let avail: Vec<i64> = (0..sc.schools.len())
        .map(|s| {
            if sc.schools[s].sector == Sector::Public {
                i64::from(seats(sc, s))
            } else {
                0
            }
        })
        .collect();
    check_optimal(facts, audit, &pool, &avail, "optimal");
}

fn mm(metres: f64) -> i128 {
    (metres * 1000.0).round() as i128
}

/// Checks that the applicants of `pool` placed at `stage` form an optimum
/// over the seats `avail`, level by level.
pub(super) fn check_optimal(facts: &Facts, audit: &mut Audit, pool: &[usize], avail: &[i64], stage: &str) {
    for level in Level::ALL {
        let members: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&a| facts.scenario.applicants[a].level == level)
            .collect();
        if !members.is_empty() {
            check_level(facts, audit, &members, avail, stage, level);
        }
    }
}

fn check_level(facts: &Facts, audit: &mut Audit, members: &[usize], avail: &[i64], stage: &str, level: Level) {
    let sc = facts.scenario;
    let limit = sc.policy.max_distance_m.unwrap_or(f64::INFINITY);
    let schools: Vec<usize> = facts.public[level.index()]
        .iter()
        .copied()
        .filter(|&s| avail[s] > 0)
        .collect();
    let m = schools.len();
    if m > MAX_SCHOOLS || members.len().saturating_mul(m) > MAX_PAIRS {
        audit.not_checked.push(format!(
            "optimality of stage {stage} at level {}: {} applicants × {m} schools is beyond the checker's dense certificate",
            level.as_str(),
            members.len()
        ));
        return;
    }
    let node_of = |s: usize| schools.binary_search(&s).ok();
    let (z, f) = (m, m + 1);
    let cost = |a: usize, s: usize| facts.distance(a, s).filter(|&d| d <= limit).map(mm);
    let mut at = vec![z; members.len()];
    let mut used = vec![0i64; m];
    for (k, &a) in members.iter().enumerate() {
        let row = facts.rows[a];
        let Some(s) = facts.school_of[a].filter(|_| row.stage == stage) else {
            continue;
        };
        let id = Some(row.applicant_id.as_str());
        match (node_of(s), cost(a, s)) {
            (Some(node), Some(_)) => {
                at[k] = node;
                used[node] += 1;
            }
            _ => audit.add(
                id,
                Some(&sc.schools[s].id),
                format!(
                    "stage {stage} uses a pair that is not allowed (beyond max_distance_m, unreachable, or no seat)"
                ),
            ),
        }
    }
    // Whoever the stage does not seat is final (rule `optimal`: the
    // fallback could not seat more within the same limit), with the reason
    // of spec §8 given the seats left after the stage.
    let free: i64 = schools
        .iter()
        .enumerate()
        .map(|(node, &s)| (avail[s] - used[node]).max(0))
        .sum();
    let reason = if free > 0 {
        "no_seat_within_limit"
    } else {
        "no_capacity"
    };
    for (k, &a) in members.iter().enumerate() {
        let row = facts.rows[a];
        if at[k] == z && (row.stage != "unplaced" || row.reason.as_deref() != Some(reason)) {
            audit.add(
                Some(&row.applicant_id),
                row.school_id.as_deref(),
                format!(
                    "not seated by stage {stage}, so unplaced ({reason}); the row says stage {} reason {}",
                    row.stage,
                    super::shown(row.reason.as_deref())
                ),
            );
        }
    }
    for (node, &s) in schools.iter().enumerate() {
        if used[node] > avail[s] {
            audit.add(
                None,
                Some(&sc.schools[s].id),
                format!("stage {stage} seats {} where {} seats were left", used[node], avail[s]),
            );
        }
    }
    // w[a][b]: the cheapest move of one applicant from node a to node b.
    let n = m + 2;
    let mut w: Vec<Option<i128>> = vec![None; n * n];
    let mut relax_arc = |from: usize, to: usize, c: i128| {
        let e = &mut w[from * n + to];
        if e.is_none_or(|old| c < old) {
            *e = Some(c);
        }
    };
    for (k, &a) in members.iter().enumerate() {
        let here = if at[k] == z {
            UNSEATED_MM
        } else {
            cost(a, schools[at[k]]).unwrap_or(UNSEATED_MM)
        };
        for (node, &s) in schools.iter().enumerate() {
            if node != at[k] {
                if let Some(c) = cost(a, s) {
                    relax_arc(at[k], node, c - here);
                }
            }
        }
        if at[k] != z {
            relax_arc(at[k], z, UNSEATED_MM - here);
        }
    }
    for node in 0..=z {
        relax_arc(f, node, 0);
        if node == z || used[node] < avail[schools[node]] {
            relax_arc(node, f, 0);
        }
    }
    if let Some(cycle) = negative_cycle(&w, n) {
        let names: Vec<&str> = cycle
            .iter()
            .map(|&v| match v {
                v if v == z => "(unseated)",
                v if v == f => "(a free seat)",
                v => sc.schools[schools[v]].id.as_str(),
            })
            .collect();
        audit.add(
            None,
            None,
            format!(
                "stage {stage} at level {} is not optimal: moving pupils around {} seats more or travels less",
                level.as_str(),
                names.join(" → ")
            ),
        );
    }
}

/// A negative cycle of the dense graph `w` (row = from), as nodes in order.
fn negative_cycle(w: &[Option<i128>], n: usize) -> Option<Vec<usize>> {
    let mut dist = vec![0i128; n];
    let mut pred = vec![usize::MAX; n];
    let mut changed = None;
    for _ in 0..n {
        changed = None;
        for a in 0..n {
            for b in 0..n {
                if let Some(c) = w[a * n + b] {
                    if dist[a] + c < dist[b] {
                        dist[b] = dist[a] + c;
                        pred[b] = a;
                        changed = Some(b);
                    }
                }
            }
        }
        changed?;
    }
    let mut v = changed?;
    for _ in 0..n {
        v = pred[v];
    }
    let mut cycle = vec![v];
    let mut u = pred[v];
    while u != v && cycle.len() <= n {
        cycle.push(u);
        u = pred[u];
    }
    cycle.reverse();
    Some(cycle)
}
