//! `catchment verify`: is this run folder what the scenario gives?
//!
//! Re-runs the round, compares the SHA-256 of every output — on disk, in
//! `manifest.json`, and re-computed — and re-checks the invariants of spec
//! §4 ([`crate::invariants`]) on the `assignments.csv` found on disk, so a
//! tampered file is caught even when its manifest entry was updated too.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Error;
use crate::lottery::{sha256_hex, Ticket};
use crate::output::{render, ASSIGNMENTS_HEADER};
use crate::round::{self, Outcome, Placement, Stage};
use crate::scenario::{self, LoadOptions, Scenario};
use crate::stages::Reason;

/// At most this many differences are reported.
const MAX_REPORTED: usize = 20;

/// Verifies `run` against `scenario_dir`; `Ok` with the number of files
/// checked, or [`Error::Verify`] listing the first differences.
pub fn verify(scenario_dir: &Path, run: &Path, options: &LoadOptions) -> Result<usize, Error> {
    let scenario = scenario::load(scenario_dir, options)?;
    let manifest_path = run.join("manifest.json");
    let manifest_bytes = std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| Error::Verify(vec![format!("manifest.json: not valid JSON: {e}")]))?;
    let mut problems = Vec::new();
    let now = crate::output::read_as(&scenario);
    // Manifests written before `read_as` existed have none to compare.
    if let Some(then) = manifest.get("read_as").filter(|then| **then != now) {
        for key in ["crs", "encoding"] {
            if then[key] != now[key] {
                problems.push(format!(
                    "this run was made with --{key} {}, and the scenario is now read as {}; \
                     give verify the same --{key} as run",
                    then[key].as_str().unwrap_or("?"),
                    now[key].as_str().unwrap_or("?"),
                ));
            }
        }
    }
    for input in &scenario.inputs {
        let recorded = manifest["inputs"][&input.name].as_str();
        if recorded != Some(input.sha256.as_str()) {
            problems.push(format!(
                "{}: the scenario's input differs from the one this run was made from",
                input.name
            ));
        }
    }
    let outcome = round::run(&scenario);
    let files = render(&scenario, &outcome);
    for f in files.iter().filter(|f| f.name != "manifest.json") {
        let recorded = manifest["outputs"][f.name].as_str().unwrap_or("");
        let fresh = sha256_hex(&f.bytes);
        match std::fs::read(run.join(f.name)) {
            Err(e) => problems.push(format!("{}: cannot be read: {e}", f.name)),
            Ok(disk) => {
                let on_disk = sha256_hex(&disk);
                if on_disk != recorded {
                    problems.push(format!(
                        "{}: file on disk (sha256 {on_disk}) differs from manifest.json ({recorded})",
                        f.name
                    ));
                }
                if fresh != recorded {
                    problems.push(format!(
                        "{}: re-running the round gives sha256 {fresh}, manifest.json records {recorded}",
                        f.name
                    ));
                }
            }
        }
    }
    let assignments = run.join("assignments.csv");
    if let Ok(bytes) = std::fs::read(&assignments) {
        match read_assignments(&scenario, &outcome, &bytes) {
            Ok(on_disk) => {
                for p in crate::invariants::check(&scenario, &on_disk) {
                    problems.push(format!("assignments.csv: {p}"));
                }
            }
            Err(mut e) => problems.append(&mut e),
        }
    }
    if problems.is_empty() {
        Ok(files.len())
    } else {
        problems.truncate(MAX_REPORTED);
        Err(Error::Verify(problems))
    }
}

/// Reads an `assignments.csv` back into an outcome (units and zones from
/// `fresh`, placements from the file).
pub fn read_assignments(scenario: &Scenario, fresh: &Outcome, bytes: &[u8]) -> Result<Outcome, Vec<String>> {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| vec![format!("assignments.csv: {e}")])?
        .iter()
        .map(str::to_string)
        .collect();
    if header != ASSIGNMENTS_HEADER {
        return Err(vec![format!(
            "assignments.csv: header {header:?} is not {ASSIGNMENTS_HEADER:?}"
        )]);
    }
    let schools: HashMap<&str, u32> = scenario
        .schools
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i as u32))
        .collect();
    let mut placements: Vec<Option<Placement>> = vec![None; scenario.applicants.len()];
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let Ok(r) = record else {
            problems.push(format!("assignments.csv:{line}: cannot be read"));
            continue;
        };
        let Some(a) = scenario.applicant_index(&r[0]) else {
            problems.push(format!(
                "assignments.csv:{line}: applicant {:?} is not in the scenario",
                &r[0]
            ));
            continue;
        };
        let school = if r[2].is_empty() {
            None
        } else {
            schools.get(&r[2]).copied()
        };
        let stage = Stage::parse(&r[3]);
        let ticket = Ticket::from_hex(&r[7]);
        let reason = match &r[9] {
            "" => None,
            "no_capacity" => Some(Reason::NoCapacity),
            "no_seat_within_limit" => Some(Reason::NoSeatWithinLimit),
            "fallback_none" => Some(Reason::FallbackNone),
            _ => {
                problems.push(format!("assignments.csv:{line}: unknown reason {:?}", &r[9]));
                None
            }
        };
        let (Some(stage), Some(ticket)) = (stage, ticket) else {
            problems.push(format!("assignments.csv:{line}: bad stage or ticket"));
            continue;
        };
        if !r[2].is_empty() && school.is_none() {
            problems.push(format!(
                "assignments.csv:{line}: school {:?} is not in the scenario",
                &r[2]
            ));
            continue;
        }
        let placement = Placement {
            school,
            stage,
            ticket,
            reason,
            distance_m: r[5].parse().ok(),
            class_no: r[8].parse().ok(),
        };
        if placements[a as usize].replace(placement).is_some() {
            problems.push(format!(
                "assignments.csv:{line}: applicant {:?} has a second row",
                &r[0]
            ));
        }
    }
    let missing = placements.iter().filter(|p| p.is_none()).count();
    if missing > 0 {
        problems.push(format!("assignments.csv: {missing} applicant(s) have no row"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Outcome {
        placements: placements.into_iter().flatten().collect(),
        ..fresh.clone()
    })
}
