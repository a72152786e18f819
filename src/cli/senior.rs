//! `catchment senior`: the senior-high quota round (指标到校).

use serde_json::json;

use catchment::error::Error;
use catchment::senior::{self, round::SeniorStage};

use super::args::SeniorArgs;
use super::ui::Ui;

/// Loads the senior folder, runs the quota and open stages, and writes
/// the run folder.
pub fn run(args: &SeniorArgs, ui: &Ui) -> Result<(), Error> {
    let out = &args.out;
    ui.step("loading the senior scenario");
    let sc = senior::load(&args.scenario)?;
    ui.step("running the quota and open stages");
    let outcome = senior::round::run(&sc);
    ui.step("writing the run folder");
    let files = senior::output::render(&sc, &outcome);
    super::write(out, &files, ui)?;
    let count = |stage| outcome.placements.iter().filter(|p| p.stage == stage).count();
    let (quota, open, unplaced) = (
        count(SeniorStage::Quota),
        count(SeniorStage::Open),
        count(SeniorStage::Unplaced),
    );
    let warnings = sc.warnings.warning_count();
    ui.diagnostics(&sc.warnings);
    ui.summary(
        "senior",
        &format!(
            "wrote {}: {} candidates, {quota} quota, {open} open, {unplaced} unplaced; {warnings} warning(s)",
            out.display(),
            sc.candidates.len(),
        ),
        json!({
            "out": super::path_json(out),
            "candidates": sc.candidates.len(),
            "quota": quota,
            "open": open,
            "unplaced": unplaced,
            "warnings": warnings,
        }),
    )
}
