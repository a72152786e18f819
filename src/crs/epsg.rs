//! Projected and geographic coordinate systems named by EPSG code, and
//! their inverse to WGS84 lon/lat with [`proj4rs`] (pure Rust).
//!
//! Planning offices in China keep maps in CGCS2000 (EPSG:4490), mostly in
//! its 3° Gauss–Krüger zones (EPSG:4513–4533 with the zone number in the
//! false easting, EPSG:4534–4554 without); elsewhere WGS84 UTM zones
//! (EPSG:32601–32660 north, 32701–32760 south) and Web Mercator
//! (EPSG:3857) are common. CGCS2000 and WGS84 agree to a few centimetres,
//! far below what a home address means, so a CGCS2000 lon/lat is taken as
//! WGS84 and the projections are inverted on their own ellipsoid (no datum
//! shift).
//!
//! **Area of use.** A point must fall, once inverted, inside the system's
//! area of use widened by [`MARGIN_DEG`]: a Gauss–Krüger zone's 3° band
//! (and China's bounding box), a UTM zone's 6° band and hemisphere, Web
//! Mercator's ±85.06° latitude. A point outside it is almost surely in
//! another zone's system (or a swapped x/y), and is an error.
//!
//! # Examples
//! ```
//! use catchment::crs::epsg::Projection;
//! let gk = Projection::new(4547).unwrap(); // CGCS2000 / 3-degree GK CM 114E
//! let (lon, lat) = gk.to_wgs84(500_000.0, 2_500_000.0).unwrap();
//! assert!((lon - 114.0).abs() < 1e-9 && (lat - 22.59).abs() < 0.01);
//! assert!(gk.to_wgs84(900_000.0, 2_500_000.0).is_err()); // east of the band
//! ```

use proj4rs::proj::Proj;

/// How far outside its area of use (degrees) a point may fall: data sets
/// of a district that straddles a zone boundary keep one zone's system.
pub const MARGIN_DEG: f64 = 0.5;

/// China's bounding box (lon 73.5–135.1°E, lat 3.8–53.6°N), the area of use
/// of CGCS2000 and, across their bands, of its Gauss–Krüger zones.
const CHINA: (f64, f64, f64, f64) = (73.5, 135.1, 3.8, 53.6);

/// The supported codes, for messages.
pub const SUPPORTED: &str = "EPSG:4326, EPSG:4490, EPSG:4513–4554, EPSG:32601–32660, EPSG:32701–32760, EPSG:3857";

/// A system's definition: its proj string, the lon/lat it inverts to, its
/// area of use (west, east, south, north) and a name for messages.
struct Definition {
    proj: String,
    geographic: String,
    area: (f64, f64, f64, f64),
    name: String,
}

/// True when `code` is a supported EPSG code.
pub fn is_supported(code: u32) -> bool {
    code == 4326 || code == 4490 || definition(code).is_some()
}

/// True when `code` is a supported projected system (coordinates in
/// metres rather than degrees).
pub fn is_projected(code: u32) -> bool {
    definition(code).is_some()
}

/// The name of a supported code, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 114E".
pub fn name(code: u32) -> Option<String> {
    match code {
        4326 => Some("WGS 84".to_string()),
        4490 => Some("China Geodetic Coordinate System 2000".to_string()),
        _ => definition(code).map(|d| d.name),
    }
}

fn definition(code: u32) -> Option<Definition> {
    const CGCS: &str = "+proj=longlat +ellps=GRS80 +no_defs";
    const WGS: &str = "+proj=longlat +datum=WGS84 +no_defs";
    let gk = |zone: u32, x0: String, name: String| {
        let cm = f64::from(zone * 3);
        Definition {
            proj: format!("+proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0={x0} +y_0=0 +ellps=GRS80 +units=m +no_defs"),
            geographic: CGCS.to_string(),
            area: (cm - 1.5, cm + 1.5, CHINA.2, CHINA.3),
            name,
        }
    };
    match code {
        4513..=4533 => {
            let zone = code - 4513 + 25;
            Some(gk(
                zone,
                format!("{zone}500000"),
                format!("CGCS2000 / 3-degree Gauss-Kruger zone {zone}"),
            ))
        }
        4534..=4554 => {
            let zone = code - 4534 + 25;
            Some(gk(
                zone,
                "500000".to_string(),
                format!("CGCS2000 / 3-degree Gauss-Kruger CM {}E", zone * 3),
            ))
        }
        32601..=32660 | 32701..=32760 => {
            let south = code > 32700;
            let zone = code % 100;
            let west = -180.0 + 6.0 * f64::from(zone - 1);
            Some(Definition {
                proj: format!(
                    "+proj=utm +zone={zone}{} +datum=WGS84 +units=m +no_defs",
                    if south { " +south" } else { "" }
                ),
                geographic: WGS.to_string(),
                area: if south {
                    (west, west + 6.0, -80.0, 0.0)
                } else {
                    (west, west + 6.0, 0.0, 84.0)
                },
                name: format!("WGS 84 / UTM zone {zone}{}", if south { "S" } else { "N" }),
            })
        }
        3857 => Some(Definition {
            proj: "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs"
                .to_string(),
            geographic: "+proj=longlat +a=6378137 +b=6378137 +no_defs".to_string(),
            area: (-180.0, 180.0, -85.06, 85.06),
            name: "WGS 84 / Pseudo-Mercator".to_string(),
        }),
        _ => None,
    }
}

/// A projected system ready to invert points to WGS84 lon/lat.
pub struct Projection {
    code: u32,
    projected: Proj,
    geographic: Proj,
    area: (f64, f64, f64, f64),
}

impl Projection {
    /// The projection of a supported projected EPSG code; `None` for
    /// geographic or unsupported codes.
    pub fn new(code: u32) -> Option<Projection> {
        let d = definition(code)?;
        Some(Projection {
            code,
            projected: Proj::from_proj_string(&d.proj).ok()?,
            geographic: Proj::from_proj_string(&d.geographic).ok()?,
            area: d.area,
        })
    }

    /// Inverts projected `(x, y)` metres to WGS84 `(lon, lat)` degrees, or
    /// says why not: not finite, or outside the area of use.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        if !(x.is_finite() && y.is_finite()) {
            return Err(format!("({x}, {y}) is not a finite EPSG:{} coordinate", self.code));
        }
        let mut p = (x, y, 0.0);
        let inverted = proj4rs::transform::transform(&self.projected, &self.geographic, &mut p);
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        let (west, east, south, north) = self.area;
        let inside = (west - MARGIN_DEG..=east + MARGIN_DEG).contains(&lon)
            && (south - MARGIN_DEG..=north + MARGIN_DEG).contains(&lat);
        if inverted.is_err() || !inside {
            let at = if inverted.is_ok() && lon.is_finite() && lat.is_finite() {
                format!(" (it would be lon {lon:.4}, lat {lat:.4})")
            } else {
                String::new()
            };
            return Err(format!(
                "({x}, {y}) is outside the area of use of EPSG:{}{at}: lon {west}–{east}, lat {south}–{north}; \
                 is it in another zone's system, or are x and y swapped?",
                self.code
            ));
        }
        Ok((lon, lat))
    }

    /// Projects WGS84 `(lon, lat)` degrees to `(x, y)` metres: the forward
    /// transform, for tests and for writing projected files.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.geographic, &self.projected, &mut p).ok()?;
        Some((p.0, p.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The meridian arc length from the equator to `lat` on an ellipsoid
    /// (midpoint rule over the radius of curvature): a second
    /// implementation of what a Transverse Mercator northing is on its
    /// central meridian.
    fn meridian_arc(a: f64, inv_f: f64, lat: f64) -> f64 {
        let f = 1.0 / inv_f;
        let e2 = f * (2.0 - f);
        let n = 20_000;
        let h = lat.to_radians() / f64::from(n);
        (0..n)
            .map(|i| {
                let t = (f64::from(i) + 0.5) * h;
                a * (1.0 - e2) / (1.0 - e2 * t.sin().powi(2)).powf(1.5)
            })
            .sum::<f64>()
            * h
    }

    #[test]
    fn central_meridian_points_invert_to_the_meridian() {
        let y = meridian_arc(6_378_137.0, 298.257_222_101, 22.5); // GRS80
        let gk = Projection::new(4547).unwrap();
        let (lon, lat) = gk.to_wgs84(500_000.0, y).unwrap();
        assert!((lon - 114.0).abs() < 1e-12, "{lon}");
        assert!((lat - 22.5).abs() < 1e-8, "{lat}");
        let zoned = Projection::new(4526).unwrap(); // zone 38, CM 114E
        let (lon2, lat2) = zoned.to_wgs84(38_500_000.0, y).unwrap();
        assert!((lon2 - lon).abs() < 1e-12 && (lat2 - lat).abs() < 1e-12);
        let y = 0.9996 * meridian_arc(6_378_137.0, 298.257_223_563, 40.0); // WGS84, UTM k0
        let utm = Projection::new(32650).unwrap(); // CM 117E
        let (lon, lat) = utm.to_wgs84(500_000.0, y).unwrap();
        assert!((lon - 117.0).abs() < 1e-12 && (lat - 40.0).abs() < 1e-8, "{lon} {lat}");
        let south = Projection::new(32750).unwrap();
        let (_, lat) = south.to_wgs84(500_000.0, 10_000_000.0 - y).unwrap();
        assert!((lat + 40.0).abs() < 1e-8, "{lat}");
    }

    #[test]
    fn web_mercator_is_the_spherical_formula() {
        let m = Projection::new(3857).unwrap();
        let r = 6_378_137.0f64;
        let (lon, lat) = (114.05f64, 22.55f64);
        let x = r * lon.to_radians();
        let y = r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln();
        let back = m.to_wgs84(x, y).unwrap();
        assert!((back.0 - lon).abs() < 1e-9 && (back.1 - lat).abs() < 1e-9, "{back:?}");
    }

    #[test]
    fn codes_and_areas() {
        assert!(is_supported(4326) && is_supported(4490) && !is_projected(4490));
        for code in [4513, 4533, 4534, 4554, 32601, 32660, 32701, 32760, 3857] {
            assert!(is_projected(code), "{code}");
            assert!(Projection::new(code).is_some(), "{code}");
        }
        for code in [4512, 4555, 32600, 32661, 32700, 32761, 2385, 0] {
            assert!(!is_supported(code), "{code}");
        }
        assert_eq!(name(4547).unwrap(), "CGCS2000 / 3-degree Gauss-Kruger CM 114E");
        let e = Projection::new(4547)
            .unwrap()
            .to_wgs84(2_500_000.0, 500_000.0)
            .unwrap_err();
        assert!(e.contains("outside the area of use of EPSG:4547"), "{e}");
        assert!(Projection::new(32750).unwrap().to_wgs84(f64::NAN, 1.0).is_err());
    }

    proptest! {
        /// Forward then inverse gives the point back to well under a
        /// millimetre, in every kind of system.
        #[test]
        fn inverse_of_forward(dlon in -1.4f64..1.4, lat in 18.0f64..50.0, which in 0usize..4) {
            let (code, cm) = [(4547, 114.0), (4526, 114.0), (32650, 117.0), (3857, 114.0)][which];
            let p = Projection::new(code).unwrap();
            let (x, y) = p.from_wgs84(cm + dlon, lat).unwrap();
            let (lon, lat2) = p.to_wgs84(x, y).unwrap();
            prop_assert!((lon - (cm + dlon)).abs() < 1e-9 && (lat2 - lat).abs() < 1e-9);
        }
    }
}
