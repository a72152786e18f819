//! `catchment odds`: admission odds by simulating many lotteries.
//!
//! Trial `t` (0-based) runs the whole round with the seed
//! `base + "#" + t` — [`trial_seed`] — where `base` is the policy's seed
//! unless another is given. Everything that does not depend on the seed
//! (loading, zone lookups) is done once ([`crate::round::prepare`]); trials
//! run in parallel with `rayon`, in batches whose results are folded in
//! trial order, so the outputs are byte-identical whatever the thread count.
//!
//! Each trial also runs with the other tie-breaking rule on the same seed,
//! to report the efficiency cost of multiple tie-breaking: how many
//! applicants get a school higher on their list under single tie-breaking
//! than under multiple, and the mean rank achieved under each.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::matching::UnitIdx;
use crate::output::{OutputFile, Table};
use crate::round::{self, Prepared, PrivateDraw, PublicDraw, SchoolResult, Stage};
use crate::scenario::{Rule, Scenario, SchoolIdx, TieBreaking};
use crate::stages::{self, Context, DrawOrder, Unit};

/// Trials run in parallel per batch (results are folded in trial order).
const BATCH: u32 = 256;

/// The seed of trial `t`: `base + "#" + t`.
///
/// ```
/// assert_eq!(catchment::odds::trial_seed("2027 round", 7), "2027 round#7");
/// ```
pub fn trial_seed(base: &str, t: u32) -> String {
    format!("{base}#{t}")
}

/// What one trial contributes.
#[derive(Debug, PartialEq)]
struct Trial {
    /// Per applicant: (school or `None`, stage).
    placements: Vec<Ending>,
    /// Per school: intake, and the cut-off when oversubscribed.
    schools: Vec<(u32, Option<TierCutoff>)>,
    /// Ranks under single and multiple tie-breaking.
    comparison: RankTotals,
}

/// Ranks achieved under single and under multiple tie-breaking, summed
/// over applicants (weighted by group size) and trials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RankTotals {
    /// Applicants with a school higher on their list under single.
    better_single: u64,
    /// Applicants with a school higher on their list under multiple.
    better_multiple: u64,
    /// Sum of ranks under single tie-breaking.
    rank_sum_single: u64,
    /// Sum of ranks under multiple tie-breaking.
    rank_sum_multiple: u64,
    /// Applicants ranked.
    ranked: u64,
}

impl std::ops::AddAssign for RankTotals {
    fn add_assign(&mut self, other: RankTotals) {
        self.better_single += other.better_single;
        self.better_multiple += other.better_multiple;
        self.rank_sum_single += other.rank_sum_single;
        self.rank_sum_multiple += other.rank_sum_multiple;
        self.ranked += other.ranked;
    }
}

/// `odds_summary.json`, the summary `catchment odds` prints: the trials,
/// how seeds are derived, and the cost of multiple tie-breaking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Trials run.
    pub trials: u32,
    /// The base seed.
    pub base_seed: String,
    /// How trial seeds are derived from the base seed, in words.
    pub seed_derivation: &'static str,
    /// The policy's tie-breaking, `single` or `multiple`.
    pub policy_tie_breaking: &'static str,
    /// Single against multiple tie-breaking on the same seeds.
    pub tie_breaking_comparison: TieBreakingComparison,
}

/// Single against multiple tie-breaking, per trial (rounded to 0.001) and
/// as mean ranks (rounded to 0.0001; `None` when nobody was ranked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TieBreakingComparison {
    /// Applicants compared (with a list, not placed privately).
    pub applicants_compared_per_trial: f64,
    /// Applicants with a better school under single tie-breaking.
    pub better_school_under_single_per_trial: f64,
    /// Applicants with a better school under multiple tie-breaking.
    pub better_school_under_multiple_per_trial: f64,
    /// Mean rank under single tie-breaking.
    pub mean_rank_single: Option<f64>,
    /// Mean rank under multiple tie-breaking.
    pub mean_rank_multiple: Option<f64>,
    /// What a rank is, in words.
    pub rank_definition: &'static str,
}

/// Where an applicant ends a trial: its school (or none) and the stage.
type Ending = (Option<SchoolIdx>, Stage);

/// A school's cut-off in one trial: (tier, admitted of that tier, applied
/// of that tier).
type TierCutoff = (u32, u32, u32);

/// Results of a simulation, ready to write.
pub struct Odds {
    /// Trials run.
    pub trials: u32,
    /// The base seed.
    pub base_seed: String,
    /// Per applicant: counts of each (school, stage) outcome (a short list:
    /// most applicants have one to three outcomes).
    applicant_outcomes: Vec<Vec<(Ending, u32)>>,
    /// Per school: counts of each intake.
    intake: Vec<BTreeMap<u32, u32>>,
    /// Per school: per cut-off tier (`None` = not oversubscribed), the count
    /// and the sum over those trials of the share of that tier admitted.
    cutoffs: Vec<BTreeMap<Option<u32>, (u32, f64)>>,
    /// Ranks under single and multiple tie-breaking, over all trials.
    comparison: RankTotals,
}

/// What every trial shares: the prepared round (zones, units, zone lists)
/// and each unit's list that stage-2 ranks are read from. None of it
/// depends on the lottery.
struct Plan {
    /// The prepared round.
    prepared: Prepared,
    /// Under rule `nearest`, each unit's nearest public schools (see
    /// [`nearest_list`]); empty otherwise (rule `zone` reads
    /// `prepared.zone_lists`).
    nearest_lists: Vec<Vec<SchoolIdx>>,
}

impl Plan {
    fn new(scenario: &Scenario) -> Plan {
        let prepared = round::prepare(scenario, &mut ());
        let nearest_lists = match scenario.policy.rule {
            Rule::Nearest => {
                let ctx = Context::new(scenario, &prepared.units, &prepared.zone_of);
                (0..prepared.units.len() as u32)
                    .into_par_iter()
                    .map(|u| nearest_list(scenario, &ctx, UnitIdx(u)))
                    .collect()
            }
            Rule::Zone | Rule::Optimal => Vec::new(),
        };
        Plan {
            prepared,
            nearest_lists,
        }
    }

    /// The list a unit's stage-2 rank is read from.
    fn rank_list(&self, scenario: &Scenario, unit: usize) -> &[SchoolIdx] {
        match scenario.policy.rule {
            Rule::Zone => &self.prepared.zone_lists[unit],
            Rule::Nearest => &self.nearest_lists[unit],
            Rule::Optimal => &[],
        }
    }
}

/// Runs `trials` rounds. `progress(done)` is called after each batch.
pub fn simulate(scenario: &Scenario, base_seed: &str, trials: u32, progress: &(dyn Fn(u64) + Sync)) -> Odds {
    let plan = Plan::new(scenario);
    let n_apps = scenario.applicants.len();
    let n_schools = scenario.schools.len();
    let mut odds = Odds {
        trials,
        base_seed: base_seed.to_string(),
        applicant_outcomes: vec![Vec::new(); n_apps],
        intake: vec![BTreeMap::new(); n_schools],
        cutoffs: vec![BTreeMap::new(); n_schools],
        comparison: RankTotals::default(),
    };
    let mut start = 0;
    while start < trials {
        let end = (start + BATCH).min(trials);
        // Each worker redraws the tickets of its own copy of the units.
        let batch: Vec<Trial> = (start..end)
            .into_par_iter()
            .map_init(
                || plan.prepared.units.clone(),
                |units, t| run_trial(scenario, &plan, units, &trial_seed(base_seed, t)),
            )
            .collect();
        for trial in batch {
            odds.add(trial);
        }
        start = end;
        progress(u64::from(end));
    }
    odds
}

/// One trial: the units' tickets and the private lottery drawn once with
/// `seed`, then the public stages under the policy's tie-breaking and under
/// the other rule. The same as two full rounds with `seed` (see the tests),
/// without what the odds do not read: classes, distances, tickets and the
/// transcript. `units` are the prepared units, whatever tickets they hold.
fn run_trial(scenario: &Scenario, plan: &Plan, units: &mut [Unit], seed: &str) -> Trial {
    let prepared = &plan.prepared;
    let policy_tb = scenario.policy.tie_breaking;
    let other_tb = match policy_tb {
        TieBreaking::Single => TieBreaking::Multiple,
        TieBreaking::Multiple => TieBreaking::Single,
    };
    stages::redraw_tickets(units, seed);
    let units = &*units;
    // The cut-offs are tallied over the draws' entries in any order.
    let private = round::draw_private(scenario, prepared, units, seed, DrawOrder::Unordered, &mut ());
    let policy = round::draw_public(scenario, prepared, units, &private, seed, policy_tb, &mut ());
    let other = round::draw_public(scenario, prepared, units, &private, seed, other_tb, &mut ());
    let placements = endings(scenario, units, &private, &policy);
    let other_placements = endings(scenario, units, &private, &other);
    let (single, multiple) = match policy_tb {
        TieBreaking::Single => (&placements, &other_placements),
        TieBreaking::Multiple => (&other_placements, &placements),
    };
    let comparison = compare(scenario, plan, units, single, multiple);
    let schools = school_cutoffs(scenario, units, &private, &policy, &placements);
    Trial {
        placements,
        schools,
        comparison,
    }
}

/// Where each applicant ends a round made of `private` and `public`.
fn endings(scenario: &Scenario, units: &[Unit], private: &PrivateDraw, public: &PublicDraw) -> Vec<Ending> {
    // Every applicant is placed or left unplaced by some stage.
    let mut out: Vec<Ending> = vec![(None, Stage::Unplaced); scenario.applicants.len()];
    for (stage, result) in [
        (Stage::PrivateLottery, &private.result),
        (public.public.0, &public.public.1),
        (Stage::Fallback, &public.fallback),
    ] {
        for p in &result.placed {
            for &m in p.who.members(units) {
                out[m.index()] = (Some(p.school), stage);
            }
        }
        for left in &result.unplaced {
            for &m in left.who.members(units) {
                out[m.index()] = (None, Stage::Unplaced);
            }
        }
    }
    out
}

/// Per school: its intake, and its cut-off tier with the applicants of that
/// tier admitted and applying in its lottery stage, when oversubscribed.
fn school_cutoffs(
    scenario: &Scenario,
    units: &[Unit],
    private: &PrivateDraw,
    public: &PublicDraw,
    placements: &[Ending],
) -> Vec<(u32, Option<TierCutoff>)> {
    let mut results = vec![SchoolResult::default(); scenario.schools.len()];
    for (school, _) in placements {
        if let Some(s) = school {
            results[s.index()].admitted += 1;
        }
    }
    let draws = || {
        private
            .result
            .draws
            .iter()
            .chain(&public.public.1.draws)
            .chain(&public.fallback.draws)
            .filter_map(|d| d.school.map(|s| (s, d)))
    };
    for (s, draw) in draws() {
        round::tally_draw(units, draw, &mut results[s.index()]);
    }
    let mut shares = vec![(0u32, 0u32); scenario.schools.len()];
    for (s, draw) in draws() {
        if let Some(cutoff) = results[s.index()].cutoff {
            let share = &mut shares[s.index()];
            for e in draw.entries.iter().filter(|e| e.key.priority == cutoff.priority) {
                let size = units[e.unit.index()].size();
                share.1 += size;
                if e.admitted {
                    share.0 += size;
                }
            }
        }
    }
    results
        .iter()
        .zip(shares)
        .map(|(r, (admitted, applied))| (r.admitted, r.cutoff.map(|k| (k.priority, admitted, applied))))
        .collect()
}

/// Compares preference ranks achieved in stage 2 under single and multiple
/// tie-breaking. An applicant's rank is the position of its stage-2 school
/// on its list, or one past the end when stage 2 did not seat it; only
/// applicants with a list who were not placed by the private lottery count.
fn compare(scenario: &Scenario, plan: &Plan, units: &[Unit], single: &[Ending], multiple: &[Ending]) -> RankTotals {
    let stage2 = match scenario.policy.rule {
        Rule::Zone => Stage::Zone,
        Rule::Nearest => Stage::Nearest,
        // No lottery decides the optimal assignment: nothing to compare.
        Rule::Optimal => return RankTotals::default(),
    };
    let mut out = RankTotals::default();
    for (u, unit) in units.iter().enumerate() {
        let rep = unit.rep().index();
        let (a, b) = (single[rep], multiple[rep]);
        if a.1 == Stage::PrivateLottery || b.1 == Stage::PrivateLottery {
            continue;
        }
        let list = plan.rank_list(scenario, u);
        if list.is_empty() {
            continue;
        }
        let rank = |(school, stage): Ending| {
            let placed = (stage == stage2).then_some(school).flatten();
            placed
                .and_then(|s| list.iter().position(|&x| x == s))
                .map_or(list.len() + 1, |i| i + 1) as u64
        };
        let (ra, rb) = (rank(a), rank(b));
        let weight = unit.members.len() as u64;
        out += RankTotals {
            better_single: weight * u64::from(ra < rb),
            better_multiple: weight * u64::from(rb < ra),
            rank_sum_single: weight * ra,
            rank_sum_multiple: weight * rb,
            ranked: weight,
        };
    }
    out
}

/// Under rule `nearest` a list is every public school of the level by
/// distance; ranks beyond the schools that seated anyone do not matter, so
/// the list is cut at 32 schools.
fn nearest_list(scenario: &Scenario, ctx: &Context, unit: UnitIdx) -> Vec<SchoolIdx> {
    let level = ctx.units[unit.index()].level;
    let mut list: Vec<(f64, SchoolIdx)> = scenario
        .schools
        .iter()
        .enumerate()
        .filter(|(_, s)| s.level == level && s.sector == crate::scenario::Sector::Public)
        .filter_map(|(i, _)| {
            ctx.distance(unit, SchoolIdx(i as u32))
                .map(|d| (d, SchoolIdx(i as u32)))
        })
        .collect();
    list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    list.truncate(32);
    list.into_iter().map(|x| x.1).collect()
}

impl Odds {
    fn add(&mut self, trial: Trial) {
        for (counts, p) in self.applicant_outcomes.iter_mut().zip(trial.placements) {
            match counts.iter_mut().find(|(k, _)| *k == p) {
                Some((_, c)) => *c += 1,
                None => counts.push((p, 1)),
            }
        }
        for (s, (intake, cutoff)) in trial.schools.into_iter().enumerate() {
            *self.intake[s].entry(intake).or_default() += 1;
            let (tier, share) = match cutoff {
                Some((tier, admitted, applied)) => (Some(tier), f64::from(admitted) / f64::from(applied.max(1))),
                None => (None, 1.0),
            };
            let e = self.cutoffs[s].entry(tier).or_default();
            e.0 += 1;
            e.1 += share;
        }
        self.comparison += trial.comparison;
    }

    /// Renders the output files: `odds_applicants.csv`, `odds_schools.csv`,
    /// `odds_cutoffs.csv`, `odds_intake.csv`, `odds_summary.json`.
    pub fn render(&self, scenario: &Scenario) -> Vec<OutputFile> {
        let n = f64::from(self.trials.max(1));
        let mut applicants = Table::new([
            "applicant_id",
            "level",
            "school_id",
            "stage",
            "trials",
            "probability",
            "std_error",
        ]);
        for (a, counts) in scenario.applicants.iter().zip(&self.applicant_outcomes) {
            let mut counts = counts.clone();
            counts.sort_unstable();
            for ((school, stage), count) in counts {
                let p = f64::from(count) / n;
                applicants.row([
                    a.id.as_str(),
                    a.level.as_str(),
                    school.map_or("", |s| scenario.school(s).id.as_str()),
                    stage.as_str(),
                    &count.to_string(),
                    &format!("{p:.6}"),
                    &format!("{:.6}", (p * (1.0 - p) / n).sqrt()),
                ]);
            }
        }
        let mut schools = Table::new([
            "school_id",
            "name",
            "level",
            "sector",
            "capacity",
            "intake_mean",
            "intake_min",
            "intake_max",
            "p_oversubscribed",
        ]);
        let mut intake = Table::new(["school_id", "intake", "trials", "probability"]);
        let mut cutoffs = Table::new([
            "school_id",
            "cutoff_priority",
            "trials",
            "probability",
            "mean_share_of_tier_admitted",
        ]);
        for (s, school) in scenario.schools.iter().enumerate() {
            let dist = &self.intake[s];
            let total: u64 = dist.iter().map(|(&k, &c)| u64::from(k) * u64::from(c)).sum();
            let over: u32 = self.cutoffs[s]
                .iter()
                .filter(|(t, _)| t.is_some())
                .map(|(_, c)| c.0)
                .sum();
            schools.row([
                school.id.as_str(),
                school.name.as_str(),
                school.level.as_str(),
                school.sector.as_str(),
                &school.capacity.to_string(),
                &format!("{:.3}", total as f64 / n),
                &dist.keys().next().copied().unwrap_or(0).to_string(),
                &dist.keys().next_back().copied().unwrap_or(0).to_string(),
                &format!("{:.6}", f64::from(over) / n),
            ]);
            for (&k, &c) in dist {
                intake.row([
                    school.id.as_str(),
                    &k.to_string(),
                    &c.to_string(),
                    &format!("{:.6}", f64::from(c) / n),
                ]);
            }
            for (tier, &(c, share_sum)) in &self.cutoffs[s] {
                cutoffs.row([
                    school.id.as_str(),
                    &tier.map_or(String::new(), |t| t.to_string()),
                    &c.to_string(),
                    &format!("{:.6}", f64::from(c) / n),
                    &format!("{:.6}", share_sum / f64::from(c.max(1))),
                ]);
            }
        }
        vec![
            OutputFile {
                name: "odds_applicants.csv",
                bytes: applicants.finish(),
            },
            OutputFile {
                name: "odds_schools.csv",
                bytes: schools.finish(),
            },
            OutputFile {
                name: "odds_cutoffs.csv",
                bytes: cutoffs.finish(),
            },
            OutputFile {
                name: "odds_intake.csv",
                bytes: intake.finish(),
            },
            OutputFile {
                name: "odds_summary.json",
                bytes: self.summary(scenario).to_json(),
            },
        ]
    }
    /// The summary of the simulation (`odds_summary.json`).
    pub fn summary(&self, scenario: &Scenario) -> Summary {
        let n = f64::from(self.trials.max(1));
        let totals = self.comparison;
        let per_trial = |x: u64| ((x as f64 / n) * 1000.0).round() / 1000.0;
        let mean_rank =
            |x: u64| (totals.ranked > 0).then(|| ((x as f64 / totals.ranked as f64) * 10000.0).round() / 10000.0);
        Summary {
            trials: self.trials,
            base_seed: self.base_seed.clone(),
            seed_derivation: "trial t (0-based) uses seed = base_seed + \"#\" + t",
            policy_tie_breaking: match scenario.policy.tie_breaking {
                TieBreaking::Single => "single",
                TieBreaking::Multiple => "multiple",
            },
            tie_breaking_comparison: TieBreakingComparison {
                applicants_compared_per_trial: per_trial(totals.ranked),
                better_school_under_single_per_trial: per_trial(totals.better_single),
                better_school_under_multiple_per_trial: per_trial(totals.better_multiple),
                mean_rank_single: mean_rank(totals.rank_sum_single),
                mean_rank_multiple: mean_rank(totals.rank_sum_multiple),
                rank_definition: "position of the stage-2 school on the applicant's list (1 = first choice); list length + 1 when stage 2 did not seat it",
            },
        }
    }
}

impl Summary {
    /// The summary as pretty JSON with a final newline, as written to
    /// `odds_summary.json` and printed by `catchment odds`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::round::Outcome;
    use crate::scenario::{self, FallbackRule, LoadOptions};

    fn demo() -> Scenario {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
        scenario::load(&dir, &LoadOptions::default()).unwrap()
    }

    /// A trial worked out the long way: two full rounds ([`round::run`])
    /// with the trial's seed as the policy's, one per tie-breaking rule, read
    /// from their outcomes as `odds` first did.
    fn reference_trial(scenario: &Scenario, seed: &str) -> Trial {
        let with = |tb: TieBreaking| {
            let mut s = scenario.clone();
            s.policy.seed = seed.to_string();
            s.policy.tie_breaking = tb;
            round::run(&s)
        };
        let (single, multiple) = (with(TieBreaking::Single), with(TieBreaking::Multiple));
        let outcome = match scenario.policy.tie_breaking {
            TieBreaking::Single => &single,
            TieBreaking::Multiple => &multiple,
        };
        let schools = outcome
            .schools
            .iter()
            .enumerate()
            .map(|(s, r)| {
                let cutoff = r.cutoff.map(|key| {
                    let (mut admitted, mut applied) = (0, 0);
                    for d in outcome
                        .draws
                        .iter()
                        .filter(|d| d.draw.school == Some(SchoolIdx(s as u32)))
                    {
                        for e in d.draw.entries.iter().filter(|e| e.key.priority == key.priority) {
                            let size = outcome.units[e.unit.index()].members.len() as u32;
                            applied += size;
                            admitted += if e.admitted { size } else { 0 };
                        }
                    }
                    (key.priority, admitted, applied)
                });
                (r.admitted, cutoff)
            })
            .collect();
        Trial {
            placements: outcome.placements.iter().map(|p| (p.school, p.stage)).collect(),
            schools,
            comparison: reference_compare(scenario, &single, &multiple),
        }
    }

    /// Stage-2 ranks from two outcomes, each list recomputed from scratch.
    fn reference_compare(scenario: &Scenario, single: &Outcome, multiple: &Outcome) -> RankTotals {
        let ctx = Context::new(scenario, &single.units, &single.zone_of);
        let stage2 = match scenario.policy.rule {
            Rule::Zone => Stage::Zone,
            Rule::Nearest => Stage::Nearest,
            Rule::Optimal => return RankTotals::default(),
        };
        let mut out = RankTotals::default();
        for (u, unit) in single.units.iter().enumerate() {
            let rep = unit.rep().index();
            let (a, b) = (&single.placements[rep], &multiple.placements[rep]);
            if a.stage == Stage::PrivateLottery || b.stage == Stage::PrivateLottery {
                continue;
            }
            let list = match scenario.policy.rule {
                Rule::Zone => stages::zone::preferences(&ctx, UnitIdx(u as u32)),
                Rule::Nearest | Rule::Optimal => nearest_list(scenario, &ctx, UnitIdx(u as u32)),
            };
            if list.is_empty() {
                continue;
            }
            let rank = |p: &round::Placement| {
                let placed = (p.stage == stage2).then_some(p.school).flatten();
                placed
                    .and_then(|s| list.iter().position(|&x| x == s))
                    .map_or(list.len() + 1, |i| i + 1) as u64
            };
            let (ra, rb) = (rank(a), rank(b));
            let weight = unit.members.len() as u64;
            out += RankTotals {
                better_single: weight * u64::from(ra < rb),
                better_multiple: weight * u64::from(rb < ra),
                rank_sum_single: weight * ra,
                rank_sum_multiple: weight * rb,
                ranked: weight,
            };
        }
        out
    }

    /// Trials reuse what does not depend on the lottery; each must still be
    /// exactly two full rounds with its seed, under every rule.
    fn trials_match_full_rounds(scenario: &Scenario) {
        let plan = Plan::new(scenario);
        // One set of units for every trial, as a worker of `simulate` keeps.
        let mut units = plan.prepared.units.clone();
        for t in [0, 1, 17] {
            let seed = trial_seed("drift", t);
            let fast = run_trial(scenario, &plan, &mut units, &seed);
            let slow = reference_trial(scenario, &seed);
            assert_eq!(fast.placements, slow.placements, "placements, trial {t}");
            assert_eq!(fast.schools, slow.schools, "schools, trial {t}");
            assert_eq!(fast.comparison, slow.comparison, "comparison, trial {t}");
        }
    }

    #[test]
    fn a_trial_is_two_full_rounds_on_the_demo() {
        trials_match_full_rounds(&demo());
    }

    #[test]
    fn a_trial_is_two_full_rounds_under_multiple_tie_breaking_and_rule_nearest() {
        let mut scenario = demo();
        scenario.policy.tie_breaking = TieBreaking::Multiple;
        trials_match_full_rounds(&scenario);
        scenario.policy.rule = Rule::Nearest;
        trials_match_full_rounds(&scenario);
    }

    #[test]
    fn a_trial_is_two_full_rounds_with_other_fallbacks_and_rule_optimal() {
        let mut scenario = demo();
        scenario.policy.fallback = FallbackRule::None;
        trials_match_full_rounds(&scenario);
        scenario.policy.fallback = FallbackRule::Optimal;
        trials_match_full_rounds(&scenario);
        scenario.policy.rule = Rule::Optimal;
        trials_match_full_rounds(&scenario);
    }

    #[test]
    fn rank_totals_add_field_by_field() {
        let mut total = RankTotals::default();
        let one = RankTotals {
            better_single: 1,
            better_multiple: 2,
            rank_sum_single: 3,
            rank_sum_multiple: 4,
            ranked: 5,
        };
        total += one;
        total += one;
        assert_eq!(total.better_multiple, 4);
        assert_eq!(total.ranked, 10);
    }

    #[test]
    fn summary_json_keeps_its_keys_in_order_and_null_ranks() {
        let summary = Summary {
            trials: 2,
            base_seed: "s".to_string(),
            seed_derivation: "d",
            policy_tie_breaking: "single",
            tie_breaking_comparison: TieBreakingComparison {
                applicants_compared_per_trial: 0.0,
                better_school_under_single_per_trial: 0.0,
                better_school_under_multiple_per_trial: 0.0,
                mean_rank_single: None,
                mean_rank_multiple: Some(1.25),
                rank_definition: "r",
            },
        };
        let text = String::from_utf8(summary.to_json()).unwrap();
        assert_eq!(
            text,
            "{\n  \"trials\": 2,\n  \"base_seed\": \"s\",\n  \"seed_derivation\": \"d\",\n  \"policy_tie_breaking\": \"single\",\n  \
             \"tie_breaking_comparison\": {\n    \"applicants_compared_per_trial\": 0.0,\n    \
             \"better_school_under_single_per_trial\": 0.0,\n    \"better_school_under_multiple_per_trial\": 0.0,\n    \
             \"mean_rank_single\": null,\n    \"mean_rank_multiple\": 1.25,\n    \"rank_definition\": \"r\"\n  }\n}\n"
        );
    }
}
