//! `zones.geojson` written back from the loaded zones: what `check --repair
//! --write-repaired DIR` writes, so a repaired map can be published and
//! loaded without `--repair`.

use std::fmt::Write as _;

use geo::MultiPolygon;

use crate::scenario::Scenario;

/// A FeatureCollection (RFC 7946, WGS84 lon/lat) with one MultiPolygon
/// feature per zone, in the order of the input file (by feature index),
/// one feature per line, with the properties `id`, `level` and `schools`
/// (school ids sorted). Coordinates are written at full precision (the
/// shortest text that reads back to the same `f64`).
pub fn zones_geojson(scenario: &Scenario) -> Vec<u8> {
    let mut zones: Vec<_> = scenario.zones.iter().collect();
    zones.sort_by_key(|z| z.feature);
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, z) in zones.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let schools: Vec<String> = z.schools.iter().map(|&s| json_string(&scenario.school(s).id)).collect();
        let _ = write!(
            out,
            "{{\"type\":\"Feature\",\"properties\":{{\"id\":{},\"level\":\"{}\",\"schools\":[{}]}},\
             \"geometry\":{{\"type\":\"MultiPolygon\",\"coordinates\":{}}}}}",
            json_string(&z.id),
            z.level.as_str(),
            schools.join(","),
            coordinates(&z.area)
        );
    }
    out.push_str("\n]}\n");
    out.into_bytes()
}

/// `[[[[x,y],..],..],..]` of a MultiPolygon: each polygon's exterior ring,
/// then its holes; rings closed.
fn coordinates(area: &MultiPolygon<f64>) -> String {
    let ring = |r: &geo::LineString<f64>| {
        let points: Vec<String> = r.0.iter().map(|c| format!("[{},{}]", c.x, c.y)).collect();
        format!("[{}]", points.join(","))
    };
    let polygons: Vec<String> = area
        .0
        .iter()
        .map(|p| {
            let rings: Vec<String> = std::iter::once(p.exterior()).chain(p.interiors()).map(ring).collect();
            format!("[{}]", rings.join(","))
        })
        .collect();
    format!("[{}]", polygons.join(","))
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
