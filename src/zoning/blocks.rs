//! Real blocks as units (`propose-zones --units FILE`): a GeoJSON
//! FeatureCollection of `Polygon` / `MultiPolygon` features, with an
//! optional numeric property `population` used as the block's demand
//! instead of the applicants counted in it.
//!
//! Geometry goes through the same checks and the same `--repair` as
//! `zones.geojson` ([`crate::scenario::parse_geometry`]), with the same
//! messages, naming the file and the feature. A block in several parts
//! gives one unit per part; its population is shared between the parts in
//! proportion to their area (largest remainders, ties to the first part).

use std::path::PathBuf;

use geo::{ChamberlainDuquetteArea, MultiPolygon, Polygon};
use serde_json::Value;

use crate::error::{Diagnostics, Error, Location};
use crate::scenario::table::Encoding;
use crate::scenario::Scenario;

use super::plane::Plane;

/// Where the blocks come from.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockSource {
    /// The GeoJSON file.
    pub path: PathBuf,
}

/// The blocks read, WGS84 lon/lat, in file order.
#[derive(Debug, Clone)]
pub struct Blocks {
    areas: Vec<MultiPolygon<f64>>,
    population: Option<Vec<u32>>,
}

impl Blocks {
    /// Every vertex, lon/lat.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        use geo::CoordsIter;
        self.areas.iter().flat_map(|a| a.coords_iter().map(|c| (c.x, c.y)))
    }

    /// Units in the plane (one per polygon part) and, with populations, each unit's.
    pub fn in_plane(&self, plane: &Plane) -> (Vec<Polygon<f64>>, Option<Vec<u32>>) {
        let mut units = Vec::new();
        let mut pops = Vec::new();
        for (b, area) in self.areas.iter().enumerate() {
            let parts = plane.area_to_xy(area).0;
            if let Some(pop) = &self.population {
                let weights: Vec<f64> = area.0.iter().map(|p| p.chamberlain_duquette_unsigned_area()).collect();
                pops.extend(apportion(pop[b], &weights));
            }
            units.extend(parts);
        }
        (units, self.population.as_ref().map(|_| pops))
    }
}

/// `n` shared by weights: floors, then one more to the largest remainders
/// (ties to the earlier part).
fn apportion(n: u32, weights: &[f64]) -> Vec<u32> {
    let total: f64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if total <= 0.0 {
        let mut v = vec![0; weights.len()];
        v[0] = n;
        return v;
    }
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(n) * w / total).collect();
    let mut out: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut left = n - out.iter().sum::<u32>().min(n);
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Reads and checks the blocks file; every problem at once (exit 1).
pub fn load(src: &BlockSource, scenario: &Scenario, repair: bool) -> Result<Blocks, Error> {
    let mut diags = Diagnostics::default();
    let name = src
        .path
        .file_name()
        .map_or_else(|| src.path.display().to_string(), |n| n.to_string_lossy().to_string());
    let blocks = read(src, &name, scenario.encoding, repair, &mut diags);
    match blocks {
        Some(b) if !diags.has_errors() => Ok(b),
        _ => Err(Error::Input(diags)),
    }
}

fn read(src: &BlockSource, file: &str, encoding: Encoding, repair: bool, diags: &mut Diagnostics) -> Option<Blocks> {
    let bytes = crate::scenario::table::read_path(&src.path, file, encoding, "", diags)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if bytes.is_empty() {
        diags.error(
            file,
            Location::File,
            "file is empty; expected a GeoJSON FeatureCollection of blocks",
        );
        return None;
    }
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            diags.error(
                file,
                Location::Line(e.line() as u64),
                format!("not valid JSON at column {}: {e}", e.column()),
            );
            return None;
        }
    };
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        diags.error(
            file,
            Location::File,
            "expected a GeoJSON object with \"type\": \"FeatureCollection\"",
        );
        return None;
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        diags.error(file, Location::File, "expected a \"features\" array");
        return None;
    };
    if features.is_empty() {
        diags.error(file, Location::File, "no features; expected at least one block");
        return None;
    }
    let mut areas = Vec::new();
    let mut pops: Vec<Option<u32>> = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties").and_then(Value::as_object);
        let id = props.and_then(|p| p.get("id")).and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        });
        let here = Location::Feature(i, id);
        let pop = match props.and_then(|p| p.get("population")) {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_f64() {
                Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX / 4) => Some(x as u32),
                _ => {
                    diags.error(
                        file,
                        here.clone(),
                        format!("properties.population {v} is not a whole number ≥ 0"),
                    );
                    None
                }
            },
        };
        pops.push(pop);
        let how = crate::scenario::Reading {
            file,
            repair,
            projected: None,
        };
        if let Some(area) = crate::scenario::parse_geometry(f.get("geometry"), &here, &how, diags) {
            areas.push(area);
        }
    }
    let with = pops.iter().filter(|p| p.is_some()).count();
    if with > 0 && with < pops.len() {
        if let Some(i) = pops.iter().position(Option::is_none) {
            diags.error(
                file,
                Location::Feature(i, None),
                format!(
                    "properties.population missing; {with} of {} blocks have one, so every block needs it",
                    pops.len()
                ),
            );
        }
    }
    if diags.has_errors() {
        return None;
    }
    Some(Blocks {
        areas,
        population: (with > 0).then(|| pops.into_iter().map(Option::unwrap_or_default).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_by_largest_remainder() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[3.0, 1.0]), vec![5, 2]);
        assert_eq!(apportion(5, &[0.0, 0.0]), vec![5, 0]);
        assert_eq!(apportion(0, &[2.0]), vec![0]);
    }
}
