//! The senior run folder (spec §9.4): `assignments.csv`, `quotas.csv`,
//! `seniors.csv`, `fairness.csv`, `summary.json`, `report.html` and
//! `manifest.json`, rendered to bytes (rows sorted by id, numbers formatted
//! explicitly) and written with [`crate::output::write_atomically`]; the page
//! is a template in [`crate::html::senior`].

use crate::html::senior::SeniorRow as SeniorPageRow;
use crate::lottery::Key;
use crate::output::records::{
    FairnessRow, QuotaRow, Record, SeniorAssignmentRow, SeniorRow, SeniorSchoolSummary, SeniorStages, SeniorSummary,
    ShareSpread, Spreads,
};
use crate::output::{write_records, Manifest, OutputFile};

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
        let row = &mut rows[cand.junior.index()];
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
                    bump(&mut c.quota[s.index()], full);
                    let slot = &mut c.quota_by_junior[s.index()][cand.junior.index()];
                    *slot = Some(slot.map_or(full, |old| old.max(full)));
                }
                SeniorStage::Open => bump(&mut c.open[s.index()], full),
                SeniorStage::Unplaced => {}
            }
        }
        if let Some(s) = out.open_only[i] {
            bump(&mut c.open_only[s.index()], k);
        }
    }
    c
}

/// The score part of a key, as written.
fn key_score(k: Option<Key>) -> Option<Score> {
    k.map(|k| Score((1 << 20) - 1 - (k.priority & ((1 << 20) - 1))))
}

fn key_priority(k: Option<Key>) -> Option<u32> {
    k.map(|k| k.priority >> 20)
}

/// The last admitted's (priority, score) as read: `588` in tier 1, else
/// `631.5 (tier 2)`; empty when nobody was admitted.
fn cutoff_text(k: Option<Key>) -> String {
    match (key_score(k), key_priority(k)) {
        (Some(score), Some(1)) => score.to_string(),
        (Some(score), Some(tier)) => format!("{score} (tier {tier})"),
        _ => String::new(),
    }
}

fn share(x: f64) -> String {
    format!("{x:.4}")
}

/// `assignments.csv`: one row per candidate, sorted by id.
pub fn assignments_csv(sc: &SeniorScenario, out: &SeniorOutcome) -> Vec<u8> {
    let rows = sc
        .candidates
        .iter()
        .zip(&out.placements)
        .map(|(c, p)| SeniorAssignmentRow {
            candidate_id: c.id.as_str().into(),
            junior_school: sc.juniors[c.junior.index()].id.as_str().into(),
            score: c.score,
            priority: c.priority,
            senior_school: p.senior.map(|s| sc.seniors[s.index()].id.as_str().into()),
            stage: p.stage,
            choice: p
                .senior
                .and_then(|s| c.choices.iter().position(|&x| x == s))
                .map(|i| i as u32 + 1),
            ticket: p.ticket,
        });
    write_records(SeniorAssignmentRow::HEADER, rows)
}

/// `quotas.csv`: per senior and junior school, the quota, admitted, returned
/// and the quota cut-off score.
fn quotas_csv(sc: &SeniorScenario, out: &SeniorOutcome, cut: &Cutoffs) -> Vec<u8> {
    let rows = sc.seniors.iter().enumerate().flat_map(|(s, senior)| {
        sc.juniors.iter().enumerate().map(move |(j, junior)| {
            let (quota, admitted) = (out.quotas[s][j], out.quota_admitted[s][j]);
            let k = cut.quota_by_junior[s][j];
            QuotaRow {
                senior_id: senior.id.as_str().into(),
                junior_id: junior.id.as_str().into(),
                graduates: junior.graduates,
                quota,
                admitted,
                returned: quota - admitted,
                cutoff_priority: key_priority(k),
                cutoff_score: key_score(k),
            }
        })
    });
    write_records(QuotaRow::HEADER, rows)
}

/// `seniors.csv`: per senior school, places in each stage and cut-offs.
fn seniors_csv(sc: &SeniorScenario, out: &SeniorOutcome, cut: &Cutoffs) -> Vec<u8> {
    let rows = sc.seniors.iter().enumerate().map(|(s, senior)| {
        let qp = senior.quota_places();
        let (qa, qk) = cut.quota[s];
        let (oa, ok) = cut.open[s];
        let (ba, bk) = cut.open_only[s];
        SeniorRow {
            senior_id: senior.id.as_str().into(),
            name: senior.name.as_str().into(),
            places: senior.places,
            quota_share: share(senior.quota_share.as_f64()),
            quota_places: qp,
            quota_admitted: qa,
            quota_returned: qp - qa,
            open_places: out.open_places[s],
            open_admitted: oa,
            vacancies: out.open_places[s] - oa,
            quota_cutoff_priority: key_priority(qk),
            quota_cutoff_score: key_score(qk),
            open_cutoff_priority: key_priority(ok),
            open_cutoff_score: key_score(ok),
            open_only_admitted: ba,
            open_only_cutoff_priority: key_priority(bk),
            open_only_cutoff_score: key_score(bk),
        }
    });
    write_records(SeniorRow::HEADER, rows)
}

/// A junior school's row of the fairness table, with its name and change
/// for `fairness.csv`, without them for `summary.json`.
fn fairness_row<'a>(sc: &'a SeniorScenario, r: &Fairness, full: bool) -> FairnessRow<'a> {
    let j = &sc.juniors[r.junior];
    FairnessRow {
        junior_id: j.id.as_str().into(),
        name: full.then(|| j.name.as_str().into()),
        graduates: r.graduates,
        admitted_before: r.before,
        share_before: share(r.share_before()),
        admitted_after: r.after,
        share_after: share(r.share_after()),
        change: full.then(|| format!("{:+.4}", r.share_after() - r.share_before())),
    }
}

/// `fairness.csv`: per junior school, the share of graduates admitted to a
/// quality senior high before (open-only) and after quota allocation.
fn fairness_csv(sc: &SeniorScenario, rows: &[Fairness]) -> Vec<u8> {
    write_records(FairnessRow::HEADER, rows.iter().map(|r| fairness_row(sc, r, true)))
}

fn count(out: &SeniorOutcome, stage: SeniorStage) -> usize {
    out.placements.iter().filter(|p| p.stage == stage).count()
}

fn summary_json(sc: &SeniorScenario, out: &SeniorOutcome, cut: &Cutoffs, rows: &[Fairness]) -> Vec<u8> {
    let seniors = sc
        .seniors
        .iter()
        .enumerate()
        .map(|(s, senior)| SeniorSchoolSummary {
            id: senior.id.as_str().into(),
            places: senior.places,
            quota_places: senior.quota_places(),
            quota_admitted: cut.quota[s].0,
            quota_returned: senior.quota_places() - cut.quota[s].0,
            open_places: out.open_places[s],
            open_admitted: cut.open[s].0,
            quota_cutoff: cutoff_text(cut.quota[s].1),
            open_cutoff: cutoff_text(cut.open[s].1),
            open_only_cutoff: cutoff_text(cut.open_only[s].1),
        })
        .collect();
    let with_graduates = || rows.iter().filter(|r| r.graduates > 0);
    let summary = SeniorSummary {
        seed: sc.policy.seed.clone(),
        seed_commitment: crate::lottery::seed_commitment(&sc.policy.seed),
        apportionment: sc.policy.apportionment.as_str().to_string(),
        quota_share: share(sc.policy.quota_share.as_f64()),
        min_score: sc.policy.min_score.map(|s| s.to_string()),
        candidates: sc.candidates.len(),
        stages: SeniorStages {
            quota: count(out, SeniorStage::Quota),
            open: count(out, SeniorStage::Open),
            unplaced: count(out, SeniorStage::Unplaced),
        },
        open_only_admitted: out.open_only.iter().filter(|s| s.is_some()).count(),
        seniors,
        fairness: rows.iter().map(|r| fairness_row(sc, r, false)).collect(),
        fairness_spread: Spreads {
            before: spread(with_graduates().map(Fairness::share_before)),
            after: spread(with_graduates().map(Fairness::share_after)),
        },
    };
    crate::output::pretty_json(&summary)
}

/// Lowest and highest share across junior schools, and the gap; `None`
/// without any.
fn spread(shares: impl Iterator<Item = f64>) -> Option<ShareSpread> {
    let (lo, hi) = shares.fold(None, |acc: Option<(f64, f64)>, x| {
        Some(acc.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))))
    })?;
    Some(ShareSpread {
        min: share(lo),
        max: share(hi),
        gap: share(hi - lo),
    })
}

/// The senior schools' rows of the report: admissions and cut-offs.
fn senior_rows(sc: &SeniorScenario, cut: &Cutoffs) -> Vec<SeniorPageRow> {
    (0..sc.seniors.len())
        .map(|s| SeniorPageRow {
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
    let mut manifest = Manifest::new(Some("senior"), &sc.policy.seed, &sc.inputs, &files);
    // The published commitment, when the policy gives one (a manifest
    // without it keeps the bytes it always had).
    if let Some(published) = &sc.policy.seed_commitment {
        manifest.round = Some(crate::output::RoundProvenance {
            published_seed_commitment: Some(published.clone()),
            read_as: None,
            written_as: None,
        });
    }
    let bytes = crate::output::pretty_json(&manifest);
    files.push(OutputFile {
        name: "manifest.json",
        bytes,
    });
    files
}
