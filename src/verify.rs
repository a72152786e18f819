//! `catchment verify`: is this run folder what the scenario gives?
//!
//! Re-runs the round, compares the SHA-256 of every output — on disk, in
//! `manifest.json`, and re-computed — and re-checks the invariants of spec
//! §4 ([`crate::invariants`]) on the `assignments.csv` found on disk, so a
//! tampered file is caught even when its manifest entry was updated too.
//! Then [`crate::audit`] checks the files on disk against the scenario with
//! its own reading of spec §4 (seats, classes, tickets, zones, stability,
//! the fallback, optimality), so `verify` does not trust the round it
//! verifies; each difference names the applicant and school ids.
//!
//! Every difference names ids, never an internal index: a row of a CSV
//! output that differs from the re-run is named by its applicant (or
//! school) id, its line and the columns that differ ([`rows`]). At most
//! [`MAX_REPORTED`] differences are listed, then how many more there are.
//!
//! A run folder of the senior round (its manifest says `"command":
//! "senior"`) is verified against its senior folder ([`senior`]).

mod rows;
mod senior;

use std::collections::HashMap;
use std::path::Path;

use crate::error::Error;
use crate::lottery::sha256_hex;
use crate::output::records::{self, AssignmentRow, Manifest};
use crate::output::{render_with, OutputFile};
use crate::round::{self, Outcome, Placement};
use crate::scenario::{self, LoadOptions, Scenario, SchoolIdx};

/// At most this many differences are reported; then their count.
pub const MAX_REPORTED: usize = 20;

/// A run folder that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Output files checked against the manifest.
    pub files: usize,
    /// Checks the independent checker could not make (said, never skipped
    /// silently), e.g. the optimality certificate of a very large stage.
    pub not_checked: Vec<String>,
}

/// Verifies `run` against `scenario_dir`; `Ok` with what was checked,
/// [`Error::Verify`] listing the first differences, or
/// [`Error::RunFile`] when `manifest.json` is missing or malformed.
pub fn verify(scenario_dir: &Path, run: &Path, options: &LoadOptions) -> Result<Verified, Error> {
    // The manifest first: it says which round wrote the folder.
    let manifest: Manifest = records::read_json(run, "manifest.json")?;
    if manifest.command.as_deref() == Some("senior") {
        return senior::verify(scenario_dir, run, &manifest);
    }
    let scenario = scenario::load(scenario_dir, options)?;
    let mut problems = Vec::new();
    let now = crate::output::read_as(&scenario);
    // Manifests written before `read_as` existed have none to compare.
    if let Some(then) = manifest.round.as_ref().and_then(|r| r.read_as.as_ref()) {
        for (key, then, now) in [
            ("crs", &then.crs, &now.crs),
            ("encoding", &then.encoding, &now.encoding),
        ] {
            if then != now {
                problems.push(format!(
                    "this run was made with --{key} {then}, and the scenario is now read as {now}; \
                     give verify the same --{key} as run",
                ));
            }
        }
    }
    for input in &scenario.inputs {
        if manifest.inputs.get(&input.name) != Some(&input.sha256) {
            problems.push(format!(
                "{}: the scenario's input differs from the one this run was made from",
                input.name
            ));
        }
    }
    let outcome = round::run(&scenario);
    let extras = manifest.round.as_ref().and_then(|r| r.written_as).unwrap_or_default();
    let files = render_with(&scenario, &outcome, extras);
    compare_outputs(run, &manifest, &files, &mut problems);
    let assignments = run.join("assignments.csv");
    let mut not_checked = Vec::new();
    if let Ok(bytes) = std::fs::read(&assignments) {
        match read_assignments(&scenario, &outcome, &bytes) {
            Ok(on_disk) => {
                for p in crate::invariants::check(&scenario, &on_disk) {
                    problems.push(format!("assignments.csv: {p}"));
                }
            }
            Err(mut e) => problems.append(&mut e),
        }
        // The independent check, from the files alone: it shares no code
        // with the round it verifies beyond loading the scenario.
        match crate::audit::check_run_folder(&scenario, run) {
            Ok(audit) => {
                problems.extend(audit.findings.iter().map(|f| format!("spec §4 check: {f}")));
                not_checked = audit.not_checked;
            }
            Err(e) => problems.push(e),
        }
    }
    finish(problems, files.len(), not_checked)
}

/// `Ok` when nothing differs, else [`Error::Verify`] with the first
/// [`MAX_REPORTED`] differences and a last line counting the rest.
fn finish(mut problems: Vec<String>, files: usize, not_checked: Vec<String>) -> Result<Verified, Error> {
    if problems.is_empty() {
        return Ok(Verified { files, not_checked });
    }
    let total = problems.len();
    if total > MAX_REPORTED {
        problems.truncate(MAX_REPORTED);
        problems.push(format!(
            "… and {} more difference(s), {total} in all",
            total - MAX_REPORTED
        ));
    }
    Err(Error::Verify(problems))
}

/// Compares every output but the manifest, on disk, in `manifest.json`
/// and re-rendered: first the rows of each CSV file that differ from the
/// re-run, named by their ids, then the files whose hashes differ.
fn compare_outputs(run: &Path, manifest: &Manifest, files: &[OutputFile], problems: &mut Vec<String>) {
    let mut hashes = Vec::new();
    for f in files.iter().filter(|f| f.name != "manifest.json") {
        let recorded = manifest.outputs.get(f.name).map_or("", String::as_str);
        let fresh = sha256_hex(&f.bytes);
        match std::fs::read(run.join(f.name)) {
            Err(e) => hashes.push(format!("{}: cannot be read: {e}", f.name)),
            Ok(disk) => {
                let on_disk = sha256_hex(&disk);
                if on_disk != fresh && f.name.ends_with(".csv") {
                    problems.extend(rows::differences(f.name, &disk, &f.bytes));
                }
                if on_disk != recorded {
                    hashes.push(format!(
                        "{}: file on disk (sha256 {on_disk}) differs from manifest.json ({recorded})",
                        f.name
                    ));
                }
                if fresh != recorded {
                    hashes.push(format!(
                        "{}: re-running the round gives sha256 {fresh}, manifest.json records {recorded}",
                        f.name
                    ));
                }
            }
        }
    }
    problems.append(&mut hashes);
}

/// Reads an `assignments.csv` back into an outcome (units and zones from
/// `fresh`, placements from the file): every row must parse as an
/// [`AssignmentRow`] and name an applicant and a school of the scenario,
/// and every applicant must have one row.
pub fn read_assignments(scenario: &Scenario, fresh: &Outcome, bytes: &[u8]) -> Result<Outcome, Vec<String>> {
    const FILE: &str = "assignments.csv";
    let rows: Vec<AssignmentRow> = records::parse_csv(bytes).map_err(|problems| {
        problems
            .into_iter()
            .map(|(line, message)| {
                let at = line.map_or(String::new(), |l| format!(":{l}"));
                format!("{FILE}{at}: {message}")
            })
            .collect::<Vec<_>>()
    })?;
    let schools: HashMap<&str, SchoolIdx> = scenario
        .schools
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), SchoolIdx(i as u32)))
        .collect();
    let mut problems = Vec::new();
    let mut placements: Vec<Option<Placement>> = vec![None; scenario.applicants.len()];
    for (row, r) in rows.into_iter().enumerate() {
        let line = row + 2;
        let Some(a) = scenario.applicant_index(&r.applicant_id) else {
            problems.push(format!(
                "{FILE}:{line}: applicant {} is not in the scenario",
                r.applicant_id
            ));
            continue;
        };
        let school = match r.school_id.as_deref() {
            None => None,
            Some(id) => match schools.get(id) {
                Some(&s) => Some(s),
                None => {
                    problems.push(format!(
                        "{FILE}:{line}: applicant {}: school {id} is not in the scenario",
                        r.applicant_id
                    ));
                    continue;
                }
            },
        };
        let placement = Placement {
            school,
            stage: r.stage,
            ticket: r.ticket,
            reason: r.reason,
            distance_m: r.distance_m,
            class_no: r.class_no,
        };
        if placements[a.index()].replace(placement).is_some() {
            problems.push(format!("{FILE}:{line}: applicant {} has a second row", r.applicant_id));
        }
    }
    for (a, _) in placements.iter().enumerate().filter(|(_, p)| p.is_none()) {
        let id = &scenario.applicant(crate::scenario::AppIdx(a as u32)).id;
        problems.push(format!("{FILE}: applicant {id} has no row"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Outcome {
        placements: placements.into_iter().flatten().collect(),
        ..fresh.clone()
    })
}
