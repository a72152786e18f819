//! `zones.shp`: catchment zones as an ESRI shapefile, the planner's format,
//! read with the [`shapefile`] crate in place of `zones.geojson`.
//!
//! A shapefile is several files: `zones.shp` (geometry), `zones.shx`
//! (its index) and `zones.dbf` (the attribute table) are required;
//! `zones.prj` names the coordinate system (see [`crate::crs::prj`]) and
//! `zones.cpg` the text encoding of the table (`UTF-8`, `GBK`, `936`, …).
//! Without a `.cpg` the table is read in the scenario's encoding
//! (`--encoding`). The attributes `id`, `level` and `schools` (any case;
//! `schools` one string of ids separated by `;`, `,` or `、`) and each
//! record's polygon become a GeoJSON feature and go through the same
//! checks as `zones.geojson`; record *n* is reported as feature *n*.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde_json::{json, Map, Value};
use shapefile::Shape;

use super::table::Encoding;
use super::zones::{self, Reading};
use super::{School, SchoolIds, Zone};
use crate::crs::Crs;
use crate::error::{Diagnostics, Location};

/// The files of a shapefile `stem.shp` that exist, for the manifest:
/// `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`.
pub fn parts(shp: &Path) -> Vec<std::path::PathBuf> {
    ["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|ext| shp.with_extension(ext))
        .filter(|p| p.is_file())
        .collect()
}

/// The coordinate system of the shapefile at `shp`: the one its `.prj`
/// names, else `fallback` (`--crs` or the policy's). A `.prj` that names
/// no supported system is an error (and `None`).
pub fn crs(shp: &Path, fallback: Crs, diags: &mut Diagnostics) -> Option<Crs> {
    let prj = shp.with_extension("prj");
    let name = file_name(&prj);
    match std::fs::read(&prj) {
        Err(_) => Some(fallback),
        Ok(bytes) => match crate::crs::prj::crs_of(&String::from_utf8_lossy(&bytes)) {
            Ok(crs) => Some(crs),
            Err(why) => {
                diags.error(&name, Location::File, why);
                None
            }
        },
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().to_string())
}

/// Reads the zones of the shapefile at `shp` (zones sorted by id), its
/// positions in `crs`, its table in the `.cpg`'s encoding or `encoding`.
pub fn load(
    shp: &Path,
    crs: Crs,
    encoding: Encoding,
    schools: &[School],
    school_ids: &SchoolIds,
    repair: bool,
    diags: &mut Diagnostics,
) -> Vec<Zone> {
    let file = file_name(shp);
    let Some(features) = features(shp, &file, encoding, diags) else {
        return Vec::new();
    };
    let converter = crs.converter();
    let how = Reading {
        file: &file,
        repair,
        projected: crs.is_projected().then_some(&converter),
    };
    // GCJ-02 / BD-09 zones are converted after loading, with the points.
    zones::parse_features(&features, schools, school_ids, &how, diags)
}

/// The shapefile's records as GeoJSON features, or `None` (with an error)
/// when a part is missing or unreadable.
fn features(shp: &Path, file: &str, encoding: Encoding, diags: &mut Diagnostics) -> Option<Vec<Value>> {
    let mut missing = false;
    for ext in ["shp", "shx", "dbf"] {
        let part = shp.with_extension(ext);
        if !part.is_file() {
            diags.error(
                &file_name(&part),
                Location::File,
                "file is missing; a shapefile needs its .shp, .shx and .dbf side by side \
                 (copy every file of the layer, e.g. zones.shp, zones.shx, zones.dbf, zones.prj, zones.cpg)",
            );
            missing = true;
        }
    }
    if missing {
        return None;
    }
    let cpg = std::fs::read_to_string(shp.with_extension("cpg")).ok();
    let encoding = match cpg.as_deref().map(str::trim) {
        None | Some("") => encoding,
        Some(name) => match code_page(name) {
            Some(e) => e,
            None => {
                diags.error(
                    &file_name(&shp.with_extension("cpg")),
                    Location::File,
                    format!("code page {name:?} is not supported; expected UTF-8 or GBK (936)"),
                );
                return None;
            }
        },
    };
    let open = |ext: &str| File::open(shp.with_extension(ext)).map(BufReader::new);
    let (Ok(shp_file), Ok(shx_file), Ok(dbf_file)) = (open("shp"), open("shx"), open("dbf")) else {
        diags.error(file, Location::File, "cannot be read (with its .shx and .dbf)");
        return None;
    };
    let shapes = match shapefile::ShapeReader::with_shx(shp_file, shx_file) {
        Ok(r) => r,
        Err(e) => {
            diags.error(file, Location::File, format!("is not a readable shapefile: {e}"));
            return None;
        }
    };
    let dbf_encoding = match encoding {
        Encoding::Utf8 => shapefile::dbase::encoding::EncodingRs::from(encoding_rs::UTF_8),
        Encoding::Gbk => shapefile::dbase::encoding::EncodingRs::from(encoding_rs::GB18030),
    };
    let table = match shapefile::dbase::ReaderBuilder::new()
        .with_encoding(dbf_encoding)
        .build(dbf_file)
    {
        Ok(r) => r,
        Err(e) => {
            let dbf = file_name(&shp.with_extension("dbf"));
            diags.error(&dbf, Location::File, format!("is not a readable attribute table: {e}"));
            return None;
        }
    };
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut features = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = match item {
            Ok(pair) => pair,
            Err(e) => {
                diags.error(
                    file,
                    Location::Feature(index, None),
                    format!("record cannot be read: {e}"),
                );
                return None;
            }
        };
        let mut properties = Map::new();
        for (name, value) in record {
            let key = name.trim().to_lowercase();
            if let Some(v) = attribute(&value) {
                properties.entry(key).or_insert(v);
            }
        }
        let geometry = match geometry(&shape) {
            Ok(g) => g,
            Err(kind) => {
                let id = properties.get("id").and_then(Value::as_str).map(str::to_string);
                diags.error(
                    file,
                    Location::Feature(index, id),
                    format!("record is a {kind}; expected a Polygon"),
                );
                Value::Null
            }
        };
        features.push(json!({"type": "Feature", "properties": properties, "geometry": geometry}));
    }
    Some(features)
}

/// `UTF-8`, `GBK`, `936`, `CP936`, `GB2312`, `GB18030` (any case).
fn code_page(name: &str) -> Option<Encoding> {
    match name.to_ascii_uppercase().replace(['-', '_', ' '], "").as_str() {
        "UTF8" | "65001" => Some(Encoding::Utf8),
        "GBK" | "936" | "CP936" | "GB2312" | "GB18030" | "54936" => Some(Encoding::Gbk),
        _ => None,
    }
}

/// An attribute as JSON: text as written, whole numbers without a
/// fraction (a numeric `id` 7405 is the id "7405"); `None` when blank.
fn attribute(value: &shapefile::dbase::FieldValue) -> Option<Value> {
    use shapefile::dbase::FieldValue as F;
    let number = |f: f64| -> Value {
        if f.fract() == 0.0 && f.abs() < 1e15 {
            Value::String(format!("{f:.0}"))
        } else {
            Value::String(f.to_string())
        }
    };
    match value {
        F::Character(Some(s)) | F::Memo(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| Value::String(s.to_string()))
        }
        F::Numeric(Some(f)) | F::Double(f) | F::Currency(f) => Some(number(*f)),
        F::Float(Some(f)) => Some(number(f64::from(*f))),
        F::Integer(i) => Some(Value::String(i.to_string())),
        F::Logical(Some(b)) => Some(Value::Bool(*b)),
        _ => None,
    }
}

/// A record's shape as GeoJSON geometry; `Err` names a shape that is not
/// a polygon. An empty (null) shape is `null`, reported as missing.
fn geometry(shape: &Shape) -> Result<Value, &'static str> {
    let rings: Vec<(bool, Vec<[f64; 2]>)> = match shape {
        Shape::NullShape => return Ok(Value::Null),
        Shape::Polygon(p) => p.rings().iter().map(|r| ring(r, |pt| [pt.x, pt.y])).collect(),
        Shape::PolygonM(p) => p.rings().iter().map(|r| ring(r, |pt| [pt.x, pt.y])).collect(),
        Shape::PolygonZ(p) => p.rings().iter().map(|r| ring(r, |pt| [pt.x, pt.y])).collect(),
        Shape::Point(_) | Shape::PointM(_) | Shape::PointZ(_) => return Err("Point"),
        Shape::Multipoint(_) | Shape::MultipointM(_) | Shape::MultipointZ(_) => return Err("MultiPoint"),
        Shape::Polyline(_) | Shape::PolylineM(_) | Shape::PolylineZ(_) => return Err("Polyline"),
        Shape::Multipatch(_) => return Err("Multipatch"),
    };
    // Each outer ring starts a polygon; holes belong to the outer ring
    // before them (the order ESRI writes).
    let mut polygons: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    for (outer, points) in rings {
        match polygons.last_mut() {
            Some(polygon) if !outer => polygon.push(points),
            _ => polygons.push(vec![points]),
        }
    }
    Ok(json!({"type": "MultiPolygon", "coordinates": polygons}))
}

fn ring<P>(r: &shapefile::PolygonRing<P>, xy: impl Fn(&P) -> [f64; 2]) -> (bool, Vec<[f64; 2]>) {
    let outer = matches!(r, shapefile::PolygonRing::Outer(_));
    (outer, r.points().iter().map(xy).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_pages() {
        assert_eq!(code_page("UTF-8"), Some(Encoding::Utf8));
        assert_eq!(code_page("936"), Some(Encoding::Gbk));
        assert_eq!(code_page("gb2312"), Some(Encoding::Gbk));
        assert_eq!(code_page("1252"), None);
    }

    #[test]
    fn attributes() {
        use shapefile::dbase::FieldValue as F;
        assert_eq!(attribute(&F::Numeric(Some(7405.0))), Some(json!("7405")));
        assert_eq!(attribute(&F::Character(Some(" Z1 ".into()))), Some(json!("Z1")));
        assert_eq!(attribute(&F::Character(None)), None);
        assert_eq!(attribute(&F::Integer(12)), Some(json!("12")));
    }
}
