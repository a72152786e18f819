//! Adaptive refinement: when the capacity repair leaves zones over
//! capacity, the square cells along the borders it has to move pupils
//! across are split into four (a quadtree on the grid), their pupils
//! recounted, and the repair run again from the map so far.
//!
//! Why: a coarse cell moves all its pupils at once, and a cell that is the
//! only link between two parts of a zone cannot move at all. On NSW
//! Mid-Coast at 1 km the repair's chains of zones to the few spare seats
//! stalled on exactly these: a full zone whose border cells facing the
//! next zone were empty could only hand over a path of cells ending in a
//! village of 5-8 pupils (far more than the 1-3 it had to pass on), or
//! none at all without cutting itself in two. Quarter cells hold fewer
//! pupils and leave room beside a cut.
//!
//! Which cells: those on a border between two zones that lie on some
//! shortest path, in the graph of neighbouring zones, from a zone over
//! capacity to the nearest zones with spare seats (the paths the pushes
//! and chains take). Only square grids are refined: quarter cells are
//! exact on the lattice (`origin + m·step/2ᵈ`), so neighbouring zones
//! still share their edges bit for bit. Hexagons do not split into
//! smaller hexagons on one lattice, and blocks (`--units`) are real
//! geography whose population has no position inside the block; neither
//! is refined.
//!
//! # Examples
//!
//! ```
//! use catchment::zoning::refine::{split, Units};
//! use catchment::zoning::units::{adjacency, grid, Area, GridShape};
//! use geo::polygon;
//!
//! // Two 100 m cells side by side, a school in the left one, three homes
//! // in the right one: quartering the right cell gives six units.
//! let area = Area::new(vec![polygon![(x: 0.0, y: 0.0), (x: 200.0, y: 0.0), (x: 200.0, y: 100.0), (x: 0.0, y: 100.0)]]);
//! let (cells, lattice) = grid(&area, 100.0, GridShape::Square);
//! let units = Units {
//!     adjacency: adjacency(&cells, 1e-5, 0.01),
//!     polygons: cells,
//!     seeds: vec![0],
//!     unit_pupils: vec![vec![], vec![0, 1, 2]],
//!     demand: vec![0, 3],
//!     centres_xy: vec![(50.0, 50.0), (150.0, 50.0)],
//!     depth: vec![0, 0],
//! };
//! let homes = [(110.0, 10.0), (190.0, 90.0), (120.0, 20.0)];
//! let (finer, parent) = split(&units, &[false, true], &lattice, &homes, &[(50.0, 50.0)]);
//! assert_eq!(finer.polygons.len(), 5);
//! assert_eq!(parent, vec![0, 1, 1, 1, 1]);
//! assert_eq!(finer.demand, vec![0, 2, 0, 0, 1]);
//! // The left cell touches the two quarters on its side only.
//! assert_eq!(finer.adjacency[0], vec![1, 3]);
//! ```

use std::collections::VecDeque;

use geo::{Area as _, BooleanOps, BoundingRect, Centroid, InteriorPoint, Intersects, MultiPolygon, Point, Polygon};

use super::assign::{self, NONE};
use super::units::{shared_length, Lattice, CLIP_SNAP_M, MIN_PIECE_M2};

/// Levels of refinement at most (1 km cells go down to 125 m).
pub const MAX_LEVELS: u8 = 3;

/// The units of a map, with what the assignment needs of them.
#[derive(Debug, Clone)]
pub struct Units {
    /// Each unit's polygon, in the plane.
    pub polygons: Vec<Polygon<f64>>,
    /// Neighbours of each unit (sorted).
    pub adjacency: Vec<Vec<u32>>,
    /// The unit holding each zone's school.
    pub seeds: Vec<usize>,
    /// Pupils (indices) in each unit.
    pub unit_pupils: Vec<Vec<u32>>,
    /// Pupils in each unit.
    pub demand: Vec<u32>,
    /// A point inside each unit, in the plane.
    pub centres_xy: Vec<(f64, f64)>,
    /// Times each unit's cell was quartered (0: a cell of the grid).
    pub depth: Vec<u8>,
}

impl Units {
    /// The unit of each of `pupils` pupils.
    pub fn unit_of_pupils(&self, pupils: usize) -> Vec<usize> {
        let mut out = vec![usize::MAX; pupils];
        for (u, list) in self.unit_pupils.iter().enumerate() {
            for &i in list {
                out[i as usize] = u;
            }
        }
        out
    }

    /// The partition problem of these units with the zones' capacities.
    pub fn problem<'a>(&'a self, caps: &'a [u32]) -> assign::Problem<'a> {
        assign::Problem {
            adjacency: &self.adjacency,
            demand: &self.demand,
            seeds: &self.seeds,
            caps,
        }
    }

    /// The deepest refinement among the units.
    pub fn max_depth(&self) -> u8 {
        self.depth.iter().copied().max().unwrap_or(0)
    }
}

/// The units to quarter, given a map (`label`, a zone per unit) and the
/// zones' capacities: units on a border between two zones that both lie
/// on a shortest path (in zone steps) from a zone over capacity to the
/// nearest zones with spare seats, not yet refined [`MAX_LEVELS`] times.
pub fn to_split(units: &Units, label: &[u32], caps: &[u32]) -> Vec<bool> {
    let zones = caps.len();
    let problem = units.problem(caps);
    let load = assign::loads(&problem, label);
    let graph = assign::zone_graph(&problem, label);
    let cap = |k: usize| u64::from(caps[k]);
    let to_spare = steps(&graph, (0..zones).filter(|&k| load[k] < cap(k)));
    let mut on_path = vec![false; zones];
    for a in (0..zones).filter(|&k| load[k] > cap(k)) {
        on_path[a] = true;
        let Some(da) = to_spare[a] else { continue };
        let from_a = steps(&graph, std::iter::once(a));
        for z in 0..zones {
            if let (Some(x), Some(y)) = (from_a[z], to_spare[z]) {
                if x + y == da {
                    on_path[z] = true;
                }
            }
        }
    }
    (0..label.len())
        .map(|u| {
            let k = label[u];
            k != NONE
                && on_path[k as usize]
                && units.depth[u] < MAX_LEVELS
                && units.adjacency[u].iter().any(|&v| {
                    let b = label[v as usize];
                    b != NONE && b != k && on_path[b as usize]
                })
        })
        .collect()
}

/// Zone steps from the nearest of `from` to every zone (`None`: unreached).
fn steps(graph: &[Vec<u32>], from: impl Iterator<Item = usize>) -> Vec<Option<usize>> {
    let mut dist = vec![None; graph.len()];
    let mut queue = VecDeque::new();
    for k in from {
        dist[k] = Some(0);
        queue.push_back(k);
    }
    while let Some(z) = queue.pop_front() {
        let d = dist[z].unwrap_or(0) + 1;
        for &n in &graph[z] {
            let n = n as usize;
            if dist[n].is_none() {
                dist[n] = Some(d);
                queue.push_back(n);
            }
        }
    }
    dist
}

/// Quarters the units marked in `which` (cells of the square `lattice`,
/// possibly clipped): each gives one unit per part of its cell's quarters.
/// Pupils (`pupils_xy`, plane positions) go to the part that covers them
/// (the first, as for whole cells), seeds to the part holding their school
/// (`schools_xy`) or else the nearest part. Returns the new units and the
/// unit each came from. Units keep their order, a split unit's parts
/// taking its place, so the result depends only on the inputs.
pub fn split(
    units: &Units,
    which: &[bool],
    lattice: &Lattice,
    pupils_xy: &[(f64, f64)],
    schools_xy: &[(f64, f64)],
) -> (Units, Vec<usize>) {
    let n = units.polygons.len();
    // The parts of each unit to split (empty: kept whole).
    let parts: Vec<Vec<Polygon<f64>>> = (0..n)
        .map(|u| {
            if which.get(u).copied().unwrap_or(false) {
                quarters(&units.polygons[u], units.depth[u], lattice)
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut out = Units {
        polygons: Vec::with_capacity(n),
        adjacency: Vec::new(),
        seeds: Vec::new(),
        unit_pupils: Vec::with_capacity(n),
        demand: Vec::new(),
        centres_xy: Vec::with_capacity(n),
        depth: Vec::with_capacity(n),
    };
    let mut parent = Vec::with_capacity(n);
    // New indices of each old unit: its own, or its parts'.
    let mut first = vec![0usize; n + 1];
    for u in 0..n {
        first[u] = out.polygons.len();
        if parts[u].is_empty() {
            out.polygons.push(units.polygons[u].clone());
            out.centres_xy.push(units.centres_xy[u]);
            out.depth.push(units.depth[u]);
            out.unit_pupils.push(units.unit_pupils[u].clone());
            parent.push(u);
            continue;
        }
        let start = out.polygons.len();
        for p in &parts[u] {
            out.centres_xy.push(centre(p));
            out.polygons.push(p.clone());
            out.depth.push(units.depth[u] + 1);
            out.unit_pupils.push(Vec::new());
            parent.push(u);
        }
        for &i in &units.unit_pupils[u] {
            let k = part_of(&out.polygons[start..], &out.centres_xy[start..], pupils_xy[i as usize]);
            out.unit_pupils[start + k].push(i);
        }
    }
    first[n] = out.polygons.len();
    let new_of = |u: usize| first[u]..first[u + 1];
    out.demand = out.unit_pupils.iter().map(|l| l.len() as u32).collect();
    out.seeds = units
        .seeds
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let r = new_of(s);
            r.start + part_of(&out.polygons[r.clone()], &out.centres_xy[r], schools_xy[k])
        })
        .collect();
    // Neighbours: unchanged between whole units; a part is tested against
    // its siblings and the (parts of the) old unit's neighbours.
    let mut adjacency: Vec<Vec<u32>> = vec![Vec::new(); out.polygons.len()];
    for u in 0..n {
        if parts[u].is_empty() {
            let me = first[u];
            for &v in &units.adjacency[u] {
                let v = v as usize;
                if parts[v].is_empty() {
                    adjacency[me].push(first[v] as u32);
                }
            }
            continue;
        }
        for a in new_of(u) {
            let near = new_of(u).chain(units.adjacency[u].iter().flat_map(|&v| new_of(v as usize)));
            for b in near {
                if a == b || (parent[b] == u && b < a) {
                    continue;
                }
                // Pairs of two split units are found from both sides: once.
                if parent[b] != u && !parts[parent[b]].is_empty() && parent[b] < u {
                    continue;
                }
                if shared_length(&out.polygons[a], &out.polygons[b], CLIP_SNAP_M) >= super::MIN_SHARED_M {
                    adjacency[a].push(b as u32);
                    adjacency[b].push(a as u32);
                }
            }
        }
    }
    for a in &mut adjacency {
        a.sort_unstable();
        a.dedup();
    }
    out.adjacency = adjacency;
    (out, parent)
}

/// The parts of a unit's cell's four quarters inside the unit; none when
/// the unit cannot be split (it would give a single part).
fn quarters(unit: &Polygon<f64>, depth: u8, lattice: &Lattice) -> Vec<Polygon<f64>> {
    let Some(bounds) = unit.bounding_rect() else {
        return Vec::new();
    };
    let coarse = lattice.refined(depth);
    let fine = lattice.refined(depth + 1);
    let mid = bounds.center();
    let (i, j) = coarse.cell_of(mid.x, mid.y);
    let whole = coarse.cell(i, j);
    let is_whole = unit.exterior().0.len() == 5
        && unit.interiors().is_empty()
        && (unit.unsigned_area() - whole.unsigned_area()).abs() <= 1e-9 * whole.unsigned_area();
    let mut out = Vec::new();
    for (a, b) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        let q = fine.cell(2 * i + a, 2 * j + b);
        if is_whole {
            out.push(q);
            continue;
        }
        // geo's boolean operations round to a fixed-point grid (tens of
        // micrometres this far from the plane's origin): the pieces' edges
        // on the quarter lines are put back on them.
        let pieces = unit.intersection(&q);
        let snapped = fine.snap_area(&MultiPolygon::new(
            pieces
                .0
                .into_iter()
                .filter(|p| p.unsigned_area() > MIN_PIECE_M2)
                .collect(),
        ));
        out.extend(snapped.0.into_iter().filter(|p| !p.exterior().0.is_empty()));
    }
    if out.len() < 2 {
        Vec::new()
    } else {
        out
    }
}

fn centre(p: &Polygon<f64>) -> (f64, f64) {
    p.interior_point()
        .or_else(|| p.centroid())
        .map_or((0.0, 0.0), |c| (c.x(), c.y()))
}

/// The first part covering the point, else the one whose centre is nearest.
fn part_of(parts: &[Polygon<f64>], centres: &[(f64, f64)], (x, y): (f64, f64)) -> usize {
    let p = Point::new(x, y);
    if let Some(k) = parts.iter().position(|q| q.intersects(&p)) {
        return k;
    }
    (0..parts.len())
        .min_by(|&a, &b| {
            let da = (centres[a].0 - x).hypot(centres[a].1 - y);
            let db = (centres[b].0 - x).hypot(centres[b].1 - y);
            da.total_cmp(&db).then(a.cmp(&b))
        })
        .unwrap_or(0)
}
