//! `catchment seed commit`: the commitment to publish before the draw.

use serde_json::json;

use catchment::error::Error;
use catchment::lottery;

use super::ui::Ui;

/// Prints SHA-256 of the seed, hex-encoded.
pub fn commit(seed: &str, ui: &Ui) -> Result<(), Error> {
    let commitment = lottery::seed_commitment(seed);
    ui.result(
        "seed commit",
        &format!("{commitment}\n"),
        json!({ "seed_commitment": commitment }),
    )
}
