//! `plan-classes` on a case worked out by hand.

use std::process::Command;

/// School A (3 classes today, declared class_cap 65) is the only school of
/// the zone where 180 children live; B (up to 2 classes, 45 each) is 2 km
/// away. Today A would seat all 180 in 3 classes of 60: three large
/// classes (大班额). The standard is 45: A can seat 135 in its 3 classes,
/// and the other 45 need one class at B (a second class at B would cost
/// class_cost_m and seat nobody).
#[test]
fn plan_eliminates_large_classes_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("schools.csv"),
        "id,name,level,sector,lon,lat,classes,class_cap\nA,A,primary,public,116.405,39.905,3,65\nB,B,primary,public,116.405,39.925,2,\n",
    )
    .unwrap();
    let mut applicants = String::from("id,level,lon,lat\n");
    for i in 0..180 {
        applicants.push_str(&format!("a{i:03},primary,116.40{},39.90{}\n", i % 10, (i / 10) % 10));
    }
    std::fs::write(dir.join("applicants.csv"), applicants).unwrap();
    std::fs::write(
        dir.join("zones.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"ZA","level":"primary","schools":["A"]},"geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],[116.40,39.91],[116.40,39.90]]]}},{"type":"Feature","properties":{"id":"ZB","level":"primary","schools":["B"]},"geometry":{"type":"Polygon","coordinates":[[[116.40,39.92],[116.41,39.92],[116.41,39.93],[116.40,39.93],[116.40,39.92]]]}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "seed = \"plan\"\nclass_cost_m = 2000\n[levels.primary]\nmax_class_size = 45\n",
    )
    .unwrap();
    let out = dir.join("plan");
    let o = Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args(["plan-classes", dir.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let rows: Vec<&str> = plan.lines().collect();
    assert_eq!(
        rows[0],
        "school_id,name,level,classes_now,classes_recommended,pupils_now,pupils_recommended,largest_class_now,largest_class_recommended,large_classes_now,super_large_classes_now,large_classes_recommended,super_large_classes_recommended"
    );
    assert_eq!(rows[1], "A,A,primary,3,3,180,135,60,45,3,0,0,0");
    assert_eq!(rows[2], "B,B,primary,2,1,0,45,0,45,0,0,0,0");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("0 unseated") && stdout.contains("large classes (56+) 3 now -> 0 planned"),
        "{stdout}"
    );
}
