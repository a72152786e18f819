//! `summary.json`: counts per stage and level, distances, unplaced with
//! reasons, the seed and its commitment.

use std::collections::BTreeMap;

use serde_json::Value;

use super::records::{DistanceStats, LevelSummary, PolicySummary, Seats, Summary, Totals, Unplaced};
use crate::round::{Outcome, Stage};
use crate::scenario::{Level, Scenario, Sector};

/// Distance statistics in metres, rounded to 0.1 m: mean, median (mean of
/// the two middle values for an even count), p90 (nearest rank: the
/// ⌈0.9·n⌉-th smallest) and max. `None` when nobody was placed.
pub fn distance_stats_of(distances: &mut [f64]) -> Option<DistanceStats> {
    if distances.is_empty() {
        return None;
    }
    distances.sort_by(f64::total_cmp);
    let n = distances.len();
    let mean = distances.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        distances[n / 2]
    } else {
        (distances[n / 2 - 1] + distances[n / 2]) / 2.0
    };
    let p90 = distances[(n * 9).div_ceil(10).max(1) - 1];
    Some(DistanceStats {
        mean: round1(mean),
        median: round1(median),
        p90: round1(p90),
        max: round1(distances[n - 1]),
    })
}

/// [`distance_stats_of`] as a JSON value (`null` when nobody was placed),
/// for the pages and `compare` that read it by key.
pub fn distance_stats(distances: &mut [f64]) -> Value {
    serde_json::to_value(distance_stats_of(distances)).unwrap_or(Value::Null)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The summary of a round.
pub fn summary(scenario: &Scenario, outcome: &Outcome) -> Summary {
    let policy = &scenario.policy;
    let mut totals = Totals::default();
    let levels = Level::ALL
        .into_iter()
        .map(|level| {
            let summary = level_summary(scenario, outcome, level);
            totals.applicants += summary.applicants;
            totals.unplaced += summary.unplaced.count;
            totals.placed += summary.applicants - summary.unplaced.count;
            (level.as_str().to_string(), summary)
        })
        .collect();
    Summary {
        tool: "catchment".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        seed: policy.seed.clone(),
        seed_commitment: crate::lottery::seed_commitment(&policy.seed),
        published_seed_commitment: policy.seed_commitment.clone(),
        policy: PolicySummary {
            rule: policy.rule,
            tie_breaking: policy.tie_breaking,
            groups: policy.groups,
            fallback: policy.fallback,
            max_distance_m: policy.max_distance_m,
        },
        totals,
        levels,
        warnings: scenario.warnings.warning_count() + outcome.warnings.warning_count(),
        balance: crate::balance::compute(scenario, outcome),
    }
}

fn level_summary(scenario: &Scenario, outcome: &Outcome, level: Level) -> LevelSummary {
    let mut stages: BTreeMap<Stage, u64> = Stage::ALL.iter().map(|&s| (s, 0)).collect();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut distances = Vec::new();
    let mut applicants = 0u64;
    for (a, p) in scenario.applicants.iter().zip(&outcome.placements) {
        if a.level != level {
            continue;
        }
        applicants += 1;
        *stages.entry(p.stage).or_default() += 1;
        if let Some(r) = p.reason {
            *reasons.entry(r.as_str().to_string()).or_default() += 1;
        }
        if let Some(d) = p.distance_m {
            distances.push(d);
        }
    }
    let mut seats = Seats::default();
    let mut oversubscribed = 0u64;
    let mut schools = 0u64;
    for (s, r) in scenario.schools.iter().zip(&outcome.schools) {
        if s.level == level {
            schools += 1;
            match s.sector {
                Sector::Public => seats.public += u64::from(s.capacity),
                Sector::Private => seats.private += u64::from(s.capacity),
            }
            oversubscribed += u64::from(r.oversubscribed);
        }
    }
    let groups: Vec<_> = outcome
        .units
        .iter()
        .filter(|u| u.level == level && u.members.len() > 1)
        .collect();
    // Under `optimal` groups are placed as separate members (spec §8).
    let groups_split = groups
        .iter()
        .filter(|u| {
            u.members
                .iter()
                .any(|&m| outcome.placements[m.index()].school != outcome.placements[u.members[0].index()].school)
        })
        .count();
    let all_seats = seats.public + seats.private;
    let unplaced = stages[&Stage::Unplaced];
    LevelSummary {
        applicants,
        schools,
        seats,
        demand_over_seats: (all_seats > 0).then(|| ((applicants as f64 / all_seats as f64) * 1000.0).round() / 1000.0),
        stages: stages.iter().map(|(s, n)| (s.as_str().to_string(), *n)).collect(),
        oversubscribed_schools: oversubscribed,
        groups_drawn_together: groups.len() as u64,
        groups_split: groups_split as u64,
        distance_m: distance_stats_of(&mut distances),
        unplaced: Unplaced {
            count: unplaced,
            reasons,
        },
    }
}

/// Renders `summary.json`.
pub fn summary_json(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    super::pretty_json(&summary(scenario, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stats_by_hand() {
        let v = distance_stats(&mut [4.0, 1.0, 3.0, 2.0, 10.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        assert_eq!(v, json!({"mean": 5.5, "median": 5.5, "p90": 9.0, "max": 10.0}));
        assert_eq!(distance_stats(&mut []), Value::Null);
    }
}
