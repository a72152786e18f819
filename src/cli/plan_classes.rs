//! `catchment plan-classes`: the class planning model per level.

use std::time::Instant;

use serde::Serialize;

use catchment::classes::plan;
use catchment::error::Error;
use catchment::output::OutputFile;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::PlanClassesArgs;
use super::ui::Ui;

/// What `plan-classes` reports under `--json`.
#[derive(Serialize)]
struct Report<'a> {
    out: Option<String>,
    seconds: f64,
    levels: Vec<plan::LevelReport<'a>>,
}

/// Runs the round, solves the plan, prints its table (or JSON) and writes
/// `plan.csv` when `--out` is given.
pub fn run(args: &PlanClassesArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, options, ui)?;
    ui.step("running the round");
    let outcome = round::run(&scenario);
    ui.step("solving the class planning model");
    let started = Instant::now();
    let plans = plan::plan(&scenario, &outcome, scenario.policy.class_cost_m)?;
    let seconds = started.elapsed().as_secs_f64();
    ui.note(&format!("solved in {seconds:.2} s"));
    let levels = plan::report(&scenario, &plans);
    let out = args.out.as_deref();
    if let Some(out) = out {
        let file = OutputFile {
            name: "plan.csv",
            bytes: plan::plan_csv(&levels),
        };
        super::write(out, std::slice::from_ref(&file), ui)?;
    }
    let table = plan::plan_table(&levels);
    let report = Report {
        out: out.map(|out| out.display().to_string()),
        seconds,
        levels,
    };
    ui.result("plan-classes", &table, &report)?;
    super::wrote_after_table(out, ui)
}
