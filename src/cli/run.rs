//! `catchment run`: load, run the round, write the run folder.

use std::time::Instant;

use serde_json::json;

use catchment::error::Error;
use catchment::output;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::RunArgs;
use super::ui::{self, Ui};

/// Runs the round of `args.scenario` and writes its run folder.
pub fn run(args: &RunArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let out = &args.out;
    let scenario = super::load(&args.scenario, &super::with_repair(options, args.repair), ui)?;
    ui.step("running the round: zone lookup, lottery, matching, classes");
    let outcome = round::run(&scenario);
    ui.detail(&ui::phase_lines("round", &outcome.phases));
    ui.step("rendering the run folder");
    let started = Instant::now();
    let files = output::render(&scenario, &outcome);
    ui.detail(&format!("rendered in {:.3} s", started.elapsed().as_secs_f64()));
    ui.step("writing the run folder");
    super::write(out, &files, ui)?;
    let warnings = scenario.warnings.warning_count() + outcome.warnings.warning_count();
    let applicants = outcome.placements.len();
    let unplaced = outcome.placements.iter().filter(|p| p.school.is_none()).count();
    ui.summary(
        "run",
        &format!(
            "wrote {}: {applicants} applicants, {} placed, {unplaced} unplaced; {warnings} warning(s){}",
            out.display(),
            applicants - unplaced,
            if warnings > 0 { " (see `catchment check`)" } else { "" }
        ),
        json!({
            "out": super::path_json(out),
            "schools": scenario.schools.len(),
            "applicants": applicants,
            "placed": applicants - unplaced,
            "unplaced": unplaced,
            "warnings": warnings,
        }),
    )
}
