//! `catchment verify` on a run folder of the senior quota round (spec §9):
//! the manifest says `"command": "senior"`, and the scenario is the senior
//! folder (`candidates.csv`, `junior_schools.csv`, `senior_schools.csv`,
//! `policy.toml`).
//!
//! As for a round of `run`: the inputs' hashes against the manifest, the
//! round re-run and every output compared (rows that differ named by
//! candidate or school ids, then the hashes), then `assignments.csv` on
//! disk checked against spec §9 on its own: one row per candidate with its
//! junior school, score and priority; a placed candidate at a school it
//! chose, with that choice's number; every ticket recomputed from the seed
//! (`quota:<senior>` or `open:<senior>`, for the unplaced its `open:`
//! ticket at its first choice); no senior school over its places, no junior
//! school over its quota, and quota places only to candidates who meet the
//! school's minimum score.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Error;
use crate::lottery::ticket;
use crate::output::records::{self, Manifest, SeniorAssignmentRow};
use crate::senior::round::{open_label, quota_label, SeniorOutcome, SeniorStage};
use crate::senior::{self, SeniorScenario};

use super::{compare_outputs, finish, Verified};

const FILE: &str = "assignments.csv";

/// Verifies the senior run folder `run` against the senior folder
/// `scenario_dir`.
pub(super) fn verify(scenario_dir: &Path, run: &Path, manifest: &Manifest) -> Result<Verified, Error> {
    if !scenario_dir.join("senior_schools.csv").is_file() {
        let nested = scenario_dir.join("senior");
        let folder = if nested.join("senior_schools.csv").is_file() {
            nested.display().to_string()
        } else {
            "SENIOR_FOLDER".to_string()
        };
        return Err(Error::Usage(format!(
            "{} is a run folder of the senior round (its manifest.json says \"command\": \"senior\"), \
             and {} holds no senior_schools.csv; verify it against the senior folder it was made from: \
             catchment verify {folder} {}",
            run.display(),
            scenario_dir.display(),
            run.display()
        )));
    }
    let sc = senior::load(scenario_dir)?;
    let mut problems = Vec::new();
    for input in &sc.inputs {
        if manifest.inputs.get(&input.name) != Some(&input.sha256) {
            problems.push(format!(
                "{}: the senior folder's input differs from the one this run was made from",
                input.name
            ));
        }
    }
    let outcome = senior::round::run(&sc);
    let files = senior::output::render(&sc, &outcome);
    compare_outputs(run, manifest, &files, &mut problems);
    match records::read_csv::<SeniorAssignmentRow>(run, FILE) {
        Ok(rows) => problems.extend(check_rows(&sc, &outcome, &rows)),
        Err(e) => problems.push(e.to_string()),
    }
    finish(problems, files.len(), Vec::new())
}

/// The rules of spec §9 that the rows of `assignments.csv` show; each
/// problem names its line and candidate. `outcome` gives only the quotas
/// (the apportionment, tested on its own against spec §9.2).
fn check_rows(sc: &SeniorScenario, outcome: &SeniorOutcome, rows: &[SeniorAssignmentRow]) -> Vec<String> {
    let mut problems = Vec::new();
    let candidates: HashMap<&str, usize> = sc
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let seniors: HashMap<&str, usize> = sc.seniors.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let mut seen = vec![false; sc.candidates.len()];
    let mut admitted = vec![0u32; sc.seniors.len()];
    let mut quota_admitted = vec![vec![0u32; sc.juniors.len()]; sc.seniors.len()];
    let seed = &sc.policy.seed;
    for (i, r) in rows.iter().enumerate() {
        let line = i + 2;
        let id = r.candidate_id.as_ref();
        let Some(&c) = candidates.get(id) else {
            problems.push(format!("{FILE}:{line}: candidate {id} is not in candidates.csv"));
            continue;
        };
        if std::mem::replace(&mut seen[c], true) {
            problems.push(format!("{FILE}:{line}: candidate {id} has a second row"));
            continue;
        }
        let cand = &sc.candidates[c];
        let at = format!("{FILE}:{line}: candidate {id}");
        let junior = &sc.juniors[cand.junior.index()];
        for (column, found, want) in [
            ("junior_school", r.junior_school.to_string(), junior.id.clone()),
            ("score", r.score.to_string(), cand.score.to_string()),
            ("priority", r.priority.to_string(), cand.priority.to_string()),
        ] {
            if found != want {
                problems.push(format!("{at}: {column} is {found}, candidates.csv has {want}"));
            }
        }
        let school = match r.senior_school.as_deref() {
            None => None,
            Some(s) => match seniors.get(s) {
                Some(&s) => Some(s),
                None => {
                    problems.push(format!("{at}: senior_school {s} is not in senior_schools.csv"));
                    continue;
                }
            },
        };
        let position = school.and_then(|s| cand.choices.iter().position(|x| x.index() == s));
        let expected_ticket = match (r.stage, school) {
            (SeniorStage::Unplaced, None) => cand
                .choices
                .first()
                .map(|&s| (open_label(&sc.seniors[s.index()].id), "its first choice")),
            (SeniorStage::Quota, Some(s)) => Some((quota_label(&sc.seniors[s].id), "the admitting school")),
            (SeniorStage::Open, Some(s)) => Some((open_label(&sc.seniors[s].id), "the admitting school")),
            (stage, school) => {
                let shown = school.map_or("(empty)", |s| sc.seniors[s].id.as_str());
                problems.push(format!("{at}: stage {} with senior_school {shown}", stage.as_str()));
                continue;
            }
        };
        if let Some(s) = school {
            let name = &sc.seniors[s].id;
            match position {
                None => problems.push(format!(
                    "{at}, senior school {name}: placed at a school it did not choose"
                )),
                Some(p) if r.choice != Some(p as u32 + 1) => problems.push(format!(
                    "{at}, senior school {name}: choice is {}, its choices list the school {}",
                    r.choice.map_or("(empty)".to_string(), |c| c.to_string()),
                    p + 1
                )),
                Some(_) => {}
            }
            admitted[s] += 1;
            if r.stage == SeniorStage::Quota {
                quota_admitted[s][cand.junior.index()] += 1;
                if let Some(min) = sc.min_score(crate::senior::SeniorIdx(s as u32)) {
                    if cand.score < min {
                        problems.push(format!(
                            "{at}, senior school {name}: a quota place with score {}, below the minimum {min}",
                            cand.score
                        ));
                    }
                }
            }
        } else if r.choice.is_some() {
            problems.push(format!("{at}: unplaced but has a choice"));
        }
        let want = expected_ticket.as_ref().map(|(label, _)| ticket(seed, label, id));
        if r.ticket != want {
            let show = |t: Option<crate::lottery::Ticket>| t.map_or("(empty)".to_string(), |t| t.to_hex());
            let how = expected_ticket.map_or("none: it chose no school".to_string(), |(label, whose)| {
                format!("SHA-256(seed, {label:?}, {id:?}) at {whose}")
            });
            problems.push(format!(
                "{at}: ticket is {}, expected {} ({how})",
                show(r.ticket),
                show(want)
            ));
        }
    }
    for (c, _) in seen.iter().enumerate().filter(|(_, s)| !**s) {
        problems.push(format!("{FILE}: candidate {} has no row", sc.candidates[c].id));
    }
    for (s, senior) in sc.seniors.iter().enumerate() {
        if admitted[s] > senior.places {
            problems.push(format!(
                "{FILE}: senior school {}: {} admitted over its {} places",
                senior.id, admitted[s], senior.places
            ));
        }
        for (j, junior) in sc.juniors.iter().enumerate() {
            let (n, quota) = (quota_admitted[s][j], outcome.quotas[s][j]);
            if n > quota {
                problems.push(format!(
                    "{FILE}: senior school {}, junior school {}: {n} admitted on quota over its quota {quota}",
                    senior.id, junior.id
                ));
            }
        }
    }
    problems
}
