//! Spatial indexes: which zone covers a home, and schools nearest a home.
//!
//! Zones are found with an `rstar` tree over their bounding boxes and an
//! exact `geo` covers test (a point on the boundary belongs to the zone,
//! spec §1). Nearest schools come from an `rstar` tree of points on the unit
//! sphere: the straight-line (chord) distance between two such points grows
//! with the great-circle distance, so the tree's nearest-neighbour order is
//! the haversine order, and [`NearestSchools`] confirms it exactly against
//! full-precision haversine before yielding, ties broken by school id.
//! [`SchoolGrid`] answers the same question for a fixed set of schools
//! with buckets instead of a tree (the optimal rule's candidate lists,
//! hundreds of thousands of walks): it yields exactly what
//! [`NearestSchools`] yields. For the first few schools only,
//! [`SchoolGrid::nearest_k`] reads a short list kept per bucket
//! (`lists.rs`) instead of walking rings.

use geo::{BoundingRect, Intersects, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use std::cell::RefCell;

use crate::distance::{sphere_point, Prepared, EARTH_RADIUS_M};
use crate::scenario::{Level, School, SchoolIdx, Zone, ZoneIdx};

mod lists;
pub use lists::LIST_K;

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
    home: Prepared,
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
            home: Prepared::new((lon, lat)),
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
            fetched.push((self.home.distance(&Prepared::new((s.lon, s.lat))), p.0.data));
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

/// Safety margin, metres, on every lower bound of [`SchoolGrid`]: far
/// above the floating-point error of points 6,371 km from the centre
/// (about 10⁻⁸ m), far below the 0.5 mm that could change a rounded cost.
const GRID_MARGIN_M: f64 = 1e-5;

/// Squared straight-line distance between two points.
fn chord2(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// A lower bound in metres, less the relative and absolute margins
/// ([`GRID_MARGIN_M`]) that keep it below the haversine distance it bounds.
fn less_margin(metres: f64) -> f64 {
    metres * (1.0 - 1e-12) - GRID_MARGIN_M
}

/// The lower bound on the haversine distance that a squared chord gives.
fn line_bound(chord2: f64) -> f64 {
    less_margin(chord2.sqrt())
}

/// One school in a [`SchoolGrid`] bucket.
#[derive(Debug, Clone, Copy)]
struct GridSchool {
    /// Point on the haversine sphere (metres), for chord lower bounds.
    point: [f64; 3],
    /// Position with its latitude's cosine, for exact distances.
    at: Prepared,
    school: SchoolIdx,
}

/// A fixed set of schools in square buckets of a plane tangent to the
/// sphere at their centre, for exact nearest-school walks.
///
/// The schools' points on the haversine sphere
/// ([`crate::distance::sphere_point`]) are projected orthogonally onto the
/// plane. A projection never lengthens a segment, and a chord is never
/// longer than its arc, so the plane distance from a home to a bucket
/// bounds from below the haversine distance to every school in it. A walk
/// ([`SchoolGrid::nearest`]) visits buckets in rings around the home's
/// bucket and yields a school once its exact haversine distance is below
/// the bound for every bucket not yet visited (less [`GRID_MARGIN_M`]):
/// the same (haversine metres, school) order as [`NearestSchools`], at a
/// fraction of the cost of a tree search.
#[derive(Debug, Clone)]
pub struct SchoolGrid {
    /// Orthonormal basis of the plane (unit vectors).
    axes: [[f64; 3]; 2],
    /// Unit normal of the plane: the schools' side of the sphere.
    normal: [f64; 3],
    /// Plane coordinates of the corner of bucket (0, 0), metres.
    origin: [f64; 2],
    /// Side of a bucket, metres.
    cell: f64,
    /// Buckets along each axis.
    dims: [usize; 2],
    /// Bucket `b` holds `schools[start[b]..start[b + 1]]`.
    start: Vec<u32>,
    schools: Vec<GridSchool>,
    /// Per bucket, the schools [`SchoolGrid::nearest_k`] reads
    /// (`lists.rs`), allocated when first needed.
    lists: std::sync::OnceLock<lists::BucketLists>,
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalised(a: [f64; 3]) -> Option<[f64; 3]> {
    let norm = dot(a, a).sqrt();
    (norm > 1e-9).then(|| [a[0] / norm, a[1] / norm, a[2] / norm])
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

impl SchoolGrid {
    /// Buckets the schools that satisfy `keep`, about one per bucket.
    pub fn new(schools: &[School], keep: impl Fn(SchoolIdx, &School) -> bool) -> Self {
        let kept: Vec<GridSchool> = schools
            .iter()
            .enumerate()
            .filter(|(i, s)| keep(SchoolIdx(*i as u32), s))
            .map(|(i, s)| GridSchool {
                point: sphere_point(s.lon, s.lat),
                at: Prepared::new((s.lon, s.lat)),
                school: SchoolIdx(i as u32),
            })
            .collect();
        // The plane: normal to the mean point (any plane gives true lower
        // bounds; this one keeps a city's buckets square and full).
        let mut mean = [0.0f64; 3];
        for g in &kept {
            for (m, p) in mean.iter_mut().zip(g.point) {
                *m += p;
            }
        }
        let normal = normalised(mean).unwrap_or([0.0, 0.0, 1.0]);
        let east = normalised(cross([0.0, 0.0, 1.0], normal)).unwrap_or([1.0, 0.0, 0.0]);
        let north = cross(normal, east);
        let axes = [east, north];
        let uv = |p: [f64; 3]| [dot(p, axes[0]), dot(p, axes[1])];
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for g in &kept {
            let c = uv(g.point);
            for a in 0..2 {
                lo[a] = lo[a].min(c[a]);
                hi[a] = hi[a].max(c[a]);
            }
        }
        if kept.is_empty() {
            (lo, hi) = ([0.0; 2], [0.0; 2]);
        }
        let extent = [(hi[0] - lo[0]).max(1.0), (hi[1] - lo[1]).max(1.0)];
        // About one school per bucket, at most 1024 buckets a side.
        let cell = ((extent[0] * extent[1]) / kept.len().max(1) as f64)
            .sqrt()
            .max(extent[0] / 1024.0)
            .max(extent[1] / 1024.0);
        let dims = [
            ((extent[0] / cell) as usize + 1).min(1024),
            ((extent[1] / cell) as usize + 1).min(1024),
        ];
        let mut grid = SchoolGrid {
            axes,
            normal,
            origin: lo,
            cell,
            dims,
            start: vec![0; dims[0] * dims[1] + 1],
            schools: Vec::new(),
            lists: std::sync::OnceLock::new(),
        };
        let mut keyed: Vec<(usize, GridSchool)> = kept.into_iter().map(|g| (grid.bucket_of(uv(g.point)), g)).collect();
        keyed.sort_by_key(|(b, g)| (*b, g.school));
        for &(b, _) in &keyed {
            grid.start[b + 1] += 1;
        }
        for b in 0..dims[0] * dims[1] {
            grid.start[b + 1] += grid.start[b];
        }
        grid.schools = keyed.into_iter().map(|(_, g)| g).collect();
        grid
    }

    /// Plane coordinates of a point on the sphere.
    fn project(&self, p: [f64; 3]) -> [f64; 2] {
        [dot(p, self.axes[0]), dot(p, self.axes[1])]
    }

    /// The schools of bucket `b`.
    fn bucket(&self, b: usize) -> &[GridSchool] {
        &self.schools[self.start[b] as usize..self.start[b + 1] as usize]
    }

    /// Calls `visit` with each bucket of the grid at ring `r` around bucket
    /// `(cx, cy)` (Chebyshev distance `r`): the bottom and top rows, then
    /// the left and right columns between them.
    fn for_each_in_ring(&self, (cx, cy): (i64, i64), r: i64, mut visit: impl FnMut(usize)) {
        let [dx, dy] = [self.dims[0] as i64, self.dims[1] as i64];
        let (x0, x1, y0, y1) = (cx - r, cx + r, cy - r, cy + r);
        for y in [y0, y1] {
            if (0..dy).contains(&y) {
                for x in x0.max(0)..=x1.min(dx - 1) {
                    visit((y * dx + x) as usize);
                }
                if r == 0 {
                    break;
                }
            }
        }
        for x in [x0, x1] {
            if r > 0 && (0..dx).contains(&x) {
                for y in (y0 + 1).max(0)..=(y1 - 1).min(dy - 1) {
                    visit((y * dx + x) as usize);
                }
            }
        }
    }

    /// Bucket coordinates (clamped into the grid) of plane coordinates.
    fn cell_of(&self, c: [f64; 2]) -> [usize; 2] {
        let f = |a: usize| (((c[a] - self.origin[a]) / self.cell).floor().max(0.0) as usize).min(self.dims[a] - 1);
        [f(0), f(1)]
    }

    fn bucket_of(&self, c: [f64; 2]) -> usize {
        let [x, y] = self.cell_of(c);
        y * self.dims[0] + x
    }

    /// The schools of the grid from a home, in exact (haversine distance,
    /// school id) order, lazily.
    pub fn nearest(&self, lon: f64, lat: f64) -> GridNearest<'_> {
        // Room for the first three rings (about 25 buckets of about one
        // school each) without growing.
        self.nearest_with(lon, lat, Vec::with_capacity(32), Vec::with_capacity(16))
    }

    /// [`SchoolGrid::nearest`] with the walk's buffers given (emptied).
    fn nearest_with(
        &self,
        lon: f64,
        lat: f64,
        mut pending: Vec<(f64, bool, GridSchool)>,
        mut ready: Vec<(f64, SchoolIdx)>,
    ) -> GridNearest<'_> {
        pending.clear();
        ready.clear();
        let point = sphere_point(lon, lat);
        let plane = self.project(point);
        GridNearest {
            grid: self,
            home: Prepared::new((lon, lat)),
            point,
            plane,
            centre: self.cell_of(plane),
            ring: 0,
            done: self.schools.is_empty(),
            pending,
            ready,
            next: 0,
        }
    }

    /// Calls `visit` with the schools in [`SchoolGrid::nearest`]'s order
    /// until it returns false, reusing this thread's walk buffers instead
    /// of allocating them for every home.
    pub fn visit_nearest(&self, lon: f64, lat: f64, mut visit: impl FnMut(SchoolIdx, f64) -> bool) {
        thread_local! {
            static BUFFERS: RefCell<WalkBuffers> = RefCell::default();
        }
        BUFFERS.with(|cell| {
            let (pending, ready) = std::mem::take(&mut *cell.borrow_mut());
            let mut walk = self.nearest_with(lon, lat, pending, ready);
            for (school, metres) in walk.by_ref() {
                if !visit(school, metres) {
                    break;
                }
            }
            *cell.borrow_mut() = (walk.pending, walk.ready);
        });
    }
}

/// The buffers of a [`GridNearest`], kept between walks by
/// [`SchoolGrid::visit_nearest`].
type WalkBuffers = (Vec<(f64, bool, GridSchool)>, Vec<(f64, SchoolIdx)>);

/// A walk over a [`SchoolGrid`] from one home ([`SchoolGrid::nearest`]).
pub struct GridNearest<'a> {
    grid: &'a SchoolGrid,
    home: Prepared,
    point: [f64; 3],
    plane: [f64; 2],
    centre: [usize; 2],
    /// The next ring of buckets to visit.
    ring: usize,
    /// Every bucket has been visited.
    done: bool,
    /// Schools visited but not yet known to come next: (distance in metres,
    /// whether it is exact rather than a lower bound, school).
    pending: Vec<(f64, bool, GridSchool)>,
    /// Confirmed schools in order, `next` of them already yielded.
    ready: Vec<(f64, SchoolIdx)>,
    next: usize,
}

impl GridNearest<'_> {
    /// Visits the next ring of buckets around the home's bucket, then
    /// confirms every visited school nearer than any unvisited one.
    fn visit_ring(&mut self) {
        let g = self.grid;
        let r = self.ring as i64;
        let [cx, cy] = [self.centre[0] as i64, self.centre[1] as i64];
        let [dx, dy] = [g.dims[0] as i64, g.dims[1] as i64];
        let (x0, x1, y0, y1) = (cx - r, cx + r, cy - r, cy + r);
        g.for_each_in_ring((cx, cy), r, |b| {
            for s in g.bucket(b) {
                self.pending.push((line_bound(chord2(s.point, self.point)), false, *s));
            }
        });
        self.ring += 1;
        // Every unvisited bucket lies beyond one side of the visited block
        // that is not yet the edge of the grid.
        let mut bound = f64::INFINITY;
        if x0 > 0 {
            bound = bound.min(self.plane[0] - (g.origin[0] + x0 as f64 * g.cell));
        }
        if x1 < dx - 1 {
            bound = bound.min(g.origin[0] + (x1 + 1) as f64 * g.cell - self.plane[0]);
        }
        if y0 > 0 {
            bound = bound.min(self.plane[1] - (g.origin[1] + y0 as f64 * g.cell));
        }
        if y1 < dy - 1 {
            bound = bound.min(g.origin[1] + (y1 + 1) as f64 * g.cell - self.plane[1]);
        }
        self.done = bound == f64::INFINITY;
        let bound = less_margin(bound.max(0.0));
        // Schools whose lower bound is below it get their exact distance;
        // those nearer than it are confirmed.
        let mut k = 0;
        let start = self.ready.len();
        while k < self.pending.len() {
            let (lower, exact, s) = self.pending[k];
            if self.done || lower < bound {
                let d = if exact { lower } else { self.home.distance(&s.at) };
                if self.done || d < bound {
                    self.ready.push((d, s.school));
                    self.pending.swap_remove(k);
                    continue;
                }
                // Known exactly now, but not yet confirmed.
                self.pending[k] = (d, true, s);
            }
            k += 1;
        }
        self.ready[start..].sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
}

impl Iterator for GridNearest<'_> {
    /// A school and its distance in metres.
    type Item = (SchoolIdx, f64);

    fn next(&mut self) -> Option<Self::Item> {
        while self.next >= self.ready.len() {
            if self.done {
                return None;
            }
            self.visit_ring();
        }
        let (d, s) = self.ready[self.next];
        self.next += 1;
        Some((s, d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::haversine;
    use crate::scenario::Sector;
    use proptest::prelude::*;

    /// Moves the `dup` schools after the first to its place: ties that
    /// break by id.
    fn same_place_as_first(schools: &mut [School], dup: usize) {
        for i in 0..dup.min(schools.len().saturating_sub(1)) {
            let (x, y) = (schools[0].lon, schools[0].lat);
            schools[i + 1].lon = x;
            schools[i + 1].lat = y;
        }
    }

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

        #[test]
        fn grid_walk_equals_the_tree_walk(
            pts in proptest::collection::vec((116.0f64..116.3, 39.8f64..40.1), 0..120),
            homes in proptest::collection::vec((115.8f64..116.5, 39.6f64..40.3), 1..8),
            dup in 0usize..4,
            drop in 0usize..5,
        ) {
            let mut schools: Vec<School> = pts.iter().enumerate().map(|(i, &(x, y))| school(i, x, y)).collect();
            // Some schools at exactly the same place: ties break by id.
            same_place_as_first(&mut schools, dup);
            let keep = |i: SchoolIdx, _: &School| drop == 0 || i.index() % drop != 1;
            let tree = school_tree(&schools, keep);
            let grid = SchoolGrid::new(&schools, keep);
            // Homes of the area, outside it, and at a school.
            let mut homes = homes;
            if let Some(s) = schools.first() {
                homes.push((s.lon, s.lat));
            }
            for (lon, lat) in homes {
                let want: Vec<(SchoolIdx, f64)> = NearestSchools::new(&tree, &schools, lon, lat).collect();
                let got: Vec<(SchoolIdx, f64)> = grid.nearest(lon, lat).collect();
                prop_assert_eq!(&got, &want);
                // Partly consumed walks agree too (the solver reads a few).
                let first: Vec<(SchoolIdx, f64)> = grid.nearest(lon, lat).take(3).collect();
                prop_assert_eq!(&first[..], &want[..want.len().min(3)]);
            }
        }

        #[test]
        fn nearest_k_equals_the_walk(
            pts in proptest::collection::vec((116.0f64..116.3, 39.8f64..40.1), 0..300),
            cluster in proptest::collection::vec((116.0f64..116.005, 39.8f64..39.805), 0..80),
            homes in proptest::collection::vec((115.8f64..116.5, 39.6f64..40.3), 1..10),
            k in 0usize..LIST_K + 4,
            dup in 0usize..4,
            drop in 0usize..5,
        ) {
            // Spread schools and a dense cluster in one corner, so that
            // lists are short in some buckets and long in others.
            let mut schools: Vec<School> = pts.iter().chain(&cluster).enumerate().map(|(i, &(x, y))| school(i, x, y)).collect();
            same_place_as_first(&mut schools, dup);
            let keep = |i: SchoolIdx, _: &School| drop == 0 || i.index() % drop != 1;
            let grid = SchoolGrid::new(&schools, keep);
            let mut homes = homes;
            homes.extend(schools.iter().take(2).map(|s| (s.lon, s.lat)));
            homes.extend(cluster.iter().take(2).map(|&(x, y)| (x + 1e-4, y - 1e-4)));
            for (lon, lat) in homes {
                let want: Vec<(SchoolIdx, f64)> = grid.nearest(lon, lat).take(k).collect();
                let mut got = Vec::new();
                grid.nearest_k(lon, lat, k, |s, d| {
                    got.push((s, d));
                    true
                });
                prop_assert_eq!(&got, &want);
                // Stopping early yields a prefix.
                let mut first = Vec::new();
                grid.nearest_k(lon, lat, k, |s, d| {
                    first.push((s, d));
                    first.len() < 2
                });
                prop_assert_eq!(&first[..], &want[..want.len().min(2)]);
                // Lists serve the first request's k; a larger one walks.
                let more: Vec<(SchoolIdx, f64)> = grid.nearest(lon, lat).take(k + 3).collect();
                let mut got = Vec::new();
                grid.nearest_k(lon, lat, k + 3, |s, d| {
                    got.push((s, d));
                    true
                });
                prop_assert_eq!(&got, &more);
            }
        }

        #[test]
        fn nearest_k_mm_rounds_nearest_k(
            pts in proptest::collection::vec((116.0f64..116.3, 39.8f64..40.1), 0..300),
            cluster in proptest::collection::vec((116.0f64..116.005, 39.8f64..39.805), 0..80),
            homes in proptest::collection::vec((115.8f64..116.5, 39.6f64..40.3), 1..10),
            k in 1usize..LIST_K + 4,
            dup in 0usize..4,
            limit in prop_oneof![Just(f64::INFINITY), 100.0f64..20_000.0],
        ) {
            let mut schools: Vec<School> = pts.iter().chain(&cluster).enumerate().map(|(i, &(x, y))| school(i, x, y)).collect();
            same_place_as_first(&mut schools, dup);
            let grid = SchoolGrid::new(&schools, |_, _| true);
            let mut homes = homes;
            homes.extend(schools.iter().take(2).map(|s| (s.lon, s.lat)));
            homes.extend(cluster.iter().take(2).map(|&(x, y)| (x + 1e-4, y - 1e-4)));
            for (lon, lat) in homes {
                // The first `k` within the limit, rounded, in (mm, school).
                let mut want: Vec<(SchoolIdx, i64)> = grid
                    .nearest(lon, lat)
                    .take(k)
                    .take_while(|&(_, d)| d <= limit)
                    .map(|(s, d)| (s, (d * 1000.0).round() as i64))
                    .collect();
                want.sort_by_key(|&(s, mm)| (mm, s));
                let mut got = Vec::new();
                grid.nearest_k_mm(sphere_point(lon, lat), (lon, lat), k, limit, |s, mm| got.push((s, mm)));
                prop_assert_eq!(&got, &want);
            }
        }

        /// The arc read off a chord is within a hundredth of the bound
        /// `nearest_k_mm` allows of the exact haversine, at every scale
        /// from metres to the longest arc it reads, anywhere on Earth.
        #[test]
        fn arcs_of_chords_are_within_their_error(
            home in (-180.0f64..180.0, -89.9f64..89.9),
            bearing in 0.0f64..std::f64::consts::TAU,
            scale in 0i32..8,
            fraction in 0.1f64..1.0,
        ) {
            let metres = 10f64.powi(scale) * fraction;
            let (dx, dy) = (metres * bearing.cos(), metres * bearing.sin());
            let lat = (home.1 + dy / 111_000.0).clamp(-90.0, 90.0);
            let lon = home.0 + dx / (111_000.0 * home.1.to_radians().cos().max(0.01));
            let (p, q) = (sphere_point(home.0, home.1), sphere_point(lon, lat));
            let chord = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
            let arc = lists::arc_of_chord(chord);
            let exact = haversine(home, (lon, lat));
            prop_assume!(arc < EARTH_RADIUS_M);
            prop_assert!((arc - exact).abs() <= lists::arc_error(exact) / 100.0, "{} vs {}", arc, exact);
        }

        #[test]
        fn nearest_k_equals_brute_force_far_apart(
            pts in proptest::collection::vec((-180.0f64..180.0, -89.0f64..89.0), 1..40),
            home in (-180.0f64..180.0, -89.0f64..89.0),
            k in 1usize..LIST_K + 2,
        ) {
            let schools: Vec<School> = pts.iter().enumerate().map(|(i, &(x, y))| school(i, x, y)).collect();
            let grid = SchoolGrid::new(&schools, |_, _| true);
            let mut got = Vec::new();
            grid.nearest_k(home.0, home.1, k, |s, _| {
                got.push(s);
                true
            });
            let mut want: Vec<(f64, SchoolIdx)> = schools.iter().enumerate()
                .map(|(i, s)| (haversine(home, (s.lon, s.lat)), SchoolIdx(i as u32))).collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            prop_assert_eq!(got, want.into_iter().take(k).map(|x| x.1).collect::<Vec<_>>());
        }

        #[test]
        fn grid_walk_equals_brute_force_far_apart(
            pts in proptest::collection::vec((-180.0f64..180.0, -89.0f64..89.0), 1..40),
            home in (-180.0f64..180.0, -89.0f64..89.0),
        ) {
            let schools: Vec<School> = pts.iter().enumerate().map(|(i, &(x, y))| school(i, x, y)).collect();
            let grid = SchoolGrid::new(&schools, |_, _| true);
            let got: Vec<SchoolIdx> = grid.nearest(home.0, home.1).map(|x| x.0).collect();
            let mut want: Vec<(f64, SchoolIdx)> = schools.iter().enumerate()
                .map(|(i, s)| (haversine(home, (s.lon, s.lat)), SchoolIdx(i as u32))).collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            prop_assert_eq!(got, want.into_iter().map(|x| x.1).collect::<Vec<_>>());
        }
    }
}
