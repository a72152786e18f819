//! `assignments.geojson`: every applicant's home as a GeoJSON Point with
//! its outcome, to open in QGIS or any GIS beside `zones.geojson`.

use std::fmt::Write as _;

use crate::round::Outcome;
use crate::scenario::Scenario;

/// A FeatureCollection (RFC 7946, WGS84 lon/lat) with one Point feature
/// per applicant, sorted by applicant id, at its home. Properties:
/// `applicant_id`, `level`, `school_id` (`null` when unplaced), `stage`,
/// `distance_m` (rounded to 0.1 m as in `assignments.csv`, `null` when
/// unplaced). One feature per line, so the file diffs well.
pub fn assignments_geojson(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut out = String::with_capacity(160 * scenario.applicants.len() + 64);
    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, (a, p)) in scenario.applicants.iter().zip(&outcome.placements).enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let school = p
            .school
            .map_or("null".to_string(), |s| json_string(&scenario.school(s).id));
        let distance = p.distance_m.map_or("null".to_string(), |d| format!("{d:.1}"));
        let _ = write!(
            out,
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}},\
             \"properties\":{{\"applicant_id\":{},\"level\":\"{}\",\"school_id\":{school},\"stage\":\"{}\",\"distance_m\":{distance}}}}}",
            a.lon,
            a.lat,
            json_string(&a.id),
            a.level.as_str(),
            p.stage.as_str(),
        );
    }
    out.push_str("\n]}\n");
    out.into_bytes()
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::round;
    use crate::scenario::{self, LoadOptions};

    #[test]
    fn one_point_per_applicant_with_its_outcome() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
        let scenario = scenario::load(&dir, &LoadOptions::default()).unwrap();
        let outcome = round::run(&scenario);
        let bytes = assignments_geojson(&scenario, &outcome);
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let features = doc["features"].as_array().unwrap();
        assert_eq!(features.len(), scenario.applicants.len());
        for ((f, a), p) in features.iter().zip(&scenario.applicants).zip(&outcome.placements) {
            assert_eq!(f["geometry"]["type"], "Point");
            assert_eq!(f["geometry"]["coordinates"][0].as_f64(), Some(a.lon));
            assert_eq!(f["geometry"]["coordinates"][1].as_f64(), Some(a.lat));
            let props = &f["properties"];
            assert_eq!(props["applicant_id"], a.id.as_str());
            assert_eq!(props["level"], a.level.as_str());
            assert_eq!(props["stage"], p.stage.as_str());
            assert_eq!(
                props["school_id"].as_str(),
                p.school.map(|s| scenario.school(s).id.as_str())
            );
            match p.distance_m {
                Some(d) => assert!((props["distance_m"].as_f64().unwrap() - d).abs() <= 0.05 + 1e-9),
                None => assert!(props["distance_m"].is_null()),
            }
        }
    }
}
