//! `catchment propose-zones`: draw a contiguous, capacity-fitting
//! catchment map, run the round on it and on today's, write the folder.

use serde::Serialize;

use catchment::compare::Side;
use catchment::error::Error;
use catchment::round;
use catchment::scenario::LoadOptions;
use catchment::zoning::blocks::BlockSource;
use catchment::zoning::output::{self as zoning_output, Rounds};
use catchment::zoning::{self, ZoningOptions};

use super::args::ProposeZonesArgs;
use super::ui::Ui;

/// Move costs tabulated by a bare `--move-cost-sweep`, metres per pupil.
const DEFAULT_SWEEP: [f64; 6] = [0.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0];

/// One level in the summary line and `--json`.
#[derive(Serialize)]
struct LevelLine {
    level: &'static str,
    zones: usize,
    total_distance_m: f64,
    lower_bound_m: f64,
    excess_pupils: u64,
    /// Multi-school zones made by `--pool`.
    pools: usize,
}

/// What `propose-zones` reports.
#[derive(Serialize)]
struct Summary {
    out: String,
    levels: Vec<LevelLine>,
    gap: Option<f64>,
}

/// What `--pool` did to a level, for the summary line ("" without it).
fn pooled(proposal: &zoning::Proposal, level: &str) -> String {
    let Some(p) = proposal
        .levels
        .iter()
        .find(|l| l.level.as_str() == level)
        .and_then(|l| l.pooling.as_ref())
    else {
        return String::new();
    };
    format!(
        " + {} multi-school zone{} (children sent to district placement or left unplaced {} → {})",
        p.pools.len(),
        if p.pools.len() == 1 { "" } else { "s" },
        p.sent_unpooled,
        p.sent_pooled
    )
}

/// Draws the map and writes `proposed-zones.geojson`, `zones.csv`,
/// `summary.json`, `proposed.html` (and with `--pool` `pools.csv`) into `--out`.
pub fn run(args: &ProposeZonesArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, options, ui)?;
    let zoning = ZoningOptions {
        level: args.level,
        unit_m: args.unit_m,
        shape: args.grid,
        units: args.units.clone().map(|path| BlockSource { path }),
        slack: args.slack,
        move_cost_m: args.move_cost,
        sweep: args
            .move_cost_sweep
            .clone()
            .map(|v| if v.is_empty() { DEFAULT_SWEEP.to_vec() } else { v })
            .unwrap_or_default(),
        repair: options.repair,
        pool: args.pool,
    };
    if !(zoning.move_cost_m >= 0.0 && zoning.move_cost_m.is_finite())
        || zoning.sweep.iter().any(|m| !(*m >= 0.0 && m.is_finite()))
    {
        return Err(Error::Usage(
            "--move-cost and --move-cost-sweep take metres ≥ 0".to_string(),
        ));
    }
    ui.step("drawing the zones");
    let proposal = zoning::propose(&scenario, &zoning)?;
    for l in &proposal.levels {
        for n in &l.notes {
            ui.note(&format!("warning: {n}"));
        }
    }
    ui.step("running the round on the proposed map");
    let after = proposal.scenario(&scenario);
    let after_outcome = round::run(&after);
    let today = (!scenario.zones.is_empty()).then(|| round::run(&scenario));
    let rounds = Rounds {
        today: today.as_ref().map(|o| Side {
            scenario: &scenario,
            outcome: o,
        }),
        proposed: Side {
            scenario: &after,
            outcome: &after_outcome,
        },
    };
    ui.step("writing");
    let files = zoning_output::files(&scenario, &proposal, rounds);
    super::write(&args.out, &files, ui)?;
    let levels: Vec<LevelLine> = proposal
        .levels
        .iter()
        .map(|l| LevelLine {
            level: l.level.as_str(),
            zones: l.zones.len(),
            total_distance_m: (l.total_distance_m * 10.0).round() / 10.0,
            lower_bound_m: (l.lower_bound_m * 10.0).round() / 10.0,
            excess_pupils: l.excess,
            pools: l.pooling.as_ref().map_or(0, |p| p.pools.len()),
        })
        .collect();
    let objective: f64 = proposal.levels.iter().map(|l| l.objective_m).sum();
    let bound: f64 = proposal.levels.iter().map(|l| l.lower_bound_m).sum();
    let gap = (bound > 0.0).then(|| (objective - bound) / bound);
    let parts: Vec<String> = levels
        .iter()
        .map(|l| {
            format!(
                "{} {} zones{}",
                l.zones,
                l.level,
                if l.excess_pupils > 0 {
                    format!(" ({} pupils over capacity)", l.excess_pupils)
                } else {
                    String::new()
                }
            ) + &pooled(&proposal, l.level)
        })
        .collect();
    let s = Summary {
        out: args.out.display().to_string(),
        levels,
        gap,
    };
    let line = format!(
        "wrote {}: {}; total distance {:.0} m, {} over the lower bound; test it with `catchment compare {} --zones {}`",
        s.out,
        parts.join(", "),
        proposal.levels.iter().map(|l| l.total_distance_m).sum::<f64>(),
        gap.map_or("—".to_string(), |g| format!("{:.2} %", g * 100.0)),
        args.scenario.display(),
        args.out.join("proposed-zones.geojson").display()
    );
    ui.summary("propose-zones", &line, &s)
}
