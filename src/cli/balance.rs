//! `catchment balance`: the balance between schools (均衡) of a run.

use catchment::balance::{self, Balance};
use catchment::error::Error;

use super::args::BalanceArgs;
use super::ui::Ui;

/// Reads the `balance` section of the run's `summary.json` and prints it
/// as a table or (under `--json`) as its JSON document.
pub fn run(args: &BalanceArgs, ui: &Ui) -> Result<(), Error> {
    let path = args.run.join("summary.json");
    let invalid = |message: String| Error::io(&path, std::io::Error::new(std::io::ErrorKind::InvalidData, message));
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let summary: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    let balance: Balance = summary
        .get("balance")
        .cloned()
        .and_then(|b| serde_json::from_value(b).ok())
        .ok_or_else(|| invalid("has no \"balance\" section; re-run the round with this version".to_string()))?;
    if ui.json {
        return ui.document(&balance);
    }
    super::ui::print_out(&balance::to_table(&balance))
}
