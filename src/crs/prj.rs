//! The coordinate system a shapefile's `.prj` names (ESRI or OGC WKT).
//!
//! Only the name matters here, not the parameters: a `.prj` written by
//! QGIS or GDAL ends with `AUTHORITY["EPSG","4547"]`; one written by
//! ArcGIS has no authority but a well-known name such as
//! `CGCS2000_3_Degree_GK_CM_114E`. Both are mapped to a supported
//! [`Crs`]; anything else is an error that quotes the name found.
//!
//! # Examples
//! ```
//! use catchment::crs::{prj, Crs};
//! let wkt = r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]"#;
//! assert_eq!(prj::crs_of(wkt), Ok(Crs::Epsg(4547)));
//! ```

use super::{epsg, Crs};

/// The coordinate system a `.prj`'s WKT names, or what is wrong.
pub fn crs_of(wkt: &str) -> Result<Crs, String> {
    let wkt = wkt.trim().trim_start_matches('\u{feff}');
    let Some(name) = root_name(wkt) else {
        return Err("is not a WKT coordinate system (expected PROJCS[\"…\" or GEOGCS[\"…\")".to_string());
    };
    if let Some(code) = root_authority(wkt) {
        return Crs::parse_or_explain(&format!("EPSG:{code}")).map_err(|_| unsupported(&name, Some(code)));
    }
    code_of_name(&name)
        .map(|code| if code == 4326 { Crs::Wgs84 } else { Crs::Epsg(code) })
        .ok_or_else(|| unsupported(&name, None))
}

fn unsupported(name: &str, code: Option<u32>) -> String {
    let code = code.map_or(String::new(), |c| format!(" (EPSG:{c})"));
    format!(
        "names coordinate system {name:?}{code}, which catchment cannot convert; supported: {}; \
         reproject the file (e.g. in QGIS: Export > Save Features As, CRS EPSG:4326)",
        epsg::SUPPORTED
    )
}

/// The quoted name after the first `PROJCS[`, `GEOGCS[`, `PROJCRS[` or `GEOGCRS[`.
fn root_name(wkt: &str) -> Option<String> {
    let open = wkt.find('[')?;
    let keyword = wkt[..open].trim().to_ascii_uppercase();
    if !matches!(
        keyword.as_str(),
        "PROJCS" | "GEOGCS" | "PROJCRS" | "GEOGCRS" | "GEODCRS"
    ) {
        return None;
    }
    let rest = wkt[open + 1..].trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The EPSG code of the root's own `AUTHORITY["EPSG","N"]` (or WKT2
/// `ID["EPSG",N]`): the last one at nesting depth 1.
fn root_authority(wkt: &str) -> Option<u32> {
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut found = None;
    let upper = wkt.to_ascii_uppercase();
    for (i, c) in wkt.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '[' | '(' if !in_quote => {
                depth += 1;
                if depth == 2 {
                    let before = upper[..i].trim_end();
                    if before.ends_with("AUTHORITY") || before.ends_with(",ID") || before.ends_with("ID") {
                        found = code_in(&wkt[i + 1..]).or(found);
                    }
                }
            }
            ']' | ')' if !in_quote => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    found
}

/// `"EPSG","4547"]` or `"EPSG",4547]` → 4547.
fn code_in(args: &str) -> Option<u32> {
    let end = args.find([']', ')'])?;
    let mut parts = args[..end].split(',').map(|p| p.trim().trim_matches('"'));
    if !parts.next()?.eq_ignore_ascii_case("EPSG") {
        return None;
    }
    parts.next()?.parse().ok()
}

/// The EPSG code of an ESRI well-known name.
fn code_of_name(name: &str) -> Option<u32> {
    let n = name.to_ascii_uppercase().replace([' ', '-', '/'], "_");
    let n = n.split('_').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("_");
    match n.as_str() {
        "GCS_WGS_1984" | "WGS_84" | "WGS_1984" => return Some(4326),
        "GCS_CHINA_GEODETIC_COORDINATE_SYSTEM_2000" | "CHINA_GEODETIC_COORDINATE_SYSTEM_2000" | "CGCS2000" => {
            return Some(4490)
        }
        "WGS_1984_WEB_MERCATOR_AUXILIARY_SPHERE" | "WGS_84_PSEUDO_MERCATOR" | "WGS_1984_WEB_MERCATOR" => {
            return Some(3857)
        }
        _ => {}
    }
    if let Some(cm) = n
        .strip_prefix("CGCS2000_3_DEGREE_GK_CM_")
        .and_then(|r| r.strip_suffix('E'))
    {
        let cm: u32 = cm.parse().ok()?;
        return (cm.is_multiple_of(3) && (75..=135).contains(&cm)).then(|| 4534 + (cm - 75) / 3);
    }
    if let Some(zone) = n.strip_prefix("CGCS2000_3_DEGREE_GK_ZONE_") {
        let zone: u32 = zone.parse().ok()?;
        return (25..=45).contains(&zone).then(|| 4513 + zone - 25);
    }
    for (prefix, base) in [("WGS_1984_UTM_ZONE_", 32600), ("WGS_84_UTM_ZONE_", 32600)] {
        if let Some(z) = n.strip_prefix(prefix) {
            let (digits, hemi) = z.split_at(z.len().checked_sub(1)?);
            let zone: u32 = digits.parse().ok()?;
            let base = match hemi {
                "N" => base,
                "S" => base + 100,
                _ => return None,
            };
            return (1..=60).contains(&zone).then(|| base + zone);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esri_names() {
        let cases = [
            (
                r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],UNIT["Meter",1.0]]"#,
                Crs::Epsg(4547),
            ),
            (r#"PROJCS["CGCS2000_3_Degree_GK_Zone_38",GEOGCS["x"]]"#, Crs::Epsg(4526)),
            (
                r#"PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984"]]"#,
                Crs::Epsg(32650),
            ),
            (
                r#"PROJCS["WGS_1984_UTM_Zone_33S",GEOGCS["GCS_WGS_1984"]]"#,
                Crs::Epsg(32733),
            ),
            (
                r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]"#,
                Crs::Epsg(3857),
            ),
            (r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"]]"#, Crs::Wgs84),
            (
                r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]"#,
                Crs::Epsg(4490),
            ),
        ];
        for (wkt, want) in cases {
            assert_eq!(crs_of(wkt), Ok(want), "{wkt}");
        }
    }

    #[test]
    fn the_root_authority_wins_over_nested_ones() {
        let wkt = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 114E",GEOGCS["China Geodetic Coordinate System 2000",AUTHORITY["EPSG","4490"]],AUTHORITY["EPSG","4547"]]"#;
        assert_eq!(crs_of(wkt), Ok(Crs::Epsg(4547)));
        let wkt2 = r#"PROJCRS["WGS 84 / Pseudo-Mercator",BASEGEOGCRS["WGS 84",ID["EPSG",4326]],ID["EPSG",3857]]"#;
        assert_eq!(crs_of(wkt2), Ok(Crs::Epsg(3857)));
    }

    #[test]
    fn unsupported_and_garbage() {
        let e = crs_of(r#"PROJCS["Xian_1980_3_Degree_GK_CM_114E",GEOGCS["GCS_Xian_1980"]]"#).unwrap_err();
        assert!(
            e.contains("\"Xian_1980_3_Degree_GK_CM_114E\"") && e.contains("cannot convert"),
            "{e}"
        );
        let e =
            crs_of(r#"PROJCS["Beijing 1954 / 3-degree Gauss-Kruger CM 114E",AUTHORITY["EPSG","2435"]]"#).unwrap_err();
        assert!(e.contains("EPSG:2435"), "{e}");
        assert!(crs_of("hello").is_err());
        assert!(crs_of("").is_err());
    }
}
