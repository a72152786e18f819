//! `catchment check`: every problem in a scenario, errors first.

use serde::Serialize;
use serde_json::Value;

use catchment::error::Error;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::CheckArgs;
use super::ui::{self, Ui};

/// What `check` reports under `--json`.
#[derive(Serialize)]
struct Summary {
    schools: usize,
    applicants: usize,
    zones: usize,
    errors: usize,
    warnings: usize,
    diagnostics: Value,
}

/// Loads the scenario, adds the round's preparation warnings and lists
/// them all; an invalid scenario is the load error (exit 1).
pub fn run(args: &CheckArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, &super::with_repair(options, args.repair), ui)?;
    ui.step("locating homes in zones, checking groups");
    let mut diags = scenario.warnings.clone();
    diags.extend(round::prepare_warnings(&scenario));
    ui.diagnostics(&diags);
    let s = Summary {
        schools: scenario.schools.len(),
        applicants: scenario.applicants.len(),
        zones: scenario.zones.len(),
        errors: diags.error_count(),
        warnings: diags.warning_count(),
        diagnostics: ui::diagnostics_json(&diags),
    };
    let line = format!(
        "ok: {} schools, {} applicants, {} zones; {} warning(s)",
        s.schools, s.applicants, s.zones, s.warnings
    );
    ui.summary("check", &line, &s)
}
