//! Home–school distances (spec §2): haversine or a road-distance matrix.

use geo::{Distance, Haversine, Point};

use crate::scenario::{AppIdx, DistanceMatrix, DistanceMetric, Scenario, SchoolIdx};

/// Earth radius of the haversine metric, metres (the mean radius, as in `geo`).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two lon/lat points.
///
/// ```
/// // One degree of latitude is about 111.2 km.
/// let d = catchment::distance::haversine((116.0, 39.0), (116.0, 40.0));
/// assert!((d - 111_195.08).abs() < 0.1);
/// ```
pub fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
}

/// A lon/lat position with the cosine of its latitude computed once, for
/// many [`haversine`] distances from or to it (nearest-school walks).
/// [`Prepared::distance`] does exactly the arithmetic of [`haversine`] (the
/// `geo` formula), so the two agree bit for bit.
///
/// ```
/// use catchment::distance::{haversine, Prepared};
/// let (a, b) = ((116.30, 39.90), (116.45, 39.98));
/// assert_eq!(Prepared::new(a).distance(&Prepared::new(b)), haversine(a, b));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prepared {
    lon: f64,
    lat: f64,
    cos_lat: f64,
}

impl Prepared {
    /// A position as (lon, lat) degrees.
    pub fn new((lon, lat): (f64, f64)) -> Self {
        Prepared {
            lon,
            lat,
            cos_lat: lat.to_radians().cos(),
        }
    }

    /// Great-circle distance in metres, equal to [`haversine`]`(self, to)`.
    pub fn distance(&self, to: &Prepared) -> f64 {
        let two = 2.0;
        let delta_theta = (to.lat - self.lat).to_radians();
        let delta_lambda = (to.lon - self.lon).to_radians();
        let a = (delta_theta / two).sin().powi(2) + self.cos_lat * to.cos_lat * (delta_lambda / two).sin().powi(2);
        let c = two * a.sqrt().asin();
        EARTH_RADIUS_M * c
    }
}

/// The point of a lon/lat position on the haversine sphere (radius
/// [`EARTH_RADIUS_M`], metres, Earth-centred). The straight line between
/// two such points (a chord) is never longer than [`haversine`]'s arc
/// between them, so chords are cheap lower bounds on distances.
///
/// ```
/// use catchment::distance::{haversine, sphere_point};
/// let (a, b) = ((116.30, 39.90), (116.45, 39.98));
/// let (p, q) = (sphere_point(a.0, a.1), sphere_point(b.0, b.1));
/// let chord = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
/// let arc = haversine(a, b);
/// assert!(chord <= arc && arc - chord < 0.01);
/// ```
pub fn sphere_point(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [
        EARTH_RADIUS_M * lat.cos() * lon.cos(),
        EARTH_RADIUS_M * lat.cos() * lon.sin(),
        EARTH_RADIUS_M * lat.sin(),
    ]
}

/// Distances under the scenario's metric: haversine, or the road matrix
/// under `distance.metric = "matrix"`. The metric is resolved here once;
/// everything else asks [`Distances::between`], [`Distances::matrix`] or
/// [`Distances::between_schools`].
#[derive(Clone, Copy)]
pub struct Distances<'a> {
    scenario: &'a Scenario,
    /// The road matrix when the metric is `matrix`; `None` for haversine.
    matrix: Option<&'a DistanceMatrix>,
}

impl<'a> Distances<'a> {
    /// The metric of a scenario.
    pub fn new(scenario: &'a Scenario) -> Self {
        let matrix = match (scenario.policy.metric, &scenario.matrix) {
            (DistanceMetric::Matrix, Some(m)) => Some(m),
            _ => None,
        };
        Distances { scenario, matrix }
    }

    /// The road matrix, when distances come from one (its rows list each
    /// home's reachable schools); `None` under haversine.
    pub fn matrix(&self) -> Option<&'a DistanceMatrix> {
        self.matrix
    }

    /// Metres from applicant `a`'s home to school `s`; `None` when the
    /// matrix has no such pair ("not reachable").
    pub fn between(&self, a: AppIdx, s: SchoolIdx) -> Option<f64> {
        match self.matrix {
            Some(m) => m.get(a, s),
            None => {
                let app = self.scenario.applicant(a);
                let school = self.scenario.school(s);
                Some(haversine((app.lon, app.lat), (school.lon, school.lat)))
            }
        }
    }

    /// Metres between two schools under haversine, which forms a metric
    /// space (so the flow solver may certify optimality from them); `None`
    /// under a road matrix, which lists only home–school pairs and claims
    /// no triangle inequality.
    pub fn between_schools(&self, a: SchoolIdx, b: SchoolIdx) -> Option<f64> {
        if self.matrix.is_some() {
            return None;
        }
        let (a, b) = (self.scenario.school(a), self.scenario.school(b));
        Some(haversine((a.lon, a.lat), (b.lon, b.lat)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_is_the_spec_radius() {
        // A quarter of a great circle is R·π/2.
        let d = haversine((0.0, 0.0), (90.0, 0.0));
        assert!((d - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6, "{d}");
    }

    proptest::proptest! {
        /// The prepared formula is `geo`'s haversine bit for bit (outputs
        /// print distances from either), anywhere on Earth.
        #[test]
        fn prepared_is_haversine_bit_for_bit(
            a in (-180.0f64..180.0, -90.0f64..90.0),
            b in (-180.0f64..180.0, -90.0f64..90.0),
            near in (-0.05f64..0.05, -0.05f64..0.05),
        ) {
            let c = (a.0 + near.0, (a.1 + near.1).clamp(-90.0, 90.0));
            for (p, q) in [(a, b), (a, c), (b, a), (a, a)] {
                proptest::prop_assert_eq!(Prepared::new(p).distance(&Prepared::new(q)).to_bits(), haversine(p, q).to_bits());
            }
        }
    }
}
