//! `catchment generate`: a synthetic scenario for tests and benchmarks.

use serde_json::json;

use catchment::error::Error;
use catchment::synth::{self, SynthParams};

use super::args::GenerateArgs;
use super::ui::Ui;

/// Writes the scenario the arguments describe into `args.out`.
pub fn run(args: &GenerateArgs, ui: &Ui) -> Result<(), Error> {
    let out = &args.out;
    let params = SynthParams {
        applicants: args.applicants,
        schools: args.schools,
        private: args.private,
        seed: args.seed,
        rule: args.rule.as_str().to_string(),
        seat_ratio: args.seats,
    };
    ui.step("generating the scenario");
    synth::write_scenario(&params, out).map_err(|e| Error::io(out, e))?;
    ui.summary(
        "generate",
        &format!(
            "wrote {}: {} applicants, {} public and {} private schools",
            out.display(),
            args.applicants,
            args.schools,
            args.private
        ),
        json!({
            "out": super::path_json(out),
            "applicants": args.applicants,
            "schools": args.schools,
            "private": args.private,
            "seed": args.seed,
            "rule": args.rule.as_str(),
        }),
    )
}
