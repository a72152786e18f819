//! The GIS outputs, to open in QGIS or any GIS beside `zones.geojson`:
//! `assignments.geojson` (every home as a Point with its outcome),
//! `schools.geojson` (every school as a Point with its results) and, with
//! `run --lines`, `assignment_lines.geojson` (a line from each placed
//! applicant's home to its school). All RFC 7946, WGS84 lon/lat, one
//! feature per line so the files diff well, sorted by id.

use std::fmt::Write as _;
use std::io;

use crate::round::Outcome;
use crate::scenario::Scenario;

/// A FeatureCollection with one Point feature per applicant, sorted by
/// applicant id, at its home. Properties: `applicant_id`, `level`,
/// `school_id`, `school_name` (`null` when unplaced), `zone_id` (as in
/// `assignments.csv`, `null` when none), `stage`, `distance_m` (rounded to
/// 0.1 m as in `assignments.csv`, `null` when unplaced).
// Writing into a `Vec` cannot fail.
#[allow(clippy::expect_used)]
pub fn assignments_geojson(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut out = Vec::with_capacity(250 * scenario.applicants.len() + 64);
    write_assignments_geojson(scenario, outcome, &mut out).expect("writing into a Vec cannot fail");
    out
}

/// [`assignments_geojson`] into a writer. The features are rendered in
/// parallel blocks of applicants and written in applicant order, so the
/// bytes do not depend on the number of threads. Every school's and zone's
/// JSON strings are escaped once, not once per applicant.
pub(crate) fn write_assignments_geojson(
    scenario: &Scenario,
    outcome: &Outcome,
    w: &mut dyn io::Write,
) -> io::Result<()> {
    let school_ids: Vec<String> = scenario.schools.iter().map(|s| json_string(&s.id)).collect();
    let school_names: Vec<String> = scenario.schools.iter().map(|s| json_string(&s.name)).collect();
    let zone_ids: Vec<String> = scenario.zones.iter().map(|z| json_string(&z.id)).collect();
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    super::write_rows_in_parallel(w, scenario.applicants.len(), |rows, buf| {
        let mut out = String::with_capacity(250 * rows.len());
        for i in rows {
            let (a, p, zone) = (&scenario.applicants[i], &outcome.placements[i], outcome.zone_of[i]);
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
            let _ = write!(out, "{},{}", a.lon, a.lat);
            out.push_str("]},\"properties\":{\"applicant_id\":");
            push_json_str(&mut out, &a.id);
            out.push_str(",\"level\":\"");
            out.push_str(a.level.as_str());
            out.push_str("\",\"school_id\":");
            out.push_str(p.school.map_or("null", |s| &school_ids[s.index()]));
            out.push_str(",\"school_name\":");
            out.push_str(p.school.map_or("null", |s| &school_names[s.index()]));
            out.push_str(",\"zone_id\":");
            out.push_str(zone.map_or("null", |z| &zone_ids[z.index()]));
            out.push_str(",\"stage\":\"");
            out.push_str(p.stage.as_str());
            out.push_str("\",\"distance_m\":");
            push_metres(&mut out, p.distance_m);
            out.push_str("}}");
        }
        buf.extend_from_slice(out.as_bytes());
    })?;
    w.write_all(b"\n]}\n")
}

/// A FeatureCollection with one Point feature per school (and level),
/// sorted by school id, with the columns of the run's `schools.csv`:
/// `school_id`, `name`, `level`, `sector`, `classes`, `class_cap`,
/// `capacity`, `applicants`, `admitted`, `admitted_fallback`,
/// `classes_opened`, `largest_class`, `vacancies`, `oversubscribed`,
/// `cutoff_priority` (`null` when not oversubscribed).
pub fn schools_geojson(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut out = String::with_capacity(400 * scenario.schools.len() + 64);
    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, (s, r)) in scenario.schools.iter().zip(&outcome.schools).enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            out,
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}},\
             \"properties\":{{\"school_id\":{},\"name\":{},\"level\":\"{}\",\"sector\":\"{}\",\
             \"classes\":{},\"class_cap\":{},\"capacity\":{},\"applicants\":{},\"admitted\":{},\
             \"admitted_fallback\":{},\"classes_opened\":{},\"largest_class\":{},\"vacancies\":{},\
             \"oversubscribed\":{},\"cutoff_priority\":{}}}}}",
            s.lon,
            s.lat,
            json_string(&s.id),
            json_string(&s.name),
            s.level.as_str(),
            s.sector.as_str(),
            s.classes,
            s.cap,
            s.capacity,
            r.applicants,
            r.admitted,
            r.admitted_fallback,
            r.classes_opened,
            r.largest_class,
            s.capacity.saturating_sub(r.admitted),
            r.oversubscribed,
            r.cutoff.map_or("null".to_string(), |k| k.priority.to_string()),
        );
    }
    out.push_str("\n]}\n");
    out.into_bytes()
}

/// `run --lines`: a FeatureCollection with one LineString per placed
/// applicant, from its home to its school, sorted by applicant id.
/// Properties: `applicant_id`, `level`, `school_id`, `stage`, `distance_m`
/// (the round's distance, which for `metric = "matrix"` is the road
/// distance, not the line's length).
pub fn lines_geojson(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut out = String::with_capacity(200 * scenario.applicants.len() + 64);
    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    let placed = scenario
        .applicants
        .iter()
        .zip(&outcome.placements)
        .filter_map(|(a, p)| p.school.map(|s| (a, p, scenario.school(s))));
    for (i, (a, p, school)) in placed.enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            out,
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"LineString\",\"coordinates\":[[{},{}],[{},{}]]}},\
             \"properties\":{{\"applicant_id\":{},\"level\":\"{}\",\"school_id\":{},\"stage\":\"{}\",\"distance_m\":{}}}}}",
            a.lon,
            a.lat,
            school.lon,
            school.lat,
            json_string(&a.id),
            a.level.as_str(),
            json_string(&school.id),
            p.stage.as_str(),
            metres(p.distance_m),
        );
    }
    out.push_str("\n]}\n");
    out.into_bytes()
}

fn metres(d: Option<f64>) -> String {
    d.map_or("null".to_string(), |d| format!("{d:.1}"))
}

/// Appends metres to 0.1 m, or `null`.
fn push_metres(out: &mut String, d: Option<f64>) {
    match d {
        Some(d) => {
            let _ = write!(out, "{d:.1}");
        }
        None => out.push_str("null"),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it: a
/// string with nothing to escape (the usual id) is copied as it is.
fn push_json_str(out: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::Value::String(s.to_string()).to_string());
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
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
        for (((f, a), p), zone) in features
            .iter()
            .zip(&scenario.applicants)
            .zip(&outcome.placements)
            .zip(&outcome.zone_of)
        {
            assert_eq!(
                f["properties"]["zone_id"].as_str(),
                zone.map(|z| scenario.zone(z).id.as_str())
            );
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
            assert_eq!(
                props["school_name"].as_str(),
                p.school.map(|s| scenario.school(s).name.as_str())
            );
            match p.distance_m {
                Some(d) => assert!((props["distance_m"].as_f64().unwrap() - d).abs() <= 0.05 + 1e-9),
                None => assert!(props["distance_m"].is_null()),
            }
        }
    }

    #[test]
    fn schools_and_lines_match_the_round() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
        let scenario = scenario::load(&dir, &LoadOptions::default()).unwrap();
        let outcome = round::run(&scenario);
        let doc: serde_json::Value = serde_json::from_slice(&schools_geojson(&scenario, &outcome)).unwrap();
        let features = doc["features"].as_array().unwrap();
        assert_eq!(features.len(), scenario.schools.len());
        for ((f, s), r) in features.iter().zip(&scenario.schools).zip(&outcome.schools) {
            assert_eq!(f["geometry"]["coordinates"][0].as_f64(), Some(s.lon));
            assert_eq!(f["geometry"]["coordinates"][1].as_f64(), Some(s.lat));
            assert_eq!(f["properties"]["school_id"], s.id.as_str());
            assert_eq!(f["properties"]["admitted"].as_u64(), Some(u64::from(r.admitted)));
            assert_eq!(
                f["properties"]["vacancies"].as_u64(),
                Some(u64::from(s.capacity - r.admitted))
            );
        }
        let doc: serde_json::Value = serde_json::from_slice(&lines_geojson(&scenario, &outcome)).unwrap();
        let lines = doc["features"].as_array().unwrap();
        let placed: Vec<_> = scenario
            .applicants
            .iter()
            .zip(&outcome.placements)
            .filter(|(_, p)| p.school.is_some())
            .collect();
        assert_eq!(lines.len(), placed.len());
        for (f, (a, p)) in lines.iter().zip(placed) {
            let school = scenario.school(p.school.unwrap());
            let c = &f["geometry"]["coordinates"];
            assert_eq!((c[0][0].as_f64(), c[0][1].as_f64()), (Some(a.lon), Some(a.lat)));
            assert_eq!(
                (c[1][0].as_f64(), c[1][1].as_f64()),
                (Some(school.lon), Some(school.lat))
            );
            assert_eq!(f["properties"]["applicant_id"], a.id.as_str());
        }
    }
}
