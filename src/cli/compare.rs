//! `catchment compare`: the before and after rounds and their comparison.

use serde_json::{json, Value};

use catchment::compare::{self, Figures, Side};
use catchment::error::Error;
use catchment::output;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::CompareArgs;
use super::ui::{self, Ui};

/// Runs the round with the scenario's zones and with the proposed map (or
/// the other scenario folder), same seed, and writes both run folders and
/// the comparison.
pub fn run(args: &CompareArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let (dir, out) = (&args.scenario, &args.out);
    if args.zones.is_none() && args.other.is_none() {
        return Err(Error::Usage(
            "compare needs --zones PROPOSED.geojson or --scenario OTHER_DIR (or both)".to_string(),
        ));
    }
    let before = super::load(dir, options, ui)?;
    let after_options = LoadOptions {
        zones: args.zones.clone(),
        ..options.clone()
    };
    let mut after = super::load(args.other.as_deref().unwrap_or(dir), &after_options, ui).inspect_err(|_| {
        if let Some(z) = &args.zones {
            ui.note(&format!(
                "note: problems reported in zones.geojson are in the proposed map {}",
                z.display()
            ));
        }
    })?;
    if after.policy.seed != before.policy.seed {
        ui.note(&format!("note: the after round uses the seed of {}", dir.display()));
        after.policy.seed = before.policy.seed.clone();
    }
    ui.step("running the before round");
    let before_outcome = round::run(&before);
    ui.detail(&ui::phase_lines("before round", &before_outcome.phases));
    ui.step("running the after round");
    let after_outcome = round::run(&after);
    ui.detail(&ui::phase_lines("after round", &after_outcome.phases));
    ui.step("comparing and rendering");
    let b = Side {
        scenario: &before,
        outcome: &before_outcome,
    };
    let a = Side {
        scenario: &after,
        outcome: &after_outcome,
    };
    let files = compare::compare(b, a);
    let before_files = output::render(&before, &before_outcome);
    let after_files = output::render(&after, &after_outcome);
    ui.step("writing the comparison");
    output::write_tree_atomically(out, &files, &[("before", &before_files), ("after", &after_files)])?;
    ui.detail(&ui::written(out, &files));
    ui.detail(&ui::written(&out.join("before"), &before_files));
    ui.detail(&ui::written(&out.join("after"), &after_files));
    let pairs = compare::pairs(&before, &after);
    let (apps, households, _) = compare::change_counts(b, a, &pairs, None);
    let (fb, fa) = (compare::figures(b, None), compare::figures(a, None));
    let mean = |f: &Figures| f.distance.get("mean").and_then(Value::as_f64);
    let text = |m: Option<f64>| m.map_or("-".to_string(), |m| format!("{m:.0}"));
    ui.summary(
        "compare",
        &format!(
            "wrote {}: {apps} applicants in {households} households change school; mean distance {} -> {} m; \
             unplaced {} -> {}; oversubscribed schools {} -> {}",
            out.display(),
            text(mean(&fb)),
            text(mean(&fa)),
            fb.applicants_unplaced,
            fa.applicants_unplaced,
            fb.schools_oversubscribed,
            fa.schools_oversubscribed
        ),
        json!({
            "out": super::path_json(out),
            "applicants_changed": apps,
            "households_changed": households,
            "mean_distance_m": {"before": mean(&fb), "after": mean(&fa)},
            "unplaced": {"before": fb.applicants_unplaced, "after": fa.applicants_unplaced},
            "oversubscribed_schools": {"before": fb.schools_oversubscribed, "after": fa.schools_oversubscribed},
        }),
    )
}
