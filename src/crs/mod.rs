//! Coordinates as Chinese users have them: GCJ-02 and BD-09 to WGS84, and
//! projected systems by EPSG code ([`epsg`]), from flags or a shapefile's
//! `.prj` ([`prj`]).
//!
//! Maps published in China (Amap/Gaode, Tencent, Google China) give points
//! in GCJ-02 ("Mars coordinates"), a published obfuscation of WGS84 that
//! shifts a point by 100–700 m; Baidu Maps adds a second shift on top
//! (BD-09). `catchment` computes distances and zone lookups in WGS84, so
//! with `--crs gcj02` or `--crs bd09` (or `crs = "..."` in `policy.toml`)
//! every input coordinate is converted to WGS84 when the scenario is read.
//!
//! **Accuracy.** The forward transforms (WGS84 → GCJ-02, GCJ-02 → BD-09)
//! are the widely published formulas (e.g. googollee/eviltransform,
//! wandergis/coordtransform). They have no closed-form inverse, so
//! [`to_wgs84`] inverts them by fixed-point iteration
//! `p ← p − (forward(p) − target)` until the step is below 1e-10° (about
//! 0.01 mm), at most 30 steps; the result maps forward onto the input
//! within 1e-9° (0.1 mm), far below the < 0.01 m the usual iterative inverse
//! promises. How close GCJ-02 itself is to the true obfuscation used by
//! the state is outside our control: the published formula is known to
//! match it to about 1 m. Outside mainland China (the usual bounding box:
//! longitude 72.004–137.8347, latitude 0.8293–55.8271) GCJ-02 equals WGS84
//! and points are left unchanged; BD-09 is still shifted there.
//!
//! # Examples
//! ```
//! use catchment::crs::{to_wgs84, wgs84_to_gcj02, Crs};
//! let wgs = (116.391305, 39.907333); // near Tiananmen
//! let gcj = wgs84_to_gcj02(wgs.0, wgs.1);
//! let back = to_wgs84(Crs::Gcj02, gcj.0, gcj.1);
//! assert!((back.0 - wgs.0).abs() < 1e-9 && (back.1 - wgs.1).abs() < 1e-9);
//! ```

use std::f64::consts::PI;

pub mod epsg;
pub mod prj;

/// The coordinate reference system of the input files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Crs {
    /// WGS84 (GPS, OpenStreetMap): no conversion.
    #[default]
    Wgs84,
    /// GCJ-02 (Amap/Gaode, Tencent): converted to WGS84.
    Gcj02,
    /// BD-09 (Baidu): converted to WGS84.
    Bd09,
    /// A supported EPSG system (see [`epsg`]): CGCS2000 (4490) and its
    /// Gauss–Krüger zones, WGS84 UTM zones, Web Mercator. Projected
    /// systems are inverted to WGS84 lon/lat on load.
    Epsg(u32),
}

impl Crs {
    /// Parses `wgs84`, `gcj02`, `bd09` or `EPSG:NNNN` (a supported code;
    /// `EPSG:4326` is `wgs84`).
    pub fn parse(s: &str) -> Option<Crs> {
        Crs::parse_or_explain(s).ok()
    }

    /// Like [`Crs::parse`], with what was expected when `s` is not a
    /// supported system.
    pub fn parse_or_explain(s: &str) -> Result<Crs, String> {
        match s {
            "wgs84" => return Ok(Crs::Wgs84),
            "gcj02" => return Ok(Crs::Gcj02),
            "bd09" => return Ok(Crs::Bd09),
            _ => {}
        }
        let code = s
            .strip_prefix("EPSG:")
            .or_else(|| s.strip_prefix("epsg:"))
            .and_then(|c| c.parse::<u32>().ok());
        match code {
            Some(4326) => Ok(Crs::Wgs84),
            Some(code) if epsg::is_supported(code) => Ok(Crs::Epsg(code)),
            Some(code) => Err(format!(
                "EPSG:{code} is not a supported coordinate system; supported: wgs84, gcj02, bd09, {}",
                epsg::SUPPORTED
            )),
            None => Err(format!(
                "{s:?} is not a coordinate system; expected wgs84, gcj02, bd09 or EPSG:NNNN ({})",
                epsg::SUPPORTED
            )),
        }
    }

    /// The spelling used in flags, `policy.toml` and the manifest.
    pub fn name(self) -> String {
        match self {
            Crs::Wgs84 => "wgs84".to_string(),
            Crs::Gcj02 => "gcj02".to_string(),
            Crs::Bd09 => "bd09".to_string(),
            Crs::Epsg(code) => format!("EPSG:{code}"),
        }
    }

    /// True for a projected system: coordinates are metres (x, y), not
    /// lon/lat degrees, so the lon/lat range checks do not apply to them.
    pub fn is_projected(self) -> bool {
        matches!(self, Crs::Epsg(code) if epsg::is_projected(code))
    }

    /// A converter to WGS84, built once for many points.
    pub fn converter(self) -> Converter {
        match self {
            Crs::Epsg(code) => match epsg::Projection::new(code) {
                Some(p) => Converter::Projected(Box::new(p)),
                None => Converter::Geographic(Crs::Wgs84),
            },
            other => Converter::Geographic(other),
        }
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// Converts points of one coordinate system to WGS84 (see [`Crs::converter`]).
pub enum Converter {
    /// WGS84, CGCS2000 lon/lat, GCJ-02 or BD-09.
    Geographic(Crs),
    /// A projected system.
    Projected(Box<epsg::Projection>),
}

impl Converter {
    /// The WGS84 `(lon, lat)` of a point, or why it has none (outside the
    /// projected system's area of use).
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        match self {
            Converter::Geographic(crs) => Ok(to_wgs84(*crs, x, y)),
            Converter::Projected(p) => p.to_wgs84(x, y),
        }
    }
}

/// The hint given when coordinates out of lon/lat range look like metres.
pub const LOOKS_PROJECTED: &str = "these look like projected metres, not lon/lat; pass --crs EPSG:… (e.g. EPSG:4547 for CGCS2000 Gauss-Kruger CM 114E, EPSG:32650 for UTM 50N, EPSG:3857 for Web Mercator)";

/// True when a coordinate outside the lon/lat range is large enough to be
/// projected metres rather than a typo.
pub fn looks_projected(v: f64) -> bool {
    v.is_finite() && v.abs() > 1000.0
}

/// Krasovsky 1940 semi-major axis and eccentricity squared, as used by GCJ-02.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
/// BD-09's angular constant.
const X_PI: f64 = PI * 3000.0 / 180.0;

/// True outside the box in which GCJ-02 shifts points.
pub fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (the published forward formula); unchanged outside China.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = shift_lat(lon - 105.0, lat - 35.0);
    let d_lon = shift_lon(lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = d_lat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = d_lon * 180.0 / (A / sqrt_magic * rad.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → BD-09 (Baidu's published forward formula).
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// WGS84 → BD-09.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(x, y)
}

/// Inverts `forward` at `target` by fixed-point iteration (the shifts vary
/// slowly, so each step gains several digits).
fn invert(forward: impl Fn(f64, f64) -> (f64, f64), lon: f64, lat: f64) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..30 {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-10 && dy.abs() < 1e-10 {
            break;
        }
    }
    (x, y)
}

/// Converts a point given in `crs` to WGS84 (see the module docs for the
/// accuracy).
pub fn to_wgs84(crs: Crs, lon: f64, lat: f64) -> (f64, f64) {
    match crs {
        Crs::Wgs84 => (lon, lat),
        Crs::Gcj02 if outside_china(lon, lat) => (lon, lat),
        Crs::Gcj02 => invert(wgs84_to_gcj02, lon, lat),
        Crs::Bd09 => invert(wgs84_to_bd09, lon, lat),
        // CGCS2000 lon/lat is WGS84 to centimetres; a projected system
        // goes through its converter (outside its area of use: NaN).
        Crs::Epsg(_) => crs.converter().to_wgs84(lon, lat).unwrap_or((f64::NAN, f64::NAN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Metres between two nearby points (equirectangular; enough at < 1 km).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        crate::distance::haversine(a, b)
    }

    // Published reference pairs. googollee/eviltransform (test.py, MIT):
    // (wgs lon, wgs lat) -> (gcj lon, gcj lat) for Shanghai, Shenzhen and
    // Beijing (near Tiananmen); wandergis/coordtransform (test/app.js, MIT):
    // wgs84togcj02(116.404, 39.915) and gcj02tobd09(116.404, 39.915).
    const WGS_GCJ: [((f64, f64), (f64, f64)); 4] = [
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
        ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ];

    #[test]
    fn forward_matches_published_pairs() {
        for (wgs, gcj) in WGS_GCJ {
            let got = wgs84_to_gcj02(wgs.0, wgs.1);
            assert!(metres(got, gcj) < 0.001, "{wgs:?}: {got:?} vs {gcj:?}");
        }
        let bd = gcj02_to_bd09(116.404, 39.915);
        assert!(metres(bd, (116.41036949371029, 39.92133699351021)) < 0.001, "{bd:?}");
    }

    #[test]
    fn inverse_recovers_published_wgs84_within_a_centimetre() {
        for (wgs, gcj) in WGS_GCJ {
            let back = to_wgs84(Crs::Gcj02, gcj.0, gcj.1);
            assert!(metres(back, wgs) < 0.01, "{gcj:?}: {back:?} vs {wgs:?}");
            // The shift being undone is hundreds of metres.
            assert!(metres(gcj, wgs) > 100.0);
        }
        // BD-09: wandergis/coordtransform's gcj02tobd09(116.404, 39.915) =
        // (116.41036949371029, 39.92133699351021), so that BD-09 point is
        // the WGS84 point whose GCJ-02 is (116.404, 39.915).
        let back = to_wgs84(Crs::Bd09, 116.41036949371029, 39.92133699351021);
        let want = to_wgs84(Crs::Gcj02, 116.404, 39.915);
        assert!(metres(back, want) < 0.01, "{back:?} vs {want:?}");
        // eviltransform's BD-09 pair (Jinhua): bd (120.019809, 29.199786) ->
        // wgs (120.00877901149691, 29.196131605295484). Its bd2wgs uses the
        // one-step approximate GCJ-02 inverse, so it is metres off; ours maps
        // forward onto the input exactly.
        let back = to_wgs84(Crs::Bd09, 120.019809, 29.199786);
        assert!(metres(wgs84_to_bd09(back.0, back.1), (120.019809, 29.199786)) < 0.001);
        assert!(
            metres(back, (120.00877901149691, 29.196131605295484)) < 20.0,
            "{back:?}"
        );
    }

    #[test]
    fn outside_china_gcj02_is_wgs84() {
        assert_eq!(to_wgs84(Crs::Gcj02, 151.2093, -33.8688), (151.2093, -33.8688));
        assert_eq!(to_wgs84(Crs::Wgs84, 116.4, 39.9), (116.4, 39.9));
        assert_eq!(Crs::parse("bd09"), Some(Crs::Bd09));
        assert_eq!(Crs::parse("WGS"), None);
        assert_eq!(Crs::parse("EPSG:4547"), Some(Crs::Epsg(4547)));
        assert_eq!(Crs::parse("epsg:3857"), Some(Crs::Epsg(3857)));
        assert_eq!(Crs::parse("EPSG:4326"), Some(Crs::Wgs84));
        assert!(Crs::parse_or_explain("EPSG:2385")
            .unwrap_err()
            .contains("not a supported"));
        assert_eq!(Crs::Epsg(4547).name(), "EPSG:4547");
        assert!(Crs::Epsg(4547).is_projected() && !Crs::Epsg(4490).is_projected());
        assert_eq!(to_wgs84(Crs::Epsg(4490), 116.4, 39.9), (116.4, 39.9));
    }

    proptest! {
        #[test]
        fn inverse_of_forward_is_identity(lon in 73.0f64..135.0, lat in 18.0f64..53.0) {
            let gcj = wgs84_to_gcj02(lon, lat);
            let back = to_wgs84(Crs::Gcj02, gcj.0, gcj.1);
            prop_assert!(metres(back, (lon, lat)) < 0.01, "{:?}", back);
            let bd = wgs84_to_bd09(lon, lat);
            let back = to_wgs84(Crs::Bd09, bd.0, bd.1);
            prop_assert!(metres(back, (lon, lat)) < 0.01, "{:?}", back);
        }
    }
}
