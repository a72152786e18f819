//! `summary.json`: counts per stage and level, distances, unplaced with
//! reasons, the seed and its commitment.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::round::{Outcome, Stage};
use crate::scenario::{GroupPolicy, Level, Scenario, Sector, TieBreaking};

/// Distance statistics in metres, rounded to 0.1 m: mean, median (mean of
/// the two middle values for an even count), p90 (nearest rank: the
/// ⌈0.9·n⌉-th smallest) and max. `null` when nobody was placed.
pub fn distance_stats(distances: &mut [f64]) -> Value {
    if distances.is_empty() {
        return Value::Null;
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
    json!({
        "mean": round1(mean),
        "median": round1(median),
        "p90": round1(p90),
        "max": round1(distances[n - 1]),
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Renders `summary.json`.
pub fn summary_json(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let policy = &scenario.policy;
    let mut levels = serde_json::Map::new();
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for level in Level::ALL {
        let mut stages: BTreeMap<Stage, u64> = Stage::ALL.iter().map(|&s| (s, 0)).collect();
        let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
        let mut distances = Vec::new();
        let mut applicants = 0u64;
        for (a, p) in scenario.applicants.iter().zip(&outcome.placements) {
            if a.level != level {
                continue;
            }
            applicants += 1;
            *stages.entry(p.stage).or_default() += 1;
            if let Some(r) = p.reason {
                *reasons.entry(r.as_str()).or_default() += 1;
            }
            if let Some(d) = p.distance_m {
                distances.push(d);
            }
        }
        let mut seats = BTreeMap::from([("public", 0u64), ("private", 0u64)]);
        let mut oversubscribed = 0u64;
        let mut schools = 0u64;
        for (s, r) in scenario.schools.iter().zip(&outcome.schools) {
            if s.level == level {
                schools += 1;
                let sector = match s.sector {
                    Sector::Public => "public",
                    Sector::Private => "private",
                };
                *seats.entry(sector).or_default() += u64::from(s.capacity);
                oversubscribed += u64::from(r.oversubscribed);
            }
        }
        let groups = outcome
            .units
            .iter()
            .filter(|u| u.level == level && u.members.len() > 1)
            .count();
        // Under `optimal` groups are placed as separate members (spec §8).
        let groups_split = outcome
            .units
            .iter()
            .filter(|u| u.level == level && u.members.len() > 1)
            .filter(|u| {
                u.members
                    .iter()
                    .any(|&m| outcome.placements[m as usize].school != outcome.placements[u.members[0] as usize].school)
            })
            .count();
        let unplaced = stages[&Stage::Unplaced];
        *totals.entry("applicants").or_default() += applicants;
        *totals.entry("unplaced").or_default() += unplaced;
        *totals.entry("placed").or_default() += applicants - unplaced;
        levels.insert(
            level.as_str().to_string(),
            json!({
                "applicants": applicants,
                "schools": schools,
                "seats": seats,
                "demand_over_seats": if seats["public"] + seats["private"] > 0 {
                    json!(((applicants as f64 / (seats["public"] + seats["private"]) as f64) * 1000.0).round() / 1000.0)
                } else { Value::Null },
                "stages": stages.iter().map(|(s, n)| (s.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "oversubscribed_schools": oversubscribed,
                "groups_drawn_together": groups,
                "groups_split": groups_split,
                "distance_m": distance_stats(&mut distances),
                "unplaced": { "count": unplaced, "reasons": reasons },
            }),
        );
    }
    let summary = json!({
        "tool": "catchment",
        "version": env!("CARGO_PKG_VERSION"),
        "seed": policy.seed,
        "seed_commitment": crate::lottery::seed_commitment(&policy.seed),
        "published_seed_commitment": policy.seed_commitment,
        "policy": {
            "rule": policy.rule.as_str(),
            "tie_breaking": match policy.tie_breaking { TieBreaking::Single => "single", TieBreaking::Multiple => "multiple" },
            "groups": match policy.groups { GroupPolicy::Together => "together", GroupPolicy::Separate => "separate" },
            "fallback": policy.fallback.as_str(),
            "max_distance_m": policy.max_distance_m,
        },
        "totals": totals,
        "levels": levels,
        "warnings": scenario.warnings.warning_count() + outcome.warnings.warning_count(),
        "balance": serde_json::to_value(crate::balance::compute(scenario, outcome)).unwrap_or(Value::Null),
    });
    crate::output::pretty_json(&summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_by_hand() {
        let v = distance_stats(&mut [4.0, 1.0, 3.0, 2.0, 10.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        assert_eq!(v, json!({"mean": 5.5, "median": 5.5, "p90": 9.0, "max": 10.0}));
        assert_eq!(distance_stats(&mut []), Value::Null);
    }
}
