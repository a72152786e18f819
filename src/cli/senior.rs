//! `catchment senior`: the senior-high quota round (指标到校).

use serde::Serialize;

use catchment::error::Error;
use catchment::senior::{self, round::SeniorStage};

use super::args::SeniorArgs;
use super::ui::Ui;

/// What `senior` reports: the line for people, the fields under `--json`.
#[derive(Serialize)]
struct Summary {
    out: String,
    candidates: usize,
    quota: usize,
    open: usize,
    unplaced: usize,
    warnings: usize,
}

/// Loads the senior folder, runs the quota and open stages, and writes
/// the run folder.
pub fn run(args: &SeniorArgs, ui: &Ui) -> Result<(), Error> {
    ui.step("loading the senior scenario");
    let sc = senior::load(&args.scenario)?;
    ui.step("running the quota and open stages");
    let outcome = senior::round::run(&sc);
    ui.step("writing the run folder");
    let files = senior::output::render(&sc, &outcome);
    super::write(&args.out, &files, ui)?;
    let count = |stage| outcome.placements.iter().filter(|p| p.stage == stage).count();
    let s = Summary {
        out: args.out.display().to_string(),
        candidates: sc.candidates.len(),
        quota: count(SeniorStage::Quota),
        open: count(SeniorStage::Open),
        unplaced: count(SeniorStage::Unplaced),
        warnings: sc.warnings.warning_count(),
    };
    ui.diagnostics(&sc.warnings);
    let line = format!(
        "wrote {}: {} candidates, {} quota, {} open, {} unplaced; {} warning(s)",
        s.out, s.candidates, s.quota, s.open, s.unplaced, s.warnings
    );
    ui.summary("senior", &line, &s)
}
