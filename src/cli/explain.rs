//! `catchment explain`: one applicant's outcome in plain words.

use catchment::error::Error;
use catchment::explain;

use super::args::ExplainArgs;
use super::ui::Ui;

/// Prints the explanation of `args.applicant` (or a senior candidate) from
/// the run folder alone,
/// as text or (under `--json`) as its JSON document.
pub fn run(args: &ExplainArgs, ui: &Ui) -> Result<(), Error> {
    let explanation = explain::explain_run(&args.run, &args.applicant)?;
    if ui.json {
        return ui.document(&explanation);
    }
    super::ui::print_out(&explanation.to_text())
}
