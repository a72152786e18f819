//! A local plane in metres for building units: equirectangular around the
//! district's centre (longitude scaled by the cosine of the mid latitude).
//!
//! Units are built, clipped and dissolved in this plane and converted back
//! to WGS84 lon/lat only when written; the same plane point always gives
//! the same lon/lat bits, so neighbouring zones keep identical shared
//! vertices. Distances between homes and schools are never measured here:
//! they are haversine metres (spec §2).

use geo::{Coord, MapCoords, MultiPolygon};

/// Metres per degree of latitude on the sphere of spec §2.
const M_PER_DEG: f64 = crate::distance::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// The plane: an origin and the metres per degree of longitude there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plane {
    lon0: f64,
    lat0: f64,
    kx: f64,
}

impl Plane {
    /// The plane centred on the middle of the points' bounding box.
    ///
    /// ```
    /// use catchment::zoning::plane::Plane;
    /// let p = Plane::around([(151.0, -33.9), (151.1, -33.8)].into_iter());
    /// let (x, y) = p.to_xy(151.05, -33.85);
    /// assert!(x.abs() < 1e-6 && y.abs() < 1e-6);
    /// ```
    pub fn around(points: impl Iterator<Item = (f64, f64)>) -> Plane {
        let (mut w, mut e, mut s, mut n) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lon, lat) in points {
            w = w.min(lon);
            e = e.max(lon);
            s = s.min(lat);
            n = n.max(lat);
        }
        if w > e {
            (w, e, s, n) = (0.0, 0.0, 0.0, 0.0);
        }
        let lat0 = (s + n) / 2.0;
        Plane {
            lon0: (w + e) / 2.0,
            lat0,
            kx: M_PER_DEG * lat0.to_radians().cos().max(0.01),
        }
    }

    /// Lon/lat to plane metres (east, north).
    pub fn to_xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.kx, (lat - self.lat0) * M_PER_DEG)
    }

    /// Plane metres back to lon/lat.
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        (self.lon0 + x / self.kx, self.lat0 + y / M_PER_DEG)
    }

    /// A lon/lat area in the plane.
    pub fn area_to_xy(&self, area: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        area.map_coords(|c| {
            let (x, y) = self.to_xy(c.x, c.y);
            Coord { x, y }
        })
    }

    /// A plane area in lon/lat.
    pub fn area_to_lonlat(&self, area: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        area.map_coords(|c| {
            let (x, y) = self.to_lonlat(c.x, c.y);
            Coord { x, y }
        })
    }
}
