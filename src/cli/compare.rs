//! `catchment compare`: the before and after rounds and their comparison.

use serde::Serialize;
use serde_json::Value;

use catchment::bench::Phases;
use catchment::compare::{self, Figures, Side};
use catchment::error::Error;
use catchment::output;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::CompareArgs;
use super::ui::{self, Ui};

/// A figure before and after the change.
#[derive(Serialize)]
struct BeforeAfter<T> {
    before: T,
    after: T,
}

/// What `compare` reports: the line for people, the fields under `--json`.
#[derive(Serialize)]
struct Summary {
    out: String,
    applicants_changed: u64,
    households_changed: u64,
    mean_distance_m: BeforeAfter<Option<f64>>,
    unplaced: BeforeAfter<u64>,
    oversubscribed_schools: BeforeAfter<u64>,
}

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
    let mut phases = Phases::default();
    let before_outcome = round::run_timed(&before, &mut phases);
    ui.detail(&ui::phase_lines("before round", &phases));
    ui.step("running the after round");
    let mut phases = Phases::default();
    let after_outcome = round::run_timed(&after, &mut phases);
    ui.detail(&ui::phase_lines("after round", &phases));
    ui.step("comparing and rendering");
    let b = Side {
        scenario: &before,
        outcome: &before_outcome,
    };
    let a = Side {
        scenario: &after,
        outcome: &after_outcome,
    };
    let files = compare::compare(
        b,
        a,
        &compare::proposed_name(args.zones.as_deref(), args.other.as_deref()),
    );
    let before_files = output::render(&before, &before_outcome);
    let after_files = output::render(&after, &after_outcome);
    ui.step("writing the comparison");
    super::remove_stale_temporaries(out, ui);
    output::write_tree_atomically(out, &files, &[("before", &before_files), ("after", &after_files)])?;
    ui.detail(&ui::written(out, &files));
    ui.detail(&ui::written(&out.join("before"), &before_files));
    ui.detail(&ui::written(&out.join("after"), &after_files));
    let pairs = compare::pairs(&before, &after);
    let (apps, households, _) = compare::change_counts(b, a, &pairs, None);
    let (fb, fa) = (compare::figures(b, None), compare::figures(a, None));
    let mean = |f: &Figures| f.distance.get("mean").and_then(Value::as_f64);
    let s = Summary {
        out: out.display().to_string(),
        applicants_changed: apps,
        households_changed: households,
        mean_distance_m: BeforeAfter {
            before: mean(&fb),
            after: mean(&fa),
        },
        unplaced: BeforeAfter {
            before: fb.applicants_unplaced,
            after: fa.applicants_unplaced,
        },
        oversubscribed_schools: BeforeAfter {
            before: fb.schools_oversubscribed,
            after: fa.schools_oversubscribed,
        },
    };
    let metres = |m: Option<f64>| m.map_or("-".to_string(), |m| format!("{m:.0}"));
    let line = format!(
        "wrote {}: {} applicants in {} households change school; mean distance {} -> {} m; \
         unplaced {} -> {}; oversubscribed schools {} -> {}",
        s.out,
        s.applicants_changed,
        s.households_changed,
        metres(s.mean_distance_m.before),
        metres(s.mean_distance_m.after),
        s.unplaced.before,
        s.unplaced.after,
        s.oversubscribed_schools.before,
        s.oversubscribed_schools.after
    );
    ui.summary("compare", &line, &s)
}
