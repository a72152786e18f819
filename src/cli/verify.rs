//! `catchment verify`: re-run a scenario and check a run folder against it.

use std::time::Instant;

use serde::Serialize;

use catchment::error::Error;
use catchment::scenario::LoadOptions;
use catchment::verify;

use super::args::VerifyArgs;
use super::ui::Ui;

/// What `verify` reports under `--json` (a failure is an error instead).
#[derive(Serialize)]
struct Summary {
    scenario: String,
    run: String,
    files: usize,
    invariants_hold: bool,
    /// Checks the independent checker could not make (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_checked: Vec<String>,
}

/// Checks every output's SHA-256 against the manifest and the invariants
/// of the re-run round; a mismatch is the error (exit 1).
pub fn run(args: &VerifyArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let (scenario, run) = (&args.scenario, &args.run);
    ui.step("re-running the round and checking the run folder");
    let started = Instant::now();
    let verified = verify::verify(scenario, run, &super::with_repair(options, args.repair))?;
    for what in &verified.not_checked {
        ui.note(&format!("not checked: {what}"));
    }
    ui.detail(&format!(
        "verified {} against {} in {:.3} s",
        run.display(),
        scenario.display(),
        started.elapsed().as_secs_f64()
    ));
    let s = Summary {
        scenario: scenario.display().to_string(),
        run: run.display().to_string(),
        files: verified.files,
        invariants_hold: true,
        not_checked: verified.not_checked,
    };
    let line = format!(
        "ok: {} matches its manifest and the scenario ({} files); invariants hold",
        s.run, s.files
    );
    ui.summary("verify", &line, &s)
}
