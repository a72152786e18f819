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
}
