//! `catchment explain` on a run folder of the senior quota round (spec §9):
//! one candidate's outcome in plain words, from the run folder alone.
//!
//! It reads `manifest.json` (the seed), `assignments.csv` (the candidate's
//! row), `quotas.csv` (its junior school's quota at the admitting school),
//! `seniors.csv` (open places and cut-offs) and `fairness.csv` (junior
//! school names). The run folder does not hold the candidates' lists of
//! choices, so the school a ticket was drawn at is found from the ticket
//! itself: the one senior school whose label gives that SHA-256.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::lottery::ticket;
use crate::output::records::{self, FairnessRow, Manifest, QuotaRow, SeniorAssignmentRow, SeniorRow};
use crate::senior::round::{open_label, quota_label, SeniorStage};
use crate::senior::Score;

use super::shell_quote;

/// The explanation of one candidate's outcome in the senior round.
#[derive(Debug, Clone, Serialize)]
pub struct SeniorExplanation {
    /// Always `senior`.
    pub round: String,
    /// Candidate id.
    pub candidate_id: String,
    /// Its junior school.
    pub junior_school: String,
    /// The junior school's name.
    pub junior_name: String,
    /// Its exam score, as written.
    pub score: String,
    /// Its priority tier.
    pub priority: u32,
    /// The lottery seed (tickets break ties of equal score).
    pub seed: String,
    /// SHA-256 of the seed.
    pub seed_commitment: String,
    /// `quota`, `open` or `unplaced`.
    pub stage: String,
    /// The senior school admitted to, or for an unplaced candidate its
    /// first choice (empty when it chose none).
    pub senior_school: String,
    /// That school's name.
    pub senior_name: String,
    /// The place of the admitting school on its list of choices.
    pub choice: Option<u32>,
    /// The ticket's label (`quota:<senior>` or `open:<senior>`).
    pub label: Option<String>,
    /// The ticket (lowercase hex SHA-256).
    pub ticket: Option<String>,
    /// Shell command that recomputes the ticket.
    pub recompute: Option<String>,
    /// Places of the school in the stage (the junior school's quota, or
    /// the open places).
    pub places: Option<u32>,
    /// Admitted there in that stage.
    pub admitted: Option<u32>,
    /// The last admitted there in that stage: `588`, or `631.5 (tier 2)`.
    pub cutoff: Option<String>,
    /// Why, in plain words.
    pub why: String,
}

/// A cut-off as the senior report writes it.
fn cutoff_text(priority: Option<u32>, score: Option<Score>) -> Option<String> {
    match (priority, score) {
        (Some(1), Some(s)) => Some(s.to_string()),
        (Some(p), Some(s)) => Some(format!("{s} (tier {p})")),
        _ => None,
    }
}

/// Builds the explanation of `candidate` from the senior run folder `run`.
pub fn explain(run: &Path, manifest: &Manifest, candidate: &str) -> Result<SeniorExplanation, Error> {
    let seed = manifest.seed.clone();
    let rows: Vec<SeniorAssignmentRow> = records::read_csv(run, "assignments.csv")?;
    let Some(me) = rows.into_iter().find(|r| r.candidate_id == candidate) else {
        return Err(Error::Usage(format!(
            "candidate {candidate:?} is not in {} (a run folder of the senior round)",
            run.join("assignments.csv").display()
        )));
    };
    let seniors: Vec<SeniorRow> = records::read_csv(run, "seniors.csv")?;
    let quotas: Vec<QuotaRow> = records::read_csv(run, "quotas.csv")?;
    let juniors: Vec<FairnessRow> = records::read_csv(run, "fairness.csv")?;
    let junior_name = juniors
        .iter()
        .find(|j| j.junior_id == me.junior_school)
        .and_then(|j| j.name.as_deref())
        .unwrap_or_default()
        .to_string();
    // The school the ticket was drawn at: the admitting school, or for the
    // unplaced the one whose `open:` label gives the ticket.
    let school = match me.senior_school.as_deref() {
        Some(s) => Some(s.to_string()),
        None => me.ticket.and_then(|t| {
            seniors
                .iter()
                .find(|s| ticket(&seed, &open_label(&s.senior_id), candidate) == t)
                .map(|s| s.senior_id.to_string())
        }),
    };
    let senior = school
        .as_deref()
        .and_then(|id| seniors.iter().find(|s| s.senior_id == id));
    let label = school.as_deref().map(|s| match me.stage {
        SeniorStage::Quota => quota_label(s),
        _ => open_label(s),
    });
    let quota = school.as_deref().and_then(|s| {
        quotas
            .iter()
            .find(|q| q.senior_id == s && q.junior_id == me.junior_school)
    });
    let (places, admitted, cutoff) = match (me.stage, quota, senior) {
        (SeniorStage::Quota, Some(q), _) => (
            Some(q.quota),
            Some(q.admitted),
            cutoff_text(q.cutoff_priority, q.cutoff_score),
        ),
        (_, _, Some(s)) => (
            Some(s.open_places),
            Some(s.open_admitted),
            cutoff_text(s.open_cutoff_priority, s.open_cutoff_score),
        ),
        _ => (None, None, None),
    };
    let score = me.score.to_string();
    let why = match (me.stage, school.as_deref()) {
        (SeniorStage::Quota, Some(s)) => format!(
            "admitted on a quota place that senior school {s} holds for junior school {}: candidates of that junior school \
             are served by (priority, score, ticket) for its quota",
            me.junior_school
        ),
        (SeniorStage::Open, Some(s)) => format!(
            "admitted on an open place of senior school {s}, after the quota stage gave it no place: every candidate left \
             is served by (priority, score, ticket)"
        ),
        (_, Some(s)) => {
            let below = cutoff.as_ref().map_or(String::new(), |c| {
                format!("; the last candidate admitted on its open places had {c} and was served before it")
            });
            format!(
                "no place: neither its junior school's quota places nor the open places of the schools it chose were left \
                 for it when its turn came (its first choice is {s}{below})"
            )
        }
        (_, None) => "no place: it chose no senior school".to_string(),
    };
    let recompute = label.as_ref().map(|l| {
        format!(
            "printf '%s\\n%s\\n%s' {} {} {} | sha256sum",
            shell_quote(&seed),
            shell_quote(l),
            shell_quote(candidate)
        )
    });
    Ok(SeniorExplanation {
        round: "senior".to_string(),
        candidate_id: candidate.to_string(),
        junior_school: me.junior_school.to_string(),
        junior_name,
        score,
        priority: me.priority,
        seed_commitment: crate::lottery::seed_commitment(&seed),
        seed,
        stage: me.stage.as_str().to_string(),
        senior_name: senior.map_or(String::new(), |s| s.name.to_string()),
        senior_school: school.unwrap_or_default(),
        choice: me.choice,
        ticket: me.ticket.map(|t| t.to_hex()),
        label,
        recompute,
        places,
        admitted,
        cutoff,
        why,
    })
}

impl SeniorExplanation {
    /// The explanation in plain words.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "Candidate {} — senior-high quota round (指标到校), junior school {} {}, score {}, priority tier {}\n",
            self.candidate_id, self.junior_school, self.junior_name, self.score, self.priority
        );
        out.push_str(&format!(
            "Lottery seed: {:?}\n  its SHA-256 commitment: {}\n\n",
            self.seed, self.seed_commitment
        ));
        let school = format!("{} {}", self.senior_school, self.senior_name);
        match self.stage.as_str() {
            "quota" | "open" => {
                let choice = self
                    .choice
                    .map_or(String::new(), |c| format!(", its {} choice", super::ordinal(c)));
                out.push_str(&format!(
                    "Outcome: {school}, admitted in the {} stage{choice}\n",
                    self.stage
                ));
            }
            _ if self.senior_school.is_empty() => out.push_str("Outcome: no place (unplaced); it chose no school\n"),
            _ => out.push_str(&format!(
                "Outcome: no place (unplaced); its first choice was {school}\n"
            )),
        }
        if let (Some(places), Some(admitted)) = (self.places, self.admitted) {
            let what = if self.stage == "quota" {
                format!("quota places for junior school {}", self.junior_school)
            } else {
                "open places".to_string()
            };
            out.push_str(&format!("  {places} {what}, {admitted} admitted"));
            if let Some(c) = &self.cutoff {
                out.push_str(&format!("; the last admitted had {c}"));
            }
            out.push('\n');
        }
        if let (Some(t), Some(label), Some(recompute)) = (&self.ticket, &self.label, &self.recompute) {
            out.push_str(&format!(
                "  ticket {t} (label {label:?}, id {:?}), used only between equal scores\n",
                self.candidate_id
            ));
            out.push_str(&format!("  recompute: {recompute}\n"));
        }
        out.push_str(&format!("  {}\n", self.why));
        out
    }
}
