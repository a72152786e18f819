//! `catchment odds`: many lotteries, with a progress bar on a terminal.

use std::time::Instant;

use serde::Serialize;

use catchment::error::Error;
use catchment::odds;
use catchment::scenario::LoadOptions;

use super::args::OddsArgs;
use super::ui::Ui;

/// What `odds` reports under `--json`: the run and the summary.
#[derive(Serialize)]
struct Report {
    out: Option<String>,
    trials: u32,
    seed: String,
    seconds: f64,
    threads: usize,
    summary: odds::Summary,
}

/// Simulates `args.trials` rounds; writes the odds files when `--out` is
/// given, else prints the summary.
pub fn run(args: &OddsArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, options, ui)?;
    ui.clear();
    let trials = args.trials;
    let base = args.seed.clone().unwrap_or_else(|| scenario.policy.seed.clone());
    let bar = ui.bar(
        u64::from(trials),
        "{spinner} trials {pos}/{len} [{bar:30}] {elapsed} elapsed, {eta} left",
    );
    let started = Instant::now();
    let odds = odds::simulate(&scenario, &base, trials, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    let files = odds.render(&scenario);
    ui.note(&format!(
        "{trials} trials in {seconds:.2} s ({:.0} trials/s, {threads} thread(s))",
        f64::from(trials) / seconds.max(1e-9),
    ));
    let report = Report {
        out: args.out.as_ref().map(|out| out.display().to_string()),
        trials,
        seed: base,
        seconds,
        threads,
        summary: odds.summary(&scenario),
    };
    match &args.out {
        Some(out) => {
            super::write(out, &files, ui)?;
            ui.summary("odds", &format!("wrote {}", out.display()), &report)
        }
        None => ui.result("odds", &String::from_utf8_lossy(&report.summary.to_json()), &report),
    }
}
