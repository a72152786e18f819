//! `catchment compare`: a proposed map that moves one zone boundary by a
//! known strip changes exactly the applicants whose homes lie in the strip
//! (counted by an independent ray-casting test here), and the summary
//! figures of a tiny scenario match figures worked out by hand.

use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::catchment;

/// A polygon's exterior ring, lon/lat, without the closing point.
type Ring = Vec<(f64, f64)>;

const LON0: f64 = 151.0;
const LAT0: f64 = -33.91;

fn feature(id: &str, school: &str, ring: &[(f64, f64)]) -> String {
    let mut pts: Vec<String> = ring.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
    pts.push(pts[0].clone());
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}","level":"primary","schools":["{school}"]}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        pts.join(",")
    )
}

fn collection(features: &[String]) -> String {
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
        features.join(",\n")
    )
}

/// Ray casting: is (x, y) inside the ring (crossings of a ray to +x)?
fn inside(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut odd = false;
    let n = ring.len();
    for i in 0..n {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % n];
        if (y1 > y) != (y2 > y) && x < x1 + (y - y1) / (y2 - y1) * (x2 - x1) {
            odd = !odd;
        }
    }
    odd
}

/// West zone A and east zone B share a bent boundary (x = 0.010, 0.012 at
/// mid height, 0.010 at the top, in degrees east of LON0); `shift` moves
/// that boundary east.
fn zones(shift: f64) -> (Ring, Ring) {
    let b = |dx: f64, dy: f64| (LON0 + dx, LAT0 + dy);
    let boundary = [b(0.010 + shift, 0.0), b(0.012 + shift, 0.005), b(0.010 + shift, 0.010)];
    let mut a = vec![b(0.0, 0.0)];
    a.extend(boundary);
    a.push(b(0.0, 0.010));
    let mut east = vec![b(0.020, 0.0), b(0.020, 0.010)];
    east.extend(boundary.iter().rev());
    (a, east)
}

fn write_scenario(dir: &Path, schools: &str, applicants: &str, zones: &str, extra_policy: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("schools.csv"), schools).unwrap();
    std::fs::write(dir.join("applicants.csv"), applicants).unwrap();
    std::fs::write(dir.join("zones.geojson"), zones).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        format!("seed = \"compare\"\nrule = \"zone\"\ntie_breaking = \"single\"\ngroups = \"together\"\n{extra_policy}\n[levels.primary]\nmax_class_size = 45\n"),
    )
    .unwrap();
}

#[test]
fn moving_a_boundary_changes_exactly_the_homes_in_the_strip() {
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("scenario");
    let (a0, b0) = zones(0.0);
    let (a1, b1) = zones(0.003);
    // Seats for everyone at either school: nobody is turned away.
    let schools = format!(
        "id,name,level,sector,lon,lat,classes\nA,West,primary,public,{},{},10\nB,East,primary,public,{},{},10\n",
        LON0 + 0.004,
        LAT0 + 0.005,
        LON0 + 0.017,
        LAT0 + 0.005
    );
    // 400 homes from a fixed linear congruential sequence over the box.
    let mut state: u64 = 12345;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut applicants = String::from("id,level,lon,lat\n");
    let mut homes = Vec::new();
    for i in 0..400 {
        let (x, y) = (LON0 + 0.0002 + 0.0196 * next(), LAT0 + 0.0002 + 0.0096 * next());
        applicants.push_str(&format!("a{i:03},primary,{x:.7},{y:.7}\n"));
        homes.push((format!("a{i:03}"), x, y));
    }
    write_scenario(
        &scen,
        &schools,
        &applicants,
        &collection(&[feature("ZA", "A", &a0), feature("ZB", "B", &b0)]),
        "",
    );
    let proposed = tmp.path().join("proposed.geojson");
    std::fs::write(
        &proposed,
        collection(&[feature("ZA", "A", &a1), feature("ZB", "B", &b1)]),
    )
    .unwrap();

    let out = tmp.path().join("cmp");
    let o = catchment([
        "compare",
        scen.to_str().unwrap(),
        "--zones",
        proposed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Independent count: in B before and in A after (the strip), by ray casting.
    // Coordinates are read back as written (7 decimals).
    let strip: BTreeSet<String> = homes
        .iter()
        .filter(|(_, x, y)| {
            let (x, y) = (format!("{x:.7}").parse().unwrap(), format!("{y:.7}").parse().unwrap());
            inside(&b0, x, y) && inside(&a1, x, y)
        })
        .map(|(id, _, _)| id.clone())
        .collect();
    assert!(strip.len() >= 20, "the strip holds only {} homes", strip.len());

    let changes = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    let mut lines = changes.lines();
    assert_eq!(
        lines.next(),
        Some("applicant_id,level,school_before,school_after,stage_before,stage_after,distance_before,distance_after")
    );
    let mut changed = BTreeSet::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[2], f[3], f[4], f[5]), ("B", "A", "zone", "zone"), "{line}");
        changed.insert(f[0].to_string());
    }
    assert_eq!(changed, strip);

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("compare_summary.json")).unwrap()).unwrap();
    assert_eq!(summary["applicants_changing_school"], strip.len() as u64);
    assert_eq!(summary["households_changing_school"], strip.len() as u64);
    // Both run folders are complete and verify against their scenarios.
    for f in ["report.html", "assignments.geojson", "manifest.json"] {
        assert!(
            out.join("before").join(f).is_file() && out.join("after").join(f).is_file(),
            "{f}"
        );
    }
    let o = catchment(["verify", scen.to_str().unwrap(), out.join("before").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    assert_eq!(html.matches("<svg class=\"cmap\"").count(), 2);
    assert!(!html.contains("http://") && !html.contains("https://"));
    // The page names the proposed map, outlines the strip on both maps,
    // names the schools in the changes table, and counts each zone's
    // applicants before and after as the ray casting does.
    assert!(
        html.contains("<code>proposed.geojson</code>"),
        "the proposed file is not named"
    );
    assert_eq!(
        html.matches("class=\"outline\"").count(),
        2,
        "the moved strip is not outlined"
    );
    assert!(
        html.contains("<td>B East</td><td>A West</td>"),
        "school names missing from the changes"
    );
    let count = |ring: &Ring| homes.iter().filter(|(_, x, y)| inside(ring, *x, *y)).count();
    for (zone, before, after) in [("ZA", &a0, &a1), ("ZB", &b0, &b1)] {
        let row = format!(
            "<td>{zone}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            count(before),
            count(after)
        );
        assert!(html.contains(&row), "zone row {row} missing");
    }
    assert!(html.contains("class=\"scalebar\"") && html.contains("class=\"north\""));

    // The same map on both sides: the level is one line, no maps.
    let same = tmp.path().join("same");
    let o = catchment([
        "compare",
        scen.to_str().unwrap(),
        "--zones",
        scen.join("zones.geojson").to_str().unwrap(),
        "--out",
        same.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(same.join("compare.html")).unwrap();
    assert_eq!(html.matches("<svg class=\"cmap\"").count(), 0);
    assert!(
        html.contains("<strong>primary: no change.</strong>"),
        "the unchanged level is not collapsed"
    );

    // A second comparison replaces the first, byte for byte the same.
    let first = std::fs::read(out.join("compare.html")).unwrap();
    let o = catchment([
        "compare",
        scen.to_str().unwrap(),
        "--zones",
        proposed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(first, std::fs::read(out.join("compare.html")).unwrap());
}

/// Metres of 0.001 degree along a meridian on the sphere of spec §2.
fn unit() -> f64 {
    6_371_008.8 * std::f64::consts::PI / 180.0 * 0.001
}

fn close(v: &serde_json::Value, expected: f64) {
    let got = v.as_f64().unwrap_or(f64::NAN);
    assert!((got - expected).abs() <= 0.051, "{got} vs {expected}");
}

#[test]
fn hand_worked_summary() {
    // Two schools on one meridian: A north (lat -33.902, 3 seats), B south
    // (lat -33.908, 3 seats). Zone A is north of -33.905, zone B south of
    // it; the proposed map moves the boundary to -33.906. Every home is on
    // the same meridian, so each distance is a multiple of 0.001° = u m.
    //   a1 -33.901 tier 1, a2 -33.903 tier 1: A before and after, 1u each.
    //   a3 -33.9055 tier 2, a4 -33.9052 tier 1: in B before (2.5u, 2.8u);
    //     after both are in zone A: A (3 seats) takes a1, a2, a4 (tier 1);
    //     a3 is turned away and the fallback gives it B's vacancy (2.5u).
    //   b1 -33.909: B, 1u.
    // Before: 1,1,1,2.5,2.8 — mean 1.66u, p90 (5th of 5) 2.8u, max 2.8u;
    //   no school oversubscribed.
    // After: 1,1,1,2.5,3.2 — mean 1.74u, p90 3.2u, max 3.2u; A oversubscribed.
    // a4 changes school (household h4); a3 keeps B but changes stage.
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("s");
    let lon = 151.005;
    let rect = |south: f64, north: f64| vec![(151.0, south), (151.01, south), (151.01, north), (151.0, north)];
    let zones_at = |boundary: f64| {
        collection(&[
            feature("ZA", "A", &rect(boundary, -33.900)),
            feature("ZB", "B", &rect(-33.910, boundary)),
        ])
    };
    let schools = format!(
        "id,name,level,sector,lon,lat,classes,class_cap\nA,North,primary,public,{lon},-33.902,1,3\nB,South,primary,public,{lon},-33.908,1,3\n"
    );
    let applicants = format!(
        "id,level,lon,lat,household,priority\na1,primary,{lon},-33.901,h1,1\na2,primary,{lon},-33.903,h2,1\n\
         a3,primary,{lon},-33.9055,h3,2\na4,primary,{lon},-33.9052,h4,1\nb1,primary,{lon},-33.909,h5,1\n"
    );
    write_scenario(
        &scen,
        &schools,
        &applicants,
        &zones_at(-33.905),
        "[fallback]\nrule = \"nearest_vacancy\"\n",
    );
    let proposed = tmp.path().join("p.geojson");
    std::fs::write(&proposed, zones_at(-33.906)).unwrap();
    let out = tmp.path().join("cmp");
    let o = catchment([
        "compare",
        scen.to_str().unwrap(),
        "--zones",
        proposed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("compare_summary.json")).unwrap()).unwrap();
    let u = unit();
    assert_eq!(s["applicants_changing_school"], 1);
    assert_eq!(s["households_changing_school"], 1);
    assert_eq!(s["applicants_in_changes_csv"], 2);
    close(&s["before"]["distance_m"]["mean"], 8.3 * u / 5.0);
    close(&s["before"]["distance_m"]["p90"], 2.8 * u);
    close(&s["before"]["distance_m"]["max"], 2.8 * u);
    close(&s["after"]["distance_m"]["mean"], 8.7 * u / 5.0);
    close(&s["after"]["distance_m"]["p90"], 3.2 * u);
    close(&s["after"]["distance_m"]["max"], 3.2 * u);
    assert_eq!(s["before"]["schools_oversubscribed"], 0);
    assert_eq!(s["after"]["schools_oversubscribed"], 1);
    assert_eq!(s["before"]["applicants_unplaced"], 0);
    assert_eq!(s["after"]["applicants_unplaced"], 0);
    assert_eq!(s["after"]["large_classes_56_65"], 0);
    assert_eq!(s["levels"]["junior"]["before"]["applicants"], 0);

    let changes = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    let rows: Vec<&str> = changes.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{changes}");
    assert!(rows[0].starts_with("a3,primary,B,B,zone,fallback,"), "{}", rows[0]);
    assert!(rows[1].starts_with("a4,primary,B,A,zone,zone,"), "{}", rows[1]);

    let diff = std::fs::read_to_string(out.join("schools_diff.csv")).unwrap();
    let lines: Vec<&str> = diff.lines().collect();
    // A: 3 seats, 2 -> 3 pupils, 0.667 -> 1.000, not -> oversubscribed, largest class 2 -> 3.
    assert_eq!(lines[1], "A,North,primary,public,3,3,2,3,0.667,1.000,false,true,2,3");
    assert_eq!(lines[2], "B,South,primary,public,3,3,3,2,1.000,0.667,false,false,3,2");
}

/// The demo district copied to `dir`, its zone names in Chinese, every CSV
/// and GeoJSON file encoded as `gbk` (or left UTF-8).
fn demo_copy(dir: &Path, gbk: bool) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
    std::fs::create_dir_all(dir).unwrap();
    for name in [
        "schools.csv",
        "applicants.csv",
        "policy.toml",
        "zones.geojson",
        "proposed-zones.geojson",
    ] {
        let text = std::fs::read_to_string(demo.join(name))
            .unwrap()
            .replace("\"name\":\"", "\"name\":\"新区 ");
        let bytes = if gbk && name != "policy.toml" {
            encoding_rs::GBK.encode(&text).0.into_owned()
        } else {
            text.into_bytes()
        };
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn the_proposed_map_is_read_in_the_scenario_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("gbk");
    demo_copy(&scen, true);
    let proposed = scen.join("proposed-zones.geojson");
    let out = tmp.path().join("cmp");
    let args = |extra: &[&str]| {
        let mut args = vec!["compare", scen.to_str().unwrap(), "--zones", proposed.to_str().unwrap()];
        args.extend(extra);
        args.extend(["--out", out.to_str().unwrap()]);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let o = catchment(args(&["--encoding", "gbk"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(out.join("after/summary.json")).unwrap();
    assert!(summary.contains("\"applicants\""));

    // Read as UTF-8, the same files are rejected with a hint, not misread.
    let o = catchment(args(&[]));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--encoding gbk"));

    // A UTF-16 proposed map is named by its path.
    let utf8 = tmp.path().join("utf8");
    demo_copy(&utf8, false);
    let utf16 = tmp.path().join("utf16.geojson");
    let text = std::fs::read_to_string(utf8.join("proposed-zones.geojson")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    let o = catchment([
        "compare",
        utf8.to_str().unwrap(),
        "--zones",
        utf16.to_str().unwrap(),
        "--out",
        tmp.path().join("cmp16").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("utf16.geojson") && stderr.contains("file is UTF-16"),
        "{stderr}"
    );
}
