//! Fuzz target: one input is a whole scenario folder.
//!
//! The input is split at NUL bytes into up to five files, in this order:
//! `schools.csv`, `applicants.csv`, `zones.geojson`, `policy.toml`,
//! `distances.csv` (a part left out is a file left out). They are written to
//! a temporary folder and loaded with and without `repair`. The target
//! fails (panics) when the library panics, when an input error names no
//! file of the scenario, or when a loaded scenario's round does not give
//! every applicant an outcome or breaks an invariant.
#![no_main]

use catchment::error::{Diagnostic, Error};
use catchment::scenario::{self, LoadOptions};
use catchment::{invariants, output, round};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 5] = [
    "schools.csv",
    "applicants.csv",
    "zones.geojson",
    "policy.toml",
    "distances.csv",
];

fn named(diags: &[Diagnostic], matrix: Option<&str>) {
    for d in diags {
        assert!(
            FILES.contains(&d.file.as_str()) || Some(d.file.as_str()) == matrix,
            "diagnostic names no file of the scenario: {d}"
        );
    }
}

/// The matrix file the policy names, which may be any plain file name.
fn matrix_name(policy: &[u8]) -> Option<String> {
    let table: toml::Table = std::str::from_utf8(policy).ok()?.parse().ok()?;
    Some(table.get("distance")?.get("matrix")?.as_str()?.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let mut policy: &[u8] = &[];
    for (name, bytes) in FILES.iter().zip(data.split(|&b| b == 0)) {
        if *name == "policy.toml" {
            policy = bytes;
        }
        if std::fs::write(dir.path().join(name), bytes).is_err() {
            return;
        }
    }
    let matrix = matrix_name(policy);
    for repair in [false, true] {
        let options = LoadOptions {
            repair,
            ..LoadOptions::default()
        };
        match scenario::load(dir.path(), &options) {
            Err(Error::Input(diags)) => {
                assert!(diags.has_errors(), "Err(Input) without an error");
                named(&diags.sorted(), matrix.as_deref());
            }
            Err(e) => panic!("unexpected error: {e}"),
            Ok(s) => {
                named(&s.warnings.sorted(), matrix.as_deref());
                let outcome = round::run(&s);
                assert_eq!(outcome.placements.len(), s.applicants.len());
                let broken = invariants::check(&s, &outcome);
                assert!(broken.is_empty(), "invariants broken: {broken:?}");
                let _ = output::render(&s, &outcome);
            }
        }
    }
});
