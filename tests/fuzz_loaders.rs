//! Fuzzing the loaders with proptest: hostile input files give clear
//! errors, never a panic (issue 7).
//!
//! Each property takes a small valid scenario (embedded below, so the test
//! does not depend on any fixture folder) and replaces one of its files with
//! either arbitrary bytes or the valid file after a few structural edits:
//! lines deleted, duplicated or swapped, a truncation, flipped, inserted or
//! deleted bytes, a CSV field replaced by an odd value (`""`, `NaN`,
//! `1e400`, `-0`, huge integers, unicode, a lone quote, another row's id),
//! a JSON value of the GeoJSON replaced or deleted (properties, coordinates,
//! whole rings), a TOML key deleted, added or given another type. Then the
//! library is called in-process under `catch_unwind`:
//!
//! - `scenario::load`, with and without `repair`; on `Err(Error::Input)`
//!   there is at least one error and every diagnostic names one of the
//!   scenario's files; on `Ok` no more applicants than data lines, sorted
//!   unique ids, and `round::run`, `invariants::check` and `output::render`
//!   run without panicking, with an outcome for every applicant and no
//!   broken invariant;
//! - `senior::load::load` and, on `Ok`, `senior::round::run` and
//!   `senior::output::render` (a placement for every candidate);
//! - `forecast::load_population` and, on `Ok`, `forecast::forecast`.
//!
//! Cases found by these properties are kept as `#[test]`s at the end.
//! `PROPTEST_CASES=5000 cargo test --test fuzz_loaders` searches longer.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::OnceLock;

use catchment::error::{Diagnostic, Error};
use catchment::scenario::{self, LoadOptions, Scenario};
use catchment::{forecast, invariants, output, round, senior};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value as Json;

mod common;
use common::proptest_config as config;

// ---------------------------------------------------------------------------
// The valid scenarios the mutations start from
// ---------------------------------------------------------------------------

/// Two levels, a single- and a multi-school zone, a private school, a group
/// of twins, a registry zone, choices, priorities, and seats short enough
/// that every stage has work to do.
const SCHOOLS: &str = "\
id,name,level,sector,lon,lat,classes,class_cap,reserved,min_classes,teachers,floor_area_m2,equipment_value
S1,North Primary,primary,public,116.305,39.905,1,3,,,20,1500.5,
S2,South Primary,primary,public,116.320,39.905,1,2,,1,,,
S3,East Primary,primary,public,116.322,39.907,2,1,1,,,,100000
P1,Hill Private,primary,private,116.312,39.915,1,1,,,,,
J1,West Junior,junior,public,116.306,39.904,1,2,,,,,
";

const APPLICANTS: &str = "\
id,level,lon,lat,household,priority,zone,private_choices,public_choices,group
A01,primary,116.302,39.902,h1,1,,,,
A02,primary,116.303,39.903,h2,2,,P1,,
A03,primary,116.307,39.906,h3,,Z1,,,
A04,primary,116.322,39.903,h4,1,,,S2;S3,
A05,primary,116.318,39.908,h5,1,,,S3;S2,g1
A06,primary,116.318,39.908,h5,1,,,S3;S2,g1
A07,primary,116.304,39.909,h7,1,,P1,,
A08,primary,116.340,39.930,h8,1,,,,
A09,junior,116.305,39.905,h9,1,,,,
A10,junior,116.321,39.901,h10,2,,,,
A11,primary,116.301,39.901,h11,3,Z2,,S2,
";

const ZONES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"Z1","level":"primary","schools":["S1"]},"geometry":{"type":"Polygon","coordinates":[[[116.3,39.9],[116.31,39.9],[116.31,39.91],[116.3,39.91],[116.3,39.9]]]}},
{"type":"Feature","properties":{"id":"Z2","level":"primary","schools":["S2","S3"]},"geometry":{"type":"Polygon","coordinates":[[[116.315,39.9],[116.325,39.9],[116.325,39.91],[116.315,39.91],[116.315,39.9]]]}},
{"type":"Feature","properties":{"id":"ZJ","level":"junior","schools":["J1"]},"geometry":{"type":"MultiPolygon","coordinates":[[[[116.3,39.9],[116.325,39.9],[116.325,39.91],[116.3,39.91],[116.3,39.9]],[[116.311,39.901],[116.311,39.902],[116.312,39.902],[116.312,39.901],[116.311,39.901]]]]}}
]}
"#;

const POLICY: &str = r#"seed = "fuzz base"
rule = "zone"
tie_breaking = "single"
groups = "together"
max_private_choices = 2
class_cost_m = 2000

[distance]
metric = "haversine"

[fallback]
rule = "nearest_vacancy"
max_distance_m = 5000

[levels.primary]
max_class_size = 45

[levels.junior]
max_class_size = 50
"#;

/// The same scenario with road distances from a matrix file.
const POLICY_MATRIX: &str = r#"seed = "fuzz matrix"
rule = "nearest"
tie_breaking = "multiple"
groups = "separate"

[distance]
metric = "matrix"
matrix = "distances.csv"

[fallback]
rule = "optimal"
max_distance_m = 4000
"#;

const DISTANCES: &str = "\
applicant_id,school_id,metres
A01,S1,420
A01,S2,1800
A02,S1,600
A02,P1,1500
A03,S1,150
A03,S3,2500
A04,S2,700
A04,S3,900
A05,S3,300
A05,S2,500
A06,S3,300
A06,S2,500
A07,P1,800
A07,S1,700
A08,S3,3900
A09,J1,100
A10,J1,1600
A11,S2,1300
A11,S1,200
";

const SENIOR_POLICY: &str = r#"seed = "fuzz senior"
quota_share = 0.5
apportionment = "largest_remainder"
min_score = 500
"#;

const SENIORS: &str = "\
id,name,places,quota_share,min_score
H01,Quality One,6,,
H02,Quality Two,4,0.25,560.5
";

const JUNIORS: &str = "\
id,name,graduates
J01,Junior One,6
J02,Junior Two,5
";

const CANDIDATES: &str = "\
id,junior_school,score,choices,priority
c01,J01,620,H01;H02,
c02,J01,590.5,H02;H01,
c03,J01,505,H01,2
c04,J01,480,H01;H02,
c05,J02,700,H01;H02,
c06,J02,560.5,H02,
c07,J02,560.5,H02;H01,1
c08,J02,530,,
c09,J01,575,H01;H02,
c10,J02,610,H01,
";

const POPULATION: &str = "\
id,lon,lat,born_2021,born_2022,born_2023,born_2024,grade_1,grade_6,net_migration_rate
c1,116.302,39.902,3,4,5,2,6,1,0.01
c2,116.318,39.908,1,0,2,2.5,0,3,-0.02
c3,116.340,39.930,1,1,1,1,,,
";

const POPULATION_ZONES: &str = "\
id,zone,born_2023,born_2024,grade_1
z1,Z1;ZJ,4,5,3
z2,Z2,2,0,1
";

/// The files a scenario can read, besides a matrix file the policy names.
const SCENARIO_FILES: [&str; 4] = ["schools.csv", "applicants.csv", "zones.geojson", "policy.toml"];

const SENIOR_FILES: [&str; 4] = [
    "policy.toml",
    "senior_schools.csv",
    "junior_schools.csv",
    "candidates.csv",
];

type Files = Vec<(String, Vec<u8>)>;

/// Loads a folder's files and checks what comes back.
type Check = fn(&Files) -> Result<(), TestCaseError>;

fn base() -> Files {
    [
        ("schools.csv", SCHOOLS),
        ("applicants.csv", APPLICANTS),
        ("zones.geojson", ZONES),
        ("policy.toml", POLICY),
    ]
    .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
    .to_vec()
}

fn matrix_base() -> Files {
    let mut files = base();
    files[3].1 = POLICY_MATRIX.as_bytes().to_vec();
    files.push(("distances.csv".to_string(), DISTANCES.as_bytes().to_vec()));
    files
}

fn senior_base() -> Files {
    [
        ("policy.toml", SENIOR_POLICY),
        ("senior_schools.csv", SENIORS),
        ("junior_schools.csv", JUNIORS),
        ("candidates.csv", CANDIDATES),
    ]
    .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
    .to_vec()
}

fn demo_file(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo-district")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn demo_base() -> Files {
    SCENARIO_FILES.map(|n| (n.to_string(), demo_file(n))).to_vec()
}

fn write(dir: &Path, files: &Files) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

fn replace(mut files: Files, name: &str, bytes: Vec<u8>) -> Files {
    match files.iter_mut().find(|(n, _)| n == name) {
        Some(f) => f.1 = bytes,
        None => files.push((name.to_string(), bytes)),
    }
    files
}

// ---------------------------------------------------------------------------
// Running the library and checking what comes back
// ---------------------------------------------------------------------------

/// Runs `f`, turning a panic into a test failure that says where.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        TestCaseError::fail(format!("{what} panicked: {message}"))
    })
}

fn check_named(diags: &[Diagnostic], files: &[String]) -> Result<(), TestCaseError> {
    for d in diags {
        prop_assert!(
            files.contains(&d.file),
            "diagnostic names no file of the scenario ({files:?}): {d}"
        );
    }
    Ok(())
}

/// Lines with something on them: an upper bound on CSV records.
fn content_lines(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|l| !l.is_empty())
        .count()
}

/// The file names a scenario may mention: its four files and the matrix
/// file the policy names, when it names one.
fn scenario_names(files: &Files) -> Vec<String> {
    let mut names: Vec<String> = SCENARIO_FILES.map(str::to_string).to_vec();
    names.push("distances.csv".to_string());
    let policy = files.iter().find(|(n, _)| n == "policy.toml");
    let matrix = policy
        .and_then(|(_, b)| std::str::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("distance")?.get("matrix")?.as_str().map(str::to_string));
    names.extend(matrix);
    names
}

fn check_scenario(files: &Files) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let names = scenario_names(files);
    let rows = files
        .iter()
        .find(|(n, _)| n == "applicants.csv")
        .map_or(0, |(_, b)| content_lines(b).saturating_sub(1));
    for repair in [false, true] {
        let options = LoadOptions {
            repair,
            ..LoadOptions::default()
        };
        let loaded = no_panic(&format!("scenario::load (repair {repair})"), || {
            scenario::load(dir.path(), &options)
        })?;
        match loaded {
            Err(Error::Input(diags)) => {
                prop_assert!(diags.has_errors(), "Err(Input) without an error: {:?}", diags.sorted());
                check_named(&diags.sorted(), &names)?;
            }
            Err(e) => prop_assert!(false, "scenario::load: unexpected error {e}"),
            Ok(s) => check_round(&s, rows, &names)?,
        }
    }
    Ok(())
}

fn check_round(s: &Scenario, rows: usize, names: &[String]) -> Result<(), TestCaseError> {
    check_named(&s.warnings.sorted(), names)?;
    prop_assert!(
        s.applicants.len() <= rows,
        "{} applicants from {rows} lines",
        s.applicants.len()
    );
    prop_assert!(
        s.applicants.windows(2).all(|w| w[0].id < w[1].id),
        "applicant ids sorted and unique"
    );
    prop_assert!(
        s.schools.windows(2).all(|w| w[0].id < w[1].id),
        "school ids sorted and unique"
    );
    prop_assert!(
        s.zones.windows(2).all(|w| w[0].id < w[1].id),
        "zone ids sorted and unique"
    );
    let outcome = no_panic("round::run", || round::run(s))?;
    prop_assert_eq!(outcome.placements.len(), s.applicants.len());
    check_named(&outcome.warnings.sorted(), names)?;
    let broken = no_panic("invariants::check", || invariants::check(s, &outcome))?;
    prop_assert!(broken.is_empty(), "invariants broken: {broken:?}");
    let rendered = no_panic("output::render", || output::render(s, &outcome))?;
    prop_assert!(rendered.iter().any(|f| f.name == "assignments.csv"));
    Ok(())
}

fn check_senior(files: &Files) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let names: Vec<String> = SENIOR_FILES.map(str::to_string).to_vec();
    let rows = files
        .iter()
        .find(|(n, _)| n == "candidates.csv")
        .map_or(0, |(_, b)| content_lines(b).saturating_sub(1));
    match no_panic("senior::load", || senior::load(dir.path()))? {
        Err(Error::Input(diags)) => {
            prop_assert!(diags.has_errors(), "Err(Input) without an error: {:?}", diags.sorted());
            check_named(&diags.sorted(), &names)?;
        }
        Err(e) => prop_assert!(false, "senior::load: unexpected error {e}"),
        Ok(sc) => {
            check_named(&sc.warnings.sorted(), &names)?;
            prop_assert!(sc.candidates.len() <= rows);
            let out = no_panic("senior::round::run", || senior::round::run(&sc))?;
            prop_assert_eq!(out.placements.len(), sc.candidates.len());
            no_panic("senior::output::render", || senior::output::render(&sc, &out))?;
        }
    }
    Ok(())
}

/// The base scenario, loaded once, for the population file.
fn base_scenario() -> &'static Scenario {
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &base());
        scenario::load(dir.path(), &LoadOptions::default()).unwrap()
    })
}

fn check_population(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("population.csv");
    std::fs::write(&path, bytes).unwrap();
    let scenario = base_scenario();
    let names = vec!["population.csv".to_string()];
    let loaded = no_panic("forecast::load_population", || {
        forecast::load_population(&path, scenario, &LoadOptions::default())
    })?;
    match loaded {
        Err(Error::Input(diags)) => {
            prop_assert!(diags.has_errors(), "Err(Input) without an error: {:?}", diags.sorted());
            check_named(&diags.sorted(), &names)?;
        }
        Err(e) => prop_assert!(false, "load_population: unexpected error {e}"),
        Ok(population) => {
            prop_assert!(population.communities.len() <= content_lines(bytes).saturating_sub(1));
            for years in [1, 3] {
                match no_panic("forecast::forecast", || {
                    forecast::forecast(scenario, &population, years)
                })? {
                    Ok(_) => {}
                    Err(Error::Input(diags)) => check_named(&diags.sorted(), &names)?,
                    Err(e) => prop_assert!(false, "forecast: unexpected error {e}"),
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Values that have broken parsers before: empty, not-a-number, overflow,
/// negative zero, huge integers, unicode, quotes, separators, and valid
/// words and ids of the scenario in the wrong place.
const ODD: &[&str] = &[
    "",
    " ",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "-0.0",
    "0",
    "-1",
    "1.5",
    "0x10",
    " 7 ",
    "+3",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999",
    "180",
    "180.0000001",
    "-90",
    "90.5",
    "10000",
    "10000.01",
    "0.999999",
    "0.0000001",
    "1",
    "2",
    "\"",
    "\"\"",
    "'",
    ",",
    ";",
    ";;",
    "S1;S1",
    "P1;S1",
    "S1;S2;S3;P1;J1",
    "H01;H01",
    "\u{0}",
    "\u{feff}",
    "\r",
    "\n",
    "\t",
    "😀",
    "学校",
    "e\u{301}",
    "\u{202e}",
    "primary",
    "junior",
    "public",
    "private",
    "S1",
    "S2",
    "S3",
    "P1",
    "J1",
    "Z1",
    "Z2",
    "ZJ",
    "A01",
    "A05",
    "g1",
    "h5",
    "J01",
    "J02",
    "H01",
    "c01",
    "zone",
    "nearest",
    "optimal",
    "single",
    "multiple",
    "together",
    "separate",
    "haversine",
    "matrix",
    "distances.csv",
    "applicants.csv",
    "none",
    "nearest_vacancy",
    "wgs84",
    "gcj02",
    "bd09",
    "utf-8",
    "gbk",
    "largest_remainder",
    "sainte_lague",
];

fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(ODD).prop_map(str::to_string),
        1 => "\\PC{0,8}",
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => any::<u64>().prop_map(|i| i.to_string()),
        1 => any::<f64>().prop_map(|f| format!("{f}")),
        1 => any::<f64>().prop_map(|f| format!("{f:e}")),
    ]
}

/// An edit of a file's bytes; indices are taken modulo what is there.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
    FlipBit(usize, u8),
    InsertByte(usize, u8),
    DeleteByte(usize),
    /// Replaces a comma-separated field, written as is or CSV-quoted.
    Field {
        line: usize,
        field: usize,
        value: String,
        quoted: bool,
    },
    /// Replaces any JSON value of the document (a node of a pre-order walk).
    JsonValue(usize, Json),
    /// Replaces a number of the document (a coordinate, mostly).
    JsonNumber(usize, f64),
    /// Removes a JSON value from its object or array.
    JsonDelete(usize),
    /// Replaces the geometry of a feature.
    Geometry(usize, Json),
    /// Replaces any TOML value (a node of a pre-order walk).
    TomlValue(usize, toml::Value),
    /// Removes a TOML key or array element.
    TomlDelete(usize),
    /// Adds a key to a TOML table.
    TomlAdd(usize, String, toml::Value),
}

fn byte_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Edit::FlipBit(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b'"'),
                Just(b','),
                Just(b'\n'),
                Just(b'\r'),
                Just(b';'),
                Just(0xff),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Edit::InsertByte(i, b)),
        any::<usize>().prop_map(Edit::DeleteByte),
    ]
}

fn csv_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => byte_edit(),
        3 => (any::<usize>(), any::<usize>(), odd_text(), any::<bool>()).prop_map(|(line, field, value, quoted)| {
            Edit::Field {
                line,
                field,
                value,
                quoted,
            }
        }),
    ]
}

fn json_leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from), // NaN and infinities become null
        prop::sample::select(&[0.0, -0.0, 1e308, -1e308, 5e-324, 180.0, -180.0, 90.0, 90.0000001, 116.31, 39.905][..])
            .prop_map(Json::from),
        odd_text().prop_map(Json::String),
    ]
}

fn json_value() -> impl Strategy<Value = Json> {
    json_leaf().prop_recursive(3, 24, 5, |inner| {
        let key = prop_oneof![
            prop::sample::select(
                &[
                    "id",
                    "level",
                    "schools",
                    "type",
                    "coordinates",
                    "geometry",
                    "properties",
                    "features"
                ][..]
            )
            .prop_map(str::to_string),
            "\\PC{0,4}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            prop::collection::vec((key, inner), 0..4).prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    })
}

/// A ring on a coarse grid over the zones, so that vertices coincide and
/// edges cross, touch and overlap: bow-ties, spikes, slivers, holes
/// outside, repeated points, unclosed rings.
fn ring() -> impl Strategy<Value = Json> {
    prop::collection::vec((0u8..7, 0u8..5), 3..9).prop_flat_map(|points| {
        let coords: Vec<Json> = points
            .iter()
            .map(|&(x, y)| serde_json::json!([116.3 + f64::from(x) * 0.005, 39.9 + f64::from(y) * 0.005]))
            .collect();
        prop::bool::weighted(0.85).prop_map(move |close| {
            let mut c = coords.clone();
            if close {
                if let Some(first) = c.first().cloned() {
                    c.push(first);
                }
            }
            Json::Array(c)
        })
    })
}

fn geometry() -> impl Strategy<Value = Json> {
    let polygon = || prop::collection::vec(ring(), 1..3).prop_map(Json::Array);
    prop_oneof![
        4 => polygon()
            .prop_map(|c| serde_json::json!({"type": "Polygon", "coordinates": c})),
        4 => prop::collection::vec(polygon(), 1..3)
            .prop_map(|c| serde_json::json!({"type": "MultiPolygon", "coordinates": c})),
        1 => json_value().prop_map(|c| serde_json::json!({"type": "Polygon", "coordinates": c})),
        1 => json_value(),
    ]
}

/// A number near the zones' coordinates, or an extreme one.
fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => 116.29..116.33f64,
        3 => 39.89..39.92f64,
        1 => (0u8..7).prop_map(|k| 116.3 + f64::from(k) * 0.005),
        1 => (0u8..5).prop_map(|k| 39.9 + f64::from(k) * 0.005),
        1 => prop::sample::select(&[0.0, -0.0, 180.0, -180.0, 180.5, 90.0, -90.0, 90.5, 1e308, 5e-324, 1.0][..]),
        1 => any::<f64>(),
    ]
}

fn json_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => byte_edit(),
        2 => (any::<usize>(), json_value()).prop_map(|(n, v)| Edit::JsonValue(n, v)),
        3 => (any::<usize>(), coordinate()).prop_map(|(n, v)| Edit::JsonNumber(n, v)),
        1 => any::<usize>().prop_map(Edit::JsonDelete),
        3 => (any::<usize>(), geometry()).prop_map(|(f, g)| Edit::Geometry(f, g)),
    ]
}

fn toml_leaf() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        3 => odd_text().prop_map(toml::Value::String),
        1 => any::<i64>().prop_map(toml::Value::Integer),
        1 => prop::sample::select(&[0i64, -1, 1, 2, 45, 100, 101, 1000, 1001, i64::MAX, i64::MIN][..])
            .prop_map(toml::Value::Integer),
        1 => any::<f64>().prop_map(toml::Value::Float),
        1 => prop::sample::select(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.5, 1.0, 1e300, 5e-324][..])
            .prop_map(toml::Value::Float),
        1 => any::<bool>().prop_map(toml::Value::Boolean),
        1 => Just(toml::Value::Datetime("1979-05-27T07:32:00Z".parse().unwrap())),
    ]
}

const TOML_KEYS: &[&str] = &[
    "seed",
    "seed_commitment",
    "rule",
    "tie_breaking",
    "groups",
    "max_private_choices",
    "distance",
    "metric",
    "matrix",
    "fallback",
    "max_distance_m",
    "levels",
    "primary",
    "junior",
    "max_class_size",
    "class_cost_m",
    "crs",
    "encoding",
    "quota_share",
    "apportionment",
    "min_score",
];

fn toml_value() -> impl Strategy<Value = toml::Value> {
    toml_leaf().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::vec((prop::sample::select(TOML_KEYS).prop_map(str::to_string), inner), 0..3)
                .prop_map(|kv| toml::Value::Table(kv.into_iter().collect())),
        ]
    })
}

fn toml_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => byte_edit(),
        3 => (any::<usize>(), toml_value()).prop_map(|(n, v)| Edit::TomlValue(n, v)),
        2 => any::<usize>().prop_map(Edit::TomlDelete),
        2 => (
            any::<usize>(),
            prop_oneof![prop::sample::select(TOML_KEYS).prop_map(str::to_string), "\\PC{0,4}"],
            toml_value()
        )
            .prop_map(|(n, k, v)| Edit::TomlAdd(n, k, v)),
    ]
}

/// Splits into lines that keep their `\n`.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn apply(bytes: &[u8], edit: &Edit) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let n = b.len();
    match edit {
        Edit::DeleteLine(i) => {
            let mut l = lines(bytes);
            if !l.is_empty() {
                let k = i % l.len();
                l.remove(k);
            }
            l.concat()
        }
        Edit::DuplicateLine(i) => {
            let mut l = lines(bytes);
            if !l.is_empty() {
                let k = i % l.len();
                let line = l[k].clone();
                l.insert(k, line);
            }
            l.concat()
        }
        Edit::SwapLines(i, j) => {
            let mut l = lines(bytes);
            if !l.is_empty() {
                let (a, c) = (i % l.len(), j % l.len());
                l.swap(a, c);
            }
            l.concat()
        }
        Edit::Truncate(i) => {
            b.truncate(i % (n + 1));
            b
        }
        Edit::FlipBit(i, bit) => {
            if n > 0 {
                b[i % n] ^= 1 << bit;
            }
            b
        }
        Edit::InsertByte(i, byte) => {
            b.insert(i % (n + 1), *byte);
            b
        }
        Edit::DeleteByte(i) => {
            if n > 0 {
                b.remove(i % n);
            }
            b
        }
        Edit::Field {
            line,
            field,
            value,
            quoted,
        } => {
            let mut l = lines(bytes);
            if l.is_empty() {
                return b;
            }
            let k = line % l.len();
            let text = String::from_utf8_lossy(&l[k]).to_string();
            let (body, end) = match text.strip_suffix('\n') {
                Some(body) => (body.to_string(), "\n"),
                None => (text.clone(), ""),
            };
            let mut fields: Vec<String> = body.split(',').map(str::to_string).collect();
            let f = field % fields.len();
            fields[f] = if *quoted {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value.clone()
            };
            l[k] = format!("{}{end}", fields.join(",")).into_bytes();
            l.concat()
        }
        Edit::JsonValue(..) | Edit::JsonNumber(..) | Edit::JsonDelete(_) | Edit::Geometry(..) => {
            let Ok(mut doc) = serde_json::from_slice::<Json>(bytes) else {
                return b;
            };
            edit_json(&mut doc, edit);
            serde_json::to_vec(&doc).unwrap()
        }
        Edit::TomlValue(..) | Edit::TomlDelete(_) | Edit::TomlAdd(..) => {
            let Some(mut doc) = std::str::from_utf8(bytes)
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
            else {
                return b;
            };
            edit_toml(&mut doc, edit);
            match toml::to_string(&doc) {
                Ok(text) => text.into_bytes(),
                Err(_) => b,
            }
        }
    }
}

/// JSON pointers of every value, in pre-order.
fn json_paths(v: &Json, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Json::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                json_paths(x, format!("{at}/{i}"), out);
            }
        }
        Json::Object(map) => {
            for (k, x) in map {
                let k = k.replace('~', "~0").replace('/', "~1");
                json_paths(x, format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}

fn edit_json(doc: &mut Json, edit: &Edit) {
    let mut paths = Vec::new();
    json_paths(doc, String::new(), &mut paths);
    match edit {
        Edit::JsonValue(i, v) => {
            if let Some(slot) = doc.pointer_mut(&paths[i % paths.len()]) {
                *slot = v.clone();
            }
        }
        Edit::JsonNumber(i, v) => {
            let numbers: Vec<&String> = paths
                .iter()
                .filter(|p| doc.pointer(p).is_some_and(Json::is_number))
                .collect();
            if !numbers.is_empty() {
                let path = numbers[i % numbers.len()].clone();
                if let Some(slot) = doc.pointer_mut(&path) {
                    *slot = Json::from(*v);
                }
            }
        }
        Edit::JsonDelete(i) => {
            let path = &paths[i % paths.len()];
            let Some((parent, last)) = path.rsplit_once('/') else {
                return;
            };
            match doc.pointer_mut(parent) {
                Some(Json::Object(map)) => {
                    map.shift_remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Json::Array(items)) => {
                    if let Ok(k) = last.parse::<usize>() {
                        if k < items.len() {
                            items.remove(k);
                        }
                    }
                }
                _ => {}
            }
        }
        Edit::Geometry(f, g) => {
            if let Some(Json::Array(features)) = doc.get_mut("features") {
                if !features.is_empty() {
                    let k = f % features.len();
                    if let Json::Object(feature) = &mut features[k] {
                        feature.insert("geometry".to_string(), g.clone());
                    }
                }
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn toml_paths(v: &toml::Value, at: Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                let mut p = at.clone();
                p.push(Step::Key(k.clone()));
                toml_paths(x, p, out);
            }
        }
        toml::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                let mut p = at.clone();
                p.push(Step::Index(i));
                toml_paths(x, p, out);
            }
        }
        _ => {}
    }
}

fn toml_at<'a>(v: &'a mut toml::Value, path: &[Step]) -> Option<&'a mut toml::Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v);
    };
    let next = match (v, first) {
        (toml::Value::Table(t), Step::Key(k)) => t.get_mut(k)?,
        (toml::Value::Array(a), Step::Index(i)) => a.get_mut(*i)?,
        _ => return None,
    };
    toml_at(next, rest)
}

fn edit_toml(doc: &mut toml::Table, edit: &Edit) {
    let mut root = toml::Value::Table(std::mem::take(doc));
    let mut paths = Vec::new();
    toml_paths(&root, Vec::new(), &mut paths);
    match edit {
        Edit::TomlValue(i, v) => {
            let path = &paths[i % paths.len()];
            // The root stays a table.
            if !path.is_empty() {
                if let Some(slot) = toml_at(&mut root, path) {
                    *slot = v.clone();
                }
            }
        }
        Edit::TomlDelete(i) => {
            let path = &paths[i % paths.len()];
            if let Some((last, parent)) = path.split_last() {
                match (toml_at(&mut root, parent), last) {
                    (Some(toml::Value::Table(t)), Step::Key(k)) => {
                        t.remove(k);
                    }
                    (Some(toml::Value::Array(a)), Step::Index(k)) if *k < a.len() => {
                        a.remove(*k);
                    }
                    _ => {}
                }
            }
        }
        Edit::TomlAdd(i, key, v) => {
            let path = &paths[i % paths.len()];
            if let Some(toml::Value::Table(t)) = toml_at(&mut root, path) {
                t.insert(key.clone(), v.clone());
            }
        }
        _ => {}
    }
    if let toml::Value::Table(t) = root {
        *doc = t;
    }
}

/// What a property puts in place of a file.
#[derive(Debug, Clone)]
enum Input {
    /// Arbitrary bytes.
    Bytes(Vec<u8>),
    /// Arbitrary printable text with the characters CSV, JSON and TOML use.
    Text(String),
    /// The valid file after these edits.
    Edits(Vec<Edit>),
}

impl Input {
    fn bytes(&self, valid: &[u8]) -> Vec<u8> {
        match self {
            Input::Bytes(b) => b.clone(),
            Input::Text(t) => t.clone().into_bytes(),
            Input::Edits(edits) => edits.iter().fold(valid.to_vec(), |b, e| apply(&b, e)),
        }
    }
}

fn input(edit: impl Strategy<Value = Edit>) -> impl Strategy<Value = Input> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..400).prop_map(Input::Bytes),
        1 => "[a-z0-9_ ,;.\"'=\\[\\]{}:\n\r-]{0,300}".prop_map(Input::Text),
        8 => prop::collection::vec(edit, 1..4).prop_map(Input::Edits),
    ]
}

fn kind_edit(name: &str) -> BoxedStrategy<Edit> {
    if name.ends_with(".geojson") {
        json_edit().boxed()
    } else if name.ends_with(".toml") {
        toml_edit().boxed()
    } else {
        csv_edit().boxed()
    }
}

fn mutated(files: &Files, name: &str, input: &Input) -> Files {
    let valid = files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.clone())
        .unwrap_or_default();
    replace(files.clone(), name, input.bytes(&valid))
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn schools_csv(input in input(kind_edit("schools.csv"))) {
        check_scenario(&mutated(&base(), "schools.csv", &input))?;
    }

    #[test]
    fn applicants_csv(input in input(kind_edit("applicants.csv"))) {
        check_scenario(&mutated(&base(), "applicants.csv", &input))?;
    }

    #[test]
    fn zones_geojson(input in input(kind_edit("zones.geojson"))) {
        check_scenario(&mutated(&base(), "zones.geojson", &input))?;
    }

    #[test]
    fn policy_toml(input in input(kind_edit("policy.toml"))) {
        check_scenario(&mutated(&base(), "policy.toml", &input))?;
    }

    #[test]
    fn matrix_policy_toml(input in input(kind_edit("policy.toml"))) {
        check_scenario(&mutated(&matrix_base(), "policy.toml", &input))?;
    }

    #[test]
    fn distances_csv(input in input(kind_edit("distances.csv"))) {
        check_scenario(&mutated(&matrix_base(), "distances.csv", &input))?;
    }

    #[test]
    fn senior_policy_toml(input in input(kind_edit("policy.toml"))) {
        check_senior(&mutated(&senior_base(), "policy.toml", &input))?;
    }

    #[test]
    fn senior_schools_csv(input in input(kind_edit("senior_schools.csv"))) {
        check_senior(&mutated(&senior_base(), "senior_schools.csv", &input))?;
    }

    #[test]
    fn junior_schools_csv(input in input(kind_edit("junior_schools.csv"))) {
        check_senior(&mutated(&senior_base(), "junior_schools.csv", &input))?;
    }

    #[test]
    fn candidates_csv(input in input(kind_edit("candidates.csv"))) {
        check_senior(&mutated(&senior_base(), "candidates.csv", &input))?;
    }

    #[test]
    fn population_csv(zones in any::<bool>(), input in input(kind_edit("population.csv"))) {
        let valid = if zones { POPULATION_ZONES } else { POPULATION };
        check_population(&input.bytes(valid.as_bytes()))?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Several files broken at once, so that references between them
    /// (school ids in zones and choices, zone ids, the matrix) break too.
    #[test]
    fn all_files_at_once(
        matrix in any::<bool>(),
        inputs in prop::collection::vec(prop::option::weighted(0.4, csv_edit()), 5),
        json in prop::option::weighted(0.4, prop::collection::vec(json_edit(), 1..3)),
        policy in prop::option::weighted(0.4, prop::collection::vec(toml_edit(), 1..3)),
    ) {
        let mut files = if matrix { matrix_base() } else { base() };
        for (name, edit) in ["schools.csv", "applicants.csv", "distances.csv"].iter().zip(&inputs) {
            if let Some(edit) = edit {
                files = mutated(&files, name, &Input::Edits(vec![edit.clone()]));
            }
        }
        if let Some(edits) = json {
            files = mutated(&files, "zones.geojson", &Input::Edits(edits));
        }
        if let Some(edits) = policy {
            files = mutated(&files, "policy.toml", &Input::Edits(edits));
        }
        check_scenario(&files)?;
    }
}

proptest! {
    #![proptest_config(config(16))]

    /// The demo district (19 schools, 2,962 applicants, real-shaped zones):
    /// edits of one of its files.
    #[test]
    fn demo_district(file in 0usize..4, edits in prop::collection::vec(csv_edit(), 1..4), json in prop::collection::vec(json_edit(), 1..3)) {
        let name = SCENARIO_FILES[file];
        let input = if name.ends_with(".geojson") {
            Input::Edits(json)
        } else {
            Input::Edits(edits)
        };
        check_scenario(&mutated(&demo_base(), name, &input))?;
    }
}

// ---------------------------------------------------------------------------
// The valid bases themselves, and cases found by the properties
// ---------------------------------------------------------------------------

fn assert_ok(r: Result<(), TestCaseError>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

#[test]
fn bases_load_and_run() {
    for files in [base(), matrix_base()] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &files);
        let s = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
        assert_eq!(s.applicants.len(), 11);
        assert_ok(check_round(&s, 11, &scenario_names(&files)));
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &senior_base());
    let sc = senior::load(dir.path()).unwrap();
    assert_eq!(sc.candidates.len(), 10);
    for population in [POPULATION, POPULATION_ZONES] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("population.csv");
        std::fs::write(&path, population).unwrap();
        let p = forecast::load_population(&path, base_scenario(), &LoadOptions::default()).unwrap();
        assert!(!p.communities.is_empty());
    }
}

/// Found by `distances_csv`: with a matrix, the private lottery seats an
/// applicant at a school the matrix has no pair for; its `distance_m` is
/// empty, and `invariants::check` (hence `catchment verify`) called that
/// an inconsistent outcome.
#[test]
fn private_seat_without_a_matrix_pair_is_consistent() {
    let distances = DISTANCES.replace("A07,P1,800\n", "");
    let files = replace(matrix_base(), "distances.csv", distances.into_bytes());
    assert_ok(check_scenario(&files));
}

/// Found by `sweep_odd_values_in_every_policy_key`: under rule `optimal`
/// groups are placed as separate members (spec §8), but
/// `invariants::check` (hence `catchment verify`) reported the twins
/// A05 and A06 "separated from its group".
#[test]
fn group_split_by_rule_optimal_is_no_broken_invariant() {
    for policy in [
        POLICY.replace("rule = \"zone\"", "rule = \"optimal\""),
        POLICY.replace("rule = \"nearest_vacancy\"", "rule = \"optimal\""),
    ] {
        let files = replace(base(), "policy.toml", policy.into_bytes());
        assert_ok(check_scenario(&files));
    }
}

/// Found by `zones_geojson` (the most frequent first error): when
/// `zones.geojson` cannot be read at all, every applicant naming a zone got
/// a second, misleading error "zone \"Z1\" is not a zone in zones.geojson".
#[test]
fn unreadable_zones_file_is_reported_once() {
    for zones in [&ZONES.as_bytes()[..100], b"[]", b""] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &replace(base(), "zones.geojson", zones.to_vec()));
        let Err(Error::Input(diags)) = scenario::load(dir.path(), &LoadOptions::default()) else {
            panic!("a broken zones.geojson loads");
        };
        let errors: Vec<String> = diags
            .sorted()
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("zones.geojson"), "{errors:?}");
    }
}

// ---------------------------------------------------------------------------
// Sweeps: every odd value in every place, deterministically
// ---------------------------------------------------------------------------

/// Every CSV file of the bases, with the scenario kind that reads it.
fn csv_files() -> Vec<(Files, &'static str, Check)> {
    vec![
        (
            base(),
            "schools.csv",
            check_scenario as fn(&Files) -> Result<(), TestCaseError>,
        ),
        (base(), "applicants.csv", check_scenario),
        (matrix_base(), "distances.csv", check_scenario),
        (senior_base(), "senior_schools.csv", check_senior),
        (senior_base(), "junior_schools.csv", check_senior),
        (senior_base(), "candidates.csv", check_senior),
    ]
}

/// Each odd value in each column of the first data row, of the last, and
/// of every data row at once (sums over rows: seats, graduates).
#[test]
fn sweep_odd_values_in_every_csv_column() {
    for (files, name, check) in csv_files() {
        let valid = files.iter().find(|(n, _)| n == name).unwrap().1.clone();
        let rows = lines(&valid).len();
        let columns = lines(&valid)[0].split(|&b| b == b',').count();
        for which in [vec![1], vec![rows - 1], (1..rows).collect()] {
            for field in 0..columns {
                for value in ODD {
                    let bytes = which.iter().fold(valid.clone(), |b, &line| {
                        let edit = Edit::Field {
                            line,
                            field,
                            value: value.to_string(),
                            quoted: false,
                        };
                        apply(&b, &edit)
                    });
                    if let Err(e) = check(&replace(files.clone(), name, bytes)) {
                        panic!("{name} lines {which:?} field {field} = {value:?}: {e}");
                    }
                }
            }
        }
    }
}

fn population_sweep_values() -> Vec<String> {
    ODD.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sweep_odd_values_in_every_population_column() {
    for valid in [POPULATION, POPULATION_ZONES] {
        let rows = lines(valid.as_bytes()).len();
        let columns = valid.lines().next().unwrap().split(',').count();
        for line in [0, 1, rows - 1] {
            for field in 0..columns {
                for value in population_sweep_values() {
                    let edit = Edit::Field {
                        line,
                        field,
                        value: value.clone(),
                        quoted: false,
                    };
                    if let Err(e) = check_population(&apply(valid.as_bytes(), &edit)) {
                        panic!("population.csv line {line} field {field} = {value:?}: {e}");
                    }
                }
            }
        }
    }
}

fn toml_sweep_values() -> Vec<toml::Value> {
    let mut v: Vec<toml::Value> = ODD.iter().map(|s| toml::Value::String(s.to_string())).collect();
    v.extend(
        [
            0i64,
            -1,
            1,
            2,
            45,
            100,
            101,
            1000,
            1001,
            10000,
            4294967296,
            i64::MAX,
            i64::MIN,
        ]
        .map(toml::Value::Integer),
    );
    v.extend(
        [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.5,
            0.1234567,
            1.0,
            1.5,
            570.25,
            1e300,
            5e-324,
        ]
        .map(toml::Value::Float),
    );
    v.extend([true, false].map(toml::Value::Boolean));
    v.push(toml::Value::Datetime("1979-05-27T07:32:00Z".parse().unwrap()));
    v.push(toml::Value::Array(vec![]));
    v.push(toml::Value::Table(toml::Table::new()));
    v
}

/// Each odd value in place of each value of each policy, each key deleted,
/// and each known key added with each odd value.
#[test]
fn sweep_odd_values_in_every_policy_key() {
    let cases: [(Files, Check); 3] = [
        (base(), check_scenario),
        (matrix_base(), check_scenario),
        (senior_base(), check_senior),
    ];
    for (files, check) in cases {
        let valid = files.iter().find(|(n, _)| n == "policy.toml").unwrap().1.clone();
        let table: toml::Table = std::str::from_utf8(&valid).unwrap().parse().unwrap();
        let mut paths = Vec::new();
        toml_paths(&toml::Value::Table(table), Vec::new(), &mut paths);
        // Every key added to the top level (crs, encoding, seed_commitment…).
        let added = TOML_KEYS.iter().flat_map(|k| {
            toml_sweep_values()
                .into_iter()
                .map(|v| Edit::TomlAdd(0, k.to_string(), v))
        });
        for edit in added {
            let mutated = replace(files.clone(), "policy.toml", apply(&valid, &edit));
            if let Err(e) = check(&mutated) {
                panic!("policy.toml {edit:?}: {e}");
            }
        }
        for node in 1..paths.len() {
            let mut edits = vec![Edit::TomlDelete(node)];
            edits.extend(toml_sweep_values().into_iter().map(|v| Edit::TomlValue(node, v)));
            for edit in edits {
                let mutated = replace(files.clone(), "policy.toml", apply(&valid, &edit));
                if let Err(e) = check(&mutated) {
                    panic!("policy.toml {edit:?}: {e}");
                }
            }
        }
    }
}

/// Each extreme number in place of each number of `zones.geojson`, and odd
/// values in place of each property.
#[test]
fn sweep_odd_values_in_every_geojson_value() {
    let files = base();
    let valid = ZONES.as_bytes();
    let doc: Json = serde_json::from_slice(valid).unwrap();
    let mut paths = Vec::new();
    json_paths(&doc, String::new(), &mut paths);
    let numbers = [
        0.0, -0.0, 180.0, -180.0, 180.5, 90.0, -90.0, 90.5, 1e308, 5e-324, 116.31, 39.905,
    ];
    let others: Vec<Json> = ODD
        .iter()
        .map(|s| Json::from(*s))
        .chain([
            Json::Null,
            Json::Bool(true),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(1),
        ])
        .collect();
    for (node, path) in paths.iter().enumerate() {
        let is_number = doc.pointer(path).is_some_and(Json::is_number);
        let mut edits = vec![Edit::JsonDelete(node)];
        if is_number {
            edits.extend(numbers.iter().map(|&v| Edit::JsonValue(node, Json::from(v))));
        } else {
            edits.extend(others.iter().map(|v| Edit::JsonValue(node, v.clone())));
        }
        for edit in edits {
            let mutated = replace(files.clone(), "zones.geojson", apply(valid, &edit));
            if let Err(e) = check_scenario(&mutated) {
                panic!("zones.geojson {path} {edit:?}: {e}");
            }
        }
    }
}
