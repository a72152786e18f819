//! `catchment check`: every problem in a scenario, errors first.

use serde::Serialize;
use serde_json::Value;

use catchment::error::Error;
use catchment::output;
use catchment::round;
use catchment::scenario::LoadOptions;

use super::args::CheckArgs;
use super::ui::{self, Ui};

/// What `check` reports under `--json`.
#[derive(Serialize)]
struct Summary {
    schools: usize,
    applicants: usize,
    zones: usize,
    errors: usize,
    warnings: usize,
    diagnostics: Value,
}

/// Loads the scenario, adds the round's preparation warnings and lists
/// them all; an invalid scenario is the load error (exit 1).
pub fn run(args: &CheckArgs, options: &LoadOptions, ui: &Ui) -> Result<(), Error> {
    if args.write_repaired.is_some() && !options.repair {
        return Err(Error::Usage(
            "--write-repaired writes the repaired zones: give --repair too (catchment check --repair SCENARIO --write-repaired DIR)".to_string(),
        ));
    }
    let scenario = super::load_lenient(&args.scenario, options, ui)?;
    ui.step("locating homes in zones, checking groups");
    let mut diags = scenario.warnings.clone();
    diags.extend(round::prepare_warnings(&scenario));
    ui.strict_gate(&diags)?;
    ui.diagnostics(&diags);
    if let Some(dir) = &args.write_repaired {
        write_repaired(&scenario, dir, ui)?;
    }
    let s = Summary {
        schools: scenario.schools.len(),
        applicants: scenario.applicants.len(),
        zones: scenario.zones.len(),
        errors: diags.error_count(),
        warnings: diags.warning_count(),
        diagnostics: ui::diagnostics_json(&diags),
    };
    let line = format!(
        "ok: {} schools, {} applicants, {} zones; {} warning(s)",
        s.schools, s.applicants, s.zones, s.warnings
    );
    ui.summary("check", &line, &s)
}

/// Writes the zones as loaded and repaired into `dir/zones.geojson`,
/// atomically; never over the scenario's own file.
fn write_repaired(scenario: &catchment::scenario::Scenario, dir: &std::path::Path, ui: &Ui) -> Result<(), Error> {
    if scenario.zones.is_empty() {
        return Err(Error::Usage(format!(
            "{} has no zones to write",
            scenario.dir.display()
        )));
    }
    if scenario.crs != catchment::crs::Crs::Wgs84 {
        return Err(Error::Usage(format!(
            "--write-repaired writes WGS84 lon/lat, and this scenario is read as {}; convert the map first",
            scenario.crs.name()
        )));
    }
    let same = |a: &std::path::Path, b: &std::path::Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y);
    if same(dir, &scenario.dir) {
        return Err(Error::Usage(format!(
            "--write-repaired {} is the scenario folder; choose another folder, so the original map stays as it was",
            dir.display()
        )));
    }
    output::write_file_atomically(dir, "zones.geojson", &output::zones_geojson(scenario))?;
    ui.note(&format!(
        "wrote {} ({} zones, repaired)",
        dir.join("zones.geojson").display(),
        scenario.zones.len()
    ));
    Ok(())
}
