//! The binary's modules: [`args`] defines the command line, [`ui`] how
//! results, diagnostics and progress are printed, and each command is a
//! file with one `run(args, ..)` that calls the library and prints (the
//! shape of xsv's `src/cmd/` or cargo's `commands/`). Nothing here computes
//! anything a test would want to call: that lives in the library.

pub mod args;
pub mod ui;

mod balance;
mod bench;
mod check;
mod compare;
mod completions;
mod explain;
mod forecast;
mod generate;
mod odds;
mod plan_classes;
mod publish;
mod run;
mod seed;
mod senior;
mod sites;
mod verify;

use std::path::Path;
use std::time::Instant;

use catchment::error::Error;
use catchment::output::{self, OutputFile};
use catchment::scenario::{self, LoadOptions, Scenario};

use args::{Command, SeedCommand};
use ui::Ui;

/// Runs one parsed command; the error, if any, is reported by the caller.
pub fn dispatch(command: Command, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    match command {
        Command::Run(args) => run::run(&args, options, ui),
        Command::Compare(args) => compare::run(&args, options, ui),
        Command::Check(args) => check::run(&args, options, ui),
        Command::Explain(args) => explain::run(&args, ui),
        Command::Odds(args) => odds::run(&args, options, ui),
        Command::Bench(args) => bench::run(&args, ui),
        Command::PlanClasses(args) => plan_classes::run(&args, options, ui),
        Command::Forecast(args) => forecast::run(&args, options, ui),
        Command::Balance(args) => balance::run(&args, ui),
        Command::Senior(args) => senior::run(&args, ui),
        Command::Sites(args) => sites::run(&args, options, ui),
        Command::Seed(SeedCommand::Commit { seed }) => seed::commit(&seed, ui),
        Command::Generate(args) => generate::run(&args, ui),
        Command::Verify(args) => verify::run(&args, options, ui),
        Command::Publish(args) => publish::run(&args, ui),
        Command::Completions(args) => completions::completions(args.shell),
        Command::Man => completions::man(),
    }
}

/// The global load options with `--repair` as the command gave it.
fn with_repair(options: &LoadOptions, repair: bool) -> LoadOptions {
    LoadOptions {
        repair,
        ..options.clone()
    }
}

/// Loads a scenario, naming the phase on the spinner and, under
/// `--verbose`, what was loaded.
fn load(dir: &Path, options: &LoadOptions, ui: &Ui) -> Result<Scenario, Error> {
    ui.step("loading the scenario");
    let started = Instant::now();
    let scenario = scenario::load(dir, options)?;
    ui.detail(&ui::loaded(&scenario, started.elapsed()));
    Ok(scenario)
}

/// Writes `files` into `out` atomically and lists them under `--verbose`.
fn write(out: &Path, files: &[OutputFile], ui: &Ui) -> Result<(), Error> {
    output::write_atomically(out, files)?;
    ui.detail(&ui::written(out, files));
    Ok(())
}

/// Prints `wrote OUT` after a table, for people only (not under `--json`
/// or `--quiet`), when the command wrote a folder.
fn wrote_after_table(out: Option<&Path>, ui: &Ui) -> Result<(), Error> {
    match out {
        Some(out) if !ui.json && !ui.quiet => ui::print_out(&format!("wrote {}\n", out.display())),
        _ => Ok(()),
    }
}
