//! The senior round, top-down: apportion quotas, quota stage per junior
//! school, open stage, and the open-only round used for the fairness table.
//!
//! Each stage is deferred acceptance ([`crate::matching`]); a senior school
//! orders candidates by [`key`]: priority tier, then score descending, then
//! the stage's verifiable ticket (spec §3 with label `quota:<senior>` or
//! `open:<senior>`).

use crate::lottery::{ticket, Key, Ticket};
use crate::matching::deferred_acceptance;
use crate::scenario::SchoolIdx;

use super::apportion::apportion;
use super::{CandIdx, SeniorIdx, SeniorScenario};

/// Which stage admitted a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeniorStage {
    /// A quota place of the candidate's own junior school.
    Quota,
    /// An open place.
    Open,
    /// No place.
    Unplaced,
}

impl SeniorStage {
    /// The spelling in `assignments.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            SeniorStage::Quota => "quota",
            SeniorStage::Open => "open",
            SeniorStage::Unplaced => "unplaced",
        }
    }
}

/// One candidate's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The senior school, if any.
    pub senior: Option<SeniorIdx>,
    /// The stage that admitted it.
    pub stage: SeniorStage,
    /// The ticket it was admitted with (its `open:` ticket at its first
    /// choice when unplaced, none when it chose nothing).
    pub ticket: Option<Ticket>,
}

/// The result of the senior round.
#[derive(Debug, Clone)]
pub struct SeniorOutcome {
    /// `quotas[s][j]`: quota places of senior `s` for junior `j`.
    pub quotas: Vec<Vec<u32>>,
    /// `quota_admitted[s][j]`: candidates of `j` admitted to `s` on quota.
    pub quota_admitted: Vec<Vec<u32>>,
    /// Places of each senior school in the open stage: places minus quota
    /// places used (unused quota returned).
    pub open_places: Vec<u32>,
    /// Per candidate.
    pub placements: Vec<Placement>,
    /// Per candidate: its senior school in the open-only round with every
    /// place open (the "before" of the fairness table).
    pub open_only: Vec<Option<SeniorIdx>>,
}

/// Label of a quota-stage ticket.
pub fn quota_label(senior: &str) -> String {
    format!("quota:{senior}")
}

/// Label of an open-stage ticket.
pub fn open_label(senior: &str) -> String {
    format!("open:{senior}")
}

/// A candidate's order at a senior school: (priority, score descending)
/// packed in one number, then the ticket. Lower is served first.
///
/// ```
/// use catchment::lottery::Ticket;
/// use catchment::senior::{round::key, Score};
/// let t = Ticket([0; 32]);
/// assert!(key(1, Score(60000), t) < key(1, Score(59950), t)); // higher score first
/// assert!(key(1, Score(0), t) < key(2, Score(75000), t)); // tier before score
/// ```
pub fn key(priority: u32, score: super::Score, ticket: Ticket) -> Key {
    Key {
        priority: (priority << 20) | ((1 << 20) - 1 - score.0),
        ticket,
    }
}

/// Runs the round: apportionment, quota stage, open stage, and the
/// open-only round.
pub fn run(sc: &SeniorScenario) -> SeniorOutcome {
    let quotas = apportion_quotas(sc);
    let (quota_match, quota_admitted) = quota_stage(sc, &quotas);
    let open_places: Vec<u32> = sc
        .seniors
        .iter()
        .enumerate()
        .map(|(s, school)| school.places - quota_admitted[s].iter().sum::<u32>())
        .collect();
    let remaining: Vec<CandIdx> = (0..sc.candidates.len() as u32)
        .map(CandIdx)
        .filter(|&c| quota_match[c.index()].is_none())
        .collect();
    let open_match = open_stage(sc, &remaining, &open_places);
    let all: Vec<CandIdx> = (0..sc.candidates.len() as u32).map(CandIdx).collect();
    let places: Vec<u32> = sc.seniors.iter().map(|s| s.places).collect();
    let open_only = open_stage(sc, &all, &places);
    let placements = (0..sc.candidates.len())
        .map(|c| {
            let cand = &sc.candidates[c];
            let id = cand.id.as_str();
            let seed = sc.policy.seed.as_str();
            match (quota_match[c], open_match[c]) {
                (Some(s), _) => Placement {
                    senior: Some(s),
                    stage: SeniorStage::Quota,
                    ticket: Some(ticket(seed, &quota_label(&sc.seniors[s.index()].id), id)),
                },
                (None, Some(s)) => Placement {
                    senior: Some(s),
                    stage: SeniorStage::Open,
                    ticket: Some(ticket(seed, &open_label(&sc.seniors[s.index()].id), id)),
                },
                (None, None) => Placement {
                    senior: None,
                    stage: SeniorStage::Unplaced,
                    ticket: cand
                        .choices
                        .first()
                        .map(|&s| ticket(seed, &open_label(&sc.seniors[s.index()].id), id)),
                },
            }
        })
        .collect();
    SeniorOutcome {
        quotas,
        quota_admitted,
        open_places,
        placements,
        open_only,
    }
}

/// `quotas[s][j]` by the policy's apportionment method.
pub fn apportion_quotas(sc: &SeniorScenario) -> Vec<Vec<u32>> {
    let weights: Vec<u32> = sc.juniors.iter().map(|j| j.graduates).collect();
    let ids: Vec<&str> = sc.juniors.iter().map(|j| j.id.as_str()).collect();
    sc.seniors
        .iter()
        .map(|s| apportion(sc.policy.apportionment, s.quota_places(), &weights, &ids))
        .collect()
}

/// Whether candidate `c` may take a quota place at senior `s` (score at
/// least the minimum).
pub fn quota_eligible(sc: &SeniorScenario, c: CandIdx, s: SeniorIdx) -> bool {
    sc.min_score(s).is_none_or(|m| sc.candidates[c.index()].score >= m)
}

/// Quota stage: one deferred acceptance per junior school over its
/// candidates, with capacity `quotas[s][j]` at each senior school and each
/// candidate's eligible choices. Returns each candidate's quota school and
/// `admitted[s][j]`.
pub fn quota_stage(sc: &SeniorScenario, quotas: &[Vec<u32>]) -> (Vec<Option<SeniorIdx>>, Vec<Vec<u32>>) {
    let mut assigned = vec![None; sc.candidates.len()];
    let mut admitted = vec![vec![0u32; sc.juniors.len()]; sc.seniors.len()];
    let labels: Vec<String> = sc.seniors.iter().map(|s| quota_label(&s.id)).collect();
    for j in 0..sc.juniors.len() {
        let members: Vec<CandIdx> = (0..sc.candidates.len() as u32)
            .map(CandIdx)
            .filter(|&c| sc.candidates[c.index()].junior.index() == j)
            .collect();
        let capacity: Vec<u32> = quotas.iter().map(|q| q[j]).collect();
        let prefs: Vec<Vec<SeniorIdx>> = members
            .iter()
            .map(|&c| {
                sc.candidates[c.index()]
                    .choices
                    .iter()
                    .copied()
                    .filter(|&s| quota_eligible(sc, c, s))
                    .collect()
            })
            .collect();
        let m = run_da(sc, &members, &prefs, &capacity, &labels);
        for (u, s) in m.into_iter().enumerate() {
            if let Some(s) = s {
                assigned[members[u].index()] = Some(s);
                admitted[s.index()][j] += 1;
            }
        }
    }
    (assigned, admitted)
}

/// Open stage: deferred acceptance over `members` with `places` at each
/// senior school and full choice lists. Returns a school per candidate
/// (indexed over all candidates; `None` for those not in `members`).
pub fn open_stage(sc: &SeniorScenario, members: &[CandIdx], places: &[u32]) -> Vec<Option<SeniorIdx>> {
    let labels: Vec<String> = sc.seniors.iter().map(|s| open_label(&s.id)).collect();
    let prefs: Vec<Vec<SeniorIdx>> = members
        .iter()
        .map(|&c| sc.candidates[c.index()].choices.clone())
        .collect();
    let m = run_da(sc, members, &prefs, places, &labels);
    let mut out = vec![None; sc.candidates.len()];
    for (u, s) in m.into_iter().enumerate() {
        out[members[u].index()] = s;
    }
    out
}

fn run_da(
    sc: &SeniorScenario,
    members: &[CandIdx],
    prefs: &[Vec<SeniorIdx>],
    capacity: &[u32],
    labels: &[String],
) -> Vec<Option<SeniorIdx>> {
    let sizes = vec![1u32; members.len()];
    let mut pos = vec![0usize; members.len()];
    let seed = sc.policy.seed.as_str();
    deferred_acceptance(
        &sizes,
        capacity,
        |u| {
            // The senior schools are numbered like public schools here.
            let s = prefs[u.index()].get(pos[u.index()]).copied().map(|s| SchoolIdx(s.0));
            pos[u.index()] += 1;
            s
        },
        |u, s| {
            let c = &sc.candidates[members[u.index()].index()];
            key(c.priority, c.score, ticket(seed, &labels[s.index()], &c.id))
        },
    )
    .assigned
    .into_iter()
    .map(|s| s.map(|s| SeniorIdx(s.0)))
    .collect()
}
