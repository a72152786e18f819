//! Spatial indexes: which zone covers a home, and schools nearest a home.
//!
//! Zones are found with an `rstar` tree over their bounding boxes and an
//! exact `geo` covers test (a point on the boundary belongs to the zone,
//! spec §1). Nearest schools come from an `rstar` tree of points on the unit
//! sphere: the straight-line (chord) distance between two such points grows
//! with the great-circle distance, so the tree's nearest-neighbour order is
//! the haversine order, and [`NearestSchools`] confirms it exactly against
//! full-precision haversine before yielding, ties broken by school id.

use geo::{BoundingRect, Intersects, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::distance::{haversine, EARTH_RADIUS_M};
use crate::scenario::{Level, School, SchoolIdx, Zone, ZoneIdx};

type ZoneBox = GeomWithData<Rectangle<[f64; 2]>, ZoneIdx>;
/// A school as a point on the unit sphere, with its index.
pub type SchoolPoint = GeomWithData<[f64; 3], SchoolIdx>;

/// Zone lookup for one scenario.
pub struct ZoneIndex<'a> {
    zones: &'a [Zone],
    trees: [RTree<ZoneBox>; 2],
}

/// Result of a zone lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The zone the point belongs to: the first id among those covering it.
    pub zone: Option<ZoneIdx>,
    /// Other zones of the level that also cover the point (an overlap).
    pub also: Vec<ZoneIdx>,
}

impl<'a> ZoneIndex<'a> {
    /// Bulk-loads the envelopes of all zones.
    pub fn new(zones: &'a [Zone]) -> Self {
        let mut boxes: [Vec<ZoneBox>; 2] = [Vec::new(), Vec::new()];
        for (i, z) in zones.iter().enumerate() {
            if let Some(r) = z.area.bounding_rect() {
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                boxes[z.level.index()].push(GeomWithData::new(rect, ZoneIdx(i as u32)));
            }
        }
        let [p, j] = boxes;
        ZoneIndex {
            zones,
            trees: [RTree::bulk_load(p), RTree::bulk_load(j)],
        }
    }

    /// The zones of `level` covering the point `(lon, lat)`.
    pub fn locate(&self, level: Level, lon: f64, lat: f64) -> Located {
        let point = Point::new(lon, lat);
        let mut hits: Vec<ZoneIdx> = self.trees[level.index()]
            .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
            .map(|b| b.data)
            .filter(|&z| self.zones[z.index()].area.intersects(&point))
            .collect();
        hits.sort_unstable();
        let zone = hits.first().copied();
        Located {
            zone,
            also: hits.into_iter().skip(1).collect(),
        }
    }
}

/// Position of a lon/lat point on the unit sphere.
pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Great-circle metres for a chord length on the unit sphere.
fn chord_to_metres(chord: f64) -> f64 {
    2.0 * (chord / 2.0).min(1.0).asin() * EARTH_RADIUS_M
}

/// An `rstar` tree of schools on the unit sphere.
pub fn school_tree(schools: &[School], keep: impl Fn(SchoolIdx, &School) -> bool) -> RTree<SchoolPoint> {
    RTree::bulk_load(
        schools
            .iter()
            .enumerate()
            .filter(|(i, s)| keep(SchoolIdx(*i as u32), s))
            .map(|(i, s)| GeomWithData::new(unit_vector(s.lon, s.lat), SchoolIdx(i as u32)))
            .collect(),
    )
}

/// Schools of a tree in exact (haversine distance, school id) order from a
/// home, fetched lazily so nobody builds a full distance matrix.
pub struct NearestSchools<'a> {
    tree: &'a RTree<SchoolPoint>,
    schools: &'a [School],
    home: (f64, f64),
    query: [f64; 3],
    /// Fetched schools sorted by (metres, index); `confirmed` of them are
    /// known to be the true first ones.
    buffer: Vec<(f64, SchoolIdx)>,
    confirmed: usize,
    next: usize,
    exhausted: bool,
}

impl<'a> NearestSchools<'a> {
    /// Starts a lazy walk over `tree` from a home.
    pub fn new(tree: &'a RTree<SchoolPoint>, schools: &'a [School], lon: f64, lat: f64) -> Self {
        NearestSchools {
            tree,
            schools,
            home: (lon, lat),
            query: unit_vector(lon, lat),
            buffer: Vec::new(),
            confirmed: 0,
            next: 0,
            exhausted: false,
        }
    }

    fn refill(&mut self) {
        let want = (self.buffer.len() * 2).max(8);
        let mut last_chord2 = 0.0f64;
        let mut fetched = Vec::with_capacity(want);
        for p in self.tree.nearest_neighbor_iter_with_distance_2(&self.query).take(want) {
            last_chord2 = p.1;
            let s = &self.schools[p.0.data.index()];
            fetched.push((haversine(self.home, (s.lon, s.lat)), p.0.data));
        }
        fetched.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if fetched.len() < want {
            self.exhausted = true;
            self.confirmed = fetched.len();
        } else {
            // Every school not fetched is at least this far (less a margin
            // for rounding in the chord/arc conversions).
            let bound = chord_to_metres(last_chord2.sqrt()) * (1.0 - 1e-12) - 1e-6;
            self.confirmed = fetched.iter().take_while(|x| x.0 < bound).count();
        }
        self.buffer = fetched;
    }
}

impl Iterator for NearestSchools<'_> {
    /// A school and its distance in metres.
    type Item = (SchoolIdx, f64);

    fn next(&mut self) -> Option<Self::Item> {
        while self.next >= self.confirmed {
            if self.exhausted {
                return None;
            }
            self.refill();
        }
        let (d, s) = self.buffer[self.next];
        self.next += 1;
        Some((s, d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Sector;
    use proptest::prelude::*;

    fn school(i: usize, lon: f64, lat: f64) -> School {
        School {
            id: format!("S{i:03}"),
            name: String::new(),
            level: Level::Primary,
            sector: Sector::Public,
            lon,
            lat,
            classes: 1,
            cap: 45,
            reserved: 0,
            capacity: 45,
            closable: false,
            class_cap_declared: None,
            min_classes: 0,
            resources: Default::default(),
            line: i as u64 + 2,
        }
    }

    proptest! {
        #[test]
        fn nearest_order_equals_brute_force(
            pts in proptest::collection::vec((116.0f64..116.2, 39.8f64..40.0), 1..60),
            home in (115.9f64..116.3, 39.7f64..40.1),
            dup in 0usize..3,
        ) {
            let mut schools: Vec<School> = pts.iter().enumerate().map(|(i, &(x, y))| school(i, x, y)).collect();
            // Some schools at exactly the same place: ties break by id.
            for i in 0..dup.min(schools.len() - 1) {
                let (x, y) = (schools[0].lon, schools[0].lat);
                schools[i + 1].lon = x;
                schools[i + 1].lat = y;
            }
            let tree = school_tree(&schools, |_, _| true);
            let got: Vec<SchoolIdx> = NearestSchools::new(&tree, &schools, home.0, home.1).map(|x| x.0).collect();
            let mut want: Vec<(f64, SchoolIdx)> = schools.iter().enumerate()
                .map(|(i, s)| (haversine(home, (s.lon, s.lat)), SchoolIdx(i as u32))).collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            prop_assert_eq!(got, want.into_iter().map(|x| x.1).collect::<Vec<_>>());
        }
    }
}
