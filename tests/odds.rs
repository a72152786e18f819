//! `catchment odds` against probabilities enumerated by hand, and its
//! determinism across thread counts.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn write_scenario(dir: &Path, applicants: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("schools.csv"),
        "id,name,level,sector,lon,lat,classes,class_cap\nS,S,primary,public,116.405,39.905,1,3\n",
    )
    .unwrap();
    std::fs::write(dir.join("applicants.csv"), applicants).unwrap();
    std::fs::write(
        dir.join("zones.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"Z","level":"primary","schools":["S"]},"geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],[116.40,39.91],[116.40,39.90]]]}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "seed = \"odds\"\nrule = \"zone\"\n[fallback]\nrule = \"none\"\n[levels.primary]\nmax_class_size = 2\n",
    )
    .unwrap();
}

fn odds(dir: &Path, out: &Path, trials: &str, threads: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args([
            "odds",
            dir.to_str().unwrap(),
            "--trials",
            trials,
            "--out",
            out.to_str().unwrap(),
        ])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// (applicant, school, stage) -> (probability, std_error)
fn probabilities(out: &Path) -> HashMap<(String, String, String), (f64, f64)> {
    let text = std::fs::read_to_string(out.join("odds_applicants.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                (f[0].into(), f[2].into(), f[3].into()),
                (f[5].parse().unwrap(), f[6].parse().unwrap()),
            )
        })
        .collect()
}

/// Three applicants of one tier, two seats (1 class of 2): by symmetry each
/// gets a seat with probability 2/3 and is unplaced with probability 1/3.
#[test]
fn three_applicants_two_seats_each_two_thirds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    write_scenario(
        &dir,
        "id,level,lon,lat\na,primary,116.401,39.901\nb,primary,116.402,39.902\nc,primary,116.403,39.903\n",
    );
    let out = tmp.path().join("odds");
    odds(&dir, &out, "20000", "2");
    let p = probabilities(&out);
    for id in ["a", "b", "c"] {
        let (seat, se) = p[&(id.to_string(), "S".to_string(), "zone".to_string())];
        assert!((seat - 2.0 / 3.0).abs() < 3.0 * se, "{id}: {seat} ± {se}");
        let (none, _) = p[&(id.to_string(), String::new(), "unplaced".to_string())];
        assert!((seat + none - 1.0).abs() < 1e-9);
    }
    // The school's cut-off is always in tier 1 with 2 of 3 admitted.
    let cutoffs = std::fs::read_to_string(out.join("odds_cutoffs.csv")).unwrap();
    assert!(cutoffs.contains("S,1,20000,1.000000,0.666667"), "{cutoffs}");
}

/// Two tier-1 and two tier-2 applicants, three seats (one class of 3): tier 1
/// is served first and always admitted; the two tier-2 applicants share the
/// last seat, half of the time each.
#[test]
fn tiers_are_served_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    write_scenario(
        &dir,
        "id,level,lon,lat,priority\nh1,primary,116.401,39.901,1\nh2,primary,116.402,39.902,1\nl1,primary,116.403,39.903,2\nl2,primary,116.404,39.904,2\n",
    );
    let policy = std::fs::read_to_string(dir.join("policy.toml"))
        .unwrap()
        .replace("max_class_size = 2", "max_class_size = 3");
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
    let out = tmp.path().join("odds");
    odds(&dir, &out, "4000", "2");
    let p = probabilities(&out);
    for id in ["h1", "h2"] {
        assert_eq!(p[&(id.to_string(), "S".to_string(), "zone".to_string())].0, 1.0);
    }
    for id in ["l1", "l2"] {
        let (q, se) = p[&(id.to_string(), "S".to_string(), "zone".to_string())];
        assert!((q - 0.5).abs() < 3.0 * se, "{id}: {q} ± {se}");
    }
    let intake = std::fs::read_to_string(out.join("odds_intake.csv")).unwrap();
    assert!(intake.contains("S,3,4000,1.000000"), "{intake}");
}

#[test]
fn same_outputs_with_one_or_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    odds(&demo, &one, "300", "1");
    odds(&demo, &two, "300", "2");
    for f in [
        "odds_applicants.csv",
        "odds_schools.csv",
        "odds_cutoffs.csv",
        "odds_intake.csv",
        "odds_summary.json",
    ] {
        assert!(
            std::fs::read(one.join(f)).unwrap() == std::fs::read(two.join(f)).unwrap(),
            "{f} differs"
        );
    }
}
