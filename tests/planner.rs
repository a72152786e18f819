//! Planner tools: seat forecast (hand-worked), GBK input, GCJ-02 input.

use std::path::Path;

use catchment::crs::Crs;
use catchment::forecast;
use catchment::scenario::{self, Encoding, LoadOptions};

fn square(id: &str, level: &str, schools: &[&str], lon0: f64, lat0: f64, size: f64) -> String {
    let (l1, t1) = (lon0 + size, lat0 + size);
    let schools: Vec<String> = schools.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"{id}\",\"level\":\"{level}\",\"schools\":[{}]}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{lon0},{lat0}],[{l1},{lat0}],[{l1},{t1}],[{lon0},{t1}],[{lon0},{lat0}]]]}}}}",
        schools.join(",")
    )
}

/// Three primary zones (A: school a, 2 classes = 90 seats; B: b, 1 class
/// = 45; C: multi-school c1 45 + c2 with class_cap 40 = 85) side by side,
/// and one junior zone J over all of them (j, 1 class = 50 seats).
fn write_scenario(dir: &Path, policy_extra: &str) {
    std::fs::write(
        dir.join("schools.csv"),
        "id,name,level,sector,lon,lat,classes,class_cap\n\
         a,A,primary,public,0.05,0.05,2,\n\
         b,B,primary,public,0.15,0.05,1,\n\
         c1,C1,primary,public,0.25,0.05,1,\n\
         c2,C2,primary,public,0.26,0.05,1,40\n\
         j,J,junior,public,0.15,0.05,1,\n",
    )
    .unwrap();
    std::fs::write(dir.join("applicants.csv"), "id,level,lon,lat\nx1,primary,0.05,0.05\n").unwrap();
    let features = [
        square("A", "primary", &["a"], 0.0, 0.0, 0.1),
        square("B", "primary", &["b"], 0.1, 0.0, 0.1),
        square("C", "primary", &["c1", "c2"], 0.2, 0.0, 0.1),
        square("J", "junior", &["j"], 0.0, 0.0, 0.3),
    ];
    std::fs::write(
        dir.join("zones.geojson"),
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
            features.join(",\n")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        format!("seed = \"s\"\nrule = \"zone\"\n{policy_extra}"),
    )
    .unwrap();
}

const POPULATION_HEADER: &str =
    "id,zone,lon,lat,born_2021,born_2022,born_2023,born_2024,born_2025,born_2026,grade_5,grade_6,net_migration_rate\n";
const POPULATION_ROWS: [&str; 6] = [
    "r1,A,,,50,40,100,,,,,,\n",
    // Located by lon/lat in A (and J); grows 20 % a year: 45 × 1.2 = 54 in 2027.
    "r2,,0.05,0.05,45,0,0,,,,,,0.2\n",
    "r3,B,,,46,45,100,,,,,,\n",
    // Shrinks by half a year: 80 × 0.5 = 40, 86 × 0.25 = 21.5 → 22, 10 × 0.125 = 1.25 → 1.
    "r4,C,,,80,86,10,,,,,,-0.5\n",
    // Outside every zone: left out with a warning.
    "r5,,5.0,5.0,999,999,999,999,999,999,999,999,\n",
    "r6,J,,,0,0,0,0,0,0,30,60,\n",
];

/// Census year 2026 (latest born_ column, blank = 0); entrants 2027 ← born 2021,
/// 2028 ← 2022, 2029 ← 2023; grade 7 in 2027 ← grade 6, 2028 ← grade 5.
/// Worked by hand:
///   A (90 seats):  2027 50+54 = 104 → −14, 1 class; 2028 40 → +50; 2029 100 → −10, 1 class
///   B (45 seats):  2027 46 → −1, 1 class; 2028 45 → 0; 2029 100 → −55, ⌈55/45⌉ = 2 classes
///   C (85 seats):  2027 40 → +45; 2028 22 → +63; 2029 1 → +84
///   J (50 seats):  2027 60 → −10, 1 class; 2028 30 → +20; 2029 0 → +50
const EXPECTED: &str = "zone_id,level,year,entrants,seats,surplus,classes_short,schools\n\
A,primary,2027,104,90,-14,1,a\n\
A,primary,2028,40,90,50,0,a\n\
A,primary,2029,100,90,-10,1,a\n\
B,primary,2027,46,45,-1,1,b\n\
B,primary,2028,45,45,0,0,b\n\
B,primary,2029,100,45,-55,2,b\n\
C,primary,2027,40,85,45,0,c1;c2\n\
C,primary,2028,22,85,63,0,c1;c2\n\
C,primary,2029,1,85,84,0,c1;c2\n\
J,junior,2027,60,50,-10,1,j\n\
J,junior,2028,30,50,20,0,j\n\
J,junior,2029,0,50,50,0,j\n";

#[test]
fn forecast_three_zones_three_years_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    write_scenario(dir.path(), "");
    let s = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
    let options = LoadOptions::default();
    let pop_path = dir.path().join("population.csv");
    std::fs::write(&pop_path, format!("{POPULATION_HEADER}{}", POPULATION_ROWS.concat())).unwrap();
    let (pop, rows, files) = forecast::run(&s, &pop_path, 3, &options).unwrap();
    assert_eq!(pop.census_year, 2026);
    assert_eq!(String::from_utf8(files[0].bytes.clone()).unwrap(), EXPECTED);
    let warnings: Vec<String> = pop.warnings.sorted().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["population.csv:6: warning: 1 row(s) lie in no junior zone (first on this line); their children are left out of the forecast",
         "population.csv:6: warning: 1 row(s) lie in no primary zone (first on this line); their children are left out of the forecast"]
    );
    // The page flags the short zones with their classes.
    let html = String::from_utf8(files[1].bytes.clone()).unwrap();
    assert!(html.contains("<svg") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains(">B ⚠ 2 cl.</text>"), "{html}");
    assert!(!html.contains(">C ⚠"), "C has no shortage");
    assert_eq!(rows.iter().filter(|r| r.classes_short > 0).count(), 5);

    // Row order does not matter.
    let mut reversed: Vec<&str> = POPULATION_ROWS.to_vec();
    reversed.reverse();
    std::fs::write(&pop_path, format!("{POPULATION_HEADER}{}", reversed.concat())).unwrap();
    let (_, _, again) = forecast::run(&s, &pop_path, 3, &options).unwrap();
    assert_eq!(again[0].bytes, files[0].bytes);
    assert_eq!(again[1].bytes, files[1].bytes);

    // A year without its birth cohort is refused, naming the column.
    let e = forecast::run(&s, &pop_path, 7, &options).err().unwrap();
    let catchment::error::Error::Input(d) = e else {
        panic!("{e}")
    };
    let msg = d.sorted()[0].to_string();
    assert!(
        msg.contains("needs column born_2027") && msg.contains("--years 6 or fewer"),
        "{msg}"
    );
}

#[test]
fn forecast_rejects_bad_rows_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write_scenario(dir.path(), "");
    let s = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
    let pop_path = dir.path().join("population.csv");
    std::fs::write(
        &pop_path,
        "zone,born_2025,born_2026,net_migration_rate\nZ,1,1,\nA,-3,1,\nA,1,1,2\nA,x,1,\n",
    )
    .unwrap();
    let Err(catchment::error::Error::Input(d)) = forecast::run(&s, &pop_path, 1, &LoadOptions::default()) else {
        panic!("expected input errors");
    };
    let msgs: Vec<String> = d.sorted().iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(
        msgs[0].starts_with("population.csv:2: error: zone \"Z\" is not in zones.geojson"),
        "{msgs:?}"
    );
    assert!(msgs[1].starts_with("population.csv:3: error: born_2025 -3"), "{msgs:?}");
    assert!(
        msgs[2].starts_with("population.csv:4: error: net_migration_rate 2"),
        "{msgs:?}"
    );
    assert!(
        msgs[3].starts_with("population.csv:5: error: born_2025 \"x\" is not"),
        "{msgs:?}"
    );
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn gbk_schools_are_decoded_and_utf8_failure_suggests_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    write_scenario(dir.path(), "");
    let text = "id,name,level,sector,lon,lat,classes\n\
                a,北京市海淀区中关村第一小学,primary,public,0.05,0.05,2\n\
                b,实验小学,primary,public,0.15,0.05,1\n\
                c1,育才学校,primary,public,0.25,0.05,1\n\
                c2,第二实验小学,primary,public,0.26,0.05,1\n\
                j,人大附中分校,junior,public,0.15,0.05,1\n";
    let bytes = gbk(text);
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture really is not UTF-8");
    std::fs::write(dir.path().join("schools.csv"), &bytes).unwrap();

    let e = scenario::load(dir.path(), &LoadOptions::default()).err().unwrap();
    let catchment::error::Error::Input(d) = e else {
        panic!("{e}")
    };
    let first = d.sorted()[0].to_string();
    assert!(
        first.starts_with("schools.csv:2: error: row is not valid UTF-8") && first.contains("--encoding gbk"),
        "{first}"
    );

    let options = LoadOptions {
        encoding: Some(Encoding::Gbk),
        ..LoadOptions::default()
    };
    let s = scenario::load(dir.path(), &options).unwrap();
    assert_eq!(s.schools[0].name, "北京市海淀区中关村第一小学");
    assert_eq!(s.schools[4].name, "人大附中分校");

    // The policy key does the same; the flag overrides it.
    write_scenario(dir.path(), "encoding = \"gbk\"\n");
    std::fs::write(dir.path().join("schools.csv"), &bytes).unwrap();
    let s = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(s.schools[1].name, "实验小学");
    let utf8 = LoadOptions {
        encoding: Some(Encoding::Utf8),
        ..LoadOptions::default()
    };
    assert!(scenario::load(dir.path(), &utf8).is_err());

    // A UTF-8 file read as GBK is reported, naming the line.
    let mut bad = gbk(text);
    let at = bad.iter().position(|&b| b == b'\n').unwrap() + 1;
    let at = at + bad[at..].iter().position(|&b| b == b'\n').unwrap() + 3; // line 3, after "c1"
    bad.insert(at, 0x81); // a GBK lead byte followed by ',' is malformed
    std::fs::write(dir.path().join("schools.csv"), &bad).unwrap();
    let e = scenario::load(dir.path(), &LoadOptions::default()).err().unwrap();
    let catchment::error::Error::Input(d) = e else {
        panic!("{e}")
    };
    let msgs: Vec<String> = d.sorted().iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("schools.csv:3: error: not valid GBK")),
        "{msgs:?}"
    );
}

#[test]
fn gcj02_input_is_converted_on_load_and_the_flag_overrides_the_policy() {
    // One school and its zone near Tiananmen, written in GCJ-02.
    let dir = tempfile::tempdir().unwrap();
    let wgs = (116.391305, 39.907333);
    let gcj = wgs84_to_gcj02(wgs.0, wgs.1);
    std::fs::write(
        dir.path().join("schools.csv"),
        format!(
            "id,name,level,sector,lon,lat,classes\ns1,S,primary,public,{},{},1\n",
            gcj.0, gcj.1
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("applicants.csv"),
        format!("id,level,lon,lat\nx1,primary,{},{}\n", gcj.0, gcj.1),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("zones.geojson"),
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
            square("Z", "primary", &["s1"], gcj.0 - 0.01, gcj.1 - 0.01, 0.02)
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("policy.toml"), "seed = \"s\"\ncrs = \"gcj02\"\n").unwrap();
    let s = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
    let metres = |a: (f64, f64), b: (f64, f64)| catchment::distance::haversine(a, b);
    assert!(metres((s.schools[0].lon, s.schools[0].lat), wgs) < 0.01);
    assert!(metres((s.applicants[0].lon, s.applicants[0].lat), wgs) < 0.01);
    // The loaded corner, shifted forward again by this file's own GCJ-02
    // formula, is the corner written.
    let c = s.zones[0].area.0[0].exterior().0[0];
    assert!(metres(wgs84_to_gcj02(c.x, c.y), (gcj.0 - 0.01, gcj.1 - 0.01)) < 0.01);
    assert!(metres((c.x, c.y), (gcj.0 - 0.01, gcj.1 - 0.01)) > 100.0);

    let flag = LoadOptions {
        crs: Some(Crs::Wgs84),
        ..LoadOptions::default()
    };
    let s = scenario::load(dir.path(), &flag).unwrap();
    assert_eq!((s.schools[0].lon, s.schools[0].lat), gcj);
}

/// WGS84 → GCJ-02 as published (the "eviltransform" formulas), written here
/// independently of `catchment::crs`, so that the library's conversion on
/// load is checked against a second implementation.
fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let (x, y) = (lon - 105.0, lat - 35.0);
    let common = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let dlat = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + common
        + (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0
        + (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let dlon = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + common
        + (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0
        + (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let dlon = dlon * 180.0 / (A / sqrt_magic * rad.cos() * PI);
    (lon + dlon, lat + dlat)
}
