//! `catchment run`: load, run the round, write the run folder.

use serde::Serialize;

use catchment::bench::Phases;
use catchment::error::Error;
use catchment::output;
use catchment::scenario::LoadOptions;

use super::args::RunArgs;
use super::ui::{self, Ui};

/// What `run` reports: the line for people, the fields under `--json`.
#[derive(Serialize)]
struct Summary {
    out: String,
    schools: usize,
    applicants: usize,
    placed: usize,
    unplaced: usize,
    warnings: usize,
}

/// Runs the round of `args.scenario` and writes its run folder.
pub fn run(args: &RunArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load_lenient(&args.scenario, options, ui)?;
    ui.step("running the round: zone lookup, lottery, matching, classes");
    let mut phases = Phases::default();
    let extras = output::WrittenAs {
        csv_bom: args.csv_bom,
        xlsx: args.xlsx,
        lines: args.lines,
    };
    let mut warnings = scenario.warnings.clone();
    let run = output::run_into_folder(&args.out, &scenario, extras, &mut phases, |outcome, phases| {
        ui.detail(&ui::phase_lines("round", phases));
        warnings.extend(outcome.warnings.clone());
        ui.strict_gate(&warnings)?;
        ui.step("rendering and writing the run folder");
        Ok(())
    })?;
    super::note_removed_temporaries(&run.stale, ui);
    if let Some(written) = phases.0.last() {
        ui.detail(&format!("rendered and written in {:.3} s", written.time.as_secs_f64()));
    }
    ui.detail(&ui::written_files(&args.out, &run.files));
    ui.warnings_digest(&warnings, &args.scenario);
    let applicants = run.outcome.placements.len();
    let unplaced = run.outcome.placements.iter().filter(|p| p.school.is_none()).count();
    let s = Summary {
        out: args.out.display().to_string(),
        schools: scenario.schools.len(),
        applicants,
        placed: applicants - unplaced,
        unplaced,
        warnings: scenario.warnings.warning_count() + run.outcome.warnings.warning_count(),
    };
    let line = format!(
        "wrote {}: {} applicants, {} placed, {} unplaced; {} warning(s){}",
        s.out,
        s.applicants,
        s.placed,
        s.unplaced,
        s.warnings,
        if s.warnings > 0 { " (see `catchment check`)" } else { "" }
    );
    ui.summary("run", &line, &s)
}
