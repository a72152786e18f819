//! `catchment sites`: which candidate sites to open and which schools to
//! close, proven optimal where the search completes.

use serde::Serialize;

use catchment::error::Error;
use catchment::output;
use catchment::scenario::LoadOptions;
use catchment::sites::{self, search::Limits, SitesOptions};

use super::args::SitesArgs;
use super::ui::Ui;

/// One level as `sites --json` reports it.
#[derive(Serialize)]
struct LevelLine {
    level: &'static str,
    open: Vec<String>,
    closed: Vec<String>,
    seated: usize,
    total_distance_m: f64,
    baseline_seated: usize,
    baseline_total_distance_m: f64,
    lower_bound_m: f64,
    gap: f64,
    proven_optimal: bool,
    evaluations: usize,
}

/// What `sites` reports under `--json`.
#[derive(Serialize)]
struct Summary {
    out: String,
    levels: Vec<LevelLine>,
    warnings: usize,
}

/// Loads the scenario and candidates, plans each level, writes the folder.
pub fn run(args: &SitesArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    let scenario = super::load(&args.scenario, options, ui)?;
    ui.step("loading the candidate sites");
    let candidates = sites::candidates::load(&args.candidates, &scenario)?;
    let candidates_bytes = std::fs::read(&args.candidates).map_err(|e| Error::io(&args.candidates, e))?;
    ui.step("searching the layouts (exact flow per layout)");
    let plan = sites::plan(
        &scenario,
        &candidates,
        &SitesOptions {
            open: args.open,
            close: args.close,
            level: args.level,
            limits: Limits {
                max_evaluations: args.max_evaluations,
            },
        },
    )?;
    ui.step("writing the sites folder");
    let rendered = sites::output::render(&scenario, &candidates, &candidates_bytes, &plan)?;
    super::remove_stale_temporaries(&args.out, ui);
    output::write_tree_atomically(&args.out, &rendered.files, &[("scenario", &rendered.scenario)])?;
    let mut warnings = scenario.warnings.clone();
    warnings.extend(plan.warnings.clone());
    warnings.extend(rendered.warnings);
    ui.diagnostics(&warnings);
    let levels: Vec<LevelLine> = plan
        .levels
        .iter()
        .map(|l| {
            let ids = |d| {
                l.sites
                    .iter()
                    .filter(|s| s.decision == d)
                    .map(|s| s.id.clone())
                    .collect::<Vec<_>>()
            };
            LevelLine {
                level: l.level.as_str(),
                open: ids(sites::Decision::Open),
                closed: ids(sites::Decision::Closed),
                seated: l.chosen.seated,
                total_distance_m: l.chosen.total_distance_m,
                baseline_seated: l.baseline.seated,
                baseline_total_distance_m: l.baseline.total_distance_m,
                lower_bound_m: l.lower_bound_m,
                gap: l.gap,
                proven_optimal: l.proven_optimal,
                evaluations: l.stats.evaluations,
            }
        })
        .collect();
    let mut text = String::new();
    for l in &levels {
        let list = |ids: &[String]| {
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        };
        let verdict = if l.proven_optimal {
            "proven optimal".to_string()
        } else {
            format!(
                "NOT proven optimal: gap {:.2}% (lower bound {:.1} km)",
                l.gap * 100.0,
                l.lower_bound_m / 1000.0
            )
        };
        text.push_str(&format!(
            "{}: open {}; close {}; seated {} (today {}); total distance {:.1} km (today {:.1} km); {verdict}, {} layouts evaluated\n",
            l.level,
            list(&l.open),
            list(&l.closed),
            l.seated,
            l.baseline_seated,
            l.total_distance_m / 1000.0,
            l.baseline_total_distance_m / 1000.0,
            l.evaluations
        ));
    }
    let s = Summary {
        out: args.out.display().to_string(),
        levels,
        warnings: warnings.warning_count(),
    };
    text.push_str(&format!(
        "wrote {}: sites.csv, sites_summary.json, sites.html, scenario/ (layouts compared under the optimal rule); {} warning(s)",
        s.out, s.warnings
    ));
    ui.summary("sites", &text, &s)
}
