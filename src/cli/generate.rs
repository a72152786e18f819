//! `catchment generate`: a synthetic scenario for tests and benchmarks.

use serde::Serialize;

use catchment::error::Error;
use catchment::synth::{self, SynthParams};

use super::args::GenerateArgs;
use super::ui::Ui;

/// What `generate` reports under `--json`.
#[derive(Serialize)]
struct Summary<'a> {
    out: String,
    applicants: usize,
    schools: usize,
    private: usize,
    seed: u64,
    rule: &'a str,
}

/// Writes the scenario the arguments describe into `args.out`.
pub fn run(args: &GenerateArgs, ui: &Ui) -> Result<(), Error> {
    let params = SynthParams {
        applicants: args.applicants,
        schools: args.schools,
        private: args.private,
        seed: args.seed,
        rule: args.rule.as_str().to_string(),
        seat_ratio: args.seats,
        seat_noise: args.seat_noise,
        max_distance_m: args.max_distance.0,
    };
    ui.step("generating the scenario");
    synth::write_scenario(&params, &args.out).map_err(|e| Error::io(&args.out, e))?;
    if args.candidates > 0 {
        let path = args.out.join("applicants.csv");
        let applicants = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let csv = catchment::sites::candidates::synthetic(&applicants, args.candidates, params.seed)
            .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
        let to = args.out.join("candidates.csv");
        std::fs::write(&to, csv).map_err(|e| Error::io(&to, e))?;
    }
    let s = Summary {
        out: args.out.display().to_string(),
        applicants: params.applicants,
        schools: params.schools,
        private: params.private,
        seed: params.seed,
        rule: &params.rule,
    };
    let line = format!(
        "wrote {}: {} applicants, {} public and {} private schools",
        s.out, s.applicants, s.schools, s.private
    );
    ui.summary("generate", &line, &s)
}
