//! `catchment verify`: re-run a scenario and check a run folder against it.

use std::time::Instant;

use serde::Serialize;

use catchment::error::Error;
use catchment::scenario::LoadOptions;
use catchment::verify;

use super::args::VerifyArgs;
use super::ui::Ui;

/// What `verify` reports under `--json` (a failure is an error instead).
#[derive(Serialize)]
struct Summary {
    scenario: String,
    run: String,
    files: usize,
    invariants_hold: bool,
    /// Checks the independent checker could not make (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_checked: Vec<String>,
}

/// The reading options of the run, from its `manifest.json`, for each one
/// not given on the command line (`--repair`, `--delimiter`, `--crs`,
/// `--encoding`): `verify` reads the scenario as `run` did. A flag given
/// here wins, and a difference is then reported by [`verify::verify`].
fn as_the_run_was_read(options: &LoadOptions, run: &std::path::Path, ui: &Ui) -> LoadOptions {
    use catchment::output::records::{self, Manifest};
    let mut options = options.clone();
    let Ok(manifest) = records::read_json::<Manifest>(run, "manifest.json") else {
        return options;
    };
    let Some(read_as) = manifest.round.and_then(|r| r.read_as) else {
        return options;
    };
    let mut taken = Vec::new();
    if read_as.repair && !options.repair {
        options.repair = true;
        taken.push("--repair".to_string());
    }
    if let (None, Some(d)) = (options.delimiter, &read_as.delimiter) {
        if let Ok(d) = catchment::scenario::table::parse_delimiter(d) {
            options.delimiter = Some(d);
            taken.push(format!("--delimiter {d:?}", d = char::from(d)));
        }
    }
    if options.crs.is_none() {
        options.crs = catchment::crs::Crs::parse(&read_as.crs);
    }
    if options.encoding.is_none() {
        options.encoding = catchment::scenario::Encoding::parse(&read_as.encoding);
    }
    if !taken.is_empty() {
        ui.detail(&format!("reading the scenario as the run did: {}", taken.join(" ")));
    }
    options
}

/// Checks every output's SHA-256 against the manifest and the invariants
/// of the re-run round; a mismatch is the error (exit 1).
pub fn run(args: &VerifyArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let (scenario, run) = (&args.scenario, &args.run);
    ui.step("re-running the round and checking the run folder");
    let started = Instant::now();
    let options = as_the_run_was_read(options, run, ui);
    let verified = verify::verify(scenario, run, &options)?;
    for what in &verified.not_checked {
        ui.note(&format!("not checked: {what}"));
    }
    ui.detail(&format!(
        "verified {} against {} in {:.3} s",
        run.display(),
        scenario.display(),
        started.elapsed().as_secs_f64()
    ));
    let s = Summary {
        scenario: scenario.display().to_string(),
        run: run.display().to_string(),
        files: verified.files,
        invariants_hold: true,
        not_checked: verified.not_checked,
    };
    let line = format!(
        "ok: {} matches its manifest and the scenario ({} files); invariants hold",
        s.run, s.files
    );
    ui.summary("verify", &line, &s)
}
