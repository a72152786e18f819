//! The senior run folder (spec §9.4): `assignments.csv`, `quotas.csv`,
//! `seniors.csv`, `fairness.csv`, `summary.json`, `report.html` and
//! `manifest.json`, rendered to bytes (rows sorted by id, numbers formatted
//! explicitly) and written with [`crate::output::write_atomically`]; the page
//! is a template in [`crate::html::senior`].

use crate::html::senior::SeniorRow;
use crate::lottery::Key;
use crate::output::{OutputFile, Table};

use super::round::{key, SeniorOutcome, SeniorStage};
use super::{Score, SeniorScenario};

/// One junior school's row of the fairness table.
#[derive(Debug, Clone, PartialEq)]
pub struct Fairness {
    /// Junior school index.
    pub junior: usize,
    /// Graduates.
    pub graduates: u32,
    /// Admitted to a quality senior high in the open-only round.
    pub before: u32,
    /// Admitted with quota allocation (quota + open stage).
    pub after: u32,
}

impl Fairness {
    /// Share of graduates admitted before quota allocation.
    pub fn share_before(&self) -> f64 {
        ratio(self.before, self.graduates)
    }
    /// Share of graduates admitted with quota allocation.
    pub fn share_after(&self) -> f64 {
        ratio(self.after, self.graduates)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// The fairness table, one row per junior school (sorted by id).
pub fn fairness(sc: &SeniorScenario, out: &SeniorOutcome) -> Vec<Fairness> {
    let mut rows: Vec<Fairness> = sc
        .juniors
        .iter()
        .enumerate()
        .map(|(j, school)| Fairness {
            junior: j,
            graduates: school.graduates,
            before: 0,
            after: 0,
        })
        .collect();
    for (c, cand) in sc.candidates.iter().enumerate() {
        let row = &mut rows[cand.junior as usize];
        row.before += u32::from(out.open_only[c].is_some());
        row.after += u32::from(out.placements[c].senior.is_some());
    }
    rows
}

/// Per senior school and stage: admitted count and the last admitted key.
struct Cutoffs {
    quota: Vec<(u32, Option<Key>)>,
    open: Vec<(u32, Option<Key>)>,
    open_only: Vec<(u32, Option<Key>)>,
    /// `[s][j]`: last quota key per junior school.
    quota_by_junior: Vec<Vec<Option<Key>>>,
}

fn cutoffs(sc: &SeniorScenario, out: &SeniorOutcome) -> Cutoffs {
    let n = sc.seniors.len();
    let mut c = Cutoffs {
        quota: vec![(0, None); n],
        open: vec![(0, None); n],
        open_only: vec![(0, None); n],
        quota_by_junior: vec![vec![None; sc.juniors.len()]; n],
    };
    let bump = |slot: &mut (u32, Option<Key>), k: Key| {
        slot.0 += 1;
        slot.1 = Some(slot.1.map_or(k, |old: Key| old.max(k)));
    };
    let ticket0 = crate::lottery::Ticket([0; 32]);
    for (i, cand) in sc.candidates.iter().enumerate() {
        let p = out.placements[i];
        // Ticket-free key: cut-offs are reported as scores.
        let k = key(cand.priority, cand.score, ticket0);
        if let (Some(s), Some(t)) = (p.senior, p.ticket) {
            let full = Key { ticket: t, ..k };
            match p.stage {
                SeniorStage::Quota => {
                    bump(&mut c.quota[s as usize], full);
                    let slot = &mut c.quota_by_junior[s as usize][cand.junior as usize];
                    *slot = Some(slot.map_or(full, |old| old.max(full)));
                }
                SeniorStage::Open => bump(&mut c.open[s as usize], full),
                SeniorStage::Unplaced => {}
            }
        }
        if let Some(s) = out.open_only[i] {
            bump(&mut c.open_only[s as usize], k);
        }
    }
    c
}

/// The score part of a key, as written.
fn key_score(k: Option<Key>) -> String {
    k.map(|k| Score((1 << 20) - 1 - (k.priority & ((1 << 20) - 1))).to_string())
        .unwrap_or_default()
}

fn key_priority(k: Option<Key>) -> String {
    k.map(|k| (k.priority >> 20).to_string()).unwrap_or_default()
}

/// The last admitted's (priority, score) as read: `588` in tier 1, else
/// `631.5 (tier 2)`; empty when nobody was admitted.
fn cutoff_text(k: Option<Key>) -> String {
    match k {
        None => String::new(),
        Some(k) if k.priority >> 20 == 1 => key_score(Some(k)),
        Some(k) => format!("{} (tier {})", key_score(Some(k)), k.priority >> 20),
    }
}

fn share(x: f64) -> String {
    format!("{x:.4}")
}

/// `assignments.csv`: one row per candidate, sorted by id.
pub fn assignments_csv(sc: &SeniorScenario, out: &SeniorOutcome) -> Vec<u8> {
    let mut w = Table::new([
        "candidate_id",
        "junior_school",
        "score",
        "priority",
        "senior_school",
        "stage",
        "choice",
        "ticket",
    ]);
    for (c, p) in sc.candidates.iter().zip(&out.placements) {
        let senior = p.senior.map(|s| sc.seniors[s as usize].id.as_str()).unwrap_or("");
        let choice = p
            .senior
            .and_then(|s| c.choices.iter().position(|&x| x == s))
            .map(|i| (i + 1).to_string())
            .unwrap_or_default();
        w.row([
            c.id.as_str(),
            sc.juniors[c.junior as usize].id.as_str(),
            &c.score.to_string(),
            &c.priority.to_string(),
            senior,
            p.stage.as_str(),
            &choice,
            &p.ticket.map(|t| t.to_hex()).unwrap_or_default(),
        ]);
    }
    w.finish()
}

/// `quotas.csv`: per senior and junior school, the quota, admitted, returned
/// and the quota cut-off score.
fn quotas_csv(sc: &SeniorScenario, out: &SeniorOutcome, cut: &Cutoffs) -> Vec<u8> {
    let mut w = Table::new([
        "senior_id",
        "junior_id",
        "graduates",
        "quota",
        "admitted",
        "returned",
        "cutoff_priority",
        "cutoff_score",
    ]);
    for (s, senior) in sc.seniors.iter().enumerate() {
        for (j, junior) in sc.juniors.iter().enumerate() {
            let q = out.quotas[s][j];
            let a = out.quota_admitted[s][j];
            let k = cut.quota_by_junior[s][j];
            w.row([
                senior.id.as_str(),
                junior.id.as_str(),
                &junior.graduates.to_string(),
                &q.to_string(),
                &a.to_string(),
                &(q - a).to_string(),
                &key_priority(k),
                &key_score(k),
            ]);
        }
    }
    w.finish()
}

/// `seniors.csv`: per senior school, places in each stage and cut-offs.
fn seniors_csv(sc: &SeniorScenario, out: &SeniorOutcome, cut: &Cutoffs) -> Vec<u8> {
    let mut w = Table::new([
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
    ]);
    for (s, senior) in sc.seniors.iter().enumerate() {
        let qp = senior.quota_places();
        let (qa, qk) = cut.quota[s];
        let (oa, ok) = cut.open[s];
        let (ba, bk) = cut.open_only[s];
        w.row([
            senior.id.as_str(),
            senior.name.as_str(),
            &senior.places.to_string(),
            &share(senior.quota_share.as_f64()),
            &qp.to_string(),
            &qa.to_string(),
            &(qp - qa).to_string(),
            &out.open_places[s].to_string(),
            &oa.to_string(),
            &(out.open_places[s] - oa).to_string(),
            &key_priority(qk),
            &key_score(qk),
            &key_priority(ok),
            &key_score(ok),
            &ba.to_string(),
            &key_priority(bk),
            &key_score(bk),
        ]);
    }
    w.finish()
}

/// `fairness.csv`: per junior school, the share of graduates admitted to a
/// quality senior high before (open-only) and after quota allocation.
fn fairness_csv(sc: &SeniorScenario, rows: &[Fairness]) -> Vec<u8> {
    let mut w = Table::new([
        "junior_id",
        "name",
        "graduates",
        "admitted_before",
        "share_before",
        "admitted_after",
        "share_after",
        "change",
    ]);
    for r in rows {
        let j = &sc.juniors[r.junior];
        w.row([
            j.id.as_str(),
            j.name.as_str(),
            &r.graduates.to_string(),
            &r.before.to_string(),
            &share(r.share_before()),
            &r.after.to_string(),
            &share(r.share_after()),
            &format!("{:+.4}", r.share_after() - r.share_before()),
        ]);
    }
    w.finish()
}

fn count(out: &SeniorOutcome, stage: SeniorStage) -> usize {
    out.placements.iter().filter(|p| p.stage == stage).count()
}

fn summary_json(sc: &SeniorScenario, out: &SeniorOutcome, cut: &Cutoffs, rows: &[Fairness]) -> Vec<u8> {
    let seniors: Vec<serde_json::Value> = sc
        .seniors
        .iter()
        .enumerate()
        .map(|(s, senior)| {
            serde_json::json!({
                "id": senior.id,
                "places": senior.places,
                "quota_places": senior.quota_places(),
                "quota_admitted": cut.quota[s].0,
                "quota_returned": senior.quota_places() - cut.quota[s].0,
                "open_places": out.open_places[s],
                "open_admitted": cut.open[s].0,
                "quota_cutoff": cutoff_text(cut.quota[s].1),
                "open_cutoff": cutoff_text(cut.open[s].1),
                "open_only_cutoff": cutoff_text(cut.open_only[s].1),
            })
        })
        .collect();
    let fair: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "junior_id": sc.juniors[r.junior].id,
                "graduates": r.graduates,
                "admitted_before": r.before,
                "share_before": share(r.share_before()),
                "admitted_after": r.after,
                "share_after": share(r.share_after()),
            })
        })
        .collect();
    let shares_before: Vec<f64> = rows
        .iter()
        .filter(|r| r.graduates > 0)
        .map(Fairness::share_before)
        .collect();
    let shares_after: Vec<f64> = rows
        .iter()
        .filter(|r| r.graduates > 0)
        .map(Fairness::share_after)
        .collect();
    let summary = serde_json::json!({
        "seed": sc.policy.seed,
        "seed_commitment": crate::lottery::seed_commitment(&sc.policy.seed),
        "apportionment": sc.policy.apportionment.as_str(),
        "quota_share": share(sc.policy.quota_share.as_f64()),
        "min_score": sc.policy.min_score.map(|s| s.to_string()),
        "candidates": sc.candidates.len(),
        "stages": {
            "quota": count(out, SeniorStage::Quota),
            "open": count(out, SeniorStage::Open),
            "unplaced": count(out, SeniorStage::Unplaced),
        },
        "open_only_admitted": out.open_only.iter().filter(|s| s.is_some()).count(),
        "seniors": seniors,
        "fairness": fair,
        "fairness_spread": {
            "before": spread(&shares_before),
            "after": spread(&shares_after),
        },
    });
    crate::output::pretty_json(&summary)
}

/// Lowest and highest share across junior schools, and the gap.
fn spread(shares: &[f64]) -> serde_json::Value {
    let lo = shares.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = shares.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if shares.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::json!({"min": share(lo), "max": share(hi), "gap": share(hi - lo)})
}

/// The senior schools' rows of the report: admissions and cut-offs.
fn senior_rows(sc: &SeniorScenario, cut: &Cutoffs) -> Vec<SeniorRow> {
    (0..sc.seniors.len())
        .map(|s| SeniorRow {
            quota_admitted: cut.quota[s].0,
            open_admitted: cut.open[s].0,
            quota_cutoff: cutoff_text(cut.quota[s].1),
            open_cutoff: cutoff_text(cut.open[s].1),
            open_only_cutoff: cutoff_text(cut.open_only[s].1),
        })
        .collect()
}

/// Renders every file of the senior run folder, the manifest last.
pub fn render(sc: &SeniorScenario, out: &SeniorOutcome) -> Vec<OutputFile> {
    let cut = cutoffs(sc, out);
    let rows = fairness(sc, out);
    let mut files = vec![
        OutputFile {
            name: "assignments.csv",
            bytes: assignments_csv(sc, out),
        },
        OutputFile {
            name: "fairness.csv",
            bytes: fairness_csv(sc, &rows),
        },
        OutputFile {
            name: "quotas.csv",
            bytes: quotas_csv(sc, out, &cut),
        },
        OutputFile {
            name: "seniors.csv",
            bytes: seniors_csv(sc, out, &cut),
        },
        OutputFile {
            name: "summary.json",
            bytes: summary_json(sc, out, &cut, &rows),
        },
        OutputFile {
            name: "report.html",
            bytes: crate::html::senior::page(sc, out, &rows, &senior_rows(sc, &cut)),
        },
    ];
    let (inputs, outputs) = crate::output::file_hashes(&sc.inputs, &files);
    let manifest = serde_json::json!({
        "tool": "catchment",
        "command": "senior",
        "version": env!("CARGO_PKG_VERSION"),
        "seed": sc.policy.seed,
        "seed_commitment": crate::lottery::seed_commitment(&sc.policy.seed),
        "inputs": inputs,
        "outputs": outputs,
    });
    let bytes = crate::output::pretty_json(&manifest);
    files.push(OutputFile {
        name: "manifest.json",
        bytes,
    });
    files
}
