//! The records of the senior round's run folder (spec §9.4):
//! `assignments.csv`, `quotas.csv`, `seniors.csv`, `fairness.csv` and
//! `summary.json` (its `manifest.json` is a [`super::Manifest`]). Shares
//! are written as text with four decimals, as the spec gives them.

use std::borrow::Cow;

use serde::{Deserialize, Serialize, Serializer};

use super::{spelled, Record, Spelled};
use crate::lottery::Ticket;
use crate::senior::round::SeniorStage;
use crate::senior::Score;

impl Spelled for Score {
    const EXPECTED: &'static str = "a score (a number with at most two decimals)";
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        Score::parse(text)
    }
}

impl Spelled for SeniorStage {
    const EXPECTED: &'static str = "quota, open or unplaced";
    fn spell<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
    fn parse_spelling(text: &str) -> Option<Self> {
        [SeniorStage::Quota, SeniorStage::Open, SeniorStage::Unplaced]
            .into_iter()
            .find(|x| x.as_str() == text)
    }
}

/// One row of the senior `assignments.csv`: a candidate, sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeniorAssignmentRow<'a> {
    /// Candidate id.
    pub candidate_id: Cow<'a, str>,
    /// Junior school id.
    pub junior_school: Cow<'a, str>,
    /// Exam score.
    #[serde(with = "spelled")]
    pub score: Score,
    /// Priority tier.
    pub priority: u32,
    /// Senior school admitted to (empty when unplaced).
    pub senior_school: Option<Cow<'a, str>>,
    /// `quota`, `open` or `unplaced`.
    #[serde(with = "spelled")]
    pub stage: SeniorStage,
    /// Place of the school on the candidate's list.
    pub choice: Option<u32>,
    /// The ticket that broke ties.
    #[serde(with = "spelled::option")]
    pub ticket: Option<Ticket>,
}

impl Record for SeniorAssignmentRow<'static> {
    const HEADER: &'static [&'static str] = &[
        "candidate_id",
        "junior_school",
        "score",
        "priority",
        "senior_school",
        "stage",
        "choice",
        "ticket",
    ];
}

/// One row of `quotas.csv`: a senior school's quota for a junior school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaRow<'a> {
    /// Senior school id.
    pub senior_id: Cow<'a, str>,
    /// Junior school id.
    pub junior_id: Cow<'a, str>,
    /// Graduates of the junior school.
    pub graduates: u32,
    /// Quota places apportioned.
    pub quota: u32,
    /// Admitted on the quota.
    pub admitted: u32,
    /// Returned to the open stage.
    pub returned: u32,
    /// Last admitted's priority tier.
    pub cutoff_priority: Option<u32>,
    /// Last admitted's score.
    #[serde(with = "spelled::option")]
    pub cutoff_score: Option<Score>,
}

impl Record for QuotaRow<'static> {
    const HEADER: &'static [&'static str] = &[
        "senior_id",
        "junior_id",
        "graduates",
        "quota",
        "admitted",
        "returned",
        "cutoff_priority",
        "cutoff_score",
    ];
}

/// One row of `seniors.csv`: a senior school's places and cut-offs in
/// each stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeniorRow<'a> {
    /// Senior school id.
    pub senior_id: Cow<'a, str>,
    /// Name.
    pub name: Cow<'a, str>,
    /// Places.
    pub places: u32,
    /// Share of places given as quotas (four decimals).
    pub quota_share: String,
    /// Quota places.
    pub quota_places: u32,
    /// Admitted on quotas.
    pub quota_admitted: u32,
    /// Quota places returned to the open stage.
    pub quota_returned: u32,
    /// Open places.
    pub open_places: u32,
    /// Admitted in the open stage.
    pub open_admitted: u32,
    /// Places left.
    pub vacancies: u32,
    /// Quota cut-off tier.
    pub quota_cutoff_priority: Option<u32>,
    /// Quota cut-off score.
    #[serde(with = "spelled::option")]
    pub quota_cutoff_score: Option<Score>,
    /// Open cut-off tier.
    pub open_cutoff_priority: Option<u32>,
    /// Open cut-off score.
    #[serde(with = "spelled::option")]
    pub open_cutoff_score: Option<Score>,
    /// Admitted in the open-only round (no quotas).
    pub open_only_admitted: u32,
    /// Open-only cut-off tier.
    pub open_only_cutoff_priority: Option<u32>,
    /// Open-only cut-off score.
    #[serde(with = "spelled::option")]
    pub open_only_cutoff_score: Option<Score>,
}

impl Record for SeniorRow<'static> {
    const HEADER: &'static [&'static str] = &[
        "senior_id",
        "name",
        "places",
        "quota_share",
        "quota_places",
        "quota_admitted",
        "quota_returned",
        "open_places",
        "open_admitted",
        "vacancies",
        "quota_cutoff_priority",
        "quota_cutoff_score",
        "open_cutoff_priority",
        "open_cutoff_score",
        "open_only_admitted",
        "open_only_cutoff_priority",
        "open_only_cutoff_score",
    ];
}

/// One row of `fairness.csv`: a junior school's graduates admitted to a
/// quality senior high before (open-only) and after quota allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessRow<'a> {
    /// Junior school id.
    pub junior_id: Cow<'a, str>,
    /// Name (absent from the `summary.json` rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// Graduates.
    pub graduates: u32,
    /// Admitted in the open-only round.
    pub admitted_before: u32,
    /// Their share of graduates (four decimals).
    pub share_before: String,
    /// Admitted with quotas.
    pub admitted_after: u32,
    /// Their share of graduates (four decimals).
    pub share_after: String,
    /// `share_after - share_before`, signed (absent from `summary.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

impl Record for FairnessRow<'static> {
    const HEADER: &'static [&'static str] = &[
        "junior_id",
        "name",
        "graduates",
        "admitted_before",
        "share_before",
        "admitted_after",
        "share_after",
        "change",
    ];
}

/// The senior `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeniorSummary<'a> {
    /// The lottery seed.
    pub seed: String,
    /// SHA-256 of the seed.
    pub seed_commitment: String,
    /// `largest_remainder` or `sainte_lague`.
    pub apportionment: String,
    /// Default quota share (four decimals).
    pub quota_share: String,
    /// Lowest score admitted on a quota, if any.
    pub min_score: Option<String>,
    /// Candidates.
    pub candidates: usize,
    /// Candidates by final stage.
    pub stages: SeniorStages,
    /// Admitted in the open-only round.
    pub open_only_admitted: usize,
    /// Per senior school.
    pub seniors: Vec<SeniorSchoolSummary<'a>>,
    /// Per junior school.
    pub fairness: Vec<FairnessRow<'a>>,
    /// Lowest and highest shares.
    pub fairness_spread: Spreads,
}

/// Candidates by final stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeniorStages {
    /// On a quota.
    pub quota: usize,
    /// In the open stage.
    pub open: usize,
    /// Without a place.
    pub unplaced: usize,
}

/// A senior school in `summary.json`; cut-offs as read (`588`, or
/// `631.5 (tier 2)` outside tier 1), empty when nobody was admitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeniorSchoolSummary<'a> {
    /// Senior school id.
    pub id: Cow<'a, str>,
    /// Places.
    pub places: u32,
    /// Quota places.
    pub quota_places: u32,
    /// Admitted on quotas.
    pub quota_admitted: u32,
    /// Quota places returned.
    pub quota_returned: u32,
    /// Open places.
    pub open_places: u32,
    /// Admitted in the open stage.
    pub open_admitted: u32,
    /// Quota cut-off.
    pub quota_cutoff: String,
    /// Open cut-off.
    pub open_cutoff: String,
    /// Open-only cut-off.
    pub open_only_cutoff: String,
}

/// The spread of shares across junior schools, before and after quotas
/// (`null` without graduates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spreads {
    /// Open-only round.
    pub before: Option<ShareSpread>,
    /// With quotas.
    pub after: Option<ShareSpread>,
}

/// Lowest and highest share, and the gap (four decimals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareSpread {
    /// Lowest.
    pub min: String,
    /// Highest.
    pub max: String,
    /// Highest minus lowest.
    pub gap: String,
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::Record;
    use super::*;

    fn check<R: Record>(row: R) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), R::HEADER.join(","));
        assert_eq!(super::super::parse_csv::<R>(text.as_bytes()).unwrap().len(), 1);
    }

    /// A check per senior row type that its header is its field names.
    pub(in crate::output::records) fn rows() -> Vec<fn()> {
        vec![
            || {
                check(SeniorAssignmentRow {
                    candidate_id: "c1".into(),
                    junior_school: "J1".into(),
                    score: Score(60_050),
                    priority: 1,
                    senior_school: None,
                    stage: SeniorStage::Unplaced,
                    choice: None,
                    ticket: Some(Ticket([1; 32])),
                })
            },
            || {
                check(QuotaRow {
                    senior_id: "H1".into(),
                    junior_id: "J1".into(),
                    graduates: 10,
                    quota: 2,
                    admitted: 1,
                    returned: 1,
                    cutoff_priority: Some(1),
                    cutoff_score: Some(Score(58_800)),
                })
            },
            || {
                check(FairnessRow {
                    junior_id: "J1".into(),
                    name: Some("Bass".into()),
                    graduates: 10,
                    admitted_before: 1,
                    share_before: "0.1000".into(),
                    admitted_after: 2,
                    share_after: "0.2000".into(),
                    change: Some("+0.1000".into()),
                })
            },
        ]
    }
}
