//! `catchment seed commit`: the commitment to publish before the draw.

use serde::Serialize;

use catchment::error::Error;
use catchment::lottery;

use super::ui::Ui;

/// What `seed commit` reports under `--json`.
#[derive(Serialize)]
struct Commitment {
    seed_commitment: String,
}

/// Prints SHA-256 of the seed, hex-encoded.
pub fn commit(seed: &str, ui: &Ui) -> Result<(), Error> {
    let c = Commitment {
        seed_commitment: lottery::seed_commitment(seed),
    };
    ui.result("seed commit", &format!("{}\n", c.seed_commitment), &c)
}
