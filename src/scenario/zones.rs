//! `zones.geojson`: catchment zones as an RFC 7946 FeatureCollection (spec §1).
//!
//! Each feature is checked on its own so that one bad feature does not hide
//! the others: properties `id`, `level`, `schools`; a `Polygon` or
//! `MultiPolygon` whose rings are closed, have at least 4 positions, valid
//! lon/lat, and do not self-intersect. Ring orientation is not checked
//! (real files are often clockwise). Invalid geometry is an error naming
//! the feature and where; with `repair` it is fixed and a warning says what
//! changed (see [`super::geometry`]). Overlaps between zones of a level and
//! gaps enclosed by them are warnings with area and a sample point.

use std::collections::HashMap;

use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};

use super::geometry;
use serde_json::Value;

use crate::error::{Diagnostics, Location};

use super::{Level, School, SchoolIds, SchoolIdx, Sector, Zone};

const FILE: &str = "zones.geojson";

/// How a zone file is read: its name in messages, whether to repair, and
/// the converter of a projected coordinate system (positions are then
/// metres, inverted to WGS84 as they are read).
pub struct Reading<'a> {
    /// The file's name in diagnostics (`zones.geojson`, `zones.shp`).
    pub file: &'a str,
    /// Repair invalid geometry instead of rejecting it.
    pub repair: bool,
    /// The converter of a projected system; `None` for lon/lat.
    pub projected: Option<&'a crate::crs::Converter>,
}

/// Reads `zones.geojson`; zones sorted by id.
pub fn load(
    src: &super::table::Source,
    schools: &[School],
    school_ids: &SchoolIds,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Vec<Zone> {
    let Some(bytes) = super::table::read_input(src, FILE, "; rule \"zone\" needs catchment zones", diags) else {
        return Vec::new();
    };
    parse(&bytes, schools, school_ids, how, diags)
}

/// Reads zones from a file outside the scenario folder (a proposed map);
/// a file that cannot be read is reported with its path. Problems inside
/// it are reported as `zones.geojson`, like the scenario's own. It is
/// decoded with the scenario's `encoding`.
pub fn load_file(
    path: &std::path::Path,
    encoding: super::table::Encoding,
    schools: &[School],
    school_ids: &SchoolIds,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Vec<Zone> {
    let name = path.display().to_string();
    match super::table::read_path(path, &name, encoding, "", diags) {
        Some(bytes) => parse(&bytes, schools, school_ids, how, diags),
        None => Vec::new(),
    }
}

/// Parses the bytes of a `zones.geojson`.
pub fn parse(
    bytes: &[u8],
    schools: &[School],
    school_ids: &SchoolIds,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Vec<Zone> {
    if bytes.is_empty() {
        diags.error(
            FILE,
            Location::File,
            "file is empty; expected a GeoJSON FeatureCollection",
        );
        return Vec::new();
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            match std::str::from_utf8(bytes) {
                // Most likely a GBK file read without --encoding gbk.
                Err(bad) => {
                    let line = super::lines::line_in(bytes, bad.valid_up_to() as u64);
                    diags.error(FILE, Location::Line(line), super::table::NOT_UTF8);
                }
                Ok(_) => diags.error(
                    FILE,
                    Location::Line(e.line() as u64),
                    format!("not valid JSON at column {}: {e}", e.column()),
                ),
            }
            return Vec::new();
        }
    };
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        diags.error(
            FILE,
            Location::File,
            "expected a GeoJSON object with \"type\": \"FeatureCollection\"",
        );
        return Vec::new();
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        diags.error(FILE, Location::File, "expected a \"features\" array");
        return Vec::new();
    };
    parse_features(features, schools, school_ids, how, diags)
}

/// Checks and converts the features of a zone file (GeoJSON, or a
/// shapefile's records turned into GeoJSON features); zones sorted by id.
pub fn parse_features(
    features: &[Value],
    schools: &[School],
    school_ids: &SchoolIds,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Vec<Zone> {
    let file = how.file;
    let mut zones: Vec<Zone> = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        if let Some(zone) = parse_feature(index, feature, schools, school_ids, how, diags) {
            zones.push(zone);
        }
    }
    zones.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    for pair in zones.windows(2) {
        if pair[0].id == pair[1].id {
            diags.error(
                file,
                Location::Feature(pair[1].feature, Some(pair[1].id.clone())),
                format!(
                    "zone id {:?} is already used by feature {}; ids must be unique",
                    pair[1].id, pair[0].feature
                ),
            );
        }
    }
    zones.dedup_by(|a, b| a.id == b.id);
    let mut zone_of_school: HashMap<SchoolIdx, &Zone> = HashMap::new();
    for zone in &zones {
        for &s in &zone.schools {
            if let Some(other) = zone_of_school.insert(s, zone) {
                diags.error(
                    file,
                    Location::Feature(zone.feature, Some(zone.id.clone())),
                    format!(
                        "school {:?} is already in zone {:?}; a school belongs to one zone of its level",
                        schools[s.index()].id,
                        other.id
                    ),
                );
            }
        }
    }
    if diags.error_count() == 0 {
        level_findings(&zones, how.file, diags);
    }
    zones
}

/// Overlaps between zones of one level and gaps enclosed by them.
fn level_findings(zones: &[Zone], file: &str, diags: &mut Diagnostics) {
    for level in [Level::Primary, Level::Junior] {
        let of_level: Vec<&Zone> = zones.iter().filter(|z| z.level == level).collect();
        let areas: Vec<&MultiPolygon<f64>> = of_level.iter().map(|z| &z.area).collect();
        let (small, large): (Vec<_>, Vec<_>) = geometry::overlaps(&areas)
            .into_iter()
            .partition(|f| f.area_m2 < geometry::SMALL_OVERLAP_M2);
        for found in large {
            let (a, b) = (of_level[found.zones[0]], of_level[found.zones[1]]);
            diags.warning(
                file,
                Location::Feature(a.feature, Some(a.id.clone())),
                format!(
                    "overlaps {} zone {:?} (feature {}) by {} around {}; homes there go to {:?}, the first id, unless the applicant names a zone",
                    level.as_str(),
                    b.id,
                    b.feature,
                    geometry::area_text(found.area_m2),
                    geometry::at(found.point),
                    a.id
                ),
            );
        }
        // Slivers between neighbours drawn apart: one line for the level.
        let biggest = small
            .iter()
            .max_by(|x, y| x.area_m2.total_cmp(&y.area_m2).then(y.zones.cmp(&x.zones)));
        if let Some(biggest) = biggest {
            let total: f64 = small.iter().map(|f| f.area_m2).sum();
            let (a, b) = (of_level[biggest.zones[0]], of_level[biggest.zones[1]]);
            diags.warning(
                FILE,
                Location::File,
                format!(
                    "{} small overlap(s) between {} zones, each under {}, {} in all (slivers where neighbouring zones \
                     were drawn apart; homes there go to the first id); largest: {} between {:?} and {:?} around {}",
                    small.len(),
                    level.as_str(),
                    geometry::area_text(geometry::SMALL_OVERLAP_M2),
                    geometry::area_text(total),
                    geometry::area_text(biggest.area_m2),
                    a.id,
                    b.id,
                    geometry::at(biggest.point)
                ),
            );
        }
        // Gaps are listed largest first, at most GAPS_LISTED of them, after
        // one line with the count and total (real files have many slivers).
        const GAPS_LISTED: usize = 3;
        let gaps = geometry::gaps(&areas);
        if gaps.is_empty() {
            continue;
        }
        let total: f64 = gaps.iter().map(|g| g.area_m2).sum();
        let largest: Vec<String> = gaps
            .iter()
            .take(GAPS_LISTED)
            .map(|g| format!("{} around {}", geometry::area_text(g.area_m2), geometry::at(g.point)))
            .collect();
        diags.warning(
            file,
            Location::File,
            format!(
                "{} zones enclose {} gap(s) that are in none of them, {} in all; homes there go to the fallback; largest: {}",
                level.as_str(),
                gaps.len(),
                geometry::area_text(total),
                largest.join(", ")
            ),
        );
    }
}

fn parse_feature(
    index: usize,
    feature: &Value,
    schools: &[School],
    school_ids: &SchoolIds,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Option<Zone> {
    let file = how.file;
    let props = feature.get("properties").and_then(Value::as_object);
    let id = props
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let here = Location::Feature(index, id.clone());
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        diags.error(file, here.clone(), "expected \"type\": \"Feature\"");
    }
    let Some(props) = props else {
        diags.error(file, here, "properties missing; expected id, level and schools");
        return None;
    };
    match &id {
        Some(s) if !s.is_empty() => {}
        _ => diags.error(file, here.clone(), "properties.id must be a non-empty string"),
    }
    let level = match props.get("level").and_then(Value::as_str) {
        Some(l) => {
            let level = Level::parse(l);
            if level.is_none() {
                diags.error(
                    file,
                    here.clone(),
                    format!("properties.level {l:?} is not primary or junior"),
                );
            }
            level
        }
        None => {
            diags.error(
                file,
                here.clone(),
                "properties.level missing; expected \"primary\" or \"junior\"",
            );
            None
        }
    };
    let mut zone_schools = Vec::new();
    // Shapefiles and ArcGIS exports store the list as one string.
    let from_string: Option<Vec<Value>> = props
        .get("schools")
        .and_then(Value::as_str)
        .map(|text| super::id_list::split(text).into_iter().map(Value::from).collect());
    match from_string.as_ref().or(props.get("schools").and_then(Value::as_array)) {
        None => diags.error(
            file,
            here.clone(),
            "properties.schools missing; expected an array of school ids, or one string of ids separated by ; , or 、",
        ),
        Some(list) if list.is_empty() => diags.error(
            file,
            here.clone(),
            "properties.schools is empty; a zone needs at least one school",
        ),
        Some(list) => {
            for v in list {
                let Some(sid) = v.as_str() else {
                    diags.error(
                        file,
                        here.clone(),
                        format!("properties.schools entry {v} is not a string id"),
                    );
                    continue;
                };
                let Some(&si) = school_ids.get(sid) else {
                    if school_ids.is_broken(sid) {
                        continue;
                    }
                    diags.error(
                        file,
                        here.clone(),
                        format!("properties.schools names school {sid:?}, which is not in schools.csv"),
                    );
                    continue;
                };
                let school = &schools[si.index()];
                if school.sector != Sector::Public {
                    diags.error(
                        file,
                        here.clone(),
                        format!("school {sid:?} is private; zones list public schools only"),
                    );
                } else if level.is_some_and(|l| l != school.level) {
                    diags.error(
                        file,
                        here.clone(),
                        format!(
                            "school {sid:?} is a {} school in a {} zone",
                            school.level.as_str(),
                            level.map_or("", Level::as_str)
                        ),
                    );
                } else if zone_schools.contains(&si) {
                    diags.warning(file, here.clone(), format!("properties.schools lists {sid:?} twice"));
                } else {
                    zone_schools.push(si);
                }
            }
        }
    }
    zone_schools.sort_unstable();
    // A zone whose geometry is invalid is still returned (the error stands
    // and the scenario will not run), so that applicants naming it do not
    // each report a second, misleading error.
    let area =
        parse_geometry(feature.get("geometry"), &here, how, diags).unwrap_or_else(|| MultiPolygon::new(Vec::new()));
    Some(Zone {
        id: id.filter(|s| !s.is_empty())?,
        level: level?,
        schools: zone_schools,
        area,
        feature: index,
    })
}

/// A feature's geometry as a valid MultiPolygon: the checks and the
/// `--repair` of `zones.geojson` (spec §1), reported against `how.file`.
/// Also used for the blocks of `propose-zones --units`.
pub(crate) fn parse_geometry(
    geometry: Option<&Value>,
    here: &Location,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Option<MultiPolygon<f64>> {
    let (file, repair) = (how.file, how.repair);
    let Some(geometry) = geometry.filter(|g| !g.is_null()) else {
        diags.error(
            file,
            here.clone(),
            "geometry missing; expected a Polygon or MultiPolygon",
        );
        return None;
    };
    let parsed: geojson::Geometry = match serde_json::from_value(geometry.clone()) {
        Ok(g) => g,
        Err(e) => {
            diags.error(file, here.clone(), format!("geometry is not valid GeoJSON: {e}"));
            return None;
        }
    };
    let polygons: Vec<Vec<Vec<geojson::Position>>> = match parsed.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
        other => {
            diags.error(
                file,
                here.clone(),
                format!(
                    "geometry is a {}; expected a Polygon or MultiPolygon",
                    other.type_name()
                ),
            );
            return None;
        }
    };
    if polygons.is_empty() {
        diags.error(file, here.clone(), "geometry has no polygons; a zone needs an area");
        return None;
    }
    let errors = diags.error_count();
    let mut out = Vec::new();
    for (p, rings) in polygons.iter().enumerate() {
        if rings.is_empty() {
            diags.error(file, here.clone(), format!("polygon {p} has no rings"));
            continue;
        }
        let mut converted = Vec::new();
        for (r, ring) in rings.iter().enumerate() {
            match ring_of(ring, p, r, here, how, diags) {
                Some(line) => converted.push(line),
                // Under repair a degenerate hole is dropped (with a warning).
                None if repair && r > 0 && diags.error_count() == errors => {}
                None => converted.push(LineString::new(Vec::new())),
            }
        }
        if diags.error_count() == errors {
            let exterior = converted.remove(0);
            out.push(Polygon::new(exterior, converted));
        }
    }
    if diags.error_count() > errors {
        return None;
    }
    let mut fixed = Vec::new();
    let mut changed = false;
    for (p, polygon) in out.into_iter().enumerate() {
        let problems = geometry::problems(&polygon);
        if problems.is_empty() {
            fixed.push(polygon);
            continue;
        }
        let what = problems.join("; ");
        if !repair {
            diags.error(
                file,
                here.clone(),
                format!("invalid geometry: polygon {p}: {what} (`--repair` fixes this)"),
            );
            continue;
        }
        match geometry::repair(&polygon) {
            Ok(parts) => {
                let after = geometry::area_m2(&parts);
                diags.warning(
                    file,
                    here.clone(),
                    format!(
                        "repaired polygon {p}: {what}; now {} valid polygon(s), {after:.0} m²",
                        parts.0.len()
                    ),
                );
                fixed.extend(parts.0);
                changed = true;
            }
            Err(e) => diags.error(
                file,
                here.clone(),
                format!("invalid geometry: polygon {p}: {what}; {e}"),
            ),
        }
    }
    if diags.error_count() > errors {
        return None;
    }
    let mut area = MultiPolygon::new(fixed);
    for problem in area.validation_errors() {
        // Member polygons are valid here; what is left is members that
        // overlap or touch along a line.
        if repair {
            changed = true;
            diags.warning(
                file,
                here.clone(),
                format!("repaired geometry: {problem}; members merged by union"),
            );
        } else {
            diags.warning(file, here.clone(), format!("geometry: {problem}"));
        }
    }
    if changed {
        // Oriented first: geo's `unary_union` reads the fill rule from the
        // first ring's winding and would drop members wound the other way.
        use geo::orient::{Direction, Orient};
        let oriented: Vec<Polygon<f64>> = area.0.iter().map(|p| p.orient(Direction::Default)).collect();
        area = geo::unary_union(&oriented);
    }
    Some(area)
}

fn ring_of(
    ring: &[geojson::Position],
    p: usize,
    r: usize,
    here: &Location,
    how: &Reading,
    diags: &mut Diagnostics,
) -> Option<LineString<f64>> {
    let (file, repair) = (how.file, how.repair);
    let name = format!("polygon {p} ring {r}");
    let mut coords = Vec::with_capacity(ring.len());
    for (i, pos) in ring.iter().enumerate() {
        let xy = pos.as_slice();
        if xy.len() < 2 {
            diags.error(
                file,
                here.clone(),
                format!("{name} position {i} has fewer than 2 coordinates"),
            );
            return None;
        }
        let (lon, lat) = (xy[0], xy[1]);
        if let Some(converter) = how.projected {
            match converter.to_wgs84(lon, lat) {
                Ok((x, y)) => coords.push(Coord { x, y }),
                Err(why) => {
                    diags.error(file, here.clone(), format!("{name} position {i} {why}"));
                    return None;
                }
            }
            continue;
        }
        if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            let hint = if crate::crs::looks_projected(lon) || crate::crs::looks_projected(lat) {
                format!("; {}", crate::crs::LOOKS_PROJECTED)
            } else {
                String::new()
            };
            diags.error(
                file,
                here.clone(),
                format!("{name} position {i} ({lon}, {lat}) is not a WGS84 lon/lat{hint}"),
            );
            return None;
        }
        coords.push(Coord { x: lon, y: lat });
    }
    if repair {
        let mut notes = Vec::new();
        let before = coords.len();
        coords.dedup();
        if coords.len() < before {
            notes.push(format!(
                "dropped {} repeated consecutive position(s)",
                before - coords.len()
            ));
        }
        if coords.len() >= 3 && coords.first() != coords.last() {
            if let Some(&first) = coords.first() {
                coords.push(first);
                notes.push("closed it (its first and last positions differed)".to_string());
            }
        }
        if coords.len() < 4 && r > 0 {
            diags.warning(
                file,
                here.clone(),
                format!("repaired {name}: dropped it, it has fewer than 3 distinct positions"),
            );
            return None;
        }
        if !notes.is_empty() {
            diags.warning(file, here.clone(), format!("repaired {name}: {}", notes.join("; ")));
        }
    }
    if coords.len() < 4 {
        diags.error(
            file,
            here.clone(),
            format!("{name} has {} positions; a ring needs at least 4", coords.len()),
        );
        return None;
    }
    if coords.first() != coords.last() {
        let (a, b) = (coords[0], coords[coords.len() - 1]);
        diags.error(
            file,
            here.clone(),
            format!(
                "{name} is not closed: its first position {} and last {} differ (`--repair` closes it)",
                geometry::at(a),
                geometry::at(b)
            ),
        );
        return None;
    }
    Some(LineString::new(coords))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    /// Under `--repair`, members that touch along an edge are merged by
    /// union; a clockwise first member must not make geo's `unary_union`
    /// drop a counter-clockwise second one (it reads the fill rule from the
    /// first ring).
    #[test]
    fn repair_union_keeps_members_wound_either_way() {
        // Two unit squares sharing the edge x = 1: the first clockwise,
        // the second counter-clockwise.
        let geometry = serde_json::json!({
            "type": "MultiPolygon",
            "coordinates": [
                [[[0.0, 0.0], [0.0, 0.01], [0.01, 0.01], [0.01, 0.0], [0.0, 0.0]]],
                [[[0.01, 0.0], [0.02, 0.0], [0.02, 0.01], [0.01, 0.01], [0.01, 0.0]]]
            ]
        });
        let how = Reading {
            file: FILE,
            repair: true,
            projected: None,
        };
        let mut diags = Diagnostics::default();
        let area = parse_geometry(Some(&geometry), &Location::File, &how, &mut diags).expect("repaired");
        assert_eq!(area.0.len(), 1, "merged into one polygon: {area:?}");
        let got = area.unsigned_area();
        assert!((got - 0.0002).abs() < 1e-9, "area {got} deg², expected 0.0002");
    }
}
