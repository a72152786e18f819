//! Helpers shared by the integration tests. Each test file is its own
//! crate and uses only some of them.
#![allow(dead_code)]

pub mod browser;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the real binary with `args`.
pub fn catchment<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args(args)
        .output()
        .expect("the catchment binary runs")
}

/// The bundled demo district.
pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district")
}

/// A process's stdout or stderr as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cases` per property, or `PROPTEST_CASES` when set (for a long run).
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        // Nothing is written under tests/; a failure prints its whole case
        // instead.
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// Whether an external tool a test needs is there. Missing: under CI (the
/// `CI` variable set, as `.ci/run` does) the test fails with how to install
/// it, so that a green CI always ran it; elsewhere the skip is said on
/// stderr, which `cargo test` shows.
pub fn tool_available(test: &str, found: bool, install: &str) -> bool {
    if found {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: needed tool missing under CI: {install}");
    }
    eprintln!("SKIPPED {test}: {install}");
    false
}

/// A generated district of rule `zone` (no private schools, public seats
/// `seats` × applicants) written to `dir` and loaded: the planners' tests
/// draw maps on it.
pub fn generated(
    dir: &Path,
    applicants: usize,
    schools: usize,
    seed: u64,
    seats: f64,
) -> catchment::scenario::Scenario {
    let params = catchment::synth::SynthParams {
        applicants,
        schools,
        private: 0,
        seed,
        rule: "zone".to_string(),
        seat_ratio: Some(seats),
        ..catchment::synth::SynthParams::district()
    };
    catchment::synth::write_scenario(&params, dir).expect("write the generated scenario");
    catchment::scenario::load(dir, &catchment::scenario::LoadOptions::default()).expect("the generated scenario loads")
}

/// The first pair of zones that overlap by 1 m² or more (the spec's
/// tolerance for zones of one level), as a message naming both; `zones`
/// are (id, area) pairs of one level.
pub fn first_overlap(zones: &[(&str, &geo::MultiPolygon<f64>)]) -> Option<String> {
    use geo::{BooleanOps, BoundingRect, ChamberlainDuquetteArea, Intersects};
    for (i, (a_id, a)) in zones.iter().enumerate() {
        for (b_id, b) in &zones[i + 1..] {
            let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect()) else {
                continue;
            };
            if !ra.intersects(&rb) {
                continue;
            }
            let overlap = a.intersection(*b).chamberlain_duquette_unsigned_area();
            if overlap >= 1.0 {
                return Some(format!("zones {a_id} and {b_id} overlap by {overlap:.2} m²"));
            }
        }
    }
    None
}

/// `applicants.csv` text for primary applicants `a0`, `a1`, … at the given
/// homes (lon, lat), to 4 decimals.
pub fn primary_homes(homes: &[(f64, f64)]) -> String {
    let mut apps = String::from("id,level,lon,lat\n");
    for (i, (x, y)) in homes.iter().enumerate() {
        apps.push_str(&format!("a{i},primary,{x:.4},{y:.4}\n"));
    }
    apps
}

/// Writes a one-level (primary) strip scenario near (0°, 0°) into `dir`:
/// `schools` and `applicants` are the CSV texts; today's map is one
/// multi-school zone `Z` of `zone_schools` over [0, `width`] × [0, 0.009]
/// degrees; rule `zone` with the given seed and class size.
pub fn write_strip(
    dir: &Path,
    schools: &str,
    applicants: &str,
    zone_schools: &[&str],
    width: f64,
    seed: &str,
    max_class_size: u32,
) {
    let ids: Vec<String> = zone_schools.iter().map(|s| format!("\"{s}\"")).collect();
    let zones = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"Z","level":"primary","schools":[{}]}},"geometry":{{"type":"Polygon","coordinates":[[[0,0],[{width},0],[{width},0.009],[0,0.009],[0,0]]]}}}}]}}"#,
        ids.join(",")
    );
    let policy = format!("seed = \"{seed}\"\nrule = \"zone\"\n[levels.primary]\nmax_class_size = {max_class_size}\n");
    for (name, text) in [
        ("schools.csv", schools),
        ("applicants.csv", applicants),
        ("zones.geojson", zones.as_str()),
        ("policy.toml", policy.as_str()),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}
