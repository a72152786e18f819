//! Spatial units: the pieces a catchment map is drawn from.
//!
//! A unit is one polygon in the [`super::plane::Plane`]: a square or
//! hexagonal grid cell clipped to the area to cover ([`grid`]), or a block
//! read from a GeoJSON file ([`super::blocks`]). A cell that the area's
//! boundary cuts into several parts gives one unit per part, so every unit
//! is one connected polygon. Two units are neighbours when their
//! boundaries share an edge of positive length ([`adjacency`]); corners do
//! not count.
//!
//! Grid vertices are computed from integer lattice coordinates, so two
//! neighbouring cells have bit-identical shared corners; after clipping,
//! points within a millimetre of a grid line are put back exactly on it
//! ([`Lattice::snap`]).

use geo::{
    Area as _, BooleanOps, BoundingRect, Centroid, ConvexHull, Coord, Intersects, Line, LineString, MultiPoint,
    MultiPolygon, Point, Polygon, Rect,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Vertices of a clipped cell this near (metres) a grid line are put on
/// it, and parts of quartered cells are neighbours when their boundaries
/// run this near each other ([`super::refine`]): geo's boolean operations
/// round to a fixed-point grid, which far from the plane's origin moves
/// them by tens of micrometres, enough to part two neighbouring cells (no
/// shared edge) or to leave slivers of overlap along kilometres of zone
/// boundary. A real gap between today's zones is far wider (cracks under
/// 2 cm are closed before the grid is drawn).
pub const CLIP_SNAP_M: f64 = 1e-3;

/// Pieces smaller than this (m²) are numerical slivers of clipping, dropped.
pub(super) const MIN_PIECE_M2: f64 = 1e-3;

/// The shape of grid cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum GridShape {
    /// Squares of side `unit_m`.
    #[default]
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Square,
    /// Pointy-top hexagons of the same area as a `unit_m` square.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Hex,
}

impl GridShape {
    /// The spelling used on the command line and in `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            GridShape::Square => "square",
            GridShape::Hex => "hex",
        }
    }
}

/// The lattice of grid vertices: every cell corner is `origin + (m·dx, n·dy)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lattice {
    origin: (f64, f64),
    dx: f64,
    dy: f64,
    shape: GridShape,
}

impl Lattice {
    fn at(&self, m: i64, n: i64) -> Coord<f64> {
        Coord {
            x: self.origin.0 + m as f64 * self.dx,
            y: self.origin.1 + n as f64 * self.dy,
        }
    }

    /// Puts a point back on the lattice when it is within [`CLIP_SNAP_M`]
    /// of it: on a grid line (squares, each coordinate alone) or a vertex
    /// (hexagons).
    pub fn snap(&self, c: Coord<f64>) -> Coord<f64> {
        let tol = CLIP_SNAP_M;
        let mx = ((c.x - self.origin.0) / self.dx).round() as i64;
        let ny = ((c.y - self.origin.1) / self.dy).round() as i64;
        let p = self.at(mx, ny);
        match self.shape {
            GridShape::Square => Coord {
                x: if (p.x - c.x).abs() < tol { p.x } else { c.x },
                y: if (p.y - c.y).abs() < tol { p.y } else { c.y },
            },
            GridShape::Hex => {
                if (p.x - c.x).abs() < tol && (p.y - c.y).abs() < tol {
                    p
                } else {
                    c
                }
            }
        }
    }

    /// The lattice of cells quartered `depth` times (steps divided by
    /// 2^depth, same origin): every vertex of the coarser lattices is on
    /// it with the same bits.
    pub fn refined(&self, depth: u8) -> Lattice {
        let f = f64::from(1u32 << depth.min(30));
        Lattice {
            dx: self.dx / f,
            dy: self.dy / f,
            ..*self
        }
    }

    /// True for a square grid (the only one [`super::refine`] splits).
    pub fn is_square(&self) -> bool {
        self.shape == GridShape::Square
    }

    /// The square cell `(i, j)` holding the point (square lattices).
    pub fn cell_of(&self, x: f64, y: f64) -> (i64, i64) {
        (
            ((x - self.origin.0) / self.dx).floor() as i64,
            ((y - self.origin.1) / self.dy).floor() as i64,
        )
    }

    /// The square cell `(i, j)`, counter-clockwise from its lower left corner.
    pub fn cell(&self, i: i64, j: i64) -> Polygon<f64> {
        let ring = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)]
            .iter()
            .map(|&(m, n)| self.at(m, n))
            .collect::<Vec<_>>();
        Polygon::new(LineString::new(ring), Vec::new())
    }

    /// Snaps every vertex of an area.
    pub fn snap_area(&self, area: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        use geo::MapCoords;
        area.map_coords(|c| self.snap(c))
    }
}

/// The area to cover, in the plane: its polygons with an index of their
/// boxes and of their edges.
pub struct Area {
    polygons: Vec<Polygon<f64>>,
    boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    edges: RTree<GeomWithData<Rectangle<[f64; 2]>, Line<f64>>>,
}

fn rect_of(r: Rect<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

impl Area {
    /// An area made of these polygons (they may touch; overlaps count once).
    pub fn new(polygons: Vec<Polygon<f64>>) -> Area {
        let boxes = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.bounding_rect().map(|r| GeomWithData::new(rect_of(r), i)))
            .collect();
        let edges = polygons
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.lines())
            .map(|l| GeomWithData::new(rect_of(l.bounding_rect()), l))
            .collect();
        Area {
            polygons,
            boxes: RTree::bulk_load(boxes),
            edges: RTree::bulk_load(edges),
        }
    }

    /// The convex hull of the points, widened by `margin` metres (a
    /// 32-gon around each hull vertex, hulled again).
    pub fn hull(points: &[(f64, f64)], margin: f64) -> Area {
        let mut around = Vec::with_capacity(points.len().min(64) * 32);
        let hull = MultiPoint::from(points.iter().map(|&(x, y)| Point::new(x, y)).collect::<Vec<_>>()).convex_hull();
        for c in hull.exterior().coords() {
            for k in 0..32 {
                let a = k as f64 * std::f64::consts::TAU / 32.0;
                around.push(Point::new(c.x + margin * a.cos(), c.y + margin * a.sin()));
            }
        }
        Area::new(vec![MultiPoint::from(around).convex_hull()])
    }

    /// The bounding box of the whole area.
    pub fn bounds(&self) -> Option<Rect<f64>> {
        let env = self.boxes.root().envelope();
        (!self.polygons.is_empty()).then(|| Rect::new(Coord::from(env.lower()), Coord::from(env.upper())))
    }

    /// True when the point lies in (or on the boundary of) the area.
    pub fn covers(&self, x: f64, y: f64) -> bool {
        let p = Point::new(x, y);
        self.boxes
            .locate_in_envelope_intersecting(&AABB::from_point([x, y]))
            .any(|b| self.polygons[b.data].intersects(&p))
    }

    /// The parts of a cell inside the area, each one polygon.
    fn clip(&self, cell: &Polygon<f64>) -> Vec<Polygon<f64>> {
        let Some(r) = cell.bounding_rect() else {
            return Vec::new();
        };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let crosses = self
            .edges
            .locate_in_envelope_intersecting(&env)
            .any(|e| e.data.intersects(cell));
        if !crosses {
            // Wholly inside one polygon or wholly outside the area.
            let c = cell.centroid().map_or((r.min().x, r.min().y), |c| (c.x(), c.y()));
            return if self.covers(c.0, c.1) {
                vec![cell.clone()]
            } else {
                Vec::new()
            };
        }
        let parts: Vec<Polygon<f64>> = self
            .boxes
            .locate_in_envelope_intersecting(&env)
            .flat_map(|b| cell.intersection(&self.polygons[b.data]).0)
            .collect();
        super::union_of(&parts)
            .0
            .into_iter()
            .filter(|p| p.unsigned_area() > MIN_PIECE_M2)
            .collect()
    }
}

/// Cells of `unit_m` over the area's box, clipped to the area; the
/// lattice their corners lie on. Units come in row-major order of cells,
/// parts of one cell in the order the clipping returns them.
pub fn grid(area: &Area, unit_m: f64, shape: GridShape) -> (Vec<Polygon<f64>>, Lattice) {
    let Some(b) = area.bounds() else {
        let lattice = Lattice {
            origin: (0.0, 0.0),
            dx: unit_m,
            dy: unit_m,
            shape,
        };
        return (Vec::new(), lattice);
    };
    let (x0, y0) = (b.min().x, b.min().y);
    let mut cells = Vec::new();
    let lattice = match shape {
        GridShape::Square => {
            let lattice = Lattice {
                origin: (x0, y0),
                dx: unit_m,
                dy: unit_m,
                shape,
            };
            let nx = ((b.max().x - x0) / unit_m).ceil().max(1.0) as i64;
            let ny = ((b.max().y - y0) / unit_m).ceil().max(1.0) as i64;
            for j in 0..ny {
                for i in 0..nx {
                    cells.push(lattice.cell(i, j));
                }
            }
            lattice
        }
        GridShape::Hex => {
            // Circumradius r of a hexagon of area unit_m²; vertices on the
            // lattice (m·√3r/2, n·r/2); centres at m = 2i + (j odd), n = 3j.
            let r = unit_m * (2.0 / (3.0 * 3f64.sqrt())).sqrt();
            let lattice = Lattice {
                origin: (x0, y0),
                dx: 3f64.sqrt() * r / 2.0,
                dy: r / 2.0,
                shape,
            };
            let rows = ((b.max().y - y0) / (1.5 * r)).ceil() as i64 + 1;
            let cols = ((b.max().x - x0) / (3f64.sqrt() * r)).ceil() as i64 + 1;
            for j in 0..=rows {
                for i in 0..=cols {
                    let (m, n) = (2 * i + (j & 1), 3 * j);
                    let ring = [(0, 2), (-1, 1), (-1, -1), (0, -2), (1, -1), (1, 1), (0, 2)]
                        .iter()
                        .map(|&(dm, dn)| lattice.at(m + dm, n + dn))
                        .collect::<Vec<_>>();
                    cells.push(Polygon::new(LineString::new(ring), Vec::new()));
                }
            }
            lattice
        }
    };
    let units = cells
        .iter()
        .flat_map(|cell| area.clip(cell))
        .map(|p| {
            let snapped = lattice.snap_area(&MultiPolygon::new(vec![p]));
            snapped
                .0
                .into_iter()
                .next()
                .unwrap_or_else(|| Polygon::new(LineString::new(Vec::new()), Vec::new()))
        })
        .filter(|p| !p.exterior().0.is_empty())
        .collect();
    (units, lattice)
}

/// An index to find the unit covering a point.
pub struct Locator {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl Locator {
    /// Indexes the units' boxes.
    pub fn new(units: &[Polygon<f64>]) -> Locator {
        Locator {
            tree: RTree::bulk_load(
                units
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| p.bounding_rect().map(|r| GeomWithData::new(rect_of(r), i)))
                    .collect(),
            ),
        }
    }

    /// The first unit (smallest index) covering the point, boundary included.
    pub fn locate(&self, units: &[Polygon<f64>], x: f64, y: f64) -> Option<usize> {
        let p = Point::new(x, y);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([x, y]))
            .map(|b| b.data)
            .filter(|&u| units[u].intersects(&p))
            .min()
    }

    /// The unit whose box is nearest the point (for a school outside the area).
    pub fn nearest(&self, x: f64, y: f64) -> Option<usize> {
        self.tree.nearest_neighbor(&[x, y]).map(|b| b.data)
    }
}

/// Length (m) of boundary that two polygons share: segments of one lying
/// within `tol` metres of a segment of the other, measured along it.
pub fn shared_length(a: &Polygon<f64>, b: &Polygon<f64>, tol: f64) -> f64 {
    let rings = |p: &Polygon<f64>| -> Vec<Line<f64>> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|r| r.lines())
            .collect()
    };
    let (la, lb) = (rings(a), rings(b));
    let mut total = 0.0;
    for p in &la {
        let d = p.delta();
        let len = d.x.hypot(d.y);
        if len <= tol {
            continue;
        }
        let (ux, uy) = (d.x / len, d.y / len);
        let pb = p.bounding_rect();
        for q in &lb {
            let qb = q.bounding_rect();
            if qb.min().x > pb.max().x + tol
                || qb.max().x < pb.min().x - tol
                || qb.min().y > pb.max().y + tol
                || qb.max().y < pb.min().y - tol
            {
                continue;
            }
            let off = |c: Coord<f64>| ((c.x - p.start.x) * uy - (c.y - p.start.y) * ux).abs();
            if off(q.start) > tol || off(q.end) > tol {
                continue;
            }
            let t = |c: Coord<f64>| (c.x - p.start.x) * ux + (c.y - p.start.y) * uy;
            let (t1, t2) = (t(q.start), t(q.end));
            let overlap = t1.max(t2).min(len) - t1.min(t2).max(0.0);
            if overlap > 0.0 {
                total += overlap;
            }
        }
    }
    total
}

/// Neighbours of every unit (sorted): pairs sharing at least `min_shared`
/// metres of boundary, found within `tol` metres.
pub fn adjacency(units: &[Polygon<f64>], tol: f64, min_shared: f64) -> Vec<Vec<u32>> {
    let boxes: Vec<Option<Rect<f64>>> = units.iter().map(|p| p.bounding_rect()).collect();
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| GeomWithData::new(rect_of(r), i)))
            .collect(),
    );
    let mut adj = vec![Vec::new(); units.len()];
    for (i, r) in boxes.iter().enumerate() {
        let Some(r) = r else { continue };
        let env = AABB::from_corners([r.min().x - tol, r.min().y - tol], [r.max().x + tol, r.max().y + tol]);
        for b in tree.locate_in_envelope_intersecting(&env) {
            let j = b.data;
            if j > i && shared_length(&units[i], &units[j], tol) >= min_shared {
                adj[i].push(j as u32);
                adj[j].push(i as u32);
            }
        }
    }
    for a in &mut adj {
        a.sort_unstable();
    }
    adj
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn square_grid_covers_a_square_area_exactly() {
        let area = Area::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0), (x: 1000.0, y: 1000.0), (x: 0.0, y: 1000.0)],
        ]);
        let (units, _) = grid(&area, 250.0, GridShape::Square);
        assert_eq!(units.len(), 16);
        let total: f64 = units.iter().map(|u| u.unsigned_area()).sum();
        assert!((total - 1e6).abs() < 1e-6);
        let adj = adjacency(&units, 1e-3, 1.0);
        // 4x4 grid: 2·4·3 = 24 shared edges, corners do not count.
        assert_eq!(adj.iter().map(Vec::len).sum::<usize>(), 48);
        assert_eq!(adj[0], vec![1, 4]);
    }

    #[test]
    fn a_cell_cut_in_two_gives_two_units() {
        // A U: the bottom bar joins two arms. With 300 m cells, the upper
        // cell holds the two arm tips, which it cannot connect: two units.
        let area = Area::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 300.0, y: 0.0), (x: 300.0, y: 400.0), (x: 200.0, y: 400.0),
            (x: 200.0, y: 100.0), (x: 100.0, y: 100.0), (x: 100.0, y: 400.0), (x: 0.0, y: 400.0)
        ]]);
        let (units, _) = grid(&area, 300.0, GridShape::Square);
        assert_eq!(units.len(), 3);
        let total: f64 = units.iter().map(|u| u.unsigned_area()).sum();
        assert!((total - (300.0 * 100.0 + 2.0 * 100.0 * 300.0)).abs() < 1e-3, "{total}");
        let adj = adjacency(&units, 1e-3, 1.0);
        // The U's lower cell touches both tips across the grid line y = 300.
        assert_eq!(adj[0], vec![1, 2]);
        assert!(adj[1] == vec![0] && adj[2] == vec![0]);
    }

    #[test]
    fn hex_grid_cells_have_six_neighbours_inside() {
        let area = Area::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 3000.0, y: 0.0), (x: 3000.0, y: 3000.0), (x: 0.0, y: 3000.0)],
        ]);
        let (units, _) = grid(&area, 300.0, GridShape::Hex);
        let total: f64 = units.iter().map(|u| u.unsigned_area()).sum();
        assert!((total - 9e6).abs() < 1.0, "{total}");
        let adj = adjacency(&units, 1e-3, 1.0);
        assert_eq!(adj.iter().map(Vec::len).max(), Some(6));
        let whole = units
            .iter()
            .filter(|u| (u.unsigned_area() - 90_000.0).abs() < 1e-3)
            .count();
        assert!(whole > 50, "{whole}");
    }
}
