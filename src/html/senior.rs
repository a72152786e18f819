//! The senior quota round's `report.html` (指标到校, spec §9.4): fairness
//! per junior school, places and cut-offs per senior school, and the quota
//! grid. [`crate::senior::output`] computes the figures.

use maud::{html, Markup};

use super::table::{head, num};
use super::{pct, thousands};
use crate::senior::output::Fairness;
use crate::senior::round::{SeniorOutcome, SeniorStage};
use crate::senior::SeniorScenario;

/// One senior school's admissions and cut-offs, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct SeniorRow {
    /// Admitted on quota.
    pub quota_admitted: u32,
    /// Admitted on open places.
    pub open_admitted: u32,
    /// The last admitted on quota (`588`, or `631.5 (tier 2)`).
    pub quota_cutoff: String,
    /// The last admitted on open places.
    pub open_cutoff: String,
    /// The last admitted in the open-only round.
    pub open_only_cutoff: String,
}

/// Renders the senior round's `report.html`: `seniors` has one row per
/// senior school, in the scenario's order.
pub fn page(sc: &SeniorScenario, out: &SeniorOutcome, fairness: &[Fairness], seniors: &[SeniorRow]) -> Vec<u8> {
    let count = |stage: SeniorStage| out.placements.iter().filter(|p| p.stage == stage).count() as u64;
    let body = html! {
        header {
            h1 { "Quality senior-high quota round (指标到校)" }
            p.lead {
                "Seed " code { (sc.policy.seed) } "; " (thousands(sc.candidates.len() as u64)) " candidates; quota share "
                (pct(sc.policy.quota_share.as_f64())) " apportioned by " (sc.policy.apportionment.as_str()) "; "
                (thousands(count(SeniorStage::Quota))) " admitted on quota, " (thousands(count(SeniorStage::Open)))
                " on open places, " (thousands(count(SeniorStage::Unplaced))) " unplaced."
            }
        }
        (fairness_section(sc, fairness))
        (seniors_section(sc, out, seniors))
        (quotas_section(sc, out))
    };
    super::page(
        &format!("Senior quota round report — {}", sc.policy.seed),
        body,
        "Candidate ids are pseudonymous; this page holds no other personal data.",
    )
}

fn fairness_section(sc: &SeniorScenario, rows: &[Fairness]) -> Markup {
    html! {
        section #fairness {
            h2 { "Fairness: share of graduates admitted" }
            p { "Before = one open round with every place open (same seed); after = quota stage, then open stage." }
            div.tablewrap { table.sortable {
                (super::table::sortable_head(&[
                    ("junior school", false), ("name", false), ("graduates", true),
                    ("before", true), ("after", true), ("change, points", true),
                ]))
                tbody { @for r in rows {
                    @let j = &sc.juniors[r.junior];
                    @let change = (r.share_after() - r.share_before()) * 100.0;
                    tr {
                        td { (j.id) } td { (j.name) } (num(r.graduates))
                        td.num data-v=(r.before) { (r.before) " (" (pct(r.share_before())) ")" }
                        td.num data-v=(r.after) { (r.after) " (" (pct(r.share_after())) ")" }
                        td.num.up[change < -0.05].down[change > 0.05] data-v=(format!("{change:.4}")) { (format!("{change:+.1}")) }
                    }
                } }
            } }
        }
    }
}

fn seniors_section(sc: &SeniorScenario, out: &SeniorOutcome, rows: &[SeniorRow]) -> Markup {
    html! {
        section #seniors {
            h2 { "Senior schools" }
            div.tablewrap { table {
                (head(&[
                    ("school", false), ("name", false), ("places", true), ("quota places", true), ("quota admitted", true),
                    ("returned", true), ("open places", true), ("open admitted", true), ("quota cut-off", true),
                    ("open cut-off", true), ("open-only cut-off", true),
                ]))
                tbody { @for ((s, senior), r) in sc.seniors.iter().enumerate().zip(rows) {
                    @let qp = senior.quota_places();
                    tr {
                        td { (senior.id) } td { (senior.name) } (num(senior.places)) (num(qp)) (num(r.quota_admitted))
                        (num(qp.saturating_sub(r.quota_admitted))) (num(out.open_places[s])) (num(r.open_admitted))
                        (num(&r.quota_cutoff)) (num(&r.open_cutoff)) (num(&r.open_only_cutoff))
                    }
                } }
            } }
        }
    }
}

fn quotas_section(sc: &SeniorScenario, out: &SeniorOutcome) -> Markup {
    html! {
        section #quotas {
            h2 { "Quotas per junior school" }
            p.hint { "Each cell: quota places / admitted on quota." }
            div.tablewrap { table {
                thead { tr {
                    th scope="col" { "junior school" }
                    @for senior in &sc.seniors { th scope="col" class="num" { (senior.id) } }
                } }
                tbody { @for (j, junior) in sc.juniors.iter().enumerate() {
                    tr {
                        td { (junior.id) }
                        @for (quota, admitted) in out.quotas.iter().zip(&out.quota_admitted) {
                            (num(format!("{} / {}", quota[j], admitted[j])))
                        }
                    }
                } }
            } }
        }
    }
}
