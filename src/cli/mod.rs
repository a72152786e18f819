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
mod propose_zones;
mod publish;
mod run;
mod seed;
mod senior;
mod sites;
mod verify;

use std::path::{Path, PathBuf};
use std::time::Instant;

use catchment::error::Error;
use catchment::output::{self, OutputFile};
use catchment::scenario::{self, LoadOptions, Scenario};

use args::{Command, SeedCommand};
use ui::Ui;

/// Runs one parsed command; the error, if any, is reported by the caller.
pub fn dispatch(command: Command, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    check_folders(&command)?;
    match command {
        Command::Run(args) => run::run(&args, options, ui),
        Command::Compare(args) => compare::run(&args, options, ui),
        Command::ProposeZones(args) => propose_zones::run(&args, options, ui),
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

/// Checks that each folder a command was given is of the kind it needs
/// (a scenario folder, a run folder), so that a mix-up is one message.
fn check_folders(command: &Command) -> Result<(), Error> {
    use catchment::folder::{expect_run, expect_scenario, expect_scenario_and_run, expect_senior};
    let name = command.name();
    match command {
        Command::Run(a) => expect_scenario(&a.scenario, name),
        Command::Check(a) => expect_scenario(&a.scenario, name),
        Command::Odds(a) => expect_scenario(&a.scenario, name),
        Command::PlanClasses(a) => expect_scenario(&a.scenario, name),
        Command::Forecast(a) => expect_scenario(&a.scenario, name),
        Command::Sites(a) => expect_scenario(&a.scenario, name),
        Command::ProposeZones(a) => expect_scenario(&a.scenario, name),
        Command::Compare(a) => {
            expect_scenario(&a.scenario, name)?;
            a.other.as_deref().map_or(Ok(()), |o| expect_scenario(o, name))
        }
        Command::Bench(a) => a.scenario.as_deref().map_or(Ok(()), |s| expect_scenario(s, name)),
        Command::Explain(a) => expect_run(&a.run, name),
        Command::Balance(a) => expect_run(&a.run, name),
        Command::Publish(a) => expect_run(&a.run, name),
        Command::Senior(a) => expect_senior(&a.scenario, name),
        Command::Verify(a) => expect_scenario_and_run(&a.scenario, &a.run, name),
        Command::Seed(_) | Command::Generate(_) | Command::Completions(_) | Command::Man => Ok(()),
    }
}

/// Loads a scenario, naming the phase on the spinner and, under
/// `--verbose`, what was loaded; under `--strict` its warnings are errors.
fn load(dir: &Path, options: &LoadOptions, ui: &Ui) -> Result<Scenario, Error> {
    let scenario = load_lenient(dir, options, ui)?;
    ui.strict_gate(&scenario.warnings)?;
    Ok(scenario)
}

/// [`load`] without `--strict`, for commands that add the round's own
/// warnings before deciding (`run`, `check`).
fn load_lenient(dir: &Path, options: &LoadOptions, ui: &Ui) -> Result<Scenario, Error> {
    ui.step("loading the scenario");
    let started = Instant::now();
    let scenario = scenario::load(dir, options)?;
    ui.detail(&ui::loaded(&scenario, started.elapsed()));
    Ok(scenario)
}

/// Writes `files` into `out` atomically and lists them under `--verbose`.
/// Temporary folders that an interrupted write into the same place left
/// behind are removed first, and said so.
fn write(out: &Path, files: &[OutputFile], ui: &Ui) -> Result<(), Error> {
    remove_stale_temporaries(out, ui);
    output::write_atomically(out, files)?;
    ui.detail(&ui::written(out, files));
    Ok(())
}

/// Removes what an interrupted write into `out` left beside it (its
/// process gone) and says so.
fn remove_stale_temporaries(out: &Path, ui: &Ui) {
    note_removed_temporaries(&output::remove_stale_temporaries(out), ui);
}

/// Says that each of `removed`, left by an interrupted write, was removed.
fn note_removed_temporaries(removed: &[PathBuf], ui: &Ui) {
    for path in removed {
        ui.note(&format!(
            "note: removed {}, left by an interrupted run whose process is gone",
            path.display()
        ));
    }
}

/// Prints `wrote OUT` after a table, for people only (not under `--json`
/// or `--quiet`), when the command wrote a folder.
fn wrote_after_table(out: Option<&Path>, ui: &Ui) -> Result<(), Error> {
    match out {
        Some(out) if !ui.json && !ui.quiet => ui::print_out(&format!("wrote {}\n", out.display())),
        _ => Ok(()),
    }
}
