//! Real NSW catchments (fixtures/nsw-mid-coast, CC BY 4.0, see its
//! LICENCE.md): five invalid features are errors naming each feature unless
//! `--repair` is given; with it, `check` and `run` succeed and say what
//! changed.

use std::path::{Path, PathBuf};

mod common;
use common::catchment;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nsw-mid-coast")
}

/// The invalid features listed in /work/shared/data/make_nsw.report.json.
const INVALID: &[(usize, &str, &str)] = &[
    (
        3,
        "S1402",
        "exterior ring crosses or touches itself at (152.207315, -32.697989)",
    ),
    (
        20,
        "P2695",
        "exterior ring crosses or touches itself at (152.466291, -32.077579)",
    ),
    (
        26,
        "P3175",
        "exterior ring crosses or touches itself at (152.207315, -32.697989)",
    ),
    (27, "P3219", "hole 0 is not inside the exterior ring"),
    (
        37,
        "S8289",
        "exterior ring crosses or touches itself at (152.565395, -32.009755)",
    ),
];

#[test]
fn invalid_real_geometry_is_an_error_naming_each_feature() {
    let dir = fixture();
    let out = catchment(["check".as_ref(), dir.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (feature, id, what) in INVALID {
        let want =
            format!("zones.geojson: feature {feature} (id \"{id}\"): error: invalid geometry: polygon 0: {what}");
        assert!(stderr.contains(&want), "missing {want:?} in\n{stderr}");
    }
    assert!(stderr.contains("error: 5 error(s) in the scenario"), "{stderr}");
}

#[test]
fn repair_makes_real_geometry_pass_check_and_run() {
    let dir = fixture();
    let out = catchment(["check".as_ref(), "--repair".as_ref(), dir.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for (feature, id, what) in INVALID {
        // Repeated vertices are dropped first, so the crossing found may be
        // another one of the same ring.
        let what = what.split(" at (").next().unwrap_or(what);
        let want = format!("zones.geojson: feature {feature} (id \"{id}\"): warning: repaired polygon 0: {what}");
        assert!(stderr.contains(&want), "missing {want:?} in\n{stderr}");
    }
    // Repeated consecutive vertices are dropped and reported.
    assert!(stderr.contains("repeated consecutive position(s)"), "{stderr}");
    // The digitising slivers between neighbours are reported with an area.
    assert!(stderr.contains("m² around ("), "{stderr}");
    assert!(stderr.contains("zones enclose"), "{stderr}");

    let tmp = tempfile::tempdir().expect("temp dir");
    let out_dir = tmp.path().join("out");
    let out = catchment([
        "run".as_ref(),
        "--repair".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.join("manifest.json").is_file());
    // No run folder without --repair.
    let out_dir2 = tmp.path().join("out2");
    let out = catchment(["run".as_ref(), dir.as_os_str(), "--out".as_ref(), out_dir2.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out_dir2.exists());
}
