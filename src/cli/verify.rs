//! `catchment verify`: re-run a scenario and check a run folder against it.

use std::time::Instant;

use serde_json::json;

use catchment::error::Error;
use catchment::scenario::LoadOptions;
use catchment::verify;

use super::args::VerifyArgs;
use super::ui::Ui;

/// Checks every output's SHA-256 against the manifest and the invariants
/// of the re-run round; a mismatch is the error (exit 1).
pub fn run(args: &VerifyArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let (scenario, run) = (&args.scenario, &args.run);
    ui.step("re-running the round and checking the run folder");
    let started = Instant::now();
    let n = verify::verify(scenario, run, &super::with_repair(options, args.repair))?;
    ui.detail(&format!(
        "verified {} against {} in {:.3} s",
        run.display(),
        scenario.display(),
        started.elapsed().as_secs_f64()
    ));
    ui.summary(
        "verify",
        &format!(
            "ok: {} matches its manifest and the scenario ({n} files); invariants hold",
            run.display()
        ),
        json!({
            "scenario": super::path_json(scenario),
            "run": super::path_json(run),
            "files": n,
            "invariants_hold": true,
        }),
    )
}
