//! `catchment check`: every problem in a scenario, errors first.

use serde_json::json;

use catchment::error::Error;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::CheckArgs;
use super::ui::{self, Ui};

/// Loads the scenario, adds the round's preparation warnings and lists
/// them all; an invalid scenario is the load error (exit 1).
pub fn run(args: &CheckArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, &super::with_repair(options, args.repair), ui)?;
    ui.step("locating homes in zones, checking groups");
    let mut diags = scenario.warnings.clone();
    diags.extend(round::prepare_warnings(&scenario));
    ui.diagnostics(&diags);
    ui.summary(
        "check",
        &format!(
            "ok: {} schools, {} applicants, {} zones; {} warning(s)",
            scenario.schools.len(),
            scenario.applicants.len(),
            scenario.zones.len(),
            diags.warning_count()
        ),
        json!({
            "schools": scenario.schools.len(),
            "applicants": scenario.applicants.len(),
            "zones": scenario.zones.len(),
            "errors": diags.error_count(),
            "warnings": diags.warning_count(),
            "diagnostics": ui::diagnostics_json(&diags),
        }),
    )
}
